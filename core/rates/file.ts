/**
 * A rates file a PCN, LMC or ICB can hand round (docs/rates-file.md): the rates book's own year-file format,
 * possibly partial. This checks one against the rates book for its year and says every problem in a sentence of
 * its own (with where in the file); a host writes nothing unless there are none. Hand-written, not zod, so it can
 * ship in the add-ins.
 */
import { findRole, getRate, normaliseYear, YEAR_LABELS, YEARS } from "./book";
import { AREA_KEYS, type Area, type Confidence, type YearRates } from "./types";

export const MAX_RATES_FILE_BYTES = 2_000_000;

export interface FileRate { key: string; value: number; source: string; confidence: Confidence; note?: string }
export interface FileMaximum { period: string; area: Area; value: number }
export interface FileRole {
  /** As written in the file. */
  name: string;
  /** The rates book's role it names, or undefined for a commissioner-approved role the book does not have. */
  role?: string;
  band?: string;
  maxima: FileMaximum[];
  source?: string;
  confidence?: Confidence;
  note?: string;
}
export interface RatesFile { year: string; rates: FileRate[]; roles: FileRole[]; ignored: string[] }

const TOP = ["year", "start", "end", "listSizeDate", "notes", "rates", "withdrawn", "revisions", "employerNi", "arrs", "iif", "description", "preparedBy"];
const RATE_FIELDS = ["label", "value", "unit", "basis", "paid", "payee", "source", "confidence", "note", "revision", "replaced"];
const ARRS_FIELDS = ["periods", "roles", "unknownNote", "rules"];
const ROLE_FIELDS = ["role", "band", "aliases", "mhp", "maxima", "commissionerApproved"];
const MAX_FIELDS = ["national", "outerLondon", "innerLondon", "kind", "sameBandAs", "method", "confidence", "source", "note", "revision", "replaced"];
const NI_FIELDS = ["from", "to", "rate", "thresholdAnnual", "source", "confidence"];
const CONFIDENCES = ["high", "medium", "low"];
const KINDS = ["sourced", "same band", "derived", "estimated", "unknown"];
const ISO = /^\d{4}-\d{2}-\d{2}$/;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const own = (o: Record<string, unknown>, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const show = (v: unknown) => (typeof v === "string" ? `"${v.length > 40 ? v.slice(0, 40) + "..." : v}"` : JSON.stringify(v) ?? String(v));

/** The closest of `options` to `s` (edit distance), when it is close enough to be a likely typo. */
function closest(s: string, options: readonly string[]): string | undefined {
  const d = (a: string, b: string) => {
    const m = a.length, n = b.length;
    const row = Array.from({ length: n + 1 }, (_, j) => j);
    for (let i = 1; i <= m; i++) {
      let prev = row[0];
      row[0] = i;
      for (let j = 1; j <= n; j++) {
        const t = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = t;
      }
    }
    return row[n];
  };
  let best: string | undefined;
  let bd = Infinity;
  for (const o of options) {
    const x = d(s.toLowerCase(), o.toLowerCase());
    if (x < bd) { bd = x; best = o; }
  }
  return best !== undefined && bd <= Math.max(2, Math.floor(s.length / 4)) ? best : undefined;
}
const didYouMean = (s: string, options: readonly string[]) => { const c = closest(s, options); return c ? ` Did you mean "${c}"?` : ""; };

/**
 * Checks a rates file. `workbookYear` is the year of the workbook it is for (undefined for a workbook not built
 * yet: then the file's own year is used). Returns the problems, one sentence each, and what the file sets.
 */
export function checkRatesFile(text: string, workbookYear?: string): { problems: string[]; file?: RatesFile } {
  const problems: string[] = [];
  if (text.length > MAX_RATES_FILE_BYTES) return { problems: [`The file is ${Math.round(text.length / 1000)} KB: a rates file is at most ${MAX_RATES_FILE_BYTES / 1_000_000} MB.`] };
  if (!text.trim()) return { problems: ["The file is empty: a rates file is JSON such as {\"year\": \"2026/27\", \"rates\": {...}}."] };
  let raw: unknown;
  try { raw = JSON.parse(text.replace(/^\uFEFF/, "")); } catch (e) {
    return { problems: [`The file is not valid JSON (${(e as Error).message}). A rates file is JSON such as {"year": "2026/27", "rates": {...}}.`] };
  }
  if (!isObj(raw)) return { problems: ["The file must be one JSON object with a \"year\" and the figures (\"rates\", \"arrs\"), not a list or a single value."] };

  for (const k of Object.keys(raw)) if (!TOP.includes(k)) problems.push(`Unknown field "${k}" at the top of the file.${didYouMean(k, TOP)} Fields: ${TOP.join(", ")}.`);

  // ---- the year
  let year: YearRates | undefined;
  if (!own(raw, "year")) problems.push(`The file has no "year": say which financial year its figures are for, e.g. "year": "${workbookYear ?? YEAR_LABELS[YEAR_LABELS.length - 1]}".`);
  else if (typeof raw.year !== "string") problems.push(`"year" must be text such as "2026/27", not ${show(raw.year)}.`);
  else {
    const label = normaliseYear(raw.year);
    year = YEARS.find((y) => y.year === label);
    if (!year) problems.push(`The file is for ${show(raw.year)}, which is not a year PCN Toolkit has a rates book for (${YEAR_LABELS.join(", ")}): figures can only be loaded into a workbook of one of those years.`);
    else if (workbookYear && workbookYear !== year.year) {
      problems.push(`The file is for ${year.year} but this workbook is for ${workbookYear}: a workbook belongs to one year. Load a ${workbookYear} file, or start a ${year.year} workbook.`);
    }
  }
  if (year) {
    for (const k of ["start", "end"] as const) {
      if (own(raw, k) && raw[k] !== year[k]) problems.push(`"${k}" is ${show(raw[k])}, but ${year.year} ${k === "start" ? "starts" : "ends"} on ${year[k]}.`);
    }
  }
  const ignored: string[] = [];
  if (own(raw, "iif")) ignored.push("IIF indicators (enter points and thresholds on the IIF sheet)");
  if (own(raw, "revisions") || own(raw, "withdrawn") || own(raw, "notes") || own(raw, "listSizeDate")) ignored.push("notes, revisions, withdrawn payments and the list-size date (they describe the rates book; only figures are loaded)");

  // ---- rates
  const rates: FileRate[] = [];
  if (own(raw, "rates")) {
    if (!isObj(raw.rates)) problems.push(`"rates" must be an object of rates by name, e.g. "rates": {"enhancedAccess": {"value": 8.6, ...}}, not ${show(raw.rates)}.`);
    else {
      for (const [key, entry] of Object.entries(raw.rates)) {
        const at = `rates.${key}`;
        if (!year) continue;
        let bookRate;
        const niKey = key === "employerNiRate" || key === "employerNiThreshold";
        try { bookRate = niKey ? undefined : getRate(year, key); } catch (e) {
          const msg = (e as Error).message;
          if (/withdrawn/.test(msg)) problems.push(`${at}: ${msg}`);
          else problems.push(`${at}: there is no rate "${key}" in ${year.year}.${didYouMean(key, Object.keys(year.rates))} Rates: ${Object.keys(year.rates).join(", ")}.`);
          continue;
        }
        if (!isObj(entry)) { problems.push(`${at} must be an object such as {"value": 8.6, "source": "...", "confidence": "high"}, not ${show(entry)}.`); continue; }
        for (const f of Object.keys(entry)) if (!RATE_FIELDS.includes(f)) problems.push(`${at}: unknown field "${f}".${didYouMean(f, RATE_FIELDS)} Fields: ${RATE_FIELDS.join(", ")}.`);
        const unit = bookRate?.unit ?? (key === "employerNiRate" ? "fraction of pay above the threshold" : "£ per year");
        for (const f of ["unit", "basis"] as const) {
          if (bookRate && own(entry, f) && entry[f] !== bookRate[f]) problems.push(`${at}.${f} is ${show(entry[f])}, but the rates book's ${key} is ${show(bookRate[f])}: a figure in another unit or basis would be misread. Convert it, or leave "${f}" out.`);
        }
        const v = entry.value;
        if (v === undefined || v === null) continue; // not known to the file: the cell is left as it is
        if (typeof v !== "number" || !Number.isFinite(v)) { problems.push(`${at}.value must be a number (or null when not known), not ${show(v)}.`); continue; }
        if (v < 0) { problems.push(`${at}.value is ${v}: a rate cannot be negative.`); continue; }
        if (/^fraction/.test(unit) && v > 1) { problems.push(`${at}.value is ${v}, but it is a fraction: write 14.38% as 0.1438.`); continue; }
        const src = entry.source;
        if (typeof src !== "string" || src.trim().length < 10) { problems.push(`${at}: a figure must say where it comes from: give "source" (the document, section or letter, at least 10 characters).`); continue; }
        const conf = entry.confidence;
        if (typeof conf !== "string" || !CONFIDENCES.includes(conf)) { problems.push(`${at}.confidence must be one of ${CONFIDENCES.join(", ")}, not ${show(conf)}.`); continue; }
        rates.push({ key, value: v, source: src.trim(), confidence: conf as Confidence, note: typeof entry.note === "string" ? entry.note : undefined });
      }
    }
  }

  // ---- employer NI (the period in force for most of the year reaches the Rates sheet)
  if (own(raw, "employerNi")) {
    if (!Array.isArray(raw.employerNi) || raw.employerNi.length === 0) problems.push(`"employerNi" must be a list of periods, e.g. [{"from": "2026-04-01", "to": "2027-03-31", "rate": 0.15, "thresholdAnnual": 5000, ...}].`);
    else {
      raw.employerNi.forEach((p, i) => {
        const at = `employerNi[${i}]`;
        if (!isObj(p)) { problems.push(`${at} must be an object with from, to, rate and thresholdAnnual.`); return; }
        for (const f of Object.keys(p)) if (!NI_FIELDS.includes(f)) problems.push(`${at}: unknown field "${f}".${didYouMean(f, NI_FIELDS)}`);
        if (typeof p.from !== "string" || !ISO.test(p.from) || typeof p.to !== "string" || !ISO.test(p.to) || p.from > p.to) problems.push(`${at}: "from" and "to" must be dates such as "2026-04-01", from before to.`);
        else if (year && (p.to < year.start || p.from > year.end)) problems.push(`${at}: ${p.from} to ${p.to} is outside ${year.year} (${year.start} to ${year.end}).`);
        if (typeof p.rate !== "number" || !(p.rate > 0 && p.rate < 1)) problems.push(`${at}.rate must be a fraction between 0 and 1 (15% is 0.15), not ${show(p.rate)}.`);
        if (typeof p.thresholdAnnual !== "number" || p.thresholdAnnual < 0) problems.push(`${at}.thresholdAnnual must be pounds per year, 0 or more, not ${show(p.thresholdAnnual)}.`);
        if (typeof p.source !== "string" || p.source.trim().length < 10) problems.push(`${at}: give the "source" of the NI figures.`);
        if (typeof p.confidence !== "string" || !CONFIDENCES.includes(p.confidence)) problems.push(`${at}.confidence must be one of ${CONFIDENCES.join(", ")}.`);
      });
      const last = raw.employerNi[raw.employerNi.length - 1];
      if (year && isObj(last) && typeof last.rate === "number" && last.rate > 0 && last.rate < 1 && typeof last.thresholdAnnual === "number" && last.thresholdAnnual >= 0
        && typeof last.source === "string" && last.source.trim().length >= 10 && typeof last.confidence === "string" && CONFIDENCES.includes(last.confidence)) {
        rates.push({ key: "employerNiRate", value: last.rate, source: last.source.trim(), confidence: last.confidence as Confidence });
        rates.push({ key: "employerNiThreshold", value: last.thresholdAnnual, source: last.source.trim(), confidence: last.confidence as Confidence });
      }
    }
  }

  // ---- ARRS maxima
  const roles: FileRole[] = [];
  if (own(raw, "arrs")) {
    const arrs = raw.arrs;
    if (!isObj(arrs)) problems.push(`"arrs" must be an object with "roles", e.g. "arrs": {"roles": [{"role": "Clinical Pharmacist", "maxima": {...}}]}.`);
    else {
      for (const k of Object.keys(arrs)) if (!ARRS_FIELDS.includes(k)) problems.push(`arrs: unknown field "${k}".${didYouMean(k, ARRS_FIELDS)} Fields: ${ARRS_FIELDS.join(", ")}.`);
      if (year && own(arrs, "periods") && JSON.stringify(arrs.periods) !== JSON.stringify(year.arrs.periods)) {
        problems.push(`arrs.periods is ${show(arrs.periods)}, but ${year.year}'s ARRS maxima run from ${year.arrs.periods.join(" and ")}: key each maximum by one of those dates.`);
      }
      if (own(arrs, "roles") && !Array.isArray(arrs.roles)) problems.push(`arrs.roles must be a list of roles, not ${show(arrs.roles)}.`);
      const seen = new Map<string, number>();
      (Array.isArray(arrs.roles) ? arrs.roles : []).forEach((r, i) => {
        const at = `arrs.roles[${i}]`;
        if (!isObj(r)) { problems.push(`${at} must be an object such as {"role": "Clinical Pharmacist", "maxima": {"${year?.arrs.periods[0] ?? "2026-04-01"}": {"national": 71000, ...}}}.`); return; }
        for (const f of Object.keys(r)) if (!ROLE_FIELDS.includes(f)) problems.push(`${at}: unknown field "${f}".${didYouMean(f, ROLE_FIELDS)} Fields: ${ROLE_FIELDS.join(", ")}.`);
        if (typeof r.role !== "string" || !r.role.trim()) { problems.push(`${at} has no "role": name the role as the DES does, e.g. "Clinical Pharmacist".`); return; }
        const name = r.role.trim();
        if (!year) return;
        let canonical: string | undefined;
        try { canonical = findRole(year, name).role; } catch (e) {
          const msg = (e as Error).message;
          if (/one ARRS maximum per band/.test(msg)) { problems.push(`${at}: ${msg}`); return; }
          if (r.commissionerApproved !== true) {
            problems.push(`${at}: ${msg}${year.arrs.rules?.commissionerApprovedRoles?.allowed ? ' To add a role your commissioner approved, set "commissionerApproved": true and give its "band".' : ""}`);
            return;
          }
          if (!year.arrs.rules?.commissionerApprovedRoles?.allowed) { problems.push(`${at}: "${name}" is not a DES role for ${year.year}, and our sources do not say commissioners could approve other roles that year.`); return; }
          if (typeof r.band !== "string" || !r.band.trim()) { problems.push(`${at}: a commissioner-approved role needs its Agenda for Change "band" (or "n/a").`); return; }
        }
        const id = (canonical ?? name).toLowerCase();
        if (seen.has(id)) { problems.push(`${at}: "${name}" is already in the file at arrs.roles[${seen.get(id)}]: give each role once.`); return; }
        seen.set(id, i);
        const role: FileRole = { name, role: canonical, band: typeof r.band === "string" ? r.band.trim() : undefined, maxima: [] };
        if (!own(r, "maxima")) { if (!canonical) problems.push(`${at}: a new role needs its agreed "maxima".`); roles.push(role); return; }
        if (!isObj(r.maxima)) { problems.push(`${at}.maxima must be an object keyed by period start date, e.g. {"${year.arrs.periods[0]}": {"national": 71000}}.`); return; }
        for (const [period, m] of Object.entries(r.maxima)) {
          const pat = `${at}.maxima["${period}"]`;
          if (!year.arrs.periods.includes(period)) { problems.push(`${pat}: "${period}" is not a ${year.year} ARRS period; the periods start ${year.arrs.periods.join(" and ")}.`); continue; }
          if (!isObj(m)) { problems.push(`${pat} must be an object such as {"national": 71000, "source": "...", "confidence": "high"}.`); continue; }
          for (const f of Object.keys(m)) if (!MAX_FIELDS.includes(f)) problems.push(`${pat}: unknown field "${f}".${didYouMean(f, MAX_FIELDS)} Areas: national, outerLondon, innerLondon.`);
          if (own(m, "kind") && !(isObj(m.kind) && Object.values(m.kind).every((k) => typeof k === "string" && KINDS.includes(k)))) {
            problems.push(`${pat}.kind must give each area one of ${KINDS.join(", ")}, e.g. {"national": "sourced"}.`);
          }
          let any = false;
          for (const a of AREA_KEYS) {
            const v = m[a];
            if (v === undefined || v === null) continue;
            if (typeof v !== "number" || !Number.isFinite(v)) { problems.push(`${pat}.${a} must be a number of pounds per WTE per year, not ${show(v)}.`); continue; }
            if (v < 1000 || v > 500000) { problems.push(`${pat}.${a} is ${v}: an ARRS maximum is pounds per WTE per year (between £1,000 and £500,000), e.g. 71725.`); continue; }
            role.maxima.push({ period, area: a, value: v });
            any = true;
          }
          if (any) {
            if (typeof m.source !== "string" || m.source.trim().length < 10) problems.push(`${pat}: the maxima must say where they come from: give "source" (the DES table, portal notice or ICB letter).`);
            else role.source = m.source.trim();
            if (typeof m.confidence !== "string" || !CONFIDENCES.includes(m.confidence)) problems.push(`${pat}.confidence must be one of ${CONFIDENCES.join(", ")}, not ${show(m.confidence)}.`);
            else role.confidence = m.confidence as Confidence;
            if (typeof m.note === "string") role.note = m.note;
          }
        }
        if (!canonical && role.maxima.length === 0) problems.push(`${at}: a new role needs at least one agreed maximum.`);
        roles.push(role);
      });
    }
  }

  if (!problems.length && year && rates.length === 0 && roles.every((r) => r.maxima.length === 0 && r.role)) {
    problems.push(`The file names no figure for ${year.year}: give "rates" (with a value, source and confidence each) or "arrs" maxima. Figures given as null are treated as not known and change nothing.`);
  }
  return problems.length || !year ? { problems } : { problems, file: { year: year.year, rates, roles, ignored } };
}
