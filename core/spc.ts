/**
 * Statistical process control as NHS England's Making Data Count (MDC) does it: XmR limits and the special-cause
 * rules, pure (no host, no workbook). ../shared/domain/spc.md holds the rules, their sources and the published
 * vectors the tests check; the KPI sheet's formulas (core/workbook/sheets/spcFormulas.ts) compute the same, cell
 * by cell, so the sheet, the custom functions and "Check register" agree.
 *
 * Readings are a series of months; a missing month (null) is no point: it counts in no mean, makes no moving range
 * with its neighbours and breaks a run. Comparisons are made on differences rounded to 9 decimals, as the sheet's
 * formulas make them, so a reading on the mean or on a limit is read alike by every engine whatever order it sums in.
 */

export type SpcMethod = "MDC" | "R";
/** +1: higher is better; -1: lower is better; 0: neither (neutral). */
export type Direction = 1 | -1 | 0;

/** How a method applies the rules (spc.md C.4). */
export interface SpcRules {
  /** Drop moving ranges of 3.267 x their mean or more, then average again (R's screen_outliers). */
  screen: boolean;
  /** Two of three beyond 2 sigma counts points beyond the process limits too (MDC since November 2023). */
  twoInThreeCountsOutside: boolean;
  /** Two in three needs all three points on one side of the mean (false only for PowerBI-SPC's primitive). */
  twoInThreeSameSide: boolean;
  /** A point both improvement and concern shows improvement (MDC); otherwise the first rule in precedence decides (R). */
  improvementWins: boolean;
  /** Points in a run on one side of the mean, and in a run rising or falling. */
  shift: number;
  trend: number;
  /** Process limits are mean +/- constant x mean moving range. */
  constant: number;
}

export const SPC_LIMIT = 2.66;
export const SPC_SCREEN = 3.267;
/** Icons (variation and assurance) need this many readings (MDC's single-chart tool); fewer: trial limits. */
export const SPC_MIN_POINTS = 13;

export function spcRules(method: SpcMethod = "MDC", run = 7): SpcRules {
  const r = run === 6 ? 6 : 7;
  return method === "R"
    ? { screen: true, twoInThreeCountsOutside: false, twoInThreeSameSide: true, improvementWins: false, shift: r, trend: r, constant: SPC_LIMIT }
    : { screen: false, twoInThreeCountsOutside: true, twoInThreeSameSide: true, improvementWins: true, shift: r, trend: r, constant: SPC_LIMIT };
}

/** "MDC" (default) or "R", any case; anything else is refused with a sentence by the caller. */
export function parseMethod(v: unknown): SpcMethod | null {
  if (v === undefined || v === null || v === "") return "MDC";
  const s = String(v).trim().toUpperCase();
  return s === "MDC" ? "MDC" : s === "R" ? "R" : null;
}
/** "Higher" / "Lower" (any case); anything else, or nothing, is neutral. */
export function parseBetter(v: unknown): Direction {
  const s = typeof v === "string" ? v.trim().toLowerCase() : "";
  return s === "higher" ? 1 : s === "lower" ? -1 : 0;
}

/** Excel's ROUND (half away from zero) to 9 decimals, then the sign. */
export function sign9(d: number): -1 | 0 | 1 {
  const r = Math.round(Math.abs(d) * 1e9) / 1e9;
  return r === 0 ? 0 : d > 0 ? 1 : -1;
}

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

export interface SpcLimits {
  /** Readings in the series. */
  n: number;
  /** Readings the limits come from (the first `baseline`, or all). */
  baseline: number;
  /** 0-based position of the baseline's last reading. */
  baselineEnd: number;
  mean: number;
  /** Mean moving range (after screening, where the method screens). */
  amr: number;
  lpl: number;
  upl: number;
  /** The 2-sigma band: mean +/- 2/3 of the distance to the process limits. */
  l2: number;
  u2: number;
  /** Trial limits: the series has fewer than 13 readings, so they move with each new one (NHSRplotthedots' warning). */
  trial: boolean;
}

/** Why there are no limits, or null when there are. */
export function noLimitsReason(values: (number | null)[], baseline?: number | null): string | null {
  const n = values.filter(isNum).length;
  if (n < 2) return "Needs 2 readings";
  return limitsOf(values, baseline, spcRules()) ? null : "Needs 2 readings in a row";
}

/** The baseline's reading count: the first `baseline` readings (a whole number of 2 or more), else all of them. */
export function baselineCount(n: number, baseline?: number | null): number {
  return isNum(baseline) && baseline >= 2 ? Math.min(Math.floor(baseline), n) : n;
}

/** XmR limits from the first `baseline` readings (all when left out), or null when they cannot be worked out. */
export function limitsOf(values: (number | null)[], baseline: number | null | undefined, rules: SpcRules): SpcLimits | null {
  const n = values.filter(isNum).length;
  if (n < 2) return null;
  const b = baselineCount(n, baseline);
  let seen = 0, end = -1, sum = 0;
  for (let p = 0; p < values.length && seen < b; p++) {
    const x = values[p];
    if (!isNum(x)) continue;
    seen++;
    sum += x;
    end = p;
  }
  const mean = sum / b;
  const mrs: number[] = [];
  for (let p = 1; p <= end; p++) {
    const a = values[p - 1], c = values[p];
    if (isNum(a) && isNum(c)) mrs.push(Math.abs(c - a));
  }
  if (mrs.length === 0) return null;
  let amr = mrs.reduce((s, m) => s + m, 0) / mrs.length;
  if (rules.screen && amr > 0) {
    const kept = mrs.filter((m) => m < SPC_SCREEN * amr);
    amr = kept.reduce((s, m) => s + m, 0) / kept.length;
  }
  const k = rules.constant * amr;
  const k2 = ((2 * rules.constant) / 3) * amr;
  return { n, baseline: b, baselineEnd: end, mean, amr, lpl: mean - k, upl: mean + k, l2: mean - k2, u2: mean + k2, trial: n < SPC_MIN_POINTS };
}

// ---- rule primitives (spc.md C.2), each giving per point -1, 0 or +1 ----

/** +1 above the upper process limit, -1 below the lower (a point on a limit is inside). */
export function outsideRule(values: (number | null)[], l: SpcLimits): number[] {
  return values.map((x) => (isNum(x) ? (sign9(x - l.upl) > 0 ? 1 : 0) - (sign9(x - l.lpl) < 0 ? 1 : 0) : 0));
}

/** Side of the mean of each reading (0 on the mean or missing). */
export function sidesOf(values: (number | null)[], mean: number): number[] {
  return values.map((x) => (isNum(x) ? sign9(x - mean) : 0));
}

// The primitives below are NHSRplotthedots' (R/ptd_calculate_point_type.R), with the run length a parameter, so its
// own tests (spc.md TV5) check them one for one.

/** 1 where the `run` points ending here are all on one side of the mean (`sides`: -1, 0, +1; 0 breaks a run). */
export function runEndsOneSide(sides: number[], run: number): number[] {
  return sides.map((s, i) => {
    if (s === 0 || i < run - 1) return 0;
    for (let k = i - run + 1; k < i; k++) if (sides[k] !== s) return 0;
    return 1;
  });
}

/** +1 (-1) where the `run` points ending here each rise (fall) from the one before; a tie or a missing month breaks it. */
export function trendEnds(values: (number | null)[], run: number): number[] {
  return values.map((_, i) => {
    if (i < run - 1) return 0;
    let dir = 0;
    for (let k = i - run + 2; k <= i; k++) {
      const a = values[k - 1], c = values[k];
      if (!isNum(a) || !isNum(c)) return 0;
      const d = sign9(c - a);
      if (d === 0 || (dir !== 0 && d !== dir)) return 0;
      dir = d;
    }
    return dir;
  });
}

/** 1 where this point or one of the `run - 1` after it ends a run: the point is part of one. */
export function partOfRun(ends: number[], run: number): number[] {
  return ends.map((_, i) => (ends.slice(i, i + run).some((e) => e !== 0) ? 1 : 0));
}

/**
 * 1 where some three consecutive points holding this one have at least two flagged in `close` and (with
 * `sameSide`) are all on one side of the mean (`rtm`).
 */
export function twoInThreeWindows(close: number[], rtm: number[], sameSide = true): number[] {
  const trig = (j: number) => {
    if (j < 0 || j + 3 > close.length) return false;
    const w = [j, j + 1, j + 2];
    // R counts the flagged points; PowerBI-SPC (no same-side test) adds their signs.
    if (!sameSide) return Math.abs(w.reduce((s, i) => s + Math.sign(close[i]), 0)) >= 2;
    return w.filter((i) => close[i] !== 0).length >= 2 && Math.abs(w.reduce((s, i) => s + (rtm[i] ?? 0), 0)) === 3;
  };
  return close.map((_, i) => (trig(i - 2) || trig(i - 1) || trig(i) ? 1 : 0));
}

/** 1 where a point is in a triggering window and is itself flagged. */
export function partOfTwoInThree(windows: number[], close: number[]): number[] {
  return windows.map((v, i) => (v === 1 && Math.abs(close[i]) === 1 ? 1 : 0));
}

/** Shift, per point: the side of the mean of each point in a run of `run` or more on one side. */
export function shiftRule(sides: number[], run: number): number[] {
  const part = partOfRun(runEndsOneSide(sides, run), run);
  return sides.map((s, i) => (part[i] ? s : 0));
}

/**
 * Trend, per point: +1 (-1) in a run of `run` or more points each rising (falling). A point that ends one run and
 * starts another takes the direction of the run it starts (NHSRplotthedots: "use right side"); unlike it, a point
 * ending a run before a tie keeps its own run's direction.
 */
export function trendRule(values: (number | null)[], run: number): number[] {
  const ends = trendEnds(values, run);
  // The run starting at p ends at p + run - 1.
  return values.map((_, p) => {
    const start = ends[p + run - 1] ?? 0;
    let other = 0;
    for (let e = p; e < p + run - 1 && e < ends.length; e++) other += ends[e];
    return Math.sign(2 * start + other);
  });
}

/** Two in three, per point: +1 (-1) for a point beyond 2 sigma high (low) in a window that triggers. */
export function twoInThreeRule(beyond: number[], sides: number[], sameSide = true): number[] {
  const windows = twoInThreeWindows(beyond, sides, sameSide);
  const part = partOfTwoInThree(windows, beyond);
  return beyond.map((b, i) => (part[i] ? Math.sign(b) : 0));
}

/** Beyond 2 sigma, per point: +1 high, -1 low; the pre-2023 rule (R) leaves out points beyond the process limits. */
export function beyondTwoSigma(values: (number | null)[], l: SpcLimits, countsOutside: boolean): number[] {
  return values.map((x) => {
    if (!isNum(x)) return 0;
    if (sign9(x - l.u2) > 0 && (countsOutside || sign9(x - l.upl) <= 0)) return 1;
    if (sign9(x - l.l2) < 0 && (countsOutside || sign9(x - l.lpl) >= 0)) return -1;
    return 0;
  });
}

// ---- point types, variation and assurance ----

export type PointType = "common" | "improvement_high" | "improvement_low" | "concern_high" | "concern_low" | "neutral_high" | "neutral_low";

/** What the KPI sheet shows per reading and as the variation status: MDC's seven icons in words. */
export const POINT_TEXT: Record<PointType, string> = {
  common: "Common cause",
  improvement_high: "Special cause improvement (high)",
  improvement_low: "Special cause improvement (low)",
  concern_high: "Special cause concern (high)",
  concern_low: "Special cause concern (low)",
  neutral_high: "Special cause neutral (high)",
  neutral_low: "Special cause neutral (low)",
};
/** SPC_FLAGS' words: the type without its side. */
export const FLAG_TEXT: Record<PointType, string> = {
  common: "Common cause",
  improvement_high: "Special cause improvement",
  improvement_low: "Special cause improvement",
  concern_high: "Special cause concern",
  concern_low: "Special cause concern",
  neutral_high: "Special cause neutral",
  neutral_low: "Special cause neutral",
};

/** The point type from each rule's direction, in precedence order (outside, trend, two in three, shift). */
export function pointType(dirs: number[], better: Direction, rules: SpcRules): PointType {
  let dir = 0;
  if (rules.improvementWins && better !== 0) {
    if (dirs.some((d) => d === better)) dir = better;
    else if (dirs.some((d) => d === -better)) dir = -better;
  } else {
    dir = dirs.find((d) => d !== 0) ?? 0;
  }
  if (dir === 0) return "common";
  const side = dir > 0 ? "high" : "low";
  if (better === 0) return `neutral_${side}`;
  return `${dir === better ? "improvement" : "concern"}_${side}`;
}

export interface SpcOptions { method?: SpcMethod; run?: number; baseline?: number | null; rules?: SpcRules }
const rulesFrom = (o: SpcOptions) => o.rules ?? spcRules(o.method, o.run);

export function spcLimits(values: (number | null)[], o: SpcOptions = {}): SpcLimits | null {
  return limitsOf(values, o.baseline, rulesFrom(o));
}

/** Each reading's type (null for a missing month, or every reading when there are no limits). */
export function spcPoints(values: (number | null)[], better: Direction, o: SpcOptions = {}): (PointType | null)[] {
  const rules = rulesFrom(o);
  const l = limitsOf(values, o.baseline, rules);
  if (!l) return values.map(() => null);
  const sides = sidesOf(values, l.mean);
  const out = outsideRule(values, l);
  const trend = trendRule(values, rules.trend);
  const two = twoInThreeRule(beyondTwoSigma(values, l, rules.twoInThreeCountsOutside), sides, rules.twoInThreeSameSide);
  const shift = shiftRule(sides, rules.shift);
  return values.map((x, p) => (isNum(x) ? pointType([out[p], trend[p], two[p], shift[p]], better, rules) : null));
}

export type Assurance = "Pass" | "Fail" | "Hit and miss" | "";

/** Assurance against a target: consistently passing, consistently failing, or hit and miss (none when neutral or no target). */
export function assuranceOf(l: SpcLimits, better: Direction, target: number | null | undefined): Assurance {
  if (better === 0 || !isNum(target)) return "";
  if (target > l.upl) return better > 0 ? "Fail" : "Pass";
  if (target < l.lpl) return better > 0 ? "Pass" : "Fail";
  return "Hit and miss";
}

export interface SpcStatus { variation: string; assurance: Assurance; type: PointType | null; limits: SpcLimits | null }

/** "Too few readings (9 of 13)": what the status cells say before icons are shown. */
export const tooFew = (n: number) => `Too few readings (${n} of ${SPC_MIN_POINTS})`;

/** The variation status of the latest reading and the assurance against the target (icons from 13 readings). */
export function spcStatus(values: (number | null)[], better: Direction, target: number | null | undefined, o: SpcOptions = {}): SpcStatus {
  const rules = rulesFrom(o);
  const n = values.filter(isNum).length;
  const l = limitsOf(values, o.baseline, rules);
  if (n < SPC_MIN_POINTS || !l) return { variation: l ? tooFew(n) : (noLimitsReason(values, o.baseline) ?? tooFew(n)), assurance: "", type: null, limits: l };
  const types = spcPoints(values, better, { ...o, rules });
  let last = values.length - 1;
  while (last >= 0 && !isNum(values[last])) last--;
  const type = types[last];
  return { variation: type ? POINT_TEXT[type] : "", assurance: assuranceOf(l, better, target), type, limits: l };
}

/** MDC's colours (NHSRplotthedots `ptd_spc_colours`, PowerBI-SPC alike). */
export const MDC_COLOURS = {
  common: "#A6A6A6",
  improvement: "#00B0F0",
  neutral: "#490092",
  concern: "#E46C0A",
  target: "#DE1B1B",
} as const;
