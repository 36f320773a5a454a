// The offline command as one pre-built Node script (dist/cli/main.cjs), so `npm run workbook` starts without
// compiling TypeScript. esbuild bundles cli/ and core/ (with the rates JSON and zod) in a fraction of a second.
// `node scripts/build-cli.mjs` builds; `ensureCli()` (used by scripts/workbook.mjs) builds only when the bundle
// is missing or older than a source file, so a fresh clone and an edited checkout both run current code.
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const CLI_BUNDLE = join(root, "dist", "cli", "main.cjs");
const SOURCES = ["cli", "core"].map((d) => join(root, d));

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|json)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export async function buildCli() {
  const { build } = await import("esbuild");
  await build({
    entryPoints: [join(root, "cli", "main.ts")],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "warning",
    legalComments: "none",
  });
}

export async function ensureCli() {
  let built = 0;
  try { built = statSync(CLI_BUNDLE).mtimeMs; } catch { /* not built yet */ }
  if (!built || SOURCES.some((d) => newestSource(d) > built)) await buildCli();
  return CLI_BUNDLE;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await buildCli();
