// Hostile HomePlug peers (test/hostile/slac-suite.ts), part "frames": a baseline session, then random
// and truncated SLAC frames at the charger, each followed by a real car session.
import { expect, it } from 'vitest';
import { slacHostileSuite } from './slac-suite.js';

slacHostileSuite('frames at the charger', ({ lab, row }) => {
  it('a real car session works before any attack (baseline)', { timeout: 120_000 }, async () => {
    const c = await lab().car();
    expect(c.end, c.tail).toBe('ChargingFinished');
    expect(c.connectorLock).toBe('unlocked');
  });

  it('random 0x88E1 frames at the charger: dropped as malformed or unknown, nothing answered', { timeout: 180_000 }, async () => {
    await row('random 0x88E1 frames → evse', 'ignored (typed decode error, debug log)', async () => {
      const r = await lab().attack('evse', ['random', '3000', '11']);
      expect(r.sent).toBe(3000);
      return { observed: `${String(r.sent)} frames sent` };
    });
  });

  it('every truncation of each SLAC message at the charger', { timeout: 180_000 }, async () => {
    await row('every truncation of each SLAC message → evse', 'ignored (typed decode error), no state change', async () => {
      const r = await lab().attack('evse', ['truncations', lab().evseEnd.mac]);
      expect(Number(r.sent)).toBeGreaterThan(500);
      return { observed: `${String(r.sent)} frames of ${String(r.messages)} messages sent` };
    });
  });
});
