/**
 * Native line charts for .xlsx files written by exceljs (which has no chart support).
 * We patch the package directly: one DrawingML drawing part per sheet, one chart part per chart,
 * plus the relationships and content types that tie them together. Strings are spliced rather than
 * parsed so that large worksheets (tens of thousands of rows) cost almost nothing.
 */
import JSZip from "jszip";
import { a1, colLetter, type ChartSpec, type RangeRef } from "../core/workbook/plan";

const NS = {
  rel: "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
  pkgRel: "http://schemas.openxmlformats.org/package/2006/relationships",
  xdr: "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
  a: "http://schemas.openxmlformats.org/drawingml/2006/main",
  c: "http://schemas.openxmlformats.org/drawingml/2006/chart",
};
const REL_DRAWING = `${NS.rel}/drawing`;
const REL_CHART = `${NS.rel}/chart`;
const CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml";
const CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml";
const XML_DECL = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n`;

/** Adds native line charts (DrawingML chart parts) to an .xlsx produced by exceljs. */
export async function addCharts(
  xlsx: Buffer | Uint8Array,
  charts: { sheet: string; chart: ChartSpec }[],
): Promise<Buffer> {
  if (charts.length === 0) return Buffer.from(xlsx);
  const pkg = await Package.open(xlsx);
  const sheetParts = await pkg.sheetParts();
  const partOf = (sheet: string): string => {
    const part = sheetParts.get(sheet);
    if (!part) throw new Error(`addCharts: the workbook has no sheet named "${sheet}"`);
    return part;
  };

  // Group by host sheet, keeping the caller's order within each sheet.
  const bySheet = new Map<string, ChartSpec[]>();
  for (const { sheet, chart } of charts) {
    partOf(sheet);
    for (const ref of [chart.categories, ...chart.series]) partOf(ref.sheet);
    const list = bySheet.get(sheet) ?? [];
    list.push(chart);
    bySheet.set(sheet, list);
  }

  const catMemo = new Map<string, boolean>();
  let nextDrawing = pkg.maxPartNumber(/^xl\/drawings\/drawing(\d+)\.xml$/) + 1;
  let nextChart = pkg.maxPartNumber(/^xl\/charts\/chart(\d+)\.xml$/) + 1;

  for (const [sheet, specs] of bySheet) {
    const sheetPart = partOf(sheet);
    const sheetRels = await pkg.rels(sheetPart);
    let sheetXml = await pkg.text(sheetPart);

    // exceljs images already live in a drawing part; a sheet may reference only one, so share it.
    const existing = /<(?:\w+:)?drawing\s[^>]*?\b(?:\w+:)?id="([^"]+)"/.exec(sheetXml);
    const existingTarget = existing ? sheetRels.byId(existing[1]) : undefined;
    if (existing && !existingTarget) throw new Error(`addCharts: ${sheetPart} has a drawing with no target`);
    let drawingPart: string;
    let drawingXml: string;
    if (existingTarget) {
      drawingPart = existingTarget;
      drawingXml = await pkg.text(drawingPart);
    } else {
      drawingPart = `xl/drawings/drawing${nextDrawing++}.xml`;
      drawingXml = `${XML_DECL}<xdr:wsDr xmlns:xdr="${NS.xdr}" xmlns:a="${NS.a}"></xdr:wsDr>`;
      pkg.override(drawingPart, CT_DRAWING);
      const rId = sheetRels.add(REL_DRAWING, relativeTarget(sheetPart, drawingPart));
      sheetXml = insertDrawingElement(sheetXml, rId);
      pkg.write(sheetPart, sheetXml);
      pkg.write(sheetRels.path, sheetRels.xml());
    }

    const drawingRels = await pkg.rels(drawingPart);
    // Shape ids must be unique within the drawing; continue after whatever exceljs used.
    let shapeId = Math.max(1, ...[...drawingXml.matchAll(/<(?:\w+:)?cNvPr\s[^>]*?\bid="(\d+)"/g)].map((m) => Number(m[1])));
    // Appending to a drawing we did not write: declare our prefixes locally unless its root already does.
    const rootTag = drawingXml.slice(0, drawingXml.indexOf(">", drawingXml.indexOf("wsDr")));
    const declareNs = !rootTag.includes(`xmlns:xdr="${NS.xdr}"`) || !rootTag.includes(`xmlns:a="${NS.a}"`);
    const anchors: string[] = [];
    for (const spec of specs) {
      const chartPart = `xl/charts/chart${nextChart++}.xml`;
      const catIsText = await categoriesAreText(pkg, partOf(spec.categories.sheet), spec.categories.range, catMemo);
      pkg.write(chartPart, chartXml(spec, catIsText));
      pkg.override(chartPart, CT_CHART);
      const rId = drawingRels.add(REL_CHART, relativeTarget(drawingPart, chartPart));
      anchors.push(anchorXml(spec, ++shapeId, rId, declareNs));
    }
    // Append before the root's closing tag, whatever prefix the existing drawing uses.
    const close = drawingXml.lastIndexOf("</");
    if (close < 0) throw new Error(`addCharts: cannot append to ${drawingPart}`);
    pkg.write(drawingPart, drawingXml.slice(0, close) + anchors.join("") + drawingXml.slice(close));
    pkg.write(drawingRels.path, drawingRels.xml());
  }

  await pkg.saveContentTypes();
  return pkg.zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE", compressionOptions: { level: 6 } });
}

// ---------------------------------------------------------------------------------------------
// Package plumbing

class Package {
  private cache = new Map<string, string>();
  private overrides: [string, string][] = [];
  private constructor(readonly zip: JSZip) {}

  static async open(data: Buffer | Uint8Array): Promise<Package> {
    return new Package(await JSZip.loadAsync(data));
  }

  async text(path: string): Promise<string> {
    let s = this.cache.get(path);
    if (s === undefined) {
      const f = this.zip.file(path);
      if (!f) throw new Error(`addCharts: missing part ${path}`);
      s = await f.async("string");
      this.cache.set(path, s);
    }
    return s;
  }

  write(path: string, xml: string): void {
    this.cache.set(path, xml);
    this.zip.file(path, xml);
  }

  maxPartNumber(re: RegExp): number {
    let max = 0;
    for (const name of Object.keys(this.zip.files)) {
      const m = re.exec(name);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return max;
  }

  async rels(part: string): Promise<Rels> {
    const path = relsPathOf(part);
    const xml = this.zip.file(path) ? await this.text(path) : null;
    return new Rels(part, path, xml);
  }

  /** Sheet name -> worksheet part path, via workbook.xml and its relationships. */
  async sheetParts(): Promise<Map<string, string>> {
    const wbPart = "xl/workbook.xml";
    const wb = await this.text(wbPart);
    const rels = await this.rels(wbPart);
    const out = new Map<string, string>();
    for (const m of wb.matchAll(/<(?:\w+:)?sheet\s([^>]*?)\/?>/g)) {
      const at = attrs(m[1]);
      const rid = Object.entries(at).find(([k]) => /(^|:)id$/.test(k))?.[1];
      const target = rid && rels.byId(rid);
      if (at.name !== undefined && target) out.set(at.name, target);
    }
    return out;
  }

  override(part: string, contentType: string): void {
    this.overrides.push([part, contentType]);
  }

  async saveContentTypes(): Promise<void> {
    const path = "[Content_Types].xml";
    const xml = await this.text(path);
    const add = this.overrides
      .filter(([part]) => !xml.includes(`PartName="/${part}"`))
      .map(([part, ct]) => `<Override PartName="/${esc(part)}" ContentType="${ct}"/>`)
      .join("");
    const close = xml.lastIndexOf("</Types>");
    if (close < 0) throw new Error("addCharts: malformed [Content_Types].xml");
    this.write(path, xml.slice(0, close) + add + xml.slice(close));
  }
}

/** One .rels part: existing relationships are kept verbatim, new ones appended. */
class Rels {
  private targets = new Map<string, string>();
  private added: string[] = [];
  constructor(readonly source: string, readonly path: string, private original: string | null) {
    for (const m of (original ?? "").matchAll(/<(?:\w+:)?Relationship\s([^>]*?)\/?>/g)) {
      const at = attrs(m[1]);
      if (at.Id && at.Target && at.TargetMode !== "External") this.targets.set(at.Id, resolveTarget(source, at.Target));
      else if (at.Id) this.targets.set(at.Id, "");
    }
  }

  /** Package path of an internal relationship's target. */
  byId(id: string): string | undefined {
    return this.targets.get(id) || undefined;
  }

  add(type: string, target: string): string {
    let n = this.targets.size + 1;
    while (this.targets.has(`rId${n}`)) n++;
    const id = `rId${n}`;
    this.targets.set(id, resolveTarget(this.source, target));
    this.added.push(`<Relationship Id="${id}" Type="${type}" Target="${esc(target)}"/>`);
    return id;
  }

  xml(): string {
    const base = this.original ?? `${XML_DECL}<Relationships xmlns="${NS.pkgRel}"></Relationships>`;
    const close = base.lastIndexOf("</Relationships>");
    if (close < 0) {
      // A self-closing empty <Relationships/>: rebuild it.
      return `${XML_DECL}<Relationships xmlns="${NS.pkgRel}">${this.added.join("")}</Relationships>`;
    }
    return base.slice(0, close) + this.added.join("") + base.slice(close);
  }
}

function relsPathOf(part: string): string {
  const slash = part.lastIndexOf("/");
  return `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
}

function resolveTarget(source: string, target: string): string {
  if (target.startsWith("/")) return target.slice(1);
  const parts = source.split("/").slice(0, -1);
  for (const seg of target.split("/")) {
    if (seg === "..") parts.pop();
    else if (seg !== "." && seg !== "") parts.push(seg);
  }
  return parts.join("/");
}

function relativeTarget(source: string, target: string): string {
  const from = source.split("/").slice(0, -1);
  const to = target.split("/");
  let i = 0;
  while (i < from.length && i < to.length - 1 && from[i] === to[i]) i++;
  return [...from.slice(i).map(() => ".."), ...to.slice(i)].join("/");
}

function attrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out[m[1]] = unesc(m[2] ?? m[3]);
  return out;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

function unesc(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const k = e.toLowerCase();
    if (k[0] === "#") return String.fromCodePoint(k[1] === "x" ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10));
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[k];
  });
}

// ---------------------------------------------------------------------------------------------
// Worksheet edits

/**
 * CT_Worksheet is a strict sequence: <drawing> follows pageMargins/pageSetup/headerFooter/…/smartTags
 * and precedes these. (exceljs itself writes tableParts before legacyDrawing; we only need the first.)
 */
const AFTER_DRAWING = /<(?:\w+:)?(?:legacyDrawing|legacyDrawingHF|drawingHF|picture|oleObjects|controls|webPublishItems|tableParts|extLst|AlternateContent)[\s/>]/g;

function insertDrawingElement(sheetXml: string, rId: string): string {
  const root = /<(\w+:)?worksheet[\s>]/.exec(sheetXml);
  if (!root) throw new Error("addCharts: worksheet part has no <worksheet> root");
  const prefix = root[1] ?? "";
  const rootTag = sheetXml.slice(root.index, sheetXml.indexOf(">", root.index));
  const nsDecl = rootTag.includes(`xmlns:r="${NS.rel}"`) ? "" : ` xmlns:r="${NS.rel}"`;
  const element = `<${prefix}drawing${nsDecl} r:id="${rId}"/>`;

  // Only the tail after sheetData can hold the following siblings; cfRule elements may nest their own
  // extLst, so start after the last conditionalFormatting block.
  let from = Math.max(sheetXml.lastIndexOf("</sheetData>"), sheetXml.lastIndexOf("<sheetData/>"), 0);
  const lastCf = sheetXml.lastIndexOf(`</${prefix}conditionalFormatting>`);
  if (lastCf > from) from = lastCf;
  AFTER_DRAWING.lastIndex = from;
  const next = AFTER_DRAWING.exec(sheetXml);
  const at = next ? next.index : sheetXml.lastIndexOf(`</${prefix}worksheet>`);
  if (at < 0) throw new Error("addCharts: worksheet part has no closing tag");
  return sheetXml.slice(0, at) + element + sheetXml.slice(at);
}

/**
 * Text categories are written as strRef, numbers/dates as numRef (so dates keep their format on the axis),
 * as Excel does. Decided from the first category cell; unknown (empty, uncached formula) -> numRef,
 * which Excel and LibreOffice both accept for text too.
 */
async function categoriesAreText(
  pkg: Package,
  sheetPart: string,
  range: RangeRef,
  memo: Map<string, boolean>,
): Promise<boolean> {
  const key = `${sheetPart}!${colLetter(range.col)}${range.row + 1}`;
  let text = memo.get(key);
  if (text === undefined) {
    // A missing cell means a scan of the whole sheet, hence the memo.
    const xml = await pkg.text(sheetPart);
    const at = xml.indexOf(`<c r="${key.slice(key.indexOf("!") + 1)}"`);
    text = at >= 0 && /\st="(s|str|inlineStr)"/.test(xml.slice(at, xml.indexOf(">", at)));
    memo.set(key, text);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// DrawingML

function anchorXml(spec: ChartSpec, id: number, rId: string, declareNs: boolean): string {
  const { row, col } = spec.anchor;
  const rows = Math.max(1, spec.anchor.rows);
  const cols = Math.max(1, spec.anchor.cols);
  const ns = declareNs ? ` xmlns:xdr="${NS.xdr}" xmlns:a="${NS.a}"` : "";
  const marker = (c: number, r: number) =>
    `<xdr:col>${c}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${r}</xdr:row><xdr:rowOff>0</xdr:rowOff>`;
  return (
    `<xdr:twoCellAnchor${ns}>` +
    `<xdr:from>${marker(col, row)}</xdr:from><xdr:to>${marker(col + cols, row + rows)}</xdr:to>` +
    `<xdr:graphicFrame macro="">` +
    `<xdr:nvGraphicFramePr><xdr:cNvPr id="${id}" name="Chart ${id}" descr="${esc(spec.title)}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>` +
    `<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>` +
    `<a:graphic><a:graphicData uri="${NS.c}"><c:chart xmlns:c="${NS.c}" xmlns:r="${NS.rel}" r:id="${rId}"/></a:graphicData></a:graphic>` +
    `</xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>`
  );
}

/** Every boolean is written with an explicit val: the schema default (true) and LibreOffice's
 *  Office-2007 compatibility defaults disagree, so omitting them renders differently per app.
 *  Series styled "band" go in a column group on a hidden secondary axis from 0 to 1 (a 1 fills the month's
 *  column, a 0 shows nothing), half transparent so the lines show through whichever group a program draws last. */
function chartXml(spec: ChartSpec, catIsText: boolean): string {
  const axCat = 500000001;
  const axVal = 500000002;
  const axCat2 = 500000003;
  const axVal2 = 500000004;
  const catF = esc(a1(spec.categories.range, { sheet: spec.categories.sheet, absolute: true }));
  const cat = catIsText ? `<c:strRef><c:f>${catF}</c:f></c:strRef>` : `<c:numRef><c:f>${catF}</c:f></c:numRef>`;
  const head = (s: ChartSpec["series"][number], i: number) =>
    `<c:ser><c:idx val="${i}"/><c:order val="${i}"/><c:tx><c:v>${esc(s.name)}</c:v></c:tx>`;
  const tail = (s: ChartSpec["series"][number]) =>
    `<c:cat>${cat}</c:cat><c:val><c:numRef><c:f>${esc(a1(s.range, { sheet: s.sheet, absolute: true }))}</c:f></c:numRef></c:val>`;
  const indexed = spec.series.map((s, i) => ({ s, i }));

  const lines = indexed
    .filter(({ s }) => s.style !== "band")
    .map(({ s, i }) => {
      const rgb = hexColor(s.color);
      const fill = rgb ? `<a:solidFill><a:srgbClr val="${rgb}"/></a:solidFill>` : "";
      const dash = s.style === "dash" ? `<a:prstDash val="dash"/>` : "";
      const width = s.style === "dash" || s.style === "line" ? 19050 : 28575;
      const line = rgb || dash ? `<c:spPr><a:ln w="${width}" cap="rnd">${fill}${dash}<a:round/></a:ln></c:spPr>` : "";
      // Marker colours are automatic per series index, so pin them too when the line colour is fixed.
      const markerSp = rgb ? `<c:spPr>${fill}<a:ln w="9525">${fill}</a:ln></c:spPr>` : "";
      const marker = !s.style || s.style === "markers" ? `<c:marker><c:symbol val="circle"/><c:size val="5"/>${markerSp}</c:marker>` : `<c:marker><c:symbol val="none"/></c:marker>`;
      return head(s, i) + line + marker + tail(s) + `<c:smooth val="0"/></c:ser>`;
    })
    .join("");
  const bands = indexed
    .filter(({ s }) => s.style === "band")
    .map(({ s, i }) => {
      const rgb = hexColor(s.color) ?? "BFBFBF";
      return head(s, i) + `<c:spPr><a:solidFill><a:srgbClr val="${rgb}"><a:alpha val="60000"/></a:srgbClr></a:solidFill><a:ln><a:noFill/></a:ln></c:spPr>` +
        `<c:invertIfNegative val="0"/>` + tail(s) + `</c:ser>`;
    })
    .join("");

  const title = spec.title
    ? `<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1400" b="0"/></a:pPr>` +
      `<a:r><a:rPr lang="en-GB" sz="1400" b="0"/><a:t>${esc(spec.title)}</a:t></a:r></a:p></c:rich></c:tx>` +
      `<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>`
    : `<c:autoTitleDeleted val="1"/>`;

  const axisCommon = `<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>`;
  const valFmt = spec.valueFormat ? `<c:numFmt formatCode="${esc(spec.valueFormat)}" sourceLinked="0"/>` : `<c:numFmt formatCode="General" sourceLinked="1"/>`;
  const barGroup = bands
    ? `<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>${bands}` +
      `<c:gapWidth val="0"/><c:overlap val="100"/><c:axId val="${axCat2}"/><c:axId val="${axVal2}"/></c:barChart>`
    : "";
  const barAxes = bands
    ? `<c:catAx><c:axId val="${axCat2}"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="1"/>` +
      `<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/>${axisCommon}` +
      `<c:crossAx val="${axVal2}"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>` +
      `<c:valAx><c:axId val="${axVal2}"/><c:scaling><c:orientation val="minMax"/><c:max val="1"/><c:min val="0"/></c:scaling><c:delete val="1"/>` +
      `<c:axPos val="r"/><c:numFmt formatCode="General" sourceLinked="1"/>${axisCommon}` +
      `<c:crossAx val="${axCat2}"/><c:crosses val="max"/><c:crossBetween val="between"/></c:valAx>`
    : "";
  return (
    XML_DECL +
    `<c:chartSpace xmlns:c="${NS.c}" xmlns:a="${NS.a}" xmlns:r="${NS.rel}">` +
    `<c:date1904 val="0"/><c:lang val="en-GB"/><c:roundedCorners val="0"/>` +
    `<c:chart>${title}<c:plotArea><c:layout/>` +
    barGroup +
    `<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>${lines}` +
    `<c:marker val="1"/><c:axId val="${axCat}"/><c:axId val="${axVal}"/></c:lineChart>` +
    `<c:catAx><c:axId val="${axCat}"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>` +
    `<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/>${axisCommon}` +
    `<c:crossAx val="${axVal}"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>` +
    `<c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>` +
    `<c:valAx><c:axId val="${axVal}"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>` +
    `<c:axPos val="l"/><c:majorGridlines/>${valFmt}${axisCommon}` +
    `<c:crossAx val="${axCat}"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>` +
    barAxes +
    `</c:plotArea><c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>` +
    `<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>`
  );
}

function hexColor(color: string | undefined): string | null {
  const m = color && /^#?([0-9a-f]{6})$/i.exec(color.trim());
  return m ? m[1].toUpperCase() : null;
}
