// Hostile HomePlug peers (test/hostile/slac-suite.ts), part "during": attacks while a real car runs its
// session (garbage at the car, CM_SLAC_MATCH.REQ with wrong RunIDs at the charger).
import { expect, it } from 'vitest';
import { slacHostileSuite } from './slac-suite.js';

slacHostileSuite('during a session', ({ lab, row }) => {
  // The car's own health shows in its session (it ends ChargingFinished, exit 0); the row's figures are the charger's.
  it('random 0x88E1 frames and every truncation at the car during its session', { timeout: 180_000 }, async () => {
    await row('random frames + truncations → pev, during its SLAC', 'ignored; the car matches anyway', async () => {
      const carP = lab().car();
      const a = await lab().attack('ev', ['random', '3000', '12']);
      const b = await lab().attack('ev', ['truncations', lab().evEnd.mac]);
      const during = await carP;
      return { observed: `${Number(a.sent) + Number(b.sent)} frames sent during the session`, during };
    });
  });

  it('CM_SLAC_MATCH.REQ with a wrong RunID (foreign and spoofed car MAC) during a session: never answered with the NMK', { timeout: 180_000 }, async () => {
    await row('CM_SLAC_MATCH.REQ with wrong RunIDs → evse, during a session', 'no CM_SLAC_MATCH.CNF for them; the car matches', async () => {
      const carP = lab().car();
      const a = await lab().attack('evse', ['wrong-runid', lab().evseEnd.mac, lab().evEnd.mac, '6000']);
      const during = await carP;
      expect(a.matchCnfForUs).toBe(0);
      return { observed: `${String(a.sent)} sent, ${String(a.matchCnfForUs)} CM_SLAC_MATCH.CNF with their RunIDs`, during };
    });
  });
});
