// EV hardware on celeron55's CCS interface board, over any SerialLink.
// Outputs are sent on change and refreshed every second (a device that
// restarted gets the state back); inputs arrive as key=value lines.
import { BehaviorSubject, distinctUntilChanged, map, Subject, type Observable, type Subscription } from 'rxjs';
import type { BatteryState, CpState, EvHardware, LockState } from '../../src/ports/hardware.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import { asciiBytes, encodeCeleron55, parseCeleron55Line, type Celeron55Command, type Celeron55Key } from '../../src/domain/hardware/celeron55.js';
import type { SerialLink } from '../../src/ports/serial.js';
import type { Clock } from '../../src/ports/clock.js';
import { wallClock } from '../../drivers/clock/index.js';
import { subscribeParsedLines } from '../serial-lines.js';
import { errorMessage } from '../../src/errors.js';

export interface Celeron55Options {
  readonly logger?: Logger;
  readonly scheduler?: Clock;
  /** Battery facts the device does not report. */
  readonly maxVoltage: number;
  readonly capacityWh: number;
  /** Lock motor run time; the protocol has no lock feedback. */
  readonly lockPulseMs: number;
  /** Re-send the outputs this often, ms. */
  readonly refreshMs?: number;
  /** Warn when the device sent nothing for this long, ms. */
  readonly silenceMs?: number;
}

export interface Celeron55Ev extends EvHardware {
  /** Last value per key (for status pages and tests). */
  readonly readings: Readonly<Partial<Record<Celeron55Key, number>>>;
  /** Every valid line the device sent, by key (also unchanged values: the freshness of the BMS data). */
  readonly received$: Observable<Celeron55Key>;
}

export function createCeleron55Ev(link: SerialLink, o: Celeron55Options): Celeron55Ev {
  const log = (o.logger ?? nullLogger).child('board.celeron55');
  const sched = o.scheduler ?? wallClock;
  const readings: Partial<Record<Celeron55Key, number>> = {};
  const values = new BehaviorSubject<Partial<Record<Celeron55Key, number>>>({});
  const received = new Subject<Celeron55Key>();
  const lock = new BehaviorSubject<LockState>('unlocked');
  let stateC = false;
  let contactor = false;
  let lastRx = sched.now();
  let silentWarned = false;
  let closed = false;
  const timers = new Set<unknown>();

  const send = (cmd: Celeron55Command): void => {
    if (closed) return;
    try {
      link.write(asciiBytes(encodeCeleron55(cmd)));
    } catch (e) {
      log.log('error', 'serial write failed', { error: errorMessage(e) });
    }
  };
  const sub: Subscription = subscribeParsedLines(link, parseCeleron55Line, log, (reading) => {
    lastRx = sched.now();
    if (silentWarned) log.log('info', 'celeron55 device talks again');
    silentWarned = false;
    readings[reading.key] = reading.value;
    values.next({ ...readings });
    received.next(reading.key);
  });

  const every = (ms: number, fn: () => void): void => {
    const tick = (): void => {
      if (closed) return;
      fn();
      const t = sched.setTimeout(() => {
        timers.delete(t);
        tick();
      }, ms);
      timers.add(t);
    };
    const t = sched.setTimeout(() => {
      timers.delete(t);
      tick();
    }, ms);
    timers.add(t);
  };
  every(o.refreshMs ?? 1000, () => {
    send({ kind: 'cp', stateC });
    send({ kind: 'contactor', closed: contactor });
    const silence = o.silenceMs ?? 5000;
    if (!silentWarned && sched.now() - lastRx > silence) {
      silentWarned = true;
      log.log('warn', `celeron55 device silent for more than ${silence} ms: inputs are stale`);
    }
  });

  const field = (k: Celeron55Key) =>
    values.pipe(
      map((v) => v[k]),
      distinctUntilChanged(),
    );
  const present = <T>(k: Celeron55Key, f: (v: number) => T, fallback: T) => field(k).pipe(map((v) => (v === undefined ? fallback : f(v))), distinctUntilChanged());

  const cpState = values.pipe(
    map((v): CpState => (v.plugged_in === 0 ? 'A' : v.cp_output_state === 1 ? 'C' : 'B')),
    distinctUntilChanged(),
  );
  const battery = values.pipe(
    map(
      (v): BatteryState => ({
        socPercent: v.soc_percent ?? 0,
        voltage: v.dc_link_v ?? 0,
        maxCurrent: v.max_charge_a ?? 0,
        maxVoltage: o.maxVoltage,
        capacityWh: o.capacityWh,
      }),
    ),
    distinctUntilChanged((a, b) => a.socPercent === b.socPercent && a.voltage === b.voltage && a.maxCurrent === b.maxCurrent),
  );
  const moveLock = (goal: 'locked' | 'unlocked'): void => {
    send({ kind: goal === 'locked' ? 'lock' : 'unlock' });
    // No lock feedback on this board: 'moving' for the motor pulse, then the goal.
    lock.next('moving');
    const t = sched.setTimeout(() => {
      timers.delete(t);
      if (!closed) lock.next(goal);
    }, o.lockPulseMs);
    timers.add(t);
  };

  return {
    readings,
    received$: received.asObservable(),
    // The device reports plugged_in (its PP input).
    plugDetection: 'pp',
    controlPilot: {
      state$: cpState,
      dutyCycle$: present('cp_pwm', (v) => v, 0),
      setState: (s) => {
        stateC = s === 'C' || s === 'D';
        send({ kind: 'cp', stateC });
      },
    },
    contactors: {
      closed$: present('contactor_confirmed', (v) => v === 1, false),
      hasFeedback: true,
      close: () => {
        contactor = true;
        send({ kind: 'contactor', closed: true });
      },
      open: () => {
        contactor = false;
        send({ kind: 'contactor', closed: false });
      },
    },
    connectorLock: { state$: lock.asObservable(), hasFeedback: false, lock: () => moveLock('locked'), unlock: () => moveLock('unlocked') },
    inletVoltage: { volts$: present('inlet_v', (v) => v, 0) },
    battery: { state$: battery },
    plug: { plugged$: present('plugged_in', (v) => v === 1, false) },
    display: {
      lines: 3,
      show: (text) => text.slice(0, 3).forEach((t, i) => send({ kind: 'display', line: i as 0 | 1 | 2, text: t })),
    },
    close: async () => {
      if (closed) return;
      // Leave the hardware in the safe state before letting go of the line.
      send({ kind: 'contactor', closed: false });
      send({ kind: 'cp', stateC: false });
      closed = true;
      for (const t of timers) sched.clearTimeout(t);
      sub.unsubscribe();
      values.complete();
      received.complete();
      lock.complete();
      await link.close();
    },
  };
}
