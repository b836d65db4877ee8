import { describe, it, expect, afterEach } from 'vitest';
import fc from 'fast-check';
import { SimulatedClock } from 'xstate';
import { createSimBoard, advance, advanceUntil, type SimBoard, type SimPlantOptions } from '../../boards/sim/index.js';

let boards: SimBoard[] = [];
function board(options: SimPlantOptions = {}): { sim: SimBoard; clock: SimulatedClock } {
  const clock = new SimulatedClock();
  const sim = createSimBoard({ scheduler: clock, ...options });
  boards.push(sim);
  return { sim, clock };
}
afterEach(async () => {
  for (const b of boards) await b.close();
  boards = [];
});

function latest<T>(o: { subscribe(f: (v: T) => void): unknown }): () => T {
  let v: T | undefined;
  o.subscribe((x) => (v = x));
  return () => v as T;
}

describe('sim control pilot', () => {
  it('carries the EVSE PWM to the EV and the EV load to the EVSE', () => {
    const { sim } = board();
    const evState = latest(sim.ev.controlPilot.state$);
    const evDuty = latest(sim.ev.controlPilot.dutyCycle$);
    const evseState = latest(sim.evse.controlPilot.state$);
    expect(evseState()).toBe('B'); // plugged: the EV's 2.74 kΩ is always on the line
    sim.evse.controlPilot.setDutyCycle?.(5);
    expect(evDuty()).toBe(5);
    sim.ev.controlPilot.setState('C');
    expect(evseState()).toBe('C');
    expect(evState()).toBe('C');
    sim.plant.unplug();
    expect(evseState()).toBe('A');
    expect(evDuty()).toBe(0);
    sim.evse.controlPilot.setState('F');
    sim.plant.plug();
    expect(evState()).toBe('F');
  });
});

describe('sim contactors and lock', () => {
  it('confirms closing after the configured delay', () => {
    const { sim, clock } = board({ contactors: { closeDelayMs: 100 } });
    const closed = latest(sim.ev.contactors.closed$);
    sim.ev.contactors.close();
    advance(clock, 90);
    expect(closed()).toBe(false);
    advance(clock, 20);
    expect(closed()).toBe(true);
    sim.ev.contactors.open();
    advance(clock, 100);
    expect(closed()).toBe(false);
  });

  it('never confirms with the never-confirms fault', () => {
    const { sim, clock } = board({ faults: { contactors: 'never-confirms' } });
    const closed = latest(sim.ev.contactors.closed$);
    sim.ev.contactors.close();
    advance(clock, 2000);
    expect(closed()).toBe(false);
    expect(sim.plant.contactorsPhysicallyClosed).toBe(false);
  });

  it('stays closed when welded', () => {
    const { sim, clock } = board();
    const closed = latest(sim.ev.contactors.closed$);
    sim.ev.contactors.close();
    advance(clock, 200);
    sim.plant.injectFault({ contactors: 'welded' });
    sim.ev.contactors.open();
    advance(clock, 2000);
    expect(closed()).toBe(true);
    expect(sim.plant.contactorsPhysicallyClosed).toBe(true);
  });

  it('echoes the command when the board has no feedback contact', () => {
    const { sim } = board({ contactors: { hasFeedback: false } });
    const closed = latest(sim.ev.contactors.closed$);
    expect(sim.ev.contactors.hasFeedback).toBe(false);
    sim.ev.contactors.close();
    expect(closed()).toBe(true);
  });

  it('moves the lock with feedback, and reports a lock fault', () => {
    const { sim, clock } = board({ lock: { moveMs: 300 } });
    const states: string[] = [];
    sim.ev.connectorLock?.state$.subscribe((s) => states.push(s));
    sim.ev.connectorLock?.lock();
    advance(clock, 400);
    expect(states).toEqual(['unlocked', 'moving', 'locked']);
    sim.plant.injectFault({ lock: 'fails-to-unlock' });
    sim.ev.connectorLock?.unlock();
    advance(clock, 400);
    expect(states.at(-1)).toBe('fault');
    const b = board({ faults: { lock: 'fails-to-lock' } });
    const s2 = latest(b.sim.ev.connectorLock!.state$);
    b.sim.ev.connectorLock?.lock();
    advance(b.clock, 400);
    expect(s2()).toBe('fault');
  });
});

describe('sim DC power path', () => {
  it('ramps the supply with its slew rate; the battery side sees it only through closed contactors', () => {
    const { sim, clock } = board({ supply: { slewVoltsPerSecond: 400 } });
    const inlet = latest(sim.ev.inletVoltage!.volts$);
    const amps = latest(sim.ev.current!.amps$);
    const battery = latest(sim.ev.battery.state$);
    const ocv = battery().voltage;
    expect(ocv).toBeCloseTo(330 + 65 * 0.2, 5); // 20 % of the way from 330 V to 395 V
    sim.evse.powerSupply.setTarget(ocv, 2); // PreCharge: target = battery voltage, ≤ 2 A
    advance(clock, 500);
    expect(inlet()).toBeGreaterThan(190);
    expect(inlet()).toBeLessThan(210);
    expect(battery().voltage).toBeCloseTo(ocv, 5);
    const took = advanceUntil(clock, () => Math.abs(inlet() - ocv) < 1, 5000);
    expect(took).toBeGreaterThan(0);
    expect(amps()).toBe(0);
  });

  it('drives current only with contactors closed and supply above the battery, limited by the current request', () => {
    const { sim, clock } = board();
    const amps = latest(sim.ev.current!.amps$);
    const evseReading = latest(sim.evse.powerSupply.reading$);
    const ocv = sim.plant.socPercent * 0.65 + 330;
    sim.evse.powerSupply.setTarget(ocv, 2);
    advance(clock, 2000);
    sim.ev.contactors.close();
    advance(clock, 200);
    expect(amps()).toBe(0); // equal voltages: no current
    sim.evse.powerSupply.setTarget(300, 50); // below the battery: a charger does not sink current
    advance(clock, 1000);
    expect(amps()).toBe(0);
    sim.evse.powerSupply.setTarget(398, 50);
    advance(clock, 1000);
    expect(amps()).toBe(50); // constant current at the limit
    expect(evseReading().current).toBe(50);
    sim.evse.powerSupply.setTarget(398, 0);
    advance(clock, 50);
    expect(amps()).toBe(0);
  });

  it('integrates SOC from the delivered energy', () => {
    const { sim, clock } = board({ battery: { capacityWh: 10_000, initialSocPercent: 50 } });
    const battery = latest(sim.ev.battery.state$);
    const v0 = battery().voltage;
    sim.evse.powerSupply.setTarget(v0, 2);
    advance(clock, 2000, 50);
    sim.ev.contactors.close();
    advance(clock, 200, 50);
    sim.evse.powerSupply.setTarget(400, 100);
    advance(clock, 60_000, 50);
    // ≈ 100 A × ~365 V × 1/60 h ≈ 610 Wh of 10 kWh ≈ 6 %
    expect(battery().socPercent).toBeGreaterThan(55.5);
    expect(battery().socPercent).toBeLessThan(56.5);
    expect(battery().voltage).toBeGreaterThan(v0);
  });

  it('reports the configured isolation result after the configured duration and discharges', async () => {
    const { sim, clock } = board({ supply: { isolationResult: 'Fault', isolationCheckMs: 1000 } });
    let result: string | undefined;
    void sim.evse.powerSupply.isolationCheck(500).then((r) => (result = r));
    advance(clock, 900);
    await Promise.resolve();
    expect(result).toBeUndefined();
    expect(sim.plant.supplyVoltage).toBeGreaterThan(300);
    advance(clock, 200);
    await Promise.resolve();
    expect(result).toBe('Fault');
    advance(clock, 2000);
    expect(sim.plant.supplyVoltage).toBe(0);
  });

  it('keeps pushing current with the stuck supply fault, and keeps voltage with the voltage fault', () => {
    const { sim, clock } = board();
    const amps = latest(sim.ev.current!.amps$);
    const inlet = latest(sim.ev.inletVoltage!.volts$);
    sim.evse.powerSupply.setTarget(343, 2);
    advance(clock, 2000);
    sim.ev.contactors.close();
    sim.evse.powerSupply.setTarget(398, 40);
    advance(clock, 500);
    sim.plant.injectFault({ supply: 'current' });
    sim.evse.powerSupply.off();
    advance(clock, 1000);
    expect(amps()).toBe(40);
    sim.plant.injectFault({ supply: 'voltage' });
    sim.evse.powerSupply.off();
    sim.ev.contactors.open();
    advance(clock, 3000);
    expect(amps()).toBe(0);
    expect(inlet()).toBeGreaterThan(300);
  });

  it('keeps its physics within bounds for any command sequence (property)', () => {
    type Cmd = { op: 'target'; v: number; i: number } | { op: 'off' | 'close' | 'open' | 'unplug' | 'plug' } | { op: 'wait'; ms: number };
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      fc.record({ op: fc.constant('target' as const), v: fc.integer({ min: -100, max: 900 }), i: fc.integer({ min: -10, max: 500 }) }),
      fc.record({ op: fc.constantFrom('off' as const, 'close' as const, 'open' as const, 'unplug' as const, 'plug' as const) }),
      fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
    );
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 25 }), (cmds) => {
        const clock = new SimulatedClock();
        const sim = createSimBoard({ scheduler: clock });
        const amps = latest(sim.ev.current!.amps$);
        const inlet = latest(sim.ev.inletVoltage!.volts$);
        let soc = sim.plant.socPercent;
        for (const c of cmds) {
          if (c.op === 'target') sim.evse.powerSupply.setTarget(c.v, c.i);
          else if (c.op === 'off') sim.evse.powerSupply.off();
          else if (c.op === 'close') sim.ev.contactors.close();
          else if (c.op === 'open') sim.ev.contactors.open();
          else if (c.op === 'plug') sim.plant.plug();
          else if (c.op === 'unplug') sim.plant.unplug();
          else if (c.op === 'wait') advance(clock, c.ms, 50);
          expect(amps()).toBeGreaterThanOrEqual(0);
          expect(amps()).toBeLessThanOrEqual(200);
          expect(inlet()).toBeGreaterThanOrEqual(0);
          expect(inlet()).toBeLessThanOrEqual(500 + 200 * 0.05 + 0.01);
          expect(sim.plant.socPercent).toBeGreaterThanOrEqual(soc);
          soc = sim.plant.socPercent;
        }
        sim.plant.close();
      }),
      { numRuns: 60 },
    );
  });

  it('completes its observables and stops its clock on close', async () => {
    const { sim, clock } = board();
    let completed = false;
    sim.ev.contactors.closed$.subscribe({ complete: () => (completed = true) });
    await sim.close();
    expect(completed).toBe(true);
    sim.ev.contactors.close(); // after close a command is harmless
    advance(clock, 1000);
    expect(sim.plant.contactorsPhysicallyClosed).toBe(false);
  });
});
