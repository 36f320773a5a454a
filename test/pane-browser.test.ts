/**
 * The BUILT host pages in headless Chromium, with nothing reaching the network:
 *  - Excel: taskpane.html + taskpane.js from the excel webpack target, Office.js answered by the strict fake
 *    (test/fakes/fakeExcel.ts) over an empty workbook;
 *  - Google Sheets: the one-file Sidebar.html from the sheets target, google.script.run stubbed with canned answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { HostState } from "../pane/bridge";
import type { Finding } from "../core/workbook/register";
import { bundle } from "./browser/bundle";
import { foreignRequests, launch, type Browser } from "./browser/chromium";
import { installGasStub } from "./browser/gasStub";
import { recordProgress } from "./browser/recorder";
import { blockAll, OFFICE_JS, serveDir, serveText } from "./browser/serve";
import { builtTarget, removeBuilt } from "./browser/webpack";

const XSS = `<img src=x onerror=alert(1)>`;
const EXCEL_ORIGIN = "https://localhost:3000";
const OFFICE_ORIGIN = new URL(OFFICE_JS).origin;
const SIDEBAR_ORIGIN = "https://sidebar.test";

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
}, 180_000);

afterAll(async () => {
  for (const b of browsers) await b.close();
  removeBuilt(excelDir);
  removeBuilt(sheetsDir);
});

async function open(): Promise<Browser> {
  const b = await launch({ width: 320, height: 900 });
  browsers.push(b);
  await blockAll(b.context);
  await b.page.addInitScript(recordProgress);
  return b;
}

/** Waits for the pane to have read the workbook (it marks itself busy until then). */
async function ready(page: Page): Promise<void> {
  await page.getByLabel("Build for the year").waitFor();
  await page.waitForFunction(() => document.querySelector(".pcn-pane")?.getAttribute("aria-busy") === "false");
  expect(await page.getByRole("alert").count()).toBe(0);
}

async function addPractice(page: Page, i: number, values: Record<string, string>): Promise<void> {
  await page.getByRole("button", { name: "+ Add practice" }).click();
  for (const [label, v] of Object.entries(values)) await page.getByLabel(label, { exact: true }).nth(i).fill(v);
}

const progressSeen = (page: Page) => page.evaluate(() => (window as unknown as { __progressSeen: string[] }).__progressSeen);

describe("Excel task pane (built), fake Office.js", () => {
  it("builds all sheets with progress, checks the register safely, and goes to a finding", async () => {
    const b = await open();
    const { page, context, requests, dialogs, errors } = b;
    await serveDir(context, EXCEL_ORIGIN, excelDir);
    await serveText(context, OFFICE_JS, officeStub); // last: newest route wins
    await page.goto(`${EXCEL_ORIGIN}/taskpane.html`);
    await ready(page);

    const years = await page.getByLabel("Build for the year").locator("option").allTextContents();
    expect(years.length).toBeGreaterThan(0);
    expect(await page.getByLabel("Build for the year").inputValue()).toBe(years[years.length - 1]);
    const sheetBoxes = page.locator(".sheet-list input[type=checkbox]");
    const nSheets = await sheetBoxes.count();
    expect(nSheets).toBeGreaterThan(0);
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(0);

    await addPractice(page, 0, { "Practice name": "Riverside Surgery", "ODS code": "A81001", "Registered list": "10,234", "Weighted list": "11020.5", "Adjusted population": "10500", "Care-home beds": "40" });
    await addPractice(page, 1, { "Practice name": "Hillside Medical Centre", "ODS code": "A81002", "Registered list": "8000" });
    await page.getByLabel("Fill new sheets with the fictional sample network").check();
    await page.getByRole("button", { name: "Build all sheets" }).click();

    const done = page.getByRole("status").filter({ hasText: /^Built \d+ sheets?/ });
    await done.waitFor({ timeout: 20_000 });
    const seen = await progressSeen(page);
    expect(seen.length, JSON.stringify(seen)).toBeGreaterThan(1);
    // The plan may hold helper sheets the list does not show, so the total can exceed the checkboxes.
    const steps = seen.map((t) => t.match(/^Building .+ \((\d+) of (\d+)\)$/)).filter((m) => m !== null);
    expect(steps.map((m) => Number(m![1])), JSON.stringify(seen)).toEqual(steps.map((_, i) => i + 1));
    expect(Number(steps[0]![2])).toBeGreaterThanOrEqual(nSheets);
    // Every sheet exists in the workbook now, and the pane says so.
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(nSheets);
    const titles = await page.locator(".sheet-list .name").allTextContents();
    const wbSheets = await page.evaluate(() => (window as any).__wb.sheets.map((s: { name: string }) => s.name) as string[]);
    for (const t of titles) expect(wbSheets).toContain(t);
    // The practices typed in the pane reached the workbook.
    const allText = await page.evaluate(() => JSON.stringify((window as any).__wb.state()));
    expect(allText).toContain("Riverside Surgery");

    // A partnership named like markup, typed straight into the Partner column.
    const written = await page.evaluate((xss) => {
      const wb = (window as any).__wb;
      const s = wb.sheet("Partnerships");
      if (!s) return 0;
      for (let r = 0; r < 10; r++) {
        for (let c = 0; c < 40; c++) {
          if (!/^Partner( organisation)?$/i.test(String(s.get(r, c)?.v ?? "").trim())) continue;
          let n = 0;
          for (let rr = r + 1; rr < r + 200; rr++) if (s.get(rr, 0)) (s.set(rr, c, { v: xss }), n++);
          return n;
        }
      }
      return 0;
    }, XSS);
    expect(written).toBeGreaterThan(0);

    await page.getByRole("button", { name: "Check register" }).click();
    await page.locator(".findings, [role=alert]").first().waitFor({ timeout: 10_000 });
    expect(await page.getByRole("alert").allTextContents()).toEqual([]);
    const findings = page.locator("button.finding");
    expect(await findings.count()).toBeGreaterThan(0);
    expect(await page.locator(".findings").textContent()).toContain(XSS);
    expect(await page.locator("img").count()).toBe(0);
    // Severity in words beside the colour.
    for (const t of await page.locator(".finding .badge").allTextContents()) expect(["Red", "Amber", "Info"]).toContain(t);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    // What a person sees: the top of the pane, and the findings scrolled into view.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: "/tmp/pane.png" });
    await page.getByRole("heading", { name: "Check register" }).evaluate((e) => e.scrollIntoView());
    await page.screenshot({ path: "/tmp/pane-findings.png" });
    await page.getByRole("region", { name: "Sheets" }).screenshot({ path: "/tmp/pane-sheets.png" });

    const where = (await findings.first().locator(".where").textContent())!;
    const [, sheet, row] = where.match(/^Go to (.+), row (\d+)$/)!;
    await findings.first().click();
    await expect.poll(() => page.evaluate(() => (window as any).__wb.selection)).toMatchObject({ sheet });
    const sel = await page.evaluate(() => (window as any).__wb.selection as { address: string });
    expect(sel.address).toMatch(new RegExp(`(^|[^0-9])${row}($|[^0-9])`));

    // Keyboard: Tab from the top to "Build all sheets", Enter refreshes.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let reached = false;
    for (let i = 0; i < 200 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = (await page.evaluate(() => document.activeElement?.textContent)) === "Build all sheets";
    }
    expect(reached).toBe(true);
    const before = (await progressSeen(page)).length;
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      (n) => (window as any).__progressSeen.length > n && document.querySelector(".pcn-pane")?.getAttribute("aria-busy") === "false",
      before,
      { timeout: 15_000 },
    );
    expect(await page.getByRole("alert").count()).toBe(0);
    await done.waitFor();

    await page.waitForTimeout(100);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(requests.some((u) => u === OFFICE_JS)).toBe(true);
    expect(foreignRequests(requests, [EXCEL_ORIGIN, OFFICE_ORIGIN])).toEqual([]);
    expect(requests.filter((u) => u.startsWith(OFFICE_ORIGIN))).toEqual([OFFICE_JS]);
  }, 30_000);
});

describe("Excel task pane (built): Lock statement", () => {
  it("locks a period of the built Distribution sheet into a statement sheet; a period without streams gets a sentence and no sheet", async () => {
    const b = await open();
    const { page, context, dialogs, errors } = b;
    await serveDir(context, EXCEL_ORIGIN, excelDir);
    await serveText(context, OFFICE_JS, officeStub);
    await page.goto(`${EXCEL_ORIGIN}/taskpane.html`);
    await ready(page);
    const period = page.getByLabel("Period", { exact: true });
    const lock = page.getByRole("button", { name: "Lock statement" });
    // Nothing to lock before the Distribution sheet is built.
    expect(await lock.isDisabled()).toBe(true);
    await page.getByLabel("Fill new sheets with the fictional sample network").check();
    await page.getByRole("button", { name: "Build all sheets" }).click();
    await page.getByRole("status").filter({ hasText: /^Built \d+ sheets?/ }).waitFor({ timeout: 20_000 });
    await expect.poll(() => lock.isDisabled()).toBe(false);
    const year = await page.getByLabel("Build for the year").inputValue();
    const sheetsNow = () => page.evaluate(() => (window as any).__wb.sheets.map((s: { name: string }) => s.name) as string[]);
    const before = await sheetsNow();
    // The last month of the year has no stream in the sample: refused with the core's sentence, no sheet.
    const lastMonth = (await period.locator("option").allTextContents())[11];
    await period.selectOption(lastMonth);
    await lock.click();
    await page.getByRole("alert").filter({ hasText: /nothing to lock/ }).waitFor({ timeout: 10_000 });
    expect(await sheetsNow()).toEqual(before);
    await period.selectOption(`Q1 ${year}`);
    await lock.click();
    const name = `Statement Q1 ${year.replace("/", "-")}`;
    await page.getByRole("status").filter({ hasText: `Locked Q1 ${year}: the statement is the sheet "${name}".` }).waitFor({ timeout: 10_000 });
    expect(await sheetsNow()).toEqual([...before, name]);
    const title = await page.evaluate((n) => String((window as any).__wb.sheet(n).get(0, 0)?.v), name);
    expect(title).toMatch(new RegExp(`^Distribution statement: Q1 ${year.replace("/", "\\/")}`));
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});

describe("Excel task pane (built): the self-test", () => {
  it("runs from a labelled, keyboard-reachable button and reports every check", async () => {
    const b = await open();
    const { page, context, dialogs, errors } = b;
    await serveDir(context, EXCEL_ORIGIN, excelDir);
    await serveText(context, OFFICE_JS, officeStub);
    await page.goto(`${EXCEL_ORIGIN}/taskpane.html`);
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
    await done.waitFor({ timeout: 20_000 });
    const text = (await done.textContent())!;
    const [, passed, total] = text.match(/Self-test: (\d+) of (\d+) passed/)!;
    expect(Number(total)).toBeGreaterThan(15);
    expect(passed).toBe(total);
    expect(text).toContain('sheet "PCN Self-test"');
    const sheets = await page.evaluate(() => (window as any).__wb.sheets.map((s: { name: string }) => s.name) as string[]);
    expect(sheets).toEqual(["Sheet1", "PCN Self-test"]);
    expect(await button.isDisabled()).toBe(false);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  }, 40_000);
});

describe("Excel task pane (built) in the shared runtime", () => {
  it("re-reads the workbook when the pane is shown again, not when it is hidden", async () => {
    const b = await open();
    const { page, context, dialogs, errors } = b;
    await serveDir(context, EXCEL_ORIGIN, excelDir);
    await serveText(context, OFFICE_JS, officeStub);
    await page.goto(`${EXCEL_ORIGIN}/taskpane.html`);
    await ready(page);
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(0);
    const title = (await page.locator(".sheet-list .name").first().textContent())!;

    // The pane is closed; the page stays loaded (custom functions run in it) while the person works on.
    const syncsBefore = await page.evaluate(async () => {
      await (window as any).Office.addin.hide();
      await new Promise((r) => setTimeout(r, 50));
      return (window as any).__wb.syncs.length as number;
    });
    await page.evaluate((t) => (window as any).__wb.addSheet(t, [["added while the pane was closed"]]), title);
    await page.waitForTimeout(50);
    expect(await page.evaluate(() => (window as any).__wb.syncs.length)).toBe(syncsBefore);
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(0);

    // Opened again: the same page, now showing the workbook as it is.
    await page.evaluate(() => (window as any).Office.addin.showAsTaskpane());
    await expect.poll(() => page.locator(".sheet-list .status.exists").count()).toBe(1);
    await page.waitForFunction(() => document.querySelector(".pcn-pane")?.getAttribute("aria-busy") === "false");
    expect(await page.locator(".pcn-pane").count()).toBe(1);
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  }, 30_000);
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
  { severity: "red", sheet: "Partnerships", row: 7, col: 5, ref: XSS, message: "Notice date within 90 days" },
  { severity: "info", sheet: "ARRS", row: 3, ref: "ARRS", message: "Headroom unclaimed" },
];

describe("Google Sheets sidebar (built), stubbed google.script.run", () => {
  it("renders, builds all sheets as one build of several executions with progress, and checks the register", async () => {
    const b = await open();
    const { page, context, requests, dialogs, errors } = b;
    // Slow enough answers that the build is still under way when the pane is looked at.
    await page.addInitScript(installGasStub, { state: SHEETS_STATE, findings: SHEETS_FINDINGS, delay: 150, perExecution: 3 });
    await serveDir(context, SIDEBAR_ORIGIN, sheetsDir);
    await page.goto(`${SIDEBAR_ORIGIN}/Sidebar.html`);
    await ready(page);

    expect(await page.getByLabel("Build for the year").inputValue()).toBe("2025-26");
    expect(await page.getByLabel("Practice name").inputValue()).toBe(XSS);
    expect(await page.locator(".sheet-list input[type=checkbox]").count()).toBe(SHEETS.length);

    await page.getByRole("button", { name: "Build all sheets" }).click();
    expect(await page.getByRole("button", { name: "Check register" }).isDisabled()).toBe(true);
    await page.getByRole("status").filter({ hasText: `Built ${SHEETS.length} sheets` }).waitFor({ timeout: 20_000 });
    const seen = (await progressSeen(page)).filter((t) => t.startsWith("Building "));
    // One line per execution: the sheet it goes on with, and how many are done.
    expect(seen).toEqual([3, 6, 9].map((done) => `Building ${SHEETS[done]} (${done + 1} of ${SHEETS.length})`));
    const calls = await page.evaluate(() => (window as any).__gas.calls as [string, any[]][]);
    const builds = calls.filter(([n]) => n === "buildSheets").map(([, args]) => args);
    expect(builds).toHaveLength(Math.ceil(SHEETS.length / 3));
    // Every call of the build carries the same request and the build's own token.
    expect(new Set(builds.map((a) => a[1])).size).toBe(1);
    expect(builds[0][1]).toMatch(/^build-[a-z0-9]+$/);
    expect(builds.every((a) => JSON.stringify(a[0]) === JSON.stringify(builds[0][0]))).toBe(true);
    expect(builds[0][0]).toMatchObject({ year: "2025-26", sheets: [], practices: [{ name: XSS, odsCode: "A81001", registered: 9000 }], sample: false });
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(SHEETS.length);
    // The finished build handed its state back: the pane's look at the workbook after it needed no call.
    expect(calls.filter(([n]) => n === "getState")).toHaveLength(1);

    await page.getByRole("button", { name: "Check register" }).click();
    const red = page.getByRole("list", { name: /Red/ }).getByRole("button");
    await red.waitFor();
    expect(await red.textContent()).toContain(XSS);
    await red.click();
    await expect.poll(() => page.evaluate(() => (window as any).__gas.calls.filter((c: [string]) => c[0] === "goTo").map((c: [string, unknown[]]) => c[1]))).toEqual([["Partnerships", 7, 5]]);
    await page.screenshot({ path: "/tmp/sidebar.png", fullPage: true });

    await page.waitForTimeout(100);
    expect(await page.locator("img").count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(foreignRequests(requests, [SIDEBAR_ORIGIN])).toEqual([]);
  }, 30_000);

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
      await new Promise((r) => setTimeout(r, 300));
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
  }, 30_000);

  it("the several-signed-in-accounts failure tells the person what to do; the name shown to others can be saved", async () => {
    const b = await open();
    const { page, context } = b;
    await page.addInitScript(installGasStub, {
      state: SHEETS_STATE,
      findings: [],
      delay: 5,
      fail: { buildSheets: "We're sorry, a server error occurred while reading from storage. Error code PERMISSION_DENIED." },
    });
    await serveDir(context, SIDEBAR_ORIGIN, sheetsDir);
    await page.goto(`${SIDEBAR_ORIGIN}/Sidebar.html`);
    await ready(page);
    await page.getByRole("button", { name: "Build all sheets" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "The build stopped." });
    await alert.waitFor();
    const text = (await alert.textContent()) ?? "";
    expect(text).toMatch(/signed in to more than one Google account/);
    expect(text).toMatch(/private or incognito window/);
    expect(text).not.toMatch(/Unexpected problem|PERMISSION_DENIED/);

    const name = page.getByLabel("Your name");
    await name.fill("Asha Patel");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByText('Others will see "Asha Patel" while you build.').waitFor();
    const saved = await page.evaluate(() => (window as any).__gas.calls.filter((c: [string]) => c[0] === "setBuilderName").map((c: [string, unknown[]]) => c[1]));
    expect(saved).toEqual([["Asha Patel"]]);
  }, 30_000);
});
