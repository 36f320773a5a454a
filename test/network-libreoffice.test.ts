/**
 * Issue #11 in LibreOffice: the offline sample workbook (today's year, with a person's ARRS cut-off day typed in,
 * and 2025/26, whose DES rates are published) recalculated by a real engine.
 *  - Key Dates: the list is checked against the records as the other sheets show them (their own date columns, read
 *    by header), not against the helper keys the sheet sorts by; and every Key Dates cell equals the core's.
 *  - The network development sheets: no error value, every computed cell equal to the core's.
 *  - The sample is plausible: its budget's DES income is its own Funding sheet's, ARRS pays only for staff, each
 *    stream's spending is within its income.
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
let lo2025: Record<string, LoValue[][]>;

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
  const older = (await writeWorkbook({ out: join(dir, "y2025.xlsx"), year: "2025/26", sample: true, quiet: true, today })).file;
  lo2025 = await recalcXlsxRaw(older);
}, 300_000);
afterAll(async () => disposeLibreOffice());

const snapshotOf = (values: Record<string, LoValue[][]>): WorkbookSnapshot => ({
  sheets: Object.entries(values).map(([name, rows]) => ({
    name,
    values: rows.map((r) => r.map((v) => (v && typeof v === "object" ? null : (v as SnapshotValue)))),
    formulas: rows.map((r) => r.map(() => null)),
  })),
});
/** A list sheet's rows as objects by header. */
function records(sheet: string, book = lo): Record<string, LoValue>[] {
  const [head, ...rows] = book[sheet];
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

const NETWORK_SHEETS = ["Board", "Network Agreement", "Maturity", "Priorities", "Meetings", "Meeting Actions", "Successes"];

describe("network development sheets in LibreOffice", () => {
  it.each([["today's year", () => lo], ["2025/26", () => lo2025]])("%s: no error value, and every computed cell equals the core", (_, book) => {
    const v = book();
    expect(Object.keys(v)).toEqual(expect.arrayContaining([...NETWORK_SHEETS, "Key Dates", "Change Journal"]));
    const errors = NETWORK_SHEETS.flatMap((s) => v[s].flatMap((r, i) => r.flatMap((x, j) => (x && typeof x === "object" ? [`${s}!R${i + 1}C${j + 1} ${x.error}`] : []))));
    expect(errors).toEqual([]);
    const norm = (x: unknown) => (x === undefined || x === "" ? null : x);
    const same = (a: unknown, b: unknown) => (typeof a === "number" && typeof b === "number" ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)) : norm(a) === norm(b));
    const cells = computeWorkbook(snapshotOf(v), today).filter((c) => NETWORK_SHEETS.includes(c.sheet) || c.sheet === "Key Dates");
    for (const s of NETWORK_SHEETS) expect(cells.filter((c) => c.sheet === s).length, s).toBeGreaterThan(10);
    const diffs = cells.filter((c) => !same(v[c.sheet]?.[c.row]?.[c.col], c.value)).map((c) => `${c.sheet}!R${c.row + 1}C${c.col + 1}: ${JSON.stringify(v[c.sheet]?.[c.row]?.[c.col])} vs ${JSON.stringify(c.value)}`);
    expect(diffs.slice(0, 10)).toEqual([]);
  });

  it("the maturity self-assessment shows each area's scores, median, lowest, highest and spread, from what people scored", () => {
    const rows = lo["Maturity"];
    const table = records("Maturity");
    const r0 = rows.findIndex((r) => r.includes("Area") && r.includes("Median"));
    expect(r0).toBeGreaterThanOrEqual(0);
    const c0 = rows[r0].indexOf("Area");
    expect(rows[r0].slice(c0, c0 + 6)).toEqual(["Area", "Scores", "Median", "Lowest", "Highest", "Spread"]);
    const areas = rows.slice(r0 + 1, r0 + 6).map((r) => String(r[c0]));
    expect(areas).toHaveLength(5);
    const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
    areas.forEach((area, i) => {
      const scores = table.map((t) => t[`${area} (0-3)`]).filter((x): x is number => typeof x === "number");
      expect(scores.length, area).toBeGreaterThan(1); // several people scored
      const got = rows[r0 + 1 + i].slice(c0 + 1, c0 + 6);
      expect(got, area).toEqual([scores.length, median(scores), Math.min(...scores), Math.max(...scores), Math.max(...scores) - Math.min(...scores)]);
    });
  });
});

describe("the sample is plausible", () => {
  /** A Funding stream's annual figure (the cell four to the right of its label). */
  const fundingAnnual = (book: Record<string, LoValue[][]>, label: string) => {
    const r = book["Funding"].find((x) => x.includes(label));
    return r ? r[r.indexOf(label) + 4] : undefined;
  };
  it.each([["today's year", () => lo], ["2025/26", () => lo2025]])("%s: the budget's DES income is the Funding sheet's; ARRS pays only for staff; no stream spends more than it brings", (_, book) => {
    const v = book();
    const budget = records("Budget", v);
    const income = budget.filter((b) => b["Income or expenditure"] === "Income");
    const spend = budget.filter((b) => b["Income or expenditure"] === "Expenditure");
    expect(income.length).toBeGreaterThan(3);
    let matched = 0;
    for (const b of income.filter((x) => x.Category === "DES income" && !/^ARRS/.test(String(x.Description)))) {
      const d = String(b.Description);
      const est = /^(.*) \(estimate: (\S+) rate not published, at (\S+) rates\)$/.exec(d);
      if (est) {
        // Budgeted at an earlier year's rate, and the Funding sheet says this year's is unknown.
        expect(fundingAnnual(v, est[1]), d).toBe("Rate unknown");
      } else {
        expect(fundingAnnual(v, d), d).toBeCloseTo(b["Annual budget (£)"] as number, 2);
        matched++;
      }
    }
    if (v === lo2025) expect(matched).toBeGreaterThanOrEqual(3);
    // The ARRS reimbursement budgeted is what the posts claim (to the nearest £100).
    const claims = records("ARRS Workforce", v).reduce((a, r) => a + (typeof r["Claimable this year (£)"] === "number" ? (r["Claimable this year (£)"] as number) : 0), 0);
    const arrsIncome = income.find((b) => /^ARRS reimbursement/.test(String(b.Description)))!;
    expect(Math.abs((arrsIncome["Annual budget (£)"] as number) - claims)).toBeLessThanOrEqual(50);
    // ARRS money pays for ARRS staff only: no room hire, no technology.
    const fromArrs = spend.filter((b) => b["Funding source"] === "ARRS");
    expect(fromArrs.length).toBeGreaterThan(0);
    for (const b of fromArrs) expect(b.Category, String(b.Description)).toBe("ARRS staff");
    // Each ring-fenced stream's spending is within what it brings in.
    for (const [source, label] of [["Enhanced Access", "Enhanced Access payment"], ["Care Home Premium", "Care Home Premium"]] as const) {
      const inc = income.find((b) => String(b.Description).startsWith(label));
      if (!inc) continue;
      const out = spend.filter((b) => b["Funding source"] === source).reduce((a, b) => a + (b["Annual budget (£)"] as number), 0);
      expect(out, source).toBeLessThanOrEqual(inc["Annual budget (£)"] as number);
    }
    const practiceIn = income.find((b) => b.Description === "Practice contributions")!["Annual budget (£)"] as number;
    const practiceOut = spend.filter((b) => b["Funding source"] === "Practice contributions").reduce((a, b) => a + (b["Annual budget (£)"] as number), 0);
    expect(practiceOut).toBeLessThanOrEqual(practiceIn);
  });
});
