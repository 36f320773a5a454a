/**
 * The custom-function catalogue: each function's name, parameters, meaning and implementation, defined once.
 * Excel (`=PCN.NAME`) and Google Sheets (`=PCN_NAME`) wrappers are generated from this list
 * (scripts/gen-functions.ts), so both hosts expose the same functions with the same meaning.
 */
import { fail } from "../errors";
import { arrsClaim, onCosts } from "../funding/arrs";
import { toIsoDate, todayIso } from "../funding/dates";
import { arrsAllocation, capacityAccess, careHomePremium, corePcnFunding, enhancedAccess, parseCapacityPart, participation } from "../funding/des";
import { iifAchievement, iifPoints, iifValue, patientsNeeded } from "../funding/iif";
import { splitPence } from "../funding/money";
import { checkWeights, distribute, weightedPoints } from "../funding/distribute";
import { gpEntitlement, gpNewGpClaim, gpSessionsClaim, parseGpArea } from "../funding/gpScheme";
import { arrsMaximum, fyLabelOfIso, getRate, getYear, parseArea } from "../rates/book";
import { FLAG_TEXT, noLimitsReason, parseBetter, parseMethod, spcLimits, spcPoints, spcStatus, type Direction, type SpcMethod } from "../spc";

export type ParamType = "number" | "text" | "date";
export interface ParamSpec {
  name: string;
  type: ParamType;
  description: string;
  optional?: boolean;
  /** Taken whole as a range (not applied cell by cell). */
  whole?: boolean;
  /** For numbers: refused below this. */
  min?: number;
}
export interface FunctionSpec {
  name: string;
  description: string;
  params: ParamSpec[];
  returns: "number" | "text";
  /** Example call (arguments as typed in a cell) and what it gives; README and tests use them. */
  example: { args: string; result: string };
  /** A second name in Google Sheets only (Excel names need three characters or more). */
  sheetsAlias?: string;
  /** The result has its own shape (one row), not the range's: a failure is one error, not one per cell of the range. */
  ownShape?: boolean;
  /** Called once per cell with already-checked scalars (undefined for an omitted optional). */
  impl: (...args: any[]) => number | string | (number | string)[][];
}

// A left-out year is the financial year of the day the formula calculates (the newest shipped year if that one is not shipped).
const yearParam: ParamSpec = { name: "year", type: "text", optional: true, description: `Financial year such as "2026/27" (left out: the financial year of the day the formula calculates, or the newest year shipped if that one is not).` };
// Google Sheets caches custom-function results, so a left-out date means the day the formula was last recalculated.
const dateParam = (what: string): ParamSpec => ({ name: "date", type: "date", optional: true, description: `${what} (a date cell or "yyyy-mm-dd"; left out: the day the formula calculates).` });
const areaParam: ParamSpec = { name: "area", type: "text", optional: true, description: `"national" (default), "outer london" or "inner london".` };
const dateOrToday = (d: unknown) => (d === undefined ? todayIso() : toIsoDate(d));

// ---- SPC (Making Data Count): readings as one row or column, blanks are months with no reading ----
const readingsOf = (values: unknown[][]): (number | null)[] => {
  if (values.length > 1 && (values[0]?.length ?? 0) > 1) fail("values must be one row or one column of readings.");
  return values.flat().map((v, i) => {
    if (v === null || v === undefined || v === "") return null;
    if (typeof v !== "number" || !Number.isFinite(v)) fail(`Reading ${i + 1} is not a number ("${String(v).slice(0, 40)}"): leave a month with no reading blank.`);
    return v;
  });
};
const methodOf = (m?: string): SpcMethod => parseMethod(m) ?? fail(`method must be "MDC" or "R", not "${m}".`);
const betterOf = (b?: string): Direction => {
  if (b !== undefined && !/^\s*(higher|lower|neither|neutral)?\s*$/i.test(b)) fail(`better must be "Higher", "Lower" or left out (neither), not "${b}".`);
  return parseBetter(b);
};
// A blank cell reaches Excel's functions as 0 on Windows: 0 means left out (all readings).
const baselineOf = (b?: number): number | null => {
  if (b === undefined || b === 0) return null;
  if (!Number.isInteger(b) || b < 2) fail(`baseline must be a whole number of readings, 2 or more (got ${b}).`);
  return b;
};
const valuesParam: ParamSpec = { name: "values", type: "number", whole: true, description: "The readings in time order, one row or one column; a month with no reading is a blank cell." };
const baselineParam: ParamSpec = { name: "baseline", type: "number", optional: true, min: 0, description: "Limits from the first this many readings (left out: from all of them)." };
const methodParam: ParamSpec = { name: "method", type: "text", optional: true, description: `"MDC" (default: as NHS England's Making Data Count Excel tool) or "R" (as NHSRplotthedots: moving ranges screened, the pre-2023 two-in-three rule).` };
const betterParam: ParamSpec = { name: "better", type: "text", optional: true, description: `"Higher" or "Lower" is better (left out: neither, so special causes are neutral).` };

export const CATALOGUE: FunctionSpec[] = [
  {
    name: "CORE",
    description: "Core PCN funding for the year: registered list x registered rate + adjusted population x adjusted rate.",
    params: [
      { name: "registered", type: "number", min: 0, description: "PCN registered list size at 1 January before the year." },
      { name: "adjusted", type: "number", min: 0, description: "PCN adjusted population at 1 January before the year." },
      yearParam,
    ],
    returns: "number",
    example: { args: `45000, 47000, "2025/26"`, result: "136421.00" },
    impl: (reg: number, adj: number, year?: string) => corePcnFunding(reg, adj, getYear(year)).annual,
  },
  {
    name: "ENHANCED_ACCESS",
    description: "Enhanced Access payment for the year: adjusted population x rate.",
    params: [{ name: "adjusted", type: "number", min: 0, description: "PCN adjusted population." }, yearParam],
    returns: "number",
    example: { args: `47000, "2025/26"`, result: "396069.00" },
    impl: (adj: number, year?: string) => enhancedAccess(adj, getYear(year)).annual,
  },
  {
    name: "CARE_HOME_PREMIUM",
    description: "Care Home Premium for the year: aligned care-home beds x rate per bed.",
    params: [{ name: "beds", type: "number", min: 0, description: "Beds in aligned care homes." }, yearParam],
    returns: "number",
    example: { args: `120, "2025/26"`, result: "15630.36" },
    impl: (beds: number, year?: string) => careHomePremium(beds, getYear(year)).annual,
  },
  {
    name: "CAPACITY_ACCESS",
    description: "Capacity and Access payment for the year: the support part, the improvement part, or both.",
    params: [
      { name: "adjusted", type: "number", min: 0, description: "PCN adjusted population." },
      { name: "part", type: "text", optional: true, description: `"support", "improvement" or "total" (default).` },
      yearParam,
    ],
    returns: "number",
    example: { args: `47000, "support", "2025/26"`, result: "150776.00" },
    impl: (adj: number, part?: string, year?: string) => capacityAccess(adj, parseCapacityPart(part), getYear(year)).annual,
  },
  {
    name: "PARTICIPATION",
    description: "Network Participation Payment to a practice for the year: its weighted list x rate.",
    params: [{ name: "weighted", type: "number", min: 0, description: "The practice's weighted (Carr-Hill) list." }, yearParam],
    returns: "number",
    example: { args: `8000, "2025/26"`, result: "14088.00" },
    impl: (w: number, year?: string) => participation(w, getYear(year)).annual,
  },
  {
    name: "ARRS_ALLOCATION",
    description: "ARRS allocation (Additional Roles Reimbursement Sum) for the year: weighted population x rate.",
    params: [{ name: "weighted", type: "number", min: 0, description: "PCN weighted (Carr-Hill) population at 1 January." }, yearParam],
    returns: "number",
    example: { args: `30000, "2025/26"`, result: "798930.00" },
    impl: (w: number, year?: string) => arrsAllocation(w, getYear(year)).annual,
  },
  {
    name: "RATE",
    description: "A rate from the rates book, e.g. \"arrsAllocation\"; an error says so when the figure is not known.",
    params: [{ name: "name", type: "text", description: "Rate name, e.g. \"coreRegistered\", \"enhancedAccess\", \"arrsAllocation\"." }, yearParam],
    returns: "number",
    example: { args: `"arrsAllocation", "2025/26"`, result: "26.631" },
    impl: (name: string, year?: string) => {
      const y = getYear(year);
      const r = getRate(y, name);
      if (r.value === null) fail(`${r.label} for ${y.year} is not known: ${r.source}`);
      return r.value;
    },
  },
  {
    name: "RATE_SOURCE",
    description: "Where a rate comes from, with its confidence.",
    params: [{ name: "name", type: "text", description: "Rate name, e.g. \"arrsAllocation\"." }, yearParam],
    returns: "text",
    example: { args: `"arrsAllocation", "2025/26"`, result: "Pulse PCN, ... (confidence: high)" },
    impl: (name: string, year?: string) => {
      const r = getRate(getYear(year), name);
      return `${r.source} (confidence: ${r.confidence})`;
    },
  },
  {
    name: "ARRS_MAX",
    description: "Maximum ARRS reimbursement per WTE per year for a role on a date (salary plus employer on-costs): sourced, same-band or derived figures; an estimated one is an error that gives the estimate.",
    params: [
      { name: "role", type: "text", description: "Role as the DES names it, e.g. \"Clinical Pharmacist\" (any case)." },
      dateParam("The date the maximum applies on"),
      areaParam,
    ],
    returns: "number",
    example: { args: `"Clinical Pharmacist", "2024-11-01"`, result: "65838.00" },
    impl: (role: string, date?: unknown, area?: string) => arrsMaximum(role, dateOrToday(date), parseArea(area)).value,
  },
  {
    name: "ONCOSTS",
    description: "Employer on-costs for an annual salary: employer National Insurance above the threshold plus employer pension.",
    params: [{ name: "salary", type: "number", min: 0, description: "Annual salary per WTE." }, dateParam("The date whose rates apply")],
    returns: "number",
    example: { args: `45000, "2025-06-01"`, result: "12471.00" },
    impl: (salary: number, date?: unknown) => onCosts(salary, dateOrToday(date)).total,
  },
  {
    name: "ARRS_CLAIM",
    description: "Claimable ARRS amount: min(annual cost per WTE, role maximum) x WTE x months / 12.",
    params: [
      { name: "role", type: "text", description: "Role as the DES names it, e.g. \"Clinical Pharmacist\"." },
      { name: "annualCostPerWte", type: "number", min: 0, description: "Salary plus employer on-costs per WTE per year." },
      { name: "wte", type: "number", description: "Whole-time equivalent (1 = full time)." },
      { name: "months", type: "number", description: "Months claimed, 0 to 12." },
      dateParam("The date whose maximum applies"),
      areaParam,
    ],
    returns: "number",
    example: { args: `"Clinical Pharmacist", 70000, 0.8, 12, "2024-11-01"`, result: "52670.40" },
    impl: (role: string, cost: number, wte: number, months: number, date?: unknown, area?: string) =>
      arrsClaim(role, cost, wte, months, dateOrToday(date), parseArea(area)),
  },
  {
    name: "GP_REIMBURSEMENT_POT",
    description: "A practice's entitlement under the practice-level GP reimbursement scheme (2026/27 on, paid to the practice): its adjusted population x the rate per adjusted patient.",
    params: [{ name: "adjusted", type: "number", min: 0, description: "The practice's adjusted population (as in its CQRS Local account)." }, yearParam],
    returns: "number",
    example: { args: `9000, "2026/27"`, result: "41130.00" },
    impl: (adj: number, year?: string) => gpEntitlement(adj, getYear(year)),
  },
  {
    name: "GP_NEW_GP_CLAIM",
    description: "GP reimbursement scheme claim for a new salaried GP: the lower of salary + employer NI + employer pension and the cap x WTE, for the months claimed.",
    params: [
      { name: "salary", type: "number", min: 0, description: "The GP's salary for a year at their WTE (what they are paid, not the full-time rate)." },
      { name: "wte", type: "number", description: "Whole-time equivalent, more than 0 and at most 1 (1 = full time)." },
      { name: "months", type: "number", description: "Months claimed, 0 to 12." },
      { name: "area", type: "text", optional: true, description: `"national" (default) or "london" (the London-weighted cap).` },
      dateParam("The date whose rates apply"),
    ],
    returns: "number",
    example: { args: `100000, 1, 12, "national", "2026-06-01"`, result: "128630.00" },
    impl: (salary: number, wte: number, months: number, area?: string, date?: unknown) => gpNewGpClaim(salary, wte, months, parseGpArea(area), dateOrToday(date)).claim,
  },
  {
    name: "GP_SESSIONS_CLAIM",
    description: "GP reimbursement scheme claim for extra sessions of an existing salaried GP: the lower of the hourly pay + employer NI (a flat rate) + employer pension and the hourly cap, x hours (x weeks).",
    params: [
      { name: "hourlyPay", type: "number", min: 0, description: "Pay per hour for the extra sessions." },
      { name: "hours", type: "number", min: 0, description: "Extra hours a week (with weeks), or the total extra hours (weeks left out)." },
      { name: "weeks", type: "number", min: 0, optional: true, description: "Weeks claimed (left out: hours is the total)." },
      dateParam("The date whose rates apply"),
    ],
    returns: "number",
    example: { args: `50, 4, 52, "2026-06-01"`, result: "13455.52" },
    impl: (pay: number, hours: number, weeks?: number, date?: unknown) => gpSessionsClaim(pay, hours, weeks, dateOrToday(date)).claim,
  },
  {
    name: "IIF_ACHIEVEMENT",
    description: "IIF achievement with personalised care adjustments: numerator / (denominator - PCAs).",
    params: [
      { name: "numerator", type: "number", min: 0, description: "Patients meeting the indicator." },
      { name: "denominator", type: "number", min: 0, description: "Patients in the indicator's denominator." },
      { name: "pcas", type: "number", min: 0, optional: true, description: "Personalised care adjustments (default 0)." },
    ],
    returns: "number",
    example: { args: `600, 1000, 200`, result: "0.75" },
    impl: (n: number, d: number, p?: number) => iifAchievement(n, d, p ?? 0),
  },
  {
    name: "IIF_POINTS",
    description: "IIF points on the linear scale between the lower and upper thresholds.",
    params: [
      { name: "achievement", type: "number", description: "Achievement as a fraction (72.5% is 0.725)." },
      { name: "lower", type: "number", description: "Lower threshold (fraction)." },
      { name: "upper", type: "number", description: "Upper threshold (fraction)." },
      { name: "maxPoints", type: "number", min: 0, description: "Points available." },
    ],
    returns: "number",
    example: { args: `0.725, 0.65, 0.8, 22`, result: "11" },
    impl: (a: number, lo: number, up: number, max: number) => iifPoints(a, lo, up, max),
  },
  {
    name: "IIF_VALUE",
    description: "IIF payment: points x £ per point x list-size adjustment x prevalence adjustment.",
    params: [
      { name: "points", type: "number", min: 0, description: "Points achieved." },
      { name: "listSizeAdjustment", type: "number", min: 0, optional: true, description: "List-size adjustment (default 1)." },
      { name: "prevalenceAdjustment", type: "number", min: 0, optional: true, description: "Prevalence adjustment (default 1)." },
      yearParam,
    ],
    returns: "number",
    example: { args: `11, 1, 1, "2024/25"`, result: "2178.00" },
    impl: (pts: number, lsa?: number, pa?: number, year?: string) => iifValue(pts, lsa ?? 1, pa ?? 1, getYear(year)),
  },
  {
    name: "PATIENTS_NEEDED",
    description: "More patients needed in the numerator to reach the upper threshold (0 when already reached).",
    params: [
      { name: "numerator", type: "number", min: 0, description: "Patients meeting the indicator." },
      { name: "denominator", type: "number", min: 0, description: "Patients in the denominator." },
      { name: "upper", type: "number", description: "Upper threshold (fraction)." },
      { name: "pcas", type: "number", min: 0, optional: true, description: "Personalised care adjustments (default 0)." },
    ],
    returns: "number",
    example: { args: `500, 1000, 0.8, 200`, result: "140" },
    impl: (n: number, d: number, up: number, p?: number) => patientsNeeded(n, d, up, p ?? 0),
  },
  {
    name: "SPLIT",
    description: "Splits an amount among practices by weights, exact to the penny: the shares always sum to the amount.",
    params: [
      { name: "amount", type: "number", description: "The amount to share." },
      { name: "weights", type: "number", whole: true, description: "A column (or row) of weights, e.g. weighted lists; blanks count as 0." },
    ],
    returns: "number",
    example: { args: `1000, {1;1;1}`, result: "333.33, 333.34, 333.33 (a column)" },
    impl: (amount: number, weights: unknown[][]) => {
      const flat = flatNumbers(weights, "Weight");
      checkWeights(flat);
      return reshape(weights, splitPence(amount, flat));
    },
  },
  {
    name: "SPC_LIMITS",
    ownShape: true,
    description: "Making Data Count XmR limits of a series, as one row: mean, lower process limit, upper process limit, lower 2-sigma, upper 2-sigma (mean +/- 2.66 and 1.77 x the mean moving range).",
    params: [valuesParam, baselineParam, methodParam],
    returns: "number",
    example: { args: `{1,2,3,4,5,6,7,8,9,10}`, result: "5.5, 2.84, 8.16, 3.726667, 7.273333 (a row)" },
    impl: (values: unknown[][], baseline?: number, method?: string) => {
      const v = readingsOf(values);
      const b = baselineOf(baseline);
      const l = spcLimits(v, { baseline: b, method: methodOf(method) });
      if (!l) fail(`${noLimitsReason(v, b) ?? "Needs 2 readings in a row"} to work out limits.`);
      return [[l.mean, l.lpl, l.upl, l.l2, l.u2]];
    },
  },
  {
    name: "SPC_FLAGS",
    ownShape: true,
    description: "Making Data Count's reading of each point of a series, in its shape: \"Common cause\", \"Special cause improvement\", \"Special cause concern\" or \"Special cause neutral\" (blank for a month with no reading).",
    params: [valuesParam, betterParam, baselineParam, methodParam],
    returns: "text",
    example: { args: `{1,2,1,2,10,1,2,1,2,1,2,1,2,1,2,1,2,1}, "Higher"`, result: "Common cause x4, Special cause improvement, Common cause x13 (a row)" },
    impl: (values: unknown[][], better?: string, baseline?: number, method?: string) => {
      const v = readingsOf(values);
      const b = baselineOf(baseline);
      const types = spcPoints(v, betterOf(better), { baseline: b, method: methodOf(method) });
      if (v.some((x) => x !== null) && types.every((t) => t === null)) fail(`${noLimitsReason(v, b) ?? "Needs 2 readings in a row"} to judge them.`);
      let k = 0;
      return values.map((row) => row.map(() => { const t = types[k++]; return t ? FLAG_TEXT[t] : ""; }));
    },
  },
  {
    name: "SPC_STATUS",
    ownShape: true,
    description: "Making Data Count's summary of a series, as one row: the variation of the latest reading (common cause, or special cause improvement, concern or neutral, high or low) and the assurance against the target (Pass, Fail, Hit and miss; blank with no target or no better direction). Both need 13 readings.",
    params: [valuesParam, betterParam, { name: "target", type: "number", optional: true, description: "The target (left out: no assurance)." }, baselineParam, methodParam],
    returns: "text",
    example: { args: `{1,2,1,2,10,1,2,1,2,1,2,1,2,1,2,1,2,1}, "Higher", 5`, result: "Common cause, Hit and miss (a row)" },
    impl: (values: unknown[][], better?: string, target?: number, baseline?: number, method?: string) => {
      const v = readingsOf(values);
      const s = spcStatus(v, betterOf(better), target ?? null, { baseline: baselineOf(baseline), method: methodOf(method) });
      return [[s.variation, s.assurance]];
    },
  },
  {
    name: "DISTRIBUTE",
    description: "Shares an amount, less the PCN's own costs taken off first, among practices in proportion to the weights, exact to the penny: the shares always add up to the amount minus the costs; costs above the amount are refused.",
    params: [
      { name: "amount", type: "number", min: 0, description: "The income stream's amount (received or expected)." },
      { name: "weights", type: "number", whole: true, description: "A column (or row) of weights, one per practice: lists, populations, IIF points, percentages (1 each for equal shares); blanks count as 0." },
      { name: "costs", type: "number", min: 0, optional: true, description: "The PCN's own costs taken off first (default 0)." },
    ],
    returns: "number",
    example: { args: `1000, {1;1;1}, 200`, result: "266.67, 266.66, 266.67 (a column)" },
    impl: (amount: number, weights: unknown[][], costs?: number) => reshape(weights, distribute(amount, flatNumbers(weights, "Weight"), costs ?? 0)),
  },
  {
    name: "DISTRIBUTE_POINTS",
    description: "Weighted points: shares an amount, less costs, by each practice's points x its list (its share of the list), exact to the penny.",
    params: [
      { name: "amount", type: "number", min: 0, description: "The amount to share (e.g. the IIF payment)." },
      { name: "points", type: "number", whole: true, description: "Each practice's points achieved (a column); blanks count as 0." },
      { name: "lists", type: "number", whole: true, description: "Each practice's list size, in the same order (a column of the same length)." },
      { name: "costs", type: "number", min: 0, optional: true, description: "The PCN's own costs taken off first (default 0)." },
    ],
    returns: "number",
    example: { args: `1000, {10;10}, {6000;4000}`, result: "600.00, 400.00 (a column)" },
    impl: (amount: number, points: unknown[][], lists: unknown[][], costs?: number) =>
      reshape(points, distribute(amount, weightedPoints(flatNumbers(points, "Points"), flatNumbers(lists, "List")), costs ?? 0)),
  },
  {
    // Excel requires custom-function names of at least three characters, so FY is FIN_YEAR (Sheets also has PCN_FY).
    name: "FIN_YEAR",
    sheetsAlias: "FY",
    description: "The NHS financial-year label (1 April to 31 March) of a date, e.g. \"2025/26\".",
    params: [{ name: "date", type: "date", description: "A date." }],
    returns: "text",
    example: { args: `"2025-06-01"`, result: "2025/26" },
    impl: (date: unknown) => fyLabelOfIso(toIsoDate(date)),
  },
];

/** A range's cells in reading order as numbers (blanks 0), or a sentence naming the first that is not one. */
function flatNumbers(range: unknown[][], what: string): number[] {
  const flat: number[] = [];
  range.forEach((row, i) =>
    row.forEach((w, j) => {
      if (w === null || w === undefined || w === "") return flat.push(0);
      if (typeof w !== "number" || !Number.isFinite(w)) fail(`${what} ${i * row.length + j + 1} is not a number ("${String(w)}").`);
      if (w < 0) fail(`${what} ${i * row.length + j + 1} is negative (${w}).`);
      flat.push(w);
    }),
  );
  return flat;
}
/** Values back in the shape of the range they came from. */
const reshape = (range: unknown[][], values: number[]) => { let k = 0; return range.map((row) => row.map(() => values[k++])); };

export function findFunction(name: string): FunctionSpec {
  const f = CATALOGUE.find((x) => x.name === name);
  if (!f) throw new Error(`No catalogue function ${name}`);
  return f;
}
