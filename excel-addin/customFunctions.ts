/**
 * Excel adapter for the catalogue: every parameter arrives as a matrix (`any[][]`), so one call can take a
 * whole column; results go back as a matrix, errors as CustomFunctions.Error with the core's sentence.
 */
import { findFunction } from "../core/functions/catalogue";
import { CellError, invoke, type CellResult } from "../core/functions/invoke";

function toExcel(v: CellResult): unknown {
  return v instanceof CellError ? new CustomFunctions.Error(CustomFunctions.ErrorCode.invalidValue, v.message.slice(0, 255)) : v;
}

/** Excel passes omitted optionals as null/undefined and empty range cells as "". */
export function run(name: string, args: unknown[]): any[][] {
  const spec = findFunction(name);
  const res = invoke(spec, args.map((a) => (a === null ? undefined : a)));
  if (!res.matrix) {
    if (res.value instanceof CellError) throw toExcel(res.value);
    return [[res.value]];
  }
  return res.cells.map((row) => row.map(toExcel));
}
