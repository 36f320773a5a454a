/**
 * The core's own evaluation of a built workbook, from its input cells: every computed column and report cell,
 * by the `compute` beside each formula. Tests compare it with what real spreadsheet engines compute, and
 * "Check register" uses it, so the pane works on any host whether or not it has recalculated.
 */
import { readMeta } from "./engine";
import { isoToSerial, serialToIso, type SheetSnapshot, type WorkbookSnapshot } from "./plan";
import type { Finding } from "./register";
import type { Env, RowValues, SheetSpec, Value } from "./spec";
import { getYear } from "../rates/book";
import { GP_SCHEME_RATES } from "../funding/gpScheme";
import { GP_FIGURES_ROW, TRANSFER_ROW } from "./sheets/gpScheme";
// build.ts imports this module too: the cycle is safe because both only call each other at run time.
import { workbookSpecs } from "./build";
import { supersededFindings } from "./revisions";
import { kpiFindings } from "./sheets/kpis";
import { distributionFindings } from "./sheets/distributionSummary";
import { asText, blank, isNum, KEY_SRC } from "./sheets/common";
import { BOARD_BELBIN_FIRST_ROW } from "./sheets/board";
import { KD, keyDateLists } from "./sheets/keyDates";
import { isOpenAction } from "./sheets/meetings";

export interface ComputedCell { sheet: string; row: number; col: number; value: Value }

export interface Model {
  specs: SheetSpec[];
  env: Env;
  rowsOf(key: string): RowValues[];
  snapOf(key: string): SheetSnapshot | undefined;
}

export function buildModel(snapshot: WorkbookSnapshot, todayIso: string): Model | null {
  if (!readMeta(snapshot).year) return null;
  const { specs, meta } = workbookSpecs(snapshot, { year: readMeta(snapshot).year, today: todayIso });
  const snapOf = (key: string) => {
    const spec = specs.find((s) => s.key === key);
    return spec ? snapshot.sheets.find((s) => s.name === spec.name) : undefined;
  };
  const rowsCache = new Map<string, RowValues[]>();
  const rowsOf = (key: string): RowValues[] => {
    const hit = rowsCache.get(key);
    if (hit) return hit;
    const spec = specs.find((s) => s.key === key)!;
    const m = meta.sheets.find((x) => x.key === key);
    const snap = snapOf(key);
    const out: RowValues[] = [];
    if (spec.table && snap && m) {
      // The rows the meta sheet says the table spans, but never more than the host read of the sheet.
      const rows = Math.min(m.capacity, Math.max(snap.values.length, snap.formulas.length) - 1);
      for (let r = 1; r <= rows; r++) {
        const rec: RowValues = { __row: r + 1, __index: r - 1 };
        spec.table.columns.forEach((c, i) => {
          const v = snap.values[r]?.[i];
          // Dates as the core counts them (1900 system), whichever system the workbook uses.
          rec[c.key] = v === undefined || v === "" ? null : c.type === "date" && typeof v === "number" && snapshot.date1904 ? v + 1462 : (v as Value);
        });
        out.push(rec);
      }
    }
    rowsCache.set(key, out);
    return out;
  };
  // Names: table columns, table row names, report cells.
  const columnNames = new Map<string, { key: string; col: string }>();
  const cellNames = new Map<string, () => Value>();
  const colMemo = new Map<string, Value[]>();
  const cellMemo = new Map<string, Value>();
  const recordMemo = new Map<string, Map<number, RowValues>>();
  const env: Env = {
    year: getYear(meta.year),
    today: isoToSerial(todayIso),
    column(name) {
      const hit = colMemo.get(name);
      if (hit) return hit;
      const cn = columnNames.get(name);
      if (!cn) throw new Error(`compute: unknown column name ${name}`);
      const spec = specs.find((s) => s.key === cn.key)!;
      const col = spec.table!.columns.find((c) => c.key === cn.col)!;
      const vals = rowsOf(cn.key).map((r) => (col.compute ? col.compute(r, env) : (r[col.key] ?? null)));
      colMemo.set(name, vals);
      return vals;
    },
    record(key, row) {
      let byRow = recordMemo.get(key);
      if (!byRow) recordMemo.set(key, (byRow = new Map(rowsOf(key).map((r) => [r.__row as number, r]))));
      return byRow.get(row);
    },
    cell(name) {
      if (cellMemo.has(name)) return cellMemo.get(name)!;
      const f = cellNames.get(name);
      if (!f) throw new Error(`compute: unknown cell name ${name}`);
      const v = f();
      cellMemo.set(name, v);
      return v;
    },
  };
  for (const spec of specs) {
    const t = spec.table;
    if (t) {
      for (const c of t.columns) if (c.name) columnNames.set(t.namePrefix + c.name, { key: spec.key, col: c.key });
      if (t.rowNames) {
        for (const r of rowsOf(spec.key)) {
          const nm = t.rowNames(r);
          if (nm && !cellNames.has(nm.name)) cellNames.set(nm.name, () => r[nm.column] ?? null);
        }
      }
    }
    const snap = snapOf(spec.key);
    for (const rep of spec.reports ?? []) {
      rep.rows.forEach((row, r) =>
        row.forEach((rc, c) => {
          if (!rc?.name) return;
          const fromSheet = () => (snap?.values[r]?.[rep.col + c] ?? null) as Value;
          // An input still holding the formula we seeded it with is ours to compute (a file not yet recalculated).
          const seeded = () => {
            const f = snap?.formulas[r]?.[rep.col + c];
            return !!f && typeof rc.cell === "object" && rc.cell !== null && "f" in rc.cell && f.replace(/\s/g, "").toUpperCase() === rc.cell.f.replace(/\s/g, "").toUpperCase();
          };
          cellNames.set(rc.name, rc.input ? () => (rc.compute && seeded() ? rc.compute(env) : fromSheet()) : rc.compute ? () => rc.compute!(env) : fromSheet);
        }),
      );
    }
  }
  return { specs, env, rowsOf, snapOf };
}

/** Every computed cell of every sheet this product built, as the core computes it. */
export function computeWorkbook(snapshot: WorkbookSnapshot, todayIso: string): ComputedCell[] {
  const m = buildModel(snapshot, todayIso);
  if (!m) return [];
  const out: ComputedCell[] = [];
  for (const spec of m.specs) {
    if (!m.snapOf(spec.key)) continue;
    if (spec.table) {
      const rows = m.rowsOf(spec.key);
      spec.table.columns.forEach((c, ci) => {
        if (!c.compute) return;
        const vals = c.name ? m.env.column(spec.table!.namePrefix + c.name) : rows.map((r) => c.compute!(r, m.env));
        vals.forEach((v, i) => out.push({ sheet: spec.name, row: i + 1, col: ci, value: v }));
      });
    }
    for (const rep of spec.reports ?? []) {
      rep.rows.forEach((row, r) =>
        row.forEach((rc, c) => {
          if (!rc || rc.input || !rc.compute) return;
          out.push({ sheet: spec.name, row: r, col: rep.col + c, value: rc.name ? m.env.cell(rc.name) : rc.compute(m.env) });
        }),
      );
    }
  }
  return out;
}

const fmtDate = (serial: number) => serialToIso(serial).split("-").reverse().join("/");
/** £1,234.56: written out so every host (Apps Script included) formats alike. */
export const fmtMoney = (x: number) => {
  const [i, d] = Math.abs(x).toFixed(2).split(".");
  return `${x < 0 ? "-" : ""}£${i.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${d}`;
};

export function computeFindings(snapshot: WorkbookSnapshot, todayIso: string): Finding[] {
  const m = buildModel(snapshot, todayIso);
  if (!m) return [];
  const findings: Finding[] = [];
  const p = m.specs.find((s) => s.key === "partnerships")!;
  if (m.snapOf("partnerships")) {
    const cols = p.table!.columns;
    const colOf = (k: string) => cols.findIndex((c) => c.key === k) + 1;
    const computed = (k: string) => m.env.column(`Partnership_${cols.find((c) => c.key === k)!.name}`);
    const status = computed("status"), days = computed("daysToNotice"), gov = computed("govComplete"), contacts = computed("missingContacts"), review = computed("reviewStatus"), nd = computed("noticeDate");
    m.rowsOf("partnerships").forEach((r, i) => {
      if (r.ref === null || r.ref === "") return;
      const ref = String(r.ref);
      const who = r.partner ? `${ref} ${String(r.partner)}` : ref;
      const row = r.__row as number;
      const st = status[i];
      if (typeof st === "string" && st && st !== "Fine" && st !== "Ended") {
        const d = days[i] as number;
        findings.push({
          severity: st === "Overdue" || d <= 14 ? "red" : "amber", sheet: p.name, row, col: colOf("noticeDate"), ref: who,
          message: st === "Overdue" ? `Notice date ${fmtDate(nd[i] as number)} has passed (${-d} days ago).` : `Notice date ${fmtDate(nd[i] as number)} is in ${d} days.`,
        });
      }
      if (review[i] === "Review overdue") findings.push({ severity: "amber", sheet: p.name, row, col: colOf("reviewDate"), ref: who, message: `Review was due on ${fmtDate(r.reviewDate as number)}.` });
      if (typeof gov[i] === "number" && (gov[i] as number) < 1) {
        const missing = cols.filter((c) => c.key.startsWith("gov") && c.choices).filter((c) => r[c.key] !== "Agreed" && r[c.key] !== "Not applicable").map((c) => c.header);
        findings.push({ severity: "amber", sheet: p.name, row, col: colOf("govClinical"), ref: who, message: `Governance not agreed: ${missing.join(", ")}.` });
      }
      if (typeof contacts[i] === "number" && (contacts[i] as number) > 0) {
        const missing = cols.filter((c) => c.key.startsWith("contact")).filter((c) => r[c.key] === null || r[c.key] === "").map((c) => c.header.replace(/^Contact: /, ""));
        findings.push({ severity: "amber", sheet: p.name, row, col: colOf("contactDecisions"), ref: who, message: `No point of contact for: ${missing.join(", ")}.` });
      }
    });
  }
  const a = m.specs.find((s) => s.key === "arrs")!;
  if (m.snapOf("arrs")) {
    const checks = m.env.column("Arrs_Check");
    const cols = a.table!.columns;
    m.rowsOf("arrs").forEach((r, i) => {
      if (r.ref === null || r.ref === "") return;
      const c = checks[i];
      if (typeof c === "string" && c && c !== "OK") findings.push({ severity: "amber", sheet: a.name, row: r.__row as number, col: cols.findIndex((x) => x.key === "check") + 1, ref: String(r.ref), message: c });
    });
    const sh = m.specs.find((s) => s.key === "arrsShares")!;
    if (m.snapOf("arrsShares")) {
      const shChecks = m.env.column("Share_Check");
      const shCol = sh.table!.columns.findIndex((x) => x.key === "check") + 1;
      m.rowsOf("arrsShares").forEach((r, i) => {
        const c = shChecks[i];
        if (typeof c === "string" && c && c !== "OK") findings.push({ severity: "amber", sheet: sh.name, row: r.__row as number, col: shCol, ref: String(r.post), message: c });
      });
    }
    const sum = m.specs.find((s) => s.key === "arrsSummary")!;
    if (m.snapOf("funding") && m.snapOf("arrsSummary")) {
      const status = m.env.cell("Arrs_Status");
      const head = m.env.cell("Arrs_Headroom");
      const at = { sheet: sum.name, row: 4, col: 2 };
      if (typeof status === "string" && status.startsWith("Over")) findings.push({ severity: "red", ...at, ref: "ARRS", message: `Claims exceed the ARRS allocation by ${fmtMoney(Math.abs(head as number))}.` });
      const left = m.env.cell("Arrs_LeftOut");
      if (typeof status === "string" && status.startsWith("Incomplete")) {
        const n = left as number;
        findings.push({ severity: "amber", ...at, ref: "ARRS", message: `Committed ARRS claims leave out ${n} post${n === 1 ? "" : "s"} whose claim cannot be worked out (see ${a.name}'s Check), so the headroom of ${fmtMoney(head as number)} is overstated.` });
      }
      if (typeof status === "string" && status.startsWith("Under")) findings.push({ severity: "amber", ...at, ref: "ARRS", message: `${fmtMoney(head as number)} of the ARRS allocation is not committed; unclaimed ARRS cannot be carried forward.` });
      if (typeof head === "number" && status === "On track") findings.push({ severity: "info", ...at, ref: "ARRS", message: `ARRS headroom ${fmtMoney(head)}: on track.` });
    }
  }
  findings.push(...gpSchemeFindings(m));
  findings.push(...distributionFindings(m.specs, m.rowsOf, (k) => !!m.snapOf(k), m.env));
  findings.push(...keyDateFindings(m), ...networkFindings(m));
  // Figures a later revision replaced, and the claims that use them.
  findings.push(...supersededFindings(m.env.year, m.specs, m.rowsOf, m.snapOf));
  const iif = m.specs.find((s) => s.key === "iif");
  if (iif && m.snapOf("iif")) {
    const cols = iif.table!.columns;
    const at = (k: string) => cols.findIndex((c) => c.key === k);
    m.rowsOf("iif").forEach((r) => {
      if (r.code === null || r.code === "") return;
      const code = String(r.code);
      if (r.points === null || r.lower === null || r.upper === null) {
        findings.push({ severity: "amber", sheet: iif.name, row: r.__row as number, col: at("points") + 1, ref: code, message: "Points or thresholds are not known: enter them from the IIF guidance for the year." });
        return;
      }
      const needed = cols.find((c) => c.key === "needed")!.compute!(r, m.env);
      if (typeof needed === "number" && needed > 0) {
        findings.push({ severity: "info", sheet: iif.name, row: r.__row as number, col: at("needed") + 1, ref: code, message: `${needed} more patient${needed === 1 ? "" : "s"} needed to reach the upper threshold (${Math.round(Number(r.upper) * 1000) / 10}%).` });
      }
    });
  }
  const kpis = m.specs.find((s) => s.key === "kpis");
  if (kpis && m.snapOf("kpis")) findings.push(...kpiFindings(kpis, m.rowsOf("kpis"), m.env));
  const order = { red: 0, amber: 1, info: 2 };
  return findings.sort((x, y) => order[x.severity] - order[y.severity]);
}

/** The practice-level GP reimbursement scheme: claims to fix or capped, practices over-claimed, transfers, unknown figures. */
function gpSchemeFindings(m: Model): Finding[] {
  const out: Finding[] = [];
  const claims = m.specs.find((s) => s.key === "gpClaims");
  const scheme = m.specs.find((s) => s.key === "gpScheme");
  if (!claims || !scheme) return out;
  if (m.snapOf("gpClaims")) {
    const cols = claims.table!.columns;
    const checks = m.env.column("GpClaim_Check");
    m.rowsOf("gpClaims").forEach((r, i) => {
      const c = checks[i];
      if (typeof c === "string" && c && c !== "OK") out.push({ severity: "amber", sheet: claims.name, row: r.__row as number, col: cols.findIndex((x) => x.key === "check") + 1, ref: String(r.ref), message: c });
    });
  }
  if (m.snapOf("gpScheme")) {
    const cols = scheme.table!.columns;
    const status = m.env.column("Gp_Status"), head = m.env.column("Gp_Headroom");
    m.rowsOf("gpScheme").forEach((r, i) => {
      const s = status[i], h = head[i];
      if (typeof s !== "string" || !s || s === "OK: fully claimed") return;
      const at = { sheet: scheme.name, row: r.__row as number, col: cols.findIndex((x) => x.key === "status") + 1, ref: String(r.practice) };
      if (s === "OK: entitlement left to claim") {
        if (typeof h === "number") out.push({ severity: "info", ...at, message: `${fmtMoney(h)} of the GP reimbursement scheme entitlement is not yet claimed: claim it, or transfer it to another practice of the PCN through the ICB.` });
        return;
      }
      const over = typeof h === "number" && h < 0;
      out.push({ severity: over || /transferred out/.test(s) ? "red" : "amber", ...at, message: over ? `${s} (by ${fmtMoney(-h)}).` : `${s}.` });
    });
  }
  const summary = m.specs.find((s) => s.key === "gpSummary");
  if (summary && m.snapOf("gpSummary")) {
    const net = m.env.cell("Gp_TransferNet");
    if (typeof net === "number" && Math.abs(net) > 0.005) {
      out.push({ severity: "red", sheet: summary.name, row: TRANSFER_ROW + 1, col: 3, ref: "GP scheme", message: `Transfers of entitlement between practices add up to ${fmtMoney(net)}, not £0.00: every amount one practice transfers out must be transferred in by another.` });
    }
    // The year's figures are listed one a row, in GP_SCHEME_RATES order.
    Object.values(GP_SCHEME_RATES).forEach((key, i) => {
      const v = m.env.cell(`Rate_${key}`);
      if (v === null || v === "") {
        const r = m.env.year.rates[key];
        out.push({ severity: "amber", sheet: summary.name, row: GP_FIGURES_ROW + i + 1, col: 2, ref: "GP scheme", message: `${r?.label ?? key} is not known: enter it on the Rates sheet (${r?.source ?? "see the Statement of Financial Entitlements"}).` });
      }
    });
  }
  return out;
}

// ---- building the network (issue #11): key dates within 30 days, overdue actions, Belbin roles, the agreement ----

/** Days ahead a key date is reported. */
export const KEY_DATE_DAYS = 30;

/**
 * Key dates within 30 days, at the record they come from (the Key Dates sheet's own for the year's dates).
 * Partnerships' notice dates are left out: their own finding says more (within 90 days); open actions' due dates
 * come with the actions' findings below.
 */
function keyDateFindings(m: Model): Finding[] {
  const kd = m.specs.find((s) => s.key === "keyDates");
  if (!kd || !m.snapOf("keyDates")) return [];
  const ctx = { year: m.env.year, sheetName: (k: string) => m.specs.find((s) => s.key === k)?.name ?? k, kpiMonths: 12 };
  const colOf = (key: string, col: string) => (m.specs.find((s) => s.key === key)?.table?.columns.findIndex((c) => c.key === col) ?? -1) + 1;
  const dateCol: Record<string, [string, string]> = { partnerships: ["partnerships", "reviewDate"], arrs: ["arrs", "end"], agreement: ["agreement", "reviewDate"], priorities: ["priorities", "reviewDate"], meetings: ["meetings", "date"] };
  const out: Finding[] = [];
  for (const x of keyDateLists(ctx, m.env).up) {
    const days = x.date - m.env.today;
    if (days > KEY_DATE_DAYS) break;
    if (x.src === KEY_SRC.notice || x.src === KEY_SRC.actionDue) continue;
    const when = days === 0 ? "today" : days === 1 ? "tomorrow" : `in ${days} days`;
    // A year's date sits in the year's dates table beside the list, under its own "Date" header (not in row 1).
    const at = x.src === KEY_SRC.year ? { sheet: x.sheet, row: x.row, col: KD.yearCol + 2, field: "Date" } : { sheet: x.sheet, row: x.row, col: colOf(...dateCol[x.sheetKey]) || undefined };
    // A record without a reference (an agreement item) is named by what it is.
    const ref = x.ref || (x.src === KEY_SRC.year ? kd.name : x.what.slice(x.what.indexOf(": ") + 2));
    out.push({ severity: days <= 7 && x.src !== KEY_SRC.meeting ? "amber" : "info", ...at, ref, message: `${x.what}: ${fmtDate(x.date)}, ${when}.` });
  }
  return out;
}

/** Overdue meeting actions, Belbin roles nobody on the board covers, representation gaps, agreement items not agreed, priorities' reviews overdue. */
function networkFindings(m: Model): Finding[] {
  const out: Finding[] = [];
  const colOf = (spec: SheetSpec, key: string) => spec.table!.columns.findIndex((c) => c.key === key) + 1;
  const actions = m.specs.find((s) => s.key === "actions");
  if (actions && m.snapOf("actions")) {
    const state = m.env.column("Action_State");
    m.rowsOf("actions").forEach((r, i) => {
      if (blank(r.ref)) return;
      const who = blank(r.owner) ? "no owner" : asText(r.owner);
      const what = asText(r.action);
      if (state[i] === "Overdue") {
        const late = m.env.today - (r.due as number);
        out.push({ severity: late > 14 ? "red" : "amber", sheet: actions.name, row: r.__row as number, col: colOf(actions, "due"), ref: asText(r.ref), message: `Action overdue since ${fmtDate(r.due as number)} (${late} day${late === 1 ? "" : "s"}; ${who}): ${what}` });
      } else if (isOpenAction(r) && isNum(r.due) && r.due - m.env.today <= KEY_DATE_DAYS) {
        const d = r.due - m.env.today;
        out.push({ severity: d <= 7 ? "amber" : "info", sheet: actions.name, row: r.__row as number, col: colOf(actions, "due"), ref: asText(r.ref), message: `Action due ${d === 0 ? "today" : `in ${d} day${d === 1 ? "" : "s"}`}, ${fmtDate(r.due)} (${who}): ${what}` });
      }
    });
  }
  const board = m.specs.find((s) => s.key === "board");
  if (board && m.snapOf("board")) {
    const members = m.rowsOf("board").filter((r) => !blank(r.name));
    const R0 = board.reports![0].col;
    const at = (row: number) => ({ sheet: board.name, row: row + 1, col: R0 + 1, ref: "Board" });
    if (!members.length) out.push({ severity: "info", ...at(0), message: "No board members are listed: add them, with their Belbin roles, to see whom the board represents and which team roles nobody covers." });
    else {
      const uncovered = m.env.cell("Board_Uncovered");
      if (typeof uncovered === "string" && !uncovered.startsWith("None")) out.push({ severity: "amber", ...at(BOARD_BELBIN_FIRST_ROW - 1), message: `Belbin team roles nobody on the board covers: ${uncovered.replace(/; /g, ", ")}.` });
      if (m.env.cell("Board_Patients") === 0) out.push({ severity: "info", ...at(2), message: "No patient representative on the board." });
      if (m.env.cell("Board_Pharmacy") === 0) out.push({ severity: "info", ...at(3), message: "No community pharmacy representative on the board." });
      const total = countIfText(m.env.column("Practice_Name")), covered = m.env.cell("Board_PracticesCovered");
      if (typeof covered === "number" && total > covered) out.push({ severity: "info", ...at(1), message: `${total - covered} of ${total} member practices have no one on the board.` });
    }
  }
  const agreement = m.specs.find((s) => s.key === "agreement");
  if (agreement && m.snapOf("agreement")) {
    const state = m.env.column("Agreement_State");
    m.rowsOf("agreement").forEach((r, i) => {
      if (blank(r.item)) return;
      const s = state[i];
      const row = r.__row as number, ref = asText(r.item);
      if (s === "Not agreed yet" || s === "Being agreed" || s === "Set its status") {
        out.push({ severity: "amber", sheet: agreement.name, row, col: colOf(agreement, "status"), ref, message: s === "Set its status" ? "Network agreement item with no status: is it agreed?" : `Network agreement item not agreed (${blank(r.status) ? "no status" : asText(r.status).toLowerCase()}).` });
      } else if (s === "Agreed: review overdue") {
        out.push({ severity: "amber", sheet: agreement.name, row, col: colOf(agreement, "reviewDate"), ref, message: `Network agreement item due for review since ${fmtDate(r.reviewDate as number)}.` });
      }
    });
  }
  const priorities = m.specs.find((s) => s.key === "priorities");
  if (priorities && m.snapOf("priorities")) {
    const review = m.env.column("Priority_ReviewStatus");
    m.rowsOf("priorities").forEach((r, i) => {
      if (review[i] === "Review overdue") out.push({ severity: "amber", sheet: priorities.name, row: r.__row as number, col: colOf(priorities, "reviewDate"), ref: asText(r.ref), message: `Priority review was due on ${fmtDate(r.reviewDate as number)}: ${asText(r.priority)}` });
    });
  }
  return out;
}

const countIfText = (vals: Value[]) => vals.filter((v) => typeof v === "string" && v.length > 0).length;
