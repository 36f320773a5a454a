/** Excel task pane: the shared pane over the Excel bridge, once Office.js is ready. */
import { mountPane } from "../pane/pane";
import { ExcelBridge } from "./bridge";

Office.onReady(() => mountPane(document.getElementById("app")!, new ExcelBridge()));
