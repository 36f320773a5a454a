/**
 * One worksheet part, written from a sheet plan: a new sheet from scratch, or one of ours merged into what the
 * file holds. In a merged sheet only the cells the plan writes and our own rules change; every other element
 * a person or another program put there (merged cells, hyperlinks, their validation and conditional formats,
 * print settings, sparklines and other extensions, drawings, comments, views, tab colour) is kept as it was.
 * Their widths and frozen panes win over ours; our conditional formats and validations are recognised and
 * replaced, theirs are kept and keep the cells they cover.
 */
import { a1, type ConditionalFormatRule, type RangeRef, type SheetPlan, type ValidationRule } from "../../core/workbook/plan";
import { NS, XML_DECL } from "./package";
import { pageSetupXml, rowBreaksXml, setsPrinting, sheetPrXml } from "./print";
import { parseSqref, sqrefOf, subtractAll } from "./ranges";
import { sheetDataOf } from "./read";
import { CellWriter, type Defaults } from "./sheetData";
import type { Styles } from "./styles";
import { attrs, childrenOf, rawAttr, rootOf, setAttr, startTagEnd, unescapeXml, xattr, xtext, type Child } from "./xml";

/** CT_Worksheet's sequence: where an element we add must go. */
const ORDER = [
  "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr", "sheetProtection", "protectedRanges",
  "scenarios", "autoFilter", "sortState", "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
  "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
  "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
  "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst",
];

/** The error title that marks our validation rules, in this file and in files other programs saved. */
export const OUR_VALIDATION_TITLE = "PCN Toolkit";

export interface SheetJob {
  plan: SheetPlan;
  /** The sheet's current XML, for one of ours that exists; null for a new sheet. */
  existing: (() => string) | null;
  styles: Styles;
  date1904: boolean;
  /** Relationship id of a drawing (our charts) the sheet must now reference. */
  drawingRid?: string;
}

const normFormula = (f: string) => f.replace(/^=/, "").replace(/\s+/g, "").replace(/\$/g, "").toUpperCase();

/** The worksheet XML, in chunks of about 64 KB. */
export function* sheetChunks(job: SheetJob): Generator<string> {
  const { plan } = job;
  const xml = job.existing ? job.existing() : null;
  const sd = xml ? sheetDataOf(xml) : null;
  const p = sd?.prefix ?? "";
  const cells = new CellWriter(plan, job.styles, job.date1904, plan.name, p);

  if (!xml || !sd) {
    yield* freshSheet(job, cells);
  } else {
    const root = rootOf(xml, "worksheet");
    const kids = childrenOf(xml, root.tagEnd, root.close);
    const head = kids.filter((k) => k.start < sd.open);
    const tail = kids.filter((k) => k.start >= sd.close);
    const el = (k: Child) => xml.slice(k.start, k.end);
    const defaults = defaultsOf(xml, head);
    // How it prints: ours unless the sheet already says (a person's choice, or ours from an earlier build).
    const pr = plan.print;
    const setup = tail.find((k) => k.name === "pageSetup");
    const ourSetup = !!pr && !setsPrinting(setup && el(setup));
    const out = new Elements(ORDER);
    for (const k of head) out.keep(k.name, el(k));
    if (ourSetup && pr!.fitToWidth) out.edit("sheetPr", (old) => sheetPrXml(p, old));
    out.edit("dimension", (old) => dimension(p, old, cells));
    if (plan.columnWidths.length) out.edit("cols", (old) => cols(p, old, plan.columnWidths));
    yield xml.slice(0, root.tagEnd) + out.render();

    yield xml.slice(sd.open, startTagEnd(xml, sd.open)).replace(/\/>$/, ">");
    yield* mergedRows(xml, sd, cells, defaults);
    yield `</${p}sheetData>`;

    const t = new Elements(ORDER);
    for (const k of tail) t.keep(k.name, el(k));
    if (plan.table) t.edit("autoFilter", (old) => autoFilter(p, old, plan.table!.range));
    t.replaceAll("conditionalFormatting", (olds) => {
      const theirs = olds.map((o) => withoutOurRules(o, plan.conditionalFormats)).filter((o): o is string => !!o);
      // Ours come after theirs (and after any in extensions), numbered from what is left, so a rebuild repeats itself.
      const ext = tail.filter((k) => k.name === "extLst").map(el).join("");
      const priority = Math.max(0, ...[...(theirs.join("") + ext).matchAll(/\bpriority="(\d+)"/g)].map((m) => Number(m[1])));
      return [...theirs, ...cfs(p, plan.conditionalFormats, job.styles, priority + 1)];
    });
    t.edit("dataValidations", (old) => validations(p, old, plan.validations));
    if (ourSetup) t.edit("pageSetup", (old) => (old ? old.replace(/^<((?:\w+:)?pageSetup)\b([^>]*?)(\/?>)/, (_, n: string, a: string, end: string) => `<${n}${printAttrs(a, pr!)}${end}`) : pageSetupXml(p, pr!)));
    if (pr?.rowBreaks?.length) t.edit("rowBreaks", () => rowBreaksXml(p, pr.rowBreaks!));
    if (job.drawingRid && !t.has("drawing")) t.add("drawing", `<${p}drawing r:id="${job.drawingRid}"${/xmlns:r=/.test(xml.slice(root.tagStart, root.tagEnd)) ? "" : ` xmlns:r="${NS.rel}"`}/>`);
    t.edit("extLst", (old) => (old ? withoutOurX14Validations(old) : undefined));
    yield t.render() + xml.slice(root.close);
  }
  // What was written is not needed again: let the plan's cells go before the next sheet.
  plan.blocks = [];
}

function* freshSheet(job: SheetJob, cells: CellWriter): Generator<string> {
  const { plan } = job;
  const e = new Elements(ORDER);
  if (plan.print?.fitToWidth) e.add("sheetPr", sheetPrXml("", undefined));
  e.add("dimension", dimension("", undefined, cells)!);
  e.add("sheetViews", sheetViews(plan.freeze));
  e.add("sheetFormatPr", `<sheetFormatPr defaultRowHeight="15"/>`);
  const c = cols("", undefined, plan.columnWidths);
  if (c) e.add("cols", c);
  yield `${XML_DECL}<worksheet xmlns="${NS.main}" xmlns:r="${NS.rel}">${e.render()}<sheetData>`;
  let buf = "";
  for (const band of cells.bandList) {
    for (let r = band.from; r < band.to; r++) {
      buf += cells.row(r, band, null, null);
      if (buf.length > 65536) { yield buf; buf = ""; }
    }
  }
  yield buf + "</sheetData>";
  const t = new Elements(ORDER);
  if (plan.table) t.add("autoFilter", autoFilter("", undefined, plan.table.range)!);
  for (const cf of cfs("", plan.conditionalFormats, job.styles, 1)) t.add("conditionalFormatting", cf);
  const dv = validations("", undefined, plan.validations);
  if (dv) t.add("dataValidations", dv);
  t.add("pageMargins", `<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>`);
  if (plan.print) t.add("pageSetup", pageSetupXml("", plan.print));
  if (plan.print?.rowBreaks?.length) t.add("rowBreaks", rowBreaksXml("", plan.print.rowBreaks));
  if (job.drawingRid) t.add("drawing", `<drawing r:id="${job.drawingRid}"/>`);
  yield t.render() + "</worksheet>";
}

/** A printer-only page setup (paper, printer settings) given our orientation and scaling. */
function printAttrs(a: string, pr: NonNullable<SheetPlan["print"]>): string {
  let out = setAttr(a, "orientation", pr.orientation);
  if (pr.fitToWidth) out = setAttr(setAttr(out, "fitToWidth", "1"), "fitToHeight", "0");
  return out;
}

/** Existing rows merged with the plan's, in row order; untouched rows verbatim. */
function* mergedRows(xml: string, sd: { prefix: string; start: number; end: number }, cells: CellWriter, defaults: Defaults): Generator<string> {
  const p = sd.prefix;
  const rowRe = new RegExp(`<${p}row\\b([^>]*?)(?:/>|>([\\s\\S]*?)</${p}row>)`, "g");
  rowRe.lastIndex = sd.start;
  const bands = cells.bandList;
  let bi = 0;
  let nextPlan = bands.length ? bands[0].from : Infinity;
  let buf = "";
  let prevRow = -1;
  const planRowsBefore = function* (limit: number): Generator<string> {
    while (nextPlan < limit) {
      const band = bands[bi];
      buf += cells.row(nextPlan, band, null, defaults);
      nextPlan++;
      if (nextPlan >= band.to) { bi++; nextPlan = bi < bands.length ? bands[bi].from : Infinity; }
      if (buf.length > 65536) { yield buf; buf = ""; }
    }
  };
  for (;;) {
    const m = rowRe.exec(xml);
    if (!m || m.index >= sd.end) break;
    const rAttr = rawAttr(m[1], "r");
    const r = rAttr !== undefined ? Number(rAttr) - 1 : prevRow + 1;
    prevRow = r;
    yield* planRowsBefore(r);
    if (nextPlan === r) {
      const band = bands[bi];
      buf += cells.row(r, band, { attrs: rAttr !== undefined ? m[1] : ` r="${r + 1}"${m[1]}`, inner: m[2] ?? "" }, defaults);
      nextPlan++;
      if (nextPlan >= band.to) { bi++; nextPlan = bi < bands.length ? bands[bi].from : Infinity; }
    } else buf += rAttr !== undefined ? m[0] : m[0].replace(/^<([\w:]*row)\b/, `<$1 r="${r + 1}"`);
    if (buf.length > 65536) { yield buf; buf = ""; }
  }
  yield* planRowsBefore(Infinity);
  yield buf;
}

/** A sheet's default styles: a row's own style (customFormat) and columns' styles, for cells we create. */
function defaultsOf(xml: string, head: Child[]): Defaults {
  const colEl = head.find((k) => k.name === "cols");
  const spans: { min: number; max: number; style: number }[] = [];
  if (colEl) {
    for (const m of xml.slice(colEl.start, colEl.end).matchAll(/<(?:\w+:)?col\b([^>]*?)\/?>/g)) {
      const a = attrs(m[1]);
      if (a.style && a.style !== "0") spans.push({ min: Number(a.min) - 1, max: Number(a.max) - 1, style: Number(a.style) });
    }
  }
  return {
    rowStyle: (a) => {
      const cf = rawAttr(a, "customFormat");
      const s = rawAttr(a, "s");
      return (cf === "1" || cf === "true") && s ? Number(s) : undefined;
    },
    colStyle: (c) => spans.find((s) => c >= s.min && c <= s.max)?.style,
  };
}

/** A worksheet's top-level elements, kept in order, with edits that respect CT_Worksheet's sequence. */
class Elements {
  private list: { name: string; xml: string }[] = [];
  constructor(private order: string[]) {}
  keep(name: string, xml: string) { this.list.push({ name, xml }); }
  has(name: string) { return this.list.some((e) => e.name === name); }
  /** Adds after the last element that may precede it (unknown elements, e.g. mc:AlternateContent, keep their place). */
  add(name: string, xml: string) {
    const at = this.order.indexOf(name);
    let i = 0;
    this.list.forEach((e, k) => { const o = this.order.indexOf(e.name); if (o >= 0 && o <= at) i = k + 1; });
    this.list.splice(i, 0, { name, xml });
  }
  /** Replaces the first element of `name` (or adds one) by what `fn` returns; undefined removes it. */
  edit(name: string, fn: (old: string | undefined) => string | undefined) {
    const i = this.list.findIndex((e) => e.name === name);
    const next = fn(i >= 0 ? this.list[i].xml : undefined);
    if (i >= 0) { if (next === undefined) this.list.splice(i, 1); else this.list[i].xml = next; }
    else if (next !== undefined) this.add(name, next);
  }
  /** Replaces every element of `name` by the list `fn` returns, at the place of the first. */
  replaceAll(name: string, fn: (olds: string[]) => string[]) {
    const olds = this.list.filter((e) => e.name === name).map((e) => e.xml);
    const first = this.list.findIndex((e) => e.name === name);
    const next = fn(olds);
    this.list = this.list.filter((e) => e.name !== name);
    if (first >= 0) this.list.splice(first, 0, ...next.map((xml) => ({ name, xml })));
    else for (const x of next) this.add(name, x);
  }
  render(): string {
    return this.list.map((e) => e.xml).join("");
  }
}

function dimension(p: string, old: string | undefined, cells: CellWriter): string | undefined {
  let rows = cells.maxRow, cols = cells.maxCol;
  if (old) {
    const ref = rawAttr(old, "ref");
    for (const r of ref ? parseSqref(ref) : []) { rows = Math.max(rows, r.row + r.rows - 1); cols = Math.max(cols, r.col + r.cols - 1); }
  }
  if (rows < 0 || cols < 0) return old ?? `<${p}dimension ref="A1"/>`;
  const ref = a1({ row: 0, col: 0, rows: rows + 1, cols: cols + 1 });
  return old ? old.replace(/\bref="[^"]*"/, `ref="${ref}"`) : `<${p}dimension ref="${ref}"/>`;
}

function sheetViews(freeze: { rows: number; cols: number }): string {
  if (!freeze.rows && !freeze.cols) return `<sheetViews><sheetView workbookViewId="0"/></sheetViews>`;
  const pane = freeze.rows && freeze.cols ? "bottomRight" : freeze.rows ? "bottomLeft" : "topRight";
  const tl = a1({ row: freeze.rows, col: freeze.cols, rows: 1, cols: 1 });
  const x = freeze.cols ? ` xSplit="${freeze.cols}"` : "";
  const y = freeze.rows ? ` ySplit="${freeze.rows}"` : "";
  return `<sheetViews><sheetView workbookViewId="0"><pane${x}${y} topLeftCell="${tl}" activePane="${pane}" state="frozen"/><selection pane="${pane}" activeCell="${tl}" sqref="${tl}"/></sheetView></sheetViews>`;
}

/** Column widths: a column that already has a width (set by a person, or by us before) keeps it. */
function cols(p: string, old: string | undefined, widths: { col: number; width: number }[]): string | undefined {
  const existing: { min: number; max: number; xml: string }[] = [];
  if (old) for (const m of old.matchAll(/<(?:\w+:)?col\b[^>]*?(?:\/>|>[\s\S]*?<\/(?:\w+:)?col>)/g)) {
    const a = attrs(m[0].slice(0, m[0].indexOf(">")));
    existing.push({ min: Number(a.min), max: Number(a.max), xml: m[0] });
  }
  const covered = (c: number) => existing.some((e) => c >= e.min && c <= e.max);
  const add = new Map<number, number>();
  for (const w of widths) if (!covered(w.col + 1)) add.set(w.col + 1, w.width);
  if (!add.size) return old;
  const mine: { min: number; max: number; xml: string }[] = [];
  for (const c of [...add.keys()].sort((a, b) => a - b)) {
    const last = mine[mine.length - 1];
    if (last && last.max === c - 1 && add.get(last.min) === add.get(c)) { last.max = c; last.xml = colXml(p, last.min, c, add.get(c)!); }
    else mine.push({ min: c, max: c, xml: colXml(p, c, c, add.get(c)!) });
  }
  const all = [...existing, ...mine].sort((a, b) => a.min - b.min);
  const open = old ? old.slice(0, old.indexOf(">") + 1).replace(/\/>$/, ">") : `<${p}cols>`;
  return `${open}${all.map((e) => e.xml).join("")}</${p}cols>`;
}

const colXml = (p: string, min: number, max: number, width: number) => `<${p}col min="${min}" max="${max}" width="${width}" customWidth="1"/>`;

function autoFilter(p: string, old: string | undefined, range: RangeRef): string | undefined {
  const ref = a1(range);
  return old ? old.replace(/\bref="[^"]*"/, `ref="${ref}"`) : `<${p}autoFilter ref="${ref}"/>`;
}

/** A person's conditional formatting element without the rules that are ours (same formula as one of the plan's). */
function withoutOurRules(xml: string, ours: ConditionalFormatRule[]): string | null {
  const mine = new Set(ours.map((c) => normFormula(c.formula)));
  let kept = 0;
  const out = xml.replace(/<(\w+:)?cfRule\b[^>]*?(?:\/>|>[\s\S]*?<\/(\w+:)?cfRule>)/g, (rule) => {
    const f = /<(?:\w+:)?formula>([\s\S]*?)<\/(?:\w+:)?formula>/.exec(rule);
    const isOurs = /type="expression"/.test(rule) && !!f && mine.has(normFormula(unescapeXml(f[1])));
    if (!isOurs) kept++;
    return isOurs ? "" : rule;
  });
  return kept ? out : null;
}

function cfs(p: string, rules: ConditionalFormatRule[], styles: Styles, priority: number): string[] {
  return rules.map((cf, i) => {
    const dxf = styles.dxf(cf.fill, cf.font);
    const f = xtext(cf.formula.replace(/^=/, ""), "A conditional format");
    return `<${p}conditionalFormatting sqref="${a1(cf.range)}"><${p}cfRule type="expression" dxfId="${dxf}" priority="${priority + i}"><${p}formula>${f}</${p}formula></${p}cfRule></${p}conditionalFormatting>`;
  });
}

/**
 * Data validation: ours (error title "PCN Toolkit") are replaced by the plan's; a person's own rules are kept
 * and keep their cells, so ours leave out any cell one of theirs covers.
 */
function validations(p: string, old: string | undefined, rules: ValidationRule[]): string | undefined {
  const theirs: string[] = [];
  const holes: RangeRef[] = [];
  let openTag = `<${p}dataValidations>`;
  if (old) {
    openTag = old.slice(0, old.indexOf(">") + 1).replace(/\/>$/, ">");
    for (const m of old.matchAll(/<(?:\w+:)?dataValidation\b[^>]*?(?:\/>|>[\s\S]*?<\/(?:\w+:)?dataValidation>)/g)) {
      const a = attrs(m[0].slice(0, m[0].indexOf(">")));
      if (a.errorTitle === OUR_VALIDATION_TITLE) continue;
      theirs.push(m[0]);
      holes.push(...parseSqref(a.sqref ?? ""));
    }
  }
  const ours: string[] = [];
  for (const v of rules) {
    const ranges = subtractAll([v.range], holes);
    if (!ranges.length) continue;
    const x = validationXml(p, v, sqrefOf(ranges));
    if (x) ours.push(x);
  }
  const all = [...theirs, ...ours];
  if (!all.length) return undefined;
  return `${setAttr(openTag.slice(0, -1), "count", String(all.length))}>${all.join("")}</${p}dataValidations>`;
}

function validationXml(p: string, v: ValidationRule, sqref: string): string | null {
  const f = (s: string | number) => xtext(String(s), "A validation rule");
  let type: string, op = "", f1: string, f2 = "";
  if (v.list) { type = "list"; f1 = f(`"${v.list.join(",")}"`); }
  else if (v.listSource) { type = "list"; f1 = f(v.listSource); }
  else if (v.date) { type = "date"; op = "greaterThan"; f1 = "1"; }
  else if (v.number) {
    const { min, max, integer } = v.number;
    type = integer ? "whole" : "decimal";
    if (min !== undefined && max !== undefined) { op = "between"; f1 = f(min); f2 = f(max); }
    else if (min !== undefined) { op = "greaterThanOrEqual"; f1 = f(min); }
    else if (max !== undefined) { op = "lessThanOrEqual"; f1 = f(max); }
    else { op = "between"; f1 = "-1000000000000000"; f2 = "1000000000000000"; }
  } else return null;
  return `<${p}dataValidation type="${type}"${op ? ` operator="${op}"` : ""} allowBlank="1" showErrorMessage="1" errorStyle="stop" errorTitle="${OUR_VALIDATION_TITLE}" error="${xattr(v.message)}" sqref="${sqref}"><${p}formula1>${f1}</${p}formula1>${f2 ? `<${p}formula2>${f2}</${p}formula2>` : ""}</${p}dataValidation>`;
}

/** Excel moves list validations that point at another sheet into an x14 extension when it saves: ours there go too. */
function withoutOurX14Validations(extLst: string): string | undefined {
  if (extLst.indexOf(OUR_VALIDATION_TITLE) < 0) return extLst;
  let out = extLst.replace(/<(\w+:)?dataValidation\b[^>]*?(?:\/>|>[\s\S]*?<\/\1dataValidation>)/g, (dv) => (/errorTitle="PCN Toolkit"/.test(dv.slice(0, dv.indexOf(">"))) ? "" : dv));
  out = out.replace(/<(\w+:)?dataValidations\b([^>]*)>([\s\S]*?)<\/\1dataValidations>/g, (_, pre: string | undefined, a: string, inner: string) => {
    const n = (inner.match(/<(\w+:)?dataValidation\b/g) ?? []).length;
    return n ? `<${pre ?? ""}dataValidations${setAttr(a, "count", String(n))}>${inner}</${pre ?? ""}dataValidations>` : "";
  });
  // An extension left empty goes; an extension list left empty goes.
  out = out.replace(/<(\w+:)?ext\b[^>]*>\s*<\/\1ext>/g, "");
  return /<(\w+:)?ext\b/.test(out) ? out : undefined;
}
