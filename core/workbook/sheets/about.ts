import type { ReportCell, SheetSpec } from "../spec";
import { label, type SpecCtx } from "./common";
import { rateRows } from "./funding";

export function aboutSpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const rows: (ReportCell | null)[][] = [];
  const line = (t: string, bold = false) => rows.push([label(t, { bold })]);
  line("PCN Toolkit workbook", true);
  // The network's name is the person's to type over: kept without a warning.
  rows.push([label(ctx.pcnName ?? "Your Primary Care Network", { bold: true, personal: true })]);
  if (ctx.icb) rows.push([label(`Integrated Care Board: ${ctx.icb}`, { personal: true })]);
  if (ctx.sample) line("This workbook holds the fictional sample network: made-up practices, staff, partnerships and money, for trying PCN Toolkit out. Build your own network into a new workbook.", true);
  line(`Financial year ${y.year} (1 April to 31 March). List sizes as at ${y.listSizeDate.split("-").reverse().join("/")}.`);
  line("");
  line("How it works", true);
  line("White cells are yours to type in; grey cells are formulas; yellow cells are settings or figures to fill in. Every formula is native, so the workbook works without any add-in.");
  line("Rebuilding (PCN Toolkit pane, Sheets menu or the offline command) refreshes formulas and keeps everything you typed and every row you added.");
  line("Add partnerships, posts, budget lines and KPIs in the blank rows at the bottom of each table; the formulas are already there.");
  line("");
  line("About the figures", true);
  for (const n of y.notes) line(n);
  const unknown = rateRows(y).filter((r) => r.rate.value === null);
  if (unknown.length) {
    line("");
    line("Figures not known from any source we hold (blank on the Rates sheet, shown as 'Rate unknown'):", true);
    for (const u of unknown) line(`- ${u.rate.label}: ${u.rate.source}`);
  }
  const noMax = y.arrs.roles.filter((r) => Object.keys(r.maxima).length === 0).map((r) => r.role);
  if (noMax.length) {
    line("");
    line(`ARRS roles with no sourced maximum for ${y.year} (enter them on the ARRS Rates sheet): ${noMax.join(", ")}.`);
  }
  line("");
  line("Every rate on the Rates and ARRS Rates sheets names its source and a confidence grade. Check figures against the Network Contract DES specification for the year.");
  line("The sample network shipped with the offline command is fictional.");
  return { key: "about", name: ctx.sheetName("about"), title: "About", reports: [{ col: 0, rows, widths: [120] }] };
}
