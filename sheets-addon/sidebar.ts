/**
 * Sidebar client (runs in the browser, inside HtmlService's iframe): a Content Security Policy first, then the
 * shared pane over google.script.run, with the one Sheets-only setting (the name others see while you build).
 */
import { mountPane } from "../pane/pane";
import { h, replaceContent } from "../pane/escape";
import type { SelfTestItem } from "../core/workbook/selftest";
import { AppsScriptBridge, type ScriptRunner } from "./sidebar-bridge";

declare const google: { script: { run: ScriptRunner } };

/**
 * As strict as the Excel task pane's: nothing loads from anywhere but the sidebar's own (Google's) origin, no
 * connection goes elsewhere, no form posts. HtmlService ignores <meta> tags written in the HTML file and
 * addMetaTag allows only viewport-like tags, so the page adds the policy itself, before anything else runs;
 * a policy added this way binds everything loaded after it.
 */
export const SIDEBAR_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'";

const violations: string[] = [];
function applyCsp(doc: Document): boolean {
  try {
    doc.addEventListener("securitypolicyviolation", (e) => {
      let origin = "";
      try {
        origin = new URL((e as SecurityPolicyViolationEvent).blockedURI).origin;
      } catch (err) {
        origin = String((e as SecurityPolicyViolationEvent).blockedURI || "inline").slice(0, 40);
      }
      violations.push(`${(e as SecurityPolicyViolationEvent).effectiveDirective} ${origin}`);
    });
    const meta = doc.createElement("meta");
    meta.setAttribute("http-equiv", "Content-Security-Policy");
    meta.setAttribute("content", SIDEBAR_CSP);
    (doc.head ?? doc.documentElement).insertBefore(meta, (doc.head ?? doc.documentElement).firstChild);
    return true;
  } catch (e) {
    return false;
  }
}

/** What the self-test learns in the browser: the policy is in place and does block, and what else it blocked. */
async function clientChecks(doc: Document, applied: boolean): Promise<SelfTestItem[]> {
  const before = violations.length;
  // A load the policy must refuse: .invalid never resolves, so even without the policy nothing would be sent.
  const blocked = await new Promise<boolean>((resolve) => {
    const img = doc.createElement("img");
    const done = (v: boolean) => resolve(v);
    const timer = setTimeout(() => done(violations.slice(before).some((v) => v.includes("example.invalid"))), 1500);
    doc.addEventListener("securitypolicyviolation", (e) => {
      if (String((e as SecurityPolicyViolationEvent).blockedURI).includes("example.invalid")) {
        clearTimeout(timer);
        done(true);
      }
    });
    img.setAttribute("alt", "");
    img.src = "https://example.invalid/pcn-self-test.png";
  });
  const others = violations.filter((v) => !v.includes("example.invalid"));
  const present = !!doc.querySelector('meta[http-equiv="Content-Security-Policy"]');
  return [
    { id: "sidebar.csp", what: "The sidebar runs under a Content Security Policy as strict as the Excel task pane's, and it blocks a load from elsewhere", passed: applied && present && blocked, detail: !present ? "no policy in the page" : blocked ? "a probe load from another origin was refused" : "the probe load was not refused" },
    { id: "sidebar.cspQuiet", what: "Nothing the sidebar or Google's frame needs was refused by the policy in this session", passed: others.length === 0, detail: others.length ? `refused: ${[...new Set(others)].slice(0, 5).join("; ")}` : "no refusals" },
  ];
}

/** The one setting only Sheets has: the name shown to anyone who tries to build while you are (in the pane's Settings). */
function builderNameSetting(doc: Document, bridge: AppsScriptBridge): HTMLElement {
  const input = h(doc, "input", { type: "text", id: "pcn-builder-name", autocomplete: "name", maxlength: 80, "aria-describedby": "pcn-builder-name-hint" });
  const save = h(doc, "button", { type: "button" }, "Save name");
  const msg = h(doc, "div", { role: "status", "aria-live": "polite" });
  const saveName = async () => {
    save.disabled = true;
    try {
      const kept = await bridge.setBuilderName(input.value);
      replaceContent(msg, h(doc, "p", { className: "hint" }, kept ? `Others will see "${kept}" while you build.` : "Name cleared."));
    } catch (e) {
      replaceContent(msg, h(doc, "div", { className: "msg error", role: "alert" }, e instanceof Error ? e.message : String(e)));
    }
    save.disabled = false;
  };
  save.addEventListener("click", () => void saveName());
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") void saveName();
  });
  // Filled from the workbook's state when the pane first reads it (and kept if the person is typing).
  const fill = (name: string | undefined) => {
    if (name !== undefined && !input.value && doc.activeElement !== input) input.value = name;
  };
  fill(bridge.lastState?.builderName);
  bridge.onState = (st) => fill(st.builderName);
  return h(doc, "div", {},
    h(doc, "label", { for: "pcn-builder-name" }, "Your name"),
    input,
    h(doc, "p", { className: "hint", id: "pcn-builder-name-hint" }, "Shown to anyone else who tries to build this spreadsheet while you are. Google does not tell add-ons who is using them, so without a name they are told \"someone else\"."),
    h(doc, "div", { className: "actions" }, save),
    msg,
  );
}

const applied = applyCsp(document);
const bridge = new AppsScriptBridge(() => google.script.run, { clientChecks: () => clientChecks(document, applied) });
// Google gives a sidebar nothing about the Sheets theme: the pane follows the browser's prefers-color-scheme.
mountPane(document.getElementById("app")!, bridge, { hostName: "Google Sheets", settings: [builderNameSetting(document, bridge)] });
