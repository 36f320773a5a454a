/**
 * The offline host as tests drive it: a workbook is bytes, as on disk. A person's edits are made with exceljs
 * (another program that saves .xlsx) or LibreOffice (test/engines/libreoffice.ts); rebuilds go through the
 * shipped reader and writer (cli/workbookFile.ts), never a test-only copy of them.
 */
import ExcelJS from "exceljs";
import { readWorkbookBuffer, writeWorkbookBuffer } from "../cli/workbookFile";
import { buildPlan, type BuildOptions } from "../core/workbook/build";
import type { WorkbookSnapshot, WritePlan } from "../core/workbook/plan";

/** Builds into `file` (null: a new workbook) and returns the new file and the plan it applied. */
export async function rebuild(file: Buffer | null, opts: BuildOptions = {}): Promise<{ file: Buffer; plan: WritePlan }> {
  const wb = file ? readWorkbookBuffer(file) : { snapshot: { sheets: [] }, exists: false, stats: { rows: 0, cells: 0 }, book: null };
  const plan = buildPlan(wb.snapshot, opts);
  return { file: await writeWorkbookBuffer(plan, wb), plan };
}

/** Writes a plan made from `file` (null: a new workbook) into it, as the offline command does. */
export async function apply(file: Buffer | null, plan: WritePlan): Promise<Buffer> {
  const wb = file ? readWorkbookBuffer(file) : { snapshot: { sheets: [] }, exists: false, stats: { rows: 0, cells: 0 }, book: null };
  return writeWorkbookBuffer(plan, wb);
}

/** What the shipped reader sees in a file. */
export function snapshotOf(file: Buffer): WorkbookSnapshot {
  return readWorkbookBuffer(file).snapshot;
}

/** The file opened in exceljs, to look at or to edit. */
export async function open(file: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file as unknown as ExcelJS.Buffer);
  return wb;
}

/** Edits the file in exceljs and saves it, as a person using another program would. */
export async function edit(file: Buffer, fn: (wb: ExcelJS.Workbook) => void | Promise<void>): Promise<Buffer> {
  const wb = await open(file);
  await fn(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * A workbook file a test keeps and works on in turn: built and rebuilt through the shipped reader and writer,
 * edited in exceljs as a person in another program would, and looked at as exceljs opens it after each step.
 * (The writer releases a plan's cells as it writes them: count a plan's cells from `buildPlan(snapshot())`.)
 */
export class TestWorkbook {
  private constructor(public file: Buffer | null, public wb: ExcelJS.Workbook) {}

  /** No file yet (a new workbook), or the given bytes. */
  static async of(file: Buffer | null = null): Promise<TestWorkbook> {
    return new TestWorkbook(file, file ? await open(file) : new ExcelJS.Workbook());
  }

  /** A new workbook built with `opts`. */
  static async built(opts: BuildOptions): Promise<TestWorkbook> {
    const t = await TestWorkbook.of();
    await t.build(opts);
    return t;
  }

  /** Builds into the file (a new one the first time) and returns the plan it applied. */
  async build(opts: BuildOptions = {}): Promise<WritePlan> {
    const r = await rebuild(this.file, opts);
    this.file = r.file;
    this.wb = await open(r.file);
    return r.plan;
  }

  /** Edits the file in exceljs and saves it (`wb` is then the edited workbook, as exceljs saved it). */
  async edit(fn: (wb: ExcelJS.Workbook) => void | Promise<void>): Promise<void> {
    if (!this.file) throw new Error("TestWorkbook: build it before editing it");
    const wb = await open(this.file);
    await fn(wb);
    this.file = Buffer.from(await wb.xlsx.writeBuffer());
    this.wb = wb;
  }

  /** What the shipped reader sees in the file now. */
  snapshot(): WorkbookSnapshot {
    return this.file ? snapshotOf(this.file) : { sheets: [] };
  }

  sheet(name: string): ExcelJS.Worksheet {
    const ws = this.wb.getWorksheet(name);
    if (!ws) throw new Error(`TestWorkbook: no sheet ${name}`);
    return ws;
  }
}
