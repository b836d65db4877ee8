// The gpiochip backend on this machine's kernel, which has no GPIO character
// device at all: the addon loads, opening /dev/gpiochip0 fails with a typed error
// that tells the user what to check, a character device that is not a GPIO chip
// (/dev/null) answers ENOTTY, and the GPIO board profiles report it at start.
import { mkdtempSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gpioErrorOf, openGpioChip, openGpiochipDriver } from '../../drivers/gpio/gpiochip.js';
import { loadNative } from '../../drivers/ethernet/native.js';
import { loadBoard } from '../../boards/index.js';
import { buildConfig } from '../../src/config/index.js';
import { requireEnv } from '../env.js';

let addon: ReturnType<typeof loadNative> | undefined;
try {
  addon = loadNative();
} catch {
  addon = undefined;
}
const haveAddon = requireEnv('the native addon (npm run build:native)', addon !== undefined, 'native/build has no tsplc_native.node');
// The typed-error tests need a machine without that chip; on a board with GPIO they would open it.
const noChip = !existsSync('/dev/gpiochip0');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!haveAddon)('the addon against devices that are not GPIO chips', () => {
  it.skipIf(!noChip)('GpioChip("/dev/gpiochip0") on a kernel without one throws ENOENT from open', () => {
    expect(() => new addon!.GpioChip('/dev/gpiochip0')).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'open' }));
  });

  it('GpioChip("/dev/null") throws ENOTTY from the chip-info ioctl (a character device, not a gpiochip)', () => {
    expect(() => new addon!.GpioChip('/dev/null')).toThrow(expect.objectContaining({ code: 'ENOTTY', syscall: 'ioctl(GPIO_GET_CHIPINFO_IOCTL)' }));
  });

  it('a line request on something that is not a GpioChip throws instead of crashing the process', () => {
    expect(() => new addon!.GpioLineRequest({} as never, new Uint8Array(592))).toThrow();
    expect(() => new addon!.GpioChip(42 as never)).toThrow(/GpioChip\(path: string\)/);
  });

  it.skipIf(!noChip)('openGpioChip maps the errno to a typed error with what to check', () => {
    const missing = openGpioChip('/dev/gpiochip0');
    expect(missing).toMatchObject({ ok: false, error: { code: 'GPIO_CHIP_MISSING' } });
    expect(missing.ok ? '' : missing.error.message).toMatch(/\/dev\/gpiochip0 does not exist.*ls \/dev\/gpiochip\*.*gpio_backend = "sysfs"/);
    const notChip = openGpioChip('/dev/null');
    expect(notChip).toMatchObject({ ok: false, error: { code: 'GPIO_NOT_A_CHIP' } });
    expect(notChip.ok ? '' : notChip.error.message).toMatch(/\/dev\/null is not a GPIO chip.*hardware\.gpio_chip/);
  });

  it.skipIf(!noChip)('the driver: no /dev/gpiochip* at all, an explicit chip that is missing, and a gpiochip name that is /dev/null', async () => {
    const none = await openGpiochipDriver({ board: 'raspberry-pi' });
    expect(none).toMatchObject({ ok: false, error: { code: 'GPIO_CHIP_MISSING' } });
    expect(none.ok ? '' : none.error.message).toContain('/dev/gpiochip*');
    const explicit = await openGpiochipDriver({ board: 'raspberry-pi', chip: '/dev/gpiochip0' });
    expect(explicit).toMatchObject({ ok: false, error: { code: 'GPIO_CHIP_MISSING' } });
    // A device directory whose gpiochip0 is really /dev/null: found by name, refused by the ioctl.
    const dev = mkdtempSync(join(tmpdir(), 'tsplc-gpio-'));
    dirs.push(dev);
    symlinkSync('/dev/null', join(dev, 'gpiochip0'));
    const fake = await openGpiochipDriver({ board: 'beaglebone', devDir: dev });
    expect(fake).toMatchObject({ ok: false, error: { code: 'GPIO_NOT_A_CHIP' } });
  });
});

describe('errno → typed GPIO error', () => {
  it('permission, busy line and bad line each say what to check', () => {
    expect(gpioErrorOf(Object.assign(new Error('x'), { code: 'EACCES' }), { path: '/dev/gpiochip0' })).toMatchObject({ code: 'GPIO_PERMISSION', message: expect.stringMatching(/group gpio/) });
    expect(gpioErrorOf(Object.assign(new Error('x'), { code: 'EBUSY' }), { path: '/dev/gpiochip0', line: 17 })).toMatchObject({
      code: 'GPIO_LINE_BUSY',
      message: expect.stringMatching(/line 17 is busy.*gpioinfo/),
    });
    expect(gpioErrorOf(Object.assign(new Error('bad'), { code: 'EINVAL' }), { path: '/dev/gpiochip4', line: 60 })).toMatchObject({ code: 'GPIO_BAD_LINE' });
    expect(gpioErrorOf(Object.assign(new Error('gone'), { code: 'NATIVE_ADDON_MISSING' }), { path: 'x' })).toMatchObject({ code: 'GPIO_ADDON_MISSING', message: expect.stringMatching(/build:native/) });
  });
});

describe.skipIf(!haveAddon || !noChip)('GPIO board profiles on a kernel without a GPIO character device', () => {
  it('raspberry-pi, beaglebone and raspberry-pi-can refuse to start with HARDWARE_UNAVAILABLE naming the gpiochip problem', async () => {
    for (const board of ['raspberry-pi', 'beaglebone', 'raspberry-pi-can'] as const) {
      const cfg = buildConfig([{ raw: { general: { board }, hardware: { pin_cp_state_c: board === 'beaglebone' ? -1 : 'GPIO17' } }, source: 't' }]);
      if (!cfg.ok) throw new Error(JSON.stringify(cfg.error));
      const r = await loadBoard(board, { role: 'pev', config: cfg.value });
      expect(r.ok ? 'opened' : `${r.error.code}: ${r.error.message}`).toMatch(/^HARDWARE_UNAVAILABLE: GPIO \(gpiochip\) GPIO_CHIP_MISSING: \/dev\/gpiochip\* does not exist/);
    }
  });

  it('hardware.gpio_chip = "/dev/gpiochip0" names that device; gpio_backend = "sysfs" goes to onoff instead', async () => {
    const chip = buildConfig([{ raw: { general: { board: 'raspberry-pi' }, hardware: { gpio_chip: '/dev/gpiochip0' } }, source: 't' }]);
    if (!chip.ok) throw new Error('config');
    const r = await loadBoard('raspberry-pi', { role: 'pev', config: chip.value });
    expect(r.ok ? '' : r.error.message).toMatch(/\/dev\/gpiochip0 does not exist/);
    const sysfs = buildConfig([{ raw: { general: { board: 'raspberry-pi' }, hardware: { gpio_backend: 'sysfs' } }, source: 't' }]);
    if (!sysfs.ok) throw new Error('config');
    const s = await loadBoard('raspberry-pi', { role: 'pev', config: sysfs.value });
    expect(s.ok ? '' : s.error.message).toMatch(/^GPIO \(sysfs\): /);
  });
});
