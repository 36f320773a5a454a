export type Confidence = "high" | "medium" | "low" | "unknown";
/** What a per-unit rate multiplies. */
export type Basis = "registered" | "adjusted" | "weighted" | "beds" | "points" | "salary" | "reference";

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
}

export interface NiPeriod { from: string; to: string; rate: number; thresholdAnnual: number; source: string; confidence: Confidence }

export type Area = "national" | "outerLondon" | "innerLondon";
export interface ArrsMaximum {
  national: number | null;
  outerLondon: number | null;
  innerLondon: number | null;
  source: string;
  confidence: Confidence;
  note?: string;
}
export interface ArrsRole {
  role: string;
  band: string;
  aliases: string[];
  /** Keyed by period start date (one of the year's `periods`). */
  maxima: Record<string, ArrsMaximum>;
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
  employerNi: NiPeriod[];
  arrs: { periods: string[]; roles: ArrsRole[]; unknownNote: string };
  iif: { indicators: IifIndicator[] };
}
