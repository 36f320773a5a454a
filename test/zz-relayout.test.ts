import { it, expect } from "vitest";
import { buildPlan } from "../core/workbook/build";
import { runBuildStep } from "../sheets-addon/build-run";
import { applyPlan } from "../sheets-addon/writer";
import { createFakeGas, type FakeGas } from "./fakes/fakeSheets";
const TODAY = "2025-10-01";
const YEAR = "2026/27";
function withGlobals<T>(gas: FakeGas, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(gas.globals).map((k) => [k, (globalThis as any)[k]]));
  Object.assign(globalThis, gas.globals);
  try { return fn(); } finally { Object.assign(globalThis, saved); }
}
/** The sample, then Budget as an older version laid it out: two input columns the other way round. */
function older(opts: Parameters<typeof createFakeGas>[0] = {}) {
  const gas = createFakeGas(opts);
  withGlobals(gas, () => gas.execute("setup", () => applyPlan((globalThis as any).SpreadsheetApp.getActiveSpreadsheet(), buildPlan({ sheets: [] }, { year: YEAR, sample: true, today: TODAY })), { limit: Infinity }));
  const meta = gas.sheet("PCN_Meta");
  let row = 0;
  for (let r = 1; r <= meta.extent().rows; r++) if (meta.cell(r, 2)?.value === (process.env.KEY ?? "budget")) row = r;
  const layout: string[] = JSON.parse(String(meta.cell(row, 4)!.value));
  const [a, b] = [1, 2];
  console.log("swap", layout[a], layout[b]);
  [layout[a], layout[b]] = [layout[b], layout[a]];
  meta.put(row, 4, { value: JSON.stringify(layout), formula: null });
  const budget = gas.sheet(process.env.SHEET ?? "Budget");
  for (let r = 1; r <= budget.extent().rows; r++) {
    const x = budget.cell(r, a + 1) ?? null, y = budget.cell(r, b + 1) ?? null;
    budget.put(r, a + 1, y);
    budget.put(r, b + 1, x);
  }
  return gas;
}
function rebuild(gas: FakeGas) {
  return withGlobals(gas, () => {
    let done = false, n = 0;
    for (; !done && n < 40; n++) {
      const out = gas.execute("buildSheets", () => runBuildStep({ year: YEAR, sheets: [], sample: false }, "relayout", { now: () => gas.now(), today: TODAY }));
      done = out.done;
      console.log("exec", n, out.sheetsBuilt.join(","), JSON.parse(gas.documentProperties.getProperty("PCN_BUILD_MARKER") ?? "null")?.stopped);
      gas.advance(1500);
    }
    return n;
  });
}
const cells = (g: FakeGas, name: string) => [...g.sheet(name).cells].map((c) => JSON.stringify(c)).sort();
it("relayout across executions", () => {
  const one = older();
  console.log("one-go executions", rebuild(one));
  const slow = older({ costs: { call: Number(process.env.CALL ?? 250), service: 250 } });
  console.log("slow executions", rebuild(slow));
  const A = cells(slow, process.env.SHEET ?? "Budget"), B = cells(one, process.env.SHEET ?? "Budget");
  console.log("diff", A.filter((x) => !B.includes(x)).slice(0, 5), B.filter((x) => !A.includes(x)).slice(0, 5));
  expect(A).toEqual(B);
}, 300000);
