/**
 * Excel writer benchmark on the counting fake: context.sync calls and request bytes per sheet for our writer
 * (one queued batch per sheet) against a naive writer that syncs once per row, for the sample network and
 * the large one. In Excel on the web every sync is an HTTP round trip, so syncs are the cost that matters.
 * Also exports the hand-made plan the Excel tests use.
 */
import { buildPlan } from "../core/workbook/build";
import { emptySheetPlan, type PlanCell, type SheetPlan, type WorkbookSnapshot, type WritePlan } from "../core/workbook/plan";
import { largeNetwork } from "../core/workbook/sample";
import { applyPlan, readSnapshot, toExcelInput } from "../excel-addin/writer";
import { rectangles } from "../core/workbook/plan";
import { FakeWorkbook, fakeRun, type FakeRequestContext } from "../test/fakes/fakeExcel";

export interface Row {
  network: "small" | "large";
  sheet: string;
  syncs: number;
  bytes: number;
  rowAtATimeSyncs: number;
  rowAtATimeBytes: number;
  ratio: number;
}

const ctxOf = (c: FakeRequestContext) => c as unknown as Excel.RequestContext;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------- a hand-made plan (tests use it too)

export const TRICKY_TEXT = ['=HYPERLINK("http://x","y")', "+1", "@SUM(1)", "-2", "0123", "TRUE", "1/2/2025", "12%", "#N/A", "'quoted", " padded ", "Apr-25", "\uFF1D1+1", "\uFE66SUM(1)", "#REF!"];

/**
 * A register of `rows` records over an existing "Notes" sheet, a chart sheet and a hidden meta sheet: every
 * kind of plan content the writer handles. `notesExists`: whether "Notes" is in the workbook already.
 */
export function handMadePlan(rows: number, notesExists = true): WritePlan {
  const n = rows;
  const last = n + 1;
  const data: PlanCell[][] = [["Name", "Code", "Start", "List size", "Weighted", "Share", "Status", "Notes"]];
  for (let i = 0; i < n; i++) {
    const r = i + 2;
    data.push([
      `Practice ${i + 1}`,
      String(i).padStart(4, "0"),
      { d: `2025-${String((i % 12) + 1).padStart(2, "0")}-01` },
      9000 + i,
      9500.5 + i,
      { f: `=IF(D${r}="","",D${r}/SUM($D$2:$D$${last}))` },
      { f: `=IF(F${r}>0.5,"Large","Small")` },
      TRICKY_TEXT[i % TRICKY_TEXT.length],
    ]);
  }
  const col = (c: number) => ({ row: 1, col: c, rows: n, cols: 1 });
  const register: SheetPlan = {
    ...emptySheetPlan("register", "Register", true),
    blocks: [{ row: 0, col: 0, cells: data }],
    formats: [
      { range: col(0), format: "@" },
      { range: col(1), format: "@" },
      { range: col(2), format: "dd/mm/yyyy" },
      { range: col(3), format: "#,##0" },
      { range: col(5), format: "0.0%" },
      { range: col(6), format: "@" },
    ],
    styles: [{ range: { row: 0, col: 0, rows: 1, cols: 8 }, bold: true, fill: "#1F4E79", fontColor: "#FFFFFF", wrap: true }],
    validations: [
      { range: col(3), number: { min: 0, integer: true }, message: "List size is a whole number, 0 or more." },
      { range: col(4), number: { min: 0, max: 1e6 }, message: "Weighted list is a number from 0 to 1,000,000." },
      { range: col(2), date: true, message: "Start is a date." },
      { range: col(7), list: ["Open", "Closed"], message: "Choose Open or Closed." },
      { range: { row: 1, col: 8, rows: n, cols: 1 }, listSource: `'Register'!$A$2:$A$${last}`, message: "Choose a practice." },
    ],
    conditionalFormats: [{ range: col(5), formula: "=F2>0.5", fill: "#F8CBAD", font: "#9C0006" }],
    freeze: { rows: 1, cols: 1 },
    columnWidths: [0, 1, 2, 3, 4, 5, 6, 7].map((c) => ({ col: c, width: c === 0 ? 30 : 12 })),
    table: { name: "PCN_Register", range: { row: 0, col: 0, rows: last, cols: 8 } },
  };
  const chart: SheetPlan = {
    ...emptySheetPlan("chart", "Register Chart", true),
    blocks: [{ row: 0, col: 0, cells: [["List sizes"]] }],
    charts: [
      {
        type: "line",
        title: "List size by practice",
        anchor: { row: 2, col: 0, rows: 15, cols: 8 },
        categories: { sheet: "Register", range: col(0) },
        series: [
          { name: "List size", sheet: "Register", range: col(3), color: "#005EB8" },
          { name: "Weighted", sheet: "Register", range: col(4) },
        ],
      },
    ],
  };
  const notes: SheetPlan = {
    ...emptySheetPlan("notes", "Notes", !notesExists),
    // Writes around the person's cells (A1:B3 in the tests) and clears an old computed area.
    blocks: [{ row: 9, col: 0, cells: [["Total", { f: `=SUM(Register!D2:D${last})` }], ["Count", { f: `=COUNTA(Register!A2:A${last})` }]] }],
    clears: [{ row: 20, col: 0, rows: 5, cols: 2 }],
    formats: [{ range: { row: 9, col: 1, rows: 2, cols: 1 }, format: "#,##0" }],
  };
  const meta: SheetPlan = {
    ...emptySheetPlan("meta", "PCN_Meta", true),
    hidden: true,
    blocks: [{ row: 0, col: 0, cells: [["year", "2025/26"], ["rows", n]] }],
    formats: [{ range: { row: 0, col: 0, rows: 2, cols: 2 }, format: "@" }],
  };
  return {
    year: "2025/26",
    sheets: [register, chart, notes, meta],
    names: [
      { name: "PCN_Names", sheet: "Register", range: col(0) },
      { name: "PCN_Total", sheet: "Notes", range: { row: 9, col: 1, rows: 1, cols: 1 } },
    ],
    warnings: [],
  };
}

/** A workbook as a person might have it before the first build: a Notes sheet with their own cells. */
export function startingWorkbook(opts: ConstructorParameters<typeof FakeWorkbook>[0] = {}): FakeWorkbook {
  const wb = new FakeWorkbook(opts);
  wb.addSheet("Notes", [["My notes", 42], ["=B1*2", "kept"], [null, "x"], [], [], [], [], [], [], [], [], [], [], [], [], [], [], [], [], [], ["old", 1], ["old", 2]]);
  return wb;
}

// ---------------------------------------------------------------- the naive writer

/** Row at a time: each row of each block is written and synced on its own; every rule then gets its own sync. */
export async function naiveApply(ctx: Excel.RequestContext, plan: WritePlan): Promise<void> {
  const wss = ctx.workbook.worksheets;
  wss.load("items/name");
  await ctx.sync();
  const had = new Set(wss.items.map((w) => w.name.toLowerCase()));
  for (const sp of plan.sheets) {
    const ws = had.has(sp.name.toLowerCase()) ? wss.getItem(sp.name) : wss.add(sp.name);
    await ctx.sync();
    const at = (r: { row: number; col: number; rows: number; cols: number }) => ws.getRangeByIndexes(r.row, r.col, r.rows, r.cols);
    for (const c of sp.clears) { at(c).clear("Contents"); await ctx.sync(); }
    for (const block of sp.blocks) {
      for (const b of rectangles(block)) {
        for (let i = 0; i < b.cells.length; i++) {
          ws.getRangeByIndexes(b.row + i, b.col, 1, b.cells[i].length).formulas = [b.cells[i].map((c) => toExcelInput(c))];
          await ctx.sync();
        }
      }
    }
    for (const f of sp.formats) { at(f.range).numberFormat = [[f.format]]; await ctx.sync(); }
    for (const s of sp.styles) { if (s.bold !== undefined) at(s.range).format.font.bold = s.bold; if (s.fill) at(s.range).format.fill.color = s.fill; await ctx.sync(); }
    for (const v of sp.validations) { at(v.range).dataValidation.clear(); await ctx.sync(); }
    for (const cf of sp.conditionalFormats) { const x = at(cf.range).conditionalFormats.add("Custom"); x.custom.rule.formula = cf.formula; x.custom.format.fill.color = cf.fill; await ctx.sync(); }
    for (const w of sp.columnWidths) { ws.getRangeByIndexes(0, w.col, 1, 1).format.columnWidth = w.width * 5.25; await ctx.sync(); }
  }
}

// ---------------------------------------------------------------- measuring

interface Tally { syncs: Map<string, number>; bytes: Map<string, number> }

async function measureOurs(wb: FakeWorkbook, plan: WritePlan, snapshot: WorkbookSnapshot): Promise<Tally> {
  const marks: { at: number; label: string }[] = [{ at: wb.syncs.length, label: "(prepare)" }];
  await fakeRun(wb)((ctx: FakeRequestContext) =>
    applyPlan(ctxOf(ctx), plan, (p) => { if (p.done < p.total) marks.push({ at: wb.syncs.length, label: p.label }); }, {
      snapshot,
      isSetSupported: (n, v) => wb.isSetSupported(n, v),
    }),
  );
  return tally(wb, marks);
}

async function measureNaive(wb: FakeWorkbook, plan: WritePlan): Promise<Tally> {
  const marks: { at: number; label: string }[] = [{ at: wb.syncs.length, label: "(prepare)" }];
  // Per sheet, so the tally lines up with ours.
  await fakeRun(wb)(async (ctx: FakeRequestContext) => {
    const c = ctxOf(ctx);
    const wss = c.workbook.worksheets;
    wss.load("items/name");
    await c.sync();
    for (const sp of plan.sheets) {
      marks.push({ at: wb.syncs.length, label: sp.name });
      await naiveApply(c, { ...plan, sheets: [sp] });
    }
  });
  return tally(wb, marks);
}

function tally(wb: FakeWorkbook, marks: { at: number; label: string }[]): Tally {
  const syncs = new Map<string, number>();
  const bytes = new Map<string, number>();
  marks.forEach((m, i) => {
    const end = i + 1 < marks.length ? marks[i + 1].at : wb.syncs.length;
    const recs = wb.syncs.slice(m.at, end);
    syncs.set(m.label, (syncs.get(m.label) ?? 0) + recs.length);
    bytes.set(m.label, (bytes.get(m.label) ?? 0) + sum(recs.map((r) => r.requestBytes)));
  });
  return { syncs, bytes };
}

async function benchOne(network: "small" | "large", plan: WritePlan): Promise<Row[]> {
  const ours = new FakeWorkbook({ maxRequestBytes: Infinity, maxResponseBytes: Infinity });
  ours.addSheet("Sheet1");
  const snapshot = await fakeRun(ours)((ctx: FakeRequestContext) => readSnapshot(ctxOf(ctx)));
  const a = await measureOurs(ours, plan, snapshot);
  const naive = new FakeWorkbook({ maxRequestBytes: Infinity, maxResponseBytes: Infinity });
  naive.addSheet("Sheet1");
  const b = await measureNaive(naive, plan);
  const labels = ["(prepare)", ...plan.sheets.map((s) => s.name)];
  const rows: Row[] = labels.map((sheet) => {
    const syncs = a.syncs.get(sheet) ?? 0;
    const naiveSyncs = b.syncs.get(sheet) ?? 0;
    return { network, sheet, syncs, bytes: a.bytes.get(sheet) ?? 0, rowAtATimeSyncs: naiveSyncs, rowAtATimeBytes: b.bytes.get(sheet) ?? 0, ratio: syncs ? Math.round((naiveSyncs / syncs) * 10) / 10 : 0 };
  });
  const total = (k: keyof Row) => sum(rows.map((r) => r[k] as number));
  rows.push({ network, sheet: "TOTAL", syncs: total("syncs"), bytes: total("bytes"), rowAtATimeSyncs: total("rowAtATimeSyncs"), rowAtATimeBytes: total("rowAtATimeBytes"), ratio: Math.round((total("rowAtATimeSyncs") / total("syncs")) * 10) / 10 });
  return rows;
}

/** Rows per sheet (and a TOTAL per network) for the sample network and the large one; prints nothing. */
export async function benchExcel(): Promise<Row[]> {
  const small = buildPlan({ sheets: [] }, { sample: true, today: "2025-10-01" });
  const large = buildPlan({ sheets: [] }, { data: largeNetwork(), today: "2025-10-01" });
  return [...(await benchOne("small", small)), ...(await benchOne("large", large))];
}
