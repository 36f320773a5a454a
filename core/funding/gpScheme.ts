/**
 * The practice-level GP reimbursement scheme (from 2026/27): paid to each practice under the GMS Statement of
 * Financial Entitlements, not to the PCN under the DES. A practice's entitlement is a rate per practice adjusted
 * patient; against it the practice claims (through CQRS Local, approved by the ICB) the actual cost of
 *  - a new salaried GP (or a salaried GP post that CAP funded before): salary + employer NI + employer pension,
 *    capped per WTE per year (a higher cap with London weighting);
 *  - extra sessions of an existing salaried GP on fewer than the maximum sessions a week, up to that maximum:
 *    the extra hourly pay plus employer NI (simply a flat rate of the extra pay: the NI threshold is already used
 *    by the existing pay) and employer pension, capped per hour.
 * Practices of one PCN may transfer entitlement between themselves by writing to the ICB.
 * Every figure comes from the year's rates book (`gpScheme*`); an unknown one gives a sentence, never a number.
 */
import { fail } from "../errors";
import { getRate, niPeriod, rateValue, yearOfDate } from "../rates/book";
import type { YearRates } from "../rates/types";
import { round2 } from "./money";

/** The year's scheme rates, by the keys the rates book uses. */
export const GP_SCHEME_RATES = {
  perAdjusted: "gpSchemePerAdjusted",
  newGpCap: "gpSchemeNewGpCap",
  newGpCapLondon: "gpSchemeNewGpCapLondon",
  hourlyCap: "gpSchemeSessionHourlyCap",
  maxSessions: "gpSchemeMaxSessionsPerWeek",
  sessionNi: "gpSchemeSessionNiRate",
} as const;

/** Whether a year has the scheme (2026/27 on). */
export function hasGpScheme(year: YearRates): boolean {
  return Object.prototype.hasOwnProperty.call(year.rates, GP_SCHEME_RATES.perAdjusted);
}

function schemeYear(year: YearRates): YearRates {
  if (!hasGpScheme(year)) {
    fail(`The practice-level GP reimbursement scheme starts in 2026/27 (Statement of Financial Entitlements, claims from 1 April 2026): ${year.year} has no such scheme.`);
  }
  return year;
}

/**
 * A scheme figure on a date: the value in force, or, before a revision that was not backdated, the value it
 * replaced (a backdated correction, such as the June 2026 hourly rate, applies to the whole year).
 */
export function schemeRate(year: YearRates, key: string, iso?: string): number {
  const r = getRate(schemeYear(year), key);
  const rev = r.revision === undefined ? undefined : (year.revisions ?? []).find((x) => x.id === r.revision);
  if (iso !== undefined && rev && iso < rev.from && r.replaced?.length) {
    const was = r.replaced[0];
    if (was.value === null) fail(`${r.label} before ${rev.from} is not known: ${was.source}`);
    return was.value;
  }
  return rateValue(year, key);
}

export type GpArea = "national" | "london";
export const GP_AREA_LABELS = ["national", "london"] as const;

/** "national" (or blank), "london"; outer and inner London both take the London weighting. */
export function parseGpArea(input: unknown): GpArea {
  if (input === null || input === undefined || input === "") return "national";
  const a = String(input).trim().toLowerCase().replace(/[-_\s]+/g, " ");
  if (a === "national") return "national";
  if (a === "london" || a === "outer london" || a === "inner london") return "london";
  fail(`Unknown area "${String(input)}". Use "national" or "london" (the scheme has one London weighting).`);
}

/** A practice's entitlement for the year: its adjusted population x the rate, to the penny. */
export function gpEntitlement(adjusted: number, year: YearRates): number {
  if (adjusted < 0) fail("The adjusted population cannot be negative.");
  return round2(adjusted * schemeRate(year, GP_SCHEME_RATES.perAdjusted));
}

export interface NewGpClaim { ni: number; pension: number; cost: number; cap: number; claim: number }

/**
 * A new salaried GP: the lower of the actual annual cost (salary + employer NI above the threshold + employer
 * pension) and the cap x WTE, for `months` of the year. `salary` is what the GP is paid a year at their WTE.
 */
export function gpNewGpClaim(salary: number, wte: number, months: number, area: GpArea, iso: string): NewGpClaim {
  if (salary < 0) fail("The salary cannot be negative.");
  if (!(wte > 0 && wte <= 1)) fail(`The WTE ${wte} must be more than 0 and at most 1 (1 = full time).`);
  if (months < 0 || months > 12) fail(`The number of months ${months} is outside 0 to 12.`);
  const year = schemeYear(yearOfDate(iso));
  const p = niPeriod(iso);
  const pensionRate = rateValue(year, "employerPensionRate");
  const ni = round2(Math.max(0, salary - p.thresholdAnnual) * p.rate);
  const pension = round2(salary * pensionRate);
  const cost = salary + ni + pension;
  const cap = round2(schemeRate(year, area === "london" ? GP_SCHEME_RATES.newGpCapLondon : GP_SCHEME_RATES.newGpCap, iso) * wte);
  return { ni, pension, cost, cap, claim: round2((Math.min(cost, cap) * months) / 12) };
}

export interface SessionsClaim { costPerHour: number; capPerHour: number; claim: number }

/**
 * Extra sessions of an existing salaried GP: the lower of the hourly cost (pay + employer NI at the scheme's flat
 * rate + employer pension) and the hourly cap, x hours (x weeks, when given: `hours` is then hours a week).
 */
export function gpSessionsClaim(hourlyPay: number, hours: number, weeks: number | undefined, iso: string): SessionsClaim {
  if (hourlyPay < 0) fail("The hourly pay cannot be negative.");
  if (hours < 0) fail("The hours cannot be negative.");
  if (weeks !== undefined && (weeks < 0 || weeks > 53)) fail(`The number of weeks ${weeks} is outside 0 to 53.`);
  const year = schemeYear(yearOfDate(iso));
  const maxSessions = schemeRate(year, GP_SCHEME_RATES.maxSessions, iso);
  // A full-time salaried GP week is 37.5 hours (the hourly cap is the annual cap over 37.5 hours x 52 weeks):
  // more extra hours a week than that cannot be right.
  if (weeks !== undefined && hours > 37.5) fail(`${hours} extra hours a week is more than ${maxSessions} sessions (37.5 hours): give the hours a week, or leave weeks out to give the total hours.`);
  const costPerHour = hourlyPay * (1 + schemeRate(year, GP_SCHEME_RATES.sessionNi, iso) + rateValue(year, "employerPensionRate"));
  const capPerHour = schemeRate(year, GP_SCHEME_RATES.hourlyCap, iso);
  return { costPerHour, capPerHour, claim: round2(Math.min(costPerHour, capPerHour) * hours * (weeks ?? 1)) };
}
