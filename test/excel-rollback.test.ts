/**
 * A sync failing or hanging at ANY point leaves the workbook's sheets, values and formulas as they were, or
 * fully built. Excel batches are not transactions (operations before a failing one stay applied), so the fake
 * fails each sync before, half-way through and after applying it, and hangs it before and after.
 */
import { describe, expect, it } from "vitest";
import { handMadePlan, startingWorkbook } from "../bench/excel";
import type { WorkbookSnapshot, WritePlan } from "../core/workbook/plan";
import { ExcelBridge } from "../excel-addin/bridge";
import { applyPlan, BuildFailure, errorCode, readSnapshot, type ApplyOptions } from "../excel-addin/writer";
import { FakeWorkbook, fakeRun, type FaultMode, type FakeRequestContext } from "./fakes/fakeExcel";

const ctxOf = (c: FakeRequestContext) => c as unknown as Excel.RequestContext;
const MODES: FaultMode[] = ["fail", "partial", "after", "hang", "hang-after"];

/** Sheets, values and formulas, plus names and tables, of a fake workbook. */
function contents(wb: FakeWorkbook) {
  return {
    sheets: wb.state().map(({ name, cells }) => ({ name, cells })),
    names: [...wb.names.values()].map((n) => `${n.name}${n.formula}`).sort(),
    tables: wb.tables.map((t) => `${t.sheet.name}:${t.name}`).sort(),
  };
}

function applyOn(wb: FakeWorkbook, plan: WritePlan, snapshot: WorkbookSnapshot, extra: ApplyOptions = {}, runOptions: { mergeUndoGroup?: boolean } = {}) {
  const run = fakeRun(wb);
  return run(runOptions, (c: FakeRequestContext) =>
    applyPlan(ctxOf(c), plan, undefined, {
      snapshot,
      syncTimeoutMs: 25,
      isSetSupported: (n, v) => wb.isSetSupported(n, v),
      freshRun: (batch) => run({}, (fresh: FakeRequestContext) => batch(ctxOf(fresh))),
      ...extra,
    }),
  );
}

describe("rollback of the writer", () => {
  // ExcelApi 1.8 has no Range.getTables (the fake fails a sync that uses it): the rollback finds the table it
  // added on an existing sheet another way.
  it.each(["1.20", "1.8"])("leaves the workbook as it was or fully built, whichever sync fails or hangs (ExcelApi %s)", async (api) => {
    const original = startingWorkbook({ apiSets: { ExcelApi: api } });
    const snapshot = await fakeRun(original)((c: FakeRequestContext) => readSnapshot(ctxOf(c)));
    const plan = handMadePlan(25);
    // A table on the sheet that was there already: a rollback must turn it back into a plain range.
    plan.sheets.find((s) => s.name === "Notes")!.table = { name: "PCN_NotesTotals", range: { row: 9, col: 0, rows: 2, cols: 2 } };

    const clean = original.clone();
    await applyOn(clean, plan, snapshot);
    const syncs = clean.syncs.length;
    expect(syncs).toBe(5);
    const built = contents(clean);
    const was = contents(original);
    expect(built).not.toEqual(was);
    expect(built.tables).toEqual(["Notes:PCN_NotesTotals", "Register:PCN_Register"]);

    let rolledBack = 0;
    for (let k = 1; k <= syncs; k++) {
      for (const mode of MODES) {
        const wb = original.clone();
        wb.injectFault(k, mode);
        let error: unknown;
        try {
          await applyOn(wb, plan, snapshot);
        } catch (e) {
          error = e;
        }
        const now = contents(wb);
        const label = `sync ${k} ${mode}`;
        expect([was, built], label).toContainEqual(now);
        expect(error, label).toBeInstanceOf(BuildFailure);
        expect((error as BuildFailure).restored, label).toBe(true);
        expect((error as Error).message, label).toMatch(/^PCN Toolkit could not (start building the workbook, so it changed nothing|finish building the workbook, so it put every sheet and cell back as they were)\. Excel said: /);
        if (mode.startsWith("hang")) expect((error as Error).message, label).toMatch(/did not answer within/);
        if (JSON.stringify(now) === JSON.stringify(was)) rolledBack++;
      }
    }
    expect(rolledBack).toBe(syncs * MODES.length);
  });

  it("never deletes a sheet the person added while the build ran", async () => {
    const original = startingWorkbook();
    const snapshot = await fakeRun(original)((c: FakeRequestContext) => readSnapshot(ctxOf(c)));
    for (const when of [2, 3]) {
      const wb = original.clone();
      wb.onSync = (i) => { if (i === when) wb.addSheet("Scratch", [["mine"]]); };
      wb.injectFault(4, "fail");
      await expect(applyOn(wb, handMadePlan(5), snapshot)).rejects.toBeInstanceOf(BuildFailure);
      expect(wb.sheets.map((s) => s.name)).toEqual(["Notes", "Scratch"]);
      expect(wb.cell("Scratch", "A1")).toBe("mine");
    }
  });

  it("says so plainly when putting the workbook back fails too", async () => {
    const original = startingWorkbook();
    const snapshot = await fakeRun(original)((c: FakeRequestContext) => readSnapshot(ctxOf(c)));
    const wb = original.clone();
    wb.injectFault(3, "after");
    wb.injectFault(4, "fail"); // the rollback's first sync
    const e = await applyOn(wb, handMadePlan(5), snapshot).catch((x) => x);
    expect(e).toBeInstanceOf(BuildFailure);
    expect(e.restored).toBe(false);
    expect(e.message).toMatch(/could not put it back as it was either .*Close the workbook without saving/);
  });

  it("a merged undo group that Excel refuses is rolled back with the UndoNotSupported code kept", async () => {
    const original = startingWorkbook({ platform: "desktop" });
    const snapshot = await fakeRun(original)((c: FakeRequestContext) => readSnapshot(ctxOf(c)));
    const wb = original.clone();
    // Hiding a sheet cannot join a merged undo group on Windows/Mac: here it is not deferred, on purpose.
    const e = await applyOn(wb, handMadePlan(5), snapshot, { deferVisibility: false }, { mergeUndoGroup: true }).catch((x) => x);
    expect(e).toBeInstanceOf(BuildFailure);
    expect(e.restored).toBe(true);
    expect(errorCode(e.cause)).toBe("UndoNotSupported");
    expect(contents(wb)).toEqual(contents(original));
  });
});

describe("rollback through the bridge, real sample plan", () => {
  const bridgeFor = (wb: FakeWorkbook) =>
    new ExcelBridge({
      run: (options, batch) => fakeRun(wb)(options ?? {}, (c: FakeRequestContext) => batch(ctxOf(c))),
      isSetSupported: (n, v) => wb.isSetSupported(n, v),
      syncTimeoutMs: 25,
      today: () => "2025-10-01",
    });
  const start = () => {
    const wb = new FakeWorkbook({ platform: "desktop" });
    wb.addSheet("Sheet1", [["my own", 1], ["=B1+1"]]);
    return wb;
  };
  const req = { year: "", sheets: [], sample: true };

  it("builds in one merged undo group and hides helper sheets after it", async () => {
    const wb = start();
    const progress: string[] = [];
    const res = await bridgeFor(wb).build(req, (p) => progress.push(`${p.done}/${p.total} ${p.label}`));
    expect(res.sheetsBuilt.length).toBeGreaterThanOrEqual(11);
    expect(wb.runs.map((r) => r.options)).toEqual([{}, { mergeUndoGroup: true }, {}]);
    expect(progress[0]).toMatch(/^0\/\d+ About$/);
    expect(progress.at(-1)).toMatch(/^(\d+)\/\1 Done$/);
    expect(wb.sheets.filter((s) => s.visibility === "Hidden").map((s) => s.name)).toEqual(["PCN_Lists", "PCN_Meta"]);
  });

  it("whichever sync of a build fails or hangs, sheets/values/formulas are as they were or fully built", async () => {
    const clean = start();
    await bridgeFor(clean).build(req, () => undefined);
    const syncs = clean.syncs.length;
    const built = contents(clean);
    const was = contents(start());
    for (let k = 1; k <= syncs; k++) {
      for (const mode of MODES) {
        const wb = start();
        wb.injectFault(k, mode);
        const outcome = await bridgeFor(wb).build(req, () => undefined).then(() => "built", (e: Error) => e.message);
        const label = `sync ${k}/${syncs} ${mode}: ${outcome}`;
        expect([was, built], label).toContainEqual(contents(wb));
        if (outcome !== "built") expect(outcome, label).toMatch(/^PCN Toolkit could not (read the workbook, so it changed nothing|start building the workbook, so it changed nothing|finish building the workbook, so it put every sheet and cell back as they were)\. Excel said: /);
      }
    }
  });
});
