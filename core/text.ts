/** Any value as display text ("" for null/undefined), so numbers or odd host values never break rendering. */
export function toText(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? v : String(v);
}

/** For hosts that must template HTML as a string (Apps Script HtmlService): escapes the five HTML-special characters. */
export function escapeHtml(v: unknown): string {
  return toText(v).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
