// Complete sessions EV ⇄ EVSE through the whole stack in one process:
// SLAC over the modem emulator, SDP over the in-memory IPv6 link, V2GTP over
// in-memory TCP, real EXI, the V2G machines, the sim board — on virtual time,
// with the safety monitor watching the EV hardware.
import { describe, expect, it } from 'vitest';
import { runStack } from './harness.js';
import { attachEvseSafetyMonitor } from '../../src/domain/safety/index.js';

const dcPath = [100, 102, 160, 170, 190, 200, 203, 301, 303, 400, 403, 500, 506, 540, 550, 555, 560, 570, 590, 600, 700, 800, 810, 850, 900, 905];
// AC (ISO 15118-2 AC, IEC 61851-1): no CableCheck/PreCharge/WeldingDetection, and the car switches CP to C
// (550) only after PowerDeliveryRes(Start), before the first ChargingStatus/CurrentDemand checkpoint.
const acPath = [100, 102, 160, 170, 190, 200, 203, 301, 303, 400, 403, 500, 506, 540, 555, 600, 550, 700, 800, 810, 900, 905];

describe('whole stack in one process (virtual time)', () => {
  for (const [protocol, mode] of [
    ['din', 'dc'],
    ['iso2', 'dc'],
    ['iso2', 'ac'],
  ] as const) {
    it(`${protocol.toUpperCase()} ${mode.toUpperCase()}: plug-in to ChargingFinished, both sides end cleanly, no safety violation`, async () => {
      const r = await runStack({ protocol, mode });
      const ev = r.sim.ev.actor.getSnapshot().output as { end: string; session?: { result: string; protocol: string; chargeLoopCount: number } };
      const evse = r.sim.evse.actor.getSnapshot().output as { end: string; sessions: number } | undefined;
      expect(r.tookMs, r.logs.lines.slice(-30).map((l) => `${l.component}: ${l.message} ${JSON.stringify(l.fields ?? {})}`).join('\n')).toBeGreaterThan(0);
      expect(ev.end).toBe('ChargingFinished');
      expect(ev.session?.protocol).toBe(protocol);
      expect(ev.session?.chargeLoopCount).toBeGreaterThan(3);
      expect(evse?.end).toBe('SessionStopped');
      expect(r.violations).toEqual([]);
      // The checkpoints of a session appear in order on the EV side: each one is seen, and each first appears
      // after the one before it (retries such as 530 or the 700 loop may repeat; the first time counts).
      const expected = mode === 'dc' ? dcPath : acPath;
      for (const c of expected) expect(r.checkpoints.ev, `checkpoint ${c}`).toContain(c);
      const firstSeen = [...expected].sort((x, y) => r.checkpoints.ev.indexOf(x) - r.checkpoints.ev.indexOf(y));
      expect(firstSeen, 'checkpoints in the order of their first appearance').toEqual(expected);
      // After the session: contactors open, connector unlocked, CP back to B.
      const plant = r.sim.board.plant;
      expect(plant.contactorsFeedback.value).toBe(false);
      expect(plant.lockState.value).toBe('unlocked');
      // CP back to B: the car opened its state-C switch (the plug is still in, so the charger sees B as well).
      expect(plant.evCpState.value).toBe('B');
      expect(plant.evseCpState.value).toBe('B');
      r.sim.dispose();
    });
  }
});

describe('two cars in a row (virtual time)', () => {
  it('after the first session and an unplug, the same charger serves the next plug-in: new SLAC, new key, new session', async () => {
    // The car's manager waits in 'waitForUnplug' after each finished session.
    let phase = 0;
    let unpluggedAt = 0;
    let sessions = 0;
    const r = await runStack({
      oneShot: false,
      maxVirtualMs: 300_000,
      during: (sim, clock) => {
        const waiting = sim.ev.actor.getSnapshot().value === 'waitForUnplug';
        if (phase === 0 && waiting) {
          sessions++;
          phase = 1;
          unpluggedAt = clock.now();
          sim.board.plant.unplug();
        } else if (phase === 1 && clock.now() - unpluggedAt > 2000) {
          phase = 2;
          sim.board.plant.plug();
        } else if (phase === 2 && waiting) {
          sessions++;
          phase = 3;
          sim.ev.actor.send({ type: 'STOP', reason: 'test done' });
          sim.evse.actor.send({ type: 'STOP', reason: 'test done' });
        }
      },
    });
    expect(sessions).toBe(2);
    expect(phase).toBe(3);
    expect(r.checkpoints.ev.filter((c) => c === 160).length).toBeGreaterThanOrEqual(2);
    expect(r.checkpoints.evse.filter((c) => c === 1).length).toBeGreaterThanOrEqual(2);
    expect(r.sim.evse.actor.getSnapshot().context).toMatchObject({ sessions: 2 });
    expect(r.violations).toEqual([]);
    r.sim.dispose();
  });
});

describe('charger de-energises when the car leaves state C (IEC 61851-1)', () => {
  it('ISO2 AC: the car drops CP to B mid-charge without a PowerDelivery stop; the charger opens its output contactor at once and the inlet goes dead', async () => {
    const evseViolations: string[] = [];
    let droppedAt = -1;
    let openAfterMs = -1;
    let loops = 0;
    const r = await runStack({
      protocol: 'iso2',
      mode: 'ac',
      maxVirtualMs: 120_000,
      onStart: (sim, clock) => {
        attachEvseSafetyMonitor(sim.board.evse, {}, { clock }).violation$.subscribe((v) => evseViolations.push(v.code));
        sim.evStatus.updates$.subscribe((u) => {
          if (u.checkpoint === 705 && ++loops === 3) {
            droppedAt = clock.now();
            // The car's own protection opens the CP switch (state C → B), as a car does on an internal fault.
            sim.board.ev.controlPilot.setState('B');
          }
        });
      },
      during: (sim, clock) => {
        if (droppedAt >= 0 && openAfterMs < 0 && !sim.board.plant.evseContactorPhysicallyClosed) openAfterMs = clock.now() - droppedAt;
        if (droppedAt >= 0 && clock.now() - droppedAt > 5000 && sim.ev.actor.getSnapshot().status === 'active') {
          sim.ev.actor.send({ type: 'STOP', reason: 'test done' });
        }
      },
    });
    expect(droppedAt).toBeGreaterThan(0);
    expect(openAfterMs).toBeGreaterThanOrEqual(0);
    expect(openAfterMs).toBeLessThan(500);
    expect(evseViolations).toEqual([]);
    r.sim.dispose();
  });
});
