// The AC power path of the sim plant: mains behind the charger's output
// contactor, the car's onboard charger drawing min(EV, EVSE) current while CP
// is C/D, energy = phases × U × I × efficiency integrated into the SOC.
import { describe, it, expect, afterEach } from 'vitest';
import fc from 'fast-check';
import { SimulatedClock } from 'xstate';
import { acCurrentFromDuty, advance, advanceUntil, createSimBoard, type SimBoard, type SimPlantOptions } from '../../boards/sim/index.js';
import { attachSafetyMonitor, attachEvseSafetyMonitor } from '../../src/domain/safety/index.js';

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

/** Charger at 5 % PWM (digital communication), car in state C, output contactor closed and confirmed. */
function startAcCharging(sim: SimBoard, clock: SimulatedClock): void {
  sim.evse.controlPilot.setDutyCycle?.(5);
  sim.ev.controlPilot.setState('C');
  sim.evse.contactors.close();
  expect(advanceUntil(clock, () => sim.plant.evseContactorPhysicallyClosed, 1000)).toBeGreaterThan(0);
}

describe('sim AC path: when energy flows', () => {
  it('draws current only with the output contactor closed, CP in C or D and the car enabled', () => {
    const { sim, clock } = board();
    const inlet = latest(sim.ev.inletVoltage!.volts$);
    const amps = latest(sim.ev.current!.amps$);
    const line = latest(sim.plant.acLineCurrentA.$);
    const reading = latest(sim.evse.powerSupply.reading$);
    const evseClosed = latest(sim.evse.contactors.closed$);
    sim.evse.controlPilot.setDutyCycle?.(5);
    // CP B, contactor open: nothing on the inlet.
    advance(clock, 500);
    expect(inlet()).toBe(0);
    expect(line()).toBe(0);
    // Contactor closed, CP still B: mains on the inlet, but the car does not take energy in B.
    sim.evse.contactors.close();
    advance(clock, 200);
    expect(evseClosed()).toBe(true);
    expect(inlet()).toBe(230);
    expect(reading()).toEqual({ voltage: 230, current: 0 });
    expect(line()).toBe(0);
    expect(amps()).toBe(0);
    // State C: the onboard charger draws its 16 A per phase.
    sim.ev.controlPilot.setState('C');
    advance(clock, 100);
    expect(line()).toBe(16);
    expect(reading()).toEqual({ voltage: 230, current: 16 });
    // Battery side: P = 3 × 230 V × 16 A × 0.92 into the pack; the sensor shows P / U_battery.
    const p = 3 * 230 * 16 * 0.92;
    const b = sim.plant.battery.getValue();
    expect(amps()).toBeGreaterThan(0);
    expect(amps() * b.voltage).toBeCloseTo(p, -1);
    // The car disables its onboard charger: no current, mains still present.
    sim.plant.setEvAcChargingEnabled(false);
    expect(line()).toBe(0);
    expect(amps()).toBe(0);
    expect(inlet()).toBe(230);
    sim.plant.setEvAcChargingEnabled(true);
    expect(line()).toBe(16);
    // State D (ventilation requested) also takes energy.
    sim.ev.controlPilot.setState('D');
    expect(line()).toBe(16);
  });

  it('stops when CP goes to B, when the contactor opens and when the plug is pulled', () => {
    const { sim, clock } = board();
    const inlet = latest(sim.ev.inletVoltage!.volts$);
    const amps = latest(sim.ev.current!.amps$);
    const line = latest(sim.plant.acLineCurrentA.$);
    startAcCharging(sim, clock);
    advance(clock, 10_000, 50);
    expect(line()).toBe(16);
    // C → B: the car stops taking energy at once (IEC 61851-1), the mains stays until the charger opens.
    sim.ev.controlPilot.setState('B');
    expect(line()).toBe(0);
    expect(amps()).toBe(0);
    const socAfterB = sim.plant.socPercent;
    advance(clock, 60_000, 50);
    expect(sim.plant.socPercent).toBe(socAfterB);
    expect(inlet()).toBe(230);
    // Back to C, then the charger opens its contactor under the car's load.
    sim.ev.controlPilot.setState('C');
    expect(line()).toBe(16);
    sim.evse.contactors.open();
    advance(clock, 30); // the contacts need openDelayMs (40 ms) to part
    expect(line()).toBe(16);
    advance(clock, 20);
    expect(line()).toBe(0);
    expect(amps()).toBe(0);
    expect(inlet()).toBe(0);
    expect(sim.evse.powerSupply.limits.maxVoltage).toBeGreaterThan(0);
    const socAfterOpen = sim.plant.socPercent;
    advance(clock, 60_000, 50);
    expect(sim.plant.socPercent).toBe(socAfterOpen);
    // Closed again, then unplugged: the circuit is broken.
    sim.evse.contactors.close();
    advance(clock, 200);
    expect(line()).toBe(16);
    sim.plant.unplug();
    expect(line()).toBe(0);
    expect(inlet()).toBe(0);
  });

  it('stops drawing when the battery is full', () => {
    const { sim, clock } = board({ battery: { capacityWh: 100, initialSocPercent: 99 } });
    const line = latest(sim.plant.acLineCurrentA.$);
    startAcCharging(sim, clock);
    expect(line()).toBe(16);
    // 1 Wh at ~10.2 kW takes ~0.35 s.
    advance(clock, 2000, 50);
    expect(sim.plant.socPercent).toBe(100);
    expect(line()).toBe(0);
  });
});

describe('sim AC path: energy', () => {
  it('raises the SOC by 3 × 230 V × 16 A × 0.92 over 10 virtual minutes', () => {
    const capacityWh = 28_000;
    const { sim, clock } = board({ battery: { capacityWh, initialSocPercent: 20 } });
    const battery = latest(sim.ev.battery.state$);
    startAcCharging(sim, clock);
    const soc0 = sim.plant.socPercent;
    const v0 = battery().voltage;
    advance(clock, 600_000, 50);
    const expected = ((3 * 230 * 16 * 0.92 * (600 / 3600)) / capacityWh) * 100; // 1692.8 Wh = 6.046 %
    expect(sim.plant.socPercent - soc0).toBeCloseTo(expected, 3);
    // The open-circuit voltage follows the SOC (65 V over 100 %).
    expect(battery().voltage - v0).toBeCloseTo(0.65 * expected, 1);
  });

  it('uses the configured phases, voltage and efficiency, with the offer from an analog PWM duty', () => {
    const capacityWh = 10_000;
    const { sim, clock } = board({ battery: { capacityWh, initialSocPercent: 50 }, ac: { phases: 1, nominalVoltage: 240, efficiency: 0.9, evMaxCurrent: 32 } });
    const inlet = latest(sim.ev.inletVoltage!.volts$);
    const line = latest(sim.plant.acLineCurrentA.$);
    startAcCharging(sim, clock);
    sim.evse.controlPilot.setDutyCycle?.(25); // IEC 61851-1: 25 % × 0.6 A = 15 A
    expect(inlet()).toBe(240);
    expect(line()).toBe(15);
    const soc0 = sim.plant.socPercent;
    advance(clock, 600_000, 50);
    const expected = ((240 * 15 * 0.9 * (600 / 3600)) / capacityWh) * 100; // 540 Wh = 5.4 %
    expect(sim.plant.socPercent - soc0).toBeCloseTo(expected, 3);
  });
});

describe('sim AC path: current limits', () => {
  it('takes the lower of the EV maximum and the charger offer', () => {
    const { sim, clock } = board({ ac: { evMaxCurrent: 16, evseMaxCurrent: 32 } });
    const line = latest(sim.plant.acLineCurrentA.$);
    startAcCharging(sim, clock);
    expect(line()).toBe(16); // EV-limited
    sim.plant.setEvseAcMaxCurrent(10);
    expect(line()).toBe(10); // EVSE-limited (digital, 5 % duty)
    sim.plant.setEvseAcMaxCurrent(0);
    expect(line()).toBe(0);
    sim.plant.setEvseAcMaxCurrent(Number.NaN);
    expect(line()).toBe(0);
    sim.plant.setEvseAcMaxCurrent(63);
    expect(line()).toBe(16);
    sim.evse.controlPilot.setDutyCycle?.(16); // 9.6 A by PWM: the analog duty replaces the digital limit
    expect(line()).toBeCloseTo(9.6, 5);
    sim.evse.controlPilot.setDutyCycle?.(50); // 30 A offered, the car takes its 16 A
    expect(line()).toBe(16);
    sim.evse.controlPilot.setDutyCycle?.(100); // no PWM: no charging allowed
    expect(line()).toBe(0);
    sim.evse.controlPilot.setDutyCycle?.(5);
    sim.evse.controlPilot.setState('F'); // charger fault: the PWM stops, so does the draw
    expect(line()).toBe(0);
  });

  it('maps the PWM duty to the offered current per IEC 61851-1 table A.8', () => {
    expect(acCurrentFromDuty(5, 20)).toBe(20);
    expect(acCurrentFromDuty(3, 20)).toBe(20);
    expect(acCurrentFromDuty(7.5, 20)).toBe(0);
    expect(acCurrentFromDuty(8, 20)).toBe(6);
    expect(acCurrentFromDuty(10, 20)).toBeCloseTo(6, 9);
    expect(acCurrentFromDuty(53.3, 20)).toBeCloseTo(31.98, 9);
    expect(acCurrentFromDuty(85, 20)).toBeCloseTo(51, 9);
    expect(acCurrentFromDuty(90, 20)).toBeCloseTo(65, 9);
    expect(acCurrentFromDuty(96.5, 20)).toBe(80);
    expect(acCurrentFromDuty(98, 20)).toBe(0);
    expect(acCurrentFromDuty(100, 20)).toBe(0);
    expect(acCurrentFromDuty(0, 20)).toBe(0);
    expect(acCurrentFromDuty(5, -3)).toBe(0);
  });

  it('never exceeds either limit and carries current only in the right conditions (property)', () => {
    type Cmd =
      | { op: 'cp'; s: 'B' | 'C' | 'D' }
      | { op: 'duty'; d: number }
      | { op: 'evseMax'; a: number }
      | { op: 'close' | 'open' | 'enable' | 'disable' | 'plug' | 'unplug' }
      | { op: 'wait'; ms: number };
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      fc.record({ op: fc.constant('cp' as const), s: fc.constantFrom('B' as const, 'C' as const, 'D' as const) }),
      fc.record({ op: fc.constant('duty' as const), d: fc.integer({ min: 0, max: 100 }) }),
      fc.record({ op: fc.constant('evseMax' as const), a: fc.integer({ min: -5, max: 100 }) }),
      fc.record({ op: fc.constantFrom('close' as const, 'open' as const, 'enable' as const, 'disable' as const, 'plug' as const, 'unplug' as const) }),
      fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 3000 }) }),
    );
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 25 }), fc.integer({ min: 6, max: 32 }), (cmds, evMax) => {
        const clock = new SimulatedClock();
        const sim = createSimBoard({ scheduler: clock, ac: { evMaxCurrent: evMax } });
        const line = latest(sim.plant.acLineCurrentA.$);
        const inlet = latest(sim.ev.inletVoltage!.volts$);
        const cp = latest(sim.evse.controlPilot.state$);
        let soc = sim.plant.socPercent;
        for (const c of cmds) {
          if (c.op === 'cp') sim.ev.controlPilot.setState(c.s);
          else if (c.op === 'duty') sim.evse.controlPilot.setDutyCycle?.(c.d);
          else if (c.op === 'evseMax') sim.plant.setEvseAcMaxCurrent(c.a);
          else if (c.op === 'close') sim.evse.contactors.close();
          else if (c.op === 'open') sim.evse.contactors.open();
          else if (c.op === 'enable') sim.plant.setEvAcChargingEnabled(true);
          else if (c.op === 'disable') sim.plant.setEvAcChargingEnabled(false);
          else if (c.op === 'plug') sim.plant.plug();
          else if (c.op === 'unplug') sim.plant.unplug();
          else if (c.op === 'wait') advance(clock, c.ms, 50);
          expect(line()).toBeGreaterThanOrEqual(0);
          expect(line()).toBeLessThanOrEqual(Math.min(evMax, sim.plant.acOfferedCurrent) + 1e-9);
          const live = sim.plant.evseContactorPhysicallyClosed && sim.plant.isPlugged;
          expect(inlet()).toBe(live ? 230 : 0);
          if (!live || (cp() !== 'C' && cp() !== 'D') || !sim.plant.evAcChargingEnabled) expect(line()).toBe(0);
          expect(sim.plant.socPercent).toBeGreaterThanOrEqual(soc);
          soc = sim.plant.socPercent;
        }
        sim.plant.close();
      }),
      { numRuns: 60 },
    );
  });
});

describe('sim AC path: the charger output contactor', () => {
  it('confirms after its delays, and a welded one keeps mains on the inlet', () => {
    const { sim, clock } = board({ evseContactor: { closeDelayMs: 100, openDelayMs: 50 } });
    const closed = latest(sim.evse.contactors.closed$);
    const inlet = latest(sim.ev.inletVoltage!.volts$);
    expect(sim.evse.contactors.hasFeedback).toBe(true);
    sim.evse.contactors.close();
    advance(clock, 90);
    expect(closed()).toBe(false);
    expect(inlet()).toBe(0);
    advance(clock, 20);
    expect(closed()).toBe(true);
    expect(inlet()).toBe(230);
    sim.plant.injectFault({ evseContactor: 'welded' });
    sim.evse.contactors.open();
    advance(clock, 1000);
    expect(closed()).toBe(true);
    expect(inlet()).toBe(230);
    // The EV's own contactors are independent of it.
    expect(sim.plant.contactorsPhysicallyClosed).toBe(false);
  });

  it('never confirms with the never-confirms fault, and reports its commands', () => {
    const { sim, clock } = board({ faults: { evseContactor: 'never-confirms' } });
    const commands: string[] = [];
    sim.evse.commands$.subscribe((c) => commands.push(`${c.port}.${c.command}`));
    sim.evse.contactors.close();
    advance(clock, 1000);
    expect(sim.plant.evseContactorPhysicallyClosed).toBe(false);
    expect(sim.plant.evseContactorFeedback.value).toBe(false);
    expect(commands).toEqual(['contactors.close']);
  });
});

describe('sim AC path: safety monitors', () => {
  it('a complete AC charge in the ISO 15118-2 order raises no violation on either side', () => {
    const { sim, clock } = board();
    const ev = attachSafetyMonitor(sim.ev, {}, { clock });
    const evse = attachEvseSafetyMonitor(sim.evse, {}, { clock });
    sim.evse.controlPilot.setDutyCycle?.(5);
    sim.ev.connectorLock?.lock();
    advance(clock, 400);
    // PowerDeliveryRes(Start): the charger closes its contactor, the car goes to C ([V2G2-847]).
    sim.evse.contactors.close();
    advance(clock, 20);
    sim.ev.controlPilot.setState('C');
    advance(clock, 120_000, 50);
    expect(sim.plant.acLineCurrentA.value).toBe(16);
    // PowerDeliveryRes(Stop): contactor open, car back to B, then unlock once the inlet is dead.
    sim.evse.contactors.open();
    sim.ev.controlPilot.setState('B');
    advance(clock, 200);
    expect(sim.plant.inletV.value).toBe(0);
    sim.ev.connectorLock?.unlock();
    advance(clock, 400);
    expect(ev.violations).toEqual([]);
    expect(evse.violations).toEqual([]);
    ev.stop();
    evse.stop();
  });

  it('flags a charger that keeps mains on after state B, and an unlock with mains on the inlet', () => {
    const { sim, clock } = board();
    const ev = attachSafetyMonitor(sim.ev, {}, { clock });
    const evse = attachEvseSafetyMonitor(sim.evse, {}, { clock });
    sim.ev.connectorLock?.lock();
    advance(clock, 400);
    startAcCharging(sim, clock);
    advance(clock, 5000);
    sim.ev.controlPilot.setState('B');
    advance(clock, 3000); // more than the 2 s discharge grace with 230 V on the output
    expect(evse.violations.map((v) => v.code)).toEqual(['EVSE_OUTPUT_LIVE_WITHOUT_STATE_C']);
    sim.ev.connectorLock?.unlock();
    expect(ev.violations.map((v) => v.code)).toEqual(['UNLOCKED_ABOVE_SAFE_VOLTAGE']);
    ev.stop();
    evse.stop();
  });
});
