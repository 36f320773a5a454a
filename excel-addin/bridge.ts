/**
 * The pane's Bridge for Excel: every call is an Excel.run over the writer, with delayForCellEdit so that a person
 * typing in a cell holds a batch back rather than failing it. A build reads the workbook (one sync: the bridge keeps
 * the layout of its last read), plans with the core, and applies the plan as one undo step where Excel supports
 * merging (ExcelApi 1.20).
 */
import { PcnError } from "../core/errors";
import { buildPlan, checkRegister as coreCheckRegister, paneState, readWorkbookState } from "../core/workbook/build";
import type { Finding } from "../core/workbook/register";
import { planRatesFile } from "../core/workbook/ratesPlan";
import { lockStatementPlan } from "../core/workbook/statement";
import type { WritePlan } from "../core/workbook/plan";
import type { Bridge, BuildControl, BuildProgress, BuildRequest, BuildResult, HostState, RatesLoadResult, SelfTestReport } from "../pane/bridge";
import { applyPlan, applySheetVisibility } from "./apply";
import { setDate1904 } from "./dateSystem";
import { BuildFailure, BuildStopped, EDIT_MODE_ADVICE, errorCode, isEditModeError, readFailure } from "./errors";
import { toExcelInput } from "./literal";
import { readSnapshot, type ExcelSnapshot, type ReadLayout } from "./read";
import { runSelfTest } from "./selftest";
import { realClock, SYNC_TIMEOUT_MS, type Clock } from "./sync";

type Batch<T> = (ctx: Excel.RequestContext) => Promise<T>;
type Run = <T>(options: Excel.RunOptions | undefined, batch: Batch<T>) => Promise<T>;

export interface ExcelBridgeOptions {
  /** Excel.run (tests pass the fake's). */
  run?: Run;
  isSetSupported?: (name: string, version: string) => boolean;
  syncTimeoutMs?: number;
  /** Today's date (ISO) for the build (the sample's dates, notice and review status) and "Check register"; default the real today. Tests pin it. */
  today?: () => string;
  /** Timers (tests pass the fake's clock). */
  clock?: Clock;
  /** "web" (Excel on the web) or "desktop" (Windows, Mac); default from Office.context.platform. */
  platform?: "web" | "desktop";
  /** Charts per write sync (default the writer's). */
  maxChartsPerSync?: number;
  /** The host's version for the self-test's report (default Office.context.diagnostics). */
  version?: () => string;
}

const defaultRun: Run = (options, batch) => Excel.run(options ?? {}, batch);
const defaultSupports = (name: string, version: string) => {
  try {
    return !!Office.context?.requirements?.isSetSupported(name, version);
  } catch {
    return false;
  }
};
function defaultPlatform(): "web" | "desktop" {
  try {
    return String(Office.context?.platform ?? "") === "OfficeOnline" ? "web" : "desktop";
  } catch {
    return "desktop";
  }
}
function defaultVersion(): string {
  try {
    const d = Office.context?.diagnostics;
    return d ? `Excel ${d.platform} ${d.version}` : "Excel (version unknown)";
  } catch {
    return "Excel (version unknown)";
  }
}

/**
 * The writer's progress (plan sheets, helpers included, `done` the index of the first sheet a batch starts) in the
 * sheets a person sees: the count of those before it, and the next one of them as the sheet in hand.
 */
export function shownProgress(plan: WritePlan, onProgress: (p: BuildProgress) => void): (p: BuildProgress) => void {
  const shown = plan.sheets.filter((sp) => !sp.hidden);
  return (p) => {
    const at = Math.max(0, Math.floor(Number(p.done) || 0));
    if (at >= plan.sheets.length) return onProgress({ done: shown.length, total: shown.length, label: "Done" });
    const before = plan.sheets.slice(0, at).filter((sp) => !sp.hidden).length;
    const next = plan.sheets.slice(at).find((sp) => !sp.hidden);
    onProgress(next ? { done: before, total: shown.length, label: next.name } : { done: shown.length, total: shown.length, label: "Done" });
  };
}

/** Every batch waits for a cell being edited rather than failing (Excel.RunOptions.delayForCellEdit). */
const DELAY = { delayForCellEdit: true } as const;

export class ExcelBridge implements Bridge {
  private run: Run;
  private supports: (name: string, version: string) => boolean;
  private timeoutMs: number;
  private clock: Clock;
  private busy = false;
  /** The shape of the last read: lets the next read go in one sync. */
  private layout?: ReadLayout;

  constructor(private opts: ExcelBridgeOptions = {}) {
    this.run = opts.run ?? defaultRun;
    this.supports = opts.isSetSupported ?? defaultSupports;
    this.timeoutMs = opts.syncTimeoutMs ?? SYNC_TIMEOUT_MS;
    this.clock = opts.clock ?? realClock;
  }

  /**
   * Excel.run that gives up as soon as the batch fails: after a hung read Excel.run's own clean-up can wait on the
   * same stuck queue, and the pane must still get its answer.
   */
  private guarded<T>(options: Excel.RunOptions, batch: Batch<T>): Promise<T> {
    let fail!: (e: unknown) => void;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    const p = this.run({ ...DELAY, ...options }, async (ctx) => {
      try {
        return await batch(ctx);
      } catch (e) {
        fail(e);
        throw e;
      }
    });
    p.catch(() => undefined);
    return Promise.race([p, failed]);
  }

  private async snapshot(): Promise<ExcelSnapshot> {
    const snap = await this.guarded({}, (ctx) => readSnapshot(ctx, { syncTimeoutMs: this.timeoutMs, clock: this.clock, layout: this.layout, onLayout: (l) => (this.layout = l) })).catch((e) => {
      throw readFailure(e);
    });
    // The custom functions (same runtime) read date cells in the workbook's date system.
    setDate1904(!!snap.date1904);
    return snap;
  }

  async getState(): Promise<HostState> {
    const snapshot = await this.snapshot();
    return { host: "excel", ...paneState(snapshot, this.opts.today?.()) };
  }

  /**
   * A build is one step in Excel: Stop (control.shouldStop, asked before each write batch) ends it at the next batch
   * and puts back what it wrote, so the workbook is as it was, never part built.
   */
  async build(req: BuildRequest, onProgress: (p: BuildProgress) => void, control?: BuildControl): Promise<BuildResult> {
    if (this.busy) throw new PcnError("A build is already running in this pane. Wait for it to finish.");
    this.busy = true;
    const shouldStop = () => control?.shouldStop() === true;
    try {
      if (shouldStop()) return { sheetsBuilt: [], warnings: [], stopped: true, note: "You stopped the build before it started: nothing was changed." };
      const snapshot = await this.snapshot();
      const year = req.year || readWorkbookState(snapshot).workbookYear || undefined;
      const plan = buildPlan(snapshot, {
        year,
        sheets: req.sheets && req.sheets.length ? req.sheets : undefined,
        practices: req.practices,
        sample: req.sample,
        today: this.opts.today?.(),
        // Office.js tells an add-in nothing of who the person is (short of single sign-on): the journal says so.
        journal: { host: (this.opts.version ?? defaultVersion)() },
      });
      // Excel on Windows and Mac cannot hide a sheet inside a merged undo group (Worksheet.visibility in Microsoft's
      // undo table); the web can.
      const desktop = (this.opts.platform ?? defaultPlatform()) === "desktop";
      const progress = shownProgress(plan, onProgress);
      const apply = (merge: boolean) =>
        this.guarded(merge ? { mergeUndoGroup: true } : {}, (ctx) =>
          applyPlan(ctx, plan, progress, {
            snapshot,
            syncTimeoutMs: this.timeoutMs,
            isSetSupported: this.supports,
            deferVisibility: merge && desktop,
            freshRun: (batch) => this.guarded({}, batch),
            clock: this.clock,
            maxChartsPerSync: this.opts.maxChartsPerSync,
            shouldStop,
          }),
        );
      // One undo step for the whole build where Excel can merge them (ExcelApi 1.20).
      let merged = this.supports("ExcelApi", "1.20");
      let result;
      try {
        try {
          result = await apply(merged);
        } catch (e) {
          // Something in the build cannot be undone as part of a group: it was rolled back, so build ungrouped.
          if (!(merged && e instanceof BuildFailure && e.restored && errorCode(e.cause) === "UndoNotSupported")) throw e;
          merged = false;
          result = await apply(false);
        }
      } catch (e) {
        if (e instanceof BuildStopped) return { sheetsBuilt: [], warnings: [], stopped: true, note: e.message };
        throw e;
      }
      const warnings = [...result.warnings];
      if (merged && desktop) {
        // Hiding is all that is left: a sync that failed is tried once more, so the build ends fully built.
        const hide = () => this.guarded({}, (ctx) => applySheetVisibility(ctx, plan));
        try {
          await hide().catch(hide);
        } catch (e) {
          warnings.push(isEditModeError(e) ? `The sheets were built, but the helper sheets are still showing. ${EDIT_MODE_ADVICE}` : "The sheets were built, but Excel did not hide the helper sheets: you can hide them by hand.");
        }
      }
      return { sheetsBuilt: result.sheetsBuilt, warnings };
    } finally {
      this.busy = false;
    }
  }

  /** A rates file into the Rates and ARRS Rates sheets: the core checks and plans it; this writes its cells in one sync. */
  async loadRates(fileText: string): Promise<RatesLoadResult> {
    if (this.busy) throw new PcnError("A build is running in this pane. Wait for it to finish, then load the rates file.");
    this.busy = true;
    try {
      const snapshot = await this.snapshot();
      const p = planRatesFile(snapshot, String(fileText ?? ""));
      if (p.problems.length) return { problems: p.problems, changes: [], notes: p.notes };
      if (p.writes.length) {
        await this.guarded({}, async (ctx) => {
          // As the plan writer writes text: through `formulas`, so a typed-looking string stays that string.
          for (const w of p.writes) ctx.workbook.worksheets.getItem(w.sheet).getRangeByIndexes(w.row, w.col, 1, 1).formulas = [[toExcelInput(w.value)]];
          await ctx.sync();
        });
      }
      return { problems: [], changes: p.changes, notes: p.notes };
    } finally {
      this.busy = false;
    }
  }

  /** Lock statement: the core plans the period's statement sheet from what the workbook holds; this applies it (a new sheet, nothing else). */
  async lockStatement(period: string): Promise<{ sheet: string; warnings: string[] }> {
    if (this.busy) throw new PcnError("A build is running in this pane. Lock the statement when it has finished.");
    this.busy = true;
    try {
      const snapshot = await this.snapshot();
      const locked = lockStatementPlan(snapshot, String(period ?? ""), { today: this.opts.today?.() });
      await this.guarded({}, (ctx) => applyPlan(ctx, locked.plan, undefined, { snapshot, syncTimeoutMs: this.timeoutMs, isSetSupported: this.supports, clock: this.clock }));
      return { sheet: locked.sheet, warnings: locked.warnings };
    } finally {
      this.busy = false;
    }
  }

  async checkRegister(): Promise<Finding[]> {
    const snapshot = await this.snapshot();
    return coreCheckRegister(snapshot, this.opts.today?.());
  }

  async goTo(sheet: string, row: number, col?: number): Promise<void> {
    const r = Math.max(1, Math.floor(Number(row) || 1));
    const c = col === undefined || col === null || !(Number(col) >= 1) ? undefined : Math.floor(Number(col));
    await this.guarded({}, async (ctx) => {
      const ws = ctx.workbook.worksheets.getItemOrNullObject(sheet);
      await ctx.sync();
      if (ws.isNullObject) throw new PcnError(`There is no sheet named "${sheet}" in this workbook any more.`);
      ws.activate();
      // The whole row when no column is given, so the person lands on the record.
      (c === undefined ? ws.getRange(`${r}:${r}`) : ws.getRangeByIndexes(r - 1, c - 1, 1, 1)).select();
      await ctx.sync();
    });
  }

  /** The release check: every assumption the writer makes, tried on a scratch sheet, reported in a new sheet. */
  async runSelfTest(): Promise<SelfTestReport> {
    if (this.busy) throw new PcnError("A build is running in this pane. Run the self-test when it has finished.");
    this.busy = true;
    try {
      return await runSelfTest({
        run: (options, batch) => this.guarded(options ?? {}, batch),
        runRaw: this.run,
        supports: this.supports,
        version: (this.opts.version ?? defaultVersion)(),
        clock: this.clock,
        timeoutMs: this.timeoutMs,
      });
    } finally {
      this.busy = false;
    }
  }
}
