/**
 * The one interface the shared pane uses to talk to its host (Excel through Office.js, Google Sheets through
 * google.script.run). Everything crossing it is plain JSON so the Apps Script bridge can carry it.
 */
import type { Finding } from "../core/workbook/register";
import type { PracticeInput } from "../core/workbook/data";
import type { SelfTestReport } from "../core/workbook/selftest";

export type { PracticeInput, SelfTestReport };

/** What loading a rates file did: nothing is written when there is any problem. */
export interface RatesLoadResult {
  /** One sentence per problem (with where in the file); empty when it was applied. */
  problems: string[];
  /** One line per cell changed: sheet, figure, old value, new value. */
  changes: string[];
  /** What the file holds that was not loaded into cells (said, never silently dropped). */
  notes?: string[];
}

export interface SheetInfo { key: string; title: string; exists: boolean }

export interface HostState {
  host: "excel" | "sheets" | "test";
  /** The year the workbook was built for, if it was. */
  workbookYear?: string;
  years: string[];
  defaultYear: string;
  /** Set when a new workbook's default is not today's financial year (no rates shipped for it): the sentence. */
  yearNote?: string;
  sheets: SheetInfo[];
  /** Practices as the Funding sheet holds them now (for the pane's populations form). */
  practices: PracticeInput[];
  /** Periods "Lock statement" offers (empty until the Distribution sheet is built), and the statement sheets there are. */
  lockPeriods?: string[];
  statements?: string[];
}

export interface BuildRequest {
  year: string;
  /** Sheet keys to build or refresh; all when empty. */
  sheets: string[];
  /** Practice populations confirmed in the pane: merged into the Funding sheet (typed values there win). */
  practices?: PracticeInput[];
  /** Fill new sheets with the clearly fictional sample network. */
  sample?: boolean;
}

/**
 * Where a build stands, in the sheets a person sees (the sheet list's, never the hidden helper sheets): `done`
 * sheets finished of `total`, and `label`, the name of the sheet in hand as the workbook names it ("Done" at the end).
 */
export interface BuildProgress { done: number; total: number; label: string }
export interface BuildResult {
  /** Keys of the sheets built (hosts may include hidden helper sheets: the pane names only the ones it lists). */
  sheetsBuilt: string[];
  warnings: string[];
  /** The person stopped the build (BuildControl.shouldStop) before it finished. */
  stopped?: boolean;
  /** What the host did about a stop, in a sentence ("…put every sheet back as it was"). */
  note?: string;
}

/**
 * How the pane asks a running build to stop. Hosts ask `shouldStop` between sheets or write batches, and stop
 * only where no sheet is left half-written: they finish the sheet in hand or put back what the build wrote.
 */
export interface BuildControl {
  shouldStop(): boolean;
}

/**
 * What a failed build may say on the error it throws, besides its message: the keys of the sheets it did finish
 * (`sheetsBuilt`), and whether the workbook is as it was before (`restored`: nothing was changed, or all was put
 * back). Errors named "PcnError" or "BuildFailure" carry a sentence for people; any other message is the host's
 * own text, which the pane shows only as a detail.
 */
export interface BuildFailureInfo {
  sheetsBuilt?: string[];
  restored?: boolean;
}

export interface Bridge {
  getState(): Promise<HostState>;
  build(req: BuildRequest, onProgress: (p: BuildProgress) => void, control?: BuildControl): Promise<BuildResult>;
  checkRegister(): Promise<Finding[]>;
  /** Select a finding's cell so the person lands on the row. */
  goTo(sheet: string, row: number, col?: number): Promise<void>;
  /** Fill the Rates and ARRS Rates sheets from a rates file's text (chosen in a local file picker; nothing leaves the machine). */
  loadRates?(fileText: string): Promise<RatesLoadResult>;
  /**
   * Freeze a period's money to practices as values in a statement sheet of its own, which no build ever
   * rewrites (issue #12). `period` is a label the distribution sheet offers (e.g. "Q2 2026/27").
   */
  lockStatement?(period: string): Promise<{ sheet: string; warnings: string[] }>;
  /** Exercise every host assumption on a scratch sheet, write the pass/fail table into a new sheet, and return it. */
  runSelfTest?(): Promise<SelfTestReport>;
}
