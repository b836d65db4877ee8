// The clock port's contract (src/ports/clock.ts), run against the real clocks (drivers/clock)
// and against the simulated one (XState's SimulatedClock), so the clock the tests run on behaves
// like the one production runs on. No timing assertions: a timer is checked by what fired and in
// which order, and elapsed time only from below (a timer never fires early by more than the
// clock's 1 ms resolution).
import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { monotonicClock, realClock, wallClock } from '../../drivers/clock/index.js';
import type { Clock } from '../../src/ports/clock.js';

interface Harness {
  readonly clock: Clock;
  /** Lets `ms` of the clock's time pass and runs what fell due (real clocks: waits for a timer of that length). */
  pass(ms: number): Promise<void>;
}

const real = (clock: Clock): Harness => ({
  clock,
  pass: (ms) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms)),
});

function simulated(): Harness {
  const clock = new SimulatedClock();
  return {
    clock,
    pass: async (ms) => {
      for (let i = 0; i < ms; i++) clock.increment(1);
      clock.increment(0);
    },
  };
}

const harnesses: [string, () => Harness][] = [
  ['wallClock', () => real(wallClock)],
  ['monotonicClock', () => real(monotonicClock)],
  ["realClock({ time: 'monotonic', keepAlive: true })", () => real(realClock({ time: 'monotonic', keepAlive: true }))],
  ['SimulatedClock', simulated],
];

describe.each(harnesses)('Clock contract: %s', (_name, make) => {
  it('now() does not go back, and a timer of ms fires no earlier than ms after it was set', async () => {
    const { clock, pass } = make();
    const t0 = clock.now();
    let firedAt: number | undefined;
    clock.setTimeout(() => (firedAt = clock.now()), 5);
    await pass(20);
    expect(firedAt).toBeDefined();
    expect(firedAt! - t0).toBeGreaterThanOrEqual(4);
    expect(clock.now()).toBeGreaterThanOrEqual(firedAt!);
  });

  it('setTimeout never calls fn inside the call, not even with 0 ms', async () => {
    const { clock, pass } = make();
    let fired = 0;
    clock.setTimeout(() => fired++, 0);
    expect(fired).toBe(0);
    await pass(5);
    expect(fired).toBe(1);
  });

  it('timers fire once each, in the order they fall due', async () => {
    const { clock, pass } = make();
    const order: string[] = [];
    clock.setTimeout(() => order.push('late'), 12);
    clock.setTimeout(() => order.push('early'), 3);
    await pass(30);
    await pass(10);
    expect(order).toEqual(['early', 'late']);
  });

  it('clearTimeout cancels a pending timer; clearing a fired or cleared handle is ignored', async () => {
    const { clock, pass } = make();
    const order: string[] = [];
    const cancelled = clock.setTimeout(() => order.push('cancelled'), 3);
    const fired = clock.setTimeout(() => order.push('fired'), 1);
    clock.clearTimeout(cancelled);
    await pass(20);
    expect(order).toEqual(['fired']);
    expect(() => {
      clock.clearTimeout(fired);
      clock.clearTimeout(cancelled);
    }).not.toThrow();
  });
});

describe('the real clocks', () => {
  it('wallClock reads the epoch time, monotonicClock the time since process start', () => {
    // Both against the same instant of Date.now: the wall clock is that time, the monotonic one far below it.
    expect(Math.abs(wallClock.now() - Date.now())).toBeLessThan(1000);
    expect(monotonicClock.now()).toBeLessThan(Date.now() / 2);
  });

  it('unref their timers by default, so a pending delay does not keep the process alive; keepAlive keeps it', () => {
    const unref = wallClock.setTimeout(() => {}, 60_000) as NodeJS.Timeout;
    const kept = realClock({ time: 'wall', keepAlive: true }).setTimeout(() => {}, 60_000) as NodeJS.Timeout;
    try {
      expect(unref.hasRef()).toBe(false);
      expect(monotonicClock.setTimeout(() => {}, 0) as NodeJS.Timeout).toSatisfy((t: NodeJS.Timeout) => !t.hasRef());
      expect(kept.hasRef()).toBe(true);
    } finally {
      wallClock.clearTimeout(unref);
      wallClock.clearTimeout(kept);
    }
  });
});
