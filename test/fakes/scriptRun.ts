/**
 * google.script.run for Node: each call is one execution of the built Code.js over the fake (its time limit,
 * its user), with what crosses serialised as Apps Script serialises it (plain JSON), answered asynchronously
 * like the real thing. Failures arrive as Apps Script sends them: an Error-like { name, message }.
 */
import type { ScriptRunner } from "../../sheets-addon/sidebar-bridge";
import { ExecutionKilled, type FakeGas, type FakeUser } from "./fakeSheets";

export interface ScriptRunOptions {
  user?: FakeUser;
  /** A failure to give instead of running the function (the several-accounts case, a lost connection). */
  fail?: (fn: string, args: unknown[]) => { name: string; message: string } | undefined;
}

export function scriptRun(gas: FakeGas, ctx: Record<string, any>, opts: ScriptRunOptions = {}): () => ScriptRunner {
  type Handler = (v: unknown) => void;
  const runner = (ok?: Handler, failed?: Handler): ScriptRunner =>
    new Proxy({} as ScriptRunner, {
      get(_t, name: string) {
        if (name === "withSuccessHandler") return (fn: Handler) => runner(fn, failed);
        if (name === "withFailureHandler") return (fn: Handler) => runner(ok, fn);
        if (name === "withUserObject") return () => runner(ok, failed);
        return (...args: unknown[]) => {
          const sent = JSON.parse(JSON.stringify(args));
          const planned = opts.fail?.(name, sent);
          let answer: () => void;
          if (planned) answer = () => failed?.(planned);
          else if (typeof ctx[name] !== "function") answer = () => failed?.({ name: "ScriptError", message: `Script function not found: ${name}` });
          else {
            try {
              const out = gas.execute(name, () => ctx[name](...sent), { user: opts.user ?? gas.user });
              const back = out === undefined ? null : JSON.parse(JSON.stringify(out));
              answer = () => ok?.(back);
            } catch (e) {
              const message = e instanceof ExecutionKilled ? "Exceeded maximum execution time" : e instanceof Error ? e.message : String(e);
              answer = () => failed?.({ name: "ScriptError", message });
            }
          }
          setTimeout(answer, 0);
        };
      },
    });
  return () => runner();
}
