// The real clocks behind the clock port (src/ports/clock.ts). Their timers are unref'd:
// a pending delay must not keep the process alive after everything else has closed.
import type { Clock } from '../../src/ports/clock.js';

function clockOn(now: () => number): Clock {
  return {
    now,
    setTimeout(fn, ms) {
      const t = globalThis.setTimeout(fn, ms);
      t.unref();
      return t;
    },
    clearTimeout(handle) {
      globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
    },
  };
}

/** Wall-clock time (Date.now): for timestamps a person or a capture reads. */
export const wallClock: Clock = clockOn(() => Date.now());

/**
 * Monotonic time (performance.now): a wall-clock step (NTP at boot on a board without an
 * RTC) must not stall a throttle or fire a deadline early.
 */
export const monotonicClock: Clock = clockOn(() => performance.now());
