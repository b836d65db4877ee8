// PP by ADC: the divider, the IEC 61851-1 cable codes and the hysteresis (pure),
// and the board's plug detection on the ADS1115 twin.
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { BehaviorSubject } from 'rxjs';
import { ppOhms, PpClassifier, ppBoundaries, type PpClass } from '../../src/domain/hardware/pp.js';
import { adcProximity } from '../../boards/gpio/adc.js';
import { memoryLogger } from '../../src/ports/log.js';
import { loadBoard } from '../../boards/index.js';
import { memoryGpio } from '../../boards/gpio/memory.js';
import { buildConfig } from '../../src/config/index.js';
import { fakeAds1115 } from '../boards/ads1115-twin.js';

/** Virtual time with the sampler's promise chain let through between steps. */
async function advance(clock: SimulatedClock, ms: number, step: number): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.increment(step);
    for (let i = 0; i < 8; i++) await Promise.resolve();
  }
}

const divider = { pullupOhms: 1000, supplyVolts: 3.3 };
/** The voltage the ADC sees for a given Rc (the assumed divider). */
const voltsFor = (rc: number) => (rc === Infinity ? 3.3 : (3.3 * rc) / (rc + 1000));

describe('PP divider and cable codes', () => {
  it('Rc from the PP voltage: 1.5 kΩ, 680 Ω, 220 Ω, 100 Ω round-trip; supply = open; 0 V = short', () => {
    for (const rc of [1500, 680, 220, 100]) expect(ppOhms(voltsFor(rc), divider)).toBeCloseTo(rc, 6);
    expect(ppOhms(3.3, divider)).toBe(Infinity);
    expect(ppOhms(0, divider)).toBe(0);
    expect(ppOhms(Number.NaN, divider)).toBeNaN();
  });

  it('each nominal code is its class; open above the threshold; a short below 50 Ω', () => {
    const classOf = (ohms: number): PpClass => new PpClassifier({ openOhms: 3000, hysteresisPercent: 10 }).next(ohms);
    expect([1500, 680, 220, 100, Infinity, 5000, 20].map(classOf)).toEqual([13, 20, 32, 63, 'open', 'open', 'short']);
    expect(ppBoundaries({ openOhms: 3000, hysteresisPercent: 10 })).toEqual([50, 148, 387, 1010, 3000]);
  });

  it('hysteresis: a reading wandering around the open threshold does not toggle the plug', () => {
    const c = new PpClassifier({ openOhms: 3000, hysteresisPercent: 10 });
    expect(c.next(1500)).toBe(13);
    // Up to 3300 Ω (threshold + 10 %) stays plugged; beyond it is open.
    expect([3100, 2900, 3250, 3290].map((r) => c.next(r))).toEqual([13, 13, 13, 13]);
    expect(c.next(3400)).toBe('open');
    // Back: only below 2700 Ω (threshold − 10 %) is it a plug again.
    expect([2900, 2750].map((r) => c.next(r))).toEqual(['open', 'open']);
    expect(c.next(2650)).toBe(13);
  });
});

describe('PP on the ADC (adcProximity)', () => {
  it('plug, unplug, an ADC failure (NaN) and a short: plugged only for a cable code; each change logged once', () => {
    const logger = memoryLogger();
    const volts = new BehaviorSubject(voltsFor(Infinity));
    const pp = adcProximity(volts, { divider, thresholds: { openOhms: 3000, hysteresisPercent: 10 }, logger });
    const plugged: boolean[] = [];
    const amps: (number | undefined)[] = [];
    pp.plugged$.subscribe((p) => plugged.push(p));
    pp.cableAmps$.subscribe((a) => amps.push(a));
    volts.next(voltsFor(220));
    volts.next(voltsFor(221)); // noise: no new event
    volts.next(voltsFor(Infinity));
    volts.next(voltsFor(1500));
    volts.next(Number.NaN);
    volts.next(voltsFor(680));
    volts.next(0.01);
    expect(plugged).toEqual([false, true, false, true, false, true, false]);
    expect(amps).toEqual([undefined, 32, undefined, 13, undefined, 20, undefined]);
    const lines = logger.lines.filter((l) => l.component === 'board.pp').map((l) => `${l.level} ${l.message}`);
    expect(lines).toEqual([
      'info PP open: no plug',
      'info PP 220 Ω: plug in, cable rated 32 A',
      'info PP open: no plug',
      'info PP 1500 Ω: plug in, cable rated 13 A',
      'error PP reading unknown (ADC failed): treated as unplugged',
      'info PP 680 Ω: plug in, cable rated 20 A',
      expect.stringMatching(/^error PP reads 3 Ω: shorted to PE/),
    ]);
  });

  it('the raspberry-pi board with hardware.pp_adc: plug detection "pp" from AIN1 of the ADS1115 twin, sharing the chip with the inlet voltage', async () => {
    const clock = new SimulatedClock();
    const ads = fakeAds1115();
    ads.set(1, voltsFor(Infinity));
    ads.set(0, 1.5); // inlet: 1.5 V × 200 = 300 V
    const cfg = buildConfig([{ raw: { hardware: { pp_adc: 'ads1115', pp_adc_channel: 1, inlet_adc: 'ads1115', adc_channel: 0, pin_cp_state_c: 'GPIO17' } }, source: 't' }]);
    if (!cfg.ok) throw new Error(JSON.stringify(cfg.error));
    const r = await loadBoard('raspberry-pi', { role: 'pev', config: cfg.value, scheduler: clock }, { gpio: memoryGpio(), i2c: ads.bus });
    if (!r.ok) throw new Error(r.error.message);
    const ev = r.value.ev!;
    expect(ev.plugDetection).toBe('pp');
    const plugged: boolean[] = [];
    const inlet: number[] = [];
    ev.plug!.plugged$.subscribe((p) => plugged.push(p));
    ev.inletVoltage!.volts$.subscribe((v) => inlet.push(v));
    await advance(clock, 300, 10);
    ads.set(1, voltsFor(680));
    await advance(clock, 300, 10);
    ads.set(1, voltsFor(Infinity));
    await advance(clock, 300, 10);
    expect(plugged).toEqual([false, true, false]);
    expect(inlet.at(-1)).toBe(300);
    // Both inputs were converted on the one chip: the config writes alternate AIN0 and AIN1.
    expect(new Set(ads.channelsConverted())).toEqual(new Set([0, 1]));
    await r.value.close();
    expect(ads.closed()).toBe(true);
  });

  it('refuses the inlet-voltage channel for PP', () => {
    const cfg = buildConfig([{ raw: { hardware: { pp_adc: 'ads1115', pp_adc_channel: 0, inlet_adc: 'ads1115', adc_channel: 0 } }, source: 't' }]);
    expect(cfg.ok ? [] : cfg.error.map((e) => `${e.key}: ${e.message}`)).toEqual(['hardware.pp_adc_channel: AIN0 is already hardware.adc_channel (the inlet voltage)']);
  });
});
