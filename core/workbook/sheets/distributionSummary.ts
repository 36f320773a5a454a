/**
 * Distribution Summary: the Distribution sheet by period (amounts, costs, what went to practices, what the PCN
 * kept, costs with no stream to come off); expected against received for each kind of income over the year; and
 * the year end: the PCN's surplus or deficit on these figures, allocated to practices by the key the network
 * agreed (a practice that left shares the year up to its leaving date), beside what each practice had this year.
 * On its own sheet, so rows inserted in the tables never move it. Its practice rows follow the Practices sheet as
 * the Distribution sheet's practice columns do (the two are built together).
 */
import { METHODS, PROPORTIONAL, inNetwork } from "../../funding/distribute";
import { round2, splitPart } from "../../funding/money";
import { colLetter, isoToSerial } from "../plan";
import { COLOURS, FORMATS, type Env, type ReportCell, type RowValues, type SheetSpec, type Value } from "../spec";
import type { Finding } from "../register";
import { andF, blank, cellEq, countIf, fcell, isNum, label, matchIn, num, splitPartF, str, sumNums, xround, type SpecCtx } from "./common";
import { ALL_STREAMS, arrF, distributionPeriods, distributionSources, practiceColumns, weightC, weightF } from "./distribution";

const W = 7;
const YEAR_MSG = {
  allocate: "Enter the surplus or deficit to allocate",
  method: "Choose how to allocate it",
  key: "Enter the key: its rows on Distribution Keys",
  noWeight: "No practice has a weight under this method: nothing can be allocated",
  evidence: "Record the agreement: who agreed the allocation, when, and the minutes' reference",
  changed: "The practices changed on the Practices sheet since this sheet was built: build the Distribution sheets again",
};

export function distSummarySpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const periods = distributionPeriods(y);
  const sources = distributionSources(y);
  const practices = practiceColumns(ctx);
  const H = (t: string) => label(t, { bold: true, fill: COLOURS.title });
  const money = (f: string, c: (env: Env) => Value, extra: Partial<ReportCell> = {}) => fcell(f, c, { format: FORMATS.money, ...extra });
  const rows: (ReportCell | null)[][] = [];
  const push = (cells: (ReportCell | null)[]) => { while (cells.length < W) cells.push(null); rows.push(cells); return rows.length - 1; };
  const col = (env: Env, n: string) => env.column(n);
  const sumIf = (env: Env, crit: string, critVal: Value, sum: string) => { const c = col(env, crit); return col(env, sum).reduce<number>((a, v, i) => a + (isNum(v) && cellEq(c[i], critVal) ? v : 0), 0); };

  push([label(`Money to practices ${y.year}: summary`, { bold: true })]);
  push([label("The streams, the costs taken off them and each practice's share are on the Distribution sheet; Lock statement freezes a period's as values.")]);
  push([]);

  // ---- by period
  push([H("Period"), H("Streams"), H("Amount (£)"), H("Costs taken off (£)"), H("To practices (£)"), H("Retained at PCN (£)"), H("Costs of the period with no stream to come off (£)")]);
  const firstPeriod = rows.length;
  for (const p of periods) {
    const L = str(p.label);
    push([
      label(p.label),
      fcell(`=COUNTIF(Dist_Period,${L})`, (env) => countIf(col(env, "Dist_Period"), (v) => cellEq(v, p.label)), { format: FORMATS.integer }),
      money(`=ROUND(SUMIF(Dist_Period,${L},Dist_Amount),2)`, (env) => round2(sumIf(env, "Dist_Period", p.label, "Dist_Amount"))),
      money(`=ROUND(SUMIF(Dist_Period,${L},Dist_CostOwn)+SUMIF(Dist_Period,${L},Dist_CostShared),2)`, (env) => round2(sumIf(env, "Dist_Period", p.label, "Dist_CostOwn") + sumIf(env, "Dist_Period", p.label, "Dist_CostShared"))),
      money(`=ROUND(SUMIF(Dist_Period,${L},Dist_ToPractices),2)`, (env) => round2(sumIf(env, "Dist_Period", p.label, "Dist_ToPractices"))),
      money(`=ROUND(SUMIF(Dist_Period,${L},Dist_Retained),2)`, (env) => round2(sumIf(env, "Dist_Period", p.label, "Dist_Retained"))),
      money(`=ROUND(SUMIFS(DCost_Amount,DCost_TakenOff,${str(ALL_STREAMS)},DCost_Period,${L})-SUMIF(Dist_Period,${L},Dist_CostShared),2)`,
        (env) => { const t = col(env, "DCost_TakenOff"), pr = col(env, "DCost_Period"); return round2(col(env, "DCost_Amount").reduce<number>((a, v, i) => a + (isNum(v) && cellEq(t[i], ALL_STREAMS) && cellEq(pr[i], p.label) ? v : 0), 0) - sumIf(env, "Dist_Period", p.label, "Dist_CostShared")); }),
    ]);
  }
  const lastPeriod = rows.length - 1;
  const colSum = (c: number) => `SUM(${colLetter(c)}${firstPeriod + 1}:${colLetter(c)}${lastPeriod + 1})`;
  const periodCells = (env: Env, c: number) => rows.slice(firstPeriod, lastPeriod + 1).map((r) => r[c]!.compute!(env));
  push([
    label("All periods", { bold: true }),
    fcell(`=${colSum(1)}`, (env) => sumNums(periodCells(env, 1)), { format: FORMATS.integer, bold: true }),
    ...[2, 3, 4, 5].map((c) => money(`=ROUND(${colSum(c)},2)`, (env) => round2(sumNums(periodCells(env, c))), { bold: true })),
    // Every cost not taken off a stream: a period without streams, or a stream ref not on the Distribution sheet.
    money(`=ROUND(SUM(DCost_Amount)-SUM(Dist_CostOwn)-SUM(Dist_CostShared),2)`, (env) => round2(sumNums(col(env, "DCost_Amount")) - sumNums(col(env, "Dist_CostOwn")) - sumNums(col(env, "Dist_CostShared"))), { bold: true, name: "Dist_CostsUnallocated" }),
  ]);
  push([]);

  // ---- expected against received, by kind of income, over the year
  push([H("Income stream"), H("The year's figure (£)"), H("Expected in the streams listed (£)"), H("Received (£)"), H("Still to come (£)"), H(""), H("Note")]);
  for (const s of sources) {
    const L = str(s.label);
    const r = rows.length + 1;
    let yearF = "", yearC: (env: Env) => Value = () => "";
    if (s.kind === "des") { yearF = `=${s.name}`; yearC = (env) => env.cell(s.name!); }
    else if (s.kind === "arrs") { yearF = `=ROUND(SUM(Arrs_YearClaim),2)`; yearC = (env) => round2(sumNums(col(env, "Arrs_YearClaim"))); }
    else if (s.kind === "iif") { yearF = `=IF(COUNT(Iif_Value)=0,"Value unknown",ROUND(SUM(Iif_Value),2))`; yearC = (env) => (col(env, "Iif_Value").some(isNum) ? round2(sumNums(col(env, "Iif_Value"))) : "Value unknown"); }
    const listed = (env: Env) => round2(sumIf(env, "Dist_Source", s.label, "Dist_Expected"));
    const received = (env: Env) => round2(sumIf(env, "Dist_Source", s.label, "Dist_Received"));
    // Income the workbook cannot know: the year's figure is what was received plus what streams not yet received expect.
    const pending = (env: Env) => { const src = col(env, "Dist_Source"), st = col(env, "Dist_Status"); return round2(col(env, "Dist_Expected").reduce<number>((a, v, i) => a + (isNum(v) && cellEq(src[i], s.label) && cellEq(st[i], "Expected") ? v : 0), 0)); };
    const typed = s.kind === "gp" || s.kind === "other";
    if (typed) { yearF = `=ROUND(D${r}+E${r},2)`; yearC = (env) => round2(received(env) + pending(env)); }
    push([
      label(s.label),
      money(yearF, yearC),
      money(`=ROUND(SUMIF(Dist_Source,${L},Dist_Expected),2)`, listed),
      money(`=ROUND(SUMIF(Dist_Source,${L},Dist_Received),2)`, received),
      typed
        ? money(`=ROUND(SUMIFS(Dist_Expected,Dist_Source,${L},Dist_Status,"Expected"),2)`, pending)
        : money(`=IF(ISNUMBER(B${r}),ROUND(B${r}-D${r},2),"")`, (env) => { const v = yearC(env); return isNum(v) ? round2(v - received(env)) : ""; }),
      null,
      s.kind === "des" || s.kind === "arrs" || s.kind === "iif"
        ? fcell(`=IF(AND(ISNUMBER(B${r}),ABS(N(B${r})-C${r})>0.005),"The streams listed expect "&IF(C${r}<B${r},"less","more")&" than the year's figure: add the periods missing, or correct them","")`,
          (env) => { const v = yearC(env), l = listed(env); return isNum(v) && Math.abs(v - l) > 0.005 ? `The streams listed expect ${l < v ? "less" : "more"} than the year's figure: add the periods missing, or correct them` : ""; })
        : label("Received, and expected as typed for streams not yet received"),
    ]);
  }
  push([]);

  // ---- the year end
  push([H("Year end"), H("£"), H(""), H(""), H(""), H(""), H("")]);
  const income = (env: Env) => round2(sumNums(col(env, "Dist_Amount")));
  const costs = (env: Env) => round2(sumNums(col(env, "DCost_Amount")));
  const paid = (env: Env) => round2(sumNums(col(env, "Dist_ToPractices")));
  const surplus = (env: Env) => round2(income(env) - costs(env) - paid(env));
  push([label("Income: received, or expected where not yet received"), money(`=ROUND(SUM(Dist_Amount),2)`, income, { name: "Dist_YearIncome" })]);
  push([label("The PCN's own costs (Distribution Costs)"), money(`=ROUND(SUM(DCost_Amount),2)`, costs, { name: "Dist_YearCosts" })]);
  push([label("Paid or due to practices"), money(`=ROUND(SUM(Dist_ToPractices),2)`, paid, { name: "Dist_YearPaid" })]);
  push([label("Surplus (+) or deficit (-) on these figures", { bold: true }), money(`=ROUND(Dist_YearIncome-Dist_YearCosts-Dist_YearPaid,2)`, surplus, { name: "Dist_YearSurplus", bold: true })]);
  push([label("Surplus or deficit to allocate to practices (£: the figure above, or type the one the network agreed)"),
    { cell: { f: "=Dist_YearSurplus" }, input: true, name: "Dist_YearAllocate", format: FORMATS.money, compute: surplus }]);
  const ye = ctx.data?.distribution?.yearEnd;
  push([label("Allocate it by"), { cell: ye?.method ?? "Weighted list", input: true, name: "Dist_YearMethod", validation: { list: [...PROPORTIONAL], message: `Choose one of: ${PROPORTIONAL.join(", ")}.` }, compute: () => ye?.method ?? "Weighted list" }]);
  push([label("Key (for custom percentages: its rows on Distribution Keys)"), { cell: ye?.key ?? null, input: true, name: "Dist_YearKey" }]);
  push([label("Allocation agreed by"), { cell: ye?.agreedBy ?? null, input: true, name: "Dist_YearAgreedBy" }]);
  push([label("Agreed on"), { cell: ye?.agreedOn ? { d: ye.agreedOn } : null, input: true, name: "Dist_YearAgreedOn", format: FORMATS.date }]);
  push([label("Minutes (reference)"), { cell: ye?.minutes ?? null, input: true, name: "Dist_YearMinutes" }]);
  push([]);
  push([H("Practice"), H("In the network (share of the year)"), H("Weight"), H("Year-end allocation (£)"), H("Distributed this year (£)"), H("Total for the year (£)"), H("")]);
  const firstP = rows.length;
  const lastP = firstP + practices.length - 1;
  const yStart = isoToSerial(y.start), yEnd = isoToSerial(y.end);
  const method = (env: Env) => env.cell("Dist_YearMethod");
  const yKey = (env: Env) => env.cell("Dist_YearKey");
  const validMethod = (env: Env) => METHODS.some((m) => cellEq(method(env), m));
  const weightOfRow = (env: Env, name: string): Value => (validMethod(env) ? weightC(env, method(env), name, yKey(env), yStart, yEnd) : "");
  const weights = (env: Env) => practices.map((n) => weightOfRow(env, n));
  const weightTotal = (env: Env) => sumNums(weights(env));
  const keyed = (env: Env) => cellEq(method(env), "Custom percentages");
  const keyFound = (env: Env) => !blank(yKey(env)) && col(env, "DKey_Key").some((k) => cellEq(k, yKey(env)));
  const keyPercent = (env: Env) => sumIf(env, "DKey_Key", yKey(env), "DKey_Percent");
  const yearProblems = (env: Env): string[] => {
    const out: string[] = [];
    if (!isNum(env.cell("Dist_YearAllocate"))) out.push(YEAR_MSG.allocate);
    if (!PROPORTIONAL.some((m) => cellEq(method(env), m))) out.push(YEAR_MSG.method);
    if (keyed(env) && blank(yKey(env))) out.push(YEAR_MSG.key);
    if (keyed(env) && !blank(yKey(env)) && !keyFound(env)) out.push(`Key ${String(yKey(env))} is not on Distribution Keys`);
    if (keyed(env) && keyFound(env) && Math.abs(keyPercent(env) - 1) > 0.0001) out.push(`Custom percentages of ${String(yKey(env))} add to ${xround(keyPercent(env) * 100, 2)}%, not 100%: the allocation is refused`);
    if (PROPORTIONAL.some((m) => cellEq(method(env), m)) && weightTotal(env) <= 0) out.push(YEAR_MSG.noWeight);
    const names = col(env, "Practice_Name");
    if (names.filter((v) => !blank(v)).length !== practices.length || practices.some((p) => matchIn(names, p) < 0)) out.push(YEAR_MSG.changed);
    if (blank(env.cell("Dist_YearAgreedBy")) || blank(env.cell("Dist_YearAgreedOn")) || blank(env.cell("Dist_YearMinutes"))) out.push(YEAR_MSG.evidence);
    return out;
  };
  // Only the agreement's record missing still allocates: the figures are complete.
  const allocates = (env: Env) => yearProblems(env).every((p) => p === YEAR_MSG.evidence);
  const allocations = (env: Env): Value[] => {
    if (!allocates(env)) return practices.map(() => "");
    const w = weights(env) as number[];
    const total = weightTotal(env), amt = env.cell("Dist_YearAllocate") as number;
    let run = 0;
    return w.map((x) => { run += x; return splitPart(amt, run, run - x, total); });
  };
  const allocatesF = `OR(Dist_YearCheck="OK",Dist_YearCheck=${str(YEAR_MSG.evidence)})`;
  const Wc = colLetter(2);
  practices.forEach((name, i) => {
    const r = rows.length + 1;
    const A = `$A${r}`;
    const m = `MATCH(${A},Practice_Name,0)`;
    const left = `INDEX(Practice_LeftOn,${m})`;
    const share = (env: Env): Value => { const j = matchIn(col(env, "Practice_Name"), name); if (j < 0) return ""; const l = col(env, "Practice_LeftOn")[j]; return isNum(l) ? inNetwork(l, yStart, yEnd) : 1; };
    const run = `SUM(${Wc}$${firstP + 1}:${Wc}${r})`;
    push([
      label(name),
      fcell(`=IF(ISNA(${m}),"",IF(ISNUMBER(${left}),MAX(0,MIN(1,(${left}-${yStart}+1)/(${yEnd}-${yStart}+1))),1))`, share, { format: FORMATS.percent }),
      fcell(`=IF(ISNA(MATCH(Dist_YearMethod,${arrF(METHODS)},0)),"",${weightF({ method: "Dist_YearMethod", name: A, key: "Dist_YearKey", from: String(yStart), to: String(yEnd) })})`, (env) => weightOfRow(env, name), { format: "#,##0.00####" }),
      money(`=IF(NOT(${allocatesF}),"",${splitPartF("Dist_YearAllocate", run, `(${run}-${Wc}${r})`, "Dist_YearWeightTotal")})`, (env) => allocations(env)[i], { name: `Dist_YearAlloc${i + 1}` }),
      money(`=ROUND(SUM(Dist_S${i + 1}),2)`, (env) => round2(sumNums(col(env, `Dist_S${i + 1}`)))),
      money(`=ROUND(N(D${r})+E${r},2)`, (env) => round2(num(allocations(env)[i]) + round2(sumNums(col(env, `Dist_S${i + 1}`))))),
    ]);
  });
  const pSum = (c: number) => (practices.length ? `SUM(${colLetter(c)}${firstP + 1}:${colLetter(c)}${lastP + 1})` : "0");
  push([
    label("All practices", { bold: true }), null,
    fcell(`=${pSum(2)}`, weightTotal, { format: "#,##0.00####", bold: true, name: "Dist_YearWeightTotal" }),
    money(`=ROUND(${pSum(3)},2)`, (env) => round2(sumNums(allocations(env))), { bold: true }),
    money(`=ROUND(${pSum(4)},2)`, (env) => round2(practices.reduce((a, _, i) => a + round2(sumNums(col(env, `Dist_S${i + 1}`))), 0)), { bold: true }),
    money(`=ROUND(${pSum(5)},2)`, (env) => round2(practices.reduce((a, _, i) => a + round2(num(allocations(env)[i]) + round2(sumNums(col(env, `Dist_S${i + 1}`)))), 0)), { bold: true }),
  ]);
  const checkRow = rows.length;
  const mth = "Dist_YearMethod", key = "Dist_YearKey";
  const pct = `SUMIF(DKey_Key,${key},DKey_Percent)`;
  const prop = `ISNUMBER(MATCH(${mth},${arrF(PROPORTIONAL)},0))`;
  const pieces: [string, string][] = [
    [`NOT(ISNUMBER(Dist_YearAllocate))`, str(YEAR_MSG.allocate)],
    [`NOT(${prop})`, str(YEAR_MSG.method)],
    [`AND(${mth}="Custom percentages",${key}="")`, str(YEAR_MSG.key)],
    [andF(`${mth}="Custom percentages"`, `${key}<>""`, `COUNTIF(DKey_Key,${key})=0`), `"Key "&${key}&" is not on Distribution Keys"`],
    [andF(`${mth}="Custom percentages"`, `${key}<>""`, `COUNTIF(DKey_Key,${key})>0`, `ABS(${pct}-1)>0.0001`), `"Custom percentages of "&${key}&" add to "&ROUND(${pct}*100,2)&"%, not 100%: the allocation is refused"`],
    [`AND(${prop},Dist_YearWeightTotal<=0)`, str(YEAR_MSG.noWeight)],
    [`OR(SUMPRODUCT(--(Practice_Name<>""))<>${practices.length}${practices.map((_, i) => `,ISNA(MATCH($A${firstP + i + 1},Practice_Name,0))`).join("")})`, str(YEAR_MSG.changed)],
    [`OR(Dist_YearAgreedBy="",Dist_YearAgreedOn="",Dist_YearMinutes="")`, str(YEAR_MSG.evidence)],
  ];
  push([label("Check", { bold: true }),
    fcell(`=SUBSTITUTE(SUBSTITUTE("¬"&${pieces.map(([c, m]) => `IF(${c},"; "&${m},"")`).join("&")},"¬; ",""),"¬","OK")`, (env) => yearProblems(env).join("; ") || "OK", { name: "Dist_YearCheck" })]);
  const ch = { row: checkRow, col: 1, rows: 1, cols: 1 };
  const chRef = `$B$${checkRow + 1}`;
  return {
    key: "distSummary",
    name: ctx.sheetName("distSummary"),
    title: `Distribution summary ${y.year}`,
    freeze: { rows: 0, cols: 1 },
    reports: [{
      col: 0, rows, widths: [52, 14, 16, 16, 16, 16, 40],
      conditionalFormats: [
        { range: ch, formula: `=${chRef}="OK"`, fill: COLOURS.green, font: COLOURS.greenFont },
        { range: ch, formula: `=${chRef}<>"OK"`, fill: COLOURS.amber, font: COLOURS.amberFont },
      ],
    }],
  };
}

/** Check register: streams refused or to fix, costs, keys and IIF rows to fix, costs that come off nothing, the year end. */
export function distributionFindings(
  specs: SheetSpec[], rowsOf: (key: string) => RowValues[], has: (key: string) => boolean, env: Env,
): Finding[] {
  const out: Finding[] = [];
  const tableChecks = (key: string, refOf: (r: RowValues) => string, red?: (i: number) => boolean, keep: (problem: string) => boolean = () => true) => {
    const spec = specs.find((s) => s.key === key);
    if (!spec?.table || !has(key)) return;
    const cols = spec.table.columns;
    const checkCol = cols.findIndex((c) => c.key === "check");
    const checks = cols[checkCol].name ? env.column(spec.table.namePrefix + cols[checkCol].name) : rowsOf(key).map((r) => cols[checkCol].compute!(r, env));
    rowsOf(key).forEach((r, i) => {
      const c = checks[i];
      if (typeof c !== "string" || !c || c === "OK") return;
      const message = c.split("; ").filter(keep).join("; ");
      if (message) out.push({ severity: red?.(i) ? "red" : "amber", sheet: spec.name, row: r.__row as number, col: checkCol + 1, ref: refOf(r), message });
    });
  };
  const outcome = has("distribution") ? env.column("Dist_Outcome") : [];
  const text = (v: Value) => (v === null || v === undefined ? "" : String(v));
  tableChecks("distribution", (r) => text(r.ref), (i) => outcome[i] === "Refused");
  tableChecks("distCosts", (r) => text(r.ref));
  tableChecks("distKeys", (r) => `${text(r.key)} ${text(r.practice)}`.trim());
  // Unknown points or thresholds are the IIF sheet's to report (once per indicator), not once per practice.
  tableChecks("iifPractices", (r) => `${text(r.code)} ${text(r.practice)}`.trim(), undefined, (p) => !p.startsWith("Points or thresholds of"));
  const sum = specs.find((s) => s.key === "distSummary");
  if (sum && has("distSummary") && has("distribution") && has("distCosts")) {
    const left = env.cell("Dist_CostsUnallocated");
    const row = sum.reports![0].rows.findIndex((r) => r.some((c) => c?.name === "Dist_CostsUnallocated"));
    if (isNum(left) && Math.abs(left) > 0.005) out.push({ severity: "red", sheet: sum.name, row: row + 1, col: 7, ref: "Costs", message: `£${left.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")} of the PCN's costs come off no stream (a period without streams, or a stream ref not on the Distribution sheet): see Distribution Costs' Check.` });
    const alloc = env.cell("Dist_YearAllocate");
    const check = env.cell("Dist_YearCheck");
    const at = sum.reports![0].rows.findIndex((r) => r.some((c) => c?.name === "Dist_YearCheck"));
    if (isNum(alloc) && Math.abs(alloc) > 0.005 && typeof check === "string" && check !== "OK") out.push({ severity: "amber", sheet: sum.name, row: at + 1, col: 2, ref: "Year end", message: check });
  }
  return out;
}
