/**
 * Puts the workbook back as it was before a build that failed part-way: names, tables, the sheets it added, and on
 * every sheet that existed and that the build got to, what it changed there (read before its first write):
 * visibility, charts, conditional formats, data validation, values and formulas, number formats, styles, column
 * widths, freeze panes. A sheet someone else changed meanwhile (rows inserted or deleted) is not written back into:
 * its rows have moved. If the build had got as far as deleting the old charts it replaces (its very last steps),
 * every other change went through: the build is finished instead ("finished").
 */
import { a1, type RangeRef, type WorkbookSnapshot, type WritePlan } from "../core/workbook/plan";
import { cfClearRects, OP_BYTES, type Before, type PriorFormat } from "./before";
import { isEditModeError } from "./errors";
import { Occupancy, queueAssertion, sameRect } from "./fingerprint";
import { intersection, mergeAlike, mergeRects } from "./geometry";
import { snapshotInput } from "./literal";
import { pack } from "./apply";
import type { Step } from "./sheetWrites";
import { Syncer, type Clock } from "./sync";
import type { ExcelSnapshot } from "./read";
import { jsonBytes } from "./runs";

export interface RollbackOptions {
  timeoutMs: number;
  budget: number;
  supports: (name: string, version: string) => boolean;
  clock: Clock;
}

/** What the rollback needs to know about what the build did before it failed. */
export interface Undo {
  /** True once the first write was queued; `landed` once a write sync went through. */
  written: boolean;
  landed: boolean;
  created: string[];
  /** Ids of the sheets there were when the build started. */
  priorIds: Set<string>;
  /** Ids of the sheets this build added, once the sync that added them came back. */
  createdIds?: Set<string>;
  /** Names' formulas before the build (null: the name did not exist). */
  priorNames?: Map<string, string | null>;
  /** Existing sheets' visibility before the build. */
  priorVisibility: Map<string, string>;
  /** Tables the build added on sheets that existed (none overlapped the range before). */
  addedTables: { sheet: string; range: RangeRef }[];
  /** What the build changes on each sheet that existed (by lower-case name), read before the first write. */
  before: Map<string, Before>;
  /** Sheets that existed whose freeze panes the build set. */
  froze: Set<string>;
  /** Charts an earlier build made, which this one replaces: deleted by the very last steps of the build. */
  retire: { sheet: string; id: string }[];
  /** What the rollback could not put back (said in its message). */
  cannot: string[];
  /** Sheets (lower-case) the build sent writes to, and the cells it wrote or cleared there. */
  started: Set<string>;
  touched: Map<string, RangeRef[]>;
  /** Which cells of each sheet hold something, as of the last write sync that went through. */
  occupancy: Map<string, Occupancy>;
  /** Sheets of the write sync that failed (they may be part written). */
  pending: Set<string>;
  /** Sheets someone else changed during the build (named as in the workbook). */
  changed: string[];
}

/** Lower-case sheet name to its name in the workbook, for the rollback's assertions. */
const sheetName = new Map<string, string>();

/** Row slices of a matrix whose JSON stays under the budget. */
function sliceRows<T>(rows: T[][], budget: number): { start: number; rows: T[][]; bytes: number }[] {
  const out: { start: number; rows: T[][]; bytes: number }[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    const b = jsonBytes(rows[i]) + 1;
    if (i > start && bytes + b > budget) {
      out.push({ start, rows: rows.slice(start, i), bytes });
      start = i;
      bytes = 0;
    }
    bytes += b;
  }
  if (rows.length > start) out.push({ start, rows: rows.slice(start), bytes });
  return out;
}

export async function rollback(
  run: <T>(batch: (ctx: Excel.RequestContext) => Promise<T>) => Promise<T>,
  plan: WritePlan,
  snapshot: WorkbookSnapshot,
  undo: Undo,
  o: RollbackOptions,
): Promise<"back" | "finished"> {
  // A person typing in a cell holds every batch back (delayForCellEdit), or, where a host refuses instead, the
  // rollback waits and tries again: it never gives up because of a cell being edited.
  for (let attempt = 0; ; attempt++) {
    try {
      return await rollbackOnce(run, plan, snapshot, undo, o);
    } catch (e) {
      if (!isEditModeError(e) || attempt >= 120) throw e;
      await new Promise<void>((r) => o.clock.setTimeout(r, 1000));
    }
  }
}

async function rollbackOnce(
  run: <T>(batch: (ctx: Excel.RequestContext) => Promise<T>) => Promise<T>,
  plan: WritePlan,
  snapshot: WorkbookSnapshot,
  undo: Undo,
  { timeoutMs, budget, supports, clock }: RollbackOptions,
): Promise<"back" | "finished"> {
  return run(async (ctx) => {
    const s = new Syncer(ctx, timeoutMs, clock);
    const wb = ctx.workbook;
    const sheets = wb.worksheets;
    sheets.load("items/name,items/id");
    const names = undo.priorNames ? [...undo.priorNames].map(([name, formula]) => ({ formula, item: wb.names.getItemOrNullObject(name) })) : [];
    // The tables over the ranges where the build added one: Range.getTables where Excel has it (ExcelApi 1.9),
    // else every table's sheet and range, read in a second sync below.
    const byRange = supports("ExcelApi", "1.9");
    const lists = byRange
      ? undo.addedTables.map((t) => wb.worksheets.getItem(t.sheet).getRangeByIndexes(t.range.row, t.range.col, t.range.rows, t.range.cols).getTables(false).load("items/name"))
      : [];
    const everyTable = !byRange && undo.addedTables.length > 0 ? wb.tables.load("items/name") : undefined;
    // The charts on sheets that existed: which the build added, and whether it got as far as deleting our old ones.
    const handles = new Map<string, Excel.Worksheet>();
    const sheetOf = (name: string) => {
      let h = handles.get(name);
      if (!h) handles.set(name, (h = wb.worksheets.getItem(name)));
      return h;
    };
    const chartLists = new Map<string, Excel.ChartCollection>();
    for (const sp of plan.sheets) {
      const b = undo.before.get(sp.name.toLowerCase());
      if (b && (sp.charts.length > 0 || undo.retire.some((r) => r.sheet === b.name))) chartLists.set(b.name, sheetOf(b.name).charts.load("items/id"));
    }
    // What is left of each conditional format the build cut through (Excel keeps a format's id when it cuts it).
    const leftovers = [...undo.before.values()].flatMap((b) =>
      b.conditional.map((p) => {
        const row = Math.min(...p.areas.map((a) => a.row)), col = Math.min(...p.areas.map((a) => a.col));
        const rows = Math.max(...p.areas.map((a) => a.row + a.rows)) - row, cols = Math.max(...p.areas.map((a) => a.col + a.cols)) - col;
        return { b, p, list: sheetOf(b.name).getRangeByIndexes(row, col, rows, cols).conditionalFormats.load("items/id") };
      }),
    );
    // Where each sheet the build wrote is now: one someone else moved meanwhile is not written back into.
    const started = [...undo.started].filter((k) => undo.before.has(k));
    const usedNow = new Map(started.map((k) => [k, sheetOf(undo.before.get(k)!.name).getUsedRangeOrNullObject(true).load("rowIndex,columnIndex,rowCount,columnCount")]));
    await s.read("checking what to put back");
    const extentNow = new Map([...usedNow].map(([k, u]) => [k, u.isNullObject ? null : { row: u.rowIndex, col: u.columnIndex, rows: u.rowCount, cols: u.columnCount }]));
    const moved = new Set(started.filter((k) => {
      if (undo.changed.some((n) => n.toLowerCase() === k)) return true;
      // A sheet of the batch that failed may be part written: any extent. Any other is where the build left it.
      return !undo.pending.has(k) && !sameRect(extentNow.get(k) ?? null, undo.occupancy.get(k)?.extent() ?? null);
    }));
    for (const k of moved) if (!undo.changed.some((n) => n.toLowerCase() === k)) undo.changed.push(undo.before.get(k)!.name);

    const small = (run: () => void, n = 1, sheet = ""): Step => ({ sheet, bytes: OP_BYTES * n, run });
    for (const b of undo.before.values()) sheetName.set(b.name.toLowerCase(), b.name);
    const first = undo.retire[0];
    if (first && !chartLists.get(first.sheet)!.items.some((ch) => ch.id === first.id)) {
      // The build's last steps had begun, so everything before them went through: finish them.
      const rest = undo.retire.flatMap((r) => chartLists.get(r.sheet)!.items.filter((ch) => ch.id === r.id));
      await writeSteps(ctx, rest.map((ch) => small(() => ch.delete())), s, budget, new Map(), supports);
      return "finished";
    }

    let added = lists.flatMap((l) => l.items);
    if (everyTable && everyTable.items.length > 0) {
      const where = everyTable.items.map((t) => ({
        t,
        sheet: t.worksheet.load("name"),
        range: t.getRange().load("rowIndex,columnIndex,rowCount,columnCount"),
      }));
      await s.read("finding the tables the build added");
      added = where
        .filter(({ sheet, range }) => {
          const at = { row: range.rowIndex, col: range.columnIndex, rows: range.rowCount, cols: range.columnCount };
          return undo.addedTables.some((a) => a.sheet.toLowerCase() === sheet.name.toLowerCase() && intersection(a.range, at));
        })
        .map(({ t }) => t);
    }

    const steps: Step[] = [];
    for (const { formula, item } of names) {
      if (item.isNullObject) continue;
      steps.push(small(() => (formula === null ? item.delete() : (item.formula = formula))));
    }
    for (const x of added) steps.push(small(() => x.convertToRange()));
    // Only sheets this build added: never one the person added meanwhile.
    const createdNames = new Set(undo.created.map((n) => n.toLowerCase()));
    const ours = (ws: Excel.Worksheet) =>
      undo.createdIds ? undo.createdIds.has(ws.id) : !!undo.priorIds && !undo.priorIds.has(ws.id) && createdNames.has(ws.name.toLowerCase());
    for (const ws of sheets.items) if (ours(ws)) steps.push(small(() => ws.delete()));
    for (const [name, vis] of undo.priorVisibility) steps.push(small(() => (sheetOf(name).visibility = vis as Excel.SheetVisibility)));

    const snapOf = new Map(snapshot.sheets.map((x) => [x.name, x]));
    const expect = new Map<string, Occupancy | "any">();
    for (const sp of plan.sheets) {
      const key = sp.name.toLowerCase();
      const b = undo.before.get(key);
      // Only sheets the build got to, and not one someone else moved since.
      if (!b || !undo.started.has(key) || moved.has(key)) continue;
      expect.set(key, undo.pending.has(key) ? "any" : undo.occupancy.get(key) ?? new Occupancy(snapOf.get(b.name)));
      const from = steps.length;
      const ws = sheetOf(b.name);
      const at = (r: RangeRef) => ws.getRangeByIndexes(r.row, r.col, r.rows, r.cols);

      const charts = chartLists.get(b.name);
      if (charts && sp.charts.length > 0) for (const ch of charts.items) if (!b.charts.has(ch.id)) steps.push(small(() => ch.delete()));

      if (sp.conditionalFormats.length > 0) {
        // What is left of the old formats goes, then ours; the old ones are made again, over all their areas,
        // each at its old priority (a new format goes first, so they go in last-first and are then placed).
        for (const { p, list } of leftovers.filter((x) => x.b === b)) for (const item of list.items) if (item.id === p.id) steps.push(small(() => item.delete()));
        for (const r of cfClearRects(sp, snapOf.get(b.name))) steps.push(small(() => at(r).conditionalFormats.clearAll()));
        const made = new Map<PriorFormat, Excel.ConditionalFormat>();
        for (const p of [...b.conditional].sort((x, y) => y.priority - x.priority)) {
          steps.push(
            small(() => {
              const target = p.areas.length === 1 ? at(p.areas[0]) : ws.getRanges(p.areas.map((a) => a1(a)).join(","));
              const cf = target.conditionalFormats.add(p.type as Excel.ConditionalFormatType);
              cf.set({ ...p.props, ...(p.stopIfTrue === undefined ? {} : { stopIfTrue: p.stopIfTrue }) } as Excel.Interfaces.ConditionalFormatUpdateData);
              made.set(p, cf);
            }, 3),
          );
        }
        // Placed lowest first: those still to place are then all above, and moving them up leaves these where they are.
        for (const p of [...b.conditional].sort((x, y) => y.priority - x.priority)) steps.push(small(() => (made.get(p)!.priority = p.priority)));
      }

      if (sp.validations.length > 0) {
        for (const v of sp.validations) steps.push(small(() => at(v.range).dataValidation.clear()));
        for (const part of mergeAlike(b.rules, (x) => JSON.stringify([x.rule, x.errorAlert, x.prompt, x.ignoreBlanks]))) {
          steps.push(
            small(() => {
              const dv = at(part.rect).dataValidation;
              dv.rule = part.rule;
              if (part.errorAlert) dv.errorAlert = part.errorAlert;
              if (part.prompt) dv.prompt = part.prompt;
              if (part.ignoreBlanks !== undefined) dv.ignoreBlanks = part.ignoreBlanks;
            }, 4),
          );
        }
      }

      // Cells: General first (a Text format would keep a formula written back as text), then the values and
      // formulas from the snapshot, then the number formats they had.
      for (const f of b.formats) steps.push(small(() => (at(f.rect).numberFormat = [["General"]])));
      const snap = snapOf.get(b.name);
      for (const r of mergeRects(undo.touched.get(key) ?? [])) {
        const matrix = Array.from({ length: r.rows }, (_, i) => Array.from({ length: r.cols }, (_, j) => snapshotInput(snap, r.row + i, r.col + j)));
        for (const part of sliceRows(matrix, budget - OP_BYTES)) {
          const at = { row: r.row + part.start, col: r.col, rows: part.rows.length, cols: r.cols };
          steps.push({ sheet: key, bytes: part.bytes + OP_BYTES, run: () => (ws.getRangeByIndexes(at.row, at.col, at.rows, at.cols).formulas = part.rows), effect: (occ) => occ.fill(at, (i, j) => part.rows[i][j] !== "") });
        }
      }
      for (const f of b.formats) {
        const one = f.formats[0][0];
        if (f.formats.every((row) => row.every((x) => x === one))) {
          if (one !== "General") steps.push(small(() => (at(f.rect).numberFormat = [[one]])));
          continue;
        }
        for (const part of sliceRows(f.formats, budget - OP_BYTES)) {
          steps.push({ sheet: key, bytes: part.bytes + OP_BYTES, run: () => (ws.getRangeByIndexes(f.rect.row + part.start, f.rect.col, part.rows.length, f.rect.cols).numberFormat = part.rows) });
        }
      }

      for (const part of mergeAlike(b.styles, (x) => JSON.stringify([x.fill, x.pattern, x.bold, x.italic, x.fontColor, x.wrap]))) {
        steps.push(
          small(() => {
            const f = at(part.rect).format;
            if (part.fill === null) f.fill.clear();
            else if (part.fill !== undefined) f.fill.color = part.fill;
            if (part.pattern) f.fill.pattern = part.pattern as Excel.FillPattern;
            if (part.bold !== undefined) f.font.bold = part.bold;
            if (part.italic !== undefined) f.font.italic = part.italic;
            if (part.fontColor !== undefined) f.font.color = part.fontColor;
            if (part.wrap !== undefined) f.wrapText = part.wrap;
          }, 5),
        );
      }

      for (const w of b.widths) steps.push(small(() => (ws.getRangeByIndexes(0, w.col, 1, 1).format.columnWidth = w.width)));

      const was = b.freeze;
      if (was && undo.froze.has(b.name) && !(was.rows === (sp.freeze.rows || 0) && was.cols === (sp.freeze.cols || 0))) {
        steps.push(
          small(() => {
            ws.freezePanes.unfreeze();
            if (was.rows > 0 && was.cols > 0) ws.freezePanes.freezeAt(ws.getRangeByIndexes(0, 0, was.rows, was.cols));
            else if (was.rows > 0) ws.freezePanes.freezeRows(was.rows);
            else if (was.cols > 0) ws.freezePanes.freezeColumns(was.cols);
          }, 2),
        );
      }
      for (let i = from; i < steps.length; i++) if (!steps[i].sheet) steps[i].sheet = key;
    }
    // The person's sheet and selection, as they were (a build can move them: office-js#3148).
    const host = (snapshot as ExcelSnapshot).host;
    if (host?.active) {
      const active = host.active;
      steps.push(small(() => {
        const ws = wb.worksheets.getItem(active);
        ws.activate();
        if (host.selection) ws.getRange(host.selection).select();
      }, 2));
    }
    await writeSteps(ctx, steps, s, budget, expect, supports);
    return "back";
  });
}

/** The rollback's writes in syncs under the budget, each suspending calculation and asserting where its sheets are. */
async function writeSteps(ctx: Excel.RequestContext, steps: Step[], s: Syncer, budget: number, expect: Map<string, Occupancy | "any">, supports: (name: string, version: string) => boolean): Promise<void> {
  const syncs = pack([], [{ steps }], [], budget, Infinity);
  for (const batch of syncs) {
    if (supports("ExcelApi", "1.6")) ctx.workbook.application.suspendApiCalculationUntilNextSync();
    for (const key of new Set(batch.map((st) => st.sheet))) {
      const model = expect.get(key);
      const e = model && model !== "any" ? model.extent() : null;
      const b = e ? sheetName.get(key) : undefined;
      if (e && b) queueAssertion(ctx.workbook.worksheets.getItem(b), e);
    }
    for (const st of batch) st.run();
    await s.write("putting the workbook back", batch.reduce((n, st) => n + st.bytes, 0));
    for (const st of batch) {
      const model = expect.get(st.sheet);
      if (model && model !== "any" && st.effect) st.effect(model);
    }
  }
}
