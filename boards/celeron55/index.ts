// celeron55 profile: celeron55's CCS interface board on a serial line
// (hardware.serial_port, hardware.serial_baud). EV role only: the board is a
// vehicle-side interface (inlet voltage, BMS SOC and current limit, contactor).
import { err, ok, type Result } from '../../src/result.js';
import { defaultConfig } from '../../src/config/validate.js';
import type { Board, BoardDrivers, BoardError, BoardOptions } from '../types.js';
import { createCeleron55Ev } from './ev.js';

export async function load(options: BoardOptions, drivers?: BoardDrivers): Promise<Result<Board, BoardError>> {
  if (options.role !== 'pev') return err({ code: 'ROLE_NOT_SUPPORTED', message: `board 'celeron55' is a vehicle interface; role '${options.role}' needs another board` });
  const config = options.config ?? defaultConfig();
  let line = drivers?.serial;
  if (!line) {
    const { openSerialPort } = await import('../../drivers/serial/serialport.js');
    const link = await openSerialPort(config.hardware.serial_port, config.hardware.serial_baud);
    if (!link.ok) return err({ code: 'HARDWARE_UNAVAILABLE', message: link.error });
    line = link.value;
  }
  const ev = createCeleron55Ev(line, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    maxVoltage: config.ev.max_voltage,
    capacityWh: config.ev.battery_capacity_wh,
    lockPulseMs: config.hardware.lock_pulse,
  });
  return ok({ name: 'celeron55', ev, close: () => ev.close() });
}
