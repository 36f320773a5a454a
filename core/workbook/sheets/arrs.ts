/**
 * ARRS Workforce, ARRS Summary and ARRS Shares.
 *
 * A post's claim, per maxima period p of the year (most years have one; some change mid-year):
 *   claim_p = ROUND(MIN(cost per WTE, maximum_p) x share x WTE x months in post in p / 12, 2)
 * (core/funding/arrs.ts periodClaim, which ARRS_CLAIM uses too), and the year's claim is the sum of the periods'.
 * Months in post count part-months by their days (core/funding/arrs.ts monthsBetween). The monthly columns are
 * the same claim to date, rounded, less the months before it in the period: so they add up to the year's claim
 * exactly, and the claim never exceeds the cost.
 */
import { AREA_LABELS, findRole } from "../../rates/book";
import { monthsBetween, periodClaim } from "../../funding/arrs";
import { round2 } from "../../funding/money";
import { colLetter, isoToSerial } from "../plan";
import { COLOURS, FORMATS, type ColumnSpec, type Env, type FormulaCtx, type ReportCell, type RowValues, type SheetSpec, type Value } from "../spec";
import { blank, calc, cellEq, checkF, countIf, dateF, dateKeyCol, KEY_SRC, fcell, inp, isNum, label, matchIn, memo, monthsF, num, str, sumNums, xround, type SpecCtx, checkRag } from "./common";
import { monthLabels } from "./funding";

export interface MonthWindow { start: number; end: number; days: number; period: number }
export interface PeriodWindow { start: number; end: number; label: string }

/** The year's twelve months as serial dates, with the ARRS maxima period (1-based) each falls in. */
export function yearMonths(ctx: SpecCtx): MonthWindow[] {
  const [y0] = ctx.year.start.split("-").map(Number);
  return Array.from({ length: 12 }, (_, i) => {
    const y = y0 + Math.floor((i + 3) / 12);
    const m = ((i + 3) % 12) + 1;
    const startIso = `${y}-${String(m).padStart(2, "0")}-01`;
    const start = isoToSerial(startIso);
    const next = isoToSerial(m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`);
    let period = 1;
    ctx.year.arrs.periods.forEach((p, k) => { if (p <= startIso) period = k + 1; });
    return { start, end: next - 1, days: next - start, period };
  });
}

/** The year's ARRS maxima periods as serial date ranges (the last runs to the year's end). */
export function yearPeriods(ctx: SpecCtx): PeriodWindow[] {
  const ps = ctx.year.arrs.periods;
  return ps.map((p, i) => ({
    start: i === 0 ? isoToSerial(ctx.year.start) : isoToSerial(p),
    end: i + 1 < ps.length ? isoToSerial(ps[i + 1]) - 1 : isoToSerial(ctx.year.end),
    label: `${p.slice(8, 10)}/${p.slice(5, 7)}/${p.slice(0, 4)}`,
  }));
}


/** The same, where b is known to fall in the month ending `monthEnd` (shorter text, the same number). */
const monthsToF = (a: string, b: string, monthEnd: number) => {
  const d = new Date(Date.UTC(1899, 11, 30) + monthEnd * 86400000);
  return `(${d.getUTCFullYear()}-YEAR(${a}))*12+${d.getUTCMonth() + 1}-MONTH(${a})+DAY(${b})/${d.getUTCDate()}-(DAY(${a})-1)/DAY(EOMONTH(${a},0))`;
};

const checkC = (problems: string[]) => (problems.length ? problems.join("; ") : "OK");

export function arrsSpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const months = yearMonths(ctx);
  const periods = yearPeriods(ctx);
  const P = periods.length;
  const labels = monthLabels(y);
  // Mental health practitioners: the first post of each MHP role (one role per band) listed here is reimbursed
  // at the year's first share, later ones at the later share (with a written agreement where the year needs one).
  const mhpRule = y.arrs.rules?.mhp;
  const mhpRoles = y.arrs.roles.filter((r) => r.mhp).map((r) => r.role);
  const hasShare = !!mhpRule && mhpRoles.length > 0 && (mhpRule.firstPerBand !== 1 || mhpRule.later !== 1);
  const hasAgreement = hasShare && !!mhpRule!.laterNeedsWrittenAgreement && mhpRule!.later !== mhpRule!.firstPerBand;
  const A = "Arrs_";
  // Column keys per period: the last period keeps the key "roleMax" that earlier versions used.
  const maxKey = (p: number) => (p === P - 1 ? "roleMax" : `roleMaxP${p + 1}`);
  const inKey = (p: number) => `monthsP${p + 1}`;

  // ---- the core's side, from a row's cells as they are (text stays text) ----
  const oncosts = (r: RowValues, env: Env): Value => {
    if (blank(r.ref) || !isNum(r.salary)) return "";
    const ni = num(env.cell("Rate_employerNiRate"));
    const th = num(env.cell("Rate_employerNiThreshold"));
    const pen = num(env.cell("Rate_employerPensionRate"));
    return xround(Math.max(0, r.salary - th) * ni, 2) + xround(r.salary * pen, 2);
  };
  const costUsed = (r: RowValues, env: Env): Value => {
    if (blank(r.ref)) return "";
    if (!blank(r.annualCost)) return isNum(r.annualCost) ? r.annualCost : "";
    return isNum(r.salary) ? r.salary + (oncosts(r, env) as number) : "";
  };
  const roleKey = (r: RowValues) => `${String(r.role).toLowerCase()}|${String(blank(r.area) ? "national" : r.area).toLowerCase()}`;
  const roleMax = (r: RowValues, env: Env, p: number): Value => {
    if (blank(r.ref) || blank(r.role)) return "";
    const i = env.column("ArrsMax_Key").findIndex((k) => k === roleKey(r));
    if (i < 0) return "Unknown role";
    const max = env.column(`ArrsMax_P${p + 1}`)[i];
    return isNum(max) ? max : "Not known";
  };
  const datesOk = (r: RowValues) => isNum(r.start) && (blank(r.end) || isNum(r.end));
  const inPost = (r: RowValues, p: number): Value => {
    if (blank(r.ref) || !datesOk(r)) return "";
    const st = r.start as number, en = blank(r.end) ? null : (r.end as number);
    const a = Math.max(st, periods[p].start), b = Math.min(en ?? periods[p].end, periods[p].end);
    return b < a ? 0 : monthsBetween(a, b);
  };
  const isMhp = (r: RowValues) => typeof r.role === "string" && mhpRoles.some((m) => m.toLowerCase() === (r.role as string).toLowerCase());
  const firstOfBand = (r: RowValues, env: Env) => matchIn(env.column("Arrs_Role"), r.role) >= (r.__index as number);
  const share = (r: RowValues, env?: Env): number => {
    if (!hasShare || !isMhp(r) || !env) return 1;
    const later = !firstOfBand(r, env) && (!hasAgreement || cellEq(r.mhpAgreement, "Yes"));
    return num(env.cell(later ? "Rate_arrsMhpLaterShare" : "Rate_arrsMhpFirstShare"));
  };
  const kindUsed = (r: RowValues, env: Env): Value => {
    if (blank(r.ref) || blank(r.role)) return "";
    const i = env.column("ArrsMax_Key").findIndex((k) => k === roleKey(r));
    let worst = 0;
    periods.forEach((_, p) => {
      const m = inPost(r, p);
      if (i < 0 || !isNum(m) || m <= 0) return;
      worst = Math.max(worst, (KINDS as readonly string[]).indexOf(String(env.column(`ArrsMax_Kind${p + 1}`)[i] ?? "")) + 1);
    });
    return worst ? KINDS[worst - 1] : "";
  };
  const usable = (r: RowValues, env: Env, p: number) => {
    const cu = costUsed(r, env);
    return !blank(r.ref) && isNum(inPost(r, p)) && isNum(cu) && isNum(r.wte) && r.wte >= 0 && cu >= 0;
  };
  const monthClaim = (r: RowValues, env: Env, k: number, prev: number): Value => {
    const m = months[k], p = m.period - 1;
    if (!usable(r, env, p)) return "";
    const st = r.start as number, en = blank(r.end) ? null : (r.end as number);
    if (st > m.end || (en !== null && (en < m.start || en < st))) return 0;
    const mx = roleMax(r, env, p);
    if (!isNum(mx)) return "max?";
    const lastOfPeriod = k === 11 || months[k + 1].period !== m.period;
    const mk = lastOfPeriod ? (inPost(r, p) as number) : monthsBetween(Math.max(st, periods[p].start), Math.min(en ?? m.end, m.end));
    return round2(periodClaim(costUsed(r, env) as number, mx, share(r, env), r.wte as number, mk) - prev);
  };
  const monthClaims = (r: RowValues, env: Env): Value[] => {
    const out: Value[] = [];
    let prev = 0;
    months.forEach((m, k) => {
      if (k > 0 && months[k - 1].period !== m.period) prev = 0;
      const v = monthClaim(r, env, k, prev);
      out.push(v);
      if (isNum(v)) prev += v;
    });
    return out;
  };
  const yearClaim = (r: RowValues, env: Env): Value => {
    if (blank(r.ref)) return "";
    if (blank(r.role) || !usable(r, env, 0)) return "Check inputs";
    if (roleMax(r, env, P - 1) === "Unknown role") return "Unknown role";
    const ms = periods.map((_, p) => inPost(r, p) as number);
    if (ms.some((m, p) => m > 0 && !isNum(roleMax(r, env, p)))) return "Maximum unknown";
    const terms = ms.map((m, p) => (m > 0 ? periodClaim(costUsed(r, env) as number, roleMax(r, env, p) as number, share(r, env), r.wte as number, m) : 0));
    return P === 1 ? terms[0] : round2(terms.reduce((a, b) => a + b, 0));
  };
  const sharesTotal = (r: RowValues, env: Env): Value => {
    if (blank(r.ref)) return "";
    const i = matchIn(env.column("Share_Post"), r.ref);
    return i < 0 ? 0 : num(env.column("Share_Total")[i]);
  };
  const problems = (r: RowValues, env: Env): string[] => {
    const out: string[] = [];
    const mxLast = roleMax(r, env, P - 1);
    if (blank(r.role)) out.push("Choose a role from the list");
    if (mxLast === "Unknown role") out.push("Unknown role or area: choose a role from the list (or add it on ARRS Rates)");
    if (blank(r.wte)) out.push("Enter the WTE");
    else if (!isNum(r.wte)) out.push("WTE is text, not a number: retype it");
    else if (r.wte < 0 || r.wte > 2) out.push("WTE is outside 0 to 2");
    if (blank(r.start)) out.push("Enter the start date");
    else if (!isNum(r.start)) out.push("Start date is text, not a date: retype it as a date");
    if (!blank(r.end) && !isNum(r.end)) out.push("End date is text, not a date: retype it as a date");
    if (isNum(r.start) && isNum(r.end) && r.end < r.start) out.push("End date is before the start date");
    if (blank(r.salary) && blank(r.annualCost)) out.push("Enter the salary or the annual cost");
    if (!blank(r.salary) && !isNum(r.salary)) out.push("Salary is text, not a number: retype it");
    if (isNum(r.salary) && r.salary < 0) out.push("Salary is negative");
    if (!blank(r.annualCost) && !isNum(r.annualCost)) out.push("Annual cost is text, not a number: retype it");
    if (isNum(r.annualCost) && r.annualCost < 0) out.push("Annual cost is negative");
    periods.forEach((pw, p) => {
      const m = inPost(r, p);
      if (isNum(m) && m > 0 && roleMax(r, env, p) === "Not known") out.push(P === 1 ? "Role maximum not known: enter it on the ARRS Rates sheet" : `Role maximum from ${pw.label} not known: enter it on the ARRS Rates sheet`);
    });
    const t = sharesTotal(r, env) as number;
    if (t !== 0 && Math.abs(t - 1) > 0.0001) out.push(`Practice shares add to ${xround(t * 100, 1)}%, not 100%`);
    if (hasAgreement && cellEq(r.mhpAgreement, "Yes") && isMhp(r) && firstOfBand(r, env)) out.push(MHP_FIRST);
    if (hasAgreement && cellEq(r.mhpAgreement, "Yes") && !blank(r.role) && !isMhp(r)) out.push(MHP_ONLY);
    return out;
  };
  const checkOf = (r: RowValues, env: Env): Value => {
    if (blank(r.ref)) return "";
    const k = kindUsed(r, env);
    return checkC(problems(r, env)) + (k ? `; ${KIND_NOTE[k as string]}` : "");
  };

  // ---- the formulas ----
  const keyF = (c: FormulaCtx) => `LOWER(${c.ref("role")})&"|"&LOWER(IF(${c.ref("area")}="","national",${c.ref("area")}))`;
  // When any of these holds, the post's claim cannot be worked out (the Check says why).
  const unusableF = (c: FormulaCtx, p: number) => {
    const cu = c.ref("costUsed"), w = c.ref("wte");
    return [`${c.ref("ref")}=""`, `NOT(ISNUMBER(${c.ref(inKey(p))}))`, `NOT(ISNUMBER(${cu}))`, `NOT(ISNUMBER(${w}))`, `${w}<0`, `${cu}<0`];
  };
  const termF = (c: FormulaCtx, p: number, monthsExpr: string) => `MIN(${c.ref("costUsed")},${c.ref(maxKey(p))})*${hasShare ? `${c.ref("mhpShare")}*` : ""}${c.ref("wte")}*${monthsExpr}/12`;
  const mhpList = `{${mhpRoles.map(str).join(",")}}`;
  // The role's first row in the column is at or after this one. Arrs_Role starts at row 2, so a record's place in it
  // is ROW()-1: the same formula in every row (Excel takes the column as one R1C1 formula, not one text a row).
  const firstOfBandF = (c: FormulaCtx) => `MATCH(${c.ref("role")},Arrs_Role,0)>=ROW()-1`;

  const maxCols: ColumnSpec[] = periods.map((pw, p) =>
    calc(maxKey(p), `Role maximum from ${pw.label} (£ per WTE)`, "money",
      (c) => {
        const key = keyF(c);
        return `=IF(OR(${c.ref("ref")}="",${c.ref("role")}=""),"",IF(ISNA(MATCH(${key},ArrsMax_Key,0)),"Unknown role",IF(ISNUMBER(INDEX(ArrsMax_P${p + 1},MATCH(${key},ArrsMax_Key,0))),INDEX(ArrsMax_P${p + 1},MATCH(${key},ArrsMax_Key,0)),"Not known")))`;
      },
      (r, env) => roleMax(r, env, p), { width: 15 }));
  const inCols: ColumnSpec[] = periods.map((pw, p) =>
    calc(inKey(p), P === 1 ? "Months in post this year" : `Months in post from ${pw.label}`, "number",
      (c) => {
        const st = c.ref("start"), en = c.ref("end");
        const a = `MAX(${st},${dateF(pw.start)})`, b = `MIN(IF(${en}="",${dateF(pw.end)},${en}),${dateF(pw.end)})`;
        return `=IF(OR(${c.ref("ref")}="",NOT(ISNUMBER(${st})),AND(${en}<>"",NOT(ISNUMBER(${en})))),"",IF(${b}<${a},0,${monthsF(a, b)}))`;
      },
      (r) => inPost(r, p), { width: 11, name: `MonthsP${p + 1}` }));
  const monthCols: ColumnSpec[] = months.map((m, k) =>
    calc(`m${k + 1}`, `Claim ${labels[k]} (£)`, "money",
      (c) => {
        const p = m.period - 1;
        const st = c.ref("start"), en = c.ref("end");
        const first = months.findIndex((x) => x.period === m.period);
        const lastOfPeriod = k === 11 || months[k + 1].period !== m.period;
        const a = `MAX(${st},${dateF(periods[p].start)})`, b = `MIN(IF(${en}="",${dateF(m.end)},${en}),${dateF(m.end)})`;
        const mk = lastOfPeriod ? c.ref(inKey(p)) : `(${monthsToF(a, b, m.end)})`;
        const prev = k > first ? `-SUM(${c.ref(`m${first + 1}`)}:${c.ref(`m${k}`)})` : "";
        return `=IF(OR(${unusableF(c, p).join(",")}),"",IF(OR(${st}>${dateF(m.end)},AND(${en}<>"",OR(${en}<${dateF(m.start)},${en}<${st}))),0,IF(NOT(ISNUMBER(${c.ref(maxKey(p))})),"max?",ROUND(ROUND(${termF(c, p, mk)},2)${prev},2))))`;
      },
      (r, env) => (blank(r.ref) ? "" : monthClaims(r, env)[k]), { name: `M${k + 1}`, width: 12 }));

  const cols: ColumnSpec[] = [
    inp("ref", "Post ref", "text", { width: 9, name: "Ref" }),
    inp("staffName", "Staff member", "text", { width: 20 }),
    // From ARRS Rates, so a role a commissioner approved (added there with its agreed maximum) can be chosen.
    inp("role", "Role", "choice", { listName: "ArrsMax_Role", width: 30, name: "Role" }),
    inp("band", "Band", "text", { width: 7 }),
    inp("area", "Area", "choice", { choices: [...AREA_LABELS], width: 13 }),
    ...(hasAgreement ? [inp("mhpAgreement", "Written agreement for up to 100% (a mental health practitioner after the first of its band)", "yesno", { width: 16 })] : []),
    inp("wte", "WTE", "number", { min: 0, max: 2, width: 7, name: "Wte" }),
    inp("start", "Start", "date", { name: "Start" }),
    inp("end", "End", "date", { name: "End" }),
    inp("hostPractice", "Employing practice", "text", { listName: "Practice_Name", width: 22 }),
    inp("salary", "Salary per WTE (£)", "money", { min: 0 }),
    inp("annualCost", "Annual cost per WTE incl. on-costs (£, if known)", "money", { min: 0, width: 18 }),
    calc("oncosts", "Employer on-costs per WTE (£)", "money",
      (c) => `=IF(OR(${c.ref("ref")}="",NOT(ISNUMBER(${c.ref("salary")}))),"",ROUND(MAX(0,${c.ref("salary")}-Rate_employerNiThreshold)*Rate_employerNiRate,2)+ROUND(${c.ref("salary")}*Rate_employerPensionRate,2))`,
      (r, env) => oncosts(r, env), { width: 14 }),
    calc("costUsed", "Cost per WTE used (£)", "money",
      (c) => {
        const ac = c.ref("annualCost"), s = c.ref("salary");
        return `=IF(${c.ref("ref")}="","",IF(${ac}<>"",IF(ISNUMBER(${ac}),${ac},""),IF(ISNUMBER(${s}),${s}+${c.ref("oncosts")},"")))`;
      },
      (r, env) => costUsed(r, env), { width: 14 }),
    ...maxCols,
    calc("maxKind", "Provenance of the maximum used", "text",
      (c) => {
        const key = keyF(c);
        const rank = periods.map((_, p) => `IF(AND(ISNUMBER(${c.ref(inKey(p))}),N(${c.ref(inKey(p))})>0),IFERROR(MATCH(INDEX(ArrsMax_Kind${p + 1},MATCH(${key},ArrsMax_Key,0)),{${KINDS.map(str).join(",")}},0),0),0)`);
        return `=IF(OR(${c.ref("ref")}="",${c.ref("role")}=""),"",CHOOSE(${P === 1 ? rank[0] : `MAX(${rank.join(",")})`}+1,"",${KINDS.map(str).join(",")}))`;
      },
      (r, env) => kindUsed(r, env), { width: 13 }),
    ...(hasShare ? [calc("mhpShare", "Share of the cost reimbursed", "percent",
      (c) => {
        const later = hasAgreement ? `AND(${c.ref("mhpAgreement")}="Yes",NOT(${firstOfBandF(c)}))` : `NOT(${firstOfBandF(c)})`;
        return `=IF(OR(${c.ref("ref")}="",${c.ref("role")}=""),"",IF(ISNUMBER(MATCH(${c.ref("role")},${mhpList},0)),IF(${later},N(Rate_arrsMhpLaterShare),N(Rate_arrsMhpFirstShare)),1))`;
      },
      (r, env) => (blank(r.ref) || blank(r.role) ? "" : share(r, env)), { width: 10 })] : []),
    ...inCols,
    ...monthCols,
    calc("yearClaim", "Claimable this year (£)", "money",
      (c) => {
        const inputs = `OR(${[`${c.ref("role")}=""`, ...unusableF(c, 0).slice(1)].join(",")})`;
        const unknown = periods.map((_, p) => `AND(${c.ref(inKey(p))}>0,NOT(ISNUMBER(${c.ref(maxKey(p))})))`).join(",");
        const terms = periods.map((_, p) => `IF(${c.ref(inKey(p))}>0,ROUND(${termF(c, p, c.ref(inKey(p)))},2),0)`);
        const total = P === 1 ? terms[0] : `ROUND(${terms.join("+")},2)`;
        return `=IF(${c.ref("ref")}="","",IF(${inputs},"Check inputs",IF(${c.ref("roleMax")}="Unknown role","Unknown role",IF(OR(${unknown}),"Maximum unknown",${total}))))`;
      },
      (r, env) => yearClaim(r, env), { name: "YearClaim", width: 15 }),
    calc("sharesTotal", "Practice shares total", "percent",
      (c) => `=IF(${c.ref("ref")}="","",IFERROR(INDEX(Share_Total,MATCH(${c.ref("ref")},Share_Post,0)),0))`,
      (r, env) => sharesTotal(r, env), { width: 10 }),
    calc("check", "Check", "text",
      (c) => {
        const w = c.ref("wte"), st = c.ref("start"), en = c.ref("end"), sal = c.ref("salary"), ac = c.ref("annualCost"), t = c.ref("sharesTotal");
        const pieces: [string, string][] = [
          [`${c.ref("role")}=""`, str("Choose a role from the list")],
          [`${c.ref("roleMax")}="Unknown role"`, str("Unknown role or area: choose a role from the list (or add it on ARRS Rates)")],
          [`${w}=""`, str("Enter the WTE")],
          [`AND(${w}<>"",NOT(ISNUMBER(${w})))`, str("WTE is text, not a number: retype it")],
          [`AND(ISNUMBER(${w}),OR(${w}<0,${w}>2))`, str("WTE is outside 0 to 2")],
          [`${st}=""`, str("Enter the start date")],
          [`AND(${st}<>"",NOT(ISNUMBER(${st})))`, str("Start date is text, not a date: retype it as a date")],
          [`AND(${en}<>"",NOT(ISNUMBER(${en})))`, str("End date is text, not a date: retype it as a date")],
          [`AND(ISNUMBER(${st}),ISNUMBER(${en}),${en}<${st})`, str("End date is before the start date")],
          [`AND(${sal}="",${ac}="")`, str("Enter the salary or the annual cost")],
          [`AND(${sal}<>"",NOT(ISNUMBER(${sal})))`, str("Salary is text, not a number: retype it")],
          [`AND(ISNUMBER(${sal}),${sal}<0)`, str("Salary is negative")],
          [`AND(${ac}<>"",NOT(ISNUMBER(${ac})))`, str("Annual cost is text, not a number: retype it")],
          [`AND(ISNUMBER(${ac}),${ac}<0)`, str("Annual cost is negative")],
          ...periods.map((pw, p): [string, string] => [
            `AND(ISNUMBER(${c.ref(inKey(p))}),${c.ref(inKey(p))}>0,${c.ref(maxKey(p))}="Not known")`,
            str(P === 1 ? "Role maximum not known: enter it on the ARRS Rates sheet" : `Role maximum from ${pw.label} not known: enter it on the ARRS Rates sheet`),
          ]),
          [`AND(${t}<>0,ABS(${t}-1)>0.0001)`, `"Practice shares add to "&ROUND(${t}*100,1)&"%, not 100%"`],
          ...(hasAgreement ? [
            [`AND(${c.ref("mhpAgreement")}="Yes",ISNUMBER(MATCH(${c.ref("role")},${mhpList},0)),${firstOfBandF(c)})`, str(MHP_FIRST)],
            [`AND(${c.ref("mhpAgreement")}="Yes",${c.ref("role")}<>"",NOT(ISNUMBER(MATCH(${c.ref("role")},${mhpList},0))))`, str(MHP_ONLY)],
          ] as [string, string][] : []),
        ];
        const k = c.ref("maxKind");
        const note = KINDS.reduce((acc, kind) => `IF(${k}=${str(kind)},${str(`; ${KIND_NOTE[kind]}`)},${acc})`, `""`);
        return checkF(c.ref("ref"), pieces, `"OK"`, note);
      },
      (r, env) => checkOf(r, env), { name: "Check", width: 44 }),
    // The Key Dates sheet's order of posts' end dates.
    dateKeyCol("endKey", "End date order (helper)", KEY_SRC.arrsEnd, "ref", "end", { name: "EndKey" }),
  ];
  // A role given under another spelling (Care Coordinator, CYP Mental Health Practitioner) is written as the DES
  // names it, the name ARRS Rates looks it up by; one the year does not know is kept as given (its Check says so).
  const desName = (role: string) => { try { return findRole(y, role).role; } catch { return role; } };
  const rows: RowValues[] = (ctx.data?.arrsPosts ?? []).map((p) => ({
    ref: p.ref, staffName: p.name, role: desName(p.role), band: p.band, area: p.area, wte: p.wte, start: p.start, end: p.end ?? null,
    hostPractice: p.hostPractice, salary: p.salary ?? null, annualCost: p.annualCost ?? null,
  }));
  return {
    key: "arrs",
    name: ctx.sheetName("arrs"),
    title: "ARRS workforce",
    rows,
    freeze: { rows: 1, cols: 2 },
    table: {
      columns: cols,
      keyColumns: ["ref"],
      spareRows: 15,
      namePrefix: A,
      tableName: "PCN_ArrsPosts",
      conditionalFormats: (col) => {
        const ch = col("check"), kc = col("maxKind");
        const r = `${colLetter(ch.col)}${ch.row + 1}`;
        const k = `$${colLetter(kc.col)}${kc.row + 1}`;
        // A maximum that is not sourced looks different, as on ARRS Rates.
        const kinds = [kc, ...periods.map((_, p) => col(maxKey(p)))].flatMap((range) => [
          { range, formula: `=OR(${k}="same band",${k}="derived")`, fill: COLOURS.derived },
          { range, formula: `=${k}="estimated"`, fill: COLOURS.estimated },
        ]);
        return [
          { range: ch, formula: `=AND(${r}<>"",LEFT(${r},2)<>"OK")`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: ch, formula: `=AND(LEFT(${r},2)="OK",OR(${k}="",${k}="sourced",${k}="entered"))`, fill: COLOURS.green, font: COLOURS.greenFont },
          { range: ch, formula: `=AND(LEFT(${r},2)="OK",OR(${k}="same band",${k}="derived",${k}="estimated"))`, fill: COLOURS.amber, font: COLOURS.amberFont },
          ...kinds,
        ];
      },
    },
  };
}

/** Provenance of an ARRS maximum (ARRS Rates' ArrsMax_Kind<i>), most trusted first. */
const KINDS = ["sourced", "entered", "same band", "derived", "estimated"] as const;
/** What a post's Check says of the maximum its claim uses. */
const KIND_NOTE: Record<string, string> = {
  sourced: "sourced maximum",
  entered: "maximum entered on ARRS Rates",
  "same band": "same-band maximum (the sourced figure of another role of its band)",
  derived: "derived maximum (the on-cost model, not a published figure)",
  estimated: "estimated maximum: confirm it against the DES or your ICB's claims portal",
};
const MHP_FIRST = "The first mental health practitioner of a band is reimbursed at the lower share: this is the first post of its role listed, so the written agreement does not apply to it";
const MHP_ONLY = "A written agreement for up to 100% applies only to mental health practitioners";

/** What a post's claim says when it is left out of the totals. */
export const LEFT_OUT = ["Maximum unknown", "Unknown role", "Check inputs"] as const;

/** Allocation, committed claims, headroom and the underspend warning, with claims by month. */
export function arrsSummarySpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const labels = monthLabels(y);
  const A = "Arrs_";
  const R0 = 0;
  const H = (t: string) => label(t, { bold: true, fill: COLOURS.title });
  const alloc = (env: Env) => env.cell("Funding_ArrsAllocation");
  const committed = (env: Env) => sumNums(env.column(A + "YearClaim"));
  const leftOut = (env: Env) => countIf(env.column(A + "YearClaim"), (v) => (LEFT_OUT as readonly Value[]).includes(v));
  const headroom = (env: Env): Value => (isNum(alloc(env)) ? xround((alloc(env) as number) - committed(env), 2) : "Allocation unknown");
  const leftOutF = LEFT_OUT.map((t) => `COUNTIF(${A}YearClaim,"${t}")`).join("+");
  // A total that leaves posts out says so, and by how many (in the cell beside it).
  const noteF = `=IF(Arrs_LeftOut>0,"Incomplete: "&Arrs_LeftOut&IF(Arrs_LeftOut=1," post"," posts")&" left out","")`;
  const noteC = (env: Env) => { const n = leftOut(env); return n > 0 ? `Incomplete: ${n}${n === 1 ? " post" : " posts"} left out` : ""; };
  const note = () => fcell(noteF, noteC);
  const status = (env: Env): Value => {
    const h = headroom(env);
    if (!isNum(h)) return "";
    if (h < 0) return "Over-committed: claims exceed the allocation";
    const n = leftOut(env);
    if (n > 0) return `Incomplete: ${n} ${n === 1 ? "post is" : "posts are"} not counted, so headroom is overstated`;
    return h > 0.05 * num(alloc(env)) ? "Underspend risk: unclaimed ARRS cannot be carried forward" : "On track";
  };
  const rep: (ReportCell | null)[][] = [
    [H(`ARRS ${y.year}`), H("£"), H("")],
    [label("Allocation (from Funding)"), fcell(`=Funding_ArrsAllocation`, alloc, { format: FORMATS.money }), null],
    [label("Committed claims this year"), fcell(`=SUM(${A}YearClaim)`, committed, { format: FORMATS.money, name: "Arrs_Committed" }), note()],
    [label("Headroom (allocation minus committed)"),
      fcell(`=IF(ISNUMBER(Funding_ArrsAllocation),ROUND(Funding_ArrsAllocation-SUM(${A}YearClaim),2),"Allocation unknown")`, headroom, { format: FORMATS.money, name: "Arrs_Headroom" }), note()],
    [label("Posts left out of the totals (maximum unknown, unknown role or inputs to fix: see their Check)"), fcell(`=${leftOutF}`, leftOut, { format: FORMATS.integer, name: "Arrs_LeftOut" }), null],
    [label("Status"), fcell(
      `=IF(NOT(ISNUMBER(Arrs_Headroom)),"",IF(Arrs_Headroom<0,"Over-committed: claims exceed the allocation",IF(Arrs_LeftOut>0,"Incomplete: "&Arrs_LeftOut&IF(Arrs_LeftOut=1," post is"," posts are")&" not counted, so headroom is overstated",IF(Arrs_Headroom>0.05*Funding_ArrsAllocation,"Underspend risk: unclaimed ARRS cannot be carried forward","On track"))))`,
      status, { name: "Arrs_Status" }), null],
    [null, null, null],
    [H("Month"), H("Claims (£)"), note()],
    ...labels.map((l, i) => [label(l), fcell(`=SUM(${A}M${i + 1})`, (env) => sumNums(env.column(`${A}M${i + 1}`)), { format: FORMATS.money }), null]),
  ];
  const statusRef = `$${colLetter(R0 + 1)}$6`;
  const at = { row: 5, col: R0 + 1, rows: 1, cols: 1 };
  return {
    key: "arrsSummary",
    name: ctx.sheetName("arrsSummary"),
    title: "ARRS summary",
    reports: [{
      col: R0, rows: rep, widths: [50, 16, 28],
      conditionalFormats: [
        { range: at, formula: `=LEFT(${statusRef},4)="Over"`, fill: COLOURS.red, font: COLOURS.redFont },
        { range: at, formula: `=OR(LEFT(${statusRef},5)="Under",LEFT(${statusRef},10)="Incomplete")`, fill: COLOURS.amber, font: COLOURS.amberFont },
        { range: at, formula: `=${statusRef}="On track"`, fill: COLOURS.green, font: COLOURS.greenFont },
      ],
    }],
  };
}

/**
 * Which practices each post serves. A post's rows form a run (they are written together, and the Check asks a
 * person to keep them together): "so far" and "in total" are running sums along the run, so each row looks
 * only at its neighbours and at its post (one exact lookup): nothing grows with posts x shares. Each practice's
 * claim is the post's claim split to the penny along the run, so the shares of a post add up to its claim.
 */
export function sharesSpec(ctx: SpecCtx): SheetSpec {
  const rows: RowValues[] = [];
  for (const p of ctx.data?.arrsPosts ?? []) for (const s of p.shares) rows.push({ post: p.ref, practice: s.practice, share: s.share });
  const keys = ["post", "practice", "share", "claim", "soFar", "total", "check"];
  const L = (k: string) => colLetter(keys.indexOf(k));
  const at = (k: string, row: number) => `${L(k)}${row}`;

  // The core's side: whole columns at once, since each row reads its neighbours.
  const sheet = memo((env: Env) => {
    const post = env.column("Share_Post"), sh = env.column("Share_Share");
    const n = post.length;
    const shareOf = (i: number) => (isNum(sh[i]) ? (sh[i] as number) : 0);
    const sameAsPrev = (i: number) => i > 0 && cellEq(post[i - 1], post[i]);
    const soFar: Value[] = [];
    for (let i = 0; i < n; i++) soFar.push(blank(post[i]) ? "" : shareOf(i) + (sameAsPrev(i) ? num(soFar[i - 1]) : 0));
    const total: Value[] = Array(n).fill("");
    for (let i = n - 1; i >= 0; i--) if (!blank(post[i])) total[i] = i + 1 < n && cellEq(post[i + 1], post[i]) ? num(total[i + 1]) : soFar[i];
    return { post, sh, soFar, total, sameAsPrev };
  });
  const rowOf = (r: RowValues) => r.__index as number;
  const claimOf = (r: RowValues, env: Env): Value => {
    if (blank(r.post) || !isNum(r.share)) return "";
    const i = matchIn(env.column("Arrs_Ref"), r.post);
    if (i < 0) return "Unknown post";
    const y = env.column("Arrs_YearClaim")[i];
    if (!isNum(y)) return y;
    const s = sheet(env), k = rowOf(r);
    const before = s.sameAsPrev(k) ? num(s.soFar[k - 1]) : 0;
    return round2(round2(y * (s.soFar[k] as number)) - round2(y * before));
  };
  const checkOf = (r: RowValues, env: Env): Value => {
    if (blank(r.post)) return "";
    const s = sheet(env), k = rowOf(r);
    const out: string[] = [];
    if (matchIn(env.column("Arrs_Ref"), r.post) < 0) out.push("Unknown post: use a Post ref from ARRS Workforce");
    if (blank(r.practice)) out.push("Choose the practice");
    else if (matchIn(env.column("Practice_Name"), r.practice) < 0) out.push("Practice not on the Practices sheet");
    if (blank(r.share)) out.push("Enter the share");
    else if (!isNum(r.share)) out.push("Share is text, not a number: retype it (50% or 0.5)");
    else if (r.share < 0 || r.share > 1) out.push("Share is outside 0% to 100%");
    if (!s.sameAsPrev(k)) {
      const first = matchIn(s.post, r.post);
      if (first < k) out.push(`This post also has rows higher up (from row ${first + 2}): keep a post's rows together, e.g. sort by Post ref`);
      const t = num(s.total[k]);
      if (Math.abs(t - 1) > 0.0001) out.push(`Shares of ${String(r.post)} add to ${xround(t * 100, 1)}%, not 100%`);
    }
    return checkC(out);
  };
  const prevSame = (c: FormulaCtx) => `${at("post", c.row - 1)}=${c.ref("post")}`;
  const postClaim = (c: FormulaCtx) => `INDEX(Arrs_YearClaim,MATCH(${c.ref("post")},Arrs_Ref,0))`;
  return {
    key: "arrsShares",
    name: ctx.sheetName("arrsShares"),
    title: "ARRS practice shares",
    rows,
    freeze: { rows: 1, cols: 0 },
    table: {
      keyColumns: ["post", "practice"],
      spareRows: 20,
      namePrefix: "Share_",
      tableName: "PCN_ArrsShares",
      columns: [
        inp("post", "Post ref", "text", { listName: "Arrs_Ref", name: "Post", width: 10 }),
        inp("practice", "Practice served", "text", { listName: "Practice_Name", name: "Practice", width: 26 }),
        inp("share", "Share of the post", "percent", { min: 0, max: 1, name: "Share", width: 10 }),
        calc("claim", "Share of the claim (£)", "money",
          (c) => `=IF(OR(${c.ref("post")}="",NOT(ISNUMBER(${c.ref("share")}))),"",IFERROR(IF(ISNUMBER(${postClaim(c)}),ROUND(ROUND(${postClaim(c)}*${c.ref("soFar")},2)-ROUND(${postClaim(c)}*IF(${prevSame(c)},N(${at("soFar", c.row - 1)}),0),2),2),${postClaim(c)}),"Unknown post"))`,
          claimOf, { width: 15, name: "Claim" }),
        calc("soFar", "Post's shares so far", "percent",
          (c) => `=IF(${c.ref("post")}="","",IF(ISNUMBER(${c.ref("share")}),${c.ref("share")},0)+IF(${prevSame(c)},N(${at("soFar", c.row - 1)}),0))`,
          (r, env) => sheet(env).soFar[rowOf(r)], { width: 10, name: "SoFar" }),
        calc("total", "Post's shares in total", "percent",
          (c) => `=IF(${c.ref("post")}="","",IF(${at("post", c.row + 1)}=${c.ref("post")},N(${at("total", c.row + 1)}),${c.ref("soFar")}))`,
          (r, env) => sheet(env).total[rowOf(r)], { width: 10, name: "Total" }),
        calc("check", "Check", "text",
          (c) => {
            const p = c.ref("post"), pr = c.ref("practice"), s = c.ref("share"), t = c.ref("total");
            const first = `MATCH(${p},Share_Post,0)`;
            return checkF(p, [
              [`ISNA(MATCH(${p},Arrs_Ref,0))`, str("Unknown post: use a Post ref from ARRS Workforce")],
              [`${pr}=""`, str("Choose the practice")],
              [`AND(${pr}<>"",ISNA(MATCH(${pr},Practice_Name,0)))`, str("Practice not on the Practices sheet")],
              [`${s}=""`, str("Enter the share")],
              [`AND(${s}<>"",NOT(ISNUMBER(${s})))`, str("Share is text, not a number: retype it (50% or 0.5)")],
              [`AND(ISNUMBER(${s}),OR(${s}<0,${s}>1))`, str("Share is outside 0% to 100%")],
              [`AND(NOT(${prevSame(c)}),${first}<ROW()-1)`, `"This post also has rows higher up (from row "&(${first}+1)&"): keep a post's rows together, e.g. sort by Post ref"`],
              [`AND(NOT(${prevSame(c)}),ABS(N(${t})-1)>0.0001)`, `"Shares of "&${p}&" add to "&ROUND(N(${t})*100,1)&"%, not 100%"`],
            ]);
          },
          checkOf, { width: 40, name: "Check" }),
      ],
      conditionalFormats: (col) => checkRag(col("check")),
    },
  };
}
