/**
 * A network with more KPIs than charts of their own (core/workbook/sheets/kpis.ts KPI_CHARTS, 25, as NHS England's
 * SPC multiple chart tool): the first 25 rows' KPIs get a chart each, and one more chart shows the KPI a person
 * picks beside it. Built offline, recalculated by LibreOffice and HyperFormula: the picked chart's data is that
 * KPI's own row on the KPIs sheet (its readings, mean, limits, target and flags), #N/A where it has no figure (a gap,
 * where a "" would plot as 0 in Excel); picking another KPI redraws it from that KPI's row.
 */
import ExcelJS from "exceljs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWorkbook } from "../cli/main";
import { buildPlan } from "../core/workbook/build";
import { computeWorkbook } from "../core/workbook/compute";
import { validateNetwork } from "../core/workbook/data";
import { sampleNetwork } from "../core/workbook/sample";
import { KPI_CHARTS, PICKED_KPI } from "../core/workbook/sheets/kpis";
import { engineGrids, namedCell, snapshotFromValues } from "./engines/compare";
import { disposeLibreOffice, recalcXlsxRaw, type LoValue } from "./engines/libreoffice";

const today = "2026-12-01";
const dir = mkdtempSync(join(tmpdir(), "pcn-spc-picked-"));
const N = 28;
type Grid = Record<string, LoValue[][]>;

/** 28 KPIs of the sample's shapes; K-27 has no target and no reading this year, K-28 is a "Lower is better" step. */
function network() {
  const d = sampleNetwork(undefined, today) as any;
  const base = d.kpis;
  d.kpis = Array.from({ length: N }, (_, i) => {
    const k = { ...base[i % base.length], ref: `K-${i + 1}`, measure: `Measure ${i + 1}` };
    const months = 12 + d.kpiMonths;
    k.earlier = Array.from({ length: 12 }, (_, m) => 40 + ((i * 7 + m * 13) % 20));
    k.readings = Array.from({ length: months - 12 }, (_, m) => (i === 26 ? null : 40 + ((i * 5 + m * 11) % 20)));
    if (i === 26) delete k.target;
    if (i === 27) { k.better = "Lower"; k.readings = k.readings.map((x: number | null, m: number) => (m > 4 ? 80 : x)); }
    return k;
  });
  const v = validateNetwork(JSON.parse(JSON.stringify(d)));
  if (!v.ok) throw new Error(v.errors.join("\n"));
  return v.data;
}

const grids: Record<"K-26" | "K-28", { lo: Grid; hf: Grid }> = {} as never;
let dataFile = "";

beforeAll(async () => {
  dataFile = join(dir, "kpis.json");
  writeFileSync(dataFile, JSON.stringify(network()));
  const built = (await writeWorkbook({ out: join(dir, "kpis.xlsx"), data: dataFile, sample: false, quiet: true, today })).file;
  for (const pick of ["K-26", "K-28"] as const) {
    let file = built;
    if (pick !== "K-26") {
      // A person picks another KPI in the cell beside the chart.
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(built);
      namedCell(wb, PICKED_KPI).value = pick;
      file = join(dir, `kpis-${pick}.xlsx`);
      await wb.xlsx.writeFile(file);
    }
    grids[pick] = await engineGrids(file, today);
  }
}, 300_000);
afterAll(async () => { await disposeLibreOffice(); rmSync(dir, { recursive: true, force: true }); });

describe("KPIs past the charts of their own", () => {
  it(`charts the first ${KPI_CHARTS} rows' KPIs one each, and the rest in one chart of the KPI picked, first the first of them`, () => {
    const plan = buildPlan({ sheets: [] }, { data: network(), today });
    const sheet = plan.sheets.find((s) => s.key === "kpiCharts")!;
    expect(sheet.charts.map((c) => c.title)).toEqual([...Array.from({ length: KPI_CHARTS }, (_, i) => `Measure ${i + 1}`), "The KPI picked beside this chart"]);
    const picked = sheet.charts[KPI_CHARTS];
    // Every series of the picked chart, all from the chart sheet's pulled rows; the categories the KPIs sheet's months.
    expect(picked.series.map((s) => [s.name, s.sheet, s.style])).toEqual([
      ["Readings", "KPI Charts", "markers"], ["Mean", "KPI Charts", "line"], ["Upper process limit", "KPI Charts", "dash"], ["Lower process limit", "KPI Charts", "dash"],
      ["Target", "KPI Charts", "dash"], ["Special cause improvement", "KPI Charts", "band"], ["Special cause concern", "KPI Charts", "band"], ["Special cause neutral", "KPI Charts", "band"],
    ]);
    expect(picked.categories.sheet).toBe("KPIs");
    const name = plan.names.find((n) => n.name === PICKED_KPI)!;
    expect(name.sheet).toBe("KPI Charts");
    const cell = sheet.blocks.flatMap((b) => (b.row <= name.range.row && name.range.row < b.row + b.cells.length ? [b.cells[name.range.row - b.row][name.range.col - b.col]] : [])).find((c) => c !== undefined && c !== null);
    expect(cell).toBe("K-26");
    // Its dropdown lists every KPI's ref.
    const v = sheet.validations.find((x) => x.range.row === name.range.row && x.range.col === name.range.col)!;
    expect(v.list ?? v.listSource).toBeTruthy();
    if (v.list) expect(v.list).toEqual(Array.from({ length: N }, (_, i) => `K-${i + 1}`));
  });

  for (const pick of ["K-26", "K-28"] as const) {
    for (const engine of ["lo", "hf"] as const) {
      const label = `${engine === "lo" ? "LibreOffice" : "HyperFormula"}, ${pick} picked`;
      it(`${label}: the chart's data is that KPI's row, #N/A where it has no figure, and the core agrees on every other cell`, () => {
        const g = grids[pick][engine];
        const kpis = g["KPIs"];
        const charts = g["KPI Charts"];
        const head = kpis[0] as string[];
        const row = kpis.find((r) => r[0] === pick)!;
        const months = head.map((h, i) => [h, i] as const).filter(([h]) => /^[A-Z][a-z]{2} \d{4}$/.test(String(h))).map(([, i]) => i);
        const flagsAt = head.findIndex((h) => typeof h === "string" && h.startsWith("SPC ") && !["SPC variation (latest reading)", "SPC assurance (target)", "SPC limits from"].includes(h));
        const line = (label: string) => pickedLine(charts, label).slice(0, months.length);
        const na = { error: "#N/A" };
        const orNa = (v: LoValue) => (typeof v === "number" ? v : na);
        expect(charts.some((r) => r.includes(pick))).toBe(true);
        expect(line("Its row on the KPIs sheet")[0]).toBe(kpis.indexOf(row) + 1);
        expect(line("Readings (#N/A: none, a gap in the chart)").map(norm)).toEqual(months.map((i) => orNa(row[i])).map(norm));
        for (const [label, header] of [["Mean", "Mean"], ["Upper process limit", "Upper process limit"], ["Lower process limit", "Lower process limit"], ["Target", "Target"]]) {
          expect(line(label).map(norm), label).toEqual(months.map(() => norm(orNa(row[head.indexOf(header)]))));
        }
        const flags = months.map((_, m) => String(row[flagsAt + m] ?? ""));
        for (const kind of ["improvement", "concern", "neutral"]) expect(line(`Special cause ${kind}`), kind).toEqual(flags.map((f) => (f.startsWith(`Special cause ${kind}`) ? 1 : 0)));
        if (pick === "K-28") {
          // A step up where lower is better: a concern the chart shows; no target: an empty target line.
          expect(line("Special cause concern")).toContain(1);
        }
        // The core's own computation of the sheet, as the engine's inputs stand, agrees but where the engine says #N/A.
        const cells = computeWorkbook(snapshotFromValues(g), today).filter((c) => c.sheet === "KPI Charts");
        expect(cells.length).toBeGreaterThan(1000);
        const bad = cells.filter((c) => {
          const e = charts[c.row]?.[c.col] ?? null;
          if (e && typeof e === "object") return !(e.error === "#N/A" && c.value === "");
          const [x, y] = [e === "" ? null : e, c.value === "" ? null : c.value];
          return typeof x === "number" && typeof y === "number" ? Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(y)) : x !== y;
        });
        expect(bad.slice(0, 5).map((c) => `R${c.row + 1}C${c.col + 1} ${JSON.stringify(charts[c.row]?.[c.col])} vs ${JSON.stringify(c.value)}`)).toEqual([]);
      });
    }
  }

  it("K-27 (no target, no reading this year) picked shows gaps, not zeros", async () => {
    const g = grids["K-26"].lo;
    expect(g["KPIs"].find((r) => r[0] === "K-27")).toBeTruthy();
    // The same workbook with K-27 picked, recalculated by LibreOffice.
    const built = join(dir, "kpis.xlsx");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(built);
    namedCell(wb, PICKED_KPI).value = "K-27";
    const file = join(dir, "kpis-K-27.xlsx");
    await wb.xlsx.writeFile(file);
    const charts = (await recalcXlsxRaw(file, { today }))["KPI Charts"];
    const line = (label: string) => pickedLine(charts, label);
    const readings = line("Readings (#N/A: none, a gap in the chart)").filter((v) => v !== null && v !== "");
    const k27 = g["KPIs"].find((r) => r[0] === "K-27")!;
    const blanks = (g["KPIs"][0] as string[]).filter((h, i) => /^[A-Z][a-z]{2} \d{4}$/.test(String(h)) && typeof k27[i] !== "number").length;
    expect(blanks).toBeGreaterThanOrEqual(12);
    expect(readings.filter((v) => typeof v === "object").length).toBe(blanks);
    expect(readings.filter((v) => v === 0)).toEqual([]);
    expect(new Set(line("Target").filter((v) => v !== null && v !== "").map((v) => JSON.stringify(v)))).toEqual(new Set([JSON.stringify({ error: "#N/A" })]));
  });
});

/** A row of the picked chart's data, after its label (the picked block is the sheet's last). */
function pickedLine(charts: LoValue[][], label: string): LoValue[] {
  const from = charts.findIndex((x) => x.includes("Chart of the KPI with this ref:"));
  const r = charts.slice(from).find((x) => x.includes(label))!;
  return r.slice(r.indexOf(label) + 1);
}

const norm = (v: unknown) => (v && typeof v === "object" ? "#N/A" : typeof v === "number" ? Math.round(v * 1e9) / 1e9 : v);
