/**
 * A small, STRICT fake of the Excel JavaScript API surface the add-in uses.
 *
 * Like Office.js it is a proxy model: property sets and method calls are queued and only reach the workbook at
 * `context.sync()`; reading a property that was not loaded and synced throws PropertyNotLoaded. It counts syncs
 * and the bytes (UTF-8 JSON) of each sync's queued requests, enforces Excel on the web's 5 MB request and
 * response limits, models how Excel coerces a typed string (formula, number, date, boolean, apostrophe text),
 * fails a sync that uses a member newer than its ExcelApi version (every member's set is generated from
 * @types/office-js into excelApiSets.json), refuses in a merged undo group what Microsoft's undo table says cannot
 * be undone (undoTable.ts), and can fail or hang the Nth sync. It has a clock and a cost per sync (FakeClock,
 * COST), a person editing a cell (batches fail unless run with delayForCellEdit, which waits), and co-authors
 * who insert and delete rows between syncs (insertRows/deleteRows). No Node APIs: the pane's Playwright test
 * bundles it for a browser page.
 */

// ---------------------------------------------------------------- errors

export class FakeOfficeError extends Error {
  code: string;
  /** As Office.js reports it: errorLocation names the API that failed ("Range.getIntersection"). */
  debugInfo: { code: string; message: string; errorLocation?: string };
  constructor(code: string, message: string) {
    super(message);
    this.name = "RichApi.Error";
    this.code = code;
    this.debugInfo = { code, message };
  }
}
const err = (code: string, message: string) => new FakeOfficeError(code, message);
/** Fails the sync, as Excel does, when the workbook's ExcelApi is older than what an API needs. */
function requireApi(wb: { isSetSupported(name: string, v?: string): boolean; apiSets: Record<string, string> }, version: string, what: string): void {
  if (!wb.isSetSupported("ExcelApi", version)) throw err("ApiNotFound", `${what} needs ExcelApi ${version}; this Excel has ${wb.apiSets.ExcelApi ?? "none"}.`);
}

import { colLetter } from "../../core/workbook/plan";
import API_SETS from "./excelApiSets.json";
import { UNDO_UNSUPPORTED } from "./undoTable";

// ---------------------------------------------------------------- time

/**
 * Virtual time: nothing waits for real. Time moves when a sync costs time (sleep) or hangs (to the next timer);
 * timers the code under test sets (its read timeouts) fire as time passes them.
 */
export class FakeClock {
  now = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 1;
  /**
   * A timer set by the code under test: if nothing else moves time first (a sync answering in microtasks does),
   * time runs on to it once the real event loop is idle (the code is waiting on it alone, or on a hung sync).
   */
  setTimeout = (fn: () => void, ms: number): number => {
    const id = this.seq++;
    const t = { at: this.now + Math.max(0, ms), fn, id };
    this.timers.push(t);
    globalThis.setTimeout(() => { if (this.timers.includes(t)) this.advanceTo(t.at); }, 0);
    return id;
  };
  clearTimeout = (id: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  /** Moves time to `to`, firing every timer due by then in order. */
  advanceTo(to: number): void {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const t = this.timers[0];
      if (!t || t.at > to) break;
      this.timers.shift();
      this.now = Math.max(this.now, t.at);
      t.fn();
    }
    this.now = Math.max(this.now, to);
  }
  async sleep(ms: number): Promise<void> {
    await Promise.resolve();
    this.advanceTo(this.now + ms);
    await Promise.resolve();
  }
  /** Never returns, but lets time run on to the next timer (a hung request while the caller's timeout runs). */
  hang(): Promise<never> {
    void Promise.resolve().then(() => { const next = this.timers.map((t) => t.at).sort((a, b) => a - b)[0]; if (next !== undefined) this.advanceTo(next); });
    return new Promise<never>(() => {});
  }
}

/**
 * What a sync costs in Excel, in virtual milliseconds. Figures: a round trip of up to 700 ms on a slow host
 * (office-js#4812: an empty sync taking 700 ms); ~5 µs per cell written (office-js#3013: 20 columns x 50,000 rows
 * written column by column in under 5 s); the request and response crossing a 1 MB/s link (assumed: Excel on the web
 * from a slow connection); 300 ms per chart made (assumed: no published figure); and, where calculation was not
 * suspended, 20 µs per formula cell recalculated as it is written (assumed).
 */
export interface CostModel { roundTripMs: number; perCellUs: number; perKBms: number; perChartMs: number; recalcPerFormulaUs: number }
export const COST: Record<"none" | "slow", CostModel> = {
  none: { roundTripMs: 0, perCellUs: 0, perKBms: 0, perChartMs: 0, recalcPerFormulaUs: 0 },
  slow: { roundTripMs: 700, perCellUs: 5, perKBms: 1, perChartMs: 300, recalcPerFormulaUs: 20 },
};

// ---------------------------------------------------------------- geometry and A1

export interface Rect { row: number; col: number; rows: number; cols: number }
const MAX_ROWS = 1048576;
const MAX_COLS = 16384;

export const colName = colLetter;
function colIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}
function quoteName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) && !/^[A-Za-z]{1,3}[0-9]+$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
}
export function rectA1(r: Rect, sheet?: string, absolute = false): string {
  const d = absolute ? "$" : "";
  const tl = `${d}${colName(r.col)}${d}${r.row + 1}`;
  const br = `${d}${colName(r.col + r.cols - 1)}${d}${r.row + r.rows}`;
  const body = r.rows === 1 && r.cols === 1 ? tl : `${tl}:${br}`;
  return sheet === undefined ? body : `${quoteName(sheet)}!${body}`;
}
/** "A1", "$A$1:B2", "Sheet!A1:B2", "'It''s'!A:A", "3:3". */
export function parseA1(address: string): { sheet?: string; rect: Rect } {
  let s = address.trim().replace(/^=/, "");
  let sheet: string | undefined;
  const bang = s.lastIndexOf("!");
  if (bang >= 0) {
    sheet = s.slice(0, bang);
    s = s.slice(bang + 1);
    if (sheet.startsWith("'") && sheet.endsWith("'")) sheet = sheet.slice(1, -1).replace(/''/g, "'");
  }
  s = s.replace(/\$/g, "");
  const [a, b = a] = s.split(":");
  const cell = /^([A-Za-z]{1,3})(\d+)$/;
  const colOnly = /^([A-Za-z]{1,3})$/;
  const rowOnly = /^(\d+)$/;
  let m1: RegExpMatchArray | null, m2: RegExpMatchArray | null;
  if ((m1 = a.match(cell)) && (m2 = b.match(cell))) {
    const r1 = Number(m1[2]) - 1, r2 = Number(m2[2]) - 1, c1 = colIndex(m1[1]), c2 = colIndex(m2[1]);
    return { sheet, rect: { row: Math.min(r1, r2), col: Math.min(c1, c2), rows: Math.abs(r2 - r1) + 1, cols: Math.abs(c2 - c1) + 1 } };
  }
  if ((m1 = a.match(colOnly)) && (m2 = b.match(colOnly))) {
    const c1 = colIndex(m1[1]), c2 = colIndex(m2[1]);
    return { sheet, rect: { row: 0, col: Math.min(c1, c2), rows: MAX_ROWS, cols: Math.abs(c2 - c1) + 1 } };
  }
  if ((m1 = a.match(rowOnly)) && (m2 = b.match(rowOnly))) {
    const r1 = Number(m1[1]) - 1, r2 = Number(m2[1]) - 1;
    return { sheet, rect: { row: Math.min(r1, r2), col: 0, rows: Math.abs(r2 - r1) + 1, cols: MAX_COLS } };
  }
  throw err("InvalidArgument", `The address "${address}" is not valid.`);
}
const intersects = (a: Rect, b: Rect) => a.row < b.row + b.rows && b.row < a.row + a.rows && a.col < b.col + b.cols && b.col < a.col + a.cols;
const contains = (outer: Rect, inner: Rect) =>
  inner.row >= outer.row && inner.col >= outer.col && inner.row + inner.rows <= outer.row + outer.rows && inner.col + inner.cols <= outer.col + outer.cols;
/** a minus b, as up to four rectangles. */
function subtract(a: Rect, b: Rect): Rect[] {
  if (!intersects(a, b)) return [a];
  const out: Rect[] = [];
  const top = b.row - a.row;
  if (top > 0) out.push({ row: a.row, col: a.col, rows: top, cols: a.cols });
  const bottom = a.row + a.rows - (b.row + b.rows);
  if (bottom > 0) out.push({ row: b.row + b.rows, col: a.col, rows: bottom, cols: a.cols });
  const r0 = Math.max(a.row, b.row);
  const r1 = Math.min(a.row + a.rows, b.row + b.rows);
  const left = b.col - a.col;
  if (left > 0) out.push({ row: r0, col: a.col, rows: r1 - r0, cols: left });
  const right = a.col + a.cols - (b.col + b.cols);
  if (right > 0) out.push({ row: r0, col: b.col + b.cols, rows: r1 - r0, cols: right });
  return out;
}

// ---------------------------------------------------------------- how Excel reads a typed string

export type CellValue = string | number | boolean;
export interface CellModel { v: CellValue; f?: string; quote?: boolean; error?: boolean }

const ERRORS = new Set(["#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"]);
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const serialOf = (y: number, m: number, d: number) => {
  if (m < 1 || m > 12 || d < 1 || d > 31) return null;
  const t = Date.UTC(y, m - 1, d);
  if (new Date(t).getUTCDate() !== d) return null;
  return Math.round((t - Date.UTC(1899, 11, 30)) / 86400000);
};
const year2 = (y: number) => (y < 30 ? 2000 + y : y < 100 ? 1900 + y : y);
const monthOf = (s: string) => {
  const i = MONTHS.indexOf(s.slice(0, 3).toLowerCase());
  return i >= 0 && /^[a-z]+$/i.test(s) ? i + 1 : 0;
};

/** Number in any dress Excel (en-GB) accepts when typed: 1,234.5  (12)  £5  12%  1e5  .5 */
function parseNumberish(t: string): number | null {
  let s = t.trim();
  if (s === "") return null;
  let neg = false;
  if (/^\(.*\)$/.test(s)) { neg = true; s = s.slice(1, -1).trim(); }
  if (/^[+-]/.test(s)) { neg = neg !== s.startsWith("-"); s = s.slice(1).trim(); }
  s = s.replace(/^[£$€]\s*/, "");
  if (/^[+-]/.test(s)) { neg = neg !== s.startsWith("-"); s = s.slice(1).trim(); }
  let pct = false;
  if (s.endsWith("%")) { pct = true; s = s.slice(0, -1).trim(); }
  if (!/^(\d{1,3}(,\d{3})+|\d+)?(\.\d*)?([eE][+-]?\d+)?$/.test(s) || !/\d/.test(s)) return null;
  let n = Number(s.replace(/,/g, ""));
  if (!Number.isFinite(n)) return null;
  if (pct) n /= 100;
  return neg ? -n : n;
}
/** Dates and times Excel (en-GB) turns into serial numbers when typed. */
function parseDateish(t: string): number | null {
  const s = t.trim();
  let m: RegExpMatchArray | null;
  if ((m = s.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/))) return serialOf(+m[1], +m[2], +m[3]);
  if ((m = s.match(/^(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})$/))) return serialOf(year2(+m[3]), +m[2], +m[1]);
  if ((m = s.match(/^(\d{1,2})[/-](\d{1,2})$/))) return serialOf(2025, +m[2], +m[1]);
  if ((m = s.match(/^(\d{1,2})[\s-]([A-Za-z]+)(?:[\s-](\d{2,4}))?$/)) && monthOf(m[2])) return serialOf(m[3] ? year2(+m[3]) : 2025, monthOf(m[2]), +m[1]);
  if ((m = s.match(/^([A-Za-z]+)[\s-](\d{2,4})$/)) && monthOf(m[1])) return serialOf(year2(+m[2]), monthOf(m[1]), 1);
  if ((m = s.match(/^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]m)?$/i))) {
    const h = +m[1] + (m[4] && /p/i.test(m[4]) && +m[1] < 12 ? 12 : 0);
    if (h > 23 || +m[2] > 59) return null;
    return (h * 3600 + +m[2] * 60 + (m[3] ? +m[3] : 0)) / 86400;
  }
  if ((m = s.match(/^(\d{1,2})\s*([ap]m)$/i))) return ((+m[1] % 12) + (/p/i.test(m[2]) ? 12 : 0)) / 24;
  return null;
}
/** Excel refuses a formula it cannot parse; the fake checks what it cheaply can. */
function checkFormula(f: string) {
  if (f.length < 2) throw err("InvalidArgument", `"${f}" is not a valid formula.`);
  let depth = 0;
  let inStr = false;
  let inSheet = false;
  for (const ch of f) {
    if (inStr) { if (ch === '"') inStr = false; continue; }
    if (inSheet) { if (ch === "'") inSheet = false; continue; }
    if (ch === '"') inStr = true;
    else if (ch === "'") inSheet = true;
    else if (ch === "(") depth++;
    else if (ch === ")") { depth--; if (depth < 0) break; }
  }
  if (depth !== 0 || inStr || inSheet) throw err("InvalidArgument", `The formula "${f}" contains an error.`);
}

/**
 * What a cell holds after `x` is written to it through `values` or `formulas` (null: unchanged).
 * In a text-formatted ("@") cell a string is kept as typed.
 */
export function coerceInput(x: unknown, textFormat = false): CellModel | null | "clear" {
  if (x === null || x === undefined) return null;
  if (typeof x === "number") {
    if (!Number.isFinite(x)) throw err("InvalidArgument", "A number in the input is not finite.");
    return { v: x };
  }
  if (typeof x === "boolean") return { v: x };
  if (typeof x !== "string") throw err("InvalidArgument", `Unsupported input value ${JSON.stringify(x)}.`);
  if (x === "") return "clear";
  if (x.length > 32767) throw err("InvalidArgument", "Text longer than 32,767 characters does not fit in a cell.");
  if (x.startsWith("'")) return x.length === 1 ? "clear" : { v: x.slice(1), quote: true };
  if (textFormat) return { v: x };
  // Whether an East Asian Excel reads a full-width or small equals sign as "=" is not documented: the fake
  // assumes the worst, so only text written with an apostrophe is safe.
  if (/^[\uFF1D\uFE66]/.test(x)) { const f = "=" + x.slice(1); checkFormula(f); return { v: 0, f }; }
  if (x.startsWith("=")) { checkFormula(x); return { v: 0, f: x }; }
  const n = parseNumberish(x);
  if (n !== null) return { v: n };
  if (x.length > 1 && (x.startsWith("+") || x.startsWith("-"))) { const f = "=" + x; checkFormula(f); return { v: 0, f }; }
  if (x.length > 1 && x.startsWith("@")) { const f = "=" + x.slice(1); checkFormula(f); return { v: 0, f }; }
  const t = x.trim();
  if (/^true$/i.test(t)) return { v: true };
  if (/^false$/i.test(t)) return { v: false };
  if (ERRORS.has(t.toUpperCase())) return { v: t.toUpperCase(), error: true };
  const d = parseDateish(x);
  if (d !== null) return { v: d };
  return { v: x };
}

// ---------------------------------------------------------------- the workbook model

export interface StyleModel { bold?: boolean; italic?: boolean; fontColor?: string; fill?: string; wrap?: boolean }
export interface ValidationModel { rect: Rect; rule: any; errorAlert?: any; prompt?: any; ignoreBlanks?: boolean }
/**
 * One area of a conditional format. Areas sharing an `id` are ONE format applied to several areas (as Excel
 * leaves a format that `clearAll` cut through). Custom rules keep formula/fill/font/bold/italic; every other
 * property (and any other type's rule) is kept in `detail` by its load path, e.g. "cellValue/rule".
 */
export interface CfModel {
  id: number; rect: Rect; type: string; formula?: string; fill?: string; font?: string; bold?: boolean; italic?: boolean; stopIfTrue?: boolean;
  detail?: Record<string, unknown>;
}
/** Excel's default column width in points (8.43 characters of Calibri 11). */
export const DEFAULT_COLUMN_WIDTH = 48;
export interface SeriesModel { name: string; values?: string; xValues?: string; color?: string }
export interface ChartModel { id: number; name: string; type: string; title?: string; series: SeriesModel[]; position?: { start: string; end?: string } }

export interface PageModel {
  orientation: string;
  zoom: { scale?: number; horizontalFitToPages?: number; verticalFitToPages?: number };
  printArea: Rect | null;
  titleRows: Rect | null;
  /** 0-based rows a manual page break starts. */
  rowBreaks: number[];
}

export class SheetModel {
  cells = new Map<number, Map<number, CellModel>>();
  formats = new Map<string, string>();
  styles = new Map<string, StyleModel>();
  colWidths = new Map<number, number>();
  validations: ValidationModel[] = [];
  cfs: CfModel[] = [];
  freeze = { rows: 0, cols: 0 };
  /** Page setup (ExcelApi 1.9): what Excel would print. */
  page: PageModel = { orientation: "Portrait", zoom: { scale: 100 }, printArea: null, titleRows: null, rowBreaks: [] };
  charts: ChartModel[] = [];
  visibility: "Visible" | "Hidden" | "VeryHidden" = "Visible";
  constructor(public id: number, public name: string) {}

  get(r: number, c: number): CellModel | undefined {
    return this.cells.get(r)?.get(c);
  }
  set(r: number, c: number, cell: CellModel | null) {
    if (cell === null) {
      const row = this.cells.get(r);
      row?.delete(c);
      if (row && row.size === 0) this.cells.delete(r);
      return;
    }
    let row = this.cells.get(r);
    if (!row) this.cells.set(r, (row = new Map()));
    row.set(c, cell);
  }
  format(r: number, c: number): string {
    return this.formats.get(`${r},${c}`) ?? "General";
  }
  /** Bounding box of cells holding something (valuesOnly) or also formats and styles. */
  /** The used range, or its part within `within`. */
  used(valuesOnly: boolean, within?: Rect): Rect | null {
    let r0 = Infinity, c0 = Infinity, r1 = -1, c1 = -1;
    const take = (r: number, c: number) => {
      if (within && !(r >= within.row && r < within.row + within.rows && c >= within.col && c < within.col + within.cols)) return;
      if (r < r0) r0 = r;
      if (r > r1) r1 = r;
      if (c < c0) c0 = c;
      if (c > c1) c1 = c;
    };
    for (const [r, row] of this.cells) if (!within || (r >= within.row && r < within.row + within.rows)) for (const c of row.keys()) take(r, c);
    if (!valuesOnly) for (const k of [...this.formats.keys(), ...this.styles.keys()]) { const [r, c] = k.split(",").map(Number); take(r, c); }
    return r1 < 0 ? null : { row: r0, col: c0, rows: r1 - r0 + 1, cols: c1 - c0 + 1 };
  }
}

export interface TableModel { id: number; name: string; sheet: SheetModel; rect: Rect }
export interface SheetState {
  name: string;
  visibility: string;
  cells: Record<string, { v: CellValue; f?: string }>;
  formats: Record<string, string>;
  styles: Record<string, Record<string, unknown>>;
  widths: Record<string, number>;
  validations: string[];
  cfs: Record<string, unknown>[];
  freeze: { rows: number; cols: number };
  charts: Omit<ChartModel, "id">[];
}
const STYLE_DEFAULTS: Record<string, unknown> = { bold: false, italic: false, fontColor: "#000000", wrap: false };
const VALIDATION_DEFAULTS: Record<string, unknown> = {
  errorAlert: { showAlert: true, style: "Stop", title: "", message: "" },
  prompt: { showPrompt: false, title: "", message: "" },
  ignoreBlanks: true,
};
/** A sheet's conditional format ids, highest priority (0) first. */
function cfOrder(s: SheetModel): number[] {
  return [...new Set(s.cfs.map((c) => c.id))];
}
export interface NameModel { name: string; formula: string }

/**
 * fail: nothing applied, an error; partial: half the batch applied, then an error; after: all applied, then an
 * error; hang: never answers (nothing applied); hang-after: applies everything and never answers; slow: answers
 * after `ms` (default 5 minutes) of virtual time, having applied everything.
 */
export type FaultMode = "fail" | "partial" | "after" | "hang" | "hang-after" | "slow";
export interface Fault { at: number; mode: FaultMode; ms?: number }
export interface SyncRecord {
  index: number; requestBytes: number; responseBytes: number; ops: number; merged: boolean; outcome: "ok" | "failed" | "hung";
  /** Actions that change something (sets and calls); 0 for a read. */
  writes: number;
  /** Sheets (by name) the batch's changing actions address. */
  sheets: string[];
  /** Virtual time the sync took, and when it started. */
  ms: number; at: number;
  /** Charts made, cells written, formula cells written, whether calculation was suspended for it. */
  charts: number; cells: number; formulaCells: number; calcSuspended: boolean;
  /** The run's delayForCellEdit, and whether the sync waited for a person to finish editing a cell. */
  delayForCellEdit: boolean; waitedForEdit: boolean;
}

export interface FakeWorkbookOptions {
  /** "desktop" refuses Worksheet.visibility inside a merged undo group, as Excel on Windows and Mac do. */
  platform?: "web" | "desktop";
  /** Requirement sets the fake reports as supported, e.g. { ExcelApi: "1.20" }. */
  apiSets?: Record<string, string>;
  maxRequestBytes?: number;
  maxResponseBytes?: number;
  /** The computed value of a formula cell (default 0): the fake has no calculation engine. */
  evaluate?: (sheet: string, row: number, col: number, formula: string) => CellValue;
  /** Cost of each sync (default none: syncs take no time). */
  cost?: CostModel;
  clock?: FakeClock;
  /** The workbook uses the 1904 date system. */
  date1904?: boolean;
  /** What Office.context.diagnostics reports. */
  version?: string;
  /** Cells a read answers null past (Excel: 5,000,000); tests lower it to see the reader chunk. */
  maxReadCells?: number;
}

const encoder = new TextEncoder();
export const jsonBytes = (x: unknown) => encoder.encode(JSON.stringify(x) ?? "").length;

export class FakeWorkbook {
  sheets: SheetModel[] = [];
  tables: TableModel[] = [];
  names = new Map<string, NameModel>();
  syncs: SyncRecord[] = [];
  faults: Fault[] = [];
  runs: { options?: unknown }[] = [];
  /** Method calls (object path and method) that reached the workbook, in order. */
  calls: { path: string; method: string }[] = [];
  /** Called as each sync reaches the workbook (1-based index), before it applies: lets a test act as a person. */
  onSync?: (index: number) => void;
  platform: "web" | "desktop";
  apiSets: Record<string, string>;
  maxRequestBytes: number;
  maxResponseBytes: number;
  evaluate?: FakeWorkbookOptions["evaluate"];
  activeSheet?: SheetModel;
  selection?: { sheet: string; address: string };
  clock: FakeClock;
  cost: CostModel;
  date1904: boolean;
  version: string;
  maxReadCells: number;
  /** Every Excel member ("Range.values") a batch used, for the requirement-set check. */
  apiUsed = new Set<string>();
  /** A person is editing a cell until this time (Infinity: until stopEditing()). */
  editingUntil = -Infinity;
  /** Values were written while calculation was suspended: formulas recalculate before the next sync runs. */
  calcPending = false;
  private editWaiters: (() => void)[] = [];
  private nextId = 1;

  constructor(opts: FakeWorkbookOptions = {}) {
    this.platform = opts.platform ?? "web";
    this.apiSets = opts.apiSets ?? { ExcelApi: "1.20" };
    this.maxRequestBytes = opts.maxRequestBytes ?? 5 * 1024 * 1024;
    this.maxResponseBytes = opts.maxResponseBytes ?? 5 * 1024 * 1024;
    this.evaluate = opts.evaluate;
    this.clock = opts.clock ?? new FakeClock();
    this.cost = opts.cost ?? COST.none;
    this.date1904 = !!opts.date1904;
    this.version = opts.version ?? "16.0.fake";
    this.maxReadCells = opts.maxReadCells ?? 5_000_000;
  }

  /** A person starts editing a cell, for `ms` of virtual time (default: until stopEditing()). */
  startEditing(ms = Infinity) {
    this.editingUntil = this.clock.now + ms;
  }
  stopEditing() {
    this.editingUntil = -Infinity;
    const w = this.editWaiters;
    this.editWaiters = [];
    for (const f of w) f();
  }
  get editing() { return this.editingUntil > this.clock.now; }
  /** @internal resolves when the person stops editing. */
  async waitForEdit(): Promise<void> {
    if (this.editingUntil === Infinity) return new Promise<void>((r) => this.editWaiters.push(r));
    await this.clock.sleep(Math.max(0, this.editingUntil - this.clock.now));
    this.editingUntil = -Infinity;
  }

  /**
   * A co-author inserts `n` rows above 0-based `row` of `sheet` (as Excel does: cells, formats, styles, rules,
   * conditional formats, tables and names below move down).
   */
  insertRows(sheet: string, row: number, n = 1) { this.shiftRows(sheet, row, n); }
  /** A co-author deletes `n` rows from 0-based `row` (what they held is gone; what is below moves up). */
  deleteRows(sheet: string, row: number, n = 1) { this.shiftRows(sheet, row, -n); }
  private shiftRows(name: string, at: number, n: number) {
    const s = this.sheet(name);
    if (!s) throw new Error(`no sheet ${name}`);
    const moveRow = (r: number) => (r >= at - Math.min(0, n) ? r + n : r >= at ? null : r);
    const cells = new Map<number, Map<number, CellModel>>();
    for (const [r, row] of s.cells) { const to = moveRow(r); if (to !== null) cells.set(to, row); }
    s.cells = cells;
    for (const m of [s.formats, s.styles] as Map<string, unknown>[]) {
      const next = new Map<string, unknown>();
      for (const [k, v] of m) { const [r, c] = k.split(",").map(Number); const to = moveRow(r); if (to !== null) next.set(`${to},${c}`, v); }
      m.clear();
      for (const [k, v] of next) m.set(k, v);
    }
    const moveRect = (rect: Rect): Rect | null => {
      if (n > 0) {
        if (rect.row >= at) return { ...rect, row: rect.row + n };
        if (rect.row + rect.rows > at) return { ...rect, rows: rect.rows + n };
        return rect;
      }
      const d = -n, end = at + d;
      const top = rect.row, bottom = rect.row + rect.rows;
      const keep = Math.max(0, Math.min(bottom, at) - top) + Math.max(0, bottom - Math.max(top, end));
      if (keep === 0) return null;
      return { ...rect, row: top >= end ? top - d : Math.min(top, at), rows: keep };
    };
    s.validations = s.validations.flatMap((v) => { const r = moveRect(v.rect); return r ? [{ ...v, rect: r }] : []; });
    s.cfs = s.cfs.flatMap((c) => { const r = moveRect(c.rect); return r ? [{ ...c, rect: r }] : []; });
    for (const t of this.tables) if (t.sheet === s) { const r = moveRect(t.rect); if (r) t.rect = r; }
    for (const nm of this.names.values()) {
      try {
        const p = parseA1(nm.formula);
        if (p.sheet?.toLowerCase() !== s.name.toLowerCase()) continue;
        const r = moveRect(p.rect);
        nm.formula = r ? "=" + rectA1(r, p.sheet, true) : "=#REF!";
      } catch { /* a constant */ }
    }
  }

  id() { return this.nextId++; }
  get syncCount() { return this.syncs.length; }

  /** Test setup, outside any sync: a sheet with literal values/formulas from A1 (strings starting "=" are formulas). */
  addSheet(name: string, rows: (CellValue | null)[][] = []): SheetModel {
    const s = this.insertSheet(name);
    rows.forEach((row, r) => row.forEach((x, c) => {
      if (x === null || x === "") return;
      const cell = typeof x === "string" && x.startsWith("=") ? { v: this.valueOf(name, r, c, x), f: x } : { v: x };
      s.set(r, c, cell);
    }));
    return s;
  }
  insertSheet(name?: string): SheetModel {
    const n = name ?? this.freeSheetName();
    if (n.length === 0 || n.length > 31 || /[[\]:*?/\\]/.test(n) || /^'|'$/.test(n)) throw err("InvalidArgument", `"${n}" is not a valid sheet name.`);
    if (this.sheet(n)) throw err("ItemAlreadyExists", `A sheet named "${n}" already exists.`);
    const s = new SheetModel(this.id(), n);
    this.sheets.push(s);
    if (!this.activeSheet) this.activeSheet = s;
    return s;
  }
  private freeSheetName() {
    for (let i = 1; ; i++) if (!this.sheet(`Sheet${i}`)) return `Sheet${i}`;
  }
  sheet(name: string): SheetModel | undefined {
    const l = name.toLowerCase();
    return this.sheets.find((s) => s.name.toLowerCase() === l);
  }
  deleteSheet(s: SheetModel) {
    const visible = this.sheets.filter((x) => x.visibility === "Visible");
    if (this.sheets.length === 1 || (visible.length === 1 && visible[0] === s)) throw err("InvalidOperation", "A workbook must keep at least one visible sheet.");
    this.sheets = this.sheets.filter((x) => x !== s);
    this.tables = this.tables.filter((t) => t.sheet !== s);
    for (const n of this.names.values()) if (this.nameTargets(n, s)) n.formula = "=#REF!";
    if (this.activeSheet === s) this.activeSheet = this.sheets.find((x) => x.visibility === "Visible");
  }
  private nameTargets(n: NameModel, s: SheetModel) {
    try { const p = parseA1(n.formula); return p.sheet !== undefined && p.sheet.toLowerCase() === s.name.toLowerCase(); } catch { return false; }
  }
  valueOf(sheet: string, r: number, c: number, f: string): CellValue {
    return this.evaluate ? this.evaluate(sheet, r, c, f) : 0;
  }
  /** With an `evaluate`, every formula cell computed again (as Excel recalculates). */
  recalc(): void {
    if (!this.evaluate) return;
    for (const s of this.sheets) for (const [r, row] of s.cells) for (const [c, cell] of row) if (cell.f) cell.v = this.evaluate(s.name, r, c, cell.f);
  }
  isSetSupported(name: string, minVersion?: string): boolean {
    const have = this.apiSets[name];
    if (have === undefined) return false;
    if (!minVersion) return true;
    const a = have.split(".").map(Number), b = minVersion.split(".").map(Number);
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
    return true;
  }

  /** Fails (or hangs) the `at`-th sync counted over the workbook's life (1-based). */
  injectFault(at: number, mode: FaultMode = "fail") {
    this.faults.push({ at, mode });
  }

  // ---- inspection helpers for tests (no sync involved)

  /**
   * Every sheet in order with everything a build can change on it: cells (value and formula), number formats,
   * styles, column widths, data validation, conditional formats (in priority order), freeze panes, charts and
   * visibility. What "as it was" and "fully built" are compared on, with fullState() for the workbook's parts.
   * Left out, as nothing a person sees: object ids (a rollback that makes a thing again gives it a new id),
   * properties set back to their default (a column set to the default width is the default width), and a text
   * cell's apostrophe (text written back with one is the same text).
   */
  state(): SheetState[] {
    const cellKey = (k: string) => { const [r, c] = k.split(",").map(Number); return rectA1({ row: r, col: c, rows: 1, cols: 1 }); };
    const byCell = (a: [string, unknown], b: [string, unknown]) => { const [r1, c1] = a[0].split(",").map(Number), [r2, c2] = b[0].split(",").map(Number); return r1 - r2 || c1 - c2; };
    const noDefaults = (o: Record<string, unknown>, defaults: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(defaults[k])));
    return this.sheets.map((s) => {
      const cells: Record<string, { v: CellValue; f?: string }> = {};
      const keys: [number, number][] = [];
      for (const [r, row] of s.cells) for (const c of row.keys()) keys.push([r, c]);
      keys.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (const [r, c] of keys) {
        const cell = s.get(r, c)!;
        cells[rectA1({ row: r, col: c, rows: 1, cols: 1 })] = cell.f ? { v: cell.v, f: cell.f } : { v: cell.v };
      }
      const formats = Object.fromEntries([...s.formats].sort(byCell).map(([k, v]) => [cellKey(k), v]));
      const styles = Object.fromEntries(
        [...s.styles].sort(byCell).map(([k, v]) => [cellKey(k), noDefaults({ ...v }, STYLE_DEFAULTS)] as const).filter(([, v]) => Object.keys(v).length > 0),
      );
      const widths = Object.fromEntries([...s.colWidths].filter(([, w]) => w !== DEFAULT_COLUMN_WIDTH).sort((a, b) => a[0] - b[0]).map(([c, w]) => [colName(c), w]));
      // One entry per cell range and rule, however the rules were split or merged into areas.
      const validations = s.validations
        .flatMap((v) => {
          const rest = noDefaults({ errorAlert: v.errorAlert, prompt: v.prompt, ignoreBlanks: v.ignoreBlanks }, VALIDATION_DEFAULTS);
          const cells: string[] = [];
          eachCell(v.rect, (row, col) => cells.push(rectA1({ row, col, rows: 1, cols: 1 })));
          return cells.map((at) => JSON.stringify({ at, rule: v.rule, ...rest }));
        })
        .sort();
      const cfs = cfOrder(s).map((id) => {
        const areas = s.cfs.filter((c) => c.id === id);
        const { id: _id, rect: _rect, ...rest } = areas[0];
        return { ranges: areas.map((a) => rectA1(a.rect)).sort(), ...noDefaults(rest, { stopIfTrue: false, detail: {} }) };
      });
      const charts = s.charts.map(({ id: _id, ...c }) => c);
      return { name: s.name, visibility: s.visibility, cells, formats, styles, widths, validations, cfs, freeze: { ...s.freeze }, charts };
    });
  }
  /** state() and the workbook's names, tables and active sheet. */
  fullState() {
    return {
      sheets: this.state(),
      names: [...this.names.values()].map((n) => `${n.name} ${n.formula}`).sort(),
      tables: this.tables.map((t) => `${t.sheet.name}!${rectA1(t.rect)} ${t.name}`).sort(),
      active: this.activeSheet?.name,
    };
  }
  /** A cell as a person sees it: the formula if it has one, else its value ("" when empty). */
  cell(sheet: string, address: string): CellValue {
    const s = this.sheet(sheet);
    if (!s) throw new Error(`no sheet ${sheet}`);
    const { rect } = parseA1(address);
    const c = s.get(rect.row, rect.col);
    return c ? (c.f ?? c.v) : "";
  }
  clone(): FakeWorkbook {
    const w = new FakeWorkbook({ platform: this.platform, apiSets: { ...this.apiSets }, maxRequestBytes: this.maxRequestBytes, maxResponseBytes: this.maxResponseBytes, evaluate: this.evaluate, cost: this.cost, date1904: this.date1904, version: this.version });
    const map = new Map<SheetModel, SheetModel>();
    for (const s of this.sheets) {
      const t = new SheetModel(s.id, s.name);
      for (const [r, row] of s.cells) t.cells.set(r, new Map([...row].map(([c, v]) => [c, { ...v }])));
      t.formats = new Map(s.formats);
      t.styles = new Map([...s.styles].map(([k, v]) => [k, { ...v }]));
      t.colWidths = new Map(s.colWidths);
      t.validations = s.validations.map((v) => ({ ...v, rect: { ...v.rect } }));
      t.cfs = s.cfs.map((v) => ({ ...v, rect: { ...v.rect } }));
      t.freeze = { ...s.freeze };
      t.page = { ...s.page, zoom: { ...s.page.zoom }, rowBreaks: [...s.page.rowBreaks] };
      t.charts = s.charts.map((c) => ({ ...c, series: c.series.map((x) => ({ ...x })) }));
      t.visibility = s.visibility;
      w.sheets.push(t);
      map.set(s, t);
    }
    w.tables = this.tables.map((t) => ({ ...t, rect: { ...t.rect }, sheet: map.get(t.sheet)! }));
    w.names = new Map([...this.names].map(([k, v]) => [k, { ...v }]));
    w.nextId = this.nextId;
    w.activeSheet = this.activeSheet ? map.get(this.activeSheet) : undefined;
    w.selection = this.selection ? { ...this.selection } : undefined;
    return w;
  }
}

// ---------------------------------------------------------------- the request context

interface Op {
  desc: unknown;
  apply: () => void;
  /** APIs Excel cannot put in a merged undo group: "all" platforms, or "desktop" only (default: undoTable.ts by `api`). */
  undo?: "all" | "desktop";
  /** The Excel member the op uses ("Range.formulas"), for errors' errorLocation and the undo table. */
  api?: string;
  /** A call that only reads (a worksheet function). */
  reads?: boolean;
}

/** The ExcelApi version a member needs (excelApiSets.json), or undefined if it is in no ExcelApi set. */
export function apiSetOf(member: string): string | undefined {
  return (API_SETS as Record<string, string>)[member];
}
/** Counts what a sync does, for its cost. */
const work = { cells: 0, formulaCells: 0, charts: 0, calcSuspended: false };

type Resolver<M> = () => M | null;

export class FakeRequestContext {
  readonly workbook: FakeWorkbookObject;
  private queue: Op[] = [];
  private hung = false;
  /** Loads that become readable once the sync that carried them completes. */
  private landing: (() => void)[] = [];
  /** Members used since the last sync (proxies, loads, sets, calls). */
  private used = new Set<string>();
  syncs = 0;
  constructor(readonly model: FakeWorkbook, readonly options: { mergeUndoGroup?: boolean; delayForCellEdit?: boolean } = {}) {
    this.workbook = new FakeWorkbookObject(this);
  }
  get application() { return this.workbook.application; }

  /** @internal */ enqueue(op: Op) { this.queue.push(op); if (op.api) this.used.add(op.api); }
  /** @internal */ land(fn: () => void) { this.landing.push(fn); }
  /** @internal a member used by the batch being queued. */ use(member: string) { this.used.add(member); }

  async sync(): Promise<void> {
    const wb = this.model;
    const ops = this.queue;
    const used = this.used;
    this.queue = [];
    this.landing = [];
    this.used = new Set();
    this.syncs++;
    const rec: SyncRecord = {
      index: wb.syncs.length + 1, requestBytes: 0, responseBytes: 0, ops: ops.length, merged: !!this.options.mergeUndoGroup, outcome: "ok",
      writes: ops.filter((o) => { const d = o.desc as Record<string, unknown>; return !o.reads && ("set" in d || "call" in d); }).length,
      sheets: [...new Set(ops.flatMap((o) => { const d = o.desc as Record<string, unknown>; if (o.reads || !("set" in d || "call" in d)) return []; return [...JSON.stringify(d).matchAll(/worksheets\.getItem\(\\"([^"\\]*)\\"\)/g)].map((m) => m[1]); }))],
      ms: 0, at: wb.clock.now, charts: 0, cells: 0, formulaCells: 0, calcSuspended: false, delayForCellEdit: !!this.options.delayForCellEdit, waitedForEdit: false,
    };
    rec.requestBytes = ops.reduce((n, o) => n + jsonBytes(o.desc), 0);
    wb.syncs.push(rec);
    await Promise.resolve();
    if (this.hung) { rec.outcome = "hung"; return wb.clock.hang(); }
    const fail = (e: unknown) => { rec.outcome = "failed"; rec.ms = wb.clock.now - rec.at; throw e; };
    // A person editing a cell: Excel refuses the batch, or (delayForCellEdit) runs it once they are done.
    if (wb.editing) {
      if (!this.options.delayForCellEdit) fail(err("InvalidOperationInCellEditMode", "Excel is in cell-editing mode. Please exit the edit mode by pressing ENTER or TAB or selecting another cell, and then try again."));
      rec.waitedForEdit = true;
      await wb.waitForEdit();
    }
    wb.onSync?.(rec.index);
    const fault = wb.faults.find((f) => f.at === rec.index);
    if (rec.requestBytes > wb.maxRequestBytes) fail(err("RequestPayloadSizeLimitExceeded", `The request payload size (${rec.requestBytes} bytes) has exceeded the limit.`));
    for (const m of used) {
      wb.apiUsed.add(m);
      const need = apiSetOf(m);
      if (need && !wb.isSetSupported("ExcelApi", need)) fail(err("ApiNotFound", `${m} needs ExcelApi ${need}; this Excel has ${wb.apiSets.ExcelApi ?? "none"}.`));
    }
    if (this.options.mergeUndoGroup) {
      const bad = ops.find((o) => {
        const u = o.undo ?? (o.api ? UNDO_UNSUPPORTED[o.api] : undefined);
        return u === "all" || (u === "desktop" && wb.platform === "desktop") || (u === "web" && wb.platform === "web");
      });
      if (bad) fail(err("UndoNotSupported", `${JSON.stringify(bad.desc)} cannot be part of a merged undo group.`));
    }
    const upto = !fault ? ops.length : fault.mode === "fail" || fault.mode === "hang" ? 0 : fault.mode === "partial" ? Math.floor(ops.length / 2) : ops.length;
    let response = 0;
    const before = responseCounter.bytes;
    Object.assign(work, { cells: 0, formulaCells: 0, charts: 0, calcSuspended: false });
    if (wb.calcPending) { wb.recalc(); wb.calcPending = false; }
    let failure: unknown;
    for (let i = 0; i < upto; i++) {
      try {
        const cellsBefore = work.cells;
        ops[i].apply();
        // Calculation follows each write, unless the batch suspended it (then it waits for the next sync).
        if (work.cells > cellsBefore && wb.evaluate) { if (work.calcSuspended) wb.calcPending = true; else wb.recalc(); }
      } catch (e) {
        if (e instanceof FakeOfficeError && ops[i].api && !e.debugInfo.errorLocation) e.debugInfo.errorLocation = ops[i].api;
        failure = e;
        break;
      }
    }
    response = responseCounter.bytes - before;
    Object.assign(rec, { charts: work.charts, cells: work.cells, formulaCells: work.formulaCells, calcSuspended: work.calcSuspended });
    rec.responseBytes = response;
    const c = wb.cost;
    const cost = c.roundTripMs + (work.cells * c.perCellUs) / 1000 + ((rec.requestBytes + response) / 1024) * c.perKBms + work.charts * c.perChartMs + (work.calcSuspended ? 0 : (work.formulaCells * c.recalcPerFormulaUs) / 1000);
    if (fault?.mode === "slow") await wb.clock.sleep(fault.ms ?? 300_000);
    if (cost > 0) await wb.clock.sleep(cost);
    rec.ms = wb.clock.now - rec.at;
    if (failure) fail(failure);
    if (fault && fault.mode !== "slow") {
      if (fault.mode === "hang" || fault.mode === "hang-after") { this.hung = true; rec.outcome = "hung"; return wb.clock.hang(); }
      fail(err("GeneralException", `Injected failure at sync ${rec.index} (${fault.mode}).`));
    }
    if (response > wb.maxResponseBytes) fail(err("ResponsePayloadSizeLimitExceeded", `The response payload size (${response} bytes) has exceeded the limit.`));
    const landing = this.landing;
    this.landing = [];
    for (const l of landing) l();
  }
}

/** Counts the bytes loads put in the response (module-level: one sync runs at a time). */
const responseCounter = { bytes: 0 };

// ---------------------------------------------------------------- client objects

abstract class ClientObject<M> {
  protected loaded = new Map<string, unknown>();
  private nullState: boolean | undefined;
  /** The Office.js class this stands for ("Range"): members are "Range.values" in excelApiSets.json. */
  protected cls(): string { return ""; }
  /** @internal records the use of a member of this object's class. */
  protected uses(member: string): void { if (this.cls()) this.context.use(`${this.cls()}.${member}`); }
  constructor(readonly context: FakeRequestContext, protected path: string, protected resolve: Resolver<M>, protected orNull = false) {
    if (orNull) {
      context.enqueue({
        desc: { probe: path },
        apply: () => {
          const m = this.tryResolve();
          context.land(() => (this.nullState = m === null));
        },
      });
    }
  }
  get isNullObject(): boolean {
    if (!this.orNull) return false;
    if (this.nullState === undefined) throw err("PropertyNotLoaded", `isNullObject of ${this.path} is not available before context.sync().`);
    return this.nullState;
  }
  protected tryResolve(): M | null {
    try { return this.resolve(); } catch { return null; }
  }
  /** The model at sync time; a missing object fails the sync as Excel does. */
  protected model(): M {
    const m = this.resolve();
    if (m === null) throw err("ItemNotFound", `${this.path} does not exist.`);
    return m;
  }
  protected read<T>(prop: string): T {
    if (!this.loaded.has(prop)) throw err("PropertyNotLoaded", `The property '${prop}' of ${this.path} is not available. Call load() and context.sync() before reading it.`);
    if (this.orNull && this.nullState) throw err("InvalidObjectPath", `${this.path} is a null object.`);
    return this.loaded.get(prop) as T;
  }
  protected write(prop: string, value: unknown, apply: (m: M) => void, undo?: Op["undo"]) {
    this.context.enqueue({ desc: { set: this.path, prop, value }, apply: () => apply(this.model()), undo, api: this.cls() ? `${this.cls()}.${prop.split(".")[0]}` : undefined });
  }
  protected call(method: string, args: unknown[], apply: (m: M) => void, undo?: Op["undo"]) {
    this.context.enqueue({
      desc: { call: this.path, method, args },
      apply: () => {
        apply(this.model());
        this.context.model.calls.push({ path: this.path, method });
      },
      undo,
      api: this.cls() ? `${this.cls()}.${method}` : undefined,
    });
  }
  /** Names this object can load and how to read each from the model. */
  protected abstract props(): Record<string, (m: M) => unknown>;

  load(what?: string | string[]): this {
    const list = (what === undefined ? Object.keys(this.props()) : Array.isArray(what) ? what : what.split(","))
      .map((s) => s.trim())
      .filter(Boolean);
    const getters = this.props();
    for (const p of list) if (!(p in getters) && !p.startsWith("items/")) throw err("PropertyNotFound", `${this.path} has no property '${p}'.`);
    for (const p of list) if (!p.startsWith("items/")) this.uses(p);
    this.context.enqueue({
      desc: { load: this.path, props: list },
      api: this.cls() ? `${this.cls()}.load` : undefined,
      apply: () => {
        const m = this.orNull ? this.tryResolve() : this.model();
        if (m === null) return;
        const got = list.map((p) => [p, getters[p](m)] as const);
        responseCounter.bytes += jsonBytes(Object.fromEntries(got));
        this.context.land(() => { for (const [p, v] of got) this.loaded.set(p, v); });
      },
    });
    return this;
  }
}

const clone2d = <T>(m: T[][]) => (m === null ? (null as unknown as T[][]) : m.map((r) => [...r]));

class FakeApplication {
  constructor(private ctx: FakeRequestContext) {}
  suspendApiCalculationUntilNextSync() {
    this.ctx.enqueue({ desc: { call: "application", method: "suspendApiCalculationUntilNextSync" }, api: "Application.suspendApiCalculationUntilNextSync", apply: () => { work.calcSuspended = true; } });
  }
}

export class FakeWorkbookObject extends ClientObject<FakeWorkbook> {
  protected cls() { return "Workbook"; }
  readonly worksheets: FakeWorksheetCollection;
  readonly names: FakeNamedItemCollection;
  readonly tables: FakeTableCollection;
  readonly application: FakeApplication;
  constructor(ctx: FakeRequestContext) {
    super(ctx, "workbook", () => ctx.model);
    this.worksheets = new FakeWorksheetCollection(ctx);
    this.names = new FakeNamedItemCollection(ctx);
    this.tables = new FakeTableCollection(ctx, "workbook.tables", () => ctx.model.tables);
    this.application = new FakeApplication(ctx);
  }
  protected props() { return {}; }
  /** The selected range (the fake's selection, else A1 of the active sheet). */
  getSelectedRange(): FakeRange {
    this.uses("getSelectedRange");
    const ctx = this.context;
    return new FakeRange(ctx, "workbook.getSelectedRange()", () => {
      const wb = ctx.model;
      const sheet = wb.selection ? wb.sheet(wb.selection.sheet) : wb.activeSheet;
      if (!sheet) return null;
      return { sheet, rect: wb.selection ? parseA1(wb.selection.address).rect : { row: 0, col: 0, rows: 1, cols: 1 } };
    });
  }
  /** Worksheet functions; only DATE, which tells the date system (1904: DATE(1904,1,1) is 0). */
  get functions() {
    this.uses("functions");
    const ctx = this.context;
    return {
      date: (y: number, m: number, d: number) => {
        ctx.use("Functions.date");
        const result: { value?: number } = {};
        let v: number | undefined;
        ctx.enqueue({ desc: { call: "functions", method: "date", args: [y, m, d] }, api: "Functions.date", reads: true, apply: () => {
          const serial = Math.round((Date.UTC(y, m - 1, d) - Date.UTC(1899, 11, 30)) / 86400000);
          v = ctx.model.date1904 ? serial - 1462 : serial;
          ctx.land(() => (result.value = v));
        } });
        return result;
      },
    };
  }
}

// ---- worksheets

export class FakeWorksheetCollection extends ClientObject<FakeWorkbook> {
  protected cls() { return "WorksheetCollection"; }
  constructor(ctx: FakeRequestContext) {
    super(ctx, "worksheets", () => ctx.model);
  }
  protected props() { return {}; }
  get items(): FakeWorksheet[] { return this.read<FakeWorksheet[]>("items"); }
  load(what?: string | string[]): this {
    const list = (Array.isArray(what) ? what : (what ?? "items/name").split(",")).map((s) => s.trim().replace(/^items\//, ""));
    const ctx = this.context;
    ctx.enqueue({
      desc: { load: this.path, props: list },
      apply: () => {
        const items = ctx.model.sheets.map((s) => {
          const ws = new FakeWorksheet(ctx, `worksheets[${s.id}]`, () => (ctx.model.sheets.includes(s) ? s : null));
          ws.preload(list.filter(Boolean), s);
          return ws;
        });
        responseCounter.bytes += jsonBytes(ctx.model.sheets.map((s) => s.name));
        ctx.land(() => this.loaded.set("items", items));
      },
    });
    return this;
  }
  /** By name or by id, as Excel's getItem(key). */
  getItem(name: string): FakeWorksheet {
    this.uses("getItem");
    return new FakeWorksheet(this.context, `worksheets.getItem(${JSON.stringify(name)})`, () => this.context.model.sheet(name) ?? this.context.model.sheets.find((s) => String(s.id) === name) ?? null);
  }
  getItemOrNullObject(name: string): FakeWorksheet {
    return new FakeWorksheet(this.context, `worksheets.getItemOrNullObject(${JSON.stringify(name)})`, () => this.context.model.sheet(name) ?? null, true);
  }
  getActiveWorksheet(): FakeWorksheet {
    return new FakeWorksheet(this.context, "worksheets.getActiveWorksheet()", () => this.context.model.activeSheet ?? null);
  }
  add(name?: string): FakeWorksheet {
    let made: SheetModel | null = null;
    this.context.enqueue({ desc: { call: "worksheets", method: "add", args: [name] }, apply: () => (made = this.context.model.insertSheet(name)) });
    return new FakeWorksheet(this.context, `worksheets.add(${JSON.stringify(name)})`, () => (made && this.context.model.sheets.includes(made) ? made : null));
  }
}

export class FakeWorksheet extends ClientObject<SheetModel> {
  protected cls() { return "Worksheet"; }
  protected props() {
    return {
      name: (s: SheetModel) => s.name,
      id: (s: SheetModel) => String(s.id),
      visibility: (s: SheetModel) => s.visibility,
      position: (s: SheetModel) => this.context.model.sheets.indexOf(s),
    };
  }
  /** @internal collection items arrive with their loaded properties. */
  preload(props: string[], s: SheetModel) {
    const g = this.props() as Record<string, (s: SheetModel) => unknown>;
    for (const p of props) if (g[p]) this.loaded.set(p, g[p](s));
  }
  get name(): string { return this.read("name"); }
  set name(v: string) { this.write("name", v, (s) => { const o = this.context.model.sheet(v); if (o && o !== s) throw err("ItemAlreadyExists", `A sheet named "${v}" already exists.`); s.name = v; }); }
  get visibility(): string { return this.read("visibility"); }
  set visibility(v: string) {
    this.write("visibility", v, (s) => {
      if (v !== "Visible" && v !== "Hidden" && v !== "VeryHidden") throw err("InvalidArgument", `Bad visibility ${v}.`);
      if (v !== "Visible" && this.context.model.sheets.filter((x) => x.visibility === "Visible" && x !== s).length === 0) throw err("InvalidOperation", "The last visible sheet cannot be hidden.");
      s.visibility = v;
    });
  }
  get position(): number { return this.read("position"); }
  get id(): string { return this.read("id"); }
  get freezePanes() { return new FakeFreezePanes(this.context, `${this.path}.freezePanes`, () => this.tryResolve()); }
  get pageLayout() { this.uses("pageLayout"); return new FakePageLayout(this.context, `${this.path}.pageLayout`, () => this.tryResolve()); }
  get horizontalPageBreaks() { this.uses("horizontalPageBreaks"); return new FakePageBreaks(this.context, `${this.path}.horizontalPageBreaks`, () => this.tryResolve()); }
  get tables() { return new FakeTableCollection(this.context, `${this.path}.tables`, () => { const s = this.tryResolve(); return s ? this.context.model.tables.filter((t) => t.sheet === s) : null; }, () => this.model()); }
  get charts() { return new FakeChartCollection(this.context, `${this.path}.charts`, () => this.tryResolve()); }
  get names() { return new FakeNamedItemCollection(this.context); }

  delete() { this.call("delete", [], (s) => this.context.model.deleteSheet(s)); }
  activate() { this.call("activate", [], (s) => { if (s.visibility !== "Visible") throw err("InvalidOperation", "A hidden sheet cannot be activated."); this.context.model.activeSheet = s; }); }

  getRange(address?: string): FakeRange {
    const rect = address === undefined ? { row: 0, col: 0, rows: MAX_ROWS, cols: MAX_COLS } : parseA1(address).rect;
    return new FakeRange(this.context, `${this.path}.getRange(${JSON.stringify(address ?? "")})`, () => { const s = this.tryResolve(); return s ? { sheet: s, rect } : null; });
  }
  getRangeByIndexes(row: number, col: number, rows: number, cols: number): FakeRange {
    this.uses("getRangeByIndexes");
    const rect = { row, col, rows, cols };
    return new FakeRange(this.context, `${this.path}.getRangeByIndexes(${row},${col},${rows},${cols})`, () => {
      if (row < 0 || col < 0 || rows < 1 || cols < 1 || row + rows > MAX_ROWS || col + cols > MAX_COLS) throw err("InvalidArgument", `Bad range indexes ${row},${col},${rows},${cols}.`);
      const s = this.tryResolve();
      return s ? { sheet: s, rect } : null;
    });
  }
  /** "A1:B2,D1:D5": several areas of this sheet (ExcelApi 1.9). */
  getRanges(address: string): FakeRangeAreas {
    return new FakeRangeAreas(this.context, `${this.path}.getRanges(${JSON.stringify(address)})`, () => {
      requireApi(this.context.model, "1.9", "Worksheet.getRanges");
      const s = this.tryResolve();
      return s ? { sheet: s, rects: address.split(",").map((a) => parseA1(a).rect) } : null;
    });
  }
  /** Fails (ItemNotFound) at sync when the sheet is empty. */
  getUsedRange(valuesOnly = false): FakeRange {
    this.uses("getUsedRange");
    return new FakeRange(this.context, `${this.path}.getUsedRange(${valuesOnly})`, () => {
      const s = this.tryResolve();
      if (!s) return null;
      const u = s.used(valuesOnly);
      if (!u) throw err("ItemNotFound", `${s.name} has no used range.`);
      return { sheet: s, rect: u };
    });
  }
  getUsedRangeOrNullObject(valuesOnly = false): FakeRange {
    this.uses("getUsedRangeOrNullObject");
    return new FakeRange(this.context, `${this.path}.getUsedRangeOrNullObject(${valuesOnly})`, () => {
      const s = this.tryResolve();
      const u = s?.used(valuesOnly);
      return s && u ? { sheet: s, rect: u } : null;
    }, true);
  }
}

/** A sheet's page setup as Excel takes it: zoom set whole (a JSON object), addresses checked at sync. */
class FakePageLayout extends ClientObject<SheetModel> {
  protected cls() { return "PageLayout"; }
  protected props() { return { orientation: (s: SheetModel) => s.page.orientation, zoom: (s: SheetModel) => ({ ...s.page.zoom }) }; }
  get orientation(): string { return this.read("orientation"); }
  set orientation(v: string) {
    this.write("orientation", v, (s) => { if (v !== "Portrait" && v !== "Landscape") throw err("InvalidArgument", `Bad orientation ${v}.`); s.page.orientation = v; });
  }
  get zoom(): PageModel["zoom"] { return this.read("zoom"); }
  set zoom(v: PageModel["zoom"]) {
    const z = { ...v };
    this.write("zoom", z, (s) => {
      const fit = z.horizontalFitToPages !== undefined || z.verticalFitToPages !== undefined;
      if (fit && z.scale !== undefined) throw err("InvalidArgument", "A page zoom is a scale or pages to fit, not both.");
      if (z.scale !== undefined && !(z.scale >= 10 && z.scale <= 400)) throw err("InvalidArgument", `Bad scale ${z.scale}.`);
      s.page.zoom = z;
    });
  }
  private rectOf(r: FakeRange | string): () => Rect { return typeof r === "string" ? () => parseA1(r).rect : () => r.rectNow(); }
  setPrintArea(r: FakeRange | string) {
    const rect = this.rectOf(r);
    this.call("setPrintArea", [typeof r === "string" ? r : r.describe()], (s) => { s.page.printArea = rect(); });
  }
  setPrintTitleRows(r: FakeRange | string) {
    const rect = this.rectOf(r);
    this.call("setPrintTitleRows", [typeof r === "string" ? r : r.describe()], (s) => {
      const x = rect();
      if (x.cols !== MAX_COLS) throw err("InvalidArgument", "Print title rows must be whole rows.");
      s.page.titleRows = x;
    });
  }
}

class FakePageBreaks extends ClientObject<SheetModel> {
  protected cls() { return "PageBreakCollection"; }
  protected props() { return {}; }
  add(r: FakeRange | string) {
    const rect = typeof r === "string" ? () => parseA1(r).rect : () => r.rectNow();
    this.call("add", [typeof r === "string" ? r : r.describe()], (s) => { const row = rect().row; if (!s.page.rowBreaks.includes(row)) s.page.rowBreaks.push(row); });
  }
  removePageBreaks() { this.call("removePageBreaks", [], (s) => (s.page.rowBreaks = [])); }
}

class FakeFreezePanes extends ClientObject<SheetModel> {
  protected cls() { return "WorksheetFreezePanes"; }
  protected props() { return {}; }
  /** On Windows and Mac freezing an inactive sheet makes it the API's active sheet (office-js#3148). */
  private activates(s: SheetModel) { if (this.context.model.platform === "desktop" && s.visibility === "Visible") this.context.model.activeSheet = s; }
  freezeRows(n = 1) { this.call("freezeRows", [n], (s) => { s.freeze = { rows: n, cols: 0 }; this.activates(s); }); }
  freezeColumns(n = 1) { this.call("freezeColumns", [n], (s) => { s.freeze = { rows: 0, cols: n }; this.activates(s); }); }
  freezeAt(range: FakeRange | string) {
    const target = typeof range === "string" ? () => parseA1(range).rect : () => range.rectNow();
    this.call("freezeAt", [typeof range === "string" ? range : range.describe()], (s) => {
      const r = target();
      if (r.row !== 0 || r.col !== 0) throw err("InvalidArgument", "freezeAt needs a range starting at A1.");
      s.freeze = { rows: r.rows, cols: r.cols };
      this.activates(s);
    });
  }
  unfreeze() { this.call("unfreeze", [], (s) => (s.freeze = { rows: 0, cols: 0 })); }
  /** The frozen top-left pane: whole rows, whole columns, or a block from A1; a null object when nothing is frozen. */
  getLocationOrNullObject(): FakeRange {
    return new FakeRange(this.context, `${this.path}.getLocationOrNullObject()`, () => {
      const s = this.tryResolve();
      if (!s || (s.freeze.rows === 0 && s.freeze.cols === 0)) return null;
      const { rows, cols } = s.freeze;
      return { sheet: s, rect: { row: 0, col: 0, rows: rows > 0 ? rows : MAX_ROWS, cols: cols > 0 ? cols : MAX_COLS } };
    }, true);
  }
}

// ---- ranges

interface RangeModel { sheet: SheetModel; rect: Rect }

export class FakeRange extends ClientObject<RangeModel> {
  protected cls() { return "Range"; }
  protected props() {
    const cells = (r: RangeModel, pick: (c: CellModel | undefined, row: number, col: number) => unknown) => {
      const out: unknown[][] = [];
      for (let i = 0; i < r.rect.rows; i++) {
        const row: unknown[] = [];
        for (let j = 0; j < r.rect.cols; j++) row.push(pick(r.sheet.get(r.rect.row + i, r.rect.col + j), r.rect.row + i, r.rect.col + j));
        out.push(row);
      }
      return out;
    };
    return {
      address: (r: RangeModel) => rectA1(r.rect, r.sheet.name),
      rowIndex: (r: RangeModel) => r.rect.row,
      columnIndex: (r: RangeModel) => r.rect.col,
      rowCount: (r: RangeModel) => r.rect.rows,
      columnCount: (r: RangeModel) => r.rect.cols,
      cellCount: (r: RangeModel) => r.rect.rows * r.rect.cols,
      // Over 5,000,000 cells Excel answers null rather than the matrix (issue #10: "a read over 5M cells can
      // return null values rather than throw").
      values: (r: RangeModel) => (tooBig(r.rect, this.context.model) ? null : cells(r, (c) => (c ? c.v : ""))),
      // As Office.js does, a text cell's leading apostrophe is not returned.
      formulas: (r: RangeModel) => (tooBig(r.rect, this.context.model) ? null : cells(r, (c) => (c ? (c.f ?? c.v) : ""))),
      formulasR1C1: (r: RangeModel) => (tooBig(r.rect) ? null : cells(r, (c, row, col) => (c ? (c.f ? a1ToR1C1Fake(c.f, row, col) : c.v) : ""))),
      numberFormat: (r: RangeModel) => (tooBig(r.rect) ? null : cells(r, (_c, row, col) => r.sheet.format(row, col))),
      text: (r: RangeModel) => (tooBig(r.rect) ? null : cells(r, (c) => (c ? String(c.v) : ""))),
      valueTypes: (r: RangeModel) => (tooBig(r.rect) ? null : cells(r, (c) => (!c ? "Empty" : c.error ? "Error" : typeof c.v === "number" ? "Double" : typeof c.v === "boolean" ? "Boolean" : "String"))),
      hasSpill: () => false,
    };
  }
  /** @internal */ describe() { return this.path; }
  /** @internal items of a loaded collection arrive with their properties. */
  preload(list: string[], m: RangeModel) {
    const g = this.props() as Record<string, (r: RangeModel) => unknown>;
    for (const p of list) {
      if (!g[p]) throw err("PropertyNotFound", `A range has no property '${p}'.`);
      this.loaded.set(p, g[p](m));
    }
  }
  /** @internal the range's rectangle at sync time. */
  rectNow(): Rect { return this.model().rect; }
  /** @internal */ modelNow(): RangeModel { return this.model(); }

  get address(): string { return this.read("address"); }
  get rowIndex(): number { return this.read("rowIndex"); }
  get columnIndex(): number { return this.read("columnIndex"); }
  get rowCount(): number { return this.read("rowCount"); }
  get columnCount(): number { return this.read("columnCount"); }
  get values(): CellValue[][] { return clone2d(this.read("values")); }
  set values(v: unknown[][]) { this.writeCells("values", v); }
  get formulas(): CellValue[][] { return clone2d(this.read("formulas")); }
  set formulas(v: unknown[][]) { this.writeCells("formulas", v); }
  get formulasR1C1(): CellValue[][] { return clone2d(this.read("formulasR1C1")); }
  /** R1C1 text (a single value applies to every cell, each reading it relative to itself). */
  set formulasR1C1(v: unknown[][]) { this.writeCells("formulasR1C1", v); }
  get valueTypes(): string[][] { return clone2d(this.read("valueTypes")); }
  get numberFormat(): string[][] { return clone2d(this.read("numberFormat")); }
  set numberFormat(v: unknown[][] | string) {
    this.write("numberFormat", v, (r) => {
      const m = matrixFor(r.rect, v, true);
      eachCell(r.rect, (row, col, i, j) => {
        const f = m(i, j);
        if (f === null || f === undefined) return;
        if (typeof f !== "string") throw err("InvalidArgument", "A number format must be text.");
        if (f === "General") r.sheet.formats.delete(`${row},${col}`);
        else r.sheet.formats.set(`${row},${col}`, f);
      });
    });
  }
  get format() { return new FakeRangeFormat(this.context, `${this.path}.format`, () => this.tryResolve()); }
  get dataValidation() { return new FakeDataValidation(this.context, `${this.path}.dataValidation`, () => this.tryResolve()); }
  get conditionalFormats() { return new FakeConditionalFormatCollection(this.context, `${this.path}.conditionalFormats`, () => this.tryResolve()); }
  get worksheet() { return new FakeWorksheet(this.context, `${this.path}.worksheet`, () => this.tryResolve()?.sheet ?? null); }

  /**
   * values / formulas / formulasR1C1: a matrix of the range's size, or one value for every cell (Microsoft's
   * "update all cells in a range"; a formula given once in R1C1 is relative to each cell).
   */
  private writeCells(prop: string, v: unknown) {
    this.write(prop, v, (r) => {
      const scalar = !Array.isArray(v);
      if (!scalar && ((v as unknown[][]).length !== r.rect.rows || (v as unknown[][]).some((row) => !Array.isArray(row) || row.length !== r.rect.cols))) {
        throw err("InvalidArgument", `The number of rows or columns in the input array doesn't match the size or dimensions of the range (${rectA1(r.rect)}).`);
      }
      guardSize(r.rect);
      const wb = this.context.model;
      eachCell(r.rect, (row, col, i, j) => {
        let x = scalar ? v : (v as unknown[][])[i][j];
        if (prop === "formulasR1C1" && typeof x === "string" && x.startsWith("=")) {
          const a1 = r1c1ToA1Fake(x, row, col);
          if (a1 === null) throw err("InvalidArgument", "The R1C1 formula is not valid here.");
          x = a1;
        }
        const c = coerceInput(x, r.sheet.format(row, col) === "@");
        if (c === null) return;
        work.cells++;
        if (c === "clear") return r.sheet.set(row, col, null);
        if (c.f) { c.v = wb.valueOf(r.sheet.name, row, col, c.f); work.formulaCells++; }
        r.sheet.set(row, col, c);
      });
    });
  }
  /** The overlap of two ranges; fails the sync (ItemNotFound) when there is none, as Excel does. */
  getIntersection(other: FakeRange | string): FakeRange {
    this.uses("getIntersection");
    return new FakeRange(this.context, `${this.path}.getIntersection(${typeof other === "string" ? other : other.describe()})`, () => {
      const a = this.model();
      const b = typeof other === "string" ? { sheet: a.sheet, rect: parseA1(other).rect } : other.modelNow();
      const row = Math.max(a.rect.row, b.rect.row), col = Math.max(a.rect.col, b.rect.col);
      const rows = Math.min(a.rect.row + a.rect.rows, b.rect.row + b.rect.rows) - row, cols = Math.min(a.rect.col + a.rect.cols, b.rect.col + b.rect.cols) - col;
      if (a.sheet !== b.sheet || rows <= 0 || cols <= 0) {
        const e = err("ItemNotFound", "The requested resource doesn't exist.");
        e.debugInfo.errorLocation = "Range.getIntersection";
        throw e;
      }
      return { sheet: a.sheet, rect: { row, col, rows, cols } };
    });
  }
  /** The used part of this range (a null object when nothing in it is used), as Range.getUsedRangeOrNullObject. */
  getUsedRangeOrNullObject(valuesOnly = false): FakeRange {
    this.uses("getUsedRangeOrNullObject");
    return new FakeRange(this.context, `${this.path}.getUsedRangeOrNullObject(${valuesOnly})`, () => {
      const m = this.tryResolve();
      const u = m ? m.sheet.used(valuesOnly, m.rect) : null;
      return m && u ? { sheet: m.sheet, rect: u } : null;
    }, true);
  }
  private part(what: string, pick: (r: Rect) => Rect): FakeRange {
    this.uses(what.replace(/\(.*$/, ""));
    return new FakeRange(this.context, `${this.path}.${what}`, () => { const m = this.tryResolve(); return m ? { sheet: m.sheet, rect: pick(m.rect) } : null; });
  }
  getLastRow() { return this.part("getLastRow()", (r) => ({ ...r, row: r.row + r.rows - 1, rows: 1 })); }
  getLastColumn() { return this.part("getLastColumn()", (r) => ({ ...r, col: r.col + r.cols - 1, cols: 1 })); }
  getRow(i: number) { return this.part(`getRow(${i})`, (r) => ({ ...r, row: r.row + i, rows: 1 })); }
  getColumn(i: number) { return this.part(`getColumn(${i})`, (r) => ({ ...r, col: r.col + i, cols: 1 })); }
  getCell(i: number, j: number) { return this.part(`getCell(${i},${j})`, (r) => ({ row: r.row + i, col: r.col + j, rows: 1, cols: 1 })); }
  clear(applyTo: string = "All") {
    this.call("clear", [applyTo], (r) => {
      const all = applyTo === "All";
      guardSize(r.rect);
      if (all || applyTo === "Contents") eachStored(r, (row, col) => r.sheet.set(row, col, null));
      if (all || applyTo === "Formats") {
        for (const k of [...r.sheet.formats.keys(), ...r.sheet.styles.keys()]) {
          const [row, col] = k.split(",").map(Number);
          if (intersects(r.rect, { row, col, rows: 1, cols: 1 })) { r.sheet.formats.delete(k); r.sheet.styles.delete(k); }
        }
      }
    });
  }
  select() { this.call("select", [], (r) => { if (r.sheet !== this.context.model.activeSheet) throw err("InvalidSelection", "Select works on the active sheet."); this.context.model.selection = { sheet: r.sheet.name, address: rectA1(r.rect) }; }); }
  getTables(fullyContained = false): FakeTableCollection {
    return new FakeTableCollection(this.context, `${this.path}.getTables(${fullyContained})`, () => {
      requireApi(this.context.model, "1.9", "Range.getTables");
      const r = this.tryResolve();
      if (!r) return null;
      return this.context.model.tables.filter((t) => t.sheet === r.sheet && (fullyContained ? contains(r.rect, t.rect) : intersects(r.rect, t.rect)));
    });
  }
}

/** Reads over 5,000,000 cells answer null (Microsoft: "a range is limited to five million cells for get operations"). */
function tooBig(r: Rect, wb?: FakeWorkbook): boolean {
  return r.rows * r.cols > (wb?.maxReadCells ?? 5_000_000);
}

/**
 * R1C1 formula text as the A1 formula of the cell at 0-based (row, col): the fake's own reading (independent of
 * the add-in's converter, so that the tests compare two implementations). Null when a reference falls off the grid.
 */
export function r1c1ToA1Fake(f: string, row: number, col: number): string | null {
  let bad = false;
  const ax = (s: string | undefined, at: number) => (s === undefined || s === "" ? { abs: false, n: at } : s.startsWith("[") ? { abs: false, n: at + Number(s.slice(1, -1)) } : { abs: true, n: Number(s) });
  const colRange = /(?<![A-Za-z0-9_.\\])C(\[-?\d+\]|\d+)?:C(\[-?\d+\]|\d+)?(?![A-Za-z0-9_.(!\[])/g;
  const cellRef = /(?<![A-Za-z0-9_.\\$])R(\[-?\d+\]|\d+)?C(\[-?\d+\]|\d+)?(?![A-Za-z0-9_.(!\[])/g;
  // Strings and quoted sheet names are left as they are.
  const out = f
    .split(/("(?:[^"]|"")*"|'(?:[^']|'')*')/)
    .map((seg, i) =>
      i % 2 === 1
        ? seg
        : seg
            .replace(colRange, (_m, a, b) => {
              const x = ax(a, col + 1), y = ax(b, col + 1);
              if (x.n < 1 || y.n < 1 || x.n > MAX_COLS || y.n > MAX_COLS) bad = true;
              return `${x.abs ? "$" : ""}${colName(x.n - 1)}:${y.abs ? "$" : ""}${colName(y.n - 1)}`;
            })
            .replace(cellRef, (_m, a, b) => {
              const r = ax(a, row + 1), c = ax(b, col + 1);
              if (r.n < 1 || c.n < 1 || r.n > MAX_ROWS || c.n > MAX_COLS) bad = true;
              return `${c.abs ? "$" : ""}${colName(c.n - 1)}${r.abs ? "$" : ""}${r.n}`;
            }),
    )
    .join("");
  return bad ? null : out;
}
/** A1 formula of the cell at (row, col) as R1C1 (reading formulasR1C1): enough for the fake's own reads. */
function a1ToR1C1Fake(f: string, row: number, col: number): string {
  return f.replace(/(?<![A-Za-z0-9_.'"])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![A-Za-z0-9_.(!])/g, (_m, ca, cl, ra, rw) => {
    let c = 0;
    for (const ch of cl) c = c * 26 + ch.charCodeAt(0) - 64;
    const r = Number(rw);
    return `R${ra ? r : r - 1 === row ? "" : `[${r - 1 - row}]`}C${ca ? c : c - 1 === col ? "" : `[${c - 1 - col}]`}`;
  });
}

/** Excel builds the whole value matrix of a range; the fake refuses absurd sizes rather than exhaust memory. */
function guardSize(r: Rect) {
  if (r.rows * r.cols > 5_000_000) throw err("InvalidArgument", `The range ${rectA1(r)} is too large to read or write cell by cell.`);
}
function eachCell(r: Rect, fn: (row: number, col: number, i: number, j: number) => void) {
  for (let i = 0; i < r.rows; i++) for (let j = 0; j < r.cols; j++) fn(r.row + i, r.col + j, i, j);
}
function eachStored(r: RangeModel, fn: (row: number, col: number) => void) {
  const hits: [number, number][] = [];
  for (const [row, cells] of r.sheet.cells) {
    if (row < r.rect.row || row >= r.rect.row + r.rect.rows) continue;
    for (const col of cells.keys()) if (col >= r.rect.col && col < r.rect.col + r.rect.cols) hits.push([row, col]);
  }
  for (const [row, col] of hits) fn(row, col);
}
/** A full matrix, or (for formats) one value for every cell as a scalar or 1x1 matrix. */
function matrixFor(r: Rect, v: unknown, broadcast: boolean): (i: number, j: number) => unknown {
  if (!Array.isArray(v)) {
    if (!broadcast) throw err("InvalidArgument", "Expected a two-dimensional array.");
    return () => v;
  }
  if (broadcast && v.length === 1 && Array.isArray(v[0]) && v[0].length === 1) return () => v[0][0];
  if (v.length !== r.rows || v.some((row) => !Array.isArray(row) || row.length !== r.cols)) {
    throw err("InvalidArgument", `The number of rows or columns in the input array doesn't match the size or dimensions of the range (${rectA1(r)}).`);
  }
  return (i, j) => v[i][j];
}

/** One value when every cell of the range has it, else null (as Excel reports a mixed range). */
function sameOver<T>(r: RangeModel, pick: (st: StyleModel) => T): T | null {
  guardSize(r.rect);
  const seen = new Set<string>();
  let one: T | null = null;
  eachCell(r.rect, (row, col) => {
    const v = pick(r.sheet.styles.get(`${row},${col}`) ?? {});
    seen.add(JSON.stringify(v));
    one = v;
  });
  return seen.size === 1 ? one : null;
}
class FakeRangeFormat extends ClientObject<RangeModel> {
  protected cls() { return "RangeFormat"; }
  /** columnWidth: the columns' width in points, null when they differ; wrapText null when mixed (as Excel). */
  protected props() {
    return {
      columnWidth: (r: RangeModel) => {
        const ws = new Set<number>();
        for (let c = r.rect.col; c < r.rect.col + r.rect.cols; c++) ws.add(r.sheet.colWidths.get(c) ?? DEFAULT_COLUMN_WIDTH);
        return ws.size === 1 ? [...ws][0] : null;
      },
      wrapText: (r: RangeModel) => sameOver(r, (st) => st.wrap ?? false),
    };
  }
  private parts: { font?: FakeStylePart; fill?: FakeStylePart } = {};
  get font() {
    return (this.parts.font ??= new FakeStylePart(this.context, `${this.path}.font`, this.resolve, { bold: "bold", italic: "italic", color: "fontColor" }, {
      bold: (r) => sameOver(r, (st) => st.bold ?? false),
      italic: (r) => sameOver(r, (st) => st.italic ?? false),
      color: (r) => sameOver(r, (st) => st.fontColor ?? "#000000"),
    }));
  }
  /** An unfilled cell reads as color #FFFFFF, pattern None (ExcelApi 1.9). */
  get fill() {
    return (this.parts.fill ??= new FakeStylePart(this.context, `${this.path}.fill`, this.resolve, { color: "fill" }, {
      color: (r) => sameOver(r, (st) => st.fill ?? "#FFFFFF"),
      pattern: (r) => {
        requireApi(this.context.model, "1.9", "RangeFill.pattern");
        return sameOver(r, (st) => (st.fill ? "Solid" : "None"));
      },
    }));
  }
  set wrapText(v: boolean) { this.write("wrapText", v, (r) => styleEach(r, { wrap: v })); }
  set columnWidth(v: number) {
    this.write("columnWidth", v, (r) => {
      if (!(v >= 0 && v <= 255 * 7.5)) throw err("InvalidArgument", `Column width ${v} is out of range.`);
      for (let c = r.rect.col; c < r.rect.col + r.rect.cols; c++) r.sheet.colWidths.set(c, v);
    });
  }
  get wrapText(): boolean { return this.read("wrapText"); }
  get columnWidth(): number { return this.read("columnWidth"); }
}
function styleEach(r: RangeModel, patch: Partial<StyleModel>) {
  guardSize(r.rect);
  eachCell(r.rect, (row, col) => {
    const k = `${row},${col}`;
    r.sheet.styles.set(k, { ...r.sheet.styles.get(k), ...patch });
  });
}
const COLOUR = /^(#[0-9A-Fa-f]{6}|[a-z]+)$/;
class FakeStylePart extends ClientObject<RangeModel> {
  protected cls() { return this.path.endsWith(".fill") ? "RangeFill" : "RangeFont"; }
  constructor(ctx: FakeRequestContext, path: string, resolve: Resolver<RangeModel>, map: Record<string, keyof StyleModel>, private getters: Record<string, (r: RangeModel) => unknown>) {
    super(ctx, path, resolve);
    for (const [prop, key] of Object.entries(map)) {
      Object.defineProperty(this, prop, {
        get: () => this.read(prop),
        set: (v: unknown) =>
          this.write(prop, v, (r) => {
            if (key === "fill" || key === "fontColor") { if (typeof v !== "string" || !COLOUR.test(v)) throw err("InvalidArgument", `"${String(v)}" is not a colour.`); }
            else if (typeof v !== "boolean") throw err("InvalidArgument", `${prop} must be true or false.`);
            styleEach(r, { [key]: v });
          }),
      });
    }
    if ("pattern" in getters) Object.defineProperty(this, "pattern", { get: () => this.read("pattern") });
  }
  protected props() { return this.getters; }
  clear() { this.call("clear", [], (r) => styleEach(r, { fill: undefined })); }
}

// ---- data validation and conditional formats

const RULE_KINDS = ["list", "wholeNumber", "decimal", "date", "time", "textLength", "custom"];
class FakeDataValidation extends ClientObject<RangeModel> {
  protected cls() { return "DataValidation"; }
  /** As Excel reports a range's validation: one rule over every cell, none, or Inconsistent/MixedCriteria. */
  protected props() {
    const look = (r: RangeModel) => {
      guardSize(r.rect);
      const seen = new Set<string>();
      let covered = 0;
      let first: ValidationModel | undefined;
      eachCell(r.rect, (row, col) => {
        const v = r.sheet.validations.find((x) => intersects(x.rect, { row, col, rows: 1, cols: 1 }));
        if (!v) return;
        covered++;
        first ??= v;
        seen.add(JSON.stringify([v.rule, v.errorAlert ?? null, v.prompt ?? null, v.ignoreBlanks ?? null]));
      });
      const type = covered === 0 ? "None" : covered < r.rect.rows * r.rect.cols ? "MixedCriteria" : seen.size > 1 ? "Inconsistent" : RULE_TYPES[Object.keys(first!.rule)[0]];
      return { type, v: type === "None" || type === "MixedCriteria" || type === "Inconsistent" ? undefined : first };
    };
    const copy = (x: unknown) => JSON.parse(JSON.stringify(x));
    return {
      type: (r: RangeModel) => look(r).type,
      rule: (r: RangeModel) => copy(look(r).v?.rule ?? {}),
      errorAlert: (r: RangeModel) => copy(look(r).v?.errorAlert ?? VALIDATION_DEFAULTS.errorAlert),
      prompt: (r: RangeModel) => copy(look(r).v?.prompt ?? VALIDATION_DEFAULTS.prompt),
      ignoreBlanks: (r: RangeModel) => look(r).v?.ignoreBlanks ?? true,
      valid: () => true,
    };
  }
  clear() {
    this.call("clear", [], (r) => {
      r.sheet.validations = r.sheet.validations.flatMap((v) => subtract(v.rect, r.rect).map((rect) => ({ ...v, rect })));
    });
  }
  set rule(rule: any) {
    this.write("rule", rule, (r) => {
      const kinds = Object.keys(rule ?? {}).filter((k) => rule[k] !== undefined);
      if (kinds.length !== 1 || !RULE_KINDS.includes(kinds[0])) throw err("InvalidArgument", "A data validation rule needs exactly one kind.");
      const k = kinds[0];
      const body = rule[k];
      if (k === "list") {
        if (typeof body.source !== "string" || body.source === "") throw err("InvalidArgument", "A list rule needs a source.");
        if (!body.source.startsWith("=") && body.source.length > 255) throw err("InvalidArgument", "A list of choices is limited to 255 characters.");
      } else if (k !== "custom") {
        if (typeof body.operator !== "string" || body.formula1 === undefined) throw err("InvalidArgument", `A ${k} rule needs an operator and formula1.`);
        if (/^(Between|NotBetween)$/.test(body.operator) && body.formula2 === undefined) throw err("InvalidArgument", "Between needs formula2.");
      }
      if (r.sheet.validations.some((v) => intersects(v.rect, r.rect))) throw err("InvalidOperation", "Cells already have a data validation rule: clear it first.");
      r.sheet.validations.push({ rect: { ...r.rect }, rule: JSON.parse(JSON.stringify(rule)) });
    });
  }
  set errorAlert(alert: any) {
    this.write("errorAlert", alert, (r) => {
      if (typeof alert?.message === "string" && alert.message.length > 225) throw err("InvalidArgument", "An error message is limited to 225 characters.");
      if (typeof alert?.title === "string" && alert.title.length > 32) throw err("InvalidArgument", "An error title is limited to 32 characters.");
      for (const v of this.ruled(r)) v.errorAlert = { ...alert };
    });
  }
  set ignoreBlanks(b: boolean) { this.write("ignoreBlanks", b, (r) => { for (const v of this.ruled(r)) v.ignoreBlanks = b; }); }
  set prompt(p: any) { this.write("prompt", p, (r) => { for (const v of this.ruled(r)) v.prompt = { ...p }; }); }
  get rule(): any { return this.read("rule"); }
  get type(): string { return this.read("type"); }
  get errorAlert(): any { return this.read("errorAlert"); }
  get prompt(): any { return this.read("prompt"); }
  get ignoreBlanks(): boolean { return this.read("ignoreBlanks"); }
  /** The rules an alert, prompt or ignoreBlanks set on this range applies to. */
  private ruled(r: RangeModel): ValidationModel[] {
    const hit = r.sheet.validations.filter((v) => contains(r.rect, v.rect) || contains(v.rect, r.rect));
    if (hit.length === 0) throw err("InvalidOperation", "No data validation rule to attach this to.");
    return hit;
  }
}
const RULE_TYPES: Record<string, string> = { list: "List", wholeNumber: "WholeNumber", decimal: "Decimal", date: "Date", time: "Time", textLength: "TextLength", custom: "Custom" };

/** Each conditional format type's property on ConditionalFormat (custom, cellValue, ...). */
const CF_KEY: Record<string, string> = {
  Custom: "custom", CellValue: "cellValue", ColorScale: "colorScale", DataBar: "dataBar", IconSet: "iconSet", TopBottom: "topBottom", PresetCriteria: "preset", ContainsText: "textComparison",
};
/** Custom-rule paths the model keeps as fields (everything else goes to CfModel.detail). */
const CUSTOM_FIELDS: Record<string, "formula" | "fill" | "font" | "bold" | "italic"> = {
  "custom/rule/formula": "formula", "custom/format/fill/color": "fill", "custom/format/font/color": "font", "custom/format/font/bold": "bold", "custom/format/font/italic": "italic",
};
/** Paths whose value is an object of its own (a rule or criteria), not a further navigation. */
const CF_OBJECT_LEAVES = new Set(["cellValue/rule", "textComparison/rule", "topBottom/rule", "preset/rule", "colorScale/criteria", "iconSet/criteria", "dataBar/lowerBoundRule", "dataBar/upperBoundRule"]);

function cfAreas(sheet: SheetModel, id: number): CfModel[] {
  return sheet.cfs.filter((c) => c.id === id);
}
function cfGet(c: CfModel, path: string): unknown {
  const root = path.split("/")[0];
  if (CF_KEY[c.type] !== root) throw err("InvalidOperation", `A ${c.type} conditional format has no ${root}.`);
  const field = CUSTOM_FIELDS[path];
  const v = field ? c[field] : c.detail?.[path];
  return v === undefined ? null : JSON.parse(JSON.stringify(v));
}
function cfSet(areas: CfModel[], path: string, v: unknown): void {
  const field = CUSTOM_FIELDS[path];
  if (field === "formula" && (typeof v !== "string" || !v.startsWith("="))) throw err("InvalidArgument", "A rule formula starts with '='.");
  if (field === "formula") checkFormula(v as string);
  if ((field === "fill" || field === "font") && (typeof v !== "string" || !COLOUR.test(v))) throw err("InvalidArgument", "Bad colour.");
  for (const c of areas) {
    if (CF_KEY[c.type] !== path.split("/")[0]) throw err("InvalidOperation", `A ${c.type} conditional format has no ${path.split("/")[0]}.`);
    if (field) (c as unknown as Record<string, unknown>)[field] = v;
    else c.detail = { ...c.detail, [path]: JSON.parse(JSON.stringify(v)) };
  }
}
/** Moves a format to `priority` (0 = applied first) among the sheet's formats. */
function cfMove(sheet: SheetModel, id: number, priority: number): void {
  const order = cfOrder(sheet).filter((x) => x !== id);
  order.splice(Math.max(0, Math.min(order.length, Math.floor(priority))), 0, id);
  sheet.cfs = order.flatMap((x) => cfAreas(sheet, x));
}

class FakeConditionalFormatCollection extends ClientObject<RangeModel> {
  protected cls() { return "ConditionalFormatCollection"; }
  protected props() { return {}; }
  get items(): FakeConditionalFormat[] { return this.read("items"); }
  /** Formats with an area over this range, highest priority first; items/<prop> loads their properties. */
  load(what?: string | string[]): this {
    const list = (Array.isArray(what) ? what : (what ?? "items/id").split(",")).map((x) => x.trim().replace(/^items\//, "")).filter(Boolean);
    const ctx = this.context;
    ctx.enqueue({
      desc: { load: this.path, props: list },
      apply: () => {
        const r = this.model();
        const ids = cfOrder(r.sheet).filter((id) => cfAreas(r.sheet, id).some((c) => intersects(c.rect, r.rect)));
        const items = ids.map((id) => {
          const x = new FakeConditionalFormat(ctx, `conditionalFormats[${id}]`, () => cfAreas(r.sheet, id)[0] ?? null, () => r.sheet);
          x.preload(list);
          return x;
        });
        responseCounter.bytes += jsonBytes(items.map((x) => x.toJSON()));
        ctx.land(() => this.loaded.set("items", items));
      },
    });
    return this;
  }
  /** The format with this id (ConditionalFormatCollection.getItem, ExcelApi 1.6). */
  getItem(id: string): FakeConditionalFormat {
    this.uses("getItem");
    return new FakeConditionalFormat(this.context, `conditionalFormats[${id}]`, () => { const r = this.tryResolve(); return r ? cfAreas(r.sheet, Number(id))[0] ?? null : null; }, () => this.tryResolve()?.sheet ?? null);
  }
  add(type: string): FakeConditionalFormat {
    let made: CfModel | null = null;
    let sheet: SheetModel | null = null;
    this.context.enqueue({
      desc: { call: this.path, method: "add", args: [type] },
      apply: () => {
        const r = this.model();
        if (!CF_KEY[type]) throw err("InvalidArgument", `Unknown conditional format type ${type}.`);
        made = { id: this.context.model.id(), rect: { ...r.rect }, type };
        sheet = r.sheet;
        // As Excel does: a new format goes first (priority 0).
        r.sheet.cfs.unshift(made);
      },
    });
    return new FakeConditionalFormat(this.context, `${this.path}.add(${type})`, () => (made && sheet ? cfAreas(sheet, made.id)[0] ?? null : null), () => sheet);
  }
  clearAll() {
    // A format cut through keeps its id: it is one format over what is left of its areas.
    this.call("clearAll", [], (r) => {
      r.sheet.cfs = r.sheet.cfs.flatMap((c) => subtract(c.rect, r.rect).map((rect) => ({ ...c, rect })));
    });
  }
}
class FakeConditionalFormat extends ClientObject<CfModel> {
  protected cls() { return "ConditionalFormat"; }
  constructor(ctx: FakeRequestContext, path: string, resolve: Resolver<CfModel>, private sheetOf: () => SheetModel | null) {
    super(ctx, path, resolve);
  }
  protected props(): Record<string, (c: CfModel) => unknown> {
    return {
      id: (c) => String(c.id),
      type: (c) => c.type,
      priority: (c) => cfOrder(this.sheet()).indexOf(c.id),
      stopIfTrue: (c) => c.stopIfTrue ?? false,
    };
  }
  private sheet(): SheetModel {
    const s = this.sheetOf();
    if (!s) throw err("ItemNotFound", `${this.path} does not exist.`);
    return s;
  }
  private areas(): CfModel[] { return cfAreas(this.sheet(), this.model().id); }
  /** Plain properties, or a type's path such as "custom/rule/formula" or "cellValue/rule". */
  load(what?: string | string[]): this {
    const list = (what === undefined ? ["id", "type", "priority", "stopIfTrue"] : Array.isArray(what) ? what : what.split(",")).map((x) => x.trim()).filter(Boolean);
    const getters = this.props();
    for (const p of list) if (!(p in getters) && !(p.split("/")[0] in CF_KEY_BY_ROOT)) throw err("PropertyNotFound", `${this.path} has no property '${p}'.`);
    this.context.enqueue({
      desc: { load: this.path, props: list },
      apply: () => {
        const c = this.model();
        const got = list.map((p) => [p, p in getters ? getters[p](c) : cfGet(c, p)] as const);
        responseCounter.bytes += jsonBytes(Object.fromEntries(got));
        this.context.land(() => { for (const [p, v] of got) this.loaded.set(p, v); });
      },
    });
    return this;
  }
  /** @internal items of a loaded collection arrive with their properties. */
  preload(list: string[]) {
    const c = this.tryResolve();
    if (!c) return;
    const getters = this.props();
    for (const p of list) this.loaded.set(p, p in getters ? getters[p](c) : cfGet(c, p));
  }
  /** The loaded properties as nested plain objects, as Office.js's toJSON gives them. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [p, v] of this.loaded) {
      const parts = p.split("/");
      let at = out;
      for (const k of parts.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
      at[parts[parts.length - 1]] = v;
    }
    return out;
  }
  get id(): string { return this.read("id"); }
  get type(): string { return this.read("type"); }
  get priority(): number { return this.read("priority"); }
  set priority(v: number) { this.write("priority", v, (c) => cfMove(this.sheet(), c.id, v)); }
  get stopIfTrue(): boolean { return this.read("stopIfTrue"); }
  set stopIfTrue(v: boolean) { this.write("stopIfTrue", v, () => { for (const a of this.areas()) a.stopIfTrue = v; }); }
  /** Sets properties from a plain object shaped like toJSON's (ConditionalFormat.set). */
  set(props: Record<string, unknown>) {
    this.context.enqueue({
      desc: { call: this.path, method: "set", args: [props] },
      apply: () => {
        const c = this.model();
        const leaves: [string, unknown][] = [];
        const walk = (prefix: string, v: unknown) => {
          if (v !== null && typeof v === "object" && !Array.isArray(v) && !CF_OBJECT_LEAVES.has(prefix)) for (const [k, x] of Object.entries(v)) walk(`${prefix}/${k}`, x);
          else leaves.push([prefix, v]);
        };
        for (const [k, v] of Object.entries(props)) {
          if (k === "priority") continue;
          if (k === "stopIfTrue") { for (const a of this.areas()) a.stopIfTrue = v as boolean; continue; }
          if (!(k in CF_KEY_BY_ROOT)) throw err("InvalidArgument", `ConditionalFormat has no property '${k}' to set.`);
          walk(k, v);
        }
        for (const [p, v] of leaves) cfSet(this.areas(), p, v);
        if (typeof props.priority === "number") cfMove(this.sheet(), c.id, props.priority);
      },
    });
  }
  /** One area: that range; several (getRanges in Excel): a null object, as Excel's getRangeOrNullObject. */
  getRangeOrNullObject(): FakeRange {
    return new FakeRange(this.context, `${this.path}.getRangeOrNullObject()`, () => {
      const c = this.tryResolve();
      if (!c) return null;
      const areas = cfAreas(this.sheet(), c.id);
      return areas.length === 1 ? { sheet: this.sheet(), rect: areas[0].rect } : null;
    }, true);
  }
  /** Every area of the format (ExcelApi 1.9). */
  getRanges(): FakeRangeAreas {
    return new FakeRangeAreas(this.context, `${this.path}.getRanges()`, () => {
      requireApi(this.context.model, "1.9", "ConditionalFormat.getRanges");
      const c = this.tryResolve();
      return c ? { sheet: this.sheet(), rects: cfAreas(this.sheet(), c.id).map((a) => a.rect) } : null;
    });
  }
  get custom() {
    const self = this;
    const prop = (path: string) => ({
      get: () => self.read(path),
      set: (v: unknown) => self.context.enqueue({ desc: { set: `${self.path}.${path.replace(/\//g, ".")}`, value: v }, apply: () => cfSet(self.areas(), path, v) }),
      enumerable: true,
    });
    const obj = (paths: Record<string, string>) => {
      const o = {};
      for (const [k, path] of Object.entries(paths)) Object.defineProperty(o, k, prop(path));
      return o;
    };
    return {
      rule: obj({ formula: "custom/rule/formula" }) as { formula: string },
      format: {
        fill: obj({ color: "custom/format/fill/color" }) as { color: string },
        font: obj({ color: "custom/format/font/color", bold: "custom/format/font/bold", italic: "custom/format/font/italic" }) as { color: string; bold: boolean; italic: boolean },
      },
    };
  }
  delete() { this.call("delete", [], (c) => { const s = this.sheet(); s.cfs = s.cfs.filter((x) => x.id !== c.id); }); }
}
const CF_KEY_BY_ROOT: Record<string, string> = Object.fromEntries(Object.entries(CF_KEY).map(([t, k]) => [k, t]));

// ---- several areas (ExcelApi 1.9)

interface AreasModel { sheet: SheetModel; rects: Rect[] }
export class FakeRangeAreas extends ClientObject<AreasModel> {
  protected cls() { return "RangeAreas"; }
  protected props() { return { address: (m: AreasModel) => m.rects.map((r) => rectA1(r, m.sheet.name)).join(","), areaCount: (m: AreasModel) => m.rects.length }; }
  get address(): string { return this.read("address"); }
  get areas() { return new FakeRangeCollection(this.context, `${this.path}.areas`, () => this.tryResolve()); }
  get conditionalFormats() {
    const ctx = this.context;
    const path = `${this.path}.conditionalFormats`;
    return {
      /** One format over every area, first in priority. */
      add: (type: string): FakeConditionalFormat => {
        let id: number | null = null;
        let sheet: SheetModel | null = null;
        ctx.enqueue({
          desc: { call: path, method: "add", args: [type] },
          apply: () => {
            const m = this.model();
            if (!CF_KEY[type]) throw err("InvalidArgument", `Unknown conditional format type ${type}.`);
            id = ctx.model.id();
            sheet = m.sheet;
            m.sheet.cfs.unshift(...m.rects.map((rect) => ({ id: id!, rect: { ...rect }, type })));
          },
        });
        return new FakeConditionalFormat(ctx, `${path}.add(${type})`, () => (sheet && id !== null ? cfAreas(sheet, id)[0] ?? null : null), () => sheet);
      },
    };
  }
}
class FakeRangeCollection extends ClientObject<AreasModel> {
  protected cls() { return "RangeCollection"; }
  protected props() { return {}; }
  get items(): FakeRange[] { return this.read("items"); }
  load(what?: string | string[]): this {
    const list = (Array.isArray(what) ? what : (what ?? "items/address").split(",")).map((x) => x.trim().replace(/^items\//, "")).filter(Boolean);
    const ctx = this.context;
    ctx.enqueue({
      desc: { load: this.path, props: list },
      apply: () => {
        const m = this.model();
        const items = m.rects.map((rect, i) => {
          const x = new FakeRange(ctx, `${this.path}[${i}]`, () => ({ sheet: m.sheet, rect }));
          x.preload(list, { sheet: m.sheet, rect });
          return x;
        });
        responseCounter.bytes += jsonBytes(m.rects);
        ctx.land(() => this.loaded.set("items", items));
      },
    });
    return this;
  }
}

// ---- tables

export class FakeTableCollection extends ClientObject<TableModel[]> {
  protected cls() { return "TableCollection"; }
  constructor(ctx: FakeRequestContext, path: string, resolve: Resolver<TableModel[]>, private sheetOf?: () => SheetModel) {
    super(ctx, path, resolve);
  }
  protected props() { return {}; }
  get items(): FakeTable[] { return this.read("items"); }
  get count(): number { return this.read("count"); }
  load(what?: string | string[]): this {
    const list = (Array.isArray(what) ? what : (what ?? "items/name").split(",")).map((s) => s.trim().replace(/^items\//, "")).filter(Boolean);
    const ctx = this.context;
    ctx.enqueue({
      desc: { load: this.path, props: list },
      apply: () => {
        const ts = this.model();
        const items = ts.map((t) => {
          const x = new FakeTable(ctx, `tables[${t.id}]`, () => (ctx.model.tables.includes(t) ? t : null));
          x.preload(list.filter((p) => !p.includes("/")), t);
          // Navigation paths ("worksheet/name") arrive loaded too.
          if (list.includes("worksheet/name")) x.preloadSheet(t.sheet);
          return x;
        });
        responseCounter.bytes += jsonBytes(ts.map((t) => t.name));
        ctx.land(() => { this.loaded.set("items", items); this.loaded.set("count", items.length); });
      },
    });
    return this;
  }
  add(address: string | FakeRange, hasHeaders: boolean): FakeTable {
    let made: TableModel | null = null;
    const ctx = this.context;
    ctx.enqueue({
      desc: { call: this.path, method: "add", args: [typeof address === "string" ? address : address.describe(), hasHeaders] },
      apply: () => {
        let sheet: SheetModel;
        let rect: Rect;
        if (typeof address === "string") {
          const p = parseA1(address);
          const s = p.sheet !== undefined ? ctx.model.sheet(p.sheet) : this.sheetOf?.();
          if (!s) throw err("ItemNotFound", `No sheet for table address ${address}.`);
          sheet = s;
          rect = p.rect;
        } else {
          const m = address.modelNow();
          sheet = m.sheet;
          rect = m.rect;
        }
        if (ctx.model.tables.some((t) => t.sheet === sheet && intersects(t.rect, rect))) throw err("InvalidOperation", "A table cannot overlap another table.");
        let n = 1;
        while (ctx.model.tables.some((t) => t.name.toLowerCase() === `table${n}`)) n++;
        made = { id: ctx.model.id(), name: `Table${n}`, sheet, rect: { ...rect } };
        ctx.model.tables.push(made);
      },
    });
    return new FakeTable(ctx, `${this.path}.add(...)`, () => made);
  }
  getItem(name: string): FakeTable {
    this.uses("getItem");
    return new FakeTable(this.context, `${this.path}.getItem(${JSON.stringify(name)})`, () => this.context.model.tables.find((t) => t.name.toLowerCase() === name.toLowerCase()) ?? null);
  }
  getItemOrNullObject(name: string): FakeTable {
    return new FakeTable(this.context, `${this.path}.getItemOrNullObject(${JSON.stringify(name)})`, () => this.context.model.tables.find((t) => t.name.toLowerCase() === name.toLowerCase()) ?? null, true);
  }
}

export class FakeTable extends ClientObject<TableModel> {
  protected cls() { return "Table"; }
  protected props() { return { name: (t: TableModel) => t.name, id: (t: TableModel) => String(t.id) }; }
  /** @internal */
  preload(props: string[], t: TableModel) {
    const g = this.props() as Record<string, (t: TableModel) => unknown>;
    for (const p of props) if (g[p]) this.loaded.set(p, g[p](t));
  }
  get name(): string { return this.read("name"); }
  set name(v: string) {
    this.write("name", v, (t) => {
      if (!/^[A-Za-z_\\][A-Za-z0-9_.\\]*$/.test(v) || /^[A-Za-z]{1,3}\d+$/.test(v) || /^[RrCc]$/.test(v)) throw err("InvalidArgument", `"${v}" is not a valid table name.`);
      const l = v.toLowerCase();
      if (this.context.model.tables.some((o) => o !== t && o.name.toLowerCase() === l) || this.context.model.names.has(l)) throw err("ItemAlreadyExists", `The name "${v}" is already used.`);
      t.name = v;
    });
  }
  set style(_v: string) { this.write("style", _v, () => {}); }
  set showBandedRows(_v: boolean) { this.write("showBandedRows", _v, () => {}); }
  resize(address: string | FakeRange) {
    this.call("resize", [typeof address === "string" ? address : address.describe()], (t) => {
      requireApi(this.context.model, "1.13", "Table.resize");
      const rect = typeof address === "string" ? parseA1(address).rect : address.rectNow();
      if (rect.row !== t.rect.row) throw err("InvalidArgument", "A table's header row must stay where it is.");
      if (this.context.model.tables.some((o) => o !== t && o.sheet === t.sheet && intersects(o.rect, rect))) throw err("InvalidOperation", "A table cannot overlap another table.");
      t.rect = { ...rect };
    });
  }
  getRange() {
    return new FakeRange(this.context, `${this.path}.getRange()`, () => { const t = this.tryResolve(); return t ? { sheet: t.sheet, rect: t.rect } : null; });
  }
  private sheetProxy?: FakeWorksheet;
  /** @internal */ preloadSheet(s: SheetModel) { this.sheetProxy = new FakeWorksheet(this.context, `${this.path}.worksheet`, () => this.tryResolve()?.sheet ?? null); this.sheetProxy.preload(["name"], s); }
  get worksheet() { return this.sheetProxy ?? new FakeWorksheet(this.context, `${this.path}.worksheet`, () => this.tryResolve()?.sheet ?? null); }
  convertToRange() { this.call("convertToRange", [], (t) => (this.context.model.tables = this.context.model.tables.filter((x) => x !== t))); }
  delete() {
    this.call("delete", [], (t) => {
      this.context.model.tables = this.context.model.tables.filter((x) => x !== t);
      eachStored({ sheet: t.sheet, rect: t.rect }, (row, col) => t.sheet.set(row, col, null));
    });
  }
}

// ---- names

export class FakeNamedItemCollection extends ClientObject<FakeWorkbook> {
  protected cls() { return "NamedItemCollection"; }
  constructor(ctx: FakeRequestContext) {
    super(ctx, "names", () => ctx.model);
  }
  protected props() { return {}; }
  get items(): FakeNamedItem[] { return this.read("items"); }
  load(what?: string | string[]): this {
    const ctx = this.context;
    ctx.enqueue({
      desc: { load: this.path, props: what ?? "items/name" },
      apply: () => {
        const items = [...ctx.model.names.values()].map((n) => { const x = new FakeNamedItem(ctx, `names[${n.name}]`, () => ctx.model.names.get(n.name.toLowerCase()) ?? null); x.preload(n); return x; });
        responseCounter.bytes += jsonBytes([...ctx.model.names.values()]);
        ctx.land(() => this.loaded.set("items", items));
      },
    });
    return this;
  }
  add(name: string, reference: FakeRange | string, _comment?: string): FakeNamedItem {
    const ctx = this.context;
    ctx.enqueue({
      desc: { call: "names", method: "add", args: [name, typeof reference === "string" ? reference : reference.describe()] },
      apply: () => {
        if (!/^[\p{L}_\\][\p{L}\p{N}_.\\]*$/u.test(name) || /^[A-Za-z]{1,3}\d+$/.test(name) || /^(R|C|R\d*C\d*)$/i.test(name) || name.length > 255) throw err("InvalidArgument", `"${name}" is not a valid name.`);
        const l = name.toLowerCase();
        if (ctx.model.names.has(l) || ctx.model.tables.some((t) => t.name.toLowerCase() === l)) throw err("ItemAlreadyExists", `The name "${name}" already exists.`);
        let formula: string;
        if (typeof reference === "string") {
          // Excel on Windows stores a plain string reference as a text constant (office-js#2283).
          formula = reference.startsWith("=") ? reference : `="${reference}"`;
        } else {
          const m = reference.modelNow();
          formula = "=" + rectA1(m.rect, m.sheet.name, true);
        }
        ctx.model.names.set(l, { name, formula });
      },
    });
    return new FakeNamedItem(ctx, `names[${name}]`, () => ctx.model.names.get(name.toLowerCase()) ?? null);
  }
  getItemOrNullObject(name: string): FakeNamedItem {
    return new FakeNamedItem(this.context, `names.getItemOrNullObject(${JSON.stringify(name)})`, () => this.context.model.names.get(name.toLowerCase()) ?? null, true);
  }
  getItem(name: string): FakeNamedItem {
    return new FakeNamedItem(this.context, `names.getItem(${JSON.stringify(name)})`, () => this.context.model.names.get(name.toLowerCase()) ?? null);
  }
}
export class FakeNamedItem extends ClientObject<NameModel> {
  protected cls() { return "NamedItem"; }
  protected props() { return { name: (n: NameModel) => n.name, formula: (n: NameModel) => n.formula, type: () => "Range" }; }
  /** @internal */ preload(n: NameModel) { this.loaded.set("name", n.name); this.loaded.set("formula", n.formula); }
  get name(): string { return this.read("name"); }
  get formula(): string { return this.read("formula"); }
  set formula(v: string) { this.write("formula", v, (n) => { if (!v.startsWith("=")) throw err("InvalidArgument", "A name's formula starts with '='."); checkFormula(v); n.formula = v; }); }
  delete() { this.call("delete", [], (n) => this.context.model.names.delete(n.name.toLowerCase())); }
}

// ---- charts

class FakeChartCollection extends ClientObject<SheetModel> {
  protected cls() { return "ChartCollection"; }
  protected props() { return {}; }
  get items(): FakeChart[] { return this.read("items"); }
  load(what?: string | string[]): this {
    const ctx = this.context;
    ctx.enqueue({
      desc: { load: this.path, props: what ?? "items/name" },
      apply: () => {
        const s = this.model();
        const list = (Array.isArray(what) ? what : (what ?? "items/name").split(",")).map((p) => p.trim().replace(/^items\//, "")).filter(Boolean);
        const items = s.charts.map((c) => { const x = new FakeChart(ctx, `charts[${c.id}]`, () => (s.charts.includes(c) ? c : null), s); x.preload(c, list); return x; });
        responseCounter.bytes += jsonBytes(s.charts.map((c) => c.name));
        ctx.land(() => this.loaded.set("items", items));
      },
    });
    return this;
  }
  add(type: string, source: FakeRange, seriesBy: string = "Auto"): FakeChart {
    let made: ChartModel | null = null;
    let sheet: SheetModel | null = null;
    const ctx = this.context;
    ctx.enqueue({
      desc: { call: this.path, method: "add", args: [type, source.describe(), seriesBy] },
      apply: () => {
        sheet = this.model();
        const m = source.modelNow();
        const byRows = seriesBy === "Rows" || (seriesBy === "Auto" && m.rect.cols > m.rect.rows);
        const series: SeriesModel[] = [];
        const n = byRows ? m.rect.rows : m.rect.cols;
        for (let i = 0; i < n; i++) {
          const r = byRows ? { ...m.rect, row: m.rect.row + i, rows: 1 } : { ...m.rect, col: m.rect.col + i, cols: 1 };
          series.push({ name: `Series${i + 1}`, values: rectA1(r, m.sheet.name, true) });
        }
        made = { id: ctx.model.id(), name: `Chart ${sheet.charts.length + 1}`, type, series };
        sheet.charts.push(made);
        work.charts++;
      },
    });
    return new FakeChart(ctx, `${this.path}.add(...)`, () => made, null, () => sheet);
  }
}
export class FakeChart extends ClientObject<ChartModel> {
  protected cls() { return "Chart"; }
  constructor(ctx: FakeRequestContext, path: string, resolve: Resolver<ChartModel>, private home: SheetModel | null, private homeLater?: () => SheetModel | null) {
    super(ctx, path, resolve);
  }
  protected props() { return { name: (c: ChartModel) => c.name, id: (c: ChartModel) => String(c.id) }; }
  /** @internal */ preload(c: ChartModel, list: string[] = ["name"]) {
    const g = this.props() as Record<string, (c: ChartModel) => unknown>;
    for (const p of list) {
      if (!g[p]) throw err("PropertyNotFound", `A chart has no property '${p}' the fake can load.`);
      this.loaded.set(p, g[p](c));
    }
  }
  get name(): string { return this.read("name"); }
  get id(): string { return this.read("id"); }
  set name(v: string) { this.write("name", v, (c) => (c.name = v)); }
  get title() {
    const self = this;
    return { set text(v: string) { self.write("title.text", v, (c) => (c.title = v)); }, get text(): string { throw err("PropertyNotLoaded", "title.text is not loaded."); } };
  }
  get legend() {
    const self = this;
    return { set position(v: string) { self.write("legend.position", v, () => {}); }, set visible(v: boolean) { self.write("legend.visible", v, () => {}); } };
  }
  get series() { return new FakeSeriesCollection(this.context, `${this.path}.series`, () => this.tryResolve()); }
  setPosition(start: string | FakeRange, end?: string | FakeRange) {
    const d = (x: string | FakeRange) => (typeof x === "string" ? x : x.describe());
    this.call("setPosition", [d(start), end === undefined ? undefined : d(end)], (c) => {
      const addr = (x: string | FakeRange) => (typeof x === "string" ? (parseA1(x), x) : rectA1(x.rectNow()));
      c.position = { start: addr(start), end: end === undefined ? undefined : addr(end) };
    });
  }
  delete() {
    this.call("delete", [], (c) => {
      const s = this.home ?? this.homeLater?.() ?? this.context.model.sheets.find((x) => x.charts.includes(c));
      if (s) s.charts = s.charts.filter((x) => x !== c);
    });
  }
}
class FakeSeriesCollection extends ClientObject<ChartModel> {
  protected cls() { return "ChartSeriesCollection"; }
  protected props() { return {}; }
  getItemAt(i: number): FakeSeries {
    return new FakeSeries(this.context, `${this.path}.getItemAt(${i})`, () => { const c = this.tryResolve(); return c ? c.series[i] ?? null : null; });
  }
  add(name?: string): FakeSeries {
    let made: SeriesModel | null = null;
    this.context.enqueue({ desc: { call: this.path, method: "add", args: [name] }, apply: () => { const c = this.model(); made = { name: name ?? `Series${c.series.length + 1}` }; c.series.push(made); } });
    return new FakeSeries(this.context, `${this.path}.add(${JSON.stringify(name)})`, () => made);
  }
}
class FakeSeries extends ClientObject<SeriesModel> {
  protected cls() { return "ChartSeries"; }
  protected props() { return { name: (s: SeriesModel) => s.name }; }
  set name(v: string) { this.write("name", v, (s) => (s.name = v)); }
  get name(): string { return this.read("name"); }
  setValues(r: FakeRange) { this.call("setValues", [r.describe()], (s) => { const m = r.modelNow(); s.values = rectA1(m.rect, m.sheet.name, true); }); }
  setXAxisValues(r: FakeRange) { this.call("setXAxisValues", [r.describe()], (s) => { const m = r.modelNow(); s.xValues = rectA1(m.rect, m.sheet.name, true); }); }
  get format() {
    const self = this;
    return { line: { set color(v: string) { self.write("format.line.color", v, (s) => { if (!COLOUR.test(v)) throw err("InvalidArgument", "Bad colour."); s.color = v; }); } } };
  }
}

// ---------------------------------------------------------------- globals

export type FakeBatch<T> = (ctx: FakeRequestContext) => Promise<T>;
export interface FakeRun {
  <T>(batch: FakeBatch<T>): Promise<T>;
  <T>(options: { mergeUndoGroup?: boolean; delayForCellEdit?: boolean }, batch: FakeBatch<T>): Promise<T>;
}
export interface FakeExcelGlobal {
  run: FakeRun;
  [k: string]: unknown;
}

/** `Excel.run(batch)` / `Excel.run(options, batch)` over the fake workbook: a new request context each time. */
export function fakeRun(wb: FakeWorkbook): FakeRun {
  return (async <T>(a: unknown, b?: unknown): Promise<T> => {
    const options = typeof a === "function" ? {} : ((a ?? {}) as { mergeUndoGroup?: boolean; delayForCellEdit?: boolean });
    const batch = (typeof a === "function" ? a : b) as FakeBatch<T>;
    wb.runs.push({ options });
    return batch(new FakeRequestContext(wb, options));
  }) as FakeRun;
}

/** The shared runtime's `Office.addin`, with the task pane's visibility as `mode` (test code reads it). */
export interface FakeAddin {
  mode: "Hidden" | "Taskpane";
  /** Handlers registered with onVisibilityModeChanged and not removed. */
  handlers: ((args: { visibilityMode: string }) => void)[];
  onVisibilityModeChanged(handler: (args: { visibilityMode: string }) => void): Promise<() => Promise<void>>;
  showAsTaskpane(): Promise<void>;
  hide(): Promise<void>;
}

/**
 * showAsTaskpane()/hide() change the mode; each change (not a repeat of the same mode) reaches every handler
 * asynchronously, after the call's promise resolves.
 */
function fakeAddin(): FakeAddin {
  const addin: FakeAddin = {
    mode: "Taskpane",
    handlers: [],
    onVisibilityModeChanged(handler) {
      addin.handlers.push(handler);
      return Promise.resolve(async () => {
        addin.handlers = addin.handlers.filter((h) => h !== handler);
      });
    },
    showAsTaskpane: () => change("Taskpane"),
    hide: () => change("Hidden"),
  };
  const change = (mode: FakeAddin["mode"]): Promise<void> => {
    if (addin.mode !== mode) {
      addin.mode = mode;
      const handlers = [...addin.handlers];
      setTimeout(() => { for (const h of handlers) h({ visibilityMode: mode }); }, 0);
    }
    return Promise.resolve();
  };
  return addin;
}

/**
 * Sets global `Office` (onReady resolves at once, requirements from the workbook, `addin` with the task pane's
 * visibility events) and `Excel` (run + the enums the add-in names). Works in Node and in a browser page.
 */
export function installFakeOffice(g: any, wb: FakeWorkbook): { Office: any; Excel: FakeExcelGlobal } {
  const info = { host: "Excel", platform: wb.platform === "web" ? "OfficeOnline" : "PC" };
  const Office = {
    HostType: { Excel: "Excel" },
    PlatformType: { OfficeOnline: "OfficeOnline", PC: "PC", Mac: "Mac" },
    VisibilityMode: { hidden: "Hidden", taskpane: "Taskpane" },
    onReady(cb?: (i: typeof info) => void) {
      if (cb) queueMicrotask(() => cb(info));
      return Promise.resolve(info);
    },
    context: {
      host: "Excel",
      platform: info.platform,
      diagnostics: { host: "Excel", platform: info.platform, version: wb.version },
      requirements: { isSetSupported: (name: string, v?: string) => wb.isSetSupported(name, v) },
    },
    addin: fakeAddin(),
  };
  const Excel: FakeExcelGlobal = {
    run: fakeRun(wb),
    ChartType: { line: "Line" },
    ChartSeriesBy: { auto: "Auto", rows: "Rows", columns: "Columns" },
    ClearApplyTo: { all: "All", formats: "Formats", contents: "Contents" },
    ConditionalFormatType: { custom: "Custom" },
    SheetVisibility: { visible: "Visible", hidden: "Hidden", veryHidden: "VeryHidden" },
    DataValidationOperator: { between: "Between", greaterThanOrEqualTo: "GreaterThanOrEqualTo", lessThanOrEqualTo: "LessThanOrEqualTo" },
    DataValidationAlertStyle: { stop: "Stop" },
    ErrorCodes: { itemNotFound: "ItemNotFound", propertyNotLoaded: "PropertyNotLoaded", invalidOperationInCellEditMode: "InvalidOperationInCellEditMode" },
  };
  g.Office = Office;
  g.Excel = Excel;
  return { Office, Excel };
}

/** The fake context typed as Office.js's, for code under test. */
export function asExcelContext(ctx: FakeRequestContext): Excel.RequestContext {
  return ctx as unknown as Excel.RequestContext;
}
