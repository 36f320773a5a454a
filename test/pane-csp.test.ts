/**
 * The built task pane's Content Security Policy with Microsoft's real office.js (served locally from the
 * @microsoft/office-js npm package: test only, never shipped; the page loads it from Microsoft's CDN), in headless
 * Chromium, as Excel on the web and on Windows would open it (the _host_Info query Office adds). What the CSP blocks
 * is collected from the page's securitypolicyviolation events and Chromium's console.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, type Browser } from "./browser/chromium";
import { blockAll, serveDir } from "./browser/serve";
import { builtTarget, removeBuilt } from "./browser/webpack";

const ORIGIN = "https://localhost:3000";
const CDN = "https://appsforoffice.microsoft.com/lib/1/hosted/";
const DIST = join(__dirname, "..", "node_modules", "@microsoft", "office-js", "dist");
/** Where office.js frames its telemetry: the pane's CSP blocks it on purpose (nothing leaves the workbook). */
const TELEMETRY = "https://telemetryservice.firstpartyapps.oaspapps.com";

let dir = "";
const browsers: Browser[] = [];
beforeAll(async () => {
  dir = await builtTarget("excel", "dist/excel-addin", "taskpane.html");
}, 180_000);
afterAll(async () => {
  for (const b of browsers) await b.close();
  removeBuilt(dir);
});

async function open(query: string) {
  const b = await launch();
  browsers.push(b);
  await blockAll(b.context);
  await serveDir(b.context, ORIGIN, dir);
  await b.context.route(`${CDN}**`, async (route) => {
    const file = join(DIST, new URL(route.request().url()).pathname.slice("/lib/1/hosted/".length));
    if (!file.startsWith(DIST) || !existsSync(file)) return route.fulfill({ status: 404, body: "" });
    const type = file.endsWith(".css") ? "text/css" : file.endsWith(".html") ? "text/html" : "text/javascript";
    await route.fulfill({ status: 200, contentType: type, body: readFileSync(file) });
  });
  await b.page.addInitScript(() => {
    const seen: string[] = ((window as unknown as { __csp: string[] }).__csp = []);
    document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  await b.page.goto(`${ORIGIN}/taskpane.html${query}`);
  await b.page.waitForTimeout(2500);
  const events = await b.page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  const consoleCsp = b.errors.filter((e) => /Content Security Policy/.test(e));
  return { b, events, consoleCsp };
}

describe("task pane CSP with Microsoft's office.js", () => {
  it.each([
    ["Excel on the web", "?_host_Info=Excel|Web|16.00|en-GB|0|0|0", "excel-web-16.00.js"],
    ["Excel on Windows", "?_host_Info=Excel$Win32$16.01$en-US$$$$0", "excel-win32-16.01.js"],
    // Opened outside Office, office.js may frame its telemetry service (seen while this test was written): refused.
    ["a plain browser", "", "o15apptofilemappingtable.js"],
  ])("%s: office.js and its host scripts load; only Microsoft's telemetry frame is blocked", async (_name, query, hostScript) => {
    const { b, events, consoleCsp } = await open(query);
    // office.js loaded what it needs for this host, under script-src.
    expect(b.requests).toContain(`${CDN}office.js`);
    expect(b.requests).toContain(`${CDN}${hostScript}`);
    if (query) expect(b.requests.some((u) => /office_strings\.js$/.test(u))).toBe(true);
    // Every violation (if any) is the telemetry frame, blocked by design; no script, style or font of office.js.
    const all = [...events, ...consoleCsp];
    for (const v of all) expect(v, v).toContain(TELEMETRY.replace("https://", ""));
    // Nothing was fetched from anywhere but the add-in and Microsoft's CDN.
    const elsewhere = b.requests.filter((u) => !u.startsWith(ORIGIN) && !u.startsWith(CDN) && !u.startsWith("data:") && !u.startsWith("chrome-error:"));
    expect(elsewhere).toEqual([]);
  }, 60_000);
});
