// GPIO boards through the GPIO twin: plug detection by a PP input or by the CP PWM
// measured from a comparator's edges, and the capabilities the session gets from that.
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createGpioEv, type GpioEvPins } from '../../boards/gpio/ev.js';
import { memoryGpio } from '../../boards/gpio/memory.js';
import { evCapabilitiesOf, plugState$ } from '../../src/domain/hardware/capabilities.js';
import { PwmMeter } from '../../src/domain/hardware/pwm.js';

const battery = { socPercent: 50, voltage: 360, maxCurrent: 100, maxVoltage: 398, capacityWh: 28000 };
const none: GpioEvPins = { cpStateC: 20, contactor: 5, contactor2: -1, contactorFeedback: -1, lock: -1, unlock: -1, lockFeedback: -1, pp: -1, cpPwm: -1 };

describe('PwmMeter', () => {
  it('measures 5 % at 1 kHz from edges and reports a steady line as 100 % / 0 %', () => {
    const m = new PwmMeter({ steadyAfterMs: 20 });
    let d: number | undefined;
    for (let period = 0; period < 5; period++) {
      d = m.edge(true, period * 1.0);
      d = m.edge(false, period * 1.0 + 0.05);
    }
    expect(d).toBeCloseTo(5, 0);
    expect(m.tick(4.2)).toBeCloseTo(5, 0);
    m.edge(true, 10);
    expect(m.tick(40)).toBe(100);
    m.edge(false, 41);
    expect(m.tick(70)).toBe(0);
  });
});

describe('GPIO EV board plug detection', () => {
  it('only CP and relay (pyPLC BeagleBone wiring): no lock, no feedback, no plug detection', () => {
    const gpio = memoryGpio();
    const ev = createGpioEv(gpio, { pins: none, lockPulseMs: 300, battery });
    expect(evCapabilitiesOf(ev)).toEqual({ lock: 'none', contactorFeedback: false, plugDetection: 'none', inletVoltage: false, currentSensor: false });
    expect(ev.connectorLock).toBeUndefined();
    expect(plugState$(ev)).toBeUndefined();
  });

  it('a PP input (active low) reports plug-in and unplug', () => {
    const gpio = memoryGpio();
    gpio.drive(17, true); // idle high: no plug
    const ev = createGpioEv(gpio, { pins: { ...none, pp: 17 }, lockPulseMs: 300, battery, ppActiveLow: true });
    expect(evCapabilitiesOf(ev).plugDetection).toBe('pp');
    const seen: boolean[] = [];
    plugState$(ev)?.subscribe((p) => seen.push(p));
    gpio.drive(17, false);
    gpio.drive(17, true);
    expect(seen).toEqual([false, true, false]);
  });

  it('a CP comparator input: 5 % PWM = plugged, steady line = the charger is gone', async () => {
    const clock = new SimulatedClock();
    const gpio = memoryGpio();
    const ev = createGpioEv(gpio, { pins: { ...none, cpPwm: 27 }, lockPulseMs: 300, battery, scheduler: clock });
    expect(evCapabilitiesOf(ev).plugDetection).toBe('pwm');
    const seen: boolean[] = [];
    plugState$(ev)?.subscribe((p) => seen.push(p));
    // 200 ms of 1 kHz PWM at 5 % (edges every 0.05 / 0.95 ms), in 1 ms ticks.
    for (let i = 0; i < 200; i++) {
      gpio.drive(27, true);
      clock.increment(0.05);
      gpio.drive(27, false);
      clock.increment(0.95);
    }
    expect(seen.at(-1)).toBe(true);
    // The charger switches the PWM off (steady +12 V, state B1): after the steady window, not plugged.
    gpio.drive(27, true);
    clock.increment(200);
    expect(seen.at(-1)).toBe(false);
    await ev.close();
  });
});

describe('GPIO pin collisions', () => {
  it('two functions on one pin are refused at start, naming both keys (also a board default under a configured pin)', async () => {
    const { loadGpioBoard } = await import('../../boards/gpio/profile.js');
    const { buildConfig } = await import('../../src/config/index.js');
    // pin_pp = 20 collides with the BeagleBone default CP pin (P9_41 = GPIO0_20 = 20).
    const cfg = buildConfig([{ raw: { hardware: { pin_pp: 20 } }, source: 't' }]);
    if (!cfg.ok) throw new Error('config');
    const r = await loadGpioBoard('beaglebone', { role: 'pev', config: cfg.value }, { gpio: memoryGpio() });
    expect(r.ok ? '' : `${r.error.code} ${r.error.message}`).toBe('BAD_CONFIG pin collision: hardware.pin_cp_state_c and hardware.pin_pp both use P9_41 (GPIO0_20)');
  });
});
