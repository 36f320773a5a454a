// Everything a person added that the product did not make survives an offline rebuild exactly. A workbook is
// edited in another program (exceljs) and then given what neither exceljs nor LibreOffice make on demand
// (sparklines, a part no spreadsheet program knows), as Excel would leave them; it is rebuilt twice.
// Every part the rebuild has no reason to change is copied byte for byte (its stored, compressed bytes);
// in our own sheets, the person's frozen panes, widths, number formats, rules, merges, links, notes and hidden
// rows stay; a second rebuild changes nothing at all.
import ExcelJS from "exceljs";
import { beforeAll, describe, expect, it } from "vitest";
import { listSheets, Package } from "../cli/xlsx/package";
import { ZipReader } from "../cli/xlsx/zip";
import { buildPlan } from "../core/workbook/build";
import { edit, rebuild, snapshotOf } from "./offline";

const today = "2026-03-01";
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
const SPARKLINES = `<ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:sparklineGroup displayEmptyCellsAs="gap"><x14:colorSeries rgb="FF376092"/><x14:sparklines><x14:sparkline><xm:f>KPIs!K2:V2</xm:f><xm:sqref>Z2</xm:sqref></x14:sparkline></x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext>`;
const FILTER = `<filterColumn colId="2"><filters><filter val="Memorandum of understanding"/></filters></filterColumn>`;
// Excel 2010+ moves list validations that point at another sheet into an extension when it saves: ours there
// (error title "PCN Toolkit") are replaced like the others, a person's stay.
const X14_VALIDATIONS = (ours: boolean) => `<ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="${ours ? 2 : 1}" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">${ours ? `<x14:dataValidation type="list" allowBlank="1" showErrorMessage="1" errorTitle="PCN Toolkit" error="Choose a value from Practices."><x14:formula1><xm:f>Practices!$A$2:$A$17</xm:f></x14:formula1><xm:sqref>BI2:BI9</xm:sqref></x14:dataValidation>` : ""}<x14:dataValidation type="list" allowBlank="1" errorTitle="Theirs x14"><x14:formula1><xm:f>'Budget notes'!$A$2:$A$5</xm:f></x14:formula1><xm:sqref>BM2:BM9</xm:sqref></x14:dataValidation></x14:dataValidations></ext>`;
const CUSTOM = `<?xml version="1.0" encoding="UTF-8"?><theirs xmlns="urn:example:their-add-in"><setting name="colour">teal</setting></theirs>`;

/** Adds raw XML as Excel would: a sparkline group in a sheet's extensions, and a part of an add-in's own. */
function excelExtras(file: Buffer): Promise<Buffer> {
  const pkg = Package.open(file, "test");
  const sheets = listSheets(pkg, "xl/workbook.xml");
  for (const name of ["KPIs", "Budget notes"]) {
    const part = sheets.find((s) => s.name === name)!.part;
    const xml = pkg.text(part);
    const at = xml.lastIndexOf("</worksheet>");
    const ext = xml.includes("<extLst>") ? xml.replace("</extLst>", `${SPARKLINES}</extLst>`) : xml.slice(0, at) + `<extLst>${SPARKLINES}</extLst>` + xml.slice(at);
    pkg.write(part, ext);
  }
  // A filter a person set on our table (Excel keeps its criteria inside the autoFilter element).
  const pPart = sheets.find((s) => s.name === "Partnerships")!.part;
  let px = pkg.text(pPart).replace(/<autoFilter ref="([^"]+)"\/>/, `<autoFilter ref="$1">${FILTER}</autoFilter>`);
  px = px.includes("<extLst>") ? px.replace("</extLst>", `${X14_VALIDATIONS(true)}</extLst>`) : px.replace("</worksheet>", `<extLst>${X14_VALIDATIONS(true)}</extLst></worksheet>`);
  pkg.write(pPart, px);
  pkg.write("xl/theirAddIn/settings.xml", CUSTOM);
  pkg.rels("xl/workbook.xml").add("urn:example:their-add-in/settings", "xl/theirAddIn/settings.xml");
  pkg.contentTypes().override("xl/theirAddIn/settings.xml", "application/xml");
  return (async () => {
    const { MemorySink } = await import("../cli/xlsx/zip");
    const sink = new MemorySink();
    await pkg.save(sink);
    return sink.buffer();
  })();
}

let before: Buffer;
let once: Buffer;
let twice: Buffer;
beforeAll(async () => {
  const sample = (await rebuild(null, { sample: true, today })).file;
  const edited = await edit(sample, (wb) => {
    const p = wb.getWorksheet("Partnerships")!;
    p.views = [{ state: "frozen", xSplit: 1, ySplit: 2 }];
    p.getColumn(2).width = 50;
    for (let r = 2; r <= 10; r++) p.getCell(r, 11).numFmt = "0.00";
    p.addConditionalFormatting({ ref: "B2:B30", rules: [{ type: "expression", priority: 99, formulae: ["LEN(B2)>30"], style: { fill: { type: "pattern", pattern: "solid", bgColor: { argb: "FFFF0000" } } } }] });
    p.getCell("BK1").value = { text: "Their link", hyperlink: "https://www.nhs.uk/" };
    for (let r = 2; r <= 20; r++) p.getCell(r, 63).dataValidation = { type: "list", allowBlank: true, formulae: ['"Low,High"'], showErrorMessage: true, errorTitle: "Theirs", error: "Low or High" };
    p.mergeCells("BK30:BL31");
    p.getCell("B3").note = "Their note on a partner";
    p.properties.tabColor = { argb: "FF00B050" };
    p.getRow(8).hidden = true;
    p.getColumn(5).hidden = true;
    p.pageSetup = { ...p.pageSetup, orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0 } as ExcelJS.PageSetup;
    const own = wb.addWorksheet("Budget notes", { properties: { tabColor: { argb: "FFFF0000" } } });
    own.getCell("A1").value = "Quarter";
    own.getCell("B1").value = "Spend";
    for (let r = 2; r <= 5; r++) { own.getCell(r, 1).value = `Q${r - 1}`; own.getCell(r, 2).value = r * 1000; own.getCell(r, 2).numFmt = '"£"#,##0'; }
    own.getCell("C2").value = { formula: "SUM(B2:B5)" };
    own.mergeCells("D1:E2");
    own.getCell("A7").note = "Their note";
    own.views = [{ state: "frozen", ySplit: 1 }];
    own.pageSetup = { orientation: "landscape", printArea: "A1:E10" } as ExcelJS.PageSetup;
    own.addImage(wb.addImage({ buffer: PNG as unknown as ExcelJS.Buffer, extension: "png" }), "G2:H4");
    wb.definedNames.add("'Budget notes'!$C$2", "TheirTotal");
  });
  before = await excelExtras(edited);
  once = (await rebuild(before, { sample: true, today })).file;
  twice = (await rebuild(once, { sample: true, today })).file;
});

describe("a rebuild copies what it does not own byte for byte", () => {
  it("every part outside our sheets, names and styles is stored unchanged", () => {
    const a = new ZipReader(before, "before");
    const b = new ZipReader(once, "after");
    const pkg = Package.open(before, "before");
    const sheets = listSheets(pkg, "xl/workbook.xml");
    const plan = buildPlan(snapshotOf(before), { sample: true, today });
    const ourSheets = new Set(plan.sheets.map((s) => sheets.find((x) => x.name === s.name)?.part).filter(Boolean) as string[]);
    const ourDrawings = new Set([...ourSheets].flatMap((p) => pkg.rels(p).byType("http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing").map((r) => r.target))
      .filter((d) => plan.sheets.some((s) => s.charts.length && sheets.find((x) => x.name === s.name)?.part && pkg.rels(sheets.find((x) => x.name === s.name)!.part).byType("http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing")[0]?.target === d)));
    const ours = (n: string) =>
      ["xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"].includes(n) ||
      ourSheets.has(n) || [...ourSheets].some((p) => n === p.replace(/([^/]+)$/, "_rels/$1.rels")) ||
      ourDrawings.has(n) || [...ourDrawings].some((d) => n === d.replace(/([^/]+)$/, "_rels/$1.rels")) || /^xl\/charts\//.test(n);
    const kept = a.order.filter((n) => !ours(n));
    // The person's sheet, its image, drawing, notes (comments and their VML), the add-in's part, shared strings...
    expect(kept).toEqual(expect.arrayContaining(["xl/theirAddIn/settings.xml", "xl/sharedStrings.xml"]));
    expect(kept.filter((n) => /^xl\/media\//.test(n)).length).toBeGreaterThan(0);
    expect(kept.filter((n) => /comments/.test(n)).length).toBeGreaterThanOrEqual(2);
    const theirSheet = sheets.find((s) => s.name === "Budget notes")!.part;
    expect(kept).toContain(theirSheet);
    for (const n of kept) {
      expect(b.has(n), n).toBe(true);
      expect(b.raw(b.entries.get(n)!).equals(a.raw(a.entries.get(n)!)), `${n} stored as it was`).toBe(true);
    }
  });

  it("a second rebuild changes nothing: no rule, style, name or chart is added twice", () => {
    const a = new ZipReader(once, "once");
    const b = new ZipReader(twice, "twice");
    expect(b.order).toEqual(a.order);
    for (const n of a.order) expect(b.read(n).equals(a.read(n)), n).toBe(true);
  });
});

describe("in our own sheets, what the person set stays", () => {
  const part = (file: Buffer, sheet: string) => {
    const pkg = Package.open(file, "t");
    return pkg.text(listSheets(pkg, "xl/workbook.xml").find((s) => s.name === sheet)!.part);
  };

  it("frozen panes, widths, hidden rows and columns, number formats, their conditional format, validation, merge, link, note, tab colour, print settings, filter", () => {
    const x = part(once, "Partnerships");
    expect(x).toMatch(/<pane xSplit="1" ySplit="2"[^>]*state="frozen"/);
    expect(x).toMatch(/<col min="2" max="2" width="50"/);
    expect(x).toContain("LEN(B2)&gt;30");
    expect(x).toMatch(/errorTitle="Theirs"/);
    expect(x).toContain('<mergeCell ref="BK30:BL31"/>');
    expect(x).toMatch(/<hyperlink ref="BK1" r:id="rId\d+"\/>/);
    expect(x).toMatch(/<legacyDrawing r:id="rId\d+"\/>/);
    expect(x).toMatch(/<tabColor rgb="FF00B050"\/>/);
    expect(x).toMatch(/<row r="8"[^>]*hidden="1"/);
    expect(x).toMatch(/<col min="5" max="5"[^>]*hidden="1"/);
    expect(x).toMatch(/<pageSetup [^>]*orientation="landscape"/);
    expect(x).toMatch(new RegExp(`<autoFilter ref="A1:[A-Z]+\\d+">${FILTER}</autoFilter>`));
    // Ours are still there too: our validation, our conditional formats, and our formulas in every row.
    expect(x).toMatch(/errorTitle="PCN Toolkit"/);
    expect((x.match(/<conditionalFormatting /g) ?? []).length).toBeGreaterThan(1);
    // The number format they set on our money column wins over ours.
    const snap = snapshotOf(once).sheets.find((s) => s.name === "Partnerships")!;
    expect(snap.values[1][10]).toBe(snapshotOf(before).sheets.find((s) => s.name === "Partnerships")!.values[1][10]);
    const styles = new ZipReader(once, "t").text("xl/styles.xml");
    const k2 = /<c r="K2" s="(\d+)"/.exec(x)![1];
    const xf = [...styles.slice(styles.indexOf("<cellXfs")).matchAll(/<xf [^>]*?numFmtId="(\d+)"/g)][Number(k2)][1];
    expect(xf).toBe("2"); // "0.00"
  });

  it("validations in an extension: ours are replaced (never doubled), a person's stay exactly", () => {
    expect(part(before, "Partnerships")).toContain(X14_VALIDATIONS(true));
    expect(part(once, "Partnerships")).toContain(X14_VALIDATIONS(false));
    expect(part(twice, "Partnerships")).toContain(X14_VALIDATIONS(false));
  });

  it("sparklines in our sheet's extensions stay exactly as Excel wrote them", () => {
    expect(part(once, "KPIs")).toContain(SPARKLINES);
    expect(part(twice, "KPIs")).toContain(SPARKLINES);
  });

  it("their names and print area stay, beside ours", () => {
    const wb = new ZipReader(twice, "t").text("xl/workbook.xml");
    // As exceljs wrote them (entities and all).
    expect(wb).toMatch(/<definedName name="TheirTotal">&apos;Budget notes&apos;!\$C\$2<\/definedName>/);
    expect(wb).toMatch(/<definedName name="_xlnm.Print_Area" localSheetId="\d+">&apos;Budget notes&apos;!\$A1:\$E10<\/definedName>/);
    expect(wb).toMatch(/<definedName name="Partnership_Ref">/);
  });
});
