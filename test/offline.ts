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
