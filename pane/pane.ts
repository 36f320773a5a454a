/**
 * The one task pane both hosts show (Excel task pane, Google Sheets sidebar). Talks to the workbook only
 * through `Bridge`; builds its DOM with createElement/textContent so workbook text can never become markup.
 */
import type { Bridge, BuildProgress, BuildResult, HostState } from "./bridge";
import type { Finding } from "../core/workbook/register";
import { h, replaceContent, toText } from "./escape";
import { injectStyles } from "./styles";
import { PracticesTable, SheetList, findingPlace, renderFindings } from "./view";

let paneCount = 0;

const HOST_NAMES: Record<string, string> = { excel: "Excel", sheets: "Google Sheets", test: "Test host" };

/** Error text for people: the thrown message without a leading "Error: " (Apps Script adds one). */
export function errorText(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === "object" && err && "message" in err ? toText((err as { message: unknown }).message) : toText(err);
  return raw.replace(/^((\w*Error|Exception):\s*)+/, "").trim() || "Something went wrong, with no further detail.";
}

/**
 * "Building Funding (3 of 11)". `done` counts finished sheets and `label` names the one in hand (as the Sheets
 * bridge reports), so the sheet in hand is number done + 1.
 */
export function progressText(p: BuildProgress): string {
  const total = Math.max(0, Math.floor(Number(p.total) || 0));
  const done = Math.max(0, Math.floor(Number(p.done) || 0));
  const label = toText(p.label).trim();
  if (total === 0) return label ? `Building ${label}` : "Building…";
  if (done >= total) return `Finishing up (${total} of ${total} built)`;
  return label ? `Building ${label} (${done + 1} of ${total})` : `Building sheet ${done + 1} of ${total}`;
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
}

export function mountPane(root: HTMLElement, bridge: Bridge): PaneHandle {
  const doc = root.ownerDocument;
  injectStyles(doc);
  const id = `pcn${++paneCount}-`;
  let state: HostState | undefined;
  let busy = true;

  // ---- Header and page-level messages
  const subtitle = h(doc, "p", { className: "subtitle" }, "Loading the workbook…");
  const loadMsg = h(doc, "div");

  // ---- Year
  const yearSelect = h(doc, "select", { id: `${id}year` });
  const yearNote = h(doc, "div", { id: `${id}year-note`, "aria-live": "polite" });
  const yearSection = h(doc, "section", { "aria-labelledby": `${id}year-h` },
    h(doc, "h2", { id: `${id}year-h` }, "Financial year"),
    h(doc, "label", { for: `${id}year` }, "Build for the year"),
    yearSelect,
    yearNote,
  );

  // ---- Practices
  const practices = new PracticesTable(doc, id);
  const practicesSection = h(doc, "section", { "aria-labelledby": `${id}prac-h` },
    h(doc, "h2", { id: `${id}prac-h` }, "Practice populations"),
    h(doc, "p", { className: "hint" }, "Check each member practice's list sizes (as at 1 January). What you confirm here is written to the Practices sheet; a field left blank keeps the sheet's figure."),
    practices.el,
  );

  // ---- Sheets and build
  const sheets = new SheetList(doc, id, `${id}sheets-h`);
  const selectAll = h(doc, "button", { type: "button", className: "subtle" }, "Select all");
  const selectNone = h(doc, "button", { type: "button", className: "subtle" }, "Clear");
  const sample = h(doc, "input", { type: "checkbox", id: `${id}sample`, "aria-describedby": `${id}sample-hint` });
  const buildSelected = h(doc, "button", { type: "button" }, "Build selected");
  const buildAll = h(doc, "button", { type: "button", className: "primary" }, "Build all sheets");
  const progressBar = h(doc, "progress", { max: 1, value: 0, "aria-label": "Build progress" });
  const progressText_ = h(doc, "div", { className: "progress-text", role: "status", "aria-live": "polite" });
  const progressBox = h(doc, "div", { className: "progress", hidden: true }, progressBar, progressText_);
  // Live regions exist from the start: screen readers miss regions that appear with their message.
  const buildMsg = h(doc, "div", { role: "status", "aria-live": "polite" });
  const sheetsSection = h(doc, "section", { "aria-labelledby": `${id}sheets-h` },
    h(doc, "h2", { id: `${id}sheets-h` }, "Sheets"),
    h(doc, "div", { className: "list-tools" }, selectAll, selectNone),
    sheets.el,
    h(doc, "div", { className: "sample" },
      h(doc, "label", { className: "check", for: `${id}sample` }, sample, h(doc, "span", {}, "Fill new sheets with the fictional sample network")),
      h(doc, "p", { className: "hint", id: `${id}sample-hint` }, "Made-up practices and staff for trying the toolkit out. Sheets already in the workbook keep their data."),
    ),
    h(doc, "div", { className: "actions" }, buildAll, buildSelected),
    progressBox,
    buildMsg,
  );

  // ---- Register check
  const checkButton = h(doc, "button", { type: "button" }, "Check register");
  const registerMsg = h(doc, "div");
  const registerStatus = h(doc, "p", { className: "summary", role: "status", "aria-live": "polite" });
  const findingsHost = h(doc, "div");
  let findingButtons: HTMLButtonElement[] = [];
  const registerSection = h(doc, "section", { "aria-labelledby": `${id}reg-h` },
    h(doc, "h2", { id: `${id}reg-h` }, "Check register"),
    h(doc, "p", { className: "hint" }, "Looks for notice dates within 90 days, overdue reviews, missing governance or contacts, ARRS headroom or underspend, IIF patients still needed, and figures a later revision replaced."),
    h(doc, "div", { className: "actions" }, checkButton),
    registerMsg,
    registerStatus,
    findingsHost,
  );

  // ---- Rates file (only where the host can load one): a local file picker; the file never leaves the machine
  const ratesInput = h(doc, "input", { type: "file", id: `${id}rates`, accept: ".json,application/json", "aria-describedby": `${id}rates-hint` });
  const ratesMsg = h(doc, "div", { role: "status", "aria-live": "polite" });
  const ratesSection = bridge.loadRates
    ? h(doc, "section", { "aria-labelledby": `${id}rates-h` },
      h(doc, "h2", { id: `${id}rates-h` }, "Rates file"),
      h(doc, "p", { className: "hint", id: `${id}rates-hint` }, "Figures your PCN, LMC or ICB shared as a rates file (JSON) go into the Rates and ARRS Rates sheets. The file is read on this computer and checked first: nothing is written if it has any problem."),
      h(doc, "label", { for: `${id}rates` }, "Load rates file"),
      ratesInput,
      ratesMsg,
    )
    : null;
  // ---- Self-test (the release check), where the host has one
  const selfTestButton = h(doc, "button", { type: "button", "aria-describedby": `${id}selftest-hint` }, "Run self-test");
  const selfTestMsg = h(doc, "div", { role: "status", "aria-live": "polite" });
  const selfTestSection = bridge.runSelfTest
    ? h(doc, "section", { "aria-labelledby": `${id}selftest-h` },
        h(doc, "h2", { id: `${id}selftest-h` }, "Self-test"),
        h(doc, "p", { className: "hint", id: `${id}selftest-hint` }, "Checks, on scratch sheets it removes again, everything the toolkit relies on in this spreadsheet program, and writes a pass/fail table into a new sheet. Your sheets are not touched."),
        h(doc, "div", { className: "actions" }, selfTestButton),
        selfTestMsg,
      )
    : undefined;

  // ---- Lock statement (issue #12): its own small section; the pane's layout is being redesigned around it
  const lock = bridge.lockStatement ? lockSection() : undefined;

  const pane = h(doc, "div", { className: "pcn-pane" },
    h(doc, "header", {}, h(doc, "h1", {}, "PCN Toolkit"), subtitle),
    loadMsg,
    yearSection,
    practicesSection,
    sheetsSection,
    ...(ratesSection ? [ratesSection] : []),
    registerSection,
    ...(lock ? [lock.section] : []),
    ...(selfTestSection ? [selfTestSection] : []),
  );
  replaceContent(root, pane);

  // ---- Messages: a fresh role=alert element per error so screen readers announce it
  function showError(host: HTMLElement, title: string, err: unknown): void {
    const alert = h(doc, "div", { className: "msg error", role: "alert" }, h(doc, "strong", {}, title), " ", errorText(err));
    replaceContent(host, alert);
    alert.scrollIntoView?.({ block: "nearest" });
  }
  function showMsg(host: HTMLElement, kind: "ok" | "warn" | "note", ...content: (Node | string)[]): void {
    replaceContent(host, h(doc, "div", { className: `msg ${kind}` }, ...content));
  }

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
    } else {
      replaceContent(yearNote, h(doc, "p", { className: "hint" }, "A new workbook: it will be built for this year."));
    }
  }

  function refreshControls(): void {
    const ready = !busy && !!state;
    const blocked = !!yearMismatch();
    yearSelect.disabled = !ready;
    practices.setDisabled(!ready);
    sheets.setDisabled(!ready);
    sample.disabled = !ready;
    selectAll.disabled = selectNone.disabled = !ready;
    const n = sheets.selected().length;
    buildSelected.textContent = `Build selected (${n})`;
    buildSelected.disabled = !ready || blocked || n === 0;
    buildAll.disabled = !ready || blocked;
    checkButton.disabled = !ready;
    ratesInput.disabled = !ready;
    selfTestButton.disabled = !ready;
    lock?.refresh(ready);
    for (const b of findingButtons) b.disabled = !ready;
    pane.setAttribute("aria-busy", busy ? "true" : "false");
  }
  sheets.onChange = refreshControls;

  function setBusy(b: boolean): void {
    busy = b;
    refreshControls();
  }

  /** Disabling the focused button drops focus to <body>; put it back for keyboard users. */
  function restoreFocus(el: HTMLElement): void {
    const active = doc.activeElement;
    if ((!active || active === doc.body || (active as HTMLButtonElement).disabled) && !(el as HTMLButtonElement).disabled) el.focus();
  }

  function applyState(s: HostState, opts: { keepYear?: boolean; resetPractices: boolean }): void {
    state = s;
    subtitle.textContent = `${HOST_NAMES[s.host] ?? toText(s.host)} · partnerships, funding, ARRS, budget and KPIs`;
    const chosen = opts.keepYear ? yearSelect.value : "";
    const years = [...(s.years ?? []).map(toText)];
    if (s.workbookYear && !years.includes(s.workbookYear)) years.push(toText(s.workbookYear));
    replaceContent(yearSelect, ...years.map((y) => h(doc, "option", { value: y }, y)));
    const preferred = chosen && years.includes(chosen) ? chosen : toText(s.workbookYear ?? s.defaultYear);
    if (years.includes(preferred)) yearSelect.value = preferred;
    renderYearNote();
    if (opts.resetPractices) practices.set(Array.isArray(s.practices) ? s.practices : []);
    sheets.set(Array.isArray(s.sheets) ? s.sheets : []);
    lock?.setPeriods(Array.isArray(s.lockPeriods) ? s.lockPeriods.map(toText) : []);
  }

  let loading: Promise<void> | undefined;
  function load(): Promise<void> {
    const p = readState().finally(() => {
      if (loading === p) loading = undefined;
    });
    loading = p;
    return p;
  }

  async function readState(): Promise<void> {
    setBusy(true);
    replaceContent(loadMsg);
    try {
      applyState(await bridge.getState(), { resetPractices: true });
    } catch (err) {
      subtitle.textContent = "Could not read the workbook.";
      const retry = h(doc, "button", { type: "button" }, "Try again");
      retry.addEventListener("click", () => void load());
      showError(loadMsg, "Couldn't read the workbook.", err);
      loadMsg.firstElementChild?.appendChild(h(doc, "div", { className: "actions" }, retry));
    } finally {
      setBusy(false);
    }
  }

  async function build(all: boolean, trigger: HTMLButtonElement): Promise<void> {
    if (busy || !state) return;
    replaceContent(buildMsg);
    const checked = practices.collect();
    if (checked.errorCount > 0) {
      showError(buildMsg, "Check the practice figures.", `${checked.errorCount === 1 ? "One field needs" : `${checked.errorCount} fields need`} fixing before building.`);
      checked.firstInvalid?.focus();
      return;
    }
    const keys = all ? [] : sheets.selected();
    const titles = new Map(state.sheets.map((s) => [toText(s.key), toText(s.title)]));
    const total = all ? state.sheets.length : keys.length;
    setBusy(true);
    progressBox.hidden = false;
    progressBar.max = Math.max(1, total);
    progressBar.value = 0;
    progressText_.textContent = "Starting the build…";
    let result: BuildResult;
    try {
      result = await bridge.build(
        { year: yearSelect.value, sheets: keys, practices: checked.practices, sample: sample.checked },
        (p) => {
          if (Number(p.total) > 0) progressBar.max = Number(p.total);
          progressBar.value = Math.max(0, Math.min(Number(p.done) || 0, progressBar.max));
          progressText_.textContent = progressText(p);
        },
      );
    } catch (err) {
      progressBox.hidden = true;
      progressText_.textContent = "";
      showError(buildMsg, "The build stopped.", err);
      setBusy(false);
      restoreFocus(trigger);
      return;
    }
    progressBar.value = progressBar.max;
    progressText_.textContent = "Reading the workbook back…";
    // The sheet list and practices update before the result shows, so both agree when the message appears.
    let reread: unknown;
    try {
      applyState(await bridge.getState(), { keepYear: true, resetPractices: true });
    } catch (err) {
      reread = err;
    }
    progressText_.textContent = "";
    progressBox.hidden = true;
    // Hosts may also report hidden helper sheets the list does not show: count those rather than name them.
    const shown = new Set([...titles.keys(), ...titles.values()]);
    const reported = (result?.sheetsBuilt ?? []).map(toText);
    const built = reported.filter((k) => shown.has(k)).map((k) => titles.get(k) || k);
    const helpers = reported.length - built.length;
    const warnings = (result?.warnings ?? []).map(toText).filter(Boolean);
    const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
    const done =
      reported.length === 0
        ? "Nothing needed building."
        : (built.length ? `Built ${plural(built.length, "sheet")}: ${built.join(", ")}.` : "Built.") +
          (helpers > 0 ? ` Also refreshed ${plural(helpers, "helper sheet")}.` : "");
    if (warnings.length) {
      showMsg(buildMsg, "warn", h(doc, "strong", {}, done), h(doc, "div", {}, `${warnings.length === 1 ? "One thing" : `${warnings.length} things`} to check:`),
        h(doc, "ul", {}, ...warnings.map((w) => h(doc, "li", {}, w))));
    } else {
      showMsg(buildMsg, "ok", done);
    }
    if (reread !== undefined) showError(loadMsg, "Built, but couldn't re-read the workbook.", reread);
    setBusy(false);
    restoreFocus(trigger);
  }

  async function goTo(f: Finding, button: HTMLButtonElement): Promise<void> {
    if (busy) return;
    try {
      await bridge.goTo(toText(f.sheet), Number(f.row), typeof f.col === "number" ? f.col : undefined);
    } catch (err) {
      showError(registerMsg, `Couldn't go to ${findingPlace(f)}.`, err);
      button.focus();
    }
  }

  async function check(): Promise<void> {
    if (busy) return;
    replaceContent(registerMsg);
    setBusy(true);
    replaceContent(findingsHost);
    registerStatus.className = "summary";
    registerStatus.textContent = "Checking the register…";
    try {
      const findings = await bridge.checkRegister();
      const { el, buttons, summary } = renderFindings(doc, id, Array.isArray(findings) ? findings : [], (f, b) => void goTo(f, b));
      findingButtons = buttons;
      replaceContent(findingsHost, el);
      registerStatus.className = buttons.length ? "summary" : "msg ok";
      registerStatus.textContent = summary;
    } catch (err) {
      findingButtons = [];
      replaceContent(findingsHost);
      registerStatus.textContent = "";
      showError(registerMsg, "Couldn't check the register.", err);
    }
    setBusy(false);
    restoreFocus(checkButton);
  }

  async function loadRatesFile(): Promise<void> {
    const file = ratesInput.files?.[0];
    if (busy || !file || !bridge.loadRates) return;
    replaceContent(ratesMsg);
    setBusy(true);
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
      const list = (items: string[]) => h(doc, "ul", {}, ...items.map((t) => h(doc, "li", {}, t)));
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
      setBusy(false);
      restoreFocus(ratesInput);
    }
  }

  ratesInput.addEventListener("change", () => void loadRatesFile());
  async function selfTest(): Promise<void> {
    if (busy || !bridge.runSelfTest) return;
    setBusy(true);
    replaceContent(selfTestMsg, h(doc, "p", { className: "summary" }, "Running the self-test…"));
    try {
      const report = await bridge.runSelfTest();
      const items = Array.isArray(report?.items) ? report.items : [];
      const failed = items.filter((i) => !i.passed);
      const where = report?.sheet ? ` The table is on the sheet "${toText(report.sheet)}".` : "";
      const head = `Self-test: ${items.length - failed.length} of ${items.length} passed.${where}`;
      if (failed.length) showMsg(selfTestMsg, "warn", h(doc, "strong", {}, head), h(doc, "ul", {}, ...failed.map((i) => h(doc, "li", {}, `${toText(i.id)}: ${toText(i.detail)}`))));
      else showMsg(selfTestMsg, "ok", head);
    } catch (err) {
      showError(selfTestMsg, "The self-test could not run.", err);
    }
    setBusy(false);
    restoreFocus(selfTestButton);
  }

  /** A period chooser and the button; the result (the sheet made, or why not) in a live region. */
  function lockSection() {
    const select = h(doc, "select", { id: `${id}lock-period`, "aria-describedby": `${id}lock-hint` });
    const button = h(doc, "button", { type: "button", "aria-describedby": `${id}lock-hint` }, "Lock statement");
    const msg = h(doc, "div", { role: "status", "aria-live": "polite" });
    const hint = h(doc, "p", { className: "hint", id: `${id}lock-hint` }, "");
    const section = h(doc, "section", { "aria-labelledby": `${id}lock-h` },
      h(doc, "h2", { id: `${id}lock-h` }, "Lock statement"),
      hint,
      h(doc, "label", { for: `${id}lock-period` }, "Period"),
      select,
      h(doc, "div", { className: "actions" }, button),
      msg,
    );
    let periods: string[] = [];
    const refresh = (ready: boolean) => {
      select.disabled = !ready || periods.length === 0;
      button.disabled = !ready || periods.length === 0;
    };
    const setPeriods = (ps: string[]) => {
      const was = select.value;
      periods = ps;
      replaceContent(select, ...ps.map((p) => h(doc, "option", { value: p }, p)));
      if (ps.includes(was)) select.value = was;
      hint.textContent = ps.length
        ? "Freezes the period's money to practices (each stream, the costs taken off, the method, each practice's share, and the year to date) as values in a new statement sheet, a section per practice. No build ever rewrites it."
        : "Build the Distribution sheet first: then a period's money to practices can be locked into a statement sheet.";
      refresh(!busy && !!state);
    };
    async function run(): Promise<void> {
      if (busy || !bridge.lockStatement || !select.value) return;
      setBusy(true);
      replaceContent(msg, h(doc, "p", { className: "summary" }, `Locking ${select.value}…`));
      try {
        const res = await bridge.lockStatement(select.value);
        const warnings = (res?.warnings ?? []).map(toText);
        const head = `Locked ${select.value}: the statement is the sheet "${toText(res?.sheet)}".`;
        if (warnings.length) showMsg(msg, "warn", h(doc, "strong", {}, head), h(doc, "ul", {}, ...warnings.map((w) => h(doc, "li", {}, w))));
        else showMsg(msg, "ok", head);
      } catch (err) {
        showError(msg, "Couldn't lock the statement.", err);
      }
      setBusy(false);
      restoreFocus(button);
    }
    button.addEventListener("click", () => void run());
    return { section, refresh, setPeriods };
  }

  yearSelect.addEventListener("change", () => {
    renderYearNote();
    refreshControls();
  });
  selectAll.addEventListener("click", () => sheets.setAll(true));
  selectNone.addEventListener("click", () => sheets.setAll(false));
  buildAll.addEventListener("click", () => void build(true, buildAll));
  buildSelected.addEventListener("click", () => void build(false, buildSelected));
  checkButton.addEventListener("click", () => void check());
  selfTestButton.addEventListener("click", () => void selfTest());

  refreshControls();
  void load();

  return {
    reload(): Promise<void> {
      if (loading) return loading;
      if (busy) return Promise.resolve();
      replaceContent(buildMsg);
      replaceContent(registerMsg);
      replaceContent(findingsHost);
      findingButtons = [];
      registerStatus.className = "summary";
      registerStatus.textContent = "";
      return load();
    },
  };
}
