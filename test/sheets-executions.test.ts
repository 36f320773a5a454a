/**
 * The Sheets add-on as Apps Script runs it, at its limits: builds over several executions (none past the
 * 6 minutes), two people building at once, the document lock, the person's place in the spreadsheet, filters
 * on a rebuild, and the self-test. The built Code.js runs in node:vm over the fake with its clock and cost
 * model; the sidebar's own bridge (sheets-addon/sidebar-bridge.ts) drives it through a google.script.run whose
 * every call is one execution.
 */
import { beforeAll, describe, expect, it } from "vitest";
import vm from "node:vm";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildPlan, sheetCatalogue } from "../core/workbook/build";
import { largeNetwork } from "../core/workbook/sample";
import { NEWEST_YEAR } from "../core/rates/book";
import { AppsScriptBridge, SEVERAL_ACCOUNTS_MESSAGE } from "../sheets-addon/sidebar-bridge";
import { runBuildStep } from "../sheets-addon/build-run";
import { applyPlan } from "../sheets-addon/writer";
import { createFakeGas, ensureSheetsBuild, EXECUTION_LIMIT_MS, FakeFilterCriteria, parseA1, type FakeGas, type FakeOptions, type FakeUser } from "./fakes/fakeSheets";
import { scriptRun, type ScriptRunOptions } from "./fakes/scriptRun";

const ROOT = resolve(__dirname, "..");
const YEAR = NEWEST_YEAR;
const TODAY = "2025-10-01";
let CODE = "";
let SIDEBAR = "";

beforeAll(async () => {
  const dist = await ensureSheetsBuild(ROOT);
  CODE = readFileSync(join(dist, "Code.js"), "utf8");
  SIDEBAR = readFileSync(join(dist, "Sidebar.html"), "utf8");
});

const ASHA: FakeUser = { key: "tmp-key-asha", email: "asha.patel@example.nhs.uk" };
const BEN: FakeUser = { key: "tmp-key-ben", email: "ben.okafor@example.nhs.uk" };

function boot(opts: FakeOptions = {}): { gas: FakeGas; ctx: Record<string, any> } {
  const gas = createFakeGas({ htmlFiles: { Sidebar: SIDEBAR }, ...opts });
  const ctx = gas.context();
  vm.runInContext(CODE, ctx, { filename: "Code.js" });
  return { gas, ctx };
}
const sidebar = (gas: FakeGas, ctx: Record<string, any>, opts: ScriptRunOptions = {}) => new AppsScriptBridge(scriptRun(gas, ctx, opts));

/** Writes the large network into the fake as one (unlimited) run, as an offline-built workbook opened in Sheets would be. */
function withLargeNetwork(gas: FakeGas, scale = 1) {
  const saved = Object.fromEntries(Object.keys(gas.globals).map((k) => [k, (globalThis as any)[k]]));
  Object.assign(globalThis, gas.globals);
  try {
    const plan = buildPlan({ sheets: [] }, { data: largeNetwork(scale), today: TODAY });
    gas.execute("setup", () => applyPlan((globalThis as any).SpreadsheetApp.getActiveSpreadsheet(), plan), { limit: Infinity });
  } finally {
    Object.assign(globalThis, saved);
  }
}

/** Everything a sheet holds, comparable across fakes. */
function contents(g: FakeGas) {
  const sorted = <T,>(xs: T[]) => xs.map((x) => JSON.stringify(x)).sort();
  // The change journal's entries say when each build ran and its id: compared by their number, below the same header.
  const journal = (s: FakeGas["ss"]["sheets"][number]) => {
    const rows = [...new Set([...s.cells.keys()].map((k) => Number(String(k).split(",")[0])))].sort((a, b) => a - b);
    return [...[...s.cells].filter(([k]) => Number(String(k).split(",")[0]) === rows[0]), ["entries", rows.length - 1]];
  };
  return g.ss.sheets.map((s) => ({
    name: s.name,
    cells: sorted(s.name === "Change Journal" ? journal(s) : [...s.cells]),
    formats: sorted([...s.formats]),
    dv: sorted([...s.dv].map(([k, v]) => [k, v.criteria.type, JSON.stringify(v.criteria.args.map((a) => (a && typeof a === "object" ? "range" : a))), v.helpText])),
    cf: s.cfRules.map((r) => [r.condition.formula, r.ranges.map((x) => x.getA1Notation())]),
    charts: s.charts.map((c) => c.options.get("title")),
    filter: s.filter?.range.getA1Notation() ?? null,
    hidden: s.hidden,
  }));
}
const names = (g: FakeGas) => g.ss.namedRanges.map((n) => [n.name, n.range.sheet.name, n.range.getA1Notation()]).sort();

const builds = (g: FakeGas) => g.executions.filter((e) => e.fn === "buildSheets");

describe("one execution where one will do", () => {
  it("the sample builds in one execution, its document calls the plan's names and column widths and a few a sheet, and the pane's next look at the workbook needs none", async () => {
    const { gas, ctx } = boot();
    const bridge = sidebar(gas, ctx);
    await bridge.getState();
    const progress: string[] = [];
    const res = await bridge.build({ year: YEAR, sheets: [], sample: true }, (p) => progress.push(`${p.done}/${p.total} ${p.label}`));
    for (const { key } of sheetCatalogue()) expect(res.sheetsBuilt).toContain(key);
    const [only, ...more] = builds(gas);
    expect(more).toEqual([]);
    expect(only.killed).toBe(false);
    // Issue #13's target, at most 450 document calls, was met by the 2025/26 sample (17 sheets, 125 names: 435
    // calls). The 2026/27 sample has 34 sheets and 285 names. Apps Script sets a name in one call
    // (Spreadsheet.setNamedRange: no batch form under spreadsheets.currentonly) and column widths in one call per
    // run of equal widths (Sheet.setColumnWidths): those two follow the plan, whatever the writer does, and take
    // 544 of the 1,074 calls. The rest is the writer's: insert, values, formats, header styles, rules, freeze,
    // filter, range fetches; nothing is read back from a sheet it inserted (names included). Measured at 530 for
    // 34 sheets (about 15.2 a sheet: the network development, SPC and Distribution sheets are tables with a guide
    // or report beside them and two to four number-format rectangles each) and a dozen for the workbook (the
    // read, the view put back): held to 16 a sheet.
    const plan = buildPlan({ sheets: [] }, { year: YEAR, sample: true });
    const widthRuns = plan.sheets.reduce((n, p) => {
      const w = [...p.columnWidths].sort((a, b) => a.col - b.col);
      return n + w.filter((x, i) => i === 0 || x.col !== w[i - 1].col + 1 || x.width !== w[i - 1].width).length;
    }, 0);
    const names = only.calls.count("Spreadsheet.setNamedRange");
    const widths = only.calls.count("Sheet.setColumnWidths");
    expect(names).toBe(plan.names.length);
    expect(widths).toBeLessThanOrEqual(widthRuns);
    expect(only.calls.byKind.document - names - widths).toBeLessThanOrEqual(16 * plan.sheets.length + 12);
    expect(only.elapsed).toBeLessThan(EXECUTION_LIMIT_MS);
    // A new spreadsheet: the only cells read are the first row of its own Sheet1 (to see whether it is a table of ours).
    expect(only.cellsRead()).toBeLessThanOrEqual(26);
    expect(progress.at(-1)).toMatch(/^(\d+)\/\1 Done$/);
    const before = gas.executions.length;
    const state = await bridge.getState();
    expect(gas.executions.length).toBe(before);
    expect(state.sheets.every((s) => s.exists)).toBe(true);
    expect(state.workbookYear).toBe(YEAR);
    expect(state.practices.length).toBe(6);
    // The build's lease and marker are gone.
    expect(gas.documentProperties.getKeys()).toEqual([]);
  });
});

describe("what a build leaves", () => {
  it("a build of one sheet leaves what PCN_Meta remembers of the sheets it does not read, so Check register still sees every table", async () => {
    const { gas, ctx } = boot();
    const bridge = sidebar(gas, ctx);
    await bridge.build({ year: YEAR, sheets: [], sample: true }, () => {});
    const before = await bridge.checkRegister();
    for (const sheet of ["Partnerships", "ARRS Workforce"]) expect(before.some((f) => f.sheet === sheet), sheet).toBe(true);
    await bridge.build({ year: YEAR, sheets: ["funding"] }, () => {});
    const last = builds(gas).at(-1)!;
    // Funding's build reads Funding (and Practices' values), not the tables Check register looks at.
    expect(last.cellsRead()).toBeLessThan(1000);
    expect(await bridge.checkRegister()).toEqual(before);
  });
});

describe("builds of any size", () => {
  it("a new build of the large network resumes across executions, none over Apps Script's limit, to the same workbook as one run", () => {
    // A host three times slower than the published figures: the build cannot fit one execution.
    const gas = createFakeGas({ costs: { scale: 3 } });
    const saved = Object.fromEntries(Object.keys(gas.globals).map((k) => [k, (globalThis as any)[k]]));
    Object.assign(globalThis, gas.globals);
    const data = largeNetwork();
    try {
      let done = false;
      const progress: number[] = [];
      for (let n = 0; !done && n < 30; n++) {
        const out = gas.execute("buildSheets", () => runBuildStep({ year: "", sheets: [], sample: false }, "build-large-test", { now: () => gas.now(), data, today: TODAY }));
        done = out.done;
        progress.push(out.progress.done);
        gas.advance(1500); // the sidebar's round trip between executions
      }
      expect(done).toBe(true);
      const runs = builds(gas);
      expect(runs.length).toBeGreaterThan(1);
      for (const e of runs) {
        expect(e.killed).toBe(false);
        expect(e.elapsed).toBeLessThan(EXECUTION_LIMIT_MS);
      }
      // Steady progress, never backwards.
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
    } finally {
      Object.assign(globalThis, saved);
    }
    const oneGo = createFakeGas();
    withLargeNetwork(oneGo);
    expect(contents(gas)).toEqual(contents(oneGo));
    expect(names(gas)).toEqual(names(oneGo));
    expect(gas.documentProperties.getKeys()).toEqual([]);
  }, 600_000);

  it("a large rebuild through the sidebar resumes across executions on a slow host, reads each cell at most once per execution, only the sheets still to build, and changes nothing", async () => {
    // Half the large network on a host twelve times slower than the published figures (the full one is in the bench).
    const { gas, ctx } = boot({ costs: { scale: 12 } });
    withLargeNetwork(gas, 0.5);
    // Sheets computes formulas; the fake does not: a seeded input (the months closed) shows a number, as in Sheets.
    gas.formulaValue = () => 0;
    const before = { contents: contents(gas), names: names(gas) };
    const bridge = sidebar(gas, ctx);
    const state = await bridge.getState();
    const res = await bridge.build({ year: state.workbookYear!, sheets: [], practices: state.practices, sample: false }, () => {});
    expect(res.sheetsBuilt.length).toBeGreaterThanOrEqual(sheetCatalogue().length);
    const runs = builds(gas);
    expect(runs.length).toBeGreaterThan(1);
    for (const e of runs) {
      expect(e.killed).toBe(false);
      expect(e.elapsed).toBeLessThan(EXECUTION_LIMIT_MS);
      expect(e.maxReadsOfACell(), `execution ${runs.indexOf(e) + 1}`).toBeLessThanOrEqual(1);
    }
    // Later executions read only what is left to build.
    expect(runs.at(-1)!.cellsRead()).toBeLessThan(runs[0].cellsRead());
    // Nothing changes but the Practices table: the practices the pane confirms give it its spare rows again
    // (the core plans 10 for new practices, with their formulas, formats and rules), and its filter and the
    // meta sheet's record of its size follow.
    const after = contents(gas);
    const others = (c: ReturnType<typeof contents>) => c.filter((s) => s.name !== "Practices" && s.name !== "PCN_Meta" && s.name !== "Change Journal");
    expect(others(after)).toEqual(others(before.contents));
    // The change journal gains one entry for the build, however many executions it took.
    const entries = (c: ReturnType<typeof contents>) => c.find((s) => s.name === "Change Journal")!.cells.find((x) => x.startsWith('["entries"'));
    expect(entries(before.contents)).toBe('["entries",1]');
    expect(entries(after)).toBe('["entries",2]');
    const practices = (c: ReturnType<typeof contents>) => c.find((s) => s.name === "Practices")!;
    expect(practices(after).filter).toMatch(/^A1:K\d+$/); // Practices is 11 columns wide (the last: Left the network on)
    const rowsBefore = Number(practices(before.contents).filter!.split(":J")[1]);
    const firstRows = (cells: string[]) => cells.filter((x) => Number(JSON.parse(x)[0].split(",")[0]) <= rowsBefore);
    expect(firstRows(practices(after).cells)).toEqual(firstRows(practices(before.contents).cells));
    const elsewhere = (n: string[][]) => n.filter((x) => x[1] !== "Practices");
    expect(elsewhere(names(gas))).toEqual(elsewhere(before.names));
    // PCN_Meta, written by every execution from a plan of the sheets still to build, still remembers every sheet's
    // table as it is: only the Practices table's size (column E of its row) moves.
    const meta = (c: ReturnType<typeof contents>) => {
      const cells = c.find((x) => x.name === "PCN_Meta")!.cells.map((x) => JSON.parse(x) as [string, { value: unknown }]);
      const row = cells.find(([at, v]) => at.endsWith(",2") && v.value === "practices")![0].split(",")[0];
      return cells.filter(([at]) => at !== `${row},5`);
    };
    expect(meta(after)).toEqual(meta(before.contents));
  }, 600_000);
});

describe("a rebuild over several executions that moves a table's columns", () => {
  /** The sample as an older version laid out Budget: two of its input columns the other way round (PCN_Meta says so). */
  function olderBudget(opts: FakeOptions = {}) {
    const gas = createFakeGas(opts);
    const saved = Object.fromEntries(Object.keys(gas.globals).map((k) => [k, (globalThis as any)[k]]));
    Object.assign(globalThis, gas.globals);
    try {
      gas.execute("setup", () => applyPlan((globalThis as any).SpreadsheetApp.getActiveSpreadsheet(), buildPlan({ sheets: [] }, { year: YEAR, sample: true, today: TODAY })), { limit: Infinity });
    } finally {
      Object.assign(globalThis, saved);
    }
    const meta = gas.sheet("PCN_Meta");
    let row = 0;
    for (let r = 1; r <= meta.extent().rows; r++) if (meta.cell(r, 2)?.value === "budget") row = r;
    const layout: string[] = JSON.parse(String(meta.cell(row, 4)!.value));
    expect(layout.slice(1, 3)).toEqual(["description", "category"]);
    [layout[1], layout[2]] = [layout[2], layout[1]];
    meta.put(row, 4, { value: JSON.stringify(layout), formula: null });
    const budget = gas.sheet("Budget");
    const original = [...budget.cells].map((c) => JSON.stringify(c)).sort();
    for (let r = 1; r <= budget.extent().rows; r++) {
      const [b, c] = [budget.cell(r, 2) ?? null, budget.cell(r, 3) ?? null];
      budget.put(r, 2, c);
      budget.put(r, 3, b);
    }
    return { gas, original };
  }
  function rebuild(gas: FakeGas): { runs: number; stops: (string | undefined)[] } {
    const saved = Object.fromEntries(Object.keys(gas.globals).map((k) => [k, (globalThis as any)[k]]));
    Object.assign(globalThis, gas.globals);
    const stops: (string | undefined)[] = [];
    try {
      for (let done = false; !done && stops.length < 40; ) {
        done = gas.execute("buildSheets", () => runBuildStep({ year: YEAR, sheets: [], sample: false }, "build-relayout", { now: () => gas.now(), today: TODAY })).done;
        const m = JSON.parse(gas.documentProperties.getProperty("PCN_BUILD_MARKER") ?? "null");
        stops.push(m?.stopped ? `${m.stopped.key}:${m.stopped.step}` : undefined);
        gas.advance(1500);
      }
    } finally {
      Object.assign(globalThis, saved);
    }
    return { runs: stops.length, stops };
  }
  const budgetCells = (g: FakeGas) => [...g.sheet("Budget").cells].map((c) => JSON.stringify(c)).sort();

  it("moves the person's values to their columns as one run does, however the executions fall", () => {
    const { gas: one } = olderBudget();
    expect(rebuild(one).runs).toBe(1);
    const { gas, original } = olderBudget({ costs: { call: 400, service: 250 } });
    const { runs, stops } = rebuild(gas);
    expect(runs).toBeGreaterThan(2);
    // Budget is never left half in its old columns at the end of an execution: it is begun only with time to finish.
    expect(stops.filter((x) => x?.startsWith("budget:") && x !== "budget:0")).toEqual([]);
    expect(budgetCells(gas)).toEqual(budgetCells(one));
    // And one run puts every value back where this version's columns have it.
    expect(budgetCells(one)).toEqual(original);
    const meta = (g: FakeGas) => [...g.sheet("PCN_Meta").cells].map((c) => JSON.stringify(c)).sort();
    expect(meta(gas)).toEqual(meta(one));
  });
});

describe("two people, one spreadsheet", () => {
  /** A build slow enough to take several executions, so a second person arrives while it is under way. */
  const slowShared = () => boot({ costs: { call: 1000, service: 1000 } });

  it("a second sidebar is refused with the holder's name while a build holds the spreadsheet, and builds once it is free", async () => {
    const { gas, ctx } = slowShared();
    const asha = sidebar(gas, ctx, { user: ASHA });
    const ben = sidebar(gas, ctx, { user: BEN });
    await asha.setBuilderName("Asha Patel");
    const ashaBuild = asha.build({ year: YEAR, sheets: [], sample: true }, () => {});
    // Asha's first execution has run (google.script.run answers later): Ben presses Build.
    await expect(ben.build({ year: YEAR, sheets: [], sample: true }, () => {})).rejects.toThrow(
      /^Asha Patel is building sheets in this spreadsheet \(since \d\d:\d\d\)\. Try again when their build has finished: the spreadsheet is free again by \d\d:\d\d at the latest\.$/,
    );
    await ashaBuild;
    const ashaRuns = builds(gas).filter((e) => e.user === ASHA.key);
    expect(ashaRuns.length).toBeGreaterThan(1);
    // Ben's refused call wrote nothing.
    const benRefused = builds(gas).filter((e) => e.user === BEN.key);
    expect(benRefused).toHaveLength(1);
    expect(Object.keys(benRefused[0].calls.toJSON()).filter((m) => /^(Spreadsheet|Sheet|Range|RangeList|Properties)\.(set|insert|clear|create|delete)/.test(m))).toEqual([]);
    // Free again: Ben's build goes ahead.
    await ben.build({ year: YEAR, sheets: ["funding"], sample: true }, () => {});
    expect(gas.documentProperties.getKeys()).toEqual([]);
  });

  it("without a name, the refusal says plainly that Google does not say who; the same person in another window is told so", async () => {
    const { gas, ctx } = slowShared();
    const asha = sidebar(gas, ctx, { user: ASHA });
    const ashaBuild = asha.build({ year: YEAR, sheets: [], sample: true }, () => {});
    // While Asha's build is between its first and second executions (nothing awaited yet):
    const req = { year: YEAR, sheets: [] };
    expect(gas.execute("buildSheets", () => ctx.buildSheets(req, "build-ben-window"), { user: BEN })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^Someone else is building sheets in this spreadsheet \(since \d\d:\d\d\).*Google does not tell an add-on who is using it/),
    });
    expect(gas.execute("buildSheets", () => ctx.buildSheets(req, "build-asha-other-window"), { user: ASHA })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^You are already building sheets in this spreadsheet, from another sidebar or the menu/),
    });
    // The menu is refused the same way.
    gas.execute("menuBuildAll", () => ctx.menuBuildAll(), { user: BEN });
    expect(gas.alerts.at(-1)!.message).toMatch(/^Someone else is building/);
    await ashaBuild;
  });

  it("a build left half-done (its sidebar closed) holds the spreadsheet only briefly; the next build finishes it without losing anything", async () => {
    const { gas, ctx } = slowShared();
    // Asha's sidebar makes one execution of her build, then is closed.
    const first = gas.execute("buildSheets", () => ctx.buildSheets({ year: YEAR, sheets: [], sample: true }, "build-asha-closed"), { user: ASHA });
    expect(first).toMatchObject({ ok: true, value: { done: false } });
    const lease = JSON.parse(gas.documentProperties.getProperty("PCN_BUILD_LEASE")!);
    expect(lease).toMatchObject({ running: false });
    // A minute and a half later the idle lease no longer holds.
    gas.advance(91000);
    const ben = sidebar(gas, ctx, { user: BEN });
    await ben.build({ year: YEAR, sheets: [], sample: true }, () => {});
    const names_ = gas.ss.sheets.map((s) => s.name);
    expect(names_.filter((n) => /\(PCN/.test(n))).toEqual([]);
    for (const { title } of sheetCatalogue()) expect(names_).toContain(title);
    // Sheets Asha's build had made but not reached are filled as new (the sample's rows are there).
    const ref = createFakeGas();
    const saved = Object.fromEntries(Object.keys(ref.globals).map((k) => [k, (globalThis as any)[k]]));
    Object.assign(globalThis, ref.globals);
    try {
      applyPlan((globalThis as any).SpreadsheetApp.getActiveSpreadsheet(), buildPlan({ sheets: [] }, { sample: true, year: YEAR }));
    } finally {
      Object.assign(globalThis, saved);
    }
    const rows = (g: FakeGas, sheet: string) => g.sheet(sheet).extent().rows;
    for (const { title } of sheetCatalogue()) expect(rows(gas, title), title).toBe(rows(ref, title));
  });
});

describe("the person's spreadsheet", () => {
  it("puts the person's sheet and selection back after a build inserts sheets", async () => {
    const { gas, ctx } = boot({ sheets: { Sheet1: [["my notes"]], Mine: [["x"]] } });
    gas.ss.select(gas.sheet("Mine"), [parseA1("C5:D7").rect, parseA1("F2").rect]);
    await sidebar(gas, ctx).build({ year: YEAR, sheets: [], sample: true }, () => {});
    expect(gas.ss.getActiveSheet().name).toBe("Mine");
    expect(gas.selection).toEqual({ sheet: "Mine", a1: "C5:D7,F2" });
  });

  it("a rebuild sizes the table's filter to the table, keeping the person's filter criteria", async () => {
    const { gas, ctx } = boot();
    const bridge = sidebar(gas, ctx);
    await bridge.build({ year: YEAR, sheets: [], sample: true }, () => {});
    const practices = gas.sheet("Practices");
    const filter = practices.filter!;
    const oldA1 = filter.range.getA1Notation();
    filter.criteria.set(1, new FakeFilterCriteria(gas, ["Riverside Surgery"], []));
    const state = await bridge.getState();
    const more = Array.from({ length: 30 }, (_, i) => ({ name: `New Practice ${i + 1}`, odsCode: `Y${20000 + i}`, registered: 4000 + i }));
    await bridge.build({ year: YEAR, sheets: ["practices"], practices: [...state.practices, ...more] }, () => {});
    const resized = practices.filter!;
    expect(resized.range.getA1Notation()).not.toBe(oldA1);
    const rows = resized.range.rect.rows;
    expect(rows).toBeGreaterThan(36);
    // The filter covers every row of the table (the header and all practices).
    expect(practices.cell(resized.range.rect.row + rows - 1, 1) === undefined || rows >= practices.extent().rows).toBe(true);
    expect(resized.criteria.get(1)?.hidden).toEqual(["Riverside Surgery"]);
  });

  it("text starting with # or a full-width equals sign stays text, never an error value or a formula", async () => {
    const { gas, ctx } = boot();
    const tricky = ["#N/A", "#REF!", "# Main site", "\uFF1D1+1", "\uFE66SUM(A1:A2)", " #DIV/0!"];
    await sidebar(gas, ctx).build({ year: YEAR, sheets: ["practices"], practices: tricky.map((name, i) => ({ name, odsCode: `#${i}`, registered: 1000 + i })) }, () => {});
    const sh = gas.sheet("Practices");
    const found = new Map<string, unknown>();
    for (let r = 2; r <= sh.extent().rows; r++) {
      const c = sh.cell(r, 1);
      if (!c) continue;
      expect(c.formula, `row ${r}`).toBeNull();
      expect(c.error, `row ${r}`).toBeUndefined();
      found.set(String(c.value), sh.cell(r, 2));
    }
    // (The core trims a practice's name.)
    for (const [i, t] of tricky.entries()) {
      expect(found.has(t.trim()), t).toBe(true);
      expect(found.get(t.trim())).toEqual({ value: `#${i}`, formula: null });
    }
  });
});

describe("google.script.run failures", () => {
  it("the several-signed-in-accounts failure gives the workaround, not 'Unexpected problem'", async () => {
    const { gas, ctx } = boot();
    const fail = () => ({ name: "ScriptError", message: "We're sorry, a server error occurred while reading from storage. Error code PERMISSION_DENIED." });
    const bridge = sidebar(gas, ctx, { fail });
    await expect(bridge.getState()).rejects.toThrow(SEVERAL_ACCOUNTS_MESSAGE);
    await expect(bridge.build({ year: YEAR, sheets: [] }, () => {})).rejects.toThrow(/signed in to more than one Google account.*private or incognito window/);
    const auth = sidebar(gas, ctx, { fail: () => ({ name: "ScriptError", message: "Authorization is required to perform that action." }) });
    await expect(auth.checkRegister()).rejects.toThrow(SEVERAL_ACCOUNTS_MESSAGE);
  });

  it("an execution Apps Script cuts off is picked up again by the sidebar where the build last stood", async () => {
    const { gas, ctx } = boot();
    let cut = 0;
    const bridge = sidebar(gas, ctx, { fail: (fn) => (fn === "buildSheets" && cut++ === 0 ? { name: "ScriptError", message: "Exceeded maximum execution time" } : undefined) });
    const res = await bridge.build({ year: YEAR, sheets: [], sample: true }, () => {});
    expect(cut).toBe(2);
    expect(res.sheetsBuilt).toContain("budget");
    const other = sidebar(gas, ctx, { fail: (fn) => (fn === "buildSheets" ? { name: "ScriptError", message: "Exceeded maximum execution time" } : undefined) });
    await expect(other.build({ year: YEAR, sheets: [] }, () => {})).rejects.toThrow(/6-minute limit\. Build again: it carries on where it stopped\./);
  });
});

describe("the self-test for live hosts", () => {
  it("runs every probe on scratch sheets it removes, writes the table with the runtime's version, and puts the person back", async () => {
    const { gas, ctx } = boot({ sheets: { Mine: [["keep me"]] } });
    gas.ss.select(gas.sheet("Mine"), [parseA1("B2").rect]);
    const clientItem = { id: "sidebar.csp", what: "CSP", passed: true, detail: "from the browser" };
    const report = await new AppsScriptBridge(scriptRun(gas, ctx), { clientChecks: async () => [clientItem] }).runSelfTest!();
    const failed = report.items.filter((i) => !i.passed);
    expect(failed, JSON.stringify(failed)).toEqual([]);
    expect(report.host).toBe("sheets");
    expect(report.version).toMatch(/^Apps Script V8 runtime .*time zone Europe\/London$/);
    const ids = report.items.map((i) => i.id);
    for (const id of ["sheets.getRangesOrder", "sheets.freshBuilders", "sheets.conditionalFormats", "sheets.chartFromOtherSheet", "sheets.validationRoundTrip", "sheets.documentLock", "sheets.documentProperties", "sheets.literalText", "sheets.dates", "sheets.filterResize", "sheets.buildLease", "sheets.activeView", "sidebar.csp"]) expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
    // The table, on a new sheet of its own; no scratch sheet left; nothing of the person's touched.
    const sheet = gas.sheet(report.sheet!);
    expect(sheet.cell(1, 1)?.value).toBe(`PCN Toolkit self-test: ${report.items.length} of ${report.items.length} passed`);
    expect(sheet.cell(2, 4)?.value).toBe(report.version);
    for (const [i, item] of report.items.entries()) expect([sheet.cell(6 + i, 1)?.value, sheet.cell(6 + i, 3)?.value]).toEqual([item.id, "PASS"]);
    expect(gas.ss.sheets.map((s) => s.name).filter((n) => /scratch/.test(n))).toEqual([]);
    expect(gas.sheet("Mine").cell(1, 1)?.value).toBe("keep me");
    expect(gas.documentProperties.getKeys()).toEqual([]);
    expect(gas.ss.namedRanges).toEqual([]);
  });

  it("reports a failure where the host breaks an assumption, and the writer falls back (getRanges out of order)", async () => {
    const { gas, ctx } = boot();
    const proto = Object.getPrototypeOf(gas.sheet("Sheet1").getRangeList(["A1", "B2", "C3"]));
    const real = proto.getRanges;
    proto.getRanges = function () {
      return [...real.call(this)].reverse();
    };
    try {
      const report = gas.execute("runSelfTest", () => ctx.runSelfTest([]));
      expect(report.ok).toBe(true);
      expect(report.value.items.find((i: any) => i.id === "sheets.getRangesOrder")).toMatchObject({ passed: false, detail: expect.stringMatching(/^got /) });
      // A build on such a host fetches each range on its own, says so, and is still right.
      const res = await sidebar(gas, ctx).build({ year: YEAR, sheets: [], sample: true }, () => {});
      expect(res.warnings.join(" ")).toMatch(/getRanges\(\) did not behave as documented/);
      expect(gas.sheet("Budget Summary").cell(1, 1)).toBeDefined();
    } finally {
      proto.getRanges = real;
    }
    const ref = boot();
    await sidebar(ref.gas, ref.ctx).build({ year: YEAR, sheets: [], sample: true }, () => {});
    const strip = (c: ReturnType<typeof contents>) => c.filter((s) => !/self-test/i.test(s.name)).map((s) => ({ ...s, cells: s.name === "PCN_Meta" ? [] : s.cells }));
    expect(strip(contents(gas))).toEqual(strip(contents(ref.gas)));
  });

  it("the named-range probe passes whether Sheets refuses or moves a name held elsewhere, and fails if it makes a second; the writer is right either way", async () => {
    const probe = (g: FakeGas, c: Record<string, any>) => g.execute("runSelfTest", () => c.runSelfTest([])).value.items.find((i: any) => i.id === "sheets.namedRanges");
    const { gas, ctx } = boot();
    // The fake refuses a name already held (as the writer's fallback expects).
    expect(probe(gas, ctx)).toMatchObject({ passed: true, detail: expect.stringMatching(/a held name is refused$/) });
    const proto = Object.getPrototypeOf(gas.ss);
    const real = proto.setNamedRange;
    try {
      // A host that moves a held name instead: the probe passes, and a rebuild after a person moved one of ours puts it back.
      proto.setNamedRange = function (this: any, name: string, range: any) {
        const held = this.namedRanges.find((n: any) => n.name.toLowerCase() === name.toLowerCase());
        if (!held) return real.call(this, name, range);
        held.range = range;
      };
      expect(probe(gas, ctx)).toMatchObject({ passed: true, detail: expect.stringMatching(/a held name is moved$/) });
      const bridge = sidebar(gas, ctx);
      await bridge.build({ year: YEAR, sheets: [], sample: true }, () => {});
      const built = names(gas);
      const ours = gas.ss.namedRanges.find((n) => n.range.sheet.name === "Budget")!;
      ours.range = gas.sheet("Sheet1").getRange("A1") as any;
      await bridge.build({ year: YEAR, sheets: [], sample: true }, () => {});
      expect(names(gas)).toEqual(built);
      // A host that would hold the name twice fails the probe, saying so.
      proto.setNamedRange = function (this: any, name: string, range: any) {
        const held = this.namedRanges.find((n: any) => n.name.toLowerCase() === name.toLowerCase());
        if (!held) return real.call(this, name, range);
        this.namedRanges.push(Object.assign(Object.create(Object.getPrototypeOf(held)), held, { range }));
      };
      expect(probe(gas, ctx)).toMatchObject({ passed: false, detail: "2 names of the same name" });
    } finally {
      proto.setNamedRange = real;
    }
  });

  it("the menu's Run self-test says how many passed and where the table is", () => {
    const { gas, ctx } = boot();
    gas.execute("menuRunSelfTest", () => ctx.menuRunSelfTest());
    expect(gas.alerts.at(-1)!.message).toMatch(/^(\d+) of \1 checks passed; the table is on the sheet "PCN Self-test"\.$/);
  });
});
