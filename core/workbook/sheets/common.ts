import type { YearRates } from "../../rates/types";
import type { NetworkData } from "../data";
import { quoteSheet } from "../plan";
import type { ColumnSpec, Env, ReportCell, RowValues, Value } from "../spec";

export interface SpecCtx {
  year: YearRates;
  /** Sheet name (as resolved) of a spec key. */
  sheetName(key: string): string;
  data?: NetworkData;
  /** The network's name (from the data, or remembered from an earlier build). */
  pcnName?: string;
  kpiMonths: number;
  /** Set when the year was chosen by default and today's financial year is not shipped: the sentence saying so. */
  yearNote?: string;
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
