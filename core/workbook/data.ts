/** The network data a workbook is built from (CLI --data, the sample). Validated with messages naming the field. */
import { z } from "zod";
import { ACCOUNTABLE, BUDGET_CATEGORIES, DECISION_BASES, FUNDING_SOURCES, GOVERNANCE_STATUS, GP_ROUTES, MONITORING_METHODS, PARTNERSHIP_TYPES } from "./lists";

export { ACCOUNTABLE, BUDGET_CATEGORIES, DECISION_BASES, FUNDING_SOURCES, GOVERNANCE_STATUS, MONITORING_METHODS, PARTNERSHIP_TYPES };

const iso = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written yyyy-mm-dd");
const money = z.number().finite().min(0, "cannot be negative");
const count = z.number().int("must be a whole number").min(0, "cannot be negative");


const yesNo = z.union([z.boolean(), z.enum(["Yes", "No"])]).transform((v) => (v === true || v === "Yes" ? "Yes" : "No"));

export const PracticeSchema = z.object({
  name: z.string().min(1, "is required"),
  odsCode: z.string().optional(),
  registered: count,
  weighted: money,
  adjusted: money,
  beds: count.default(0),
  customWeight: money.optional(),
});

export const PartnershipSchema = z.object({
  ref: z.string().min(1, "is required"),
  partner: z.string().min(1, "is required"),
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
  ref: z.string().min(1, "is required"),
  name: z.string().default(""),
  role: z.string().min(1, "is required"),
  band: z.string().default(""),
  area: z.enum(["national", "outer london", "inner london"]).default("national"),
  wte: z.number().finite().min(0, "cannot be negative").max(2, "is more than 2 WTE for one post"),
  start: iso,
  end: iso.optional(),
  hostPractice: z.string().default(""),
  salary: money.optional(),
  annualCost: money.optional(),
  shares: z.array(z.object({ practice: z.string().min(1), share: z.number().min(0).max(1, "is a fraction: 50% is 0.5") })).default([]),
});

export const BudgetLineSchema = z.object({
  ref: z.string().min(1, "is required"),
  description: z.string().min(1, "is required"),
  category: z.enum(BUDGET_CATEGORIES),
  type: z.enum(["Income", "Expenditure"]),
  fundingSource: z.enum(FUNDING_SOURCES).optional(),
  recurrent: yesNo.default("Yes"),
  annual: money,
  phasing: z.array(money).length(12, "needs 12 monthly amounts, April to March").optional(),
  actuals: z.array(z.number().finite().nullable()).max(12, "has more than 12 months").default([]),
});

export const KpiSchema = z.object({
  ref: z.string().min(1, "is required"),
  measure: z.string().min(1, "is required"),
  method: z.enum(MONITORING_METHODS).optional(),
  partnership: z.string().default(""),
  unit: z.enum(["Number", "Percent", "£"]).default("Number"),
  target: z.number().finite().optional(),
  better: z.enum(["Higher", "Lower"]).default("Higher"),
  tolerance: z.number().finite().min(0, "cannot be negative").default(0),
  readings: z.array(z.number().finite().nullable()).default([]),
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

export const NetworkSchema = z.object({
  pcn: z.object({ name: z.string().min(1, "is required"), icb: z.string().default("") }),
  year: z.string().optional(),
  kpiMonths: z.number().int().min(1).max(60).default(12),
  practices: z.array(PracticeSchema).min(1, "needs at least one practice"),
  partnerships: z.array(PartnershipSchema).default([]),
  arrsPosts: z.array(ArrsPostSchema).default([]),
  budget: z.array(BudgetLineSchema).default([]),
  kpis: z.array(KpiSchema).default([]),
  gpScheme: GpSchemeSchema.optional(),
  iif: z.array(z.object({
    code: z.string().min(1, "is required"),
    numerator: count.optional(),
    denominator: count.optional(),
    pcas: count.optional(),
    listSizeAdjustment: z.number().finite().min(0, "cannot be negative").optional(),
    prevalenceAdjustment: z.number().finite().min(0, "cannot be negative").optional(),
  })).default([]),
}).superRefine((n, ctx) => {
  const dupes = (items: { ref: string }[], path: string) => {
    const seen = new Set<string>();
    items.forEach((x, i) => {
      if (seen.has(x.ref)) ctx.addIssue({ code: "custom", path: [path, i, "ref"], message: `repeats the reference "${x.ref}"` });
      seen.add(x.ref);
    });
  };
  dupes(n.partnerships, "partnerships");
  dupes(n.arrsPosts, "arrsPosts");
  dupes(n.budget, "budget");
  dupes(n.kpis, "kpis");
  if (n.gpScheme) dupes(n.gpScheme.claims, "gpScheme.claims");
  n.kpis.forEach((k, i) => {
    if (k.readings.length > n.kpiMonths) ctx.addIssue({ code: "custom", path: ["kpis", i, "readings"], message: `has ${k.readings.length} readings but kpiMonths is ${n.kpiMonths}` });
  });
  n.partnerships.forEach((p, i) => {
    if (p.start && p.end && p.end < p.start) ctx.addIssue({ code: "custom", path: ["partnerships", i, "end"], message: "is before the start date" });
  });
});

export type NetworkData = z.output<typeof NetworkSchema>;
export type NetworkInput = z.input<typeof NetworkSchema>;

/** Validates network JSON; returns messages naming each field and its problem. */
export function validateNetwork(input: unknown): { ok: true; data: NetworkData } | { ok: false; errors: string[] } {
  const r = NetworkSchema.safeParse(input);
  if (r.success) return { ok: true, data: r.data };
  return {
    ok: false,
    errors: r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(file)"}: ${i.message}`),
  };
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
