/**
 * `npm run workbook -- [--out file.xlsx] [--year 2025/26] [--data network.json]`
 * Writes the PCN workbook offline. Rebuilding into an existing file keeps what people typed there.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { PcnError } from "../core/errors";
import { YEAR_LABELS } from "../core/rates/book";
import { buildPlan } from "../core/workbook/build";
import { validateNetwork, type NetworkData } from "../core/workbook/data";
import { readWorkbookFile, writeWorkbookFile } from "./workbookFile";

export interface CliOptions { out: string; year?: string; data?: string; sample: boolean; quiet?: boolean; today?: string }

const USAGE = `Usage: npm run workbook -- [--out file.xlsx] [--year 2025/26] [--data network.json] [--empty]
  --out    where to write the workbook (default: out/pcn-workbook.xlsx). If it exists, it is rebuilt in place:
           everything typed into it is kept.
  --year   financial year (${YEAR_LABELS.join(", ")}; default the newest)
  --data   your network as JSON (see docs/network-data.md); without it, a fictional sample network is used
  --empty  build the sheets with no sample data`;

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { out: "out/pcn-workbook.xlsx", sample: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new PcnError(`${a} needs a value.\n${USAGE}`);
      return v;
    };
    if (a === "--out") o.out = val();
    else if (a === "--year") o.year = val();
    else if (a === "--data") { o.data = val(); o.sample = false; }
    else if (a === "--empty") o.sample = false;
    else if (a === "--quiet") o.quiet = true;
    else if (a === "--help" || a === "-h") throw new PcnError(USAGE);
    else throw new PcnError(`Unknown option ${a}.\n${USAGE}`);
  }
  return o;
}

export async function writeWorkbook(o: CliOptions): Promise<{ file: string; warnings: string[]; sheets: number }> {
  const log = (s: string) => { if (!o.quiet) process.stderr.write(s); };
  let data: NetworkData | undefined;
  if (o.data) {
    const path = resolve(o.data);
    if (!existsSync(path)) throw new PcnError(`No such data file: ${path}`);
    let raw: unknown;
    try { raw = JSON.parse(readFileSync(path, "utf8")); } catch (e) { throw new PcnError(`${path} is not valid JSON: ${(e as Error).message}`); }
    const v = validateNetwork(raw);
    if (!v.ok) throw new PcnError(`The network data has problems:\n${v.errors.join("\n")}`);
    data = v.data;
  }
  const out = resolve(o.out);
  const wb = readWorkbookFile(out);
  if (wb.exists) log(`Rebuilding ${out}: what you typed is kept.\n`);
  const plan = buildPlan(wb.snapshot, { year: o.year, data, sample: o.sample && !o.data, today: o.today });
  const cells = plan.sheets.reduce((a, s) => a + s.blocks.reduce((b, k) => b + k.cells.length * (k.cells[0]?.length ?? 0), 0), 0);
  const big = cells > 50000; // a second or more: show progress
  const progress = big ? (d: number, t: number, name: string) => log(d < t ? `\r  writing sheets ${d}/${t} ${name.padEnd(20)}` : "\n  saving...\n") : undefined;
  await writeWorkbookFile(out, plan, wb, { progress, makeFolder: true });
  return { file: out, warnings: plan.warnings, sheets: plan.sheets.length };
}

async function main() {
  try {
    const o = parseArgs(process.argv.slice(2));
    const r = await writeWorkbook(o);
    for (const w of r.warnings) console.log(`Note: ${w}`);
    console.log(`Wrote ${r.file}`);
    console.log(o.sample && !o.data ? "(a fictional sample network: run with --data your-network.json for your own)" : "");
  } catch (e) {
    if (e instanceof PcnError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
}

if (process.argv[1] && /cli[\\/]main\.(ts|cjs)$/.test(process.argv[1])) void main();
