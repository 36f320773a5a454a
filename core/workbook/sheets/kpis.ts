import { MONITORING_METHODS } from "../lists";
import type { ChartSpec } from "../plan";
import { COLOURS, type ColumnSpec, type RowValues, type SheetSpec, type Value } from "../spec";
import { blank, calc, inp, isNum, label, num, type SpecCtx } from "./common";
import { monthLabels } from "./funding";

export function kpiLatest(readings: Value[]): Value {
  for (let i = readings.length - 1; i >= 0; i--) if (isNum(readings[i])) return readings[i];
  return "";
}

export function kpiRag(latest: Value, target: Value, better: Value, tolerance: Value): Value {
  if (!isNum(latest) || !isNum(target)) return "";
  const tol = num(tolerance);
  if (better === "Lower") return latest <= target ? "Green" : latest <= target + tol ? "Amber" : "Red";
  return latest >= target ? "Green" : latest >= target - tol ? "Amber" : "Red";
}

export const KPI_FIRST_READING_COL = 10;

export function kpisSpec(ctx: SpecCtx): SheetSpec {
  const n = ctx.kpiMonths;
  const labels = monthLabels(ctx.year, n);
  const readings = (r: RowValues) => Array.from({ length: n }, (_, i) => r[`r${i + 1}`] ?? null);
  const seq = `{${Array.from({ length: n }, (_, i) => i + 1).join(",")}}`;
  const cols: ColumnSpec[] = [
    inp("ref", "KPI ref", "text", { width: 9, name: "Ref" }),
    inp("measure", "Measure", "text", { width: 34, name: "Measure" }),
    inp("method", "Monitoring method", "choice", { choices: [...MONITORING_METHODS], width: 16 }),
    inp("partnership", "Linked partnership", "text", { listName: "Partnership_Ref", width: 11 }),
    inp("unit", "Unit", "choice", { choices: ["Number", "Percent", "£"], width: 9 }),
    inp("target", "Target", "number", { width: 9, name: "Target" }),
    inp("better", "Better when", "choice", { choices: ["Higher", "Lower"], width: 9 }),
    inp("tolerance", "Tolerance", "number", { min: 0, width: 9 }),
    // Last number in the row: INDEX/SUMPRODUCT works alike in Excel 2016+, Sheets, LibreOffice and HyperFormula.
    calc("latest", "Latest", "number",
      (c) => { const s = c.span("r1", `r${n}`); return `=IF(OR(${c.ref("ref")}="",COUNT(${s})=0),"",INDEX(${s},1,SUMPRODUCT(MAX(ISNUMBER(${s})*${seq}))))`; },
      (r) => (blank(r.ref) ? "" : kpiLatest(readings(r))), { name: "Latest", width: 9 }),
    calc("rag", "RAG", "text",
      (c) => {
        const l = c.ref("latest"), t = c.ref("target"), tol = `N(${c.ref("tolerance")})`;
        return `=IF(OR(${c.ref("ref")}="",${l}="",${t}=""),"",IF(${c.ref("better")}="Lower",IF(${l}<=${t},"Green",IF(${l}<=${t}+${tol},"Amber","Red")),IF(${l}>=${t},"Green",IF(${l}>=${t}-${tol},"Amber","Red"))))`;
      },
      (r) => (blank(r.ref) ? "" : kpiRag(kpiLatest(readings(r)), r.target ?? null, r.better ?? null, r.tolerance ?? null)), { name: "Rag", width: 8 }),
    ...labels.map((l, i) => inp(`r${i + 1}`, l, "number", { width: 9 })),
  ];
  const rows: RowValues[] = (ctx.data?.kpis ?? []).map((k) => {
    const r: RowValues = { ref: k.ref, measure: k.measure, method: k.method ?? null, partnership: k.partnership, unit: k.unit, target: k.target ?? null, better: k.better, tolerance: k.tolerance };
    for (let i = 0; i < n; i++) r[`r${i + 1}`] = k.readings[i] ?? null;
    return r;
  });
  return {
    key: "kpis",
    name: ctx.sheetName("kpis"),
    title: "KPIs",
    rows,
    freeze: { rows: 1, cols: 2 },
    table: {
      columns: cols, keyColumns: ["ref"], spareRows: 10, namePrefix: "Kpi_", tableName: "PCN_Kpis",
      conditionalFormats: (col) => {
        const r = col("rag");
        const a = `$J${r.row + 1}`;
        return [
          { range: r, formula: `=${a}="Red"`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: r, formula: `=${a}="Amber"`, fill: COLOURS.amber, font: COLOURS.amberFont },
          { range: r, formula: `=${a}="Green"`, fill: COLOURS.green, font: COLOURS.greenFont },
        ];
      },
    },
  };
}

/** One trend chart per KPI record, laid out two abreast on their own sheet. */
export function kpiChartsSpec(ctx: SpecCtx, kpiRows: { row: number; measure: string }[]): SheetSpec {
  const n = ctx.kpiMonths;
  const kpiSheet = ctx.sheetName("kpis");
  const charts: ChartSpec[] = kpiRows.map((k, i) => ({
    type: "line",
    title: k.measure,
    anchor: { row: 2 + Math.floor(i / 2) * 16, col: (i % 2) * 9, rows: 15, cols: 8 },
    categories: { sheet: kpiSheet, range: { row: 0, col: KPI_FIRST_READING_COL, rows: 1, cols: n } },
    series: [{ name: k.measure, sheet: kpiSheet, range: { row: k.row, col: KPI_FIRST_READING_COL, rows: 1, cols: n }, color: "#005EB8" }],
  }));
  return {
    key: "kpiCharts",
    name: ctx.sheetName("kpiCharts"),
    title: "KPI charts",
    reports: [{ col: 0, rows: [[label("KPI trends: one chart per KPI on the KPIs sheet (rebuild to add charts for new KPIs).", { bold: true })]] }],
    charts,
  };
}
