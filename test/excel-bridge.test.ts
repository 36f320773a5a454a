import { describe, expect, it } from "vitest";
import { NEWEST_YEAR, YEAR_LABELS } from "../core/rates/book";
import { sheetCatalogue } from "../core/workbook/build";
import { ExcelBridge } from "../excel-addin/bridge";
import { FakeWorkbook, fakeRun, installFakeOffice, type FakeRequestContext } from "./fakes/fakeExcel";

const ctxOf = (c: FakeRequestContext) => c as unknown as Excel.RequestContext;
const bridgeFor = (wb: FakeWorkbook) =>
  new ExcelBridge({
    run: (options, batch) => fakeRun(wb)(options ?? {}, (c: FakeRequestContext) => batch(ctxOf(c))),
    isSetSupported: (n, v) => wb.isSetSupported(n, v),
    today: () => "2025-10-01",
  });

describe("ExcelBridge", () => {
  it("reports an empty workbook's state", async () => {
    const wb = new FakeWorkbook();
    wb.addSheet("Sheet1");
    const st = await bridgeFor(wb).getState();
    expect(st).toMatchObject({ host: "excel", years: [...YEAR_LABELS], defaultYear: NEWEST_YEAR, practices: [] });
    expect(st.workbookYear).toBeUndefined();
    expect(st.sheets.map((s) => s.key)).toEqual(sheetCatalogue().map((s) => s.key));
    expect(st.sheets.every((s) => !s.exists)).toBe(true);
  });

  it("builds the sample network, then reports the year, the sheets and the practices", async () => {
    const wb = new FakeWorkbook();
    wb.addSheet("Sheet1");
    const bridge = bridgeFor(wb);
    const progress: number[] = [];
    const res = await bridge.build({ year: "2025/26", sheets: [], sample: true }, (p) => progress.push(p.done));
    expect(res.sheetsBuilt).toEqual(expect.arrayContaining(sheetCatalogue().map((s) => s.key)));
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const st = await bridge.getState();
    expect(st.workbookYear).toBe("2025/26");
    expect(st.sheets.every((s) => s.exists)).toBe(true);
    expect(st.practices.length).toBeGreaterThan(0);
    expect(st.practices[0].name).toBeTruthy();
    // A second build (refresh) works on what is there.
    const again = await bridge.build({ year: "2025/26", sheets: ["funding"] }, () => undefined);
    expect(again.sheetsBuilt).toContain("funding");
  });

  it("refuses a second build while one is running", async () => {
    const wb = new FakeWorkbook();
    wb.addSheet("Sheet1");
    const bridge = bridgeFor(wb);
    const first = bridge.build({ year: "", sheets: [], sample: true }, () => undefined);
    await expect(bridge.build({ year: "", sheets: [] }, () => undefined)).rejects.toThrow(/already running/);
    await first;
  });

  it("checks the register and goes to a finding's row", async () => {
    const wb = new FakeWorkbook();
    wb.addSheet("Sheet1");
    const bridge = bridgeFor(wb);
    await bridge.build({ year: "", sheets: [], sample: true }, () => undefined);
    const findings = await bridge.checkRegister();
    expect(Array.isArray(findings)).toBe(true);
    await bridge.goTo("Partnerships", 5);
    expect(wb.activeSheet?.name).toBe("Partnerships");
    expect(wb.selection).toEqual({ sheet: "Partnerships", address: "A5:XFD5" });
    await bridge.goTo("Budget", 3, 2);
    expect(wb.selection).toEqual({ sheet: "Budget", address: "B3" });
    await expect(bridge.goTo("Nope", 1)).rejects.toThrow(/no sheet named "Nope"/);
  });

  it("works over the installed fake Office globals (as the task pane does)", async () => {
    const wb = new FakeWorkbook({ apiSets: { ExcelApi: "1.12" } });
    wb.addSheet("Sheet1");
    const g: Record<string, unknown> = {};
    const { Office, Excel } = installFakeOffice(g, wb);
    const saved = { Office: (globalThis as any).Office, Excel: (globalThis as any).Excel };
    Object.assign(globalThis, { Office, Excel });
    try {
      expect(await Office.onReady()).toMatchObject({ host: "Excel" });
      const res = await new ExcelBridge({ today: () => "2025-10-01" }).build({ year: "", sheets: [], sample: true }, () => undefined);
      expect(res.sheetsBuilt.length).toBeGreaterThan(10);
      // ExcelApi 1.12: no undo grouping asked for, and no table resize needed on a first build.
      expect(wb.runs.every((r) => !(r.options as { mergeUndoGroup?: boolean }).mergeUndoGroup)).toBe(true);
      expect(wb.sheet("PCN_Meta")!.visibility).toBe("Hidden");
    } finally {
      Object.assign(globalThis, saved);
    }
  });
});
