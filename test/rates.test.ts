// The rates book: every figure has a source and a grade, none is invented, and the year index is current.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { YEARS, getYear, arrsMaximum, normaliseYear, NEWEST_YEAR } from "../core/rates/book";
import { yearIndexSource } from "../scripts/gen-functions";
import { DOMAIN_DIR, DOMAIN_MISSING, skipDomain } from "./optional";

const root = join(__dirname, "..");
const shared = DOMAIN_DIR;

const conf = z.enum(["high", "medium", "low", "unknown"]);
const sourced = z.string().min(20, "a source must say where the figure comes from");
const RateZ = z.object({ label: z.string().min(3), value: z.number().nullable(), unit: z.string().min(3), basis: z.string(), source: sourced, confidence: conf }).passthrough();
const MaxZ = z.object({ national: z.number().nullable(), outerLondon: z.number().nullable(), innerLondon: z.number().nullable(), source: sourced, confidence: conf }).passthrough();
const YearZ = z.object({
  year: z.string().regex(/^\d{4}\/\d{2}$/),
  start: z.string(), end: z.string(), listSizeDate: z.string(), notes: z.array(z.string()),
  rates: z.record(z.string(), RateZ),
  employerNi: z.array(z.object({ from: z.string(), to: z.string(), rate: z.number(), thresholdAnnual: z.number(), source: sourced, confidence: conf })).min(1),
  arrs: z.object({ periods: z.array(z.string()).min(1), unknownNote: z.string().min(10), roles: z.array(z.object({ role: z.string(), band: z.string(), aliases: z.array(z.string()), maxima: z.record(z.string(), MaxZ) })) }),
  iif: z.object({ indicators: z.array(z.object({ code: z.string(), source: sourced, confidence: conf }).passthrough()) }),
});

/** Numbers the domain reference states for one financial year (plus the on-cost parameters, which span years). */
function domainNumbers(year: string): Set<number> {
  const nums = new Set<number>();
  const walk = (v: unknown) => {
    if (typeof v === "number") nums.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  const rates = JSON.parse(readFileSync(join(shared, "funding-rates.json"), "utf8"));
  const maxima = JSON.parse(readFileSync(join(shared, "arrs-maxima.json"), "utf8"));
  walk(rates[year]);
  walk(rates._onCostParameters);
  for (const [k, v] of Object.entries(maxima)) if (k.startsWith(year)) walk(v);
  return nums;
}

describe("rates book", () => {
  it("ships at least 2023/24, 2024/25 and 2025/26, newest by default", () => {
    expect(YEARS.map((y) => y.year)).toEqual(expect.arrayContaining(["2023/24", "2024/25", "2025/26"]));
    expect(NEWEST_YEAR).toBe("2025/26");
    expect(normaliseYear("2025-26")).toBe("2025/26");
    expect(normaliseYear("25/26")).toBe("2025/26");
  });

  it.each(YEARS.map((y) => [y.year, y]))("%s: every rate, maximum and NI figure has a source and a confidence grade", (_, y) => {
    const r = YearZ.safeParse(y);
    expect(r.success ? "" : JSON.stringify(r.error.issues.slice(0, 3))).toBe("");
    for (const [k, rate] of Object.entries(y.rates)) {
      // An unknown figure is said plainly, never filled in.
      if (rate.value === null) expect(rate.confidence, k).toBe("unknown");
      else expect(rate.confidence, k).not.toBe("unknown");
    }
    for (const role of y.arrs.roles) for (const p of Object.keys(role.maxima)) expect(y.arrs.periods).toContain(p);
  });

  // Compares with the domain reference beside the project; on a bare clone it is reported as not run.
  it.skipIf(skipDomain)(`invents no figure: every shipped number is one the domain reference states for that year${skipDomain ? " " + DOMAIN_MISSING : ""}`, () => {
    const missing: string[] = [];
    for (const y of YEARS) {
      const known = domainNumbers(y.year);
      const check = (what: string, v: number | null) => { if (v !== null && !known.has(v)) missing.push(`${y.year} ${what} ${v}`); };
      // 0 is structural, not a figure: 2023/24 had no adjusted-population part of core funding.
      for (const [k, r] of Object.entries(y.rates)) if (r.value !== 0) check(k, r.value);
      for (const role of y.arrs.roles) for (const [p, m] of Object.entries(role.maxima)) for (const v of [m.national, m.outerLondon, m.innerLondon]) check(`${role.role} ${p}`, v);
      for (const ni of y.employerNi) { check("NI rate", ni.rate); check("NI threshold", ni.thresholdAnnual); }
      for (const i of y.iif.indicators) { check(`${i.code} points`, i.points); check(`${i.code} lower`, i.lower); check(`${i.code} upper`, i.upper); }
    }
    expect(missing).toEqual([]);
  });

  it("fails the suite when a rate loses its source", () => {
    const y = structuredClone(getYear("2025/26")) as any;
    y.rates.enhancedAccess.source = "";
    expect(YearZ.safeParse(y).success).toBe(false);
  });

  it("ARRS maxima are date-effective: the 1 October 2024 uplift", () => {
    expect(arrsMaximum("Clinical Pharmacist", "2024-09-30").value).toBe(62340);
    expect(arrsMaximum("clinical pharmacist", "2024-10-01").value).toBe(65838);
    expect(arrsMaximum("Clinical Pharmacist", "2024-10-01", "innerLondon").value).toBe(76313);
    expect(() => arrsMaximum("Clinical Pharmacist", "2024-09-30", "innerLondon")).toThrow(/not known/);
    expect(() => arrsMaximum("General Practitioner", "2024-06-01")).toThrow(/no ARRS maximum before 2024-10-01/);
    expect(() => arrsMaximum("Physician Associate", "2025-06-01")).toThrow(/not known.*DES Table/);
    expect(() => arrsMaximum("Astronaut", "2025-06-01")).toThrow(/Unknown ARRS role "Astronaut".*Clinical Pharmacist/);
  });

  it("the committed year index lists every year file (run npm run gen after adding one)", () => {
    expect(readFileSync(join(root, "core/rates/years/index.ts"), "utf8")).toBe(yearIndexSource());
  });
});
