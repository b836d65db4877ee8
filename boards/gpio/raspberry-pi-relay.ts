// raspberry-pi-relay profile: both control pilots of `tsplc relay` (docs/relay.md, docs/boards.md)
// on one Raspberry Pi.
//
//   car side (the relay is the car's EVSE): a hardware PWM channel (/sys/class/pwm, relay.pwm_chip /
//     relay.pwm_channel, routed to relay.pin_car_cp_pwm) into a ±12 V CP driver with the EVSE's
//     1 kΩ source resistor; the CP's positive level through a peak hold and a divider into an
//     ADS1115 input (relay.car_cp_adc_channel on hardware.i2c_bus / hardware.adc_address) — the
//     car's state A/B/C/D/E/F from that level (IEC 61851-1 Table A.4).
//   charger side (the relay is the charger's EV): the EV's CP loads behind the diode, switched by
//     GPIO outputs (relay.pin_charger_cp_b: 2.74 kΩ, relay.pin_charger_cp_c: 1.3 kΩ, optional
//     relay.pin_charger_cp_d: 270 Ω), and a comparator on the charger's CP into a GPIO input
//     (relay.pin_charger_cp_pwm) whose edges give the charger's duty cycle (src/domain/hardware/pwm.ts).
//
// Only role 'relay' is built: the board has no power stage, contactors or battery. Drivers (PWM,
// I2C, GPIO) are opened here only, each closed again when a later one fails.
import { BehaviorSubject, distinctUntilChanged, map, type Observable } from 'rxjs';
import { err, ok, type Result } from '../../src/result.js';
import { defaultConfig } from '../../src/config/validate.js';
import { resolveConfigPins } from '../../src/config/pins.js';
import type { TsplcConfig } from '../../src/config/schema.js';
import type { ControlPilot, CpState } from '../../src/ports/hardware.js';
import type { GpioDriver } from '../../src/ports/gpio.js';
import type { PwmChannel } from '../../src/ports/pwm.js';
import { nullLogger } from '../../src/ports/log.js';
import { PwmMeter } from '../../src/domain/hardware/pwm.js';
import { wallClock } from '../../drivers/clock/index.js';
import type { Board, BoardDrivers, BoardError, BoardOptions } from '../types.js';
import { openGpioDriver } from './profile.js';
import { errorMessage } from '../../src/errors.js';

const NAME = 'raspberry-pi-relay';
/** IEC 61851-1: the CP PWM runs at 1 kHz. */
export const CP_PWM_FREQUENCY_HZ = 1000;

/** The board's GPIO numbers (BCM), resolved from [relay] with the board's defaults (src/config/pins.ts); -1 = not fitted. */
export interface RelayBoardPins {
  readonly carCpPwm: number;
  readonly chargerCpB: number;
  readonly chargerCpC: number;
  readonly chargerCpD: number;
  readonly chargerCpPwm: number;
}

/**
 * The pins of the profile; unknown names and two keys on one pin are refused with the key names (as
 * validateConfig does). An unset key (-1) takes the board's wiring (relayDefaultPins); only the D load is optional.
 */
export function relayPinsOf(config: TsplcConfig): Result<RelayBoardPins, string> {
  const r = resolveConfigPins(config, NAME);
  if (!r) return err(`board '${NAME}' has no GPIO pins`);
  if (!r.ok) return err(r.error.map((e) => (e.message.startsWith('pin collision') ? e.message : `${e.key}: ${e.message}`)).join('; '));
  const n = (key: string): number => r.value.get(`relay.${key}`)?.gpio ?? -1;
  return ok({ carCpPwm: n('pin_car_cp_pwm'), chargerCpB: n('pin_charger_cp_b'), chargerCpC: n('pin_charger_cp_c'), chargerCpD: n('pin_charger_cp_d'), chargerCpPwm: n('pin_charger_cp_pwm') });
}

/**
 * The car's CP state from the CP's positive level, V (IEC 61851-1 Table A.4: A 12 V, B 9 V, C 6 V,
 * D 3 V, E 0 V, F −12 V; each ±1 V). The boundaries are the midpoints; a level within `hysteresis`
 * of the boundary to the previous state keeps that state, so a reading at a boundary does not
 * toggle. An unknown reading (NaN: the ADC failed) is E, an error state the relay never passes on
 * as a car's request.
 */
export function cpStateOfVolts(volts: number, previous?: CpState, hysteresis = 0.5): CpState {
  if (Number.isNaN(volts)) return 'E';
  const bands: readonly (readonly [CpState, number])[] = [
    ['A', 10.5],
    ['B', 7.5],
    ['C', 4.5],
    ['D', 1.5],
    ['E', -6],
  ];
  const plain = (v: number): CpState => bands.find(([, low]) => v >= low)?.[0] ?? 'F';
  const s = plain(volts);
  if (previous === undefined || s === previous) return s;
  // Near a boundary of the previous band: stay.
  return plain(volts + hysteresis) === previous || plain(volts - hysteresis) === previous ? previous : s;
}

export interface RelayCarSideOptions {
  /** The car's CP level, V (NaN = unknown). */
  readonly cpVolts$: Observable<number>;
  readonly pwm: PwmChannel;
}

/**
 * The car side: an EVSE's CP. setDutyCycle drives the PWM (5 % = digital communication, 100 = steady
 * +12 V); setState('F') is the EVSE's error level (steady −12 V, duty 0); A/B/C only resume the
 * duty last asked for (an EVSE cannot force the car's state). The state is the measured one.
 */
export function relayCarSide(o: RelayCarSideOptions): ControlPilot {
  let last: CpState | undefined;
  let duty = o.pwm.dutyCycle;
  const duty$ = new BehaviorSubject(duty);
  return {
    state$: o.cpVolts$.pipe(
      map((v) => (last = cpStateOfVolts(v, last))),
      distinctUntilChanged(),
    ),
    dutyCycle$: duty$.pipe(distinctUntilChanged()),
    setState(s) {
      o.pwm.setDutyCycle(s === 'F' ? 0 : duty);
      duty$.next(s === 'F' ? 0 : duty);
    },
    setDutyCycle(percent) {
      duty = Math.min(100, Math.max(0, percent));
      o.pwm.setDutyCycle(duty);
      duty$.next(duty);
    },
  };
}

export interface RelayChargerSide extends ControlPilot {
  close(): void;
}

/**
 * The charger side: an EV's CP. A = no load (the relay presents no car), B = 2.74 kΩ, C = B + 1.3 kΩ,
 * D = B + 270 Ω (C with a warning when no D load is fitted); E/F cannot be presented by an EV's loads
 * and become A. The state is the one switched; the duty is measured from the comparator's edges.
 */
export function relayChargerSide(gpio: GpioDriver, pins: RelayBoardPins, o: { logger?: import('../../src/ports/log.js').Logger; scheduler?: import('../../src/ports/clock.js').Clock } = {}): RelayChargerSide {
  const log = (o.logger ?? nullLogger).child('board.relay');
  const sched = o.scheduler ?? wallClock;
  const b = gpio.output(pins.chargerCpB);
  const c = gpio.output(pins.chargerCpC);
  const d = pins.chargerCpD >= 0 ? gpio.output(pins.chargerCpD) : undefined;
  const state = new BehaviorSubject<CpState>('A');
  const switchTo = (s: CpState): void => {
    const want: CpState = s === 'D' && !d ? 'C' : s === 'E' || s === 'F' ? 'A' : s;
    if (want !== s) log.log('warn', `CP state ${s} cannot be presented by the charger-side loads: state ${want}`);
    // Make before break is not needed here: every load is in parallel behind the one diode.
    b.write(want !== 'A');
    c.write(want === 'C');
    d?.write(want === 'D');
    state.next(want);
  };
  switchTo('A');
  const meter = new PwmMeter({ steadyAfterMs: 20 });
  const duty = new BehaviorSubject(0);
  const line = gpio.input(
    pins.chargerCpPwm,
    (high) => {
      const v = meter.edge(high, sched.now());
      if (v !== undefined && v !== duty.getValue()) duty.next(v);
    },
    { debounceMs: 0 },
  );
  meter.setLevel(line.read());
  duty.next(meter.tick(sched.now()) ?? 0);
  let timer: unknown;
  let done = false;
  // A steady line has no edges: look every 50 ms (IEC 61851-1 gives the EVSE seconds to switch its PWM).
  const poll = (): void => {
    timer = sched.setTimeout(() => {
      if (done) return;
      const v = meter.tick(sched.now());
      if (v !== undefined && v !== duty.getValue()) duty.next(v);
      poll();
    }, 50);
  };
  poll();
  return {
    state$: state.pipe(distinctUntilChanged()),
    dutyCycle$: duty.pipe(distinctUntilChanged()),
    setState: switchTo,
    close() {
      if (done) return;
      done = true;
      sched.clearTimeout(timer);
      // No load: towards the charger the relay is unplugged.
      b.write(false);
      c.write(false);
      d?.write(false);
      state.complete();
      duty.complete();
    },
  };
}

export async function load(options: BoardOptions, drivers?: BoardDrivers): Promise<Result<Board, BoardError>> {
  if (options.role !== 'relay') return err({ code: 'ROLE_NOT_SUPPORTED', message: `board '${NAME}' is the two control pilots of tsplc relay (no power stage, contactors or battery); role '${options.role}' needs another board` });
  const config = options.config ?? defaultConfig();
  const pins = relayPinsOf(config);
  if (!pins.ok) return err({ code: 'BAD_CONFIG', message: pins.error });
  const r = config.relay;
  const h = config.hardware;
  const log = (options.logger ?? nullLogger).child('board.relay');

  // 1. The car side's PWM.
  let pwmDriver = drivers?.pwm;
  if (!pwmDriver) {
    const { sysfsPwmDriver } = await import('../../drivers/pwm/sysfs.js');
    pwmDriver = sysfsPwmDriver({ onError: (e) => log.log('error', `PWM ${e.code}: ${e.message}`) });
  }
  const pwm = await pwmDriver.open(r.pwm_chip, r.pwm_channel, CP_PWM_FREQUENCY_HZ);
  if (!pwm.ok) return err({ code: 'HARDWARE_UNAVAILABLE', message: `car-side CP PWM ${pwm.error.code}: ${pwm.error.message}` });
  // 2. The car side's CP measurement.
  let bus = drivers?.i2c;
  if (!bus) {
    const { openI2cBus } = await import('../../drivers/i2c/i2c-bus.js');
    const opened = await openI2cBus(h.i2c_bus);
    if (!opened.ok) {
      await pwm.value.close();
      return err({ code: 'HARDWARE_UNAVAILABLE', message: `car-side CP ADC: ${opened.error}` });
    }
    bus = opened.value;
  }
  const { createAds1115Sampler } = await import('./adc.js');
  const channel = r.car_cp_adc_channel as 0 | 1 | 2 | 3;
  const sampler = createAds1115Sampler(bus, {
    address: h.adc_address,
    channels: [channel],
    intervalMs: r.car_cp_adc_interval,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
  });
  const carSide = relayCarSide({ cpVolts$: sampler.volts$(channel).pipe(map((v) => v * r.car_cp_scale)), pwm: pwm.value });
  // 3. The charger side's loads and duty input.
  let gpio = drivers?.gpio;
  if (!gpio) {
    const d = await openGpioDriver(config, NAME, options.logger);
    if (!d.ok) {
      await sampler.close();
      await pwm.value.close();
      return d;
    }
    gpio = d.value;
  }
  let chargerSide: RelayChargerSide;
  try {
    chargerSide = relayChargerSide(gpio, pins.value, { ...(options.logger ? { logger: options.logger } : {}), ...(options.scheduler ? { scheduler: options.scheduler } : {}) });
  } catch (e) {
    await gpio.close();
    await sampler.close();
    await pwm.value.close();
    return err({ code: 'HARDWARE_UNAVAILABLE', message: `charger-side CP GPIO: ${errorMessage(e)}` });
  }
  const g = gpio;
  let closed = false;
  return ok({
    name: NAME,
    relay: { carSide, chargerSide },
    close: async () => {
      if (closed) return;
      closed = true;
      chargerSide.close();
      await g.close();
      await sampler.close();
      // Steady +12 V towards the car: no PWM, no charger.
      await pwm.value.close();
    },
  });
}
