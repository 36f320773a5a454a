/**
 * Excel host: reads a WorkbookSnapshot and applies a WritePlan through the Excel JavaScript API. The pieces, each a
 * file of its own:
 *  - read.ts: the workbook's cells and facts, in one sync when its layout is known, chunked under 5 MB;
 *  - sheetWrites.ts + runs.ts (+ r1c1.ts, literal.ts): what each sheet of the plan becomes as Excel writes;
 *  - apply.ts: those writes packed into as few syncs as the limits allow, calculation suspended, co-authors'
 *    changes detected (fingerprint.ts);
 *  - before.ts + rollback.ts: what the build changes on sheets that exist, and putting it back on failure;
 *  - sync.ts, errors.ts: syncs (reads timed out, writes never) and the messages a failure gives.
 *
 * Requirement sets: the writer needs ExcelApi 1.8 at least (data validation is 1.8; getRangeByIndexes,
 * freezePanes (getLocationOrNullObject too), Chart.id, NamedItem.formula and chart series add/setValues/
 * setXAxisValues are 1.7; conditional formats and suspendApiCalculationUntilNextSync 1.6; the *OrNullObject getters
 * 1.4; formulasR1C1 and functions.date 1.2). Anything newer is checked with `isSetSupported` before use, with a
 * fallback: Range.getTables (1.9), ConditionalFormat.getRanges with Worksheet.getRanges (1.9), RangeFill.pattern
 * (1.9), Table.resize (1.13) and mergeUndoGroup (1.20, in the bridge). test/excel-api-sets.test.ts checks every
 * member a build, a rollback and the self-test use against @types/office-js's requirement sets.
 */
export { applyPlan, applySheetVisibility, MAX_CHARTS_PER_SYNC, REQUEST_BUDGET, WRITE_BUDGET, type ApplyOptions, type ApplyResult } from "./apply";
export { BuildFailure, describe, EDIT_MODE_ADVICE, errorCode, isEditModeError, readFailure } from "./errors";
export { needsApostrophe, toExcelInput } from "./literal";
export { readSnapshot, RESPONSE_BUDGET, type ExcelSnapshot, type ReadLayout } from "./read";
export { charsToPoints, CHART_PREFIX, isValidExcelName } from "./sheetWrites";
export { SYNC_TIMEOUT_MS } from "./sync";
