// SSD1306 (128×64, 128×32) and SH1106 (128×64) panels on I2C, driven through
// the I2C bus port (src/ports/i2c.ts; drivers/i2c over the optional `i2c-bus`
// package, loaded only when a board uses the panel; the twin in tests and sim).
//
// Why not `oled-i2c-bus` (which the design card named): it writes with
// i2cWriteSync, so a 1 KiB frame blocks the event loop for ~25 ms at 400 kHz
// (~100 ms at 100 kHz) — the V2G loop would wait; it runs its update in a
// setTimeout with no callback or promise, so a bus error is thrown from a
// timer and kills the process; it has no SH1106 support (no 132-column RAM
// offset, it relies on 21h/22h which the SH1106 lacks); and its partial update
// sends 7 writes (14 bytes) per changed byte or falls back to the whole frame.
// Here every write is asynchronous (i2cWrite), one write per changed page run
// (docs/display.md has the byte counts), errors reject the draw's promise.
import { DisplayError } from '../../src/outputs/display/errors.js';
import type { Framebuffer } from '../../src/outputs/display/framebuffer.js';
import { contrastCommand, frameWrites, initCommands, powerCommand, type PanelInit } from '../../src/outputs/display/ssd1306.js';
import type { PixelPanel } from '../../src/ports/display.js';
import { I2cError, type I2cBus } from '../../src/ports/i2c.js';
import { err, ok, type Result } from '../../src/result.js';
import { openI2cBus } from '../i2c/i2c-bus.js';
import { errorMessage } from '../../src/errors.js';

export interface I2cPanelOptions extends PanelInit {
  readonly address: number;
}

export interface I2cPanel extends PixelPanel {
  setContrast(contrast: number): Promise<void>;
  setPower(on: boolean): Promise<void>;
}

/** The panel over the I2C bus port (drivers/i2c, or its twin drivers/i2c/memory.ts with the SSD1306 twin as the device). */
export async function createI2cPanel(bus: I2cBus, o: I2cPanelOptions): Promise<I2cPanel> {
  let bytes = 0;
  let shown: Framebuffer | undefined;
  const send = async (b: Uint8Array): Promise<void> => {
    try {
      await bus.send(o.address, b);
    } catch (e) {
      throw e instanceof I2cError && e.code === 'SHORT' ? new DisplayError('WRITE_FAILED', e.detail) : e;
    }
    bytes += b.length;
  };
  await send(initCommands(o));
  return {
    width: o.width,
    height: o.height,
    get bytesWritten() {
      return bytes;
    },
    async draw(frame) {
      try {
        for (const w of frameWrites(o.controller, shown, frame)) await send(w);
        shown = frame.copy();
      } catch (e) {
        // What the panel holds is unknown after a failed write: the next draw sends the whole frame.
        shown = undefined;
        throw e instanceof DisplayError ? e : new DisplayError('WRITE_FAILED', `I2C write to 0x${o.address.toString(16)} failed: ${errorMessage(e)}`);
      }
    },
    setContrast: (c) => send(contrastCommand(c)),
    setPower: (on) => send(powerCommand(on)),
    async close() {
      try {
        await send(powerCommand(false));
      } catch {
        // The panel may be gone (unplugged): closing the bus is all that is left to do.
      }
      await bus.close();
    },
  };
}

/** Opens /dev/i2c-<busNumber> through the I2C bus driver (drivers/i2c, the optional `i2c-bus` package) and initialises the panel. */
export async function openI2cPanel(busNumber: number, o: I2cPanelOptions): Promise<Result<I2cPanel, DisplayError>> {
  const opened = await openI2cBus(busNumber);
  if (!opened.ok) return err(new DisplayError('UNAVAILABLE', `${opened.error} (the ${o.controller.toUpperCase()} panel)`));
  const bus = opened.value;
  try {
    return ok(await createI2cPanel(bus, o));
  } catch (e) {
    await bus.close().catch(() => undefined);
    return err(new DisplayError('UNAVAILABLE', `no ${o.controller.toUpperCase()} answers at 0x${o.address.toString(16)} on /dev/i2c-${busNumber}: ${errorMessage(e)}`));
  }
}
