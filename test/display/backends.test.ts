// The runtime's display on its other backends: celeron55's disp0..2 lines over
// a serial line, a SerialToOLED, a board whose display throws, the charger's
// role, and the sim outputs (terminal half blocks, PNG files).
import { describe, it, expect } from 'vitest';
import { SimulatedClock } from 'xstate';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { BehaviorSubject } from 'rxjs';
import { memorySerialPair } from '../../drivers/serial/memory.js';
import { createCeleron55Ev } from '../../boards/celeron55/ev.js';
import { createSerialOledDisplay } from '../../src/domain/hardware/serial-oled.js';
import { attachDisplay, simDisplayOutputs } from '../../src/runtime/display.js';
import { defaultConfig } from '../../src/config/validate.js';
import type { TsplcConfig } from '../../src/config/schema.js';
import { memoryLogger } from '../../src/ports/log.js';
import { StatusBus } from '../../src/status.js';
import { chooseDisplayBackend } from '../../src/outputs/display/select.js';
import { Framebuffer } from '../../src/outputs/display/framebuffer.js';
import type { EvseHardware, PowerSupplyReading } from '../../src/ports/hardware.js';

const settle = () => new Promise<void>((r) => setImmediate(r));
const text = (b: Uint8Array) => String.fromCharCode(...b);

function cfg(display: Partial<TsplcConfig['display']> = {}): TsplcConfig {
  const c = defaultConfig();
  return { ...c, display: { ...c.display, ...display } };
}

async function run(clock: SimulatedClock, ms: number): Promise<void> {
  await settle();
  for (let t = 0; t < ms; t += 10) {
    clock.increment(10);
    await settle();
  }
}

describe('backend choice', () => {
  it('auto: GPIO boards an SSD1306, celeron55 its own lines, serial wins, sim/none the twin', () => {
    expect(chooseDisplayBackend('raspberry-pi', 'auto', 'none')).toBe('ssd1306');
    expect(chooseDisplayBackend('beaglebone', 'auto', 'none')).toBe('ssd1306');
    expect(chooseDisplayBackend('celeron55', 'auto', 'none')).toBe('board');
    expect(chooseDisplayBackend('dieter', 'auto', 'none')).toBe('board');
    expect(chooseDisplayBackend('raspberry-pi-can', 'auto', 'none')).toBe('ssd1306');
    expect(chooseDisplayBackend('none', 'auto', 'serial')).toBe('serial'); // Dieter via pyPLC display_via_serial
    expect(chooseDisplayBackend('sim', 'auto', 'none')).toBe('twin');
    expect(chooseDisplayBackend('none', 'auto', 'none')).toBe('twin');
    expect(chooseDisplayBackend('raspberry-pi', 'sh1106', 'none')).toBe('sh1106');
  });
});

describe('text backends through the runtime', () => {
  it('celeron55: the stage page as disp0..2 lines, only when it changes', async () => {
    const clock = new SimulatedClock();
    const { host, device } = memorySerialPair();
    const sent: string[] = [];
    device.data$.subscribe((b) => sent.push(text(b)));
    const ev = createCeleron55Ev(host, { scheduler: clock, maxVoltage: 398, capacityWh: 28000, lockPulseMs: 300, refreshMs: 60_000 });
    const status = new StatusBus(() => clock.now());
    const d = await attachDisplay({ role: 'EV', config: cfg({ pages: ['stage'], page_period: 0 }), board: 'celeron55', status, hw: ev, logger: memoryLogger(), clock });
    expect(d?.backend).toBe('board');
    status.report({ layer: 'session', state: 'CurrentDemand', checkpoint: 700 });
    await run(clock, 500);
    const disp = sent.join('').split('\n').filter((l) => l.startsWith('disp'));
    expect(disp.slice(-3)).toEqual(['disp0=CurrentDemand', 'disp1=checkpoint 700', 'disp2=']);
    const n = disp.length;
    await run(clock, 500); // the elapsed time is not on the 3-line page: nothing to send
    expect(sent.join('').split('\n').filter((l) => l.startsWith('disp')).length).toBe(n);
    await d?.close();
    await ev.close();
  });

  it('SerialToOLED: lc lines', async () => {
    const clock = new SimulatedClock();
    const { host, device } = memorySerialPair();
    const sent: string[] = [];
    device.data$.subscribe((b) => sent.push(text(b)));
    const status = new StatusBus(() => clock.now());
    const d = await attachDisplay({ role: 'EV', config: cfg({ pages: ['link'], page_period: 0 }), board: 'none', status, textDisplay: createSerialOledDisplay(host), logger: memoryLogger(), clock });
    status.report({ layer: 'slac', state: 'Matched', checkpoint: 160, details: { evseMac: '02:00:00:ee:00:02', attenuation: 19.5 } });
    await run(clock, 300);
    expect(sent.join('')).toContain('lcmodem -\nlcSLAC Matched\nlcatt 19.5 dB\n');
    await d?.close();
  });

  it('a board display that throws is logged once and the status bus goes on', async () => {
    const clock = new SimulatedClock();
    const logs = memoryLogger();
    const status = new StatusBus(() => clock.now());
    const display = { lines: 3, show: () => { throw new Error('serial port closed'); } };
    const d = await attachDisplay({ role: 'EV', config: cfg({ pages: ['stage'] }), board: 'celeron55', status, textDisplay: display, logger: logs, clock });
    for (let i = 0; i < 50; i++) status.report({ layer: 'session', state: `S${i}`, checkpoint: 700 });
    await run(clock, 5000);
    expect(logs.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual(['display failed (WRITE_FAILED): serial port closed; retrying with back-off, the session goes on']);
    await d?.close();
  });
});

describe('charger role', () => {
  it('shows the supply output and the car request against its own limits', async () => {
    const clock = new SimulatedClock();
    const status = new StatusBus(() => clock.now());
    const reading = new BehaviorSubject<PowerSupplyReading>({ voltage: 0, current: 0 });
    const hw = { controlPilot: {}, powerSupply: { reading$: reading.asObservable() }, close: async () => {} } as unknown as EvseHardware;
    const d = await attachDisplay({ role: 'EVSE', config: cfg({ pages: ['power'], page_period: 0 }), board: 'sim', status, hw, logger: memoryLogger(), clock });
    status.report({ layer: 'modem', state: 'preparing', checkpoint: 1 });
    reading.next({ voltage: 400, current: 50 });
    await run(clock, 300);
    expect(d?.facts()).toMatchObject({ role: 'EVSE', voltage: 400, current: 50 });
    const row = (fb: Framebuffer, r: number) => fb.toAscii().split('\n').slice(r * 8, r * 8 + 7).join('\n');
    const expected = new Framebuffer(128, 64);
    expected.text(0, 8, 'U   400.0 V');
    expect(row(d!.twin!.snapshot(), 1)).toBe(row(expected, 1));
    await d?.close();
  });
});

describe('tsplc sim outputs', () => {
  it('--display: the frame in half blocks, redrawn in place on a terminal; --display-png: one PNG per frame', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-display-'));
    let out = '';
    const onFrame = simDisplayOutputs({ terminal: true, pngDir: dir, write: (s) => (out += s), tty: true, logger: memoryLogger() });
    const fb = new Framebuffer(128, 64);
    fb.fillRect(0, 0, 128, 8);
    fb.set(0, 9);
    onFrame(fb);
    onFrame(fb);
    const lines = out.split('\n');
    expect(lines[0]).toBe('┌' + '─'.repeat(128) + '┐');
    expect(lines[1]).toBe('│' + '█'.repeat(128) + '│');
    expect(lines[5]?.slice(0, 2)).toBe('│▄');
    expect(out).toContain('\x1b[34F'); // second frame: cursor up over the 34 lines of the first
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['display-000001.png', 'display-000002.png']);
    const png = readFileSync(join(dir, files[0]!));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(512); // 4× scale
    expect(png.readUInt32BE(20)).toBe(256);
    // IDAT: row 0 (header) lit, row 9·4 has pixel 0 lit and pixel 1 dark.
    const idat = png.indexOf('IDAT');
    const raw = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
    const stride = 64 + 1;
    expect(raw[1]).toBe(0xff);
    expect(raw[36 * stride + 1]).toBe(0xf0);
  });
});

describe('real backends that cannot open here', () => {
  it.skipIf(existsSync('/dev/i2c-1'))('ssd1306 without /dev/i2c-1: a typed UNAVAILABLE log line, no display, no exception', async () => {
    const logs = memoryLogger();
    const d = await attachDisplay({ role: 'EV', config: cfg({ backend: 'ssd1306', i2c_bus: 1 }), board: 'raspberry-pi', status: new StatusBus(), logger: logs });
    expect(d).toBeUndefined();
    const e = logs.lines.find((l) => l.level === 'error');
    expect(e?.fields?.code).toBe('UNAVAILABLE');
    expect(e?.message).toMatch(/^display unavailable \(UNAVAILABLE\): .*(i2c-bus|\/dev\/i2c-1).*charging goes on without it$/);
  });

  it('serial on a missing device: a typed UNAVAILABLE log line, no display', async () => {
    const logs = memoryLogger();
    const c = cfg({ backend: 'serial' });
    const d = await attachDisplay({ role: 'EV', config: { ...c, hardware: { ...c.hardware, display_serial_port: '/dev/ttyTSPLC-missing' } }, board: 'none', status: new StatusBus(), logger: logs });
    expect(d).toBeUndefined();
    expect(logs.lines.find((l) => l.level === 'error')?.message).toMatch(/^display unavailable \(UNAVAILABLE\): serial display on \/dev\/ttyTSPLC-missing/);
  });
});
