// The quiet wait of the capture taps: a session record (src/runtime/session-records.ts) and the
// relay's records (src/runtime/relay.ts) are closed or cut only once the tap has gone quiet, so
// the last frames (the final response, the FINs of the closed connection) are in the record.

export interface QuietWait {
  /** A frame reached the tap: the quiet time starts again (no effect once the wait ended). */
  activity(): void;
  /** Ends the wait without resolving `done` and clears its timers. */
  cancel(): void;
  /** Resolves once quiet (or at the bound). */
  readonly done: Promise<void>;
}

export interface QuietWaitOptions {
  /**
   * One event-loop turn in which the tap's socket is polled (default setImmediate). A starved process
   * runs its quiet timer before libuv polls the sockets (libuv runs timers first; at load 30 on two
   * cores 150 ms pass easily), so the clock alone would call a tap quiet while its socket still holds
   * the last frames: quiet also needs one such turn in which no frame arrived.
   */
  readonly ioTurn?: () => Promise<void>;
  /** The timers keep the process alive (default true); false for a wait that must not hold an exiting process. */
  readonly hold?: boolean;
}

/**
 * Resolves once no activity() came for quietMs (each activity restarts the wait) followed by one I/O
 * turn without activity, and at the latest maxMs after the start. Timers only, no polling.
 */
export function whenQuiet(quietMs: number, maxMs: number, o: QuietWaitOptions = {}): QuietWait {
  const ioTurn = o.ioTurn ?? (() => new Promise<void>((r) => setImmediate(r)));
  const hold = o.hold ?? true;
  let quietTimer: ReturnType<typeof setTimeout> | undefined;
  let cap: ReturnType<typeof setTimeout> | undefined;
  let seen = 0;
  let ended = false;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const timer = (f: () => void, ms: number): ReturnType<typeof setTimeout> => {
    const t = setTimeout(f, ms);
    if (!hold) t.unref();
    return t;
  };
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (cap !== undefined) clearTimeout(cap);
    if (quietTimer !== undefined) clearTimeout(quietTimer);
    cap = quietTimer = undefined;
  };
  const quiet = (): void => {
    quietTimer = undefined;
    const before = seen;
    void ioTurn().then(() => {
      if (ended) return;
      if (seen !== before) quietTimer = timer(quiet, quietMs);
      else finish();
    });
  };
  const finish = (): void => {
    end();
    resolveDone();
  };
  cap = timer(finish, maxMs);
  quietTimer = timer(quiet, quietMs);
  return {
    activity() {
      seen++;
      // While the I/O turn runs (no quiet timer) the count alone tells it a frame came.
      if (ended || quietTimer === undefined) return;
      clearTimeout(quietTimer);
      quietTimer = timer(quiet, quietMs);
    },
    cancel: end,
    done,
  };
}
