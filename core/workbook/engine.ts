/**
 * The plan engine: specs + incoming data + what the workbook already holds -> the write plan.
 * Data is sacred here, for every host at once:
 *  - cells of input columns in existing rows are never written (only new rows and blank spare rows are), except
 *    a field the data file owns that the person has not changed since the file last set it (see `owned`);
 *  - a computed cell a person typed over (a value where our formula was) is kept, with a warning; so is a header
 *    or label they typed over (told apart from our own older text by the texts we remember writing);
 *  - a sheet of the same name that this product did not make is never touched: ours gets another name;
 *  - if a newer version changes a table's columns, values move with their column keys; retired columns and
 *    columns a person added beside the table are kept at its right;
 *  - a table's size follows what the sheet holds, never a number read from it: its rows run from the header
 *    through the rows holding its formulas or records; a cell further below (or far to the right) is a stray,
 *    left where it is and reported, never filled with formulas.
 */
import { PcnError } from "../errors";
import {
  a1, colLetter, emptySheetPlan, isoToSerial, serialToIso, type Block, type DataConflict, type NamedRange, type PlanCell,
  type RangeRef, type SheetPlan, type SheetSnapshot, type SnapshotValue, type ValidationRule,
  type WorkbookSnapshot,
} from "./plan";
import { canon, DATA_SHEET, dataStoreRows, hashOf, readDataStore, readTexts, textHash, textsOf, valueHash, writeTexts, type DataStore, type FieldHashes } from "./remember";
import { COLOURS, formatOf, hasOwn, type ColumnSpec, type FormulaCtx, type ReportSpec, type RowValues, type SheetSpec, type TableSpec, type Value } from "./spec";

export const META_SHEET = "PCN_Meta";
export const LISTS_SHEET = "PCN_Lists";
export { DATA_SHEET };
const META_VERSION = 2;

export interface SheetMeta {
  key: string;
  /** "" for a sheet built once and since deleted (remembered so the sample never refills it). */
  name: string;
  layout: string[];
  capacity: number;
  /** Hashes of the headers and labels this product wrote on the sheet (undefined: not remembered). */
  texts?: Set<string>;
}
export interface WorkbookMeta { found: boolean; year?: string; pcn?: string; icb?: string; sample?: boolean; sheets: SheetMeta[] }

const isEmpty = (v: unknown) => v === null || v === undefined || v === "";
/** Record identity: case and runs of spaces do not make a different practice or reference. */
export const recordKey = (keys: string[], r: RowValues) => keys.map((k) => String(r[k] ?? "").trim().replace(/\s+/g, " ").toLowerCase()).join("|");
const blankKey = (k: string) => k.replace(/\|/g, "") === "";

/** Limits on what the meta sheet may say: it is read, never trusted to size work. */
const MAX_LAYOUT = 500;
function parseLayout(x: unknown): string[] {
  if (typeof x !== "string" || x.length > 50_000) return [];
  try {
    const v: unknown = JSON.parse(x);
    return Array.isArray(v) && v.length <= MAX_LAYOUT && v.every((k) => typeof k === "string" && k.length > 0 && k.length <= 100) && new Set(v).size === v.length ? (v as string[]) : [];
  } catch {
    return [];
  }
}
const shortText = (v: unknown, max = 2000) => (typeof v === "string" && v !== "" && v.length <= max ? v : undefined);

export function readMeta(snap: WorkbookSnapshot): WorkbookMeta {
  const s = snap.sheets.find((x) => x.name === META_SHEET);
  const meta: WorkbookMeta = { found: !!s, sheets: [] };
  if (!s) return meta;
  const seen = new Set<string>();
  for (const row of s.values) {
    if (!row) continue;
    const [tag, v1] = row;
    if (tag === "year") meta.year = shortText(v1, 20) ?? meta.year;
    else if (tag === "pcn") meta.pcn = shortText(v1) ?? meta.pcn;
    else if (tag === "icb") meta.icb = shortText(v1) ?? meta.icb;
    else if (tag === "sample") meta.sample = v1 === "yes";
    else if (tag === "sheet") {
      const key = shortText(v1, 100);
      if (!key || seen.has(key)) continue;
      seen.add(key);
      const cap = Number(row[4]);
      meta.sheets.push({ key, name: typeof row[2] === "string" ? row[2] : "", layout: parseLayout(row[3]), capacity: Number.isInteger(cap) && cap > 0 ? cap : 0, texts: readTexts(row[5]) });
    }
  }
  return meta;
}

const colIndexes = new WeakMap<ColumnSpec[], Map<string, number>>();
function makeCtx(cols: ColumnSpec[], row: number): FormulaCtx {
  let idx = colIndexes.get(cols);
  if (!idx) colIndexes.set(cols, (idx = new Map(cols.map((c, i) => [c.key, i]))));
  const at = (k: string) => {
    const i = idx.get(k);
    if (i === undefined) throw new Error(`formula refers to unknown column ${k}`);
    return i;
  };
  return {
    row,
    ref: (k) => `${colLetter(at(k))}${row}`,
    span: (a, b) => `$${colLetter(at(a))}${row}:$${colLetter(at(b))}${row}`,
  };
}

const isComputed = (c: ColumnSpec) => !!c.formula;

/** What one record's cell holds as plan content. */
function recordCell(c: ColumnSpec, rowNo: number, cols: ColumnSpec[], v: Value | undefined): PlanCell {
  if (c.formula) return { f: c.formula(makeCtx(cols, rowNo)) };
  if (isEmpty(v)) return c.seed ? { f: c.seed(makeCtx(cols, rowNo)) } : null;
  if (c.type === "date" && typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) return { d: v };
  return v as PlanCell;
}

/** An input column's seed formula for a row, as a host reads it back. */
const isOurSeed = (c: ColumnSpec, cols: ColumnSpec[], rowNo: number, f: string) =>
  !!c.seed && ("=" + c.seed(makeCtx(cols, rowNo)).replace(/^=/, "")).toUpperCase() === f.toUpperCase();

function snapshotCell(s: SheetSnapshot | undefined, r: number, c: number): { v: SnapshotValue; f: string | null } {
  return { v: s?.values[r]?.[c] ?? null, f: s?.formulas[r]?.[c] ?? null };
}
const hasContent = (s: SheetSnapshot, r: number, c: number) => !isEmpty(s.values[r]?.[c]) || !!s.formulas[r]?.[c];
/** The last row (0-based) holding anything: what a sheet holds, whatever length its arrays claim. */
export function lastRowOf(s: SheetSnapshot): number {
  let r = Math.max(s.values.length, s.formulas.length) - 1;
  const has = (row: unknown[] | undefined) => {
    if (!row) return false;
    for (let c = 0; c < row.length; c++) if (!isEmpty(row[c])) return true;
    return false;
  };
  while (r >= 0 && !has(s.values[r]) && !has(s.formulas[r])) r--;
  return r;
}
const rowWidth = (s: SheetSnapshot, r: number) => Math.max(s.values[r]?.length ?? 0, s.formulas[r]?.length ?? 0);
const asCell = (x: { v: SnapshotValue; f: string | null }): PlanCell => (x.f ? { f: x.f } : (x.v as PlanCell));

/** Splits a rectangle of cells into blocks that avoid the cells marked `skip` (whole clean rows stay one block). */
export function blocksAvoiding(row0: number, col0: number, cells: PlanCell[][], skip: (r: number, c: number) => boolean): Block[] {
  const out: Block[] = [];
  let start = -1;
  const flush = (end: number) => {
    if (start >= 0 && end > start) out.push({ row: row0 + start, col: col0, cells: cells.slice(start, end) });
    start = -1;
  };
  for (let r = 0; r < cells.length; r++) {
    const width = cells[r].length;
    let clean = true;
    for (let c = 0; c < width; c++) if (skip(r, c)) { clean = false; break; }
    if (clean) { if (start < 0) start = r; continue; }
    flush(r);
    let s = -1;
    for (let c = 0; c <= width; c++) {
      const sk = c === width || skip(r, c);
      if (!sk && s < 0) s = c;
      if (sk && s >= 0) { out.push({ row: row0 + r, col: col0 + s, cells: [cells[r].slice(s, c)] }); s = -1; }
    }
  }
  flush(cells.length);
  return out;
}

/** Blank rows (with no formula of ours either) that may still sit inside one table, e.g. records cleared whole. */
const ROW_GAP = 1000;
/** Empty columns that may separate a person's own columns beside a table; past them, a cell is a stray. */
const COL_GAP = 5;
/** Stray cells named in a warning; the rest are counted. */
const STRAYS_NAMED = 5;

/** What a sheet holds of one table, found from its cells alone. Rows are 1-based data rows (sheet row - 1). */
export interface TableScan {
  /** Rows 1..end are the table's rows now in the sheet (records, blank spare rows with our formulas). */
  end: number;
  lastRecord: number;
  /** Records (rows holding something a person put there), in sheet order, with their input values. */
  records: { r: number; rec: RowValues }[];
  keys: Map<string, number>;
  /** Old column indexes: retired columns holding typed values, and columns right of the table holding anything (rows 0..end). */
  retired: number[];
  beside: number[];
  /** Cells below the table, or right of it past a wide empty gap, that are not part of it (the first few, and how many). */
  strays: string[];
  strayCount: number;
  /** Width of the table as it sits in the sheet (its old layout). */
  width0: number;
}

/**
 * Finds a table's rows from what the sheet holds. Its skeleton is the run of rows holding our formulas (allowing
 * blank runs of up to ROW_GAP rows); records are rows holding a person's content inside it, or directly below it
 * (as a spreadsheet table grows when typed under). Anything further is a stray: not ours to fill or count.
 */
export function scanTable(t: TableSpec, existing: SheetSnapshot | undefined, oldLayout: string[]): TableScan {
  const cols = t.columns;
  const scan: TableScan = { end: 0, lastRecord: 0, records: [], keys: new Map(), retired: [], beside: [], strays: [], strayCount: 0, width0: oldLayout.length || cols.length };
  if (!existing) return scan;
  const oldIdx = new Map(oldLayout.map((k, i) => [k, i]));
  const mapped = cols.map((c) => oldIdx.get(c.key));
  const newKeys = new Set(cols.map((c) => c.key));
  const retiredAll = oldLayout.flatMap((k, i) => (newKeys.has(k) ? [] : [i]));
  const evidence = cols.some((c, i) => (c.formula || c.seed) && mapped[i] !== undefined);
  const n = lastRowOf(existing);
  let skeleton = 0;
  const used: { r: number; rec: RowValues }[] = [];
  for (let r = 1; r <= n; r++) {
    const row = existing.values[r], fr = existing.formulas[r];
    if (!row?.length && !fr?.length) continue;
    let u = false, ours = false;
    const rec: RowValues = {};
    for (let i = 0; i < cols.length; i++) {
      const c = cols[i], oi = mapped[i];
      if (oi === undefined) continue;
      const v = row?.[oi] ?? null, f = fr?.[oi] ?? null;
      if (c.formula) {
        if (f !== null) ours = true;
        else if (!isEmpty(v)) u = true; // a value typed over one of our formulas: the row is the person's
        continue;
      }
      if (f !== null) { if (isOurSeed(c, cols, r + 1, f)) ours = true; else u = true; }
      else if (!isEmpty(v)) u = true;
      rec[c.key] = f === null ? (v as Value) : null;
    }
    // A retired column's typed values are the person's too (its old formulas are not).
    for (const oi of retiredAll) if (!isEmpty(row?.[oi]) && !fr?.[oi]) u = true;
    if (!evidence) ours = u;
    if (ours && r - skeleton <= ROW_GAP) skeleton = r;
    if (u) used.push({ r, rec });
  }
  let last = skeleton;
  let broken = false;
  for (const x of used) {
    const inside = x.r <= skeleton || (!broken && x.r === last + 1);
    if (!inside) { broken = true; continue; }
    if (x.r > last) last = x.r;
    scan.records.push(x);
    scan.lastRecord = x.r;
    const k = recordKey(t.keyColumns, x.rec);
    if (!blankKey(k) && !scan.keys.has(k)) scan.keys.set(k, x.r);
  }
  scan.end = Math.max(skeleton, scan.lastRecord);
  // Columns right of the table holding anything in its rows (a person's own columns, headings beside it).
  const beside = new Set<number>();
  for (let r = 0; r <= Math.min(scan.end, n); r++) for (let c = scan.width0, w = rowWidth(existing, r); c < w; c++) if (hasContent(existing, r, c)) beside.add(c);
  scan.beside = [...beside].sort((a, b) => a - b);
  // Columns of a person's own beside the table run on from it; a cell past a wide empty gap is a stray (kept,
  // and moved right with the rest only if the table grows into them).
  let prev = scan.width0 - 1;
  for (const c of scan.beside) {
    if (c - prev <= COL_GAP + 1) { prev = c; continue; }
    for (let r = 0; r <= Math.min(scan.end, n); r++) {
      if (!hasContent(existing, r, c)) continue;
      if (scan.strays.length < STRAYS_NAMED) scan.strays.push(`${colLetter(c)}${r + 1}`);
      scan.strayCount++;
    }
  }
  scan.retired = retiredAll.filter((oi) => { for (let r = 1; r <= scan.end; r++) if (hasContent(existing, r, oi)) return true; return false; });
  // Everything below the table's rows is a stray.
  for (let r = scan.end + 1; r <= n; r++) {
    for (let c = 0, w = rowWidth(existing, r); c < w; c++) {
      if (!hasContent(existing, r, c)) continue;
      if (scan.strays.length < STRAYS_NAMED) scan.strays.push(`${colLetter(c)}${r + 1}`);
      scan.strayCount++;
    }
  }
  return scan;
}

/** Rows (1-based data rows) where new records go: after the last record, skipping rows that hold a stray. */
function placeNewRows(scan: TableScan, existing: SheetSnapshot | undefined, count: number, width: number): number[] {
  const out: number[] = [];
  for (let r = scan.lastRecord + 1; out.length < count; r++) {
    let stray = false;
    if (existing && r > scan.end) for (let c = 0; c < width && !stray; c++) stray = hasContent(existing, r, c);
    if (!stray) out.push(r);
  }
  return out;
}

/** A person's text where we write a header or label: kept, unless it is our own (older) text. */
function theirText(v: SnapshotValue, f: string | null, ours: string, memory: Set<string> | undefined): boolean {
  if (f !== null) return true;
  if (isEmpty(v) || v === ours) return false;
  if (!memory) return false; // a workbook from before texts were remembered: ours is refreshed
  return !(typeof v === "string" && memory.has(textHash(v)));
}

/**
 * How a data file's value reads back from a cell, for comparison with the cell. `dateShift`: 1462 in a 1904
 * date-system workbook, whose cells hold dates 1462 lower than the 1900 system's serials.
 */
function fileCanon(c: ColumnSpec, v: Value | undefined, dateShift: number): string {
  if (c.type === "date" && typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) return canon(isoToSerial(v) - dateShift);
  return canon(v ?? null);
}
function showCanon(c: ColumnSpec, x: string, dateShift: number): string {
  if (x === "") return "(blank)";
  const body = x.slice(2);
  if (x.startsWith("n:") && c.type === "date") return serialToIso(Number(body) + dateShift).split("-").reverse().join("/");
  if (x.startsWith("f:")) return `a formula (${body})`;
  return body;
}

/** What one build carries from sheet to sheet. */
interface EngineState {
  warnings: string[];
  conflicts: DataConflict[];
  updates: number;
  /** Days a date cell's serial is below the 1900 system's: 1462 in a 1904 date-system workbook, else 0. */
  dateShift: number;
  /** The data store as read (--data builds only), and as it will be written. */
  store?: DataStore;
  newStore?: DataStore;
  /** Dropdowns fed from a name no sheet has declared yet: resolved once every sheet has (a later sheet's column). */
  pendingLists: { plan: SheetPlan; column: ColumnSpec; range: RangeRef }[];
  /** Records the build found in the tables it rebuilt, and records it added (for the change journal). */
  kept: number;
  added: number;
}

interface TableResult { capacity: number; layout: string[]; texts: string[]; rows: RowValues[] }

/** Plans the table at A1. Returns the capacity (data rows incl. spare) it now spans. */
function planTable(
  plan: SheetPlan, spec: SheetSpec, t: TableSpec, existing: SheetSnapshot | undefined, old: SheetMeta | undefined,
  names: NamedRange[], st: EngineState,
): TableResult {
  const warnings = st.warnings;
  const cols = t.columns;
  const width = cols.length;
  const layout = cols.map((c) => c.key);
  const incoming = spec.rows ?? [];
  const keyOf = (r: RowValues) => recordKey(t.keyColumns, r);
  const memory = existing ? old?.texts : undefined;
  const texts: string[] = cols.map((c) => c.header);

  const oldLayout = existing ? (old?.layout ?? []) : [];
  const sameLayout = !!existing && oldLayout.length === layout.length && oldLayout.every((k, i) => k === layout[i]);
  const oldIdx = new Map(oldLayout.map((k, i) => [k, i]));
  const scan = scanTable(t, existing, oldLayout);
  const n = existing ? lastRowOf(existing) : 0;
  const cellAt = (r: number, key: string) => {
    const oi = oldIdx.get(key);
    return existing && oi !== undefined ? snapshotCell(existing, r, oi) : { v: null, f: null };
  };

  // Incoming records: new ones, and those already in the sheet (matched by key).
  const newRows: RowValues[] = [];
  const matched: { r: number; rec: RowValues }[] = [];
  for (const rec of incoming) {
    const at = scan.keys.get(keyOf(rec));
    if (at === undefined) newRows.push(rec);
    else matched.push({ r: at, rec });
  }
  // Cells of existing records to rewrite: confirmed in the pane, or owned by the data file and not changed since.
  const over = new Map<number, Map<string, PlanCell>>();
  const setOver = (r: number, key: string, cell: PlanCell) => {
    let m = over.get(r);
    if (!m) over.set(r, (m = new Map()));
    m.set(key, cell);
  };
  if (spec.rowsWin) {
    for (const u of matched) for (const c of cols) if (!isComputed(c) && !isEmpty(u.rec[c.key])) setOver(u.r, c.key, recordCell(c, u.r + 1, cols, u.rec[c.key]));
  }
  if (spec.owned && st.newStore) {
    const byKey = new Map(cols.map((c) => [c.key, c]));
    const fields = (spec.owned.fields ?? cols.filter((c) => !t.keyColumns.includes(c.key)).map((c) => c.key)).filter((k) => { const c = byKey.get(k); return !!c && !isComputed(c); });
    const before = st.store?.get(spec.key);
    const after = new Map<string, FieldHashes>();
    const at = new Map(matched.map((m) => [m.rec, m.r]));
    for (const rec of incoming) {
      if (spec.owned.record && !spec.owned.record(rec)) continue;
      const kh = textHash(keyOf(rec));
      const r = at.get(rec);
      const base = r !== undefined ? before?.get(kh) : undefined;
      const hashes: FieldHashes = new Map();
      for (const k of fields) {
        if (!hasOwn(rec, k)) continue;
        const c = byKey.get(k)!;
        const fileC = fileCanon(c, rec[k], st.dateShift);
        hashes.set(k, valueHash(fileC));
        if (r === undefined) continue;
        const { v, f } = cellAt(r, k);
        const sheetC = f !== null && isOurSeed(c, cols, r + 1, f) ? "" : canon(v as Value, f);
        if (sheetC === fileC) continue;
        const b = base?.get(k);
        if ((b !== undefined && hashOf(b, sheetC)) || (b === undefined && sheetC === "")) {
          // Not changed by the person since the file set it (or never set): the file's value.
          setOver(r, k, recordCell(c, r + 1, cols, rec[k]));
          st.updates++;
        } else if (b === undefined || !hashOf(b, fileC)) {
          st.conflicts.push({ sheet: plan.name, row: r + 1, field: c.header, ref: t.keyColumns.map((kc) => String(rec[kc] ?? "")).join(" / "), yours: showCanon(c, sheetC, st.dateShift), file: showCanon(c, fileC, st.dateShift) });
        }
      }
      after.set(kh, hashes);
    }
    st.newStore.set(spec.key, after);
  }

  const placed = placeNewRows(scan, existing, newRows.length, Math.max(width, scan.width0));
  st.kept += scan.records.length;
  st.added += placed.length;
  const incAt = new Map(placed.map((r, i) => [r, newRows[i]]));
  const lastNew = placed.length ? placed[placed.length - 1] : scan.lastRecord;
  const strayAt = (r: number, c: number) => !!existing && r > scan.end && hasContent(existing, r, c);
  // Spare rows stop a blank row short of a stray below (so it never joins the table by touching it).
  let capacity = Math.max(lastNew + t.spareRows, scan.end);
  for (let r = lastNew + 1; r <= lastNew + t.spareRows + 1 && r > scan.end; r++) {
    let stray = false;
    for (let c = 0, w = existing ? rowWidth(existing, r) : 0; c < w && !stray; c++) stray = strayAt(r, c);
    if (stray) {
      capacity = Math.max(lastNew, scan.end, r - 2);
      warnings.push(`${plan.name}: the table's blank rows stop above ${colLetter(0)}${r + 1}, which holds something that is not part of it; move that further down to give the table more room.`);
      break;
    }
  }
  if (scan.strayCount) {
    const more = scan.strayCount - scan.strays.length;
    const where = (cell: string) => (Number(cell.replace(/^[A-Z]+/, "")) - 1 > scan.end ? "below" : "far to the right of");
    warnings.push(
      scan.strayCount === 1
        ? `${plan.name}!${scan.strays[0]} is ${where(scan.strays[0])} the table, not part of it: it was left as it is and is not counted. Move it into the table's rows if it is a record.`
        : `${plan.name}: ${scan.strayCount} cells below or far beside the table are not part of it (${scan.strays.join(", ")}${more ? ` and ${more} more` : ""}): they were left as they are and are not counted. Move them into the table's rows if they are records.`,
    );
  }
  const typedOver = (r: number, key: string, at: string) => {
    const { v, f } = cellAt(r, key);
    if (f === null && !isEmpty(v)) { warnings.push(`Kept the value typed over the formula in ${plan.name}!${at}.`); return true; }
    return false;
  };
  const headerOf = (c: ColumnSpec): { cell: PlanCell; theirs: boolean } => {
    const h = cellAt(0, c.key);
    if (existing && oldIdx.has(c.key) && theirText(h.v, h.f, c.header, memory)) return { cell: asCell(h), theirs: true };
    return { cell: c.header, theirs: false };
  };

  if (!existing || !sameLayout) {
    // Fresh sheet, or a relayout: one block over the table, carrying existing content by key; retired columns
    // with values follow it, and everything right of the old table moves right as far as the table grew.
    const retired = scan.retired;
    const newRight = width + retired.length;
    const shift = existing ? Math.max(0, newRight - scan.width0) : 0;
    const header: PlanCell[] = cols.map((c) => headerOf(c).cell);
    for (const oi of retired) {
      const h = snapshotCell(existing, 0, oi);
      const text = h.f || isEmpty(h.v) ? `${oldLayout[oi]} (kept)` : String(h.v).endsWith(" (kept)") ? String(h.v) : `${String(h.v)} (kept)`;
      header.push(text);
      texts.push(text);
    }
    const cells: PlanCell[][] = [header];
    for (let r = 1; r <= capacity; r++) {
      const rowNo = r + 1;
      const row: PlanCell[] = [];
      const inc = incAt.get(r);
      const ov = over.get(r);
      for (const c of cols) {
        const snap = r <= n ? cellAt(r, c.key) : { v: null, f: null };
        if (strayAt(r, row.length)) row.push(asCell(snapshotCell(existing, r, row.length)));
        else if (isComputed(c)) row.push(typedOver(r, c.key, `${colLetter(row.length)}${rowNo}`) ? (snap.v as PlanCell) : recordCell(c, rowNo, cols, null));
        else if (ov?.has(c.key)) row.push(ov.get(c.key)!);
        else if (snap.f !== null && !isOurSeed(c, cols, rowNo, snap.f)) row.push({ f: snap.f });
        else if (!isEmpty(snap.v) && snap.f === null) row.push(snap.v as PlanCell);
        else row.push(recordCell(c, rowNo, cols, inc?.[c.key]));
      }
      for (const oi of retired) row.push(strayAt(r, row.length) ? asCell(snapshotCell(existing, r, row.length)) : r <= scan.end ? asCell(snapshotCell(existing, r, oi)) : null);
      cells.push(row);
    }
    if (existing && scan.width0 > newRight) plan.clears.push({ row: 0, col: newRight, rows: scan.end + 1, cols: scan.width0 - newRight });
    if (shift > 0) {
      for (const oi of scan.beside) plan.clears.push({ row: 0, col: oi, rows: scan.end + 1, cols: 1 });
      for (const oi of scan.beside) plan.blocks.push({ row: 0, col: oi + shift, cells: Array.from({ length: scan.end + 1 }, (_, r) => [asCell(snapshotCell(existing, r, oi))]) });
    }
    plan.blocks.unshift({ row: 0, col: 0, cells });
    if (existing && !sameLayout) {
      const kept = retired.length || shift > 0;
      warnings.push(`${plan.name}: columns updated to this version; your values moved with their columns${kept ? ", and other columns were kept at the right" : ""}.`);
    }
  } else {
    const header = cols.map((c) => headerOf(c));
    plan.blocks.push(...blocksAvoiding(0, 0, [header.map((h) => h.cell)], (_, c) => header[c].theirs));
    for (const c of cols) {
      const h = headerOf(c);
      if (h.theirs) warnings.push(`Kept the heading typed over ours in ${plan.name}!${colLetter(cols.indexOf(c))}1 (ours: "${c.header}").`);
    }
    // Existing rows 1..lastRecord: computed columns only, column run by column run, avoiding typed-over cells.
    const lastRecord = scan.lastRecord;
    if (lastRecord > 0) {
      let c0 = 0;
      while (c0 < width) {
        if (!isComputed(cols[c0])) { c0++; continue; }
        let c1 = c0;
        while (c1 + 1 < width && isComputed(cols[c1 + 1])) c1++;
        const cells: PlanCell[][] = [];
        for (let r = 1; r <= lastRecord; r++) {
          const line: PlanCell[] = [];
          for (let c = c0; c <= c1; c++) line.push(recordCell(cols[c], r + 1, cols, null));
          cells.push(line);
        }
        plan.blocks.push(...blocksAvoiding(1, c0, cells, (ri, ci) => typedOver(ri + 1, cols[c0 + ci].key, `${colLetter(c0 + ci)}${ri + 2}`)));
        c0 = c1 + 1;
      }
    }
    // Rows after the last record hold nothing of the person's (but strays): new records and spare rows.
    const tail: PlanCell[][] = [];
    for (let r = lastRecord + 1; r <= capacity; r++) {
      const inc = incAt.get(r);
      tail.push(cols.map((c) => recordCell(c, r + 1, cols, inc?.[c.key])));
    }
    if (tail.length) plan.blocks.push(...blocksAvoiding(lastRecord + 1, 0, tail, (ri, c) => strayAt(lastRecord + 1 + ri, c)));
    // Input cells of existing records to rewrite, in runs of adjacent columns.
    for (const [r, ov] of over) {
      let c = 0;
      while (c < width) {
        if (!ov.has(cols[c].key)) { c++; continue; }
        const line: PlanCell[] = [];
        const c0 = c;
        while (c < width && ov.has(cols[c].key)) line.push(ov.get(cols[c++].key)!);
        plan.blocks.push({ row: r, col: c0, cells: [line] });
      }
    }
  }

  // Formats, validation, styles and names over header + capacity rows.
  const data = (c: number): RangeRef => ({ row: 1, col: c, rows: capacity, cols: 1 });
  cols.forEach((c, i) => {
    // Text format only on typed text: a formula written into a Text cell would stay text.
    const fmt = (c.type === "text" || c.type === "longtext") ? (isComputed(c) ? null : "@") : formatOf(c.type);
    if (fmt) plan.formats.push({ range: data(i), format: fmt });
    if (isComputed(c)) plan.styles.push({ range: data(i), fill: COLOURS.computed });
    if (c.type === "longtext") plan.styles.push({ range: data(i), wrap: true });
    const v = validationFor(c, data(i), names);
    if (v && !isComputed(c)) plan.validations.push(v);
    else if (!v && c.listName && !isComputed(c)) st.pendingLists.push({ plan, column: c, range: data(i) });
    plan.columnWidths.push({ col: i, width: c.width ?? defaultWidth(c) });
    if (c.name) names.push({ name: t.namePrefix + c.name, sheet: plan.name, range: data(i) });
  });
  plan.styles.push({ range: { row: 0, col: 0, rows: 1, cols: width }, bold: true, fill: COLOURS.header, fontColor: COLOURS.headerFont, wrap: true });
  if (t.conditionalFormats) {
    const byKey = (k: string) => data(cols.findIndex((c) => c.key === k));
    plan.conditionalFormats.push(...t.conditionalFormats(byKey));
  }
  plan.table = { name: t.tableName, range: { row: 0, col: 0, rows: capacity + 1, cols: width } };
  const rows = [
    ...scan.records.map((x) => ({ ...x.rec, __row: x.r + 1 })),
    ...placed.map((r, i) => ({ ...newRows[i], __row: r + 1 })),
  ];
  // A record's own formats (its unit) over the columns', in runs of neighbouring columns.
  if (t.recordFormats) {
    const idx = new Map(cols.map((c, i) => [c.key, i]));
    for (const rec of rows) {
      const rf = t.recordFormats(rec);
      const row = (rec.__row as number) - 1;
      if (!rf || row > capacity) continue;
      for (const k of rf.columns) { const i = idx.get(k); if (i !== undefined) plan.formats.push({ range: { row, col: i, rows: 1, cols: 1 }, format: rf.format }); }
    }
  }
  return { capacity, layout, texts, rows };
}

/** Records as they sit after a build (existing records in place, then new ones), without planning it. `__row` is the 1-based sheet row. */
export function finalRecords(spec: SheetSpec, existing: SheetSnapshot | undefined, oldLayout: string[]): RowValues[] {
  const t = spec.table!;
  const scan = scanTable(t, existing, oldLayout);
  const newRows = (spec.rows ?? []).filter((r) => !scan.keys.has(recordKey(t.keyColumns, r)));
  const placed = placeNewRows(scan, existing, newRows.length, Math.max(t.columns.length, scan.width0));
  return [
    ...scan.records.filter((x) => !blankKey(recordKey(t.keyColumns, x.rec))).map((x) => ({ ...x.rec, __row: x.r + 1 })),
    ...placed.map((r, i) => ({ ...newRows[i], __row: r + 1 })),
  ];
}

/**
 * Merges rules that differ only by sitting in side-by-side columns of the same rows (seven governance
 * dropdowns, twelve money columns), so every host makes one call where it would make many.
 */
export function mergeAdjacent<T extends { range: RangeRef }>(rules: T[]): T[] {
  const keyOf = (r: T) => {
    const { range, ...rest } = r;
    return `${range.row}|${range.rows}|${JSON.stringify(rest)}`;
  };
  const groups = new Map<string, T[]>();
  for (const r of rules) {
    const k = keyOf(r);
    const g = groups.get(k);
    if (g) g.push(r); else groups.set(k, [r]);
  }
  const out: T[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.range.col - b.range.col);
    let cur = { ...g[0], range: { ...g[0].range } };
    for (const r of g.slice(1)) {
      if (r.range.col === cur.range.col + cur.range.cols) cur.range.cols += r.range.cols;
      else { out.push(cur); cur = { ...r, range: { ...r.range } }; }
    }
    out.push(cur);
  }
  return out;
}

function defaultWidth(c: ColumnSpec): number {
  switch (c.type) {
    case "longtext": return 36;
    case "date": return 12;
    case "money": return 14;
    case "yesno": return 8;
    case "choice": return 20;
    default: return Math.min(30, Math.max(10, c.header.length + 2));
  }
}

function validationFor(c: ColumnSpec, range: RangeRef, names: NamedRange[]): ValidationRule | null {
  if (c.choices) return { range, list: c.choices, message: `Choose one of: ${c.choices.join(", ")}.` };
  if (c.type === "yesno") return { range, list: ["Yes", "No"], message: "Choose Yes or No." };
  if (c.listName) {
    const n = names.find((x) => x.name === c.listName);
    if (n) return { range, listSource: a1(n.range, { sheet: n.sheet, absolute: true }), message: `Choose a value from ${n.sheet}.` };
    return null;
  }
  if (c.type === "date") return { range, date: true, message: `${c.header} must be a date.` };
  if (c.type === "money" || c.type === "number" || c.type === "rate" || c.type === "integer" || c.type === "percent" || c.type === "score") {
    const min = c.min, max = c.max;
    const what = min !== undefined && max !== undefined ? ` between ${min} and ${max}` : min !== undefined ? ` of at least ${min}` : "";
    return { range, number: { min, max, integer: c.type === "integer" || c.type === "score" }, message: `${c.header} must be a number${what}.` };
  }
  return null;
}

function planReport(plan: SheetPlan, rep: ReportSpec, existing: SheetSnapshot | undefined, memory: Set<string> | undefined, names: NamedRange[], warnings: string[]): string[] {
  const cells: PlanCell[][] = rep.rows.map((row) => row.map((rc) => (rc ? rc.cell : null)));
  const texts = rep.rows.flatMap((row) => row.flatMap((rc) => (rc && !rc.input && typeof rc.cell === "string" ? [rc.cell] : [])));
  const skip = (r: number, c: number) => {
    const rc = rep.rows[r][c];
    if (!existing) return false;
    const { v, f } = snapshotCell(existing, r, rep.col + c);
    const at = `${plan.name}!${colLetter(rep.col + c)}${r + 1}`;
    // Where we have nothing to say, whatever the person typed stays (our own older text goes).
    if (!rc || rc.cell === null || rc.cell === "") return (!isEmpty(v) || f !== null) && !(f === null && typeof v === "string" && !!memory?.has(textHash(v)));
    if (rc.input) return !isEmpty(v) || f !== null;
    const isFormula = typeof rc.cell === "object" && rc.cell !== null && "f" in rc.cell;
    if (isFormula && f === null && !isEmpty(v)) {
      warnings.push(`Kept the value typed over the formula in ${at}.`);
      return true;
    }
    if (typeof rc.cell === "string" && theirText(v, f, rc.cell, memory)) {
      if (!rc.personal) warnings.push(`Kept the text typed over ours in ${at}.`);
      return true;
    }
    return false;
  };
  plan.blocks.push(...blocksAvoiding(0, rep.col, cells, skip));
  // Formats and styles in vertical runs, so calls stay few.
  const width = Math.max(...rep.rows.map((r) => r.length));
  for (let c = 0; c < width; c++) {
    let r = 0;
    while (r < rep.rows.length) {
      const fmt = rep.rows[r][c]?.format;
      let r2 = r;
      while (r2 + 1 < rep.rows.length && rep.rows[r2 + 1][c]?.format === fmt) r2++;
      if (fmt) plan.formats.push({ range: { row: r, col: rep.col + c, rows: r2 - r + 1, cols: 1 }, format: fmt });
      r = r2 + 1;
    }
  }
  rep.rows.forEach((row, r) => {
    let c = 0;
    while (c < row.length) {
      const rc = row[c];
      if (!rc || (!rc.bold && !rc.fill)) { c++; continue; }
      let c2 = c;
      while (c2 + 1 < row.length && row[c2 + 1]?.bold === rc.bold && row[c2 + 1]?.fill === rc.fill) c2++;
      plan.styles.push({ range: { row: r, col: rep.col + c, rows: 1, cols: c2 - c + 1 }, bold: rc.bold, fill: rc.fill });
      c = c2 + 1;
    }
    row.forEach((rc, c) => {
      if (rc?.name) names.push({ name: rc.name, sheet: plan.name, range: { row: r, col: rep.col + c, rows: 1, cols: 1 } });
      if (rc?.validation) plan.validations.push({ range: { row: r, col: rep.col + c, rows: 1, cols: 1 }, list: rc.validation.list, number: rc.validation.number, message: rc.validation.message });
      if (rc?.input) plan.styles.push({ range: { row: r, col: rep.col + c, rows: 1, cols: 1 }, fill: COLOURS.unknown });
    });
  });
  (rep.widths ?? []).forEach((w, i) => plan.columnWidths.push({ col: rep.col + i, width: w }));
  plan.conditionalFormats.push(...(rep.conditionalFormats ?? []));
  return texts;
}

export interface EngineInput {
  year: string;
  /** The network's name and ICB, remembered for later builds. */
  pcn?: string;
  icb?: string;
  /** The workbook is the fictional sample (remembered, and shown on About). */
  sample?: boolean;
  /** A build with the person's data file: the values records took from it are remembered (see `owned`). */
  data?: boolean;
  specs: SheetSpec[];
  /** Keys to (re)build; others are left as they are. */
  only?: Set<string>;
  snapshot: WorkbookSnapshot;
}

/** An append-only sheet planned so far: its rows go at `next` (0-based), once the build knows them (addAppendRows). */
export interface AppendTarget { plan: SheetPlan; spec: SheetSpec; existing?: SheetSnapshot; next: number }

export interface EngineResult {
  sheets: SheetPlan[]; names: NamedRange[]; conflicts: DataConflict[]; updates: number;
  /** Records kept in, and added to, the tables rebuilt. */
  kept: number; added: number;
  appends: AppendTarget[];
}

export interface NameRequest {
  key: string; name: string; title?: string; keys?: string[]; headers?: string[];
  /** Leading headers that must match for the sheet to be recognised (the rest may vary, e.g. KPI months); default all. */
  minHeaders?: number;
}

/** How many leading cells of a header row are exactly ours. */
function leadingMatch(row: SnapshotValue[] | undefined, headers: string[]): number {
  let j = 0;
  while (row && j < headers.length && String(row[j] ?? "").trim() === headers[j]) j++;
  return j;
}

/**
 * Resolves each sheet's name: the sheet we made before (found case-insensitively, spelled as the workbook
 * spells it); else a sheet whose header row is ours (a renamed sheet, or the meta sheet was lost), which is
 * adopted with a note; else the default name, or a free variant when a sheet of that name is not ours.
 * Adopted sheets are added to `meta` (with the layout their header row shows), which the engine then treats as ours.
 */
export function resolveNames(specs: NameRequest[], snap: WorkbookSnapshot, meta: WorkbookMeta, warnings: string[]): Map<string, { name: string; ours: boolean }> {
  const byLower = new Map(snap.sheets.map((s) => [s.name.toLowerCase(), s]));
  const claimed = new Set<string>([META_SHEET.toLowerCase(), LISTS_SHEET.toLowerCase(), DATA_SHEET.toLowerCase()]);
  const out = new Map<string, { name: string; ours: boolean }>();
  // The leading headers in order; then each further header that is one of ours elsewhere in the probe (the KPI
  // sheet's SPC flags follow however many months it has), up to the first that is not (a person's column).
  const layoutFrom = (sheet: SheetSnapshot, s: NameRequest) => {
    const row = sheet.values[0] ?? [];
    const out = s.keys!.slice(0, leadingMatch(row, s.headers!));
    const used = new Set(out);
    for (let j = out.length; j < row.length; j++) {
      const h = String(row[j] ?? "").trim();
      const i = h ? s.headers!.findIndex((x, k) => x === h && !used.has(s.keys![k])) : -1;
      if (i < 0) break;
      out.push(s.keys![i]);
      used.add(s.keys![i]);
    }
    return out;
  };
  for (const s of specs) {
    const m = meta.sheets.find((x) => x.key === s.key);
    const sheet = m && m.name ? byLower.get(m.name.toLowerCase()) : undefined;
    if (m && sheet && !claimed.has(sheet.name.toLowerCase())) {
      m.name = sheet.name;
      // A layout the meta sheet no longer gives (damaged) is read from the header row.
      if (!m.layout.length && s.keys?.length && s.headers) m.layout = layoutFrom(sheet, s);
      out.set(s.key, { name: sheet.name, ours: true });
      claimed.add(sheet.name.toLowerCase());
    }
  }
  for (const s of specs) {
    if (out.has(s.key) || !s.headers || !s.keys) continue;
    const need = s.minHeaders ?? s.headers.length;
    const found = snap.sheets.filter((sh) => !claimed.has(sh.name.toLowerCase()) && leadingMatch(sh.values[0], s.headers!) >= need);
    const sheet = found.find((sh) => sh.name.toLowerCase() === s.name.toLowerCase()) ?? found[0];
    if (!sheet) continue;
    const old = meta.sheets.find((x) => x.key === s.key);
    meta.sheets = meta.sheets.filter((x) => x.key !== s.key);
    meta.sheets.push({ key: s.key, name: sheet.name, layout: s.keys.length ? layoutFrom(sheet, s) : [], capacity: 0, texts: old?.texts });
    out.set(s.key, { name: sheet.name, ours: true });
    claimed.add(sheet.name.toLowerCase());
    warnings.push(`Recognised "${sheet.name}" as the ${s.title ?? s.name} sheet by its columns, and refreshed it in place.`);
  }
  for (const s of specs) {
    if (out.has(s.key)) continue;
    let name = s.name;
    if (byLower.has(name.toLowerCase()) || claimed.has(name.toLowerCase())) {
      let i = 1;
      do name = `${s.name} (PCN${i > 1 ? " " + i : ""})`; while ((byLower.has(name.toLowerCase()) || claimed.has(name.toLowerCase())) && ++i);
      warnings.push(`A sheet called "${s.name}" already exists and was not made by PCN Toolkit: it is left untouched, and this build uses "${name}".`);
    }
    claimed.add(name.toLowerCase());
    out.set(s.key, { name, ours: false });
  }
  return out;
}

/** A hidden sheet of ours, rewritten whole: rows past the new content are cleared in one range (exported for the
 * Sheets host, which writes PCN_Meta and PCN_Data in stages when a build takes several executions). */
export function hiddenSheet(key: string, name: string, snapshot: WorkbookSnapshot, rows: PlanCell[][], width: number): SheetPlan {
  const old = snapshot.sheets.find((s) => s.name === name);
  const p = emptySheetPlan(key, name, !old);
  p.hidden = true;
  const oldRows = old ? lastRowOf(old) + 1 : 0;
  let oldWidth = width;
  for (let r = 0; old && r < oldRows; r++) oldWidth = Math.max(oldWidth, old.values[r]?.length ?? 0, old.formulas[r]?.length ?? 0);
  if (oldRows > rows.length) p.clears.push({ row: rows.length, col: 0, rows: oldRows - rows.length, cols: oldWidth });
  p.blocks.push({ row: 0, col: 0, cells: rows.map((r) => { const x = r.slice(0, width); while (x.length < width) x.push(null); return x; }) });
  p.formats.push({ range: { row: 0, col: 0, rows: rows.length, cols: width }, format: "@" });
  return p;
}

export function runEngine(input: EngineInput, meta: WorkbookMeta, warnings: string[]): EngineResult {
  const { snapshot } = input;
  const names: NamedRange[] = [];
  const sheets: SheetPlan[] = [];
  const newMeta: SheetMeta[] = [];
  const st: EngineState = { warnings, conflicts: [], updates: 0, kept: 0, added: 0, dateShift: snapshot.date1904 ? 1462 : 0, pendingLists: [] };
  const appends: AppendTarget[] = [];
  if (input.data) {
    st.store = meta.found ? readDataStore(snapshot.sheets.find((s) => s.name === DATA_SHEET)) : new Map();
    st.newStore = new Map();
  }
  for (const spec of input.specs) {
    const existing = snapshot.sheets.find((s) => s.name === spec.name);
    const old = meta.sheets.find((m) => m.key === spec.key);
    const ours = !!old && !!existing && old.name.toLowerCase() === spec.name.toLowerCase();
    const plan = emptySheetPlan(spec.key, spec.name, !existing);
    plan.hidden = spec.hidden;
    plan.freeze = spec.freeze ?? { rows: spec.table ? 1 : 0, cols: 0 };
    const rebuild = !input.only || input.only.has(spec.key);
    // Neither asked for nor there yet: leave it for a later build (the caller adds what requested sheets need).
    if (!rebuild && !ours && !spec.append) continue;
    let capacity = old?.capacity ?? 0;
    let layout = old?.layout ?? [];
    const texts: string[] = [];
    const mine = ours ? existing : undefined;
    if (spec.append) {
      // Appended to on every build (it is asked for or not): the rows come when the build knows them.
      const a = planAppendHead(plan, spec, mine);
      appends.push(a);
      sheets.push(plan);
      newMeta.push({ key: spec.key, name: spec.name, layout: [], capacity: 0, texts: textsOf(spec.append.header) });
      continue;
    }
    if (spec.table) {
      let rows: RowValues[];
      if (rebuild) {
        const r = planTable(plan, spec, spec.table, mine, ours ? old : undefined, names, st);
        capacity = r.capacity;
        layout = r.layout;
        rows = r.rows;
        texts.push(...r.texts);
      } else {
        // Not rebuilt: still declare its names (over the rows it holds) so other sheets' formulas resolve. A sheet
        // the host read only in part keeps the size PCN_Meta remembers.
        const scan = scanTable(spec.table, mine, layout);
        if (!mine?.partial) capacity = scan.end;
        rows = scan.records.map((x) => ({ ...x.rec, __row: x.r + 1 }));
        spec.table.columns.forEach((c, i) => {
          if (c.name) names.push({ name: spec.table!.namePrefix + c.name, sheet: spec.name, range: { row: 1, col: i, rows: Math.max(1, capacity), cols: 1 } });
        });
      }
      // Row names (e.g. one rate's value cell) from where each record now sits.
      const t = spec.table;
      if (t.rowNames) {
        for (const rec of rows) {
          const row = (rec.__row as number) - 1;
          const nm = t.rowNames(rec);
          if (!nm || row > capacity) continue;
          const col = t.columns.findIndex((c) => c.key === nm.column);
          if (!names.some((x) => x.name === nm.name)) names.push({ name: nm.name, sheet: spec.name, range: { row, col, rows: 1, cols: 1 } });
        }
      }
    }
    for (const rep of spec.reports ?? []) {
      if (rebuild) texts.push(...planReport(plan, rep, mine, ours ? old?.texts : undefined, names, warnings));
      else rep.rows.forEach((row, r) => row.forEach((rc, c) => rc?.name && names.push({ name: rc.name, sheet: spec.name, range: { row: r, col: rep.col + c, rows: 1, cols: 1 } })));
    }
    plan.charts = spec.charts ?? [];
    if (!spec.hidden) plan.print = printFor(plan, spec, mine, capacity);
    plan.formats = mergeAdjacent(plan.formats);
    plan.styles = mergeAdjacent(plan.styles);
    plan.validations = mergeAdjacent(plan.validations);
    newMeta.push({ key: spec.key, name: spec.name, layout, capacity, texts: rebuild ? textsOf(texts) : old?.texts });
    if (rebuild) sheets.push(plan);
  }
  // A dropdown whose list a later sheet declares (where the workbook has that sheet); free text otherwise.
  for (const p of st.pendingLists) {
    const v = validationFor(p.column, p.range, names);
    if (v) p.plan.validations.push(v);
  }
  // Sheets built once and not now: remembered (without a name if gone), so the sample never refills them.
  for (const m of meta.sheets) {
    if (newMeta.some((x) => x.key === m.key)) continue;
    newMeta.push({ ...m, name: m.name && snapshot.sheets.some((s) => s.name.toLowerCase() === m.name.toLowerCase()) ? m.name : "" });
  }
  // Dropdown lists too long for an inline list (Excel's limit is 255 characters) go on a hidden lists sheet.
  const lists: string[][] = [];
  for (const sp of sheets) {
    for (const v of sp.validations) {
      if (!v.list || v.list.join(",").length <= 250) continue;
      let i = lists.findIndex((l) => l.join("\u0000") === v.list!.join("\u0000"));
      if (i < 0) i = lists.push(v.list) - 1;
      v.listSource = a1({ row: 0, col: i, rows: v.list.length, cols: 1 }, { sheet: LISTS_SHEET, absolute: true });
      delete v.list;
    }
  }
  if (lists.length) {
    const lp = emptySheetPlan("_lists", LISTS_SHEET, !snapshot.sheets.some((s) => s.name === LISTS_SHEET));
    lp.hidden = true;
    const height = Math.max(...lists.map((l) => l.length));
    lp.blocks.push({ row: 0, col: 0, cells: Array.from({ length: height }, (_, r) => lists.map((l) => l[r] ?? null)) });
    sheets.push(lp);
  }
  // What records took from the data file: the sheets built now, and what was remembered for the others.
  if (st.newStore) {
    // In the specs' order, whichever sheets this build rebuilds: the same sheet for the same records.
    const store: DataStore = new Map();
    for (const s of input.specs) {
      const v = st.newStore.get(s.key) ?? (input.only && !input.only.has(s.key) ? st.store?.get(s.key) : undefined);
      if (v) store.set(s.key, v);
    }
    sheets.push(hiddenSheet("_data", DATA_SHEET, snapshot, dataStoreRows(store), 3));
  }
  // The meta sheet: ours, hidden, rewritten whole.
  const metaRows: PlanCell[][] = [
    ["PCN Toolkit workbook settings: please do not edit this sheet."],
    ["version", META_VERSION],
    ["year", input.year],
    ["pcn", input.pcn ?? meta.pcn ?? null],
    ["icb", input.icb ?? meta.icb ?? null],
    ["sample", input.sample ? "yes" : null],
    ...newMeta.map((m) => ["sheet", m.key, m.name, JSON.stringify(m.layout), m.capacity, m.texts ? writeTexts(m.texts) : null] as PlanCell[]),
  ];
  sheets.push(hiddenSheet("_meta", META_SHEET, snapshot, metaRows, 6));
  return { sheets, names, conflicts: st.conflicts, updates: st.updates, kept: st.kept, added: st.added, appends };
}

/** The extent (rows, columns) of what a sheet holds now, from A1. */
function extentOf(s: SheetSnapshot | undefined): { rows: number; cols: number } {
  if (!s) return { rows: 0, cols: 0 };
  const rows = lastRowOf(s) + 1;
  let cols = 0;
  for (let r = 0; r < rows; r++) {
    const w = rowWidth(s, r);
    for (let c = w - 1; c >= cols; c--) if (hasContent(s, r, c)) { cols = c + 1; break; }
  }
  return { rows: Math.max(rows, s.extent?.rows ?? 0), cols: Math.max(cols, s.extent?.cols ?? 0) };
}

/**
 * How a sheet of ours prints: landscape, every column on one page's width, the header rows (the frozen rows, else
 * a table's header) on every page, and a print area over all it holds: the table with its blank rows ready for
 * records, the reports, the charts, and whatever a person added beside or below. A spec may refine any of it.
 */
export function printFor(plan: SheetPlan, spec: SheetSpec, existing: SheetSnapshot | undefined, capacity: number): import("./plan").PrintSettings {
  let rows = 0, cols = 0;
  const take = (r: RangeRef) => { rows = Math.max(rows, r.row + r.rows); cols = Math.max(cols, r.col + r.cols); };
  if (spec.table) take({ row: 0, col: 0, rows: capacity + 1, cols: spec.table.columns.length });
  for (const rep of spec.reports ?? []) take({ row: 0, col: rep.col, rows: rep.rows.length, cols: Math.max(1, ...rep.rows.map((r) => r.length)) });
  for (const b of plan.blocks) take({ row: b.row, col: b.col, rows: b.cells.length, cols: Math.max(1, ...b.cells.map((r) => r.length)) });
  for (const ch of plan.charts) take(ch.anchor);
  const now = extentOf(existing);
  rows = Math.max(rows, now.rows, 1);
  cols = Math.max(cols, now.cols, 1);
  const frozen = plan.freeze.rows > 0 ? plan.freeze.rows : spec.table || spec.append ? 1 : 0;
  return {
    orientation: "landscape",
    fitToWidth: true,
    ...(frozen > 0 ? { repeatRows: frozen } : {}),
    area: { row: 0, col: 0, rows, cols },
    ...spec.print,
  };
}

/** An append-only sheet: made with its header row when new; else only where its next rows go. */
function planAppendHead(plan: SheetPlan, spec: SheetSpec, existing: SheetSnapshot | undefined): AppendTarget {
  const a = spec.append!;
  if (!existing) {
    plan.blocks.push({ row: 0, col: 0, cells: [a.header.slice()] });
    plan.styles.push({ range: { row: 0, col: 0, rows: 1, cols: a.header.length }, bold: true, fill: COLOURS.header, fontColor: COLOURS.headerFont, wrap: true });
    (a.widths ?? []).forEach((width, col) => plan.columnWidths.push({ col, width }));
  }
  return { plan, spec, existing, next: existing ? lastRowOf(existing) + 1 : 1 };
}

/** Whether an append-only sheet already holds a row with this id. */
export function appendHolds(t: AppendTarget, id: string): boolean {
  const col = t.spec.append?.idCol;
  if (col === undefined || !id || !t.existing) return false;
  return t.existing.values.some((r) => r?.[col] === id);
}

/** Adds rows below the last row of an append-only sheet: cells, their formats, and where it prints. */
export function addAppendRows(t: AppendTarget, rows: PlanCell[][]): void {
  const { plan, spec } = t;
  if (rows.length) {
    plan.blocks.push({ row: t.next, col: 0, cells: rows });
    (spec.append!.formats ?? []).forEach((format, col) => {
      if (format) plan.formats.push({ range: { row: t.next, col, rows: rows.length, cols: 1 }, format });
    });
    t.next += rows.length;
  }
  plan.print = printFor(plan, spec, t.existing, 0);
}

export function refuseOtherYear(meta: WorkbookMeta, year: string) {
  if (meta.year && meta.year !== year) {
    throw new PcnError(
      `This workbook was built for ${meta.year}. Building ${year} into it would mix two years' rates and records; start a new workbook for ${year} (or rebuild with ${meta.year}).`,
    );
  }
}

