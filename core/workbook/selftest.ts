/**
 * The live-host self-test's report, shared by both add-ins: each host runs its own probes (on a scratch sheet it
 * creates and removes) and hands back this report; the table it writes into a new sheet comes from
 * `selfTestPlan`, so both hosts show the same columns.
 */
import { emptySheetPlan, type PlanCell, type WritePlan } from "./plan";

export interface SelfTestItem {
  /** Stable id, e.g. "excel.delayForCellEdit" or "sheets.getRangesOrder". */
  id: string;
  /** The assumption or API being checked, in a sentence. */
  what: string;
  passed: boolean;
  /** What was seen (never cell contents from the person's sheets). */
  detail: string;
}

export interface SelfTestReport {
  host: "excel" | "sheets" | "test";
  /** The host's own version string (Office build / platform, Apps Script runtime). */
  version: string;
  /** ISO timestamp of the run. */
  ranAt: string;
  items: SelfTestItem[];
  /** Sheet the table was written to. */
  sheet?: string;
}

export const SELF_TEST_SHEET = "PCN Self-test";

/** A free sheet name for the report: never one that exists. */
export function selfTestSheetName(existing: string[]): string {
  const taken = new Set(existing.map((n) => n.toLowerCase()));
  let name = SELF_TEST_SHEET;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${SELF_TEST_SHEET} ${i}`;
  return name;
}

/** The plan that writes a report into a new sheet of its own (it never touches another sheet). */
export function selfTestPlan(report: SelfTestReport, existingSheets: string[]): WritePlan {
  const name = selfTestSheetName(existingSheets);
  const sp = emptySheetPlan("_selftest", name, true);
  const passed = report.items.filter((i) => i.passed).length;
  const rows: PlanCell[][] = [
    [`PCN Toolkit self-test: ${passed} of ${report.items.length} passed`, null, null, null],
    ["Host", report.host, "Version", report.version],
    ["Ran at", report.ranAt, null, null],
    [null, null, null, null],
    ["Check", "What it checks", "Result", "Detail"],
    ...report.items.map((i) => [i.id, i.what, i.passed ? "PASS" : "FAIL", i.detail] as PlanCell[]),
  ];
  sp.blocks.push({ row: 0, col: 0, cells: rows });
  sp.formats.push({ range: { row: 0, col: 0, rows: rows.length, cols: 4 }, format: "@" });
  sp.styles.push({ range: { row: 0, col: 0, rows: 1, cols: 4 }, bold: true }, { range: { row: 4, col: 0, rows: 1, cols: 4 }, bold: true, fill: "#1F4E79", fontColor: "#FFFFFF" });
  if (report.items.length) {
    sp.conditionalFormats.push(
      { range: { row: 5, col: 2, rows: report.items.length, cols: 1 }, formula: '=C6="FAIL"', fill: "#F8CBAD", font: "#9C0006" },
      { range: { row: 5, col: 2, rows: report.items.length, cols: 1 }, formula: '=C6="PASS"', fill: "#C6EFCE", font: "#006100" },
    );
  }
  sp.columnWidths.push({ col: 0, width: 30 }, { col: 1, width: 60 }, { col: 2, width: 8 }, { col: 3, width: 60 });
  sp.freeze = { rows: 5, cols: 0 };
  return { year: "", sheets: [sp], names: [], warnings: [] };
}
