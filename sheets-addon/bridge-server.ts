/**
 * Server side of the sidebar's bridge: functions google.script.run calls. Each returns a plain-JSON envelope
 * (`{ ok, value }` or `{ ok: false, error }`) so the person sees our sentence, not an Apps Script stack.
 */
import { PcnError } from "../core/errors";
import { checkRegister as coreCheckRegister, paneState } from "../core/workbook/build";
import type { Finding } from "../core/workbook/register";
import type { SelfTestItem, SelfTestReport } from "../core/workbook/selftest";
import { planRatesFile } from "../core/workbook/ratesPlan";
import { lockStatementPlan } from "../core/workbook/statement";
import { applyPlan } from "./writer";
import type { BuildRequest, HostState, PracticeInput, RatesLoadResult } from "../pane/bridge";
import { toSheetValue } from "./cells";
import { runBuildStep, TIME_BUDGET_MS, type StepOptions, type StepOutcome } from "./build-run";
import { currentLease, leaseHolds, refusal, setBuilderName, underLock, whoIsAsking } from "./lease";
import { readForState, readSnapshot } from "./read";
import { runSelfTest } from "./selftest";
import type * as S from "./surface";

// The writer is typed structurally; these make tsc check that the real Apps Script types fit it.
type Fits<Wanted, Given extends Wanted> = Given;
export type WriterTypesFit = [
  Fits<S.Spreadsheet, GoogleAppsScript.Spreadsheet.Spreadsheet>,
  Fits<S.WriterApp, GoogleAppsScript.Spreadsheet.SpreadsheetApp>,
  Fits<S.WriterCharts, GoogleAppsScript.Charts.Charts>,
  Fits<S.LockServiceLike, GoogleAppsScript.Lock.LockService>,
  Fits<S.PropertiesServiceLike, GoogleAppsScript.Properties.PropertiesService>,
  Fits<S.SessionLike, GoogleAppsScript.Base.Session>,
];

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: string };

export { TIME_BUDGET_MS };

/** The sentence for a build the time budget stopped; `again` says how to finish. */
export function timeLimitMessage(built: number, planned: number, again: string): string {
  return `Built ${built} of ${planned} sheets before Apps Script's time limit; ${again} to finish.`;
}

export function isPcnError(e: unknown): e is Error {
  return e instanceof PcnError || (e instanceof Error && e.name === "PcnError");
}

/**
 * Logs an unexpected failure for whoever maintains the add-on. Console output goes to the script owner's Cloud
 * Logging, and an error's message can quote the workbook (an Apps Script error naming a value, a cell's text
 * in a TypeError), so only the error's kind and where it was thrown are logged, never its message.
 */
export function logUnexpected(e: unknown): void {
  const err = e && typeof e === "object" ? (e as { name?: unknown; stack?: unknown }) : {};
  const kind = typeof err.name === "string" && /^[A-Za-z]{1,40}$/.test(err.name) ? err.name : typeof e;
  const frames = typeof err.stack === "string" ? err.stack.split("\n").filter((l) => /^\s+at /.test(l)).slice(0, 15).join("\n") : "";
  console.error(`PCN Toolkit: unexpected ${kind} (message withheld: it may quote the spreadsheet)${frames ? `\n${frames}` : ""}`);
}

/** The sentence to show for a failure: ours as it is, anything else marked unexpected (and logged without its message). */
export function errorMessage(e: unknown): string {
  if (isPcnError(e)) return e.message;
  logUnexpected(e);
  const msg = e && typeof e === "object" && typeof (e as Error).message === "string" ? (e as Error).message : String(e);
  return `Unexpected problem: ${msg}`;
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

const ss = (): S.Spreadsheet => SpreadsheetApp.getActiveSpreadsheet() as unknown as S.Spreadsheet;

/** What the pane shows, plus the name this person shows others while building (Sheets only). */
export type SheetsHostState = HostState & { builderName: string };

function readState(): SheetsHostState {
  return { host: "sheets", ...paneState(readForState(ss())), builderName: whoIsAsking().name };
}

/** The request crosses from the browser: check its shape before trusting it. */
export function checkRequest(req: unknown): BuildRequest {
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

/** A build's token from the browser (the sidebar makes one per build), or the person's own when none is given. */
function checkToken(token: unknown): string {
  if (typeof token === "string" && /^[A-Za-z0-9:_-]{8,80}$/.test(token)) return token;
  if (token !== undefined && token !== null && token !== "") throw new PcnError("The build's token is not one PCN Toolkit made.");
  return `user:${whoIsAsking().key || "anyone"}`;
}

/** One execution of a build: see build-run.ts. */
export function runBuild(request: unknown, token?: unknown, opts: StepOptions = {}): StepOutcome {
  return runBuildStep(checkRequest(request), checkToken(token), opts);
}

/** A rates file's text (read from the person's machine by the sidebar) into the Rates and ARRS Rates sheets. */
export function runLoadRates(fileText: unknown): RatesLoadResult {
  if (typeof fileText !== "string") throw new PcnError("The rates file must arrive as text.");
  return underLock(() => {
    // Not while someone's build holds the spreadsheet: it could be writing the same sheets.
    const lease = currentLease();
    if (leaseHolds(lease, Date.now())) throw new PcnError(refusal(lease, whoIsAsking(), Date.now()));
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

/** Lock statement: the core plans the period's statement sheet; it is written as a new sheet, under the document lock. */
export function runLockStatement(period: unknown): { sheet: string; warnings: string[] } {
  if (typeof period !== "string") throw new PcnError("The period to lock must be text such as Q2 2026/27.");
  return underLock(() => {
    // Not while someone's build holds the spreadsheet: it could be rewriting the Distribution sheet.
    const lease = currentLease();
    if (leaseHolds(lease, Date.now())) throw new PcnError(refusal(lease, whoIsAsking(), Date.now()));
    const book = ss();
    const locked = lockStatementPlan(readSnapshot(book), period);
    applyPlan(book, locked.plan);
    return { sheet: locked.sheet, warnings: locked.warnings };
  });
}

export function runCheckRegister(): Finding[] {
  return coreCheckRegister(readSnapshot(ss(), { valuesOnly: true }));
}

export function runGoTo(sheetName: unknown, row: unknown, col?: unknown): null {
  const sheet = SpreadsheetApp.getActiveSpreadsheet().getSheetByName(String(sheetName));
  if (!sheet) throw new PcnError(`There is no sheet called "${String(sheetName)}" any more.`);
  const r = Number(row);
  const c = col === undefined || col === null || col === "" || Number(col) < 1 ? 1 : Number(col);
  if (!Number.isInteger(r) || r < 1) throw new PcnError(`Row ${String(row)} is not a row number.`);
  sheet.activate();
  sheet.getRange(r, Number.isInteger(c) ? c : 1).activate();
  return null;
}

/** Items the sidebar checked in the browser (its CSP): only their shape crosses, each field a short string. */
function checkClientItems(items: unknown): SelfTestItem[] {
  if (!Array.isArray(items)) return [];
  return items.slice(0, 20).flatMap((x): SelfTestItem[] => {
    if (!x || typeof x !== "object") return [];
    const o = x as Record<string, unknown>;
    const str = (v: unknown, n: number) => (typeof v === "string" ? v.slice(0, n) : "");
    if (!/^sidebar\.[A-Za-z0-9]+$/.test(str(o.id, 60))) return [];
    return [{ id: str(o.id, 60), what: str(o.what, 200), passed: o.passed === true, detail: str(o.detail, 300) }];
  });
}

// google.script.run entry points (registered as globals in main.ts).
export const server = {
  getState: (): Envelope<SheetsHostState> => guard(readState),
  /**
   * One execution of a build: as many sheets as Apps Script's time allows. `done` false: call again with the
   * same request and token to go on (with `{ stop: true }` to end it cleanly instead).
   */
  buildSheets: (request: unknown, token?: unknown, options?: unknown): Envelope<StepOutcome> => {
    const startedAt = Date.now();
    // { stop: true }: the person pressed Stop (build-run.ts finishes the sheet in hand and ends the build).
    const stop = !!options && typeof options === "object" && (options as { stop?: unknown }).stop === true;
    return guard(() => {
      const res = runBuild(request, token, { startedAt, stop });
      if (!res.done && token === undefined) {
        // A caller without a token (an older sidebar) is told how to finish.
        res.warnings = [timeLimitMessage(res.progress.done, res.progress.total, "build again"), ...res.warnings];
      }
      return res;
    });
  },
  checkRegister: (): Envelope<Finding[]> => guard(runCheckRegister),
  loadRates: (fileText: unknown): Envelope<RatesLoadResult> => guard(() => runLoadRates(fileText)),
  lockStatement: (period: unknown): Envelope<{ sheet: string; warnings: string[] }> => guard(() => runLockStatement(period)),
  goTo: (sheet: unknown, row: unknown, col?: unknown): Envelope<null> => guard(() => runGoTo(sheet, row, col)),
  setBuilderName: (name: unknown): Envelope<string> => guard(() => setBuilderName(name)),
  runSelfTest: (clientItems?: unknown): Envelope<SelfTestReport> => guard(() => runSelfTest(checkClientItems(clientItems))),
};
