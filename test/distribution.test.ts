// Money to practices (issue #12) as the workbook computes it: the Distribution, Distribution Costs, Distribution
// Keys, Distribution Summary and IIF by Practice sheets recalculated by LibreOffice and HyperFormula from the
// generated formulas, with no error value, every cell equal to the core's computation, and every stream's shares
// adding to what it leaves after costs, to the penny (random streams, methods and costs); the split functions.
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { afterCosts, distribute, fixedShares, METHODS, weightedPoints, type Method } from "../core/funding/distribute";
import type { NetworkData } from "../core/workbook/data";
import { isoToSerial } from "../core/workbook/plan";
import { sampleNetwork } from "../core/workbook/sample";
import { distributionPeriods, distributionSources } from "../core/workbook/sheets/distribution";
import { getYear } from "../core/rates/book";
import { evaluateXlsx } from "./engines/hyperformula";
import { disposeLibreOffice, recalcXlsxRaw, type LoValue } from "./engines/libreoffice";
import { disagreements, engineErrors } from "./engines/compare";
import { rebuild } from "./offline";

const dir = mkdtempSync(join(tmpdir(), "pcn-dist-"));
// LibreOffice's TODAY() is the machine's date: the core is given the same day (KNOWN.md), so nothing here depends on it.
const today = new Date().toISOString().slice(0, 10);
afterAll(async () => disposeLibreOffice());

const DIST_SHEETS = ["Distribution", "Distribution Costs", "Distribution Keys", "Distribution Summary", "IIF by Practice"];
const pence = (x: number) => Math.round(x * 100);

/** A new workbook built through the shipped offline writer, as bytes. */
async function workbook(data: NetworkData | undefined, opts: { year?: string; sample?: boolean } = {}): Promise<Buffer> {
  return (await rebuild(null, { data, year: opts.year, sample: opts.sample, today })).file;
}
let n = 0;
async function engines(wb: Buffer) {
  const file = join(dir, `wb${n++}.xlsx`);
  writeFileSync(file, wb);
  const lo = await recalcXlsxRaw(file);
  const hf = await evaluateXlsx(file, { evaluateNullToZero: false, excelRound: true });
  return { lo, hf: Object.fromEntries(hf.sheetNames().map((s) => [s, hf.sheetValues(s) as LoValue[][]])) };
}
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

/**
 * The year end on Distribution Summary, checked on an engine's values: the surplus is income less costs less what
 * went to practices; the allocations add to the surplus to allocate, to the penny; each practice's "distributed
 * this year" is its shares on the Distribution sheet; its total is the two together.
 */
function checkYearEnd(values: Record<string, LoValue[][]>) {
  const g = values["Distribution Summary"];
  const at = (label: string | RegExp) => g.find((r) => typeof r[0] === "string" && (typeof label === "string" ? r[0] === label : label.test(r[0])))!;
  const income = at(/^Income: received/)[1] as number, costs = at(/^The PCN's own costs/)[1] as number, paid = at(/^Paid or due to practices/)[1] as number;
  const surplus = at(/^Surplus \(\+\) or deficit/)[1] as number;
  expect(pence(surplus)).toBe(pence(income) - pence(costs) - pence(paid));
  const typed = at(/^Surplus or deficit to allocate/)[1];
  const toAllocate = typeof typed === "number" ? typed : surplus;
  const head = g.findIndex((r) => r[0] === "Practice" && r[3] === "Year-end allocation (£)");
  const practices = PRACTICES(values);
  const rows = g.slice(head + 1, head + 1 + practices.length);
  expect(rows.map((r) => r[0])).toEqual(practices);
  const ok = streams(values).filter((r) => r["Split"] === "OK");
  let allocated = 0;
  rows.forEach((r, k) => {
    const alloc = r[3] as number, distributed = r[4] as number;
    allocated += pence(alloc);
    expect(pence(distributed), `${practices[k]} distributed`).toBe(ok.reduce((a, x) => a + pence(x[practices[k]] as number), 0));
    expect(pence(r[5] as number), `${practices[k]} total`).toBe(pence(alloc) + pence(distributed));
  });
  expect(allocated, "allocations add to the surplus").toBe(pence(toAllocate));
  return rows.length;
}

async function checkWorkbook(wb: Buffer) {
  const { lo, hf } = await engines(wb);
  expect(engineErrors(lo)).toEqual([]);
  const out = {} as Record<"LibreOffice" | "HyperFormula", { ok: number; refused: number }>;
  for (const [engine, values] of [["LibreOffice", lo], ["HyperFormula", hf]] as const) {
    const d = disagreements(values, today, DIST_SHEETS);
    expect(d.compared, engine).toBeGreaterThan(200);
    expect(d.bad.slice(0, 10), engine).toEqual([]);
    out[engine] = checkStreams(values);
    expect(checkYearEnd(values), engine).toBeGreaterThan(0);
  }
  return { lo, hf, ...out };
}

describe("the sample network's money to practices in LibreOffice and HyperFormula", () => {
  it.each([["2026/27"], ["2025/26"]])("%s: no error value, every distribution cell equal to the core, every split to the penny", async (year) => {
    const r = await checkWorkbook(await workbook(undefined, { year, sample: true }));
    expect(r.LibreOffice.ok).toBeGreaterThanOrEqual(8);
    expect(r.HyperFormula).toEqual(r.LibreOffice);
  }, 180_000);
});

// ---- random streams, methods and costs ----
type Dist = NonNullable<NetworkData["distribution"]>;
function randomNetwork(year: string, seed: number, count: number): NetworkData {
  const base = sampleNetwork(year, today);
  const y = getYear(year);
  const periods = distributionPeriods(y).map((p) => p.label);
  const sources = distributionSources(y).map((s) => s.label);
  const names = base.practices.map((p) => p.name);
  const money = fc.integer({ min: 0, max: 20_000_000 }).map((p) => p / 100);
  const stream = fc.record({
    source: fc.constantFrom(...sources),
    period: fc.constantFrom(...periods),
    received: fc.option(money, { nil: undefined }),
    expected: fc.option(money, { nil: undefined }),
    method: fc.constantFrom(...METHODS),
    key: fc.constantFrom("Whole", "Short", "Fixed small", "Fixed large"),
    cost: fc.option(fc.integer({ min: 0, max: 8_000_000 }).map((p) => p / 100), { nil: undefined }),
  });
  const picked = fc.sample(stream, { numRuns: count, seed });
  const dist: Dist = {
    streams: picked.map((s, i) => ({
      ref: `S-${String(i + 1).padStart(2, "0")}`, source: s.source, description: `random ${i + 1}`, period: s.period,
      // Local income has no expected figure of its own: it is typed.
      received: s.received, expected: s.expected ?? (s.source === "Local or other income" ? 1234.56 : undefined),
      method: s.method, key: s.method === "Custom percentages" ? (s.key.startsWith("Fixed") ? "Whole" : s.key) : s.method === "Fixed amounts" ? (s.key.startsWith("Fixed") ? s.key : "Fixed small") : undefined,
      agreedBy: "PCN Board", agreedOn: y.start, minutes: "Board item 1",
    })),
    costs: [
      ...picked.flatMap((s, i) => (s.cost === undefined ? [] : [{ ref: `C-${i + 1}`, description: "own", category: "Management" as const, period: s.period, stream: `S-${String(i + 1).padStart(2, "0")}`, amount: s.cost }])),
      // Costs taken off all streams of a period, in proportion to their amounts.
      { ref: "C-Q1", description: "shared", category: "Clinical director time", period: `Q1 ${y.year}`, amount: 7777.77 },
      { ref: "C-M1", description: "shared", category: "Premises", period: periods[0], amount: 333.33 },
    ],
    keys: [
      // Custom percentages adding to 100% (thirds do not: 33.3333% x 3 + the rest), and one adding to 90%.
      ...names.map((p, k) => ({ key: "Whole", practice: p, percent: k === names.length - 1 ? round6(1 - (names.length - 1) * 0.153847) : 0.153847 })),
      ...names.map((p) => ({ key: "Short", practice: p, percent: round6(0.9 / names.length) })),
      ...names.slice(0, 3).map((p, k) => ({ key: "Fixed small", practice: p, fixed: 10.01 * (k + 1) })),
      ...names.map((p) => ({ key: "Fixed large", practice: p, fixed: 1_000_000 })),
    ],
    yearEnd: { method: "Registered list", agreedBy: "PCN Board", agreedOn: y.start, minutes: "Board item 9" },
  };
  // One practice left the network in the year's fifth month: it shares each period up to that day.
  const practices = base.practices.map((p, k) => (k === 2 ? { ...p, leftOn: distributionPeriods(y)[4].label && isoOf(distributionPeriods(y)[4].start + 9) } : p));
  // The official IIF worked example (reference.md 4.1): 600 of 1,000 with 200 personalised care adjustments is 75%.
  const iif = base.iif.map((i) => (i.code !== "CAN-04" || !i.practices ? i : { ...i, practices: i.practices.map((x, k) => (k === 0 ? { ...x, numerator: 600, denominator: 1000, pcas: 200 } : x)) }));
  return { ...base, practices, iif, distribution: dist };
}
const KEY = "Key (custom percentages or fixed amounts: see Distribution Keys)";
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const isoOf = (serial: number) => new Date(Date.UTC(1899, 11, 30) + serial * 86_400_000).toISOString().slice(0, 10);

describe("random streams, methods and costs in LibreOffice and HyperFormula", () => {
  it.each([["2026/27", 11], ["2024/25", 12]])("%s: every cell equal to the core, parts add to the amount less costs to the penny, over-distribution refused", async (year, seed) => {
    const data = randomNetwork(year, seed, 40);
    const r = await checkWorkbook(await workbook(data, { year }));
    expect(r.HyperFormula).toEqual(r.LibreOffice);
    // IIF by Practice: the worked example's 75% in LibreOffice, and the points it earns on CAN-04's sourced scale
    // (22 points from 65% to 80%: two thirds of the way, 14.67 points).
    const iif = r.lo["IIF by Practice"];
    const ex = iif.find((row) => row[0] === "CAN-04" && row[1] === data.practices[0].name)!;
    expect(ex[5]).toBeCloseTo(0.75, 12);
    const can04 = r.lo["IIF"].find((row) => row.includes("CAN-04"))!;
    if (can04.includes(22) && can04.includes(0.65) && can04.includes(0.8)) expect(ex[6]).toBeCloseTo((22 * 0.1) / 0.15, 9);
    else expect(year).toBe("2026/27");
    // A practice that left the network (in the fifth month) has no key value for a later period's proportional split.
    const leaver = data.practices[2];
    const leftSerial = isoToSerial(leaver.leftOn!);
    let after = 0;
    for (const row of streams(r.lo)) {
      if ((row["From"] as number) <= leftSerial || row["Split"] !== "OK" || ["Fixed amounts", "Retain at PCN", "Custom percentages"].includes(String(row["Method"]))) continue;
      expect(row[`Key value: ${leaver.name}`], String(row["Stream ref"])).toBe(0);
      expect(row[leaver.name], String(row["Stream ref"])).toBe(0);
      after++;
    }
    expect(after).toBeGreaterThan(0);
    expect(r.LibreOffice.ok).toBeGreaterThan(12);
    expect(r.LibreOffice.refused).toBeGreaterThan(2);
    // Refused exactly where the money is not there (independently of the sheet's formulas): costs above the amount,
    // fixed amounts above what is left, custom percentages that do not add to 100%.
    for (const s of streams(r.lo)) {
      const amount = s["Amount (£: received, else expected)"], net = s["To distribute after costs (£)"];
      if (typeof amount !== "number") continue;
      const costs = (s["Costs taken off this stream (£)"] as number) + (s["Its share of costs taken off all streams of the period (£)"] as number);
      const fixedTotal = s["Method"] === "Fixed amounts" ? (s[KEY] === "Fixed large" ? 6_000_000 : 60.06) : 0;
      const over = pence(costs) > pence(amount) || (s["Method"] === "Fixed amounts" && pence(fixedTotal) > pence(net as number)) || (s["Method"] === "Custom percentages" && s[KEY] === "Short");
      if (s["Split"] === "Incomplete") continue;
      if (typeof s["Total weight"] === "number" && s["Total weight"] <= 0 && !["Fixed amounts", "Retain at PCN"].includes(String(s["Method"]))) { expect(s["Split"]).toBe("Refused"); continue; }
      expect(s["Split"], `${String(s["Stream ref"])}: ${String(s["Check"])}`).toBe(over ? "Refused" : "OK");
      if (over) expect(String(s["Check"])).toMatch(/refused|more than|not 100%/i);
    }
  }, 240_000);
});

describe("the split functions on their own", () => {
  it("DISTRIBUTE: shares add to amount less costs to the penny, each within a penny of its proportion", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 0, max: 1e9 }), fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 12 }),
      (a, c, ws) => {
        fc.pre(ws.some((w) => w > 0));
        const [amount, costs] = [Math.max(a, c) / 100, Math.min(a, c) / 100];
        const shares = distribute(amount, ws, costs);
        expect(shares.reduce((s, x) => s + pence(x), 0)).toBe(pence(amount) - pence(costs));
        const W = ws.reduce((s, w) => s + w, 0);
        shares.forEach((x, k) => expect(Math.abs(x - ((amount - costs) * ws[k]) / W)).toBeLessThan(0.01 + 1e-6));
      }), { numRuns: 500, seed: 12 });
  });
  it("over-distribution is refused with a sentence; fixed amounts keep what is left at the PCN", () => {
    expect(() => distribute(100, [1, 1], 100.01)).toThrow("Over-distribution refused: the costs of £100.01 are more than the amount of £100.00.");
    expect(() => afterCosts(100, -1)).toThrow(/cannot be negative/);
    expect(() => distribute(100, [0, 0])).toThrow(/add up to 0/);
    expect(fixedShares(100, [30, 20.005])).toEqual({ shares: [30, 20.01], retained: 49.99 });
    expect(() => fixedShares(100, [60, 40.01])).toThrow(/fixed amounts add to £100.01, more than the £100.00/);
    expect(weightedPoints([10, 10], [6000, 4000])).toEqual([60000, 40000]);
  });
});
