/** A thing in the workbook that needs attention, found by "Check register". Rows are 1-based sheet rows. */
export interface Finding {
  severity: "red" | "amber" | "info";
  /** Sheet name as in the workbook. */
  sheet: string;
  row: number;
  col?: number;
  /** The field `col` is, in words: the column's header, or a report cell's label ("Notice date"). */
  field?: string;
  /** Partnership / post reference (user text: the pane escapes it). */
  ref: string;
  message: string;
}

/**
 * What "Check register" looks at, by the sheets (keys) it reads, the register first: the pane names what it
 * checked and, of a sheet not in the workbook, what it could not (it never gives an all-clear for those).
 * Every finding lands on one of these sheets (test/register.test.ts).
 */
export const REGISTER_CHECKS: readonly { sheets: readonly string[]; what: string }[] = [
  { sheets: ["partnerships"], what: "notice dates, reviews, governance and contacts" },
  { sheets: ["arrs", "arrsShares", "arrsSummary"], what: "ARRS posts, practice shares and headroom" },
  { sheets: ["gpClaims", "gpScheme", "gpSummary"], what: "GP reimbursement scheme claims and transfers" },
  { sheets: ["iif"], what: "IIF indicators" },
  { sheets: ["distribution", "distCosts", "distKeys", "iifPractices", "distSummary"], what: "money to practices: splits refused or to fix, costs on no stream, the year end" },
  { sheets: ["keyDates", "agreement", "priorities", "meetings"], what: "key dates coming up" },
  { sheets: ["actions"], what: "meeting actions overdue or due" },
  { sheets: ["board"], what: "the board's team roles and representation" },
  { sheets: ["rates", "arrsRates"], what: "figures a later revision replaced" },
  { sheets: ["kpis"], what: "KPIs of special cause concern or that cannot meet their target" },
  // Building the network (issue #11): key dates land on the record they come from (a review, a meeting, a post's end).
  { sheets: ["keyDates", "partnerships", "arrs", "agreement", "priorities", "meetings"], what: "key dates in the next 30 days" },
  { sheets: ["actions", "meetings"], what: "meeting actions overdue or due soon" },
  { sheets: ["board"], what: "board representation and Belbin team roles" },
  { sheets: ["agreement"], what: "network agreement items not agreed or due for review" },
  { sheets: ["priorities"], what: "priorities whose review is overdue" },
];
