import { fail } from "../errors";
import type { Area, ArrsMaximum, ArrsRole, NiPeriod, Rate, YearRates } from "./types";
import { YEAR_FILES } from "./years/index";

/** Every shipped year, oldest first. A new year is one JSON file in ./years (then `npm run gen`). */
export const YEARS: readonly YearRates[] = [...YEAR_FILES].sort((a, b) => a.start.localeCompare(b.start));
export const YEAR_LABELS: readonly string[] = YEARS.map((y) => y.year);
export const NEWEST_YEAR: string = YEAR_LABELS[YEAR_LABELS.length - 1];

/** "2025/26", "2025-26", "2025/2026", "25/26" all name the same year. */
export function normaliseYear(input: unknown): string {
  if (input === null || input === undefined || input === "") return NEWEST_YEAR;
  const s = String(input).trim();
  const m = /^(?:20)?(\d{2})\s*[/-]\s*(?:20)?(\d{2})$/.exec(s);
  if (m && (Number(m[1]) + 1) % 100 === Number(m[2])) return `20${m[1]}/${m[2]}`;
  return s;
}

export function getYear(input?: unknown): YearRates {
  const label = normaliseYear(input);
  const y = YEARS.find((x) => x.year === label);
  if (!y) fail(`Unknown financial year "${String(input)}". Years available: ${YEAR_LABELS.join(", ")}.`);
  return y;
}

/** The financial-year label ("2025/26") of an ISO date: NHS years run 1 April to 31 March. */
export function fyLabelOfIso(iso: string): string {
  const [y, m] = iso.split("-").map(Number);
  const start = m >= 4 ? y : y - 1;
  return `${start}/${String((start + 1) % 100).padStart(2, "0")}`;
}

export function yearOfDate(iso: string): YearRates {
  const label = fyLabelOfIso(iso);
  const y = YEARS.find((x) => x.year === label);
  if (!y) fail(`No rates shipped for ${iso} (financial year ${label}). Years available: ${YEAR_LABELS.join(", ")}.`);
  return y;
}

export function rateNames(year: YearRates): string[] {
  return Object.keys(year.rates);
}

/** "1 April 2026" from "2026-04-01". */
export function longDate(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  return `${d} ${months[m - 1]} ${y}`;
}

export function getRate(year: YearRates, name: string): Rate {
  const wanted = String(name).trim().toLowerCase();
  // Own keys only: a typed "constructor" or "toString" is an unknown rate, never an object's built-in.
  const gone = Object.keys(year.withdrawn ?? {}).find((k) => k.toLowerCase() === wanted);
  if (gone) {
    const w = year.withdrawn![gone];
    fail(`${w.label} was withdrawn from the Network Contract DES on ${longDate(w.from)}: there is no such payment in ${year.year}.${w.note ? " " + w.note : ""}`);
  }
  const key = Object.keys(year.rates).find((k) => k.toLowerCase() === wanted);
  if (!key) fail(`Unknown rate "${name}" for ${year.year}. Rates: ${rateNames(year).join(", ")}.`);
  return year.rates[key];
}

/** A rate's value, or a clear error saying it is not known (never a guess). */
export function rateValue(year: YearRates, name: string): number {
  const r = getRate(year, name);
  if (r.value === null) fail(`${r.label} for ${year.year} is not known: ${r.source}`);
  return r.value;
}

// ---- ARRS roles ----

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();

export function findRole(year: YearRates, name: unknown): ArrsRole {
  const wanted = squash(String(name ?? ""));
  const role = year.arrs.roles.find((r) => squash(r.role) === wanted || r.aliases.some((a) => squash(a) === wanted));
  if (!role) {
    fail(`Unknown ARRS role "${String(name ?? "")}" for ${year.year}. Roles: ${year.arrs.roles.map((r) => r.role).join(", ")}.`);
  }
  return role;
}

export const AREAS: Record<string, Area> = {
  national: "national",
  "outer london": "outerLondon",
  outerlondon: "outerLondon",
  "inner london": "innerLondon",
  innerlondon: "innerLondon",
};
export const AREA_LABELS = ["national", "outer london", "inner london"];

export function parseArea(input: unknown): Area {
  if (input === null || input === undefined || input === "") return "national";
  const a = AREAS[String(input).trim().toLowerCase().replace(/[-_]+/g, " ").replace(/\s+/g, " ")];
  if (!a) fail(`Unknown area "${String(input)}". Use one of: ${AREA_LABELS.join(", ")}.`);
  return a;
}

/** The period (start date) of the year's ARRS maxima that covers an ISO date. */
export function periodOf(year: YearRates, iso: string): string {
  let current = year.arrs.periods[0];
  for (const p of year.arrs.periods) if (p <= iso) current = p;
  return current;
}

export interface RoleMaximum { value: number; role: ArrsRole; period: string; entry: ArrsMaximum }

/** The maximum reimbursable amount per WTE per year for a role on a date, in an area. */
export function arrsMaximum(roleName: unknown, iso: string, area: Area = "national"): RoleMaximum {
  const year = yearOfDate(iso);
  const role = findRole(year, roleName);
  const period = periodOf(year, iso);
  const entry = role.maxima[period];
  const areaText = area === "national" ? "" : area === "outerLondon" ? " (outer London)" : " (inner London)";
  if (!entry) {
    const first = Object.keys(role.maxima).sort()[0];
    if (first && first > iso) fail(`${role.role} has no ARRS maximum before ${first} in ${year.year}.`);
    fail(`The ARRS maximum for ${role.role}${areaText} on ${iso} is not known. ${year.arrs.unknownNote}`);
  }
  const value = entry[area];
  if (value === null) fail(`The ARRS maximum for ${role.role}${areaText} on ${iso} is not known. ${year.arrs.unknownNote}`);
  return { value, role, period, entry };
}

export function niPeriod(iso: string): NiPeriod {
  const year = yearOfDate(iso);
  const p = year.employerNi.find((x) => x.from <= iso && iso <= x.to);
  if (!p) fail(`No employer National Insurance rate is known for ${iso}.`);
  return p;
}
