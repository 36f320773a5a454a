import { fail } from "../errors";
import { arrsMaximum, getRate, niPeriod, yearOfDate } from "../rates/book";
import type { Area } from "../rates/types";
import { round2 } from "./money";

/** Employer on-costs for an annual salary: employer NI above the secondary threshold plus employer pension. */
export function onCosts(salary: number, iso: string): { ni: number; pension: number; total: number } {
  if (salary < 0) fail("The salary cannot be negative.");
  const p = niPeriod(iso);
  const pensionRate = getRate(yearOfDate(iso), "employerPensionRate").value;
  if (pensionRate === null) fail(`The employer pension rate for ${iso} is not known.`);
  const ni = round2(Math.max(0, salary - p.thresholdAnnual) * p.rate);
  const pension = round2(salary * pensionRate);
  return { ni, pension, total: round2(ni + pension) };
}

export function checkWte(wte: number): void {
  if (wte < 0) fail(`The WTE ${wte} is negative: use 0 or more (1 = full time).`);
}
export function checkMonths(months: number): void {
  if (months < 0 || months > 12) fail(`The number of months ${months} is outside 0 to 12.`);
}

/**
 * The claim for one stretch of time under one maximum: min(cost per WTE, maximum) x share x WTE x months / 12,
 * to the penny. `share` is the part of the cost the DES reimburses (1, or 0.5 for a mental health practitioner
 * funded half by the mental health provider). The workbook's formulas multiply in exactly this order, so the
 * sheet, the core and ARRS_CLAIM give the same penny.
 */
export function periodClaim(costPerWte: number, maximum: number, share: number, wte: number, months: number): number {
  return round2((Math.min(costPerWte, maximum) * share * wte * months) / 12);
}

/** Claimable = min(annual cost per WTE, role maximum) x WTE x months / 12, to the penny. */
export function arrsClaim(role: unknown, annualCostPerWte: number, wte: number, months: number, iso: string, area: Area = "national"): number {
  if (annualCostPerWte < 0) fail("The annual cost per WTE cannot be negative.");
  checkWte(wte);
  checkMonths(months);
  const max = arrsMaximum(role, iso, area).value;
  return periodClaim(annualCostPerWte, max, 1, wte, months);
}

/** What is left of the allocation after committed claims (negative = over-committed). */
export function arrsHeadroom(allocation: number, committed: number): number {
  return round2(allocation - committed);
}

// ---- Months in post: how a post's part-months count ----

/** YEAR(), MONTH(), DAY() and DAY(EOMONTH(d,0)) of a date serial, as the spreadsheet gives them. */
export function serialParts(serial: number): { y: number; m: number; d: number; dim: number } {
  const t = new Date(Date.UTC(1899, 11, 30) + Math.floor(serial) * 86400000);
  const y = t.getUTCFullYear(), m = t.getUTCMonth() + 1;
  return { y, m, d: t.getUTCDate(), dim: new Date(Date.UTC(y, m, 0)).getUTCDate() };
}

/**
 * Months in post from date a to date b, both days included: each calendar month counts in full when the post
 * covers it, and a part-month counts by its days (10 days of a 30-day month = 1/3). 0 when b is before a.
 * Evaluated in the order the workbook formula evaluates it: (whole months + end part) - start part.
 */
export function monthsBetween(a: number, b: number): number {
  if (b < a) return 0;
  const pa = serialParts(a), pb = serialParts(b);
  const whole = pb.y * 12 + pb.m - (pa.y * 12 + pa.m);
  return whole + pb.d / pb.dim - (pa.d - 1) / pa.dim;
}

/** Months a post (start, optional end) is in post within [from, to]. */
export function monthsInPost(start: number, end: number | null, from: number, to: number): number {
  const a = Math.max(start, from);
  const b = Math.min(end ?? to, to);
  return monthsBetween(a, b);
}
