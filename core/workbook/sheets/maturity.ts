/**
 * The PCN maturity self-assessment: several people (board members, practice managers, the clinical director) each
 * score the five areas of NHS England's 2019 PCN maturity matrix; the sheet shows, per area, how many scored, the
 * median, the lowest and highest score and the spread between them (where views differ, talk it through).
 */
import { colLetter } from "../plan";
import { COLOURS, FORMATS, type Env, type ReportCell, type RowValues, type SheetSpec, type Value } from "../spec";
import { blank, calc, fcell, inp, isNum, label, type SpecCtx } from "./common";

/** The five areas of NHS England's PCN Maturity Matrix (2019), in its order (../shared/domain/reference.md 7.1). */
export const MATURITY_AREAS = [
  "Leadership, planning and partnerships",
  "Use of data and population health management",
  "Integrating care",
  "Managing resources",
  "Working with people and communities",
] as const;
/** The matrix's stages, scored 0 to 3. */
export const MATURITY_STAGES = ["Foundation", "Step 1", "Step 2", "Step 3"] as const;
/** A spread of this many stages or more between the lowest and highest score: views differ. */
export const SPREAD_TO_DISCUSS = 2;

export function median(xs: number[]): number | "" {
  if (!xs.length) return "";
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** "Step 1", or "Between Step 1 and Step 2" for a median halfway. */
export function stageOf(m: Value): string {
  if (!isNum(m)) return "";
  const lo = Math.floor(m);
  return m === lo ? MATURITY_STAGES[lo] ?? "" : `Between ${MATURITY_STAGES[lo] ?? ""} and ${MATURITY_STAGES[lo + 1] ?? ""}`;
}

export const MATURITY_FIRST_ROW = 4;

export function maturitySpec(ctx: SpecCtx): SheetSpec {
  const M = "Maturity_";
  const areaKeys = MATURITY_AREAS.map((_, i) => `a${i + 1}`);
  const cols = [
    inp("assessor", "Who scored", "text", { width: 22, name: "Assessor" }),
    inp("role", "Their role", "text", { width: 22 }),
    inp("date", "Date scored", "date"),
    ...MATURITY_AREAS.map((a, i) => inp(areaKeys[i], `${a} (0-3)`, "integer", { min: 0, max: 3, width: 14, name: `A${i + 1}` })),
    inp("comment", "Comment", "longtext", { width: 36 }),
    calc("average", "Their average", "score",
      (c) => { const s = c.span(areaKeys[0], areaKeys[areaKeys.length - 1]); return `=IF(OR(${c.ref("assessor")}="",COUNT(${s})=0),"",ROUND(AVERAGE(${s}),1))`; },
      (r) => { if (blank(r.assessor)) return ""; const v = areaKeys.map((k) => r[k]).filter(isNum); return v.length ? Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 10 + 1e-9) / 10 : ""; },
      { width: 10 }),
  ];
  const rows: RowValues[] = (ctx.data?.maturity ?? []).map((m) => {
    const r: RowValues = { assessor: m.assessor, role: m.role, date: m.date ?? null, comment: m.comment };
    areaKeys.forEach((k, i) => (r[k] = m.scores[i] ?? null));
    return r;
  });

  // ---- per area, beside the table ----
  const R0 = cols.length + 1;
  const H = (t: string) => label(t, { bold: true, fill: COLOURS.title });
  const scores = (env: Env, i: number) => env.column(`${M}A${i + 1}`).filter(isNum);
  const cell = (row: number, col: number) => `$${colLetter(R0 + col)}$${row + 1}`;
  const rep: (ReportCell | null)[][] = [
    [label("PCN maturity self-assessment", { bold: true }), null, null, null, null, null, null, null],
    [label(`Each person scores every area 0 to 3: ${MATURITY_STAGES.map((s, i) => `${i} ${s}`).join(", ")}. The five areas are those of NHS England's PCN Maturity Matrix (2019); the stage names are as PCN development papers describe the matrix (check the wording against NHS England's matrix).`), null, null, null, null, null, null, null],
    [label(`A spread of ${SPREAD_TO_DISCUSS} stages or more between the lowest and highest score means people see the network differently: talk it through before planning.`), null, null, null, null, null, null, null],
    [H("Area"), H("Scores"), H("Median"), H("Lowest"), H("Highest"), H("Spread"), H("Median stage"), H("Views")],
    ...MATURITY_AREAS.map((a, i): (ReportCell | null)[] => {
      const r = MATURITY_FIRST_ROW + i;
      const rng = `${M}A${i + 1}`;
      const none = `COUNT(${rng})=0`;
      return [
        label(a),
        fcell(`=COUNT(${rng})`, (env) => scores(env, i).length, { format: FORMATS.integer }),
        fcell(`=IF(${none},"",MEDIAN(${rng}))`, (env) => median(scores(env, i)), { format: "0.0", name: `Maturity_Median${i + 1}` }),
        fcell(`=IF(${none},"",MIN(${rng}))`, (env) => { const s = scores(env, i); return s.length ? Math.min(...s) : ""; }, { format: FORMATS.integer }),
        fcell(`=IF(${none},"",MAX(${rng}))`, (env) => { const s = scores(env, i); return s.length ? Math.max(...s) : ""; }, { format: FORMATS.integer }),
        fcell(`=IF(${none},"",MAX(${rng})-MIN(${rng}))`, (env) => { const s = scores(env, i); return s.length ? Math.max(...s) - Math.min(...s) : ""; }, { format: FORMATS.integer, name: `Maturity_Spread${i + 1}` }),
        fcell(`=IF(${cell(r, 2)}="","",IF(${cell(r, 2)}=INT(${cell(r, 2)}),INDEX({${MATURITY_STAGES.map((s) => `"${s}"`).join(",")}},1,${cell(r, 2)}+1),"Between "&INDEX({${MATURITY_STAGES.map((s) => `"${s}"`).join(",")}},1,INT(${cell(r, 2)})+1)&" and "&INDEX({${MATURITY_STAGES.map((s) => `"${s}"`).join(",")}},1,INT(${cell(r, 2)})+2)))`,
          (env) => stageOf(median(scores(env, i)))),
        fcell(`=IF(${cell(r, 5)}="","",IF(${cell(r, 5)}>=${SPREAD_TO_DISCUSS},"Views differ: discuss","Broadly agreed"))`,
          (env) => { const s = scores(env, i); return s.length ? (Math.max(...s) - Math.min(...s) >= SPREAD_TO_DISCUSS ? "Views differ: discuss" : "Broadly agreed") : ""; }),
      ];
    }),
  ];
  const views: { row: number; col: number; rows: number; cols: number } = { row: MATURITY_FIRST_ROW, col: R0 + 7, rows: MATURITY_AREAS.length, cols: 1 };
  const v = `$${colLetter(R0 + 7)}${MATURITY_FIRST_ROW + 1}`;
  return {
    key: "maturity",
    name: ctx.sheetName("maturity"),
    title: "PCN maturity",
    rows,
    freeze: { rows: 1, cols: 1 },
    table: { columns: cols, keyColumns: ["assessor", "date"], spareRows: 10, namePrefix: M, tableName: "PCN_Maturity" },
    reports: [{
      col: R0, rows: rep, widths: [40, 9, 9, 9, 9, 9, 24, 22],
      conditionalFormats: [
        { range: views, formula: `=${v}="Views differ: discuss"`, fill: COLOURS.amber, font: COLOURS.amberFont },
        { range: views, formula: `=${v}="Broadly agreed"`, fill: COLOURS.green, font: COLOURS.greenFont },
      ],
    }],
  };
}
