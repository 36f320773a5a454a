import { AREA_LABEL, describeRevision, longDate, maximumInfo, pounds, shortDate } from "../../rates/book";
import { AREA_KEYS, type YearRates } from "../../rates/types";
import type { ReportCell, SheetSpec } from "../spec";
import { label, type SpecCtx } from "./common";
import { rateRows } from "./rates";

/** One line per role and period whose maximum is not sourced, grouped by provenance: what About lists. */
export function nonSourcedMaxima(y: YearRates): string[] {
  const lines: string[] = [];
  const many = y.arrs.periods.length > 1;
  for (const role of y.arrs.roles) {
    y.arrs.periods.forEach((p) => {
      const groups = new Map<string, string[]>();
      for (const a of AREA_KEYS) {
        const i = maximumInfo(y, role, p, a);
        if (i.kind === "sourced" || i.kind === "unknown") continue;
        const what = i.kind === "same band" ? `same band as ${i.sameBandAs}` : i.kind === "derived" ? "derived by the on-cost model" : "estimated";
        groups.set(what, [...(groups.get(what) ?? []), `${AREA_LABEL[a]} ${pounds(i.value!)}`]);
      }
      for (const [what, figs] of groups) lines.push(`- ${role.role}${many ? ` from ${shortDate(p)}` : ""}: ${figs.join(", ")} (${what}).`);
    });
  }
  return lines;
}

/** Every figure the rates book does not know for the year: rates, ARRS maxima, IIF parameters. */
export function unknownFigures(y: YearRates): string[] {
  const lines = rateRows(y).filter((r) => r.rate.value === null).map((r) => `- ${r.rate.label}: ${r.rate.source}`);
  const many = y.arrs.periods.length > 1;
  for (const role of y.arrs.roles) {
    y.arrs.periods.forEach((p) => {
      const areas = AREA_KEYS.filter((a) => maximumInfo(y, role, p, a).value === null);
      // A role that starts mid-year (the GP from 1 October 2024) has no maximum before it: not unknown.
      const first = Object.keys(role.maxima).sort()[0];
      if (!areas.length || (first && first > p)) return;
      lines.push(`- ARRS maximum, ${role.role}${many ? ` from ${shortDate(p)}` : ""}: ${areas.map((a) => AREA_LABEL[a]).join(", ")}.`);
    });
  }
  for (const i of y.iif.indicators) {
    const missing = (["points", "lower", "upper"] as const).filter((k) => i[k] === null);
    if (missing.length) lines.push(`- IIF ${i.code}: ${missing.map((k) => (k === "points" ? "points" : `${k} threshold`)).join(", ")}.${i.note ? " " + i.note : ""}`);
  }
  return lines;
}

export function aboutSpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const rows: (ReportCell | null)[][] = [];
  const line = (t: string, bold = false) => rows.push([label(t, { bold })]);
  line("PCN Toolkit workbook", true);
  line(ctx.pcnName ?? "Your Primary Care Network", true);
  line(`Financial year ${y.year} (1 April to 31 March). List sizes as at ${shortDate(y.listSizeDate)}.`);
  if (ctx.yearNote) line(ctx.yearNote, true);
  line("");
  line("How it works", true);
  line("White cells are yours to type in; grey cells are formulas; yellow cells are settings or figures to fill in. Every formula is native, so the workbook works without any add-in.");
  line("Rebuilding (PCN Toolkit pane, Sheets menu or the offline command) refreshes formulas and keeps everything you typed and every row you added.");
  line("Add partnerships, posts, budget lines and KPIs in the blank rows at the bottom of each table; the formulas are already there.");
  line("");
  line("About the figures", true);
  for (const n of y.notes) line(n);
  const withdrawn = Object.values(y.withdrawn ?? {});
  if (withdrawn.length) {
    line("");
    line(`Withdrawn from the Network Contract DES (no such stream in ${y.year}):`, true);
    for (const w of withdrawn) line(`- ${w.label}: withdrawn on ${longDate(w.from)}.${w.note ? " " + w.note : ""}`);
  }
  if (y.revisions?.length) {
    line("");
    line("Revisions of this year's figures (the Rates and ARRS Rates sheets say which is in force and what it replaced):", true);
    for (const r of y.revisions) line(`- ${describeRevision(r)}.${r.note ? " " + r.note : ""}`);
  }
  const unknown = unknownFigures(y);
  if (unknown.length) {
    line("");
    line("Figures not known from any source we hold (blank on the Rates, ARRS Rates and IIF sheets; enter them when you have them):", true);
    for (const u of unknown) line(u);
  }
  const notSourced = nonSourcedMaxima(y);
  if (notSourced.length) {
    line("");
    line("ARRS maxima that are not sourced (shaded on the ARRS Rates sheet: lilac for same band or derived, orange for estimated). Type the official figure over any of them; it is kept on rebuild:", true);
    for (const n of notSourced) line(n);
  }
  const rules = y.arrs.rules;
  if (rules) {
    line("");
    line(`ARRS rules for ${y.year}`, true);
    if (rules.gp) line(`- GPs: ${rules.gp.text}`);
    if (rules.commissionerApprovedRoles?.allowed) line(`- Other roles: ${rules.commissionerApprovedRoles.text}`);
    if (rules.mhp) line(`- Mental health practitioners: ${rules.mhp.text}`);
    if (rules.localVariation) line(`- Local variation: ${rules.localVariation.text}`);
  }
  line("");
  line("Every rate on the Rates and ARRS Rates sheets names its source and a confidence grade. Check figures against the Network Contract DES specification for the year.");
  line("The sample network shipped with the offline command is fictional.");
  return { key: "about", name: ctx.sheetName("about"), title: "About", reports: [{ col: 0, rows, widths: [120] }] };
}
