// EvseMode forwarding: the car's SOC and the charger's state to the outside, and
// one command back in.
//  - SmartEVSE SOC callback ([soc_callback]): POST <endpoint>?current_soc=…&evccid=…,
//    at most one request per interval, last value wins, one request in flight, a
//    deadline per request; a failed one is logged, counted and retried with the
//    latest values at the next interval (SmartEVSE rebooting must not lose the SOC).
//  - MQTT ([mqtt]): retained state topics (docs/forwarding.md), last will 'offline',
//    republished after every reconnect; inbound <topic>/charger/enabled: 0 → a stop
//    request on stopRequests$, which the runtime turns into STOP_REQUEST to the
//    EVSE session (EVSE_Shutdown in the next CurrentDemandRes, pyPLC's behaviour).
// Facts come from the status bus and from the EV's requests seen on the wire
// (onWire: pass it to createEvseStack's onWire beside the recorder).
import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import type { TsplcConfig } from '../config/schema.js';
import {
  ENABLED_TOPIC,
  STATUS_TOPIC,
  LatestValueThrottle,
  factPublications,
  foldRequest,
  foldStatus,
  fullTopic,
  limitPublications,
  noFacts,
  parseEnabled,
  socCallbackQuery,
  socCallbackUrl,
  supplyPublications,
  type EvFacts,
  type MqttPublication,
  type SocCallbackQuery,
} from '../outputs/forwarding/index.js';
import type { Clock } from '../ports/clock.js';
import type { CpState, PowerSupplyReading } from '../ports/hardware.js';
import type { HttpPostResult } from '../ports/http.js';
import type { MqttLink } from '../ports/mqtt.js';
import type { Logger } from '../ports/log.js';
import type { StatusBus } from '../status.js';
import { dialectFor } from '../domain/v2g/dialects/index.js';
import type { ForwardingPorts } from './io-drivers.js';
import type { WireRecord } from './v2g-transport.js';

export type { ForwardingPorts } from './io-drivers.js';

export interface StopRequest {
  readonly reason: string;
}

export interface ForwardingOptions {
  readonly config: Pick<TsplcConfig, 'soc_callback' | 'mqtt' | 'evse'>;
  readonly status: StatusBus;
  readonly logger: Logger;
  /**
   * The I/O: HTTP POST, the MQTT connector and the clock of the throttles and deadlines. The
   * runtime passes loadForwardingPorts() (src/runtime/io-drivers.ts); tests pass the twins
   * (drivers/http/memory.ts, drivers/mqtt/memory.ts) and a SimulatedClock.
   */
  readonly ports: ForwardingPorts;
  /** Charger hardware streams to publish (all optional). */
  readonly hw?: {
    readonly cpState$?: Observable<CpState>;
    readonly contactorClosed$?: Observable<boolean>;
    readonly supply$?: Observable<PowerSupplyReading>;
  };
  /** SOC callback: at most one POST per this many ms (default: soc_callback.interval if the key exists, else 5000). */
  readonly socCallbackIntervalMs?: number;
  /** Deadline of one POST, ms (default 5000). */
  readonly httpTimeoutMs?: number;
  /** MQTT: at most one publication per topic per this many ms (default 1000). */
  readonly mqttIntervalMs?: number;
  /** MQTT QoS (default: mqtt.qos if the key exists, else 0). */
  readonly mqttQos?: 0 | 1;
  readonly mqttReconnectMs?: number;
  readonly mqttClientId?: string;
}

export interface ForwardingStats {
  readonly socCallback: { readonly sent: number; readonly ok: number; readonly failed: number; readonly superseded: number; readonly lastError?: string };
  readonly mqtt?: { readonly connects: number; readonly published: number; readonly deferred: number; readonly errors: number; readonly received: number; readonly badCommands: number };
  readonly stopRequests: number;
}

export interface Forwarding {
  /** Give every V2G wire record of the EVSE here (the EV's requests carry the SOC values). */
  onWire(r: WireRecord): void;
  /** A stop was asked for over MQTT (<topic>/charger/enabled = 0): send STOP_REQUEST to the session. */
  readonly stopRequests$: Observable<StopRequest>;
  /** The folded facts (for tests, display, diagnostics). */
  readonly facts$: Observable<EvFacts>;
  stats(): ForwardingStats;
  close(): Promise<void>;
}

/** A key that a later schema may add ([soc_callback] interval, [mqtt] qos): used when present and numeric. */
function optionalNumber(section: object, key: string): number | undefined {
  const v = (section as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Drives a LatestValueThrottle with one timer: poll, send, poll again when the send settles
 * or the interval has passed.
 */
function pump<T>(throttle: LatestValueThrottle<T>, clock: Clock, send: (v: T) => Promise<boolean> | boolean, closed: () => boolean, onFail?: () => void): () => void {
  let timer: unknown;
  const run = (): void => {
    if (closed()) return;
    const step = throttle.poll(clock.now());
    if (!step) return;
    if ('wakeAt' in step) {
      if (timer === undefined) {
        timer = clock.setTimeout(() => {
          timer = undefined;
          run();
        }, Math.max(0, step.wakeAt - clock.now()));
      }
      return;
    }
    const settle = (ok: boolean): void => {
      throttle.settled(ok);
      if (!ok && !closed()) onFail?.();
      run();
    };
    let r: Promise<boolean> | boolean;
    try {
      r = send(step.send);
    } catch {
      r = false;
    }
    if (typeof r === 'boolean') settle(r);
    else r.then(settle, () => settle(false));
  };
  const kick = run as (() => void) & { cancel?: () => void };
  kick.cancel = () => timer !== undefined && clock.clearTimeout(timer);
  return kick;
}

export function attachForwarding(o: ForwardingOptions): Forwarding {
  const log = o.logger;
  // The runtime's clock is monotonic: a wall-clock step (NTP at boot on a board without RTC) must not stall the throttles.
  const { clock, http, mqtt } = o.ports;
  const c = o.config;
  const fallback = c.soc_callback.fallback_energy_capacity_wh;
  const facts = new BehaviorSubject<EvFacts>(noFacts);
  const stops = new Subject<StopRequest>();
  const subs: Subscription[] = [];
  const cancels: (() => void)[] = [];
  let closed = false;
  let stopCount = 0;
  let badCommands = 0;
  /** Last value of <topic>/charger/enabled; a session starting while it is 0 is stopped too. */
  let enabled = true;

  // --- SOC callback --------------------------------------------------------------
  const cb = { sent: 0, ok: 0, failed: 0, lastError: undefined as string | undefined };
  let socThrottle: LatestValueThrottle<SocCallbackQuery> | undefined;
  let socKick: (() => void) | undefined;
  const inFlight = new Set<AbortController>();
  if (c.soc_callback.enabled && c.soc_callback.endpoint) {
    const endpoint = c.soc_callback.endpoint;
    const interval = o.socCallbackIntervalMs ?? optionalNumber(c.soc_callback, 'interval') ?? 5000;
    const timeoutMs = o.httpTimeoutMs ?? 5000;
    const throttle = new LatestValueThrottle<SocCallbackQuery>(interval);
    socThrottle = throttle;
    const post = async (q: SocCallbackQuery): Promise<boolean> => {
      const url = socCallbackUrl(endpoint, q);
      const abort = new AbortController();
      inFlight.add(abort);
      cb.sent++;
      let r: HttpPostResult;
      try {
        r = await http(url, { timeoutMs, signal: abort.signal });
      } finally {
        inFlight.delete(abort);
      }
      if (r.ok) {
        cb.ok++;
        log.log('debug', 'SOC callback sent', { url, status: r.status, ms: r.ms });
        return true;
      }
      cb.failed++;
      cb.lastError = r.error;
      log.log('warn', 'SOC callback failed', { url, error: r.error, ms: r.ms, failed: cb.failed });
      return false;
    };
    // After a failure, offer the newest values again: sent at the next interval unless newer ones come.
    const retry = (): void => {
      if (throttle.waiting) return;
      const latest = socCallbackQuery(facts.getValue(), fallback);
      if (latest) throttle.offer(latest);
    };
    const kick = pump(throttle, clock, post, () => closed, retry);
    socKick = kick;
    cancels.push(() => (kick as { cancel?: () => void }).cancel?.());
    log.log('info', 'SOC callback on', { endpoint, intervalMs: interval });
  }

  // --- MQTT ------------------------------------------------------------------------
  let link: MqttLink | undefined;
  const topicThrottles = new Map<string, { throttle: LatestValueThrottle<string>; kick: () => void }>();
  const mqttInterval = o.mqttIntervalMs ?? 1000;
  const publish = (p: MqttPublication): void => {
    const l = link;
    if (!l) return;
    let t = topicThrottles.get(p.topic);
    if (!t) {
      const throttle = new LatestValueThrottle<string>(mqttInterval, (s) => s);
      const topic = fullTopic(c.mqtt.topic, p.topic);
      const kick = pump(throttle, clock, (payload) => (l.publish(topic, payload), true), () => closed);
      cancels.push(() => (kick as { cancel?: () => void }).cancel?.());
      topicThrottles.set(p.topic, (t = { throttle, kick }));
    }
    t.throttle.offer(p.payload);
    t.kick();
  };
  const stop = (reason: string): void => {
    stopCount++;
    log.log('info', 'stop requested', { reason });
    // Never inside the reporting actor's action: the runtime sends the stop to the actors.
    queueMicrotask(() => !closed && stops.next({ reason }));
  };
  if (c.mqtt.enabled) {
    const qosCfg = o.mqttQos ?? optionalNumber(c.mqtt, 'qos');
    const qos: 0 | 1 = qosCfg === 1 ? 1 : 0;
    link = mqtt({
      broker: c.mqtt.broker,
      statusTopic: fullTopic(c.mqtt.topic, STATUS_TOPIC),
      qos,
      logger: log.child('mqtt'),
      ...(o.mqttClientId ? { clientId: o.mqttClientId } : {}),
      ...(o.mqttReconnectMs !== undefined ? { reconnectPeriodMs: o.mqttReconnectMs } : {}),
    });
    const enabledTopic = fullTopic(c.mqtt.topic, ENABLED_TOPIC);
    link.subscribe(enabledTopic);
    subs.push(
      link.messages$.subscribe((m) => {
        if (m.topic !== enabledTopic) return;
        const cmd = parseEnabled(m.payload);
        if ('error' in cmd) {
          badCommands++;
          log.log('warn', 'MQTT command ignored', { topic: m.topic, error: cmd.error });
          return;
        }
        enabled = cmd.enabled;
        log.log('info', `MQTT ${ENABLED_TOPIC} = ${cmd.enabled ? 1 : 0}`, { retained: m.retained });
        if (!cmd.enabled) stop(`MQTT ${ENABLED_TOPIC}=0`);
      }),
    );
    for (const p of limitPublications({ maxVoltage: c.evse.max_voltage, maxCurrent: c.evse.max_current, maxPower: c.evse.max_power })) publish(p);
    if (o.hw?.cpState$) subs.push(o.hw.cpState$.subscribe((s) => publish({ topic: 'cpstate', payload: s })));
    if (o.hw?.contactorClosed$) subs.push(o.hw.contactorClosed$.subscribe((closedNow) => publish({ topic: 'relay_state', payload: closedNow ? '1' : '0' })));
    if (o.hw?.supply$) subs.push(o.hw.supply$.subscribe((r) => supplyPublications(r).forEach(publish)));
    log.log('info', 'MQTT on', { broker: c.mqtt.broker, topic: c.mqtt.topic, qos });
  }

  // --- facts → outputs --------------------------------------------------------------
  const apply = (next: EvFacts): void => {
    if (closed) return;
    facts.next(next);
    if (socThrottle) {
      const q = socCallbackQuery(next, fallback);
      if (q) {
        socThrottle.offer(q);
        socKick?.();
      }
    }
    if (link) for (const p of factPublications(next, fallback)) publish(p);
  };
  if (link) for (const p of factPublications(noFacts, fallback)) publish(p);
  subs.push(
    o.status.updates$.subscribe((u) => {
      apply(foldStatus(facts.getValue(), u));
      // pyPLC polls its stop request in every CurrentDemand round; enabled=0 is a level, so a
      // session that starts while it holds is stopped as well (once, at SessionSetupRes).
      if (!enabled && u.layer === 'session' && u.state === 'SessionSetupRes') stop(`MQTT ${ENABLED_TOPIC}=0 (held)`);
    }),
  );

  return {
    onWire(r) {
      if (closed || r.direction !== 'rx' || !r.doc || (r.schema !== 'din' && r.schema !== 'iso2')) return;
      const decoded = dialectFor(r.schema).decodeRequest(r.doc);
      // An undecodable request is the session's business (it answers or closes); nothing to forward.
      if (!decoded.ok) return;
      apply(foldRequest(facts.getValue(), decoded.value.body));
    },
    stopRequests$: stops.asObservable(),
    facts$: facts.asObservable(),
    stats() {
      const sc = socThrottle?.counters();
      const m = link?.counters();
      return {
        socCallback: { sent: cb.sent, ok: cb.ok, failed: cb.failed, superseded: sc?.superseded ?? 0, ...(cb.lastError ? { lastError: cb.lastError } : {}) },
        ...(m ? { mqtt: { ...m, badCommands } } : {}),
        stopRequests: stopCount,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of subs) s.unsubscribe();
      for (const cancel of cancels) cancel();
      for (const a of inFlight) a.abort();
      stops.complete();
      facts.complete();
      await link?.close();
    },
  };
}
