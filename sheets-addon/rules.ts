/**
 * Data validation and conditional format rules, each built from a fresh builder: Google documents a builder
 * as making one rule, not what it holds after build(), so the writer never reuses one (the self-test checks
 * what reuse would do on a live host). Builders live in memory, so a fresh one costs no document call.
 */
import { a1, type ConditionalFormatRule, type ValidationRule } from "../core/workbook/plan";
import type { ConditionalFormatRuleLike, DataValidation, DataValidationBuilder, Range, WriterApp } from "./surface";

declare const SpreadsheetApp: WriterApp;

export interface Criterion {
  key: string;
  set(b: DataValidationBuilder, source: (a1: string) => Range): DataValidationBuilder;
}

/** The rule's criterion; a formula one is relative to the range's top-left cell, so its key carries the position. */
export function criterion(rule: ValidationRule): Criterion | null {
  const tl = a1({ row: rule.range.row, col: rule.range.col, rows: 1, cols: 1 });
  const formula = (f: string): Criterion => ({ key: JSON.stringify(["f", f]), set: (b) => b.requireFormulaSatisfied(f) });
  if (rule.list) {
    const list = rule.list;
    return { key: JSON.stringify(["list", list]), set: (b) => b.requireValueInList(list, true) };
  }
  if (rule.listSource) {
    const src = rule.listSource;
    return { key: JSON.stringify(["range", src]), set: (b, source) => b.requireValueInRange(source(src), true) };
  }
  if (rule.number) {
    const { min, max, integer } = rule.number;
    if (integer) {
      // Sheets has no whole-number criterion; a custom formula relative to the top-left cell does it.
      const parts = [`ISNUMBER(${tl})`, `${tl}=INT(${tl})`];
      if (min !== undefined) parts.push(`${tl}>=${min}`);
      if (max !== undefined) parts.push(`${tl}<=${max}`);
      return formula(`=AND(${parts.join(",")})`);
    }
    if (min !== undefined && max !== undefined) return { key: JSON.stringify(["between", min, max]), set: (b) => b.requireNumberBetween(min, max) };
    if (min !== undefined) return { key: JSON.stringify([">=", min]), set: (b) => b.requireNumberGreaterThanOrEqualTo(min) };
    if (max !== undefined) return { key: JSON.stringify(["<=", max]), set: (b) => b.requireNumberLessThanOrEqualTo(max) };
    return formula(`=ISNUMBER(${tl})`);
  }
  if (rule.date) return { key: JSON.stringify(["date"]), set: (b) => b.requireDate() };
  return null;
}

/** The key two validation rules share exactly when one built rule serves both. */
export function validationKey(rule: ValidationRule): string {
  const c = criterion(rule);
  return JSON.stringify([c ? c.key : null, rule.message]);
}

/**
 * Builds each distinct validation rule once, from a fresh builder. A rule whose list source cannot be read
 * builds to null (the writer skips it with a warning rather than failing the build).
 */
export class ValidationRules {
  private built = new Map<string, DataValidation | null>();
  private sources = new Map<string, Range>();
  constructor(private source: (a1: string) => Range) {}

  get(rule: ValidationRule): DataValidation | null {
    const key = validationKey(rule);
    if (this.built.has(key)) return this.built.get(key)!;
    let out: DataValidation | null;
    try {
      const c = criterion(rule);
      let b = SpreadsheetApp.newDataValidation().setAllowInvalid(false).setHelpText(rule.message);
      if (c) {
        b = c.set(b, (src) => {
          let rg = this.sources.get(src);
          if (!rg) this.sources.set(src, (rg = this.source(src)));
          return rg;
        });
      }
      out = b.build();
    } catch (e) {
      out = null;
    }
    this.built.set(key, out);
    return out;
  }
}

export const cfFormula = (r: ConditionalFormatRule) => (r.formula.startsWith("=") ? r.formula : `=${r.formula}`);

/** One conditional format rule from a fresh builder. */
export function buildFormatRule(r: ConditionalFormatRule, range: Range): ConditionalFormatRuleLike {
  let b = SpreadsheetApp.newConditionalFormatRule().whenFormulaSatisfied(cfFormula(r)).setBackground(r.fill);
  if (r.font) b = b.setFontColor(r.font);
  return b.setRanges([range]).build();
}
