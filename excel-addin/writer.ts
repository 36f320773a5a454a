/**
 * Excel host: reads a WorkbookSnapshot and applies a WritePlan through the Excel JavaScript API.
 *
 * Every context.sync() is a round trip to Excel (over the network in Excel on the web), so all of a sheet's
 * writes are queued and sent in one sync; only a request that would pass ~4 MB is split (Excel on the web
 * refuses requests and responses over 5 MB). Syncs per sheet therefore do not grow with rows.
 * If any sync fails or hangs, the build is rolled back: sheets it added are deleted and every range it
 * wrote on an existing sheet gets its previous values and formulas back.
 *
 * Requirement sets: the writer needs ExcelApi 1.8 at least (data validation is 1.8; getRangeByIndexes,
 * freezePanes, NamedItem.formula and chart series add/setValues/setXAxisValues are 1.7; conditional formats 1.6;
 * the *OrNullObject getters 1.4). Anything newer is checked with `isSetSupported` before use, with a fallback:
 * Range.getTables (1.9; building and rolling back do without it), Table.resize (1.13) and mergeUndoGroup (1.20,
 * in the bridge). Every Excel with the manifest's CustomFunctionsRuntime 1.2 and SharedRuntime 1.1 also has
 * ExcelApi 1.9 or later, so an Excel that can load the add-in has what the writer needs.
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
}

interface Step { bytes: number; run: () => void }

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

  const undo: Undo = { written: false, created: [], priorVisibility: new Map(), addedTables: [] };
  const warnings = [...plan.warnings];
  try {
    await writePlan(context, s, plan, snapshot, undo, warnings, budget, opts, onProgress);
  } catch (e) {
    if (!undo.written) {
      throw e instanceof BuildFailure ? e : new BuildFailure(`PCN Toolkit could not start building the workbook, so it changed nothing. Excel said: ${describe(e)}`, e, true);
    }
    const run = opts.freshRun ?? (<T>(batch: (ctx: Excel.RequestContext) => Promise<T>) => batch(context));
    try {
      await rollback(run, plan, snapshot, undo, timeoutMs, budget, opts.isSetSupported ?? officeSupports);
    } catch (e2) {
      throw new BuildFailure(
        `PCN Toolkit could not finish building the workbook (Excel said: ${describe(e)}) and could not put it back as it was either (${describe(e2)}). ` +
          `Close the workbook without saving to keep the last saved copy.`,
        e,
        false,
      );
    }
    throw new BuildFailure(`PCN Toolkit could not finish building the workbook, so it put every sheet and cell back as they were. Excel said: ${describe(e)}`, e, true);
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
    charts.set(sp.name, ws.charts.load("items/name"));
    if (sp.table && supports("ExcelApi", "1.9")) overlaps.set(sp.name, ws.getRangeByIndexes(sp.table.range.row, sp.table.range.col, sp.table.range.rows, sp.table.range.cols).getTables(false).load("items/name"));
    visibility.set(old.name, ws.load("visibility"));
  }
  const nameProbes = usableNames(plan, warnings).map((n) => ({ n, item: wb.names.getItemOrNullObject(n.name).load("formula") }));
  const tableNameProbes = new Map(plan.sheets.filter((sp) => sp.table).map((sp) => [sp.name, wb.tables.getItemOrNullObject(sp.table!.name)]));
  await s.sync("preparing the sheets", OP_BYTES * (plan.sheets.length * 3 + plan.names.length));
  undo.priorIds = new Set(listed.items.map((w) => w.id));
  const now = new Set(listed.items.map((w) => w.name.toLowerCase()));
  const clash = toCreate.find((sp) => now.has(sp.name.toLowerCase()));
  if (clash) {
    throw new BuildFailure(`The workbook gained a sheet named "${clash.name}" while the build was being planned, so nothing was changed. Please build again.`, null, true);
  }
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

  const total = plan.sheets.length;
  for (let i = 0; i < total; i++) {
    const sp = plan.sheets[i];
    onProgress?.({ done: i, total, label: sp.name });
    const ws = sheetHandle(sp.name);
    const existed = snapOf.get(sp.name.toLowerCase());
    const steps: Step[] = i === 0 ? [...nameSteps] : [];
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
    const oldRows = existed?.values.length ?? 0;
    const clearRects = mergeRects(sp.conditionalFormats.map((cf) => ({ ...cf.range, rows: Math.max(cf.range.rows, oldRows - cf.range.row) })));
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

  if (sp.charts.length > 0 || c.charts) {
    steps.push(
      small(() => {
        for (const ch of c.charts?.items ?? []) if (ch.name.startsWith(CHART_PREFIX)) ch.delete();
        for (const spec of sp.charts) addChart(ws, spec, c.rangeOn);
      }, 1 + sp.charts.length * 8),
    );
  }

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
    const rects: RangeRef[] = [...sp.clears];
    for (const block of sp.blocks) for (const b of rectangles(block)) rects.push({ row: b.row, col: b.col, rows: b.cells.length, cols: b.cells[0].length });
    if (rects.length > 0) out.set(name, mergeRects([...(out.get(name) ?? []), ...rects]));
  }
  return out;
}

async function rollback(
  run: <T>(batch: (ctx: Excel.RequestContext) => Promise<T>) => Promise<T>,
  plan: WritePlan,
  snapshot: WorkbookSnapshot,
  undo: Undo,
  timeoutMs: number,
  budget: number,
  supports: (name: string, version: string) => boolean,
): Promise<void> {
  await run(async (ctx) => {
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
    await s.sync("checking what to put back");
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
    const small = (run: () => void): Step => ({ bytes: OP_BYTES, run });
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
    for (const [name, vis] of undo.priorVisibility) steps.push(small(() => (wb.worksheets.getItem(name).visibility = vis as Excel.SheetVisibility)));

    const snapOf = new Map(snapshot.sheets.map((x) => [x.name, x]));
    for (const [name, rects] of touchedRanges(plan, snapshot)) {
      const snap = snapOf.get(name);
      // Our Text format would turn restored formulas into text: those cells go back to General first.
      const textRules = plan.sheets.find((sp) => sp.name.toLowerCase() === name.toLowerCase())?.formats.filter((f) => f.format === "@") ?? [];
      for (const r of rects) {
        for (const t of textRules) {
          const x = intersection(r, t.range);
          if (x) steps.push(small(() => (wb.worksheets.getItem(name).getRangeByIndexes(x.row, x.col, x.rows, x.cols).numberFormat = [["General"]])));
        }
        const matrix = Array.from({ length: r.rows }, (_, i) => Array.from({ length: r.cols }, (_, j) => snapshotInput(snap, r.row + i, r.col + j)));
        for (const part of sliceRows(matrix, budget - OP_BYTES)) {
          steps.push({ bytes: part.bytes + OP_BYTES, run: () => (wb.worksheets.getItem(name).getRangeByIndexes(r.row + part.start, r.col, part.rows.length, r.cols).formulas = part.rows) });
        }
      }
    }
    await runSteps(steps, s, budget, "putting the workbook back");
  });
}
