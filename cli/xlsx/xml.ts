/**
 * XML text as SpreadsheetML stores it. Two layers: XML itself (entities; characters XML 1.0 cannot hold at all:
 * C0 controls other than tab/LF/CR, U+FFFE, U+FFFF, lone surrogates) and OOXML's ST_Xstring escape `_xHHHH_`,
 * which is how Excel stores those characters (and a carriage return, which XML parsers turn into a line feed).
 * A literal `_x0041_` typed by a person must not read back as "A", so its underscore is escaped as `_x005F_`,
 * as Excel does.
 */
import { PcnError } from "../../core/errors";

// Characters XML 1.0 cannot carry (even as &#n;), CR (which parsers normalise to LF), lone surrogates, and an
// underscore that would start an escape.
const NEEDS_X_SRC = "[\\u0000-\\u0008\\u000B-\\u001F\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]|_(?=x[0-9A-Fa-f]{4}_)";
const NEEDS_X_ONE = new RegExp(NEEDS_X_SRC);
const NEEDS_X = new RegExp(NEEDS_X_SRC, "g");
const hex4 = (c: string) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}_`;
const xEscape = (s: string) => (NEEDS_X_ONE.test(s) ? s.replace(NEEDS_X, (c) => (c === "_" ? "_x005F_" : hex4(c))) : s);
const ENT: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;" };
const TEXT_ONE = /[&<>]/;
const TEXT = /[&<>]/g;
const ATTR_ONE = /[&<>"\t\n]/;
const ATTR = /[&<>"\t\n]/g;

/** Element text of an ST_Xstring (cell text, shared strings, comments): every JS string round-trips exactly. */
export function xstring(s: string): string {
  const out = xEscape(s);
  return TEXT_ONE.test(out) ? out.replace(TEXT, (c) => ENT[c]) : out;
}

/** Attribute value of an ST_Xstring attribute (a sheet name, a validation message). */
export function xattr(s: string): string {
  const out = xEscape(s);
  return ATTR_ONE.test(out) ? out.replace(ATTR, (c) => ENT[c]) : out;
}

const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Plain XML text with no `_xHHHH_` layer (formulas, chart text): a CR is kept as a character reference; a
 * character XML cannot carry is refused with a sentence naming `what`.
 */
export function xtext(s: string, what: string): string {
  if (ILLEGAL.test(s)) {
    const c = ILLEGAL.exec(s)![0];
    throw new PcnError(`${what} contains the character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}, which an .xlsx file cannot store there; remove it and build again.`);
  }
  return s.replace(/[&<>\r]/g, (c) => (c === "\r" ? "&#13;" : ENT[c]));
}

/** xtext for an attribute value. */
export function xtextAttr(s: string, what: string): string {
  return xtext(s, what).replace(/["\t\n]/g, (c) => ENT[c]);
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes XML entities and character references. */
export function unescapeXml(s: string): string {
  if (s.indexOf("&") < 0) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] !== "#") return NAMED[e];
    return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

/** Decodes an ST_Xstring: XML entities, then `_xHHHH_` (so `_x005F_x0041_` is the literal `_x0041_`). */
export function unescapeXstring(s: string): string {
  const t = unescapeXml(s);
  if (t.indexOf("_x") < 0) return t;
  return t.replace(/_x([0-9A-Fa-f]{4})_/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Attributes of a start tag's attribute text, values decoded (entities only). Names keep their prefixes. */
export function attrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out[m[1]] = unescapeXml(m[2] ?? m[3]);
  return out;
}

const attrRes = new Map<string, RegExp>();

/** One attribute's raw (still escaped) value from a start tag's attribute text, or undefined. Called per cell: kept cheap. */
export function rawAttr(tagAttrs: string, name: string): string | undefined {
  const key = name + "=";
  for (let i = tagAttrs.indexOf(key); i >= 0; i = tagAttrs.indexOf(key, i + 1)) {
    const before = i === 0 ? 32 : tagAttrs.charCodeAt(i - 1);
    const q = tagAttrs[i + key.length];
    if ((before === 32 || before === 9 || before === 10 || before === 13) && (q === '"' || q === "'")) {
      const end = tagAttrs.indexOf(q, i + key.length + 1);
      return tagAttrs.slice(i + key.length + 1, end < 0 ? undefined : end);
    }
  }
  // Spaces around "=" are allowed, if rare.
  if (tagAttrs.indexOf(name) < 0) return undefined;
  let re = attrRes.get(name);
  if (!re) { re = new RegExp(`(?:^|\\s)${name.replace(/[.:]/g, "\\$&")}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`); attrRes.set(name, re); }
  const m = re.exec(tagAttrs);
  return m ? (m[1] ?? m[2]) : undefined;
}

const setRes = new Map<string, RegExp>();

/** Sets (or with `value` undefined removes) one attribute in a start tag's attribute text. `value` is raw (escaped). */
export function setAttr(tagAttrs: string, name: string, value: string | undefined): string {
  let re = setRes.get(name);
  if (!re) { re = new RegExp(`(\\s)${name.replace(/[.:]/g, "\\$&")}\\s*=\\s*(?:"[^"]*"|'[^']*')`); setRes.set(name, re); }
  if (re.test(tagAttrs)) return value === undefined ? tagAttrs.replace(re, "") : tagAttrs.replace(re, `$1${name}="${value}"`);
  return value === undefined ? tagAttrs : `${tagAttrs} ${name}="${value}"`;
}

export interface Child { name: string; start: number; end: number }

/**
 * The direct children of the element whose content spans xml[from, to): local names (prefix dropped) and
 * their extents. Comments and processing instructions are skipped. Used to splice a part's top-level
 * elements without parsing their insides.
 */
export function childrenOf(xml: string, from: number, to: number): Child[] {
  const out: Child[] = [];
  let i = from;
  while (i < to) {
    const lt = xml.indexOf("<", i);
    if (lt < 0 || lt >= to) break;
    if (xml.startsWith("<!--", lt)) { i = xml.indexOf("-->", lt) + 3; continue; }
    if (xml.startsWith("<?", lt)) { i = xml.indexOf("?>", lt) + 2; continue; }
    if (xml[lt + 1] === "/") break; // the parent's end tag
    const m = /^<([\w.-]+:)?([\w.-]+)/.exec(xml.slice(lt, lt + 200));
    if (!m) throw new Error(`malformed XML near ${JSON.stringify(xml.slice(lt, lt + 40))}`);
    const end = elementEnd(xml, lt);
    out.push({ name: m[2], start: lt, end });
    i = end;
  }
  return out;
}

/** Index just after the element starting at `lt` (its end tag, or its self-closing start tag). */
export function elementEnd(xml: string, lt: number): number {
  const tagEnd = startTagEnd(xml, lt);
  if (xml[tagEnd - 2] === "/") return tagEnd;
  const qname = /^<([\w.:-]+)/.exec(xml.slice(lt, lt + 200))![1];
  // Count nested elements of the same name (a cfRule's extLst may hold another extLst).
  let depth = 1;
  const open = `<${qname}`;
  const close = `</${qname}`;
  let i = tagEnd;
  for (;;) {
    const nc = xml.indexOf(close, i);
    if (nc < 0) throw new Error(`unclosed <${qname}>`);
    let no = xml.indexOf(open, i);
    while (no >= 0 && no < nc) {
      const after = xml[no + open.length];
      if (after === " " || after === ">" || after === "/" || after === "\t" || after === "\n" || after === "\r") {
        const e = startTagEnd(xml, no);
        if (xml[e - 2] !== "/") depth++;
        i = e;
      } else i = no + open.length;
      no = xml.indexOf(open, i);
      if (no > nc) break;
    }
    depth--;
    const endGt = xml.indexOf(">", nc);
    if (depth === 0) return endGt + 1;
    i = endGt + 1;
  }
}

/** Index just after the `>` of the start tag at `lt` (quotes respected). */
export function startTagEnd(xml: string, lt: number): number {
  let q: string | null = null;
  for (let i = lt + 1; i < xml.length; i++) {
    const c = xml[i];
    if (q) { if (c === q) q = null; }
    else if (c === '"' || c === "'") q = c;
    else if (c === ">") return i + 1;
  }
  throw new Error("unterminated start tag");
}

/** Index of the first `>` ending the root element's start tag named `local`, and the root's prefix ("" or "x:"). */
export function rootOf(xml: string, local: string): { prefix: string; tagStart: number; tagEnd: number; close: number } {
  const m = new RegExp(`<(\\w+:)?${local}[\\s>/]`).exec(xml);
  if (!m) throw new Error(`no <${local}> root`);
  const prefix = m[1] ?? "";
  const tagEnd = startTagEnd(xml, m.index);
  const close = xml.lastIndexOf(`</${prefix}${local}`);
  return { prefix, tagStart: m.index, tagEnd, close: close < 0 ? tagEnd : close };
}
