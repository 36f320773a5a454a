/**
 * Sheet specs: each sheet defined once, host-neutral. A sheet has at most one growable table at A1 (one
 * record per row, input and computed columns) and optional fixed report regions to its right. Every computed
 * cell carries both its native formula and the core's own computation of it (`compute`), so tests can check
 * that a real spreadsheet engine and the core agree, and the pane's checks use the same rules.
 */
import type { ChartSpec, ConditionalFormatRule, PlanCell, RangeRef } from "./plan";
import type { YearRates } from "../rates/types";

/** "rate": a figure shown at its full precision (2.266, 0.1438, 152,900.0), as the rates book states it. */
export type ColType = "text" | "longtext" | "integer" | "number" | "rate" | "money" | "percent" | "date" | "choice" | "yesno" | "score";

/** A value as the core sees a cell: numbers (dates as serials), text, booleans, or null for empty. */
export type Value = number | string | boolean | null;
export type RowValues = Record<string, Value>;

/** Own keys only: a name a person typed ("constructor", "__proto__") never reaches an object's inherited properties. */
export const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

export interface FormulaCtx {
  /** 1-based sheet row of the record. */
  row: number;
  /** Relative A1 reference of column `key` in this row, e.g. "H5". */
  ref(key: string): string;
  /** Absolute reference to a run of this row's columns, e.g. "$M5:$S5" from key a to key b. */
  span(fromKey: string, toKey: string): string;
}

export interface Env {
  year: YearRates;
  today: number;
  /** Values of a named range (column) as the core computed or read them. */
  column(name: string): Value[];
  /** A named single cell's value. */
  cell(name: string): Value;
}

export interface ColumnSpec {
  key: string;
  header: string;
  type: ColType;
  width?: number;
  /** Dropdown choices (fixed). */
  choices?: string[];
  /** Dropdown fed from a named range. */
  listName?: string;
  min?: number;
  max?: number;
  /** A computed column: native formula for a row (blank when the row has no record). */
  formula?: (c: FormulaCtx) => string;
  /** The core's computation of the same cell. */
  compute?: (row: RowValues, env: Env) => Value;
  /** An input column seeded with a formula in new rows (the person may overwrite it). */
  seed?: (c: FormulaCtx) => string;
  /** Define a workbook name over the column's data rows: `${namePrefix}${name}`. */
  name?: string;
  help?: string;
}

export interface TableSpec {
  columns: ColumnSpec[];
  /** Columns that identify a record (for merging incoming rows with what is there). */
  keyColumns: string[];
  /** Blank rows with formulas ready, for people to add records. */
  spareRows: number;
  namePrefix: string;
  /** Name of the Excel table made over it. */
  tableName: string;
  /** Conditional formats, given the data range of each column. */
  conditionalFormats?: (col: (key: string) => RangeRef) => ConditionalFormatRule[];
  /** Names for single cells in particular records (e.g. Rate_arrsAllocation -> the value cell of that rate's row). */
  rowNames?: (row: RowValues) => { name: string; column: string } | null;
}

/** A fixed report cell: a label or formula (ours, refreshed), or an input the person owns once it has a value. */
export interface ReportCell {
  cell: PlanCell;
  /** Input cell: written only while empty (a formula seed or a default). */
  input?: boolean;
  format?: string;
  bold?: boolean;
  fill?: string;
  /** Workbook name for this cell. */
  name?: string;
  compute?: (env: Env) => Value;
  validation?: { list: string[]; message: string };
  /** A label a person is expected to type over (the network's name): what they type is kept without a warning. */
  personal?: boolean;
}

export interface ReportSpec {
  /** 0-based column where the report starts (row 0). */
  col: number;
  rows: (ReportCell | null)[][];
  widths?: number[];
  conditionalFormats?: ConditionalFormatRule[];
}

export interface SheetSpec {
  key: string;
  name: string;
  title: string;
  table?: TableSpec;
  /** Incoming records (sample, --data, pane) in column keys. */
  rows?: RowValues[];
  /** When true, incoming rows overwrite matching records' inputs (a person confirmed them in the pane). */
  rowsWin?: boolean;
  /**
   * The incoming rows come from the person's data file (--data), which owns these fields: a field the person has
   * not changed since the last build with the file takes the file's new value; one they changed is kept, and a
   * conflict is reported. `fields` default to every input column but the key; `record` picks the rows the file
   * owns (default all).
   */
  owned?: { fields?: string[]; record?: (r: RowValues) => boolean };
  reports?: ReportSpec[];
  charts?: ChartSpec[];
  freeze?: { rows: number; cols: number };
  hidden?: boolean;
  /** Print settings beyond the defaults every sheet gets (see PrintSettings in plan.ts). */
  print?: Partial<import("./plan").PrintSettings>;
  /** An append-only sheet (the change journal): no table or reports; see AppendSpec. */
  append?: AppendSpec;
}

/**
 * An append-only sheet: its header row is written once, when the sheet is made; each build adds its rows below
 * the last row holding anything. No existing row is ever written again, not even one a person edited.
 */
export interface AppendSpec {
  header: string[];
  widths?: number[];
  /** Number format per column of the rows added (null: none). */
  formats?: (string | null)[];
  /** The column holding a row's id: rows with an id already there are not added again. */
  idCol?: number;
}

export const FORMATS = {
  money: '"£"#,##0.00;[Red]-"£"#,##0.00',
  money0: '"£"#,##0;[Red]-"£"#,##0',
  percent: "0.0%",
  date: "dd/mm/yyyy",
  integer: "#,##0",
  number: "#,##0.00",
  rate: "0.000####",
  /** Every decimal a rate has (up to 11), with at least one: 2.266, 0.1438, 78.41, 152,900.0. */
  rateFull: "#,##0.0##########",
  text: "@",
} as const;

export function formatOf(t: ColType): string | null {
  switch (t) {
    case "money": return FORMATS.money;
    case "percent": return FORMATS.percent;
    case "date": return FORMATS.date;
    case "integer": return FORMATS.integer;
    case "number": return "#,##0.00";
    case "rate": return FORMATS.rateFull;
    case "score": return "0.0";
    default: return null;
  }
}

export const COLOURS = {
  header: "#1F4E79",
  headerFont: "#FFFFFF",
  input: "#FFFFFF",
  computed: "#F2F2F2",
  red: "#F8CBAD",
  redFont: "#9C0006",
  amber: "#FFE699",
  amberFont: "#7F6000",
  green: "#C6EFCE",
  greenFont: "#006100",
  unknown: "#FFF2CC",
  /** ARRS maxima that are not sourced: same band or derived (lilac), estimated (orange). */
  derived: "#E4DFEC",
  estimated: "#FCE4D6",
  title: "#DDEBF7",
} as const;
