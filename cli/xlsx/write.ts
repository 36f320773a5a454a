/**
 * Applying a write plan to a workbook package. Only our sheets' parts, the workbook part (new sheets, our
 * names, calculation on load), the stylesheet (appended entries), our charts and the relationships and content
 * types that tie them together change; every other part of the file is copied byte for byte.
 */
import { PcnError } from "../../core/errors";
import { a1, type PlanCell, type RangeRef, type WritePlan } from "../../core/workbook/plan";
import { placeCharts } from "./charts";
import { CT, NS, Package, REL, XML_DECL, type SheetEntry } from "./package";
import { isOurPrintArea, printNames } from "./print";
import type { Book } from "./read";
import { sheetChunks } from "./sheet";
import { BASE_STYLES } from "./styles";
import { attrs, childrenOf, rawAttr, rootOf, setAttr, unescapeXml, unescapeXstring, xattr, xtext } from "./xml";
import type { WorkbookSnapshot } from "../../core/workbook/plan";
import THEME from "exceljs/lib/xlsx/xml/theme1.js";

export interface ApplyProgress { (done: number, total: number, sheet: string): void }

/** The skeleton of a new workbook: no sheets yet (the plan adds them). */
export function newPackage(now = new Date()): Package {
  const created = now.toISOString().replace(/\.\d+Z$/, "Z");
  return Package.create(new Map([
    ["[Content_Types].xml", `${XML_DECL}<Types xmlns="${NS.ct}"><Default Extension="rels" ContentType="${CT.rels}"/><Default Extension="xml" ContentType="${CT.xml}"/><Override PartName="/xl/workbook.xml" ContentType="${CT.workbook}"/><Override PartName="/xl/styles.xml" ContentType="${CT.styles}"/><Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/><Override PartName="/docProps/core.xml" ContentType="${CT.coreProps}"/><Override PartName="/docProps/app.xml" ContentType="${CT.extendedProps}"/></Types>`],
    ["_rels/.rels", `${XML_DECL}<Relationships xmlns="${NS.pkgRel}"><Relationship Id="rId1" Type="${REL.officeDocument}" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="${REL.coreProps}" Target="docProps/core.xml"/><Relationship Id="rId3" Type="${REL.extendedProps}" Target="docProps/app.xml"/></Relationships>`],
    ["docProps/app.xml", `${XML_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>PCN Toolkit</Application></Properties>`],
    ["docProps/core.xml", `${XML_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>PCN Toolkit</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">${created}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">${created}</dcterms:modified></cp:coreProperties>`],
    ["xl/workbook.xml", `${XML_DECL}<workbook xmlns="${NS.main}" xmlns:r="${NS.rel}"><workbookPr/><bookViews><workbookView xWindow="0" yWindow="0" windowWidth="28800" windowHeight="15600"/></bookViews><sheets></sheets><calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>`],
    ["xl/_rels/workbook.xml.rels", `${XML_DECL}<Relationships xmlns="${NS.pkgRel}"><Relationship Id="rId1" Type="${REL.styles}" Target="styles.xml"/><Relationship Id="rId2" Type="${REL.theme}" Target="theme/theme1.xml"/></Relationships>`],
    ["xl/styles.xml", BASE_STYLES],
    // Office's default theme (as exceljs ships it): Excel's defaults for fonts and colours in a new workbook.
    ["xl/theme/theme1.xml", THEME],
  ]));
}

const BAD_SHEET_NAME = /[:\\/?*[\]]/;

/**
 * Prepares every part the plan changes; `pkg.save` then writes them (sheets are produced as they are
 * written, and each sheet's cells are released once written). `snapshot` is what the plan was made from:
 * it answers what existing cells hold (a chart's category cells).
 */
export function applyPlan(book: Book, plan: WritePlan, snapshot: WorkbookSnapshot, progress?: ApplyProgress): void {
  const { pkg } = book;
  const wbPart = book.workbookPart;
  const wbRels = pkg.rels(wbPart);
  let wb = pkg.text(wbPart);
  const byName = new Map(book.sheets.map((s) => [s.name, s]));

  // 1. New sheets: a part, a relationship, a content type and an entry in <sheets>.
  let nextId = Math.max(0, ...book.sheets.map((s) => s.sheetId || 0)) + 1;
  const added: string[] = [];
  const entries = new Map<string, { entry: SheetEntry; created: boolean }>();
  for (const sp of plan.sheets) {
    const have = byName.get(sp.name);
    if (have && !have.part) throw new PcnError(`"${sp.name}" is a chart sheet in this workbook; rename it and build again.`);
    if (have) { entries.set(sp.name, { entry: have, created: false }); continue; }
    if (!sp.name.trim() || sp.name.length > 31 || BAD_SHEET_NAME.test(sp.name) || /^'|'$/.test(sp.name)) {
      throw new PcnError(`"${sp.name}" cannot be a sheet name in Excel (at most 31 characters, none of : \\ / ? * [ ], not starting or ending with '); rename it and build again.`);
    }
    const part = pkg.freeName((n) => `xl/worksheets/sheet${n}.xml`);
    const rId = wbRels.add(REL.worksheet, part);
    pkg.contentTypes().override(part, CT.worksheet);
    const entry: SheetEntry = { name: sp.name, sheetId: nextId++, rId, part, state: sp.hidden ? "hidden" : "visible" };
    book.sheets.push(entry);
    byName.set(sp.name, entry);
    entries.set(sp.name, { entry, created: true });
    added.push(`<sheet name="${xattr(sp.name)}" sheetId="${entry.sheetId}"${sp.hidden ? ` state="hidden"` : ""} r:id="${rId}"/>`);
  }
  wb = editSheets(wb, added, new Set(plan.sheets.filter((s) => s.hidden).map((s) => s.name)));
  wb = editNames(wb, plan, book.sheets);
  wb = editCalc(wb);
  pkg.write(wbPart, wb);

  // 2. Charts: ours replaced in each of our sheets' drawings.
  const cellText = cellIsText(plan, snapshot);
  const drawingRefs = placeCharts(
    pkg,
    plan.sheets.map((sp) => ({ part: entries.get(sp.name)!.entry.part, charts: sp.charts })),
    { date1904: book.date1904, isText: cellText, sheetNames: new Set(book.sheets.map((s) => s.name)) },
  );

  // 3. Sheets, produced when the package is written. A number format the plan writes anywhere is ours: where
  // one of our cells holds it, it is left from an earlier build (perhaps of a column since moved), not typed.
  book.styles.ourFormats(plan.sheets.flatMap((sp) => sp.formats.map((f) => f.format)));
  plan.sheets.forEach((sp, i) => {
    const { entry, created } = entries.get(sp.name)!;
    const part = entry.part;
    pkg.write(part, () => {
      progress?.(i, plan.sheets.length, sp.name);
      return sheetChunks({
        plan: sp,
        existing: created ? null : () => pkg.readOnce(part),
        styles: book.styles,
        date1904: book.date1904,
        drawingRid: drawingRefs.get(part),
      });
    });
  });

  // 4. The stylesheet, after the sheets (they add the formats they need), as the last part.
  pkg.writeLast(book.stylesPart, () => [(progress?.(plan.sheets.length, plan.sheets.length, ""), book.styles.toXml())]);
  if (!wbRels.byType(REL.styles).length) {
    wbRels.add(REL.styles, book.stylesPart);
    pkg.contentTypes().override(book.stylesPart, CT.styles);
  }
}

/** Whether a cell holds text after the plan: the plan's own cell if it writes one, else what the workbook holds. */
function cellIsText(plan: WritePlan, snapshot: WorkbookSnapshot) {
  return (sheet: string, row: number, col: number): boolean => {
    const sp = plan.sheets.find((s) => s.name === sheet);
    let found: PlanCell | undefined;
    for (const b of sp?.blocks ?? []) {
      const line = b.cells[row - b.row];
      if (line && col >= b.col && col < b.col + line.length) found = line[col - b.col];
    }
    if (found !== undefined) return typeof found === "string";
    const v = snapshot.sheets.find((s) => s.name === sheet)?.values[row]?.[col];
    return typeof v === "string";
  };
}

function editSheets(wb: string, added: string[], hidden: Set<string>): string {
  const m = /<(\w+:)?sheets\b([^>]*?)(\/?)>/.exec(wb);
  if (!m) throw new PcnError("This workbook has no list of sheets; it cannot be rebuilt.");
  const p = m[1] ?? "";
  const close = `</${p}sheets>`;
  const start = m.index + m[0].length;
  const end = m[3] === "/" ? start : wb.indexOf(close, start);
  const after = m[3] === "/" ? start : end + close.length;
  // Our hidden sheets stay hidden; whatever a person did with the visibility of others is theirs.
  const inner = wb.slice(start, end).replace(/<(\w+:)?sheet\s([^>]*?)(\/?)>/g, (whole, pre: string | undefined, a: string, sc: string) => {
    const name = unescapeXstring(/\bname="([^"]*)"/.exec(a)?.[1] ?? "");
    if (!hidden.has(name) || /state="(hidden|veryHidden)"/.test(a)) return whole;
    return `<${pre ?? ""}sheet${setAttr(" " + a, "state", "hidden")}${sc}>`;
  });
  const add = added.map((s) => s.replace(/^<sheet/, `<${p}sheet`)).join("");
  return wb.slice(0, m.index) + `<${p}sheets${m[2]}>` + inner + add + close + wb.slice(after);
}

/**
 * Our names (global, as the plan has them) replace entries of the same name; every other name (a person's,
 * a print area, a filter's) is kept; the filter name of a table we resized follows it.
 */
function editNames(wb: string, plan: WritePlan, sheets: SheetEntry[]): string {
  const root = rootOf(wb, "workbook");
  const p = root.prefix;
  const kids = childrenOf(wb, root.tagEnd, root.close);
  const ours = new Map(plan.names.map((n) => [n.name.toLowerCase(), n]));
  const filters = new Map<number, string>();
  for (const sp of plan.sheets) {
    if (!sp.table) continue;
    const idx = sheets.findIndex((s) => s.name === sp.name);
    if (idx >= 0) filters.set(idx, a1(sp.table.range, { sheet: sp.name, absolute: true }));
  }
  const entry = (name: string, text: string, local?: number) => `<${p}definedName name="${xattr(name)}"${local !== undefined ? ` localSheetId="${local}"` : ""}>${xtext(text, `The name ${name}`)}</${p}definedName>`;
  // Print areas and header rows: local names of the sheets whose plan says how they print (see print.ts).
  const prints = new Map<number, { area?: string; titles?: string; range?: RangeRef }>();
  for (const sp of plan.sheets) {
    if (!sp.print) continue;
    const idx = sheets.findIndex((s) => s.name === sp.name);
    if (idx >= 0) prints.set(idx, { ...printNames(sp.name, sp.print), range: sp.print.area });
  }
  const printDone = new Set<string>();
  const dn = kids.find((k) => k.name === "definedNames");
  const written = new Set<string>();
  let inner = "";
  if (dn) {
    const el = wb.slice(dn.start, dn.end);
    const open = el.indexOf(">") + 1;
    inner = el.endsWith("/>") ? "" : el.slice(open, el.lastIndexOf("</"));
    inner = inner.replace(/<(\w+:)?definedName\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1definedName>)/g, (whole, _pre, a: string) => {
      const at = attrs(a);
      const name = unescapeXstring(rawAttr(a, "name") ?? "");
      if (at.localSheetId === undefined) {
        const n = ours.get(name.toLowerCase());
        if (!n || written.has(n.name.toLowerCase())) return n ? "" : whole;
        written.add(n.name.toLowerCase());
        return entry(n.name, a1(n.range, { sheet: n.sheet, absolute: true }));
      }
      const f = filters.get(Number(at.localSheetId));
      if (name === "_xlnm._FilterDatabase" && f) return whole.replace(/>([\s\S]*?)</, () => `>${xtext(f, "A filter range")}<`);
      const pr = prints.get(Number(at.localSheetId));
      if (pr && name === "_xlnm.Print_Area" && pr.area) {
        printDone.add(`${at.localSheetId}|area`);
        const text = unescapeXml(/>([\s\S]*?)</.exec(whole)?.[1] ?? "");
        // Ours follows the data; a print area a person set (other columns or top row) is theirs.
        return isOurPrintArea(text, pr.range!) ? whole.replace(/>([\s\S]*?)</, () => `>${xtext(pr.area!, "A print area")}<`) : whole;
      }
      if (pr && name === "_xlnm.Print_Titles" && pr.titles) printDone.add(`${at.localSheetId}|titles`);
      return whole;
    });
  }
  for (const n of plan.names) if (!written.has(n.name.toLowerCase())) { written.add(n.name.toLowerCase()); inner += entry(n.name, a1(n.range, { sheet: n.sheet, absolute: true })); }
  for (const [idx, pr] of prints) {
    if (pr.area && !printDone.has(`${idx}|area`)) inner += entry("_xlnm.Print_Area", pr.area, idx);
    if (pr.titles && !printDone.has(`${idx}|titles`)) inner += entry("_xlnm.Print_Titles", pr.titles, idx);
  }
  if (!inner && !dn) return wb;
  const el = `<${p}definedNames>${inner}</${p}definedNames>`;
  if (dn) return wb.slice(0, dn.start) + el + wb.slice(dn.end);
  // After sheets (and functionGroups, externalReferences), before calcPr and the rest.
  const after = ["sheets", "functionGroups", "externalReferences"];
  const prev = [...kids].reverse().find((k) => after.includes(k.name));
  const at = prev ? prev.end : root.close;
  return wb.slice(0, at) + el + wb.slice(at);
}

/** Our formulas carry no cached results: every program is asked to calculate them all on opening. */
function editCalc(wb: string): string {
  const root = rootOf(wb, "workbook");
  const p = root.prefix;
  const m = /<(\w+:)?calcPr\b([^>]*?)(\/?)>/.exec(wb);
  if (m) return wb.slice(0, m.index) + `<${m[1] ?? ""}calcPr${setAttr(m[2], "fullCalcOnLoad", "1")}${m[3]}>` + wb.slice(m.index + m[0].length);
  const kids = childrenOf(wb, root.tagEnd, root.close);
  const before = ["oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst"];
  const next = kids.find((k) => before.includes(k.name));
  const at = next ? next.start : root.close;
  return wb.slice(0, at) + `<${p}calcPr fullCalcOnLoad="1"/>` + wb.slice(at);
}

