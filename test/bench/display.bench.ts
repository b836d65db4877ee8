// Status display cost: CPU per redraw on the sim board's path (compose the
// page, render the pixels, the driver's writes decoded by the twin) and I2C
// bytes per redraw, the whole frame against the changed pages only — the
// tsplc driver, and oled-i2c-bus's update() and per-byte partial update for
// comparison.
import Oled from 'oled-i2c-bus';
import { composePage } from '../../src/outputs/display/pages.js';
import { renderPage } from '../../src/outputs/display/render.js';
import { frameWrites } from '../../src/outputs/display/ssd1306.js';
import { Ssd1306Twin } from '../../src/outputs/display/ssd1306-twin.js';
import { Framebuffer } from '../../src/outputs/display/framebuffer.js';
import { createFakeI2cBus } from '../../drivers/display/fake-i2c-bus.js';
import { memoryI2cBus } from '../../drivers/i2c/memory.js';
import { createI2cPanel } from '../../drivers/display/i2c-panel.js';
import { chargingFacts } from '../display/sample-facts.js';
import { SimulatedClock } from 'xstate';
import { v2gEvMachine } from '../../machines/v2g-ev/index.js';
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { createSim } from '../../src/runtime/sim.js';
import { attachDisplay, type AttachedDisplay } from '../../src/runtime/display.js';
import { defaultConfig } from '../../src/config/validate.js';
import { nullLogger } from '../../src/ports/log.js';
import { type BenchResult, type BenchSuite, timeOp } from './harness.js';

/** One virtual-time sim session (SOC 20 → 22 %); CPU ms used, and the display's draws. */
async function sessionCpu(withDisplay: boolean): Promise<{ cpuMs: number; draws: number; virtualS: number }> {
  const clock = new SimulatedClock();
  let display: AttachedDisplay | undefined;
  let seed = 7;
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
  const sim = createSim({ clock, logger: nullLogger, sessions: { ev: v2gEvMachine, evse: v2gEvseMachine }, socTarget: 22, randomBytes, onWire: (role, r) => role === 'ev' && display?.onWire(r) });
  const c0 = process.cpuUsage();
  if (withDisplay) display = await attachDisplay({ role: 'EV', config: defaultConfig(), board: 'sim', status: sim.evStatus, hw: sim.board.ev, logger: nullLogger, clock });
  let done = false;
  void sim.done.then(() => (done = true));
  const t0 = clock.now();
  while (!done && clock.now() - t0 < 600_000) {
    clock.increment(10);
    await new Promise<void>((r) => setImmediate(r));
  }
  const c = process.cpuUsage(c0);
  const draws = display?.actor.getSnapshot().context.stats.draws ?? 0;
  await display?.close();
  sim.dispose();
  return { cpuMs: (c.user + c.system) / 1000, draws, virtualS: (clock.now() - t0) / 1000 };
}

const bytesOf = (ws: Uint8Array[]): number => ws.reduce((n, w) => n + w.length, 0);

export const suite: BenchSuite = {
  name: 'display',
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    const now = 65_000;
    // A CurrentDemand round: current and power digits change, the rest of the page stays.
    let i = 0;
    const factsAt = (k: number) => ({ ...chargingFacts, current: 100 + (k % 7) * 0.3, voltage: 398 + (k % 3) * 0.1 });
    for (const size of ['128x64', '128x32'] as const) {
      const twin = new Ssd1306Twin({ height: size === '128x64' ? 64 : 32 });
      let shown: Framebuffer | undefined;
      results.push({
        bench: `redraw power page ${size} (compose+render+writes+twin)`,
        ns_per_op: timeOp(() => {
          const fb = renderPage(composePage('power', factsAt(i++), now), size);
          for (const w of frameWrites('ssd1306', shown, fb)) twin.write(w);
          shown = fb;
        }),
      });
      results.push({ bench: `compose page only ${size}`, ns_per_op: timeOp(() => composePage('power', factsAt(i++), now)) });
      const content = composePage('limits', chargingFacts, now);
      results.push({ bench: `render pixels only ${size}`, ns_per_op: timeOp(() => renderPage(content, size)) });
    }

    // I2C bytes per redraw through the real driver and the fake bus.
    const twin = new Ssd1306Twin();
    const panel = await createI2cPanel(memoryI2cBus([twin]), { controller: 'ssd1306', width: 128, height: 64, contrast: 207, address: 0x3c });
    const a = renderPage(composePage('power', factsAt(0), now), '128x64');
    const b = renderPage(composePage('power', factsAt(1), now), '128x64');
    const c = renderPage(composePage('energy', factsAt(1), now), '128x64');
    let before = panel.bytesWritten;
    await panel.draw(a);
    const full = panel.bytesWritten - before;
    before = panel.bytesWritten;
    await panel.draw(b);
    const valueChange = panel.bytesWritten - before;
    before = panel.bytesWritten;
    await panel.draw(c);
    const pageChange = panel.bytesWritten - before;
    results.push({ bench: 'I2C bytes: first frame (whole panel), tsplc', bytes: full, writes: 16 });
    results.push({ bench: 'I2C bytes: CurrentDemand value change, tsplc', bytes: valueChange, pages_sent: frameWrites('ssd1306', a, b).length / 2 });
    results.push({ bench: 'I2C bytes: page change power→energy, tsplc', bytes: pageChange, pages_sent: frameWrites('ssd1306', b, c).length / 2 });
    results.push({ bench: 'I2C bytes: SH1106 value change, tsplc', bytes: bytesOf(frameWrites('sh1106', a, b)) });

    // oled-i2c-bus, same frames: update() always sends the whole buffer; its dirty-byte path costs 14 bytes per changed byte.
    const ref = new Ssd1306Twin();
    const bus = createFakeI2cBus([ref]);
    const oled = new Oled(bus, { width: 128, height: 64, address: 0x3c });
    const sent = () => bus.log.reduce((n, w) => n + w.bytes.length, 0);
    oled.buffer.set(a.bytes);
    let b0 = sent();
    oled.update();
    await new Promise((r) => setTimeout(r, 5));
    results.push({ bench: 'I2C bytes: whole frame, oled-i2c-bus update()', bytes: sent() - b0 });
    let changed = 0;
    for (let k = 0; k < a.bytes.length; k++) if (a.bytes[k] !== b.bytes[k]) changed++;
    const pixels: Array<[number, number, number]> = [];
    for (let y = 0; y < 64; y++) for (let x = 0; x < 128; x++) if (a.get(x, y) !== b.get(x, y)) pixels.push([x, y, b.get(x, y) ? 1 : 0]);
    b0 = sent();
    oled.drawPixel(pixels);
    await new Promise((r) => setTimeout(r, 5));
    results.push({ bench: 'I2C bytes: value change, oled-i2c-bus drawPixel', bytes: sent() - b0, changed_bytes: changed });

    // A whole virtual-time session with and without the display (default pages, 4 fps).
    const without = await sessionCpu(false);
    const withD = await sessionCpu(true);
    results.push({ bench: 'sim session CPU, no display', cpu_ms: Math.round(without.cpuMs), virtual_s: without.virtualS });
    results.push({ bench: 'sim session CPU, display on the twin', cpu_ms: Math.round(withD.cpuMs), draws: withD.draws, cpu_us_per_draw_incl_folding: Math.round(((withD.cpuMs - without.cpuMs) * 1000) / Math.max(1, withD.draws)) });
    return results;
  },
};
