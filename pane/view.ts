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
    const headRow = h(doc, "tr", {}, ...PRACTICE_FIELDS.map((f) => h(doc, "th", { scope: "col" }, f.label)), h(doc, "th", { scope: "col" }, "Actions"));
    this.tbody = h(doc, "tbody");
    const table = h(doc, "table", { className: "practices", "aria-label": "Member practices" }, h(doc, "thead", {}, headRow), this.tbody);
    this.emptyNote = h(doc, "p", { className: "empty" }, "No practices yet. Add each member practice, or leave this empty to use what the Funding sheet holds.");
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
    const remove = h(doc, "button", { type: "button", className: "subtle" }, "Remove");
    tr.appendChild(h(doc, "td", { className: "row-actions" }, remove));
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
  }
}

/** Checkbox list of sheets with their state in the workbook. */
export class SheetList {
  readonly el: HTMLUListElement;
  private boxes: { key: string; box: HTMLInputElement }[] = [];
  onChange: () => void = () => {};

  constructor(private readonly doc: Document, private readonly idPrefix: string, labelledBy: string) {
    this.el = h(doc, "ul", { className: "sheet-list", "aria-labelledby": labelledBy });
  }

  set(sheets: SheetInfo[]): void {
    const was = new Map(this.boxes.map((b) => [b.key, b.box.checked]));
    replaceContent(this.el);
    this.boxes = [];
    if (sheets.length === 0) {
      this.el.appendChild(h(this.doc, "li", { className: "empty" }, "This host offers no sheets."));
      return;
    }
    sheets.forEach((s, i) => {
      const id = `${this.idPrefix}s${i}`;
      const box = h(this.doc, "input", { type: "checkbox", id, value: toText(s.key) });
      box.checked = was.get(toText(s.key)) ?? true;
      box.addEventListener("change", () => this.onChange());
      const status = h(this.doc, "span", { className: s.exists ? "status exists" : "status" }, s.exists ? "In workbook" : "New");
      this.el.appendChild(h(this.doc, "li", {}, h(this.doc, "label", { className: "check", for: id }, box, h(this.doc, "span", { className: "name" }, toText(s.title) || toText(s.key)), status)));
      this.boxes.push({ key: toText(s.key), box });
    });
  }

  selected(): string[] {
    return this.boxes.filter((b) => b.box.checked).map((b) => b.key);
  }

  setAll(checked: boolean): void {
    for (const b of this.boxes) b.box.checked = checked;
    this.onChange();
  }

  setDisabled(disabled: boolean): void {
    for (const b of this.boxes) b.box.disabled = disabled;
  }
}

const SEVERITIES: { key: Finding["severity"]; label: string; heading: string }[] = [
  { key: "red", label: "Red", heading: "Act now" },
  { key: "amber", label: "Amber", heading: "Coming up" },
  { key: "info", label: "Info", heading: "For information" },
];

function severityOf(f: Finding): Finding["severity"] {
  return f.severity === "red" || f.severity === "amber" ? f.severity : "info";
}

/** Where a finding points, in words ("Partnerships, row 5"). Col's base is the host's business, so it is not shown. */
export function findingPlace(f: Finding): string {
  return `${toText(f.sheet)}, row ${toText(f.row)}`;
}

/** Findings grouped red → amber → info, plus a one-line summary. Each finding is a button; `onGo` selects its cell in the host. */
export function renderFindings(doc: Document, idPrefix: string, findings: Finding[], onGo: (f: Finding, button: HTMLButtonElement) => void): { el: HTMLElement; buttons: HTMLButtonElement[]; summary: string } {
  const buttons: HTMLButtonElement[] = [];
  const el = h(doc, "div", { className: "findings" });
  if (findings.length === 0) return { el, buttons, summary: "No findings: nothing in the register needs attention." };
  const counts = SEVERITIES.map((s) => ({ s, n: findings.filter((f) => severityOf(f) === s.key).length })).filter((c) => c.n > 0);
  const summary = `${findings.length === 1 ? "1 finding" : `${findings.length} findings`}: ${counts.map((c) => `${c.n} ${c.s.label.toLowerCase()}`).join(", ")}. Select one to go to its row.`;
  for (const { s, n } of counts) {
    const headingId = `${idPrefix}f-${s.key}`;
    el.appendChild(h(doc, "h3", { id: headingId }, h(doc, "span", { className: `badge ${s.key}` }, s.label), ` ${s.heading} (${n})`));
    const list = h(doc, "ul", { className: "finding-list", "aria-labelledby": headingId });
    for (const f of findings) {
      if (severityOf(f) !== s.key) continue;
      const button = h(
        doc,
        "button",
        { type: "button", className: `finding ${s.key}` },
        h(doc, "span", { className: "top" }, h(doc, "span", { className: `badge ${s.key}` }, s.label), h(doc, "span", { className: "ref" }, toText(f.ref) || "(no reference)")),
        h(doc, "span", { className: "msg-text" }, toText(f.message)),
        h(doc, "span", { className: "where" }, `Go to ${findingPlace(f)}`),
      );
      button.addEventListener("click", () => onGo(f, button));
      buttons.push(button);
      list.appendChild(h(doc, "li", {}, button));
    }
    el.appendChild(list);
  }
  return { el, buttons, summary };
}
