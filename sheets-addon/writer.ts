/**
 * Google Sheets host: applies a WritePlan with SpreadsheetApp, as many steps as one execution's time allows.
 * Every call is a round trip to Google, so the writer only makes whole-range, range-list or 2-D calls: the
 * number of calls per sheet depends on the plan's rule count, and large writes are cut into row slices of a
 * bounded size so that a time check falls between any two of them.
 *
 * Where things live: surface.ts (the Apps Script types), cells.ts (literal text and dates), paint.ts (how to
 * lay properties over cells in the fewest calls), rules.ts (validation and conditional format rules),
 * sheet-steps.ts (one sheet's steps), read.ts (snapshots).
 */
import type { NamedRange, RangeRef, SheetPlan, WritePlan } from "../core/workbook/plan";
import { parseSheetA1, planExtent } from "./paint";
import { ValidationRules } from "./rules";
import { Handles, sheetSteps, type SheetState, type Step, type StepKind } from "./sheet-steps";
import type { Sheet, Spreadsheet } from "./surface";

export * from "./surface";
export { dateToSerialFn, needsApostrophe, toSheetValue } from "./cells";
export { columnWidthCalls, effectiveFormats, planExtent, PX_PER_CHAR } from "./paint";
export { readSnapshot } from "./read";

export interface ApplyProgress { done: number; total: number; label: string }

/**
 * The time one execution may spend: no step starts once more than `limitMs` have passed since `startedAt`
 * (ms, as `now` gives; Date.now by default), nor one whose estimated time would take it past `hardMs`.
 */
export interface TimeBudget { startedAt: number; limitMs: number; hardMs?: number; now?: () => number }

/** Where an execution stopped: the sheet (by key and name), the next step's index, and a fingerprint of that sheet's plan. */
export interface Resume { key: string; name: string; step: number; hash: string }

export interface ApplyOptions {
  budget?: TimeBudget;
  /** Sheets this build inserted in an earlier execution and has not finished (by name). */
  created?: string[];
  /** Where the previous execution of this build stopped. */
  resume?: Resume;
  /** Sheets already looked up (by name), so none is looked up again. */
  sheets?: Map<string, Sheet>;
}

/** `sheetsPlanned`: the plan's sheet count; `done` false when the time budget stopped it before the end. */
export interface ApplyResult {
  sheetsBuilt: string[];
  sheetsPlanned: number;
  warnings: string[];
  done: boolean;
  stopped?: Resume;
  /** Keys of the plan's sheets not finished, in plan order. */
  remaining: string[];
  /** Sheets this build inserted (now or earlier) and has not finished, by name. */
  created: string[];
  /** A sheet was inserted: Sheets shows a new sheet, so the person's place needs restoring. */
  inserted: boolean;
  /** getRanges() did not keep count or order, so ranges were fetched one by one. */
  rangeListProblem?: string;
}

/** A sheet Sheets inserts is 1000 rows by 26 columns (A-Z); a range outside its grid throws. */
export const NEW_SHEET_ROWS = 1000;
export const NEW_SHEET_COLS = 26;

/** A fingerprint of one sheet's plan, fed row by row (no one huge string for a 360,000-cell sheet). */
export function planHash(p: SheetPlan): string {
  let h = 0x811c9dc5;
  const feed = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  };
  const { blocks, ...rest } = p;
  feed(JSON.stringify(rest));
  for (const b of blocks) {
    feed(`|${b.row},${b.col}|`);
    for (const row of b.cells) feed(JSON.stringify(row));
  }
  return (h >>> 0).toString(36);
}

/** Milliseconds a step is expected to take: priors on the slow side, raised to what this execution has seen. */
class Estimator {
  private perCell: Record<StepKind, number> = { write: 0.25, format: 0.02, validation: 0.06, clear: 0.01, chart: 0, other: 0 };
  private perCall = 10;
  private chartCall = 40;
  estimate(s: Step): number {
    return s.calls * (s.kind === "chart" ? this.chartCall : this.perCall) + s.cells * this.perCell[s.kind];
  }
  learn(s: Step, ms: number) {
    if (s.cells >= 1000) this.perCell[s.kind] = Math.max(this.perCell[s.kind], (ms - s.calls * this.perCall) / s.cells);
    else if (s.kind === "chart" && s.calls > 0) this.chartCall = Math.max(this.chartCall, ms / s.calls);
    else if (s.calls >= 3) this.perCall = Math.max(this.perCall, ms / s.calls);
  }
}

/**
 * Helper sheets first (dropdown lists; the meta sheet and the data store, as the whole build leaves them, which
 * a later execution of it, planning only the sheets still to build, carries on from), then the plan's order.
 */
export const HELPER_ORDER = ["_lists", "_meta", "_data"];
function buildOrder(plan: WritePlan): number[] {
  const helper = (p: SheetPlan) => (HELPER_ORDER.includes(p.key) ? HELPER_ORDER.indexOf(p.key) : HELPER_ORDER.length);
  return plan.sheets.map((_, i) => i).sort((i, j) => helper(plan.sheets[i]) - helper(plan.sheets[j]) || i - j);
}

/**
 * Applies the plan, step by step, until it is done or the budget is spent; caller holds the build lease.
 * Every sheet exists and has a big enough grid before any is written: dropdowns, charts and formulas refer
 * across sheets. A sheet's names are set when the sheet is finished, and only those of sheets in the plan.
 */
export function applyPlan(ss: Spreadsheet, plan: WritePlan, onProgress?: (p: ApplyProgress) => void, opts?: ApplyOptions | TimeBudget): ApplyResult {
  const o: ApplyOptions = opts && "startedAt" in opts ? { budget: opts } : (opts ?? {});
  const budget = o.budget;
  const now = budget?.now ?? (() => Date.now());
  const known = new Map(o.sheets ?? []);
  const handles = new Handles(ss, known);
  const warnings: string[] = [];
  const wanted = new Map<string, RangeRef[]>();
  const want = (sheet: string, r: RangeRef) => wanted.set(sheet, [...(wanted.get(sheet) ?? []), r]);
  for (const n of plan.names) want(n.sheet, n.range);
  for (const s of plan.sheets) for (const c of s.charts) for (const x of [c.categories, ...c.series]) want(x.sheet, x.range);
  // Dropdown lists on a helper sheet: fetched with that sheet's own ranges.
  for (const s of plan.sheets) for (const v of s.validations) if (v.listSource) {
    const at = parseSheetA1(v.listSource);
    if (at) want(at.sheet, at.range);
  }
  const source = (src: string) => {
    const at = parseSheetA1(src);
    return at && handles.sheet(at.sheet) ? handles.get(at.sheet, at.range) : ss.getRange(src);
  };
  const ctx = {
    ss,
    handles,
    warnings,
    wanted,
    namesMade: new Set<string>(),
    rules: new ValidationRules(source),
  };

  // Every sheet, then every grid, before anything is written.
  const created = new Set(o.created ?? []);
  let inserted = false;
  const states: SheetState[] = [];
  const targets = plan.sheets.map((p, i) => {
    let sheet = known.get(p.name) ?? (o.sheets ? null : ss.getSheetByName(p.name));
    if (!sheet) {
      sheet = ss.insertSheet(p.name);
      inserted = true;
      states[i] = "new";
      created.add(p.name);
    } else states[i] = created.has(p.name) ? "resumed" : "existing";
    known.set(p.name, sheet);
    return sheet;
  });
  plan.sheets.forEach((p, i) => {
    const need = planExtent(p, wanted.get(p.name));
    const fresh = states[i] === "new";
    const rows = fresh ? NEW_SHEET_ROWS : targets[i].getMaxRows();
    const cols = fresh ? NEW_SHEET_COLS : targets[i].getMaxColumns();
    if (need.rows > rows) targets[i].insertRowsAfter(rows, need.rows - rows);
    if (need.cols > cols) targets[i].insertColumnsAfter(cols, need.cols - cols);
  });

  const namesOn = (name: string): NamedRange[] => plan.names.filter((n) => n.sheet === name);
  const order = buildOrder(plan);
  const total = plan.sheets.length;
  const built: string[] = [];
  const estimator = new Estimator();
  const hardMs = budget ? (budget.hardMs ?? budget.limitMs + 60000) : Infinity;
  let ran = 0;
  let stopped: Resume | undefined;
  for (let n = 0; n < order.length && !stopped; n++) {
    const i = order[n];
    const p = plan.sheets[i];
    const hash = planHash(p);
    const steps = sheetSteps(ctx, targets[i], p, states[i], namesOn(p.name));
    // The same sheet with the same plan as where the last execution stopped: its earlier steps are done.
    const from = o.resume && o.resume.key === p.key && o.resume.name === p.name && o.resume.hash === hash && states[i] !== "new" ? Math.min(o.resume.step, steps.length) : 0;
    onProgress?.({ done: n, total, label: p.name });
    for (let k = from; k < steps.length; k++) {
      const step = steps[k];
      if (budget) {
        const elapsed = now() - budget.startedAt;
        const late = elapsed > budget.limitMs || elapsed + estimator.estimate(step) > hardMs;
        // At least one step per execution, so a build always moves on, unless even that would overrun.
        if (late && (ran > 0 || elapsed + estimator.estimate(step) > hardMs)) {
          stopped = { key: p.key, name: p.name, step: k, hash };
          break;
        }
      }
      const t = now();
      step.run();
      estimator.learn(step, now() - t);
      ran++;
    }
    if (stopped) break;
    built.push(p.key);
    created.delete(p.name);
  }
  if (!stopped) onProgress?.({ done: total, total, label: "Done" });
  const doneKeys = new Set(built);
  const remaining = plan.sheets.filter((p) => !doneKeys.has(p.key)).map((p) => p.key);
  return {
    sheetsBuilt: built,
    sheetsPlanned: total,
    warnings,
    done: !stopped,
    stopped,
    remaining,
    created: [...created],
    inserted,
    rangeListProblem: handles.problem,
  };
}
