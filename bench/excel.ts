/**
 * Excel writer benchmark on the strict fake with Excel on the web's 5 MB request and response caps and the
 * slow-host cost model: every sync of a real ExcelBridge build and rebuild of the sample and the large network
 * (after the pane has read the workbook, as it does when it opens), with bytes per sync, the minimum possible, and
 * the targets beside the figures (issue #13: the sample in at most 3 syncs, the large network in at most 6; issue
 * #10: no write sync over ~1 MB). Syncs are the cost that matters: in Excel on the web each is an HTTP round trip.
 * Also exports the hand-made plan the Excel tests use.
 */
import { buildPlan } from "../core/workbook/build";
import { emptySheetPlan, type PlanCell, type SheetPlan, type WritePlan } from "../core/workbook/plan";
import { largeNetwork } from "../core/workbook/sample";
import { ExcelBridge } from "../excel-addin/bridge";
import { applyPlan, MAX_CHARTS_PER_SYNC, readSnapshot, RESPONSE_BUDGET, toExcelInput, WRITE_BUDGET, type ReadLayout } from "../excel-addin/writer";
import { compileBlock, writeBytes } from "../excel-addin/runs";
import { rectangles } from "../core/workbook/plan";
import { COST, FakeWorkbook, fakeRun, type FakeRequestContext, type SyncRecord } from "../test/fakes/fakeExcel";

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

export interface BenchTable { title: string; rows: Record<string, unknown>[]; notes?: string[] }

const TODAY = "2026-12-01";
const KB = (n: number) => Math.round(n / 1024);
const MiB = 1024 * 1024;

/** A real ExcelBridge build of the sample (the pane's Build all with the sample network). */
async function bridgeBuild(wb: FakeWorkbook): Promise<{ open: SyncRecord[]; build: SyncRecord[] }> {
  const bridge = new ExcelBridge({
    run: (options, batch) => fakeRun(wb)(options ?? {}, (c: FakeRequestContext) => batch(ctxOf(c))),
    isSetSupported: (n, v) => wb.isSetSupported(n, v),
    today: () => TODAY,
    clock: wb.clock,
    platform: wb.platform,
  });
  const a = wb.syncs.length;
  await bridge.getState();
  const b = wb.syncs.length;
  await bridge.build({ year: "", sheets: [], sample: true }, () => undefined);
  return { open: wb.syncs.slice(a, b), build: wb.syncs.slice(b) };
}

/**
 * The large network through the same read → plan → apply the bridge runs (the pane builds from its own requests,
 * which cannot carry a network file): a read with the layout the pane's first read learned, then applyPlan in a
 * merged undo group with delayForCellEdit, as the bridge does.
 */
async function largeBuild(wb: FakeWorkbook, maxChartsPerSync?: number, maxRequestBytes?: number, scale = 1): Promise<{ open: SyncRecord[]; build: SyncRecord[] }> {
  const run = fakeRun(wb);
  let layout: ReadLayout | undefined;
  const a = wb.syncs.length;
  await run({ delayForCellEdit: true }, (c: FakeRequestContext) => readSnapshot(ctxOf(c), { clock: wb.clock, onLayout: (l) => (layout = l) }));
  const b = wb.syncs.length;
  const snapshot = await run({ delayForCellEdit: true }, (c: FakeRequestContext) => readSnapshot(ctxOf(c), { clock: wb.clock, layout }));
  const plan = buildPlan(snapshot, { data: largeNetwork(scale), today: TODAY });
  await run({ delayForCellEdit: true, mergeUndoGroup: true }, (c: FakeRequestContext) =>
    applyPlan(ctxOf(c), plan, undefined, {
      snapshot,
      isSetSupported: (n, v) => wb.isSetSupported(n, v),
      clock: wb.clock,
      maxChartsPerSync,
      maxRequestBytes,
      freshRun: (batch) => run({ delayForCellEdit: true }, (f: FakeRequestContext) => batch(ctxOf(f))),
    }),
  );
  return { open: wb.syncs.slice(a, b), build: wb.syncs.slice(b) };
}

/** The fewest syncs a build could take: one read, then the writes' cell content and charts at the per-sync budgets. */
function minimum(plan: WritePlan): { bytes: number; charts: number; syncs: number; bySheet: Map<string, number> } {
  const bySheet = new Map<string, number>();
  for (const sp of plan.sheets) bySheet.set(sp.name, sum(sp.blocks.flatMap((b) => compileBlock(b).map((w) => writeBytes(w)))));
  const bytes = sum([...bySheet.values()]);
  const charts = sum(plan.sheets.map((s) => s.charts.length));
  return { bytes, charts, bySheet, syncs: 1 + Math.max(1, Math.ceil(bytes / WRITE_BUDGET), Math.ceil(charts / MAX_CHARTS_PER_SYNC)) };
}

/** Issue #13's targets: the sample in at most 3 syncs (new and rebuilt), the large network in at most 6. */
const SAMPLE_TARGET = 3;
const LARGE_NEW_TARGET = 6;

function summary(network: string, build: string, target: number | string, open: SyncRecord[], recs: SyncRecord[], min: number | string): Record<string, unknown> {
  const writes = recs.filter((r) => r.writes > 0);
  const ok = recs.every((r) => r.outcome === "ok" && r.requestBytes <= 5 * MiB && r.responseBytes <= 5 * MiB);
  const count = recs.length;
  const met = typeof target === "number" ? count <= target && ok : ok;
  return {
    network, build, syncs: count, target, met: met ? "yes" : "NO", minimum: min, "pane open": open.length,
    reads: count - writes.length, writes: writes.length,
    "max write KB": KB(Math.max(0, ...writes.map((r) => r.requestBytes))), "max response KB": KB(Math.max(0, ...recs.map((r) => r.responseBytes))),
    "total request KB": KB(sum(recs.map((r) => r.requestBytes))), "max charts/sync": Math.max(0, ...recs.map((r) => r.charts)),
    "slow-host s": Math.round(sum(recs.map((r) => r.ms)) / 100) / 10, "within 5 MB": ok ? "yes" : "NO",
  };
}

/** A rebuild's floor: its reads' bytes at one 4 MB response a sync, then its writes at their budgets. */
function rebuildMinimum(recs: SyncRecord[]): string {
  const read = sum(recs.map((r) => r.responseBytes));
  const writes = recs.filter((r) => r.writes > 0);
  const w = Math.max(Math.ceil(sum(writes.map((r) => r.requestBytes)) / WRITE_BUDGET), Math.ceil(sum(recs.map((r) => r.charts)) / MAX_CHARTS_PER_SYNC));
  return `${Math.ceil(read / RESPONSE_BUDGET) + w} (${Math.round(read / 1e5) / 10} MB read)`;
}

/**
 * Tables for `npm run bench` (bench/run.ts prints them); prints nothing itself. `scale` shrinks the large network
 * (the suite checks the tables' shape at a fraction; test/excel-limits.test.ts holds the full size to its targets).
 */
export async function benchExcel(scale = 1): Promise<BenchTable[]> {
  const fresh = () => { const wb = new FakeWorkbook({ cost: COST.slow }); wb.addSheet("Sheet1"); return wb; };
  const sampleWb = fresh();
  const s1 = await bridgeBuild(sampleWb);
  const s2 = await bridgeBuild(sampleWb);
  const samplePlan = buildPlan({ sheets: [] }, { sample: true, today: TODAY });
  const largePlan = buildPlan({ sheets: [] }, { data: largeNetwork(scale), today: TODAY });
  const largeWb = fresh();
  const l1 = await largeBuild(largeWb, undefined, undefined, scale);
  const l2 = await largeBuild(largeWb, undefined, undefined, scale);
  const ms = minimum(samplePlan), ml = minimum(largePlan);
  const rows = [
    summary("sample", "new", SAMPLE_TARGET, s1.open, s1.build, ms.syncs),
    summary("sample", "rebuild", SAMPLE_TARGET, s2.open, s2.build, ms.syncs + 1),
    summary("large", "new", LARGE_NEW_TARGET, l1.open, l1.build, ml.syncs),
    summary("large", "rebuild", "within 5 MB", l2.open, l2.build, rebuildMinimum(l2.build)),
  ];
  const detail = l1.build.map((r, i) => ({
    sync: i + 1, kind: r.writes > 0 ? "write" : "read", "request KB": KB(r.requestBytes), "response KB": KB(r.responseBytes),
    charts: r.charts, cells: r.cells, "calc suspended": r.writes > 0 ? (r.calcSuspended ? "yes" : "NO") : "", "slow-host ms": Math.round(r.ms), sheets: r.sheets.slice(0, 4).join(", ") + (r.sheets.length > 4 ? ", …" : ""),
  }));
  return [
    {
      title: "Excel add-in: syncs of a real build on the strict fake (Excel on the web's 5 MB caps, slow-host cost model)",
      rows,
      notes: [
        `Counted from the build's first sync; "pane open" is the read the pane makes when it opens (it learns the layout that lets the build read in one sync).`,
        `Write budget ${WRITE_BUDGET.toLocaleString("en-GB")} bytes a sync (issue #10: ~1 MB), ${MAX_CHARTS_PER_SYNC} charts a sync; writes of formulas go once per column run (R1C1).`,
        `Minimum: one read, then the writes' bytes (${KB(ml.bytes)} KB for the large network, ${KB(ms.bytes)} KB for the sample) and charts (${ml.charts}, ${ms.charts}) at those budgets.`,
        `Large new: the plan's cell content is ${KB(ml.bytes)} KB (${KB(ml.bySheet.get("PCN_Data") ?? 0)} KB of it the hidden PCN_Data sheet, ${KB(ml.bySheet.get("Budget") ?? 0)} KB Budget) and ${ml.charts} charts (one each for the KPIs in the first 25 rows, one of a KPI picked): its bytes set the syncs, its charts ride in them.`,
        "A rebuild first reads what a rollback would need (number formats, rules, conditional formats of what it changes): one more read sync (more where a response would pass 4 MB).",
      ],
    },
    { title: "Excel add-in: each sync of the large network's new build", rows: detail },
  ];
}
