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

  it("Excel: syncs per sheet stay flat from the sample to the large network, far below row-at-a-time", async () => {
    const rows = (await benchExcel()) as { network: string; sheet: string; syncs: number; rowAtATimeSyncs: number }[];
    const of = (n: string, s: string) => rows.find((r) => r.network === n && r.sheet === s)!;
    expect(of("large", "Partnerships").syncs).toBe(of("small", "Partnerships").syncs);
    expect(of("large", "TOTAL").rowAtATimeSyncs / of("large", "TOTAL").syncs).toBeGreaterThan(100);
  }, 120_000);
});
