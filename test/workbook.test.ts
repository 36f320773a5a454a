// The offline workbook, opened in independent engines: every computed cell equals what the core computes,
// no error values, literal user text, the promised features, and rebuilds that lose nothing.
import ExcelJS from "exceljs";
import fc from "fast-check";
import JSZip from "jszip";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWorkbook } from "../cli/main";
import { buildPlan, workbookSpecs } from "../core/workbook/build";
import { computeWorkbook } from "../core/workbook/compute";
import { readMeta } from "../core/workbook/engine";
import type { WorkbookSnapshot } from "../core/workbook/plan";
import { sampleNetwork } from "../core/workbook/sample";
import { evaluateXlsx } from "./engines/hyperformula";
import { disposeLibreOffice, recalcXlsxRaw, type LoValue } from "./engines/libreoffice";
import { sameValue, snapshotFromValues } from "./engines/compare";
import { edit, open, rebuild, snapshotOf } from "./offline";

const dir = mkdtempSync(join(tmpdir(), "pcn-wb-"));
const today = new Date().toISOString().slice(0, 10);
let file = "";
let lo: Record<string, LoValue[][]>;

beforeAll(async () => {
  file = (await writeWorkbook({ out: join(dir, "sample.xlsx"), sample: true, quiet: true, today })).file;
  lo = await recalcXlsxRaw(file);
}, 180_000);
afterAll(async () => disposeLibreOffice());

describe("sample workbook in LibreOffice", () => {
  it("has every sheet, with no error value anywhere", () => {
    expect(Object.keys(lo)).toEqual(expect.arrayContaining(["About", "Partnerships", "Register Summary", "Funding", "Rates", "ARRS Rates", "ARRS Workforce", "ARRS Shares", "Budget", "KPIs", "KPI Charts"]));
    const errors: string[] = [];
    for (const [sheet, rows] of Object.entries(lo)) rows.forEach((r, i) => r.forEach((v, j) => { if (v && typeof v === "object") errors.push(`${sheet}!R${i + 1}C${j + 1} ${v.error}`); }));
    expect(errors).toEqual([]);
  });

  it("every computed cell equals what the core computes", () => {
    const cells = computeWorkbook(snapshotFromValues(lo), today);
    expect(cells.length).toBeGreaterThan(1000);
    const diffs = cells.filter((c) => !sameValue(lo[c.sheet]?.[c.row]?.[c.col] ?? null, c.value)).map((c) => `${c.sheet}!R${c.row + 1}C${c.col + 1}: engine ${JSON.stringify(lo[c.sheet]?.[c.row]?.[c.col])} core ${JSON.stringify(c.value)}`);
    expect(diffs.slice(0, 20)).toEqual([]);
  });

  it("is for 2026/27 (today's financial year), with no Capacity and Access stream and the unknown rates said plainly", async () => {
    const { getYear } = await import("../core/rates/book");
    expect(readMeta(snapshotFromValues(lo)).year).toBe("2026/27");
    const about = lo["About"].map((r) => String(r[0] ?? ""));
    expect(about.find((l) => l.startsWith("Financial year"))).toMatch(/^Financial year 2026\/27 /);
    const funding = lo["Funding"];
    expect(funding.flat().some((v) => typeof v === "string" && /Capacity and Access/.test(v))).toBe(false);
    const annualOf = (label: string) => { const r = funding.find((x) => x.includes(label))!; return r[r.indexOf(label) + 4]; };
    expect(annualOf("Core PCN funding")).toBe("Rate unknown");
    expect(annualOf("Enhanced Access payment")).toBe("Rate unknown");
    // A total that leaves streams out says so, and by how many.
    const total = funding.find((r) => r.includes("Total PCN income"))!;
    expect(total).toContain("Incomplete: leaves out 3 of 3 streams (rate unknown)");
    // About lists every unknown figure and every ARRS maximum that is not sourced.
    const y = getYear("2026/27");
    for (const [k, r] of Object.entries(y.rates)) if (r.value === null) expect(about.some((l) => l.startsWith(`- ${r.label}:`)), k).toBe(true);
    for (const role of y.arrs.roles) expect(about.some((l) => l.startsWith(`- ${role.role}: `) && /\(estimated\)\.$/.test(l)), role.role).toBe(true);
    expect(about.some((l) => /Capacity and Access Support Payment \(CASP\): withdrawn on 1 April 2026/.test(l))).toBe(true);
    // ARRS Rates: every 2026/27 maximum is an estimate, shown as such; the hidden rates book holds what shipped.
    const rates = lo["ARRS Rates"];
    const h = rates[0].map(String);
    const kind = h.indexOf("Provenance from 01/04/2026");
    expect(kind).toBeGreaterThan(0);
    const cp = rates.find((r) => r[0] === "Clinical Pharmacist" && r[2] === "national")!;
    expect(cp[h.indexOf("Maximum per WTE from 01/04/2026 (£)")]).toBe(71725);
    expect(cp[kind]).toBe("estimated");
    expect(String(cp[h.indexOf("About this figure (provenance, revision in force and what it replaced)")])).toMatch(/^Estimated, not sourced: the 2025\/26 uplifted salary basis/);
  });
});

describe("earlier years' workbooks in LibreOffice", () => {
  it("2025/26: entitlements equal the core calculators; the August 2025 uplift is in force, estimated, beside what it replaced", async () => {
    const { corePcnFunding, enhancedAccess, arrsAllocation } = await import("../core/funding/des");
    const { getYear } = await import("../core/rates/book");
    const f = (await writeWorkbook({ out: join(dir, "y2025-26.xlsx"), year: "2025/26", sample: true, quiet: true, today })).file;
    const v = await recalcXlsxRaw(f);
    const errors: string[] = [];
    for (const [sheet, rows] of Object.entries(v)) rows.forEach((r, i) => r.forEach((x, j) => { if (x && typeof x === "object") errors.push(`${sheet}!R${i + 1}C${j + 1} ${x.error}`); }));
    expect(errors).toEqual([]);
    const cells = computeWorkbook(snapshotFromValues(v), today);
    expect(cells.filter((c) => !sameValue(v[c.sheet]?.[c.row]?.[c.col] ?? null, c.value)).slice(0, 10)).toEqual([]);
    const s = sampleNetwork("2025/26");
    const sum = (k: "registered" | "adjusted" | "weighted") => s.practices.reduce((a, p) => a + p[k], 0);
    const y = getYear("2025/26");
    const funding = v["Funding"];
    const find = (label: string) => funding.find((r) => r.includes(label))!;
    const annualOf = (label: string) => { const r = find(label); return r[r.indexOf(label) + 4]; };
    expect(annualOf("Core PCN funding")).toBeCloseTo(corePcnFunding(sum("registered"), sum("adjusted"), y).annual, 6);
    expect(annualOf("Enhanced Access payment")).toBeCloseTo(enhancedAccess(sum("adjusted"), y).annual, 6);
    expect(annualOf("Capacity and Access Support Payment (CASP)")).toBeCloseTo(sum("adjusted") * 3.208, 2);
    const arrsRow = find("ARRS allocation (Additional Roles Reimbursement Sum, includes GPs)");
    expect(arrsRow.filter((x) => typeof x === "number")).toContain(arrsAllocation(sum("weighted"), y).annual);
    expect(find("Total PCN income").filter((x) => typeof x === "string" && /Incomplete/.test(x))).toEqual([]);
    const rates = v["ARRS Rates"];
    const h = rates[0].map(String);
    const cp = rates.find((r) => r[0] === "Clinical Pharmacist" && r[2] === "national")!;
    expect(cp[h.indexOf("Maximum per WTE from 01/04/2025 (£)")]).toBe(69410);
    expect(cp[h.indexOf("Provenance from 01/04/2025")]).toBe("estimated");
    expect(String(cp[h.indexOf("About this figure (provenance, revision in force and what it replaced)")])).toMatch(/in force: August 2025 uplift of every ARRS maximum .*\(published 01\/08\/2025, backdated to 01\/04\/2025\); it replaced £66,972 \(the March 2025 DES as published, sourced\)/);
    // Rates at their full precision.
    const r = v["Rates"];
    expect(r.find((x) => x[0] === "coreRegistered")![2]).toBe(2.266);
    expect(r.find((x) => x[0] === "employerPensionRate")![2]).toBe(0.1438);
  });

  it.each([["2023/24"], ["2024/25"]])("%s: no error value, and every computed cell equals the core", async (year) => {
    const f = (await writeWorkbook({ out: join(dir, `y${year.replace("/", "-")}.xlsx`), year, sample: true, quiet: true, today })).file;
    const v = await recalcXlsxRaw(f);
    const errors: string[] = [];
    for (const [sheet, rows] of Object.entries(v)) rows.forEach((r, i) => r.forEach((x, j) => { if (x && typeof x === "object") errors.push(`${sheet}!R${i + 1}C${j + 1} ${x.error}`); }));
    expect(errors).toEqual([]);
    const cells = computeWorkbook(snapshotFromValues(v), today);
    expect(cells.filter((c) => !sameValue(v[c.sheet]?.[c.row]?.[c.col] ?? null, c.value)).slice(0, 10)).toEqual([]);
    // Unknown figures are said plainly, never computed from a guess.
    if (year === "2024/25") {
      expect(v["Funding"].flat()).toContain("Rate unknown");
      // The IIF sheet's formulas agree with the core's IIF functions (2024/25 has £198 a point).
      const { iifAchievement, iifPoints, iifValue } = await import("../core/funding/iif");
      const { getYear } = await import("../core/rates/book");
      const can04 = v["IIF"].find((r) => r[0] === "CAN-04")!;
      const pts = iifPoints(iifAchievement(168, 236, 9), 0.65, 0.8, 22);
      expect(can04[11]).toBeCloseTo(pts, 9);
      expect(can04[12]).toBeCloseTo(iifValue(pts, 0.94, 1.02, getYear("2024/25")), 6);
    }
  });
});

describe("sample workbook in HyperFormula (a second engine)", () => {
  it("computes the same numbers as the core, with no errors", async () => {
    // Excel reads a name that points at an empty cell as empty (="" is TRUE); HyperFormula only does with this off.
    // Money is rounded as Excel rounds it (HyperFormula's own ROUND takes an exact half-penny down).
    const ev = await evaluateXlsx(file, { evaluateNullToZero: false, excelRound: true });
    const sheets = ev.sheetNames();
    const values: Record<string, LoValue[][]> = {};
    for (const s of sheets) values[s] = ev.sheetValues(s) as LoValue[][];
    const cells = computeWorkbook(snapshotFromValues(values), today);
    const diffs = cells.filter((c) => !sameValue(values[c.sheet]?.[c.row]?.[c.col] ?? null, c.value)).map((c) => `${c.sheet}!R${c.row + 1}C${c.col + 1}: engine ${JSON.stringify(values[c.sheet]?.[c.row]?.[c.col])} core ${JSON.stringify(c.value)}`);
    expect(diffs.slice(0, 20)).toEqual([]);
    expect(ev.errors().slice(0, 10)).toEqual([]);
  });
});

describe("workbook features", () => {
  it("has dropdowns, £ formats, frozen headers, RAG conditional formats, named ranges and KPI charts", async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const p = wb.getWorksheet("Partnerships")!;
    expect(p.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    const dv = (p as any).dataValidations.model as Record<string, { type: string; formulae: string[] }>;
    expect(Object.values(dv).some((v) => v.type === "list" && v.formulae[0].includes("Memorandum of understanding"))).toBe(true);
    expect(p.getCell("K2").numFmt).toContain("£");
    const cfs = (p as any).conditionalFormattings as { rules: { formulae: string[] }[] }[];
    expect(cfs.some((c) => c.rules.some((r) => r.formulae[0].includes('"Overdue"')))).toBe(true);
    expect((wb.getWorksheet("KPIs") as any).conditionalFormattings.length).toBeGreaterThan(0);
    expect(wb.definedNames.getRanges("Rate_arrsAllocation").ranges[0]).toMatch(/^'?Rates'?!\$C\$\d+$/);
    // Rates at their full precision: 2.266 and 0.1438 show every decimal they have.
    expect(wb.getWorksheet("Rates")!.getCell("C2").numFmt).toBe("#,##0.0##########");
    // RAG colours: red, amber and green fills on the KPIs' RAG column.
    const ragFills = ((wb.getWorksheet("KPIs") as any).conditionalFormattings as { rules: { formulae: string[]; style: any }[] }[])
      .flatMap((c) => c.rules).map((r) => `${r.formulae[0].match(/"(Red|Amber|Green)"/)?.[1]}:${r.style.fill.bgColor.argb}`);
    expect(ragFills).toEqual(expect.arrayContaining(["Red:FFF8CBAD", "Amber:FFFFE699", "Green:FFC6EFCE"]));
    // One SPC chart per KPI, each plotting that KPI's own row of readings (the year before, then this year's) against the month headers.
    const zip = await JSZip.loadAsync(readFileSync(file));
    // Formulas are stored without results, so the file asks to be fully calculated on opening (Excel 2016 too).
    expect(await zip.file("xl/workbook.xml")!.async("string")).toMatch(/<calcPr[^>]*fullCalcOnLoad="1"/);
    const charts = Object.keys(zip.files).filter((f) => /^xl\/charts\/chart\d+\.xml$/.test(f));
    expect(charts).toHaveLength(sampleNetwork().kpis.length);
    const kpis = wb.getWorksheet("KPIs")!;
    for (const f of charts) {
      // The readings are the line group's first series (months flagged special cause are a column group before it).
      const xml = (await zip.file(f)!.async("string")).match(/<c:lineChart>[\s\S]*?<\/c:lineChart>/)![0];
      const name = xml.match(/<c:tx><c:v>([^<]*)<\/c:v><\/c:tx>/)![1];
      const [cat, val] = [...xml.matchAll(/<c:f>([^<]*)<\/c:f>/g)].map((m) => m[1]);
      const row = (kpis.getColumn(2).values as unknown[]).indexOf(name);
      expect(row, name).toBeGreaterThan(1);
      expect(val).toBe(`KPIs!$U$${row}:$AR$${row}`);
      expect(cat).toBe("KPIs!$U$1:$AR$1");
      expect(kpis.getCell(1, 21).value).toBe("Apr 2025");
      expect(kpis.getCell(row, 21).value).toBe(sampleNetwork().kpis.find((k) => k.measure === name)!.earlier[0]);
    }
  });

  it("keeps a partnership named like a formula as literal text", async () => {
    const data = sampleNetwork() as any;
    data.partnerships[0].partner = '=HYPERLINK("http://x","y")';
    data.partnerships[1].partner = "+1";
    data.partnerships[2].partner = "@SUM(1)";
    data.partnerships[3].partner = "-2";
    const dataFile = join(dir, "evil.json");
    writeFileSync(dataFile, JSON.stringify(data));
    const out = (await writeWorkbook({ out: join(dir, "evil.xlsx"), data: dataFile, sample: false, quiet: true, today })).file;
    const vals = (await recalcXlsxRaw(out))["Partnerships"];
    expect(vals.slice(1, 5).map((r) => r[1])).toEqual(['=HYPERLINK("http://x","y")', "+1", "@SUM(1)", "-2"]);
  });

  it("refuses bad data with messages naming the field, and writes nothing", async () => {
    const data = sampleNetwork() as any;
    data.practices[0].registered = -5;
    data.arrsPosts[0].wte = "one";
    data.partnerships[0].type = "Alliance";
    const dataFile = join(dir, "bad.json");
    writeFileSync(dataFile, JSON.stringify(data));
    const out = join(dir, "bad.xlsx");
    const err = await writeWorkbook({ out, data: dataFile, sample: false, quiet: true }).then(() => null, (e: Error) => e.message);
    expect(err).toMatch(/practices\.0\.registered: cannot be negative/);
    expect(err).toMatch(/arrsPosts\.0\.wte: .*expected number/);
    expect(err).toMatch(/partnerships\.0\.type: .*Memorandum of understanding/);
    expect(() => readFileSync(out)).toThrow();
  });
});

describe("rebuilds keep what people typed", () => {
  /** Input cells (sheet, row, col) a person may type in, from the specs themselves. */
  function inputCells(snap: WorkbookSnapshot) {
    const { specs } = workbookSpecs(snap, {});
    const meta = readMeta(snap);
    const out: { sheet: string; row: number; col: number }[] = [];
    for (const s of specs) {
      const m = meta.sheets.find((x) => x.key === s.key);
      if (!s.table || !m) continue;
      s.table.columns.forEach((c, ci) => { if (!c.formula) for (let r = 1; r <= m.capacity + 3; r++) out.push({ sheet: s.name, row: r, col: ci }); });
      for (const rep of s.reports ?? []) rep.rows.forEach((row, r) => row.forEach((rc, c) => rc?.input && out.push({ sheet: s.name, row: r, col: rep.col + c })));
    }
    return out;
  }

  it("random edits to input cells, then a rebuild, lose nothing", async () => {
    const base = (await rebuild(null, { sample: true, today })).file;
    const cells = inputCells(snapshotOf(base));
    const value = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }).filter((t) => t.trim() !== ""), fc.integer({ min: -1e6, max: 1e6 }), fc.double({ min: 0, max: 1e5, noNaN: true }),
      fc.constantFrom("=HYPERLINK(\"http://x\",\"y\")", "+1", "@SUM(1)", "Agreed", "Yes"));
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.nat(cells.length - 1), value), { minLength: 1, maxLength: 25 }), async (edits) => {
      const expected = new Map<string, unknown>();
      const edited = await edit(base, (wb) => {
        for (const [i, v] of edits) {
          const c = cells[i];
          wb.getWorksheet(c.sheet)!.getCell(c.row + 1, c.col + 1).value = v as ExcelJS.CellValue;
          expected.set(`${c.sheet}|${c.row}|${c.col}`, v);
        }
      });
      // Rebuilt with the sample again: incoming data must never overwrite what was typed.
      const after = snapshotOf((await rebuild(edited, { sample: true, today })).file);
      for (const [k, v] of expected) {
        const [sheet, r, c] = k.split("|");
        const got = after.sheets.find((s) => s.name === sheet)!.values[Number(r)]?.[Number(c)];
        expect(got, k).toBe(v === "" ? null : v);
      }
    }), { numRuns: 15 });
  });

  it("a sheet of the same name this product did not make is never overwritten", async () => {
    const wb0 = new ExcelJS.Workbook();
    const mine = wb0.addWorksheet("Budget");
    mine.getCell("A1").value = "my own budget";
    mine.getCell("B7").value = 42;
    const r = await rebuild(Buffer.from(await wb0.xlsx.writeBuffer()), { sample: true, today });
    const wb = await open(r.file);
    expect(wb.getWorksheet("Budget")!.getCell("A1").value).toBe("my own budget");
    expect(wb.getWorksheet("Budget")!.getCell("B7").value).toBe(42);
    expect(wb.getWorksheet("Budget (PCN)")).toBeTruthy();
    expect(r.plan.warnings.join(" ")).toMatch(/"Budget" already exists/);
  });

  it("a rebuild keeps rows people added and a value typed over a formula", async () => {
    let lastRef = 0;
    const edited = await edit((await rebuild(null, { sample: true, today })).file, (wb) => {
      const ws = wb.getWorksheet("Budget")!;
      lastRef = ws.getColumn(1).values.filter((v) => typeof v === "string" && /^B-\d+$/.test(v)).length;
      ws.getCell(lastRef + 2, 1).value = "B-MINE";
      ws.getCell(lastRef + 2, 2).value = "My new line";
      ws.getCell(2, 33).value = 123.45; // typed over "Budget to date"
    });
    const r = await rebuild(edited, { sample: true, today });
    const ws = (await open(r.file)).getWorksheet("Budget")!;
    expect(ws.getCell(lastRef + 2, 1).value).toBe("B-MINE");
    expect(ws.getCell(lastRef + 2, 2).value).toBe("My new line");
    expect(ws.getCell(2, 33).value).toBe(123.45);
    expect(r.plan.warnings.join(" ")).toMatch(/Kept the value typed over the formula in Budget!AG2/);
    // The sample rows were not added a second time.
    expect(ws.getColumn(1).values.filter((v) => v === "B-001")).toHaveLength(1);
  });

  it("builds only the sheets asked for, plus those they need that are missing", async () => {
    const first = await rebuild(null, { sheets: ["partnerships"], today });
    // Partnerships count days from the one Today cell on Register Summary, so that sheet comes too; every build,
    // however small, adds its entry to the change journal.
    const keys = (p: { sheets: { key: string }[] }) => p.sheets.map((s) => s.key).filter((k) => !k.startsWith("_") && k !== "journal");
    expect(first.plan.sheets.map((s) => s.key)).toContain("journal");
    expect(keys(first.plan)).toEqual(["partnerships", "summary"]);
    const arrs = await rebuild(first.file, { sheets: ["arrs"], today });
    expect(keys(arrs.plan).sort()).toEqual(["arrs", "arrsRates", "arrsShares", "funding", "practices", "rates"]);
    expect(keys(buildPlan(snapshotOf(arrs.file), { sheets: ["arrs"], today }))).toEqual(["arrs"]);
    expect(() => buildPlan(snapshotOf(arrs.file), { sheets: ["nonsense"] })).toThrow(/Unknown sheet nonsense/);
  });

  it("remembers the network's name for later builds", async () => {
    const once = await rebuild(null, { sample: true, today });
    const twice = await rebuild(once.file, { today });
    expect(String((await open(twice.file)).getWorksheet("About")!.getCell("A2").value)).toContain("Riverbend Primary Care Network");
  });

  it("refuses to build another year into a workbook built for one", async () => {
    const f = (await rebuild(null, { year: "2025/26", today })).file;
    expect(() => buildPlan(snapshotOf(f), { year: "2024/25" })).toThrow(/built for 2025\/26/);
  });
});
