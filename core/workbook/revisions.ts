/**
 * "Check register" for dated revisions: a Rates or ARRS Rates cell still holding a figure a later revision
 * replaced (a workbook made before the revision, or a figure copied from an old letter), and the claims and
 * entitlements that use it.
 */
import { AREA_LABEL, describeRevision, findRole, maximumInfo, parseArea, pounds, revisionOf, shortDate } from "../rates/book";
import type { Area, YearRates } from "../rates/types";
import { isoToSerial, type SheetSnapshot } from "./plan";
import type { Finding } from "./register";
import type { RowValues, SheetSpec } from "./spec";
import { rateRows } from "./sheets/rates";

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;

export function supersededFindings(
  year: YearRates, specs: SheetSpec[], rowsOf: (key: string) => RowValues[], snapOf: (key: string) => SheetSnapshot | undefined,
): Finding[] {
  const out: Finding[] = [];
  const colOf = (key: string, col: string) => (specs.find((s) => s.key === key)?.table?.columns.findIndex((c) => c.key === col) ?? -1) + 1;
  const nameOf = (key: string) => specs.find((s) => s.key === key)?.name ?? key;

  if (snapOf("rates")) {
    const book = new Map(rateRows(year).map((r) => [r.key.toLowerCase(), r.rate]));
    for (const r of rowsOf("rates")) {
      const rate = typeof r.key === "string" ? book.get(r.key.trim().toLowerCase()) : undefined;
      if (!rate || !isNum(r.value) || (rate.value !== null && near(r.value, rate.value))) continue;
      const old = (rate.replaced ?? []).find((x) => x.value !== null && near(x.value, r.value as number));
      const rev = old && revisionOf(year, old.by);
      if (!old || !rev) continue;
      const now = rate.value === null ? "a figure not in our sources" : String(rate.value);
      out.push({
        severity: "amber", sheet: nameOf("rates"), row: r.__row as number, col: colOf("rates", "value"), ref: String(r.key),
        message: `${rate.label} holds ${r.value}, the figure from ${old.was} that the ${describeRevision(rev)} replaced with ${now}: every entitlement or claim using it is out of date. Enter the figure in force.`,
      });
    }
  }

  if (snapOf("arrsRates")) {
    // Superseded cells by role key and period, for the posts that use them.
    const stale = new Map<string, { value: number; message: string }>();
    for (const r of rowsOf("arrsRates")) {
      if (typeof r.role !== "string" || !r.role.trim()) continue;
      let role, area: Area;
      try { role = findRole(year, r.role); area = parseArea(r.area); } catch { continue; }
      year.arrs.periods.forEach((p, i) => {
        const v = r[`p${i + 1}`];
        if (!isNum(v)) return;
        const info = maximumInfo(year, role, p, area);
        if (info.value !== null && near(v, info.value)) return;
        const old = (info.entry?.replaced ?? []).find((x) => x[area] !== null && near(x[area]!, v));
        const rev = old && revisionOf(year, old.by);
        if (!old || !rev) return;
        const now = info.value === null ? "a figure not in our sources" : info.kind === "estimated" ? `a figure not published in our sources (estimated at ${pounds(info.value)})` : pounds(info.value);
        const what = `${role.role} (${AREA_LABEL[area]}) from ${shortDate(p)}`;
        out.push({
          severity: "amber", sheet: nameOf("arrsRates"), row: r.__row as number, col: colOf("arrsRates", `p${i + 1}`), ref: role.role,
          message: `${what} holds ${pounds(v)}, the figure from ${old.was} that the ${describeRevision(rev)} replaced with ${now}. Enter the figure in force: claims using it are understated.`,
        });
        stale.set(`${String(r.role).trim().toLowerCase()}|${String(r.area ?? "").trim().toLowerCase()}|${i}`, { value: v, message: `${what} is ${pounds(v)}, a figure the ${rev.label} replaced` });
      });
    }
    if (stale.size && snapOf("arrs")) {
      const periods = year.arrs.periods.map((p, i) => ({ i, from: isoToSerial(p), to: i + 1 < year.arrs.periods.length ? isoToSerial(year.arrs.periods[i + 1]) - 1 : isoToSerial(year.end) }));
      for (const post of rowsOf("arrs")) {
        if (post.ref === null || post.ref === undefined || post.ref === "" || typeof post.role !== "string") continue;
        const area = post.area === null || post.area === undefined || post.area === "" ? "national" : String(post.area);
        const start = isNum(post.start) ? post.start : -Infinity, end = isNum(post.end) ? post.end : Infinity;
        for (const p of periods) {
          if (start > p.to || end < p.from) continue;
          const s = stale.get(`${post.role.trim().toLowerCase()}|${area.trim().toLowerCase()}|${p.i}`);
          if (!s) continue;
          out.push({ severity: "amber", sheet: nameOf("arrs"), row: post.__row as number, col: colOf("arrs", "role"), ref: String(post.ref), message: `This post's claim uses a superseded maximum: ${s.message}. Correct it on the ARRS Rates sheet.` });
        }
      }
    }
  }
  return out;
}
