/**
 * Pane CSS as a string: injected into a <style> element so neither webpack (no CSS loader) nor the Apps Script
 * sidebar (one inlined HTML) needs a stylesheet file. Colours are the tokens of theme.ts (Fluent UI v9); fonts are
 * system only. Layout: a sticky top bar (title, and the status line while anything runs), the steps, and a build
 * bar that sticks to the bottom of the pane (and under the top bar once scrolled past), so the build button is
 * always in view.
 */
import { TOKENS, tokenCss } from "./theme";

export const STYLE_ID = "pcn-pane-styles";

export const paneCss = `
.pcn-pane { ${tokenCss(TOKENS.light)} color-scheme: light; }
@media (prefers-color-scheme: dark) {
  .pcn-pane:not([data-theme=light]) { ${tokenCss(TOKENS.dark)} color-scheme: dark; }
  html:not([data-pcn-theme=light]) body { background: ${TOKENS.dark.bg1}; }
}
.pcn-pane[data-theme=dark] { ${tokenCss(TOKENS.dark)} color-scheme: dark; }
html[data-pcn-theme=dark] body { background: ${TOKENS.dark.bg1}; }
.pcn-pane {
  --radius: 4px;
  box-sizing: border-box; max-width: 100%; min-height: 100vh; margin: 0; padding: 0 0 16px;
  font-family: "Segoe UI", "Segoe UI Web (West European)", -apple-system, BlinkMacSystemFont, Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 14px; line-height: 20px; color: var(--fg1); background: var(--bg1);
  -webkit-font-smoothing: antialiased;
}
/* The pane is the whole page in both hosts: no browser-default margin eating a narrow pane. */
body { margin: 0; background: ${TOKENS.light.bg1}; }
.pcn-pane *, .pcn-pane *::before, .pcn-pane *::after { box-sizing: inherit; }
.pcn-pane h1 { font-size: 16px; line-height: 22px; font-weight: 600; margin: 0; }
.pcn-pane h2 { font-size: 16px; line-height: 22px; font-weight: 600; margin: 0 0 8px; display: flex; align-items: center; gap: 8px; }
.pcn-pane h3 { font-size: 14px; line-height: 20px; font-weight: 600; margin: 12px 0 6px; }
.pcn-pane p { margin: 0 0 8px; }
.pcn-pane .hint { color: var(--fg3); font-size: 12px; line-height: 16px; margin: 4px 0 0; }
.pcn-pane section { border-top: 1px solid var(--stroke-subtle); padding: 12px 12px 8px; }
.pcn-pane .visually-hidden {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.pcn-pane [hidden] { display: none !important; }

/* Top bar: title, and the status line while anything runs */
.pcn-pane .topbar { position: sticky; top: 0; z-index: 3; background: var(--bg1); padding: 8px 12px; border-bottom: 1px solid var(--stroke-subtle); }
.pcn-pane .title { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.pcn-pane .host { color: var(--fg3); font-size: 12px; line-height: 16px; }
.pcn-pane .statusline { display: flex; align-items: flex-start; gap: 8px; margin-top: 6px; font-size: 13px; line-height: 18px; }
.pcn-pane .status-body { flex: 1 1 auto; min-width: 0; overflow-wrap: anywhere; }
.pcn-pane .statusline .still { display: block; color: var(--fg2); font-size: 12px; line-height: 16px; margin-top: 2px; }
.pcn-pane .statusline button { flex: none; min-height: 28px; padding: 3px 10px; }
.pcn-pane .spinner { flex: none; width: 16px; height: 16px; margin-top: 1px; border-radius: 50%; border: 2px solid var(--track); border-top-color: var(--progress); animation: pcn-spin 0.9s linear infinite; }
@keyframes pcn-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .pcn-pane .spinner { animation: none; border-color: var(--progress); } }
.pcn-pane progress { display: block; width: 100%; height: 6px; margin-top: 6px; appearance: none; -webkit-appearance: none; border: 1px solid var(--stroke); border-radius: 3px; background: var(--track); overflow: hidden; }
.pcn-pane progress::-webkit-progress-bar { background: var(--track); }
.pcn-pane progress::-webkit-progress-value { background: var(--progress); transition: width .2s; }
.pcn-pane progress::-moz-progress-bar { background: var(--progress); }

/* Steps */
.pcn-pane .steps { list-style: none; display: flex; justify-content: space-between; margin: 0; padding: 10px 12px; gap: 6px; }
.pcn-pane .steps li { flex: 0 1 auto; min-width: 0; display: flex; align-items: center; gap: 4px; font-size: 12px; line-height: 16px; color: var(--fg2); }
.pcn-pane .steps .n { flex: none; display: inline-flex; align-items: center; justify-content: center; width: 20px; height: 20px; border-radius: 50%; border: 1px solid var(--stroke); font-weight: 600; font-size: 11px; }
.pcn-pane .steps li.done .n { background: var(--ok-bg); border-color: var(--ok-strong); color: var(--ok-fg); }
.pcn-pane .steps li.current { color: var(--fg1); font-weight: 600; }
.pcn-pane .steps li.current .n { background: var(--brand); border-color: var(--brand); color: var(--on-brand); }
.pcn-pane .steps .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.pcn-pane h2 .n { display: inline-flex; align-items: center; justify-content: center; width: 22px; height: 22px; border-radius: 50%; border: 1px solid var(--stroke); font-size: 12px; flex: none; }

/* Controls */
.pcn-pane label { font-weight: 600; display: block; margin-bottom: 4px; }
.pcn-pane label.check { display: flex; align-items: flex-start; gap: 8px; font-weight: 400; margin: 0; padding: 4px 0; cursor: pointer; }
.pcn-pane select, .pcn-pane input[type=text] {
  font: inherit; color: var(--fg1); background: var(--bg1); width: 100%; min-height: 32px;
  border: 1px solid var(--stroke); border-radius: var(--radius); padding: 5px 8px;
}
.pcn-pane select { appearance: auto; }
.pcn-pane select:hover, .pcn-pane input[type=text]:hover { border-color: var(--fg2); }
.pcn-pane input[type=text][aria-invalid=true] { border-color: var(--red-strong); border-width: 2px; padding: 4px 7px; }
.pcn-pane input[type=checkbox] { width: 16px; height: 16px; margin: 2px 0 0; flex: none; accent-color: var(--brand); }
.pcn-pane input[type=file] { display: block; max-width: 100%; margin: 4px 0 8px; font: inherit; color: var(--fg1); }
.pcn-pane :disabled { cursor: not-allowed; }
/* Disabled while something runs, and still readable: the value stays clear, the box says it is locked. */
.pcn-pane input[type=text]:disabled, .pcn-pane select:disabled { color: var(--fg-disabled); background: var(--bg-disabled); border-color: var(--stroke-disabled); border-style: dashed; opacity: 1; }
/* Outline on :focus, removed only where :focus-visible is understood: older WebViews keep a visible focus. */
.pcn-pane :focus { outline: 2px solid var(--focus); outline-offset: 1px; }
.pcn-pane :focus:not(:focus-visible) { outline: none; }
.pcn-pane input[type=text]:focus, .pcn-pane select:focus { outline: 2px solid var(--brand); outline-offset: 0; border-color: var(--brand); }

.pcn-pane button, .pcn-pane summary.button {
  font: inherit; font-weight: 600; min-height: 32px; padding: 5px 12px; border-radius: var(--radius);
  border: 1px solid var(--stroke); background: var(--bg1); color: var(--fg1); cursor: pointer;
}
.pcn-pane button:hover:not(:disabled) { background: var(--bg-hover); }
.pcn-pane button:active:not(:disabled) { background: var(--bg-pressed); }
.pcn-pane button.primary { background: var(--brand); border-color: var(--brand); color: var(--on-brand); }
.pcn-pane button.primary:hover:not(:disabled) { background: var(--brand-hover); }
.pcn-pane button.primary:active:not(:disabled) { background: var(--brand-pressed); }
.pcn-pane button:disabled { background: var(--bg-disabled); border-color: var(--stroke-disabled); border-style: dashed; color: var(--fg-disabled); }
.pcn-pane button.subtle { border-color: transparent; background: transparent; color: var(--link); padding: 5px 8px; }
.pcn-pane button.subtle:hover:not(:disabled) { background: var(--bg-hover); }
.pcn-pane button.subtle:disabled { background: transparent; border-color: transparent; color: var(--fg-disabled); }
.pcn-pane .actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 4px; }
.pcn-pane .actions button { flex: 1 1 auto; }

/* The build bar: always in view */
.pcn-pane .buildbar {
  position: sticky; bottom: 0; top: var(--pcn-top, 0px); z-index: 2; background: var(--bg1);
  padding: 8px 12px; border-top: 1px solid var(--stroke-subtle); border-bottom: 1px solid var(--stroke-subtle);
}
.pcn-pane .buildbar button.primary { width: 100%; min-height: 36px; }
.pcn-pane .buildbar .hint { margin-top: 4px; }
.pcn-pane .build-more { padding: 4px 12px 8px; }
.pcn-pane details.choose { margin: 4px 0; }
.pcn-pane details.choose > summary { list-style: none; display: flex; align-items: center; gap: 6px; min-height: 32px; padding: 5px 8px; border-radius: var(--radius); color: var(--link); font-weight: 600; cursor: pointer; }
.pcn-pane details.choose > summary::-webkit-details-marker { display: none; }
.pcn-pane details.choose > summary::before { content: "\\25B8"; display: inline-block; width: 12px; color: var(--fg2); }
.pcn-pane details.choose[open] > summary::before { content: "\\25BE"; }
.pcn-pane details.choose > summary:hover { background: var(--bg-hover); }
.pcn-pane details.detail { margin-top: 6px; font-size: 12px; line-height: 16px; }
.pcn-pane details.detail > summary { cursor: pointer; color: var(--link); font-weight: 600; }
.pcn-pane details.detail p { margin: 4px 0 0; color: var(--fg2); overflow-wrap: anywhere; }

/* Messages */
.pcn-pane .msg { border: 1px solid var(--stroke-subtle); border-left-width: 4px; border-radius: var(--radius); padding: 8px 10px; margin: 8px 0; font-size: 13px; line-height: 18px; color: var(--fg1); overflow-wrap: anywhere; }
.pcn-pane .msg:empty { display: none; }
.pcn-pane .msg p { margin: 4px 0 0; }
.pcn-pane .msg > strong:first-child { display: block; }
.pcn-pane .msg.error { background: var(--red-bg); border-left-color: var(--red-strong); }
.pcn-pane .msg.error > strong:first-child { color: var(--red-fg); }
.pcn-pane .msg.warn { background: var(--amber-bg); border-left-color: var(--amber-strong); }
.pcn-pane .msg.ok { background: var(--ok-bg); border-left-color: var(--ok-strong); }
.pcn-pane .msg.note { background: var(--info-bg); border-left-color: var(--info-strong); }
.pcn-pane .msg ul { margin: 4px 0 0; padding-left: 18px; }
.pcn-pane .msg .actions { margin-bottom: 0; }
.pcn-pane .field-error { color: var(--red-fg); font-size: 12px; line-height: 16px; margin-top: 2px; display: block; }
.pcn-pane .field-error:empty { display: none; }

/* Practices: a real table, laid out as one card per practice so it fits a 300px pane. */
.pcn-pane .practices { width: 100%; border-collapse: collapse; }
.pcn-pane .practices thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.pcn-pane .practices tbody { display: block; }
.pcn-pane .practices tr.practice {
  display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); align-items: end; gap: 6px 8px; padding: 8px; margin: 0 0 8px;
  border: 1px solid var(--stroke-subtle); border-radius: var(--radius); background: var(--bg2);
}
.pcn-pane .practices td { display: block; min-width: 0; padding: 0; }
.pcn-pane .practices td.wide { grid-column: 1 / -1; }
.pcn-pane .practices td.row-actions { grid-column: 1 / -1; display: flex; justify-content: flex-end; margin: -4px -4px -6px 0; }
.pcn-pane .practices td.row-actions button { min-height: 28px; padding: 3px 8px; }
.pcn-pane .practices label { font-size: 12px; line-height: 16px; margin-bottom: 2px; }
.pcn-pane .practices input[type=text] { min-height: 28px; padding: 3px 6px; }
.pcn-pane .practices input.num { text-align: right; font-variant-numeric: tabular-nums; }
.pcn-pane .empty { color: var(--fg3); font-size: 13px; padding: 4px 0; margin: 0; }

/* Sheets */
.pcn-pane .sheet-list { list-style: none; margin: 4px 0 0; padding: 0; border: 1px solid var(--stroke-subtle); border-radius: var(--radius); }
.pcn-pane .sheet-list li { padding: 2px 10px; border-top: 1px solid var(--stroke-subtle); }
.pcn-pane .sheet-list li:first-child { border-top: 0; }
.pcn-pane .sheet-list .status { margin: 0 0 0 auto; font-size: 12px; color: var(--fg3); white-space: nowrap; padding-left: 8px; display: inline; }
.pcn-pane .sheet-list .status.exists { color: var(--ok-fg); }
.pcn-pane .sheet-list .status.partial { color: var(--amber-fg); }
.pcn-pane .sheet-list .name { overflow-wrap: anywhere; }
.pcn-pane .list-tools { display: flex; justify-content: flex-end; gap: 4px; margin: 4px 0 0; }

/* Findings */
.pcn-pane .summary { font-size: 13px; color: var(--fg2); margin: 8px 0; }
.pcn-pane .summary:empty { display: none; }
.pcn-pane .filter { margin: 8px 0; }
.pcn-pane .filter label { font-size: 12px; line-height: 16px; }
.pcn-pane .group { margin: 8px 0 0; }
.pcn-pane .group-head { display: flex; width: 100%; align-items: center; gap: 8px; text-align: left; background: var(--bg3); }
.pcn-pane .group-head .chev { flex: none; width: 12px; color: var(--fg2); }
.pcn-pane .group-head .count { margin-left: auto; color: var(--fg2); font-weight: 400; white-space: nowrap; }
.pcn-pane .finding-list { list-style: none; margin: 6px 0 0; padding: 0; }
.pcn-pane .finding-list li { margin: 0 0 6px; }
.pcn-pane button.finding {
  display: block; width: 100%; text-align: left; font-weight: 400; padding: 8px 10px 8px 12px;
  background: var(--bg1); border: 1px solid var(--stroke); border-left-width: 4px; line-height: 18px;
}
.pcn-pane button.finding.red { border-left-color: var(--red-strong); }
.pcn-pane button.finding.amber { border-left-color: var(--amber-strong); }
.pcn-pane button.finding.info { border-left-color: var(--info-strong); }
.pcn-pane button.finding:hover:not(:disabled) { background: var(--bg3); }
.pcn-pane button.finding:disabled { color: var(--fg-disabled); }
.pcn-pane .finding .ref { display: block; font-weight: 600; overflow-wrap: anywhere; }
.pcn-pane .finding .msg-text { display: block; color: var(--fg2); overflow-wrap: anywhere; margin-top: 2px; }
.pcn-pane .finding .where { display: block; color: var(--link); font-size: 12px; margin-top: 2px; overflow-wrap: anywhere; }
.pcn-pane .badge {
  display: inline-block; font-size: 11px; line-height: 16px; font-weight: 600; padding: 0 6px; border-radius: 999px;
  border: 1px solid; white-space: nowrap;
}
.pcn-pane .badge.red { color: var(--red-fg); background: var(--red-bg); border-color: var(--red-strong); }
.pcn-pane .badge.amber { color: var(--amber-fg); background: var(--amber-bg); border-color: var(--amber-strong); }
.pcn-pane .badge.info { color: var(--info-fg); background: var(--info-bg); border-color: var(--info-strong); }

/* Windows high contrast (and Office in it): the system's colours, every edge drawn. */
@media (forced-colors: active) {
  .pcn-pane { forced-color-adjust: auto; }
  .pcn-pane button, .pcn-pane select, .pcn-pane input[type=text], .pcn-pane .msg, .pcn-pane progress { border-color: ButtonText; }
  .pcn-pane button.finding { border-left-width: 4px; }
  .pcn-pane :disabled { color: GrayText; border-color: GrayText; }
  .pcn-pane :focus-visible { outline-color: Highlight; }
  .pcn-pane .spinner { border-color: ButtonText; border-top-color: Highlight; }
}
@media (prefers-contrast: more) {
  .pcn-pane { --stroke-subtle: var(--stroke); --fg3: var(--fg2); }
}
`;

/** Adds the pane CSS once per document. */
export function injectStyles(doc: Document): void {
  if (doc.getElementById(STYLE_ID)) return;
  const style = doc.createElement("style");
  style.id = STYLE_ID;
  style.textContent = paneCss;
  (doc.head ?? doc.documentElement).appendChild(style);
}
