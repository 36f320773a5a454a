/**
 * Stop, as each host does it (issue #15): asked between write batches (Excel) or executions (Sheets), and never
 * leaving a sheet half-written. Excel's build is one step, so Stop puts back what it wrote; Sheets keeps the sheets
 * it finished, finishes the one an execution stopped inside, starts no other, and the next build finishes the rest
 * into the very sheets it inserted (no second set of tabs).
 */
import { beforeAll, describe, expect, it } from "vitest";
import vm from "node:vm";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sheetCatalogue } from "../core/workbook/build";
import { NEWEST_YEAR } from "../core/rates/book";
import { ExcelBridge } from "../excel-addin/bridge";
import { AppsScriptBridge } from "../sheets-addon/sidebar-bridge";
import type { BuildProgress } from "../pane/bridge";
import { FakeWorkbook, fakeRun, type FakeRequestContext } from "./fakes/fakeExcel";
import { createFakeGas, ensureSheetsBuild, type FakeGas, type FakeOptions } from "./fakes/fakeSheets";
import { scriptRun } from "./fakes/scriptRun";

const ctxOf = (c: FakeRequestContext) => c as unknown as Excel.RequestContext;
const excelBridge = (wb: FakeWorkbook, more: Partial<ConstructorParameters<typeof ExcelBridge>[0]> = {}) =>
  new ExcelBridge({
    run: (options, batch) => fakeRun(wb)(options ?? {}, (c: FakeRequestContext) => batch(ctxOf(c))),
    isSetSupported: (n, v) => wb.isSetSupported(n, v),
    today: () => "2025-10-01",
    clock: wb.clock,
    ...more,
  });

const cells = (wb: FakeWorkbook) => JSON.stringify(wb.fullState());

describe("Stop in Excel", () => {
  it("between write batches: the batch in flight lands, nothing more is written, and the workbook is put back as it was", async () => {
    const wb = new FakeWorkbook({ platform: "web" });
    wb.addSheet("Budget notes", [["my own", 1], ["=B1+1"]]);
    const before = cells(wb);
    // One chart a batch: the sample's KPI charts need several write batches, so there is a pause to stop at.
    const bridge = excelBridge(wb, { maxChartsPerSync: 1 });
    let asked = 0;
    const progress: BuildProgress[] = [];
    const wrote = () => wb.syncs.filter((s) => s.writes > 0).length;
    const res = await bridge.build({ year: "2025/26", sheets: [], sample: true }, (p) => progress.push(p), {
      // Stop pressed once the first write batch has landed.
      shouldStop: () => (asked++, wrote() > 0),
    });
    expect(res.stopped).toBe(true);
    expect(res.sheetsBuilt).toEqual([]);
    expect(res.note).toMatch(/put every sheet and cell back as they were/);
    // Exactly one write batch went out before the stop (then the rollback's own syncs).
    const writes = wb.syncs.filter((s) => s.writes > 0 && s.merged);
    expect(writes).toHaveLength(1);
    expect(asked).toBe(3); // before the build, before the first batch, before the second
    expect(cells(wb)).toBe(before);
    expect(progress[0]).toMatchObject({ done: 0, label: "About" });
    // The pane can build again at once, and that build finishes.
    const again = await bridge.build({ year: "2025/26", sheets: [], sample: true }, () => undefined);
    expect(again.stopped).toBeUndefined();
    expect((await bridge.getState()).sheets.every((s) => s.exists)).toBe(true);
  });

  it("a stop before the build starts changes nothing and costs no sync", async () => {
    const wb = new FakeWorkbook();
    wb.addSheet("Sheet1");
    const res = await excelBridge(wb).build({ year: "2025/26", sheets: [] }, () => undefined, { shouldStop: () => true });
    expect(res).toMatchObject({ stopped: true, sheetsBuilt: [] });
    expect(wb.syncs).toHaveLength(0);
  });

  it("progress counts only the sheets a person sees, by their names", async () => {
    const wb = new FakeWorkbook();
    wb.addSheet("Sheet1");
    const progress: BuildProgress[] = [];
    await excelBridge(wb, { maxChartsPerSync: 1 }).build({ year: "2025/26", sheets: [], sample: true }, (p) => progress.push(p));
    const shown = sheetCatalogue("2025/26").map((s) => s.title);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const p of progress) {
      expect(p.total).toBe(shown.length);
      expect([...shown, "Done"]).toContain(p.label);
      expect(p.label).not.toMatch(/^PCN[ _]/);
    }
    expect(progress.at(-1)).toEqual({ done: shown.length, total: shown.length, label: "Done" });
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
  });
});

const ROOT = resolve(__dirname, "..");
let CODE = "";
let SIDEBAR = "";
beforeAll(async () => {
  const dist = await ensureSheetsBuild(ROOT);
  CODE = readFileSync(join(dist, "Code.js"), "utf8");
  SIDEBAR = readFileSync(join(dist, "Sidebar.html"), "utf8");
}, 300_000);

function boot(opts: FakeOptions = {}): { gas: FakeGas; ctx: Record<string, any> } {
  const gas = createFakeGas({ htmlFiles: { Sidebar: SIDEBAR }, ...opts });
  const ctx = gas.context();
  vm.runInContext(CODE, ctx, { filename: "Code.js" });
  return { gas, ctx };
}
// The change journal's entry of two builds differs in its time and build ref only (columns 1 and 11 of a row under the header).
const entryStamp = (name: string, key: string) => name === "Change Journal" && /^([2-9]|\d\d+),(1|11)$/.test(key);
const contents = (g: FakeGas) =>
  g.ss.sheets.map((s) => ({
    name: s.name,
    cells: [...s.cells].map(([k, v]) => JSON.stringify(entryStamp(s.name, String(k)) ? [k, typeof v.value] : [k, v])).sort(),
    formats: [...s.formats].map((c) => JSON.stringify(c)).sort(),
  }));

describe("Stop in Google Sheets (the built Code.js, through the sidebar's bridge)", () => {
  it("finishes the sheet an execution stopped inside, starts no other, frees the spreadsheet, and the next build finishes into the same sheets", async () => {
    // A host slow enough that the sample takes several executions, each ending inside a sheet.
    const { gas, ctx } = boot({ costs: { call: 700, service: 700 } });
    const bridge = new AppsScriptBridge(scriptRun(gas, ctx));
    await bridge.getState();
    const runs = () => gas.executions.filter((e) => e.fn === "buildSheets");
    let progress: BuildProgress | undefined;
    const res = await bridge.build({ year: NEWEST_YEAR, sheets: [], sample: true }, (p) => (progress = p), {
      // Stop pressed during the first execution: asked before each call, so the second call is the stop.
      shouldStop: () => runs().length >= 1,
    });
    expect(runs().length).toBeGreaterThanOrEqual(2);
    expect(res.stopped).toBe(true);
    const shown = sheetCatalogue(NEWEST_YEAR).map((s) => s.key);
    const built = res.sheetsBuilt.filter((k) => shown.includes(k));
    expect(built.length).toBeGreaterThan(0);
    expect(built.length).toBeLessThan(shown.length);
    // No execution ran past a sheet it did not have to finish, and none passed Apps Script's limit.
    for (const e of runs()) expect(e.killed).toBe(false);
    // The spreadsheet is free: the lease is gone; the marker remembers only the sheets it inserted and never filled.
    expect(gas.documentProperties.getProperty("PCN_BUILD_LEASE")).toBeNull();
    const marker = JSON.parse(gas.documentProperties.getProperty("PCN_BUILD_MARKER") ?? "null");
    expect(marker.stopped).toBeUndefined();
    // Every sheet the stop left unbuilt is blank: nothing half-written.
    const titleOf = new Map(sheetCatalogue(NEWEST_YEAR).map((s) => [s.key, s.title]));
    for (const key of shown.filter((k) => !built.includes(k))) {
      const sheet = gas.ss.sheets.find((s) => s.name === titleOf.get(key));
      if (sheet) expect([...sheet.cells].length, `${key} is blank`).toBe(0);
    }
    expect(progress!.total).toBe(shown.length);

    // Each sheet it built is the sheet the build, left to run, writes there: the one in hand was finished, not cut.
    const onSame = boot({ costs: { call: 700, service: 700 } });
    await new AppsScriptBridge(scriptRun(onSame.gas, onSame.ctx)).build({ year: NEWEST_YEAR, sheets: [], sample: true }, () => undefined);
    const byName = (g: FakeGas) => new Map(contents(g).map((c) => [c.name, c]));
    const mine = byName(gas), full = byName(onSame.gas);
    for (const key of built) expect(mine.get(titleOf.get(key)!), key).toEqual(full.get(titleOf.get(key)!));

    // Finishing the build (as the pane's "Finish the build" does: the sheets not built) fills the very sheets the
    // first one inserted: no second tab of any name.
    const names = gas.ss.sheets.map((s) => s.name);
    const done = await bridge.build({ year: NEWEST_YEAR, sheets: shown.filter((k) => !built.includes(k)), sample: true }, () => undefined);
    expect(done.stopped).toBeUndefined();
    expect(gas.ss.sheets.map((s) => s.name).sort()).toEqual([...names].sort());
    for (const key of shown) expect([...gas.ss.sheets.find((s) => s.name === titleOf.get(key))!.cells].length, key).toBeGreaterThan(0);
    expect(gas.documentProperties.getKeys()).toEqual([]);
  }, 240_000);

  it("a stop with no sheet in hand ends the build at once", async () => {
    const { gas, ctx } = boot();
    const bridge = new AppsScriptBridge(scriptRun(gas, ctx));
    const res = await bridge.build({ year: NEWEST_YEAR, sheets: [] }, () => undefined, { shouldStop: () => true });
    expect(res).toMatchObject({ stopped: true, sheetsBuilt: [] });
    expect(gas.documentProperties.getProperty("PCN_BUILD_LEASE")).toBeNull();
    expect(gas.ss.sheets.map((s) => s.name)).toEqual(["Sheet1"]);
  });
});
