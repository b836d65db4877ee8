import { describe, it, expect } from 'vitest';
import { SimulatedClock } from 'xstate';
import { ads1115ConfigWord, ads1115ToVolts, ADS1115_CONFIG, ADS1115_CONVERSION } from '../../src/domain/hardware/ads1115.js';
import { memoryI2cBus } from '../../drivers/i2c/memory.js';
import { createAdcInletVoltage } from '../../boards/gpio/adc.js';
import { memoryLogger } from '../../src/ports/log.js';

describe('ADS1115 (pure)', () => {
  it('builds the single-shot config word (datasheet SBAS444 Table 8)', () => {
    expect(ads1115ConfigWord(0).toString(16)).toBe('c383'); // OS, AIN0/GND, ±4.096 V, single-shot, 128 SPS, comparator off
    expect(ads1115ConfigWord(3).toString(16)).toBe('f383');
  });

  it("converts two's-complement readings at ±4.096 V full scale", () => {
    expect(ads1115ToVolts(new Uint8Array([0x7f, 0xff]))).toBeCloseTo(4.096, 3);
    expect(ads1115ToVolts(new Uint8Array([0x40, 0x00]))).toBeCloseTo(2.048, 6);
    expect(ads1115ToVolts(new Uint8Array([0xff, 0xff]))).toBeCloseTo(-0.000125, 6);
  });
});

/** A fake ADS1115 on the I2C bus twin: reports adcVolts; the bus can be made to fail. */
function fakeAds(adcVolts: () => number) {
  const writes: { addr: number; reg: number; bytes: number[] }[] = [];
  const bus = memoryI2cBus([
    {
      address: 0x48,
      write: (b) => void writes.push({ addr: 0x48, reg: b[0] ?? -1, bytes: [...b.subarray(1)] }),
      read: (reg, length) => {
        expect([reg, length]).toEqual([ADS1115_CONVERSION, 2]);
        const raw = Math.round((adcVolts() / 4.096) * 32768) & 0xffff;
        return new Uint8Array([raw >> 8, raw & 0xff]);
      },
    },
  ]);
  return { bus, writes, fail: (f: boolean) => bus.failWith(f ? 'IO' : undefined) };
}

async function run(clock: SimulatedClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 5) {
    clock.increment(5);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

describe('ADC inlet voltage', () => {
  it('scales the divider, reports NaN (unknown) after repeated read failures, and recovers', async () => {
    const clock = new SimulatedClock();
    let adc = 2.0;
    const fake = fakeAds(() => adc);
    const logger = memoryLogger();
    const sensor = createAdcInletVoltage(fake.bus, { address: 0x48, channel: 0, scale: 200, intervalMs: 100, scheduler: clock, logger });
    const seen: number[] = [];
    sensor.volts$.subscribe((v) => seen.push(v));
    expect(seen).toEqual([NaN]); // unknown before the first conversion
    await run(clock, 150);
    expect(seen.at(-1)).toBe(400);
    expect(fake.writes[0]).toEqual({ addr: 0x48, reg: ADS1115_CONFIG, bytes: [0xc3, 0x83] });
    adc = 0.25;
    await run(clock, 150);
    expect(seen.at(-1)).toBe(50);
    fake.fail(true);
    await run(clock, 500);
    expect(seen.at(-1)).toBeNaN();
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(1); // one line per failure streak
    fake.fail(false);
    await run(clock, 200);
    expect(seen.at(-1)).toBe(50);
    await sensor.close();
  });
});
