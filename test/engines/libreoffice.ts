/**
 * Recalculates an .xlsx in headless LibreOffice and reads back what it computed.
 * The profile forces a full recalculation on load (LibreOffice otherwise shows the cached
 * results stored in the file) and pins the locale to en-US so numbers and dates print the same
 * on every machine. Numbers come back with 15 significant digits, as LibreOffice stores them.
 * `today` (YYYY-MM-DD) runs soffice under faketime from noon that day, so TODAY() in LibreOffice is the date a
 * test pins for the core (a workbook's formulas use TODAY(); the core is given the same date).
 */
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isoToSerial } from "./hyperformula";

export type LoValue = number | string | boolean | null | { error: string };

const CANDIDATES = [
  process.env.SOFFICE_PATH,
  "/usr/bin/soffice",
  "/usr/local/bin/soffice",
  "/usr/lib/libreoffice/program/soffice",
  "/opt/libreoffice/program/soffice",
  "/Applications/LibreOffice.app/Contents/MacOS/soffice",
];

/** Path to soffice; throws (never skips) when LibreOffice is missing, since CI installs it. */
export function sofficePath(): string {
  for (const p of CANDIDATES) if (p && existsSync(p)) return p;
  for (const cmd of ["soffice", "libreoffice"]) {
    try {
      const p = execFileSync("which", [cmd], { encoding: "utf8" }).trim();
      if (p) return p;
    } catch {
      // not on PATH
    }
  }
  throw new Error(
    "LibreOffice (soffice) not found. Install it (apt-get install -y --no-install-recommends libreoffice-calc-nogui) or set SOFFICE_PATH.",
  );
}

// OOXML/ODF RecalcMode 0 = always recalculate on load.
const REGISTRY = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>en-US</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>en-US</value></prop></item>
</oor:items>
`;

// One profile per module instance (i.e. per test worker): first start is the slow part.
// Calls are serialised because one profile cannot serve two soffice processes at once.
let profileDir: string | undefined;
let queue: Promise<unknown> = Promise.resolve();

function profile(): string {
  if (!profileDir || !existsSync(profileDir)) {
    profileDir = mkdtempSync(join(tmpdir(), "pcn-lo-profile-"));
    mkdirSync(join(profileDir, "user"), { recursive: true });
    writeFileSync(join(profileDir, "user", "registrymodifications.xcu"), REGISTRY);
    const dir = profileDir;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return profileDir;
}

/** Options of every LibreOffice call: how long it may take, and the date TODAY() gives (the real one if left out). */
export interface LoOptions { timeoutMs?: number; today?: string }

let faketime: string | undefined;
/** The faketime command (libfaketime); throws (never skips) when it is missing, since CI installs it. */
function faketimePath(): string {
  if (faketime) return faketime;
  try {
    faketime = execFileSync("which", ["faketime"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    // not on PATH
  }
  if (!faketime) throw new Error("faketime not found: a test pins LibreOffice's date. Install it (apt-get install -y --no-install-recommends faketime).");
  return faketime;
}

/** The command line that starts soffice with `args`, under a pinned date when `today` is given. */
export function sofficeCommand(args: string[], today?: string): { cmd: string; args: string[] } {
  if (today === undefined) return { cmd: sofficePath(), args };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new Error(`LibreOffice: today must be YYYY-MM-DD, not ${JSON.stringify(today)}`);
  // Noon, so no time zone moves the date; the clock runs on from there (a stopped clock would stop soffice's timers).
  return { cmd: faketimePath(), args: [`${today} 12:00:00`, sofficePath(), ...args] };
}

/** Deletes this worker's LibreOffice profile (call from afterAll: test workers may not see process "exit"). */
export async function disposeLibreOffice(): Promise<void> {
  await queue;
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  profileDir = undefined;
}

/** Runs soffice with this worker's profile (serialised: one profile serves one soffice at a time). */
export function withSoffice<T>(fn: (profileUrl: string, run: (args: string[], timeoutMs: number, today?: string) => Promise<{ code: number | null; out: string }>) => Promise<T>): Promise<T> {
  const job = queue.then(() => fn(pathToFileURL(profile()).href, run));
  queue = job.catch(() => undefined);
  return job;
}

function run(args: string[], timeoutMs: number, today?: string): Promise<{ code: number | null; out: string }> {
  const command = sofficeCommand(args, today);
  return new Promise((resolve, reject) => {
    // C.UTF-8 keeps non-ASCII sheet names intact in output file names.
    const child = spawn(command.cmd, command.args, {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C.UTF-8", LANG: "C.UTF-8" },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      profileDir = undefined; // a killed instance can leave the profile locked
      reject(new Error(`LibreOffice timed out after ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Converts a copy of `file` (named book.xlsx) with the given filter; returns the output dir and log. */
async function convert(file: string, target: string, timeoutMs: number, today?: string): Promise<{ dir: string; log: string }> {
  const job = queue.then(async () => {
    const dir = mkdtempSync(join(tmpdir(), "pcn-lo-job-"));
    try {
      const src = join(dir, "book.xlsx");
      copyFileSync(file, src);
      const outDir = join(dir, "out");
      const { code, out } = await run(
        [`-env:UserInstallation=${pathToFileURL(profile()).href}`, "--headless", "--norestore", "--convert-to", target, "--outdir", outDir, src],
        timeoutMs,
        today,
      );
      if (code !== 0 || !existsSync(outDir) || readdirSync(outDir).length === 0) {
        throw new Error(`LibreOffice could not convert ${file} (exit ${code}):\n${out}`);
      }
      return { dir, log: out };
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  });
  queue = job.catch(() => undefined);
  return job;
}

// Tokens: separator 44 (,), quote 34 ("), charset 76 (UTF-8), start row 1, cell format, language,
// quoted as text, detect numbers, save as shown = false (unformatted numbers),
// export formulas = false, remove spaces = false, sheet -1 = every sheet to book-<Sheet>.csv.
const CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1";

/**
 * Sheet name -> rows of cell texts after a full recalculation. Numbers are unformatted
 * ("1234567.891", "1E-020"), but percentages keep "%" and dates print as MM/DD/YYYY;
 * use recalcXlsxRaw for typed values.
 */
export async function recalcXlsx(file: string, { timeoutMs = 90_000, today }: LoOptions = {}): Promise<Record<string, string[][]>> {
  const { dir, log } = await convert(file, CSV_FILTER, timeoutMs, today);
  try {
    const outDir = join(dir, "out");
    const files = readdirSync(outDir).filter((f) => f.startsWith("book-") && f.endsWith(".csv"));
    // The log lists sheets in workbook order ("Writing sheet X -> path"); file names are the fallback.
    const logged = [...log.matchAll(/^Writing sheet (.*) -> .*\/book-\1\.csv$/gm)].map((m) => m[1]);
    const names = [...logged, ...files.map((f) => f.slice(5, -4)).filter((n) => !logged.includes(n))];
    const result: Record<string, string[][]> = {};
    for (const name of names) result[name] = parseCsv(readFileSync(join(outDir, `book-${name}.csv`), "utf8"));
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RFC 4180 parsing; trailing all-empty rows (LibreOffice pads to the used range) are dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
    } else if (ch === '"' && field === "") {
      quoted = true;
      i++;
    } else if (ch === ",") {
      row.push(field);
      field = "";
      i++;
    } else if (ch === "\n" || ch === "\r") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== "" || row.length) rows.push([...row, field]);
  while (rows.length && rows[rows.length - 1].every((f) => f === "")) rows.pop();
  return rows;
}

/** Number from a recalcXlsx cell text: plain, scientific, percent, or MM/DD/YYYY date (as a serial). */
export function loNumber(text: string): number {
  const t = text.trim();
  const date = /^(\d{2})\/(\d{2})\/(\d{4})(?: (\d{2}:\d{2}(?::\d{2})?))?$/.exec(t);
  if (date) return isoToSerial(`${date[3]}-${date[1]}-${date[2]}${date[4] ? `T${date[4]}` : ""}`);
  const n = t.endsWith("%") ? Number(t.slice(0, -1)) / 100 : Number(t);
  if (t === "" || Number.isNaN(n)) throw new Error(`Not a number: ${JSON.stringify(text)}`);
  return n;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) =>
    e[0] === "#"
      ? String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
      : (ENTITIES[e] ?? m),
  );

function attrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w:.-]+)="([^"]*)"/g)) out[m[1]] = decode(m[2]);
  return out;
}

function duration(iso: string): number {
  const m = /^-?PT?(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(iso);
  if (!m) throw new Error(`Unexpected time value ${iso}`);
  const days = (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) / 86_400;
  return iso.startsWith("-") ? -days : days;
}

function cellValue(a: Record<string, string>, text: string): LoValue {
  if (a["calcext:value-type"] === "error") return { error: text };
  switch (a["office:value-type"]) {
    case "float":
    case "percentage":
    case "currency":
      return Number(a["office:value"]);
    case "date":
      return isoToSerial(a["office:date-value"]);
    case "time":
      return duration(a["office:time-value"]);
    case "boolean":
      return a["office:boolean-value"] === "true";
    case "string":
      return a["office:string-value"] ?? text;
    default:
      // A formula returning "" has no value type.
      return a["table:formula"] ? text : null;
  }
}

/** Parses the sheets of a flat ODS (.fods) into typed values, without expanding repeated empty rows/cells. */
export function parseFods(xml: string): Record<string, LoValue[][]> {
  const result: Record<string, LoValue[][]> = {};
  let rows: LoValue[][] = [];
  let row: LoValue[] = [];
  let rowRepeat = 1;
  let pendingRows = 0; // empty rows not yet materialised
  let pendingCells = 0;
  let cell: { a: Record<string, string>; repeat: number; paras: string[] } | undefined;
  let inPara = false;
  let skipDepth = 0; // inside office:annotation

  const pushCells = (v: LoValue, n: number) => {
    if (v === null) {
      pendingCells += n;
      return;
    }
    for (; pendingCells > 0; pendingCells--) row.push(null);
    for (let k = 0; k < n; k++) row.push(v);
  };

  for (const m of xml.matchAll(/<(\/?)([\w:.-]+)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g)) {
    const [, close, tag, rawAttrs, selfClose, text] = m;
    if (text !== undefined) {
      if (cell && inPara && !skipDepth) cell.paras[cell.paras.length - 1] += decode(text);
      continue;
    }
    if (tag === "office:annotation") {
      if (!selfClose) skipDepth += close ? -1 : 1;
      continue;
    }
    if (skipDepth) continue;
    const a = close ? {} : attrs(rawAttrs);
    switch (tag) {
      case "table:table":
        if (!close) {
          rows = [];
          pendingRows = 0;
          result[a["table:name"]] = rows;
        }
        break;
      case "table:table-row":
        if (!close) {
          row = [];
          pendingCells = 0;
          rowRepeat = Number(a["table:number-rows-repeated"] ?? 1);
        }
        if (close || selfClose) {
          if (row.length === 0) pendingRows += rowRepeat;
          else {
            for (; pendingRows > 0; pendingRows--) rows.push([]);
            for (let k = 0; k < rowRepeat; k++) rows.push(k ? [...row] : row);
          }
        }
        break;
      case "table:table-cell":
      case "table:covered-table-cell":
        if (!close) cell = { a, repeat: Number(a["table:number-columns-repeated"] ?? 1), paras: [] };
        if ((close || selfClose) && cell) {
          pushCells(cellValue(cell.a, cell.paras.join("\n")), cell.repeat);
          cell = undefined;
        }
        break;
      case "text:p":
        if (cell && !close) cell.paras.push("");
        inPara = !close && !selfClose;
        break;
      case "text:s":
        if (cell && inPara) cell.paras[cell.paras.length - 1] += " ".repeat(Number(a["text:c"] ?? 1));
        break;
      case "text:tab":
        if (cell && inPara) cell.paras[cell.paras.length - 1] += "\t";
        break;
      case "text:line-break":
        if (cell && inPara) cell.paras[cell.paras.length - 1] += "\n";
        break;
    }
  }
  return result;
}

/** Sheet name -> rows of typed values (dates as serials, errors as { error }) after a full recalculation. */
export async function recalcXlsxRaw(file: string, { timeoutMs = 90_000, today }: LoOptions = {}): Promise<Record<string, LoValue[][]>> {
  const { dir } = await convert(file, "fods", timeoutMs, today);
  try {
    return parseFods(readFileSync(join(dir, "out", "book.fods"), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
