// The end of a DC charge when the charger's current does not decay: the EV
// session never opens the contactors under load itself. It waits for the
// measured current (HW.CURRENT) to fall to the limit, and when it does not
// within CurrentDecay_Timeout it hands over to the SafeShutdownSequence, whose
// own deadline (logged as CURRENT_DID_NOT_DROP) is the only sanctioned opening
// above the limit. EV ⇄ EVSE on the sim board, SimulatedClock, safety monitor.
import { describe, expect, it } from 'vitest';
import { safeShutdownDefaults } from '../../machines/safe-shutdown/index.js';
import type { HardwareCommand } from '../../src/domain/safety/index.js';
import type { StatusUpdate } from '../../src/status.js';
import { v2gEvDefaults } from '../../src/domain/v2g/index.js';
import { checkpoints, createHarness, names, runToEnd, stop, type Harness, type HarnessOptions } from './harness.js';

const quick: HarnessOptions = { plant: { battery: { initialSocPercent: 20 }, supply: { isolationCheckMs: 300 }, lock: { moveMs: 100 } } };
const limit = v2gEvDefaults.contactorOpenCurrentLimit;
const decayTimeout = v2gEvDefaults.timeouts.CurrentDecay_Timeout;

interface Observed {
  /** Virtual time of each EV checkpoint, first occurrence. */
  readonly cpAt: Map<number, number>;
  readonly commands: Array<{ readonly t: number; readonly command: HardwareCommand }>;
  /** Contactor feedback edges and current readings with their virtual time. */
  readonly feedback: Array<{ readonly t: number; readonly closed: boolean }>;
  readonly amps: Array<{ readonly t: number; readonly amps: number }>;
}

/**
 * A charge to a SOC target just above the start; `onStopSent` runs synchronously when the EV
 * reports checkpoint 800 (PowerDeliveryReq(Stop) leaves), before the charger has seen it.
 */
function charge(onStopSent?: (h: Harness) => void, o: HarnessOptions = {}): { h: Harness; seen: Observed } {
  const h = createHarness({ ...quick, ...o, ev: { protocols: ['din'], socTarget: 20.2 } });
  const seen: Observed = { cpAt: new Map(), commands: [], feedback: [], amps: [] };
  // The harness collects the EV's status updates in an array; hook its push to act at the exact
  // transition (a time-based script could not hit the moment between request and answer).
  const push = h.evStatus.push.bind(h.evStatus);
  h.evStatus.push = (...us: StatusUpdate[]): number => {
    for (const u of us) {
      if (u.checkpoint === undefined || seen.cpAt.has(u.checkpoint)) continue;
      seen.cpAt.set(u.checkpoint, h.clock.now());
      if (u.checkpoint === 800) onStopSent?.(h);
    }
    return push(...us);
  };
  h.board.ev.commands$.subscribe((command) => seen.commands.push({ t: h.clock.now(), command }));
  h.board.ev.contactors.closed$.subscribe((closed) => seen.feedback.push({ t: h.clock.now(), closed }));
  h.board.ev.current?.amps$.subscribe((amps) => seen.amps.push({ t: h.clock.now(), amps }));
  return { h, seen };
}

const opens = (seen: Observed) => seen.commands.filter((c) => c.command.port === 'contactors' && c.command.command === 'open');
const ampsAt = (seen: Observed, t: number): number => [...seen.amps].reverse().find((a) => a.t <= t)?.amps ?? NaN;

describe('end of charge: contactors open only without load', () => {
  it('normal end: the session opens the contactors itself, once the measured current is at or below the limit', async () => {
    const { h, seen } = charge();
    const r = await runToEnd(h, 200_000, 20);
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'SocTargetReached', lastCheckpoint: 905 });
    const o = opens(seen);
    expect(o).toHaveLength(1);
    const tOpen = o[0]?.t ?? NaN;
    // Power flowed, then decayed before the opening (and not before the charger's PowerDeliveryRes(Stop)).
    expect(Math.max(...seen.amps.map((a) => a.amps))).toBeGreaterThan(limit);
    expect(tOpen).toBeGreaterThanOrEqual(seen.cpAt.get(810) ?? Infinity);
    expect(ampsAt(seen, tOpen)).toBeLessThanOrEqual(limit);
    // On the measurement, not on the timeout.
    expect(tOpen - (seen.cpAt.get(810) ?? NaN)).toBeLessThan(decayTimeout);
    expect(h.shutdownRequested).toBe(false);
    expect(h.monitor.violations).toEqual([]);
    expect(h.monitor.excused).toEqual([]);
    stop(h);
  });

  it('without a current sensor: CurrentDecay_Timeout is a plain wait after state B (pyPLC), then the session opens', async () => {
    const { h, seen } = charge(undefined, { withoutCurrentSensor: true });
    const r = await runToEnd(h, 200_000, 20);
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'SocTargetReached', lastCheckpoint: 905 });
    const o = opens(seen);
    expect(o).toHaveLength(1);
    const wait = (o[0]?.t ?? NaN) - (seen.cpAt.get(810) ?? NaN);
    expect(wait).toBeGreaterThanOrEqual(decayTimeout);
    expect(wait).toBeLessThan(decayTimeout + 50);
    // This charger obeys PowerDelivery(Stop): the blind wait found no load.
    expect(h.monitor.violations).toEqual([]);
    expect(h.shutdownRequested).toBe(false);
    stop(h);
  });

  it('charger current never decays after PowerDelivery(Stop): contactors stay closed until the deadline, then the SafeShutdownSequence opens them with CURRENT_DID_NOT_DROP logged', async () => {
    // The supply ignores every setpoint and off() from the moment the stop is sent: the charger
    // answers PowerDelivery(Stop) but its current never drops.
    const { h, seen } = charge((x) => x.board.plant.injectFault({ supply: 'current' }));
    const r = await runToEnd(h, 200_000, 20);

    // The session ends in a SafeShutdown naming the decay timeout, at CP state B (810).
    expect(r.ev?.result).toBe('SafeShutdown');
    expect(r.ev?.reason).toMatch(new RegExp(`^Timeout:CurrentDecay \\(\\d+(\\.\\d+)? A, limit ${limit} A\\)$`));
    expect(r.ev?.lastCheckpoint).toBe(810);
    expect(checkpoints(h.evStatus)).toContain(806);
    expect(h.evLog.lines.some((l) => l.level === 'error' && l.message.startsWith('session fault: Timeout:CurrentDecay'))).toBe(true);
    // It handed over instead of carrying on: no WeldingDetection or SessionStop with the contactors closed under load.
    expect(h.shutdownRequested).toBe(true);
    expect(names(h, 'ev→evse')).not.toContain('WeldingDetectionReq');
    expect(names(h, 'ev→evse')).not.toContain('SessionStopReq');

    const t810 = seen.cpAt.get(810) ?? NaN;
    const o = opens(seen);
    // Exactly one opening — the SafeShutdownSequence's — and none before both waits ran out:
    // the session's CurrentDecay_Timeout, then the sequence's own current_drop_deadline.
    expect(o).toHaveLength(1);
    const tOpen = o[0]?.t ?? NaN;
    expect(tOpen - t810).toBeGreaterThanOrEqual(decayTimeout + safeShutdownDefaults.currentDropDeadline);
    expect(tOpen - t810).toBeLessThan(decayTimeout + safeShutdownDefaults.currentDropDeadline + 200);
    // Closed (feedback) and under load the whole time up to the opening.
    expect(seen.feedback.filter((f) => f.t > t810 && f.t < tOpen && !f.closed)).toEqual([]);
    expect(seen.amps.filter((a) => a.t >= t810 && a.t < tOpen).every((a) => a.amps > limit)).toBe(true);
    expect(ampsAt(seen, tOpen)).toBeGreaterThan(limit);

    // The sanctioned break, on record: logged by the sequence, accepted by the monitor, no violation.
    expect(h.shutdownOutput?.faults.map((f) => f.code)).toEqual(['CURRENT_DID_NOT_DROP', 'INLET_VOLTAGE_NOT_SAFE']);
    expect(h.monitor.violations).toEqual([]);
    expect(h.monitor.excused).toHaveLength(1);
    expect(h.monitor.excused[0]).toMatchObject({ code: 'CONTACTORS_OPENED_UNDER_LOAD', fault: { code: 'CURRENT_DID_NOT_DROP', source: 'safe-shutdown' }, facts: { cp: 'B' } });
    expect(Number(h.monitor.excused[0]?.facts.amps)).toBeGreaterThan(limit);

    // The stuck supply keeps the inlet live: the connector stays locked (FaultLocked), never unlocked.
    expect(h.shutdownOutput?.endState).toBe('FaultLocked');
    expect(seen.commands.some((c) => c.command.port === 'connectorLock' && c.command.command === 'unlock')).toBe(false);
    let lock = '';
    h.board.ev.connectorLock?.state$.subscribe((s) => (lock = s)).unsubscribe();
    expect(lock).toBe('locked');
    stop(h);
  });
});
