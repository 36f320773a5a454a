// Sheets hands a date cell to a custom function as midnight in the SPREADSHEET's time zone: the built Code.js
// must read that calendar date, whatever zone the script runs in.
import vm from "node:vm";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createFakeGas, ensureSheetsBuild } from "./fakes/fakeSheets";

let CODE = "";
beforeAll(async () => {
  CODE = readFileSync(join(await ensureSheetsBuild(resolve(__dirname, "..")), "Code.js"), "utf8");
});

function load(timeZone: string) {
  const gas = createFakeGas({ timeZone });
  const ctx = vm.createContext({ ...gas.globals, console });
  vm.runInContext(CODE, ctx);
  return ctx as Record<string, (...a: unknown[]) => unknown>;
}

describe("dates in Sheets custom functions", () => {
  it("1 April 2025 in a Paris spreadsheet is in 2025/26, though it is still 31 March in UTC", () => {
    const parisMidnight = new Date("2025-03-31T22:00:00Z"); // 00:00 on 1 April 2025 in Europe/Paris
    expect(load("Europe/Paris").PCN_FIN_YEAR(parisMidnight)).toBe("2025/26");
    expect(load("Europe/London").PCN_FIN_YEAR(new Date("2025-03-31T23:00:00Z"))).toBe("2025/26");
    expect(load("UTC").PCN_FY(new Date("2025-03-31T00:00:00Z"))).toBe("2024/25");
  });
  it("a date inside a range argument is read the same way", () => {
    const col = [[new Date("2025-03-31T22:00:00Z")], [new Date("2024-10-01T00:00:00Z")]];
    expect(load("Europe/Paris").PCN_FIN_YEAR(col)).toEqual([["2025/26"], ["2024/25"]]);
  });
});
