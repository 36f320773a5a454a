// `npm run bench` works and reports what it promises (figures are printed by the bench, not asserted as times).
import { describe, expect, it } from "vitest";
import { benchOffline } from "../bench/run";
import { benchExcel } from "../bench/excel";

describe("benchmarks", () => {
  it("offline: plan size, write time, bare exceljs and the ratio, with cells growing in proportion to the network", async () => {
    const [z, a, b] = await benchOffline([0.01, 0.02, 0.04]);
    for (const r of [a, b]) for (const k of ["planCells", "planBlocks", "planMs", "writeMs", "bareMs", "ratio", "µs/cell"]) expect(r, k).toHaveProperty(k);
    // What grows with the network doubles when it doubles (sheets of fixed size, like the rates, do not grow).
    const grow = (x: Record<string, unknown>, y: Record<string, unknown>) => (y.planCells as number) - (x.planCells as number);
    expect(grow(a, b) / grow(z, a)).toBeGreaterThan(1.6);
    expect(b.planBlocks).toBe(a.planBlocks); // blocks do not grow with rows
  }, 120_000);

  it("Excel: a real build's syncs for the sample and the large network, new and rebuilt, with the targets beside them", async () => {
    const [summary, detail, trade] = await benchExcel();
    const row = (network: string, build: string) => summary.rows.find((r) => r.network === network && r.build === build)!;
    expect(summary.rows.map((r) => `${r.network} ${r.build}`)).toEqual(["sample new", "sample rebuild", "large new", "large rebuild"]);
    for (const r of summary.rows) for (const k of ["syncs", "target", "met", "minimum", "max write KB", "max response KB", "within 5 MB"]) expect(r, k).toHaveProperty(k);
    expect(row("sample", "new").met).toBe("yes");
    expect(row("large", "new").met).toBe("yes");
    expect(row("large", "rebuild")["within 5 MB"]).toBe("yes");
    expect(detail.rows.length).toBe(row("large", "new").syncs);
    expect(trade.rows.map((r) => r["charts a sync"])).toEqual([10, 20, 20]);
    expect(trade.rows.every((r) => r["all ok"] === "yes")).toBe(true);
  }, 300_000);
});
