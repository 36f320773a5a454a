/**
 * A small, strict fake of the Apps Script services the Sheets add-on uses (SpreadsheetApp, HtmlService,
 * LockService, PropertiesService, Session, Utilities, Charts, the Ui). It stores values, formulas and number
 * formats, mimics how Sheets reads a written string (leading "=" / "+" / "-" make a formula, "#N/A" and the
 * other error literals become error values, a leading apostrophe makes literal text, numbers, booleans and
 * dates are parsed unless the cell is formatted "@"), returns dates as Date objects the way getValues() does,
 * and COUNTS every service call by "Class.method" (and by sheet), by kind (document, in-memory builder,
 * other service, UI) and per execution.
 *
 * It behaves like the host where the add-on meets its limits:
 *  - a clock that each call advances by a cost model (APPS_SCRIPT_COSTS, anchored on published figures), and
 *    executions (`gas.execute`) that Apps Script ends at 6 minutes (30 s for custom functions and simple
 *    triggers): the first call past the limit kills the execution, as Apps Script does, whatever the code
 *    catches;
 *  - authorization modes: AuthMode.NONE (an add-on's onOpen before it is used in the file: only the Ui's
 *    menus), CUSTOM_FUNCTION (read-only Spreadsheet, no Ui, no Session identity) and FULL; the manifest's
 *    scopes (no userinfo.email: Session.getActiveUser throws, as Apps Script does);
 *  - people: several users (`gas.user`) with their own user properties and temporary keys, document
 *    properties with Apps Script's size limits, a document lock that can be busy or null.
 *
 * Each sheet is a grid as in Sheets: a new sheet is 1000 rows by 26 columns (A-Z), a range outside the grid
 * throws, and insertRowsAfter / insertColumnsAfter grow it. Data validation is kept per cell, and a cell whose
 * rule rejects invalid input (allowInvalid false) refuses a setValues value that fails the rule.
 *
 * `createFakeGas().globals` can be spread into a node:vm context to run the built Code.js as it is.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import vmModule from "node:vm";

// ---------------------------------------------------------------- what a call is and costs

/** document: touches the spreadsheet; builder: in memory (rule and chart builders, built rules); service: lock, properties, session; ui. */
export type CallKind = "document" | "builder" | "service" | "ui";

const BUILDER_CLASSES = /^(DataValidationBuilder|ConditionalFormatRuleBuilder|EmbeddedChartBuilder|FilterCriteriaBuilder|DataValidation|ConditionalFormatRule|BooleanCondition|FilterCriteria|Utilities)\./;
export function callKind(method: string): CallKind {
  if (BUILDER_CLASSES.test(method) || /^SpreadsheetApp\.new|^Sheet\.newChart$/.test(method)) return "builder";
  if (/^(LockService|Lock|PropertiesService|Properties|Session|User)\./.test(method)) return "service";
  if (/^(HtmlService|HtmlOutput|Ui|Menu)\./.test(method) || method === "SpreadsheetApp.getUi") return "ui";
  return "document";
}

/**
 * Milliseconds a call costs on the fake's clock. Two published figures anchor it; the rest are estimates in
 * proportion, on the slow side (the add-on's time checks must hold on a slow day):
 *  - Google's Apps Script best practices ("Use batch operations"): colouring a 100 x 100 grid one cell per call
 *    (10,000 calls) took about 70 s, so about 7 ms a document call;
 *  - a measurement published on Stack Overflow ("What is faster: ScriptDb or SpreadsheetApp?"): one setValues
 *    of 4,000 cells took under 50 ms, and committing it (flush) added about 560 ms, so about 0.14 ms a cell
 *    written once the write lands.
 * `scale` multiplies everything (a slower host).
 */
export interface CostModel {
  /** Any document or UI call. */
  call: number;
  /** Per cell: reading values or formulas; writing values; number formats and styles; validation rules; clearing. */
  readCell: number;
  writeCell: number;
  formatCell: number;
  validationCell: number;
  clearCell: number;
  /** In-memory builder calls. */
  builder: number;
  /** Lock, properties and session calls. */
  service: number;
  /** Extra for calls that change the sheet's structure. */
  heavy: Record<string, number>;
  scale: number;
}
export const APPS_SCRIPT_COSTS: CostModel = {
  call: 7,
  readCell: 0.02,
  writeCell: 0.14,
  formatCell: 0.01,
  validationCell: 0.03,
  clearCell: 0.005,
  builder: 0.02,
  service: 25,
  heavy: {
    "Spreadsheet.insertSheet": 250,
    "Spreadsheet.deleteSheet": 150,
    "Sheet.insertChart": 300,
    "Sheet.removeChart": 100,
    "Sheet.setConditionalFormatRules": 60,
    "Range.createFilter": 60,
    "Sheet.insertRowsAfter": 50,
    "Sheet.insertColumnsAfter": 50,
  },
  scale: 1,
};

const READ_CELLS = /^(Range)\.(getValues|getFormulas|getDisplayValues|getValue|getFormula)$/;
const WRITE_CELLS = /^(Range)\.(setValues|setValue|setFormulas|setFormula)$/;
const FORMAT_CELLS = /^(Range|RangeList)\.(setNumberFormats?|setBackgrounds?|setFontColors?|setFontWeights?|setFontStyles?|setWraps?|clearFormat|getNumberFormats|isBlank)$/;
const VALIDATION_CELLS = /^(Range|RangeList)\.(setDataValidations?|clearDataValidations|getDataValidations)$/;
const CLEAR_CELLS = /^(Range|RangeList)\.(clearContent|clear)$/;

/** Apps Script's limits on one execution. */
export const EXECUTION_LIMIT_MS = 360000;
export const CUSTOM_FUNCTION_LIMIT_MS = 30000;
export const EXCEEDED = "Exceeded maximum execution time";

export type AuthMode = "NONE" | "LIMITED" | "CUSTOM_FUNCTION" | "FULL";

// ---------------------------------------------------------------- call log

export class CallLog {
  readonly byMethod = new Map<string, number>();
  readonly bySheet = new Map<string, number>();
  readonly byKind: Record<CallKind, number> = { document: 0, builder: 0, service: 0, ui: 0 };
  total = 0;
  record(method: string, sheet: string | undefined) {
    this.total++;
    this.byMethod.set(method, (this.byMethod.get(method) ?? 0) + 1);
    const s = sheet ?? "(workbook)";
    this.bySheet.set(s, (this.bySheet.get(s) ?? 0) + 1);
    this.byKind[callKind(method)]++;
  }
  reset() {
    this.byMethod.clear();
    this.bySheet.clear();
    this.total = 0;
    for (const k of Object.keys(this.byKind) as CallKind[]) this.byKind[k] = 0;
  }
  count(method: string): number {
    return this.byMethod.get(method) ?? 0;
  }
  /** Calls to spreadsheet objects only (not HtmlService, LockService, Ui, builders). */
  spreadsheetCalls(): number {
    return this.byKind.document;
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.byMethod].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** One run of a script function, as Apps Script counts it against its limits. */
export class Execution {
  readonly calls = new CallLog();
  /** Content reads (getValues, getFormulas, ...) of each cell in this execution, by sheet. */
  readonly reads = new Map<object, Map<number, number>>();
  end?: number;
  killed = false;
  constructor(readonly fn: string, readonly mode: AuthMode, readonly user: string, readonly start: number, readonly limit: number) {}
  get elapsed(): number {
    return (this.end ?? this.start) - this.start;
  }
  /** Cells read, counting a cell read twice twice. */
  cellsRead(): number {
    let n = 0;
    for (const m of this.reads.values()) for (const c of m.values()) n += c;
    return n;
  }
  /** The most times any one cell was read. */
  maxReadsOfACell(): number {
    let n = 0;
    for (const m of this.reads.values()) for (const c of m.values()) n = Math.max(n, c);
    return n;
  }
}

/** Thrown into the script when Apps Script ends an execution: nothing the script catches saves it. */
export class ExecutionKilled extends Error {
  constructor() {
    super(EXCEEDED);
    this.name = "Exception";
  }
}

// ---------------------------------------------------------------- counting proxies

const RAW = Symbol("raw");
const proxies = new WeakMap<object, object>();

/** Every fake class extends this: `klass` names it in the call log, `sheetName` attributes the call. */
abstract class Fake {
  abstract readonly klass: string;
  constructor(readonly gas: FakeGas) {}
  get sheetName(): string | undefined {
    return undefined;
  }
}

function wrap<T>(v: T): T {
  if (Array.isArray(v)) return v.map(wrap) as unknown as T;
  if (!(v instanceof Fake)) return v;
  let p = proxies.get(v);
  if (!p) {
    const target = v;
    p = new Proxy(target, {
      get(t, prop, recv) {
        if (prop === RAW) return t;
        const val = Reflect.get(t, prop, t);
        if (typeof val !== "function" || typeof prop !== "string" || prop === "constructor") return val;
        return (...args: unknown[]) => {
          const method = `${t.klass}.${prop}`;
          t.gas.beforeCall(method, t);
          t.gas.calls.record(method, t.sheetName);
          t.gas.execution?.calls.record(method, t.sheetName);
          const raw = args.map(unwrap);
          const out = val.apply(t, raw);
          t.gas.afterCall(method, t, raw);
          return wrap(out);
        };
      },
    });
    proxies.set(v, p);
  }
  return p as T;
}

function unwrap<T>(v: T): T {
  if (Array.isArray(v)) return v.map(unwrap) as unknown as T;
  if (v && typeof v === "object" && (v as any)[RAW]) return (v as any)[RAW];
  return v;
}

// ---------------------------------------------------------------- A1 and serials

export interface Rect { row: number; col: number; rows: number; cols: number } // 1-based row/col

export function colToNumber(letters: string): number {
  return [...letters.toUpperCase()].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
}
export function numberToCol(n: number): string {
  let s = "";
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

const MAX_ROWS = 1000000;
/** A new sheet's grid in Sheets. */
export const NEW_SHEET_ROWS = 1000;
export const NEW_SHEET_COLS = 26;
export const OUTSIDE_GRID = "The coordinates of the range are outside the dimensions of the sheet.";
/** "'My sheet'!$A$2:$B9", "A1", "A:A", "2:3". Open ends ("A:A") run to the edge of `grid` when given. */
export function parseA1(ref: string, grid?: { rows: number; cols: number }): { sheet?: string; rect: Rect } {
  let sheet: string | undefined;
  let body = ref.trim();
  const m = /^(?:'((?:[^']|'')+)'|([^'!]+))!(.*)$/.exec(body);
  if (m) {
    sheet = m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2];
    body = m[3];
  }
  const parts = body.replace(/\$/g, "").toUpperCase().split(":");
  const pt = (p: string) => {
    const mm = /^([A-Z]*)(\d*)$/.exec(p);
    if (!mm || (mm[1] === "" && mm[2] === "")) throw new Error(`Range not found: ${ref}`);
    return { col: mm[1] ? colToNumber(mm[1]) : undefined, row: mm[2] ? Number(mm[2]) : undefined };
  };
  const a = pt(parts[0]);
  const b = parts[1] !== undefined ? pt(parts[1]) : a;
  const row = a.row ?? 1;
  const col = a.col ?? 1;
  const rowEnd = b.row ?? grid?.rows ?? MAX_ROWS;
  const colEnd = b.col ?? grid?.cols ?? 702;
  return { sheet, rect: { row, col, rows: rowEnd - row + 1, cols: colEnd - col + 1 } };
}

export function rectA1(r: Rect): string {
  const tl = `${numberToCol(r.col)}${r.row}`;
  return r.rows === 1 && r.cols === 1 ? tl : `${tl}:${numberToCol(r.col + r.cols - 1)}${r.row + r.rows - 1}`;
}

const EPOCH = Date.UTC(1899, 11, 30);

/** Offset (ms) of a time zone at an instant. */
function tzOffset(t: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour12: false,
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) if (part.type !== "literal") p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - Math.floor(t / 1000) * 1000;
}

/** As getValues() does: the instant whose wall-clock time in the spreadsheet's zone is the serial. */
export function serialToDate(serial: number, timeZone: string): Date {
  const wall = EPOCH + Math.round(serial * 86400000);
  let t = wall - tzOffset(wall, timeZone);
  t = wall - tzOffset(t, timeZone);
  return new Date(t);
}
export function dateToSerial(d: Date, timeZone: string): number {
  const t = d.getTime();
  return Math.round(((t + tzOffset(t, timeZone) - EPOCH) / 86400000) * 1e9) / 1e9;
}

/** A number format that shows a date or time (quoted text and [colour] sections ignored). */
export function isDateFormat(fmt: string | undefined): boolean {
  if (!fmt) return false;
  const bare = fmt.replace(/"[^"]*"/g, "").replace(/\[[^\]]*\]/g, "").replace(/\\./g, "");
  return /[dy]/i.test(bare) || /h|s/i.test(bare);
}

// ---------------------------------------------------------------- cells

export type CellValue = number | string | boolean | null;
/** Columns in a cell key (Sheets allows 18,278 columns). */
const KEY_COLS = 20000;
const cellKey = (row: number, col: number) => row * KEY_COLS + col;
/** `error`: the cell holds an error value (typed "#N/A"), shown as its text. */
export interface Cell { value: CellValue; formula: string | null; error?: true }

const ERROR_LITERAL = /^#(N\/A|REF!|VALUE!|DIV\/0!|NAME\?|NUM!|NULL!|ERROR!|SPILL!|CALC!)$/i;
const NUMBER_RE = /^\s*([+-]?)(?:[£$€]\s*)?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:e([+-]?\d+))?\s*(%?)\s*$/i;
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** What Sheets makes of a typed / setValues string in a cell that is not plain text (a good-enough subset). */
export function parseTyped(s: string): { value: CellValue; formula: string | null; dateFormat?: string; error?: true } {
  if (s.startsWith("'")) return { value: s.slice(1), formula: null };
  if (s.startsWith("=")) return { value: null, formula: s };
  // Typed error literals become error values in Sheets.
  if (ERROR_LITERAL.test(s.trim())) return { value: s.trim().toUpperCase(), formula: null, error: true };
  // Whether Sheets reads a full-width equals sign as "=" is not documented: the fake assumes the worst.
  if (/^[\uFF1D\uFE66]/.test(s)) return { value: null, formula: `=${s.slice(1)}` };
  const n = NUMBER_RE.exec(s);
  if (n) {
    let v = Number(n[2].replace(/,/g, "")) * (n[3] ? 10 ** Number(n[3]) : 1);
    if (n[1] === "-") v = -v;
    if (n[4]) v /= 100;
    return { value: v, formula: null };
  }
  // "+x" / "-x" are read as formulas, as Sheets does when they are typed.
  if (/^[+-]/.test(s)) return { value: null, formula: `=${s}` };
  if (/^\s*(true|false)\s*$/i.test(s)) return { value: /true/i.test(s), formula: null };
  let m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(s);
  if (m) return { value: (Date.UTC(+m[1], +m[2] - 1, +m[3]) - EPOCH) / 86400000, formula: null, dateFormat: "yyyy-mm-dd" };
  m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{2,4})\s*$/.exec(s);
  if (m) {
    const y = m[3].length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
    return { value: (Date.UTC(y, +m[2] - 1, +m[1]) - EPOCH) / 86400000, formula: null, dateFormat: "dd/mm/yyyy" };
  }
  m = /^\s*([a-z]{3})[a-z]*[\s-](\d{2,4})\s*$/i.exec(s);
  if (m && MONTHS.includes(m[1].toLowerCase())) {
    const y = m[2].length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
    return { value: (Date.UTC(y, MONTHS.indexOf(m[1].toLowerCase()), 1) - EPOCH) / 86400000, formula: null, dateFormat: "mmm-yy" };
  }
  return { value: s, formula: null };
}

// ---------------------------------------------------------------- spreadsheet objects

export class FakeSpreadsheet extends Fake {
  readonly klass = "Spreadsheet";
  sheets: FakeSheet[] = [];
  namedRanges: FakeNamedRange[] = [];
  toasts: string[] = [];
  active?: FakeSheet;
  timeZone: string;
  private nextId = 1;
  constructor(gas: FakeGas, timeZone: string) {
    super(gas);
    this.timeZone = timeZone;
  }
  getSpreadsheetTimeZone() {
    return this.timeZone;
  }
  getId() {
    return "fake-spreadsheet";
  }
  getName() {
    return "Fake spreadsheet";
  }
  getSheets() {
    return [...this.sheets];
  }
  getNumSheets() {
    return this.sheets.length;
  }
  getSheetByName(name: string) {
    return this.sheets.find((s) => s.name === name) ?? null;
  }
  getActiveSheet() {
    return this.active ?? this.sheets[0];
  }
  /** Sheets remembers each sheet's selection; activating a sheet brings its selection back. */
  selections = new Map<FakeSheet, { ranges: Rect[]; current: Rect }>();
  select(sheet: FakeSheet, ranges: Rect[], current: Rect = { ...ranges[0], rows: 1, cols: 1 }) {
    this.active = sheet;
    this.selections.set(sheet, { ranges, current });
    this.gas.selection = { sheet: sheet.name, a1: ranges.map(rectA1).join(",") };
  }
  selectionOf(sheet: FakeSheet) {
    return this.selections.get(sheet) ?? { ranges: [{ row: 1, col: 1, rows: 1, cols: 1 }], current: { row: 1, col: 1, rows: 1, cols: 1 } };
  }
  setActiveSheet(sheet: FakeSheet) {
    const sel = this.selectionOf(sheet);
    this.select(sheet, sel.ranges, sel.current);
    return sheet;
  }
  getActiveRange() {
    const sh = this.getActiveSheet();
    return new FakeRange(this.gas, sh, this.selectionOf(sh).ranges[0]);
  }
  getActiveRangeList() {
    const sh = this.getActiveSheet();
    return new FakeRangeList(this.gas, sh, this.selectionOf(sh).ranges.map((r) => new FakeRange(this.gas, sh, r)));
  }
  getCurrentCell() {
    const sh = this.getActiveSheet();
    return new FakeRange(this.gas, sh, this.selectionOf(sh).current);
  }
  setActiveRangeList(list: FakeRangeList) {
    if (list.sheet !== this.getActiveSheet()) throw new Error("The ranges must be on the active sheet.");
    const cur = this.selectionOf(list.sheet).current;
    this.select(list.sheet, list.ranges.map((r) => r.rect), cur);
    return list;
  }
  setCurrentCell(cell: FakeRange) {
    if (cell.sheet !== this.getActiveSheet()) throw new Error("The cell must be on the active sheet.");
    const sel = this.selectionOf(cell.sheet);
    this.select(cell.sheet, sel.ranges, cell.rect);
    return cell;
  }
  getSpreadsheetLocale() {
    return "en_GB";
  }
  insertSheet(name?: string, index?: number) {
    const n = name ?? `Sheet${this.sheets.length + 1}`;
    if (this.sheets.some((s) => s.name.toLowerCase() === n.toLowerCase())) {
      throw new Error(`A sheet with the name "${n}" already exists. Please enter another name.`);
    }
    const sh = new FakeSheet(this.gas, this, n, this.nextId++);
    if (index === undefined) this.sheets.push(sh);
    else this.sheets.splice(index, 0, sh);
    // As in Sheets: the new sheet is shown, the person's place is lost.
    this.select(sh, [{ row: 1, col: 1, rows: 1, cols: 1 }]);
    return sh;
  }
  deleteSheet(sheet: FakeSheet) {
    if (this.sheets.length === 1) throw new Error("You can't remove all the sheets in a document.");
    this.sheets = this.sheets.filter((s) => s !== sheet);
    if (this.active === sheet) this.active = this.sheets[0];
  }
  getRange(a1: string) {
    const { sheet } = parseA1(a1);
    const sh = sheet === undefined ? this.getActiveSheet() : this.getSheetByName(sheet);
    if (!sh) throw new Error(`Range not found: ${a1}`);
    return new FakeRange(this.gas, sh, sh.inGrid(parseA1(a1, sh.grid()).rect));
  }
  getRangeByName(name: string) {
    return this.namedRanges.find((n) => n.name.toLowerCase() === name.toLowerCase())?.range ?? null;
  }
  getNamedRanges() {
    return [...this.namedRanges];
  }
  setNamedRange(name: string, range: FakeRange) {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) || /^[A-Za-z]{1,3}\d+$/.test(name)) throw new Error(`Invalid named range name: ${name}`);
    if (this.namedRanges.some((n) => n.name.toLowerCase() === name.toLowerCase())) {
      throw new Error(`A named range with the name "${name}" already exists.`);
    }
    this.namedRanges.push(new FakeNamedRange(this.gas, this, name, range));
  }
  removeNamedRange(name: string) {
    this.namedRanges = this.namedRanges.filter((n) => n.name !== name);
  }
  toast(msg: string) {
    this.toasts.push(msg);
  }
}

export class FakeNamedRange extends Fake {
  readonly klass = "NamedRange";
  constructor(gas: FakeGas, readonly ss: FakeSpreadsheet, public name: string, public range: FakeRange) {
    super(gas);
  }
  getName() {
    return this.name;
  }
  getRange() {
    return this.range;
  }
  setRange(r: FakeRange) {
    this.range = r;
    return this;
  }
  remove() {
    this.ss.namedRanges = this.ss.namedRanges.filter((n) => n !== this);
  }
}

export interface StyleOp { a1: string; prop: string; value: unknown }

export class FakeSheet extends Fake {
  readonly klass = "Sheet";
  cells = new Map<string, Cell>();
  formats = new Map<string, string>();
  styleOps: StyleOp[] = [];
  /** Each cell's styles as the 1-D and 2-D setters left them, by "row,col". */
  styles = new Map<string, Record<string, unknown>>();
  styleAt(row: number, col: number, prop: string): unknown {
    return this.styles.get(`${row},${col}`)?.[prop];
  }
  setStyle(row: number, col: number, prop: string, value: unknown) {
    const k = `${row},${col}`;
    const st = this.styles.get(k) ?? {};
    if (value === null || value === undefined) delete st[prop];
    else st[prop] = value;
    this.styles.set(k, st);
  }
  /** By range as set (a later rule on the same range replaces the earlier one). */
  validationMap = new Map<string, { rect: Rect; validation: FakeDataValidation }>();
  /** The rule of each cell (the truth: what setDataValidation / clearDataValidations left), by cellKey. */
  dv = new Map<number, FakeDataValidation>();
  /** The rules as set by range, those still on at least one cell. */
  get validations(): { rect: Rect; validation: FakeDataValidation }[] {
    return [...this.validationMap.values()].filter((v) => {
      const { row, col, rows, cols } = v.rect;
      for (let r = row; r < row + rows; r++) for (let c = col; c < col + cols; c++) if (this.dv.get(cellKey(r, c)) === v.validation) return true;
      return false;
    });
  }
  maxRows = NEW_SHEET_ROWS;
  maxCols = NEW_SHEET_COLS;
  cfRules: FakeConditionalFormatRule[] = [];
  charts: FakeChart[] = [];
  columnWidths = new Map<number, number>();
  frozenRows = 0;
  frozenCols = 0;
  hidden = false;
  filter: FakeFilter | null = null;
  private chartIds = 1;
  constructor(gas: FakeGas, readonly ss: FakeSpreadsheet, public name: string, readonly id: number) {
    super(gas);
  }
  override get sheetName() {
    return this.name;
  }

  // --- internal helpers (not counted: called on the raw object)
  grid() {
    return { rows: this.maxRows, cols: this.maxCols };
  }
  /** The rect, or the error Sheets gives for a range not wholly inside the grid. */
  inGrid(r: Rect): Rect {
    const ok = (n: number) => Number.isInteger(n) && n >= 1;
    if (!ok(r.row) || !ok(r.col) || !ok(r.rows) || !ok(r.cols) || r.row + r.rows - 1 > this.maxRows || r.col + r.cols - 1 > this.maxCols) {
      throw new Error(OUTSIDE_GRID);
    }
    return r;
  }
  cell(row: number, col: number): Cell | undefined {
    return this.cells.get(`${row},${col}`);
  }
  put(row: number, col: number, c: Cell | null) {
    const k = `${row},${col}`;
    if (!c || (c.formula === null && (c.value === null || c.value === ""))) this.cells.delete(k);
    else this.cells.set(k, c);
  }
  /** What setValue/setValues make of a value in this cell: the content, and a date format Sheets would add. */
  parse(row: number, col: number, v: unknown): { cell: Cell | null; dateFormat?: string } {
    const fmt = this.formats.get(`${row},${col}`);
    if (v === null || v === undefined || v === "") return { cell: null };
    if (typeof v === "number" || typeof v === "boolean") return { cell: { value: v, formula: null } };
    if (Object.prototype.toString.call(v) === "[object Date]") {
      return { cell: { value: dateToSerial(v as Date, this.ss.timeZone), formula: null }, dateFormat: isDateFormat(fmt) ? undefined : "yyyy-mm-dd" };
    }
    const s = String(v);
    if (fmt === "@") return { cell: { value: s, formula: null } };
    const p = parseTyped(s);
    const cell: Cell = p.error ? { value: p.value, formula: null, error: true } : { value: p.value, formula: p.formula };
    return { cell, dateFormat: p.dateFormat && !isDateFormat(fmt) ? p.dateFormat : undefined };
  }
  /** Writes one value the way setValue/setValues do. */
  write(row: number, col: number, v: unknown) {
    const p = this.parse(row, col, v);
    if (p.dateFormat) this.formats.set(`${row},${col}`, p.dateFormat);
    this.put(row, col, p.cell);
  }
  /**
   * As Sheets does for a script's setValue(s): a cell whose rule rejects invalid input refuses a value that
   * fails the rule (a blank always passes; a formula is not checked, the fake does not calculate).
   */
  checkValidation(row: number, col: number, v: unknown) {
    const rule = this.dv.get(cellKey(row, col));
    if (!rule || rule.allowInvalid) return;
    const cell = this.parse(row, col, v).cell;
    if (!cell || cell.formula !== null || cell.value === null || cell.value === "" || rule.accepts(cell.value)) return;
    throw new Error(`The data you entered in cell ${rectA1({ row, col, rows: 1, cols: 1 })} violates the data validation rules set on this cell.`);
  }
  /** Moves every cell-keyed thing at or after row/column `from` by `by` (inserting rows or columns). */
  private shift(axis: "row" | "col", from: number, by: number) {
    const move = (r: number, c: number): [number, number] => (axis === "row" ? [r >= from ? r + by : r, c] : [r, c >= from ? c + by : c]);
    const rekey = <V>(m: Map<string, V>) => {
      const entries = [...m].map(([k, v]) => [move(...(k.split(",").map(Number) as [number, number])).join(","), v] as const);
      m.clear();
      for (const [k, v] of entries) m.set(k, v);
    };
    rekey(this.cells);
    rekey(this.formats);
    rekey(this.styles);
    const dv = [...this.dv].map(([k, v]) => [cellKey(...move(Math.floor(k / KEY_COLS), k % KEY_COLS)), v] as const);
    this.dv = new Map(dv);
    for (const v of this.validationMap.values()) {
      const [row, col] = move(v.rect.row, v.rect.col);
      v.rect = { ...v.rect, row, col };
    }
  }
  /** Last row and column holding content (what getDataRange covers). */
  extent(): { rows: number; cols: number } {
    let rows = 0;
    let cols = 0;
    for (const k of this.cells.keys()) {
      const [r, c] = k.split(",").map(Number);
      if (r > rows) rows = r;
      if (c > cols) cols = c;
    }
    return { rows, cols };
  }
  /** Display-free read of a value, as getValues gives it. */
  read(row: number, col: number): unknown {
    const c = this.cell(row, col);
    if (!c) return "";
    if (c.formula !== null) {
      const v = this.gas.formulaValue ? this.gas.formulaValue(this.name, row, col, c.formula) : null;
      return v === null || v === undefined ? "" : v;
    }
    if (typeof c.value === "number" && isDateFormat(this.formats.get(`${row},${col}`))) return serialToDate(c.value, this.ss.timeZone);
    return c.value ?? "";
  }

  // --- Apps Script API
  getName() {
    return this.name;
  }
  setName(n: string) {
    this.name = n;
    return this;
  }
  getSheetId() {
    return this.id;
  }
  getParent() {
    return this.ss;
  }
  getRange(a: number | string, col?: number, rows = 1, cols = 1) {
    if (typeof a === "string") return new FakeRange(this.gas, this, this.inGrid(parseA1(a, this.grid()).rect));
    return new FakeRange(this.gas, this, this.inGrid({ row: a, col: col!, rows, cols }));
  }
  /** One call for any number of ranges, as in Apps Script; A1s are on this sheet (a sheet prefix must name it). */
  getRangeList(a1s: string[]) {
    if (!Array.isArray(a1s) || a1s.length === 0) throw new Error("getRangeList needs at least one range");
    return new FakeRangeList(
      this.gas,
      this,
      a1s.map((a) => {
        const { sheet, rect } = parseA1(String(a), this.grid());
        if (sheet !== undefined && sheet !== this.name) throw new Error(`Range not found: ${a} is not on ${this.name}`);
        return new FakeRange(this.gas, this, this.inGrid(rect));
      }),
    );
  }
  getDataRange() {
    const { rows, cols } = this.extent();
    return new FakeRange(this.gas, this, { row: 1, col: 1, rows: Math.max(1, rows), cols: Math.max(1, cols) });
  }
  getLastRow() {
    return this.extent().rows;
  }
  getLastColumn() {
    return this.extent().cols;
  }
  getMaxRows() {
    return this.maxRows;
  }
  /** As Sheets: the workbook's named ranges whose range is on this sheet. */
  getNamedRanges() {
    return this.ss.namedRanges.filter((n) => n.range.sheet === this);
  }
  getMaxColumns() {
    return this.maxCols;
  }
  /** `n` blank rows after row `after` (which must be on the sheet); what was below moves down. */
  insertRowsAfter(after: number, n: number) {
    if (!Number.isInteger(after) || after < 1 || after > this.maxRows) throw new Error(OUTSIDE_GRID);
    if (!Number.isInteger(n) || n < 1) throw new Error("The number of rows to insert must be at least 1.");
    if (after < this.maxRows) this.shift("row", after + 1, n);
    this.maxRows += n;
    return this;
  }
  insertColumnsAfter(after: number, n: number) {
    if (!Number.isInteger(after) || after < 1 || after > this.maxCols) throw new Error(OUTSIDE_GRID);
    if (!Number.isInteger(n) || n < 1) throw new Error("The number of columns to insert must be at least 1.");
    if (after < this.maxCols) this.shift("col", after + 1, n);
    this.maxCols += n;
    return this;
  }
  setFrozenRows(n: number) {
    this.frozenRows = n;
  }
  setFrozenColumns(n: number) {
    this.frozenCols = n;
  }
  getFrozenRows() {
    return this.frozenRows;
  }
  getFrozenColumns() {
    return this.frozenCols;
  }
  setColumnWidth(col: number, px: number) {
    return this.setColumnWidths(col, 1, px);
  }
  setColumnWidths(start: number, n: number, px: number) {
    if (!(start >= 1) || !(n >= 1) || start + n - 1 > this.maxCols) throw new Error("Those columns are out of bounds.");
    for (let i = 0; i < n; i++) this.columnWidths.set(start + i, px);
    return this;
  }
  getColumnWidth(col: number) {
    return this.columnWidths.get(col) ?? 100;
  }
  getConditionalFormatRules() {
    return [...this.cfRules];
  }
  setConditionalFormatRules(rules: FakeConditionalFormatRule[]) {
    this.cfRules = [...rules];
  }
  getCharts() {
    return [...this.charts];
  }
  newChart() {
    return new FakeChartBuilder(this.gas, this);
  }
  insertChart(c: FakeChart) {
    this.inGrid({ row: c.position.row, col: c.position.col, rows: 1, cols: 1 });
    c.id = this.chartIds++;
    this.charts.push(c);
  }
  removeChart(c: FakeChart) {
    this.charts = this.charts.filter((x) => x !== c);
  }
  updateChart(c: FakeChart) {
    this.charts = this.charts.map((x) => (x.id === c.id ? c : x));
  }
  hideSheet() {
    if (this.ss.sheets.filter((s) => !s.hidden && s !== this).length === 0) throw new Error("You can't hide all the sheets in a document.");
    this.hidden = true;
    return this;
  }
  showSheet() {
    this.hidden = false;
    return this;
  }
  isSheetHidden() {
    return this.hidden;
  }
  activate() {
    this.ss.setActiveSheet(this);
    return this;
  }
  setActiveRangeList(list: FakeRangeList) {
    this.ss.setActiveSheet(this);
    return this.ss.setActiveRangeList(list);
  }
  setCurrentCell(cell: FakeRange) {
    this.ss.setActiveSheet(this);
    return this.ss.setCurrentCell(cell);
  }
  getActiveRangeList() {
    return this.ss.getActiveSheet() === this ? this.ss.getActiveRangeList() : null;
  }
  getFilter() {
    return this.filter;
  }
  clear() {
    this.cells.clear();
    this.formats.clear();
    return this;
  }
}

export class FakeRange extends Fake {
  readonly klass = "Range";
  constructor(gas: FakeGas, readonly sheet: FakeSheet, readonly rect: Rect) {
    super(gas);
  }
  override get sheetName() {
    return this.sheet.name;
  }
  private each(fn: (row: number, col: number, i: number, j: number) => void) {
    const { row, col, rows, cols } = this.rect;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) fn(row + i, col + j, i, j);
  }
  private matrix<T>(fn: (row: number, col: number) => T): T[][] {
    const { row, col, rows, cols } = this.rect;
    const out: T[][] = [];
    for (let i = 0; i < rows; i++) {
      const line: T[] = [];
      for (let j = 0; j < cols; j++) line.push(fn(row + i, col + j));
      out.push(line);
    }
    return out;
  }
  private checkShape(values: unknown[][]) {
    if (!Array.isArray(values) || values.length !== this.rect.rows) {
      throw new Error(`The number of rows in the data does not match the number of rows in the range. The data has ${Array.isArray(values) ? values.length : 0} but the range has ${this.rect.rows}.`);
    }
    for (const r of values) {
      if (!Array.isArray(r) || r.length !== this.rect.cols) {
        throw new Error(`The number of columns in the data does not match the number of columns in the range. The data has ${Array.isArray(r) ? r.length : 0} but the range has ${this.rect.cols}.`);
      }
    }
  }
  getSheet() {
    return this.sheet;
  }
  getRow() {
    return this.rect.row;
  }
  getColumn() {
    return this.rect.col;
  }
  getNumRows() {
    return this.rect.rows;
  }
  getNumColumns() {
    return this.rect.cols;
  }
  getLastRow() {
    return this.rect.row + this.rect.rows - 1;
  }
  getLastColumn() {
    return this.rect.col + this.rect.cols - 1;
  }
  getA1Notation() {
    return rectA1(this.rect);
  }
  getValues() {
    return this.matrix((r, c) => this.sheet.read(r, c));
  }
  getValue() {
    return this.sheet.read(this.rect.row, this.rect.col);
  }
  getFormulas() {
    return this.matrix((r, c) => this.sheet.cell(r, c)?.formula ?? "");
  }
  getFormula() {
    return this.sheet.cell(this.rect.row, this.rect.col)?.formula ?? "";
  }
  getNumberFormats() {
    return this.matrix((r, c) => this.sheet.formats.get(`${r},${c}`) ?? "General");
  }
  getNumberFormat() {
    return this.sheet.formats.get(`${this.rect.row},${this.rect.col}`) ?? "General";
  }
  setValues(values: unknown[][]) {
    this.checkShape(values);
    // Every cell is checked before any is written: a refused value leaves the range as it was.
    if (this.sheet.dv.size) this.each((r, c, i, j) => this.sheet.checkValidation(r, c, values[i][j]));
    this.each((r, c, i, j) => this.sheet.write(r, c, values[i][j]));
    return this;
  }
  setValue(v: unknown) {
    if (this.sheet.dv.size) this.each((r, c) => this.sheet.checkValidation(r, c, v));
    this.each((r, c) => this.sheet.write(r, c, v));
    return this;
  }
  setFormulas(f: string[][]) {
    this.checkShape(f);
    this.each((r, c, i, j) => this.sheet.put(r, c, f[i][j] ? { value: null, formula: f[i][j].startsWith("=") ? f[i][j] : `=${f[i][j]}` } : null));
    return this;
  }
  setFormula(f: string) {
    this.each((r, c) => this.sheet.put(r, c, { value: null, formula: f.startsWith("=") ? f : `=${f}` }));
    return this;
  }
  clearContent() {
    this.each((r, c) => this.sheet.put(r, c, null));
    return this;
  }
  setNumberFormat(fmt: string) {
    this.each((r, c) => this.sheet.formats.set(`${r},${c}`, fmt));
    return this;
  }
  private style(prop: string, value: unknown) {
    this.sheet.styleOps.push({ a1: this.getA1Notation(), prop, value });
    this.each((r, c) => this.sheet.setStyle(r, c, prop, value));
    return this;
  }
  /** The 2-D setters: one value per cell, the array the range's shape. */
  private styles2d(prop: string, values: unknown[][]) {
    this.checkShape(values);
    this.sheet.styleOps.push({ a1: this.getA1Notation(), prop, value: values.map((r) => [...r]) });
    this.each((r, c, i, j) => this.sheet.setStyle(r, c, prop, values[i][j]));
    return this;
  }
  setBackgrounds(v: (string | null)[][]) {
    return this.styles2d("background", v);
  }
  setFontColors(v: (string | null)[][]) {
    return this.styles2d("fontColor", v);
  }
  setFontWeights(v: (string | null)[][]) {
    return this.styles2d("fontWeight", v);
  }
  setFontStyles(v: (string | null)[][]) {
    return this.styles2d("fontStyle", v);
  }
  setWraps(v: boolean[][]) {
    return this.styles2d("wrap", v);
  }
  setNumberFormats(f: string[][]) {
    this.checkShape(f);
    this.each((r, c, i, j) => this.sheet.formats.set(`${r},${c}`, f[i][j]));
    return this;
  }
  getBackgrounds() {
    return this.matrix((r, c) => (this.sheet.styleAt(r, c, "background") as string | undefined) ?? "#ffffff");
  }
  getFontWeights() {
    return this.matrix((r, c) => (this.sheet.styleAt(r, c, "fontWeight") as string | undefined) ?? "normal");
  }
  /** True when no cell holds a value or formula (formats do not count). */
  isBlank() {
    let blank = true;
    this.each((r, c) => {
      if (this.sheet.cell(r, c)) blank = false;
    });
    return blank;
  }
  clear() {
    this.each((r, c) => {
      this.sheet.put(r, c, null);
      this.sheet.formats.delete(`${r},${c}`);
      this.sheet.styles.delete(`${r},${c}`);
    });
    return this;
  }
  clearFormat() {
    this.each((r, c) => {
      this.sheet.formats.delete(`${r},${c}`);
      this.sheet.styles.delete(`${r},${c}`);
    });
    return this;
  }
  setFontWeight(v: string) {
    return this.style("fontWeight", v);
  }
  setFontStyle(v: string) {
    return this.style("fontStyle", v);
  }
  setBackground(v: string) {
    return this.style("background", v);
  }
  setFontColor(v: string) {
    return this.style("fontColor", v);
  }
  setWrap(v: boolean) {
    return this.style("wrap", v);
  }
  setDataValidation(v: FakeDataValidation | null) {
    const key = rectA1(this.rect);
    this.sheet.validationMap.delete(key);
    if (v) this.sheet.validationMap.set(key, { rect: this.rect, validation: v });
    this.each((r, c) => (v ? this.sheet.dv.set(cellKey(r, c), v) : this.sheet.dv.delete(cellKey(r, c))));
    return this;
  }
  getDataValidation() {
    return this.sheet.dv.get(cellKey(this.rect.row, this.rect.col)) ?? null;
  }
  getDataValidations() {
    return this.matrix((r, c) => this.sheet.dv.get(cellKey(r, c)) ?? null);
  }
  /** One rule (or null, which clears) per cell. */
  setDataValidations(rules: (FakeDataValidation | null)[][]) {
    this.checkShape(rules);
    for (const row of rules) for (const v of row) if (v !== null && !(v instanceof FakeDataValidation)) throw new Error("setDataValidations needs DataValidation objects or null");
    this.each((r, c, i, j) => {
      const v = rules[i][j];
      const one: Rect = { row: r, col: c, rows: 1, cols: 1 };
      this.sheet.validationMap.delete(rectA1(one));
      if (v) this.sheet.dv.set(cellKey(r, c), v);
      else this.sheet.dv.delete(cellKey(r, c));
    });
    // Recorded by the rule's whole rectangle where the rows of a column share it (for the tests' view by range).
    const { row, col, rows, cols } = this.rect;
    for (let j = 0; j < cols; j++) {
      let start = 0;
      for (let i = 1; i <= rows; i++) {
        if (i < rows && rules[i][j] === rules[start][j]) continue;
        const v = rules[start][j];
        if (v) this.sheet.validationMap.set(rectA1({ row: row + start, col: col + j, rows: i - start, cols: 1 }), { rect: { row: row + start, col: col + j, rows: i - start, cols: 1 }, validation: v });
        start = i;
      }
    }
    return this;
  }
  clearDataValidations() {
    this.each((r, c) => this.sheet.dv.delete(cellKey(r, c)));
    return this;
  }
  activate() {
    this.sheet.ss.select(this.sheet, [this.rect]);
    return this;
  }
  createFilter() {
    if (this.sheet.filter) throw new Error("You can't create a filter in a sheet that already has a filter.");
    this.sheet.filter = new FakeFilter(this.gas, this);
    return this.sheet.filter;
  }
}


export class FakeRangeList extends Fake {
  readonly klass = "RangeList";
  constructor(gas: FakeGas, readonly sheet: FakeSheet, readonly ranges: FakeRange[]) {
    super(gas);
  }
  override get sheetName() {
    return this.sheet.name;
  }
  getRanges() {
    return [...this.ranges];
  }
  private all(fn: (r: FakeRange) => void) {
    this.ranges.forEach(fn);
    return this;
  }
  clearContent() {
    return this.all((r) => r.clearContent());
  }
  clearDataValidations() {
    return this.all((r) => r.clearDataValidations());
  }
  setNumberFormat(f: string) {
    return this.all((r) => r.setNumberFormat(f));
  }
  setFontWeight(v: string) {
    return this.all((r) => r.setFontWeight(v));
  }
  setFontStyle(v: string) {
    return this.all((r) => r.setFontStyle(v));
  }
  setBackground(v: string) {
    return this.all((r) => r.setBackground(v));
  }
  setFontColor(v: string) {
    return this.all((r) => r.setFontColor(v));
  }
  setWrap(v: boolean) {
    return this.all((r) => r.setWrap(v));
  }
}

export class FakeFilter extends Fake {
  readonly klass = "Filter";
  /** Column criteria by 1-based sheet column. */
  criteria = new Map<number, FakeFilterCriteria>();
  constructor(gas: FakeGas, readonly range: FakeRange) {
    super(gas);
  }
  override get sheetName() {
    return this.range.sheet.name;
  }
  getRange() {
    return this.range;
  }
  remove() {
    this.range.sheet.filter = null;
  }
  private inside(col: number) {
    const { col: c0, cols } = this.range.rect;
    if (!Number.isInteger(col) || col < c0 || col >= c0 + cols) throw new Error(`Column ${col} is outside the filter's range.`);
  }
  getColumnFilterCriteria(col: number) {
    this.inside(col);
    return this.criteria.get(col) ?? null;
  }
  setColumnFilterCriteria(col: number, c: FakeFilterCriteria | null) {
    this.inside(col);
    if (c) this.criteria.set(col, c);
    else this.criteria.delete(col);
    return this;
  }
  removeColumnFilterCriteria(col: number) {
    return this.setColumnFilterCriteria(col, null);
  }
}

export class FakeFilterCriteria extends Fake {
  readonly klass = "FilterCriteria";
  constructor(gas: FakeGas, readonly hidden: string[], readonly visible: string[]) {
    super(gas);
  }
  getHiddenValues() {
    return [...this.hidden];
  }
  getVisibleValues() {
    return [...this.visible];
  }
  copy() {
    const b = new FakeFilterCriteriaBuilder(this.gas);
    b.hidden = [...this.hidden];
    b.visible = [...this.visible];
    return b;
  }
}

export class FakeFilterCriteriaBuilder extends Fake {
  readonly klass = "FilterCriteriaBuilder";
  hidden: string[] = [];
  visible: string[] = [];
  setHiddenValues(v: string[]) {
    this.hidden = [...v];
    return this;
  }
  setVisibleValues(v: string[]) {
    this.visible = [...v];
    return this;
  }
  build() {
    return new FakeFilterCriteria(this.gas, this.hidden, this.visible);
  }
}

// ---------------------------------------------------------------- builders

export interface Criteria { type: string; args: unknown[] }

export class FakeDataValidation extends Fake {
  readonly klass = "DataValidation";
  constructor(gas: FakeGas, readonly criteria: Criteria, readonly helpText: string, readonly allowInvalid: boolean) {
    super(gas);
  }
  getCriteriaType() {
    return this.criteria.type;
  }
  getCriteriaValues() {
    return this.criteria.args;
  }
  getHelpText() {
    return this.helpText;
  }
  getAllowInvalid() {
    return this.allowInvalid;
  }
  /** A builder holding this rule's settings, as DataValidation.copy() gives. */
  copy() {
    const b = new FakeDataValidationBuilder(this.gas);
    b.criteria = { type: this.criteria.type, args: [...this.criteria.args] };
    b.helpText = this.helpText;
    b.allowInvalid = this.allowInvalid;
    return b;
  }
  /** Whether a stored (non-blank, non-formula) value meets the criterion. Custom formulas are not evaluated. */
  accepts(v: number | string | boolean): boolean {
    const [a, b] = this.criteria.args as [unknown, unknown];
    const num = typeof v === "number";
    switch (this.criteria.type) {
      case "VALUE_IN_LIST":
        return (a as unknown[]).some((x) => String(x) === String(v));
      case "VALUE_IN_RANGE": {
        const src = a as FakeRange;
        const { row, col, rows, cols } = src.rect;
        for (let r = row; r < row + rows; r++) for (let c = col; c < col + cols; c++) if (String(src.sheet.cell(r, c)?.value ?? "") === String(v)) return true;
        return false;
      }
      case "NUMBER_BETWEEN":
        return num && v >= (a as number) && v <= (b as number);
      case "NUMBER_GREATER_THAN_OR_EQUAL_TO":
        return num && v >= (a as number);
      case "NUMBER_LESS_THAN_OR_EQUAL_TO":
        return num && v <= (a as number);
      case "DATE_IS_VALID_DATE":
        return num; // a date is a serial number with a date format
      default:
        return true;
    }
  }
}

export class FakeDataValidationBuilder extends Fake {
  readonly klass = "DataValidationBuilder";
  criteria?: Criteria;
  helpText = "";
  allowInvalid = true;
  private req(type: string, ...args: unknown[]) {
    this.criteria = { type, args };
    return this;
  }
  requireValueInList(list: string[], show = true) {
    if (!Array.isArray(list) || list.length === 0) throw new Error("requireValueInList needs a list");
    return this.req("VALUE_IN_LIST", list, show);
  }
  requireValueInRange(range: FakeRange, show = true) {
    if (!(range instanceof FakeRange)) throw new Error("requireValueInRange needs a Range");
    return this.req("VALUE_IN_RANGE", range, show);
  }
  requireNumberBetween(a: number, b: number) {
    return this.req("NUMBER_BETWEEN", a, b);
  }
  requireNumberGreaterThanOrEqualTo(a: number) {
    return this.req("NUMBER_GREATER_THAN_OR_EQUAL_TO", a);
  }
  requireNumberLessThanOrEqualTo(a: number) {
    return this.req("NUMBER_LESS_THAN_OR_EQUAL_TO", a);
  }
  requireFormulaSatisfied(f: string) {
    if (!String(f).startsWith("=")) throw new Error("requireFormulaSatisfied: formula must start with =");
    return this.req("CUSTOM_FORMULA", f);
  }
  requireDate() {
    return this.req("DATE_IS_VALID_DATE");
  }
  setHelpText(t: string) {
    this.helpText = t;
    return this;
  }
  setAllowInvalid(b: boolean) {
    this.allowInvalid = b;
    return this;
  }
  build() {
    if (!this.criteria) throw new Error("A data validation needs a criterion");
    // A snapshot: the builder can go on to build other rules without changing this one.
    return new FakeDataValidation(this.gas, { type: this.criteria.type, args: [...this.criteria.args] }, this.helpText, this.allowInvalid);
  }
}

export class FakeBooleanCondition extends Fake {
  readonly klass = "BooleanCondition";
  constructor(gas: FakeGas, readonly formula: string, readonly background?: string, readonly fontColor?: string) {
    super(gas);
  }
  getCriteriaType() {
    return "CUSTOM_FORMULA";
  }
  getCriteriaValues() {
    return [this.formula];
  }
  getBackground() {
    return this.background ?? null;
  }
  getFontColor() {
    return this.fontColor ?? null;
  }
}

export class FakeConditionalFormatRule extends Fake {
  readonly klass = "ConditionalFormatRule";
  constructor(gas: FakeGas, readonly condition: FakeBooleanCondition, readonly ranges: FakeRange[]) {
    super(gas);
  }
  getBooleanCondition() {
    return this.condition;
  }
  getRanges() {
    return [...this.ranges];
  }
}

export class FakeConditionalFormatRuleBuilder extends Fake {
  readonly klass = "ConditionalFormatRuleBuilder";
  formula?: string;
  background?: string;
  fontColor?: string;
  ranges: FakeRange[] = [];
  whenFormulaSatisfied(f: string) {
    if (!String(f).startsWith("=")) throw new Error("whenFormulaSatisfied: formula must start with =");
    this.formula = f;
    return this;
  }
  /** null clears the setting, as in Apps Script. */
  setBackground(c: string | null) {
    this.background = c ?? undefined;
    return this;
  }
  setFontColor(c: string | null) {
    this.fontColor = c ?? undefined;
    return this;
  }
  setRanges(r: FakeRange[]) {
    this.ranges = [...r];
    return this;
  }
  build() {
    if (!this.formula || this.ranges.length === 0) throw new Error("A conditional format rule needs a condition and ranges");
    return new FakeConditionalFormatRule(this.gas, new FakeBooleanCondition(this.gas, this.formula, this.background, this.fontColor), [...this.ranges]);
  }
}

export class FakeChart extends Fake {
  readonly klass = "EmbeddedChart";
  id = 0;
  constructor(
    gas: FakeGas,
    readonly type: string,
    readonly ranges: FakeRange[],
    readonly options: Map<string, unknown>,
    readonly position: { row: number; col: number },
    readonly mergeStrategy: string,
    readonly transpose: boolean,
    readonly numHeaders: number,
  ) {
    super(gas);
  }
  getOptions() {
    return new FakeChartOptions(this.gas, this.options);
  }
  getContainerInfo() {
    return new FakeContainerInfo(this.gas, this.position);
  }
  getRanges() {
    return [...this.ranges];
  }
  getChartId() {
    return this.id;
  }
}

export class FakeChartOptions extends Fake {
  readonly klass = "ChartOptions";
  constructor(gas: FakeGas, readonly options: Map<string, unknown>) {
    super(gas);
  }
  get(key: string) {
    return this.options.get(key) ?? null;
  }
}

export class FakeContainerInfo extends Fake {
  readonly klass = "ContainerInfo";
  constructor(gas: FakeGas, readonly pos: { row: number; col: number }) {
    super(gas);
  }
  getAnchorRow() {
    return this.pos.row;
  }
  getAnchorColumn() {
    return this.pos.col;
  }
  getOffsetX() {
    return 0;
  }
  getOffsetY() {
    return 0;
  }
}

export class FakeChartBuilder extends Fake {
  readonly klass = "EmbeddedChartBuilder";
  type = "";
  ranges: FakeRange[] = [];
  options = new Map<string, unknown>();
  position = { row: 1, col: 1 };
  merge = "MERGE_COLUMNS";
  transpose = false;
  numHeaders = -1;
  constructor(gas: FakeGas, readonly sheet: FakeSheet) {
    super(gas);
  }
  override get sheetName() {
    return this.sheet.name;
  }
  asLineChart() {
    this.type = "LINE";
    return this;
  }
  asComboChart() {
    this.type = "COMBO";
    return this;
  }
  addRange(r: FakeRange) {
    if (!(r instanceof FakeRange)) throw new Error("addRange needs a Range");
    this.ranges.push(r);
    return this;
  }
  setMergeStrategy(m: string) {
    this.merge = m;
    return this;
  }
  setTransposeRowsAndColumns(t: boolean) {
    this.transpose = t;
    return this;
  }
  setNumHeaders(n: number) {
    this.numHeaders = n;
    return this;
  }
  setTitle(t: string) {
    this.options.set("title", t);
    return this;
  }
  setOption(k: string, v: unknown) {
    this.options.set(k, v);
    return this;
  }
  setPosition(row: number, col: number) {
    this.position = { row, col };
    return this;
  }
  build() {
    if (!this.type || this.ranges.length === 0) throw new Error("A chart needs a type and at least one range");
    return new FakeChart(this.gas, this.type, this.ranges, new Map(this.options), this.position, this.merge, this.transpose, this.numHeaders);
  }
}

// ---------------------------------------------------------------- Ui, HtmlService, LockService

export class FakeHtmlOutput extends Fake {
  readonly klass = "HtmlOutput";
  title = "";
  metaTags: { name: string; content: string }[] = [];
  width = 0;
  height = 0;
  constructor(gas: FakeGas, readonly content: string, readonly file?: string) {
    super(gas);
  }
  setTitle(t: string) {
    this.title = t;
    return this;
  }
  getTitle() {
    return this.title;
  }
  setWidth(w: number) {
    this.width = w;
    return this;
  }
  setHeight(h: number) {
    this.height = h;
    return this;
  }
  /** Apps Script ignores <meta> tags in the HTML itself (except charset); this is how a page gets one. */
  addMetaTag(name: string, content: string) {
    if (!/^(apple-mobile-web-app-capable|mobile-web-app-capable|viewport)$/.test(name)) throw new Error(`Meta tag ${name} is not allowed.`);
    this.metaTags.push({ name, content });
    return this;
  }
  getMetaTags() {
    return this.metaTags.map((t) => ({ getName: () => t.name, getContent: () => t.content }));
  }
  getContent() {
    return this.content;
  }
}

export class FakeHtmlService extends Fake {
  readonly klass = "HtmlService";
  createHtmlOutputFromFile(name: string) {
    const content = this.gas.htmlFiles[name];
    if (content === undefined) throw new Error(`No HTML file named ${name} was found.`);
    return new FakeHtmlOutput(this.gas, content, name);
  }
  createHtmlOutput(html = "") {
    return new FakeHtmlOutput(this.gas, html);
  }
}

export class FakeMenu extends Fake {
  readonly klass = "Menu";
  items: { caption: string; fn: string }[] = [];
  constructor(gas: FakeGas, readonly name: string) {
    super(gas);
  }
  addItem(caption: string, fn: string) {
    this.items.push({ caption, fn });
    return this;
  }
  addSeparator() {
    return this;
  }
  addToUi() {
    this.gas.menus.push({ name: this.name, items: [...this.items] });
  }
}

export class FakeUi extends Fake {
  readonly klass = "Ui";
  readonly ButtonSet = { OK: "OK", OK_CANCEL: "OK_CANCEL", YES_NO: "YES_NO", YES_NO_CANCEL: "YES_NO_CANCEL" };
  readonly Button = { OK: "OK", CANCEL: "CANCEL", YES: "YES", NO: "NO", CLOSE: "CLOSE" };
  createAddonMenu() {
    return new FakeMenu(this.gas, this.gas.addonName);
  }
  createMenu(name: string) {
    return new FakeMenu(this.gas, name);
  }
  alert(a: string, b?: string) {
    this.gas.alerts.push(b === undefined ? { title: "", message: a } : { title: a, message: b });
    return "OK";
  }
  showSidebar(out: FakeHtmlOutput) {
    this.gas.sidebars.push(out);
  }
  showModalDialog(out: FakeHtmlOutput, title: string) {
    this.gas.dialogs.push({ title, html: out.getContent() });
  }
  showModelessDialog(out: FakeHtmlOutput, title: string) {
    this.gas.dialogs.push({ title, html: out.getContent() });
  }
}

/** Apps Script's own error for a call the script's mode or scopes do not allow. */
function denied(method: string, scopes: string): Error {
  const e = new Error(`You do not have permission to call ${method}. Required permissions: ${scopes}`);
  e.name = "Exception";
  return e;
}

export type LockState = "free" | "busy" | "null";

export class FakeLock extends Fake {
  readonly klass = "Lock";
  held = false;
  constructor(gas: FakeGas, readonly which: "document" | "script") {
    super(gas);
  }
  private busy() {
    return (this.which === "document" ? this.gas.documentLock : this.gas.scriptLock) === "busy";
  }
  waitLock(ms: number) {
    if (this.busy()) {
      this.gas.advance(ms);
      const e = new Error("Lock timeout: another process was holding the lock for too long.");
      e.name = "Exception";
      throw e;
    }
    this.held = true;
  }
  tryLock(ms: number) {
    if (this.busy()) {
      this.gas.advance(ms);
      return false;
    }
    this.held = true;
    return true;
  }
  hasLock() {
    return this.held;
  }
  releaseLock() {
    this.held = false;
  }
}

export class FakeLockService extends Fake {
  readonly klass = "LockService";
  readonly lock = new FakeLock(this.gas, "document");
  readonly scriptLockObj = new FakeLock(this.gas, "script");
  /** null where Apps Script has no document to lock (the fake's `documentLock: "null"`). */
  getDocumentLock() {
    return this.gas.documentLock === "null" ? null : this.lock;
  }
  getScriptLock() {
    return this.scriptLockObj;
  }
  getUserLock() {
    return this.scriptLockObj;
  }
}

/** Apps Script's quotas: 9 KB a value, 500 KB a store. */
export const PROPERTY_VALUE_LIMIT = 9 * 1024;
export const PROPERTY_STORE_LIMIT = 500 * 1024;

export class FakeProperties extends Fake {
  readonly klass = "Properties";
  readonly map = new Map<string, string>();
  constructor(gas: FakeGas, readonly store: string) {
    super(gas);
  }
  private size() {
    let n = 0;
    for (const [k, v] of this.map) n += Buffer.byteLength(k) + Buffer.byteLength(v);
    return n;
  }
  getProperty(k: string) {
    return this.map.has(k) ? this.map.get(k)! : null;
  }
  getProperties() {
    return Object.fromEntries(this.map);
  }
  getKeys() {
    return [...this.map.keys()];
  }
  setProperty(k: string, v: string) {
    const value = String(v);
    if (Buffer.byteLength(value) > PROPERTY_VALUE_LIMIT) {
      const e = new Error("Argument too large: value");
      e.name = "Exception";
      throw e;
    }
    const old = this.map.get(k);
    this.map.set(k, value);
    if (this.size() > PROPERTY_STORE_LIMIT) {
      if (old === undefined) this.map.delete(k);
      else this.map.set(k, old);
      const e = new Error("You have exceeded the property storage quota. Please remove some properties and try again.");
      e.name = "Exception";
      throw e;
    }
    return this;
  }
  setProperties(o: Record<string, string>) {
    for (const [k, v] of Object.entries(o)) this.setProperty(k, v);
    return this;
  }
  deleteProperty(k: string) {
    this.map.delete(k);
    return this;
  }
  deleteAllProperties() {
    this.map.clear();
    return this;
  }
}

export class FakePropertiesService extends Fake {
  readonly klass = "PropertiesService";
  getDocumentProperties() {
    return this.gas.documentProperties;
  }
  getScriptProperties() {
    return this.gas.scriptProperties;
  }
  getUserProperties() {
    return this.gas.userProperties(this.gas.user.key);
  }
}

export interface FakeUser {
  /** What Session.getTemporaryActiveUserKey gives: stable per person and script, reveals nothing. */
  key: string;
  email: string;
}

export class FakeUserObject extends Fake {
  readonly klass = "User";
  constructor(gas: FakeGas, readonly email: string) {
    super(gas);
  }
  getEmail() {
    return this.email;
  }
}

const EMAIL_SCOPE = "https://www.googleapis.com/auth/userinfo.email";

export class FakeSession extends Fake {
  readonly klass = "Session";
  /** Needs userinfo.email, which the add-on's manifest does not ask for: Apps Script throws, as here. */
  getActiveUser() {
    if (!this.gas.scopes.includes(EMAIL_SCOPE)) throw denied("Session.getActiveUser", EMAIL_SCOPE);
    return new FakeUserObject(this.gas, this.gas.mode === "CUSTOM_FUNCTION" ? "" : this.gas.user.email);
  }
  getEffectiveUser() {
    if (!this.gas.scopes.includes(EMAIL_SCOPE)) throw denied("Session.getEffectiveUser", EMAIL_SCOPE);
    return new FakeUserObject(this.gas, this.gas.user.email);
  }
  getTemporaryActiveUserKey() {
    return this.gas.user.key;
  }
  getScriptTimeZone() {
    return "Europe/London";
  }
  getActiveUserLocale() {
    return "en";
  }
}

export class FakeSpreadsheetApp extends Fake {
  readonly klass = "SpreadsheetApp";
  readonly DataValidationCriteria = {
    VALUE_IN_LIST: "VALUE_IN_LIST",
    VALUE_IN_RANGE: "VALUE_IN_RANGE",
    NUMBER_BETWEEN: "NUMBER_BETWEEN",
    DATE_IS_VALID_DATE: "DATE_IS_VALID_DATE",
    CUSTOM_FORMULA: "CUSTOM_FORMULA",
  };
  readonly BooleanCriteria = { CUSTOM_FORMULA: "CUSTOM_FORMULA" };
  getActiveSpreadsheet() {
    return this.gas.ss;
  }
  getActive() {
    return this.gas.ss;
  }
  getUi() {
    return this.gas.ui;
  }
  newDataValidation() {
    return new FakeDataValidationBuilder(this.gas);
  }
  newConditionalFormatRule() {
    return new FakeConditionalFormatRuleBuilder(this.gas);
  }
  newFilterCriteria() {
    return new FakeFilterCriteriaBuilder(this.gas);
  }
  flush() {}
}

/** Utilities, as far as the add-on might use it (sleep moves the fake's clock). */
export class FakeUtilities extends Fake {
  readonly klass = "Utilities";
  sleep(ms: number) {
    this.gas.advance(ms);
  }
  getUuid() {
    return `uuid-${++this.gas.uuids}`;
  }
}

// ---------------------------------------------------------------- the whole fake

export interface FakeOptions {
  timeZone?: string;
  /** HTML files HtmlService.createHtmlOutputFromFile can serve, by name without ".html". */
  htmlFiles?: Record<string, string>;
  /** Sheets to start with: name -> rows of values (strings parsed as if typed). */
  sheets?: Record<string, unknown[][]>;
  /** The manifest's scopes (default: the add-on's appsscript.json). */
  scopes?: string[];
  costs?: Partial<CostModel>;
}

/** The add-on's own manifest scopes, read from its source so the fake cannot drift from it. */
function manifestScopes(): string[] {
  try {
    return JSON.parse(readFileSync(`${__dirname}/../../sheets-addon/appsscript.json`, "utf8")).oauthScopes;
  } catch {
    return ["https://www.googleapis.com/auth/spreadsheets.currentonly", "https://www.googleapis.com/auth/script.container.ui"];
  }
}

/** What a custom function may call: reads of the spreadsheet, no Ui, no writes. */
const READ_ONLY = /^(get|is|has|can)/;
const SPREADSHEET_OBJECTS = /^(Spreadsheet|Sheet|Range|RangeList|NamedRange|Filter|EmbeddedChart)$/;

export class FakeGas {
  readonly calls = new CallLog();
  readonly ss: FakeSpreadsheet;
  readonly ui: FakeUi;
  readonly addonName = "PCN Toolkit";
  menus: { name: string; items: { caption: string; fn: string }[] }[] = [];
  alerts: { title: string; message: string }[] = [];
  sidebars: FakeHtmlOutput[] = [];
  dialogs: { title: string; html: string }[] = [];
  selection?: { sheet: string; a1: string };
  htmlFiles: Record<string, string>;
  documentLock: LockState = "free";
  scriptLock: LockState = "free";
  /** Kept for older tests: the document lock held by someone else. */
  get lockHeldElsewhere() {
    return this.documentLock === "busy";
  }
  set lockHeldElsewhere(v: boolean) {
    this.documentLock = v ? "busy" : "free";
  }
  /** What getValues returns for a formula cell (the fake does not calculate); "" by default. */
  formulaValue?: (sheet: string, row: number, col: number, formula: string) => unknown;
  readonly SpreadsheetApp: FakeSpreadsheetApp;
  readonly HtmlService: FakeHtmlService;
  readonly LockService: FakeLockService;
  readonly PropertiesService: FakePropertiesService;
  readonly Session: FakeSession;
  readonly Utilities: FakeUtilities;
  readonly documentProperties: FakeProperties;
  readonly scriptProperties: FakeProperties;
  private readonly users = new Map<string, FakeProperties>();
  scopes: string[];
  costs: CostModel;
  uuids = 0;

  // ---- time and executions
  /** ms on the fake's clock since it started; `now()` is the epoch time scripts see through Date.now. */
  clock = 0;
  /** 09:00 on 1 December 2026, London: the clock's zero. */
  readonly clockBase = Date.UTC(2026, 11, 1, 9, 0, 0);
  execution?: Execution;
  readonly executions: Execution[] = [];
  mode: AuthMode = "FULL";
  user: FakeUser = { key: "tmp-key-asha", email: "asha.patel@example.nhs.uk" };

  constructor(opts: FakeOptions = {}) {
    this.scopes = opts.scopes ?? manifestScopes();
    this.costs = { ...APPS_SCRIPT_COSTS, ...opts.costs, heavy: { ...APPS_SCRIPT_COSTS.heavy, ...opts.costs?.heavy } };
    this.ss = new FakeSpreadsheet(this, opts.timeZone ?? "Europe/London");
    this.ui = new FakeUi(this);
    this.htmlFiles = opts.htmlFiles ?? {};
    this.SpreadsheetApp = new FakeSpreadsheetApp(this);
    this.HtmlService = new FakeHtmlService(this);
    this.LockService = new FakeLockService(this);
    this.PropertiesService = new FakePropertiesService(this);
    this.Session = new FakeSession(this);
    this.Utilities = new FakeUtilities(this);
    this.documentProperties = new FakeProperties(this, "document");
    this.scriptProperties = new FakeProperties(this, "script");
    const start = opts.sheets ?? { Sheet1: [] };
    for (const [name, rows] of Object.entries(start)) {
      const sh = this.ss.insertSheet(name);
      // Imported data larger than a new sheet's grid: the grid fits it, as in an uploaded file.
      sh.maxRows = Math.max(sh.maxRows, rows.length);
      sh.maxCols = Math.max(sh.maxCols, ...rows.map((r) => r.length));
      rows.forEach((r, i) => r.forEach((v, j) => sh.write(i + 1, j + 1, v)));
    }
    this.ss.select(this.ss.sheets[0], [{ row: 1, col: 1, rows: 1, cols: 1 }]);
    this.selection = undefined;
  }

  now(): number {
    return this.clockBase + this.clock;
  }
  /** Moves the clock (a lock wait, Utilities.sleep, a person thinking between executions). */
  advance(ms: number) {
    this.clock += ms;
  }

  userProperties(key: string): FakeProperties {
    let p = this.users.get(key);
    if (!p) this.users.set(key, (p = new FakeProperties(this, `user:${key}`)));
    return p;
  }

  /**
   * One execution of a script function, as Apps Script runs it: its mode, its user, and its time limit. A call
   * past the limit ends it (ExecutionKilled, whatever the script catches); so does a call the mode forbids
   * only if the script lets the error escape.
   */
  execute<T>(fn: string, body: () => T, opts: { mode?: AuthMode; user?: FakeUser; limit?: number } = {}): T {
    const mode = opts.mode ?? "FULL";
    const limit = opts.limit ?? (mode === "CUSTOM_FUNCTION" || mode === "NONE" || mode === "LIMITED" ? CUSTOM_FUNCTION_LIMIT_MS : EXECUTION_LIMIT_MS);
    const prev = { user: this.user, mode: this.mode, execution: this.execution };
    const ex = new Execution(fn, mode, (opts.user ?? this.user).key, this.clock, limit);
    this.executions.push(ex);
    Object.assign(this, { execution: ex, mode, user: opts.user ?? this.user });
    try {
      const out = body();
      if (ex.killed) throw new ExecutionKilled();
      return out;
    } catch (e) {
      if (ex.killed) throw new ExecutionKilled();
      throw e;
    } finally {
      ex.end = this.clock;
      Object.assign(this, prev);
    }
  }

  /** Before a counted call: is it allowed in this mode, and is the execution still alive? */
  beforeCall(method: string, target: object) {
    const ex = this.execution;
    if (ex?.killed) throw new ExecutionKilled();
    const [klass, name] = method.split(".");
    if (this.mode === "NONE") {
      // An add-on's onOpen in a file it has not been used in: menus only.
      const ok = method === "SpreadsheetApp.getUi" || (klass === "Ui" && /^create(Addon)?Menu$/.test(name)) || klass === "Menu" || klass === "Utilities";
      if (!ok) throw denied(method, "(none are granted in AuthMode.NONE)");
    } else if (this.mode === "CUSTOM_FUNCTION") {
      if (method === "SpreadsheetApp.getUi" || klass === "Ui") {
        const e = new Error("Cannot call SpreadsheetApp.getUi() from this context.");
        e.name = "Exception";
        throw e;
      }
      if (SPREADSHEET_OBJECTS.test(klass) && !READ_ONLY.test(name)) throw denied(method, "a custom function may only read the spreadsheet");
      if (klass === "SpreadsheetApp" && !READ_ONLY.test(name) && !/^new/.test(name)) throw denied(method, "a custom function may only read the spreadsheet");
      if (klass === "Properties" && /^(set|delete)/.test(name) && (target as FakeProperties).store.startsWith("user:")) throw denied(method, "custom functions cannot set user properties");
    }
  }

  /** After a counted call: charge the clock, count content reads, and end the execution if it is past its limit. */
  afterCall(method: string, target: object, args: unknown[]) {
    const c = this.costs;
    const kind = callKind(method);
    let cells = 0;
    if (target instanceof FakeRange) cells = target.rect.rows * target.rect.cols;
    else if (target instanceof FakeRangeList) cells = target.ranges.reduce((n, r) => n + r.rect.rows * r.rect.cols, 0);
    let ms = kind === "builder" ? c.builder : kind === "service" ? c.service : c.call;
    if (READ_CELLS.test(method)) ms += cells * c.readCell;
    else if (WRITE_CELLS.test(method)) ms += cells * c.writeCell;
    else if (FORMAT_CELLS.test(method)) ms += cells * c.formatCell;
    else if (VALIDATION_CELLS.test(method)) ms += cells * c.validationCell;
    else if (CLEAR_CELLS.test(method)) ms += cells * c.clearCell;
    ms += c.heavy[method] ?? 0;
    this.clock += ms * c.scale;
    const ex = this.execution;
    if (ex && READ_CELLS.test(method) && target instanceof FakeRange) {
      let m = ex.reads.get(target.sheet);
      if (!m) ex.reads.set(target.sheet, (m = new Map()));
      const { row, col, rows, cols } = target.rect;
      for (let r = row; r < row + rows; r++) for (let k = col; k < col + cols; k++) m.set(cellKey(r, k), (m.get(cellKey(r, k)) ?? 0) + 1);
    }
    if (ex && this.clock - ex.start > ex.limit) {
      ex.killed = true;
      throw new ExecutionKilled();
    }
    void args;
  }

  /** Globals for a node:vm context (or globalThis) running Apps Script code. */
  get globals(): Record<string, unknown> {
    return {
      SpreadsheetApp: wrap(this.SpreadsheetApp),
      HtmlService: wrap(this.HtmlService),
      LockService: wrap(this.LockService),
      PropertiesService: wrap(this.PropertiesService),
      Session: wrap(this.Session),
      Utilities: wrap(this.Utilities),
      ScriptApp: { AuthMode: { NONE: "NONE", LIMITED: "LIMITED", CUSTOM_FUNCTION: "CUSTOM_FUNCTION", FULL: "FULL" } },
      Charts: { ChartMergeStrategy: { MERGE_COLUMNS: "MERGE_COLUMNS", MERGE_ROWS: "MERGE_ROWS" }, ChartType: { LINE: "LINE" } },
      Logger: { log: () => undefined },
    };
  }

  /** A vm context running Apps Script code over this fake, its Date.now on the fake's clock. */
  context(extra: Record<string, unknown> = {}): Record<string, any> {
    const ctx = vmModule.createContext({ ...this.globals, console: { log() {}, info() {}, warn() {}, error() {} }, __pcnNow: () => this.now(), ...extra });
    vmModule.runInContext("Date.now = function () { return __pcnNow(); };", ctx);
    return ctx as Record<string, any>;
  }

  /** A sheet by name, for assertions (uncounted). */
  sheet(name: string): FakeSheet {
    const s = this.ss.sheets.find((x) => x.name === name);
    if (!s) throw new Error(`No sheet "${name}" (have: ${this.ss.sheets.map((x) => x.name).join(", ")})`);
    return s;
  }

  /** A person typing into a cell (uncounted): same parsing as setValue. */
  type(sheet: string, a1: string, v: unknown) {
    const { rect } = parseA1(a1);
    this.sheet(sheet).write(rect.row, rect.col, v);
  }
}

export function createFakeGas(opts: FakeOptions = {}): FakeGas {
  return new FakeGas(opts);
}

/** Loads a built Code.js into a fresh node:vm context with the fake's globals; returns the context. */
export async function loadCode(gas: FakeGas, codePath: string): Promise<Record<string, any>> {
  const ctx = gas.context({ console });
  vmModule.runInContext(readFileSync(codePath, "utf8"), ctx, { filename: codePath });
  return ctx;
}

// ---------------------------------------------------------------- the built add-on

/** Newest modification time under the given paths (files or directories). */
function newestMtime(paths: string[]): number {
  let newest = 0;
  const visit = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const f of readdirSync(p)) if (f !== "node_modules" && !f.startsWith(".")) visit(`${p}/${f}`);
    } else newest = Math.max(newest, st.mtimeMs);
  };
  paths.forEach(visit);
  return newest;
}

/**
 * dist/sheets-addon as `npx webpack --mode production --config-name sheets` makes it. Rebuilt (through
 * webpack's API, same config) when missing or older than its sources; a lock directory keeps parallel test
 * files from building at once.
 */
export async function ensureSheetsBuild(root: string): Promise<string> {
  const { existsSync, mkdirSync, rmdirSync, utimesSync, writeFileSync } = await import("node:fs");
  const { createRequire } = await import("node:module");
  const dist = `${root}/dist/sheets-addon`;
  const outputs = ["Code.js", "Sidebar.html", "appsscript.json"].map((f) => `${dist}/${f}`);
  const sources = ["sheets-addon", "core", "pane", "webpack.config.js"].map((p) => `${root}/${p}`);
  // webpack leaves an output whose content is unchanged with its old time, so a source touched but not changed
  // would make every test file rebuild, one after another on the lock: dist/.built (npm test's stamp after its
  // webpack run) and the stamp of our own build below also count as "built after".
  const stamps = [`${root}/dist/.built`, `${root}/dist/.sheets-built`];
  const builtAt = () => Math.max(Math.min(...outputs.map((o) => statSync(o).mtimeMs)), ...stamps.filter(existsSync).map((f) => statSync(f).mtimeMs));
  const fresh = () => outputs.every(existsSync) && builtAt() >= newestMtime(sources);
  if (fresh()) return dist;
  mkdirSync(`${root}/dist`, { recursive: true });
  const lock = `${root}/dist/.sheets-build-lock`;
  for (const start = Date.now(); ; ) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - start > 180000) throw new Error(`Timed out waiting for ${lock}`);
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180000) rmdirSync(lock);
      } catch {}
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (fresh()) return dist;
    const began = Date.now();
    const req = createRequire(`${root}/package.json`);
    const webpack = req("webpack");
    const configs = req(`${root}/webpack.config.js`) as ((env: unknown, argv: unknown) => any)[];
    const sheets = configs.find((c) => c.name === "sheets");
    if (!sheets) throw new Error("webpack.config.js exports no `sheets` config");
    const config = { ...sheets({}, { mode: "production" }), mode: "production" };
    await new Promise<void>((resolve, reject) =>
      webpack(config, (err: Error | null, stats: any) => {
        if (err) return reject(err);
        if (stats.hasErrors()) return reject(new Error(stats.toString({ all: false, errors: true })));
        resolve();
      }),
    );
    // Dated when the build began: a source saved while webpack ran still counts as newer.
    writeFileSync(`${root}/dist/.sheets-built`, new Date(began).toISOString() + "\n");
    utimesSync(`${root}/dist/.sheets-built`, began / 1000, began / 1000);
    return dist;
  } finally {
    rmdirSync(lock);
  }
}
