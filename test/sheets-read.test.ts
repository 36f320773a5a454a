/**
 * The Sheets build reads only what its plan needs, each cell at most once; the plan it makes must be the plan
 * a full read (every value and every formula of every sheet) would give, on workbooks people have edited in
 * every way the engine cares about.
 */
import { afterEach, describe, expect, it } from "vitest";
import { buildPlan, type BuildOptions } from "../core/workbook/build";
import { largeNetwork } from "../core/workbook/sample";
import { NEWEST_YEAR } from "../core/rates/book";
import type { WritePlan } from "../core/workbook/plan";
import { readForBuild, readSnapshot } from "../sheets-addon/read";
import { applyPlan, type Spreadsheet } from "../sheets-addon/writer";
import { createFakeGas, type FakeGas } from "./fakes/fakeSheets";

const YEAR = NEWEST_YEAR;
const TODAY = "2025-10-01";
const saved: Record<string, unknown> = {};
function install(g: FakeGas) {
  for (const [k, v] of Object.entries(g.globals)) {
    if (!(k in saved)) saved[k] = (globalThis as any)[k];
    (globalThis as any)[k] = v;
  }
}
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) (globalThis as any)[k] = v;
});
const ss = (): Spreadsheet => (globalThis as any).SpreadsheetApp.getActiveSpreadsheet();

function built(opts: BuildOptions): FakeGas {
  const gas = createFakeGas();
  // Sheets computes formulas; the fake does not: a seeded input such as the months closed shows a number.
  gas.formulaValue = (_s, _r, _c, f) => (/^=""$/.test(f) ? "" : 0);
  install(gas);
  applyPlan(ss(), buildPlan({ sheets: [] }, opts));
  return gas;
}

/** The plan from a full read and from the build's own read, for the sheets built. */
function bothPlans(gas: FakeGas, opts: BuildOptions, keys: string[] | "all"): { full: WritePlan; partial: WritePlan; maxReads: number } {
  install(gas);
  // Both plans are of one build: the same change-journal entry (its time included).
  opts = { ...opts, journal: { host: "Google Sheets", at: "2025-10-01T09:30:00" } };
  const full = buildPlan(readSnapshot(ss()), { ...opts, sheets: keys === "all" ? undefined : keys });
  const ex = gas.execute("read", () => readForBuild(ss(), { options: { ...opts, sheets: keys === "all" ? undefined : keys }, keys, valuesOf: ["practices", "kpis"] }));
  const partial = buildPlan(ex.snapshot, { ...opts, sheets: keys === "all" ? undefined : keys });
  const read = gas.executions.at(-1)!;
  return { full, partial, maxReads: read.maxReadsOfACell() };
}

function expectSamePlans(full: WritePlan, partial: WritePlan) {
  const built = new Set(full.sheets.map((s) => s.name));
  expect(partial.sheets.map((s) => s.name)).toEqual(full.sheets.map((s) => s.name));
  for (const [i, s] of full.sheets.entries()) expect(partial.sheets[i], s.name).toEqual(s);
  const mine = (p: WritePlan) => p.names.filter((n) => built.has(n.sheet));
  expect(mine(partial)).toEqual(mine(full));
  expect(partial.warnings).toEqual(full.warnings);
}

describe("the build's read gives the plan a full read gives", () => {
  it("on the sample as built", () => {
    const opts = { year: YEAR, sample: true, today: TODAY };
    const gas = built(opts);
    const { full, partial, maxReads } = bothPlans(gas, opts, "all");
    expectSamePlans(full, partial);
    expect(maxReads).toBe(1);
  });

  it("on a workbook a person has edited in every way the engine cares about", () => {
    const opts = { year: YEAR, sample: true, today: TODAY };
    const gas = built(opts);
    const budgetRows = gas.sheet("Budget").extent().rows;
    const reg = gas.sheet("Partnerships");
    // A value typed over a computed cell, and a computed cell cleared.
    const computedCol = (sheet: string, header: RegExp) => {
      const sh = gas.sheet(sheet);
      for (let c = 1; c <= sh.extent().cols; c++) if (header.test(String(sh.cell(1, c)?.value ?? ""))) return c;
      throw new Error(`no ${header} in ${sheet}`);
    };
    const notice = computedCol("Partnerships", /notice/i);
    reg.put(3, notice, { value: "typed over", formula: null });
    reg.put(4, notice, null);
    // In a spare row: a formula showing nothing in an input cell, and a seeded phasing typed over with nothing else.
    reg.put(reg.extent().rows - 2, 2, { value: null, formula: '=""' });
    const budget = gas.sheet("Budget");
    budget.put(budgetRows - 1, computedCol("Budget", /^Budget .*\(£\)$/), { value: 123, formula: null });
    // A person's own formula in an input cell of a used row, and a column of their own beside the table.
    reg.put(2, 3, { value: null, formula: '=UPPER("x")' });
    reg.put(2, reg.extent().cols + 1, { value: "my note", formula: null });
    // Something typed in a blank cell of a report, and a report formula typed over.
    const summary = gas.sheet("Register Summary");
    summary.put(30, 6, { value: "noted", formula: null });
    for (let r = 1; r <= summary.extent().rows; r++) {
      const c = [...Array(summary.extent().cols).keys()].map((i) => i + 1).find((col) => summary.cell(r, col)?.formula);
      if (c) {
        summary.put(r, c, { value: 42, formula: null });
        break;
      }
    }
    for (const keys of ["all", ["partnerships", "budget", "summary"]] as const) {
      const { full, partial, maxReads } = bothPlans(gas, opts, keys as string[] | "all");
      expectSamePlans(full, partial);
      // Read twice only where the first read could not tell: a cleared formula cell, a formula showing nothing, a typed report cell.
      expect(maxReads).toBeLessThanOrEqual(2);
    }
  });

  it("with practices confirmed in the pane (their rows rewritten), a person's formula in a field the pane leaves blank kept", () => {
    const opts = { year: YEAR, sample: true, today: TODAY };
    const gas = built(opts);
    const practices = gas.sheet("Practices");
    // A formula of the person's in Riverside's weighted list, which the pane leaves blank.
    expect(practices.cell(2, 1)?.value).toBe("Riverside Surgery");
    expect(practices.cell(1, 4)?.value).toMatch(/^Weighted/);
    practices.put(2, 4, { value: null, formula: "=C2*1.02" });
    const confirmed = [
      { name: "Riverside Surgery", odsCode: "X00001", registered: 9900 },
      { name: "Oakfield Medical Centre", registered: 8800, weighted: 8500 },
      { name: "A New Practice", odsCode: "X00009", registered: 1000 },
    ];
    const { full, partial, maxReads } = bothPlans(gas, { year: YEAR, today: TODAY, practices: confirmed }, ["practices"]);
    expectSamePlans(full, partial);
    expect(maxReads).toBe(1);
    // The confirmed figures are written (Oakfield's weighted list), the person's formula is not written over.
    const p = partial.sheets.find((s) => s.key === "practices")!;
    const written = new Map<string, unknown>();
    for (const b of p.blocks) for (const [r, row] of b.cells.entries()) for (const [c, v] of row.entries()) written.set(`${b.row + r},${b.col + c}`, v);
    expect(written.get("2,3")).toBe(8500);
    expect(written.has("1,3")).toBe(false);
    expect(written.get("1,2")).toBe(9900);
  });

  it("on the large network (a tenth), reading each cell once", () => {
    const opts = { data: largeNetwork(0.1), today: TODAY };
    const gas = built(opts);
    const { full, partial, maxReads } = bothPlans(gas, { today: TODAY }, "all");
    expectSamePlans(full, partial);
    expect(maxReads).toBe(1);
    // The reads cover far fewer cells than values and formulas of every sheet would.
    const cells = gas.ss.sheets.reduce((n, s) => n + s.extent().rows * s.extent().cols, 0);
    expect(gas.executions.at(-1)!.cellsRead()).toBeLessThanOrEqual(cells);
  });
});
