/**
 * Headless Debian Chromium for the pane tests. Missing Chromium is a failure, never a skip: the pane is only
 * proven in a real browser.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page, type Request } from "playwright-core";

export const CHROMIUM = process.env.PCN_CHROMIUM || "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every request the page tried, including ones the catch-all aborted. */
  requests: string[];
  /** Messages from window.alert/confirm/prompt: any one means injected script ran. */
  dialogs: string[];
  /** Uncaught page errors and console errors. */
  errors: string[];
  close(): Promise<void>;
}

export async function launch(viewport = { width: 320, height: 900 }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y --no-install-recommends chromium)`);
  // launch() refuses --user-data-dir; a persistent context with a fresh directory gives the same clean profile.
  const dir = mkdtempSync(join(tmpdir(), "pcn-chromium-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    serviceWorkers: "block",
    offline: false,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  const dialogs: string[] = [];
  const errors: string[] = [];
  context.on("request", (r: Request) => requests.push(r.url()));
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return {
    context,
    page,
    requests,
    dialogs,
    errors,
    async close() {
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Requests that went anywhere but the allowed origins (data: and about: never touch the network). */
export function foreignRequests(requests: string[], allowedOrigins: string[]): string[] {
  return requests.filter((u) => {
    if (u.startsWith("data:") || u.startsWith("about:") || u.startsWith("blob:")) return false;
    try {
      return !allowedOrigins.includes(new URL(u).origin);
    } catch {
      return true;
    }
  });
}
