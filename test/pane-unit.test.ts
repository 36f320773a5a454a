/** Pure parts of the pane (no DOM): number parsing, row validation, escaping, message text. */
import { describe, expect, it } from "vitest";
import { PRACTICE_FIELDS, parseNumber, validateRow, emptyRow, rowFromPractice } from "../pane/validate";
import { escapeHtml, toText } from "../pane/escape";
import { errorText, progressText } from "../pane/pane";
import { paneCss } from "../pane/styles";

const spec = (k: string) => PRACTICE_FIELDS.find((f) => f.key === k)!;

describe("parseNumber", () => {
  it("accepts plain numbers, thousands separators and blanks", () => {
    expect(parseNumber("12345", spec("registered"))).toEqual({ value: 12345 });
    expect(parseNumber(" 12,345 ", spec("registered"))).toEqual({ value: 12345 });
    expect(parseNumber("1,234,567.25", spec("weighted"))).toEqual({ value: 1234567.25 });
    expect(parseNumber("", spec("beds"))).toEqual({});
    expect(parseNumber("0", spec("beds"))).toEqual({ value: 0 });
  });
  it("refuses text, negatives, fractions of whole things, and absurd sizes", () => {
    expect(parseNumber("abc", spec("registered")).error).toBe("Registered list must be a number, like 12,345.");
    expect(parseNumber("12a", spec("weighted")).error).toMatch(/must be a number/);
    expect(parseNumber("1,2", spec("weighted")).error).toMatch(/must be a number/);
    expect(parseNumber("1e5", spec("weighted")).error).toMatch(/must be a number/);
    expect(parseNumber("-5", spec("registered")).error).toBe("Registered list cannot be negative.");
    expect(parseNumber("−5", spec("adjusted")).error).toBe("Adjusted population cannot be negative.");
    expect(parseNumber("-0", spec("beds")).error).toMatch(/negative/);
    expect(parseNumber("12.5", spec("beds")).error).toBe("Care-home beds must be a whole number.");
    expect(parseNumber("123456789", spec("registered")).error).toMatch(/too large/);
  });
});

describe("validateRow", () => {
  it("ignores empty rows and builds a PracticeInput with only given fields", () => {
    expect(validateRow(emptyRow())).toEqual({ empty: true, errors: {} });
    const r = validateRow({ ...emptyRow(), name: " Riverside ", odsCode: "a81001", weighted: "1,000.5" });
    expect(r.practice).toEqual({ name: "Riverside", odsCode: "A81001", weighted: 1000.5 });
  });
  it("needs a name once figures are typed, and a sane ODS code", () => {
    const r = validateRow({ ...emptyRow(), registered: "100", odsCode: "A8 1001" });
    expect(r.practice).toBeUndefined();
    expect(r.errors.name).toMatch(/practice name/);
    expect(r.errors.odsCode).toMatch(/letters and digits/);
  });
  it("round-trips what the host sends", () => {
    const p = { name: "<b>x</b>", registered: 10, beds: 0 };
    expect(validateRow(rowFromPractice(p)).practice).toEqual(p);
  });
});

describe("escaping and messages", () => {
  it("escapeHtml covers the five specials", () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')">&`)).toBe("&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;");
    expect(toText(undefined)).toBe("");
    expect(toText(12)).toBe("12");
  });
  it("errorText strips Apps Script's Error: prefix and never returns blank", () => {
    expect(errorText(new Error("Sheet is protected"))).toBe("Sheet is protected");
    expect(errorText({ message: "Exception: Error: nope" })).toBe("nope");
    expect(errorText(new TypeError("x is undefined"))).toBe("x is undefined");
    expect(errorText("Error: nope")).toBe("nope");
    expect(errorText(undefined)).toMatch(/Something went wrong/);
  });
  it("progressText numbers the sheet in hand (done counts finished sheets)", () => {
    expect(progressText({ done: 2, total: 11, label: "Funding" })).toBe("Building Funding (3 of 11)");
    expect(progressText({ done: 0, total: 11, label: "Partnerships" })).toBe("Building Partnerships (1 of 11)");
    expect(progressText({ done: 11, total: 11, label: "Done" })).toBe("Finishing up (11 of 11 built)");
    expect(progressText({ done: 2, total: 5, label: "" })).toBe("Building sheet 3 of 5");
  });
  it("CSS loads nothing from the network", () => {
    expect(paneCss).not.toMatch(/url\(|@import|@font-face/);
  });
});

describe("pane sources", () => {
  it("never write markup or reach the network", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const dir = join(__dirname, "../pane");
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
      const src = readFileSync(join(dir, f), "utf8");
      expect(src, f).not.toMatch(/\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML|document\.write|\bfetch\s*\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|\beval\s*\(|new Function/);
    }
  });
});
