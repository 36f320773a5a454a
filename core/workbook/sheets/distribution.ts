/**
 * Distribution: money to practices (issue #12). One row per income stream received or expected (a DES entitlement,
 * ARRS reimbursements, IIF achievement, the GP scheme where the PCN handles it, local income) for a period of the
 * year; the PCN's own costs taken off it (Distribution Costs: named to the stream, or taken off all streams of
 * the period in proportion to their amounts); the method the network agreed, who agreed it, when and the
 * minutes; and, for each practice, its key value (weight) and its share, split to the penny.
 *
 * A stream's amount is what was received, or what is expected until then. The split of what is left after costs:
 *   proportional methods: share_k = splitPart(net, w_1 + ... + w_k, w_1 + ... + w_(k-1), W) (core/funding/money.ts),
 *     so the shares add up to the net exactly;
 *   fixed amounts: each practice its amount; what is left stays at the PCN; more than there is is refused;
 *   retain at PCN: nothing to practices.
 * A practice that left the network shares a period's money by the days of it up to its leaving date.
 * Practice columns follow the Practices sheet as it stood when this sheet was built (each headed by the name it
 * looks up): a Check says so when the practices have changed since, and building the sheet again follows them.
 */
import { METHODS, PROPORTIONAL, inNetwork, weightOf } from "../../funding/distribute";
import { hasGpScheme } from "../../funding/gpScheme";
import { round2, splitPart } from "../../funding/money";
import type { YearRates } from "../../rates/types";
import { colLetter, isoToSerial } from "../plan";
import { COLOURS, type ColumnSpec, type Env, type FormulaCtx, type RowValues, type SheetSpec, type Value } from "../spec";
import { andF, blank, calc, cellEq, checkF, inp, isNum, matchIn, memo, num, splitPartF, str, sumNums, xround, type SpecCtx, checkRag } from "./common";
import { fundingStreams, monthLabels } from "./funding";

// ---- the year's periods and income streams ----

export interface Period { label: string; start: number; end: number; kind: "month" | "quarter" | "year" }

/** The periods a stream can belong to: the twelve months, the four quarters and the year (serial dates). */
export function distributionPeriods(y: YearRates): Period[] {
  const [y0] = y.start.split("-").map(Number);
  const first = (i: number) => {
    const yy = y0 + Math.floor((i + 3) / 12);
    const m = ((i + 3) % 12) + 1;
    return isoToSerial(`${yy}-${String(m).padStart(2, "0")}-01`);
  };
  const yearEnd = isoToSerial(y.end);
  const monthEnd = (i: number) => (i === 11 ? yearEnd : first(i + 1) - 1);
  const months: Period[] = monthLabels(y).map((label, i) => ({ label, start: first(i), end: monthEnd(i), kind: "month" }));
  const quarters: Period[] = [0, 1, 2, 3].map((q) => ({ label: `Q${q + 1} ${y.year}`, start: first(q * 3), end: monthEnd(q * 3 + 2), kind: "quarter" }));
  return [...months, ...quarters, { label: `Year ${y.year}`, start: isoToSerial(y.start), end: yearEnd, kind: "year" }];
}
/** Positions (1-based) in distributionPeriods: months 1-12, quarters 13-16, the year 17. */
const POS = { march: 12, q4: 16, year: 17 } as const;

export const SOURCES = { arrs: "ARRS reimbursement", iif: "IIF achievement", gp: "GP reimbursement scheme (handled by the PCN)", other: "Local or other income" } as const;
export interface Source { label: string; kind: "des" | "arrs" | "iif" | "gp" | "other"; name?: string; monthly?: boolean }

/** What a stream can be: each DES entitlement the Funding sheet shows, ARRS, IIF, the GP scheme (its years), other. */
export function distributionSources(y: YearRates): Source[] {
  return [
    ...fundingStreams(y).map((s): Source => ({ label: s.label, kind: "des", name: `Funding_${s.key}`, monthly: s.paid === "monthly" })),
    { label: SOURCES.arrs, kind: "arrs" },
    { label: SOURCES.iif, kind: "iif" },
    ...(hasGpScheme(y) ? [{ label: SOURCES.gp, kind: "gp" } as Source] : []),
    { label: SOURCES.other, kind: "other" },
  ];
}

/** A formula array constant of texts or numbers: {"a","b"}. */
export const arrF = (xs: readonly (string | number)[]) => `{${xs.map((x) => (typeof x === "number" ? String(x) : str(x))).join(",")}}`;

// ---- a practice's weight under a method, shared with the year-end allocation on Distribution Summary ----

export interface WeightRefs { method: string; name: string; key: string; from: string; to: string }

/**
 * A practice's weight (its key value) as a formula: `name` is a cell holding the practice's name, `key` the key
 * cell (custom percentages, fixed amounts), `from`/`to` the period's dates. Proportional weights are kept to 6
 * decimal places (core/funding/distribute.ts weightOf); fixed amounts to the penny.
 */
export function weightF(o: WeightRefs): string {
  const m = `MATCH(${o.name},Practice_Name,0)`;
  const at = (col: string) => `N(INDEX(Practice_${col},${m}))`;
  const pts = `SUMIF(IifP_Practice,${o.name},IifP_Points)`;
  const keyed = (col: string) => `IF(${o.key}="",0,SUMIFS(DKey_${col},DKey_Key,${o.key},DKey_Practice,${o.name}))`;
  // In PROPORTIONAL's order.
  const base = `CHOOSE(MATCH(${o.method},${arrF(PROPORTIONAL)},0),1,${keyed("Percent")},${at("Registered")},${at("Weighted")},${at("Adjusted")},${pts},${pts}*${at("Registered")},SUMIF(Share_Practice,${o.name},Share_Claim))`;
  const left = `INDEX(Practice_LeftOn,${m})`;
  const factor = `IF(ISNUMBER(${left}),MAX(0,MIN(1,(${left}-${o.from}+1)/(${o.to}-${o.from}+1))),1)`;
  return `IF(ISNA(${m}),"Not on Practices",IF(${o.method}="Fixed amounts",ROUND(${keyed("Fixed")},2),IF(${o.method}="Retain at PCN",0,ROUND(${base}*${factor},6))))`;
}

const sumWhere = (vals: Value[], pred: (i: number) => boolean) => vals.reduce<number>((a, v, i) => a + (isNum(v) && pred(i) ? v : 0), 0);

/** The core's side of weightF. */
export function weightC(env: Env, method: Value, name: string, key: Value, from: number, to: number): Value {
  const i = matchIn(env.column("Practice_Name"), name);
  if (i < 0) return "Not on Practices";
  const keyed = (col: string) => {
    if (blank(key)) return 0;
    const k = env.column("DKey_Key"), p = env.column("DKey_Practice");
    return sumWhere(env.column(`DKey_${col}`), (j) => cellEq(k[j], key) && cellEq(p[j], name));
  };
  if (cellEq(method, "Fixed amounts")) return round2(keyed("Fixed"));
  if (cellEq(method, "Retain at PCN")) return 0;
  const at = (col: string) => num(env.column(`Practice_${col}`)[i]);
  const pts = () => { const p = env.column("IifP_Practice"); return sumWhere(env.column("IifP_Points"), (j) => cellEq(p[j], name)); };
  const arrs = () => { const p = env.column("Share_Practice"); return sumWhere(env.column("Share_Claim"), (j) => cellEq(p[j], name)); };
  const bases: (() => number)[] = [() => 1, () => keyed("Percent"), () => at("Registered"), () => at("Weighted"), () => at("Adjusted"), pts, () => pts() * at("Registered"), arrs];
  const k = PROPORTIONAL.findIndex((m) => cellEq(method, m));
  const left = env.column("Practice_LeftOn")[i];
  return weightOf(bases[k]() * (isNum(left) ? inNetwork(left, from, to) : 1));
}

// ---- the Distribution sheet ----

const PREFIX = "Dist_";
export const ALL_STREAMS = "All streams of the period";
const REFUSED = "Refused";
const MSG = {
  source: "Choose the income stream",
  sourceList: "Choose an income stream from the list",
  period: "Choose the period",
  expectedText: "The expected amount typed is text, not a number: retype it",
  receivedText: "Received is text, not a number: retype it",
  negative: "An amount is negative",
  amount: "Enter the amount received, or the expected amount",
  method: "Choose the method",
  methodList: "Choose a method from the list",
  key: "Enter the key: its rows on Distribution Keys",
  costs: "Over-distribution refused: the costs taken off are more than this stream's amount",
  fixed: "Over-distribution refused: the fixed amounts add up to more than the amount to distribute",
  noWeight: "No practice has a weight under this method (no list, points or shares yet): nothing can be split",
  changed: "The practices changed on the Practices sheet since this sheet was built: build the Distribution sheet again",
  noPractices: "No practices to share it with: add them on the Practices sheet, then build the Distribution sheet again",
  evidence: "Record the agreement: who agreed the method, when, and the minutes' reference",
};

/** The practices the sheet has a column for (names as the Practices sheet holds them, each once). */
export function practiceColumns(ctx: SpecCtx): string[] {
  const seen = new Set<string>();
  return (ctx.practiceNames ?? []).filter((n) => { const k = n.toLowerCase(); if (seen.has(k)) return false; seen.add(k); return true; }).slice(0, 60);
}

export function distributionSpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const periods = distributionPeriods(y);
  const sources = distributionSources(y);
  const practices = practiceColumns(ctx);
  const K = practices.length;
  const labels = arrF(periods.map((p) => p.label));

  // ---- the core's side ----
  const periodOf = (r: RowValues): Period | undefined => { const i = matchIn(periods.map((p) => p.label), r.period); return i < 0 ? undefined : periods[i]; };
  const posOf = (r: RowValues) => periods.indexOf(periodOf(r)!) + 1;
  const phase = (a: number, pos: number) =>
    pos === POS.year ? a : pos === POS.march ? round2(a - 11 * round2(a / 12)) : pos < POS.march ? round2(a / 12) : pos === POS.q4 ? round2(a - 9 * round2(a / 12)) : round2(3 * round2(a / 12));
  const monthsOf = (pos: number) => (pos <= 12 ? [pos] : pos < POS.year ? [1, 2, 3].map((m) => (pos - 13) * 3 + m) : []);
  const expected = (r: RowValues, env: Env): Value => {
    if (blank(r.ref)) return "";
    if (!blank(r.expectedTyped)) return isNum(r.expectedTyped) ? r.expectedTyped : "";
    if (!periodOf(r)) return "";
    const pos = posOf(r);
    const s = sources.find((x) => cellEq(r.source, x.label));
    if (!s) return "";
    if (s.kind === "des") {
      const a = env.cell(s.name!);
      if (!s.monthly) return pos === POS.year ? a : "";
      return isNum(a) ? phase(a, pos) : a;
    }
    if (s.kind === "arrs") {
      if (pos === POS.year) return round2(sumNums(env.column("Arrs_YearClaim")));
      return round2(monthsOf(pos).reduce((t, m) => t + sumNums(env.column(`Arrs_M${m}`)), 0));
    }
    if (s.kind === "iif") {
      if (pos !== POS.year) return "";
      const v = env.column("Iif_Value");
      return v.some(isNum) ? round2(sumNums(v)) : "Value unknown";
    }
    return "";
  };
  const amount = (r: RowValues, env: Env): Value => {
    if (blank(r.ref)) return "";
    if (!blank(r.received)) return isNum(r.received) ? r.received : "";
    const e = expected(r, env);
    return isNum(e) ? e : "";
  };
  // Costs taken off all streams of a period, shared by the streams' amounts (running sums down the sheet).
  const column = (env: Env, k: string) => env.column(PREFIX + k);
  const shared = memo((env: Env) => {
    const per = column(env, "Period"), amt = column(env, "Amount");
    const taken = env.column("DCost_TakenOff"), cAmt = env.column("DCost_Amount"), cPer = env.column("DCost_Period");
    const valid = per.map((p) => periods.some((x) => cellEq(p, x.label)));
    return per.map((p, i) => {
      if (!isNum(amt[i]) || !valid[i]) return "";
      const whole = sumWhere(cAmt, (j) => cellEq(taken[j], ALL_STREAMS) && cellEq(cPer[j], p));
      const total = sumWhere(amt, (j) => cellEq(per[j], p));
      const run = sumWhere(amt, (j) => j <= i && cellEq(per[j], p));
      return splitPart(whole, run, run - (amt[i] as number), total);
    });
  });
  const costOwn = (r: RowValues, env: Env): Value => {
    if (blank(r.ref)) return "";
    const taken = env.column("DCost_TakenOff");
    return round2(sumWhere(env.column("DCost_Amount"), (j) => cellEq(taken[j], r.ref)));
  };
  const net = (r: RowValues, env: Env): Value => {
    const a = amount(r, env);
    if (blank(r.ref) || !isNum(a) || !periodOf(r)) return "";
    return round2(a - (costOwn(r, env) as number) - (shared(env)[r.__index as number] as number));
  };
  const validMethod = (r: RowValues) => METHODS.some((m) => cellEq(r.method, m));
  const keyed = (r: RowValues) => cellEq(r.method, "Custom percentages") || cellEq(r.method, "Fixed amounts");
  const keyFound = (r: RowValues, env: Env) => !blank(r.key) && env.column("DKey_Key").some((k) => cellEq(k, r.key));
  const keyPercent = (r: RowValues, env: Env) => { const k = env.column("DKey_Key"); return sumWhere(env.column("DKey_Percent"), (j) => cellEq(k[j], r.key)); };
  const weights = memo((env: Env) => new Map<number, Value[]>());
  const weightsOf = (r: RowValues, env: Env): Value[] => {
    const m = weights(env), i = r.__index as number;
    if (!m.has(i)) {
      const p = periodOf(r);
      m.set(i, practices.map((name) => (blank(r.ref) || !validMethod(r) || !p ? "" : weightC(env, r.method, name, r.key, p.start, p.end))));
    }
    return m.get(i)!;
  };
  const weightTotal = (r: RowValues, env: Env): Value => (blank(r.ref) || blank(r.method) ? "" : sumNums(weightsOf(r, env)));
  const notOnPractices = (r: RowValues, env: Env) => weightsOf(r, env).some((w) => w === "Not on Practices");
  const isProportional = (r: RowValues) => PROPORTIONAL.some((m) => cellEq(r.method, m));
  const outcome = (r: RowValues, env: Env): Value => {
    if (blank(r.ref)) return "";
    const n = net(r, env), wt = weightTotal(r, env);
    const incomplete = !isNum(n) || !validMethod(r) || (keyed(r) && !keyFound(r, env)) || (K > 0 ? notOnPractices(r, env) : !cellEq(r.method, "Retain at PCN"));
    if (incomplete) return "Incomplete";
    const refused = (n as number) < 0
      || (cellEq(r.method, "Fixed amounts") && round2(num(wt)) > (n as number))
      || (isProportional(r) && num(wt) <= 0)
      || (cellEq(r.method, "Custom percentages") && Math.abs(keyPercent(r, env) - 1) > 0.0001);
    return refused ? REFUSED : "OK";
  };
  const shares = (r: RowValues, env: Env): Value[] => {
    const o = outcome(r, env);
    if (o !== "OK") return practices.map(() => (o === REFUSED ? REFUSED : ""));
    const w = weightsOf(r, env) as number[];
    if (cellEq(r.method, "Fixed amounts")) return w;
    if (cellEq(r.method, "Retain at PCN")) return w.map(() => 0);
    const total = weightTotal(r, env) as number;
    let run = 0;
    return w.map((x) => { run += x; return splitPart(net(r, env) as number, run, run - x, total); });
  };
  const toPractices = (r: RowValues, env: Env): Value => (outcome(r, env) !== "OK" ? "" : round2(sumNums(shares(r, env))));
  const retained = (r: RowValues, env: Env): Value => (outcome(r, env) !== "OK" ? "" : round2((net(r, env) as number) - (toPractices(r, env) as number)));
  const filledPractices = (env: Env) => env.column("Practice_Name").filter((v) => !blank(v)).length;
  const problems = (r: RowValues, env: Env): string[] => {
    const out: string[] = [];
    const n = net(r, env), wt = weightTotal(r, env);
    if (blank(r.source)) out.push(MSG.source);
    else if (!sources.some((s) => cellEq(r.source, s.label))) out.push(MSG.sourceList);
    if (blank(r.period)) out.push(MSG.period);
    else if (!periodOf(r)) out.push(`Choose a period of ${y.year} from the list`);
    if (!blank(r.expectedTyped) && !isNum(r.expectedTyped)) out.push(MSG.expectedText);
    if (!blank(r.received) && !isNum(r.received)) out.push(MSG.receivedText);
    if ((isNum(r.received) && r.received < 0) || (isNum(r.expectedTyped) && r.expectedTyped < 0)) out.push(MSG.negative);
    if (!isNum(amount(r, env)) && blank(r.received)) {
      const e = expected(r, env);
      out.push(!blank(e) && !isNum(e) ? `Enter the amount received: the expected amount is not known (${String(e)})` : MSG.amount);
    }
    if (blank(r.method)) out.push(MSG.method);
    else if (!validMethod(r)) out.push(MSG.methodList);
    if (keyed(r) && blank(r.key)) out.push(MSG.key);
    if (keyed(r) && !blank(r.key) && !keyFound(r, env)) out.push(`Key ${String(r.key)} is not on Distribution Keys`);
    if (cellEq(r.method, "Custom percentages") && keyFound(r, env) && Math.abs(keyPercent(r, env) - 1) > 0.0001) out.push(`Custom percentages of ${String(r.key)} add to ${xround(keyPercent(r, env) * 100, 2)}%, not 100%: the split is refused`);
    if (isNum(n) && n < 0) out.push(MSG.costs);
    if (isNum(n) && cellEq(r.method, "Fixed amounts") && isNum(wt) && round2(wt) > n) out.push(MSG.fixed);
    if (K > 0 && isNum(n) && isProportional(r) && isNum(wt) && wt <= 0) out.push(MSG.noWeight);
    if (K > 0 && (filledPractices(env) !== K || practices.some((p) => matchIn(env.column("Practice_Name"), p) < 0))) out.push(MSG.changed);
    if (K === 0 && !cellEq(r.method, "Retain at PCN")) out.push(MSG.noPractices);
    if (blank(r.agreedBy) || blank(r.agreedOn) || blank(r.minutes)) out.push(MSG.evidence);
    return out;
  };

  // ---- the formulas ----
  const pos = (c: FormulaCtx) => `MATCH(${c.ref("period")},${labels},0)`;
  const expectedF = (c: FormulaCtx) => {
    const p = pos(c);
    const A = (name: string) => name;
    const phaseF = (a: string) => `IF(${p}=${POS.year},${a},IF(${p}=${POS.march},ROUND(${a}-11*ROUND(${a}/12,2),2),IF(${p}<${POS.march},ROUND(${a}/12,2),IF(${p}=${POS.q4},ROUND(${a}-9*ROUND(${a}/12,2),2),ROUND(3*ROUND(${a}/12,2),2)))))`;
    const arrsParts = [
      ...Array.from({ length: 12 }, (_, m) => `ROUND(SUM(Arrs_M${m + 1}),2)`),
      ...[0, 1, 2, 3].map((q) => `ROUND(SUM(${[1, 2, 3].map((m) => `Arrs_M${q * 3 + m}`).join(",")}),2)`),
      "ROUND(SUM(Arrs_YearClaim),2)",
    ];
    const bySource = sources.reduceRight((acc, s) => {
      let e: string;
      if (s.kind === "des") e = s.monthly ? `IF(ISNUMBER(${A(s.name!)}),${phaseF(s.name!)},${s.name})` : `IF(${p}=${POS.year},${s.name},"")`;
      else if (s.kind === "arrs") e = `CHOOSE(${p},${arrsParts.join(",")})`;
      else if (s.kind === "iif") e = `IF(${p}=${POS.year},IF(COUNT(Iif_Value)=0,"Value unknown",ROUND(SUM(Iif_Value),2)),"")`;
      else return acc;
      return `IF(${c.ref("source")}=${str(s.label)},${e},${acc})`;
    }, `""`);
    const t = c.ref("expectedTyped");
    return `=IF(${c.ref("ref")}="","",IF(${t}<>"",IF(ISNUMBER(${t}),${t},""),IF(ISNA(${p}),"",${bySource})))`;
  };
  const rng = (c: FormulaCtx, a: string, b: string) => `${c.ref(a)}:${c.ref(b)}`;
  const wRange = (c: FormulaCtx) => rng(c, "w1", `w${K}`);
  const sRange = (c: FormulaCtx) => rng(c, "s1", `s${K}`);
  const shareCol = (k: number) => 27 + k - 1; // column index of s<k>: after the 27 fixed columns
  const nameRef = (k: number) => `${colLetter(shareCol(k))}$1`;
  const methodsF = arrF(METHODS);
  const keyedF = (c: FormulaCtx) => `OR(${c.ref("method")}="Custom percentages",${c.ref("method")}="Fixed amounts")`;
  const keyFoundF = (c: FormulaCtx) => andF(`${c.ref("key")}<>""`, `COUNTIF(DKey_Key,${c.ref("key")})>0`);
  const pctF = (c: FormulaCtx) => `SUMIF(DKey_Key,${c.ref("key")},DKey_Percent)`;
  const propF = (c: FormulaCtx) => `ISNUMBER(MATCH(${c.ref("method")},${arrF(PROPORTIONAL)},0))`;
  const practicesCountF = `SUMPRODUCT(--(Practice_Name<>""))`;

  const fixedCols: ColumnSpec[] = [
    inp("ref", "Stream ref", "text", { width: 9, name: "Ref" }),
    inp("source", "Income stream", "choice", { choices: sources.map((s) => s.label), width: 30, name: "Source" }),
    inp("description", "Description", "text", { width: 28 }),
    inp("period", "Period", "choice", { choices: periods.map((p) => p.label), width: 12, name: "Period" }),
    calc("from", "From", "date", (c) => `=IF(OR(${c.ref("ref")}="",ISNA(${pos(c)})),"",INDEX(${arrF(periods.map((p) => p.start))},1,${pos(c)}))`,
      (r) => (blank(r.ref) || !periodOf(r) ? "" : periodOf(r)!.start), { width: 11, name: "From" }),
    calc("to", "To", "date", (c) => `=IF(OR(${c.ref("ref")}="",ISNA(${pos(c)})),"",INDEX(${arrF(periods.map((p) => p.end))},1,${pos(c)}))`,
      (r) => (blank(r.ref) || !periodOf(r) ? "" : periodOf(r)!.end), { width: 11, name: "To" }),
    inp("expectedTyped", "Expected (£, typed: local income, or to replace the workbook's)", "money", { min: 0, width: 16 }),
    calc("expected", "Expected (£)", "money", expectedF, expected, { width: 14, name: "Expected" }),
    inp("received", "Received (£)", "money", { min: 0, width: 14, name: "Received" }),
    inp("dateReceived", "Date received", "date", { width: 11 }),
    inp("datePaid", "Paid to practices on", "date", { width: 11 }),
    calc("status", "Status", "text",
      (c) => `=IF(${c.ref("ref")}="","",IF(${c.ref("datePaid")}<>"","Distributed",IF(${c.ref("received")}<>"","Received","Expected")))`,
      (r) => (blank(r.ref) ? "" : !blank(r.datePaid) ? "Distributed" : !blank(r.received) ? "Received" : "Expected"), { width: 11, name: "Status" }),
    calc("difference", "Received less expected (£)", "money",
      (c) => `=IF(OR(${c.ref("ref")}="",NOT(ISNUMBER(${c.ref("received")})),NOT(ISNUMBER(${c.ref("expected")}))),"",ROUND(${c.ref("received")}-${c.ref("expected")},2))`,
      (r, env) => { const e = expected(r, env); return blank(r.ref) || !isNum(r.received) || !isNum(e) ? "" : round2(r.received - e); }, { width: 13, name: "Difference" }),
    calc("amount", "Amount (£: received, else expected)", "money",
      (c) => `=IF(${c.ref("ref")}="","",IF(${c.ref("received")}<>"",IF(ISNUMBER(${c.ref("received")}),${c.ref("received")},""),IF(ISNUMBER(${c.ref("expected")}),${c.ref("expected")},"")))`,
      amount, { width: 14, name: "Amount" }),
    calc("costOwn", "Costs taken off this stream (£)", "money",
      (c) => `=IF(${c.ref("ref")}="","",ROUND(SUMIF(DCost_TakenOff,${c.ref("ref")},DCost_Amount),2))`, costOwn, { width: 13, name: "CostOwn" }),
    calc("costShared", "Its share of costs taken off all streams of the period (£)", "money",
      (c) => {
        const per = c.ref("period"), amt = c.ref("amount");
        const P = colLetter(3), A = colLetter(13);
        const whole = `SUMIFS(DCost_Amount,DCost_TakenOff,${str(ALL_STREAMS)},DCost_Period,${per})`;
        const run = `SUMIF(${P}$2:${per},${per},${A}$2:${amt})`;
        return `=IF(OR(${c.ref("ref")}="",NOT(ISNUMBER(${amt})),NOT(ISNUMBER(${c.ref("from")}))),"",${splitPartF(whole, run, `(${run}-${amt})`, `SUMIF(Dist_Period,${per},Dist_Amount)`)})`;
      },
      (r, env) => (blank(r.ref) ? "" : shared(env)[r.__index as number]), { width: 15, name: "CostShared" }),
    calc("net", "To distribute after costs (£)", "money",
      (c) => `=IF(OR(${c.ref("ref")}="",NOT(ISNUMBER(${c.ref("amount")})),NOT(ISNUMBER(${c.ref("from")}))),"",ROUND(${c.ref("amount")}-${c.ref("costOwn")}-N(${c.ref("costShared")}),2))`, net, { width: 14, name: "Net" }),
    inp("method", "Method", "choice", { choices: [...METHODS], width: 20, name: "Method" }),
    inp("key", "Key (custom percentages or fixed amounts: see Distribution Keys)", "text", { width: 18, name: "Key" }),
    inp("agreedBy", "Method agreed by", "text", { width: 16 }),
    inp("agreedOn", "Agreed on", "date", { width: 11 }),
    // A dropdown of the meeting log's references where the workbook has one; free text otherwise.
    inp("minutes", "Minutes (reference)", "text", { listName: "Meetings_Ref", width: 18 }),
    calc("weightTotal", "Total weight", "number",
      (c) => `=IF(OR(${c.ref("ref")}="",${c.ref("method")}=""),"",${K ? `SUM(${wRange(c)})` : "0"})`, weightTotal, { width: 11 }),
    calc("outcome", "Split", "text",
      (c) => {
        const n = c.ref("net"), m = c.ref("method"), wt = c.ref("weightTotal");
        const incomplete = [`NOT(ISNUMBER(${n}))`, `ISNA(MATCH(${m},${methodsF},0))`, `AND(${keyedF(c)},NOT(${keyFoundF(c)}))`,
          K ? `COUNTIF(${wRange(c)},"Not on Practices")>0` : `${m}<>"Retain at PCN"`];
        const refused = [`${n}<0`, `AND(${m}="Fixed amounts",ROUND(${wt},2)>${n})`, `AND(${propF(c)},${wt}<=0)`, andF(`${m}="Custom percentages"`, `${c.ref("key")}<>""`, `ABS(${pctF(c)}-1)>0.0001`)];
        return `=IF(${c.ref("ref")}="","",IF(OR(${incomplete.join(",")}),"Incomplete",IF(OR(${refused.join(",")}),"${REFUSED}","OK")))`;
      },
      outcome, { width: 11, name: "Outcome" }),
    calc("toPractices", "To practices (£)", "money",
      (c) => `=IF(${c.ref("outcome")}<>"OK","",${K ? `ROUND(SUM(${sRange(c)}),2)` : "0"})`, toPractices, { width: 14, name: "ToPractices" }),
    calc("retained", "Retained at PCN (£)", "money",
      (c) => `=IF(${c.ref("outcome")}<>"OK","",ROUND(${c.ref("net")}-${c.ref("toPractices")},2))`, retained, { width: 13, name: "Retained" }),
    calc("check", "Check", "text",
      (c) => {
        const src = c.ref("source"), per = c.ref("period"), et = c.ref("expectedTyped"), rc = c.ref("received"), e = c.ref("expected"), m = c.ref("method"), k = c.ref("key"), n = c.ref("net"), wt = c.ref("weightTotal");
        const pieces: [string, string][] = [
          [`${src}=""`, str(MSG.source)],
          [`AND(${src}<>"",ISNA(MATCH(${src},${arrF(sources.map((s) => s.label))},0)))`, str(MSG.sourceList)],
          [`${per}=""`, str(MSG.period)],
          [`AND(${per}<>"",NOT(ISNUMBER(${c.ref("from")})))`, str(`Choose a period of ${y.year} from the list`)],
          [`AND(${et}<>"",NOT(ISNUMBER(${et})))`, str(MSG.expectedText)],
          [`AND(${rc}<>"",NOT(ISNUMBER(${rc})))`, str(MSG.receivedText)],
          [`OR(AND(ISNUMBER(${rc}),N(${rc})<0),AND(ISNUMBER(${et}),N(${et})<0))`, str(MSG.negative)],
          [`AND(NOT(ISNUMBER(${c.ref("amount")})),${rc}="")`, `IF(AND(${e}<>"",NOT(ISNUMBER(${e}))),"Enter the amount received: the expected amount is not known ("&${e}&")",${str(MSG.amount)})`],
          [`${m}=""`, str(MSG.method)],
          [`AND(${m}<>"",ISNA(MATCH(${m},${methodsF},0)))`, str(MSG.methodList)],
          [`AND(${keyedF(c)},${k}="")`, str(MSG.key)],
          [andF(keyedF(c), `${k}<>""`, `COUNTIF(DKey_Key,${k})=0`), `"Key "&${k}&" is not on Distribution Keys"`],
          [andF(`${m}="Custom percentages"`, keyFoundF(c), `ABS(${pctF(c)}-1)>0.0001`), `"Custom percentages of "&${k}&" add to "&ROUND(${pctF(c)}*100,2)&"%, not 100%: the split is refused"`],
          [`AND(ISNUMBER(${n}),N(${n})<0)`, str(MSG.costs)],
          [`AND(ISNUMBER(${n}),${m}="Fixed amounts",ISNUMBER(${wt}),ROUND(N(${wt}),2)>N(${n}))`, str(MSG.fixed)],
          ...(K ? [
            [`AND(ISNUMBER(${n}),${propF(c)},ISNUMBER(${wt}),N(${wt})<=0)`, str(MSG.noWeight)] as [string, string],
            [`OR(${practicesCountF}<>${K},${practices.map((_, i) => `ISNA(MATCH(${nameRef(i + 1)},Practice_Name,0))`).join(",")})`, str(MSG.changed)] as [string, string],
          ] : [[`${m}<>"Retain at PCN"`, str(MSG.noPractices)] as [string, string]]),
          [`OR(${c.ref("agreedBy")}="",${c.ref("agreedOn")}="",${c.ref("minutes")}="")`, str(MSG.evidence)],
        ];
        return checkF(c.ref("ref"), pieces);
      },
      (r, env) => (blank(r.ref) ? "" : problems(r, env).join("; ") || "OK"), { width: 44, name: "Check" }),
  ];
  if (fixedCols.length !== 27 || fixedCols[13].key !== "amount" || fixedCols[3].key !== "period") throw new Error("distribution: fixed columns moved; update shareCol and costShared");
  // Each practice's share, headed by its name (the weight columns look the name up there), then its key value.
  const shareCols: ColumnSpec[] = practices.map((name, i) => {
    const k = i + 1;
    return calc(`s${k}`, name, "money",
      (c) => {
        const o = c.ref("outcome"), m = c.ref("method"), w = c.ref(`w${k}`);
        const run = `SUM(${rng(c, "w1", `w${k}`)})`;
        return `=IF(${o}<>"OK",IF(${o}="${REFUSED}","${REFUSED}",""),IF(${m}="Fixed amounts",${w},IF(${m}="Retain at PCN",0,${splitPartF(c.ref("net"), run, `(${run}-${w})`, c.ref("weightTotal"))})))`;
      },
      (r, env) => (blank(r.ref) ? "" : shares(r, env)[i]), { width: 13, name: `S${k}` });
  });
  const weightCols: ColumnSpec[] = practices.map((name, i) => {
    const k = i + 1;
    return calc(`w${k}`, `Key value: ${name}`, "number",
      (c) => `=IF(OR(${c.ref("ref")}="",ISNA(MATCH(${c.ref("method")},${methodsF},0)),NOT(ISNUMBER(${c.ref("from")}))),"",${weightF({ method: c.ref("method"), name: nameRef(k), key: c.ref("key"), from: c.ref("from"), to: c.ref("to") })})`,
      (r, env) => (blank(r.ref) ? "" : weightsOf(r, env)[i]), { width: 12 });
  });
  const rows: RowValues[] = (ctx.data?.distribution?.streams ?? []).map((s) => ({
    ref: s.ref, source: s.source, description: s.description ?? null, period: s.period, expectedTyped: s.expected ?? null, received: s.received ?? null,
    dateReceived: s.dateReceived ?? null, datePaid: s.datePaid ?? null, method: s.method ?? null, key: s.key ?? null, agreedBy: s.agreedBy ?? null, agreedOn: s.agreedOn ?? null, minutes: s.minutes ?? null,
  }));
  return {
    key: "distribution",
    name: ctx.sheetName("distribution"),
    title: `Distribution ${y.year}`,
    rows,
    freeze: { rows: 1, cols: 2 },
    table: {
      columns: [...fixedCols, ...shareCols, ...weightCols],
      keyColumns: ["ref"],
      spareRows: 10,
      namePrefix: PREFIX,
      tableName: "PCN_Distribution",
      conditionalFormats: (col) => {
        const ch = col("check"), oc = col("outcome");
        const o = `$${colLetter(oc.col)}${oc.row + 1}`;
        // A refused split is red first (earlier rules win), then the Check's amber or green.
        return [
          { range: oc, formula: `=${o}="${REFUSED}"`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: ch, formula: `=${o}="${REFUSED}"`, fill: COLOURS.red, font: COLOURS.redFont },
          ...checkRag(ch),
        ];
      },
    },
  };
}
