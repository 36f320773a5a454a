/**
 * One SPC chart per KPI, as the plan says, in every host: the readings with markers, the mean as a plain line, the
 * process limits and target dashed, the months flagged special cause as columns on a hidden 0-1 axis in Making Data
 * Count's colours, and the value axis in the KPI's unit. The offline .xlsx, the Excel writer (over the fake, which
 * refuses a secondary axis no series is on) and the plan itself; the built Code.js is checked in sheets-addon.test.ts.
 */
import JSZip from "jszip";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeWorkbook } from "../cli/main";
import { ExcelBridge } from "../excel-addin/bridge";
import { buildPlan } from "../core/workbook/build";
import { a1, type ChartSpec } from "../core/workbook/plan";
import { sampleNetwork } from "../core/workbook/sample";
import { FakeWorkbook, fakeRun, type FakeRequestContext } from "./fakes/fakeExcel";
import { miniEvaluate } from "./fakes/evaluate";

const TODAY = "2026-12-01";
const plan = buildPlan({ sheets: [] }, { sample: true, today: TODAY });
const chartSheet = plan.sheets.find((s) => s.key === "kpiCharts")!;
const charts: ChartSpec[] = chartSheet.charts;
const byTitle = new Map(charts.map((c) => [c.title, c]));

describe("the plan's SPC charts for the sample network", () => {
  it("has one chart per KPI, each with the readings, and limits, target and bands as the KPI has them", () => {
    const kpis = sampleNetwork().kpis;
    expect(charts.map((c) => c.title).sort()).toEqual(kpis.map((k) => k.measure).sort());
    for (const k of kpis) {
      const c = byTitle.get(k.measure)!;
      expect(c.series[0], k.measure).toMatchObject({ name: k.measure, sheet: "KPIs", style: "markers" });
      expect(c.valueFormat, k.measure).toBe(k.unit === "Percent" ? "0%" : k.unit === "£" ? '"£"#,##0.00' : undefined);
      expect(c.series.some((s) => s.name === "Target"), k.measure).toBe(typeof k.target === "number");
    }
    // The sample's KPIs tell each of SPC's stories: a concern, an improvement and a neutral (neither direction better).
    const names = charts.flatMap((c) => c.series.filter((s) => s.style === "band").map((s) => s.name));
    expect(new Set(names)).toEqual(new Set(["Special cause improvement", "Special cause concern", "Special cause neutral"]));
    expect(charts.flatMap((c) => c.series.filter((s) => s.style === "dash").map((s) => s.name))).toEqual(expect.arrayContaining(["Upper process limit", "Lower process limit", "Target"]));
  });
});

describe("the Excel writer draws each SPC chart as the plan says", () => {
  const wb = new FakeWorkbook();
  beforeAll(async () => {
    wb.addSheet("Sheet1");
    wb.evaluate = miniEvaluate(wb);
    const bridge = new ExcelBridge({
      run: (options, batch) => fakeRun(wb)(options ?? {}, (c: FakeRequestContext) => batch(c as unknown as Excel.RequestContext)),
      isSetSupported: (n, v) => wb.isSetSupported(n, v),
      today: () => TODAY,
      clock: wb.clock,
      platform: wb.platform,
    });
    await bridge.getState();
    await bridge.build({ year: plan.year, sheets: [], sample: true }, () => undefined);
  }, 120_000);

  it("columns on a hidden secondary axis for the bands, dashes for limits and target, no markers on lines, the axis in the unit", () => {
    const made = wb.sheet(chartSheet.name)!.charts;
    expect(made.map((c) => c.title).sort()).toEqual(charts.map((c) => c.title).sort());
    for (const m of made) {
      const spec = byTitle.get(m.title!)!;
      expect(m.series.map((s) => s.name), spec.title).toEqual(spec.series.map((s) => s.name));
      spec.series.forEach((s, i) => {
        const got = m.series[i];
        const where = `${spec.title}: ${s.name}`;
        expect(got.values, where).toBe(a1(s.range, { sheet: s.sheet, absolute: true }));
        expect(got.chartType === "ColumnClustered" && got.axisGroup === "Secondary", where).toBe(s.style === "band");
        if (s.style === "band") expect(got.fill, where).toBe(s.color);
        else expect(got.color, where).toBe(s.color);
        expect(got.lineStyle, where).toBe(s.style === "dash" ? "Dash" : undefined);
        expect(got.markerStyle, where).toBe(s.style === "line" || s.style === "dash" ? "None" : undefined);
      });
      const banded = spec.series.some((s) => s.style === "band");
      expect(m.axes?.["Value/Secondary"], spec.title).toEqual(banded ? { minimum: 0, maximum: 1, visible: false } : undefined);
      expect(m.axes?.["Value/Primary"]?.numberFormat, spec.title).toBe(spec.valueFormat);
    }
  });
});

describe("the offline .xlsx draws each SPC chart as the plan says", () => {
  let dir = "";
  let zip: JSZip;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "pcn-spc-charts-"));
    const out = await writeWorkbook({ out: join(dir, "spc.xlsx"), sample: true, quiet: true, today: TODAY });
    zip = await JSZip.loadAsync(readFileSync(out.file));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("bands in a column group on a second value axis from 0 to 1 that is not shown; lines dashed or plain; the value axis in the unit", async () => {
    const parts = Object.keys(zip.files).filter((f) => /^xl\/charts\/chart\d+\.xml$/.test(f));
    expect(parts).toHaveLength(charts.length);
    for (const part of parts) {
      const xml = await zip.file(part)!.async("string");
      const title = xml.match(/<a:t>([^<]*)<\/a:t>/)![1].replace(/&amp;/g, "&");
      const spec = byTitle.get(title)!;
      expect(spec, title).toBeDefined();
      const group = (tag: string) => xml.match(new RegExp(`<c:${tag}>([\\s\\S]*?)</c:${tag}>`))?.[1] ?? "";
      const namesIn = (g: string) => [...g.matchAll(/<c:tx><c:v>([^<]*)<\/c:v><\/c:tx>/g)].map((m) => m[1]);
      expect(namesIn(group("barChart")), title).toEqual(spec.series.filter((s) => s.style === "band").map((s) => s.name));
      expect(namesIn(group("lineChart")), title).toEqual(spec.series.filter((s) => s.style !== "band").map((s) => s.name));
      for (const ser of group("lineChart").split("<c:ser>").slice(1)) {
        const s = spec.series.find((x) => x.name === ser.match(/<c:v>([^<]*)<\/c:v>/)![1])!;
        expect(/<a:prstDash val="dash"\/>/.test(ser), `${title}: ${s.name}`).toBe(s.style === "dash");
        expect(/<c:symbol val="none"\/>/.test(ser), `${title}: ${s.name}`).toBe(s.style !== "markers");
      }
      const valAxes = [...xml.matchAll(/<c:valAx>([\s\S]*?)<\/c:valAx>/g)].map((m) => m[1]);
      const banded = spec.series.some((s) => s.style === "band");
      expect(valAxes, title).toHaveLength(banded ? 2 : 1);
      if (banded) expect(valAxes[1]).toMatch(/<c:max val="1"\/><c:min val="0"\/><\/c:scaling><c:delete val="1"\/>/);
      const fmt = valAxes[0].match(/<c:numFmt formatCode="([^"]*)" sourceLinked="(\d)"\/>/)!;
      expect(fmt[1].replace(/&quot;/g, '"'), title).toBe(spec.valueFormat ?? "General");
      expect(fmt[2], title).toBe(spec.valueFormat ? "0" : "1");
    }
  });
});
