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
    throw new PcnError(`${what} is an old-format .xls workbook or a password-protected one; open it in Excel or LibreOffice and save it as an unprotected .xlsx, then build again. Nothing was written.`);
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
    throw new PcnError(fsMessage(e as NodeJS.ErrnoException, `read ${path}`));
  }
  return readWorkbookBuffer(buf, path);
}

/** Applies the plan and writes the package to a sink (the plan's cells are released as each sheet is written). */
async function writeTo(sink: ZipSink, plan: WritePlan, from: OpenedWorkbook, progress?: ApplyProgress): Promise<void> {
  const book = from.book ?? openBook(newPackage());
  (from as { book: Book | null }).book = null; // one write per opened workbook: the package is changed in place
  try {
    applyPlan(book, plan, from.snapshot, progress);
    await book.pkg.save(sink);
  } catch (e) {
    if (e instanceof PcnError) throw e;
    throw new PcnError(`The workbook could not be written (${(e as Error).message}).`);
  }
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
 * Writes the plan into `path` atomically: a temporary file in the same folder, flushed to disk, then renamed
 * over the old one (and the folder flushed). Interrupted at any moment, `path` holds either the old workbook or
 * the new one, never a mixture; a failure removes the temporary file. The plan's cells are released as each
 * sheet is written (its names, warnings and sheet list stay), and `from` can be written only once.
 */
export async function writeWorkbookFile(path: string, plan: WritePlan, from: OpenedWorkbook, opts: WriteOptions = {}): Promise<void> {
  const { progress } = opts;
  const dir = dirname(path);
  let mode: number | undefined;
  if (opts.makeFolder) {
    try { mkdirSync(dir, { recursive: true }); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new PcnError(code === "ENOTDIR" || code === "EEXIST" ? `Cannot write ${path}: part of ${dir} is a file, not a folder.` : fsMessage(e as NodeJS.ErrnoException, `make the folder ${dir}`));
    }
  }
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) throw new PcnError(`Cannot write ${path}: ${dir} is a file, not a folder.`);
  } catch (e) {
    if (e instanceof PcnError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new PcnError(`Cannot write ${path}: the folder ${dir} does not exist.`);
    if (code === "ENOTDIR") throw new PcnError(`Cannot write ${path}: part of ${dir} is a file, not a folder.`);
    throw new PcnError(fsMessage(e as NodeJS.ErrnoException, `write in ${dir}`));
  }
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new PcnError(`Cannot write ${path}: it is a folder.`);
    mode = st.mode & 0o7777;
  } catch (e) {
    if (e instanceof PcnError) throw e;
  }
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
      throw new PcnError(fsMessage(e as NodeJS.ErrnoException, `write in ${dir}`));
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
      throw new PcnError(fsMessage(e as NodeJS.ErrnoException, `write ${path}`));
    }
    try {
      const dfd = openSync(dir, "r");
      try { fsyncSync(dfd); } finally { closeSync(dfd); }
    } catch {
      // Folders cannot be opened for flushing everywhere (Windows); the rename itself is already done.
    }
  } catch (e) {
    cleanup();
    if (e instanceof PcnError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new PcnError(err.code ? fsMessage(err, `write ${path}`) : `Could not write ${path} (${err.message}); the old file, if any, is unchanged.`);
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

function fsMessage(e: NodeJS.ErrnoException, doing: string): string {
  const keep = " The old workbook, if any, is unchanged.";
  switch (e.code) {
    case "ENOSPC": case "EDQUOT": return `Could not ${doing}: the disk is full.${keep}`;
    case "EACCES": case "EPERM": return `Could not ${doing}: permission denied (is the folder or file read-only?).${keep}`;
    case "EROFS": return `Could not ${doing}: the disk is read-only.${keep}`;
    case "EISDIR": return `Could not ${doing}: that is a folder, not a file.`;
    case "ENOTDIR": return `Could not ${doing}: part of the path is a file, not a folder.`;
    case "ENAMETOOLONG": return `Could not ${doing}: the path is too long.`;
    case "EBUSY": case "ETXTBSY": return `Could not ${doing}: the file is in use by another program (close it there and try again).${keep}`;
    case "EIO": return `Could not ${doing}: the disk reported an input/output error.${keep}`;
    default: return `Could not ${doing} (${e.code ?? ""} ${e.message}).${keep}`;
  }
}
