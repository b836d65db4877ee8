// Shared loader of the GPIO profiles: pins from [hardware] (board defaults for
// unset ones), the onoff driver loaded only here.
import { Subject } from 'rxjs';
import { err, ok, type Result } from '../../src/result.js';
import { defaultConfig } from '../../src/config/validate.js';
import type { TsplcConfig } from '../../src/config/schema.js';
import type { Board, BoardError, BoardOptions } from '../types.js';
import type { Display } from '../../src/ports/hardware.js';
import { boardBattery } from '../../src/ev-source/static.js';
import { createGpioEv, type GpioDriver, type GpioEvPins } from './ev.js';
import { errorMessage } from '../../src/errors.js';

export function pinsOf(config: TsplcConfig, defaults: Partial<GpioEvPins>): GpioEvPins {
  const h = config.hardware;
  const pick = (v: number, d: number | undefined): number => (v >= 0 ? v + h.gpio_chip_offset : d !== undefined && d >= 0 ? d + h.gpio_chip_offset : -1);
  return {
    cpStateC: pick(h.pin_cp_state_c, defaults.cpStateC),
    contactor: pick(h.pin_contactor, defaults.contactor),
    contactor2: pick(h.pin_contactor2, defaults.contactor2),
    contactorFeedback: pick(h.pin_contactor_feedback, defaults.contactorFeedback),
    lock: pick(h.pin_lock, defaults.lock),
    unlock: pick(h.pin_unlock, defaults.unlock),
    lockFeedback: pick(h.pin_lock_feedback, defaults.lockFeedback),
    pp: pick(h.pin_pp, defaults.pp),
    cpPwm: pick(h.pin_cp_pwm, defaults.cpPwm),
  };
}

const pinKeys: Record<keyof GpioEvPins, string> = {
  cpStateC: 'hardware.pin_cp_state_c',
  contactor: 'hardware.pin_contactor',
  contactor2: 'hardware.pin_contactor2',
  contactorFeedback: 'hardware.pin_contactor_feedback',
  lock: 'hardware.pin_lock',
  unlock: 'hardware.pin_unlock',
  lockFeedback: 'hardware.pin_lock_feedback',
  pp: 'hardware.pin_pp',
  cpPwm: 'hardware.pin_cp_pwm',
};

/** Two functions on one pin (a typo, or a board default under a configured pin): refused at start, with the key names. */
export function pinCollisions(pins: GpioEvPins): string[] {
  const byPin = new Map<number, string[]>();
  for (const [k, pin] of Object.entries(pins) as [keyof GpioEvPins, number][]) {
    if (pin < 0) continue;
    byPin.set(pin, [...(byPin.get(pin) ?? []), pinKeys[k]]);
  }
  return [...byPin].filter(([, keys]) => keys.length > 1).map(([pin, keys]) => `GPIO ${pin} is used by ${keys.join(' and ')}`);
}

export async function loadGpioBoard(name: string, options: BoardOptions, defaults: Partial<GpioEvPins>, driver?: GpioDriver): Promise<Result<Board, BoardError>> {
  if (options.role !== 'pev') return err({ code: 'ROLE_NOT_SUPPORTED', message: `board '${name}' drives the vehicle side only; role '${options.role}' needs another board` });
  const config = options.config ?? defaultConfig();
  const collisions = pinCollisions(pinsOf(config, defaults));
  if (collisions.length) return err({ code: 'BAD_CONFIG', message: `pin collision: ${collisions.join('; ')}` });
  let gpio = driver;
  if (!gpio) {
    const { openOnoffDriver } = await import('../../drivers/gpio/onoff.js');
    const d = await openOnoffDriver();
    if (!d.ok) return err({ code: 'HARDWARE_UNAVAILABLE', message: d.error });
    gpio = d.value;
  }
  let inletVoltage;
  if (config.hardware.inlet_adc === 'ads1115') {
    const { openI2cBus } = await import('../../drivers/i2c/i2c-bus.js');
    const bus = await openI2cBus(config.hardware.i2c_bus);
    if (!bus.ok) {
      await gpio.close();
      return err({ code: 'HARDWARE_UNAVAILABLE', message: bus.error });
    }
    const { createAdcInletVoltage } = await import('./adc.js');
    inletVoltage = createAdcInletVoltage(bus.value, {
      address: config.hardware.adc_address,
      channel: config.hardware.adc_channel as 0 | 1 | 2 | 3,
      scale: config.hardware.inlet_voltage_scale,
      intervalMs: config.hardware.adc_interval,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    });
  }
  let ev;
  try {
    ev = createGpioEv(gpio, {
      pins: pinsOf(config, defaults),
      lockPulseMs: config.hardware.lock_pulse,
      ppActiveLow: config.hardware.pp_active_low,
      // No BMS on GPIO: the battery source (ev.battery_source) supplies the pack facts.
      battery: boardBattery(config.ev),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      ...(inletVoltage ? { inletVoltage } : {}),
    });
  } catch (e) {
    await inletVoltage?.close();
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
      const { createSerialOledDisplay } = await import('../../src/hardware/serial-oled.js');
      display = createSerialOledDisplay(link.value);
    }
  }
  // The display's page button (display.button_pin): wired to ground with a pull-up, so a press is a falling edge.
  const buttonPin = config.display.button_pin;
  const presses = buttonPin >= 0 ? new Subject<void>() : undefined;
  if (presses) gpio.input(buttonPin + config.hardware.gpio_chip_offset, (high) => !high && presses.next());
  const withDisplay = { ...ev, ...(display ? { display } : {}), ...(presses ? { displayButton: { presses$: presses.asObservable() } } : {}) };
  return ok({
    name,
    ev: withDisplay,
    close: async () => {
      await display?.close();
      await ev.close();
    },
  });
}
