// The CHAdeMO sequence signals and plug lock on plain GPIO lines (a Raspberry
// Pi with a CAN HAT; wiring in docs/chademo.md): d1 and d2 drive relays that
// switch 12 V onto CHAdeMO pins 2 and 10; j (pin 4) is read through an
// opto-coupler (the car pulls it low when it closes k: read as high here);
// the plug lock is a motor with lock/unlock outputs and an optional feedback.
import { BehaviorSubject } from 'rxjs';
import type { ChademoSignals } from '../../src/ports/chademo.js';
import type { ConnectorLock, LockState } from '../../src/ports/hardware.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import type { Clock } from '../../src/ports/clock.js';
import { wallClock } from '../../drivers/clock/index.js';
import type { GpioDriver } from './ev.js';

export interface GpioChademoPins {
  readonly d1: number;
  readonly d2: number;
  readonly k: number;
  readonly lock: number;
  readonly unlock: number;
  readonly lockFeedback: number;
}

export function createGpioChademoSignals(gpio: GpioDriver, pins: GpioChademoPins, o: { lockPulseMs: number; logger?: Logger; scheduler?: Clock }): ChademoSignals {
  const log = (o.logger ?? nullLogger).child('chademo.gpio');
  const scheduler = o.scheduler ?? wallClock;
  if (pins.d1 < 0 || pins.d2 < 0 || pins.k < 0) throw new Error('chademo.pin_d1, chademo.pin_d2 and chademo.pin_k must be set for the CHAdeMO bridge');
  const d1 = gpio.output(pins.d1);
  const d2 = gpio.output(pins.d2);
  // Safe initial outputs: no start signals.
  d1.write(false);
  d2.write(false);
  const k = new BehaviorSubject<boolean>(false);
  const kIn = gpio.input(pins.k, (high) => k.next(high));
  k.next(kIn.read());
  const lockOut = pins.lock >= 0 ? gpio.output(pins.lock) : undefined;
  const unlockOut = pins.unlock >= 0 ? gpio.output(pins.unlock) : undefined;
  const lockState = new BehaviorSubject<LockState>('unlocked');
  if (pins.lockFeedback >= 0) {
    const fb = gpio.input(pins.lockFeedback, (high) => lockState.next(high ? 'locked' : 'unlocked'));
    lockState.next(fb.read() ? 'locked' : 'unlocked');
  }
  let pulse: unknown;
  const drive = (goal: 'locked' | 'unlocked'): void => {
    const out = goal === 'locked' ? lockOut : unlockOut;
    if (!out) {
      log.log('warn', `CHAdeMO plug ${goal === 'locked' ? 'lock' : 'unlock'} requested but no motor output is configured`);
      if (pins.lockFeedback < 0) lockState.next(goal);
      return;
    }
    if (pulse !== undefined) scheduler.clearTimeout(pulse);
    lockOut?.write(false);
    unlockOut?.write(false);
    out.write(true);
    if (pins.lockFeedback < 0) lockState.next('moving');
    pulse = scheduler.setTimeout(() => {
      pulse = undefined;
      out.write(false);
      if (pins.lockFeedback < 0) lockState.next(goal);
    }, o.lockPulseMs);
  };
  const lock: ConnectorLock = { state$: lockState.asObservable(), hasFeedback: pins.lockFeedback >= 0, lock: () => drive('locked'), unlock: () => drive('unlocked') };
  return {
    setD1: (on) => d1.write(on),
    setD2: (on) => d2.write(on),
    k$: k.asObservable(),
    lock,
    async close() {
      if (pulse !== undefined) scheduler.clearTimeout(pulse);
      d2.write(false);
      d1.write(false);
      lockOut?.write(false);
      unlockOut?.write(false);
      k.complete();
      lockState.complete();
    },
  };
}
