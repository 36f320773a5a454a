/**
 * Safe DOM building for the pane. Workbook text (practice names, partnership refs, warnings) is hostile input:
 * it only ever reaches the page as text nodes or attribute values, never as markup.
 */

export type Child = Node | string | number | null | undefined | false;

/** Attributes that would run code or load something: refused even if a caller passes them. */
const FORBIDDEN_ATTR = /^(on|srcdoc$|src$|href$|action$|formaction$|style$|xlink:href$)/i;

import { toText } from "../core/text";

export { escapeHtml, toText } from "../core/text";

/**
 * createElement + setAttribute + text nodes. `attrs` values are strings set as attributes (never parsed as HTML);
 * `true` sets a boolean attribute, false/undefined/null leaves it off.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  attrs: Record<string, string | number | boolean | undefined | null> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (FORBIDDEN_ATTR.test(name)) throw new Error(`h(): attribute ${name} is not allowed`);
    el.setAttribute(name === "className" ? "class" : name, value === true ? "" : toText(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  const doc = parent.ownerDocument ?? (parent as Document);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "object" ? c : doc.createTextNode(toText(c)));
  }
}

/** Element.replaceChildren, which older Office WebViews (EdgeHTML, Safari < 14) lack. */
export function replaceContent(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** Replace an element's content with text only. */
export function setText(el: Element, v: unknown): void {
  el.textContent = toText(v);
}
