/**
 * One sheet's plan as a list of steps, each a few whole-range calls of bounded size, in a fixed order: the
 * writer runs as many as the time budget allows and a later execution continues from the step it stopped at.
 * Large blocks are written in row slices, so no single call carries the whole Budget sheet.
 */
import {
  a1,
  rectangles,
  within,
  type Block,
  type ChartSpec,
  type NamedRange,
  type RangeRef,
  type SheetPlan,
} from "../core/workbook/plan";
import { toSheetValue } from "./cells";
import { a1s, columnWidthCalls, effectiveFormats, opCells, opRanges, paintOps, rowBands, sliceOp, TEXT_FORMAT, type PaintOp } from "./paint";
import { buildFormatRule, cfFormula, validationKey, ValidationRules } from "./rules";
import type { ConditionalFormatRuleLike, DataValidation, EmbeddedChart, Formattable, NamedRangeLike, Range, RangeList, Sheet, Spreadsheet, WriterCharts } from "./surface";

declare const Charts: WriterCharts;

/** Cells per call: values are the heaviest (each lands in the sheet), formats and rules lighter. */
export const VALUE_SLICE_CELLS = 20000;
export const PAINT_SLICE_CELLS = 60000;
export const CHARTS_PER_STEP = 10;

/** Rough size of a cell for placing charts over an anchor range. */
const ROW_PX = 21;
const COL_PX = 100;

export type StepKind = "write" | "format" | "validation" | "clear" | "chart" | "other";
export interface Step {
  /** Stable within a plan: where a resumed build picks up. */
  id: string;
  kind: StepKind;
  /** Cells the step's calls cover, and how many calls it makes (for the time estimate). */
  cells: number;
  calls: number;
  run(): void;
}

/**
 * "new": this build inserted the sheet in this execution (nothing on it to read or clear); "resumed": this
 * build inserted it in an earlier execution and has not finished it (only what this build wrote is on it);
 * "existing": it was there before the build.
 */
export type SheetState = "new" | "resumed" | "existing";

/** Range handles by sheet and A1, fetched in bulk: getRangeList(a1s).getRanges() is two calls for any number. */
export class Handles {
  private held = new Map<string, Map<string, Range>>();
  private bulk = true;
  private orderChecked = false;
  /** Why bulk fetching was turned off for this execution, if it was. */
  problem?: string;
  constructor(private ss: Spreadsheet, private sheets: Map<string, Sheet>) {}

  sheet(name: string): Sheet | null {
    if (!this.sheets.has(name)) {
      const found = this.ss.getSheetByName(name);
      if (!found) return null;
      this.sheets.set(name, found);
    }
    return this.sheets.get(name)!;
  }
  private on(name: string): Map<string, Range> {
    let m = this.held.get(name);
    if (!m) this.held.set(name, (m = new Map()));
    return m;
  }

  /**
   * Fetches the ranges not held yet in bulk, when that is fewer calls than a getRange each. Apps Script does
   * not promise that getRanges() keeps the list's count and order: the count is checked every time and the
   * order once per execution (the first and last range's A1); if either is off, every range is fetched on
   * its own from then on.
   */
  fetch(name: string, refs: RangeRef[]) {
    if (!this.bulk) return;
    const held = this.on(name);
    const want = [...new Set(a1s(refs))].filter((k) => !held.has(k));
    if (want.length <= 2) return;
    const sheet = this.sheet(name);
    if (!sheet) return;
    let got: Range[];
    try {
      got = sheet.getRangeList(want).getRanges();
    } catch (e) {
      return; // left to get(): one getRange each, which fails (or not) as it would have
    }
    if (!Array.isArray(got) || got.length !== want.length) {
      this.bulk = false;
      this.problem = `getRanges() gave ${Array.isArray(got) ? got.length : "no"} ranges for ${want.length}`;
      return;
    }
    if (!this.orderChecked) {
      this.orderChecked = true;
      const last = want.length - 1;
      if (got[0].getA1Notation() !== want[0] || got[last].getA1Notation() !== want[last]) {
        this.bulk = false;
        this.problem = "getRanges() gave the ranges in another order";
        return;
      }
    }
    want.forEach((k, i) => held.set(k, got[i]));
  }

  get(name: string, r: RangeRef): Range {
    const held = this.on(name);
    const k = a1(r);
    let rg = held.get(k);
    if (!rg) {
      const sheet = this.sheet(name);
      rg = sheet ? sheet.getRange(r.row + 1, r.col + 1, r.rows, r.cols) : this.ss.getRange(a1(r, { sheet: name }));
      held.set(k, rg);
    }
    return rg;
  }
}

/** What the steps of one execution share. */
export interface StepCtx {
  ss: Spreadsheet;
  handles: Handles;
  rules: ValidationRules;
  warnings: string[];
  /** Ranges on each sheet that names and charts elsewhere use: fetched with the sheet's own. */
  wanted: Map<string, RangeRef[]>;
  /** The workbook's names, read only when a name the plan sets is held on another sheet (rare): once per execution. */
  names?: Map<string, NamedRangeLike>;
  namesMade: Set<string>;
}

type Styled = { range: RangeRef; value: string | boolean };

/** The steps of one sheet, in order. `names`: the plan's names on this sheet. */
export function sheetSteps(ctx: StepCtx, sheet: Sheet, p: SheetPlan, state: SheetState, names: NamedRange[]): Step[] {
  const { handles } = ctx;
  const steps: Step[] = [];
  const fresh = state !== "existing";
  const formats = effectiveFormats(p);
  const blocks = p.blocks.flatMap(rectangles);
  const extent = (b: Block): RangeRef => ({ row: b.row, col: b.col, rows: b.cells.length, cols: b.cells[0].length });

  // ---- what to paint, each property in its fewest calls, no call over the slice size
  const slice = <V>(ops: PaintOp<V>[]) => ops.flatMap((op) => sliceOp(op, PAINT_SLICE_CELLS));
  const max = { maxCells: PAINT_SLICE_CELLS };
  // On a sheet this build made, a cell no rule covers can take the default (null): one matrix may then serve.
  const resettable = state === "new" ? { ...max, blank: null } : max;
  const formatOps = slice(paintOps(formats.map((f) => ({ range: f.range, value: f.format })), (v) => v, true, max));
  const styleProps: { prop: string; rules: Styled[]; resets: boolean }[] = [
    { prop: "fontWeight", resets: true, rules: p.styles.filter((s) => s.bold !== undefined).map((s) => ({ range: s.range, value: s.bold ? "bold" : "normal" })) },
    { prop: "fontStyle", resets: true, rules: p.styles.filter((s) => s.italic !== undefined).map((s) => ({ range: s.range, value: s.italic ? "italic" : "normal" })) },
    // setWraps takes no null: a wrap's default is not something to write.
    { prop: "wrap", resets: false, rules: p.styles.filter((s) => s.wrap !== undefined).map((s) => ({ range: s.range, value: !!s.wrap })) },
    { prop: "background", resets: true, rules: p.styles.filter((s) => s.fill).map((s) => ({ range: s.range, value: s.fill! })) },
    { prop: "fontColor", resets: true, rules: p.styles.filter((s) => s.fontColor).map((s) => ({ range: s.range, value: s.fontColor! })) },
  ];
  const styleOps = styleProps.map(({ prop, rules, resets }) => ({ prop, ops: slice(paintOps<string | boolean | null>(rules, String, true, resets ? resettable : max)) }));
  const byKey = new Map(p.validations.map((v) => [validationKey(v), v]));
  const validationOps = slice(paintOps<string | null>(p.validations.map((v) => ({ range: v.range, value: validationKey(v) })), (v) => String(v), false, resettable));
  const valueSlices = blocks.flatMap((b) => rowBands(extent(b), VALUE_SLICE_CELLS).map((r) => ({ block: b, range: r })));

  // Every single range this sheet is written through, fetched at once when the first step needs one.
  const single = <V>(ops: PaintOp<V>[]) => ops.filter((op) => op.kind === "matrix" || op.ranges.length === 1).flatMap(opRanges);
  const mine: RangeRef[] = [
    ...valueSlices.map((s) => s.range),
    ...single(formatOps),
    ...styleOps.flatMap((s) => single(s.ops)),
    ...validationOps.flatMap(opRanges),
    ...p.conditionalFormats.map((c) => c.range),
    ...(p.table ? [p.table.range] : []),
    ...(ctx.wanted.get(p.name) ?? []),
  ];
  let fetched = false;
  const fetch = () => {
    if (!fetched) handles.fetch(p.name, mine);
    fetched = true;
  };
  const lists = new Map<string, RangeList>();
  const target = (ranges: RangeRef[]): Formattable => {
    fetch();
    if (ranges.length === 1) return handles.get(p.name, ranges[0]);
    const key = a1s(ranges).join(",");
    let list = lists.get(key);
    if (!list) lists.set(key, (list = sheet.getRangeList(a1s(ranges))));
    return list;
  };
  const rangeOf = (r: RangeRef) => {
    fetch();
    return handles.get(p.name, r);
  };
  const add = (id: string, kind: StepKind, cells: number, calls: number, run: () => void) => steps.push({ id, kind, cells, calls, run });
  const cellsOf = (ranges: RangeRef[]) => ranges.reduce((n, r) => n + r.rows * r.cols, 0);

  // ---- before writing an existing sheet: stale content out, and old rules off what we write. A cell keeping an
  // old rule that rejects invalid input refuses a new value that fails it ("The data you entered in cell X
  // violates the data validation rules"); the plan's rules go back on below.
  if (state === "existing") {
    if (p.clears.length) add("clears", "clear", cellsOf(p.clears), 2, () => sheet.getRangeList(a1s(p.clears)).clearContent());
    const bands = blocks.flatMap((b) => rowBands(extent(b), PAINT_SLICE_CELLS));
    for (let i = 0, n = 0; i < bands.length; n++) {
      let j = i;
      let cells = 0;
      while (j < bands.length && (j === i || cells + cellsOf([bands[j]]) <= PAINT_SLICE_CELLS)) cells += cellsOf([bands[j++]]);
      const group = bands.slice(i, j);
      add(`unvalidate:${n}`, "validation", cells, group.length > 1 ? 2 : 1, () => target(group).clearDataValidations());
      i = j;
    }
  }

  // ---- formats before values: Sheets decides how to read a written string from the cell's format.
  const paint = (id: string, kind: StepKind, op: PaintOp<string | boolean | null>, one: (t: Formattable, v: any) => unknown, many: (r: Range, m: any[][]) => unknown) =>
    add(id, kind, opCells(op), op.kind === "value" && op.ranges.length > 1 ? 2 : 1, () => {
      if (op.kind === "matrix") many(rangeOf(op.range), op.matrix);
      else one(target(op.ranges), op.value);
    });
  formatOps.forEach((op, i) => paint(`format:${i}`, "format", op, (t, v) => t.setNumberFormat(v), (r, m) => r.setNumberFormats(m)));

  const textRanges = formats.filter((f) => f.format === TEXT_FORMAT).map((f) => f.range);
  valueSlices.forEach(({ block, range }, i) =>
    add(`values:${i}`, "write", range.rows * range.cols, 1, () => {
      const rows = block.cells.slice(range.row - block.row, range.row - block.row + range.rows);
      const values = rows.map((row, r) => row.map((cell, c) => toSheetValue(cell, textRanges.length > 0 && textRanges.some((t) => within(t, range.row + r, block.col + c)))));
      rangeOf(range).setValues(values);
    }),
  );

  for (const { prop, ops } of styleOps) {
    ops.forEach((op, i) => {
      const [one, many]: [(t: Formattable, v: any) => unknown, (r: Range, m: any[][]) => unknown] =
        prop === "fontWeight" ? [(t, v) => t.setFontWeight(v), (r, m) => r.setFontWeights(m)]
        : prop === "fontStyle" ? [(t, v) => t.setFontStyle(v), (r, m) => r.setFontStyles(m)]
        : prop === "wrap" ? [(t, v) => t.setWrap(v), (r, m) => r.setWraps(m)]
        : prop === "background" ? [(t, v) => t.setBackground(v), (r, m) => r.setBackgrounds(m)]
        : [(t, v) => t.setFontColor(v), (r, m) => r.setFontColors(m)];
      paint(`style:${prop}:${i}`, "format", op, one, many);
    });
  }

  // ---- validation: each distinct rule built once; a dropdown fed from a sheet that is not there is skipped.
  validationOps.forEach((op, i) =>
    add(`validation:${i}`, "validation", opCells(op), op.kind === "value" ? op.ranges.length : 1, () => {
      const rule = (key: string | null): DataValidation | null => {
        if (key === null) return null;
        const v = byKey.get(key)!;
        const dv = ctx.rules.get(v);
        if (!dv) ctx.warnings.push(`No dropdown in ${p.name}!${a1(v.range)}: its list ${v.listSource ?? ""} could not be read.`);
        return dv;
      };
      if (op.kind === "matrix") {
        const built = new Map<string | null, DataValidation | null>();
        const at = (k: string | null) => (built.has(k) ? built.get(k)! : (built.set(k, rule(k)), built.get(k)!));
        const matrix = op.matrix.map((row) => row.map(at));
        // A rule that could not be built is left off (null would clear a cell's rule, which is ours anyway).
        rangeOf(op.range).setDataValidations(matrix);
      } else {
        const dv = rule(op.value as string);
        if (dv) for (const r of op.ranges) rangeOf(r).setDataValidation(dv);
      }
    }),
  );

  if (p.conditionalFormats.length || !fresh) add("conditionalFormats", "other", 0, p.conditionalFormats.length + 2, () => applyConditionalFormats(sheet, p, fresh, rangeOf));

  add("layout", "other", 0, 2 + p.columnWidths.length, () => {
    if (!fresh || p.freeze.rows) sheet.setFrozenRows(p.freeze.rows);
    if (!fresh || p.freeze.cols) sheet.setFrozenColumns(p.freeze.cols);
    for (const w of columnWidthCalls(p.columnWidths)) sheet.setColumnWidths(w.col + 1, w.count, w.px);
  });

  // Sheets' API has no tables: a basic filter over the table gives the same sorting and filtering.
  if (p.table) add("filter", "other", 0, 4, () => applyFilter(sheet, p.table!.range, state, rangeOf));

  // Ours go first, ten at a time (a sheet this build made in an earlier execution may hold charts of a step cut
  // short: replaced like ours); the plan's then go in, ten at a time. Removing a chart costs as much as adding one.
  if (state !== "new") {
    const batches = Math.max(1, Math.ceil(p.charts.length / CHARTS_PER_STEP));
    let ours: EmbeddedChart[] | undefined;
    for (let i = 0; i < batches; i++) {
      const last = i === batches - 1;
      add(`charts:remove:${i}`, "chart", 0, CHARTS_PER_STEP * 3 + (i === 0 ? 2 * p.charts.length + 1 : 0), () => {
        // Found once per execution; each step removes its share, the last whatever is left.
        ours ??= ourCharts(sheet, p.charts);
        for (const ch of last ? ours.splice(0) : ours.splice(0, CHARTS_PER_STEP)) sheet.removeChart(ch);
      });
    }
  }
  for (let i = 0; i < p.charts.length; i += CHARTS_PER_STEP) {
    const batch = p.charts.slice(i, i + CHARTS_PER_STEP);
    add(`charts:${i / CHARTS_PER_STEP}`, "chart", 0, batch.length * 12 + 2, () => insertCharts(ctx, sheet, batch));
  }
  if (p.hidden) add("hide", "other", 0, 1, () => sheet.hideSheet());
  // The sheet's own names are read (a getName each: there is no batch form), the plan's set (a call each). A sheet
  // this build inserted has none to read: this step is its last, so only one cut short left any, and those are
  // found as names held elsewhere.
  if (names.length) add("names", "other", 0, (fresh ? 0 : 1 + names.length) + names.length, () => applyNames(ctx, sheet, fresh, names));
  return steps;
}

/**
 * Conditional formats: Sheets only sets the whole list, so we keep the person's own rules and replace ours.
 * A rule is ours when its formula is one we write, or its range is exactly one we format (a person's rule on
 * part of our table stays). The list keeps the plan's order (it is the rules' priority).
 */
function applyConditionalFormats(sheet: Sheet, p: SheetPlan, fresh: boolean, rangeOf: (r: RangeRef) => Range) {
  const rules = p.conditionalFormats;
  const existing = fresh ? [] : sheet.getConditionalFormatRules();
  if (rules.length === 0 && existing.length === 0) return;
  const ours = new Set(rules.map(cfFormula));
  const ourRanges = new Set(rules.map((r) => a1(r.range)));
  const kept = existing.filter((rule) => {
    const cond = rule.getBooleanCondition();
    const values = cond ? cond.getCriteriaValues() : [];
    if (values.some((v) => typeof v === "string" && ours.has(v))) return false;
    // One getA1Notation per range rather than its four coordinates.
    return !rule.getRanges().some((rg) => ourRanges.has(rg.getA1Notation().replace(/\$/g, "").toUpperCase()));
  });
  const built: ConditionalFormatRuleLike[] = rules.map((r) => buildFormatRule(r, rangeOf(r.range)));
  sheet.setConditionalFormatRules([...kept, ...built]);
}

/**
 * The table's filter: made on a sheet that has none; on a rebuild whose table grew or shrank, ours (the filter
 * over A1's table) is made again at the new size with each column's criteria carried over, as Sheets has no
 * way to resize a filter. A filter that is not over our table's top-left cell is the person's and stays.
 */
function applyFilter(sheet: Sheet, range: RangeRef, state: SheetState, rangeOf: (r: RangeRef) => Range) {
  if (state === "new") {
    rangeOf(range).createFilter();
    return;
  }
  const filter = sheet.getFilter();
  if (!filter) {
    rangeOf(range).createFilter();
    return;
  }
  const old = filter.getRange();
  const at = old.getA1Notation();
  if (at === a1(range)) return;
  const [oldRow, oldCol] = [old.getRow(), old.getColumn()];
  if (oldRow !== range.row + 1 || oldCol !== range.col + 1) return; // not ours
  const width = old.getNumColumns();
  const criteria: { col: number; c: object }[] = [];
  for (let c = oldCol; c < oldCol + width; c++) {
    const got = filter.getColumnFilterCriteria(c);
    if (got) criteria.push({ col: c, c: got });
  }
  filter.remove();
  const made = rangeOf(range).createFilter();
  for (const { col, c } of criteria) if (col <= range.col + range.cols) made.setColumnFilterCriteria(col, c);
}

/**
 * Charts we made before are recognised by title: a chart on this sheet whose title is one of the plan's
 * chart titles, or which sits exactly at a plan chart's anchor cell, is ours to replace; any other chart is the
 * person's and stays.
 */
function ourCharts(sheet: Sheet, charts: ChartSpec[]): EmbeddedChart[] {
  const existing = sheet.getCharts();
  if (existing.length === 0) return [];
  const titles = new Set(charts.map((c) => c.title));
  const anchors = new Set(charts.map((c) => `${c.anchor.row + 1}:${c.anchor.col + 1}`));
  return existing.filter((ch) => {
    if (titles.has(String(ch.getOptions().get("title")))) return true;
    const info = ch.getContainerInfo();
    return anchors.has(`${info.getAnchorRow()}:${info.getAnchorColumn()}`);
  });
}

function insertCharts(ctx: StepCtx, sheet: Sheet, charts: ChartSpec[]) {
  // Data on sheets this step has not fetched: one bulk fetch per sheet.
  const refs = new Map<string, RangeRef[]>();
  for (const c of charts) for (const x of [c.categories, ...c.series]) refs.set(x.sheet, [...(refs.get(x.sheet) ?? []), x.range]);
  for (const [name, list] of refs) ctx.handles.fetch(name, list);
  for (const c of charts) {
    // Bands (months flagged special cause) are columns on a second, hidden axis from 0 to 1: a combo chart.
    const banded = c.series.some((s) => s.style === "band");
    let cb = (banded ? sheet.newChart().asComboChart() : sheet.newChart().asLineChart()).addRange(ctx.handles.get(c.categories.sheet, c.categories.range));
    for (const s of c.series) cb = cb.addRange(ctx.handles.get(s.sheet, s.range));
    // Months along a row: stack the row ranges, then read rows as series with the first row as the axis.
    if (c.categories.range.rows === 1 && c.categories.range.cols > 1) {
      cb = cb.setMergeStrategy(Charts.ChartMergeStrategy.MERGE_ROWS).setTransposeRowsAndColumns(true);
    }
    const series: Record<number, SheetsSeriesOption> = {};
    c.series.forEach((s, i) => (series[i] = sheetsSeries(s)));
    const axes: Record<number, object> = {};
    if (c.valueFormat) axes[0] = { format: c.valueFormat.replace(/"/g, "") };
    if (banded) axes[1] = { viewWindow: { min: 0, max: 1 }, textPosition: "none", gridlines: { count: 0 } };
    // setOption takes one option per call; these are the ones that change what the person sees.
    cb = cb.setNumHeaders(0).setOption("title", c.title).setOption("series", series);
    if (Object.keys(axes).length) cb = cb.setOption("vAxes", axes);
    if (banded) cb = cb.setOption("seriesType", "line").setOption("bar", { groupWidth: "100%" });
    const chart = cb
      .setOption("width", Math.max(300, c.anchor.cols * COL_PX))
      .setOption("height", Math.max(200, c.anchor.rows * ROW_PX))
      .setPosition(c.anchor.row + 1, c.anchor.col + 1, 0, 0)
      .build();
    sheet.insertChart(chart);
  }
}

/** A series as Google's chart options draw it: the plan's style as line width, points, dashes or columns. */
export interface SheetsSeriesOption {
  labelInLegend: string; color?: string; type?: "line" | "bars"; targetAxisIndex?: number;
  pointSize?: number; lineWidth?: number; lineDashStyle?: number[];
}
export function sheetsSeries(s: ChartSpec["series"][number]): SheetsSeriesOption {
  const o: SheetsSeriesOption = { labelInLegend: s.name };
  if (s.color) o.color = s.color;
  if (s.style === "band") return { ...o, type: "bars", targetAxisIndex: 1 };
  if (s.style === "line") return { ...o, pointSize: 0, lineWidth: 2 };
  if (s.style === "dash") return { ...o, pointSize: 0, lineWidth: 2, lineDashStyle: [6, 4] };
  return s.style === "markers" ? { ...o, pointSize: 5 } : o;
}

/**
 * Creates or moves this sheet's names. Only the names already on this sheet are read (on a rebuild, ours): a
 * workbook holds 200 and more, and reading every one would cost each execution minutes on a slow host; a sheet
 * this build inserted is not read at all. A name held elsewhere (moved by a person, left pointing at a sheet the
 * person deleted, or made by a names step cut short) makes setNamedRange refuse it: only then are the workbook's
 * names read, once an execution, and that one moved. Always set: checking where a name points first (getRange,
 * getA1Notation, getSheet) costs more calls than the one setRange it could save.
 */
function applyNames(ctx: StepCtx, sheet: Sheet, ours: boolean, names: NamedRange[]) {
  const here = new Map<string, NamedRangeLike>();
  if (!ours) for (const nr of sheet.getNamedRanges()) here.set(nr.getName().toLowerCase(), nr);
  for (const n of names) {
    let range: Range;
    try {
      range = ctx.handles.get(n.sheet, n.range);
    } catch (e) {
      continue;
    }
    const key = n.name.toLowerCase();
    const old = here.get(key) ?? ctx.names?.get(key);
    if (old) old.setRange(range);
    else if (!ctx.namesMade.has(key)) {
      try {
        ctx.ss.setNamedRange(n.name, range);
      } catch (e) {
        if (!ctx.names) {
          ctx.names = new Map();
          for (const nr of ctx.ss.getNamedRanges()) ctx.names.set(nr.getName().toLowerCase(), nr);
        }
        const elsewhere = ctx.names.get(key);
        if (!elsewhere) throw e;
        elsewhere.setRange(range);
      }
      ctx.namesMade.add(key);
    }
  }
}
