/**
 * Money to practices: a stream's amount, less the PCN's own costs, split among practices by the method the
 * network agreed, exact to the penny (issue #12). The Distribution sheet's formulas and the DISTRIBUTE
 * functions both come down to these.
 */
import { fail } from "../errors";
import { round2, splitPence } from "./money";

/** How a stream is shared out, in the order the Distribution sheet's dropdown offers them. */
export const METHODS = [
  "Equal", "Fixed amounts", "Custom percentages", "Registered list", "Weighted list", "Adjusted population",
  "IIF points achieved", "Weighted points", "ARRS practice shares", "Retain at PCN",
] as const;
export type Method = (typeof METHODS)[number];
/** Methods that share the whole amount in proportion to a weight per practice. */
export const PROPORTIONAL: readonly Method[] = METHODS.filter((m) => m !== "Fixed amounts" && m !== "Retain at PCN");

const money = (x: number) => `£${round2(x).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`;

/** What a stream leaves to share after the PCN's costs; more costs than income is refused (never a negative split). */
export function afterCosts(amount: number, costs = 0): number {
  if (!Number.isFinite(amount) || !Number.isFinite(costs)) fail("The amount and the costs must be numbers.");
  if (costs < 0) fail(`The costs cannot be negative (${money(costs)}).`);
  if (amount < 0) fail(`The amount cannot be negative (${money(amount)}).`);
  const net = round2(amount - costs);
  if (net < 0) fail(`Over-distribution refused: the costs of ${money(costs)} are more than the amount of ${money(amount)}.`);
  return net;
}

/** Checks a list of weights (blanks already 0): numbers, none negative, at least one above 0. */
export function checkWeights(weights: number[], what = "Weight"): void {
  weights.forEach((w, i) => {
    if (typeof w !== "number" || !Number.isFinite(w)) fail(`${what} ${i + 1} is not a number ("${String(w)}").`);
    if (w < 0) fail(`${what} ${i + 1} is negative (${w}).`);
  });
  if (!(weights.reduce((a, b) => a + b, 0) > 0)) fail(`The ${what.toLowerCase()}s add up to 0: give at least one positive ${what.toLowerCase()}.`);
}

/** DISTRIBUTE: pence-exact shares of amount less costs in proportion to the weights (they always add to amount - costs). */
export function distribute(amount: number, weights: number[], costs = 0): number[] {
  const net = afterCosts(amount, costs);
  checkWeights(weights);
  return splitPence(net, weights);
}

/** Weighted points: each practice's points x its list (the list share, since the split normalises). */
export function weightedPoints(points: number[], lists: number[]): number[] {
  const n = (k: number, one: string) => `${k} ${one}${k === 1 ? "" : "s"}`;
  if (points.length !== lists.length) fail(`Give as many lists as points (${n(points.length, "point")}, ${n(lists.length, "list")}).`);
  checkWeights(lists, "List");
  points.forEach((p, i) => { if (!Number.isFinite(p) || p < 0) fail(`Points ${i + 1} must be a number of at least 0 ("${String(p)}").`); });
  return points.map((p, i) => weightOf(p * lists[i]));
}

/** Fixed amounts: each practice gets its amount (to the penny); what is left stays at the PCN; more than there is is refused. */
export function fixedShares(net: number, amounts: number[]): { shares: number[]; retained: number } {
  const shares = amounts.map((a, i) => {
    if (!Number.isFinite(a) || a < 0) fail(`Fixed amount ${i + 1} must be a number of at least 0 ("${String(a)}").`);
    return round2(a);
  });
  const total = round2(shares.reduce((a, b) => a + b, 0));
  if (total > net) fail(`Over-distribution refused: the fixed amounts add to ${money(total)}, more than the ${money(net)} to distribute.`);
  return { shares, retained: round2(net - total) };
}

/**
 * The share of a period a practice was in the network: all of it, or the days up to its leaving date (inclusive)
 * out of the period's days. Dates are serial numbers; `leftOn` null for a member.
 */
export function inNetwork(leftOn: number | null, start: number, end: number): number {
  if (leftOn === null) return 1;
  return Math.max(0, Math.min(1, (leftOn - start + 1) / (end - start + 1)));
}

/**
 * A practice's weight as the workbook keeps it: to 6 decimal places, so that two engines summing the same weights
 * in a different order (LibreOffice sums with compensation) split them the same way.
 */
export const weightOf = (x: number): number => (Math.sign(x) * Math.round(Math.abs(x) * 1e6 + 1e-7)) / 1e6;
