// MQTT forwarding against a real mosquitto broker, started on a free port with a
// temporary config (no persistence: a restart forgets retained messages, which is
// exactly what the republish-on-reconnect must cover).
import { connect, type MqttClient } from 'mqtt';
import { Subject } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type TsplcConfig } from '../../src/config/index.js';
import { fromHex } from '../../src/bytes.js';
import type { CpState, PowerSupplyReading } from '../../src/ports/hardware.js';
import { memoryLogger } from '../../src/ports/log.js';
import { attachForwarding, type Forwarding, type StopRequest } from '../../src/runtime/forwarding.js';
import type { WireRecord } from '../../src/runtime/v2g-transport.js';
import { StatusBus } from '../../src/status.js';
import { dinDialect } from '../../src/v2g/dialects/index.js';
import type { V2gRequest } from '../../src/v2g/model.js';
import { Broker, hasMosquitto, missingMosquittoMessage, sleep, until } from './mosquitto.js';
import { requireEnv } from '../env.js';

function hex(s: string): Uint8Array {
  const b = fromHex(s);
  if (!b) throw new Error(`bad hex ${s}`);
  return b;
}


interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

/** A second client that records what arrives under the prefix. */
async function observe(port: number, filter: string): Promise<{ client: MqttClient; got: Received[]; last(topic: string): Received | undefined }> {
  const client = connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 100, clientId: `observer-${Math.random().toString(16).slice(2)}` });
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await new Promise<void>((r, j) => {
    client.once('connect', () => client.subscribe(filter, { qos: 1 }, (e) => (e ? j(e) : r())));
    client.once('error', j);
  });
  return { client, got, last: (t) => [...got].reverse().find((m) => m.topic === t) };
}

function config(port: number, topic: string): TsplcConfig {
  const c = validateConfig({ mqtt: { enabled: true, broker: `127.0.0.1:${port}`, topic }, evse: { max_voltage: 500, max_current: 200, max_power: 100000 } });
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

describe.skipIf(!requireEnv('mosquitto', hasMosquitto, missingMosquittoMessage))('MQTT forwarding with a real mosquitto', () => {
  let broker: Broker;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    broker = await Broker.create();
    await broker.start();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  function attach(prefix: string, extra: { qos?: 0 | 1 } = {}) {
    const bus = new StatusBus(() => Date.now());
    const log = memoryLogger();
    const cp = new Subject<CpState>();
    const supply = new Subject<PowerSupplyReading>();
    const contactor = new Subject<boolean>();
    const fw: Forwarding = attachForwarding({
      config: config(broker.port, prefix),
      status: bus,
      logger: log,
      hw: { cpState$: cp, supply$: supply, contactorClosed$: contactor },
      mqttIntervalMs: 50,
      mqttReconnectMs: 200,
      ...(extra.qos !== undefined ? { mqttQos: extra.qos } : {}),
    });
    cleanups.push(() => fw.close());
    const stops: StopRequest[] = [];
    fw.stopRequests$.subscribe((s) => stops.push(s));
    return { fw, bus, log, cp, supply, contactor, stops };
  }

  it('publishes status, session facts, charger limits and values as retained topics', async () => {
    const prefix = `t${Date.now()}a`;
    const { fw, bus, cp, supply, contactor } = attach(prefix, { qos: 1 });
    await until(() => (fw.stats().mqtt?.connects ?? 0) >= 1, 5000, 'connect');
    bus.report({ layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 });
    fw.onWire(rx({ kind: 'SessionSetup', evccId: hex('d83add22f182') }));
    fw.onWire(rx({ kind: 'ChargeParameterDiscovery', mode: 'DC_extended', dc: { evStatus: evStatus(31), maxCurrent: 125, maxVoltage: 420, energyCapacityWh: 28000, energyRequestWh: 19320, fullSoc: 100 } }));
    fw.onWire(rx({ kind: 'CurrentDemand', evStatus: evStatus(33), targetVoltage: 380, targetCurrent: 95, chargingComplete: false }));
    bus.report({ layer: 'session', state: 'CurrentDemandRes', checkpoint: 705, details: { soc: 33, targetVoltage: 380, targetCurrent: 95 } });
    cp.next('C');
    contactor.next(true);
    supply.next({ voltage: 379.5, current: 94.2 });
    await sleep(300);

    // A late subscriber gets every state as a retained message.
    const obs = await observe(broker.port, `${prefix}/#`);
    cleanups.push(() => void obs.client.end(true));
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
    await until(() => Object.keys(want).every((t) => obs.last(`${prefix}/${t}`)), 3000, 'all retained topics');
    for (const [t, p] of Object.entries(want)) expect(obs.last(`${prefix}/${t}`), t).toEqual({ topic: `${prefix}/${t}`, payload: p, retain: true });

    // Live updates reach a connected subscriber too (retain flag false on live delivery, MQTT 3.1.1 §3.3.1.3).
    fw.onWire(rx({ kind: 'CurrentDemand', evStatus: evStatus(34), targetVoltage: 381, targetCurrent: 95, chargingComplete: false }));
    await until(() => obs.last(`${prefix}/soc`)?.payload === '34', 3000, 'soc 34');
    expect(obs.last(`${prefix}/soc`)?.retain).toBe(false);

    // close(): 'offline', retained.
    await fw.close();
    await until(() => obs.last(`${prefix}/status`)?.payload === 'offline', 3000, 'offline');
    const late = await observe(broker.port, `${prefix}/status`);
    cleanups.push(() => void late.client.end(true));
    await until(() => late.got.length > 0, 3000, 'retained offline');
    expect(late.got[0]).toEqual({ topic: `${prefix}/status`, payload: 'offline', retain: true });
  });

  it('charger/enabled = 0 asks for a stop; a session starting while it holds is stopped too; garbage is counted', async () => {
    const prefix = `t${Date.now()}b`;
    const { fw, bus, stops } = attach(prefix);
    await until(() => (fw.stats().mqtt?.connects ?? 0) >= 1, 5000, 'connect');
    await sleep(100); // the subscription is acknowledged
    const obs = await observe(broker.port, `${prefix}/nothing`);
    cleanups.push(() => void obs.client.end(true));
    obs.client.publish(`${prefix}/charger/enabled`, '1');
    obs.client.publish(`${prefix}/charger/enabled`, 'please stop');
    obs.client.publish(`${prefix}/charger/enabled`, '0');
    await until(() => stops.length === 1, 3000, 'stop request');
    expect(stops[0]?.reason).toMatch(/charger\/enabled=0/);
    expect(fw.stats().mqtt?.badCommands).toBe(1);
    bus.report({ layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 });
    bus.report({ layer: 'session', state: 'SessionSetupRes', checkpoint: 505 });
    await until(() => stops.length === 2, 3000, 'held stop');
    obs.client.publish(`${prefix}/charger/enabled`, '1');
    await sleep(200);
    bus.report({ layer: 'session', state: 'SessionSetupRes', checkpoint: 505 });
    await sleep(100);
    expect(stops.length).toBe(2);
    expect(fw.stats().stopRequests).toBe(2);
  });

  it('broker restart: the client reconnects and publishes its retained states again', async () => {
    const prefix = `t${Date.now()}c`;
    const { fw, bus, log } = attach(prefix);
    await until(() => (fw.stats().mqtt?.connects ?? 0) >= 1, 5000, 'connect');
    bus.report({ layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 });
    fw.onWire(rx({ kind: 'CableCheck', evStatus: evStatus(61) }));
    await sleep(200);

    await broker.stop();
    // While the broker is down: new facts are kept (not queued), no crash.
    fw.onWire(rx({ kind: 'PreCharge', evStatus: evStatus(62), targetVoltage: 370, targetCurrent: 1 }));
    await sleep(300);
    await broker.start();
    await until(() => (fw.stats().mqtt?.connects ?? 0) >= 2, 10000, 'reconnect');
    await sleep(300);

    const obs = await observe(broker.port, `${prefix}/#`);
    cleanups.push(() => void obs.client.end(true));
    await until(() => obs.last(`${prefix}/soc`) !== undefined && obs.last(`${prefix}/status`) !== undefined, 3000, 'republished states');
    expect(obs.last(`${prefix}/status`)).toEqual({ topic: `${prefix}/status`, payload: 'online', retain: true });
    expect(obs.last(`${prefix}/soc`)).toEqual({ topic: `${prefix}/soc`, payload: '62', retain: true });
    expect(obs.last(`${prefix}/target_voltage`)?.payload).toBe('370');
    expect(obs.last(`${prefix}/charger/max_voltage`)?.payload).toBe('500');
    expect(log.lines.some((l) => l.message === 'MQTT reconnected')).toBe(true);

    // The inbound subscription survives the restart (clean session: subscribed again on connect).
    const stops: StopRequest[] = [];
    fw.stopRequests$.subscribe((s) => stops.push(s));
    obs.client.publish(`${prefix}/charger/enabled`, '0');
    await until(() => stops.length === 1, 3000, 'stop after restart');
  });

  it('broker not there at start: no crash, one warning, states published once it comes', async () => {
    const late = await Broker.create();
    cleanups.push(() => late.dispose());
    const prefix = `t${Date.now()}d`;
    const bus = new StatusBus(() => Date.now());
    const log = memoryLogger();
    const fw = attachForwarding({ config: config(late.port, prefix), status: bus, logger: log, mqttIntervalMs: 20, mqttReconnectMs: 100 });
    cleanups.push(() => fw.close());
    bus.report({ layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 });
    fw.onWire(rx({ kind: 'CableCheck', evStatus: evStatus(44) }));
    await sleep(500);
    const s = fw.stats().mqtt;
    expect(s?.connects).toBe(0);
    expect(s?.errors).toBeGreaterThanOrEqual(2);
    expect(log.lines.filter((l) => l.level === 'warn' && l.message === 'MQTT error').length).toBe(1);
    await late.start();
    await until(() => (fw.stats().mqtt?.connects ?? 0) >= 1, 5000, 'connect');
    const obs = await observe(late.port, `${prefix}/#`);
    cleanups.push(() => void obs.client.end(true));
    await until(() => obs.last(`${prefix}/soc`) !== undefined, 3000, 'soc');
    expect(obs.last(`${prefix}/soc`)).toEqual({ topic: `${prefix}/soc`, payload: '44', retain: true });
    expect(obs.last(`${prefix}/status`)?.payload).toBe('online');
  });
});
