// The BUILT custom functions, both hosts, against hand-worked figures: Excel's functions.js (`=PCN.NAME`,
// everything as matrices, dates as serial numbers) and Apps Script's Code.js (`=PCN_NAME`, scalars, Date
// objects). The same inputs must give the same, independently worked, values.
import vm from "node:vm";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { builtTarget } from "./browser/webpack";
import { createFakeGas } from "./fakes/fakeSheets";

type Fn = (...a: unknown[]) => unknown;
const excel = new Map<string, Fn>();
let sheets: Record<string, Fn> = {};

class CfError { constructor(public code: string, public message?: string) {} }

beforeAll(async () => {
  const ex = await builtTarget("excel", "dist/excel-addin", "functions.js");
  const box: Record<string, unknown> = {
    CustomFunctions: {
      associate: (id: string, fn: Fn) => excel.set(id, fn),
      Error: CfError,
      ErrorCode: { invalidValue: "#VALUE!" },
    },
    console,
  };
  box.window = box;
  box.self = box;
  vm.runInContext(readFileSync(join(ex, "functions.js"), "utf8"), vm.createContext(box));
  const sh = await builtTarget("sheets", "dist/sheets-addon", "Code.js");
  const gas = createFakeGas({ timeZone: "UTC" });
  const ctx = vm.createContext({ ...gas.globals, console });
  vm.runInContext(readFileSync(join(sh, "Code.js"), "utf8"), ctx);
  sheets = ctx as unknown as Record<string, Fn>;
}, 180_000);

const serial = (iso: string) => (Date.parse(iso + "T00:00:00Z") - Date.UTC(1899, 11, 30)) / 86400000;
const asDate = (iso: string) => new Date(iso + "T00:00:00Z");
const D = (iso: string) => ({ iso });
type Arg = number | string | { iso: string } | (number | string)[][];
const forExcel = (a: Arg) => (Array.isArray(a) ? a : typeof a === "object" ? [[serial(a.iso)]] : [[a]]);
const forSheets = (a: Arg) => (typeof a === "object" && !Array.isArray(a) ? asDate(a.iso) : a);

// [function, arguments, expected] — expected values worked by hand from the rates files' figures.
const CASES: [string, Arg[], number | string | number[][]][] = [
  ["ARRS_ALLOCATION", [30000, "2025/26"], 798930], // official example: 30,000 x £26.631
  ["ARRS_ALLOCATION", [30000, "2024/25"], 686820], // 30,000 x £22.894
  ["ARRS_ALLOCATION", [30000, "2023/24"], 680130], // 30,000 x £22.671
  ["ARRS_ALLOCATION", [[[10000], [20000]], "2025/26"], [[266310], [532620]]],
  ["CORE", [45000, 47000, "2025/26"], 136421], // 45,000 x 2.266 + 47,000 x 0.733
  ["CORE", [10000, 9000, "2023/24"], 15000], // £1.50 per registered patient only
  ["ENHANCED_ACCESS", [10000, "2024/25"], 79750],
  ["CARE_HOME_PREMIUM", [10, "2024/25"], 1272],
  ["CAPACITY_ACCESS", [10000, "improvement", "2023/24"], 11850],
  ["CAPACITY_ACCESS", [10000, "total", "2025/26"], 45830], // 32,080 + 13,750
  ["PARTICIPATION", [10000, "2023/24"], 17600],
  ["RATE", ["enhancedAccess", "2023/24"], 7.578],
  ["ARRS_MAX", ["Clinical Pharmacist", D("2024-11-01"), "outer london"], 73189],
  ["ARRS_MAX", ["pharmacy technician", D("2024-09-30")], 40159], // before the 1 October 2024 uplift
  ["ONCOSTS", [30000, D("2024-06-01")], 7198.2], // (30,000 - 9,100) x 13.8% + 30,000 x 14.38%
  ["ARRS_CLAIM", ["Pharmacy Technician", 45000, 1, 6, D("2025-06-01")], 21676], // capped at 43,352, half a year
  ["IIF_ACHIEVEMENT", [600, 1000, 200], 0.75], // official worked example
  ["IIF_VALUE", [10, 1, 1, "2024/25"], 1980],
  ["PATIENTS_NEEDED", [100, 200, 0.8], 60],
  ["SPLIT", [100, [[1], [1], [1]]], [[33.33], [33.34], [33.33]]],
  ["FIN_YEAR", [D("2025-04-01")], "2025/26"],
  ["FIN_YEAR", [D("2025-03-31")], "2024/25"],
];

describe("bundles", () => {
  it("the add-ins carry no data-file validator (zod) and no HyperFormula", async () => {
    const ex = await builtTarget("excel", "dist/excel-addin", "functions.js");
    const sh = await builtTarget("sheets", "dist/sheets-addon", "Code.js");
    for (const f of [join(ex, "taskpane.js"), join(ex, "functions.js"), join(sh, "Code.js"), join(sh, "Sidebar.html")]) {
      const text = readFileSync(f, "utf8");
      expect(text, f).not.toMatch(/ZodError|\$ZodType|buildFromSheets|licenseKey/);
    }
    // builtTarget may have to build both hosts afresh: minutes on a loaded machine.
  }, 300_000);
});

describe("built functions.js and Code.js agree with hand-worked figures", () => {
  it.each(CASES.map((c) => [`${c[0]}(${JSON.stringify(c[1])})`, ...c]))("%s", (_, name, args, expected) => {
    const ex = excel.get(name as string)!(...(args as Arg[]).map(forExcel)) as unknown[][];
    const sh = sheets[`PCN_${name}`](...(args as Arg[]).map(forSheets));
    const exp = expected as number | string | number[][];
    if (Array.isArray(exp)) {
      expect(ex).toEqual(exp);
      expect(sh).toEqual(exp);
    } else if (typeof exp === "number") {
      expect(ex[0][0] as number).toBeCloseTo(exp, 9);
      expect(sh as number).toBeCloseTo(exp, 9);
    } else {
      expect(ex).toEqual([[exp]]);
      expect(sh).toBe(exp);
    }
  });

  it("IIF points on the sliding scale: 0.7 between 0.65 and 0.8 earns a third of 22", () => {
    expect((excel.get("IIF_POINTS")!([[0.7]], [[0.65]], [[0.8]], [[22]]) as number[][])[0][0]).toBeCloseTo(22 / 3, 9);
    expect(sheets.PCN_IIF_POINTS(0.7, 0.65, 0.8, 22) as number).toBeCloseTo(22 / 3, 9);
  });

  it("bad input: Excel gets a CustomFunctions.Error, Sheets an Error, both with the sentence", () => {
    // Excel passes every argument as a matrix, so the error comes back as the cell's value.
    const excelErr = (excel.get("ARRS_CLAIM")!([["Clinical Pharmacist"]], [[60000]], [[-1]], [[12]], [[serial("2025-06-01")]]) as unknown[][])[0][0];
    expect(excelErr).toBeInstanceOf(CfError);
    expect((excelErr as CfError).code).toBe("#VALUE!");
    expect((excelErr as CfError).message).toMatch(/WTE -1 is negative/);
    expect(() => sheets.PCN_ARRS_CLAIM("Clinical Pharmacist", 60000, -1, 12, asDate("2025-06-01"))).toThrow(/WTE -1 is negative/);
  });
});
