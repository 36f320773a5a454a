/**
 * The workbook: which sheets, in which order, from which data, into the plan every host applies.
 */
import { PcnError } from "../errors";
import { defaultYear, getYear, YEAR_LABELS } from "../rates/book";
import { todayIso as clockToday } from "../funding/dates";
// Types only: the hosts never load the validator (zod); the offline command validates files before building.
import type { NetworkData, PracticeInput } from "./data";
import { finalRecords, readMeta, refuseOtherYear, resolveNames, runEngine, META_SHEET, type WorkbookMeta } from "./engine";
import type { WorkbookSnapshot, WritePlan } from "./plan";
import type { Finding } from "./register";
import type { YearRates } from "../rates/types";
import { sampleNetwork } from "./sample";
import type { SheetSpec } from "./spec";
import { aboutSpec } from "./sheets/about";
import { arrsSpec, arrsSummarySpec, sharesSpec } from "./sheets/arrs";
import { budgetSpec, budgetSummarySpec } from "./sheets/budget";
import type { SpecCtx } from "./sheets/common";
import { fundingSpec, practicesSpec } from "./sheets/funding";
import { arrsRatesSpec, ratesBookSpec, ratesSpec } from "./sheets/rates";
import { fillFromBook } from "./ratesPlan";
import { gpClaimsSpec, gpSchemeSpec, gpSummarySpec } from "./sheets/gpScheme";
import { hasGpScheme } from "../funding/gpScheme";
import { iifSpec } from "./sheets/iif";
import { kpiChartsSpec, kpisSpec } from "./sheets/kpis";
import { partnershipsSpec, summarySpec } from "./sheets/partnerships";
import { isoToSerial } from "./plan";
import { computeFindings } from "./compute";

export interface BuildOptions {
  /**
   * Financial year label. Left out: the year the workbook was built for, else the financial year of `today` (the
   * newest shipped year, with a note, when that one is not shipped). A workbook built for one year refuses another.
   */
  year?: string;
  /** Sheet keys to build or refresh; default all. */
  sheets?: string[];
  /** Practices from the pane: merged into the Funding sheet (they are what a person confirmed). */
  practices?: PracticeInput[];
  /** Network data (CLI --data, already checked with validateNetwork) used to fill new rows. */
  data?: NetworkData;
  /** Fill with the fictional sample network. */
  sample?: boolean;
  /** Today's date (ISO) for date-dependent content; default the real today. */
  today?: string;
}

/** Sheets in workbook order; `when` limits a sheet to the years that have it. */
export const SHEETS: { key: string; title: string; hidden?: boolean; when?: (y: YearRates) => boolean }[] = [
  { key: "about", title: "About" },
  { key: "partnerships", title: "Partnerships" },
  { key: "summary", title: "Register Summary" },
  { key: "practices", title: "Practices" },
  { key: "funding", title: "Funding" },
  { key: "rates", title: "Rates" },
  { key: "arrsRates", title: "ARRS Rates" },
  { key: "arrs", title: "ARRS Workforce" },
  { key: "arrsSummary", title: "ARRS Summary" },
  { key: "arrsShares", title: "ARRS Shares" },
  { key: "gpScheme", title: "GP Scheme", when: hasGpScheme },
  { key: "gpClaims", title: "GP Scheme Claims", when: hasGpScheme },
  { key: "gpSummary", title: "GP Scheme Summary", when: hasGpScheme },
  { key: "iif", title: "IIF" },
  { key: "budget", title: "Budget" },
  { key: "budgetSummary", title: "Budget Summary" },
  { key: "kpis", title: "KPIs" },
  { key: "kpiCharts", title: "KPI Charts" },
  // Hidden: what this version's rates book ships, for the Rates and ARRS Rates formulas (rebuilt with them).
  { key: "_ratesBook", title: "PCN Rates Book", hidden: true },
];

/** The sheets of a year's workbook, the hidden ones included (default: the default year's). */
export function sheetsFor(year?: string): { key: string; title: string; hidden?: boolean }[] {
  const y = getYear(year);
  return SHEETS.filter((s) => !s.when || s.when(y)).map(({ key, title, hidden }) => ({ key, title, hidden }));
}

/** The sheets a person can choose to build for a year (the hidden rates book comes with Rates and ARRS Rates). */
export function sheetCatalogue(year?: string): { key: string; title: string }[] {
  return sheetsFor(year).filter((s) => !s.hidden).map(({ key, title }) => ({ key, title }));
}

/** What each sheet's formulas, names or dropdowns need from other sheets. */
const NEEDS: Record<string, string[]> = {
  summary: ["partnerships"],
  practices: ["funding"],
  funding: ["practices", "rates"],
  arrs: ["practices", "rates", "arrsRates", "arrsShares"],
  arrsSummary: ["arrs", "funding"],
  arrsShares: ["arrs", "practices"],
  budget: ["budgetSummary"],
  budgetSummary: ["budget"],
  kpis: ["partnerships"],
  kpiCharts: ["kpis"],
  iif: ["rates"],
  rates: ["_ratesBook"],
  arrsRates: ["_ratesBook"],
  gpScheme: ["practices", "rates", "gpClaims"],
  gpClaims: ["practices", "rates", "gpScheme"],
  gpSummary: ["gpScheme", "gpClaims", "rates"],
};

const todayIso = () => clockToday();

/** Every sheet spec for a workbook, with names resolved against what the workbook holds. */
export function workbookSpecs(snapshot: WorkbookSnapshot, opts: BuildOptions, warnings: string[] = []): { specs: SheetSpec[]; year: string; data?: NetworkData; meta: WorkbookMeta; yearNote?: string } {
  const meta = readMeta(snapshot);
  // A workbook keeps its year; a new one takes today's financial year (or the newest shipped, said plainly).
  const fallback = defaultYear(opts.today ?? todayIso());
  let data: NetworkData | undefined;
  if (opts.data !== undefined) data = opts.data;
  else if (opts.sample) data = sampleNetwork(getYear(opts.year || meta.year || fallback.year).year, opts.today ?? todayIso());
  const chosen = opts.year || data?.year || meta.year;
  const year = getYear(chosen || fallback.year);
  const yearNote = chosen ? undefined : fallback.note;
  refuseOtherYear(meta, year.year);
  // Header rows do not depend on sheet names: a first pass with default names gives them, for adopting sheets.
  const probe: SpecCtx = { year, sheetName: (k) => SHEETS.find((s) => s.key === k)!.title, data, kpiMonths: data?.kpiMonths ?? kpiMonthsOf(snapshot, meta) ?? 12, yearNote };
  // A table is recognised by its header row, a report sheet by its title cell.
  const probes = [
    aboutSpec(probe), partnershipsSpec(probe, 0), summarySpec(probe, 0), practicesSpec(probe), fundingSpec(probe), ratesSpec(probe), arrsRatesSpec(probe),
    arrsSpec(probe), arrsSummarySpec(probe), sharesSpec(probe), gpSchemeSpec(probe), gpClaimsSpec(probe), gpSummarySpec(probe), iifSpec(probe), budgetSpec(probe), budgetSummarySpec(probe), kpisSpec(probe), kpiChartsSpec(probe, []),
    ratesBookSpec(probe),
  ].filter((x): x is SheetSpec => x !== null);
  const resolved = resolveNames(
    sheetsFor(year.year).map((s) => {
      const p = probes.find((x) => x.key === s.key)!;
      const title = p.reports?.[0]?.rows[0]?.[0]?.cell;
      return p.table
        ? { key: s.key, name: s.title, title: s.title, keys: p.table.columns.map((c) => c.key), headers: p.table.columns.map((c) => c.header) }
        : { key: s.key, name: s.title, title: s.title, keys: [], headers: typeof title === "string" ? [title] : undefined };
    }),
    snapshot, meta, warnings,
  );
  const ctx: SpecCtx = {
    year,
    sheetName: (k) => resolved.get(k)!.name,
    data,
    pcnName: data?.pcn.name ?? meta.pcn,
    kpiMonths: probe.kpiMonths,
    yearNote,
  };
  const today = isoToSerial(opts.today ?? todayIso());
  const practicesFromPane = (opts.practices ?? []).filter((p) => p.name && p.name.trim());
  const practices = practicesSpec(ctx);
  if (practicesFromPane.length) {
    // What a person confirmed in the pane wins over the sheet; sample or file data never does.
    practices.rowsWin = true;
    practices.rows = practicesFromPane.map((p) => ({
      name: p.name.trim(), odsCode: p.odsCode ?? null, registered: p.registered ?? null, weighted: p.weighted ?? null, adjusted: p.adjusted ?? null, beds: p.beds ?? null, customWeight: null,
    }));
  } else if (!data) practices.rows = [];
  const kpis = kpisSpec(ctx);
  const kpiSnap = resolved.get("kpis")!.ours ? snapshot.sheets.find((s) => s.name === kpis.name) : undefined;
  const kpiRecords = finalRecords(kpis, kpiSnap).map((r) => ({ row: (r.__row as number) - 1, measure: String(r.measure ?? r.ref ?? "KPI") }));
  const specs: SheetSpec[] = [
    aboutSpec(ctx), partnershipsSpec(ctx, today), summarySpec(ctx, today), practices, fundingSpec(ctx), ratesSpec(ctx), arrsRatesSpec(ctx),
    arrsSpec(ctx), arrsSummarySpec(ctx), sharesSpec(ctx), gpSchemeSpec(ctx), gpClaimsSpec(ctx), gpSummarySpec(ctx), iifSpec(ctx), budgetSpec(ctx), budgetSummarySpec(ctx), kpis, kpiChartsSpec(ctx, kpiRecords),
    ratesBookSpec(ctx),
  ].filter((x): x is SheetSpec => x !== null);
  // The sample only fills sheets being made; a person's own --data merges by reference.
  if (opts.sample && opts.data === undefined) for (const sp of specs) sp.seedOnly = true;
  return { specs, year: year.year, data, meta, yearNote };
}

function kpiMonthsOf(snapshot: WorkbookSnapshot, meta: ReturnType<typeof readMeta>): number | undefined {
  const m = meta.sheets.find((s) => s.key === "kpis");
  if (!m || !snapshot.sheets.some((s) => s.name.toLowerCase() === m.name.toLowerCase())) return undefined;
  const n = m.layout.filter((k) => /^r\d+$/.test(k)).length;
  return n || undefined;
}

/** Turns specs + data + what the workbook already holds into the write plan every host applies. Throws PcnError with a sentence on refusal. */
export function buildPlan(snapshot: WorkbookSnapshot, opts: BuildOptions = {}): WritePlan {
  const warnings: string[] = [];
  const { specs, year, data, meta, yearNote } = workbookSpecs(snapshot, opts, warnings);
  if (yearNote) warnings.push(yearNote);
  const unknownKeys = (opts.sheets ?? []).filter((k) => !SHEETS.some((s) => s.key === k));
  if (unknownKeys.length) throw new PcnError(`Unknown sheet ${unknownKeys.join(", ")}. Sheets: ${SHEETS.map((s) => s.key).join(", ")}.`);
  const notThisYear = (opts.sheets ?? []).filter((k) => !specs.some((s) => s.key === k));
  for (const k of notThisYear) warnings.push(`${SHEETS.find((s) => s.key === k)!.title} is not part of a ${year} workbook: not built.`);
  let only: Set<string> | undefined;
  if (opts.sheets && opts.sheets.length) {
    // Requested sheets, plus any sheet they need that the workbook does not have yet.
    const have = (k: string) => { const m = meta.sheets.find((x) => x.key === k); return !!m && snapshot.sheets.some((s) => s.name === m.name); };
    only = new Set(opts.sheets);
    // Populations confirmed in the pane always reach the Practices sheet.
    if ((opts.practices ?? []).some((p) => p.name && p.name.trim())) only.add("practices");
    for (let grew = true; grew; ) {
      grew = false;
      for (const k of [...only]) for (const d of NEEDS[k] ?? []) if (!only.has(d) && !have(d)) { only.add(d); grew = true; }
    }
    // The rates book is what the Rates and ARRS Rates formulas compare with: rebuilt whenever they are.
    if (only.has("rates") || only.has("arrsRates")) only.add("_ratesBook");
  }
  const { sheets, names } = runEngine({ year, pcn: data?.pcn.name, specs, only, snapshot }, meta, warnings);
  // Figures the rates book now has reach blank cells of existing Rates and ARRS Rates rows (typed ones are kept).
  fillFromBook(sheets, specs, snapshot, meta, warnings);
  return { year, sheets, names, warnings: [...new Set(warnings)] };
}

/** Year the workbook was built for (from the hidden meta sheet), the Practices sheet's practices, and the sheets built. */
export function readWorkbookState(snapshot: WorkbookSnapshot): { workbookYear?: string; practices: PracticeInput[]; built: string[] } {
  const meta = readMeta(snapshot);
  const built = meta.sheets.filter((m) => snapshot.sheets.some((s) => s.name === m.name)).map((m) => m.key);
  const f = meta.sheets.find((m) => m.key === "practices");
  const sheet = f && snapshot.sheets.find((s) => s.name === f.name);
  const practices: PracticeInput[] = [];
  if (sheet) {
    const at = (k: string) => f!.layout.indexOf(k);
    const numOr = (v: unknown) => (typeof v === "number" ? v : undefined);
    for (const row of sheet.values.slice(1)) {
      const name = row[at("name")];
      if (name === null || name === undefined || name === "") continue;
      practices.push({
        name: String(name), odsCode: row[at("odsCode")] ? String(row[at("odsCode")]) : undefined,
        registered: numOr(row[at("registered")]), weighted: numOr(row[at("weighted")]), adjusted: numOr(row[at("adjusted")]), beds: numOr(row[at("beds")]),
      });
    }
  }
  return { workbookYear: meta.year, practices, built };
}

/** What the pane shows of a workbook, whichever host read it (the host adds its own name). */
export function paneState(snapshot: WorkbookSnapshot, today: string = todayIso()) {
  const state = readWorkbookState(snapshot);
  const names = new Set(snapshot.sheets.map((s) => s.name));
  const fallback = defaultYear(today);
  return {
    workbookYear: state.workbookYear,
    years: [...YEAR_LABELS],
    defaultYear: state.workbookYear ?? fallback.year,
    /** Why the default is not today's financial year (only for a workbook not yet built for a year). */
    yearNote: state.workbookYear ? undefined : fallback.note,
    sheets: sheetCatalogue(state.workbookYear ?? fallback.year).map((s) => ({ key: s.key, title: s.title, exists: state.built.includes(s.key) || names.has(s.title) })),
    practices: state.practices,
  };
}

/** "Check register": notice dates within 90 days, overdue reviews, missing governance/contacts, ARRS headroom and underspend. */
export function checkRegister(snapshot: WorkbookSnapshot, today?: string): Finding[] {
  return computeFindings(snapshot, today ?? todayIso());
}

export { META_SHEET };
