// EV hardware on the "dieter" Arduino (pyPLC's serial output device): CP state C and
// two relays as output bits, the inlet voltage from its ADC, a three-line display on
// the same line. No lock, no contactor feedback, no plug detection: the session skips
// the locking step and takes the relay command as done (src/domain/hardware/capabilities.ts).
import { BehaviorSubject, distinctUntilChanged, type Observable, type Subscription } from 'rxjs';
import type { BatteryState, CpState, EvHardware } from '../../src/ports/hardware.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import { asciiBytes } from '../../src/domain/hardware/celeron55.js';
import { DIETER_CP_STATE_C, DIETER_RELAY, DIETER_RELAY2, encodeDieterOutputs, parseDieterLine } from '../../src/domain/hardware/dieter.js';
import { encodeSerialOled } from '../../src/domain/hardware/serial-oled.js';
import type { SerialLink } from '../../src/ports/serial.js';
import type { Clock } from '../../src/ports/clock.js';
import { wallClock } from '../../drivers/clock/index.js';
import { subscribeParsedLines } from '../serial-lines.js';
import { errorMessage } from '../../src/errors.js';

export interface DieterOptions {
  readonly battery: BatteryState;
  /** Inlet volts per ADC count (pyPLC's divider by default). */
  readonly voltsPerCount: number;
  readonly logger?: Logger;
  readonly scheduler?: Clock;
  /** Resend the outputs this often, ms (pyPLC ≈ 450 ms). */
  readonly refreshMs?: number;
  /** No A0 reading for this long → the inlet voltage is unknown (NaN, i.e. not safe), ms. */
  readonly adcSilenceMs?: number;
}

export function createDieterEv(link: SerialLink, o: DieterOptions): EvHardware {
  const log = (o.logger ?? nullLogger).child('board.dieter');
  const sched = o.scheduler ?? wallClock;
  let bits = 0;
  let closed = false;
  let lastAdc: number | undefined;
  const cp = new BehaviorSubject<CpState>('B');
  const relay = new BehaviorSubject(false);
  const inlet = new BehaviorSubject<number>(Number.NaN);
  const timers = new Set<unknown>();
  const send = (text: string): void => {
    if (closed) return;
    try {
      link.write(asciiBytes(text));
    } catch (e) {
      log.log('error', 'serial write failed', { error: errorMessage(e) });
    }
  };
  const setBits = (next: number): void => {
    if (next === bits) return;
    bits = next;
    send(encodeDieterOutputs(bits));
  };
  send(encodeDieterOutputs(0));
  const sub: Subscription = subscribeParsedLines(link, parseDieterLine, log, (adc) => {
    if (adc === undefined) return;
    lastAdc = sched.now();
    inlet.next(Math.round(adc * o.voltsPerCount * 10) / 10);
  });
  const refresh = (): void => {
    const t = sched.setTimeout(() => {
      timers.delete(t);
      if (closed) return;
      send(encodeDieterOutputs(bits));
      const silence = o.adcSilenceMs ?? 2000;
      if (lastAdc !== undefined && sched.now() - lastAdc > silence && !Number.isNaN(inlet.getValue())) {
        log.log('warn', `no A0 reading for more than ${silence} ms: inlet voltage unknown`);
        inlet.next(Number.NaN);
      }
      refresh();
    }, o.refreshMs ?? 450);
    timers.add(t);
  };
  refresh();
  let lastText = '';
  return {
    plugDetection: 'none',
    controlPilot: {
      state$: cp.asObservable(),
      // Not measured on this board: assumed 5 % (digital communication).
      dutyCycle$: new BehaviorSubject(5).asObservable(),
      setState: (s) => {
        const c = s === 'C' || s === 'D';
        setBits(c ? bits | DIETER_CP_STATE_C : bits & ~DIETER_CP_STATE_C);
        cp.next(c ? s : 'B');
      },
    },
    contactors: {
      closed$: relay.pipe(distinctUntilChanged()),
      hasFeedback: false,
      close: () => {
        setBits(bits | DIETER_RELAY | DIETER_RELAY2);
        relay.next(true);
      },
      open: () => {
        setBits(bits & ~(DIETER_RELAY | DIETER_RELAY2));
        relay.next(false);
      },
    },
    inletVoltage: { volts$: inlet.pipe(distinctUntilChanged((a, b) => a === b || (Number.isNaN(a) && Number.isNaN(b)))) as Observable<number> },
    battery: { state$: new BehaviorSubject(o.battery).asObservable() },
    display: {
      lines: 3,
      show: (text) => {
        const s = encodeSerialOled(text);
        if (s === lastText) return;
        lastText = s;
        send(s);
      },
    },
    close: async () => {
      if (closed) return;
      // Leave safe: relays off, CP state B.
      bits = 0;
      send(encodeDieterOutputs(0));
      closed = true;
      for (const t of timers) sched.clearTimeout(t);
      sub.unsubscribe();
      cp.complete();
      relay.complete();
      inlet.complete();
      await link.close();
    },
  };
}
