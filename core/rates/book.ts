import { fail } from "../errors";
import { todayIso } from "../funding/dates";
import type { Area, ArrsFigures, ArrsMaximum, ArrsRole, NiPeriod, Provenance, Rate, Revision, YearRates } from "./types";
import { AREA_KEYS } from "./types";
import { YEAR_FILES } from "./years/index";

/** Every shipped year, oldest first. A new year is one JSON file in ./years (then `npm run gen`). */
export const YEARS: readonly YearRates[] = [...YEAR_FILES].sort((a, b) => a.start.localeCompare(b.start));
export const YEAR_LABELS: readonly string[] = YEARS.map((y) => y.year);
export const NEWEST_YEAR: string = YEAR_LABELS[YEAR_LABELS.length - 1];

/** The financial-year label ("2025/26") of an ISO date: NHS years run 1 April to 31 March. */
export function fyLabelOfIso(iso: string): string {
  const [y, m] = iso.split("-").map(Number);
  const start = m >= 4 ? y : y - 1;
  return `${start}/${String((start + 1) % 100).padStart(2, "0")}`;
}

/** "1 April 2026" from "2026-04-01". */
export function longDate(iso: string): string {
  const [y, m, d] = iso.split("-").map(Number);
  const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  return `${d} ${months[m - 1]} ${y}`;
}
/** £69,410 or £78.41: written out so every host formats alike (Apps Script included). */
export function pounds(x: number): string {
  const [i, d] = Math.abs(x).toFixed(2).split(".");
  return `${x < 0 ? "-" : ""}£${i.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${d === "00" ? "" : "." + d}`;
}
/** "01/04/2026" from "2026-04-01", as the sheets show dates. */
export const shortDate = (iso: string) => iso.split("-").reverse().join("/");

export interface DefaultYear {
  year: string;
  /** Set when today's financial year is not shipped: a plain sentence saying which year is used instead. */
  note?: string;
}

/**
 * The year to use when none is given: the financial year `today` falls in when it is shipped, else the newest
 * shipped year, with a sentence saying so. One place decides it for the workbook command, the pane and every
 * custom function; `today` is passed in (or read from the injectable clock) so tests can pin it.
 */
export function defaultYear(today: string = todayIso()): DefaultYear {
  const fy = fyLabelOfIso(today);
  if (YEAR_LABELS.includes(fy)) return { year: fy };
  return {
    year: NEWEST_YEAR,
    note: `No rates are shipped for ${fy}, the financial year of today (${longDate(today)}): using ${NEWEST_YEAR}, the newest year shipped. Check for a newer version of PCN Toolkit, or load a rates file for ${fy}.`,
  };
}

/** "2025/26", "2025-26", "2025/2026", "25/26" all name the same year; a blank means the default year for today. */
export function normaliseYear(input: unknown, today?: string): string {
  if (input === null || input === undefined || input === "") return defaultYear(today).year;
  const s = String(input).trim();
  const m = /^(?:20)?(\d{2})\s*[/-]\s*(?:20)?(\d{2})$/.exec(s);
  if (m && (Number(m[1]) + 1) % 100 === Number(m[2])) return `20${m[1]}/${m[2]}`;
  return s;
}

/** The rates of a year; none given: the default year for `today`. */
export function getYear(input?: unknown, today?: string): YearRates {
  const label = normaliseYear(input, today);
  const y = YEARS.find((x) => x.year === label);
  if (!y) fail(`Unknown financial year "${String(input)}". Years available: ${YEAR_LABELS.join(", ")}.`);
  return y;
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

// ---- revisions ----

export function revisionOf(year: YearRates, id: string | undefined): Revision | undefined {
  return id === undefined ? undefined : (year.revisions ?? []).find((r) => r.id === id);
}

/** "August 2025 uplift ... (published 01/08/2025, backdated to 01/04/2025)". */
export function describeRevision(r: Revision): string {
  return `${r.label} (published ${shortDate(r.published)}, ${r.backdated ? `backdated to ${shortDate(r.from)}` : `from ${shortDate(r.from)}`})`;
}

// ---- ARRS roles ----

// Case, spaces, hyphens and brackets do not make another role: "Care Co-ordinator" is "care coordinator".
const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "");

/** Every role's name in a year, as the DES names it. */
export function roleNames(year: YearRates): string[] {
  return year.arrs.roles.map((r) => r.role);
}

export function findRole(year: YearRates, name: unknown): ArrsRole {
  const text = String(name ?? "").trim();
  const wanted = squash(text);
  const role = wanted ? year.arrs.roles.find((r) => squash(r.role) === wanted || r.aliases.some((a) => squash(a) === wanted)) : undefined;
  if (role) return role;
  // "Adult Mental Health Practitioner" names a family of roles with one maximum per band.
  const family = wanted.length > 3 ? year.arrs.roles.filter((r) => [r.role, ...r.aliases].some((n) => squash(n).startsWith(wanted) && /band/i.test(n))) : [];
  if (family.length > 1) fail(`"${text}" has one ARRS maximum per band in ${year.year}: name the band, as one of ${family.map((r) => r.role).join("; ")}.`);
  const local = year.arrs.rules?.commissionerApprovedRoles?.allowed
    ? " A role your commissioner approved is not in the rates book: add it with its agreed maximum on the ARRS Rates sheet."
    : "";
  fail(`Unknown ARRS role "${text}" for ${year.year}. Roles: ${roleNames(year).join("; ")}.${local}`);
}

const AREA_BY_NAME = new Map<string, Area>([
  ["national", "national"],
  ["outer london", "outerLondon"],
  ["outerlondon", "outerLondon"],
  ["inner london", "innerLondon"],
  ["innerlondon", "innerLondon"],
]);
export const AREA_LABELS = ["national", "outer london", "inner london"];
export const AREA_LABEL: Record<Area, string> = { national: "national", outerLondon: "outer London", innerLondon: "inner London" };

export function parseArea(input: unknown): Area {
  if (input === null || input === undefined || input === "") return "national";
  const a = AREA_BY_NAME.get(String(input).trim().toLowerCase().replace(/[-_]+/g, " ").replace(/\s+/g, " "));
  if (!a) fail(`Unknown area "${String(input)}". Use one of: ${AREA_LABELS.join(", ")}.`);
  return a;
}

/** The period (start date) of the year's ARRS maxima that covers an ISO date. */
export function periodOf(year: YearRates, iso: string): string {
  let current = year.arrs.periods[0];
  for (const p of year.arrs.periods) if (p <= iso) current = p;
  return current;
}

/** A role's maximum in one period and area, with how far to trust it (never fails for a known role). */
export interface MaximumInfo {
  role: ArrsRole;
  period: string;
  area: Area;
  /** The figure in force; null when unknown. */
  value: number | null;
  kind: Provenance | "unknown";
  /** For "same band": the role whose sourced figure it takes. */
  sameBandAs?: string;
  /** For "derived" / "estimated": the model and its assumption. */
  method?: string;
  confidence: ArrsFigures["confidence"];
  source: string;
  /** The period's entry (absent when the role has no maximum in that period). */
  entry?: ArrsMaximum;
  /** The revision that set the figure, if any. */
  revision?: Revision;
}

/** What the rates book holds for a role in a period and area: the figure and its provenance. */
export function maximumInfo(year: YearRates, role: ArrsRole, period: string, area: Area): MaximumInfo {
  const entry = Object.prototype.hasOwnProperty.call(role.maxima, period) ? role.maxima[period] : undefined;
  if (!entry) return { role, period, area, value: null, kind: "unknown", confidence: "unknown", source: year.arrs.unknownNote };
  const value = entry[area];
  const kind = value === null ? "unknown" : entry.kind[area];
  return {
    role, period, area, value, kind, entry,
    sameBandAs: kind === "same band" ? entry.sameBandAs : undefined,
    method: kind === "derived" || kind === "estimated" ? entry.method : undefined,
    confidence: kind === "unknown" ? "unknown" : kind === "derived" ? "medium" : kind === "estimated" ? "low" : entry.confidence,
    source: value === null ? year.arrs.unknownNote : entry.source,
    revision: revisionOf(year, entry.revision),
  };
}

/**
 * A role's maximum and its provenance per period of a year, for every area: what ARRS Rates shows and ARRS
 * Workforce carries. `roleMaxima(year, "Clinical Pharmacist")["2025-04-01"].outerLondon.kind` is "estimated".
 */
export function roleMaxima(year: YearRates, roleName: unknown): Record<string, Record<Area, MaximumInfo>> {
  const role = findRole(year, roleName);
  const out: Record<string, Record<Area, MaximumInfo>> = {};
  for (const p of year.arrs.periods) {
    out[p] = Object.fromEntries(AREA_KEYS.map((a) => [a, maximumInfo(year, role, p, a)])) as Record<Area, MaximumInfo>;
  }
  return out;
}

export interface RoleMaximum { value: number; role: ArrsRole; period: string; entry: ArrsMaximum; kind: Provenance }

/**
 * The maximum reimbursable amount per WTE per year for a role on a date, in an area, for a calculation: sourced,
 * same-band and derived figures are used; an estimated or unknown one fails with a sentence (giving the estimate).
 */
export function arrsMaximum(roleName: unknown, iso: string, area: Area = "national"): RoleMaximum {
  const year = yearOfDate(iso);
  const role = findRole(year, roleName);
  const period = periodOf(year, iso);
  const info = maximumInfo(year, role, period, area);
  const areaText = area === "national" ? "" : ` (${AREA_LABEL[area]})`;
  if (!info.entry) {
    const first = Object.keys(role.maxima).sort()[0];
    if (first && first > iso) fail(`${role.role} has no ARRS maximum before ${first} in ${year.year}.`);
  }
  if (info.value === null) fail(`The ARRS maximum for ${role.role}${areaText} on ${iso} is not known. ${year.arrs.unknownNote}`);
  if (info.kind === "estimated") {
    // The assumption in a clause: the method's first statement, without its label.
    const assumption = (info.method ?? "").replace(/^Estimated, not sourced:\s*/, "").split(/[;.]\s/)[0];
    // The essentials first: Excel shows at most 255 characters of a custom function's error.
    fail(`The ARRS maximum for ${role.role}${areaText} on ${iso} is not published in our sources: ${pounds(info.value)} is an estimate, not a sourced figure${assumption ? ` (${assumption})` : ""}. ${year.arrs.unknownNote}`);
  }
  return { value: info.value, role, period, entry: info.entry!, kind: info.kind as Provenance };
}

export function niPeriod(iso: string): NiPeriod {
  const year = yearOfDate(iso);
  const p = year.employerNi.find((x) => x.from <= iso && iso <= x.to);
  if (!p) fail(`No employer National Insurance rate is known for ${iso}.`);
  return p;
}
