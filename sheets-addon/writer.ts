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
} from "../core/workbook/plan";

// ---------------------------------------------------------------- the SpreadsheetApp surface we use
// Typed structurally so tests, the bench and the root tsconfig need no Apps Script types (they clash with
// DOM); bridge-server.ts has tsc check that the real Apps Script types fit these.

export interface Range {
  getValues(): unknown[][];
  getFormulas(): string[][];
  setValues(values: unknown[][]): unknown;
  setDataValidation(rule: DataValidation | null): unknown;
  createFilter(): unknown;
  getRow(): number;
  getColumn(): number;
  getNumRows(): number;
  getNumColumns(): number;
}
export interface RangeList {
  clearContent(): unknown;
  setNumberFormat(format: string): unknown;
  setFontWeight(weight: "bold" | "normal" | null): unknown;
  setFontStyle(style: "italic" | "normal" | null): unknown;
  setWrap(wrap: boolean): unknown;
  setBackground(color: string | null): unknown;
  setFontColor(color: string | null): unknown;
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
export interface ApplyResult { sheetsBuilt: string[]; warnings: string[] }

/** Pixels per character of column width (Excel's unit is characters of the default font). */
export const PX_PER_CHAR = 7;
/** Rough size of a cell for placing charts over an anchor range. */
const ROW_PX = 21;
const COL_PX = 100;
/** Plain-text number format: Sheets stores what is written there as it is (no parsing, apostrophe kept). */
const TEXT_FORMAT = "@";
/** Sheets' "Automatic" number format. */
const AUTO_FORMAT = "General";

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

const within = (r: RangeRef, row: number, col: number) => row >= r.row && row < r.row + r.rows && col >= r.col && col < r.col + r.cols;
const sameRange = (a: RangeRef, b: RangeRef) => a.row === b.row && a.col === b.col && a.rows === b.rows && a.cols === b.cols;

/** Splits a ragged block into rectangles (runs of rows of one width), so padding never covers other cells. */
function rectangles(b: Block): Block[] {
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

/** Groups ranges by a key so each distinct value costs one getRangeList + one setter. */
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

function buildValidation(rule: ValidationRule, ss: Spreadsheet): DataValidation {
  let b = SpreadsheetApp.newDataValidation();
  const tl = a1({ row: rule.range.row, col: rule.range.col, rows: 1, cols: 1 });
  if (rule.list) b = b.requireValueInList(rule.list, true);
  else if (rule.listSource) b = b.requireValueInRange(ss.getRange(rule.listSource), true);
  else if (rule.number) {
    const { min, max, integer } = rule.number;
    if (integer) {
      // Sheets has no whole-number criterion; a custom formula relative to the top-left cell does it.
      const parts = [`ISNUMBER(${tl})`, `${tl}=INT(${tl})`];
      if (min !== undefined) parts.push(`${tl}>=${min}`);
      if (max !== undefined) parts.push(`${tl}<=${max}`);
      b = b.requireFormulaSatisfied(`=AND(${parts.join(",")})`);
    } else if (min !== undefined && max !== undefined) b = b.requireNumberBetween(min, max);
    else if (min !== undefined) b = b.requireNumberGreaterThanOrEqualTo(min);
    else if (max !== undefined) b = b.requireNumberLessThanOrEqualTo(max);
    else b = b.requireFormulaSatisfied(`=ISNUMBER(${tl})`);
  } else if (rule.date) b = b.requireDate();
  return b.setHelpText(rule.message).setAllowInvalid(false).build();
}

function buildConditional(rule: ConditionalFormatRule, range: Range): ConditionalFormatRuleLike {
  let b = SpreadsheetApp.newConditionalFormatRule()
    .whenFormulaSatisfied(rule.formula.startsWith("=") ? rule.formula : `=${rule.formula}`)
    .setBackground(rule.fill);
  if (rule.font) b = b.setFontColor(rule.font);
  return b.setRanges([range]).build();
}

/**
 * Conditional formats: Sheets only sets the whole list, so we keep the person's own rules and replace ours.
 * A rule is ours when its formula is one we write, or its range is exactly one we format (a person's rule on
 * part of our table stays).
 */
function applyConditionalFormats(sheet: Sheet, rules: ConditionalFormatRule[]) {
  const existing = sheet.getConditionalFormatRules();
  if (rules.length === 0 && existing.length === 0) return;
  const ours = new Set(rules.map((r) => (r.formula.startsWith("=") ? r.formula : `=${r.formula}`)));
  const kept = existing.filter((rule) => {
    const cond = rule.getBooleanCondition();
    const values = cond ? cond.getCriteriaValues() : [];
    if (values.some((v) => typeof v === "string" && ours.has(v))) return false;
    return !rule.getRanges().some((rg) =>
      rules.some((r) => sameRange(r.range, { row: rg.getRow() - 1, col: rg.getColumn() - 1, rows: rg.getNumRows(), cols: rg.getNumColumns() })),
    );
  });
  const built = rules.map((r) => buildConditional(r, sheet.getRange(r.range.row + 1, r.range.col + 1, r.range.rows, r.range.cols)));
  sheet.setConditionalFormatRules([...kept, ...built]);
}

/**
 * Charts we made before are recognised by title: a chart on this sheet whose title is one of the plan's
 * chart titles, or which sits exactly at a plan chart's anchor cell, is replaced; any other chart is the
 * person's and stays.
 */
function applyCharts(ss: Spreadsheet, sheet: Sheet, charts: ChartSpec[]) {
  const existing = sheet.getCharts();
  if (charts.length === 0 && existing.length === 0) return;
  const titles = new Set(charts.map((c) => c.title));
  const anchors = new Set(charts.map((c) => `${c.anchor.row + 1}:${c.anchor.col + 1}`));
  for (const ch of existing) {
    const title = ch.getOptions().get("title");
    const info = ch.getContainerInfo();
    if (titles.has(String(title)) || anchors.has(`${info.getAnchorRow()}:${info.getAnchorColumn()}`)) sheet.removeChart(ch);
  }
  const rangeOf = (sheetName: string, r: RangeRef) => ss.getRange(a1(r, { sheet: sheetName }));
  for (const c of charts) {
    let b = sheet.newChart().asLineChart().addRange(rangeOf(c.categories.sheet, c.categories.range));
    for (const s of c.series) b = b.addRange(rangeOf(s.sheet, s.range));
    // Months along a row: stack the row ranges, then read rows as series with the first row as the axis.
    if (c.categories.range.rows === 1 && c.categories.range.cols > 1) {
      b = b.setMergeStrategy(Charts.ChartMergeStrategy.MERGE_ROWS).setTransposeRowsAndColumns(true);
    }
    const series: Record<number, { labelInLegend: string; color?: string }> = {};
    c.series.forEach((s, i) => (series[i] = s.color ? { labelInLegend: s.name, color: s.color } : { labelInLegend: s.name }));
    const chart = b
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

function applyColumnWidths(sheet: Sheet, widths: { col: number; width: number }[]) {
  const sorted = [...widths].sort((a, b) => a.col - b.col);
  for (let i = 0; i < sorted.length; ) {
    const px = Math.round(sorted[i].width * PX_PER_CHAR);
    let j = i + 1;
    while (j < sorted.length && sorted[j].col === sorted[j - 1].col + 1 && Math.round(sorted[j].width * PX_PER_CHAR) === px) j++;
    sheet.setColumnWidths(sorted[i].col + 1, j - i, px);
    i = j;
  }
}

/**
 * A formula written into a plain-text ("@") cell stays text in Sheets (Excel only uses "@" as a hint for
 * what people type), so "@" over a range where the plan writes formulas becomes the automatic format.
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
  return p.formats.map((f) =>
    f.format === TEXT_FORMAT && formulaAt.some(([r, c]) => within(f.range, r, c)) ? { range: f.range, format: AUTO_FORMAT } : f,
  );
}

function applySheet(ss: Spreadsheet, sheet: Sheet, p: SheetPlan, warnings: string[]): Sheet {

  if (p.clears.length) sheet.getRangeList(a1s(p.clears)).clearContent();

  // Formats before values: Sheets decides how to read a written string from the cell's format.
  const formats = effectiveFormats(p);
  for (const [format, ranges] of groupBy(formats, (f) => f.format)) sheet.getRangeList(a1s(ranges)).setNumberFormat(format);
  const textRanges = formats.filter((f) => f.format === TEXT_FORMAT).map((f) => f.range);

  for (const block of p.blocks) {
    for (const b of rectangles(block)) {
      const values = b.cells.map((row, r) =>
        row.map((cell, c) => toSheetValue(cell, textRanges.length > 0 && textRanges.some((t) => within(t, b.row + r, b.col + c)))),
      );
      sheet.getRange(b.row + 1, b.col + 1, values.length, values[0].length).setValues(values);
    }
  }

  const styles = p.styles;
  const flag = (v: boolean | undefined, on: string, off: string) => (v === undefined ? undefined : v ? on : off);
  for (const [w, ranges] of groupBy(styles, (s) => flag(s.bold, "bold", "normal"))) sheet.getRangeList(a1s(ranges)).setFontWeight(w as "bold" | "normal");
  for (const [st, ranges] of groupBy(styles, (s) => flag(s.italic, "italic", "normal"))) sheet.getRangeList(a1s(ranges)).setFontStyle(st as "italic" | "normal");
  for (const [wr, ranges] of groupBy(styles, (s) => flag(s.wrap, "1", "0"))) sheet.getRangeList(a1s(ranges)).setWrap(wr === "1");
  for (const [fill, ranges] of groupBy(styles, (s) => s.fill)) sheet.getRangeList(a1s(ranges)).setBackground(fill);
  for (const [color, ranges] of groupBy(styles, (s) => s.fontColor)) sheet.getRangeList(a1s(ranges)).setFontColor(color);

  // One built rule per distinct criterion: columns often share a dropdown.
  const built = new Map<string, DataValidation>();
  for (const v of p.validations) {
    const key = JSON.stringify([v.list, v.listSource, v.number, v.date, v.message, v.number?.integer ? [v.range.row, v.range.col] : null]);
    let dv = built.get(key);
    if (!dv) {
      try {
        dv = buildValidation(v, ss);
      } catch (e) {
        // A dropdown fed from a sheet that is not there (yet): skip it rather than fail the whole build.
        warnings.push(`No dropdown in ${p.name}!${a1(v.range)}: its list ${v.listSource ?? ""} could not be read.`);
        continue;
      }
      built.set(key, dv);
    }
    sheet.getRange(v.range.row + 1, v.range.col + 1, v.range.rows, v.range.cols).setDataValidation(dv);
  }

  applyConditionalFormats(sheet, p.conditionalFormats);

  sheet.setFrozenRows(p.freeze.rows);
  sheet.setFrozenColumns(p.freeze.cols);
  if (p.columnWidths.length) applyColumnWidths(sheet, p.columnWidths);

  // Sheets' API has no tables: a basic filter on the header row gives the same sorting and filtering.
  if (p.table && !sheet.getFilter()) {
    const t = p.table.range;
    sheet.getRange(t.row + 1, t.col + 1, t.rows, t.cols).createFilter();
  }

  applyCharts(ss, sheet, p.charts);
  if (p.hidden) sheet.hideSheet();
  return sheet;
}

/**
 * Creates or moves the workbook names. A name over a sheet not in the workbook yet is skipped silently: the
 * sidebar builds one sheet per call, and the name is made when its own sheet is built.
 */
function applyNames(ss: Spreadsheet, names: NamedRange[]) {
  if (names.length === 0) return;
  const existing = new Map<string, NamedRangeLike>();
  for (const nr of ss.getNamedRanges()) existing.set(nr.getName().toLowerCase(), nr);
  for (const n of names) {
    let range: Range;
    try {
      range = ss.getRange(a1(n.range, { sheet: n.sheet, absolute: true }));
    } catch (e) {
      continue;
    }
    const old = existing.get(n.name.toLowerCase());
    if (old) old.setRange(range);
    else ss.setNamedRange(n.name, range);
  }
}

/** Applies the plan: one round of whole-range calls per sheet, then the names. Caller holds the document lock. */
export function applyPlan(ss: Spreadsheet, plan: WritePlan, onProgress?: (p: ApplyProgress) => void): ApplyResult {
  const warnings: string[] = [];
  const built: string[] = [];
  const total = plan.sheets.length;
  // Every sheet exists before any is written: dropdowns, charts and formulas refer across sheets.
  const targets = plan.sheets.map((p) => ss.getSheetByName(p.name) ?? ss.insertSheet(p.name));
  plan.sheets.forEach((p, i) => {
    onProgress?.({ done: i, total, label: p.name });
    applySheet(ss, targets[i], p, warnings);
    built.push(p.key);
  });
  onProgress?.({ done: total, total, label: "Workbook names" });
  applyNames(ss, plan.names);
  return { sheetsBuilt: built, warnings };
}
