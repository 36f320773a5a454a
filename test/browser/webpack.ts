/**
 * The built host page to drive: dist/<target> when it is newer than every source (as after `npm test`'s build),
 * else a fresh build of the real config into a private directory, so a stale dist/ is never what passes and no
 * build here races another one writing dist/ (the config cleans its output).
 * PCN_USE_DIST=1 insists on dist/ as it is.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");

const SOURCES = ["core", "pane", "excel-addin", "sheets-addon", "webpack.config.js", "package.json", "tsconfig.json"];

function newestSource(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newestSource(join(path, n))));
}

export async function builtTarget(configName: "excel" | "sheets", distDir: string, mustHave: string): Promise<string> {
  const dir = join(ROOT, distDir);
  const built = statSync(join(dir, mustHave), { throwIfNoEntry: false });
  if (process.env.PCN_USE_DIST === "1") {
    if (!built) throw new Error(`${distDir}/${mustHave} is missing: run npx webpack --mode production --config-name ${configName}`);
    return dir;
  }
  // webpack does not rewrite an output whose content is unchanged, so npm test's stamp (dist/.built) dates the build.
  const stamp = statSync(join(ROOT, "dist", ".built"), { throwIfNoEntry: false });
  const builtAt = built ? Math.max(built.mtimeMs, stamp?.mtimeMs ?? 0) : 0;
  if (built && builtAt > Math.max(...SOURCES.map((s) => newestSource(join(ROOT, s))))) return dir;
  const out = mkdtempSync(join(tmpdir(), `pcn-${configName}-`));
  const args = [join(ROOT, "node_modules/webpack/bin/webpack.js"), "--mode", "production", "--config-name", configName, "--output-path", out];
  const { code, log } = await new Promise<{ code: number | null; log: string }>((res) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    child.on("close", (code) => res({ code, log }));
  });
  if (code !== 0 || !existsSync(join(out, mustHave))) {
    throw new Error(`webpack --config-name ${configName} failed (exit ${code}):\n${log.slice(-4000)}`);
  }
  return out;
}

/** Removes a private build made by builtTarget (never dist/). */
export function removeBuilt(dir: string): void {
  if (dir && dir.startsWith(join(tmpdir(), "pcn-"))) rmSync(dir, { recursive: true, force: true });
}
