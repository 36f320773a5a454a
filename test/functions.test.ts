// The custom-function catalogue as hosts call it: scalars, ranges, bad input and fuzzing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CATALOGUE, findFunction } from "../core/functions/catalogue";
import { CellError, invoke } from "../core/functions/invoke";
import { clock } from "../core/funding/dates";

const call = (name: string, ...args: unknown[]) => invoke(findFunction(name), args);
const scalar = (name: string, ...args: unknown[]) => {
  const r = call(name, ...args);
  if (r.matrix) throw new Error("expected a scalar");
  return r.value;
};

/** Parses a catalogue example's argument text the way a person types it in a cell. */
function parseArgs(text: string): unknown[] {
  return Function(`"use strict"; return [${text.replace(/\{([^}]*)\}/g, (_, inner) => `[${inner.split(";").map((x: string) => `[${x}]`).join(",")}]`)}];`)();
}

describe("catalogue", () => {
  it("has every function the product promises", () => {
    expect(CATALOGUE.map((f) => f.name).sort()).toEqual([
      "ARRS_ALLOCATION", "ARRS_CLAIM", "ARRS_MAX", "CAPACITY_ACCESS", "CARE_HOME_PREMIUM", "CORE", "ENHANCED_ACCESS", "FIN_YEAR",
      "GP_NEW_GP_CLAIM", "GP_REIMBURSEMENT_POT", "GP_SESSIONS_CLAIM", "IIF_ACHIEVEMENT", "IIF_POINTS", "IIF_VALUE", "ONCOSTS", "PARTICIPATION", "PATIENTS_NEEDED", "RATE", "RATE_SOURCE", "SPC_FLAGS", "SPC_LIMITS", "SPC_STATUS", "SPLIT",
      "DISTRIBUTE", "DISTRIBUTE_POINTS",
    ].sort());
  });

  const COLUMNS = ["SPLIT", "DISTRIBUTE", "DISTRIBUTE_POINTS"];
  it.each(CATALOGUE.filter((f) => f.returns === "number" && !COLUMNS.includes(f.name) && !f.ownShape).map((f) => [f.name, f]))("%s: the README example gives the stated result", (_, f) => {
    const v = scalar(f.name, ...parseArgs(f.example.args));
    expect(v).toBeCloseTo(Number(f.example.result), 6);
  });

  it("ranges in, same-shaped arrays out: 1,000 rows in one call", () => {
    const weighted = Array.from({ length: 1000 }, (_, i) => [10000 + i]);
    const r = call("ARRS_ALLOCATION", weighted, [["2025/26"]]);
    expect(r.matrix).toBe(true);
    if (!r.matrix) return;
    expect(r.cells).toHaveLength(1000);
    expect(r.cells[0][0]).toBe(266310); // 10,000 x 26.631
    expect(r.cells[999][0]).toBe(Math.round(10999 * 26.631 * 100) / 100);
  });

  it.each(COLUMNS)("%s's example puts the odd penny where the function does", (name) => {
    const f = findFunction(name);
    const r = call(name, ...parseArgs(f.example.args));
    const stated = f.example.result.replace(/\(.*\)/, "").split(",").map((x) => Number(x.trim()));
    expect(r).toEqual({ matrix: true, cells: stated.map((v) => [v]) });
  });

  it("the SPC functions' README examples give the stated results", () => {
    const row = (name: string) => { const r = call(name, ...parseArgs(findFunction(name).example.args)); if (!r.matrix) throw new Error(String(r.value)); return r.cells[0]; };
    const words = (text: string) => text.replace(/ \(a row\)$/, "").split(", ");
    expect(row("SPC_LIMITS").map((x) => Math.round((x as number) * 1e6) / 1e6)).toEqual(words(findFunction("SPC_LIMITS").example.result).map(Number));
    // "Common cause x4, ..." spelt out.
    const flags = words(findFunction("SPC_FLAGS").example.result).flatMap((w) => { const m = / x(\d+)$/.exec(w); return m ? Array(Number(m[1])).fill(w.slice(0, m.index)) : [w]; });
    expect(row("SPC_FLAGS")).toEqual(flags);
    expect(row("SPC_STATUS")).toEqual(words(findFunction("SPC_STATUS").example.result));
  });

  it("SPC: a row or a column in, the same shape out; a failure is one sentence, not one per cell", () => {
    expect(call("SPC_FLAGS", [[1], [2], [""], [1], [2]], "Lower")).toEqual({ matrix: true, cells: [["Common cause"], ["Common cause"], [""], ["Common cause"], ["Common cause"]] });
    const bad = call("SPC_STATUS", [[1, 2, "n/a", 4]]);
    expect(bad.matrix).toBe(false);
    expect(!bad.matrix && (bad.value as { message: string }).message).toBe('Reading 3 is not a number ("n/a"): leave a month with no reading blank.');
    expect(call("SPC_LIMITS", [[1, 2], [3, 4]])).toMatchObject({ matrix: false, value: { message: "values must be one row or one column of readings." } });
    expect(call("SPC_LIMITS", [[1, 2, 3]], 1)).toMatchObject({ matrix: false, value: { message: "baseline must be a whole number of readings, 2 or more (got 1)." } });
    expect(call("SPC_LIMITS", [[1, 2, 3]], 0, "PowerBI")).toMatchObject({ matrix: false, value: { message: 'method must be "MDC" or "R", not "PowerBI".' } });
    expect(call("SPC_FLAGS", [[1, "", 3]], "Higher")).toMatchObject({ matrix: false, value: { message: "Needs 2 readings in a row to judge them." } });
    // A blank baseline cell (0 from Excel on Windows) is left out: all readings.
    expect(call("SPC_LIMITS", [[1, 2, 3]], 0)).toEqual(call("SPC_LIMITS", [[1, 2, 3]]));
  });

  it("SPLIT returns a column of pence-exact shares", () => {
    const r = call("SPLIT", 1000, [[1], [1], [1]]);
    expect(r).toEqual({ matrix: true, cells: [[333.33], [333.34], [333.33]] });
    const blanks = call("SPLIT", 100, [[1], [""], [3]]);
    expect(blanks).toEqual({ matrix: true, cells: [[25], [0], [75]] });
  });

  it("dates as serial numbers (Excel), Date objects (Sheets) and ISO text all work", () => {
    expect(scalar("FIN_YEAR", 45809)).toBe("2025/26"); // 1 June 2025
    expect(scalar("FIN_YEAR", new Date(2025, 5, 1))).toBe("2025/26");
    expect(scalar("FIN_YEAR", "2025-03-31")).toBe("2024/25");
    expect(scalar("ARRS_MAX", "Clinical Pharmacist", 45597)).toBe(65838); // 1 Nov 2024
  });

  it("a blank cell passed as 0 (Excel on Windows) counts as left out for years, dates, parts and areas", () => {
    // Left out means the financial year of today: pinned to 1 October 2025 here.
    const real = clock.now;
    clock.now = () => new Date(2025, 9, 1, 12);
    try {
      expect(scalar("ARRS_ALLOCATION", 30000, 0)).toBe(798930);
      expect(scalar("CAPACITY_ACCESS", 1000, 0, 0)).toBe(1000 * 3.208 + 1000 * 1.375);
      expect(scalar("ONCOSTS", 45000, 0)).toBe(6000 + 6471);
    } finally {
      clock.now = real;
    }
  });

  it("a left-out year or date is today's: 2026/27 on 1 December 2026", () => {
    const real = clock.now;
    clock.now = () => new Date(2026, 11, 1, 12);
    const msg = (v: unknown) => (v instanceof CellError ? v.message : `not an error: ${String(v)}`);
    try {
      expect(msg(scalar("CAPACITY_ACCESS", 47000))).toMatch(/withdrawn from the Network Contract DES on 1 April 2026/);
      expect(msg(scalar("ENHANCED_ACCESS", 47000))).toMatch(/Enhanced Access payment for 2026\/27 is not known/);
      expect(scalar("RATE", "gpSchemeSessionHourlyCap")).toBe(78.41);
      expect(scalar("ONCOSTS", 45000)).toBe(12471);
      expect(msg(scalar("ARRS_MAX", "Clinical Pharmacist"))).toMatch(/on 2026-12-01 is not published in our sources: £71,725 is an estimate/);
      expect(msg(scalar("ARRS_CLAIM", "Pharmacy Technician", 40000, 1, 12))).toMatch(/£46,447 is an estimate/);
      expect(msg(scalar("ARRS_MAX", "Clinical Pharmacist", "2025-06-01", "constructor"))).toBe('Unknown area "constructor". Use one of: national, outer london, inner london.');
    } finally {
      clock.now = real;
    }
  });

  it("bad input gets a sentence, never a number", () => {
    const msg = (v: unknown) => (v instanceof CellError ? v.message : `not an error: ${String(v)}`);
    expect(msg(scalar("ARRS_CLAIM", "Clinical Pharmacist", 60000, -0.5, 12, "2025-06-01"))).toMatch(/WTE -0.5 is negative/);
    expect(msg(scalar("ARRS_CLAIM", "Clinical Pharmacist", 60000, "one", 12, "2025-06-01"))).toMatch(/wte must be a number, not the text "one"/);
    expect(msg(scalar("ARRS_CLAIM", "Clinical Pharmacist", 60000, 1, 14, "2025-06-01"))).toMatch(/outside 0 to 12/);
    expect(msg(scalar("ARRS_MAX", "Wizard", "2025-06-01"))).toMatch(/Unknown ARRS role "Wizard".*Roles: .*Clinical Pharmacist/);
    expect(msg(scalar("CORE", 1000, 1000, "2031/32"))).toMatch(/Unknown financial year "2031\/32". Years available: 2023\/24, 2024\/25, 2025\/26/);
    expect(msg(scalar("CAPACITY_ACCESS", 1000, "both"))).toMatch(/Unknown part "both". Use one of: support, improvement, total/);
    expect(msg(scalar("IIF_POINTS", 0.7, 0.8, 0.6, 10))).toMatch(/lower threshold 0.8 is above the upper threshold 0.6/);
    expect(msg(scalar("FIN_YEAR", "next tuesday"))).toMatch(/not a date/);
    expect(msg(scalar("RATE", "iifPoundsPerPoint", "2025/26"))).toMatch(/not known/);
  });

  it("a range with one bad cell errors only that cell", () => {
    const r = call("PARTICIPATION", [[1000], ["lots"], [2000]], "2025/26");
    if (!r.matrix) throw new Error("expected matrix");
    expect(r.cells[0][0]).toBe(1761);
    expect(r.cells[1][0]).toBeInstanceOf(CellError);
    expect(r.cells[2][0]).toBe(3522);
  });

  it("fuzzed inputs to every function end in a value or a clear error, never an exception", () => {
    const anyArg = fc.oneof(
      fc.double(), fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(""), fc.date({ noInvalidDate: false }),
      fc.constantFrom("2025/26", "Clinical Pharmacist", "inner london", "support", "2024-10-01", "coreRegistered"),
      fc.array(fc.array(fc.oneof(fc.double(), fc.string(), fc.constant("")), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    );
    for (const f of CATALOGUE) {
      fc.assert(fc.property(fc.array(anyArg, { maxLength: f.params.length + 1 }), (args) => {
        const r = invoke(f, args);
        const cells = r.matrix ? r.cells.flat() : [r.value];
        for (const c of cells) {
          // A clear error is one the core wrote on purpose; "Unexpected problem" means an exception slipped through.
          const ok = c instanceof CellError ? c.message.length > 5 && !/^Unexpected problem/.test(c.message) : typeof c === "number" ? Number.isFinite(c) : typeof c === "string";
          expect(ok, c instanceof CellError ? c.message : String(c)).toBe(true);
        }
      }), { numRuns: 150 });
    }
  });
});
