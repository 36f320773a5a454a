/**
 * What the test serves as https://appsforoffice.microsoft.com/lib/1/hosted/office.js: the strict fake Office/Excel
 * over an empty workbook (one blank Sheet1, as Excel opens), exposed as window.__wb for assertions.
 */
import { miniEvaluate } from "../fakes/evaluate";
import { FakeWorkbook, installFakeOffice } from "../fakes/fakeExcel";

const wb = new FakeWorkbook({ apiSets: { ExcelApi: "1.20", SharedRuntime: "1.1", CustomFunctionsRuntime: "1.2" } });
// Enough calculation for the self-test's checks.
wb.evaluate = miniEvaluate(wb);
wb.addSheet("Sheet1");
installFakeOffice(window, wb);
const w = window as unknown as Record<string, unknown>;
w.__wb = wb;
// The hosted office.js also defines CustomFunctions in the shared runtime (functions.js registers on load).
const associated: string[] = [];
w.__customFunctions = associated;
w.CustomFunctions = {
  associate(id: string | Record<string, unknown>, _fn?: unknown) {
    if (typeof id === "string") associated.push(id);
    else associated.push(...Object.keys(id));
  },
  Error: class CustomFunctionsError extends Error {
    constructor(public code: string, message?: string) {
      super(message ?? code);
    }
  },
  ErrorCode: { invalidValue: "#VALUE!", notAvailable: "#N/A", divisionByZero: "#DIV/0!", invalidNumber: "#NUM!", nullReference: "#NULL!", invalidName: "#NAME?", invalidReference: "#REF!" },
};

// Office's theme, as a test sets it before the page loads (window.__officeTheme), and the theme-change event
// where a host offers it on Office.context.document (the test fires it through window.__themeHandlers).
const office = (w.Office as { context: Record<string, unknown>; onReady: (cb?: (i: unknown) => void) => Promise<unknown>; EventType?: Record<string, string> });
const themeHandlers: ((args: { officeTheme?: unknown }) => void)[] = [];
w.__themeHandlers = themeHandlers;
if (w.__officeTheme) office.context.officeTheme = w.__officeTheme;
office.EventType = { ...(office.EventType ?? {}), OfficeThemeChanged: "officeThemeChanged" };
office.context.document = {
  addHandlerAsync(type: string, handler: (args: { officeTheme?: unknown }) => void, cb?: (r: unknown) => void) {
    if (type === "officeThemeChanged") themeHandlers.push(handler);
    cb?.({ status: "succeeded" });
  },
};
// A host slow to get ready: Office.onReady waits until the test calls window.__releaseOffice().
if (w.__holdOfficeReady) {
  const ready = office.onReady.bind(office);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  w.__releaseOffice = release;
  office.onReady = (cb?: (i: unknown) => void) => released.then(() => ready(cb));
}
