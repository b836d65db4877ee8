// The car's hardware as `tsplc pev` runs it: the board's ports, with
//  - the battery facts from the configured source (ev.battery_source: static,
//    celeron55, mqtt; chademo reserved), stale data → 0 A requested, then a
//    graceful stop of the session;
//  - ev.soc_simulation (pyPLC: the SOC rises while the relay is closed);
//  - pyPLC's car-side MQTT publications (cpstate, relay_request, lock_request,
//    fsm_state, soc, charger values) when an MQTT link is configured;
//  - the safety monitor in production: a violation is an error line and starts
//    the SafeShutdownSequence (FAULT to the connection manager).
// The session, the SafeShutdownSequence and the monitor all get the same
// wrapped object (the monitor's fault channel is keyed by it).
import { BehaviorSubject, combineLatest, distinctUntilChanged, map, of, Subject, type Observable, type Subscription } from 'rxjs';
import type { Actor, AnyStateMachine } from 'xstate';
import type { Board } from '../../boards/index.js';
import type { Clock } from '../ports/clock.js';
import { wallClock } from '../../drivers/clock/index.js';
import type { MqttLink, MqttLinkOptions } from '../ports/mqtt.js';
import { safetyLimitsOf } from '../config/index.js';
import type { TsplcConfig } from '../config/schema.js';
import {
  batteryFromCarFacts,
  carPublications,
  carSubscriptions,
  chargerFactsOf,
  foldCarMessage,
  SocSimulation,
  staticBattery,
  watchFreshness,
  type BatterySource,
  type BatterySourceError,
  type CarMqttFacts,
  type CarOutput,
} from '../domain/ev-source/index.js';
import type { BatteryState, EvHardware } from '../ports/hardware.js';
import type { Logger } from '../ports/log.js';
import { err, ok, type Result } from '../result.js';
import { attachSafetyMonitor, type SafetyMonitor } from '../domain/safety/index.js';
import type { StatusBus } from '../status.js';
import type { WireRecord } from './v2g-transport.js';
import { errorMessage } from '../errors.js';

export interface EvHardwareOptions {
  readonly board: Board;
  readonly config: TsplcConfig;
  readonly logger: Logger;
  readonly status: StatusBus;
  /** Time for freshness, the SOC simulation and the monitor's grace timers (default: wall clock). */
  readonly scheduler?: Clock;
  /** Opens the MQTT link (default: drivers/mqtt over the `mqtt` package; tests may pass a twin). */
  readonly openMqtt?: (o: MqttLinkOptions) => MqttLink | Promise<MqttLink>;
  /**
   * The inlet is mirrored from the car's own requests, not measured (a lone `tsplc pev --board sim`, whose
   * charger is another process): the monitor's precharge rule has no real inlet to judge.
   */
  readonly mirroredInlet?: boolean;
  /** The EV ports to compose instead of the board's own (the CHAdeMO bridge's bridged hardware, src/runtime/chademo.ts). */
  readonly ev?: EvHardware;
}

export interface EvRuntimeHardware {
  /** The ports the session, the SafeShutdownSequence and the monitor use. */
  readonly hw: EvHardware;
  readonly source: BatterySource;
  readonly monitor: SafetyMonitor;
  /** The V2G records of the session (present values for MQTT). */
  onWire(r: WireRecord): void;
  /** Connects stale data and safety violations to the running connection manager. */
  bind(cm: Actor<AnyStateMachine>): void;
  close(): Promise<void>;
}

export type EvHardwareError = BatterySourceError | { readonly code: 'SOURCE_NOT_AVAILABLE'; readonly message: string };

/** Longest wait for a charge-loop request to carry the 0 A before a stale-data stop goes out anyway. */
const STALE_STOP_BOUND_MS = 1000;

/** A DC CurrentDemandReq or an AC ChargingStatusReq (the requests that carry the current request). */
function isChargeLoopRequest(doc: WireRecord['doc']): boolean {
  if (!doc || !('V2G_Message' in doc)) return false;
  const body = doc.V2G_Message.Body;
  return 'CurrentDemandReq' in body || 'ChargingStatusReq' in body;
}

export async function prepareEvHardware(o: EvHardwareOptions): Promise<Result<EvRuntimeHardware, EvHardwareError>> {
  const log = o.logger.child('ev-hardware');
  const board = o.ev ?? o.board.ev;
  if (!board) return err({ code: 'SOURCE_NOT_AVAILABLE', message: `board ${o.board.name} has no EV hardware` });
  const sched = o.scheduler ?? wallClock;
  const c = o.config;
  const subs: Subscription[] = [];
  const closers: (() => Promise<void> | void)[] = [];

  // ---- MQTT link (battery_source = mqtt, or [mqtt] enabled): pyPLC's car topics --------------
  let link: MqttLink | undefined;
  if (c.ev.battery_source === 'mqtt' || c.mqtt.enabled) {
    const open = o.openMqtt ?? (async (mo: MqttLinkOptions) => (await import('../../drivers/mqtt/client.js')).openMqttLink(mo));
    link = await open({ broker: c.mqtt.broker, statusTopic: topic(c, 'status'), qos: c.mqtt.qos as 0 | 1, logger: log.child('mqtt'), clientId: `tsplc-pev-${Math.random().toString(16).slice(2, 10)}` });
    link.publish(topic(c, 'status'), 'online');
    closers.push(() => link?.close());
  }
  const publish = (out: CarOutput): void => {
    if (!link) return;
    for (const p of carPublications(out)) link.publish(topic(c, p.topic), p.payload);
  };

  // ---- the battery source ------------------------------------------------------------------
  const source = await openSource(o, board, link, sched, log);
  if (!source.ok) {
    for (const f of closers) await f();
    return source;
  }
  const src = source.value;
  closers.push(() => src.close());

  // ev.soc_simulation: the SOC rises while the contactors are closed (pyPLC hardwareInterface.mainfunction).
  let state$: Observable<BatteryState> = src.state$;
  if (c.ev.soc_simulation) {
    const sim = new SocSimulation(c.ev.initial_soc, c.ev.soc_simulation_rate);
    const soc = new BehaviorSubject(sim.at(sched.now()));
    subs.push(board.contactors.closed$.subscribe((closed) => sim.contactors(closed, sched.now())));
    let timer: unknown;
    const tick = (): void => {
      timer = sched.setTimeout(() => {
        soc.next(sim.at(sched.now()));
        tick();
      }, 500);
    };
    tick();
    closers.push(() => {
      sched.clearTimeout(timer);
      soc.complete();
    });
    state$ = combineLatest([src.state$, soc]).pipe(map(([b, s]) => ({ ...b, socPercent: s })));
  }
  // Stale data: the request drops to 0 A at once; bind() then stops the session gracefully.
  const battery$ = combineLatest([state$, src.stale$]).pipe(
    map(([b, stale]) => (stale ? { ...b, maxCurrent: 0 } : b)),
    distinctUntilChanged((a, b) => a.socPercent === b.socPercent && a.voltage === b.voltage && a.maxCurrent === b.maxCurrent && a.maxVoltage === b.maxVoltage),
  );

  // ---- the wrapped ports ----------------------------------------------------------------
  const inlet = board.inletVoltage ?? (src.inletVoltage$ ? { volts$: src.inletVoltage$ } : undefined);
  const hw: EvHardware = {
    ...board,
    controlPilot: {
      ...board.controlPilot,
      state$: board.controlPilot.state$,
      dutyCycle$: board.controlPilot.dutyCycle$,
      setState: (s) => {
        board.controlPilot.setState(s);
        publish({ kind: 'cp', state: s });
      },
    },
    contactors: {
      closed$: board.contactors.closed$,
      hasFeedback: board.contactors.hasFeedback,
      close: () => {
        board.contactors.close();
        publish({ kind: 'relay', closed: true });
      },
      open: () => {
        board.contactors.open();
        publish({ kind: 'relay', closed: false });
      },
    },
    ...(board.connectorLock
      ? {
          connectorLock: {
            state$: board.connectorLock.state$,
            hasFeedback: board.connectorLock.hasFeedback,
            lock: () => {
              board.connectorLock?.lock();
              publish({ kind: 'lock', locked: true });
            },
            unlock: () => {
              board.connectorLock?.unlock();
              publish({ kind: 'lock', locked: false });
            },
          },
        }
      : {}),
    ...(inlet ? { inletVoltage: inlet } : {}),
    battery: { state$: battery$ },
    close: () => board.close(),
  };
  // Keep a board's command stream (the sim board reports its commands to the monitor).
  if ('commands$' in board) Object.defineProperty(hw, 'commands$', { value: (board as { commands$: unknown }).commands$, enumerable: true });

  const monitor = attachSafetyMonitor(hw, { ...safetyLimitsOf(c), ...(o.mirroredInlet ? { prechargeDelta: Number.POSITIVE_INFINITY } : {}) }, { clock: sched });
  closers.push(() => monitor.stop());
  if (link) {
    subs.push(o.status.updates$.subscribe((u) => u.layer === 'session' && publish({ kind: 'state', state: u.state })));
    subs.push(battery$.pipe(map((b) => b.socPercent), distinctUntilChanged()).subscribe((s) => publish({ kind: 'soc', percent: s })));
  }
  // The status display (hardware.display): three lines from the status stream, sent only when they change.
  if (c.hardware.display !== 'none') {
    const display = board.display;
    if (!display) log.log('warn', `hardware.display = "${c.hardware.display}" but board ${o.board.name} has no such display`);
    else {
      let last = '';
      let soc = Number.NaN;
      let volts = Number.NaN;
      let state = 'start';
      const show = (): void => {
        const lines = displayLines(state, soc, volts);
        const key = lines.join('\n');
        if (key === last) return;
        last = key;
        try {
          display.show(lines);
        } catch (e) {
          log.log('warn', 'display failed', { error: errorMessage(e) });
        }
      };
      subs.push(o.status.updates$.subscribe((u) => {
        if (u.checkpoint === undefined && u.layer !== 'shutdown') return;
        state = u.state;
        show();
      }));
      subs.push(battery$.subscribe((b) => ((soc = b.socPercent), show())));
      if (inlet) subs.push(inlet.volts$.subscribe((v) => ((volts = v), show())));
    }
  }
  log.log('info', 'battery source', { source: src.name, socSimulation: c.ev.soc_simulation });

  let stopAfterNextDemand: (() => void) | undefined;
  return ok({
    hw,
    source: src,
    monitor,
    onWire(r) {
      // A CurrentDemandReq/ChargingStatusReq sent after the data went stale carried the 0 A: now stop.
      if (stopAfterNextDemand && r.direction === 'tx' && isChargeLoopRequest(r.doc)) stopAfterNextDemand();
      if (!link || r.direction !== 'rx') return;
      const f = chargerFactsOf(r.doc);
      if (f.presentVoltage !== undefined && f.presentCurrent !== undefined) publish({ kind: 'present', voltage: f.presentVoltage, current: f.presentCurrent });
      if (f.maxVoltage !== undefined && f.maxCurrent !== undefined) publish({ kind: 'chargerLimits', maxVoltage: f.maxVoltage, maxCurrent: f.maxCurrent });
    },
    bind(cm) {
      const toSession = (reason: string): void => {
        if (cm.getSnapshot().status === 'active') cm.send({ type: 'TO_SESSION', event: { type: 'STOP_REQUEST', reason } });
      };
      let stale = false;
      let inSession = false;
      subs.push(
        src.stale$.pipe(distinctUntilChanged()).subscribe((s) => {
          stale = s;
          if (!s) return;
          log.log('error', `battery data from ${src.name} stale (no update within ${c.ev.battery_stale_timeout} ms): requesting 0 A and stopping the session`);
          // Current request 0 first, then the graceful stop: the stop waits for the next charge-loop
          // request (which carries the 0 A), at most STALE_STOP_BOUND_MS when none comes (not charging yet).
          let done = false;
          const stop = (): void => {
            if (done) return;
            done = true;
            stopAfterNextDemand = undefined;
            sched.clearTimeout(bound);
            toSession('BatteryDataStale');
          };
          const bound = sched.setTimeout(stop, STALE_STOP_BOUND_MS);
          stopAfterNextDemand = stop;
        }),
      );
      // A session that starts while the data is stale is stopped as soon as it can carry the request.
      const snapSub = cm.subscribe((snap) => {
        const now = snap.hasTag('session');
        if (now && !inSession && stale) {
          log.log('error', `battery data from ${src.name} stale at session start: stopping the session`);
          queueMicrotask(() => toSession('BatteryDataStale'));
        }
        inSession = now;
      });
      subs.push({ unsubscribe: () => snapSub.unsubscribe() } as Subscription);
      subs.push(
        monitor.violation$.subscribe((v) => {
          log.log('error', `safety violation ${v.code}: ${v.message}`, { code: v.code });
          queueMicrotask(() => cm.getSnapshot().status === 'active' && cm.send({ type: 'FAULT', reason: `SafetyViolation:${v.code}` }));
        }),
      );
    },
    async close() {
      for (const s of subs) s.unsubscribe();
      for (const f of closers.reverse()) await f();
    },
  });
}

const topic = (c: TsplcConfig, t: string): string => `${c.mqtt.topic.replace(/\/+$/, '')}/${t}`;

async function openSource(o: EvHardwareOptions, board: EvHardware, link: MqttLink | undefined, sched: Clock, log: Logger): Promise<Result<BatterySource, EvHardwareError>> {
  const c = o.config;
  const name = c.ev.battery_source;
  const never = of(false);
  // The sim board is a whole simulated car: its plant is the battery (with "chademo", the sim CHAdeMO car's
  // pack, boards/sim/profile.ts, seen through the bridge below).
  if (o.board.name === 'sim' && !(name === 'chademo' && o.ev)) {
    if (name !== 'static') log.log('warn', `ev.battery_source = "${name}" does not apply to board sim: the simulated battery is used`);
    return ok({ name: 'static', state$: board.battery.state$, stale$: never, close: async () => {} });
  }
  switch (name) {
    case 'static': {
      const b = staticBattery(c.ev);
      if (!b.ok) return b;
      return ok({ name, state$: new BehaviorSubject(b.value).asObservable(), stale$: never, close: async () => {} });
    }
    case 'celeron55': {
      const received$ = (board as { received$?: Observable<string> }).received$;
      if (o.board.name !== 'celeron55' || !received$)
        return err({ code: 'SOURCE_NOT_AVAILABLE', message: `ev.battery_source = "celeron55" needs general.board = "celeron55" (the BMS facts come over its serial line), not "${o.board.name}"` });
      // dc_link_v, soc_percent and max_charge_a are the BMS facts; their lines must keep coming.
      const bms = new Set(['dc_link_v', 'soc_percent', 'max_charge_a']);
      const updates = new Subject<number>();
      const sub = received$.subscribe((k) => bms.has(k) && updates.next(sched.now()));
      const fresh = watchFreshness(updates, c.ev.battery_stale_timeout, sched);
      return ok({
        name,
        state$: board.battery.state$,
        stale$: fresh.stale$,
        close: async () => {
          sub.unsubscribe();
          fresh.stop();
        },
      });
    }
    case 'mqtt': {
      if (!link) return err({ code: 'SOURCE_NOT_AVAILABLE', message: 'ev.battery_source = "mqtt" needs an MQTT link' });
      const prefix = c.mqtt.topic.replace(/\/+$/, '') + '/';
      for (const t of carSubscriptions) link.subscribe(prefix + t);
      const facts = new BehaviorSubject<CarMqttFacts>({});
      const inlet = new BehaviorSubject<number>(Number.NaN);
      const updates = new Subject<number>();
      const sub = link.messages$.subscribe((m) => {
        if (!m.topic.startsWith(prefix)) return;
        const r = foldCarMessage(facts.getValue(), m.topic.slice(prefix.length), m.payload);
        if (!r.ok) {
          log.log('warn', `MQTT: ${r.message}`);
          return;
        }
        facts.next(r.facts);
        if (r.key === 'inlet_voltage' && r.facts.inletVoltage !== undefined) inlet.next(r.facts.inletVoltage);
        // The BMS values keep the source fresh; the inlet voltage is a sensor, not the BMS.
        else updates.next(sched.now());
      });
      const fresh = watchFreshness(updates, c.ev.battery_stale_timeout, sched);
      const base = { maxVoltage: c.ev.max_voltage, maxCurrent: c.ev.max_current, capacityWh: c.ev.battery_capacity_wh, soc: c.ev.initial_soc };
      return ok({
        name,
        state$: facts.pipe(map((f) => batteryFromCarFacts(f, base))),
        stale$: fresh.stale$,
        // NaN until the topic has been heard (unknown = not safe); a board with its own sensor keeps it.
        ...(c.ev.mqtt_inlet_voltage ? { inletVoltage$: inlet.pipe(distinctUntilChanged((a, b) => a === b || (Number.isNaN(a) && Number.isNaN(b)))) } : {}),
        close: async () => {
          sub.unsubscribe();
          fresh.stop();
          facts.complete();
          inlet.complete();
        },
      });
    }
    case 'chademo':
      // The bridged hardware (src/runtime/chademo.ts) carries the CHAdeMO car's battery as its battery
      // state; freshness is the bridge's own business (no 0x102 for CHA_T_CanSilence stops both sessions).
      if (!o.ev) return err({ code: 'SOURCE_NOT_AVAILABLE', message: 'ev.battery_source = "chademo" needs the CHAdeMO bridge (general.board = "raspberry-pi-can")' });
      return ok({ name, state$: board.battery.state$, stale$: never, close: async () => {} });
  }
}

/** The three display lines (pyPLC shows state, SOC and voltage the same way). */
export function displayLines(state: string, soc: number, inletVolts: number): string[] {
  return [state.slice(0, 20), Number.isFinite(soc) ? `SOC ${Math.round(soc)} %` : 'SOC ?', Number.isFinite(inletVolts) ? `${Math.round(inletVolts)} V` : ''];
}
