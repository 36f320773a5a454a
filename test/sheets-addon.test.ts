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
import { scriptRun } from "./fakes/scriptRun";
import { AppsScriptBridge } from "../sheets-addon/sidebar-bridge";

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

/** A fresh spreadsheet with the built Code.js loaded over it, its Date.now on the fake's clock. */
function boot(opts: Parameters<typeof createFakeGas>[0] = {}): { gas: FakeGas; ctx: Record<string, any> } {
  const gas = createFakeGas({ htmlFiles: { Sidebar: SIDEBAR }, ...opts });
  const ctx = gas.context();
  vm.runInContext(CODE, ctx, { filename: "Code.js" });
  return { gas, ctx };
}

/** A spreadsheet where the sidebar cannot be shown (no Sidebar page): the menu builds in-process. */
const bootNoSidebar = (opts: Parameters<typeof createFakeGas>[0] = {}) => boot({ htmlFiles: {}, ...opts });

/** One execution of a top-level function of Code.js, as Apps Script runs it (its time limit enforced). */
const exec = (gas: FakeGas, ctx: Record<string, any>, fn: string, ...args: unknown[]) => gas.execute(fn, () => ctx[fn](...args));

/** Every call a second: the sample no longer fits one execution. */
const SLOW = { costs: { call: 1000, service: 1000 } };

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
    for (const fn of ["onOpen", "onInstall", "showSidebar", "menuBuildAll", "menuCheckRegister", "menuRunSelfTest", "getState", "buildSheets", "checkRegister", "goTo", "setBuilderName", "runSelfTest"]) {
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

  it("appsscript.json asks for exactly the two scopes, and Apps Script logs no exception messages (they can quote cells)", () => {
    const manifest = JSON.parse(readFileSync(join(DIST, "appsscript.json"), "utf8"));
    expect(manifest.oauthScopes).toEqual([
      "https://www.googleapis.com/auth/spreadsheets.currentonly",
      "https://www.googleapis.com/auth/script.container.ui",
    ]);
    // A custom function's error ("weighted must be a number, not the text ...") would otherwise reach the owner's Cloud Logging.
    expect(manifest).toMatchObject({ timeZone: "Europe/London", runtimeVersion: "V8", exceptionLogging: "NONE" });
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
  const MENU = [
    { caption: "Open sidebar", fn: "showSidebar" },
    { caption: "Build all sheets", fn: "menuBuildAll" },
    { caption: "Check register", fn: "menuCheckRegister" },
    { caption: "Run self-test", fn: "menuRunSelfTest" },
  ];

  it("onOpen adds the add-on menu under AuthMode.NONE (Code.js loaded and run touching only what that mode allows)", () => {
    const gas = createFakeGas({ htmlFiles: { Sidebar: SIDEBAR } });
    const ctx = gas.context();
    // An add-on opened in a file it has not been used in: the whole script runs in AuthMode.NONE, its loading too.
    gas.execute("onOpen", () => {
      vm.runInContext(CODE, ctx, { filename: "Code.js" });
      ctx.onOpen({ authMode: "NONE" });
    }, { mode: "NONE" });
    expect(gas.menus).toEqual([{ name: "PCN Toolkit", items: MENU }]);
    for (const item of gas.menus[0].items) expect(typeof ctx[item.fn], item.fn).toBe("function");
    expect(gas.executions.at(-1)!.calls.toJSON()).toEqual({ "Menu.addItem": 4, "Menu.addSeparator": 1, "Menu.addToUi": 1, "SpreadsheetApp.getUi": 1, "Ui.createAddonMenu": 1 });
    // The sandbox does refuse what AuthMode.NONE does not allow (so the test above can fail).
    expect(() => gas.execute("onOpen", () => ctx.getState(), { mode: "NONE" })).not.toThrow();
    expect(gas.execute("onOpen", () => ctx.getState(), { mode: "NONE" })).toMatchObject({ ok: false, error: expect.stringMatching(/You do not have permission to call SpreadsheetApp\.getActiveSpreadsheet/) });
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
    const plan = buildPlan({ sheets: [] }).sheets;
    const expected = plan.map((s) => s.name);
    for (const name of expected) expect(gas.ss.getSheetByName(name), name).not.toBeNull();
    expect(gas.ss.toasts.some((t: string) => /^Building .+ \(\d+ of \d+\)$/.test(t))).toBe(true);
    // Counted as the pane counts: the sheets a person sees (helper sheets are built too, hidden).
    expect(gas.alerts.at(-1)!.message).toMatch(new RegExp(`^Built ${plan.filter((s) => !s.hidden).length} sheet`));
    expect(gas.LockService.lock.held).toBe(false);
  });
});

describe("building", () => {
  it("Build all without a sidebar creates every sheet of the plan and says so", () => {
    const { gas, ctx } = bootNoSidebar();
    ctx.onOpen({});
    ctx.menuBuildAll();
    const plan = buildPlan({ sheets: [] }).sheets;
    const expected = plan.map((s) => s.name);
    for (const name of expected) expect(gas.ss.getSheetByName(name), name).not.toBeNull();
    // Counted as the pane counts: the sheets a person sees (helper sheets are built too, hidden).
    expect(gas.alerts.at(-1)!.message).toMatch(new RegExp(`^Built ${plan.filter((s) => !s.hidden).length} sheet`));
    expect(gas.LockService.lock.held).toBe(false);
    expect(gas.calls.count("SpreadsheetApp.flush")).toBe(0);
    // The state the pane sees afterwards.
    const state = ok<any>(ctx.getState());
    expect(state.host).toBe("sheets");
    expect(state.workbookYear).toBe(YEAR);
    expect(state.sheets.map((s: any) => s.key)).toEqual(sheetCatalogue().map((s) => s.key));
    expect(state.sheets.every((s: any) => s.exists)).toBe(true);
  });

  it("Build all from the menu stops before Apps Script's time limit, and choosing it again carries on to the same workbook as one run", () => {
    const { gas, ctx } = bootNoSidebar(SLOW);
    // Counted as the pane counts: the sheets a person sees.
    const planned = buildPlan({ sheets: [] }).sheets.filter((s) => !s.hidden).length;
    exec(gas, ctx, "menuBuildAll");
    const m = /^Built (\d+) of (\d+) sheets before Apps Script's time limit; choose Build all sheets again to finish\.$/m.exec(gas.alerts.at(-1)!.message);
    expect(m, gas.alerts.at(-1)!.message).not.toBeNull();
    expect(Number(m![2])).toBe(planned);
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThan(planned);
    expect(gas.LockService.lock.held).toBe(false);
    let runs = 1;
    while (!/^Built \d+ sheet\(s\)\./.test(gas.alerts.at(-1)!.message) && runs < 20) {
      exec(gas, ctx, "menuBuildAll");
      runs++;
    }
    expect(gas.alerts.at(-1)!.message).toMatch(new RegExp(`^Built ${planned} sheet`));
    // No execution passed Apps Script's limit, and none was cut off.
    for (const e of gas.executions) expect(e.elapsed).toBeLessThan(360000);
    expect(gas.executions.every((e) => !e.killed)).toBe(true);
    const oneGo = bootNoSidebar();
    oneGo.ctx.menuBuildAll();
    // A change-journal entry says when its build ran: compared by how many rows the journal holds, below its header.
    const contents = (g: FakeGas) => g.ss.sheets.map((s) => [s.name, s.name === "Change Journal"
      ? [...[...s.cells].filter(([k]) => String(k).startsWith("1,")).map((c) => JSON.stringify(c)).sort(), new Set([...s.cells.keys()].map((k) => String(k).split(",")[0])).size]
      : [...s.cells].map((c) => JSON.stringify(c)).sort()]);
    expect(contents(gas)).toEqual(contents(oneGo.gas));
    expect(gas.documentProperties.getProperty("PCN_BUILD_MARKER")).toBeNull();
    expect(gas.documentProperties.getProperty("PCN_BUILD_LEASE")).toBeNull();
  });

  it("a sidebar build call stops at the time budget too, and says how far it got", () => {
    const { gas, ctx } = boot(SLOW);
    const res = ok<{ sheetsBuilt: string[]; warnings: string[]; done: boolean; progress: { done: number; total: number } }>(exec(gas, ctx, "buildSheets", { year: YEAR, sheets: [] }));
    expect(res.done).toBe(false);
    expect(res.warnings[0]).toMatch(/^Built \d+ of \d+ sheets before Apps Script's time limit; build again to finish\.$/);
    expect(res.sheetsBuilt.length).toBeGreaterThan(0);
    // Progress counts the sheets a person sees (helper sheets, keyed "_…", are built hidden).
    expect(res.progress.done).toBe(res.sheetsBuilt.filter((k) => !k.startsWith("_")).length);
  });

  describe("the sample network, built through the sidebar's bridge", () => {
    let gas: FakeGas;
    let ctx: Record<string, any>;
    let sheetsEval: Evaluated;
    let xlsxEval: Evaluated;
    let tmp: string;

    beforeAll(async () => {
      ({ gas, ctx } = boot());
      const bridge = new AppsScriptBridge(scriptRun(gas, ctx));
      await bridge.getState();
      const res = await bridge.build({ year: YEAR, sheets: [], sample: true }, () => {});
      for (const { key } of sheetCatalogue()) expect(res.sheetsBuilt).toContain(key);
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
        // The change journal says which host built, who and when: one entry in each, below the same header.
        if (name === "Change Journal") {
          expect(a.length, name).toBe(2);
          expect(b.length, name).toBe(2);
          expect(a[0], name).toEqual(b[0]);
          expect(a[1][1], name).toBe("Google Sheets");
          continue;
        }
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
      // Nothing changes but the change journal, which gains this build's entry below the last.
      const after = toEval(gas);
      const journal = (e: typeof after) => e.sheets.find((x) => x.name === "Change Journal")!.cells;
      expect(journal(after).slice(0, journal(before).length)).toEqual(journal(before));
      expect(journal(after).length).toBe(journal(before).length + 1);
      const others = (e: typeof after) => ({ ...e, sheets: e.sheets.filter((x) => x.name !== "Change Journal") });
      expect(others(after)).toEqual(others(before));
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
      // The properties (lease, marker) hold fingerprints of the request, not the request.
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

  it("a document lock someone else holds is waited for, then refused with a sentence; a missing one falls back to the script lock", () => {
    const { gas, ctx } = bootNoSidebar();
    gas.documentLock = "busy";
    const res = exec(gas, ctx, "buildSheets", { year: YEAR, sheets: [] });
    expect(res.ok).toBe(false);
    expect(res.error).toMatch(/^PCN Toolkit could not get hold of this spreadsheet for 10 seconds/);
    expect(gas.ss.getSheetByName("Funding")).toBeNull();
    exec(gas, ctx, "menuBuildAll");
    expect(gas.alerts.at(-1)!.message).toMatch(/^PCN Toolkit could not get hold of this spreadsheet/);
    // Apps Script gives no document lock (null): the script lock is held for the moment instead, and the build goes ahead.
    gas.documentLock = "null";
    ok(exec(gas, ctx, "buildSheets", { year: YEAR, sheets: [] }));
    expect(gas.calls.count("LockService.getScriptLock")).toBeGreaterThan(0);
    expect(gas.LockService.scriptLockObj.held).toBe(false);
    expect(gas.ss.getSheetByName("Funding")).not.toBeNull();
    // Both unavailable: refused, nothing half-done.
    const other = bootNoSidebar();
    other.gas.documentLock = "null";
    other.gas.scriptLock = "busy";
    expect(exec(other.gas, other.ctx, "buildSheets", { year: YEAR, sheets: [] })).toMatchObject({ ok: false, error: expect.stringMatching(/could not get hold/) });
    expect(other.gas.ss.getSheetByName("Funding")).toBeNull();
  });

  it("an unexpected failure is logged without its message (it could quote the spreadsheet); the person is told", () => {
    const logged: string[] = [];
    const gas = createFakeGas({ htmlFiles: {} });
    const ctx = gas.context({ console: { log() {}, info() {}, warn() {}, error: (...a: unknown[]) => logged.push(a.join(" ")) } });
    vm.runInContext(CODE, ctx, { filename: "Code.js" });
    const secret = "Patient Jane Doe 01/02/1960";
    (gas.ss as any).getSheets = () => {
      throw new TypeError(`Cannot read properties of undefined (reading '${secret}')`);
    };
    const res = exec(gas, ctx, "getState");
    expect(res.ok).toBe(false);
    expect(res.error).toContain("Unexpected problem");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^PCN Toolkit: unexpected TypeError \(message withheld/);
    expect(logged[0]).not.toContain(secret);
  });
});

describe("custom functions from the built Code.js", () => {
  let ctx: Record<string, any>;
  let gas: FakeGas;
  beforeAll(() => ({ gas, ctx } = boot()));
  // Each call as Sheets makes it: an execution in the custom-function sandbox (read-only Spreadsheet, no Ui, 30 s).
  const callIn = (name: string, ...args: unknown[]) => gas.execute(`PCN_${name}`, () => ctx[`PCN_${name}`](...args), { mode: "CUSTOM_FUNCTION" });

  it("every custom function runs with only the services a custom function may use", () => {
    const mine = CATALOGUE.map((f) => `PCN_${f.name}`).filter((n) => typeof ctx[n] === "function");
    // Every function the built Code.js declares, PCN_FY included.
    const declared = [...CODE.matchAll(/^function (PCN_[A-Z0-9_]+)\(/gm)].map((m) => m[1]);
    expect(declared.length).toBeGreaterThanOrEqual(CATALOGUE.length);
    expect(mine.length).toBe(CATALOGUE.length);
    const date = vm.runInContext("new Date(2025, 5, 1)", ctx);
    for (const fn of declared) {
      const f = CATALOGUE.find((c) => `PCN_${c.name}` === fn) ?? CATALOGUE.find((c) => c.name === "FIN_YEAR")!;
      // The catalogue's own example, dates as the Date objects Sheets passes; array examples as a small range.
      let args: unknown[];
      try {
        args = JSON.parse(`[${f.example.args}]`);
      } catch {
        args = f.params.map((p) => (p.type === "number" ? [[1], [1], [1]] : null));
      }
      args = args.map((a, i) => (f.params[i]?.type === "date" ? date : a));
      let err: unknown;
      try {
        gas.execute(fn, () => ctx[fn](...args), { mode: "CUSTOM_FUNCTION" });
      } catch (e) {
        err = e;
      }
      // A sentence about the input would be fine; reaching for a service a custom function may not use is not.
      if (err) expect((err as Error).message, fn).not.toMatch(/permission|Cannot call|Authorization|Exceeded/i);
      expect(gas.executions.at(-1)!.killed, fn).toBe(false);
    }
    // The sandbox does refuse what a custom function may not do.
    expect(() => gas.execute("x", () => vm.runInContext("SpreadsheetApp.getUi()", ctx), { mode: "CUSTOM_FUNCTION" })).toThrow(/Cannot call SpreadsheetApp.getUi/);
    expect(() => gas.execute("x", () => vm.runInContext("SpreadsheetApp.getActiveSpreadsheet().insertSheet('x')", ctx), { mode: "CUSTOM_FUNCTION" })).toThrow(/permission/);
    // A date argument reads the spreadsheet's time zone: a read, which the sandbox allows (and it did run).
    expect(gas.calls.count("Spreadsheet.getSpreadsheetTimeZone")).toBeGreaterThan(0);
  });

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
