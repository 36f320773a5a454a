/**
 * Build, let a person type into input cells, rebuild (readSnapshot -> buildPlan -> applyPlan): every cell
 * they typed survives. Input cells are those a fresh build left empty or holding a value (not a formula)
 * inside the sheets' tables.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { buildPlan } from "../core/workbook/build";
import { applyPlan, readSnapshot } from "../excel-addin/writer";
import { FakeWorkbook, fakeRun, rectA1, type CellValue, type FakeRequestContext } from "./fakes/fakeExcel";

const ctxOf = (c: FakeRequestContext) => c as unknown as Excel.RequestContext;
const TODAY = "2025-10-01";

/** The first build fills the sample network; a rebuild refreshes what is there (as the pane's Build does). */
async function build(wb: FakeWorkbook, sample: boolean) {
  const run = fakeRun(wb);
  const snapshot = await run((c: FakeRequestContext) => readSnapshot(ctxOf(c)));
  const plan = buildPlan(snapshot, { sample, today: TODAY });
  await run((c: FakeRequestContext) => applyPlan(ctxOf(c), plan, undefined, { snapshot, isSetSupported: (n, v) => wb.isSetSupported(n, v) }));
  return plan;
}

interface Slot { sheet: string; row: number; col: number }

let fresh: FakeWorkbook;
let slots: Slot[];

beforeAll(async () => {
  fresh = new FakeWorkbook();
  fresh.addSheet("Sheet1");
  await build(fresh, true);
  slots = [];
  for (const t of fresh.tables) {
    for (let r = t.rect.row + 1; r < t.rect.row + t.rect.rows; r++) {
      for (let c = t.rect.col; c < t.rect.col + t.rect.cols; c++) {
        const cell = t.sheet.get(r, c);
        if (!cell?.f) slots.push({ sheet: t.sheet.name, row: r, col: c });
      }
    }
  }
});

// What a person types: numbers, words, dates (as serials), yes/no.
const typed: fc.Arbitrary<CellValue> = fc.oneof(
  fc.integer({ min: -1000, max: 100000 }),
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== "" && !s.startsWith("=")),
  fc.integer({ min: 45000, max: 47000 }),
  fc.boolean(),
);

describe("a rebuild keeps what a person typed", () => {
  it("has input cells to type into", () => {
    expect(fresh.tables.length).toBeGreaterThan(3);
    expect(slots.length).toBeGreaterThan(100);
  });

  it("every edited input cell survives build -> edit -> rebuild", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), typed), { minLength: 1, maxLength: 25 }), async (edits) => {
        const wb = fresh.clone();
        const expected = new Map<string, { slot: Slot; v: CellValue }>();
        for (const [i, v] of edits) {
          const slot = slots[i % slots.length];
          wb.sheet(slot.sheet)!.set(slot.row, slot.col, { v });
          expected.set(`${slot.sheet}!${slot.row},${slot.col}`, { slot, v });
        }
        await build(wb, false);
        for (const { slot, v } of expected.values()) {
          const got = wb.sheet(slot.sheet)!.get(slot.row, slot.col);
          expect(got, `${slot.sheet}!${rectA1({ row: slot.row, col: slot.col, rows: 1, cols: 1 })}`).toEqual({ v });
        }
      }),
      { numRuns: 40 },
    );
  });
});
