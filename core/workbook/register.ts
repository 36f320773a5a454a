/** A thing in the workbook that needs attention, found by "Check register". Rows are 1-based sheet rows. */
export interface Finding {
  severity: "red" | "amber" | "info";
  /** Sheet name as in the workbook. */
  sheet: string;
  row: number;
  col?: number;
  /** Partnership / post reference (user text: the pane escapes it). */
  ref: string;
  message: string;
}
