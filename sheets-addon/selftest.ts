/**
 * The release check for a live Google Sheets: `runSelfTest` (menu: Run self-test; the sidebar's bridge calls
 * it too) exercises, on scratch sheets it inserts and removes, every assumption the writer and the build make
 * of Apps Script, and writes the pass/fail table into a new sheet (core/workbook/selftest.ts lays it out).
 * Nothing it writes or reads is the person's: only its own scratch cells.
 */
import { selfTestPlan, type SelfTestItem, type SelfTestReport } from "../core/workbook/selftest";
import { dateToSerialFn, toSheetValue } from "./cells";
import { currentLease, pauseLease, releaseLease, takeLease, whoIsAsking } from "./lease";
import { applyPlan } from "./writer";

// Loosely typed on purpose: the self-test reaches corners of the API the writer's surface does not describe.
declare const SpreadsheetApp: any;
declare const LockService: any;
declare const PropertiesService: any;
declare const Session: any;
declare const Charts: any;

type Probe = { id: string; what: string; run(): string };

/** A check that fails with a sentence. */
class Failed extends Error {}
const expect = (ok: boolean, why: string) => {
  if (!ok) throw new Failed(why);
};

const TRICKY = ["=1+1", "+44 1234 567890", "-5 degrees", "@home", "'quoted", "0123", "1,234", "12%", "£5", "TRUE", "2025-01-01", "1/2/2025", "Apr-25", "#N/A", "#REF!", "\uFF1D1+1", "\uFE661+1", "3pm"];

function freeName(ss: any, base: string): string {
  const taken = new Set<string>(ss.getSheets().map((s: any) => String(s.getName()).toLowerCase()));
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${base} ${i}`;
  return name;
}

function probes(ss: any, a: any, b: any, now: () => number, startedAt: number): Probe[] {
  const tz = ss.getSpreadsheetTimeZone();
  return [
    {
      id: "sheets.newSheetGrid",
      what: "A sheet Apps Script inserts is 1000 rows by 26 columns (the writer grows sheets it inserts without reading their size)",
      run: () => {
        const [r, c] = [a.getMaxRows(), a.getMaxColumns()];
        expect(r === 1000 && c === 26, `a new sheet is ${r} x ${c}`);
        return "1000 x 26";
      },
    },
    {
      id: "sheets.growGrid",
      what: "insertRowsAfter and insertColumnsAfter at the end grow the grid to what a plan needs",
      run: () => {
        a.insertRowsAfter(a.getMaxRows(), 200);
        a.insertColumnsAfter(a.getMaxColumns(), 4);
        expect(a.getMaxRows() === 1200 && a.getMaxColumns() === 30, `grid is ${a.getMaxRows()} x ${a.getMaxColumns()}`);
        return "1200 x 30 after growing";
      },
    },
    {
      id: "sheets.getRangesOrder",
      what: "getRangeList(a1s).getRanges() gives one range per A1, in the order given (the writer fetches ranges in bulk)",
      run: () => {
        const want = ["C3", "A1:B2", "E5:E9", "B7", "AD1200"];
        const got = a.getRangeList(want).getRanges().map((r: any) => r.getA1Notation());
        expect(JSON.stringify(got) === JSON.stringify(want), `got ${got.join(", ")}`);
        return `${got.length} ranges in order`;
      },
    },
    {
      id: "sheets.literalText",
      what: "Text the writer escapes comes back as the same text, never a formula or an error value (#N/A, full-width equals signs included)",
      run: () => {
        const range = a.getRange(1, 1, TRICKY.length, 1);
        range.setValues(TRICKY.map((s) => [toSheetValue(s)]));
        const values = range.getValues().map((r: unknown[]) => r[0]);
        const formulas = range.getFormulas().map((r: string[]) => r[0]);
        const bad = TRICKY.filter((s, i) => values[i] !== s || formulas[i] !== "");
        expect(bad.length === 0, `changed: ${bad.join(" | ")}`);
        return `${TRICKY.length} strings kept`;
      },
    },
    {
      id: "sheets.plainTextFormat",
      what: 'A cell formatted "@" keeps what is written as text, "=1+1" and "0123" included',
      run: () => {
        const range = a.getRange(1, 3, 2, 1);
        range.setNumberFormat("@");
        range.setValues([["=1+1"], ["0123"]]);
        const v = range.getValues().map((r: unknown[]) => r[0]);
        const f = range.getFormulas().map((r: string[]) => r[0]);
        expect(v[0] === "=1+1" && v[1] === "0123" && f.join("") === "", `read back ${JSON.stringify(v)}`);
        return "kept as text";
      },
    },
    {
      id: "sheets.dates",
      what: "A date serial written with a date format reads back as the same serial in the spreadsheet's time zone; serial 0 is 30 Dec 1899 (Sheets has no 1904 date system)",
      run: () => {
        const range = a.getRange(1, 5, 2, 1);
        range.setNumberFormat("dd/mm/yyyy");
        range.setValues([[45748], [0]]);
        const toSerial = dateToSerialFn(tz);
        const got = range.getValues().map((r: unknown[]) => r[0]);
        expect(got.every((d: unknown) => Object.prototype.toString.call(d) === "[object Date]"), "getValues gave no Date for a date cell");
        const serials = got.map((d: Date) => Math.round(toSerial(d)));
        expect(serials[0] === 45748 && serials[1] === 0, `read back ${serials.join(", ")}`);
        return `time zone ${tz}`;
      },
    },
    {
      id: "sheets.twoDimensionalSetters",
      what: "setNumberFormats, setBackgrounds and setFontWeights set each cell of a rectangle (the writer lays formats and styles by rectangle)",
      run: () => {
        const range = a.getRange(1, 7, 2, 2);
        range.setNumberFormats([["0.00", "@"], ["dd/mm/yyyy", "0%"]]);
        range.setBackgrounds([["#ff0000", "#00ff00"], ["#0000ff", "#ffffff"]]);
        range.setFontWeights([["bold", "normal"], ["normal", "bold"]]);
        const f = range.getNumberFormats().flat().join("|");
        const w = range.getFontWeights().flat().join("|");
        expect(f === "0.00|@|dd/mm/yyyy|0%" && w === "bold|normal|normal|bold", `formats ${f}; weights ${w}`);
        return "each cell as set";
      },
    },
    {
      id: "sheets.validationRejects",
      what: "A cell whose rule rejects invalid input refuses a setValues that fails it, and takes it once the rule is cleared (why the writer clears old rules first)",
      run: () => {
        const cell = a.getRange(1, 10);
        cell.setDataValidation(SpreadsheetApp.newDataValidation().requireValueInList(["Open", "Closed"], true).setAllowInvalid(false).build());
        let refused = false;
        try {
          cell.setValues([["Pending"]]);
        } catch (e) {
          refused = true;
        }
        cell.clearDataValidations();
        cell.setValues([["Pending"]]);
        expect(refused, "the rule did not refuse the value");
        return "refused, then accepted";
      },
    },
    {
      id: "sheets.validationRoundTrip",
      what: "A validation rule read back (getDataValidation) and written to another range keeps its criterion and help text",
      run: () => {
        const rule = SpreadsheetApp.newDataValidation().requireNumberBetween(1, 9).setHelpText("One to nine.").setAllowInvalid(false).build();
        a.getRange(2, 10).setDataValidation(rule);
        const loaded = a.getRange(2, 10).getDataValidation();
        a.getRange(3, 10).setDataValidation(loaded);
        const again = a.getRange(3, 10).getDataValidation();
        const same = again && String(again.getCriteriaType()) === String(rule.getCriteriaType()) && JSON.stringify(again.getCriteriaValues()) === JSON.stringify([1, 9]) && again.getHelpText() === "One to nine.";
        expect(!!same, "the rule changed on the way");
        return String(again.getCriteriaType());
      },
    },
    {
      id: "sheets.setDataValidations",
      what: "setDataValidations puts each cell's own rule over a rectangle in one call",
      run: () => {
        const list = SpreadsheetApp.newDataValidation().requireValueInList(["A", "B"], true).build();
        const num = SpreadsheetApp.newDataValidation().requireNumberGreaterThanOrEqualTo(0).build();
        const range = a.getRange(1, 12, 2, 2);
        range.setDataValidations([[list, num], [num, list]]);
        const types = [a.getRange(1, 12).getDataValidation(), a.getRange(1, 13).getDataValidation(), a.getRange(2, 12).getDataValidation()].map((r: any) => String(r.getCriteriaType()));
        expect(types[0] === String(list.getCriteriaType()) && types[1] === String(num.getCriteriaType()) && types[2] === types[1], `got ${types.join(", ")}`);
        return "each cell's rule";
      },
    },
    {
      id: "sheets.freshBuilders",
      what: "Rules from fresh builders keep their own criteria (the writer builds each rule from a fresh builder); detail: what reusing a builder after build() does",
      run: () => {
        const r1 = SpreadsheetApp.newDataValidation().requireValueInList(["x"], true).build();
        const r2 = SpreadsheetApp.newDataValidation().requireNumberBetween(1, 2).build();
        expect(String(r1.getCriteriaType()) !== String(r2.getCriteriaType()), "two fresh builders made the same rule");
        const shared = SpreadsheetApp.newDataValidation();
        const first = shared.requireValueInList(["x"], true).build();
        shared.requireNumberBetween(1, 2).build();
        const dvReuse = String(first.getCriteriaType()) === String(r1.getCriteriaType()) ? "a rule keeps its criterion when its builder is reused" : "a reused builder changed a rule already built";
        const cfShared = SpreadsheetApp.newConditionalFormatRule().whenFormulaSatisfied("=TRUE").setBackground("#ff0000").setRanges([a.getRange("A1")]);
        const cf1 = cfShared.build();
        cfShared.setBackground("#00ff00").build();
        const bg = cf1.getBooleanCondition().getBackground?.();
        const cfReuse = bg === undefined ? "conditional format colours not readable" : String(bg).toLowerCase() === "#ff0000" ? "a conditional format keeps its colour" : "a reused builder changed a conditional format already built";
        return `${dvReuse}; ${cfReuse}`;
      },
    },
    {
      id: "sheets.conditionalFormats",
      what: "Conditional format rules read back with the A1 they were set on, and survive clearContent of their range (the writer recognises its rules by formula and A1)",
      run: () => {
        const rule = SpreadsheetApp.newConditionalFormatRule().whenFormulaSatisfied('=$A1="X"').setBackground("#FFE699").setRanges([a.getRange("A1:A5")]).build();
        a.setConditionalFormatRules([rule]);
        a.getRange("A1:A5").clearContent();
        const rules = a.getConditionalFormatRules();
        const at = rules.length === 1 ? rules[0].getRanges().map((r: any) => String(r.getA1Notation()).replace(/\$/g, "")).join(",") : "";
        const formula = rules.length === 1 ? String(rules[0].getBooleanCondition().getCriteriaValues()[0]) : "";
        expect(at === "A1:A5" && formula === '=$A1="X"', `read back ${rules.length} rule(s) at ${at} with ${formula}`);
        a.setConditionalFormatRules([]);
        return "A1:A5 kept";
      },
    },
    {
      id: "sheets.chartFromOtherSheet",
      what: "A line chart on one sheet can take its data from another sheet (rows merged and transposed for months along a row), and its title reads back (the writer recognises its charts by title)",
      run: () => {
        a.getRange(20, 1, 2, 3).setValues([["Apr", "May", "Jun"], [1, 2, 3]]);
        const chart = b
          .newChart()
          .asLineChart()
          .addRange(a.getRange(20, 1, 1, 3))
          .addRange(a.getRange(21, 1, 1, 3))
          .setMergeStrategy(Charts.ChartMergeStrategy.MERGE_ROWS)
          .setTransposeRowsAndColumns(true)
          .setNumHeaders(0)
          .setOption("title", "PCN self-test chart")
          .setPosition(1, 1, 0, 0)
          .build();
        b.insertChart(chart);
        const charts = b.getCharts();
        const title = charts.length ? String(charts[0].getOptions().get("title")) : "";
        const from = charts.length ? charts[0].getRanges().map((r: any) => r.getSheet().getName()) : [];
        expect(charts.length === 1 && title === "PCN self-test chart" && from.every((n: string) => n === a.getName()), `${charts.length} chart(s), title ${title}`);
        return "data from the other sheet";
      },
    },
    {
      id: "sheets.filterResize",
      what: "A filter can be made again over a bigger range with its column criteria carried over (Sheets cannot resize a filter)",
      run: () => {
        a.getRange(30, 1, 4, 2).setValues([["Status", "N"], ["Open", 1], ["Closed", 2], ["Open", 3]]);
        const filter = a.getRange(30, 1, 4, 2).createFilter();
        filter.setColumnFilterCriteria(1, SpreadsheetApp.newFilterCriteria().setHiddenValues(["Closed"]).build());
        const kept = filter.getColumnFilterCriteria(1);
        filter.remove();
        const again = a.getRange(30, 1, 8, 2).createFilter();
        again.setColumnFilterCriteria(1, kept);
        const hidden = again.getColumnFilterCriteria(1)?.getHiddenValues?.() ?? [];
        const at = again.getRange().getA1Notation();
        again.remove();
        expect(at === "A30:B37" && JSON.stringify(hidden) === JSON.stringify(["Closed"]), `filter at ${at}, hidden ${JSON.stringify(hidden)}`);
        return "criteria carried";
      },
    },
    {
      id: "sheets.namedRanges",
      what: "A named range can be made, found on its own sheet, moved and removed; making a name that is held elsewhere refuses it or moves it, never makes a second",
      run: () => {
        const name = `PCN_SelfTest_${now() % 100000}`;
        ss.setNamedRange(name, a.getRange("A1"));
        const found = ss.getNamedRanges().filter((n: any) => n.getName() === name);
        expect(found.length === 1, "the new name was not found");
        // The writer reads only the names on the sheet it builds.
        const onA = a.getNamedRanges().filter((n: any) => n.getName() === name).length;
        const onB = b.getNamedRanges().filter((n: any) => n.getName() === name).length;
        found[0].setRange(a.getRange("B2:B3"));
        const moved = ss.getRangeByName(name)?.getA1Notation();
        // The writer makes a name it did not find on the sheet; held on another sheet, it must be refused (the writer
        // then finds it among the workbook's names and moves it) or moved, never held twice.
        let held = "moved";
        try {
          ss.setNamedRange(name, b.getRange("C1"));
        } catch (e) {
          held = "refused";
        }
        const copies = ss.getNamedRanges().filter((n: any) => n.getName() === name).length;
        ss.removeNamedRange(name);
        expect(onA === 1 && onB === 0, `on its sheet ${onA}, on another ${onB}`);
        expect(moved === "B2:B3", `moved to ${moved}`);
        expect(copies === 1, `${copies} names of the same name`);
        return `made, found on its sheet, moved, removed; a held name is ${held}`;
      },
    },
    {
      id: "sheets.layout",
      what: "Frozen rows and columns, column widths and hiding a sheet work as the writer uses them",
      run: () => {
        a.setFrozenRows(1);
        a.setFrozenColumns(1);
        a.setColumnWidths(1, 3, 140);
        b.hideSheet();
        const ok = a.getFrozenRows() === 1 && a.getFrozenColumns() === 1 && a.getColumnWidth(2) === 140 && b.isSheetHidden() === true;
        b.showSheet();
        expect(ok, "a layout setting did not hold");
        return "held";
      },
    },
    {
      id: "sheets.isBlank",
      what: "isBlank is true for empty cells and false once any cell holds a formula, even one showing nothing",
      run: () => {
        const range = a.getRange(40, 1, 3, 3);
        const before = range.isBlank();
        a.getRange(41, 2).setValues([['=""']]);
        const after = range.isBlank();
        expect(before === true && after === false, `isBlank ${before} then ${after}`);
        return "true, then false";
      },
    },
    {
      id: "sheets.documentLock",
      what: "The document lock exists and can be taken and given back (the build lease is kept under it)",
      run: () => {
        const lock = LockService.getDocumentLock();
        expect(!!lock, "getDocumentLock() gave null here");
        const got = lock.tryLock(5000);
        const has = got && lock.hasLock();
        lock.releaseLock();
        expect(got && has, "tryLock did not take the lock");
        return "taken and released";
      },
    },
    {
      id: "sheets.documentProperties",
      what: "Document properties hold an 8 KB value and give it back (the build's marker and lease live there)",
      run: () => {
        const props = PropertiesService.getDocumentProperties();
        const key = "PCN_SELFTEST";
        const value = "x".repeat(8000);
        props.setProperty(key, value);
        const back = props.getProperty(key);
        props.deleteProperty(key);
        expect(back === value && props.getProperty(key) === null, "the value did not come back whole");
        return "8,000 characters";
      },
    },
    {
      id: "sheets.userProperties",
      what: "User properties keep a person's own setting (the name shown to others while they build)",
      run: () => {
        const props = PropertiesService.getUserProperties();
        props.setProperty("PCN_SELFTEST", "1");
        const back = props.getProperty("PCN_SELFTEST");
        props.deleteProperty("PCN_SELFTEST");
        expect(back === "1", "the setting did not come back");
        return "kept";
      },
    },
    {
      id: "sheets.session",
      what: "Session gives a temporary key for the person (to tell their own other window from someone else); detail: whether it gives their email",
      run: () => {
        const key = Session.getTemporaryActiveUserKey();
        expect(typeof key === "string" && key.length > 0, "no temporary key");
        let email = "";
        try {
          email = Session.getActiveUser().getEmail();
        } catch (e) {
          email = "";
        }
        const me = whoIsAsking();
        return `${email ? "email available" : "email not available (the add-on does not ask for the userinfo.email scope)"}; ${me.name ? "a name is set for builds" : "no name set for builds"}`;
      },
    },
    {
      id: "sheets.buildLease",
      what: "The build lease can be taken, paused and given back, and a second build is refused while it is held",
      run: () => {
        const lease = currentLease();
        expect(!!lease && lease.token.startsWith("selftest:"), "the self-test does not hold the lease");
        pauseLease(lease!, now);
        let refused = "";
        try {
          takeLease("selftest-other-build", now, () => tz);
        } catch (e) {
          refused = e instanceof Error ? e.message : String(e);
        }
        takeLease(lease!.token, now, () => tz);
        expect(refused.length > 0, "a second build was not refused");
        return "refused a second build";
      },
    },
    {
      id: "sheets.timeBudget",
      what: "Date.now moves on during an execution (the build's time checks read it); detail: time spent so far",
      run: () => {
        const t = now();
        expect(t >= startedAt, "the clock went back");
        return `${Math.round((t - startedAt) / 1000)} s into this execution of Apps Script's 360 s`;
      },
    },
  ];
}

/**
 * Runs every probe on two scratch sheets (removed afterwards), holding the build lease so no build runs
 * meanwhile, puts the person's place back, and writes the report into a new sheet.
 */
export function runSelfTest(clientItems: SelfTestItem[] = [], now: () => number = () => Date.now()): SelfTestReport {
  const startedAt = now();
  const ss = SpreadsheetApp.getActiveSpreadsheet();
  const tz = ss.getSpreadsheetTimeZone();
  const token = `selftest:${whoIsAsking().key || "anyone"}`;
  takeLease(token, now, () => tz);
  const items: SelfTestItem[] = [];
  const view = { sheet: ss.getActiveSheet(), list: ss.getActiveRangeList(), cell: ss.getCurrentCell() };
  let a: any;
  let b: any;
  try {
    a = ss.insertSheet(freeName(ss, "PCN self-test scratch"));
    b = ss.insertSheet(freeName(ss, "PCN self-test scratch"));
    for (const p of probes(ss, a, b, now, startedAt)) {
      try {
        items.push({ id: p.id, what: p.what, passed: true, detail: p.run() });
      } catch (e) {
        items.push({ id: p.id, what: p.what, passed: false, detail: e instanceof Failed ? e.message : `${e instanceof Error ? e.name : "Error"}: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
  } finally {
    for (const s of [a, b]) {
      try {
        if (s) ss.deleteSheet(s);
      } catch (e) {
        // Left for the person to delete: named "PCN self-test scratch".
      }
    }
  }
  let restored = false;
  try {
    ss.setActiveSheet(view.sheet);
    if (view.list) ss.setActiveRangeList(view.list);
    if (view.cell) ss.setCurrentCell(view.cell);
    restored = ss.getActiveSheet().getName() === view.sheet.getName();
  } catch (e) {
    restored = false;
  }
  items.push({ id: "sheets.activeView", what: "The person's sheet and selection are put back after sheets are inserted (Sheets shows each new sheet)", passed: restored, detail: restored ? `back on the sheet that was active` : "could not put it back" });
  items.push(...clientItems);
  const report: SelfTestReport = {
    host: "sheets",
    version: `Apps Script V8 runtime (Apps Script gives no version number); spreadsheet locale ${ss.getSpreadsheetLocale()}, time zone ${tz}`,
    ranAt: new Date(now()).toISOString(),
    items,
  };
  try {
    const plan = selfTestPlan(report, ss.getSheets().map((s: any) => s.getName()));
    applyPlan(ss, plan);
    report.sheet = plan.sheets[0].name;
    // The report is what the person asked for: show it.
    ss.getSheetByName(report.sheet).activate();
  } finally {
    releaseLease(token);
  }
  return report;
}
