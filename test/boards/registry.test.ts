import { describe, it, expect } from 'vitest';
import { SimulatedClock } from 'xstate';
import { loadBoard, boardProfiles } from '../../boards/index.js';
import { createGpioEv, type GpioDriver } from '../../boards/gpio/ev.js';
import { gpioPinsOf, loadGpioBoard } from '../../boards/gpio/profile.js';
import { advance } from '../../boards/sim/scheduler.js';
import { boardNames, buildConfig } from '../../src/config/index.js';
import { memoryLogger } from '../../src/ports/log.js';

describe('board registry', () => {
  it('knows exactly the boards the config accepts', () => {
    expect([...boardProfiles].sort()).toEqual([...boardNames].sort());
  });

  it('loads sim without any native code, with both sides on one plant', async () => {
    const dlopen = process.dlopen;
    const loaded: string[] = [];
    process.dlopen = ((m: unknown, file: string, ...rest: unknown[]) => {
      loaded.push(file);
      return (dlopen as (...a: unknown[]) => unknown)(m, file, ...rest);
    }) as typeof process.dlopen;
    try {
      const clock = new SimulatedClock();
      const r = await loadBoard('sim', { role: 'pev', scheduler: clock });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.ev && r.value.evse).toBeTruthy();
      let cp = '';
      r.value.evse!.controlPilot.state$.subscribe((s) => (cp = s));
      r.value.ev!.controlPilot.setState('C');
      expect(cp).toBe('C');
      await r.value.close();
      expect(loaded).toEqual([]);
      // The probe works: a GPIO profile does load its native driver, the addon's gpiochip code
      // (and, with no GPIO here, says so).
      const gpio = await loadBoard('raspberry-pi', { role: 'pev' });
      expect(loaded.some((f) => f.includes('tsplc_native'))).toBe(true);
      if (!gpio.ok) expect(gpio.error.code).toBe('HARDWARE_UNAVAILABLE');
      else await gpio.value.close();
    } finally {
      process.dlopen = dlopen;
    }
  });

  it('loads none: commands are logged and echoed', async () => {
    const logger = memoryLogger();
    const r = await loadBoard('none', { role: 'pev', logger });
    if (!r.ok) throw new Error(r.error.message);
    let closed = false;
    r.value.ev!.contactors.closed$.subscribe((c) => (closed = c));
    r.value.ev!.contactors.close();
    expect(closed).toBe(true);
    expect(r.value.ev!.contactors.hasFeedback).toBe(false);
    expect(logger.lines.map((l) => l.message)).toContain('contactors close (no relay: logged only)');
    const e = await loadBoard('none', { role: 'evse', logger });
    if (!e.ok) throw new Error(e.error.message);
    expect(await e.value.evse!.powerSupply.isolationCheck(400)).toBe('Valid');
    await r.value.close();
    await e.value.close();
  });

  it('returns typed errors: unknown board, unsupported role, missing hardware', async () => {
    const unknown = await loadBoard('arduino', { role: 'pev' });
    expect(unknown.ok ? '' : unknown.error.code).toBe('UNKNOWN_BOARD');
    const role = await loadBoard('celeron55', { role: 'evse' });
    expect(role.ok ? '' : role.error.code).toBe('ROLE_NOT_SUPPORTED');
    const cfg = buildConfig([{ raw: { hardware: { serial_port: '/dev/ttyNOPE0' } }, source: 't' }]);
    if (!cfg.ok) throw new Error('config');
    const serial = await loadBoard('celeron55', { role: 'pev', config: cfg.value });
    expect(serial.ok ? '' : serial.error.code).toBe('HARDWARE_UNAVAILABLE');
  });
});

function fakeGpio() {
  const levels = new Map<number, boolean>();
  const watchers = new Map<number, (h: boolean) => void>();
  const driver: GpioDriver = {
    output: (pin) => ({ write: (h) => levels.set(pin, h) }),
    input: (pin, watch) => {
      watchers.set(pin, watch);
      return { read: () => levels.get(pin) ?? false };
    },
    close: async () => {},
  };
  const drive = (pin: number, high: boolean) => {
    levels.set(pin, high);
    watchers.get(pin)?.(high);
  };
  return { driver, levels, drive };
}

describe('GPIO boards', () => {
  const battery = { socPercent: 50, voltage: 360, maxCurrent: 100, maxVoltage: 398, capacityWh: 28000 };
  const pins = { cpStateC: 20, contactor: 5, contactor2: 6, contactorFeedback: 7, lock: 8, unlock: 9, lockFeedback: 10, pp: -1, cpPwm: -1 };

  it('switches the CP resistor and both contactors, and reads the feedback contact', () => {
    const { driver, levels, drive } = fakeGpio();
    const ev = createGpioEv(driver, { pins, lockPulseMs: 300, battery });
    let closed = false;
    ev.contactors.closed$.subscribe((c) => (closed = c));
    ev.controlPilot.setState('C');
    ev.contactors.close();
    expect([levels.get(20), levels.get(5), levels.get(6)]).toEqual([true, true, true]);
    expect(closed).toBe(false); // not until the auxiliary contact says so
    drive(7, true);
    expect(closed).toBe(true);
    ev.contactors.open();
    expect([levels.get(5), levels.get(6)]).toEqual([false, false]);
  });

  it('pulses the lock motor and reports a fault when the feedback never arrives', () => {
    const clock = new SimulatedClock();
    const { driver, levels, drive } = fakeGpio();
    const ev = createGpioEv(driver, { pins, lockPulseMs: 300, battery, scheduler: clock });
    const states: string[] = [];
    ev.connectorLock!.state$.subscribe((s) => states.push(s));
    ev.connectorLock!.lock();
    expect(levels.get(8)).toBe(true);
    drive(10, true);
    advance(clock, 400);
    expect(levels.get(8)).toBe(false); // pulse over
    expect(states.at(-1)).toBe('locked');
    ev.connectorLock!.unlock(); // feedback stays "locked": a jammed pin
    advance(clock, 400);
    expect(levels.get(9)).toBe(false);
    expect(states.at(-1)).toBe('fault');
  });

  it('uses pyPLC BeagleBone pins by default (P9_41, P9_17); the driver gets board GPIO numbers (the sysfs offset is the sysfs driver\'s)', async () => {
    const cfg = buildConfig([{ raw: { hardware: { gpio_chip_offset: 512, pin_lock: 3 } }, source: 't' }]);
    if (!cfg.ok) throw new Error('config');
    const pins = gpioPinsOf(cfg.value, 'beaglebone');
    expect(pins.ok && pins.value.ev).toMatchObject({ cpStateC: 20, contactor: 5, lock: 3, unlock: -1, contactorFeedback: -1 });
    const { driver } = fakeGpio();
    const r = await loadGpioBoard('beaglebone', { role: 'pev', config: cfg.value }, { gpio: driver });
    expect(r.ok).toBe(true);
    const evse = await loadGpioBoard('beaglebone', { role: 'evse' }, { gpio: driver });
    expect(evse.ok ? '' : evse.error.code).toBe('ROLE_NOT_SUPPORTED');
  });
});
