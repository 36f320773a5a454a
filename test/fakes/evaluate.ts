/**
 * A very small calculation engine for the fake Excel, enough for the self-test's checks: `=""`, `=C1*2` and
 * `=A11+B11` (cell references on the same sheet, numbers). Anything else computes to 0, as the fake does without one.
 */
import { parseA1, type CellValue, type FakeWorkbook } from "./fakeExcel";

export function miniEvaluate(wb: FakeWorkbook): (sheet: string, row: number, col: number, formula: string) => CellValue {
  const num = (sheet: string, a1: string) => {
    const { rect } = parseA1(a1);
    const v = wb.sheet(sheet)?.get(rect.row, rect.col)?.v;
    return typeof v === "number" ? v : 0;
  };
  return (sheet, _row, _col, f) => {
    if (f === '=""') return "";
    let m = /^=([A-Z]+\d+)\*(\d+(?:\.\d+)?)$/.exec(f);
    if (m) return num(sheet, m[1]) * Number(m[2]);
    m = /^=([A-Z]+\d+)\+([A-Z]+\d+)$/.exec(f);
    if (m) return num(sheet, m[1]) + num(sheet, m[2]);
    return 0;
  };
}
