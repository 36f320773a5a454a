import { fail } from "../errors";
import { getYear, rateValue } from "../rates/book";
import type { YearRates } from "../rates/types";
import { round2 } from "./money";

/** Achievement with personalised care adjustments: numerator / (denominator - PCAs). */
export function iifAchievement(numerator: number, denominator: number, pcas = 0): number {
  if (numerator < 0 || denominator < 0 || pcas < 0) fail("Numerator, denominator and PCAs cannot be negative.");
  const eligible = denominator - pcas;
  if (eligible <= 0) fail(`No eligible patients: the denominator ${denominator} minus ${pcas} PCAs leaves ${eligible}.`);
  if (numerator > eligible) fail(`The numerator ${numerator} is more than the ${eligible} eligible patients (denominator minus PCAs).`);
  return numerator / eligible;
}

export function checkThresholds(lower: number, upper: number): void {
  if (lower < 0 || upper > 1) fail("Thresholds are fractions between 0 and 1 (72.5% is 0.725).");
  if (lower > upper) fail(`The lower threshold ${lower} is above the upper threshold ${upper}.`);
}

/** Points on the linear scale: none at or below the lower threshold, all at or above the upper. */
export function iifPoints(achievement: number, lower: number, upper: number, maxPoints: number): number {
  checkThresholds(lower, upper);
  if (maxPoints < 0) fail("Maximum points cannot be negative.");
  if (achievement < 0 || achievement > 1) fail(`Achievement ${achievement} is outside 0 to 1 (72.5% is 0.725).`);
  if (achievement >= upper) return maxPoints;
  if (achievement <= lower) return 0;
  const points = (maxPoints * (achievement - lower)) / (upper - lower);
  // Binary noise is removed, not precision: a result within a billionth of a millionth-step value is that value
  // (0.725 between 0.65 and 0.8 of 22 is 11, not 10.999999999999991). The snap keeps points rising with achievement.
  const nice = Math.round(points * 1e6) / 1e6;
  return Math.abs(points - nice) < 1e-9 ? nice : points;
}

export function iifValue(points: number, listSizeAdjustment = 1, prevalenceAdjustment = 1, year: YearRates = getYear()): number {
  if (points < 0) fail("Points cannot be negative.");
  if (listSizeAdjustment < 0 || prevalenceAdjustment < 0) fail("Adjustments cannot be negative.");
  return round2(points * rateValue(year, "iifPoundsPerPoint") * listSizeAdjustment * prevalenceAdjustment);
}

/** More patients needed in the numerator to reach the upper threshold (0 if already there). */
export function patientsNeeded(numerator: number, denominator: number, upper: number, pcas = 0): number {
  if (numerator < 0 || denominator < 0 || pcas < 0) fail("Numerator, denominator and PCAs cannot be negative.");
  if (denominator - pcas <= 0) fail(`No eligible patients: the denominator ${denominator} minus ${pcas} PCAs leaves ${denominator - pcas}.`);
  if (upper < 0 || upper > 1) fail("The upper threshold is a fraction between 0 and 1 (80% is 0.8).");
  const target = upper * (denominator - pcas);
  return Math.max(0, Math.ceil(target - numerator - 1e-9));
}
