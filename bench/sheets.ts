/**
 * Google Sheets writer benchmark on the counting fake: SpreadsheetApp calls per sheet for our writer
 * (whole-range and range-list calls) against a naive row-at-a-time writer, for the sample network and the
 * large one. Every call is a round trip in Apps Script (tens of ms), so calls are the cost that matters.
 */
import type { PlanCell, RangeRef, SheetPlan, WritePlan } from "../core/workbook/plan";
import { a1 } from "../core/workbook/plan";
import { buildPlan } from "../core/workbook/build";
import { largeNetwork } from "../core/workbook/sample";
import { applyPlan, toSheetValue, type Range, type RangeList, type Sheet, type Spreadsheet as Ss, type WriterApp } from "../sheets-addon/writer";
import { createFakeGas, type FakeGas } from "../test/fakes/fakeSheets";

export interface Row { network: string; sheet: string; calls: number; rowAtATimeCalls: number; ratio: number }

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
  plan.sheets.forEach((p, i) => {
    tick(p.name);
    naiveSheet(ss, targets[i] as Parameters<typeof naiveSheet>[1], p);
  });
  tick("(workbook names)");
  for (const n of plan.names) ss.setNamedRange(n.name, ss.getRange(a1(n.range, { sheet: n.sheet, absolute: true })));
}

/** Calls between ticks, by label; the calls before the first tick are "(setup)". */
function perLabel(gas: FakeGas, run: (tick: (label: string) => void) => void): Map<string, number> {
  const out = new Map<string, number>();
  let label = "(setup)";
  let last = gas.calls.total;
  const tick = (next: string) => {
    out.set(label, (out.get(label) ?? 0) + gas.calls.total - last);
    last = gas.calls.total;
    label = next;
  };
  run(tick);
  tick("");
  return out;
}

function measure(network: string, plan: WritePlan): Row[] {
  const ours = createFakeGas();
  const oursCalls = withFake(ours, (ss) => perLabel(ours, (tick) => applyPlan(ss, plan, (p) => tick(p.done >= p.total ? "(workbook names)" : p.label))));
  const naive = createFakeGas();
  const naiveCalls = withFake(naive, (ss) => perLabel(naive, (tick) => naiveApply(ss, plan, tick)));
  const labels = [...plan.sheets.map((s) => s.name), "(workbook names)"];
  const rows = labels.map((sheet) => row(network, sheet, oursCalls.get(sheet) ?? 0, naiveCalls.get(sheet) ?? 0));
  rows.push(row(network, "(total)", ours.calls.total, naive.calls.total));
  return rows;
}

const row = (network: string, sheet: string, calls: number, rowAtATimeCalls: number): Row => ({
  network,
  sheet,
  calls,
  rowAtATimeCalls,
  ratio: calls ? Math.round((rowAtATimeCalls / calls) * 10) / 10 : 0,
});

export async function benchSheets(): Promise<Row[]> {
  const empty = { sheets: [] };
  const today = "2025-10-01";
  return [
    ...measure("sample", buildPlan(empty, { sample: true, today })),
    ...measure("large", buildPlan(empty, { data: largeNetwork(), today })),
  ];
}
