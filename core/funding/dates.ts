import { fail } from "../errors";
import { isoToSerial, serialToIso } from "../workbook/plan";

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A date as it reaches a custom function: a serial number (Excel), a Date (Google Sheets) or ISO text.
 * Returns yyyy-mm-dd, or fails with a sentence naming the input.
 */
export function toIsoDate(v: unknown, what = "date"): string {
  if (v instanceof Date) {
    if (isNaN(v.getTime())) fail(`The ${what} is not a valid date.`);
    // Sheets hands dates as local midnights in the script's time zone: read the local calendar date.
    return `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, "0")}-${String(v.getDate()).padStart(2, "0")}`;
  }
  if (typeof v === "number" && Number.isFinite(v)) {
    if (v < 1 || v > 2958465) fail(`The ${what} ${v} is not a date serial number.`);
    return serialToIso(Math.floor(v));
  }
  if (typeof v === "string") {
    const m = ISO.exec(v.trim());
    if (m) {
      const iso = m[0];
      if (serialToIso(isoToSerial(iso)) === iso) return iso;
    }
    fail(`The ${what} "${v}" is not a date: use a date cell or text like 2025-06-01.`);
  }
  fail(`The ${what} must be a date.`);
}

/** Where "today" comes from: tests pin it by setting `clock.now`; everything else reads the real clock. */
export const clock = { now: (): Date => new Date() };

export function todayIso(now: Date = clock.now()): string {
  return toIsoDate(now);
}
