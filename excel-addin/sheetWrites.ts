/**
 * What one sheet of the plan becomes in Excel: the steps (queued actions with their request bytes and what they do to
 * the cells), in the order Excel must see them. apply.ts packs the steps of every sheet into syncs.
 */
import { a1, type ChartSpec, type NamedRange, type RangeRef, type SheetPlan, type SheetSnapshot, type ValidationRule, type WritePlan } from "../core/workbook/plan";
import { cfClearRects, OP_BYTES } from "./before";
import type { Occupancy } from "./fingerprint";
import { mergeRects } from "./geometry";
import { compileBlock, joinRuns, splitWrite, writeBytes, type CellWrite } from "./runs";
import { within } from "../core/workbook/plan";

/** Charts this add-in made carry this name prefix; only those are replaced. */
export const CHART_PREFIX = "PCN ";
/** Used for date cells the plan gave no number format. */
const DATE_FORMAT = "dd/mm/yyyy";
const ALERT_TITLE = "PCN Toolkit";

/** One queued piece of a build. */
export interface Step {
  /** Lower-case name of the sheet it changes ("" for the workbook). */
  sheet: string;
  bytes: number;
  /** "setup": adding sheets and names (first of all); "chart": may go in any sync; "last": after everything else. */
  kind?: "setup" | "chart" | "last";
  charts?: number;
  run: () => void;
  /** What it does to which cells hold something (for the co-authoring fingerprint). */
  effect?: (occ: Occupancy) => void;
  /** Cells it writes or clears (a rollback puts these back). */
  touches?: RangeRef[];
  /** The same step as a head of at most `room` bytes and the rest (a big matrix write is cut to fill a sync). */
  split?: (room: number) => [Step, Step] | null;
}

export interface SheetCtx {
  rangeOn: (sheet: string, r: RangeRef) => Excel.Range;
  overlap?: Excel.TableScopedCollection;
  /** The plan's table name is taken elsewhere in the workbook. */
  tableNameTaken: boolean;
  /** The table of our name, when it exists (on a sheet we built). */
  tableOfOurs?: Excel.Table;
  supports: (name: string, version: string) => boolean;
  warnings: string[];
  deferVisibility: boolean;
  /** The sheet exists and is hidden now. */
  hiddenNow: boolean;
  /** Subtract from 1900-system serials (1462 in a 1904 workbook). */
  dateShift: number;
  /** Sheets that existed whose freeze panes the build set. */
  froze: Set<string>;
  /** Tables the build adds on sheets that existed. */
  addedTables: { sheet: string; range: RangeRef }[];
}

/** A cell write as the Office.js call that makes it. */
function writeStep(sheet: string, ws: Excel.Worksheet, w: CellWrite): Step {
  const r = w.rect;
  const at = () => ws.getRangeByIndexes(r.row, r.col, r.rows, r.cols);
  if ("r1c1" in w) {
    // One formula, relative to each cell, over the whole run ("update all cells in a range").
    return { sheet, bytes: writeBytes(w) + OP_BYTES, touches: [r], run: () => void (at().formulasR1C1 = w.r1c1 as unknown as string[][]), effect: (o) => o.fill(r, true) };
  }
  if ("same" in w) {
    return { sheet, bytes: writeBytes(w) + OP_BYTES, touches: [r], run: () => void (at().formulas = w.same as unknown as string[][]), effect: (o) => o.fill(r, w.same !== "") };
  }
  const m = w.matrix;
  return {
    sheet, bytes: writeBytes(w) + OP_BYTES, touches: [r], run: () => void (at().formulas = m), effect: (o) => o.fill(r, (i, j) => m[i][j] !== ""),
    split: (room) => {
      const parts = splitWrite(w, room - OP_BYTES);
      return parts && [writeStep(sheet, ws, parts[0]), writeStep(sheet, ws, parts[1])];
    },
  };
}

/** Everything one sheet needs, in the order Excel must see it. */
export function sheetSteps(sp: SheetPlan, ws: Excel.Worksheet, existed: SheetSnapshot | undefined, c: SheetCtx): Step[] {
  const key = sp.name.toLowerCase();
  const at = (r: RangeRef) => ws.getRangeByIndexes(r.row, r.col, r.rows, r.cols);
  const steps: Step[] = [];
  const small = (run: () => void, n = 1): Step => ({ sheet: key, bytes: OP_BYTES * n, run });

  for (const r of sp.clears) steps.push({ ...small(() => at(r).clear("Contents")), touches: [r], effect: (o) => o.fill(r, false) });

  // A formula written into a Text ("@") cell stays text, and a rebuild finds our own "@" there: such ranges go
  // back to General for the write and get their format after it (a formula already in place stays a formula).
  for (const f of sp.formats) if (f.format === "@") steps.push(small(() => void (at(f.range).numberFormat = "General" as unknown as string[][])));
  const formatted = (row: number, col: number) => sp.formats.some((f) => within(f.range, row, col));

  const dateCells: RangeRef[] = [];
  const writes: CellWrite[] = [];
  for (const block of sp.blocks) {
    block.cells.forEach((row, i) => row.forEach((cell, j) => {
      if (cell && typeof cell === "object" && "d" in cell && !formatted(block.row + i, block.col + j)) dateCells.push({ row: block.row + i, col: block.col + j, rows: 1, cols: 1 });
    }));
    writes.push(...compileBlock(block, { dateShift: c.dateShift }));
  }
  // A matrix bigger than a sync is cut as the steps are packed (apply.ts pack), where it fills what room is left.
  for (const w of joinRuns(writes)) steps.push(writeStep(key, ws, w));
  // Formats per range, set once for all its cells (a single value, not a matrix).
  for (const f of sp.formats) steps.push(small(() => void (at(f.range).numberFormat = f.format as unknown as string[][])));
  for (const r of mergeRects(dateCells)) steps.push(small(() => void (at(r).numberFormat = DATE_FORMAT as unknown as string[][])));

  if (sp.table) steps.push(small(() => tableStep(sp, ws, existed, c), 2));

  for (const st of sp.styles) {
    steps.push(
      small(() => {
        const f = at(st.range).format;
        if (st.bold !== undefined) f.font.bold = st.bold;
        if (st.italic !== undefined) f.font.italic = st.italic;
        if (st.fontColor) f.font.color = st.fontColor;
        if (st.fill) f.fill.color = st.fill;
        if (st.wrap !== undefined) f.wrapText = st.wrap;
      }, 3),
    );
  }

  for (const v of sp.validations) {
    const rule = validationRule(v, c.warnings, sp.name);
    steps.push(
      small(() => {
        const dv = at(v.range).dataValidation;
        dv.clear();
        if (!rule) return;
        dv.rule = rule;
        dv.errorAlert = { showAlert: true, style: "Stop", title: ALERT_TITLE, message: v.message.slice(0, 225) };
      }, 3),
    );
  }

  if (sp.conditionalFormats.length > 0) {
    // Ours are the rules on our ranges; clear them down to the old end of the sheet in case the range shrank.
    const clearRects = cfClearRects(sp, existed);
    steps.push(
      small(() => {
        for (const r of clearRects) at(r).conditionalFormats.clearAll();
        for (const cf of sp.conditionalFormats) {
          const made = at(cf.range).conditionalFormats.add("Custom");
          made.custom.rule.formula = cf.formula.startsWith("=") ? cf.formula : `=${cf.formula}`;
          made.custom.format.fill.color = cf.fill;
          if (cf.font) made.custom.format.font.color = cf.font;
        }
      }, clearRects.length + sp.conditionalFormats.length * 4),
    );
  }

  // Freeze panes, on the sheet's own freezePanes. A sheet that wants nothing frozen is left alone when it is new
  // (nothing is frozen there) or is, or is about to be, hidden: the helper sheets. Excel has refused unfreeze() on
  // a hidden sheet (office-js#1463). Freezing can make the sheet the active one on Windows and Mac
  // (office-js#3148): the build puts the person's sheet and selection back at its end.
  const { rows, cols } = sp.freeze;
  const freezesNothing = !(rows > 0) && !(cols > 0);
  if (!(freezesNothing && (!existed || sp.hidden || c.hiddenNow))) {
    if (existed) c.froze.add(existed.name);
    steps.push(
      small(() => {
        ws.freezePanes.unfreeze();
        if (rows > 0 && cols > 0) ws.freezePanes.freezeAt(ws.getRangeByIndexes(0, 0, rows, cols));
        else if (rows > 0) ws.freezePanes.freezeRows(rows);
        else if (cols > 0) ws.freezePanes.freezeColumns(cols);
      }, 2),
    );
  }

  const widths = [...sp.columnWidths].sort((a, b) => a.col - b.col);
  for (let i = 0; i < widths.length; ) {
    const pts = charsToPoints(widths[i].width);
    let j = i + 1;
    while (j < widths.length && widths[j].col === widths[j - 1].col + 1 && charsToPoints(widths[j].width) === pts) j++;
    const col = widths[i].col;
    const n = j - i;
    steps.push(small(() => void (ws.getRangeByIndexes(0, col, 1, n).format.columnWidth = pts)));
    i = j;
  }

  // How it prints (the page layout is ExcelApi 1.9: an older Excel keeps its own print settings). Fit to width is one
  // page wide and as many tall as the rows need (0, as the file format's fitToHeight="0" means).
  const pr = sp.print;
  if (pr && c.supports("ExcelApi", "1.9")) {
    const breaks = pr.rowBreaks ?? [];
    steps.push(small(() => {
      const pl = ws.pageLayout;
      pl.orientation = pr.orientation === "landscape" ? "Landscape" : "Portrait";
      if (pr.fitToWidth) pl.zoom = { horizontalFitToPages: 1, verticalFitToPages: 0 };
      if (pr.repeatRows) pl.setPrintTitleRows(`$1:$${pr.repeatRows}`);
      if (pr.area) pl.setPrintArea(a1(pr.area, { absolute: true }));
      if (breaks.length) {
        // The plan's breaks replace the sheet's: a rebuild moves them with what they separate.
        ws.horizontalPageBreaks.removePageBreaks();
        for (const r of breaks) ws.horizontalPageBreaks.add(`A${r + 1}`);
      }
    }, 4 + breaks.length));
  }

  // Charts may go in any sync (their data need not be written yet); our old charts here are deleted at the very end.
  for (const spec of sp.charts) steps.push({ ...small(() => addChart(ws, spec, c.rangeOn), 6 + 4 * spec.series.length), kind: "chart", charts: 1 });

  if (sp.hidden && !c.deferVisibility) steps.push(small(() => void (ws.visibility = "Hidden")));
  return steps;
}

/** Whether Excel accepts `name` as a defined name (letters, digits, _ . \\; not a cell reference). */
export function isValidExcelName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    /^[\p{L}_\\][\p{L}\p{N}_.\\]*$/u.test(name) &&
    !/^[A-Za-z]{1,3}\d+$/.test(name) &&
    !/^(R|C|R\d*C\d*|R\d+|C\d+)$/i.test(name)
  );
}

/** The plan's names Excel will take, once each: a bad one (from typed text) is left out with a warning, not a failed build. */
export function usableNames(plan: WritePlan, warnings: string[]): NamedRange[] {
  const seen = new Set<string>();
  return plan.names.filter((n) => {
    const key = n.name.toLowerCase();
    if (!isValidExcelName(n.name)) warnings.push(`The name "${n.name}" is not one Excel allows, so it was left out.`);
    else if (seen.has(key)) warnings.push(`The name "${n.name}" was asked for twice; the first is kept.`);
    else {
      seen.add(key);
      return true;
    }
    return false;
  });
}

/** Excel column width in points for a width in characters of the default font (~7 px a character + padding). */
export function charsToPoints(chars: number): number {
  return Math.round((Math.max(0, chars) * 7 + 5) * 0.75 * 100) / 100;
}

export function validationRule(v: ValidationRule, warnings: string[], sheet: string): Excel.DataValidationRule | undefined {
  if (v.list) {
    const source = v.list.join(",");
    // Excel keeps a typed list to 255 characters and has no way to escape a comma in a choice.
    if (source.length > 255 || v.list.some((x) => x.includes(","))) {
      warnings.push(`The dropdown on ${sheet}!${a1(v.range)} was left out: its choices are too long for an Excel list.`);
      return undefined;
    }
    return { list: { inCellDropDown: true, source } };
  }
  if (v.listSource) return { list: { inCellDropDown: true, source: v.listSource.startsWith("=") ? v.listSource : `=${v.listSource}` } };
  if (v.number) {
    const { min, max, integer } = v.number;
    const basic: Excel.BasicDataValidation =
      min !== undefined && max !== undefined
        ? { operator: "Between", formula1: min, formula2: max }
        : min !== undefined
          ? { operator: "GreaterThanOrEqualTo", formula1: min }
          : max !== undefined
            ? { operator: "LessThanOrEqualTo", formula1: max }
            : { operator: "Between", formula1: -1e300, formula2: 1e300 };
    return integer ? { wholeNumber: basic } : { decimal: basic };
  }
  if (v.date) return { date: { operator: "GreaterThanOrEqualTo", formula1: "1900-01-01" } };
  return undefined;
}

function tableStep(sp: SheetPlan, ws: Excel.Worksheet, existed: SheetSnapshot | undefined, c: SheetCtx): void {
  const t = sp.table!;
  const range = ws.getRangeByIndexes(t.range.row, t.range.col, t.range.rows, t.range.cols);
  const named = c.tableNameTaken;
  if (!c.overlap && existed && named && c.tableOfOurs) {
    // Before ExcelApi 1.9 there is no asking what overlaps: a table of our name on a sheet we built is ours.
    if (c.supports("ExcelApi", "1.13")) c.tableOfOurs.resize(range);
    return;
  }
  const there = c.overlap?.items ?? [];
  if (there.length > 0) {
    // Made by an earlier build (or the person over our range): resize rather than add a second table.
    const mine = there.find((x) => x.name.toLowerCase() === t.name.toLowerCase()) ?? (there.length === 1 ? there[0] : undefined);
    if (mine && c.supports("ExcelApi", "1.13")) mine.resize(range);
    else if (!mine) c.warnings.push(`${sp.name} already has tables over ${a1(t.range)}, so no "${t.name}" table was made.`);
    return;
  }
  const made = ws.tables.add(range, true);
  if (named) c.warnings.push(`The table name "${t.name}" is used elsewhere in the workbook, so Excel named ${sp.name}'s table itself.`);
  else made.name = t.name;
  if (existed) c.addedTables.push({ sheet: existed.name, range: t.range });
}

export function addChart(ws: Excel.Worksheet, spec: ChartSpec, rangeOn: (sheet: string, r: RangeRef) => Excel.Range): void {
  const first = spec.series[0];
  if (!first) return;
  const byRows = first.range.rows === 1 && first.range.cols > 1;
  const chart = ws.charts.add("Line", rangeOn(first.sheet, first.range), byRows ? "Rows" : "Columns");
  chart.name = CHART_PREFIX + spec.title;
  chart.title.text = spec.title;
  const a = spec.anchor;
  chart.setPosition(ws.getRangeByIndexes(a.row, a.col, 1, 1), ws.getRangeByIndexes(a.row + Math.max(1, a.rows) - 1, a.col + Math.max(1, a.cols) - 1, 1, 1));
  const categories = rangeOn(spec.categories.sheet, spec.categories.range);
  spec.series.forEach((se, i) => {
    const series = i === 0 ? chart.series.getItemAt(0) : chart.series.add(se.name);
    if (i > 0) series.setValues(rangeOn(se.sheet, se.range));
    series.name = se.name;
    series.setXAxisValues(categories);
    if (se.style === "band") {
      // A month flagged special cause: a column the chart's height (1 on a hidden axis from 0 to 1), no gap.
      series.chartType = "ColumnClustered";
      series.axisGroup = "Secondary";
      series.gapWidth = 0;
      if (se.color) series.format.fill.setSolidColor(se.color);
      return;
    }
    if (se.color) series.format.line.color = se.color;
    if (se.style === "line" || se.style === "dash") series.markerStyle = "None";
    if (se.style === "dash") series.format.line.lineStyle = "Dash";
  });
  if (spec.series.some((se) => se.style === "band")) {
    const axis = chart.axes.getItem("Value", "Secondary");
    axis.minimum = 0;
    axis.maximum = 1;
    axis.visible = false;
  }
  if (spec.valueFormat) chart.axes.valueAxis.numberFormat = spec.valueFormat;
  chart.legend.position = "Bottom";
}
