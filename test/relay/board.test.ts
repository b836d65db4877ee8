// The raspberry-pi-relay board through its driver twins (GPIO, ADS1115 on I2C, PWM): the production
// profile code on top replicates CP both ways; the pins are validated; the real PWM driver fails
// with a typed error where the kernel has no PWM class.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from 'xstate';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../boards/index.js';
import { memoryGpio } from '../../boards/gpio/memory.js';
import { cpStateOfVolts } from '../../boards/gpio/raspberry-pi-relay.js';
import { memoryPwm } from '../../drivers/pwm/memory.js';
import { sysfsPwmDriver } from '../../drivers/pwm/sysfs.js';
import { validateConfig } from '../../src/config/index.js';
import { memoryLogger } from '../../src/ports/log.js';
import type { CpState } from '../../src/ports/hardware.js';
import { replicateControlPilot } from '../../src/runtime/relay.js';
import { fakeAds1115 } from '../boards/ads1115-twin.js';

/** Advances the simulated clock in steps, letting the sampler's promises run. */
async function run(clock: SimulatedClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 5) {
    clock.increment(5);
    for (let i = 0; i < 8; i++) await Promise.resolve();
  }
}

function relayConfig(relay: Record<string, unknown> = {}) {
  const c = validateConfig({ general: { board: 'raspberry-pi-relay' }, relay });
  if (!c.ok) throw new Error(JSON.stringify(c.error));
  return c.value;
}

async function bench(relay: Record<string, unknown> = {}) {
  const clock = new SimulatedClock();
  const gpio = memoryGpio();
  const ads = fakeAds1115();
  const pwm = memoryPwm();
  const logger = memoryLogger();
  const board = await loadBoard('raspberry-pi-relay', { role: 'relay', config: relayConfig(relay), logger, scheduler: clock }, { gpio, i2c: ads.bus, pwm });
  if (!board.ok) throw new Error(board.error.message);
  return { clock, gpio, ads, pwm, logger, board: board.value };
}

describe('raspberry-pi-relay board (driver twins)', () => {
  it('classifies the car-side CP level per IEC 61851-1 Table A.4, with hysteresis at the boundaries', () => {
    expect(['A', 'B', 'C', 'D', 'E', 'F'].map((_, i) => cpStateOfVolts([12, 9, 6, 3, 0, -12][i]!))).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(cpStateOfVolts(7.3, 'B')).toBe('B'); // within 0.5 V of the B/C boundary (7.5 V): stays B
    expect(cpStateOfVolts(6.9, 'B')).toBe('C');
    expect(cpStateOfVolts(Number.NaN, 'C')).toBe('E'); // ADC failed: an error state, never a request
  });

  it("replicates CP both ways: the car's B/C switch the charger-side loads, the charger's 5 % duty becomes the car-side PWM", async () => {
    const { clock, gpio, ads, pwm, board } = await bench();
    const relay = board.relay!;
    const log = memoryLogger();
    const states: CpState[] = [];
    relay.chargerSide.state$.subscribe((s) => states.push(s));
    const stop = replicateControlPilot(relay.carSide, relay.chargerSide, log);
    // Default wiring: B load GPIO23, C load GPIO24, comparator GPIO25, ADS1115 AIN2 × 4.
    const ch = pwm.channel(0, 0)!;
    expect(ch.frequencyHz).toBe(1000);
    // The charger's CP steady at +12 V (no PWM yet): the comparator high, 100 % towards the car.
    gpio.drive(25, true);
    await run(clock, 60);
    expect(ch.dutyCycle).toBe(100);
    ads.set(2, 9 / 4); // the car plugged in: 9 V = B
    await run(clock, 60);
    expect([gpio.level(23), gpio.level(24)]).toEqual([true, false]);
    ads.set(2, 6 / 4); // the car closes S2: 6 V = C
    await run(clock, 60);
    expect([gpio.level(23), gpio.level(24)]).toEqual([true, true]);
    expect(states.slice(-2)).toEqual(['B', 'C']);
    // The charger's 1 kHz PWM at 5 %: high 50 µs of every 1 ms on the comparator input.
    for (let i = 0; i < 5; i++) {
      gpio.drive(25, true);
      clock.increment(0.05);
      gpio.drive(25, false);
      clock.increment(0.95);
    }
    gpio.drive(25, true);
    expect(ch.dutyCycle).toBe(5);
    expect(await firstValueFrom(relay.carSide.dutyCycle$)).toBe(5);
    ads.set(2, 9 / 4); // back to B
    await run(clock, 60);
    expect([gpio.level(23), gpio.level(24)]).toEqual([true, false]);
    stop();
    await board.close();
    // Safe at close: no load towards the charger (A), steady +12 V towards the car, every driver released.
    expect([gpio.level(23), gpio.level(24)]).toEqual([false, false]);
    expect(ch.dutyCycle).toBe(100);
    expect(ch.closed).toBe(true);
    expect(gpio.closed).toBe(true);
    expect(ads.closed()).toBe(true);
  });

  it('presents D as C when no D load is fitted and E/F as A, with a warning each', async () => {
    const { gpio, logger, board } = await bench();
    board.relay!.chargerSide.setState('D');
    expect([gpio.level(23), gpio.level(24)]).toEqual([true, true]);
    board.relay!.chargerSide.setState('F');
    expect([gpio.level(23), gpio.level(24)]).toEqual([false, false]);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'CP state D cannot be presented by the charger-side loads: state C',
      'CP state F cannot be presented by the charger-side loads: state A',
    ]);
    await board.close();
  });

  it('rejects pin conflicts and unknown pin names, naming the keys (config check and board load)', async () => {
    const conflict = validateConfig({ general: { board: 'raspberry-pi-relay' }, relay: { pin_charger_cp_c: 'GPIO23' } });
    expect(conflict.ok).toBe(false);
    if (!conflict.ok) expect(conflict.error.map((e) => e.message).join('\n')).toMatch(/pin collision: relay\.pin_charger_cp_b and relay\.pin_charger_cp_c both use GPIO23/);
    const withButton = validateConfig({ general: { board: 'raspberry-pi-relay' }, display: { button_pin: 'GPIO18' } });
    expect(withButton.ok).toBe(false);
    if (!withButton.ok) expect(withButton.error.map((e) => e.message).join('\n')).toMatch(/relay\.pin_car_cp_pwm and display\.button_pin both use GPIO18/);
    const unknown = validateConfig({ general: { board: 'raspberry-pi-relay' }, relay: { pin_charger_cp_pwm: 'P9_23' } });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error[0]?.key).toBe('relay.pin_charger_cp_pwm');
    // The [hardware] EV pins are not this board's: GPIO23 there does not collide.
    expect(validateConfig({ general: { board: 'raspberry-pi-relay' }, hardware: { pin_contactor: 'GPIO23' } }).ok).toBe(true);
    // The board itself refuses colliding pins (a config built without validation), before opening any driver.
    const gpio = memoryGpio();
    const pwm = memoryPwm();
    const raw = relayConfig();
    const colliding = { ...raw, relay: { ...raw.relay, pin_charger_cp_pwm: 24 } };
    const r = await loadBoard('raspberry-pi-relay', { role: 'relay', config: colliding }, { gpio, pwm, i2c: fakeAds1115().bus });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'BAD_CONFIG', message: expect.stringContaining('relay.pin_charger_cp_c and relay.pin_charger_cp_pwm both use GPIO24') });
    expect(pwm.channel(0, 0)).toBeUndefined();
    expect(gpio.outputs.size).toBe(0);
  });

  it('builds only role relay, and a PWM that cannot be opened fails the load typed with nothing left open', async () => {
    const pev = await loadBoard('raspberry-pi-relay', { role: 'pev', config: relayConfig() });
    expect(pev.ok ? 'loaded' : pev.error.code).toBe('ROLE_NOT_SUPPORTED');
    const gpio = memoryGpio();
    const pwm = memoryPwm();
    pwm.failOpen('PWM_CHIP_MISSING');
    const ads = fakeAds1115();
    const r = await loadBoard('raspberry-pi-relay', { role: 'relay', config: relayConfig() }, { gpio, pwm, i2c: ads.bus });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'HARDWARE_UNAVAILABLE', message: expect.stringContaining('PWM_CHIP_MISSING') });
    expect(gpio.outputs.size).toBe(0);
  });
});

describe('sysfs PWM driver', () => {
  it('on this machine (no /sys/class/pwm chips) fails with a typed error that says what to enable', async () => {
    const r = await sysfsPwmDriver().open(0, 0, 1000);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // A kernel with the PWM class but no chip 0 gives PWM_CHIP_MISSING; one without the class PWM_UNAVAILABLE.
    if (existsSync('/sys/class/pwm')) expect(r.error.code).toBe('PWM_CHIP_MISSING');
    else expect(r.error).toMatchObject({ code: 'PWM_UNAVAILABLE', message: expect.stringContaining('dtoverlay=pwm') });
  });

  it('exports, sets the 1 kHz period and writes duties in ns on a sysfs tree (a fake root), steady high at close', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tsplc-pwm-'));
    try {
      const chip = join(root, 'pwmchip0');
      mkdirSync(chip);
      writeFileSync(join(chip, 'npwm'), '2\n');
      writeFileSync(join(chip, 'export'), '');
      // The kernel would create pwm1 on the export; the fake tree has it already.
      mkdirSync(join(chip, 'pwm1'));
      for (const f of ['period', 'duty_cycle', 'enable']) writeFileSync(join(chip, 'pwm1', f), '0');
      const errors: string[] = [];
      const driver = sysfsPwmDriver({ root, onError: (e) => errors.push(e.code) });
      expect(await driver.open(0, 2, 1000)).toMatchObject({ ok: false, error: { code: 'PWM_CHANNEL_MISSING' } });
      expect(await driver.open(3, 0, 1000)).toMatchObject({ ok: false, error: { code: 'PWM_CHIP_MISSING', message: expect.stringContaining('pwmchip0') } });
      const r = await driver.open(0, 1, 1000);
      if (!r.ok) throw new Error(r.error.message);
      const read = (f: string): string => readFileSync(join(chip, 'pwm1', f), 'utf8');
      expect([read('period'), read('duty_cycle'), read('enable')]).toEqual(['1000000', '1000000', '1']);
      r.value.setDutyCycle(5);
      expect(read('duty_cycle')).toBe('50000');
      await r.value.close();
      expect(read('duty_cycle')).toBe('1000000');
      expect(errors).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
