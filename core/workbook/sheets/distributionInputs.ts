/**
 * What the Distribution sheet reads besides the streams: the PCN's own costs (Distribution Costs), taken off one
 * stream or off all streams of a period before anything reaches practices; and the keys a network agrees for
 * custom percentages and fixed amounts (Distribution Keys), one row per key and practice.
 */
import { colLetter, type ConditionalFormatRule, type RangeRef } from "../plan";
import { COLOURS, type ColumnSpec, type Env, type RowValues, type SheetSpec, type Value } from "../spec";
import { andF, blank, calc, cellEq, checkF, checkRag, inp, isNum, matchIn, str, type SpecCtx } from "./common";
import { ALL_STREAMS, distributionPeriods } from "./distribution";

export const COST_CATEGORIES = ["Staff not reimbursed", "Management", "Clinical director time", "Premises", "Services", "Other"] as const;

export function distCostsSpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const periods = distributionPeriods(y);
  const takenOff = (r: RowValues): Value => (blank(r.ref) ? "" : blank(r.stream) ? ALL_STREAMS : r.stream);
  const problems = (r: RowValues, env: Env): string[] => {
    const out: string[] = [];
    if (blank(r.amount)) out.push("Enter the amount");
    else if (!isNum(r.amount)) out.push("Amount is text, not a number: retype it");
    else if (r.amount < 0) out.push("Amount is negative");
    if (!blank(r.period) && !periods.some((p) => cellEq(r.period, p.label))) out.push(`Choose a period of ${y.year} from the list`);
    if (blank(r.stream)) {
      if (blank(r.period)) out.push("Choose the period: a cost taken off all streams of a period needs one");
      else if (!env.column("Dist_Period").some((p) => cellEq(p, r.period))) out.push(`No stream of ${String(r.period)} to take it off: add one on the Distribution sheet, or name a stream`);
    } else {
      const i = matchIn(env.column("Dist_Ref"), r.stream);
      if (i < 0) out.push(`No stream ${String(r.stream)} on the Distribution sheet`);
      else if (!blank(r.period) && !cellEq(env.column("Dist_Period")[i], r.period)) out.push(`Stream ${String(r.stream)} is for ${String(env.column("Dist_Period")[i] ?? "no period")}, not ${String(r.period)}`);
    }
    return out;
  };
  const cols: ColumnSpec[] = [
    inp("ref", "Cost ref", "text", { width: 9, name: "Ref" }),
    inp("description", "Cost", "text", { width: 30 }),
    inp("category", "Category", "choice", { choices: [...COST_CATEGORIES], width: 20 }),
    inp("period", "Period", "choice", { choices: periods.map((p) => p.label), width: 12, name: "Period" }),
    inp("stream", "Taken off stream (its ref; blank: all streams of the period)", "text", { listName: "Dist_Ref", width: 16, name: "Stream" }),
    inp("amount", "Amount (£)", "money", { min: 0, width: 13, name: "Amount" }),
    inp("notes", "Notes or evidence", "longtext", { width: 36 }),
    calc("takenOff", "Taken off", "text",
      (c) => `=IF(${c.ref("ref")}="","",IF(${c.ref("stream")}="",${str(ALL_STREAMS)},${c.ref("stream")}))`, takenOff, { width: 18, name: "TakenOff" }),
    calc("check", "Check", "text",
      (c) => {
        const a = c.ref("amount"), p = c.ref("period"), s = c.ref("stream");
        const at = `MATCH(${s},Dist_Ref,0)`;
        return checkF(c.ref("ref"), [
          [`${a}=""`, str("Enter the amount")],
          [`AND(${a}<>"",NOT(ISNUMBER(${a})))`, str("Amount is text, not a number: retype it")],
          [`AND(ISNUMBER(${a}),N(${a})<0)`, str("Amount is negative")],
          [`AND(${p}<>"",ISNA(MATCH(${p},{${periods.map((x) => str(x.label)).join(",")}},0)))`, str(`Choose a period of ${y.year} from the list`)],
          [`AND(${s}="",${p}="")`, str("Choose the period: a cost taken off all streams of a period needs one")],
          [andF(`${s}=""`, `${p}<>""`, `COUNTIF(Dist_Period,${p})=0`), `"No stream of "&${p}&" to take it off: add one on the Distribution sheet, or name a stream"`],
          [`AND(${s}<>"",ISNA(${at}))`, `"No stream "&${s}&" on the Distribution sheet"`],
          [`IF(OR(${s}="",${p}=""),FALSE,IF(ISNA(${at}),FALSE,INDEX(Dist_Period,${at})<>${p}))`, `"Stream "&${s}&" is for "&IF(INDEX(Dist_Period,${at})="","no period",INDEX(Dist_Period,${at}))&", not "&${p}`],
        ]);
      },
      (r, env) => (blank(r.ref) ? "" : problems(r, env).join("; ") || "OK"), { width: 44, name: "Check" }),
  ];
  const rows: RowValues[] = (ctx.data?.distribution?.costs ?? []).map((x) => ({
    ref: x.ref, description: x.description, category: x.category, period: x.period ?? null, stream: x.stream ?? null, amount: x.amount, notes: x.notes ?? null,
  }));
  return {
    key: "distCosts",
    name: ctx.sheetName("distCosts"),
    title: `Distribution costs ${y.year}`,
    rows,
    freeze: { rows: 1, cols: 1 },
    table: { columns: cols, keyColumns: ["ref"], spareRows: 12, namePrefix: "DCost_", tableName: "PCN_DistCosts", conditionalFormats: (col) => checkRag(col("check")) },
  };
}

export function distKeysSpec(ctx: SpecCtx): SheetSpec {
  const problems = (r: RowValues, env: Env): string[] => {
    const out: string[] = [];
    if (blank(r.practice)) out.push("Choose the practice");
    else if (matchIn(env.column("Practice_Name"), r.practice) < 0) out.push("Practice not on the Practices sheet");
    if (blank(r.percent) && blank(r.fixed)) out.push("Enter a percentage or a fixed amount");
    if (!blank(r.percent) && !isNum(r.percent)) out.push("Percentage is text, not a number: retype it (20% or 0.2)");
    if (isNum(r.percent) && (r.percent < 0 || r.percent > 1)) out.push("Percentage is outside 0% to 100%");
    if (!blank(r.fixed) && !isNum(r.fixed)) out.push("Fixed amount is text, not a number: retype it");
    if (isNum(r.fixed) && r.fixed < 0) out.push("Fixed amount is negative");
    const k = env.column("DKey_Key"), p = env.column("DKey_Practice");
    if (!blank(r.practice) && k.filter((x, j) => cellEq(x, r.key) && cellEq(p[j], r.practice)).length > 1) out.push(`${String(r.practice)} is in ${String(r.key)} more than once: the amounts are added together`);
    return out;
  };
  const cols: ColumnSpec[] = [
    inp("key", "Key", "text", { width: 24, name: "Key" }),
    inp("practice", "Practice", "text", { listName: "Practice_Name", width: 26, name: "Practice" }),
    inp("percent", "Custom percentage", "percent", { min: 0, max: 1, width: 11, name: "Percent" }),
    inp("fixed", "Fixed amount (£)", "money", { min: 0, width: 13, name: "Fixed" }),
    inp("notes", "Notes (why, where agreed)", "longtext", { width: 36 }),
    calc("check", "Check", "text",
      (c) => {
        const pr = c.ref("practice"), pc = c.ref("percent"), fx = c.ref("fixed");
        return checkF(c.ref("key"), [
          [`${pr}=""`, str("Choose the practice")],
          [`AND(${pr}<>"",ISNA(MATCH(${pr},Practice_Name,0)))`, str("Practice not on the Practices sheet")],
          [`AND(${pc}="",${fx}="")`, str("Enter a percentage or a fixed amount")],
          [`AND(${pc}<>"",NOT(ISNUMBER(${pc})))`, str("Percentage is text, not a number: retype it (20% or 0.2)")],
          [`AND(ISNUMBER(${pc}),OR(N(${pc})<0,N(${pc})>1))`, str("Percentage is outside 0% to 100%")],
          [`AND(${fx}<>"",NOT(ISNUMBER(${fx})))`, str("Fixed amount is text, not a number: retype it")],
          [`AND(ISNUMBER(${fx}),N(${fx})<0)`, str("Fixed amount is negative")],
          [andF(`${pr}<>""`, `COUNTIFS(DKey_Key,${c.ref("key")},DKey_Practice,${pr})>1`), `${pr}&" is in "&${c.ref("key")}&" more than once: the amounts are added together"`],
        ]);
      },
      (r, env) => (blank(r.key) ? "" : problems(r, env).join("; ") || "OK"), { width: 44 }),
  ];
  const rows: RowValues[] = (ctx.data?.distribution?.keys ?? []).map((k) => ({ key: k.key, practice: k.practice, percent: k.percent ?? null, fixed: k.fixed ?? null, notes: k.notes ?? null }));
  return {
    key: "distKeys",
    name: ctx.sheetName("distKeys"),
    title: "Distribution keys",
    rows,
    freeze: { rows: 1, cols: 1 },
    table: { columns: cols, keyColumns: ["key", "practice"], spareRows: 12, namePrefix: "DKey_", tableName: "PCN_DistKeys", conditionalFormats: (col) => checkRag(col("check")) },
  };
}
