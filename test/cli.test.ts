// The workbook command as a person runs it: says where the file is, shows progress on big networks, and
// refuses bad input with a message and no file.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { largeNetwork } from "../core/workbook/sample";

const root = resolve(__dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "pcn-cli-"));
// The pre-built command, as `npm run workbook` runs it (built here if the sources are newer).
let cli = "";
beforeAll(async () => { cli = await ((await import(join(root, "scripts", "build-cli.mjs"))) as { ensureCli(): Promise<string> }).ensureCli(); });
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8" });

describe("npm run workbook", () => {
  it("writes the sample workbook and says where it is", () => {
    const out = join(dir, "sample.xlsx");
    const r = run("--out", out);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Wrote ${out}`);
    expect(r.stdout).toMatch(/fictional sample network/);
    expect(existsSync(out)).toBe(true);
  });

  it("shows progress while writing a large network", () => {
    const data = join(dir, "big.json");
    writeFileSync(data, JSON.stringify(largeNetwork(0.15)));
    const r = run("--data", data, "--out", join(dir, "big.xlsx"));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/writing sheets \d+\/\d+/);
    expect(r.stderr).toMatch(/saving/);
  });

  it("refuses an unknown year and a bad file with a message, writing nothing", () => {
    const y = run("--year", "2031/32", "--out", join(dir, "y.xlsx"));
    expect(y.status).toBe(2);
    expect(y.stderr).toMatch(/Unknown financial year "2031\/32". Years available: 2023\/24, 2024\/25, 2025\/26/);
    writeFileSync(join(dir, "broken.json"), "{ not json");
    const b = run("--data", join(dir, "broken.json"), "--out", join(dir, "b.xlsx"));
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/is not valid JSON/);
    expect(existsSync(join(dir, "y.xlsx")) || existsSync(join(dir, "b.xlsx"))).toBe(false);
  });
});
