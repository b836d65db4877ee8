// raspberry-pi-can profile: the raspberry-pi EV board plus a CAN HAT (MCP2515,
// SocketCAN `can0`) and the CHAdeMO sequence signals on GPIO — the CCS-to-CHAdeMO
// bridge (ev.battery_source = "chademo", docs/chademo.md). The
// socketcan package is imported only here.
import { err, ok } from '../../src/result.js';
import { defaultConfig } from '../../src/config/validate.js';
import type { BoardDrivers, BoardOptions } from '../types.js';
import { createGpioChademoSignals } from './chademo.js';
import { gpioPinsOf, loadGpioBoard, openGpioDriver } from './profile.js';
import { errorMessage } from '../../src/errors.js';

export async function load(options: BoardOptions, drivers?: BoardDrivers) {
  const config = options.config ?? defaultConfig();
  // Pins first (names, collisions between [hardware] and [chademo]), before any line is requested.
  const pins = gpioPinsOf(config, 'raspberry-pi-can');
  if (!pins.ok) return err({ code: 'BAD_CONFIG' as const, message: pins.error });
  let gpio = drivers?.gpio;
  if (!gpio) {
    const d = await openGpioDriver(config, 'raspberry-pi-can', options.logger);
    if (!d.ok) return d;
    gpio = d.value;
  }
  const board = await loadGpioBoard('raspberry-pi-can', options, { ...drivers, gpio });
  if (!board.ok) return board;
  let signals;
  try {
    signals = createGpioChademoSignals(
      gpio,
      pins.value.chademo,
      { lockPulseMs: config.hardware.lock_pulse, ...(options.logger ? { logger: options.logger } : {}), ...(options.scheduler ? { scheduler: options.scheduler } : {}) },
    );
  } catch (e) {
    await board.value.close();
    return err({ code: 'BAD_CONFIG' as const, message: errorMessage(e) });
  }
  const { openSocketCan } = await import('../../drivers/can/socketcan.js');
  const c = config.chademo;
  const can = await openSocketCan(c.can_interface, c.can_bitrate);
  if (!can.ok) {
    await signals.close();
    await board.value.close();
    return err({ code: 'HARDWARE_UNAVAILABLE' as const, message: can.error.message });
  }
  const canPort = can.value;
  return ok({
    ...board.value,
    chademo: { can: canPort, signals },
    close: async () => {
      await canPort.close();
      await signals.close();
      await board.value.close();
    },
  });
}
