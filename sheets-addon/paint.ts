/**
 * Pure geometry for the Sheets writer: how to lay a property (a number format, a colour, a validation rule)
 * over cells in the fewest calls, how to slice big writes by rows, column widths, and the grid a plan needs.
 * No Apps Script here: the writer turns these shapes into calls.
 */
import { a1, within, type RangeRef, type SheetPlan, type NumberFormatRule } from "../core/workbook/plan";

/** Pixels per character of column width (Excel's unit is characters of the default font). */
export const PX_PER_CHAR = 7;
/** Plain-text number format: Sheets stores what is written there as it is (no parsing, apostrophe kept). */
export const TEXT_FORMAT = "@";

// ---------------------------------------------------------------- painting a property

/** A run of rows [r0, r1) in one column holding one value. */
interface Run<V> { r0: number; r1: number; v: V }

/**
 * Per column, the runs of rows each value covers once every rule is laid in order (a later rule wins where
 * two meet, as calls in plan order would leave it). Memory grows with the rules, not the cells.
 */
function columnRuns<V>(rules: { range: RangeRef; value: V }[]): Map<number, Run<V>[]> {
  const cols = new Map<number, Run<V>[]>();
  for (const { range, value } of rules) {
    for (let c = range.col; c < range.col + range.cols; c++) {
      const a = range.row;
      const b = range.row + range.rows;
      const out: Run<V>[] = [];
      for (const run of cols.get(c) ?? []) {
        if (run.r1 <= a || run.r0 >= b) out.push(run);
        else {
          if (run.r0 < a) out.push({ r0: run.r0, r1: a, v: run.v });
          if (run.r1 > b) out.push({ r0: b, r1: run.r1, v: run.v });
        }
      }
      out.push({ r0: a, r1: b, v: value });
      out.sort((x, y) => x.r0 - y.r0);
      cols.set(c, out);
    }
  }
  return cols;
}

/** One call's worth: a value laid over ranges (one setter on a Range or RangeList), or a matrix over a rectangle. */
export type PaintOp<V> = { kind: "value"; value: V; ranges: RangeRef[] } | { kind: "matrix"; range: RangeRef; matrix: V[][] };

const spans = (runs: { r0: number; r1: number }[]) => runs.map((r) => `${r.r0}-${r.r1}`).join(",");

/** Each value's cells as rectangles: a column's run, widened over neighbouring columns with the same run. */
function byValue<V>(cols: Map<number, Run<V>[]>, key: (v: V) => string): PaintOp<V>[] {
  const groups = new Map<string, { value: V; ranges: RangeRef[] }>();
  const open = new Map<string, RangeRef>(); // value|r0|r1 -> rectangle still growing to the right
  for (const c of [...cols.keys()].sort((x, y) => x - y)) {
    for (const run of cols.get(c)!) {
      const k = key(run.v);
      const ok = `${k}|${run.r0}|${run.r1}`;
      const rect = open.get(ok);
      if (rect && rect.col + rect.cols === c) {
        rect.cols++;
        continue;
      }
      const fresh = { row: run.r0, col: c, rows: run.r1 - run.r0, cols: 1 };
      open.set(ok, fresh);
      const g = groups.get(k) ?? { value: run.v, ranges: [] };
      g.ranges.push(fresh);
      groups.set(k, g);
    }
  }
  return [...groups.values()].map((g) => ({ kind: "value" as const, value: g.value, ranges: g.ranges }));
}

/** The covered cells as rectangles: columns with the same covered rows joined. */
function coveredRectangles<V>(cols: Map<number, Run<V>[]>): RangeRef[] {
  const cover = (runs: Run<V>[]) => {
    const out: { r0: number; r1: number }[] = [];
    for (const r of runs) {
      const last = out[out.length - 1];
      if (last && last.r1 === r.r0) last.r1 = r.r1;
      else out.push({ r0: r.r0, r1: r.r1 });
    }
    return out;
  };
  const rects: RangeRef[] = [];
  const sorted = [...cols.keys()].sort((x, y) => x - y);
  for (let i = 0; i < sorted.length; ) {
    const covered = cover(cols.get(sorted[i])!);
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[j - 1] + 1 && spans(cover(cols.get(sorted[j])!)) === spans(covered)) j++;
    for (const span of covered) rects.push({ row: span.r0, col: sorted[i], rows: span.r1 - span.r0, cols: j - i });
    i = j;
  }
  return rects;
}

/** Each covered rectangle with its matrix of values. */
function withMatrix<V>(cols: Map<number, Run<V>[]>, range: RangeRef): PaintOp<V> {
  const matrix: V[][] = Array.from({ length: range.rows }, () => new Array<V>(range.cols));
  for (let c = 0; c < range.cols; c++) {
    for (const run of cols.get(range.col + c)!) {
      const r0 = Math.max(run.r0, range.row);
      const r1 = Math.min(run.r1, range.row + range.rows);
      for (let r = r0; r < r1; r++) matrix[r - range.row][c] = run.v;
    }
  }
  return { kind: "matrix", range, matrix };
}

/** Calls an op list makes once sliced: a value op one setter (plus getRangeList for several ranges), or one per range. */
function callCost<V>(ops: PaintOp<V>[], listCall: boolean, maxCells: number): number {
  return ops.flatMap((op) => sliceOp(op, maxCells)).reduce((n, op) => n + (op.kind === "matrix" ? 1 : listCall ? 1 + (op.ranges.length > 1 ? 1 : 0) : op.ranges.length), 0);
}

/**
 * The fewest calls that leave every planned cell with its value: either one setter per distinct value (over a
 * RangeList when the value has several rectangles: one more call to get the list), or one 2-D setter per
 * rectangle of covered cells (each from ranges fetched with the sheet's own). Cells no rule covers are never
 * touched, so a person's formatting beside ours stays. `listCall`: false where there is no RangeList form of
 * the setter (data validation), so each range costs its own call.
 *
 * `blank`: on a sheet this build made, where nothing is anyone else's, a cell no rule covers may be given the
 * property's default (null resets a colour, a weight, a rule); then one matrix over the rules' bounding box is
 * a third way, often the cheapest.
 */
export function paintOps<V>(rules: { range: RangeRef; value: V }[], key: (v: V) => string, listCall = true, opts: { blank?: V; maxCells?: number } = {}): PaintOp<V>[] {
  if (rules.length === 0) return [];
  const max = opts.maxCells ?? Infinity;
  const cols = columnRuns(rules);
  const values = byValue(cols, key);
  const rects = coveredRectangles(cols);
  const options: { cost: number; ops: () => PaintOp<V>[] }[] = [
    { cost: callCost(values, listCall, max), ops: () => values },
    { cost: rects.reduce((n, r) => n + Math.ceil((r.rows * r.cols) / max), 0), ops: () => rects.map((r) => withMatrix(cols, r)) },
  ];
  if ("blank" in opts) {
    const r0 = Math.min(...rules.map((r) => r.range.row));
    const c0 = Math.min(...rules.map((r) => r.range.col));
    const box = { row: r0, col: c0, rows: Math.max(...rules.map((r) => r.range.row + r.range.rows)) - r0, cols: Math.max(...rules.map((r) => r.range.col + r.range.cols)) - c0 };
    const blank = opts.blank as V;
    options.push({
      cost: Math.ceil((box.rows * box.cols) / max),
      ops: () => {
        const matrix: V[][] = Array.from({ length: box.rows }, () => new Array<V>(box.cols).fill(blank));
        for (const [c, runs] of cols) for (const run of runs) for (let r = run.r0; r < run.r1; r++) matrix[r - box.row][c - box.col] = run.v;
        return [{ kind: "matrix", range: box, matrix }];
      },
    });
  }
  let best = options[0];
  for (const o of options) if (o.cost < best.cost) best = o;
  return best.ops();
}

/** A rectangle cut into bands of whole rows of at most `maxCells` cells (at least one row each). */
export function rowBands(r: RangeRef, maxCells: number): RangeRef[] {
  const per = Math.max(1, Math.floor(maxCells / Math.max(1, r.cols)));
  const out: RangeRef[] = [];
  for (let row = r.row; row < r.row + r.rows; row += per) out.push({ row, col: r.col, rows: Math.min(per, r.row + r.rows - row), cols: r.cols });
  return out;
}

/** An op cut so that no call covers more than `maxCells` cells: matrices by row bands, value ops by bands of their ranges. */
export function sliceOp<V>(op: PaintOp<V>, maxCells: number): PaintOp<V>[] {
  const cells = (r: RangeRef) => r.rows * r.cols;
  if (op.kind === "matrix") {
    if (cells(op.range) <= maxCells) return [op];
    return rowBands(op.range, maxCells).map((range) => ({ kind: "matrix" as const, range, matrix: op.matrix.slice(range.row - op.range.row, range.row - op.range.row + range.rows) }));
  }
  const total = op.ranges.reduce((n, r) => n + cells(r), 0);
  if (total <= maxCells) return [op];
  // Each range in bands; the bands packed into lists of at most maxCells.
  const out: PaintOp<V>[] = [];
  let list: RangeRef[] = [];
  let n = 0;
  for (const band of op.ranges.flatMap((r) => rowBands(r, maxCells))) {
    if (n + cells(band) > maxCells && list.length) {
      out.push({ kind: "value", value: op.value, ranges: list });
      list = [];
      n = 0;
    }
    list.push(band);
    n += cells(band);
  }
  if (list.length) out.push({ kind: "value", value: op.value, ranges: list });
  return out;
}

export const opCells = (op: PaintOp<unknown>) => (op.kind === "matrix" ? op.range.rows * op.range.cols : op.ranges.reduce((n, r) => n + r.rows * r.cols, 0));
export const opRanges = (op: PaintOp<unknown>) => (op.kind === "matrix" ? [op.range] : op.ranges);

// ---------------------------------------------------------------- column widths

/**
 * The fewest setColumnWidths(start, count, px) calls that leave every planned column at its width: a call can
 * lay one width under several columns for later calls to paint over (the "strange printer" interval DP; a
 * few dozen columns). Only planned columns are touched, so a gap splits the work.
 */
export function columnWidthCalls(widths: { col: number; width: number }[]): { col: number; count: number; px: number }[] {
  const px = new Map<number, number>();
  for (const w of [...widths].sort((a, b) => a.col - b.col)) px.set(w.col, Math.round(w.width * PX_PER_CHAR));
  const cols = [...px.keys()];
  const out: { col: number; count: number; px: number }[] = [];
  for (let s = 0; s < cols.length; ) {
    let e = s + 1;
    while (e < cols.length && cols[e] === cols[e - 1] + 1) e++;
    const first = cols[s];
    const seg = cols.slice(s, e).map((c) => px.get(c)!);
    for (const [i, j] of paintOrder(seg)) out.push({ col: first + i, count: j - i + 1, px: seg[i] });
    s = e;
  }
  return out;
}

/** Strokes [from, to] (each in its `from` colour, later ones on top) that paint `w` in the fewest strokes. */
function paintOrder(w: number[]): [number, number][] {
  const n = w.length;
  // best[i][j]: fewest strokes for i..j; via[i][j]: -1 when i is painted alone, else the k whose stroke i shares.
  const best = w.map(() => new Array<number>(n).fill(0));
  const via = w.map(() => new Array<number>(n).fill(-1));
  const at = (i: number, j: number) => (i > j ? 0 : best[i][j]);
  for (let i = n - 1; i >= 0; i--) {
    best[i][i] = 1;
    for (let j = i + 1; j < n; j++) {
      best[i][j] = at(i + 1, j) + 1;
      for (let k = i + 1; k <= j; k++) {
        if (w[k] === w[i] && at(i + 1, k - 1) + at(k, j) < best[i][j]) {
          best[i][j] = at(i + 1, k - 1) + at(k, j);
          via[i][j] = k;
        }
      }
    }
  }
  // The first stroke of strokes(i, j) always spans i..j in w[i]'s width; the rest paint over it.
  const strokes = (i: number, j: number): [number, number][] => {
    if (i > j) return [];
    const k = via[i][j];
    if (k < 0) return [[i, j], ...strokes(i + 1, j)];
    const right = strokes(k, j);
    return [[i, j], ...strokes(i + 1, k - 1), ...right.slice(1)];
  };
  return strokes(0, n - 1);
}

// ---------------------------------------------------------------- formats that keep formulas live

/** `r` less the given cells, as rectangles: runs of rows per column, neighbouring columns with equal runs joined. */
function without(r: RangeRef, cells: [number, number][]): RangeRef[] {
  const holes = new Map<number, Set<number>>();
  for (const [row, col] of cells) (holes.get(col) ?? holes.set(col, new Set()).get(col)!).add(row);
  const out: RangeRef[] = [];
  let open: RangeRef[] = [];
  let openKey = "";
  for (let col = r.col; col < r.col + r.cols; col++) {
    const rows = holes.get(col);
    const runs: [number, number][] = [];
    let start = r.row;
    for (let row = r.row; row <= r.row + r.rows; row++) {
      if (row < r.row + r.rows && !rows?.has(row)) continue;
      if (row > start) runs.push([start, row - start]);
      start = row + 1;
    }
    const key = JSON.stringify(runs);
    if (key === openKey) for (const x of open) x.cols++;
    else {
      out.push(...open);
      open = runs.map(([row, n]) => ({ row, col, rows: n, cols: 1 }));
      openKey = key;
    }
  }
  out.push(...open);
  return out;
}

/**
 * A formula written into a plain-text ("@") cell stays text in Sheets (Excel only uses "@" as a hint for
 * what people type), so "@" never goes on a cell where the plan writes a formula: such a range is split around
 * those cells, which keep the format they have. The core keeps "@" off formula columns, so this is defensive.
 */
export function effectiveFormats(p: SheetPlan): NumberFormatRule[] {
  if (!p.formats.some((f) => f.format === TEXT_FORMAT)) return p.formats;
  const formulaAt: [number, number][] = [];
  for (const b of p.blocks) {
    b.cells.forEach((row, r) =>
      row.forEach((cell, c) => {
        if (cell !== null && typeof cell === "object" && "f" in cell) formulaAt.push([b.row + r, b.col + c]);
      }),
    );
  }
  return p.formats.flatMap((f) => {
    if (f.format !== TEXT_FORMAT) return [f];
    const inside = formulaAt.filter(([r, c]) => within(f.range, r, c));
    return inside.length ? without(f.range, inside).map((range) => ({ range, format: TEXT_FORMAT })) : [f];
  });
}

// ---------------------------------------------------------------- the grid

/** Rows and columns (counts from A1) a sheet needs for everything the plan puts on it and `also`. */
export function planExtent(p: SheetPlan, also: RangeRef[] = []): { rows: number; cols: number } {
  let rows = p.freeze.rows;
  let cols = p.freeze.cols;
  const take = (r: RangeRef) => {
    rows = Math.max(rows, r.row + r.rows);
    cols = Math.max(cols, r.col + r.cols);
  };
  for (const b of p.blocks) take({ row: b.row, col: b.col, rows: b.cells.length, cols: Math.max(0, ...b.cells.map((line) => line.length)) });
  for (const r of [...p.clears, ...also]) take(r);
  for (const x of [...p.formats, ...p.styles, ...p.validations, ...p.conditionalFormats]) take(x.range);
  if (p.table) take(p.table.range);
  for (const w of p.columnWidths) cols = Math.max(cols, w.col + 1);
  for (const c of p.charts) take(c.anchor);
  return { rows, cols };
}

export const a1s = (ranges: RangeRef[]) => ranges.map((r) => a1(r));

/** "'PCN Lists'!$A$1:$A$25" -> the sheet and range (the plan's list sources); null for anything else. */
export function parseSheetA1(ref: string): { sheet: string; range: RangeRef } | null {
  const m = /^(?:'((?:[^']|'')+)'|([A-Za-z_][A-Za-z0-9_.]*))!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$/.exec(ref);
  if (!m) return null;
  const col = (s: string) => [...s].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
  const c0 = col(m[3]);
  const r0 = Number(m[4]) - 1;
  const c1 = m[5] ? col(m[5]) : c0;
  const r1 = m[6] ? Number(m[6]) - 1 : r0;
  return { sheet: m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2], range: { row: r0, col: c0, rows: r1 - r0 + 1, cols: c1 - c0 + 1 } };
}
