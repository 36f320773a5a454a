/**
 * A sync failing or hanging at ANY point leaves the workbook as it was, or fully built: sheets, values and
 * formulas, and also number formats, styles, column widths, data validation, conditional formats, charts, freeze
 * panes, visibility, names and tables (FakeWorkbook.fullState). Excel batches are not transactions (operations
 * before a failing one stay applied), so the fake fails each sync before, half-way through and after applying
 * it, and hangs it before and after.
 */
import { describe, expect, it } from "vitest";
import { handMadePlan, startingWorkbook } from "../bench/excel";
import type { SheetPlan, WorkbookSnapshot, WritePlan } from "../core/workbook/plan";
import { ExcelBridge } from "../excel-addin/bridge";
import { applyPlan, BuildFailure, errorCode, readSnapshot, type ApplyOptions } from "../excel-addin/writer";
import { FakeWorkbook, fakeRun, type FakeWorkbookOptions, type FaultMode, type FakeRequestContext } from "./fakes/fakeExcel";

const ctxOf = (c: FakeRequestContext) => c as unknown as Excel.RequestContext;
/**
 * Faults per kind of sync: a read may hang (it is timed out); a write is never timed out (a batch Excel has begun
 * lands whether or not anyone waits), so it is made slow instead: it must be waited for, however long it takes.
 */
const READ_MODES: FaultMode[] = ["fail", "hang", "hang-after"];
const WRITE_MODES: FaultMode[] = ["fail", "partial", "after", "slow"];
const modesOf = (wb: FakeWorkbook, k: number): FaultMode[] => (wb.syncs[k - 1].writes > 0 ? WRITE_MODES : READ_MODES);

/** Everything the fake models, for "as it was" / "fully built". */
/** The workbook as compared; a change-journal entry's time is when that build ran, so two builds differ there only. */
const contents = (wb: FakeWorkbook) => {
  const st = wb.fullState();
  for (const sh of st.sheets) if (sh.name === "Change Journal") for (const k of Object.keys(sh.cells)) if (/^A\d+$/.test(k) && k !== "A1") sh.cells[k] = { v: "(time of the build)" };
  return st;
};

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

const cell = (row: number, col: number, rows = 1, cols = 1) => ({ row, col, rows, cols });

/** The index (over the workbook's life) of the first write sync a clean build of `plan` makes. */
async function firstWrite(original: FakeWorkbook, plan: WritePlan, snapshot: WorkbookSnapshot): Promise<number> {
  const clean = original.clone();
  const from = clean.syncs.length;
  await applyOn(clean, plan, snapshot);
  return clean.syncs.slice(from).find((r) => r.writes > 0)!.index;
}

/**
 * The person's workbook: Notes (see startingWorkbook) with two frozen rows, number formats, a wide column, a
 * style, data validation, conditional formats and charts where the build works, and a visible PCN_Meta sheet
 * (the build writes it and hides it).
 */
function richStart(opts: FakeWorkbookOptions = {}): FakeWorkbook {
  const wb = startingWorkbook(opts);
  const notes = wb.sheet("Notes")!;
  notes.freeze = { rows: 2, cols: 0 };
  notes.formats.set("9,1", "0.00"); // B10: the build writes a formula and formats it
  notes.formats.set("10,1", "dd/mm/yyyy"); // B11
  notes.formats.set("20,0", "@"); // A21: in the area the build clears; "old" is text in a Text cell
  notes.formats.set("1,0", "0.0%"); // A2: nothing the build touches
  notes.colWidths.set(0, 80);
  notes.styles.set("9,0", { fill: "#FFFF00", bold: true }); // A10: the build styles A10:B10
  notes.styles.set("0,0", { italic: true }); // A1: not touched
  // C10:C14 one dropdown (with the person's own alert), C15:C16 another rule, C17:C20 none: the build's C10:C20 rule replaces all.
  notes.validations.push(
    { rect: cell(9, 2, 5), rule: { list: { inCellDropDown: true, source: "a,b" } }, errorAlert: { showAlert: true, style: "Warning", title: "Mine", message: "a or b" } },
    { rect: cell(14, 2, 2), rule: { wholeNumber: { operator: "Between", formula1: 1, formula2: 9 } } },
  );
  // In priority order. The build clears conditional formats over D10:D22: it leaves the first, cuts through the
  // second and removes the third; the second and third must come back below the first.
  notes.cfs.push(
    { id: wb.id(), rect: cell(0, 6, 3), type: "Custom", formula: "=G1<0", fill: "#DDEBF7" },
    { id: wb.id(), rect: cell(4, 3, 26), type: "Custom", formula: "=D5>1", fill: "#FFC7CE", font: "#9C0006", bold: true },
    { id: wb.id(), rect: cell(10, 3), type: "CellValue", stopIfTrue: true, detail: { "cellValue/rule": { formula1: "=10", operator: "GreaterThan" }, "cellValue/format/fill/color": "#FFEB9C" } },
  );
  // A chart an earlier build made (the build replaces it) and the person's own (kept).
  notes.charts.push(
    { id: wb.id(), name: "PCN Old notes chart", type: "Line", title: "Old notes chart", series: [{ name: "Old", values: "Notes!$B$1:$B$3" }], position: { start: "D2", end: "H12" } },
    { id: wb.id(), name: "My chart", type: "Pie", series: [{ name: "Mine", values: "Notes!$B$1:$B$2" }] },
  );
  const meta = wb.addSheet("PCN_Meta", [["year", "2024/25"], ["mine", 7]]);
  meta.formats.set("1,1", "0.00");
  meta.colWidths.set(3, 100);
  return wb;
}

/** handMadePlan over richStart: Notes gets a table, freeze, widths, a style, a rule, a conditional format and a chart; PCN_Meta exists and is hidden. */
function richPlan(rows: number): WritePlan {
  const plan = handMadePlan(rows);
  const notes = plan.sheets.find((s) => s.name === "Notes")!;
  // A table on the sheet that was there already: a rollback must turn it back into a plain range.
  notes.table = { name: "PCN_NotesTotals", range: cell(9, 0, 2, 2) };
  Object.assign(notes, {
    freeze: { rows: 1, cols: 1 },
    columnWidths: [{ col: 0, width: 20 }, { col: 1, width: 20 }],
    styles: [{ range: cell(9, 0, 1, 2), bold: false, fill: "#E2EFDA", fontColor: "#375623" }],
    validations: [{ range: cell(9, 2, 11), list: ["Yes", "No"], message: "Yes or no." }],
    conditionalFormats: [{ range: cell(9, 3, 2), formula: "=D10>0", fill: "#C6EFCE" }],
    charts: [{ type: "line", title: "Notes totals", anchor: cell(30, 0, 10, 5), categories: { sheet: "Notes", range: cell(9, 0, 2) }, series: [{ name: "Totals", sheet: "Notes", range: cell(9, 1, 2) }] }],
  } satisfies Partial<SheetPlan>);
  // PCN_Meta, which the build hides, goes second: failures after its sync find it hidden.
  const meta = plan.sheets.find((s) => s.name === "PCN_Meta")!;
  meta.create = false;
  plan.sheets = [plan.sheets[0], meta, ...plan.sheets.slice(1).filter((s) => s !== meta)];
  return plan;
}

describe("rollback of the writer", () => {
  // ExcelApi 1.8 has no Range.getTables, RangeFill.pattern or getRanges (the fake fails a sync that uses them):
  // the rollback does without.
  it.each(["1.20", "1.8"])("leaves the workbook as it was or fully built, whichever sync fails or hangs (ExcelApi %s)", async (api) => {
    const original = richStart({ apiSets: { ExcelApi: api } });
    const snapshot = await fakeRun(original)((c: FakeRequestContext) => readSnapshot(ctxOf(c)));
    const plan = richPlan(25);

    const clean = original.clone();
    await applyOn(clean, plan, snapshot);
    const syncs = clean.syncs.length;
    // The prepare sync, one more read (the rules and conditional formats to refine), one write for every sheet.
    expect(syncs).toBe(3);
    const built = contents(clean);
    const was = contents(original);
    expect(built).not.toEqual(was);
    expect(built.tables).toEqual(["Notes!A10:B11 PCN_NotesTotals", "Register!A1:H26 PCN_Register"]);
    // Everything the audit found unrestored is changed by a clean build, so the loop below sees it put back.
    const [notesWas, notesBuilt] = [was, built].map((s) => s.sheets.find((x) => x.name === "Notes")!);
    for (const k of ["freeze", "formats", "styles", "widths", "validations", "cfs", "charts"] as const) expect(notesBuilt[k], k).not.toEqual(notesWas[k]);
    expect(built.sheets.find((x) => x.name === "PCN_Meta")!.visibility).toBe("Hidden");

    let rolledBack = 0;
    let tries = 0;
    const finished: string[] = [];
    for (let k = 1; k <= syncs; k++) {
      for (const mode of modesOf(clean, k)) {
        tries++;
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
        if (error === undefined) {
          // A slow write was waited for, or Excel failed after the last sync had applied everything: fully built.
          expect(now, label).toEqual(built);
          if (mode !== "slow") finished.push(label);
          continue;
        }
        expect(error, label).toBeInstanceOf(BuildFailure);
        expect((error as BuildFailure).restored, label).toBe(true);
        expect(now, label).toEqual(was);
        expect((error as Error).message, label).toMatch(/^PCN Toolkit could not (start building the workbook, so it changed nothing|finish building the workbook, so it put every sheet and cell back as they were)\. Excel said: /);
        if (mode.startsWith("hang")) expect((error as Error).message, label).toMatch(/did not answer within/);
        rolledBack++;
      }
    }
    expect(finished).toEqual([`sync ${syncs} after`]);
    expect(rolledBack).toBe(tries - 1 - clean.syncs.filter((r) => r.writes > 0).length);
  });

  it("puts back what the audit found lost: a freeze and a number format on a sheet the build touched (fault after the write)", async () => {
    const original = startingWorkbook();
    original.sheet("Notes")!.freeze = { rows: 2, cols: 0 };
    original.sheet("Notes")!.formats.set("9,1", "0.00");
    const snapshot = await fakeRun(original)((c: FakeRequestContext) => readSnapshot(ctxOf(c)));
    const wb = original.clone();
    wb.injectFault(await firstWrite(original, handMadePlan(5), snapshot), "after");
    const e = await applyOn(wb, handMadePlan(5), snapshot).catch((x) => x);
    expect(e).toBeInstanceOf(BuildFailure);
    expect(e.restored).toBe(true);
    expect(wb.sheet("Notes")!.freeze).toEqual({ rows: 2, cols: 0 });
    expect(wb.sheet("Notes")!.format(9, 1)).toBe("0.00");
    expect(contents(wb)).toEqual(contents(original));
  });

  it("puts back a conditional format applied to several areas (ExcelApi 1.9+), and says where it cannot (1.8)", async () => {
    for (const api of ["1.20", "1.8"]) {
      const original = startingWorkbook({ apiSets: { ExcelApi: api } });
      const id = original.id();
      original.sheet("Notes")!.cfs.push({ id, rect: cell(9, 3, 2), type: "Custom", formula: "=D10>5", fill: "#FFC7CE" }, { id, rect: cell(40, 3, 2), type: "Custom", formula: "=D10>5", fill: "#FFC7CE" });
      const snapshot = await fakeRun(original)((c: FakeRequestContext) => readSnapshot(ctxOf(c)));
      const plan = handMadePlan(5);
      plan.sheets.find((s) => s.name === "Notes")!.conditionalFormats = [{ range: cell(9, 3, 2), formula: "=D10>0", fill: "#C6EFCE" }];
      const wb = original.clone();
      wb.injectFault(await firstWrite(original, plan, snapshot), "after"); // after Notes' conditional formats were replaced
      const e = await applyOn(wb, plan, snapshot).catch((x) => x);
      expect(e).toBeInstanceOf(BuildFailure);
      const [now, was] = [contents(wb), contents(original)];
      if (api === "1.20") {
        expect(e.restored).toBe(true);
        expect(now).toEqual(was);
      } else {
        expect(e.restored).toBe(false);
        expect(e.message).toMatch(/^PCN Toolkit could not finish building the workbook\. It put the sheets and cells back as they were, except a conditional format \(Custom\) on Notes: this Excel gives no way to read back how that was\. Excel said: /);
        // Everything else is as it was.
        const notes = (x: typeof now) => x.sheets.find((s) => s.name === "Notes")!;
        expect(notes(now).cfs).not.toEqual(notes(was).cfs);
        expect({ ...now, sheets: now.sheets.map((s) => ({ ...s, cfs: [] })) }).toEqual({ ...was, sheets: was.sheets.map((s) => ({ ...s, cfs: [] })) });
      }
    }
  });

  it("never deletes a sheet the person added while the build ran", async () => {
    const original = startingWorkbook();
    const snapshot = await fakeRun(original)((c: FakeRequestContext) => readSnapshot(ctxOf(c)));
    const write = await firstWrite(original, handMadePlan(5), snapshot);
    for (const when of [write - 1, write]) {
      const wb = original.clone();
      wb.onSync = (i) => { if (i === when) wb.addSheet("Scratch", [["mine"]]); };
      wb.injectFault(write, "partial");
      await expect(applyOn(wb, handMadePlan(5), snapshot)).rejects.toBeInstanceOf(BuildFailure);
      expect(wb.sheets.map((s) => s.name)).toEqual(["Notes", "Scratch"]);
      expect(wb.cell("Scratch", "A1")).toBe("mine");
    }
  });

  it("says so plainly when putting the workbook back fails too", async () => {
    const original = startingWorkbook();
    const snapshot = await fakeRun(original)((c: FakeRequestContext) => readSnapshot(ctxOf(c)));
    const wb = original.clone();
    const write = await firstWrite(original, handMadePlan(5), snapshot);
    wb.injectFault(write, "after");
    wb.injectFault(write + 1, "fail"); // the rollback's first sync
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
    // Every run waits for a cell being edited rather than failing.
    expect(wb.runs.map((r) => r.options)).toEqual([{ delayForCellEdit: true }, { delayForCellEdit: true, mergeUndoGroup: true }, { delayForCellEdit: true }]);
    expect(progress[0]).toMatch(/^0\/\d+ About$/);
    expect(progress.at(-1)).toMatch(/^(\d+)\/\1 Done$/);
    // No dropdown list is long enough for the lists sheet now that roles come from ARRS Rates.
    expect(wb.sheets.filter((s) => s.visibility === "Hidden").map((s) => s.name)).toEqual(["PCN Rates Book", "PCN_Meta"]);
  });

  it("whichever sync of a build fails or hangs, sheets/values/formulas are as they were or fully built", async () => {
    const clean = start();
    await bridgeFor(clean).build(req, () => undefined);
    const syncs = clean.syncs.length;
    const built = contents(clean);
    const was = contents(start());
    for (let k = 1; k <= syncs; k++) {
      for (const mode of modesOf(clean, k)) {
        const wb = start();
        wb.injectFault(k, mode);
        const outcome = await bridgeFor(wb).build(req, () => undefined).then(() => "built", (e: Error) => e.message);
        const label = `sync ${k}/${syncs} ${mode}: ${outcome}`;
        expect([was, built], label).toContainEqual(contents(wb));
        if (outcome !== "built") expect(outcome, label).toMatch(/^PCN Toolkit could not (read the workbook, so it changed nothing|start building the workbook, so it changed nothing|finish building the workbook, so it put every sheet and cell back as they were)\. Excel said: /);
      }
    }
  }, 240_000); // a full build for every sync and fault mode: minutes on a loaded 2-core machine

  it("a rebuild over a built workbook the person changed: whichever sync fails or hangs, everything is as it was or fully rebuilt", async () => {
    const base = start();
    await bridgeFor(base).build(req, () => undefined);
    // The person's changes on what the build owns, which a rebuild puts back to the build's.
    const p = base.sheet("Partnerships")!;
    const colOf = (header: string) => [...p.cells.get(0)!].find(([, c]) => c.v === header)![0];
    p.freeze = { rows: 0, cols: 0 };
    p.colWidths.set(0, 100);
    p.formats.set(`1,${colOf("Notice date")}`, "0.000");
    p.styles.set("0,0", { fill: "#FF0000", bold: false });
    p.validations = p.validations.flatMap((v) => (v.rect.col === colOf("Type") ? [{ ...v, rect: { ...v.rect, rows: 3 } }] : [v]));
    p.cfs.push({ id: base.id(), rect: cell(1, colOf("Notice status"), 5), type: "CellValue", detail: { "cellValue/rule": { formula1: "=1", operator: "EqualTo" } } });
    expect(base.sheet("KPI Charts")!.charts.length).toBeGreaterThan(0);

    const clean = base.clone();
    await bridgeFor(clean).build(req, () => undefined);
    const syncs = clean.syncs.length;
    const was = contents(base);
    const rebuilt = contents(clean);
    expect(rebuilt).not.toEqual(was);
    const outcomes = new Set<string>();
    for (let k = 1; k <= syncs; k++) {
      for (const mode of modesOf(clean, k)) {
        const wb = base.clone();
        wb.injectFault(k, mode);
        const outcome = await bridgeFor(wb).build(req, () => undefined).then(() => "built", (e: Error) => e.message);
        const label = `sync ${k}/${syncs} ${mode}: ${outcome}`;
        expect(contents(wb), label).toEqual(outcome === "built" ? rebuilt : was);
        if (outcome !== "built") expect(outcome, label).toMatch(/^PCN Toolkit could not (read the workbook, so it changed nothing|start building the workbook, so it changed nothing|finish building the workbook, so it put every sheet and cell back as they were)\. Excel said: /);
        outcomes.add(outcome === "built" ? "built" : outcome.match(/could not (\w+)/)![1]);
      }
    }
    expect([...outcomes].sort()).toEqual(["built", "finish", "read", "start"]);
  }, 240_000); // a full rebuild for every sync and fault mode: minutes on a loaded 2-core machine
});
