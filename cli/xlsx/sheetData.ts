/**
 * A sheet's cells: the plan's blocks, clears and looks merged into the rows the sheet already has, produced as
 * XML chunks row by row. Rows the plan does not touch are copied as they are (a person's stray note, a
 * hidden row, LibreOffice's empty row 1,048,576); in rows it touches, cells it does not write keep their XML,
 * and cells it writes keep their style under the plan's look (see styles.ts).
 */
import { isoToSerial, rectangles, type PlanCell, type RangeRef, type SheetPlan } from "../../core/workbook/plan";
import { colIndex, DAYS_1904 } from "./read";
import type { Look, Styles } from "./styles";
import { rawAttr, setAttr, xstring, xtext } from "./xml";

const LOOK_PROPS: (keyof Look)[] = ["numFmt", "bold", "italic", "fontColor", "fill", "wrap"];

interface Rect { row: number; col: number; rows: number; cols: number; cells: PlanCell[][] }
interface LookRule { range: RangeRef; look: Look }

/** Everything that writes into cells, with the rows it spans. */
interface Item { kind: "rect" | "look" | "clear"; row: number; end: number; index: number }

/** A run of rows with the same writes: per column, the rect, the look and whether it is cleared. */
interface Band {
  from: number;
  to: number;
  cols: number[];
  rectAt: Int32Array;
  lookAt: Int32Array;
  clearAt: Uint8Array;
}

const COLS: string[] = [];
export function colName(c: number): string {
  let s = COLS[c];
  if (s === undefined) {
    s = "";
    let n = c + 1;
    while (n > 0) { const m = (n - 1) % 26; s = String.fromCharCode(65 + m) + s; n = Math.floor((n - 1) / 26); }
    COLS[c] = s;
  }
  return s;
}

/** Lookups of a sheet's default styles for cells we create (a row's or a column's own style). */
export interface Defaults { rowStyle(attrs: string): number | undefined; colStyle(col: number): number | undefined }

export class CellWriter {
  private rects: Rect[];
  private looks: LookRule[];
  private lookKeys: string[] = [];
  private lookIds = new Map<string, number>();
  private lookList: Look[] = [];
  private clears: RangeRef[];
  private bands: Band[] = [];
  /** Extent of what the plan writes (for the dimension). */
  maxRow = -1;
  maxCol = -1;

  /** `p`: the worksheet's namespace prefix ("" or e.g. "x:"), used for every element we write. */
  constructor(plan: SheetPlan, private styles: Styles, private date1904: boolean, private sheetName: string, private p = "") {
    this.rects = plan.blocks.flatMap(rectangles).map((b) => ({ row: b.row, col: b.col, rows: b.cells.length, cols: b.cells[0].length, cells: b.cells }));
    this.looks = [
      ...plan.formats.map((f) => ({ range: f.range, look: { numFmt: f.format } as Look })),
      ...plan.styles.map((s) => ({ range: s.range, look: { bold: s.bold, italic: s.italic, fontColor: s.fontColor, fill: s.fill, wrap: s.wrap } as Look })),
    ];
    this.clears = plan.clears;
    this.makeBands();
  }

  private makeBands() {
    const items: Item[] = [];
    this.rects.forEach((r, i) => items.push({ kind: "rect", row: r.row, end: r.row + r.rows, index: i }));
    this.looks.forEach((l, i) => l.range.rows > 0 && l.range.cols > 0 && items.push({ kind: "look", row: l.range.row, end: l.range.row + l.range.rows, index: i }));
    this.clears.forEach((c, i) => c.rows > 0 && c.cols > 0 && items.push({ kind: "clear", row: c.row, end: c.row + c.rows, index: i }));
    if (!items.length) return;
    const bounds = [...new Set(items.flatMap((it) => [it.row, it.end]))].sort((a, b) => a - b);
    // Items in plan order within each kind (later ones win), sorted by start for the sweep.
    const byStart = [...items].sort((a, b) => a.row - b.row);
    let next = 0;
    let active: Item[] = [];
    for (let bi = 0; bi + 1 < bounds.length; bi++) {
      const from = bounds[bi], to = bounds[bi + 1];
      active = active.filter((it) => it.end > from);
      while (next < byStart.length && byStart[next].row <= from) { if (byStart[next].end > from) active.push(byStart[next]); next++; }
      if (!active.length) continue;
      this.bands.push(this.band(from, to, active));
    }
  }

  private band(from: number, to: number, active: Item[]): Band {
    let width = 0;
    const span = (it: Item): RangeRef => (it.kind === "rect" ? this.rects[it.index] : it.kind === "look" ? this.looks[it.index].range : this.clears[it.index]);
    for (const it of active) { const s = span(it); width = Math.max(width, s.col + s.cols); }
    const rectAt = new Int32Array(width).fill(-1);
    const lookAt = new Int32Array(width).fill(-1);
    const clearAt = new Uint8Array(width);
    const lookIdx: number[][] = Array.from({ length: width }, () => []);
    const ordered = [...active].sort((a, b) => a.index - b.index);
    for (const it of ordered) {
      const s = span(it);
      for (let c = s.col; c < s.col + s.cols; c++) {
        if (it.kind === "rect") rectAt[c] = it.index;
        else if (it.kind === "clear") clearAt[c] = 1;
        else lookIdx[c].push(it.index);
      }
    }
    const cols: number[] = [];
    for (let c = 0; c < width; c++) {
      if (lookIdx[c].length) lookAt[c] = this.internLook(lookIdx[c]);
      if (rectAt[c] >= 0 || lookAt[c] >= 0 || clearAt[c]) cols.push(c);
    }
    if (cols.length) {
      this.maxRow = Math.max(this.maxRow, to - 1);
      this.maxCol = Math.max(this.maxCol, cols[cols.length - 1]);
    }
    return { from, to, cols, rectAt, lookAt, clearAt };
  }

  private internLook(indices: number[]): number {
    const key = indices.join(",");
    let id = this.lookIds.get(key);
    if (id === undefined) {
      const look: Look = {};
      for (const i of indices) for (const [k, v] of Object.entries(this.looks[i].look)) if (v !== undefined) (look as Record<string, unknown>)[k] = v;
      id = this.lookList.push(look) - 1;
      // The stylesheet memoises by what the look is, across sheets.
      this.lookKeys.push(LOOK_PROPS.map((k) => String(look[k] ?? "")).join("|"));
      this.lookIds.set(key, id);
    }
    return id;
  }

  /** Rows the plan touches, in order, band by band. */
  get bandList(): readonly Band[] {
    return this.bands;
  }

  /** The XML of row `r` (0-based): the plan's cells merged into the existing row (attrs and inner XML), or "" when empty. */
  row(r: number, band: Band, existing: { attrs: string; inner: string } | null, defaults: Defaults | null): string {
    const ref = String(r + 1);
    const out: string[] = [];
    const ecells = existing ? parseCells(existing.inner) : [];
    const rowStyle = existing && defaults ? defaults.rowStyle(existing.attrs) : undefined;
    let ei = 0;
    for (const c of band.cols) {
      while (ei < ecells.length && ecells[ei].col < c) out.push(withRef(ecells[ei++], ref));
      const e = ei < ecells.length && ecells[ei].col === c ? ecells[ei++] : undefined;
      const cell = this.cell(r, c, ref, band, e, rowStyle, defaults);
      if (cell) out.push(cell);
    }
    while (ei < ecells.length) out.push(withRef(ecells[ei++], ref));
    const p = this.p;
    if (!existing) return out.length ? `<${p}row r="${ref}">${out.join("")}</${p}row>` : "";
    // spans is a hint that must cover the row's cells: drop it rather than keep a wrong one.
    const attrs = setAttr(setAttr(existing.attrs, "spans", undefined), "r", ref);
    return `<${p}row${attrs}>${out.join("")}</${p}row>`;
  }

  private cell(r: number, c: number, rowRef: string, band: Band, e: ExistingCell | undefined, rowStyle: number | undefined, d: Defaults | null): string {
    const ref = colName(c) + rowRef;
    const base = e ? e.s : rowStyle ?? d?.colStyle(c) ?? 0;
    const lk = band.lookAt[c];
    const s = lk >= 0 ? this.styles.resolve(base, this.lookList[lk], this.lookKeys[lk]) : base;
    const ri = band.rectAt[c];
    if (ri < 0 && !band.clearAt[c]) {
      // Not written: the existing cell as it was, with the look layered in.
      if (!e) return s ? `<${this.p}c r="${ref}" s="${s}"/>` : "";
      return s === e.s ? withRef(e, rowRef) : withRef({ ...e, attrs: setAttr(e.attrs, "s", String(s)) }, rowRef);
    }
    const rect = ri >= 0 ? this.rects[ri] : undefined;
    const pc = rect ? rect.cells[r - rect.row][c - rect.col] : null;
    return this.valueCell(ref, s, pc);
  }

  private valueCell(ref: string, s: number, pc: PlanCell | undefined): string {
    const p = this.p;
    const open = `<${p}c r="${ref}"${s ? ` s="${s}"` : ""}`;
    if (pc === null || pc === undefined || pc === "") return s ? `${open}/>` : "";
    switch (typeof pc) {
      case "number": {
        if (!Number.isFinite(pc)) return `${open} t="e"><${p}v>#NUM!</${p}v></${p}c>`;
        // Numbers are in the workbook's own date system already (the plan's dates are `{ d }` cells, below).
        return `${open}><${p}v>${Object.is(pc, -0) ? 0 : pc}</${p}v></${p}c>`;
      }
      case "boolean":
        return `${open} t="b"><${p}v>${pc ? 1 : 0}</${p}v></${p}c>`;
      case "string": {
        const sp = /^\s|\s$|\n/.test(pc) ? ' xml:space="preserve"' : "";
        return `${open} t="inlineStr"><${p}is><${p}t${sp}>${xstring(pc)}</${p}t></${p}is></${p}c>`;
      }
      default:
        if ("f" in pc) return `${open}><${p}f>${xtext(pc.f.replace(/^=/, ""), `A formula for ${this.sheetName}!${ref}`)}</${p}f></${p}c>`;
        return `${open}><${p}v>${isoToSerial(pc.d) - (this.date1904 ? DAYS_1904 : 0)}</${p}v></${p}c>`;
    }
  }
}

interface ExistingCell { col: number; name: string; attrs: string; body: string | undefined; s: number; hasRef: boolean }

const CELL_RE = /<((?:\w+:)?c)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g;

function parseCells(inner: string): ExistingCell[] {
  const out: ExistingCell[] = [];
  let col = -1;
  for (const m of inner.matchAll(CELL_RE)) {
    const attrs = m[2];
    const r = rawAttr(attrs, "r");
    col = r !== undefined ? colIndex(r) : col + 1;
    const s = rawAttr(attrs, "s");
    out.push({ col, name: m[1], attrs, body: m[3], s: s ? Number(s) : 0, hasRef: r !== undefined });
  }
  return out;
}

/** An existing cell's XML, with its reference made explicit (cells around it may have been added). */
function withRef(e: ExistingCell, rowRef: string): string {
  const attrs = e.hasRef ? e.attrs : ` r="${colName(e.col)}${rowRef}"${e.attrs}`;
  return e.body === undefined ? `<${e.name}${attrs}/>` : `<${e.name}${attrs}>${e.body}</${e.name}>`;
}
