/** What a failed build says, and how Office.js errors are recognised. */

/** A build that failed; `restored` says whether the workbook is as it was (nothing written, or all put back). */
export class BuildFailure extends Error {
  readonly cause: unknown;
  readonly restored: boolean;
  constructor(message: string, cause: unknown, restored: boolean) {
    super(message);
    this.name = "BuildFailure";
    this.cause = cause;
    this.restored = restored;
  }
}

/** The person pressed Stop: raised between write batches, before the next one is queued. */
export class StopRequested extends Error {
  constructor() {
    super("The build was stopped.");
    this.name = "StopRequested";
  }
}

/** A build the person stopped, with nothing left half-written: the workbook is as it was before the build. */
export class BuildStopped extends BuildFailure {
  constructor(message: string, cause: unknown) {
    super(message, cause, true);
    this.name = "BuildStopped";
  }
}

/** Office.js error code if there is one (RichApi.Error has `code`). */
export function errorCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : undefined;
}

/** The API Office.js names as where a batch failed (RichApi.Error debugInfo.errorLocation, e.g. "Range.values"). */
export function errorLocation(e: unknown): string | undefined {
  const l = (e as { debugInfo?: { errorLocation?: unknown } } | null)?.debugInfo?.errorLocation;
  return typeof l === "string" ? l : undefined;
}

/**
 * Excel's message in a sentence for the person. Quoted text is cut out: Excel's own messages can quote a formula or
 * a cell's text, and what the workbook holds is never repeated in a message (it may be shown, copied or logged).
 */
export function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/"[^"]*"|“[^”]*”/g, "(…)").replace(/\s+/g, " ").trim().slice(0, 300).replace(/[.\s]*$/, ".");
}

export const isPayloadError = (e: unknown) => /PayloadSizeLimitExceeded/i.test(errorCode(e) ?? "") || /payload size/i.test(String((e as Error)?.message));

/** A person is typing in a cell: Excel refuses batches until they finish (unless run with delayForCellEdit). */
export const isEditModeError = (e: unknown) => errorCode(e) === "InvalidOperationInCellEditMode";

export const EDIT_MODE_ADVICE = "Excel is waiting for a cell to be finished: finish editing the cell, then build again.";

/** The error to show when reading the workbook failed (nothing was written). */
export function readFailure(e: unknown): BuildFailure {
  if (e instanceof BuildFailure) return e;
  if (isEditModeError(e)) return new BuildFailure(`PCN Toolkit changed nothing. ${EDIT_MODE_ADVICE}`, e, true);
  return new BuildFailure(`PCN Toolkit could not read the workbook, so it changed nothing. Excel said: ${describe(e)}`, e, true);
}

/** Someone else changed sheets the build works on between two of its syncs (a co-author, or the person). */
export class ChangedMeanwhile extends Error {
  constructor(readonly sheets: string[]) {
    super(`${sheets.join(", ")} changed while the build ran.`);
    this.name = "ChangedMeanwhile";
  }
}
