/**
 * Excel host: reads a WorkbookSnapshot and applies a WritePlan through the Excel JavaScript API.
 *
 * Every context.sync() is a round trip to Excel (over the network in Excel on the web), so all of a sheet's
 * writes are queued and sent in one sync; only a request that would pass ~4 MB is split (Excel on the web
 * refuses requests and responses over 5 MB). Syncs per sheet therefore do not grow with rows.
 *
 * If any sync fails or hangs, the build is rolled back to the workbook as it was: sheets it added are deleted,
 * names and tables put back, and on every sheet that existed whatever the build changed there: values and
 * formulas (from the snapshot), and number formats, cell styles, column widths, data validation, conditional
 * formats, freeze panes and visibility, as read before the first write (in the prepare sync, plus one more read
 * only for rules and styles that differ within a range and for conditional formats' areas; a read over the
 * response budget is split). A chart cannot be made again as it was, so the old charts a build replaces are
 * deleted by its very last steps: a failure before them rolls back with them untouched, one during them is
 * finished instead. What Excel gives no way to read back (a conditional format over several areas before
 * ExcelApi 1.9) is named in the failure, which then says the workbook was not fully put back.
 *
 * Requirement sets: the writer needs ExcelApi 1.8 at least (data validation is 1.8; getRangeByIndexes,
 * freezePanes (getLocationOrNullObject too), Chart.id, NamedItem.formula and chart series add/setValues/
 * setXAxisValues are 1.7; conditional formats 1.6; the *OrNullObject getters 1.4). Anything newer is checked with
 * `isSetSupported` before use, with a fallback: Range.getTables (1.9; building and rolling back do without it),
 * ConditionalFormat.getRanges with Worksheet.getRanges (1.9; see above), RangeFill.pattern (1.9; without it a
 * white fill reads as no fill), Table.resize (1.13) and mergeUndoGroup (1.20, in the bridge). Every Excel with
 * the manifest's CustomFunctionsRuntime 1.2 and SharedRuntime 1.1 also has ExcelApi 1.9 or later, so an Excel
 * that can load the add-in has what the writer needs.
 */
import {
  a1,
  isoToSerial,
  type Block,
  type ChartSpec,
  type NamedRange,
  type PlanCell,
  type RangeRef,
  type SheetPlan,
  type SheetSnapshot,
  type SnapshotValue,
  type ValidationRule,
  type WorkbookSnapshot,
  type WritePlan,
  rectangles,
  within,
} from "../core/workbook/plan";
import type { BuildProgress, BuildResult } from "../pane/bridge";

export const SYNC_TIMEOUT_MS = 30_000;
/** Bytes of queued requests per sync: under Excel on the web's 5 MB with room for the envelope. */
export const REQUEST_BUDGET = 4_000_000;
/** Rough JSON size of one cell's value + formula in a read response. */
const READ_BYTES_PER_CELL = 40;
/** Rough JSON envelope of one queued action. */
const OP_BYTES = 200;
/** Charts this add-in made carry this name prefix; only those are replaced. */
export const CHART_PREFIX = "PCN ";
/** Used for date cells the plan gave no number format. */
const DATE_FORMAT = "dd/mm/yyyy";
const ALERT_TITLE = "PCN Toolkit";

// ---------------------------------------------------------------- errors and syncs

/** A build that failed; `restored` says whether the workbook was put back as it was. */
export class BuildFailure extends Error {
  readonly cause: unknown;
  readonly restored: boolean;
  constructor(message: string, cause: unknown, restored: boolean) {
    super(message);
    this.name = "BuildFailure";
    this.cause = cause;
    this.restored = restored;
  }
}

/** Office.js error code if there is one (RichApi.Error has `code`). */
export function errorCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : undefined;
}
function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s+/g, " ").trim().replace(/[.\s]*$/, ".");
}

/** The error to show when reading the workbook failed (nothing was written). */
export function readFailure(e: unknown): BuildFailure {
  return e instanceof BuildFailure ? e : new BuildFailure(`PCN Toolkit could not read the workbook, so it changed nothing. Excel said: ${describe(e)}`, e, true);
}

const encoder = new TextEncoder();
const jsonBytes = (x: unknown) => encoder.encode(JSON.stringify(x) ?? "").length;

/** Counts syncs and times each one out: a hung sync must not hang the pane forever. */
class Syncer {
  count = 0;
  bytes = 0;
  constructor(private ctx: Excel.RequestContext, private timeoutMs: number) {}
  async sync(what: string, estimatedBytes = 0): Promise<void> {
    this.count++;
    this.bytes += estimatedBytes;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new Error(`Excel did not answer within ${Math.round(this.timeoutMs / 1000)} seconds while ${what}`);
        (e as { code?: string }).code = "Timeout";
        reject(e);
      }, this.timeoutMs);
    });
    try {
      await Promise.race([this.ctx.sync(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

// ---------------------------------------------------------------- reading

export interface ReadOptions {
  syncTimeoutMs?: number;
  /** Budget for one read response (bytes). */
  maxResponseBytes?: number;
}

/** Cells seen by the previous read: a big workbook skips the optimistic one-trip read next time. */
let lastCellCount = 0;

const isPayloadError = (e: unknown) => /PayloadSizeLimitExceeded/i.test(errorCode(e) ?? "") || /payload size/i.test(String((e as Error)?.message));

function toSnapshotValue(v: unknown): SnapshotValue {
  if (v === "" || v === null || v === undefined) return null;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
  return String(v);
}
/**
 * Office.js returns a text cell's content without its apostrophe in `formulas`, so text such as "=A1" looks
 * like a formula there; a real formula's value is its result, never its own text.
 */
function toSnapshotFormula(f: unknown, v: unknown): string | null {
  return typeof f === "string" && f.startsWith("=") && f !== v ? f : null;
}

interface Grid { values: SnapshotValue[][]; formulas: (string | null)[][] }
function emptyGrid(rows: number, cols: number): Grid {
  return {
    values: Array.from({ length: rows }, () => new Array<SnapshotValue>(cols).fill(null)),
    formulas: Array.from({ length: rows }, () => new Array<string | null>(cols).fill(null)),
  };
}
function putInto(g: Grid, row0: number, col0: number, values: unknown[][], formulas: unknown[][]) {
  for (let i = 0; i < values.length; i++) {
    for (let j = 0; j < values[i].length; j++) {
      g.values[row0 + i][col0 + j] = toSnapshotValue(values[i][j]);
      g.formulas[row0 + i][col0 + j] = toSnapshotFormula(formulas[i]?.[j], values[i][j]);
    }
  }
}

/** Values and formulas of every sheet from A1 to the end of its used range (values only). */
export async function readSnapshot(context: Excel.RequestContext, opts: ReadOptions = {}): Promise<WorkbookSnapshot> {
  const s = new Syncer(context, opts.syncTimeoutMs ?? SYNC_TIMEOUT_MS);
  return readWith(context, s, opts.maxResponseBytes ?? REQUEST_BUDGET);
}

async function readWith(context: Excel.RequestContext, s: Syncer, budget: number): Promise<WorkbookSnapshot> {
  const collection = context.workbook.worksheets;
  collection.load("items/name");
  await s.sync("listing the sheets");
  const sheets = collection.items.map((ws) => ({ name: ws.name, ws }));

  // Most workbooks fit one response: read every used range whole in one sync.
  if (lastCellCount * READ_BYTES_PER_CELL <= budget) {
    const used = sheets.map(({ ws }) => ws.getUsedRangeOrNullObject(true).load("rowIndex,columnIndex,rowCount,columnCount,values,formulas"));
    try {
      await s.sync("reading the sheets");
      const out = sheets.map(({ name }, i): SheetSnapshot => {
        const u = used[i];
        if (u.isNullObject) return { name, values: [], formulas: [] };
        const g = emptyGrid(u.rowIndex + u.rowCount, u.columnIndex + u.columnCount);
        putInto(g, u.rowIndex, u.columnIndex, u.values, u.formulas);
        return { name, ...g };
      });
      lastCellCount = cellCount(out);
      return { sheets: out };
    } catch (e) {
      if (!isPayloadError(e)) throw e;
    }
  }

  // Too big for one response: measure, then read in row chunks that each fit the budget.
  const dims = sheets.map(({ ws }) => ws.getUsedRangeOrNullObject(true).load("rowIndex,columnIndex,rowCount,columnCount"));
  await s.sync("measuring the sheets");
  const grids: Grid[] = [];
  const chunks: Chunk[] = [];
  sheets.forEach(({ ws }, i) => {
    const u = dims[i];
    const rows = u.isNullObject ? 0 : u.rowIndex + u.rowCount;
    const cols = u.isNullObject ? 0 : u.columnIndex + u.columnCount;
    grids.push(emptyGrid(rows, cols));
    if (rows === 0) return;
    const per = Math.max(1, Math.floor(budget / (cols * READ_BYTES_PER_CELL)));
    for (let r = 0; r < rows; r += per) chunks.push({ sheet: i, ws, row: r, rows: Math.min(per, rows - r), cols });
  });
  await readChunks(chunks, grids, s, budget);
  const out = sheets.map(({ name }, i) => ({ name, ...grids[i] }));
  lastCellCount = cellCount(out);
  return { sheets: out };
}

interface Chunk { sheet: number; ws: Excel.Worksheet; row: number; rows: number; cols: number }

/** Groups chunks into syncs under the budget; halves them if Excel still finds a response too big. */
async function readChunks(chunks: Chunk[], grids: Grid[], s: Syncer, budget: number): Promise<void> {
  let group: Chunk[] = [];
  let bytes = 0;
  const flush = async () => {
    if (group.length === 0) return;
    const batch = group;
    group = [];
    bytes = 0;
    const ranges = batch.map((c) => c.ws.getRangeByIndexes(c.row, 0, c.rows, c.cols).load("values,formulas"));
    try {
      await s.sync("reading the sheets");
    } catch (e) {
      if (!isPayloadError(e) || batch.every((c) => c.rows === 1)) throw e;
      const halves = batch.flatMap((c) => {
        if (c.rows === 1) return [c];
        const h = Math.ceil(c.rows / 2);
        return [{ ...c, rows: h }, { ...c, row: c.row + h, rows: c.rows - h }];
      });
      return readChunks(halves, grids, s, Math.floor(budget / 2));
    }
    batch.forEach((c, i) => putInto(grids[c.sheet], c.row, 0, ranges[i].values, ranges[i].formulas));
  };
  for (const c of chunks) {
    const b = c.rows * c.cols * READ_BYTES_PER_CELL;
    if (group.length > 0 && bytes + b > budget) await flush();
    group.push(c);
    bytes += b;
  }
  await flush();
}

const cellCount = (sheets: SheetSnapshot[]) => sheets.reduce((n, s) => n + s.values.length * (s.values[0]?.length ?? 0), 0);

// ---------------------------------------------------------------- literal text

/**
 * True when Excel might not keep `s` as this text if written as it is: a formula or sign prefix, an
 * apostrophe of its own, anything with a digit (numbers, dates, times, percentages, currency), booleans,
 * error literals, edge spaces. Erring towards true is harmless: the apostrophe is not part of the value.
 */
export function needsApostrophe(s: string): boolean {
  if (s === "") return false;
  return /^[=+\-@'#\s]/.test(s) || /\s$/.test(s) || /\p{Nd}/u.test(s) || /^(true|false)$/i.test(s);
}

/** One plan cell as `range.formulas` takes it (into a cell not formatted as Text). */
export function toExcelInput(cell: PlanCell | undefined): string | number | boolean {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "number") return Number.isFinite(cell) ? cell : "";
  if (typeof cell === "boolean") return cell;
  if (typeof cell === "string") return needsApostrophe(cell) ? `'${cell}` : cell;
  if ("f" in cell) return cell.f.startsWith("=") ? cell.f : `=${cell.f}`;
  return isoToSerial(cell.d);
}

/** A snapshot cell written back as it was: its formula, else its value as a literal. */
function snapshotInput(s: SheetSnapshot | undefined, r: number, c: number): string | number | boolean {
  const f = s?.formulas[r]?.[c];
  if (f) return f;
  const v = s?.values[r]?.[c];
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? toExcelInput(v) : v;
}

// ---------------------------------------------------------------- geometry



function intersection(a: RangeRef, b: RangeRef): RangeRef | null {
  const row = Math.max(a.row, b.row);
  const col = Math.max(a.col, b.col);
  const rows = Math.min(a.row + a.rows, b.row + b.rows) - row;
  const cols = Math.min(a.col + a.cols, b.col + b.cols) - col;
  return rows > 0 && cols > 0 ? { row, col, rows, cols } : null;
}

/** Merges rectangles stacked row on row over the same columns (blocks split around typed cells). */
function mergeRects(rects: RangeRef[]): RangeRef[] {
  const sorted = [...rects].sort((a, b) => a.col - b.col || a.cols - b.cols || a.row - b.row);
  const out: RangeRef[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.col === r.col && last.cols === r.cols && r.row <= last.row + last.rows) {
      last.rows = Math.max(last.rows, r.row + r.rows - last.row);
    } else out.push({ ...r });
  }
  return out;
}

/** The cells of some rectangles as disjoint rectangles (neighbouring columns with the same row runs side by side). */
function union(rects: RangeRef[]): RangeRef[] {
  const runs = new Map<number, [number, number][]>();
  for (const r of rects) {
    for (let c = r.col; c < r.col + r.cols; c++) {
      let l = runs.get(c);
      if (!l) runs.set(c, (l = []));
      l.push([r.row, r.row + r.rows]);
    }
  }
  const keyOf = new Map<number, string>();
  for (const [c, l] of runs) {
    l.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const [a, b] of l) {
      const last = merged[merged.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    runs.set(c, merged);
    keyOf.set(c, JSON.stringify(merged));
  }
  const cols = [...runs.keys()].sort((a, b) => a - b);
  const out: RangeRef[] = [];
  for (let i = 0; i < cols.length; ) {
    let j = i + 1;
    while (j < cols.length && cols[j] === cols[j - 1] + 1 && keyOf.get(cols[j]) === keyOf.get(cols[i])) j++;
    for (const [a, b] of runs.get(cols[i])!) out.push({ row: a, col: cols[i], rows: b - a, cols: j - i });
    i = j;
  }
  return out;
}

/** a minus b, as up to four rectangles. */
function minus(a: RangeRef, b: RangeRef): RangeRef[] {
  if (!intersection(a, b)) return [a];
  const out: RangeRef[] = [];
  if (b.row > a.row) out.push({ ...a, rows: b.row - a.row });
  const end = a.row + a.rows - (b.row + b.rows);
  if (end > 0) out.push({ ...a, row: b.row + b.rows, rows: end });
  const r0 = Math.max(a.row, b.row);
  const rows = Math.min(a.row + a.rows, b.row + b.rows) - r0;
  if (b.col > a.col) out.push({ row: r0, col: a.col, rows, cols: b.col - a.col });
  const right = a.col + a.cols - (b.col + b.cols);
  if (right > 0) out.push({ row: r0, col: b.col + b.cols, rows, cols: right });
  return out;
}

/** At most this many parts when a range whose cells differ is read again part by part. */
const MAX_PARTS = 1000;
/** A range of several cells cut into at most MAX_PARTS bands of rows (of columns when it is one row). */
function parts(r: RangeRef): RangeRef[] {
  const byRows = r.rows > 1;
  const n = byRows ? r.rows : r.cols;
  const size = Math.ceil(n / MAX_PARTS);
  const out: RangeRef[] = [];
  for (let k = 0; k < n; k += size) out.push(byRows ? { ...r, row: r.row + k, rows: Math.min(size, n - k) } : { ...r, col: r.col + k, cols: Math.min(size, n - k) });
  return out;
}

/** Merges parts with the same key stacked row on row over the same columns. */
function mergeAlike<T extends { rect: RangeRef }>(items: T[], key: (x: T) => string): T[] {
  const sorted = [...items].sort((a, b) => a.rect.col - b.rect.col || a.rect.cols - b.rect.cols || a.rect.row - b.rect.row);
  const out: T[] = [];
  for (const x of sorted) {
    const last = out[out.length - 1];
    if (last && last.rect.col === x.rect.col && last.rect.cols === x.rect.cols && last.rect.row + last.rect.rows === x.rect.row && key(last) === key(x)) {
      last.rect = { ...last.rect, rows: last.rect.rows + x.rect.rows };
    } else out.push({ ...x, rect: { ...x.rect } });
  }
  return out;
}

const rectOf = (r: Excel.Range): RangeRef => ({ row: r.rowIndex, col: r.columnIndex, rows: r.rowCount, cols: r.columnCount });

// ---------------------------------------------------------------- applying

export interface ApplyOptions {
  /** What readSnapshot returned before planning (read again when absent): the rollback restores from it. */
  snapshot?: WorkbookSnapshot;
  syncTimeoutMs?: number;
  maxRequestBytes?: number;
  /**
   * Runs a batch in a new context, as `Excel.run` without undo grouping does. The rollback uses it so it neither
   * waits behind a hung sync nor sits in a merged undo group (Worksheet.delete cannot). Default: this context.
   */
  freshRun?: <T>(batch: (ctx: Excel.RequestContext) => Promise<T>) => Promise<T>;
  /** Leave hiding sheets to applySheetVisibility (Excel on Windows and Mac refuse it in a merged undo group). */
  deferVisibility?: boolean;
  /** Requirement-set check; default Office.context.requirements.isSetSupported. */
  isSetSupported?: (name: string, version: string) => boolean;
}

export interface ApplyResult extends BuildResult {
  /** Syncs made by this call (including the read when no snapshot was given). */
  syncs: number;
  /** Estimated bytes of the queued writes. */
  requestBytes: number;
  /** Sheets this build added. */
  created: string[];
}

function officeSupports(name: string, version: string): boolean {
  try {
    return typeof Office !== "undefined" && !!Office.context?.requirements?.isSetSupported(name, version);
  } catch {
    return false;
  }
}

/** What the rollback needs to know about what the build did before it failed. */
interface Undo {
  /** False until the first write is queued: a failure before it needs no rollback. */
  written: boolean;
  created: string[];
  /** Ids of the sheets there were when the build started (read in the prepare sync). */
  priorIds?: Set<string>;
  /** Ids of the sheets this build added, once the sync that added them came back. */
  createdIds?: Set<string>;
  /** Names' formulas before the build (null: the name did not exist); set once the names were queued. */
  priorNames?: Map<string, string | null>;
  /** Existing sheets' visibility before the build. */
  priorVisibility: Map<string, string>;
  /** Tables the build added on sheets that existed (none overlapped the range before). */
  addedTables: { sheet: string; range: RangeRef }[];
  /** What the build changes on each sheet that existed (by lower-case name), read before the first write. */
  before: Map<string, Before>;
  /** Sheets that existed whose freeze panes the build set. */
  froze: Set<string>;
  /**
   * Charts an earlier build made, which this one replaces: deleted by the very last steps of the build, since a
   * deleted chart cannot be made again as it was. Once the first is gone every other write has gone through.
   */
  retire: { sheet: string; id: string }[];
  /** What the rollback could not put back (said in its message). */
  cannot: string[];
}

interface Step { bytes: number; run: () => void }

// ---------------------------------------------------------------- what a build changes on a sheet that exists

/** Excel's grid: a frozen pane this tall or wide is whole columns or whole rows. */
const EXCEL_ROWS = 1048576;
const EXCEL_COLS = 16384;
/** Rough JSON size of one cell's number format in a read response. */
const FORMAT_BYTES = 24;

/** One data validation rule, over a rectangle where every cell has it. */
interface RulePart { rect: RangeRef; rule: Excel.DataValidationRule; errorAlert?: Excel.DataValidationErrorAlert; prompt?: Excel.DataValidationPrompt; ignoreBlanks?: boolean }
type StyleKey = "fill" | "bold" | "italic" | "fontColor" | "wrap";
/** What the plan's style rules set, over a rectangle where every cell has the same; fill null: no fill. */
interface StylePart { rect: RangeRef; fill?: string | null; pattern?: string; bold?: boolean; italic?: boolean; fontColor?: string; wrap?: boolean }
/** A conditional format over a range the build clears, as Excel reported it. */
interface PriorFormat { id: string; type: string; priority: number; stopIfTrue?: boolean; areas: RangeRef[]; props: Record<string, unknown> }

/** What a sheet that exists had where the build changes it, read before the first write. */
interface Before {
  name: string;
  /** Number formats of every range the build writes, clears or formats. */
  formats: { rect: RangeRef; formats: string[][] }[];
  styles: StylePart[];
  freeze?: { rows: number; cols: number };
  /** Widths (points) of the columns the build sets. */
  widths: { col: number; width: number }[];
  rules: RulePart[];
  conditional: PriorFormat[];
  /** Ids of the sheet's charts. */
  charts: Set<string>;
}

/** A read made before anything is written; `done` runs after its sync and may ask for more (a range read in parts). */
interface Read { bytes: number; queue: () => () => Read[] | void }

/** Queues reads while the response stays under the budget (always at least one in a sync of its own). */
function queueReads(reads: Read[], budget: number, used: number): { done: (() => Read[] | void)[]; rest: Read[] } {
  const done: (() => Read[] | void)[] = [];
  let i = 0;
  for (; i < reads.length; i++) {
    if ((used > 0 || done.length > 0) && used + reads[i].bytes > budget) break;
    done.push(reads[i].queue());
    used += reads[i].bytes;
  }
  return { done, rest: reads.slice(i) };
}

/** Loaded values without nulls and emptied objects (Office.js reports a rule's unused kinds as null). */
function compact<T>(x: T): T {
  if (Array.isArray(x)) return x.map(compact) as T;
  if (x === null || typeof x !== "object") return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    const c = compact(v);
    if (c === null || c === undefined || (typeof c === "object" && !Array.isArray(c) && Object.keys(c).length === 0)) continue;
    out[k] = c;
  }
  return out as T;
}

function blockRects(sp: SheetPlan): RangeRef[] {
  return sp.blocks.flatMap((block) => rectangles(block).map((b) => ({ row: b.row, col: b.col, rows: b.cells.length, cols: b.cells[0].length })));
}

/** Where a sheet's conditional formats are cleared: the plan's ranges down to the old end of the sheet (a range may shrink). */
function cfClearRects(sp: SheetPlan, existed: SheetSnapshot | undefined): RangeRef[] {
  const oldRows = existed?.values.length ?? 0;
  return mergeRects(sp.conditionalFormats.map((cf) => ({ ...cf.range, rows: Math.max(cf.range.rows, oldRows - cf.range.row) })));
}

// A rule's format is read back as fill, font and number format; its borders (a collection per side) are not read
// or put back: the add-in's own rules have none, and a person's bordered rule comes back without its borders.
const FORMAT_PATHS = (k: string) => [`${k}/format/fill/color`, `${k}/format/font/color`, `${k}/format/font/bold`, `${k}/format/font/italic`, `${k}/format/font/strikethrough`, `${k}/format/font/underline`, `${k}/format/numberFormat`];
/** What makes each type of conditional format, as load paths (and, nested, what ConditionalFormat.set takes). */
const CF_PATHS: Record<string, string[]> = {
  Custom: ["custom/rule/formula", ...FORMAT_PATHS("custom")],
  CellValue: ["cellValue/rule", ...FORMAT_PATHS("cellValue")],
  ContainsText: ["textComparison/rule", ...FORMAT_PATHS("textComparison")],
  TopBottom: ["topBottom/rule", ...FORMAT_PATHS("topBottom")],
  PresetCriteria: ["preset/rule", ...FORMAT_PATHS("preset")],
  ColorScale: ["colorScale/criteria"],
  IconSet: ["iconSet/criteria", "iconSet/style", "iconSet/reverseIconOrder", "iconSet/showIconOnly"],
  DataBar: [
    "dataBar/axisColor", "dataBar/axisFormat", "dataBar/barDirection", "dataBar/showDataBarOnly", "dataBar/lowerBoundRule", "dataBar/upperBoundRule",
    "dataBar/positiveFormat/fillColor", "dataBar/positiveFormat/borderColor", "dataBar/positiveFormat/gradientFill",
    "dataBar/negativeFormat/fillColor", "dataBar/negativeFormat/borderColor", "dataBar/negativeFormat/matchPositiveFillColor", "dataBar/negativeFormat/matchPositiveBorderColor",
  ],
};
const dig = (o: unknown, path: string): unknown => path.split("/").reduce<unknown>((x, k) => (x && typeof x === "object" ? (x as Record<string, unknown>)[k] : undefined), o);
function nest(values: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, v] of values) {
    const keys = path.split("/");
    let at = out;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys[keys.length - 1]] = v;
  }
  return out;
}

/**
 * The reads that let a rollback put an existing sheet back: freeze panes; number formats of every range the plan
 * writes, clears or formats; what its style rules set; the widths it sets; the data validation and conditional
 * formats it replaces; its charts. Styles and rules that differ within a range are read again in parts.
 */
function beforeReads(sp: SheetPlan, ws: Excel.Worksheet, existed: SheetSnapshot, b: Before, cannot: string[], supports: (name: string, version: string) => boolean, budget: number): Read[] {
  const at = (r: RangeRef) => ws.getRangeByIndexes(r.row, r.col, r.rows, r.cols);
  const reads: Read[] = [];
  reads.push({
    bytes: OP_BYTES,
    queue: () => {
      const loc = ws.freezePanes.getLocationOrNullObject().load("rowCount,columnCount");
      return () => {
        // Frozen rows come back as whole rows, frozen columns as whole columns.
        b.freeze = loc.isNullObject ? { rows: 0, cols: 0 } : { rows: loc.rowCount >= EXCEL_ROWS ? 0 : loc.rowCount, cols: loc.columnCount >= EXCEL_COLS ? 0 : loc.columnCount };
      };
    },
  });

  for (const r of union([...blockRects(sp), ...sp.clears, ...sp.formats.map((f) => f.range)])) {
    const per = Math.max(1, Math.floor((budget - OP_BYTES) / (r.cols * FORMAT_BYTES)));
    for (let k = 0; k < r.rows; k += per) {
      const part = { ...r, row: r.row + k, rows: Math.min(per, r.rows - k) };
      reads.push({
        bytes: OP_BYTES + part.rows * part.cols * FORMAT_BYTES,
        queue: () => {
          const range = at(part).load("numberFormat");
          return () => void b.formats.push({ rect: part, formats: range.numberFormat });
        },
      });
    }
  }

  const pattern = supports("ExcelApi", "1.9");
  const styleRead = (rect: RangeRef, keys: StyleKey[]): Read => ({
    bytes: OP_BYTES * 3,
    queue: () => {
      const f = at(rect).format;
      const fill = keys.includes("fill") ? f.fill.load(pattern ? "color,pattern" : "color") : undefined;
      const fontProps = keys.flatMap((k) => (k === "bold" ? ["bold"] : k === "italic" ? ["italic"] : k === "fontColor" ? ["color"] : []));
      const font = fontProps.length > 0 ? f.font.load(fontProps.join(",")) : undefined;
      if (keys.includes("wrap")) f.load("wrapText");
      return () => {
        const part: StylePart = { rect };
        if (fill && fill.color !== null && !(pattern && fill.pattern === null)) {
          // Before ExcelApi 1.9 (no RangeFill.pattern) a white fill and no fill both read #FFFFFF: taken as no fill.
          const none = pattern ? fill.pattern === "None" : fill.color.toUpperCase() === "#FFFFFF";
          part.fill = none ? null : fill.color;
          if (pattern && !none && fill.pattern !== "Solid") part.pattern = fill.pattern;
        }
        if (font && keys.includes("bold") && font.bold !== null) part.bold = font.bold;
        if (font && keys.includes("italic") && font.italic !== null) part.italic = font.italic;
        if (font && keys.includes("fontColor") && font.color !== null) part.fontColor = font.color;
        if (keys.includes("wrap") && f.wrapText !== null) part.wrap = f.wrapText;
        if (keys.every((k) => part[k] !== undefined)) return void b.styles.push(part);
        if (rect.rows * rect.cols > 1) return parts(rect).map((p) => styleRead(p, keys));
        cannot.push(`the cell style of ${b.name}!${a1(rect)}`);
      };
    },
  });
  for (const st of sp.styles) {
    const keys = (["fill", "bold", "italic", "fontColor", "wrap"] as const).filter((k) => st[k] !== undefined);
    if (keys.length > 0) reads.push(styleRead(st.range, [...keys]));
  }

  for (const col of new Set(sp.columnWidths.map((w) => w.col))) {
    reads.push({
      bytes: OP_BYTES,
      queue: () => {
        const f = ws.getRangeByIndexes(0, col, 1, 1).format.load("columnWidth");
        return () => void (typeof f.columnWidth === "number" && b.widths.push({ col, width: f.columnWidth }));
      },
    });
  }

  const ruleRead = (rect: RangeRef): Read => ({
    bytes: OP_BYTES * 2,
    queue: () => {
      const dv = at(rect).dataValidation.load("type,rule,errorAlert,prompt,ignoreBlanks");
      return () => {
        if (dv.type === "None") return;
        if (dv.type === "Inconsistent" || dv.type === "MixedCriteria") {
          if (rect.rows * rect.cols > 1) return parts(rect).map(ruleRead);
          return void cannot.push(`the data validation of ${b.name}!${a1(rect)}`);
        }
        // Cells read twice (two of the plan's rules overlap) are kept once.
        let rest = [rect];
        for (const x of b.rules) rest = rest.flatMap((r) => minus(r, x.rect));
        for (const r of rest) b.rules.push({ rect: r, rule: compact(dv.rule), errorAlert: compact(dv.errorAlert), prompt: compact(dv.prompt), ignoreBlanks: dv.ignoreBlanks ?? undefined });
      };
    },
  });
  for (const v of sp.validations) reads.push(ruleRead(v.range));

  // Conditional formats over the ranges the build clears: first which (one sync), then each one's areas and rule.
  const seen = new Set<string>();
  const areas = supports("ExcelApi", "1.9");
  const formatRead = (cf: Excel.ConditionalFormat): Read => ({
    bytes: OP_BYTES * 3,
    queue: () => {
      const paths = CF_PATHS[cf.type];
      if (paths) cf.load(paths);
      const several = areas ? cf.getRanges().areas.load("items/rowIndex,items/columnIndex,items/rowCount,items/columnCount") : undefined;
      const one = several ? undefined : cf.getRangeOrNullObject().load("rowIndex,columnIndex,rowCount,columnCount");
      return () => {
        // Before ExcelApi 1.9 there is no asking for the areas of a format applied to several.
        const rects = several ? several.items.map(rectOf) : one!.isNullObject ? null : [rectOf(one!)];
        if (!paths || !rects) return void cannot.push(`a conditional format (${cf.type}) on ${b.name}`);
        const json = cf.toJSON();
        const props = paths.map((p) => [p, compact(dig(json, p))] as [string, unknown]).filter(([, v]) => v !== undefined && v !== null && v !== "");
        b.conditional.push({ id: cf.id, type: cf.type, priority: cf.priority, stopIfTrue: typeof cf.stopIfTrue === "boolean" ? cf.stopIfTrue : undefined, areas: rects, props: nest(props) });
      };
    },
  });
  for (const r of cfClearRects(sp, existed)) {
    reads.push({
      bytes: OP_BYTES * 2,
      queue: () => {
        const list = at(r).conditionalFormats.load("items/id,items/type,items/priority,items/stopIfTrue");
        return () => list.items.filter((cf) => !seen.has(cf.id) && !!seen.add(cf.id)).map(formatRead);
      },
    });
  }
  return reads;
}

/** Queues steps and syncs whenever the next step would take the request past the budget. */
async function runSteps(steps: Step[], s: Syncer, budget: number, what: string): Promise<void> {
  let bytes = 0;
  let pending = 0;
  for (const st of steps) {
    if (pending > 0 && bytes + st.bytes > budget) {
      await s.sync(what, bytes);
      bytes = 0;
      pending = 0;
    }
    st.run();
    bytes += st.bytes;
    pending++;
  }
  if (pending > 0) await s.sync(what, bytes);
}

/** Row slices of a matrix whose JSON stays under the budget. */
function sliceRows<T>(rows: T[][], budget: number): { start: number; rows: T[][]; bytes: number }[] {
  const out: { start: number; rows: T[][]; bytes: number }[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    const b = jsonBytes(rows[i]) + 1;
    if (i > start && bytes + b > budget) {
      out.push({ start, rows: rows.slice(start, i), bytes });
      start = i;
      bytes = 0;
    }
    bytes += b;
  }
  if (rows.length > start) out.push({ start, rows: rows.slice(start), bytes });
  return out;
}

/**
 * Applies the plan: one read-only sync to prepare (sheets, names, tables, charts), then one sync per sheet
 * (more only when its writes pass the request budget); new sheets and the names go with the first sheet's.
 * On failure, rolls back and throws BuildFailure.
 */
export async function applyPlan(
  context: Excel.RequestContext,
  plan: WritePlan,
  onProgress?: (p: BuildProgress) => void,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const timeoutMs = opts.syncTimeoutMs ?? SYNC_TIMEOUT_MS;
  const budget = opts.maxRequestBytes ?? REQUEST_BUDGET;
  const s = new Syncer(context, timeoutMs);
  let snapshot = opts.snapshot;
  if (!snapshot) {
    try {
      snapshot = await readWith(context, s, budget);
    } catch (e) {
      throw readFailure(e);
    }
  }
  const had = new Set(snapshot.sheets.map((x) => x.name.toLowerCase()));
  for (const sp of plan.sheets) {
    if (sp.create && had.has(sp.name.toLowerCase())) {
      throw new BuildFailure(`The workbook gained a sheet named "${sp.name}" while the build was being planned, so nothing was changed. Please build again.`, null, true);
    }
  }

  const undo: Undo = { written: false, created: [], priorVisibility: new Map(), addedTables: [], before: new Map(), froze: new Set(), retire: [], cannot: [] };
  const warnings = [...plan.warnings];
  try {
    await writePlan(context, s, plan, snapshot, undo, warnings, budget, opts, onProgress);
  } catch (e) {
    if (!undo.written) {
      throw e instanceof BuildFailure ? e : new BuildFailure(`PCN Toolkit could not start building the workbook, so it changed nothing. Excel said: ${describe(e)}`, e, true);
    }
    const run = opts.freshRun ?? (<T>(batch: (ctx: Excel.RequestContext) => Promise<T>) => batch(context));
    let outcome: "back" | "finished";
    try {
      outcome = await rollback(run, plan, snapshot, undo, timeoutMs, budget, opts.isSetSupported ?? officeSupports);
    } catch (e2) {
      throw new BuildFailure(
        `PCN Toolkit could not finish building the workbook (Excel said: ${describe(e)}) and could not put it back as it was either (${describe(e2)}). ` +
          `Close the workbook without saving to keep the last saved copy.`,
        e,
        false,
      );
    }
    if (outcome === "finished") {
      warnings.push(`Excel reported a problem as the build ended (${describe(e)}), but every change had been made: the build is complete.`);
    } else if (undo.cannot.length > 0) {
      throw new BuildFailure(
        `PCN Toolkit could not finish building the workbook. It put the sheets and cells back as they were, except ${undo.cannot.join("; ")}: this Excel gives no way to read back how that was. Excel said: ${describe(e)}`,
        e,
        false,
      );
    } else {
      throw new BuildFailure(`PCN Toolkit could not finish building the workbook, so it put every sheet and cell back as they were. Excel said: ${describe(e)}`, e, true);
    }
  }
  onProgress?.({ done: plan.sheets.length, total: plan.sheets.length, label: "Done" });
  return { sheetsBuilt: plan.sheets.map((p) => p.key), warnings, syncs: s.count, requestBytes: s.bytes, created: undo.created };
}

async function writePlan(
  context: Excel.RequestContext,
  s: Syncer,
  plan: WritePlan,
  snapshot: WorkbookSnapshot,
  undo: Undo,
  warnings: string[],
  budget: number,
  opts: ApplyOptions,
  onProgress?: (p: BuildProgress) => void,
): Promise<void> {
  const supports = opts.isSetSupported ?? officeSupports;
  const wb = context.workbook;
  const snapOf = new Map(snapshot.sheets.map((x) => [x.name.toLowerCase(), x]));
  const handles = new Map<string, Excel.Worksheet>();
  const sheetHandle = (name: string) => {
    let h = handles.get(name.toLowerCase());
    if (!h) handles.set(name.toLowerCase(), (h = wb.worksheets.getItem(name)));
    return h;
  };
  const rangeOn = (sheet: string, r: RangeRef) => sheetHandle(sheet).getRangeByIndexes(r.row, r.col, r.rows, r.cols);

  // ---- Prepare (reads only): the sheets there are now, names, tables, charts and visibility.
  const listed = wb.worksheets;
  listed.load("items/name,items/id");
  const charts = new Map<string, Excel.ChartCollection>();
  const overlaps = new Map<string, Excel.TableScopedCollection>();
  const visibility = new Map<string, Excel.Worksheet>();
  const toCreate: SheetPlan[] = [];
  for (const sp of plan.sheets) {
    const old = snapOf.get(sp.name.toLowerCase());
    if (!old) {
      toCreate.push(sp);
      continue;
    }
    const ws = sheetHandle(old.name);
    charts.set(sp.name, ws.charts.load("items/name,items/id"));
    if (sp.table && supports("ExcelApi", "1.9")) overlaps.set(sp.name, ws.getRangeByIndexes(sp.table.range.row, sp.table.range.col, sp.table.range.rows, sp.table.range.cols).getTables(false).load("items/name"));
    visibility.set(old.name, ws.load("visibility"));
  }
  const nameProbes = usableNames(plan, warnings).map((n) => ({ n, item: wb.names.getItemOrNullObject(n.name).load("formula") }));
  const tableNameProbes = new Map(plan.sheets.filter((sp) => sp.table).map((sp) => [sp.name, wb.tables.getItemOrNullObject(sp.table!.name)]));
  // What the build will change on the sheets that exist, for a rollback: in the same sync while it fits the
  // response budget; what does not fit, and ranges whose cells differ, are read in syncs of their own.
  const reads: Read[] = [];
  for (const sp of plan.sheets) {
    const old = snapOf.get(sp.name.toLowerCase());
    if (!old) continue;
    const b: Before = { name: old.name, formats: [], styles: [], widths: [], rules: [], conditional: [], charts: new Set() };
    undo.before.set(old.name.toLowerCase(), b);
    reads.push(...beforeReads(sp, sheetHandle(old.name), old, b, undo.cannot, supports, budget));
  }
  const prepareBytes = OP_BYTES * (plan.sheets.length * 3 + plan.names.length);
  let pending = queueReads(reads, budget, prepareBytes);
  await s.sync("preparing the sheets", prepareBytes);
  undo.priorIds = new Set(listed.items.map((w) => w.id));
  const now = new Set(listed.items.map((w) => w.name.toLowerCase()));
  const clash = toCreate.find((sp) => now.has(sp.name.toLowerCase()));
  if (clash) {
    throw new BuildFailure(`The workbook gained a sheet named "${clash.name}" while the build was being planned, so nothing was changed. Please build again.`, null, true);
  }
  for (let more = [...pending.rest, ...pending.done.flatMap((done) => done() ?? [])]; more.length > 0; ) {
    pending = queueReads(more, budget, 0);
    await s.sync("reading what the build will change");
    more = [...pending.rest, ...pending.done.flatMap((done) => done() ?? [])];
  }
  for (const [key, list] of charts) undo.before.get(snapOf.get(key.toLowerCase())!.name.toLowerCase())!.charts = new Set(list.items.map((ch) => ch.id));
  const hiddenNow = new Set<string>();
  for (const sp of plan.sheets) {
    const old = snapOf.get(sp.name.toLowerCase());
    const ws = old && visibility.get(old.name);
    if (!old || !ws) continue;
    if (sp.hidden) undo.priorVisibility.set(old.name, ws.visibility);
    if (ws.visibility !== "Visible") hiddenNow.add(sp.name.toLowerCase());
  }

  // ---- New sheets travel with the first sheet's sync.
  undo.written = true;
  const added = toCreate.map((sp) => {
    const ws = wb.worksheets.add(sp.name);
    handles.set(sp.name.toLowerCase(), ws);
    undo.created.push(sp.name);
    return ws.load("id");
  });

  // ---- Names first (in the first sheet's sync), so formulas and dropdowns that use them resolve.
  const nameSteps: Step[] = [];
  if (nameProbes.length > 0) {
    nameSteps.push({
      bytes: OP_BYTES * nameProbes.length,
      run: () => {
        undo.priorNames = new Map(nameProbes.map(({ n, item }) => [n.name, item.isNullObject ? null : item.formula]));
        for (const { n, item } of nameProbes) {
          const target = rangeOn(n.sheet, n.range);
          if (item.isNullObject) wb.names.add(n.name, target);
          else item.formula = "=" + a1(n.range, { sheet: n.sheet, absolute: true });
        }
      },
    });
  }

  // ---- Charts an earlier build made are replaced: the new ones go in with their sheet, the old ones are deleted
  // by the last steps of all. A deleted chart cannot be made again as it was, so a failure before those steps is
  // rolled back with the old charts untouched, and one during them is finished instead (see rollback).
  const retire: { sheet: string; chart: Excel.Chart }[] = [];
  for (const sp of plan.sheets) {
    const old = snapOf.get(sp.name.toLowerCase());
    for (const chart of (old && charts.get(sp.name)?.items) || []) if (chart.name.startsWith(CHART_PREFIX)) retire.push({ sheet: old!.name, chart });
  }
  undo.retire = retire.map((r) => ({ sheet: r.sheet, id: r.chart.id }));

  const total = plan.sheets.length;
  for (let i = 0; i < total; i++) {
    const sp = plan.sheets[i];
    onProgress?.({ done: i, total, label: sp.name });
    const ws = sheetHandle(sp.name);
    const existed = snapOf.get(sp.name.toLowerCase());
    const steps: Step[] = i === 0 ? [...nameSteps] : [];
    const last = i === total - 1;
    sheetSteps(steps, sp, ws, existed, {
      rangeOn,
      charts: charts.get(sp.name),
      overlap: overlaps.get(sp.name),
      tableNameTaken: tableNameProbes.get(sp.name),
      supports,
      warnings,
      budget,
      deferVisibility: !!opts.deferVisibility,
      hiddenNow: hiddenNow.has(sp.name.toLowerCase()),
      undo,
    });
    if (last) for (const r of retire) steps.push({ bytes: OP_BYTES, run: () => r.chart.delete() });
    await runSteps(steps, s, budget, `writing ${sp.name}`);
    if (i === 0) undo.createdIds = new Set(added.map((ws) => ws.id));
  }
  if (total === 0 && nameSteps.length > 0) await runSteps(nameSteps, s, budget, "writing names");
}

interface SheetCtx {
  rangeOn: (sheet: string, r: RangeRef) => Excel.Range;
  charts?: Excel.ChartCollection;
  overlap?: Excel.TableScopedCollection;
  tableNameTaken?: Excel.Table;
  supports: (name: string, version: string) => boolean;
  warnings: string[];
  budget: number;
  deferVisibility: boolean;
  /** The sheet exists and is hidden now. */
  hiddenNow: boolean;
  undo: Undo;
}

/** Everything one sheet needs, in the order Excel must see it. */
function sheetSteps(steps: Step[], sp: SheetPlan, ws: Excel.Worksheet, existed: SheetSnapshot | undefined, c: SheetCtx): void {
  const at = (r: RangeRef) => ws.getRangeByIndexes(r.row, r.col, r.rows, r.cols);
  const small = (run: () => void, n = 1): Step => ({ bytes: OP_BYTES * n, run });

  for (const r of sp.clears) steps.push(small(() => at(r).clear("Contents")));

  // A formula written into a Text ("@") cell stays text, and a rebuild finds our own "@" there: such ranges go
  // back to General for the write and get their format after it (a formula already in place stays a formula).
  for (const f of sp.formats) if (f.format === "@") steps.push(small(() => (at(f.range).numberFormat = [["General"]])));
  const formatted = (row: number, col: number) => sp.formats.some((f) => within(f.range, row, col));

  const dateCells: RangeRef[] = [];
  for (const block of sp.blocks) {
    for (const b of rectangles(block)) {
      const matrix = b.cells.map((row, i) =>
        row.map((cell, j) => {
          if (cell && typeof cell === "object" && "d" in cell && !formatted(b.row + i, b.col + j)) dateCells.push({ row: b.row + i, col: b.col + j, rows: 1, cols: 1 });
          return toExcelInput(cell);
        }),
      );
      const width = matrix[0].length;
      for (const part of sliceRows(matrix, c.budget - OP_BYTES)) {
        steps.push({ bytes: part.bytes + OP_BYTES, run: () => (ws.getRangeByIndexes(b.row + part.start, b.col, part.rows.length, width).formulas = part.rows) });
      }
    }
  }
  for (const f of sp.formats) steps.push(small(() => (at(f.range).numberFormat = [[f.format]])));
  for (const r of mergeRects(dateCells)) steps.push(small(() => (at(r).numberFormat = [[DATE_FORMAT]])));

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

  // Freeze panes, on the sheet's own freezePanes: nothing here activates a sheet (on Windows and Mac a freeze on
  // an inactive sheet can already fire WorksheetActivated, office-js#3148). A sheet that wants nothing frozen is
  // left alone when it is new (nothing is frozen there) or is, or is about to be, hidden: the helper sheets.
  // Excel has refused unfreeze() on a hidden sheet (office-js#1463).
  const { rows, cols } = sp.freeze;
  const freezesNothing = !(rows > 0) && !(cols > 0);
  if (!(freezesNothing && (!existed || sp.hidden || c.hiddenNow))) {
    if (existed) c.undo.froze.add(existed.name);
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
    steps.push(small(() => (ws.getRangeByIndexes(0, col, 1, n).format.columnWidth = pts)));
    i = j;
  }

  // Our old charts here are deleted at the very end of the build (writePlan).
  if (sp.charts.length > 0) steps.push(small(() => { for (const spec of sp.charts) addChart(ws, spec, c.rangeOn); }, sp.charts.length * 8));

  if (sp.hidden && !c.deferVisibility) steps.push(small(() => (ws.visibility = "Hidden")));
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
function usableNames(plan: WritePlan, warnings: string[]): NamedRange[] {
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

function validationRule(v: ValidationRule, warnings: string[], sheet: string): Excel.DataValidationRule | undefined {
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
  const named = c.tableNameTaken && !c.tableNameTaken.isNullObject ? c.tableNameTaken : undefined;
  if (!c.overlap && existed && named) {
    // Before ExcelApi 1.9 there is no asking what overlaps: a table of our name on a sheet we built is ours.
    if (c.supports("ExcelApi", "1.13")) named.resize(range);
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
  if (existed) c.undo.addedTables.push({ sheet: existed.name, range: t.range });
}

function addChart(ws: Excel.Worksheet, spec: ChartSpec, rangeOn: (sheet: string, r: RangeRef) => Excel.Range): void {
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
    if (se.color) series.format.line.color = se.color;
  });
  chart.legend.position = "Bottom";
}

/** Hides the plan's hidden sheets: one sync, run outside any merged undo group. */
export async function applySheetVisibility(context: Excel.RequestContext, plan: WritePlan, syncTimeoutMs = SYNC_TIMEOUT_MS): Promise<void> {
  const hidden = plan.sheets.filter((sp) => sp.hidden);
  if (hidden.length === 0) return;
  for (const sp of hidden) context.workbook.worksheets.getItem(sp.name).visibility = "Hidden";
  await new Syncer(context, syncTimeoutMs).sync("hiding sheets");
}

// ---------------------------------------------------------------- rollback

/** Every range a plan writes on sheets that existed before it, merged. */
export function touchedRanges(plan: WritePlan, snapshot: WorkbookSnapshot): Map<string, RangeRef[]> {
  const had = new Map(snapshot.sheets.map((x) => [x.name.toLowerCase(), x.name]));
  const out = new Map<string, RangeRef[]>();
  for (const sp of plan.sheets) {
    const name = had.get(sp.name.toLowerCase());
    if (!name) continue;
    const rects = [...sp.clears, ...blockRects(sp)];
    if (rects.length > 0) out.set(name, mergeRects([...(out.get(name) ?? []), ...rects]));
  }
  return out;
}

/**
 * Puts the workbook back as it was before a build that failed part-way: names, tables, the sheets it added, and on
 * every sheet that existed what the build changed there (read before its first write): visibility, charts,
 * conditional formats, data validation, values and formulas, number formats, styles, column widths, freeze panes.
 * If the build had got as far as deleting the old charts it replaces (its very last steps), every other change
 * went through: the build is finished instead ("finished").
 */
async function rollback(
  run: <T>(batch: (ctx: Excel.RequestContext) => Promise<T>) => Promise<T>,
  plan: WritePlan,
  snapshot: WorkbookSnapshot,
  undo: Undo,
  timeoutMs: number,
  budget: number,
  supports: (name: string, version: string) => boolean,
): Promise<"back" | "finished"> {
  return run(async (ctx) => {
    const s = new Syncer(ctx, timeoutMs);
    const wb = ctx.workbook;
    const sheets = wb.worksheets;
    sheets.load("items/name,items/id");
    const names = undo.priorNames ? [...undo.priorNames].map(([name, formula]) => ({ formula, item: wb.names.getItemOrNullObject(name) })) : [];
    // The tables over the ranges where the build added one: Range.getTables where Excel has it (ExcelApi 1.9),
    // else every table's sheet and range, read in a second sync below.
    const byRange = supports("ExcelApi", "1.9");
    const lists = byRange
      ? undo.addedTables.map((t) => wb.worksheets.getItem(t.sheet).getRangeByIndexes(t.range.row, t.range.col, t.range.rows, t.range.cols).getTables(false).load("items/name"))
      : [];
    const everyTable = !byRange && undo.addedTables.length > 0 ? wb.tables.load("items/name") : undefined;
    // The charts on sheets that existed: which the build added, and whether it got as far as deleting our old ones.
    const handles = new Map<string, Excel.Worksheet>();
    const sheetOf = (name: string) => {
      let h = handles.get(name);
      if (!h) handles.set(name, (h = wb.worksheets.getItem(name)));
      return h;
    };
    const chartLists = new Map<string, Excel.ChartCollection>();
    for (const sp of plan.sheets) {
      const b = undo.before.get(sp.name.toLowerCase());
      if (b && (sp.charts.length > 0 || undo.retire.some((r) => r.sheet === b.name))) chartLists.set(b.name, sheetOf(b.name).charts.load("items/id"));
    }
    // What is left of each conditional format the build cut through (Excel keeps a format's id when it cuts it).
    const leftovers = [...undo.before.values()].flatMap((b) =>
      b.conditional.map((p) => {
        const row = Math.min(...p.areas.map((a) => a.row)), col = Math.min(...p.areas.map((a) => a.col));
        const rows = Math.max(...p.areas.map((a) => a.row + a.rows)) - row, cols = Math.max(...p.areas.map((a) => a.col + a.cols)) - col;
        return { b, p, list: sheetOf(b.name).getRangeByIndexes(row, col, rows, cols).conditionalFormats.load("items/id") };
      }),
    );
    await s.sync("checking what to put back");

    const small = (run: () => void, n = 1): Step => ({ bytes: OP_BYTES * n, run });
    const first = undo.retire[0];
    if (first && !chartLists.get(first.sheet)!.items.some((ch) => ch.id === first.id)) {
      // The build's last steps had begun, so everything before them went through: finish them.
      const rest = undo.retire.flatMap((r) => chartLists.get(r.sheet)!.items.filter((ch) => ch.id === r.id));
      await runSteps(rest.map((ch) => small(() => ch.delete())), s, budget, "finishing the build");
      return "finished";
    }

    let added = lists.flatMap((l) => l.items);
    if (everyTable && everyTable.items.length > 0) {
      const where = everyTable.items.map((t) => ({
        t,
        sheet: t.worksheet.load("name"),
        range: t.getRange().load("rowIndex,columnIndex,rowCount,columnCount"),
      }));
      await s.sync("finding the tables the build added");
      added = where
        .filter(({ sheet, range }) => {
          const at = { row: range.rowIndex, col: range.columnIndex, rows: range.rowCount, cols: range.columnCount };
          return undo.addedTables.some((a) => a.sheet.toLowerCase() === sheet.name.toLowerCase() && intersection(a.range, at));
        })
        .map(({ t }) => t);
    }

    const steps: Step[] = [];
    for (const { formula, item } of names) {
      if (item.isNullObject) continue;
      steps.push(small(() => (formula === null ? item.delete() : (item.formula = formula))));
    }
    for (const x of added) steps.push(small(() => x.convertToRange()));
    // Only sheets this build added: never one the person added meanwhile.
    const createdNames = new Set(undo.created.map((n) => n.toLowerCase()));
    const ours = (ws: Excel.Worksheet) =>
      undo.createdIds ? undo.createdIds.has(ws.id) : !!undo.priorIds && !undo.priorIds.has(ws.id) && createdNames.has(ws.name.toLowerCase());
    for (const ws of sheets.items) if (ours(ws)) steps.push(small(() => ws.delete()));
    for (const [name, vis] of undo.priorVisibility) steps.push(small(() => (sheetOf(name).visibility = vis as Excel.SheetVisibility)));

    const snapOf = new Map(snapshot.sheets.map((x) => [x.name, x]));
    const touched = touchedRanges(plan, snapshot);
    for (const sp of plan.sheets) {
      const b = undo.before.get(sp.name.toLowerCase());
      if (!b) continue;
      const ws = sheetOf(b.name);
      const at = (r: RangeRef) => ws.getRangeByIndexes(r.row, r.col, r.rows, r.cols);

      const charts = chartLists.get(b.name);
      if (charts && sp.charts.length > 0) for (const ch of charts.items) if (!b.charts.has(ch.id)) steps.push(small(() => ch.delete()));

      if (sp.conditionalFormats.length > 0) {
        // What is left of the old formats goes, then ours; the old ones are made again, over all their areas,
        // each at its old priority (a new format goes first, so they go in last-first and are then placed).
        for (const { p, list } of leftovers.filter((x) => x.b === b)) for (const item of list.items) if (item.id === p.id) steps.push(small(() => item.delete()));
        for (const r of cfClearRects(sp, snapOf.get(b.name))) steps.push(small(() => at(r).conditionalFormats.clearAll()));
        const made = new Map<PriorFormat, Excel.ConditionalFormat>();
        for (const p of [...b.conditional].sort((x, y) => y.priority - x.priority)) {
          steps.push(
            small(() => {
              const target = p.areas.length === 1 ? at(p.areas[0]) : ws.getRanges(p.areas.map((a) => a1(a)).join(","));
              const cf = target.conditionalFormats.add(p.type as Excel.ConditionalFormatType);
              cf.set({ ...p.props, ...(p.stopIfTrue === undefined ? {} : { stopIfTrue: p.stopIfTrue }) } as Excel.Interfaces.ConditionalFormatUpdateData);
              made.set(p, cf);
            }, 3),
          );
        }
        // Placed lowest first: those still to place are then all above, and moving them up leaves these where they are.
        for (const p of [...b.conditional].sort((x, y) => y.priority - x.priority)) steps.push(small(() => (made.get(p)!.priority = p.priority)));
      }

      if (sp.validations.length > 0) {
        for (const v of sp.validations) steps.push(small(() => at(v.range).dataValidation.clear()));
        for (const part of mergeAlike(b.rules, (x) => JSON.stringify([x.rule, x.errorAlert, x.prompt, x.ignoreBlanks]))) {
          steps.push(
            small(() => {
              const dv = at(part.rect).dataValidation;
              dv.rule = part.rule;
              if (part.errorAlert) dv.errorAlert = part.errorAlert;
              if (part.prompt) dv.prompt = part.prompt;
              if (part.ignoreBlanks !== undefined) dv.ignoreBlanks = part.ignoreBlanks;
            }, 4),
          );
        }
      }

      // Cells: General first (a Text format would keep a formula written back as text), then the values and
      // formulas from the snapshot, then the number formats they had.
      for (const f of b.formats) steps.push(small(() => (at(f.rect).numberFormat = [["General"]])));
      const snap = snapOf.get(b.name);
      for (const r of touched.get(b.name) ?? []) {
        const matrix = Array.from({ length: r.rows }, (_, i) => Array.from({ length: r.cols }, (_, j) => snapshotInput(snap, r.row + i, r.col + j)));
        for (const part of sliceRows(matrix, budget - OP_BYTES)) {
          steps.push({ bytes: part.bytes + OP_BYTES, run: () => (ws.getRangeByIndexes(r.row + part.start, r.col, part.rows.length, r.cols).formulas = part.rows) });
        }
      }
      for (const f of b.formats) {
        const one = f.formats[0][0];
        if (f.formats.every((row) => row.every((x) => x === one))) {
          if (one !== "General") steps.push(small(() => (at(f.rect).numberFormat = [[one]])));
          continue;
        }
        for (const part of sliceRows(f.formats, budget - OP_BYTES)) {
          steps.push({ bytes: part.bytes + OP_BYTES, run: () => (ws.getRangeByIndexes(f.rect.row + part.start, f.rect.col, part.rows.length, f.rect.cols).numberFormat = part.rows) });
        }
      }

      for (const part of mergeAlike(b.styles, (x) => JSON.stringify([x.fill, x.pattern, x.bold, x.italic, x.fontColor, x.wrap]))) {
        steps.push(
          small(() => {
            const f = at(part.rect).format;
            if (part.fill === null) f.fill.clear();
            else if (part.fill !== undefined) f.fill.color = part.fill;
            if (part.pattern) f.fill.pattern = part.pattern as Excel.FillPattern;
            if (part.bold !== undefined) f.font.bold = part.bold;
            if (part.italic !== undefined) f.font.italic = part.italic;
            if (part.fontColor !== undefined) f.font.color = part.fontColor;
            if (part.wrap !== undefined) f.wrapText = part.wrap;
          }, 5),
        );
      }

      for (const w of b.widths) steps.push(small(() => (ws.getRangeByIndexes(0, w.col, 1, 1).format.columnWidth = w.width)));

      const was = b.freeze;
      if (was && undo.froze.has(b.name) && !(was.rows === (sp.freeze.rows || 0) && was.cols === (sp.freeze.cols || 0))) {
        steps.push(
          small(() => {
            ws.freezePanes.unfreeze();
            if (was.rows > 0 && was.cols > 0) ws.freezePanes.freezeAt(ws.getRangeByIndexes(0, 0, was.rows, was.cols));
            else if (was.rows > 0) ws.freezePanes.freezeRows(was.rows);
            else if (was.cols > 0) ws.freezePanes.freezeColumns(was.cols);
          }, 2),
        );
      }
    }
    await runSteps(steps, s, budget, "putting the workbook back");
    return "back";
  });
}
