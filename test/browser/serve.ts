/**
 * Serves built files to Chromium through routes only: nothing listens on a port and nothing reaches the network.
 * Order matters: Playwright tries the newest route first, so the catch-all abort goes in first and the specific
 * stubs after it.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import type { BrowserContext } from "playwright-core";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".xml": "application/xml",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
};

export const OFFICE_JS = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js";

export async function blockAll(context: BrowserContext): Promise<void> {
  await context.route("**/*", (route) => route.abort("blockedbyclient"));
}

/** Fulfils `${origin}/path` from `dir` (404 for anything missing or outside it). */
export async function serveDir(context: BrowserContext, origin: string, dir: string): Promise<void> {
  const root = normalize(dir);
  await context.route(`${origin}/**`, async (route) => {
    const path = decodeURIComponent(new URL(route.request().url()).pathname);
    const file = normalize(join(root, path));
    if (!(file === root || file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      await route.fulfill({ status: 404, contentType: "text/plain", body: "not found" });
      return;
    }
    await route.fulfill({ status: 200, contentType: TYPES[extname(file)] ?? "application/octet-stream", body: readFileSync(file) });
  });
}

export async function serveText(context: BrowserContext, url: string, body: string, contentType = "text/javascript; charset=utf-8"): Promise<void> {
  await context.route(url, (route) => route.fulfill({ status: 200, contentType, body }));
}
