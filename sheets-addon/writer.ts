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
import { MEMORY_KEYS, type Memory } from "./memory";
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
  /** PCN_Meta and PCN_Data for the sheets finished (a build of several executions); without it, as planned. */
  memory?: Memory;
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

/** The dropdown lists first (rules refer to them), then the plan's order; the memory sheets (memory.ts) come last. */
function buildOrder(plan: WritePlan): number[] {
  const rank = (p: SheetPlan) => (p.key === "_lists" ? 0 : 1);
  return plan.sheets
    .map((_, i) => i)
    .filter((i) => !MEMORY_KEYS.includes(plan.sheets[i].key))
    .sort((i, j) => rank(plan.sheets[i]) - rank(plan.sheets[j]) || i - j);
}

/**
 * Applies the plan, step by step, until it is done or the budget is spent; caller holds the build lease.
 * Every sheet exists and has a big enough grid before any is written: dropdowns, charts and formulas refer
 * across sheets. A sheet's names are set when the sheet is finished, and only those of sheets in the plan.
 * The memory sheets are written last, whether the execution finishes, stops or fails, for what it finished;
 * time is kept for them. A sheet whose columns move is written within one execution (its memory entry at once).
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
  const grid: { rows: number; cols: number }[] = [];
  const fit = (i: number, p: SheetPlan) => {
    const need = planExtent(p, wanted.get(p.name));
    const g = (grid[i] ??= states[i] === "new" ? { rows: NEW_SHEET_ROWS, cols: NEW_SHEET_COLS } : { rows: targets[i].getMaxRows(), cols: targets[i].getMaxColumns() });
    if (need.rows > g.rows) targets[i].insertRowsAfter(g.rows, need.rows - g.rows);
    if (need.cols > g.cols) targets[i].insertColumnsAfter(g.cols, need.cols - g.cols);
    g.rows = Math.max(g.rows, need.rows);
    g.cols = Math.max(g.cols, need.cols);
  };
  plan.sheets.forEach((p, i) => fit(i, p));

  const namesOn = (name: string): NamedRange[] => plan.names.filter((n) => n.sheet === name);
  const order = buildOrder(plan);
  const total = plan.sheets.length;
  const built: string[] = [];
  const estimator = new Estimator();
  const hardMs = budget ? (budget.hardMs ?? budget.limitMs + 60000) : Infinity;
  let ran = 0;
  let stopped: Resume | undefined;
  const run = (step: Step) => {
    const t = now();
    step.run();
    estimator.learn(step, now() - t);
    ran++;
  };
  const finished = (i: number) => {
    built.push(plan.sheets[i].key);
    created.delete(plan.sheets[i].name);
  };

  // The memory sheets, for the sheets finished so far: every step, whatever the time (their time is kept aside).
  const memoryAt = plan.sheets.map((p, i) => i).filter((i) => MEMORY_KEYS.includes(plan.sheets[i].key));
  const memoryPlans = () => {
    const composed = o.memory?.plans(new Set(built));
    return memoryAt.map((i) => ({ i, p: composed?.find((c) => c.key === plan.sheets[i].key) ?? plan.sheets[i] }));
  };
  const writeMemory = () => {
    for (const { i, p } of memoryPlans()) {
      fit(i, p);
      for (const step of sheetSteps(ctx, targets[i], p, states[i], namesOn(p.name))) run(step);
      // Written now: a sheet this build inserted holds something on its next write.
      if (states[i] === "new") states[i] = "resumed";
    }
  };
  let memorySteps: Step[] | undefined;
  const memoryTime = () => (memorySteps ??= memoryAt.flatMap((i) => sheetSteps(ctx, targets[i], plan.sheets[i], states[i], []))).reduce((ms, s) => ms + estimator.estimate(s), 0);

  let failed = true;
  try {
    for (let n = 0; n < order.length && !stopped; n++) {
      const i = order[n];
      const p = plan.sheets[i];
      // Said before the sheet's steps are made and run.
      onProgress?.({ done: n, total, label: p.name });
      const hash = planHash(p);
      const steps = sheetSteps(ctx, targets[i], p, states[i], namesOn(p.name));
      // The same sheet with the same plan as where the last execution stopped: its earlier steps are done.
      const from = o.resume && o.resume.key === p.key && o.resume.name === p.name && o.resume.hash === hash && states[i] !== "new" ? Math.min(o.resume.step, steps.length) : 0;
      // Half in its old columns and half in its new ones, a sheet would be read back wrong: all its steps in one
      // execution (it waits for the next if this one has too little time left).
      let whole = !!o.memory?.relayout(p.key);
      for (let k = from; k < steps.length; k++) {
        const step = steps[k];
        if (budget && (k === from || !whole)) {
          const elapsed = now() - budget.startedAt;
          const time = (x: Step[]) => x.reduce((ms, s) => ms + estimator.estimate(s), 0) + memoryTime();
          // Too long even for an execution of its own: it goes step by step after all.
          if (whole && ran === 0 && elapsed + time(steps.slice(k)) > hardMs) whole = false;
          const cost = time(whole ? steps.slice(k) : [step]);
          const late = elapsed > budget.limitMs || elapsed + cost > hardMs;
          // At least one step per execution, so a build always moves on, unless even that would overrun.
          if (late && (ran > 0 || elapsed + cost > hardMs)) {
            stopped = { key: p.key, name: p.name, step: k, hash };
            break;
          }
        }
        run(step);
      }
      if (stopped) break;
      finished(i);
      if (whole) writeMemory();
    }
    failed = false;
  } finally {
    // Also when a step failed: what was finished is remembered as it stands.
    try {
      writeMemory();
      for (const i of memoryAt) finished(i);
    } catch (e) {
      if (!failed) throw e;
    }
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
