// The workbook command as a person runs it: says where the file is and which case it was, shows progress on
// big networks, refuses bad input with a sentence and no file, and never prints a stack trace.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import JSZip from "jszip";
import { beforeAll, describe, expect, it } from "vitest";
import { todayIso } from "../core/funding/dates";
import { defaultYear } from "../core/rates/book";
import { largeNetwork, sampleNetwork } from "../core/workbook/sample";

const root = resolve(__dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "pcn-cli-"));
// The pre-built command, as `npm run workbook` runs it (built here if the sources are newer).
let cli = "";
beforeAll(async () => { cli = await ((await import(join(root, "scripts", "build-cli.mjs"))) as { ensureCli(): Promise<string> }).ensureCli(); });
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: "utf8" });
const noTrace = (r: ReturnType<typeof run>) => {
  expect(r.stderr).not.toMatch(/\n\s+at .+\(|Error:|node:internal/);
  expect(r.stderr.trim().length).toBeGreaterThan(0);
};
const own = () => {
  const d = JSON.parse(JSON.stringify(sampleNetwork("2025/26", "2026-03-01")));
  d.pcn.name = "Castlegate PCN";
  return d;
};

describe("npm run workbook", () => {
  it("--help prints the usage on stdout and exits 0", () => {
    const r = run("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run workbook/);
    expect(r.stderr).toBe("");
  });

  it("writes the sample workbook into a new file, says so, and says it was rebuilt (still the sample) the next time", () => {
    const out = join(dir, "sample.xlsx");
    const r = run("--out", out);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n").at(-1)).toBe(`Wrote ${out}: a new workbook with the fictional sample network (run with --data your-network.json, and a new --out, for your own).`);
    // A new workbook is for today's financial year, and the output says which and why.
    const d = defaultYear(todayIso());
    expect(r.stdout.split("\n")[0]).toEqual(d.note ? `Financial year ${d.year}. ${d.note}` : expect.stringMatching(new RegExp(`^Financial year ${d.year.replace("/", "\\/")} \\(the financial year of today, `)));
    expect(existsSync(out)).toBe(true);
    const again = run("--out", out);
    expect(again.status).toBe(0);
    expect(again.stdout.trim().split("\n").at(-1)).toBe(`Rebuilt ${out}: the fictional sample workbook, with everything typed into it kept.`);
  });

  it("a person's own workbook: new from their data, rebuilt with and without it; never called the sample", () => {
    const data = join(dir, "own.json");
    writeFileSync(data, JSON.stringify(own()));
    const out = join(dir, "own.xlsx");
    const first = run("--data", data, "--out", out);
    expect(first.status).toBe(0);
    expect(first.stdout.trim().split("\n").at(-1)).toBe(`Wrote ${out}: a new workbook from your data.`);
    const plain = run("--out", out);
    expect(plain.status).toBe(0);
    expect(plain.stdout.trim().split("\n").at(-1)).toBe(`Rebuilt ${out}: your workbook, with everything you typed kept.`);
    const d = own();
    d.practices[0].registered += 100;
    writeFileSync(data, JSON.stringify(d));
    const withData = run("--data", data, "--out", out);
    expect(withData.status).toBe(0);
    expect(withData.stdout.trim().split("\n").at(-1)).toBe(`Rebuilt ${out} with your data: 1 value updated from the file; no value you changed was overruled; everything else you typed is kept.`);
    for (const r of [first, plain, withData]) expect(r.stdout).not.toMatch(/sample/);
    // Data into the sample workbook is refused: it would mix made-up records with the person's.
    const mixed = run("--data", data, "--out", join(dir, "sample.xlsx"));
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toMatch(/holds the fictional sample network/);
    expect(mixed.stdout).toBe("");
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

  it("refuses an --out it should not write, with a sentence: no folder, not .xlsx, under a file, a folder", () => {
    const missing = run("--out", join(dir, "no-such-folder", "x.xlsx"));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/the folder .*no-such-folder does not exist \(create it first, or give another --out\); nothing was written/);
    expect(existsSync(join(dir, "no-such-folder"))).toBe(false);
    const csv = run("--out", join(dir, "x.csv"));
    expect(csv.status).toBe(2);
    expect(csv.stderr).toMatch(/--out must name an .xlsx file/);
    writeFileSync(join(dir, "a-file"), "x");
    const under = run("--out", join(dir, "a-file", "x.xlsx"));
    expect(under.status).toBe(2);
    expect(under.stderr).toMatch(/is a file, not a folder/);
    expect(readFileSync(join(dir, "a-file"), "utf8")).toBe("x");
    mkdirSync(join(dir, "folder.xlsx"));
    const folder = run("--out", join(dir, "folder.xlsx"));
    expect(folder.status).toBe(2);
    expect(folder.stderr).toMatch(/is a folder, not a file/);
    for (const r of [missing, csv, under, folder]) { noTrace(r); expect(r.stdout).toBe(""); }
    expect(existsSync(join(dir, "x.csv"))).toBe(false);
  });

  it("refuses a zip, an .ods or any other file named .xlsx, leaving it as it was", async () => {
    const zip = new JSZip();
    zip.file("hello.txt", "not a workbook");
    writeFileSync(join(dir, "zip.xlsx"), await zip.generateAsync({ type: "nodebuffer" }));
    const ods = new JSZip();
    ods.file("mimetype", "application/vnd.oasis.opendocument.spreadsheet");
    ods.file("content.xml", "<office:document-content/>");
    writeFileSync(join(dir, "ods.xlsx"), await ods.generateAsync({ type: "nodebuffer" }));
    writeFileSync(join(dir, "text.xlsx"), "just text");
    // A password-protected workbook is an OLE compound file.
    writeFileSync(join(dir, "locked.xlsx"), Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]));
    for (const name of ["zip.xlsx", "ods.xlsx", "text.xlsx", "locked.xlsx"]) {
      const before = readFileSync(join(dir, name));
      const r = run("--out", join(dir, name));
      expect(r.status, name).toBe(2);
      expect(r.stderr, name).toMatch(/is not an \.xlsx workbook .*nothing was written/);
      noTrace(r);
      expect(r.stdout).toBe("");
      expect(readFileSync(join(dir, name)).equals(before)).toBe(true);
    }
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(run("--out", join(dir, "locked.xlsx")).stderr).toMatch(/protected with a password, or an old \.xls/);
  });

  it("prints nothing a refusal contradicts: a bad data file over an existing workbook says only why", () => {
    const out = join(dir, "keep.xlsx");
    expect(run("--out", out, "--empty").status).toBe(0);
    const before = statSync(out).mtimeMs;
    const d = own();
    d.practices[0].registered = -1;
    writeFileSync(join(dir, "bad.json"), JSON.stringify(d));
    const r = run("--data", join(dir, "bad.json"), "--out", out);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toMatch(/Rebuilding|kept/);
    expect(r.stderr).toMatch(/practices\.0\.registered: cannot be negative/);
    expect(statSync(out).mtimeMs).toBe(before);
  });
});
