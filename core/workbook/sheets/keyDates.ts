/**
 * Key dates: every date the network has to act on, soonest first, with the days to go, by native formula.
 *
 * Sources: the year's own dates (listed on this sheet, right: the 1 January list-size date, the 30 April DES
 * opt-out, each month's ARRS claim, the year end, and the dates the rates book gives the year: revisions,
 * payments withdrawn, ARRS maxima and employer NI changes), and the dated records of other sheets: partnerships'
 * notice and review dates, ARRS posts' end dates, the network agreement's review dates, priorities' reviews,
 * meetings and open actions' due dates.
 *
 * How it sorts without dynamic arrays: each source has a helper column of order keys (common.ts dateKey: date x
 * 10^7 + source x 10^5 + sheet row: whole numbers, unique, in date order). Row k of the list holds the smallest
 * key above row k-1's: per source, SMALL(keys, how many keys are at most the last one + 1), the least of those
 * over the sources. Each row reads every key twice (a count and a SMALL), so the list costs rows x keys: linear
 * in the records for the fixed number of rows shown. Row 1 starts from today; the "Passed" list runs the other way
 * (LARGE) from today, most recent first.
 */
import { longDate } from "../../rates/book";
import { colLetter } from "../plan";
import { COLOURS, FORMATS, type Env, type ReportCell, type SheetSpec, type Value } from "../spec";
import { asText, dateF, fcell, isNum, KEY_DAY, KEY_SOURCE, KEY_SRC, label, str, TODAY_NAME, type SpecCtx } from "./common";
import { isoToSerial } from "../plan";
import { monthLabels } from "./funding";

/** Rows of the upcoming and the passed lists. */
export const KEY_DATE_ROWS = 40;
export const PASSED_ROWS = 10;
/** Above every key: "no more dates". */
const BIG = 100_000_000_000_000;
/** Keys show as numbers; the "none" markers show as nothing. */
const ORDER_FORMAT = `[>=${BIG}]"";[<0]"";0`;

/** A source of dated records on another sheet: its key column, and what a row of the list says about a record. */
interface Source {
  src: number;
  sheet: string;
  keys: string;
  /** The list's text for the record at 1-based index `i` (a formula expression), and the core's side (0-based). */
  what: (i: string) => string;
  whatC: (env: Env, i: number) => string;
  ref?: string;
}

function sources(ctx: SpecCtx): Source[] {
  const col = (env: Env, name: string, i: number) => env.column(name)[i] ?? null;
  const simple = (src: number, sheet: string, keys: string, prefix: string, text: string, ref?: string): Source => ({
    src, sheet, keys, ref,
    what: (i) => `${str(prefix)}&INDEX(${text},${i})`,
    whatC: (env, i) => prefix + asText(col(env, text, i)),
  });
  return [
    simple(KEY_SRC.notice, "partnerships", "Partnership_NoticeKey", "Notice date (to end or change): ", "Partnership_Partner", "Partnership_Ref"),
    simple(KEY_SRC.partnershipReview, "partnerships", "Partnership_ReviewKey", "Partnership review: ", "Partnership_Partner", "Partnership_Ref"),
    simple(KEY_SRC.arrsEnd, "arrs", "Arrs_EndKey", "ARRS post ends: ", "Arrs_Role", "Arrs_Ref"),
    simple(KEY_SRC.agreementReview, "agreement", "Agreement_ReviewKey", "Network agreement review: ", "Agreement_Item"),
    simple(KEY_SRC.priorityReview, "priorities", "Priority_ReviewKey", "Priority review: ", "Priority_Title", "Priority_Ref"),
    simple(KEY_SRC.meeting, "meetings", "Meetings_DateKey", "Meeting: ", "Meetings_Title", "Meetings_Ref"),
    {
      src: KEY_SRC.actionDue, sheet: "actions", keys: "Action_DueKey", ref: "Action_Ref",
      what: (i) => `"Action due: "&INDEX(Action_Title,${i})&IF(INDEX(Action_Owner,${i})="",""," ("&INDEX(Action_Owner,${i})&")")`,
      whatC: (env, i) => { const o = asText(col(env, "Action_Owner", i)); return `Action due: ${asText(col(env, "Action_Title", i))}${o === "" ? "" : ` (${o})`}`; },
    },
  ];
}

/** One of the year's dates: fixed, or an ARRS claim (its date follows the ICB's cut-off day). */
interface YearDate { what: string; iso: string; basis: string; claim?: { y: number; m: number; dim: number } }

export function yearDates(ctx: SpecCtx): YearDate[] {
  const y = ctx.year;
  const y0 = Number(y.start.slice(0, 4));
  const next = `${y0 + 1}/${String((y0 + 2) % 100).padStart(2, "0")}`;
  const out: YearDate[] = [
    { what: `Network Contract DES ${y.year}: a practice not taking part tells its commissioner by 30 April`, iso: `${y0}-04-30`,
      basis: "Practices opt in or out by telling the commissioner by 30 April of the year; sign-ups roll over (Pulse, 'PCN DES requirements merged under new contract'; GPonline)." },
    { what: `List-size date: practices' lists as at 1 January ${y0 + 1} set ${next}'s payments`, iso: `${y0 + 1}-01-01`,
      basis: "DES payments use list sizes as at 1 January before the year (Doncaster LMC, 'Primary care networks'; Pulse). Check your practices' lists on that date." },
    { what: `Financial year ${y.year} ends`, iso: y.end, basis: "The NHS financial year runs 1 April to 31 March." },
    { what: `Network Contract DES ${next}: a practice not taking part tells its commissioner by 30 April`, iso: `${y0 + 1}-04-30`,
      basis: "As this year: by 30 April of the year (Pulse; GPonline)." },
  ];
  // Each month's ARRS claim, due in the month after (claims are monthly, in arrears).
  monthLabels(y).forEach((lab, i) => {
    const cy = y0 + Math.floor((i + 3) / 12), cm = ((i + 3) % 12) + 1;
    const ny = cm === 12 ? cy + 1 : cy, nm = cm === 12 ? 1 : cm + 1;
    const dim = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
    out.push({ what: `ARRS claim for ${lab} (monthly, in arrears)`, iso: `${ny}-${String(nm).padStart(2, "0")}-${String(dim).padStart(2, "0")}`, basis: "", claim: { y: ny, m: nm, dim } });
  });
  // The year's own dates from the rates book.
  const inYear = (iso: string) => iso >= y.start && iso <= y.end;
  for (const r of y.revisions ?? []) {
    if (inYear(r.published)) out.push({ what: `Published: ${r.label}`, iso: r.published, basis: r.source });
    if (r.from !== r.published && inYear(r.from)) out.push({ what: `In force from ${longDate(r.from)}${r.backdated ? " (backdated)" : ""}: ${r.label}`, iso: r.from, basis: r.source });
  }
  for (const p of y.arrs.periods.slice(1)) {
    if (!(y.revisions ?? []).some((r) => r.from === p)) out.push({ what: "ARRS maximum reimbursement rates change", iso: p, basis: "The rates book's ARRS maxima periods (ARRS Rates sheet)." });
  }
  for (const w of Object.values(y.withdrawn ?? {})) if (inYear(w.from)) out.push({ what: `${w.label}: withdrawn from the DES`, iso: w.from, basis: w.source });
  for (const n of y.employerNi.slice(1)) if (inYear(n.from)) out.push({ what: "Employer National Insurance changes (ARRS on-costs)", iso: n.from, basis: n.source });
  return out.sort((a, b) => (a.iso < b.iso ? -1 : a.iso > b.iso ? 1 : 0));
}

/** Where things sit on the sheet (0-based rows). */
export const KD = { header: 2, first: 3, passedTitle: 4 + KEY_DATE_ROWS, passedHeader: 5 + KEY_DATE_ROWS, passedFirst: 6 + KEY_DATE_ROWS, yearCol: 7, yearFirst: 4 } as const;

export interface KeyDateItem { key: number; date: number; src: number; row: number; what: string; sheet: string; sheetKey: string; ref: string }

const rowOf = (key: number) => key - Math.floor(key / KEY_SOURCE) * KEY_SOURCE;

export function keyDatesSpec(ctx: SpecCtx): SheetSpec {
  const T = TODAY_NAME;
  const srcs = sources(ctx);
  const dates = yearDates(ctx);
  const me = ctx.sheetName("keyDates");
  const Y = KD.yearCol;
  const yc = (c: number) => colLetter(Y + c);
  const yFirstRow = KD.yearFirst + 1, yLastRow = KD.yearFirst + dates.length;
  const fixedKeys = `$${yc(3)}$${yFirstRow}:$${yc(3)}$${yLastRow}`;
  const fixedWhat = `$${yc(0)}$${yFirstRow}:$${yc(0)}$${yLastRow}`;
  const cutoff = CUTOFF;
  const cut = (env: Env): Value => env.cell(cutoff);
  const dateOf = (d: YearDate, env: Env) => yearDateSerial(d, cut(env));
  const lists = (env: Env) => keyDateLists(ctx, env);

  // ---- the formulas ----
  const ranges = [fixedKeys, ...srcs.map((s) => s.keys)];
  const nextAfter = (prev: string) => `MIN(${ranges.map((S) => `IFERROR(SMALL(${S},SUMPRODUCT(ISNUMBER(${S})*(${S}<=${prev}))+1),${BIG})`).join(",")})`;
  const nextBefore = (prev: string) => `MAX(${ranges.map((S) => `IFERROR(LARGE(${S},SUMPRODUCT(ISNUMBER(${S})*(${S}>=${prev}))+1),-1)`).join(",")})`;
  const srcF = (o: string) => `(INT(${o}/${KEY_SOURCE})-INT(${o}/${KEY_DAY})*100)`;
  const rowF = (o: string) => `(${o}-INT(${o}/${KEY_SOURCE})*${KEY_SOURCE})`;
  const choose = (o: string, year: string, each: (s: Source, i: string) => string) => {
    const byNo = new Map(srcs.map((s) => [s.src, s]));
    const max = Math.max(...srcs.map((s) => s.src));
    const args = Array.from({ length: max }, (_, k) => { const s = byNo.get(k + 1); return s ? each(s, `${rowF(o)}-1`) : `""`; });
    return `CHOOSE(${srcF(o)}+1,${year},${args.join(",")})`;
  };

  const H = (t: string) => label(t, { bold: true, fill: COLOURS.title });
  const header = () => [H("Date"), H("Days to go"), H("What"), H("Sheet"), H("Ref"), H("Order (helper)")];
  const listRow = (r: number, pick: (env: Env) => KeyDateItem | undefined, order: string): (ReportCell | null)[] => {
    const o = `$F${r + 1}`, d = `$A${r + 1}`;
    const none = `OR(${o}<0,${o}>=${BIG})`;
    return [
      fcell(`=IF(${none},"",INT(${o}/${KEY_DAY}))`, (env) => pick(env)?.date ?? "", { format: FORMATS.date }),
      fcell(`=IF(${d}="","",${d}-${T})`, (env) => { const x = pick(env); return x ? x.date - env.today : ""; }, { format: FORMATS.integer }),
      fcell(`=IF(${d}="","",${choose(o, `INDEX(${fixedWhat},${rowF(o)}-${KD.yearFirst})`, (s, i) => s.what(i))})`, (env) => pick(env)?.what ?? ""),
      fcell(`=IF(${d}="","",${choose(o, str(me), (s) => str(ctx.sheetName(s.sheet)))})`, (env) => pick(env)?.sheet ?? ""),
      fcell(`=IF(${d}="","",${choose(o, `""`, (s, i) => (s.ref ? `INDEX(${s.ref},${i})` : `""`))})`, (env) => pick(env)?.ref ?? ""),
      fcell(order, (env) => pick(env)?.key ?? (order.includes("LARGE") ? -1 : BIG), { format: ORDER_FORMAT }),
    ];
  };
  const rowsA: (ReportCell | null)[][] = [
    [label("Key dates: what is coming up, soonest first", { bold: true }), null, null, null, null, null],
    [label("Today"), fcell(`=${T}`, (env) => env.today, { format: FORMATS.date }), label("Days count from Register Summary's Today cell. Each date comes from the sheet named beside it, or from the year's dates on the right."), null, null, null],
    header(),
  ];
  for (let k = 0; k < KEY_DATE_ROWS; k++) {
    const r = KD.first + k;
    const prev = k === 0 ? `INT(${T})*${KEY_DAY}-1` : `$F${r}`;
    const f = k === 0 ? `=${nextAfter(prev)}` : `=IF(${prev}>=${BIG},${BIG},${nextAfter(prev)})`;
    rowsA.push(listRow(r, (env) => lists(env).up[k], f));
  }
  rowsA.push([null, null, null, null, null, null]);
  rowsA.push([label("Passed, most recent first", { bold: true }), null, null, null, null, null]);
  rowsA.push(header());
  for (let k = 0; k < PASSED_ROWS; k++) {
    const r = KD.passedFirst + k;
    const prev = k === 0 ? `INT(${T})*${KEY_DAY}` : `$F${r}`;
    const f = k === 0 ? `=${nextBefore(prev)}` : `=IF(${prev}<0,-1,${nextBefore(prev)})`;
    rowsA.push(listRow(r, (env) => lists(env).passed[k], f));
  }

  // ---- the year's dates, with the ICB's ARRS cut-off ----
  const cutRef = `$${yc(1)}$2`;
  const claimBasis = (env: Env) => (isNum(cut(env)) ? "Your ICB's cut-off day (set above)." : "The end of the following month, as a placeholder: set your ICB's cut-off day above.");
  const rowsB: (ReportCell | null)[][] = [
    [H("The year's dates"), H(""), H(""), H("")],
    [label("Your ICB's monthly cut-off day for ARRS claims (1 to 31)"), { cell: null, input: true, name: cutoff, format: FORMATS.integer },
      label("Claims are made monthly, in arrears, on the Primary Care Workforce Portal, by a cut-off your ICB sets (not in the national guidance we hold): ask your ICB. Left blank, each claim shows the end of the following month."), null],
    [null, null, null, null],
    [H("What"), H("Date"), H("Basis and source"), H("Order (helper)")],
    ...dates.map((d, i): (ReportCell | null)[] => {
      const r = yFirstRow + i;
      const dateCell = d.claim
        ? fcell(`=IF(ISNUMBER(${cutRef}),DATE(${d.claim.y},${d.claim.m},MIN(MAX(1,INT(${cutRef})),${d.claim.dim})),DATE(${d.claim.y},${d.claim.m},${d.claim.dim}))`, (env) => dateOf(d, env), { format: FORMATS.date })
        : fcell(`=${dateF(isoToSerial(d.iso))}`, () => isoToSerial(d.iso), { format: FORMATS.date });
      const basis = d.claim
        ? fcell(`=IF(ISNUMBER(${cutRef}),"Your ICB's cut-off day (set above).","The end of the following month, as a placeholder: set your ICB's cut-off day above.")`, claimBasis)
        : label(d.basis);
      return [
        label(d.what), dateCell, basis,
        fcell(`=IF(ISNUMBER(${yc(1)}${r}),INT(${yc(1)}${r})*${KEY_DAY}+ROW(),"")`, (env) => Math.floor(dateOf(d, env)) * KEY_DAY + r, { format: FORMATS.integer }),
      ];
    }),
  ];
  const days = (r0: number, n: number) => ({ row: r0, col: 1, rows: n, cols: 1 });
  const cf = (r0: number, n: number) => {
    const b = `$B${r0 + 1}`;
    return [
      { range: days(r0, n), formula: `=AND(ISNUMBER(${b}),${b}<=7)`, fill: COLOURS.red, font: COLOURS.redFont },
      { range: days(r0, n), formula: `=AND(ISNUMBER(${b}),${b}>7,${b}<=30)`, fill: COLOURS.amber, font: COLOURS.amberFont },
    ];
  };
  return {
    key: "keyDates",
    name: me,
    title: "Key dates",
    freeze: { rows: KD.first, cols: 0 },
    print: { repeatRows: KD.first },
    reports: [
      { col: 0, rows: rowsA, widths: [12, 10, 60, 20, 12, 16], conditionalFormats: cf(KD.first, KEY_DATE_ROWS) },
      { col: Y, rows: rowsB, widths: [56, 12, 70, 16] },
    ],
  };
}

const CUTOFF = "KeyDates_ArrsCutoff";

/** A year date's serial: an ARRS claim's follows the ICB's cut-off day (blank: the end of the month). */
function yearDateSerial(d: YearDate, cutoff: Value): number {
  if (!d.claim) return isoToSerial(d.iso);
  const day = isNum(cutoff) ? Math.min(Math.max(1, Math.floor(cutoff)), d.claim.dim) : d.claim.dim;
  return isoToSerial(`${d.claim.y}-${String(d.claim.m).padStart(2, "0")}-${String(day).padStart(2, "0")}`);
}

const listMemo = new WeakMap<Env, { up: KeyDateItem[]; passed: KeyDateItem[] }>();
/**
 * Every key date as the core computes it: upcoming (from today) soonest first, and passed, most recent first.
 * The sheet shows the first rows of each; Check register looks at them all.
 */
export function keyDateLists(ctx: SpecCtx, env: Env): { up: KeyDateItem[]; passed: KeyDateItem[] } {
  const hit = listMemo.get(env);
  if (hit) return hit;
  const me = ctx.sheetName("keyDates");
  const items: KeyDateItem[] = [];
  const cutoff = env.cell(CUTOFF);
  yearDates(ctx).forEach((d, i) => {
    const row = KD.yearFirst + 1 + i;
    const key = Math.floor(yearDateSerial(d, cutoff)) * KEY_DAY + KEY_SRC.year * KEY_SOURCE + row;
    items.push({ key, date: Math.floor(key / KEY_DAY), src: KEY_SRC.year, row, what: d.what, sheet: me, sheetKey: "keyDates", ref: "" });
  });
  for (const s of sources(ctx)) {
    env.column(s.keys).forEach((k) => {
      if (!isNum(k)) return;
      const row = rowOf(k);
      items.push({ key: k, date: Math.floor(k / KEY_DAY), src: s.src, row, what: s.whatC(env, row - 2), sheet: ctx.sheetName(s.sheet), sheetKey: s.sheet, ref: s.ref ? asText(env.column(s.ref)[row - 2] ?? null) : "" });
    });
  }
  const from = Math.floor(env.today) * KEY_DAY;
  const out = {
    up: items.filter((x) => x.key >= from).sort((a, b) => a.key - b.key),
    passed: items.filter((x) => x.key < from).sort((a, b) => b.key - a.key),
  };
  listMemo.set(env, out);
  return out;
}
