/**
 * Reading a workbook package into the snapshot the plan engine works from: the values and formulas of every
 * cell that holds something, and nothing else. The work is bounded by what the file holds, not by what it
 * claims: rows and cells that are not in the XML are never visited (LibreOffice writes an empty row
 * 1,048,576 after a row deletion and a used range to match), cells with only a style count for nothing, and
 * each sheet's rows end at its last cell with a value or formula (rows are ragged: a stray note far to the
 * right costs one row, not a rectangle).
 */
import type { SheetSnapshot, SnapshotValue, WorkbookSnapshot } from "../../core/workbook/plan";
import { listSheets, Package, type SheetEntry } from "./package";
import { Styles } from "./styles";
import { attrs, rawAttr, unescapeXml, unescapeXstring } from "./xml";

/** Days between the 1900 and 1904 date systems' day zero: a 1904 serial plus this is the 1900 serial. Numbers are
 *  read and written as the file holds them (the snapshot's `date1904` tells the core); only the plan's dates
 *  (`{ d }` cells and `t="d"` cells read) are converted. */
export const DAYS_1904 = 1462;

/** An opened workbook: its package and what the writer needs to know about it. */
export interface Book {
  pkg: Package;
  workbookPart: string;
  sheets: SheetEntry[];
  /** True when the workbook counts dates from 1904 (Excel for Mac's old default). */
  date1904: boolean;
  styles: Styles;
  stylesPart: string;
}

/** What reading cost: rows and cells visited (the tests bound these by what the file holds). */
export interface ReadStats { rows: number; cells: number }

export function openBook(pkg: Package): Book {
  const workbookPart = pkg.workbookPart()!;
  const wb = pkg.text(workbookPart);
  const pr = /<(?:\w+:)?workbookPr\b([^>]*)>/.exec(wb);
  const d1904 = pr ? rawAttr(pr[1], "date1904") : undefined;
  const stylesRel = pkg.rels(workbookPart).byType("http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles")[0];
  const stylesPart = stylesRel?.target ?? "xl/styles.xml";
  const styles = new Styles(pkg.has(stylesPart) ? pkg.text(stylesPart) : emptyStyles());
  return { pkg, workbookPart, sheets: listSheets(pkg, workbookPart), date1904: d1904 === "1" || d1904 === "true", styles, stylesPart };
}

function emptyStyles(): string {
  return `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellXfs></styleSheet>`;
}

/** The shared string table (text of each item; phonetic runs left out). */
export function sharedStrings(book: Book): string[] {
  const rel = book.pkg.rels(book.workbookPart).byType("http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings")[0];
  if (!rel || !book.pkg.has(rel.target)) return [];
  const xml = book.pkg.readOnce(rel.target);
  const out: string[] = [];
  for (const m of xml.matchAll(/<(?:\w+:)?si\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:\w+:)?si>)/g)) out.push(m[1] ? richText(m[1]) : "");
  return out;
}

/** The text of a string item or inline string: its <t> runs, without phonetic (<rPh>) runs. */
function richText(inner: string): string {
  const s = inner.indexOf("rPh") >= 0 ? inner.replace(/<(\w+:)?rPh\b[\s\S]*?<\/(\w+:)?rPh>/g, "") : inner;
  let text = "";
  for (const m of s.matchAll(/<(?:\w+:)?t\b[^>]*?(?:\/>|>([\s\S]*?)<\/(?:\w+:)?t>)/g)) text += m[1] ? unescapeXstring(m[1]) : "";
  return text;
}

/** Column index (0-based) of an A1 reference's letters. */
export function colIndex(ref: string): number {
  let n = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 65 && c <= 90) n = n * 26 + (c - 64);
    else if (c >= 97 && c <= 122) n = n * 26 + (c - 96);
    else break;
  }
  return n - 1;
}

/** Row index (0-based) of an A1 reference. */
export function rowIndex(ref: string): number {
  let i = 0;
  while (i < ref.length && ref.charCodeAt(i) > 57) i++;
  return Number(ref.slice(i)) - 1;
}

/** The worksheet's prefix ("" or e.g. "x:") and the extent of its <sheetData> content. */
export function sheetDataOf(xml: string): { prefix: string; start: number; end: number; open: number; close: number } | null {
  const m = /<(\w+:)?sheetData\b[^>]*?(\/?)>/.exec(xml);
  if (!m) return null;
  const prefix = m[1] ?? "";
  if (m[2] === "/") return { prefix, start: m.index + m[0].length, end: m.index + m[0].length, open: m.index, close: m.index + m[0].length };
  const end = xml.indexOf(`</${prefix}sheetData>`, m.index);
  return { prefix, start: m.index + m[0].length, end, open: m.index, close: end + `</${prefix}sheetData>`.length };
}

/** Reads every sheet of the book into a snapshot. */
export function readSnapshot(book: Book, stats: ReadStats = { rows: 0, cells: 0 }): WorkbookSnapshot {
  let sst: string[] | undefined;
  const strings = () => (sst ??= sharedStrings(book));
  const sheets: SheetSnapshot[] = book.sheets.map((s) => (s.part && book.pkg.has(s.part) ? readSheet(book, s, strings, stats) : { name: s.name, values: [], formulas: [] }));
  // Serials stay as the file holds them; a 1904 workbook says so, and the core counts its dates from 1904.
  return book.date1904 ? { sheets, date1904: true } : { sheets };
}

function readSheet(book: Book, sheet: SheetEntry, strings: () => string[], stats: ReadStats): SheetSnapshot {
  const xml = book.pkg.readOnce(sheet.part);
  const values: SnapshotValue[][] = [];
  const formulas: (string | null)[][] = [];
  const sd = sheetDataOf(xml);
  if (!sd) return { name: sheet.name, values, formulas };
  const p = sd.prefix;
  const rowRe = new RegExp(`<${p}row\\b([^>]*?)(?:/>|>([\\s\\S]*?)</${p}row>)`, "g");
  const cellRe = new RegExp(`<${p}c\\b([^>]*?)(?:/>|>([\\s\\S]*?)</${p}c>)`, "g");
  const fRe = new RegExp(`<${p}f\\b([^>]*?)(?:/>|>([\\s\\S]*?)</${p}f>)`);
  const vRe = new RegExp(`<${p}v\\b[^>]*>([\\s\\S]*?)</${p}v>`);
  const isRe = new RegExp(`<${p}is\\b[^>]*>([\\s\\S]*?)</${p}is>`);
  const shared = new Map<string, { f: string; row: number; col: number }>();
  const region = xml.slice(sd.start, sd.end);
  let rowNo = -1;
  for (const rm of region.matchAll(rowRe)) {
    stats.rows++;
    const rAttr = rawAttr(rm[1], "r");
    rowNo = rAttr !== undefined ? Number(rAttr) - 1 : rowNo + 1;
    const inner = rm[2];
    if (!inner || inner.indexOf("<") < 0) continue;
    let col = -1;
    let vr: SnapshotValue[] | undefined;
    let fr: (string | null)[] | undefined;
    cellRe.lastIndex = 0;
    for (const cm of inner.matchAll(cellRe)) {
      stats.cells++;
      const a = cm[1];
      const ref = rawAttr(a, "r");
      col = ref !== undefined ? colIndex(ref) : col + 1;
      const body = cm[2];
      if (!body) continue;
      const t = rawAttr(a, "t") ?? "n";
      let formula: string | null = null;
      const fm = body.indexOf("f") >= 0 ? fRe.exec(body) : null;
      if (fm) {
        const fa = attrs(fm[1]);
        const text = fm[2] !== undefined ? unescapeXml(fm[2]) : "";
        if (fa.t === "shared" && fa.si !== undefined) {
          if (text) { shared.set(fa.si, { f: text, row: rowNo, col }); formula = text; }
          else {
            const m = shared.get(fa.si);
            formula = m ? shiftFormula(m.f, rowNo - m.row, col - m.col) : null;
          }
        } else if (text) formula = text;
      }
      let value: SnapshotValue = null;
      if (t === "inlineStr") {
        const im = isRe.exec(body);
        value = im ? richText(im[1]) : null;
      } else {
        const vm = vRe.exec(body);
        if (vm) {
          const raw = vm[1];
          switch (t) {
            case "s": value = strings()[Number(raw)] ?? null; break;
            case "str": value = unescapeXstring(raw); break;
            case "b": value = raw === "1" || raw === "true"; break;
            case "e": value = unescapeXml(raw); break;
            case "d": { const d = isoDateSerial(raw); value = d === null ? null : d - (book.date1904 ? DAYS_1904 : 0); break; }
            default: {
              const n = Number(raw);
              value = Number.isFinite(n) ? n : null;
            }
          }
        }
      }
      if (value === "") value = null;
      if (value === null && formula === null) continue;
      if (!vr) {
        while (values.length <= rowNo) { values.push([]); formulas.push([]); }
        vr = values[rowNo];
        fr = formulas[rowNo];
      }
      while (vr.length <= col) { vr.push(null); fr!.push(null); }
      vr[col] = value;
      fr![col] = formula === null ? null : "=" + formula;
    }
  }
  return { name: sheet.name, values, formulas };
}

/** Serial (1900 system) of an ISO 8601 date-time, as `t="d"` cells hold. */
function isoDateSerial(iso: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?)?/.exec(iso);
  if (!m) return null;
  const day = (Date.UTC(+m[1], +m[2] - 1, +m[3]) - Date.UTC(1899, 11, 30)) / 86400000;
  const time = m[4] ? (+m[4] * 3600 + +m[5] * 60 + Number(m[6] ?? 0)) / 86400 : 0;
  return day + time;
}

/**
 * A shared formula as it reads in a cell `dr` rows and `dc` columns from its master: relative references
 * move, absolute ones ($) stay; text in quotes, quoted sheet names and structured references are left alone.
 */
export function shiftFormula(f: string, dr: number, dc: number): string {
  if (dr === 0 && dc === 0) return f;
  let out = "";
  let i = 0;
  const n = f.length;
  while (i < n) {
    const ch = f[i];
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      while (j < n) { if (f[j] === ch) { if (f[j + 1] === ch) { j += 2; continue; } break; } j++; }
      out += f.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === "[") { const j = f.indexOf("]", i); out += f.slice(i, j < 0 ? n : j + 1); i = j < 0 ? n : j + 1; continue; }
    const prev = i > 0 ? f[i - 1] : "";
    if (!/[A-Za-z0-9_.\\]/.test(prev)) {
      const m = /^(\$?)([A-Za-z]{1,3})(\$?)([0-9]+)(?![A-Za-z0-9_(.!])/.exec(f.slice(i, i + 16));
      if (m) {
        const c = m[1] ? colIndex(m[2]) : colIndex(m[2]) + dc;
        const r = m[3] ? Number(m[4]) - 1 : Number(m[4]) - 1 + dr;
        out += c < 0 || r < 0 ? "#REF!" : `${m[1]}${colName(c)}${m[3]}${r + 1}`;
        i += m[0].length;
        continue;
      }
      const word = /^[A-Za-z_\\][A-Za-z0-9_.\\]*/.exec(f.slice(i));
      if (word) { out += word[0]; i += word[0].length; continue; }
    }
    out += ch;
    i++;
  }
  return out;
}

function colName(c: number): string {
  let s = "";
  let k = c + 1;
  while (k > 0) { const m = (k - 1) % 26; s = String.fromCharCode(65 + m) + s; k = Math.floor((k - 1) / 26); }
  return s;
}
