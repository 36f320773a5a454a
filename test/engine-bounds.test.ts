// A rebuild's work follows what the workbook holds, never what it claims: a stray note far below a table, a
// capacity typed into PCN_Meta, a damaged layout (issue #9, items 1 and 6). Counted in plan cells, not seconds.
import { describe, expect, it } from "vitest";
import { buildPlan, type BuildOptions } from "../core/workbook/build";
import { validateNetwork, type NetworkData } from "../core/workbook/data";
import { META_SHEET, readMeta } from "../core/workbook/engine";
import { textHash } from "../core/workbook/remember";
import type { SheetSnapshot, WorkbookSnapshot, WritePlan } from "../core/workbook/plan";
import { sampleNetwork } from "../core/workbook/sample";
import { TestWorkbook } from "./offline";

const today = "2026-03-01";
// Every build goes through the shipped reader and writer (the file's bytes); edits are made in exceljs.
const build = (b: TestWorkbook, opts: BuildOptions = {}) => b.build({ today, ...opts });
const fresh = () => TestWorkbook.built({ today, sample: true });
/** The plan a build of `b` makes now (the writer releases a plan's cells as it writes, so count this one). */
const planOf = (b: TestWorkbook, opts: BuildOptions = {}) => buildPlan(b.snapshot(), { today, ...opts });
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
  it("a note at row 100,000 adds no formulas, stays where it is and is reported", async () => {
    const wb = await fresh();
    const baseline = count(planOf(wb));
    await wb.edit((x) => {
      x.getWorksheet("Budget")!.getCell("B100000").value = "checked at the March board";
      x.getWorksheet("Partnerships")!.getCell("A100000").value = "P-LOST";
    });
    // The shipped reader gives the notes as they are (one row each, not 100,000).
    const snap = wb.snapshot();
    expect(snap.sheets.find((s) => s.name === "Budget")!.values[99999]).toEqual([null, "checked at the March board"]);
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
    await build(wb);
    expect(wb.sheet("Budget").getCell("B100000").value).toBe("checked at the March board");
    expect(wb.sheet("Partnerships").getCell("A100000").value).toBe("P-LOST");
    // Not counted: no sum or name reaches it.
    expect(wb.wb.definedNames.getRanges("Budget_Ref").ranges[0]).toMatch(/\$A\$2:\$A\$\d{2}$/);
  });

  it("a capacity of 5,000,000 typed into PCN_Meta changes nothing the build does", async () => {
    const wb = await fresh();
    const baseline = count(planOf(wb));
    await wb.edit((x) => x.getWorksheet(META_SHEET)!.eachRow((row) => { if (row.getCell(1).value === "sheet") row.getCell(5).value = 5_000_000; }));
    const snap = wb.snapshot();
    expect(readMeta(snap).sheets.every((s) => s.capacity === 5_000_000)).toBe(true);
    const c = count(buildPlan(snap, { today }));
    expect(c).toEqual(baseline);
    // Also for sheets not rebuilt (their names still cover only what they hold).
    const only = count(buildPlan(snap, { today, sheets: ["funding"] }));
    expect(only.lastRange).toBeLessThan(200);
  });

  it("a damaged meta sheet (layout not JSON, thousands of keys, an absurd KPI month count) is ignored where it cannot be trusted", async () => {
    const wb = await fresh();
    const typed = "typed by a person";
    await wb.edit((x) => {
      x.getWorksheet("Practices")!.getCell("B3").value = typed;
      x.getWorksheet(META_SHEET)!.eachRow((row) => {
        if (row.getCell(2).value === "practices") row.getCell(4).value = "[not json";
        if (row.getCell(2).value === "kpis") row.getCell(4).value = JSON.stringify(Array.from({ length: 5000 }, (_, i) => `r${i + 1}`));
        if (row.getCell(2).value === "budget") row.getCell(4).value = JSON.stringify(["constructor", "__proto__", "toString"]);
      });
    });
    expect(count(planOf(wb)).lastRow).toBeLessThan(200);
    await build(wb);
    expect(wb.sheet("Practices").getCell("B3").value).toBe(typed);
    expect(wb.sheet("KPIs").getRow(1).cellCount).toBeLessThan(40);
    expect(wb.wb.worksheets.filter((w) => /\(PCN/.test(w.name))).toEqual([]);
  });

  it("a note a few rows below a table is not filled with formulas; a record typed directly below it joins it", async () => {
    const wb = await fresh();
    const last = wb.sheet("Practices").actualRowCount; // last spare row of the table
    await wb.edit((x) => {
      const ws = x.getWorksheet("Practices")!;
      ws.getCell(last + 3, 1).value = "populations checked 1 Jan";
      ws.getCell(last + 1, 1).value = "Newfield Surgery";
      ws.getCell(last + 1, 3).value = 4000;
    });
    const plan = await build(wb);
    let ws = wb.sheet("Practices");
    expect(ws.getCell(last + 3, 1).value).toBe("populations checked 1 Jan");
    expect(ws.getCell(last + 3, 8).value).toBeNull();
    expect(plan.warnings.join(" ")).toMatch(new RegExp(`Practices!A${last + 3} is below the table`));
    expect((ws.getCell(last + 1, 8).value as { formula: string }).formula).toContain(`C${last + 1}`);
    // The table's blank rows stop a row short of the note, so it never joins the table by touching it.
    expect(wb.wb.definedNames.getRanges("Practice_Name").ranges[0]).toMatch(new RegExp(`\\$A\\$2:\\$A\\$${last + 1}$`));
    const again = await build(wb);
    ws = wb.sheet("Practices");
    expect(ws.getCell(last + 3, 8).value).toBeNull();
    expect(again.warnings.join(" ")).toMatch(new RegExp(`Practices!A${last + 3} is below the table`));
  });

  it("a person's own column beside a table is theirs, quietly; a cell far to the right is kept and reported", async () => {
    const wb = await fresh();
    await wb.edit((x) => {
      const ws = x.getWorksheet("Practices")!;
      ws.getCell("L1").value = "Lead GP";
      ws.getCell("L2").value = "Dr Shah";
      ws.getCell("ZZ5").value = "far away";
    });
    const plan = await build(wb);
    const ws = wb.sheet("Practices");
    expect(ws.getCell("L2").value).toBe("Dr Shah");
    expect(ws.getCell("ZZ5").value).toBe("far away");
    expect(plan.warnings.filter((w) => /Practices/.test(w))).toEqual([expect.stringMatching(/^Practices!ZZ5 is far to the right of the table, not part of it/)]);
  });

  it("new records from the data file go around a stray note in the spare rows, never over it", async () => {
    const wb = await TestWorkbook.built({ today, data: network() });
    const refs = (wb.sheet("Budget").getColumn(1).values as unknown[]).filter((v) => typeof v === "string" && /^B-/.test(v)).length;
    const spareEnd = refs + 1 + 20;
    await wb.edit((x) => { x.getWorksheet("Budget")!.getCell(spareEnd + 2, 2).value = "a note"; });
    await build(wb, { data: network((d) => { for (let i = 0; i < 25; i++) d.budget.push({ ...d.budget[0], ref: `N-${i}`, description: `New ${i}` } as never); }) });
    const ws = wb.sheet("Budget");
    expect(ws.getCell(spareEnd + 2, 2).value).toBe("a note");
    expect(ws.getCell(spareEnd + 2, 1).value).toBeNull();
    const newRefs = (ws.getColumn(1).values as unknown[]).filter((v) => typeof v === "string" && /^N-/.test(v));
    expect(newRefs).toHaveLength(25);
  });

  it("records below rows cleared whole (formulas too) are still records, and still counted", async () => {
    const wb = await fresh();
    const refs = (wb.sheet("Budget").getColumn(1).values as unknown[]).filter((v): v is string => typeof v === "string" && /^B-/.test(v));
    const n = refs.length;
    expect(n).toBeGreaterThan(12);
    await wb.edit((x) => { const ws = x.getWorksheet("Budget")!; for (let r = 3; r <= 10; r++) for (let c = 1; c <= 40; c++) ws.getCell(r, c).value = null; });
    await build(wb);
    // The last line is still where it was, and the table still runs through it and its 20 blank rows.
    expect(wb.sheet("Budget").getCell(n + 1, 1).value).toBe(refs[n - 1]);
    expect(wb.wb.definedNames.getRanges("Budget_Annual").ranges[0]).toMatch(new RegExp(`\\$G\\$2:\\$G\\$${n + 21}$`));
  });

  it("names a person typed that are also names of object properties are just names", async () => {
    const wb = await TestWorkbook.of();
    const data = network((d) => {
      d.practices.push({ ...d.practices[0], name: "constructor" }, { ...d.practices[1], name: "__proto__" });
      d.arrsPosts[0].shares = [{ practice: "constructor", share: 0.5 }, { practice: "__proto__", share: 0.5 }];
      d.arrsPosts[0].hostPractice = "constructor";
      d.budget[0].ref = "toString";
      d.partnerships[0].ref = "hasOwnProperty";
      d.kpis[0].partnership = "hasOwnProperty";
    });
    await build(wb, { data });
    await build(wb, { data });
    expect((wb.sheet("Practices").getColumn(1).values as unknown[]).filter((v) => v === "constructor" || v === "__proto__")).toHaveLength(2);
    expect((wb.sheet("Budget").getColumn(1).values as unknown[]).filter((v) => v === "toString")).toHaveLength(1);
    expect(planOf(wb, { data }).conflicts).toEqual([]);
    expect(() => planOf(wb, { sheets: ["constructor"] })).toThrow(/Unknown sheet constructor/);
  });

  it("a snapshot with ragged rows and a huge blank tail (as a reader gives for LibreOffice's row 1,048,576) plans as small as a tidy one", async () => {
    const wb = await fresh();
    const snap = wb.snapshot();
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
  it("a heading typed beside the KPIs table survives month-count changes, moving right as the table grows", async () => {
    const wb = await TestWorkbook.built({ today, data: network() });
    const width = 10 + 12;
    await wb.edit((x) => {
      const k = x.getWorksheet("KPIs")!;
      k.getCell(1, width + 2).value = "Board notes";
      k.getCell(2, width + 2).value = "Discussed in May";
    });
    await build(wb, { data: network((d) => { d.kpiMonths = 24; }) });
    const k = () => wb.sheet("KPIs");
    const header = () => k().getRow(1).values as unknown[];
    expect(header().indexOf("Board notes")).toBe(10 + 24 + 2);
    expect(k().getCell(2, 10 + 24 + 2).value).toBe("Discussed in May");
    expect(header().filter((v) => v === "Board notes")).toHaveLength(1);
    await build(wb, { data: network((d) => { d.kpiMonths = 12; }) });
    expect(header().filter((v) => v === "Board notes")).toHaveLength(1);
    expect(k().getCell(2, header().indexOf("Board notes")).value).toBe("Discussed in May");
  });

  it("a renamed KPIs sheet and a month-count change give no second KPIs sheet, with or without the meta sheet", async () => {
    for (const loseMeta of [false, true]) {
      const wb = await TestWorkbook.built({ today, data: network() });
      await wb.edit((x) => {
        x.getWorksheet("KPIs")!.name = "Our KPIs";
        x.getWorksheet("Our KPIs")!.getCell("K2").value = 99;
        if (loseMeta) x.removeWorksheet(x.getWorksheet(META_SHEET)!.id);
      });
      await build(wb, { data: network((d) => { d.kpiMonths = 24; }) });
      expect(wb.wb.worksheets.map((w) => w.name).filter((n) => /KPI/.test(n) && n !== "KPI Charts")).toEqual(["Our KPIs"]);
      expect(wb.sheet("Our KPIs").getCell("K2").value).toBe(99);
      expect(wb.sheet("Our KPIs").getCell(1, 10 + 24).value).toBe("Mar 2027");
    }
  });
});

describe("headers and labels a person typed over", () => {
  it("are kept, with a note; our own older wording is refreshed", async () => {
    const wb = await fresh();
    await wb.edit((x) => {
      x.getWorksheet("Partnerships")!.getCell("B1").value = "Provider";
      x.getWorksheet("Funding")!.getCell("A2").value = "How we split it";
    });
    const plan = await build(wb);
    expect(wb.sheet("Partnerships").getCell("B1").value).toBe("Provider");
    expect(wb.sheet("Funding").getCell("A2").value).toBe("How we split it");
    expect(plan.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/heading typed over ours in Partnerships!B1/), expect.stringMatching(/text typed over ours in Funding!A2/)]));
    // Text this product wrote before (remembered as written) is ours to refresh.
    await wb.edit((x) => {
      x.getWorksheet("Partnerships")!.getCell("C1").value = "Partnership type";
      x.getWorksheet(META_SHEET)!.eachRow((row) => { if (row.getCell(2).value === "partnerships") row.getCell(6).value = `${row.getCell(6).value} ${textHash("Partnership type")}`; });
    });
    await build(wb);
    expect(wb.sheet("Partnerships").getCell("C1").value).toBe("Type");
    expect(wb.sheet("Partnerships").getCell("B1").value).toBe("Provider");
  });
});
