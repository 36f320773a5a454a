/**
 * A plan block as the fewest Excel writes that send each formula text once: runs of cells sharing one relative
 * R1C1 formula (a column of "=D2*2", "=D3*2", ...) and runs of one repeated literal (blank spare rows) become one
 * range set to a single value; every other cell goes in rectangles of literal matrices that cover exactly those
 * cells, so no write overlaps another. What a block cost as a cell-by-cell matrix is ~10x what it costs here
 * (see bench/excel.ts).
 */
import { rectangles, type Block, type PlanCell, type RangeRef } from "../core/workbook/plan";
import { OP_BYTES } from "./before";
import { toExcelInput } from "./literal";
import { a1ToR1C1, r1c1ToA1 } from "./r1c1";

export type Input = string | number | boolean;

/** One write: a single value over the whole rectangle, or a matrix (A1 formulas and literals) of its size. */
export type CellWrite =
  | { rect: RangeRef; r1c1: string }
  | { rect: RangeRef; same: Input }
  | { rect: RangeRef; matrix: Input[][] };


const encoder = new TextEncoder();
export const jsonBytes = (x: unknown) => encoder.encode(JSON.stringify(x) ?? "").length;

export interface CompileOptions {
  /** Days to subtract from a 1900-system serial (1462 in a 1904-date-system workbook). */
  dateShift?: number;
}

/** The writes for one block (ragged blocks are split into rectangles first). */
export function compileBlock(block: Block, opts: CompileOptions = {}): CellWrite[] {
  return rectangles(block).flatMap((b) => compileRect(b, opts));
}

function compileRect(b: Block, opts: CompileOptions): CellWrite[] {
  const rows = b.cells.length;
  const cols = b.cells[0].length;
  const shift = opts.dateShift ?? 0;
  const input = (cell: PlanCell): Input => {
    const x = toExcelInput(cell);
    return shift && cell && typeof cell === "object" && "d" in cell ? (x as number) - shift : x;
  };
  // Per cell: its relative formula (null when not a formula or not convertible), or its literal input.
  // Down a column of one relative formula, the cell above's R1C1 given back as A1 here is this cell's formula:
  // then it is this cell's R1C1 too (a1ToR1C1 would make it and check it the same way), at half the work.
  const r1c1: (string | null)[][] = [];
  b.cells.forEach((row, i) => {
    r1c1.push(row.map((cell, j) => {
      if (!(cell && typeof cell === "object" && "f" in cell)) return null;
      const above = i > 0 ? r1c1[i - 1][j] : null;
      if (above !== null && r1c1ToA1(above, b.row + i, b.col + j) === (cell.f.startsWith("=") ? cell.f : `=${cell.f}`)) return above;
      return a1ToR1C1(cell.f, b.row + i, b.col + j);
    }));
  });
  const inputs: Input[][] = b.cells.map((row) => row.map(input));
  const covered: boolean[][] = Array.from({ length: rows }, () => new Array<boolean>(cols).fill(false));
  const out: CellWrite[] = [];

  // Vertical runs of one formula, then neighbouring columns with the same run side by side.
  type Run = { row: number; rows: number; col: number; cols: number; key: string };
  const runs: Run[] = [];
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; ) {
      const f = r1c1[i][j];
      let k = i + 1;
      if (f !== null) {
        while (k < rows && r1c1[k][j] === f) k++;
        runs.push({ row: i, rows: k - i, col: j, cols: 1, key: `f${f}` });
      } else if (!isFormula(b.cells[i][j])) {
        // A repeated literal (blank spare rows, a default choice): a candidate, kept below if it pays.
        const v = inputs[i][j];
        while (k < rows && !isFormula(b.cells[k][j]) && inputs[k][j] === v) k++;
        if (k - i >= 2) runs.push({ row: i, rows: k - i, col: j, cols: 1, key: `v${JSON.stringify(v)}` });
      }
      i = k;
    }
  }
  runs.sort((a, c) => a.row - c.row || a.rows - c.rows || a.col - c.col);
  const merged: Run[] = [];
  for (const r of runs) {
    const last = merged[merged.length - 1];
    if (last && last.row === r.row && last.rows === r.rows && last.key === r.key && last.col + last.cols === r.col) last.cols++;
    else merged.push({ ...r });
  }
  for (const r of merged) {
    // A formula alone in its run goes with the literals (a matrix cell costs less than a write of its own).
    if (r.rows * r.cols < 2) continue;
    // A repeated literal goes once only when that saves more than two writes' envelopes: its own, and the one it
    // adds by cutting its column's literals in two (and their neighbours' rectangles apart). Runs of 12 "Expenditure"
    // cut the large Budget's column into 1,100 writes that cost more than the 140 KB of its cells.
    if (r.key.startsWith("v")) {
      const b1 = jsonBytes(JSON.parse(r.key.slice(1)));
      if (r.rows * r.cols * (b1 + 1) <= b1 + 2 * OP_BYTES) continue;
    }
    const rect = { row: b.row + r.row, col: b.col + r.col, rows: r.rows, cols: r.cols };
    out.push(r.key.startsWith("f") ? { rect, r1c1: r.key.slice(1) } : { rect, same: JSON.parse(r.key.slice(1)) as Input });
    for (let i = r.row; i < r.row + r.rows; i++) for (let j = r.col; j < r.col + r.cols; j++) covered[i][j] = true;
  }

  // The rest: per column its runs of uncovered rows; columns side by side with the same runs make one rectangle.
  const colRuns: [number, number][][] = [];
  for (let j = 0; j < cols; j++) {
    const list: [number, number][] = [];
    for (let i = 0; i < rows; i++) {
      if (covered[i][j]) continue;
      const last = list[list.length - 1];
      if (last && last[1] === i) last[1]++;
      else list.push([i, i + 1]);
    }
    colRuns.push(list);
  }
  for (let j = 0; j < cols; ) {
    const key = JSON.stringify(colRuns[j]);
    let k = j + 1;
    while (k < cols && JSON.stringify(colRuns[k]) === key) k++;
    for (const [a, z] of colRuns[j]) {
      const matrix = inputs.slice(a, z).map((row) => row.slice(j, k));
      out.push({ rect: { row: b.row + a, col: b.col + j, rows: z - a, cols: k - j }, matrix });
    }
    j = k;
  }
  return out;
}

/**
 * A sheet's writes with each single-value write joined to the one just below it that sets the same value over the
 * same columns: a rebuild's plan has a table's records and its spare rows in separate blocks, and each formula column
 * would otherwise go twice. The union is exactly the two rectangles, so no write comes to cover another's cells.
 * (A block of one row sends its formulas as matrix cells, cheaper than a write each: those are not joined.)
 */
export function joinRuns(writes: CellWrite[]): CellWrite[] {
  const keyOf = (w: CellWrite) => ("r1c1" in w ? `f${w.rect.col},${w.rect.cols}:${w.r1c1}` : "same" in w ? `v${w.rect.col},${w.rect.cols}:${JSON.stringify(w.same)}` : null);
  const open = new Map<string, CellWrite[]>();
  const out: CellWrite[] = [];
  for (const w of [...writes].sort((a, b) => a.rect.row - b.rect.row || a.rect.col - b.rect.col)) {
    const k = keyOf(w);
    if (k === null) { out.push(w); continue; }
    const list = open.get(k) ?? [];
    const above = list.find((x) => x.rect.row + x.rect.rows === w.rect.row);
    if (above) above.rect = { ...above.rect, rows: above.rect.rows + w.rect.rows };
    else { const copy = { ...w, rect: { ...w.rect } }; list.push(copy); open.set(k, list); out.push(copy); }
  }
  return out;
}

function isFormula(c: PlanCell): boolean {
  return !!c && typeof c === "object" && "f" in c;
}

/** Bytes a write puts in the request (its value as JSON). */
export function writeBytes(w: CellWrite): number {
  return "r1c1" in w ? jsonBytes(w.r1c1) : "same" in w ? jsonBytes(w.same) : jsonBytes(w.matrix);
}

/**
 * A matrix write cut after as many rows as fit in `room` bytes (its value as JSON): the head and the rest, or null
 * when not even one row fits or the write is not a matrix (a single value is never cut).
 */
export function splitWrite(w: CellWrite, room: number): [CellWrite, CellWrite] | null {
  if (!("matrix" in w) || w.matrix.length < 2) return null;
  let bytes = 2;
  let n = 0;
  while (n < w.matrix.length - 1) {
    const b = jsonBytes(w.matrix[n]) + 1;
    if (bytes + b > room) break;
    bytes += b;
    n++;
  }
  if (n === 0) return null;
  return [
    { rect: { ...w.rect, rows: n }, matrix: w.matrix.slice(0, n) },
    { rect: { ...w.rect, row: w.rect.row + n, rows: w.rect.rows - n }, matrix: w.matrix.slice(n) },
  ];
}
