/**
 * Server side of the sidebar's bridge: functions google.script.run calls. Each returns a plain-JSON envelope
 * (`{ ok, value }` or `{ ok: false, error }`) so the person sees our sentence, not an Apps Script stack.
 */
import { PcnError } from "../core/errors";
import { buildPlan, checkRegister as coreCheckRegister, paneState, readWorkbookState } from "../core/workbook/build";
import { planRatesFile } from "../core/workbook/ratesPlan";
import type { Finding } from "../core/workbook/register";
import type { BuildRequest, BuildResult, HostState, PracticeInput, RatesLoadResult } from "../pane/bridge";
import { applyPlan, readSnapshot, toSheetValue, type ApplyProgress, type Spreadsheet, type WriterApp, type WriterCharts } from "./writer";

// The writer is typed structurally; these make tsc check that the real Apps Script types fit it.
type Fits<Wanted, Given extends Wanted> = Given;
export type WriterTypesFit = [
  Fits<Spreadsheet, GoogleAppsScript.Spreadsheet.Spreadsheet>,
  Fits<WriterApp, GoogleAppsScript.Spreadsheet.SpreadsheetApp>,
  Fits<WriterCharts, GoogleAppsScript.Charts.Charts>,
];

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: string };

/** How long a build waits for another person's build in the same spreadsheet. */
export const LOCK_WAIT_MS = 30000;

/**
 * Apps Script ends an execution after 6 minutes, wherever it is. A build starts no sheet once this much time
 * has passed since its entry point began, leaving 90 s for the sheet under way, the names and the reply.
 */
export const TIME_BUDGET_MS = 270000;

/** What runBuild did: `sheetsPlanned` > sheetsBuilt.length when the time budget stopped it. */
export interface BuildOutcome extends BuildResult { sheetsPlanned: number }

/** The sentence for a build the time budget stopped; `again` says how to finish. */
export function timeLimitMessage(built: number, planned: number, again: string): string {
  return `Built ${built} of ${planned} sheets before Apps Script's time limit; ${again} to finish.`;
}

export function isPcnError(e: unknown): e is Error {
  return e instanceof PcnError || (e instanceof Error && e.name === "PcnError");
}

/** The sentence to show for a failure: ours as it is, anything else marked unexpected (and logged). */
export function errorMessage(e: unknown): string {
  if (isPcnError(e)) return e.message;
  console.error(e instanceof Error && e.stack ? e.stack : String(e));
  return `Unexpected problem: ${e instanceof Error ? e.message : String(e)}`;
}

/** Runs fn and wraps its result; JSON round trip so nothing google.script.run cannot carry (Dates, undefined) leaks. */
export function guard<T>(fn: () => T): Envelope<T> {
  try {
    const value = fn();
    return { ok: true, value: (value === undefined ? null : JSON.parse(JSON.stringify(value))) as T };
  } catch (e) {
    return { ok: false, error: errorMessage(e) };
  }
}

/** One build at a time per spreadsheet: two people pressing Build would interleave writes otherwise. */
export function withDocumentLock<T>(fn: () => T): T {
  const lock = LockService.getDocumentLock();
  if (!lock) return fn(); // not bound to a document (e.g. run from the script editor's test harness)
  try {
    lock.waitLock(LOCK_WAIT_MS);
  } catch (e) {
    throw new PcnError(
      `Someone else is building sheets in this spreadsheet right now (waited ${LOCK_WAIT_MS / 1000} seconds). Try again when their build has finished.`,
    );
  }
  try {
    return fn();
  } finally {
    lock.releaseLock();
  }
}

const ss = () => SpreadsheetApp.getActiveSpreadsheet();

function readState(): HostState {
  const snapshot = readSnapshot(ss());
  return { host: "sheets", ...paneState(snapshot) };
}

/** The request crosses from the browser: check its shape before trusting it. */
function checkRequest(req: unknown): BuildRequest {
  if (!req || typeof req !== "object") throw new PcnError("The build request is empty.");
  const r = req as Partial<BuildRequest>;
  if (r.year !== undefined && r.year !== null && typeof r.year !== "string") throw new PcnError("The year must be text such as 2025/26.");
  if (r.sheets !== undefined && (!Array.isArray(r.sheets) || r.sheets.some((s) => typeof s !== "string"))) {
    throw new PcnError("The sheets to build must be a list of sheet keys.");
  }
  if (r.practices !== undefined && r.practices !== null && !Array.isArray(r.practices)) throw new PcnError("The practices must be a list.");
  return {
    year: r.year ?? "",
    sheets: r.sheets ?? [],
    practices: (r.practices ?? undefined) as PracticeInput[] | undefined,
    sample: r.sample === true,
  };
}

/**
 * Builds the requested sheets (all when none named) under the document lock, within TIME_BUDGET_MS of
 * `startedAt` (when the entry point began; Date.now() as Apps Script gives it).
 */
export function runBuild(request: unknown, onProgress?: (p: ApplyProgress) => void, startedAt: number = Date.now()): BuildOutcome {
  const req = checkRequest(request);
  return withDocumentLock(() => {
    const book = ss();
    const snapshot = readSnapshot(book);
    const year = req.year || readWorkbookState(snapshot).workbookYear || undefined;
    const plan = buildPlan(snapshot, {
      year,
      sheets: req.sheets.length ? req.sheets : undefined,
      practices: req.practices,
      sample: req.sample,
    });
    const res = applyPlan(book, plan, onProgress, { startedAt, limitMs: TIME_BUDGET_MS });
    return { sheetsBuilt: res.sheetsBuilt, sheetsPlanned: res.sheetsPlanned, warnings: [...plan.warnings, ...res.warnings] };
  });
}

/** A rates file's text (read from the person's machine by the sidebar) into the Rates and ARRS Rates sheets. */
export function runLoadRates(fileText: unknown): RatesLoadResult {
  if (typeof fileText !== "string") throw new PcnError("The rates file must arrive as text.");
  return withDocumentLock(() => {
    const book = ss();
    const p = planRatesFile(readSnapshot(book), fileText);
    if (p.problems.length) return { problems: p.problems, changes: [], notes: p.notes };
    for (const w of p.writes) {
      const sheet = book.getSheetByName(w.sheet);
      if (!sheet) throw new PcnError(`The sheet "${w.sheet}" disappeared while the rates file was loading.`);
      sheet.getRange(w.row + 1, w.col + 1, 1, 1).setValues([[toSheetValue(w.value, w.plainText)]]);
    }
    return { problems: [], changes: p.changes, notes: p.notes };
  });
}

export function runCheckRegister(): Finding[] {
  return coreCheckRegister(readSnapshot(ss()));
}

export function runGoTo(sheetName: unknown, row: unknown, col?: unknown): null {
  const sheet = ss().getSheetByName(String(sheetName));
  if (!sheet) throw new PcnError(`There is no sheet called "${String(sheetName)}" any more.`);
  const r = Number(row);
  const c = col === undefined || col === null || col === "" || Number(col) < 1 ? 1 : Number(col);
  if (!Number.isInteger(r) || r < 1) throw new PcnError(`Row ${String(row)} is not a row number.`);
  sheet.activate();
  sheet.getRange(r, Number.isInteger(c) ? c : 1).activate();
  return null;
}

// google.script.run entry points (registered as globals in main.ts).
export const server = {
  getState: (): Envelope<HostState> => guard(readState),
  buildSheets: (request: unknown): Envelope<BuildResult> => {
    const startedAt = Date.now();
    return guard(() => {
      const res = runBuild(request, undefined, startedAt);
      const warnings = res.sheetsBuilt.length < res.sheetsPlanned ? [timeLimitMessage(res.sheetsBuilt.length, res.sheetsPlanned, "build again"), ...res.warnings] : res.warnings;
      return { sheetsBuilt: res.sheetsBuilt, warnings };
    });
  },
  checkRegister: (): Envelope<Finding[]> => guard(runCheckRegister),
  loadRates: (fileText: unknown): Envelope<RatesLoadResult> => guard(() => runLoadRates(fileText)),
  goTo: (sheet: unknown, row: unknown, col?: unknown): Envelope<null> => guard(() => runGoTo(sheet, row, col)),
};
