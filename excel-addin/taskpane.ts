/**
 * Excel task pane: the shared pane over the Excel bridge, once Office.js is ready.
 *
 * With the shared runtime this page is loaded (hidden) as soon as a custom function runs, and it stays loaded
 * when the pane is closed: opening the pane again shows the same page, not a fresh one. So the pane re-reads the
 * workbook each time it becomes visible (Office.addin.onVisibilityModeChanged, SharedRuntime 1.1; see
 * https://learn.microsoft.com/office/dev/add-ins/develop/show-hide-add-in).
 */
import { mountPane, type PaneHandle } from "../pane/pane";
import { ExcelBridge } from "./bridge";

/** Reloads the pane whenever Office shows it as a task pane; does nothing where the event is not available. */
export function reloadWhenShown(pane: PaneHandle): void {
  const addin = typeof Office === "undefined" ? undefined : Office.addin;
  if (typeof addin?.onVisibilityModeChanged !== "function") return;
  const shown = Office.VisibilityMode?.taskpane ?? "Taskpane";
  try {
    addin
      .onVisibilityModeChanged((args) => {
        if (args?.visibilityMode === shown) void pane.reload();
      })
      .catch(() => undefined);
  } catch {
    // Registering is best effort: without it the pane still works, it just is not refreshed on reopening.
  }
}

Office.onReady(() => reloadWhenShown(mountPane(document.getElementById("app")!, new ExcelBridge())));
