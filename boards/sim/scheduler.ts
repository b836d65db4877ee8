// Time for the simulated hardware. Structurally compatible with XState's
// SimulatedClock (now/setTimeout/clearTimeout), so one clock drives the
// physics and the machines' delays in tests.

import type { Clock } from '../../src/ports/clock.js';

/** The clock port (src/ports/clock.ts) under the sim board's name. */
export type Scheduler = Clock;

/** Wall-clock scheduler for `tsplc sim` (timers do not keep the process alive). */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = globalThis.setTimeout(fn, ms) as unknown as { unref?: () => void };
    t.unref?.();
    return t;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]);
  },
};

/** A clock that can be advanced by hand (XState's SimulatedClock satisfies this). */
export interface ManualClock extends Scheduler {
  increment(ms: number): void;
}

/**
 * Advances a manual clock in steps of at most stepMs. SimulatedClock.increment()
 * jumps in one go (a timer re-armed while firing is not due again within the
 * same increment), so physics and machine delays need small steps to interleave.
 */
export function advance(clock: ManualClock, totalMs: number, stepMs = 10): void {
  let left = totalMs;
  while (left > 0) {
    const d = Math.min(stepMs, left);
    clock.increment(d);
    left -= d;
  }
}

/** Advances until pred() holds or maxMs passed; returns the virtual time it took (or -1). */
export function advanceUntil(clock: ManualClock, pred: () => boolean, maxMs: number, stepMs = 10): number {
  const t0 = clock.now();
  while (!pred()) {
    if (clock.now() - t0 >= maxMs) return -1;
    clock.increment(stepMs);
  }
  return clock.now() - t0;
}
