/**
 * The self-test for live hosts, run on the fake Excel: it reports every item, writes the table with the host's
 * version into a new sheet, removes its scratch sheets, and says FAIL where an assumption does not hold.
 */
import { describe, expect, it } from "vitest";
import { SELF_TEST_SHEET } from "../core/workbook/selftest";
import { ExcelBridge } from "../excel-addin/bridge";
import { miniEvaluate } from "./fakes/evaluate";
import { FakeWorkbook, fakeRun, type FakeRequestContext, type FakeWorkbookOptions } from "./fakes/fakeExcel";

const ctxOf = (c: FakeRequestContext) => c as unknown as Excel.RequestContext;
const ITEMS = [
  "excel.requirementSets", "excel.delayForCellEdit", "excel.scratchSheets", "excel.textStaysText", "excel.formulaRunR1C1", "excel.singleValueFill",
  "excel.suspendCalculation", "excel.assertStopsBatch", "excel.usedRangeFormulas", "excel.nullRead", "excel.chartFromOtherSheet", "excel.validationRoundTrip",
  "excel.conditionalFormatCut", "excel.tablesAndNames", "excel.freezePanes", "excel.date1904", "excel.selection", "excel.hideInMergedUndo", "excel.removeScratch",
];

function setup(opts: FakeWorkbookOptions = {}) {
  const wb = new FakeWorkbook({ version: "16.0.19000.20000", apiSets: { ExcelApi: "1.20", SharedRuntime: "1.1", CustomFunctionsRuntime: "1.2" }, ...opts });
  wb.evaluate = miniEvaluate(wb);
  wb.addSheet("Sheet1", [["mine", 1]]);
  const bridge = new ExcelBridge({
    run: (options, batch) => fakeRun(wb)(options ?? {}, (c: FakeRequestContext) => batch(ctxOf(c))),
    isSetSupported: (n, v) => wb.isSetSupported(n, v),
    clock: wb.clock,
    platform: wb.platform,
    version: () => `Excel ${wb.platform} ${wb.version}`,
  });
  return { wb, bridge };
}

describe("Excel self-test", () => {
  it("passes every item on a fake Excel on the web, writes the table with the version, and removes its scratch sheets", async () => {
    const { wb, bridge } = setup();
    const before = wb.state().find((s) => s.name === "Sheet1");
    const report = await bridge.runSelfTest();
    expect(report.items.map((i) => i.id)).toEqual(ITEMS);
    expect(report.items.filter((i) => !i.passed).map((i) => `${i.id}: ${i.detail}`)).toEqual([]);
    expect(report.version).toBe("Excel web 16.0.19000.20000");
    expect(report.sheet).toBe(SELF_TEST_SHEET);
    expect(wb.sheets.map((s) => s.name)).toEqual(["Sheet1", SELF_TEST_SHEET]);
    expect(wb.cell(SELF_TEST_SHEET, "A1")).toBe(`PCN Toolkit self-test: ${ITEMS.length} of ${ITEMS.length} passed`);
    expect(wb.cell(SELF_TEST_SHEET, "D2")).toBe("Excel web 16.0.19000.20000");
    expect(wb.cell(SELF_TEST_SHEET, "A6")).toBe("excel.requirementSets");
    expect(wb.cell(SELF_TEST_SHEET, "C6")).toBe("PASS");
    // The person's sheet is untouched.
    expect(wb.state().find((s) => s.name === "Sheet1")).toEqual(before);
    // A second run writes a sheet of its own.
    const again = await bridge.runSelfTest();
    expect(again.sheet).toBe(`${SELF_TEST_SHEET} 2`);
  });

  it("on Windows and Mac reports hiding in a merged undo group as refused, which the build allows for", async () => {
    const { bridge } = setup({ platform: "desktop" });
    const report = await bridge.runSelfTest();
    const hide = report.items.find((i) => i.id === "excel.hideInMergedUndo")!;
    expect(hide.passed).toBe(true);
    expect(hide.detail).toMatch(/^Refused \(UndoNotSupported\)/);
  });

  it("says FAIL, with what Excel said, where an assumption does not hold", async () => {
    const { wb, bridge } = setup({ apiSets: { ExcelApi: "1.7" } });
    const report = await bridge.runSelfTest().catch(() => undefined);
    expect(report).toBeDefined();
    const req = report!.items.find((i) => i.id === "excel.requirementSets")!;
    expect(req.passed).toBe(false);
    const vr = report!.items.find((i) => i.id === "excel.validationRoundTrip")!;
    expect(vr.passed).toBe(false);
    expect(vr.detail).toMatch(/ApiNotFound/);
    expect(wb.cell(report!.sheet!, "A1")).toMatch(/^PCN Toolkit self-test: \d+ of \d+ passed$/);
  });
});
