// Shared loader of the GPIO profiles: pins from [hardware] by name (board
// defaults for unset ones, src/config/pins.ts), the GPIO backend the config
// chooses (character device by default, sysfs through onoff), the ADS1115 for
// the inlet voltage and PP. Drivers are loaded only here.
import { Subject } from 'rxjs';
import { err, ok, type Result } from '../../src/result.js';
import { defaultConfig } from '../../src/config/validate.js';
import type { TsplcConfig } from '../../src/config/schema.js';
import type { Board, BoardDrivers, BoardError, BoardOptions } from '../types.js';
import type { Logger } from '../../src/ports/log.js';
import { gpioBoardOf } from '../../src/domain/hardware/pins.js';
import { chademoPinKeys, evPinKeys, resolveConfigPins } from '../../src/config/pins.js';
import type { GpioChademoPins } from './chademo.js';
import type { Display } from '../../src/ports/hardware.js';
import { boardBattery } from '../../src/domain/ev-source/static.js';
import { createGpioEv, type GpioDriver, type GpioEvPins } from './ev.js';
import { errorMessage } from '../../src/errors.js';

/** The GPIO boards and the pin numbering they use (src/domain/hardware/pins.ts). */
export type GpioProfileName = 'raspberry-pi' | 'raspberry-pi-can' | 'beaglebone';

export interface GpioBoardPins {
  /** Board GPIO numbers (BCM; 32 × bank + bit), -1 = not fitted. */
  readonly ev: GpioEvPins;
  readonly button: number;
  readonly chademo: GpioChademoPins;
}

/**
 * Every pin of the profile, resolved from its name (or number) with the board's defaults for
 * unset keys. Unknown names and two keys on one pin are refused here with the key names; the
 * same check runs in validateConfig, so `tsplc config check` reports them too.
 */
export function gpioPinsOf(config: TsplcConfig, name: GpioProfileName): Result<GpioBoardPins, string> {
  const r = resolveConfigPins(config, name);
  if (!r) return err(`board '${name}' has no GPIO pins`);
  if (!r.ok) return err(r.error.map((e) => (e.message.startsWith('pin collision') ? e.message : `${e.key}: ${e.message}`)).join('; '));
  const n = (key: string): number => r.value.get(key)?.gpio ?? -1;
  const h = (k: (typeof evPinKeys)[number]): number => n(`hardware.${k}`);
  const c = (k: (typeof chademoPinKeys)[number]): number => n(`chademo.${k}`);
  return ok({
    ev: {
      cpStateC: h('pin_cp_state_c'),
      contactor: h('pin_contactor'),
      contactor2: h('pin_contactor2'),
      contactorFeedback: h('pin_contactor_feedback'),
      lock: h('pin_lock'),
      unlock: h('pin_unlock'),
      lockFeedback: h('pin_lock_feedback'),
      pp: h('pin_pp'),
      cpPwm: h('pin_cp_pwm'),
    },
    button: n('display.button_pin'),
    chademo: { d1: c('pin_d1'), d2: c('pin_d2'), k: c('pin_k'), lock: c('pin_lock'), unlock: c('pin_unlock'), lockFeedback: c('pin_lock_feedback') },
  });
}

/** hardware.gpio_backend, "board" resolved: every GPIO profile defaults to the character device (sysfs is deprecated, and moved on the Pi 5). */
export function gpioBackendOf(config: TsplcConfig): 'gpiochip' | 'sysfs' {
  return config.hardware.gpio_backend === 'sysfs' ? 'sysfs' : 'gpiochip';
}

/**
 * Opens the GPIO driver the config chooses for a profile: the character device (chips found by
 * label, or hardware.gpio_chip) or onoff's sysfs lines (hardware.gpio_chip_offset added). For the
 * profiles and `tsplc hw-test`; failures are HARDWARE_UNAVAILABLE with what to check.
 */
export async function openGpioDriver(config: TsplcConfig, name: GpioProfileName | 'raspberry-pi-relay', logger?: Logger): Promise<Result<GpioDriver, BoardError>> {
  const board = gpioBoardOf(name);
  if (!board) return err({ code: 'BAD_CONFIG', message: `board '${name}' has no GPIO` });
  if (gpioBackendOf(config) === 'sysfs') {
    const { openOnoffDriver } = await import('../../drivers/gpio/onoff.js');
    const d = await openOnoffDriver({ offset: config.hardware.gpio_chip_offset });
    return d.ok ? d : err({ code: 'HARDWARE_UNAVAILABLE', message: `GPIO (sysfs): ${d.error}` });
  }
  const { openGpiochipDriver } = await import('../../drivers/gpio/gpiochip.js');
  const log = logger?.child('board.gpio');
  const d = await openGpiochipDriver({
    board,
    ...(config.hardware.gpio_chip ? { chip: config.hardware.gpio_chip } : {}),
    onError: (e) => log?.log('error', `GPIO ${e.code}: ${e.message}`),
  });
  return d.ok ? d : err({ code: 'HARDWARE_UNAVAILABLE', message: `GPIO (gpiochip) ${d.error.code}: ${d.error.message}` });
}

export async function loadGpioBoard(name: GpioProfileName, options: BoardOptions, drivers?: BoardDrivers): Promise<Result<Board, BoardError>> {
  if (options.role !== 'pev') return err({ code: 'ROLE_NOT_SUPPORTED', message: `board '${name}' drives the vehicle side only; role '${options.role}' needs another board` });
  const config = options.config ?? defaultConfig();
  const pins = gpioPinsOf(config, name);
  if (!pins.ok) return err({ code: 'BAD_CONFIG', message: pins.error });
  let gpio = drivers?.gpio;
  if (!gpio) {
    const d = await openGpioDriver(config, name, options.logger);
    if (!d.ok) return d;
    gpio = d.value;
  }
  const h = config.hardware;
  // One ADS1115 sampler for the inlet voltage and PP: the chip converts one input at a time.
  const channels = [...(h.inlet_adc === 'ads1115' ? [h.adc_channel] : []), ...(h.pp_adc === 'ads1115' ? [h.pp_adc_channel] : [])] as (0 | 1 | 2 | 3)[];
  let sampler: import('./adc.js').Ads1115Sampler | undefined;
  let inletVoltage: import('../../src/ports/hardware.js').VoltageSensor | undefined;
  let ppPlugged$: import('rxjs').Observable<boolean> | undefined;
  if (channels.length) {
    let bus = drivers?.i2c;
    if (!bus) {
      const { openI2cBus } = await import('../../drivers/i2c/i2c-bus.js');
      const opened = await openI2cBus(h.i2c_bus);
      if (!opened.ok) {
        await gpio.close();
        return err({ code: 'HARDWARE_UNAVAILABLE', message: opened.error });
      }
      bus = opened.value;
    }
    const { createAds1115Sampler, inletVoltageFrom, adcProximity } = await import('./adc.js');
    sampler = createAds1115Sampler(bus, {
      address: h.adc_address,
      channels,
      intervalMs: h.adc_interval,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    });
    if (h.inlet_adc === 'ads1115') inletVoltage = inletVoltageFrom(sampler, h.adc_channel as 0 | 1 | 2 | 3, h.inlet_voltage_scale);
    if (h.pp_adc === 'ads1115')
      ppPlugged$ = adcProximity(sampler.volts$(h.pp_adc_channel as 0 | 1 | 2 | 3), {
        divider: { pullupOhms: h.pp_pullup, supplyVolts: h.pp_supply_voltage },
        thresholds: { openOhms: h.pp_open_threshold, hysteresisPercent: h.pp_hysteresis },
        ...(options.logger ? { logger: options.logger } : {}),
      }).plugged$;
  }
  const adc = sampler;
  let ev;
  try {
    ev = createGpioEv(gpio, {
      pins: pins.value.ev,
      lockPulseMs: config.hardware.lock_pulse,
      ppActiveLow: config.hardware.pp_active_low,
      // No BMS on GPIO: the battery source (ev.battery_source) supplies the pack facts.
      battery: boardBattery(config.ev),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      ...(inletVoltage ? { inletVoltage: { ...inletVoltage, close: () => adc?.close() ?? Promise.resolve() } } : {}),
      ...(ppPlugged$ ? { plugged$: ppPlugged$ } : {}),
    });
  } catch (e) {
    await adc?.close();
    await gpio.close();
    return err({ code: 'HARDWARE_UNAVAILABLE', message: `GPIO setup failed: ${errorMessage(e)}` });
  }
  let display: (Display & { close(): Promise<void> }) | undefined;
  if (config.hardware.display === 'serial') {
    const { openSerialPort } = await import('../../drivers/serial/serialport.js');
    const port = config.hardware.display_serial_port || config.hardware.serial_port;
    const link = await openSerialPort(port, config.hardware.serial_baud);
    if (!link.ok) {
      // A missing display is not a reason to refuse charging: log and go on without it.
      options.logger?.child('board.gpio').log('warn', `serial display unavailable: ${link.error}`);
    } else {
      const { createSerialOledDisplay } = await import('../../src/domain/hardware/serial-oled.js');
      display = createSerialOledDisplay(link.value);
    }
  }
  // The display's page button (display.button_pin): wired to ground with a pull-up, so a press is a falling edge.
  const buttonPin = pins.value.button;
  const presses = buttonPin >= 0 ? new Subject<void>() : undefined;
  if (presses) gpio.input(buttonPin, (high) => !high && presses.next());
  const withDisplay = { ...ev, ...(display ? { display } : {}), ...(presses ? { displayButton: { presses$: presses.asObservable() } } : {}) };
  return ok({
    name,
    ev: withDisplay,
    close: async () => {
      await display?.close();
      await ev.close();
      // The inlet sensor's close() already stopped a shared sampler; a PP-only sampler is stopped here.
      if (!inletVoltage) await adc?.close();
    },
  });
}
