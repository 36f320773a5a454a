/**
 * Excel adapter for the catalogue: every parameter arrives as a matrix (`any[][]`), so one call can take a
 * whole column; results go back as a matrix, errors as CustomFunctions.Error with the core's sentence.
 */
import { findFunction } from "../core/functions/catalogue";
import { CellError, invoke, type CellResult } from "../core/functions/invoke";

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
  const res = invoke(spec, args.map((a) => (a === null ? undefined : plain(a))));
  if (!res.matrix) {
    if (res.value instanceof CellError) throw toExcel(res.value);
    return [[res.value]];
  }
  return res.cells.map((row) => row.map(toExcel));
}
