// "Lock statement" (issue #12) in every host through the one plan the core makes (core/workbook/statement.ts):
// the offline command's --lock-statement, the Excel pane's bridge over the fake Excel, and the built Apps Script
// add-on over the fake Sheets. A locked statement holds the figures LibreOffice computes from the Distribution
// sheet's formulas, is the same sheet in all three hosts, and is identical after any number of rebuilds and after
// the populations or the rates change (while a new lock of the same period would now give other figures).
import ExcelJS from "exceljs";
import vm from "node:vm";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArgs, runCli, writeWorkbook } from "../cli/main";
import { lockStatementPlan, STATEMENT_TITLE } from "../core/workbook/statement";
import { isoToSerial } from "../core/workbook/plan";
import { ExcelBridge } from "../excel-addin/bridge";
import { AppsScriptBridge } from "../sheets-addon/sidebar-bridge";
import { disposeLibreOffice, recalcXlsxRaw, type LoValue } from "./engines/libreoffice";
import { FakeWorkbook, fakeRun, type FakeRequestContext } from "./fakes/fakeExcel";
import { createFakeGas, ensureSheetsBuild, type FakeGas } from "./fakes/fakeSheets";
import { scriptRun } from "./fakes/scriptRun";
import { snapshotOf } from "./offline";

// The fake Sheets' clock starts on 1 December 2026: every host is given that day, so the three statements match.
const TODAY = "2026-12-01";
const YEAR = "2026/27";
const Q1 = `Q1 ${YEAR}`;
const dir = mkdtempSync(join(tmpdir(), "pcn-statement-"));
afterAll(async () => disposeLibreOffice());

/** The offline command with today pinned (the command itself reads the real date). */
const cli = (argv: string[]) => writeWorkbook({ ...parseArgs(argv), today: TODAY, quiet: true });

type Grid = (string | number | boolean | null)[][];
const serialOf = (d: Date) => (d.getTime() - Date.UTC(1899, 11, 30)) / 86_400_000;
const norm = (v: unknown): string | number | boolean | null =>
  v instanceof Date ? serialOf(v) : v === undefined || v === "" ? null : (v as string | number | boolean | null);
const trim = (g: Grid) => {
  const rows = g.map((r) => { const x = [...r]; while (x.length && x[x.length - 1] === null) x.pop(); return x; });
  while (rows.length && rows[rows.length - 1].length === 0) rows.pop();
  return rows;
};
function grid(get: (r: number, c: number) => unknown, rows: number, cols: number): Grid {
  return trim(Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => norm(get(r, c)))));
}
const xlsxGrid = (ws: ExcelJS.Worksheet) => grid((r, c) => {
  const v = ws.getCell(r + 1, c + 1).value;
  return v && typeof v === "object" && !(v instanceof Date) ? JSON.stringify(v) : v;
}, ws.rowCount, ws.columnCount);
/** The cells a statement plan writes, as a grid. */
function planGrid(p: ReturnType<typeof lockStatementPlan>): Grid {
  const b = p.plan.sheets[0].blocks[0];
  return trim(b.cells.map((r) => r.map((c) => (c && typeof c === "object" && "d" in c ? isoToSerial(c.d) : norm(c)))));
}

/** Per practice, what the statement says it receives for each stream (practice -> ref -> £). */
function receipts(g: Grid): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  let practice = "";
  for (const row of g) {
    const m = typeof row[0] === "string" ? /^(.*): statement for /.exec(row[0]) : null;
    if (m) { practice = m[1]; out[practice] = {}; continue; }
    if (practice && typeof row[0] === "string" && /^S-\d+$/.test(row[0]) && typeof row[9] === "number") out[practice][row[0]] = row[9];
  }
  return out;
}

describe("offline: --lock-statement", () => {
  const file = join(dir, "network.xlsx");
  let locked: Grid;
  let sheetName = "";

  beforeAll(async () => {
    const r = await cli(["--out", file, "--year", YEAR, "--lock-statement", Q1]);
    expect(r.statement?.period).toBe(Q1);
    sheetName = r.statement!.sheet;
    expect(sheetName).toBe("Statement Q1 2026-27");
  }, 120_000);

  it("the statement holds, for each practice and stream, the share LibreOffice computes on the Distribution sheet", async () => {
    const lo = await recalcXlsxRaw(file);
    const st = trim(lo[sheetName] as Grid);
    expect(st[0][0]).toBe(`${STATEMENT_TITLE}: ${Q1}, ${String(st[0][0]).split(", ").slice(1).join(", ")}`);
    const [head, ...rows] = lo["Distribution"];
    const col = (h: string) => head.indexOf(h);
    const q1 = rows.filter((r) => r[col("Period")] === Q1 && typeof r[col("Amount (£: received, else expected)")] === "number");
    expect(q1.length).toBeGreaterThanOrEqual(3);
    const got = receipts(st);
    const practices = head.filter((h) => typeof h === "string" && h.startsWith("Key value: ")).map((h) => String(h).slice(11));
    expect(Object.keys(got)).toEqual(practices);
    let total = 0;
    for (const p of practices) {
      for (const r of q1) {
        const share = r[col(p)] as LoValue;
        const want = typeof share === "number" ? share : 0;
        expect(got[p][String(r[0])] ?? 0, `${p} ${String(r[0])}`).toBeCloseTo(want, 9);
        total += want;
      }
    }
    // The network's table: what went to practices equals the practices' pages, to the penny.
    const netTotal = st.find((r) => r[0] === "Total")!;
    expect(Math.round((netTotal[13] as number) * 100)).toBe(Math.round(total * 100));
  }, 120_000);

  it("is identical after rebuilds, a population change and a rate change; a new lock of the period would differ", async () => {
    const read = async () => { const wb = new ExcelJS.Workbook(); await wb.xlsx.readFile(file); return wb; };
    locked = xlsxGrid((await read()).getWorksheet(sheetName)!);
    expect(locked.length).toBeGreaterThan(40);
    const rebuild = async () => expect((await cli(["--out", file])).outcome).toBe("rebuilt sample");
    await rebuild();
    expect(xlsxGrid((await read()).getWorksheet(sheetName)!)).toEqual(locked);
    // A person changes a practice's registered list and the core rate, and saves.
    const wb = await read();
    const pr = wb.getWorksheet("Practices")!;
    const head = (pr.getRow(1).values as unknown[]).map(String);
    const reg = head.findIndex((h) => /^Weighted/i.test(h));
    expect(reg).toBeGreaterThan(0);
    pr.getCell(2, reg).value = (Number(pr.getCell(2, reg).value) || 0) + 5000;
    pr.getCell(3, reg).value = 100;
    const rates = wb.getWorksheet("Rates")!;
    let rateChanged = 0;
    rates.eachRow((row) => {
      const cells = (row.values as unknown[]).slice(1);
      if (!cells.includes("coreRegistered")) return;
      // 2026/27's figure is not published in our sources: the person types one in (the value column).
      row.getCell(3).value = typeof cells[2] === "number" ? cells[2] * 2 : 2.4;
      rateChanged++;
    });
    expect(rateChanged).toBe(1);
    await wb.xlsx.writeFile(file);
    const before = planGrid(lockStatementPlan(snapshotOf(readFileSync(file)), Q1, { today: TODAY }));
    await rebuild();
    await rebuild();
    const after = await read();
    expect(xlsxGrid(after.getWorksheet(sheetName)!)).toEqual(locked);
    // The live figures moved: locking Q1 now gives a statement with other shares.
    const fresh = planGrid(lockStatementPlan(snapshotOf(readFileSync(file)), Q1, { today: TODAY }));
    expect(receipts(fresh)).toEqual(receipts(before));
    expect(receipts(fresh)).not.toEqual(receipts(locked));
    // Locking Q1 again makes a second version beside the first, which stays as it was.
    const second = await cli(["--out", file, "--lock-statement", Q1]);
    expect(second.statement!.warnings.join(" ")).toMatch(/was locked before/);
    const again = await read();
    expect(again.worksheets.map((w) => w.name).filter((n) => n.startsWith("Statement "))).toEqual([sheetName, `${sheetName} (2)`]);
    expect(xlsxGrid(again.getWorksheet(sheetName)!)).toEqual(locked);
  }, 240_000);

  it("a period with no streams, or a refused split, is refused with a sentence and nothing is written", async () => {
    const before = readFileSync(file);
    const out: string[] = [];
    expect(await runCli(["--out", file, "--lock-statement", "Jan 2027"], (s) => out.push(s), (s) => out.push(s))).not.toBe(0);
    expect(out.join("")).toMatch(/No stream on the Distribution sheet is for Jan 2027: nothing to lock/);
    expect(readFileSync(file).equals(before)).toBe(true);
    out.length = 0;
    expect(await runCli(["--out", file, "--lock-statement", "Q5 2026/27"], (s) => out.push(s), (s) => out.push(s))).not.toBe(0);
    expect(out.join("")).toMatch(/"Q5 2026\/27" is not a period of 2026\/27/);
    // A person adds a cost above the frailty scheme's £12,000 (Q2): the split is refused, and so is the lock.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const costs = wb.getWorksheet("Distribution Costs")!;
    let row = 2;
    while (costs.getCell(row, 1).value) row++;
    ["C-99", "Over the top", "Services", "Q2 2026/27", "S-10", 20000].forEach((v, i) => { costs.getCell(row, i + 1).value = v; });
    await wb.xlsx.writeFile(file);
    const edited = readFileSync(file);
    out.length = 0;
    expect(await runCli(["--out", file, "--lock-statement", "Q2 2026/27"], (s) => out.push(s), (s) => out.push(s))).not.toBe(0);
    expect(out.join("")).toMatch(/Q2 2026\/27 cannot be locked: S-10 \(Over-distribution refused: the costs taken off are more than this stream's amount\)\. Fix it on the Distribution sheet; nothing was locked\./);
    expect(readFileSync(file).equals(edited)).toBe(true);
  }, 120_000);
});

describe("Excel and Sheets: the pane's Lock statement through the same plan", () => {
  let offline: Grid;
  beforeAll(async () => {
    const file = join(dir, "same.xlsx");
    await cli(["--out", file, "--year", YEAR, "--lock-statement", Q1]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    offline = xlsxGrid(wb.worksheets.find((w) => w.name.startsWith("Statement "))!);
  }, 120_000);

  it("Excel: the bridge offers the periods, locks Q1 as the offline command does, and a rebuild after a population change leaves it", async () => {
    const wb = new FakeWorkbook();
    wb.addSheet("Sheet1");
    const bridge = new ExcelBridge({
      run: (options, batch) => fakeRun(wb)(options ?? {}, (c: FakeRequestContext) => batch(c as unknown as Excel.RequestContext)),
      isSetSupported: (n, v) => wb.isSetSupported(n, v),
      today: () => TODAY,
    });
    expect((await bridge.getState()).lockPeriods ?? []).toEqual([]);
    await bridge.build({ year: YEAR, sheets: [], sample: true }, () => undefined);
    const st = await bridge.getState();
    expect(st.lockPeriods).toContain(Q1);
    expect(st.statements).toEqual([]);
    await expect(bridge.lockStatement("Jan 2027")).rejects.toThrow(/nothing to lock/);
    const res = await bridge.lockStatement(Q1);
    expect((await bridge.getState()).statements).toEqual([res.sheet]);
    const sheetGrid = () => { const s = wb.sheet(res.sheet)!; return grid((r, c) => s.get(r, c)?.v, 200, 20); };
    const locked = sheetGrid();
    expect(locked).toEqual(offline);
    // A person changes the first practice's registered list; the pane rebuilds every sheet, twice.
    const pr = wb.sheet("Practices")!;
    const head = Array.from({ length: 30 }, (_, c) => String(pr.get(0, c)?.v ?? ""));
    const reg = head.findIndex((h) => /^Weighted/i.test(h));
    pr.set(1, reg, { v: Number(pr.get(1, reg)!.v) + 5000 });
    await bridge.build({ year: YEAR, sheets: [] }, () => undefined);
    await bridge.build({ year: YEAR, sheets: [] }, () => undefined);
    expect(sheetGrid()).toEqual(locked);
    const second = await bridge.lockStatement(Q1);
    expect(second.sheet).toBe(`${res.sheet} (2)`);
    const s2 = wb.sheet(second.sheet)!;
    expect(receipts(grid((r, c) => s2.get(r, c)?.v, 200, 20))).not.toEqual(receipts(locked));
    expect(sheetGrid()).toEqual(locked);
  }, 180_000);

  it("Sheets: the built add-on's sidebar bridge locks Q1 as the offline command does, and a rebuild leaves it", async () => {
    const root = resolve(__dirname, "..");
    const dist = await ensureSheetsBuild(root);
    const gas: FakeGas = createFakeGas({ htmlFiles: { Sidebar: readFileSync(join(dist, "Sidebar.html"), "utf8") } });
    const ctx = gas.context();
    // Apps Script's new Date() is the same instant as Date.now(): the fake's clock (1 December 2026), as in Excel and offline.
    vm.runInContext("Date = (function (D) { return class extends D { constructor(...a) { if (a.length === 0) super(D.now()); else super(...a); } }; })(Date);", ctx);
    vm.runInContext(readFileSync(join(dist, "Code.js"), "utf8"), ctx, { filename: "Code.js" });
    const bridge = new AppsScriptBridge(scriptRun(gas, ctx));
    await bridge.build({ year: YEAR, sheets: [], sample: true }, () => undefined);
    expect((await bridge.getState()).lockPeriods).toContain(Q1);
    await expect(bridge.lockStatement("Jan 2027")).rejects.toThrow(/nothing to lock/);
    const res = await bridge.lockStatement(Q1);
    const sheetGrid = () => { const s = gas.ss.getSheetByName(res.sheet)!; return grid((r, c) => s.cell(r + 1, c + 1)?.value, 200, 20); };
    const locked = sheetGrid();
    expect(locked).toEqual(offline);
    const pr = gas.ss.getSheetByName("Practices")!;
    const reg = Array.from({ length: 30 }, (_, c) => String(pr.cell(1, c + 1)?.value ?? "")).findIndex((h) => /^Weighted/i.test(h)) + 1;
    gas.type("Practices", `${String.fromCharCode(64 + reg)}2`, Number(pr.cell(2, reg)!.value) + 5000);
    await bridge.build({ year: YEAR, sheets: [] }, () => undefined);
    expect(sheetGrid()).toEqual(locked);
    // Locked again, the period's new version has the new figures; the first is as it was.
    const second = await bridge.lockStatement(Q1);
    expect(second.sheet).toBe(`${res.sheet} (2)`);
    const s2 = gas.ss.getSheetByName(second.sheet)!;
    expect(receipts(grid((r, c) => s2.cell(r + 1, c + 1)?.value, 200, 20))).not.toEqual(receipts(locked));
    expect(sheetGrid()).toEqual(locked);
  }, 240_000);
});
