// `npm run bench` works and reports what it promises (figures are printed by the bench, not asserted as times).
import { describe, expect, it } from "vitest";
import { benchOffline, planCells } from "../bench/run";
import { buildPlan } from "../core/workbook/build";
import { largeNetwork } from "../core/workbook/sample";
import { benchExcel } from "../bench/excel";

describe("benchmarks", () => {
  it("offline: the shipped command and both bare exceljs baselines run in fresh processes, with medians, ratios and memory", async () => {
    const { rows, figures } = await benchOffline({ sizes: [{ label: "sample", scale: null }, { label: "0.02x", scale: 0.02 }], runs: 1 });
    expect(rows.map((r) => r.size)).toEqual(["sample", "0.02x"]);
    for (const f of figures) {
      for (const fig of [f.ours, f.stream, f.memory]) {
        expect(fig.runs).toHaveLength(1);
        expect(fig.runs[0].ok, fig.runs[0].error).toBe(true);
        expect(fig.runs[0].rssMb).toBeGreaterThan(10);
      }
      expect(f.cells).toBeGreaterThan(1000);
    }
    for (const r of rows) {
      expect(r["time ratio"]).toMatch(/^\d+\.\d\dx$/);
      expect(r["memory ratio"]).toMatch(/^\d+\.\d\dx$/);
      expect(r["time target"]).toMatch(/^<= 1\.[23]x (met|MISSED)$/);
    }
  }, 180_000);

  it("offline: plan cells grow in proportion to the network; blocks do not grow with rows", () => {
    const plans = [0.01, 0.02, 0.04].map((s) => buildPlan({ sheets: [] }, { data: largeNetwork(s), today: "2026-12-01" }));
    const [z, a, b] = plans.map(planCells);
    // What grows with the network doubles when it doubles (sheets of fixed size, like the rates, do not grow).
    expect((b - a) / (a - z)).toBeGreaterThan(1.6);
    const blocks = (p: (typeof plans)[number]) => p.sheets.reduce((n, s) => n + s.blocks.length, 0);
    expect(blocks(plans[2])).toBe(blocks(plans[1]));
  });

  it("Excel: a real build's syncs for the sample and the large network, new and rebuilt, with the targets beside them", async () => {
    // A fifth of the large network: the tables' shape and the build's flow (the full size's targets: excel-limits).
    const [summary, detail] = await benchExcel(0.2);
    const row = (network: string, build: string) => summary.rows.find((r) => r.network === network && r.build === build)!;
    expect(summary.rows.map((r) => `${r.network} ${r.build}`)).toEqual(["sample new", "sample rebuild", "large new", "large rebuild"]);
    for (const r of summary.rows) for (const k of ["syncs", "target", "met", "minimum", "max write KB", "max response KB", "within 5 MB"]) expect(r, k).toHaveProperty(k);
    expect(row("sample", "new").met).toBe("yes");
    expect(row("sample", "rebuild").met).toBe("yes");
    expect(row("large", "new").met).toBe("yes");
    expect(row("large", "rebuild")["within 5 MB"]).toBe("yes");
    expect(detail.rows.length).toBe(row("large", "new").syncs);
  }, 600_000);
});
