/** Round to pence, half away from zero, immune to binary noise (1.005 -> 1.01). */
export function round2(x: number): number {
  const s = Math.sign(x);
  return (s * Math.round(Math.abs(x) * 100 + 1e-7)) / 100;
}

/**
 * One part of a pence-exact split by cumulative rounding: round(amount x upTo / total) - round(amount x before /
 * total), where `upTo` and `before` are the running totals of the weights through this part and before it. The
 * parts telescope to round(amount). The workbook's native formula (sheets/common.ts `splitPartF`) is the same
 * expression, in the same order (the ratio first: no overflow).
 */
export function splitPart(amount: number, upTo: number, before: number, total: number): number {
  if (total === 0) return 0;
  return round2(round2(amount * (upTo / total)) - round2(amount * (before / total))) || 0; // no -0
}

/**
 * Split an amount among parts by weights, exact to the penny, by cumulative rounding:
 * share_i = round(amount x W_i / W) - round(amount x W_(i-1) / W), with W_i the running total of weights.
 * The shares telescope to round(amount), and the workbook's native formula does exactly the same.
 */
export function splitPence(amount: number, weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let run = 0;
  return weights.map((w) => {
    const before = run;
    run += w;
    return splitPart(amount, run, before, total);
  });
}

/** Twelve monthly amounts (April to March) that sum exactly to the annual amount. */
export function monthly(annual: number): number[] {
  const m = round2(annual / 12);
  const months = Array(11).fill(m);
  months.push(round2(annual - m * 11));
  return months;
}
