/**
 * Google Sheets writer benchmark on the counting fake: SpreadsheetApp calls per sheet for our writer
 * (whole-range and range-list calls) against a naive row-at-a-time writer, for the sample network and the
 * large one, and for a rebuild over the same workbook (which reads back rules, charts and names). Every call
 * is a round trip in Apps Script (tens of ms), so calls are the cost that matters.
 */
import type { PlanCell, RangeRef, SheetPlan, WritePlan } from "../core/workbook/plan";
import { a1 } from "../core/workbook/plan";
import { buildPlan } from "../core/workbook/build";
import { largeNetwork } from "../core/workbook/sample";
import { applyPlan, planExtent, toSheetValue, type Range, type RangeList, type Sheet, type Spreadsheet as Ss, type WriterApp } from "../sheets-addon/writer";
import { createFakeGas, type FakeGas } from "../test/fakes/fakeSheets";

export interface Row { network: string; sheet: string; calls: number; rebuildCalls: number; rowAtATimeCalls: number; ratio: number }

/** The fake's SpreadsheetApp, as the naive writer sees it. */
let app: WriterApp & { getActiveSpreadsheet(): Ss };

/** Runs fn with the fake's services as globals (the writer uses SpreadsheetApp / Charts as Apps Script does). */
function withFake<T>(gas: FakeGas, fn: (ss: Ss) => T): T {
  const g = globalThis as Record<string, unknown>;
  const saved = Object.keys(gas.globals).map((k) => [k, g[k]] as const);
  Object.assign(g, gas.globals);
  try {
    app = g.SpreadsheetApp as typeof app;
    return fn(app.getActiveSpreadsheet());
  } finally {
    for (const [k, v] of saved) g[k] = v;
  }
}

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
  // A grid big enough for the plan, as ours needs (read and grown the obvious way, every sheet).
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
  });
  tick("(workbook names)");
  for (const n of plan.names) ss.setNamedRange(n.name, ss.getRange(a1(n.range, { sheet: n.sheet, absolute: true })));
}

/** Calls between ticks, by label and by method; the calls before the first tick are "(setup)". */
function perLabel(gas: FakeGas, run: (tick: (label: string) => void) => void): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  let label = "(setup)";
  let last = new Map(gas.calls.byMethod);
  const tick = (next: string) => {
    const m = out.get(label) ?? new Map<string, number>();
    for (const [method, n] of gas.calls.byMethod) if (n > (last.get(method) ?? 0)) m.set(method, (m.get(method) ?? 0) + n - (last.get(method) ?? 0));
    out.set(label, m);
    last = new Map(gas.calls.byMethod);
    label = next;
  };
  run(tick);
  tick("");
  return out;
}
const sum = (m: Map<string, number> | undefined) => [...(m ?? new Map<string, number>()).values()].reduce((a, b) => a + b, 0);

/** Ours on a new workbook, ours again over it (a rebuild), and the row-at-a-time writer, per sheet and method. */
function measureCalls(plan: WritePlan) {
  const ours = createFakeGas();
  const byLabel = (tick: (label: string) => void) => (p: { done: number; total: number; label: string }) => tick(p.done >= p.total ? "(workbook names)" : p.label);
  const [first, again] = withFake(ours, (ss) => [perLabel(ours, (tick) => applyPlan(ss, plan, byLabel(tick))), perLabel(ours, (tick) => applyPlan(ss, plan, byLabel(tick)))]);
  const naive = createFakeGas();
  const naiveCalls = withFake(naive, (ss) => perLabel(naive, (tick) => naiveApply(ss, plan, tick)));
  return { first, again, naive: naiveCalls, labels: [...plan.sheets.map((s) => s.name), "(workbook names)"] };
}

function measure(network: string, plan: WritePlan): Row[] {
  const m = measureCalls(plan);
  const rows = m.labels.map((sheet) => row(network, sheet, sum(m.first.get(sheet)), sum(m.again.get(sheet)), sum(m.naive.get(sheet))));
  const total = (x: Map<string, Map<string, number>>) => [...x.values()].reduce((a, v) => a + sum(v), 0);
  rows.push(row(network, "(total)", total(m.first), total(m.again), total(m.naive)));
  return rows;
}

const row = (network: string, sheet: string, calls: number, rebuildCalls: number, rowAtATimeCalls: number): Row => ({
  network,
  sheet,
  calls,
  rebuildCalls,
  rowAtATimeCalls,
  ratio: calls ? Math.round((rowAtATimeCalls / calls) * 10) / 10 : 0,
});

/** Our calls on one sheet of a new workbook by method, most first: where the constant per sheet goes. */
export function methodBreakdown(plan: WritePlan, sheet: string): [string, number][] {
  return [...(measureCalls(plan).first.get(sheet) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export async function benchSheets(): Promise<Row[]> {
  const empty = { sheets: [] };
  const today = "2025-10-01";
  const sample = buildPlan(empty, { sample: true, today });
  const heaviest = "Partnerships";
  if (sample.sheets.some((s) => s.name === heaviest)) {
    console.log(`${heaviest} (sample, new workbook) by method: ${methodBreakdown(sample, heaviest).map(([m, n]) => `${m} ${n}`).join(", ")}`);
  }
  return [...measure("sample", sample), ...measure("large", buildPlan(empty, { data: largeNetwork(), today }))];
}
