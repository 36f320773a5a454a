/**
 * Issue #11 in the hosts: the change journal is append-only in Excel and in Google Sheets (a rebuild adds one entry
 * and never rewrites or drops a past one, even one a person edited; a Sheets build over several executions is one
 * entry), and the plan's print settings reach Excel's page layout (Sheets has no page-setup API: its print dialog
 * repeats the frozen rows, which the plan's repeated header rows are).
 */
import { afterEach, describe, expect, it } from "vitest";
import { ExcelBridge } from "../excel-addin/bridge";
import { buildPlan } from "../core/workbook/build";
import { largeNetwork } from "../core/workbook/sample";
import { JOURNAL_HEADERS } from "../core/workbook/sheets/journal";
import { KD } from "../core/workbook/sheets/keyDates";
import { runBuildStep } from "../sheets-addon/build-run";
import { FakeWorkbook, fakeRun, type FakeRequestContext } from "./fakes/fakeExcel";
import { miniEvaluate } from "./fakes/evaluate";
import { createFakeGas, type FakeGas } from "./fakes/fakeSheets";
import ExcelJS from "exceljs";
import { mkdtempSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { writeWorkbook } from "../cli/main";

const TODAY = "2026-12-01";
const ctxOf = (c: FakeRequestContext) => c as unknown as Excel.RequestContext;
const MAX_COLS = 16384;

function excel(apiSets: Record<string, string> = { ExcelApi: "1.20" }) {
  const wb = new FakeWorkbook({ apiSets });
  wb.addSheet("Sheet1");
  wb.evaluate = miniEvaluate(wb);
  const bridge = new ExcelBridge({
    run: (o, batch) => fakeRun(wb)(o ?? {}, (c: FakeRequestContext) => batch(ctxOf(c))),
    isSetSupported: (n, v) => wb.isSetSupported(n, v),
    today: () => TODAY,
    clock: wb.clock,
    platform: wb.platform,
  });
  return { wb, bridge };
}
const build = async (bridge: ExcelBridge) => {
  await bridge.getState();
  return bridge.build({ year: "", sheets: [], sample: true }, () => undefined);
};
/** A sheet's rows as values, to the last non-empty row. */
function rowsOf(wb: FakeWorkbook, name: string): unknown[][] {
  const s = wb.sheet(name)!;
  const last = Math.max(-1, ...s.cells.keys());
  return Array.from({ length: last + 1 }, (_, r) => Array.from({ length: JOURNAL_HEADERS.length }, (_, c) => s.get(r, c)?.v ?? null));
}

describe("Excel: the change journal and print settings", () => {
  const journal = buildPlan({ sheets: [] }, { sample: true, today: TODAY }).sheets.find((p) => p.key === "journal")!.name;

  it("each build appends one entry; past entries, and a note a person typed into one, are never rewritten", async () => {
    const { wb, bridge } = excel();
    await build(bridge);
    const first = rowsOf(wb, journal);
    expect(first[0]).toEqual([...JOURNAL_HEADERS]);
    expect(first.length).toBe(2);
    expect(first[1][1]).toMatch(/Excel/); // the host, as the bridge tells it
    expect(first[1][4]).toMatch(/Key Dates/);
    // A person annotates the entry and overwrites its count.
    const notes = JOURNAL_HEADERS.indexOf("Notes"), kept = JOURNAL_HEADERS.indexOf("Rows kept");
    wb.sheet(journal)!.set(1, notes, { v: "Checked by the finance lead" });
    wb.sheet(journal)!.set(1, kept, { v: 999 });
    await build(bridge);
    await build(bridge);
    const after = rowsOf(wb, journal);
    expect(after.length).toBe(4);
    expect(after[1]).toEqual(first[1].map((v, c) => (c === notes ? "Checked by the finance lead" : c === kept ? 999 : v)));
    // The rebuilds found the sample's records and kept them.
    expect(after[2][kept]).toBeGreaterThan(50);
    expect(after[3][kept]).toBe(after[2][kept]);
  }, 120_000);

  it("every visible sheet prints landscape, one page wide, its header rows on each page, over all it holds", async () => {
    const { wb, bridge } = excel();
    await build(bridge);
    const plan = buildPlan({ sheets: [] }, { sample: true, today: TODAY });
    const visible = plan.sheets.filter((p) => !p.hidden);
    expect(visible.length).toBeGreaterThan(20);
    for (const p of visible) {
      const page = wb.sheet(p.name)!.page;
      expect(page.orientation, p.name).toBe("Landscape");
      expect(page.zoom, p.name).toEqual({ horizontalFitToPages: 1, verticalFitToPages: 0 });
      expect(page.printArea, p.name).toEqual(p.print!.area);
      if (p.print!.repeatRows) expect(page.titleRows, p.name).toEqual({ row: 0, col: 0, rows: p.print!.repeatRows, cols: MAX_COLS });
    }
    // Key Dates repeats its title, notes and header (3 rows); a list sheet its header; the journal runs to its entry.
    expect(wb.sheet(plan.sheets.find((p) => p.key === "keyDates")!.name)!.page.titleRows!.rows).toBe(KD.first);
    expect(wb.sheet(plan.sheets.find((p) => p.key === "partnerships")!.name)!.page.titleRows!.rows).toBe(1);
    expect(wb.sheet(journal)!.page.printArea).toEqual({ row: 0, col: 0, rows: 2, cols: JOURNAL_HEADERS.length });
    // Helper sheets keep Excel's defaults; one print-area call per visible sheet (no per-row calls).
    for (const p of plan.sheets.filter((x) => x.hidden)) expect(wb.sheet(p.name)!.page.printArea, p.name).toBeNull();
    expect(wb.calls.filter((c) => c.method === "setPrintArea").length).toBe(visible.length);
    // A rebuild moves the journal's print area down with its new entry.
    await build(bridge);
    expect(wb.sheet(journal)!.page.printArea).toEqual({ row: 0, col: 0, rows: 3, cols: JOURNAL_HEADERS.length });
  }, 120_000);

  it("an Excel without the page layout API (ExcelApi 1.8) builds, and keeps its own print settings", async () => {
    const { wb, bridge } = excel({ ExcelApi: "1.8" });
    await build(bridge);
    expect(rowsOf(wb, journal).length).toBe(2);
    expect(wb.sheet(journal)!.page.orientation).toBe("Portrait");
    expect(wb.calls.filter((c) => c.method === "setPrintArea")).toEqual([]);
  }, 120_000);
});

// ---------------------------------------------------------------- the offline command

describe("offline: the change journal", () => {
  it("each run of the command on the file appends one entry, with the login name; past entries and a person's note stay", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "pcn-journal-")), "wb.xlsx");
    await writeWorkbook({ out, sample: true, quiet: true, today: TODAY });
    const read = async () => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(out);
      return wb;
    };
    const rows = (wb: ExcelJS.Workbook) => {
      const ws = wb.getWorksheet("Change Journal")!;
      const got: unknown[][] = [];
      ws.eachRow({ includeEmpty: true }, (r) => got.push(Array.from({ length: JOURNAL_HEADERS.length }, (_, c) => { const v = r.getCell(c + 1).value; return v instanceof Date ? v.toISOString() : v ?? null; })));
      return got;
    };
    let wb = await read();
    const first = rows(wb);
    expect(first.length).toBe(2);
    expect(first[1][1]).toBe("Offline command");
    expect(first[1][2]).toBe(userInfo().username);
    expect(first[1][9]).toMatch(/fictional sample/);
    // A person adds a note to the entry and a line of their own below it, and saves.
    const notes = JOURNAL_HEADERS.indexOf("Notes");
    wb.getWorksheet("Change Journal")!.getCell(2, notes + 1).value = "Before the audit";
    wb.getWorksheet("Change Journal")!.getCell(3, 1).value = "Our own line";
    await wb.xlsx.writeFile(out);
    await writeWorkbook({ out, sample: true, quiet: true, today: TODAY });
    await writeWorkbook({ out, sample: true, quiet: true, today: TODAY });
    wb = await read();
    const after = rows(wb);
    expect(after.length).toBe(5);
    expect(after[1]).toEqual(first[1].map((v, c) => (c === notes ? "Before the audit" : v)));
    expect(after[2][0]).toBe("Our own line");
    expect(after[3][1]).toBe("Offline command");
    expect(after[4][1]).toBe("Offline command");
    // A rebuild keeps the records it found: the second and third entries say so.
    expect(after[3][JOURNAL_HEADERS.indexOf("Rows kept")]).toBeGreaterThan(50);
    expect(after[4][JOURNAL_HEADERS.indexOf("Rows added")]).toBe(0);
  }, 120_000);
});

// ---------------------------------------------------------------- Google Sheets

let saved: Record<string, unknown> | null = null;
function install(g: FakeGas) {
  saved = Object.fromEntries(Object.keys(g.globals).map((k) => [k, (globalThis as any)[k]]));
  Object.assign(globalThis, g.globals);
}
afterEach(() => {
  if (saved) Object.assign(globalThis, saved);
  saved = null;
});
const ss = () => (globalThis as any).SpreadsheetApp.getActiveSpreadsheet();

/** One build, run execution after execution as the sidebar does, until done. */
function sheetsBuild(gas: FakeGas, token: string, data = largeNetwork(0.25), sheets: string[] = []) {
  let done = false, n = 0;
  for (; !done && n < 40; n++) {
    done = gas.execute("buildSheets", () => runBuildStep({ year: "", sheets, sample: false }, token, { now: () => gas.now(), data, today: TODAY })).done;
    gas.advance(1500);
  }
  expect(done).toBe(true);
  return n;
}
const journalValues = (name: string): unknown[][] => ss().getSheetByName(name).getDataRange().getValues();

describe("Google Sheets: the change journal and print settings", () => {
  const plan = buildPlan({ sheets: [] }, { data: largeNetwork(0.25), today: TODAY });
  const journal = plan.sheets.find((p) => p.key === "journal")!.name;

  it("a build over several executions is one entry; the next build appends one more and leaves the first as it was", () => {
    // A host slow enough that one build takes several executions.
    const gas = createFakeGas({ costs: { scale: 30 } });
    install(gas);
    const executions = sheetsBuild(gas, "build-one");
    expect(executions).toBeGreaterThan(1);
    const first = journalValues(journal);
    expect(first[0]).toEqual([...JOURNAL_HEADERS]);
    expect(first.length).toBe(2);
    expect(first[1][1]).toBe("Google Sheets");
    // A person's note in the entry survives the next build.
    const notes = JOURNAL_HEADERS.indexOf("Notes");
    ss().getSheetByName(journal).getRange(2, notes + 1).setValue("Read at the board meeting");
    sheetsBuild(gas, "build-two");
    const after = journalValues(journal);
    expect(after.length).toBe(3);
    expect(after[1]).toEqual(first[1].map((v, c) => (c === notes ? "Read at the board meeting" : v)));
    expect(after[2][1]).toBe("Google Sheets");
    expect(after[2][JOURNAL_HEADERS.length - 1]).not.toBe(after[1][JOURNAL_HEADERS.length - 1]);
  }, 180_000);

  it("a build of some sheets only appends its entry too, below the last, the header kept", () => {
    const gas = createFakeGas();
    install(gas);
    sheetsBuild(gas, "build-all");
    sheetsBuild(gas, "build-budget", largeNetwork(0.25), ["budget"]);
    const rows = journalValues(journal);
    expect(rows.length).toBe(3);
    expect(rows[0]).toEqual([...JOURNAL_HEADERS]);
    expect(rows[2][JOURNAL_HEADERS.indexOf("Sheets built or refreshed")]).toMatch(/^Budget\b/);
    expect(rows[1][JOURNAL_HEADERS.indexOf("Sheets built or refreshed")]).toMatch(/Key Dates/);
  }, 180_000);

  it("every visible sheet freezes the header rows its print settings repeat (Sheets prints frozen rows on each page)", () => {
    const gas = createFakeGas();
    install(gas);
    sheetsBuild(gas, "build-print");
    const visible = plan.sheets.filter((p) => !p.hidden && p.print?.repeatRows);
    expect(visible.length).toBeGreaterThan(20);
    for (const p of visible) expect(ss().getSheetByName(p.name).getFrozenRows(), p.name).toBe(p.print!.repeatRows);
  }, 180_000);
});
