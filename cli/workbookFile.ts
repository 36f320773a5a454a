/**
 * The offline host's files: read an .xlsx into the snapshot the plan engine needs, and write a plan into it.
 *
 *   const wb = readWorkbookFile(path);             // a new workbook when the file does not exist
 *   const plan = buildPlan(wb.snapshot, options);
 *   await writeWorkbookFile(path, plan, wb);       // atomic: the old file stays whole until the new one is
 *
 * Writing patches the file's package: our sheets' cells, rules and charts, the names we own and the styles we
 * need change; every other part (other sheets, a person's charts, images, comments, pivot tables, macros'
 * parts, extensions) is copied byte for byte. See docs/design.md, "The offline writer".
 *
 * Every failure is a PcnError with a sentence (an unreadable or foreign file, a folder that cannot be written,
 * a full disk); a failed write leaves no temporary file and the old workbook as it was.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, chmodSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { PcnError } from "../core/errors";
import type { WorkbookSnapshot, WritePlan } from "../core/workbook/plan";
import { Package } from "./xlsx/package";
import { openBook, readSnapshot, type Book, type ReadStats } from "./xlsx/read";
import { applyPlan, newPackage, type ApplyProgress } from "./xlsx/write";
import { MemorySink, type ZipSink } from "./xlsx/zip";

export type { ApplyProgress, ReadStats };

export interface OpenedWorkbook {
  /** What the file holds, for the plan engine (empty for a new workbook). */
  snapshot: WorkbookSnapshot;
  /** True when the file existed and was read. */
  exists: boolean;
  /** Rows and cells the reader visited: bounded by what the file holds. */
  stats: ReadStats;
  /** The package the plan is written into (consumed by one write). */
  readonly book: Book | null;
}

/** Reads a workbook from bytes (a file's contents); `what` names it in refusals. */
export function readWorkbookBuffer(buf: Buffer, what = "The workbook"): OpenedWorkbook {
  if (buf.length >= 4 && buf.readUInt32BE(0) === 0xd0cf11e0) {
    throw new PcnError(`${what} is not an .xlsx workbook this command can open (it is protected with a password, or an old .xls); nothing was written. Open it in Excel or LibreOffice and save it as an unprotected .xlsx, then build again.`);
  }
  const stats: ReadStats = { rows: 0, cells: 0 };
  try {
    const book = openBook(Package.open(buf, what));
    return { snapshot: readSnapshot(book, stats), exists: true, stats, book };
  } catch (e) {
    if (e instanceof PcnError) throw e;
    throw new PcnError(`${what} could not be read as an .xlsx workbook (${(e as Error).message}); nothing was written.`);
  }
}

/** Reads the workbook at `path`, or an empty one when no file is there. */
export function readWorkbookFile(path: string): OpenedWorkbook {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { snapshot: { sheets: [] }, exists: false, stats: { rows: 0, cells: 0 }, book: null };
    throw new PcnError(fsSentence(e, `${path} cannot be read`) + " Nothing was written.");
  }
  return readWorkbookBuffer(buf, path);
}

/** Applies the plan and writes the package to a sink (the plan's cells are released as each sheet is written). */
async function writeTo(sink: ZipSink, plan: WritePlan, from: OpenedWorkbook, progress?: ApplyProgress): Promise<void> {
  const book = from.book ?? openBook(newPackage());
  (from as { book: Book | null }).book = null; // one write per opened workbook: the package is changed in place
  // A PcnError is a sentence about the plan or the file; anything else is a fault of ours, which the command
  // reports as such (exit code 1), never as something the person can fix.
  applyPlan(book, plan, from.snapshot, progress);
  await book.pkg.save(sink);
}

/** The rebuilt workbook as bytes (for tests and hosts that keep files in memory). */
export async function writeWorkbookBuffer(plan: WritePlan, from: OpenedWorkbook, progress?: ApplyProgress): Promise<Buffer> {
  const sink = new MemorySink();
  await writeTo(sink, plan, from, progress);
  return sink.buffer();
}

/** Writes through the page cache in 1 MB runs. */
class FileSink implements ZipSink {
  private pending: Buffer[] = [];
  private size = 0;
  constructor(private fd: number) {}
  write(chunk: Buffer): void {
    this.pending.push(chunk);
    this.size += chunk.length;
    if (this.size >= 1 << 20) this.flush();
  }
  flush(): void {
    if (!this.size) return;
    const b = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
    this.pending = [];
    this.size = 0;
  }
}

export interface WriteOptions {
  /** Called as each sheet starts (done < total) and when the last part is written (done === total). */
  progress?: ApplyProgress;
  /** Create the folder (and its parents) when missing; otherwise a missing folder is refused. */
  makeFolder?: boolean;
}

const TMP = /^\.(.+)\.(\d+)\.[0-9a-f]+\.pcn-tmp$/;

/**
 * Checks that `path` can be written before any work is done: its folder exists (or may be made), is a folder,
 * and `path` is not itself a folder. Throws a PcnError sentence.
 */
export function checkTarget(path: string, opts: { makeFolder?: boolean } = {}): void {
  const dir = dirname(path);
  const no = (why: string) => new PcnError(`Cannot write ${path}: ${why}; nothing was written.`);
  try {
    if (!statSync(dir).isDirectory()) throw no(`${dir} is a file, not a folder`);
  } catch (e) {
    if (e instanceof PcnError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && opts.makeFolder) {
      // The folder will be made: but not under a file.
      for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
        try { if (!statSync(d).isDirectory()) throw no(`part of ${dir} is a file, not a folder`); break; } catch (x) { if (x instanceof PcnError) throw x; }
      }
      return;
    }
    if (code === "ENOENT") throw no(`the folder ${dir} does not exist (create it first, or give another --out)`);
    if (code === "ENOTDIR") throw no(`part of ${dir} is a file, not a folder`);
    throw new PcnError(fsSentence(e, `Cannot write ${path}`) + " Nothing was written.");
  }
  try {
    if (statSync(path).isDirectory()) throw no("it is a folder, not a file");
  } catch (e) {
    if (e instanceof PcnError) throw e;
  }
}

/**
 * Writes the plan into `path` atomically: a temporary file in the same folder, flushed to disk, then renamed
 * over the old one (and the folder flushed). Interrupted at any moment, `path` holds either the old workbook or
 * the new one, never a mixture; a failure removes the temporary file. The plan's cells are released as each
 * sheet is written (its names, warnings and sheet list stay), and `from` can be written only once.
 */
export async function writeWorkbookFile(path: string, plan: WritePlan, from: OpenedWorkbook, opts: WriteOptions = {}): Promise<void> {
  const { progress } = opts;
  const dir = dirname(path);
  checkTarget(path, opts);
  if (opts.makeFolder) {
    try { mkdirSync(dir, { recursive: true }); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new PcnError(code === "ENOTDIR" || code === "EEXIST" ? `Cannot write ${path}: part of ${dir} is a file, not a folder; nothing was written.` : fsSentence(e, `The folder ${dir} could not be made`) + " Nothing was written.");
    }
  }
  let mode: number | undefined;
  try { mode = statSync(path).mode & 0o7777; } catch { /* a new file */ }
  const failed = (e: unknown) => new PcnError(fsSentence(e, `${path} could not be written`) + (mode !== undefined ? " The workbook that was there is unchanged." : " Nothing was written."));
  removeStaleTemps(dir, basename(path));
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Math.floor(Math.random() * 0xffffffff).toString(16)}.pcn-tmp`);
  let fd: number | undefined;
  const cleanup = () => {
    if (fd !== undefined) { try { closeSync(fd); } catch { /* already closed */ } fd = undefined; }
    try { unlinkSync(tmp); } catch { /* never created or already gone */ }
  };
  // Ctrl-C or a kill during the write: remove the temporary file, then stop as the signal asks.
  const onSignal = (sig: NodeJS.Signals) => { cleanup(); process.kill(process.pid, sig); };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) process.once(s, onSignal);
  try {
    try {
      fd = openSync(tmp, "wx", 0o666);
    } catch (e) {
      throw failed(e);
    }
    const sink = new FileSink(fd);
    await writeTo(sink, plan, from, progress);
    try {
      sink.flush();
      if (mode !== undefined) chmodSync(tmp, mode);
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      renameSync(tmp, path);
    } catch (e) {
      throw failed(e);
    }
    try {
      const dfd = openSync(dir, "r");
      try { fsyncSync(dfd); } finally { closeSync(dfd); }
    } catch {
      // Folders cannot be opened for flushing everywhere (Windows); the rename itself is already done.
    }
  } catch (e) {
    cleanup();
    // A file system's refusal (while the sink wrote, say) is a sentence; anything else is reported as it is.
    if (!(e instanceof PcnError) && (e as NodeJS.ErrnoException)?.code) throw failed(e);
    throw e;
  } finally {
    for (const s of signals) process.removeListener(s, onSignal);
  }
}

/** Temporary files of earlier runs that were killed (their process is gone). */
function removeStaleTemps(dir: string, base: string): void {
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const n of names) {
    const m = TMP.exec(n);
    if (!m || m[1] !== base) continue;
    const pid = Number(m[2]);
    let alive = pid === process.pid;
    if (!alive) try { process.kill(pid, 0); alive = true; } catch (e) { alive = (e as NodeJS.ErrnoException).code === "EPERM"; }
    if (!alive) try { unlinkSync(join(dir, n)); } catch { /* someone else removed it */ }
  }
}

/** A failure of the file system as one sentence: `${what}: why.` */
export function fsSentence(e: unknown, what: string): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "EACCES": case "EPERM": return `${what}: permission denied (is the folder or file read-only?).`;
    case "EROFS": return `${what}: the disk is read-only.`;
    case "ENOSPC": return `${what}: the disk is full.`;
    case "EDQUOT": return `${what}: the disk quota is used up.`;
    case "ENOTDIR": return `${what}: part of that path is a file, not a folder.`;
    case "EISDIR": return `${what}: that is a folder, not a file.`;
    case "ENOENT": return `${what}: no such file or folder.`;
    case "EMFILE": case "ENFILE": return `${what}: too many files are open.`;
    case "ENAMETOOLONG": return `${what}: the path is too long.`;
    case "EBUSY": case "ETXTBSY": return `${what}: the file is in use by another program (close it there and try again).`;
    case "EIO": return `${what}: the disk reported an input/output error.`;
    default: return `${what} (${code ?? (e as Error)?.message ?? String(e)}).`;
  }
}
