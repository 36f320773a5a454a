import { MONITORING_METHODS } from "../lists";
import type { Finding } from "../register";
import { colLetter, type ChartSeries, type ChartSpec, type ConditionalFormatRule, type RangeRef } from "../plan";
import { COLOURS, FORMATS, type ColumnSpec, type Env, type ReportCell, type RowValues, type SheetSpec, type Value } from "../spec";
import { MDC_COLOURS, SPC_MIN_POINTS } from "../../spc";
import { blank, calc, eqText, fcell, inp, isNum, label, num, q, type SpecCtx } from "./common";
import { monthLabels } from "./funding";
import {
  amrFormula, assuranceFormula, endFormula, flagFormula, limitFormula, limitsTextFormula, meanFormula, sheetDirection, spcRow, variationFormula,
  SPC_NAMES, type SpcCells,
} from "./spcFormulas";

export function kpiLatest(readings: Value[]): Value {
  for (let i = readings.length - 1; i >= 0; i--) if (isNum(readings[i])) return readings[i];
  return "";
}

/** RAG of the latest reading against the target, within the tolerance; none when neither direction is better. */
export function kpiRag(latest: Value, target: Value, better: Value, tolerance: Value): Value {
  if (!isNum(latest) || !isNum(target) || eqText(better, "Neither")) return "";
  const tol = num(tolerance);
  if (better === "Lower") return latest <= target ? "Green" : latest <= target + tol ? "Amber" : "Red";
  return latest >= target ? "Green" : latest >= target - tol ? "Amber" : "Red";
}

/** Months before the financial year the KPI sheet holds by default: a year of baseline for SPC. */
export const KPI_EARLIER_MONTHS = 12;

/**
 * The KPI sheet's columns: the KPI, its latest reading and RAG, its SPC summary and limits, then one column a month
 * (the months before the year, oldest first, then the year's from April) and one SPC flag a month. Reading keys are
 * the month's place from the year's start (h1 the March before, r1 April), so a month keeps its column's values
 * whatever the number of months becomes.
 */
export function kpiLayout(ctx: Pick<SpecCtx, "year" | "kpiMonths" | "kpiEarlierMonths">) {
  const earlier = ctx.kpiEarlierMonths ?? KPI_EARLIER_MONTHS;
  const n = ctx.kpiMonths;
  const readings = [...Array.from({ length: earlier }, (_, i) => `h${earlier - i}`), ...Array.from({ length: n }, (_, i) => `r${i + 1}`)];
  const [y0] = ctx.year.start.split("-").map(Number);
  const names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const before = (k: number) => { const m = 3 - k; const y = y0 + Math.floor(m / 12); return `${names[((m % 12) + 12) % 12]} ${y}`; };
  const labels = [...Array.from({ length: earlier }, (_, i) => before(earlier - i)), ...monthLabels(ctx.year, n)];
  return { readings, labels, first: FIXED_COLUMNS, flagsFirst: FIXED_COLUMNS + readings.length, months: readings.length };
}

/** Columns before the first reading: the KPI (8), latest and RAG, and the SPC summary and limits (10). */
const FIXED_KEYS = ["ref", "measure", "method", "partnership", "unit", "target", "better", "tolerance", "latest", "rag",
  "variation", "assurance", "limits", "mean", "lpl", "upl", "l2", "u2", "amr", "end"] as const;
const FIXED_COLUMNS = FIXED_KEYS.length;
/** 0-based column of a fixed KPI column. */
export const kpiColumn = (key: (typeof FIXED_KEYS)[number]) => FIXED_KEYS.indexOf(key);
/** Leading columns a KPI sheet of any version has (its header row tells the sheet). */
export const KPI_KNOWN_COLUMNS = 10;

export function kpisSpec(ctx: SpecCtx): SheetSpec {
  const L = kpiLayout(ctx);
  const M = L.months;
  const readingsOf = (r: RowValues) => L.readings.map((k) => r[k] ?? null);
  const seq = `{${Array.from({ length: M }, (_, i) => i + 1).join(",")}}`;
  const spc = (r: RowValues, env: Env) => spcRow(r, L.readings, env);
  // A1 references of this row's cells, for the SPC formulas. Readings are column-relative: a month's flag then has
  // the next month's formula shifted one column, so Excel takes a row of flags as one R1C1 formula, not 48.
  const cells = (c: { ref(k: string): string; span(a: string, b: string): string; row: number }): SpcCells => {
    const abs = (k: string) => `$${c.ref(k)}`;
    return {
      months: M,
      x: (p) => c.ref(L.readings[p]),
      span: (p, qq) => `${c.ref(L.readings[p])}:${c.ref(L.readings[qq])}`,
      flags: c.span(`f${L.readings[0]}`, `f${L.readings[M - 1]}`),
      ref: abs("ref"), better: abs("better"), target: abs("target"),
      limits: abs("limits"), end: abs("end"), mean: abs("mean"), amr: abs("amr"), lpl: abs("lpl"), upl: abs("upl"), l2: abs("l2"), u2: abs("u2"),
    };
  };
  const stat = (key: "end" | "mean" | "amr" | "lpl" | "upl" | "l2" | "u2", header: string, f: (c: SpcCells) => string, extra: Partial<ColumnSpec> = {}) =>
    calc(key, header, key === "end" ? "integer" : "number", (c) => f(cells(c)), (r, env) => spc(r, env)[key], { width: 10, ...extra });
  const cols: ColumnSpec[] = [
    inp("ref", "KPI ref", "text", { width: 9, name: "Ref" }),
    inp("measure", "Measure", "text", { width: 34, name: "Measure" }),
    inp("method", "Monitoring method", "choice", { choices: [...MONITORING_METHODS], width: 16 }),
    inp("partnership", "Linked partnership", "text", { listName: "Partnership_Ref", width: 11 }),
    inp("unit", "Unit", "choice", { choices: ["Number", "Percent", "£"], width: 9 }),
    inp("target", "Target", "number", { width: 9, name: "Target" }),
    inp("better", "Better when", "choice", { choices: ["Higher", "Lower", "Neither"], width: 9 }),
    inp("tolerance", "Tolerance", "number", { min: 0, width: 9 }),
    // Last number in the row: INDEX/SUMPRODUCT works alike in Excel 2016+, Sheets, LibreOffice and HyperFormula.
    calc("latest", "Latest", "number",
      (c) => { const s = c.span(L.readings[0], L.readings[M - 1]); return `=IF(OR(${c.ref("ref")}="",COUNT(${s})=0),"",INDEX(${s},1,SUMPRODUCT(MAX(ISNUMBER(${s})*${seq}))))`; },
      (r) => (blank(r.ref) ? "" : kpiLatest(readingsOf(r))), { name: "Latest", width: 9 }),
    calc("rag", "RAG", "text",
      (c) => {
        const l = c.ref("latest"), t = c.ref("target"), tol = `N(${c.ref("tolerance")})`;
        return `=IF(OR(${c.ref("ref")}="",${l}="",${t}="",${c.ref("better")}="Neither"),"",IF(${c.ref("better")}="Lower",IF(${l}<=${t},"Green",IF(${l}<=${t}+${tol},"Amber","Red")),IF(${l}>=${t},"Green",IF(${l}>=${t}-${tol},"Amber","Red"))))`;
      },
      (r) => (blank(r.ref) ? "" : kpiRag(kpiLatest(readingsOf(r)), r.target ?? null, r.better ?? null, r.tolerance ?? null)), { name: "Rag", width: 8 }),
    calc("variation", "SPC variation (latest reading)", "text", (c) => variationFormula(cells(c)), (r, env) => spc(r, env).variation, { name: "Variation", width: 22 }),
    calc("assurance", "SPC assurance (target)", "text", (c) => assuranceFormula(cells(c)), (r, env) => spc(r, env).assurance, { name: "Assurance", width: 12 }),
    calc("limits", "SPC limits from", "text", (c) => limitsTextFormula(cells(c)), (r, env) => spc(r, env).limits, { width: 20 }),
    stat("mean", "Mean", meanFormula, { name: "Mean" }),
    stat("lpl", "Lower process limit", (c) => limitFormula(c, "lpl"), { name: "Lpl" }),
    stat("upl", "Upper process limit", (c) => limitFormula(c, "upl"), { name: "Upl" }),
    stat("l2", "Lower 2-sigma", (c) => limitFormula(c, "l2")),
    stat("u2", "Upper 2-sigma", (c) => limitFormula(c, "u2")),
    stat("amr", "Mean moving range", amrFormula),
    stat("end", "Baseline ends (month no.)", endFormula),
    ...L.readings.map((k, i) => inp(k, L.labels[i], "number", { width: 9 })),
    ...L.readings.map((k, i) =>
      calc(`f${k}`, `SPC ${L.labels[i]}`, "text", (c) => flagFormula(cells(c), i), (r, env) => spc(r, env).flags[i], { width: 12 })),
  ];
  if (cols.slice(0, FIXED_COLUMNS).some((c, i) => c.key !== FIXED_KEYS[i])) throw new Error("kpisSpec: the fixed columns are not FIXED_KEYS");
  const rows: RowValues[] = (ctx.data?.kpis ?? []).map((k) => {
    const r: RowValues = { ref: k.ref, measure: k.measure, method: k.method ?? null, partnership: k.partnership, unit: k.unit, target: k.target ?? null, better: k.better, tolerance: k.tolerance };
    const earlier = L.readings.filter((x) => x.startsWith("h"));
    earlier.forEach((key, i) => (r[key] = k.earlier?.[k.earlier.length - earlier.length + i] ?? null));
    for (let i = 0; i < ctx.kpiMonths; i++) r[`r${i + 1}`] = k.readings[i] ?? null;
    return r;
  });
  const at = (row: number) => (key: string) => `${colLetter(cols.findIndex((c) => c.key === key))}${row}`;
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
        const cell = at(r.row + 1);
        const readings: RangeRef = { ...col(L.readings[0]), cols: M };
        const flags: RangeRef = { ...col(`f${L.readings[0]}`), cols: M };
        // Each reading takes its flag's colour: the flag sits M columns to its right (relative references).
        const flagOf = `${colLetter(L.flagsFirst)}${r.row + 1}`;
        const variation = `$${cell("variation")}`, assurance = `$${cell("assurance")}`;
        const mdc = (range: RangeRef, ref: string): ConditionalFormatRule[] => [
          { range, formula: `=LEFT(${ref},25)="Special cause improvement"`, fill: MDC_COLOURS.improvement, font: "#000000" },
          { range, formula: `=LEFT(${ref},21)="Special cause concern"`, fill: MDC_COLOURS.concern, font: "#FFFFFF" },
          { range, formula: `=LEFT(${ref},21)="Special cause neutral"`, fill: MDC_COLOURS.neutral, font: "#FFFFFF" },
        ];
        return [
          { range: r, formula: `=${a}="Red"`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: r, formula: `=${a}="Amber"`, fill: COLOURS.amber, font: COLOURS.amberFont },
          { range: r, formula: `=${a}="Green"`, fill: COLOURS.green, font: COLOURS.greenFont },
          ...mdc(readings, flagOf),
          ...mdc(flags, flagOf),
          ...mdc(col("variation"), variation),
          { range: col("variation"), formula: `=${variation}="Common cause"`, fill: MDC_COLOURS.common, font: "#000000" },
          { range: col("assurance"), formula: `=${assurance}="Pass"`, fill: MDC_COLOURS.improvement, font: "#000000" },
          { range: col("assurance"), formula: `=${assurance}="Fail"`, fill: MDC_COLOURS.concern, font: "#FFFFFF" },
          { range: col("assurance"), formula: `=${assurance}="Hit and miss"`, fill: MDC_COLOURS.common, font: "#000000" },
        ];
      },
      // The KPI's unit on every cell in it: 90% for a percent KPI, £2.45 for money.
      recordFormats: (rec) => {
        const format = unitFormat(rec.unit);
        return format ? { format, columns: ["target", "tolerance", "latest", "mean", "lpl", "upl", "l2", "u2", "amr", ...L.readings] } : null;
      },
    },
  };
}

/** A KPI figure as its unit shows it: 82.5%, £2.45, 14.75. */
function inUnit(x: number, unit: Value | undefined): string {
  if (eqText(unit ?? null, "Percent")) return `${Math.round(x * 1000) / 10}%`;
  const [i, d] = Math.abs(x).toFixed(2).split(".");
  // Money to the penny; a count to at most 2 decimals (120, 48.84, 6.5).
  const dec = unit === "£" ? `.${d}` : d === "00" ? "" : `.${d.replace(/0$/, "")}`;
  return `${x < 0 ? "-" : ""}${unit === "£" ? "£" : ""}${i.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${dec}`;
}

/**
 * "Check register" on the KPI sheet: each KPI whose latest reading is a special cause concern (red), and each whose
 * process fails its target (amber: the target lies beyond the process limits, so it will not be met without change).
 * From the sheet's own columns, so the finding says what the sheet shows.
 */
export function kpiFindings(spec: SheetSpec, rows: RowValues[], env: Env): Finding[] {
  const cols = spec.table!.columns;
  const col = (key: string) => cols.find((c) => c.key === key)!;
  const at = (key: string) => cols.findIndex((c) => c.key === key) + 1;
  const readings = cols.filter((c) => /^[hr]\d+$/.test(c.key));
  const out: Finding[] = [];
  for (const r of rows) {
    if (blank(r.ref)) continue;
    const ref = r.measure ? `${String(r.ref)} ${String(r.measure)}` : String(r.ref);
    const row = r.__row as number;
    const variation = col("variation").compute!(r, env);
    if (typeof variation === "string" && variation.startsWith("Special cause concern")) {
      let last = readings.length - 1;
      while (last > 0 && !isNum(r[readings[last].key] ?? null)) last--;
      const x = r[readings[last].key] as number;
      out.push({
        severity: "red", sheet: spec.name, row, col: at("variation"), ref,
        message: `${variation} at the latest reading (${readings[last].header}: ${inUnit(x, r.unit)}): not chance alone, so look for the cause.`,
      });
    }
    if (col("assurance").compute!(r, env) === "Fail") {
      const [lpl, upl] = [col("lpl").compute!(r, env), col("upl").compute!(r, env)] as number[];
      out.push({
        severity: "amber", sheet: spec.name, row, col: at("assurance"), ref,
        message: `Fails its target of ${inUnit(r.target as number, r.unit)}: the process limits are ${inUnit(lpl, r.unit)} to ${inUnit(upl, r.unit)}, so it will not meet the target without a change to the process.`,
      });
    }
  }
  return out;
}

/** A KPI unit's cell format; none (the column's own) for a count. */
export function unitFormat(unit: Value | undefined): string | null {
  if (eqText(unit ?? null, "Percent")) return FORMATS.percent;
  if (unit === "£") return FORMATS.money;
  return null;
}
/** How each series of an SPC chart looks, in Making Data Count's colours; in the order the chart data rows hold them. */
const SPC_LOOK = {
  Readings: { color: "#005EB8", style: "markers" },
  Mean: { color: "#231F20", style: "line" },
  "Upper process limit": { color: "#7F7F7F", style: "dash" },
  "Lower process limit": { color: "#7F7F7F", style: "dash" },
  Target: { color: MDC_COLOURS.target, style: "dash" },
  "Special cause improvement": { color: "#9ADFF8", style: "band" },
  "Special cause concern": { color: "#F5C29B", style: "band" },
  "Special cause neutral": { color: "#B9A3D1", style: "band" },
} satisfies Record<string, Pick<ChartSeries, "color" | "style">>;
type SpcLine = keyof typeof SPC_LOOK;

/**
 * The chart of the KPI whose ref a person picks (first, the first KPI without a chart of its own), after the
 * KPI_CHARTS charts: its data pulled from that KPI's row by MATCH and INDEX, with #N/A where the KPI has no figure,
 * since a line chart in Excel draws a text "" as 0 and skips #N/A (Google Sheets skips both).
 */
function pickedChart(ctx: SpecCtx, rows: (ReportCell | null)[][], kpiRows: KpiChartRow[], first: KpiChartRow): ChartSpec {
  const L = kpiLayout(ctx);
  const M = L.months;
  const k = q(ctx, "kpis");
  const chartSheet = ctx.sheetName("kpiCharts");
  const top = chartBlockTop(KPI_CHARTS + 1);
  const rowCell = `$${colLetter(DATA_COL + 1)}$${top + 2}`;
  // The picked KPI's sheet row (1-based), as MATCH finds it among the records as they sit after the build.
  const rowOf = (env: Env) => {
    const ref = env.cell(PICKED_KPI);
    const kr = kpiRows.find((x) => x.row >= 1 && x.ref !== undefined && eqText(ref, x.ref));
    return kr ? kr.row + 1 : null;
  };
  const recOf = (env: Env) => { const r = rowOf(env); return r === null ? undefined : env.record?.("kpis", r); };
  const pull = (col: string) => `IF(ISNUMBER(INDEX(${k}!${col},${rowCell})),INDEX(${k}!${col},${rowCell}),NA())`;
  // #N/A is no Value: the core says "" there (blank, as a gap reads).
  const numberOr = (v: Value | undefined) => (typeof v === "number" ? v : "");
  const readings = L.readings.map((key, i) => {
    const c = colLetter(L.first + i);
    return fcell(`=${pull(`${c}:${c}`)}`, (env) => numberOr(recOf(env)?.[key]));
  });
  const lineOf = (key: "mean" | "upl" | "lpl" | "target") => {
    const c = colLetter(kpiColumn(key));
    return Array.from({ length: M }, () => fcell(`=${pull(`$${c}:$${c}`)}`, (env) => {
      const rec = recOf(env);
      return numberOr(key === "target" ? rec?.target : rec ? spcRow(rec, L.readings, env)[key] : null);
    }));
  };
  const band = (kind: "improvement" | "concern" | "neutral") => L.readings.map((_, i) => {
    const c = colLetter(L.flagsFirst + i);
    const text = `Special cause ${kind}`;
    return fcell(`=IFERROR(IF(LEFT(INDEX(${k}!${c}:${c},${rowCell}),${text.length})="${text}",1,0),0)`, (env) => {
      const rec = recOf(env);
      const f = rec ? spcRow(rec, L.readings, env).flags[i] : "";
      return typeof f === "string" && f.startsWith(text) ? 1 : 0;
    });
  });
  const refs = kpiRows.filter((x) => x.row >= 1 && x.ref).sort((a, b) => a.row - b.row).map((x) => x.ref!);
  while (rows.length < top) rows.push([]);
  rows.push([...Array(DATA_COL).fill(null), label("Chart of the KPI with this ref:", { bold: true }),
    { cell: first.ref ?? null, input: true, name: PICKED_KPI, validation: { list: refs, message: "Pick the ref of a KPI on the KPIs sheet." } },
    fcell(`=IFERROR(INDEX(${k}!$B:$B,MATCH(${PICKED_KPI},${k}!$A:$A,0)),"No KPI on the KPIs sheet has this ref")`, (env) => {
      const rec = recOf(env);
      return rec ? String(rec.measure ?? "") : "No KPI on the KPIs sheet has this ref";
    }, { bold: true })]);
  rows.push([...Array(DATA_COL).fill(null), label("Its row on the KPIs sheet"), fcell(`=IFERROR(MATCH(${PICKED_KPI},${k}!$A:$A,0),"")`, (env) => rowOf(env) ?? "")]);
  const data: [string, ReportCell[]][] = [
    ["Readings (#N/A: none, a gap in the chart)", readings], ["Mean", lineOf("mean")], ["Upper process limit", lineOf("upl")], ["Lower process limit", lineOf("lpl")], ["Target", lineOf("target")],
    ["Special cause improvement", band("improvement")], ["Special cause concern", band("concern")], ["Special cause neutral", band("neutral")],
  ];
  for (const [name, cellsOf] of data) rows.push([...Array(DATA_COL).fill(null), label(name), ...cellsOf]);
  const at = (i: number): RangeRef => ({ row: top + 2 + i, col: DATA_COL + 1, rows: 1, cols: M });
  return {
    type: "line",
    title: "The KPI picked beside this chart",
    anchor: { row: top, col: 0, rows: CHART_BLOCK - 2, cols: DATA_COL - 1 },
    categories: { sheet: ctx.sheetName("kpis"), range: { row: 0, col: L.first, rows: 1, cols: M } },
    series: (Object.keys(SPC_LOOK) as SpcLine[]).map((name, i) => ({ name, sheet: chartSheet, range: at(i), ...SPC_LOOK[name] })),
  };
}

/** A KPI unit's chart axis format. */
const axisFormat = (unit: Value | undefined): string | undefined =>
  eqText(unit ?? null, "Percent") ? "0%" : unit === "£" ? '"£"#,##0.00' : undefined;

/** A KPI record as the chart sheet plans its chart: where it sits and what it holds when the build runs. */
export interface KpiChartRow {
  /** 0-based sheet row of the record on the KPIs sheet. */
  row: number;
  ref?: string;
  measure: string;
  unit?: Value;
  better?: Value;
  hasTarget?: boolean;
  /** The KPI has limits now (two readings in a row): its chart shows the mean and process limits. */
  hasLimits?: boolean;
}

/** Rows of the settings and notes above the charts. */
const CHARTS_TOP = 8;
/** Rows each KPI's chart and its data take. */
const CHART_BLOCK = 18;
/** The chart data's first column (right of the chart). */
const DATA_COL = 10;

/** Where a KPI's chart and chart data go: by its row on the KPIs sheet, so other KPIs' blocks never move. */
export const chartBlockTop = (kpiRow: number) => CHARTS_TOP + (kpiRow - 1) * CHART_BLOCK;

/**
 * KPIs with a chart of their own: those in the KPIs sheet's first 25 rows, as NHS England's SPC multiple chart
 * tool draws up to 25 (gaps.md §5). Past that a workbook gets slow to open and to build (each chart is a host call,
 * and Excel's 10 a sync), so any other KPI is drawn in one more chart, of the KPI a person picks beside it.
 */
export const KPI_CHARTS = 25;
/** The workbook name of the picked KPI's ref (the input cell beside that chart). */
export const PICKED_KPI = "Spc_Chart_Kpi";

/**
 * The SPC settings, and one Making Data Count chart per KPI record: the readings, the mean, the process limits and
 * the target as lines, and the months flagged special cause as bands in MDC's colours, fed by formulas beside
 * each chart from the KPI's row.
 */
export function kpiChartsSpec(ctx: SpecCtx, kpiRows: KpiChartRow[]): SheetSpec {
  const L = kpiLayout(ctx);
  const M = L.months;
  const kpiSheet = ctx.sheetName("kpis");
  const k = q(ctx, "kpis");
  const rows: (ReportCell | null)[][] = [
    [label(`KPI SPC charts (Making Data Count): one per KPI in the KPIs sheet's first ${KPI_CHARTS} rows (as NHS England's multiple chart tool, up to ${KPI_CHARTS}), and, when there are more, one of the KPI you pick after them. Rebuild to add charts for new KPIs.`, { bold: true })],
    [label("SPC settings for every KPI on the KPIs sheet:", { bold: true })],
    [label("Method"), { cell: "MDC", input: true, name: SPC_NAMES.method, validation: { list: ["MDC", "R"], message: "Choose MDC or R." } },
      label("MDC: as NHS England's Making Data Count Excel tool (moving ranges not screened; two of three beyond 2 sigma counts points beyond the limits; improvement wins a conflict). R: as NHSRplotthedots (moving ranges of 3.267 x their mean or more left out; the pre-2023 two-in-three rule; the first rule in precedence decides).")],
    [label("Run length"), { cell: 7, input: true, name: SPC_NAMES.run, validation: { list: ["7", "6"], message: "Choose 7 or 6." } },
      label("Points in a row on one side of the mean, or each rising or falling, that make a special cause: 7 (MDC and R), or 6.")],
    [label("Baseline (readings)"), { cell: 12, input: true, name: SPC_NAMES.baseline, validation: { number: { min: 2, integer: true }, message: "The baseline is a whole number of readings, 2 or more." } },
      label(`Limits from the first this many readings (12: a year, as Making Data Count advises 12 to 20); blank: from all of them. With fewer than ${SPC_MIN_POINTS} readings they are trial limits, and variation and assurance are not shown.`)],
    [label("Colours: blue special cause improvement, orange concern, purple neutral (neither direction better), grey common cause; the target in red.")],
  ];
  const charts: ChartSpec[] = [];
  for (const kr of kpiRows) {
    if (kr.row < 1 || kr.row > KPI_CHARTS) continue;
    const top = chartBlockTop(kr.row);
    const r = kr.row + 1;
    const dir = sheetDirection(kr.better ?? null);
    const cellOf = (key: "mean" | "upl" | "lpl" | "target") => `${k}!$${colLetter(kpiColumn(key))}$${r}`;
    const lineOf = (key: "mean" | "upl" | "lpl" | "target") => {
      const ref = cellOf(key);
      return Array.from({ length: M }, () => fcell(`=IF(ISNUMBER(${ref}),${ref},"")`, (env) => {
        const rec = env.record?.("kpis", r);
        const v = key === "target" ? rec?.target : rec ? spcRow(rec, L.readings, env)[key] : null;
        return typeof v === "number" ? v : "";
      }));
    };
    const band = (kind: "improvement" | "concern" | "neutral") => L.readings.map((key, i) => {
      // Column-relative: a row of these is one R1C1 formula in Excel.
      const ref = `${k}!${colLetter(L.flagsFirst + i)}$${r}`;
      const text = `Special cause ${kind}`;
      return fcell(`=IF(LEFT(${ref},${text.length})="${text}",1,0)`, (env) => {
        const rec = env.record?.("kpis", r);
        const f = rec ? spcRow(rec, L.readings, env).flags[i] : "";
        return typeof f === "string" && f.startsWith(text) ? 1 : 0;
      });
    });
    const data: [string, ReportCell[]][] = [
      ["Mean", lineOf("mean")], ["Upper process limit", lineOf("upl")], ["Lower process limit", lineOf("lpl")], ["Target", lineOf("target")],
      ["Special cause improvement", band("improvement")], ["Special cause concern", band("concern")], ["Special cause neutral", band("neutral")],
    ];
    while (rows.length < top) rows.push([]);
    rows.push([...Array(DATA_COL).fill(null), fcell(`=${k}!$A$${r}&" "&${k}!$B$${r}`, (env) => { const rec = env.record?.("kpis", r); return `${String(rec?.ref ?? "")} ${String(rec?.measure ?? "")}`; }, { bold: true })]);
    for (const [name, cellsOf] of data) rows.push([...Array(DATA_COL).fill(null), label(name), ...cellsOf]);
    const at = (i: number): RangeRef => ({ row: top + 1 + i, col: DATA_COL + 1, rows: 1, cols: M });
    const line = (name: SpcLine, i: number): ChartSeries => ({ name, sheet: ctx.sheetName("kpiCharts"), range: at(i), ...SPC_LOOK[name] });
    const series: ChartSeries[] = [{ name: kr.measure, sheet: kpiSheet, range: { row: kr.row, col: L.first, rows: 1, cols: M }, ...SPC_LOOK.Readings }];
    if (kr.hasLimits) series.push(line("Mean", 0), line("Upper process limit", 1), line("Lower process limit", 2));
    if (kr.hasTarget) series.push(line("Target", 3));
    if (kr.hasLimits && dir !== 0) series.push(line("Special cause improvement", 4), line("Special cause concern", 5));
    if (kr.hasLimits && dir === 0) series.push(line("Special cause neutral", 6));
    charts.push({
      type: "line",
      title: kr.measure,
      anchor: { row: top, col: 0, rows: CHART_BLOCK - 2, cols: DATA_COL - 1 },
      categories: { sheet: kpiSheet, range: { row: 0, col: L.first, rows: 1, cols: M } },
      series,
      valueFormat: axisFormat(kr.unit),
    });
  }
  const others = kpiRows.filter((kr) => kr.row > KPI_CHARTS).sort((a, b) => a.row - b.row);
  if (others.length) charts.push(pickedChart(ctx, rows, kpiRows, others[0]));
  return {
    key: "kpiCharts",
    name: ctx.sheetName("kpiCharts"),
    title: "KPI charts",
    reports: [{ col: 0, rows, widths: [20, 8] }],
    charts,
  };
}
