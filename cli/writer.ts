/**
 * The offline host: applies the core's write plan to an exceljs workbook, and reads an existing workbook back
 * as a snapshot so a rebuild keeps what people typed. Strings are always written as text cells (exceljs never
 * turns a string into a formula), so user text like "=HYPERLINK(...)" stays literal.
 */
import type ExcelJS from "exceljs";
import { a1, isoToSerial, type PlanCell, type RangeRef, type SnapshotValue, type WorkbookSnapshot, type WritePlan } from "../core/workbook/plan";

const argb = (hex: string) => "FF" + hex.replace("#", "").toUpperCase();

function toCellValue(c: PlanCell): ExcelJS.CellValue {
  if (c === null || c === undefined) return null;
  if (typeof c === "object" && "f" in c) return { formula: c.f.replace(/^=/, "") } as ExcelJS.CellFormulaValue;
  if (typeof c === "object" && "d" in c) return isoToSerial(c.d);
  return c;
}

function eachCell(ws: ExcelJS.Worksheet, r: RangeRef, fn: (cell: ExcelJS.Cell) => void) {
  for (let i = 0; i < r.rows; i++) {
    const row = ws.getRow(r.row + i + 1);
    for (let j = 0; j < r.cols; j++) fn(row.getCell(r.col + j + 1));
  }
}

export function excelSerial(d: Date): number {
  return (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(1899, 11, 30)) / 86400000;
}

/** Values and formulas of every sheet, from A1 to the last used cell. */
export function snapshotOf(wb: ExcelJS.Workbook): WorkbookSnapshot {
  return {
    sheets: wb.worksheets.map((ws) => {
      const rows = ws.actualRowCount ? ws.rowCount : 0;
      const cols = ws.actualColumnCount ? ws.columnCount : 0;
      const values: SnapshotValue[][] = [];
      const formulas: (string | null)[][] = [];
      for (let r = 1; r <= rows; r++) {
        const vr: SnapshotValue[] = [];
        const fr: (string | null)[] = [];
        const row = ws.getRow(r);
        for (let c = 1; c <= cols; c++) {
          const cell = row.getCell(c);
          const v = cell.value as unknown;
          let f: string | null = null;
          let out: SnapshotValue = null;
          if (v && typeof v === "object" && !(v instanceof Date)) {
            const o = v as Record<string, unknown>;
            if ("formula" in o || "sharedFormula" in o) {
              f = "=" + String(cell.formula);
              const res = o.result as unknown;
              out = res instanceof Date ? excelSerial(res) : res && typeof res === "object" ? null : ((res ?? null) as SnapshotValue);
            } else if ("richText" in o) out = (o.richText as { text: string }[]).map((t) => t.text).join("");
            else if ("text" in o) out = String(o.text);
            else if ("error" in o) out = String(o.error);
          } else if (v instanceof Date) out = excelSerial(v);
          else out = (v ?? null) as SnapshotValue;
          vr.push(out);
          fr.push(f);
        }
        values.push(vr);
        formulas.push(fr);
      }
      return { name: ws.name, values, formulas };
    }),
  };
}

export interface ApplyProgress { (done: number, total: number, sheet: string): void }

export function applyPlan(wb: ExcelJS.Workbook, plan: WritePlan, progress?: ApplyProgress): void {
  plan.sheets.forEach((sp, i) => {
    progress?.(i, plan.sheets.length, sp.name);
    const ws = wb.getWorksheet(sp.name) ?? wb.addWorksheet(sp.name);
    for (const r of sp.clears) eachCell(ws, r, (c) => (c.value = null));
    for (const b of sp.blocks) {
      b.cells.forEach((line, i) => {
        const row = ws.getRow(b.row + i + 1);
        line.forEach((cell, j) => (row.getCell(b.col + j + 1).value = toCellValue(cell)));
      });
    }
    // exceljs shares one style object among the cells a file gave the same style: give a cell its own before
    // changing it, or a format set on one column (WTE) also changes another (a date column moved in a relayout).
    const own = (c: ExcelJS.Cell) => { c.style = { ...c.style }; return c; };
    for (const f of sp.formats) eachCell(ws, f.range, (c) => (own(c).numFmt = f.format));
    for (const st of sp.styles) {
      eachCell(ws, st.range, (cell) => {
        const c = own(cell);
        if (st.bold !== undefined || st.fontColor || st.italic) c.font = { ...(c.font ?? {}), bold: st.bold ?? c.font?.bold, italic: st.italic ?? c.font?.italic, ...(st.fontColor ? { color: { argb: argb(st.fontColor) } } : {}) };
        if (st.fill) c.fill = { type: "pattern", pattern: "solid", fgColor: { argb: argb(st.fill) } };
        if (st.wrap) c.alignment = { ...(c.alignment ?? {}), wrapText: true, vertical: "top" };
      });
    }
    const dv = (ws as unknown as { dataValidations: { add(a: string, v: ExcelJS.DataValidation): void } }).dataValidations;
    for (const v of sp.validations) {
      const base = { allowBlank: true, showErrorMessage: true, errorStyle: "stop" as const, errorTitle: "PCN Toolkit", error: v.message };
      let rule: ExcelJS.DataValidation | null = null;
      if (v.list) rule = { ...base, type: "list", formulae: [`"${v.list.join(",")}"`] };
      else if (v.listSource) rule = { ...base, type: "list", formulae: [v.listSource] };
      else if (v.date) rule = { ...base, type: "date", operator: "greaterThan", formulae: [1] };
      else if (v.number) {
        const { min, max, integer } = v.number;
        const type = integer ? "whole" : "decimal";
        rule = min !== undefined && max !== undefined ? { ...base, type, operator: "between", formulae: [min, max] }
          : min !== undefined ? { ...base, type, operator: "greaterThanOrEqual", formulae: [min] }
          : max !== undefined ? { ...base, type, operator: "lessThanOrEqual", formulae: [max] }
          : { ...base, type, operator: "between", formulae: [-1e15, 1e15] };
      }
      if (rule) dv.add(a1(v.range), rule);
    }
    // Our conditional formats are rebuilt each time.
    (ws as unknown as { conditionalFormattings: unknown[] }).conditionalFormattings = [];
    for (const cf of sp.conditionalFormats) {
      ws.addConditionalFormatting({
        ref: a1(cf.range),
        rules: [{
          type: "expression", priority: 1, formulae: [cf.formula.replace(/^=/, "")],
          style: { fill: { type: "pattern", pattern: "solid", bgColor: { argb: argb(cf.fill) } }, ...(cf.font ? { font: { color: { argb: argb(cf.font) } } } : {}) },
        }],
      });
    }
    if (sp.freeze.rows || sp.freeze.cols) ws.views = [{ state: "frozen", xSplit: sp.freeze.cols, ySplit: sp.freeze.rows }];
    for (const w of sp.columnWidths) ws.getColumn(w.col + 1).width = w.width;
    if (sp.table) ws.autoFilter = a1({ ...sp.table.range, rows: 1 }).split(":")[0] + ":" + a1(sp.table.range).split(":")[1];
    if (sp.hidden) ws.state = "hidden";
  });
  // Names: replace ours, keep the person's.
  // exceljs 4.4's remove() leaves multi-cell ranges behind (a moved name would become a union): drop the whole entry.
  const dn = wb.definedNames as unknown as { add(ref: string, name: string): void; matrixMap: Record<string, unknown> };
  for (const n of plan.names) {
    delete dn.matrixMap[n.name];
    dn.add(a1(n.range, { sheet: n.sheet, absolute: true }), n.name);
  }
  progress?.(plan.sheets.length, plan.sheets.length, "");
}
