// The in-memory twin of a PwmDriver: every channel's duty is a value a test (or a bench plant)
// reads and watches; opening can be made to fail with a given code, as the sysfs driver would.
import { BehaviorSubject, type Observable } from 'rxjs';
import type { PwmChannel, PwmDriver, PwmErrorCode, PwmResult } from '../../src/ports/pwm.js';

export interface MemoryPwmChannel extends PwmChannel {
  readonly duty$: Observable<number>;
  readonly frequencyHz: number;
  readonly closed: boolean;
}

export interface MemoryPwm extends PwmDriver {
  /** The channel opened as chip/channel, if any. */
  channel(chip: number, channel: number): MemoryPwmChannel | undefined;
  /** The next open() fails with this code (undefined: opens succeed). */
  failOpen(code: PwmErrorCode | undefined): void;
}

export function memoryPwm(): MemoryPwm {
  const channels = new Map<string, MemoryPwmChannel>();
  let failure: PwmErrorCode | undefined;
  return {
    async open(chip, channel, frequencyHz): Promise<PwmResult> {
      if (failure) return { ok: false, error: { code: failure, message: `pwmchip${chip}/pwm${channel}: ${failure} (twin)` } };
      const key = `${chip}/${channel}`;
      const held = channels.get(key);
      if (held && !held.closed) return { ok: false, error: { code: 'PWM_BUSY', message: `pwmchip${chip}/pwm${channel} is already open` } };
      // A fresh channel is steady high until a duty is written (what close() leaves, too).
      const duty = new BehaviorSubject(100);
      let closed = false;
      const ch: MemoryPwmChannel = {
        periodNs: Math.round(1e9 / frequencyHz),
        frequencyHz,
        get dutyCycle() {
          return duty.getValue();
        },
        duty$: duty.asObservable(),
        setDutyCycle(percent) {
          if (closed) return;
          duty.next(Math.min(100, Math.max(0, percent)));
        },
        async close() {
          if (closed) return;
          duty.next(100);
          closed = true;
        },
        get closed() {
          return closed;
        },
      };
      channels.set(key, ch);
      return { ok: true, value: ch };
    },
    channel: (chip, channel) => channels.get(`${chip}/${channel}`),
    failOpen(code) {
      failure = code;
    },
  };
}
