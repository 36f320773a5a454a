/**
 * The one task pane both hosts show (Excel task pane, Google Sheets sidebar). Talks to the workbook only
 * through `Bridge`; builds its DOM with createElement/textContent so workbook text can never become markup.
 *
 * The screen, top to bottom: a top bar (the status line while anything runs, with Stop during a build), the four
 * steps (year, practices, build, check), the year, the practices, the build bar (it sticks to the bottom of the
 * pane, and under the top bar once scrolled past, so the build button is always in view), what the last build did,
 * its options (the sample, the sheets folded behind "Choose sheets"), the register check, and the other actions.
 */
import type { Bridge, BuildFailureInfo, BuildProgress, BuildRequest, BuildResult, HostState } from "./bridge";
import { REGISTER_CHECKS, type Finding } from "../core/workbook/register";
import { h, replaceContent, toText, type Child } from "./escape";
import { injectStyles } from "./styles";
import type { PaneTheme } from "./theme";
import { FindingsView, PracticesTable, SheetList, findingPlace, findingsSummary } from "./view";

let paneCount = 0;

const HOST_NAMES: Record<string, string> = { excel: "Excel", sheets: "Google Sheets", test: "the test host" };

/** After this long without an answer from the host, the status line says it is still working, and on what. */
export const STILL_WORKING_MS = 10_000;

/** Timers and the time: tests pass a clock they move by hand, so nothing waits on the wall clock. */
export interface PaneClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const realClock: PaneClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface PaneOptions {
  clock?: PaneClock;
  /** The host's name before the workbook is read ("Excel"); afterwards HostState.host says. */
  hostName?: string;
  /** Settings only this host has (the Sheets sidebar's "Your name"), shown under Settings. */
  settings?: HTMLElement[];
  theme?: PaneTheme;
}

/** Error text for people: the thrown message without a leading "Error: " (Apps Script adds one). */
export function errorText(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === "object" && err && "message" in err ? toText((err as { message: unknown }).message) : toText(err);
  return raw.replace(/^((\w*Error|Exception):\s*)+/, "").trim() || "Something went wrong, with no further detail.";
}

/**
 * A failure's message split into the sentence for people and the host's own text (shown only as a detail).
 * Hosts write their sentences as PcnError or BuildFailure; Excel's own words follow "Excel said:"; anything else
 * ("Unexpected problem: …", a TypeError) is the host's text alone.
 */
export function errorParts(err: unknown): { plain?: string; raw?: string } {
  const text = errorText(err);
  const name = err && typeof err === "object" ? toText((err as { name?: unknown }).name) : "";
  const ours = name === "PcnError" || name === "BuildFailure" || name === "BuildStopped";
  const said = /^(.*?)\s*\b(?:Excel|Google Sheets|Apps Script) said:\s*(.+)$/s.exec(text);
  if (said && said[1].trim()) return { plain: said[1].trim(), raw: said[2].trim() };
  const unexpected = /^Unexpected problem:\s*(.+)$/s.exec(text);
  if (unexpected) return { raw: unexpected[1].trim() };
  return ours ? { plain: text } : { raw: text };
}

/**
 * "Building Funding (3 of 11)". `done` counts finished sheets and `label` names the one in hand, so the sheet in
 * hand is number done + 1.
 */
export function progressText(p: BuildProgress): string {
  const total = Math.max(0, Math.floor(Number(p.total) || 0));
  const done = Math.max(0, Math.floor(Number(p.done) || 0));
  const label = toText(p.label).trim();
  if (total === 0) return label ? `Building ${label}` : "Building…";
  if (done >= total) return `Finishing up (${total} of ${total} built)`;
  return label ? `Building ${label} (${done + 1} of ${total})` : `Building sheet ${done + 1} of ${total}`;
}

/** "A, B and C" (at most `max` names, then "and N more"). */
export function nameList(names: string[], max = 6): string {
  if (names.length === 0) return "";
  const shown = names.length > max ? names.slice(0, max - 1) : names;
  const rest = names.length - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${rest} more`;
  return shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What the build button builds, in its words: "Build all 18 sheets", "Refresh all 18 sheets", "Build 3 new sheets,
 * refresh 15", "Build 2 sheets"; with the sample, "… with the sample network".
 */
export function buildLabel(c: { listed: number; chosen: number; fresh: number }, sample: boolean): string {
  if (c.chosen === 0) return "Choose a sheet to build";
  const all = c.chosen === c.listed ? "all " : "";
  const old = c.chosen - c.fresh;
  const base =
    old === 0 ? `Build ${all}${plural(c.chosen, "sheet")}` : c.fresh === 0 ? `Refresh ${all}${plural(c.chosen, "sheet")}` : `Build ${plural(c.fresh, "new sheet")}, refresh ${old}`;
  return sample && c.fresh > 0 ? `${base} with the sample network` : base;
}

/** What a host can do with a mounted pane. */
export interface PaneHandle {
  /**
   * Reads the workbook again and shows it as a freshly opened pane would (messages and findings cleared,
   * practices reset to the workbook's). Hosts whose page outlives the pane (Excel's shared runtime) call it when
   * the pane is shown again. While a build or check is running it does nothing (a build re-reads on its own);
   * during a load it waits for that load.
   */
  reload(): Promise<void>;
  /** The host's theme (Office's), or undefined to follow the browser's preference. */
  setTheme(theme: PaneTheme | undefined): void;
}

type Kind = "load" | "build" | "check" | "rates" | "selftest" | "lock";

export function mountPane(root: HTMLElement, bridge: Bridge, options: PaneOptions = {}): PaneHandle {
  const doc = root.ownerDocument;
  injectStyles(doc);
  const clock = options.clock ?? realClock;
  const id = `pcn${++paneCount}-`;
  let state: HostState | undefined;
  const hostName = () => (state ? HOST_NAMES[state.host] ?? toText(state.host) : options.hostName ?? "the spreadsheet");

  // ---- Top bar: title, and the status line while anything runs
  const hostLine = h(doc, "span", { className: "host" }, options.hostName ? `in ${options.hostName}` : "");
  const spinner = h(doc, "span", { className: "spinner", "aria-hidden": "true" });
  const statusText = h(doc, "span", { className: "status-text" });
  const stillText = h(doc, "span", { className: "still" });
  const progressBar = h(doc, "progress", { max: 1, value: 0, "aria-label": "Build progress", hidden: true });
  const stopButton = h(doc, "button", { type: "button", hidden: true, "aria-describedby": `${id}stop-hint` }, "Stop");
  const stopHint = h(doc, "span", { id: `${id}stop-hint`, className: "visually-hidden" }, "Stops the build at the next pause between sheets; no sheet is left half-written.");
  // A live region from the start: screen readers miss regions that appear with their message.
  const statusRegion = h(doc, "div", { className: "statusline", role: "status", "aria-live": "polite", hidden: true },
    spinner, h(doc, "div", { className: "status-body" }, statusText, stillText, progressBar), stopButton, stopHint);
  const topbar = h(doc, "header", { className: "topbar" }, h(doc, "div", { className: "title" }, h(doc, "h1", {}, "PCN Toolkit"), hostLine), statusRegion);

  // ---- Steps
  const STEP_NAMES = ["Year", "Practices", "Build", "Check"];
  const stepItems = STEP_NAMES.map((name, i) => {
    const state_ = h(doc, "span", { className: "visually-hidden" });
    const li = h(doc, "li", {}, h(doc, "span", { className: "n", "aria-hidden": "true" }, String(i + 1)), h(doc, "span", { className: "label" }, name), state_);
    return { li, state: state_, name };
  });
  const steps = h(doc, "ol", { className: "steps", "aria-label": "Steps" }, ...stepItems.map((s) => s.li));

  const stepHeading = (n: number, text: string, hid: string) => h(doc, "h2", { id: hid }, h(doc, "span", { className: "n", "aria-hidden": "true" }, String(n)), text);

  // ---- 1 Year
  const yearSelect = h(doc, "select", { id: `${id}year`, "aria-describedby": `${id}year-note` });
  const yearNote = h(doc, "div", { id: `${id}year-note`, "aria-live": "polite" });
  const yearSection = h(doc, "section", { "aria-labelledby": `${id}year-h` },
    stepHeading(1, "Financial year", `${id}year-h`),
    h(doc, "label", { for: `${id}year` }, "Build for the year"),
    yearSelect,
    yearNote,
  );

  // ---- 2 Practices
  const practices = new PracticesTable(doc, id);
  const practicesSection = h(doc, "section", { "aria-labelledby": `${id}prac-h` },
    stepHeading(2, "Practice populations", `${id}prac-h`),
    h(doc, "p", { className: "hint" }, "Each member practice's list sizes (as at 1 January). What you confirm here goes to the Practices sheet; a field left blank keeps the sheet's figure."),
    practices.el,
  );

  // ---- 3 Build: the bar (always in view), then what the last build did, then its options
  const buildButton = h(doc, "button", { type: "button", className: "primary", "aria-describedby": `${id}build-why` }, "Build");
  const buildWhy = h(doc, "p", { className: "hint", id: `${id}build-why` });
  const buildbar = h(doc, "section", { className: "buildbar", "aria-labelledby": `${id}build-h` },
    h(doc, "h2", { id: `${id}build-h`, className: "visually-hidden" }, "Step 3: build"),
    buildButton, buildWhy);
  const buildMsg = h(doc, "div", { role: "status", "aria-live": "polite" });
  const buildAlert = h(doc, "div");
  const sheets = new SheetList(doc, id, `${id}choose-s`);
  const sheetsSummary = h(doc, "summary", { id: `${id}choose-s` }, "Choose sheets");
  const selectAll = h(doc, "button", { type: "button", className: "subtle" }, "Select all");
  const selectNone = h(doc, "button", { type: "button", className: "subtle" }, "Clear");
  const chooser = h(doc, "details", { className: "choose" }, sheetsSummary, h(doc, "div", { className: "list-tools" }, selectAll, selectNone), sheets.el);
  const sample = h(doc, "input", { type: "checkbox", id: `${id}sample`, "aria-describedby": `${id}sample-hint` });
  const buildMore = h(doc, "div", { className: "build-more" },
    buildAlert,
    buildMsg,
    h(doc, "label", { className: "check", for: `${id}sample` }, sample, h(doc, "span", {}, "Fill new sheets with the fictional sample network")),
    h(doc, "p", { className: "hint", id: `${id}sample-hint` }, "Made-up practices and staff for trying the toolkit out. Sheets already in the workbook keep their data."),
    chooser,
  );

  // ---- 4 Check register
  const checkButton = h(doc, "button", { type: "button", "aria-describedby": `${id}reg-hint` }, "Check register");
  const registerMsg = h(doc, "div");
  const registerStatus = h(doc, "div", { role: "status", "aria-live": "polite" });
  const findings = new FindingsView(doc, id, (f, b) => void goTo(f, b));
  const registerSection = h(doc, "section", { "aria-labelledby": `${id}reg-h` },
    stepHeading(4, "Check register", `${id}reg-h`),
    h(doc, "p", { className: "hint", id: `${id}reg-hint` }, "Looks for notice dates within 90 days, overdue reviews, missing governance or contacts, ARRS headroom or underspend, IIF patients still needed, and figures a later revision replaced."),
    h(doc, "div", { className: "actions" }, checkButton),
    registerMsg,
    registerStatus,
    findings.el,
  );

  // ---- More: the other actions, each only where the host has it
  const more: HTMLElement[] = [];
  const ratesInput = h(doc, "input", { type: "file", id: `${id}rates`, accept: ".json,application/json", "aria-describedby": `${id}rates-hint` });
  const ratesMsg = h(doc, "div", { role: "status", "aria-live": "polite" });
  if (bridge.loadRates) {
    more.push(h(doc, "div", { className: "action" },
      h(doc, "h3", {}, "Rates file"),
      h(doc, "label", { for: `${id}rates` }, "Load rates file"),
      ratesInput,
      h(doc, "p", { className: "hint", id: `${id}rates-hint` }, "Figures your PCN, LMC or ICB shared as a rates file (JSON) go into the Rates and ARRS Rates sheets. The file is read on this computer and checked first: nothing is written if it has any problem."),
      ratesMsg,
    ));
  }
  // Money to practices: a period's statement frozen as values (issue #12), where the host can.
  const lockInput = h(doc, "input", { type: "text", id: `${id}lock`, autocomplete: "off", spellcheck: "false", maxlength: 40, placeholder: "e.g. Q2 2026/27", "aria-describedby": `${id}lock-hint` });
  const lockButton = h(doc, "button", { type: "button" }, "Lock statement");
  const lockMsg = h(doc, "div", { role: "status", "aria-live": "polite" });
  if (bridge.lockStatement) {
    more.push(h(doc, "div", { className: "action" },
      h(doc, "h3", {}, "Money to practices"),
      h(doc, "label", { for: `${id}lock` }, "Period to lock"),
      lockInput,
      h(doc, "p", { className: "hint", id: `${id}lock-hint` }, "Freezes that period's distribution to practices as values on a statement sheet of its own, which no build rewrites. Use the period as the distribution sheet names it."),
      h(doc, "div", { className: "actions" }, lockButton),
      lockMsg,
    ));
  }
  const selfTestButton = h(doc, "button", { type: "button", "aria-describedby": `${id}selftest-hint` }, "Run self-test");
  const selfTestMsg = h(doc, "div", { role: "status", "aria-live": "polite" });
  if (bridge.runSelfTest) {
    more.push(h(doc, "div", { className: "action" },
      h(doc, "h3", {}, "Self-test"),
      h(doc, "p", { className: "hint", id: `${id}selftest-hint` }, "Checks, on scratch sheets it removes again, everything the toolkit relies on in this spreadsheet program, and writes a pass/fail table into a new sheet. Your sheets are not touched."),
      h(doc, "div", { className: "actions" }, selfTestButton),
      selfTestMsg,
    ));
  }
  if (options.settings?.length) more.push(h(doc, "div", { className: "action" }, h(doc, "h3", {}, "Settings"), ...options.settings));
  const moreSection = more.length ? h(doc, "section", { "aria-labelledby": `${id}more-h` }, h(doc, "h2", { id: `${id}more-h` }, "More"), ...more) : null;

  const loadMsg = h(doc, "div");
  const pane = h(doc, "div", { className: "pcn-pane", "aria-busy": "true" },
    topbar, loadMsg, steps, yearSection, practicesSection, buildbar, buildMore, registerSection, moreSection);
  replaceContent(root, pane);

  // ---- Theme
  function setTheme(t: PaneTheme | undefined): void {
    const mode = t?.mode === "dark" || t?.mode === "light" ? t.mode : undefined;
    if (mode) {
      pane.setAttribute("data-theme", mode);
      doc.documentElement.setAttribute("data-pcn-theme", mode);
    } else {
      pane.removeAttribute("data-theme");
      doc.documentElement.removeAttribute("data-pcn-theme");
    }
    const bg = mode && t?.background && /^#[0-9a-f]{3,6}$/i.test(t.background) ? t.background : "";
    pane.style.setProperty("--bg1", bg || null);
  }
  setTheme(options.theme);

  // The build bar sticks under the top bar: it needs the top bar's height, which changes with the status line.
  function syncTop(): void {
    pane.style.setProperty("--pcn-top", `${topbar.offsetHeight || 0}px`);
  }
  doc.defaultView?.addEventListener("resize", syncTop);

  // ---- What is running, and the "still working" line
  let activity: { kind: Kind; text: string; waiting: string } | undefined = { kind: "load", text: "Reading the workbook…", waiting: "to send the workbook's contents" };
  let lastAnswer = clock.now();
  let watch: unknown;
  let stopRequested = false;

  function stillLine(): string {
    if (!activity) return "";
    const quiet = clock.now() - lastAnswer;
    if (quiet < STILL_WORKING_MS) return "";
    const secs = Math.floor(quiet / 1000);
    return `Still working: waiting for ${hostName()} ${activity.waiting} (no answer for ${secs} s).`;
  }
  function renderStatus(): void {
    statusRegion.hidden = !activity;
    statusText.textContent = activity?.text ?? "";
    stillText.textContent = stillLine();
    const building = activity?.kind === "build";
    stopButton.hidden = !building;
    stopButton.disabled = stopRequested;
    stopButton.textContent = stopRequested ? "Stopping…" : "Stop";
    progressBar.hidden = !building || !(progressBar.max > 1 || progressBar.value > 0);
    syncTop();
  }
  function arm(): void {
    if (watch !== undefined) clock.clearTimeout(watch);
    watch = undefined;
    if (!activity) return;
    const quiet = clock.now() - lastAnswer;
    // First at the threshold, then every 5 s so the count of seconds moves.
    watch = clock.setTimeout(() => {
      watch = undefined;
      renderStatus();
      arm();
    }, quiet < STILL_WORKING_MS ? STILL_WORKING_MS - quiet : 5000);
  }
  /** The host answered (a progress report, or the call came back). */
  function heard(): void {
    lastAnswer = clock.now();
    renderStatus();
    arm();
  }
  function start(kind: Kind, text: string, waiting: string): void {
    activity = { kind, text, waiting };
    heard();
    refreshControls();
  }
  function update(text: string, waiting?: string): void {
    if (!activity) return;
    activity.text = text;
    if (waiting) activity.waiting = waiting;
    heard();
  }
  function finish(): void {
    activity = undefined;
    if (watch !== undefined) clock.clearTimeout(watch);
    watch = undefined;
    renderStatus();
    refreshControls();
  }

  // ---- Messages: a fresh role=alert element per error so screen readers announce it
  function detail(raw: string | undefined): Child {
    if (!raw) return null;
    return h(doc, "details", { className: "detail" }, h(doc, "summary", {}, `What ${hostName()} said`), h(doc, "p", {}, raw));
  }
  function showError(host: HTMLElement, title: string, err: unknown, ...extra: Child[]): void {
    const { plain, raw } = errorParts(err);
    const alert = h(doc, "div", { className: "msg error", role: "alert" }, h(doc, "strong", {}, title), plain ? h(doc, "p", {}, plain) : null, ...extra, detail(raw));
    replaceContent(host, alert);
  }
  function showMsg(host: HTMLElement, kind: "ok" | "warn" | "note", ...content: Child[]): void {
    replaceContent(host, h(doc, "div", { className: `msg ${kind}` }, ...content));
  }
  const list = (items: string[]) => h(doc, "ul", {}, ...items.map((t) => h(doc, "li", {}, t)));

  // ---- Year
  function yearMismatch(): string | undefined {
    const wy = state?.workbookYear;
    return wy && yearSelect.value && yearSelect.value !== wy ? wy : undefined;
  }
  function renderYearNote(): void {
    const wy = state?.workbookYear;
    const other = yearMismatch();
    if (other) {
      replaceContent(yearNote, h(doc, "div", { className: "msg warn" },
        `This workbook was built for ${other}. A workbook holds one year, so building ${yearSelect.value} needs a new workbook: open a blank workbook and build it there. Choose ${other} to refresh this one.`));
    } else if (wy) {
      replaceContent(yearNote, h(doc, "p", { className: "hint" }, `This workbook was built for ${wy}.`));
    } else if (state?.yearNote && yearSelect.value === toText(state.defaultYear)) {
      replaceContent(yearNote, h(doc, "div", { className: "msg warn" }, toText(state.yearNote)));
    } else if (state) {
      replaceContent(yearNote, h(doc, "p", { className: "hint" }, "A new workbook: it will be built for this year."));
    } else {
      replaceContent(yearNote);
    }
  }

  // ---- Controls and steps
  let unfinished = new Set<string>();
  let checked = false;
  let lastBuild: { req: BuildRequest; requested: string[] } | undefined;

  function refreshSteps(): void {
    const loaded = !!state;
    const built = loaded && state!.sheets.length > 0 && state!.sheets.every((s) => s.exists) && unfinished.size === 0;
    const done = [loaded, loaded && practices.named() > 0, built, checked];
    const current = done.findIndex((d) => !d);
    stepItems.forEach((s, i) => {
      s.li.className = done[i] ? "done" : i === current ? "current" : "";
      s.state.textContent = done[i] ? ": done" : i === current ? ": next" : "";
      if (i === current) s.li.setAttribute("aria-current", "step");
      else s.li.removeAttribute("aria-current");
    });
  }

  function refreshControls(): void {
    const busy = !!activity;
    const ready = !busy && !!state;
    const blocked = yearMismatch();
    yearSelect.disabled = !ready;
    practices.setDisabled(!ready);
    sheets.setDisabled(!ready);
    sample.disabled = !ready;
    selectAll.disabled = selectNone.disabled = !ready;
    const c = sheets.counts();
    sheetsSummary.textContent = `Choose sheets (${c.chosen} of ${c.listed})`;
    buildButton.textContent = state ? buildLabel(c, sample.checked) : "Build";
    buildButton.disabled = !ready || !!blocked || c.chosen === 0;
    buildWhy.textContent = !state ? "" : blocked ? `This workbook is for ${blocked}: choose ${blocked} in step 1 to refresh it.` : c.chosen === 0 ? "Open Choose sheets and tick at least one." : "";
    buildWhy.hidden = !buildWhy.textContent;
    checkButton.disabled = !ready;
    ratesInput.disabled = !ready;
    lockInput.disabled = !ready;
    lockButton.disabled = !ready;
    selfTestButton.disabled = !ready;
    findings.setDisabled(!ready);
    for (const b of pane.querySelectorAll<HTMLButtonElement>("button.again")) b.disabled = busy;
    pane.setAttribute("aria-busy", busy ? "true" : "false");
    refreshSteps();
  }
  sheets.onChange = refreshControls;
  practices.onChange = refreshSteps;
  practices.el.addEventListener("input", refreshSteps);

  /** Disabling the focused button drops focus to <body>; put it back for keyboard users. */
  function restoreFocus(el: HTMLElement): void {
    const active = doc.activeElement;
    if ((!active || active === doc.body || (active as HTMLButtonElement).disabled) && !(el as HTMLButtonElement).disabled) el.focus();
  }

  function applyState(s: HostState, opts: { keepYear?: boolean; resetPractices: boolean }): void {
    state = s;
    hostLine.textContent = `in ${hostName()}`;
    const chosen = opts.keepYear ? yearSelect.value : "";
    const years = [...(s.years ?? []).map(toText)];
    if (s.workbookYear && !years.includes(s.workbookYear)) years.push(toText(s.workbookYear));
    replaceContent(yearSelect, ...years.map((y) => h(doc, "option", { value: y }, y)));
    const preferred = chosen && years.includes(chosen) ? chosen : toText(s.workbookYear ?? s.defaultYear);
    if (years.includes(preferred)) yearSelect.value = preferred;
    renderYearNote();
    if (opts.resetPractices) practices.set(Array.isArray(s.practices) ? s.practices : []);
    sheets.set(Array.isArray(s.sheets) ? s.sheets : [], unfinished);
  }

  // ---- Load
  let loading: Promise<void> | undefined;
  function load(): Promise<void> {
    const p = readState().finally(() => {
      if (loading === p) loading = undefined;
    });
    loading = p;
    return p;
  }
  async function readState(): Promise<void> {
    start("load", "Reading the workbook…", "to send the workbook's contents");
    replaceContent(loadMsg);
    try {
      applyState(await bridge.getState(), { resetPractices: true });
    } catch (err) {
      const retry = h(doc, "button", { type: "button", className: "again" }, "Try again");
      retry.addEventListener("click", () => void load());
      showError(loadMsg, "Couldn't read the workbook.", err, h(doc, "div", { className: "actions" }, retry));
    } finally {
      finish();
    }
  }

  // ---- Build
  function titleOf(key: string): string {
    return toText(state?.sheets.find((s) => toText(s.key) === key)?.title) || key;
  }

  async function buildNow(): Promise<void> {
    if (activity || !state) return;
    replaceContent(buildAlert);
    replaceContent(buildMsg);
    const checkedPractices = practices.collect();
    if (checkedPractices.errorCount > 0) {
      showError(buildAlert, "Check the practice figures.", Object.assign(new Error(`${checkedPractices.errorCount === 1 ? "One field needs" : `${checkedPractices.errorCount} fields need`} fixing before building.`), { name: "PcnError" }));
      checkedPractices.firstInvalid?.focus();
      return;
    }
    const c = sheets.counts();
    const keys = c.chosen === c.listed ? [] : sheets.selected();
    const requested = keys.length ? keys : state.sheets.map((s) => toText(s.key));
    const req: BuildRequest = { year: yearSelect.value, sheets: keys, practices: checkedPractices.practices, sample: sample.checked };
    lastBuild = { req, requested };
    await runBuild(req, requested, buildButton);
  }

  async function runBuild(req: BuildRequest, requested: string[], trigger: HTMLElement): Promise<void> {
    if (activity || !state) return;
    replaceContent(buildAlert);
    replaceContent(buildMsg);
    const before = new Map(state.sheets.map((s) => [toText(s.key), !!s.exists && !unfinished.has(toText(s.key))]));
    stopRequested = false;
    progressBar.max = Math.max(1, requested.length);
    progressBar.value = 0;
    const building = (label: string) => (hostKind() === "sheets" ? `to finish its current run on ${label || "the build"} (a run can take a few minutes; the count moves when it ends)` : `to finish writing ${label || "the first sheets"}`);
    start("build", "Starting the build…", building(""));
    let result: BuildResult | undefined;
    let failure: unknown;
    try {
      result = await bridge.build(req, (p) => {
        if (Number(p.total) > 0) progressBar.max = Number(p.total);
        progressBar.value = Math.max(0, Math.min(Number(p.done) || 0, progressBar.max));
        // Once Stop is asked, the line keeps saying what stopping does: the host's next label is a sheet it may not start.
        update(stopRequested && activity ? activity.text : progressText(p), building(toText(p.label)));
      }, { shouldStop: () => stopRequested });
    } catch (err) {
      failure = err;
    }
    update("Reading the workbook back…", "to send the workbook's contents");
    // The sheet list and practices update before the result shows, so both agree when the message appears. After a
    // failure or a stop the practices typed here are kept: Try again sends them again.
    let reread: unknown;
    try {
      const fresh = await bridge.getState();
      unfinished = new Set();
      applyState(fresh, { keepYear: true, resetPractices: !failure && !result?.stopped });
    } catch (err) {
      reread = err;
    }
    finish();
    report(requested, before, result, failure, reread);
    restoreFocus(trigger === buildButton ? buildButton : (buildAlert.querySelector("button.again") as HTMLElement | null) ?? buildButton);
  }

  function hostKind(): string {
    return toText(state?.host);
  }

  /** What the build did, in plain words, from the host's answer and the workbook read again. */
  function report(requested: string[], before: Map<string, boolean>, result: BuildResult | undefined, failure: unknown, reread: unknown): void {
    const listed = new Set(state?.sheets.map((s) => toText(s.key)) ?? []);
    const after = new Map(state?.sheets.map((s) => [toText(s.key), !!s.exists]) ?? []);
    const info = (failure && typeof failure === "object" ? failure : {}) as BuildFailureInfo;
    // Hosts report hidden helper sheets too: only the listed ones are named.
    const builtKeys = (result ? result.sheetsBuilt ?? [] : info.restored === true ? [] : Array.isArray(info.sheetsBuilt) ? info.sheetsBuilt : requested.filter((k) => !before.get(k) && after.get(k)))
      .map(toText).filter((k, i, all) => listed.has(k) && all.indexOf(k) === i);
    const wanted = [...new Set([...requested.filter((k) => listed.has(k)), ...builtKeys])];
    const missing = wanted.filter((k) => !builtKeys.includes(k));
    const warnings = (result?.warnings ?? []).map(toText).filter(Boolean);
    const note = toText(result?.note);
    const builtLine = builtKeys.length === 0 ? "No sheet was built." : builtKeys.length === wanted.length ? (wanted.length === listed.size ? `Built all ${plural(wanted.length, "sheet")}.` : `Built ${plural(builtKeys.length, "sheet")}: ${nameList(builtKeys.map(titleOf))}.`) : `Built ${builtKeys.length} of ${plural(wanted.length, "sheet")}: ${nameList(builtKeys.map(titleOf))}.`;
    const missingLine = missing.length ? `Not built yet: ${nameList(missing.map(titleOf))}.` : "";
    if (failure || result?.stopped) {
      // Sheets whose tab is there but that the build did not finish are shown as such until a build finishes them.
      unfinished = new Set(missing.filter((k) => after.get(k) && !before.get(k)));
      if (state) sheets.set(state.sheets, unfinished);
    }
    // Try again finishes the build: what is missing, when some of it was built; else the same build again.
    const retry = lastBuild && builtKeys.length && missing.length ? { req: { ...lastBuild.req, sheets: missing }, requested: missing } : lastBuild;
    const again = h(doc, "button", { type: "button", className: "again" }, result?.stopped ? "Finish the build" : "Try again");
    again.addEventListener("click", () => {
      if (retry) void runBuild(retry.req, retry.requested, again);
    });
    const rereadNote = reread !== undefined ? h(doc, "p", {}, `PCN Toolkit couldn't read the workbook back to check what is there now (${errorText(reread)}).`) : null;
    if (failure) {
      const restored = info.restored === true;
      const next = restored
        ? "Nothing was changed: the workbook is as it was before the build. Next: Try again."
        : missing.length
          ? "Next: Try again. It builds what is missing, into the sheets already there."
          : "Next: Try again.";
      showError(buildAlert, builtKeys.length && missing.length ? "The build stopped part way." : "The build did not finish.", failure,
        h(doc, "p", {}, builtLine), missingLine ? h(doc, "p", {}, missingLine) : null, rereadNote, h(doc, "p", {}, next), h(doc, "div", { className: "actions" }, again));
    } else if (result?.stopped) {
      showMsg(buildMsg, "warn", h(doc, "strong", {}, "Stopped."), note ? h(doc, "p", {}, note) : null, h(doc, "p", {}, builtLine), missingLine ? h(doc, "p", {}, missingLine) : null, rereadNote,
        missing.length ? h(doc, "p", {}, "Next: Finish the build, when you are ready.") : null, missing.length ? h(doc, "div", { className: "actions" }, again) : null);
      if (!missing.length) again.remove();
    } else {
      const whole = listed.size > 0 && builtKeys.length < listed.size && [...listed].every((k) => after.get(k)) ? ` All ${listed.size} sheets are in the workbook now.` : "";
      const done = (result?.sheetsBuilt ?? []).length === 0 ? "Nothing needed building." : builtLine + whole;
      if (warnings.length) {
        showMsg(buildMsg, "warn", h(doc, "strong", {}, done), h(doc, "p", {}, `${warnings.length === 1 ? "One thing" : `${warnings.length} things`} to check:`), list(warnings), rereadNote);
      } else {
        showMsg(buildMsg, "ok", h(doc, "strong", {}, done), rereadNote);
      }
      checked = false;
    }
    refreshControls();
  }

  // ---- Check register
  async function goTo(f: Finding, button: HTMLButtonElement): Promise<void> {
    if (activity) return;
    try {
      await bridge.goTo(toText(f.sheet), Number(f.row), typeof f.col === "number" ? f.col : undefined);
    } catch (err) {
      showError(registerMsg, `Couldn't go to ${findingPlace(f)}.`, err);
      button.focus();
    }
  }

  /** The register checks for this workbook's year, and which of them had their sheet to read. */
  function checksNow(): { ran: { what: string; sheet: string }[]; missing: { what: string; sheet: string }[]; register: boolean } {
    const listed = new Map(state?.sheets.map((s) => [toText(s.key), s]) ?? []);
    const relevant = REGISTER_CHECKS.filter((c) => listed.has(c.sheets[0]));
    const item = (c: (typeof REGISTER_CHECKS)[number]) => ({ what: c.what, sheet: toText(listed.get(c.sheets[0])!.title) });
    const has = (k: string) => !!listed.get(k)?.exists && !unfinished.has(k);
    return {
      ran: relevant.filter((c) => has(c.sheets[0])).map(item),
      missing: relevant.filter((c) => !has(c.sheets[0])).map(item),
      register: has(REGISTER_CHECKS[0].sheets[0]),
    };
  }

  async function check(): Promise<void> {
    if (activity || !state) return;
    replaceContent(registerMsg);
    replaceContent(registerStatus);
    findings.clear();
    start("check", "Checking the register…", "to send the register");
    let found: Finding[] = [];
    try {
      const got = await bridge.checkRegister();
      found = Array.isArray(got) ? got : [];
      if (found.length === 0) {
        // No findings is only an all-clear for what could be checked: look at the workbook as it is now.
        update("Checking which sheets the workbook has…", "to send the workbook's contents");
        applyState(await bridge.getState(), { keepYear: true, resetPractices: false });
      }
    } catch (err) {
      finish();
      showError(registerMsg, "Couldn't check the register.", err);
      restoreFocus(checkButton);
      return;
    }
    finish();
    const { ran, missing, register } = checksNow();
    const named = (xs: { what: string; sheet: string }[]) => xs.map((x) => `${x.what} (${x.sheet})`).join("; ");
    const notChecked = missing.length ? h(doc, "p", {}, `Not checked, because the workbook has no such sheet yet: ${named(missing)}.`) : null;
    if (found.length === 0 && !register) {
      const goBuild = h(doc, "button", { type: "button" }, "Go to Build");
      goBuild.addEventListener("click", () => {
        buildButton.scrollIntoView?.({ block: "nearest" });
        buildButton.focus();
      });
      showMsg(registerStatus, "note", h(doc, "strong", {}, "There is no register to check yet."),
        h(doc, "p", {}, `This workbook has no ${missing[0]?.sheet ?? "register"} sheet, so nothing was checked. Build the workbook first (step 3), then check it.`),
        h(doc, "div", { className: "actions" }, goBuild));
    } else if (found.length === 0) {
      checked = true;
      showMsg(registerStatus, missing.length ? "note" : "ok", h(doc, "strong", {}, "No findings in what was checked."), h(doc, "p", {}, `Nothing needs attention in: ${named(ran)}.`), notChecked);
    } else {
      checked = true;
      findings.set(found);
      showMsg(registerStatus, "note", h(doc, "strong", {}, findingsSummary(found)), notChecked);
    }
    refreshControls();
    restoreFocus(checkButton);
  }

  // ---- Rates file
  async function loadRatesFile(): Promise<void> {
    const file = ratesInput.files?.[0];
    if (activity || !file || !bridge.loadRates) return;
    replaceContent(ratesMsg);
    start("rates", `Loading ${toText(file.name)}…`, "to write the rates");
    try {
      const text = typeof file.text === "function" ? await file.text() : await new Promise<string>((resolve, reject) => {
        const r = new FileReader();
        r.onload = () => resolve(String(r.result ?? ""));
        r.onerror = () => reject(new Error("The file could not be read."));
        r.readAsText(file);
      });
      const res = await bridge.loadRates(text);
      const problems = (res?.problems ?? []).map(toText);
      const changes = (res?.changes ?? []).map(toText);
      const notes = (res?.notes ?? []).map(toText);
      if (problems.length) {
        const alert = h(doc, "div", { className: "msg error", role: "alert" },
          h(doc, "strong", {}, `Nothing was written: ${toText(file.name)} has ${problems.length === 1 ? "one problem" : `${problems.length} problems`}.`), list(problems));
        replaceContent(ratesMsg, alert);
      } else {
        showMsg(ratesMsg, changes.length ? "ok" : "note",
          h(doc, "strong", {}, changes.length ? `Loaded ${toText(file.name)}: ${changes.length === 1 ? "one cell" : `${changes.length} cells`} changed.` : `${toText(file.name)} changed nothing: the sheets already hold its figures.`),
          ...(changes.length ? [list(changes)] : []), ...(notes.length ? [list(notes)] : []));
      }
    } catch (err) {
      showError(ratesMsg, "Couldn't load the rates file.", err);
    } finally {
      ratesInput.value = "";
      finish();
      restoreFocus(ratesInput);
    }
  }

  // ---- Lock a statement
  async function lockStatement(): Promise<void> {
    const period = lockInput.value.trim();
    if (activity || !bridge.lockStatement) return;
    if (!period) {
      showError(lockMsg, "Which period?", Object.assign(new Error("Type the period to lock, as the distribution sheet names it (for example Q2 2026/27)."), { name: "PcnError" }));
      lockInput.focus();
      return;
    }
    replaceContent(lockMsg);
    start("lock", `Locking the statement for ${period}…`, "to write the statement");
    try {
      const res = await bridge.lockStatement(period);
      const warnings = (res?.warnings ?? []).map(toText).filter(Boolean);
      showMsg(lockMsg, warnings.length ? "warn" : "ok", h(doc, "strong", {}, `Locked ${period}: the statement is on the sheet "${toText(res?.sheet)}".`), ...(warnings.length ? [list(warnings)] : []));
    } catch (err) {
      showError(lockMsg, "Couldn't lock the statement.", err);
    }
    finish();
    restoreFocus(lockButton);
  }

  // ---- Self-test
  async function selfTest(): Promise<void> {
    if (activity || !bridge.runSelfTest) return;
    replaceContent(selfTestMsg);
    start("selftest", "Running the self-test…", "to finish the self-test's checks");
    try {
      const rep = await bridge.runSelfTest();
      const items = Array.isArray(rep?.items) ? rep.items : [];
      const failed = items.filter((i) => !i.passed);
      const where = rep?.sheet ? ` The table is on the sheet "${toText(rep.sheet)}".` : "";
      const head = `Self-test: ${items.length - failed.length} of ${items.length} passed.${where}`;
      if (failed.length) showMsg(selfTestMsg, "warn", h(doc, "strong", {}, head), list(failed.map((i) => `${toText(i.id)}: ${toText(i.detail)}`)));
      else showMsg(selfTestMsg, "ok", head);
    } catch (err) {
      showError(selfTestMsg, "The self-test could not run.", err);
    }
    finish();
    restoreFocus(selfTestButton);
  }

  yearSelect.addEventListener("change", () => {
    renderYearNote();
    refreshControls();
  });
  sample.addEventListener("change", refreshControls);
  selectAll.addEventListener("click", () => sheets.setAll(true));
  selectNone.addEventListener("click", () => sheets.setAll(false));
  buildButton.addEventListener("click", () => void buildNow());
  stopButton.addEventListener("click", () => {
    if (activity?.kind !== "build" || stopRequested) return;
    stopRequested = true;
    update(hostKind() === "sheets" ? "Stopping: Google Sheets finishes the sheet in hand, then stops…" : "Stopping at the next pause between batches: the build is then put back, so nothing is left half-built…");
  });
  checkButton.addEventListener("click", () => void check());
  ratesInput.addEventListener("change", () => void loadRatesFile());
  lockButton.addEventListener("click", () => void lockStatement());
  lockInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter") void lockStatement();
  });
  selfTestButton.addEventListener("click", () => void selfTest());

  renderStatus();
  refreshControls();
  void load();

  return {
    reload(): Promise<void> {
      if (loading) return loading;
      if (activity) return Promise.resolve();
      replaceContent(buildAlert);
      replaceContent(buildMsg);
      replaceContent(registerMsg);
      replaceContent(registerStatus);
      findings.clear();
      unfinished = new Set();
      checked = false;
      return load();
    },
    setTheme,
  };
}
