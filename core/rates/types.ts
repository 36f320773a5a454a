export type Confidence = "high" | "medium" | "low" | "unknown";
/** What a per-unit rate multiplies. */
export type Basis = "registered" | "adjusted" | "weighted" | "beds" | "points" | "salary" | "wte" | "hour" | "reference";

/**
 * How a figure was arrived at (docs/arrs-maxima.md):
 *  - sourced: a publication about the NHS contract states it;
 *  - same band: the DES sets one ARRS maximum per Agenda for Change band, so the role takes the sourced amount of
 *    another role of its band in the same period (`sameBandAs` names it);
 *  - derived: the documented on-cost model that reproduces every sourced maximum to the pound, carried through a
 *    documented pay award or NI change;
 *  - estimated: the model plus an assumption about how NHS England applied a later award (`method` says which).
 * A figure no level applies to is null: unknown.
 */
export type Provenance = "sourced" | "same band" | "derived" | "estimated";
/**
 * As the workbook shows it: a provenance, "unknown", "superseded" (a cell still holding a figure a later revision
 * replaced) or "entered" (a figure a person typed over the rates book's, or a role they added).
 */
export type ProvenanceShown = Provenance | "unknown" | "superseded" | "entered";
export const PROVENANCES: readonly ProvenanceShown[] = ["sourced", "same band", "derived", "estimated", "unknown", "superseded", "entered"];

/**
 * A dated revision of a year's figures: what it was, when it was published, from which date its figures apply
 * (before publication when backdated) and where it is stated. Figures it set name it (`revision`), and keep what
 * they replaced (`replaced`), so the workbook can say which version is in force and spot a superseded one.
 */
export interface Revision {
  id: string;
  label: string;
  /** When it was published (or in force on the claims portal). */
  published: string;
  /** First date its figures apply to. */
  from: string;
  /** `from` is before `published`: the figures apply retrospectively. */
  backdated: boolean;
  source: string;
  confidence: Confidence;
  note?: string;
}

/** An earlier figure that a revision replaced, for the dates from the revision's `from`. */
export interface ReplacedRate {
  value: number | null;
  /** Id of the revision that replaced it. */
  by: string;
  /** Where the earlier figure came from, e.g. "the March 2024 DES". */
  was: string;
  source: string;
  confidence: Confidence;
}

export interface Rate {
  label: string;
  /** null = not known from any source we hold: never guessed. */
  value: number | null;
  unit: string;
  basis: Basis;
  paid?: "monthly" | "on achievement" | "claims" | "annually";
  payee?: "PCN" | "practice";
  source: string;
  confidence: Confidence;
  note?: string;
  /** Id of the revision that set this value (absent: the year's first publication). */
  revision?: string;
  /** Earlier values revisions replaced, newest first. */
  replaced?: ReplacedRate[];
}

/** A payment the year no longer has: not zero and not unknown. Lookups of it say so in a sentence. */
export interface Withdrawn {
  label: string;
  /** First day it no longer applies. */
  from: string;
  source: string;
  confidence: Confidence;
  note?: string;
}

export interface NiPeriod { from: string; to: string; rate: number; thresholdAnnual: number; source: string; confidence: Confidence }

export type Area = "national" | "outerLondon" | "innerLondon";
export const AREA_KEYS: readonly Area[] = ["national", "outerLondon", "innerLondon"];

export interface ArrsFigures {
  national: number | null;
  outerLondon: number | null;
  innerLondon: number | null;
  /** The provenance of each area's figure: "unknown" exactly where the figure is null. */
  kind: Record<Area, Provenance | "unknown">;
  /** For "same band": the role whose sourced figure this takes. */
  sameBandAs?: string;
  /** For "derived" and "estimated": the model and the assumption, in a sentence. */
  method?: string;
  /** The confidence of the sourced (or same-band) figures; derived ones are "medium", estimated ones "low". */
  confidence: Confidence;
  source: string;
  note?: string;
}

export interface ArrsMaximum extends ArrsFigures {
  /** Id of the revision that set these figures (absent: the year's first publication). */
  revision?: string;
  /** Earlier figures for the same dates that a revision replaced, newest first. */
  replaced?: (ArrsFigures & { by: string; was: string })[];
}

export interface ArrsRole {
  role: string;
  band: string;
  aliases: string[];
  /** A mental health practitioner role: the year's MHP rule (`arrs.rules.mhp`) applies to its claims. */
  mhp?: boolean;
  /** Keyed by period start date (one of the year's `periods`). */
  maxima: Record<string, ArrsMaximum>;
}

export interface RuleText { text: string; source: string; confidence: Confidence }

/** The year's ARRS rules, as data for the sheets and the pane. */
export interface ArrsRules {
  /** Which GPs ARRS can reimburse. */
  gp?: RuleText;
  /** Roles a commissioner may approve beyond the DES list (a person adds them and their agreed maximum on ARRS Rates). */
  commissionerApprovedRoles?: RuleText & { allowed: boolean };
  /**
   * Mental health practitioners: the first MHP per band is reimbursed at `firstPerBand` of the role maximum, later
   * ones up to `later` (with a written agreement with the mental health provider when `laterNeedsWrittenAgreement`).
   */
  mhp?: RuleText & { firstPerBand: number; later: number; laterNeedsWrittenAgreement: boolean };
  /** Whether Local Variation Arrangements can vary the ARRS rules this year. */
  localVariation?: RuleText;
}

export interface IifIndicator {
  code: string;
  description: string;
  points: number | null;
  lower: number | null;
  upper: number | null;
  direction: "higher" | "lower";
  source: string;
  confidence: Confidence;
  note?: string;
}

/** One financial year's data file (core/rates/years/YYYY-YY.json). */
export interface YearRates {
  year: string;
  start: string;
  end: string;
  listSizeDate: string;
  notes: string[];
  rates: Record<string, Rate>;
  /** Payments withdrawn from the DES this year (not in `rates`: no stream, no Rates row). */
  withdrawn?: Record<string, Withdrawn>;
  /** Dated revisions of the year's figures, oldest first. */
  revisions?: Revision[];
  employerNi: NiPeriod[];
  arrs: { periods: string[]; roles: ArrsRole[]; unknownNote: string; rules?: ArrsRules };
  iif: { indicators: IifIndicator[] };
}
