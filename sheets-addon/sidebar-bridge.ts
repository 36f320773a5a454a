/**
 * The sidebar's side of the bridge: the pane's Bridge over google.script.run. No DOM here, so tests and the
 * bench drive this very code in Node over a google.script.run that calls the built Code.js.
 *
 * "Build all" is one build of as many executions as it takes: each call runs as many sheets as Apps Script's
 * time allows and says whether it is done; the build's token keeps its lease and its place between calls.
 */
import type { Bridge, BuildControl, BuildProgress, BuildRequest, BuildResult, HostState, RatesLoadResult, SelfTestReport } from "../pane/bridge";
import type { Finding } from "../core/workbook/register";
import type { SelfTestItem } from "../core/workbook/selftest";

/** What bridge-server.ts returns (kept here: that file is compiled against Apps Script types, not DOM). */
type Envelope<T> = { ok: true; value: T } | { ok: false; error: string };
interface StepOutcome extends BuildResult { done: boolean; stopped?: boolean; sheetsPlanned: number; progress: BuildProgress; state?: HostState }
export type SheetsState = HostState & { builderName?: string };

export interface ScriptRunner {
  withSuccessHandler(fn: (value: any) => void): ScriptRunner;
  withFailureHandler(fn: (error: any) => void): ScriptRunner;
  [serverFunction: string]: any;
}

/**
 * With several Google accounts signed in, Apps Script runs the sidebar's calls as the browser's first
 * (default) account, and they fail with one of these (Google's own issue 69270374, "won't fix"; see
 * developers.google.com/apps-script/guides/support/troubleshooting, "Issues with multiple Google Accounts").
 */
const SEVERAL_ACCOUNTS = /PERMISSION_DENIED|server error occurred while reading from storage|Authorization is required to perform that action|connected to multiple accounts/i;
export const SEVERAL_ACCOUNTS_MESSAGE =
  "Google Sheets could not reach PCN Toolkit. This happens when you are signed in to more than one Google account in this browser: " +
  "Apps Script then answers as your first (default) account, which may not be the one using this spreadsheet. " +
  "Sign out of the other accounts (or open this spreadsheet in a private or incognito window signed in only to this account), then open the sidebar again.";
export const TIME_LIMIT_MESSAGE = "Apps Script stopped the build at its 6-minute limit. Build again: it carries on where it stopped.";
export const CONNECTION_MESSAGE = "The connection to Google Sheets was lost. Check your connection and build again: a build carries on where it stopped.";

/** The sentence for a google.script.run failure (Apps Script passes an Error-like object or a string). */
export function failureMessage(fn: string, err: unknown): string {
  const msg = err && typeof err === "object" && "message" in err ? String((err as Error).message) : String(err ?? "");
  if (SEVERAL_ACCOUNTS.test(msg)) return SEVERAL_ACCOUNTS_MESSAGE;
  if (/Exceeded maximum execution time/i.test(msg)) return TIME_LIMIT_MESSAGE;
  if (/NetworkError|Connection failure|Failed to fetch|HTTP 0\b/i.test(msg)) return CONNECTION_MESSAGE;
  return msg || `The spreadsheet did not answer (${fn}).`;
}

/** An error whose message is a sentence for people (the pane shows it as it is): named as the core names its own. */
const forPeople = (message: string) => Object.assign(new Error(message), { name: "PcnError" });

/**
 * Calls a server function; resolves with its value, rejects with its sentence. The server's own sentences and the
 * failures recognised here are for people; "Unexpected problem: …" and Apps Script's other messages are not.
 */
export function callServer<T>(run: () => ScriptRunner, fn: string, ...args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const runner = run()
      .withSuccessHandler((res: Envelope<T> | null) => {
        if (res && res.ok === true) resolve(res.value);
        else if (res && res.ok === false) reject(/^Unexpected problem:/.test(res.error) ? new Error(res.error) : forPeople(res.error));
        else reject(new Error(`No answer from ${fn}.`));
      })
      .withFailureHandler((err: unknown) => {
        const message = failureMessage(fn, err);
        const raw = err && typeof err === "object" && "message" in err ? String((err as Error).message) : String(err ?? "");
        reject(Object.assign(message !== raw ? forPeople(message) : new Error(message), { raw: err }));
      });
    runner[fn](...args);
  });
}

const isTimeLimit = (e: unknown) => e instanceof Error && e.message === TIME_LIMIT_MESSAGE;

function randomToken(): string {
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint32Array): Uint32Array } }).crypto;
  const words = new Uint32Array(4);
  if (c?.getRandomValues) c.getRandomValues(words);
  else for (let i = 0; i < words.length; i++) words[i] = Math.floor(Math.random() * 2 ** 32);
  return `build-${[...words].map((w) => w.toString(36)).join("")}`;
}

export interface BridgeOptions {
  /** Checks only the browser can make (the sidebar's CSP), sent with the self-test. */
  clientChecks?: () => Promise<SelfTestItem[]>;
  token?: () => string;
  /** Most executions one build may take before the bridge gives up saying so (a build always moves on). */
  maxExecutions?: number;
}

export class AppsScriptBridge implements Bridge {
  private titles = new Map<string, string>();
  /** The state a finished build handed back: the pane's next getState needs no execution. */
  private fresh?: SheetsState;
  lastState?: SheetsState;
  onState?: (s: SheetsState) => void;

  constructor(private run: () => ScriptRunner, private opts: BridgeOptions = {}) {}

  private keep(state: SheetsState): SheetsState {
    for (const s of state.sheets) this.titles.set(s.key, s.title);
    this.lastState = state;
    this.onState?.(state);
    return state;
  }

  async getState(): Promise<HostState> {
    if (this.fresh) {
      const s = this.fresh;
      this.fresh = undefined;
      return this.keep(s);
    }
    return this.keep(await callServer<SheetsState>(this.run, "getState"));
  }

  /**
   * Stop (control.shouldStop, asked before each execution) sends the next call with `{ stop: true }`: the server
   * finishes the sheet an execution stopped inside, starts no other, and ends the build; the sheets finished stay.
   * A failure carries the sheets finished before it (BuildFailureInfo.sheetsBuilt).
   */
  async build(req: BuildRequest, onProgress: (p: BuildProgress) => void, control?: BuildControl): Promise<BuildResult> {
    const token = (this.opts.token ?? randomToken)();
    // JSON round trip: google.script.run only carries plain values (no undefined fields).
    const request = JSON.parse(JSON.stringify(req));
    const built: string[] = [];
    const warnings: string[] = [];
    const max = this.opts.maxExecutions ?? 200;
    let retries = 0;
    for (let n = 0; ; n++) {
      if (n >= max) throw Object.assign(forPeople(`The build had not finished after ${max} runs of Apps Script; build again to carry on.`), { sheetsBuilt: [...built] });
      let res: StepOutcome;
      const stop = control?.shouldStop() === true;
      try {
        res = await callServer<StepOutcome>(this.run, "buildSheets", request, token, ...(stop ? [{ stop: true }] : []));
      } catch (e) {
        // An execution Apps Script cut off is picked up again from the last place the build noted.
        if (isTimeLimit(e) && retries++ < 2) continue;
        throw Object.assign(e instanceof Error ? e : new Error(String(e)), { sheetsBuilt: [...built] });
      }
      retries = 0;
      for (const k of res.sheetsBuilt) if (!built.includes(k)) built.push(k);
      for (const w of res.warnings) if (!warnings.includes(w)) warnings.push(w);
      const label = this.titles.get(res.progress.label) ?? res.progress.label;
      onProgress({ done: res.progress.done, total: res.progress.total, label });
      if (res.done) {
        if (res.state) this.fresh = res.state as SheetsState;
        if (res.stopped) return { sheetsBuilt: built, warnings, stopped: true, note: "You stopped the build: the sheets it had finished are built; the others are not." };
        return { sheetsBuilt: built, warnings };
      }
    }
  }

  checkRegister(): Promise<Finding[]> {
    return callServer<Finding[]>(this.run, "checkRegister");
  }

  loadRates(fileText: string): Promise<RatesLoadResult> {
    return callServer<RatesLoadResult>(this.run, "loadRates", fileText);
  }

  lockStatement(period: string): Promise<{ sheet: string; warnings: string[] }> {
    return callServer<{ sheet: string; warnings: string[] }>(this.run, "lockStatement", period);
  }

  async goTo(sheet: string, row: number, col?: number): Promise<void> {
    await callServer<null>(this.run, "goTo", sheet, row, col ?? 0);
  }

  /** Saves the name shown to others while this person builds. */
  setBuilderName(name: string): Promise<string> {
    return callServer<string>(this.run, "setBuilderName", name);
  }

  async runSelfTest(): Promise<SelfTestReport> {
    const client = this.opts.clientChecks ? await this.opts.clientChecks() : [];
    return callServer<SelfTestReport>(this.run, "runSelfTest", JSON.parse(JSON.stringify(client)));
  }
}
