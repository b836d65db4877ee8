// The gpiochip driver's own logic — which chip and line a pin lands on, what it
// asks the kernel for, how edge events reach the watcher, what a busy line gives —
// against a double of the addon that plays the kernel's side of the uAPI (this
// machine has no GPIO chip). The double decodes the request bytes with the same
// layout the pack test checks against <linux/gpio.h>.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openGpiochipDriver } from '../../drivers/gpio/gpiochip.js';
import type { NativeAddon } from '../../drivers/ethernet/native.js';
import { GPIO_V2_LINE_FLAG as F, GPIO_V2_OFFSETS } from '../../src/domain/hardware/gpiochip.js';

interface Held {
  path: string;
  offset: number;
  flags: number;
  consumer: string;
  value: boolean;
  /** DEBOUNCE attribute, µs (0 = none). */
  debounceUs: number;
  emit?: (bytes: Uint8Array) => void;
  closed: boolean;
}

/** A kernel with the given chips (path → label, lines); busy lines answer EBUSY. */
function fakeKernel(chips: Record<string, { label: string; lines: number }>, busy: string[] = []) {
  const held: Held[] = [];
  class GpioChip {
    readonly path: string;
    isOpen = true;
    constructor(path: string) {
      const c = chips[path];
      if (!c) throw Object.assign(new Error('open failed'), { code: 'ENOENT' });
      this.path = path;
    }
    info() {
      const c = chips[this.path]!;
      return { name: this.path.split('/').pop()!, label: c.label, lines: c.lines };
    }
    close() {
      this.isOpen = false;
    }
  }
  class GpioLineRequest {
    private readonly h: Held;
    constructor(chip: GpioChip, req: Uint8Array, onEvents?: (b: Uint8Array) => void) {
      const dv = new DataView(req.buffer, req.byteOffset);
      const offset = dv.getUint32(0, true);
      if (busy.includes(`${chip.path}:${offset}`)) throw Object.assign(new Error('ioctl failed: Device or resource busy'), { code: 'EBUSY' });
      const flags = Number(dv.getBigUint64(GPIO_V2_OFFSETS.config, true));
      const at = GPIO_V2_OFFSETS.config + GPIO_V2_OFFSETS.config_attrs;
      let debounceUs = 0;
      for (let i = 0; i < dv.getUint32(GPIO_V2_OFFSETS.config + 8, true); i++) if (dv.getUint32(at + i * 24, true) === 3) debounceUs = dv.getUint32(at + i * 24 + 8, true);
      const consumer = new TextDecoder().decode(req.subarray(GPIO_V2_OFFSETS.consumer, GPIO_V2_OFFSETS.consumer + 32)).replace(/\0.*$/s, '');
      this.h = { path: chip.path, offset, flags, consumer, value: false, debounceUs, closed: false, ...(onEvents ? { emit: onEvents } : {}) };
      held.push(this.h);
    }
    get isOpen() {
      return !this.h.closed;
    }
    setValues(v: Uint8Array) {
      const dv = new DataView(v.buffer, v.byteOffset);
      if (dv.getBigUint64(8, true) & 1n) this.h.value = (dv.getBigUint64(0, true) & 1n) === 1n;
    }
    getValues(v: Uint8Array) {
      new DataView(v.buffer, v.byteOffset).setBigUint64(0, this.h.value ? 1n : 0n, true);
      return v;
    }
    close() {
      this.h.closed = true;
    }
    ref() {}
    unref() {}
  }
  /** The line changes level: the kernel queues one event record on the line fd. */
  const edge = (path: string, offset: number, high: boolean) => {
    const h = held.find((x) => x.path === path && x.offset === offset && !x.closed);
    if (!h) throw new Error(`${path}:${offset} not held`);
    h.value = high;
    const b = new Uint8Array(48);
    const dv = new DataView(b.buffer);
    dv.setUint32(8, high ? 1 : 2, true);
    dv.setUint32(12, offset, true);
    h.emit?.(b);
  };
  const addon = { GpioChip, GpioLineRequest } as unknown as NativeAddon;
  return { addon, held, edge };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function devDir(names: string[]): string {
  const d = mkdtempSync(join(tmpdir(), 'tsplc-dev-'));
  dirs.push(d);
  for (const n of names) writeFileSync(join(d, n), '');
  return d;
}

describe('gpiochip driver on a kernel double', () => {
  it('Raspberry Pi 5: the header chip is found by label (pinctrl-rp1 on gpiochip4); outputs start low, inputs deliver edges', async () => {
    const dev = devDir(['gpiochip0', 'gpiochip4', 'gpiochip10']);
    const k = fakeKernel({
      [`${dev}/gpiochip0`]: { label: 'gpio-brcmstb@107d508500', lines: 32 },
      [`${dev}/gpiochip4`]: { label: 'pinctrl-rp1', lines: 54 },
      [`${dev}/gpiochip10`]: { label: 'gpio-brcmstb@107d517c00', lines: 17 },
    });
    const d = await openGpiochipDriver({ board: 'raspberry-pi', devDir: dev, addon: k.addon });
    if (!d.ok) throw new Error(d.error.message);
    const cp = d.value.output(17);
    const levels: boolean[] = [];
    const pp = d.value.input(24, (h) => levels.push(h));
    const pwm = d.value.input(4, () => {}, { debounceMs: 0 });
    // The PP input gets the kernel's 10 ms debounce (as onoff's); the CP PWM input none (every edge counts).
    expect(k.held.map((h) => [h.path.endsWith('gpiochip4'), h.offset, h.flags, h.debounceUs, h.consumer])).toEqual([
      [true, 17, F.OUTPUT, 0, 'tsplc'],
      [true, 24, F.INPUT | F.EDGE_RISING | F.EDGE_FALLING, 10_000, 'tsplc'],
      [true, 4, F.INPUT | F.EDGE_RISING | F.EDGE_FALLING, 0, 'tsplc'],
    ]);
    cp.write(true);
    expect(k.held[0]!.value).toBe(true);
    k.edge(`${dev}/gpiochip4`, 24, true);
    k.edge(`${dev}/gpiochip4`, 24, false);
    expect(levels).toEqual([true, false]);
    k.held[1]!.value = true;
    expect(pp.read()).toBe(true);
    void pwm;
    await d.value.close();
    expect(k.held.every((h) => h.closed)).toBe(true);
    cp.write(false); // after close: no ioctl on a released line, no throw
  });

  it('BeagleBone: P9_23 (GPIO1_17) lands on the chip labelled gpio-32-63, line 17, whatever its number', async () => {
    const dev = devDir(['gpiochip0', 'gpiochip1', 'gpiochip2', 'gpiochip3']);
    // Mainline order differs from the bank order: found by label, not by number.
    const k = fakeKernel({
      [`${dev}/gpiochip0`]: { label: 'gpio-32-63', lines: 32 },
      [`${dev}/gpiochip1`]: { label: 'gpio-64-95', lines: 32 },
      [`${dev}/gpiochip2`]: { label: 'gpio-96-127', lines: 32 },
      [`${dev}/gpiochip3`]: { label: 'gpio-0-31', lines: 32 },
    });
    const d = await openGpiochipDriver({ board: 'beaglebone', devDir: dev, sysDir: join(dev, 'no-sysfs'), addon: k.addon });
    if (!d.ok) throw new Error(d.error.message);
    d.value.output(49);
    d.value.output(20); // P9_41 = GPIO0_20
    expect(k.held.map((h) => [h.path.slice(dev.length + 1), h.offset])).toEqual([
      ['gpiochip0', 17],
      ['gpiochip3', 20],
    ]);
    await d.value.close();
  });

  it('BeagleBone: the controller address in sysfs decides over a label that follows probe order (gpio0 probed last)', async () => {
    const dev = devDir(['gpiochip0', 'gpiochip1', 'gpiochip2', 'gpiochip3']);
    // omap-gpio labels by probe order: here 4804c000 (bank 1) probed first and got "gpio-0-31".
    const order = ['4804c000', '481ac000', '481ae000', '44e07000'];
    const k = fakeKernel(Object.fromEntries(order.map((_, n) => [`${dev}/gpiochip${n}`, { label: `gpio-${n * 32}-${n * 32 + 31}`, lines: 32 }])));
    const sys = join(dev, 'sys');
    mkdirSync(sys);
    order.forEach((addr, n) => {
      const target = join(dev, 'devices', `${addr}.target-module`, `${addr}.gpio`, `gpiochip${n}`);
      mkdirSync(target, { recursive: true });
      symlinkSync(target, join(sys, `gpiochip${n}`));
    });
    const d = await openGpiochipDriver({ board: 'beaglebone', devDir: dev, sysDir: sys, addon: k.addon });
    if (!d.ok) throw new Error(d.error.message);
    d.value.output(20); // P9_41 = GPIO0_20: bank 0 = 44e07000 = gpiochip3
    d.value.output(49); // P9_23 = GPIO1_17: bank 1 = 4804c000 = gpiochip0
    expect(k.held.map((h) => [h.path.slice(dev.length + 1), h.offset])).toEqual([
      ['gpiochip3', 20],
      ['gpiochip0', 17],
    ]);
    await d.value.close();
  });

  it('a busy line throws GPIO_LINE_BUSY naming the pin, the chip and gpioinfo; a line beyond the chip is GPIO_BAD_LINE', async () => {
    const dev = devDir(['gpiochip0']);
    const k = fakeKernel({ [`${dev}/gpiochip0`]: { label: 'pinctrl-bcm2711', lines: 58 } }, [`${dev}/gpiochip0:14`]);
    const d = await openGpiochipDriver({ board: 'raspberry-pi', devDir: dev, addon: k.addon });
    if (!d.ok) throw new Error(d.error.message);
    expect(() => d.value.output(14)).toThrow(expect.objectContaining({ code: 'GPIO_LINE_BUSY', message: expect.stringMatching(/^GPIO14: .*gpiochip0 line 14 is busy.*gpioinfo/) }));
    const small = fakeKernel({ [`${dev}/gpiochip0`]: { label: 'pinctrl-bcm2835', lines: 54 } });
    const d2 = await openGpiochipDriver({ board: 'raspberry-pi', devDir: dev, addon: small.addon });
    if (!d2.ok) throw new Error(d2.error.message);
    expect(() => d2.value.output(55)).toThrow(expect.objectContaining({ code: 'GPIO_BAD_LINE', message: expect.stringMatching(/has lines 0–53, not 55/) }));
  });

  it('a malformed event record is reported through onError, the watcher is not called with a guess', async () => {
    const dev = devDir(['gpiochip0']);
    const k = fakeKernel({ [`${dev}/gpiochip0`]: { label: 'pinctrl-rp1', lines: 54 } });
    const errors: string[] = [];
    const d = await openGpiochipDriver({ board: 'raspberry-pi', devDir: dev, addon: k.addon, onError: (e) => errors.push(e.code) });
    if (!d.ok) throw new Error(d.error.message);
    const seen: boolean[] = [];
    d.value.input(5, (h) => seen.push(h));
    k.held[0]!.emit!(new Uint8Array(20));
    expect(seen).toEqual([]);
    expect(errors).toEqual(['GPIO_IO']);
  });
});
