/**
 * Reading one of our sheets for a rebuild, each cell once, for what the plan needs of it (getValues and
 * getFormulas each read every cell they cover, so reading both doubles the cost of the biggest sheets):
 *  - computed columns and report formulas: their formulas (the plan rewrites ours, keeps a value typed over one);
 *  - input columns: their values (never written on a used row; a row is used when any holds something);
 *  - seeded input columns: only on rows nothing else marks as used, their formulas;
 *  - report cells that are blank or inputs in our layout: isBlank first (it reads no content).
 * A second look is taken only where the first cannot tell: a formula cell that holds no formula (its value: was
 * it typed over or cleared?), a blank-looking input on an otherwise empty row (a formula showing nothing?),
 * an open report cell that is not blank. The engine then sees what a full read would have shown it.
 */
import { a1, type RangeRef, type SnapshotValue } from "../core/workbook/plan";
import { isDate } from "./cells";
import type { Range, Sheet } from "./surface";

export type ColumnKind = "formula" | "seed" | "input";
export interface ColumnNeeds {
  /** The table at A1: each column's kind, in layout order (empty when the sheet has no table). */
  table: ColumnKind[];
  /** Report grids (row 0 at the top, `col` their first column): each cell formula, label (never read) or open. */
  reports: { col: number; cells: ("open" | "formula" | "label")[][] }[];
}

/** Cells by column (0-based rows), as rectangles: each column's runs of rows, neighbouring columns with the same runs joined. */
function rectangles(cells: Map<number, Set<number>>): RangeRef[] {
  const runs = (rows: Set<number>) => {
    const sorted = [...rows].sort((a, b) => a - b);
    const out: [number, number][] = [];
    for (const r of sorted) {
      const last = out[out.length - 1];
      if (last && last[1] === r) last[1] = r + 1;
      else out.push([r, r + 1]);
    }
    return out;
  };
  const out: RangeRef[] = [];
  let open: RangeRef[] = [];
  let openKey = "";
  let prev = -2;
  for (const c of [...cells.keys()].sort((a, b) => a - b)) {
    const rs = runs(cells.get(c)!);
    const key = JSON.stringify(rs);
    if (key === openKey && c === prev + 1) for (const x of open) x.cols++;
    else {
      out.push(...open);
      open = rs.map(([r0, r1]) => ({ row: r0, col: c, rows: r1 - r0, cols: 1 }));
      openKey = key;
    }
    prev = c;
  }
  out.push(...open);
  return out;
}

class Cells {
  private m = new Map<number, Set<number>>();
  add(row: number, col: number) {
    (this.m.get(col) ?? this.m.set(col, new Set()).get(col)!).add(row);
  }
  get empty() {
    return this.m.size === 0;
  }
  rects() {
    return rectangles(this.m);
  }
}

/** Values and formulas over the sheet's data range (rows x columns from A1), each cell read at most once but where noted. */
export function readByNeed(sheet: Sheet, needs: ColumnNeeds, toSerial: (d: Date) => number): { values: SnapshotValue[][]; formulas: (string | null)[][]; extent: { rows: number; cols: number } } {
  const R = sheet.getLastRow();
  const C = sheet.getLastColumn();
  const values: SnapshotValue[][] = Array.from({ length: Math.max(1, R) }, () => new Array<SnapshotValue>(Math.max(1, C)).fill(null));
  const formulas: (string | null)[][] = Array.from({ length: Math.max(1, R) }, () => new Array<string | null>(Math.max(1, C)).fill(null));
  // What a person keeps beside or below our cells is not read, but it prints: the engine is told how far it goes.
  const extent = { rows: Math.max(0, R), cols: Math.max(0, C) };
  if (R < 1 || C < 1) return { values, formulas, extent };

  /** Ranges for rectangles: a getRange each for a few, else one getRangeList (count checked, else a getRange each). */
  const ranges = (rs: RangeRef[]): Range[] => {
    if (rs.length > 3) {
      try {
        const got = sheet.getRangeList(rs.map((r) => a1(r))).getRanges();
        if (got.length === rs.length && got[0].getA1Notation() === a1(rs[0])) return got;
      } catch (e) {
        // one by one below
      }
    }
    return rs.map((r) => sheet.getRange(r.row + 1, r.col + 1, r.rows, r.cols));
  };
  const conv = (v: unknown): SnapshotValue => {
    if (v === "" || v === null || v === undefined) return null;
    if (isDate(v)) return toSerial(v);
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
    return String(v);
  };
  const readValues = (cells: Cells) => {
    if (cells.empty) return;
    const rs = cells.rects();
    ranges(rs).forEach((rg, i) => rg.getValues().forEach((line, r) => line.forEach((v, c) => (values[rs[i].row + r][rs[i].col + c] = conv(v)))));
  };
  const readFormulas = (cells: Cells) => {
    if (cells.empty) return;
    const rs = cells.rects();
    ranges(rs).forEach((rg, i) => rg.getFormulas().forEach((line, r) => line.forEach((f, c) => (formulas[rs[i].row + r][rs[i].col + c] = typeof f === "string" && f.startsWith("=") ? f : null))));
  };
  /** The rectangles that hold something (a value or a formula), asked without reading them. */
  const notBlank = (cells: Cells): RangeRef[] => {
    if (cells.empty) return [];
    const rs = cells.rects();
    return ranges(rs).flatMap((rg, i) => (rg.isBlank() ? [] : [rs[i]]));
  };
  /**
   * Among cells whose values came back empty, the ones holding a formula (that shows nothing): found by halving
   * the non-blank rectangles with isBlank, which reads no content, so only those cells are read again.
   */
  const formulaCellsAmong = (cells: Cells): Cells => {
    const found = new Cells();
    const halve = (r: RangeRef) => {
      if (r.rows * r.cols === 1) return found.add(r.row, r.col);
      const [a, b]: RangeRef[] =
        r.rows >= r.cols
          ? [{ ...r, rows: Math.ceil(r.rows / 2) }, { ...r, row: r.row + Math.ceil(r.rows / 2), rows: r.rows - Math.ceil(r.rows / 2) }]
          : [{ ...r, cols: Math.ceil(r.cols / 2) }, { ...r, col: r.col + Math.ceil(r.cols / 2), cols: r.cols - Math.ceil(r.cols / 2) }];
      for (const half of [a, b]) if (!sheet.getRange(half.row + 1, half.col + 1, half.rows, half.cols).isBlank()) halve(half);
    };
    for (const r of notBlank(cells)) halve(r);
    return found;
  };
  const cellsOf = (rs: RangeRef[], keep: (r: number, c: number) => boolean = () => true) => {
    const out = new Cells();
    for (const r of rs) for (let i = r.row; i < r.row + r.rows; i++) for (let j = r.col; j < r.col + r.cols; j++) if (keep(i, j)) out.add(i, j);
    return out;
  };

  // ---- the table at A1: data rows 1..R-1 (the header row is ours and rewritten)
  const width = Math.min(needs.table.length, C);
  if (width > 0 && R > 1) {
    const cols = (kind: ColumnKind) => needs.table.slice(0, width).flatMap((k, c) => (k === kind ? [c] : []));
    const rowsOf = (keep: (r: number) => boolean) => Array.from({ length: R - 1 }, (_, i) => i + 1).filter(keep);
    const grid = (rows: number[], columns: number[]) => {
      const out = new Cells();
      for (const c of columns) for (const r of rows) out.add(r, c);
      return out;
    };
    const all = rowsOf(() => true);
    const inputs = cols("input");
    const computed = cols("formula");
    const seeds = cols("seed");
    readValues(grid(all, inputs));
    readFormulas(grid(all, computed));
    // A computed cell with no formula: typed over, or cleared? Its value says.
    const bare = new Cells();
    for (const r of all) for (const c of computed) if (formulas[r][c] === null) bare.add(r, c);
    readValues(bare);
    const used = (r: number) => inputs.some((c) => values[r][c] !== null) || computed.some((c) => formulas[r][c] === null && values[r][c] !== null);
    const idle = rowsOf((r) => !used(r));
    // Seeded inputs only matter on rows nothing else uses: their formula (ours, or the person's), or a typed value.
    const seedCells = grid(idle, seeds);
    readFormulas(seedCells);
    const bareSeeds = new Cells();
    for (const r of idle) for (const c of seeds) if (formulas[r][c] === null) bareSeeds.add(r, c);
    readValues(bareSeeds);
    // An idle row's input cells that are not blank hold a formula showing nothing: the person's, to keep.
    readFormulas(formulaCellsAmong(grid(idle, inputs)));
  }

  // ---- reports: formulas where we write formulas, isBlank where the layout has nothing or an input
  for (const rep of needs.reports) {
    const f = new Cells();
    const open = new Cells();
    rep.cells.forEach((row, r) =>
      row.forEach((kind, c) => {
        const col = rep.col + c;
        if (r >= R || col >= C) return;
        if (kind === "formula") f.add(r, col);
        else if (kind === "open") open.add(r, col);
      }),
    );
    readFormulas(f);
    const typed = new Cells();
    for (const rr of f.rects()) for (let r = rr.row; r < rr.row + rr.rows; r++) for (let c = rr.col; c < rr.col + rr.cols; c++) if (formulas[r][c] === null) typed.add(r, c);
    readValues(typed);
    const held = cellsOf(notBlank(open));
    readValues(held);
    const showingNothing = new Cells();
    for (const rr of held.rects()) for (let r = rr.row; r < rr.row + rr.rows; r++) for (let c = rr.col; c < rr.col + rr.cols; c++) if (values[r][c] === null) showingNothing.add(r, c);
    readFormulas(formulaCellsAmong(showingNothing));
  }
  return { values, formulas, extent };
}
