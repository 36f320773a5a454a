/**
 * Excel adapter for the catalogue: every parameter arrives as a matrix (`any[][]`), so one call can take a
 * whole column; results go back as a matrix, errors as CustomFunctions.Error with the core's sentence.
 */
import { findFunction } from "../core/functions/catalogue";
import { CellError, invoke, type CellResult } from "../core/functions/invoke";
import { isDate1904 } from "./dateSystem";

export { DATE_1904_FLAG } from "./dateSystem";

function toExcel(v: CellResult): unknown {
  return v instanceof CellError ? new CustomFunctions.Error(CustomFunctions.ErrorCode.invalidValue, v.message.slice(0, 255)) : v;
}

/** A cell holding a data type (entity, formatted number) arrives as an object: its basic value is what counts. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object" && "basicValue" in (v as Record<string, unknown>)) return (v as { basicValue: unknown }).basicValue;
  return v;
}

/**
 * Omitted optionals arrive as null or undefined. Blank cells arrive as null on the web and as 0 on Windows
 * (office-js#4702): the core treats 0 as "left out" where 0 can never be meant (years, dates, parts, areas).
 */
export function run(name: string, args: unknown[]): any[][] {
  const spec = findFunction(name);
  // A date cell of a 1904-date-system workbook is 1,462 less than the same date's 1900-system serial, which the
  // core counts in. The pane's bridge says which system the workbook uses (the pane and the functions share one
  // runtime and so this global); until it has read the workbook, dates count from 1900.
  const shift = isDate1904() ? 1462 : 0;
  const shifted = (v: unknown): unknown => (Array.isArray(v) ? v.map(shifted) : typeof v === "number" && v > 0 ? v + shift : v);
  const res = invoke(spec, args.map((a, i) => { const v = a === null ? undefined : plain(a); return shift && spec.params[i]?.type === "date" ? shifted(v) : v; }));
  if (!res.matrix) {
    if (res.value instanceof CellError) throw toExcel(res.value);
    return [[res.value]];
  }
  return res.cells.map((row) => row.map(toExcel));
}
