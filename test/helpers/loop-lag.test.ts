// The TSPLC_LOOP_LAG=1 meter (test/helpers/loop-lag-meter.ts) on a hand-driven clock: which gaps it
// reports and to which test it charges them.
import { describe, expect, it } from 'vitest';
import { LoopLagMeter, type LagClock } from './loop-lag-meter.js';

function handClock(): LagClock & { advance(ms: number, cpuMs?: number): void } {
  let t = 0;
  let cpu = 0;
  return {
    now: () => t,
    cpuMs: () => cpu,
    advance(ms, cpuMs = 0) {
      t += ms;
      cpu += cpuMs;
    },
  };
}

describe('LoopLagMeter', () => {
  it('reports nothing while the ticks come on time or late by less than the bound', () => {
    const c = handClock();
    const m = new LoopLagMeter('f.test.ts', 1000, 50, c);
    m.enter('a');
    for (let i = 0; i < 10; i++) {
      c.advance(50);
      m.sample();
    }
    c.advance(1050);
    m.sample();
    expect(m.hits).toEqual([]);
  });

  it('charges a gap over the bound to the test that ran, with the CPU time used in it', () => {
    const c = handClock();
    const m = new LoopLagMeter('f.test.ts', 1000, 50, c);
    m.enter('suite > sync loop');
    c.advance(1550, 1500);
    m.sample();
    expect(m.hits).toEqual([{ file: 'f.test.ts', test: 'suite > sync loop', blockedMs: 1500, cpuMs: 1500 }]);
  });

  it('a block that ends with its test is charged to that test, not to the next', () => {
    const c = handClock();
    const m = new LoopLagMeter('f.test.ts', 1000, 50, c);
    m.enter('blocking');
    c.advance(3000, 10);
    m.enter('next');
    c.advance(50);
    m.sample();
    expect(m.hits.map((h) => [h.test, h.blockedMs, h.cpuMs])).toEqual([['blocking', 2950, 10]]);
  });

  it('charges a block before the first test to collection or beforeAll', () => {
    const c = handClock();
    const m = new LoopLagMeter('f.test.ts', 1000, 50, c);
    c.advance(2050, 2000);
    m.enter('first');
    expect(m.hits[0]?.test).toBe('(collection or beforeAll)');
  });
});
