// A workbook saved with the 1904 date system (Excel for Mac's old default) counts days from 1904-01-01. The
// offline reader gives numbers as the file holds them and says the workbook is 1904 (as the add-ins' bridges
// do), the core counts its dates from there, and the writer writes the plan's dates as 1904 serials: no date
// moves by 1,462 days, in what we write or what a person typed.
import ExcelJS from "exceljs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ZipReader } from "../cli/xlsx/zip";
import { isoToSerial, serialToIso } from "../core/workbook/plan";
import { disposeLibreOffice } from "./engines/libreoffice";
import { libreOffice, type LoQuery } from "./engines/libreofficeEdits";
import { rebuild, snapshotOf } from "./offline";

const today = "2026-03-01";
const dir = mkdtempSync(join(tmpdir(), "pcn-1904-"));
afterAll(async () => { await disposeLibreOffice(); rmSync(dir, { recursive: true, force: true }); });

/** A person's workbook from another program, saved in the 1904 date system, with a date they typed. */
async function workbook1904(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.properties.date1904 = true;
  const ws = wb.addWorksheet("Notes");
  ws.getCell("A1").value = "Board meeting";
  ws.getCell("B1").value = new Date(Date.UTC(2026, 3, 1));
  ws.getCell("B1").numFmt = "dd/mm/yyyy";
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe("the 1904 date system", () => {
  it("the file really is a 1904 workbook, and its date cell holds the 1904 serial", async () => {
    const zip = new ZipReader(await workbook1904(), "test");
    expect(zip.text("xl/workbook.xml")).toMatch(/date1904="1"/);
    expect(zip.text("xl/worksheets/sheet1.xml")).toContain(`<v>${isoToSerial("2026-04-01") - 1462}</v>`);
  });

  it("a date a person typed reads as its calendar date; our dates are written so that they show the same dates as in a 1900 workbook", async () => {
    const plain = (await rebuild(null, { sample: true, today })).file;
    const once = (await rebuild(await workbook1904(), { sample: true, today })).file;
    const twice = (await rebuild(once, { sample: true, today })).file;
    for (const f of [once, twice]) {
      expect(snapshotOf(f).date1904).toBe(true);
      const notes = snapshotOf(f).sheets.find((s) => s.name === "Notes")!;
      expect(serialToIso((notes.values[0][1] as number) + 1462)).toBe("2026-04-01");
    }
    expect(snapshotOf(plain).date1904).toBeUndefined();
    // Our date cells hold the same dates as in a 1900 workbook: serials 1,462 lower.
    const starts = (f: Buffer) => { const p = snapshotOf(f).sheets.find((s) => s.name === "Partnerships")!; const c = p.values[0].indexOf("Start"); return p.values.slice(1, 13).map((r) => r[c]); };
    const shifted = starts(plain).map((v) => (v as number) - 1462);
    expect(starts(once)).toEqual(shifted);
    expect(starts(twice)).toEqual(shifted);
    expect(starts(plain).every((v) => typeof v === "number" && v > 40000)).toBe(true);
    // In the file, they are 1904 serials; the charts say so too.
    const zip = new ZipReader(once, "test");
    const charts = zip.order.filter((n) => /^xl\/charts\/chart\d+\.xml$/.test(n));
    expect(charts.length).toBeGreaterThan(0);
    for (const c of charts) expect(zip.text(c)).toContain('<c:date1904 val="1"/>');

    // LibreOffice shows the same dates in both workbooks, the person's date included.
    writeFileSync(join(dir, "plain.xlsx"), plain);
    writeFileSync(join(dir, "1904.xlsx"), twice);
    const queries: LoQuery[] = [2, 3, 4, 5].flatMap((r) => [{ q: "string", sheet: "Partnerships", cell: `H${r}` }, { q: "string", sheet: "KPIs", cell: `K1` }] as LoQuery[]);
    const [a, b] = await libreOffice([{ file: join(dir, "plain.xlsx"), queries }, { file: join(dir, "1904.xlsx"), queries: [...queries, { q: "string", sheet: "Notes", cell: "B1" }] }]);
    expect(a.answers.some((x) => /\d/.test(x))).toBe(true);
    expect(b.answers.slice(0, queries.length)).toEqual(a.answers);
    expect(b.answers[queries.length]).toBe("01/04/2026");
  });
});
