/**
 * What the workbook remembers of its sheets, kept true to them while one build runs over several executions.
 * PCN_Meta holds each sheet's name, columns, size and the texts we wrote; PCN_Data what a data file last gave each
 * record. The next execution plans from them, so an entry must describe its sheet as the sheet stands: an entry
 * written ahead of its sheet would have a sheet still in an older version's columns read in the new ones (the
 * person's values then land in the wrong columns), or the sample kept out of a sheet never filled. So these two
 * are written at the end of every execution (and when it fails), with the plan's entries for the sheets finished
 * and, for the sheets the build has not finished, what the execution read.
 */
import { hiddenSheet, DATA_SHEET, META_SHEET } from "../core/workbook/engine";
import type { PlanCell, SheetPlan, SheetSnapshot, SnapshotValue, WorkbookSnapshot, WritePlan } from "../core/workbook/plan";

/** The sheet keys of the plan's memory sheets, and of every sheet the engine adds to a plan itself. */
export const MEMORY_KEYS = ["_meta", "_data"];
const HELPER_KEYS = [...MEMORY_KEYS, "_lists"];

export interface Memory {
  /** The memory sheets' plans once the sheets in `finished` (plan keys) are written; all finished: the plan's own. */
  plans(finished: Set<string>): SheetPlan[];
  /**
   * The sheet's columns move (the plan's layout is not the one PCN_Meta records): its writes are not to be split
   * across executions, and its entry is written as soon as it is finished.
   */
  relayout(key: string): boolean;
}

const rowsOf = (p: SheetPlan | undefined): PlanCell[][] => (p?.blocks[0]?.cells ?? []).map((r) => [...r]);
const asCells = (r: SnapshotValue[] | undefined): PlanCell[] => (r ?? []).map((v) => (v === undefined ? null : v));

/** The memory of `plan`'s build against what this execution read (`snapshot`: PCN_Meta and PCN_Data as values). */
export function buildMemory(plan: WritePlan, snapshot: WorkbookSnapshot): Memory {
  const read = (name: string): SheetSnapshot | undefined => snapshot.sheets.find((s) => s.name === name);
  const metaPlan = plan.sheets.find((p) => p.key === "_meta");
  const dataPlan = plan.sheets.find((p) => p.key === "_data");
  const metaWidth = metaPlan?.blocks[0]?.cells[0]?.length ?? 0;
  const dataWidth = dataPlan?.blocks[0]?.cells[0]?.length ?? 0;
  /** The sheets this plan writes (a memory entry of any other is the engine's to carry). */
  const writes = new Set(plan.sheets.map((p) => p.key).filter((k) => !HELPER_KEYS.includes(k)));
  const oldMeta = new Map<string, SnapshotValue[]>();
  for (const r of read(META_SHEET)?.values ?? []) if (r?.[0] === "sheet" && typeof r[1] === "string" && !oldMeta.has(r[1])) oldMeta.set(r[1], r);
  const planMeta = new Map<string, PlanCell[]>();
  for (const r of rowsOf(metaPlan)) if (r[0] === "sheet" && typeof r[1] === "string" && !planMeta.has(r[1])) planMeta.set(r[1], r);
  const pad = (r: PlanCell[], width: number) => Array.from({ length: width }, (_, i) => r[i] ?? null);
  // What each memory sheet holds once a composed plan is written (the writer writes every one it is given): what
  // the next one clears past.
  const holds = new Map<string, SheetSnapshot>();
  const sheet = (key: string, name: string, rows: PlanCell[][], width: number) => {
    const held = holds.get(name);
    const now = held ? { sheets: [...snapshot.sheets.filter((s) => s.name !== name), held] } : snapshot;
    const out = hiddenSheet(key, name, now, rows, width);
    holds.set(name, { name, values: rows.map((r) => r.map((c) => (c === null || typeof c !== "object" ? c : null))), formulas: [] });
    return out;
  };

  return {
    plans(finished) {
      const open = (key: unknown) => typeof key === "string" && writes.has(key) && !finished.has(key);
      const out: SheetPlan[] = [];
      if (metaPlan) {
        // An unfinished sheet keeps the entry it had (none: it was never built).
        const rows = rowsOf(metaPlan).flatMap((r) => (r[0] === "sheet" && open(r[1]) ? (oldMeta.has(String(r[1])) ? [pad(asCells(oldMeta.get(String(r[1]))), metaWidth)] : []) : [r]));
        out.push(finish(metaPlan, sheet("_meta", META_SHEET, rows, metaWidth)));
      }
      if (dataPlan) {
        // Rows after the heading: [sheet key, record, fields]. An unfinished sheet keeps what it had, in place of the plan's.
        const [head, ...planned] = rowsOf(dataPlan);
        const old = (read(DATA_SHEET)?.values ?? []).slice(1).map(asCells);
        const rows: PlanCell[][] = [head];
        const placed = new Set<string>();
        for (const r of planned) {
          const key = String(r[0]);
          if (!open(key)) rows.push(r);
          else if (!placed.has(key)) {
            placed.add(key);
            rows.push(...old.filter((x) => x[0] === key).map((x) => pad(x, dataWidth)));
          }
        }
        for (const x of old) if (open(x[0]) && !placed.has(String(x[0]))) rows.push(pad(x, dataWidth));
        out.push(finish(dataPlan, sheet("_data", DATA_SHEET, rows, dataWidth)));
      }
      return out;
    },
    relayout(key) {
      const was = oldMeta.get(key);
      const now = planMeta.get(key);
      return !!was && !!now && typeof was[2] === "string" && was[2] !== "" && String(was[3] ?? "") !== String(now[3] ?? "");
    },
  };
}

/** The composed sheet takes the plan's own fields where the engine's hidden-sheet plan has none to say (its names, charts: none). */
function finish(planned: SheetPlan, composed: SheetPlan): SheetPlan {
  return { ...planned, blocks: composed.blocks, clears: composed.clears, formats: composed.formats };
}
