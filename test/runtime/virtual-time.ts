// Drives XState's SimulatedClock together with the microtask/immediate queue
// that the in-memory links deliver on: a virtual step, then let every pending
// promise settle, then the next step.
import type { SimulatedClock } from 'xstate';

export async function settle(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Advances virtual time by `ms` in steps of `step` ms. */
export async function runFor(clock: SimulatedClock, ms: number, step = 10): Promise<void> {
  await settle();
  for (let t = 0; t < ms; t += step) {
    clock.increment(Math.min(step, ms - t));
    await settle();
  }
}

/** Advances until pred() holds; returns the virtual ms it took, or -1 after maxMs. */
export async function runUntil(clock: SimulatedClock, pred: () => boolean, maxMs: number, step = 10): Promise<number> {
  const t0 = clock.now();
  await settle();
  while (!pred()) {
    if (clock.now() - t0 >= maxMs) return -1;
    clock.increment(step);
    await settle();
  }
  return clock.now() - t0;
}
