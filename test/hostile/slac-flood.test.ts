// Hostile HomePlug peers (test/hostile/slac-suite.ts), part "flood": CM_SLAC_PARM.REQ floods from
// foreign MACs at 2/s (a real car matches during it) and at full rate.
import { expect, it } from 'vitest';
import { slacHostileSuite } from './slac-suite.js';

slacHostileSuite('CM_SLAC_PARM.REQ floods', ({ lab, row }) => {
  it('CM_SLAC_PARM.REQ from foreign MACs at 2/s: a real car matches during the flood and afterwards', { timeout: 180_000 }, async () => {
    await row('CM_SLAC_PARM.REQ flood from foreign MACs, 2/s, car during it', 'the charger keeps the car it matches (RunID + EV MAC)', async () => {
      // The flood outlasts the car's whole session (its timeout is 90 s): the car must match while it runs.
      const flood = lab().startAttack('evse', ['flood', '2', '300000']);
      await new Promise((r) => setTimeout(r, 1500));
      const t0 = Date.now();
      const during = await lab().car();
      const took = (Date.now() - t0) / 1000;
      const stillFlooding = flood.alive();
      flood.child.kill('SIGTERM');
      await flood.exited;
      expect(stillFlooding, 'the flood ran until the car was done').toBe(true);
      return { observed: `car started 1.5 s into the flood, done after ${took.toFixed(1)} s with the flood still running`, during };
    });
  });

  it('CM_SLAC_PARM.REQ from foreign MACs at full rate: alive, bounded, a real car afterwards', { timeout: 180_000 }, async () => {
    await row('CM_SLAC_PARM.REQ flood from foreign MACs, full rate, 5 s', 'answered while no car sounds; logs and records bounded', async () => {
      const r = await lab().attack('evse', ['flood', 'max', '5000']);
      expect(Number(r.sent)).toBeGreaterThan(5000);
      return { observed: `${String(r.sent)} requests in 5 s (${Math.round(Number(r.sent) / 5)}/s)` };
    });
  });
});
