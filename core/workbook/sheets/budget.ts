import { BUDGET_CATEGORIES, FUNDING_SOURCES } from "../lists";
import { colLetter } from "../plan";
import { COLOURS, FORMATS, type ColumnSpec, type ReportCell, type RowValues, type SheetSpec, type Value } from "../spec";
import { blank, calc, eqText, fcell, inp, isNum, label, num, sumNums, xround, type SpecCtx } from "./common";
import { monthLabels } from "./funding";

const M = Array.from({ length: 12 }, (_, i) => i + 1);

export function budgetSpec(ctx: SpecCtx): SheetSpec {
  const labels = monthLabels(ctx.year);
  const B = "Budget_";
  const closed = (env: import("../spec").Env) => num(env.cell("Budget_MonthsClosed"));
  const ytdBudget = (r: RowValues, env: import("../spec").Env) => M.reduce((a, m) => a + (closed(env) >= m ? num(r[`b${m}`]) : 0), 0);
  // Actuals count for the months closed only: a month's actual replaces its budget, never adds to it.
  const ytdActual = (r: RowValues, env: import("../spec").Env) => M.reduce((a, m) => a + (closed(env) >= m ? num(r[`a${m}`]) : 0), 0);
  const forecast = (r: RowValues, env: import("../spec").Env) => ytdActual(r, env) + M.reduce((a, m) => a + num(r[`b${m}`]), 0) - ytdBudget(r, env);
  const isIncome = (r: RowValues) => eqText(r.type ?? null, "Income");
  const cols: ColumnSpec[] = [
    inp("ref", "Line ref", "text", { width: 9, name: "Ref" }),
    inp("description", "Description", "text", { width: 30 }),
    inp("category", "Category", "choice", { choices: [...BUDGET_CATEGORIES], width: 18, name: "Category" }),
    inp("type", "Income or expenditure", "choice", { choices: ["Income", "Expenditure"], width: 12, name: "Type" }),
    inp("fundingSource", "Funding source", "choice", { choices: [...FUNDING_SOURCES], width: 18 }),
    inp("recurrent", "Recurrent", "yesno", { name: "Recurrent" }),
    inp("annual", "Annual budget (£)", "money", { min: 0, name: "Annual" }),
    ...M.map((m) => inp(`b${m}`, `Budget ${labels[m - 1]} (£)`, "money", {
      min: 0, width: 12, name: `B${m}`,
      seed: (c) => (m < 12 ? `=IF(${c.ref("annual")}="","",ROUND(${c.ref("annual")}/12,2))` : `=IF(${c.ref("annual")}="","",ROUND(${c.ref("annual")}-SUM(${c.ref("b1")}:${c.ref("b11")}),2))`),
    })),
    ...M.map((m) => inp(`a${m}`, `Actual ${labels[m - 1]} (£)`, "money", { width: 12, name: `A${m}` })),
    calc("ytdBudget", "Budget to date (£)", "money",
      (c) => `=IF(${c.ref("ref")}="","",${M.map((m) => `IF(N(Budget_MonthsClosed)>=${m},N(${c.ref(`b${m}`)}),0)`).join("+")})`,
      (r, env) => (blank(r.ref) ? "" : ytdBudget(r, env)), { width: 14 }),
    calc("ytdActual", "Actual to date (£)", "money",
      (c) => `=IF(${c.ref("ref")}="","",${M.map((m) => `IF(N(Budget_MonthsClosed)>=${m},N(${c.ref(`a${m}`)}),0)`).join("+")})`,
      (r, env) => (blank(r.ref) ? "" : ytdActual(r, env)), { width: 14, name: "YtdActual" }),
    calc("variance", "Variance to date (£, + favourable)", "money",
      (c) => `=IF(${c.ref("ref")}="","",IF(${c.ref("type")}="Income",${c.ref("ytdActual")}-${c.ref("ytdBudget")},${c.ref("ytdBudget")}-${c.ref("ytdActual")}))`,
      (r, env) => (blank(r.ref) ? "" : isIncome(r) ? ytdActual(r, env) - ytdBudget(r, env) : ytdBudget(r, env) - ytdActual(r, env)), { width: 15, name: "Variance" }),
    calc("forecast", "Forecast outturn (£)", "money",
      (c) => `=IF(${c.ref("ref")}="","",${c.ref("ytdActual")}+SUM(${c.ref("b1")}:${c.ref("b12")})-${c.ref("ytdBudget")})`,
      (r, env) => (blank(r.ref) ? "" : forecast(r, env)), { width: 14, name: "Forecast" }),
    calc("forecastVariance", "Forecast variance (£, + favourable)", "money",
      (c) => `=IF(${c.ref("ref")}="","",IF(${c.ref("type")}="Income",${c.ref("forecast")}-N(${c.ref("annual")}),N(${c.ref("annual")})-${c.ref("forecast")}))`,
      (r, env) => (blank(r.ref) ? "" : isIncome(r) ? forecast(r, env) - num(r.annual) : num(r.annual) - forecast(r, env)), { width: 15, name: "ForecastVariance" }),
  ];
  const rows: RowValues[] = (ctx.data?.budget ?? []).map((b) => {
    const r: RowValues = { ref: b.ref, description: b.description, category: b.category, type: b.type, fundingSource: b.fundingSource ?? null, recurrent: b.recurrent, annual: b.annual };
    M.forEach((m) => {
      r[`b${m}`] = b.phasing ? b.phasing[m - 1] : null; // null: the seed formula phases it evenly
      r[`a${m}`] = b.actuals[m - 1] ?? null;
    });
    return r;
  });
  return {
    key: "budget",
    name: ctx.sheetName("budget"),
    title: "Budget",
    rows,
    freeze: { rows: 1, cols: 2 },
    table: {
      columns: cols, keyColumns: ["ref"], spareRows: 20, namePrefix: B, tableName: "PCN_Budget",
      conditionalFormats: (col) => ["variance", "forecastVariance"].flatMap((k) => {
        const r = col(k); const a = `${colLetter(r.col)}${r.row + 1}`;
        return [
          { range: r, formula: `=AND(ISNUMBER(${a}),${a}<0)`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: r, formula: `=AND(ISNUMBER(${a}),${a}>=0)`, fill: COLOURS.green, font: COLOURS.greenFont },
        ];
      }),
    },
  };
}

/** Months closed (the person's setting), totals, and the forecast surplus or deficit. */
export function budgetSummarySpec(ctx: SpecCtx): SheetSpec {
  const B = "Budget_";
  const R0 = 0;
  const H = (t: string) => label(t, { bold: true, fill: COLOURS.title });
  const sumIf = (env: import("../spec").Env, col: string, type: string) => {
    const t = env.column(B + "Type"); const v = env.column(B + col);
    return t.reduce<number>((a, x, i) => a + (eqText(x, type) ? num(v[i]) : 0), 0);
  };
  const lastActualMonth = (env: import("../spec").Env) => Math.max(0, ...M.filter((m) => env.column(`${B}A${m}`).some(isNum)));
  const rep: (ReportCell | null)[][] = [
    [H(`Budget ${ctx.year.year}`), H("£")],
    [label("Months closed (actuals entered)"), {
      cell: { f: `=MAX(${M.map((m) => `IF(COUNT(${B}A${m})>0,${m},0)`).join(",")})` }, input: true, name: "Budget_MonthsClosed", format: FORMATS.integer,
      compute: lastActualMonth,
    }],
    [label("Income budget"), fcell(`=SUMIF(${B}Type,"Income",${B}Annual)`, (env) => sumIf(env, "Annual", "Income"), { format: FORMATS.money })],
    [label("Expenditure budget"), fcell(`=SUMIF(${B}Type,"Expenditure",${B}Annual)`, (env) => sumIf(env, "Annual", "Expenditure"), { format: FORMATS.money })],
    [label("Budgeted surplus / (deficit)"), fcell(`=SUMIF(${B}Type,"Income",${B}Annual)-SUMIF(${B}Type,"Expenditure",${B}Annual)`, (env) => sumIf(env, "Annual", "Income") - sumIf(env, "Annual", "Expenditure"), { format: FORMATS.money })],
    [label("Income to date"), fcell(`=SUMIF(${B}Type,"Income",${B}YtdActual)`, (env) => sumIf(env, "YtdActual", "Income"), { format: FORMATS.money })],
    [label("Expenditure to date"), fcell(`=SUMIF(${B}Type,"Expenditure",${B}YtdActual)`, (env) => sumIf(env, "YtdActual", "Expenditure"), { format: FORMATS.money })],
    [label("Forecast income"), fcell(`=SUMIF(${B}Type,"Income",${B}Forecast)`, (env) => sumIf(env, "Forecast", "Income"), { format: FORMATS.money })],
    [label("Forecast expenditure"), fcell(`=SUMIF(${B}Type,"Expenditure",${B}Forecast)`, (env) => sumIf(env, "Forecast", "Expenditure"), { format: FORMATS.money })],
    [label("Forecast surplus / (deficit)", { bold: true }), fcell(`=SUMIF(${B}Type,"Income",${B}Forecast)-SUMIF(${B}Type,"Expenditure",${B}Forecast)`,
      (env) => sumIf(env, "Forecast", "Income") - sumIf(env, "Forecast", "Expenditure"), { format: FORMATS.money, bold: true, name: "Budget_ForecastSurplus" })],
    [label("Latest month with actuals entered"), fcell(`=MAX(${M.map((m) => `IF(COUNT(${B}A${m})>0,${m},0)`).join(",")})`, lastActualMonth, { format: FORMATS.integer })],
    [label("Actuals count to date for the months closed only; later months use their budget until closed."), null],
  ];
  const surplus = `$${colLetter(R0 + 1)}$10`;
  return {
    key: "budgetSummary",
    name: ctx.sheetName("budgetSummary"),
    title: "Budget summary",
    reports: [{
      col: R0, rows: rep, widths: [34, 16],
      conditionalFormats: [
        { range: { row: 9, col: R0 + 1, rows: 1, cols: 1 }, formula: `=${surplus}<0`, fill: COLOURS.red, font: COLOURS.redFont },
        { range: { row: 9, col: R0 + 1, rows: 1, cols: 1 }, formula: `=${surplus}>=0`, fill: COLOURS.green, font: COLOURS.greenFont },
      ],
    }],
  };
}

export { sumNums, xround };
export type { Value };
