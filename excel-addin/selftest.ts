/**
 * The self-test for a live Excel (the release check, README "Release check"): every assumption the writer makes
 * and every API it relies on, tried on scratch sheets it adds and removes, each check in an Excel.run of its own so
 * one failure cannot hide another. The pass/fail table, with the host's version, goes into a new sheet
 * (core/workbook/selftest.ts). Nothing here reads or writes a sheet the person made.
 */
import { selfTestPlan, type SelfTestItem, type SelfTestReport } from "../core/workbook/selftest";
import { applyPlan } from "./apply";
import { describe, errorCode, errorLocation, isPayloadError } from "./errors";
import { failedAtAssertion, queueAssertion } from "./fingerprint";
import { needsApostrophe, toExcelInput } from "./literal";
import { DATE_1904_SHIFT } from "./read";
import type { Clock } from "./sync";

type Batch<T> = (ctx: Excel.RequestContext) => Promise<T>;
type Run = <T>(options: Excel.RunOptions | undefined, batch: Batch<T>) => Promise<T>;

export interface SelfTestOptions {
  /** Excel.run with delayForCellEdit (and the pane's guard). */
  run: Run;
  /** Excel.run exactly as asked (to try an option on its own). */
  runRaw: Run;
  supports: (name: string, version: string) => boolean;
  version: string;
  clock: Clock;
  timeoutMs: number;
}

const SCRATCH = "PCN scratch";
/** Text the writer must keep as text: formula-like, sign, error, number- and date-like, full-width equals. */
export const SELF_TEST_TEXT = ["=1+1", "+1", "-2", "@SUM(1)", "#N/A", "0123", "1/2/2025", "TRUE", "\uFF1D1+1", "\uFE661+1", "'quoted"];

export async function runSelfTest(o: SelfTestOptions): Promise<SelfTestReport> {
  const items: SelfTestItem[] = [];
  const names = { scratch: "", data: "" };
  const check = async (id: string, what: string, probe: () => Promise<string>) => {
    try {
      items.push({ id, what, passed: true, detail: await probe() });
    } catch (e) {
      items.push({ id, what, passed: false, detail: e instanceof Expected ? e.message : `Excel said: ${describe(e)}${errorCode(e) ? ` (${errorCode(e)})` : ""}` });
    }
  };
  const on = <T>(batch: (ctx: Excel.RequestContext, ws: Excel.Worksheet, data: Excel.Worksheet) => Promise<T>, options?: Excel.RunOptions) =>
    o.run(options, (ctx) => batch(ctx, ctx.workbook.worksheets.getItem(names.scratch), ctx.workbook.worksheets.getItem(names.data)));

  const sets = ["1.20", "1.19", "1.18", "1.17", "1.16", "1.15", "1.14", "1.13", "1.12", "1.11", "1.10", "1.9", "1.8"];
  const newest = sets.find((v) => o.supports("ExcelApi", v));
  await check("excel.requirementSets", "ExcelApi 1.8 or later (what the writer needs; newer APIs are feature-detected)", async () => {
    if (!newest) throw new Expected("ExcelApi 1.8 is not supported here.");
    return `ExcelApi ${newest}; SharedRuntime 1.1 ${o.supports("SharedRuntime", "1.1") ? "yes" : "no"}; CustomFunctionsRuntime 1.2 ${o.supports("CustomFunctionsRuntime", "1.2") ? "yes" : "no"}`;
  });

  await check("excel.delayForCellEdit", "Excel.run accepts delayForCellEdit (a person typing holds a build back, never fails it)", async () => {
    await o.runRaw({ delayForCellEdit: true }, async (ctx) => { ctx.workbook.worksheets.load("items/name"); await ctx.sync(); });
    return "A batch run with delayForCellEdit: true completed.";
  });

  await check("excel.scratchSheets", "Sheets can be added and found again by id", async () =>
    o.run(undefined, async (ctx) => {
      const list = ctx.workbook.worksheets.load("items/name");
      await ctx.sync();
      const taken = new Set(list.items.map((w) => w.name.toLowerCase()));
      let n = 1;
      while (taken.has(`${SCRATCH} ${n}`.toLowerCase()) || taken.has(`${SCRATCH} ${n} data`.toLowerCase())) n++;
      names.scratch = `${SCRATCH} ${n}`;
      names.data = `${SCRATCH} ${n} data`;
      const a = ctx.workbook.worksheets.add(names.scratch).load("id");
      ctx.workbook.worksheets.add(names.data);
      await ctx.sync();
      const again = ctx.workbook.worksheets.getItem(a.id).load("name");
      await ctx.sync();
      if (again.name !== names.scratch) throw new Expected(`getItem(id) found "${again.name}".`);
      return `Added ${names.scratch} and ${names.data}.`;
    }),
  );
  if (!names.scratch) return finish(o, items);

  await check("excel.textStaysText", "Text that looks like a formula, number, date, error or full-width formula is kept as that text", async () =>
    on(async (ctx, ws) => {
      const r = ws.getRangeByIndexes(0, 0, SELF_TEST_TEXT.length, 1);
      r.formulas = SELF_TEST_TEXT.map((t) => [toExcelInput(t)]);
      r.load("values,formulas");
      await ctx.sync();
      const bad = SELF_TEST_TEXT.filter((t, i) => r.values[i][0] !== t || (typeof r.formulas[i][0] === "string" && r.formulas[i][0] !== t && String(r.formulas[i][0]).startsWith("=")));
      if (bad.length) throw new Expected(`${bad.length} of ${SELF_TEST_TEXT.length} came back changed (checks ${SELF_TEST_TEXT.map((t) => (needsApostrophe(t) ? "quoted" : "plain")).join(",")}).`);
      return `${SELF_TEST_TEXT.length} texts read back unchanged.`;
    }),
  );

  await check("excel.formulaRunR1C1", "One relative R1C1 formula set on a column range gives every cell its own formula", async () =>
    on(async (ctx, ws) => {
      ws.getRangeByIndexes(0, 2, 5, 1).formulas = [[1], [2], [3], [4], [5]];
      ws.getRangeByIndexes(0, 3, 5, 1).formulasR1C1 = "=RC[-1]*2" as unknown as string[][];
      const r = ws.getRangeByIndexes(0, 3, 5, 1).load("formulas,values");
      await ctx.sync();
      const want = [1, 2, 3, 4, 5].map((i) => `=C${i}*2`);
      if (r.formulas.some((row, i) => row[0] !== want[i])) throw new Expected(`Formulas read back: ${r.formulas.map((x) => x[0]).join(" ")}.`);
      if (r.values.some((row, i) => row[0] !== (i + 1) * 2)) throw new Expected("The formulas did not compute.");
      return "D1:D5 read back =C1*2 … =C5*2, computed 2 … 10.";
    }),
  );

  await check("excel.singleValueFill", "A single value (number format, text, blank) set on a range applies to every cell; null in a matrix leaves a cell alone", async () =>
    on(async (ctx, ws) => {
      const r = ws.getRangeByIndexes(0, 5, 3, 2);
      r.formulas = "x" as unknown as string[][];
      r.numberFormat = "0.00" as unknown as string[][];
      ws.getRangeByIndexes(0, 5, 3, 1).formulas = [["a"], [null as unknown as string], ["c"]];
      r.load("values,numberFormat");
      await ctx.sync();
      const v = r.values.map((row) => row.join("")).join(",");
      if (v !== "ax,xx,cx") throw new Expected(`Read back ${v}.`);
      if (r.numberFormat.some((row) => row.some((f) => f !== "0.00"))) throw new Expected("The number format was not set on every cell.");
      return "F1:G3 filled from one value; the null cell kept its text.";
    }),
  );

  await check("excel.suspendCalculation", "suspendApiCalculationUntilNextSync holds formulas back until the next sync", async () =>
    on(async (ctx, ws) => {
      const r = ws.getRangeByIndexes(10, 0, 1, 3);
      r.formulas = [[1, 2, "=A11+B11"]];
      await ctx.sync();
      ctx.workbook.application.suspendApiCalculationUntilNextSync();
      ws.getRangeByIndexes(10, 0, 1, 2).values = [[10, 20]];
      const during = ws.getRangeByIndexes(10, 2, 1, 1).load("values");
      await ctx.sync();
      const after = ws.getRangeByIndexes(10, 2, 1, 1).load("values");
      await ctx.sync();
      if (after.values[0][0] !== 30) throw new Expected(`After the next sync C11 is ${after.values[0][0]}, not 30.`);
      return `C11 was ${during.values[0][0]} in the suspended sync, 30 after it.`;
    }),
  );

  await check("excel.assertStopsBatch", "A failed getIntersection stops its batch: nothing queued after it is written (co-authoring guard)", async () => {
    let failed: unknown;
    await on(async (ctx, ws) => {
      ws.getRangeByIndexes(20, 0, 1, 1).values = [["before"]];
      await ctx.sync();
      queueAssertion(ws, { row: 900, col: 0, rows: 1, cols: 1 });
      ws.getRangeByIndexes(20, 0, 1, 1).values = [["after"]];
      try { await ctx.sync(); } catch (e) { failed = e; }
    });
    const left = await on(async (ctx, ws) => { const r = ws.getRangeByIndexes(20, 0, 1, 1).load("values"); await ctx.sync(); return r.values[0][0]; });
    if (!failed) throw new Expected("The batch with a false assertion went through.");
    if (left !== "before") throw new Expected("The write after the failed assertion landed.");
    return `The batch failed (${errorCode(failed) ?? "no code"}, at ${errorLocation(failed) ?? "no errorLocation"}${failedAtAssertion(failed) ? "" : "; the writer will check the sheets to tell"}) and A21 kept "before".`;
  });

  await check("excel.usedRangeFormulas", "A formula that shows nothing still counts in the used range (values only)", async () =>
    on(async (ctx, ws) => {
      ws.getRangeByIndexes(40, 8, 1, 1).formulas = [['=""']];
      const u = ws.getUsedRange(true).load("rowIndex,rowCount,columnIndex,columnCount");
      await ctx.sync();
      if (u.rowIndex + u.rowCount < 41 || u.columnIndex + u.columnCount < 9) throw new Expected("The used range stops before I41.");
      return "I41 (=\"\") is inside the used range.";
    }),
  );

  await check("excel.nullRead", "A read of over 5 million cells answers null or a payload error, which the reader handles", async () =>
    on(async (ctx, ws) => {
      const r = ws.getRangeByIndexes(0, 0, 1_048_576, 5).load("values");
      try {
        await ctx.sync();
      } catch (e) {
        if (isPayloadError(e)) return "Excel refused it as too big; the reader reads in chunks.";
        throw e;
      }
      if (r.values === null || !Array.isArray(r.values)) return "Excel answered null; the reader reads in chunks.";
      return "Excel answered the whole matrix (this host has no 5-million-cell limit on reads).";
    }),
  );

  await check("excel.chartFromOtherSheet", "A chart can take its data and categories from another sheet", async () =>
    on(async (ctx, ws, data) => {
      data.getRangeByIndexes(0, 0, 3, 2).values = [["Apr", 1], ["May", 2], ["Jun", 3]];
      const chart = ws.charts.add("Line", data.getRangeByIndexes(0, 1, 3, 1), "Columns");
      chart.series.getItemAt(0).setXAxisValues(data.getRangeByIndexes(0, 0, 3, 1));
      chart.name = "PCN self-test chart";
      const list = ws.charts.load("items/name,items/id");
      await ctx.sync();
      if (!list.items.some((c) => c.name === "PCN self-test chart")) throw new Expected("The chart is not on the sheet.");
      return "Chart made on the scratch sheet from the data sheet.";
    }),
  );

  await check("excel.validationRoundTrip", "Data validation rules can be set, read, cleared and written back as they were read", async () =>
    on(async (ctx, ws) => {
      const r = ws.getRangeByIndexes(50, 0, 5, 1).dataValidation;
      r.clear();
      r.rule = { decimal: { operator: "Between", formula1: 0, formula2: 100 } };
      r.errorAlert = { showAlert: true, style: "Stop", title: "PCN Toolkit", message: "0 to 100." };
      r.load("type,rule,errorAlert");
      await ctx.sync();
      const rule = r.rule;
      r.clear();
      r.rule = JSON.parse(JSON.stringify(rule, (_k, v) => (v === null ? undefined : v)));
      const again = ws.getRangeByIndexes(50, 0, 5, 1).dataValidation.load("type");
      await ctx.sync();
      if (again.type !== "Decimal") throw new Expected(`Written back, the rule reads as ${again.type}.`);
      return "A decimal rule read back and written back as it was.";
    }),
  );

  await check("excel.conditionalFormatCut", "A conditional format cut by clearAll keeps its id (the rollback finds what is left of it)", async () =>
    on(async (ctx, ws) => {
      const cf = ws.getRangeByIndexes(60, 0, 10, 1).conditionalFormats.add("Custom");
      cf.custom.rule.formula = "=A61>1";
      cf.custom.format.fill.color = "#FFC7CE";
      cf.load("id");
      await ctx.sync();
      const id = cf.id;
      ws.getRangeByIndexes(63, 0, 2, 1).conditionalFormats.clearAll();
      const left = ws.getRangeByIndexes(60, 0, 10, 1).conditionalFormats.load("items/id");
      await ctx.sync();
      if (!left.items.some((x) => x.id === id)) throw new Expected("After the cut the format has another id.");
      return "The format kept its id after clearAll over part of it.";
    }),
  );

  await check("excel.tablesAndNames", "Tables and names can be added, found over a range (1.9) and resized (1.13)", async () =>
    on(async (ctx, ws) => {
      ws.getRangeByIndexes(70, 0, 3, 2).values = [["A", "B"], [1, 2], [3, 4]];
      const t = ws.tables.add(ws.getRangeByIndexes(70, 0, 3, 2), true);
      const nm = ctx.workbook.names.add(`PCN_SelfTest_${Math.abs(hash(names.scratch))}`, ws.getRangeByIndexes(70, 0, 1, 1));
      nm.load("name");
      await ctx.sync();
      const notes: string[] = ["table and name added"];
      if (o.supports("ExcelApi", "1.9")) {
        const over = ws.getRangeByIndexes(70, 0, 1, 1).getTables(false).load("items/name");
        await ctx.sync();
        if (over.items.length !== 1) throw new Expected("getTables did not find the table.");
        notes.push("getTables finds it");
      }
      if (o.supports("ExcelApi", "1.13")) {
        t.resize(ws.getRangeByIndexes(70, 0, 4, 2));
        await ctx.sync();
        notes.push("resize works");
      }
      ctx.workbook.names.getItem(nm.name).delete();
      t.convertToRange();
      await ctx.sync();
      return notes.join("; ") + ".";
    }),
  );

  await check("excel.freezePanes", "Freeze panes can be set and read back on a sheet that is not active", async () =>
    on(async (ctx, ws) => {
      ws.freezePanes.freezeRows(2);
      const loc = ws.freezePanes.getLocationOrNullObject().load("rowCount");
      await ctx.sync();
      if (loc.isNullObject || loc.rowCount !== 2) throw new Expected("The frozen rows did not read back as 2.");
      ws.freezePanes.unfreeze();
      await ctx.sync();
      return "Two rows frozen and read back.";
    }),
  );

  await check("excel.date1904", "The workbook's date system is readable (DATE(1904,1,1) is 0 in the 1904 system)", async () =>
    on(async (ctx) => {
      const d = ctx.workbook.functions.date(1904, 1, 1);
      await ctx.sync();
      if (d.value !== 0 && d.value !== DATE_1904_SHIFT) throw new Expected(`DATE(1904,1,1) is ${d.value}.`);
      return d.value === 0 ? "This workbook uses the 1904 date system: dates are written and read shifted by 1,462 days." : "This workbook uses the 1900 date system.";
    }),
  );

  await check("excel.selection", "The active sheet and selection can be read and put back", async () =>
    on(async (ctx) => {
      const active = ctx.workbook.worksheets.getActiveWorksheet().load("name");
      const sel = ctx.workbook.getSelectedRange().load("address");
      await ctx.sync();
      const ws = ctx.workbook.worksheets.getItem(active.name);
      ws.activate();
      ws.getRange(sel.address.replace(/^.*!/, "")).select();
      await ctx.sync();
      return "Selection read and selected again.";
    }),
  );

  await check("excel.hideInMergedUndo", "Hiding a sheet inside a merged undo group (ExcelApi 1.20): allowed on the web, refused on Windows and Mac", async () => {
    if (!o.supports("ExcelApi", "1.20")) return "ExcelApi 1.20 is not supported: builds are not grouped for undo here.";
    try {
      await o.runRaw({ mergeUndoGroup: true, delayForCellEdit: true }, async (ctx) => {
        ctx.workbook.worksheets.getItem(names.data).visibility = "Hidden";
        await ctx.sync();
      });
      return "Allowed: the build hides its helper sheets in its undo group.";
    } catch (e) {
      if (errorCode(e) === "UndoNotSupported") return "Refused (UndoNotSupported): the build hides its helper sheets after its undo group.";
      throw e;
    }
  });

  await check("excel.removeScratch", "The scratch sheets are removed", async () =>
    o.run(undefined, async (ctx) => {
      ctx.workbook.worksheets.getItem(names.scratch).delete();
      ctx.workbook.worksheets.getItem(names.data).delete();
      await ctx.sync();
      return "Both scratch sheets deleted.";
    }),
  );
  return finish(o, items);
}

async function finish(o: SelfTestOptions, items: SelfTestItem[]): Promise<SelfTestReport> {
  const report: SelfTestReport = { host: "excel", version: o.version, ranAt: new Date().toISOString(), items };
  // The table goes into a new sheet of its own, written by the writer itself (one more exercise of it).
  await o.run(undefined, async (ctx) => {
    const list = ctx.workbook.worksheets.load("items/name");
    await ctx.sync();
    const plan = selfTestPlan(report, list.items.map((w) => w.name));
    report.sheet = plan.sheets[0].name;
    await applyPlan(ctx, plan, undefined, { isSetSupported: o.supports, clock: o.clock, syncTimeoutMs: o.timeoutMs });
  });
  return report;
}

class Expected extends Error {}

function hash(s: string): number {
  let h = 0;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h;
}
