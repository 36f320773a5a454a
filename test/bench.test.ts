// `npm run bench` works and reports what it promises (figures are printed by the bench, not asserted as times).
import { describe, expect, it } from "vitest";
import { benchOffline } from "../bench/run";
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

  it("Excel: syncs per sheet stay flat from the sample to the large network, far below row-at-a-time", async () => {
    const rows = (await benchExcel()) as { network: string; sheet: string; syncs: number; rowAtATimeSyncs: number }[];
    const of = (n: string, s: string) => rows.find((r) => r.network === n && r.sheet === s)!;
    expect(of("large", "Partnerships").syncs).toBe(of("small", "Partnerships").syncs);
    expect(of("large", "TOTAL").rowAtATimeSyncs / of("large", "TOTAL").syncs).toBeGreaterThan(100);
  }, 120_000);
});
