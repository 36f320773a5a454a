/**
 * "Lock statement" (issue #12): a period's money to practices frozen as values in a statement sheet of its own,
 * made by the core as a plan every host applies (like the self-test's). A statement sheet is no spec's, so no
 * build ever touches it: it stays as it was locked after any number of rebuilds, and after the rates, the
 * populations or the Distribution sheet change. Locking the period again makes a new version beside it.
 *
 * The statement: the period's streams for the network (amount, costs taken off, method, who agreed it, when, the
 * minutes, what went to practices and what the PCN kept), then one page per practice (a row break before each):
 * each stream, its costs, the method, the practice's key value and what it receives, for the period and the year
 * to date (streams of periods ending by the period's end; the Year period also shows the year-end allocation).
 */
import { PcnError } from "../errors";
import { round2 } from "../funding/money";
import { buildModel, type Model } from "./compute";
import { readMeta } from "./engine";
import { emptySheetPlan, isoToSerial, serialToIso, type PlanCell, type WorkbookSnapshot, type WritePlan } from "./plan";
import { FORMATS, COLOURS, type RowValues, type SheetSpec, type Value } from "./spec";
import { cellEq, isNum } from "./sheets/common";
import { distributionPeriods, type Period } from "./sheets/distribution";
import { getYear } from "../rates/book";
import { todayIso } from "../funding/dates";

export const STATEMENT_PREFIX = "Statement ";
/** The first cell of every statement sheet starts with this (how statements are told apart from a person's sheets). */
export const STATEMENT_TITLE = "Distribution statement";

/** A sheet name for a period's statement (no "/", which sheet names cannot hold), never one that exists. */
export function statementSheetName(period: string, existing: string[]): string {
  const taken = new Set(existing.map((n) => n.toLowerCase()));
  const base = `${STATEMENT_PREFIX}${period.replace(/[\\/?*[\]:]/g, "-")}`.slice(0, 31);
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base.slice(0, 31 - ` (${i})`.length)} (${i})`;
  return name;
}

/** What the pane offers: the periods a workbook with a Distribution sheet can lock, and the statement sheets it holds. */
export function statementState(snapshot: WorkbookSnapshot): { lockPeriods: string[]; statements: string[] } {
  const meta = readMeta(snapshot);
  const built = meta.sheets.some((m) => m.key === "distribution" && m.name && snapshot.sheets.some((s) => s.name === m.name));
  let periods: string[] = [];
  try { periods = built && meta.year ? distributionPeriods(getYear(meta.year)).map((p) => p.label) : []; } catch { periods = []; }
  return { lockPeriods: periods, statements: snapshot.sheets.map((s) => s.name).filter((n) => n.startsWith(STATEMENT_PREFIX)) };
}

export interface LockedStatement {
  plan: WritePlan;
  sheet: string;
  period: string;
  warnings: string[];
}

const fmtDate = (serial: number) => serialToIso(serial).split("-").reverse().join("/");
const money = (x: number) => `£${round2(x).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}`;
const sameKey = (s: string) => s.trim().replace(/\s+/g, " ").toLowerCase();

interface Stream { r: RowValues; i: number; values: Record<string, Value>; shares: Value[]; weights: Value[]; period: Period }

/** Plans the statement of `period` (a label the Distribution sheet offers, e.g. "Q2 2026/27"). Throws PcnError with a sentence on refusal. */
export function lockStatementPlan(snapshot: WorkbookSnapshot, period: string, opts: { today?: string } = {}): LockedStatement {
  const today = opts.today ?? todayIso();
  const meta = readMeta(snapshot);
  if (!meta.year) throw new PcnError("This workbook has no PCN Toolkit sheets yet: build the Distribution sheet first, then lock a period's statement.");
  const m = buildModel(snapshot, today)!;
  const spec = m.specs.find((s) => s.key === "distribution")!;
  if (!m.snapOf("distribution")) throw new PcnError("This workbook has no Distribution sheet yet: build it first, then lock a period's statement.");
  const periods = distributionPeriods(m.env.year);
  const p = periods.find((x) => sameKey(x.label) === sameKey(String(period ?? "")));
  if (!p) throw new PcnError(`"${String(period ?? "")}" is not a period of ${m.env.year.year}: choose a month (${periods[0].label}), a quarter (Q1 ${m.env.year.year}) or Year ${m.env.year.year}.`);
  const all = streamsOf(m, spec, periods);
  const mine = all.filter((s) => s.period === p);
  if (!mine.length) throw new PcnError(`No stream on the ${spec.name} sheet is for ${p.label}: nothing to lock.`);
  const practices = spec.table!.columns.filter((c) => /^s\d+$/.test(c.key)).map((c) => c.header);
  // Refused, or money that cannot be split yet: nothing is locked.
  const refused = mine.filter((s) => s.values.outcome === "Refused" || (s.values.outcome === "Incomplete" && isNum(s.values.amount)));
  if (refused.length) {
    throw new PcnError(`${p.label} cannot be locked: ${refused.map((s) => `${String(s.r.ref)} (${String(s.values.check)})`).join("; ")}. Fix ${refused.length === 1 ? "it" : "them"} on the ${spec.name} sheet; nothing was locked.`);
  }
  const warnings: string[] = [];
  const left = mine.filter((s) => !isNum(s.values.amount));
  for (const s of left) warnings.push(`${String(s.r.ref)} has no amount yet (neither received nor known as expected): it is left out of the statement.`);
  const shown = mine.filter((s) => isNum(s.values.amount));
  if (!shown.length) throw new PcnError(`No stream of ${p.label} has an amount yet (received or expected): nothing to lock.`);
  for (const s of shown) if (s.values.status === "Expected") warnings.push(`${String(s.r.ref)} is not yet received: the statement shows the amount expected (${money(s.values.amount as number)}).`);
  for (const s of shown) if (String(s.values.check).includes("Record the agreement")) warnings.push(`${String(s.r.ref)}: who agreed the method, when, or the minutes are not recorded.`);
  const ytd = all.filter((s) => s.values.outcome === "OK" && (p.kind === "year" || s.period.end <= p.end));

  const name = statementSheetName(p.label, snapshot.sheets.map((s) => s.name));
  const earlier = snapshot.sheets.map((s) => s.name).filter((n) => n !== name && n.toLowerCase().startsWith(statementSheetName(p.label, []).toLowerCase()));
  if (earlier.length) warnings.push(`${p.label} was locked before (${earlier.map((n) => `"${n}"`).join(", ")}): "${name}" is a new version, and says which it follows.`);
  const pcn = meta.pcn ?? "";
  const lockedOn = fmtDate(isoToSerial(today));
  const W = 15;
  const rows: PlanCell[][] = [];
  const bold: number[] = [], heads: number[] = [], breaks: number[] = [];
  const moneyCols = new Map<number, number[]>(); // row -> money columns
  const dateCells: { row: number; col: number }[] = [];
  const keyCells: number[] = [];
  const push = (cells: PlanCell[], kind?: "bold" | "head", money?: number[]) => {
    const r = rows.length;
    const line = cells.slice(0, W);
    while (line.length < W) line.push(null);
    rows.push(line);
    if (kind === "bold") bold.push(r);
    if (kind === "head") heads.push(r);
    if (money) moneyCols.set(r, money);
    return r;
  };
  const d = (v: Value): PlanCell => (isNum(v) ? { d: serialToIso(v) } : null);
  const n = (v: Value): PlanCell => (isNum(v) ? round2(v) : v === null || v === undefined ? null : String(v));
  const t = (v: Value): PlanCell => (v === null || v === undefined || v === "" ? null : String(v));

  push([`${STATEMENT_TITLE}: ${p.label}${pcn ? `, ${pcn}` : ""}`], "bold");
  push([`Locked on ${lockedOn}. These are values, frozen when the statement was locked: PCN Toolkit never rewrites this sheet. The ${spec.name} sheet holds the live figures.`]);
  push(["Period", p.label, "From", { d: serialToIso(p.start) }, "To", { d: serialToIso(p.end) }, "Locked on", { d: today }]);
  dateCells.push({ row: 2, col: 3 }, { row: 2, col: 5 }, { row: 2, col: 7 });
  if (earlier.length) push([`This version follows ${earlier.join(", ")}.`]);
  for (const w of warnings.filter((x) => !x.includes("was locked before"))) push([`Note: ${w}`]);
  push([]);
  push(["The network's streams for the period"], "bold");
  push(["Ref", "Income stream", "Description", "Status", "Date received", "Amount (£)", "Costs taken off (£)", "To distribute (£)", "Method", "Key", "Agreed by", "Agreed on", "Minutes", "To practices (£)", "Retained at PCN (£)"], "head");
  const costsOf = (s: Stream) => round2((isNum(s.values.costOwn) ? s.values.costOwn : 0) + (isNum(s.values.costShared) ? s.values.costShared : 0));
  for (const s of shown) {
    const r = push([
      t(s.r.ref), t(s.r.source), t(s.r.description), t(s.values.status), d(s.r.dateReceived), n(s.values.amount), costsOf(s), n(s.values.net),
      t(s.r.method), t(s.r.key), t(s.r.agreedBy), d(s.r.agreedOn), t(s.r.minutes), n(s.values.toPractices), n(s.values.retained),
    ], undefined, [5, 6, 7, 13, 14]);
    dateCells.push({ row: r, col: 4 }, { row: r, col: 11 });
  }
  const tot = (f: (s: Stream) => number) => round2(shown.reduce((a, s) => a + f(s), 0));
  const num0 = (v: Value) => (isNum(v) ? v : 0);
  push(["Total", null, null, null, null, tot((s) => num0(s.values.amount)), tot(costsOf), tot((s) => num0(s.values.net)), null, null, null, null, null, tot((s) => num0(s.values.toPractices)), tot((s) => num0(s.values.retained))], "bold", [5, 6, 7, 13, 14]);

  const yearEnd = p.kind === "year" ? practices.map((_, k) => m.env.cell(`Dist_YearAlloc${k + 1}`)) : [];
  practices.forEach((practice, k) => {
    push([]);
    breaks.push(rows.length);
    push([`${practice}: statement for ${p.label}`], "bold");
    push([`${pcn ? `${pcn}. ` : ""}Locked on ${lockedOn}: values, not formulas.`]);
    push(["Ref", "Income stream", "Description", "Status", "Method", "Key value", "Stream amount (£)", "Costs taken off (£)", "To distribute (£)", "This practice receives (£)"], "head");
    for (const s of shown) {
      const r = push([t(s.r.ref), t(s.r.source), t(s.r.description), t(s.values.status), t(s.r.method), isNum(s.weights[k]) ? s.weights[k] as number : t(s.weights[k]), n(s.values.amount), costsOf(s), n(s.values.net), n(s.shares[k])], undefined, [6, 7, 8, 9]);
      keyCells.push(r);
    }
    const period = round2(shown.reduce((a, s) => a + num0(s.shares[k]), 0));
    push([`Total for ${p.label}`, null, null, null, null, null, null, null, null, period], "bold", [9]);
    if (p.kind === "year" && isNum(yearEnd[k])) {
      push(["Year-end allocation of the surplus (+) or deficit (-) (Distribution Summary)", null, null, null, null, null, null, null, null, round2(yearEnd[k] as number)], undefined, [9]);
    }
    const y = round2(ytd.reduce((a, s) => a + num0(s.shares[k]), 0)) + (p.kind === "year" && isNum(yearEnd[k]) ? round2(yearEnd[k] as number) : 0);
    push([p.kind === "year" ? `The year ${m.env.year.year}` : `Year to date (streams of periods ending by ${fmtDate(p.end)})`, null, null, null, null, null, null, null, null, round2(y)], "bold", [9]);
  });

  const sp = emptySheetPlan("_statement", name, true);
  sp.blocks.push({ row: 0, col: 0, cells: rows });
  // Everything as it is: text stays text (numbers and dates are values with their formats).
  for (const [r, cols] of moneyCols) for (const c of cols) sp.formats.push({ range: { row: r, col: c, rows: 1, cols: 1 }, format: FORMATS.money });
  for (const r of keyCells) sp.formats.push({ range: { row: r, col: 5, rows: 1, cols: 1 }, format: "#,##0.00####" });
  for (const x of dateCells) sp.formats.push({ range: { row: x.row, col: x.col, rows: 1, cols: 1 }, format: FORMATS.date });
  for (const r of bold) sp.styles.push({ range: { row: r, col: 0, rows: 1, cols: W }, bold: true });
  for (const r of heads) sp.styles.push({ range: { row: r, col: 0, rows: 1, cols: W }, bold: true, fill: COLOURS.header, fontColor: COLOURS.headerFont, wrap: true });
  [9, 28, 28, 12, 12, 14, 14, 14, 20, 16, 16, 12, 20, 14, 14].forEach((width, col) => sp.columnWidths.push({ col, width }));
  sp.print = { orientation: "landscape", fitToWidth: true, area: { row: 0, col: 0, rows: rows.length, cols: W }, rowBreaks: breaks };
  return { plan: { year: m.env.year.year, sheets: [sp], names: [], warnings: [] }, sheet: name, period: p.label, warnings };
}

/** Every stream of the Distribution sheet with what the core computes for it. */
function streamsOf(m: Model, spec: SheetSpec, periods: Period[]): Stream[] {
  const cols = spec.table!.columns;
  const named = (k: string) => { const c = cols.find((x) => x.key === k)!; return m.env.column(spec.table!.namePrefix + c.name); };
  const keys = ["status", "amount", "costOwn", "costShared", "net", "outcome", "toPractices", "retained", "check"];
  const values = Object.fromEntries(keys.map((k) => [k, named(k)]));
  const shareCols = cols.filter((c) => /^s\d+$/.test(c.key));
  const weightCols = cols.filter((c) => /^w\d+$/.test(c.key));
  const shares = shareCols.map((c) => m.env.column(spec.table!.namePrefix + c.name));
  return m.rowsOf("distribution").flatMap((r, i): Stream[] => {
    if (r.ref === null || r.ref === "") return [];
    const period = periods.find((x) => cellEq(r.period, x.label));
    if (!period) return [];
    return [{
      r, i, period,
      values: Object.fromEntries(keys.map((k) => [k, values[k][i]])),
      shares: shares.map((col) => col[i]),
      weights: weightCols.map((c) => c.compute!(r, m.env)),
    }];
  });
}
