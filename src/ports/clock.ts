// The clock port: the one source of time and one-shot timers for every layer that is not a real
// driver. Structurally what XState's SimulatedClock offers (now/setTimeout/clearTimeout), so one
// clock drives the machines' delays, the in-memory twins, the modem emulator, the safety monitors
// and the sim plant in tests. The real implementations (wall and monotonic) live in
// drivers/clock; the simulated one is XState's SimulatedClock, advanced by the test
// (boards/sim/scheduler.ts `advance`, `advanceUntil`). Machines and pure src/ code take a Clock
// as a required input: they never read Date.now() or performance.now() themselves.

export interface Clock {
  /**
   * The current time in milliseconds (may have a fraction). Its origin is the clock's: the wall
   * clock counts from the Unix epoch (timestamps a person or a capture reads), the monotonic clock
   * from process start (spacing, throttles, deadlines: it never steps back when NTP sets the
   * time), a simulated clock from 0 of its virtual time. Differences of two readings of one clock
   * are durations in ms; readings of two different clocks are not comparable.
   */
  now(): number;
  /**
   * Calls fn once, ms milliseconds of this clock's time from now (0 or less: as soon as the
   * clock next runs its timers, never synchronously inside this call). Returns a handle for
   * clearTimeout; treat it as opaque.
   */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a pending timer. A handle that already fired or was cleared is ignored. */
  clearTimeout(handle: unknown): void;
}
