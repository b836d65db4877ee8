// dieter profile: uhi22's Arduino output/ADC board on a serial line
// (hardware.serial_port, hardware.serial_baud), pyPLC's "dieter" device. EV role only.
import { err, ok, type Result } from '../../src/result.js';
import { defaultConfig } from '../../src/config/validate.js';
import { boardBattery } from '../../src/domain/ev-source/static.js';
import type { Board, BoardDrivers, BoardError, BoardOptions } from '../types.js';
import { createDieterEv } from './ev.js';

export async function load(options: BoardOptions, drivers?: BoardDrivers): Promise<Result<Board, BoardError>> {
  if (options.role !== 'pev') return err({ code: 'ROLE_NOT_SUPPORTED', message: `board 'dieter' is a vehicle interface; role '${options.role}' needs another board` });
  const config = options.config ?? defaultConfig();
  let line = drivers?.serial;
  if (!line) {
    const { openSerialPort } = await import('../../drivers/serial/serialport.js');
    const opened = await openSerialPort(config.hardware.serial_port, config.hardware.serial_baud);
    if (!opened.ok) return err({ code: 'HARDWARE_UNAVAILABLE', message: opened.error });
    line = opened.value;
  }
  const ev = createDieterEv(line, {
    battery: boardBattery(config.ev),
    voltsPerCount: config.hardware.dieter_volts_per_count,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
  });
  return ok({ name: 'dieter', ev, close: () => ev.close() });
}
