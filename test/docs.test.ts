// The README and the data docs stay true to the code.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../core/functions/catalogue";
import { validateNetwork } from "../core/workbook/data";
import { parseArgs } from "../cli/main";

const root = join(__dirname, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

describe("docs", () => {
  it("the README starts with the two commands: install + workbook, and tests", () => {
    const block = readme.split("```bash")[1].split("```")[0].trim().split("\n");
    expect(block[0]).toMatch(/^npm ci && npm run workbook\b/);
    expect(block[1]).toMatch(/^npm test\b/);
  });
  it("the README lists every custom function with its example and the result the catalogue states (checked against the function in functions.test.ts)", () => {
    for (const f of CATALOGUE) expect(readme).toContain(`=PCN.${f.name}(${f.example.args})\` → ${f.example.result}`);
  });
  it("examples/network.json is valid network data", () => {
    const r = validateNetwork(JSON.parse(readFileSync(join(root, "examples/network.json"), "utf8")));
    expect(r.ok ? [] : r.errors).toEqual([]);
  });
  it("the workbook command explains a bad option", () => {
    expect(() => parseArgs(["--yeer", "2025/26"])).toThrow(/Unknown option --yeer[\s\S]*Usage/);
    expect(() => parseArgs(["--out"])).toThrow(/--out needs a value/);
    expect(parseArgs(["--data", "x.json"])).toMatchObject({ data: "x.json", sample: false });
  });
});

describe("npm run push", () => {
  it("calls clasp with options clasp knows, from the rootDir the example .clasp.json names", async () => {
    const { execFileSync } = await import("node:child_process");
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const push = String(pkg.scripts.push);
    const flags = (push.split("clasp push")[1] ?? "").trim().split(/\s+/).filter((f) => f.startsWith("-"));
    const help = execFileSync(join(root, "node_modules/.bin/clasp"), ["push", "--help"], { encoding: "utf8" });
    for (const f of flags) expect(help, f).toContain(f);
    expect(JSON.parse(readFileSync(join(root, ".clasp.json.example"), "utf8")).rootDir).toBe("dist/sheets-addon");
  });
});

describe("the sample network", () => {
  it("is complete and valid network data as built (the add-ins build it without the validator)", async () => {
    const { NetworkSchema } = await import("../core/workbook/data");
    const { sampleNetwork, largeNetwork } = await import("../core/workbook/sample");
    for (const n of [sampleNetwork("2025/26", "2026-03-01"), sampleNetwork("2023/24", "2024-01-01"), largeNetwork(0.01)]) {
      const plain = JSON.parse(JSON.stringify(n));
      expect(JSON.parse(JSON.stringify(NetworkSchema.parse(plain)))).toEqual(plain);
    }
  });
});
