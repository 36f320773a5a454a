/** A1 ranges as worksheets store them (`sqref` lists), and rectangle arithmetic on them. */
import { a1, type RangeRef } from "../../core/workbook/plan";
import { colIndex, rowIndex } from "./read";

/** "A1:B5 D7" -> rectangles (whole-column and whole-row forms included). */
export function parseSqref(sqref: string): RangeRef[] {
  const out: RangeRef[] = [];
  for (const part of sqref.trim().split(/\s+/)) {
    if (!part) continue;
    const [a, b = a] = part.replace(/\$/g, "").split(":");
    const cell = (s: string, end: boolean) => {
      const hasCol = /^[A-Za-z]/.test(s);
      const hasRow = /[0-9]$/.test(s);
      return { col: hasCol ? colIndex(s) : end ? 16383 : 0, row: hasRow ? rowIndex(s) : end ? 1048575 : 0 };
    };
    const p = cell(a, false);
    const q = cell(b, true);
    const r0 = Math.min(p.row, q.row), r1 = Math.max(p.row, q.row), c0 = Math.min(p.col, q.col), c1 = Math.max(p.col, q.col);
    if (Number.isFinite(r0 + r1 + c0 + c1)) out.push({ row: r0, col: c0, rows: r1 - r0 + 1, cols: c1 - c0 + 1 });
  }
  return out;
}

export function sqrefOf(ranges: RangeRef[]): string {
  return ranges.map((r) => a1(r)).join(" ");
}

export function intersects(a: RangeRef, b: RangeRef): boolean {
  return a.row < b.row + b.rows && b.row < a.row + a.rows && a.col < b.col + b.cols && b.col < a.col + a.cols;
}

/** `a` minus `b`: up to four rectangles. */
export function subtract(a: RangeRef, b: RangeRef): RangeRef[] {
  if (!intersects(a, b)) return [a];
  const out: RangeRef[] = [];
  const aEndR = a.row + a.rows, aEndC = a.col + a.cols, bEndR = b.row + b.rows, bEndC = b.col + b.cols;
  if (b.row > a.row) out.push({ row: a.row, col: a.col, rows: b.row - a.row, cols: a.cols });
  if (bEndR < aEndR) out.push({ row: bEndR, col: a.col, rows: aEndR - bEndR, cols: a.cols });
  const midR0 = Math.max(a.row, b.row), midR1 = Math.min(aEndR, bEndR);
  if (b.col > a.col) out.push({ row: midR0, col: a.col, rows: midR1 - midR0, cols: b.col - a.col });
  if (bEndC < aEndC) out.push({ row: midR0, col: bEndC, rows: midR1 - midR0, cols: aEndC - bEndC });
  return out;
}

/** Every rectangle of `list` minus every rectangle of `holes`. */
export function subtractAll(list: RangeRef[], holes: RangeRef[]): RangeRef[] {
  let cur = list;
  for (const h of holes) cur = cur.flatMap((r) => subtract(r, h));
  return cur;
}
