/**
 * Evaluates workbook formulas in HyperFormula (GPL-3: tests only) so tests compare computed values.
 *
 * Findings (HyperFormula 3.5.0 vs LibreOffice 7.4; test/engines.test.ts checks them):
 * - Last number in a row: neither common idiom works in both engines.
 *   - MATCH(9.99E+307,row) is right in HyperFormula when the row holds only numbers and blanks.
 *     Text or a literal "" cell can mislead its binary search. LibreOffice 7.4 returns #N/A for
 *     a horizontal range with blanks inside it (vertical ranges are fine).
 *   - LOOKUP(2,1/(row<>""),row) works in LibreOffice, but HyperFormula has no LOOKUP (#NAME?).
 *   - Works in both, with text too:
 *     INDEX(row,1,SUMPRODUCT(MAX(ISNUMBER(row)*{1,2,...,n}))).
 *     COLUMN(row) cannot stand in for the constant, because HyperFormula returns a single number.
 * - HyperFormula's lexer only reads a lowercase exponent (9.99e+307), so toHyperFormula() lowers it.
 *   It also strips the _xlfn./_xlws. prefixes that Excel writes into files.
 * - Work in both: SUMPRODUCT(--(range="x")) and SUMPRODUCT(--(r="x"),amounts), COUNTIFS, EOMONTH,
 *   EDATE, DATE, IFERROR, MAX/MIN over ranges, whole-column refs (A:A), and defined names used
 *   in SUMIFS and INDEX/MATCH. HyperFormula needs useArrayArithmetic: true for SUMPRODUCT;
 *   with false it returns wrong numbers or #VALUE!.
 * - Wrong or missing in HyperFormula only:
 *   - DATEDIF needs an uppercase unit ("M"); "m" gives #NUM!.
 *   - TEXT(date,"mmm-yy") gives "040-25".
 *   - INDEX(row,n) gives #NUM!; write INDEX(row,1,n).
 *   - ROUND(1.005,2) gives 1, where Excel and LibreOffice give 1.01: it rounds the binary value, so an exact
 *     half-penny such as 65,171.70 / 12 = 5,430.975 goes down. `excelRound: true` (below) evaluates ROUND as
 *     Excel documents it (the 15-digit decimal value, halves away from zero), so money formulas can be checked.
 *   - ROWS()/COLUMNS() of a defined name makes the build throw.
 *   - Defined names must use absolute refs ($A$1).
 */
import ExcelJS from "exceljs";
import { HyperFormula, DetailedCellError, ErrorType, FunctionArgumentType, FunctionPlugin } from "hyperformula";
import type { ConfigParams, RawCellContent, SerializedNamedExpression } from "hyperformula";

export type EvalInput = null | number | boolean | string | { f: string } | { d: string };
export interface EvalSheet {
  name: string;
  /** Strings are always literal text, even "=..."; formulas go in `{ f: "=..." }`; `{ d: "yyyy-mm-dd" }` is a date. */
  cells: EvalInput[][];
}
/** Workbook-scoped name, e.g. { name: "Rates", ref: "'Rates sheet'!$C$5:$C$9" }. */
export interface EvalName {
  name: string;
  ref: string;
}
export type EvalError = { error: string; message?: string };
export type EvalValue = number | string | boolean | null | EvalError;
export interface Evaluated {
  get(sheet: string, a1: string): EvalValue;
  sheetValues(sheet: string): EvalValue[][];
  errors(): { sheet: string; a1: string; error: string; message?: string }[];
  sheetNames(): string[];
}

/** As close to Excel (en-US) as HyperFormula gets; see its "Compatibility with Microsoft Excel" guide. */
export const EXCEL_LIKE_CONFIG: Partial<ConfigParams> = {
  licenseKey: "gpl-v3",
  functionArgSeparator: ",",
  decimalSeparator: ".",
  thousandSeparator: "",
  arrayColumnSeparator: ",",
  arrayRowSeparator: ";",
  dateFormats: ["MM/DD/YYYY", "MM/DD/YY", "YYYY/MM/DD"],
  timeFormats: ["hh:mm", "hh:mm:ss.sss"],
  nullYear: 30,
  caseSensitive: false,
  accentSensitive: true,
  ignorePunctuation: false,
  localeLang: "en-US",
  useWildcards: true,
  useRegularExpressions: false,
  matchWholeCell: true,
  // Excel evaluates array arguments of SUMPRODUCT etc. natively; with false HF gets them wrong.
  // The cost: like Excel 365, a bare range expression spills instead of implicitly intersecting.
  useArrayArithmetic: true,
  ignoreWhiteSpace: "any",
  evaluateNullToZero: true,
  // With the fake 29 Feb 1900, nullDate 1899-12-31 yields Excel serials (2025-04-01 = 45748).
  leapYear1900: true,
  nullDate: { year: 1899, month: 12, day: 31 },
  smartRounding: true,
  // 14 yields Excel's 15 significant digits; 15 exposes float noise (0.1+0.2).
  precisionRounding: 14,
};

/** ROUND as Excel and LibreOffice do it: on the value's 15 significant digits, halves away from zero. */
export function excelRound(x: number, places: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const d = Math.trunc(places);
  const r = Math.round(Number(`${Math.abs(x).toPrecision(15)}e${d}`));
  return Math.sign(x) * Number(`${r}e${-d}`);
}
class ExcelRoundPlugin extends FunctionPlugin {
  static implementedFunctions = {
    EXCELROUND: { method: "excelRound", parameters: [{ argumentType: FunctionArgumentType.NUMBER }, { argumentType: FunctionArgumentType.NUMBER, defaultValue: 0 }] },
  };
  excelRound(ast: any, state: any) {
    return this.runFunction(ast.args, state, this.metadata("EXCELROUND"), (x: number, places: number) => excelRound(x, places));
  }
}
HyperFormula.registerFunctionPlugin(ExcelRoundPlugin as any, { enGB: { EXCELROUND: "EXCELROUND" } });

const ERROR_TEXT: Record<ErrorType, string> = {
  [ErrorType.DIV_BY_ZERO]: "#DIV/0!",
  [ErrorType.NAME]: "#NAME?",
  [ErrorType.VALUE]: "#VALUE!",
  [ErrorType.NUM]: "#NUM!",
  [ErrorType.NA]: "#N/A",
  [ErrorType.REF]: "#REF!",
  [ErrorType.CYCLE]: "#CYCLE!",
  [ErrorType.SPILL]: "#SPILL!",
  [ErrorType.LIC]: "#LIC!",
  [ErrorType.ERROR]: "#ERROR!",
};
// Error literals HyperFormula parses from raw content; anything else is kept as text.
const ERROR_LITERALS = new Set(["#DIV/0!", "#NAME?", "#VALUE!", "#NUM!", "#N/A", "#REF!"]);

/** Rewrites Excel file syntax that HyperFormula's parser rejects, leaving strings and quoted sheet names alone. */
export function toHyperFormula(formula: string, opts: { excelRound?: boolean } = {}): string {
  const f = formula.startsWith("=") ? formula : `=${formula}`;
  // Alternating split: odd indexes are "..." string literals or '...' quoted names.
  return f
    .split(/("(?:[^"]|"")*"|'(?:[^']|'')*')/)
    .map((part, i) =>
      i % 2
        ? part
        : part
            .replace(/_xlfn\.(?:_xlws\.)?/gi, "")
            .replace(/(^|[^A-Za-z0-9_.$])(\d+(?:\.\d*)?|\.\d+)E([+-]?\d+)(?![A-Za-z0-9_])/g, "$1$2e$3")
            .replace(/(?<![A-Za-z0-9_.$])ROUND\(/gi, (m) => (opts.excelRound ? "EXCELROUND(" : m)),
    )
    .join("");
}

/** Excel 1900-system serial for an ISO date or date-time, keeping Excel's fake 29 Feb 1900. */
export function isoToSerial(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?)?$/.exec(iso);
  if (!m) throw new Error(`Not an ISO date: ${iso}`);
  const [, y, mo, d, h = "0", mi = "0", s = "0"] = m;
  const days = (Date.UTC(+y, +mo - 1, +d) - Date.UTC(1899, 11, 30)) / 86_400_000;
  const serial = days < 61 ? days - 1 : days;
  return serial + (+h * 3600 + +mi * 60 + +s) / 86_400;
}

function toRaw(cell: EvalInput, opts: { excelRound?: boolean }): RawCellContent {
  if (cell === null || typeof cell === "number" || typeof cell === "boolean") return cell;
  // HF strips one leading apostrophe and keeps the rest as text, so "=..." and "123" stay text.
  if (typeof cell === "string") return `'${cell}`;
  if ("f" in cell) return toHyperFormula(cell.f, opts);
  return isoToSerial(cell.d);
}

export function columnLetters(col: number): string {
  let s = "";
  for (let n = col + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function toValue(v: unknown): EvalValue {
  if (v instanceof DetailedCellError) return { error: ERROR_TEXT[v.type] ?? v.value, message: v.message || undefined };
  return v as EvalValue;
}

/** `excelRound`: evaluate ROUND as Excel does (see the notes above); HyperFormula's own otherwise. */
/** `today` (YYYY-MM-DD): the date TODAY() gives while the workbook is built and computed (as LibreOffice's). */
export type EvalOptions = Partial<ConfigParams> & { excelRound?: boolean; today?: string };

/**
 * Runs `fn` with the clock at noon (UTC) of `today`, running on from there: HyperFormula reads TODAY() and NOW()
 * from `new Date()` as it computes (at build; its values are then kept), and has no setting for it.
 */
function atToday<T>(today: string | undefined, fn: () => T): T {
  if (today === undefined) return fn();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new Error(`HyperFormula: today must be YYYY-MM-DD, not ${JSON.stringify(today)}`);
  const Real = Date;
  const offset = Real.parse(`${today}T12:00:00Z`) - Real.now();
  class Pinned extends Real {
    constructor(...a: unknown[]) {
      if (a.length === 0) super(Real.now() + offset);
      else super(...(a as [string]));
    }
    static now() { return Real.now() + offset; }
  }
  globalThis.Date = Pinned as DateConstructor;
  try {
    return fn();
  } finally {
    globalThis.Date = Real;
  }
}

export function evaluate(sheets: EvalSheet[], names: EvalName[] = [], options: EvalOptions = {}): Evaluated {
  const { excelRound: xr, today, ...config } = options;
  const data: Record<string, RawCellContent[][]> = {};
  for (const s of sheets) data[s.name] = s.cells.map((row) => row.map((c) => toRaw(c, { excelRound: xr })));
  const named: SerializedNamedExpression[] = [
    // Excel has TRUE/FALSE keywords; HF only has the functions.
    { name: "TRUE", expression: "=TRUE()" },
    { name: "FALSE", expression: "=FALSE()" },
    ...names.map((n) => {
      const body = n.ref.replace(/^=?(?:'(?:[^']|'')*'|[^'!]*)!/, "");
      if (n.ref.includes("!") && !body.split(":").every((p) => /^(\$[A-Z]{1,3})?(\$\d+)?$/i.test(p))) {
        throw new Error(`Defined name ${n.name} must use absolute refs ($A$1) for HyperFormula: ${n.ref}`);
      }
      return { name: n.name, expression: toHyperFormula(n.ref) };
    }),
  ];
  let hf: HyperFormula;
  try {
    hf = atToday(today, () => HyperFormula.buildFromSheets(data, { ...EXCEL_LIKE_CONFIG, ...config }, named));
  } catch (e) {
    throw new Error(`HyperFormula could not build the workbook: ${(e as Error).message}`);
  }

  const sheetId = (sheet: string): number => {
    const id = hf.getSheetId(sheet);
    if (id === undefined) throw new Error(`No sheet "${sheet}" (have: ${hf.getSheetNames().join(", ")})`);
    return id;
  };
  const sheetValues = (sheet: string) => hf.getSheetValues(sheetId(sheet)).map((row) => row.map(toValue));

  return {
    get(sheet, a1) {
      const m = /^\$?([A-Z]{1,3})\$?(\d+)$/i.exec(a1);
      if (!m) throw new Error(`Not an A1 address: ${a1}`);
      const col = [...m[1].toUpperCase()].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
      return toValue(hf.getCellValue({ sheet: sheetId(sheet), row: Number(m[2]) - 1, col }));
    },
    sheetValues,
    errors() {
      const out: ReturnType<Evaluated["errors"]> = [];
      for (const sheet of hf.getSheetNames()) {
        sheetValues(sheet).forEach((row, r) =>
          row.forEach((v, c) => {
            if (v !== null && typeof v === "object") out.push({ sheet, a1: `${columnLetters(c)}${r + 1}`, ...v });
          }),
        );
      }
      return out;
    },
    sheetNames: () => hf.getSheetNames(),
  };
}

function cellInput(cell: ExcelJS.Cell): EvalInput {
  const v = cell.value;
  switch (cell.type) {
    case ExcelJS.ValueType.Null:
    case ExcelJS.ValueType.Merge: // non-master merged cells echo the master's value; Excel sees them empty
      return null;
    case ExcelJS.ValueType.Formula:
      // cell.formula translates shared formulas to this cell's address.
      return { f: `=${cell.formula}` };
    case ExcelJS.ValueType.Date:
      // exceljs maps serials to Dates as UTC days from 1899-12-30; invert exactly.
      return (v as Date).getTime() / 86_400_000 + 25569;
    case ExcelJS.ValueType.Error: {
      const err = (v as ExcelJS.CellErrorValue).error;
      return ERROR_LITERALS.has(err) ? { f: `=${err}` } : err;
    }
    case ExcelJS.ValueType.Number:
    case ExcelJS.ValueType.Boolean:
    case ExcelJS.ValueType.String:
      return v as number | boolean | string;
    default:
      // Rich text and hyperlinks: their visible text.
      return cell.text;
  }
}

/** Reads an .xlsx with exceljs (formulas, not cached results) and evaluates it. */
export async function evaluateXlsx(file: string | Buffer, config: EvalOptions = {}): Promise<Evaluated> {
  const wb = new ExcelJS.Workbook();
  if (typeof file === "string") await wb.xlsx.readFile(file);
  else await wb.xlsx.load(file as unknown as ArrayBuffer);

  const sheets: EvalSheet[] = wb.worksheets.map((ws) => {
    const cells: EvalInput[][] = [];
    ws.eachRow({ includeEmpty: false }, (row, r) => {
      const out: EvalInput[] = (cells[r - 1] = []);
      row.eachCell({ includeEmpty: false }, (cell, c) => {
        out[c - 1] = cellInput(cell);
      });
    });
    return { name: ws.name, cells: Array.from(cells, (row) => Array.from(row ?? [], (v) => v ?? null)) };
  });

  const names: EvalName[] = (wb.definedNames.model as { name: string; ranges: string[] }[])
    .filter((n) => !n.name.startsWith("_xlnm.") && n.ranges.length === 1)
    .map((n) => ({ name: n.name, ref: n.ranges[0] }));
  return evaluate(sheets, names, config);
}
