/**
 * Generates test/fakes/excelApiSets.json: the ExcelApi requirement set of every member of every Excel class, read
 * from the `[Api set: ExcelApi 1.N]` annotations of @types/office-js (the pinned version in package.json). The
 * strict fake fails a sync that uses a member newer than the workbook's ExcelApi, so a writer that uses a new API
 * without feature-detecting it fails its tests. `npm run gen:api-sets` rewrites it; test/excel-api-sets.test.ts
 * checks the committed file is what this script makes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function excelApiSets(dts: string): Record<string, string> {
  const lines = dts.split("\n");
  const start = lines.findIndex((l) => l.startsWith("declare namespace Excel {"));
  const out: Record<string, string> = {};
  let cls: string | null = null;
  let doc: string[] = [];
  let inDoc = false;
  const older = (a: string, b: string) => {
    const [x, y] = [a, b].map((v) => v.split(".").map(Number));
    return x[0] !== y[0] ? x[0] < y[0] : x[1] < y[1];
  };
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (/^declare namespace /.test(l) || /^}/.test(l)) break;
    const c = /^ {4}(?:export )?class (\w+) extends OfficeExtension\.ClientObject/.exec(l);
    if (c) { cls = c[1]; doc = []; continue; }
    if (cls && /^ {4}}/.test(l)) { cls = null; continue; }
    if (!cls) continue;
    if (/^ {8}\/\*\*/.test(l)) { inDoc = true; doc = [l]; if (l.includes("*/")) inDoc = false; continue; }
    if (inDoc) { doc.push(l); if (l.includes("*/")) inDoc = false; continue; }
    const m = /^ {8}(?:readonly )?(\w+)(\??)(\(|:)/.exec(l);
    if (m && doc.length) {
      const set = /\[Api set: ExcelApi (\d+\.\d+)/.exec(doc.join("\n"));
      if (set) {
        const key = `${cls}.${m[1]}`;
        // Overloads: the oldest set that has the member.
        if (!out[key] || older(set[1], out[key])) out[key] = set[1];
      }
      doc = [];
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export const API_SETS_FILE = join(__dirname, "..", "test", "fakes", "excelApiSets.json");

if (process.argv[1] && /gen-excel-api-sets\.ts$/.test(process.argv[1])) {
  const dts = readFileSync(join(__dirname, "..", "node_modules", "@types", "office-js", "index.d.ts"), "utf8");
  const sets = excelApiSets(dts);
  writeFileSync(API_SETS_FILE, JSON.stringify(sets, null, 1) + "\n");
  console.log(`${Object.keys(sets).length} Excel members written to ${API_SETS_FILE}`);
}
