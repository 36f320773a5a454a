/**
 * The shared pane in headless Chromium over a scriptable fake Bridge (test/browser/paneHarness.ts):
 * escaping, validation, progress, failures, register findings, keyboard, and no network.
 * The host-built pages (Excel task pane, Sheets sidebar) are driven in pane-browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import type { HostState } from "../pane/bridge";
import type { Finding } from "../core/workbook/register";
import { bundle } from "./browser/bundle";
import { foreignRequests, launch, type Browser } from "./browser/chromium";
import { checkState } from "./browser/layout";
import { contrast } from "../pane/theme";
import { blockAll, serveText } from "./browser/serve";

const ORIGIN = "https://pane.test";
const XSS = `<img src=x onerror=alert(1)>`;
const HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>PCN Toolkit</title></head><body style="margin:0"><div id="app"></div><script src="/harness.js"></script></body></html>`;

const SHEETS = ["Partnerships", "Funding", "ARRS", "Budget", "KPIs", "Contacts", "Governance", "DES", "IIF", "Notices", "Dashboard"];

function state(over: Partial<HostState> = {}): HostState {
  return {
    host: "test",
    years: ["2023-24", "2024-25", "2025-26"],
    defaultYear: "2025-26",
    sheets: SHEETS.map((t, i) => ({ key: t.toLowerCase(), title: t, exists: i < 2 })),
    practices: [
      { name: "Riverside Surgery", odsCode: "A81001", registered: 10234, weighted: 11020.5, adjusted: 10500, beds: 40 },
      { name: XSS, odsCode: "A81002", registered: 8000 },
    ],
    ...over,
  };
}

const FINDINGS: Finding[] = [
  { severity: "amber", sheet: "Partnerships", row: 4, col: 6, field: "Notice date", ref: "P-002", message: "Notice date within 90 days (2025-07-01)" },
  { severity: "red", sheet: "Partnerships", row: 5, ref: XSS, message: `Review overdue <script>alert(2)</script>` },
  { severity: "info", sheet: "ARRS", row: 9, ref: "ARRS", message: "Headroom of £12,000 unclaimed" },
  { severity: "red", sheet: "Governance", row: 3, ref: "Board", message: "No governance lead" },
];

let harnessJs = "";
let b: Browser | undefined;

async function open(setup: Record<string, unknown>, viewport?: { width: number; height: number }): Promise<Browser> {
  await b?.close();
  b = await launch(viewport);
  await blockAll(b.context);
  await serveText(b.context, `${ORIGIN}/`, HTML, "text/html; charset=utf-8");
  await serveText(b.context, `${ORIGIN}/harness.js`, harnessJs);
  await b.page.addInitScript((s) => ((window as unknown as { __paneSetup: unknown }).__paneSetup = s), setup);
  await b.page.goto(`${ORIGIN}/`);
  await b.page.getByLabel("Build for the year").waitFor();
  await b.page.waitForFunction(() => document.querySelector(".pcn-pane")?.getAttribute("aria-busy") === "false");
  return b;
}

const fake = <T>(fn: string) => b!.page.evaluate(`window.__fake.${fn}`) as Promise<T>;
const build = (page: import("playwright-core").Page) => page.locator(".buildbar button");
const idle = (page: import("playwright-core").Page) => page.waitForFunction(() => document.querySelector(".pcn-pane")?.getAttribute("aria-busy") === "false");

beforeAll(async () => {
  harnessJs = await bundle(join(__dirname, "browser/paneHarness.ts"));
}, 30_000);
afterAll(async () => {
  await b?.close();
});

describe("pane in Chromium (fake bridge)", () => {
  it("shows years, practices and sheets; workbook text stays text", async () => {
    const { page, dialogs, requests, errors } = await open({ state: state(), findings: FINDINGS });
    const year = page.getByLabel("Build for the year");
    await expect(year.inputValue()).resolves.toBe("2025-26");
    expect(await year.locator("option").allTextContents()).toEqual(["2023-24", "2024-25", "2025-26"]);
    // Practice names from the workbook are input values, and the XSS name is inert text.
    const names = page.getByLabel("Practice name");
    expect(await names.count()).toBe(2);
    expect(await names.nth(1).inputValue()).toBe(XSS);
    expect(await page.getByLabel("Registered list").first().inputValue()).toBe("10234");
    expect(await page.getByRole("button", { name: `Remove practice ${XSS}` }).count()).toBe(1);
    // Sheets: folded behind "Choose sheets"; a checkbox per sheet with its state as words.
    expect(await page.getByRole("checkbox").count()).toBe(1);
    await page.locator("details.choose > summary").click();
    expect(await page.getByRole("checkbox").count()).toBe(SHEETS.length + 1);
    await expect(page.getByRole("checkbox", { name: /Partnerships.*In workbook/ }).isChecked()).resolves.toBe(true);
    await expect(page.getByRole("checkbox", { name: /Dashboard.*New/ }).isChecked()).resolves.toBe(true);

    await page.getByRole("button", { name: "Check register" }).click();
    const red = page.getByRole("list", { name: /Act now \(Red\)/ });
    await red.waitFor();
    expect(await red.getByRole("button").count()).toBe(2);
    expect(await page.getByRole("list", { name: /Coming up \(Amber\)/ }).getByRole("button").count()).toBe(1);
    // Information is folded while something needs acting on, and opens on request.
    const infoHead = page.locator(".group.info .group-head");
    expect(await infoHead.getAttribute("aria-expanded")).toBe("false");
    expect(await infoHead.textContent()).toBe("\u25B8InfoFor information1");
    await infoHead.click();
    expect(await page.getByRole("list", { name: /For information \(Info\)/ }).getByRole("button").count()).toBe(1);
    const xssFinding = page.getByRole("button", { name: /Review overdue/ });
    expect(await xssFinding.textContent()).toContain(XSS);
    expect(await xssFinding.textContent()).toContain("<script>alert(2)</script>");
    expect(await page.locator("img, script:not([src])").count()).toBe(0);
    // Severity is in words, not only colour: one badge per group, none repeated on the cards.
    expect(await page.locator(".badge").allTextContents()).toEqual(["Red", "Amber", "Info"]);
    // Each link names the sheet, the row and the field it selects (or the cell, where the field has no name).
    expect(await page.locator("button.finding .where").allTextContents()).toEqual(["Go to Partnerships, row 5", "Go to Governance, row 3", "Go to Partnerships, row 4, Notice date", "Go to ARRS, row 9"]);
    expect(await page.getByRole("status").filter({ hasText: "4 findings: 2 act now, 1 coming up, 1 for information." }).count()).toBe(1);
    // Filtered by sheet: only that sheet's findings, with counts.
    const filter = page.getByLabel("Show findings for");
    expect(await filter.locator("option").allTextContents()).toEqual(["All sheets (4)", "Partnerships (2)", "ARRS (1)", "Governance (1)"]);
    await filter.selectOption("Partnerships");
    expect(await page.locator("button.finding").count()).toBe(2);
    expect(await page.getByText("Showing 2 findings on Partnerships, of 4.").count()).toBe(1);
    expect(await page.locator(".group.info").count()).toBe(0);
    await filter.selectOption("");

    await page.getByRole("button", { name: /Notice date within 90 days/ }).click();
    await page.waitForFunction(() => (window as any).__fake.calls.goTo.length === 1);
    expect(await fake("calls.goTo")).toEqual([["Partnerships", 4, 6]]);

    await page.waitForTimeout(100);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(foreignRequests(requests, [ORIGIN])).toEqual([]);
  }, 30_000);

  it("validates numbers inline and refuses to build until fixed", async () => {
    const { page } = await open({ state: state() });
    const reg = page.getByLabel("Registered list").first();
    await reg.fill("-5");
    await reg.blur();
    expect(await reg.getAttribute("aria-invalid")).toBe("true");
    const describedBy = await reg.getAttribute("aria-describedby");
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe("Registered list cannot be negative.");
    const beds = page.getByLabel("Care-home beds").nth(1);
    await beds.fill("twelve");
    await beds.blur();
    expect(await page.locator(`[id="${await beds.getAttribute("aria-describedby")}"]`).textContent()).toMatch(/must be a number/);
    // Fixing clears the error as the person types.
    await reg.fill("10,500");
    expect(await reg.getAttribute("aria-invalid")).toBeNull();
    expect(await reg.getAttribute("aria-describedby")).toBeNull();

    await build(page).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/One field needs fixing/);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-invalid"))).toBe("true");
    expect(await fake<unknown[]>("calls.build")).toEqual([]);

    // Add a practice, leave its name empty: name is required once figures are typed.
    await page.getByRole("button", { name: "+ Add practice" }).click();
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).labels?.[0]?.textContent)).toBe("Practice name");
    await page.getByLabel("Weighted list").nth(2).fill("1234.5");
    await beds.fill("12");
    await build(page).click();
    expect(await page.getByRole("alert").textContent()).toMatch(/One field needs fixing/);
    expect(await page.evaluate(() => document.activeElement?.id)).toMatch(/-name$/);
    await page.keyboard.type("New Practice");
    // Remove the XSS-named practice; focus stays in the table.
    await page.getByRole("button", { name: `Remove practice ${XSS}` }).click();
    expect(await page.getByLabel("Practice name").count()).toBe(2);
    await build(page).click();
    await page.waitForFunction(() => (window as any).__fake.calls.build.length === 1);
    const req = (await fake<any[]>("calls.build"))[0];
    expect(req.practices).toEqual([
      { name: "Riverside Surgery", odsCode: "A81001", registered: 10500, weighted: 11020.5, adjusted: 10500, beds: 40 },
      { name: "New Practice", weighted: 1234.5 },
    ]);
    expect(req).toMatchObject({ year: "2025-26", sheets: [], sample: false });
  }, 30_000);

  it("one build button says what it builds; the sheets are folded behind Choose sheets", async () => {
    const { page } = await open({ state: state() });
    // Two of the eleven are in the workbook already.
    expect(await build(page).textContent()).toBe("Build 9 new sheets, refresh 2");
    const summary = page.locator("details.choose > summary");
    expect(await summary.textContent()).toBe("Choose sheets (11 of 11)");
    expect(await page.getByRole("checkbox", { name: /Dashboard/ }).isVisible()).toBe(false);
    await summary.click();
    await page.getByRole("checkbox", { name: /Dashboard.*New/ }).uncheck();
    expect(await summary.textContent()).toBe("Choose sheets (10 of 11)");
    expect(await build(page).textContent()).toBe("Build 8 new sheets, refresh 2");
    await page.getByRole("button", { name: "Clear" }).click();
    expect(await build(page).textContent()).toBe("Choose a sheet to build");
    expect(await build(page).isDisabled()).toBe(true);
    expect(await page.locator("#" + (await build(page).getAttribute("aria-describedby"))).textContent()).toBe("Open Choose sheets and tick at least one.");
    await page.getByRole("checkbox", { name: /Partnerships/ }).check();
    expect(await build(page).textContent()).toBe("Refresh 1 sheet");
    await page.getByRole("checkbox", { name: /ARRS/ }).check();
    expect(await build(page).textContent()).toBe("Build 1 new sheet, refresh 1");
    await page.getByLabel("Fill new sheets with the fictional sample network").check();
    expect(await build(page).textContent()).toBe("Build 1 new sheet, refresh 1 with the sample network");
    await page.getByRole("button", { name: "Select all" }).click();
    expect(await build(page).textContent()).toBe("Build 9 new sheets, refresh 2 with the sample network");
  }, 30_000);

  it("shows progress at the top with a busy sign, says it is still working after 10 s without an answer, then reports", async () => {
    const { page } = await open({ state: state(), manual: true, warnings: [`Partner ${XSS} has no contact`] });
    await page.getByLabel("Fill new sheets with the fictional sample network").check();
    await page.locator("details.choose > summary").click();
    await page.getByRole("checkbox", { name: /Dashboard/ }).uncheck();
    await build(page).click();
    for (let i = 0; i < 2; i++) await page.waitForFunction(() => (window as any).__fake.advance());
    const line = page.locator(".statusline");
    await expect.poll(() => line.locator(".status-body > span").first().textContent()).toBe("Building ARRS (3 of 10)");
    expect(await page.locator("progress").evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([2, 10]);
    expect(await line.getAttribute("aria-live")).toBe("polite");
    expect(await line.locator(".spinner").count()).toBe(1);
    // The status line sits at the top of the pane, in view wherever the pane is scrolled to.
    for (const y of [0, 10_000]) {
      await page.evaluate((to) => window.scrollTo(0, to), y);
      const box = (await line.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeLessThan(80);
    }
    for (const name of ["Check register", "+ Add practice"]) expect(await page.getByRole("button", { name }).isDisabled()).toBe(true);
    expect(await build(page).isDisabled()).toBe(true);
    expect(await page.getByLabel("Build for the year").isDisabled()).toBe(true);
    // No answer for 9.9 s: nothing more said; at 10 s, what it is waiting for.
    await fake("clock.advance(9900)");
    expect(await line.locator(".still").textContent()).toBe("");
    await fake("clock.advance(100)");
    expect(await line.locator(".still").textContent()).toBe("Still working: waiting for the test host to finish writing ARRS (no answer for 10 s).");
    await fake("clock.advance(5000)");
    expect(await line.locator(".still").textContent()).toMatch(/\(no answer for 15 s\)\.$/);
    // An answer clears it.
    await page.evaluate(() => (window as any).__fake.advance());
    await expect.poll(() => line.locator(".still").textContent()).toBe("");
    while (await page.evaluate(() => (window as any).__fake.pending() > 0 || (window as any).__fake.progress.length < 10)) {
      await page.evaluate(() => (window as any).__fake.advance());
      await page.waitForTimeout(5);
    }
    const done = page.getByRole("status").filter({ hasText: "Built 10 sheets" });
    await done.waitFor();
    expect(await done.textContent()).toContain(`Partner ${XSS} has no contact`);
    expect(await page.locator("img").count()).toBe(0);
    expect(await line.isHidden()).toBe(true);
    expect(await build(page).isEnabled()).toBe(true);
    expect(await page.getByRole("checkbox", { name: /ARRS.*In workbook/ }).count()).toBe(1);
    expect(await page.getByRole("checkbox", { name: /Dashboard.*New/ }).isChecked()).toBe(false);
    const req = (await fake<any[]>("calls.build"))[0];
    expect(req.sample).toBe(true);
    expect(req.sheets).toHaveLength(10);
    expect(await fake("calls.getState")).toBe(2);
    // The workbook is now built for 2025-26: choosing another year explains why it needs a new workbook.
    await page.getByLabel("Build for the year").selectOption("2024-25");
    expect(await page.locator(".msg.warn", { hasText: "needs a new workbook" }).textContent()).toContain("built for 2025-26");
    expect(await build(page).isDisabled()).toBe(true);
    expect(await page.locator(".buildbar .hint").textContent()).toBe("This workbook is for 2025-26: choose 2025-26 in step 1 to refresh it.");
  }, 30_000);

  it("Stop ends the build between sheets, says what was built and what was not, and Finish the build builds the rest", async () => {
    const { page } = await open({ state: state({ practices: [] }), manual: true });
    await build(page).click();
    await page.waitForFunction(() => (window as any).__fake.advance());
    await expect.poll(() => page.locator(".statusline .status-body > span").first().textContent()).toBe("Building Funding (2 of 11)");
    await page.getByRole("button", { name: "Stop" }).click();
    expect(await page.getByRole("button", { name: "Stopping…" }).isDisabled()).toBe(true);
    // The sheet in hand is finished before the build stops.
    await page.waitForFunction(() => (window as any).__fake.advance());
    const stopped = page.getByRole("status").filter({ hasText: /^Stopped\./ });
    await stopped.waitFor();
    expect(await fake("calls.stopAsked")).toBe(1);
    expect(await stopped.textContent()).toBe("Stopped.You stopped the build: the sheets it had finished are built; the others are not.Built 2 of 11 sheets: Partnerships and Funding.Not built yet: ARRS, Budget, KPIs, Contacts, Governance and 4 more.Next: Finish the build, when you are ready.Finish the build");
    await stopped.getByRole("button", { name: "Finish the build" }).click();
    await page.waitForFunction(() => (window as any).__fake.calls.build.length === 2);
    expect((await fake<any[]>("calls.build"))[1].sheets).toEqual(["arrs", "budget", "kpis", "contacts", "governance", "des", "iif", "notices", "dashboard"]);
    while (await page.evaluate(() => (window as any).__fake.advance())) await page.waitForTimeout(5);
    await page.getByRole("status").filter({ hasText: "Built 9 sheets: ARRS, Budget, KPIs, Contacts, Governance and 4 more. All 11 sheets are in the workbook now." }).waitFor();
  }, 30_000);

  it("after a failure part way, says what was built and what was not, with the host's text folded away, and Try again finishes it", async () => {
    const { page, dialogs } = await open({ state: state({ workbookYear: "2024-25", sheets: SHEETS.map((t) => ({ key: t.toLowerCase(), title: t, exists: false })) }), buildError: `Sheet ${XSS} is protected`, failAfter: 3, reportBuilt: true, failOnce: true });
    expect(await page.getByLabel("Build for the year").inputValue()).toBe("2024-25");
    await build(page).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    await idle(page);
    expect(await alert.locator(":scope > strong").textContent()).toBe("The build stopped part way.");
    expect(await alert.locator(":scope > p").allTextContents()).toEqual([
      "Built 3 of 11 sheets: Partnerships, Funding and ARRS.",
      "Not built yet: Budget, KPIs, Contacts, Governance, DES and 3 more.",
      "Next: Try again. It builds what is missing, into the sheets already there.",
    ]);
    // The host's own words (not a sentence for people) only in the folded detail.
    expect(await alert.locator("details.detail").getAttribute("open")).toBeNull();
    expect(await alert.locator("details.detail p").textContent()).toBe(`Sheet ${XSS} is protected`);
    expect(await page.locator("img").count()).toBe(0);
    // The pane read the workbook again: the sheet list and the steps say where it is.
    expect(await fake("calls.getState")).toBe(2);
    expect(await page.locator(".sheet-list .status.exists").count()).toBe(3);
    expect(await page.locator(".statusline").isHidden()).toBe(true);
    await alert.getByRole("button", { name: "Try again" }).click();
    await page.getByRole("status").filter({ hasText: "All 11 sheets are in the workbook now." }).waitFor();
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(dialogs).toEqual([]);
  }, 30_000);

  it("a host that put the workbook back says nothing was changed; a host sentence is shown as it is", async () => {
    const { page } = await open({ state: state(), buildError: "PCN Toolkit could not finish building the workbook, so it put every sheet and cell back as they were. Excel said: The request failed (…).", buildErrorName: "BuildFailure", restored: true });
    await build(page).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    await idle(page);
    expect(await alert.locator(":scope > p").allTextContents()).toEqual([
      "PCN Toolkit could not finish building the workbook, so it put every sheet and cell back as they were.",
      "No sheet was built.",
      "Not built yet: Partnerships, Funding, ARRS, Budget, KPIs and 6 more.",
      "Nothing was changed: the workbook is as it was before the build. Next: Try again.",
    ]);
    expect(await alert.locator("details.detail p").textContent()).toBe("The request failed (…).");
  }, 30_000);

  it("reports an unreadable workbook and retries", async () => {
    const { page } = await open({ state: state(), stateError: "Office is busy" });
    expect(await page.getByRole("alert").textContent()).toContain("Office is busy");
    await page.evaluate(() => delete (window as any).__fake.setup.stateError);
    await page.getByRole("button", { name: "Try again" }).click();
    await expect.poll(() => page.getByLabel("Practice name").count()).toBe(2);
    expect(await page.getByRole("alert").count()).toBe(0);
  }, 30_000);

  it("is keyboard-usable: after the practices, Tab reaches the build button and Enter builds; focus is visible", async () => {
    const { page } = await open({ state: state({ practices: [] }) });
    // The practices step ends with its add button; the very next stop is the build button.
    await page.getByRole("button", { name: "+ Add practice" }).focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Build 9 new sheets, refresh 2");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe("solid");
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Built all 11 sheets" }).waitFor();
    // Focus comes back to the button after it was disabled during the build.
    await idle(page);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Refresh all 11 sheets");
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = (await page.evaluate(() => document.activeElement?.textContent)) === "Check register";
    }
    expect(reached).toBe(true);
    await page.keyboard.press("Space");
    await page.getByText("No findings in what was checked.").waitFor();
  }, 30_000);

  it("Check register never gives an all-clear for what it could not check", async () => {
    // No register at all: it says so and points to Build.
    const p = (await open({ state: state({ sheets: SHEETS.map((t) => ({ key: t.toLowerCase(), title: t, exists: false })) }) })).page;
    await p.getByRole("button", { name: "Check register" }).click();
    const none = p.getByRole("status").filter({ hasText: "There is no register to check yet." });
    await none.waitFor();
    expect(await none.textContent()).toContain("This workbook has no Partnerships sheet, so nothing was checked. Build the workbook first (step 3), then check it.");
    expect(await p.locator(".msg.ok").count()).toBe(0);
    await p.getByRole("button", { name: "Go to Build" }).click();
    expect(await p.evaluate(() => document.activeElement?.closest(".buildbar") !== null)).toBe(true);

    // A register without the ARRS and IIF sheets: no findings is an all-clear for the register only, and says what was not checked.
    const q = (await open({ state: state({ sheets: [{ key: "partnerships", title: "Partnerships", exists: true }, { key: "arrs", title: "ARRS Workforce", exists: false }, { key: "iif", title: "IIF", exists: false }] }) })).page;
    await q.getByRole("button", { name: "Check register" }).click();
    const partial = q.getByRole("status").filter({ hasText: "No findings in what was checked." });
    await partial.waitFor();
    expect(await partial.textContent()).toBe("No findings in what was checked.Nothing needs attention in: notice dates, reviews, governance and contacts (Partnerships).Not checked, because the workbook has no such sheet yet: ARRS posts, practice shares and headroom (ARRS Workforce); IIF indicators (IIF).");
    expect(await q.locator(".msg.ok").count()).toBe(0);
    // The pane looked at the workbook again before saying so.
    expect(await fake("calls.getState")).toBe(2);
  }, 30_000);

  it("keeps room for the hosts' other actions, each only where the host has it, labelled and keyboard-usable", async () => {
    const bare = (await open({ state: state() })).page;
    expect(await bare.getByRole("region", { name: "More" }).count()).toBe(0);
    expect(await bare.getByLabel("Period to lock").count()).toBe(0);
    const { page } = await open({ state: state(), rates: { problems: [], changes: [] }, lock: true, selfTest: true, settings: true, manual: true });
    const more = page.getByRole("region", { name: "More" });
    expect(await more.locator("h3").allTextContents()).toEqual(["Rates file", "Money to practices", "Self-test", "Settings"]);
    expect(await more.getByLabel("Load rates file").count()).toBe(1);
    expect(await more.getByLabel("Your name").count()).toBe(1);
    const period = more.getByLabel("Period to lock");
    await period.focus();
    await page.keyboard.press("Enter");
    expect(await more.getByRole("alert").textContent()).toMatch(/^Which period\?Type the period to lock/);
    await period.fill("Q2 2026/27");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => (window as any).__fake.pending() === 1);
    expect(await page.locator(".statusline").textContent()).toContain("Locking the statement for Q2 2026/27…");
    await page.evaluate(() => (window as any).__fake.advance());
    await more.getByText('Locked Q2 2026/27: the statement is on the sheet "Statement Q2 2026/27".').waitFor();
    expect(await fake("calls.lock")).toEqual(["Q2 2026/27"]);
  }, 30_000);

  it("says why a new workbook's default year is not today's, and loads a rates file from a labelled, keyboard-usable file picker", async () => {
    const note = "No rates are shipped for 2027/28, the financial year of today (1 May 2027): using 2026/27, the newest year shipped.";
    const p = (await open({ state: state({ years: ["2025/26", "2026/27"], defaultYear: "2026/27", yearNote: note }), rates: { problems: [], changes: ["Rates!C4 enhancedAccess value: 8.427 → 8.5", `ARRS Rates!E10 ${XSS} source: blank → "x"`], notes: ["Not loaded: IIF indicators."] } })).page;
    await p.getByText(note).waitFor();
    const input = p.getByLabel("Load rates file");
    expect(await input.getAttribute("type")).toBe("file");
    expect(await input.getAttribute("accept")).toContain(".json");
    await input.focus();
    expect(await p.evaluate(() => document.activeElement?.id)).toMatch(/rates$/);
    await input.setInputFiles({ name: "icb-rates.json", mimeType: "application/json", buffer: Buffer.from('{"year":"2026/27"}') });
    await p.getByText("Loaded icb-rates.json: 2 cells changed.").waitFor();
    expect(await fake<string[]>("calls.loadRates")).toEqual(['{"year":"2026/27"}']);
    // Workbook text stays text.
    expect(await p.locator("img").count()).toBe(0);
    await p.getByText(`ARRS Rates!E10 ${XSS} source: blank → "x"`).waitFor();
    await p.getByText("Not loaded: IIF indicators.").waitFor();
  });

  it("a rates file with problems is refused in an alert listing each, and nothing else happens", async () => {
    const p = (await open({ state: state({ workbookYear: "2025-26" }), rates: { problems: ["rates.enhancedAcess: there is no rate \"enhancedAcess\" in 2025/26.", "arrs.roles[0] has no \"role\"."], changes: [] } })).page;
    await p.getByLabel("Load rates file").setInputFiles({ name: "bad.json", mimeType: "application/json", buffer: Buffer.from("{}") });
    const alert = p.getByRole("alert");
    await alert.getByText("Nothing was written: bad.json has 2 problems.").waitFor();
    expect(await alert.locator("li").allTextContents()).toEqual(['rates.enhancedAcess: there is no rate "enhancedAcess" in 2025/26.', 'arrs.roles[0] has no "role".']);
  });

  it("fits a 300 px pane in every state, light and dark: build button in view, no overflow, Tab follows the screen, axe-clean", async () => {
    for (const theme of [undefined, { mode: "dark" }]) {
      const { page } = await open({ state: state(), findings: FINDINGS, rates: { problems: [], changes: [] }, lock: true, selfTest: true, settings: true, theme, manual: true }, { width: 300, height: 800 });
      const name = theme ? "dark" : "light";
      await checkState(page, `harness-300-${name}-ready`);
      await page.locator("details.choose > summary").click();
      await checkState(page, `harness-300-${name}-choose`);
      await build(page).click();
      await page.waitForFunction(() => (window as any).__fake.advance());
      await fake("clock.advance(12000)");
      await checkState(page, `harness-300-${name}-building`);
      while (await page.evaluate(() => (window as any).__fake.advance())) await page.waitForTimeout(5);
      await idle(page);
      await page.getByRole("button", { name: "Check register" }).click();
      await page.locator(".finding").first().waitFor();
      await idle(page);
      await page.locator(".group.info .group-head").click();
      await checkState(page, `harness-300-${name}-findings`);
    }
  }, 60_000);

  it("mid-build, as painted, light and dark: control edges and the progress bar's at least 3:1, disabled fields' text at least 4.5:1", async () => {
    for (const theme of [{ mode: "light" }, { mode: "dark" }]) {
      const { page } = await open({ state: state(), manual: true, theme });
      await build(page).click();
      await page.waitForFunction(() => (window as any).__fake.pending() === 1);
      await page.evaluate(() => (window as any).__fake.advance());
      await page.waitForFunction(() => (window as any).__fake.pending() === 1);
      // What the browser paints: each visible control's border against the pane, the progress bar's edge, and
      // the text of a field disabled while the build runs against that field's own background.
      const painted = await page.evaluate(() => {
        const hex = (c: string) => {
          const n = (c.match(/[\d.]+/g) ?? []).map(Number);
          if (n.length === 4 && n[3] === 0) return "";
          return "#" + n.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
        };
        const pane = document.querySelector(".pcn-pane")!;
        const bg = hex(getComputedStyle(pane).backgroundColor);
        const visible = (el: Element) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !el.closest("[hidden], details:not([open]) > :not(summary)"); };
        const edges = [...pane.querySelectorAll("input[type=text], select, button:not(.subtle):not(.primary):not(.finding), progress")].filter(visible).map((el) => ({
          what: `${el.tagName.toLowerCase()} ${(el.getAttribute("aria-label") ?? el.textContent ?? "").trim().slice(0, 30)}`,
          border: hex(getComputedStyle(el).borderTopColor),
          disabled: (el as HTMLInputElement).disabled,
          fg: hex(getComputedStyle(el).color),
          fill: hex(getComputedStyle(el).backgroundColor),
        }));
        return { bg, edges, progress: edges.filter((e) => e.what.startsWith("progress")).length, disabled: edges.filter((e) => e.disabled && e.what.startsWith("input")).length };
      });
      expect(painted.edges.length, theme.mode).toBeGreaterThan(10);
      expect(painted.progress, theme.mode).toBe(1);
      expect(painted.disabled, theme.mode).toBeGreaterThan(3);
      const weak = painted.edges.flatMap((e) => [
        ...(e.border && contrast(e.border, painted.bg) < 3 ? [`${e.what}: edge ${e.border} on ${painted.bg} is ${contrast(e.border, painted.bg).toFixed(2)}:1`] : []),
        ...(e.disabled && e.fill && contrast(e.fg, e.fill) < 4.5 ? [`${e.what}: disabled text ${e.fg} on ${e.fill} is ${contrast(e.fg, e.fill).toFixed(2)}:1`] : []),
      ]);
      expect(weak, theme.mode).toEqual([]);
      while (await page.evaluate(() => (window as any).__fake.advance())) await page.waitForTimeout(5);
    }
  }, 60_000);

  it("in Windows high contrast (forced colors), every button and field keeps a visible edge, and the layout holds", async () => {
    const b0 = await open({ state: state(), findings: FINDINGS, rates: { problems: [], changes: [] }, lock: true, selfTest: true });
    await b0.page.emulateMedia({ forcedColors: "active" });
    const { page } = b0;
    expect(await page.evaluate(() => matchMedia("(forced-colors: active)").matches)).toBe(true);
    await page.getByRole("button", { name: "Check register" }).click();
    await page.locator(".finding").first().waitFor();
    await idle(page);
    const edgeless = await page.evaluate(() =>
      [...document.querySelectorAll(".pcn-pane button, .pcn-pane select, .pcn-pane input[type=text]")]
        .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && !el.closest("[hidden]"); })
        .filter((el) => {
          const st = getComputedStyle(el);
          const sides = ["Top", "Right", "Bottom", "Left"].map((side) => ({ w: parseFloat((st as any)[`border${side}Width`]), c: (st as any)[`border${side}Color`] as string, s: (st as any)[`border${side}Style`] as string }));
          return !sides.some((x) => x.w > 0 && x.s !== "none" && !/rgba\(.*, 0\)$|transparent/.test(x.c));
        })
        .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent ?? "").trim().slice(0, 30)}"`),
    );
    expect(edgeless).toEqual([]);
    await checkState(page, "harness-350-forced-colors");
  }, 60_000);
});
