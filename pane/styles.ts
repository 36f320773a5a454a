/**
 * Pane CSS as a string: injected into a <style> element so neither webpack (no CSS loader) nor the Apps Script
 * sidebar (one inlined HTML) needs a stylesheet file. Colours are Fluent UI v9 tokens; fonts are system only.
 */

export const STYLE_ID = "pcn-pane-styles";

export const paneCss = `
.pcn-pane {
  --brand: #0F6CBD; --brand-hover: #115EA3; --brand-pressed: #0C3B5E; --brand-bg: #EBF3FC;
  --fg1: #242424; --fg2: #424242; --fg3: #616161; --fg-disabled: #BDBDBD;
  --bg1: #FFFFFF; --bg2: #FAFAFA; --bg3: #F5F5F5; --bg-hover: #F0F0F0; --bg-disabled: #F0F0F0;
  --stroke1: #D1D1D1; --stroke2: #E0E0E0; --stroke-access: #616161;
  --red-fg: #B10E1C; --red-bg: #FDF3F4; --red-stroke: #EEACB2;
  --amber-fg: #8A3707; --amber-bg: #FFF9F5; --amber-stroke: #FDCFB4;
  --info-fg: #115EA3; --info-bg: #EBF3FC; --info-stroke: #B4D6FA;
  --ok-fg: #0E700E; --ok-bg: #F1FAF1; --ok-stroke: #9FD89F;
  --radius: 4px;
  box-sizing: border-box; max-width: 100%; margin: 0; padding: 12px 12px 24px;
  font-family: "Segoe UI", "Segoe UI Web (West European)", -apple-system, BlinkMacSystemFont, Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 14px; line-height: 20px; color: var(--fg1); background: var(--bg1);
  -webkit-font-smoothing: antialiased;
}
/* The pane is the whole page in both hosts: no browser-default margin eating a narrow pane. */
body { margin: 0; background: #FFFFFF; }
.pcn-pane *, .pcn-pane *::before, .pcn-pane *::after { box-sizing: inherit; }
.pcn-pane h1 { font-size: 20px; line-height: 28px; font-weight: 600; margin: 0 0 2px; }
.pcn-pane h2 { font-size: 16px; line-height: 22px; font-weight: 600; margin: 0 0 8px; }
.pcn-pane h3 { font-size: 14px; line-height: 20px; font-weight: 600; margin: 12px 0 6px; }
.pcn-pane p { margin: 0 0 8px; }
.pcn-pane .subtitle { color: var(--fg3); font-size: 12px; line-height: 16px; margin-bottom: 12px; }
.pcn-pane .hint { color: var(--fg3); font-size: 12px; line-height: 16px; margin: 4px 0 0; }
.pcn-pane section { border-top: 1px solid var(--stroke2); padding: 14px 0 6px; }
.pcn-pane .visually-hidden {
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}

/* Controls */
.pcn-pane label { font-weight: 600; display: block; margin-bottom: 4px; }
.pcn-pane label.check { display: flex; align-items: flex-start; gap: 8px; font-weight: 400; margin: 0; padding: 4px 0; cursor: pointer; }
.pcn-pane select, .pcn-pane input[type=text] {
  font: inherit; color: var(--fg1); background: var(--bg1); width: 100%; min-height: 32px;
  border: 1px solid var(--stroke1); border-bottom-color: var(--stroke-access); border-radius: var(--radius);
  padding: 5px 8px;
}
.pcn-pane select { appearance: auto; }
.pcn-pane select:hover, .pcn-pane input[type=text]:hover { border-color: #C7C7C7; border-bottom-color: var(--fg2); }
.pcn-pane select:focus, .pcn-pane input[type=text]:focus { border-bottom: 2px solid var(--brand); padding-bottom: 4px; }
.pcn-pane input[type=text][aria-invalid=true] { border-color: var(--red-fg); }
.pcn-pane input[type=checkbox] { width: 16px; height: 16px; margin: 2px 0 0; flex: none; accent-color: var(--brand); }
.pcn-pane input[type=file] { display: block; max-width: 100%; margin: 4px 0 8px; font: inherit; }
.pcn-pane input[type=file]:focus-visible { outline: 2px solid var(--brand); outline-offset: 2px; }
.pcn-pane :disabled { cursor: not-allowed; }
.pcn-pane input[type=text]:disabled, .pcn-pane select:disabled { color: var(--fg-disabled); background: var(--bg-disabled); border-color: var(--stroke2); }
/* Outline on :focus, removed only where :focus-visible is understood: older WebViews keep a visible focus. */
.pcn-pane :focus { outline: 2px solid var(--fg1); outline-offset: 1px; }
.pcn-pane :focus:not(:focus-visible) { outline: none; }
.pcn-pane input[type=text]:focus, .pcn-pane select:focus { outline: 2px solid var(--brand); outline-offset: 0; }

.pcn-pane button {
  font: inherit; font-weight: 600; min-height: 32px; padding: 5px 12px; border-radius: var(--radius);
  border: 1px solid var(--stroke1); background: var(--bg1); color: var(--fg1); cursor: pointer;
}
.pcn-pane button:hover:not(:disabled) { background: var(--bg-hover); border-color: #C7C7C7; }
.pcn-pane button:active:not(:disabled) { background: #E0E0E0; }
.pcn-pane button.primary { background: var(--brand); border-color: transparent; color: #FFFFFF; }
.pcn-pane button.primary:hover:not(:disabled) { background: var(--brand-hover); }
.pcn-pane button.primary:active:not(:disabled) { background: var(--brand-pressed); }
.pcn-pane button:disabled { background: var(--bg-disabled); border-color: var(--stroke2); color: var(--fg-disabled); }
.pcn-pane button.subtle { border-color: transparent; background: transparent; color: var(--brand); padding: 5px 8px; }
.pcn-pane button.subtle:hover:not(:disabled) { background: var(--bg-hover); color: var(--brand-hover); }
.pcn-pane button.subtle:disabled { background: transparent; color: var(--fg-disabled); }
.pcn-pane .actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0 4px; }
.pcn-pane .actions button { flex: 1 1 auto; }

/* Messages */
.pcn-pane .msg { border: 1px solid; border-radius: var(--radius); padding: 8px 10px; margin: 8px 0; font-size: 13px; line-height: 18px; }
.pcn-pane .msg:empty { display: none; }
.pcn-pane .msg.error { color: var(--fg1); background: var(--red-bg); border-color: var(--red-stroke); }
.pcn-pane .msg.error strong { color: var(--red-fg); }
.pcn-pane .msg.warn { color: var(--fg1); background: var(--amber-bg); border-color: var(--amber-stroke); }
.pcn-pane .msg.ok { color: var(--fg1); background: var(--ok-bg); border-color: var(--ok-stroke); }
.pcn-pane .msg.note { color: var(--fg1); background: var(--info-bg); border-color: var(--info-stroke); }
.pcn-pane .msg ul { margin: 4px 0 0; padding-left: 18px; }
.pcn-pane .field-error { color: var(--red-fg); font-size: 12px; line-height: 16px; margin-top: 2px; display: block; }
.pcn-pane .field-error:empty { display: none; }

/* Progress */
.pcn-pane .progress { margin: 8px 0; }
.pcn-pane .progress[hidden] { display: none; }
.pcn-pane progress { width: 100%; height: 4px; appearance: none; -webkit-appearance: none; border: 0; border-radius: 2px; background: var(--stroke2); overflow: hidden; }
.pcn-pane progress::-webkit-progress-bar { background: var(--stroke2); border-radius: 2px; }
.pcn-pane progress::-webkit-progress-value { background: var(--brand); border-radius: 2px; transition: width .2s; }
.pcn-pane progress::-moz-progress-bar { background: var(--brand); }
.pcn-pane .progress-text { font-size: 12px; line-height: 16px; color: var(--fg2); margin-top: 4px; }

/* Practices: a real table, laid out as one card per practice so it fits a 320px pane. */
.pcn-pane .practices { width: 100%; border-collapse: collapse; }
.pcn-pane .practices thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.pcn-pane .practices tbody { display: block; }
.pcn-pane .practices tr.practice {
  display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); align-items: end; gap: 6px 8px; padding: 10px; margin: 0 0 8px;
  border: 1px solid var(--stroke2); border-radius: var(--radius); background: var(--bg2);
}
.pcn-pane .practices td { display: block; min-width: 0; padding: 0; }
.pcn-pane .practices td.wide { grid-column: 1 / -1; }
.pcn-pane .practices td.row-actions { display: flex; justify-content: flex-end; align-self: end; }
.pcn-pane .practices label { font-size: 12px; line-height: 16px; margin-bottom: 2px; }
.pcn-pane .practices input[type=text] { min-height: 28px; padding: 3px 6px; }
.pcn-pane .practices input[type=text]:focus { padding-bottom: 2px; }
.pcn-pane .practices input.num { text-align: right; font-variant-numeric: tabular-nums; }
.pcn-pane .empty { color: var(--fg3); font-size: 13px; padding: 8px 0; }

/* Sheets */
.pcn-pane .sheet-list { list-style: none; margin: 0; padding: 0; border: 1px solid var(--stroke2); border-radius: var(--radius); }
.pcn-pane .sheet-list li { padding: 2px 10px; border-top: 1px solid var(--stroke2); }
.pcn-pane .sheet-list li:first-child { border-top: 0; }
.pcn-pane .sheet-list .status { margin-left: auto; font-size: 12px; color: var(--fg3); white-space: nowrap; padding-left: 8px; }
.pcn-pane .sheet-list .status.exists { color: var(--ok-fg); }
.pcn-pane .sheet-list .name { overflow-wrap: anywhere; }
.pcn-pane .list-tools { display: flex; justify-content: flex-end; gap: 4px; margin: -4px 0 4px; }
.pcn-pane .sample { margin-top: 8px; }

/* Findings */
.pcn-pane .summary { font-size: 13px; color: var(--fg2); margin: 8px 0; }
.pcn-pane .summary:empty { display: none; }
.pcn-pane .finding-list { list-style: none; margin: 0; padding: 0; }
.pcn-pane .finding-list li { margin: 0 0 6px; }
.pcn-pane button.finding {
  display: block; width: 100%; text-align: left; font-weight: 400; padding: 8px 10px 8px 12px;
  background: var(--bg1); border: 1px solid var(--stroke2); border-left-width: 4px; line-height: 18px;
}
.pcn-pane button.finding.red { border-left-color: var(--red-fg); }
.pcn-pane button.finding.amber { border-left-color: #DA3B01; }
.pcn-pane button.finding.info { border-left-color: var(--brand); }
.pcn-pane button.finding:hover:not(:disabled) { background: var(--bg3); border-color: var(--stroke1); }
.pcn-pane button.finding.red:hover:not(:disabled) { border-left-color: var(--red-fg); }
.pcn-pane button.finding.amber:hover:not(:disabled) { border-left-color: #DA3B01; }
.pcn-pane button.finding.info:hover:not(:disabled) { border-left-color: var(--brand); }
.pcn-pane .finding .top { display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; }
.pcn-pane .finding .ref { font-weight: 600; overflow-wrap: anywhere; }
.pcn-pane .finding .msg-text { display: block; color: var(--fg2); overflow-wrap: anywhere; margin-top: 2px; }
.pcn-pane .finding .where { display: block; color: var(--brand); font-size: 12px; margin-top: 2px; }
.pcn-pane .badge {
  display: inline-block; font-size: 11px; line-height: 16px; font-weight: 600; padding: 0 6px; border-radius: 999px;
  border: 1px solid; white-space: nowrap;
}
.pcn-pane .badge.red { color: var(--red-fg); background: var(--red-bg); border-color: var(--red-stroke); }
.pcn-pane .badge.amber { color: var(--amber-fg); background: var(--amber-bg); border-color: var(--amber-stroke); }
.pcn-pane .badge.info { color: var(--info-fg); background: var(--info-bg); border-color: var(--info-stroke); }

@media (forced-colors: active) {
  .pcn-pane button.finding { border-left-width: 4px; }
  .pcn-pane :focus-visible { outline-color: Highlight; }
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
