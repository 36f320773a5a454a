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

/** Claimable = min(annual cost per WTE, role maximum) x WTE x months / 12, to the penny. */
export function arrsClaim(role: unknown, annualCostPerWte: number, wte: number, months: number, iso: string, area: Area = "national"): number {
  if (annualCostPerWte < 0) fail("The annual cost per WTE cannot be negative.");
  checkWte(wte);
  checkMonths(months);
  const max = arrsMaximum(role, iso, area).value;
  return round2((Math.min(annualCostPerWte, max) * wte * months) / 12);
}

/** What is left of the allocation after committed claims (negative = over-committed). */
export function arrsHeadroom(allocation: number, committed: number): number {
  return round2(allocation - committed);
}
