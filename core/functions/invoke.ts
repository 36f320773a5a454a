/**
 * Applies a catalogue function to what a host passes: scalars or 2-D ranges. Range arguments are applied
 * cell by cell (broadcasting 1x1 values), so a column of 1,000 rows costs one call. Every failure becomes a
 * per-cell error with a sentence; nothing escapes as an exception.
 */
import { PcnError } from "../errors";
import type { FunctionSpec, ParamSpec } from "./catalogue";

export class CellError {
  constructor(readonly message: string) {}
}
export type CellResult = number | string | CellError;
export type InvokeResult = { matrix: false; value: CellResult } | { matrix: true; cells: CellResult[][] };

const isBlank = (v: unknown) => v === null || v === undefined || v === "";

function describe(v: unknown): string {
  if (typeof v === "string") return `the text "${v.length > 40 ? v.slice(0, 40) + "..." : v}"`;
  if (typeof v === "boolean") return `the value ${v ? "TRUE" : "FALSE"}`;
  if (v instanceof Date) return "a date";
  return `"${String(v)}"`;
}

/** Checks one scalar argument; returns undefined for an omitted optional. */
export function coerceArg(p: ParamSpec, v: unknown): unknown {
  // Excel on Windows passes a blank cell as 0; no year, part, area or date is ever 0, so it means "left out".
  if (p.optional && v === 0 && (p.type === "text" || p.type === "date")) return undefined;
  if (isBlank(v)) {
    if (p.optional) return undefined;
    throw new PcnError(`${p.name} is missing.`);
  }
  switch (p.type) {
    case "number": {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new PcnError(`${p.name} must be a number, not ${describe(v)}.`);
      if (p.min !== undefined && v < p.min) throw new PcnError(`${p.name} cannot be negative (got ${v}).`);
      return v;
    }
    case "text": {
      if (typeof v === "number" || typeof v === "string") return String(v);
      throw new PcnError(`${p.name} must be text, not ${describe(v)}.`);
    }
    case "date":
      return v; // toIsoDate in the implementation gives the sentence
  }
}

type Shape = [number, number];
const shapeOf = (v: unknown): Shape | null => (Array.isArray(v) && Array.isArray(v[0]) ? [v.length, (v[0] as unknown[]).length] : null);

function callOne(spec: FunctionSpec, args: unknown[]): CellResult | CellResult[][] {
  try {
    const checked = spec.params.map((p, i) => (p.whole ? args[i] : coerceArg(p, args[i])));
    for (let i = spec.params.length - 1; i >= 0 && checked[i] === undefined; i--) checked.pop();
    const out = spec.impl(...checked);
    if (typeof out === "number" && !Number.isFinite(out)) return new CellError("The result is too large to compute.");
    return out as CellResult | CellResult[][];
  } catch (e) {
    if (e instanceof PcnError) return new CellError(e.message);
    return new CellError(`Unexpected problem: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** `args` as the host passes them, in parameter order; trailing omitted optionals may be absent. */
export function invoke(spec: FunctionSpec, args: unknown[]): InvokeResult {
  if (args.length > spec.params.length) {
    return { matrix: false, value: new CellError(`${spec.name} takes at most ${spec.params.length} arguments.`) };
  }
  // Whole-range parameters must arrive as a matrix; scalars become 1x1.
  const norm = spec.params.map((p, i) => {
    const v = args[i];
    if (!p.whole) return v;
    return shapeOf(v) ? v : [[v]];
  });
  let shape: Shape | null = null;
  let anyArray = false;
  for (let i = 0; i < spec.params.length; i++) {
    if (spec.params[i].whole) continue;
    const s = shapeOf(norm[i]);
    if (!s) continue;
    anyArray = true;
    if (s[0] === 1 && s[1] === 1) continue;
    if (shape && (shape[0] !== s[0] || shape[1] !== s[1])) {
      return { matrix: false, value: new CellError(`Ranges of different sizes (${shape[0]}x${shape[1]} and ${s[0]}x${s[1]}): give ranges of one size, or single values.`) };
    }
    shape = s;
  }
  const whole = spec.params.some((p) => p.whole);
  if (whole) {
    // SPLIT-like: scalar arguments beside one whole range; result has the range's shape.
    const scalars = norm.map((v, i) => (spec.params[i].whole ? v : shapeOf(v) ? (v as unknown[][])[0][0] : v));
    if (shape) return { matrix: false, value: new CellError(`${spec.params.find((p) => !p.whole)!.name} must be a single value.`) };
    const out = callOne(spec, scalars);
    if (!Array.isArray(out) && spec.ownShape) return { matrix: false, value: out };
    if (Array.isArray(out)) return { matrix: true, cells: out.map((row) => row.map((v) => (typeof v === "number" && !Number.isFinite(v) ? new CellError("The result is too large to compute.") : v))) };
    // The whole split refused (costs above the amount, weights adding to 0): one error, never a column of them,
    // which Sheets could only show as text that a SUM below would read as 0.
    if (out instanceof CellError) return { matrix: false, value: out };
    return { matrix: true, cells: (norm[spec.params.findIndex((p) => p.whole)] as unknown[][]).map((r) => r.map(() => out)) };
  }
  if (!anyArray) {
    const out = callOne(spec, norm);
    return { matrix: false, value: out as CellResult };
  }
  const [rows, cols] = shape ?? [1, 1];
  const cells: CellResult[][] = [];
  for (let r = 0; r < rows; r++) {
    const row: CellResult[] = [];
    for (let c = 0; c < cols; c++) {
      const a = norm.map((v) => {
        const s = shapeOf(v);
        if (!s) return v;
        return s[0] === 1 && s[1] === 1 ? (v as unknown[][])[0][0] : (v as unknown[][])[r][c];
      });
      row.push(callOne(spec, a) as CellResult);
    }
    cells.push(row);
  }
  return { matrix: true, cells };
}
