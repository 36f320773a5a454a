/**
 * The plan engine: specs + incoming data + what the workbook already holds -> the write plan.
 * Data is sacred here, for every host at once:
 *  - cells of input columns in existing rows are never written (only new rows and blank spare rows are);
 *  - a computed cell a person typed over (a value where our formula was) is kept, with a warning;
 *  - a sheet of the same name that this product did not make is never touched: ours gets another name;
 *  - if a newer version changes a table's columns, values move with their column keys; retired columns and
 *    columns a person added beside the table are kept at its right;
 *  - the sample only fills sheets being made, so a record a person deleted never comes back.
 */
import { PcnError } from "../errors";
import {
  a1, colLetter, emptySheetPlan, type Block, type NamedRange, type PlanCell,
  type RangeRef, type SheetPlan, type SheetSnapshot, type SnapshotValue, type ValidationRule,
  type WorkbookSnapshot,
} from "./plan";
import { COLOURS, formatOf, type ColumnSpec, type FormulaCtx, type ReportSpec, type RowValues, type SheetSpec, type TableSpec, type Value } from "./spec";

export const META_SHEET = "PCN_Meta";
export const LISTS_SHEET = "PCN_Lists";
const META_VERSION = 1;

export interface SheetMeta { key: string; name: string; layout: string[]; capacity: number }
export interface WorkbookMeta { year?: string; pcn?: string; sheets: SheetMeta[] }

const isEmpty = (v: unknown) => v === null || v === undefined || v === "";
/** Record identity: case and runs of spaces do not make a different practice or reference. */
export const recordKey = (keys: string[], r: RowValues) => keys.map((k) => String(r[k] ?? "").trim().replace(/\s+/g, " ").toLowerCase()).join("|");

export function readMeta(snap: WorkbookSnapshot): WorkbookMeta {
  const s = snap.sheets.find((x) => x.name === META_SHEET);
  const meta: WorkbookMeta = { sheets: [] };
  if (!s) return meta;
  for (const row of s.values) {
    if (row[0] === "year" && !isEmpty(row[1])) meta.year = String(row[1]);
    if (row[0] === "pcn" && !isEmpty(row[1])) meta.pcn = String(row[1]);
    if (row[0] === "sheet" && !isEmpty(row[1])) {
      let layout: string[] = [];
      try { layout = JSON.parse(String(row[3] ?? "[]")); } catch { layout = []; }
      meta.sheets.push({ key: String(row[1]), name: String(row[2]), layout, capacity: Number(row[4]) || 0 });
    }
  }
  return meta;
}

function makeCtx(cols: ColumnSpec[], row: number): FormulaCtx {
  const idx = new Map(cols.map((c, i) => [c.key, i]));
  const at = (k: string) => {
    const i = idx.get(k);
    if (i === undefined) throw new Error(`formula refers to unknown column ${k}`);
    return i;
  };
  return {
    row,
    ref: (k) => `${colLetter(at(k))}${row}`,
    span: (a, b) => `$${colLetter(at(a))}${row}:$${colLetter(at(b))}${row}`,
  };
}

const isComputed = (c: ColumnSpec) => !!c.formula;

/** What one record's cell holds as plan content. */
function recordCell(c: ColumnSpec, rowNo: number, cols: ColumnSpec[], v: Value | undefined): PlanCell {
  if (c.formula) return { f: c.formula(makeCtx(cols, rowNo)) };
  if (isEmpty(v)) return c.seed ? { f: c.seed(makeCtx(cols, rowNo)) } : null;
  if (c.type === "date" && typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) return { d: v };
  return v as PlanCell;
}

function snapshotCell(s: SheetSnapshot | undefined, r: number, c: number): { v: SnapshotValue; f: string | null } {
  return { v: s?.values[r]?.[c] ?? null, f: s?.formulas[r]?.[c] ?? null };
}

/** Splits a rectangle of cells into blocks that avoid the cells marked `skip` (whole clean rows stay one block). */
export function blocksAvoiding(row0: number, col0: number, cells: PlanCell[][], skip: (r: number, c: number) => boolean): Block[] {
  const out: Block[] = [];
  let start = -1;
  const flush = (end: number) => {
    if (start >= 0 && end > start) out.push({ row: row0 + start, col: col0, cells: cells.slice(start, end) });
    start = -1;
  };
  for (let r = 0; r < cells.length; r++) {
    const width = cells[r].length;
    let clean = true;
    for (let c = 0; c < width; c++) if (skip(r, c)) { clean = false; break; }
    if (clean) { if (start < 0) start = r; continue; }
    flush(r);
    let s = -1;
    for (let c = 0; c <= width; c++) {
      const sk = c === width || skip(r, c);
      if (!sk && s < 0) s = c;
      if (sk && s >= 0) { out.push({ row: row0 + r, col: col0 + s, cells: [cells[r].slice(s, c)] }); s = -1; }
    }
  }
  flush(cells.length);
  return out;
}

interface TableResult { capacity: number; layout: string[] }

/** Plans the table at A1. Returns the capacity (data rows incl. spare) it now spans. */
function planTable(
  plan: SheetPlan, spec: SheetSpec, t: TableSpec, existing: SheetSnapshot | undefined, old: SheetMeta | undefined,
  names: NamedRange[], warnings: string[],
): TableResult {
  const cols = t.columns;
  const width = cols.length;
  const layout = cols.map((c) => c.key);
  const incoming = spec.rows ?? [];
  const keyOf = (r: RowValues) => recordKey(t.keyColumns, r);
  const header: PlanCell[] = cols.map((c) => c.header);

  // Existing content by column key (ours only: `existing` is undefined for a sheet we did not make).
  const oldLayout = old?.layout ?? [];
  const sameLayout = !!existing && oldLayout.length === layout.length && oldLayout.every((k, i) => k === layout[i]);
  const oldIdx = new Map(oldLayout.map((k, i) => [k, i]));
  const nExisting = existing ? Math.max(0, existing.values.length - 1) : 0;
  const seedFormula = (c: ColumnSpec, rowNo: number) => (c.seed ? "=" + c.seed(makeCtx(cols, rowNo)).replace(/^=/, "") : null);

  // On a relayout, everything outside the new columns is carried to the right: retired columns, and any
  // column a person added beside the table.
  const existingWidth = existing ? Math.max(0, ...existing.values.map((r) => r.length)) : 0;
  const carriedCols: number[] = [];
  if (existing && !sameLayout) {
    for (let oi = 0; oi < existingWidth; oi++) {
      const k = oldLayout[oi];
      if (k !== undefined && layout.includes(k)) continue;
      if (k !== undefined || existing.values.some((row, r) => r > 0 && (!isEmpty(row[oi]) || existing.formulas[r]?.[oi]))) carriedCols.push(oi);
    }
  }
  // A row is used when any input cell holds something a person put there (a value, or a formula other than our seed).
  let lastUsed = 0;
  const existingKeys = new Map<string, number>();
  for (let r = 1; r <= nExisting; r++) {
    let used = false;
    const rec: RowValues = {};
    for (const c of cols) {
      const oi = oldIdx.get(c.key);
      if (oi === undefined) continue;
      const { v, f } = snapshotCell(existing, r, oi);
      if (isComputed(c)) {
        // A value typed over one of our formulas is the person's: the row is theirs too.
        if (f === null && !isEmpty(v)) used = true;
        continue;
      }
      const oursSeed = f !== null && seedFormula(c, r + 1)?.toUpperCase() === f.toUpperCase();
      if ((f === null && !isEmpty(v)) || (f !== null && !oursSeed)) used = true;
      rec[c.key] = f === null ? (v as Value) : null;
    }
    // Columns the old layout had and the new one drops, and the person's own columns, also count as content.
    if (!sameLayout && existing) {
      for (const oi of carriedCols) {
        const { v, f } = snapshotCell(existing, r, oi);
        if (!isEmpty(v) || f) used = true;
      }
    }
    if (used) {
      lastUsed = r;
      const k = keyOf(rec);
      if (k.replace(/\|/g, "") !== "") existingKeys.set(k, r);
    }
  }

  const newRows: RowValues[] = [];
  const updates: { r: number; rec: RowValues }[] = [];
  for (const rec of spec.seedOnly && existing ? [] : incoming) {
    const at = existingKeys.get(keyOf(rec));
    if (at === undefined) newRows.push(rec);
    else if (spec.rowsWin) updates.push({ r: at, rec });
  }
  const appendStart = lastUsed; // new records go in rows appendStart+1 ...
  const capacity = Math.max(old?.capacity ?? 0, appendStart + newRows.length + t.spareRows, nExisting);

  if (!existing || !sameLayout) {
    // Fresh sheet, or a relayout: one block over the whole table, carrying existing content by key.
    const carriedHeader = (oi: number) => {
      const h = existing!.values[0]?.[oi];
      return oldLayout[oi] !== undefined ? `${String(h ?? oldLayout[oi])} (kept)` : ((h ?? null) as PlanCell);
    };
    const cells: PlanCell[][] = [[...header, ...carriedCols.map(carriedHeader)]];
    for (let r = 1; r <= capacity; r++) {
      const rowNo = r + 1;
      const row: PlanCell[] = [];
      const inc = r > appendStart && r <= appendStart + newRows.length ? newRows[r - appendStart - 1] : undefined;
      for (const c of cols) {
        const oi = oldIdx.get(c.key);
        const snap = existing && oi !== undefined && r <= nExisting ? snapshotCell(existing, r, oi) : { v: null, f: null };
        if (isComputed(c)) {
          if (snap.f === null && !isEmpty(snap.v)) {
            row.push(snap.v as PlanCell);
            warnings.push(`Kept the value typed over the formula in ${plan.name}!${colLetter(row.length - 1)}${rowNo}.`);
          } else row.push(recordCell(c, rowNo, cols, null));
        } else if (snap.f !== null && seedFormula(c, r + 1)?.toUpperCase() !== snap.f.toUpperCase()) row.push({ f: snap.f });
        else if (!isEmpty(snap.v) && snap.f === null) row.push(snap.v as PlanCell);
        else row.push(recordCell(c, rowNo, cols, inc?.[c.key]));
      }
      for (const oi of carriedCols) {
        const s = r <= nExisting ? snapshotCell(existing, r, oi) : { v: null, f: null };
        row.push(s.f ? { f: s.f } : (s.v as PlanCell));
      }
      cells.push(row);
    }
    plan.blocks.push({ row: 0, col: 0, cells });
    if (existing && !sameLayout) warnings.push(`${plan.name}: columns updated to this version; your values moved with their columns${carriedCols.length ? ", and other columns were kept at the right" : ""}.`);
  } else {
    plan.blocks.push({ row: 0, col: 0, cells: [header] });
    // Existing rows 1..appendStart: computed columns only, column run by column run, avoiding typed-over cells.
    if (appendStart > 0) {
      let c0 = 0;
      while (c0 < width) {
        if (!isComputed(cols[c0])) { c0++; continue; }
        let c1 = c0;
        while (c1 + 1 < width && isComputed(cols[c1 + 1])) c1++;
        const cells: PlanCell[][] = [];
        for (let r = 1; r <= appendStart; r++) {
          const line: PlanCell[] = [];
          for (let c = c0; c <= c1; c++) line.push(recordCell(cols[c], r + 1, cols, null));
          cells.push(line);
        }
        plan.blocks.push(
          ...blocksAvoiding(1, c0, cells, (ri, ci) => {
            const { v, f } = snapshotCell(existing, ri + 1, c0 + ci);
            const typed = f === null && !isEmpty(v);
            if (typed) warnings.push(`Kept the value typed over the formula in ${plan.name}!${colLetter(c0 + ci)}${ri + 2}.`);
            return typed;
          }),
        );
        c0 = c1 + 1;
      }
    }
    // Rows after the last used one hold nothing of the person's: new records and spare rows, full width.
    const tail: PlanCell[][] = [];
    for (let r = appendStart + 1; r <= capacity; r++) {
      const inc = r <= appendStart + newRows.length ? newRows[r - appendStart - 1] : undefined;
      tail.push(cols.map((c) => recordCell(c, r + 1, cols, inc?.[c.key])));
    }
    if (tail.length) plan.blocks.push({ row: appendStart + 1, col: 0, cells: tail });
    // Records confirmed in the pane: the confirmed values are written, in runs of input cells; a field left
    // blank keeps whatever its cell holds (value or formula), so it is not written at all.
    for (const u of updates) {
      let start = -1;
      let line: PlanCell[] = [];
      for (let c = 0; c <= width; c++) {
        const inc = c < width && !isComputed(cols[c]) ? u.rec[cols[c].key] : undefined;
        if (c < width && !isEmpty(inc)) {
          if (start < 0) start = c;
          line.push(recordCell(cols[c], u.r + 1, cols, inc));
        } else if (start >= 0) {
          plan.blocks.push({ row: u.r, col: start, cells: [line] });
          start = -1;
          line = [];
        }
      }
    }
  }

  // Formats, validation, styles and names over header + capacity rows.
  const data = (c: number): RangeRef => ({ row: 1, col: c, rows: capacity, cols: 1 });
  cols.forEach((c, i) => {
    // Text format only on typed text: a formula written into a Text cell would stay text.
    const fmt = (c.type === "text" || c.type === "longtext") ? (isComputed(c) ? null : "@") : formatOf(c.type);
    if (fmt) plan.formats.push({ range: data(i), format: fmt });
    if (isComputed(c)) plan.styles.push({ range: data(i), fill: COLOURS.computed });
    if (c.type === "longtext") plan.styles.push({ range: data(i), wrap: true });
    const v = validationFor(c, data(i), names);
    if (v && !isComputed(c)) plan.validations.push(v);
    plan.columnWidths.push({ col: i, width: c.width ?? defaultWidth(c) });
    if (c.name) names.push({ name: t.namePrefix + c.name, sheet: plan.name, range: data(i) });
  });
  plan.styles.push({ range: { row: 0, col: 0, rows: 1, cols: width }, bold: true, fill: COLOURS.header, fontColor: COLOURS.headerFont, wrap: true });
  if (t.conditionalFormats) {
    const byKey = (k: string) => data(cols.findIndex((c) => c.key === k));
    plan.conditionalFormats.push(...t.conditionalFormats(byKey));
  }
  plan.table = { name: t.tableName, range: { row: 0, col: 0, rows: capacity + 1, cols: width } };
  return { capacity, layout };
}

/**
 * Merges rules that differ only by sitting in side-by-side columns of the same rows (seven governance
 * dropdowns, twelve money columns), so every host makes one call where it would make many.
 */
export function mergeAdjacent<T extends { range: RangeRef }>(rules: T[]): T[] {
  const keyOf = (r: T) => {
    const { range, ...rest } = r;
    return `${range.row}|${range.rows}|${JSON.stringify(rest)}`;
  };
  const groups = new Map<string, T[]>();
  for (const r of rules) {
    const k = keyOf(r);
    const g = groups.get(k);
    if (g) g.push(r); else groups.set(k, [r]);
  }
  const out: T[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.range.col - b.range.col);
    let cur = { ...g[0], range: { ...g[0].range } };
    for (const r of g.slice(1)) {
      if (r.range.col === cur.range.col + cur.range.cols) cur.range.cols += r.range.cols;
      else { out.push(cur); cur = { ...r, range: { ...r.range } }; }
    }
    out.push(cur);
  }
  return out;
}

function defaultWidth(c: ColumnSpec): number {
  switch (c.type) {
    case "longtext": return 36;
    case "date": return 12;
    case "money": return 14;
    case "yesno": return 8;
    case "choice": return 20;
    default: return Math.min(30, Math.max(10, c.header.length + 2));
  }
}

function validationFor(c: ColumnSpec, range: RangeRef, names: NamedRange[]): ValidationRule | null {
  if (c.choices) return { range, list: c.choices, message: `Choose one of: ${c.choices.join(", ")}.` };
  if (c.type === "yesno") return { range, list: ["Yes", "No"], message: "Choose Yes or No." };
  if (c.listName) {
    const n = names.find((x) => x.name === c.listName);
    if (n) return { range, listSource: a1(n.range, { sheet: n.sheet, absolute: true }), message: `Choose a value from ${n.sheet}.` };
    return null;
  }
  if (c.type === "date") return { range, date: true, message: `${c.header} must be a date.` };
  if (c.type === "money" || c.type === "number" || c.type === "integer" || c.type === "percent" || c.type === "score") {
    const min = c.min, max = c.max;
    const what = min !== undefined && max !== undefined ? ` between ${min} and ${max}` : min !== undefined ? ` of at least ${min}` : "";
    return { range, number: { min, max, integer: c.type === "integer" || c.type === "score" }, message: `${c.header} must be a number${what}.` };
  }
  return null;
}

function planReport(plan: SheetPlan, rep: ReportSpec, existing: SheetSnapshot | undefined, names: NamedRange[], warnings: string[]) {
  const cells: PlanCell[][] = rep.rows.map((row) => row.map((rc) => (rc ? rc.cell : null)));
  const skip = (r: number, c: number) => {
    const rc = rep.rows[r][c];
    if (!existing) return false;
    const { v, f } = snapshotCell(existing, r, rep.col + c);
    // Where we have nothing to say, whatever the person typed stays.
    if (!rc || rc.cell === null || rc.cell === "") return !isEmpty(v) || f !== null;
    if (rc.input) return !isEmpty(v) || f !== null;
    const isFormula = typeof rc.cell === "object" && rc.cell !== null && "f" in rc.cell;
    if (isFormula && f === null && !isEmpty(v)) {
      warnings.push(`Kept the value typed over the formula in ${plan.name}!${colLetter(rep.col + c)}${r + 1}.`);
      return true;
    }
    return false;
  };
  plan.blocks.push(...blocksAvoiding(0, rep.col, cells, skip));
  // Formats and styles in vertical runs, so calls stay few.
  const width = Math.max(...rep.rows.map((r) => r.length));
  for (let c = 0; c < width; c++) {
    let r = 0;
    while (r < rep.rows.length) {
      const fmt = rep.rows[r][c]?.format;
      let r2 = r;
      while (r2 + 1 < rep.rows.length && rep.rows[r2 + 1][c]?.format === fmt) r2++;
      if (fmt) plan.formats.push({ range: { row: r, col: rep.col + c, rows: r2 - r + 1, cols: 1 }, format: fmt });
      r = r2 + 1;
    }
  }
  rep.rows.forEach((row, r) => {
    let c = 0;
    while (c < row.length) {
      const rc = row[c];
      if (!rc || (!rc.bold && !rc.fill)) { c++; continue; }
      let c2 = c;
      while (c2 + 1 < row.length && row[c2 + 1]?.bold === rc.bold && row[c2 + 1]?.fill === rc.fill) c2++;
      plan.styles.push({ range: { row: r, col: rep.col + c, rows: 1, cols: c2 - c + 1 }, bold: rc.bold, fill: rc.fill });
      c = c2 + 1;
    }
    row.forEach((rc, c) => {
      if (rc?.name) names.push({ name: rc.name, sheet: plan.name, range: { row: r, col: rep.col + c, rows: 1, cols: 1 } });
      if (rc?.validation) plan.validations.push({ range: { row: r, col: rep.col + c, rows: 1, cols: 1 }, list: rc.validation.list, message: rc.validation.message });
      if (rc?.input) plan.styles.push({ range: { row: r, col: rep.col + c, rows: 1, cols: 1 }, fill: COLOURS.unknown });
    });
  });
  (rep.widths ?? []).forEach((w, i) => plan.columnWidths.push({ col: rep.col + i, width: w }));
  plan.conditionalFormats.push(...(rep.conditionalFormats ?? []));
}

export interface EngineInput {
  year: string;
  /** The network's name, remembered for later builds. */
  pcn?: string;
  specs: SheetSpec[];
  /** Keys to (re)build; others are left as they are. */
  only?: Set<string>;
  snapshot: WorkbookSnapshot;
}

export interface NameRequest { key: string; name: string; title?: string; keys?: string[]; headers?: string[] }

/**
 * Resolves each sheet's name: the sheet we made before (found case-insensitively, spelled as the workbook
 * spells it); else a sheet whose header row is exactly ours (a renamed sheet, or the meta sheet was lost),
 * which is adopted with a note; else the default name, or a free variant when a sheet of that name is not ours.
 * Adopted sheets are added to `meta`, which the engine then treats as ours.
 */
export function resolveNames(specs: NameRequest[], snap: WorkbookSnapshot, meta: WorkbookMeta, warnings: string[]): Map<string, { name: string; ours: boolean }> {
  const byLower = new Map(snap.sheets.map((s) => [s.name.toLowerCase(), s]));
  const claimed = new Set<string>([META_SHEET.toLowerCase(), LISTS_SHEET.toLowerCase()]);
  const out = new Map<string, { name: string; ours: boolean }>();
  for (const s of specs) {
    const m = meta.sheets.find((x) => x.key === s.key);
    const sheet = m && byLower.get(m.name.toLowerCase());
    if (m && sheet && !claimed.has(sheet.name.toLowerCase())) {
      m.name = sheet.name;
      out.set(s.key, { name: sheet.name, ours: true });
      claimed.add(sheet.name.toLowerCase());
    }
  }
  const sameHeader = (row: SnapshotValue[] | undefined, headers: string[]) =>
    !!row && headers.every((h, i) => String(row[i] ?? "").trim() === h);
  for (const s of specs) {
    if (out.has(s.key) || !s.headers || !s.keys) continue;
    const found = snap.sheets.filter((sh) => !claimed.has(sh.name.toLowerCase()) && sameHeader(sh.values[0], s.headers!));
    const sheet = found.find((sh) => sh.name.toLowerCase() === s.name.toLowerCase()) ?? found[0];
    if (!sheet) continue;
    meta.sheets = meta.sheets.filter((x) => x.key !== s.key);
    meta.sheets.push({ key: s.key, name: sheet.name, layout: s.keys, capacity: Math.max(0, sheet.values.length - 1) });
    out.set(s.key, { name: sheet.name, ours: true });
    claimed.add(sheet.name.toLowerCase());
    warnings.push(`Recognised "${sheet.name}" as the ${s.title ?? s.name} sheet by its columns, and refreshed it in place.`);
  }
  for (const s of specs) {
    if (out.has(s.key)) continue;
    let name = s.name;
    if (byLower.has(name.toLowerCase()) || claimed.has(name.toLowerCase())) {
      let i = 1;
      do name = `${s.name} (PCN${i > 1 ? " " + i : ""})`; while ((byLower.has(name.toLowerCase()) || claimed.has(name.toLowerCase())) && ++i);
      warnings.push(`A sheet called "${s.name}" already exists and was not made by PCN Toolkit: it is left untouched, and this build uses "${name}".`);
    }
    claimed.add(name.toLowerCase());
    out.set(s.key, { name, ours: false });
  }
  return out;
}

export function runEngine(input: EngineInput, meta: WorkbookMeta, warnings: string[]): { sheets: SheetPlan[]; names: NamedRange[] } {
  const { snapshot } = input;
  const names: NamedRange[] = [];
  const sheets: SheetPlan[] = [];
  const newMeta: SheetMeta[] = [];
  for (const spec of input.specs) {
    const existing = snapshot.sheets.find((s) => s.name === spec.name);
    const old = meta.sheets.find((m) => m.key === spec.key);
    const ours = !!old && !!existing && old.name.toLowerCase() === spec.name.toLowerCase();
    const plan = emptySheetPlan(spec.key, spec.name, !existing);
    plan.hidden = spec.hidden;
    plan.freeze = spec.freeze ?? { rows: spec.table ? 1 : 0, cols: 0 };
    const rebuild = !input.only || input.only.has(spec.key);
    // Neither asked for nor there yet: leave it for a later build (the caller adds what requested sheets need).
    if (!rebuild && !ours) continue;
    let capacity = old?.capacity ?? 0;
    let layout = old?.layout ?? [];
    if (spec.table) {
      if (rebuild) {
        const r = planTable(plan, spec, spec.table, ours ? existing : undefined, ours ? old : undefined, names, warnings);
        capacity = r.capacity;
        layout = r.layout;
      } else {
        // Not rebuilt: still declare its names so other sheets' formulas resolve.
        spec.table.columns.forEach((c, i) => {
          if (c.name) names.push({ name: spec.table!.namePrefix + c.name, sheet: spec.name, range: { row: 1, col: i, rows: capacity, cols: 1 } });
        });
      }
      // Row names (e.g. one rate's value cell) from where each record now sits.
      if (spec.table.rowNames) addRowNames(spec, spec.table, ours ? existing : undefined, capacity, names);
    }
    for (const rep of spec.reports ?? []) {
      if (rebuild) planReport(plan, rep, ours ? existing : undefined, names, warnings);
      else rep.rows.forEach((row, r) => row.forEach((rc, c) => rc?.name && names.push({ name: rc.name, sheet: spec.name, range: { row: r, col: rep.col + c, rows: 1, cols: 1 } })));
    }
    plan.charts = spec.charts ?? [];
    plan.formats = mergeAdjacent(plan.formats);
    plan.styles = mergeAdjacent(plan.styles);
    plan.validations = mergeAdjacent(plan.validations);
    newMeta.push({ key: spec.key, name: spec.name, layout, capacity });
    if (rebuild) sheets.push(plan);
  }
  // Dropdown lists too long for an inline list (Excel's limit is 255 characters) go on a hidden lists sheet.
  const lists: string[][] = [];
  for (const sp of sheets) {
    for (const v of sp.validations) {
      if (!v.list || v.list.join(",").length <= 250) continue;
      let i = lists.findIndex((l) => l.join("\u0000") === v.list!.join("\u0000"));
      if (i < 0) i = lists.push(v.list) - 1;
      v.listSource = a1({ row: 0, col: i, rows: v.list.length, cols: 1 }, { sheet: LISTS_SHEET, absolute: true });
      delete v.list;
    }
  }
  if (lists.length) {
    const lp = emptySheetPlan("_lists", LISTS_SHEET, !snapshot.sheets.some((s) => s.name === LISTS_SHEET));
    lp.hidden = true;
    const height = Math.max(...lists.map((l) => l.length));
    lp.blocks.push({ row: 0, col: 0, cells: Array.from({ length: height }, (_, r) => lists.map((l) => l[r] ?? null)) });
    sheets.push(lp);
  }
  // The meta sheet: ours, hidden, rewritten whole.
  const metaPlan = emptySheetPlan("_meta", META_SHEET, !snapshot.sheets.some((s) => s.name === META_SHEET));
  metaPlan.hidden = true;
  const metaRows: PlanCell[][] = [
    ["PCN Toolkit workbook settings: please do not edit this sheet.", null, null, null, null],
    ["version", META_VERSION, null, null, null],
    ["year", input.year, null, null, null],
    ["pcn", input.pcn ?? meta.pcn ?? null, null, null, null],
    ...newMeta.map((m) => ["sheet", m.key, m.name, JSON.stringify(m.layout), m.capacity] as PlanCell[]),
  ];
  const oldMetaRows = snapshot.sheets.find((s) => s.name === META_SHEET)?.values.length ?? 0;
  while (metaRows.length < oldMetaRows) metaRows.push([null, null, null, null, null]);
  metaPlan.blocks.push({ row: 0, col: 0, cells: metaRows });
  metaPlan.formats.push({ range: { row: 0, col: 0, rows: metaRows.length, cols: 5 }, format: "@" });
  sheets.push(metaPlan);
  return { sheets, names };
}

/** Records as they sit after a build: existing used rows in place, then incoming new ones. `__row` is the 1-based sheet row. */
export function finalRecords(spec: SheetSpec, existing: SheetSnapshot | undefined): RowValues[] {
  const t = spec.table!;
  const cols = t.columns;
  const rows: RowValues[] = [];
  const n = existing ? existing.values.length - 1 : 0;
  for (let r = 1; r <= n; r++) {
    const rec: RowValues = { __row: r + 1 };
    cols.forEach((c, i) => (rec[c.key] = (existing!.values[r]?.[i] ?? null) as Value));
    rows.push(rec);
  }
  const keyOf = (r: RowValues) => recordKey(t.keyColumns, r);
  const have = new Set(rows.filter((r) => keyOf(r).replace(/\|/g, "")).map(keyOf));
  let last = 0;
  rows.forEach((r, i) => { if (cols.some((c) => !c.formula && !isEmpty(r[c.key]))) last = i + 1; });
  const out = rows.slice(0, last).filter((r) => keyOf(r).replace(/\|/g, ""));
  let next = last + 2;
  for (const inc of spec.seedOnly && existing ? [] : (spec.rows ?? [])) if (!have.has(keyOf(inc))) out.push({ ...inc, __row: next++ });
  return out;
}

function addRowNames(spec: SheetSpec, t: TableSpec, existing: SheetSnapshot | undefined, capacity: number, names: NamedRange[]) {
  for (const rec of finalRecords(spec, existing)) {
    const row = (rec.__row as number) - 1;
    if (row > capacity) continue;
    const nm = t.rowNames!(rec);
    if (!nm) continue;
    const col = t.columns.findIndex((c) => c.key === nm.column);
    if (!names.some((x) => x.name === nm.name)) names.push({ name: nm.name, sheet: spec.name, range: { row, col, rows: 1, cols: 1 } });
  }
}

export function refuseOtherYear(meta: WorkbookMeta, year: string) {
  if (meta.year && meta.year !== year) {
    throw new PcnError(
      `This workbook was built for ${meta.year}. Building ${year} into it would mix two years' rates and records; start a new workbook for ${year} (or rebuild with ${meta.year}).`,
    );
  }
}

