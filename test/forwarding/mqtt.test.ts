// MQTT forwarding's logic (retained states, throttling per topic, republish after a broker
// restart, the last will, charger/enabled = 0 → stop requests) against the broker twin
// (drivers/mqtt/memory.ts) on a SimulatedClock: no broker process, no sleeps. That the twin
// link behaves like the real client on a real mosquitto is test/ports/mqtt.contract.test.ts's.
import { Subject } from 'rxjs';
import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryHttpEndpoint } from '../../drivers/http/memory.js';
import { MemoryMqttBroker } from '../../drivers/mqtt/memory.js';
import { validateConfig, type TsplcConfig } from '../../src/config/index.js';
import { fromHex } from '../../src/bytes.js';
import type { CpState, PowerSupplyReading } from '../../src/ports/hardware.js';
import { memoryLogger } from '../../src/ports/log.js';
import type { MqttMessage } from '../../src/ports/mqtt.js';
import { attachForwarding, type Forwarding, type StopRequest } from '../../src/runtime/forwarding.js';
import type { WireRecord } from '../../src/runtime/v2g-transport.js';
import { StatusBus } from '../../src/status.js';
import { dinDialect } from '../../src/domain/v2g/dialects/index.js';
import type { V2gRequest } from '../../src/domain/v2g/model.js';

function hex(s: string): Uint8Array {
  const b = fromHex(s);
  if (!b) throw new Error(`bad hex ${s}`);
  return b;
}

function config(topic: string): TsplcConfig {
  const c = validateConfig({ mqtt: { enabled: true, broker: 'broker.invalid:1883', topic }, evse: { max_voltage: 500, max_current: 200, max_power: 100000 } });
  if (!c.ok) throw new Error(JSON.stringify(c.error));
  return c.value;
}

const sid = hex('0102030405060708');
function rx(req: V2gRequest): WireRecord {
  const doc = dinDialect.encodeRequest(sid, req);
  if (!doc.ok) throw new Error(doc.error.message);
  return { direction: 'rx', schema: 'din', bytes: new Uint8Array(0), doc: doc.value };
}
const evStatus = (soc: number) => ({ ready: true, errorCode: 'NO_ERROR' as const, soc });
const flush = () => new Promise<void>((r) => setImmediate(r));
async function run(clock: SimulatedClock, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.increment(Math.min(step, ms - t));
    await flush();
  }
}

/** Another client of the broker that records what arrives under a filter. */
function observe(broker: MemoryMqttBroker, filter: string) {
  const link = broker.link({ clientId: 'observer' });
  const got: MqttMessage[] = [];
  link.messages$.subscribe((m) => got.push(m));
  link.subscribe(filter);
  return { link, got, last: (t: string) => [...got].reverse().find((m) => m.topic === t) };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function attach(prefix: string, o: { before?: (broker: MemoryMqttBroker) => void; qos?: 0 | 1; intervalMs?: number } = {}) {
  const clock = new SimulatedClock();
  const broker = new MemoryMqttBroker({ clock });
  o.before?.(broker);
  const bus = new StatusBus(() => clock.now());
  const log = memoryLogger();
  const cp = new Subject<CpState>();
  const supply = new Subject<PowerSupplyReading>();
  const contactor = new Subject<boolean>();
  const fw: Forwarding = attachForwarding({
    config: config(prefix),
    status: bus,
    logger: log,
    ports: { http: memoryHttpEndpoint({ clock }).post, mqtt: broker.connect, clock },
    hw: { cpState$: cp, supply$: supply, contactorClosed$: contactor },
    mqttIntervalMs: o.intervalMs ?? 50,
    mqttReconnectMs: 200,
    ...(o.qos !== undefined ? { mqttQos: o.qos } : {}),
  });
  cleanups.push(() => fw.close());
  const stops: StopRequest[] = [];
  fw.stopRequests$.subscribe((s) => stops.push(s));
  return { fw, bus, log, cp, supply, contactor, stops, broker, clock };
}

describe('MQTT forwarding (broker twin, virtual time)', () => {
  it('publishes status, session facts, charger limits and values as retained topics; offline on close', async () => {
    const { fw, bus, cp, supply, contactor, broker, clock } = attach('evse', { qos: 1 });
    bus.report({ layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 });
    fw.onWire(rx({ kind: 'SessionSetup', evccId: hex('d83add22f182') }));
    fw.onWire(rx({ kind: 'ChargeParameterDiscovery', mode: 'DC_extended', dc: { evStatus: evStatus(31), maxCurrent: 125, maxVoltage: 420, energyCapacityWh: 28000, energyRequestWh: 19320, fullSoc: 100 } }));
    fw.onWire(rx({ kind: 'CurrentDemand', evStatus: evStatus(33), targetVoltage: 380, targetCurrent: 95, chargingComplete: false }));
    bus.report({ layer: 'session', state: 'CurrentDemandRes', checkpoint: 705, details: { soc: 33, targetVoltage: 380, targetCurrent: 95 } });
    cp.next('C');
    contactor.next(true);
    supply.next({ voltage: 379.5, current: 94.2 });
    await run(clock, 100);

    // A late subscriber gets every state as a retained message.
    const obs = observe(broker, 'evse/#');
    await flush();
    const want: Record<string, string> = {
      status: 'online',
      fsm_state: 'CurrentDemandRes',
      checkpoint: '705',
      soc: '33',
      full_soc: '100',
      battery_capacity: '28000',
      energy_request: '19320',
      evccid: 'd83add22f182',
      target_voltage: '380',
      target_current: '95',
      cpstate: 'C',
      relay_state: '1',
      'charger/max_voltage': '500',
      'charger/max_current': '200',
      'charger/max_power': '100000',
      'charger/present_voltage': '379.5',
      'charger/present_current': '94.2',
    };
    for (const [t, p] of Object.entries(want)) expect(obs.last(`evse/${t}`), t).toEqual({ topic: `evse/${t}`, payload: p, retained: true });

    // Live updates reach a connected subscriber too (retain flag false on live delivery, MQTT 3.1.1 §3.3.1.3).
    fw.onWire(rx({ kind: 'CurrentDemand', evStatus: evStatus(34), targetVoltage: 381, targetCurrent: 95, chargingComplete: false }));
    await run(clock, 60);
    expect(obs.last('evse/soc')).toEqual({ topic: 'evse/soc', payload: '34', retained: false });

    await fw.close();
    expect(obs.last('evse/status')?.payload).toBe('offline');
    expect(broker.retained.get('evse/status')).toBe('offline');
  });

  it('at most one publication per topic per interval, the last value wins', async () => {
    const { fw, bus, broker, clock } = attach('evse', { intervalMs: 1000 });
    bus.report({ layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 });
    for (let s = 40; s < 60; s++) {
      fw.onWire(rx({ kind: 'CurrentDemand', evStatus: evStatus(s), targetVoltage: 380, targetCurrent: 90, chargingComplete: false }));
      await run(clock, 100);
    }
    await run(clock, 1000);
    // 2 s of a 10 Hz loop: the start-up state (-1, unknown) goes at t = 0, then SOC at t = 1000
    // and 2000, the newest value each time (40 and 50..58 were replaced while they waited).
    const socs = broker.publications.filter((p) => p.topic === 'evse/soc');
    expect(socs.map((p) => p.payload)).toEqual(['-1', '49', '59']);
  });

  it('charger/enabled = 0 asks for a stop; a session starting while it holds is stopped too; garbage is counted', async () => {
    const { fw, bus, stops, broker, clock } = attach('evse');
    broker.publish('evse/charger/enabled', '1', { retain: false });
    broker.publish('evse/charger/enabled', 'please stop', { retain: false });
    broker.publish('evse/charger/enabled', '0', { retain: false });
    await flush();
    expect(stops.map((s) => s.reason)).toEqual(['MQTT charger/enabled=0']);
    expect(fw.stats().mqtt?.badCommands).toBe(1);
    bus.report({ layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 });
    bus.report({ layer: 'session', state: 'SessionSetupRes', checkpoint: 505 });
    await flush();
    expect(stops.length).toBe(2);
    expect(stops[1]?.reason).toMatch(/held/);
    broker.publish('evse/charger/enabled', '1', { retain: false });
    await flush();
    bus.report({ layer: 'session', state: 'SessionSetupRes', checkpoint: 505 });
    await run(clock, 100);
    expect(stops.length).toBe(2);
    expect(fw.stats().stopRequests).toBe(2);
  });

  it('a retained charger/enabled = 0 from before the start is a stop too', async () => {
    const { stops } = attach('evse', { before: (b) => b.publish('evse/charger/enabled', '0') });
    await flush();
    expect(stops.length).toBe(1);
  });

  it('broker restart: the link reconnects after its pause and publishes its retained states again; the subscription survives', async () => {
    const { fw, bus, log, broker, clock, stops } = attach('evse');
    bus.report({ layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 });
    fw.onWire(rx({ kind: 'CableCheck', evStatus: evStatus(61) }));
    await run(clock, 100);
    broker.stop();
    expect(broker.retained.size).toBe(0); // no persistence
    // While the broker is down: new facts are kept (not queued), no crash.
    fw.onWire(rx({ kind: 'PreCharge', evStatus: evStatus(62), targetVoltage: 370, targetCurrent: 1 }));
    await run(clock, 300);
    expect(fw.stats().mqtt?.deferred).toBeGreaterThan(0);
    broker.start();
    expect(fw.stats().mqtt?.connects).toBe(1); // the reconnect pause (200 ms) has not passed
    await run(clock, 250);
    expect(fw.stats().mqtt?.connects).toBe(2);
    expect(broker.retained.get('evse/status')).toBe('online');
    expect(broker.retained.get('evse/soc')).toBe('62');
    expect(broker.retained.get('evse/target_voltage')).toBe('370');
    expect(broker.retained.get('evse/charger/max_voltage')).toBe('500');
    expect(log.lines.some((l) => l.message === 'MQTT reconnected')).toBe(true);
    broker.publish('evse/charger/enabled', '0', { retain: false });
    await flush();
    expect(stops.length).toBe(1);
  });

  it('connection cut: the broker publishes the last will (offline), the link comes back online', async () => {
    const { broker, clock } = attach('evse');
    await run(clock, 50);
    const obs = observe(broker, 'evse/status');
    broker.cut();
    await flush();
    expect(obs.got.map((m) => m.payload)).toContain('offline');
    await run(clock, 250);
    expect(broker.retained.get('evse/status')).toBe('online');
    obs.link.close();
  });

  it('broker not there at start: no crash; the states are published once it comes', async () => {
    const { fw, bus, broker, clock } = attach('evse', { before: (b) => b.stop() });
    bus.report({ layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 });
    fw.onWire(rx({ kind: 'CableCheck', evStatus: evStatus(44) }));
    await run(clock, 500);
    expect(fw.stats().mqtt?.connects).toBe(0);
    broker.start();
    await run(clock, 250);
    expect(fw.stats().mqtt?.connects).toBe(1);
    expect(broker.retained.get('evse/soc')).toBe('44');
    expect(broker.retained.get('evse/status')).toBe('online');
  });
});
