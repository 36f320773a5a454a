/**
 * Excel task pane: the shared pane over the Excel bridge, once Office.js is ready, in Office's theme.
 *
 * With the shared runtime this page is loaded (hidden) as soon as a custom function runs, and it stays loaded
 * when the pane is closed: opening the pane again shows the same page, not a fresh one. So the pane re-reads the
 * workbook (and the theme) each time it becomes visible (Office.addin.onVisibilityModeChanged, SharedRuntime 1.1;
 * see https://learn.microsoft.com/office/dev/add-ins/develop/show-hide-add-in).
 *
 * Theme: Office.context.officeTheme (Black and Dark Gray are dark; White and Colorful light). Office documents a
 * theme-change event (Office.EventType.OfficeThemeChanged) for Outlook only; where a host offers it on
 * Office.context.document it is used, and the theme is read again whenever the pane is shown and whenever the
 * system's light/dark preference changes (Office for Windows and Mac can follow it). Without an Office theme the
 * pane follows prefers-color-scheme; Windows high contrast applies through forced colors (pane/styles.ts).
 */
import { mountPane, type PaneHandle } from "../pane/pane";
import { paneThemeFromOffice, type OfficeThemeLike } from "../pane/theme";
import { ExcelBridge } from "./bridge";

/** Reloads the pane whenever Office shows it as a task pane; does nothing where the event is not available. */
export function reloadWhenShown(pane: Pick<PaneHandle, "reload">, onShown?: () => void): void {
  const addin = typeof Office === "undefined" ? undefined : Office.addin;
  if (typeof addin?.onVisibilityModeChanged !== "function") return;
  const shown = Office.VisibilityMode?.taskpane ?? "Taskpane";
  try {
    addin
      .onVisibilityModeChanged((args) => {
        if (args?.visibilityMode !== shown) return;
        onShown?.();
        void pane.reload();
      })
      .catch(() => undefined);
  } catch {
    // Registering is best effort: without it the pane still works, it just is not refreshed on reopening.
  }
}

function officeTheme(): OfficeThemeLike | undefined {
  try {
    return (typeof Office === "undefined" ? undefined : Office.context?.officeTheme) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Applies Office's theme now and on every change Office or the system tells of. */
export function followOfficeTheme(pane: Pick<PaneHandle, "setTheme">, win: Window = window): () => void {
  const apply = (t?: OfficeThemeLike) => pane.setTheme(paneThemeFromOffice(t ?? officeTheme()));
  apply();
  try {
    const themeChanged = (Office as unknown as { EventType?: Record<string, string> }).EventType?.OfficeThemeChanged;
    const docApi = Office.context?.document as unknown as { addHandlerAsync?: (type: string, handler: (args: { officeTheme?: OfficeThemeLike }) => void, cb?: (r: unknown) => void) => void } | undefined;
    if (themeChanged && typeof docApi?.addHandlerAsync === "function") docApi.addHandlerAsync(themeChanged, (args) => apply(args?.officeTheme), () => undefined);
  } catch {
    // Not offered by this host: the theme is read again when the pane is shown.
  }
  try {
    win.matchMedia?.("(prefers-color-scheme: dark)").addEventListener?.("change", () => apply());
  } catch {
    // Older WebViews: no change events for the preference.
  }
  return () => apply();
}

Office.onReady(() => {
  const pane = mountPane(document.getElementById("app")!, new ExcelBridge(), { hostName: "Excel", theme: paneThemeFromOffice(officeTheme()) });
  const reapply = followOfficeTheme(pane);
  reloadWhenShown(pane, reapply);
});
