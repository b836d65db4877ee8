// chademo-bridge on its own, on XState's SimulatedClock: the named delays come from the config,
// D2 never drops while current flows, no unlock at ≥ 60 V, and the GPIO signals port.
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { createGpioChademoSignals } from '../../boards/gpio/chademo.js';
import type { GpioDriver } from '../../boards/gpio/ev.js';
import { chademoBridgeMachine } from '../../machines/chademo-bridge/index.js';
import { chademoBridgeDefaults, encodeVehicleLimits, encodeVehicleStatus, noVehicleFaults, type ChademoBridgeConfig, type VehicleStatus } from '../../src/domain/chademo/index.js';

const limits = encodeVehicleLimits({ minCurrent: 0, maxCurrent: 120, minVoltage: 300, maxBatteryVoltage: 410, chargedRateConstant: 100 });
function status(over: Partial<VehicleStatus['status']> & { request?: number } = {}): Uint8Array {
  const { request, ...flags } = over;
  const r = encodeVehicleStatus({
    protocol: 2,
    targetVoltage: 400,
    currentRequest: request ?? 0,
    faults: noVehicleFaults,
    status: { chargingEnabled: true, notInPark: false, systemFault: false, contactorOpen: true, stopBeforeCharging: false, dischargeCapable: false, ...flags },
    soc: 50,
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function bridge(config: Partial<ChademoBridgeConfig> = {}) {
  const clock = new SimulatedClock();
  const io = { d1: [] as boolean[], d2: [] as boolean[], unlocks: 0, frames: [] as number[] };
  const m = chademoBridgeMachine.provide({
    actions: {
      setD1: (_, p) => void io.d1.push(p.on),
      setD2: (_, p) => void io.d2.push(p.on),
      unlockPlug: () => void (io.unlocks += 1),
      sendFrame: (_, f) => void io.frames.push(f.id),
    },
  });
  const a = createActor(m, { input: { config: { ...chademoBridgeDefaults, lockHasFeedback: false, ...config, timeouts: { ...chademoBridgeDefaults.timeouts, ...config.timeouts } } }, clock });
  a.start();
  const send102 = (over: Parameters<typeof status>[0] = {}) => a.send({ type: 'CAN.FRAME', frame: { id: 0x102, data: status(over) } });
  /** Runs the sequence up to CHARGING with 50 A flowing. */
  const toCharging = () => {
    a.send({ type: 'START' });
    a.send({ type: 'HW.K', closed: true });
    if (limits.ok) a.send({ type: 'CAN.FRAME', frame: { id: 0x100, data: limits.value } });
    send102();
    a.send({ type: 'CCS.LIMITS', maxVoltage: 500, maxCurrent: 125 });
    a.send({ type: 'CCS.OUTPUT_READY' });
    send102({ contactorOpen: false, request: 50 });
    a.send({ type: 'HW.CURRENT', amps: 50 });
    a.send({ type: 'HW.OUTPUT_VOLTAGE', volts: 380 });
  };
  return { a, clock, io, send102, toCharging };
}

describe('chademo-bridge machine (virtual time)', () => {
  it('reaches CHARGING and sends 0x108/0x109 every CHA_Cycle', () => {
    const b = bridge();
    b.toCharging();
    expect(b.a.getSnapshot().matches({ active: { sequence: { running: 'charging' } } })).toBe(true);
    const n = b.io.frames.length;
    for (let i = 0; i < 5; i++) {
      b.clock.increment(100);
      b.send102({ contactorOpen: false, request: 50 });
    }
    expect(b.io.frames.slice(n).filter((id) => id === 0x109)).toHaveLength(5);
    expect(b.io.d1).toEqual([true]);
    expect(b.io.d2).toEqual([true]);
  });

  it('CHA_T_VehicleReady is read from the config', () => {
    const b = bridge({ timeouts: { ...chademoBridgeDefaults.timeouts, CHA_T_VehicleReady: 3000 } });
    b.a.send({ type: 'START' });
    b.clock.increment(2999);
    expect(b.a.getSnapshot().matches({ active: { sequence: 'running' } })).toBe(true);
    b.clock.increment(1);
    expect(b.a.getSnapshot().context.stopReason).toMatch(/Timeout:VehicleReady/);
  });

  it('CHA_T_CanSilence: no 0x102 for 1 s while charging stops the session', () => {
    const b = bridge();
    b.toCharging();
    b.clock.increment(999);
    expect(b.a.getSnapshot().context.stopReason).toBeUndefined();
    b.clock.increment(1);
    expect(b.a.getSnapshot().context.stopReason).toMatch(/CanSilence/);
  });

  it('D2 stays on while current flows, drops once it is ≤ 5 A', () => {
    const b = bridge();
    b.toCharging();
    b.a.send({ type: 'STOP_REQUEST', reason: 'test' });
    b.send102({ contactorOpen: true, request: 0 }); // the car reports its contactors open, but 50 A still flow
    b.clock.increment(5000);
    expect(b.io.d2).toEqual([true]);
    expect(b.a.getSnapshot().matches({ active: { sequence: { stopping: 'd2Off' } } })).toBe(true);
    b.a.send({ type: 'HW.CURRENT', amps: 4 });
    expect(b.io.d2).toEqual([true, false]);
    expect(b.io.d1).toEqual([true, false]);
  });

  it('no unlock at or above 60 V: waits, then ends locked', () => {
    const b = bridge();
    b.toCharging();
    b.a.send({ type: 'STOP_REQUEST' });
    b.a.send({ type: 'HW.CURRENT', amps: 0 });
    b.send102({ contactorOpen: true, request: 0 });
    b.clock.increment(100);
    expect(b.io.d1).toEqual([true, false]);
    b.clock.increment(9000);
    expect(b.io.unlocks).toBe(0);
    b.clock.increment(1000);
    const snap = b.a.getSnapshot();
    expect(snap.status).toBe('done');
    expect(snap.output?.staysLocked).toBe(true);
    expect(b.io.unlocks).toBe(0);
  });

  it('unlocks once the connector voltage falls below 60 V', () => {
    const b = bridge();
    b.toCharging();
    b.a.send({ type: 'STOP_REQUEST' });
    b.a.send({ type: 'HW.CURRENT', amps: 0 });
    b.send102({ contactorOpen: true, request: 0 });
    b.a.send({ type: 'HW.OUTPUT_VOLTAGE', volts: 59 });
    expect(b.io.unlocks).toBe(1);
    expect(b.a.getSnapshot().output?.result).toBe('Finished');
  });
});

describe('CHAdeMO signals on GPIO', () => {
  it('drives d1/d2, reads k and pulses the lock motor', () => {
    const writes: [number, boolean][] = [];
    const watchers = new Map<number, (high: boolean) => void>();
    const levels = new Map<number, boolean>();
    const gpio: GpioDriver = {
      output: (pin) => ({ write: (high) => void writes.push([pin, high]) }),
      input: (pin, watch) => {
        watchers.set(pin, watch);
        return { read: () => levels.get(pin) ?? false };
      },
      close: async () => {},
    };
    const clock = new SimulatedClock();
    const s = createGpioChademoSignals(gpio, { d1: 5, d2: 6, k: 13, lock: 19, unlock: 26, lockFeedback: -1 }, { lockPulseMs: 300, scheduler: clock });
    const k: boolean[] = [];
    s.k$.subscribe((v) => k.push(v));
    watchers.get(13)?.(true);
    s.setD1(true);
    s.setD2(true);
    s.lock?.lock();
    clock.increment(300);
    expect(k).toEqual([false, true]);
    expect(writes).toEqual(expect.arrayContaining([[5, true], [6, true], [19, true], [19, false]]));
    expect(() => createGpioChademoSignals(gpio, { d1: -1, d2: 6, k: 13, lock: -1, unlock: -1, lockFeedback: -1 }, { lockPulseMs: 300 })).toThrow(/pin_d1/);
  });
});
