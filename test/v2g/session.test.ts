import { describe, expect, it } from 'vitest';
import { checkpoints, createHarness, names, runToEnd, stop } from './harness.js';

describe('DIN DC session EV ⇄ EVSE (sim board, real EXI, safety monitor)', () => {
  it('charges to the SOC target and ends with ChargingFinished', async () => {
    const h = createHarness({ ev: { protocols: ['din'], socTarget: 21 }, plant: { battery: { initialSocPercent: 20 } } });
    const r = await runToEnd(h);
    console.log(names(h, 'ev→evse').filter((n, i, a) => a[i - 1] !== n).join(' '));
    console.log(r, h.codecErrors, h.evLog.lines.filter((l) => l.level !== 'debug').slice(0, 10), h.monitor.violations, h.shutdownOutput);
    expect(r.ev?.result).toBe('ChargingFinished');
    stop(h);
  });
});
