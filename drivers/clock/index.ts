// The real clocks behind the clock port (src/ports/clock.ts). The simulated clock is XState's
// SimulatedClock (tests advance it); nothing else implements the port.
import type { Clock } from '../../src/ports/clock.js';

export interface RealClockOptions {
  /** 'wall': Date.now (ms since the Unix epoch); 'monotonic': performance.now (ms since process start, never steps back). */
  readonly time: 'wall' | 'monotonic';
  /**
   * false (default): the timers are unref'd, so a pending delay does not keep the process alive
   * after everything else has closed. true: they keep it alive, as XState's own timers do (an
   * actor whose only pending work is a delay must still reach its deadline).
   */
  readonly keepAlive?: boolean;
}

export function realClock(o: RealClockOptions): Clock {
  const now = o.time === 'wall' ? () => Date.now() : () => performance.now();
  const keepAlive = o.keepAlive ?? false;
  return {
    now,
    setTimeout(fn, ms) {
      const t = globalThis.setTimeout(fn, ms);
      if (!keepAlive) t.unref();
      return t;
    },
    clearTimeout(handle) {
      globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
    },
  };
}

/** Wall-clock time (Date.now), unref'd timers: for timestamps a person or a capture reads. */
export const wallClock: Clock = realClock({ time: 'wall' });

/**
 * Monotonic time (performance.now), unref'd timers: a wall-clock step (NTP at boot on a board
 * without an RTC) must not stall a throttle or fire a deadline early.
 */
export const monotonicClock: Clock = realClock({ time: 'monotonic' });
