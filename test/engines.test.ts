import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate, evaluateXlsx, toHyperFormula, type EvalValue, type Evaluated } from "./engines/hyperformula";
import { disposeLibreOffice, loNumber, parseCsv, recalcXlsx, recalcXlsxRaw, sofficeCommand, sofficePath, type LoValue } from "./engines/libreoffice";
import { libreOffice } from "./engines/libreofficeEdits";

// Test data, and expected values computed here in JS rather than read from the formulas.
const FUNDING = [
  { line: "L1", category: "ARRS", amount: 1200.5, start: [2025, 4, 1] },
  { line: "L2", category: "Core", amount: 300, start: [2025, 5, 15] },
  { line: "L3", category: "ARRS", amount: 450.25, start: [2025, 6, 30] },
  { line: "L4", category: "Core", amount: 1000, start: [2025, 1, 31] },
  { line: "L5", category: "ARRS", amount: 99.99, start: [2024, 12, 1] },
] as const;
const RATES = [
  ["GP", 105.5],
  ["Nurse", 42.75],
  ["Pharmacist", 61.2],
] as const;
// B10:M10 (numbers and gaps) and B11:M11 (numbers, text and a formula returning "").
const GAPPY = [5, null, 7, null, 11, null, null, null, 13, null, null, null];
const TEXTY: (number | string | { formula: string } | null)[] = [5, "n/a", 7, { formula: 'IF(1=1,"","x")' }, 11, null, null, null, 13, "note", null, null];
const HYPERLINK_TEXT = '=HYPERLINK("http://x","y")';

const serial = (y: number, m: number, d: number) => (Date.UTC(y, m - 1, d) - Date.UTC(1899, 11, 30)) / 86_400_000;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const amounts = FUNDING.map((f) => f.amount);
const byCategory = (c: string) => FUNDING.filter((f) => f.category === c);
const total = sum(amounts);
const arrs = sum(byCategory("ARRS").map((f) => f.amount));
const [y0, m0, d0] = FUNDING[0].start;
const lastNumberPos = (row: unknown[]) => row.map((v) => typeof v === "number").lastIndexOf(true) + 1;
const lastNumber = (row: unknown[]) => row[lastNumberPos(row) - 1] as number;
const POSITIONS = GAPPY.map((_, i) => i + 1).join(",");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

interface Probe {
  id: string;
  formula: string;
  expected: number | string | boolean;
}
// Must be right in both engines.
const CORE: Probe[] = [
  { id: "sum", formula: "SUM(Funding!C2:C6)", expected: total },
  { id: "sumifsNames", formula: 'SUMIFS(Amounts,Categories,"ARRS")', expected: arrs },
  { id: "sumifsColumns", formula: 'SUMIFS(Funding!C:C,Funding!B:B,"Core")', expected: sum(byCategory("Core").map((f) => f.amount)) },
  { id: "indexMatchNames", formula: 'INDEX(RoleRates,MATCH("Nurse",Roles,0))', expected: RATES[1][1] },
  { id: "indexMatchSpace", formula: "INDEX('Rates sheet'!B2:B4,MATCH(\"Pharmacist\",'Rates sheet'!A2:A4,0))", expected: RATES[2][1] },
  { id: "ifRound", formula: "ROUND(IF(SUM(Amounts)>2000,SUM(Amounts)*1.035,SUM(Amounts)),2)", expected: Math.round(total * 1.035 * 100) / 100 },
  { id: "edate", formula: "EDATE(Funding!D2,3)", expected: serial(y0, m0 + 3, d0) },
  { id: "monthEnd", formula: "DATE(YEAR(Funding!D2),MONTH(Funding!D2)+1,0)", expected: serial(y0, m0 + 1, 0) },
  { id: "countifs", formula: 'COUNTIFS(Categories,"ARRS",Amounts,">400")', expected: byCategory("ARRS").filter((f) => f.amount > 400).length },
  { id: "eomonth", formula: "EOMONTH(Funding!D2,0)", expected: serial(y0, m0 + 1, 0) },
  { id: "iferror", formula: "IFERROR(1/0,-1)", expected: -1 },
  { id: "max", formula: "MAX(Amounts)", expected: Math.max(...amounts) },
  { id: "min", formula: "MIN(Funding!C2:C6)", expected: Math.min(...amounts) },
  { id: "wholeColumn", formula: "SUM(Funding!C:C)", expected: total },
  { id: "sumproductBool", formula: 'SUMPRODUCT(--(Categories="ARRS"))', expected: byCategory("ARRS").length },
  { id: "sumproductWeighted", formula: 'SUMPRODUCT(--(Categories="ARRS"),Amounts)', expected: arrs },
];
// Engine support differs; SUPPORT below records which engine gets each one right.
const MATRIX: Probe[] = [
  { id: "matchLastNumber", formula: "MATCH(9.99E+307,'Rates sheet'!B10:M10)", expected: lastNumberPos(GAPPY) },
  { id: "lookupLastNonBlank", formula: "LOOKUP(2,1/('Rates sheet'!B10:M10<>\"\"),'Rates sheet'!B10:M10)", expected: lastNumber(GAPPY) },
  { id: "matchLastNumberWithText", formula: "MATCH(9.99E+307,'Rates sheet'!B11:M11)", expected: lastNumberPos(TEXTY) },
  { id: "lookupLastNumberWithText", formula: "LOOKUP(2,1/ISNUMBER('Rates sheet'!B11:M11),'Rates sheet'!B11:M11)", expected: lastNumber(TEXTY) },
  { id: "lastNumberArrayConst", formula: `INDEX('Rates sheet'!B11:M11,1,SUMPRODUCT(MAX(ISNUMBER('Rates sheet'!B11:M11)*{${POSITIONS}})))`, expected: lastNumber(TEXTY) },
  { id: "indexRowTwoArgs", formula: "INDEX('Rates sheet'!B10:M10,1,5)", expected: GAPPY[4]! },
  { id: "indexRowOneArg", formula: "INDEX('Rates sheet'!B10:M10,5)", expected: GAPPY[4]! },
  { id: "datedifLower", formula: 'DATEDIF(DATE(2024,1,15),Funding!D2,"m")', expected: (y0 - 2024) * 12 + (m0 - 1) - (d0 < 15 ? 1 : 0) },
  { id: "datedifUpper", formula: 'DATEDIF(DATE(2024,1,15),Funding!D2,"M")', expected: (y0 - 2024) * 12 + (m0 - 1) - (d0 < 15 ? 1 : 0) },
  { id: "textMmmYy", formula: 'TEXT(Funding!D2,"mmm-yy")', expected: `${MONTHS[m0 - 1]}-${String(y0).slice(2)}` },
  { id: "roundHalfCent", formula: "ROUND(1.005,2)", expected: 1.01 },
];
// Recorded with HyperFormula 3.5.0 and LibreOffice 7.4. A failure after upgrading either means
// its behaviour changed: update this table and the notes atop engines/hyperformula.ts.
const SUPPORT = {
  hyperformula: {
    matchLastNumber: true,
    lookupLastNonBlank: false, // no LOOKUP function
    matchLastNumberWithText: false, // binary search misled by text
    lookupLastNumberWithText: false,
    lastNumberArrayConst: true,
    indexRowTwoArgs: true,
    indexRowOneArg: false,
    datedifLower: false,
    datedifUpper: true,
    textMmmYy: false,
    roundHalfCent: false,
  },
  libreoffice: {
    matchLastNumber: false, // 7.4: #N/A on a row (not a column) with blanks inside it
    lookupLastNonBlank: true,
    matchLastNumberWithText: false,
    lookupLastNumberWithText: true,
    lastNumberArrayConst: true,
    indexRowTwoArgs: true,
    indexRowOneArg: true,
    datedifLower: true,
    datedifUpper: true,
    textMmmYy: true,
    roundHalfCent: true,
  },
};

const PROBES = [...CORE, ...MATRIX];
const STALE = { formula: "Funding!C2*2", wrongCache: 999_999, expected: FUNDING[0].amount * 2 };

async function writeWorkbook(file: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const funding = wb.addWorksheet("Funding");
  funding.addRow(["Line", "Category", "Amount", "Start"]);
  for (const f of FUNDING) {
    const [y, m, d] = f.start;
    funding.addRow([f.line, f.category, f.amount, new Date(Date.UTC(y, m - 1, d))]);
  }
  funding.getColumn(4).numFmt = "dd/mm/yyyy";
  funding.getCell("A8").value = HYPERLINK_TEXT; // plain string, not a formula
  funding.getCell("E8").value = { formula: STALE.formula, result: STALE.wrongCache }; // outside the summed columns

  const rates = wb.addWorksheet("Rates sheet");
  rates.addRow(["Role", "Rate"]);
  for (const r of RATES) rates.addRow([...r]);
  rates.getRow(10).values = [null, ...GAPPY];
  rates.getRow(11).values = [null, ...TEXTY];

  const probes = wb.addWorksheet("Probes");
  PROBES.forEach((p, i) => {
    probes.getCell(i + 1, 1).value = p.id;
    probes.getCell(i + 1, 2).value = { formula: p.formula };
  });

  wb.definedNames.add("'Funding'!$C$2:$C$6", "Amounts");
  wb.definedNames.add("Funding!$B$2:$B$6", "Categories");
  wb.definedNames.add("'Rates sheet'!$A$2:$A$4", "Roles");
  wb.definedNames.add("'Rates sheet'!$B$2:$B$4", "RoleRates");
  await wb.xlsx.writeFile(file);
}

function matches(actual: EvalValue | LoValue | undefined, expected: number | string | boolean): boolean {
  if (typeof expected === "number" && typeof actual === "number") {
    return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
  }
  return actual === expected;
}

function results(get: (row: number) => EvalValue | LoValue | undefined) {
  return Object.fromEntries(PROBES.map((p, i) => [p.id, get(i)]));
}
function expectCore(values: Record<string, unknown>) {
  for (const p of CORE) {
    expect(matches(values[p.id] as EvalValue, p.expected), `${p.id}: ${JSON.stringify(values[p.id])} vs ${p.expected}`).toBe(true);
  }
}
const support = (values: Record<string, unknown>) =>
  Object.fromEntries(MATRIX.map((p) => [p.id, matches(values[p.id] as EvalValue, p.expected)]));

let dir: string;
let file: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pcn-engines-"));
  file = join(dir, "engines.xlsx");
  await writeWorkbook(file);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hand-computed expectations", () => {
  it("anchor 2025-04-01 to Excel serial 45748", () => {
    expect(serial(2025, 4, 1)).toBe(45748);
  });
});

describe("HyperFormula", () => {
  let hf: Evaluated;
  beforeAll(async () => {
    hf = await evaluateXlsx(file);
  });

  it("computes the core formulas", () => {
    expectCore(results((i) => hf.get("Probes", `B${i + 1}`)));
  });

  it("has the recorded support matrix", () => {
    expect(support(results((i) => hf.get("Probes", `B${i + 1}`)))).toEqual(SUPPORT.hyperformula);
    expect(hf.get("Probes", `B${PROBES.findIndex((p) => p.id === "lookupLastNonBlank") + 1}`)).toMatchObject({ error: "#NAME?" });
  });

  it("ignores cached results, keeps literal text and reads dates as serials", () => {
    expect(hf.get("Funding", "E8")).toBeCloseTo(STALE.expected, 9);
    expect(hf.get("Funding", "A8")).toBe(HYPERLINK_TEXT);
    expect(hf.get("Funding", "D2")).toBe(serial(2025, 4, 1));
  });

  it("evaluates in-memory sheets with names, dates, literal strings and errors", () => {
    const e = evaluate(
      [
        { name: "In put", cells: [[1, 2, { f: "=SUM(Pair)" }, "=A1", "'quoted", "123", { d: "2025-04-01" }, { f: "=1/0" }, { f: "=TRUE" }, { f: "=1E+3" }]] },
        { name: "Out", cells: [[{ f: "='In put'!C1*2" }, { f: "=ISTEXT('In put'!F1)" }]] },
      ],
      [{ name: "Pair", ref: "'In put'!$A$1:$B$1" }],
    );
    expect(e.sheetValues("In put")[0]).toEqual([1, 2, 3, "=A1", "'quoted", "123", 45748, { error: "#DIV/0!" }, true, 1000]);
    expect(e.get("Out", "A1")).toBe(6);
    expect(e.get("Out", "B1")).toBe(true);
    expect(e.errors()).toEqual([{ sheet: "In put", a1: "H1", error: "#DIV/0!" }]);
  });

  it("with excelRound, ROUND works as Excel documents it: halves away from zero on the decimal value", () => {
    const cells = [[{ f: "=ROUND(1.005,2)" }, { f: "=ROUND(65171.7/12,2)" }, { f: "=ROUND(-2.5,0)" }, { f: "=ROUND(1234.5678,-2)" }, { f: "=ROUNDUP(1.001,2)" }, { f: "=ROUND(ROUND(1.005,2)*3,1)" }]];
    expect(evaluate([{ name: "S", cells }], [], { excelRound: true }).sheetValues("S")[0]).toEqual([1.01, 5430.98, -3, 1200, 1.01, 3]);
    // HyperFormula's own ROUND takes the binary value: exact half-pennies go down.
    expect(evaluate([{ name: "S", cells }]).sheetValues("S")[0][0]).toBe(1);
  });

  it("gives TODAY() the date a test pins, and the real one otherwise", () => {
    const today = (opts = {}) => evaluate([{ name: "S", cells: [[{ f: "=TODAY()" }, { f: "=NOW()-TODAY()" }]] }], [], opts).sheetValues("S")[0];
    expect(today({ today: "2026-12-01" })).toEqual([serial(2026, 12, 1), expect.closeTo(0.5, 2)]);
    expect(today({ today: "2024-02-29" })[0]).toBe(serial(2024, 2, 29));
    const now = new Date();
    expect(today()[0]).toBe(serial(now.getFullYear(), now.getMonth() + 1, now.getDate()));
    expect(new Date().getFullYear()).toBe(now.getFullYear()); // the clock is given back
  });

  it("rejects relative defined names with a clear message", () => {
    expect(() => evaluate([{ name: "S", cells: [[1]] }], [{ name: "Rel", ref: "S!A1" }])).toThrow(/absolute refs/);
  });

  it("throws building a workbook with ROWS() of a defined name (HyperFormula 3.5.0 bug)", () => {
    expect(() =>
      evaluate([{ name: "S", cells: [[1, { f: "=ROWS(Rng)" }]] }], [{ name: "Rng", ref: "S!$A$1:$A$1" }]),
    ).toThrow(/could not build/);
  });

  it("rewrites only what HyperFormula cannot parse", () => {
    expect(toHyperFormula("MATCH(9.99E+307,A1:B1)")).toBe("=MATCH(9.99e+307,A1:B1)");
    expect(toHyperFormula('=_xlfn.IFS(A1E3>1,"1E3",\'Q1E3\'!A1,2E-1)')).toBe('=IFS(A1E3>1,"1E3",\'Q1E3\'!A1,2e-1)');
  });
});

describe("LibreOffice", { timeout: 120_000 }, () => {
  let csv: Record<string, string[][]>;
  let raw: Record<string, LoValue[][]>;
  beforeAll(async () => {
    sofficePath(); // throws, failing the suite, when LibreOffice is missing
    csv = await recalcXlsx(file);
    raw = await recalcXlsxRaw(file);
  }, 120_000);
  afterAll(disposeLibreOffice);

  it("exports every sheet, including names with spaces", () => {
    expect(Object.keys(csv)).toEqual(["Funding", "Rates sheet", "Probes"]);
    expect(Object.keys(raw)).toEqual(["Funding", "Rates sheet", "Probes"]);
    expect(csv["Rates sheet"][2].slice(0, 3)).toEqual(["Nurse", "42.75", ""]); // rows are padded to the used range
  });

  it("computes the core formulas", () => {
    expectCore(results((i) => raw.Probes[i][1]));
    expectCore(results((i) => loNumberOrText(csv.Probes[i][1])));
  });

  it("has the recorded support matrix", () => {
    expect(support(results((i) => raw.Probes[i][1]))).toEqual(SUPPORT.libreoffice);
  });

  it("recalculates instead of trusting cached results", () => {
    expect(raw.Funding[7][4]).toBeCloseTo(STALE.expected, 9);
    expect(loNumber(csv.Funding[7][4])).toBeCloseTo(STALE.expected, 9);
  });

  it("keeps literal text and reads dates", () => {
    expect(raw.Funding[7][0]).toBe(HYPERLINK_TEXT);
    expect(csv.Funding[7][0]).toBe(HYPERLINK_TEXT);
    expect(raw.Funding[1][3]).toBe(serial(2025, 4, 1));
    expect(loNumber(csv.Funding[1][3])).toBe(serial(2025, 4, 1));
  });

  it("agrees with HyperFormula wherever both support a probe", async () => {
    const hf = await evaluateXlsx(file);
    for (const sheet of ["Funding", "Rates sheet"]) {
      const mine = hf.sheetValues(sheet);
      raw[sheet].forEach((row, r) =>
        row.forEach((v, c) => {
          const h = mine[r]?.[c] ?? null;
          if (typeof v === "number") expect(h).toBeCloseTo(v, 9);
          else expect(h).toEqual(v);
        }),
      );
    }
  });
});

describe("LibreOffice under a pinned date", { timeout: 180_000 }, () => {
  afterAll(disposeLibreOffice);
  // TODAY() and NOW() as LibreOffice computes them, given a date or not.
  const clockFile = async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("Clock");
    ws.getCell("A1").value = { formula: "TODAY()" };
    ws.getCell("A2").value = { formula: 'TEXT(TODAY(),"yyyy-mm-dd")' };
    ws.getCell("A3").value = { formula: "NOW()-TODAY()" };
    const f = join(dir, "clock.xlsx");
    await wb.xlsx.writeFile(f);
    return f;
  };

  it("recalcXlsxRaw and recalcXlsx give TODAY() the date a test pins, on either side of the real one", async () => {
    const f = await clockFile();
    for (const [y, m, d] of [[2026, 12, 1], [2027, 3, 31], [2024, 2, 29]]) {
      const iso = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
      const raw = await recalcXlsxRaw(f, { today: iso });
      expect(raw.Clock[0][0]).toBe(serial(y, m, d));
      expect(raw.Clock[1][0]).toBe(iso);
      // The clock starts at noon and runs on: the time of day is noon plus the seconds soffice took.
      expect(raw.Clock[2][0] as number).toBeGreaterThanOrEqual(0.5);
      expect(raw.Clock[2][0] as number).toBeLessThan(0.5 + 600 / 86_400);
    }
    expect((await recalcXlsx(f, { today: "2026-12-01" })).Clock[1][0]).toBe("2026-12-01");
    // Without a date, the real one.
    const now = new Date();
    const real = await recalcXlsxRaw(f);
    expect([serial(now.getFullYear(), now.getMonth() + 1, now.getDate()), serial(now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate())]).toContain(real.Clock[0][0]);
  });

  it("a person's edits made by LibreOffice's macro see the pinned date too", async () => {
    const f = await clockFile();
    const [r] = await libreOffice([{ file: f, edits: [{ op: "setFormula", sheet: "Clock", cell: "B1", formula: '=TEXT(TODAY();"YYYY-MM-DD")' }], queries: [{ q: "string", sheet: "Clock", cell: "B1" }] }], { today: "2027-01-15" });
    expect(r.answers).toEqual(["2027-01-15"]);
  });

  it("refuses a date that is not YYYY-MM-DD rather than running on the real one", () => {
    expect(() => sofficeCommand([], "1/12/2026")).toThrow(/today must be YYYY-MM-DD/);
    expect(sofficeCommand(["--headless"], "2026-12-01").args.slice(0, 1)).toEqual(["2026-12-01 12:00:00"]);
  });
});

function loNumberOrText(text: string): number | string {
  try {
    return loNumber(text);
  } catch {
    return text;
  }
}

describe("parseCsv", () => {
  it("handles quotes, embedded separators and newlines, and drops trailing empty rows", () => {
    expect(parseCsv('a,"b,""c""\nd",\r\n1,,2\n,,\n')).toEqual([
      ["a", 'b,"c"\nd', ""],
      ["1", "", "2"],
    ]);
    expect(parseCsv("\n")).toEqual([]);
  });

  it("loNumber reads LibreOffice's unformatted output", () => {
    expect(loNumber("1E-020")).toBe(1e-20);
    expect(loNumber("5%")).toBe(0.05);
    expect(loNumber("04/01/2025 12:00:00")).toBe(45748.5);
    expect(() => loNumber("abc")).toThrow();
  });
});
