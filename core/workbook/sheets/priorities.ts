/**
 * The network's few current priorities (start small, agreed by the practices, so the benefit shows quickly: seed
 * 001, PCC 2019), each with an owner, status and review date; and the successes to tell members about (seed 001:
 * advertise the network's successes to keep buy-in).
 */
import { PRIORITY_STATUS, SHARE_CHANNELS } from "../lists";
import { colLetter } from "../plan";
import { COLOURS, FORMATS, type ReportCell, type RowValues, type SheetSpec } from "../spec";
import { blank, calc, dateKeyCol, eqText, fcell, inp, isNum, KEY_SRC, label, reviewStatusC, reviewStatusF, TODAY_NAME, type SpecCtx } from "./common";

/** Priorities that are neither done nor paused. */
const CLOSED = ["Done", "Paused"];
export const isActivePriority = (r: RowValues) => !blank(r.ref) && !CLOSED.some((s) => eqText(r.status ?? null, s));
/** More active priorities than this, and the sheet says so: a few, so that each gets done. */
export const FEW_PRIORITIES = 5;

export function prioritiesSpec(ctx: SpecCtx, today: number): SheetSpec {
  const P = "Priority_";
  const open = (r: RowValues) => isActivePriority(r);
  const cols = [
    inp("ref", "Ref", "text", { width: 8, name: "Ref" }),
    inp("priority", "Priority", "text", { width: 34, name: "Title" }),
    inp("why", "Why (the need it meets)", "longtext", { width: 36 }),
    inp("owner", "Owner", "text", { width: 18, name: "Owner" }),
    inp("status", "Status", "choice", { choices: [...PRIORITY_STATUS], width: 12, name: "Status" }),
    inp("start", "Started", "date"),
    inp("reviewDate", "Review date", "date", { name: "Review" }),
    inp("measure", "How we will know (measure or KPI)", "longtext", { width: 30 }),
    inp("agreedAt", "Agreed at (meeting)", "text", { listName: "Meetings_Ref", width: 12 }),
    inp("notes", "Notes", "longtext", { width: 30 }),
    calc("daysToReview", "Days to review", "integer",
      (c) => `=IF(OR(${c.ref("ref")}="",NOT(ISNUMBER(${c.ref("reviewDate")}))),"",${c.ref("reviewDate")}-${TODAY_NAME})`,
      (r) => (blank(r.ref) || !isNum(r.reviewDate) ? "" : r.reviewDate - today), { width: 10 }),
    calc("reviewStatus", "Review", "text",
      (c) => reviewStatusF(c.ref("ref"), c.ref("reviewDate"), CLOSED.map((s) => `${c.ref("status")}="${s}"`)),
      (r) => (open(r) ? reviewStatusC(r.ref, r.reviewDate, today) : ""), { width: 14, name: "ReviewStatus" }),
    dateKeyCol("reviewKey", "Review date order (helper)", KEY_SRC.priorityReview, "ref", "reviewDate",
      { when: { f: (c) => `AND(${c.ref("status")}<>"Done",${c.ref("status")}<>"Paused")`, c: open }, name: "ReviewKey" }),
  ];
  const rows: RowValues[] = (ctx.data?.priorities ?? []).map((p) => ({
    ref: p.ref, priority: p.priority, why: p.why, owner: p.owner, status: p.status ?? null, start: p.start ?? null, reviewDate: p.reviewDate ?? null, measure: p.measure, agreedAt: p.agreedAt, notes: p.notes,
  }));
  const R0 = cols.length + 1;
  const active = (env: import("../spec").Env) => {
    const ref = env.column(P + "Ref"), st = env.column(P + "Status");
    // COUNTIF(...,"?*") counts references that are text (a reference is text: its column is formatted so).
    return ref.filter((v, i) => typeof v === "string" && v !== "" && !CLOSED.some((s) => eqText(st[i], s))).length;
  };
  const activeF = `COUNTIF(${P}Ref,"?*")-COUNTIFS(${P}Ref,"?*",${P}Status,"Done")-COUNTIFS(${P}Ref,"?*",${P}Status,"Paused")`;
  const rep: (ReportCell | null)[][] = [
    [label("Current priorities", { bold: true, fill: COLOURS.title }), fcell(`=${activeF}`, active, { format: FORMATS.integer, name: "Priority_Active" })],
    [fcell(`=IF(${colLetter(R0 + 1)}1>${FEW_PRIORITIES},"More than ${FEW_PRIORITIES} at once: start small, with a few the practices agree, so the benefit shows quickly.","Start small: a few priorities the practices agree, so the benefit shows quickly.")`,
      (env) => (active(env) > FEW_PRIORITIES ? `More than ${FEW_PRIORITIES} at once: start small, with a few the practices agree, so the benefit shows quickly.` : "Start small: a few priorities the practices agree, so the benefit shows quickly.")), null],
    [label("Review them at the network's review meetings (the Meetings sheet), and tell members about what they achieve (Successes)."), null],
  ];
  return {
    key: "priorities",
    name: ctx.sheetName("priorities"),
    title: "Priorities",
    rows,
    freeze: { rows: 1, cols: 2 },
    table: {
      columns: cols, keyColumns: ["ref"], spareRows: 10, namePrefix: P, tableName: "PCN_Priorities",
      conditionalFormats: (col) => {
        const rv = col("reviewStatus"), st = col("status");
        const v = `$${colLetter(rv.col)}${rv.row + 1}`, s = `$${colLetter(st.col)}${st.row + 1}`;
        return [
          { range: rv, formula: `=${v}="Review overdue"`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: rv, formula: `=${v}="Review due"`, fill: COLOURS.amber, font: COLOURS.amberFont },
          { range: st, formula: `=OR(${s}="At risk",${s}="Off track")`, fill: COLOURS.amber, font: COLOURS.amberFont },
          { range: st, formula: `=OR(${s}="On track",${s}="Done")`, fill: COLOURS.green, font: COLOURS.greenFont },
        ];
      },
    },
    reports: [{ col: R0, rows: rep, widths: [60, 10] }],
  };
}

export function successesSpec(ctx: SpecCtx): SheetSpec {
  const S = "Success_";
  const cols = [
    inp("ref", "Ref", "text", { width: 8, name: "Ref" }),
    inp("date", "Date", "date"),
    inp("success", "Success", "text", { width: 36, name: "Title" }),
    inp("impact", "What changed, for whom", "longtext", { width: 40 }),
    inp("evidence", "Evidence (a figure, a KPI)", "longtext", { width: 28 }),
    inp("priority", "Priority it served", "text", { listName: "Priority_Ref", width: 10 }),
    inp("shared", "Told the members", "yesno", { width: 10, name: "Shared" }),
    inp("sharedOn", "Told them on", "date"),
    inp("channel", "How", "choice", { choices: [...SHARE_CHANNELS], width: 18 }),
    calc("toTell", "To do", "text",
      (c) => `=IF(${c.ref("ref")}="","",IF(${c.ref("shared")}="Yes","","Tell the members"))`,
      (r) => (blank(r.ref) ? "" : eqText(r.shared ?? null, "Yes") ? "" : "Tell the members"), { width: 16, name: "ToTell" }),
  ];
  const rows: RowValues[] = (ctx.data?.successes ?? []).map((s) => ({
    ref: s.ref, date: s.date ?? null, success: s.success, impact: s.impact, evidence: s.evidence, priority: s.priority, shared: s.shared, sharedOn: s.sharedOn ?? null, channel: s.channel ?? null,
  }));
  return {
    key: "successes",
    name: ctx.sheetName("successes"),
    title: "Successes",
    rows,
    freeze: { rows: 1, cols: 1 },
    table: {
      columns: cols, keyColumns: ["ref"], spareRows: 10, namePrefix: S, tableName: "PCN_Successes",
      conditionalFormats: (col) => {
        const t = col("toTell");
        const v = `$${colLetter(t.col)}${t.row + 1}`;
        return [{ range: t, formula: `=${v}="Tell the members"`, fill: COLOURS.amber, font: COLOURS.amberFont }];
      },
    },
  };
}
