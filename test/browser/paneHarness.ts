/**
 * Browser entry for the pane-only tests: mounts the real pane over a scriptable fake Bridge and a clock the test
 * moves by hand (window.__fake.clock.advance), so "still working" is seen without waiting.
 * The test sets window.__paneSetup (via addInitScript) and drives window.__fake.
 */
import { mountPane, type PaneClock } from "../../pane/pane";
import type { Bridge, BuildControl, BuildProgress, BuildRequest, BuildResult, HostState, RatesLoadResult } from "../../pane/bridge";
import type { Finding } from "../../core/workbook/register";
import type { PaneTheme } from "../../pane/theme";

interface Setup {
  state: HostState;
  findings?: Finding[];
  /** Build waits for window.__fake.advance() before each sheet, so tests can look at progress mid-build. */
  manual?: boolean;
  buildError?: string;
  /** The error's name (default Error: the host's own text); "PcnError" for a host sentence. */
  buildErrorName?: string;
  /** The build fails after this many sheets (default 1 when buildError is set). */
  failAfter?: number;
  /** Say on the error which sheets were finished (as the Sheets bridge does). */
  reportBuilt?: boolean;
  /** Say on the error that the workbook is as it was (as Excel's rollback does). */
  restored?: boolean;
  /** The build fails only the first time (Try again then finishes it). */
  failOnce?: boolean;
  stateError?: string;
  warnings?: string[];
  /** When set, the bridge can load rates files and answers with this. */
  rates?: RatesLoadResult;
  /** When set, the bridge can lock statements. */
  lock?: boolean;
  selfTest?: boolean;
  theme?: PaneTheme;
  /** Extra settings block, as the Sheets sidebar passes "Your name". */
  settings?: boolean;
}

const w = window as unknown as { __paneSetup: Setup; __fake: unknown; __pane: unknown };
const setup = w.__paneSetup;
const waiting: (() => void)[] = [];

/** A clock that only moves when told: timers fire in order as it passes them. */
const timers: { at: number; fn: () => void; id: number }[] = [];
let now = 1_000_000;
let seq = 0;
const clock: PaneClock & { advance(ms: number): void; pending(): number } = {
  now: () => now,
  setTimeout(fn, ms) {
    const id = ++seq;
    timers.push({ at: now + Math.max(0, ms), fn, id });
    return id;
  },
  clearTimeout(handle) {
    const i = timers.findIndex((t) => t.id === handle);
    if (i >= 0) timers.splice(i, 1);
  },
  advance(ms) {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = timers[0];
      if (!next || next.at > end) break;
      timers.shift();
      now = next.at;
      next.fn();
    }
    now = end;
  },
  pending: () => timers.length,
};

let failures = 0;
const fake = {
  state: setup.state,
  calls: { getState: 0, build: [] as BuildRequest[], checkRegister: 0, goTo: [] as [string, number, number | undefined][], loadRates: [] as string[], lock: [] as string[], stopAsked: 0 },
  progress: [] as BuildProgress[],
  setup,
  clock,
  advance(): boolean {
    const next = waiting.shift();
    next?.();
    return !!next;
  },
  pending: () => waiting.length,
};
w.__fake = fake;

const tick = () => new Promise<void>((r) => (setup.manual ? waiting.push(r) : setTimeout(r, 5)));

const bridge: Bridge = {
  async getState() {
    fake.calls.getState++;
    if (setup.stateError) throw new Error(setup.stateError);
    return JSON.parse(JSON.stringify(fake.state));
  },
  async build(req, onProgress, control?: BuildControl): Promise<BuildResult> {
    fake.calls.build.push(JSON.parse(JSON.stringify(req)));
    const keys = req.sheets.length ? req.sheets : fake.state.sheets.map((s) => s.key);
    const built: string[] = [];
    // Same progress contract as the hosts: done = sheets finished, label = the sheet now being built.
    for (let i = 0; i < keys.length; i++) {
      // As the hosts do: asked between sheets, and the sheet in hand is finished first.
      if (control?.shouldStop()) {
        fake.calls.stopAsked++;
        return { sheetsBuilt: built, warnings: [], stopped: true, note: "You stopped the build: the sheets it had finished are built; the others are not." };
      }
      const sheet = fake.state.sheets.find((s) => s.key === keys[i])!;
      const p = { done: i, total: keys.length, label: sheet.title };
      fake.progress.push(p);
      onProgress(p);
      await tick();
      const failing = setup.buildError && (!setup.failOnce || failures === 0);
      if (failing && i === (setup.failAfter ?? 1)) {
        failures++;
        if (setup.restored) for (const k of built) fake.state.sheets.find((s) => s.key === k)!.exists = false;
        const err = Object.assign(new Error(setup.buildError), { name: setup.buildErrorName ?? "Error" });
        if (setup.reportBuilt) Object.assign(err, { sheetsBuilt: [...built] });
        if (setup.restored) Object.assign(err, { restored: true });
        throw err;
      }
      sheet.exists = true;
      built.push(sheet.key);
    }
    onProgress({ done: keys.length, total: keys.length, label: "Done" });
    fake.state.workbookYear = req.year;
    return { sheetsBuilt: keys, warnings: setup.warnings ?? [] };
  },
  async checkRegister() {
    fake.calls.checkRegister++;
    return JSON.parse(JSON.stringify(setup.findings ?? []));
  },
  async goTo(sheet, row, col) {
    fake.calls.goTo.push([sheet, row, col]);
  },
};

if (setup.rates) {
  bridge.loadRates = async (text: string) => {
    fake.calls.loadRates.push(text);
    await tick();
    return JSON.parse(JSON.stringify(setup.rates));
  };
}
if (setup.lock) {
  bridge.lockStatement = async (period: string) => {
    fake.calls.lock.push(period);
    await tick();
    return { sheet: `Statement ${period}`, warnings: [] };
  };
}
if (setup.selfTest) {
  bridge.runSelfTest = async () => ({ host: "test", version: "harness", ranAt: new Date(0).toISOString(), items: [{ id: "harness.ok", what: "harness", passed: true, detail: "" }], sheet: "PCN Self-test" });
}

const settings: HTMLElement[] = [];
if (setup.settings) {
  const label = document.createElement("label");
  label.htmlFor = "harness-name";
  label.textContent = "Your name";
  const input = document.createElement("input");
  input.type = "text";
  input.id = "harness-name";
  settings.push(label, input);
}

w.__pane = mountPane(document.getElementById("app")!, bridge, { clock, theme: setup.theme, settings });
