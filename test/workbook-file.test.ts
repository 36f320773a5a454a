// The offline command's files: foreign or damaged files are refused with a sentence, writes are atomic (the
// old workbook stays whole until the new one is complete), failures leave no temporary file, and killing the
// command at any moment never leaves an unreadable workbook.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import JSZip from "jszip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWorkbookBuffer, readWorkbookFile, writeWorkbookFile } from "../cli/workbookFile";
import { PcnError } from "../core/errors";
import { buildPlan } from "../core/workbook/build";
import { disposeLibreOffice } from "./engines/libreoffice";
import { libreOffice } from "./engines/libreofficeEdits";
import { rebuild } from "./offline";

const root = resolve(__dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "pcn-file-"));
const today = "2026-03-01";
let sample: Buffer;
let cli = "";
beforeAll(async () => {
  sample = (await rebuild(null, { sample: true, today })).file;
  const { ensureCli } = (await import(join(root, "scripts", "build-cli.mjs"))) as { ensureCli(): Promise<string> };
  cli = await ensureCli();
});
afterAll(async () => { await disposeLibreOffice(); rmSync(dir, { recursive: true, force: true }); });

const refusal = (fn: () => unknown): string => {
  try { fn(); } catch (e) { expect(e).toBeInstanceOf(PcnError); return (e as Error).message; }
  throw new Error("not refused");
};
const temps = (d: string) => readdirSync(d).filter((n) => n.endsWith(".pcn-tmp"));

describe("reading: foreign and damaged files are refused with a sentence", () => {
  it("a zip, an OpenDocument spreadsheet, text, an old .xls, a cut-short and a damaged .xlsx", async () => {
    const zip = new JSZip();
    zip.file("notes.txt", "hello");
    const plainZip = Buffer.from(await zip.generateAsync({ type: "nodebuffer" }));
    writeFileSync(join(dir, "in.xlsx"), sample);
    const [ods] = await libreOffice([{ file: join(dir, "in.xlsx"), saveAs: join(dir, "real.ods"), filter: "calc8" }]);
    void ods;
    const cases: [string, Buffer, RegExp][] = [
      ["zip.xlsx", plainZip, /is not an \.xlsx workbook \(it is a zip file without \[Content_Types\]\.xml/],
      ["ods.xlsx", readFileSync(join(dir, "real.ods")), /is not an \.xlsx workbook \(it is an OpenDocument spreadsheet, \.ods\); nothing was written\. Save it as Excel \.xlsx/],
      ["text.xlsx", Buffer.from("Name,Value\nA,1\n"), /is not an \.xlsx workbook \(it is not a zip package/],
      ["old.xlsx", Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]), /protected with a password, or an old \.xls\)/],
      ["short.xlsx", sample.subarray(0, Math.floor(sample.length / 2)), /not a readable \.xlsx workbook \(it is cut short\)/],
    ];
    // One flipped byte inside a compressed part: its checksum no longer matches.
    const damaged = Buffer.from(sample);
    damaged[Math.floor(damaged.length / 3)] ^= 0xff;
    cases.push(["damaged.xlsx", damaged, /damaged|could not be read/]);
    for (const [name, bytes, why] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const msg = refusal(() => readWorkbookFile(path));
      expect(msg, name).toMatch(why);
      expect(msg).not.toMatch(/\n\s+at /);
      expect(readFileSync(path).equals(bytes)).toBe(true);
    }
    expect(refusal(() => readWorkbookFile(dir))).toMatch(/that is a folder/);
  }, 120_000);
});

describe("writing", () => {
  const plan = () => buildPlan({ sheets: [] }, { sample: true, today });

  it("an --out under a file, or in a folder that does not exist, is refused before anything is written", async () => {
    writeFileSync(join(dir, "a-file"), "x");
    await expect(writeWorkbookFile(join(dir, "a-file", "out.xlsx"), plan(), readWorkbookBuffer(sample))).rejects.toThrow(/is a file, not a folder/);
    await expect(writeWorkbookFile(join(dir, "a-file", "sub", "out.xlsx"), plan(), readWorkbookBuffer(sample), { makeFolder: true })).rejects.toThrow(/is a file, not a folder/);
    await expect(writeWorkbookFile(join(dir, "missing", "out.xlsx"), plan(), readWorkbookBuffer(sample))).rejects.toThrow(/the folder .* does not exist/);
    expect(existsSync(join(dir, "missing"))).toBe(false);
    await writeWorkbookFile(join(dir, "made", "deep", "out.xlsx"), plan(), readWorkbookBuffer(sample), { makeFolder: true });
    expect(readWorkbookFile(join(dir, "made", "deep", "out.xlsx")).exists).toBe(true);
  });

  it("a write that fails part way (a plan the file cannot hold) leaves the old workbook byte for byte and no temporary file", async () => {
    const out = join(dir, "keep.xlsx");
    writeFileSync(out, sample);
    const bad = plan();
    // A formula with a character XML cannot carry is refused when its sheet is written, mid-file.
    bad.sheets[bad.sheets.length - 2].blocks.push({ row: 500, col: 0, cells: [[{ f: "=\"a\u0001b\"" }]] });
    await expect(writeWorkbookFile(out, bad, readWorkbookFile(out))).rejects.toThrow(/contains the character U\+0001, which an \.xlsx file cannot store there/);
    expect(readFileSync(out).equals(sample)).toBe(true);
    expect(temps(dir)).toEqual([]);
  });

  it("keeps the file's permissions, and removes temporary files that killed runs left behind", async () => {
    const sub = join(dir, "perm");
    mkdirSync(sub);
    const out = join(sub, "wb.xlsx");
    writeFileSync(out, sample, { mode: 0o640 });
    // A temporary file of a run that was killed (its process is gone), and one of a live process (ours: kept).
    writeFileSync(join(sub, ".wb.xlsx.999999.abc.pcn-tmp"), "partial");
    writeFileSync(join(sub, `.wb.xlsx.${process.pid}.def.pcn-tmp`), "in use");
    await writeWorkbookFile(out, plan(), readWorkbookFile(out));
    expect(statSync(out).mode & 0o777).toBe(0o640);
    expect(temps(sub)).toEqual([`.wb.xlsx.${process.pid}.def.pcn-tmp`]);
  });
});

describe("killing the command at random moments", () => {
  it("rebuilds killed at random moments (30 that landed) never leave an unreadable workbook", async () => {
    const sub = join(dir, "kill");
    mkdirSync(sub);
    const out = join(sub, "wb.xlsx");
    const args = [cli, "--out", out, "--quiet"];
    expect(spawnSync(process.execPath, args, { cwd: root }).status).toBe(0);
    const reference = readWorkbookFile(out).snapshot.sheets.map((s) => s.name);
    /** Runs the command; `pick(writing)` says when to kill it: ms after the start, then ms after its temporary file appeared. */
    const runOnce = (pick: (writing: boolean) => number | null, signal: NodeJS.Signals) => new Promise<{ code: number | null; pid: number; writeMs: number }>((res) => {
      const child = spawn(process.execPath, args, { cwd: root, stdio: "ignore" });
      const t0 = performance.now();
      let writeStart = 0;
      let timer: NodeJS.Timeout | undefined;
      const arm = (ms: number | null) => { if (ms !== null) { clearTimeout(timer); timer = setTimeout(() => child.kill(signal), ms); } };
      arm(pick(false));
      // The write begins when the temporary file appears in the folder.
      const watcher = watch(sub, (_, name) => {
        if (!writeStart && name && String(name).endsWith(".pcn-tmp") && String(name).includes(`.${child.pid}.`)) { writeStart = performance.now(); arm(pick(true)); }
      });
      child.on("exit", (code) => { clearTimeout(timer); watcher.close(); res({ code, pid: child.pid!, writeMs: writeStart ? performance.now() - writeStart : performance.now() - t0 }); });
    });
    // How long the write takes here: the kills during the write are spread over that time.
    let { writeMs } = await runOnce(() => null, "SIGKILL");
    let killed = 0;
    // Kills that land late (the run had finished) do not count: on a loaded machine the write's time varies, so
    // a run that finished shortens the window, and runs go on until 30 kills have landed (at most 150 runs).
    let runs = 0;
    for (let i = 0; killed < 30 && i < 150; i++, runs++) {
      // Most kills land while the file is being written; some anywhere from the start.
      const early = i % 4 === 0;
      const signal: NodeJS.Signals = i % 5 === 4 ? "SIGTERM" : "SIGKILL";
      const r = await runOnce((writing) => (early ? (writing ? null : Math.random() * 600) : writing ? Math.random() * writeMs * 1.1 : null), signal);
      if (r.code !== 0) killed++;
      else if (!early) writeMs = Math.min(writeMs, r.writeMs) * 0.8;
      // Whatever the moment, the workbook is whole: the old one or the new one, never a mixture.
      expect(readWorkbookFile(out).snapshot.sheets.map((s) => s.name)).toEqual(reference);
      // A run stopped by SIGTERM removes its own temporary file (SIGKILL cannot be caught: see below).
      if (signal === "SIGTERM") expect(temps(sub).filter((n) => n.includes(`.${r.pid}.`))).toEqual([]);
    }
    expect(killed).toBe(30);
    expect(runs).toBeGreaterThanOrEqual(30);
    // The next run clears what SIGKILL left behind.
    expect(spawnSync(process.execPath, args, { cwd: root }).status).toBe(0);
    expect(temps(sub)).toEqual([]);
  }, 300_000);
});
