/**
 * Key Dates end to end: the offline sample workbook, with a person's ARRS cut-off day typed in, recalculated in
 * LibreOffice. The list is checked against the records as the other sheets show them (their own date columns, read
 * by header), not against the helper keys the sheet sorts by; and every Key Dates cell equals the core's.
 * Today is the real date, in LibreOffice and in the build (until the pinned-date harness lands).
 */
import ExcelJS from "exceljs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWorkbook } from "../cli/main";
import { computeFindings, computeWorkbook } from "../core/workbook/compute";
import { isoToSerial, type SnapshotValue, type WorkbookSnapshot } from "../core/workbook/plan";
import { KD, KEY_DATE_ROWS, PASSED_ROWS } from "../core/workbook/sheets/keyDates";
import { disposeLibreOffice, recalcXlsxRaw, type LoValue } from "./engines/libreoffice";

const today = new Date().toISOString().slice(0, 10);
const T = isoToSerial(today);
const CUTOFF_DAY = 15;
let lo: Record<string, LoValue[][]>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "pcn-kd-"));
  const file = (await writeWorkbook({ out: join(dir, "kd.xlsx"), sample: true, quiet: true, today })).file;
  // A person sets their ICB's ARRS cut-off day, as they would in Excel.
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = wb.getWorksheet("Key Dates")!;
  expect(String(ws.getCell(2, KD.yearCol + 1).value)).toMatch(/cut-off day/);
  ws.getCell(2, KD.yearCol + 2).value = CUTOFF_DAY;
  await wb.xlsx.writeFile(file);
  lo = await recalcXlsxRaw(file);
}, 240_000);
afterAll(async () => disposeLibreOffice());

const snapshotOf = (values: Record<string, LoValue[][]>): WorkbookSnapshot => ({
  sheets: Object.entries(values).map(([name, rows]) => ({
    name,
    values: rows.map((r) => r.map((v) => (v && typeof v === "object" ? null : (v as SnapshotValue)))),
    formulas: rows.map((r) => r.map(() => null)),
  })),
});
/** A list sheet's rows as objects by header. */
function records(sheet: string): Record<string, LoValue>[] {
  const [head, ...rows] = lo[sheet];
  return rows.filter((r) => r[0] !== null && r[0] !== "").map((r) => Object.fromEntries(head.map((h, i) => [String(h), r[i] ?? null])));
}
interface Line { date: number; days: LoValue; what: string; sheet: string; ref: LoValue }
function list(first: number, rows: number): Line[] {
  const out: Line[] = [];
  for (let r = first; r < first + rows; r++) {
    const x = lo["Key Dates"][r] ?? [];
    if (typeof x[0] !== "number") { expect(x.slice(0, 5).every((v) => v === null || v === ""), `row ${r + 1} after the list's end`).toBe(true); continue; }
    out.push({ date: x[0], days: x[1], what: String(x[2]), sheet: String(x[3]), ref: x[4] ?? null });
  }
  return out;
}
const serialOf = (y: number, m: number, d: number) => isoToSerial(`${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`);

describe("Key Dates in LibreOffice", () => {
  it("has no error value, and every cell equals the core's computation (with the typed cut-off day)", () => {
    const errors = lo["Key Dates"].flatMap((r, i) => r.flatMap((v, j) => (v && typeof v === "object" ? [`R${i + 1}C${j + 1} ${v.error}`] : [])));
    expect(errors).toEqual([]);
    const cells = computeWorkbook(snapshotOf(lo), today).filter((c) => c.sheet === "Key Dates");
    expect(cells.length).toBeGreaterThan((KEY_DATE_ROWS + PASSED_ROWS) * 6);
    const norm = (v: unknown) => (v === undefined || v === "" ? null : v);
    const diffs = cells.filter((c) => norm(lo["Key Dates"][c.row]?.[c.col]) !== norm(c.value)).map((c) => `R${c.row + 1}C${c.col + 1}: ${JSON.stringify(lo["Key Dates"][c.row]?.[c.col])} vs ${JSON.stringify(c.value)}`);
    expect(diffs.slice(0, 10)).toEqual([]);
  });

  it("lists what is coming, soonest first, with the days to go; what passed, most recent first", () => {
    const up = list(KD.first, KEY_DATE_ROWS);
    expect(up.length).toBeGreaterThan(20);
    for (const [i, x] of up.entries()) {
      expect(x.date).toBeGreaterThanOrEqual(T);
      expect(x.days).toBe(x.date - T);
      if (i) expect(x.date).toBeGreaterThanOrEqual(up[i - 1].date);
    }
    const passed = list(KD.passedFirst, PASSED_ROWS);
    expect(passed.length).toBeGreaterThan(0);
    for (const [i, x] of passed.entries()) {
      expect(x.date).toBeLessThan(T);
      expect(x.days).toBe(x.date - T);
      if (i) expect(x.date).toBeLessThanOrEqual(passed[i - 1].date);
    }
    expect(lo["Key Dates"][1][1]).toBe(T);
  });

  it("holds the year's dates (claims on the ICB's cut-off day) and every dated record of the other sheets", () => {
    const up = list(KD.first, KEY_DATE_ROWS);
    // A full list shows the soonest KEY_DATE_ROWS; one that is not full shows every date to come.
    const last = up.length < KEY_DATE_ROWS ? Infinity : up[up.length - 1].date;
    const expected: { date: number; what: RegExp; sheet: string }[] = [];
    const soon = (d: LoValue): d is number => typeof d === "number" && d >= T && d < last; // those sure to fit the list
    // The financial year under way, from the date alone.
    const [y, m] = today.split("-").map(Number);
    const y0 = m >= 4 ? y : y - 1;
    const fy = `${y0}/${String((y0 + 1) % 100).padStart(2, "0")}`;
    const fixed = [
      { date: serialOf(y0 + 1, 3, 31), what: new RegExp(`^Financial year ${fy} ends$`) },
      { date: serialOf(y0 + 1, 1, 1), what: /^List-size date: practices' lists as at 1 January/ },
      { date: serialOf(y0 + 1, 4, 30), what: /^Network Contract DES .*: a practice not taking part tells its commissioner by 30 April$/ },
    ];
    for (const f of fixed) if (soon(f.date)) expected.push({ ...f, sheet: "Key Dates" });
    // Each month's ARRS claim falls on the cut-off day of the month after.
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    for (let i = 0; i < 12; i++) {
      const cm = ((3 + i) % 12) + 1, cy = cm >= 4 ? y0 : y0 + 1;
      const date = cm === 12 ? serialOf(cy + 1, 1, CUTOFF_DAY) : serialOf(cy, cm + 1, CUTOFF_DAY);
      if (soon(date)) expected.push({ date, what: new RegExp(`^ARRS claim for ${months[cm - 1]} ${cy}`), sheet: "Key Dates" });
    }
    const esc = (s: LoValue) => String(s).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    for (const a of records("Meeting Actions")) if (a.Status !== "Done" && a.Status !== "Dropped" && soon(a.Due)) expected.push({ date: a.Due, what: new RegExp(`^Action due: ${esc(a.Action)}`), sheet: "Meeting Actions" });
    for (const x of records("Meetings")) if (soon(x.Date)) expected.push({ date: x.Date, what: new RegExp(`^Meeting: ${esc(x.Meeting)}$`), sheet: "Meetings" });
    for (const x of records("Priorities")) if (soon(x["Review date"])) expected.push({ date: x["Review date"] as number, what: new RegExp(`^Priority review: ${esc(x.Priority)}$`), sheet: "Priorities" });
    for (const x of records("Network Agreement")) if (soon(x["Review date"])) expected.push({ date: x["Review date"] as number, what: new RegExp(`^Network agreement review: ${esc(x["Area of the agreement"])}$`), sheet: "Network Agreement" });
    for (const x of records("ARRS Workforce")) if (soon(x.End)) expected.push({ date: x.End as number, what: new RegExp(`^ARRS post ends: ${esc(x.Role)}$`), sheet: "ARRS Workforce" });
    // Records of several sheets are in the sample's list, besides the year's own dates.
    expect(new Set(expected.map((e) => e.sheet)).size).toBeGreaterThanOrEqual(4);
    expect(expected.length).toBeGreaterThan(10);
    for (const e of expected) {
      const hit = up.find((x) => x.date === e.date && e.what.test(x.what) && x.sheet === e.sheet);
      expect(hit, `${e.sheet}: ${e.what} on ${e.date}`).toBeDefined();
    }
    // The claims' basis says the cut-off day is the ICB's.
    expect(lo["Key Dates"].filter((r) => /^ARRS claim for/.test(String(r[KD.yearCol]))).map((r) => r[KD.yearCol + 2])).toEqual(Array(12).fill("Your ICB's cut-off day (set above)."));
  });

  it("Check register reports the key dates within 30 days, at the rows they come from", () => {
    const findings = computeFindings(snapshotOf(lo), today);
    const within = list(KD.first, KEY_DATE_ROWS).filter((x) => x.date - T <= 30 && !/^Notice date|^Action due/.test(x.what));
    for (const x of within) {
      const f = findings.find((g) => g.message.startsWith(`${x.what}:`));
      expect(f, x.what).toBeDefined();
      expect(f!.sheet).toBe(x.sheet);
      expect(f!.message).toMatch(x.days === 0 ? /today\.$/ : x.days === 1 ? /tomorrow\.$/ : new RegExp(`in ${x.days} days\\.$`));
    }
  });
});
