/**
 * `npm run workbook -- [--out file.xlsx] [--year 2026/27] [--data network.json] [--rates rates.json]`
 * Writes the PCN workbook offline. Rebuilding into an existing file keeps what people typed there.
 */
import ExcelJS from "exceljs";
import { existsSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { resolve } from "node:path";
import { PcnError } from "../core/errors";
import { defaultYear, longDate, normaliseYear, YEAR_LABELS } from "../core/rates/book";
import { todayIso } from "../core/funding/dates";
import { checkRatesFile } from "../core/rates/file";
import { buildPlan } from "../core/workbook/build";
import { readMeta } from "../core/workbook/engine";
import { planRatesFile } from "../core/workbook/ratesPlan";
import { validateNetwork, type NetworkData } from "../core/workbook/data";
import { addCharts } from "./xlsxCharts";
import { applyPlan, snapshotOf } from "./writer";

export interface CliOptions { out: string; year?: string; data?: string; rates?: string; sample: boolean; quiet?: boolean; today?: string }

const USAGE = `Usage: npm run workbook -- [--out file.xlsx] [--year 2026/27] [--data network.json] [--rates rates.json] [--empty]
  --out    where to write the workbook (default: out/pcn-workbook.xlsx). If it exists, it is rebuilt in place:
           everything typed into it is kept.
  --year   financial year (${YEAR_LABELS.join(", ")}). Default: an existing workbook keeps its year; a new one
           is for today's financial year (the newest shipped, said plainly, if today's is not shipped)
  --data   your network as JSON (see docs/network-data.md); without it, a fictional sample network is used
  --rates  a rates file (docs/rates-file.md) whose figures go into the Rates and ARRS Rates sheets; it is
           checked first, and nothing is written if it has any problem
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
    else if (a === "--rates") o.rates = val();
    else if (a === "--empty") o.sample = false;
    else if (a === "--quiet") o.quiet = true;
    else if (a === "--help" || a === "-h") throw new PcnError(USAGE);
    else throw new PcnError(`Unknown option ${a}.\n${USAGE}`);
  }
  return o;
}

export interface WriteResult {
  file: string;
  warnings: string[];
  sheets: number;
  year: string;
  /** Why that year: the --year option, the workbook's own year, the rates file's, or today's. */
  yearReason: string;
  /** Cells the rates file changed, one line each, and what it held that was not loaded. */
  rateChanges: string[];
  rateNotes: string[];
}

export async function writeWorkbook(o: CliOptions): Promise<WriteResult> {
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
  let ratesText: string | undefined;
  if (o.rates) {
    const path = resolve(o.rates);
    if (!existsSync(path)) throw new PcnError(`No such rates file: ${path}`);
    ratesText = readFileSync(path, "utf8");
  }
  const out = resolve(o.out);
  const wb = new ExcelJS.Workbook();
  if (existsSync(out)) {
    try { await wb.xlsx.readFile(out); } catch (e) { throw new PcnError(`${out} exists but could not be read as .xlsx (${(e as Error).message}); nothing was written.`); }
    log(`Rebuilding ${out}: what you typed is kept.\n`);
  } else {
    wb.creator = "PCN Toolkit";
  }
  // Which year, and why: said in the output.
  const workbookYear = readMeta(snapshotOf(wb)).year;
  let year = o.year ? normaliseYear(o.year) : workbookYear;
  let yearReason = o.year ? "as asked" : workbookYear ? "the year this workbook was built for" : "";
  if (ratesText !== undefined) {
    // Checked before anything is built: a file with any problem writes nothing.
    const pre = checkRatesFile(ratesText, year);
    if (pre.problems.length) throw new PcnError(`The rates file ${resolve(o.rates!)} has ${pre.problems.length} problem${pre.problems.length === 1 ? "" : "s"}; nothing was written:\n${pre.problems.map((p) => `- ${p}`).join("\n")}`);
    if (!year) { year = pre.file!.year; yearReason = "the rates file's year"; }
  }
  if (!year) {
    const d = defaultYear(o.today);
    year = d.year;
    yearReason = d.note ?? `the financial year of today, ${longDate(o.today ?? todayIso())}`;
  }
  const plan = buildPlan(snapshotOf(wb), { year, data, sample: o.sample && !o.data, today: o.today });
  const cells = plan.sheets.reduce((a, s) => a + s.blocks.reduce((b, k) => b + k.cells.length * (k.cells[0]?.length ?? 0), 0), 0);
  const big = cells > 50000; // a second or more: show progress
  applyPlan(wb, plan, big ? (d, t, name) => log(`\r  writing sheets ${d}/${t} ${name.padEnd(20)}`) : undefined);
  let rateChanges: string[] = [];
  let rateNotes: string[] = [];
  if (ratesText !== undefined) {
    const rp = planRatesFile(snapshotOf(wb), ratesText);
    if (rp.problems.length) throw new PcnError(`The rates file ${resolve(o.rates!)} could not be loaded; nothing was written:\n${rp.problems.map((p) => `- ${p}`).join("\n")}`);
    for (const w of rp.writes) wb.getWorksheet(w.sheet)!.getCell(w.row + 1, w.col + 1).value = w.value; // strings stay text in exceljs
    rateChanges = rp.changes;
    rateNotes = rp.notes;
  }
  // exceljs stores formulas without results: ask every spreadsheet program to calculate them all on opening.
  wb.calcProperties = { ...(wb.calcProperties ?? {}), fullCalcOnLoad: true };
  if (big) log("\n  saving...\n");
  let buf: Buffer = Buffer.from(await wb.xlsx.writeBuffer());
  const charts = plan.sheets.flatMap((s) => s.charts.map((chart) => ({ sheet: s.name, chart })));
  if (charts.length) buf = await addCharts(buf, charts);
  // Write beside and rename, so a failure never leaves a half-written file.
  const { mkdirSync } = await import("node:fs");
  mkdirSync(resolve(out, ".."), { recursive: true });
  const tmp = out + ".tmp";
  writeFileSync(tmp, buf);
  renameSync(tmp, out);
  return { file: out, warnings: plan.warnings.filter((w) => w !== yearReason), sheets: plan.sheets.length, year: plan.year, yearReason, rateChanges, rateNotes };
}

async function main() {
  try {
    const o = parseArgs(process.argv.slice(2));
    const r = await writeWorkbook(o);
    console.log(/^[a-z]/.test(r.yearReason) ? `Financial year ${r.year} (${r.yearReason}).` : `Financial year ${r.year}. ${r.yearReason}`);
    for (const w of r.warnings) console.log(`Note: ${w}`);
    if (o.rates) {
      console.log(r.rateChanges.length ? `The rates file changed ${r.rateChanges.length} cell${r.rateChanges.length === 1 ? "" : "s"}:` : "The rates file changed no cell: the workbook already holds its figures.");
      for (const c of r.rateChanges) console.log(`  ${c}`);
      for (const n of r.rateNotes) console.log(`  ${n}`);
    }
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

if (process.argv[1] && /cli[\\/]main\.ts$/.test(process.argv[1])) void main();
