/**
 * One execution of a build, as the sidebar and the menu run it: take the build lease, read what the plan
 * needs, plan, write as much as the time budget allows, and leave a marker (a document property) saying
 * where it stopped, so the next execution of the same build continues there. A build of any size finishes
 * in as many executions as it takes; none passes Apps Script's 6-minute limit.
 */
import { buildPlan, paneState, readWorkbookState, SHEETS } from "../core/workbook/build";
import type { NetworkData } from "../core/workbook/data";
import { isoToSerial, type PlanCell, type SheetSnapshot, type WorkbookSnapshot, type WritePlan } from "../core/workbook/plan";
import type { BuildProgress, BuildRequest, HostState } from "../pane/bridge";
import type { JournalEntry, JournalInput } from "../core/workbook/sheets/journal";
import { wallClock } from "./cells";
import { pauseLease, releaseLease, takeLease, whoIsAsking } from "./lease";
import { buildMemory } from "./memory";
import { readForBuild } from "./read";
import type { Properties, PropertiesServiceLike, RangeList, Range, Sheet, Spreadsheet, WriterApp } from "./surface";
import { applyPlan, type ApplyProgress, type Resume } from "./writer";

declare const SpreadsheetApp: WriterApp & { getActiveSpreadsheet(): Spreadsheet };
declare const PropertiesService: PropertiesServiceLike;

/** No step starts after this much of an execution... */
export const TIME_BUDGET_MS = 270000;
/** ...nor one expected to run past this: Apps Script ends an execution at 360 s wherever it is. */
export const HARD_BUDGET_MS = 330000;
export const MARKER_KEY = "PCN_BUILD_MARKER";

/** Where a build of several executions stands. */
export interface Marker {
  token: string;
  /** Fingerprint of the request: a marker only continues the same build. */
  request: string;
  /** Plan sheet keys not finished, and how many the build had in all. */
  remaining: string[];
  total: number;
  /** Sheets the build inserted and has not finished, by name. */
  created: string[];
  stopped?: Resume;
  /** Sheets a person sees (no helper sheets) in the whole build: what progress counts. */
  shown?: number;
  /** The change journal's entry the build's first execution planned: every execution of the build plans the same one. */
  journal?: JournalEntry;
}

export interface StepOutcome {
  sheetsBuilt: string[];
  warnings: string[];
  /** The build is finished (the lease is free again). */
  done: boolean;
  /** It finished because the person stopped it (StepOptions.stop): the sheets it did not get to are not built. */
  stopped?: boolean;
  sheetsPlanned: number;
  /** Where the whole build stands after this execution. */
  progress: BuildProgress;
  /** The pane's view of the workbook after a finished build (saves an execution re-reading it). */
  state?: HostState;
}

export interface StepOptions {
  startedAt?: number;
  now?: () => number;
  onProgress?: (p: ApplyProgress) => void;
  /** Tests and the bench only: network data to build from (the sidebar never sends any). */
  data?: NetworkData;
  today?: string;
  /**
   * The person pressed Stop: end the build cleanly. A sheet an earlier execution stopped inside is finished first
   * (no sheet is left half-written); no other is started.
   */
  stop?: boolean;
}

/** A short fingerprint of the request (a document property holds at most 9 KB; the practices alone can pass that). */
function requestHash(r: BuildRequest): string {
  const s = JSON.stringify([r.year, [...r.sheets].sort(), r.practices ?? null, !!r.sample]);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return `${(h1 >>> 0).toString(36)}${(h2 >>> 0).toString(36)}:${s.length}`;
}

function docProps(): Properties {
  return PropertiesService.getDocumentProperties()!;
}

function readMarker(props: Properties): Marker | null {
  try {
    const m = JSON.parse(props.getProperty(MARKER_KEY) ?? "null") as Marker | null;
    return m && typeof m.token === "string" && Array.isArray(m.remaining) && Array.isArray(m.created) ? m : null;
  } catch (e) {
    return null;
  }
}

/** The spreadsheet's time zone (the script's when Sheets does not say). */
function timeZoneOf(ss: Spreadsheet): string | undefined {
  try {
    return ss.getSpreadsheetTimeZone();
  } catch (e) {
    return undefined;
  }
}

/** The person's place before a build inserts sheets (Sheets shows each new one), to put back after. */
interface View { sheet: Sheet; list: RangeList | null; cell: Range | null }
function saveView(ss: Spreadsheet): View | null {
  try {
    return { sheet: ss.getActiveSheet(), list: ss.getActiveRangeList(), cell: ss.getCurrentCell() };
  } catch (e) {
    return null;
  }
}
function restoreView(ss: Spreadsheet, v: View) {
  try {
    ss.setActiveSheet(v.sheet);
    if (v.list) ss.setActiveRangeList(v.list);
    if (v.cell) ss.setCurrentCell(v.cell);
  } catch (e) {
    // The sheet went (a person deleted it meanwhile): Sheets shows another, nothing to put back.
  }
}

/** The workbook after the plan, as far as the pane's view needs it (the meta and Practices sheets), without reading it again. */
function afterPlan(snapshot: WorkbookSnapshot, plan: WritePlan, names: string[]): WorkbookSnapshot {
  const byName = new Map(snapshot.sheets.map((s) => [s.name, s]));
  const value = (c: PlanCell) => (c === null || c === undefined ? null : typeof c === "object" ? ("d" in c ? isoToSerial(c.d) : null) : c);
  for (const p of plan.sheets) {
    if (p.key !== "_meta" && p.key !== "practices") continue;
    const old = byName.get(p.name);
    const s: SheetSnapshot = { name: p.name, values: (old?.values ?? []).map((r) => [...r]), formulas: [] };
    for (const b of p.blocks) {
      b.cells.forEach((row, r) =>
        row.forEach((c, k) => {
          const line = (s.values[b.row + r] ??= []);
          line[b.col + k] = value(c);
        }),
      );
    }
    for (let r = 0; r < s.values.length; r++) s.values[r] = Array.from({ length: s.values[r]?.length ?? 0 }, (_, k) => s.values[r]?.[k] ?? null);
    byName.set(p.name, s);
  }
  for (const n of names) if (!byName.has(n)) byName.set(n, { name: n, values: [], formulas: [] });
  return { sheets: [...byName.values()] };
}

/**
 * One execution of the build `token` names. Throws PcnError (with a sentence) when another build holds the
 * spreadsheet or the request is refused; the lease is given back on any failure.
 */
export function runBuildStep(req: BuildRequest, token: string, opts: StepOptions = {}): StepOutcome {
  const now = opts.now ?? (() => Date.now());
  const startedAt = opts.startedAt ?? now();
  const ss = SpreadsheetApp.getActiveSpreadsheet();
  // Only a refusal needs the time zone (its times): asked for then.
  const lease = takeLease(token, now, () => ss.getSpreadsheetTimeZone());
  try {
    const props = docProps();
    const marker = readMarker(props);
    const hash = requestHash(req);
    const live = !!marker && marker.token === token && marker.request === hash;
    // The sheets still to build (the engine adds its helper sheets, PCN_Meta and the like, to every plan).
    let keys = live ? marker.remaining.filter((k) => SHEETS.some((s) => s.key === k)) : req.sheets;
    // Only helper sheets left (a stop inside them): one small sheet brings them along.
    if (live && keys.length === 0) keys = ["about"];
    if (opts.stop) {
      // Stopping: nothing in hand ends the build here; a sheet stopped inside is the only one built.
      const inHand = live ? marker.stopped : undefined;
      if (!inHand) {
        releaseLease(token);
        return { sheetsBuilt: [], warnings: [], done: true, stopped: true, sheetsPlanned: live ? marker.total : 0, progress: { done: 0, total: live ? marker.shown ?? 0 : 0, label: "Stopped" } };
      }
      keys = [inHand.key.startsWith("_") ? "about" : inHand.key];
    }

    // Sheets a build inserted and never finished: this build's own are filled as new; another's, left blank
    // by a build that stopped, too (nothing of anyone's is on them); one holding anything is kept as it is.
    let created: string[] = live ? marker.created : [];
    if (!live && marker?.created.length) {
      created = marker.created.filter((name) => {
        const sh = ss.getSheetByName(name);
        return !!sh && sh.getDataRange().isBlank();
      });
    }
    // One journal entry per build, however many executions it takes: the first plans it (with an id of its own,
    // as a person's menu builds share a token), the rest carry it on.
    const journal: JournalInput = live && marker.journal
      ? { host: marker.journal.host, entry: marker.journal, build: marker.journal.build }
      : { host: "Google Sheets", user: whoIsAsking().name, at: wallClock(timeZoneOf(ss), new Date(now())), build: `${token.slice(0, 24)}:${now().toString(36)}` };
    const options = { year: req.year || undefined, sheets: keys.length ? keys : undefined, practices: req.practices, sample: req.sample, data: opts.data, today: opts.today, journal };
    const buildsCharts = !keys.length || keys.includes("kpiCharts");
    const read = readForBuild(ss, {
      options,
      keys: keys.length ? keys : "all",
      mask: new Set(created),
      valuesOf: ["practices", ...(buildsCharts ? ["kpis"] : [])],
    });
    const year = req.year || readWorkbookState(read.snapshot).workbookYear || undefined;
    const plan = buildPlan(read.snapshot, { ...options, year });
    const toInsert = plan.sheets.filter((p) => !read.sheets.has(p.name)).map((p) => p.name);
    // Written before anything else, so an execution Apps Script ends mid-way is still known to the next.
    const total = live ? marker.total : plan.sheets.length;
    const shown = live ? marker.shown ?? total : plan.sheets.filter((p) => !p.hidden).length;
    const isShown = (key: string) => plan.sheets.some((p) => p.key === key && !p.hidden);
    const before = live && opts.stop ? marker.remaining : plan.sheets.map((p) => p.key);
    const entry = plan.journal ?? (live ? marker.journal : undefined);
    props.setProperty(MARKER_KEY, JSON.stringify({ token, request: hash, remaining: before, total, created: [...created, ...toInsert], stopped: live ? marker.stopped : undefined, shown, journal: entry } satisfies Marker));
    const view = toInsert.length ? saveView(ss) : null;
    const res = applyPlan(ss, plan, opts.onProgress, {
      budget: { startedAt, limitMs: TIME_BUDGET_MS, hardMs: HARD_BUDGET_MS, now },
      created,
      resume: live ? marker.stopped : undefined,
      sheets: read.sheets,
      memory: buildMemory(plan, read.snapshot),
    });
    if (view && res.inserted) restoreView(ss, view);
    const warnings = [...plan.warnings, ...res.warnings];
    if (res.rangeListProblem) warnings.push(`Apps Script's getRanges() did not behave as documented (${res.rangeListProblem}); PCN Toolkit fetched each range on its own instead, which is slower.`);
    if (res.done && opts.stop) {
      // The sheet in hand is finished and the build ends: the marker keeps the sheets it inserted and never
      // filled, so the next build fills them rather than adding more.
      const finished = new Set(res.sheetsBuilt);
      const remaining = before.filter((k) => !finished.has(k));
      props.setProperty(MARKER_KEY, JSON.stringify({ token, request: hash, remaining, total, created: res.created, shown } satisfies Marker));
      releaseLease(token);
      return { sheetsBuilt: res.sheetsBuilt, warnings, done: true, stopped: true, sheetsPlanned: total, progress: { done: Math.max(0, shown - remaining.filter((k) => !k.startsWith("_")).length), total: shown, label: "Stopped" } };
    }
    if (res.done) {
      props.deleteProperty(MARKER_KEY);
      releaseLease(token);
      const names = [...read.sheets.keys(), ...toInsert];
      return {
        sheetsBuilt: res.sheetsBuilt,
        warnings,
        done: true,
        sheetsPlanned: total,
        progress: { done: shown, total: shown, label: "Done" },
        state: { host: "sheets", ...paneState(afterPlan(read.snapshot, plan, names)) },
      };
    }
    // A stop's sheet in hand that needs more than one execution: the rest of the list is as it was.
    const remaining = opts.stop ? [...res.remaining, ...before.filter((k) => !res.remaining.includes(k) && !res.sheetsBuilt.includes(k))] : res.remaining;
    props.setProperty(MARKER_KEY, JSON.stringify({ token, request: hash, remaining, total, created: res.created, stopped: res.stopped, shown, journal: entry } satisfies Marker));
    pauseLease(lease, now);
    // Progress in the sheets a person sees: those left of the build, and the next of them.
    const next = plan.sheets.find((p) => res.remaining.includes(p.key) && !p.hidden);
    const shownLeft = remaining.filter((k) => (plan.sheets.some((p) => p.key === k) ? isShown(k) : !k.startsWith("_"))).length;
    return {
      sheetsBuilt: res.sheetsBuilt,
      warnings,
      done: false,
      sheetsPlanned: total,
      progress: { done: Math.max(0, shown - shownLeft), total: shown, label: next?.name ?? "" },
    };
  } catch (e) {
    releaseLease(token);
    throw e;
  }
}
