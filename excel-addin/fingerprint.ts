/**
 * Co-authoring: between two syncs of a build, someone else (a co-author in a shared workbook, or the person) can
 * insert or delete rows, and every write after that would land in a shifted row. So each write batch starts by
 * asserting, for every sheet it writes, that the sheet's used range (values only) is exactly where the build
 * expects it: the last used row and column, and the first, each intersected with the one row or column they must
 * be on. Range.getIntersection fails the batch when there is no overlap, and a failing action stops the batch, so
 * if a sheet moved nothing of that batch is written (self-test: "excel.assertStopsBatch").
 *
 * What the build expects is kept here: which cells of each sheet hold something, from the snapshot, updated with
 * every batch that went through.
 */
import type { RangeRef, SheetSnapshot } from "../core/workbook/plan";
import { EXCEL_COLS, EXCEL_ROWS } from "./before";
import { errorLocation } from "./errors";

/** Which cells of one sheet hold a value or a formula. */
export class Occupancy {
  private rows: Uint8Array[] = [];
  constructor(snap?: SheetSnapshot) {
    if (!snap) return;
    snap.values.forEach((row, r) => row.forEach((v, c) => { if (v !== null || snap.formulas[r]?.[c]) this.set(r, c, true); }));
  }
  set(r: number, c: number, on: boolean): void {
    let row = this.rows[r];
    if (!row) {
      if (!on) return;
      this.rows[r] = row = new Uint8Array(Math.max(16, c + 1));
    }
    if (c >= row.length) {
      if (!on) return;
      const bigger = new Uint8Array(Math.max(c + 1, row.length * 2));
      bigger.set(row);
      this.rows[r] = row = bigger;
    }
    row[c] = on ? 1 : 0;
  }
  fill(rect: RangeRef, on: boolean | ((i: number, j: number) => boolean)): void {
    for (let i = 0; i < rect.rows; i++) for (let j = 0; j < rect.cols; j++) this.set(rect.row + i, rect.col + j, typeof on === "function" ? on(i, j) : on);
  }
  /** The used range (values only) Excel reports: the bounding box of what the cells hold; null when empty. */
  extent(): RangeRef | null {
    let r0 = -1, r1 = -1, c0 = Infinity, c1 = -1;
    this.rows.forEach((row, r) => {
      if (!row) return;
      let any = false;
      for (let c = 0; c < row.length; c++) {
        if (!row[c]) continue;
        any = true;
        if (c < c0) c0 = c;
        if (c > c1) c1 = c;
      }
      if (any) { if (r0 < 0) r0 = r; r1 = r; }
    });
    return r0 < 0 ? null : { row: r0, col: c0, rows: r1 - r0 + 1, cols: c1 - c0 + 1 };
  }
}

/**
 * Queues the assertion that `ws`'s used range is `e` exactly. Four intersections, each loaded (Office.js sends an
 * object only when something uses it); each fails the batch with ItemNotFound if the edge is elsewhere.
 */
export function queueAssertion(ws: Excel.Worksheet, e: RangeRef): void {
  const used = ws.getUsedRange(true);
  const row = (r: number) => ws.getRangeByIndexes(r, 0, 1, EXCEL_COLS);
  const col = (c: number) => ws.getRangeByIndexes(0, c, EXCEL_ROWS, 1);
  used.getRow(0).getIntersection(row(e.row)).load("rowIndex");
  used.getLastRow().getIntersection(row(e.row + e.rows - 1)).load("rowIndex");
  used.getColumn(0).getIntersection(col(e.col)).load("columnIndex");
  used.getLastColumn().getIntersection(col(e.col + e.cols - 1)).load("columnIndex");
}
/** Request bytes of one sheet's assertion. */
export const ASSERTION_BYTES = 2_400;

/** True when a failed batch stopped at one of these assertions (Office.js names the API in errorLocation). */
export function failedAtAssertion(e: unknown): boolean {
  return /getIntersection|getUsedRange/i.test(errorLocation(e) ?? "");
}

export const sameRect = (a: RangeRef | null, b: RangeRef | null) =>
  a === b || (!!a && !!b && a.row === b.row && a.col === b.col && a.rows === b.rows && a.cols === b.cols);
