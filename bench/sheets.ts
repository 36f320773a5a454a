/**
 * Google Sheets add-on benchmark, on the fake Apps Script with its clock and cost model (test/fakes/fakeSheets.ts:
 * about 7 ms a document call and 0.14 ms a cell written, from published figures): the built Code.js driven by the
 * sidebar's own bridge through a google.script.run whose every call is one execution, as in Sheets.
 *  - executions, document calls (apart from in-memory builder calls and other services), cells read and the
 *    longest execution, for the sample into a new spreadsheet and a rebuild of the large network, with the
 *    targets beside them;
 *  - the same rebuild on a host six times slower, to show it resume across executions;
 *  - per sheet, document calls of this writer against the obvious row-at-a-time one.
 * Every figure comes from counting calls, not from timing this machine.
 */
import vm from "node:vm";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PlanCell, RangeRef, SheetPlan, WritePlan } from "../core/workbook/plan";
import { a1 } from "../core/workbook/plan";
import { buildPlan } from "../core/workbook/build";
import { largeNetwork } from "../core/workbook/sample";
import { AppsScriptBridge } from "../sheets-addon/sidebar-bridge";
import { applyPlan, planExtent, toSheetValue, type Range, type RangeList, type Sheet, type Spreadsheet as Ss, type WriterApp } from "../sheets-addon/writer";
import { callKind, createFakeGas, ensureSheetsBuild, EXECUTION_LIMIT_MS, type Execution, type FakeGas } from "../test/fakes/fakeSheets";
import { scriptRun } from "../test/fakes/scriptRun";

export interface Table { title: string; rows: Record<string, unknown>[]; notes?: string[] }

const TODAY = "2025-10-01";

/** Runs fn with the fake's services as globals (the writer uses SpreadsheetApp / Charts as Apps Script does). */
function withFake<T>(gas: FakeGas, fn: (ss: Ss) => T): T {
  const g = globalThis as Record<string, unknown>;
  const saved = Object.keys(gas.globals).map((k) => [k, g[k]] as const);
  Object.assign(g, gas.globals);
  try {
    return fn((g.SpreadsheetApp as { getActiveSpreadsheet(): Ss }).getActiveSpreadsheet());
  } finally {
    for (const [k, v] of saved) g[k] = v;
  }
}

// ---------------------------------------------------------------- the sidebar's flow

async function codeJs(): Promise<string> {
  const dist = await ensureSheetsBuild(resolve(__dirname, ".."));
  return readFileSync(join(dist, "Code.js"), "utf8");
}

function boot(code: string, opts: Parameters<typeof createFakeGas>[0] = {}) {
  const gas = createFakeGas(opts);
  const ctx = gas.context();
  vm.runInContext(code, ctx, { filename: "Code.js" });
  return { gas, ctx, bridge: new AppsScriptBridge(scriptRun(gas, ctx)) };
}

/** The figures of one build: its executions (buildSheets calls) and what the pane asked for around it. */
function figures(label: string, gas: FakeGas, from: number, cellsInWorkbook: number, target: { executions: string; documentCalls: string; readsPerCell: string }) {
  const runs: Execution[] = gas.executions.slice(from).filter((e) => e.fn === "buildSheets");
  const sum = (f: (e: Execution) => number) => runs.reduce((n, e) => n + f(e), 0);
  const max = (f: (e: Execution) => number) => runs.reduce((n, e) => Math.max(n, f(e)), 0);
  return {
    build: label,
    executions: runs.length,
    "executions (target)": target.executions,
    "document calls": sum((e) => e.calls.byKind.document),
    "document calls (target)": target.documentCalls,
    // One call a name and one a run of equal column widths whatever the writer does: the plan sets these.
    "of which names set (1 call each)": sum((e) => e.calls.count("Spreadsheet.setNamedRange")),
    "of which column widths": sum((e) => e.calls.count("Sheet.setColumnWidths")),
    "most document calls in one execution": max((e) => e.calls.byKind.document),
    "builder calls (in memory)": sum((e) => e.calls.byKind.builder),
    "lock/properties calls": sum((e) => e.calls.byKind.service),
    "cells read, most in one execution": max((e) => e.cellsRead()),
    "cells in the workbook": cellsInWorkbook,
    "reads of a cell, most in one execution": max((e) => e.maxReadsOfACell()),
    "reads of a cell (target)": target.readsPerCell,
    "longest execution (s, model)": Math.round(max((e) => e.elapsed) / 100) / 10,
    "Apps Script limit (s)": EXECUTION_LIMIT_MS / 1000,
    "executions cut off": runs.filter((e) => e.killed).length,
  };
}

const cellsOf = (gas: FakeGas) => gas.ss.sheets.reduce((n, s) => n + s.extent().rows * s.extent().cols, 0);

async function sidebarFlow(): Promise<Table> {
  const code = await codeJs();
  const rows: Record<string, unknown>[] = [];
  let sampleNote = "";

  // The sample into a new spreadsheet: the pane reads the state, builds all, reads the state again.
  {
    const { gas, bridge } = boot(code);
    await bridge.getState();
    const from = gas.executions.length;
    await bridge.build({ year: "", sheets: [], sample: true }, () => {});
    const afterBuild = gas.executions.length;
    await bridge.getState();
    const row = figures("sample, new spreadsheet", gas, from, cellsOf(gas), { executions: "1", documentCalls: "≤ 450", readsPerCell: "≤ 1" });
    rows.push({ ...row, "pane re-reads after the build (executions)": gas.executions.length - afterBuild });
    const own = row["document calls"] - row["of which names set (1 call each)"] - row["of which column widths"];
    const sheets = gas.ss.sheets.length - 1; // all but the new spreadsheet's Sheet1
    const floor = row["of which names set (1 call each)"] + row["of which column widths"];
    sampleNote = `The sample's 450 (issue #13) was met for 2025/26 (17 sheets, 125 names) and cannot be for today's: ${sheets} sheets and ${gas.ss.namedRanges.length} names. A name is one setNamedRange and a run of equal column widths one setColumnWidths (already the fewest: a width may be laid under several columns and painted over), and Apps Script has no batch form of either under spreadsheets.currentonly, so those two alone take ${floor} calls before a cell is written; the rest, ${own}, is about ${(own / sheets).toFixed(1)} calls a sheet (values, formats, styles, rules, freeze, filter, charts).`;
  }

  // The large network as built offline and opened in Sheets, rebuilt from the sidebar (as the pane sends it).
  for (const scale of [1, 6]) {
    const { gas, bridge } = boot(code, { costs: { scale } });
    withFake(gas, (ss) => gas.execute("setup", () => applyPlan(ss, buildPlan({ sheets: [] }, { data: largeNetwork(), today: TODAY })), { limit: Infinity }));
    // Sheets shows formulas' results; the fake computes none, so a formula shows 0 (as the months closed would).
    gas.formulaValue = () => 0;
    const state = await bridge.getState();
    const from = gas.executions.length;
    await bridge.build({ year: state.workbookYear ?? "", sheets: [], practices: state.practices, sample: false }, () => {});
    rows.push({
      ...figures(scale === 1 ? "large network, rebuild" : `large network, rebuild, host ${scale}x slower`, gas, from, cellsOf(gas), {
        executions: scale === 1 ? "as few as 6 minutes allow" : "resumes, none over 6 min",
        documentCalls: "(no target)",
        readsPerCell: "≤ 1",
      }),
      "pane re-reads after the build (executions)": 0,
    });
  }
  return {
    title: "Sheets add-on through the sidebar's own flow (built Code.js on the fake, its clock and cost model): executions, document calls, reads",
    rows,
    notes: [
      "An execution is one google.script.run call; Apps Script ends any at 6 minutes. The build stops at a step boundary before 330 s and the next execution carries on.",
      "Document calls touch the spreadsheet; builder calls (rule and chart builders) are in memory; lock and properties calls keep the build lease and its marker.",
      sampleNote,
      "Cells read counts every cell a getValues or getFormulas covers; a cell read for both its value and its formula counts twice.",
      "Model: ~7 ms a document call, 0.14 ms a cell written, 0.02 ms a cell read (test/fakes/fakeSheets.ts APPS_SCRIPT_COSTS: two published figures and estimates in proportion).",
    ],
  };
}

// ---------------------------------------------------------------- per sheet: this writer against row-at-a-time

/** The fake's SpreadsheetApp, as the naive writer sees it. */
let app: WriterApp & { getActiveSpreadsheet(): Ss };
const rowsOf = (r: RangeRef) => Array.from({ length: r.rows }, (_, i) => ({ row: r.row + i, col: r.col, rows: 1, cols: r.cols }));

/** The obvious writer: the same plan, one call (or builder chain) per row of every block and rule. */
function naiveSheet(ss: Ss, sheet: Sheet & { setColumnWidth(col: number, px: number): unknown }, p: SheetPlan) {
  // A Range has RangeList's setters too.
  const rg = (r: RangeRef) => sheet.getRange(r.row + 1, r.col + 1, r.rows, r.cols) as Range & RangeList;
  for (const c of p.clears) for (const r of rowsOf(c)) rg(r).clearContent();
  for (const f of p.formats) for (const r of rowsOf(f.range)) rg(r).setNumberFormat(f.format);
  for (const b of p.blocks) {
    b.cells.forEach((cells: PlanCell[], i) => {
      if (cells.length) sheet.getRange(b.row + i + 1, b.col + 1, 1, cells.length).setValues([cells.map((c) => toSheetValue(c))]);
    });
  }
  for (const s of p.styles) {
    for (const r of rowsOf(s.range)) {
      if (s.bold !== undefined) rg(r).setFontWeight(s.bold ? "bold" : "normal");
      if (s.italic !== undefined) rg(r).setFontStyle(s.italic ? "italic" : "normal");
      if (s.wrap !== undefined) rg(r).setWrap(s.wrap);
      if (s.fill) rg(r).setBackground(s.fill);
      if (s.fontColor) rg(r).setFontColor(s.fontColor);
    }
  }
  for (const v of p.validations) {
    for (const r of rowsOf(v.range)) {
      let b = app.newDataValidation();
      if (v.list) b = b.requireValueInList(v.list, true);
      else if (v.listSource) {
        try {
          b = b.requireValueInRange(ss.getRange(v.listSource), true);
        } catch {
          continue;
        }
      } else if (v.number) b = b.requireNumberGreaterThanOrEqualTo(v.number.min ?? 0);
      else b = b.requireDate();
      rg(r).setDataValidation(b.setHelpText(v.message).setAllowInvalid(false).build());
    }
  }
  for (const cf of p.conditionalFormats) {
    const rule = app.newConditionalFormatRule().whenFormulaSatisfied(cf.formula).setBackground(cf.fill).setRanges([rg(cf.range)]).build();
    sheet.setConditionalFormatRules([...sheet.getConditionalFormatRules(), rule]);
  }
  sheet.setFrozenRows(p.freeze.rows);
  sheet.setFrozenColumns(p.freeze.cols);
  for (const w of p.columnWidths) sheet.setColumnWidth(w.col + 1, Math.round(w.width * 7));
  for (const c of p.charts) {
    let b = sheet.newChart().asLineChart().addRange(ss.getRange(a1(c.categories.range, { sheet: c.categories.sheet })));
    for (const s of c.series) b = b.addRange(ss.getRange(a1(s.range, { sheet: s.sheet })));
    sheet.insertChart(b.setPosition(c.anchor.row + 1, c.anchor.col + 1, 0, 0).build());
  }
  if (p.hidden) sheet.hideSheet();
}

function naiveApply(ss: Ss, plan: WritePlan, tick: (label: string) => void) {
  const targets = plan.sheets.map((p) => ss.getSheetByName(p.name) ?? ss.insertSheet(p.name));
  plan.sheets.forEach((p, i) => {
    const need = planExtent(p, plan.names.filter((n) => n.sheet === p.name).map((n) => n.range));
    const rows = targets[i].getMaxRows();
    const cols = targets[i].getMaxColumns();
    if (need.rows > rows) targets[i].insertRowsAfter(rows, need.rows - rows);
    if (need.cols > cols) targets[i].insertColumnsAfter(cols, need.cols - cols);
  });
  plan.sheets.forEach((p, i) => {
    tick(p.name);
    naiveSheet(ss, targets[i] as Parameters<typeof naiveSheet>[1], p);
    for (const n of plan.names.filter((x) => x.sheet === p.name)) ss.setNamedRange(n.name, ss.getRange(a1(n.range, { sheet: n.sheet, absolute: true })));
  });
  tick("");
}

/** Document calls between ticks, by label; the calls before the first tick are "(setup)". */
function perLabel(gas: FakeGas, run: (tick: (label: string) => void) => void): Map<string, number> {
  const out = new Map<string, number>();
  let label = "(setup)";
  let last = gas.calls.byKind.document;
  const tick = (next: string) => {
    out.set(label, (out.get(label) ?? 0) + gas.calls.byKind.document - last);
    last = gas.calls.byKind.document;
    label = next;
  };
  run(tick);
  tick("");
  return out;
}

function perSheet(network: string, plan: WritePlan): Record<string, unknown>[] {
  const ours = createFakeGas();
  const byLabel = (tick: (label: string) => void) => (p: { done: number; total: number; label: string }) => tick(p.done >= p.total ? "" : p.label);
  const first = withFake(ours, (ss) => perLabel(ours, (tick) => applyPlan(ss, plan, byLabel(tick))));
  const again = withFake(ours, (ss) => perLabel(ours, (tick) => applyPlan(ss, plan, byLabel(tick))));
  const naive = createFakeGas();
  const naiveCalls = withFake(naive, (ss) => {
    app = (globalThis as unknown as { SpreadsheetApp: typeof app }).SpreadsheetApp;
    return perLabel(naive, (tick) => naiveApply(ss, plan, tick));
  });
  const labels = ["(setup)", ...plan.sheets.map((s) => s.name)];
  const row = (sheet: string, calls: number, rebuild: number, naiveN: number) => ({
    network,
    sheet,
    "document calls": calls,
    "on a rebuild": rebuild,
    "row-at-a-time": naiveN,
    "ratio": calls ? Math.round((naiveN / calls) * 10) / 10 : 0,
  });
  const rows = labels.map((l) => row(l, first.get(l) ?? 0, again.get(l) ?? 0, naiveCalls.get(l) ?? 0));
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  rows.push(row("(total)", total(first), total(again), total(naiveCalls)));
  return rows;
}

/** Document calls by method for one sheet of the sample (new workbook): where the constant per sheet goes. */
export function methodBreakdown(plan: WritePlan, sheet: string): [string, number][] {
  const gas = createFakeGas();
  let label = "";
  let before = new Map<string, number>();
  const out = new Map<string, number>();
  withFake(gas, (ss) =>
    applyPlan(ss, plan, (p) => {
      if (label === sheet) for (const [m, n] of gas.calls.byMethod) if (callKind(m) === "document" && n > (before.get(m) ?? 0)) out.set(m, n - (before.get(m) ?? 0));
      label = p.label;
      before = new Map(gas.calls.byMethod);
    }),
  );
  return [...out].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export async function benchSheets(): Promise<Table[]> {
  const sample = buildPlan({ sheets: [] }, { sample: true, today: TODAY });
  const heaviest = "Partnerships";
  return [
    await sidebarFlow(),
    {
      title: "Sheets writer per sheet (new workbook, then a rebuild over it): document calls, this writer against row-at-a-time",
      rows: [...perSheet("sample", sample), ...perSheet("large", buildPlan({ sheets: [] }, { data: largeNetwork(), today: TODAY }))],
      notes: [`${heaviest} (sample, new workbook) by method: ${methodBreakdown(sample, heaviest).map(([m, n]) => `${m} ${n}`).join(", ")}`],
    },
  ];
}
