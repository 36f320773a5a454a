// A rebuild's work follows what the workbook holds, never what it claims: a stray note far below a table, a
// capacity typed into PCN_Meta, a damaged layout (issue #9, items 1 and 6). Counted in plan cells, not seconds.
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { applyPlan, snapshotOf } from "../cli/writer";
import { buildPlan, type BuildOptions } from "../core/workbook/build";
import { validateNetwork, type NetworkData } from "../core/workbook/data";
import { META_SHEET, readMeta } from "../core/workbook/engine";
import { textHash } from "../core/workbook/remember";
import type { SheetSnapshot, WorkbookSnapshot, WritePlan } from "../core/workbook/plan";
import { sampleNetwork } from "../core/workbook/sample";

const today = "2026-03-01";
const build = (wb: ExcelJS.Workbook, opts: BuildOptions = {}) => {
  const plan = buildPlan(snapshotOf(wb), { today, ...opts });
  applyPlan(wb, plan);
  return plan;
};
const fresh = () => { const wb = new ExcelJS.Workbook(); build(wb, { sample: true }); return wb; };
/** Every cell the plan writes, and the formulas among them, per sheet. */
function count(plan: WritePlan) {
  let cells = 0, formulas = 0, lastRow = 0;
  for (const s of plan.sheets) for (const b of s.blocks) b.cells.forEach((r, i) => { cells += r.length; formulas += r.filter((c) => c && typeof c === "object" && "f" in c).length; if (r.length) lastRow = Math.max(lastRow, b.row + i); });
  const ranges = plan.sheets.flatMap((s) => [...s.formats, ...s.styles, ...s.validations, ...s.conditionalFormats].map((x) => x.range.row + x.range.rows));
  const names = plan.names.map((n) => n.range.row + n.range.rows);
  return { cells, formulas, lastRow, lastRange: Math.max(...ranges, ...names) };
}
const network = (edit: (d: NetworkData) => void = () => undefined) => {
  const d = JSON.parse(JSON.stringify(sampleNetwork("2025/26", today)));
  edit(d);
  const v = validateNetwork(d);
  if (!v.ok) throw new Error(v.errors.join("\n"));
  return v.data;
};

describe("a rebuild is bounded by what the workbook holds", () => {
  it("a note at row 100,000 adds no formulas, stays where it is and is reported", () => {
    const wb = fresh();
    const snap = snapshotOf(wb);
    const baseline = count(buildPlan(snap, { today }));
    // The snapshot a reader gives for the note, without reading 100,000 rows through exceljs here.
    const put = (sheet: string, row: number, col: number, v: string) => {
      const s = snap.sheets.find((x) => x.name === sheet)!;
      s.values[row - 1] = Object.assign([], { [col - 1]: v });
      s.formulas[row - 1] = [];
    };
    put("Budget", 100000, 2, "checked at the March board");
    put("Partnerships", 100000, 1, "P-LOST");
    const plan = buildPlan(snap, { today });
    const c = count(plan);
    expect(c.cells).toBe(baseline.cells);
    expect(c.formulas).toBe(baseline.formulas);
    expect(c.lastRow).toBeLessThan(200);
    expect(c.lastRange).toBeLessThan(200);
    expect(plan.warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Budget!B100000 is below the table, not part of it/),
      expect.stringMatching(/^Partnerships!A100000 is below the table/),
    ]));
    wb.getWorksheet("Budget")!.getCell("B100000").value = "checked at the March board";
    applyPlan(wb, plan);
    expect(wb.getWorksheet("Budget")!.getCell("B100000").value).toBe("checked at the March board");
    // Not counted: no sum or name reaches it.
    expect(wb.definedNames.getRanges("Budget_Ref").ranges[0]).toMatch(/\$A\$2:\$A\$\d{2}$/);
  });

  it("a capacity of 5,000,000 typed into PCN_Meta changes nothing the build does", () => {
    const wb = fresh();
    const baseline = count(buildPlan(snapshotOf(wb), { today }));
    const meta = wb.getWorksheet(META_SHEET)!;
    meta.eachRow((row) => { if (row.getCell(1).value === "sheet") row.getCell(5).value = 5_000_000; });
    const snap = snapshotOf(wb);
    expect(readMeta(snap).sheets.every((s) => s.capacity === 5_000_000)).toBe(true);
    const c = count(buildPlan(snap, { today }));
    expect(c).toEqual(baseline);
    // Also for sheets not rebuilt (their names still cover only what they hold).
    const only = count(buildPlan(snap, { today, sheets: ["funding"] }));
    expect(only.lastRange).toBeLessThan(200);
  });

  it("a damaged meta sheet (layout not JSON, thousands of keys, an absurd KPI month count) is ignored where it cannot be trusted", () => {
    const wb = fresh();
    const typed = "typed by a person";
    wb.getWorksheet("Practices")!.getCell("B3").value = typed;
    const meta = wb.getWorksheet(META_SHEET)!;
    meta.eachRow((row) => {
      if (row.getCell(2).value === "practices") row.getCell(4).value = "[not json";
      if (row.getCell(2).value === "kpis") row.getCell(4).value = JSON.stringify(Array.from({ length: 5000 }, (_, i) => `r${i + 1}`));
      if (row.getCell(2).value === "budget") row.getCell(4).value = JSON.stringify(["constructor", "__proto__", "toString"]);
    });
    const plan = build(wb);
    expect(count(plan).lastRow).toBeLessThan(200);
    expect(wb.getWorksheet("Practices")!.getCell("B3").value).toBe(typed);
    // As many columns as a sound KPI sheet has: the absurd layout is ignored, and the header row tells the columns.
    expect(wb.getWorksheet("KPIs")!.getRow(1).cellCount).toBe(fresh().getWorksheet("KPIs")!.getRow(1).cellCount);
    expect(wb.worksheets.filter((w) => /\(PCN/.test(w.name))).toEqual([]);
  });

  it("a note a few rows below a table is not filled with formulas; a record typed directly below it joins it", () => {
    const wb = fresh();
    const ws = wb.getWorksheet("Practices")!;
    const last = ws.actualRowCount; // last spare row of the table
    ws.getCell(last + 3, 1).value = "populations checked 1 Jan";
    ws.getCell(last + 1, 1).value = "Newfield Surgery";
    ws.getCell(last + 1, 3).value = 4000;
    const plan = build(wb);
    expect(ws.getCell(last + 3, 1).value).toBe("populations checked 1 Jan");
    expect(ws.getCell(last + 3, 8).value).toBeNull();
    expect(plan.warnings.join(" ")).toMatch(new RegExp(`Practices!A${last + 3} is below the table`));
    expect((ws.getCell(last + 1, 8).value as { formula: string }).formula).toContain(`C${last + 1}`);
    // The table's blank rows stop a row short of the note, so it never joins the table by touching it.
    expect(wb.definedNames.getRanges("Practice_Name").ranges[0]).toMatch(new RegExp(`\\$A\\$2:\\$A\\$${last + 1}$`));
    const again = build(wb);
    expect(ws.getCell(last + 3, 8).value).toBeNull();
    expect(again.warnings.join(" ")).toMatch(new RegExp(`Practices!A${last + 3} is below the table`));
  });

  it("a person's own column beside a table is theirs, quietly; a cell far to the right is kept and reported", () => {
    const wb = fresh();
    const ws = wb.getWorksheet("Practices")!;
    ws.getCell("L1").value = "Lead GP";
    ws.getCell("L2").value = "Dr Shah";
    ws.getCell("ZZ5").value = "far away";
    const plan = build(wb);
    expect(ws.getCell("L2").value).toBe("Dr Shah");
    expect(ws.getCell("ZZ5").value).toBe("far away");
    expect(plan.warnings.filter((w) => /Practices/.test(w))).toEqual([expect.stringMatching(/^Practices!ZZ5 is far to the right of the table, not part of it/)]);
  });

  it("new records from the data file go around a stray note in the spare rows, never over it", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { data: network() });
    const ws = wb.getWorksheet("Budget")!;
    const refs = (ws.getColumn(1).values as unknown[]).filter((v) => typeof v === "string" && /^B-/.test(v)).length;
    const spareEnd = refs + 1 + 20;
    ws.getCell(spareEnd + 2, 2).value = "a note";
    build(wb, { data: network((d) => { for (let i = 0; i < 25; i++) d.budget.push({ ...d.budget[0], ref: `N-${i}`, description: `New ${i}` } as never); }) });
    expect(ws.getCell(spareEnd + 2, 2).value).toBe("a note");
    expect(ws.getCell(spareEnd + 2, 1).value).toBeNull();
    const newRefs = (ws.getColumn(1).values as unknown[]).filter((v) => typeof v === "string" && /^N-/.test(v));
    expect(newRefs).toHaveLength(25);
  });

  it("records below rows cleared whole (formulas too) are still records, and still counted", () => {
    const wb = fresh();
    const ws = wb.getWorksheet("Budget")!;
    for (let r = 3; r <= 10; r++) for (let c = 1; c <= 40; c++) ws.getCell(r, c).value = null;
    build(wb);
    expect(ws.getCell(19, 1).value).toBe("B-018");
    expect(wb.definedNames.getRanges("Budget_Annual").ranges[0]).toMatch(/\$G\$2:\$G\$39$/);
  });

  it("names a person typed that are also names of object properties are just names", () => {
    const wb = new ExcelJS.Workbook();
    const data = network((d) => {
      d.practices.push({ ...d.practices[0], name: "constructor" }, { ...d.practices[1], name: "__proto__" });
      d.arrsPosts[0].shares = [{ practice: "constructor", share: 0.5 }, { practice: "__proto__", share: 0.5 }];
      d.arrsPosts[0].hostPractice = "constructor";
      d.budget[0].ref = "toString";
      d.partnerships[0].ref = "hasOwnProperty";
      d.kpis[0].partnership = "hasOwnProperty";
    });
    build(wb, { data });
    build(wb, { data });
    expect((wb.getWorksheet("Practices")!.getColumn(1).values as unknown[]).filter((v) => v === "constructor" || v === "__proto__")).toHaveLength(2);
    expect((wb.getWorksheet("Budget")!.getColumn(1).values as unknown[]).filter((v) => v === "toString")).toHaveLength(1);
    expect(buildPlan(snapshotOf(wb), { today, data }).conflicts).toEqual([]);
    expect(() => buildPlan(snapshotOf(wb), { today, sheets: ["constructor"] })).toThrow(/Unknown sheet constructor/);
  });

  it("a snapshot with ragged rows and a huge blank tail (as a reader gives for LibreOffice's row 1,048,576) plans as small as a tidy one", () => {
    const wb = fresh();
    const snap = snapshotOf(wb);
    const baseline = count(buildPlan(snap, { today }));
    const padded: WorkbookSnapshot = {
      sheets: snap.sheets.map((s): SheetSnapshot => {
        const values = s.values.map((r) => { const x = [...r]; while (x.length && (x[x.length - 1] === null || x[x.length - 1] === "")) x.pop(); return x; });
        const formulas = s.formulas.map((r) => { const x = [...r]; while (x.length && x[x.length - 1] === null) x.pop(); return x; });
        values.length = formulas.length = 1_048_576;
        return { name: s.name, values, formulas };
      }),
    };
    expect(count(buildPlan(padded, { today }))).toEqual(baseline);
  });
});

describe("tables that change shape keep what is beside them", () => {
  it("a heading typed beside the KPIs table survives month-count changes, moving right as the table grows", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { data: network() });
    const k = wb.getWorksheet("KPIs")!;
    // The KPI sheet's width for n months of the year: 20 fixed columns, the 12 months before the year and the n,
    // then one SPC flag a month.
    const widthFor = (n: number) => 20 + (12 + n) * 2;
    const width = widthFor(12);
    expect(k.getRow(1).cellCount).toBe(width);
    k.getCell(1, width + 2).value = "Board notes";
    k.getCell(2, width + 2).value = "Discussed in May";
    build(wb, { data: network((d) => { d.kpiMonths = 24; }) });
    const header = () => k.getRow(1).values as unknown[];
    expect(header().indexOf("Board notes")).toBe(widthFor(24) + 2);
    expect(k.getCell(2, widthFor(24) + 2).value).toBe("Discussed in May");
    expect(header().filter((v) => v === "Board notes")).toHaveLength(1);
    build(wb, { data: network((d) => { d.kpiMonths = 12; }) });
    expect(header().filter((v) => v === "Board notes")).toHaveLength(1);
    expect(k.getCell(2, header().indexOf("Board notes")).value).toBe("Discussed in May");
  });

  it("a renamed KPIs sheet and a month-count change give no second KPIs sheet, with or without the meta sheet", () => {
    for (const loseMeta of [false, true]) {
      const wb = new ExcelJS.Workbook();
      build(wb, { data: network() });
      wb.getWorksheet("KPIs")!.name = "Our KPIs";
      wb.getWorksheet("Our KPIs")!.getCell("U2").value = 99; // the first reading (the April before the year)
      if (loseMeta) wb.removeWorksheet(wb.getWorksheet(META_SHEET)!.id);
      build(wb, { data: network((d) => { d.kpiMonths = 24; }) });
      expect(wb.worksheets.map((w) => w.name).filter((n) => /KPI/.test(n) && n !== "KPI Charts")).toEqual(["Our KPIs"]);
      expect(wb.getWorksheet("Our KPIs")!.getCell("U2").value).toBe(99);
      expect(wb.getWorksheet("Our KPIs")!.getCell(1, 20 + 12 + 24).value).toBe("Mar 2027");
    }
  });
});

describe("headers and labels a person typed over", () => {
  it("are kept, with a note; our own older wording is refreshed", () => {
    const wb = fresh();
    const p = wb.getWorksheet("Partnerships")!;
    p.getCell("B1").value = "Provider";
    wb.getWorksheet("Funding")!.getCell("A2").value = "How we split it";
    const plan = build(wb);
    expect(p.getCell("B1").value).toBe("Provider");
    expect(wb.getWorksheet("Funding")!.getCell("A2").value).toBe("How we split it");
    expect(plan.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/heading typed over ours in Partnerships!B1/), expect.stringMatching(/text typed over ours in Funding!A2/)]));
    // Text this product wrote before (remembered as written) is ours to refresh.
    p.getCell("C1").value = "Partnership type";
    const meta = wb.getWorksheet(META_SHEET)!;
    meta.eachRow((row) => { if (row.getCell(2).value === "partnerships") row.getCell(6).value = `${row.getCell(6).value} ${textHash("Partnership type")}`; });
    build(wb);
    expect(p.getCell("C1").value).toBe("Type");
    expect(p.getCell("B1").value).toBe("Provider");
  });
});
