/**
 * Plan cells as what `Range.formulas` takes, so that text always lands as that text: a plain string is never a
 * formula, a number, a date or an error in Excel, whatever it looks like.
 */
import { isoToSerial, type PlanCell, type SheetSnapshot } from "../core/workbook/plan";

/**
 * True when Excel might not keep `s` as this text if written as it is: a formula or sign prefix (also the
 * full-width and small forms East Asian input methods type, U+FF1D ＝ U+FE66 ﹦ U+FF0B ＋ U+FE62 ﹢ U+FF0D － U+FE63 ﹣
 * U+FF20 ＠, which some Excel builds read as their ASCII forms), an apostrophe of its own, a leading # (error
 * literals such as #N/A), anything with a digit (numbers, dates, times, percentages, currency), booleans, edge
 * spaces. Erring towards true is harmless: the apostrophe is not part of the value.
 */
export function needsApostrophe(s: string): boolean {
  if (s === "") return false;
  return /^[=+\-@'#\s\uFF1D\uFE66\uFF0B\uFE62\uFF0D\uFE63\uFF20]/.test(s) || /\s$/.test(s) || /\p{Nd}/u.test(s) || /^(true|false)$/i.test(s);
}

/** One plan cell as `range.formulas` takes it (into a cell not formatted as Text); dates as 1900-system serials. */
export function toExcelInput(cell: PlanCell | undefined): string | number | boolean {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "number") return Number.isFinite(cell) ? cell : "";
  if (typeof cell === "boolean") return cell;
  if (typeof cell === "string") return needsApostrophe(cell) ? `'${cell}` : cell;
  if ("f" in cell) return cell.f.startsWith("=") ? cell.f : `=${cell.f}`;
  return isoToSerial(cell.d);
}

/** A snapshot cell written back as it was: its formula, else its value as a literal. */
export function snapshotInput(s: SheetSnapshot | undefined, r: number, c: number): string | number | boolean {
  const f = s?.formulas[r]?.[c];
  if (f) return f;
  const v = s?.values[r]?.[c];
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? toExcelInput(v) : v;
}
