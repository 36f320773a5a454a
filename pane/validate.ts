/** Practice-form validation: pure (no DOM) so it is unit-tested in Node and shared by both hosts' panes. */
import type { PracticeInput } from "./bridge";

export type PracticeField = "name" | "odsCode" | "registered" | "weighted" | "adjusted" | "beds";

export interface FieldSpec {
  key: PracticeField;
  label: string;
  numeric?: boolean;
  integer?: boolean;
  /** Full-width in the practice card. */
  wide?: boolean;
}

export const PRACTICE_FIELDS: readonly FieldSpec[] = [
  { key: "name", label: "Practice name", wide: true },
  { key: "odsCode", label: "ODS code" },
  { key: "registered", label: "Registered list", numeric: true, integer: true },
  { key: "weighted", label: "Weighted list", numeric: true },
  { key: "adjusted", label: "Adjusted population", numeric: true },
  { key: "beds", label: "Care-home beds", numeric: true, integer: true },
];

/** Far above any practice's list: a value this large is a typo (an extra digit or a pasted total). */
const MAX_NUMBER = 10_000_000;

export type RowValues = Record<PracticeField, string>;

export function emptyRow(): RowValues {
  return { name: "", odsCode: "", registered: "", weighted: "", adjusted: "", beds: "" };
}

export function rowFromPractice(p: PracticeInput): RowValues {
  const s = (v: unknown) => (v === undefined || v === null ? "" : String(v));
  return { name: s(p.name), odsCode: s(p.odsCode), registered: s(p.registered), weighted: s(p.weighted), adjusted: s(p.adjusted), beds: s(p.beds) };
}

/** Parses one numeric field. Accepts thousands separators ("12,345"); refuses text, negatives, and fractions where whole numbers are meant. */
export function parseNumber(raw: string, spec: FieldSpec): { value?: number; error?: string } {
  const s = raw.trim();
  if (s === "") return {};
  const compact = s.replace(/(\d)[,\s](?=\d{3}(?!\d))/g, "$1");
  if (!/^[-+−]?(\d+(\.\d*)?|\.\d+)$/.test(compact)) {
    return { error: `${spec.label} must be a number, like ${spec.integer ? "12,345" : "12,345.6"}.` };
  }
  const value = Number(compact.replace("−", "-"));
  if (!Number.isFinite(value)) return { error: `${spec.label} must be a number.` };
  if (value < 0 || /^[-−]/.test(compact)) return { error: `${spec.label} cannot be negative.` };
  if (spec.integer && !Number.isInteger(value)) return { error: `${spec.label} must be a whole number.` };
  if (value > MAX_NUMBER) return { error: `${spec.label} looks too large: check for an extra digit.` };
  return { value };
}

export function validateField(key: PracticeField, values: RowValues): string | undefined {
  const spec = PRACTICE_FIELDS.find((f) => f.key === key)!;
  const raw = values[key] ?? "";
  if (spec.numeric) return parseNumber(raw, spec).error;
  if (key === "name") {
    const others = PRACTICE_FIELDS.some((f) => f.key !== "name" && (values[f.key] ?? "").trim() !== "");
    if (raw.trim() === "" && others) return "Enter the practice name, or remove this practice.";
    if (raw.trim().length > 200) return "Practice name is too long (200 characters at most).";
    return undefined;
  }
  if (key === "odsCode") {
    const s = raw.trim();
    if (s !== "" && !/^[A-Za-z0-9]{3,10}$/.test(s)) return "ODS code must be letters and digits only, like A81001.";
  }
  return undefined;
}

export interface RowCheck {
  /** Nothing typed: the row is ignored. */
  empty: boolean;
  errors: Partial<Record<PracticeField, string>>;
  practice?: PracticeInput;
}

export function validateRow(values: RowValues): RowCheck {
  const empty = PRACTICE_FIELDS.every((f) => (values[f.key] ?? "").trim() === "");
  if (empty) return { empty, errors: {} };
  const errors: Partial<Record<PracticeField, string>> = {};
  for (const f of PRACTICE_FIELDS) {
    const e = validateField(f.key, values);
    if (e) errors[f.key] = e;
  }
  if (Object.keys(errors).length > 0) return { empty, errors };
  const p: PracticeInput = { name: values.name.trim() };
  const ods = values.odsCode.trim().toUpperCase();
  if (ods) p.odsCode = ods;
  for (const f of PRACTICE_FIELDS) {
    if (!f.numeric) continue;
    const v = parseNumber(values[f.key], f).value;
    if (v !== undefined) (p as unknown as Record<string, number>)[f.key] = v;
  }
  return { empty, errors, practice: p };
}
