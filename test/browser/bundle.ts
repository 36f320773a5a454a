/** Bundles a TypeScript entry for the browser with tsx's esbuild (no extra install). */
import { build } from "esbuild";

export async function bundle(entry: string, opts: { globalName?: string } = {}): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2019",
    globalName: opts.globalName,
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

/** Bundles inline source (resolved relative to `resolveDir`). */
export async function bundleSource(contents: string, resolveDir: string): Promise<string> {
  const out = await build({
    stdin: { contents, resolveDir, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2019",
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}
