/**
 * Google Sheets adapter for the catalogue: arguments are scalars or 2-D arrays; a scalar error is thrown so
 * the cell shows #ERROR! with the sentence; inside an array result (where Sheets cannot hold per-cell
 * errors) the sentence is written as text starting "#ERROR:".
 */
import { findFunction } from "../core/functions/catalogue";
import { CellError, invoke } from "../core/functions/invoke";

export function run(name: string, args: unknown[]): unknown {
  const res = invoke(findFunction(name), args);
  if (!res.matrix) {
    if (res.value instanceof CellError) throw new Error(res.value.message);
    return res.value;
  }
  return res.cells.map((row) => row.map((v) => (v instanceof CellError ? `#ERROR: ${v.message}` : v)));
}
