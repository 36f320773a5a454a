import { describe, expect, it } from "vitest";
import { YEAR_LABELS } from "../core/rates/book";
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
    // The bridge pins today to 1 October 2025: a new workbook defaults to that financial year.
    expect(st).toMatchObject({ host: "excel", years: [...YEAR_LABELS], defaultYear: "2025/26", practices: [] });
    expect(st.yearNote).toBeUndefined();
    expect(st.workbookYear).toBeUndefined();
    expect(st.sheets.map((s) => s.key)).toEqual(sheetCatalogue("2025/26").map((s) => s.key));
    expect(st.sheets.every((s) => !s.exists)).toBe(true);
  });

  it("builds the sample network, then reports the year, the sheets and the practices", async () => {
    const wb = new FakeWorkbook();
    wb.addSheet("Sheet1");
    const bridge = bridgeFor(wb);
    const progress: number[] = [];
    const res = await bridge.build({ year: "2025/26", sheets: [], sample: true }, (p) => progress.push(p.done));
    expect(res.sheetsBuilt).toEqual(expect.arrayContaining(sheetCatalogue("2025/26").map((s) => s.key)));
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
    // Worked out by hand from core/workbook/sample.ts with today pinned to 2025-10-01 (for the build's sample
    // dates and for the check). Partnership i (P-00i+1, on sheet row i+2) ends (endInDays + noticeDays) after
    // today with noticeDays' notice, so its notice date is endInDays from today: red at 14 days or fewer or
    // passed, amber up to 90. Reviews fall due [-20, 45, 120, -5, 200, 15][i % 6] days from today.
    const notices = findings.filter((f) => f.sheet === "Partnerships" && f.message.startsWith("Notice date"));
    expect(notices.map(({ severity, row, ref, message }) => ({ severity, row, ref, message }))).toEqual([
      { severity: "red", row: 9, ref: "P-008 Careway Care Homes", message: "Notice date 11/10/2025 is in 10 days." },
      { severity: "red", row: 10, ref: "P-009 Clearview Physio Partners", message: "Notice date 11/09/2025 has passed (20 days ago)." },
      { severity: "red", row: 11, ref: "P-010 Local Carers' Centre", message: "Notice date 06/10/2025 is in 5 days." },
      { severity: "amber", row: 3, ref: "P-002 Valley Social Prescribing CIC", message: "Notice date 15/11/2025 is in 45 days." },
      { severity: "amber", row: 5, ref: "P-004 Brightline Digital Ltd", message: "Notice date 15/12/2025 is in 75 days." },
      { severity: "amber", row: 7, ref: "P-006 Community Mental Health Trust", message: "Notice date 21/10/2025 is in 20 days." },
    ]);
    const reviews = findings.filter((f) => f.message.startsWith("Review was due"));
    expect(reviews.map(({ severity, row, ref, message }) => ({ severity, row, ref, message }))).toEqual([
      { severity: "amber", row: 2, ref: "P-001 Riverbend Community Pharmacy Group", message: "Review was due on 11/09/2025." },
      { severity: "amber", row: 5, ref: "P-004 Brightline Digital Ltd", message: "Review was due on 26/09/2025." },
      { severity: "amber", row: 8, ref: "P-007 Riverbend Council Public Health", message: "Review was due on 11/09/2025." },
      { severity: "amber", row: 11, ref: "P-010 Local Carers' Centre", message: "Review was due on 26/09/2025." },
    ]);
    // Each finding points at its own column of its row.
    const p010 = notices.find((f) => f.ref.startsWith("P-010"))!;
    expect(wb.sheet("Partnerships")!.get(0, p010.col! - 1)?.v).toBe("Notice date");
    expect(wb.sheet("Partnerships")!.get(p010.row - 1, 0)?.v).toBe("P-010");
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
