/**
 * Requirement sets, from @types/office-js's `[Api set: ExcelApi 1.N]` annotations (scripts/gen-excel-api-sets.ts):
 * the committed table is what the script makes, and every Excel member a build, a rebuild that fails and is rolled
 * back, and the self-test use is in the manifest's ExcelApi 1.8 or is one the writer feature-detects. The fake fails
 * a sync that uses a member newer than its ExcelApi, so the same runs on an ExcelApi 1.8 Excel also pass.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { excelApiSets, API_SETS_FILE } from "../scripts/gen-excel-api-sets";
import { ExcelBridge } from "../excel-addin/bridge";
import { apiSetOf, FakeWorkbook, fakeRun, type FakeRequestContext } from "./fakes/fakeExcel";
import { miniEvaluate } from "./fakes/evaluate";

const ctxOf = (c: FakeRequestContext) => c as unknown as Excel.RequestContext;
const root = join(__dirname, "..");

/** Members newer than ExcelApi 1.8 that the writer uses only after isSetSupported says yes. */
const FEATURE_DETECTED: Record<string, string> = {
  "Range.getTables": "1.9",
  "RangeFill.pattern": "1.9",
  "ConditionalFormat.getRanges": "1.9",
  "Worksheet.getRanges": "1.9",
  "RangeAreas.areas": "1.9",
  "RangeAreas.conditionalFormats": "1.9",
  "Table.resize": "1.13",
  "Worksheet.pageLayout": "1.9",
  "PageLayout.orientation": "1.9",
  "PageLayout.zoom": "1.9",
  "PageLayout.setPrintTitleRows": "1.9",
  "PageLayout.setPrintArea": "1.9",
  "Worksheet.horizontalPageBreaks": "1.9",
  "PageBreakCollection.removePageBreaks": "1.9",
  "PageBreakCollection.add": "1.9",
};
const newer = (a: string, b: string) => { const [x, y] = [a, b].map((v) => v.split(".").map(Number)); return x[0] !== y[0] ? x[0] > y[0] : x[1] > y[1]; };

async function exercise(wb: FakeWorkbook) {
  wb.addSheet("Sheet1");
  wb.evaluate = miniEvaluate(wb);
  const bridge = new ExcelBridge({
    run: (options, batch) => fakeRun(wb)(options ?? {}, (c: FakeRequestContext) => batch(ctxOf(c))),
    isSetSupported: (n, v) => wb.isSetSupported(n, v),
    today: () => "2025-10-01",
    clock: wb.clock,
    platform: wb.platform,
  });
  await bridge.getState();
  await bridge.build({ year: "", sheets: [], sample: true }, () => undefined);
  // A rebuild that fails half-way through its write and is rolled back.
  const clone = wb.clone();
  const b2 = new ExcelBridge({ run: (o, batch) => fakeRun(clone)(o ?? {}, (c: FakeRequestContext) => batch(ctxOf(c))), isSetSupported: (n, v) => clone.isSetSupported(n, v), today: () => "2025-10-01", clock: clone.clock, platform: clone.platform });
  await b2.getState();
  const from = clone.syncs.length;
  const probe = clone.clone();
  const b3 = new ExcelBridge({ run: (o, batch) => fakeRun(probe)(o ?? {}, (c: FakeRequestContext) => batch(ctxOf(c))), isSetSupported: (n, v) => probe.isSetSupported(n, v), today: () => "2025-10-01", clock: probe.clock, platform: probe.platform });
  await b3.getState();
  const pf = probe.syncs.length;
  await b3.build({ year: "", sheets: [], sample: true }, () => undefined);
  const offset = probe.syncs.slice(pf).findIndex((r) => r.writes > 0) + 1;
  clone.injectFault(from + offset, "partial");
  await expect(b2.build({ year: "", sheets: [], sample: true }, () => undefined)).rejects.toThrow(/put every sheet and cell back/);
  const report = await bridge.runSelfTest!();
  return { used: new Set([...wb.apiUsed, ...clone.apiUsed]), report };
}

describe("Excel requirement sets", () => {
  it("the committed table is what the generator makes from @types/office-js", () => {
    const dts = readFileSync(join(root, "node_modules/@types/office-js/index.d.ts"), "utf8");
    expect(JSON.parse(readFileSync(API_SETS_FILE, "utf8"))).toEqual(excelApiSets(dts));
    // Spot checks against Microsoft's requirement-set pages.
    expect(apiSetOf("Range.getTables")).toBe("1.9");
    expect(apiSetOf("Worksheet.getRangeByIndexes")).toBe("1.7");
    expect(apiSetOf("Range.formulasR1C1")).toBe("1.2");
    expect(apiSetOf("DataValidation.rule")).toBe("1.8");
  });

  it("every member a build, a rollback and the self-test use is in ExcelApi 1.8 or feature-detected", async () => {
    const { used } = await exercise(new FakeWorkbook({ apiSets: { ExcelApi: "1.20", SharedRuntime: "1.1", CustomFunctionsRuntime: "1.2" } }));
    expect(used.size).toBeGreaterThan(40);
    const manifest = readFileSync(join(root, "excel-addin/manifest.xml"), "utf8");
    const min = /<Set Name="ExcelApi" MinVersion="([\d.]+)"/.exec(manifest)![1];
    const tooNew = [...used].filter((m) => { const v = apiSetOf(m); return v && newer(v, min) && FEATURE_DETECTED[m] !== v; });
    expect(tooNew).toEqual([]);
    // Each feature-detected member is really newer than the manifest's minimum (else it needs no detecting).
    for (const [m, v] of Object.entries(FEATURE_DETECTED)) expect(apiSetOf(m), m).toBe(v);
  }, 120_000);

  it("an Excel with only ExcelApi 1.8 builds, rolls back and self-tests without using anything newer", async () => {
    const wb = new FakeWorkbook({ apiSets: { ExcelApi: "1.8" } });
    const { report } = await exercise(wb);
    const failed = report.items.filter((i) => !i.passed);
    expect(failed.map((i) => `${i.id}: ${i.detail}`)).toEqual([]);
  }, 120_000);
});
