// EV hardware on plain GPIO lines (Raspberry Pi, BeagleBone), as pyPLC's
// beaglebone/raspberrypi output devices: an output for the CP state-C
// resistor, one or two contactor outputs, lock/unlock motor pulses, and
// optional feedback inputs. The CP PWM is not measured; the inlet voltage only
// when an ADC is configured (else the safe shutdown uses its fixed waits).
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { PwmMeter } from '../../src/domain/hardware/pwm.js';
import type { BatteryState, CpState, EvHardware, LockState, PlugDetection, VoltageSensor } from '../../src/ports/hardware.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import type { Clock } from '../../src/ports/clock.js';
import { wallClock } from '../../drivers/clock/index.js';
import type { GpioDriver } from '../../src/ports/gpio.js';

export type { GpioDriver } from '../../src/ports/gpio.js';

/** Pin numbers as the driver numbers them (offset already added); -1 = not fitted. */
export interface GpioEvPins {
  readonly cpStateC: number;
  readonly contactor: number;
  readonly contactor2: number;
  readonly contactorFeedback: number;
  readonly lock: number;
  readonly unlock: number;
  readonly lockFeedback: number;
  /** Proximity pilot through a comparator: an input that is active while the plug is in. */
  readonly pp: number;
  /** The CP PWM through a comparator (high while the CP is positive): its duty cycle is measured from the edges. */
  readonly cpPwm: number;
}

export interface GpioEvOptions {
  readonly pins: GpioEvPins;
  readonly lockPulseMs: number;
  /** The PP input reads low while the plug is in (an open-collector comparator). */
  readonly ppActiveLow?: boolean;
  /** Battery facts (GPIO boards have no BMS link). */
  readonly battery: BatteryState;
  readonly logger?: Logger;
  readonly scheduler?: Clock;
  /** Plug detection measured elsewhere (PP on an ADC, adc.ts), used when no PP input pin is fitted. */
  readonly plugged$?: Observable<boolean>;
  /** Inlet voltage (an ADC, see adc.ts); without it the safe shutdown uses fixed waits. */
  readonly inletVoltage?: VoltageSensor & { close?(): Promise<void> };
}

export function createGpioEv(gpio: GpioDriver, o: GpioEvOptions): EvHardware {
  const log = (o.logger ?? nullLogger).child('board.gpio');
  const sched = o.scheduler ?? wallClock;
  const p = o.pins;
  const out = (pin: number) => (pin >= 0 ? gpio.output(pin) : undefined);
  const cpOut = out(p.cpStateC);
  const k1 = out(p.contactor);
  const k2 = out(p.contactor2);
  const lockOut = out(p.lock);
  const unlockOut = out(p.unlock);
  if (!cpOut) log.log('warn', 'no CP state-C output configured (hardware.pin_cp_state_c): the car cannot request energy');
  if (!k1) log.log('warn', 'no contactor output configured (hardware.pin_contactor)');

  const cp = new BehaviorSubject<CpState>('B');
  const closed = new BehaviorSubject(false);
  const lock = new BehaviorSubject<LockState>('unlocked');
  const hasContactorFeedback = p.contactorFeedback >= 0;
  const hasLockFeedback = p.lockFeedback >= 0;
  // Safe initial outputs: CP B, contactors open, no motor current.
  cpOut?.write(false);
  k1?.write(false);
  k2?.write(false);
  lockOut?.write(false);
  unlockOut?.write(false);

  if (hasContactorFeedback) {
    const fb = gpio.input(p.contactorFeedback, (high) => closed.next(high));
    closed.next(fb.read());
  }
  let lockGoal: 'locked' | 'unlocked' = 'unlocked';
  if (hasLockFeedback) {
    const fb = gpio.input(p.lockFeedback, (high) => lock.next(high ? 'locked' : 'unlocked'));
    lock.next(fb.read() ? 'locked' : 'unlocked');
  }
  const timers = new Set<unknown>();
  let done = false;

  // Plug detection, best first: PP (GPIO input comparator, or the ADC), else the measured 5 % PWM, else none.
  let plugged$: Observable<boolean> | undefined;
  if (p.pp >= 0) {
    const pp = new BehaviorSubject(false);
    const active = (high: boolean): boolean => (o.ppActiveLow ? !high : high);
    const line = gpio.input(p.pp, (high) => pp.next(active(high)));
    pp.next(active(line.read()));
    plugged$ = pp.pipe(distinctUntilChanged());
  } else if (o.plugged$) plugged$ = o.plugged$.pipe(distinctUntilChanged());
  // Without a PWM input the duty is not measured: assumed 5 % (digital communication).
  const duty = new BehaviorSubject(5);
  if (p.cpPwm >= 0) {
    const meter = new PwmMeter({ steadyAfterMs: 20 });
    const line = gpio.input(p.cpPwm, (high) => {
      const d = meter.edge(high, sched.now());
      if (d !== undefined && d !== duty.getValue()) duty.next(d);
    }, { debounceMs: 0 });
    meter.setLevel(line.read());
    duty.next(meter.tick(sched.now()) ?? 0);
    // A steady line has no edges: look every 50 ms (IEC 61851-1 allows the EVSE seconds to switch the PWM).
    const poll = (): void => {
      const t = sched.setTimeout(() => {
        timers.delete(t);
        if (done) return;
        const d = meter.tick(sched.now());
        if (d !== undefined && d !== duty.getValue()) duty.next(d);
        poll();
      }, 50);
      timers.add(t);
    };
    poll();
  }
  const plugDetection: PlugDetection = plugged$ ? 'pp' : p.cpPwm >= 0 ? 'pwm' : 'none';
  if (plugDetection === 'none') log.log('warn', 'no plug detection (hardware.pin_pp, hardware.pp_adc or hardware.pin_cp_pwm): the cable is assumed in, one session per start');
  const pulse = (line: { write(high: boolean): void } | undefined, goal: 'locked' | 'unlocked'): void => {
    if (!line) {
      log.log('warn', `connector ${goal === 'locked' ? 'lock' : 'unlock'} requested but no motor output is configured`);
      return;
    }
    lockGoal = goal;
    (goal === 'locked' ? unlockOut : lockOut)?.write(false); // never drive both directions
    line.write(true);
    if (!hasLockFeedback) lock.next('moving');
    const t = sched.setTimeout(() => {
      timers.delete(t);
      line.write(false);
      if (done) return;
      if (!hasLockFeedback) lock.next(goal);
      // With feedback: a motor pulse that did not reach the goal is a lock fault.
      else if (lock.getValue() !== lockGoal) lock.next('fault');
    }, o.lockPulseMs);
    timers.add(t);
  };

  return {
    plugDetection,
    ...(plugged$ ? { plug: { plugged$ } } : {}),
    controlPilot: {
      // Not measured: the state is what we switch. The PWM is measured only with a PWM input.
      state$: cp.asObservable(),
      dutyCycle$: duty.pipe(distinctUntilChanged()),
      setState: (s) => {
        const c = s === 'C' || s === 'D';
        cpOut?.write(c);
        cp.next(c ? s : 'B');
      },
    },
    contactors: {
      closed$: closed.asObservable(),
      hasFeedback: hasContactorFeedback,
      close: () => {
        k1?.write(true);
        k2?.write(true);
        if (!hasContactorFeedback) closed.next(true);
      },
      open: () => {
        k1?.write(false);
        k2?.write(false);
        if (!hasContactorFeedback) closed.next(false);
      },
    },
    ...(lockOut || unlockOut
      ? { connectorLock: { state$: lock.asObservable(), hasFeedback: hasLockFeedback, lock: () => pulse(lockOut, 'locked'), unlock: () => pulse(unlockOut, 'unlocked') } }
      : {}),
    battery: { state$: new BehaviorSubject(o.battery).asObservable() },
    ...(o.inletVoltage ? { inletVoltage: o.inletVoltage } : {}),
    close: async () => {
      if (done) return;
      done = true;
      for (const t of timers) sched.clearTimeout(t);
      // Leave safe: contactors open, CP B, motor off.
      k1?.write(false);
      k2?.write(false);
      cpOut?.write(false);
      lockOut?.write(false);
      unlockOut?.write(false);
      cp.complete();
      closed.complete();
      lock.complete();
      duty.complete();
      await o.inletVoltage?.close?.();
      await gpio.close();
    },
  };
}
