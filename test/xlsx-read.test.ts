// The offline reader on the shapes real files take: what Excel, LibreOffice and other writers put in the XML
// (shared formulas, inline and rich text, phonetic runs, ISO dates, cells and rows without references, a
// prefixed namespace, used-range claims, styled empty cells far away), read into exactly what the cells hold.
import { describe, expect, it } from "vitest";
import { readWorkbookBuffer } from "../cli/workbookFile";
import { shiftFormula } from "../cli/xlsx/read";
import { CT, NS, Package, REL, XML_DECL } from "../cli/xlsx/package";
import { MemorySink } from "../cli/xlsx/zip";
import { isoToSerial } from "../core/workbook/plan";

/** A package with one worksheet whose XML is given, and an optional shared string table. */
async function workbook(sheetXml: string, sst?: string[]): Promise<Buffer> {
  const parts = new Map<string, string>([
    ["[Content_Types].xml", `${XML_DECL}<Types xmlns="${NS.ct}"><Default Extension="rels" ContentType="${CT.rels}"/><Default Extension="xml" ContentType="${CT.xml}"/><Override PartName="/xl/workbook.xml" ContentType="${CT.workbook}"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="${CT.worksheet}"/><Override PartName="/xl/styles.xml" ContentType="${CT.styles}"/></Types>`],
    ["_rels/.rels", `${XML_DECL}<Relationships xmlns="${NS.pkgRel}"><Relationship Id="rId1" Type="${REL.officeDocument}" Target="xl/workbook.xml"/></Relationships>`],
    ["xl/workbook.xml", `${XML_DECL}<workbook xmlns="${NS.main}" xmlns:r="${NS.rel}"><sheets><sheet name="Data &amp; more" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    ["xl/_rels/workbook.xml.rels", `${XML_DECL}<Relationships xmlns="${NS.pkgRel}"><Relationship Id="rId1" Type="${REL.worksheet}" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL.styles}" Target="styles.xml"/>${sst ? `<Relationship Id="rId3" Type="${REL.sharedStrings}" Target="sharedStrings.xml"/>` : ""}</Relationships>`],
    ["xl/styles.xml", `${XML_DECL}<styleSheet xmlns="${NS.main}"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><fonts count="1"><font/></fonts><fills count="2"><fill/><fill/></fills><borders count="1"><border/></borders><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs></styleSheet>`],
    ["xl/worksheets/sheet1.xml", sheetXml],
  ]);
  if (sst) parts.set("xl/sharedStrings.xml", `${XML_DECL}<sst xmlns="${NS.main}" count="${sst.length}" uniqueCount="${sst.length}">${sst.join("")}</sst>`);
  const sink = new MemorySink();
  await Package.create(parts).save(sink);
  return sink.buffer();
}

const sheet = (data: string, before = "", prefix = "") =>
  `${XML_DECL}<${prefix}worksheet xmlns${prefix ? ":" + prefix.slice(0, -1) : ""}="${NS.main}">${before}<${prefix}sheetData>${data}</${prefix}sheetData></${prefix}worksheet>`;

describe("the reader", () => {
  it("reads each kind of cell as it is", async () => {
    const file = await workbook(sheet(
      `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><r><t>in</t></r><r><rPr><b/></rPr><t xml:space="preserve">line </t></r></is></c><c r="D1" t="b"><v>1</v></c><c r="E1" t="e"><v>#N/A</v></c></row>` +
      `<row r="2"><c r="A2"><v>1.5</v></c><c r="B2" t="d"><v>2026-04-01T00:00:00</v></c><c r="C2" s="1"><v>46113</v></c><c r="D2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="E2" t="s"><v>2</v></c></row>`,
    ), [
      "<si><t>plain &amp; simple</t></si>",
      "<si><r><t>rich </t></r><r><t>text</t></r><rPh sb=\"0\" eb=\"1\"><t>PHONETIC</t></rPh></si>",
      "<si><t>_x005F_x0041_ and _x000D_</t></si>",
    ]);
    const s = readWorkbookBuffer(file).snapshot.sheets[0];
    expect(s.name).toBe("Data & more");
    expect(s.values).toEqual([
      ["plain & simple", "rich text", "inline ", true, "#N/A"],
      [1.5, isoToSerial("2026-04-01"), 46113, "ab", "_x0041_ and \r"],
    ]);
    expect(s.formulas[1][3]).toBe('="a"&"b"');
  });

  it("shared formulas read as they are in each cell (relative parts move, absolute and quoted parts stay)", async () => {
    const file = await workbook(sheet(
      `<row r="2"><c r="C2"><f t="shared" ref="C2:D4" si="0">A2*$B$1+SUM(A$1:A2)+'My sheet'!A2+LOG10(A2)&amp;"A2"</f><v>1</v></c><c r="D2"><f t="shared" si="0"/><v>1</v></c></row>` +
      `<row r="4"><c r="D4"><f t="shared" si="0"/><v>1</v></c></row>`,
    ));
    const f = readWorkbookBuffer(file).snapshot.sheets[0].formulas;
    expect(f[1][2]).toBe(`=A2*$B$1+SUM(A$1:A2)+'My sheet'!A2+LOG10(A2)&"A2"`);
    expect(f[1][3]).toBe(`=B2*$B$1+SUM(B$1:B2)+'My sheet'!B2+LOG10(B2)&"A2"`);
    expect(f[3][3]).toBe(`=B4*$B$1+SUM(B$1:B4)+'My sheet'!B4+LOG10(B4)&"A2"`);
    expect(shiftFormula("Arrs_M1+M1+Table1[Col A1]", 1, 0)).toBe("Arrs_M1+M2+Table1[Col A1]");
  });

  it("is bounded by what the cells hold: no used-range claim, styled empty cell or empty row is visited as content", async () => {
    const file = await workbook(sheet(
      `<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="2"/></row>` +
      `<row r="5000"><c r="AZ5000" t="inlineStr"><is><t>stray</t></is></c><c r="BA5000" s="1"/></row>` +
      `<row r="1048576" ht="12.8" customHeight="1"></row>`,
      `<dimension ref="A1:XFD1048576"/>`,
    ));
    const wb = readWorkbookBuffer(file);
    expect(wb.stats).toEqual({ rows: 3, cells: 4 });
    const s = wb.snapshot.sheets[0];
    expect(s.values.length).toBe(5000);
    expect(s.values[0]).toEqual([1]);
    expect(s.values[4999].length).toBe(52);
    expect(s.values[4999][51]).toBe("stray");
    expect(s.values.slice(1, 4999).every((r) => r.length === 0)).toBe(true);
  });

  it("reads rows and cells that leave out their references, and a worksheet in a prefixed namespace", async () => {
    const file = await workbook(sheet(`<x:row><x:c><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c></x:row><x:row r="3"><x:c r="B3"><x:v>3</x:v></x:c><x:c><x:v>4</x:v></x:c></x:row>`, "", "x:"));
    expect(readWorkbookBuffer(file).snapshot.sheets[0].values).toEqual([[1, 2], [], [null, 3, 4]]);
  });
});
