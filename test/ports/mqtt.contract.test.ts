// The MQTT link port's contract (src/ports/mqtt.ts), run against the real client
// (drivers/mqtt/client.ts on a real mosquitto, through a TCP proxy that can cut the
// connection) and against the broker twin (drivers/mqtt/memory.ts on a SimulatedClock),
// so the twin the forwarding and battery-source tests use cannot drift from the real
// client on a real broker. No timing assertions: waits are for outcomes.
import { connect as mqttConnect, type MqttClient } from 'mqtt';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { openMqttLink } from '../../drivers/mqtt/client.js';
import { MemoryMqttBroker } from '../../drivers/mqtt/memory.js';
import { nullLogger } from '../../src/ports/log.js';
import type { MqttLink, MqttMessage } from '../../src/ports/mqtt.js';
import { Broker, freePort, hasMosquitto, missingMosquittoMessage, until } from '../forwarding/mosquitto.js';
import { requireEnv } from '../env.js';

interface Observer {
  readonly got: MqttMessage[];
  last(topic: string): MqttMessage | undefined;
  publish(topic: string, payload: string, retain: boolean): Promise<void>;
  close(): Promise<void>;
}

interface Harness {
  /** A link under test (status topic <prefix>/status, reconnect pause 100 ms). */
  link(prefix: string): MqttLink;
  /** Another client subscribed to filter (resolves once the subscription is in place). */
  observe(filter: string): Promise<Observer>;
  /** Broker restart without persistence. */
  restart(): Promise<void>;
  /** The link's connection is cut without DISCONNECT (the broker sees it die). */
  cut(): Promise<void>;
  /** Waits until cond holds (the twin runs virtual time for it). */
  until(cond: () => boolean, what: string): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy in front of the broker: cut() destroys the proxied connections. */
async function proxyTo(port: number): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listenPort = await freePort();
  await new Promise<void>((r) => server.listen(listenPort, '127.0.0.1', r));
  return {
    port: listenPort,
    cut: () => sockets.forEach((s) => s.destroy()),
    close: () =>
      new Promise<void>((r) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
}

async function realHarness(): Promise<Harness> {
  const broker = await Broker.create();
  await broker.start();
  const proxy = await proxyTo(broker.port);
  const links: MqttLink[] = [];
  const observers: Observer[] = [];
  return {
    link(prefix) {
      const l = openMqttLink({ broker: `127.0.0.1:${proxy.port}`, statusTopic: `${prefix}/status`, qos: 1, logger: nullLogger, reconnectPeriodMs: 100 });
      links.push(l);
      return l;
    },
    async observe(filter) {
      const client: MqttClient = mqttConnect(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 100, clientId: `observer-${Math.random().toString(16).slice(2)}` });
      const got: MqttMessage[] = [];
      client.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retained: packet.retain }));
      await new Promise<void>((r, j) => {
        client.once('connect', () => client.subscribe(filter, { qos: 1 }, (e) => (e ? j(e) : r())));
        client.once('error', j);
      });
      const o: Observer = {
        got,
        last: (t) => [...got].reverse().find((m) => m.topic === t),
        publish: (topic, payload, retain) => new Promise<void>((r, j) => client.publish(topic, payload, { qos: 1, retain }, (e) => (e ? j(e) : r()))),
        close: () => new Promise<void>((r) => client.end(true, {}, () => r())),
      };
      observers.push(o);
      return o;
    },
    async restart() {
      await broker.stop();
      await broker.start();
    },
    async cut() {
      proxy.cut();
    },
    until: (cond, what) => until(cond, 10_000, what),
    async close() {
      for (const l of links) await l.close();
      for (const o of observers) await o.close();
      await proxy.close();
      await broker.dispose();
    },
  };
}

async function twinHarness(): Promise<Harness> {
  const clock = new SimulatedClock();
  const broker = new MemoryMqttBroker({ clock });
  const links: MqttLink[] = [];
  const flush = () => new Promise<void>((r) => setImmediate(r));
  return {
    link(prefix) {
      const l = broker.connect({ broker: 'memory', statusTopic: `${prefix}/status`, qos: 1, logger: nullLogger, reconnectPeriodMs: 100 });
      links.push(l);
      return l;
    },
    async observe(filter) {
      const l = broker.link({ clientId: 'observer' });
      const got: MqttMessage[] = [];
      l.messages$.subscribe((m) => got.push(m));
      l.subscribe(filter);
      await flush();
      return {
        got,
        last: (t) => [...got].reverse().find((m) => m.topic === t),
        publish: async (topic, payload, retain) => broker.publish(topic, payload, { retain }),
        close: () => l.close(),
      };
    },
    async restart() {
      broker.stop();
      broker.start();
    },
    async cut() {
      broker.cut();
    },
    async until(cond, what) {
      for (let i = 0; i < 1000; i++) {
        await flush();
        if (cond()) return;
        clock.increment(10);
      }
      throw new Error(`${what} not reached in 10 s of virtual time`);
    },
    async close() {
      for (const l of links) await l.close();
    },
  };
}

const connects = (l: MqttLink) => l.counters().connects;
const harnesses: [string, () => Promise<Harness>, boolean][] = [
  ['drivers/mqtt/client.ts on mosquitto', realHarness, !requireEnv('mosquitto', hasMosquitto, missingMosquittoMessage)],
  ['drivers/mqtt/memory.ts (twin)', twinHarness, false],
];

describe.each(harnesses)('MQTT link contract: %s', (_name, make, skip) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it.skipIf(skip)("connects and says 'online' (retained) on its status topic", async () => {
    h = await make();
    const l = h.link('c1');
    let up = false;
    l.connected$.subscribe((c) => (up = c));
    await h.until(() => up && connects(l) === 1, 'connected');
    const obs = await h.observe('c1/status');
    await h.until(() => obs.got.length > 0, 'retained status');
    expect(obs.got[0]).toEqual({ topic: 'c1/status', payload: 'online', retained: true });
  });

  it.skipIf(skip)('publications are retained states: a late subscriber gets the last one, a live one gets it with retained false; a repeat is not sent', async () => {
    h = await make();
    const l = h.link('c2');
    await h.until(() => connects(l) === 1, 'connected');
    // A live subscriber first, to know when the broker has both publications (they travel in
    // flight; a late subscriber made before they land could see '31' retained and '33' live).
    const live = await h.observe('c2/soc');
    l.publish('c2/soc', '31');
    l.publish('c2/soc', '33');
    await h.until(() => live.last('c2/soc')?.payload === '33', 'both at the broker');
    expect(live.got.map((m) => [m.payload, m.retained])).toEqual([
      ['31', false],
      ['33', false],
    ]);
    const late = await h.observe('c2/soc');
    await h.until(() => late.got.length > 0, 'retained soc');
    expect(late.got).toEqual([{ topic: 'c2/soc', payload: '33', retained: true }]);
    const published = l.counters().published;
    l.publish('c2/soc', '33');
    expect(l.counters().published).toBe(published);
    l.publish('c2/soc', '34');
    await h.until(() => late.last('c2/soc')?.payload === '34', 'live soc');
    expect(late.last('c2/soc')).toEqual({ topic: 'c2/soc', payload: '34', retained: false });
  });

  it.skipIf(skip)('subscriptions: retained messages arrive with retained true, live ones with false, wildcards match', async () => {
    h = await make();
    const other = await h.observe('nothing/here');
    await other.publish('c3/charger/enabled', '0', true);
    const l = h.link('c3');
    const got: MqttMessage[] = [];
    l.messages$.subscribe((m) => got.push(m));
    l.subscribe('c3/charger/#');
    await h.until(() => got.length === 1, 'retained enabled');
    expect(got[0]).toEqual({ topic: 'c3/charger/enabled', payload: '0', retained: true });
    await other.publish('c3/charger/enabled', '1', false);
    await other.publish('c3/other', 'x', false);
    await h.until(() => got.length === 2, 'live enabled');
    expect(got[1]).toEqual({ topic: 'c3/charger/enabled', payload: '1', retained: false });
    expect(l.counters().received).toBe(2);
  });

  it.skipIf(skip)('broker restart without persistence: reconnects, republishes status and states, subscribes again', async () => {
    h = await make();
    const l = h.link('c4');
    const got: MqttMessage[] = [];
    l.messages$.subscribe((m) => got.push(m));
    l.subscribe('c4/cmd');
    await h.until(() => connects(l) === 1, 'connected');
    l.publish('c4/soc', '61');
    await h.restart();
    await h.until(() => connects(l) === 2, 'reconnected');
    const obs = await h.observe('c4/#');
    await h.until(() => obs.last('c4/soc') !== undefined && obs.last('c4/status') !== undefined, 'republished');
    expect(obs.last('c4/status')).toEqual({ topic: 'c4/status', payload: 'online', retained: true });
    expect(obs.last('c4/soc')).toEqual({ topic: 'c4/soc', payload: '61', retained: true });
    await obs.publish('c4/cmd', 'go', false);
    await h.until(() => got.some((m) => m.payload === 'go'), 'subscription after restart');
  });

  it.skipIf(skip)("connection cut: the broker publishes the last will 'offline'; the link comes back 'online'", async () => {
    h = await make();
    const l = h.link('c5');
    await h.until(() => connects(l) === 1, 'connected');
    const obs = await h.observe('c5/status');
    await h.until(() => obs.last('c5/status')?.payload === 'online', 'online');
    await h.cut();
    await h.until(() => obs.got.some((m) => m.payload === 'offline'), 'last will');
    await h.until(() => connects(l) === 2 && obs.last('c5/status')?.payload === 'online', 'back online');
  });

  it.skipIf(skip)("close(): 'offline' retained, connected$ ends false, later publications are ignored", async () => {
    h = await make();
    const l = h.link('c6');
    const states: boolean[] = [];
    let completed = false;
    l.connected$.subscribe({ next: (c) => states.push(c), complete: () => (completed = true) });
    await h.until(() => connects(l) === 1, 'connected');
    await l.close();
    expect(states[states.length - 1]).toBe(false);
    expect(completed).toBe(true);
    const published = l.counters().published;
    l.publish('c6/soc', '1');
    expect(l.counters().published).toBe(published);
    const obs = await h.observe('c6/#');
    await h.until(() => obs.got.length > 0, 'retained offline');
    expect(obs.got).toEqual([{ topic: 'c6/status', payload: 'offline', retained: true }]);
  });
});
