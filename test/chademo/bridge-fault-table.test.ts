// CCS-to-CHAdeMO bridge fault table: the whole chain in one process on XState's
// SimulatedClock — sim CCS charger ⇄ (SLAC, SDP, TCP, EXI) ⇄ tsplc CCS car
// (v2g-ev) ⇄ chademo-bridge ⇄ MemoryCanBus + d1/d2/k wiring ⇄ sim CHAdeMO car —
// one run per row. Each row states the bridge's expected end (result + reason),
// the CCS car's end, and the invariants of both sides, checked in every row:
//   - no CCS current while the CHAdeMO car's contactors are open (neither asked for by the
//     charge-parameter source nor flowing in the plant);
//   - D2 never drops while current flows (> stop current limit, 5 A);
//   - no unlock above 60 V on either connector (CHAdeMO: the unlock log; CCS: the safety monitor);
//   - afterwards: D1 and D2 off, the car's contactors open, both plugs unlocked.
// Printed as a report like test/faults/fault-table.test.ts and written to $TMPDIR/tsplc-chademo-fault-table.txt.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimulatedClock } from 'xstate';
import type { SimChademoFaults } from '../../boards/sim/chademo-car.js';
import { parseFaultScenario } from '../../src/domain/v2g/faults.js';
import type { Sim, SimOptions } from '../../src/runtime/sim.js';
import type { SimChademoOptions } from '../../src/runtime/sim-chademo.js';
import { runStack } from '../stack/harness.js';

interface Row {
  readonly name: string;
  readonly car?: SimChademoFaults;
  readonly chademo?: Omit<SimChademoOptions, 'car'> & { readonly car?: SimChademoOptions['car'] };
  /** CCS charger fault rules (src/domain/v2g/faults.ts syntax). */
  readonly faults?: string;
  readonly options?: Partial<SimOptions>;
  /** Acts at a moment of the run (hooks on the status bus). */
  readonly start?: (sim: Sim, clock: SimulatedClock) => void;
  readonly bridge: 'Finished' | 'Fault';
  readonly reason: RegExp;
  readonly ccs: 'ChargingFinished' | 'SafeShutdown';
  /** The bridge must have reached CHARGING (power flowed) / must not have. */
  readonly charged?: boolean;
}

/** When the CHAdeMO bridge reports `state` (n-th time), run `act` once. */
function onChademo(state: string, act: (sim: Sim, clock: SimulatedClock) => void, delayMs = 0): Row['start'] {
  return (sim, clock) => {
    const sub = sim.evStatus.updates$.subscribe((u) => {
      if (u.layer === 'chademo' && u.state === state) {
        sub.unsubscribe();
        if (delayMs > 0) clock.setTimeout(() => act(sim, clock), delayMs);
        else act(sim, clock);
      }
    });
  };
}
/** When the CCS car reports checkpoint `cp` for the n-th time. */
function atCheckpoint(cp: number, act: (sim: Sim) => void, n = 1): Row['start'] {
  return (sim) => {
    let seen = 0;
    const sub = sim.evStatus.updates$.subscribe((u) => {
      if (u.checkpoint === cp && ++seen === n) {
        sub.unsubscribe();
        act(sim);
      }
    });
  };
}
const silentAt = (state: string, delayMs = 0): Row['start'] => onChademo(state, (s) => s.chademo?.sim.car.inject({ silentFrom: 'ready' }), delayMs);

const rows: Row[] = [
  { name: 'good case: the car ends at its SOC target', bridge: 'Finished', reason: /VehicleChargingDisabled/, ccs: 'ChargingFinished', charged: true },
  { name: 'good case, CHAdeMO 0.9 car (contactors assumed after 2 s)', chademo: { car: { protocol: '0.9' } }, bridge: 'Finished', reason: /VehicleChargingDisabled/, ccs: 'ChargingFinished', charged: true },
  { name: 'good case, CHAdeMO 2.0 car', chademo: { car: { protocol: '2.0' } }, bridge: 'Finished', reason: /VehicleChargingDisabled/, ccs: 'ChargingFinished', charged: true },
  { name: 'good case with 20 % CAN frame loss', chademo: { bus: { lossRate: 0.2, seed: 3 } }, bridge: 'Finished', reason: /VehicleChargingDisabled/, ccs: 'ChargingFinished', charged: true },
  // --- CAN silence in each phase ---
  { name: 'CAN silence from wake-up (car never talks)', car: { silentFrom: 'ready' }, bridge: 'Fault', reason: /Timeout:VehicleReady/, ccs: 'ChargingFinished', charged: false },
  { name: 'CAN silence after READY (compatibility/lock)', start: silentAt('VehicleReady'), bridge: 'Fault', reason: /CanSilence/, ccs: 'ChargingFinished', charged: false },
  { name: 'CAN silence while ENERGIZING (CCS precharge)', start: silentAt('Energizing'), bridge: 'Fault', reason: /CanSilence/, ccs: 'ChargingFinished', charged: false },
  { name: 'CAN silence after D2', start: silentAt('D2On'), bridge: 'Fault', reason: /CanSilence/, ccs: 'ChargingFinished', charged: false },
  { name: 'CAN silence while charging', start: silentAt('Charging', 2000), bridge: 'Fault', reason: /CanSilence/, ccs: 'ChargingFinished', charged: true },
  { name: 'CAN silence during the stop sequence', car: { stopRequest: true, faultAfterMs: 2000 }, start: silentAt('Stopping'), bridge: 'Finished', reason: /VehicleStopRequest/, ccs: 'ChargingFinished', charged: true },
  // --- sequence signals ---
  { name: 'k opens while charging', car: { kDrop: true, faultAfterMs: 2000 }, bridge: 'Fault', reason: /kOpened/, ccs: 'ChargingFinished', charged: true },
  { name: 'k never closes', car: { neverReady: true }, bridge: 'Fault', reason: /Timeout:VehicleReady/, ccs: 'ChargingFinished', charged: false },
  { name: 'READY (102.5.0) drops while charging', car: { readyDrop: true, faultAfterMs: 2000 }, bridge: 'Finished', reason: /VehicleChargingDisabled/, ccs: 'ChargingFinished', charged: true },
  { name: 'car asks to stop (102.5.4) while charging', car: { stopRequest: true, faultAfterMs: 2000 }, bridge: 'Finished', reason: /VehicleStopRequest/, ccs: 'ChargingFinished', charged: true },
  // --- each fault flag ---
  ...(['batteryOverVoltage', 'batteryUnderVoltage', 'currentDeviation', 'highBatteryTemperature', 'voltageDeviation'] as const).map(
    (f): Row => ({ name: `fault flag 102.4 ${f} while charging`, car: { faultFlag: f, faultAfterMs: 2000 }, bridge: 'Fault', reason: new RegExp(`VehicleFault: ${f}`), ccs: 'ChargingFinished', charged: true }),
  ),
  { name: 'charging-system fault 102.5.2 while charging', car: { systemFault: true, faultAfterMs: 2000 }, bridge: 'Fault', reason: /VehicleFault: systemFault/, ccs: 'ChargingFinished', charged: true },
  // --- contactors and current ---
  { name: 'the car never closes its contactors after D2', car: { contactorsNeverClose: true }, bridge: 'Fault', reason: /Timeout:VehicleContactorsClose/, ccs: 'ChargingFinished', charged: false },
  { name: 'the car never requests current', car: { noCurrentRequest: true }, bridge: 'Fault', reason: /Timeout:CurrentRequest/, ccs: 'ChargingFinished', charged: false },
  { name: 'current request above the car’s own 0x100 maximum', car: { currentRequest: 150 }, bridge: 'Fault', reason: /CurrentRequestAboveVehicleLimit/, ccs: 'ChargingFinished' },
  { name: 'current request above what the charger has: clamped, charge completes', chademo: { car: { maxCurrent: 200 }, config: { maxCurrent: 80 } }, bridge: 'Finished', reason: /VehicleChargingDisabled/, ccs: 'ChargingFinished', charged: true },
  { name: 'car target voltage above the CCS charger’s maximum', car: { targetVoltage: 600 }, bridge: 'Fault', reason: /BatteryIncompatible/, ccs: 'ChargingFinished', charged: false },
  // --- CAN controller ---
  { name: 'bus-off of the bridge’s CAN controller while charging', start: onChademo('Charging', (s) => s.chademo?.bus.injectBusOff('bridge'), 2000), bridge: 'Fault', reason: /CanBusOff/, ccs: 'ChargingFinished', charged: true },
  { name: 'bus-off of the car’s CAN controller while charging', start: onChademo('Charging', (s) => s.chademo?.bus.injectBusOff('chademo-car'), 2000), bridge: 'Fault', reason: /CanSilence/, ccs: 'ChargingFinished', charged: true },
  // --- the CCS side ---
  { name: 'CCS charger EVSE_Shutdown mid-charge', faults: 'CurrentDemand#30+:evseStatusCode=EVSE_Shutdown', bridge: 'Finished', reason: /CcsShutdown/, ccs: 'ChargingFinished', charged: true },
  { name: 'CCS charger EVSE_EmergencyShutdown mid-charge', faults: 'CurrentDemand#30:evseStatusCode=EVSE_EmergencyShutdown', bridge: 'Fault', reason: /CcsFault/, ccs: 'SafeShutdown', charged: true },
  { name: 'CCS TCP reset mid-charge', start: atCheckpoint(705, (s) => s.link.resetConnections(), 30), bridge: 'Fault', reason: /CcsFault/, ccs: 'SafeShutdown', charged: true },
  { name: 'user stop (SIGTERM) mid-charge', start: onChademo('Charging', (s) => s.chademo?.bridge.actor.send({ type: 'STOP_REQUEST', reason: 'SIGTERM' }), 2000), bridge: 'Finished', reason: /UserStop/, ccs: 'ChargingFinished', charged: true },
];

interface Result {
  readonly name: string;
  readonly expected: string;
  readonly actual: string;
  readonly ccs: string;
  readonly reason: string;
  readonly virtualS: number;
  readonly violations: string;
  readonly pass: boolean;
}
const results: Result[] = [];

afterAll(() => {
  const w = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n));
  const lines = [
    `tsplc CCS-to-CHAdeMO bridge fault table — ${results.length} scenarios, ${results.filter((r) => r.pass).length} as expected`,
    `${w('scenario', 66)} ${w('expected', 10)} ${w('bridge', 10)} ${w('CCS car', 17)} ${w('virt s', 7)} ${w('violations', 12)} reason`,
    ...results.map((r) => `${w(r.name, 66)} ${w(r.expected, 10)} ${w(r.actual, 10)} ${w(r.ccs, 17)} ${w(r.virtualS.toFixed(1), 7)} ${w(r.violations || 'none', 12)} ${r.reason}`),
  ];
  const text = lines.join('\n') + '\n';
  const file = join(tmpdir(), 'tsplc-chademo-fault-table.txt');
  writeFileSync(file, text);
  process.stdout.write(text + `(written to ${file})\n`);
});

describe('CCS-to-CHAdeMO bridge fault table (whole chain, virtual time)', () => {
  it('has at least 25 scenarios and every CCS fault string parses', () => {
    expect(rows.length).toBeGreaterThanOrEqual(25);
    for (const r of rows) if (r.faults) expect(parseFaultScenario(r.faults).ok, r.faults).toBe(true);
  });

  for (const row of rows) {
    it(row.name, { timeout: 120_000 }, async () => {
      const scenario = row.faults ? parseFaultScenario(row.faults, row.name) : undefined;
      if (scenario && !scenario.ok) throw new Error(scenario.error.message);
      const violations: string[] = [];
      let charged = false;
      const r = await runStack({
        ...(scenario?.ok ? { faults: scenario.value } : {}),
        chademo: { initialSoc: 77, ...row.chademo, car: { ...row.chademo?.car, faults: { ...row.car } } },
        maxVirtualMs: 200_000,
        stepMs: 20,
        ...row.options,
        onStart: (sim, clock) => {
          const c = sim.chademo;
          if (!c) throw new Error('no CHAdeMO chain');
          const plant = sim.board.plant;
          // Invariant 1, asked: the source never hands the CCS session current while the car's contactors are open.
          c.bridge.evHardware.chargeParameters?.parameters$.subscribe((p) => {
            if (p.targetCurrent > 0 && !plant.contactorsFeedback.value) violations.push(`CURRENT_ASKED_CONTACTORS_OPEN@${clock.now()}`);
          });
          // Invariant 1, physical: no current through open contactors.
          plant.currentA.$.subscribe((a) => {
            if (a > 1 && !plant.contactorsFeedback.value) violations.push(`CURRENT_CONTACTORS_OPEN@${clock.now()}`);
          });
          sim.evStatus.updates$.subscribe((u) => {
            if (u.layer === 'chademo' && u.state === 'Charging') charged = true;
          });
          row.start?.(sim, clock);
        },
      });
      const c = r.sim.chademo;
      if (!c) throw new Error('no CHAdeMO chain');
      const plant = r.sim.board.plant;
      const bsnap = c.bridge.actor.getSnapshot();
      const bout = bsnap.status === 'done' ? bsnap.output : undefined;
      const evSnap = r.sim.ev.actor.getSnapshot();
      const evOut = evSnap.status === 'done' ? (evSnap.output as { end: string; reason: string; session?: { result?: string } }) : undefined;
      const ccsEnd = evOut?.session?.result ?? evOut?.end ?? `running:${JSON.stringify(evSnap.value)}`;
      // Invariant 2: D2 never drops while current flows.
      for (const d of c.sim.d2Log) if (!d.on && d.amps > 5) violations.push(`D2_OFF_UNDER_CURRENT(${d.amps} A)`);
      // Invariant 3: no unlock above 60 V (CHAdeMO side here; the CCS side is the safety monitor's).
      for (const u of c.sim.unlockLog) if (u.volts >= 60) violations.push(`CHADEMO_UNLOCK_AT_${u.volts}V`);
      for (const v of r.violations) violations.push(`CCS_${v.code}`);
      // The bridge's production witness (src/runtime/chademo.ts) must have seen nothing either.
      for (const v of c.bridge.violations) violations.push(`BRIDGE_${v.code}`);
      const actual = bout?.result ?? `running:${JSON.stringify(bsnap.value)}`;
      const reason = bout?.reason ?? '';
      const checks: [boolean, string][] = [
        [actual === row.bridge, `bridge ended ${actual}, expected ${row.bridge}`],
        [row.reason.test(reason), `bridge reason '${reason}' does not match ${String(row.reason)}`],
        [ccsEnd === row.ccs, `CCS car ended ${ccsEnd}, expected ${row.ccs}`],
        [violations.length === 0, `violations: ${violations.join(',')}`],
        [!c.sim.car.d1 && !c.sim.car.d2, `d1=${c.sim.car.d1} d2=${c.sim.car.d2} at the end`],
        [plant.contactorsFeedback.value === false, 'the car’s contactors still closed at the end'],
        [c.sim.signals.lockState() === 'unlocked', `CHAdeMO plug lock ${c.sim.signals.lockState()} at the end`],
        [plant.lockState.value === 'unlocked', `CCS connector lock ${plant.lockState.value} at the end`],
        [row.charged === undefined || row.charged === charged, `charging ${charged ? 'was' : 'was not'} reached`],
      ];
      const failures = checks.filter(([ok]) => !ok).map(([, m]) => m);
      results.push({ name: row.name, expected: row.bridge, actual, ccs: ccsEnd, reason: `${reason}${evOut ? ` | CCS: ${evOut.reason}` : ''}`, virtualS: r.clock.now() / 1000, violations: [...new Set(violations.map((v) => v.split('@')[0]))].join(','), pass: failures.length === 0 });
      r.sim.dispose();
      expect(failures, `${row.name}: ${failures.join('; ')}`).toEqual([]);
    });
  }
});
