import type { YearRates } from "../../rates/types";
import type { NetworkData } from "../data";
import { colLetter, quoteSheet, type ConditionalFormatRule, type RangeRef } from "../plan";
import { COLOURS, type ColumnSpec, type Env, type FormulaCtx, type ReportCell, type RowValues, type Value } from "../spec";

export interface SpecCtx {
  year: YearRates;
  /** Sheet name (as resolved) of a spec key. */
  sheetName(key: string): string;
  data?: NetworkData;
  /** The network's name and ICB (from the data, or remembered from an earlier build). */
  pcnName?: string;
  icb?: string;
  /** The workbook is the fictional sample. */
  sample?: boolean;
  kpiMonths: number;
  /** Months before the financial year on the KPI sheet (SPC's baseline); default 12. */
  kpiEarlierMonths?: number;
  /** Set when the year was chosen by default and today's financial year is not shipped: the sentence saying so. */
  yearNote?: string;
  /** The practices' names as the Practices sheet will hold them after this build (a column of each on Distribution). */
  practiceNames?: string[];
}

export const q = (ctx: SpecCtx, key: string) => quoteSheet(ctx.sheetName(key));

/** Input column. */
export const inp = (key: string, header: string, type: ColumnSpec["type"], extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ key, header, type, ...extra });
/** Computed column: formula and the core's computation side by side. */
export const calc = (key: string, header: string, type: ColumnSpec["type"], formula: ColumnSpec["formula"], compute: ColumnSpec["compute"], extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ key, header, type, formula, compute, ...extra });

export const label = (text: string, extra: Partial<ReportCell> = {}): ReportCell => ({ cell: text, ...extra });
export const fcell = (f: string, compute: (env: Env) => Value, extra: Partial<ReportCell> = {}): ReportCell => ({ cell: { f }, compute, ...extra });

// ---- the core's side of the formulas: spreadsheet semantics in JS ----
export const blank = (v: Value | undefined) => v === null || v === undefined || v === "";
export const num = (v: Value | undefined): number => (typeof v === "number" ? v : 0);
export const isNum = (v: Value | undefined): v is number => typeof v === "number";
/** Excel ROUND: half away from zero. */
export function xround(x: number, d = 2): number {
  const p = 10 ** d;
  return (Math.sign(x) * Math.round(Math.abs(x) * p + 1e-9)) / p;
}
export const countIf = (vals: Value[], pred: (v: Value) => boolean) => vals.filter(pred).length;
export const sumNums = (vals: Value[]) => vals.reduce<number>((a, v) => a + (typeof v === "number" ? v : 0), 0);
export const eqText = (a: Value, b: string) => typeof a === "string" && a.toLowerCase() === b.toLowerCase();
export const rowHas = (r: RowValues, k: string) => !blank(r[k]);
/** Per-environment memo, for columns whose cells depend on their neighbours. */
export function memo<T>(f: (env: Env) => T): (env: Env) => T {
  const m = new WeakMap<Env, T>();
  return (env) => { if (!m.has(env)) m.set(env, f(env)); return m.get(env)!; };
}

// ---- formula pieces shared by the sheets that check their rows (ARRS, GP scheme) ----

/** A date as a formula constant: DATE(2026,4,1). */
export const dateF = (serial: number) => {
  const d = new Date(Date.UTC(1899, 11, 30) + serial * 86400000);
  return `DATE(${d.getUTCFullYear()},${d.getUTCMonth() + 1},${d.getUTCDate()})`;
};
/**
 * One part of a pence-exact split, as a native formula: the same expression as core/funding/money.ts `splitPart`
 * (the ratio first, each running total rounded, their difference rounded), so its parts add up to the amount.
 * `upTo` and `before` are the running totals of the weights through this part and before it.
 */
export const splitPartF = (amount: string, upTo: string, before: string, total: string) =>
  `IF(${total}=0,0,ROUND(ROUND(${amount}*(${upTo}/${total}),2)-ROUND(${amount}*(${before}/${total}),2),2))`;
/**
 * AND that stops at the first false condition (nested IFs): a condition guarded by an earlier one, such as a
 * COUNTIF whose criterion may be blank, is never evaluated unguarded (HyperFormula refuses a blank criterion).
 */
export const andF = (...conds: string[]) => conds.slice(0, -1).reduceRight((acc, c) => `IF(${c},${acc},FALSE)`, conds[conds.length - 1]);
/** A formula string literal. */
export const str = (s: string) => `"${s.replace(/"/g, '""')}"`;
/**
 * Months in post from a to b (formula expressions), as core/funding/arrs.ts monthsBetween counts them: whole
 * calendar months plus each end's part-month by its days, in the order the core evaluates it.
 */
export const monthsF = (a: string, b: string) =>
  `(YEAR(${b})-YEAR(${a}))*12+MONTH(${b})-MONTH(${a})+DAY(${b})/DAY(EOMONTH(${b},0))-(DAY(${a})-1)/DAY(EOMONTH(${a},0))`;
/**
 * A Check that lists every problem: `pieces` are [condition, message expression]; with none true it gives `ok`.
 * The core's side is `problems.join("; ") || ok`.
 */
export const checkF = (ref: string, pieces: [string, string][], ok = `"OK"`, suffix = "") =>
  `=IF(${ref}="","",${checkList(pieces, ok)}${suffix ? `&${suffix}` : ""})`;
/**
 * The problems joined by "; ", or `ok` when there are none, with the list written once: "¬" marks its start, so
 * "¬; " (problems) becomes "" and a lone "¬" (none) becomes `ok`.
 */
export const checkList = (pieces: [string, string][], ok = `"OK"`) =>
  `SUBSTITUTE(SUBSTITUTE("¬"&${pieces.map(([cond, msg]) => `IF(${cond},"; "&${msg},"")`).join("&")},"¬; ",""),"¬",${ok})`;

/** Spreadsheet "=" between two cells: text ignores case, a blank equals "" and 0, text never equals a number. */
export function cellEq(a: Value | undefined, b: Value | undefined): boolean {
  const x = a ?? null, y = b ?? null;
  if (x === null && y === null) return true;
  if (x === null) return y === "" || y === 0 || y === false;
  if (y === null) return x === "" || x === 0 || x === false;
  if (typeof x === "string" && typeof y === "string") return x.toLowerCase() === y.toLowerCase();
  return typeof x === typeof y && x === y;
}
/** MATCH(v, column, 0): 0-based index of the first equal cell, or -1. */
export const matchIn = (col: Value[], v: Value): number => (blank(v) ? -1 : col.findIndex((x) => !blank(x) && cellEq(x, v)));

// ---- dates: the one Today cell, review status, and the order keys the Key Dates sheet sorts by ----

/** The one cell every date-dependent formula counts from (one volatile TODAY() for the workbook, not one per row). */
export const TODAY_NAME = "Summary_Today";

/** How many days ahead a review counts as due. */
export const REVIEW_DUE_DAYS = 30;

/** "Review overdue", "Review due" (within 30 days) or "" for a review date `d` (formula side): blank when `guard` is blank, any `skip` condition holds, or d is no date. */
export const reviewStatusF = (guard: string, d: string, skip: string[] = []) =>
  `=IF(OR(${[`${guard}=""`, ...skip, `NOT(ISNUMBER(${d}))`].join(",")}),"",IF(${d}<${TODAY_NAME},"Review overdue",IF(${d}-${TODAY_NAME}<=${REVIEW_DUE_DAYS},"Review due","")))`;
/** The core's side of reviewStatusF. */
export function reviewStatusC(guard: Value | undefined, d: Value | undefined, today: number): Value {
  if (blank(guard) || !isNum(d)) return "";
  return d < today ? "Review overdue" : d - today <= REVIEW_DUE_DAYS ? "Review due" : "";
}

/**
 * The order key of a dated record, for the Key Dates sheet: date x 10^7 + source x 10^5 + sheet row. Keys are
 * whole numbers (exact in every engine), unique across sources, and sort by date first; the Key Dates sheet
 * takes them soonest first with SMALL over each source's key column (no dynamic arrays). Sources are numbered
 * in KEY_SOURCES (sheets/keyDates.ts).
 */
export const KEY_DAY = 10_000_000;
/** The Key Dates sheet's sources, by number (part of every key: never renumber one). */
export const KEY_SRC = { year: 0, notice: 1, partnershipReview: 2, arrsEnd: 3, agreementReview: 4, priorityReview: 5, meeting: 6, actionDue: 7 } as const;
export const KEY_SOURCE = 100_000;
export function dateKey(date: number, source: number, row: number): number {
  return Math.floor(date) * KEY_DAY + source * KEY_SOURCE + row;
}

/**
 * A helper column holding a record's order key (see dateKey) when the column `dateCol` holds a date and `when`
 * (a formula condition and the core's side of it) holds; else blank. `dateOf` is the core's value of a computed
 * date column (the core never reads a formula's result back from the sheet).
 */
export function dateKeyCol(
  key: string, header: string, source: number, guardKey: string, dateCol: string,
  opts: { dateOf?: (r: RowValues) => Value; when?: { f: (c: FormulaCtx) => string; c: (r: RowValues) => boolean }; name?: string } = {},
): ColumnSpec {
  const { when } = opts;
  return calc(key, header, "integer",
    (c) => {
      const d = c.ref(dateCol);
      const body = `INT(${d})*${KEY_DAY}+${source * KEY_SOURCE}+ROW()`;
      return `=IF(OR(${c.ref(guardKey)}="",NOT(ISNUMBER(${d}))),"",${when ? `IF(${when.f(c)},${body},"")` : body})`;
    },
    (r) => {
      const d = opts.dateOf ? opts.dateOf(r) : r[dateCol];
      return blank(r[guardKey]) || !isNum(d) || (when && !when.c(r)) ? "" : dateKey(d, source, r.__row as number);
    },
    { width: 14, name: opts.name, help: "Helper for the Key Dates sheet's order." });
}

/** Text as a spreadsheet's & makes it from a cell: blank is "", TRUE/FALSE in capitals, numbers as they are. */
export function asText(v: Value | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  return String(v);
}

/** A table's Check column in RAG: amber while it lists a problem, green once it says OK. */
export const checkRag = (ch: RangeRef): ConditionalFormatRule[] => {
  const r = `${colLetter(ch.col)}${ch.row + 1}`;
  return [
    { range: ch, formula: `=AND(${r}<>"",${r}<>"OK")`, fill: COLOURS.amber, font: COLOURS.amberFont },
    { range: ch, formula: `=${r}="OK"`, fill: COLOURS.green, font: COLOURS.greenFont },
  ];
};
