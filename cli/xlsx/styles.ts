/**
 * The workbook's stylesheet (xl/styles.xml): read to tell dates from numbers, and extended with the formats
 * and styles a plan asks for. Existing entries are never changed or renumbered, so every cell a person styled
 * keeps its look; new fonts, fills, number formats, cell formats and differential formats are appended, and
 * an identical entry is reused, so rebuilding again adds nothing.
 *
 * A plan's look is layered under the person's: on each cell, a property (number format, font, fill,
 * wrapping) is ours only where the cell still has the default, so a format, font or fill a person set wins.
 */
import { attrs, childrenOf, rootOf, setAttr, rawAttr, xtextAttr } from "./xml";

/** What a plan asks of a cell's look; undefined means "no opinion". */
export interface Look { numFmt?: string; bold?: boolean; italic?: boolean; fontColor?: string; fill?: string; wrap?: boolean }

const SECTIONS = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles", "colors", "extLst"];

const BUILTIN_FORMATS: Record<string, number> = { General: 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "0.00E+00": 11, "# ?/?": 12, "# ??/??": 13, "@": 49 };

interface Xf { numFmtId: number; fontId: number; fillId: number; raw: string }

const argb = (hex: string) => "FF" + hex.replace("#", "").toUpperCase();

export class Styles {
  private prefix: string;
  /** Items per section (raw XML of each child), only for sections we may extend. */
  private items = new Map<string, string[]>();
  private sectionAttrs = new Map<string, string>();
  private changed = new Set<string>();
  private numFmts = new Map<number, string>();
  private xfs: Xf[] = [];
  private xfIndex = new Map<string, number>();
  private fontIndex = new Map<string, number>();
  private fillIndex = new Map<string, number>();
  private dxfIndex = new Map<string, number>();
  private memo = new Map<string, number>();
  /** Format ids of the codes the plan writes (see ourFormats). */
  private ours = new Set<number>();

  constructor(private xml: string) {
    const root = rootOf(xml, "styleSheet");
    this.prefix = root.prefix;
    for (const ch of childrenOf(xml, root.tagEnd, root.close)) {
      if (!["numFmts", "fonts", "fills", "cellXfs", "dxfs"].includes(ch.name)) continue;
      const el = xml.slice(ch.start, ch.end);
      const tagEnd = el.indexOf(">") + 1;
      const selfClosing = el[tagEnd - 2] === "/";
      this.sectionAttrs.set(ch.name, el.slice(el.indexOf(ch.name) + ch.name.length, selfClosing ? tagEnd - 2 : tagEnd - 1));
      const kids = selfClosing ? [] : childrenOf(el, tagEnd, el.length).map((k) => el.slice(k.start, k.end));
      this.items.set(ch.name, kids);
    }
    for (const s of ["numFmts", "fonts", "fills", "cellXfs", "dxfs"]) if (!this.items.has(s)) this.items.set(s, []);
    for (const nf of this.items.get("numFmts")!) {
      const a = attrs(nf.slice(0, nf.indexOf(">")));
      this.numFmts.set(Number(a.numFmtId), a.formatCode ?? "");
    }
    this.items.get("fonts")!.forEach((f, i) => { const k = canon(f); if (!this.fontIndex.has(k)) this.fontIndex.set(k, i); });
    this.items.get("fills")!.forEach((f, i) => { const k = canon(f); if (!this.fillIndex.has(k)) this.fillIndex.set(k, i); });
    this.items.get("dxfs")!.forEach((f, i) => { const k = canon(f); if (!this.dxfIndex.has(k)) this.dxfIndex.set(k, i); });
    this.items.get("cellXfs")!.forEach((raw, i) => this.indexXf(raw, i));
    if (this.xfs.length === 0) {
      // A stylesheet with no cell formats: every cell needs xf 0, so make the default one.
      this.appendXf(`<${this.prefix}xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`);
    }
  }

  private indexXf(raw: string, i: number) {
    const a = attrs(raw.slice(0, raw.indexOf(">")));
    const xf: Xf = { numFmtId: Number(a.numFmtId ?? 0), fontId: Number(a.fontId ?? 0), fillId: Number(a.fillId ?? 0), raw };
    this.xfs[i] = xf;
    const k = canon(raw);
    if (!this.xfIndex.has(k)) this.xfIndex.set(k, i);
  }

  /**
   * The number formats a plan writes. A cell we write or style whose format is one of these takes the plan's
   * (the format was ours, e.g. a date format left where a column moved); any other format a cell has is a
   * person's, and stays.
   */
  ourFormats(codes: Iterable<string>): void {
    const wanted = new Set(codes);
    this.ours.clear();
    for (const [code, id] of Object.entries(BUILTIN_FORMATS)) if (wanted.has(code) && id !== 0) this.ours.add(id);
    for (const [id, code] of this.numFmts) if (wanted.has(code)) this.ours.add(id);
    this.memo.clear();
  }

  get count(): number {
    return this.xfs.length;
  }

  private appendXf(raw: string): number {
    const list = this.items.get("cellXfs")!;
    const i = list.push(raw) - 1;
    this.indexXf(raw, i);
    this.changed.add("cellXfs");
    return i;
  }

  private numFmtId(code: string): number {
    if (code in BUILTIN_FORMATS) return BUILTIN_FORMATS[code];
    for (const [id, c] of this.numFmts) if (c === code) return id;
    const id = Math.max(163, ...this.numFmts.keys()) + 1;
    this.numFmts.set(id, code);
    this.items.get("numFmts")!.push(`<${this.prefix}numFmt numFmtId="${id}" formatCode="${xtextAttr(code, "A number format")}"/>`);
    this.changed.add("numFmts");
    return id;
  }

  private add(section: "fonts" | "fills" | "dxfs", index: Map<string, number>, raw: string): number {
    const k = canon(raw);
    const have = index.get(k);
    if (have !== undefined) return have;
    const list = this.items.get(section)!;
    const i = list.push(raw) - 1;
    index.set(k, i);
    this.changed.add(section);
    return i;
  }

  private isDefaultFill(id: number): boolean {
    const f = this.items.get("fills")![id];
    // No fill, or the two reserved ones; a pattern or gradient a person chose is theirs.
    return f === undefined || (!/gradientFill/.test(f) && !/patternType="(?!none"|gray125")/.test(f));
  }

  /** The cell format for a cell whose style is `base`, with a plan's look layered under what is there. */
  resolve(base: number, look: Look, lookKey: string): number {
    const key = `${base}|${lookKey}`;
    let out = this.memo.get(key);
    if (out === undefined) {
      out = this.compute(base < this.xfs.length ? base : 0, look);
      this.memo.set(key, out);
    }
    return out;
  }

  private compute(base: number, look: Look): number {
    const xf = this.xfs[base];
    const p = this.prefix;
    const startEnd = xf.raw.indexOf(">");
    const selfClosing = xf.raw[startEnd - 1] === "/";
    let tag = xf.raw.slice(xf.raw.indexOf("xf") + 2, selfClosing ? startEnd - 1 : startEnd);
    let inner = selfClosing ? "" : xf.raw.slice(startEnd + 1, xf.raw.lastIndexOf("</"));
    let changed = false;
    if (look.numFmt !== undefined && (xf.numFmtId === 0 || this.ours.has(xf.numFmtId))) {
      const id = this.numFmtId(look.numFmt);
      if (id !== xf.numFmtId) { tag = setAttr(setAttr(tag, "numFmtId", String(id)), "applyNumberFormat", "1"); changed = true; }
    }
    if ((look.bold || look.italic || look.fontColor) && xf.fontId === 0) {
      const font0 = this.items.get("fonts")![0] ?? `<${p}font><${p}sz val="11"/><${p}name val="Calibri"/></${p}font>`;
      let body = font0.endsWith("/>") ? "" : font0.slice(font0.indexOf(">") + 1, font0.lastIndexOf("</"));
      if (look.fontColor) body = body.replace(/<(\w+:)?color\b[^>]*?(\/>|>[\s\S]*?<\/(\w+:)?color>)/, "") + `<${p}color rgb="${argb(look.fontColor)}"/>`;
      if (look.italic && !/<(\w+:)?i\b/.test(body)) body = `<${p}i/>` + body;
      if (look.bold && !/<(\w+:)?b\b/.test(body)) body = `<${p}b/>` + body;
      const id = this.add("fonts", this.fontIndex, `<${p}font>${body}</${p}font>`);
      if (id !== 0) { tag = setAttr(setAttr(tag, "fontId", String(id)), "applyFont", "1"); changed = true; }
    }
    if (look.fill && this.isDefaultFill(xf.fillId)) {
      const id = this.add("fills", this.fillIndex, `<${p}fill><${p}patternFill patternType="solid"><${p}fgColor rgb="${argb(look.fill)}"/><${p}bgColor indexed="64"/></${p}patternFill></${p}fill>`);
      tag = setAttr(setAttr(tag, "fillId", String(id)), "applyFill", "1");
      changed = true;
    }
    if (look.wrap && !/wrapText=/.test(inner)) {
      const al = /<(\w+:)?alignment\b([^>]*?)(\/>|>)/.exec(inner);
      if (al) {
        let a = setAttr(al[2], "wrapText", "1");
        if (rawAttr(a, "vertical") === undefined) a = setAttr(a, "vertical", "top");
        inner = inner.slice(0, al.index) + `<${al[1] ?? ""}alignment${a}${al[3]}` + inner.slice(al.index + al[0].length);
      } else inner = `<${p}alignment vertical="top" wrapText="1"/>` + inner;
      tag = setAttr(tag, "applyAlignment", "1");
      changed = true;
    }
    if (!changed) return base;
    const raw = inner ? `<${p}xf${tag}>${inner}</${p}xf>` : `<${p}xf${tag}/>`;
    const have = this.xfIndex.get(canon(raw));
    return have ?? this.appendXf(raw);
  }

  /** A differential format (for a conditional format): a fill and optionally a font colour. */
  dxf(fill: string, font?: string): number {
    const p = this.prefix;
    const f = font ? `<${p}font><${p}color rgb="${argb(font)}"/></${p}font>` : "";
    return this.add("dxfs", this.dxfIndex, `<${p}dxf>${f}<${p}fill><${p}patternFill patternType="solid"><${p}bgColor rgb="${argb(fill)}"/></${p}patternFill></${p}fill></${p}dxf>`);
  }

  get modified(): boolean {
    return this.changed.size > 0;
  }

  /** The stylesheet with our additions, every other byte as it was. */
  toXml(): string {
    if (!this.modified) return this.xml;
    const xml = this.xml;
    const root = rootOf(xml, "styleSheet");
    const kids = childrenOf(xml, root.tagEnd, root.close);
    const render = (name: string) => {
      const list = this.items.get(name)!;
      const a = setAttr(this.sectionAttrs.get(name) ?? "", "count", String(list.length));
      return `<${this.prefix}${name}${a}>${list.join("")}</${this.prefix}${name}>`;
    };
    // Sections we add go before the first existing one that follows them in the schema's order.
    const missing = [...this.changed].filter((n) => !kids.some((k) => k.name === n)).sort((x, y) => SECTIONS.indexOf(x) - SECTIONS.indexOf(y));
    let out = xml.slice(0, root.tagEnd);
    let at = root.tagEnd;
    for (const k of kids) {
      const order = SECTIONS.indexOf(k.name);
      while (missing.length && order >= 0 && SECTIONS.indexOf(missing[0]) < order) out += render(missing.shift()!);
      out += xml.slice(at, k.start);
      out += this.changed.has(k.name) ? render(k.name) : xml.slice(k.start, k.end);
      at = k.end;
    }
    out += xml.slice(at, root.close);
    while (missing.length) out += render(missing.shift()!);
    return out + xml.slice(root.close);
  }
}

/** A comparable form of an element: whitespace between tags and attribute order do not matter. */
function canon(raw: string): string {
  return raw.replace(/>\s+</g, "><").replace(/<([\w:]+)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>/g, (_, n: string, a: string, sc: string) => {
    const list = [...a.matchAll(/([\w:.-]+)="([^"]*)"/g)].map((m) => `${m[1]}="${m[2]}"`).sort();
    return `<${n}${list.length ? " " + list.join(" ") : ""}${sc}>`;
  });
}

/** The stylesheet of a new workbook: one font, the two reserved fills, one border, the Normal style. */
export const BASE_STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" defaultPivotStyle="PivotStyleLight16"/></styleSheet>`;
