// A rates file a PCN, LMC or ICB hands round (docs/rates-file.md): checked by the core with one sentence per
// problem and nothing written if any; a good one changes exactly the cells it names, in every host.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import vm from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import { checkRatesFile } from "../core/rates/file";
import { buildPlan, checkRegister } from "../core/workbook/build";
import { computeWorkbook } from "../core/workbook/compute";
import { addRatesFile, planRatesFile } from "../core/workbook/ratesPlan";
import { ExcelBridge } from "../excel-addin/bridge";
import { FakeWorkbook, fakeRun, type FakeRequestContext } from "./fakes/fakeExcel";
import { createFakeGas, ensureSheetsBuild } from "./fakes/fakeSheets";
import { apply, edit, open, rebuild, snapshotOf } from "./offline";

const root = resolve(__dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "pcn-rates-"));
const today = "2025-10-01";
const SRC = "Network Contract DES 2025/26, Table 2 (ICB letter of 3 August 2025)";

/** The sample workbook of a year, as the offline command writes it. */
async function workbook(year = "2025/26"): Promise<Buffer> {
  return (await rebuild(null, { year, sample: true, today })).file;
}
/** A rates file loaded as the offline command loads one: with a rebuild, in the same write. */
async function loadRates(file: Buffer, text: string): Promise<{ file: Buffer; changes: string[] }> {
  const plan = buildPlan(snapshotOf(file), { today });
  const rp = addRatesFile(plan, snapshotOf(file), text);
  expect(rp.problems).toEqual([]);
  return { file: await apply(file, plan), changes: rp.changes };
}

/** Every problem kind the checker knows, each in one file for a 2025/26 workbook, with the sentence it gives. */
const BAD_FILE = {
  year: "2026/27",
  start: "2026-04-02",
  colour: "blue",
  rates: {
    enhancedAcess: { value: 8.6, source: SRC, confidence: "high" },
    capacityAccessSupport: { value: 3.3, source: SRC, confidence: "high" },
    coreRegistered: "2.3",
    coreAdjusted: { value: "0.8", source: SRC, confidence: "high" },
    careHomePremium: { value: -5, source: SRC, confidence: "high" },
    employerPensionRate: { value: 14.38, source: SRC, confidence: "high" },
    enhancedAccess: { value: 8.6, confidence: "high" },
    iifPoundsPerPoint: { value: 200, source: SRC, confidence: "sure" },
    gpSchemePerAdjusted: { value: 4.6, unit: "£ per registered patient per year", source: SRC, confidence: "high" },
    participation: { value: 1.8, sauce: "ICB", source: SRC, confidence: "high" },
  },
  employerNi: [{ from: "2026-04-01", to: "2027-03-31", rate: 15, thresholdAnnual: 5000, source: SRC, confidence: "high" }],
  arrs: {
    periods: ["2026-05-01"],
    roles: [
      { maxima: {} },
      { role: "Astronaut", maxima: { "2026-04-01": { national: 70000, source: SRC, confidence: "high" } } },
      { role: "Clinical Pharmacist", maxima: { "2026-05-01": { national: 72000, source: SRC, confidence: "high" } } },
      { role: "Pharmacy Technician", maxima: { "2026-04-01": { national: "lots", source: SRC, confidence: "high" } } },
      { role: "Paramedic", maxima: { "2026-04-01": { national: 70, source: SRC, confidence: "high" } } },
      { role: "Dietitian", maxima: { "2026-04-01": { london: 70000, source: SRC, confidence: "high" } } },
      { role: "Care Coordinator", maxima: { "2026-04-01": { national: 39000, source: SRC, confidence: "high" } } },
      { role: "Care Co-ordinator", maxima: { "2026-04-01": { national: 39000, source: SRC, confidence: "high" } } },
      { role: "Adult Mental Health Practitioner", maxima: { "2026-04-01": { national: 47000, source: SRC, confidence: "high" } } },
      { role: "Podiatrist", maxima: { "2026-04-01": { national: 70000, confidence: "high" } } },
      { role: "Practice Manager", commissionerApproved: true, maxima: { "2026-04-01": { national: 52000, source: SRC, confidence: "high" } } },
    ],
  },
};
const KINDS: [string, RegExp][] = [
  ["year of another workbook", /^The file is for 2026\/27 but this workbook is for 2025\/26: a workbook belongs to one year/],
  ["start date", /^"start" is "2026-04-02", but 2026\/27 starts on 2026-04-01\.$/],
  ["unknown top-level field", /^Unknown field "colour" at the top of the file\. Fields: year, start/],
  ["unknown rate, with a suggestion", /^rates\.enhancedAcess: there is no rate "enhancedAcess" in 2026\/27\. Did you mean "enhancedAccess"\?/],
  ["withdrawn payment", /^rates\.capacityAccessSupport: Capacity and Access Support Payment \(CASP\) was withdrawn from the Network Contract DES on 1 April 2026/],
  ["entry not an object", /^rates\.coreRegistered must be an object such as/],
  ["value not a number", /^rates\.coreAdjusted\.value must be a number \(or null when not known\), not "0\.8"\.$/],
  ["negative value", /^rates\.careHomePremium\.value is -5: a rate cannot be negative\.$/],
  ["a percentage for a fraction", /^rates\.employerPensionRate\.value is 14\.38, but it is a fraction: write 14\.38% as 0\.1438\.$/],
  ["no source", /^rates\.enhancedAccess: a figure must say where it comes from/],
  ["bad confidence", /^rates\.iifPoundsPerPoint\.confidence must be one of high, medium, low, not "sure"\.$/],
  ["another unit", /^rates\.gpSchemePerAdjusted\.unit is "£ per registered patient per year", but the rates book's gpSchemePerAdjusted is "£ per practice adjusted patient/],
  ["unknown field in a rate", /^rates\.participation: unknown field "sauce"\./],
  ["NI rate not a fraction", /^employerNi\[0\]\.rate must be a fraction between 0 and 1 \(15% is 0\.15\), not 15\.$/],
  ["ARRS periods of another year", /^arrs\.periods is \["2026-05-01"\], but 2026\/27's ARRS maxima run from 2026-04-01/],
  ["role with no name", /^arrs\.roles\[0\] has no "role"/],
  ["unknown role", /^arrs\.roles\[1\]: Unknown ARRS role "Astronaut" for 2026\/27\. Roles: Clinical Pharmacist; .*To add a role your commissioner approved, set "commissionerApproved": true/],
  ["period not the year's", /^arrs\.roles\[2\]\.maxima\["2026-05-01"\]: "2026-05-01" is not a 2026\/27 ARRS period/],
  ["maximum not a number", /^arrs\.roles\[3\]\.maxima\["2026-04-01"\]\.national must be a number of pounds per WTE per year, not "lots"\.$/],
  ["implausible maximum", /^arrs\.roles\[4\]\.maxima\["2026-04-01"\]\.national is 70: an ARRS maximum is pounds per WTE per year/],
  ["unknown area", /^arrs\.roles\[5\]\.maxima\["2026-04-01"\]: unknown field "london"\..* Areas: national, outerLondon, innerLondon\.$/],
  ["the same role twice (another spelling)", /^arrs\.roles\[7\]: "Care Co-ordinator" is already in the file at arrs\.roles\[6\]/],
  ["a role with one maximum per band", /^arrs\.roles\[8\]: "Adult Mental Health Practitioner" has one ARRS maximum per band in 2026\/27: name the band/],
  ["maxima without a source", /^arrs\.roles\[9\]\.maxima\["2026-04-01"\]: the maxima must say where they come from/],
  ["a new role without its band", /^arrs\.roles\[10\]: a commissioner-approved role needs its Agenda for Change "band"/],
];

const GOOD = {
  year: "2025/26",
  description: "Figures from our ICB's August 2025 letter",
  rates: {
    enhancedAccess: { value: 8.5, source: SRC, confidence: "high", note: "ICB restated figure" },
    arrsAllocation: { value: 27.2, source: SRC, confidence: "medium" },
    coreRegistered: { value: 2.266, source: "Pulse PCN, 'Consultant nurses added to ARRS in new network contract' (March 2025)", confidence: "high" },
    iifPoundsPerPoint: { value: null },
  },
  arrs: { roles: [{ role: "Physician Associate", maxima: { "2025-04-01": { national: 67300, outerLondon: 75000, source: SRC, confidence: "high" } } }] },
  iif: { indicators: [] },
};

describe("a rates file: checked by the core", () => {
  it("a file with every kind of problem is refused with one sentence per problem, and nothing is planned", async () => {
    const wb = await workbook("2025/26");
    const plan = planRatesFile(snapshotOf(wb), JSON.stringify(BAD_FILE));
    expect(plan.writes).toEqual([]);
    expect(plan.changes).toEqual([]);
    expect(KINDS.length).toBeGreaterThanOrEqual(20);
    for (const p of plan.problems) expect(p, "one line each").not.toMatch(/\n/);
    // Each kind is said exactly once, and there is nothing else.
    for (const [kind, re] of KINDS) expect(plan.problems.filter((p) => re.test(p)), kind).toHaveLength(1);
    expect(plan.problems).toHaveLength(KINDS.length);
  });

  it("what stops a file before its figures are read is said too: not JSON, not an object, empty, too big, no year, a year not shipped", () => {
    const one = (text: string) => checkRatesFile(text, "2025/26").problems;
    expect(one("{ year: 2025 }")).toEqual([expect.stringMatching(/^The file is not valid JSON \(/)]);
    expect(one("[1, 2]")).toEqual([expect.stringMatching(/^The file must be one JSON object/)]);
    expect(one("   ")).toEqual([expect.stringMatching(/^The file is empty/)]);
    expect(one(" ".repeat(2_000_001))).toEqual([expect.stringMatching(/^The file is 2000 KB: a rates file is at most 2 MB\.$/)]);
    expect(one(JSON.stringify({ rates: {} }))).toEqual([expect.stringMatching(/^The file has no "year"/)]);
    expect(one(JSON.stringify({ year: "2031/32" }))).toEqual([expect.stringMatching(/^The file is for "2031\/32", which is not a year PCN Toolkit has a rates book for/)]);
    expect(one(JSON.stringify({ year: "2025/26" }))).toEqual([expect.stringMatching(/^The file names no figure for 2025\/26/)]);
    expect(planRatesFile({ sheets: [] }, JSON.stringify(GOOD)).problems).toEqual([expect.stringMatching(/has not been built by PCN Toolkit yet/)]);
  });

  it("a whole year file from the rates book is a good rates file", () => {
    const text = readFileSync(join(root, "core/rates/years/2025-26.json"), "utf8");
    const res = checkRatesFile(text, "2025/26");
    expect(res.problems).toEqual([]);
    expect(res.file!.rates.length).toBeGreaterThan(5);
  });

  it("a good file changes exactly the cells it names, says each change, and the figures stay on rebuild", async () => {
    const wb = await workbook("2025/26");
    const before = snapshotOf(wb);
    const plan = planRatesFile(before, JSON.stringify(GOOD));
    expect(plan.problems).toEqual([]);
    // coreRegistered already holds 2.266: no change. A null figure changes nothing.
    expect(plan.changes.filter((c) => c.startsWith("Rates!"))).toEqual([
      expect.stringMatching(/^Rates!C\d+ enhancedAccess value: 8\.427 → 8\.5$/),
      expect.stringMatching(/^Rates!G\d+ enhancedAccess source: "Pulse PCN.*" → "Network Contract DES 2025\/26, Table 2 \(ICB letter/),
      expect.stringMatching(/^Rates!C\d+ arrsAllocation value: 26\.631 → 27\.2$/),
      expect.stringMatching(/^Rates!F\d+ arrsAllocation confidence: "high" → "medium"$/),
      expect.stringMatching(/^Rates!G\d+ arrsAllocation source: /),
      expect.stringMatching(/^Rates!G\d+ coreRegistered source: /),
    ]);
    expect(plan.changes.some((c) => /coreRegistered value/.test(c))).toBe(false);
    expect(plan.changes.some((c) => /iifPoundsPerPoint/.test(c))).toBe(false);
    expect(plan.changes.filter((c) => /^'?ARRS Rates'?!/.test(c))).toEqual([
      expect.stringMatching(/^ARRS Rates!E\d+ Physician Associate national maximum from 2025-04-01: 67271 → 67300$/),
      expect.stringMatching(/^ARRS Rates!\w+\d+ Physician Associate confidence: "low" → "high"$/),
      expect.stringMatching(/^ARRS Rates!\w+\d+ Physician Associate source: /),
      expect.stringMatching(/^ARRS Rates!E\d+ Physician Associate outer London maximum from 2025-04-01: 74957 → 75000$/),
      expect.stringMatching(/^ARRS Rates!\w+\d+ Physician Associate confidence: "low" → "high"$/),
      expect.stringMatching(/^ARRS Rates!\w+\d+ Physician Associate source: /),
    ]);
    expect(plan.notes).toEqual(["Not loaded: IIF indicators (enter points and thresholds on the IIF sheet)."]);
    expect(plan.writes).toHaveLength(plan.changes.length);
    // Written as the command writes it (with a rebuild, which changes nothing else here), and read back.
    const loaded = await loadRates(wb, JSON.stringify(GOOD));
    expect(loaded.changes).toEqual(plan.changes);
    const after = snapshotOf(loaded.file);
    const written = new Set(plan.writes.map((w) => `${w.sheet}|${w.row}|${w.col}`));
    const diffs: string[] = [];
    for (const s of after.sheets) {
      const b = before.sheets.find((x) => x.name === s.name)!;
      const rows = Math.max(s.values.length, b.values.length);
      for (let r = 0; r < rows; r++) {
        const cols = Math.max(s.values[r]?.length ?? 0, b.values[r]?.length ?? 0);
        for (let c = 0; c < cols; c++) {
          const x = s.values[r]?.[c] ?? null, y = b.values[r]?.[c] ?? null;
          if (x !== y && !(s.formulas[r]?.[c] && s.formulas[r][c] === b.formulas[r]?.[c])) diffs.push(`${s.name}|${r}|${c}`);
        }
      }
    }
    expect(diffs.sort()).toEqual([...written].sort());
    // The figures a person (or their file) put there are theirs: "entered", kept on a rebuild.
    const cells = computeWorkbook(after, today);
    const arrsRates = after.sheets.find((s) => s.name === "ARRS Rates")!;
    const paRow = arrsRates.values.findIndex((r) => r[0] === "Physician Associate" && r[2] === "national");
    const kindCol = arrsRates.values[0].indexOf("Provenance from 01/04/2025");
    expect(cells.find((c) => c.sheet === "ARRS Rates" && c.row === paRow && c.col === kindCol)!.value).toBe("entered");
    const rebuilt = (await rebuild(loaded.file, { today })).file;
    expect((await open(rebuilt)).getWorksheet("ARRS Rates")!.getCell(paRow + 1, 5).value).toBe(67300);
    expect(planRatesFile(snapshotOf(rebuilt), JSON.stringify(GOOD)).changes).toEqual([]);
  });

  it("a commissioner-approved role goes into a blank row of ARRS Rates, and its figure is the person's", async () => {
    const wb = await workbook("2026/27");
    const file = { year: "2026/27", arrs: { roles: [{ role: "PCN Operations Manager", band: "8a", commissionerApproved: true, maxima: { "2026-04-01": { national: 61000, source: "Kent and Medway ICB approval letter, 12 May 2026", confidence: "high" } } }] } };
    const plan = planRatesFile(snapshotOf(wb), JSON.stringify(file));
    expect(plan.problems).toEqual([]);
    expect(plan.changes[0]).toMatch(/^ARRS Rates!A\d+ PCN Operations Manager role \(new row\): blank → "PCN Operations Manager"$/);
    const snap = snapshotOf((await loadRates(wb, JSON.stringify(file))).file);
    const sheet = snap.sheets.find((s) => s.name === "ARRS Rates")!;
    const row = sheet.values.findIndex((r) => r[0] === "PCN Operations Manager");
    const cells = computeWorkbook(snap, "2026-12-01").filter((c) => c.sheet === "ARRS Rates" && c.row === row);
    expect(cells.map((c) => c.value)).toEqual(expect.arrayContaining(["pcn operations manager|national", "entered"]));
    // The same role in a year whose rules do not allow it is refused.
    const y24 = { ...file, year: "2023/24", arrs: { roles: [{ ...file.arrs.roles[0], maxima: { "2023-04-01": file.arrs.roles[0].maxima["2026-04-01"] } }] } };
    expect(checkRatesFile(JSON.stringify(y24), "2023/24").problems).toEqual([expect.stringMatching(/not a DES role for 2023\/24, and our sources do not say commissioners could approve other roles that year/)]);
  });
});

describe("superseded figures in Check register", () => {
  it("an ARRS Rates cell still holding the March 2025 figure the August 2025 uplift replaced is found, with the posts whose claims use it", async () => {
    const file = await workbook("2025/26");
    const rows = snapshotOf(file).sheets.find((s) => s.name === "ARRS Rates")!.values;
    const cp = rows.findIndex((r) => r[0] === "Clinical Pharmacist" && r[2] === "national");
    const wb = await edit(file, (x) => { x.getWorksheet("ARRS Rates")!.getCell(cp + 1, 5).value = 66972; }); // as a workbook made before this version held it
    const findings = checkRegister(snapshotOf(wb), today);
    const cell = findings.find((f) => f.sheet === "ARRS Rates" && f.row === cp + 1)!;
    expect(cell).toMatchObject({ severity: "amber", col: 5, ref: "Clinical Pharmacist" });
    expect(cell.message).toBe("Clinical Pharmacist (national) from 01/04/2025 holds £66,972, the figure from the March 2025 DES as published that the August 2025 uplift of every ARRS maximum (3.6% Agenda for Change, 4% DDRB for GPs) (published 01/08/2025, backdated to 01/04/2025) replaced with a figure not published in our sources (estimated at £69,410). Enter the figure in force: claims using it are understated.");
    // The sample's two clinical pharmacists are national posts: both are told.
    expect(findings.filter((f) => f.sheet === "ARRS Workforce" && /superseded maximum/.test(f.message)).map((f) => f.ref).sort()).toEqual(["A-01", "A-02"]);
    // The provenance column says so too.
    const cells = computeWorkbook(snapshotOf(wb), today);
    const kindCol = rows[0].indexOf("Provenance from 01/04/2025");
    expect(cells.find((c) => c.sheet === "ARRS Rates" && c.row === cp && c.col === kindCol)!.value).toBe("superseded");
  });

  it("a 2024/25 Rates cell holding the March 2024 Enhanced Access rate the September revision replaced is found", async () => {
    const file = await workbook("2024/25");
    const snap = snapshotOf(file);
    const r = snap.sheets.find((s) => s.name === "Rates")!.values.findIndex((x) => x[0] === "enhancedAccess");
    const wb = await edit(file, (x) => { x.getWorksheet("Rates")!.getCell(r + 1, 3).value = 7.674; });
    const f = checkRegister(snapshotOf(wb), "2025-02-01").find((x) => x.sheet === "Rates");
    expect(f).toMatchObject({ severity: "amber", row: r + 1, col: 3, ref: "enhancedAccess" });
    expect(f!.message).toMatch(/^Enhanced Access payment holds 7\.674, the figure from the March 2024 DES that the September 2024 DES revision: core funding, Enhanced Access and the Care Home Premium uplifted \(published 26\/09\/2024, backdated to 01\/04\/2024\) replaced with 7\.975/);
  });

  it("a rebuild of a workbook made before this version fills its blank figures, keeps typed ones, and stays 2025/26", async () => {
    const file = await workbook("2025/26");
    const rows = snapshotOf(file).sheets.find((s) => s.name === "ARRS Rates")!.values;
    const pa = rows.findIndex((r) => r[0] === "Physician Associate" && r[2] === "national");
    const cp = rows.findIndex((r) => r[0] === "Clinical Pharmacist" && r[2] === "national");
    const wb = await edit(file, (x) => {
      const ws = x.getWorksheet("ARRS Rates")!;
      ws.getCell(pa + 1, 5).value = null; // as before this version: no figure
      ws.getCell(cp + 1, 5).value = 70001; // typed by a person
    });
    const r = await rebuild(wb, { today: "2026-12-01" });
    expect(r.plan.year).toBe("2025/26");
    expect(r.plan.warnings.join(" ")).toMatch(/Filled 1 blank figure on the Rates and ARRS Rates sheets/);
    const ws = (await open(r.file)).getWorksheet("ARRS Rates")!;
    expect(ws.getCell(pa + 1, 5).value).toBe(67271);
    expect(ws.getCell(cp + 1, 5).value).toBe(70001);
  });
});

describe("a rates file in every host", () => {
  // The pre-built command, as `npm run workbook` runs it (built here if the sources are newer).
  let cli = "";
  beforeAll(async () => { cli = await ((await import(join(root, "scripts", "build-cli.mjs"))) as { ensureCli(): Promise<string> }).ensureCli(); });
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8" });

  it("npm run workbook -- --rates: a bad file writes nothing and says every problem; a good one lists what it changed", () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify(BAD_FILE));
    const out = join(dir, "cli.xlsx");
    const r1 = run("--year", "2025/26", "--rates", bad, "--out", out);
    expect(r1.status).toBe(2);
    expect(r1.stderr).toMatch(/^The rates file .*bad\.json has 25 problems; nothing was written:/);
    expect(r1.stderr.split("\n").filter((l) => l.startsWith("- "))).toHaveLength(KINDS.length);
    expect(existsSync(out)).toBe(false);
    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify(GOOD));
    // No --year: a new workbook takes the rates file's year.
    const r2 = run("--rates", good, "--out", out);
    expect(r2.stderr).toBe("");
    expect(r2.status).toBe(0);
    expect(r2.stdout).toMatch(/^Financial year 2025\/26 \(the rates file's year\)\./);
    expect(r2.stdout).toMatch(/The rates file changed \d+ cells:\n {2}Rates!C\d+ enhancedAccess value: 8\.427 → 8\.5\n/);
    expect(r2.stdout).toMatch(/ {2}Not loaded: IIF indicators/);
    // The file holds the figures (written with the build, by the shipped writer), as text where they are text.
    const rateOf = (key: string) => snapshotOf(readFileSync(out)).sheets.find((s) => s.name === "Rates")!.values.find((r) => r[0] === key)!;
    expect(rateOf("enhancedAccess")[2]).toBe(8.5);
    expect(rateOf("arrsAllocation").slice(2, 7)).toEqual([27.2, expect.anything(), expect.anything(), "medium", SRC]);
    // Loaded again into the workbook that holds them: planned on what the rebuild leaves, so nothing changes.
    const same = run("--rates", good, "--out", out);
    expect(same.status).toBe(0);
    expect(same.stdout).toMatch(/The rates file changed no cell: the workbook already holds its figures\./);
    expect(rateOf("enhancedAccess")[2]).toBe(8.5);
    const again = run("--rates", bad, "--out", out);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/The file is for 2026\/27 but this workbook is for 2025\/26/);
  }, 120_000);

  it("Excel: the bridge writes the planned cells in one sync, or nothing", async () => {
    const wb = new FakeWorkbook();
    wb.addSheet("Sheet1");
    const bridge = new ExcelBridge({
      run: (options, batch) => fakeRun(wb)(options ?? {}, (c: FakeRequestContext) => batch(c as unknown as Excel.RequestContext)),
      isSetSupported: (n, v) => wb.isSetSupported(n, v),
      today: () => today,
    });
    await bridge.build({ year: "2025/26", sheets: [], sample: true }, () => undefined);
    const bad = await bridge.loadRates(JSON.stringify(BAD_FILE));
    expect(bad.problems).toHaveLength(KINDS.length);
    expect(bad.changes).toEqual([]);
    const syncs = wb.syncs.length;
    const ok = await bridge.loadRates(JSON.stringify(GOOD));
    expect(ok.problems).toEqual([]);
    expect(ok.changes.length).toBeGreaterThan(3);
    expect(wb.syncs.length - syncs).toBeLessThanOrEqual(3); // the read (one or two syncs), then one write
    const rates = wb.sheet("Rates")!;
    const row = [...rates.cells.entries()].find(([, r]) => [...r.values()].some((c) => c.v === "enhancedAccess"))![0];
    expect(rates.cells.get(row)!.get(2)!.v).toBe(8.5);
  });

  let CODE = "";
  beforeAll(async () => {
    CODE = readFileSync(join(await ensureSheetsBuild(root), "Code.js"), "utf8");
  }, 180_000);

  it("Google Sheets: the built Code.js loads a file under the document lock, text staying text", () => {
    const gas = createFakeGas({ htmlFiles: {} });
    const ctx = vm.createContext({ ...gas.globals, console: { log() {}, info() {}, warn() {}, error() {} } }) as Record<string, any>;
    vm.runInContext(CODE, ctx);
    for (const key of ["rates", "arrsRates"]) expect(ctx.buildSheets({ year: "2025/26", sheets: [key], sample: true }).ok).toBe(true);
    const bad = ctx.loadRates(JSON.stringify(BAD_FILE));
    expect(bad.ok).toBe(true);
    expect(bad.value.problems).toHaveLength(KINDS.length);
    const evil = { year: "2025/26", rates: { enhancedAccess: { value: 8.5, source: "=HYPERLINK(\"http://x\",\"ICB letter\")", confidence: "high" } } };
    const res = ctx.loadRates(JSON.stringify(evil));
    expect(res.ok).toBe(true);
    expect(res.value.changes.length).toBe(2);
    const sheet = gas.ss.sheets.find((s) => s.name === "Rates")!;
    let found = false;
    const { rows, cols } = sheet.extent();
    for (let r = 1; r <= rows; r++) for (let c = 1; c <= cols; c++) {
      const cell = sheet.cell(r, c);
      if (cell && typeof cell.value === "string" && cell.value.includes("HYPERLINK")) { found = true; expect(cell.formula).toBeNull(); expect(cell.value).toBe("=HYPERLINK(\"http://x\",\"ICB letter\")"); }
    }
    expect(found).toBe(true);
    expect(ctx.loadRates(42)).toEqual({ ok: false, error: "The rates file must arrive as text." });
  });
});
