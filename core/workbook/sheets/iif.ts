import type { RowValues, SheetSpec, Value } from "../spec";
import { COLOURS } from "../spec";
import { blank, calc, inp, isNum, num, xround, type SpecCtx } from "./common";
import { colLetter } from "../plan";

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
  const earned = (r: RowValues): Value => {
    const a = ach(r);
    if (!isNum(a) || !isNum(r.points) || !isNum(r.lower) || !isNum(r.upper)) return "";
    if (r.lower > r.upper) return "Lower above upper";
    return a >= r.upper ? r.points : a <= r.lower ? 0 : (r.points * (a - r.lower)) / (r.upper - r.lower);
  };
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
        inp("points", "Points available", "number", { min: 0, width: 9 }),
        inp("lower", "Lower threshold", "percent", { min: 0, max: 1, width: 9 }),
        inp("upper", "Upper threshold", "percent", { min: 0, max: 1, width: 9 }),
        inp("numerator", "Numerator", "integer", { min: 0, width: 10 }),
        inp("denominator", "Denominator", "integer", { min: 0, width: 11 }),
        inp("pcas", "Personalised care adjustments", "integer", { min: 0, width: 13 }),
        inp("lsa", "List-size adjustment (from ICB)", "number", { min: 0, width: 12 }),
        inp("pa", "Prevalence adjustment (from ICB)", "number", { min: 0, width: 12 }),
        calc("achievement", "Achievement", "percent",
          (c) => `=IF(OR(${c.ref("code")}="",${c.ref("numerator")}="",${c.ref("denominator")}=""),"",IF(${c.ref("denominator")}-N(${c.ref("pcas")})<=0,"No eligible patients",${c.ref("numerator")}/(${c.ref("denominator")}-N(${c.ref("pcas")}))))`,
          (r) => ach(r), { width: 11 }),
        calc("earned", "Points earned", "number",
          (c) => {
            const a = c.ref("achievement"), p = c.ref("points"), lo = c.ref("lower"), up = c.ref("upper");
            return `=IF(OR(NOT(ISNUMBER(${a})),${p}="",${lo}="",${up}=""),"",IF(${lo}>${up},"Lower above upper",IF(${a}>=${up},${p},IF(${a}<=${lo},0,${p}*(${a}-${lo})/(${up}-${lo})))))`;
          },
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
