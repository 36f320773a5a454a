// Whose data is in a workbook: the sample only in a new one, the person's data file updating what it owns,
// what the person typed never overruled (issue #9, items 3 and 4).
import type ExcelJS from "exceljs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPlan, type BuildOptions } from "../core/workbook/build";
import { validateNetwork, type NetworkData } from "../core/workbook/data";
import { DATA_SHEET, readMeta } from "../core/workbook/engine";
import { sampleNetwork } from "../core/workbook/sample";
import { TestWorkbook } from "./offline";

const today = "2026-03-01";
const YEAR = "2025/26";
// Every build goes through the shipped reader and writer (the file's bytes); a person's edits are made in exceljs.
const build = (wb: TestWorkbook, opts: BuildOptions = {}) => wb.build({ today, ...opts });
const built = (opts: BuildOptions = {}) => TestWorkbook.built({ today, ...opts });
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
const sampleRefs = (wb: TestWorkbook) => {
  const refs = new Set([...sampleNetwork(YEAR, today).budget.map((b) => b.ref)]);
  return col(wb.sheet("Budget"), 1).filter((v) => typeof v === "string" && refs.has(v));
};

describe("the sample goes only into a new workbook", () => {
  it("a new workbook built without data is the sample, and says so on About", async () => {
    const wb = await built({ sample: true });
    const about = (col(wb.sheet("About"), 1) as string[]).join("\n");
    expect(about).toContain(sampleName);
    expect(about).toMatch(/This workbook holds the fictional sample network/);
    expect(readMeta(wb.snapshot()).sample).toBe(true);
  });

  it("a person's workbook rebuilt with the sample gets no sample record, anywhere, and keeps its name", async () => {
    const wb = await built({ data: network((d) => { d.budget = d.budget.map((b) => ({ ...b, ref: `MY-${b.ref}` })); }) });
    await wb.edit((x) => x.removeWorksheet(x.getWorksheet("Budget")!.id)); // the person deleted a sheet
    const plan = await build(wb, { sample: true });
    expect(plan.warnings.join(" ")).toMatch(/The sample network only goes into a new workbook/);
    // The deleted sheet comes back empty: no fictional money reaches Budget Summary.
    expect(sampleRefs(wb)).toEqual([]);
    expect(col(wb.sheet("Budget"), 1).filter((v) => typeof v === "string" && v !== "Line ref")).toEqual([]);
    expect(col(wb.sheet("Practices"), 1)).not.toContain("Riverbend");
    const about = (col(wb.sheet("About"), 1) as string[]).join("\n");
    expect(about).toContain("Castlegate PCN");
    expect(about).not.toMatch(/fictional sample network:/);
    expect(readMeta(wb.snapshot()).sample).not.toBe(true);
  });

  it("a sheet deleted from the sample workbook comes back without sample records", async () => {
    const wb = await built({ sample: true });
    expect(sampleRefs(wb).length).toBeGreaterThan(0);
    await wb.edit((x) => x.removeWorksheet(x.getWorksheet("Budget")!.id));
    await build(wb, { sample: true });
    expect(sampleRefs(wb)).toEqual([]);
  });

  it("a sample workbook built sheet by sheet (as the Sheets sidebar does) gets the sample in every sheet", async () => {
    const wb = await TestWorkbook.of();
    for (const key of ["about", "partnerships", "practices", "budget", "kpis"]) await build(wb, { sheets: [key], sample: true });
    expect(sampleRefs(wb).length).toBe(sampleNetwork(YEAR, today).budget.length);
    expect(col(wb.sheet("Partnerships"), 1)).toContain("P-001");
    expect(col(wb.sheet("KPIs"), 1)).toContain("K-01");
  });

  it("data is never built into the sample workbook: it would mix made-up records with the person's", async () => {
    const wb = await built({ sample: true });
    expect(() => buildPlan(wb.snapshot(), { data: network(), today })).toThrow(/holds the fictional sample network/);
  });

  it("names and settings a person typed are theirs: About's name, Funding's split key, months closed", async () => {
    const data = network();
    const wb = await built({ data });
    const nameRow = col(wb.sheet("About"), 1).indexOf("Castlegate PCN") + 1;
    await wb.edit((x) => {
      x.getWorksheet("About")!.getCell(nameRow, 1).value = "Castlegate & Moor PCN";
      x.getWorksheet("Funding")!.getCell("B2").value = "Equal";
      x.getWorksheet("Budget Summary")!.getCell("B2").value = 4;
    });
    for (const opts of [{}, { sample: true }, { data: network((d) => { d.pcn.name = "Castlegate PCN (renamed in the file)"; }) }] as BuildOptions[]) {
      const plan = await build(wb, opts);
      expect(wb.sheet("About").getCell(nameRow, 1).value).toBe("Castlegate & Moor PCN");
      expect(wb.sheet("Funding").getCell("B2").value).toBe("Equal");
      expect(wb.sheet("Budget Summary").getCell("B2").value).toBe(4);
      // Typing one's own name there is expected: no warning about it.
      expect(plan.warnings.join(" ")).not.toMatch(/About!A/);
    }
  });

  it("the ICB from the data file is on About", async () => {
    const wb = await built({ data: network() });
    expect(col(wb.sheet("About"), 1)).toContain("Integrated Care Board: North Riding ICB");
    await build(wb);
    expect(col(wb.sheet("About"), 1)).toContain("Integrated Care Board: North Riding ICB");
  });
});

describe("--data updates what it owns, never what the person changed", () => {
  const reg = (wb: TestWorkbook, practice: string) => wb.sheet("Practices").getCell(rowOf(wb.sheet("Practices"), practice), 3).value;

  it("a list size changed in the file updates; one the person changed is kept and listed as a conflict", async () => {
    const wb = await built({ data: network((d) => { d.practices[0].registered = 9200; d.practices[1].registered = 8720; }) });
    const oak = rowOf(wb.sheet("Practices"), "Oakfield Medical Centre");
    await wb.edit((x) => { x.getWorksheet("Practices")!.getCell(oak, 3).value = 8750; }); // the person's correction
    const plan = await build(wb, { data: network((d) => { d.practices[0].registered = 9300; d.practices[1].registered = 8800; }) });
    expect(reg(wb, "Riverside Surgery")).toBe(9300);
    expect(reg(wb, "Oakfield Medical Centre")).toBe(8750);
    expect(plan.dataUpdates).toBe(1);
    expect(plan.conflicts).toEqual([{ sheet: "Practices", row: oak, field: "Registered list (1 Jan)", ref: "Oakfield Medical Centre", yours: "8750", file: "8800" }]);
    // Reported once: the same file again changes nothing and lists nothing.
    const again = await build(wb, { data: network((d) => { d.practices[0].registered = 9300; d.practices[1].registered = 8800; }) });
    expect(again.conflicts).toEqual([]);
    expect(again.dataUpdates).toBe(0);
    expect(reg(wb, "Oakfield Medical Centre")).toBe(8750);
    // A field the person changed that the file did not change since: theirs, silently.
    const later = await build(wb, { data: network((d) => { d.practices[0].registered = 9400; d.practices[1].registered = 8800; }) });
    expect(later.conflicts).toEqual([]);
    expect(reg(wb, "Riverside Surgery")).toBe(9400);
  });

  it("dates, text, choices and an end date the file removes follow the file; values the person typed stay", async () => {
    const wb = await built({ data: network() });
    const r1 = rowOf(wb.sheet("Partnerships"), "P-001"), r2 = rowOf(wb.sheet("Partnerships"), "P-002");
    await wb.edit((x) => { x.getWorksheet("Partnerships")!.getCell(r2, 2).value = "Valley Social Prescribing (our name)"; });
    const plan = await build(wb, { data: network((d) => {
      d.partnerships[0].partner = "Riverbend Pharmacies Ltd";
      d.partnerships[0].end = undefined;
      d.partnerships[0].type = "Informal partnership";
      d.partnerships[1].partner = "Valley SP CIC";
      d.partnerships[1].reviewDate = "2026-06-30";
    }) });
    const p = wb.sheet("Partnerships");
    expect(p.getCell(r1, 2).value).toBe("Riverbend Pharmacies Ltd");
    expect(p.getCell(r1, 9).value).toBeNull();
    expect(p.getCell(r1, 3).value).toBe("Informal partnership");
    expect(p.getCell(r2, 2).value).toBe("Valley Social Prescribing (our name)");
    const review = (p.getRow(1).values as unknown[]).indexOf("Review date");
    // 30/06/2026 as a date serial (46203), which exceljs shows as the date
    const rv = p.getCell(r2, review).value;
    expect(rv instanceof Date ? rv.toISOString().slice(0, 10) : rv).toBe("2026-06-30");
    expect(wb.snapshot().sheets.find((s) => s.name === "Partnerships")!.values[r2 - 1][review - 1]).toBe(46203);
    expect(plan.conflicts!.map((c) => `${c.sheet} ${c.row} ${c.field}: ${c.yours} | ${c.file}`)).toEqual([`Partnerships ${r2} Partner organisation: Valley Social Prescribing (our name) | Valley SP CIC`]);
  });

  it("budget phasing the file adds replaces our even phasing; IIF figures follow the file for the indicators it names", async () => {
    const wb = await built({ data: network() });
    const r = rowOf(wb.sheet("Budget"), "B-001");
    expect((wb.sheet("Budget").getCell(r, 8).value as { formula: string }).formula).toMatch(/ROUND/);
    const phasing = Array.from({ length: 12 }, (_, i) => (i < 6 ? 12000 : 10733.33));
    await build(wb, { data: network((d) => { d.budget[0].phasing = phasing; d.iif[0].numerator = 170; d.iif[0].code = "can-04"; }) });
    expect(wb.sheet("Budget").getCell(r, 8).value).toBe(12000);
    const iif = wb.sheet("IIF");
    expect(iif.getCell(rowOf(iif, "CAN-04"), 6).value).toBe(170);
    expect(col(iif, 1).filter((v) => v === "CAN-04")).toHaveLength(1);
  });

  it("remembers what records took from the file in a hidden sheet that stays bounded", async () => {
    const wb = await built({ data: network() });
    expect(wb.sheet(DATA_SHEET).state).toBe("hidden");
    const d = network();
    const records = d.practices.length + d.partnerships.length + d.arrsPosts.length + d.arrsPosts.reduce((a, p) => a + p.shares.length, 0) + d.budget.length + d.kpis.length + d.iif.length
      // Money to practices (#12): each practice's IIF figures, streams, costs and key rows are records too.
      + d.iif.reduce((a, i) => a + (i.practices?.length ?? 0), 0)
      + (d.distribution ? d.distribution.streams.length + d.distribution.costs.length + d.distribution.keys.length : 0)
      + d.board.length + d.agreement.length + d.maturity.length + d.priorities.length + d.meetings.length + d.actions.length + d.successes.length;
    const rows = () => col(wb.sheet(DATA_SHEET), 2).filter((v) => typeof v === "string" && v !== "" && v !== "*").length;
    expect(rows()).toBe(records);
    // A smaller file: its records only are remembered; records already in the workbook stay in the workbook.
    await build(wb, { data: network((x) => { x.budget = x.budget.slice(0, 3); }) });
    expect(rows()).toBe(records - d.budget.length + 3);
    expect(col(wb.sheet("Budget"), 1)).toContain(d.budget[d.budget.length - 1].ref);
    // A build without data leaves it as it is.
    await build(wb);
    expect(rows()).toBe(records - d.budget.length + 3);
  });

  it("stores each table's fields once and each record's values by position: under half the bytes of field=hash pairs", async () => {
    const wb = await built({ data: network() });
    const store = wb.sheet(DATA_SHEET);
    const rows = (store.getSheetValues() as unknown[][]).slice(2).map((r) => r.slice(1, 4) as string[]);
    const heads = rows.filter((r) => r[1] === "*");
    // One fields row per table the file fills, before its records.
    expect(heads.map((r) => r[0])).toEqual([...new Set(rows.map((r) => r[0]))]);
    const practices = heads.find((r) => r[0] === "practices")![2].split(" ");
    expect(practices).toContain("registered");
    const riverside = rows.find((r) => r[0] === "practices" && r[1] !== "*")![2].split(" ");
    // Each value hash in at most 7 characters, in the fields row's order.
    expect(riverside.length).toBeLessThanOrEqual(practices.length);
    for (const h of riverside) expect(h).toMatch(/^([0-9a-z]{1,7}|-)?$/);
    // What the earlier form took: a field name, "=" and an 11-character hash per field, for every record.
    const pairs = rows.filter((r) => r[1] !== "*").reduce((a, r) => a + r[2].split(" ").filter((h) => h !== "-").reduce((b, h, i) => b + heads.find((x) => x[0] === r[0])![2].split(" ")[i].length + 2 + (h ? 11 : 0), 0), 0);
    const now = rows.reduce((a, r) => a + r[2].length + 1, 0);
    expect(now).toBeLessThan(pairs / 2);
  });

  it("a workbook whose memory is in the earlier field=hash form (built before 2026-12) still tells the person's edits from the file's changes", async () => {
    // Built by the release before this one (test/fixtures/data-store-2026-11.xlsx: the network of network(), on 2026-03-01).
    const wb = await TestWorkbook.of(readFileSync(join(__dirname, "fixtures", "data-store-2026-11.xlsx")));
    expect(String(wb.sheet(DATA_SHEET).getCell("C2").value)).toMatch(/^[A-Za-z]+=[0-9a-z]*( |$)/);
    const practices = wb.sheet("Practices");
    const oak = rowOf(practices, "Oakfield Medical Centre");
    expect(reg(wb, "Riverside Surgery")).toBe(9850);
    await wb.edit((x) => { x.getWorksheet("Practices")!.getCell(oak, 3).value = 8750; });
    const plan = await build(wb, { data: network((d) => { d.practices[0].registered = 9900; d.practices[1].registered = 8800; }) });
    // The file's change lands where the person did not type; theirs is kept and listed; nothing else differs.
    expect(reg(wb, "Riverside Surgery")).toBe(9900);
    expect(reg(wb, "Oakfield Medical Centre")).toBe(8750);
    expect(plan.dataUpdates).toBe(1);
    expect(plan.conflicts).toEqual([{ sheet: "Practices", row: oak, field: "Registered list (1 Jan)", ref: "Oakfield Medical Centre", yours: "8750", file: "8800" }]);
    // Now in today's form, and read back as well: the same file again changes nothing.
    expect(wb.sheet(DATA_SHEET).getCell("B2").value).toBe("*");
    const again = await build(wb, { data: network((d) => { d.practices[0].registered = 9900; d.practices[1].registered = 8800; }) });
    expect([again.dataUpdates, again.conflicts]).toEqual([0, []]);
    expect(reg(wb, "Oakfield Medical Centre")).toBe(8750);
  });

  it("a damaged or hostile memory is only compared, never trusted: the build is as small as ever and keeps the person's values", async () => {
    const wb = await built({ data: network() });
    const normal = buildPlan(wb.snapshot(), { data: network(), today });
    await wb.edit((x) => {
      const store = x.getWorksheet(DATA_SHEET)!;
      store.getCell("C2").value = Array.from({ length: 5000 }, (_, i) => `f${i}=zz`).join(" ");
      store.getCell("A3").value = "constructor";
      store.getCell("B3").value = "__proto__";
      store.getCell("C3").value = "__proto__=1 constructor=2";
      store.getCell("B4").value = 5_000_000;
      for (let r = 10; r < 60; r++) store.getCell(r, 1).value = "practices";
      x.getWorksheet("Practices")!.getCell(2, 3).value = 1234;
    });
    const plan = buildPlan(wb.snapshot(), { data: network(), today });
    const cells = (p: typeof plan) => p.sheets.filter((s) => !s.name.startsWith("PCN_")).reduce((a, s) => a + s.blocks.reduce((b, k) => b + k.cells.reduce((c, r) => c + r.length, 0), 0), 0);
    expect(cells(plan)).toBeLessThanOrEqual(cells(normal));
    await build(wb, { data: network() });
    expect(wb.sheet("Practices").getCell(2, 3).value).toBe(1234);
  });
});
