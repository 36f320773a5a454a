/**
 * Making Data Count SPC as native formulas for one KPI row, and the core's computation of the same cells.
 * Excel 2016, Google Sheets, LibreOffice and HyperFormula all evaluate these: no dynamic arrays, only SUMPRODUCT
 * (which evaluates its arguments as arrays everywhere), constant arrays, COUNT, LARGE, ROUND and CHOOSE.
 *
 * Linear in readings: each reading's flag looks only at the windows of the run length around it (runs of 6 or 7,
 * two in three), never at the whole row, so a KPI of 100 months costs 100 times a month. Comparisons are made on
 * differences rounded to 9 decimals (core/spc.ts `sign9`), so an engine summing in another order reads a point on
 * the mean or a limit as the core does.
 */
import {
  assuranceOf, limitsOf, pointType, POINT_TEXT, SPC_LIMIT, SPC_MIN_POINTS, SPC_SCREEN, sidesOf, outsideRule, trendRule,
  twoInThreeRule, beyondTwoSigma, shiftRule, spcRules, tooFew, type Direction, type SpcLimits,
} from "../../spc";
import type { Env, RowValues, Value } from "../spec";
import { eqText } from "./common";

/** The workbook names of the SPC settings (input cells on the KPI Charts sheet). */
export const SPC_NAMES = { method: "Spc_Method", run: "Spc_Run", baseline: "Spc_Baseline" } as const;

/** Where one KPI row's cells are, as relative-row A1 references ("$T5", "$T5:$Z5"). */
export interface SpcCells {
  /** Readings in the row (months, oldest first). */
  months: number;
  /** Reading p (0-based). */
  x(p: number): string;
  /** Readings p..q (0-based, inclusive). */
  span(p: number, q: number): string;
  /** The row's flag cells, one a reading. */
  flags: string;
  ref: string; better: string; target: string;
  limits: string; end: string; mean: string; amr: string; lpl: string; upl: string; l2: string; u2: string;
}

const seq = (a: number, b: number) => `{${Array.from({ length: b - a + 1 }, (_, i) => a + i).join(",")}}`;
const isR = `(${SPC_NAMES.method}="R")`;
const run6 = `(${SPC_NAMES.run}&"")="6"`;
/** The sheet's direction: "Lower" and "Neither" as chosen; anything else (Higher, or blank) higher is better, as the RAG reads it. */
const neither = (c: SpcCells) => `(${c.better}="Neither")`;
const lower = (c: SpcCells) => `(${c.better}="Lower")`;

/** The readings the limits come from: the first `Spc_Baseline` (2 or more), else all. */
const baselineF = (c: SpcCells) => {
  const X = c.span(0, c.months - 1);
  return `MIN(COUNT(${X}),IF(N(${SPC_NAMES.baseline})>=2,INT(N(${SPC_NAMES.baseline})),COUNT(${X})))`;
};

/** Column number (1 = the oldest month) of the baseline's last reading. */
export function endFormula(c: SpcCells): string {
  const X = c.span(0, c.months - 1);
  return `=IF(OR(${c.ref}="",COUNTA(${X})<>COUNT(${X}),COUNT(${X})<2),"",SUMPRODUCT(LARGE(ISNUMBER(${X})*${seq(1, c.months)},COUNT(${X})-${baselineF(c)}+1)))`;
}

export function meanFormula(c: SpcCells): string {
  return `=IF(ISNUMBER(${c.end}),SUMPRODUCT(--(${seq(1, c.months)}<=${c.end}),${c.span(0, c.months - 1)})/${baselineF(c)},"")`;
}

/** Mean moving range of the baseline: neighbouring months that both have a reading; the R method screens. */
export function amrFormula(c: SpcCells): string {
  if (c.months < 2) return `=""`;
  const A = c.span(0, c.months - 2), B = c.span(1, c.months - 1);
  const mask = `ISNUMBER(${A})*ISNUMBER(${B})*(${seq(2, c.months)}<=${c.end})`;
  const k = `SUMPRODUCT(${mask})`;
  const s = `SUMPRODUCT(${mask}*ABS(${B}-${A}))`;
  const keep = `(ABS(${B}-${A})<${SPC_SCREEN}*${s}/${k})`;
  return `=IF(NOT(ISNUMBER(${c.end})),"",IF(${k}=0,"",IF(AND(${isR},${s}>0),SUMPRODUCT(${mask}*ABS(${B}-${A})*${keep})/SUMPRODUCT(${mask}*${keep}),${s}/${k})))`;
}

/** Process limits (mean +/- 2.66 x mean moving range) and the 2-sigma band (2/3 of that), as core/spc.ts works them. */
export const limitFormula = (c: SpcCells, which: "lpl" | "upl" | "l2" | "u2") => {
  const k = which === "lpl" || which === "upl" ? `${SPC_LIMIT}` : `2*${SPC_LIMIT}/3`;
  const op = which === "upl" || which === "u2" ? "+" : "-";
  return `=IF(ISNUMBER(${c.amr}),${c.mean}${op}${k}*${c.amr},"")`;
};

export function limitsTextFormula(c: SpcCells): string {
  const X = c.span(0, c.months - 1);
  const b = baselineF(c);
  return `=IF(${c.ref}="","",IF(COUNTA(${X})<>COUNT(${X}),"A reading is not a number",IF(COUNT(${X})<2,"Needs 2 readings",IF(NOT(ISNUMBER(${c.amr})),"Needs 2 readings in a row",IF(COUNT(${X})<${SPC_MIN_POINTS},"Trial limits: "&${b}&" readings",IF(${b}=COUNT(${X}),"From all "&COUNT(${X})&" readings","From the first "&${b}&" readings"))))))`;
}

export function variationFormula(c: SpcCells): string {
  const X = c.span(0, c.months - 1);
  const last = `SUMPRODUCT(MAX(ISNUMBER(${X})*${seq(1, c.months)}))`;
  return `=IF(${c.ref}="","",IF(ISNUMBER(${c.upl}),IF(COUNT(${X})<${SPC_MIN_POINTS},"Too few readings ("&COUNT(${X})&" of ${SPC_MIN_POINTS})",INDEX(${c.flags},1,${last})),${c.limits}))`;
}

export function assuranceFormula(c: SpcCells): string {
  const X = c.span(0, c.months - 1);
  const t = c.target;
  return `=IF(OR(${c.ref}="",NOT(ISNUMBER(${c.upl})),COUNT(${X})<${SPC_MIN_POINTS},${neither(c)},NOT(ISNUMBER(${t}))),"",IF(${t}>${c.upl},IF(${lower(c)},"Pass","Fail"),IF(${t}<${c.lpl},IF(${lower(c)},"Fail","Pass"),"Hit and miss")))`;
}

/** Rounded difference tests, as core/spc.ts `sign9` makes them. */
const gt = (a: string, b: string) => `(ROUND(${a}-${b},9)>0)`;
const lt = (a: string, b: string) => `(ROUND(${a}-${b},9)<0)`;

/** Trend and shift windows holding reading p, for a run length. */
function runParts(c: SpcCells, p: number, run: number): { trend: string; shift: string } {
  const M = c.months;
  const from = Math.max(0, p - run + 1), to = Math.min(p, M - run);
  const trendWin = (j: number) => `(COUNT(${c.span(j, j + run - 1)})=${run})*TRUNC(SUMPRODUCT(SIGN(ROUND(${c.span(j + 1, j + run - 1)}-${c.span(j, j + run - 2)},9)))/${run - 1})`;
  const shiftWin = (j: number) => `(COUNT(${c.span(j, j + run - 1)})=${run})*TRUNC(SUMPRODUCT(SIGN(ROUND(${c.span(j, j + run - 1)}-${c.mean},9)))/${run})`;
  if (from > to) return { trend: "0", shift: "0" };
  const others: string[] = [];
  for (let j = from; j <= to; j++) if (j !== p) others.push(trendWin(j));
  // The run a point starts outweighs the one it ends (NHSRplotthedots' "use right side").
  const start = p <= to ? `2*${trendWin(p)}` : "";
  const trend = `SIGN(${[start, ...others].filter(Boolean).join("+")})`;
  const shift = `SIGN(${Array.from({ length: to - from + 1 }, (_, i) => shiftWin(from + i)).join("+")})`;
  return { trend, shift };
}

/**
 * One reading's flag: each rule's direction (-1, 0, +1) becomes a code whose largest, over the four rules, names the
 * winner: in rule precedence (outside 16/17, trend 8/9, two in three 4/5, shift 2/3: odd is high), or, in MDC's way
 * for a KPI with a better direction, any improvement (3 high, 2 or 4 low) over any concern. Each rule is written once.
 */
export function flagFormula(c: SpcCells, p: number): string {
  const M = c.months;
  const x = c.x(p);
  const { mean: m, upl: U, lpl: L, u2: U2, l2: L2 } = c;
  const dOut = `${gt(x, U)}-${lt(x, L)}`;
  const r6 = runParts(c, p, 6), r7 = runParts(c, p, 7);
  const dTrend = r6.trend === r7.trend ? r7.trend : `IF(${run6},${r6.trend},${r7.trend})`;
  const dShift = r6.shift === r7.shift ? r7.shift : `IF(${run6},${r6.shift},${r7.shift})`;
  const hi: string[] = [], lo: string[] = [];
  for (let j = Math.max(0, p - 2); j <= Math.min(p, M - 3); j++) {
    const W = c.span(j, j + 2);
    hi.push(`(SUMPRODUCT(ISNUMBER(${W})*${gt(W, m)}*(1+${gt(W, U2)}-${isR}*${gt(W, U)}))>=5)`);
    lo.push(`(SUMPRODUCT(ISNUMBER(${W})*${lt(W, m)}*(1+${lt(W, L2)}-${isR}*${lt(W, L)}))>=5)`);
  }
  const d23 = hi.length
    ? `${gt(x, U2)}*(1-${isR}*${gt(x, U)})*((${hi.join("+")})>0)-${lt(x, L2)}*(1-${isR}*${lt(x, L)})*((${lo.join("+")})>0)`
    : "0";
  const wins = `(${SPC_NAMES.method}<>"R")*(${c.better}<>"Neither")`;
  const term = (d: string, w: number) => `CHOOSE(${d}+2,IF(${wins},3+${lower(c)}-NOT(${lower(c)}),${2 * w}),0,IF(${wins},3,${2 * w + 1}))`;
  const dirs = `{0,${Array.from({ length: 17 }, (_, i) => (i % 2 === 0 ? 1 : -1)).join(",")}}`; // code 0: none; odd: high; even: low
  const code = `MAX(${term(dOut, 8)},${term(dTrend, 4)},${term(d23, 2)},${term(dShift, 1)})`;
  const label = (side: "high" | "low") => {
    const [better, worse] = side === "high" ? ["concern", "improvement"] : ["improvement", "concern"];
    return `IF(${neither(c)},"Special cause neutral (${side})",IF(${lower(c)},"Special cause ${better} (${side})","Special cause ${worse} (${side})"))`;
  };
  return `=IF(OR(NOT(ISNUMBER(${x})),NOT(ISNUMBER(${U}))),"",CHOOSE(2+INDEX(${dirs},1,1+${code}),${label("low")},"Common cause",${label("high")}))`;
}

// ---- the core's side: the same cells from the row's values and the settings ----

export interface SpcRowResult {
  end: Value; mean: Value; amr: Value; lpl: Value; upl: Value; l2: Value; u2: Value;
  limits: Value; variation: Value; assurance: Value; flags: Value[];
}

const num = (v: Value | undefined): v is number => typeof v === "number";
/** The sheet's direction of a KPI (see `neither` and `lower` above). */
export const sheetDirection = (better: Value | undefined): Direction => (eqText(better ?? null, "Lower") ? -1 : eqText(better ?? null, "Neither") ? 0 : 1);

const memo = new WeakMap<RowValues, SpcRowResult>();

/** Every SPC cell of a KPI row, as the formulas above compute it. `readings` are the row's reading keys, oldest first. */
export function spcRow(r: RowValues, readings: string[], env: Env): SpcRowResult {
  const hit = memo.get(r);
  if (hit) return hit;
  const blankOut: SpcRowResult = { end: "", mean: "", amr: "", lpl: "", upl: "", l2: "", u2: "", limits: "", variation: "", assurance: "", flags: readings.map(() => "") };
  const refBlank = r.ref === null || r.ref === undefined || r.ref === "";
  const raw = readings.map((k) => r[k] ?? null);
  const values = raw.map((v) => (num(v) ? v : null));
  const bad = raw.some((v) => v !== null && v !== "" && !num(v));
  const n = values.filter((v) => v !== null).length;
  const setting = env.cell(SPC_NAMES.baseline);
  const b = Math.min(n, num(setting) && setting >= 2 ? Math.floor(setting) : n);
  const method = eqText(env.cell(SPC_NAMES.method), "R") ? "R" : "MDC";
  const rules = spcRules(method, String(env.cell(SPC_NAMES.run) ?? "") === "6" ? 6 : 7);
  let out: SpcRowResult;
  if (refBlank) out = blankOut;
  else if (bad || n < 2) out = { ...blankOut, limits: bad ? "A reading is not a number" : "Needs 2 readings", variation: bad ? "A reading is not a number" : "Needs 2 readings" };
  else {
    const l = limitsOf(values, b, rules);
    let end = -1;
    for (let p = 0, seen = 0; p < values.length && seen < b; p++) if (values[p] !== null) { seen++; end = p; }
    if (!l) out = { ...blankOut, end: end + 1, mean: meanOf(values, end, b), limits: "Needs 2 readings in a row", variation: "Needs 2 readings in a row" };
    else {
      const better = sheetDirection(r.better);
      const flags = flagsOf(values, l, better, rules);
      const limits = l.trial ? `Trial limits: ${b} readings` : b === n ? `From all ${n} readings` : `From the first ${b} readings`;
      let last = values.length - 1;
      while (values[last] === null) last--;
      const icons = n >= SPC_MIN_POINTS;
      out = {
        end: end + 1, mean: l.mean, amr: l.amr, lpl: l.lpl, upl: l.upl, l2: l.l2, u2: l.u2, limits,
        variation: icons ? flags[last] : tooFew(n),
        assurance: icons ? assuranceOf(l, better, num(r.target) ? r.target : null) : "",
        flags,
      };
    }
  }
  memo.set(r, out);
  return out;
}

const meanOf = (values: (number | null)[], end: number, b: number) => values.slice(0, end + 1).reduce<number>((s, v) => s + (v ?? 0), 0) / b;

function flagsOf(values: (number | null)[], l: SpcLimits, better: Direction, rules: ReturnType<typeof spcRules>): Value[] {
  const sides = sidesOf(values, l.mean);
  const out = outsideRule(values, l);
  const trend = trendRule(values, rules.trend);
  const two = twoInThreeRule(beyondTwoSigma(values, l, rules.twoInThreeCountsOutside), sides, rules.twoInThreeSameSide);
  const shift = shiftRule(sides, rules.shift);
  return values.map((x, p) => (x === null ? "" : POINT_TEXT[pointType([out[p], trend[p], two[p], shift[p]], better, rules)]));
}
