/** Init script (self-contained): records every progress line the pane shows, however briefly it is there. */
export function recordProgress(): void {
  const seen: string[] = [];
  (window as unknown as { __progressSeen: string[] }).__progressSeen = seen;
  const record = () => {
    const box = document.querySelector(".pcn-pane .statusline") as HTMLElement | null;
    const t = box && !box.hidden ? box.querySelector(".status-text")?.textContent : "";
    if (t && seen[seen.length - 1] !== t) seen.push(t);
  };
  new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}
