// "At most one per interval, last value wins", without timers or queues:
// one value may be in flight, one may wait (a newer offer replaces it).
// The caller drives it with poll(now) and a single timer at the returned wakeAt.
// A value equal (by key) to the last one taken is not sent again, so a steady
// CurrentDemand loop with an unchanged SOC costs nothing.

export type ThrottleStep<T> = { readonly send: T } | { readonly wakeAt: number } | undefined;

export interface ThrottleCounters {
  /** Values taken for sending. */
  readonly taken: number;
  /** Waiting values replaced by a newer one before they were sent. */
  readonly superseded: number;
  /** Offers equal to the last value taken (nothing to send). */
  readonly unchanged: number;
}

export class LatestValueThrottle<T> {
  private pending: { value: T; key: string } | undefined;
  private lastKey: string | undefined;
  private lastTakenAt = Number.NEGATIVE_INFINITY;
  private inFlight = false;
  private readonly counts = { taken: 0, superseded: 0, unchanged: 0 };

  constructor(
    private readonly intervalMs: number,
    private readonly keyOf: (v: T) => string = (v) => JSON.stringify(v),
  ) {}

  offer(value: T): void {
    const key = this.keyOf(value);
    if (key === this.lastKey) {
      // The newest value is what was sent already: a waiting older value is moot.
      if (this.pending) this.counts.superseded++;
      this.pending = undefined;
      this.counts.unchanged++;
      return;
    }
    if (this.pending && this.pending.key !== key) this.counts.superseded++;
    this.pending = { value, key };
  }

  /** What to do at `now`: send a value, ask again at wakeAt, or nothing (idle or busy). */
  poll(now: number): ThrottleStep<T> {
    if (!this.pending || this.inFlight) return undefined;
    const due = this.lastTakenAt + this.intervalMs;
    if (now < due) return { wakeAt: due };
    const { value, key } = this.pending;
    this.pending = undefined;
    this.lastKey = key;
    this.lastTakenAt = now;
    this.inFlight = true;
    this.counts.taken++;
    return { send: value };
  }

  /**
   * The value taken last has been handled. `delivered: false` (endpoint down) forgets it,
   * so the same value is offered again later instead of counting as sent.
   */
  settled(delivered = true): void {
    this.inFlight = false;
    if (!delivered) this.lastKey = undefined;
  }

  get busy(): boolean {
    return this.inFlight;
  }

  get waiting(): boolean {
    return this.pending !== undefined;
  }

  counters(): ThrottleCounters {
    return { ...this.counts };
  }
}
