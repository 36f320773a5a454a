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
interface Hosts { excel: Map<string, Fn>; sheets: Record<string, Fn> }
const excel = new Map<string, Fn>();
let sheets: Record<string, Fn> = {};

class CfError { constructor(public code: string, public message?: string) {} }

/** A Date whose "now" is noon UTC on `iso`: the built bundles read today from it, so left-out dates are pinned. */
function pinnedDate(iso: string): DateConstructor {
  const t = Date.parse(`${iso}T12:00:00Z`);
  return class extends Date {
    constructor(...a: unknown[]) {
      if (a.length === 0) super(t);
      else super(...(a as [number]));
    }
    static now() { return t; }
  } as unknown as DateConstructor;
}

/** Loads the built functions.js and Code.js as they are, optionally with today pinned. */
let built: Promise<[string, string]> | undefined;
async function loadHosts(today?: string): Promise<Hosts> {
  built ??= Promise.all([builtTarget("excel", "dist/excel-addin", "functions.js"), builtTarget("sheets", "dist/sheets-addon", "Code.js")]);
  const [ex, sh] = await built;
  const map = new Map<string, Fn>();
  const extra = today ? { Date: pinnedDate(today) } : {};
  const box: Record<string, unknown> = {
    CustomFunctions: {
      associate: (id: string, fn: Fn) => map.set(id, fn),
      Error: CfError,
      ErrorCode: { invalidValue: "#VALUE!" },
    },
    console,
    ...extra,
  };
  box.window = box;
  box.self = box;
  vm.runInContext(readFileSync(join(ex, "functions.js"), "utf8"), vm.createContext(box));
  const gas = createFakeGas({ timeZone: "UTC" });
  const ctx = vm.createContext({ ...gas.globals, console, ...extra });
  vm.runInContext(readFileSync(join(sh, "Code.js"), "utf8"), ctx);
  return { excel: map, sheets: ctx as unknown as Record<string, Fn> };
}

beforeAll(async () => {
  const h = await loadHosts();
  for (const [k, v] of h.excel) excel.set(k, v);
  sheets = h.sheets;
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
  ["ARRS_CLAIM", ["Pharmacy Technician", 45000, 1, 6, D("2024-11-01")], 21218.5], // capped at 42,437 from 1 October 2024, half a year
  ["ARRS_MAX", ["Physician Associate", D("2024-06-01")], 60401], // same band (7) as the enhanced practice nurse's sourced figure
  ["ARRS_MAX", ["Clinical Pharmacist", D("2024-09-30"), "inner london"], 72269], // derived: 62,340 + 20% HCAS capped at 7,746 x 1.2818
  ["ARRS_MAX", ["Care Coordinator", D("2023-05-01")], 31746], // the DES spelling is Care Co-ordinator; both are accepted
  ["ONCOSTS", [45000, D("2026-06-01")], 12471], // 2026/27: (45,000 - 5,000) x 15% + 45,000 x 14.38%
  ["RATE", ["gpSchemePerAdjusted", "2026/27"], 4.57],
  ["RATE", ["gpSchemeNewGpCap", "2026/27"], 152900],
  ["RATE", ["gpSchemeNewGpCapLondon", "2026/27"], 155698],
  ["RATE", ["gpSchemeSessionHourlyCap", "2026/27"], 78.41], // the 25 June 2026 SFE correction of £90.61
  ["RATE", ["employerPensionRate", "2026/27"], 0.1438],
  // The practice-level GP reimbursement scheme, 2026/27: £4.57 an adjusted patient; caps £152,900 (London £155,698)
  // a WTE and £78.41 an hour; NI 15% above £5,000 (extra sessions: 15% of the pay), pension 14.38%.
  ["GP_REIMBURSEMENT_POT", [9000, "2026/27"], 41130], // 9,000 x £4.57
  ["GP_NEW_GP_CLAIM", [120000, 1, 12, "national", D("2026-06-01")], 152900], // costs 120,000 + 17,250 + 17,256: capped
  ["GP_NEW_GP_CLAIM", [120000, 1, 12, "london", D("2026-06-01")], 154506], // under the London cap
  ["GP_NEW_GP_CLAIM", [60000, 0.6, 9, "national", D("2026-06-01")], 57658.5], // (60,000 + 8,250 + 8,628) x 9/12
  ["GP_SESSIONS_CLAIM", [50, 4, 52, D("2026-06-01")], 13455.52], // 50 x 1.2938 x 4 x 52
  ["GP_SESSIONS_CLAIM", [70, 37.5, 52, D("2026-06-01")], 152899.5], // capped: 78.41 x 37.5 x 52
  ["IIF_ACHIEVEMENT", [600, 1000, 200], 0.75], // official worked example
  ["IIF_VALUE", [10, 1, 1, "2024/25"], 1980],
  ["PATIENTS_NEEDED", [100, 200, 0.8], 60],
  ["SPLIT", [100, [[1], [1], [1]]], [[33.33], [33.34], [33.33]]],
  // The README's examples: £1,000 less £200 of costs in thirds is 266.666...; cumulative rounding gives 266.67 at a
  // third, 533.33 at two (so 266.66), 800 at three (266.67). Without costs: 333.33, 666.67 (333.34), 1,000 (333.33).
  ["DISTRIBUTE", [1000, [[1], [1], [1]], 200], [[266.67], [266.66], [266.67]]],
  ["DISTRIBUTE", [1000, [[1], [1], [1]]], [[333.33], [333.34], [333.33]]],
  ["DISTRIBUTE_POINTS", [1000, [[10], [10]], [[6000], [4000]]], [[600], [400]]],
  // IIF £9,850 less £850 of costs by points x list: 176,000 and 66,000 (and 0) of 242,000 of £9,000.
  ["DISTRIBUTE_POINTS", [9850, [[22], [11], [0]], [[8000], [6000], [5000]], 850], [[6545.45], [2454.55], [0]]],
  ["FIN_YEAR", [D("2025-04-01")], "2025/26"],
  ["FIN_YEAR", [D("2025-03-31")], "2024/25"],
];

// [function, arguments, the sentence the cell shows] — Excel's #VALUE! message and Sheets' thrown error alike.
const ERRORS: [string, Arg[], RegExp][] = [
  ["CAPACITY_ACCESS", [47000, "support", "2026/27"], /Capacity and Access Support Payment \(CASP\) was withdrawn from the Network Contract DES on 1 April 2026/],
  ["CAPACITY_ACCESS", [47000, "total", "2026/27"], /The Capacity and Access Payment \(CASP and CAIP\) was withdrawn from the Network Contract DES on 1 April 2026/],
  ["ENHANCED_ACCESS", [47000, "2026/27"], /Enhanced Access payment for 2026\/27 is not known.*PRN02483/],
  ["ARRS_ALLOCATION", [30000, "2026/27"], /not known.*PRN02483/],
  ["ARRS_MAX", ["Clinical Pharmacist", D("2026-06-01")], /£71,725 is an estimate, not a sourced figure/],
  ["ARRS_CLAIM", ["Pharmacy Technician", 45000, 1, 6, D("2025-06-01")], /£44,939 is an estimate, not a sourced figure/],
  ["ARRS_MAX", ["Clinical Pharmacist", D("2025-06-01"), "constructor"], /^Unknown area "constructor"\. Use one of: national, outer london, inner london\.$/],
  ["RATE", ["toString", "2025/26"], /^Unknown rate "toString" for 2025\/26/],
  ["DISTRIBUTE", [100, [[1], [1]], 100.01], /^Over-distribution refused: the costs of £100\.01 are more than the amount of £100\.00\.$/],
  ["DISTRIBUTE", [100, [[0], [""]]], /^The weights add up to 0: give at least one positive weight/],
  ["DISTRIBUTE_POINTS", [100, [[1], [2]], [[5000]]], /^Give as many lists as points \(2 points, 1 list\)/],
];

function errorOf(h: Hosts, name: string, args: Arg[]): { excel: string; sheets: string } {
  // An error of the whole call is thrown (a CustomFunctions.Error, as Excel expects); one per cell is returned.
  let ex: unknown;
  try { ex = (h.excel.get(name)!(...args.map(forExcel)) as unknown[][])[0][0]; } catch (e) { ex = e; }
  let sh = "";
  try { sh = `not an error: ${String(h.sheets[`PCN_${name}`](...args.map(forSheets)))}`; } catch (e) { sh = (e as Error).message; }
  return { excel: ex instanceof CfError ? (ex.message ?? "") : `not an error: ${String(ex)}`, sheets: sh };
}

describe("bundles", () => {
  it("the add-ins carry no data-file validator (zod) and no HyperFormula", async () => {
    const [ex, sh] = await built!;
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

  it.each(ERRORS.map((c) => [`${c[0]}(${JSON.stringify(c[1])})`, ...c]))("%s answers with its sentence in both hosts", (_, name, args, re) => {
    const e = errorOf({ excel, sheets }, name as string, args as Arg[]);
    expect(e.excel).toMatch(re as RegExp);
    expect(e.sheets).toMatch(re as RegExp);
  });

  it("IIF_POINTS(0.725, 0.65, 0.8, 22) is exactly 11 in both hosts", () => {
    expect((excel.get("IIF_POINTS")!([[0.725]], [[0.65]], [[0.8]], [[22]]) as number[][])[0][0]).toBe(11);
    expect(sheets.PCN_IIF_POINTS(0.725, 0.65, 0.8, 22)).toBe(11);
  });

  it("a left-out year or date is today's financial year: 2026/27 on 1 December 2026, 2025/26 on 1 October 2025, the newest shipped after it", async () => {
    const dec26 = await loadHosts("2026-12-01");
    const both = (h: Hosts, name: string, ...args: Arg[]) => [(h.excel.get(name)!(...args.map(forExcel)) as unknown[][])[0][0], h.sheets[`PCN_${name}`](...args.map(forSheets))];
    expect(both(dec26, "ONCOSTS", 45000)).toEqual([12471, 12471]);
    expect(both(dec26, "RATE", "gpSchemeSessionHourlyCap")).toEqual([78.41, 78.41]);
    expect(both(dec26, "FIN_YEAR", D("2026-12-01"))).toEqual(["2026/27", "2026/27"]);
    for (const [name, args, re] of [
      ["ARRS_MAX", ["Clinical Pharmacist"], /on 2026-12-01 is not published in our sources: £71,725 is an estimate/],
      ["ARRS_CLAIM", ["Pharmacy Technician", 40000, 1, 12], /on 2026-12-01 .*£46,447 is an estimate/],
      ["CAPACITY_ACCESS", [47000], /withdrawn from the Network Contract DES on 1 April 2026/],
    ] as [string, Arg[], RegExp][]) {
      const e = errorOf(dec26, name, args);
      expect(e.excel, name).toMatch(re);
      expect(e.sheets, name).toMatch(re);
    }
    const oct25 = await loadHosts("2025-10-01");
    expect(both(oct25, "ARRS_ALLOCATION", 30000)).toEqual([798930, 798930]);
    expect(both(oct25, "CAPACITY_ACCESS", 10000)).toEqual([45830, 45830]);
    const may27 = await loadHosts("2027-05-01");
    expect(both(may27, "RATE", "gpSchemeNewGpCap")).toEqual([152900, 152900]);
  }, 180_000);

  it("bad input: Excel gets a CustomFunctions.Error, Sheets an Error, both with the sentence", () => {
    // Excel passes every argument as a matrix, so the error comes back as the cell's value.
    const excelErr = (excel.get("ARRS_CLAIM")!([["Clinical Pharmacist"]], [[60000]], [[-1]], [[12]], [[serial("2025-06-01")]]) as unknown[][])[0][0];
    expect(excelErr).toBeInstanceOf(CfError);
    expect((excelErr as CfError).code).toBe("#VALUE!");
    expect((excelErr as CfError).message).toMatch(/WTE -1 is negative/);
    expect(() => sheets.PCN_ARRS_CLAIM("Clinical Pharmacist", 60000, -1, 12, asDate("2025-06-01"))).toThrow(/WTE -1 is negative/);
  });

  it("the GP reimbursement scheme before 2026/27: a sentence in both hosts, never a number", () => {
    const excelErr = (excel.get("GP_REIMBURSEMENT_POT")!([[9000]], [["2025/26"]]) as unknown[][])[0][0];
    expect((excelErr as CfError).message).toMatch(/starts in 2026\/27/);
    expect(() => sheets.PCN_GP_NEW_GP_CLAIM(100000, 1, 12, "national", asDate("2025-06-01"))).toThrow(/starts in 2026\/27/);
  });
});

// Making Data Count SPC, the published vectors of ../shared/domain/spc.md (C.5), through the built bundles: Excel's
// functions get ranges as matrices, Sheets' as 2-D arrays; both return rows (or the range's shape).
describe("built SPC functions give the published figures", () => {
  const both = (name: string, ...args: unknown[]) => {
    const ex = excel.get(name)!(...args.map((a) => (a === undefined ? undefined : Array.isArray(a) ? a : [[a]])));
    const sh = sheets[`PCN_${name}`](...args);
    return { ex: ex as unknown[][], sh: sh as unknown[][] };
  };
  const to4 = (rows: unknown[][]) => rows.map((r) => r.map((x) => Math.round((x as number) * 1e4) / 1e4));
  const tv1 = [[1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]];

  it("TV1: MDC's Excel method (no screening) and the screened R method, to 4 decimal places", () => {
    // mean 1.944444; mean moving range 32/17 (MDC) or 1.0 (screened); limits +/- 2.66, 2-sigma +/- 1.7733 of it.
    const [mean, amr] = [35 / 18, 32 / 17];
    const mdc = [[mean, mean - 2.66 * amr, mean + 2.66 * amr, mean - (2 * 2.66 / 3) * amr, mean + (2 * 2.66 / 3) * amr].map((x) => Math.round(x * 1e4) / 1e4)];
    expect(mdc[0].slice(0, 3)).toEqual([1.9444, -3.0626, 6.9515]);
    for (const r of Object.values(both("SPC_LIMITS", tv1))) expect(to4(r)).toEqual(mdc);
    for (const r of Object.values(both("SPC_LIMITS", tv1, undefined, "R"))) expect(to4(r)).toEqual([[1.9444, -0.7156, 4.6044, 0.1711, 3.7178]]);
  });

  it("TV3: nhspy-plotthedots' limits, rows and columns alike", () => {
    const cases: [number[], number[]][] = [
      [[1, 2, 3, 4, 5, 4, 3, 2, 1, 2], [2.7, 0.04, 5.36, 0.926667, 4.473333]],
      [[3, 1, 4, 1, 5, 9, 2], [3.5714286, -6.6252381, 13.7680952, -3.2263492, 10.3692063]],
      [[1, 2, 3, 2, 1, 2, 3, 4, 5, 6, 7, 4, 3, 2, 1, 2], [3.0, -0.0146667, 6.0146667, 0.9902222, 5.0097778]],
    ];
    for (const [data, expected] of cases) {
      const want = [expected.map((x) => Math.round(x * 1e4) / 1e4)];
      for (const r of Object.values(both("SPC_LIMITS", [data]))) expect(to4(r)).toEqual(want);
      for (const r of Object.values(both("SPC_LIMITS", data.map((x) => [x]), undefined, "R"))) expect(to4(r)).toEqual(want);
    }
  });

  it("TV1 flags: the fifth point (10) is the only special cause, an improvement when higher is better", () => {
    const want = [tv1[0].map((_, i) => (i === 4 ? "Special cause improvement" : "Common cause"))];
    for (const r of Object.values(both("SPC_FLAGS", tv1, "Higher"))) expect(r).toEqual(want);
    const lower = [tv1[0].map((_, i) => (i === 4 ? "Special cause concern" : "Common cause"))];
    for (const r of Object.values(both("SPC_FLAGS", tv1, "Lower", undefined, "R"))) expect(r).toEqual(lower);
  });

  it("TV6: points on opposite sides of the mean raise no two-in-three", () => {
    const y: number[] = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 1 : -1));
    y[14] = 5.5;
    y[15] = -5.5;
    for (const m of [undefined, "R"]) for (const r of Object.values(both("SPC_FLAGS", [y], "Higher", undefined, m))) expect(r[0].slice(14)).toEqual(["Common cause", "Common cause"]);
  });

  it("status: the latest reading's variation and the assurance (TV7's rule), from 13 readings", () => {
    for (const r of Object.values(both("SPC_STATUS", tv1, "Higher", 5))) expect(r).toEqual([["Common cause", "Hit and miss"]]);
    // Target beyond the upper process limit (6.95): higher is better fails, lower is better passes.
    for (const r of Object.values(both("SPC_STATUS", tv1, "Higher", 8))) expect(r).toEqual([["Common cause", "Fail"]]);
    for (const r of Object.values(both("SPC_STATUS", tv1, "Lower", 8))) expect(r).toEqual([["Common cause", "Pass"]]);
    for (const r of Object.values(both("SPC_STATUS", tv1, undefined, 8))) expect(r).toEqual([["Common cause", ""]]);
    const latest = [[...tv1[0], 10]];
    // Limits from the first 18 readings (TV1's): the 19th, 10 again, is outside them.
    for (const r of Object.values(both("SPC_STATUS", latest, "Lower", 8, 18))) expect(r).toEqual([["Special cause concern (high)", "Pass"]]);
    for (const r of Object.values(both("SPC_STATUS", [tv1[0].slice(0, 12)], "Higher", 5))) expect(r).toEqual([["Too few readings (12 of 13)", ""]]);
  });

  it("bad readings: one error with the sentence in both hosts", () => {
    let ex: unknown;
    try { ex = excel.get("SPC_LIMITS")!([[1, "n/a", 3]]); } catch (e) { ex = e; }
    expect(ex).toBeInstanceOf(CfError);
    expect((ex as CfError).message).toBe('Reading 2 is not a number ("n/a"): leave a month with no reading blank.');
    expect(() => sheets.PCN_SPC_LIMITS([[1, "n/a", 3]])).toThrow(/Reading 2 is not a number/);
  });
});
