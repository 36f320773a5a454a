// Every generated formula works in Excel 2016, Google Sheets and LibreOffice 7.4: no dynamic-array or
// post-2016 functions, for every shipped year and a large network.
import { describe, expect, it } from "vitest";
import { buildPlan } from "../core/workbook/build";
import { YEAR_LABELS } from "../core/rates/book";
import { largeNetwork } from "../core/workbook/sample";

// Dynamic-array functions, and functions Excel 2016 lacks.
const FORBIDDEN = ["FILTER", "SORT", "SORTBY", "UNIQUE", "SEQUENCE", "XLOOKUP", "XMATCH", "LET", "LAMBDA", "RANDARRAY", "MAXIFS", "MINIFS", "IFS", "SWITCH", "TEXTJOIN", "CONCAT", "IMAGE", "ARRAYFORMULA", "QUERY"];

function formulas(year: string): string[] {
  const plan = buildPlan({ sheets: [] }, { year, data: { ...largeNetwork(0.02, year), year }, today: "2025-10-01" });
  const out: string[] = [];
  for (const s of plan.sheets) {
    for (const b of s.blocks) for (const row of b.cells) for (const c of row) if (c && typeof c === "object" && "f" in c) out.push(c.f);
    for (const cf of s.conditionalFormats) out.push(cf.formula);
  }
  return out;
}

describe("formula compatibility", () => {
  it("the checker itself catches a forbidden call however it is spelled", () => {
    const hit = (f: string) => FORBIDDEN.some((fn) => new RegExp(`(^|[^A-Z0-9_.]|_xlfn\\.)${fn}\\(`, "i").test(f.replace(/"[^"]*"/g, '""')));
    expect([hit("=_xlfn.XLOOKUP(A1,B:B,C:C)"), hit("=sort(A1:A9)"), hit("=COUNTIFS(A:A,1)"), hit('=IF(A1="FILTER(",1,2)')]).toEqual([true, true, false, false]);
  });

  it.each(YEAR_LABELS.map((y) => [y]))("%s: no dynamic-array or post-2016 function in any formula", (year) => {
    const fs = formulas(year);
    expect(fs.length).toBeGreaterThan(1000);
    // Any case, with or without Excel's _xlfn. prefix; text inside quotes is not a function call.
    const bad = fs.filter((f) => FORBIDDEN.some((fn) => new RegExp(`(^|[^A-Z0-9_.]|_xlfn\\.)${fn}\\(`, "i").test(f.replace(/"[^"]*"/g, '""'))));
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
