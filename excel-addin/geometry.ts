/** Rectangle arithmetic for the Excel writer (0-based rows and columns, as in the plan). */
import type { RangeRef } from "../core/workbook/plan";

export function intersection(a: RangeRef, b: RangeRef): RangeRef | null {
  const row = Math.max(a.row, b.row);
  const col = Math.max(a.col, b.col);
  const rows = Math.min(a.row + a.rows, b.row + b.rows) - row;
  const cols = Math.min(a.col + a.cols, b.col + b.cols) - col;
  return rows > 0 && cols > 0 ? { row, col, rows, cols } : null;
}

/** Merges rectangles stacked row on row over the same columns (blocks split around typed cells). */
export function mergeRects(rects: RangeRef[]): RangeRef[] {
  const sorted = [...rects].sort((a, b) => a.col - b.col || a.cols - b.cols || a.row - b.row);
  const out: RangeRef[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.col === r.col && last.cols === r.cols && r.row <= last.row + last.rows) {
      last.rows = Math.max(last.rows, r.row + r.rows - last.row);
    } else out.push({ ...r });
  }
  return out;
}

/** The cells of some rectangles as disjoint rectangles (neighbouring columns with the same row runs side by side). */
export function union(rects: RangeRef[]): RangeRef[] {
  const runs = new Map<number, [number, number][]>();
  for (const r of rects) {
    for (let c = r.col; c < r.col + r.cols; c++) {
      let l = runs.get(c);
      if (!l) runs.set(c, (l = []));
      l.push([r.row, r.row + r.rows]);
    }
  }
  const keyOf = new Map<number, string>();
  for (const [c, l] of runs) {
    l.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [a, b] of l) {
      const last = merged[merged.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    runs.set(c, merged);
    keyOf.set(c, JSON.stringify(merged));
  }
  const cols = [...runs.keys()].sort((a, b) => a - b);
  const out: RangeRef[] = [];
  for (let i = 0; i < cols.length; ) {
    let j = i + 1;
    while (j < cols.length && cols[j] === cols[j - 1] + 1 && keyOf.get(cols[j]) === keyOf.get(cols[i])) j++;
    for (const [a, b] of runs.get(cols[i])!) out.push({ row: a, col: cols[i], rows: b - a, cols: j - i });
    i = j;
  }
  return out;
}

/** a minus b, as up to four rectangles. */
export function minus(a: RangeRef, b: RangeRef): RangeRef[] {
  if (!intersection(a, b)) return [a];
  const out: RangeRef[] = [];
  if (b.row > a.row) out.push({ ...a, rows: b.row - a.row });
  const end = a.row + a.rows - (b.row + b.rows);
  if (end > 0) out.push({ ...a, row: b.row + b.rows, rows: end });
  const r0 = Math.max(a.row, b.row);
  const rows = Math.min(a.row + a.rows, b.row + b.rows) - r0;
  if (b.col > a.col) out.push({ row: r0, col: a.col, rows, cols: b.col - a.col });
  const right = a.col + a.cols - (b.col + b.cols);
  if (right > 0) out.push({ row: r0, col: b.col + b.cols, rows, cols: right });
  return out;
}

/** At most this many parts when a range whose cells differ is read again part by part. */
const MAX_PARTS = 1000;
/** A range of several cells cut into at most MAX_PARTS bands of rows (of columns when it is one row). */
export function parts(r: RangeRef): RangeRef[] {
  const byRows = r.rows > 1;
  const n = byRows ? r.rows : r.cols;
  const size = Math.ceil(n / MAX_PARTS);
  const out: RangeRef[] = [];
  for (let k = 0; k < n; k += size) out.push(byRows ? { ...r, row: r.row + k, rows: Math.min(size, n - k) } : { ...r, col: r.col + k, cols: Math.min(size, n - k) });
  return out;
}

/** Merges parts with the same key stacked row on row over the same columns. */
export function mergeAlike<T extends { rect: RangeRef }>(items: T[], key: (x: T) => string): T[] {
  const sorted = [...items].sort((a, b) => a.rect.col - b.rect.col || a.rect.cols - b.rect.cols || a.rect.row - b.rect.row);
  const out: T[] = [];
  for (const x of sorted) {
    const last = out[out.length - 1];
    if (last && last.rect.col === x.rect.col && last.rect.cols === x.rect.cols && last.rect.row + last.rect.rows === x.rect.row && key(last) === key(x)) {
      last.rect = { ...last.rect, rows: last.rect.rows + x.rect.rows };
    } else out.push({ ...x, rect: { ...x.rect } });
  }
  return out;
}

export const rectOf = (r: Excel.Range): RangeRef => ({ row: r.rowIndex, col: r.columnIndex, rows: r.rowCount, cols: r.columnCount });
