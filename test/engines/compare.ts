/**
 * What a formula engine (LibreOffice, HyperFormula) computed for a built workbook, set beside the core's own
 * computation of the same cells: the one comparison every engine test makes.
 */
import { computeWorkbook } from "../../core/workbook/compute";
import type { SnapshotValue, WorkbookSnapshot } from "../../core/workbook/plan";
import type ExcelJS from "exceljs";
import { evaluateXlsx } from "./hyperformula";
import { recalcXlsxRaw, type LoValue } from "./libreoffice";

/** Each sheet's computed values, by name, as the engine gives them (an error is `{ error }`). */
export type EngineValues = Record<string, LoValue[][]>;

/** The engine's values as a snapshot the core reads: an error value reads as a blank, and there are no formulas. */
export function snapshotFromValues(values: EngineValues): WorkbookSnapshot {
  return {
    sheets: Object.entries(values).map(([name, rows]) => ({
      name,
      values: rows.map((r) => r.map((v) => (v && typeof v === "object" ? null : (v as SnapshotValue)))),
      formulas: rows.map((r) => r.map(() => null)),
    })),
  };
}

/** Blank and "" are alike; numbers agree to `tolerance` of their size (floating point differs between engines). */
export function sameValue(engine: unknown, core: unknown, tolerance = 1e-6): boolean {
  const e = engine === undefined || engine === "" ? null : engine;
  const c = core === undefined || core === "" ? null : core;
  if (typeof e === "number" && typeof c === "number") return Math.abs(e - c) <= tolerance * Math.max(1, Math.abs(c));
  return e === c;
}

/** Every error value the engine computed, as `Sheet!RnCn #ERROR`. */
export function engineErrors(values: EngineValues): string[] {
  return Object.entries(values).flatMap(([s, rows]) => rows.flatMap((r, i) => r.flatMap((v, j) => (v && typeof v === "object" ? [`${s}!R${i + 1}C${j + 1} ${v.error}`] : []))));
}

/**
 * The cells the core computes (on `sheets`, or every sheet) where the engine's value differs, as readable lines,
 * and how many cells were compared (so a test can tell a comparison of nothing from agreement).
 */
export function disagreements(values: EngineValues, today: string, sheets?: string[]): { compared: number; bad: string[] } {
  const cells = computeWorkbook(snapshotFromValues(values), today).filter((c) => !sheets || sheets.includes(c.sheet));
  const bad = cells
    .filter((c) => !sameValue(values[c.sheet]?.[c.row]?.[c.col] ?? null, c.value))
    .map((c) => `${c.sheet}!R${c.row + 1}C${c.col + 1}: engine ${JSON.stringify(values[c.sheet]?.[c.row]?.[c.col])} core ${JSON.stringify(c.value)}`);
  return { compared: cells.length, bad };
}

/** An .xlsx file's values as LibreOffice and HyperFormula each compute them, on the same pinned day. */
export async function engineGrids(file: string, today: string): Promise<{ lo: EngineValues; hf: EngineValues }> {
  const ev = await evaluateXlsx(file, { evaluateNullToZero: false, excelRound: true, today });
  const hf: EngineValues = {};
  for (const s of ev.sheetNames()) hf[s] = ev.sheetValues(s) as LoValue[][];
  return { lo: await recalcXlsxRaw(file, { today }), hf };
}

/** The cell a workbook name points at, in a workbook opened in exceljs (to type into it as a person would). */
export function namedCell(wb: ExcelJS.Workbook, name: string): ExcelJS.Cell {
  const [sheet, ref] = wb.definedNames.getRanges(name).ranges[0].split("!");
  return wb.getWorksheet(sheet.replace(/^'|'$/g, "").replace(/''/g, "'"))!.getCell(ref.replace(/\$/g, ""));
}
