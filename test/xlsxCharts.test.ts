import { afterEach, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import JSZip from "jszip";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readWorkbookBuffer, writeWorkbookBuffer } from "../cli/workbookFile";
import { emptySheetPlan, type ChartSpec, type RangeRef, type WritePlan } from "../core/workbook/plan";

const KPIS = "KPIs";
const DATA = "St Mary's Data"; // space and apostrophe: both need quoting in formulas
const MONTHS = ["Apr-25", "May-25", "Jun-25", "Jul-25", "Aug-25", "Sep-25", "Oct-25", "Nov-25", "Dec-25", "Jan-26", "Feb-26", "Mar-26"];
const PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

const R = (row: number, col: number, rows: number, cols: number): RangeRef => ({ row, col, rows, cols });
const monthRow = (row: number) => R(row, 1, 1, 12); // B..M

/** KPIs: text month headers, an exceljs image (so a drawing already exists), a hyperlink.
 *  St Mary's Data: date month headers, a comment (legacyDrawing) and a table (tableParts). */
async function fixture(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const kpis = wb.addWorksheet(KPIS);
  kpis.addRow(["Measure", ...MONTHS]);
  kpis.addRow(["Appointments", ...MONTHS.map((_, i) => 100 + i * 5)]);
  kpis.addRow(["DNAs", ...MONTHS.map((_, i) => 10 + (i % 3))]);
  kpis.getCell("A4").value = { text: "NHS", hyperlink: "https://www.nhs.uk" };
  const img = wb.addImage({ buffer: Buffer.from(PNG_1PX, "base64") as unknown as ExcelJS.Buffer, extension: "png" });
  kpis.addImage(img, "A40:B42");

  const data = wb.addWorksheet(DATA);
  data.addRow(["Practice", ...MONTHS.map((_, i) => new Date(Date.UTC(2025, 3 + i, 1)))]);
  data.addRow(["List size", ...MONTHS.map((_, i) => 9000 + i * 12)]);
  data.addRow(["Sessions", ...MONTHS.map((_, i) => 40 + i)]);
  data.addRow(["Spend", ...MONTHS.map((_, i) => 1000 * (i + 1))]);
  data.getCell("A2").note = "From the practice return";
  data.addTable({ name: "Notes", ref: "A8", columns: [{ name: "Key" }, { name: "Value" }], rows: [["a", 1]] });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const CHARTS: { sheet: string; chart: ChartSpec }[] = [
  {
    sheet: KPIS,
    chart: {
      type: "line",
      title: "Appointments & DNAs",
      anchor: R(5, 0, 15, 8),
      categories: { sheet: KPIS, range: monthRow(0) },
      series: [
        { name: "Appointments", sheet: KPIS, range: monthRow(1), color: "#005EB8" },
        { name: "DNAs <missed>", sheet: KPIS, range: monthRow(2) },
      ],
    },
  },
  {
    // Sits on KPIs, plots the other sheet.
    sheet: KPIS,
    chart: {
      type: "line",
      title: "Practice activity",
      anchor: R(5, 9, 15, 8),
      categories: { sheet: DATA, range: monthRow(0) },
      series: [
        { name: "List size", sheet: DATA, range: monthRow(1), color: "#41B6E6" },
        { name: "Sessions", sheet: DATA, range: monthRow(2) },
      ],
    },
  },
  {
    sheet: DATA,
    chart: {
      type: "line",
      title: "Spend",
      anchor: R(12, 0, 15, 8),
      categories: { sheet: DATA, range: monthRow(0) },
      series: [{ name: "Spend", sheet: DATA, range: monthRow(3), color: "#DA291C" }],
    },
  },
];

// ---- helpers -------------------------------------------------------------------------------

/** The shipped writer, given a plan that changes nothing but the charts on these (existing) sheets. */
async function addCharts(xlsx: Buffer, charts: { sheet: string; chart: ChartSpec }[]): Promise<Buffer> {
  const names = [...new Set(charts.map((c) => c.sheet))];
  const plan: WritePlan = {
    year: "2025/26", names: [], warnings: [],
    sheets: names.map((n) => ({ ...emptySheetPlan(n, n, false), charts: charts.filter((c) => c.sheet === n).map((c) => c.chart) })),
  };
  return writeWorkbookBuffer(plan, readWorkbookBuffer(xlsx));
}

const unesc = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" })[e]!);

/** Minimal XML well-formedness check: balanced tags, one root, legal entities, declared prefixes. */
function assertWellFormed(xml: string, name: string): void {
  const fail = (msg: string, at: number) => {
    throw new Error(`${name}: ${msg} near ${JSON.stringify(xml.slice(Math.max(0, at - 60), at + 60))}`);
  };
  const badAmp = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const tagRe = /<(\/?)([A-Za-z_][\w.-]*(?::[\w.-]+)?)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y;
  const stack: { tag: string; ns: Set<string> }[] = [];
  let roots = 0;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (badAmp.test(text)) fail("bare &", i);
    if (text.trim() && stack.length === 0) fail("text outside the root", i);
    if (lt < 0) break;
    const skip = (open: string, close: string) => {
      if (!xml.startsWith(open, lt)) return false;
      const end = xml.indexOf(close, lt);
      if (end < 0) fail(`unterminated ${open}`, lt);
      i = end + close.length;
      return true;
    };
    if (skip("<?", "?>") || skip("<!--", "-->") || skip("<![CDATA[", "]]>")) continue;
    tagRe.lastIndex = lt;
    const m = tagRe.exec(xml);
    if (!m) fail("malformed tag", lt);
    const [whole, closing, tag, attrText, selfClosing] = m!;
    if (closing) {
      if (stack.pop()?.tag !== tag) fail(`mismatched </${tag}>`, lt);
    } else {
      if (stack.length === 0 && roots++ > 0) fail("second root element", lt);
      const ns = new Set(stack.at(-1)?.ns ?? ["xml", "xmlns"]);
      const attrs = [...attrText.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)];
      for (const [, k, v1, v2] of attrs) {
        if (badAmp.test(v1 ?? v2)) fail("bare & in attribute", lt);
        if (k.startsWith("xmlns:")) ns.add(k.slice(6));
      }
      for (const qname of [tag, ...attrs.map((a) => a[1])]) {
        const p = qname.includes(":") ? qname.split(":")[0] : null;
        if (p && !ns.has(p)) fail(`undeclared prefix ${p}:`, lt);
      }
      if (new Set(attrs.map((a) => a[1])).size !== attrs.length) fail("duplicate attribute", lt);
      if (!selfClosing) stack.push({ tag, ns });
    }
    i = lt + whole.length;
  }
  if (stack.length) fail(`unclosed <${stack.at(-1)!.tag}>`, xml.length);
  if (roots !== 1) fail("no root element", 0);
}

function attrsOf(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:.-]+)="([^"]*)"/g)) out[m[1]] = unesc(m[2]);
  return out;
}

function resolve(source: string, target: string): string {
  if (target.startsWith("/")) return target.slice(1);
  const parts = source.split("/").slice(0, -1);
  for (const seg of target.split("/")) seg === ".." ? parts.pop() : parts.push(seg);
  return parts.join("/");
}

const relsPath = (part: string) => part.replace(/([^/]+)$/, "_rels/$1.rels");

async function relsOf(zip: JSZip, part: string): Promise<Record<string, string>[]> {
  const f = zip.file(relsPath(part));
  if (!f) return [];
  const xml = await f.async("string");
  return [...xml.matchAll(/<Relationship\s[^>]*>/g)].map((m) => attrsOf(m[0]));
}

/** Independent reader: sheet name -> worksheet part, via workbook.xml + rels. */
async function sheetPart(zip: JSZip, sheet: string): Promise<string> {
  const wb = await zip.file("xl/workbook.xml")!.async("string");
  const el = [...wb.matchAll(/<sheet\s[^>]*>/g)].map((m) => attrsOf(m[0])).find((a) => a.name === sheet);
  const rel = (await relsOf(zip, "xl/workbook.xml")).find((r) => r.Id === el?.["r:id"]);
  return resolve("xl/workbook.xml", rel!.Target);
}

/** The chart parts drawn on a sheet, in anchor order. */
async function chartsOn(zip: JSZip, sheet: string): Promise<{ drawing: string; charts: string[] }> {
  const part = await sheetPart(zip, sheet);
  const xml = await zip.file(part)!.async("string");
  const drawingEls: string[] = xml.match(/<drawing\s[^>]*>/g) ?? [];
  expect(drawingEls, `${sheet} has exactly one <drawing>`).toHaveLength(1);
  const rels = await relsOf(zip, part);
  const dRel = rels.find((r) => r.Id === attrsOf(drawingEls[0])["r:id"])!;
  expect(dRel.Type).toMatch(/\/relationships\/drawing$/);
  const drawing = resolve(part, dRel.Target);
  const dXml = await zip.file(drawing)!.async("string");
  const chartRels = await relsOf(zip, drawing);
  const charts = [...dXml.matchAll(/<c:chart\s[^>]*>/g)].map((m) => {
    const rel = chartRels.find((r) => r.Id === attrsOf(m[0])["r:id"])!;
    expect(rel.Type).toMatch(/\/relationships\/chart$/);
    return resolve(drawing, rel.Target);
  });
  return { drawing, charts };
}

const formulas = (chartXml: string) => [...chartXml.matchAll(/<c:f>([^<]*)<\/c:f>/g)].map((m) => unesc(m[1]));

const tmpDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "xlsx-charts-"));
  tmpDirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// ---- tests ---------------------------------------------------------------------------------

describe("addCharts", () => {
  it("writes drawing and chart parts with rels, content types and well-formed XML", async () => {
    const out = await addCharts(await fixture(), CHARTS);
    const zip = await JSZip.loadAsync(out);

    // Every XML part parses, and every internal relationship points at a real part.
    for (const name of Object.keys(zip.files).filter((n) => /\.(xml|rels)$/.test(n))) {
      const xml = await zip.file(name)!.async("string");
      assertWellFormed(xml, name);
      if (name.endsWith(".rels")) {
        const source = name.replace(/_rels\/([^/]+)\.rels$/, "$1");
        for (const rel of await relsOf(zip, source)) {
          if (rel.TargetMode === "External") continue;
          expect(zip.file(resolve(source, rel.Target)), `${name} -> ${rel.Target}`).not.toBeNull();
        }
      }
    }

    const types = await zip.file("[Content_Types].xml")!.async("string");
    const override = (part: string) => attrsOf(types.match(new RegExp(`<Override PartName="/${part}"[^>]*>`))?.[0] ?? "").ContentType;

    const kpis = await chartsOn(zip, KPIS);
    const data = await chartsOn(zip, DATA);
    expect(kpis.charts).toHaveLength(2);
    expect(data.charts).toHaveLength(1);
    for (const d of [kpis.drawing, data.drawing]) expect(override(d)).toBe("application/vnd.openxmlformats-officedocument.drawing+xml");
    for (const c of [...kpis.charts, ...data.charts]) expect(override(c)).toBe("application/vnd.openxmlformats-officedocument.drawingml.chart+xml");

    // The image's drawing is shared, not replaced, and shape ids stay unique.
    const kDrawing = await zip.file(kpis.drawing)!.async("string");
    expect(kDrawing.match(/<xdr:pic>/g)).toHaveLength(1);
    expect(kDrawing.match(/<xdr:graphicFrame\b/g)).toHaveLength(2);
    const ids = [...kDrawing.matchAll(/<xdr:cNvPr id="(\d+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(kDrawing).toContain("<xdr:from><xdr:col>9</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>5</xdr:row>");
    expect(kDrawing).toContain("<xdr:to><xdr:col>17</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>20</xdr:row>");

    // <drawing> sits where CT_Worksheet wants it: after pageSetup, before tableParts/legacyDrawing.
    const dataSheet = await zip.file(await sheetPart(zip, DATA))!.async("string");
    const pos = (s: string) => dataSheet.indexOf(s);
    expect(pos("<pageSetup")).toBeLessThan(pos("<drawing "));
    expect(pos("<drawing ")).toBeLessThan(pos("<tableParts"));
    expect(pos("<drawing ")).toBeLessThan(pos("<legacyDrawing"));

    // Series formulas, categories (text -> strRef, dates -> numRef), names and colours.
    const [c1, c2] = await Promise.all(kpis.charts.map((c) => zip.file(c)!.async("string")));
    const c3 = await zip.file(data.charts[0])!.async("string");
    expect(formulas(c1)).toEqual(["KPIs!$B$1:$M$1", "KPIs!$B$2:$M$2", "KPIs!$B$1:$M$1", "KPIs!$B$3:$M$3"]);
    expect(formulas(c2)).toEqual([
      "'St Mary''s Data'!$B$1:$M$1",
      "'St Mary''s Data'!$B$2:$M$2",
      "'St Mary''s Data'!$B$1:$M$1",
      "'St Mary''s Data'!$B$3:$M$3",
    ]);
    expect(formulas(c3)).toEqual(["'St Mary''s Data'!$B$1:$M$1", "'St Mary''s Data'!$B$4:$M$4"]);
    expect(c1).toContain("<c:cat><c:strRef>");
    expect(c3).toContain("<c:cat><c:numRef>");
    expect(c1).toContain("<c:tx><c:v>DNAs &lt;missed&gt;</c:v></c:tx>");
    expect(c1).toContain("<a:t>Appointments &amp; DNAs</a:t>");
    expect(c1).toContain('<a:srgbClr val="005EB8"/>');
    for (const c of [c1, c2, c3]) {
      expect(c).toMatch(/<c:lineChart>.*<c:marker val="1"\/><c:axId val="(\d+)"\/><c:axId val="(\d+)"\/><\/c:lineChart>/);
      expect(c).toContain("<c:plotVisOnly val=\"1\"/>");
    }

    // exceljs still reads the file, with data and the image intact.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(out as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual([KPIS, DATA]);
    expect(wb.getWorksheet(KPIS)!.getCell("M2").value).toBe(155);
    expect(wb.getWorksheet(KPIS)!.getImages()).toHaveLength(1);
  });

  it("a second build replaces its own charts on a sheet, keeps everything else, and part names never clash", async () => {
    const once = await addCharts(await fixture(), CHARTS);
    const twice = await addCharts(once, [CHARTS[2], { ...CHARTS[2], chart: { ...CHARTS[2].chart, title: "Spend again", anchor: R(30, 0, 15, 8) } }]);
    const zip = await JSZip.loadAsync(twice);
    const data = await chartsOn(zip, DATA);
    expect(data.charts).toHaveLength(2);
    expect(new Set(data.charts).size).toBe(2);
    // KPIs was not in this plan: its charts and image are as they were.
    expect((await chartsOn(zip, KPIS)).charts).toHaveLength(2);
    expect(Object.keys(zip.files).filter((n) => /^xl\/charts\/chart\d+\.xml$/.test(n))).toHaveLength(4);
    const kDrawing = await zip.file((await chartsOn(zip, KPIS)).drawing)!.async("string");
    expect(kDrawing.match(/<xdr:pic>/g)).toHaveLength(1);
    const dDrawing = await zip.file(data.drawing)!.async("string");
    expect(dDrawing).toContain('descr="Spend again"');
    expect(dDrawing.match(/name="PCN Toolkit chart \d+"/g)).toHaveLength(2);
  });

  it("rejects charts that plot a sheet that does not exist", async () => {
    const bad = { ...CHARTS[0].chart, categories: { sheet: "Gone", range: monthRow(0) } };
    await expect(addCharts(await fixture(), [{ sheet: KPIS, chart: bad }])).rejects.toThrow(/no sheet named "Gone"/);
  });

  // Its speed is the benchmark's to show (npm run bench): a timed assertion fails on a loaded machine.
  it("adds 100 charts to a 10,000-row workbook, its data intact", async () => {
    const wb = new ExcelJS.Workbook();
    const ledger = wb.addWorksheet("Ledger Data");
    for (let r = 0; r < 10_000; r++) ledger.addRow([`Row ${r}`, ...Array.from({ length: 12 }, (_, c) => r + c)]);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const charts = Array.from({ length: 100 }, (_, i) => ({
      sheet: "Ledger Data",
      chart: {
        type: "line" as const,
        title: `Chart ${i}`,
        anchor: R(i * 16, 14, 15, 8),
        categories: { sheet: "Ledger Data", range: monthRow(0) },
        series: [{ name: "Row", sheet: "Ledger Data", range: monthRow(i + 1) }],
      },
    }));
    const out = await addCharts(xlsx, charts);
    const zip = await JSZip.loadAsync(out);
    expect((await chartsOn(zip, "Ledger Data")).charts).toHaveLength(100);
    // The sheet's cells came through untouched.
    const back = new ExcelJS.Workbook();
    await back.xlsx.load(out as unknown as ExcelJS.Buffer);
    expect(back.getWorksheet("Ledger Data")!.actualRowCount).toBe(10_000);
    expect(back.getWorksheet("Ledger Data")!.getCell("M10000").value).toBe(9999 + 11);
  }, 60_000);

  it("opens in LibreOffice with every chart as a native line chart on the right data", async () => {
    const soffice = process.env.SOFFICE ?? "soffice";
    const probe = spawnSync(soffice, ["--version"], { encoding: "utf8", timeout: 30_000 });
    if (probe.error || probe.status !== 0) {
      throw new Error(
        `LibreOffice is required for this test but "${soffice} --version" failed (${probe.error?.message ?? probe.stderr}). ` +
          "Install it (apt-get install -y --no-install-recommends libreoffice-calc-nogui) or set SOFFICE to its path.",
      );
    }

    const dir = tempDir();
    const xlsxPath = join(dir, "charts.xlsx");
    writeFileSync(xlsxPath, await addCharts(await fixture(), CHARTS));
    const run = spawnSync(
      soffice,
      [`-env:UserInstallation=file://${join(dir, "lo")}`, "--headless", "--norestore", "--convert-to", "ods", "--outdir", dir, xlsxPath],
      { encoding: "utf8", timeout: 55_000 },
    );
    expect(run.status, `soffice failed: ${run.error?.message ?? ""}${run.stderr}`).toBe(0);

    const ods = await JSZip.loadAsync(readFileSync(join(dir, "charts.ods")));
    const content = await ods.file("content.xml")!.async("string");

    // Per sheet: the charts embedded there (draw:object -> "Object N" subdocument) and their ranges.
    const found: Record<string, { categories: string[]; values: string[] }[]> = {};
    for (const t of content.matchAll(/<table:table [^>]*>[\s\S]*?<\/table:table>/g)) {
      const name = attrsOf(t[0].slice(0, t[0].indexOf(">")))["table:name"];
      found[name] = [];
      for (const obj of t[0].matchAll(/<draw:object [^>]*>/g)) {
        const href = attrsOf(obj[0])["xlink:href"];
        expect(href).toMatch(/^\.\/Object \d+$/);
        const sub = await ods.file(`${href.slice(2)}/content.xml`)?.async("string");
        expect(sub, `${href} subdocument`).toBeDefined();
        const chartEls: string[] = sub!.match(/<chart:chart [^>]*>/g) ?? [];
        expect(chartEls).toHaveLength(1);
        expect(attrsOf(chartEls[0])["chart:class"]).toBe("chart:line");
        found[name].push({
          categories: [...sub!.matchAll(/<chart:categories [^>]*>/g)].map((m) => attrsOf(m[0])["table:cell-range-address"]),
          values: [...sub!.matchAll(/<chart:series [^>]*>/g)].map((m) => attrsOf(m[0])["chart:values-cell-range-address"]),
        });
      }
    }

    const q = "'St Mary''s Data'";
    const byFirstValue = (a: { values: string[] }, b: { values: string[] }) => a.values[0].localeCompare(b.values[0]);
    expect(found[KPIS].sort(byFirstValue)).toEqual(
      [
        { categories: ["KPIs.B1:KPIs.M1"], values: ["KPIs.B2:KPIs.M2", "KPIs.B3:KPIs.M3"] },
        { categories: [`${q}.B1:${q}.M1`], values: [`${q}.B2:${q}.M2`, `${q}.B3:${q}.M3`] },
      ].sort(byFirstValue),
    );
    expect(found[DATA]).toEqual([{ categories: [`${q}.B1:${q}.M1`], values: [`${q}.B4:${q}.M4`] }]);
  }, 60_000);
});
