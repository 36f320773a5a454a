/**
 * The network agreement checklist: what the practices must agree between them (decision making, finances and
 * money flow, workforce and HR policies, data sharing, dispute resolution, premises), each with its status, when
 * it was agreed, its review date, an owner and where it is written down. Every workbook starts with the six
 * items; a person adds their own (a schedule, a subcontract) in the rows below.
 */
import { GOVERNANCE_STATUS } from "../lists";
import { colLetter } from "../plan";
import { COLOURS, type RowValues, type SheetSpec, type Value } from "../spec";
import { blank, calc, dateKeyCol, eqText, inp, isNum, KEY_SRC, reviewStatusC, reviewStatusF, type SpecCtx } from "./common";

const SCHEDULES = "the Network Agreement's schedules are left for the practices to agree (tanza.co.uk, 'PCN Network Agreement', 2019; BMA)";
const PMA = "Practice Managers Association (practicemanagersuk.org): agreement on data sharing, dispute resolution, finances and HR policies all need to be in place";

/** The items every network agreement needs, and why (sources in ../shared/seeds and ../shared/domain/reference.md). */
export const AGREEMENT_ITEMS: { item: string; covers: string; source: string }[] = [
  { item: "Decision making", covers: "Who sits on the board and who votes; quorum; what needs every practice's agreement; how the clinical director is chosen and what they decide alone.",
    source: `Decision-making: ${SCHEDULES}. How the clinical director is chosen is the network's own decision (${PMA.split(":")[0]}).` },
  { item: "Finances and money flow", covers: "Which practice holds the DES money (the nominated payee) and how it flows on to practices; how PCN income, ARRS and IIF are shared; costs taken first; reporting.",
    source: `Financial arrangements: ${SCHEDULES}; distribution between practices is agreed locally. Agree who hosts the money (Pulse, 'Clinical director view: my tips to kick-starting your PCN', 2019). ${PMA}.` },
  { item: "Workforce and HR policies", covers: "Who employs or hosts the ARRS staff; recruitment, supervision, sickness and leave; whose HR policies apply to shared staff.",
    source: `Workforce: ${SCHEDULES}. ${PMA}.` },
  { item: "Data sharing", covers: "A data sharing agreement between the practices (and partners); data protection and IG leads; access to shared records and dashboards.",
    source: `${PMA}.` },
  { item: "Dispute resolution", covers: "How a disagreement between practices is raised, escalated and settled; mediation; what happens if a practice leaves.",
    source: `${PMA}.` },
  { item: "Premises", covers: "Which rooms and buildings the network's staff and clinics use, on what terms; reviewed regularly for the best use of space and facilities.",
    source: "Practice Managers Association (practicemanagersuk.org): premises and infrastructure need regular review to make the best use of space and facilities." },
];

/** What to do next with an agreement item. */
export function agreementState(status: Value | undefined, review: Value | undefined, reviewState: Value): string {
  if (blank(status)) return "Set its status";
  if (eqText(status ?? null, "Not applicable")) return "Not applicable";
  if (!eqText(status ?? null, "Agreed")) return eqText(status ?? null, "In progress") ? "Being agreed" : "Not agreed yet";
  if (reviewState === "Review overdue") return "Agreed: review overdue";
  if (!isNum(review)) return "Agreed: set a review date";
  return "Agreed";
}

export function agreementSpec(ctx: SpecCtx, today: number): SheetSpec {
  const A = "Agreement_";
  const review = (r: RowValues) => reviewStatusC(r.item, r.reviewDate, today);
  const given = new Map((ctx.data?.agreement ?? []).map((a) => [a.item.trim().toLowerCase(), a]));
  const fromData = (a: NonNullable<typeof ctx.data>["agreement"][number] | undefined): RowValues => a ? {
    status: a.status ?? null, agreedOn: a.agreedOn ?? null, reviewDate: a.reviewDate ?? null, owner: a.owner, where: a.where, notes: a.notes,
  } : {};
  // The six items always (as the data file or sample fills them in), then any others the data gives.
  const rows: RowValues[] = [
    ...AGREEMENT_ITEMS.map((s) => {
      const a = given.get(s.item.toLowerCase());
      return { item: s.item, covers: a?.covers ?? s.covers, source: s.source, ...fromData(a) };
    }),
    ...(ctx.data?.agreement ?? []).filter((a) => !AGREEMENT_ITEMS.some((s) => s.item.toLowerCase() === a.item.trim().toLowerCase()))
      .map((a) => ({ item: a.item, covers: a.covers ?? "", source: "", ...fromData(a) })),
  ];
  const columns = [
    inp("item", "Area of the agreement", "text", { width: 26, name: "Item" }),
    inp("covers", "What it settles", "longtext", { width: 50 }),
    inp("status", "Status", "choice", { choices: [...GOVERNANCE_STATUS], width: 14, name: "Status" }),
    inp("agreedOn", "Agreed on", "date"),
    inp("reviewDate", "Review date", "date", { name: "Review" }),
    inp("owner", "Owner", "text", { width: 18 }),
    inp("where", "Where it is written down", "text", { width: 24 }),
    inp("notes", "Notes", "longtext", { width: 30 }),
    inp("source", "Why (source)", "longtext", { width: 50 }),
    calc("reviewStatus", "Review", "text", (c) => reviewStatusF(c.ref("item"), c.ref("reviewDate")), (r) => review(r), { width: 14, name: "ReviewStatus" }),
    calc("state", "Next step", "text",
      (c) => {
        const s = c.ref("status"), rs = c.ref("reviewStatus");
        return `=IF(${c.ref("item")}="","",IF(${s}="","Set its status",IF(${s}="Not applicable","Not applicable",IF(${s}<>"Agreed",IF(${s}="In progress","Being agreed","Not agreed yet"),IF(${rs}="Review overdue","Agreed: review overdue",IF(NOT(ISNUMBER(${c.ref("reviewDate")})),"Agreed: set a review date","Agreed"))))))`;
      },
      (r) => (blank(r.item) ? "" : agreementState(r.status, r.reviewDate, review(r))), { width: 24, name: "State" }),
    dateKeyCol("reviewKey", "Review date order (helper)", KEY_SRC.agreementReview, "item", "reviewDate", { name: "ReviewKey" }),
  ];
  return {
    key: "agreement",
    name: ctx.sheetName("agreement"),
    title: "Network agreement",
    rows,
    // The data file owns what it says about the items it names; the standard wording stays the person's to edit.
    owned: ctx.data ? { fields: ["status", "agreedOn", "reviewDate", "owner", "where", "notes"], record: (r) => typeof r.item === "string" && given.has(r.item.trim().toLowerCase()) } : undefined,
    freeze: { rows: 1, cols: 1 },
    table: {
      columns, keyColumns: ["item"], spareRows: 10, namePrefix: A, tableName: "PCN_Agreement",
      conditionalFormats: (col) => {
        const st = col("state"), rv = col("reviewStatus");
        const s = `$${colLetter(st.col)}${st.row + 1}`, v = `$${colLetter(rv.col)}${rv.row + 1}`;
        return [
          { range: st, formula: `=OR(${s}="Not agreed yet",${s}="Agreed: review overdue",${s}="Set its status")`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: st, formula: `=OR(${s}="Being agreed",${s}="Agreed: set a review date")`, fill: COLOURS.amber, font: COLOURS.amberFont },
          { range: st, formula: `=${s}="Agreed"`, fill: COLOURS.green, font: COLOURS.greenFont },
          { range: rv, formula: `=${v}="Review overdue"`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: rv, formula: `=${v}="Review due"`, fill: COLOURS.amber, font: COLOURS.amberFont },
        ];
      },
    },
  };
}
