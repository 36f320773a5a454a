/**
 * Figures into the Rates and ARRS Rates sheets of a workbook that exists: from a rates file (a person loads one),
 * and from the rates book on a rebuild (blank cells only). The core decides every cell; hosts only write them.
 * Input cells a person typed are sacred: a rebuild fills only blank ones, and a rates file changes exactly the
 * cells it names.
 */
import { findRole, getYear, maximumInfo, parseArea } from "../rates/book";
import { checkRatesFile, type RatesFile } from "../rates/file";
import type { Area } from "../rates/types";
import { META_SHEET, readMeta, type SheetMeta, type WorkbookMeta } from "./engine";
import { colLetter, setPlanCell, snapshotAfter, type SheetPlan, type SheetSnapshot, type WorkbookSnapshot, type WritePlan } from "./plan";
import type { SheetSpec } from "./spec";
import { rateRows } from "./sheets/rates";

/**
 * One cell to write: 0-based row and column. Text is always written as text; `plainText` says the cell is
 * formatted "@" (Google Sheets keeps a leading apostrophe there, so the host must not add one).
 */
export interface CellWrite { sheet: string; row: number; col: number; value: number | string; plainText: boolean }

export interface RatesFilePlan {
  /** One sentence per problem; when there are any, `writes` is empty. */
  problems: string[];
  /** One line per cell that changes: where, which figure, old and new value. */
  changes: string[];
  /** What the file holds that is not loaded into cells (said, not silently dropped). */
  notes: string[];
  writes: CellWrite[];
  year?: string;
}

const isEmpty = (v: unknown) => v === null || v === undefined || v === "";
const shown = (v: unknown) => (isEmpty(v) ? "blank" : typeof v === "string" ? `"${v.length > 50 ? v.slice(0, 50) + "..." : v}"` : String(v));

interface Located { name: string; snap: SheetSnapshot; layout: string[]; capacity: number; col: (k: string) => number }
/** Input columns the engine formats as text ("@"), by sheet key. */
const TEXT_COLUMNS: Record<string, string[]> = { rates: ["key", "label", "unit", "basis", "confidence", "source"], arrsRates: ["role", "band", "confidence", "source"] };
function locate(snapshot: WorkbookSnapshot, meta: WorkbookMeta, key: string): Located | undefined {
  const m = meta.sheets.find((s) => s.key === key);
  if (!m) return undefined;
  const snap = snapshot.sheets.find((s) => s.name === m.name) ?? snapshot.sheets.find((s) => s.name.toLowerCase() === m.name.toLowerCase());
  if (!snap) return undefined;
  return { name: snap.name, snap, layout: m.layout, capacity: m.capacity, col: (k) => m.layout.indexOf(k) };
}

const areaOf = (v: unknown): Area | undefined => { try { return parseArea(v); } catch { return undefined; } };

/** The rates book's role a row's role text names (any spelling or alias), else the text itself. */
function roleIdOf(yearLabel: string, v: unknown): string {
  const t = String(v ?? "").trim();
  try { return findRole(getYear(yearLabel), t).role.toLowerCase(); } catch { return t.toLowerCase(); }
}

/** Plans a rates file into the workbook: problems (nothing written), or the cells to write and the changes. */
export function planRatesFile(snapshot: WorkbookSnapshot, text: string): RatesFilePlan {
  const meta = readMeta(snapshot);
  const out: RatesFilePlan = { problems: [], changes: [], notes: [], writes: [] };
  const checked = checkRatesFile(text, meta.year);
  out.problems.push(...checked.problems);
  const rates = locate(snapshot, meta, "rates");
  const arrs = locate(snapshot, meta, "arrsRates");
  if (!meta.year) out.problems.push("This workbook has not been built by PCN Toolkit yet: build it first (it then has Rates and ARRS Rates sheets), and load the file again.");
  const file = checked.file;
  if (!file || !meta.year) return out;
  out.year = file.year;
  if (file.rates.length && !rates) out.problems.push("This workbook has no Rates sheet: build or refresh the Rates sheet first, and load the file again.");
  if (file.roles.length && !arrs) out.problems.push("This workbook has no ARRS Rates sheet: build or refresh the ARRS Rates sheet first, and load the file again.");
  for (const [sheet, loc, keys] of [["Rates", rates, ["key", "value", "confidence", "source"]], ["ARRS Rates", arrs, ["role", "band", "area", "confidence", "source"]]] as const) {
    if (loc && keys.some((k) => loc.col(k) < 0)) out.problems.push(`The ${sheet} sheet was made by an older version of PCN Toolkit: refresh it first, and load the file again.`);
  }
  if (out.problems.length) return out;

  const set = (loc: Located, row: number, key: string, value: number | string, what: string) => {
    const col = loc.col(key);
    const old = loc.snap.values[row]?.[col] ?? null;
    if (old === value || (typeof old === "number" && typeof value === "number" && Math.abs(old - value) < 1e-12)) return;
    const sheetKey = loc === rates ? "rates" : "arrsRates";
    out.writes.push({ sheet: loc.name, row, col, value, plainText: typeof value === "string" && TEXT_COLUMNS[sheetKey].includes(key) });
    out.changes.push(`${loc.name}!${colLetter(col)}${row + 1} ${what}: ${shown(old)} → ${shown(value)}`);
  };

  if (rates) {
    const rowOf = new Map<string, number>();
    rates.snap.values.forEach((r, i) => { if (i > 0 && !isEmpty(r[rates.col("key")])) rowOf.set(String(r[rates.col("key")]).trim().toLowerCase(), i); });
    for (const r of file.rates) {
      const row = rowOf.get(r.key.toLowerCase());
      if (row === undefined) { out.problems.push(`rates.${r.key}: the Rates sheet has no row for ${r.key} (was it deleted?): refresh the Rates sheet, and load the file again.`); continue; }
      set(rates, row, "value", r.value, `${r.key} value`);
      set(rates, row, "confidence", r.confidence, `${r.key} confidence`);
      set(rates, row, "source", r.source + (r.note ? ` Note: ${r.note}` : ""), `${r.key} source`);
    }
  }

  if (arrs) {
    const v = arrs.snap.values;
    const rows: { row: number; id: string; area?: Area }[] = [];
    let lastUsed = 0;
    v.forEach((r, i) => {
      if (i === 0 || isEmpty(r[arrs.col("role")])) return;
      lastUsed = i;
      rows.push({ row: i, id: roleIdOf(file.year, r[arrs.col("role")]), area: areaOf(r[arrs.col("area")]) });
    });
    const spare = Math.max(0, arrs.capacity - lastUsed);
    let next = lastUsed + 1;
    const year = getYear(file.year);
    for (const role of file.roles) {
      const id = (role.role ?? role.name).toLowerCase();
      const areas = [...new Set(role.maxima.map((m) => m.area))];
      for (const area of areas) {
        let targets = rows.filter((r) => r.id === id && r.area === area).map((r) => r.row);
        if (!targets.length) {
          // A role (or area) the sheet has no row for: it goes in the next blank row, which has the formulas ready.
          if (next - lastUsed > spare) {
            out.problems.push(`The ARRS Rates sheet has no blank row left for ${role.name} (${area === "national" ? "national" : area === "outerLondon" ? "outer london" : "inner london"}): refresh the ARRS Rates sheet (a rebuild leaves blank rows at the bottom), and load the file again.`);
            continue;
          }
          const row = next++;
          targets = [row];
          const areaText = area === "national" ? "national" : area === "outerLondon" ? "outer london" : "inner london";
          const band = role.band ?? (role.role ? year.arrs.roles.find((r) => r.role === role.role)?.band : undefined) ?? "n/a";
          set(arrs, row, "role", role.role ?? role.name, `${role.role ?? role.name} role (new row)`);
          set(arrs, row, "band", band, `${role.role ?? role.name} band`);
          set(arrs, row, "area", areaText, `${role.role ?? role.name} area`);
        }
        for (const row of targets) {
          for (const m of role.maxima.filter((x) => x.area === area)) {
            const i = year.arrs.periods.indexOf(m.period);
            if (arrs.col(`p${i + 1}`) < 0) { out.problems.push(`The ARRS Rates sheet has no column for the period from ${m.period}: refresh it first.`); continue; }
            set(arrs, row, `p${i + 1}`, m.value, `${role.role ?? role.name} ${area === "national" ? "national" : area === "outerLondon" ? "outer London" : "inner London"} maximum from ${m.period}`);
          }
          if (role.confidence) set(arrs, row, "confidence", role.confidence, `${role.role ?? role.name} confidence`);
          if (role.source) set(arrs, row, "source", role.source + (role.note ? ` Note: ${role.note}` : ""), `${role.role ?? role.name} source`);
        }
      }
    }
  }
  out.notes.push(...file.ignored.map((i) => `Not loaded: ${i}.`));
  if (out.problems.length) { out.writes = []; out.changes = []; }
  return out;
}

/**
 * A rates file loaded with a build (the offline command's --rates): planned on the workbook as `plan` leaves it
 * (so a new workbook's Rates sheets are there to load into), its cells added to `plan`, so the host writes the
 * build and the file's figures in one write. With problems, `plan` is unchanged.
 */
export function addRatesFile(plan: WritePlan, snapshot: WorkbookSnapshot, text: string): RatesFilePlan {
  const needed = new Set([META_SHEET, ...plan.sheets.filter((s) => s.key === "rates" || s.key === "arrsRates").map((s) => s.name)]);
  const rp = planRatesFile(snapshotAfter(snapshot, plan, needed), text);
  if (rp.problems.length) return rp;
  for (const w of rp.writes) {
    const sp = plan.sheets.find((s) => s.name === w.sheet);
    // Every sheet a rates file writes is one the build writes (it plans on what the build leaves).
    if (!sp) throw new Error(`addRatesFile: ${w.sheet} is not in the plan`);
    setPlanCell(sp, w.row, w.col, w.value);
  }
  return rp;
}

/**
 * On a rebuild, figures the rates book has reach blank value cells of existing Rates and ARRS Rates rows (a
 * workbook made before this version ships them). A cell a person typed in is never touched; each fill is said.
 */
export function fillFromBook(sheets: SheetPlan[], specs: SheetSpec[], snapshot: WorkbookSnapshot, meta: WorkbookMeta, warnings: string[]): number {
  const yearLabel = meta.year;
  if (!yearLabel) return 0;
  const year = getYear(yearLabel);
  let filled = 0;
  const fill = (key: string, each: (loc: Located, put: (row: number, k: string, v: number) => void) => void) => {
    const plan = sheets.find((s) => s.key === key);
    const spec = specs.find((s) => s.key === key);
    const old: SheetMeta | undefined = meta.sheets.find((s) => s.key === key);
    if (!plan || !spec?.table || !old || plan.create) return;
    const loc = locate(snapshot, meta, key);
    if (!loc || loc.name !== plan.name) return;
    const cols = spec.table.columns.map((c) => c.key);
    const newCol = (k: string) => cols.indexOf(k);
    each(loc, (row, k, v) => {
      setPlanCell(plan, row, newCol(k), v);
      filled++;
    });
  };
  fill("rates", (loc, put) => {
    const book = new Map(rateRows(year).map((r) => [r.key.toLowerCase(), r.rate.value]));
    loc.snap.values.forEach((r, i) => {
      if (i === 0) return;
      const k = String(r[loc.col("key")] ?? "").trim().toLowerCase();
      const v = book.get(k);
      const at = loc.col("value");
      if (k && typeof v === "number" && at >= 0 && isEmpty(r[at]) && !loc.snap.formulas[i]?.[at]) put(i, "value", v);
    });
  });
  fill("arrsRates", (loc, put) => {
    loc.snap.values.forEach((r, i) => {
      if (i === 0 || isEmpty(r[loc.col("role")])) return;
      let role;
      try { role = findRole(year, r[loc.col("role")]); } catch { return; }
      const area = areaOf(r[loc.col("area")]);
      if (!area) return;
      year.arrs.periods.forEach((p, pi) => {
        const at = loc.col(`p${pi + 1}`);
        const v = maximumInfo(year, role, p, area).value;
        if (at >= 0 && v !== null && isEmpty(r[at]) && !loc.snap.formulas[i]?.[at]) put(i, `p${pi + 1}`, v);
      });
    });
  });
  if (filled) warnings.push(`Filled ${filled} blank figure${filled === 1 ? "" : "s"} on the Rates and ARRS Rates sheets that this version's rates book now has (figures you typed are kept; see each figure's provenance).`);
  return filled;
}
