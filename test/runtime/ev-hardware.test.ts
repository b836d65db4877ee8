// `tsplc pev`'s hardware composition (src/runtime/ev-hardware.ts): the battery source
// chosen by ev.battery_source, stale data → 0 A and a graceful stop, pyPLC's MQTT car
// topics (twin broker and a real mosquitto), and the safety monitor in production.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { SimulatedClock, type Actor, type AnyStateMachine } from 'xstate';
import { loadBoard } from '../../boards/index.js';
import { createSimBoard } from '../../boards/sim/index.js';
import { MemoryMqttBroker } from '../../drivers/mqtt/memory.js';
import { openMqttLink } from '../../drivers/mqtt/client.js';
import { buildConfig, type TsplcConfig } from '../../src/config/index.js';
import type { BatteryState } from '../../src/ports/hardware.js';
import { memoryLogger } from '../../src/ports/log.js';
import { prepareEvHardware } from '../../src/runtime/ev-hardware.js';
import { StatusBus } from '../../src/status.js';
import { Broker, hasMosquitto, missingMosquittoMessage, until } from '../forwarding/mosquitto.js';
import { connect } from 'mqtt';
import { load as loadDieter } from '../../boards/dieter/index.js';
import { memorySerialPair } from '../../drivers/serial/memory.js';
import { requireEnv } from '../env.js';

function config(raw: Record<string, Record<string, unknown>>): TsplcConfig {
  const c = buildConfig([{ raw, source: 'test' }]);
  if (!c.ok) throw new Error(JSON.stringify(c.error));
  return c.value;
}

/** An actor stand-in that records what the composition sends. */
function fakeActor() {
  const sent: { type: string; [k: string]: unknown }[] = [];
  const actor = { send: (e: { type: string }) => sent.push(e), getSnapshot: () => ({ status: 'active', value: 'waitForPlug' }), subscribe: () => ({ unsubscribe: () => {} }) } as unknown as Actor<AnyStateMachine>;
  return { actor, sent };
}

const flush = () => new Promise<void>((r) => setTimeout(r, 0));

describe('battery sources in the runtime', () => {
  it('static: the configured pack voltage reaches the session; without it `tsplc pev` refuses to start', async () => {
    const logger = memoryLogger();
    const c = config({ general: { board: 'none' }, ev: { battery_voltage: 270, initial_soc: 80 } });
    const board = await loadBoard('none', { role: 'pev', config: c, logger });
    if (!board.ok) throw new Error(board.error.message);
    const r = await prepareEvHardware({ board: board.value, config: c, logger, status: new StatusBus() });
    if (!r.ok) throw new Error(r.error.message);
    const b = await firstValueFrom(r.value.hw.battery.state$);
    expect(b).toMatchObject({ voltage: 270, socPercent: 80 });
    await r.value.close();
    const missing = await prepareEvHardware({ board: board.value, config: config({ general: { board: 'none' } }), logger, status: new StatusBus() });
    expect(missing.ok ? '' : missing.error.code).toBe('BATTERY_VOLTAGE_MISSING');
    const chademo = await prepareEvHardware({ board: board.value, config: config({ general: { board: 'none' }, ev: { battery_source: 'chademo' } }), logger, status: new StatusBus() });
    expect(chademo.ok ? '' : chademo.error.code).toBe('SOURCE_NOT_AVAILABLE');
    const c55 = await prepareEvHardware({ board: board.value, config: config({ general: { board: 'none' }, ev: { battery_source: 'celeron55' } }), logger, status: new StatusBus() });
    expect(c55.ok ? '' : c55.error.message).toMatch(/needs general.board = "celeron55"/);
    await board.value.close();
  });

  it('mqtt (twin broker): BMS topics drive the battery; silence → 0 A and a STOP_REQUEST to the session; commands are published', async () => {
    const clock = new SimulatedClock();
    const logger = memoryLogger();
    const broker = new MemoryMqttBroker();
    const c = config({ general: { board: 'none' }, ev: { battery_source: 'mqtt', battery_stale_timeout: 1000, mqtt_inlet_voltage: true }, mqtt: { topic: 'car' } });
    const board = await loadBoard('none', { role: 'pev', config: c, logger });
    if (!board.ok) throw new Error(board.error.message);
    const r = await prepareEvHardware({ board: board.value, config: c, logger, status: new StatusBus(), scheduler: clock, openMqtt: () => broker.link() });
    if (!r.ok) throw new Error(r.error.message);
    const { actor, sent } = fakeActor();
    r.value.bind(actor);
    let b: BatteryState | undefined;
    r.value.hw.battery.state$.subscribe((x) => (b = x));
    expect(b).toMatchObject({ voltage: 0, maxCurrent: 0 }); // nothing heard yet
    broker.publish('car/battery_voltage', '271');
    broker.publish('car/target_current', '80');
    broker.publish('car/soc', '33');
    await flush(); // the twin broker delivers in a later microtask, as a socket would
    expect(b).toMatchObject({ voltage: 271, maxCurrent: 80, socPercent: 33 });
    clock.increment(900);
    broker.publish('car/soc', '34');
    await flush();
    clock.increment(900);
    expect(b?.maxCurrent).toBe(80);
    clock.increment(200); // 1100 ms since the last update
    expect(b?.maxCurrent).toBe(0);
    await flush();
    // Current request 0 first: the stop waits for the next charge-loop request, which carries the 0 A.
    const stop = { type: 'TO_SESSION', event: { type: 'STOP_REQUEST', reason: 'BatteryDataStale' } };
    expect(sent).not.toContainEqual(stop);
    r.value.onWire({ direction: 'tx', schema: 'din', bytes: new Uint8Array(0), doc: { V2G_Message: { Header: { SessionID: new Uint8Array(8) }, Body: { CurrentDemandReq: {} } } } });
    await flush();
    expect(sent.filter((e) => JSON.stringify(e) === JSON.stringify(stop))).toHaveLength(1);
    // The bound (1 s) does not send it a second time.
    clock.increment(1100);
    await flush();
    expect(sent.filter((e) => JSON.stringify(e) === JSON.stringify(stop))).toHaveLength(1);
    expect(logger.lines.some((l) => l.level === 'error' && l.message.includes('stale'))).toBe(true);
    // Commands go out as pyPLC's topics.
    r.value.hw.controlPilot.setState('C');
    r.value.hw.contactors.close();
    r.value.hw.connectorLock?.lock();
    expect(broker.retained.get('car/cpstate')).toBe('C');
    expect(broker.retained.get('car/relay_request')).toBe('on');
    expect(broker.retained.get('car/lock_request')).toBe('lock');
    // An inlet voltage arrives as a sensor when the board has none.
    broker.publish('car/inlet_voltage', '12.5');
    await flush();
    expect(await firstValueFrom(r.value.hw.inletVoltage!.volts$)).toBe(12.5);
    await r.value.close();
    await board.value.close();
  });

  it('safety monitor attached in production: a violation is an error line and a FAULT to the connection manager', async () => {
    const clock = new SimulatedClock();
    const logger = memoryLogger();
    const sim = createSimBoard({ scheduler: clock, plugged: true });
    const c = config({ general: { board: 'sim' } });
    const r = await prepareEvHardware({ board: { name: 'sim', ev: sim.ev, close: () => sim.close() }, config: c, logger, status: new StatusBus(), scheduler: clock });
    if (!r.ok) throw new Error(r.error.message);
    const { actor, sent } = fakeActor();
    r.value.bind(actor);
    // Contactors closed with the connector unlocked: CONTACTORS_CLOSED_WITHOUT_LOCK.
    r.value.hw.contactors.close();
    clock.increment(500);
    await flush();
    expect(r.value.monitor.violations.map((v) => v.code)).toContain('CONTACTORS_CLOSED_WITHOUT_LOCK');
    expect(sent.some((e) => e.type === 'FAULT' && String(e.reason).startsWith('SafetyViolation:CONTACTORS_CLOSED_WITHOUT_LOCK'))).toBe(true);
    expect(logger.lines.some((l) => l.level === 'error' && l.message.startsWith('safety violation'))).toBe(true);
    await r.value.close();
    await sim.close();
  });
});

describe('status display (hardware.display)', () => {
  it('"board" on the dieter board: state, SOC and inlet voltage as three lc lines, only on change', async () => {
    const logger = memoryLogger();
    const pair = memorySerialPair();
    const rx: string[] = [];
    pair.device.data$.subscribe((b) => rx.push(new TextDecoder().decode(b)));
    const c = config({ general: { board: 'dieter' }, ev: { battery_voltage: 300, initial_soc: 40 }, hardware: { display: 'board' } });
    const board = await loadDieter({ role: 'pev', config: c, logger }, { serial: pair.host });
    if (!board.ok) throw new Error(board.error.message);
    const status = new StatusBus();
    const r = await prepareEvHardware({ board: board.value, config: c, logger, status });
    if (!r.ok) throw new Error(r.error.message);
    status.report({ layer: 'session', state: 'CableCheck', checkpoint: 560 });
    status.report({ layer: 'session', state: 'CableCheck', checkpoint: 560 });
    const shown = rx.filter((t) => t.startsWith('lc'));
    expect(shown.at(-1)).toBe('lcCableCheck\nlcSOC 40 %\nlc\n');
    expect(shown.filter((t) => t.startsWith('lcCableCheck')).length).toBe(1);
    await r.value.close();
    await board.value.close();
  });
});

const brokerHere = requireEnv('mosquitto', hasMosquitto, missingMosquittoMessage);
describe.skipIf(!brokerHere)('battery_source = mqtt against a real mosquitto', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await Broker.create();
    await broker.start();
  });
  afterAll(async () => broker?.stop());

  it('a BMS client publishes pack facts, the car publishes its CP state back', async () => {
    const logger = memoryLogger();
    const c = config({ general: { board: 'none' }, ev: { battery_source: 'mqtt' }, mqtt: { broker: `127.0.0.1:${broker.port}`, topic: 'pyplc' } });
    const board = await loadBoard('none', { role: 'pev', config: c, logger });
    if (!board.ok) throw new Error(board.error.message);
    const r = await prepareEvHardware({ board: board.value, config: c, logger, status: new StatusBus(), openMqtt: (o) => openMqttLink({ ...o, reconnectPeriodMs: 100 }) });
    if (!r.ok) throw new Error(r.error.message);
    let b: BatteryState | undefined;
    r.value.hw.battery.state$.subscribe((x) => (b = x));
    const bms = connect(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'bms-test' });
    const got = new Map<string, string>();
    bms.on('message', (t, p) => got.set(t, p.toString()));
    await new Promise<void>((res) => bms.once('connect', () => bms.subscribe('pyplc/#', () => res())));
    await until(() => r.value.source !== undefined && got.has('pyplc/status'), 5000, 'car online');
    const pub = () => {
      bms.publish('pyplc/battery_voltage', '355');
      bms.publish('pyplc/target_current', '60');
      bms.publish('pyplc/soc', '51');
    };
    pub();
    await until(() => b?.voltage === 355 && b.maxCurrent === 60 && b.socPercent === 51, 5000, 'battery facts from the broker');
    r.value.hw.controlPilot.setState('C');
    await until(() => got.get('pyplc/cpstate') === 'C', 5000, 'cpstate C at the broker');
    bms.end(true);
    await r.value.close();
    await board.value.close();
  }, 20_000);
});
