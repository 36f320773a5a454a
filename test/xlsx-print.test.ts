// How our sheets print (SheetPlan.print), written by the offline writer: page setup, fit to width, header rows
// repeated, print area and page breaks, read back from the file (its XML, exceljs) and as LibreOffice sees
// it; rebuilt, ours follow the data and a person's own choices stay.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { listSheets, Package } from "../cli/xlsx/package";
import { MemorySink } from "../cli/xlsx/zip";
import { buildPlan } from "../core/workbook/build";
import type { PrintSettings, WritePlan } from "../core/workbook/plan";
import { disposeLibreOffice } from "./engines/libreoffice";
import { libreOffice } from "./engines/libreofficeEdits";
import { apply, open, snapshotOf } from "./offline";

const today = "2026-12-01";
const dir = mkdtempSync(join(tmpdir(), "pcn-print-"));
afterAll(async () => { await disposeLibreOffice(); rmSync(dir, { recursive: true, force: true }); });

/** The plan for `file` (null: new, the sample) with print settings on three sheets, as a spec would ask. */
function planWithPrint(file: Buffer | null, rows = 0): WritePlan {
  const plan = buildPlan(file ? snapshotOf(file) : { sheets: [] }, { sample: !file, today });
  const set = (name: string, print: PrintSettings) => { plan.sheets.find((s) => s.name === name)!.print = print; };
  set("Partnerships", { orientation: "landscape", fitToWidth: true, repeatRows: 1, area: { row: 0, col: 0, rows: 12 + rows, cols: 20 } });
  set("Practices", { orientation: "portrait", fitToWidth: false, repeatRows: 2, rowBreaks: [4, 8] });
  set("Budget", { orientation: "landscape", fitToWidth: true, area: { row: 0, col: 0, rows: 30, cols: 10 } });
  return plan;
}

const sheetXml = (file: Buffer, name: string) => {
  const pkg = Package.open(file, "test");
  return pkg.text(listSheets(pkg, "xl/workbook.xml").find((s) => s.name === name)!.part);
};
const names = (file: Buffer) => {
  const pkg = Package.open(file, "test");
  const order = listSheets(pkg, "xl/workbook.xml").map((s) => s.name);
  return [...pkg.text("xl/workbook.xml").matchAll(/<definedName name="(_xlnm\.Print_\w+)" localSheetId="(\d+)">([^<]*)</g)].map((m) => `${order[Number(m[2])]}: ${m[1]} ${m[3].replace(/&apos;/g, "'")}`).sort();
};
/** The file with the sheet's print area set to `text` in its workbook part, as Excel saves one. */
async function withName(file: Buffer, sheet: string, text: string): Promise<Buffer> {
  const pkg = Package.open(file, "test");
  const idx = listSheets(pkg, "xl/workbook.xml").findIndex((s) => s.name === sheet);
  const wb = pkg.text("xl/workbook.xml");
  const re = new RegExp(`<definedName\\b(?=[^>]*name="_xlnm.Print_Area")(?=[^>]*localSheetId="${idx}")[^>]*>[^<]*</definedName>`, "g");
  expect(wb.match(re)).toHaveLength(1);
  pkg.write("xl/workbook.xml", wb.replace(re, () => `<definedName name="_xlnm.Print_Area" localSheetId="${idx}">${text}</definedName>`));
  const sink = new MemorySink();
  await pkg.save(sink);
  return sink.buffer();
}
const save = (file: Buffer, name: string) => { const f = join(dir, name); writeFileSync(f, file); return f; };
const PRINT_QUERIES = (sheet: string) => [{ q: "landscape", sheet }, { q: "fitPages", sheet }, { q: "titleRows", sheet }, { q: "printArea", sheet }, { q: "rowBreaks", sheet }] as const;

describe("print settings in the offline writer", () => {
  it("a new workbook: page setup, fit to width, header rows, print area and breaks in the file, as exceljs and LibreOffice read them", async () => {
    const file = await apply(null, planWithPrint(null));
    const p = sheetXml(file, "Partnerships");
    expect(p).toMatch(/<sheetPr><pageSetUpPr fitToPage="1"\/><\/sheetPr>/);
    expect(p).toMatch(/<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"\/>/);
    // CT_Worksheet order: pageMargins, then pageSetup, then rowBreaks, then drawing.
    const pr = sheetXml(file, "Practices");
    expect(pr).toMatch(/<pageMargins[^>]*\/><pageSetup paperSize="9" orientation="portrait"\/><rowBreaks count="2" manualBreakCount="2"><brk id="4" max="16383" man="1"\/><brk id="8" max="16383" man="1"\/><\/rowBreaks>/);
    expect(pr).not.toMatch(/fitToPage/);
    expect(sheetXml(file, "Funding")).not.toMatch(/pageSetup|Print_/); // a sheet without settings: none
    expect(names(file)).toEqual([
      "Budget: _xlnm.Print_Area Budget!$A$1:$J$30",
      "Partnerships: _xlnm.Print_Area Partnerships!$A$1:$T$12",
      "Partnerships: _xlnm.Print_Titles Partnerships!$1:$1",
      "Practices: _xlnm.Print_Titles Practices!$1:$2",
    ]);
    const wb = await open(file);
    const ps = wb.getWorksheet("Partnerships")!.pageSetup;
    expect([ps.orientation, ps.fitToPage, ps.fitToWidth, ps.fitToHeight, ps.printArea, ps.printTitlesRow]).toEqual(["landscape", true, 1, 0, "A1:T12", "1:1"]);
    const [lo] = await libreOffice([{ file: save(file, "new.xlsx"), queries: [...PRINT_QUERIES("Partnerships"), ...PRINT_QUERIES("Practices")] }]);
    // LibreOffice: landscape, one page wide (any number tall), row 1 repeated, the area, no manual breaks.
    expect(lo.answers.slice(0, 5)).toEqual(["True", "1,0", "0,0", "0,0,19,11", ""]);
    expect(lo.answers.slice(5)).toEqual(["False", "0,0", "0,1", "", "4|8"]);
  }, 120_000);

  it("rebuilt: ours follow the data and change no byte when nothing moved; a person's orientation, print area and header rows stay", async () => {
    const first = await apply(null, planWithPrint(null));
    // A second build with nothing changed writes the same print settings.
    const same = await apply(first, planWithPrint(first));
    for (const s of ["Partnerships", "Practices", "Budget"]) expect(sheetXml(same, s).match(/<sheetPr[\s\S]*?<\/sheetPr>|<pageSetup[^>]*>|<rowBreaks[\s\S]*?<\/rowBreaks>/g)).toEqual(sheetXml(first, s).match(/<sheetPr[\s\S]*?<\/sheetPr>|<pageSetup[^>]*>|<rowBreaks[\s\S]*?<\/rowBreaks>/g));
    expect(names(same)).toEqual(names(first));
    // A person turns Practices landscape in LibreOffice and sets their own print area on Budget in another program
    // (LibreOffice itself saves a changed print area beside the one it read, so its file would hold both), as Excel
    // saves it.
    const edited = join(dir, "edited.xlsx");
    await libreOffice([{ file: save(first, "first.xlsx"), edits: [{ op: "landscape", sheet: "Practices" }], saveAs: edited }]);
    const theirs = await withName(readFileSync(edited), "Budget", "Budget!$B$2:$D$9");
    // The data grew: our print area on Partnerships follows it (same columns and top row: ours).
    const rebuilt = await apply(theirs, planWithPrint(theirs, 5));
    const [lo] = await libreOffice([{ file: save(rebuilt, "rebuilt.xlsx"), queries: [...PRINT_QUERIES("Partnerships"), ...PRINT_QUERIES("Practices"), { q: "printArea", sheet: "Budget" }] }]);
    expect([lo.answers[0], lo.answers[2], lo.answers[3]]).toEqual(["True", "0,0", "0,0,19,16"]);
    expect(lo.answers[5]).toBe("True"); // their landscape
    expect(lo.answers[7]).toBe("0,1"); // header rows as they were
    expect(lo.answers[9]).toBe("4|8"); // our breaks
    expect(lo.answers[10]).toBe("1,1,3,8"); // their print area
  }, 180_000);
});
