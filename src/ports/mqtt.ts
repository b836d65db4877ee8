// Port: the MQTT link (one client session to a broker). Implemented by
// drivers/mqtt/client.ts (the `mqtt` package, MQTT 3.1.1) and by the in-memory
// broker twin drivers/mqtt/memory.ts. The contract both keep
// (test/ports/mqtt.contract.test.ts):
//  - every publication is a retained state; the link keeps the last payload per topic
//    and publishes all of them again after every (re)connect, with <status> = 'online';
//  - nothing is queued while disconnected (a publication then is only remembered: `deferred`);
//  - the last will is <status> = 'offline', retained; close() publishes it itself;
//  - subscriptions are made again on every connect (clean session);
//  - errors are counted and logged, never thrown into the caller.
import type { Observable } from 'rxjs';
import type { Logger } from './log.js';

export interface MqttLinkOptions {
  /** 'host[:port]' as in config mqtt.broker, or a full mqtt:// URL. */
  readonly broker: string;
  /** Full topic of the online/offline status (last will). */
  readonly statusTopic: string;
  readonly qos: 0 | 1;
  readonly logger: Logger;
  readonly clientId?: string;
  /** Pause between reconnect attempts (mqtt.js reconnectPeriod), ms. */
  readonly reconnectPeriodMs?: number;
  readonly connectTimeoutMs?: number;
}

export interface MqttMessage {
  readonly topic: string;
  readonly payload: string;
  /** true when the broker delivered a stored retained message (on subscribe), false on live delivery (MQTT 3.1.1 §3.3.1.3). */
  readonly retained: boolean;
}

export interface MqttLinkCounters {
  readonly connects: number;
  readonly published: number;
  /** Publications made while offline: remembered, sent at the next connect. */
  readonly deferred: number;
  readonly errors: number;
  readonly received: number;
}

export interface MqttLink {
  /** Publish a retained state (now if connected, else at the next connect). */
  publish(topic: string, payload: string): void;
  /** Subscribe to a topic filter (exact topic or ending in '/#'), now and after every reconnect. */
  subscribe(topic: string): void;
  readonly messages$: Observable<MqttMessage>;
  readonly connected$: Observable<boolean>;
  counters(): MqttLinkCounters;
  /** 'offline' (retained), then disconnect. Never rejects. */
  close(): Promise<void>;
}

/** Opens a link (connects in the background; connected$ tells when it is up). */
export type MqttConnect = (options: MqttLinkOptions) => MqttLink;
