/**
 * What the workbook remembers between builds, in hidden sheets of ours written through the plan (so every host
 * carries it): the values each record last took from the data file (`--data`), to tell a person's edits from the
 * file's changes, and the header and label texts this product wrote, to tell them from text a person typed over.
 * Both are stored as short hashes: bounded, and only ever compared, never used to size work.
 */
import type { PlanCell, SheetSnapshot } from "./plan";
import type { Value } from "./spec";

export const DATA_SHEET = "PCN_Data";

/** cyrb53: a fast 53-bit string hash, written in base 36 (at most 11 characters). */
export const textHash = (s: string): string => cyrb53(s).toString(36);

function cyrb53(s: string): number {
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A cell's content in one comparable form: "" for empty, else a type tag and the value. */
export function canon(v: Value | undefined, formula?: string | null): string {
  if (formula) return "f:" + formula.toUpperCase();
  if (v === null || v === undefined || v === "") return "";
  return (typeof v === "number" ? "n:" : typeof v === "boolean" ? "b:" : "s:") + String(v);
}

// ---- The data store: sheet key -> record key hash -> field -> value hash ----
//
// On the sheet: per table a row [sheet key, "*", its fields], then a row per record [sheet key, key hash, its
// fields' value hashes in that order] ("" an empty field, "-" one the file left out). Stored by position and
// with 36-bit value hashes so the large network's 10,500 records take 1.8 MB, not the 4 MB "field=hash" pairs
// took; those are still read, from workbooks built before.

export type FieldHashes = Map<string, string>;
export type DataStore = Map<string, Map<string, FieldHashes>>;

/** Hard limits on what is read back: a hostile or damaged sheet costs at most its own size. */
const MAX_FIELDS = 400;
const MAX_PAYLOAD = 20000;
const HASH = /^[0-9a-z]{1,11}$/;
const FIELD = /^[A-Za-z][A-Za-z0-9_]{0,40}$/;
const FIELDS_ROW = "*";
const ABSENT = "-";

export function readDataStore(s: SheetSnapshot | undefined): DataStore {
  const store: DataStore = new Map();
  if (!s) return store;
  const fieldsOf = new Map<string, string[]>();
  for (let r = 1; r < s.values.length; r++) {
    const [sheet, key, payload] = s.values[r] ?? [];
    if (typeof sheet !== "string" || key !== FIELDS_ROW || typeof payload !== "string" || payload.length > MAX_PAYLOAD || fieldsOf.has(sheet)) continue;
    const fields = payload.split(" ").slice(0, MAX_FIELDS);
    if (fields.every((f) => FIELD.test(f))) fieldsOf.set(sheet, fields);
  }
  for (let r = 1; r < s.values.length; r++) {
    const row = s.values[r];
    if (!row) continue;
    const [sheet, key, payload] = row;
    if (typeof sheet !== "string" || typeof key !== "string" || typeof payload !== "string" || !HASH.test(key) || payload.length > MAX_PAYLOAD) continue;
    const fields: FieldHashes = new Map();
    const names = fieldsOf.get(sheet);
    const parts = payload.split(" ").slice(0, MAX_FIELDS);
    if (names) {
      parts.forEach((h, i) => { if (i < names.length && (h === "" || HASH.test(h))) fields.set(names[i], h); });
    } else {
      // Written before 2026-12: "field=hash" pairs.
      for (const part of parts) {
        const eq = part.indexOf("=");
        const f = part.slice(0, eq), h = part.slice(eq + 1);
        if (eq > 0 && FIELD.test(f) && (h === "" || HASH.test(h))) fields.set(f, h);
      }
    }
    let bySheet = store.get(sheet);
    if (!bySheet) store.set(sheet, (bySheet = new Map()));
    if (!bySheet.has(key)) bySheet.set(key, fields);
  }
  return store;
}

export function dataStoreRows(store: DataStore): PlanCell[][] {
  const rows: PlanCell[][] = [["PCN Toolkit: what each record last took from your data file (--data), so a rebuild can tell your edits from the file's changes. Please do not edit this sheet.", null, null]];
  for (const [sheet, recs] of store) {
    const fields: string[] = [];
    const seen = new Set<string>();
    for (const hashes of recs.values()) for (const f of hashes.keys()) if (!seen.has(f)) { seen.add(f); fields.push(f); }
    if (!recs.size) continue;
    rows.push([sheet, FIELDS_ROW, fields.join(" ")]);
    for (const [key, hashes] of recs) {
      const parts = fields.map((f) => hashes.get(f) ?? ABSENT);
      while (parts.length && parts[parts.length - 1] === ABSENT) parts.pop();
      rows.push([sheet, key, parts.join(" ")]);
    }
  }
  return rows;
}

/** 36^7: a value hash in at most 7 base-36 characters (36 bits: a file change missed once in 78 billion). */
const SHORT = 78364164096;

/** The hash of a comparable value, "" kept as "" (an empty field). */
export const valueHash = (c: string) => (c === "" ? "" : (cyrb53(c) % SHORT).toString(36));

/** A stored value hash is this value's: in today's form, or the 53-bit form stores held before. */
export const hashOf = (stored: string, c: string) => stored === valueHash(c) || (c !== "" && stored === textHash(c));

// ---- Texts we wrote (headers, labels), per sheet, in the meta sheet ----

// Under a cell's 32,767 characters (12 per hash with its space).
const MAX_TEXTS = 2500;

export function readTexts(cell: unknown): Set<string> | undefined {
  if (typeof cell !== "string" || cell.length > MAX_TEXTS * 12) return undefined;
  return new Set(cell.split(" ").filter((h) => HASH.test(h)).slice(0, MAX_TEXTS));
}

/** Hashes of the texts written on a sheet. */
export function textsOf(texts: Iterable<string>): Set<string> {
  return new Set([...texts].filter((t) => t !== "").map(textHash));
}

export function writeTexts(hashes: Set<string>): string {
  return [...hashes].slice(0, MAX_TEXTS).join(" ");
}
