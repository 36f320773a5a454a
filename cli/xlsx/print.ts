/**
 * How one of our sheets prints (`SheetPlan.print`): page setup and row breaks in the sheet's XML, print area and
 * repeated header rows as the sheet's local names (`_xlnm.Print_Area`, `_xlnm.Print_Titles`), as Excel and
 * LibreOffice save them.
 *
 * What a person chose wins: a sheet that already has a page setup (orientation, scaling: Excel and LibreOffice
 * write one whenever they save) keeps it, and header rows a person set to repeat stay. Two settings follow the
 * data, so each build refreshes them: the print area (ours is the one with our columns and top row: a person's
 * with other bounds stays) and the row breaks the plan asks for (a page before each practice's statement).
 */
import { a1, quoteSheet, type PrintSettings, type RangeRef } from "../../core/workbook/plan";
import { parseSqref } from "./ranges";
import { rawAttr, setAttr } from "./xml";

/** A4 (paper size 9), the orientation, and fit to one page wide with pages as long as the rows need. */
export function pageSetupXml(p: string, print: PrintSettings): string {
  const fit = print.fitToWidth ? ` fitToWidth="1" fitToHeight="0"` : "";
  return `<${p}pageSetup paperSize="9" orientation="${print.orientation}"${fit}/>`;
}

/** The sheet's properties with fit-to-page on (Excel scales by fitToWidth/fitToHeight only with it). */
export function sheetPrXml(p: string, old: string | undefined): string {
  if (!old) return `<${p}sheetPr><${p}pageSetUpPr fitToPage="1"/></${p}sheetPr>`;
  const m = /<(\w+:)?pageSetUpPr\b([^>]*?)\/?>/.exec(old);
  if (m) return old.slice(0, m.index) + `<${m[1] ?? ""}pageSetUpPr${setAttr(m[2], "fitToPage", "1")}/>` + old.slice(m.index + m[0].length);
  // CT_SheetPr: tabColor, outlinePr, pageSetUpPr, in that order; an empty element is opened.
  if (/\/>$/.test(old) && !/<[^>]*>[\s\S]*</.test(old)) return old.replace(/\s*\/>$/, `><${p}pageSetUpPr fitToPage="1"/></${p}sheetPr>`);
  const close = old.lastIndexOf("</");
  return old.slice(0, close) + `<${p}pageSetUpPr fitToPage="1"/>` + old.slice(close);
}

/** Manual breaks before each given 0-based row (a `brk` id is the last row of the page before, 1-based). */
export function rowBreaksXml(p: string, rows: number[]): string {
  const ids = [...new Set(rows)].filter((r) => r > 0).sort((a, b) => a - b);
  return `<${p}rowBreaks count="${ids.length}" manualBreakCount="${ids.length}">${ids.map((r) => `<${p}brk id="${r}" max="16383" man="1"/>`).join("")}</${p}rowBreaks>`;
}

/** The local names that carry a sheet's print area and header rows, as the plan wants them. */
export function printNames(sheet: string, print: PrintSettings): { area?: string; titles?: string } {
  const out: { area?: string; titles?: string } = {};
  if (print.area) out.area = a1(print.area, { sheet, absolute: true });
  if (print.repeatRows && print.repeatRows > 0) out.titles = `${quoteSheet(sheet)}!$1:$${print.repeatRows}`;
  return out;
}

/** Whether an existing print area is ours: the same columns and top row as the one we write (its rows follow the data). */
export function isOurPrintArea(text: string, ours: RangeRef): boolean {
  const body = text.replace(/^.*!/, "").replace(/\$/g, "");
  const r = parseSqref(body)[0];
  return !!r && r.row === ours.row && r.col === ours.col && r.cols === ours.cols;
}

/** Whether an existing pageSetup sets how the sheet prints (orientation or scaling), rather than only its printer. */
export function setsPrinting(pageSetup: string | undefined): boolean {
  if (!pageSetup) return false;
  return ["orientation", "fitToWidth", "fitToHeight", "scale"].some((a) => rawAttr(pageSetup, a) !== undefined);
}
