import { describe, it, expect, afterEach } from 'vitest';
import { SimulatedClock } from 'xstate';
import { from } from 'rxjs';
import { createSimBoard, advance, advanceUntil, type SimBoard } from '../../boards/sim/index.js';
import { attachSafetyMonitor, watchSafety, type HardwareEvent } from '../../src/domain/safety/index.js';

let boards: SimBoard[] = [];
afterEach(async () => {
  for (const b of boards) await b.close();
  boards = [];
});

function setup() {
  const clock = new SimulatedClock();
  const sim = createSimBoard({ scheduler: clock });
  boards.push(sim);
  const monitor = attachSafetyMonitor(sim.ev, {}, { clock });
  let inlet = 0;
  sim.ev.inletVoltage!.volts$.subscribe((v) => (inlet = v));
  let battery = 0;
  sim.ev.battery.state$.subscribe((b) => (battery = b.voltage));
  /** State C, lock, precharge to the battery, close, charge at 50 A. */
  const startCharging = (): void => {
    sim.evse.controlPilot.setDutyCycle?.(5);
    sim.ev.controlPilot.setState('C');
    sim.ev.connectorLock!.lock();
    advance(clock, 400);
    sim.evse.powerSupply.setTarget(battery, 2);
    expect(advanceUntil(clock, () => Math.abs(inlet - battery) < 5, 5000)).toBeGreaterThan(0);
    sim.ev.contactors.close();
    advance(clock, 200);
    sim.evse.powerSupply.setTarget(398, 50);
    advance(clock, 2000);
  };
  return { clock, sim, monitor, startCharging, inlet: () => inlet };
}

describe('safety monitor on the sim board', () => {
  it('records nothing for a correct start and stop', () => {
    const { clock, sim, monitor, startCharging, inlet } = setup();
    startCharging();
    sim.evse.powerSupply.off(); // 0 A first
    advance(clock, 100);
    sim.ev.contactors.open();
    advance(clock, 100);
    expect(advanceUntil(clock, () => inlet() < 60, 5000)).toBeGreaterThanOrEqual(0);
    sim.ev.controlPilot.setState('B');
    sim.ev.connectorLock!.unlock();
    advance(clock, 500);
    expect(monitor.violations).toEqual([]);
  });

  it('flags contactors opened under load', () => {
    const { clock, sim, monitor, startCharging } = setup();
    startCharging();
    sim.ev.contactors.open();
    advance(clock, 200);
    expect(monitor.violations.map((v) => v.code)).toEqual(['CONTACTORS_OPENED_UNDER_LOAD']);
    expect(monitor.violations[0]?.facts.amps).toBe(50);
  });

  it('flags an unlock while the contactors are closed', () => {
    const { clock, sim, monitor, startCharging } = setup();
    startCharging();
    sim.evse.powerSupply.off();
    advance(clock, 100);
    sim.ev.connectorLock!.unlock();
    advance(clock, 500);
    const codes = monitor.violations.map((v) => v.code);
    expect(codes).toContain('UNLOCKED_WHILE_CONTACTORS_CLOSED');
    expect(codes).toContain('UNLOCKED_ABOVE_SAFE_VOLTAGE'); // the battery keeps the inlet live
  });

  it('flags an unlock while the inlet is still above 60 V', () => {
    const { clock, sim, monitor, startCharging } = setup();
    startCharging();
    sim.evse.powerSupply.setTarget(398, 0);
    advance(clock, 100);
    sim.ev.contactors.open();
    advance(clock, 100);
    sim.ev.connectorLock!.unlock(); // charger output still at ~398 V
    expect(monitor.violations.map((v) => v.code)).toEqual(['UNLOCKED_ABOVE_SAFE_VOLTAGE']);
  });

  it('flags CP state C without a lock after the grace time, and contactors closed without lock or precharge', () => {
    const { clock, sim, monitor } = setup();
    sim.ev.controlPilot.setState('C');
    advance(clock, 1900);
    expect(monitor.violations).toEqual([]);
    advance(clock, 200);
    expect(monitor.violations.map((v) => v.code)).toEqual(['CP_C_WITHOUT_LOCK']);
    sim.ev.contactors.close(); // inlet 0 V vs battery 343 V, unlocked
    advance(clock, 200);
    expect(monitor.violations.map((v) => v.code)).toEqual([
      'CP_C_WITHOUT_LOCK',
      'CONTACTORS_CLOSED_WITHOUT_LOCK',
      'CONTACTORS_CLOSED_WITHOUT_PRECHARGE',
    ]);
  });

  it('flags current above the battery maximum', () => {
    const { clock, sim, monitor, startCharging } = setup();
    startCharging();
    sim.evse.powerSupply.setTarget(398, 150);
    advance(clock, 200);
    expect(monitor.violations.map((v) => v.code)).toEqual(['CURRENT_ABOVE_EV_MAXIMUM']);
  });
});

describe('watchSafety on recorded events', () => {
  it('replays a plain event list (no hardware needed)', () => {
    const events: HardwareEvent[] = [
      { kind: 'lock', state: 'locked' },
      { kind: 'contactors', closed: true },
      { kind: 'current', amps: 120 },
      { kind: 'command', command: { port: 'contactors', command: 'open' } },
      { kind: 'contactors', closed: false },
    ];
    const monitor = watchSafety(from(events), { requireLock: true }, { clock: new SimulatedClock() });
    // One violation per episode, although both the command and the feedback edge show it.
    expect(monitor.violations).toHaveLength(1);
    expect(monitor.violations[0]).toMatchObject({ code: 'CONTACTORS_OPENED_UNDER_LOAD', facts: { amps: 120 } });
  });

  it('treats an unreadable inlet voltage (NaN) as not safe, and skips voltage checks without a sensor', () => {
    const withSensor: HardwareEvent[] = [
      { kind: 'inletVoltage', volts: NaN },
      { kind: 'lock', state: 'locked' },
      { kind: 'lock', state: 'unlocked' },
    ];
    expect(watchSafety(from(withSensor), {}, { clock: new SimulatedClock() }).violations.map((v) => v.code)).toEqual(['UNLOCKED_ABOVE_SAFE_VOLTAGE']);
    const noSensor: HardwareEvent[] = [
      { kind: 'battery', state: { socPercent: 50, voltage: 360, maxCurrent: 100, maxVoltage: 398, capacityWh: 28000 } },
      { kind: 'lock', state: 'locked' },
      { kind: 'contactors', closed: true },
      { kind: 'contactors', closed: false },
      { kind: 'lock', state: 'unlocked' },
    ];
    expect(watchSafety(from(noSensor), {}, { clock: new SimulatedClock() }).violations).toEqual([]);
  });

  describe('the deadline exception: opening under load after a logged CURRENT_DID_NOT_DROP', () => {
    const currentFault = { kind: 'loggedFault', fault: { code: 'CURRENT_DID_NOT_DROP', message: 'current still 120 A after 2000 ms', source: 'safe-shutdown' } } as const;
    const charging: HardwareEvent[] = [
      { kind: 'lock', state: 'locked' },
      { kind: 'cp', state: 'C' },
      { kind: 'contactors', closed: true },
      { kind: 'current', amps: 120 },
    ];
    const openNow: HardwareEvent[] = [
      { kind: 'command', command: { port: 'contactors', command: 'open' } },
      { kind: 'contactors', closed: false },
    ];
    const codes = (events: HardwareEvent[]) => {
      const m = watchSafety(from(events), { requireLock: true }, { clock: new SimulatedClock() });
      return { violations: m.violations.map((v) => v.code), excused: m.excused.map((e) => `${e.code}/${e.fault.code}`) };
    };

    it('is accepted (and recorded once, for the command and the feedback edge) after the logged fault with CP in state B', () => {
      expect(codes([...charging, { kind: 'cp', state: 'B' }, currentFault, ...openNow])).toEqual({ violations: [], excused: ['CONTACTORS_OPENED_UNDER_LOAD/CURRENT_DID_NOT_DROP'] });
    });

    it('is a violation without the logged fault, with another fault, or from another source', () => {
      const flagged = { violations: ['CONTACTORS_OPENED_UNDER_LOAD'], excused: [] };
      expect(codes([...charging, { kind: 'cp', state: 'B' }, ...openNow])).toEqual(flagged);
      const other = { kind: 'loggedFault', fault: { code: 'INLET_VOLTAGE_NOT_SAFE', message: '', source: 'safe-shutdown' } } as const;
      expect(codes([...charging, { kind: 'cp', state: 'B' }, other, ...openNow])).toEqual(flagged);
      const foreign = { kind: 'loggedFault', fault: { ...currentFault.fault, source: 'session' } } as unknown as HardwareEvent;
      expect(codes([...charging, { kind: 'cp', state: 'B' }, foreign, ...openNow])).toEqual(flagged);
    });

    it('is a violation while the CP still requests energy (state C: no hardware-level stop was given)', () => {
      expect(codes([...charging, currentFault, ...openNow])).toEqual({ violations: ['CONTACTORS_OPENED_UNDER_LOAD'], excused: [] });
    });

    it('covers only its own closed episode: a fault logged while open, or before a re-close, excuses nothing', () => {
      const stale: HardwareEvent[] = [{ kind: 'lock', state: 'locked' }, { kind: 'cp', state: 'B' }, currentFault, { kind: 'contactors', closed: true }, { kind: 'current', amps: 120 }, ...openNow];
      expect(codes(stale)).toEqual({ violations: ['CONTACTORS_OPENED_UNDER_LOAD'], excused: [] });
      const twice: HardwareEvent[] = [
        ...charging,
        { kind: 'cp', state: 'B' },
        currentFault,
        ...openNow,
        { kind: 'command', command: { port: 'contactors', command: 'close' } },
        { kind: 'contactors', closed: true },
        ...openNow,
      ];
      expect(codes(twice)).toEqual({ violations: ['CONTACTORS_OPENED_UNDER_LOAD'], excused: ['CONTACTORS_OPENED_UNDER_LOAD/CURRENT_DID_NOT_DROP'] });
    });
  });

  it('honours a configured current limit', () => {
    const events: HardwareEvent[] = [
      { kind: 'contactors', closed: true },
      { kind: 'current', amps: 8 },
      { kind: 'contactors', closed: false },
    ];
    expect(watchSafety(from(events), { contactorOpenCurrentLimit: 10 }, { clock: new SimulatedClock() }).violations).toEqual([]);
    expect(watchSafety(from(events), { contactorOpenCurrentLimit: 5 }, { clock: new SimulatedClock() }).violations).toHaveLength(1);
  });
});
