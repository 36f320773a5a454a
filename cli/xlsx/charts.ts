/**
 * Our native line charts in a sheet's drawing. A rebuild replaces our charts and only ours: each is named
 * "PCN Toolkit chart N" (a name Excel and LibreOffice keep when they save; LibreOffice drops descriptions),
 * and charts made by earlier versions ("Chart N" plotting one of the plan's series) are recognised too.
 * A person's charts, images and shapes in the same drawing stay as they are.
 */
import { a1, type ChartSpec, type RangeRef } from "../../core/workbook/plan";
import { CT, NS, REL, XML_DECL, type Package } from "./package";
import { attrs, childrenOf, rootOf, unescapeXml, xattr, xstring } from "./xml";

export const OUR_CHART_NAME = "PCN Toolkit chart";

export interface ChartSheet {
  /** The sheet's part, and whether it is being created (it then has no drawing yet). */
  part: string;
  charts: ChartSpec[];
}

export interface ChartContext {
  date1904: boolean;
  /** The workbook's sheet names (after the plan adds its sheets): a chart may plot only these. */
  sheetNames: Set<string>;
  /** Whether a category cell holds text (strRef) rather than numbers or dates (numRef). */
  isText(sheet: string, row: number, col: number): boolean;
}

/**
 * Removes our old charts from each sheet's drawing and adds the plan's. Returns, per sheet part, the id of a
 * drawing relationship the sheet must now reference (when it had no drawing before).
 */
export function placeCharts(pkg: Package, sheets: ChartSheet[], ctx: ChartContext): Map<string, string> {
  const needRef = new Map<string, string>();
  const nextPart = (pattern: (n: number) => string) => pkg.freeName(pattern);
  for (const s of sheets) for (const c of s.charts) for (const ref of [c.categories, ...c.series]) {
    if (!ctx.sheetNames.has(ref.sheet)) throw new Error(`chart "${c.title}": the workbook has no sheet named "${ref.sheet}"`);
  }
  for (const s of sheets) {
    const sheetRels = pkg.rels(s.part);
    const rel = sheetRels.byType(REL.drawing)[0];
    let drawingPart = rel?.target;
    let xml: string;
    if (drawingPart && pkg.has(drawingPart)) {
      xml = pkg.text(drawingPart);
      const before = xml;
      xml = withoutOurCharts(pkg, drawingPart, xml, s.charts);
      if (!s.charts.length) { if (xml !== before) pkg.write(drawingPart, xml); continue; }
    } else {
      if (!s.charts.length) continue;
      drawingPart = nextPart((n) => `xl/drawings/drawing${n}.xml`);
      xml = `${XML_DECL}<xdr:wsDr xmlns:xdr="${NS.xdr}" xmlns:a="${NS.a}"></xdr:wsDr>`;
      pkg.contentTypes().override(drawingPart, CT.drawing);
      needRef.set(s.part, sheetRels.add(REL.drawing, drawingPart));
    }
    const drawingRels = pkg.rels(drawingPart);
    let shapeId = Math.max(1, ...[...xml.matchAll(/<(?:\w+:)?cNvPr\s[^>]*?\bid="(\d+)"/g)].map((m) => Number(m[1])));
    const root = rootOf(xml, "wsDr");
    const rootTag = xml.slice(root.tagStart, root.tagEnd);
    // Appending to a drawing another program wrote: declare our prefixes locally unless its root does.
    const declareNs = !rootTag.includes(`xmlns:xdr="${NS.xdr}"`) || !rootTag.includes(`xmlns:a="${NS.a}"`);
    const anchors = s.charts.map((spec, i) => {
      const chartPart = nextPart((n) => `xl/charts/chart${n}.xml`);
      const catText = ctx.isText(spec.categories.sheet, spec.categories.range.row, spec.categories.range.col);
      pkg.write(chartPart, chartXml(spec, catText, ctx.date1904));
      pkg.contentTypes().override(chartPart, CT.chart);
      const rId = drawingRels.add(REL.chart, chartPart);
      return anchorXml(spec, ++shapeId, `${OUR_CHART_NAME} ${i + 1}`, rId, declareNs);
    });
    pkg.write(drawingPart, xml.slice(0, root.close) + anchors.join("") + xml.slice(root.close));
  }
  return needRef;
}

/** The drawing without the anchors that hold our charts; their chart parts are removed from the package. */
function withoutOurCharts(pkg: Package, drawingPart: string, xml: string, plan: ChartSpec[]): string {
  const root = rootOf(xml, "wsDr");
  const rels = pkg.rels(drawingPart);
  const planSeries = new Set(plan.flatMap((c) => c.series.map((s) => a1(s.range, { sheet: s.sheet, absolute: true }))));
  let out = xml.slice(0, root.tagEnd);
  let at = root.tagEnd;
  for (const k of childrenOf(xml, root.tagEnd, root.close)) {
    const anchor = xml.slice(k.start, k.end);
    const chartRef = /<(?:\w+:)?chart\b[^>]*?\br:id="([^"]+)"/.exec(anchor) ?? /<(?:\w+:)?chart\b[^>]*?:id="([^"]+)"/.exec(anchor);
    const pr = /<(?:\w+:)?cNvPr\b([^>]*?)\/?>/.exec(anchor);
    const name = pr ? attrs(pr[1]).name ?? "" : "";
    const rel = chartRef ? rels.byId(chartRef[1]) : undefined;
    let ours = !!rel && name.startsWith(OUR_CHART_NAME);
    if (!ours && rel && /^Chart \d+$/.test(name) && pkg.has(rel.target)) ours = isLegacyOurs(pkg.text(rel.target), planSeries);
    out += xml.slice(at, k.start);
    if (!ours) out += anchor;
    else {
      rels.remove(rel!.id);
      pkg.remove(rel!.target);
    }
    at = k.end;
  }
  return out + xml.slice(at);
}

/** A chart an earlier version made: one line series plotting one of the plan's series, titled as it. */
function isLegacyOurs(chart: string, planSeries: Set<string>): boolean {
  const series = chart.match(/<(?:\w+:)?ser>/g) ?? [];
  if (series.length !== 1 || !/<(?:\w+:)?lineChart>/.test(chart)) return false;
  const val = /<(?:\w+:)?val>[\s\S]*?<(?:\w+:)?f>([\s\S]*?)<\/(?:\w+:)?f>/.exec(chart);
  return !!val && planSeries.has(unescapeXml(val[1]).replace(/^'([^']+)'!/, (m, n: string) => (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(n) ? `${n}!` : m)));
}

// XML 1.0 cannot carry these at all; a chart title is a display of a cell's text, so they are left out there.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const plain = (s: string) => s.replace(NOT_XML, "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!).replace(/\r/g, "&#13;");

function anchorXml(spec: ChartSpec, id: number, name: string, rId: string, declareNs: boolean): string {
  const { row, col } = spec.anchor;
  const rows = Math.max(1, spec.anchor.rows);
  const cols = Math.max(1, spec.anchor.cols);
  const ns = declareNs ? ` xmlns:xdr="${NS.xdr}" xmlns:a="${NS.a}"` : "";
  const marker = (c: number, r: number) => `<xdr:col>${c}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${r}</xdr:row><xdr:rowOff>0</xdr:rowOff>`;
  return (
    `<xdr:twoCellAnchor${ns}>` +
    `<xdr:from>${marker(col, row)}</xdr:from><xdr:to>${marker(col + cols, row + rows)}</xdr:to>` +
    `<xdr:graphicFrame macro="">` +
    `<xdr:nvGraphicFramePr><xdr:cNvPr id="${id}" name="${xattr(name)}" descr="${plain(spec.title)}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>` +
    `<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>` +
    `<a:graphic><a:graphicData uri="${NS.c}"><c:chart xmlns:c="${NS.c}" xmlns:r="${NS.rel}" r:id="${rId}"/></a:graphicData></a:graphic>` +
    `</xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>`
  );
}

/**
 * Text categories are written as strRef, numbers and dates as numRef (so dates keep their format on the
 * axis), as Excel does. Every boolean is written with an explicit val: the schema default (true) and
 * LibreOffice's Office-2007 compatibility defaults disagree, so omitting them renders differently per app.
 */
export function chartXml(spec: ChartSpec, catIsText: boolean, date1904: boolean): string {
  const axCat = 500000001;
  const axVal = 500000002;
  const ref = (sheet: string, r: RangeRef) => plain(a1(r, { sheet, absolute: true }));
  const catF = ref(spec.categories.sheet, spec.categories.range);
  const cat = catIsText ? `<c:strRef><c:f>${catF}</c:f></c:strRef>` : `<c:numRef><c:f>${catF}</c:f></c:numRef>`;
  const series = spec.series
    .map((s, i) => {
      const rgb = hexColor(s.color);
      const fill = rgb ? `<a:solidFill><a:srgbClr val="${rgb}"/></a:solidFill>` : "";
      const line = rgb ? `<c:spPr><a:ln w="28575" cap="rnd">${fill}<a:round/></a:ln></c:spPr>` : "";
      // Marker colours are automatic per series index, so pin them too when the line colour is fixed.
      const markerSp = rgb ? `<c:spPr>${fill}<a:ln w="9525">${fill}</a:ln></c:spPr>` : "";
      return (
        `<c:ser><c:idx val="${i}"/><c:order val="${i}"/>` +
        `<c:tx><c:v>${xstring(s.name)}</c:v></c:tx>` +
        line +
        `<c:marker><c:symbol val="circle"/><c:size val="5"/>${markerSp}</c:marker>` +
        `<c:cat>${cat}</c:cat>` +
        `<c:val><c:numRef><c:f>${ref(s.sheet, s.range)}</c:f></c:numRef></c:val>` +
        `<c:smooth val="0"/></c:ser>`
      );
    })
    .join("");
  const title = spec.title
    ? `<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="1400" b="0"/></a:pPr>` +
      `<a:r><a:rPr lang="en-GB" sz="1400" b="0"/><a:t>${plain(spec.title)}</a:t></a:r></a:p></c:rich></c:tx>` +
      `<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>`
    : `<c:autoTitleDeleted val="1"/>`;
  const axisCommon = `<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>`;
  return (
    XML_DECL +
    `<c:chartSpace xmlns:c="${NS.c}" xmlns:a="${NS.a}" xmlns:r="${NS.rel}">` +
    `<c:date1904 val="${date1904 ? 1 : 0}"/><c:lang val="en-GB"/><c:roundedCorners val="0"/>` +
    `<c:chart>${title}<c:plotArea><c:layout/>` +
    `<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>${series}` +
    `<c:marker val="1"/><c:axId val="${axCat}"/><c:axId val="${axVal}"/></c:lineChart>` +
    `<c:catAx><c:axId val="${axCat}"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>` +
    `<c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="1"/>${axisCommon}` +
    `<c:crossAx val="${axVal}"/><c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/>` +
    `<c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>` +
    `<c:valAx><c:axId val="${axVal}"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>` +
    `<c:axPos val="l"/><c:majorGridlines/><c:numFmt formatCode="General" sourceLinked="1"/>${axisCommon}` +
    `<c:crossAx val="${axCat}"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>` +
    `</c:plotArea><c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>` +
    `<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>`
  );
}

function hexColor(color: string | undefined): string | null {
  const m = color && /^#?([0-9a-f]{6})$/i.exec(color.trim());
  return m ? m[1].toUpperCase() : null;
}
