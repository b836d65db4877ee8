// The composition root of one role: hardware + Ethernet port + IPv6 stack +
// codec → connection manager with every child actor provided → running actor.
// Used by `tsplc pev|evse` (real drivers), `tsplc sim` (in-memory twins) and the
// whole-stack tests (in-memory twins on a SimulatedClock).
import { createActor, sendParent, waitFor, type Actor, type AnyStateMachine, type OutputFrom } from 'xstate';
import type { Clock } from '../ports/clock.js';
import type { Subscription } from 'rxjs';
import { evConnectionManagerMachine, type ConnectionManagerTimings } from '../../machines/connection-manager/ev.js';
import { evseConnectionManagerMachine, type EvseConnectionManagerTimings } from '../../machines/connection-manager/evse.js';
import { sdpClientMachine, type SdpClientTimings } from '../../machines/sdp-client/index.js';
import { sdpServerMachine } from '../../machines/sdp-server/index.js';
import { startSafeShutdown, type SafeShutdownOutput, type SafeShutdownRun, type SafeShutdownTimings } from '../../machines/safe-shutdown/index.js';
import { shutdownCoordinatorMachine, type ShutdownRequester } from '../../machines/shutdown-coordinator/index.js';
import type { v2gEvMachine, V2gEvActionParams } from '../../machines/v2g-ev/index.js';
import type { v2gEvseMachine, V2gEvseActionParams } from '../../machines/v2g-evse/index.js';
import { cpEnergyStep } from '../domain/safety/output-off.js';
import { switchEvseOutputOff, type EvseShutdownOutput } from './evse-shutdown.js';
import type { EthernetPort } from '../ports/ethernet.js';
import type { BatteryState, EvHardware, EvseHardware } from '../ports/hardware.js';
import type { LogLevel, Logger } from '../ports/log.js';
import type { NetStack } from '../ports/net.js';
import { StatusBus, type StatusUpdate } from '../status.js';
import { IPV6_ALL_NODES, SDP_PORT } from '../constants.js';
import { evCapabilitiesOf, plugState$, v2gEvConfigForHardware } from '../domain/hardware/capabilities.js';
import { seccMsgPerformanceTime, v2gEvseTimeoutDefaults, type V2gEvConfig, type V2gEvseConfig } from '../domain/v2g/config.js';
import type { FaultScenario } from '../domain/v2g/faults.js';
import { tcpAcceptActor, tcpConnectActor, tcpListenActor, udpLinkActor } from './net-actors.js';
import { evModemActor, evSlacActor, evseModemActor, evseSlacActor, type EvseKeyHolder } from './slac-layer.js';
import { v2gTransportActor, type LateResponse, type V2gCodec, type WireRecord } from './v2g-transport.js';
import { errorMessage } from '../errors.js';

type Report = StatusUpdate & { level?: LogLevel };

/**
 * A run of the same update (a CurrentDemand loop: checkpoint 705 ten times a second, or a peer that sends
 * CurrentDemandReq a hundred times faster, issue 8) logs its first REPEATS_LOGGED lines at their level and
 * then one in REPEATS_EVERY; the others go to debug. The status bus still gets every update.
 */
const REPEATS_LOGGED = 3;
const REPEATS_EVERY = 100;

/** Status bus + log line in one: every transition that reaches a checkpoint logs `cp=<n>`. */
export function reporter(status: StatusBus, logger: Logger): (u: Report) => void {
  // Counts per update kind within the present run of at most RUN_KINDS kinds (a loop alternates
  // CurrentDemandReq / CurrentDemandRes and hardware facts, so "the same as the last line" would never
  // count); a further kind ends the run, so each new session's steps are logged again.
  const run = new Map<string, number>();
  const RUN_KINDS = 4;
  return (u) => {
    const { level, ...update } = u;
    status.report(update);
    const key = `${update.layer} ${update.state} ${update.checkpoint ?? ''}`;
    if (!run.has(key) && run.size >= RUN_KINDS) run.clear();
    const repeats = (run.get(key) ?? 0) + 1;
    run.set(key, repeats);
    const quiet = repeats > REPEATS_LOGGED && repeats % REPEATS_EVERY !== 0 && level !== 'warn' && level !== 'error';
    logger.log(quiet ? 'debug' : (level ?? (update.checkpoint !== undefined ? 'info' : 'debug')), `${update.layer} ${update.state}`, {
      ...(repeats > REPEATS_LOGGED && !quiet ? { repeated: repeats } : {}),
      ...(update.checkpoint !== undefined ? { cp: update.checkpoint } : {}),
      ...(update.details ?? {}),
    });
  };
}

interface Common {
  readonly clock?: Clock;
  readonly logger: Logger;
  readonly status: StatusBus;
  readonly net: NetStack;
  readonly ethernet: EthernetPort;
  readonly codec: V2gCodec;
  readonly oneShot?: boolean;
  /** Extra input for modem-manager / SLAC machines (timings, ...). */
  readonly modem?: Record<string, unknown>;
  readonly slac?: Record<string, unknown>;
  readonly onWire?: (r: WireRecord) => void;
  /** Timeout for the EV's TCP connect, ms. */
  readonly tcpConnectTimeout?: number;
}

export interface EvStackOptions extends Common {
  readonly hw: EvHardware;
  /** The v2g-ev machine (machines/v2g-ev). */
  readonly session: typeof v2gEvMachine;
  readonly v2g: V2gEvConfig;
  readonly connection?: Partial<ConnectionManagerTimings>;
  readonly sdp?: Partial<SdpClientTimings>;
  readonly safeShutdown?: Partial<SafeShutdownTimings>;
}

/** One role's running composition: M is the connection manager, S what one safe shutdown yields. */
export interface RoleStack<M extends AnyStateMachine = AnyStateMachine, S = SafeShutdownOutput | EvseShutdownOutput> {
  readonly actor: Actor<M>;
  readonly done: Promise<OutputFrom<M>>;
  /** STOP (user / SIGTERM): goes through the session's stop and SafeShutdown; resolves with the output. */
  stop(reason: string): Promise<OutputFrom<M>>;
  /** Safe-shutdown results seen so far. */
  readonly shutdowns: S[];
  /**
   * Resolves once no SafeShutdownSequence started by this stack is running (at once when none is).
   * A one-shot run must await it before dispose(): dispose stops a sequence mid-way.
   */
  shutdownSettled(): Promise<void>;
  dispose(): void;
}

export type EvRoleStack = RoleStack<typeof evConnectionManagerMachine, SafeShutdownOutput>;
export type EvseRoleStack = RoleStack<typeof evseConnectionManagerMachine, EvseShutdownOutput> & { readonly stats: Readonly<EvseStackStats> };

/** What doneOf needs of the root actor (any connection manager's actor has it). */
interface Finishing<O> {
  subscribe(observer: { next: (s: { readonly status: string; readonly output?: O }) => void; error: (e: unknown) => void }): unknown;
}

function doneOf<O>(actor: Finishing<O>, logger: Logger): Promise<O> {
  return new Promise((resolve, reject) => {
    actor.subscribe({
      next: (s) => {
        if (s.status === 'done' && s.output !== undefined) resolve(s.output);
      },
      error: (e) => {
        logger.log('error', 'root actor failed', { error: errorMessage(e) });
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    });
  });
}

const microtask = (): Promise<void> => new Promise<void>((r) => queueMicrotask(r));

/**
 * The coordinator of one stack (machines/shutdown-coordinator): `start(reason)` runs the role's
 * sequence and must call `settled(ok)` when it ends. Requests, SESSION.STARTED and the sequence's
 * start reach it on the microtask queue, never inside the action (of the session or the manager)
 * that asked: one actor's processing must not nest in another's action.
 */
function coordinatorFor(start: (reason: string) => void, answerManager: (ok: boolean) => void) {
  const actor = createActor(
    shutdownCoordinatorMachine.provide({
      actions: {
        startSequence: (_, { reason }) => queueMicrotask(() => start(reason)),
        answerManager: (_, { ok }) => queueMicrotask(() => answerManager(ok)),
      },
    }),
  ).start();
  const send = (e: Parameters<typeof actor.send>[0]): void => queueMicrotask(() => actor.getSnapshot().status === 'active' && actor.send(e));
  return {
    actor,
    request: (from: ShutdownRequester, reason: string) => send({ type: 'REQUEST', from, reason }),
    sessionStarted: () => send({ type: 'SESSION.STARTED' }),
    settled: (ok: boolean) => send({ type: 'SEQUENCE.SETTLED', result: { ok } }),
    async whenIdle(): Promise<void> {
      // The request and the start are two microtask hops behind the action that asked.
      await microtask();
      await microtask();
      if (actor.getSnapshot().status !== 'active') return;
      await waitFor(actor, (s) => !s.hasTag('running')).catch(() => undefined);
    },
  };
}

/** Hardware facts for the session (a tagged union of events its machine accepts). */
type HwEvent = { type: string; [k: string]: unknown };

export function createEvStack(o: EvStackOptions): EvRoleStack {
  const log = o.logger;
  // The board's capabilities decide the session's hardware steps (lock, feedback, plug detection).
  const caps = evCapabilitiesOf(o.hw);
  const report = reporter(o.status, log.child('ev'));
  const clockOpt = o.clock ? { clock: o.clock } : {};
  const subs: Subscription[] = [];
  const shutdowns: SafeShutdownOutput[] = [];
  let battery: BatteryState | undefined;
  subs.push(o.hw.battery.state$.subscribe((b) => (battery = b)));
  const last: Record<string, HwEvent> = {};
  const ref: { cm?: Actor<typeof evConnectionManagerMachine> } = {};
  const active = (): boolean => ref.cm?.getSnapshot().status === 'active';
  // The manager's `session` state carries the tag 'session' (machines/connection-manager).
  const inSession = (): boolean => active() && ref.cm?.getSnapshot().hasTag('session') === true;
  // Hardware facts reach the actors on the microtask queue, never inside the emission: a
  // command given in one actor's action (close the contactors) makes the sim board emit
  // synchronously, and delivering that into the actor system there would nest one actor's
  // processing inside another's action.
  const toSession = (event: HwEvent): void => {
    last[event.type] = event;
    queueMicrotask(() => inSession() && ref.cm?.send({ type: 'TO_SESSION', event }));
  };

  let shutdownRun: SafeShutdownRun | undefined;
  const coordinator = coordinatorFor(
    (reason) => {
      const run = startSafeShutdown(o.hw, {
        ...(o.safeShutdown ? { timings: o.safeShutdown } : {}),
        ...clockOpt,
        session: { alive: inSession, requestStop: () => toSession({ type: 'STOP_REQUEST', reason }) },
        report: (u) => report(u),
        logger: log,
        reason,
      });
      shutdownRun = run;
      void run.settled.then((out) => {
        shutdowns.push(out);
        run.stop();
        shutdownRun = undefined;
        report({ layer: 'shutdown', state: out.endState, level: out.endState === 'Finished' ? 'info' : 'error', details: { faults: out.faults.map((f) => f.code).join(',') } });
        coordinator.settled(out.endState === 'Finished');
      });
    },
    (ok) => active() && ref.cm?.send({ type: 'SAFE_SHUTDOWN.DONE', ok }),
  );

  const session = o.session.provide({
    actions: {
      send: sendParent((_, p: V2gEvActionParams['send']) => ({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.SEND', out: p } })),
      protocolSelected: sendParent((_, p: V2gEvActionParams['protocolSelected']) => ({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.SCHEMA', schema: p.schema } })),
      setCpState: (_, p) => o.hw.controlPilot.setState(p.state),
      lockConnector: () => o.hw.connectorLock?.lock(),
      unlockConnector: () => o.hw.connectorLock?.unlock(),
      closeContactors: () => o.hw.contactors.close(),
      openContactors: () => o.hw.contactors.open(),
      requestSafeShutdown: (_, p) => coordinator.request('session', p.reason),
      reportStatus: (_, u) => report(u),
    },
  });

  const lower = { port: o.ethernet, ...clockOpt, logger: log.child('slac'), report, ...(o.modem ? { modem: o.modem } : {}), ...(o.slac ? { slac: o.slac } : {}) };
  const machine = evConnectionManagerMachine.provide({
    actors: {
      modem: evModemActor(lower),
      slac: evSlacActor(lower),
      sdp: sdpClientMachine.provide({
        actors: { udp: udpLinkActor({ net: o.net, port: 0, logger: log.child('sdp') }) },
        actions: { report: (_, u) => report(u) },
      }),
      tcp: tcpConnectActor(o.net, o.tcpConnectTimeout ?? 3000, log.child('tcp')),
      transport: v2gTransportActor({ role: 'ev', codec: o.codec, logger: log.child('v2gtp'), lenientFacets: o.v2g.lenientFacets, ...(o.onWire ? { onWire: o.onWire } : {}) }),
      session,
    },
    actions: {
      report: (_, u) => report(u),
      requestSafeShutdown: (_, p) => coordinator.request('manager', p.reason),
      sessionStarted: () => {
        coordinator.sessionStarted();
        // Replay the present hardware facts: the session machine only hears changes.
        queueMicrotask(() => {
          for (const e of Object.values(last)) if (active()) ref.cm?.send({ type: 'TO_SESSION', event: e });
        });
      },
    },
  });
  const cm = createActor(machine, {
    input: {
      oneShot: o.oneShot ?? false,
      plugged: false,
      ...(o.connection ? { timings: o.connection } : {}),
      inputs: {
        sdp: () => (o.sdp ? { timings: o.sdp } : {}),
        session: () => ({ config: v2gEvConfigForHardware(o.v2g, caps), battery, logger: log.child('v2g') }),
      },
    },
    ...clockOpt,
  });
  ref.cm = cm;

  // Hardware → events. Plug: PP, the CP state or the 5 % PWM, whatever the board senses (src/domain/hardware/capabilities.ts).
  const plugged = (p: boolean): void => queueMicrotask(() => active() && cm.send({ type: p ? 'PLUGGED' : 'UNPLUGGED' }));
  const plug$ = plugState$(o.hw, caps);
  if (plug$) subs.push(plug$.subscribe(plugged));
  else {
    log.log('warn', 'the board senses neither PP, CP nor PWM: assuming the cable is in; after a session tsplc waits for a STOP (one session per start)');
    plugged(true);
  }
  if (o.hw.connectorLock) subs.push(o.hw.connectorLock.state$.subscribe((state) => toSession({ type: 'HW.LOCK', state })));
  subs.push(o.hw.contactors.closed$.subscribe((closed) => toSession({ type: 'HW.CONTACTORS', closed })));
  if (o.hw.inletVoltage) subs.push(o.hw.inletVoltage.volts$.subscribe((volts) => toSession({ type: 'HW.INLET_VOLTAGE', volts })));
  if (o.hw.current) subs.push(o.hw.current.amps$.subscribe((amps) => toSession({ type: 'HW.CURRENT', amps })));
  subs.push(o.hw.battery.state$.subscribe((state) => toSession({ type: 'HW.BATTERY', state })));
  if (o.hw.chargeParameters) subs.push(o.hw.chargeParameters.parameters$.subscribe((params) => toSession({ type: 'SOURCE.CHARGE_PARAMETERS', params })));

  const done = doneOf<OutputFrom<typeof machine>>(cm, log);
  cm.start();
  return {
    actor: cm,
    done,
    shutdowns,
    stop(reason) {
      cm.send({ type: 'STOP', reason });
      return done;
    },
    shutdownSettled: () => coordinator.whenIdle(),
    dispose() {
      for (const s of subs) s.unsubscribe();
      shutdownRun?.stop();
      coordinator.actor.stop();
      cm.stop();
    },
  };
}

export interface EvseStackOptions extends Common {
  readonly hw: EvseHardware;
  /** The v2g-evse machine (machines/v2g-evse). */
  readonly session: typeof v2gEvseMachine;
  readonly v2g: V2gEvseConfig;
  readonly faults?: FaultScenario;
  readonly randomBytes: (n: number) => Uint8Array;
  readonly connection?: Partial<EvseConnectionManagerTimings>;
  /** Fixed TCP port (0 = random from the dynamic range). */
  readonly tcpPort?: number;
  /** Fault injection on SDP: announce a wrong port / stay silent. */
  readonly sdpFaults?: { readonly announcePort?: number; readonly silent?: boolean };
  /** Time source (ms) for the transport's V2G_SECC_Msg_Performance_Time check; default performance.now(). */
  readonly now?: () => number;
}

/** Counters of the EVSE stack over its lifetime (all connections). */
export interface EvseStackStats {
  /** Responses written later than their V2G_SECC_Msg_Performance_Time (ISO 15118-2 Table 109). */
  lateResponses: number;
  /** The latest of them. */
  lastLateResponse?: LateResponse;
}

export function createEvseStack(o: EvseStackOptions): EvseRoleStack {
  const log = o.logger;
  const report = reporter(o.status, log.child('evse'));
  const clockOpt = o.clock ? { clock: o.clock } : {};
  const subs: Subscription[] = [];
  const shutdowns: EvseShutdownOutput[] = [];
  const ref: { cm?: Actor<typeof evseConnectionManagerMachine> } = {};
  const active = (): boolean => ref.cm?.getSnapshot().status === 'active';
  const inSession = (): boolean => active() && ref.cm?.getSnapshot().hasTag('session') === true;
  const lastReading: { e?: HwEvent } = {};
  const toSession = (event: HwEvent): void => {
    queueMicrotask(() => inSession() && ref.cm?.send({ type: 'TO_SESSION', event }));
  };
  const guard = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      log.log('error', `${what} failed`, { error: errorMessage(e) });
    }
  };

  // The EVSE's sequence is synchronous (src/runtime/evse-shutdown.ts); the coordinator still decides
  // whether to run it and whom to answer, as on the EV side.
  const coordinator = coordinatorFor(
    (reason) => {
      const out = switchEvseOutputOff(o.hw, reason, log.child('safe-shutdown'));
      shutdowns.push(out);
      report({ layer: 'shutdown', state: out.endState, level: out.faults.length === 0 ? 'warn' : 'error', details: { reason, faults: out.faults.map((f) => f.code).join(',') } });
      coordinator.settled(out.faults.length === 0);
    },
    (ok) => active() && ref.cm?.send({ type: 'SAFE_SHUTDOWN.DONE', ok }),
  );

  const session = o.session.provide({
    actions: {
      send: sendParent((_, p: V2gEvseActionParams['send']) => ({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.SEND', out: p } })),
      protocolSelected: sendParent((_, p: V2gEvseActionParams['protocolSelected']) => ({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.SCHEMA', schema: p.schema } })),
      closeTransport: sendParent((_, p: V2gEvseActionParams['closeTransport']) => ({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.CLOSE', reason: p.reason } })),
      setPowerSupply: (_, p) => guard('powerSupply.setTarget', () => o.hw.powerSupply.setTarget(p.voltage, p.current)),
      powerSupplyOff: () => guard('powerSupply.off', () => o.hw.powerSupply.off()),
      startIsolationCheck: (_, p) => {
        o.hw.powerSupply.isolationCheck(p.voltage).then(
          (status) => toSession({ type: 'PS.ISOLATION', status }),
          (e: unknown) => {
            log.log('error', 'isolation check failed', { error: errorMessage(e) });
            toSession({ type: 'PS.ISOLATION', status: 'Fault' });
          },
        );
      },
      closeOutputContactor: () => guard('contactors.close', () => o.hw.contactors?.close()),
      openOutputContactor: () => guard('contactors.open', () => o.hw.contactors?.open()),
      reportStatus: (_, u) => report(u),
    },
  });

  const stats: EvseStackStats = { lateResponses: 0 };
  const timeouts = { ...v2gEvseTimeoutDefaults, ...o.v2g.timeouts };
  const key: EvseKeyHolder = {};
  const lower = { port: o.ethernet, ...clockOpt, logger: log.child('slac'), report, ...(o.modem ? { modem: o.modem } : {}), ...(o.slac ? { slac: o.slac } : {}) };
  const machine = evseConnectionManagerMachine.provide({
    actors: {
      modem: evseModemActor(lower, key),
      slac: evseSlacActor(lower, key),
      listen: tcpListenActor(o.net, o.tcpPort ?? 0, log.child('tcp')),
      sdp: sdpServerMachine.provide({
        actors: { udp: udpLinkActor({ net: o.net, port: SDP_PORT, multicast: IPV6_ALL_NODES, logger: log.child('sdp') }) },
        actions: { report: (_, u) => report(u) },
      }),
      accept: tcpAcceptActor,
      transport: v2gTransportActor({
        role: 'evse',
        codec: o.codec,
        logger: log.child('v2gtp'),
        ...(o.onWire ? { onWire: o.onWire } : {}),
        ...(o.now ? { now: o.now } : {}),
        performanceTime: (request) => seccMsgPerformanceTime(timeouts, request),
        onLateResponse: (late) => {
          stats.lateResponses += 1;
          stats.lastLateResponse = late;
        },
      }),
      session,
    },
    actions: {
      report: (_, u) => report(u),
      requestSafeShutdown: (_, p) => coordinator.request('manager', p.reason),
      closeServer: (_, p) => (p.handle as { close(): void } | undefined)?.close(),
      sessionStarted: () => {
        coordinator.sessionStarted();
        queueMicrotask(() => {
          if (lastReading.e && active()) ref.cm?.send({ type: 'TO_SESSION', event: lastReading.e });
        });
      },
    },
  });
  const cm = createActor(machine, {
    input: {
      oneShot: o.oneShot ?? false,
      ...(o.connection ? { timings: o.connection } : {}),
      inputs: {
        sdp: () => ({ ...(o.sdpFaults ?? {}) }),
        // One V2G session per TCP connection: serving the next car (pyPLC's allow_new_session_after_stopping)
        // is the connection manager's job — a new car needs SLAC, SDP and a new connection anyway.
        session: () => ({ config: { ...o.v2g, allowNewSessionAfterStop: false }, randomBytes: o.randomBytes, ...(o.faults ? { faults: o.faults } : {}), logger: log.child('v2g') }),
      },
    },
    ...clockOpt,
  });
  ref.cm = cm;
  subs.push(
    o.hw.powerSupply.reading$.subscribe((reading) => {
      lastReading.e = { type: 'PS.READING', reading };
      toSession(lastReading.e);
    }),
  );
  // IEC 61851-1: 12 V (state A) until a car pulls it to 9 V (B); then 5 % PWM asks for digital communication (checkpoints 2, 5).
  guard('controlPilot.setState(A)', () => o.hw.controlPilot.setState('A'));
  let energy = false;
  subs.push(
    o.hw.controlPilot.state$.subscribe((s) => {
      const step = cpEnergyStep(energy, s);
      energy = step.energy;
      if (step.switchOutputOff) {
        report({ layer: 'hardware', state: 'OutputOffOnCpState', level: 'warn', details: { cp: s } });
        guard('powerSupply.off', () => o.hw.powerSupply.off());
        guard('contactors.open', () => o.hw.contactors?.open());
      }
      if (s === 'B' || s === 'C' || s === 'D') {
        if (o.hw.controlPilot.setDutyCycle) {
          guard('controlPilot.setDutyCycle(5)', () => o.hw.controlPilot.setDutyCycle?.(5));
        }
      } else if (s === 'A') guard('controlPilot.setDutyCycle(100)', () => o.hw.controlPilot.setDutyCycle?.(100));
    }),
  );

  const done = doneOf<OutputFrom<typeof machine>>(cm, log);
  cm.start();
  return {
    actor: cm,
    done,
    shutdowns,
    stats,
    stop(reason) {
      cm.send({ type: 'STOP', reason });
      return done;
    },
    shutdownSettled: () => coordinator.whenIdle(),
    dispose() {
      for (const s of subs) s.unsubscribe();
      coordinator.actor.stop();
      cm.stop();
    },
  };
}
