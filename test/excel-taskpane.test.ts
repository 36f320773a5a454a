/**
 * The Excel task pane's wiring to the shared runtime: the page outlives the pane, so it reloads the pane's state
 * whenever Office shows the pane again (Office.addin.onVisibilityModeChanged), and copes without that API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeWorkbook, installFakeOffice, type FakeAddin } from "./fakes/fakeExcel";

type Module = typeof import("../excel-addin/taskpane");
const g = globalThis as Record<string, unknown>;
const saved = { Office: g.Office, Excel: g.Excel };
let mod: Module;
let office: { addin?: FakeAddin; [k: string]: unknown };

const settle = () => new Promise((r) => setTimeout(r, 5));

beforeAll(async () => {
  office = installFakeOffice(g, new FakeWorkbook()).Office;
  // The module mounts the pane once Office is ready; there is no page here, so it never becomes ready.
  office.onReady = () => new Promise(() => undefined);
  mod = await import("../excel-addin/taskpane");
});
afterAll(() => Object.assign(g, saved));

describe("task pane in the shared runtime", () => {
  it("reloads when the pane is shown again, not when it is hidden", async () => {
    const addin = office.addin!;
    let reloads = 0;
    mod.reloadWhenShown({ reload: async () => void reloads++ });
    await settle();
    expect(addin.handlers).toHaveLength(1);
    await addin.hide();
    await settle();
    expect(reloads).toBe(0);
    await addin.showAsTaskpane();
    await settle();
    expect(reloads).toBe(1);
    await addin.hide();
    await addin.showAsTaskpane();
    await settle();
    expect(reloads).toBe(2);
    addin.handlers.length = 0;
  });

  it("does nothing where Office.addin has no visibility events (no shared runtime)", async () => {
    const addin = office.addin;
    try {
      delete office.addin;
      expect(() => mod.reloadWhenShown({ reload: async () => undefined })).not.toThrow();
      office.addin = { ...addin!, onVisibilityModeChanged: undefined } as unknown as FakeAddin;
      expect(() => mod.reloadWhenShown({ reload: async () => undefined })).not.toThrow();
      // A host that refuses the registration does not break the pane either.
      office.addin = { ...addin!, onVisibilityModeChanged: () => Promise.reject(new Error("not supported")) } as FakeAddin;
      expect(() => mod.reloadWhenShown({ reload: async () => undefined })).not.toThrow();
      await settle();
    } finally {
      office.addin = addin;
    }
  });
});
