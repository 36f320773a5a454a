// Money to practices (issue #12) as the workbook computes it: the Distribution, Distribution Costs, Distribution
// Keys, Distribution Summary and IIF by Practice sheets recalculated by LibreOffice and HyperFormula from the
// generated formulas, with no error value, every cell equal to the core's computation, and every stream's shares
// adding to what it leaves after costs, to the penny (random streams, methods and costs); the split functions.
import ExcelJS from "exceljs";
import fc from "fast-check";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyPlan, snapshotOf } from "../cli/writer";
import { afterCosts, distribute, fixedShares, METHODS, weightedPoints, type Method } from "../core/funding/distribute";
import { buildPlan } from "../core/workbook/build";
import { computeWorkbook } from "../core/workbook/compute";
import type { NetworkData } from "../core/workbook/data";
import type { SnapshotValue, WorkbookSnapshot } from "../core/workbook/plan";
import { sampleNetwork } from "../core/workbook/sample";
import { distributionPeriods, distributionSources } from "../core/workbook/sheets/distribution";
import { getYear } from "../core/rates/book";
import { evaluateXlsx } from "./engines/hyperformula";
import { disposeLibreOffice, recalcXlsxRaw, type LoValue } from "./engines/libreoffice";

const dir = mkdtempSync(join(tmpdir(), "pcn-dist-"));
// LibreOffice's TODAY() is the machine's date: the core is given the same day (KNOWN.md), so nothing here depends on it.
const today = new Date().toISOString().slice(0, 10);
afterAll(async () => disposeLibreOffice());

const DIST_SHEETS = ["Distribution", "Distribution Costs", "Distribution Keys", "Distribution Summary", "IIF by Practice"];
const pence = (x: number) => Math.round(x * 100);

function workbook(data: NetworkData | undefined, opts: { year?: string; sample?: boolean } = {}) {
  const wb = new ExcelJS.Workbook();
  applyPlan(wb, buildPlan(snapshotOf(wb), { data, year: opts.year, sample: opts.sample, today }));
  return wb;
}
let n = 0;
async function engines(wb: ExcelJS.Workbook) {
  const file = join(dir, `wb${n++}.xlsx`);
  await wb.xlsx.writeFile(file);
  const lo = await recalcXlsxRaw(file);
  const hf = await evaluateXlsx(file, { evaluateNullToZero: false, excelRound: true });
  return { lo, hf: Object.fromEntries(hf.sheetNames().map((s) => [s, hf.sheetValues(s) as LoValue[][]])) };
}
const snapOf = (values: Record<string, LoValue[][]>): WorkbookSnapshot => ({
  sheets: Object.entries(values).map(([name, rows]) => ({
    name,
    values: rows.map((r) => r.map((v) => (v && typeof v === "object" ? null : (v as SnapshotValue)))),
    formulas: rows.map((r) => r.map(() => null)),
  })),
});
const same = (e: unknown, c: unknown) => {
  const x = e === "" || e === undefined ? null : e, y = c === "" || c === undefined ? null : c;
  return typeof x === "number" && typeof y === "number" ? Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(y)) : x === y;
};
/** Cells of the distribution sheets where the engine and the core differ, and how many cells were compared. */
function disagreements(values: Record<string, LoValue[][]>) {
  const cells = computeWorkbook(snapOf(values), today).filter((c) => DIST_SHEETS.includes(c.sheet));
  const bad = cells.filter((c) => !same(values[c.sheet]?.[c.row]?.[c.col] ?? null, c.value))
    .map((c) => `${c.sheet}!R${c.row + 1}C${c.col + 1}: engine ${JSON.stringify(values[c.sheet]?.[c.row]?.[c.col])} core ${JSON.stringify(c.value)}`);
  return { compared: cells.length, bad };
}
const errorsIn = (values: Record<string, LoValue[][]>) =>
  Object.entries(values).flatMap(([s, rows]) => rows.flatMap((r, i) => r.flatMap((v, j) => (v && typeof v === "object" ? [`${s}!R${i + 1}C${j + 1} ${v.error}`] : []))));
/** The Distribution sheet's streams as records by header. */
function streams(values: Record<string, LoValue[][]>) {
  const [head, ...rows] = values["Distribution"];
  return rows.filter((r) => r[0] !== null && r[0] !== "").map((r) => Object.fromEntries(head.map((h, i) => [String(h), r[i]])) as Record<string, LoValue>);
}
const PRACTICES = (values: Record<string, LoValue[][]>) => {
  const head = values["Distribution"][0].map(String);
  return head.filter((h) => h.startsWith("Key value: ")).map((h) => h.slice("Key value: ".length));
};

/**
 * The rules every stream keeps, checked on an engine's values (not the core's): shares in whole pence that add
 * up to what is left after costs (with what the PCN retains), each proportional share within a penny of its exact
 * proportion, fixed amounts as keyed, nothing to practices when retained; a refused stream splits nothing.
 */
function checkStreams(values: Record<string, LoValue[][]>) {
  const practices = PRACTICES(values);
  let ok = 0, refused = 0;
  for (const r of streams(values)) {
    const id = String(r["Stream ref"]);
    if (r["Split"] === "Refused") {
      refused++;
      for (const p of practices) expect(r[p], `${id} ${p}`).toBe("Refused");
      continue;
    }
    if (r["Split"] !== "OK") continue;
    ok++;
    const net = r["To distribute after costs (£)"] as number;
    const amount = r["Amount (£: received, else expected)"] as number;
    const costs = (r["Costs taken off this stream (£)"] as number) + (r["Its share of costs taken off all streams of the period (£)"] as number);
    expect(pence(net), `${id} net = amount - costs`).toBe(pence(amount) - pence(costs));
    const shares = practices.map((p) => r[p] as number);
    for (const x of shares) expect(Math.abs(x * 100 - pence(x)), `${id} whole pence`).toBeLessThan(1e-6);
    const toPractices = r["To practices (£)"] as number, retained = r["Retained at PCN (£)"] as number;
    expect(pence(shares.reduce((a, b) => a + b, 0)), `${id} shares = to practices`).toBe(pence(toPractices));
    expect(pence(toPractices) + pence(retained), `${id} to practices + retained = net`).toBe(pence(net));
    const method = r["Method"] as Method;
    const weights = practices.map((p) => r[`Key value: ${p}`] as number);
    if (method === "Retain at PCN") expect(pence(retained)).toBe(pence(net));
    else if (method === "Fixed amounts") shares.forEach((x, k) => expect(pence(x), `${id} fixed`).toBe(pence(weights[k])));
    else {
      expect(pence(retained), `${id} nothing retained`).toBe(0);
      const W = weights.reduce((a, b) => a + b, 0);
      shares.forEach((x, k) => expect(Math.abs(x - (net * weights[k]) / W), `${id} ${practices[k]} within a penny`).toBeLessThan(0.01 + 1e-9));
    }
  }
  return { ok, refused };
}

async function checkWorkbook(wb: ExcelJS.Workbook) {
  const { lo, hf } = await engines(wb);
  expect(errorsIn(lo)).toEqual([]);
  const out: Record<string, { ok: number; refused: number }> = {};
  for (const [engine, values] of [["LibreOffice", lo], ["HyperFormula", hf]] as const) {
    const d = disagreements(values);
    expect(d.compared, engine).toBeGreaterThan(200);
    expect(d.bad.slice(0, 10), engine).toEqual([]);
    out[engine] = checkStreams(values);
  }
  return { lo, hf, ...out };
}

describe("the sample network's money to practices in LibreOffice and HyperFormula", () => {
  it.each([["2026/27"], ["2025/26"]])("%s: no error value, every distribution cell equal to the core, every split to the penny", async (year) => {
    const r = await checkWorkbook(workbook(undefined, { year, sample: true }));
    expect(r.LibreOffice.ok).toBeGreaterThanOrEqual(8);
    expect(r.HyperFormula).toEqual(r.LibreOffice);
  }, 180_000);
});
