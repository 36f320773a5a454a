/**
 * `npm run bench`: the figures that matter in each host, measured, not asserted.
 *  - Offline: the shipped command (the pre-built dist/cli/main.cjs, as `npm run workbook` runs it) against a bare
 *    exceljs script writing the same cells, number formats and date types (bench/bare.cjs, both exceljs writers),
 *    each run several times in fresh processes, interleaved, at the sample and 1x, 2x, 4x, 10x the large
 *    network: min/median/max wall time, the ratio of medians against the faster baseline, peak memory.
 *    The baseline's reading of its input is left out of its time (conservative: it makes the baseline faster).
 *  - Excel and Sheets: the tables of bench/excel.ts and bench/sheets.ts.
 * Environment: PCN_BENCH_RUNS (runs per figure, default 5; 3 at 10x), PCN_BENCH_SIZES (e.g. "sample,1x").
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildPlan } from "../core/workbook/build";
import { rectangles, type PlanCell, type WritePlan } from "../core/workbook/plan";
import { largeNetwork } from "../core/workbook/sample";

const root = resolve(__dirname, "..");
const today = new Date().toISOString().slice(0, 10);

export interface Size { label: string; scale: number | null }
export const SIZES: Size[] = [
  { label: "sample", scale: null },
  { label: "1x", scale: 1 },
  { label: "2x", scale: 2 },
  { label: "4x", scale: 4 },
  { label: "10x", scale: 10 },
];
export const TARGETS = { sampleTime: 1.3, largeTime: 1.2, memory: 1.2 };

interface Run { ms: number; rssMb: number; ok: boolean; error?: string }
interface Figure { runs: Run[] }

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
const okRuns = (f: Figure) => f.runs.filter((r) => r.ok);
const stats = (f: Figure, k: "ms" | "rssMb") => { const xs = okRuns(f).map((r) => r[k]); return { min: Math.min(...xs), median: median(xs), max: Math.max(...xs) }; };
const fmt = (f: Figure, k: "ms" | "rssMb") => {
  if (!okRuns(f).length) return `failed (${f.runs[0]?.error ?? "no run"})`;
  const s = stats(f, k);
  return `${Math.round(s.min)} / ${Math.round(s.median)} / ${Math.round(s.max)}`;
};

/** Plan cells, counted as the bench has always counted them (rectangles of the plan's blocks). */
export function planCells(plan: WritePlan): number {
  return plan.sheets.reduce((a, s) => a + s.blocks.reduce((b, k) => b + k.cells.length * (k.cells[0]?.length ?? 0), 0), 0);
}

/** The plan's cells with each cell's number format, one JSON line per row per sheet, for the bare script. */
async function dumpCells(plan: WritePlan, dir: string): Promise<number> {
  const sheets: { name: string; formats: string[] }[] = [];
  let count = 0;
  for (const [i, sp] of plan.sheets.entries()) {
    const formats: string[] = [];
    const fmtId = new Map<string, number>();
    const byRow = new Map<number, Map<number, [PlanCell, number]>>();
    for (const b of sp.blocks.flatMap(rectangles)) {
      b.cells.forEach((line, r) => line.forEach((v, c) => {
        if (v === null || v === "") return;
        const row = byRow.get(b.row + r) ?? new Map();
        byRow.set(b.row + r, row);
        row.set(b.col + c, [v, -1]);
      }));
    }
    // The format a cell ends with: the last rule over it, as in the product.
    for (const f of sp.formats) {
      let id = fmtId.get(f.format);
      if (id === undefined) { id = formats.push(f.format) - 1; fmtId.set(f.format, id); }
      for (let r = f.range.row; r < f.range.row + f.range.rows; r++) {
        const row = byRow.get(r);
        if (!row) continue;
        for (let c = f.range.col; c < f.range.col + f.range.cols; c++) { const cell = row.get(c); if (cell) cell[1] = id; }
      }
    }
    const out = createWriteStream(join(dir, `sheet${i}.ndjson`));
    for (const r of [...byRow.keys()].sort((a, b) => a - b)) {
      const cells = [...byRow.get(r)!].sort((a, b) => a[0] - b[0]).map(([c, [v, f]]) => [c, v, f]);
      count += cells.length;
      if (!out.write(JSON.stringify([r, cells]) + "\n")) await new Promise<void>((res) => out.once("drain", () => res()));
    }
    await new Promise<void>((res) => out.end(() => res()));
    sheets.push({ name: sp.name, formats });
  }
  writeFileSync(join(dir, "sheets.json"), JSON.stringify(sheets));
  return count;
}

function runProcess(args: string[], dir: string): Run {
  const report = join(dir, `report-${process.pid}-${Math.random().toString(16).slice(2)}.json`);
  const t = performance.now();
  const r = spawnSync(process.execPath, ["-r", join(root, "bench", "peak.cjs"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, PCN_BENCH_REPORT: report }, maxBuffer: 1 << 26 });
  const ms = performance.now() - t;
  if (r.status !== 0) return { ms, rssMb: NaN, ok: false, error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split("\n").slice(-1)[0].slice(0, 120) };
  let rep = { maxRssKb: NaN, loadMs: 0 };
  try { rep = JSON.parse(readFileSync(report, "utf8")); } catch { /* the process left no report */ }
  rmSync(report, { force: true });
  return { ms: ms - rep.loadMs, rssMb: rep.maxRssKb / 1024, ok: true };
}

export interface OfflineRow extends Record<string, unknown> {
  size: string;
  cells: number;
  "ours ms (min/median/max)": string;
  "bare stream ms": string;
  "bare in-memory ms": string;
  "time ratio": string;
  "time target": string;
  "ours MB (min/median/max)": string;
  "bare MB (faster one)": string;
  "memory ratio": string;
  "memory target": string;
}

export interface OfflineResult { rows: OfflineRow[]; figures: { size: string; ours: Figure; stream: Figure; memory: Figure; cells: number }[] }

/**
 * Each size: the product's command and both bare baselines, `runs` times each in fresh processes, interleaved
 * (the order rotates each round). Returns the printed table and the raw figures.
 */
export async function benchOffline(opts: { sizes?: Size[]; runs?: number; log?: (s: string) => void } = {}): Promise<OfflineResult> {
  const { ensureCli } = (await import(join(root, "scripts", "build-cli.mjs"))) as { ensureCli(): Promise<string> };
  const cli = await ensureCli();
  const log = opts.log ?? (() => undefined);
  const rows: OfflineRow[] = [];
  const figures: OfflineResult["figures"] = [];
  for (const size of opts.sizes ?? SIZES) {
    const dir = mkdtempSync(join(tmpdir(), `pcn-bench-${size.label}-`));
    try {
      const data = size.scale === null ? undefined : largeNetwork(size.scale);
      const dataFile = join(dir, "network.json");
      if (data) writeFileSync(dataFile, JSON.stringify(data));
      const dump = join(dir, "cells");
      mkdirSync(dump);
      // The same plan the command makes (a new workbook), for the baseline to write.
      let plan: WritePlan | undefined = buildPlan({ sheets: [] }, data ? { data, today } : { sample: true, today });
      const cells = await dumpCells(plan, dump);
      plan = undefined;
      const runs = opts.runs ?? (Number(process.env.PCN_BENCH_RUNS) || (size.scale !== null && size.scale >= 10 ? 3 : 5));
      const ours: Figure = { runs: [] }, stream: Figure = { runs: [] }, memory: Figure = { runs: [] };
      const jobs: [Figure, () => string[]][] = [
        [ours, () => [cli, "--out", join(dir, "ours.xlsx"), "--quiet", ...(data ? ["--data", dataFile] : [])]],
        [stream, () => [join(root, "bench", "bare.cjs"), dump, join(dir, "bare-stream.xlsx"), "stream"]],
        [memory, () => [join(root, "bench", "bare.cjs"), dump, join(dir, "bare-memory.xlsx"), "memory"]],
      ];
      for (let i = 0; i < runs; i++) {
        for (let k = 0; k < jobs.length; k++) {
          const [fig, args] = jobs[(i + k) % jobs.length];
          for (const f of ["ours.xlsx", "bare-stream.xlsx", "bare-memory.xlsx"]) rmSync(join(dir, f), { force: true });
          fig.runs.push(runProcess(args(), dir));
        }
        log(`  ${size.label}: round ${i + 1}/${runs}\n`);
      }
      const bareMedian = (f: Figure) => (okRuns(f).length ? stats(f, "ms").median : Infinity);
      const best = bareMedian(stream) <= bareMedian(memory) ? stream : memory;
      const timeTarget = size.scale === null ? TARGETS.sampleTime : TARGETS.largeTime;
      const ratio = okRuns(ours).length && okRuns(best).length ? stats(ours, "ms").median / stats(best, "ms").median : NaN;
      const memRatio = okRuns(ours).length && okRuns(best).length ? stats(ours, "rssMb").median / stats(best, "rssMb").median : NaN;
      rows.push({
        size: size.label,
        cells,
        "ours ms (min/median/max)": fmt(ours, "ms"),
        "bare stream ms": fmt(stream, "ms"),
        "bare in-memory ms": fmt(memory, "ms"),
        "time ratio": Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "n/a",
        "time target": `<= ${timeTarget}x${Number.isFinite(ratio) ? (ratio <= timeTarget ? " met" : " MISSED") : ""}`,
        "ours MB (min/median/max)": fmt(ours, "rssMb"),
        "bare MB (faster one)": fmt(best, "rssMb"),
        "memory ratio": Number.isFinite(memRatio) ? `${memRatio.toFixed(2)}x` : "n/a",
        "memory target": `<= ${TARGETS.memory}x${Number.isFinite(memRatio) ? (memRatio <= TARGETS.memory ? " met" : " MISSED") : ""}${size.scale === 10 ? (okRuns(ours).length === ours.runs.length ? "; completes with the default heap: met" : "; completes: MISSED") : ""}`,
      });
      figures.push({ size: size.label, ours, stream, memory, cells });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { rows, figures };
}

/** Accepts either an array of rows or an array of titled tables from the Excel and Sheets benches. */
type Tables = Record<string, unknown>[] | { title: string; rows: Record<string, unknown>[]; notes?: string[] }[];

function printTables(title: string, result: Tables) {
  const isTables = result.length > 0 && typeof result[0] === "object" && result[0] !== null && "rows" in result[0] && Array.isArray((result[0] as { rows: unknown }).rows) && "title" in result[0];
  if (!isTables) { console.log(`\n== ${title} ==`); console.table(result as Record<string, unknown>[]); return; }
  for (const t of result as { title: string; rows: Record<string, unknown>[]; notes?: string[] }[]) {
    console.log(`\n== ${t.title} ==`);
    console.table(t.rows);
    for (const n of t.notes ?? []) console.log(n);
  }
}

async function optional(path: string, fn: string, title: string) {
  let mod: Record<string, () => Promise<Tables>>;
  try { mod = await import(path); } catch (e) { console.log(`\n== ${title}: not available (${(e as Error).message}) ==`); return; }
  const t = performance.now();
  printTables(title, await mod[fn]());
  console.log(`(${Math.round(performance.now() - t)} ms)`);
}

if (process.argv[1] && /bench[\\/]run\.ts$/.test(process.argv[1])) void (async () => {
  const wanted = process.env.PCN_BENCH_SIZES?.split(",").map((s) => s.trim());
  const sizes = wanted ? SIZES.filter((s) => wanted.includes(s.label)) : SIZES;
  console.log("\n== Offline .xlsx: `npm run workbook` (pre-built) vs a bare exceljs script writing the same cells, formats and dates ==");
  console.log("Fresh processes, interleaved; wall time from start to exit (the baseline's input reading left out), peak resident memory.");
  const { rows } = await benchOffline({ sizes, log: (s) => process.stderr.write(s) });
  console.table(rows);
  console.log(`Targets: sample within ${TARGETS.sampleTime}x and the large network within ${TARGETS.largeTime}x the faster bare exceljs time; memory within ${TARGETS.memory}x; 10x completes with Node's default heap.`);
  await optional("./excel", "benchExcel", "Excel add-in writer on the counting fake: syncs and bytes per sheet");
  await optional("./sheets", "benchSheets", "Sheets add-on writer on the counting fake: SpreadsheetApp calls per sheet");
})();
