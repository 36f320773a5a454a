/**
 * sheets-addon/writer.ts on the fake SpreadsheetApp with hand-made plans: literal text, formulas, dates and
 * time zones, rules, charts and names on rebuild, and a call count that does not grow with rows.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { a1, type PlanCell, type SheetPlan, type WritePlan } from "../core/workbook/plan";
import { buildPlan } from "../core/workbook/build";
import { largeNetwork } from "../core/workbook/sample";
import { applyPlan, columnWidthCalls, dateToSerialFn, needsApostrophe, PX_PER_CHAR, readSnapshot, toSheetValue } from "../sheets-addon/writer";
import { createFakeGas, dateToSerial, serialToDate, type FakeGas } from "./fakes/fakeSheets";

let gas: FakeGas;
const saved: Record<string, unknown> = {};

function install(g: FakeGas) {
  gas = g;
  for (const [k, v] of Object.entries(g.globals)) {
    saved[k] = (globalThis as any)[k];
    (globalThis as any)[k] = v;
  }
}
beforeEach(() => install(createFakeGas()));
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) (globalThis as any)[k] = v;
});

const ss = () => (globalThis as any).SpreadsheetApp.getActiveSpreadsheet();
const R = (row: number, col: number, rows = 1, cols = 1) => ({ row, col, rows, cols });

function sheetPlan(over: Partial<SheetPlan> & { key: string; name: string }): SheetPlan {
  return {
    create: true,
    blocks: [],
    clears: [],
    formats: [],
    styles: [],
    validations: [],
    conditionalFormats: [],
    freeze: { rows: 0, cols: 0 },
    columnWidths: [],
    charts: [],
    ...over,
  };
}

/** A register-like sheet of n rows with every kind of rule, a list sheet, a chart sheet and names. */
function handPlan(n: number): WritePlan {
  const rows: PlanCell[][] = [["Ref", "Name", "Amount", "Start", "Status", "Doubled"]];
  for (let i = 0; i < n; i++) {
    const r = i + 2;
    rows.push([`R-${i + 1}`, i % 7 === 0 ? "=not a formula" : `Name ${i}`, 1000 + i, { d: "2025-04-01" }, i % 2 ? "Open" : "Closed", { f: `=IF(C${r}="","",C${r}*2)` }]);
  }
  const data = sheetPlan({
    key: "register",
    name: "Register",
    blocks: [{ row: 0, col: 0, cells: rows }],
    clears: [R(n + 1, 0, 5, 6)],
    formats: [
      { range: R(1, 2, n, 1), format: '"£"#,##0.00' },
      { range: R(1, 5, n, 1), format: '"£"#,##0.00' },
      { range: R(1, 3, n, 1), format: "dd/mm/yyyy" },
      { range: R(1, 1, n, 1), format: "@" },
    ],
    styles: [
      { range: R(0, 0, 1, 6), bold: true, fill: "#1F4E79", fontColor: "#FFFFFF", wrap: true },
      { range: R(1, 5, n, 1), fill: "#F2F2F2", italic: true },
    ],
    validations: [
      { range: R(1, 4, n, 1), list: ["Open", "Closed"], message: "Open or Closed." },
      { range: R(1, 2, n, 1), number: { min: 0 }, message: "A positive amount." },
      { range: R(1, 3, n, 1), date: true, message: "A date." },
      { range: R(1, 0, n, 1), listSource: "Lists!$A$1:$A$3", message: "A known ref." },
      { range: R(1, 1, n, 1), number: { min: 1, max: 10, integer: true }, message: "Whole number 1-10." },
    ],
    conditionalFormats: [{ range: R(1, 4, n, 1), formula: '=$E2="Open"', fill: "#FFE699", font: "#7F6000" }],
    freeze: { rows: 1, cols: 1 },
    columnWidths: [0, 1, 2, 3, 4, 5].map((col) => ({ col, width: col < 3 ? 12 : 20 })),
    table: { name: "PCN_Register", range: R(0, 0, n + 1, 6) },
  });
  const lists = sheetPlan({ key: "_lists", name: "Lists", hidden: true, blocks: [{ row: 0, col: 0, cells: [["R-1"], ["R-2"], ["R-3"]] }] });
  const charts = sheetPlan({
    key: "charts",
    name: "Charts",
    blocks: [{ row: 0, col: 0, cells: [["Charts"]] }],
    charts: [
      {
        type: "line",
        title: "Amounts",
        anchor: R(2, 0, 15, 6),
        categories: { sheet: "Register", range: R(1, 0, n, 1) },
        series: [{ name: "Amount", sheet: "Register", range: R(1, 2, n, 1), color: "#0F6CBD" }],
      },
    ],
  });
  return {
    year: "2025/26",
    sheets: [lists, data, charts],
    names: [
      { name: "Register_Amount", sheet: "Register", range: R(1, 2, n, 1) },
      { name: "Missing_Sheet", sheet: "Nowhere", range: R(0, 0) },
    ],
    warnings: [],
  };
}

/** Calls per sheet (delta between progress ticks) of one applyPlan. */
function applyCounting(plan: WritePlan): Record<string, Record<string, number>> {
  const per: Record<string, Record<string, number>> = {};
  let label = "(setup)";
  let before = new Map(gas.calls.byMethod);
  const close = () => {
    const d: Record<string, number> = {};
    for (const [m, c] of gas.calls.byMethod) if (c - (before.get(m) ?? 0)) d[m] = c - (before.get(m) ?? 0);
    per[label] = d;
    before = new Map(gas.calls.byMethod);
  };
  applyPlan(ss(), plan, (p) => {
    close();
    label = p.label;
  });
  close();
  return per;
}

describe("literal text", () => {
  const tricky = [
    "=1+1", "+44 1234 567890", "-5 degrees", "-x", "@me", "'quoted", "''", "123", "0123", "1,234", "12%", "£5", "$5",
    "1e5", " 42 ", "TRUE", "false", "2025-01-01", "1/2/2025", "Apr-25", "April 2025", "1 January 2025", "3pm", "12:30",
    "(12)", ".5", "Mar", "Name 1", "", "=", "#N/A",
  ];

  it("needsApostrophe flags what Sheets would not keep as the same text", () => {
    for (const s of ["=1+1", "+44", "-x", "@me", "'q", "123", "1,234", "12%", "£5", "TRUE", "2025-01-01", "1/2/2025", "Apr-25", "1 January 2025", "12:30"]) {
      expect(needsApostrophe(s), s).toBe(true);
    }
    for (const s of ["Riverside Surgery", "Open", "A81001", "Care Coordinator", "n/a", ""]) expect(needsApostrophe(s), s).toBe(false);
    expect(toSheetValue({ f: "=A1" })).toBe("=A1");
    expect(toSheetValue({ d: "2025-04-01" })).toBe(45748);
    expect(toSheetValue(null)).toBe("");
  });

  it("plain strings come back as the same text, in normal and plain-text cells", () => {
    const cells = tricky.map((s) => [s, s]);
    const plan: WritePlan = {
      year: "2025/26",
      names: [],
      warnings: [],
      sheets: [sheetPlan({ key: "t", name: "T", blocks: [{ row: 0, col: 0, cells }], formats: [{ range: R(0, 1, tricky.length, 1), format: "@" }] })],
    };
    applyPlan(ss(), plan);
    const sh = gas.sheet("T");
    tricky.forEach((s, i) => {
      for (const col of [1, 2]) {
        const c = sh.cell(i + 1, col);
        if (s === "") expect(c).toBeUndefined();
        else expect(c, `${s} in column ${col}`).toEqual({ value: s, formula: null });
      }
    });
  });

  it("any string survives the round trip (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom(...tricky), fc.stringMatching(/^[=+\-@'0-9.,%£$:/ eE-]{1,8}$/)), { minLength: 1, maxLength: 20 }), (strings) => {
        install(createFakeGas());
        applyPlan(ss(), { year: "2025/26", names: [], warnings: [], sheets: [sheetPlan({ key: "p", name: "P", blocks: [{ row: 0, col: 0, cells: strings.map((s) => [s]) }] })] });
        const snap = readSnapshot(ss()).sheets.find((s) => s.name === "P")!;
        strings.forEach((s, i) => {
          expect(snap.values[i]?.[0] ?? null).toBe(s === "" ? null : s);
          expect(snap.formulas[i]?.[0] ?? null).toBeNull();
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe("applyPlan", () => {
  it("writes values, formulas, dates, rules, charts and names", () => {
    const res = applyPlan(ss(), handPlan(20));
    expect(res.sheetsBuilt).toEqual(["_lists", "register", "charts"]);
    const reg = gas.sheet("Register");
    expect(reg.cell(1, 1)).toEqual({ value: "Ref", formula: null });
    expect(reg.cell(2, 2)).toEqual({ value: "=not a formula", formula: null }); // "@" column: stored as it is
    expect(reg.cell(2, 6)).toEqual({ value: null, formula: '=IF(C2="","",C2*2)' });
    expect(reg.cell(2, 4)?.value).toBe(45748);
    expect(reg.formats.get("2,4")).toBe("dd/mm/yyyy");
    expect(reg.frozenRows).toBe(1);
    expect(reg.frozenCols).toBe(1);
    expect(reg.columnWidths.get(1)).toBe(84);
    expect(reg.columnWidths.get(6)).toBe(140);
    expect(reg.validations.map((v) => v.validation.criteria.type).sort()).toEqual(
      ["CUSTOM_FORMULA", "DATE_IS_VALID_DATE", "NUMBER_GREATER_THAN_OR_EQUAL_TO", "VALUE_IN_LIST", "VALUE_IN_RANGE"],
    );
    expect(reg.validations.every((v) => v.validation.allowInvalid === false && v.validation.helpText)).toBe(true);
    expect(reg.cfRules).toHaveLength(1);
    expect(reg.cfRules[0].condition.formula).toBe('=$E2="Open"');
    expect(reg.filter).not.toBeNull();
    expect(reg.styleOps).toContainEqual({ a1: "A1:F1", prop: "fontWeight", value: "bold" });
    expect(gas.sheet("Lists").hidden).toBe(true);
    const chart = gas.sheet("Charts").charts[0];
    expect(chart.options.get("title")).toBe("Amounts");
    expect(chart.position).toEqual({ row: 3, col: 1 });
    expect(chart.ranges.map((r) => `${r.sheet.name}!${r.getA1Notation()}`)).toEqual(["Register!A2:A21", "Register!C2:C21"]);
    expect(gas.ss.namedRanges.map((n) => n.name)).toEqual(["Register_Amount"]);
    expect(gas.ss.namedRanges[0].range.getA1Notation()).toBe("C2:C21");
  });

  it("a rebuild replaces our rules, charts and names and keeps the person's", () => {
    applyPlan(ss(), handPlan(20));
    const reg = gas.sheet("Register");
    // The person adds a rule on another column and a chart of their own.
    const api = ss().getSheetByName("Register");
    const rule = (f: string, a1: string) => (globalThis as any).SpreadsheetApp.newConditionalFormatRule().whenFormulaSatisfied(f).setBackground("#000000").setRanges([api.getRange(a1)]).build();
    // Theirs: one elsewhere, one on part of our column. An old rule of ours on exactly our range goes.
    api.setConditionalFormatRules([...api.getConditionalFormatRules(), rule('=$A2="X"', "A2:A21"), rule('=$E3="Y"', "E3:E5"), rule("=FALSE", "E2:E26")]);
    const chartsApi = ss().getSheetByName("Charts");
    chartsApi.insertChart(chartsApi.newChart().asLineChart().addRange(api.getRange("C2:C21")).setOption("title", "Mine").setPosition(30, 1, 0, 0).build());

    applyPlan(ss(), handPlan(25));
    expect(reg.cfRules.map((r) => r.condition.formula)).toEqual(['=$A2="X"', '=$E3="Y"', '=$E2="Open"']);
    expect(gas.sheet("Charts").charts.map((c) => c.options.get("title")).sort()).toEqual(["Amounts", "Mine"]);
    expect(gas.ss.namedRanges).toHaveLength(1);
    expect(gas.ss.namedRanges[0].range.getA1Notation()).toBe("C2:C26");
    expect(gas.ss.sheets.map((s) => s.name)).toEqual(["Sheet1", "Lists", "Register", "Charts"]);
  });

  it("skips a dropdown whose source sheet does not exist, with a warning", () => {
    const plan = handPlan(3);
    plan.sheets = plan.sheets.filter((s) => s.key !== "_lists");
    const res = applyPlan(ss(), plan);
    expect(res.warnings.join(" ")).toMatch(/Lists!\$A\$1:\$A\$3/);
    expect(gas.sheet("Register").validations).toHaveLength(4);
  });

  it("splits a ragged block instead of padding over other cells", () => {
    gas.type("Sheet1", "C2", "typed by a person");
    applyPlan(ss(), {
      year: "2025/26",
      names: [],
      warnings: [],
      sheets: [sheetPlan({ key: "s", name: "Sheet1", create: false, blocks: [{ row: 0, col: 0, cells: [["a", "b", "c"], ["d", "e"], ["f", "g"]] }] })],
    });
    const sh = gas.sheet("Sheet1");
    expect(sh.cell(2, 3)?.value).toBe("typed by a person");
    expect(sh.cell(3, 2)?.value).toBe("g");
  });

  it("makes a constant number of calls per sheet whatever the row count", () => {
    const small = applyCounting(handPlan(100));
    install(createFakeGas());
    const big = applyCounting(handPlan(1000));
    expect(Object.keys(big)).toEqual(["(setup)", "Lists", "Register", "Charts", "Workbook names"]);
    expect(big).toEqual(small);
    expect(big.Register["Range.setValues"]).toBe(1);
    expect(gas.calls.count("SpreadsheetApp.flush")).toBe(0);
  });
});

describe("fewer calls, same result", () => {
  it("column widths: the fewest setColumnWidths calls, touching only planned columns", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gap: fc.nat(2), width: fc.constantFrom(8, 9, 12, 20) }), { minLength: 1, maxLength: 24 }), (spec) => {
        let col = 0;
        const widths = spec.map((s) => ({ col: (col += s.gap === 2 ? 2 : 1), width: s.width }));
        const calls = columnWidthCalls(widths);
        const got = new Map<number, number>();
        for (const c of calls) for (let i = 0; i < c.count; i++) got.set(c.col + i, c.px);
        expect([...got.keys()].sort((a, b) => a - b)).toEqual(widths.map((w) => w.col));
        for (const w of widths) expect(got.get(w.col)).toBe(Math.round(w.width * PX_PER_CHAR));
        // Never more than one call per run of equal widths.
        const runs = widths.filter((w, i) => i === 0 || w.col !== widths[i - 1].col + 1 || w.width !== widths[i - 1].width).length;
        expect(calls.length).toBeLessThanOrEqual(runs);
      }),
      { numRuns: 200 },
    );
    // A width under its neighbours is laid once and painted over: 3 calls, not 5 runs.
    expect(columnWidthCalls([9, 20, 9, 12, 9].map((width, col) => ({ col, width })))).toHaveLength(3);
  });

  it("rules built from shared builders each keep their own criterion, message, colours and range", () => {
    const plan = buildPlan({ sheets: [] }, { sample: true, today: "2025-10-01" });
    const res = applyPlan(ss(), plan);
    expect(res.warnings).toEqual([]);
    for (const p of plan.sheets) {
      const sh = gas.sheet(p.name);
      expect(sh.validations, p.name).toHaveLength(new Set(p.validations.map((v) => a1(v.range))).size);
      for (const v of p.validations) {
        const got = sh.validationMap.get(a1(v.range))!.validation;
        expect(got.helpText, `${p.name}!${a1(v.range)}`).toBe(v.message);
        expect(got.allowInvalid).toBe(false);
        const type = v.list ? "VALUE_IN_LIST" : v.listSource ? "VALUE_IN_RANGE" : v.date ? "DATE_IS_VALID_DATE" : undefined;
        if (type) expect(got.criteria.type, `${p.name}!${a1(v.range)}`).toBe(type);
        if (v.list) expect(got.criteria.args[0]).toEqual(v.list);
        // A formula criterion refers to its own range's top-left cell.
        if (got.criteria.type === "CUSTOM_FORMULA") expect(String(got.criteria.args[0])).toContain(`ISNUMBER(${a1({ ...v.range, rows: 1, cols: 1 })})`);
      }
      expect(
        sh.cfRules.map((r) => [r.condition.formula, r.condition.background, r.condition.fontColor, r.ranges.map((x) => x.getA1Notation())]),
        p.name,
      ).toEqual(p.conditionalFormats.map((c) => [c.formula.startsWith("=") ? c.formula : `=${c.formula}`, c.fill, c.font, [a1(c.range)]]));
    }

    // The same A1 and colours on the next sheet: the shared builder must still take that sheet's range.
    install(createFakeGas());
    const cf = (f: string) => ({ range: R(1, 1, 4, 1), formula: f, fill: "#FFE699" });
    applyPlan(ss(), { year: "2025/26", names: [], warnings: [], sheets: ["A", "B"].map((n) => sheetPlan({ key: n, name: n, conditionalFormats: [cf(`=$B2="${n}"`)] })) });
    for (const n of ["A", "B"]) expect(gas.sheet(n).cfRules.map((r) => r.ranges.map((x) => `${x.sheet.name}!${x.getA1Notation()}`))).toEqual([[`${n}!B2:B5`]]);
  });

  it("fetches a sheet's ranges at once, reads nothing back from a sheet it inserted, and sets each name in one call", () => {
    const first = applyCounting(handPlan(50));
    const reg = first.Register;
    expect(reg["Sheet.getRange"] ?? 0).toBe(0);
    expect(reg["RangeList.getRanges"]).toBe(1);
    for (const m of ["Sheet.getConditionalFormatRules", "Sheet.getCharts", "Sheet.getFilter"]) expect(reg[m] ?? 0, m).toBe(0);
    // One builder per build; one build() per distinct rule.
    expect(reg["SpreadsheetApp.newDataValidation"]).toBe(1);
    expect(reg["DataValidationBuilder.build"]).toBe(5);
    expect(first["Workbook names"]).toEqual({ "Spreadsheet.getNamedRanges": 1, "Spreadsheet.getSheetByName": 1, "Spreadsheet.setNamedRange": 1 });

    // A rebuild reads back what a person may have changed.
    const again = applyCounting(handPlan(50));
    for (const m of ["Sheet.getConditionalFormatRules", "Sheet.getFilter"]) expect(again.Register[m], m).toBe(1);
    expect(again.Charts["Sheet.getCharts"]).toBe(1);
    expect(again["Workbook names"]).toEqual({ "Spreadsheet.getNamedRanges": 1, "NamedRange.getName": 1, "Spreadsheet.getSheetByName": 1, "NamedRange.setRange": 1 });
  });
});

describe("real plans", () => {
  it("per-sheet calls do not grow with the network (large network at 1/10 and full size)", () => {
    const counts = (scale: number) => {
      install(createFakeGas());
      const plan = buildPlan({ sheets: [] }, { data: largeNetwork(scale), today: "2025-10-01" });
      const rows = Object.fromEntries(plan.sheets.map((s) => [s.name, s.blocks.reduce((n, b) => n + b.cells.length, 0)]));
      return { per: applyCounting(plan), rows, charts: plan.sheets.reduce((n, s) => n + s.charts.length, 0) };
    };
    const small = counts(0.1);
    const mid = counts(0.2);
    const big = counts(1);
    expect(big.rows["Budget"]).toBeGreaterThanOrEqual(9 * small.rows["Budget"]);
    for (const [sheet, calls] of Object.entries(big.per)) {
      if (sheet !== "KPI Charts") {
        expect(calls, sheet).toEqual(small.per[sheet]);
        continue;
      }
      // One chart per KPI: a fixed cost plus a constant cost per chart (a straight line through 3 sizes).
      for (const m of Object.keys(calls)) {
        const at = (x: typeof big) => x.per[sheet][m] ?? 0;
        const slope = (at(mid) - at(small)) / (mid.charts - small.charts);
        expect(at(big) - at(small), m).toBe(slope * (big.charts - small.charts));
      }
    }
  });
});

describe("readSnapshot", () => {
  it("reads each sheet with one getValues and one getFormulas, dates as serials", () => {
    applyPlan(ss(), handPlan(5));
    gas.calls.reset();
    const snap = readSnapshot(ss());
    expect(gas.calls.count("Range.getValues")).toBe(gas.ss.sheets.length);
    expect(gas.calls.count("Range.getFormulas")).toBe(gas.ss.sheets.length);
    expect(gas.calls.count("Sheet.getDataRange")).toBe(gas.ss.sheets.length);
    const reg = snap.sheets.find((s) => s.name === "Register")!;
    expect(reg.values[1]).toEqual(["R-1", "=not a formula", 1000, 45748, "Closed", null]);
    expect(reg.formulas[1]).toEqual([null, null, null, null, null, '=IF(C2="","",C2*2)']);
    expect(snap.sheets[0]).toEqual({ name: "Sheet1", values: [[null]], formulas: [[null]] });
  });

  it("turns getValues dates into the cell's serial in any spreadsheet time zone", () => {
    const zones = ["Europe/London", "America/Los_Angeles", "Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Australia/Lord_Howe"];
    const serials = [45748, 45748.5, 45597, 45747.999988426, 45383.0416666667, 36526, 61, 45930.25];
    for (const tz of zones) {
      const toSerial = dateToSerialFn(tz);
      for (const s of serials) {
        const d = serialToDate(s, tz);
        expect(Math.abs(toSerial(d) - s), `${tz} ${s}`).toBeLessThan(1e-6);
        expect(Math.abs(dateToSerial(d, tz) - s)).toBeLessThan(1e-6);
      }
    }
    // Through the fake: a New York spreadsheet, dates read back as written.
    install(createFakeGas({ timeZone: "America/New_York" }));
    applyPlan(ss(), { year: "2025/26", names: [], warnings: [], sheets: [sheetPlan({ key: "d", name: "D", blocks: [{ row: 0, col: 0, cells: [[{ d: "2025-03-30" }, { d: "2025-10-26" }]] }], formats: [{ range: R(0, 0, 1, 2), format: "dd/mm/yyyy" }] })] });
    const raw = gas.sheet("D").read(1, 1);
    expect(raw).toBeInstanceOf(Date);
    expect(readSnapshot(ss()).sheets[1].values[0]).toEqual([45746, 45956]);
  });
});
