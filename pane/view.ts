/** The pane's DOM pieces. Every workbook string goes through h()/text nodes: no innerHTML anywhere. */
import type { PracticeInput, SheetInfo } from "./bridge";
import type { Finding } from "../core/workbook/register";
import { h, replaceContent, toText } from "./escape";
import { PRACTICE_FIELDS, emptyRow, rowFromPractice, validateField, validateRow, type PracticeField, type RowValues } from "./validate";

interface PracticeRow {
  id: string;
  tr: HTMLTableRowElement;
  inputs: Record<PracticeField, HTMLInputElement>;
  errors: Record<PracticeField, HTMLElement>;
  remove: HTMLButtonElement;
}

/** Editable practices table. Laid out as cards by CSS, but kept a real table with column headers. */
export class PracticesTable {
  readonly el: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly emptyNote: HTMLElement;
  readonly addButton: HTMLButtonElement;
  private rows: PracticeRow[] = [];
  private seq = 0;
  private disabled = false;

  constructor(private readonly doc: Document, private readonly idPrefix: string) {
    const headRow = h(doc, "tr", {}, h(doc, "th", { scope: "col" }, "Actions"), ...PRACTICE_FIELDS.map((f) => h(doc, "th", { scope: "col" }, f.label)));
    this.tbody = h(doc, "tbody");
    const table = h(doc, "table", { className: "practices", "aria-label": "Member practices" }, h(doc, "thead", { className: "visually-hidden" }, headRow), this.tbody);
    this.emptyNote = h(doc, "p", { className: "empty" }, "No practices yet. Add each member practice, or leave this empty to use what the Practices sheet holds.");
    this.addButton = h(doc, "button", { type: "button", className: "subtle" }, "+ Add practice");
    this.addButton.addEventListener("click", () => this.addRow(undefined, true));
    this.el = h(doc, "div", {}, table, this.emptyNote, h(doc, "div", {}, this.addButton));
    this.updateEmpty();
  }

  set(practices: PracticeInput[]): void {
    for (const r of this.rows) r.tr.remove();
    this.rows = [];
    for (const p of practices) this.addRow(p, false);
    this.updateEmpty();
  }

  addRow(p?: PracticeInput, focus = false): void {
    const doc = this.doc;
    const id = `${this.idPrefix}p${++this.seq}`;
    const values = p ? rowFromPractice(p) : emptyRow();
    const inputs = {} as Record<PracticeField, HTMLInputElement>;
    const errors = {} as Record<PracticeField, HTMLElement>;
    const tr = h(doc, "tr", { className: "practice" });
    // Remove first, at the card's top right: from a card's last field, Tab goes on to the next card or out of the table.
    const remove = h(doc, "button", { type: "button", className: "subtle" }, "Remove");
    tr.appendChild(h(doc, "td", { className: "row-actions" }, remove));
    for (const f of PRACTICE_FIELDS) {
      const inputId = `${id}-${f.key}`;
      const input = h(doc, "input", {
        type: "text",
        id: inputId,
        className: f.numeric ? "num" : undefined,
        inputmode: f.numeric ? (f.integer ? "numeric" : "decimal") : undefined,
        autocomplete: "off",
        spellcheck: "false",
        maxlength: f.key === "name" ? 200 : 20,
      });
      input.value = values[f.key];
      const err = h(doc, "span", { className: "field-error", id: `${inputId}-err` });
      inputs[f.key] = input;
      errors[f.key] = err;
      tr.appendChild(h(doc, "td", { className: f.wide ? "wide" : undefined }, h(doc, "label", { for: inputId }, f.label), input, err));
    }
    const row: PracticeRow = { id, tr, inputs, errors, remove };
    this.labelRemove(row);

    for (const f of PRACTICE_FIELDS) {
      const input = inputs[f.key];
      // Errors appear once the person leaves the field, and clear as soon as they are fixed.
      input.addEventListener("blur", () => this.check(row, f.key));
      input.addEventListener("input", () => {
        if (input.getAttribute("aria-invalid") === "true") this.check(row, f.key);
        if (f.key === "name") this.labelRemove(row);
      });
    }
    remove.addEventListener("click", () => this.removeRow(row));
    remove.disabled = this.disabled;
    for (const i of Object.values(inputs)) i.disabled = this.disabled;

    this.tbody.appendChild(tr);
    this.rows.push(row);
    this.updateEmpty();
    if (focus) inputs.name.focus();
  }

  private labelRemove(row: PracticeRow): void {
    const name = row.inputs.name.value.trim();
    row.remove.setAttribute("aria-label", name ? `Remove practice ${name}` : `Remove practice ${this.rows.indexOf(row) + 1 || this.rows.length + 1}`);
  }

  private removeRow(row: PracticeRow): void {
    const i = this.rows.indexOf(row);
    if (i < 0) return;
    row.tr.remove();
    this.rows.splice(i, 1);
    this.updateEmpty();
    // Keep keyboard focus in the table rather than dropping it to the page.
    const next = this.rows[i] ?? this.rows[i - 1];
    (next ? next.remove : this.addButton).focus();
  }

  private values(row: PracticeRow): RowValues {
    const v = emptyRow();
    for (const f of PRACTICE_FIELDS) v[f.key] = row.inputs[f.key].value;
    return v;
  }

  private check(row: PracticeRow, key: PracticeField): string | undefined {
    const error = validateField(key, this.values(row));
    this.showError(row, key, error);
    return error;
  }

  private showError(row: PracticeRow, key: PracticeField, error: string | undefined): void {
    const input = row.inputs[key];
    row.errors[key].textContent = error ?? "";
    if (error) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", row.errors[key].id);
    } else {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
  }

  /** Validates every row, showing inline errors. Empty rows are skipped. */
  collect(): { practices: PracticeInput[]; errorCount: number; firstInvalid?: HTMLInputElement } {
    const practices: PracticeInput[] = [];
    let errorCount = 0;
    let firstInvalid: HTMLInputElement | undefined;
    for (const row of this.rows) {
      const res = validateRow(this.values(row));
      for (const f of PRACTICE_FIELDS) {
        const e = res.errors[f.key];
        this.showError(row, f.key, e);
        if (e) {
          errorCount++;
          firstInvalid ??= row.inputs[f.key];
        }
      }
      if (res.practice) practices.push(res.practice);
    }
    return { practices, errorCount, firstInvalid };
  }

  setDisabled(disabled: boolean): void {
    this.disabled = disabled;
    this.addButton.disabled = disabled;
    for (const r of this.rows) {
      r.remove.disabled = disabled;
      for (const i of Object.values(r.inputs)) i.disabled = disabled;
    }
  }

  private updateEmpty(): void {
    this.emptyNote.hidden = this.rows.length > 0;
    this.onChange();
  }

  /** Practices with a name typed (the step strip counts them). */
  named(): number {
    return this.rows.filter((r) => r.inputs.name.value.trim() !== "").length;
  }

  /** Called when a practice is added or removed. */
  onChange: () => void = () => {};
}

/** Checkbox list of sheets with their state in the workbook ("New", "In workbook", or "Not finished" after a build that stopped). */
export class SheetList {
  readonly el: HTMLUListElement;
  private boxes: { key: string; title: string; exists: boolean; box: HTMLInputElement }[] = [];
  onChange: () => void = () => {};

  constructor(private readonly doc: Document, private readonly idPrefix: string, labelledBy: string) {
    this.el = h(doc, "ul", { className: "sheet-list", "aria-labelledby": labelledBy });
  }

  set(sheets: SheetInfo[], unfinished: ReadonlySet<string> = new Set()): void {
    const was = new Map(this.boxes.map((b) => [b.key, b.box.checked]));
    replaceContent(this.el);
    this.boxes = [];
    if (sheets.length === 0) {
      this.el.appendChild(h(this.doc, "li", { className: "empty" }, "This host offers no sheets."));
      return;
    }
    sheets.forEach((s, i) => {
      const id = `${this.idPrefix}s${i}`;
      const key = toText(s.key);
      const box = h(this.doc, "input", { type: "checkbox", id, value: key });
      box.checked = was.get(key) ?? true;
      box.addEventListener("change", () => this.onChange());
      const partial = unfinished.has(key);
      const status = h(this.doc, "span", { className: partial ? "status partial" : s.exists ? "status exists" : "status" }, partial ? "Not finished" : s.exists ? "In workbook" : "New");
      this.el.appendChild(h(this.doc, "li", {}, h(this.doc, "label", { className: "check", for: id }, box, h(this.doc, "span", { className: "name" }, toText(s.title) || key), status)));
      this.boxes.push({ key, title: toText(s.title) || key, exists: !!s.exists && !partial, box });
    });
  }

  selected(): string[] {
    return this.boxes.filter((b) => b.box.checked).map((b) => b.key);
  }

  /** How many are listed and chosen, and of the chosen, how many are new (not in the workbook, or not finished). */
  counts(): { listed: number; chosen: number; fresh: number } {
    const chosen = this.boxes.filter((b) => b.box.checked);
    return { listed: this.boxes.length, chosen: chosen.length, fresh: chosen.filter((b) => !b.exists).length };
  }

  setAll(checked: boolean): void {
    for (const b of this.boxes) b.box.checked = checked;
    this.onChange();
  }

  setDisabled(disabled: boolean): void {
    for (const b of this.boxes) b.box.disabled = disabled;
  }
}

export const SEVERITIES: { key: Finding["severity"]; label: string; heading: string }[] = [
  { key: "red", label: "Red", heading: "Act now" },
  { key: "amber", label: "Amber", heading: "Coming up" },
  { key: "info", label: "Info", heading: "For information" },
];

export function severityOf(f: Finding): Finding["severity"] {
  return f.severity === "red" || f.severity === "amber" ? f.severity : "info";
}

/** A 1-based column number as its letters (28 -> AB). */
export function columnLetters(col: number): string {
  let s = "";
  for (let n = Math.floor(col); n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/**
 * Where a finding's link goes, in words: the sheet, the row and the field ("Partnerships, row 9, Notice date");
 * without a field name, the cell ("ARRS Summary, cell B4"); without a column, the row ("IIF, row 3").
 */
export function findingPlace(f: Finding): string {
  const sheet = toText(f.sheet);
  const row = Math.floor(Number(f.row));
  const col = typeof f.col === "number" && f.col >= 1 ? Math.floor(f.col) : undefined;
  const field = toText(f.field).trim();
  if (col !== undefined && field) return `${sheet}, row ${row}, ${field}`;
  if (col !== undefined) return `${sheet}, cell ${columnLetters(col)}${row}`;
  return `${sheet}, row ${row}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Findings grouped act now (red), coming up (amber), for information, each group with one badge and its count,
 * collapsible, and filterable by sheet. Each finding is a button naming the place it selects; `onGo` selects it.
 */
export class FindingsView {
  readonly el: HTMLElement;
  buttons: HTMLButtonElement[] = [];
  private readonly filter: HTMLSelectElement;
  private readonly filterBox: HTMLElement;
  private readonly groupsEl: HTMLElement;
  private readonly shown: HTMLElement;
  private findings: Finding[] = [];
  private open = new Map<string, boolean>();
  private disabled = false;

  constructor(private readonly doc: Document, private readonly idPrefix: string, private readonly onGo: (f: Finding, button: HTMLButtonElement) => void) {
    this.filter = h(doc, "select", { id: `${idPrefix}ffilter` });
    this.filter.addEventListener("change", () => this.render());
    this.filterBox = h(doc, "div", { className: "filter", hidden: true }, h(doc, "label", { for: `${idPrefix}ffilter` }, "Show findings for"), this.filter);
    this.shown = h(doc, "p", { className: "hint", "aria-live": "polite" });
    this.groupsEl = h(doc, "div");
    this.el = h(doc, "div", { className: "findings" }, this.filterBox, this.shown, this.groupsEl);
  }

  set(findings: Finding[]): void {
    this.findings = findings;
    // Act now and coming up open; information folded when there is anything more pressing.
    const pressing = findings.some((f) => severityOf(f) !== "info");
    this.open = new Map([["red", true], ["amber", true], ["info", !pressing]]);
    const sheets = [...new Set(findings.map((f) => toText(f.sheet)))];
    replaceContent(this.filter, h(this.doc, "option", { value: "" }, `All sheets (${findings.length})`),
      ...sheets.map((s) => h(this.doc, "option", { value: s }, `${s} (${findings.filter((f) => toText(f.sheet) === s).length})`)));
    this.filter.value = "";
    this.filterBox.hidden = sheets.length < 2;
    this.render();
  }

  clear(): void {
    this.set([]);
    this.filterBox.hidden = true;
  }

  setDisabled(disabled: boolean): void {
    this.disabled = disabled;
    this.filter.disabled = disabled;
    for (const b of this.buttons) b.disabled = disabled;
  }

  private render(): void {
    const doc = this.doc;
    const sheet = this.filter.value;
    const list = sheet ? this.findings.filter((f) => toText(f.sheet) === sheet) : this.findings;
    this.shown.textContent = sheet ? `Showing ${plural(list.length, "finding")} on ${sheet}, of ${this.findings.length}.` : "";
    this.buttons = [];
    replaceContent(this.groupsEl);
    for (const s of SEVERITIES) {
      const items = list.filter((f) => severityOf(f) === s.key);
      if (items.length === 0) continue;
      const listId = `${this.idPrefix}f-${s.key}`;
      const isOpen = this.open.get(s.key) !== false;
      const chev = h(doc, "span", { className: "chev", "aria-hidden": "true" }, isOpen ? "\u25BE" : "\u25B8");
      const head = h(doc, "button", { type: "button", className: "group-head", "aria-expanded": isOpen ? "true" : "false", "aria-controls": listId },
        chev, h(doc, "span", { className: `badge ${s.key}` }, s.label), h(doc, "span", {}, s.heading), h(doc, "span", { className: "count" }, `${items.length}`));
      const ul = h(doc, "ul", { className: "finding-list", id: listId, "aria-label": `${s.heading} (${s.label}): ${plural(items.length, "finding")}`, hidden: !isOpen });
      head.addEventListener("click", () => {
        const now = head.getAttribute("aria-expanded") !== "true";
        this.open.set(s.key, now);
        head.setAttribute("aria-expanded", now ? "true" : "false");
        chev.textContent = now ? "\u25BE" : "\u25B8";
        ul.hidden = !now;
      });
      for (const f of items) {
        const button = h(doc, "button", { type: "button", className: `finding ${s.key}` },
          h(doc, "span", { className: "ref" }, toText(f.ref) || "(no reference)"),
          h(doc, "span", { className: "msg-text" }, toText(f.message)),
          h(doc, "span", { className: "where" }, `Go to ${findingPlace(f)}`),
        );
        button.disabled = this.disabled;
        button.addEventListener("click", () => this.onGo(f, button));
        this.buttons.push(button);
        ul.appendChild(h(doc, "li", {}, button));
      }
      this.groupsEl.appendChild(h(doc, "div", { className: `group ${s.key}` }, head, ul));
    }
  }
}

/** "24 findings: 5 act now, 12 coming up, 7 for information." */
export function findingsSummary(findings: Finding[]): string {
  const parts = SEVERITIES.map((s) => ({ s, n: findings.filter((f) => severityOf(f) === s.key).length })).filter((c) => c.n > 0).map((c) => `${c.n} ${c.s.heading.toLowerCase()}`);
  return `${plural(findings.length, "finding")}: ${parts.join(", ")}. Select one to go to its cell.`;
}
