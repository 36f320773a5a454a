/**
 * Every context.sync() of the add-in goes through a Syncer: it counts syncs and request bytes, times out reads and
 * probes (a read that never answers must not hang the pane: office-js#6678 reports syncs that wait forever), and
 * never times out a write. A batch Excel has begun lands whether or not anyone waits for it, so giving up on a
 * write and rolling back would race it: writes are awaited however long they take.
 */
export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
export const realClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export const SYNC_TIMEOUT_MS = 30_000;

export class Syncer {
  count = 0;
  bytes = 0;
  /** Bytes of each sync's queued writes (estimated), in order. */
  perSync: number[] = [];
  private inFlight: Promise<unknown> | null = null;
  constructor(private ctx: Excel.RequestContext, private timeoutMs: number, private clock: Clock = realClock) {}

  /** A read or probe: cut off after the timeout (nothing it does changes the workbook). */
  read(what: string, estimatedBytes = 0): Promise<void> {
    return this.run(what, estimatedBytes, true);
  }
  /** A write: awaited for as long as Excel takes. */
  write(what: string, estimatedBytes = 0): Promise<void> {
    return this.run(what, estimatedBytes, false);
  }
  /** Resolves once no write this Syncer started is still running. */
  async settled(): Promise<void> {
    const p = this.inFlight;
    if (p) await p.then(() => undefined, () => undefined);
  }

  private async run(what: string, estimatedBytes: number, timed: boolean): Promise<void> {
    this.count++;
    this.bytes += estimatedBytes;
    this.perSync.push(estimatedBytes);
    const sync = this.ctx.sync();
    if (!timed) {
      // Writes are tracked until they settle, so a rollback never reads while one may still be landing.
      const tracked = sync.finally(() => { if (this.inFlight === tracked) this.inFlight = null; });
      this.inFlight = tracked;
      tracked.catch(() => undefined);
      await sync;
      return;
    }
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => {
        const e = new Error(`Excel did not answer within ${Math.round(this.timeoutMs / 1000)} seconds while ${what}`);
        (e as { code?: string }).code = "Timeout";
        reject(e);
      }, this.timeoutMs);
    });
    try {
      await Promise.race([sync, timeout]);
    } finally {
      this.clock.clearTimeout(timer);
    }
  }
}
