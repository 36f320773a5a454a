/**
 * `npm run bench`: prints the figures that matter in each host.
 *  - offline: plan size and write time for the large network vs the same cells written bare with exceljs,
 *    at three sizes to show cost grows linearly;
 *  - Excel: context.sync calls and request bytes per sheet, this writer vs row-at-a-time, on the counting fake;
 *  - Sheets: SpreadsheetApp calls per sheet, this writer vs row-at-a-time, on the counting fake.
 */
import ExcelJS from "exceljs";
import { addCharts } from "../cli/xlsxCharts";
import { applyPlan } from "../cli/writer";
import { buildPlan } from "../core/workbook/build";
import type { WritePlan } from "../core/workbook/plan";
import { largeNetwork } from "../core/workbook/sample";

const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;
const table = (rows: Record<string, unknown>[]) => console.table(rows);

function planCells(plan: WritePlan) {
  return plan.sheets.reduce((a, s) => a + s.blocks.reduce((b, k) => b + k.cells.length * (k.cells[0]?.length ?? 0), 0), 0);
}

/** Plan size and write time for the large network at several sizes, against the same cells written bare. */
export async function benchOffline(scales = [0.25, 0.5, 1]): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const scale of scales) {
    const data = largeNetwork(scale);
    let t = performance.now();
    const plan = buildPlan({ sheets: [] }, { data, today: "2025-10-01" });
    const planMs = performance.now() - t;
    const cells = planCells(plan);
    const blocks = plan.sheets.reduce((a, s) => a + s.blocks.length, 0);
    t = performance.now();
    const wb = new ExcelJS.Workbook();
    applyPlan(wb, plan);
    let buf: Buffer = Buffer.from(await wb.xlsx.writeBuffer());
    buf = await addCharts(buf, plan.sheets.flatMap((s) => s.charts.map((chart) => ({ sheet: s.name, chart }))));
    const writeMs = performance.now() - t;
    // Bare: the same cell contents, no formats, validation, names or charts.
    t = performance.now();
    const bare = new ExcelJS.Workbook();
    for (const s of plan.sheets) {
      const ws = bare.addWorksheet(s.name);
      for (const b of s.blocks) b.cells.forEach((line, i) => { const row = ws.getRow(b.row + i + 1); line.forEach((c, j) => { row.getCell(b.col + j + 1).value = c && typeof c === "object" ? ("f" in c ? { formula: c.f.slice(1) } : c.d) as ExcelJS.CellValue : (c as ExcelJS.CellValue); }); });
    }
    await bare.xlsx.writeBuffer();
    const bareMs = performance.now() - t;
    rows.push({
      scale, partnerships: data.partnerships.length, budgetLines: data.budget.length, kpis: `${data.kpis.length}x${data.kpiMonths}`,
      planCells: cells, planBlocks: blocks, planMs: Math.round(planMs), writeMs: Math.round(writeMs), bareMs: Math.round(bareMs),
      ratio: (writeMs / bareMs).toFixed(2), "µs/cell": ((planMs + writeMs) * 1000 / cells).toFixed(1), MB: (buf.length / 1e6).toFixed(1),
    });
  }
  return rows;
}

async function offline() {
  console.log("\n== Offline .xlsx (exceljs): this product vs the same cells written bare ==");
  table(await benchOffline());
  console.log("Linear growth: µs per cell stays flat as the network grows 4x.");
}

async function optional(path: string, fn: string, title: string) {
  let mod: Record<string, () => Promise<Record<string, unknown>[]>>;
  try { mod = await import(path); } catch (e) { console.log(`\n== ${title}: not available (${(e as Error).message}) ==`); return; }
  console.log(`\n== ${title} ==`);
  const t = performance.now();
  table(await mod[fn]());
  console.log(`(${ms(t)})`);
}

if (process.argv[1] && /bench[\\/]run\.ts$/.test(process.argv[1])) void (async () => {
  await offline();
  await optional("./excel", "benchExcel", "Excel add-in writer on the counting fake: syncs and bytes per sheet");
  await optional("./sheets", "benchSheets", "Sheets add-on writer on the counting fake: SpreadsheetApp calls per sheet");
})();
