/**
 * Google Sheets adapter for the catalogue: arguments are scalars or 2-D arrays; a scalar error is thrown so
 * the cell shows #ERROR! with the sentence; inside an array result (where Sheets cannot hold per-cell
 * errors) the sentence is written as text starting "#ERROR:".
 */
import { findFunction } from "../core/functions/catalogue";
import { CellError, invoke } from "../core/functions/invoke";
import { dateToSerialFn } from "./writer";

const isDate = (v: unknown): v is Date => Object.prototype.toString.call(v) === "[object Date]";

/**
 * Sheets hands a date cell over as midnight in the spreadsheet's time zone, which need not be the script's:
 * read its calendar date there, as a serial number the core understands.
 */
function datesToSerials(args: unknown[]): unknown[] {
  const hasDate = (v: unknown): boolean => isDate(v) || (Array.isArray(v) && v.some(hasDate));
  if (!args.some(hasDate)) return args;
  let zone: string | undefined;
  try {
    zone = SpreadsheetApp.getActive().getSpreadsheetTimeZone();
  } catch {
    zone = undefined; // outside a spreadsheet: the script's own zone
  }
  const toSerial = dateToSerialFn(zone);
  const conv = (v: unknown): unknown => (isDate(v) ? Math.floor(toSerial(v)) : Array.isArray(v) ? v.map(conv) : v);
  return args.map(conv);
}

export function run(name: string, args: unknown[]): unknown {
  const res = invoke(findFunction(name), datesToSerials(args));
  if (!res.matrix) {
    if (res.value instanceof CellError) throw new Error(res.value.message);
    return res.value;
  }
  return res.cells.map((row) => row.map((v) => (v instanceof CellError ? `#ERROR: ${v.message}` : v)));
}
