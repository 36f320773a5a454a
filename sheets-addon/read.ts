/**
 * Reading the spreadsheet into the core's WorkbookSnapshot. A build reads only what its plan depends on: the
 * sheet names, the hidden meta sheet, a header row where a sheet may need recognising, and the sheets it
 * builds; Check register reads values only.
 */
import { META_SHEET, workbookSpecs, type BuildOptions } from "../core/workbook/build";
import { DATA_SHEET, LISTS_SHEET } from "../core/workbook/engine";
import type { SheetSnapshot, SnapshotValue, WorkbookSnapshot } from "../core/workbook/plan";
import type { SheetSpec } from "../core/workbook/spec";
import { dateToSerialFn, isDate } from "./cells";
import type { Range, Sheet, Spreadsheet } from "./surface";
import { readByNeed, type ColumnNeeds } from "./read-needs";

const toValue = (toSerial: (d: Date) => number) => (v: unknown): SnapshotValue => {
  if (v === "" || v === null || v === undefined) return null;
  if (isDate(v)) return toSerial(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
  return String(v);
};
const toFormula = (f: unknown) => (typeof f === "string" && f.startsWith("=") ? f : null);

function readRange(range: Range, toSerial: (d: Date) => number, what: { values: boolean; formulas: boolean }): { values: SnapshotValue[][]; formulas: (string | null)[][] } {
  const conv = toValue(toSerial);
  const values = what.values ? range.getValues().map((row) => row.map(conv)) : [];
  const formulas = what.formulas ? range.getFormulas().map((row) => row.map(toFormula)) : [];
  return { values, formulas };
}

/**
 * Every sheet's used range from A1: one getDataRange and one getValues (and getFormulas, unless `valuesOnly`)
 * per sheet. Check register needs values only.
 */
export function readSnapshot(ss: Spreadsheet, opts: { valuesOnly?: boolean } = {}): WorkbookSnapshot {
  const toSerial = dateToSerialFn(ss.getSpreadsheetTimeZone());
  const sheets: SheetSnapshot[] = ss.getSheets().map((sh) => {
    const { values, formulas } = readRange(sh.getDataRange(), toSerial, { values: true, formulas: !opts.valuesOnly });
    return { name: sh.getName(), values, formulas };
  });
  return { sheets };
}

export interface BuildRead {
  snapshot: WorkbookSnapshot;
  /** Every sheet by name (those left out of the snapshot included), so the writer looks none up again. */
  sheets: Map<string, Sheet>;
  /** The spec keys whose sheets were read in full. */
  readKeys: string[];
}

export interface BuildReadRequest {
  options: BuildOptions;
  /** Sheet keys the build will write ("all": every sheet). */
  keys: string[] | "all";
  /** Sheets to leave out as if absent: this build inserted them and will fill them as new. */
  mask?: Set<string>;
  /** Keys whose sheets are read for their values only (the pane's practices, the KPIs a chart sheet lists). */
  valuesOf?: string[];
}

/**
 * What a build's plan depends on, and nothing else:
 *  1. the sheet names and the meta sheet (values), and the data store when a data file is built (values);
 *  2. where a spec is not found through the meta sheet, the first row of each unclaimed sheet (a sheet is
 *     recognised by its header row);
 *  3. the sheets the build writes, values and formulas; the sheets in `valuesOf`, values.
 * Sheets not read, or read in part, are marked `partial`: the engine keeps the table sizes the meta sheet remembers.
 */
export function readForBuild(ss: Spreadsheet, req: BuildReadRequest): BuildRead {
  const all = ss.getSheets();
  const sheets = new Map<string, Sheet>();
  const entries: { name: string; sheet: Sheet }[] = [];
  for (const sh of all) {
    const name = sh.getName();
    sheets.set(name, sh);
    if (!req.mask?.has(name)) entries.push({ name, sheet: sh });
  }
  let tz: string | undefined;
  const toSerial = (d: Date) => {
    tz ??= ss.getSpreadsheetTimeZone();
    return dateToSerialFn(tz)(d);
  };
  const snap = new Map<string, SheetSnapshot>(entries.map((e) => [e.name, { name: e.name, values: [], formulas: [], partial: true }]));
  const readValues = (name: string) => {
    const e = entries.find((x) => x.name === name);
    if (e) snap.set(name, { name, values: readRange(e.sheet.getDataRange(), toSerial, { values: true, formulas: false }).values, formulas: [] });
  };
  readValues(META_SHEET);
  // The engine compares a data file with what the file last gave (and rewrites that store whole).
  if (req.options.data) readValues(DATA_SHEET);
  const snapshot = (): WorkbookSnapshot => ({ sheets: entries.map((e) => snap.get(e.name)!) });

  // Which sheets are ours through the meta sheet; the rest may be recognised by their header rows.
  let specs: SheetSpec[] = workbookSpecs(snapshot(), req.options).specs;
  // Our hidden sheets are never a table to recognise: the data store, read whole above, is not cut to its first row.
  const claimed = new Set([META_SHEET, LISTS_SHEET, DATA_SHEET].map((n) => n.toLowerCase()));
  const metaNames = new Set(readMetaNames(snap.get(META_SHEET)));
  const byMeta = specs.filter((s) => metaNames.has(s.name.toLowerCase()) && snap.has(s.name));
  if (byMeta.length < specs.length) {
    for (const s of byMeta) claimed.add(s.name.toLowerCase());
    for (const e of entries) {
      if (claimed.has(e.name.toLowerCase())) continue;
      // Its header row only: still `partial`.
      snap.get(e.name)!.values = readRange(e.sheet.getRange("1:1"), toSerial, { values: true, formulas: false }).values;
    }
    specs = workbookSpecs(snapshot(), req.options).specs;
  }

  const wanted = new Set(req.keys === "all" ? specs.map((s) => s.key) : req.keys);
  const readKeys: string[] = [];
  const layouts = readMetaLayouts(snap.get(META_SHEET));
  // A sheet's shape may follow the practices (Distribution Summary has a row per practice): once the Practices
  // sheet is read, later sheets' needs come from specs made with its practices.
  let current = specs;
  for (const s0 of specs) {
    const again = current.find((x) => x.key === s0.key);
    const s = again && again.name === s0.name ? again : s0;
    const e = entries.find((x) => x.name === s.name);
    if (!e) continue;
    const full = wanted.has(s.key);
    // An append-only sheet (the change journal) gets an entry in every build, whichever sheets it builds: its
    // values are always read, to find where the entry goes (below the last row holding anything, a person's too).
    if (s.append) {
      snap.set(e.name, { name: e.name, ...readRange(e.sheet.getDataRange(), toSerial, { values: true, formulas: false }) });
      if (full) readKeys.push(s.key);
      continue;
    }
    if (!full && !(req.valuesOf ?? []).includes(s.key)) continue;
    if (full) readKeys.push(s.key);
    // Ours, in this version's layout: read each cell once, for what the plan needs of it.
    const needs = full ? columnNeeds(s, layouts.get(s.key)) : null;
    const got = needs
      ? readByNeed(e.sheet, needs, toSerial)
      : readRange(e.sheet.getDataRange(), toSerial, { values: true, formulas: full });
    snap.set(e.name, { name: e.name, ...got, ...(full ? {} : { partial: true }) });
    if (s.key === "practices") current = workbookSpecs(snapshot(), req.options).specs;
  }
  return { snapshot: snapshot(), sheets, readKeys };
}

/**
 * What the pane shows (year, which sheets exist, the Practices sheet's practices): the sheet names, the meta
 * sheet's values and the Practices sheet's values, nothing else.
 */
export function readForState(ss: Spreadsheet): WorkbookSnapshot {
  const all = ss.getSheets().map((sheet) => ({ name: sheet.getName(), sheet }));
  const toSerial = dateToSerialFn(ss.getSpreadsheetTimeZone());
  const snap = all.map(({ name }): SheetSnapshot => ({ name, values: [], formulas: [] }));
  const read = (name: string) => {
    const i = all.findIndex((e) => e.name === name);
    if (i >= 0) snap[i].values = readRange(all[i].sheet.getDataRange(), toSerial, { values: true, formulas: false }).values;
    return i >= 0 ? snap[i] : undefined;
  };
  const meta = read(META_SHEET);
  const practices = (meta?.values ?? []).find((r) => r[0] === "sheet" && r[1] === "practices");
  if (practices && typeof practices[2] === "string") read(practices[2]);
  return { sheets: snap };
}

/** Each sheet key's layout (column keys) as the meta sheet records it, for sheets it lists under their names. */
function readMetaLayouts(meta: SheetSnapshot | undefined): Map<string, { name: string; layout: string[] }> {
  const out = new Map<string, { name: string; layout: string[] }>();
  for (const r of meta?.values ?? []) {
    if (r[0] !== "sheet" || typeof r[1] !== "string" || typeof r[2] !== "string") continue;
    let layout: string[] = [];
    try {
      layout = JSON.parse(String(r[3] ?? "[]"));
    } catch (e) {
      layout = [];
    }
    out.set(r[1], { name: r[2], layout: Array.isArray(layout) ? layout.map(String) : [] });
  }
  return out;
}

/**
 * What the plan needs of each cell of one of our sheets, or null when it needs everything (the sheet is not
 * in this version's layout, so values move by column; or a report and the table would overlap).
 */
function columnNeeds(spec: SheetSpec, meta: { name: string; layout: string[] } | undefined): ColumnNeeds | null {
  if (!meta || meta.name.toLowerCase() !== spec.name.toLowerCase()) return null;
  const t = spec.table;
  if (t && (meta.layout.length !== t.columns.length || meta.layout.some((k, i) => k !== t.columns[i].key))) return null;
  const width = t ? t.columns.length : 0;
  const reports = (spec.reports ?? []).map((rep) => ({
    col: rep.col,
    cells: rep.rows.map((row) => row.map((rc) => (!rc || rc.cell === null || rc.cell === "" || rc.input ? ("open" as const) : typeof rc.cell === "object" && rc.cell !== null && "f" in rc.cell ? ("formula" as const) : ("label" as const)))),
  }));
  if (t && reports.some((r) => r.col < width)) return null;
  return {
    table: t ? t.columns.map((c) => (c.formula ? "formula" : c.seed ? "seed" : "input")) : [],
    reports,
  };
}

/** Sheet names the meta sheet lists (lower case). */
function readMetaNames(meta: SheetSnapshot | undefined): string[] {
  return (meta?.values ?? []).filter((r) => r[0] === "sheet" && typeof r[2] === "string").map((r) => String(r[2]).toLowerCase());
}
