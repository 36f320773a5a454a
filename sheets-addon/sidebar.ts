/**
 * Sidebar client (runs in the browser, inside HtmlService's iframe): the shared pane over google.script.run.
 * Builds go one server call per sheet so the pane can show progress and each call stays far below Apps
 * Script's 6-minute limit.
 */
import { mountPane } from "../pane/pane";
import type { Bridge, BuildProgress, BuildRequest, BuildResult, HostState, RatesLoadResult } from "../pane/bridge";
import type { Finding } from "../core/workbook/register";

/** What bridge-server.ts returns (kept here: that file is compiled against Apps Script types, not DOM). */
type Envelope<T> = { ok: true; value: T } | { ok: false; error: string };

interface ScriptRunner {
  withSuccessHandler(fn: (value: any) => void): ScriptRunner;
  withFailureHandler(fn: (error: any) => void): ScriptRunner;
  [serverFunction: string]: any;
}
declare const google: { script: { run: ScriptRunner } };

/** Calls a server function; resolves with its value, rejects with its sentence. */
export function callServer<T>(fn: string, ...args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const runner = google.script.run
      .withSuccessHandler((res: Envelope<T> | null) => {
        if (res && res.ok === true) resolve(res.value);
        else reject(new Error(res && res.ok === false ? res.error : `No answer from ${fn}.`));
      })
      .withFailureHandler((err: unknown) => {
        // Apps Script failures (timeouts, lost authorisation) arrive as an Error-like object.
        const msg = err && typeof err === "object" && "message" in err ? String((err as Error).message) : String(err);
        reject(new Error(msg || `The spreadsheet did not answer (${fn}).`));
      });
    runner[fn](...args);
  });
}

export class AppsScriptBridge implements Bridge {
  private titles = new Map<string, string>();

  async getState(): Promise<HostState> {
    const state = await callServer<HostState>("getState");
    for (const s of state.sheets) this.titles.set(s.key, s.title);
    return state;
  }

  async build(req: BuildRequest, onProgress: (p: BuildProgress) => void): Promise<BuildResult> {
    const keys = req.sheets.length ? req.sheets : (await this.getState()).sheets.map((s) => s.key);
    const built: string[] = [];
    const warnings: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      onProgress({ done: i, total: keys.length, label: this.titles.get(keys[i]) ?? keys[i] });
      // JSON round trip: google.script.run only carries plain values (no undefined fields).
      const one = JSON.parse(JSON.stringify({ ...req, sheets: [keys[i]] }));
      const res = await callServer<BuildResult>("buildSheets", one);
      built.push(...res.sheetsBuilt);
      for (const w of res.warnings) if (!warnings.includes(w)) warnings.push(w);
    }
    onProgress({ done: keys.length, total: keys.length, label: "Done" });
    return { sheetsBuilt: built, warnings };
  }

  checkRegister(): Promise<Finding[]> {
    return callServer<Finding[]>("checkRegister");
  }

  loadRates(fileText: string): Promise<RatesLoadResult> {
    return callServer<RatesLoadResult>("loadRates", fileText);
  }

  async goTo(sheet: string, row: number, col?: number): Promise<void> {
    await callServer<null>("goTo", sheet, row, col ?? 0);
  }
}

mountPane(document.getElementById("app")!, new AppsScriptBridge());
