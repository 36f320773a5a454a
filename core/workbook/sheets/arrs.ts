import { AREA_LABELS } from "../../rates/book";
import { colLetter, isoToSerial } from "../plan";
import { COLOURS, FORMATS, type ColumnSpec, type ReportCell, type RowValues, type SheetSpec, type Value } from "../spec";
import { blank, calc, countIf, fcell, inp, isNum, label, num, sumNums, xround, type SpecCtx } from "./common";
import { monthLabels } from "./funding";

export interface MonthWindow { start: number; end: number; days: number; period: number }

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

const dateF = (serial: number) => {
  const d = new Date(Date.UTC(1899, 11, 30) + serial * 86400000);
  return `DATE(${d.getUTCFullYear()},${d.getUTCMonth() + 1},${d.getUTCDate()})`;
};

export function arrsSpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const months = yearMonths(ctx);
  const labels = monthLabels(y);
  const roles = y.arrs.roles.map((r) => r.role);
  const A = "Arrs_";
  // On-costs with the Rates sheet's figures (which a person may correct), as the formula does.
  const oncosts = (r: RowValues, env: import("../spec").Env): Value => {
    if (blank(r.ref) || blank(r.salary)) return "";
    const ni = num(env.cell("Rate_employerNiRate"));
    const th = num(env.cell("Rate_employerNiThreshold"));
    const pen = num(env.cell("Rate_employerPensionRate"));
    return xround(Math.max(0, num(r.salary) - th) * ni, 2) + xround(num(r.salary) * pen, 2);
  };
  const costUsed = (r: RowValues, env: import("../spec").Env): Value =>
    blank(r.ref) ? "" : !blank(r.annualCost) ? r.annualCost : blank(r.salary) ? "" : num(r.salary) + (oncosts(r, env) as number);
  const monthClaim = (r: RowValues, env: import("../spec").Env, m: MonthWindow): Value => {
    const cu = costUsed(r, env);
    if (blank(r.ref) || blank(cu) || blank(r.wte) || blank(r.start)) return "";
    const start = num(r.start);
    const end = blank(r.end) ? null : num(r.end);
    if (start > m.end || (end !== null && end < m.start)) return 0;
    const key = `${String(r.role ?? "").toLowerCase()}|${String(blank(r.area) ? "national" : r.area).toLowerCase()}`;
    const i = env.column("ArrsMax_Key").findIndex((k) => k === key);
    if (i < 0) return "role?";
    const max = env.column(`ArrsMax_P${m.period}`)[i];
    if (!isNum(max)) return "max?";
    const days = Math.min(end ?? m.end, m.end) - Math.max(start, m.start) + 1;
    return xround(((Math.min(num(cu), max) * num(r.wte)) / 12) * days / m.days, 2);
  };
  const monthCols: ColumnSpec[] = months.map((m, i) =>
    calc(`m${i + 1}`, `Claim ${labels[i]} (£)`, "money",
      (c) => {
        const ref = c.ref("ref"), cu = c.ref("costUsed"), wte = c.ref("wte"), st = c.ref("start"), en = c.ref("end");
        const key = `LOWER(${c.ref("role")})&"|"&LOWER(IF(${c.ref("area")}="","national",${c.ref("area")}))`;
        const ms = dateF(m.start), me = dateF(m.end);
        const max = `INDEX(ArrsMax_P${m.period},MATCH(${key},ArrsMax_Key,0))`;
        return `=IF(OR(${ref}="",${cu}="",${wte}="",${st}=""),"",IF(OR(${st}>${me},AND(${en}<>"",${en}<${ms})),0,IF(ISNA(MATCH(${key},ArrsMax_Key,0)),"role?",IF(ISNUMBER(${max}),ROUND(MIN(${cu},${max})*${wte}/12*(MIN(IF(${en}="",${me},${en}),${me})-MAX(${st},${ms})+1)/${m.days},2),"max?"))))`;
      },
      (r, env) => monthClaim(r, env, m), { name: `M${i + 1}`, width: 12 }));
  const span = (c: import("../spec").FormulaCtx) => c.span("m1", "m12");
  const lastPeriod = y.arrs.periods.length;
  const lp = y.arrs.periods[lastPeriod - 1];
  const lastPeriodLabel = `${lp.slice(8, 10)}/${lp.slice(5, 7)}/${lp.slice(0, 4)}`;
  const cols: ColumnSpec[] = [
    inp("ref", "Post ref", "text", { width: 9, name: "Ref" }),
    inp("staffName", "Staff member", "text", { width: 20 }),
    inp("role", "Role", "choice", { choices: roles, width: 30, name: "Role" }),
    inp("band", "Band", "text", { width: 7 }),
    inp("area", "Area", "choice", { choices: [...AREA_LABELS], width: 13 }),
    inp("wte", "WTE", "number", { min: 0, max: 2, width: 7, name: "Wte" }),
    inp("start", "Start", "date", { name: "Start" }),
    inp("end", "End", "date", { name: "End" }),
    inp("hostPractice", "Employing practice", "text", { listName: "Practice_Name", width: 22 }),
    inp("salary", "Salary per WTE (£)", "money", { min: 0 }),
    inp("annualCost", "Annual cost per WTE incl. on-costs (£, if known)", "money", { min: 0, width: 18 }),
    calc("oncosts", "Employer on-costs per WTE (£)", "money",
      (c) => `=IF(OR(${c.ref("ref")}="",${c.ref("salary")}=""),"",ROUND(MAX(0,${c.ref("salary")}-Rate_employerNiThreshold)*Rate_employerNiRate,2)+ROUND(${c.ref("salary")}*Rate_employerPensionRate,2))`,
      (r, env) => oncosts(r, env), { width: 14 }),
    calc("costUsed", "Cost per WTE used (£)", "money",
      (c) => `=IF(${c.ref("ref")}="","",IF(${c.ref("annualCost")}<>"",${c.ref("annualCost")},IF(${c.ref("salary")}="","",${c.ref("salary")}+${c.ref("oncosts")})))`,
      (r, env) => costUsed(r, env), { width: 14 }),
    // The maximum in force at the end of the year (monthly claims use each month's own maximum).
    calc("roleMax", `Role maximum from ${lastPeriodLabel} (£ per WTE)`, "money",
      (c) => {
        const key = `LOWER(${c.ref("role")})&"|"&LOWER(IF(${c.ref("area")}="","national",${c.ref("area")}))`;
        return `=IF(OR(${c.ref("ref")}="",${c.ref("role")}=""),"",IF(ISNA(MATCH(${key},ArrsMax_Key,0)),"Unknown role",IF(ISNUMBER(INDEX(ArrsMax_P${lastPeriod},MATCH(${key},ArrsMax_Key,0))),INDEX(ArrsMax_P${lastPeriod},MATCH(${key},ArrsMax_Key,0)),"Not known")))`;
      },
      (r, env) => {
        if (blank(r.ref) || blank(r.role)) return "";
        const key = `${String(r.role).toLowerCase()}|${String(blank(r.area) ? "national" : r.area).toLowerCase()}`;
        const i = env.column("ArrsMax_Key").findIndex((k) => k === key);
        if (i < 0) return "Unknown role";
        const max = env.column(`ArrsMax_P${lastPeriod}`)[i];
        return isNum(max) ? max : "Not known";
      }, { width: 15 }),
    ...monthCols,
    calc("yearClaim", "Claimable this year (£)", "money",
      (c) => `=IF(${c.ref("ref")}="","",IF(COUNTIF(${span(c)},"max?")+COUNTIF(${span(c)},"role?")>0,"Maximum unknown",SUM(${span(c)})))`,
      (r, env) => {
        if (blank(r.ref)) return "";
        const ms = months.map((m) => monthClaim(r, env, m));
        return ms.some((v) => v === "max?" || v === "role?") ? "Maximum unknown" : sumNums(ms);
      }, { name: "YearClaim", width: 15 }),
    calc("sharesTotal", "Practice shares total", "percent",
      (c) => `=IF(${c.ref("ref")}="","",SUMIF(Share_Post,${c.ref("ref")},Share_Share))`,
      (r, env) => { if (blank(r.ref)) return ""; const posts = env.column("Share_Post"); const sh = env.column("Share_Share"); return posts.reduce<number>((a, p, i) => a + (p === r.ref ? num(sh[i]) : 0), 0); },
      { width: 10 }),
    calc("check", "Check", "text",
      (c) => {
        const s = span(c), t = c.ref("sharesTotal");
        return `=IF(${c.ref("ref")}="","",IF(COUNTIF(${s},"role?")>0,"Unknown role: choose one from the list",IF(COUNTIF(${s},"max?")>0,"Role maximum not known: enter it on the ARRS Rates sheet",IF(AND(${t}<>0,ABS(${t}-1)>0.0001),"Practice shares add to "&ROUND(${t}*100,1)&"%, not 100%","OK"))))`;
      },
      (r, env) => {
        if (blank(r.ref)) return "";
        const ms = months.map((m) => monthClaim(r, env, m));
        if (ms.includes("role?")) return "Unknown role: choose one from the list";
        if (ms.includes("max?")) return "Role maximum not known: enter it on the ARRS Rates sheet";
        const posts = env.column("Share_Post"); const sh = env.column("Share_Share");
        const t = posts.reduce<number>((a, p, i) => a + (p === r.ref ? num(sh[i]) : 0), 0);
        return t !== 0 && Math.abs(t - 1) > 0.0001 ? `Practice shares add to ${xround(t * 100, 1)}%, not 100%` : "OK";
      }, { name: "Check", width: 34 }),
  ];
  const rows: RowValues[] = (ctx.data?.arrsPosts ?? []).map((p) => ({
    ref: p.ref, staffName: p.name, role: p.role, band: p.band, area: p.area, wte: p.wte, start: p.start, end: p.end ?? null,
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
        const ch = col("check");
        const r = `${colLetter(ch.col)}${ch.row + 1}`;
        return [
          { range: ch, formula: `=AND(${r}<>"",${r}<>"OK")`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: ch, formula: `=${r}="OK"`, fill: COLOURS.green, font: COLOURS.greenFont },
        ];
      },
    },
  };
}

/** Allocation, committed claims, headroom and the underspend warning, with claims by month. */
export function arrsSummarySpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const labels = monthLabels(y);
  const A = "Arrs_";
  const R0 = 0;
  const H = (t: string) => label(t, { bold: true, fill: COLOURS.title });
  const alloc = (env: import("../spec").Env) => env.cell("Funding_ArrsAllocation");
  const committed = (env: import("../spec").Env) => sumNums(env.column(A + "YearClaim"));
  const headroom = (env: import("../spec").Env): Value => (isNum(alloc(env)) ? xround((alloc(env) as number) - committed(env), 2) : "Allocation unknown");
  const rep: (ReportCell | null)[][] = [
    [H(`ARRS ${y.year}`), H("£")],
    [label("Allocation (from Funding)"), fcell(`=Funding_ArrsAllocation`, alloc, { format: FORMATS.money })],
    [label("Committed claims this year"), fcell(`=SUM(${A}YearClaim)`, committed, { format: FORMATS.money, name: "Arrs_Committed" })],
    [label("Headroom (allocation minus committed)"), fcell(`=IF(ISNUMBER(Funding_ArrsAllocation),ROUND(Funding_ArrsAllocation-SUM(${A}YearClaim),2),"Allocation unknown")`, headroom, { format: FORMATS.money, name: "Arrs_Headroom" })],
    [label("Posts whose maximum is not known"), fcell(`=COUNTIF(${A}YearClaim,"Maximum unknown")`, (env) => countIf(env.column(A + "YearClaim"), (v) => v === "Maximum unknown"), { format: FORMATS.integer })],
    [label("Status"), fcell(
      `=IF(NOT(ISNUMBER(Arrs_Headroom)),"",IF(Arrs_Headroom<0,"Over-committed: claims exceed the allocation",IF(Arrs_Headroom>0.05*Funding_ArrsAllocation,"Underspend risk: unclaimed ARRS cannot be carried forward","On track")))`,
      (env) => { const h = headroom(env); if (!isNum(h)) return ""; return h < 0 ? "Over-committed: claims exceed the allocation" : h > 0.05 * num(alloc(env)) ? "Underspend risk: unclaimed ARRS cannot be carried forward" : "On track"; },
      { name: "Arrs_Status" })],
    [null, null],
    [H("Month"), H("Claims (£)")],
    ...labels.map((l, i) => [label(l), fcell(`=SUM(${A}M${i + 1})`, (env) => sumNums(env.column(`${A}M${i + 1}`)), { format: FORMATS.money })]),
  ];
  const statusRef = `$${colLetter(R0 + 1)}$6`;
  return {
    key: "arrsSummary",
    name: ctx.sheetName("arrsSummary"),
    title: "ARRS summary",
    reports: [{
      col: R0, rows: rep, widths: [38, 16],
      conditionalFormats: [
        { range: { row: 5, col: R0 + 1, rows: 1, cols: 1 }, formula: `=LEFT(${statusRef},4)="Over"`, fill: COLOURS.red, font: COLOURS.redFont },
        { range: { row: 5, col: R0 + 1, rows: 1, cols: 1 }, formula: `=LEFT(${statusRef},5)="Under"`, fill: COLOURS.amber, font: COLOURS.amberFont },
        { range: { row: 5, col: R0 + 1, rows: 1, cols: 1 }, formula: `=${statusRef}="On track"`, fill: COLOURS.green, font: COLOURS.greenFont },
      ],
    }],
  };
}

export function sharesSpec(ctx: SpecCtx): SheetSpec {
  const rows: RowValues[] = [];
  for (const p of ctx.data?.arrsPosts ?? []) for (const s of p.shares) rows.push({ post: p.ref, practice: s.practice, share: s.share });
  const claimOf = (r: RowValues, env: import("../spec").Env): Value => {
    if (blank(r.post) || blank(r.share)) return "";
    const i = env.column("Arrs_Ref").findIndex((x) => x === r.post);
    if (i < 0) return "Unknown post";
    const y = env.column("Arrs_YearClaim")[i];
    return isNum(y) ? xround(y * num(r.share), 2) : "";
  };
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
          (c) => `=IF(OR(${c.ref("post")}="",${c.ref("share")}=""),"",IFERROR(IF(ISNUMBER(INDEX(Arrs_YearClaim,MATCH(${c.ref("post")},Arrs_Ref,0))),ROUND(INDEX(Arrs_YearClaim,MATCH(${c.ref("post")},Arrs_Ref,0))*${c.ref("share")},2),""),"Unknown post"))`,
          claimOf, { width: 15 }),
      ],
    },
  };
}
