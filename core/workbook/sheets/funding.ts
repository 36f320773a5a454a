import type { YearRates } from "../../rates/types";
import { colLetter, isoToSerial } from "../plan";
import { COLOURS, FORMATS, type ReportCell, type RowValues, type SheetSpec, type Value } from "../spec";
import { splitPart } from "../../funding/money";
import { blank, calc, fcell, inp, isNum, label, num, splitPartF, sumNums, xround, type SpecCtx } from "./common";

// The Rates and ARRS Rates sheets live in ./rates; re-exported for the sheets that read them from here.
export { AREA_NAMES, arrsRatesSpec, mainNiPeriod, rateRows, ratesSpec } from "./rates";

export const SPLIT_KEYS = ["Weighted list", "Registered list", "Adjusted population", "Equal", "Custom weight"] as const;

export function monthLabels(year: YearRates, n = 12): string[] {
  const [y0] = year.start.split("-").map(Number);
  const names = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"];
  return Array.from({ length: n }, (_, i) => `${names[i % 12]} ${y0 + Math.floor((i + 3) / 12)}`);
}

/** The streams the Funding sheet shows, from the year's rates: core funding combined, then each PCN stream. */
export function fundingStreams(year: YearRates): { key: string; label: string; basis: string; paid: string; rates: string[] }[] {
  const out = [{ key: "core", label: "Core PCN funding", basis: "registered + adjusted", paid: "monthly", rates: ["coreRegistered", "coreAdjusted"] }];
  for (const [key, r] of Object.entries(year.rates)) {
    if (key.startsWith("core") || r.payee !== "PCN" || !["registered", "adjusted", "beds"].includes(r.basis) || r.paid === "claims") continue;
    out.push({ key, label: r.label, basis: r.basis, paid: r.paid ?? "monthly", rates: [key] });
  }
  return out;
}

/** Member practices: populations (inputs), each practice's participation payment and share of the split. */
export function practicesSpec(ctx: SpecCtx): SheetSpec {
  const P = "Practice_";
  const cols = [
    inp("name", "Practice", "text", { width: 26, name: "Name" }),
    inp("odsCode", "ODS code", "text", { width: 10 }),
    inp("registered", "Registered list (1 Jan)", "integer", { min: 0, name: "Registered", width: 13 }),
    inp("weighted", "Weighted list (1 Jan)", "number", { min: 0, name: "Weighted", width: 13 }),
    inp("adjusted", "PCN adjusted population (1 Jan)", "number", { min: 0, name: "Adjusted", width: 14 }),
    inp("beds", "Care-home beds", "integer", { min: 0, name: "Beds", width: 10 }),
    inp("customWeight", "Custom weight", "number", { min: 0, width: 10 }),
    calc("keyValue", "Split key value", "number",
      (c) => `=IF(${c.ref("name")}="","",IF(Funding_SplitKey="Registered list",N(${c.ref("registered")}),IF(Funding_SplitKey="Adjusted population",N(${c.ref("adjusted")}),IF(Funding_SplitKey="Equal",1,IF(Funding_SplitKey="Custom weight",N(${c.ref("customWeight")}),N(${c.ref("weighted")}))))))`,
      (r, env) => {
        if (blank(r.name)) return "";
        const k = String(env.cell("Funding_SplitKey") ?? "");
        return k === "Registered list" ? num(r.registered) : k === "Adjusted population" ? num(r.adjusted) : k === "Equal" ? 1 : k === "Custom weight" ? num(r.customWeight) : num(r.weighted);
      }, { name: "KeyValue", width: 12 }),
    calc("share", "Share of amount to split (£)", "money",
      (c) => {
        const kv = colLetter(7);
        const run = `SUM(${kv}$2:${kv}${c.row})`;
        return `=IF(${c.ref("name")}="","",${splitPartF("Funding_SplitAmount", run, `(${run}-N(${c.ref("keyValue")}))`, `SUM(${P}KeyValue)`)})`;
      },
      (r, env) => {
        if (blank(r.name)) return "";
        const kv = env.column(P + "KeyValue");
        const run = sumNums(kv.slice(0, (r.__index as number) + 1));
        return splitPart(num(env.cell("Funding_SplitAmount")), run, run - num(kv[r.__index as number]), sumNums(kv));
      }, { name: "Share", width: 15 }),
    calc("participation", "Participation payment (£, to the practice)", "money",
      (c) => `=IF(${c.ref("name")}="","",IF(Rate_participation="","Rate unknown",ROUND(N(${c.ref("weighted")})*Rate_participation,2)))`,
      (r, env) => (blank(r.name) ? "" : blank(env.cell("Rate_participation")) ? "Rate unknown" : xround(num(r.weighted) * num(env.cell("Rate_participation")), 2)),
      { name: "Participation", width: 16 }),
    // A practice that left the network mid-year shares the money of a period up to this date (Distribution sheets).
    inp("leftOn", "Left the network on (blank: a member)", "date", { name: "LeftOn", width: 12 }),
  ];
  const rows: RowValues[] = (ctx.data?.practices ?? []).map((p) => ({
    name: p.name, odsCode: p.odsCode ?? null, registered: p.registered, weighted: p.weighted, adjusted: p.adjusted, beds: p.beds, customWeight: p.customWeight ?? null, leftOn: p.leftOn ?? null,
  }));
  return {
    key: "practices",
    name: ctx.sheetName("practices"),
    title: "Practices",
    rows,
    freeze: { rows: 1, cols: 1 },
    table: { columns: cols, keyColumns: ["name"], spareRows: 10, namePrefix: P, tableName: "PCN_Practices" },
  };
}

/**
 * The year's DES entitlements per stream, annual and April to March, from the practices' populations and the
 * Rates sheet; the split settings; participation and ARRS sums. On its own sheet, so rows inserted in a table
 * never move it.
 */
export function fundingSpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const P = "Practice_";
  const months = monthLabels(y);
  const R0 = 0;
  const H = (t: string) => label(t, { bold: true, fill: COLOURS.title });
  const pop: Record<string, [string, string]> = {
    registered: [`SUM(${P}Registered)`, "Registered"], adjusted: [`SUM(${P}Adjusted)`, "Adjusted"], beds: [`SUM(${P}Beds)`, "Beds"], weighted: [`SUM(${P}Weighted)`, "Weighted"],
  };
  const popOf = (env: import("../spec").Env, basis: string) => sumNums(env.column(P + pop[basis][1]));
  const rate = (env: import("../spec").Env, k: string) => env.cell(`Rate_${k}`);
  const rowsR: (ReportCell | null)[][] = [];
  const width = 5 + 12 + 1;
  const pad = (cells: (ReportCell | null)[]) => { while (cells.length < width) cells.push(null); return cells; };
  rowsR.push(pad([label(`Network Contract DES entitlements ${y.year}`, { bold: true })]));
  rowsR.push(pad([label("Split PCN income by"), { cell: "Weighted list", input: true, name: "Funding_SplitKey", validation: { list: [...SPLIT_KEYS], message: `Choose one of: ${SPLIT_KEYS.join(", ")}.` }, compute: () => "Weighted list" }]));
  rowsR.push(pad([label("Amount to split (£)"), { cell: { f: "=Funding_TotalPcnIncome" }, input: true, name: "Funding_SplitAmount", format: FORMATS.money, compute: (env) => env.cell("Funding_TotalPcnIncome") }]));
  rowsR.push(pad([label("Unknown rates show 'Rate unknown': enter them on the Rates sheet and the figures follow.", { })]));
  rowsR.push(pad([H("Stream"), H("Basis"), H("Rate (£)"), H("Population"), H("Annual (£)"), ...months.map(H), H("Paid")]));
  const first = rowsR.length;
  const streamRows: number[] = [];
  for (const s of fundingStreams(y)) {
    const r = rowsR.length;
    streamRows.push(r);
    const annualCol = colLetter(R0 + 4);
    const annualRef = `${annualCol}${r + 1}`;
    let annualF: string;
    let annualC: (env: import("../spec").Env) => Value;
    let rateCell: ReportCell | null;
    let popCell: ReportCell | null;
    if (s.key === "core") {
      annualF = `=IF(OR(Rate_coreRegistered="",Rate_coreAdjusted=""),"Rate unknown",ROUND(${pop.registered[0]}*Rate_coreRegistered+${pop.adjusted[0]}*Rate_coreAdjusted,2))`;
      annualC = (env) => (blank(rate(env, "coreRegistered")) || blank(rate(env, "coreAdjusted")) ? "Rate unknown" : xround(popOf(env, "registered") * num(rate(env, "coreRegistered")) + popOf(env, "adjusted") * num(rate(env, "coreAdjusted")), 2));
      rateCell = label("see Rates");
      popCell = null;
    } else {
      const [pf] = pop[s.basis];
      annualF = `=IF(Rate_${s.key}="","Rate unknown",ROUND(${pf}*Rate_${s.key},2))`;
      annualC = (env) => (blank(rate(env, s.key)) ? "Rate unknown" : xround(popOf(env, s.basis) * num(rate(env, s.key)), 2));
      rateCell = fcell(`=IF(Rate_${s.key}="","unknown",Rate_${s.key})`, (env) => (blank(rate(env, s.key)) ? "unknown" : rate(env, s.key)), { format: FORMATS.rate });
      popCell = fcell(`=${pf}`, (env) => popOf(env, s.basis), { format: FORMATS.integer });
    }
    const monthly = s.paid === "monthly";
    const monthCells = months.map((_, m) =>
      !monthly ? label("")
        : m < 11
          ? fcell(`=IF(ISNUMBER(${annualRef}),ROUND(${annualRef}/12,2),"")`, (env) => { const a = annualC(env); return isNum(a) ? xround(a / 12, 2) : ""; }, { format: FORMATS.money })
          : fcell(`=IF(ISNUMBER(${annualRef}),ROUND(${annualRef}-11*ROUND(${annualRef}/12,2),2),"")`, (env) => { const a = annualC(env); return isNum(a) ? xround(a - 11 * xround(a / 12, 2), 2) : ""; }, { format: FORMATS.money }),
    );
    rowsR.push(pad([label(s.label), label(s.basis), rateCell, popCell, fcell(annualF, annualC, { format: FORMATS.money, name: `Funding_${s.key}` }), ...monthCells, label(s.paid)]));
  }
  const last = rowsR.length - 1;
  const colSum = (c: number) => `SUM(${colLetter(R0 + c)}${first + 1}:${colLetter(R0 + c)}${last + 1})`;
  const streamsAnnual = (env: import("../spec").Env) => streamRows.map((r) => (rowsR[r][4]!.compute!(env)));
  // A total that leaves out a stream whose rate is unknown says so, and by how many.
  const nStreams = streamRows.length;
  const annualRange = `${colLetter(R0 + 4)}${first + 1}:${colLetter(R0 + 4)}${last + 1}`;
  const unknownCount = `COUNTIF(${annualRange},"Rate unknown")`;
  const statusText = (n: number) => (n === 0 ? "" : `Incomplete: leaves out ${n} of ${nStreams} streams (rate unknown)`);
  rowsR.push(pad([
    label("Total PCN income", { bold: true }), null, null, null,
    fcell(`=${colSum(4)}`, (env) => sumNums(streamsAnnual(env)), { format: FORMATS.money, bold: true, name: "Funding_TotalPcnIncome" }),
    ...months.map((_, m) => fcell(`=${colSum(5 + m)}`, (env) => sumNums(streamRows.map((r) => rowsR[r][5 + m]!.compute ? rowsR[r][5 + m]!.compute!(env) : null)), { format: FORMATS.money, bold: true })),
    fcell(`=IF(${unknownCount}=0,"","Incomplete: leaves out "&${unknownCount}&" of ${nStreams} streams (rate unknown)")`,
      (env) => statusText(streamsAnnual(env).filter((v) => v === "Rate unknown").length), { name: "Funding_TotalStatus" }),
  ]));
  rowsR.push(pad([]));
  rowsR.push(pad([H("Paid direct to practices"), H(""), H(""), H(""), H("Annual (£)")]));
  rowsR.push(pad([
    label("Network Participation Payment (all practices)"), label("weighted"),
    fcell(`=IF(Rate_participation="","unknown",Rate_participation)`, (env) => (blank(rate(env, "participation")) ? "unknown" : rate(env, "participation")), { format: FORMATS.rate }),
    fcell(`=${pop.weighted[0]}`, (env) => popOf(env, "weighted"), { format: FORMATS.integer }),
    fcell(`=IF(Rate_participation="","Rate unknown",SUM(${P}Participation))`, (env) => (blank(rate(env, "participation")) ? "Rate unknown" : sumNums(env.column(P + "Participation"))), { format: FORMATS.money }),
  ]));
  rowsR.push(pad([]));
  rowsR.push(pad([H("ARRS"), H(""), H(""), H(""), H("Annual (£)")]));
  for (const k of ["arrsAllocation", "arrsGpAllocation"]) {
    if (!y.rates[k]) continue;
    rowsR.push(pad([
      label(y.rates[k].label), label("weighted"),
      fcell(`=IF(Rate_${k}="","unknown",Rate_${k})`, (env) => (blank(rate(env, k)) ? "unknown" : rate(env, k)), { format: FORMATS.rate }),
      fcell(`=${pop.weighted[0]}`, (env) => popOf(env, "weighted"), { format: FORMATS.integer }),
      fcell(`=IF(Rate_${k}="","Rate unknown",ROUND(${pop.weighted[0]}*Rate_${k},2))`, (env) => (blank(rate(env, k)) ? "Rate unknown" : xround(popOf(env, "weighted") * num(rate(env, k)), 2)),
        { format: FORMATS.money, name: k === "arrsAllocation" ? "Funding_ArrsAllocation" : "Funding_ArrsGpAllocation" }),
      ...months.map(() => null), label("claims, monthly in arrears"),
    ]));
  }
  return {
    key: "funding",
    name: ctx.sheetName("funding"),
    title: "Funding",
    freeze: { rows: 5, cols: 1 },
    reports: [{ col: R0, rows: rowsR, widths: [44, 20, 10, 12, 15, ...months.map(() => 12), 22] }],
  };
}

export { isoToSerial };
