/**
 * The KPI sheet's SPC formulas on the published vectors of ../shared/domain/spc.md (C.5): a workbook whose KPIs are
 * those series, its baseline setting cleared (limits from every reading, as the vectors state them), recalculated by
 * LibreOffice and by HyperFormula, gives the published limits to 4 decimal places and each published flag and
 * status, with MDC's method and, the method cell set to "R", NHSRplotthedots'. Both engines also equal the core on
 * every computed cell. Today is the real date (the LibreOffice harness does not pin one yet).
 */
import ExcelJS from "exceljs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWorkbook } from "../cli/main";
import { computeWorkbook } from "../core/workbook/compute";
import { sampleNetwork } from "../core/workbook/sample";
import { SPC_NAMES } from "../core/workbook/sheets/spcFormulas";
import { disposeLibreOffice, type LoValue } from "./engines/libreoffice";
import { engineGrids, namedCell, snapshotFromValues } from "./engines/compare";

// Both engines and the core run on the same pinned date (LibreOffice under faketime), not the real one.
const today = "2026-12-01";
const dir = mkdtempSync(join(tmpdir(), "pcn-spc-sheet-"));
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const TV1 = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1];
const TV6 = Array.from({ length: 16 }, (_, i) => (i === 14 ? 5.5 : i === 15 ? -5.5 : i % 2 === 0 ? 1 : -1));
const TV8 = [5, 7, 5, 7, 7, 5, 4, 9, 8, 13, 8, 7, 8, 7, 12, 11, 8].map((n, i) => n / [113, 132, 121, 134, 116, 131, 93, 138, 182, 157, 100, 103, 146, 108, 153, 141, 134][i]);

interface Vector { ref: string; y: number[]; better: "Higher" | "Lower" | "Neither"; target?: number }
const VECTORS: Vector[] = [
  { ref: "TV1-H5", y: TV1, better: "Higher", target: 5 },
  { ref: "TV1-H8", y: TV1, better: "Higher", target: 8 },
  { ref: "TV1-L8", y: TV1, better: "Lower", target: 8 },
  { ref: "TV1-N", y: TV1, better: "Neither" },
  { ref: "TV3-a", y: range(1, 10), better: "Higher" },
  { ref: "TV3-b", y: range(1, 10).reverse(), better: "Higher" },
  { ref: "TV3-c", y: [1, 2, 3, 4, 5, 4, 3, 2, 1, 2], better: "Higher" },
  { ref: "TV3-d", y: [1, 2, 3], better: "Higher" },
  { ref: "TV3-e", y: range(0, 19), better: "Higher" },
  { ref: "TV3-f", y: [3, 1, 4, 1, 5, 9, 2], better: "Higher" },
  { ref: "TV3-g", y: [1, 2, 3, 2, 1, 2, 3, 4, 5, 6, 7, 4, 3, 2, 1, 2], better: "Higher" },
  { ref: "TV6", y: TV6, better: "Higher" },
  { ref: "TV8", y: TV8, better: "Higher" },
];
/** Published (mean, lpl, upl, lower 2 sigma, upper 2 sigma), to 4 dp; TV8 states only the limits and 2-sigma lines. */
const LIMITS: Record<string, (number | null)[]> = {
  "TV3-a": [5.5, 2.84, 8.16, 3.726667, 7.273333],
  "TV3-b": [5.5, 2.84, 8.16, 3.726667, 7.273333],
  "TV3-c": [2.7, 0.04, 5.36, 0.926667, 4.473333],
  "TV3-d": [2.0, -0.66, 4.66, 0.226667, 3.773333],
  "TV3-e": [9.5, 6.84, 12.16, 7.726667, 11.273333],
  "TV3-f": [3.5714286, -6.6252381, 13.7680952, -3.2263492, 10.3692063],
  "TV3-g": [3.0, -0.0146667, 6.0146667, 0.9902222, 5.0097778],
  TV8: [null, 0.0229, 0.0957, 0.035, 0.0836],
};
const four = (x: unknown) => (typeof x === "number" ? Math.round(x * 1e4) / 1e4 : x);

type Grid = Record<string, LoValue[][]>;
const results: Record<"MDC" | "R", { lo: Grid; hf: Grid }> = {} as never;

beforeAll(async () => {
  const data = sampleNetwork(undefined, today) as any;
  data.kpiMonths = 12;
  data.kpiEarlierMonths = 12;
  data.kpis = VECTORS.map((v) => {
    const cells = [...v.y, ...Array(24 - v.y.length).fill(null)];
    return { ref: v.ref, measure: v.ref, method: "Dashboard", partnership: "", unit: "Number", target: v.target, better: v.better, tolerance: 0, earlier: cells.slice(0, 12), readings: cells.slice(12) };
  });
  const dataFile = join(dir, "vectors.json");
  writeFileSync(dataFile, JSON.stringify(data));
  const built = (await writeWorkbook({ out: join(dir, "vectors.xlsx"), data: dataFile, sample: false, quiet: true, today })).file;
  for (const method of ["MDC", "R"] as const) {
    // A person clears the baseline (limits from all readings) and, for R, chooses the method.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(built);
    namedCell(wb, SPC_NAMES.baseline).value = null;
    namedCell(wb, SPC_NAMES.method).value = method;
    const file = join(dir, `vectors-${method}.xlsx`);
    await wb.xlsx.writeFile(file);
    results[method] = await engineGrids(file, today);
  }
}, 300_000);
afterAll(async () => { await disposeLibreOffice(); rmSync(dir, { recursive: true, force: true }); });

describe.each([["MDC"], ["R"]] as const)("the KPI sheet's SPC formulas with method %s", (method) => {
  for (const engine of ["lo", "hf"] as const) {
    const name = engine === "lo" ? "LibreOffice" : "HyperFormula";
    const grid = () => results[method][engine];
    const kpis = () => grid()["KPIs"];
    const at = (h: string) => kpis()[0].indexOf(h);
    const rowOf = (ref: string) => kpis().find((r) => r[0] === ref)!;
    const flags = (ref: string) => { const r = rowOf(ref); const i = kpis()[0].findIndex((h) => typeof h === "string" && h.startsWith("SPC ") && h !== "SPC variation (latest reading)" && h !== "SPC assurance (target)" && h !== "SPC limits from"); return r.slice(i, i + 24); };

    it(`${name}: the published limits to 4 decimal places`, () => {
      const cols = ["Mean", "Lower process limit", "Upper process limit", "Lower 2-sigma", "Upper 2-sigma"].map(at);
      expect(cols.every((c) => c > 0)).toBe(true);
      for (const [ref, want] of Object.entries(LIMITS)) {
        const got = cols.map((c) => four(rowOf(ref)[c]));
        expect(got.map((g, i) => (want[i] === null ? null : g)), ref).toEqual(want.map(four));
      }
      // TV1: without screening, MDC's limits 6.9515 and -3.0626; screened (R), 4.6044 and -0.7156.
      const tv1 = [at("Mean"), at("Lower process limit"), at("Upper process limit")].map((c) => four(rowOf("TV1-H5")[c]));
      expect(tv1).toEqual(method === "MDC" ? [1.9444, -3.0626, 6.9515] : [1.9444, -0.7156, 4.6044]);
    });

    it(`${name}: each published flag and status`, () => {
      const common = (n: number) => Array(n).fill("Common cause");
      // Point 5 (10) is above the upper limit: the sheet says the side, as MDC's icons do.
      const tv1 = (kind: string) => [...common(4), `Special cause ${kind} (high)`, ...common(13), ...Array(6).fill(null)];
      const blankIsNull = (xs: LoValue[]) => xs.map((x) => (x === "" ? null : x));
      expect(blankIsNull(flags("TV1-H5"))).toEqual(tv1("improvement"));
      expect(blankIsNull(flags("TV1-L8"))).toEqual(tv1("concern"));
      expect(blankIsNull(flags("TV1-N"))).toEqual(tv1("neutral"));
      // TV6: the last two points, on opposite sides of the mean and beyond 2 sigma, are common cause.
      expect(flags("TV6").slice(14, 16)).toEqual(["Common cause", "Common cause"]);
      const status = (ref: string) => [rowOf(ref)[at("SPC variation (latest reading)")], rowOf(ref)[at("SPC assurance (target)")]];
      // A target of 5 is within MDC's limits (-3.06 to 6.95), above R's (-0.72 to 4.60).
      expect(status("TV1-H5")).toEqual(["Common cause", method === "MDC" ? "Hit and miss" : "Fail"]);
      expect(status("TV1-H8")).toEqual(["Common cause", "Fail"]);
      expect(status("TV1-L8")).toEqual(["Common cause", "Pass"]);
      expect(blankIsNull(status("TV1-N"))).toEqual(["Common cause", null]);
      expect(rowOf("TV3-d")[at("SPC limits from")]).toBe("Trial limits: 3 readings");
    });

    it(`${name}: no error value, and every computed cell equals the core`, () => {
      const errors = Object.entries(grid()).flatMap(([s, rows]) => rows.flatMap((r, i) => r.flatMap((v, j) => (v && typeof v === "object" ? [`${s}!R${i + 1}C${j + 1}`] : []))));
      expect(errors).toEqual([]);
      const cells = computeWorkbook(snapshotFromValues(grid()), today).filter((c) => c.sheet === "KPIs" || c.sheet === "KPI Charts");
      expect(cells.length).toBeGreaterThan(VECTORS.length * 50);
      const same = (e: unknown, c: unknown) => {
        const [x, y] = [e === "" || e === undefined ? null : e, c === "" || c === undefined ? null : c];
        return typeof x === "number" && typeof y === "number" ? Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)) : x === y;
      };
      const diffs = cells.filter((c) => !same(grid()[c.sheet]?.[c.row]?.[c.col] ?? null, c.value)).map((c) => `${c.sheet}!R${c.row + 1}C${c.col + 1}: ${JSON.stringify(grid()[c.sheet]?.[c.row]?.[c.col])} vs ${JSON.stringify(c.value)}`);
      expect(diffs.slice(0, 10)).toEqual([]);
    });
  }
});
