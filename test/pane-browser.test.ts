/**
 * The BUILT host pages in headless Chromium at task-pane sizes (350 and 300 px wide, 800 high), with nothing
 * reaching the network:
 *  - Excel: taskpane.html + taskpane.js from the excel webpack target, Office.js answered by the strict fake
 *    (test/fakes/fakeExcel.ts) over an empty workbook;
 *  - Google Sheets: the one-file Sidebar.html from the sheets target, google.script.run stubbed with canned answers.
 * Each state a person meets is measured (test/browser/layout.ts): the build button in view without scrolling,
 * nothing overflowing or overlapping, Tab following the screen, and no serious axe-core finding. Nothing waits on
 * the wall clock: every wait is for a state of the page.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { HostState } from "../pane/bridge";
import type { Finding } from "../core/workbook/register";
import { luminance } from "../pane/theme";
import { bundle } from "./browser/bundle";
import { foreignRequests, launch, type Browser } from "./browser/chromium";
import { installGasStub, type GasCanned } from "./browser/gasStub";
import { axeSerious, checkState } from "./browser/layout";
import { recordProgress } from "./browser/recorder";
import { blockAll, OFFICE_JS, serveDir, serveText } from "./browser/serve";
import { builtTarget, removeBuilt } from "./browser/webpack";

const XSS = `<img src=x onerror=alert(1)>`;
const EXCEL_ORIGIN = "https://localhost:3000";
const OFFICE_ORIGIN = new URL(OFFICE_JS).origin;
const SIDEBAR_ORIGIN = "https://sidebar.test";
const SIZES = [{ width: 350, height: 800 }, { width: 300, height: 800 }];

let excelDir = "";
let sheetsDir = "";
let officeStub = "";
const browsers: Browser[] = [];

beforeAll(async () => {
  // Both targets at once: each takes ~15 s of ts-loader type checking on two cores.
  [excelDir, sheetsDir, officeStub] = await Promise.all([
    builtTarget("excel", "dist/excel-addin", "taskpane.html"),
    builtTarget("sheets", "dist/sheets-addon", "Sidebar.html"),
    bundle(join(__dirname, "browser/officeStub.ts")),
  ]);
}, 300_000);

afterAll(async () => {
  for (const b of browsers) await b.close();
  removeBuilt(excelDir);
  removeBuilt(sheetsDir);
});

async function open(viewport = SIZES[0]): Promise<Browser> {
  const b = await launch(viewport);
  browsers.push(b);
  await blockAll(b.context);
  await b.page.addInitScript(recordProgress);
  return b;
}

/** The Excel task pane over an empty workbook; `before` runs in the page before anything else (Office's theme, a slow host). */
async function openExcel(viewport = SIZES[0], before?: Record<string, unknown>): Promise<Browser> {
  const b = await open(viewport);
  if (before) await b.page.addInitScript((v) => Object.assign(window, v), before);
  await serveDir(b.context, EXCEL_ORIGIN, excelDir);
  await serveText(b.context, OFFICE_JS, officeStub); // last: newest route wins
  await b.page.goto(`${EXCEL_ORIGIN}/taskpane.html`);
  return b;
}

async function openSidebar(canned: GasCanned, viewport = SIZES[0]): Promise<Browser> {
  const b = await open(viewport);
  await b.page.addInitScript(installGasStub, canned);
  await serveDir(b.context, SIDEBAR_ORIGIN, sheetsDir);
  await b.page.goto(`${SIDEBAR_ORIGIN}/Sidebar.html`);
  return b;
}

/** Waits for the pane to have read the workbook (it marks itself busy until then). */
async function ready(page: Page): Promise<void> {
  await page.getByLabel("Build for the year").waitFor();
  await page.waitForFunction(() => document.querySelector(".pcn-pane")?.getAttribute("aria-busy") === "false");
  expect(await page.getByRole("alert").count()).toBe(0);
}
const idle = (page: Page) => page.waitForFunction(() => document.querySelector(".pcn-pane")?.getAttribute("aria-busy") === "false");

async function addPractice(page: Page, i: number, values: Record<string, string>): Promise<void> {
  await page.getByRole("button", { name: "+ Add practice" }).click();
  for (const [label, v] of Object.entries(values)) await page.getByLabel(label, { exact: true }).nth(i).fill(v);
}

const progressSeen = (page: Page) => page.evaluate(() => (window as unknown as { __progressSeen: string[] }).__progressSeen);
const buildButton = (page: Page) => page.locator(".buildbar button");
const workbookSheets = (page: Page) => page.evaluate(() => (window as any).__wb.sheets.map((s: { name: string; visibility: string }) => s.name) as string[]);
/** The colour of the pane's background and text, as the browser paints them. */
const paneColours = (page: Page) =>
  page.evaluate(() => {
    const hex = (c: string) => "#" + (c.match(/\d+/g) ?? []).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, "0")).join("");
    const s = getComputedStyle(document.querySelector(".pcn-pane")!);
    return { bg: hex(s.backgroundColor), fg: hex(s.color) };
  });

describe("Excel task pane (built), fake Office.js, at 350 and 300 px", () => {
  for (const size of SIZES) {
    it(`${size.width} px: loading, first screen, a full build in one click after the year and practices, findings that name their field`, async () => {
      const b = await openExcel(size, { __holdOfficeReady: true });
      const { page, requests, dialogs, errors } = b;
      // Before Office is ready, the page itself says it is loading: never a blank white pane.
      const loading = page.getByRole("status").filter({ hasText: "Loading: waiting for Excel" });
      await loading.waitFor();
      expect(await loading.isVisible()).toBe(true);
      await page.evaluate(() => (window as any).__releaseOffice());
      await ready(page);
      expect(await page.locator(".pcn-loading").count()).toBe(0);

      // The first screen: the steps, the year, the practices and one build button that says what it builds.
      const nSheets = await page.locator(".sheet-list input[type=checkbox]").count();
      expect(nSheets).toBeGreaterThan(10);
      expect(await page.locator(".steps li").allTextContents()).toEqual(["1Year: done", "2Practices: next", "3Build", "4Check"]);
      expect(await buildButton(page).textContent()).toBe(`Build all ${nSheets} sheets`);
      expect(await page.locator("details.choose > summary").textContent()).toBe(`Choose sheets (${nSheets} of ${nSheets})`);
      expect(await page.locator("details.choose").getAttribute("open")).toBeNull();
      await checkState(page, `excel-${size.width}-ready`);

      const years = await page.getByLabel("Build for the year").locator("option").allTextContents();
      await page.getByLabel("Build for the year").selectOption(years[years.length - 1]);
      await addPractice(page, 0, { "Practice name": "Riverside Surgery", "ODS code": "A81001", "Registered list": "10,234", "Weighted list": "11020.5", "Adjusted population": "10500", "Care-home beds": "40" });
      await addPractice(page, 1, { "Practice name": "Hillside Medical Centre", "ODS code": "A81002", "Registered list": "8000" });
      await checkState(page, `excel-${size.width}-practices`);

      // One click after the year and practices builds everything.
      await buildButton(page).click();
      const done = page.getByRole("status").filter({ hasText: `Built all ${nSheets} sheets.` });
      await done.waitFor({ timeout: 30_000 });
      await idle(page);
      const titles = await page.locator(".sheet-list .name").allTextContents();
      const inWorkbook = await workbookSheets(page);
      for (const t of titles) expect(inWorkbook).toContain(t);
      expect(await page.locator(".sheet-list .status.exists").count()).toBe(nSheets);
      expect(await page.evaluate(() => JSON.stringify((window as any).__wb.state()))).toContain("Riverside Surgery");
      // Progress named only sheets a person sees, counted in them.
      const seen = (await progressSeen(page)).filter((t) => t.startsWith("Building "));
      expect(seen.length, JSON.stringify(seen)).toBeGreaterThan(0);
      for (const line of seen) {
        const m = line.match(/^Building (.+) \((\d+) of (\d+)\)$/);
        expect(m, line).not.toBeNull();
        expect(titles).toContain(m![1]);
        expect(Number(m![3])).toBe(nSheets);
      }
      expect(seen.join(" ")).not.toMatch(/PCN_|PCN Rates Book/);
      expect(await buildButton(page).textContent()).toBe(`Refresh all ${nSheets} sheets`);
      await checkState(page, `excel-${size.width}-built`);

      // A person types a partnership into the empty register, its reference and partner named like markup.
      const written = await page.evaluate((xss) => {
        const s = (window as any).__wb.sheet("Partnerships");
        let n = 0;
        for (let c = 0; c < 60; c++) {
          if (/^(Ref|Partner organisation)$/.test(String(s.get(0, c)?.v ?? "").trim())) (s.set(1, c, { v: xss }), n++);
        }
        return n;
      }, XSS);
      expect(written).toBe(2);

      await page.getByRole("button", { name: "Check register" }).click();
      await page.locator("button.finding").first().waitFor({ timeout: 15_000 });
      await idle(page);
      expect(await page.getByRole("alert").allTextContents()).toEqual([]);
      expect(await page.locator(".findings").textContent()).toContain(XSS);
      expect(await page.locator("img").count()).toBe(0);
      // One badge per group, its severity in words.
      const groups = await page.locator(".group-head .badge").allTextContents();
      expect(groups.length).toBeGreaterThan(0);
      expect(new Set(groups).size).toBe(groups.length);
      expect(await page.locator("button.finding .badge").count()).toBe(0);
      // Each link names the sheet, the row and the field it selects.
      const where = (await page.locator("button.finding .where").first().textContent())!;
      const [, sheet, row, field] = where.match(/^Go to (.+), row (\d+), (.+)$/)!;
      expect(field.length).toBeGreaterThan(1);
      await checkState(page, `excel-${size.width}-findings`);
      await page.locator("button.finding").first().click();
      await expect.poll(() => page.evaluate(() => (window as any).__wb.selection)).toMatchObject({ sheet });
      const sel = await page.evaluate(() => (window as any).__wb.selection as { address: string });
      expect(sel.address).toMatch(new RegExp(`^[A-Z]+${row}$`));
      // The cell's column holds the field named.
      const header = await page.evaluate(([s, a]) => {
        const wb = (window as any).__wb;
        const col = a.replace(/\d+$/, "");
        return wb.cell(s, `${col}1`);
      }, [sheet, sel.address] as const);
      expect(header).toBe(field);

      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      expect(requests.some((u) => u === OFFICE_JS)).toBe(true);
      expect(foreignRequests(requests, [EXCEL_ORIGIN, OFFICE_ORIGIN])).toEqual([]);
      expect(requests.filter((u) => u.startsWith(OFFICE_ORIGIN))).toEqual([OFFICE_JS]);
    }, 90_000);
  }

  it("from the practices, the keyboard builds everything in three key presses: Tab, Tab, Enter", async () => {
    const { page } = await openExcel();
    await ready(page);
    await addPractice(page, 0, { "Practice name": "Riverside Surgery", "Registered list": "10234", "Care-home beds": "4" });
    // The person has just typed the practice's last figure.
    await page.getByLabel("Care-home beds", { exact: true }).first().focus();
    const keys = ["Tab", "Tab", "Enter"];
    const visited: string[] = [];
    for (const k of keys) {
      await page.keyboard.press(k);
      visited.push((await page.evaluate(() => document.activeElement?.textContent?.trim())) ?? "");
    }
    expect(visited.slice(0, 2)).toEqual(["+ Add practice", expect.stringMatching(/^Build all \d+ sheets$/)]);
    await page.getByRole("status").filter({ hasText: /^Built all \d+ sheets\./ }).waitFor({ timeout: 30_000 });
    expect(await page.locator(".sheet-list .status:not(.exists)").count()).toBe(0);
    // Focus comes back to the build button once the build is done.
    await idle(page);
    expect(await page.evaluate(() => document.activeElement?.closest(".buildbar") !== null)).toBe(true);
  }, 60_000);

  it("Check register on an empty workbook gives no all-clear: it says there is no register and points to Build", async () => {
    const { page } = await openExcel();
    await ready(page);
    await page.getByRole("button", { name: "Check register" }).click();
    const note = page.getByRole("status").filter({ hasText: "There is no register to check yet." });
    await note.waitFor();
    await idle(page);
    expect(await note.textContent()).toMatch(/no Partnerships sheet, so nothing was checked\. Build the workbook first/);
    expect(await page.locator(".msg.ok").count()).toBe(0);
    expect(await page.getByText(/No findings/).count()).toBe(0);
    await checkState(page, "excel-350-no-register");
    await page.getByRole("button", { name: "Go to Build" }).click();
    expect(await page.evaluate(() => document.activeElement?.closest(".buildbar") !== null)).toBe(true);
  }, 60_000);

  it("a build Excel fails part way is put back, the pane says what was and was not built, and Try again finishes it", async () => {
    const { page } = await openExcel();
    await ready(page);
    // Excel fails the build's first write batch half way through (as a lost connection does): the bridge puts
    // back what landed. The fault is placed by what a batch does, not by counting syncs.
    await page.evaluate(() => {
      const wb = (window as any).__wb;
      wb.onSync = (index: number) => {
        if (wb.syncs.at(-1).writes === 0 || wb.faults.length) return;
        wb.faults.push({ at: index, mode: "partial" });
      };
    });
    await page.getByLabel("Fill new sheets with the fictional sample network").check();
    await buildButton(page).click();
    const alert = page.getByRole("alert");
    await alert.waitFor({ timeout: 30_000 });
    await idle(page);
    const text = (await alert.textContent())!;
    expect(text).toMatch(/^The build did not finish\./);
    expect(text).toContain("No sheet was built.");
    expect(text).toMatch(/Not built yet: About, Partnerships, .+ and \d+ more\./);
    expect(text).toContain("Nothing was changed: the workbook is as it was before the build.");
    // Excel's own words only as a detail, folded.
    const detail = alert.locator("details.detail");
    expect(await detail.getAttribute("open")).toBeNull();
    expect(await detail.locator("summary").textContent()).toBe("What Excel said");
    expect(await detail.locator("p").textContent()).toMatch(/Injected failure/);
    expect(await detail.locator("p").isVisible()).toBe(false);
    // Half of a batch had landed; all of it was put back.
    expect(await page.evaluate(() => (window as any).__wb.syncs.filter((r: any) => r.outcome === "failed").map((r: any) => r.writes > 0))).toEqual([true]);
    expect(await workbookSheets(page)).toEqual(["Sheet1"]);
    await page.evaluate(() => ((window as any).__wb.onSync = undefined));
    await checkState(page, "excel-350-failed");
    await alert.getByRole("button", { name: "Try again" }).click();
    await page.getByRole("status").filter({ hasText: /^Built all \d+ sheets\./ }).waitFor({ timeout: 30_000 });
    await idle(page);
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(await page.locator(".sheet-list .status:not(.exists)").count()).toBe(0);
  }, 60_000);

  it("Stop while Excel holds the build (a cell being edited): the status line says what stopping does, nothing is written, Finish the build builds it", async () => {
    const { page } = await openExcel();
    await ready(page);
    // A person is typing in a cell: Excel holds the build's first batch until they finish (delayForCellEdit).
    await page.evaluate(() => (window as any).__wb.startEditing());
    await buildButton(page).click();
    const stop = page.getByRole("button", { name: "Stop" });
    await stop.waitFor();
    await expect.poll(() => page.evaluate(() => (window as any).__wb.editWaiters.length)).toBeGreaterThan(0);
    await stop.click();
    expect(await page.locator(".statusline .status-text").textContent()).toBe("Stopping at the next pause between batches: the build is then put back, so nothing is left half-built…");
    expect(await page.getByRole("button", { name: "Stopping…" }).isDisabled()).toBe(true);
    await page.evaluate(() => (window as any).__wb.stopEditing());
    const stopped = page.getByRole("status").filter({ hasText: /^Stopped\./ });
    await stopped.waitFor({ timeout: 30_000 });
    await idle(page);
    expect(await stopped.textContent()).toContain("You stopped the build before it wrote anything: the workbook is as it was.");
    expect(await workbookSheets(page)).toEqual(["Sheet1"]);
    expect(await page.evaluate(() => (window as any).__wb.syncs.filter((r: any) => r.writes > 0).length)).toBe(0);
    await checkState(page, "excel-350-stopped");
    await stopped.getByRole("button", { name: "Finish the build" }).click();
    await page.getByRole("status").filter({ hasText: /All \d+ sheets are in the workbook now\.|^Built all \d+ sheets\./ }).waitFor({ timeout: 30_000 });
    await idle(page);
    expect(await page.locator(".sheet-list .status:not(.exists)").count()).toBe(0);
  }, 60_000);

  it("a dark Office theme gives a dark pane, axe-clean; switching Office to White makes it light", async () => {
    const dark = { bodyBackgroundColor: "#262626", bodyForegroundColor: "#FFFFFF", controlBackgroundColor: "#3B3B3B", controlForegroundColor: "#FFFFFF", isDarkTheme: true, themeId: 0 };
    const { page } = await openExcel(SIZES[0], { __officeTheme: dark });
    await ready(page);
    const c = await paneColours(page);
    expect(c.bg).toBe("#262626");
    expect(luminance(c.fg)).toBeGreaterThan(0.8);
    expect(await page.evaluate(() => document.querySelector(".pcn-pane")?.getAttribute("data-theme"))).toBe("dark");
    await checkState(page, "excel-350-dark");
    // Office tells of a change of theme.
    await page.evaluate(() => {
      const white = { bodyBackgroundColor: "#FFFFFF", bodyForegroundColor: "#000000", controlBackgroundColor: "#FFFFFF", controlForegroundColor: "#000000", isDarkTheme: false, themeId: 3 };
      (window as any).Office.context.officeTheme = white;
      for (const f of (window as any).__themeHandlers) f({ officeTheme: white });
    });
    expect(await page.evaluate(() => document.querySelector(".pcn-pane")?.getAttribute("data-theme"))).toBe("light");
    expect(luminance((await paneColours(page)).bg)).toBeGreaterThan(0.9);
    expect(await axeSerious(page)).toEqual([]);
  }, 60_000);
});

describe("Excel task pane (built): Lock statement", () => {
  it("locks a period of the built Distribution sheet into a statement sheet; before the build, and for a period without streams, a sentence and no sheet", async () => {
    const b = await open();
    const { page, context, dialogs, errors } = b;
    await serveDir(context, EXCEL_ORIGIN, excelDir);
    await serveText(context, OFFICE_JS, officeStub);
    await page.goto(`${EXCEL_ORIGIN}/taskpane.html`);
    await ready(page);
    const more = page.getByRole("region", { name: "More" });
    const period = more.getByLabel("Period to lock");
    const lock = more.getByRole("button", { name: "Lock statement" });
    const year = await page.getByLabel("Build for the year").inputValue();
    const sheetsNow = () => page.evaluate(() => (window as any).__wb.sheets.map((s: { name: string }) => s.name) as string[]);
    // Before the Distribution sheet is built: the core's sentence, through the Excel bridge, and no sheet.
    const empty = await sheetsNow();
    await period.fill(`Q1 ${year}`);
    await lock.click();
    await more.getByRole("alert").filter({ hasText: /build it first|build the Distribution sheet first/ }).waitFor({ timeout: 10_000 });
    expect(await sheetsNow()).toEqual(empty);
    await idle(page);
    await page.getByLabel("Fill new sheets with the fictional sample network").check();
    await buildButton(page).click();
    await page.getByRole("status").filter({ hasText: /^Built all \d+ sheets\./ }).waitFor({ timeout: 30_000 });
    await idle(page);
    const before = await sheetsNow();
    // The last month of the year has no stream in the sample: refused with the core's sentence, no sheet.
    await period.fill(`Mar ${Number(year.slice(0, 4)) + 1}`);
    await lock.click();
    await more.getByRole("alert").filter({ hasText: /nothing to lock/ }).waitFor({ timeout: 10_000 });
    expect(await sheetsNow()).toEqual(before);
    await idle(page);
    await period.fill(`Q1 ${year}`);
    await lock.click();
    const name = `Statement Q1 ${year.replace("/", "-")}`;
    await more.getByText(`Locked Q1 ${year}: the statement is on the sheet "${name}".`).waitFor({ timeout: 10_000 });
    expect(await sheetsNow()).toEqual([...before, name]);
    const title = await page.evaluate((n) => String((window as any).__wb.sheet(n).get(0, 0)?.v), name);
    expect(title).toMatch(new RegExp(`^Distribution statement: Q1 ${year.replace("/", "\\/")}`));
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);
});

describe("Excel task pane (built): the self-test", () => {
  it("runs from a labelled, keyboard-reachable button and reports every check", async () => {
    const { page, dialogs, errors } = await openExcel();
    await ready(page);
    const button = page.getByRole("button", { name: "Run self-test" });
    expect(await button.getAttribute("aria-describedby")).toBeTruthy();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let reached = false;
    for (let i = 0; i < 120 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = (await page.evaluate(() => document.activeElement?.textContent)) === "Run self-test";
    }
    expect(reached).toBe(true);
    await page.keyboard.press("Enter");
    const done = page.getByRole("status").filter({ hasText: /^Self-test: \d+ of \d+ passed/ });
    await done.waitFor({ timeout: 30_000 });
    const text = (await done.textContent())!;
    const [, passed, total] = text.match(/Self-test: (\d+) of (\d+) passed/)!;
    expect(Number(total)).toBeGreaterThan(15);
    expect(passed).toBe(total);
    expect(text).toContain('sheet "PCN Self-test"');
    expect(await workbookSheets(page)).toEqual(["Sheet1", "PCN Self-test"]);
    await idle(page);
    expect(await button.isDisabled()).toBe(false);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});

describe("Excel task pane (built) in the shared runtime", () => {
  it("re-reads the workbook when the pane is shown again, not when it is hidden", async () => {
    const { page, dialogs, errors } = await openExcel();
    await ready(page);
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(0);
    const title = (await page.locator(".sheet-list .name").first().textContent())!;

    // The pane is closed; the page stays loaded (custom functions run in it) while the person works on.
    const syncsBefore = await page.evaluate(async () => {
      await (window as any).Office.addin.hide();
      await new Promise((r) => setTimeout(r, 0));
      return (window as any).__wb.syncs.length as number;
    });
    await page.evaluate((t) => (window as any).__wb.addSheet(t, [["added while the pane was closed"]]), title);
    expect(await page.evaluate(() => (window as any).__wb.syncs.length)).toBe(syncsBefore);
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(0);

    // Opened again: the same page, now showing the workbook as it is.
    await page.evaluate(() => (window as any).Office.addin.showAsTaskpane());
    await expect.poll(() => page.locator(".sheet-list .status.exists").count()).toBe(1);
    await idle(page);
    expect(await page.locator(".pcn-pane").count()).toBe(1);
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});

const SHEETS = ["Partnerships", "Funding", "ARRS", "Budget", "KPIs", "Contacts", "Governance", "DES", "IIF", "Notices", "Dashboard"];
const SHEETS_STATE: HostState = {
  host: "sheets",
  years: ["2024-25", "2025-26"],
  defaultYear: "2025-26",
  sheets: SHEETS.map((t) => ({ key: t.toLowerCase(), title: t, exists: false })),
  practices: [{ name: XSS, odsCode: "A81001", registered: 9000 }],
};
const SHEETS_FINDINGS: Finding[] = [
  { severity: "red", sheet: "Partnerships", row: 7, col: 5, field: "Notice date", ref: XSS, message: "Notice date within 90 days" },
  { severity: "info", sheet: "ARRS", row: 3, ref: "ARRS", message: "Headroom unclaimed" },
];

describe("Google Sheets sidebar (built), stubbed google.script.run, at 350 and 300 px", () => {
  for (const size of SIZES) {
    it(`${size.width} px: builds all sheets as one build of several executions with progress, and checks the register`, async () => {
      // Slow enough answers that the build is still under way when the pane is looked at.
      const { page, requests, dialogs, errors } = await openSidebar({ state: SHEETS_STATE, findings: SHEETS_FINDINGS, delay: 150, perExecution: 3 }, size);
      await ready(page);
      expect(await page.getByLabel("Build for the year").inputValue()).toBe("2025-26");
      expect(await page.getByLabel("Practice name").inputValue()).toBe(XSS);
      expect(await page.locator(".sheet-list input[type=checkbox]").count()).toBe(SHEETS.length);
      // The Sheets-only setting sits under Settings, labelled.
      expect(await page.getByRole("region", { name: "More" }).getByLabel("Your name").count()).toBe(1);
      await checkState(page, `sheets-${size.width}-ready`);

      await buildButton(page).click();
      // While it runs: the status line at the top, Stop, and the build button still in view.
      await page.getByRole("button", { name: "Stop" }).waitFor();
      expect(await page.getByRole("button", { name: "Check register" }).isDisabled()).toBe(true);
      await page.locator(".statusline").filter({ hasText: /^Building Budget \(4 of 11\)/ }).waitFor();
      await checkState(page, `sheets-${size.width}-building`);
      await page.getByRole("status").filter({ hasText: `Built all ${SHEETS.length} sheets.` }).waitFor({ timeout: 30_000 });
      await idle(page);
      const seen = (await progressSeen(page)).filter((t) => t.startsWith("Building "));
      // One line per execution: the sheet it goes on with, and how many are done.
      expect(seen).toEqual([3, 6, 9].map((done) => `Building ${SHEETS[done]} (${done + 1} of ${SHEETS.length})`));
      const calls = await page.evaluate(() => (window as any).__gas.calls as [string, any[]][]);
      const builds = calls.filter(([n]) => n === "buildSheets").map(([, args]) => args);
      expect(builds).toHaveLength(Math.ceil(SHEETS.length / 3));
      // Every call of the build carries the same request and the build's own token.
      expect(new Set(builds.map((a) => a[1])).size).toBe(1);
      expect(builds[0][1]).toMatch(/^build-[a-z0-9]+$/);
      expect(builds.every((a) => JSON.stringify(a[0]) === JSON.stringify(builds[0][0]) && a.length === 2)).toBe(true);
      expect(builds[0][0]).toMatchObject({ year: "2025-26", sheets: [], practices: [{ name: XSS, odsCode: "A81001", registered: 9000 }], sample: false });
      expect(await page.locator(".sheet-list .status.exists").count()).toBe(SHEETS.length);
      // The finished build handed its state back: the pane's look at the workbook after it needed no call.
      expect(calls.filter(([n]) => n === "getState")).toHaveLength(1);

      await page.getByRole("button", { name: "Check register" }).click();
      const red = page.getByRole("list", { name: /Act now/ }).getByRole("button");
      await red.waitFor();
      await idle(page);
      expect(await red.textContent()).toContain(XSS);
      expect(await red.locator(".where").textContent()).toBe("Go to Partnerships, row 7, Notice date");
      // Information is folded while something needs acting on; its group says how many.
      expect(await page.locator(".group.info .group-head").getAttribute("aria-expanded")).toBe("false");
      await checkState(page, `sheets-${size.width}-findings`);
      await red.click();
      await expect.poll(() => page.evaluate(() => (window as any).__gas.calls.filter((c: [string]) => c[0] === "goTo").map((c: [string, unknown[]]) => c[1]))).toEqual([["Partnerships", 7, 5]]);

      expect(await page.locator("img").count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      expect(foreignRequests(requests, [SIDEBAR_ORIGIN])).toEqual([]);
    }, 60_000);
  }

  it("a build that fails part way names the sheets it built and those it did not; Try again finishes it", async () => {
    const raw = "Service Spreadsheets timed out while accessing document with id 1AbC.";
    const { page } = await openSidebar({ state: SHEETS_STATE, findings: [], delay: 20, perExecution: 3, failOnce: { fn: "buildSheets", call: 3, message: raw } });
    await ready(page);
    await buildButton(page).click();
    const alert = page.getByRole("alert");
    await alert.waitFor({ timeout: 30_000 });
    await idle(page);
    const text = (await alert.textContent())!;
    expect(text).toMatch(/^The build stopped part way\./);
    expect(text).toContain(`Built 6 of 11 sheets: Partnerships, Funding, ARRS, Budget, KPIs and Contacts.`);
    expect(text).toContain("Not built yet: Governance, DES, IIF, Notices and Dashboard.");
    expect(text).toContain("Next: Try again. It builds what is missing");
    // Google's own words only in the folded detail.
    expect(await alert.locator("details.detail summary").textContent()).toBe("What Google Sheets said");
    expect(await alert.locator("details.detail p").textContent()).toBe(raw);
    expect(await alert.locator("details.detail").getAttribute("open")).toBeNull();
    // The pane read the workbook again: the six are in it, the rest are not.
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(6);
    expect(await page.locator(".steps li.current").textContent()).toMatch(/Build/);
    await checkState(page, "sheets-350-failed");
    await alert.getByRole("button", { name: "Try again" }).click();
    const done = page.getByRole("status").filter({ hasText: "Built 5 sheets: Governance, DES, IIF, Notices and Dashboard. All 11 sheets are in the workbook now." });
    await done.waitFor({ timeout: 30_000 });
    await idle(page);
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(SHEETS.length);
    // Try again asked for what was missing, as a new build.
    const builds = (await page.evaluate(() => (window as any).__gas.calls as [string, any[]][])).filter(([n]) => n === "buildSheets").map(([, a]) => a);
    expect(builds.at(-1)![0].sheets).toEqual(["governance", "des", "iif", "notices", "dashboard"]);
    expect(new Set(builds.map((a) => a[1])).size).toBe(2);
  }, 60_000);

  it("Stop ends the build cleanly between executions, says what was built, and Finish the build builds the rest", async () => {
    // The stub answers each execution only when told, so Stop lands in the second execution however slow the machine.
    const { page } = await openSidebar({ state: SHEETS_STATE, findings: [], delay: 5, perExecution: 3, manual: true });
    await ready(page);
    const held = (n: number) => page.waitForFunction((k) => (window as any).__gas.held() === k, n);
    const release = () => page.evaluate(() => (window as any).__gas.release());
    await buildButton(page).click();
    await held(1);
    await release();
    await page.locator(".statusline").filter({ hasText: /^Building Budget \(4 of 11\)/ }).waitFor();
    await held(1);
    await page.getByRole("button", { name: "Stop" }).click();
    expect(await page.locator(".statusline").textContent()).toMatch(/Stopping: Google Sheets finishes the sheet in hand, then stops/);
    expect(await page.getByRole("button", { name: "Stopping…" }).isDisabled()).toBe(true);
    // The second execution ends; the line still says it is stopping (not the sheet it will not start).
    await release();
    await held(1);
    expect(await page.locator(".statusline").textContent()).toMatch(/^Stopping: Google Sheets finishes the sheet in hand/);
    await release();
    const stopped = page.getByRole("status").filter({ hasText: /^Stopped\./ });
    await stopped.waitFor({ timeout: 30_000 });
    await idle(page);
    const text = (await stopped.textContent())!;
    expect(text).toContain("Built 6 of 11 sheets: Partnerships, Funding, ARRS, Budget, KPIs and Contacts.");
    expect(text).toContain("Not built yet: Governance, DES, IIF, Notices and Dashboard.");
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(6);
    const calls = (await page.evaluate(() => (window as any).__gas.calls as [string, any[]][])).filter(([n]) => n === "buildSheets");
    expect(calls.at(-1)![1][2]).toEqual({ stop: true });
    await checkState(page, "sheets-350-stopped");
    await stopped.getByRole("button", { name: "Finish the build" }).click();
    while (!(await page.getByRole("status").filter({ hasText: /All 11 sheets are in the workbook now\./ }).count())) {
      await page.waitForFunction(() => (window as any).__gas.held() > 0 || /All 11 sheets/.test(document.body.textContent ?? ""));
      await release();
    }
    await idle(page);
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(SHEETS.length);
    const finish = (await page.evaluate(() => (window as any).__gas.calls as [string, any[]][])).filter(([n]) => n === "buildSheets").at(-1)![1];
    expect(finish[0].sheets).toEqual(["governance", "des", "iif", "notices", "dashboard"]);
  }, 60_000);

  it("follows the browser's dark preference (all Google gives a sidebar), axe-clean", async () => {
    const b = await open();
    await b.page.emulateMedia({ colorScheme: "dark" });
    await b.page.addInitScript(installGasStub, { state: SHEETS_STATE, findings: [], delay: 5 });
    await serveDir(b.context, SIDEBAR_ORIGIN, sheetsDir);
    await b.page.goto(`${SIDEBAR_ORIGIN}/Sidebar.html`);
    await ready(b.page);
    const c = await paneColours(b.page);
    expect(luminance(c.bg)).toBeLessThan(0.05);
    expect(luminance(c.fg)).toBeGreaterThan(0.8);
    await checkState(b.page, "sheets-350-dark");
  }, 60_000);

  it("runs under a Content Security Policy as strict as the task pane's, added by the page itself", async () => {
    const b = await open();
    const { page, context, requests, errors } = b;
    // Chromium reports a load the policy refuses as a request that failed with "csp": it never reaches the network.
    const refused: string[] = [];
    context.on("requestfailed", (r) => {
      if (r.failure()?.errorText === "csp") refused.push(r.url());
    });
    await page.addInitScript(installGasStub, { state: SHEETS_STATE, findings: [], delay: 5 });
    await serveDir(context, SIDEBAR_ORIGIN, sheetsDir);
    await page.goto(`${SIDEBAR_ORIGIN}/Sidebar.html`);
    await ready(page);
    const csp = await page.evaluate(() => document.head.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content"));
    expect(csp).toBe("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'");
    // Something slipping markup into the page can load nothing from elsewhere and run no injected script.
    const blocked = await page.evaluate(async () => {
      const seen: string[] = [];
      document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
      const img = document.createElement("img");
      img.src = "https://evil.test/x.png";
      document.body.appendChild(img);
      const s = document.createElement("script");
      s.textContent = "window.__injected = true";
      document.body.appendChild(s);
      fetch("https://evil.test/y").catch(() => undefined);
      const until = Date.now() + 5000;
      while (Date.now() < until && !(seen.some((v) => v.startsWith("img-src")) && seen.some((v) => v.startsWith("script-src")) && seen.some((v) => v.startsWith("connect-src")))) await new Promise((r) => setTimeout(r, 20));
      return { seen, injected: (window as any).__injected === true };
    });
    expect(blocked.injected).toBe(false);
    expect(blocked.seen.some((v) => v.startsWith("img-src https://evil.test"))).toBe(true);
    expect(blocked.seen.some((v) => v.startsWith("script-src"))).toBe(true);
    expect(blocked.seen.some((v) => v.startsWith("connect-src https://evil.test"))).toBe(true);
    const tried = foreignRequests(requests, [SIDEBAR_ORIGIN]);
    expect(tried.length).toBeGreaterThan(0);
    expect(tried.filter((u) => !refused.includes(u))).toEqual([]);
    // The fetch's refusal is logged to the console by Chromium; nothing else went wrong.
    expect(errors.filter((e) => !/Content Security Policy|evil\.test|Failed to fetch/.test(e))).toEqual([]);
  }, 60_000);

  it("the several-signed-in-accounts failure tells the person what to do; the name shown to others can be saved", async () => {
    const { page } = await openSidebar({
      state: SHEETS_STATE,
      findings: [],
      delay: 5,
      fail: { buildSheets: "We're sorry, a server error occurred while reading from storage. Error code PERMISSION_DENIED." },
    });
    await ready(page);
    await buildButton(page).click();
    const alert = page.getByRole("alert").filter({ hasText: "The build did not finish." });
    await alert.waitFor();
    // The sentence for people is shown as it is (not folded away), and Google's text is not repeated.
    const shown = await alert.evaluate((el) => [...el.children].filter((c) => c.tagName !== "DETAILS").map((c) => c.textContent).join(" "));
    expect(shown).toMatch(/signed in to more than one Google account/);
    expect(shown).toMatch(/private or incognito window/);
    expect(await alert.textContent()).not.toMatch(/Unexpected problem|PERMISSION_DENIED/);
    await idle(page);

    const name = page.getByLabel("Your name");
    await name.fill("Asha Patel");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByText('Others will see "Asha Patel" while you build.').waitFor();
    const saved = await page.evaluate(() => (window as any).__gas.calls.filter((c: [string]) => c[0] === "setBuilderName").map((c: [string, unknown[]]) => c[1]));
    expect(saved).toEqual([["Asha Patel"]]);
  }, 60_000);
});
