/** The network data a workbook is built from (CLI --data, the sample). Validated with messages naming the field. */
import { z } from "zod";
import { getYear } from "../rates/book";
import type { YearRates } from "../rates/types";
import { distributionPeriods, distributionSources } from "./sheets/distribution";
import { METHODS, PROPORTIONAL, type Method } from "../funding/distribute";
import { COST_CATEGORIES } from "./sheets/distributionInputs";
import { ACCOUNTABLE, ACTION_STATUS, BELBIN_ROLES, BOARD_REPRESENTS, BUDGET_CATEGORIES, DECISION_BASES, FUNDING_SOURCES, GOVERNANCE_STATUS, GP_ROUTES, MONITORING_METHODS, PARTNERSHIP_TYPES, PRIORITY_STATUS, SHARE_CHANNELS } from "./lists";

export { ACCOUNTABLE, BUDGET_CATEGORIES, DECISION_BASES, FUNDING_SOURCES, GOVERNANCE_STATUS, MONITORING_METHODS, PARTNERSHIP_TYPES };

/** A real calendar date written yyyy-mm-dd (2025-13-01 and 2026-02-30 are refused, never rolled over). */
export function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || y > 9999) return false;
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}
const iso = z.string().superRefine((s, ctx) => {
  if (!isRealDate(s)) ctx.addIssue({ code: "custom", message: `"${s.length > 40 ? s.slice(0, 40) + "..." : s}" is not a real date written yyyy-mm-dd (e.g. 2025-04-01)` });
});
const money = z.number().finite().min(0, "cannot be negative");
const count = z.number().int("must be a whole number").min(0, "cannot be negative");
/** A reference or name: something besides spaces. */
const required = z.string().refine((s) => s.trim() !== "", { message: "is required (it is blank)" });

const yesNo = z.union([z.boolean(), z.enum(["Yes", "No"])]).transform((v) => (v === true || v === "Yes" ? "Yes" : "No"));

export const PracticeSchema = z.object({
  name: required,
  odsCode: z.string().optional(),
  registered: count,
  weighted: money,
  adjusted: money,
  beds: count.default(0),
  customWeight: money.optional(),
  /** The day a practice left the network (it shares the year's money up to it). */
  leftOn: iso.optional(),
});

export const PartnershipSchema = z.object({
  ref: required,
  partner: required,
  type: z.enum(PARTNERSHIP_TYPES),
  service: z.string().default(""),
  need: z.string().default(""),
  basis: z.enum(DECISION_BASES).optional(),
  outcomes: z.string().default(""),
  start: iso.optional(),
  end: iso.optional(),
  value: money.default(0),
  fundingSource: z.enum(FUNDING_SOURCES).optional(),
  recurrent: yesNo.default("No"),
  quotes: count.default(0),
  financeLead: yesNo.default("No"),
  governance: z.object({
    clinical: z.enum(GOVERNANCE_STATUS), quality: z.enum(GOVERNANCE_STATUS), dataProtection: z.enum(GOVERNANCE_STATUS),
    ip: z.enum(GOVERNANCE_STATUS), confidentiality: z.enum(GOVERNANCE_STATUS), training: z.enum(GOVERNANCE_STATUS), hr: z.enum(GOVERNANCE_STATUS),
  }).partial().default({}),
  accountability: z.object({ clinical: z.enum(ACCOUNTABLE), data: z.enum(ACCOUNTABLE), staff: z.enum(ACCOUNTABLE), complaints: z.enum(ACCOUNTABLE) }).partial().default({}),
  contacts: z.object({ decisions: z.string(), finance: z.string(), operations: z.string(), technical: z.string(), escalation: z.string() }).partial().default({}),
  notice: z.object({ days: count, personnel: count, it: count, rotas: count, monitoring: count }).partial().default({}),
  monitoring: z.array(z.enum(MONITORING_METHODS)).default([]),
  factors: z.object({
    values: z.number().int().min(1).max(5), engagement: z.number().int().min(1).max(5), clarity: z.number().int().min(1).max(5),
    contact: z.number().int().min(1).max(5), monitoring: z.number().int().min(1).max(5), trust: z.number().int().min(1).max(5),
  }).partial().default({}),
  owner: z.string().default(""),
  reviewDate: iso.optional(),
  compromises: z.string().default(""),
});

export const ArrsPostSchema = z.object({
  ref: required,
  name: z.string().default(""),
  role: required,
  band: z.string().default(""),
  area: z.enum(["national", "outer london", "inner london"]).default("national"),
  wte: z.number().finite().min(0, "cannot be negative").max(2, "is more than 2 WTE for one post"),
  start: iso,
  end: iso.optional(),
  hostPractice: z.string().default(""),
  salary: money.optional(),
  annualCost: money.optional(),
  shares: z.array(z.object({ practice: required, share: z.number().min(0, "cannot be negative").max(1, "is a fraction: 50% is 0.5") })).default([]),
});

export const BudgetLineSchema = z.object({
  ref: required,
  description: required,
  category: z.enum(BUDGET_CATEGORIES),
  type: z.enum(["Income", "Expenditure"]),
  fundingSource: z.enum(FUNDING_SOURCES).optional(),
  recurrent: yesNo.default("Yes"),
  annual: money,
  phasing: z.array(money).length(12, "needs 12 monthly amounts, April to March").optional(),
  actuals: z.array(z.number().finite().nullable()).max(12, "has more than 12 months").default([]),
});

export const KpiSchema = z.object({
  ref: required,
  measure: required,
  method: z.enum(MONITORING_METHODS).optional(),
  partnership: z.string().default(""),
  unit: z.enum(["Number", "Percent", "£"]).default("Number"),
  target: z.number().finite().optional(),
  better: z.enum(["Higher", "Lower", "Neither"]).default("Higher"),
  tolerance: z.number().finite().min(0, "cannot be negative").default(0),
  readings: z.array(z.number().finite().nullable()).default([]),
  /** Readings of the months before the year (oldest first, ending with the March before it): SPC's baseline. */
  earlier: z.array(z.number().finite().nullable()).default([]),
});

/** A claim under the practice-level GP reimbursement scheme (2026/27 on): a new salaried GP or extra sessions. */
export const GpClaimSchema = z.object({
  ref: z.string().min(1, "is required"),
  practice: z.string().min(1, "is required"),
  gp: z.string().default(""),
  route: z.enum(GP_ROUTES),
  area: z.enum(["national", "london"]).default("national"),
  start: iso,
  end: iso.optional(),
  employedBefore: yesNo.default("No"),
  salary: money.optional(),
  wte: z.number().finite().gt(0, "must be more than 0").max(1, "is more than 1 WTE").optional(),
  sessionsBefore: z.number().finite().min(0, "cannot be negative").optional(),
  extraSessions: z.number().finite().min(0, "cannot be negative").optional(),
  extraHours: z.number().finite().min(0, "cannot be negative").optional(),
  hourlyPay: money.optional(),
});
export const GpSchemeSchema = z.object({
  /** Entitlement each practice transferred in (+) or out (-), as agreed in writing with the ICB. */
  transfers: z.array(z.object({ practice: z.string().min(1, "is required"), amount: z.number().finite() })).default([]),
  claims: z.array(GpClaimSchema).default([]),
});

/** Money to practices (issue #12): income streams, the PCN's costs taken off first, and agreed keys. */
export const DistributionSchema = z.object({
  streams: z.array(z.object({
    ref: required,
    /** A DES stream as the Funding sheet names it, "ARRS reimbursement", "IIF achievement", ... (checked against the year). */
    source: required,
    description: z.string().optional(),
    /** "Apr 2026", "Q2 2026/27" or "Year 2026/27" (checked against the year). */
    period: required,
    expected: money.optional(),
    received: money.optional(),
    dateReceived: iso.optional(),
    datePaid: iso.optional(),
    method: z.enum(METHODS).optional(),
    key: z.string().optional(),
    agreedBy: z.string().optional(),
    agreedOn: iso.optional(),
    minutes: z.string().optional(),
  })).default([]),
  costs: z.array(z.object({
    ref: required,
    description: z.string().default(""),
    category: z.enum(COST_CATEGORIES),
    period: z.string().optional(),
    /** A stream's ref; left out: taken off all streams of the period. */
    stream: z.string().optional(),
    amount: money,
    notes: z.string().optional(),
  })).default([]),
  keys: z.array(z.object({
    key: required,
    practice: required,
    percent: z.number().min(0, "cannot be negative").max(1, "is a fraction: 20% is 0.2").optional(),
    fixed: money.optional(),
    notes: z.string().optional(),
  })).default([]),
  /** How the year's surplus or deficit is allocated (Distribution Summary), and who agreed it. */
  yearEnd: z.object({
    method: z.enum(PROPORTIONAL as unknown as [Method, ...Method[]]).optional(),
    key: z.string().optional(),
    agreedBy: z.string().optional(),
    agreedOn: iso.optional(),
    minutes: z.string().optional(),
  }).optional(),
});

// ---- building the network (issue #11): board, agreement, maturity, priorities, meetings, actions, successes ----

export const BoardMemberSchema = z.object({
  name: required,
  boardRole: z.string().default(""),
  represents: z.enum(BOARD_REPRESENTS).optional(),
  /** The member practice or partner organisation they come from. */
  from: z.string().default(""),
  belbin: z.enum(BELBIN_ROLES).optional(),
  belbin2: z.enum(BELBIN_ROLES).optional(),
  voting: yesNo.default("Yes"),
  notes: z.string().default(""),
});
export const AgreementItemSchema = z.object({
  item: required,
  covers: z.string().optional(),
  status: z.enum(GOVERNANCE_STATUS).optional(),
  agreedOn: iso.optional(),
  reviewDate: iso.optional(),
  owner: z.string().default(""),
  where: z.string().default(""),
  notes: z.string().default(""),
});
const stage = z.number().int("is a whole number: 0 Foundation, 1 Step 1, 2 Step 2, 3 Step 3").min(0).max(3);
export const MaturityScoreSchema = z.object({
  assessor: required,
  role: z.string().default(""),
  date: iso.optional(),
  /** One score per area of the maturity matrix, in its order (null: not scored). */
  scores: z.array(stage.nullable()).max(5, "has more than the matrix's 5 areas").default([]),
  comment: z.string().default(""),
});
export const PrioritySchema = z.object({
  ref: required,
  priority: required,
  why: z.string().default(""),
  owner: z.string().default(""),
  status: z.enum(PRIORITY_STATUS).optional(),
  start: iso.optional(),
  reviewDate: iso.optional(),
  measure: z.string().default(""),
  agreedAt: z.string().default(""),
  notes: z.string().default(""),
});
export const MeetingSchema = z.object({
  ref: required,
  date: iso.optional(),
  meeting: z.string().default(""),
  chair: z.string().default(""),
  attendees: z.string().default(""),
  decisions: z.string().default(""),
  issues: z.string().default(""),
});
export const ActionSchema = z.object({
  ref: required,
  meeting: z.string().default(""),
  action: required,
  owner: z.string().default(""),
  due: iso.optional(),
  status: z.enum(ACTION_STATUS).default("Open"),
  doneOn: iso.optional(),
  notes: z.string().default(""),
});
export const SuccessSchema = z.object({
  ref: required,
  date: iso.optional(),
  success: required,
  impact: z.string().default(""),
  evidence: z.string().default(""),
  priority: z.string().default(""),
  shared: yesNo.default("No"),
  sharedOn: iso.optional(),
  channel: z.enum(SHARE_CHANNELS).optional(),
});

export const NetworkSchema = z.object({
  pcn: z.object({ name: required, icb: z.string().default("") }),
  year: z.string().optional(),
  kpiMonths: z.number().int().min(1).max(60).default(12),
  /** Months before the year the KPI sheet holds (default 12, or what the workbook has). */
  kpiEarlierMonths: z.number().int().min(1).max(48).optional(),
  practices: z.array(PracticeSchema).min(1, "needs at least one practice"),
  partnerships: z.array(PartnershipSchema).default([]),
  arrsPosts: z.array(ArrsPostSchema).default([]),
  budget: z.array(BudgetLineSchema).default([]),
  kpis: z.array(KpiSchema).default([]),
  gpScheme: GpSchemeSchema.optional(),
  iif: z.array(z.object({
    code: required,
    numerator: count.optional(),
    denominator: count.optional(),
    pcas: count.optional(),
    listSizeAdjustment: z.number().finite().min(0, "cannot be negative").optional(),
    prevalenceAdjustment: z.number().finite().min(0, "cannot be negative").optional(),
    /** Each practice's own figures for the indicator (IIF by Practice; the distribution's points methods). */
    practices: z.array(z.object({ practice: required, numerator: count.optional(), denominator: count.optional(), pcas: count.optional() })).optional(),
  })).default([]),
  distribution: DistributionSchema.optional(),
  board: z.array(BoardMemberSchema).default([]),
  agreement: z.array(AgreementItemSchema).default([]),
  maturity: z.array(MaturityScoreSchema).default([]),
  priorities: z.array(PrioritySchema).default([]),
  meetings: z.array(MeetingSchema).default([]),
  actions: z.array(ActionSchema).default([]),
  successes: z.array(SuccessSchema).default([]),
}).superRefine((n, ctx) => {
  // Records are told apart as the workbook tells them apart: ignoring case and runs of spaces.
  const dupes = (items: { key: string }[], path: string, field: string, what: string) => {
    const seen = new Set<string>();
    items.forEach((x, i) => {
      const k = sameKey(x.key);
      if (seen.has(k)) ctx.addIssue({ code: "custom", path: [path, i, field], message: `repeats the ${what} "${x.key}"` });
      seen.add(k);
    });
  };
  dupes(n.practices.map((p) => ({ key: p.name })), "practices", "name", "practice");
  dupes(n.partnerships.map((p) => ({ key: p.ref })), "partnerships", "ref", "reference");
  dupes(n.arrsPosts.map((p) => ({ key: p.ref })), "arrsPosts", "ref", "reference");
  dupes(n.budget.map((p) => ({ key: p.ref })), "budget", "ref", "reference");
  dupes(n.kpis.map((p) => ({ key: p.ref })), "kpis", "ref", "reference");
  if (n.gpScheme) dupes(n.gpScheme.claims.map((p) => ({ key: p.ref })), "gpScheme.claims", "ref", "reference");
  if (n.distribution) {
    dupes(n.distribution.streams.map((p) => ({ key: p.ref })), "distribution.streams", "ref", "reference");
    dupes(n.distribution.costs.map((p) => ({ key: p.ref })), "distribution.costs", "ref", "reference");
    dupes(n.distribution.keys.map((p) => ({ key: `${p.key}|${p.practice}` })), "distribution.keys", "practice", "practice in this key");
  }
  dupes(n.board.map((p) => ({ key: p.name })), "board", "name", "board member");
  dupes(n.agreement.map((p) => ({ key: p.item })), "agreement", "item", "agreement item");
  dupes(n.priorities.map((p) => ({ key: p.ref })), "priorities", "ref", "reference");
  dupes(n.meetings.map((p) => ({ key: p.ref })), "meetings", "ref", "reference");
  dupes(n.actions.map((p) => ({ key: p.ref })), "actions", "ref", "reference");
  dupes(n.successes.map((p) => ({ key: p.ref })), "successes", "ref", "reference");
  n.kpis.forEach((k, i) => {
    if (k.readings.length > n.kpiMonths) ctx.addIssue({ code: "custom", path: ["kpis", i, "readings"], message: `has ${k.readings.length} readings but kpiMonths is ${n.kpiMonths}` });
    const earlier = n.kpiEarlierMonths ?? 12;
    if (k.earlier.length > earlier) ctx.addIssue({ code: "custom", path: ["kpis", i, "earlier"], message: `has ${k.earlier.length} readings but kpiEarlierMonths is ${earlier}` });
  });
  n.partnerships.forEach((p, i) => {
    if (p.start && p.end && p.end < p.start) ctx.addIssue({ code: "custom", path: ["partnerships", i, "end"], message: `${p.end} is before the start date ${p.start}` });
  });
  n.arrsPosts.forEach((p, i) => {
    if (p.end && p.end < p.start) ctx.addIssue({ code: "custom", path: ["arrsPosts", i, "end"], message: `${p.end} is before the start date ${p.start}` });
    const seen = new Set<string>();
    p.shares.forEach((s, j) => {
      if (seen.has(sameKey(s.practice))) ctx.addIssue({ code: "custom", path: ["arrsPosts", i, "shares", j, "practice"], message: `repeats "${s.practice}" in this post's shares` });
      seen.add(sameKey(s.practice));
    });
  });
});

export type NetworkData = z.output<typeof NetworkSchema>;
export type NetworkInput = z.input<typeof NetworkSchema>;

/** Record identity, as the workbook's: case and runs of spaces do not make a different practice or reference. */
const sameKey = (s: string) => s.trim().replace(/\s+/g, " ").toLowerCase();

/** Characters no spreadsheet file can hold as given (XML 1.0 refuses them) or that readers rewrite (CR becomes LF). */
const BAD_CHAR = /[\u0000-\u0008\u000B\u000C\u000D\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** The most a spreadsheet cell holds. */
const CELL_MAX = 32767;

/** Every text in the file, wherever it is: each one a cell could not hold exactly is a problem, with its path. */
function textProblems(input: unknown): string[] {
  const out: string[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: input, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    const at = path.length ? path.join(".") : "(file)";
    if (typeof v === "string") {
      const m = BAD_CHAR.exec(v);
      if (m) {
        const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
        const what = /[\uD800-\uDFFF]/.test(m[0]) ? `half of a character pair (U+${code})` : /[\uFFFE\uFFFF]/.test(m[0]) ? `a code that is not a character (U+${code})` : m[0] === "\r" ? "a carriage return (U+000D)" : `a control character (U+${code})`;
        out.push(`${at}: contains ${what}, which a spreadsheet cannot store as given: remove it${m[0] === "\r" ? " (\\n alone starts a new line)" : ""}`);
      }
      if (v.length > CELL_MAX) out.push(`${at}: is ${v.length.toLocaleString("en-GB")} characters long, more than the ${CELL_MAX.toLocaleString("en-GB")} a spreadsheet cell holds`);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
    } else if (v && typeof v === "object") {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ v: (v as Record<string, unknown>)[keys[i]], path: [...path, keys[i]] });
    }
  }
  return out;
}

/** What a data file is checked against besides itself: the year being built and what the workbook already holds. */
export interface NetworkContext {
  /** The financial year being built (default the file's own `year`, else the newest). */
  year?: string;
  /** Practice names, partnership references and ARRS roles (e.g. one the commissioner approved) the workbook holds. */
  practices?: string[];
  partnerships?: string[];
  roles?: string[];
}

/** Checks that need the year and the workbook: roles and IIF codes of the year, practices and partnerships that exist, shares that add up. */
function contextProblems(raw: unknown, ctx: NetworkContext, parsed?: NetworkData): string[] {
  // Read from the file as given (so these problems are listed even beside schema problems), tolerating any shape.
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const str = (v: unknown): string => (typeof v === "string" ? v : "");
  const n = obj(raw);
  const out: string[] = [];
  let year: YearRates;
  try {
    year = getYear(ctx.year || (typeof n.year === "string" ? n.year : undefined));
  } catch (e) {
    return [`year: ${(e as Error).message}`];
  }
  const list = (xs: string[]) => xs.map((x) => `"${x}"`).join(", ");
  const roles = new Map<string, string>();
  for (const r of [...year.arrs.roles.map((r) => r.role), ...(ctx.roles ?? [])]) if (!roles.has(sameKey(r))) roles.set(sameKey(r), r);
  const practices = new Set([...arr(n.practices).map((p) => str(obj(p).name)), ...(ctx.practices ?? [])].map(sameKey));
  const partnerships = new Set([...arr(n.partnerships).map((p) => str(obj(p).ref)), ...(ctx.partnerships ?? [])].map(sameKey));
  const where = (what: string, inWorkbook?: string[]) => `is not ${what} in the data file${inWorkbook ? " or the workbook" : ""}`;
  arr(n.arrsPosts).forEach((x, i) => {
    const p = obj(x);
    const role = roles.get(sameKey(str(p.role)));
    if (typeof p.role === "string" && p.role.trim() !== "") {
      if (role) { if (parsed) parsed.arrsPosts[i].role = role; }
      else out.push(`arrsPosts.${i}.role: "${p.role}" is not an ARRS role of ${year.year}${ctx.roles?.length ? " or one on the workbook's ARRS Rates sheet" : ""}. Roles: ${list(year.arrs.roles.map((r) => r.role))}`);
    }
    const host = str(p.hostPractice);
    if (host.trim() !== "" && !practices.has(sameKey(host))) out.push(`arrsPosts.${i}.hostPractice: "${host}" ${where("a practice", ctx.practices)}`);
    const shares = arr(p.shares).map(obj);
    shares.forEach((s, j) => {
      const name = str(s.practice);
      if (name.trim() !== "" && !practices.has(sameKey(name))) out.push(`arrsPosts.${i}.shares.${j}.practice: "${name}" ${where("a practice", ctx.practices)}`);
    });
    if (shares.length && shares.every((s) => typeof s.share === "number")) {
      const total = shares.reduce((a, s) => a + (s.share as number), 0);
      if (Math.abs(total - 1) > 0.0001) out.push(`arrsPosts.${i}.shares: the practices' shares add to ${Math.round(total * 100000) / 1000}%, not 100%`);
    }
  });
  arr(n.kpis).forEach((x, i) => {
    const ref = str(obj(x).partnership);
    if (ref.trim() !== "" && !partnerships.has(sameKey(ref))) out.push(`kpis.${i}.partnership: "${ref}" ${where("a partnership reference", ctx.partnerships)}`);
  });
  const dist = obj(n.distribution);
  const periods = new Map(distributionPeriods(year).map((p) => [sameKey(p.label), p.label]));
  const sources = new Map(distributionSources(year).map((s) => [sameKey(s.label), s.label]));
  const streams = new Set(arr(dist.streams).map((x) => sameKey(str(obj(x).ref))));
  const periodProblem = (at: string, v: unknown) => {
    const p = str(v);
    if (p.trim() !== "" && !periods.has(sameKey(p))) out.push(`${at}: "${p}" is not a period of ${year.year}. Periods: a month ("${[...periods.values()][0]}"), a quarter ("Q1 ${year.year}") or "Year ${year.year}"`);
  };
  arr(dist.streams).forEach((x, i) => {
    const s = obj(x);
    const src = str(s.source);
    if (src.trim() !== "" && !sources.has(sameKey(src))) out.push(`distribution.streams.${i}.source: "${src}" is not an income stream of ${year.year}. Streams: ${list([...sources.values()])}`);
    periodProblem(`distribution.streams.${i}.period`, s.period);
  });
  arr(dist.costs).forEach((x, i) => {
    const c = obj(x);
    periodProblem(`distribution.costs.${i}.period`, c.period);
    const st = str(c.stream);
    if (st.trim() !== "" && !streams.has(sameKey(st))) out.push(`distribution.costs.${i}.stream: "${st}" is not a stream in distribution.streams`);
    if (st.trim() === "" && str(c.period).trim() === "") out.push(`distribution.costs.${i}.period: a cost taken off all streams of a period needs the period (or name its stream)`);
  });
  arr(dist.keys).forEach((x, i) => {
    const name = str(obj(x).practice);
    if (name.trim() !== "" && !practices.has(sameKey(name))) out.push(`distribution.keys.${i}.practice: "${name}" ${where("a practice", ctx.practices)}`);
  });
  const codes = new Map(year.iif.indicators.map((x) => [sameKey(x.code), x.code]));
  const seen = new Set<string>();
  arr(n.iif).forEach((x, i) => {
    const given = str(obj(x).code);
    if (given.trim() === "") return;
    const code = codes.get(sameKey(given));
    if (!code) out.push(`iif.${i}.code: "${given}" is not an IIF indicator of ${year.year}. ${codes.size ? `Indicators: ${[...codes.values()].join(", ")}` : `The rates book holds no IIF indicators for ${year.year}.`}`);
    else if (seen.has(code)) out.push(`iif.${i}.code: repeats the indicator ${code}`);
    else { seen.add(code); if (parsed) parsed.iif[i].code = code; }
    arr(obj(x).practices).forEach((p, j) => {
      const name = str(obj(p).practice);
      if (name.trim() !== "" && !practices.has(sameKey(name))) out.push(`iif.${i}.practices.${j}.practice: "${name}" ${where("a practice", ctx.practices)}`);
    });
  });
  // Periods and streams as the year's workbook spells them.
  if (parsed?.distribution) {
    for (const s of parsed.distribution.streams) { s.period = periods.get(sameKey(s.period)) ?? s.period; s.source = sources.get(sameKey(s.source)) ?? s.source; }
    for (const c of parsed.distribution.costs) if (c.period) c.period = periods.get(sameKey(c.period)) ?? c.period;
  }
  return out;
}

/**
 * Checks network JSON in full: every text, the schema, and (with the year and what the workbook holds) roles,
 * IIF codes, practices and partnerships named, shares. Returns one message per problem, each naming its JSON
 * path, or the data with roles and IIF codes spelt as the year spells them.
 */
export function validateNetwork(input: unknown, context: NetworkContext = {}): { ok: true; data: NetworkData } | { ok: false; errors: string[] } {
  const errors = textProblems(input);
  const r = NetworkSchema.safeParse(input);
  if (!r.success) errors.push(...r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(file)"}: ${i.message}`));
  errors.push(...contextProblems(input, context, r.success ? r.data : undefined));
  return errors.length || !r.success ? { ok: false, errors } : { ok: true, data: r.data };
}

/** A practice as the pane confirms it (any field may still be missing). */
export interface PracticeInput {
  name: string;
  odsCode?: string;
  registered?: number;
  weighted?: number;
  adjusted?: number;
  beds?: number;
}
