/**
 * The host-neutral write plan: what every host (exceljs, Excel, Google Sheets) applies.
 * The core decides every cell, format and rule; hosts only translate these shapes into their API calls.
 * Coordinates are 0-based (row 0 = spreadsheet row 1, col 0 = column A).
 */

/** One cell to write. A plain string is ALWAYS literal text: only `{ f }` objects made by the core are formulas. */
export type PlanCell = null | number | boolean | string | FormulaCell | DateCell;
/** A native formula, including the leading "=". */
export interface FormulaCell { f: string }
/** A calendar date, ISO yyyy-mm-dd, or a wall-clock date and time yyyy-mm-ddThh:mm[:ss]; hosts write a real date (serial number with a date format). */
export interface DateCell { d: string }

export interface RangeRef { row: number; col: number; rows: number; cols: number }

/** A rectangular write of cells starting at (row, col). */
export interface Block { row: number; col: number; cells: PlanCell[][] }

export interface NumberFormatRule { range: RangeRef; format: string }

export interface ValidationRule {
  range: RangeRef;
  /** Dropdown of fixed choices. */
  list?: string[];
  /** Dropdown fed from a range, as an absolute A1 reference with sheet (e.g. `'Funding'!$A$2:$A$200`). */
  listSource?: string;
  /** Whole-number or decimal bounds. */
  number?: { min?: number; max?: number; integer?: boolean };
  date?: boolean;
  /** Shown to the person when the input is refused. */
  message: string;
}

/** Colour a range when a formula (written relative to the range's top-left cell) is TRUE. */
export interface ConditionalFormatRule { range: RangeRef; formula: string; fill: string; font?: string }

export interface StyleRule {
  range: RangeRef;
  bold?: boolean;
  fill?: string;
  fontColor?: string;
  wrap?: boolean;
  italic?: boolean;
}

export interface ChartSeries {
  name: string; sheet: string; range: RangeRef; color?: string;
  /**
   * How the series is drawn: "markers" (default) a line with a marker at each point; "line" a plain line; "dash" a
   * dashed line (limits, a target); "band" a column the chart's full height where the value is 1 and none where it
   * is 0, behind the lines (months flagged special cause), on an axis of its own that is not shown.
   */
  style?: "markers" | "line" | "dash" | "band";
}
export interface ChartSpec {
  type: "line";
  title: string;
  /** Where the chart sits on its sheet, in cells. */
  anchor: RangeRef;
  categories: { sheet: string; range: RangeRef };
  series: ChartSeries[];
  /** Number format of the value axis (e.g. "0%" for a percent KPI); the source cells' when left out. */
  valueFormat?: string;
}

/**
 * How a sheet prints. Every sheet of ours gets one (landscape, fit to width, header rows repeated, a print area
 * over what it holds); a spec may refine it (e.g. a page break before each practice's statement).
 */
export interface PrintSettings {
  orientation: "landscape" | "portrait";
  /** Fit every column on one page's width (pages run as long as the rows need). */
  fitToWidth: boolean;
  /** Rows 0..repeatRows-1 print at the top of every page. */
  repeatRows?: number;
  /** What prints; all the sheet holds when left out. */
  area?: RangeRef;
  /** 0-based rows that start a new page. */
  rowBreaks?: number[];
}

export interface SheetPlan {
  /** Spec key, stable across versions (e.g. "partnerships"). */
  key: string;
  /** Sheet name as it will be in the workbook. */
  name: string;
  /** True when the sheet does not exist yet and must be added. */
  create: boolean;
  hidden?: boolean;
  /** Value and formula writes. Never covers a cell a person typed (the plan engine guarantees it). */
  blocks: Block[];
  /** Ranges whose stale computed content must be cleared before writing (contents only). */
  clears: RangeRef[];
  formats: NumberFormatRule[];
  styles: StyleRule[];
  validations: ValidationRule[];
  conditionalFormats: ConditionalFormatRule[];
  freeze: { rows: number; cols: number };
  columnWidths: { col: number; width: number }[];
  /** List sheets become Excel tables where the host has them. */
  table?: { name: string; range: RangeRef };
  charts: ChartSpec[];
  /** How the sheet prints (hosts apply it; a sheet without one keeps its print settings). */
  print?: PrintSettings;
}

export interface NamedRange { name: string; sheet: string; range: RangeRef }

export interface WritePlan {
  year: string;
  sheets: SheetPlan[];
  names: NamedRange[];
  /** Things the person should know (kept overrides, renamed sheets, unknown rates). */
  warnings: string[];
  /** Fields where the person's value was kept over a changed value in the data file (--data). */
  conflicts?: DataConflict[];
  /** Cells the data file updated in records already in the workbook (--data). */
  dataUpdates?: number;
  /** The change journal's entry for this build (absent when an earlier execution of the same build wrote it). */
  journal?: import("./sheets/journal").JournalEntry;
}

/** A field a person changed that the data file has since changed too: theirs is kept. `row` is 1-based. */
export interface DataConflict { sheet: string; row: number; field: string; ref: string; yours: string; file: string }

/** What a host reads from the workbook before planning: values and formulas of each sheet's used range from A1. */
export type SnapshotValue = string | number | boolean | null;
export interface SheetSnapshot {
  name: string;
  /** Dates as spreadsheet serial numbers (hosts convert). */
  values: SnapshotValue[][];
  /** Same shape; a string starting with "=" where the cell holds a formula, else null. */
  formulas: (string | null)[][];
  /**
   * The host read only part of this sheet (nothing, its header row, or its values without formulas), as a build
   * that does not write it may: the engine keeps the size PCN_Meta remembers of its table rather than size it
   * from what it was not given.
   */
  partial?: boolean;
  /**
   * Rows and columns from A1 to the last cell holding anything, where the host knows it without reading every
   * cell (Sheets' getLastRow/getLastColumn when a build reads only the cells its plan needs): what prints.
   */
  extent?: { rows: number; cols: number };
}
export interface WorkbookSnapshot {
  sheets: SheetSnapshot[];
  /** The workbook counts dates from 1904 (a Mac-era setting): its serials are 1462 less than the 1900 system's. */
  date1904?: boolean;
}

/** A sheet plan that changes nothing yet: the engine, tests and benchmarks fill in what they need. */
export function emptySheetPlan(key: string, name: string, create: boolean): SheetPlan {
  return { key, name, create, blocks: [], clears: [], formats: [], styles: [], validations: [], conditionalFormats: [], freeze: { rows: 0, cols: 0 }, columnWidths: [], charts: [] };
}

// ---- Geometry and A1 helpers shared by every host ----

export const within = (r: RangeRef, row: number, col: number) => row >= r.row && row < r.row + r.rows && col >= r.col && col < r.col + r.cols;
export const sameRange = (a: RangeRef, b: RangeRef) => a.row === b.row && a.col === b.col && a.rows === b.rows && a.cols === b.cols;

/** Splits a ragged block into rectangles (runs of rows of one width), so no host pads over other cells. */
export function rectangles(b: Block): Block[] {
  const out: Block[] = [];
  let start = 0;
  for (let i = 1; i <= b.cells.length; i++) {
    if (i === b.cells.length || b.cells[i].length !== b.cells[start].length) {
      if (b.cells[start].length > 0) out.push({ row: b.row + start, col: b.col, cells: b.cells.slice(start, i) });
      start = i;
    }
  }
  return out;
}

/** Sets one cell of a sheet plan: in the last block that already writes it, else as a block of its own. */
export function setPlanCell(plan: SheetPlan, row: number, col: number, v: PlanCell): void {
  for (let i = plan.blocks.length - 1; i >= 0; i--) {
    const b = plan.blocks[i];
    const r = row - b.row, c = col - b.col;
    if (r >= 0 && r < b.cells.length && c >= 0 && c < b.cells[r].length) { b.cells[r][c] = v; return; }
  }
  plan.blocks.push({ row, col, cells: [[v]] });
}

/**
 * What a host reads back after writing `plan` (values and formulas; a formula's value unknown): the sheets named
 * in `only` (every sheet the plan writes when absent), the others as they were. For planning writes on top of a
 * build in the same write, such as a rates file loaded with it.
 */
export function snapshotAfter(snapshot: WorkbookSnapshot, plan: WritePlan, only?: ReadonlySet<string>): WorkbookSnapshot {
  const shift = snapshot.date1904 ? 1462 : 0;
  const sheets = [...snapshot.sheets];
  for (const sp of plan.sheets) {
    if (only && !only.has(sp.name)) continue;
    const at = sheets.findIndex((s) => s.name === sp.name);
    const was = at >= 0 && !sp.create ? sheets[at] : undefined;
    const values = was ? was.values.map((r) => [...(r ?? [])]) : [];
    const formulas = was ? was.formulas.map((r) => [...(r ?? [])]) : [];
    const put = (row: number, col: number, v: SnapshotValue, f: string | null) => {
      while (values.length <= row) values.push([]);
      while (formulas.length <= row) formulas.push([]);
      while (values[row].length <= col) values[row].push(null);
      while (formulas[row].length <= col) formulas[row].push(null);
      values[row][col] = v;
      formulas[row][col] = f;
    };
    for (const c of sp.clears) {
      for (let r = c.row; r < Math.min(c.row + c.rows, values.length); r++) for (let k = c.col; k < c.col + c.cols; k++) if (k < (values[r]?.length ?? 0) || k < (formulas[r]?.length ?? 0)) put(r, k, null, null);
    }
    for (const b of sp.blocks) {
      b.cells.forEach((line, i) => line.forEach((cell, j) => {
        if (cell !== null && typeof cell === "object") {
          if ("f" in cell) put(b.row + i, b.col + j, null, cell.f.startsWith("=") ? cell.f : "=" + cell.f);
          else put(b.row + i, b.col + j, isoToSerial(cell.d) - shift, null);
        } else put(b.row + i, b.col + j, cell === "" ? null : cell, null);
      }));
    }
    const sheet: SheetSnapshot = { name: sp.name, values, formulas };
    if (at >= 0) sheets[at] = sheet;
    else sheets.push(sheet);
  }
  return { ...snapshot, sheets };
}

export function colLetter(col: number): string {
  let s = "";
  let n = col + 1;
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export function quoteSheet(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) && !/^[A-Za-z]{1,3}[0-9]+$/.test(name)
    ? name
    : `'${name.replace(/'/g, "''")}'`;
}

/** "B2:D9" (or "B2" for one cell), optionally absolute and sheet-qualified. */
export function a1(r: RangeRef, opts: { sheet?: string; absolute?: boolean } = {}): string {
  const d = opts.absolute ? "$" : "";
  const tl = `${d}${colLetter(r.col)}${d}${r.row + 1}`;
  const br = `${d}${colLetter(r.col + r.cols - 1)}${d}${r.row + r.rows}`;
  const body = r.rows === 1 && r.cols === 1 ? tl : `${tl}:${br}`;
  return opts.sheet ? `${quoteSheet(opts.sheet)}!${body}` : body;
}

/** Serial number (1900 date system, as Excel, Sheets and LibreOffice use) of an ISO date, with the fraction of a day of a time (yyyy-mm-ddThh:mm[:ss]). */
export function isoToSerial(iso: string): number {
  const [date, time] = iso.split("T");
  const [y, m, d] = date.split("-").map(Number);
  const days = Math.round((Date.UTC(y, m - 1, d) - Date.UTC(1899, 11, 30)) / 86400000);
  if (!time) return days;
  const [hh, mm, ss] = time.split(":").map(Number);
  return days + Math.round(((hh || 0) * 3600 + (mm || 0) * 60 + (ss || 0))) / 86400;
}
export function serialToIso(serial: number): string {
  const ms = Date.UTC(1899, 11, 30) + Math.round(serial) * 86400000;
  return new Date(ms).toISOString().slice(0, 10);
}
