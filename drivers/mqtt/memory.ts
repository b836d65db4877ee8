// The in-memory twin of an MQTT broker and its links (the MqttLink port,
// src/ports/mqtt.ts). A link keeps the same contract as drivers/mqtt/client.ts
// (checked by test/ports/mqtt.contract.test.ts against a real mosquitto):
// retained states republished with <status> = 'online' on every connect,
// nothing queued while disconnected, subscriptions made again on reconnect,
// the last will published when a connection is cut, 'offline' on close().
// The broker side is what tests steer: stop()/start() (a restart without
// persistence forgets the retained messages, as the mosquitto in the tests
// does), cut() (a connection lost without DISCONNECT: the will fires),
// failing publications, and delivery latency and reconnect pauses on the clock
// port instead of real timers. Delivery comes in a microtask (as a socket's
// would come in a later turn) unless a delay on the clock is set.
import { BehaviorSubject, Subject } from 'rxjs';
import type { Clock } from '../../src/ports/clock.js';
import type { MqttConnect, MqttLink, MqttLinkCounters, MqttLinkOptions, MqttMessage } from '../../src/ports/mqtt.js';
import { nullLogger } from '../../src/ports/log.js';

export interface MemoryMqttBrokerOptions {
  /** Time for delivery latency and reconnect pauses (a SimulatedClock in tests). Without it both are immediate. */
  readonly clock?: Clock;
  /** Delay of every delivery to a subscriber, ms (needs clock). */
  readonly deliveryDelayMs?: number;
  /** Keep retained messages over stop()/start() (mosquitto's `persistence true`). Default false. */
  readonly persistence?: boolean;
}

/** One PUBLISH as the broker received it. */
export interface BrokerPublication {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
  /** The publishing link's client id, or '' for broker.publish(). */
  readonly clientId: string;
}

/** Options of a twin link; the fields of MqttLinkOptions that the twin uses, all optional. */
export type MemoryMqttLinkOptions = Partial<Pick<MqttLinkOptions, 'statusTopic' | 'qos' | 'clientId' | 'reconnectPeriodMs' | 'logger' | 'broker'>>;

interface LinkState {
  readonly clientId: string;
  readonly statusTopic: string | undefined;
  readonly subs: Set<string>;
  /** Hands a delivered message to the link's messages$. */
  receive(m: MqttMessage): void;
  readonly connected: BehaviorSubject<boolean>;
  /** Called by the broker when it accepts the connection again. */
  reconnect(): void;
  /** Called by the broker when the connection goes away. */
  lost(): void;
}

let nextId = 1;

export class MemoryMqttBroker {
  readonly retained = new Map<string, string>();
  /** Every publication the broker accepted, in order. */
  readonly publications: BrokerPublication[] = [];
  private readonly links = new Set<LinkState>();
  private running = true;
  private failing = false;

  constructor(private readonly options: MemoryMqttBrokerOptions = {}) {}

  /** The MqttConnect port: a link to this broker (connected at once while the broker runs). */
  readonly connect: MqttConnect = (o) => this.link(o);

  get isRunning(): boolean {
    return this.running;
  }

  /** A client link to this broker. */
  link(o: MemoryMqttLinkOptions = {}): MqttLink {
    const log = o.logger ?? nullLogger;
    const clientId = o.clientId ?? `memory-${nextId++}`;
    const statusTopic = o.statusTopic;
    const cache = new Map<string, string>();
    const counts = { connects: 0, published: 0, deferred: 0, errors: 0, received: 0 };
    const messages = new Subject<MqttMessage>();
    const connected = new BehaviorSubject(false);
    const subs = new Set<string>();
    let closed = false;
    let reconnectTimer: unknown;

    const send = (topic: string, payload: string): void => {
      counts.published++;
      if (!this.accept({ topic, payload, retain: true, clientId })) {
        counts.errors++;
        log.log('warn', 'MQTT publish failed', { topic, error: 'injected failure' });
      }
    };
    const onConnect = (): void => {
      counts.connects++;
      log.log('info', counts.connects === 1 ? 'MQTT connected' : 'MQTT reconnected', { broker: o.broker ?? 'memory', connects: counts.connects });
      connected.next(true);
      if (statusTopic) send(statusTopic, 'online');
      for (const [t, p] of cache) send(t, p);
      // Clean session: the broker forgot the subscriptions; make them again (retained messages come with them).
      for (const t of subs) this.deliverRetained(state, t);
    };
    const state: LinkState = {
      clientId,
      statusTopic,
      subs,
      receive: (m) => {
        if (closed) return;
        counts.received++;
        messages.next(m);
      },
      connected,
      reconnect: () => {
        if (closed || connected.getValue()) return;
        const pause = o.reconnectPeriodMs ?? 0;
        if (this.options.clock && pause > 0) {
          if (reconnectTimer !== undefined) return;
          reconnectTimer = this.options.clock.setTimeout(() => {
            reconnectTimer = undefined;
            if (!closed && this.running && !connected.getValue()) onConnect();
          }, pause);
        } else onConnect();
      },
      lost: () => {
        if (!connected.getValue()) return;
        log.log('warn', 'MQTT connection lost; reconnecting', { broker: o.broker ?? 'memory' });
        connected.next(false);
      },
    };
    this.links.add(state);
    if (this.running) onConnect();

    return {
      publish: (topic, payload) => {
        if (closed) return;
        if (cache.get(topic) === payload && connected.getValue()) return;
        cache.set(topic, payload);
        if (connected.getValue()) send(topic, payload);
        else counts.deferred++;
      },
      subscribe: (topic) => {
        if (closed || subs.has(topic)) return;
        subs.add(topic);
        if (connected.getValue()) this.deliverRetained(state, topic);
      },
      messages$: messages.asObservable(),
      connected$: connected.asObservable(),
      counters: (): MqttLinkCounters => ({ ...counts }),
      close: async () => {
        if (closed) return;
        closed = true;
        if (reconnectTimer !== undefined) this.options.clock?.clearTimeout(reconnectTimer);
        if (connected.getValue() && statusTopic) this.accept({ topic: statusTopic, payload: 'offline', retain: true, clientId });
        this.links.delete(state);
        connected.next(false);
        messages.complete();
        connected.complete();
      },
    };
  }

  /** Publish as some other client (the BMS, a test). Retained by default, as the states tsplc reads are. */
  publish(topic: string, payload: string, o: { readonly retain?: boolean } = {}): void {
    this.accept({ topic, payload, retain: o.retain ?? true, clientId: '' });
  }

  /** The broker goes away: every link loses its connection; without persistence the retained messages are forgotten. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    if (!this.options.persistence) this.retained.clear();
    for (const l of this.links) l.lost();
  }

  /** The broker is back: every link reconnects (after its reconnect pause on the clock). */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const l of [...this.links]) l.reconnect();
  }

  /**
   * The connections are cut without DISCONNECT (cable pulled, process killed): the broker
   * publishes each link's last will (<status> = 'offline', retained); the links reconnect.
   */
  cut(): void {
    for (const l of [...this.links]) {
      if (!l.connected.getValue()) continue;
      l.lost();
      if (l.statusTopic) this.accept({ topic: l.statusTopic, payload: 'offline', retain: true, clientId: '' });
    }
    for (const l of [...this.links]) l.reconnect();
  }

  /** While true, every publication of a link fails (counted in its errors, as a failed PUBACK is). */
  failPublications(on: boolean): void {
    this.failing = on;
  }

  private accept(p: BrokerPublication): boolean {
    if (!this.running) return false;
    if (this.failing && p.clientId !== '') return false;
    this.publications.push(p);
    if (p.retain) this.retained.set(p.topic, p.payload);
    for (const l of this.links) {
      if (!l.connected.getValue() || ![...l.subs].some((s) => topicMatches(s, p.topic))) continue;
      this.deliver(l, { topic: p.topic, payload: p.payload, retained: false });
    }
    return true;
  }

  private deliverRetained(l: LinkState, filter: string): void {
    for (const [t, p] of this.retained) if (topicMatches(filter, t)) this.deliver(l, { topic: t, payload: p, retained: true });
  }

  private deliver(l: LinkState, m: MqttMessage): void {
    const { clock, deliveryDelayMs } = this.options;
    // Never inside the publisher's call: a real broker's message arrives in a later turn of the
    // event loop, so code that subscribes and then listens (as forwarding does) must work.
    if (clock && deliveryDelayMs && deliveryDelayMs > 0) clock.setTimeout(() => l.connected.getValue() && l.receive(m), deliveryDelayMs);
    else queueMicrotask(() => l.connected.getValue() && l.receive(m));
  }
}

/** MQTT 3.1.1 §4.7 topic filter matching: '+' one level, '#' the rest (also the parent level). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
