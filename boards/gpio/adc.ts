// Inlet voltage through an ADS1115 behind a resistive divider: a conversion
// every intervalMs, scaled by the divider ratio. A failed read keeps the last
// value for two more tries, then reports NaN ("unknown"): every consumer must
// treat NaN as not safe (the SafeShutdownSequence does: NaN < 60 is false).
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import type { VoltageSensor } from '../../src/ports/hardware.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import { ADS1115_CONFIG, ADS1115_CONVERSION, ADS1115_CONVERSION_MS, ads1115ConfigBytes, ads1115ToVolts } from '../../src/hardware/ads1115.js';
import type { I2cBus } from '../../src/hardware/i2c.js';
import { realScheduler, type Scheduler } from '../sim/scheduler.js';
import { errorMessage } from '../../src/errors.js';

export interface AdcInletOptions {
  readonly address: number;
  readonly channel: 0 | 1 | 2 | 3;
  /** Inlet volts per ADC volt (divider ratio). */
  readonly scale: number;
  readonly intervalMs: number;
  readonly logger?: Logger;
  readonly scheduler?: Scheduler;
}

export interface AdcInletSensor extends VoltageSensor {
  close(): Promise<void>;
}

export function createAdcInletVoltage(bus: I2cBus, o: AdcInletOptions): AdcInletSensor {
  const log = (o.logger ?? nullLogger).child('adc');
  const sched = o.scheduler ?? realScheduler;
  // Unknown until the first conversion.
  const volts = new BehaviorSubject<number>(Number.NaN);
  let failures = 0;
  let stopped = false;
  let timer: unknown;
  const wait = (ms: number) =>
    new Promise<void>((r) => {
      timer = sched.setTimeout(r, ms);
    });
  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        await bus.write(o.address, ADS1115_CONFIG, ads1115ConfigBytes(o.channel));
        await wait(ADS1115_CONVERSION_MS);
        const raw = await bus.read(o.address, ADS1115_CONVERSION, 2);
        const v = Math.max(0, ads1115ToVolts(raw) * o.scale);
        if (failures > 0) log.log('info', 'inlet voltage ADC reads again');
        failures = 0;
        if (!stopped) volts.next(Math.round(v * 10) / 10);
      } catch (e) {
        failures++;
        if (failures === 1) log.log('error', 'inlet voltage ADC read failed', { error: errorMessage(e) });
        if (failures >= 3 && !stopped) volts.next(Number.NaN);
      }
      if (!stopped) await wait(o.intervalMs);
    }
  };
  void loop();
  return {
    volts$: volts.pipe(distinctUntilChanged((a, b) => a === b || (Number.isNaN(a) && Number.isNaN(b)))) as Observable<number>,
    async close() {
      stopped = true;
      if (timer !== undefined) sched.clearTimeout(timer);
      volts.complete();
      await bus.close();
    },
  };
}
