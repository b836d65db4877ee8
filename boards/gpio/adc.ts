// ADS1115 inputs: the inlet voltage behind a resistive divider, and the PP
// resistor (plug detection, src/domain/hardware/pp.ts). One sampler owns the chip: a
// single-shot conversion is "write the config register (which selects the
// input), wait, read", so two loops on one chip would read each other's input.
// It converts every configured channel in turn, every intervalMs. A failed read
// keeps the last value for two more tries, then reports NaN ("unknown"): every
// consumer must treat NaN as not safe (the SafeShutdownSequence does: NaN < 60 is
// false; PP treats it as unplugged).
import { BehaviorSubject, distinctUntilChanged, map, shareReplay, type Observable } from 'rxjs';
import type { VoltageSensor } from '../../src/ports/hardware.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import { ADS1115_CONFIG, ADS1115_CONVERSION, ADS1115_CONVERSION_MS, ads1115ConfigBytes, ads1115ToVolts } from '../../src/domain/hardware/ads1115.js';
import type { I2cBus } from '../../src/domain/hardware/i2c.js';
import { isPlugged, ppOhms, PpClassifier, type PpClass, type PpDivider, type PpThresholds } from '../../src/domain/hardware/pp.js';
import type { Clock } from '../../src/ports/clock.js';
import { wallClock } from '../../drivers/clock/index.js';
import { errorMessage } from '../../src/errors.js';

type Channel = 0 | 1 | 2 | 3;

export interface Ads1115SamplerOptions {
  readonly address: number;
  readonly channels: readonly Channel[];
  readonly intervalMs: number;
  readonly logger?: Logger;
  readonly scheduler?: Clock;
}

export interface Ads1115Sampler {
  /** ADC volts of one input (NaN = unknown). */
  volts$(channel: Channel): Observable<number>;
  /** Stops sampling and closes the bus. */
  close(): Promise<void>;
}

export function createAds1115Sampler(bus: I2cBus, o: Ads1115SamplerOptions): Ads1115Sampler {
  const log = (o.logger ?? nullLogger).child('adc');
  const sched = o.scheduler ?? wallClock;
  // Unknown until the first conversion.
  const subjects = new Map(o.channels.map((c) => [c, new BehaviorSubject<number>(Number.NaN)] as const));
  const failures = new Map<Channel, number>(o.channels.map((c) => [c, 0]));
  let stopped = false;
  let timer: unknown;
  const wait = (ms: number) =>
    new Promise<void>((r) => {
      timer = sched.setTimeout(r, ms);
    });
  const loop = async (): Promise<void> => {
    while (!stopped) {
      for (const ch of o.channels) {
        if (stopped) break;
        const failed = failures.get(ch) ?? 0;
        try {
          await bus.write(o.address, ADS1115_CONFIG, ads1115ConfigBytes(ch));
          await wait(ADS1115_CONVERSION_MS);
          const raw = await bus.read(o.address, ADS1115_CONVERSION, 2);
          if (failed > 0) log.log('info', `ADC input AIN${ch} reads again`);
          failures.set(ch, 0);
          if (!stopped) subjects.get(ch)?.next(ads1115ToVolts(raw));
        } catch (e) {
          failures.set(ch, failed + 1);
          if (failed === 0) log.log('error', `ADC read of AIN${ch} failed`, { error: errorMessage(e) });
          if (failed + 1 >= 3 && !stopped) subjects.get(ch)?.next(Number.NaN);
        }
      }
      if (!stopped) await wait(o.intervalMs);
    }
  };
  void loop();
  const sameReading = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));
  return {
    volts$(channel) {
      const s = subjects.get(channel);
      if (!s) throw new Error(`ADS1115 input AIN${channel} is not sampled`);
      return s.pipe(distinctUntilChanged(sameReading));
    },
    async close() {
      stopped = true;
      if (timer !== undefined) sched.clearTimeout(timer);
      for (const s of subjects.values()) s.complete();
      await bus.close();
    },
  };
}

export interface AdcInletOptions {
  readonly address: number;
  readonly channel: Channel;
  /** Inlet volts per ADC volt (divider ratio). */
  readonly scale: number;
  readonly intervalMs: number;
  readonly logger?: Logger;
  readonly scheduler?: Clock;
}

export interface AdcInletSensor extends VoltageSensor {
  close(): Promise<void>;
}

/** Inlet volts from one sampled input: scaled by the divider, 0.1 V resolution, NaN passed on. */
export function inletVoltageFrom(sampler: Ads1115Sampler, channel: Channel, scale: number): VoltageSensor {
  return {
    volts$: sampler.volts$(channel).pipe(
      map((v) => (Number.isNaN(v) ? v : Math.round(Math.max(0, v * scale) * 10) / 10)),
      distinctUntilChanged((a, b) => a === b || (Number.isNaN(a) && Number.isNaN(b))),
    ),
  };
}

/** The inlet voltage on its own ADS1115 (a sampler of one channel). */
export function createAdcInletVoltage(bus: I2cBus, o: AdcInletOptions): AdcInletSensor {
  const sampler = createAds1115Sampler(bus, { address: o.address, channels: [o.channel], intervalMs: o.intervalMs, ...(o.logger ? { logger: o.logger } : {}), ...(o.scheduler ? { scheduler: o.scheduler } : {}) });
  return { ...inletVoltageFrom(sampler, o.channel, o.scale), close: () => sampler.close() };
}

export interface AdcProximity {
  /** Plugged while PP reads one of the four cable codes (after hysteresis). */
  readonly plugged$: Observable<boolean>;
  /** The cable's current capacity from its Rc (undefined while unplugged). */
  readonly cableAmps$: Observable<number | undefined>;
}

/**
 * PP through the ADC: Rc from the divider, classified with hysteresis. An unknown reading (NaN:
 * three failed conversions) or a short counts as unplugged — the session must stop when the
 * car can no longer tell that the cable is in — and is logged once per episode.
 */
export function adcProximity(volts$: Observable<number>, o: { divider: PpDivider; thresholds: PpThresholds; logger?: Logger }): AdcProximity {
  const log = (o.logger ?? nullLogger).child('board.pp');
  const classifier = new PpClassifier(o.thresholds);
  let last: PpClass | 'unknown' | undefined;
  const classes$ = volts$.pipe(
    map((v): PpClass | 'unknown' => {
      const ohms = ppOhms(v, o.divider);
      const c = Number.isNaN(ohms) ? 'unknown' : classifier.next(ohms);
      if (c !== last) {
        // Before the first conversion NaN only means "not measured yet": unplugged, but no failure.
        if (c === 'unknown' && last === undefined) log.log('debug', 'PP not measured yet: unplugged until the first conversion');
        else if (c === 'unknown') log.log('error', 'PP reading unknown (ADC failed): treated as unplugged');
        else if (c === 'short') log.log('error', `PP reads ${Math.round(ohms)} Ω: shorted to PE or a wiring fault (no IEC 61851-1 cable code): treated as unplugged`);
        else if (c === 'open') log.log('info', 'PP open: no plug');
        else log.log('info', `PP ${Math.round(ohms)} Ω: plug in, cable rated ${c} A`);
        last = c;
      }
      return c;
    }),
    // One classifier and one log line per reading, however many subscribers.
    shareReplay({ bufferSize: 1, refCount: true }),
  );
  return {
    plugged$: classes$.pipe(
      map((c) => c !== 'unknown' && isPlugged(c)),
      distinctUntilChanged(),
    ),
    cableAmps$: classes$.pipe(
      map((c) => (c !== 'unknown' && isPlugged(c) ? c : undefined)),
      distinctUntilChanged(),
    ),
  };
}
