/**
 * A person's edits, made by a real spreadsheet application: LibreOffice, headless, driven by a StarBasic
 * macro written into this worker's profile and run as `soffice --headless macro:///Standard.Module1.Main`.
 *
 * Basic rather than the Python UNO bridge: it ships with libreoffice-calc-nogui (Debian's python3-uno is a
 * separate package CI would have to install), and every edit below is a UNO call either way.
 *
 *   const [a, b] = await libreOffice([
 *     { file: "in.xlsx", edits: [{ op: "deleteRows", sheet: "Budget", row: 3 }], saveAs: "edited.xlsx" },
 *     { file: "other.xlsx", queries: [{ q: "charts", sheet: "KPI Charts" }] },
 *   ]);
 *   a.answers, b.answers  // one string per query, as LibreOffice sees the file
 *
 * One call is one soffice start (about a second with a warm profile), whatever the number of jobs: batch the
 * edits of a test file into as few calls as its steps allow. Each job opens its file, makes its edits in order,
 * answers its queries (after the edits), then saves as .xlsx ("Calc MS Excel 2007 XML") if `saveAs` is given.
 * Rows, columns and sizes follow LibreOffice: rows 1-based as a person sees them, columns 0-based indexes,
 * lengths in 1/100 mm. A failing edit fails the call with the job, the line and LibreOffice's message.
 *
 * What LibreOffice cannot do headless: change frozen panes (a hidden document has no view to freeze, and it
 * saves every sheet's view unfrozen).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withSoffice, type LoOptions } from "./libreoffice";

export type LoEdit =
  | { op: "deleteRows"; sheet: string; row: number; count?: number }
  | { op: "insertRows"; sheet: string; row: number; count?: number }
  | { op: "deleteColumns"; sheet: string; col: number; count?: number }
  | { op: "setNumber"; sheet: string; cell: string; value: number }
  /** Text as typed or pasted: into a number cell it stays text. */
  | { op: "setText"; sheet: string; cell: string; text: string }
  | { op: "setFormula"; sheet: string; cell: string; formula: string }
  | { op: "clear"; sheet: string; range: string }
  /** Sorts a range with a header row by one of its columns (0-based within the range). */
  | { op: "sort"; sheet: string; range: string; column: number; descending?: boolean }
  | { op: "addChart"; sheet: string; name: string; dataSheet?: string; range: string; x: number; y: number; width: number; height: number }
  | { op: "addImage"; sheet: string; name: string; png: string; x: number; y: number; width: number; height: number }
  | { op: "addNote"; sheet: string; cell: string; text: string }
  | { op: "merge"; sheet: string; range: string }
  | { op: "renameSheet"; sheet: string; to: string }
  | { op: "deleteSheet"; sheet: string }
  | { op: "insertSheet"; sheet: string }
  /** A conditional format by formula, with one of LibreOffice's cell styles ("Bad", "Good", "Accent 1", ...). */
  | { op: "addCondition"; sheet: string; range: string; formula: string; style: string }
  | { op: "addListValidation"; sheet: string; range: string; items: string[]; title: string }
  | { op: "addLink"; sheet: string; cell: string; url: string; text: string }
  | { op: "tabColor"; sheet: string; rgb: number }
  | { op: "hideRows"; sheet: string; row: number; count?: number }
  | { op: "hideColumn"; sheet: string; col: number }
  | { op: "numberFormat"; sheet: string; range: string; format: string }
  | { op: "columnWidth"; sheet: string; col: number; width: number }
  /** A workbook-level name; `ref` in LibreOffice's syntax, e.g. "$Budget.$A$2:$A$9". */
  | { op: "addName"; name: string; ref: string }
  | { op: "printArea"; sheet: string; range: string }
  | { op: "landscape"; sheet: string };

export type LoQuery =
  /** Names of the charts on a sheet, "|"-separated. */
  | { q: "charts"; sheet: string }
  /** Every drawing object on a sheet as "type:name", "|"-separated (charts, images, shapes). */
  | { q: "shapes"; sheet: string }
  /** Cell notes as "A1=text", "|"-separated. */
  | { q: "notes"; sheet: string }
  | { q: "tabColor"; sheet: string }
  | { q: "rowHidden"; sheet: string; row: number }
  | { q: "columnHidden"; sheet: string; col: number }
  | { q: "merged"; sheet: string; range: string }
  /** "type|formula1|error title" of a cell's validation (type 0 is none). */
  | { q: "validation"; sheet: string; cell: string }
  /** Formulas of a cell's conditional formats, "|"-separated. */
  | { q: "conditions"; sheet: string; cell: string }
  /** URLs of the links in a cell, "|"-separated. */
  | { q: "links"; sheet: string; cell: string }
  | { q: "numberFormat"; sheet: string; cell: string }
  | { q: "columnWidth"; sheet: string; col: number }
  | { q: "names" }
  | { q: "sheets" }
  | { q: "string"; sheet: string; cell: string }
  | { q: "formula"; sheet: string; cell: string }
  | { q: "printArea"; sheet: string }
  | { q: "landscape"; sheet: string }
  /** "first,last" 0-based rows repeated at the top of each printed page, or "" when none. */
  | { q: "titleRows"; sheet: string }
  /** "pages wide,pages tall" the sheet's page style scales to (0: no limit). */
  | { q: "fitPages"; sheet: string }
  /** 0-based rows that start a page by a manual break, "|"-separated. */
  | { q: "rowBreaks"; sheet: string };

export interface LoJob {
  file: string;
  edits?: LoEdit[];
  queries?: LoQuery[];
  /** Save as .xlsx (or with `filter`, e.g. "calc8" for .ods) after the edits. */
  saveAs?: string;
  filter?: string;
  /** Also save as flat ODS after a full recalculation (read it with parseFods) to check every computed value. */
  saveFods?: string;
}
export interface LoResult { answers: string[] }

/** A Basic string expression for any JS string (control characters and quotes included). */
export function basicString(s: string): string {
  if (s === "") return '""';
  const parts: string[] = [];
  let run = "";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code < 32 || code === 34 || code > 0xffff) {
      if (run) parts.push(`"${run}"`);
      run = "";
      if (code > 0xffff) {
        const hi = 0xd800 + ((code - 0x10000) >> 10), lo = 0xdc00 + ((code - 0x10000) & 0x3ff);
        parts.push(`Chr(${hi})`, `Chr(${lo})`);
      } else parts.push(code === 34 ? 'Chr(34)' : `Chr(${code})`);
    } else run += ch;
  }
  if (run) parts.push(`"${run}"`);
  return parts.join(" & ");
}

const S = basicString;

function editCall(e: LoEdit): string {
  switch (e.op) {
    case "deleteRows": return `Sh(oDoc, ${S(e.sheet)}).Rows.removeByIndex(${e.row - 1}, ${e.count ?? 1})`;
    case "insertRows": return `Sh(oDoc, ${S(e.sheet)}).Rows.insertByIndex(${e.row - 1}, ${e.count ?? 1})`;
    case "deleteColumns": return `Sh(oDoc, ${S(e.sheet)}).Columns.removeByIndex(${e.col}, ${e.count ?? 1})`;
    case "setNumber": return `Sh(oDoc, ${S(e.sheet)}).getCellRangeByName(${S(e.cell)}).Value = ${e.value}`;
    case "setText": return `Sh(oDoc, ${S(e.sheet)}).getCellRangeByName(${S(e.cell)}).String = ${S(e.text)}`;
    case "setFormula": return `Sh(oDoc, ${S(e.sheet)}).getCellRangeByName(${S(e.cell)}).Formula = ${S(e.formula)}`;
    case "clear": return `Sh(oDoc, ${S(e.sheet)}).getCellRangeByName(${S(e.range)}).clearContents(1 + 2 + 4 + 16)`;
    case "sort": return `SortRange(oDoc, ${S(e.sheet)}, ${S(e.range)}, ${e.column}, ${e.descending ? "False" : "True"})`;
    case "addChart": return `AddChart(oDoc, ${S(e.sheet)}, ${S(e.name)}, ${S(e.dataSheet ?? e.sheet)}, ${S(e.range)}, ${e.x}, ${e.y}, ${e.width}, ${e.height})`;
    case "addImage": return `AddImage(oDoc, ${S(e.sheet)}, ${S(e.name)}, ${S(e.png)}, ${e.x}, ${e.y}, ${e.width}, ${e.height})`;
    case "addNote": return `AddNote(oDoc, ${S(e.sheet)}, ${S(e.cell)}, ${S(e.text)})`;
    case "merge": return `Sh(oDoc, ${S(e.sheet)}).getCellRangeByName(${S(e.range)}).merge(True)`;
    case "renameSheet": return `Sh(oDoc, ${S(e.sheet)}).Name = ${S(e.to)}`;
    case "deleteSheet": return `oDoc.Sheets.removeByName(${S(e.sheet)})`;
    case "insertSheet": return `oDoc.Sheets.insertNewByName(${S(e.sheet)}, oDoc.Sheets.Count)`;
    case "addCondition": return `AddCondition(oDoc, ${S(e.sheet)}, ${S(e.range)}, ${S(e.formula)}, ${S(e.style)})`;
    case "addListValidation": return `AddListValidation(oDoc, ${S(e.sheet)}, ${S(e.range)}, ${S(e.items.map((i) => `"${i.replace(/"/g, '""')}"`).join(";"))}, ${S(e.title)})`;
    case "addLink": return `AddLink(oDoc, ${S(e.sheet)}, ${S(e.cell)}, ${S(e.url)}, ${S(e.text)})`;
    case "tabColor": return `Sh(oDoc, ${S(e.sheet)}).TabColor = ${e.rgb}`;
    case "hideRows": return `HideRows(oDoc, ${S(e.sheet)}, ${e.row}, ${e.count ?? 1})`;
    case "hideColumn": return `Sh(oDoc, ${S(e.sheet)}).Columns.getByIndex(${e.col}).IsVisible = False`;
    case "numberFormat": return `SetNumberFormat(oDoc, ${S(e.sheet)}, ${S(e.range)}, ${S(e.format)})`;
    case "columnWidth": return `Sh(oDoc, ${S(e.sheet)}).Columns.getByIndex(${e.col}).Width = ${e.width}`;
    case "addName": return `AddName(oDoc, ${S(e.name)}, ${S(e.ref)})`;
    case "printArea": return `PrintArea(oDoc, ${S(e.sheet)}, ${S(e.range)})`;
    case "landscape": return `Landscape(oDoc, ${S(e.sheet)})`;
  }
}

function queryCall(q: LoQuery): string {
  switch (q.q) {
    case "charts": return `Join(Sh(oDoc, ${S(q.sheet)}).Charts.ElementNames, "|")`;
    case "shapes": return `QShapes(oDoc, ${S(q.sheet)})`;
    case "notes": return `QNotes(oDoc, ${S(q.sheet)})`;
    case "tabColor": return `CStr(Sh(oDoc, ${S(q.sheet)}).TabColor)`;
    case "rowHidden": return `CStr(Not Sh(oDoc, ${S(q.sheet)}).Rows.getByIndex(${q.row - 1}).IsVisible)`;
    case "columnHidden": return `CStr(Not Sh(oDoc, ${S(q.sheet)}).Columns.getByIndex(${q.col}).IsVisible)`;
    case "merged": return `CStr(Sh(oDoc, ${S(q.sheet)}).getCellRangeByName(${S(q.range)}).getIsMerged())`;
    case "validation": return `QValidation(oDoc, ${S(q.sheet)}, ${S(q.cell)})`;
    case "conditions": return `QConditions(oDoc, ${S(q.sheet)}, ${S(q.cell)})`;
    case "links": return `QLinks(oDoc, ${S(q.sheet)}, ${S(q.cell)})`;
    case "numberFormat": return `oDoc.NumberFormats.getByKey(Sh(oDoc, ${S(q.sheet)}).getCellRangeByName(${S(q.cell)}).NumberFormat).FormatString`;
    case "columnWidth": return `CStr(Sh(oDoc, ${S(q.sheet)}).Columns.getByIndex(${q.col}).Width)`;
    case "names": return `Join(oDoc.NamedRanges.ElementNames, "|")`;
    case "sheets": return `Join(oDoc.Sheets.ElementNames, "|")`;
    case "string": return `Sh(oDoc, ${S(q.sheet)}).getCellRangeByName(${S(q.cell)}).String`;
    case "formula": return `Sh(oDoc, ${S(q.sheet)}).getCellRangeByName(${S(q.cell)}).Formula`;
    case "printArea": return `QPrintArea(oDoc, ${S(q.sheet)})`;
    case "landscape": return `CStr(oDoc.StyleFamilies.getByName("PageStyles").getByName(Sh(oDoc, ${S(q.sheet)}).PageStyle).IsLandscape)`;
    case "titleRows": return `QTitleRows(oDoc, ${S(q.sheet)})`;
    case "fitPages": return `QFitPages(oDoc, ${S(q.sheet)})`;
    case "rowBreaks": return `QRowBreaks(oDoc, ${S(q.sheet)})`;
  }
}

// The library every job uses. Results are written as hex UTF-16 code units so any text survives Basic's
// file encoding.
const LIBRARY = `
Function Sh(oDoc, name)
  Sh = oDoc.Sheets.getByName(name)
End Function

Function OpenDoc(path)
  Dim a(0) As New com.sun.star.beans.PropertyValue
  a(0).Name = "Hidden"
  a(0).Value = True
  OpenDoc = StarDesktop.loadComponentFromURL(ConvertToURL(path), "_blank", 0, a())
End Function

Sub SaveAs(oDoc, path, filter)
  Dim a(0) As New com.sun.star.beans.PropertyValue
  a(0).Name = "FilterName"
  a(0).Value = filter
  oDoc.storeToURL(ConvertToURL(path), a())
End Sub

Function Hex4(s)
  Dim acc As String, i As Long
  acc = ""
  For i = 1 To Len(s)
    acc = acc & Right("000" & Hex(Asc(Mid(s, i, 1))), 4)
  Next i
  Hex4 = acc
End Function

Sub Answer(n, job, q, s)
  Print #n, job & Chr(9) & q & Chr(9) & Hex4(s)
End Sub

Sub SortRange(oDoc, s, a, col, asc)
  oRange = Sh(oDoc, s).getCellRangeByName(a)
  Dim f(0) As New com.sun.star.table.TableSortField
  f(0).Field = col
  f(0).IsAscending = asc
  Dim d(1) As New com.sun.star.beans.PropertyValue
  d(0).Name = "SortFields"
  d(0).Value = f()
  d(1).Name = "ContainsHeader"
  d(1).Value = True
  oRange.sort(d())
End Sub

Sub AddChart(oDoc, s, name, ds, a, x, y, w, h)
  Dim r As New com.sun.star.awt.Rectangle
  r.X = x
  r.Y = y
  r.Width = w
  r.Height = h
  Dim addr(0) As New com.sun.star.table.CellRangeAddress
  addr(0) = Sh(oDoc, ds).getCellRangeByName(a).RangeAddress
  Sh(oDoc, s).Charts.addNewByName(name, r, addr(), True, True)
End Sub

Sub AddImage(oDoc, s, name, file, x, y, w, h)
  oShape = oDoc.createInstance("com.sun.star.drawing.GraphicObjectShape")
  Dim p(0) As New com.sun.star.beans.PropertyValue
  p(0).Name = "URL"
  p(0).Value = ConvertToURL(file)
  oShape.Graphic = createUnoService("com.sun.star.graphic.GraphicProvider").queryGraphic(p())
  Sh(oDoc, s).DrawPage.add(oShape)
  Dim sz As New com.sun.star.awt.Size
  sz.Width = w
  sz.Height = h
  oShape.setSize(sz)
  Dim pt As New com.sun.star.awt.Point
  pt.X = x
  pt.Y = y
  oShape.setPosition(pt)
  oShape.Name = name
End Sub

Sub AddNote(oDoc, s, a, t)
  oSheet = Sh(oDoc, s)
  oSheet.Annotations.insertNew(oSheet.getCellRangeByName(a).CellAddress, t)
End Sub

Sub AddCondition(oDoc, s, a, f, style)
  oRange = Sh(oDoc, s).getCellRangeByName(a)
  oCF = oRange.ConditionalFormat
  Dim c(2) As New com.sun.star.beans.PropertyValue
  c(0).Name = "Operator"
  c(0).Value = com.sun.star.sheet.ConditionOperator.FORMULA
  c(1).Name = "Formula1"
  c(1).Value = f
  c(2).Name = "StyleName"
  c(2).Value = style
  oCF.addNew(c())
  oRange.ConditionalFormat = oCF
End Sub

Sub AddListValidation(oDoc, s, a, f, title)
  oRange = Sh(oDoc, s).getCellRangeByName(a)
  oV = oRange.Validation
  oV.Type = com.sun.star.sheet.ValidationType.LIST
  oV.setFormula1(f)
  oV.ShowErrorMessage = True
  oV.ErrorTitle = title
  oV.ErrorMessage = "Choose from the list."
  oRange.Validation = oV
End Sub

Sub AddLink(oDoc, s, a, url, t)
  oCell = Sh(oDoc, s).getCellRangeByName(a)
  oCell.String = ""
  oField = oDoc.createInstance("com.sun.star.text.TextField.URL")
  oField.URL = url
  oField.Representation = t
  oText = oCell.getText()
  oText.insertTextContent(oText.createTextCursor(), oField, False)
End Sub

Sub HideRows(oDoc, s, r, n)
  Dim i As Long
  For i = r - 1 To r + n - 2
    Sh(oDoc, s).Rows.getByIndex(i).IsVisible = False
  Next i
End Sub

Sub SetNumberFormat(oDoc, s, a, fmt)
  Dim loc As New com.sun.star.lang.Locale
  loc.Language = "en"
  loc.Country = "US"
  nf = oDoc.NumberFormats
  k = nf.queryKey(fmt, loc, False)
  If k = -1 Then k = nf.addNew(fmt, loc)
  Sh(oDoc, s).getCellRangeByName(a).NumberFormat = k
End Sub

Sub AddName(oDoc, n, content)
  Dim pos As New com.sun.star.table.CellAddress
  oDoc.NamedRanges.addNewByName(n, content, pos, 0)
End Sub

Sub PrintArea(oDoc, s, a)
  Dim areas(0) As New com.sun.star.table.CellRangeAddress
  areas(0) = Sh(oDoc, s).getCellRangeByName(a).RangeAddress
  Sh(oDoc, s).setPrintAreas(areas())
End Sub

Sub Landscape(oDoc, s)
  oStyle = oDoc.StyleFamilies.getByName("PageStyles").getByName(Sh(oDoc, s).PageStyle)
  w = oStyle.Width
  oStyle.Width = oStyle.Height
  oStyle.Height = w
  oStyle.IsLandscape = True
End Sub

Function CellName(addr)
  Dim c As Long, s As String
  c = addr.Column + 1
  s = ""
  Do While c > 0
    s = Chr(65 + ((c - 1) Mod 26)) & s
    c = (c - 1) \\ 26
  Loop
  CellName = s & (addr.Row + 1)
End Function

Function QShapes(oDoc, s)
  Dim acc As String, i As Long
  acc = ""
  dp = Sh(oDoc, s).DrawPage
  For i = 0 To dp.Count - 1
    If i > 0 Then acc = acc & "|"
    acc = acc & dp.getByIndex(i).ShapeType & ":" & dp.getByIndex(i).Name
  Next i
  QShapes = acc
End Function

Function QNotes(oDoc, s)
  Dim acc As String, i As Long
  acc = ""
  an = Sh(oDoc, s).Annotations
  For i = 0 To an.Count - 1
    If i > 0 Then acc = acc & "|"
    acc = acc & CellName(an.getByIndex(i).Position) & "=" & an.getByIndex(i).String
  Next i
  QNotes = acc
End Function

Function QValidation(oDoc, s, a)
  oV = Sh(oDoc, s).getCellRangeByName(a).Validation
  QValidation = oV.Type & "|" & oV.getFormula1() & "|" & oV.ErrorTitle
End Function

Function QConditions(oDoc, s, a)
  Dim acc As String, i As Long
  acc = ""
  cf = Sh(oDoc, s).getCellRangeByName(a).ConditionalFormat
  For i = 0 To cf.Count - 1
    If i > 0 Then acc = acc & "|"
    acc = acc & cf.getByIndex(i).getFormula1()
  Next i
  QConditions = acc
End Function

Function QLinks(oDoc, s, a)
  Dim acc As String
  acc = ""
  en = Sh(oDoc, s).getCellRangeByName(a).getTextFields().createEnumeration()
  Do While en.hasMoreElements()
    f = en.nextElement()
    If acc <> "" Then acc = acc & "|"
    acc = acc & f.URL
  Loop
  QLinks = acc
End Function

Function QPrintArea(oDoc, s)
  Dim acc As String, i As Long
  acc = ""
  areas = Sh(oDoc, s).getPrintAreas()
  For i = LBound(areas) To UBound(areas)
    If acc <> "" Then acc = acc & "|"
    acc = acc & areas(i).StartColumn & "," & areas(i).StartRow & "," & areas(i).EndColumn & "," & areas(i).EndRow
  Next i
  QPrintArea = acc
End Function

Function QTitleRows(oDoc, s)
  oSh = Sh(oDoc, s)
  If oSh.PrintTitleRows Then
    QTitleRows = oSh.TitleRows.StartRow & "," & oSh.TitleRows.EndRow
  Else
    QTitleRows = ""
  End If
End Function

Function QFitPages(oDoc, s)
  oStyle = oDoc.StyleFamilies.getByName("PageStyles").getByName(Sh(oDoc, s).PageStyle)
  QFitPages = oStyle.ScaleToPagesX & "," & oStyle.ScaleToPagesY
End Function

Function QRowBreaks(oDoc, s)
  Dim acc As String, i As Long
  acc = ""
  breaks = Sh(oDoc, s).getRowPageBreaks()
  For i = LBound(breaks) To UBound(breaks)
    If breaks(i).ManualBreak Then
      If acc <> "" Then acc = acc & "|"
      acc = acc & breaks(i).Position
    End If
  Next i
  QRowBreaks = acc
End Function
`;

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function moduleXml(code: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">${xmlEscape(code)}</script:module>`;
}

/** The Basic module that runs the jobs and writes their answers to `resultFile`. */
export function basicProgram(jobs: LoJob[], resultFile: string): string {
  const jobSubs = jobs.map((job, j) => [
    `Sub Job${j}(n)`,
    `  On Error GoTo Failed`,
    `  oDoc = OpenDoc(${S(job.file)})`,
    `  If IsNull(oDoc) Then Error 1`,
    ...(job.edits ?? []).map((e) => `  ${editCall(e)}`),
    ...(job.queries ?? []).map((q, i) => `  Answer(n, ${j}, ${i}, ${queryCall(q)})`),
    ...(job.saveAs ? [`  SaveAs(oDoc, ${S(job.saveAs)}, ${S(job.filter ?? "Calc MS Excel 2007 XML")})`] : []),
    ...(job.saveFods ? [`  oDoc.calculateAll()`, `  SaveAs(oDoc, ${S(job.saveFods)}, "OpenDocument Spreadsheet Flat XML")`] : []),
    `  oDoc.close(True)`,
    `  Exit Sub`,
    `Failed:`,
    `  Answer(n, ${j}, -1, "line " & Erl & ": " & Error$)`,
    `  On Error Resume Next`,
    `  oDoc.close(True)`,
    `End Sub`,
  ].join("\n"));
  const main = [
    `Sub Main`,
    `  n = FreeFile`,
    `  Open ${S(resultFile)} For Output As #n`,
    ...jobs.map((_, j) => `  Job${j}(n)`),
    `  Print #n, "done"`,
    `  Close #n`,
    `End Sub`,
  ].join("\n");
  return `${LIBRARY}\n${jobSubs.join("\n\n")}\n\n${main}\n`;
}

/** Runs the jobs in one soffice start; see the file comment. */
export async function libreOffice(jobs: LoJob[], { timeoutMs = 180_000, today }: LoOptions = {}): Promise<LoResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "pcn-lo-edit-"));
  const resultFile = join(dir, "results.txt");
  const code = basicProgram(jobs, resultFile);
  const lines = code.split("\n");
  try {
    await withSoffice(async (profileUrl, run) => {
      const profileDir = fileURLToPath(profileUrl);
      const std = join(profileDir, "user", "basic", "Standard");
      // A new profile is filled in on first start (which would overwrite our module): start it once first.
      if (!existsSync(join(std, "script.xlb"))) await run([`-env:UserInstallation=${profileUrl}`, "--headless", "--norestore", "--terminate_after_init"], timeoutMs);
      writeFileSync(join(std, "Module1.xba"), moduleXml(code));
      const r = await run([`-env:UserInstallation=${profileUrl}`, "--headless", "--norestore", "macro:///Standard.Module1.Main"], timeoutMs, today);
      if (!existsSync(resultFile)) throw new Error(`LibreOffice ran no macro (exit ${r.code}):\n${r.out}`);
    });
    const text = readFileSync(resultFile, "utf8");
    if (!/^done$/m.test(text)) throw new Error(`LibreOffice stopped before the end of its jobs:\n${text}`);
    const results: LoResult[] = jobs.map((j) => ({ answers: new Array((j.queries ?? []).length).fill("") }));
    for (const line of text.split(/\r?\n/)) {
      const m = /^(\d+)\t(-?\d+)\t([0-9A-F]*)$/.exec(line);
      if (!m) continue;
      const value = (m[3].match(/.{4}/g) ?? []).map((h) => String.fromCharCode(parseInt(h, 16))).join("");
      const [j, q] = [Number(m[1]), Number(m[2])];
      if (q < 0) {
        const at = /^line (\d+)/.exec(value);
        const src = at ? lines[Number(at[1]) - 1]?.trim() : "";
        throw new Error(`LibreOffice job ${j} (${jobs[j].file}) failed: ${value}${src ? `\n  at: ${src}` : ""}`);
      }
      results[j].answers[q] = value;
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
