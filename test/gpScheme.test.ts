// The practice-level GP reimbursement scheme (2026/27): the published figures and their checks, the claims and
// entitlements by hand, the functions, and the GP Scheme sheets in LibreOffice against the core and the functions.
import ExcelJS from "exceljs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CATALOGUE } from "../core/functions/catalogue";
import { invoke } from "../core/functions/invoke";
import { gpEntitlement, gpNewGpClaim, gpSessionsClaim, hasGpScheme, schemeRate } from "../core/funding/gpScheme";
import { getYear, YEAR_LABELS } from "../core/rates/book";
import type { YearRates } from "../core/rates/types";
import { buildPlan, sheetCatalogue } from "../core/workbook/build";
import { computeFindings } from "../core/workbook/compute";
import { serialToIso } from "../core/workbook/plan";
import { disposeLibreOffice, recalcXlsxRaw, type LoValue } from "./engines/libreoffice";
import { disagreements, engineErrors, snapshotFromValues } from "./engines/compare";
import { TestWorkbook } from "./offline";

const today = "2026-12-01";
const y = getYear("2026/27");
const dir = mkdtempSync(join(tmpdir(), "pcn-gp-"));
afterAll(async () => disposeLibreOffice());

const call = (name: string, ...args: unknown[]) => {
  const r = invoke(CATALOGUE.find((f) => f.name === name)!, args);
  if (r.matrix) throw new Error("matrix");
  return r.value;
};
const message = (v: unknown) => (v && typeof v === "object" && "message" in v ? String((v as { message: string }).message) : `not an error: ${JSON.stringify(v)}`);

describe("the scheme's figures (research 2026-27.md §1.3)", () => {
  it("2026/27 has the scheme; earlier years do not", () => {
    expect(hasGpScheme(y)).toBe(true);
    for (const label of YEAR_LABELS.filter((l) => l < "2026/27")) expect(hasGpScheme(getYear(label))).toBe(false);
    expect(schemeRate(y, "gpSchemePerAdjusted")).toBe(4.57);
    expect(schemeRate(y, "gpSchemeNewGpCap")).toBe(152900);
    expect(schemeRate(y, "gpSchemeNewGpCapLondon")).toBe(155698);
    expect(schemeRate(y, "gpSchemeMaxSessionsPerWeek")).toBe(9);
  });
  it("the hourly cap is the annual cap over 37.5 hours x 52 weeks (DHSC: 'calculated to match the annual reimbursement'), corrected from £90.61", () => {
    expect(Math.round((152900 / (37.5 * 52)) * 100) / 100).toBe(schemeRate(y, "gpSchemeSessionHourlyCap"));
    // The 25 June 2026 correction is backdated to 1 April: £78.41 for every date of the year.
    expect(schemeRate(y, "gpSchemeSessionHourlyCap", "2026-05-01")).toBe(78.41);
    // A full-time week for a year at the cap comes to the annual cap, within the hourly rate's rounding.
    expect(gpSessionsClaim(100, 37.5, 52, "2026-06-01").claim).toBe(152899.5);
  });
  it("a revision that is not backdated leaves its earlier figure in force before it", () => {
    const revised: YearRates = {
      ...y,
      revisions: [{ ...y.revisions![0], backdated: false, from: "2026-06-25" }],
    };
    expect(schemeRate(revised, "gpSchemeSessionHourlyCap", "2026-05-01")).toBe(90.61);
    expect(schemeRate(revised, "gpSchemeSessionHourlyCap", "2026-07-01")).toBe(78.41);
  });
  it("£292m over £4.57 a patient is about England's population (the research's consistency check)", () => {
    expect(292e6 / schemeRate(y, "gpSchemePerAdjusted") / 1e6).toBeCloseTo(63.9, 1);
  });
});

describe("entitlement and claims, worked by hand", () => {
  it("a practice's entitlement is its adjusted population x £4.57", () => {
    expect(gpEntitlement(9000, y)).toBe(41130);
    expect(gpEntitlement(10120.7, y)).toBe(46251.6); // 46,251.599 to the penny
  });
  it("a new salaried GP: salary + NI above £5,000 at 15% + pension at 14.38%, capped at £152,900 x WTE", () => {
    // £100,000: NI 14,250, pension 14,380: cost 128,630, under the cap.
    expect(gpNewGpClaim(100000, 1, 12, "national", "2026-06-01")).toEqual({ ni: 14250, pension: 14380, cost: 128630, cap: 152900, claim: 128630 });
    // £120,000 costs 154,506: capped at 152,900, but not with London weighting (155,698).
    expect(gpNewGpClaim(120000, 1, 12, "national", "2026-06-01").claim).toBe(152900);
    expect(gpNewGpClaim(120000, 1, 12, "london", "2026-06-01").claim).toBe(154506);
    // Six sessions (0.6 WTE) paid £60,000 for nine months: cost 76,878 under a cap of 91,740.
    expect(gpNewGpClaim(60000, 0.6, 9, "national", "2026-06-01").claim).toBe(57658.5);
  });
  it("extra sessions: pay + 15% NI + 14.38% pension an hour, capped at £78.41 an hour", () => {
    expect(gpSessionsClaim(50, 4, 52, "2026-06-01")).toMatchObject({ claim: 13455.52 }); // 64.69 x 4 x 52
    expect(gpSessionsClaim(70, 4, 52, "2026-06-01").claim).toBe(16309.28); // 90.566 an hour is over the cap: 78.41 x 208
    expect(gpSessionsClaim(50, 100, undefined, "2026-06-01").claim).toBe(6469); // 100 hours in all
  });
});

describe("the functions", () => {
  it("GP_REIMBURSEMENT_POT, GP_NEW_GP_CLAIM and GP_SESSIONS_CLAIM answer as the README says", () => {
    expect(call("GP_REIMBURSEMENT_POT", 9000, "2026/27")).toBe(41130);
    expect(call("GP_NEW_GP_CLAIM", 100000, 1, 12, "national", "2026-06-01")).toBe(128630);
    expect(call("GP_NEW_GP_CLAIM", 120000, 1, 12, "inner london", "2026-06-01")).toBe(154506);
    expect(call("GP_SESSIONS_CLAIM", 50, 4, 52, "2026-06-01")).toBe(13455.52);
  });
  it("answer with a sentence, never a number, when the year has no scheme or an input is wrong", () => {
    expect(message(call("GP_REIMBURSEMENT_POT", 9000, "2025/26"))).toMatch(/starts in 2026\/27.*2025\/26 has no such scheme/);
    expect(message(call("GP_NEW_GP_CLAIM", 100000, 1, 12, "national", "2025-06-01"))).toMatch(/starts in 2026\/27/);
    expect(message(call("GP_NEW_GP_CLAIM", 100000, 1.2, 12))).toMatch(/WTE 1.2 must be more than 0 and at most 1/);
    expect(message(call("GP_NEW_GP_CLAIM", 100000, 1, 13))).toMatch(/months 13 is outside 0 to 12/);
    expect(message(call("GP_NEW_GP_CLAIM", 100000, 1, 12, "wales"))).toMatch(/Unknown area "wales"/);
    expect(message(call("GP_SESSIONS_CLAIM", 50, 40, 52, "2026-06-01"))).toMatch(/more than 9 sessions/);
    expect(message(call("GP_SESSIONS_CLAIM", "fifty", 4, 52))).toMatch(/hourlyPay must be a number/);
  });
  it("say a figure is unknown with where to find it", () => {
    const unknown: YearRates = { ...y, rates: { ...y.rates, gpSchemePerAdjusted: { ...y.rates.gpSchemePerAdjusted, value: null } } };
    expect(() => gpEntitlement(9000, unknown)).toThrow(/is not known: arjus\.co\.uk/);
  });
});

function records(values: Record<string, LoValue[][]>, sheet: string) {
  const [head, ...rows] = values[sheet];
  return rows.filter((r) => r[0] !== null && r[0] !== "").map((r) => Object.fromEntries(head.map((h, i) => [String(h), r[i]])) as Record<string, LoValue>);
}
async function recalc(wb: TestWorkbook, name: string) {
  const file = join(dir, `${name}.xlsx`);
  writeFileSync(file, wb.file!);
  const lo = await recalcXlsxRaw(file, { today });
  return { lo, errors: engineErrors(lo), diffs: disagreements(lo, today).bad, findings: computeFindings(snapshotFromValues(lo), today) };
}
/** The 2026/27 sample as the shipped offline writer writes it. */
const sample = () => TestWorkbook.built({ sample: true, year: "2026/27", today });

describe("the GP Scheme sheets in LibreOffice", () => {
  it("are part of 2026/27 workbooks only", () => {
    expect(sheetCatalogue("2026/27").map((s) => s.key)).toEqual(expect.arrayContaining(["gpScheme", "gpClaims", "gpSummary"]));
    expect(sheetCatalogue("2025/26").map((s) => s.key)).not.toContain("gpScheme");
    const plan = buildPlan({ sheets: [] }, { sample: true, year: "2025/26", today, sheets: ["gpScheme", "practices"] });
    expect(plan.sheets.map((s) => s.key)).not.toContain("gpScheme");
    expect(plan.warnings.join(" ")).toMatch(/GP Scheme is not part of a 2025\/26 workbook/);
  });

  it("the sample's claims and entitlements: by hand, by the functions for the same inputs, and by the core", async () => {
    const { lo, errors, diffs, findings } = await recalc(await sample(), "sample");
    expect(errors).toEqual([]);
    expect(diffs.slice(0, 10)).toEqual([]);
    const claims = records(lo, "GP Scheme Claims");
    const claim = (ref: string) => claims.find((c) => c["Claim ref"] === ref)!;
    // Worked by hand from the year's figures (see the sample in core/workbook/sample.ts).
    expect(claim("G-01")["Claim this year (£)"]).toBe(40192.2); // (42,000 + 5,550 + 6,039.60) x 9/12, under 0.4 x 152,900
    expect(claim("G-02")["Claim this year (£)"]).toBe(41945.4); // 33,000 + 4,200 + 4,745.40 for the year
    expect(claim("G-04")["Claim this year (£)"]).toBe(24463.92); // £65 + on-costs is over the cap: 78.41 x 6 x 52
    expect(claim("G-04")["Check"]).toBe("Hourly cost is above the cap per hour: the claim is limited to the cap");
    // The functions give the same penny for the same inputs.
    for (const c of claims) {
      const date = serialToIso(c["Claim from"] as number);
      const expected = c["Route"] === "Extra sessions"
        ? call("GP_SESSIONS_CLAIM", c["Pay per extra hour (£)"], c["Extra hours a week"], c["Weeks claimed (extra sessions)"], date)
        : call("GP_NEW_GP_CLAIM", c["Salary a year at the GP's WTE (£, GP post)"], c["WTE (GP post)"], c["Months claimed in 2026/27"], c["Area (a new GP's cap)"], date);
      expect(c["Claim this year (£)"], String(c["Claim ref"])).toBe(expected);
    }
    const practices = records(lo, "GP Scheme");
    const p = (name: string) => practices.find((r) => r["Practice"] === name)!;
    expect(p("Riverside Surgery")["Entitlement (£)"]).toBe(46251.6);
    expect(p("Riverside Surgery")["Available to claim (£)"]).toBe(41251.6); // 5,000 transferred to Oakfield
    expect(p("Millbrook Health Centre")["Headroom (£)"]).toBe(-5817.26);
    expect(p("Millbrook Health Centre")["Check"]).toBe("Over-claimed: claims exceed the entitlement available");
    expect(p("Castle Street Practice")["Check"]).toBe("OK: entitlement left to claim");
    expect(findings.find((f) => f.ref === "Millbrook Health Centre")).toMatchObject({ severity: "red", sheet: "GP Scheme", message: "Over-claimed: claims exceed the entitlement available (by £5,817.26)." });
    expect(findings.find((f) => f.ref === "G-04")).toMatchObject({ severity: "amber", sheet: "GP Scheme Claims", row: 5 });
    expect(findings.find((f) => f.ref === "Castle Street Practice")).toMatchObject({ severity: "info", message: expect.stringMatching(/^£31,487\.30 of the GP reimbursement scheme entitlement is not yet claimed/) });
    const rep = lo["GP Scheme Summary"];
    expect(rep[11].slice(0, 3)).toEqual(["Transfers between practices (must net to £0)", 0, "OK"]);
    expect(String(rep[4][2])).toMatch(/^Revised: SFE amendment of 25 June 2026.*it replaced 90\.61, backdated to 01\/04\/2026/);
  }, 60_000);

  it("says when transfers do not net to zero, a figure is unknown, a GP is not new, or sessions pass 9 a week", async () => {
    const wb = await sample();
    await wb.edit((book) => {
      const scheme = book.getWorksheet("GP Scheme")!, claims = book.getWorksheet("GP Scheme Claims")!, rates = book.getWorksheet("Rates")!;
      const colOf = (ws: ExcelJS.Worksheet, h: string) => (ws.getRow(1).values as unknown[]).indexOf(h);
      const rowOf = (ws: ExcelJS.Worksheet, col: number, v: string) => (ws.getColumn(col).values as unknown[]).indexOf(v);
      scheme.getCell(rowOf(scheme, 1, "Oakfield Medical Centre"), colOf(scheme, "Entitlement transferred in (+) or out (-) (£, agreed in writing with the ICB)")).value = 4000;
      rates.getCell(rowOf(rates, 1, "gpSchemePerAdjusted"), 3).value = null; // the person does not trust the figure
      claims.getCell(2, colOf(claims, "Employed by the practice in the 12 months before (not as absence cover)?")).value = "Yes";
      claims.getCell(4, colOf(claims, "Sessions a week before (extra sessions)")).value = 8;
    });
    const { lo, errors, diffs, findings } = await recalc(wb, "edited");
    expect(errors).toEqual([]);
    expect(diffs.slice(0, 10)).toEqual([]);
    const rep = lo["GP Scheme Summary"];
    expect(rep[1][1]).toBe("unknown");
    expect(rep[11][2]).toBe("Transfers do not net to zero: every amount transferred out must be transferred in");
    expect(records(lo, "GP Scheme").every((r) => r["Entitlement (£)"] === "Rate unknown")).toBe(true);
    const c = records(lo, "GP Scheme Claims");
    expect(c[0]["Claim this year (£)"]).toBe("Not eligible");
    expect(c[0]["Check"]).toBe("Not a new GP: employed by the practice in the 12 months before (other than as absence cover)");
    expect(c[2]["Check"]).toBe("More than 9 sessions a week in all: only sessions up to 9 can be claimed");
    expect(findings.find((f) => /Transfers of entitlement between practices add up to -£1,000\.00/.test(f.message))).toMatchObject({ severity: "red", sheet: "GP Scheme Summary", row: 12, col: 3 });
    expect(findings.find((f) => /entitlement \(to each practice\) is not known: enter it on the Rates sheet/.test(f.message))).toBeTruthy();
    expect(rep[12].slice(0, 3)).toEqual(["Claims this year", expect.any(Number), "Incomplete: 1 claim left out"]);
  }, 60_000);
});
