/**
 * The workbook: which sheets, in which order, from which data, into the plan every host applies.
 */
import { PcnError } from "../errors";
import { getYear } from "../rates/book";
import { validateNetwork, type NetworkData, type PracticeInput } from "./data";
import { finalRecords, readMeta, refuseOtherYear, resolveNames, runEngine, META_SHEET } from "./engine";
import type { WorkbookSnapshot, WritePlan } from "./plan";
import type { Finding } from "./register";
import { sampleNetwork } from "./sample";
import type { SheetSpec } from "./spec";
import { aboutSpec } from "./sheets/about";
import { arrsSpec, sharesSpec } from "./sheets/arrs";
import { budgetSpec } from "./sheets/budget";
import type { SpecCtx } from "./sheets/common";
import { arrsRatesSpec, fundingSpec, ratesSpec } from "./sheets/funding";
import { kpiChartsSpec, kpisSpec } from "./sheets/kpis";
import { partnershipsSpec, summarySpec } from "./sheets/partnerships";
import { isoToSerial } from "./plan";
import { computeFindings } from "./compute";

export interface BuildOptions {
  /** Financial year label, default the newest shipped. A workbook built for one year refuses another (PcnError). */
  year?: string;
  /** Sheet keys to build or refresh; default all. */
  sheets?: string[];
  /** Practices from the pane: merged into the Funding sheet (they are what a person confirmed). */
  practices?: PracticeInput[];
  /** Network data (CLI --data) used to fill new rows; validated. */
  data?: unknown;
  /** Fill with the fictional sample network. */
  sample?: boolean;
  /** Today's date (ISO) for date-dependent content; default the real today. */
  today?: string;
}

/** Sheets in workbook order. */
export const SHEETS: { key: string; title: string }[] = [
  { key: "about", title: "About" },
  { key: "partnerships", title: "Partnerships" },
  { key: "summary", title: "Register Summary" },
  { key: "funding", title: "Funding" },
  { key: "rates", title: "Rates" },
  { key: "arrsRates", title: "ARRS Rates" },
  { key: "arrs", title: "ARRS Workforce" },
  { key: "arrsShares", title: "ARRS Shares" },
  { key: "budget", title: "Budget" },
  { key: "kpis", title: "KPIs" },
  { key: "kpiCharts", title: "KPI Charts" },
];

export function sheetCatalogue(): { key: string; title: string }[] {
  return SHEETS.map((s) => ({ ...s }));
}

/** What each sheet's formulas, names or dropdowns need from other sheets. */
const NEEDS: Record<string, string[]> = {
  summary: ["partnerships"],
  funding: ["rates"],
  arrs: ["funding", "rates", "arrsRates", "arrsShares"],
  arrsShares: ["arrs", "funding"],
  kpis: ["partnerships"],
  kpiCharts: ["kpis"],
};

const todayIso = () => new Date().toISOString().slice(0, 10);

/** Every sheet spec for a workbook, with names resolved against what the workbook holds. */
export function workbookSpecs(snapshot: WorkbookSnapshot, opts: BuildOptions, warnings: string[] = []): { specs: SheetSpec[]; year: string; data?: NetworkData } {
  const meta = readMeta(snapshot);
  let data: NetworkData | undefined;
  if (opts.data !== undefined) {
    const v = validateNetwork(opts.data);
    if (!v.ok) throw new PcnError(`The network data has problems:\n${v.errors.join("\n")}`);
    data = v.data;
  } else if (opts.sample) data = sampleNetwork(getYear(opts.year ?? meta.year).year, opts.today ?? todayIso());
  const year = getYear(opts.year ?? data?.year ?? meta.year);
  refuseOtherYear(meta, year.year);
  const resolved = resolveNames(SHEETS.map((s) => ({ key: s.key, name: s.title })), snapshot, meta, warnings);
  const ctx: SpecCtx = {
    year,
    sheetName: (k) => resolved.get(k)!.name,
    data,
    pcnName: data?.pcn.name ?? meta.pcn,
    kpiMonths: data?.kpiMonths ?? kpiMonthsOf(snapshot, resolved.get("kpis")!.name, meta) ?? 12,
  };
  const today = isoToSerial(opts.today ?? todayIso());
  const practicesFromPane = (opts.practices ?? []).filter((p) => p.name && p.name.trim());
  const funding = fundingSpec(ctx);
  if (practicesFromPane.length) {
    // What a person confirmed in the pane wins over the sheet; sample or file data never does.
    funding.rowsWin = true;
    funding.rows = practicesFromPane.map((p) => ({
      name: p.name.trim(), odsCode: p.odsCode ?? null, registered: p.registered ?? null, weighted: p.weighted ?? null, adjusted: p.adjusted ?? null, beds: p.beds ?? null, customWeight: null,
    }));
  } else if (!data) funding.rows = [];
  const kpis = kpisSpec(ctx);
  const kpiSnap = resolved.get("kpis")!.ours ? snapshot.sheets.find((s) => s.name === kpis.name) : undefined;
  const kpiRecords = finalRecords(kpis, kpiSnap).map((r) => ({ row: (r.__row as number) - 1, measure: String(r.measure ?? r.ref ?? "KPI") }));
  const specs: SheetSpec[] = [
    aboutSpec(ctx), partnershipsSpec(ctx, today), summarySpec(ctx, today), funding, ratesSpec(ctx), arrsRatesSpec(ctx), arrsSpec(ctx), sharesSpec(ctx),
    budgetSpec(ctx), kpis, kpiChartsSpec(ctx, kpiRecords),
  ];
  return { specs, year: year.year, data };
}

function kpiMonthsOf(snapshot: WorkbookSnapshot, name: string, meta: ReturnType<typeof readMeta>): number | undefined {
  const m = meta.sheets.find((s) => s.key === "kpis");
  if (!m || !snapshot.sheets.some((s) => s.name === name)) return undefined;
  const n = m.layout.filter((k) => /^r\d+$/.test(k)).length;
  return n || undefined;
}

/** Turns specs + data + what the workbook already holds into the write plan every host applies. Throws PcnError with a sentence on refusal. */
export function buildPlan(snapshot: WorkbookSnapshot, opts: BuildOptions = {}): WritePlan {
  const warnings: string[] = [];
  const { specs, year, data } = workbookSpecs(snapshot, opts, warnings);
  const meta = readMeta(snapshot);
  const unknownKeys = (opts.sheets ?? []).filter((k) => !SHEETS.some((s) => s.key === k));
  if (unknownKeys.length) throw new PcnError(`Unknown sheet ${unknownKeys.join(", ")}. Sheets: ${SHEETS.map((s) => s.key).join(", ")}.`);
  let only: Set<string> | undefined;
  if (opts.sheets && opts.sheets.length) {
    // Requested sheets, plus any sheet they need that the workbook does not have yet.
    const have = (k: string) => { const m = meta.sheets.find((x) => x.key === k); return !!m && snapshot.sheets.some((s) => s.name === m.name); };
    only = new Set(opts.sheets);
    for (let grew = true; grew; ) {
      grew = false;
      for (const k of [...only]) for (const d of NEEDS[k] ?? []) if (!only.has(d) && !have(d)) { only.add(d); grew = true; }
    }
  }
  const { sheets, names } = runEngine({ year, pcn: data?.pcn.name, specs, only, snapshot }, meta, warnings);
  return { year, sheets, names, warnings: [...new Set(warnings)] };
}

/** Year the workbook was built for (from the hidden meta sheet), the Funding sheet's practices, and the sheets built. */
export function readWorkbookState(snapshot: WorkbookSnapshot): { workbookYear?: string; practices: PracticeInput[]; built: string[] } {
  const meta = readMeta(snapshot);
  const built = meta.sheets.filter((m) => snapshot.sheets.some((s) => s.name === m.name)).map((m) => m.key);
  const f = meta.sheets.find((m) => m.key === "funding");
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

/** "Check register": notice dates within 90 days, overdue reviews, missing governance/contacts, ARRS headroom and underspend. */
export function checkRegister(snapshot: WorkbookSnapshot, today?: string): Finding[] {
  return computeFindings(snapshot, today ?? todayIso());
}

export { META_SHEET };
