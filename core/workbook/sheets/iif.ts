import type { Env, FormulaCtx, RowValues, SheetSpec, Value } from "../spec";
import { COLOURS } from "../spec";
import { blank, calc, checkF, inp, isNum, matchIn, num, str, xround, type SpecCtx, checkRag } from "./common";
import { colLetter } from "../plan";

/** Points earned on the linear scale, as a formula: a = achievement, p = points available, lo/up = thresholds. */
const earnedF = (a: string, p: string, lo: string, up: string) =>
  `IF(OR(NOT(ISNUMBER(${a})),${p}="",${lo}="",${up}=""),"",IF(${lo}>${up},"Lower above upper",IF(${a}>=${up},${p},IF(${a}<=${lo},0,${p}*(${a}-${lo})/(${up}-${lo})))))`;
/** The core's side of earnedF. */
function earnedC(a: Value, p: Value, lo: Value, up: Value): Value {
  if (!isNum(a) || blank(p) || blank(lo) || blank(up)) return "";
  if (!isNum(p) || !isNum(lo) || !isNum(up)) return "";
  if (lo > up) return "Lower above upper";
  return a >= up ? p : a <= lo ? 0 : (p * (a - lo)) / (up - lo);
}

/**
 * IIF indicators for the year: thresholds and points from the rates book (blank where not known), the PCN's
 * numerator, denominator and personalised care adjustments, and the adjustments the PCN is told by its ICB.
 * Achievement, points, value and patients still needed follow the core's IIF rules (core/funding/iif.ts).
 */
export function iifSpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const ach = (r: RowValues): Value => {
    if (blank(r.code) || !isNum(r.numerator) || !isNum(r.denominator)) return "";
    const eligible = r.denominator - num(r.pcas);
    return eligible <= 0 ? "No eligible patients" : r.numerator / eligible;
  };
  const earned = (r: RowValues): Value => earnedC(ach(r), r.points, r.lower, r.upper);
  const rows: RowValues[] = y.iif.indicators.map((i) => {
    const d = ctx.data?.iif?.find((x) => x.code === i.code);
    return {
      code: i.code, description: i.description, points: i.points, lower: i.lower, upper: i.upper,
      numerator: d?.numerator ?? null, denominator: d?.denominator ?? null, pcas: d?.pcas ?? null,
      lsa: d?.listSizeAdjustment ?? null, pa: d?.prevalenceAdjustment ?? null,
      source: `${i.source} (confidence: ${i.confidence})${i.note ? ` Note: ${i.note}` : ""}`,
    };
  });
  // The data file owns the figures it gives, for the indicators it names; points and thresholds are the year's.
  const given = new Set((ctx.data?.iif ?? []).map((x) => x.code));
  return {
    key: "iif",
    name: ctx.sheetName("iif"),
    title: `IIF ${y.year}`,
    rows,
    owned: ctx.data ? { fields: ["numerator", "denominator", "pcas", "lsa", "pa"], record: (r) => typeof r.code === "string" && given.has(r.code) } : undefined,
    freeze: { rows: 1, cols: 1 },
    table: {
      keyColumns: ["code"],
      spareRows: 5,
      namePrefix: "Iif_",
      tableName: "PCN_Iif",
      columns: [
        inp("code", "Indicator", "text", { width: 10, name: "Code" }),
        inp("description", "What it measures", "longtext", { width: 40 }),
        inp("points", "Points available", "number", { min: 0, width: 9, name: "Points" }),
        inp("lower", "Lower threshold", "percent", { min: 0, max: 1, width: 9, name: "Lower" }),
        inp("upper", "Upper threshold", "percent", { min: 0, max: 1, width: 9, name: "Upper" }),
        inp("numerator", "Numerator", "integer", { min: 0, width: 10 }),
        inp("denominator", "Denominator", "integer", { min: 0, width: 11 }),
        inp("pcas", "Personalised care adjustments", "integer", { min: 0, width: 13 }),
        inp("lsa", "List-size adjustment (from ICB)", "number", { min: 0, width: 12 }),
        inp("pa", "Prevalence adjustment (from ICB)", "number", { min: 0, width: 12 }),
        calc("achievement", "Achievement", "percent",
          (c) => `=IF(OR(${c.ref("code")}="",${c.ref("numerator")}="",${c.ref("denominator")}=""),"",IF(${c.ref("denominator")}-N(${c.ref("pcas")})<=0,"No eligible patients",${c.ref("numerator")}/(${c.ref("denominator")}-N(${c.ref("pcas")}))))`,
          (r) => ach(r), { width: 11 }),
        calc("earned", "Points earned", "number",
          (c) => `=${earnedF(c.ref("achievement"), c.ref("points"), c.ref("lower"), c.ref("upper"))}`,
          (r) => earned(r), { width: 9 }),
        calc("value", "Value (£)", "money",
          (c) => {
            const e = c.ref("earned");
            return `=IF(NOT(ISNUMBER(${e})),"",IF(Rate_iifPoundsPerPoint="","£ per point unknown",IF(OR(${c.ref("lsa")}="",${c.ref("pa")}=""),"Enter adjustments",ROUND(${e}*Rate_iifPoundsPerPoint*${c.ref("lsa")}*${c.ref("pa")},2))))`;
          },
          (r, env) => {
            const e = earned(r);
            if (!isNum(e)) return "";
            const ppp = env.cell("Rate_iifPoundsPerPoint");
            if (blank(ppp)) return "£ per point unknown";
            if (blank(r.lsa) || blank(r.pa)) return "Enter adjustments";
            return xround(e * num(ppp) * num(r.lsa) * num(r.pa), 2);
          }, { width: 12, name: "Value" }),
        calc("needed", "Patients still needed for the upper threshold", "integer",
          (c) => {
            const a = c.ref("achievement");
            return `=IF(OR(NOT(ISNUMBER(${a})),${c.ref("upper")}=""),"",MAX(0,ROUNDUP(ROUND(${c.ref("upper")}*(${c.ref("denominator")}-N(${c.ref("pcas")}))-${c.ref("numerator")},9),0)))`;
          },
          (r) => {
            const a = ach(r);
            if (!isNum(a) || !isNum(r.upper)) return "";
            return Math.max(0, Math.ceil(xround(r.upper * (num(r.denominator) - num(r.pcas)) - num(r.numerator), 9)));
          }, { width: 14 }),
        inp("source", "Source of points and thresholds", "longtext", { width: 50 }),
      ],
      conditionalFormats: (col) =>
        (["points", "lower", "upper"] as const).map((k) => {
          const r = col(k);
          return { range: r, formula: `=AND($A${r.row + 1}<>"",${colLetter(r.col)}${r.row + 1}="")`, fill: COLOURS.unknown };
        }),
    },
  };
}

/**
 * IIF by Practice: each practice's numerator, denominator and personalised care adjustments per indicator, and
 * the points it achieves on the IIF sheet's scale for that indicator. The Distribution sheet's "IIF points
 * achieved" and "Weighted points" methods share IIF money by these points.
 */
export function iifPracticesSpec(ctx: SpecCtx): SheetSpec {
  const rows: RowValues[] = [];
  for (const i of ctx.data?.iif ?? []) for (const p of i.practices ?? []) rows.push({ code: i.code, practice: p.practice, numerator: p.numerator ?? null, denominator: p.denominator ?? null, pcas: p.pcas ?? null });
  const codeAt = (r: RowValues, env: Env) => matchIn(env.column("Iif_Code"), r.code);
  const ach = (r: RowValues): Value => {
    if (blank(r.code) || !isNum(r.numerator) || !isNum(r.denominator)) return "";
    const eligible = r.denominator - num(r.pcas);
    return eligible <= 0 ? "No eligible patients" : r.numerator / eligible;
  };
  const points = (r: RowValues, env: Env): Value => {
    if (blank(r.code) || blank(r.practice)) return "";
    const i = codeAt(r, env);
    if (i < 0) return "";
    const at = (name: string) => env.column(name)[i] ?? null;
    return earnedC(ach(r), at("Iif_Points"), at("Iif_Lower"), at("Iif_Upper"));
  };
  const problems = (r: RowValues, env: Env): string[] => {
    const out: string[] = [];
    const i = codeAt(r, env);
    if (i < 0) out.push("Indicator not on the IIF sheet");
    if (blank(r.practice)) out.push("Choose the practice");
    else if (matchIn(env.column("Practice_Name"), r.practice) < 0) out.push("Practice not on the Practices sheet");
    if (blank(r.numerator) || blank(r.denominator)) out.push("Enter the numerator and denominator");
    if ((!blank(r.numerator) && !isNum(r.numerator)) || (!blank(r.denominator) && !isNum(r.denominator)) || (!blank(r.pcas) && !isNum(r.pcas))) out.push("A count is text, not a number: retype it");
    const a = ach(r);
    if (a === "No eligible patients") out.push("No eligible patients (denominator minus PCAs)");
    if (isNum(a) && a > 1) out.push("The numerator is more than the eligible patients");
    if (i >= 0 && ["Iif_Points", "Iif_Lower", "Iif_Upper"].some((n) => blank(env.column(n)[i]))) out.push(`Points or thresholds of ${String(r.code)} are not known: enter them on the IIF sheet`);
    return out;
  };
  const m = (c: FormulaCtx) => `MATCH(${c.ref("code")},Iif_Code,0)`;
  return {
    key: "iifPractices",
    name: ctx.sheetName("iifPractices"),
    title: "IIF by practice",
    rows,
    owned: ctx.data ? {} : undefined,
    freeze: { rows: 1, cols: 2 },
    table: {
      keyColumns: ["code", "practice"],
      spareRows: 12,
      namePrefix: "IifP_",
      tableName: "PCN_IifPractices",
      columns: [
        inp("code", "Indicator", "text", { listName: "Iif_Code", width: 10, name: "Code" }),
        inp("practice", "Practice", "text", { listName: "Practice_Name", width: 26, name: "Practice" }),
        inp("numerator", "Numerator", "integer", { min: 0, width: 10 }),
        inp("denominator", "Denominator", "integer", { min: 0, width: 11 }),
        inp("pcas", "Personalised care adjustments", "integer", { min: 0, width: 13 }),
        calc("achievement", "Achievement", "percent",
          (c) => `=IF(OR(${c.ref("code")}="",NOT(ISNUMBER(${c.ref("numerator")})),NOT(ISNUMBER(${c.ref("denominator")}))),"",IF(${c.ref("denominator")}-N(${c.ref("pcas")})<=0,"No eligible patients",${c.ref("numerator")}/(${c.ref("denominator")}-N(${c.ref("pcas")}))))`,
          (r) => ach(r), { width: 11 }),
        calc("points", "Points achieved (on the IIF sheet's scale)", "number",
          (c) => `=IF(OR(${c.ref("code")}="",${c.ref("practice")}="",ISNA(${m(c)})),"",${earnedF(c.ref("achievement"), `INDEX(Iif_Points,${m(c)})`, `INDEX(Iif_Lower,${m(c)})`, `INDEX(Iif_Upper,${m(c)})`)})`,
          points, { width: 12, name: "Points" }),
        calc("check", "Check", "text",
          (c) => {
            const cd = c.ref("code"), pr = c.ref("practice"), n = c.ref("numerator"), d = c.ref("denominator"), pc = c.ref("pcas"), a = c.ref("achievement");
            return checkF(cd, [
              [`ISNA(${m(c)})`, str("Indicator not on the IIF sheet")],
              [`${pr}=""`, str("Choose the practice")],
              [`AND(${pr}<>"",ISNA(MATCH(${pr},Practice_Name,0)))`, str("Practice not on the Practices sheet")],
              [`OR(${n}="",${d}="")`, str("Enter the numerator and denominator")],
              [`OR(AND(${n}<>"",NOT(ISNUMBER(${n}))),AND(${d}<>"",NOT(ISNUMBER(${d}))),AND(${pc}<>"",NOT(ISNUMBER(${pc}))))`, str("A count is text, not a number: retype it")],
              [`${a}="No eligible patients"`, str("No eligible patients (denominator minus PCAs)")],
              [`AND(ISNUMBER(${a}),N(${a})>1)`, str("The numerator is more than the eligible patients")],
              [`IF(ISNA(${m(c)}),FALSE,OR(INDEX(Iif_Points,${m(c)})="",INDEX(Iif_Lower,${m(c)})="",INDEX(Iif_Upper,${m(c)})=""))`, `"Points or thresholds of "&${cd}&" are not known: enter them on the IIF sheet"`],
            ]);
          },
          (r, env) => (blank(r.code) ? "" : problems(r, env).join("; ") || "OK"), { width: 44, name: "Check" }),
      ],
      conditionalFormats: (col) => checkRag(col("check")),
    },
  };
}
