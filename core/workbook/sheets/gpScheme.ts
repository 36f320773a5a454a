/**
 * The practice-level GP reimbursement scheme (2026/27 on; core/funding/gpScheme.ts): paid to practices under
 * the Statement of Financial Entitlements, not PCN income. Two sheets, each one table:
 *  - GP Scheme: one row per practice: its entitlement (adjusted population x the rate), the entitlement it
 *    transferred in (+) or out (-) with the ICB's agreement, what its claims come to, and its headroom; the
 *    year's figures and the PCN's totals beside it (transfers between practices must net to zero).
 *  - GP Scheme Claims: one row per claim: a new salaried GP (salary + employer NI + pension, capped per WTE, a
 *    London cap) or extra sessions of an existing salaried GP (hourly pay + NI at a flat rate + pension, capped
 *    per hour, up to the most sessions a week), for the months of the year it covers.
 * Years without the scheme have neither sheet.
 */
import { hasGpScheme, GP_AREA_LABELS, GP_SCHEME_RATES } from "../../funding/gpScheme";
import { monthsBetween } from "../../funding/arrs";
import { round2 } from "../../funding/money";
import { getRate } from "../../rates/book";
import { GP_ROUTES } from "../lists";
import { colLetter, isoToSerial } from "../plan";
import { COLOURS, FORMATS, type ColumnSpec, type Env, type FormulaCtx, type ReportCell, type RowValues, type SheetSpec, type Value } from "../spec";
import { blank, calc, cellEq, checkF, countIf, dateF, fcell, inp, isNum, label, matchIn, monthsF, num, str, sumNums, type SpecCtx } from "./common";

const R = GP_SCHEME_RATES;
const SESSIONS = "Extra sessions";
const NEW_GP = "New salaried GP";
/** What a claim says when it is left out of the totals. */
export const GP_LEFT_OUT = ["Check inputs", "Rate unknown", "Not eligible"] as const;

const rate = (env: Env, key: string) => env.cell(`Rate_${key}`);

export function gpClaimsSpec(ctx: SpecCtx): SheetSpec | null {
  const y = ctx.year;
  if (!hasGpScheme(y)) return null;
  const ys = isoToSerial(y.start), ye = isoToSerial(y.end);
  const G = "GpClaim_";
  const isSessions = (r: RowValues) => cellEq(r.route, SESSIONS);
  const isGpPost = (r: RowValues) => !blank(r.route) && !isSessions(r);

  // ---- the core's side ----
  const months = (r: RowValues): Value => {
    if (blank(r.ref) || !isNum(r.start) || (!blank(r.end) && !isNum(r.end))) return "";
    const a = Math.max(r.start, ys), b = Math.min(blank(r.end) ? ye : (r.end as number), ye);
    return b < a ? 0 : monthsBetween(a, b);
  };
  const annualCost = (r: RowValues, env: Env): Value => {
    if (blank(r.ref) || !isGpPost(r) || !isNum(r.salary)) return "";
    const ni = round2(Math.max(0, r.salary - num(rate(env, "employerNiThreshold"))) * num(rate(env, "employerNiRate")));
    return r.salary + ni + round2(r.salary * num(rate(env, "employerPensionRate")));
  };
  const capRate = (r: RowValues, env: Env) => rate(env, cellEq(r.area, "london") ? R.newGpCapLondon : R.newGpCap);
  const cap = (r: RowValues, env: Env): Value => {
    if (blank(r.ref) || !isGpPost(r) || !isNum(r.wte)) return "";
    const c = capRate(r, env);
    return blank(c) ? "Rate unknown" : round2(num(c) * r.wte);
  };
  const hourlyCost = (r: RowValues, env: Env): Value => {
    if (blank(r.ref) || !isSessions(r) || !isNum(r.hourlyPay)) return "";
    if (blank(rate(env, R.sessionNi))) return "Rate unknown";
    return r.hourlyPay * (1 + num(rate(env, R.sessionNi)) + num(rate(env, "employerPensionRate")));
  };
  const weeks = (r: RowValues): Value => {
    const m = months(r);
    return blank(r.ref) || !isSessions(r) || !isNum(m) ? "" : (m * 52) / 12;
  };
  const notEligible = (r: RowValues, env: Env) =>
    (cellEq(r.route, NEW_GP) && cellEq(r.employedBefore, "Yes")) || (isSessions(r) && isNum(r.sessionsBefore) && r.sessionsBefore >= num(rate(env, R.maxSessions)) && !blank(rate(env, R.maxSessions)));
  const claim = (r: RowValues, env: Env): Value => {
    if (blank(r.ref)) return "";
    if (blank(r.route)) return "Check inputs";
    if (notEligible(r, env)) return "Not eligible";
    const m = months(r);
    if (isSessions(r)) {
      const hc = hourlyCost(r, env), w = weeks(r), hcap = rate(env, R.hourlyCap);
      if (hc === "Rate unknown" || blank(hcap)) return "Rate unknown";
      if (!isNum(hc) || !isNum(r.extraHours) || r.extraHours < 0 || !isNum(w)) return "Check inputs";
      return round2(Math.min(hc, hcap as number) * r.extraHours * w);
    }
    const c = annualCost(r, env), cp = cap(r, env);
    if (cp === "Rate unknown") return "Rate unknown";
    if (!isNum(c) || !isNum(cp) || c < 0 || !isNum(m)) return "Check inputs";
    return round2((Math.min(c, cp) * m) / 12);
  };
  const problems = (r: RowValues, env: Env): string[] => {
    const out: string[] = [];
    const maxS = rate(env, R.maxSessions);
    if (blank(r.practice)) out.push("Choose the practice");
    else if (matchIn(env.column("Practice_Name"), r.practice) < 0) out.push("Practice not on the Practices sheet");
    if (blank(r.route)) out.push("Choose the route");
    if (blank(r.start)) out.push("Enter the date the claim runs from");
    else if (!isNum(r.start)) out.push("Claim-from date is text, not a date: retype it as a date");
    if (!blank(r.end) && !isNum(r.end)) out.push("Claim-to date is text, not a date: retype it as a date");
    if (isNum(r.start) && isNum(r.end) && r.end < r.start) out.push("Claim-to date is before the claim-from date");
    const m = months(r);
    if (isNum(m) && m === 0 && !(isNum(r.start) && isNum(r.end) && r.end < r.start)) out.push(`The claim dates are outside ${y.year}`);
    if (isGpPost(r)) {
      if (blank(r.salary)) out.push("Enter the salary");
      else if (!isNum(r.salary)) out.push("Salary is text, not a number: retype it");
      else if (r.salary < 0) out.push("Salary is negative");
      if (blank(r.wte)) out.push("Enter the WTE");
      else if (!isNum(r.wte)) out.push("WTE is text, not a number: retype it");
      else if (r.wte <= 0 || r.wte > 1) out.push("WTE must be more than 0 and at most 1");
      if (cellEq(r.route, NEW_GP) && cellEq(r.employedBefore, "Yes")) out.push("Not a new GP: employed by the practice in the 12 months before (other than as absence cover)");
      const c = annualCost(r, env), cp = cap(r, env);
      if (isNum(c) && isNum(cp) && c > cp) out.push("Cost is above the cap for this WTE: the claim is limited to the cap");
      if (blank(capRate(r, env))) out.push("The cap is not known: enter it on the Rates sheet");
    }
    if (isSessions(r)) {
      if (blank(r.hourlyPay)) out.push("Enter the pay per extra hour");
      else if (!isNum(r.hourlyPay)) out.push("Pay per hour is text, not a number: retype it");
      else if (r.hourlyPay < 0) out.push("Pay per hour is negative");
      if (blank(r.extraHours)) out.push("Enter the extra hours a week");
      else if (!isNum(r.extraHours)) out.push("Extra hours is text, not a number: retype it");
      else if (r.extraHours < 0) out.push("Extra hours is negative");
      if (blank(r.sessionsBefore)) out.push("Enter the sessions a week before the increase");
      else if (!isNum(r.sessionsBefore)) out.push("Sessions before is text, not a number: retype it");
      else if (!blank(maxS) && r.sessionsBefore >= num(maxS)) out.push(`Not eligible: already on ${num(maxS)} or more sessions a week`);
      if (!blank(r.extraSessions) && !isNum(r.extraSessions)) out.push("Extra sessions is text, not a number: retype it");
      if (isNum(r.sessionsBefore) && isNum(r.extraSessions) && !blank(maxS) && r.sessionsBefore + r.extraSessions > num(maxS)) out.push(`More than ${num(maxS)} sessions a week in all: only sessions up to ${num(maxS)} can be claimed`);
      const hc = hourlyCost(r, env), hcap = rate(env, R.hourlyCap);
      if (isNum(hc) && isNum(hcap) && hc > hcap) out.push("Hourly cost is above the cap per hour: the claim is limited to the cap");
      if (blank(hcap) || blank(rate(env, R.sessionNi))) out.push("A scheme figure is not known: enter it on the Rates sheet");
    }
    return out;
  };

  // ---- the formulas ----
  const f = (c: FormulaCtx) => ({
    ref: c.ref("ref"), pr: c.ref("practice"), route: c.ref("route"), area: c.ref("area"), emp: c.ref("employedBefore"), st: c.ref("start"), en: c.ref("end"),
    sal: c.ref("salary"), wte: c.ref("wte"), sb: c.ref("sessionsBefore"), es: c.ref("extraSessions"), eh: c.ref("extraHours"), pay: c.ref("hourlyPay"),
    m: c.ref("months"), cost: c.ref("annualCost"), cap: c.ref("cap"), hc: c.ref("hourlyCost"), wk: c.ref("weeks"),
  });
  const gpPostF = (x: ReturnType<typeof f>) => `AND(${x.route}<>"",${x.route}<>${str(SESSIONS)})`;
  const capRateF = (x: ReturnType<typeof f>) => `IF(${x.area}="london",Rate_${R.newGpCapLondon},Rate_${R.newGpCap})`;
  const notEligibleF = (x: ReturnType<typeof f>) =>
    `OR(AND(${x.route}=${str(NEW_GP)},${x.emp}="Yes"),AND(${x.route}=${str(SESSIONS)},ISNUMBER(${x.sb}),Rate_${R.maxSessions}<>"",${x.sb}>=Rate_${R.maxSessions}))`;

  const cols: ColumnSpec[] = [
    inp("ref", "Claim ref", "text", { width: 9, name: "Ref" }),
    inp("practice", "Practice", "text", { listName: "Practice_Name", width: 24, name: "Practice" }),
    inp("gp", "Salaried GP", "text", { width: 18 }),
    inp("route", "Route", "choice", { choices: [...GP_ROUTES], width: 26, name: "Route" }),
    inp("area", "Area (a new GP's cap)", "choice", { choices: [...GP_AREA_LABELS], width: 10 }),
    inp("employedBefore", "Employed by the practice in the 12 months before (not as absence cover)?", "yesno", { width: 14 }),
    inp("start", "Claim from", "date"),
    inp("end", "Claim to (blank: year end)", "date"),
    inp("salary", "Salary a year at the GP's WTE (£, GP post)", "money", { min: 0, width: 14 }),
    inp("wte", "WTE (GP post)", "number", { min: 0, max: 1, width: 8 }),
    inp("sessionsBefore", "Sessions a week before (extra sessions)", "number", { min: 0, width: 11 }),
    inp("extraSessions", "Extra sessions a week", "number", { min: 0, width: 9 }),
    inp("extraHours", "Extra hours a week", "number", { min: 0, width: 9 }),
    inp("hourlyPay", "Pay per extra hour (£)", "money", { min: 0, width: 11 }),
    calc("months", `Months claimed in ${y.year}`, "number",
      (c) => {
        const x = f(c);
        const a = `MAX(${x.st},${dateF(ys)})`, b = `MIN(IF(${x.en}="",${dateF(ye)},${x.en}),${dateF(ye)})`;
        return `=IF(OR(${x.ref}="",NOT(ISNUMBER(${x.st})),AND(${x.en}<>"",NOT(ISNUMBER(${x.en})))),"",IF(${b}<${a},0,${monthsF(a, b)}))`;
      },
      (r) => months(r), { width: 10 }),
    calc("annualCost", "Cost a year incl. employer NI and pension (£, GP post)", "money",
      (c) => {
        const x = f(c);
        return `=IF(OR(${x.ref}="",NOT(${gpPostF(x)}),NOT(ISNUMBER(${x.sal}))),"",${x.sal}+ROUND(MAX(0,${x.sal}-Rate_employerNiThreshold)*Rate_employerNiRate,2)+ROUND(${x.sal}*Rate_employerPensionRate,2))`;
      },
      (r, env) => annualCost(r, env), { width: 14 }),
    calc("cap", "Cap a year at this WTE (£, GP post)", "money",
      (c) => {
        const x = f(c);
        return `=IF(OR(${x.ref}="",NOT(${gpPostF(x)}),NOT(ISNUMBER(${x.wte}))),"",IF(${capRateF(x)}="","Rate unknown",ROUND(${capRateF(x)}*${x.wte},2)))`;
      },
      (r, env) => cap(r, env), { width: 14 }),
    calc("hourlyCost", "Cost per extra hour incl. employer NI and pension (£)", "money",
      (c) => {
        const x = f(c);
        return `=IF(OR(${x.ref}="",${x.route}<>${str(SESSIONS)},NOT(ISNUMBER(${x.pay}))),"",IF(Rate_${R.sessionNi}="","Rate unknown",${x.pay}*(1+Rate_${R.sessionNi}+Rate_employerPensionRate)))`;
      },
      (r, env) => hourlyCost(r, env), { width: 12 }),
    calc("weeks", "Weeks claimed (extra sessions)", "number",
      (c) => {
        const x = f(c);
        return `=IF(OR(${x.ref}="",${x.route}<>${str(SESSIONS)},NOT(ISNUMBER(${x.m}))),"",${x.m}*52/12)`;
      },
      (r) => weeks(r), { width: 9 }),
    calc("claim", "Claim this year (£)", "money",
      (c) => {
        const x = f(c);
        const hcap = `Rate_${R.hourlyCap}`;
        const sessions = `IF(OR(${x.hc}="Rate unknown",${hcap}=""),"Rate unknown",IF(OR(NOT(ISNUMBER(${x.hc})),NOT(ISNUMBER(${x.eh})),${x.eh}<0,NOT(ISNUMBER(${x.wk}))),"Check inputs",ROUND(MIN(${x.hc},${hcap})*${x.eh}*${x.wk},2)))`;
        const post = `IF(${x.cap}="Rate unknown","Rate unknown",IF(OR(NOT(ISNUMBER(${x.cost})),NOT(ISNUMBER(${x.cap})),${x.cost}<0,NOT(ISNUMBER(${x.m}))),"Check inputs",ROUND(MIN(${x.cost},${x.cap})*${x.m}/12,2)))`;
        return `=IF(${x.ref}="","",IF(${x.route}="","Check inputs",IF(${notEligibleF(x)},"Not eligible",IF(${x.route}=${str(SESSIONS)},${sessions},${post}))))`;
      },
      (r, env) => claim(r, env), { width: 14, name: "Claim" }),
    calc("check", "Check", "text",
      (c) => {
        const x = f(c);
        const max = `Rate_${R.maxSessions}`, hcap = `Rate_${R.hourlyCap}`;
        const post = gpPostF(x), ses = `${x.route}=${str(SESSIONS)}`;
        return checkF(x.ref, [
          [`${x.pr}=""`, str("Choose the practice")],
          [`AND(${x.pr}<>"",ISNA(MATCH(${x.pr},Practice_Name,0)))`, str("Practice not on the Practices sheet")],
          [`${x.route}=""`, str("Choose the route")],
          [`${x.st}=""`, str("Enter the date the claim runs from")],
          [`AND(${x.st}<>"",NOT(ISNUMBER(${x.st})))`, str("Claim-from date is text, not a date: retype it as a date")],
          [`AND(${x.en}<>"",NOT(ISNUMBER(${x.en})))`, str("Claim-to date is text, not a date: retype it as a date")],
          [`AND(ISNUMBER(${x.st}),ISNUMBER(${x.en}),${x.en}<${x.st})`, str("Claim-to date is before the claim-from date")],
          [`AND(ISNUMBER(${x.m}),${x.m}=0,NOT(AND(ISNUMBER(${x.st}),ISNUMBER(${x.en}),${x.en}<${x.st})))`, str(`The claim dates are outside ${y.year}`)],
          [`AND(${post},${x.sal}="")`, str("Enter the salary")],
          [`AND(${post},${x.sal}<>"",NOT(ISNUMBER(${x.sal})))`, str("Salary is text, not a number: retype it")],
          [`AND(${post},ISNUMBER(${x.sal}),${x.sal}<0)`, str("Salary is negative")],
          [`AND(${post},${x.wte}="")`, str("Enter the WTE")],
          [`AND(${post},${x.wte}<>"",NOT(ISNUMBER(${x.wte})))`, str("WTE is text, not a number: retype it")],
          [`AND(${post},ISNUMBER(${x.wte}),OR(${x.wte}<=0,${x.wte}>1))`, str("WTE must be more than 0 and at most 1")],
          [`AND(${x.route}=${str(NEW_GP)},${x.emp}="Yes")`, str("Not a new GP: employed by the practice in the 12 months before (other than as absence cover)")],
          [`AND(ISNUMBER(${x.cost}),ISNUMBER(${x.cap}),${x.cost}>${x.cap})`, str("Cost is above the cap for this WTE: the claim is limited to the cap")],
          [`AND(${post},${capRateF(x)}="")`, str("The cap is not known: enter it on the Rates sheet")],
          [`AND(${ses},${x.pay}="")`, str("Enter the pay per extra hour")],
          [`AND(${ses},${x.pay}<>"",NOT(ISNUMBER(${x.pay})))`, str("Pay per hour is text, not a number: retype it")],
          [`AND(${ses},ISNUMBER(${x.pay}),${x.pay}<0)`, str("Pay per hour is negative")],
          [`AND(${ses},${x.eh}="")`, str("Enter the extra hours a week")],
          [`AND(${ses},${x.eh}<>"",NOT(ISNUMBER(${x.eh})))`, str("Extra hours is text, not a number: retype it")],
          [`AND(${ses},ISNUMBER(${x.eh}),${x.eh}<0)`, str("Extra hours is negative")],
          [`AND(${ses},${x.sb}="")`, str("Enter the sessions a week before the increase")],
          [`AND(${ses},${x.sb}<>"",NOT(ISNUMBER(${x.sb})))`, str("Sessions before is text, not a number: retype it")],
          [`AND(${ses},ISNUMBER(${x.sb}),${max}<>"",${x.sb}>=${max})`, `"Not eligible: already on "&${max}&" or more sessions a week"`],
          [`AND(${ses},${x.es}<>"",NOT(ISNUMBER(${x.es})))`, str("Extra sessions is text, not a number: retype it")],
          [`AND(${ses},ISNUMBER(${x.sb}),ISNUMBER(${x.es}),${max}<>"",${x.sb}+${x.es}>${max})`, `"More than "&${max}&" sessions a week in all: only sessions up to "&${max}&" can be claimed"`],
          [`AND(ISNUMBER(${x.hc}),ISNUMBER(${hcap}),${x.hc}>${hcap})`, str("Hourly cost is above the cap per hour: the claim is limited to the cap")],
          [`AND(${ses},OR(${hcap}="",Rate_${R.sessionNi}=""))`, str("A scheme figure is not known: enter it on the Rates sheet")],
        ], `"OK"`);
      },
      (r, env) => (blank(r.ref) ? "" : problems(r, env).join("; ") || "OK"), { width: 44, name: "Check" }),
  ];
  const rows: RowValues[] = (ctx.data?.gpScheme?.claims ?? []).map((k) => ({
    ref: k.ref, practice: k.practice, gp: k.gp, route: k.route, area: k.area, employedBefore: k.employedBefore, start: k.start, end: k.end ?? null,
    salary: k.salary ?? null, wte: k.wte ?? null, sessionsBefore: k.sessionsBefore ?? null, extraSessions: k.extraSessions ?? null, extraHours: k.extraHours ?? null, hourlyPay: k.hourlyPay ?? null,
  }));
  return {
    key: "gpClaims",
    name: ctx.sheetName("gpClaims"),
    title: "GP scheme claims",
    rows,
    freeze: { rows: 1, cols: 2 },
    table: {
      columns: cols,
      keyColumns: ["ref"],
      spareRows: 15,
      namePrefix: G,
      tableName: "PCN_GpClaims",
      conditionalFormats: (col) => rag(col("check"), (r) => `${r}="OK"`),
    },
  };
}

/** Red where a Check names a problem, amber for `amber`, green for OK. */
function rag(range: import("../plan").RangeRef, green: (ref: string) => string, amber?: (ref: string) => string) {
  const r = `${colLetter(range.col)}${range.row + 1}`;
  return [
    { range, formula: `=AND(${r}<>"",LEFT(${r},2)<>"OK")`, fill: COLOURS.red, font: COLOURS.redFont },
    ...(amber ? [{ range, formula: `=${amber(r)}`, fill: COLOURS.amber, font: COLOURS.amberFont }] : []),
    { range, formula: `=${green(r)}`, fill: COLOURS.green, font: COLOURS.greenFont },
  ];
}

export function gpSchemeSpec(ctx: SpecCtx): SheetSpec | null {
  const y = ctx.year;
  if (!hasGpScheme(y)) return null;
  const P = "Gp_";
  const per = `Rate_${R.perAdjusted}`;
  const entitlement = (r: RowValues, env: Env): Value => {
    if (blank(r.practice)) return "";
    if (blank(rate(env, R.perAdjusted))) return "Rate unknown";
    if (!isNum(r.adjusted)) return "Enter the population";
    return round2(r.adjusted * num(rate(env, R.perAdjusted)));
  };
  const available = (r: RowValues, env: Env): Value => {
    const e = entitlement(r, env);
    return blank(r.practice) ? "" : isNum(e) ? round2(e + num(r.transfer)) : e;
  };
  const claimed = (r: RowValues, env: Env): Value => {
    if (blank(r.practice)) return "";
    const pr = env.column("GpClaim_Practice"), cl = env.column("GpClaim_Claim");
    return pr.reduce<number>((a, p, i) => a + (cellEq(p, r.practice) && isNum(cl[i]) ? (cl[i] as number) : 0), 0);
  };
  const headroom = (r: RowValues, env: Env): Value => {
    const a = available(r, env);
    return blank(r.practice) ? "" : isNum(a) ? round2(a - (claimed(r, env) as number)) : a;
  };
  const leftOut = (r: RowValues, env: Env) => {
    const pr = env.column("GpClaim_Practice"), cl = env.column("GpClaim_Claim");
    return pr.filter((p, i) => cellEq(p, r.practice) && (GP_LEFT_OUT as readonly Value[]).includes(cl[i])).length;
  };
  const status = (r: RowValues, env: Env): Value => {
    if (blank(r.practice)) return "";
    const out: string[] = [];
    if (matchIn(env.column("Practice_Name"), r.practice) < 0) out.push("Practice not on the Practices sheet");
    if (!blank(r.adjusted) && !isNum(r.adjusted)) out.push("Population is text, not a number: retype it");
    if (!blank(r.transfer) && !isNum(r.transfer)) out.push("Transfer is text, not a number: retype it");
    const a = available(r, env), h = headroom(r, env);
    if (a === "Rate unknown") out.push("The rate per adjusted patient is not known: enter it on the Rates sheet");
    if (a === "Enter the population") out.push("Enter the practice's adjusted population");
    if (isNum(a) && a < 0) out.push("More entitlement transferred out than the practice has");
    if (isNum(h) && h < 0) out.push("Over-claimed: claims exceed the entitlement available");
    const n = leftOut(r, env);
    if (n > 0) out.push(`${n} ${n === 1 ? "claim is" : "claims are"} not counted (see GP Scheme Claims)`);
    if (out.length) return out.join("; ");
    return h === 0 ? "OK: fully claimed" : "OK: entitlement left to claim";
  };
  const cols: ColumnSpec[] = [
    inp("practice", "Practice", "text", { listName: "Practice_Name", width: 26, name: "Practice" }),
    inp("adjusted", "Practice adjusted population (as in CQRS Local; starts as the Practices sheet's)", "number", {
      min: 0, width: 16, name: "Adjusted",
      seed: (c) => `=IF(${c.ref("practice")}="","",IFERROR(INDEX(Practice_Adjusted,MATCH(${c.ref("practice")},Practice_Name,0)),""))`,
    }),
    calc("entitlement", "Entitlement (£)", "money",
      (c) => `=IF(${c.ref("practice")}="","",IF(${per}="","Rate unknown",IF(NOT(ISNUMBER(${c.ref("adjusted")})),"Enter the population",ROUND(${c.ref("adjusted")}*${per},2))))`,
      (r, env) => entitlement(r, env), { width: 14, name: "Entitlement" }),
    inp("transfer", "Entitlement transferred in (+) or out (-) (£, agreed in writing with the ICB)", "money", { width: 16, name: "Transfer" }),
    calc("available", "Available to claim (£)", "money",
      (c) => `=IF(${c.ref("practice")}="","",IF(ISNUMBER(${c.ref("entitlement")}),ROUND(${c.ref("entitlement")}+N(${c.ref("transfer")}),2),${c.ref("entitlement")}))`,
      (r, env) => available(r, env), { width: 14, name: "Available" }),
    // A practice's claims: one SUMIF over the claims (a PCN has a handful of practices).
    calc("claimed", "Claims this year (£)", "money",
      (c) => `=IF(${c.ref("practice")}="","",SUMIF(GpClaim_Practice,${c.ref("practice")},GpClaim_Claim))`,
      (r, env) => claimed(r, env), { width: 14, name: "Claimed" }),
    calc("headroom", "Headroom (£)", "money",
      (c) => `=IF(${c.ref("practice")}="","",IF(ISNUMBER(${c.ref("available")}),ROUND(${c.ref("available")}-${c.ref("claimed")},2),${c.ref("available")}))`,
      (r, env) => headroom(r, env), { width: 14, name: "Headroom" }),
    calc("status", "Check", "text",
      (c) => {
        const p = c.ref("practice"), adj = c.ref("adjusted"), t = c.ref("transfer"), a = c.ref("available"), h = c.ref("headroom");
        const left = GP_LEFT_OUT.map((s) => `COUNTIFS(GpClaim_Practice,${p},GpClaim_Claim,"${s}")`).join("+");
        return checkF(p, [
          [`ISNA(MATCH(${p},Practice_Name,0))`, str("Practice not on the Practices sheet")],
          [`AND(${adj}<>"",NOT(ISNUMBER(${adj})))`, str("Population is text, not a number: retype it")],
          [`AND(${t}<>"",NOT(ISNUMBER(${t})))`, str("Transfer is text, not a number: retype it")],
          [`${a}="Rate unknown"`, str("The rate per adjusted patient is not known: enter it on the Rates sheet")],
          [`${a}="Enter the population"`, str("Enter the practice's adjusted population")],
          [`AND(ISNUMBER(${a}),${a}<0)`, str("More entitlement transferred out than the practice has")],
          [`AND(ISNUMBER(${h}),${h}<0)`, str("Over-claimed: claims exceed the entitlement available")],
          [`${left}>0`, `${left}&IF(${left}=1," claim is"," claims are")&" not counted (see GP Scheme Claims)"`],
        ], `IF(${h}=0,"OK: fully claimed","OK: entitlement left to claim")`);
      },
      (r, env) => status(r, env), { width: 44, name: "Status" }),
  ];
  const rows: RowValues[] = (ctx.data?.practices ?? []).map((p) => ({
    practice: p.name, adjusted: null,
    transfer: ctx.data?.gpScheme?.transfers.filter((t) => cellEq(t.practice, p.name)).reduce((a, t) => a + t.amount, 0) || null,
  }));

  return {
    key: "gpScheme",
    name: ctx.sheetName("gpScheme"),
    title: `GP reimbursement scheme ${y.year}`,
    rows,
    freeze: { rows: 1, cols: 1 },
    table: {
      columns: cols,
      keyColumns: ["practice"],
      spareRows: 6,
      namePrefix: P,
      tableName: "PCN_GpScheme",
      conditionalFormats: (col) => rag(col("status"), (r) => `${r}="OK: fully claimed"`, (r) => `${r}="OK: entitlement left to claim"`),
    },
  };
}

/** Rows of the summary the Check register points at (0-based): the year's figures from row 1, the transfer check. */
export const GP_FIGURES_ROW = 1;
export const TRANSFER_ROW = 11;

/**
 * The year's figures (with their sources and the revision in force) and the PCN's totals, on their own sheet so
 * rows inserted in the tables never move them. Transfers between practices must net to zero.
 */
export function gpSummarySpec(ctx: SpecCtx): SheetSpec | null {
  const y = ctx.year;
  if (!hasGpScheme(y)) return null;
  const P = "Gp_";
  const H = (t: string) => label(t, { bold: true, fill: COLOURS.title });
  const figure = (key: string, text: string, format: string): (ReportCell | null)[] => {
    const r = getRate(y, key);
    const rev = r.revision ? (y.revisions ?? []).find((x) => x.id === r.revision) : undefined;
    const was = r.replaced?.[0];
    const shown = rev && was ? `Revised: ${rev.label}; it replaced ${was.value === null ? "an unknown figure" : String(was.value)}${rev.backdated ? `, backdated to ${rev.from.split("-").reverse().join("/")}` : ""}. ` : "";
    return [
      label(text),
      fcell(`=IF(Rate_${key}="","unknown",Rate_${key})`, (env) => (blank(rate(env, key)) ? "unknown" : rate(env, key)), { format }),
      label(`${shown}${r.value === null ? "Not known: " : ""}${r.source}${r.note ? ` Note: ${r.note}` : ""}`),
    ];
  };
  const sumCol = (name: string) => (env: Env) => sumNums(env.column(name));
  const leftOutAll = (env: Env) => countIf(env.column("GpClaim_Claim"), (v) => (GP_LEFT_OUT as readonly Value[]).includes(v));
  const leftF = GP_LEFT_OUT.map((s) => `COUNTIF(GpClaim_Claim,"${s}")`).join("+");
  const transferNet = (env: Env) => round2(sumNums(env.column(`${P}Transfer`)));
  const rep: (ReportCell | null)[][] = [
    [H(`GP reimbursement scheme ${y.year}: paid to each practice (not PCN income)`), H(""), H("Source")],
    figure(R.perAdjusted, "Entitlement per practice adjusted patient (£)", FORMATS.rate),
    figure(R.newGpCap, "Cap a year per WTE for a new salaried GP (£)", FORMATS.money),
    figure(R.newGpCapLondon, "The same with London weighting (£)", FORMATS.money),
    figure(R.hourlyCap, "Cap per hour for extra sessions of a salaried GP (£)", FORMATS.money),
    figure(R.maxSessions, "Most sessions a week, with the extra sessions", FORMATS.integer),
    figure(R.sessionNi, "Employer NI on the pay for extra sessions", FORMATS.rate),
    [label("Claims are made through CQRS Local and approved by the ICB, for the salaried GP costs of the year. Practices of the PCN may transfer entitlement to each other by writing to the ICB."), null, null],
    [null, null, null],
    [H("PCN totals"), H("£"), H("")],
    [label("Entitlement of all practices"), fcell(`=SUM(${P}Entitlement)`, sumCol(`${P}Entitlement`), { format: FORMATS.money, name: "Gp_TotalEntitlement" }),
      fcell(`=IF(COUNTIF(${P}Entitlement,"Rate unknown")+COUNTIF(${P}Entitlement,"Enter the population")>0,"Incomplete: "&(COUNTIF(${P}Entitlement,"Rate unknown")+COUNTIF(${P}Entitlement,"Enter the population"))&" practice(s) without an entitlement","")`,
        (env) => { const n = countIf(env.column(`${P}Entitlement`), (v) => v === "Rate unknown" || v === "Enter the population"); return n > 0 ? `Incomplete: ${n} practice(s) without an entitlement` : ""; })],
    [label("Transfers between practices (must net to £0)"), fcell(`=ROUND(SUM(${P}Transfer),2)`, transferNet, { format: FORMATS.money, name: "Gp_TransferNet" }),
      fcell(`=IF(ABS(Gp_TransferNet)>0.005,"Transfers do not net to zero: every amount transferred out must be transferred in","OK")`, (env) => (Math.abs(transferNet(env)) > 0.005 ? "Transfers do not net to zero: every amount transferred out must be transferred in" : "OK"), { name: "Gp_TransferCheck" })],
    [label("Claims this year"), fcell(`=SUM(GpClaim_Claim)`, sumCol("GpClaim_Claim"), { format: FORMATS.money, name: "Gp_TotalClaimed" }),
      fcell(`=IF(Gp_ClaimsLeftOut>0,"Incomplete: "&Gp_ClaimsLeftOut&IF(Gp_ClaimsLeftOut=1," claim"," claims")&" left out","")`, (env) => { const n = leftOutAll(env); return n > 0 ? `Incomplete: ${n}${n === 1 ? " claim" : " claims"} left out` : ""; })],
    [label("Headroom of all practices"), fcell(`=SUM(${P}Headroom)`, sumCol(`${P}Headroom`), { format: FORMATS.money }), null],
    [label("Claims left out (amount not worked out: see their Check)"), fcell(`=${leftF}`, leftOutAll, { format: FORMATS.integer, name: "Gp_ClaimsLeftOut" }), null],
  ];
  const tc = { row: TRANSFER_ROW, col: 2, rows: 1, cols: 1 };
  return {
    key: "gpSummary",
    name: ctx.sheetName("gpSummary"),
    title: `GP reimbursement scheme summary ${y.year}`,
    reports: [{
      col: 0, rows: rep, widths: [50, 14, 80],
      conditionalFormats: [
        { range: tc, formula: `=${colLetter(tc.col)}${tc.row + 1}<>"OK"`, fill: COLOURS.red, font: COLOURS.redFont },
        { range: tc, formula: `=${colLetter(tc.col)}${tc.row + 1}="OK"`, fill: COLOURS.green, font: COLOURS.greenFont },
      ],
    }],
  };
}
