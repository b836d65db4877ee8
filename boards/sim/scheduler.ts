// Time for the simulated hardware: the clock port (src/ports/clock.ts). Tests give the plant,
// the machines and the twins one XState SimulatedClock and advance it with the helpers below;
// `tsplc sim` on the wall clock uses drivers/clock.

import type { SimulatedClock } from 'xstate';

/**
 * Advances a simulated clock in steps of at most stepMs. SimulatedClock.increment()
 * jumps in one go (a timer re-armed while firing is not due again within the
 * same increment), so physics and machine delays need small steps to interleave.
 */
export function advance(clock: SimulatedClock, totalMs: number, stepMs = 10): void {
  let left = totalMs;
  while (left > 0) {
    const d = Math.min(stepMs, left);
    clock.increment(d);
    left -= d;
  }
}

/** Advances until pred() holds or maxMs passed; returns the virtual time it took (or -1). */
export function advanceUntil(clock: SimulatedClock, pred: () => boolean, maxMs: number, stepMs = 10): number {
  const t0 = clock.now();
  while (!pred()) {
    if (clock.now() - t0 >= maxMs) return -1;
    clock.increment(stepMs);
  }
  return clock.now() - t0;
}
