// Pin names as the boards print them, resolved to chip + line (character device)
// and the board GPIO number (sysfs adds the chip base), and pin collisions
// rejected with the key names — by the board loader and by `tsplc config check`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolvePin, resolvePinAssignments, beagleboneHeader, raspberryPiHeader } from '../../src/domain/hardware/pins.js';
import { buildConfig } from '../../src/config/index.js';
import { loadBoard } from '../../boards/index.js';
import { memoryGpio } from '../../boards/gpio/memory.js';
import { runTsplc } from '../helpers/run.js';

const pin = (board: 'raspberry-pi' | 'beaglebone', v: number | string) => {
  const r = resolvePin(board, v);
  return r.ok ? r.value : r.error;
};

describe('Raspberry Pi names', () => {
  it('GPIO17, BCM17, 17 and header pin 11 are the same line 17 of the header chip', () => {
    for (const v of ['GPIO17', 'bcm17', 17, '17', 'PIN11', 'J8_11']) expect(pin('raspberry-pi', v)).toEqual({ gpio: 17, name: 'GPIO17', chip: 0, line: 17 });
  });
  it('the 40-pin header table covers the 28 GPIOs 0–27 exactly once', () => {
    expect(Object.values(raspberryPiHeader).sort((a, b) => a - b)).toEqual(Array.from({ length: 28 }, (_, i) => i));
  });
  it('power and ground pins, unknown names and numbers beyond the SoC are refused with a hint', () => {
    expect(pin('raspberry-pi', 'PIN1')).toMatch(/header pin 1 .*power or ground/);
    expect(pin('raspberry-pi', 'P9_23')).toMatch(/not a Raspberry Pi pin name \(GPIO17/);
    expect(pin('raspberry-pi', 60)).toMatch(/GPIO 60 does not exist on the raspberry-pi/);
    expect(pin('raspberry-pi', -1)).toBeUndefined();
  });
});

describe('BeagleBone names (BBB SRM Tables 12 and 13)', () => {
  it('P9_23 = GPIO1_17 = 49: chip (bank) 1, line 17', () => {
    for (const v of ['P9_23', 'p9_23', 'P9_023', 'GPIO1_17', 49]) expect(pin('beaglebone', v)).toEqual({ gpio: 49, name: 'P9_23 (GPIO1_17)', chip: 1, line: 17 });
  });
  it('pyPLC\'s pins: P9_41 = GPIO 20, P9_17 = GPIO 5; P8_07 = 66 (bank 2, line 2); leading zero optional', () => {
    expect(pin('beaglebone', 'P9_41')).toMatchObject({ gpio: 20, chip: 0, line: 20 });
    expect(pin('beaglebone', 'P9_17')).toMatchObject({ gpio: 5, chip: 0, line: 5 });
    expect(pin('beaglebone', 'P8_7')).toMatchObject({ gpio: 66, chip: 2, line: 2 });
    expect(pin('beaglebone', 'P9_25')).toMatchObject({ gpio: 117, chip: 3, line: 21 });
  });
  it('no GPIO is on two header pins of the table', () => {
    const numbers = Object.values(beagleboneHeader).map(([bank, bit]) => bank * 32 + bit);
    expect(new Set(numbers).size).toBe(numbers.length);
  });
  it('ADC, power and reset pins are not GPIOs', () => {
    expect(pin('beaglebone', 'P9_39')).toMatch(/P9_39 is not a GPIO pin/);
    expect(pin('beaglebone', 'P9_01')).toMatch(/P9_01 is not a GPIO pin/);
    expect(pin('beaglebone', 'GPIO17')).toMatch(/not a BeagleBone pin name/);
  });
});

describe('collisions', () => {
  it('name the keys and the pin as the board prints it, whichever way each key wrote it', () => {
    const r = resolvePinAssignments('beaglebone', [
      { key: 'hardware.pin_contactor', value: 'P9_23' },
      { key: 'hardware.pin_lock', value: 'GPIO1_17' },
      { key: 'hardware.pin_unlock', value: 49 },
      { key: 'hardware.pin_pp', value: 'P9_12' },
    ]);
    expect(r.ok ? [] : r.error).toEqual([{ key: 'hardware.pin_contactor', message: 'pin collision: hardware.pin_contactor, hardware.pin_lock and hardware.pin_unlock all use P9_23 (GPIO1_17)' }]);
  });

  it('validateConfig reports a collision (and a bad name) at the key for a GPIO board, also a board default under a configured pin', () => {
    const r = buildConfig([{ raw: { general: { board: 'beaglebone' }, hardware: { pin_contactor: 'P9_23', pin_lock: 'P9_23', pin_pp: 'P9_41', pin_unlock: 'P9_99' } }, source: 'f.toml' }]);
    expect(r.ok ? [] : r.error.map((e) => `${e.key}: ${e.message}`)).toEqual([
      'hardware.pin_unlock: P9_99 is not a GPIO pin of the BeagleBone Black header (power, ground, ADC or reset)',
      // pin_cp_state_c is unset: the board default P9_41 is taken, and pin_pp is on it too.
      'hardware.pin_cp_state_c: pin collision: hardware.pin_cp_state_c and hardware.pin_pp both use P9_41 (GPIO0_20)',
      'hardware.pin_contactor: pin collision: hardware.pin_contactor and hardware.pin_lock both use P9_23 (GPIO1_17)',
    ]);
  });

  it('[chademo] pins count on raspberry-pi-can, and only there', () => {
    const raw = { hardware: { pin_contactor: 'GPIO22' }, chademo: { pin_d1: 'PIN15' } };
    const can = buildConfig([{ raw: { ...raw, general: { board: 'raspberry-pi-can' } }, source: 't' }]);
    expect(can.ok ? [] : can.error.map((e) => e.message)).toEqual(['pin collision: hardware.pin_contactor and chademo.pin_d1 both use GPIO22']);
    expect(buildConfig([{ raw: { ...raw, general: { board: 'raspberry-pi' } }, source: 't' }]).ok).toBe(true);
  });

  it('the board loader refuses the collision at start, before any line is requested', async () => {
    const cfg = buildConfig([{ raw: { hardware: { pin_contactor: 'GPIO5', display: 'none' }, display: { button_pin: 5 } }, source: 't' }]);
    if (!cfg.ok) throw new Error('config');
    const gpio = memoryGpio();
    const r = await loadBoard('raspberry-pi', { role: 'pev', config: cfg.value }, { gpio });
    expect(r.ok ? '' : `${r.error.code} ${r.error.message}`).toBe('BAD_CONFIG pin collision: hardware.pin_contactor and display.button_pin both use GPIO5');
    expect(gpio.outputs.size + gpio.inputs.size).toBe(0);
  });

  it('names load: the profile drives the lines the names resolve to', async () => {
    const cfg = buildConfig([{ raw: { hardware: { pin_cp_state_c: 'PIN11', pin_contactor: 'GPIO27', pin_pp: 'BCM24' } }, source: 't' }]);
    if (!cfg.ok) throw new Error('config');
    const gpio = memoryGpio();
    const r = await loadBoard('raspberry-pi', { role: 'pev', config: cfg.value }, { gpio });
    if (!r.ok) throw new Error(r.error.message);
    expect([...gpio.outputs].sort()).toEqual([17, 27]);
    expect([...gpio.inputs]).toEqual([24]);
    r.value.ev!.contactors.close();
    expect(gpio.level(27)).toBe(true);
    await r.value.close();
  });
});

describe('tsplc config check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsplc-pins-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('reports a pin collision with the key names and exits 1', async () => {
    const file = join(dir, 'bbb.toml');
    writeFileSync(file, '[general]\nboard = "beaglebone"\n[hardware]\npin_contactor = "P9_23"\npin_lock = "P9_23"\n');
    const r = await runTsplc(['config', 'check', file], { timeoutMs: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('hardware.pin_contactor: pin collision: hardware.pin_contactor and hardware.pin_lock both use P9_23 (GPIO1_17)');
  });
});
