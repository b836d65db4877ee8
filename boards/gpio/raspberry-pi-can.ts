// raspberry-pi-can profile: the raspberry-pi EV board plus a CAN HAT (MCP2515,
// SocketCAN `can0`) and the CHAdeMO sequence signals on GPIO — the CCS-to-CHAdeMO
// bridge (ev.battery_source = "chademo", docs/chademo.md). The
// socketcan package is imported only here.
import { err, ok } from '../../src/result.js';
import { defaultConfig } from '../../src/config/validate.js';
import type { BoardOptions } from '../types.js';
import { createGpioChademoSignals } from './chademo.js';
import { loadGpioBoard } from './profile.js';
import { errorMessage } from '../../src/errors.js';

export async function load(options: BoardOptions) {
  const config = options.config ?? defaultConfig();
  const { openOnoffDriver } = await import('../../drivers/gpio/onoff.js');
  const d = await openOnoffDriver();
  if (!d.ok) return err({ code: 'HARDWARE_UNAVAILABLE' as const, message: d.error });
  const board = await loadGpioBoard('raspberry-pi-can', options, {}, d.value);
  if (!board.ok) return board;
  const c = config.chademo;
  const off = config.hardware.gpio_chip_offset;
  const p = (n: number) => (n >= 0 ? n + off : -1);
  let signals;
  try {
    signals = createGpioChademoSignals(
      d.value,
      { d1: p(c.pin_d1), d2: p(c.pin_d2), k: p(c.pin_k), lock: p(c.pin_lock), unlock: p(c.pin_unlock), lockFeedback: p(c.pin_lock_feedback) },
      { lockPulseMs: config.hardware.lock_pulse, ...(options.logger ? { logger: options.logger } : {}), ...(options.scheduler ? { scheduler: options.scheduler } : {}) },
    );
  } catch (e) {
    await board.value.close();
    return err({ code: 'BAD_CONFIG' as const, message: errorMessage(e) });
  }
  const { openSocketCan } = await import('../../drivers/can/socketcan.js');
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
