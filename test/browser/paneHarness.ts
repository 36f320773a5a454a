/**
 * Browser entry for the pane-only tests: mounts the real pane over a scriptable fake Bridge.
 * The test sets window.__paneSetup (via addInitScript) and drives window.__fake.
 */
import { mountPane } from "../../pane/pane";
import type { Bridge, BuildProgress, BuildRequest, BuildResult, HostState, RatesLoadResult } from "../../pane/bridge";
import type { Finding } from "../../core/workbook/register";

interface Setup {
  state: HostState;
  findings?: Finding[];
  /** Build waits for window.__fake.advance() before each sheet, so tests can look at progress mid-build. */
  manual?: boolean;
  buildError?: string;
  stateError?: string;
  warnings?: string[];
  /** When set, the bridge can load rates files and answers with this. */
  rates?: RatesLoadResult;
}

const w = window as unknown as { __paneSetup: Setup; __fake: unknown };
const setup = w.__paneSetup;
const waiting: (() => void)[] = [];
const fake = {
  state: setup.state,
  calls: { getState: 0, build: [] as BuildRequest[], checkRegister: 0, goTo: [] as [string, number, number | undefined][], loadRates: [] as string[] },
  progress: [] as BuildProgress[],
  setup,
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
  async build(req, onProgress): Promise<BuildResult> {
    fake.calls.build.push(JSON.parse(JSON.stringify(req)));
    const keys = req.sheets.length ? req.sheets : fake.state.sheets.map((s) => s.key);
    // Same progress contract as the hosts: done = sheets finished, label = the sheet now being built.
    for (let i = 0; i < keys.length; i++) {
      const sheet = fake.state.sheets.find((s) => s.key === keys[i])!;
      const p = { done: i, total: keys.length, label: sheet.title };
      fake.progress.push(p);
      onProgress(p);
      await tick();
      if (setup.buildError && i === 1) throw new Error(setup.buildError);
      sheet.exists = true;
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

mountPane(document.getElementById("app")!, bridge);
