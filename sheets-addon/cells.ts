/**
 * One cell's worth of translation between the plan and Sheets: literal text that stays text, and dates.
 *
 * Sheets has one date system: serial 0 is 30 December 1899 (the same serials as Excel's 1900 system from
 * 1 March 1900). It has no 1904 date system; an .xlsx saved with one is converted to Sheets' own serials when
 * it is opened, so the serials the core plans are right as they are.
 */
import { isoToSerial, type PlanCell } from "../core/workbook/plan";

/** Days and fraction since 1899-12-30 from calendar parts (no time zone involved). */
function partsToSerial(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const days = (Date.UTC(y, mo - 1, d) - Date.UTC(1899, 11, 30)) / 86400000;
  const serial = days + (h * 3600 + mi * 60 + s) / 86400;
  return Math.round(serial * 1e9) / 1e9;
}

/**
 * getValues() returns a date cell as the instant its wall-clock time has in the spreadsheet's time zone.
 * We read the wall-clock parts back in that zone (Intl, available in the V8 runtime); if Intl cannot do the
 * zone we fall back to the script's zone (appsscript.json: Europe/London, the usual spreadsheet zone).
 */
export function dateToSerialFn(timeZone: string | undefined): (d: Date) => number {
  let fmt: Intl.DateTimeFormat | null = null;
  try {
    if (timeZone) {
      fmt = new Intl.DateTimeFormat("en-GB", {
        timeZone,
        hour12: false, // some engines give hour 24 at midnight with this: handled below
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
      if (typeof fmt.formatToParts !== "function") fmt = null;
    }
  } catch (e) {
    fmt = null;
  }
  return (d: Date) => {
    if (fmt) {
      const p: Record<string, number> = {};
      for (const part of fmt.formatToParts(d)) if (part.type !== "literal") p[part.type] = Number(part.value);
      return partsToSerial(p.year, p.month, p.day, p.hour % 24, p.minute, p.second + d.getMilliseconds() / 1000);
    }
    return partsToSerial(d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds() + d.getMilliseconds() / 1000);
  };
}

/** A moment as the wall-clock time in a time zone, yyyy-mm-ddThh:mm:ss (the script's own zone when Intl cannot do it). */
export function wallClock(timeZone: string | undefined, d: Date): string {
  const serial = dateToSerialFn(timeZone)(d);
  const days = Math.floor(serial);
  const secs = Math.round((serial - days) * 86400);
  const day = new Date(Date.UTC(1899, 11, 30) + days * 86400000).toISOString().slice(0, 10);
  const p = (n: number) => String(n).padStart(2, "0");
  const s = Math.min(secs, 86399);
  return `${day}T${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

export const isDate = (v: unknown): v is Date => Object.prototype.toString.call(v) === "[object Date]";

const MONTH_OR_DAY = /^(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?|oct(ober)?|nov(ember)?|dec(ember)?|mon(day)?|tue(s(day)?)?|wed(nesday)?|thu(rs(day)?)?|fri(day)?|sat(urday)?|sun(day)?|am|pm|[ap])$/i;

/**
 * True when Sheets would not keep `s` as the same text if written as it is: a formula or sign prefix (the
 * full-width equals signs U+FF1D and U+FE66 included: whether Sheets reads them as "=" is not documented), an
 * error literal ("#N/A" becomes an error value), an apostrophe of its own, or something it parses as a number,
 * percentage, currency, date, time or boolean. Erring towards true is harmless (the apostrophe is not part of
 * the value).
 */
export function needsApostrophe(s: string): boolean {
  if (s === "") return false;
  if (/^[=+\-@'#\uFF1D\uFE66]/.test(s)) return true;
  const t = s.trim();
  if (t === "") return false;
  if (/^[#=\uFF1D\uFE66]/.test(t)) return true;
  if (/^(true|false)$/i.test(t)) return true;
  // Numbers in any dress: 1,234.5  (12)  £5  12%  1e5  .5  1 234
  if (/\d/.test(t) && /^[\s\d.,:/\-+%()£$€¥eE]*$/.test(t)) return true;
  // Dates and times written with words: "Apr-25", "1 January 2025", "Mon 3 Mar", "3pm".
  const tokens = t.split(/[\s,\-/.:]+/).filter((x) => x !== "");
  if (tokens.length > 0 && tokens.length <= 6 && /\d/.test(t)) {
    if (tokens.every((x) => /^\d+(st|nd|rd|th|am|pm)?$/i.test(x) || MONTH_OR_DAY.test(x))) return true;
  }
  return false;
}

/** One plan cell as setValues takes it. `plainText`: the cell is formatted "@" and keeps strings as typed. */
export function toSheetValue(cell: PlanCell, plainText = false): string | number | boolean {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "number") return Number.isFinite(cell) ? cell : "";
  if (typeof cell === "boolean") return cell;
  if (typeof cell === "string") return !plainText && needsApostrophe(cell) ? `'${cell}` : cell;
  if ("f" in cell) return cell.f.startsWith("=") ? cell.f : `=${cell.f}`;
  return isoToSerial(cell.d);
}
