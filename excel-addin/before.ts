/**
 * What a build changes on a sheet that exists, read before its first write so that a rollback can put it back:
 * number formats of every range it writes, clears or formats; what its style rules set; the widths it sets; the
 * data validation and conditional formats it replaces; freeze panes; its charts. Styles and rules that differ
 * within a range are read again in parts.
 */
import { a1, rectangles, type RangeRef, type SheetPlan, type SheetSnapshot } from "../core/workbook/plan";
import { mergeRects, minus, parts, rectOf, union } from "./geometry";

/** Rough JSON envelope of one queued action. */
export const OP_BYTES = 200;
/** Excel's grid: a frozen pane this tall or wide is whole columns or whole rows. */
export const EXCEL_ROWS = 1048576;
export const EXCEL_COLS = 16384;

const halves = (r: RangeRef): RangeRef[] => {
  const h = Math.ceil(r.rows / 2);
  return [{ ...r, rows: h }, { ...r, row: r.row + h, rows: r.rows - h }];
};


/** One data validation rule, over a rectangle where every cell has it. */
export interface RulePart { rect: RangeRef; rule: Excel.DataValidationRule; errorAlert?: Excel.DataValidationErrorAlert; prompt?: Excel.DataValidationPrompt; ignoreBlanks?: boolean }
export type StyleKey = "fill" | "bold" | "italic" | "fontColor" | "wrap";
/** What the plan's style rules set, over a rectangle where every cell has the same; fill null: no fill. */
export interface StylePart { rect: RangeRef; fill?: string | null; pattern?: string; bold?: boolean; italic?: boolean; fontColor?: string; wrap?: boolean }
/** A conditional format over a range the build clears, as Excel reported it. */
export interface PriorFormat { id: string; type: string; priority: number; stopIfTrue?: boolean; areas: RangeRef[]; props: Record<string, unknown> }

/** What a sheet that exists had where the build changes it, read before the first write. */
export interface Before {
  name: string;
  /** Number formats of every range the build writes, clears or formats. */
  formats: { rect: RangeRef; formats: string[][] }[];
  styles: StylePart[];
  freeze?: { rows: number; cols: number };
  /** Widths (points) of the columns the build sets. */
  widths: { col: number; width: number }[];
  rules: RulePart[];
  conditional: PriorFormat[];
  /** Ids of the sheet's charts. */
  charts: Set<string>;
}

/**
 * A read made before anything is written; `done` runs after its sync and may ask for more (a range read in parts).
 * `split` gives the same read in smaller pieces, for when Excel finds a response too big.
 */
export interface Read { bytes: number; queue: () => () => Read[] | void; split?: () => Read[] }

/** Queues reads while the response stays under the budget (always at least one in a sync of its own). */
export function queueReads(reads: Read[], budget: number, used: number): { done: (() => Read[] | void)[]; rest: Read[] } {
  const done: (() => Read[] | void)[] = [];
  let i = 0;
  for (; i < reads.length; i++) {
    if ((used > 0 || done.length > 0) && used + reads[i].bytes > budget) break;
    done.push(reads[i].queue());
    used += reads[i].bytes;
  }
  return { done, rest: reads.slice(i) };
}

/** Loaded values without nulls and emptied objects (Office.js reports a rule's unused kinds as null). */
export function compact<T>(x: T): T {
  if (Array.isArray(x)) return x.map(compact) as T;
  if (x === null || typeof x !== "object") return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    const c = compact(v);
    if (c === null || c === undefined || (typeof c === "object" && !Array.isArray(c) && Object.keys(c).length === 0)) continue;
    out[k] = c;
  }
  return out as T;
}

export function blockRects(sp: SheetPlan): RangeRef[] {
  return sp.blocks.flatMap((block) => rectangles(block).map((b) => ({ row: b.row, col: b.col, rows: b.cells.length, cols: b.cells[0].length })));
}

/** Where a sheet's conditional formats are cleared: the plan's ranges down to the old end of the sheet (a range may shrink). */
export function cfClearRects(sp: SheetPlan, existed: SheetSnapshot | undefined): RangeRef[] {
  const oldRows = existed?.values.length ?? 0;
  return mergeRects(sp.conditionalFormats.map((cf) => ({ ...cf.range, rows: Math.max(cf.range.rows, oldRows - cf.range.row) })));
}

// A rule's format is read back as fill, font and number format; its borders (a collection per side) are not read
// or put back: the add-in's own rules have none, and a person's bordered rule comes back without its borders.
const FORMAT_PATHS = (k: string) => [`${k}/format/fill/color`, `${k}/format/font/color`, `${k}/format/font/bold`, `${k}/format/font/italic`, `${k}/format/font/strikethrough`, `${k}/format/font/underline`, `${k}/format/numberFormat`];
/** What makes each type of conditional format, as load paths (and, nested, what ConditionalFormat.set takes). */
export const CF_PATHS: Record<string, string[]> = {
  Custom: ["custom/rule/formula", ...FORMAT_PATHS("custom")],
  CellValue: ["cellValue/rule", ...FORMAT_PATHS("cellValue")],
  ContainsText: ["textComparison/rule", ...FORMAT_PATHS("textComparison")],
  TopBottom: ["topBottom/rule", ...FORMAT_PATHS("topBottom")],
  PresetCriteria: ["preset/rule", ...FORMAT_PATHS("preset")],
  ColorScale: ["colorScale/criteria"],
  IconSet: ["iconSet/criteria", "iconSet/style", "iconSet/reverseIconOrder", "iconSet/showIconOnly"],
  DataBar: [
    "dataBar/axisColor", "dataBar/axisFormat", "dataBar/barDirection", "dataBar/showDataBarOnly", "dataBar/lowerBoundRule", "dataBar/upperBoundRule",
    "dataBar/positiveFormat/fillColor", "dataBar/positiveFormat/borderColor", "dataBar/positiveFormat/gradientFill",
    "dataBar/negativeFormat/fillColor", "dataBar/negativeFormat/borderColor", "dataBar/negativeFormat/matchPositiveFillColor", "dataBar/negativeFormat/matchPositiveBorderColor",
  ],
};
const dig = (o: unknown, path: string): unknown => path.split("/").reduce<unknown>((x, k) => (x && typeof x === "object" ? (x as Record<string, unknown>)[k] : undefined), o);
function nest(values: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, v] of values) {
    const keys = path.split("/");
    let at = out;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys[keys.length - 1]] = v;
  }
  return out;
}

/**
 * The reads that let a rollback put an existing sheet back: freeze panes; number formats of every range the plan
 * writes, clears or formats; what its style rules set; the widths it sets; the data validation and conditional
 * formats it replaces; its charts. Styles and rules that differ within a range are read again in parts.
 */
/** A conditional format as a listing reports it. */
export interface CfMeta { id: string; type: string; priority: number; stopIfTrue?: boolean | null }

const overlaps = (a: RangeRef, b: RangeRef) => a.row < b.row + b.rows && b.row < a.row + a.rows && a.col < b.col + b.cols && b.col < a.col + a.cols;

export function beforeReads(sp: SheetPlan, ws: Excel.Worksheet, existed: SheetSnapshot, b: Before, cannot: string[], supports: (name: string, version: string) => boolean, budget: number, listed?: CfMeta[]): Read[] {
  const at = (r: RangeRef) => ws.getRangeByIndexes(r.row, r.col, r.rows, r.cols);
  const reads: Read[] = [];
  reads.push({
    bytes: OP_BYTES,
    queue: () => {
      const loc = ws.freezePanes.getLocationOrNullObject().load("rowCount,columnCount");
      return () => {
        // Frozen rows come back as whole rows, frozen columns as whole columns.
        b.freeze = loc.isNullObject ? { rows: 0, cols: 0 } : { rows: loc.rowCount >= EXCEL_ROWS ? 0 : loc.rowCount, cols: loc.columnCount >= EXCEL_COLS ? 0 : loc.columnCount };
      };
    },
  });

  // Number formats, sized from the real bytes: on a sheet an earlier build made, the formats there are the plan's
  // own (the money format is ~38 bytes a cell in a response, not a guessed 24), "General" elsewhere.
  const perCell = Math.max(...["General", ...sp.formats.map((f) => f.format)].map((f) => new TextEncoder().encode(JSON.stringify(f)).length)) + 1;
  const numberFormatRead = (part: RangeRef): Read => ({
    bytes: OP_BYTES + part.rows * part.cols * perCell,
    queue: () => {
      const range = at(part).load("numberFormat");
      return () => {
        // Over 5 million cells Excel answers null: read it again in halves.
        if (!Array.isArray(range.numberFormat)) return halves(part).map(numberFormatRead);
        b.formats.push({ rect: part, formats: range.numberFormat });
      };
    },
    split: part.rows > 1 ? () => halves(part).map(numberFormatRead) : undefined,
  });
  for (const r of union([...blockRects(sp), ...sp.clears, ...sp.formats.map((f) => f.range)])) {
    const per = Math.max(1, Math.floor((budget - OP_BYTES) / (r.cols * perCell)));
    for (let k = 0; k < r.rows; k += per) reads.push(numberFormatRead({ ...r, row: r.row + k, rows: Math.min(per, r.rows - k) }));
  }

  const pattern = supports("ExcelApi", "1.9");
  const styleRead = (rect: RangeRef, keys: StyleKey[]): Read => ({
    bytes: OP_BYTES * 3,
    queue: () => {
      const f = at(rect).format;
      const fill = keys.includes("fill") ? f.fill.load(pattern ? "color,pattern" : "color") : undefined;
      const fontProps = keys.flatMap((k) => (k === "bold" ? ["bold"] : k === "italic" ? ["italic"] : k === "fontColor" ? ["color"] : []));
      const font = fontProps.length > 0 ? f.font.load(fontProps.join(",")) : undefined;
      if (keys.includes("wrap")) f.load("wrapText");
      return () => {
        const part: StylePart = { rect };
        if (fill && fill.color !== null && !(pattern && fill.pattern === null)) {
          // Before ExcelApi 1.9 (no RangeFill.pattern) a white fill and no fill both read #FFFFFF: taken as no fill.
          const none = pattern ? fill.pattern === "None" : fill.color.toUpperCase() === "#FFFFFF";
          part.fill = none ? null : fill.color;
          if (pattern && !none && fill.pattern !== "Solid") part.pattern = fill.pattern;
        }
        if (font && keys.includes("bold") && font.bold !== null) part.bold = font.bold;
        if (font && keys.includes("italic") && font.italic !== null) part.italic = font.italic;
        if (font && keys.includes("fontColor") && font.color !== null) part.fontColor = font.color;
        if (keys.includes("wrap") && f.wrapText !== null) part.wrap = f.wrapText;
        if (keys.every((k) => part[k] !== undefined)) return void b.styles.push(part);
        if (rect.rows * rect.cols > 1) return parts(rect).map((p) => styleRead(p, keys));
        cannot.push(`the cell style of ${b.name}!${a1(rect)}`);
      };
    },
  });
  for (const st of sp.styles) {
    const keys = (["fill", "bold", "italic", "fontColor", "wrap"] as const).filter((k) => st[k] !== undefined);
    if (keys.length > 0) reads.push(styleRead(st.range, [...keys]));
  }

  for (const col of new Set(sp.columnWidths.map((w) => w.col))) {
    reads.push({
      bytes: OP_BYTES,
      queue: () => {
        const f = ws.getRangeByIndexes(0, col, 1, 1).format.load("columnWidth");
        return () => void (typeof f.columnWidth === "number" && b.widths.push({ col, width: f.columnWidth }));
      },
    });
  }

  const ruleRead = (rect: RangeRef): Read => ({
    bytes: OP_BYTES * 2,
    queue: () => {
      const dv = at(rect).dataValidation.load("type,rule,errorAlert,prompt,ignoreBlanks");
      return () => {
        if (dv.type === "None") return;
        if (dv.type === "Inconsistent" || dv.type === "MixedCriteria") {
          if (rect.rows * rect.cols > 1) return parts(rect).map(ruleRead);
          return void cannot.push(`the data validation of ${b.name}!${a1(rect)}`);
        }
        // Cells read twice (two of the plan's rules overlap) are kept once.
        let rest = [rect];
        for (const x of b.rules) rest = rest.flatMap((r) => minus(r, x.rect));
        for (const r of rest) b.rules.push({ rect: r, rule: compact(dv.rule), errorAlert: compact(dv.errorAlert), prompt: compact(dv.prompt), ignoreBlanks: dv.ignoreBlanks ?? undefined });
      };
    },
  });
  for (const v of sp.validations) reads.push(ruleRead(v.range));

  // Conditional formats over the ranges the build clears. When the read listed the sheet's formats (it does), each
  // one's areas and rule go in this sync and those clear of the ranges are dropped; else first which, then each.
  const seen = new Set<string>();
  const areas = supports("ExcelApi", "1.9");
  const clear = cfClearRects(sp, existed);
  const formatRead = (cf: Excel.ConditionalFormat, meta: CfMeta, filter: boolean): Read => ({
    bytes: OP_BYTES * 3,
    queue: () => {
      const paths = CF_PATHS[meta.type];
      if (paths) cf.load(paths);
      const several = areas ? cf.getRanges().areas.load("items/rowIndex,items/columnIndex,items/rowCount,items/columnCount") : undefined;
      const one = several ? undefined : cf.getRangeOrNullObject().load("rowIndex,columnIndex,rowCount,columnCount");
      return () => {
        // Before ExcelApi 1.9 there is no asking for the areas of a format applied to several.
        const rects = several ? several.items.map(rectOf) : one!.isNullObject ? null : [rectOf(one!)];
        if (filter && rects && !rects.some((x) => clear.some((c) => overlaps(x, c)))) return;
        if (!paths || !rects) return void cannot.push(`a conditional format (${meta.type}) on ${b.name}`);
        const json = cf.toJSON();
        const props = paths.map((p) => [p, compact(dig(json, p))] as [string, unknown]).filter(([, v]) => v !== undefined && v !== null && v !== "");
        b.conditional.push({ id: meta.id, type: meta.type, priority: meta.priority, stopIfTrue: typeof meta.stopIfTrue === "boolean" ? meta.stopIfTrue : undefined, areas: rects, props: nest(props) });
      };
    },
  });
  if (clear.length && listed) {
    const all = ws.getRange().conditionalFormats;
    for (const meta of listed) reads.push(formatRead(all.getItem(meta.id), meta, true));
    return reads;
  }
  for (const r of clear) {
    reads.push({
      bytes: OP_BYTES * 2,
      queue: () => {
        const list = at(r).conditionalFormats.load("items/id,items/type,items/priority,items/stopIfTrue");
        return () => list.items.filter((cf) => !seen.has(cf.id) && !!seen.add(cf.id)).map((cf) => formatRead(cf, cf, false));
      },
    });
  }
  return reads;
}
