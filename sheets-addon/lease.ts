/**
 * One build at a time per spreadsheet, across executions: the build lease. A build of many executions holds
 * a document property (who, since when, until when) for its whole length; it is taken, renewed and given back
 * under the document lock, held only for that moment, so a second person is told at once who is building
 * rather than waiting on the lock.
 *
 * Who: Apps Script gives an add-on the person's email only with the userinfo.email scope, which PCN Toolkit
 * does not ask for (Session.getActiveUser throws without it). So the lease names the person by the name they
 * chose to show (the sidebar's "Your name" field, kept in their user properties), by email in the rare case
 * Apps Script gives one, and otherwise says plainly that Google does not tell the add-on who it is.
 * Session.getTemporaryActiveUserKey (no scope) tells the same person in another window from someone else.
 */
import { PcnError } from "../core/errors";
import type { LockServiceLike, Properties, PropertiesServiceLike, SessionLike } from "./surface";

declare const LockService: LockServiceLike;
declare const PropertiesService: PropertiesServiceLike;
declare const Session: SessionLike;

export const LEASE_KEY = "PCN_BUILD_LEASE";
export const NAME_KEY = "PCN_BUILDER_NAME";
/** How long the document lock is waited for: it is only ever held for a property read and write. */
export const LOCK_WAIT_MS = 10000;
/**
 * A lease lasts while its build runs: one execution at most (Apps Script's 6 minutes, with a margin), or the
 * short gap between two executions of a sidebar build. A lease idle longer than that was left by a build that
 * stopped (a closed sidebar, a menu build that ran out of time): anyone may take it.
 */
export const LEASE_RUNNING_MS = 400000;
export const LEASE_IDLE_MS = 90000;

export interface Lease {
  token: string;
  /** Session.getTemporaryActiveUserKey of the holder ("" when Apps Script gave none). */
  key: string;
  /** The name the holder chose to show, or an email Apps Script gave; "" when neither. */
  name: string;
  since: number;
  renewed: number;
  running: boolean;
}

const docProps = (): Properties => {
  const p = PropertiesService.getDocumentProperties();
  if (!p) throw new PcnError("PCN Toolkit can only build from inside a spreadsheet (Extensions → PCN Toolkit).");
  return p;
};

/** Who is asking: their temporary key and the name to show others. */
export function whoIsAsking(): { key: string; name: string } {
  let key = "";
  try {
    key = Session.getTemporaryActiveUserKey() || "";
  } catch (e) {
    key = "";
  }
  let name = "";
  try {
    name = (PropertiesService.getUserProperties()?.getProperty(NAME_KEY) ?? "").trim();
  } catch (e) {
    name = "";
  }
  if (!name) {
    try {
      // Without the userinfo.email scope this throws; it is tried so a domain that grants it gets the email.
      name = Session.getActiveUser().getEmail() || "";
    } catch (e) {
      name = "";
    }
  }
  return { key, name };
}

/** Saves the name a person wants others to see while they build (empty clears it). */
export function setBuilderName(name: unknown): string {
  const clean = typeof name === "string" ? name.replace(/[\u0000-\u001f\u007f]/g, " ").replace(/\s+/g, " ").trim().slice(0, 80) : "";
  const props = PropertiesService.getUserProperties();
  if (!props) throw new PcnError("Your name could not be saved here.");
  if (clean) props.setProperty(NAME_KEY, clean);
  else props.deleteProperty(NAME_KEY);
  return clean;
}

/**
 * Runs fn under the document lock. Apps Script gives no document lock outside a document (null): the script
 * lock, which every user of the add-on shares, is held instead, for the same moment. A lock not had within
 * LOCK_WAIT_MS is refused with a sentence.
 */
export function underLock<T>(fn: () => T): T {
  const lock = LockService.getDocumentLock() ?? LockService.getScriptLock();
  if (!lock) return fn();
  if (!lock.tryLock(LOCK_WAIT_MS)) {
    throw new PcnError(`PCN Toolkit could not get hold of this spreadsheet for ${LOCK_WAIT_MS / 1000} seconds: someone else's PCN Toolkit is busy with it. Try again in a minute.`);
  }
  try {
    return fn();
  } finally {
    lock.releaseLock();
  }
}

function parse(raw: string | null): Lease | null {
  if (!raw) return null;
  try {
    const l = JSON.parse(raw) as Lease;
    return l && typeof l.token === "string" && typeof l.renewed === "number" ? l : null;
  } catch (e) {
    return null;
  }
}

/** Whether a lease still holds at `now`. */
export function leaseHolds(l: Lease | null, now: number): l is Lease {
  if (!l) return false;
  return now - l.renewed < (l.running ? LEASE_RUNNING_MS : LEASE_IDLE_MS);
}

/** "10:32" in the spreadsheet's time zone (the script's when Intl cannot do it). */
export function clockTime(ms: number, timeZone?: string): string {
  try {
    return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone }).format(new Date(ms));
  } catch (e) {
    const d = new Date(ms);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  }
}

/** The sentence for a build refused because `holder` is building. */
export function refusal(holder: Lease, me: { key: string }, now: number, timeZone?: string): string {
  const since = clockTime(holder.since, timeZone);
  const free = clockTime(holder.renewed + (holder.running ? LEASE_RUNNING_MS : LEASE_IDLE_MS), timeZone);
  if (holder.key && holder.key === me.key) {
    return `You are already building sheets in this spreadsheet, from another sidebar or the menu (since ${since}). Wait for that build to finish, or close its sidebar: the spreadsheet is free again by ${free} at the latest.`;
  }
  if (holder.name) {
    return `${holder.name} is building sheets in this spreadsheet (since ${since}). Try again when their build has finished: the spreadsheet is free again by ${free} at the latest.`;
  }
  return (
    `Someone else is building sheets in this spreadsheet (since ${since}). Try again when their build has finished: the spreadsheet is free again by ${free} at the latest. ` +
    `Google does not tell an add-on who is using it unless it asks for their email address, which PCN Toolkit does not; anyone who gives a name under "Your name" in the sidebar is named here.`
  );
}

/**
 * Takes or renews the lease for `token` (running: an execution is under way), or throws the refusal. Returns
 * the lease as held.
 */
export function takeLease(token: string, now: () => number, timeZone?: () => string): Lease {
  const me = whoIsAsking();
  return underLock(() => {
    const props = docProps();
    const held = parse(props.getProperty(LEASE_KEY));
    const t = now();
    if (leaseHolds(held, t) && held.token !== token) throw new PcnError(refusal(held, me, t, timeZone?.()));
    const lease: Lease = { token, key: me.key, name: me.name, since: held && held.token === token ? held.since : t, renewed: t, running: true };
    props.setProperty(LEASE_KEY, JSON.stringify(lease));
    return lease;
  });
}

/** Between two executions of a build that goes on: held, idle. */
export function pauseLease(lease: Lease, now: () => number) {
  underLock(() => {
    const props = docProps();
    const held = parse(props.getProperty(LEASE_KEY));
    if (held && held.token !== lease.token) return; // taken over: not ours to touch
    props.setProperty(LEASE_KEY, JSON.stringify({ ...lease, renewed: now(), running: false }));
  });
}

/** At the end of a build (or its failure): free for anyone. */
export function releaseLease(token: string) {
  underLock(() => {
    const props = docProps();
    const held = parse(props.getProperty(LEASE_KEY));
    if (held && held.token === token) props.deleteProperty(LEASE_KEY);
  });
}

/** The lease as it stands (for the self-test and the sidebar). */
export function currentLease(): Lease | null {
  return parse(docProps().getProperty(LEASE_KEY));
}
