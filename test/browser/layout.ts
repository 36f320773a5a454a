/**
 * What the pane looks like, measured rather than compared by pixels: element boxes in the page, whether the build
 * button is in view, what overflows the pane's width, what overlaps, the order Tab visits controls against the order
 * they sit on the screen, and an axe-core accessibility scan (axe-core from npm, injected through the DevTools
 * protocol, which the pages' Content Security Policies do not govern). Each state is also saved as a screenshot
 * under /tmp for people to look at; nothing is compared by pixels.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const AXE = readFileSync(createRequire(__filename).resolve("axe-core/axe.min.js"), "utf8");

export interface Box { x: number; y: number; w: number; h: number }

export interface Layout {
  viewport: { width: number; height: number };
  /** The build button at the top of the page and scrolled to the bottom: its box, and whether a person sees it. */
  build: { top: Box & { seen: boolean }; bottom: Box & { seen: boolean } };
  /** Elements whose box passes the pane's right edge (or the page scrolls sideways). */
  overflow: string[];
  /** Pairs of controls whose boxes overlap in the laid-out page (sticky bars set in place). */
  overlaps: string[];
  /** Focusable controls in Tab order, named, with their place in the laid-out page (sticky bars set in place). */
  tabs: { name: string; x: number; y: number }[];
  /** Where Tab goes against the screen: a control above (or left of, on the same line) the one before it. */
  tabOutOfOrder: string[];
}

/** Measures the page as it is now, then leaves it as it was (scrolled to the top). */
export async function measure(page: Page): Promise<Layout> {
  return page.evaluate(async () => {
    const view = { width: window.innerWidth, height: window.innerHeight };
    const nameOf = (el: Element) => {
      const label = (el as HTMLInputElement).labels?.[0]?.textContent ?? el.getAttribute("aria-label") ?? el.textContent ?? "";
      return `${el.tagName.toLowerCase()} "${label.replace(/\s+/g, " ").trim().slice(0, 50)}"`;
    };
    const button = [...document.querySelectorAll<HTMLButtonElement>(".buildbar button")][0];
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const seen = (el: Element | undefined) => {
      if (!el) return { x: 0, y: 0, w: 0, h: 0, seen: false };
      const r = el.getBoundingClientRect();
      const inView = r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= view.height && r.right <= view.width;
      // Not hidden under anything: the point at its middle is the button (or inside it).
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return { x: r.left, y: r.top, w: r.width, h: r.height, seen: inView && !!hit && (hit === el || el.contains(hit)) };
    };
    window.scrollTo(0, 0);
    await frame();
    const top = seen(button);
    window.scrollTo(0, document.documentElement.scrollHeight);
    await frame();
    const bottom = seen(button);
    window.scrollTo(0, 0);
    await frame();

    const overflow: string[] = [];
    if (document.documentElement.scrollWidth > view.width) overflow.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${view.width})`);
    for (const el of document.querySelectorAll(".pcn-pane *")) {
      if (el.closest(".visually-hidden, [hidden], option")) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.right > view.width + 0.5 || r.left < -0.5) overflow.push(`${nameOf(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}`);
    }

    // The laid-out page: sticky bars back in their place in the flow, so each control has one position.
    const flat = document.createElement("style");
    flat.textContent = ".pcn-pane .topbar, .pcn-pane .buildbar { position: static !important; }";
    document.head.appendChild(flat);
    await frame();
    const focusable = [...document.querySelectorAll<HTMLElement>("a[href], button, input, select, textarea, summary, [tabindex]")].filter((el) => {
      if ((el as HTMLButtonElement).disabled || el.tabIndex < 0) return false;
      if (el.closest("[hidden], .visually-hidden")) return false;
      const details = el.closest("details:not([open])");
      if (details && el.tagName !== "SUMMARY") return false;
      if (el.tagName === "SUMMARY" && el.parentElement?.closest("details:not([open])")) return false;
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    });
    const tabs = focusable.map((el) => {
      const r = el.getBoundingClientRect();
      return { name: nameOf(el), x: Math.round(r.left), y: Math.round(r.top + window.scrollY), el };
    });
    const tabOutOfOrder: string[] = [];
    for (let i = 1; i < tabs.length; i++) {
      const a = tabs[i - 1], b = tabs[i];
      const sameLine = Math.abs(a.y - b.y) <= 4;
      if (b.y < a.y - 4 || (sameLine && b.x < a.x)) tabOutOfOrder.push(`${b.name} (y ${b.y}) after ${a.name} (y ${a.y})`);
    }
    const overlaps: string[] = [];
    const boxes = tabs.map((t) => t.el.getBoundingClientRect());
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const p = boxes[i], q = boxes[j];
        if (tabs[i].el.contains(tabs[j].el) || tabs[j].el.contains(tabs[i].el)) continue;
        const x = Math.min(p.right, q.right) - Math.max(p.left, q.left), y = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        if (x > 1 && y > 1) overlaps.push(`${tabs[i].name} and ${tabs[j].name}`);
      }
    }
    flat.remove();
    await frame();
    return { viewport: view, build: { top, bottom }, overflow, overlaps, tabs: tabs.map(({ name, x, y }) => ({ name, x, y })), tabOutOfOrder };
  });
}

/** axe-core's violations of impact serious or critical (rule id, impact, and where). */
export async function axeSerious(page: Page): Promise<string[]> {
  const has = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === "object");
  if (!has) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[]; failureSummary?: string }[] }[] }> } }).axe;
    const res = await axe.run(document, { resultTypes: ["violations"] });
    return res.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`).join(" | ")}`);
  });
}

/** Everything the pane must hold to in any state: the build button in view, no overflow or overlap, Tab follows the screen, axe clean. */
export async function checkState(page: Page, name: string): Promise<Layout> {
  await page.screenshot({ path: `/tmp/pcn-pane-${name}.png` });
  const l = await measure(page);
  const problems = [
    ...(l.build.top.seen ? [] : [`the build button is not in view at the top (${JSON.stringify(l.build.top)})`]),
    ...(l.build.bottom.seen ? [] : [`the build button is not in view scrolled to the bottom (${JSON.stringify(l.build.bottom)})`]),
    ...l.overflow.map((o) => `overflow: ${o}`),
    ...l.overlaps.map((o) => `overlap: ${o}`),
    ...l.tabOutOfOrder.map((o) => `tab order: ${o}`),
    ...(await axeSerious(page)).map((v) => `axe: ${v}`),
  ];
  if (problems.length) throw new Error(`${name}:\n  ${problems.join("\n  ")}`);
  return l;
}
