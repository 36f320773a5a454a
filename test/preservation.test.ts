// Rebuild scenarios from a review of the plan engine: each once lost or misplaced something a person typed.
// Edits are made in exceljs and saved, as another program would; rebuilds go through the shipped writer.
import type ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import type { BuildOptions } from "../core/workbook/build";
import { sampleNetwork } from "../core/workbook/sample";
import { edit, open, rebuild } from "./offline";

const today = "2026-03-01";
const build = (file: Buffer | null, opts: BuildOptions = {}) => rebuild(file, { today, ...opts });
const fresh = async () => (await build(null, { sample: true })).file;
const column = (ws: ExcelJS.Worksheet, c: number) => (ws.getColumn(c).values as unknown[]).slice(1);

describe("rebuilds keep what people typed", () => {
  it("settings on the Funding and Budget Summary sheets survive a rebuild", async () => {
    let f = await edit(await fresh(), (wb) => {
      wb.getWorksheet("Funding")!.getCell("B2").value = "Registered list";
      wb.getWorksheet("Funding")!.getCell("B3").value = 100000;
      wb.getWorksheet("Budget Summary")!.getCell("B2").value = 3;
    });
    f = (await build(f, { sample: true })).file;
    const wb = await open(f);
    expect(wb.getWorksheet("Funding")!.getCell("B2").value).toBe("Registered list");
    expect(wb.getWorksheet("Funding")!.getCell("B3").value).toBe(100000);
    expect(wb.getWorksheet("Budget Summary")!.getCell("B2").value).toBe(3);
  });

  it("a whole row inserted into a table keeps its record and gets fresh formulas", async () => {
    let f = await edit(await fresh(), (wb) => { wb.getWorksheet("Practices")!.spliceRows(3, 0, ["Inserted Practice", "X09999", 1000, 1100, 1050, 0]); });
    f = (await build(f)).file;
    const ws = (await open(f)).getWorksheet("Practices")!;
    expect(ws.getCell("A3").value).toBe("Inserted Practice");
    expect((ws.getCell("J3").value as { formula: string }).formula).toContain("D3");
    expect(column(ws, 1).filter((v) => v === "Riverside Surgery")).toHaveLength(1);
  });

  it("notes typed in blank cells of a report, and values typed in spare rows' formula cells, are kept", async () => {
    let f = await edit(await fresh(), (wb) => {
      wb.getWorksheet("Funding")!.getCell("D2").value = "agreed at the March board";
      wb.getWorksheet("Practices")!.getCell("H14").value = 5;
    });
    const r = await build(f);
    f = r.file;
    const wb = await open(f);
    expect(wb.getWorksheet("Funding")!.getCell("D2").value).toBe("agreed at the March board");
    expect(wb.getWorksheet("Practices")!.getCell("H14").value).toBe(5);
    expect(r.plan.warnings.join(" ")).toMatch(/Practices!H14/);
  });

  it("a sheet renamed by case, or renamed outright, is still ours; a lost meta sheet makes no duplicates", async () => {
    let f = await edit(await fresh(), (wb) => {
      wb.getWorksheet("Practices")!.name = "tmp"; // exceljs refuses a case-only rename in one step
      wb.getWorksheet("tmp")!.name = "practices";
      wb.getWorksheet("Budget")!.name = "PCN budget 25-26";
      wb.getWorksheet("PCN budget 25-26")!.getCell("B2").value = "Renamed line";
    });
    f = (await build(f)).file;
    let wb = await open(f);
    expect(wb.worksheets.map((w) => w.name)).not.toContain("Practices");
    expect(wb.worksheets.map((w) => w.name)).not.toContain("Budget");
    expect(wb.getWorksheet("PCN budget 25-26")!.getCell("B2").value).toBe("Renamed line");
    f = await edit(f, (w) => { w.removeWorksheet(w.getWorksheet("PCN_Meta")!.id); });
    const r = await build(f);
    wb = await open(r.file);
    expect(wb.worksheets.filter((w) => /\(PCN/.test(w.name)).map((w) => w.name)).toEqual([]);
    expect(r.plan.warnings.join(" ")).toMatch(/Recognised "PCN budget 25-26" as the Budget sheet/);
  });

  it("names follow a table as it grows, never becoming a union of old and new ranges", async () => {
    let f = await edit(await fresh(), (wb) => {
      const ws = wb.getWorksheet("Practices")!;
      for (let r = 2; r <= 40; r++) if (!ws.getCell(r, 1).value) { ws.getCell(r, 1).value = `Practice ${r}`; ws.getCell(r, 4).value = 100; }
    });
    f = (await build(f)).file;
    const ranges = (await open(f)).definedNames.getRanges("Practice_Weighted").ranges;
    expect(ranges).toHaveLength(1);
    expect(ranges[0]).toMatch(/^'?Practices'?!\$D\$2:\$D\$\d+$/);
  });

  it("a person's own column beside a table survives a change of columns", async () => {
    const data = sampleNetwork("2025/26", today) as any;
    let f = (await build(null, { data })).file;
    let mine = 0;
    f = await edit(f, (wb) => {
      const k = wb.getWorksheet("KPIs")!;
      mine = k.actualColumnCount + 2;
      k.getCell(1, mine).value = "My comments";
      k.getCell(2, mine).value = "Discussed at board";
    });
    f = (await build(f, { data: { ...data, kpiMonths: 24 } })).file;
    const k = (await open(f)).getWorksheet("KPIs")!;
    const header = (k.getRow(1).values as unknown[]);
    const at = header.indexOf("My comments");
    expect(at).toBeGreaterThan(10 + 24);
    expect(k.getCell(2, at).value).toBe("Discussed at board");
  });

  it("practice names match ignoring case and repeated spaces", async () => {
    const f = (await build(await fresh(), { practices: [{ name: "oakfield   medical centre", registered: 8800 }] })).file;
    const ws = (await open(f)).getWorksheet("Practices")!;
    const names = column(ws, 1).filter((v) => typeof v === "string" && /oakfield/i.test(v as string));
    expect(names).toHaveLength(1);
    expect(ws.getCell("C3").value).toBe(8800);
  });

  it("a sample record a person deleted does not come back when rebuilding with the sample", async () => {
    let f = await edit(await fresh(), (wb) => {
      const ws = wb.getWorksheet("Practices")!;
      const row = column(ws, 1).indexOf("Northgate Family Practice") + 1;
      for (let c = 1; c <= 7; c++) ws.getCell(row, c).value = null;
    });
    f = (await build(f, { sample: true })).file;
    expect(column((await open(f)).getWorksheet("Practices")!, 1)).not.toContain("Northgate Family Practice");
  });
});
