/** @OnlyCurrentDoc */
/*
 * Apps Script entry points. Apps Script only calls top-level functions, so every entry point is a
 * `global.name = function` assignment: gas-webpack-plugin turns each into a top-level declaration in Code.js.
 * The annotation above limits the add-on to the spreadsheet it runs in (spreadsheets.currentonly).
 */
import "./generated/functions";
import { errorMessage, runBuild, runCheckRegister, server, timeLimitMessage } from "./bridge-server";
import { runSelfTest } from "./selftest";
import type { Finding } from "../core/workbook/register";
import { escapeHtml } from "../core/text";

declare const global: any;

const TITLE = "PCN Toolkit";


function findingsHtml(findings: Finding[]): string {
  if (findings.length === 0) return "<p>Nothing needs attention.</p>";
  const label = { red: "Act now", amber: "Soon", info: "Note" } as const;
  const rows = findings
    .map((f) => `<tr><td>${escapeHtml(label[f.severity] ?? f.severity)}</td><td>${escapeHtml(f.sheet)} row ${escapeHtml(f.row)}</td><td>${escapeHtml(f.ref)}</td><td>${escapeHtml(f.message)}</td></tr>`)
    .join("");
  return (
    `<style>body{font:13px Arial,sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px;text-align:left;vertical-align:top}</style>` +
    `<table><tr><th>Severity</th><th>Where</th><th>Reference</th><th>Finding</th></tr>${rows}</table>`
  );
}

/**
 * Adds the add-on menu (Extensions > PCN Toolkit). An add-on's onOpen runs in AuthMode.NONE in a file it has
 * not been used in, where only the Ui's menus may be touched: so it only builds the menu, the same in every mode.
 * @param {Object} e The open event.
 */
global.onOpen = function (e?: unknown) {
  SpreadsheetApp.getUi()
    .createAddonMenu()
    .addItem("Open sidebar", "showSidebar")
    .addItem("Build all sheets", "menuBuildAll")
    .addItem("Check register", "menuCheckRegister")
    .addSeparator()
    .addItem("Run self-test", "menuRunSelfTest")
    .addToUi();
};

/**
 * Installing the add-on from the editor: the menu appears without reopening the spreadsheet.
 * @param {Object} e The install event.
 */
global.onInstall = function (e?: unknown) {
  global.onOpen(e);
};

/** The sidebar page. Apps Script ignores a viewport <meta> written in the HTML; addMetaTag is how it gets one. */
function sidebarOutput(): GoogleAppsScript.HTML.HtmlOutput {
  return HtmlService.createHtmlOutputFromFile("Sidebar").setTitle(TITLE).addMetaTag("viewport", "width=device-width, initial-scale=1");
}

/** Opens the PCN Toolkit sidebar. */
global.showSidebar = function () {
  SpreadsheetApp.getUi().showSidebar(sidebarOutput());
};

/**
 * Menu: Build all sheets, here and now, with progress in toasts. Apps Script ends an execution at 6 minutes,
 * so the build stops at a step boundary before that and says how far it got; choosing it again continues
 * where it stopped (as the sidebar does on its own).
 */
global.menuBuildAll = function () {
  const startedAt = Date.now();
  const ui = SpreadsheetApp.getUi();
  const book = SpreadsheetApp.getActiveSpreadsheet();
  try {
    const res = runBuild(
      { year: "", sheets: [] },
      undefined,
      {
        startedAt,
        onProgress: (p) => {
          if (p.done < p.total) book.toast(`Building ${p.label} (${p.done + 1} of ${p.total})`, TITLE, 5);
        },
      },
    );
    const head = res.done ? `Built ${res.progress.total} sheet(s).` : timeLimitMessage(res.progress.done, res.progress.total, "choose Build all sheets again");
    const sidebarHint = res.done ? [] : ["(The sidebar's Build all sheets goes on by itself until it has finished.)"];
    ui.alert(TITLE, [head, ...sidebarHint, ...res.warnings].join("\n"), ui.ButtonSet.OK);
  } catch (e) {
    ui.alert(TITLE, errorMessage(e), ui.ButtonSet.OK);
  }
};

/** Menu: the release check (see the README): probes every assumption on scratch sheets and writes the table. */
global.menuRunSelfTest = function () {
  const ui = SpreadsheetApp.getUi();
  try {
    const report = runSelfTest();
    const failed = report.items.filter((i) => !i.passed);
    const head = `${report.items.length - failed.length} of ${report.items.length} checks passed; the table is on the sheet "${report.sheet}".`;
    ui.alert(TITLE, [head, ...failed.map((f) => `FAIL ${f.id}: ${f.detail}`)].join("\n"), ui.ButtonSet.OK);
  } catch (e) {
    ui.alert(TITLE, errorMessage(e), ui.ButtonSet.OK);
  }
};

/** Menu: lists what in the register needs attention in a dialog. */
global.menuCheckRegister = function () {
  const ui = SpreadsheetApp.getUi();
  try {
    const findings = runCheckRegister();
    const out = HtmlService.createHtmlOutput(findingsHtml(findings)).setWidth(720).setHeight(420);
    ui.showModalDialog(out, `Check register: ${findings.length} finding(s)`);
  } catch (e) {
    ui.alert(TITLE, errorMessage(e), ui.ButtonSet.OK);
  }
};

/** Sidebar: the spreadsheet's state (year, sheets, practices). */
global.getState = function () {
  return server.getState();
};

/**
 * Sidebar: one execution of a build (as many sheets as the time allows); called again with the same request
 * and token until it says it is done.
 * @param {Object} request BuildRequest: year, sheets, practices, sample.
 * @param {string} token The build's token (the sidebar makes one per build).
 * @param {Object} options { stop: true } when the person pressed Stop.
 */
global.buildSheets = function (request: unknown, token?: unknown, options?: unknown) {
  return server.buildSheets(request, token, options);
};

/**
 * Sidebar: the name this person shows others while they build ("" clears it).
 * @param {string} name Their name.
 */
global.setBuilderName = function (name: unknown) {
  return server.setBuilderName(name);
};

/**
 * Sidebar and menu: the self-test (see the README's release check).
 * @param {Object[]} clientItems What the sidebar checked in the browser.
 */
global.runSelfTest = function (clientItems?: unknown) {
  return server.runSelfTest(clientItems);
};

/** Sidebar: the register findings. */
global.checkRegister = function () {
  return server.checkRegister();
};

/** Sidebar "Load rates file": the file's text, read on the person's machine. */
global.loadRates = function (fileText: unknown) {
  return server.loadRates(fileText);
};

/**
 * Sidebar "Lock statement": freezes a period's money to practices as values in a statement sheet of its own.
 * @param {string} period A period the Distribution sheet offers, e.g. "Q2 2026/27".
 */
global.lockStatement = function (period: unknown) {
  return server.lockStatement(period);
};

/**
 * Sidebar: selects a finding's cell.
 * @param {string} sheet Sheet name.
 * @param {number} row 1-based row.
 * @param {number} col 1-based column (optional).
 */
global.goTo = function (sheet: unknown, row: unknown, col?: unknown) {
  return server.goTo(sheet, row, col);
};
