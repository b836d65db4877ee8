// Board capabilities drive the session (issue 10 item 2): no lock → no locking step and a
// SafeShutdown that does not wait for one; an unplug ends the session and the next plug-in
// starts a new one in the same process, whether the board senses PP, the CP state or only
// the charger's 5 % PWM.
import { describe, expect, it } from 'vitest';
import { BehaviorSubject } from 'rxjs';
import { runStack } from './harness.js';
import type { EvHardware } from '../../src/ports/hardware.js';
import { evCapabilitiesOf, isDigitalCommunicationDuty, plugState$, v2gEvConfigForHardware } from '../../src/domain/hardware/capabilities.js';
import { v2gEvDefaults } from '../../src/domain/v2g/config.js';
import type { SimBoard } from '../../boards/sim/index.js';

describe('capabilities of a board', () => {
  const base = (over: Partial<EvHardware> = {}): EvHardware => ({
    controlPilot: { state$: new BehaviorSubject('B' as const), dutyCycle$: new BehaviorSubject(5), setState: () => {} },
    contactors: { closed$: new BehaviorSubject(false), hasFeedback: false, close: () => {}, open: () => {} },
    battery: { state$: new BehaviorSubject({ socPercent: 50, voltage: 350, maxCurrent: 100, maxVoltage: 400, capacityWh: 28000 }) },
    close: async () => {},
    ...over,
  });

  it('a board without lock pins gets a session without a locking step; without feedback the command counts', () => {
    const caps = evCapabilitiesOf(base());
    expect(caps).toMatchObject({ lock: 'none', contactorFeedback: false, plugDetection: 'cp' });
    const cfg = v2gEvConfigForHardware({ ...v2gEvDefaults }, caps);
    expect(cfg.hasConnectorLock).toBe(false);
    expect(cfg.contactorsHaveFeedback).toBe(false);
    const locked = evCapabilitiesOf(base({ connectorLock: { state$: new BehaviorSubject('unlocked' as const), hasFeedback: false, lock: () => {}, unlock: () => {} } }));
    expect(locked.lock).toBe('timed');
    expect(v2gEvConfigForHardware({ ...v2gEvDefaults, hasConnectorLock: false }, locked).hasConnectorLock).toBe(true);
  });

  it('plug state from the 5 % PWM when that is all the board sees; none gives no stream', () => {
    const duty = new BehaviorSubject(5);
    const hw = base({ plugDetection: 'pwm', controlPilot: { state$: new BehaviorSubject('B' as const), dutyCycle$: duty, setState: () => {} } });
    const seen: boolean[] = [];
    plugState$(hw)?.subscribe((p) => seen.push(p));
    duty.next(5.4);
    duty.next(100);
    duty.next(0);
    duty.next(4.8);
    expect(seen).toEqual([true, false, true]);
    expect(plugState$(base({ plugDetection: 'none' }))).toBeUndefined();
    expect([2.9, 3, 7, 7.1].map(isDigitalCommunicationDuty)).toEqual([false, true, true, false]);
  });
});

describe('sessions on boards without a lock or without PP (virtual time)', () => {
  it('no lock on the board: the DC session runs to ChargingFinished (no Timeout:ConnectorLock) and the shutdown does not wait for a lock', async () => {
    const r = await runStack({ plant: { lock: { present: false } }, maxVirtualMs: 200_000 });
    const out = await r.sim.done;
    expect(out.ev.end).toBe('ChargingFinished');
    expect(r.logs.lines.some((l) => l.message.includes('ConnectorLock'))).toBe(false);
    expect(r.checkpoints.ev).not.toContain(556); // no "Locked" step
    expect(r.violations).toEqual([]);
    r.sim.dispose();
  });

  it('an unplug mid-charge ends the session; the next plug-in starts a new one (no wait for a second unplug)', async () => {
    let phase = 0;
    let t = 0;
    const r = await runStack({
      oneShot: false,
      maxVirtualMs: 300_000,
      during: (sim, clock, cps) => {
        if (phase === 0 && cps.ev.includes(700)) {
          phase = 1;
          t = clock.now();
          sim.board.plant.unplug();
        } else if (phase === 1 && clock.now() - t > 20_000) {
          // The shutdown is over by now: the manager must wait for a plug, not for an unplug.
          expect(sim.ev.actor.getSnapshot().value).toBe('waitForPlug');
          phase = 2;
          sim.board.plant.plug();
        } else if (phase === 2 && sim.ev.actor.getSnapshot().value === 'waitForUnplug') {
          phase = 3;
          sim.ev.actor.send({ type: 'STOP', reason: 'test done' });
          sim.evse.actor.send({ type: 'STOP', reason: 'test done' });
        }
      },
    });
    expect(phase).toBe(3);
    // Two sessions started by the car's connection manager; the second reached the charge loop again.
    expect(r.logs.lines.filter((l) => l.component === 'ev.ev' && l.message === 'session start').length).toBe(2);
    expect(r.checkpoints.ev.lastIndexOf(700)).toBeGreaterThan(r.checkpoints.ev.lastIndexOf(190));
    r.sim.dispose();
  });

  it('a board that sees only the PWM: the PWM going away ends the wait, the next 5 % starts the next session', async () => {
    // The sim board's EV side without PP: the car sees the charger only through the CP duty cycle.
    const pwmOnly = (board: SimBoard): EvHardware => {
      const { plug: _plug, ...rest } = board.ev;
      return { ...rest, plugDetection: 'pwm' };
    };
    let phase = 0;
    let t = 0;
    let sessions = 0;
    const r = await runStack({
      oneShot: false,
      evHardware: pwmOnly,
      maxVirtualMs: 300_000,
      during: (sim, clock) => {
        const waiting = sim.ev.actor.getSnapshot().value === 'waitForUnplug';
        if (phase === 0 && waiting) {
          sessions++;
          phase = 1;
          t = clock.now();
          sim.board.plant.unplug(); // the pilot goes away: 0 % duty
        } else if (phase === 1 && clock.now() - t > 2000) {
          expect(sim.ev.actor.getSnapshot().value).toBe('waitForPlug');
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
    expect(r.violations).toEqual([]);
    r.sim.dispose();
  });
});
