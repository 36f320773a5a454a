/**
 * The workbook: which sheets, in which order, from which data, into the plan every host applies.
 */
import { PcnError } from "../errors";
import { defaultYear, getYear, YEAR_LABELS } from "../rates/book";
import { todayIso as clockToday } from "../funding/dates";
// Types only: the hosts never load the validator (zod); the offline command validates files before building.
import type { NetworkData, PracticeInput } from "./data";
import { addAppendRows, appendHolds, finalRecords, readMeta, refuseOtherYear, resolveNames, runEngine, scanTable, META_SHEET, type WorkbookMeta } from "./engine";
import type { WorkbookSnapshot, WritePlan } from "./plan";
import type { Finding } from "./register";
import type { YearRates } from "../rates/types";
import { sampleNetwork } from "./sample";
import { hasOwn, type SheetSpec } from "./spec";
import { aboutSpec } from "./sheets/about";
import { arrsSpec, arrsSummarySpec, sharesSpec } from "./sheets/arrs";
import { budgetSpec, budgetSummarySpec } from "./sheets/budget";
import type { SpecCtx } from "./sheets/common";
import { fundingSpec, practicesSpec } from "./sheets/funding";
import { arrsRatesSpec, ratesBookSpec, ratesSpec } from "./sheets/rates";
import { fillFromBook } from "./ratesPlan";
import { gpClaimsSpec, gpSchemeSpec, gpSummarySpec } from "./sheets/gpScheme";
import { hasGpScheme } from "../funding/gpScheme";
import { iifPracticesSpec, iifSpec } from "./sheets/iif";
import { distributionSpec } from "./sheets/distribution";
import { distCostsSpec, distKeysSpec } from "./sheets/distributionInputs";
import { distSummarySpec } from "./sheets/distributionSummary";
import { KPI_KNOWN_COLUMNS, kpiChartsSpec, kpiLayout, kpisSpec, type KpiChartRow } from "./sheets/kpis";
import { spcLimits } from "../spc";
import { partnershipsSpec, summarySpec } from "./sheets/partnerships";
import { isoToSerial } from "./plan";
import { computeFindings } from "./compute";
import { statementState } from "./statement";
import { agreementSpec } from "./sheets/agreement";
import { boardSpec } from "./sheets/board";
import { keyDatesSpec } from "./sheets/keyDates";
import { maturitySpec } from "./sheets/maturity";
import { actionsSpec, meetingsSpec } from "./sheets/meetings";
import { prioritiesSpec, successesSpec } from "./sheets/priorities";
import { journalRow, journalSpec, localStamp, type JournalEntry, type JournalInput } from "./sheets/journal";
import { clock } from "../funding/dates";

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
  /**
   * Fill with the fictional sample network. It goes only into a new workbook (which is then marked as the
   * sample), and later only into sheets of that sample workbook that were never built; an existing workbook of
   * the person's never gets it (a warning says so).
   */
  sample?: boolean;
  /** Today's date (ISO) for date-dependent content; default the real today. */
  today?: string;
  /** What the host tells the change journal (its name, who, when): every build adds one entry. */
  journal?: JournalInput;
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
  // Money to practices (#12): streams, the PCN's costs, agreed keys, the summary and year end.
  { key: "iifPractices", title: "IIF by Practice" },
  { key: "distribution", title: "Distribution" },
  { key: "distCosts", title: "Distribution Costs" },
  { key: "distKeys", title: "Distribution Keys" },
  { key: "distSummary", title: "Distribution Summary" },
  { key: "budget", title: "Budget" },
  { key: "budgetSummary", title: "Budget Summary" },
  { key: "kpis", title: "KPIs" },
  { key: "kpiCharts", title: "KPI Charts" },
  // Building the network (issue #11).
  { key: "keyDates", title: "Key Dates" },
  { key: "board", title: "Board" },
  { key: "agreement", title: "Network Agreement" },
  { key: "maturity", title: "Maturity" },
  { key: "priorities", title: "Priorities" },
  { key: "meetings", title: "Meetings" },
  { key: "actions", title: "Meeting Actions" },
  { key: "successes", title: "Successes" },
  { key: "journal", title: "Change Journal" },
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
  partnerships: ["summary"],
  summary: ["partnerships"],
  practices: ["funding"],
  funding: ["practices", "rates"],
  arrs: ["practices", "rates", "arrsRates", "arrsShares"],
  arrsSummary: ["arrs", "funding"],
  arrsShares: ["arrs", "practices"],
  budget: ["budgetSummary"],
  budgetSummary: ["budget"],
  kpis: ["partnerships", "kpiCharts"],
  kpiCharts: ["kpis"],
  iif: ["rates"],
  rates: ["_ratesBook"],
  arrsRates: ["_ratesBook"],
  gpScheme: ["practices", "rates", "gpClaims"],
  gpClaims: ["practices", "rates", "gpScheme"],
  gpSummary: ["gpScheme", "gpClaims", "rates"],
  iifPractices: ["iif", "practices"],
  distribution: ["practices", "funding", "arrs", "arrsShares", "iif", "iifPractices", "distCosts", "distKeys", "distSummary"],
  distCosts: ["distribution"],
  distKeys: ["practices"],
  distSummary: ["distribution", "distCosts", "distKeys", "funding", "arrs", "iif", "iifPractices", "practices", "arrsShares"],
  keyDates: ["summary", "partnerships", "arrs", "agreement", "priorities", "meetings", "actions"],
  board: ["practices"],
  agreement: ["summary"],
  priorities: ["summary", "meetings"],
  meetings: ["actions"],
  actions: ["summary", "meetings"],
  successes: ["priorities"],
};
const needsOf = (k: string) => (hasOwn(NEEDS, k) ? NEEDS[k] : []);

/** Sheets whose records a data file (--data) owns. */
const DATA_SHEETS = new Set(["practices", "partnerships", "arrs", "arrsShares", "budget", "kpis", "iif", "gpScheme", "gpClaims", "iifPractices", "distribution", "distCosts", "distKeys", "board", "maturity", "priorities", "meetings", "actions", "successes"]);

const todayIso = () => clockToday();

/** All the sheet specs of a workbook, for one context. */
function allSpecs(ctx: SpecCtx, today: number, kpiRows: KpiChartRow[]): SheetSpec[] {
  return [
    aboutSpec(ctx), partnershipsSpec(ctx, today), summarySpec(ctx, today), practicesSpec(ctx), fundingSpec(ctx), ratesSpec(ctx), arrsRatesSpec(ctx),
    arrsSpec(ctx), arrsSummarySpec(ctx), sharesSpec(ctx), gpSchemeSpec(ctx), gpClaimsSpec(ctx), gpSummarySpec(ctx), iifSpec(ctx),
    iifPracticesSpec(ctx), distributionSpec(ctx), distCostsSpec(ctx), distKeysSpec(ctx), distSummarySpec(ctx), budgetSpec(ctx), budgetSummarySpec(ctx), kpisSpec(ctx), kpiChartsSpec(ctx, kpiRows),
    keyDatesSpec(ctx), boardSpec(ctx), agreementSpec(ctx, today), maturitySpec(ctx), prioritiesSpec(ctx, today), meetingsSpec(ctx), actionsSpec(ctx, today), successesSpec(ctx), journalSpec(ctx),
    ratesBookSpec(ctx),
  ].filter((x): x is SheetSpec => x !== null);
}

export interface WorkbookSpecs {
  specs: SheetSpec[];
  year: string;
  data?: NetworkData;
  meta: WorkbookMeta;
  /** The workbook is (or becomes with this build) the fictional sample. */
  sample: boolean;
  /** The workbook holds nothing of ours yet. */
  fresh: boolean;
  pcn?: string;
  icb?: string;
  /** Said when the year was not chosen and today's financial year is not shipped. */
  yearNote?: string;
}

/** Data into the sample workbook: refused (said before any check of the data, which may be for another year). */
export const SAMPLE_REFUSAL = "This workbook holds the fictional sample network: building your data into it would mix your records with made-up ones. Build your data into a new workbook (with the offline command, give a new --out file).";

/** Every sheet spec for a workbook, with names resolved against what the workbook holds. */
export function workbookSpecs(snapshot: WorkbookSnapshot, opts: BuildOptions, warnings: string[] = []): WorkbookSpecs {
  const meta = readMeta(snapshot);
  // A workbook keeps its year; a new one takes today's financial year (or the newest shipped, said plainly).
  const fallback = defaultYear(opts.today ?? todayIso());
  const chosen = opts.year || opts.data?.year || meta.year;
  const year = getYear(chosen || fallback.year);
  const yearNote = chosen ? undefined : fallback.note;
  refuseOtherYear(meta, year.year);
  // Header rows do not depend on sheet names: a first pass with default names (and as many KPI months as a
  // workbook can have) gives them, for finding sheets that were renamed or whose meta sheet was lost.
  const probe: SpecCtx = { year, sheetName: (k) => SHEETS.find((s) => s.key === k)!.title, kpiMonths: 60 };
  const probes = allSpecs(probe, 0, []);
  const resolved = resolveNames(
    sheetsFor(year.year).map((s) => {
      const p = probes.find((x) => x.key === s.key)!;
      const title = p.reports?.[0]?.rows[0]?.[0]?.cell;
      return p.table
        ? { key: s.key, name: s.title, title: s.title, keys: p.table.columns.map((c) => c.key), headers: p.table.columns.map((c) => c.header), minHeaders: s.key === "kpis" ? KPI_KNOWN_COLUMNS : undefined }
        : p.append
          ? { key: s.key, name: s.title, title: s.title, keys: [], headers: p.append.header }
          : { key: s.key, name: s.title, title: s.title, keys: [], headers: typeof title === "string" ? [title] : undefined };
    }),
    snapshot, meta, warnings,
  );
  const fresh = !meta.found && ![...resolved.values()].some((r) => r.ours);
  // The sample goes only into a new workbook, and later only into sheets of that sample workbook never built.
  const sample = meta.sample === true || (fresh && !!opts.sample && opts.data === undefined);
  if (opts.data !== undefined && meta.sample) {
    throw new PcnError(SAMPLE_REFUSAL);
  }
  if (opts.sample && opts.data === undefined && !sample) warnings.push("The sample network only goes into a new workbook: this one already holds your PCN Toolkit sheets, so no sample records were added.");
  const everBuilt = (k: string) => meta.sheets.some((m) => m.key === k);
  // Only sheets never built take the sample: none left, no sample to make.
  const sampleData = sample && opts.sample && opts.data === undefined && sheetsFor(year.year).some((s) => !everBuilt(s.key)) ? sampleNetwork(year.year, opts.today ?? todayIso()) : undefined;
  const data = opts.data;
  const kpiMeta = meta.sheets.find((m) => m.key === "kpis");
  const remembered = kpiMeta && resolved.get("kpis")!.ours ? kpiMeta.layout.filter((k) => /^r\d+$/.test(k)).length : 0;
  const kpiMonths = data?.kpiMonths ?? (remembered >= 1 && remembered <= 60 ? remembered : undefined) ?? sampleData?.kpiMonths ?? 12;
  // Months before the year (SPC's baseline): a sheet without them gets a year's worth.
  const earlier = kpiMeta && resolved.get("kpis")!.ours ? kpiMeta.layout.filter((k) => /^h\d+$/.test(k)).length : 0;
  const kpiEarlierMonths = data?.kpiEarlierMonths ?? (earlier >= 1 && earlier <= 48 ? earlier : undefined) ?? sampleData?.kpiEarlierMonths;
  const sheetName = (k: string) => resolved.get(k)!.name;
  const pcn = data?.pcn.name ?? meta.pcn ?? sampleData?.pcn.name;
  const icb = (data?.pcn.icb || undefined) ?? meta.icb ?? (sampleData?.pcn.icb || undefined);
  const ctx: SpecCtx = { year, sheetName, data, pcnName: pcn, icb, kpiMonths, kpiEarlierMonths, sample, yearNote };
  const ctxSample: SpecCtx | undefined = sampleData && { ...ctx, data: sampleData };
  const practicesFromPane = (opts.practices ?? []).filter((p) => p.name && p.name.trim());
  // The Distribution sheets have a column (or a row) for each practice as the Practices sheet holds them after this build.
  ctx.practiceNames = practiceNamesAfter(ctxSample && !everBuilt("practices") ? ctxSample : ctx, practicesFromPane, resolved.get("practices")!.ours ? snapshot : undefined, meta);
  if (ctxSample) ctxSample.practiceNames = ctx.practiceNames;
  const today = isoToSerial(opts.today ?? todayIso());
  // KPI charts follow the KPI records as they will sit after this build.
  const kpiCtx = ctxSample && !everBuilt("kpis") ? ctxSample : ctx;
  const kpiProbe = kpisSpec(kpiCtx);
  const kpiSnap = resolved.get("kpis")!.ours ? snapshot.sheets.find((s) => s.name === kpiProbe.name) : undefined;
  const kpiReadings = kpiLayout(kpiCtx).readings;
  const kpiRecords: KpiChartRow[] = finalRecords(kpiProbe, kpiSnap, kpiSnap ? kpiMeta?.layout ?? [] : [])
    .map((r) => ({
      row: (r.__row as number) - 1, ref: typeof r.ref === "string" ? r.ref : undefined, measure: String(r.measure ?? r.ref ?? "KPI"), unit: r.unit, better: r.better, hasTarget: typeof r.target === "number",
      hasLimits: spcLimits(kpiReadings.map((k) => (typeof r[k] === "number" ? (r[k] as number) : null))) !== null,
    }));
  const plain = allSpecs(ctx, today, kpiRecords);
  const seeded = ctxSample ? allSpecs(ctxSample, today, kpiRecords) : undefined;
  const specs = plain.map((sp, i) => (seeded && !everBuilt(sp.key) ? seeded[i] : sp));
  if (practicesFromPane.length) {
    // What a person confirmed in the pane wins over the sheet; sample or file data never does.
    const practices = specs.find((s) => s.key === "practices")!;
    practices.rowsWin = true;
    practices.rows = practicesFromPane.map((p) => ({
      name: p.name.trim(), odsCode: p.odsCode ?? null, registered: p.registered ?? null, weighted: p.weighted ?? null, adjusted: p.adjusted ?? null, beds: p.beds ?? null, customWeight: null,
    }));
  }
  // The person's data file owns the records it names (updated where the person has not changed them since).
  if (data) for (const sp of specs) if (DATA_SHEETS.has(sp.key) && sp.table) sp.owned ??= {};
  return { specs, year: year.year, data, meta, sample, fresh, pcn, icb, yearNote };
}

/** Practice names as the Practices sheet will hold them once built: its records, then the new ones from the pane or data. */
function practiceNamesAfter(ctx: SpecCtx, fromPane: PracticeInput[], snapshot: WorkbookSnapshot | undefined, meta: WorkbookMeta): string[] {
  const spec = practicesSpec(ctx);
  if (fromPane.length) spec.rows = fromPane.map((p) => ({ name: p.name.trim() }));
  const snap = snapshot?.sheets.find((s) => s.name === spec.name);
  const layout = snap ? meta.sheets.find((m) => m.key === "practices")?.layout ?? [] : [];
  return finalRecords(spec, snap, layout).map((r) => r.name).filter((n): n is string | number => (typeof n === "string" && n.trim() !== "") || typeof n === "number").map(String);
}

/** Turns specs + data + what the workbook already holds into the write plan every host applies. Throws PcnError with a sentence on refusal. */
export function buildPlan(snapshot: WorkbookSnapshot, opts: BuildOptions = {}): WritePlan {
  const warnings: string[] = [];
  const { specs, year, data, meta, sample, pcn, icb, yearNote } = workbookSpecs(snapshot, opts, warnings);
  if (yearNote) warnings.push(yearNote);
  const unknownKeys = (opts.sheets ?? []).filter((k) => !SHEETS.some((s) => s.key === k));
  if (unknownKeys.length) throw new PcnError(`Unknown sheet ${unknownKeys.join(", ")}. Sheets: ${SHEETS.map((s) => s.key).join(", ")}.`);
  const notThisYear = (opts.sheets ?? []).filter((k) => !specs.some((s) => s.key === k));
  for (const k of notThisYear) warnings.push(`${SHEETS.find((s) => s.key === k)!.title} is not part of a ${year} workbook: not built.`);
  let only: Set<string> | undefined;
  if (opts.sheets && opts.sheets.length) {
    // Requested sheets, plus any sheet they need that the workbook does not have yet.
    const have = (k: string) => { const m = meta.sheets.find((x) => x.key === k); return !!m && !!m.name && snapshot.sheets.some((s) => s.name === m.name); };
    only = new Set(opts.sheets);
    // Populations confirmed in the pane always reach the Practices sheet.
    if ((opts.practices ?? []).some((p) => p.name && p.name.trim())) only.add("practices");
    for (let grew = true; grew; ) {
      grew = false;
      for (const k of [...only]) for (const d of needsOf(k)) if (!only.has(d) && !have(d)) { only.add(d); grew = true; }
    }
    // The rates book is what the Rates and ARRS Rates formulas compare with: rebuilt whenever they are.
    if (only.has("rates") || only.has("arrsRates")) only.add("_ratesBook");
    // The summary's practice rows follow the Distribution sheet's practice columns: a Distribution built brings
    // the summary; the summary brings the Distribution only when its columns are not the ones the practices give
    // now (so a build resumed in a later execution, the Distribution already built, does not build it again).
    if (only.has("distribution")) only.add("distSummary");
    if (only.has("distSummary") && !only.has("distribution")) {
      const now = specs.find((s) => s.key === "distribution")?.table?.columns.map((c) => c.key) ?? [];
      const was = meta.sheets.find((x) => x.key === "distribution")?.layout ?? [];
      if (!have("distribution") || was.join("|") !== now.join("|")) only.add("distribution");
    }
  }
  const r = runEngine({ year, pcn: data?.pcn.name ?? pcn, icb, sample, data: !!data, specs, only, snapshot }, meta, warnings);
  // Figures the rates book now has reach blank cells of existing Rates and ARRS Rates rows (typed ones are kept).
  const rates = fillFromBook(r.sheets, specs, snapshot, meta, warnings);
  const unique = [...new Set(warnings)];
  // The change journal: one entry for this build (an entry a build resumed in another execution already wrote is not written again).
  const j = opts.journal;
  const entry: JournalEntry = j?.entry ?? {
    at: j?.at ?? localStamp(clock.now()),
    host: j?.host || "PCN Toolkit (host not given)",
    user: j?.user ?? "",
    year,
    sheets: r.sheets.filter((p) => !p.hidden && !r.appends.some((a) => a.plan === p)).map((p) => p.name),
    kept: r.kept,
    added: r.added,
    typedOver: unique.filter((w) => w.startsWith("Kept the value typed over the formula")).length,
    rates,
    notes: [
      sample ? "The fictional sample network." : "",
      data ? `Data file: ${r.updates} cell${r.updates === 1 ? "" : "s"} updated${r.conflicts.length ? `, ${r.conflicts.length} of yours kept over it` : ""}.` : "",
      unique.length ? `${unique.length} note${unique.length === 1 ? "" : "s"} from the build.` : "",
    ].filter(Boolean).join(" "),
    build: j?.build ?? "",
  };
  let journal: JournalEntry | undefined;
  for (const a of r.appends) {
    if (a.spec.key !== "journal") continue;
    if (appendHolds(a, entry.build)) { r.sheets.splice(r.sheets.indexOf(a.plan), 1); continue; }
    addAppendRows(a, [journalRow(entry)]);
    journal = entry;
  }
  return { year, sheets: r.sheets, names: r.names, warnings: unique, conflicts: r.conflicts, dataUpdates: r.updates, journal };
}

/** What a data file is checked against in this workbook: its year, and the practices, partnerships and ARRS roles it holds. */
export interface WorkbookContext { year?: string; sample: boolean; fresh: boolean; practices: string[]; partnerships: string[]; roles: string[] }

export function workbookContext(snapshot: WorkbookSnapshot, year?: string): WorkbookContext {
  const { specs, meta, fresh } = workbookSpecs(snapshot, { year: year || readMeta(snapshot).year });
  const keysOf = (key: string, col: string): string[] => {
    const spec = specs.find((s) => s.key === key)!;
    const m = meta.sheets.find((x) => x.key === key);
    const sheet = m && m.name ? snapshot.sheets.find((s) => s.name === m.name) : undefined;
    if (!sheet || !spec.table) return [];
    return scanTable(spec.table, sheet, m!.layout).records.map((x) => x.rec[col]).filter((v): v is string | number => typeof v === "string" ? v.trim() !== "" : typeof v === "number").map(String);
  };
  return { year: meta.year, sample: meta.sample === true, fresh, practices: keysOf("practices", "name"), partnerships: keysOf("partnerships", "ref"), roles: keysOf("arrsRates", "role") };
}

/** Year the workbook was built for (from the hidden meta sheet), the Practices sheet's practices, and the sheets built. */
export function readWorkbookState(snapshot: WorkbookSnapshot): { workbookYear?: string; practices: PracticeInput[]; built: string[] } {
  const meta = readMeta(snapshot);
  const built = meta.sheets.filter((m) => m.name && snapshot.sheets.some((s) => s.name === m.name)).map((m) => m.key);
  const f = meta.sheets.find((m) => m.key === "practices");
  const sheet = f && f.name ? snapshot.sheets.find((s) => s.name === f.name) : undefined;
  const practices: PracticeInput[] = [];
  if (sheet) {
    const y = meta.year && YEAR_LABELS.includes(meta.year) ? getYear(meta.year) : getYear();
    const spec = practicesSpec({ year: y, sheetName: () => sheet.name, kpiMonths: 12 });
    const numOr = (v: unknown) => (typeof v === "number" ? v : undefined);
    for (const { rec } of scanTable(spec.table!, sheet, f!.layout).records) {
      const name = rec.name;
      if (name === null || name === undefined || name === "") continue;
      practices.push({
        name: String(name), odsCode: rec.odsCode ? String(rec.odsCode) : undefined,
        registered: numOr(rec.registered), weighted: numOr(rec.weighted), adjusted: numOr(rec.adjusted), beds: numOr(rec.beds),
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
    ...statementState(snapshot),
  };
}

/**
 * "Check register": notice dates within 90 days, overdue reviews, missing governance/contacts, ARRS headroom and
 * underspend, KPIs of special cause concern or failing their target. Each finding names the field it points at, as
 * the workbook shows it.
 */
export function checkRegister(snapshot: WorkbookSnapshot, today?: string): Finding[] {
  const findings = computeFindings(snapshot, today ?? todayIso());
  let specs: SheetSpec[] = [];
  try {
    specs = workbookSpecs(snapshot, { today }).specs;
  } catch {
    // A workbook the specs refuse (another year's): the findings go without field names.
  }
  return findings.map((f) => {
    const field = f.field ?? fieldOf(f, specs, snapshot);
    return field ? { ...f, field } : f;
  });
}

/**
 * A finding's field: the column's header in a table (at A1, header row 1), else the label in the first column of
 * the report block holding it (column A, or a block beside it, as Key Dates' year dates and Board's summary).
 */
function fieldOf(f: Finding, specs: SheetSpec[], snapshot: WorkbookSnapshot): string | undefined {
  if (typeof f.col !== "number" || f.col < 1) return undefined;
  const spec = specs.find((s) => s.name === f.sheet);
  const cells = snapshot.sheets.find((s) => s.name === f.sheet)?.values;
  const text = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);
  if (spec?.table && f.row > 1 && f.col <= spec.table.columns.length) return text(cells?.[0]?.[f.col - 1]) ?? spec.table.columns[f.col - 1].header;
  const col = f.col - 1;
  const first = Math.max(0, ...(spec?.reports ?? []).map((r) => r.col).filter((c) => c <= col));
  // A finding on a block's label column (Board's) names that label; column A's own cells name nothing.
  return col > 0 ? text(cells?.[f.row - 1]?.[first]) : undefined;
}

export { META_SHEET };
