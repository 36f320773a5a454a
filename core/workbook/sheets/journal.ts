/**
 * The change journal: one row per build or refresh, in whichever host ran it, appended below the last row and
 * never rewritten (an append-only sheet: the engine writes no existing row, not even one a person edited).
 * The host says what only it knows (its name, who, the time where it is); the build says the rest.
 */
import type { PlanCell } from "../plan";
import { FORMATS, type SheetSpec } from "../spec";
import type { SpecCtx } from "./common";

/** What a host tells the journal. */
export interface JournalInput {
  /** "Offline command", "Excel", "Google Sheets". */
  host: string;
  /** Who built, where the host tells (a login name, the name a person chose to show); "" when it does not. */
  user?: string;
  /** When, as the host's local wall-clock time: yyyy-mm-ddThh:mm[:ss]. Default the core's clock (local time). */
  at?: string;
  /** The build's own id, the same in every execution of a build that runs over several (Google Sheets). */
  build?: string;
  /** A build that carries on: the entry its first execution planned (so the build is one entry, as it began). */
  entry?: JournalEntry;
}

/** One build, as the journal records it. */
export interface JournalEntry {
  at: string;
  host: string;
  user: string;
  year: string;
  sheets: string[];
  /** Records already in the sheets built (kept as they were), and records added. */
  kept: number;
  added: number;
  /** Values a person typed over our formulas, kept. */
  typedOver: number;
  /** Rates and ARRS maxima the build filled in from the rates book. */
  rates: number;
  /** What else the build says: the sample, the data file's updates and conflicts. */
  notes: string;
  build: string;
}

export const JOURNAL_HEADERS = [
  "When", "Host", "Who", "Year", "Sheets built or refreshed", "Rows kept", "Rows added", "Typed values kept over formulas", "Rates filled from the rates book", "Notes", "Build ref",
] as const;
/** The column holding the build's id (so a build resumed in another execution is still one entry). */
export const JOURNAL_BUILD_COL = JOURNAL_HEADERS.length - 1;

/** A local wall-clock time, yyyy-mm-ddThh:mm:ss, of a Date in the machine's own time zone. */
export function localStamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The journal's row for an entry: a date-time cell, texts, counts. */
export function journalRow(e: JournalEntry): PlanCell[] {
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(e.at) ? { d: e.at } : e.at;
  return [at, e.host, e.user || "(the host does not say)", e.year, e.sheets.join(", "), e.kept, e.added, e.typedOver, e.rates, e.notes, e.build || null];
}

export function journalSpec(ctx: SpecCtx): SheetSpec {
  return {
    key: "journal",
    name: ctx.sheetName("journal"),
    title: "Change journal",
    freeze: { rows: 1, cols: 0 },
    append: {
      header: [...JOURNAL_HEADERS],
      widths: [17, 16, 22, 9, 60, 9, 9, 12, 12, 44, 14],
      formats: ["dd/mm/yyyy hh:mm", "@", "@", "@", "@", FORMATS.integer, FORMATS.integer, FORMATS.integer, FORMATS.integer, "@", "@"],
      idCol: JOURNAL_BUILD_COL,
    },
  };
}
