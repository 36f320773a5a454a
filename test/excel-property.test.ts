/**
 * Build, let a person type into input cells, rebuild (readSnapshot -> buildPlan -> applyPlan): every cell
 * they typed survives. Input cells are every one the specs define (as test/workbook.test.ts finds them): each
 * input column of each table, down to three rows past the table, and each input cell of the report regions
 * (Funding's split key and amount, Budget Summary's months closed...). The rebuild brings the sample network
 * again, so incoming data competes with what was typed.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPlan, workbookSpecs } from "../core/workbook/build";
import { readMeta } from "../core/workbook/engine";
import type { WorkbookSnapshot } from "../core/workbook/plan";
import { applyPlan, readSnapshot } from "../excel-addin/writer";
import { coerceInput, FakeWorkbook, fakeRun, rectA1, type CellModel, type CellValue, type FakeRequestContext } from "./fakes/fakeExcel";

const ctxOf = (c: FakeRequestContext) => c as unknown as Excel.RequestContext;
const TODAY = "2025-10-01";

/** A build (the pane's Build, with the sample network each time). */
async function build(wb: FakeWorkbook) {
  const run = fakeRun(wb);
  const snapshot = await run((c: FakeRequestContext) => readSnapshot(ctxOf(c)));
  const plan = buildPlan(snapshot, { sample: true, today: TODAY });
  await run((c: FakeRequestContext) => applyPlan(ctxOf(c), plan, undefined, { snapshot, isSetSupported: (n, v) => wb.isSetSupported(n, v) }));
  return plan;
}

interface Slot { sheet: string; row: number; col: number; report?: boolean }

/** Every input cell the specs define for this workbook. */
function inputCells(snap: WorkbookSnapshot): Slot[] {
  const { specs } = workbookSpecs(snap, { today: TODAY });
  const meta = readMeta(snap);
  const out: Slot[] = [];
  for (const s of specs) {
    const m = meta.sheets.find((x) => x.key === s.key);
    if (!m) continue;
    if (s.table) s.table.columns.forEach((c, ci) => { if (!c.formula) for (let r = 1; r <= m.capacity + 3; r++) out.push({ sheet: s.name, row: r, col: ci }); });
    for (const rep of s.reports ?? []) rep.rows.forEach((row, r) => row.forEach((rc, c) => rc?.input && out.push({ sheet: s.name, row: r, col: rep.col + c, report: true })));
  }
  return out;
}

/** What a person's typing leaves in a cell: text that Excel would read as something else is typed with an apostrophe. */
function typedCell(v: CellValue): CellModel {
  if (typeof v !== "string") return { v };
  let plain: ReturnType<typeof coerceInput> = null;
  try {
    plain = coerceInput(v);
  } catch {
    // Excel refuses it as a formula: the person types it as text.
  }
  if (plain && plain !== "clear" && plain.v === v && !plain.f && !plain.error) return plain;
  return coerceInput(`'${v}`) as CellModel;
}

let fresh: FakeWorkbook;
let slots: Slot[];
let reportSlots: Slot[];

beforeAll(async () => {
  fresh = new FakeWorkbook();
  fresh.addSheet("Sheet1");
  await build(fresh);
  slots = inputCells(await fakeRun(fresh)((c: FakeRequestContext) => readSnapshot(ctxOf(c))));
  reportSlots = slots.filter((s) => s.report);
});

// What a person types: numbers, words (some that look like formulas, signs or mentions), dates (as serials), yes/no.
const typed: fc.Arbitrary<CellValue> = fc.oneof(
  fc.integer({ min: -1000, max: 100000 }),
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== ""),
  fc.tuple(fc.constantFrom("=", "+", "-", "@"), fc.string({ maxLength: 12 })).map(([a, b]) => a + b),
  fc.constantFrom('=HYPERLINK("http://x","y")', "=SUM(A1:A3)", "+1", "-2", "@SUM(1)", "=", "Agreed", "Yes", "0123"),
  fc.integer({ min: 45000, max: 47000 }),
  fc.boolean(),
);

describe("a rebuild keeps what a person typed", () => {
  it("has input cells to type into, in tables and in report regions", () => {
    expect(fresh.tables.length).toBeGreaterThan(3);
    expect(slots.length).toBeGreaterThan(100);
    const has = (sheet: string, a1: string) => slots.some((s) => s.sheet === sheet && rectA1({ row: s.row, col: s.col, rows: 1, cols: 1 }) === a1);
    expect(has("Funding", "B2")).toBe(true); // split key
    expect(has("Funding", "B3")).toBe(true); // amount
    expect(has("Budget Summary", "B2")).toBe(true); // months closed
    expect(reportSlots.length).toBeGreaterThanOrEqual(3);
  });

  it("every edited input cell survives build -> edit -> rebuild with the sample", async () => {
    // Half the edits go to report input cells, which are few among the table cells.
    const slot = fc.oneof(fc.nat().map((i) => slots[i % slots.length]), fc.nat().map((i) => reportSlots[i % reportSlots.length]));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(slot, typed), { minLength: 1, maxLength: 25 }), async (edits) => {
        const wb = fresh.clone();
        const expected = new Map<string, { slot: Slot; v: CellValue }>();
        for (const [slot, v] of edits) {
          const cell = typedCell(v);
          wb.sheet(slot.sheet)!.set(slot.row, slot.col, cell);
          expected.set(`${slot.sheet}!${slot.row},${slot.col}`, { slot, v: cell.v });
        }
        await build(wb);
        for (const { slot, v } of expected.values()) {
          const got = wb.sheet(slot.sheet)!.get(slot.row, slot.col);
          // The same value, and text stays text (never a formula); an apostrophe added on the way is no change.
          expect({ v: got?.v, f: got?.f }, `${slot.sheet}!${rectA1({ row: slot.row, col: slot.col, rows: 1, cols: 1 })}`).toEqual({ v, f: undefined });
        }
      }),
      { numRuns: 40 },
    );
    // 40 builds and rebuilds of the sample: minutes on a loaded machine, never a wall-clock assertion.
  }, 300_000);
});
