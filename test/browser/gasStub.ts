/**
 * A stand-in for Apps Script's `google.script.run` inside the built Sidebar.html. Passed to page.addInitScript,
 * so it must be self-contained (serialised to the page). Answers like bridge-server.ts: `{ ok, value }`
 * envelopes; a build runs `perExecution` sheets per call, as the real one runs as many as an execution's time
 * allows, and says when it is done. `fail` makes a server function fail as Apps Script fails it (an Error-like
 * object to the failure handler), as with several Google accounts signed in.
 */
export interface GasCanned {
  state: unknown;
  findings: unknown[];
  /** ms before each answer, so progress can be seen. */
  delay: number;
  /** Sheets each buildSheets call builds (default 3). */
  perExecution?: number;
  /** Server function name -> the message its calls fail with. */
  fail?: Record<string, string>;
  /** The nth call (1-based) of a server function fails once, with this message, as Apps Script fails it. */
  failOnce?: { fn: string; call: number; message: string };
  /** buildSheets answers only when the test calls window.__gas.release() (one answer each), so a test can act between executions. */
  manual?: boolean;
}

export function installGasStub(canned: GasCanned): void {
  type Handler = (v: unknown) => void;
  const w = window as unknown as Record<string, any>;
  const state = JSON.parse(JSON.stringify(canned.state));
  const calls: [string, unknown[]][] = [];
  const per = canned.perExecution ?? 3;
  const builds = new Map<string, string[]>();
  const held: (() => void)[] = [];
  const server: Record<string, (...a: any[]) => unknown> = {
    getState: () => ({ ok: true, value: { ...state, builderName: state.builderName ?? "" } }),
    buildSheets: (req: { sheets: string[]; year: string }, token: string, options?: { stop?: boolean }) => {
      const keys = req.sheets.length ? req.sheets : state.sheets.map((s: { key: string }) => s.key);
      if (options?.stop) {
        // As build-run.ts: the sheet in hand is finished (this stub never stops inside one), no other is started.
        const left = builds.get(token) ?? [...keys];
        builds.set(token, []);
        const progress = { done: keys.length - left.length, total: keys.length, label: "Stopped" };
        return { ok: true, value: { sheetsBuilt: [], warnings: [], done: true, stopped: true, sheetsPlanned: keys.length, progress } };
      }
      for (const k of keys) if (!state.sheets.some((x: { key: string }) => x.key === k)) return { ok: false, error: `No sheet ${k}` };
      const left = builds.get(token) ?? [...keys];
      const now = left.splice(0, per);
      builds.set(token, left);
      for (const k of now) state.sheets.find((x: { key: string }) => x.key === k).exists = true;
      state.workbookYear = req.year;
      const done = left.length === 0;
      const next = state.sheets.find((x: { key: string }) => x.key === left[0]);
      const progress = { done: keys.length - left.length, total: keys.length, label: done ? "Done" : next.title };
      return { ok: true, value: { sheetsBuilt: now, warnings: [], done, sheetsPlanned: keys.length, progress, state: done ? { ...state, host: "sheets" } : undefined } };
    },
    checkRegister: () => ({ ok: true, value: canned.findings }),
    goTo: () => ({ ok: true, value: null }),
    setBuilderName: (name: string) => {
      state.builderName = String(name).trim();
      return { ok: true, value: state.builderName };
    },
    runSelfTest: (clientItems: unknown[]) => ({
      ok: true,
      value: { host: "sheets", version: "stub", ranAt: new Date(0).toISOString(), items: [{ id: "sheets.stub", what: "stub", passed: true, detail: "" }, ...(clientItems ?? [])], sheet: "PCN Self-test" },
    }),
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
            const nth = calls.filter(([n]) => n === name).length;
            const answer = () => {
              const once = canned.failOnce;
              if (once && once.fn === name && once.call === nth) return fail?.({ name: "ScriptError", message: once.message });
              const failing = canned.fail?.[name];
              if (failing) return fail?.({ name: "ScriptError", message: failing });
              const fn = server[name];
              if (!fn) return fail?.(new Error(`ScriptError: Script function not found: ${name}`));
              ok?.(JSON.parse(JSON.stringify(fn(...args))));
            };
            if (canned.manual && name === "buildSheets") held.push(answer);
            else setTimeout(answer, canned.delay);
          };
        },
      },
    );
  }
  w.google = { script: { run: runner(), host: { close() {}, setHeight() {}, setWidth() {} } } };
  w.__gas = {
    calls,
    state,
    /** Answers the oldest held buildSheets call (after the stub's delay); false when none is held. */
    release: () => {
      const next = held.shift();
      if (next) setTimeout(next, canned.delay);
      return !!next;
    },
    held: () => held.length,
  };
}
