/**
 * The Rates and ARRS Rates sheets, and the hidden rates book sheet beside them.
 *
 * Rates and maxima are the person's to correct, so their value cells are inputs (kept on every rebuild). What the
 * rates book itself says (each figure, its provenance, the revision in force and what it replaced) is written to a
 * hidden sheet that every build rewrites, so formulas can tell a shipped figure from one a person typed:
 *
 *   ARRS Rates, per period i (1 = the year's first ARRS period, as in `arrs.periods`):
 *     ArrsMax_P<i>     the maximum per WTE per year (input, £)
 *     ArrsMax_Kind<i>  its provenance: "sourced", "same band", "derived", "estimated", "unknown",
 *                      "superseded" (it still holds a figure a later revision replaced), or "entered" (a figure
 *                      a person typed, or a role they added, such as one their commissioner approved)
 *   ArrsMax_Key is LOWER(role)&"|"&LOWER(area), area one of "national", "outer london", "inner london".
 *   So a post's provenance is INDEX(ArrsMax_Kind<i>, MATCH(key, ArrsMax_Key, 0)), beside its maximum.
 */
import { AREA_LABEL, AREA_LABELS, describeRevision, maximumInfo, pounds, revisionOf, shortDate } from "../../rates/book";
import { AREA_KEYS, type Area, type ArrsRole, type NiPeriod, type Rate, type YearRates } from "../../rates/types";
import { colLetter, quoteSheet } from "../plan";
import { COLOURS, type ReportCell, type RowValues, type SheetSpec, type Value } from "../spec";
import { blank, calc, inp, label, type SpecCtx } from "./common";

/** The employer NI period the workbook uses for on-costs: the one in force for most of the year (from 6 April). */
export function mainNiPeriod(year: YearRates): NiPeriod {
  return year.employerNi[year.employerNi.length - 1];
}

/**
 * Rates sheet rows: the year's rates, then the employer NI figures the on-cost formulas need and the year's ARRS
 * rule figures formulas can use (Rate_arrsMhpFirstShare, Rate_arrsMhpLaterShare).
 */
export function rateRows(year: YearRates): { key: string; rate: Rate }[] {
  const ni = mainNiPeriod(year);
  const rows: { key: string; rate: Rate }[] = [
    ...Object.entries(year.rates).map(([key, rate]) => ({ key, rate })),
    { key: "employerNiRate", rate: { label: `Employer National Insurance rate (from ${ni.from})`, value: ni.rate, unit: "fraction of pay above the threshold", basis: "salary", source: ni.source, confidence: ni.confidence } },
    { key: "employerNiThreshold", rate: { label: `Employer National Insurance secondary threshold (from ${ni.from})`, value: ni.thresholdAnnual, unit: "£ per year", basis: "salary", source: ni.source, confidence: ni.confidence } },
  ];
  const mhp = year.arrs.rules?.mhp;
  if (mhp) {
    rows.push(
      { key: "arrsMhpFirstShare", rate: { label: "ARRS: share of the role maximum reimbursed for the first mental health practitioner per band", value: mhp.firstPerBand, unit: "fraction of the role maximum", basis: "reference", source: `${mhp.text} ${mhp.source}`, confidence: mhp.confidence } },
      { key: "arrsMhpLaterShare", rate: { label: `ARRS: most of the role maximum reimbursed for later mental health practitioners of a band${mhp.laterNeedsWrittenAgreement ? " (with a written agreement)" : ""}`, value: mhp.later, unit: "fraction of the role maximum", basis: "reference", source: `${mhp.text} ${mhp.source}`, confidence: mhp.confidence } },
    );
  }
  return rows;
}

/** A figure as the sheets' notes write it, at its full precision: £7.674, £90.61, £152,900; fractions plain. */
const figureText = (v: number | null, unit: string) =>
  v === null ? "unknown" : unit.startsWith("£") ? (Number.isInteger(v) ? pounds(v) : `£${v}`) : String(v);

/** "In force: ... ; it replaced 7.674 (the March 2024 DES)." for a rate a revision set, else "". */
export function rateRevisionText(year: YearRates, rate: Rate): string {
  const rev = revisionOf(year, rate.revision);
  if (!rev) return "";
  const was = (rate.replaced ?? []).map((r) => `${figureText(r.value, rate.unit)} (${r.was})`).join("; ");
  return `In force: ${describeRevision(rev)}${was ? `; it replaced ${was}` : ""}.`;
}

const KIND_TEXT: Record<string, string> = {
  sourced: "sourced",
  "same band": "same band",
  derived: "derived by the on-cost model (docs/arrs-maxima.md), not sourced",
  estimated: "estimated, not sourced",
  unknown: "unknown",
};

/** What ARRS Rates says about one role and area: provenance, revision in force and what it replaced, per period. */
export function maximumAboutText(year: YearRates, role: ArrsRole, area: Area): string {
  const many = year.arrs.periods.length > 1;
  return year.arrs.periods.map((p, i) => {
    const info = maximumInfo(year, role, p, area);
    const parts: string[] = [];
    let kind = KIND_TEXT[info.kind];
    if (info.kind === "same band") kind = `same band as ${info.sameBandAs ?? "another role"} (sourced)`;
    if (info.kind === "estimated" && info.method) kind = `estimated, not sourced: ${info.method.replace(/^Estimated, not sourced:\s*/, "").split(/[;.]\s/)[0]}`;
    parts.push(kind[0].toUpperCase() + kind.slice(1));
    if (info.revision) {
      parts.push(`in force: ${describeRevision(info.revision)}`);
      const replaced = (info.entry?.replaced ?? []).map((r) => (r[area] === null ? null : `${pounds(r[area]!)} (${r.was}, ${r.kind[area]})`)).filter(Boolean);
      if (replaced.length) parts.push(`it replaced ${replaced.join("; ")}`);
      else if (!info.revision.backdated && i > 0) {
        const before = maximumInfo(year, role, year.arrs.periods[i - 1], area).value;
        if (before !== null) parts.push(`before it: ${pounds(before)}`);
      }
    }
    return (many ? `From ${shortDate(p)}: ` : "") + parts.join("; ") + ".";
  }).join(" ");
}

// ---- the rates book sheet (hidden): what this version ships, rewritten on every build ----

const BOOK_FIRST_ROW = 2; // 0-based: title, headers, then records
/** Per period: the figure in force, its provenance, and the figure a revision replaced (if any). */
export interface BookFigure { value: number | null; kind: string; replaced: number | null }
export interface BookRow { key: string; figures: BookFigure[]; about: string }
/** Book columns: key, then three per period (figure, provenance, replaced), then about. */
const bookCol = { key: 0, figure: (i: number) => 1 + 3 * i, kind: (i: number) => 2 + 3 * i, replaced: (i: number) => 3 + 3 * i, about: (n: number) => 1 + 3 * n };

/** Book records: every Rates row (key "rate|<key>") and every ARRS role and alias by area (ArrsMax_Key form). */
export function bookRows(year: YearRates): BookRow[] {
  const rows: BookRow[] = rateRows(year).map(({ key, rate }) => ({
    key: `rate|${key.toLowerCase()}`,
    figures: [{ value: rate.value, kind: rate.value === null ? "unknown" : "sourced", replaced: rate.replaced?.find((r) => r.value !== null)?.value ?? null }],
    about: rateRevisionText(year, rate),
  }));
  for (const role of year.arrs.roles) {
    for (const area of AREA_KEYS) {
      const figures = year.arrs.periods.map((p) => {
        const i = maximumInfo(year, role, p, area);
        return { value: i.value, kind: i.kind, replaced: i.entry?.replaced?.find((r) => r[area] !== null)?.[area] ?? null };
      });
      const about = maximumAboutText(year, role, area);
      // Aliases too, so a row a person keeps under an older or other spelling still finds its figures.
      for (const name of [role.role, ...role.aliases]) rows.push({ key: `${name.toLowerCase()}|${AREA_LABEL[area].toLowerCase()}`, figures, about });
    }
  }
  // First spelling wins (an alias never shadows a role).
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.key) ? false : (seen.add(r.key), true)));
}

/** Absolute A1 range of a book column's records, sheet-qualified, for formulas on other sheets. */
function bookRange(ctx: SpecCtx, col: number, n: number): string {
  const c = colLetter(col);
  return `${quoteSheet(ctx.sheetName("_ratesBook"))}!$${c}$${BOOK_FIRST_ROW + 1}:$${c}$${BOOK_FIRST_ROW + n}`;
}

export function ratesBookSpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const rows = bookRows(y);
  const periods = y.arrs.periods;
  const header: (ReportCell | null)[] = [
    label("Key", { bold: true }),
    ...periods.flatMap((p) => [label(`Figure from ${shortDate(p)}`, { bold: true }), label(`Provenance from ${shortDate(p)}`, { bold: true }), label(`Replaced figure from ${shortDate(p)}`, { bold: true })]),
    label("About", { bold: true }),
  ];
  const body = rows.map((r) => [
    label(r.key),
    ...periods.flatMap((_, i) => {
      const f = r.figures[i] ?? { value: null, kind: "unknown", replaced: null };
      return [f.value === null ? null : { cell: f.value }, label(f.kind), f.replaced === null ? null : { cell: f.replaced }];
    }),
    label(r.about),
  ] as (ReportCell | null)[]);
  return {
    key: "_ratesBook",
    name: ctx.sheetName("_ratesBook"),
    title: "PCN Rates Book",
    hidden: true,
    reports: [{ col: 0, rows: [[label(`PCN Toolkit rates book ${y.year}: the figures this version ships. Rebuilt every time; do not edit (correct figures on the Rates and ARRS Rates sheets).`)], header, ...body], widths: [40] }],
  };
}

/** How the core reads the book, as the formulas do: a key's figures and provenance. */
function bookLookup(year: YearRates): Map<string, BookRow> {
  return new Map(bookRows(year).map((r) => [r.key, r]));
}

/**
 * The provenance a cell shows: the book's when it holds the book's figure, "superseded" when it holds the figure
 * a revision replaced (a workbook made before the revision), "entered" when a person typed another.
 */
export function provenanceShown(book: BookRow | undefined, period: number, v: Value): string {
  if (blank(v)) return "unknown";
  const f = book?.figures[period];
  if (!f || typeof v !== "number") return "entered";
  if (v === (f.value ?? 0)) return f.kind;
  if (f.replaced !== null && v === f.replaced) return "superseded";
  return "entered";
}

// ---- Rates ----

export function ratesSpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const bookN = bookRows(y).length;
  const bookKey = bookRange(ctx, bookCol.key, bookN);
  const bookAbout = bookRange(ctx, bookCol.about(y.arrs.periods.length), bookN);
  const bookReplaced = bookRange(ctx, bookCol.replaced(0), bookN);
  const book = bookLookup(y);
  const SUPERSEDED = "Superseded: this is the figure the revision replaced; enter the one in force. ";
  const rows: RowValues[] = rateRows(y).map(({ key, rate }) => ({
    key, label: rate.label, value: rate.value, unit: rate.unit, basis: rate.basis, confidence: rate.confidence,
    source: rate.source + (rate.note ? ` Note: ${rate.note}` : ""),
  }));
  return {
    key: "rates",
    name: ctx.sheetName("rates"),
    title: `Rates ${y.year}`,
    rows,
    freeze: { rows: 1, cols: 2 },
    table: {
      keyColumns: ["key"],
      spareRows: 0,
      namePrefix: "Rates_",
      tableName: "PCN_Rates",
      // Only keys that make valid workbook names (a person may type anything in a spare row).
      rowNames: (r) => (typeof r.key === "string" && /^[A-Za-z][A-Za-z0-9_]{0,200}$/.test(r.key) ? { name: `Rate_${r.key}`, column: "value" } : null),
      columns: [
        inp("key", "Rate", "text", { width: 26 }),
        inp("label", "What it is", "longtext", { width: 40 }),
        inp("value", "Value (edit to correct)", "rate", { width: 14, help: "Blank = not known from any source we hold: enter it from the DES." }),
        inp("unit", "Unit", "longtext", { width: 30 }),
        inp("basis", "Basis", "text", { width: 11 }),
        inp("confidence", "Confidence", "text", { width: 11 }),
        inp("source", "Source", "longtext", { width: 60 }),
        calc("revision", "Revision in force (and what it replaced)", "longtext",
          (c) => {
            const at = `MATCH("rate|"&LOWER(${c.ref("key")}),${bookKey},0)`;
            return `=IF(${c.ref("key")}="","",IFERROR(IF(AND(ISNUMBER(${c.ref("value")}),ISNUMBER(INDEX(${bookReplaced},${at})),${c.ref("value")}=INDEX(${bookReplaced},${at})),"${SUPERSEDED}","")&INDEX(${bookAbout},${at})&"",""))`;
          },
          (r) => {
            if (blank(r.key)) return "";
            const b = book.get(`rate|${String(r.key).toLowerCase()}`);
            if (!b) return "";
            return (provenanceShown(b, 0, r.value) === "superseded" ? SUPERSEDED : "") + b.about;
          }, { width: 50 }),
      ],
      conditionalFormats: (col) => {
        const v = col("value");
        return [{ range: v, formula: `=AND(${colLetter(0)}${v.row + 1}<>"",${colLetter(v.col)}${v.row + 1}="")`, fill: COLOURS.unknown }];
      },
    },
  };
}

// ---- ARRS Rates ----

export const AREA_NAMES = AREA_LABELS;

export function arrsRatesSpec(ctx: SpecCtx): SheetSpec {
  const y = ctx.year;
  const periods = y.arrs.periods;
  const bookN = bookRows(y).length;
  const bookKey = bookRange(ctx, bookCol.key, bookN);
  const bookAbout = bookRange(ctx, bookCol.about(periods.length), bookN);
  const book = bookLookup(y);
  const rows: RowValues[] = [];
  for (const role of y.arrs.roles) {
    for (const area of AREA_KEYS) {
      const r: RowValues = { role: role.role, band: role.band, area: AREA_LABEL[area].toLowerCase() };
      const sources = new Set<string>();
      const conf = new Set<string>();
      periods.forEach((p, i) => {
        const info = maximumInfo(y, role, p, area);
        r[`p${i + 1}`] = info.value;
        if (info.value !== null) {
          sources.add(info.source + (info.entry?.note ? ` Note: ${info.entry.note}` : ""));
          conf.add(info.confidence);
        }
      });
      r.confidence = conf.size ? [...conf].join(" / ") : "unknown";
      r.source = sources.size ? [...sources].join(" | ") : y.arrs.unknownNote;
      rows.push(r);
    }
  }
  const keyOf = (r: RowValues) => `${String(r.role ?? "").toLowerCase()}|${String(r.area ?? "").toLowerCase()}`;
  const periodCols = periods.flatMap((p, i) => {
    const n = i + 1;
    const from = shortDate(p);
    return [
      inp(`p${n}`, `Maximum per WTE from ${from} (£)`, "money", { min: 0, name: `P${n}`, width: 16 }),
      calc(`kind${n}`, `Provenance from ${from}`, "text",
        (c) => {
          const v = c.ref(`p${n}`);
          const fig = bookRange(ctx, bookCol.figure(i), bookN), kind = bookRange(ctx, bookCol.kind(i), bookN), was = bookRange(ctx, bookCol.replaced(i), bookN);
          const at = `MATCH(${c.ref("lookup")},${bookKey},0)`;
          // A blank book cell reads as 0 in a comparison, so "replaced" only counts when the book has one.
          return `=IF(${c.ref("role")}="","",IF(${v}="","unknown",IFERROR(IF(${v}=INDEX(${fig},${at}),INDEX(${kind},${at}),IF(AND(ISNUMBER(INDEX(${was},${at})),${v}=INDEX(${was},${at})),"superseded","entered")),"entered")))`;
        },
        (r) => (blank(r.role) ? "" : provenanceShown(book.get(keyOf(r)), i, r[`p${n}`])), { name: `Kind${n}`, width: 13 }),
    ];
  });
  return {
    key: "arrsRates",
    name: ctx.sheetName("arrsRates"),
    title: `ARRS maxima ${y.year}`,
    rows,
    freeze: { rows: 1, cols: 1 },
    table: {
      keyColumns: ["role", "area"],
      // Room for roles a commissioner approves: a person adds the role and its agreed maximum, and posts can use it.
      spareRows: 6,
      namePrefix: "ArrsMax_",
      tableName: "PCN_ArrsMaxima",
      columns: [
        inp("role", "Role", "text", { width: 34, name: "Role" }),
        inp("band", "Band", "text", { width: 8 }),
        inp("area", "Area", "choice", { choices: [...AREA_LABELS], width: 13 }),
        calc("lookup", "Lookup key", "text", (c) => `=IF(${c.ref("role")}="","",LOWER(${c.ref("role")})&"|"&LOWER(${c.ref("area")}))`,
          (r) => (blank(r.role) ? "" : keyOf(r)), { name: "Key", width: 14 }),
        ...periodCols,
        inp("confidence", "Confidence", "text", { width: 11 }),
        inp("source", "Source", "longtext", { width: 60 }),
        calc("about", "About this figure (provenance, revision in force and what it replaced)", "longtext",
          (c) => `=IF(${c.ref("role")}="","",IFERROR(INDEX(${bookAbout},MATCH(${c.ref("lookup")},${bookKey},0))&"","A figure you added: say where it comes from in Source."))`,
          (r) => (blank(r.role) ? "" : book.get(keyOf(r))?.about ?? "A figure you added: say where it comes from in Source."), { width: 60 }),
      ],
      conditionalFormats: (col) =>
        periods.flatMap((_, i) => {
          const v = col(`p${i + 1}`), k = col(`kind${i + 1}`);
          const kRef = `$${colLetter(k.col)}${k.row + 1}`;
          const both = (f: string, fill: string) => [v, k].map((range) => ({ range, formula: f, fill }));
          return [
            { range: v, formula: `=AND($A${v.row + 1}<>"",${colLetter(v.col)}${v.row + 1}="")`, fill: COLOURS.unknown },
            ...both(`=OR(${kRef}="same band",${kRef}="derived")`, COLOURS.derived),
            ...both(`=${kRef}="estimated"`, COLOURS.estimated),
            ...both(`=${kRef}="superseded"`, COLOURS.red),
          ];
        }),
    },
  };
}
