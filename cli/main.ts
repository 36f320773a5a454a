/**
 * `npm run workbook -- [--out file.xlsx] [--year 2026/27] [--data network.json] [--rates rates.json] [--empty] [--lock-statement "Q2 2026/27"]`
 * Writes the PCN workbook offline. Rebuilding into an existing file keeps what people typed there.
 * Everything is checked before anything is written; every refusal or failure is one sentence on stderr.
 */
import { existsSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { basename, resolve } from "node:path";
import { PcnError } from "../core/errors";
import { defaultYear, longDate, normaliseYear, YEAR_LABELS } from "../core/rates/book";
import { todayIso } from "../core/funding/dates";
import { checkRatesFile } from "../core/rates/file";
import { buildPlan, SAMPLE_REFUSAL, workbookContext } from "../core/workbook/build";
import { lockStatementPlan } from "../core/workbook/statement";
import { readMeta } from "../core/workbook/engine";
import { addRatesFile } from "../core/workbook/ratesPlan";
import { validateNetwork, type NetworkData } from "../core/workbook/data";
import type { DataConflict } from "../core/workbook/plan";
import { checkTarget, fsSentence, readWorkbookBuffer, readWorkbookFile, writeWorkbookBuffer, writeWorkbookFile } from "./workbookFile";

export { fsSentence };

export interface CliOptions { out: string; year?: string; data?: string; rates?: string; sample: boolean; quiet?: boolean; today?: string; help?: boolean; lockStatement?: string }

export const DEFAULT_OUT = "out/pcn-workbook.xlsx";

/** Who runs the command, for the change journal: the login name, where the system gives one. */
function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    return "";
  }
}

export const USAGE = `Usage: npm run workbook -- [--out file.xlsx] [--year 2026/27] [--data network.json] [--rates rates.json] [--empty] [--lock-statement "Q2 2026/27"]
  --out    where to write the workbook (default: ${DEFAULT_OUT}); its folder must exist. If the file exists, it
           is rebuilt in place: everything typed into it is kept.
  --year   financial year (${YEAR_LABELS.join(", ")}). Default: an existing workbook keeps its year; a new one
           is for today's financial year (the newest shipped, said plainly, if today's is not shipped)
  --data   your network as JSON (see docs/network-data.md). Rebuilding with it updates what the file gives,
           except values you changed in the workbook (each conflict is listed).
  --rates  a rates file (docs/rates-file.md) whose figures go into the Rates and ARRS Rates sheets; it is
           checked first, and nothing is written if it has any problem
  --empty  a new workbook with empty sheets (without --data, a new workbook gets the fictional sample network)
  --lock-statement "Q2 2026/27"
           after building, freeze that period's money to practices as values in a statement sheet of its own,
           which no build rewrites (a month such as "Apr 2026", a quarter, or "Year 2026/27"); nothing is
           written if the period cannot be locked
  --help   show this help`;

/** Reads the command line. `--help` gives `help: true` (the caller prints USAGE and exits 0). */
export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { out: DEFAULT_OUT, sample: true };
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
    else if (a === "--lock-statement") o.lockStatement = val();
    else if (a === "--quiet") o.quiet = true;
    else if (a === "--help" || a === "-h") o.help = true;
    else throw new PcnError(`Unknown option ${a}.\n${USAGE}`);
  }
  return o;
}

/** Which workbook this was, for the closing line. */
export type Outcome = "new sample" | "new from data" | "new empty" | "rebuilt" | "rebuilt with data" | "rebuilt sample";

export interface CliResult {
  file: string; warnings: string[]; sheets: number; outcome: Outcome; conflicts: DataConflict[]; updates: number;
  year: string;
  /** Why that year: the --year option, the workbook's own year, the rates file's, or today's. */
  yearReason: string;
  /** Cells the rates file changed, one line each, and what it held that was not loaded. */
  rateChanges: string[];
  rateNotes: string[];
  /** The statement --lock-statement made, and what to know about it. */
  statement?: { period: string; sheet: string; warnings: string[] };
}

/** Where to write: an .xlsx name in a folder that exists (only the default out/ folder is made). */
function checkOut(outArg: string): { out: string; makeFolder: boolean } {
  const out = resolve(outArg);
  if (!/\.xlsx$/i.test(out)) throw new PcnError(`--out must name an .xlsx file (${basename(out)} does not end in .xlsx); nothing was written.`);
  const makeFolder = out === resolve(DEFAULT_OUT);
  checkTarget(out, { makeFolder });
  return { out, makeFolder };
}

/** Reads the data file's JSON (checked later, with the workbook it goes into). */
function readData(file: string): { path: string; raw: unknown } {
  const path = resolve(file);
  if (!existsSync(path)) throw new PcnError(`No such data file: ${path}`);
  let text: string;
  try { text = readFileSync(path, "utf8"); } catch (e) { throw new PcnError(fsSentence(e, `The data file ${path} cannot be read`)); }
  try { return { path, raw: JSON.parse(text) }; } catch (e) { throw new PcnError(`${path} is not valid JSON: ${(e as Error).message}`); }
}

export async function writeWorkbook(o: CliOptions): Promise<CliResult> {
  const log = (s: string) => { if (!o.quiet) process.stderr.write(s); };
  // Everything is checked before anything is written, and nothing is said that a later refusal would contradict.
  const { out, makeFolder } = checkOut(o.out);
  const input = o.data ? readData(o.data) : undefined;
  // The reader refuses a file that is not an .xlsx workbook (or cannot be read) with a sentence.
  const wb = readWorkbookFile(out);
  const existed = wb.exists;
  const snapshot = wb.snapshot;
  let data: NetworkData | undefined;
  let ratesText: string | undefined;
  if (o.rates) {
    const path = resolve(o.rates);
    if (!existsSync(path)) throw new PcnError(`No such rates file: ${path}`);
    try { ratesText = readFileSync(path, "utf8"); } catch (e) { throw new PcnError(fsSentence(e, `The rates file ${path} cannot be read`)); }
  }
  // Which year, and why: said in the output.
  const workbookYear = readMeta(snapshot).year;
  let year = o.year ? normaliseYear(o.year) : workbookYear;
  let yearReason = o.year ? "as asked" : workbookYear ? "the year this workbook was built for" : "";
  const dataYear = (input?.raw as { year?: unknown } | undefined)?.year;
  if (!year && typeof dataYear === "string") { year = normaliseYear(dataYear); yearReason = "the data file's year"; }
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
  const context = workbookContext(snapshot, year);
  if (input && existed && context.sample) throw new PcnError(SAMPLE_REFUSAL);
  if (input) {
    // Practices, partnerships and ARRS roles the workbook already holds may be named too.
    const held = existed ? { practices: context.practices, partnerships: context.partnerships, roles: context.roles } : {};
    const v = validateNetwork(input.raw, { ...held, year });
    if (!v.ok) throw new PcnError(`The network data in ${input.path} has ${v.errors.length === 1 ? "a problem" : `${v.errors.length} problems`}; nothing was written:\n${v.errors.join("\n")}`);
    data = v.data;
  }
  // The sample goes only into a new workbook (or new sheets of the sample workbook): never into yours.
  const sample = o.sample && !o.data && (!existed || context.sample);
  const plan = buildPlan(snapshot, { year, data, sample, today: o.today, journal: { host: "Offline command", user: loginName() } });
  let rateChanges: string[] = [];
  let rateNotes: string[] = [];
  if (ratesText !== undefined) {
    // Planned on the workbook as this build leaves it; its cells are written with the build's, in one write.
    const rp = addRatesFile(plan, snapshot, ratesText);
    if (rp.problems.length) throw new PcnError(`The rates file ${resolve(o.rates!)} could not be loaded; nothing was written:\n${rp.problems.map((p) => `- ${p}`).join("\n")}`);
    rateChanges = rp.changes;
    rateNotes = rp.notes;
  }
  const cells = plan.sheets.reduce((a, s) => a + s.blocks.reduce((b, k) => b + k.cells.length * (k.cells[0]?.length ?? 0), 0), 0);
  const big = cells > 50000; // a second or more: show progress
  const progress = big ? (d: number, t: number, name: string) => log(d < t ? `\r  writing sheets ${d}/${t} ${name.padEnd(20)}` : "\n  saving...\n") : undefined;
  // A period's statement is planned from the workbook as this build leaves it: the build is written in memory
  // and read back, the statement planned from that (a refusal is a sentence, and nothing is written), and the
  // file replaced once, with both.
  let statement: CliResult["statement"];
  let final = { plan, from: wb };
  if (o.lockStatement !== undefined) {
    const built = readWorkbookBuffer(await writeWorkbookBuffer(plan, wb, progress), out);
    const l = lockStatementPlan(built.snapshot, o.lockStatement, { today: o.today });
    statement = { period: l.period, sheet: l.sheet, warnings: l.warnings };
    final = { plan: l.plan, from: built };
  }
  // The new file replaces the old one only once it is completely written (see cli/workbookFile.ts).
  await writeWorkbookFile(out, final.plan, final.from, { progress: statement ? undefined : progress, makeFolder });
  const outcome: Outcome = existed
    ? (context.sample ? "rebuilt sample" : data ? "rebuilt with data" : "rebuilt")
    : (data ? "new from data" : sample ? "new sample" : "new empty");
  return {
    file: out, warnings: plan.warnings.filter((w) => w !== yearReason), sheets: plan.sheets.length, outcome, conflicts: plan.conflicts ?? [], updates: plan.dataUpdates ?? 0,
    year: plan.year, yearReason, rateChanges, rateNotes, statement,
  };
}

/** The command's last line: what was written, and which case it was. */
export function closingLine(r: CliResult): string {
  const n = (k: number, one: string, many = one + "s") => `${k} ${k === 1 ? one : many}`;
  switch (r.outcome) {
    case "new sample": return `Wrote ${r.file}: a new workbook with the fictional sample network (run with --data your-network.json, and a new --out, for your own).`;
    case "new from data": return `Wrote ${r.file}: a new workbook from your data.`;
    case "new empty": return `Wrote ${r.file}: a new workbook with empty sheets.`;
    case "rebuilt sample": return `Rebuilt ${r.file}: the fictional sample workbook, with everything typed into it kept.`;
    case "rebuilt": return `Rebuilt ${r.file}: your workbook, with everything you typed kept.`;
    case "rebuilt with data": return `Rebuilt ${r.file} with your data: ${n(r.updates, "value")} updated from the file; ${r.conflicts.length ? `${n(r.conflicts.length, "value")} you changed kept over the file's (listed above)` : "no value you changed was overruled"}; everything else you typed is kept.`;
  }
}

/** The command: prints what it did (stdout) or one sentence why not (stderr), and gives the exit code. */
export async function runCli(argv: string[], stdout: (s: string) => void = (s) => process.stdout.write(s), stderr: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  try {
    const o = parseArgs(argv);
    if (o.help) { stdout(USAGE + "\n"); return 0; }
    const r = await writeWorkbook(o);
    stdout((/^[a-z]/.test(r.yearReason) ? `Financial year ${r.year} (${r.yearReason}).` : `Financial year ${r.year}. ${r.yearReason}`) + "\n");
    for (const w of r.warnings) stdout(`Note: ${w}\n`);
    if (o.rates) {
      stdout((r.rateChanges.length ? `The rates file changed ${r.rateChanges.length} cell${r.rateChanges.length === 1 ? "" : "s"}:` : "The rates file changed no cell: the workbook already holds its figures.") + "\n");
      for (const c of r.rateChanges) stdout(`  ${c}\n`);
      for (const n of r.rateNotes) stdout(`  ${n}\n`);
    }
    for (const c of r.conflicts) stdout(`Kept your value: ${c.sheet} row ${c.row}${c.ref ? ` (${c.ref})` : ""}, ${c.field}: yours ${c.yours}, the data file's ${c.file}.\n`);
    if (r.statement) {
      stdout(`Locked ${r.statement.period}: its statement is the sheet "${r.statement.sheet}" (values; no build rewrites it).\n`);
      for (const w of r.statement.warnings) stdout(`  ${w}\n`);
    }
    stdout(closingLine(r) + "\n");
    return 0;
  } catch (e) {
    if (e instanceof PcnError) {
      stderr(e.message + "\n");
      return 2;
    }
    // Whatever else went wrong is still a sentence, never a stack trace.
    const detail = (e as NodeJS.ErrnoException)?.code ? fsSentence(e, "a file could not be used") : `${(e as Error)?.message ?? String(e)}.`;
    stderr(`The workbook could not be built: ${detail} Nothing was written.\n`);
    return 1;
  }
}

// Run as a script: `tsx cli/main.ts`, or the pre-built dist/cli/main.cjs that `npm run workbook` runs.
if (process.argv[1] && /cli[\\/]main\.(ts|cjs)$/.test(process.argv[1])) void runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });
