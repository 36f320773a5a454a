/**
 * The Excel writer's A1 -> R1C1 converter (excel-addin/r1c1.ts), checked against the fake's own independent
 * reading of R1C1, on random formulas of the shapes the plan writes: a column of one relative formula must come
 * out as one R1C1 text, whatever row it is converted at, so the writer can send it once.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { a1ToR1C1, r1c1ToA1 } from "../excel-addin/r1c1";
import { compileBlock, joinRuns, type CellWrite } from "../excel-addin/runs";
import { r1c1ToA1Fake } from "./fakes/fakeExcel";

const col = fc.integer({ min: 0, max: 60 }).map((n) => (n < 26 ? String.fromCharCode(65 + n) : `A${String.fromCharCode(65 + n - 26)}`));
const row = fc.integer({ min: 1, max: 400 });
const cell = fc.tuple(fc.boolean(), col, fc.boolean(), row).map(([ca, c, ra, r]) => `${ca ? "$" : ""}${c}${ra ? "$" : ""}${r}`);
const sheet = fc.constantFrom("", "Budget!", "'ARRS Rates'!", "'It''s'!");
const token = fc.oneof(
  fc.tuple(sheet, cell).map(([s, c]) => s + c),
  fc.tuple(sheet, cell, cell).map(([s, a, b]) => `${s}${a}:${b}`),
  fc.tuple(col, col).map(([a, b]) => `$${a}:$${b}`),
  fc.constantFrom("Spc_Method", "Rate_arrsPoolNational", "TRUE", "#N/A", '"R1C1 ""text"""', "{0,1,-1}", "2.5", "1E-3", ".5", "100"),
);
const formula = fc
  .tuple(fc.array(token, { minLength: 1, maxLength: 6 }), fc.array(fc.constantFrom("+", "-", "*", "/", "&", ",", "<>"), { minLength: 6, maxLength: 6 }), fc.constantFrom("IF", "SUM", "INDEX", "ROUND", ""))
  .map(([ts, ops, fn]) => {
    const body = ts.map((t, i) => (i ? ops[i - 1] : "") + t).join("");
    return fn ? `=${fn}(${body})` : `=${body}`;
  });
const at = fc.tuple(fc.integer({ min: 400, max: 5000 }), fc.integer({ min: 60, max: 200 }));

describe("A1 formulas as relative R1C1", () => {
  it("converts back to the same formula by an independent reading, and gives one text down a column (property)", () => {
    fc.assert(
      fc.property(formula, at, fc.integer({ min: 1, max: 50 }), (f, [r, c], down) => {
        const x = a1ToR1C1(f, r, c);
        if (x === null) return;
        expect(r1c1ToA1Fake(x, r, c)).toBe(f);
        // The same relative formula further down the column (as the plan writes a table's formula column).
        const below = r1c1ToA1(x, r + down, c)!;
        expect(r1c1ToA1Fake(x, r + down, c)).toBe(below);
        expect(a1ToR1C1(below, r + down, c)).toBe(x);
      }),
      { numRuns: 400 },
    );
  });

  it("a block's formula columns become one write a run, each cell's formula as converting it alone gives (property)", () => {
    fc.assert(
      fc.property(fc.array(formula, { minLength: 1, maxLength: 3 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 0, max: 3 }), (fs, rows, breakAt) => {
        // Each column one relative formula down its rows, but one cell (row breakAt) typed as another formula.
        const top = 500, left = 100;
        const cells = Array.from({ length: rows }, (_, i) =>
          fs.map((f, j) => {
            const x = a1ToR1C1(f, top, left + j);
            const here = x === null ? f : r1c1ToA1(x, top + i, left + j)!;
            return { f: i === breakAt && x !== null ? "=1+2" : here };
          }),
        );
        const writes = compileBlock({ row: top, col: left, cells });
        // What each cell ends up holding, from the writes, read back by the fake's own R1C1 reading.
        const got = cells.map((line) => line.map(() => ""));
        for (const w of writes) {
          for (let i = 0; i < w.rect.rows; i++) for (let j = 0; j < w.rect.cols; j++) {
            const [r, c] = [w.rect.row + i, w.rect.col + j];
            got[r - top][c - left] = "r1c1" in w ? r1c1ToA1Fake(w.r1c1, r, c)! : "same" in w ? String(w.same) : String(w.matrix[i][j]);
          }
        }
        expect(got).toEqual(cells.map((line) => line.map((x) => x.f)));
        // A column of one convertible formula with no break is a single write of one R1C1 text.
        fs.forEach((f, j) => {
          if (a1ToR1C1(f, top, left + j) === null || breakAt < rows) return;
          expect(writes.filter((w) => "r1c1" in w && w.rect.col <= left + j && left + j < w.rect.col + w.rect.cols)).toHaveLength(1);
        });
      }),
      { numRuns: 150 },
    );
  });

  it("a column cut across blocks (a rebuild's records and spare rows) still goes as one write a run, every cell as before (property)", () => {
    fc.assert(
      fc.property(fc.array(formula, { minLength: 1, maxLength: 3 }), fc.integer({ min: 2, max: 12 }), fc.array(fc.integer({ min: 1, max: 11 }), { maxLength: 3 }), (fs, rows, cuts) => {
        const top = 500, left = 100;
        const cells = Array.from({ length: rows }, (_, i) =>
          fs.map((f, j) => {
            const x = a1ToR1C1(f, top, left + j);
            return { f: x === null ? f : r1c1ToA1(x, top + i, left + j)! };
          }),
        );
        // The rows in blocks cut at `cuts`, as a plan gives them, of 2 rows or more (a lone row's formulas go as
        // matrix cells, cheaper than a write each, and are not joined).
        const at = [0];
        for (const c of [...cuts].sort((a, b) => a - b)) if (c - at[at.length - 1] >= 2 && rows - c >= 2) at.push(c);
        at.push(rows);
        const blocks = at.slice(0, -1).map((a, k) => ({ row: top + a, col: left, cells: cells.slice(a, at[k + 1]) }));
        const writes = joinRuns(blocks.flatMap((b) => compileBlock(b)));
        const got = cells.map((line) => line.map(() => ""));
        const seen = cells.map((line) => line.map(() => 0));
        for (const w of writes as CellWrite[]) {
          for (let i = 0; i < w.rect.rows; i++) for (let j = 0; j < w.rect.cols; j++) {
            const [r, c] = [w.rect.row + i, w.rect.col + j];
            seen[r - top][c - left]++;
            got[r - top][c - left] = "r1c1" in w ? r1c1ToA1Fake(w.r1c1, r, c)! : "same" in w ? String(w.same) : String(w.matrix[i][j]);
          }
        }
        // Every cell written once, with its own formula.
        expect(seen.flat().every((n) => n === 1)).toBe(true);
        expect(got).toEqual(cells.map((line) => line.map((x) => x.f)));
        fs.forEach((f, j) => {
          if (a1ToR1C1(f, top, left + j) === null) return;
          expect(writes.filter((w) => "r1c1" in w && w.rect.col <= left + j && left + j < w.rect.col + w.rect.cols)).toHaveLength(1);
        });
      }),
      { numRuns: 150 },
    );
  });
});
