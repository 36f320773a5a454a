// A person's edits made in LibreOffice (a real spreadsheet application, test/engines/libreofficeEdits.ts), saved as
// .xlsx, then rebuilt twice by the shipped command (dist/cli/main.cjs), with and without --data: every edit is
// still there as LibreOffice sees it, and LibreOffice recalculates the rebuilt workbook with no error value.
// LibreOffice starts twice for the whole file: once for every edit, once to check every rebuilt workbook.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWorkbookFile } from "../cli/workbookFile";
import { buildPlan } from "../core/workbook/build";
import { sampleNetwork } from "../core/workbook/sample";
import { disposeLibreOffice, parseFods, type LoValue } from "./engines/libreoffice";
import { engineErrors } from "./engines/compare";
import { libreOffice, type LoEdit, type LoQuery } from "./engines/libreofficeEdits";

const root = resolve(__dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "pcn-lo-edits-"));
const at = (f: string) => join(dir, f);
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
let cli = "";

/** The command as a person runs it. */
function workbook(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args, "--quiet"], { cwd: root, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
}

const OWN = "Their notes";
const EDITS: LoEdit[] = [
  { op: "deleteRows", sheet: "Partnerships", row: 3 },
  { op: "insertRows", sheet: "Budget", row: 4, count: 2 },
  { op: "setText", sheet: "Budget", cell: "A4", text: "B-NEW" },
  { op: "setText", sheet: "Budget", cell: "B4", text: "Line inserted in LibreOffice" },
  { op: "sort", sheet: "Practices", range: "A1:G7", column: 0, descending: true },
  { op: "addChart", sheet: "ARRS Summary", name: "Their ARRS chart", range: "A2:B6", x: 12000, y: 1000, width: 9000, height: 6000 },
  { op: "insertSheet", sheet: OWN },
  { op: "setText", sheet: OWN, cell: "A1", text: "Quarter" },
  { op: "setText", sheet: OWN, cell: "B1", text: "Spend" },
  ...[2, 3, 4].flatMap((r): LoEdit[] => [{ op: "setNumber", sheet: OWN, cell: `A${r}`, value: r - 1 }, { op: "setNumber", sheet: OWN, cell: `B${r}`, value: r * 0.1 }]),
  { op: "addChart", sheet: OWN, name: "Their own chart", range: "A1:B4", x: 5000, y: 1000, width: 8000, height: 5000 },
  { op: "addImage", sheet: "KPI Charts", name: "Their logo", png: "", x: 500, y: 500, width: 2000, height: 2000 },
  { op: "addNote", sheet: "Budget", cell: "C3", text: 'Checked by "Anna"\non Monday' },
  { op: "addNote", sheet: "Budget", cell: "B300", text: "A note far below the table" },
  { op: "setText", sheet: "Budget", cell: "B200", text: "Text far below the table" },
  { op: "merge", sheet: "About", range: "C1:D2" },
  { op: "setText", sheet: "Practices", cell: "G4", text: "1,5" }, // text pasted into a number cell (custom weight)
  { op: "renameSheet", sheet: "ARRS Shares", to: "Shares of posts" },
  { op: "deleteSheet", sheet: "Register Summary" },
  { op: "addCondition", sheet: "Budget", range: "B2:B20", formula: "LEN(B2)>20", style: "Bad" },
  { op: "addCondition", sheet: OWN, range: "B2:B4", formula: "B2>0.25", style: "Good" },
  { op: "addListValidation", sheet: "Partnerships", range: "BJ2:BJ20", items: ["Low", "High"], title: "Their rule" },
  { op: "setText", sheet: "Partnerships", cell: "BJ1", text: "Their risk" },
  { op: "addLink", sheet: "About", cell: "C5", url: "https://www.england.nhs.uk/", text: "NHS England" },
  { op: "tabColor", sheet: "Budget", rgb: 0xff0000 },
  { op: "tabColor", sheet: OWN, rgb: 0x00aa00 },
  { op: "hideRows", sheet: "Partnerships", row: 6, count: 2 },
  { op: "hideColumn", sheet: "Budget", col: 4 },
  { op: "numberFormat", sheet: "Budget", range: "G2:G10", format: "#,##0.0" },
  { op: "numberFormat", sheet: OWN, range: "B2:B4", format: "0.00%" },
  { op: "columnWidth", sheet: "Budget", col: 1, width: 9000 },
  { op: "addName", name: "TheirRange", ref: `$'${OWN}'.$A$2:$A$4` },
  { op: "printArea", sheet: "Budget", range: "A1:H20" },
  { op: "landscape", sheet: "Budget" },
];

/** What a person would look at to see that their edits are still there. */
const CHECKS: LoQuery[] = [
  { q: "charts", sheet: "ARRS Summary" },
  { q: "charts", sheet: OWN },
  { q: "notes", sheet: "Budget" },
  { q: "merged", sheet: "About", range: "C1:D2" },
  { q: "links", sheet: "About", cell: "C5" },
  { q: "tabColor", sheet: "Budget" },
  { q: "tabColor", sheet: OWN },
  { q: "rowHidden", sheet: "Partnerships", row: 6 },
  { q: "rowHidden", sheet: "Partnerships", row: 7 },
  { q: "columnHidden", sheet: "Budget", col: 4 },
  { q: "validation", sheet: "Partnerships", cell: "BJ5" },
  { q: "conditions", sheet: OWN, cell: "B3" },
  { q: "numberFormat", sheet: "Budget", cell: "G5" },
  { q: "numberFormat", sheet: OWN, cell: "B3" },
  { q: "columnWidth", sheet: "Budget", col: 1 },
  { q: "printArea", sheet: "Budget" },
  { q: "landscape", sheet: "Budget" },
  { q: "string", sheet: "Budget", cell: "B200" },
  { q: "string", sheet: "Practices", cell: "G4" },
  { q: "string", sheet: "Budget", cell: "A4" },
  { q: "string", sheet: "Budget", cell: "B4" },
  { q: "string", sheet: OWN, cell: "A1" },
  { q: "string", sheet: "Partnerships", cell: "BJ1" },
  { q: "string", sheet: "Partnerships", cell: "A3" },
];
const SETS: LoQuery[] = [
  { q: "shapes", sheet: "KPI Charts" },
  { q: "conditions", sheet: "Budget", cell: "B5" },
  { q: "names" },
  { q: "sheets" },
];
const set = (s: string) => s.split("|").filter((x) => x).sort();

let edited: { checks: string[]; sets: string[] };
let edited2: { checks: string[]; sets: string[] };
let rebuilt: Record<string, { checks: string[]; sets: string[]; values: Record<string, LoValue[][]> }> = {};

beforeAll(async () => {
  const { ensureCli } = (await import(join(root, "scripts", "build-cli.mjs"))) as { ensureCli(): Promise<string> };
  cli = await ensureCli();
  writeFileSync(at("logo.png"), PNG);
  const edits = EDITS.map((e) => (e.op === "addImage" ? { ...e, png: at("logo.png") } : e));
  writeFileSync(at("network.json"), JSON.stringify(sampleNetwork()));
  workbook("--out", at("sample.xlsx"));
  workbook("--out", at("data.xlsx"), "--data", at("network.json"));
  // 1. A person's edits in LibreOffice, on the sample and on a workbook built from a data file.
  await libreOffice([
    { file: at("sample.xlsx"), edits, saveAs: at("edited.xlsx") },
    { file: at("data.xlsx"), edits, saveAs: at("edited-data.xlsx") },
    { file: at("sample.xlsx"), edits: [{ op: "deleteRows", sheet: "Partnerships", row: 4 }], saveAs: at("deleted.xlsx") },
    { file: at("sample.xlsx"), edits: [{ op: "setText", sheet: "Partnerships", cell: "A100000", text: "A stray note" }], saveAs: at("stray.xlsx") },
  ]);
  const split = (a: string[]) => ({ checks: a.slice(0, CHECKS.length), sets: a.slice(CHECKS.length) });
  // 2. Two rebuilds each, as the command runs them.
  for (const [src, name, data] of [["edited.xlsx", "sample", false], ["edited-data.xlsx", "data", true]] as const) {
    copyFileSync(at(src), at(`${name}-rebuilt.xlsx`));
    for (let i = 0; i < 2; i++) { workbook("--out", at(`${name}-rebuilt.xlsx`), ...(data ? ["--data", at("network.json")] : [])); }
  }
  copyFileSync(at("deleted.xlsx"), at("deleted-rebuilt.xlsx"));
  workbook("--out", at("deleted-rebuilt.xlsx"));
   copyFileSync(at("stray.xlsx"), at("stray-rebuilt.xlsx"));
  workbook("--out", at("stray-rebuilt.xlsx"));
    // 3. What LibreOffice sees in the rebuilt workbooks, and what it computes there.
  const names = ["sample", "data", "deleted"];
  // The edited files are read back too: the comparison is with what LibreOffice itself saved.
  const second = await libreOffice([
    ...names.map((n) => ({ file: at(`${n}-rebuilt.xlsx`), queries: n === "deleted" ? [] : [...CHECKS, ...SETS], saveFods: at(`${n}.fods`) })),
    { file: at("edited.xlsx"), queries: [...CHECKS, ...SETS] },
    { file: at("edited-data.xlsx"), queries: [...CHECKS, ...SETS] },
  ]);
  edited = split(second[names.length].answers);
  edited2 = split(second[names.length + 1].answers);
   rebuilt = Object.fromEntries(names.map((n, i) => [n, { ...split(second[i].answers), values: parseFods(readFileSync(at(`${n}.fods`), "utf8")) }]));
}, 300_000);

afterAll(async () => {
  await disposeLibreOffice();
  rmSync(dir, { recursive: true, force: true });
});


describe("edits made in LibreOffice survive two rebuilds", () => {
  it.each([["without --data", "sample"], ["with --data", "data"]] as const)("%s: every edit is as LibreOffice saved it", (_, name) => {
    const before = name === "sample" ? edited : edited2;
    const after = rebuilt[name];
    // The edits took (so the comparison means something).
    expect(before.checks).toEqual([
      expect.any(String), expect.any(String), expect.stringContaining("A note far below the table"), "True",
      "https://www.england.nhs.uk/", "16711680", String(0x00aa00), "True", "True", "True", '6|"Low";"High"|Their rule', "B2>0.25",
      "#,##0.0", "0.00%", expect.stringMatching(/^(899\d|900\d)$/), expect.any(String), "True", "Text far below the table", "1,5", "B-NEW", "Line inserted in LibreOffice", "Quarter", "Their risk",
      expect.stringMatching(/^P-00[34]$/),
    ]);
    expect(before.checks[0]).not.toBe("");
    expect(before.checks[1]).not.toBe("");
    // The print area a person set: LibreOffice saves it beside the one it read (ours, as every sheet of ours
    // prints), and reading its own file back takes the last, ours. The rebuild keeps the person's alone.
    const PRINT_AREA = CHECKS.findIndex((q) => q.q === "printArea");
    expect(after.checks[PRINT_AREA]).toBe("0,0,7,19");
    CHECKS.forEach((q, i) => { if (i !== PRINT_AREA) expect(after.checks[i], JSON.stringify(q)).toBe(before.checks[i]); });
  });

  it.each([["without --data", "sample"], ["with --data", "data"]] as const)("%s: a chart, an image and a comment a person added are all still there", (_, name) => {
    const before = name === "sample" ? edited : edited2;
    const after = rebuilt[name];
    const shapes = set(after.sets[0]);
    expect(shapes).toContain("com.sun.star.drawing.GraphicObjectShape:Their logo");
    expect(set(before.sets[0])).toEqual(shapes);
    expect(after.checks[2]).toContain('C3=Checked by "Anna"\non Monday');
    expect(after.checks[0]).not.toBe("");
  });

  it("our KPI charts are recognised in a LibreOffice-saved file: replaced, never added again", () => {
    const kpis = sampleNetwork().kpis.length;
    for (const n of ["sample", "data"]) {
      const ours = set(rebuilt[n].sets[0]).filter((s) => /OLE2Shape:PCN Toolkit chart/.test(s));
      expect(ours, n).toHaveLength(kpis);
    }
  });

  it("a person's conditional format on one of our sheets stays beside ours; their names, sheets and renamed sheet stay", () => {
    for (const [before, after] of [[edited, rebuilt.sample], [edited2, rebuilt.data]]) {
      expect(set(after.sets[1])).toEqual(expect.arrayContaining(["LEN(B2)>20"]));
      expect(set(after.sets[2])).toEqual(expect.arrayContaining(set(before.sets[2])));
      expect(set(after.sets[2])).toContain("TheirRange");
      const sheets = set(after.sets[3]);
      expect(sheets).toEqual(expect.arrayContaining(set(before.sets[3])));
      expect(sheets).toContain("Shares of posts");
      expect(sheets).not.toContain("ARRS Shares");
    }
  });

  it("LibreOffice recalculates every rebuilt workbook with no error value", () => {
    for (const n of ["sample", "data", "deleted"]) expect(engineErrors(rebuilt[n].values), n).toEqual([]);
  });
});

describe("reading is bounded by what the file holds", () => {
  it("a workbook LibreOffice saved after a row deletion is read with the work of a fresh one", () => {
    const fresh = readWorkbookFile(at("sample.xlsx"));
    const deleted = readWorkbookFile(at("deleted.xlsx"));
    // LibreOffice wrote an empty row 1,048,576 on each sheet: one row each, never a million.
    expect(readFileSync(at("deleted.xlsx")).length).toBeGreaterThan(0);
    expect(deleted.stats.rows).toBeLessThanOrEqual(fresh.stats.rows + fresh.snapshot.sheets.length);
    expect(deleted.stats.cells).toBeLessThan(fresh.stats.cells * 1.3);
    for (const s of deleted.snapshot.sheets) {
      const f = fresh.snapshot.sheets.find((x) => x.name === s.name)!;
      expect(s.values.length, s.name).toBeLessThanOrEqual(f.values.length);
    }
    const cells = (p: ReturnType<typeof buildPlan>) => p.sheets.reduce((a, s) => a + s.blocks.reduce((b, k) => b + k.cells.reduce((c, r) => c + r.length, 0), 0), 0);
    const planFresh = cells(buildPlan(fresh.snapshot, { sample: true }));
    const planDeleted = cells(buildPlan(deleted.snapshot, { sample: true }));
    expect(planDeleted).toBeLessThan(planFresh * 1.1);
  });

  it("a stray note at row 100,000 costs one row to read and is kept where it is", () => {
    const fresh = readWorkbookFile(at("sample.xlsx"));
    const stray = readWorkbookFile(at("stray.xlsx"));
    expect(stray.stats.rows).toBeLessThanOrEqual(fresh.stats.rows + fresh.snapshot.sheets.length + 1);
    expect(stray.stats.cells).toBeLessThan(fresh.stats.cells * 1.3);
    const p = stray.snapshot.sheets.find((s) => s.name === "Partnerships")!;
    expect(p.values[99999]).toEqual(["A stray note"]);
    const after = readWorkbookFile(at("stray-rebuilt.xlsx")).snapshot.sheets.find((s) => s.name === "Partnerships")!;
    expect(after.values[99999][0]).toBe("A stray note");
  });
});
