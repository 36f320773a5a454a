/**
 * The BUILT Apps Script add-on (dist/sheets-addon, as `npx webpack --mode production --config-name sheets`
 * makes it), loaded as it is in node:vm over the fake SpreadsheetApp: menu, builds, custom functions,
 * server functions, and what the workbook computes (HyperFormula) against the core and the offline .xlsx.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import vm from "node:vm";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeWorkbook } from "../cli/main";
import { CATALOGUE, findFunction } from "../core/functions/catalogue";
import { CellError, invoke } from "../core/functions/invoke";
import { capacityAccess, careHomePremium, corePcnFunding, enhancedAccess } from "../core/funding/des";
import { round2 } from "../core/funding/money";
import { getYear, NEWEST_YEAR, rateValue } from "../core/rates/book";
import { buildPlan, sheetCatalogue } from "../core/workbook/build";
import { quoteSheet } from "../core/workbook/plan";
import { sampleNetwork } from "../core/workbook/sample";
import { fundingStreams } from "../core/workbook/sheets/funding";
import { evaluate, evaluateXlsx, type EvalInput, type EvalName, type EvalSheet, type Evaluated } from "./engines/hyperformula";
import { createFakeGas, ensureSheetsBuild, numberToCol, type FakeGas } from "./fakes/fakeSheets";

const ROOT = resolve(__dirname, "..");
const YEAR = NEWEST_YEAR;
let DIST = "";
let CODE = "";
let SIDEBAR = "";

beforeAll(async () => {
  DIST = await ensureSheetsBuild(ROOT);
  CODE = readFileSync(join(DIST, "Code.js"), "utf8");
  SIDEBAR = readFileSync(join(DIST, "Sidebar.html"), "utf8");
});

/** A fresh spreadsheet with the built Code.js loaded over it. */
function boot(opts: Parameters<typeof createFakeGas>[0] = {}): { gas: FakeGas; ctx: Record<string, any> } {
  const gas = createFakeGas({ htmlFiles: { Sidebar: SIDEBAR }, ...opts });
  const ctx = vm.createContext({ ...gas.globals, console: { log() {}, info() {}, warn() {}, error() {} } });
  vm.runInContext(CODE, ctx, { filename: "Code.js" });
  return { gas, ctx: ctx as Record<string, any> };
}

/** A spreadsheet where the sidebar cannot be shown (no Sidebar page): the menu builds in-process. */
const bootNoSidebar = () => boot({ htmlFiles: {} });

/** The script's clock (Date.now inside Code.js) set to `now`. */
function setClock(ctx: Record<string, any>, now: () => number) {
  ctx.__clock = now;
  vm.runInContext("Date.now = function () { return __clock(); };", ctx);
}

/** The workbook as HyperFormula input: formulas as {f}, everything else as stored. */
function toEval(gas: FakeGas): { sheets: EvalSheet[]; names: EvalName[] } {
  const sheets = gas.ss.sheets.map((sh) => {
    const { rows, cols } = sh.extent();
    const cells: EvalInput[][] = [];
    for (let r = 1; r <= rows; r++) {
      const line: EvalInput[] = [];
      for (let c = 1; c <= cols; c++) {
        const cell = sh.cell(r, c);
        line.push(!cell ? null : cell.formula !== null ? { f: cell.formula } : cell.value);
      }
      cells.push(line);
    }
    return { name: sh.name, cells };
  });
  const names = gas.ss.namedRanges.map((n) => {
    const { row, col, rows, cols } = n.range.rect;
    const tl = `$${numberToCol(col)}$${row}`;
    const ref = rows === 1 && cols === 1 ? tl : `${tl}:$${numberToCol(col + cols - 1)}$${row + rows - 1}`;
    return { name: n.name, ref: `${quoteSheet(n.range.sheet.name)}!${ref}` };
  });
  return { sheets, names };
}

function ok<T>(res: any): T {
  expect(res, JSON.stringify(res)).toMatchObject({ ok: true });
  return res.value as T;
}

describe("the built files", () => {
  it("Code.js starts with @OnlyCurrentDoc and declares every entry point and PCN_ function at top level", () => {
    expect(CODE.startsWith("/** @OnlyCurrentDoc */")).toBe(true);
    // Also kept where main.ts has it.
    expect(CODE.match(/@OnlyCurrentDoc/g)!.length).toBeGreaterThanOrEqual(2);
    for (const fn of ["onOpen", "onInstall", "showSidebar", "menuBuildAll", "menuCheckRegister", "getState", "buildSheets", "checkRegister", "goTo"]) {
      expect(CODE, fn).toMatch(new RegExp(`^function ${fn}\\(`, "m"));
    }
    for (const f of CATALOGUE) {
      const decl = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\nfunction PCN_${f.name}\\(([^)]*)\\)`);
      const m = decl.exec(CODE);
      expect(m, `top-level function PCN_${f.name} with JSDoc`).not.toBeNull();
      expect(m![1]).toContain("@customfunction");
      expect(m![2].split(",").map((s) => s.trim()).filter(Boolean)).toEqual(f.params.map((p) => p.name));
      for (const p of f.params) expect(m![1]).toMatch(new RegExp(`@param \\{[^}]+\\} ${p.name} `));
    }
  });

  it("appsscript.json asks for exactly the two scopes", () => {
    const manifest = JSON.parse(readFileSync(join(DIST, "appsscript.json"), "utf8"));
    expect(manifest.oauthScopes).toEqual([
      "https://www.googleapis.com/auth/spreadsheets.currentonly",
      "https://www.googleapis.com/auth/script.container.ui",
    ]);
    expect(manifest).toMatchObject({ timeZone: "Europe/London", runtimeVersion: "V8", exceptionLogging: "STACKDRIVER" });
  });

  it("Sidebar.html is one self-contained page with the pane inlined", () => {
    expect(SIDEBAR).not.toMatch(/<script[^>]*\bsrc\s*=/i);
    expect(SIDEBAR).not.toMatch(/<link[^>]*href\s*=\s*["']?(https?:)?\/\//i);
    expect(SIDEBAR).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//i);
    expect(SIDEBAR.match(/<script>/g)).toHaveLength(1);
    expect(SIDEBAR).toContain('<div id="app">');
    expect(SIDEBAR).toContain("pcn-pane"); // the pane's styles and DOM
    expect(SIDEBAR).toContain("withSuccessHandler"); // the bridge over google.script.run
    expect(SIDEBAR).toContain("buildSheets");
    // The inlined script is one parsable program and nothing in it closes the element early.
    const js = SIDEBAR.slice(SIDEBAR.indexOf("<script>") + 8, SIDEBAR.lastIndexOf("</script>"));
    expect(js).not.toMatch(/<\/script/i);
    expect(() => new vm.Script(js)).not.toThrow();
    expect(() => readFileSync(join(DIST, "sidebar.js"))).toThrow();
  });
});

describe("menu and sidebar", () => {
  it("onOpen and onInstall add the add-on menu", () => {
    const { gas, ctx } = boot();
    ctx.onOpen({ authMode: "NONE" });
    expect(gas.menus).toEqual([
      {
        name: "PCN Toolkit",
        items: [
          { caption: "Open sidebar", fn: "showSidebar" },
          { caption: "Build all sheets", fn: "menuBuildAll" },
          { caption: "Check register", fn: "menuCheckRegister" },
        ],
      },
    ]);
    for (const item of gas.menus[0].items) expect(typeof ctx[item.fn], item.fn).toBe("function");
    ctx.onInstall({});
    expect(gas.menus).toHaveLength(2);
  });

  it("showSidebar serves Sidebar.html, its viewport set through addMetaTag (a <meta> in the file is ignored)", () => {
    const { gas, ctx } = boot();
    ctx.showSidebar();
    expect(gas.sidebars).toHaveLength(1);
    expect(gas.sidebars[0].file).toBe("Sidebar");
    expect(gas.sidebars[0].title).toBe("PCN Toolkit");
    expect(gas.sidebars[0].metaTags).toEqual([{ name: "viewport", content: "width=device-width, initial-scale=1" }]);
    expect(SIDEBAR).not.toMatch(/<meta[^>]*name\s*=\s*["']?viewport/i);
    expect(readFileSync(join(ROOT, "sheets-addon", "sidebar.html"), "utf8")).not.toMatch(/<meta[^>]*name\s*=\s*["']?viewport/i);
  });

  it("Build all sheets from the menu builds every sheet here and now, with toasts for progress", () => {
    const { gas, ctx } = boot();
    ctx.menuBuildAll();
    const expected = buildPlan({ sheets: [] }).sheets.map((s) => s.name);
    for (const name of expected) expect(gas.ss.getSheetByName(name), name).not.toBeNull();
    expect(gas.ss.toasts.some((t: string) => /^Building .+ \(\d+ of \d+\)$/.test(t))).toBe(true);
    expect(gas.alerts.at(-1)!.message).toMatch(new RegExp(`^Built ${expected.length} sheet`));
    expect(gas.LockService.lock.held).toBe(false);
  });
});

describe("building", () => {
  it("Build all without a sidebar creates every sheet of the plan and says so", () => {
    const { gas, ctx } = bootNoSidebar();
    ctx.onOpen({});
    ctx.menuBuildAll();
    const expected = buildPlan({ sheets: [] }).sheets.map((s) => s.name);
    for (const name of expected) expect(gas.ss.getSheetByName(name), name).not.toBeNull();
    expect(gas.alerts.at(-1)!.message).toMatch(new RegExp(`^Built ${expected.length} sheet`));
    expect(gas.LockService.lock.held).toBe(false);
    expect(gas.calls.count("SpreadsheetApp.flush")).toBe(0);
    // The state the pane sees afterwards.
    const state = ok<any>(ctx.getState());
    expect(state.host).toBe("sheets");
    expect(state.workbookYear).toBe(YEAR);
    expect(state.sheets.map((s: any) => s.key)).toEqual(sheetCatalogue().map((s) => s.key));
    expect(state.sheets.every((s: any) => s.exists)).toBe(true);
  });

  it("Build all without a sidebar stops between sheets before Apps Script's time limit, and choosing it again finishes", () => {
    const { gas, ctx } = bootNoSidebar();
    const planned = buildPlan({ sheets: [] }).sheets.length;
    // Every service call takes a second; the menu's own start is the clock's first reading.
    setClock(ctx, () => gas.calls.total * 1000);
    ctx.menuBuildAll();
    const m = /^Built (\d+) of (\d+) sheets before Apps Script's time limit; choose Build all sheets again to finish\.$/m.exec(gas.alerts.at(-1)!.message);
    expect(m, gas.alerts.at(-1)!.message).not.toBeNull();
    expect(Number(m![2])).toBe(planned);
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThan(planned);
    expect(gas.LockService.lock.held).toBe(false);
    // Building the rest (rebuilding is idempotent).
    setClock(ctx, () => 0);
    ctx.menuBuildAll();
    expect(gas.alerts.at(-1)!.message).toMatch(new RegExp(`^Built ${planned} sheet`));
    const oneGo = bootNoSidebar();
    oneGo.ctx.menuBuildAll();
    // The same workbook as one uninterrupted build, but for the capacity PCN_Meta records (column E), which the
    // core takes from the rows of a sheet it recognised by its columns (no meta was written before the stop).
    const contents = (g: FakeGas) =>
      g.ss.sheets.map((s) => [s.name, [...s.cells].filter(([k]) => s.name !== "PCN_Meta" || !k.endsWith(",5")).map((c) => JSON.stringify(c)).sort()]);
    expect(contents(gas)).toEqual(contents(oneGo.gas));
  });

  it("a sidebar build call stops at the time budget too and says so in its warnings", () => {
    const { gas, ctx } = boot();
    setClock(ctx, () => gas.calls.total * 1000);
    const res = ok<{ sheetsBuilt: string[]; warnings: string[] }>(ctx.buildSheets({ year: YEAR, sheets: [] }));
    expect(res.warnings[0]).toMatch(/^Built \d+ of \d+ sheets before Apps Script's time limit; build again to finish\.$/);
    expect(res.sheetsBuilt.length).toBeGreaterThan(0);
    setClock(ctx, () => 0);
    const one = ok<{ sheetsBuilt: string[]; warnings: string[] }>(ctx.buildSheets({ year: YEAR, sheets: ["funding"] }));
    expect(one.warnings.join(" ")).not.toMatch(/time limit/);
  });

  describe("the sample network, built sheet by sheet as the sidebar does", () => {
    let gas: FakeGas;
    let ctx: Record<string, any>;
    let sheetsEval: Evaluated;
    let xlsxEval: Evaluated;
    let tmp: string;

    beforeAll(async () => {
      ({ gas, ctx } = boot());
      for (const { key } of sheetCatalogue()) {
        const res = ok<{ sheetsBuilt: string[] }>(ctx.buildSheets({ year: YEAR, sheets: [key], sample: true }));
        expect(res.sheetsBuilt).toContain(key);
      }
      const { sheets, names } = toEval(gas);
      // Sheets and Excel read a name pointing at an empty cell as empty (="" is TRUE): HyperFormula does with this off.
      sheetsEval = evaluate(sheets, names, { evaluateNullToZero: false });
      tmp = mkdtempSync(join(tmpdir(), "pcn-sheets-"));
      const out = await writeWorkbook({ out: join(tmp, "offline.xlsx"), sample: true, quiet: true, year: YEAR });
      xlsxEval = await evaluateXlsx(out.file, { evaluateNullToZero: false });
    });
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it("the Funding sheet's DES entitlements equal the core calculators", () => {
      const y = getYear(YEAR);
      const practices = sampleNetwork(YEAR).practices;
      const sum = (k: "registered" | "weighted" | "adjusted" | "beds") => practices.reduce((a, p) => a + (p[k] ?? 0), 0);
      const pop: Record<string, number> = { registered: sum("registered"), adjusted: sum("adjusted"), beds: sum("beds"), weighted: sum("weighted") };
      // A stream whose rate the rates book does not know shows "Rate unknown", never a number.
      const known = (f: () => number): number | string => { try { return f(); } catch { return "Rate unknown"; } };
      const expected: Record<string, number | string> = {
        core: known(() => corePcnFunding(pop.registered, pop.adjusted, y).annual),
        enhancedAccess: known(() => enhancedAccess(pop.adjusted, y).annual),
        careHomePremium: known(() => careHomePremium(pop.beds, y).annual),
      };
      const grid = sheetsEval.sheetValues("Funding");
      const streams = fundingStreams(y);
      expect(streams.length).toBeGreaterThanOrEqual(3);
      // 2026/27 has no Capacity and Access Payment: it was withdrawn from the DES.
      expect(grid.flat().some((v) => typeof v === "string" && /Capacity and Access/.test(v))).toBe(y.year < "2026/27");
      for (const s of streams) {
        const r = grid.findIndex((row) => row.includes(s.label));
        expect(r, s.label).toBeGreaterThan(0);
        const c = grid[r].indexOf(s.label);
        const annual = grid[r][c + 4];
        const want = expected[s.key] ?? known(() => round2(pop[s.basis] * rateValue(y, s.rates[0])));
        if (typeof want === "string") expect(annual, s.label).toBe(want);
        else expect(annual, s.label).toBeCloseTo(want, 2);
      }
    });

    it("every formula computes without an engine error", () => {
      expect(sheetsEval.errors()).toEqual([]);
    });

    it("every sheet computes the same values as the offline .xlsx", () => {
      // Sheet1 is the new spreadsheet's own first sheet.
      expect(sheetsEval.sheetNames().filter((n) => n !== "Sheet1").sort()).toEqual(xlsxEval.sheetNames().sort());
      for (const name of xlsxEval.sheetNames()) {
        const a = sheetsEval.sheetValues(name);
        const b = xlsxEval.sheetValues(name);
        const rows = Math.max(a.length, b.length);
        for (let r = 0; r < rows; r++) {
          const cols = Math.max(a[r]?.length ?? 0, b[r]?.length ?? 0);
          for (let c = 0; c < cols; c++) {
            const x = a[r]?.[c] ?? null;
            const y = b[r]?.[c] ?? null;
            const where = `${name}!${numberToCol(c + 1)}${r + 1}`;
            if (typeof x === "number" && typeof y === "number") expect(x, where).toBeCloseTo(y, 6);
            else expect(x === "" ? null : x, where).toEqual(y === "" ? null : y);
          }
        }
      }
    });

    it("a rebuild from the same inputs changes nothing", () => {
      const before = toEval(gas);
      // As in Sheets, getValues now gives formula cells their computed values.
      gas.formulaValue = (sheet, row, col) => {
        const v = sheetsEval.get(sheet, `${numberToCol(col)}${row}`);
        return v !== null && typeof v === "object" ? v.error : v;
      };
      ok(ctx.buildSheets({ year: YEAR, sheets: [], sample: true }));
      expect(toEval(gas)).toEqual(before);
    });

    it("Check register returns plain findings and the menu shows them escaped", () => {
      const findings = ok<any[]>(ctx.checkRegister());
      for (const f of findings) expect(f).toMatchObject({ severity: expect.stringMatching(/^(red|amber|info)$/), sheet: expect.any(String), row: expect.any(Number) });
      // The sample's dates are set from today: its tenth partnership reaches its notice date in 5 days, its ninth passed it 20 days ago.
      expect(findings.find((f) => f.ref.startsWith("P-010 ") && /Notice date/.test(f.message))).toMatchObject({ severity: "red", sheet: "Partnerships", row: 11, message: expect.stringMatching(/is in 5 days\.$/) });
      expect(findings.find((f) => f.ref.startsWith("P-009 ") && /Notice date/.test(f.message))).toMatchObject({ severity: "red", row: 10, message: expect.stringMatching(/has passed \(20 days ago\)\.$/) });
      expect(findings.find((f) => f.ref === "A-07")).toMatchObject({ sheet: "ARRS Workforce", message: "OK; estimated maximum: confirm it against the DES or your ICB's claims portal" });
      ctx.menuCheckRegister();
      const dialog = gas.dialogs.at(-1)!;
      expect(dialog.title).toBe(`Check register: ${findings.length} finding(s)`);
      expect(dialog.html).not.toMatch(/<script/i);
      const f = findings[0];
      ok(ctx.goTo(f.sheet, f.row, f.col));
      expect(gas.selection?.sheet).toBe(f.sheet);
    });
  });

  it("practices from the pane stay literal text, whatever they start with", () => {
    const { gas, ctx } = boot();
    const names = ["=HYPERLINK(\"http://x\")", "+44 Surgery", "-Dash Practice", "@Home Practice", "'Quoted", "1234", "TRUE", "2025-01-01"];
    const practices = names.map((name, i) => ({ name, odsCode: i % 2 ? "=1+1" : `0${i}123`, registered: 5000 + i, weighted: 5100 + i, adjusted: 5050 + i, beds: i }));
    ok(ctx.buildSheets({ year: YEAR, sheets: [], practices }));
    const funding = gas.sheet("Practices");
    const col = (header: string) => {
      for (let c = 1; c <= 40; c++) if (funding.cell(1, c)?.value === header) return c;
      throw new Error(`no column ${header}`);
    };
    const nameCol = col("Practice");
    const odsCol = col("ODS code");
    const found = new Map<string, { ods: unknown }>();
    for (let r = 2; r <= funding.extent().rows; r++) {
      const cell = funding.cell(r, nameCol);
      if (!cell) continue;
      expect(cell.formula, `row ${r}`).toBeNull();
      found.set(String(cell.value), { ods: funding.cell(r, odsCol)?.value });
      expect(funding.cell(r, odsCol)?.formula ?? null).toBeNull();
    }
    for (const [i, n] of names.entries()) {
      expect(found.has(n), n).toBe(true);
      expect(found.get(n)!.ods).toBe(i % 2 ? "=1+1" : `0${i}123`);
    }
    const state = ok<any>(ctx.getState());
    expect(state.practices.map((p: any) => p.name)).toEqual(expect.arrayContaining(names));
  });

  it("every person's edit to an input cell survives a rebuild (property)", () => {
    const numEdit = fc.record({ kind: fc.constant("num" as const), row: fc.nat(5), col: fc.constantFrom("registered", "weighted", "adjusted", "beds"), v: fc.oneof(fc.nat(200000), fc.double({ min: 0, max: 99999, noNaN: true })) });
    const textEdit = fc.record({
      kind: fc.constant("text" as const),
      row: fc.nat(5),
      col: fc.constant("odsCode"),
      v: fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom("=SUM(A1:A2)", "+44", "-1", "@me", "'x", "1,000", "TRUE", "Apr-25")).filter((s) => s.trim() !== ""),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(numEdit, textEdit), { minLength: 1, maxLength: 8 }), (edits) => {
        const { gas, ctx } = bootNoSidebar();
        ok(ctx.buildSheets({ year: YEAR, sheets: [], sample: true }));
        const funding = gas.sheet("Practices");
        const header = new Map<string, number>();
        const keys: Record<string, string> = { "ODS code": "odsCode", "Registered list (1 Jan)": "registered", "Weighted list (1 Jan)": "weighted", "PCN adjusted population (1 Jan)": "adjusted", "Care-home beds": "beds" };
        for (let c = 1; c <= 40; c++) {
          const h = funding.cell(1, c)?.value;
          if (typeof h === "string" && keys[h]) header.set(keys[h], c);
        }
        const want = new Map<string, { value: unknown; formula: null }>();
        for (const e of edits) {
          const row = e.row + 2;
          const col = header.get(e.col)!;
          // What the cell holds after the person typed (text entered as literal text).
          funding.put(row, col, { value: e.v, formula: null });
          want.set(`${row},${col}`, { value: e.v, formula: null });
        }
        ctx.menuBuildAll();
        expect(gas.alerts.at(-1)!.message).toMatch(/^Built /);
        for (const [k, v] of want) {
          const [r, c] = k.split(",").map(Number);
          expect(funding.cell(r, c), `Practices ${numberToCol(c)}${r}`).toEqual(v);
        }
      }),
      { numRuns: 12 },
    );
  });

  it("a build makes the same calls whatever the number of rows", () => {
    const count = (n: number) => {
      const { gas, ctx } = boot();
      ok(ctx.buildSheets({ year: YEAR, sheets: [], sample: true }));
      const practices = Array.from({ length: n }, (_, i) => ({ name: `Practice ${i + 1}`, odsCode: `Y${10000 + i}`, registered: 5000 + i, weighted: 5100, adjusted: 5050, beds: i % 3 }));
      gas.calls.reset();
      ok(ctx.buildSheets({ year: YEAR, sheets: ["funding"], practices }));
      return { byMethod: gas.calls.toJSON(), funding: gas.calls.bySheet.get("Funding") };
    };
    const small = count(10);
    const big = count(100);
    expect(big).toEqual(small);
  });
});

describe("server functions turn failures into sentences", () => {
  it("refuses a bad request, an unknown year and a missing sheet", () => {
    const { ctx } = boot();
    expect(ctx.buildSheets(null)).toEqual({ ok: false, error: "The build request is empty." });
    expect(ctx.buildSheets({ year: 2025 })).toEqual({ ok: false, error: "The year must be text such as 2025/26." });
    const bad = ctx.buildSheets({ year: "1999/00", sheets: [] });
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/Unknown financial year "1999\/00"/);
    expect(ctx.goTo("Nope", 3)).toEqual({ ok: false, error: 'There is no sheet called "Nope" any more.' });
  });

  it("a workbook built for one year refuses another", () => {
    const { ctx } = boot();
    ok(ctx.buildSheets({ year: YEAR, sheets: [] }));
    const other = ["2023/24", "2024/25", "2025/26"].find((y) => y !== YEAR)!;
    const res = ctx.buildSheets({ year: other, sheets: [] });
    expect(res.ok).toBe(false);
    expect(res.error).not.toMatch(/Unexpected|Error:/);
    expect(res.error.length).toBeGreaterThan(10);
  });

  it("waits for someone else's build and then says so", () => {
    const { gas, ctx } = bootNoSidebar();
    gas.lockHeldElsewhere = true;
    const res = ctx.buildSheets({ year: YEAR, sheets: [] });
    expect(res.ok).toBe(false);
    expect(res.error).toMatch(/^Someone else is building sheets in this spreadsheet right now/);
    expect(gas.ss.getSheetByName("Funding")).toBeNull();
    ctx.menuBuildAll();
    expect(gas.alerts.at(-1)!.message).toMatch(/^Someone else is building/);
  });
});

describe("custom functions from the built Code.js", () => {
  let ctx: Record<string, any>;
  beforeAll(() => ({ ctx } = boot()));
  const callIn = (name: string, ...args: unknown[]) => ctx[`PCN_${name}`](...args);

  it("gives the documented results", () => {
    expect(callIn("ARRS_ALLOCATION", 30000, "2025/26")).toBe(798930);
    expect(callIn("IIF_ACHIEVEMENT", 600, 1000, 200)).toBe(0.75);
  });

  it("a range gives an array of the same shape", () => {
    const out = callIn("ARRS_ALLOCATION", [[30000, 10000], [20000, 0], [1, 2]], "2025/26");
    expect(out).toHaveLength(3);
    expect(out.map((r: unknown[]) => r.length)).toEqual([2, 2, 2]);
    expect(out[0][0]).toBe(798930);
    expect(out[1][1]).toBe(0);
    const split = callIn("SPLIT", 1000, [[1], [1], [1]]);
    expect(split.map((r: number[]) => r.length)).toEqual([1, 1, 1]);
    expect(split.flat().reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1000, 9);
    const ref = invoke(findFunction("SPLIT"), [1000, [[1], [1], [1]]]);
    expect(split).toEqual(ref.matrix ? ref.cells : null);
  });

  it("bad input throws an Error saying what is wrong", () => {
    const cases: [string, unknown[], RegExp][] = [
      ["ARRS_ALLOCATION", ["lots", "2025/26"], /weighted must be a number, not the text "lots"/],
      ["ARRS_ALLOCATION", [-5], /weighted cannot be negative/],
      ["ARRS_ALLOCATION", [30000, "1999/00"], /Unknown financial year "1999\/00"/],
      ["IIF_ACHIEVEMENT", [], /numerator is missing/],
    ];
    for (const [name, args, msg] of cases) {
      let err: unknown;
      try {
        callIn(name, ...args);
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeDefined();
      expect(Object.prototype.toString.call(err)).toBe("[object Error]");
      expect((err as Error).message).toMatch(msg);
    }
    // Inside an array, a bad cell becomes text, the others still compute.
    const out = callIn("ARRS_ALLOCATION", [[30000], ["x"]], "2025/26");
    expect(out[0][0]).toBe(798930);
    expect(out[1][0]).toMatch(/^#ERROR: weighted must be a number/);
  });

  it("gives the same values as the Excel functions (core invoke) for every catalogue example", () => {
    let checked = 0;
    for (const f of CATALOGUE) {
      let args: unknown[];
      try {
        args = JSON.parse(`[${f.example.args}]`);
      } catch {
        continue; // array-literal examples ({1;1;1}) are covered above
      }
      // Date parameters arrive from Sheets as Date objects of the script's realm.
      const vmArgs = args.map((a, i) =>
        f.params[i]?.type === "date" && typeof a === "string" ? vm.runInContext(`new Date(${a.slice(0, 4)}, ${Number(a.slice(5, 7)) - 1}, ${Number(a.slice(8, 10))})`, ctx) : a,
      );
      const ref = invoke(findFunction(f.name), args);
      let got: unknown;
      let err: string | undefined;
      try {
        got = callIn(f.name, ...vmArgs);
      } catch (e) {
        err = (e as Error).message;
      }
      if (ref.matrix) expect(got, f.name).toEqual(ref.cells.map((r) => r.map((v) => (v instanceof CellError ? `#ERROR: ${v.message}` : v))));
      else if (ref.value instanceof CellError) expect(err, f.name).toBe(ref.value.message);
      else {
        expect(err, f.name).toBeUndefined();
        expect(got, f.name).toEqual(ref.value);
        if (typeof ref.value === "number" && /^-?[\d.]+$/.test(f.example.result)) expect(ref.value).toBeCloseTo(Number(f.example.result), 2);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});
