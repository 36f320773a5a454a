/**
 * A1 formulas as relative R1C1 text, so that a column of formulas that differ only by their row ("=D2*2",
 * "=D3*2", ...) is one formula ("=RC[-1]*2") written once over the whole run (Range.formulasR1C1 set to a single
 * value applies it to every cell of the range: Microsoft's "update all cells in a range", see
 * https://learn.microsoft.com/office/dev/add-ins/excel/performance and office-js-docs-pr#2013).
 *
 * Only formulas this converter fully understands are converted: cell and column references (relative, absolute,
 * mixed, sheet-qualified), names, functions, strings, numbers, array constants and error literals. Anything else
 * (row ranges "2:3", structured references "T[Col]", R1C1-looking names) returns null and the formula is written as
 * it is, cell by cell. Each conversion is checked by converting back.
 */
import { colLetter } from "../core/workbook/plan";

const MAX_ROWS = 1048576;
const MAX_COLS = 16384;

function colNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

/** "A2", "$A2", "A$2", "$A$2" (no sheet) as its parts; null if it is not a cell reference. */
function cellParts(t: string): { colAbs: boolean; col: number; rowAbs: boolean; row: number } | null {
  const m = /^(\$?)([A-Za-z]{1,3})(\$?)(\d{1,7})$/.exec(t);
  if (!m) return null;
  const col = colNumber(m[2]);
  const row = Number(m[4]);
  if (col < 1 || col > MAX_COLS || row < 1 || row > MAX_ROWS) return null;
  return { colAbs: m[1] === "$", col, rowAbs: m[3] === "$", row };
}

const rel = (axis: "R" | "C", abs: boolean, n: number, at: number) => (abs ? `${axis}${n}` : n === at ? axis : `${axis}[${n - at}]`);

/** A character that may continue a name (letters, digits, _ . \\); with "$", a reference token. By code, not by regex: they are tested once a character. */
function isNameChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 92;
}
const isWordChar = (ch: string) => ch === "$" || isNameChar(ch);

// Sticky (matched at lastIndex, set before each use): a formula is never copied from a position on, which made
// long formulas (an SPC column's 4 KB) quadratic.
const ERROR_LITERAL = /#(NULL!|DIV\/0!|VALUE!|REF!|NAME\?|NUM!|N\/A|GETTING_DATA|SPILL!|CALC!)/iy;
const NUMBER = /(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/y;
const R1C1_REF = /R(\[-?\d+\]|\d+)?C(\[-?\d+\]|\d+)?/y;
const R1C1_COL = /C(\[-?\d+\]|\d+)?/y;
const at = (re: RegExp, s: string, i: number) => ((re.lastIndex = i), re.exec(s));

/**
 * The formula `f` (A1 style, with or without "=") as R1C1 relative to the cell at 0-based (row, col); null when it
 * holds something this converter does not handle.
 */
export function a1ToR1C1(f: string, row: number, col: number): string | null {
  const src = f.startsWith("=") ? f : `=${f}`;
  const out = toR1C1(src, row + 1, col + 1);
  if (out === null) return null;
  // Converting back must give the formula again, or it is not used.
  return r1c1ToA1(out, row, col) === src ? out : null;
}

function toR1C1(src: string, r: number, c: number): string | null {
  let out = "";
  let i = 0;
  const n = src.length;
  while (i < n) {
    const ch = src[i];
    if (ch === '"') {
      let j = i + 1;
      for (; j < n; j++) if (src[j] === '"') { if (src[j + 1] === '"') j++; else break; }
      if (j >= n) return null;
      out += src.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === "'") {
      // A quoted sheet name, then "!".
      let j = i + 1;
      for (; j < n; j++) if (src[j] === "'") { if (src[j + 1] === "'") j++; else break; }
      if (j >= n || src[j + 1] !== "!") return null;
      out += src.slice(i, j + 2);
      i = j + 2;
      continue;
    }
    if (ch === "[" || ch === "]") return null; // structured references
    if (ch === "{") {
      const j = src.indexOf("}", i);
      if (j < 0) return null;
      out += src.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === "#") {
      ERROR_LITERAL.lastIndex = i;
      const m = ERROR_LITERAL.exec(src);
      if (!m) return null;
      out += m[0];
      i += m[0].length;
      continue;
    }
    if (((ch >= "0" && ch <= "9") || ch === ".") && !(i > 0 && isWordChar(src[i - 1]))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src);
      if (!m) return null;
      // "2:3" is a row range: not handled.
      const after = src[i + m[0].length];
      if (after === ":" || (after !== undefined && isWordChar(after))) return null;
      out += m[0];
      i += m[0].length;
      continue;
    }
    if (isWordChar(ch)) {
      let j = i;
      while (j < n && isWordChar(src[j])) j++;
      const tok = src.slice(i, j);
      const next = src[j];
      if (next === "(" || next === "!") {
        // A function, or an unquoted sheet name.
        out += tok + next;
        i = j + 1;
        continue;
      }
      // A range "A2:B3", "A:B" or "$A:$A".
      if (next === ":") {
        let k = j + 1;
        while (k < n && isWordChar(src[k])) k++;
        const tok2 = src.slice(j + 1, k);
        const a = cellParts(tok), b = cellParts(tok2);
        if (a && b) {
          out += `${rel("R", a.rowAbs, a.row, r)}${rel("C", a.colAbs, a.col, c)}:${rel("R", b.rowAbs, b.row, r)}${rel("C", b.colAbs, b.col, c)}`;
          i = k;
          continue;
        }
        const ca = /^(\$?)([A-Za-z]{1,3})$/.exec(tok), cb = /^(\$?)([A-Za-z]{1,3})$/.exec(tok2);
        if (ca && cb && colNumber(ca[2]) <= MAX_COLS && colNumber(cb[2]) <= MAX_COLS) {
          out += `${rel("C", ca[1] === "$", colNumber(ca[2]), c)}:${rel("C", cb[1] === "$", colNumber(cb[2]), c)}`;
          i = k;
          continue;
        }
        return null;
      }
      const p = cellParts(tok);
      if (p) {
        out += `${rel("R", p.rowAbs, p.row, r)}${rel("C", p.colAbs, p.col, c)}`;
        i = j;
        continue;
      }
      if (tok.includes("$")) return null;
      // A name (or TRUE/FALSE). One that R1C1 could read as a reference is not handled.
      if (/^(R|C|R\d*C\d*|R\d+|C\d+|R\[.*|C\[.*)$/i.test(tok) || /^[RC]\d/i.test(tok)) return null;
      out += tok;
      i = j;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** R1C1 text back to A1 for the cell at 0-based (row, col) (the inverse of a1ToR1C1 on what it makes). */
export function r1c1ToA1(f: string, row: number, col: number): string | null {
  const r = row + 1, c = col + 1;
  let out = "";
  let i = 0;
  const n = f.length;
  const axis = (s: string, at: number): { abs: boolean; n: number } | null => {
    if (s === "") return { abs: false, n: at };
    const m = /^\[(-?\d+)\]$/.exec(s);
    if (m) return { abs: false, n: at + Number(m[1]) };
    if (/^\d+$/.test(s)) return { abs: true, n: Number(s) };
    return null;
  };
  while (i < n) {
    const ch = f[i];
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      for (; j < n; j++) if (f[j] === ch) { if (f[j + 1] === ch) j++; else break; }
      out += f.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === "{") {
      const j = f.indexOf("}", i);
      out += f.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const prevWord = i > 0 && isNameChar(f[i - 1]);
    if (!prevWord && (ch === "R" || ch === "C")) {
      const m = at(R1C1_REF, f, i);
      if (m && !/[A-Za-z0-9_.(!]/.test(f[i + m[0].length] ?? "")) {
        const a = axis(m[1] ?? "", r), b = axis(m[2] ?? "", c);
        if (!a || !b || a.n < 1 || b.n < 1) return null;
        out += `${b.abs ? "$" : ""}${colLetter(b.n - 1)}${a.abs ? "$" : ""}${a.n}`;
        i += m[0].length;
        continue;
      }
      const mc = at(R1C1_COL, f, i);
      if (mc && f[i + mc[0].length] === ":") {
        const from2 = i + mc[0].length + 1;
        const mc2 = at(R1C1_COL, f, from2);
        if (mc2 && !/[A-Za-z0-9_.(!R]/.test(f[from2 + mc2[0].length] ?? "")) {
          const a = axis(mc[1] ?? "", c), b = axis(mc2[1] ?? "", c);
          if (!a || !b || a.n < 1 || b.n < 1) return null;
          out += `${a.abs ? "$" : ""}${colLetter(a.n - 1)}:${b.abs ? "$" : ""}${colLetter(b.n - 1)}`;
          i += mc[0].length + 1 + mc2[0].length;
          continue;
        }
      }
    }
    if (isNameChar(ch)) {
      let j = i;
      while (j < n && isNameChar(f[j])) j++;
      out += f.slice(i, j);
      i = j;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}
