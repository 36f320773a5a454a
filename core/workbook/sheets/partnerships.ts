import { ACCOUNTABLE, DECISION_BASES, FUNDING_SOURCES, GOVERNANCE_STATUS, MONITORING_METHODS, PARTNERSHIP_TYPES } from "../lists";
import { colLetter } from "../plan";
import { COLOURS, FORMATS, type ReportCell, type RowValues, type SheetSpec, type Value } from "../spec";
import { blank, calc, countIf, dateKeyCol, eqText, KEY_SRC, fcell, inp, isNum, label, num, sumNums, TODAY_NAME, xround, type SpecCtx } from "./common";

const GOV = [
  ["govClinical", "Clinical governance"], ["govQuality", "Quality assurance"], ["govDataProtection", "Data protection and IG"],
  ["govIp", "Intellectual property"], ["govConfidentiality", "Confidentiality"], ["govTraining", "Training"], ["govHr", "HR"],
] as const;
const ACC = [["accClinical", "Accountable: clinical care"], ["accData", "Accountable: data and records"], ["accStaff", "Accountable: staff"], ["accComplaints", "Accountable: complaints and incidents"]] as const;
const CONTACTS = [["contactDecisions", "Contact: decisions and contract changes"], ["contactFinance", "Contact: finance"], ["contactOperations", "Contact: day-to-day operations"], ["contactTechnical", "Contact: technical"], ["contactEscalation", "Contact: escalation"]] as const;
const NOTICES = [["noticePersonnel", "Notice of personnel changes (days)"], ["noticeIt", "Notice of IT changes (days)"], ["noticeRotas", "Notice of rota changes (days)"], ["noticeMonitoring", "Notice of monitoring changes (days)"]] as const;
const MONITOR_KEYS = MONITORING_METHODS.map((m) => ["mon" + m.replace(/[^A-Za-z]/g, ""), `Monitoring: ${m}`] as const);
const FACTORS = [["sfValues", "Values aligned (1-5)"], ["sfEngagement", "Equal engagement (1-5)"], ["sfClarity", "Clear service and outcomes (1-5)"], ["sfContact", "Clear point of contact (1-5)"], ["sfMonitoring", "Monitoring agreed (1-5)"], ["sfTrust", "Trust (1-5)"]] as const;

export const NOTICE_STATUSES = ["Overdue", "Due in 7 days", "Due in 14 days", "Due in 30 days", "Due in 60 days", "Due in 90 days", "Fine", "Ended"] as const;

export { TODAY_NAME } from "./common";

export function noticeStatus(days: number): string {
  if (days < 0) return "Overdue";
  for (const d of [7, 14, 30, 60, 90]) if (days <= d) return `Due in ${d} days`;
  return "Fine";
}

export function partnershipsSpec(ctx: SpecCtx, today: number): SheetSpec {
  const T = TODAY_NAME;
  const G = (r: RowValues) => GOV.map(([k]) => r[k]);
  const noticeDate = (r: RowValues): Value => (isNum(r.end) && isNum(r.noticeDays) ? r.end - r.noticeDays : "");
  const daysTo = (r: RowValues): Value => { const n = noticeDate(r); return isNum(n) ? n - today : ""; };
  // A partnership whose end date has passed has ended: no notice is due, and it commits no money.
  const ended = (r: RowValues) => isNum(r.end) && r.end < today;
  const notNum = (ref: string) => `NOT(ISNUMBER(${ref}))`;
  const live = { f: (c: import("../spec").FormulaCtx) => `${c.ref("status")}<>"Ended"`, c: (r: RowValues) => !ended(r) };
  const columns = [
    inp("ref", "Ref", "text", { width: 9, name: "Ref" }),
    inp("partner", "Partner organisation", "text", { width: 28, name: "Partner" }),
    inp("type", "Type", "choice", { choices: [...PARTNERSHIP_TYPES], name: "Type", width: 26 }),
    inp("service", "Service provided", "longtext"),
    inp("need", "Need it meets", "longtext"),
    inp("basis", "Decision based on", "choice", { choices: [...DECISION_BASES] }),
    inp("outcomes", "Outcomes sought", "longtext"),
    inp("start", "Start", "date"),
    inp("end", "End", "date"),
    calc("duration", "Duration (months)", "number",
      (c) => `=IF(OR(${c.ref("ref")}="",${notNum(c.ref("start"))},${notNum(c.ref("end"))}),"",ROUND((${c.ref("end")}-${c.ref("start")}+1)/(365.25/12),1))`,
      (r) => (blank(r.ref) || !isNum(r.start) || !isNum(r.end) ? "" : xround((r.end - r.start + 1) / (365.25 / 12), 1)), { width: 10 }),
    inp("value", "Annual value (£)", "money", { min: 0, name: "Value" }),
    inp("fundingSource", "Funding source", "choice", { choices: [...FUNDING_SOURCES] }),
    inp("recurrent", "Recurrent", "yesno", { name: "Recurrent" }),
    inp("quotes", "Quotes obtained", "integer", { min: 0 }),
    inp("financeLead", "Finance lead involved", "yesno"),
    ...GOV.map(([k, h]) => inp(k, h, "choice", { choices: [...GOVERNANCE_STATUS], width: 14 })),
    ...ACC.map(([k, h]) => inp(k, h, "choice", { choices: [...ACCOUNTABLE], width: 14 })),
    ...CONTACTS.map(([k, h]) => inp(k, h, "text", { width: 22 })),
    inp("noticeDays", "Notice to end or change (days)", "integer", { min: 0, width: 12 }),
    ...NOTICES.map(([k, h]) => inp(k, h, "integer", { min: 0, width: 12 })),
    ...MONITOR_KEYS.map(([k, h]) => inp(k, h, "yesno", { width: 12 })),
    ...FACTORS.map(([k, h]) => inp(k, h, "score", { min: 1, max: 5, width: 11 })),
    inp("owner", "Owner", "text"),
    inp("reviewDate", "Review date", "date", { name: "Review" }),
    inp("compromises", "Agreed compromises", "longtext"),
    calc("noticeDate", "Notice date", "date",
      (c) => `=IF(OR(${c.ref("ref")}="",${notNum(c.ref("end"))},${notNum(c.ref("noticeDays"))}),"",${c.ref("end")}-${c.ref("noticeDays")})`,
      (r) => (blank(r.ref) ? "" : noticeDate(r)), { name: "NoticeDate" }),
    calc("daysToNotice", "Days to notice", "integer",
      (c) => `=IF(${c.ref("noticeDate")}="","",${c.ref("noticeDate")}-${T})`,
      (r) => (blank(r.ref) ? "" : daysTo(r)), { name: "DaysToNotice", width: 10 }),
    calc("status", "Notice status", "text",
      (c) => {
        const d = c.ref("daysToNotice"), e = c.ref("end");
        return `=IF(${c.ref("ref")}="","",IF(AND(ISNUMBER(${e}),${e}<${T}),"Ended",IF(${d}="","",IF(${d}<0,"Overdue",IF(${d}<=7,"Due in 7 days",IF(${d}<=14,"Due in 14 days",IF(${d}<=30,"Due in 30 days",IF(${d}<=60,"Due in 60 days",IF(${d}<=90,"Due in 90 days","Fine")))))))))`;
      },
      (r) => { if (blank(r.ref)) return ""; if (ended(r)) return "Ended"; const d = daysTo(r); return isNum(d) ? noticeStatus(d) : ""; }, { name: "Status", width: 15 }),
    calc("govComplete", "Governance complete", "percent",
      (c) => { const s = c.span("govClinical", "govHr"); return `=IF(${c.ref("ref")}="","",IF(COUNTIF(${s},"Not applicable")=7,1,COUNTIF(${s},"Agreed")/(7-COUNTIF(${s},"Not applicable"))))`; },
      (r) => { if (blank(r.ref)) return ""; const g = G(r); const na = countIf(g, (v) => eqText(v, "Not applicable")); return na === 7 ? 1 : countIf(g, (v) => eqText(v, "Agreed")) / (7 - na); },
      { name: "GovComplete", width: 11 }),
    calc("missingContacts", "Contacts missing", "integer",
      (c) => `=IF(${c.ref("ref")}="","",5-COUNTA(${c.span("contactDecisions", "contactEscalation")}))`,
      (r) => (blank(r.ref) ? "" : 5 - CONTACTS.filter(([k]) => !blank(r[k])).length), { name: "MissingContacts", width: 10 }),
    calc("health", "Health score (1-5)", "score",
      (c) => { const s = c.span("sfValues", "sfTrust"); return `=IF(${c.ref("ref")}="","",IF(COUNT(${s})=0,"",ROUND(AVERAGE(${s}),1)))`; },
      (r) => { if (blank(r.ref)) return ""; const v = FACTORS.map(([k]) => r[k]).filter(isNum); return v.length ? xround(v.reduce((a, b) => a + b, 0) / v.length, 1) : ""; },
      { name: "Health", width: 10 }),
    calc("reviewStatus", "Review", "text",
      (c) => `=IF(OR(${c.ref("ref")}="",${notNum(c.ref("reviewDate"))}),"",IF(${c.ref("reviewDate")}<${T},"Review overdue",IF(${c.ref("reviewDate")}-${T}<=30,"Review due","")))`,
      (r) => (blank(r.ref) || !isNum(r.reviewDate) ? "" : r.reviewDate < today ? "Review overdue" : r.reviewDate - today <= 30 ? "Review due" : ""),
      { name: "ReviewStatus", width: 14 }),
    calc("upcomingKey", "Upcoming order (helper)", "number",
      (c) => { const d = c.ref("daysToNotice"); return `=IF(${d}="","",IF(${d}<0,"",IF(${d}>90,"",${c.ref("noticeDate")}+ROW()/100000)))`; },
      (r, env) => { const d = blank(r.ref) ? "" : daysTo(r); return isNum(d) && d >= 0 && d <= 90 ? (noticeDate(r) as number) + (r.__row as number) / 100000 : ""; },
      { name: "UpcomingKey", width: 10 }),
    // The Key Dates sheet's order of notice and review dates (partnerships that have not ended).
    dateKeyCol("noticeKey", "Notice date order (helper)", KEY_SRC.notice, "ref", "noticeDate", { dateOf: noticeDate, when: live, name: "NoticeKey" }),
    dateKeyCol("reviewKey", "Review date order (helper)", KEY_SRC.partnershipReview, "ref", "reviewDate", { when: live, name: "ReviewKey" }),
  ];
  const rows: RowValues[] = (ctx.data?.partnerships ?? []).map((p) => {
    const r: RowValues = {
      ref: p.ref, partner: p.partner, type: p.type, service: p.service, need: p.need, basis: p.basis ?? null, outcomes: p.outcomes,
      start: p.start ?? null, end: p.end ?? null, value: p.value, fundingSource: p.fundingSource ?? null, recurrent: p.recurrent,
      quotes: p.quotes, financeLead: p.financeLead, noticeDays: p.notice.days ?? null, owner: p.owner, reviewDate: p.reviewDate ?? null, compromises: p.compromises,
    };
    const gk = ["clinical", "quality", "dataProtection", "ip", "confidentiality", "training", "hr"] as const;
    GOV.forEach(([k], i) => (r[k] = p.governance[gk[i]] ?? null));
    const ak = ["clinical", "data", "staff", "complaints"] as const;
    ACC.forEach(([k], i) => (r[k] = p.accountability[ak[i]] ?? null));
    const ck = ["decisions", "finance", "operations", "technical", "escalation"] as const;
    CONTACTS.forEach(([k], i) => (r[k] = p.contacts[ck[i]] ?? null));
    const nk = ["personnel", "it", "rotas", "monitoring"] as const;
    NOTICES.forEach(([k], i) => (r[k] = p.notice[nk[i]] ?? null));
    MONITOR_KEYS.forEach(([k], i) => (r[k] = p.monitoring.includes(MONITORING_METHODS[i]) ? "Yes" : "No"));
    const fk = ["values", "engagement", "clarity", "contact", "monitoring", "trust"] as const;
    FACTORS.forEach(([k], i) => (r[k] = p.factors[fk[i]] ?? null));
    return r;
  });
  return {
    key: "partnerships",
    name: ctx.sheetName("partnerships"),
    title: "Partnerships",
    freeze: { rows: 1, cols: 2 },
    rows,
    table: {
      columns,
      keyColumns: ["ref"],
      spareRows: 25,
      namePrefix: "Partnership_",
      tableName: "PCN_Partnerships",
      conditionalFormats: (col) => {
        const s = col("status");
        const ref = (k: string) => {
          const r = col(k);
          return colRef(r.col) + (r.row + 1);
        };
        const st = ref("status"), gc = ref("govComplete"), rv = ref("reviewStatus"), hs = ref("health");
        return [
          { range: s, formula: `=OR(${st}="Overdue",${st}="Due in 7 days",${st}="Due in 14 days")`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: s, formula: `=OR(${st}="Due in 30 days",${st}="Due in 60 days",${st}="Due in 90 days")`, fill: COLOURS.amber, font: COLOURS.amberFont },
          { range: s, formula: `=${st}="Fine"`, fill: COLOURS.green, font: COLOURS.greenFont },
          { range: col("govComplete"), formula: `=AND(ISNUMBER(${gc}),${gc}<0.5)`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: col("govComplete"), formula: `=AND(ISNUMBER(${gc}),${gc}>=0.5,${gc}<1)`, fill: COLOURS.amber, font: COLOURS.amberFont },
          { range: col("govComplete"), formula: `=AND(ISNUMBER(${gc}),${gc}>=1)`, fill: COLOURS.green, font: COLOURS.greenFont },
          { range: col("reviewStatus"), formula: `=${rv}="Review overdue"`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: col("reviewStatus"), formula: `=${rv}="Review due"`, fill: COLOURS.amber, font: COLOURS.amberFont },
          { range: col("health"), formula: `=AND(ISNUMBER(${hs}),${hs}<2.5)`, fill: COLOURS.red, font: COLOURS.redFont },
          { range: col("health"), formula: `=AND(ISNUMBER(${hs}),${hs}>=2.5,${hs}<3.5)`, fill: COLOURS.amber, font: COLOURS.amberFont },
          { range: col("health"), formula: `=AND(ISNUMBER(${hs}),${hs}>=3.5)`, fill: COLOURS.green, font: COLOURS.greenFont },
        ];
      },
    },
  };
}

const colRef = (c: number) => "$" + colLetter(c);

export const UPCOMING_ROWS = 10;

export function summarySpec(ctx: SpecCtx, today: number): SheetSpec {
  const P = "Partnership_";
  const rows: (ReportCell | null)[][] = [];
  const H = (t: string) => label(t, { bold: true, fill: COLOURS.title });
  rows.push([label("Partnership register summary", { bold: true }), null, null, null]);
  rows.push([
    label("Counts and values update as the Partnerships sheet changes. Values leave out partnerships that have ended."), null,
    label("Days are counted from"),
    fcell("=TODAY()", (env) => env.today, { format: FORMATS.date, name: TODAY_NAME }),
  ]);
  rows.push([H("By type"), H("Partnerships"), H("Annual value"), H("")]);
  for (const t of PARTNERSHIP_TYPES) {
    rows.push([
      label(t),
      fcell(`=COUNTIF(${P}Type,"${t}")`, (env) => countIf(env.column(P + "Type"), (v) => eqText(v, t)), { format: FORMATS.integer }),
      fcell(`=SUMIFS(${P}Value,${P}Type,"${t}",${P}Status,"<>Ended")`, (env) => sumLive(env, (i) => eqText(env.column(P + "Type")[i], t)), { format: FORMATS.money }),
      null,
    ]);
  }
  rows.push([null, null, null, null]);
  rows.push([H("By notice status"), H("Partnerships"), H(""), H("")]);
  for (const s of NOTICE_STATUSES) {
    rows.push([label(s), fcell(`=COUNTIF(${P}Status,"${s}")`, (env) => countIf(env.column(P + "Status"), (v) => eqText(v, s)), { format: FORMATS.integer }), null, null]);
  }
  rows.push([null, null, null, null]);
  rows.push([H("Money"), H(""), H(""), H("")]);
  rows.push([label("Total committed annual value (not ended)"), fcell(`=SUMIFS(${P}Value,${P}Status,"<>Ended")`, (env) => sumLive(env, () => true), { format: FORMATS.money, name: "Summary_TotalValue" }), null, null]);
  rows.push([label("Recurrent"), fcell(`=SUMIFS(${P}Value,${P}Recurrent,"Yes",${P}Status,"<>Ended")`, (env) => sumLive(env, (i) => eqText(env.column(P + "Recurrent")[i], "Yes")), { format: FORMATS.money }), null, null]);
  rows.push([label("Non-recurrent"), fcell(`=SUMIFS(${P}Value,${P}Recurrent,"No",${P}Status,"<>Ended")`, (env) => sumLive(env, (i) => eqText(env.column(P + "Recurrent")[i], "No")), { format: FORMATS.money }), null, null]);
  rows.push([null, null, null, null]);
  rows.push([H("Gaps"), H("Partnerships"), H(""), H("")]);
  rows.push([label("Missing governance items"), fcell(`=COUNTIF(${P}GovComplete,"<1")`, (env) => countIf(env.column(P + "GovComplete"), (v) => isNum(v) && v < 1), { format: FORMATS.integer }), null, null]);
  rows.push([label("Missing points of contact"), fcell(`=COUNTIF(${P}MissingContacts,">0")`, (env) => countIf(env.column(P + "MissingContacts"), (v) => isNum(v) && v > 0), { format: FORMATS.integer }), null, null]);
  rows.push([label("Reviews overdue"), fcell(`=COUNTIF(${P}ReviewStatus,"Review overdue")`, (env) => countIf(env.column(P + "ReviewStatus"), (v) => eqText(v, "Review overdue")), { format: FORMATS.integer }), null, null]);
  rows.push([null, null, null, null]);
  rows.push([H("Notice dates in the next 90 days"), H("Ref"), H("Partner"), H("Days")]);
  for (let k = 1; k <= UPCOMING_ROWS; k++) {
    const kth = (env: import("../spec").Env) => {
      const keys = env.column(P + "UpcomingKey").filter(isNum).sort((a, b) => a - b);
      return keys.length >= k ? keys[k - 1] : null;
    };
    const at = (env: import("../spec").Env, col: string): Value => {
      const key = kth(env);
      if (key === null) return "";
      const i = env.column(P + "UpcomingKey").findIndex((v) => v === key);
      return env.column(P + col)[i] ?? "";
    };
    const small = `SMALL(${P}UpcomingKey,${k})`;
    const guard = `COUNT(${P}UpcomingKey)<${k}`;
    rows.push([
      fcell(`=IF(${guard},"",INT(${small}))`, (env) => { const key = kth(env); return key === null ? "" : Math.floor(key); }, { format: FORMATS.date }),
      fcell(`=IF(${guard},"",INDEX(${P}Ref,MATCH(${small},${P}UpcomingKey,0)))`, (env) => at(env, "Ref")),
      fcell(`=IF(${guard},"",INDEX(${P}Partner,MATCH(${small},${P}UpcomingKey,0)))`, (env) => at(env, "Partner")),
      fcell(`=IF(${guard},"",INT(${small})-${TODAY_NAME})`, (env) => { const key = kth(env); return key === null ? "" : Math.floor(key) - today; }, { format: FORMATS.integer }),
    ]);
  }
  return {
    key: "summary",
    name: ctx.sheetName("summary"),
    title: "Register summary",
    freeze: { rows: 0, cols: 0 },
    reports: [{ col: 0, rows, widths: [40, 14, 28, 10] }],
  };
}

/** Annual value of the partnerships (by row index) that have not ended and pass `pred`, as SUMIFS adds them. */
function sumLive(env: import("../spec").Env, pred: (i: number) => boolean): number {
  const vals = env.column("Partnership_Value"), status = env.column("Partnership_Status");
  let s = 0;
  vals.forEach((v, i) => { if (!eqText(status[i], "Ended") && pred(i)) s += num(v); });
  return s;
}
