/**
 * Reading the workbook: every sheet's values and formulas from A1 to the end of its used range, with what a
 * build needs to know besides (sheet ids and visibility, charts, names, tables, the date system, where the person
 * is), in ONE sync when the layout of the last read is known (the pane reads the workbook when it opens, so a
 * build usually is), else two. Responses are sized from the bytes the last read really took (or an estimate), cut
 * into row chunks under the budget, halved and retried when Excel still finds one too big, and a sheet Excel
 * answers `null` for (over 5 million cells) is read again in chunks.
 */
import type { RangeRef, SheetSnapshot, SnapshotValue, WorkbookSnapshot } from "../core/workbook/plan";
import { isPayloadError } from "./errors";
import { realClock, Syncer, SYNC_TIMEOUT_MS, type Clock } from "./sync";

/** Bytes of one read response: under Excel on the web's 5 MB with room for the envelope. */
export const RESPONSE_BUDGET = 4_000_000;
/** A guess at one cell's value + formula in a response, before a read has measured the real bytes. */
const READ_BYTES_PER_CELL = 40;
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
  sheets: { id: string; bytes: number; rows: number }[];
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
    try {
      return await readOnce(context, s, opts.layout, budget, opts);
    } catch {
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
async function readOnce(context: Excel.RequestContext, s: Syncer, layout: ReadLayout, budget: number, opts: ReadOptions): Promise<ExcelSnapshot> {
  const total = layout.sheets.reduce((n, x) => n + x.bytes, 0);
  if (total > budget) throw new Error("too big for one response");
  const listing = context.workbook.worksheets.load("items/name,items/id,items/visibility");
  const known = layout.sheets.map((x) => {
    const ws = context.workbook.worksheets.getItem(x.id);
    return { id: x.id, ws, used: ws.getUsedRangeOrNullObject(true).load(`${USED},values,formulas`), charts: ws.charts.load("items/name,items/id"), cfs: ws.getRange().conditionalFormats.load(CF_LIST) };
  });
  const host = queueHost(context, true);
  await s.read("reading the workbook", 0);
  const listed = listing.items.map((w) => ({ name: w.name, id: w.id, visibility: w.visibility, ws: w }));
  if (listed.length !== known.length || listed.some((l, i) => l.id !== known[i].id)) throw new Error("the sheets changed");
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

/** Two syncs (more for big sheets): the list of sheets and the host's facts, then the sheets. */
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
  const guess = listed.reduce((n, l) => n + (previous.get(l.id)?.bytes ?? 0), 0);
  let grids: Grid[] | null = null;
  let used: (RangeRef | null)[] = [];
  // Most workbooks fit one response: every used range whole, in the same sync as the charts.
  if (guess <= budget) {
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
    // Too big for one response: measure, then read in row chunks sized from the bytes per row.
    const dims = listed.map((l) => l.ws.getUsedRangeOrNullObject(true).load(USED));
    // The charts again: a sync that failed answered nothing.
    listed.forEach((l, i) => { charts[i] = l.ws.charts.load("items/name,items/id"); cfs[i] = l.ws.getRange().conditionalFormats.load(CF_LIST); });
    await s.read("measuring the sheets", 0);
    used = dims.map((u) => (u.isNullObject ? null : rectOf(u)));
    grids = [];
    const chunks: Chunk[] = [];
    listed.forEach((l, i) => {
      const u = dims[i];
      const rows = u.isNullObject ? 0 : u.rowIndex + u.rowCount;
      const cols = u.isNullObject ? 0 : u.columnIndex + u.columnCount;
      grids!.push(emptyGrid(rows, cols));
      if (rows === 0) return;
      const known = previous.get(l.id);
      const perRow = known && known.rows > 0 ? Math.ceil(known.bytes / known.rows) * 1.1 : cols * READ_BYTES_PER_CELL;
      const per = Math.max(1, Math.floor(budget / Math.max(1, perRow)));
      for (let r = 0; r < rows; r += per) chunks.push({ sheet: i, ws: l.ws, row: r, rows: Math.min(per, rows - r), cols, bytes: Math.min(per, rows - r) * perRow });
    });
    await readChunks(chunks, grids, s, budget);
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

function layoutOf(snap: ExcelSnapshot): ReadLayout {
  return { sheets: snap.sheets.map((x, i) => ({ id: snap.host!.sheets[i].id, bytes: jsonBytes(x.values) + jsonBytes(x.formulas.map((r) => r.map((f, j) => f ?? x.values[0]?.[j] ?? ""))), rows: x.values.length })) };
}

const rectOf = (r: Excel.Range): RangeRef => ({ row: r.rowIndex, col: r.columnIndex, rows: r.rowCount, cols: r.columnCount });

interface Chunk { sheet: number; ws: Excel.Worksheet; row: number; rows: number; cols: number; bytes: number }

/** Groups chunks into syncs under the budget; halves them if Excel still finds a response too big (or answers null). */
async function readChunks(chunks: Chunk[], grids: Grid[], s: Syncer, budget: number): Promise<void> {
  let group: Chunk[] = [];
  let bytes = 0;
  const flush = async () => {
    if (group.length === 0) return;
    const batch = group;
    group = [];
    bytes = 0;
    const ranges = batch.map((c) => c.ws.getRangeByIndexes(c.row, 0, c.rows, c.cols).load("values,formulas"));
    let tooBig = false;
    try {
      await s.read("reading the sheets", 0);
      tooBig = ranges.some((r) => !Array.isArray(r.values) || !Array.isArray(r.formulas));
    } catch (e) {
      if (!isPayloadError(e)) throw e;
      tooBig = true;
    }
    if (tooBig) {
      if (batch.every((c) => c.rows === 1)) throw new Error("Excel would not return even one row of the workbook at a time.");
      const halves = batch.flatMap((c) => {
        if (c.rows === 1) return [c];
        const h = Math.ceil(c.rows / 2);
        return [{ ...c, rows: h, bytes: c.bytes / 2 }, { ...c, row: c.row + h, rows: c.rows - h, bytes: c.bytes / 2 }];
      });
      return readChunks(halves, grids, s, Math.floor(budget / 2));
    }
    batch.forEach((c, i) => putInto(grids[c.sheet], c.row, 0, ranges[i].values, ranges[i].formulas));
  };
  for (const c of chunks) {
    if (group.length > 0 && bytes + c.bytes > budget) await flush();
    group.push(c);
    bytes += c.bytes;
  }
  await flush();
}

/** A 1900-system serial as the workbook's (1904 workbooks count from 1904-01-01). */
export const dateShiftOf = (snap: WorkbookSnapshot | undefined) => ((snap as { date1904?: boolean } | undefined)?.date1904 ? DATE_1904_SHIFT : 0);
