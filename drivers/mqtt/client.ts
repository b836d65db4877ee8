// The MQTT link port (src/ports/mqtt.ts) over the `mqtt` package (MQTT 3.1.1 here: what
// every home broker speaks). What this file adds to the library, and why:
//  - every publication is a retained state; the last payload per topic is kept
//    (bounded by the number of topics), and on every (re)connect the status topic
//    goes 'online' and all states are published again — a broker restarted without
//    persistence has forgotten them;
//  - nothing is queued while disconnected (queueQoSZero off, no publish while
//    offline): the retained cache replaces a queue, so a broker down for a day costs
//    no memory;
//  - last will: <status> = 'offline', retained, so a crash or cable cut shows;
//  - errors are logged and counted, never thrown into the caller.
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { BehaviorSubject, Subject } from 'rxjs';
import type { MqttConnect, MqttLink, MqttLinkOptions, MqttMessage } from '../../src/ports/mqtt.js';

export type { MqttConnect, MqttLink, MqttLinkCounters, MqttLinkOptions, MqttMessage } from '../../src/ports/mqtt.js';

/** 'host', 'host:port', '[v6]:port' or a URL → a URL mqtt.js accepts. */
export function brokerUrl(broker: string): string {
  if (/^[a-z]+:\/\//i.test(broker)) return broker;
  if (/^\[.*\]$/.test(broker) || !broker.includes(':')) return `mqtt://${broker}:1883`;
  if (/^\[.*\]:\d+$/.test(broker) || /^[^:]+:\d+$/.test(broker)) return `mqtt://${broker}`;
  // A bare IPv6 address.
  return `mqtt://[${broker}]:1883`;
}

/** The MqttConnect port over the `mqtt` package. */
export const openMqttLink: MqttConnect = (o: MqttLinkOptions): MqttLink => {
  const log = o.logger;
  const retained = new Map<string, string>();
  const subscriptions = new Set<string>();
  const messages = new Subject<MqttMessage>();
  const connected = new BehaviorSubject<boolean>(false);
  const counts = { connects: 0, published: 0, deferred: 0, errors: 0, received: 0 };
  const options: IClientOptions = {
    clientId: o.clientId ?? `tsplc-evse-${Math.random().toString(16).slice(2, 10)}`,
    clean: true,
    reconnectPeriod: o.reconnectPeriodMs ?? 5000,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    queueQoSZero: false,
    resubscribe: false,
    will: { topic: o.statusTopic, payload: Buffer.from('offline'), qos: o.qos, retain: true },
  };
  const client: MqttClient = connect(brokerUrl(o.broker), options);

  const send = (topic: string, payload: string): void => {
    client.publish(topic, payload, { qos: o.qos, retain: true }, (e) => {
      if (e) {
        counts.errors++;
        log.log('warn', 'MQTT publish failed', { topic, error: e.message });
      }
    });
    counts.published++;
  };
  const subscribeNow = (topic: string): void => {
    client.subscribe(topic, { qos: o.qos }, (e) => {
      if (e) {
        counts.errors++;
        log.log('warn', 'MQTT subscribe failed', { topic, error: e.message });
      }
    });
  };

  client.on('connect', () => {
    counts.connects++;
    log.log('info', counts.connects === 1 ? 'MQTT connected' : 'MQTT reconnected', { broker: o.broker, connects: counts.connects });
    connected.next(true);
    warnedSinceConnect = false;
    send(o.statusTopic, 'online');
    for (const [t, p] of retained) send(t, p);
    for (const t of subscriptions) subscribeNow(t);
  });
  client.on('close', () => {
    if (connected.getValue()) log.log('warn', 'MQTT connection lost; reconnecting', { broker: o.broker });
    connected.next(false);
  });
  // One warning per outage; the retries of a broker that stays away (every reconnectPeriod) go to debug.
  let warnedSinceConnect = false;
  client.on('error', (e) => {
    counts.errors++;
    log.log(warnedSinceConnect ? 'debug' : 'warn', 'MQTT error', { broker: o.broker, error: e.message, errors: counts.errors });
    warnedSinceConnect = true;
  });
  client.on('message', (topic, payload, packet) => {
    counts.received++;
    messages.next({ topic, payload: payload.toString('utf8'), retained: packet.retain });
  });

  let closed = false;
  return {
    publish(topic, payload) {
      if (closed) return;
      if (retained.get(topic) === payload && connected.getValue()) return;
      retained.set(topic, payload);
      if (client.connected) send(topic, payload);
      else counts.deferred++;
    },
    subscribe(topic) {
      if (closed || subscriptions.has(topic)) return;
      subscriptions.add(topic);
      if (client.connected) subscribeNow(topic);
    },
    messages$: messages.asObservable(),
    connected$: connected.asObservable(),
    counters: () => ({ ...counts }),
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => {
        let ended = false;
        const end = (): void => {
          if (ended) return;
          ended = true;
          // force: do not wait for a broker that is gone; the will covers that case.
          client.end(!client.connected, {}, () => {
            connected.next(false);
            messages.complete();
            connected.complete();
            resolve();
          });
        };
        if (client.connected) {
          // A broker that stops answering must not hold the shutdown: 2 s for the PUBACK.
          const t = setTimeout(end, 2000);
          client.publish(o.statusTopic, 'offline', { qos: o.qos, retain: true }, () => {
            clearTimeout(t);
            end();
          });
        } else end();
      });
    },
  };
};
