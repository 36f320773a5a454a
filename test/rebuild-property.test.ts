/**
 * Property: random edits a person makes (hostile text included), then a rebuild with a random new data file,
 * then one without, through the file's bytes each time (edits in exceljs, rebuilds through the shipped reader and
 * writer): nothing the person typed is lost, every field
 * the file owns and the person left alone takes the file's new value, records the file dropped stay, and every
 * file written reads back. (Files saved by a real spreadsheet application are test/libreoffice-*'s work.)
 */
import fc from "fast-check";
import JSZip from "jszip";
import { beforeAll, describe, expect, it } from "vitest";
import { workbookContext, workbookSpecs } from "../core/workbook/build";
import { validateNetwork, type NetworkData } from "../core/workbook/data";
import { readMeta, recordKey } from "../core/workbook/engine";
import { isoToSerial, type WorkbookSnapshot } from "../core/workbook/plan";
import { sampleNetwork } from "../core/workbook/sample";
import type { Value } from "../core/workbook/spec";
import { edit, rebuild as build, snapshotOf } from "./offline";

const today = "2026-03-01";
const D0 = (() => {
  const d = JSON.parse(JSON.stringify(sampleNetwork("2025/26", today))) as NetworkData;
  d.pcn.name = "Castlegate PCN";
  return d;
})();
/** Text a person or a data file may give. Control characters are refused by the data check; `_xHHHH_` and CR
 *  are the writer's to carry exactly (exceljs decodes them), so they are left to the writer's own tests. */
const hostile = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 14 }),
  fc.constantFrom("=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(1)", "constructor", "__proto__", "toString", "<b>&amp;</b>", "'quoted", " padded ", "ＰＣＮ", "😀 clinic", "Ärztehaus", "x".repeat(300)),
).filter((s) => s.trim() !== "" && !/[\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF]|_x[0-9A-Fa-f]{4}_/.test(s));
const num = fc.oneof(fc.integer({ min: 0, max: 200000 }), fc.double({ min: 0, max: 1e6, noNaN: true }).map((x) => Math.round(x * 100) / 100));

let base: Buffer;
interface Slot { sheet: string; row: number; col: number; key?: boolean }
let slots: Slot[];

/** Rebuilds the file's bytes and checks the new file is a well-formed package (no character XML cannot carry). */
async function rebuild(file: Buffer, data?: NetworkData) {
  const r = await build(file, { data, today });
  const zip = await JSZip.loadAsync(r.file);
  for (const f of Object.keys(zip.files).filter((f) => f.endsWith(".xml"))) expect(await zip.file(f)!.async("string"), f).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
  return r;
}

function inputSlots(snap: WorkbookSnapshot): Slot[] {
  const { specs } = workbookSpecs(snap, {});
  const meta = readMeta(snap);
  const out: Slot[] = [];
  for (const s of specs) {
    const m = meta.sheets.find((x) => x.key === s.key);
    if (!m || !m.name) continue;
    if (s.table && ["practices", "partnerships", "budget", "kpis", "arrs"].includes(s.key)) {
      s.table.columns.forEach((c, ci) => { if (!c.formula) for (let r = 1; r <= m.capacity; r++) out.push({ sheet: s.name, row: r, col: ci, key: s.table!.keyColumns.includes(c.key) }); });
    }
    for (const rep of s.reports ?? []) rep.rows.forEach((row, r) => row.forEach((rc, c) => rc?.input && out.push({ sheet: s.name, row: r, col: rep.col + c })));
  }
  return out;
}

/** A new data file: some fields changed, some records added, some dropped. */
const dataFile = fc.record({
  reg: fc.array(fc.tuple(fc.nat(5), num), { maxLength: 4 }),
  partner: fc.array(fc.tuple(fc.nat(11), hostile), { maxLength: 4 }),
  annual: fc.array(fc.tuple(fc.nat(17), num), { maxLength: 4 }),
  measure: fc.array(fc.tuple(fc.nat(7), hostile), { maxLength: 3 }),
  newBudget: fc.array(hostile, { maxLength: 3 }),
  dropBudget: fc.array(fc.nat(17), { maxLength: 3 }),
}).map((x) => {
  const d = JSON.parse(JSON.stringify(D0)) as NetworkData;
  for (const [i, v] of x.reg) d.practices[i].registered = Math.round(v);
  for (const [i, v] of x.partner) d.partnerships[i].partner = v;
  for (const [i, v] of x.annual) d.budget[i].annual = v;
  for (const [i, v] of x.measure) d.kpis[i].measure = v;
  x.newBudget.forEach((ref, i) => d.budget.push({ ...d.budget[0], ref: `${ref} ${i}`, description: ref }));
  const drop = new Set(x.dropBudget.map((i) => D0.budget[i].ref));
  d.budget = d.budget.filter((b) => !drop.has(b.ref));
  return d;
});

beforeAll(async () => {
  const v = validateNetwork(JSON.parse(JSON.stringify(D0)));
  if (!v.ok) throw new Error(v.errors.join("\n"));
  base = (await build(null, { data: v.data, today })).file;
  slots = inputSlots(snapshotOf(base));
});

describe("random edits, hostile text and new data files, then rebuilds", () => {
  it("lose nothing the person typed, update what they left alone, keep what the file dropped", async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(), fc.oneof(hostile, num)), { minLength: 1, maxLength: 20 }),
      dataFile,
      async (rawEdits, d1) => {
        const before = snapshotOf(base);
        const edits = new Map<string, { slot: Slot; v: string | number }>();
        const typed = await edit(base, (wb) => {
          for (const [i, v] of rawEdits) {
            const slot = slots[i % slots.length];
            const cur = before.sheets.find((s) => s.name === slot.sheet)!.values[slot.row]?.[slot.col] ?? null;
            if (cur === v) continue;
            wb.getWorksheet(slot.sheet)!.getCell(slot.row + 1, slot.col + 1).value = v;
            edits.set(`${slot.sheet}|${slot.row}|${slot.col}`, { slot, v });
          }
        });
        const ctx = workbookContext(snapshotOf(typed));
        const v = validateNetwork(JSON.parse(JSON.stringify(d1)), { practices: ctx.practices, partnerships: ctx.partnerships, roles: ctx.roles });
        fc.pre(v.ok);
        const data = (v as { ok: true; data: NetworkData }).data;
        const { file: after, plan } = await rebuild(typed, data);
        const { file: plain } = await rebuild(after);
        const snap = snapshotOf(plain);
        const at = (sheet: string, r: number, c: number): Value => (snap.sheets.find((s) => s.name === sheet)!.values[r]?.[c] ?? null) as Value;
        // 1. Every cell the person typed holds what they typed, after both rebuilds.
        for (const { slot, v: want } of edits.values()) expect(at(slot.sheet, slot.row, slot.col), `${slot.sheet} R${slot.row + 1}C${slot.col + 1}`).toBe(want);
        // 2. Records of the new file in rows the person did not touch carry the file's values; dropped ones stay.
        const { specs } = workbookSpecs(snap, { data });
        const editedRows = new Set([...edits.values()].map((e) => `${e.slot.sheet}|${e.slot.row}`));
        const editedKeys = new Set([...edits.values()].filter((e) => e.slot.key).map((e) => `${e.slot.sheet}|${recordKey(["k"], { k: String(e.v) })}`));
        for (const key of ["practices", "partnerships", "budget", "kpis"]) {
          const spec = specs.find((s) => s.key === key)!;
          const t = spec.table!;
          const sheet = snap.sheets.find((s) => s.name === spec.name)!;
          const rowsByKey = new Map<string, number>();
          sheet.values.forEach((row, r) => { if (r > 0) { const k = recordKey(t.keyColumns, Object.fromEntries(t.columns.map((c, i) => [c.key, row[i] as Value]))); if (k && !rowsByKey.has(k)) rowsByKey.set(k, r); } });
          for (const rec of spec.rows ?? []) {
            const k = recordKey(t.keyColumns, rec);
            if (editedKeys.has(`${spec.name}|${k}`)) continue;
            const r = rowsByKey.get(k);
            expect(r, `${spec.name} ${k}`).toBeDefined();
            if (editedRows.has(`${spec.name}|${r}`)) continue;
            t.columns.forEach((c, ci) => {
              if (c.formula || c.seed || !Object.prototype.hasOwnProperty.call(rec, c.key)) return;
              const want = rec[c.key];
              const expected = want === null || want === "" ? null : c.type === "date" && typeof want === "string" ? isoToSerial(want) : want;
              expect(at(spec.name, r!, ci), `${spec.name} ${k} ${c.key}`).toBe(expected);
            });
          }
        }
        const budgetBefore = before.sheets.find((s) => s.name === "Budget")!.values;
        for (const b of D0.budget) {
          const r = budgetBefore.findIndex((row) => row[0] === b.ref);
          if (edits.has(`Budget|${r}|0`)) continue; // the person retyped its reference
          expect(snap.sheets.find((s) => s.name === "Budget")!.values[r]?.[0], b.ref).toBe(b.ref);
        }
        // 3. Conflicts name only fields the person changed.
        for (const c of plan.conflicts ?? []) expect([...edits.values()].some((e) => e.slot.sheet === c.sheet && e.slot.row === c.row - 1), `${c.sheet} ${c.row} ${c.field}`).toBe(true);
      },
    ), { numRuns: Number(process.env.RUNS ?? 12) });
  }, 600_000); // 12 runs of several full builds of the 29-sheet workbook: minutes on a loaded 2-core machine
});
