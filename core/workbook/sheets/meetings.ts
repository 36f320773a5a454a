/**
 * The network's review meetings (seed 001: regular review meetings to find what blocks progress and agree how to
 * overcome it), with what they decided; and the actions they agreed, each with an owner, a due date and a status.
 * A meeting's reference is the workbook name Meetings_Ref, which other sheets' "agreed at" fields refer to.
 */
import { ACTION_STATUS } from "../lists";
import { colLetter } from "../plan";
import { COLOURS, type Env, type RowValues, type SheetSpec, type Value } from "../spec";
import { blank, calc, checkF, countIf, dateKeyCol, eqText, inp, isNum, KEY_SRC, matchIn, str, TODAY_NAME, type SpecCtx } from "./common";

/** An action still to do. */
export const isOpenAction = (r: RowValues) => !blank(r.ref) && !eqText(r.status ?? null, "Done") && !eqText(r.status ?? null, "Dropped");
/** Days ahead an open action counts as due soon. */
export const ACTION_SOON_DAYS = 7;

export function actionState(r: RowValues, today: number): Value {
  if (blank(r.ref)) return "";
  if (eqText(r.status ?? null, "Done")) return "Done";
  if (eqText(r.status ?? null, "Dropped")) return "Dropped";
  if (!isNum(r.due)) return "Open: no due date";
  if (r.due < today) return "Overdue";
  if (r.due - today <= ACTION_SOON_DAYS) return `Due in ${ACTION_SOON_DAYS} days`;
  return "Open";
}

export function meetingsSpec(ctx: SpecCtx): SheetSpec {
  const Mt = "Meetings_";
  const openOf = (env: Env, ref: Value | undefined): number => {
    const meet = env.column("Action_Meeting"), st = env.column("Action_Open");
    return meet.reduce<number>((a, m, i) => a + (!blank(m) && !blank(ref) && eqText(m, String(ref)) && st[i] === 1 ? 1 : 0), 0);
  };
  const cols = [
    inp("ref", "Meeting ref", "text", { width: 11, name: "Ref" }),
    inp("date", "Date", "date", { name: "Date" }),
    inp("meeting", "Meeting", "text", { width: 26, name: "Title" }),
    inp("chair", "Chair", "text", { width: 18 }),
    inp("attendees", "Who came", "longtext", { width: 30 }),
    inp("decisions", "Decisions", "longtext", { width: 44 }),
    inp("issues", "What blocks progress, and how to overcome it", "longtext", { width: 40 }),
    calc("actions", "Actions agreed", "integer",
      (c) => `=IF(${c.ref("ref")}="","",COUNTIF(Action_Meeting,${c.ref("ref")}))`,
      (r, env) => (blank(r.ref) ? "" : countIf(env.column("Action_Meeting"), (m) => !blank(m) && eqText(m, String(r.ref)))), { width: 9 }),
    calc("openActions", "Still open", "integer",
      (c) => `=IF(${c.ref("ref")}="","",COUNTIFS(Action_Meeting,${c.ref("ref")},Action_Open,1))`,
      (r, env) => (blank(r.ref) ? "" : openOf(env, r.ref)), { width: 9 }),
    dateKeyCol("dateKey", "Date order (helper)", KEY_SRC.meeting, "ref", "date", { name: "DateKey" }),
  ];
  const rows: RowValues[] = (ctx.data?.meetings ?? []).map((m) => ({
    ref: m.ref, date: m.date ?? null, meeting: m.meeting, chair: m.chair, attendees: m.attendees, decisions: m.decisions, issues: m.issues,
  }));
  return {
    key: "meetings",
    name: ctx.sheetName("meetings"),
    title: "Review meetings",
    rows,
    freeze: { rows: 1, cols: 2 },
    table: { columns: cols, keyColumns: ["ref"], spareRows: 10, namePrefix: Mt, tableName: "PCN_Meetings" },
  };
}

export function actionsSpec(ctx: SpecCtx, today: number): SheetSpec {
  const A = "Action_";
  const cols = [
    inp("ref", "Action ref", "text", { width: 10, name: "Ref" }),
    inp("meeting", "Meeting ref", "text", { listName: "Meetings_Ref", width: 11, name: "Meeting" }),
    inp("action", "Action", "longtext", { width: 44, name: "Title" }),
    inp("owner", "Owner", "text", { width: 18, name: "Owner" }),
    inp("due", "Due", "date", { name: "Due" }),
    inp("status", "Status", "choice", { choices: [...ACTION_STATUS], width: 10, name: "Status" }),
    inp("doneOn", "Done on", "date"),
    inp("notes", "Notes", "longtext", { width: 30 }),
    calc("open", "Open (helper)", "integer",
      (c) => `=IF(${c.ref("ref")}="","",IF(OR(${c.ref("status")}="Done",${c.ref("status")}="Dropped"),0,1))`,
      (r) => (blank(r.ref) ? "" : isOpenAction(r) ? 1 : 0), { width: 8, name: "Open" }),
    calc("daysToDue", "Days to due", "integer",
      (c) => `=IF(OR(${c.ref("open")}<>1,NOT(ISNUMBER(${c.ref("due")}))),"",${c.ref("due")}-${TODAY_NAME})`,
      (r) => (isOpenAction(r) && isNum(r.due) ? r.due - today : ""), { width: 9, name: "DaysToDue" }),
    calc("state", "State", "text",
      (c) => {
        const s = c.ref("status"), d = c.ref("due");
        return `=IF(${c.ref("ref")}="","",IF(${s}="Done","Done",IF(${s}="Dropped","Dropped",IF(NOT(ISNUMBER(${d})),"Open: no due date",IF(${d}<${TODAY_NAME},"Overdue",IF(${d}-${TODAY_NAME}<=${ACTION_SOON_DAYS},"Due in ${ACTION_SOON_DAYS} days","Open"))))))`;
      },
      (r) => actionState(r, today), { width: 16, name: "State" }),
    calc("check", "Check", "text",
      (c) => {
        const m = c.ref("meeting");
        return checkF(c.ref("ref"), [
          [`AND(${m}<>"",ISNA(MATCH(${m},Meetings_Ref,0)))`, str("Meeting not on the Meetings sheet")],
          [`${c.ref("owner")}=""`, str("Give it an owner")],
          [`AND(${c.ref("status")}="Done",${c.ref("doneOn")}="")`, str("Add the date it was done")],
        ]);
      },
      (r, env) => {
        if (blank(r.ref)) return "";
        const out: string[] = [];
        if (!blank(r.meeting) && matchIn(env.column("Meetings_Ref"), r.meeting ?? null) < 0) out.push("Meeting not on the Meetings sheet");
        if (blank(r.owner)) out.push("Give it an owner");
        if (eqText(r.status ?? null, "Done") && blank(r.doneOn)) out.push("Add the date it was done");
        return out.join("; ") || "OK";
      }, { width: 30, name: "Check" }),
    dateKeyCol("dueKey", "Due date order (helper)", KEY_SRC.actionDue, "ref", "due", { when: { f: (c) => `${c.ref("open")}=1`, c: isOpenAction }, name: "DueKey" }),
  ];
  const rows: RowValues[] = (ctx.data?.actions ?? []).map((a) => ({
    ref: a.ref, meeting: a.meeting, action: a.action, owner: a.owner, due: a.due ?? null, status: a.status, doneOn: a.doneOn ?? null, notes: a.notes,
  }));
  return {
    key: "actions",
    name: ctx.sheetName("actions"),
    title: "Meeting actions",
    rows,
    freeze: { rows: 1, cols: 1 },
    table: {
      columns: cols, keyColumns: ["ref"], spareRows: 20, namePrefix: A, tableName: "PCN_Actions",
      conditionalFormats: (col) => {
        const st = col("state"), ch = col("check");
        const s = `$${colLetter(st.col)}${st.row + 1}`, k = `$${colLetter(ch.col)}${ch.row + 1}`;
        return [
          { range: st, formula: `=${s}="Overdue"`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: st, formula: `=OR(${s}="Due in ${ACTION_SOON_DAYS} days",${s}="Open: no due date")`, fill: COLOURS.amber, font: COLOURS.amberFont },
          { range: st, formula: `=${s}="Done"`, fill: COLOURS.green, font: COLOURS.greenFont },
          { range: ch, formula: `=AND(${k}<>"",${k}<>"OK")`, fill: COLOURS.amber, font: COLOURS.amberFont },
        ];
      },
    },
  };
}
