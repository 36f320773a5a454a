/**
 * A stand-in for Apps Script's `google.script.run` inside the built Sidebar.html. Passed to page.addInitScript,
 * so it must be self-contained (serialised to the page). Answers like bridge-server.ts: `{ ok, value }` envelopes.
 */
export interface GasCanned {
  state: unknown;
  findings: unknown[];
  /** ms before each answer, so progress can be seen. */
  delay: number;
}

export function installGasStub(canned: GasCanned): void {
  type Handler = (v: unknown) => void;
  const w = window as unknown as Record<string, any>;
  const state = JSON.parse(JSON.stringify(canned.state));
  const calls: [string, unknown[]][] = [];
  const server: Record<string, (...a: any[]) => unknown> = {
    getState: () => ({ ok: true, value: state }),
    buildSheets: (req: { sheets: string[]; year: string }) => {
      for (const k of req.sheets) {
        const s = state.sheets.find((x: { key: string }) => x.key === k);
        if (!s) return { ok: false, error: `No sheet ${k}` };
        s.exists = true;
      }
      state.workbookYear = req.year;
      return { ok: true, value: { sheetsBuilt: req.sheets, warnings: [] } };
    },
    checkRegister: () => ({ ok: true, value: canned.findings }),
    goTo: () => ({ ok: true, value: null }),
  };
  function runner(ok?: Handler, fail?: Handler): unknown {
    return new Proxy(
      {},
      {
        get(_t, name: string) {
          if (name === "withSuccessHandler") return (fn: Handler) => runner(fn, fail);
          if (name === "withFailureHandler") return (fn: Handler) => runner(ok, fn);
          if (name === "withUserObject") return () => runner(ok, fail);
          return (...args: unknown[]) => {
            calls.push([name, JSON.parse(JSON.stringify(args))]);
            setTimeout(() => {
              const fn = server[name];
              if (!fn) return fail?.(new Error(`ScriptError: Script function not found: ${name}`));
              ok?.(JSON.parse(JSON.stringify(fn(...args))));
            }, canned.delay);
          };
        },
      },
    );
  }
  w.google = { script: { run: runner(), host: { close() {}, setHeight() {}, setWidth() {} } } };
  w.__gas = { calls, state };
}
