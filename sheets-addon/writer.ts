/**
 * Google Sheets host: reads a WorkbookSnapshot and applies a WritePlan with SpreadsheetApp.
 * Every call is a round trip to Google, so the writer only makes whole-range or range-list calls: the number
 * of calls per sheet depends on the plan's rule count, never on its row count.
 */
import {
  a1,
  type Block,
  type ChartSpec,
  type ConditionalFormatRule,
  type NamedRange,
  type NumberFormatRule,
  type PlanCell,
  type RangeRef,
  type SheetPlan,
  type SheetSnapshot,
  type SnapshotValue,
  type ValidationRule,
  type WorkbookSnapshot,
  type WritePlan,
  isoToSerial,
  rectangles,
  within,
} from "../core/workbook/plan";

// ---------------------------------------------------------------- the SpreadsheetApp surface we use
// Typed structurally so tests, the bench and the root tsconfig need no Apps Script types (they clash with
// DOM); bridge-server.ts has tsc check that the real Apps Script types fit these.

/** The setters a Range and a RangeList share: a group of one range is set through its Range, saving a getRangeList. */
export interface Formattable {
  clearDataValidations(): unknown;
  setNumberFormat(format: string): unknown;
  setFontWeight(weight: "bold" | "normal" | null): unknown;
  setFontStyle(style: "italic" | "normal" | null): unknown;
  setWrap(wrap: boolean): unknown;
  setBackground(color: string | null): unknown;
  setFontColor(color: string | null): unknown;
}
export interface Range extends Formattable {
  getValues(): unknown[][];
  getFormulas(): string[][];
  setValues(values: unknown[][]): unknown;
  setDataValidation(rule: DataValidation | null): unknown;
  createFilter(): unknown;
  getA1Notation(): string;
  getRow(): number;
  getColumn(): number;
  getNumRows(): number;
  getNumColumns(): number;
}
export interface RangeList extends Formattable {
  clearContent(): unknown;
  getRanges(): Range[];
}
export type DataValidation = object;
export interface DataValidationBuilder {
  requireValueInList(values: string[], showDropdown: boolean): DataValidationBuilder;
  requireValueInRange(range: Range, showDropdown: boolean): DataValidationBuilder;
  requireNumberBetween(start: number, end: number): DataValidationBuilder;
  requireNumberGreaterThanOrEqualTo(n: number): DataValidationBuilder;
  requireNumberLessThanOrEqualTo(n: number): DataValidationBuilder;
  requireFormulaSatisfied(formula: string): DataValidationBuilder;
  requireDate(): DataValidationBuilder;
  setHelpText(text: string): DataValidationBuilder;
  setAllowInvalid(allow: boolean): DataValidationBuilder;
  build(): DataValidation;
}
export interface ConditionalFormatRuleLike {
  getBooleanCondition(): { getCriteriaValues(): unknown[] } | null;
  getRanges(): Range[];
}
export interface ConditionalFormatRuleBuilder {
  whenFormulaSatisfied(formula: string): ConditionalFormatRuleBuilder;
  setBackground(color: string | null): ConditionalFormatRuleBuilder;
  setFontColor(color: string | null): ConditionalFormatRuleBuilder;
  setRanges(ranges: Range[]): ConditionalFormatRuleBuilder;
  build(): ConditionalFormatRuleLike;
}
export interface EmbeddedChart {
  getOptions(): { get(option: string): unknown };
  getContainerInfo(): { getAnchorRow(): number; getAnchorColumn(): number };
}
export interface ChartBuilder {
  addRange(range: Range): ChartBuilder;
  setMergeStrategy(strategy: any): ChartBuilder;
  setTransposeRowsAndColumns(transpose: boolean): ChartBuilder;
  setNumHeaders(headers: number): ChartBuilder;
  setOption(option: string, value: any): ChartBuilder;
  setPosition(anchorRow: number, anchorCol: number, offsetX: number, offsetY: number): ChartBuilder;
  build(): object;
}
export interface Sheet {
  getName(): string;
  getDataRange(): Range;
  getRange(row: number, column: number, numRows: number, numColumns: number): Range;
  getRangeList(a1Notations: string[]): RangeList;
  getConditionalFormatRules(): ConditionalFormatRuleLike[];
  setConditionalFormatRules(rules: ConditionalFormatRuleLike[]): void;
  getCharts(): EmbeddedChart[];
  removeChart(chart: EmbeddedChart): void;
  newChart(): { asLineChart(): ChartBuilder };
  insertChart(chart: object): void;
  setFrozenRows(rows: number): void;
  setFrozenColumns(columns: number): void;
  setColumnWidths(startColumn: number, numColumns: number, width: number): unknown;
  getFilter(): object | null;
  hideSheet(): unknown;
  getMaxRows(): number;
  getMaxColumns(): number;
  insertRowsAfter(afterPosition: number, howMany: number): unknown;
  insertColumnsAfter(afterPosition: number, howMany: number): unknown;
}
export interface NamedRangeLike {
  getName(): string;
  setRange(range: Range): unknown;
}
export interface Spreadsheet {
  getSpreadsheetTimeZone(): string;
  getSheets(): Sheet[];
  getSheetByName(name: string): Sheet | null;
  insertSheet(name: string): Sheet;
  deleteSheet(sheet: Sheet): void;
  getRange(a1Notation: string): Range;
  getNamedRanges(): NamedRangeLike[];
  setNamedRange(name: string, range: Range): void;
}
/** The globals the writer calls. */
export interface WriterApp {
  newDataValidation(): DataValidationBuilder;
  newConditionalFormatRule(): ConditionalFormatRuleBuilder;
}
export interface WriterCharts { ChartMergeStrategy: { MERGE_ROWS: unknown } }
declare const SpreadsheetApp: WriterApp;
declare const Charts: WriterCharts;

export interface ApplyProgress { done: number; total: number; label: string }
/** `sheetsPlanned`: the plan's sheet count; fewer were built when the time budget ran out. */
export interface ApplyResult { sheetsBuilt: string[]; sheetsPlanned: number; warnings: string[] }
/**
 * Stop before starting a sheet once more than `limitMs` have passed since `startedAt` (ms, as `now` gives;
 * Date.now by default). Apps Script ends an execution at 6 minutes wherever it is; stopping between sheets
 * leaves every sheet whole.
 */
export interface TimeBudget { startedAt: number; limitMs: number; now?: () => number }

/** A sheet Sheets inserts is 1000 rows by 26 columns (A-Z); a range outside its grid throws. */
export const NEW_SHEET_ROWS = 1000;
export const NEW_SHEET_COLS = 26;

/** Pixels per character of column width (Excel's unit is characters of the default font). */
export const PX_PER_CHAR = 7;
/** Rough size of a cell for placing charts over an anchor range. */
const ROW_PX = 21;
const COL_PX = 100;
/** Plain-text number format: Sheets stores what is written there as it is (no parsing, apostrophe kept). */
const TEXT_FORMAT = "@";

// ---------------------------------------------------------------- reading

/** Days and fraction since 1899-12-30 from calendar parts (no time zone involved). */
function partsToSerial(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const days = (Date.UTC(y, mo - 1, d) - Date.UTC(1899, 11, 30)) / 86400000;
  const serial = days + (h * 3600 + mi * 60 + s) / 86400;
  return Math.round(serial * 1e9) / 1e9;
}

/**
 * getValues() returns a date cell as the instant its wall-clock time has in the spreadsheet's time zone.
 * We read the wall-clock parts back in that zone (Intl, available in the V8 runtime); if Intl cannot do the
 * zone we fall back to the script's zone (appsscript.json: Europe/London, the usual spreadsheet zone).
 */
export function dateToSerialFn(timeZone: string | undefined): (d: Date) => number {
  let fmt: Intl.DateTimeFormat | null = null;
  try {
    if (timeZone) {
      fmt = new Intl.DateTimeFormat("en-GB", {
        timeZone,
        hour12: false, // some engines give hour 24 at midnight with this: handled below
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
      if (typeof fmt.formatToParts !== "function") fmt = null;
    }
  } catch (e) {
    fmt = null;
  }
  return (d: Date) => {
    if (fmt) {
      const p: Record<string, number> = {};
      for (const part of fmt.formatToParts(d)) if (part.type !== "literal") p[part.type] = Number(part.value);
      return partsToSerial(p.year, p.month, p.day, p.hour % 24, p.minute, p.second + d.getMilliseconds() / 1000);
    }
    return partsToSerial(d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds() + d.getMilliseconds() / 1000);
  };
}

const isDate = (v: unknown): v is Date => Object.prototype.toString.call(v) === "[object Date]";

/** Values and formulas of every sheet's used range from A1: one getDataRange + getValues + getFormulas per sheet. */
export function readSnapshot(ss: Spreadsheet): WorkbookSnapshot {
  const toSerial = dateToSerialFn(ss.getSpreadsheetTimeZone());
  const sheets: SheetSnapshot[] = ss.getSheets().map((sh) => {
    const range = sh.getDataRange();
    const raw = range.getValues();
    const rawF = range.getFormulas();
    const values: SnapshotValue[][] = raw.map((row) =>
      row.map((v): SnapshotValue => {
        if (v === "" || v === null || v === undefined) return null;
        if (isDate(v)) return toSerial(v);
        if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
        return String(v);
      }),
    );
    const formulas = rawF.map((row) => row.map((f) => (typeof f === "string" && f.startsWith("=") ? f : null)));
    return { name: sh.getName(), values, formulas };
  });
  return { sheets };
}

// ---------------------------------------------------------------- literal text

const MONTH_OR_DAY = /^(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?|oct(ober)?|nov(ember)?|dec(ember)?|mon(day)?|tue(s(day)?)?|wed(nesday)?|thu(rs(day)?)?|fri(day)?|sat(urday)?|sun(day)?|am|pm|[ap])$/i;

/**
 * True when Sheets would not keep `s` as the same text if written as it is: a formula or sign prefix, an
 * apostrophe of its own, or something it parses as a number, percentage, currency, date, time or boolean.
 * Erring towards true is harmless (the apostrophe is not part of the value).
 */
export function needsApostrophe(s: string): boolean {
  if (s === "") return false;
  if (/^[=+\-@']/.test(s)) return true;
  const t = s.trim();
  if (t === "") return false;
  if (/^(true|false)$/i.test(t)) return true;
  // Numbers in any dress: 1,234.5  (12)  £5  12%  1e5  .5  1 234
  if (/\d/.test(t) && /^[\s\d.,:/\-+%()£$€¥eE]*$/.test(t)) return true;
  // Dates and times written with words: "Apr-25", "1 January 2025", "Mon 3 Mar", "3pm".
  const tokens = t.split(/[\s,\-/.:]+/).filter((x) => x !== "");
  if (tokens.length > 0 && tokens.length <= 6 && /\d/.test(t)) {
    if (tokens.every((x) => /^\d+(st|nd|rd|th|am|pm)?$/i.test(x) || MONTH_OR_DAY.test(x))) return true;
  }
  return false;
}

/** One plan cell as setValues takes it. `plainText`: the cell is formatted "@" and keeps strings as typed. */
export function toSheetValue(cell: PlanCell, plainText = false): string | number | boolean {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "number") return Number.isFinite(cell) ? cell : "";
  if (typeof cell === "boolean") return cell;
  if (typeof cell === "string") return !plainText && needsApostrophe(cell) ? `'${cell}` : cell;
  if ("f" in cell) return cell.f.startsWith("=") ? cell.f : `=${cell.f}`;
  return isoToSerial(cell.d);
}

// ---------------------------------------------------------------- writing

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const extent = (b: Block): RangeRef => ({ row: b.row, col: b.col, rows: b.cells.length, cols: b.cells[0].length });

/** Groups ranges by a key so each distinct value costs one setter (plus a getRangeList when it has several ranges). */
function groupBy<T extends { range: RangeRef }>(items: T[], key: (t: T) => string | undefined): Map<string, RangeRef[]> {
  const m = new Map<string, RangeRef[]>();
  for (const it of items) {
    const k = key(it);
    if (k === undefined) continue;
    const list = m.get(k) ?? [];
    list.push(it.range);
    m.set(k, list);
  }
  return m;
}

const a1s = (ranges: RangeRef[]) => ranges.map((r) => a1(r));

/**
 * Range handles by sheet and A1. getRange costs a call per range, getRangeList(a1s).getRanges() two calls for
 * any number, so each sheet fetches at once every range the build needs on it: its own, and those the plan's
 * names and charts point at.
 */
class Handles {
  private held = new Map<string, Map<string, Range>>();
  private sheets = new Map<string, Sheet | null>();
  constructor(private ss: Spreadsheet) {}

  know(name: string, sheet: Sheet) {
    this.sheets.set(name, sheet);
  }
  /** The sheet by name, looked up at most once per build. */
  sheet(name: string): Sheet | null {
    if (!this.sheets.has(name)) this.sheets.set(name, this.ss.getSheetByName(name));
    return this.sheets.get(name) ?? null;
  }
  private on(name: string): Map<string, Range> {
    let m = this.held.get(name);
    if (!m) this.held.set(name, (m = new Map()));
    return m;
  }

  /** Fetches the ranges not held yet in bulk, when that is fewer calls than a getRange each. */
  fetch(name: string, refs: RangeRef[]) {
    const held = this.on(name);
    const want = [...new Set(a1s(refs))].filter((k) => !held.has(k));
    if (want.length <= 2 + (this.sheets.has(name) ? 0 : 1)) return;
    const sheet = this.sheet(name);
    if (!sheet) return;
    try {
      const got = sheet.getRangeList(want).getRanges();
      want.forEach((k, i) => held.set(k, got[i]));
    } catch (e) {
      // Left to get(): one getRange each, which fails (or not) as it did before batching.
    }
  }

  get(name: string, r: RangeRef): Range {
    const held = this.on(name);
    const k = a1(r);
    let rg = held.get(k);
    if (!rg) {
      const sheet = this.sheets.get(name);
      rg = sheet ? sheet.getRange(r.row + 1, r.col + 1, r.rows, r.cols) : this.ss.getRange(a1(r, { sheet: name }));
      held.set(k, rg);
    }
    return rg;
  }
}

// ---- data validation

interface Criterion {
  key: string;
  set(b: DataValidationBuilder, source: (a1: string) => Range): DataValidationBuilder;
}

/** The rule's criterion; a formula one is relative to the range's top-left cell, so its key carries the position. */
function criterion(rule: ValidationRule): Criterion | null {
  const tl = a1({ row: rule.range.row, col: rule.range.col, rows: 1, cols: 1 });
  const formula = (f: string): Criterion => ({ key: JSON.stringify(["f", f]), set: (b) => b.requireFormulaSatisfied(f) });
  if (rule.list) {
    const list = rule.list;
    return { key: JSON.stringify(["list", list]), set: (b) => b.requireValueInList(list, true) };
  }
  if (rule.listSource) {
    const src = rule.listSource;
    return { key: JSON.stringify(["range", src]), set: (b, source) => b.requireValueInRange(source(src), true) };
  }
  if (rule.number) {
    const { min, max, integer } = rule.number;
    if (integer) {
      // Sheets has no whole-number criterion; a custom formula relative to the top-left cell does it.
      const parts = [`ISNUMBER(${tl})`, `${tl}=INT(${tl})`];
      if (min !== undefined) parts.push(`${tl}>=${min}`);
      if (max !== undefined) parts.push(`${tl}<=${max}`);
      return formula(`=AND(${parts.join(",")})`);
    }
    if (min !== undefined && max !== undefined) return { key: JSON.stringify(["between", min, max]), set: (b) => b.requireNumberBetween(min, max) };
    if (min !== undefined) return { key: JSON.stringify([">=", min]), set: (b) => b.requireNumberGreaterThanOrEqualTo(min) };
    if (max !== undefined) return { key: JSON.stringify(["<=", max]), set: (b) => b.requireNumberLessThanOrEqualTo(max) };
    return formula(`=ISNUMBER(${tl})`);
  }
  if (rule.date) return { key: JSON.stringify(["date"]), set: (b) => b.requireDate() };
  return null;
}

/**
 * One DataValidationBuilder for the whole build, reused: a rule costs the settings that differ from the last
 * rule built, then build(). A built rule is a snapshot, so later settings do not change it.
 */
class ValidationBuilder {
  private b: DataValidationBuilder | null = null;
  private crit?: string;
  private help?: string;
  private sources = new Map<string, Range>();
  constructor(private ss: Spreadsheet) {}

  build(c: Criterion | null, message: string): DataValidation {
    // No criterion: a fresh builder, as setting none on the shared one would keep the last rule's.
    if (!c) return SpreadsheetApp.newDataValidation().setHelpText(message).setAllowInvalid(false).build();
    if (!this.b) this.b = SpreadsheetApp.newDataValidation().setAllowInvalid(false);
    if (this.crit !== c.key) {
      this.b = c.set(this.b, (src) => {
        let rg = this.sources.get(src);
        if (!rg) this.sources.set(src, (rg = this.ss.getRange(src)));
        return rg;
      });
      this.crit = c.key;
    }
    if (this.help !== message) {
      this.b = this.b.setHelpText(message);
      this.help = message;
    }
    return this.b.build();
  }
}

/** One built rule per distinct criterion and message, built grouped by criterion; applied in plan order. */
function applyValidations(b: Build, p: SheetPlan) {
  const items = p.validations.map((v) => {
    const c = criterion(v);
    return { v, c, key: JSON.stringify([c ? c.key : null, v.message]) };
  });
  const crit = (it: (typeof items)[number]) => (it.c ? it.c.key : "");
  const distinct = [...new Map(items.map((it) => [it.key, it])).values()].sort((x, y) => cmp(crit(x), crit(y)) || cmp(x.v.message, y.v.message));
  const built = new Map<string, DataValidation | null>();
  for (const it of distinct) {
    try {
      built.set(it.key, b.validations.build(it.c, it.v.message));
    } catch (e) {
      built.set(it.key, null);
    }
  }
  for (const { v, key } of items) {
    const dv = built.get(key);
    // A dropdown fed from a sheet that is not there (yet): skip it rather than fail the whole build.
    if (!dv) b.warnings.push(`No dropdown in ${p.name}!${a1(v.range)}: its list ${v.listSource ?? ""} could not be read.`);
    else b.handles.get(p.name, v.range).setDataValidation(dv);
  }
}

// ---- conditional formats

const cfFormula = (r: ConditionalFormatRule) => (r.formula.startsWith("=") ? r.formula : `=${r.formula}`);

/** One ConditionalFormatRuleBuilder for the whole build, reused like the validation builder. */
class FormatRuleBuilder {
  private b: ConditionalFormatRuleBuilder | null = null;
  private fill: string | null = null;
  private font: string | null = null;
  /** With the sheet: the builder outlives a sheet. */
  private ranges?: string;

  /** Builder calls to build these rules of `sheet` in this order from the current state. */
  cost(sheet: string, rules: ConditionalFormatRule[]): number {
    let n = this.b ? 0 : 1;
    let fill = this.fill;
    let font = this.font;
    let ranges = this.ranges;
    for (const r of rules) {
      n += 2; // whenFormulaSatisfied, build
      if (r.fill !== fill) n++;
      if ((r.font ?? null) !== font) n++;
      if (a1(r.range, { sheet }) !== ranges) n++;
      fill = r.fill;
      font = r.font ?? null;
      ranges = a1(r.range, { sheet });
    }
    return n;
  }

  build(sheet: string, r: ConditionalFormatRule, range: Range): ConditionalFormatRuleLike {
    let b = this.b ?? SpreadsheetApp.newConditionalFormatRule();
    b = b.whenFormulaSatisfied(cfFormula(r));
    if (r.fill !== this.fill) b = b.setBackground((this.fill = r.fill));
    if ((r.font ?? null) !== this.font) b = b.setFontColor((this.font = r.font ?? null));
    const key = a1(r.range, { sheet });
    if (key !== this.ranges) {
      b = b.setRanges([range]);
      this.ranges = key;
    }
    this.b = b;
    return b.build();
  }
}

/**
 * Conditional formats: Sheets only sets the whole list, so we keep the person's own rules and replace ours.
 * A rule is ours when its formula is one we write, or its range is exactly one we format (a person's rule on
 * part of our table stays). Rules are built in whichever order needs fewest builder calls; the list keeps the
 * plan's order (it is the rules' priority).
 */
function applyConditionalFormats(b: Build, sheet: Sheet, p: SheetPlan, fresh: boolean) {
  const rules = p.conditionalFormats;
  const existing = fresh ? [] : sheet.getConditionalFormatRules();
  if (rules.length === 0 && existing.length === 0) return;
  const ours = new Set(rules.map(cfFormula));
  const ourRanges = new Set(rules.map((r) => a1(r.range)));
  const kept = existing.filter((rule) => {
    const cond = rule.getBooleanCondition();
    const values = cond ? cond.getCriteriaValues() : [];
    if (values.some((v) => typeof v === "string" && ours.has(v))) return false;
    // One getA1Notation per range rather than its four coordinates.
    return !rule.getRanges().some((rg) => ourRanges.has(rg.getA1Notation().replace(/\$/g, "").toUpperCase()));
  });
  const indexed = rules.map((r, i) => ({ r, i }));
  const style = (x: ConditionalFormatRule) => JSON.stringify([x.fill, x.font ?? null]);
  const orders = [
    indexed,
    [...indexed].sort((x, y) => cmp(style(x.r), style(y.r)) || cmp(a1(x.r.range), a1(y.r.range)) || x.i - y.i),
    [...indexed].sort((x, y) => cmp(a1(x.r.range), a1(y.r.range)) || cmp(style(x.r), style(y.r)) || x.i - y.i),
  ];
  const costs = orders.map((o) => b.formatRules.cost(p.name, o.map((x) => x.r)));
  const order = orders[costs.indexOf(Math.min(...costs))];
  const built: ConditionalFormatRuleLike[] = [];
  for (const { r, i } of order) built[i] = b.formatRules.build(p.name, r, b.handles.get(p.name, r.range));
  sheet.setConditionalFormatRules([...kept, ...built]);
}

// ---- charts

/**
 * Charts we made before are recognised by title: a chart on this sheet whose title is one of the plan's
 * chart titles, or which sits exactly at a plan chart's anchor cell, is replaced; any other chart is the
 * person's and stays.
 */
function applyCharts(b: Build, sheet: Sheet, charts: ChartSpec[], fresh: boolean) {
  const existing = fresh ? [] : sheet.getCharts();
  if (charts.length === 0 && existing.length === 0) return;
  const titles = new Set(charts.map((c) => c.title));
  const anchors = new Set(charts.map((c) => `${c.anchor.row + 1}:${c.anchor.col + 1}`));
  for (const ch of existing) {
    if (titles.has(String(ch.getOptions().get("title")))) {
      sheet.removeChart(ch);
      continue;
    }
    const info = ch.getContainerInfo();
    if (anchors.has(`${info.getAnchorRow()}:${info.getAnchorColumn()}`)) sheet.removeChart(ch);
  }
  // Data on sheets this build has not fetched (not in the plan, or later in it): one bulk fetch per sheet.
  const refs = new Map<string, RangeRef[]>();
  for (const c of charts) for (const x of [c.categories, ...c.series]) refs.set(x.sheet, [...(refs.get(x.sheet) ?? []), x.range]);
  for (const [name, list] of refs) b.handles.fetch(name, list);
  for (const c of charts) {
    let cb = sheet.newChart().asLineChart().addRange(b.handles.get(c.categories.sheet, c.categories.range));
    for (const s of c.series) cb = cb.addRange(b.handles.get(s.sheet, s.range));
    // Months along a row: stack the row ranges, then read rows as series with the first row as the axis.
    if (c.categories.range.rows === 1 && c.categories.range.cols > 1) {
      cb = cb.setMergeStrategy(Charts.ChartMergeStrategy.MERGE_ROWS).setTransposeRowsAndColumns(true);
    }
    const series: Record<number, { labelInLegend: string; color?: string }> = {};
    c.series.forEach((s, i) => (series[i] = s.color ? { labelInLegend: s.name, color: s.color } : { labelInLegend: s.name }));
    // setOption takes one option per call; these four are the ones that change what the person sees.
    const chart = cb
      .setNumHeaders(0)
      .setOption("title", c.title)
      .setOption("series", series)
      .setOption("width", Math.max(300, c.anchor.cols * COL_PX))
      .setOption("height", Math.max(200, c.anchor.rows * ROW_PX))
      .setPosition(c.anchor.row + 1, c.anchor.col + 1, 0, 0)
      .build();
    sheet.insertChart(chart);
  }
}

// ---- column widths

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

// ---- the grid

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

/**
 * Grows the sheet's grid to `need` by adding rows and columns at its end: at most 2 reads (none on a sheet this
 * build inserted: its grid is known) and 2 inserts, whatever the row count.
 */
function fitGrid(sheet: Sheet, need: { rows: number; cols: number }, fresh: boolean) {
  const rows = fresh ? NEW_SHEET_ROWS : sheet.getMaxRows();
  const cols = fresh ? NEW_SHEET_COLS : sheet.getMaxColumns();
  if (need.rows > rows) sheet.insertRowsAfter(rows, need.rows - rows);
  if (need.cols > cols) sheet.insertColumnsAfter(cols, need.cols - cols);
}

// ---- sheets

/** What one applyPlan shares across its sheets. */
interface Build {
  ss: Spreadsheet;
  handles: Handles;
  validations: ValidationBuilder;
  formatRules: FormatRuleBuilder;
  warnings: string[];
  /** Ranges on each sheet that the plan's names and charts use, fetched with the sheet's own. */
  wanted: Map<string, RangeRef[]>;
}

/** `fresh`: this build inserted the sheet, so it has no rules, charts, filter, frozen panes or content to read or clear. */
function applySheet(b: Build, sheet: Sheet, p: SheetPlan, fresh: boolean): Sheet {
  const { handles } = b;
  const formats = effectiveFormats(p);
  const flag = (v: boolean | undefined, on: string, off: string) => (v === undefined ? undefined : v ? on : off);
  type Group = { ranges: RangeRef[]; set: (t: Formattable) => unknown };
  const groups = <K extends string>(m: Map<string, RangeRef[]>, set: (t: Formattable, k: K) => unknown): Group[] =>
    [...m].map(([k, ranges]) => ({ ranges, set: (t: Formattable) => set(t, k as K) }));
  const formatGroups = groups(groupBy(formats, (f) => f.format), (t, f) => t.setNumberFormat(f));
  const styles = p.styles;
  const styleGroups = [
    ...groups<"bold" | "normal">(groupBy(styles, (s) => flag(s.bold, "bold", "normal")), (t, w) => t.setFontWeight(w)),
    ...groups<"italic" | "normal">(groupBy(styles, (s) => flag(s.italic, "italic", "normal")), (t, st) => t.setFontStyle(st)),
    ...groups(groupBy(styles, (s) => flag(s.wrap, "1", "0")), (t, wr) => t.setWrap(wr === "1")),
    ...groups(groupBy(styles, (s) => s.fill), (t, fill) => t.setBackground(fill)),
    ...groups(groupBy(styles, (s) => s.fontColor), (t, color) => t.setFontColor(color)),
  ];
  const blocks = p.blocks.flatMap(rectangles);

  // Every single range this sheet is written through, in one fetch.
  handles.fetch(p.name, [
    ...blocks.map(extent),
    ...[...formatGroups, ...styleGroups].filter((g) => g.ranges.length === 1).map((g) => g.ranges[0]),
    ...p.validations.map((v) => v.range),
    ...p.conditionalFormats.map((c) => c.range),
    ...(p.table ? [p.table.range] : []),
    ...(b.wanted.get(p.name) ?? []),
  ]);
  const lists = new Map<string, RangeList>();
  const target = (ranges: RangeRef[]): Formattable => {
    if (ranges.length === 1) return handles.get(p.name, ranges[0]);
    const key = a1s(ranges).join(",");
    let list = lists.get(key);
    if (!list) lists.set(key, (list = sheet.getRangeList(a1s(ranges))));
    return list;
  };

  if (p.clears.length && !fresh) sheet.getRangeList(a1s(p.clears)).clearContent();
  // A cell keeping an old rule that rejects invalid input refuses a new value that fails it ("The data you
  // entered in cell X violates the data validation rules"): rules come off what we write, and applyValidations
  // puts the plan's back.
  if (blocks.length && !fresh) target(blocks.map(extent)).clearDataValidations();

  // Formats before values: Sheets decides how to read a written string from the cell's format.
  for (const g of formatGroups) g.set(target(g.ranges));
  const textRanges = formats.filter((f) => f.format === TEXT_FORMAT).map((f) => f.range);

  for (const blk of blocks) {
    const values = blk.cells.map((row, r) =>
      row.map((cell, c) => toSheetValue(cell, textRanges.length > 0 && textRanges.some((t) => within(t, blk.row + r, blk.col + c)))),
    );
    handles.get(p.name, extent(blk)).setValues(values);
  }

  for (const g of styleGroups) g.set(target(g.ranges));

  applyValidations(b, p);
  applyConditionalFormats(b, sheet, p, fresh);

  if (!fresh || p.freeze.rows) sheet.setFrozenRows(p.freeze.rows);
  if (!fresh || p.freeze.cols) sheet.setFrozenColumns(p.freeze.cols);
  for (const w of columnWidthCalls(p.columnWidths)) sheet.setColumnWidths(w.col + 1, w.count, w.px);

  // Sheets' API has no tables: a basic filter on the header row gives the same sorting and filtering.
  if (p.table && (fresh || !sheet.getFilter())) handles.get(p.name, p.table.range).createFilter();

  applyCharts(b, sheet, p.charts, fresh);
  if (p.hidden) sheet.hideSheet();
  return sheet;
}

/**
 * Creates or moves the workbook names. A name over a sheet not in the workbook yet is skipped silently: the
 * sidebar builds one sheet per call, and the name is made when its own sheet is built.
 */
function applyNames(b: Build, names: NamedRange[]) {
  if (names.length === 0) return;
  const existing = new Map<string, NamedRangeLike>();
  for (const nr of b.ss.getNamedRanges()) existing.set(nr.getName().toLowerCase(), nr);
  // Ranges on sheets built now were fetched with them; other sheets are looked up once, then fetched in bulk.
  const missing = new Set<string>();
  for (const sheetName of new Set(names.map((n) => n.sheet))) {
    if (!b.handles.sheet(sheetName)) missing.add(sheetName);
    else b.handles.fetch(sheetName, names.filter((n) => n.sheet === sheetName).map((n) => n.range));
  }
  for (const n of names) {
    if (missing.has(n.sheet)) continue;
    let range: Range;
    try {
      range = b.handles.get(n.sheet, n.range);
    } catch (e) {
      continue;
    }
    // Always set: checking where a name points first (getRange, getA1Notation, getSheet, getName) costs more
    // calls than the one setRange it could save.
    const old = existing.get(n.name.toLowerCase());
    if (old) old.setRange(range);
    else b.ss.setNamedRange(n.name, range);
  }
}

/**
 * Applies the plan: one round of whole-range calls per sheet, then the names. Caller holds the document lock.
 * With a budget, stops before a sheet once the time is spent; the names of the sheets not built wait for them.
 */
export function applyPlan(ss: Spreadsheet, plan: WritePlan, onProgress?: (p: ApplyProgress) => void, budget?: TimeBudget): ApplyResult {
  const b: Build = {
    ss,
    handles: new Handles(ss),
    validations: new ValidationBuilder(ss),
    formatRules: new FormatRuleBuilder(),
    warnings: [],
    wanted: new Map(),
  };
  const want = (sheet: string, r: RangeRef) => b.wanted.set(sheet, [...(b.wanted.get(sheet) ?? []), r]);
  for (const n of plan.names) want(n.sheet, n.range);
  for (const s of plan.sheets) for (const c of s.charts) for (const x of [c.categories, ...c.series]) want(x.sheet, x.range);

  const built: string[] = [];
  const total = plan.sheets.length;
  // Every sheet exists before any is written: dropdowns, charts and formulas refer across sheets.
  const fresh: boolean[] = [];
  const targets = plan.sheets.map((p, i) => {
    const found = ss.getSheetByName(p.name);
    fresh[i] = !found;
    const sheet = found ?? ss.insertSheet(p.name);
    b.handles.know(p.name, sheet);
    return sheet;
  });
  // Every grid big enough before any is written, for the same reason.
  plan.sheets.forEach((p, i) => fitGrid(targets[i], planExtent(p, b.wanted.get(p.name)), fresh[i]));
  // Sheets inserted now go first (the plan's order otherwise): after a build that ran out of time, the next
  // one gets to the sheets it never reached before refreshing the others. Nothing depends on the order, as
  // every sheet exists and is big enough before any is written.
  const order = plan.sheets.map((_, i) => i).sort((i, j) => Number(fresh[j]) - Number(fresh[i]) || i - j);
  const now = budget?.now ?? (() => Date.now());
  const notBuilt = new Set<string>();
  for (let n = 0; n < total; n++) {
    const i = order[n];
    const p = plan.sheets[i];
    if (budget && now() - budget.startedAt > budget.limitMs) {
      // A sheet inserted now and left empty would read as the person's to the next build (which would then
      // build "Name (PCN)" beside it), so it goes; sheets that were there stay as they were.
      for (const k of order.slice(n)) {
        notBuilt.add(plan.sheets[k].name);
        if (fresh[k]) ss.deleteSheet(targets[k]);
      }
      break;
    }
    onProgress?.({ done: n, total, label: p.name });
    applySheet(b, targets[i], p, fresh[i]);
    built.push(p.key);
  }
  onProgress?.({ done: total, total, label: "Workbook names" });
  applyNames(b, notBuilt.size ? plan.names.filter((n) => !notBuilt.has(n.sheet)) : plan.names);
  return { sheetsBuilt: built, sheetsPlanned: total, warnings: b.warnings };
}
