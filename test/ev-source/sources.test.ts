// Battery sources (issue 10 item 3), pure parts: static values (never a derived pack
// voltage), pyPLC's MQTT car topics, stale data, the SOC simulation, present values.
import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { SimulatedClock } from 'xstate';
import { batteryFromCarFacts, carPublications, chargerFactsOf, foldCarMessage, SocSimulation, staticBattery, watchFreshness, boardBattery } from '../../src/domain/ev-source/index.js';
import { defaultConfig } from '../../src/config/index.js';

describe('static source', () => {
  it('a 270 V pack is reported as 270 V, whatever initial_soc and max_voltage say', () => {
    const ev = { ...defaultConfig().ev, battery_voltage: 270, initial_soc: 80, max_voltage: 398 };
    const b = staticBattery(ev);
    expect(b.ok && b.value).toMatchObject({ voltage: 270, socPercent: 80, maxVoltage: 398 });
  });
  it('without ev.battery_voltage it refuses (typed error); a board alone reports a pack that accepts nothing', () => {
    const ev = defaultConfig().ev;
    const b = staticBattery(ev);
    expect(b.ok ? '' : b.error.code).toBe('BATTERY_VOLTAGE_MISSING');
    expect(boardBattery(ev)).toMatchObject({ voltage: 0, maxCurrent: 0 });
    expect(staticBattery({ ...ev, battery_voltage: 500, max_voltage: 400 }).ok).toBe(false);
  });
});

describe('MQTT car topics (pyPLC hardwareInterface, PevMode)', () => {
  it('folds battery_voltage, target_voltage, target_current, soc, inlet_voltage; rejects garbage with a message', () => {
    let f = {};
    for (const [t, p] of [['battery_voltage', '271.5'], ['target_voltage', '390'], ['target_current', '120'], ['soc', '42'], ['inlet_voltage', '3']] as const) {
      const r = foldCarMessage(f, t, p);
      if (!r.ok) throw new Error(r.message);
      f = r.facts;
    }
    expect(f).toEqual({ batteryVoltage: 271.5, targetVoltage: 390, targetCurrent: 120, soc: 42, inletVoltage: 3 });
    expect(batteryFromCarFacts(f, { maxVoltage: 398, maxCurrent: 100, capacityWh: 28000, soc: 20 })).toEqual({ socPercent: 42, voltage: 271.5, maxCurrent: 100, maxVoltage: 390, capacityWh: 28000 });
    expect(foldCarMessage(f, 'soc', 'full').ok).toBe(false);
    expect(foldCarMessage(f, 'soc', '101').ok).toBe(false);
    expect(foldCarMessage(f, 'battery_voltage', '').ok).toBe(false);
    expect(foldCarMessage(f, 'relay_request', 'on').ok).toBe(false);
  });
  it('before the BMS spoke the car asks for nothing (0 V, 0 A)', () => {
    expect(batteryFromCarFacts({}, { maxVoltage: 398, maxCurrent: 100, capacityWh: 28000, soc: 20 })).toMatchObject({ voltage: 0, maxCurrent: 0 });
  });
  it('publishes what pyPLC publishes', () => {
    expect(carPublications({ kind: 'cp', state: 'C' })).toEqual([{ topic: 'cpstate', payload: 'C' }]);
    expect(carPublications({ kind: 'relay', closed: true })).toEqual([{ topic: 'relay_request', payload: 'on' }]);
    expect(carPublications({ kind: 'lock', locked: false })).toEqual([{ topic: 'lock_request', payload: 'unlock' }]);
    expect(carPublications({ kind: 'present', voltage: 350.04, current: 12 })).toEqual([
      { topic: 'charger_voltage', payload: '350' },
      { topic: 'charger_current', payload: '12' },
    ]);
  });
});

describe('freshness', () => {
  it('stale until the first update, fresh while updates come, stale after the timeout', () => {
    const clock = new SimulatedClock();
    const updates = new Subject<number>();
    const f = watchFreshness(updates, 1000, clock);
    const seen: boolean[] = [];
    f.stale$.subscribe((s) => seen.push(s));
    updates.next(1);
    clock.increment(900);
    updates.next(2);
    clock.increment(900);
    expect(seen).toEqual([true, false]);
    clock.increment(200);
    expect(seen).toEqual([true, false, true]);
    updates.next(3);
    expect(seen.at(-1)).toBe(false);
    f.stop();
  });
});

describe('SOC simulation (pyPLC soc_simulation)', () => {
  it('rises only while the contactors are closed', () => {
    const s = new SocSimulation(20, 10);
    expect(s.at(5000)).toBe(20);
    s.contactors(true, 5000);
    expect(s.at(7000)).toBe(40);
    s.contactors(false, 8000);
    expect(s.at(20000)).toBe(50);
    s.contactors(true, 20000);
    expect(s.at(100000)).toBe(100);
  });
});

describe('charger present values from responses', () => {
  it('reads EVSEPresentVoltage/Current and the limits', () => {
    const pv = (Value: number, Multiplier = 0) => ({ Value, Multiplier, Unit: 'V' });
    const doc = { V2G_Message: { Header: { SessionID: new Uint8Array(8) }, Body: { CurrentDemandRes: { EVSEPresentVoltage: pv(3505, -1), EVSEPresentCurrent: pv(50), EVSEMaximumVoltageLimit: pv(500), EVSEMaximumCurrentLimit: pv(125) } } } };
    expect(chargerFactsOf(doc as never)).toEqual({ presentVoltage: 350.5, presentCurrent: 50, maxVoltage: 500, maxCurrent: 125 });
    expect(chargerFactsOf(undefined)).toEqual({});
  });
});
