// Failures of the machine under the command (a read-only folder, a full disk, anything unexpected): each is one
// sentence and an exit code, the old workbook is untouched and no temporary file is left. The tests run as root
// here, where a read-only folder cannot be made, so the file system's refusals are injected where they happen.
import * as fs from "node:fs";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";

const fail = { write: null as null | NodeJS.ErrnoException, open: null as null | NodeJS.ErrnoException, partial: false };
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return {
    ...real,
    // The writer writes its temporary file with openSync and writeSync (cli/workbookFile.ts).
    openSync: (...a: Parameters<typeof real.openSync>) => {
      if (fail.open && String(a[1]).includes("w")) throw fail.open;
      return real.openSync(...a);
    },
    writeSync: (fd: number, data: NodeJS.ArrayBufferView, ...rest: unknown[]) => {
      if (fail.write) {
        // A full disk stops a write part way: half the bytes reach the temporary file.
        if (fail.partial) real.writeSync(fd, (data as Buffer).subarray(0, (data as Buffer).length >> 1));
        throw fail.write;
      }
      return (real.writeSync as (...x: unknown[]) => number)(fd, data, ...rest);
    },
  };
});

const { runCli } = await import("../cli/main");
const dir = mkdtempSync(join(tmpdir(), "pcn-clifail-"));
const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
const cli = async (...argv: string[]) => {
  let out = "", err = "";
  const code = await runCli([...argv, "--quiet"], (s) => (out += s), (s) => (err += s));
  return { code, out, err };
};
const file = join(dir, "wb.xlsx");
let original: Buffer;

beforeAll(async () => {
  expect((await cli("--out", file, "--empty")).code).toBe(0);
  original = readFileSync(file);
});
afterEach(() => { fail.write = null; fail.open = null; fail.partial = false; vi.restoreAllMocks(); });

describe("the command under a failing machine", () => {
  it.each([
    ["ENOSPC", /the disk is full/, true],
    ["EACCES", /permission denied/, false],
    ["EROFS", /read-only/, false],
    ["EDQUOT", /quota/, true],
  ])("%s: a sentence, the old workbook unchanged, no temporary file left", async (code, sentence, partial) => {
    // A full disk or quota fails part way through the write; a read-only folder or disk when the file is made.
    if (partial) fail.write = errno(code);
    else fail.open = errno(code);
    fail.partial = partial;
    const r = await cli("--out", file);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(sentence);
    expect(r.err).toMatch(/The workbook that was there is unchanged\.\n$/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(readFileSync(file).equals(original)).toBe(true);
    expect(readdirSync(dir).filter((f) => /tmp$/.test(f))).toEqual([]);
  });

  it("a new file that cannot be written says nothing was written, and leaves nothing", async () => {
    fail.open = errno("EACCES");
    const r = await cli("--out", join(dir, "new.xlsx"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/new\.xlsx could not be written: permission denied \(is the folder or file read-only\?\)\. Nothing was written\./);
    expect(readdirSync(dir).sort()).toEqual(["wb.xlsx"]);
  });

  it("anything unexpected is a sentence with exit code 1, never a stack trace", async () => {
    const writer = await import("../cli/xlsx/write");
    vi.spyOn(writer, "applyPlan").mockImplementation(() => { throw new RangeError("Invalid array length"); });
    const r = await cli("--out", file);
    expect(r.code).toBe(1);
    expect(r.err).toBe("The workbook could not be built: Invalid array length. Nothing was written.\n");
    expect(readFileSync(file).equals(original)).toBe(true);
  });
});
