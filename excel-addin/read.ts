/**
 * Reading the workbook: every sheet's values and formulas from A1 to the end of its used range, with what a
 * build needs to know besides (sheet ids and visibility, charts, names, tables, the date system, where the person
 * is), in ONE sync when the layout of the last read is known and fits a response (the pane reads the workbook when
 * it opens, so a build usually has it), else two: the sheets, then their sizes with their first rows (which is all
 * of most sheets). What is left goes in row chunks sized from the bytes the last read, or the rows before, really
 * took, so no response passes the budget or the read time-out however long the cells are; a big workbook whose
 * layout is known starts its chunks in the first sync. A chunk Excel still finds too big, or answers `null` for
 * (over 5 million cells), is read again in halves.
 */
import type { RangeRef, SheetSnapshot, SnapshotValue, WorkbookSnapshot } from "../core/workbook/plan";
import { isPayloadError } from "./errors";
import { realClock, Syncer, SYNC_TIMEOUT_MS, type Clock } from "./sync";

/** Bytes of one read response: under Excel on the web's 5 MB with room for the envelope. */
export const RESPONSE_BUDGET = 4_000_000;
/** A guess at one cell's value + formula in a response, before a read has measured the real bytes. */
const READ_BYTES_PER_CELL = 40;
/** A first read takes up to this many rows of each sheet with their sizes (the sample's sheets are all shorter)... */
const HEAD_ROWS = 256;
/** ...fewer when there are many sheets, so that rows of this many bytes (~25 cells) stay under the budget. */
const HEAD_ROW_BYTES = 25 * READ_BYTES_PER_CELL;
/** Excel's columns (a box of whole rows). */
const EXCEL_COLS = 16384;
/** Days between the 1900 and 1904 date systems' serial numbers. */
export const DATE_1904_SHIFT = 1462;

export interface HostSheet {
  name: string;
  id: string;
  visibility: string;
  /** Charts on the sheet (name and id). */
  charts: { name: string; id: string }[];
  /** The used range (values only), null when the sheet is empty. */
  used: RangeRef | null;
  /** The sheet's conditional formats (what a rebuild's prepare needs to read them in one sync). */
  cfs?: { id: string; type: string; priority: number; stopIfTrue?: boolean }[];
}
/** What Excel holds besides cells, read in the same sync as them. */
export interface HostInfo {
  sheets: HostSheet[];
  names: { name: string; formula: string }[];
  /** Tables by name and sheet. */
  tables: { name: string; sheet: string }[];
  date1904: boolean;
  /** The sheet and range the person had selected (restored after a build). */
  active?: string;
  selection?: string;
}
export interface ExcelSnapshot extends WorkbookSnapshot {
  host?: HostInfo;
}

/** What the last read learned about the workbook's shape: lets the next one go in a single sync. */
export interface ReadLayout {
  sheets: { id: string; bytes: number; rows: number; cols: number }[];
}

export interface ReadOptions {
  syncTimeoutMs?: number;
  /** Budget for one read response (bytes). */
  maxResponseBytes?: number;
  clock?: Clock;
  /** The layout the last read returned (ExcelBridge keeps it). */
  layout?: ReadLayout;
  /** Filled with the layout this read found. */
  onLayout?: (l: ReadLayout) => void;
}

const encoder = new TextEncoder();
const jsonBytes = (x: unknown) => encoder.encode(JSON.stringify(x) ?? "").length;

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

const USED = "rowIndex,columnIndex,rowCount,columnCount";
const CF_LIST = "items/id,items/type,items/priority,items/stopIfTrue";
const cfsOf = (l: Excel.ConditionalFormatCollection) => l.items.map((c) => ({ id: c.id, type: c.type, priority: c.priority, stopIfTrue: typeof c.stopIfTrue === "boolean" ? c.stopIfTrue : undefined }));

interface Listed { name: string; id: string; visibility: string; ws: Excel.Worksheet }

/** Values and formulas of every sheet from A1 to the end of its used range, and the host's facts. */
export async function readSnapshot(context: Excel.RequestContext, opts: ReadOptions = {}): Promise<ExcelSnapshot> {
  const s = new Syncer(context, opts.syncTimeoutMs ?? SYNC_TIMEOUT_MS, opts.clock ?? realClock);
  return readWith(context, s, opts);
}

export async function readWith(context: Excel.RequestContext, s: Syncer, opts: ReadOptions): Promise<ExcelSnapshot> {
  const budget = opts.maxResponseBytes ?? RESPONSE_BUDGET;
  if (opts.layout) {
    const total = opts.layout.sheets.reduce((n, x) => n + x.bytes, 0);
    try {
      return await (total <= budget ? readOnce(context, s, opts.layout, opts) : readByLayout(context, s, opts.layout, budget, opts));
    } catch (e) {
      // A read that did not answer in time is not tried again the long way (it would wait as long again).
      if ((e as { code?: string })?.code === "Timeout") throw e;
      // A sheet gone or added, a selection Excel will not describe, a response too big: read it the careful way.
    }
  }
  return readTwice(context, s, budget, opts);
}

/** Queues the workbook-wide facts; returns what to collect after the sync. */
function queueHost(context: Excel.RequestContext, withSelection: boolean) {
  const wb = context.workbook;
  const names = wb.names.load("items/name,items/formula");
  const tables = wb.tables.load("items/name,items/worksheet/name");
  // DATE(1904,1,1) is 0 in the 1904 date system and 1462 in the 1900 one.
  const date = wb.functions.date(1904, 1, 1);
  const active = wb.worksheets.getActiveWorksheet().load("name");
  const selection = withSelection ? wb.getSelectedRange().load("address") : undefined;
  return () => ({
    names: names.items.map((n) => ({ name: n.name, formula: n.formula })),
    tables: tables.items.map((t) => ({ name: t.name, sheet: t.worksheet.name })),
    date1904: date.value === 0,
    active: active.name,
    selection: selection ? selection.address.replace(/^.*!/, "") : undefined,
  });
}

/** One sync: the list of sheets, each known sheet's cells and charts, the host's facts. */
async function readOnce(context: Excel.RequestContext, s: Syncer, layout: ReadLayout, opts: ReadOptions): Promise<ExcelSnapshot> {
  const listing = context.workbook.worksheets.load("items/name,items/id,items/visibility");
  const known = layout.sheets.map((x) => {
    const ws = context.workbook.worksheets.getItem(x.id);
    return { id: x.id, ws, used: ws.getUsedRangeOrNullObject(true).load(`${USED},values,formulas`), charts: ws.charts.load("items/name,items/id"), cfs: ws.getRange().conditionalFormats.load(CF_LIST) };
  });
  const host = queueHost(context, true);
  await s.read("reading the workbook", 0);
  const listed = listing.items.map((w) => ({ name: w.name, id: w.id, visibility: w.visibility, ws: w }));
  if (!sameSheets(listed, layout)) throw new Error("the sheets changed");
  const sheets: SheetSnapshot[] = [];
  const hostSheets: HostSheet[] = [];
  for (let i = 0; i < listed.length; i++) {
    const u = known[i].used;
    if (!u.isNullObject && (!Array.isArray(u.values) || !Array.isArray(u.formulas))) throw new Error("a read came back null");
    const g = u.isNullObject ? emptyGrid(0, 0) : emptyGrid(u.rowIndex + u.rowCount, u.columnIndex + u.columnCount);
    if (!u.isNullObject) putInto(g, u.rowIndex, u.columnIndex, u.values, u.formulas);
    sheets.push({ name: listed[i].name, ...g });
    hostSheets.push({ name: listed[i].name, id: listed[i].id, visibility: listed[i].visibility, charts: known[i].charts.items.map((c) => ({ name: c.name, id: c.id })), used: u.isNullObject ? null : rectOf(u), cfs: cfsOf(known[i].cfs) });
  }
  const snap = finish(sheets, { sheets: hostSheets, ...host() });
  opts.onLayout?.(layoutOf(snap));
  return snap;
}

const sameSheets = (listed: { id: string }[], layout: ReadLayout) => listed.length === layout.sheets.length && listed.every((l, i) => l.id === layout.sheets[i].id);

/**
 * A workbook the last read found bigger than one response: the list of sheets, their used ranges, charts and the
 * host's facts go in the first sync with as many row chunks as the budget allows (sized from the bytes the last
 * read measured), the rest in as few syncs after it as the bytes need.
 */
async function readByLayout(context: Excel.RequestContext, s: Syncer, layout: ReadLayout, budget: number, opts: ReadOptions): Promise<ExcelSnapshot> {
  const listing = context.workbook.worksheets.load("items/name,items/id,items/visibility");
  const known = layout.sheets.map((x) => {
    const ws = context.workbook.worksheets.getItem(x.id);
    return { ws, dims: ws.getUsedRangeOrNullObject(true).load(USED), charts: ws.charts.load("items/name,items/id"), cfs: ws.getRange().conditionalFormats.load(CF_LIST) };
  });
  const host = queueHost(context, true);
  const targets: Rows[] = layout.sheets.map((x, i) => ({ sheet: i, ws: known[i].ws, rows: x.rows, cols: x.cols, perRow: perRowOf(x), next: 0, measured: true }));
  const first = queueChunks(targets, budget);
  await s.read("reading the workbook", 0);
  const listed = listing.items.map((w) => ({ name: w.name, id: w.id, visibility: w.visibility, ws: w }));
  if (!sameSheets(listed, layout)) throw new Error("the sheets changed");
  if (!first.every(answered)) throw new Error("a read came back null");
  const used = known.map((k) => (k.dims.isNullObject ? null : rectOf(k.dims)));
  const grids = used.map((u) => (u ? emptyGrid(u.row + u.rows, u.col + u.cols) : emptyGrid(0, 0)));
  for (const t of targets) {
    const u = used[t.sheet];
    const cols = u ? u.col + u.cols : 0;
    // A sheet whose columns changed since the last read is read again from its top.
    if (cols !== t.cols) Object.assign(t, { next: 0, cols });
    t.rows = u ? u.row + u.rows : 0;
  }
  for (const c of first) if (c.t.cols === layout.sheets[c.t.sheet].cols) take(c, grids[c.t.sheet]);
  await readRest(targets, grids, s, budget);
  const sheets = listed.map((l, i) => ({ name: l.name, ...grids[i] }));
  const hostSheets = listed.map((l, i) => ({ name: l.name, id: l.id, visibility: l.visibility, charts: known[i].charts.items.map((c) => ({ name: c.name, id: c.id })), used: used[i], cfs: cfsOf(known[i].cfs) }));
  const snap = finish(sheets, { sheets: hostSheets, ...host() });
  opts.onLayout?.(layoutOf(snap));
  return snap;
}

/** Two syncs or more: the list of sheets and the host's facts, then the sheets. */
async function readTwice(context: Excel.RequestContext, s: Syncer, budget: number, opts: ReadOptions): Promise<ExcelSnapshot> {
  const listing = context.workbook.worksheets.load("items/name,items/id,items/visibility");
  let host = queueHost(context, true);
  try {
    await s.read("listing the sheets", 0);
  } catch (e) {
    if ((e as { code?: string })?.code === "Timeout") throw e;
    // Excel will not describe some selections (several areas, a chart): list the sheets without it.
    const again = context.workbook.worksheets.load("items/name,items/id,items/visibility");
    host = queueHost(context, false);
    await s.read("listing the sheets", 0);
    return readSheets(s, again.items.map((w) => ({ name: w.name, id: w.id, visibility: w.visibility, ws: w })), host(), budget, opts);
  }
  return readSheets(s, listing.items.map((w) => ({ name: w.name, id: w.id, visibility: w.visibility, ws: w })), host(), budget, opts);
}

async function readSheets(s: Syncer, listed: Listed[], facts: Omit<HostInfo, "sheets">, budget: number, opts: ReadOptions): Promise<ExcelSnapshot> {
  const charts = listed.map((l) => l.ws.charts.load("items/name,items/id"));
  const cfs = listed.map((l) => l.ws.getRange().conditionalFormats.load(CF_LIST));
  const previous = new Map((opts.layout?.sheets ?? []).map((x) => [x.id, x]));
  let grids: Grid[] | null = null;
  let used: (RangeRef | null)[] = [];
  // When the last read measured every sheet and they fit one response: every used range whole, with the charts.
  if (listed.every((l) => previous.has(l.id)) && listed.reduce((n, l) => n + previous.get(l.id)!.bytes, 0) <= budget) {
    const whole = listed.map((l) => l.ws.getUsedRangeOrNullObject(true).load(`${USED},values,formulas`));
    try {
      await s.read("reading the sheets", 0);
      if (whole.every((u) => u.isNullObject || (Array.isArray(u.values) && Array.isArray(u.formulas)))) {
        used = whole.map((u) => (u.isNullObject ? null : rectOf(u)));
        grids = whole.map((u) => {
          if (u.isNullObject) return emptyGrid(0, 0);
          const g = emptyGrid(u.rowIndex + u.rowCount, u.columnIndex + u.columnCount);
          putInto(g, u.rowIndex, u.columnIndex, u.values, u.formulas);
          return g;
        });
      }
      // A sheet Excel answered null for (over 5 million cells) is read below, in chunks.
    } catch (e) {
      if (!isPayloadError(e)) throw e;
    }
  }
  if (!grids) {
    // Sizes first, with each sheet's first rows (a box of whole rows, its used part only: most sheets end there),
    // then the rest in row chunks sized from what those rows took. A workbook nobody has measured yet must not be
    // asked for 30 MB in one go (over the 5 MB cap on the web, and past the time-out on a slow host).
    const headRows = Math.max(1, Math.min(HEAD_ROWS, Math.floor(budget / (listed.length * HEAD_ROW_BYTES))));
    let dims: Excel.Range[] = [];
    let heads: Excel.Range[] | null = null;
    for (const withHeads of [true, false]) {
      dims = listed.map((l) => l.ws.getUsedRangeOrNullObject(true).load(USED));
      // The charts again: a sync that failed answered nothing.
      listed.forEach((l, i) => { charts[i] = l.ws.charts.load("items/name,items/id"); cfs[i] = l.ws.getRange().conditionalFormats.load(CF_LIST); });
      heads = withHeads ? listed.map((l) => l.ws.getRangeByIndexes(0, 0, headRows, EXCEL_COLS).getUsedRangeOrNullObject(true).load(`${USED},values,formulas`)) : null;
      try {
        await s.read("measuring the sheets", 0);
        break;
      } catch (e) {
        if (!withHeads || !isPayloadError(e)) throw e;
      }
    }
    used = dims.map((u) => (u.isNullObject ? null : rectOf(u)));
    grids = used.map((u) => (u ? emptyGrid(u.row + u.rows, u.col + u.cols) : emptyGrid(0, 0)));
    const targets: Rows[] = listed.map((l, i) => {
      const u = used[i];
      const rows = u ? u.row + u.rows : 0;
      const cols = u ? u.col + u.cols : 0;
      const known = previous.get(l.id);
      // Measured by the last read where it saw this sheet, else a guess that the first chunk corrects.
      const t: Rows = known && known.rows > 0 && known.cols === cols
        ? { sheet: i, ws: l.ws, rows, cols, perRow: perRowOf(known), next: 0, measured: true }
        : { sheet: i, ws: l.ws, rows, cols, perRow: Math.max(1, cols * READ_BYTES_PER_CELL), next: 0, measured: false };
      const h = heads?.[i];
      if (h && (h.isNullObject || (Array.isArray(h.values) && Array.isArray(h.formulas)))) {
        t.next = Math.min(rows, headRows);
        if (!h.isNullObject) {
          putInto(grids![i], h.rowIndex, h.columnIndex, h.values, h.formulas);
          if (!t.measured) Object.assign(t, { perRow: Math.max(1, ((jsonBytes(h.values) + jsonBytes(h.formulas)) / h.rowCount) * 1.1), measured: true });
        }
      }
      return t;
    });
    await readRest(targets, grids, s, budget);
  }
  const sheets = listed.map((l, i) => ({ name: l.name, ...grids![i] }));
  const hostSheets = listed.map((l, i) => ({ name: l.name, id: l.id, visibility: l.visibility, charts: charts[i].items.map((c) => ({ name: c.name, id: c.id })), used: used[i], cfs: cfsOf(cfs[i]) }));
  const snap = finish(sheets, { sheets: hostSheets, ...facts });
  opts.onLayout?.(layoutOf(snap));
  return snap;
}

function finish(sheets: SheetSnapshot[], host: HostInfo): ExcelSnapshot {
  return host.date1904 ? { sheets, date1904: true, host } : { sheets, host };
}

/** The bytes a sheet's values and formulas took in the response (a formula array repeats each literal). */
function layoutOf(snap: ExcelSnapshot): ReadLayout {
  return {
    sheets: snap.sheets.map((x, i) => ({
      id: snap.host!.sheets[i].id,
      bytes: jsonBytes(x.values) + jsonBytes(x.formulas.map((r, ri) => r.map((f, j) => f ?? x.values[ri]?.[j] ?? ""))),
      rows: x.values.length,
      cols: x.values[0]?.length ?? 0,
    })),
  };
}

const rectOf = (r: Excel.Range): RangeRef => ({ row: r.rowIndex, col: r.columnIndex, rows: r.rowCount, cols: r.columnCount });

/** Bytes a row is taken to cost, from what the last read measured, with a margin for rows that differ. */
const perRowOf = (x: { bytes: number; rows: number }) => Math.max(1, (x.bytes / Math.max(1, x.rows)) * 1.1);

/** A sheet read in row chunks from A1: how far it has got and what a row is taken to cost. */
interface Rows { sheet: number; ws: Excel.Worksheet; rows: number; cols: number; perRow: number; next: number; measured: boolean }
interface Chunk { t: Rows; row: number; rows: number; range: Excel.Range }

/**
 * A sheet nobody has measured yet is first read in a chunk of at most this share of the budget (in guessed bytes),
 * so that a guess 8x too low still stays under the budget; later chunks are sized from what it really took.
 */
const PROBE_SHARE = 8;

/** Queues row chunks, sheet after sheet, while their bytes stay under the budget (at least one chunk a sync). */
function queueChunks(targets: Rows[], budget: number): Chunk[] {
  const chunks: Chunk[] = [];
  let bytes = 0;
  for (const t of targets) {
    while (t.next < t.rows) {
      const room = budget - bytes;
      const cap = t.measured ? room : Math.min(room, budget / PROBE_SHARE);
      let n = Math.min(t.rows - t.next, Math.floor(cap / t.perRow));
      if (n < 1) {
        if (chunks.length > 0) return chunks;
        n = 1;
      }
      chunks.push({ t, row: t.next, rows: n, range: t.ws.getRangeByIndexes(t.next, 0, n, t.cols).load("values,formulas") });
      bytes += n * t.perRow;
      t.next += n;
      // One chunk of a sheet not measured yet: the next is sized from what this one took.
      if (!t.measured) break;
    }
  }
  return chunks;
}

const answered = (c: Chunk) => Array.isArray(c.range.values) && Array.isArray(c.range.formulas);

/** Puts a chunk into its sheet's grid, and sizes the sheet's next chunks from the bytes this one took. */
function take(c: Chunk, g: Grid): void {
  const values = c.range.values.slice(0, Math.max(0, g.values.length - c.row));
  putInto(g, c.row, 0, values, c.range.formulas);
  c.t.perRow = Math.max(1, ((jsonBytes(c.range.values) + jsonBytes(c.range.formulas)) / c.rows) * 1.1);
  c.t.measured = true;
}

/**
 * Reads what is left of each sheet in syncs of row chunks under the budget. When Excel still finds a response too
 * big (or answers null, over its 5 million cells), the same rows are read again in chunks half the size.
 */
async function readRest(targets: Rows[], grids: Grid[], s: Syncer, budget: number): Promise<void> {
  while (targets.some((t) => t.next < t.rows)) {
    const chunks = queueChunks(targets, budget);
    let tooBig = false;
    try {
      await s.read("reading the sheets", 0);
      tooBig = !chunks.every(answered);
    } catch (e) {
      if (!isPayloadError(e)) throw e;
      tooBig = true;
    }
    if (tooBig) {
      if (chunks.every((c) => c.rows === 1)) throw new Error("Excel would not return even one row of the workbook at a time.");
      for (const c of chunks) c.t.next = Math.min(c.t.next, c.row);
      for (const t of new Set(chunks.map((c) => c.t))) t.perRow *= 2;
      continue;
    }
    for (const c of chunks) take(c, grids[c.t.sheet]);
  }
}

/** A 1900-system serial as the workbook's (1904 workbooks count from 1904-01-01). */
export const dateShiftOf = (snap: WorkbookSnapshot | undefined) => ((snap as { date1904?: boolean } | undefined)?.date1904 ? DATE_1904_SHIFT : 0);
