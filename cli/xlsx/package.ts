/**
 * An .xlsx package as a set of parts: the ones we change are replaced, everything else is copied from the
 * original file as its stored bytes. Relationships and content types are edited by splicing, so what other
 * programs wrote there (their own parts, extensions, ordering) stays as it was.
 */
import { PcnError } from "../../core/errors";
import { attrs, rootOf, unescapeXstring, xattr } from "./xml";
import { ZipReader, ZipWriter, type ZipSink } from "./zip";

export const NS = {
  main: "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
  rel: "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
  pkgRel: "http://schemas.openxmlformats.org/package/2006/relationships",
  xdr: "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
  a: "http://schemas.openxmlformats.org/drawingml/2006/main",
  c: "http://schemas.openxmlformats.org/drawingml/2006/chart",
  ct: "http://schemas.openxmlformats.org/package/2006/content-types",
};
export const REL = {
  officeDocument: `${NS.rel}/officeDocument`,
  worksheet: `${NS.rel}/worksheet`,
  styles: `${NS.rel}/styles`,
  sharedStrings: `${NS.rel}/sharedStrings`,
  drawing: `${NS.rel}/drawing`,
  chart: `${NS.rel}/chart`,
  theme: `${NS.rel}/theme`,
  coreProps: "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
  extendedProps: `${NS.rel}/extended-properties`,
};
export const CT = {
  workbook: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
  worksheet: "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
  styles: "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
  drawing: "application/vnd.openxmlformats-officedocument.drawing+xml",
  chart: "application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
  coreProps: "application/vnd.openxmlformats-package.core-properties+xml",
  extendedProps: "application/vnd.openxmlformats-officedocument.extended-properties+xml",
  rels: "application/vnd.openxmlformats-package.relationships+xml",
  xml: "application/xml",
};
export const XML_DECL = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n`;

/** A part's content: text, bytes, or chunks produced when the package is written (a large sheet). */
export type PartContent = string | Buffer | (() => Iterable<string> | AsyncIterable<string>);

export class Package {
  private replaced = new Map<string, PartContent>();
  private removed = new Set<string>();
  private added: string[] = [];
  private cache = new Map<string, string>();
  private relsCache = new Map<string, Rels>();
  private types?: ContentTypes;

  private constructor(private reader: ZipReader | null, private template: Map<string, string>) {}

  /** Opens a package; `what` names the file in refusals. */
  static open(buf: Buffer, what: string): Package {
    const zip = new ZipReader(buf, what);
    if (zip.has("mimetype") && /opendocument/.test(zip.text("mimetype"))) {
      throw new PcnError(`${what} is not an .xlsx workbook (it is an OpenDocument spreadsheet, .ods); nothing was written. Save it as Excel .xlsx (Excel 2007-365) from your spreadsheet program first.`);
    }
    if (!zip.has("[Content_Types].xml")) throw new PcnError(`${what} is not an .xlsx workbook (it is a zip file without [Content_Types].xml: perhaps another kind of zip renamed .xlsx); nothing was written.`);
    const pkg = new Package(zip, new Map());
    if (!pkg.workbookPart()) throw new PcnError(`${what} is not an .xlsx workbook (it is an Office file without a workbook part: perhaps a Word or PowerPoint file renamed .xlsx); nothing was written.`);
    return pkg;
  }

  /** A new, empty package: the skeleton every workbook needs, with no sheets yet. */
  static create(parts: Map<string, string>): Package {
    return new Package(null, parts);
  }

  has(part: string): boolean {
    if (this.removed.has(part)) return false;
    return this.replaced.has(part) || this.template.has(part) || !!this.reader?.has(part);
  }

  /** Every part name present, in package order. */
  partNames(): string[] {
    const base = this.reader ? this.reader.order : [...this.template.keys()];
    return [...new Set([...base, ...this.added])].filter((p) => this.has(p));
  }

  text(part: string): string {
    const r = this.replaced.get(part);
    if (typeof r === "string") return r;
    if (r !== undefined) throw new Error(`package: ${part} is not text`);
    let s = this.cache.get(part);
    if (s === undefined) {
      const t = this.template.get(part);
      if (t !== undefined) s = t;
      else if (this.reader?.has(part) && !this.removed.has(part)) s = this.reader.text(part);
      else throw new PcnError(`This workbook has no part ${part}.`);
      this.cache.set(part, s);
    }
    return s;
  }

  /** Reads a part once without keeping it (a large sheet read for the snapshot). */
  readOnce(part: string): string {
    const cached = this.cache.get(part) ?? this.replaced.get(part);
    if (typeof cached === "string") return cached;
    return this.template.get(part) ?? this.reader!.text(part);
  }

  bytes(part: string): Buffer {
    const r = this.replaced.get(part);
    if (Buffer.isBuffer(r)) return r;
    if (typeof r === "string") return Buffer.from(r, "utf8");
    const t = this.template.get(part);
    if (t !== undefined) return Buffer.from(t, "utf8");
    return this.reader!.read(part);
  }

  write(part: string, content: PartContent): void {
    if (!this.has(part)) this.added.push(part);
    this.removed.delete(part);
    this.replaced.set(part, content);
    this.cache.delete(part);
  }

  /** Writes a part after every other one (its content depends on theirs, as the stylesheet on the sheets'). */
  writeLast(part: string, content: PartContent): void {
    this.write(part, content);
    this.last.add(part);
  }
  private last = new Set<string>();

  remove(part: string): void {
    this.removed.add(part);
    this.replaced.delete(part);
    this.cache.delete(part);
    this.contentTypes().removeOverride(part);
    const rels = relsPathOf(part);
    if (this.has(rels)) this.remove(rels);
  }

  /** The relationships of a part (created empty when it has none). */
  rels(part: string): Rels {
    let r = this.relsCache.get(part);
    if (!r) {
      const path = relsPathOf(part);
      r = new Rels(part, path, this.has(path) ? this.text(path) : null);
      this.relsCache.set(part, r);
    }
    return r;
  }

  contentTypes(): ContentTypes {
    if (!this.types) this.types = new ContentTypes(this.text("[Content_Types].xml"));
    return this.types;
  }

  /** The workbook part named by the package relationships (normally xl/workbook.xml). */
  workbookPart(): string | undefined {
    const root = this.rels("");
    return root.byType(REL.officeDocument)[0]?.target ?? (this.has("xl/workbook.xml") ? "xl/workbook.xml" : undefined);
  }

  private reserved = new Set<string>();

  /** A part name like xl/worksheets/sheet{n}.xml that no part uses or has been promised yet. */
  freeName(pattern: (n: number) => string): string {
    let n = 1;
    while (this.has(pattern(n)) || this.reserved.has(pattern(n))) n++;
    this.reserved.add(pattern(n));
    return pattern(n);
  }

  /** Writes the package: changed parts anew, the rest as their original bytes. */
  async save(sink: ZipSink, level = 6): Promise<void> {
    for (const r of this.relsCache.values()) if (r.changed) this.write(r.path, r.xml());
    if (this.types?.changed) this.write("[Content_Types].xml", this.types.xml());
    const zip = new ZipWriter(sink, level);
    // [Content_Types].xml first, as Office writes it (some readers sniff it).
    const names = this.partNames();
    const rank = (n: string) => (n === "[Content_Types].xml" ? 0 : this.last.has(n) ? 2 : 1);
    names.sort((a, b) => rank(a) - rank(b));
    for (const name of names) {
      const r = this.replaced.get(name);
      if (r === undefined) {
        const t = this.template.get(name);
        if (t !== undefined) await zip.add(name, t);
        else zip.copy(this.reader!, this.reader!.entries.get(name)!);
      } else if (typeof r === "function") await zip.addChunks(name, r());
      else await zip.add(name, r);
      // A written part's text is no longer needed: let it go before the next one.
      this.replaced.set(name, "");
    }
    zip.finish();
  }
}

/** The .rels part of a part ("" is the package itself). */
export function relsPathOf(part: string): string {
  if (part === "") return "_rels/.rels";
  const slash = part.lastIndexOf("/");
  return `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
}

export function resolveTarget(source: string, target: string): string {
  if (target.startsWith("/")) return target.slice(1);
  const parts = source.split("/").slice(0, -1);
  for (const seg of target.split("/")) {
    if (seg === "..") parts.pop();
    else if (seg !== "." && seg !== "") parts.push(seg);
  }
  return parts.join("/");
}

export function relativeTarget(source: string, target: string): string {
  const from = source.split("/").slice(0, -1);
  const to = target.split("/");
  let i = 0;
  while (i < from.length && i < to.length - 1 && from[i] === to[i]) i++;
  return [...from.slice(i).map(() => ".."), ...to.slice(i)].join("/");
}

export interface Relationship { id: string; type: string; target: string; external: boolean }

/** One .rels part: existing relationships kept verbatim and in order, new ones appended, removed ones cut out. */
export class Rels {
  private entries: (Relationship & { raw: string })[] = [];
  changed = false;

  constructor(readonly source: string, readonly path: string, private original: string | null) {
    for (const m of (original ?? "").matchAll(/<(?:\w+:)?Relationship\s([^>]*?)(?:\/>|>\s*<\/(?:\w+:)?Relationship>)/g)) {
      const at = attrs(m[1]);
      if (!at.Id) continue;
      const external = at.TargetMode === "External";
      this.entries.push({ id: at.Id, type: at.Type ?? "", target: external ? at.Target ?? "" : resolveTarget(source === "" ? "x" : source, at.Target ?? ""), external, raw: m[0] });
    }
  }

  get list(): readonly Relationship[] {
    return this.entries;
  }

  byId(id: string): Relationship | undefined {
    return this.entries.find((r) => r.id === id);
  }

  byType(type: string): Relationship[] {
    return this.entries.filter((r) => r.type === type);
  }

  /** Adds a relationship to an internal part (a package path) under the lowest free id (a rebuild that replaces ours gets the same ids). */
  add(type: string, targetPart: string): string {
    let n = 1;
    while (this.entries.some((r) => r.id === `rId${n}`)) n++;
    const id = `rId${n}`;
    const rel = this.source === "" ? targetPart : relativeTarget(this.source, targetPart);
    this.entries.push({ id, type, target: targetPart, external: false, raw: `<Relationship Id="${id}" Type="${type}" Target="${xattr(rel)}"/>` });
    this.changed = true;
    return id;
  }

  remove(id: string): void {
    const i = this.entries.findIndex((r) => r.id === id);
    if (i >= 0) { this.entries.splice(i, 1); this.changed = true; }
  }

  xml(): string {
    const base = this.original && /<\/(?:\w+:)?Relationships>\s*$/.test(this.original) ? this.original : `${XML_DECL}<Relationships xmlns="${NS.pkgRel}"></Relationships>`;
    const root = rootOf(base, "Relationships");
    return base.slice(0, root.tagEnd) + this.entries.map((e) => e.raw).join("") + base.slice(root.close);
  }
}

/** [Content_Types].xml: overrides added and removed by splicing. */
export class ContentTypes {
  private add: string[] = [];
  private removedParts = new Set<string>();
  changed = false;
  constructor(private original: string) {}

  private declared(part: string): boolean {
    return new RegExp(`PartName="/${part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`, "i").test(this.original) && !this.removedParts.has(part);
  }

  override(part: string, contentType: string): void {
    this.removedParts.delete(part);
    if (this.declared(part) || this.add.some((a) => a.includes(`PartName="/${xattr(part)}"`))) return;
    this.add.push(`<Override PartName="/${xattr(part)}" ContentType="${contentType}"/>`);
    this.changed = true;
  }

  removeOverride(part: string): void {
    this.removedParts.add(part);
    this.add = this.add.filter((a) => !a.includes(`PartName="/${xattr(part)}"`));
    this.changed = true;
  }

  /** Whether an extension has a Default (e.g. png). */
  hasDefault(ext: string): boolean {
    return new RegExp(`<(?:\\w+:)?Default\\s[^>]*Extension="${ext}"`, "i").test(this.original) || this.add.some((a) => a.includes(`Extension="${ext}"`));
  }

  addDefault(ext: string, contentType: string): void {
    if (this.hasDefault(ext)) return;
    this.add.unshift(`<Default Extension="${ext}" ContentType="${contentType}"/>`);
    this.changed = true;
  }

  xml(): string {
    let base = this.original;
    if (this.removedParts.size) {
      base = base.replace(/<(?:\w+:)?Override\s([^>]*?)(?:\/>|>\s*<\/(?:\w+:)?Override>)/g, (whole, a: string) => {
        const p = (attrs(a).PartName ?? "").replace(/^\//, "");
        return [...this.removedParts].some((r) => r.toLowerCase() === p.toLowerCase()) ? "" : whole;
      });
    }
    const root = rootOf(base, "Types");
    return base.slice(0, root.close) + this.add.join("") + base.slice(root.close);
  }
}

/** A sheet as workbook.xml lists it. */
export interface SheetEntry { name: string; sheetId: number; rId: string; part: string; state: string }

/** The sheets listed in the workbook part, with their parts. */
export function listSheets(pkg: Package, wbPart: string): SheetEntry[] {
  const xml = pkg.text(wbPart);
  const rels = pkg.rels(wbPart);
  const out: SheetEntry[] = [];
  const sheets = /<(?:\w+:)?sheets[\s>]/.exec(xml);
  if (!sheets) return out;
  const end = xml.indexOf("sheets>", sheets.index + 7);
  for (const m of xml.slice(sheets.index, end < 0 ? undefined : end).matchAll(/<(?:\w+:)?sheet\s([^>]*?)\/?>/g)) {
    const at = attrs(m[1]);
    const rId = Object.entries(at).find(([k]) => /(^|:)id$/.test(k) && k !== "sheetId")?.[1] ?? "";
    const rel = rels.byId(rId);
    // Chart sheets and dialog sheets are listed too: only worksheets have cells.
    if (!rel || rel.type !== REL.worksheet) {
      out.push({ name: unescapeXstring(m[1].match(/\bname="([^"]*)"/)?.[1] ?? at.name ?? ""), sheetId: Number(at.sheetId), rId, part: "", state: at.state ?? "visible" });
      continue;
    }
    out.push({ name: unescapeXstring(m[1].match(/\bname="([^"]*)"/)?.[1] ?? ""), sheetId: Number(at.sheetId), rId, part: rel.target, state: at.state ?? "visible" });
  }
  return out;
}
