// The in-memory SSD1306 against the bytes real drivers write: oled-i2c-bus
// (the reference implementation, through a fake i2c-bus object) and the tsplc
// I2C panel driver (SSD1306 128×64 / 128×32, SH1106).
import { describe, it, expect } from 'vitest';
import Oled from 'oled-i2c-bus';
import font5x7 from 'oled-font-5x7';
import { Ssd1306Twin } from '../../src/outputs/display/ssd1306-twin.js';
import { Framebuffer } from '../../src/outputs/display/framebuffer.js';
import { createFakeI2cBus } from '../../drivers/display/fake-i2c-bus.js';
import { memoryI2cBus } from '../../drivers/i2c/memory.js';
import { createI2cPanel } from '../../drivers/display/i2c-panel.js';
import { frameWrites } from '../../src/outputs/display/ssd1306.js';

/** oled-i2c-bus sends its frame from a setTimeout(0) after polling the busy bit. */
const macrotasks = (n = 3) => new Promise<void>((r) => setTimeout(r, n));

function fbOf(buffer: Uint8Array, width: number, height: number): Framebuffer {
  const fb = new Framebuffer(width, height);
  fb.bytes.set(buffer);
  return fb;
}

describe('twin ⇐ oled-i2c-bus through a fake i2c-bus', () => {
  for (const height of [64, 32] as const) {
    it(`decodes its init sequence and a full-frame update (128×${height})`, async () => {
      const twin = new Ssd1306Twin({ height });
      const bus = createFakeI2cBus([twin]);
      const oled = new Oled(bus, { width: 128, height, address: 0x3c });
      // Init: AEh ... A1h C8h ... AFh, one command byte per write (control 0x00 each).
      expect(bus.log.every((w) => w.bytes.length === 2 && w.bytes[0] === 0x00)).toBe(true);
      expect(twin.displayOn).toBe(true);
      expect(twin.addressingMode).toBe(0);
      expect(twin.multiplex).toBe(height - 1);
      expect(twin.contrast).toBe(0x8f);
      expect(twin.segmentRemap && twin.comScanDecrement).toBe(true);
      oled.setCursor(1, 1);
      oled.writeString(font5x7, 1, 'SOC 54% Über 230°', 1, false, false);
      oled.fillRect(0, height - 8, 64, 6, 1, false);
      oled.update();
      await macrotasks();
      expect(twin.errors).toEqual([]);
      const expected = fbOf(oled.buffer, 128, height);
      expect(twin.snapshot().toAscii()).toBe(expected.toAscii());
      expect(expected.bytes.some((b) => b !== 0)).toBe(true);
    });
  }

  it('decodes its per-byte partial updates (21h c c 22h p p, each byte in a write of its own)', async () => {
    const twin = new Ssd1306Twin();
    const bus = createFakeI2cBus([twin]);
    const oled = new Oled(bus, { width: 128, height: 64, address: 0x3c });
    oled.update();
    await macrotasks();
    const before = bus.log.length;
    oled.drawPixel([
      [10, 10, 1],
      [100, 60, 1],
      [127, 0, 1],
    ]);
    await macrotasks();
    // 3 dirty bytes × (6 command writes + 1 data write)
    expect(bus.log.length - before).toBe(21);
    expect(twin.snapshot().get(10, 10)).toBe(true);
    expect(twin.snapshot().get(100, 60)).toBe(true);
    expect(twin.snapshot().get(127, 0)).toBe(true);
    expect(twin.snapshot().toAscii()).toBe(fbOf(oled.buffer, 128, 64).toAscii());
  });

  it('follows contrast, inverse and display off', async () => {
    const twin = new Ssd1306Twin();
    const bus = createFakeI2cBus([twin]);
    const oled = new Oled(bus, { width: 128, height: 64, address: 0x3c });
    oled.dimDisplay(true);
    expect(twin.contrast).toBe(0);
    oled.invertDisplay(true);
    expect(twin.inverse).toBe(true);
    expect(twin.snapshot().get(0, 0)).toBe(true); // empty RAM, inverted: lit
    oled.turnOffDisplay();
    expect(twin.displayOn).toBe(false);
    expect(twin.snapshot().bytes.every((b) => b === 0)).toBe(true);
  });

  it('NACKs a write to an address where no panel is', () => {
    const bus = createFakeI2cBus([new Ssd1306Twin({ address: 0x3c })]);
    expect(() => new Oled(bus, { width: 128, height: 64, address: 0x3d })).toThrow(/EREMOTEIO/);
  });
});

describe('twin decoding of the addressing modes', () => {
  it('vertical mode fills columns top-down inside the window', () => {
    const twin = new Ssd1306Twin();
    twin.write(Uint8Array.from([0x00, 0xaf, 0xa1, 0xc8, 0x20, 0x01, 0x21, 4, 5, 0x22, 1, 2]));
    twin.write(Uint8Array.from([0x40, 0x01, 0x02, 0x04, 0x08]));
    // page 1 col 4 = 0x01, page 2 col 4 = 0x02, page 1 col 5 = 0x04, page 2 col 5 = 0x08
    expect([twin.ram[128 + 4], twin.ram[256 + 4], twin.ram[128 + 5], twin.ram[256 + 5]]).toEqual([0x01, 0x02, 0x04, 0x08]);
    expect(twin.snapshot().get(4, 8)).toBe(true);
    expect(twin.snapshot().get(5, 19)).toBe(true);
  });

  it('page mode takes B0h+page and the nibble column commands; Co = 1 control bytes', () => {
    const twin = new Ssd1306Twin();
    // Co=1 form: 0x80 cmd 0x80 cmd ... then 0x40 data...
    twin.write(Uint8Array.from([0x80, 0xaf, 0x80, 0xa1, 0x80, 0xc8, 0x80, 0xb3, 0x80, 0x0a, 0x80, 0x11, 0x40, 0xff, 0x81]));
    expect(twin.errors).toEqual([]);
    expect(twin.ram[3 * 128 + 26]).toBe(0xff);
    expect(twin.ram[3 * 128 + 27]).toBe(0x81);
  });

  it('reports an unknown command as a typed error and keeps decoding', () => {
    const twin = new Ssd1306Twin();
    twin.write(Uint8Array.from([0x00, 0xfe, 0xaf]));
    expect(twin.errors).toEqual([{ code: 'UNKNOWN_COMMAND', detail: 'unknown command 0xfe', write: 0, offset: 1 }]);
    expect(twin.displayOn).toBe(true);
  });

  it('an SH1106 has no 21h window command', () => {
    const twin = new Ssd1306Twin({ controller: 'sh1106' });
    twin.write(Uint8Array.from([0x00, 0x21, 0x00]));
    expect(twin.errors[0]?.code).toBe('NOT_SUPPORTED');
  });
});

describe('tsplc I2C panel driver → twin', () => {
  const pattern = (w: number, h: number): Framebuffer => {
    const fb = new Framebuffer(w, h);
    fb.text(0, 0, 'tsplc ÄÖÜ µΩß 398.0 V');
    fb.strokeRect(0, h - 8, w, 8);
    fb.fillRect(2, h - 6, 50, 4);
    return fb;
  };
  for (const [controller, height] of [
    ['ssd1306', 64],
    ['ssd1306', 32],
    ['sh1106', 64],
  ] as const) {
    it(`${controller} 128×${height}: the panel shows the frame; a second draw sends only the changed pages`, async () => {
      const twin = new Ssd1306Twin({ controller, height });
      const bus = memoryI2cBus([twin]);
      const panel = await createI2cPanel(bus, { controller, width: 128, height, contrast: 200, address: 0x3c });
      const a = pattern(128, height);
      await panel.draw(a);
      expect(twin.errors).toEqual([]);
      expect(twin.contrast).toBe(200);
      expect(twin.snapshot().toAscii()).toBe(a.toAscii());
      const full = panel.bytesWritten;
      const b = a.copy();
      b.fillRect(2, height - 6, 80, 4); // the bar grows: one page changes
      await panel.draw(b);
      expect(twin.snapshot().toAscii()).toBe(b.toAscii());
      const partial = panel.bytesWritten - full;
      // One page's window: the column commands and 30 data bytes plus two control bytes.
      expect(partial).toBe((controller === 'ssd1306' ? 7 : 4) + 1 + 30);
      await panel.draw(b);
      expect(panel.bytesWritten - full).toBe(partial); // nothing changed: nothing sent
    });
  }

  it('a failed write rejects the draw with a typed error and the next draw sends the whole frame', async () => {
    const twin = new Ssd1306Twin();
    const bus = memoryI2cBus([twin]);
    const panel = await createI2cPanel(bus, { controller: 'ssd1306', width: 128, height: 64, contrast: 128, address: 0x3c });
    await panel.draw(pattern(128, 64));
    bus.failWith('IO');
    await expect(panel.draw(new Framebuffer(128, 64))).rejects.toMatchObject({ code: 'WRITE_FAILED' });
    bus.failWith(undefined);
    const before = panel.bytesWritten;
    const next = pattern(128, 64);
    await panel.draw(next);
    expect(panel.bytesWritten - before).toBe(frameWrites('ssd1306', undefined, next).reduce((n, w) => n + w.length, 0));
    expect(twin.snapshot().toAscii()).toBe(next.toAscii());
  });
});
