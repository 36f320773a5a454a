// Whose data is in a workbook: the sample only in a new one, the person's data file updating what it owns,
// what the person typed never overruled (issue #9, items 3 and 4).
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { applyPlan, snapshotOf } from "../cli/writer";
import { buildPlan, type BuildOptions } from "../core/workbook/build";
import { validateNetwork, type NetworkData } from "../core/workbook/data";
import { DATA_SHEET, readMeta } from "../core/workbook/engine";
import { sampleNetwork } from "../core/workbook/sample";

const today = "2026-03-01";
const YEAR = "2025/26";
const build = (wb: ExcelJS.Workbook, opts: BuildOptions = {}) => {
  const plan = buildPlan(snapshotOf(wb), { today, ...opts });
  applyPlan(wb, plan);
  return plan;
};
/** A person's own network: the sample's shape under other names, checked as a data file is. */
function network(edit: (d: NetworkData) => void = () => undefined): NetworkData {
  const d = JSON.parse(JSON.stringify(sampleNetwork(YEAR, today))) as NetworkData;
  d.pcn.name = "Castlegate PCN";
  d.pcn.icb = "North Riding ICB";
  edit(d);
  const v = validateNetwork(JSON.parse(JSON.stringify(d)));
  if (!v.ok) throw new Error(v.errors.join("\n"));
  return v.data;
}
const col = (ws: ExcelJS.Worksheet, c: number) => (ws.getColumn(c).values as unknown[]).slice(1);
const rowOf = (ws: ExcelJS.Worksheet, key: string) => col(ws, 1).indexOf(key) + 1;
const sampleName = sampleNetwork(YEAR, today).pcn.name;
const sampleRefs = (wb: ExcelJS.Workbook) => {
  const refs = new Set([...sampleNetwork(YEAR, today).budget.map((b) => b.ref)]);
  return col(wb.getWorksheet("Budget")!, 1).filter((v) => typeof v === "string" && refs.has(v));
};

describe("the sample goes only into a new workbook", () => {
  it("a new workbook built without data is the sample, and says so on About", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { sample: true });
    const about = (col(wb.getWorksheet("About")!, 1) as string[]).join("\n");
    expect(about).toContain(sampleName);
    expect(about).toMatch(/This workbook holds the fictional sample network/);
    expect(readMeta(snapshotOf(wb)).sample).toBe(true);
  });

  it("a person's workbook rebuilt with the sample gets no sample record, anywhere, and keeps its name", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { data: network((d) => { d.budget = d.budget.map((b) => ({ ...b, ref: `MY-${b.ref}` })); }) });
    wb.removeWorksheet(wb.getWorksheet("Budget")!.id); // the person deleted a sheet
    const plan = build(wb, { sample: true });
    expect(plan.warnings.join(" ")).toMatch(/The sample network only goes into a new workbook/);
    // The deleted sheet comes back empty: no fictional money reaches Budget Summary.
    expect(sampleRefs(wb)).toEqual([]);
    expect(col(wb.getWorksheet("Budget")!, 1).filter((v) => typeof v === "string" && v !== "Line ref")).toEqual([]);
    expect(col(wb.getWorksheet("Practices")!, 1)).not.toContain("Riverbend");
    const about = (col(wb.getWorksheet("About")!, 1) as string[]).join("\n");
    expect(about).toContain("Castlegate PCN");
    expect(about).not.toMatch(/fictional sample network:/);
    expect(readMeta(snapshotOf(wb)).sample).not.toBe(true);
  });

  it("a sheet deleted from the sample workbook comes back without sample records", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { sample: true });
    expect(sampleRefs(wb).length).toBeGreaterThan(0);
    wb.removeWorksheet(wb.getWorksheet("Budget")!.id);
    build(wb, { sample: true });
    expect(sampleRefs(wb)).toEqual([]);
  });

  it("a sample workbook built sheet by sheet (as the Sheets sidebar does) gets the sample in every sheet", () => {
    const wb = new ExcelJS.Workbook();
    for (const key of ["about", "partnerships", "practices", "budget", "kpis"]) build(wb, { sheets: [key], sample: true });
    expect(sampleRefs(wb).length).toBe(sampleNetwork(YEAR, today).budget.length);
    expect(col(wb.getWorksheet("Partnerships")!, 1)).toContain("P-001");
    expect(col(wb.getWorksheet("KPIs")!, 1)).toContain("K-01");
  });

  it("data is never built into the sample workbook: it would mix made-up records with the person's", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { sample: true });
    expect(() => buildPlan(snapshotOf(wb), { data: network(), today })).toThrow(/holds the fictional sample network/);
  });

  it("names and settings a person typed are theirs: About's name, Funding's split key, months closed", () => {
    const wb = new ExcelJS.Workbook();
    const data = network();
    build(wb, { data });
    const about = wb.getWorksheet("About")!;
    const nameRow = col(about, 1).indexOf("Castlegate PCN") + 1;
    about.getCell(nameRow, 1).value = "Castlegate & Moor PCN";
    wb.getWorksheet("Funding")!.getCell("B2").value = "Equal";
    wb.getWorksheet("Budget Summary")!.getCell("B2").value = 4;
    for (const opts of [{}, { sample: true }, { data: network((d) => { d.pcn.name = "Castlegate PCN (renamed in the file)"; }) }] as BuildOptions[]) {
      const plan = build(wb, opts);
      expect(about.getCell(nameRow, 1).value).toBe("Castlegate & Moor PCN");
      expect(wb.getWorksheet("Funding")!.getCell("B2").value).toBe("Equal");
      expect(wb.getWorksheet("Budget Summary")!.getCell("B2").value).toBe(4);
      // Typing one's own name there is expected: no warning about it.
      expect(plan.warnings.join(" ")).not.toMatch(/About!A/);
    }
  });

  it("the ICB from the data file is on About", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { data: network() });
    expect(col(wb.getWorksheet("About")!, 1)).toContain("Integrated Care Board: North Riding ICB");
    build(wb);
    expect(col(wb.getWorksheet("About")!, 1)).toContain("Integrated Care Board: North Riding ICB");
  });
});

describe("--data updates what it owns, never what the person changed", () => {
  const reg = (wb: ExcelJS.Workbook, practice: string) => wb.getWorksheet("Practices")!.getCell(rowOf(wb.getWorksheet("Practices")!, practice), 3).value;

  it("a list size changed in the file updates; one the person changed is kept and listed as a conflict", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { data: network((d) => { d.practices[0].registered = 9200; d.practices[1].registered = 8720; }) });
    const ws = wb.getWorksheet("Practices")!;
    const oak = rowOf(ws, "Oakfield Medical Centre");
    ws.getCell(oak, 3).value = 8750; // the person's correction
    const plan = build(wb, { data: network((d) => { d.practices[0].registered = 9300; d.practices[1].registered = 8800; }) });
    expect(reg(wb, "Riverside Surgery")).toBe(9300);
    expect(reg(wb, "Oakfield Medical Centre")).toBe(8750);
    expect(plan.dataUpdates).toBe(1);
    expect(plan.conflicts).toEqual([{ sheet: "Practices", row: oak, field: "Registered list (1 Jan)", ref: "Oakfield Medical Centre", yours: "8750", file: "8800" }]);
    // Reported once: the same file again changes nothing and lists nothing.
    const again = build(wb, { data: network((d) => { d.practices[0].registered = 9300; d.practices[1].registered = 8800; }) });
    expect(again.conflicts).toEqual([]);
    expect(again.dataUpdates).toBe(0);
    expect(reg(wb, "Oakfield Medical Centre")).toBe(8750);
    // A field the person changed that the file did not change since: theirs, silently.
    const later = build(wb, { data: network((d) => { d.practices[0].registered = 9400; d.practices[1].registered = 8800; }) });
    expect(later.conflicts).toEqual([]);
    expect(reg(wb, "Riverside Surgery")).toBe(9400);
  });

  it("dates, text, choices and an end date the file removes follow the file; values the person typed stay", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { data: network() });
    const p = wb.getWorksheet("Partnerships")!;
    const r1 = rowOf(p, "P-001"), r2 = rowOf(p, "P-002");
    p.getCell(r2, 2).value = "Valley Social Prescribing (our name)";
    const plan = build(wb, { data: network((d) => {
      d.partnerships[0].partner = "Riverbend Pharmacies Ltd";
      d.partnerships[0].end = undefined;
      d.partnerships[0].type = "Informal partnership";
      d.partnerships[1].partner = "Valley SP CIC";
      d.partnerships[1].reviewDate = "2026-06-30";
    }) });
    expect(p.getCell(r1, 2).value).toBe("Riverbend Pharmacies Ltd");
    expect(p.getCell(r1, 9).value).toBeNull();
    expect(p.getCell(r1, 3).value).toBe("Informal partnership");
    expect(p.getCell(r2, 2).value).toBe("Valley Social Prescribing (our name)");
    const review = (p.getRow(1).values as unknown[]).indexOf("Review date");
    expect(p.getCell(r2, review).value).toBe(46203); // 30/06/2026 as a date serial
    expect(plan.conflicts!.map((c) => `${c.sheet} ${c.row} ${c.field}: ${c.yours} | ${c.file}`)).toEqual([`Partnerships ${r2} Partner organisation: Valley Social Prescribing (our name) | Valley SP CIC`]);
  });

  it("budget phasing the file adds replaces our even phasing; IIF figures follow the file for the indicators it names", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { data: network() });
    const b = wb.getWorksheet("Budget")!;
    const r = rowOf(b, "B-001");
    expect((b.getCell(r, 8).value as { formula: string }).formula).toMatch(/ROUND/);
    const phasing = Array.from({ length: 12 }, (_, i) => (i < 6 ? 12000 : 10733.33));
    build(wb, { data: network((d) => { d.budget[0].phasing = phasing; d.iif[0].numerator = 170; d.iif[0].code = "can-04"; }) });
    expect(b.getCell(r, 8).value).toBe(12000);
    const iif = wb.getWorksheet("IIF")!;
    expect(iif.getCell(rowOf(iif, "CAN-04"), 6).value).toBe(170);
    expect(col(iif, 1).filter((v) => v === "CAN-04")).toHaveLength(1);
  });

  it("remembers what records took from the file in a hidden sheet that stays bounded", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { data: network() });
    const store = wb.getWorksheet(DATA_SHEET)!;
    expect(store.state).toBe("hidden");
    const d = network();
    const records = d.practices.length + d.partnerships.length + d.arrsPosts.length + d.arrsPosts.reduce((a, p) => a + p.shares.length, 0) + d.budget.length + d.kpis.length + d.iif.length
      // Money to practices (#12): each practice's IIF figures, streams, costs and key rows are records too.
      + d.iif.reduce((a, i) => a + (i.practices?.length ?? 0), 0)
      + (d.distribution ? d.distribution.streams.length + d.distribution.costs.length + d.distribution.keys.length : 0);
    const rows = () => col(store, 2).filter((v) => typeof v === "string" && v !== "").length;
    expect(rows()).toBe(records);
    // A smaller file: its records only are remembered; records already in the workbook stay in the workbook.
    build(wb, { data: network((x) => { x.budget = x.budget.slice(0, 3); }) });
    expect(rows()).toBe(records - d.budget.length + 3);
    expect(col(wb.getWorksheet("Budget")!, 1)).toContain("B-018");
    // A build without data leaves it as it is.
    build(wb);
    expect(rows()).toBe(records - d.budget.length + 3);
  });

  it("a damaged or hostile memory is only compared, never trusted: the build is as small as ever and keeps the person's values", () => {
    const wb = new ExcelJS.Workbook();
    build(wb, { data: network() });
    const normal = buildPlan(snapshotOf(wb), { data: network(), today });
    const store = wb.getWorksheet(DATA_SHEET)!;
    store.getCell("C2").value = Array.from({ length: 5000 }, (_, i) => `f${i}=zz`).join(" ");
    store.getCell("A3").value = "constructor";
    store.getCell("B3").value = "__proto__";
    store.getCell("C3").value = "__proto__=1 constructor=2";
    store.getCell("B4").value = 5_000_000;
    for (let r = 10; r < 60; r++) store.getCell(r, 1).value = "practices";
    const ws = wb.getWorksheet("Practices")!;
    ws.getCell(2, 3).value = 1234;
    const plan = buildPlan(snapshotOf(wb), { data: network(), today });
    const cells = (p: typeof plan) => p.sheets.filter((s) => !s.name.startsWith("PCN_")).reduce((a, s) => a + s.blocks.reduce((b, k) => b + k.cells.reduce((c, r) => c + r.length, 0), 0), 0);
    expect(cells(plan)).toBeLessThanOrEqual(cells(normal));
    applyPlan(wb, plan);
    expect(ws.getCell(2, 3).value).toBe(1234);
  });
});
