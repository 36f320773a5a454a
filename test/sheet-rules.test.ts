// The sheets' own rules in states a person leaves them in, recalculated by LibreOffice and checked against the
// core (issue #9, item 7): months closed below the months with actuals, partnerships that have ended.
import ExcelJS from "exceljs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWorkbook } from "../cli/main";
import { sampleNetwork } from "../core/workbook/sample";
import { disposeLibreOffice, recalcXlsxRaw, type LoValue } from "./engines/libreoffice";
import { disagreements, engineErrors } from "./engines/compare";

const dir = mkdtempSync(join(tmpdir(), "pcn-rules-"));
// LibreOffice's TODAY() is the real today: the core computes with the same.
const today = new Date().toISOString().slice(0, 10);
const addDays = (iso: string, d: number) => new Date(Date.parse(iso + "T00:00:00Z") + d * 86400000).toISOString().slice(0, 10);
let lo: Record<string, LoValue[][]>;

const header = (sheet: string, h: string) => lo[sheet][0].indexOf(h);
const rowOf = (sheet: string, key: string) => lo[sheet].find((r) => r[0] === key)!;

beforeAll(async () => {
  const data = JSON.parse(JSON.stringify(sampleNetwork("2025/26", today)));
  // A line exactly on budget: £10,000 a month, actuals entered for 8 months.
  data.budget.push({ ref: "B-EXACT", description: "On budget", category: "Other", type: "Expenditure", annual: 120000, actuals: Array(8).fill(10000) });
  data.budget.push({ ref: "B-INCOME", description: "Income on budget", category: "Other income", type: "Income", annual: 12000, actuals: Array(8).fill(1000) });
  // One partnership ended last month (its notice date long passed), one ends next year.
  data.partnerships[0] = { ...data.partnerships[0], start: addDays(today, -400), end: addDays(today, -30), value: 7777, recurrent: "Yes" };
  data.partnerships[1] = { ...data.partnerships[1], start: addDays(today, -10), end: addDays(today, 400), value: 5000, recurrent: "Yes" };
  writeFileSync(join(dir, "net.json"), JSON.stringify(data));
  const file = join(dir, "rules.xlsx");
  await writeWorkbook({ out: file, data: join(dir, "net.json"), sample: false, quiet: true, today });
  // The person closes only 6 months, though 8 have actuals.
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  wb.getWorksheet("Budget Summary")!.getCell("B2").value = 6;
  await wb.xlsx.writeFile(file);
  await writeWorkbook({ out: file, data: join(dir, "net.json"), sample: false, quiet: true, today });
  lo = await recalcXlsxRaw(file);
}, 180_000);
afterAll(async () => disposeLibreOffice());

describe("sheet rules, recalculated by LibreOffice", () => {
  it("months closed below the months with actuals: a line exactly on budget shows variance 0 and forecasts its budget", () => {
    const line = rowOf("Budget", "B-EXACT");
    expect(line[header("Budget", "Budget to date (£)")]).toBe(60000);
    expect(line[header("Budget", "Actual to date (£)")]).toBe(60000);
    expect(line[header("Budget", "Variance to date (£, + favourable)")]).toBe(0);
    expect(line[header("Budget", "Forecast outturn (£)")]).toBe(120000);
    expect(line[header("Budget", "Forecast variance (£, + favourable)")]).toBe(0);
    const income = rowOf("Budget", "B-INCOME");
    expect(income[header("Budget", "Variance to date (£, + favourable)")]).toBe(0);
    expect(lo["Budget Summary"].find((r) => r[0] === "Latest month with actuals entered")![1]).toBe(8);
  });

  it("a partnership that has ended says Ended, not Overdue, and leaves the committed value", () => {
    const p = rowOf("Partnerships", "P-001");
    expect(p[header("Partnerships", "Notice status")]).toBe("Ended");
    expect(rowOf("Partnerships", "P-002")[header("Partnerships", "Notice status")]).toBe("Fine");
    const sum = lo["Register Summary"];
    const value = (label: string) => sum.find((r) => r[0] === label)![1] as number;
    const all = (lo["Partnerships"].slice(1).map((r) => r[header("Partnerships", "Annual value (£)")]).filter((v) => typeof v === "number") as number[]).reduce((a, b) => a + b, 0);
    expect(value("Total committed annual value (not ended)")).toBeCloseTo(all - 7777, 6);
    expect(value("Ended")).toBe(1);
    // One Today cell serves every date formula: no TODAY() in any Partnerships cell.
    expect(sum[1][3]).toBe(Math.round((Date.parse(today) - Date.UTC(1899, 11, 30)) / 86400000));
  });

  it("every computed cell equals the core's computation, with no error value", () => {
    expect(engineErrors(lo)).toEqual([]);
    const d = disagreements(lo, today);
    expect(d.compared).toBeGreaterThan(100);
    expect(d.bad.slice(0, 20)).toEqual([]);
  });

  it("no formula on the Partnerships sheet calls TODAY()", async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(dir, "rules.xlsx"));
    const formulas: string[] = [];
    wb.getWorksheet("Partnerships")!.eachRow((row) => row.eachCell((c) => { if (c.formula) formulas.push(c.formula); }));
    expect(formulas.length).toBeGreaterThan(100);
    expect(formulas.filter((f) => /TODAY\(\)/i.test(f))).toEqual([]);
  });
});
