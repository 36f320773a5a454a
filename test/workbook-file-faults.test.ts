// Failures the machine cannot be made to produce on demand (tests run as root in CI, which ignores file
// permissions; a full disk cannot be arranged): the file system calls the writer makes fail as the OS fails them,
// and each failure is a sentence, the old workbook stays byte for byte, and no temporary file is left.
import * as realFs from "node:fs";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const faults = vi.hoisted(() => ({ writeAfter: Infinity, written: 0, open: "" as string, rename: "" as string, fsync: "" as string }));
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const err = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });
  return {
    ...fs,
    writeSync: (...a: Parameters<typeof fs.writeSync>) => {
      const len = (a[1] as unknown as Buffer).length;
      if (faults.written + len > faults.writeAfter) throw err("ENOSPC");
      faults.written += len;
      return (fs.writeSync as (...x: unknown[]) => number)(...a);
    },
    openSync: (...a: Parameters<typeof fs.openSync>) => { if (faults.open && String(a[1]).includes("w")) throw err(faults.open); return fs.openSync(...a); },
    renameSync: (...a: Parameters<typeof fs.renameSync>) => { if (faults.rename) throw err(faults.rename); return fs.renameSync(...a); },
    fsyncSync: (...a: Parameters<typeof fs.fsyncSync>) => { if (faults.fsync) throw err(faults.fsync); return fs.fsyncSync(...a); },
  };
});

const { readWorkbookFile, writeWorkbookFile } = await import("../cli/workbookFile");
const { buildPlan } = await import("../core/workbook/build");
const { rebuild } = await import("./offline");

const dir = mkdtempSync(join(tmpdir(), "pcn-faults-"));
const out = join(dir, "wb.xlsx");
let original: Buffer;
beforeAll(async () => { original = (await rebuild(null, { sample: true, today: "2026-03-01" })).file; });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function attempt(set: () => void): Promise<string> {
  writeFileSync(out, original);
  Object.assign(faults, { writeAfter: Infinity, written: 0, open: "", rename: "", fsync: "" });
  set();
  try {
    await writeWorkbookFile(out, buildPlan(readWorkbookFile(out).snapshot, { sample: true, today: "2026-03-01" }), readWorkbookFile(out));
    return "written";
  } catch (e) {
    return (e as Error).message;
  } finally {
    Object.assign(faults, { writeAfter: Infinity, open: "", rename: "", fsync: "" });
  }
}

describe("write failures", () => {
  it.each([
    ["a full disk, part way through", () => { faults.writeAfter = 20_000; }, /disk is full/],
    ["a read-only folder", () => { faults.open = "EACCES"; }, /permission denied \(is the folder or file read-only\?\)/],
    ["a read-only disk", () => { faults.open = "EROFS"; }, /the disk is read-only/],
    ["a file locked by another program", () => { faults.rename = "EBUSY"; }, /in use by another program/],
    ["a disk error while flushing", () => { faults.fsync = "EIO"; }, /input\/output error/],
  ])("%s: a sentence, the old workbook unchanged, no temporary file", async (_, set, why) => {
    const msg = await attempt(set);
    expect(msg).toMatch(why);
    expect(msg).not.toMatch(/\n\s+at /);
    expect(readFileSync(out).equals(original)).toBe(true);
    expect(readdirSync(dir).filter((n) => n.endsWith(".pcn-tmp"))).toEqual([]);
  });

  it("with no fault, the same write succeeds (the faults above are what failed)", async () => {
    expect(await attempt(() => undefined)).toBe("written");
    expect(realFs.existsSync(out)).toBe(true);
  });
});
