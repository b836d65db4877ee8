// The in-memory twin of an MQTT broker and its links (the MqttLink port of
// drivers/mqtt/client.ts): retained states per topic, exact-topic and '#'
// subscriptions, synchronous delivery. For tests and the car-on-a-bench harness.
import { BehaviorSubject, Subject } from 'rxjs';
import type { MqttLink, MqttLinkCounters, MqttMessage } from './client.js';

export class MemoryMqttBroker {
  readonly retained = new Map<string, string>();
  private readonly links = new Set<{ subs: Set<string>; messages: Subject<MqttMessage> }>();

  /** A client link to this broker. */
  link(): MqttLink {
    const me = { subs: new Set<string>(), messages: new Subject<MqttMessage>() };
    this.links.add(me);
    const counts = { connects: 1, published: 0, deferred: 0, errors: 0, received: 0 };
    const connected = new BehaviorSubject(true);
    return {
      publish: (topic, payload) => {
        counts.published++;
        this.publish(topic, payload);
      },
      subscribe: (topic) => {
        me.subs.add(topic);
        for (const [t, p] of this.retained) if (matches(topic, t)) me.messages.next({ topic: t, payload: p, retained: true });
      },
      messages$: me.messages.asObservable(),
      connected$: connected.asObservable(),
      counters: (): MqttLinkCounters => ({ ...counts }),
      close: async () => {
        this.links.delete(me);
        connected.next(false);
        me.messages.complete();
      },
    };
  }

  /** Publish as some other client (the BMS, a test). */
  publish(topic: string, payload: string): void {
    this.retained.set(topic, payload);
    for (const l of this.links) if ([...l.subs].some((s) => matches(s, topic))) l.messages.next({ topic, payload, retained: false });
  }
}

function matches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  if (filter.endsWith('/#')) return topic.startsWith(filter.slice(0, -1));
  return filter === '#';
}
