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
  { severity: "amber", sheet: "Partnerships", row: 4, col: 6, ref: "P-002", message: "Notice date within 90 days (2025-07-01)" },
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
    // Sheets: checkbox per sheet with its state as words.
    expect(await page.getByRole("checkbox").count()).toBe(SHEETS.length + 1);
    await expect(page.getByRole("checkbox", { name: /Partnerships.*In workbook/ }).isChecked()).resolves.toBe(true);
    await expect(page.getByRole("checkbox", { name: /Dashboard.*New/ }).isChecked()).resolves.toBe(true);

    await page.getByRole("button", { name: "Check register" }).click();
    const red = page.getByRole("list", { name: /Red/ });
    await red.waitFor();
    expect(await red.getByRole("button").count()).toBe(2);
    expect(await page.getByRole("list", { name: /Amber/ }).getByRole("button").count()).toBe(1);
    expect(await page.getByRole("list", { name: /Info/ }).getByRole("button").count()).toBe(1);
    const xssFinding = page.getByRole("button", { name: /Review overdue/ });
    expect(await xssFinding.textContent()).toContain(XSS);
    expect(await xssFinding.textContent()).toContain("<script>alert(2)</script>");
    expect(await page.locator("img, script:not([src])").count()).toBe(0);
    // Severity is in words, not only colour.
    expect(await page.locator(".finding .badge").allTextContents()).toEqual(["Red", "Red", "Amber", "Info"]);

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

    await page.getByRole("button", { name: "Build all sheets" }).click();
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
    await page.getByRole("button", { name: "Build all sheets" }).click();
    expect(await page.getByRole("alert").textContent()).toMatch(/One field needs fixing/);
    expect(await page.evaluate(() => document.activeElement?.id)).toMatch(/-name$/);
    await page.keyboard.type("New Practice");
    // Remove the XSS-named practice; focus stays in the table.
    await page.getByRole("button", { name: `Remove practice ${XSS}` }).click();
    expect(await page.getByLabel("Practice name").count()).toBe(2);
    await page.getByRole("button", { name: "Build all sheets" }).click();
    await page.waitForFunction(() => (window as any).__fake.calls.build.length === 1);
    const req = (await fake<any[]>("calls.build"))[0];
    expect(req.practices).toEqual([
      { name: "Riverside Surgery", odsCode: "A81001", registered: 10500, weighted: 11020.5, adjusted: 10500, beds: 40 },
      { name: "New Practice", weighted: 1234.5 },
    ]);
    expect(req).toMatchObject({ year: "2025-26", sheets: [], sample: false });
  }, 30_000);

  it("shows progress, disables buttons while busy, then reports and refreshes", async () => {
    const { page } = await open({ state: state(), manual: true, warnings: [`Partner ${XSS} has no contact`] });
    await page.getByLabel("Fill new sheets with the fictional sample network").check();
    await page.getByRole("checkbox", { name: /Dashboard/ }).uncheck();
    await page.getByRole("button", { name: "Build selected (10)" }).click();
    for (let i = 0; i < 2; i++) await page.waitForFunction(() => (window as any).__fake.advance());
    const status = page.locator(".progress-text");
    await expect.poll(() => status.textContent()).toBe("Building ARRS (3 of 10)");
    expect(await page.locator("progress").evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([2, 10]);
    expect(await status.getAttribute("aria-live")).toBe("polite");
    for (const name of ["Build all sheets", "Check register", "+ Add practice"]) expect(await page.getByRole("button", { name }).isDisabled()).toBe(true);
    expect(await page.getByLabel("Build for the year").isDisabled()).toBe(true);
    await page.screenshot({ path: "/tmp/pane-progress.png", fullPage: true });
    while (await page.evaluate(() => (window as any).__fake.pending() > 0 || (window as any).__fake.progress.length < 10)) {
      await page.evaluate(() => (window as any).__fake.advance());
      await page.waitForTimeout(5);
    }
    const done = page.getByRole("status").filter({ hasText: "Built 10 sheets" });
    await done.waitFor();
    expect(await done.textContent()).toContain(`Partner ${XSS} has no contact`);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator(".progress").isHidden()).toBe(true);
    expect(await page.getByRole("button", { name: "Build all sheets" }).isEnabled()).toBe(true);
    expect(await page.getByRole("checkbox", { name: /ARRS.*In workbook/ }).count()).toBe(1);
    expect(await page.getByRole("checkbox", { name: /Dashboard.*New/ }).isChecked()).toBe(false);
    const req = (await fake<any[]>("calls.build"))[0];
    expect(req.sample).toBe(true);
    expect(req.sheets).toHaveLength(10);
    expect(await fake("calls.getState")).toBe(2);
    // The workbook is now built for 2025-26: choosing another year explains why it needs a new workbook.
    await page.getByLabel("Build for the year").selectOption("2024-25");
    expect(await page.locator(".msg.warn", { hasText: "needs a new workbook" }).textContent()).toContain("built for 2025-26");
    expect(await page.getByRole("button", { name: "Build all sheets" }).isDisabled()).toBe(true);
  }, 30_000);

  it("shows a clear alert when the build fails, and re-enables", async () => {
    const { page, dialogs } = await open({ state: state({ workbookYear: "2024-25" }), buildError: `Sheet ${XSS} is protected` });
    expect(await page.getByLabel("Build for the year").inputValue()).toBe("2024-25");
    expect(await page.locator(".hint", { hasText: "built for 2024-25" }).count()).toBe(1);
    await page.getByRole("button", { name: "Build all sheets" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe(`The build stopped. Sheet ${XSS} is protected`);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Build all sheets" }).isEnabled()).toBe(true);
    expect(await page.locator(".progress").isHidden()).toBe(true);
    expect(dialogs).toEqual([]);
  }, 30_000);

  it("reports an unreadable workbook and retries", async () => {
    const { page } = await open({ state: state(), stateError: "Office is busy" });
    expect(await page.getByRole("alert").textContent()).toContain("Office is busy");
    await page.evaluate(() => delete (window as any).__fake.setup.stateError);
    await page.getByRole("button", { name: "Try again" }).click();
    await expect.poll(() => page.getByLabel("Practice name").count()).toBe(2);
    expect(await page.getByRole("alert").count()).toBe(0);
  }, 30_000);

  it("is keyboard-usable: tab to Build all sheets and press Enter; focus is visible", async () => {
    const { page } = await open({ state: state({ practices: [] }) });
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = (await page.evaluate(() => document.activeElement?.textContent)) === "Build all sheets";
    }
    expect(reached).toBe(true);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).toBe("solid");
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Built 11 sheets" }).waitFor();
    // Focus comes back to the button after it was disabled during the build.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Build all sheets");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Check register");
    await page.keyboard.press("Space");
    await page.getByText("No findings").waitFor();
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

  it("fits a 320px pane without horizontal scrolling", async () => {
    const { page } = await open({ state: state(), findings: FINDINGS, rates: { problems: [], changes: [] } }, { width: 320, height: 1400 });
    await page.getByRole("button", { name: "Check register" }).click();
    await page.locator(".finding").first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await page.screenshot({ path: "/tmp/pane-dom.png", fullPage: true });
  }, 30_000);
});
