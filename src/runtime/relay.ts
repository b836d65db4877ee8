// `tsplc relay`: a V2G man in the middle (issue 14 §1, docs/relay.md). Two interfaces, two modems:
// towards the car tsplc is a charger (SLAC as EVSE with a fresh NMK, SDP server, TCP server), towards
// the charger a car (modem discovery, SLAC as EV, SDP client, TCP client). The existing layer actors
// are reused as they are (slac-layer.ts, net-actors.ts, the SDP machines, the V2GTP reassembler); the
// relay statechart (machines/relay) pairs and forwards, src/tools/relay decides what a message becomes.
//
//   car-if  ── leg 'car'     : evseModemActor → evseSlacActor → (LEG.OPEN) listen + SDP server + accept
//   charger-if ── leg 'charger': (LEG.START) evModemActor → evSlacActor → SDP client → TCP connect
//   both legs: V2GTP framing only (the EXI payload goes to the machine as bytes; decoding is the machine's,
//   to record and show — what is written is the original payload unless a rule changed it)
//
// The added delay is measured here, around the socket write: from the moment the reassembler
// completed the message on one leg to the moment its bytes were handed to the other leg's socket.
import { monotonicClock } from './io-drivers.js';
import type { Clock } from '../ports/clock.js';
import { createActor, fromCallback, type Actor, type AnyActorLogic } from 'xstate';
import type { Subscription } from 'rxjs';
import { relayMachine, type ForwardParams, type LegCommand, type RelayEvent, type RelayOutput, type RelayReport, type RelayTimings } from '../../machines/relay/index.js';
import { sdpClientMachine, type SdpClientOutput, type SdpClientTimings } from '../../machines/sdp-client/index.js';
import { sdpServerMachine } from '../../machines/sdp-server/index.js';
import type { EthernetPort } from '../ports/ethernet.js';
import type { ControlPilot } from '../ports/hardware.js';
import type { LogFields, LogLevel, Logger } from '../ports/log.js';
import type { NetStack, TcpConnection } from '../ports/net.js';
import { StatusBus, type StatusUpdate } from '../status.js';
import { V2gtpPayloadType, V2gtpStreamReassembler, encodeV2gtp } from '../codecs/v2gtp/index.js';
import { DelayStats, type RelayDirection } from '../tools/relay/delay.js';
import { RelayLiveView } from '../tools/relay/live.js';
import { rulesText, type RelayRule } from '../tools/relay/rules.js';
import type { Leg } from '../tools/relay/forward.js';
import { evModemActor, evSlacActor, evseModemActor, evseSlacActor, type EvseKeyHolder, type LayerFailed, type LowerLayerOptions } from './slac-layer.js';
import { udpLinkActor } from './net-actors.js';
import { reporter } from './stack.js';
import type { V2gCodec, WireRecord } from './v2g-transport.js';
import { errorMessage } from '../errors.js';
import { Checkpoint } from '../checkpoints.js';
import { ETHERTYPE_HOMEPLUG, IPV6_ALL_NODES, SDP_PORT } from '../constants.js';
import { simulationTap } from './car-requests.js';
import { crashFailure, failureOf, failureText, layerFailure } from '../domain/connection/failure.js';
import { relayLinkDefaults } from '../tools/relay/timing.js';
import type { TsplcConfig } from '../config/schema.js';
import { whenQuiet } from './quiet.js';

export interface RelayLegPorts {
  readonly ethernet: EthernetPort;
  readonly net: NetStack;
}

export interface RelayRuntimeOptions {
  readonly car: RelayLegPorts;
  readonly charger: RelayLegPorts;
  readonly codec: V2gCodec;
  readonly logger: Logger;
  readonly rules?: readonly RelayRule[];
  readonly timings?: Partial<RelayTimings>;
  readonly clock?: Clock;
  /** Time source for the added delay, ms (default performance.now()). */
  readonly now?: () => number;
  /** modem-manager input (timings) for both legs. */
  readonly modem?: Record<string, unknown>;
  /** SLAC machine input per leg (timings). */
  readonly slacEv?: Record<string, unknown>;
  readonly slacEvse?: Record<string, unknown>;
  readonly sdp?: Partial<SdpClientTimings>;
  readonly tcpConnectTimeout?: number;
  /** Pause between two SLAC attempts towards a car that has not matched yet, ms (relay.car_slac_retry_pause). */
  readonly carSlacRetryPause?: number;
  /** The car's TCP connection after SDP, ms (V2G_SECC_CommunicationSetup_Performance_Time, ISO 15118-2 Table 109). */
  readonly V2G_SECC_CommunicationSetup_Performance_Time?: number;
  /** Every message on each leg, for the session records (rx = read from that leg, tx = written to it). */
  readonly onWire?: (leg: Leg, r: WireRecord) => void;
  /** One live line per message. */
  readonly onLine?: (text: string) => void;
  /** Status updates of each leg's lower layers (SLAC, SDP) for the records. */
  readonly onStatus?: (leg: Leg, u: StatusUpdate) => void;
}

export interface RelayRun {
  readonly actor: Actor<typeof relayMachine>;
  readonly done: Promise<RelayOutput>;
  readonly delays: DelayStats;
  readonly live: RelayLiveView;
  stop(reason: string): Promise<RelayOutput>;
  dispose(): void;
}

/** A logger that names the active rules in every line: a record of a manipulated session never passes for a real one. */
export function announcingLogger(base: Logger, rules: string): Logger {
  if (!rules) return base;
  return {
    log: (level: LogLevel, message: string, fields?: LogFields) => base.log(level, message, { ...fields, rules }),
    child: (c: string) => announcingLogger(base.child(c), rules),
  };
}

/**
 * Runs a layer's actor logic to its output; aborting stops it. Fails as the layers do (LayerFailed):
 * LAYER_STOPPED when aborted, ACTOR_CRASHED when the actor threw.
 */
export function runLogic<O>(logic: AnyActorLogic, signal: AbortSignal, clock?: Clock, input?: unknown): Promise<O | LayerFailed> {
  return new Promise((resolve) => {
    const a = createActor(logic, { ...(input !== undefined ? { input } : {}), ...(clock ? { clock } : {}) });
    const onAbort = (): void => {
      a.stop();
      resolve({ ok: false, failure: layerFailure('LAYER_STOPPED', 'aborted') });
    };
    a.subscribe({
      next: (s) => {
        if (s.status === 'done') {
          signal.removeEventListener('abort', onAbort);
          resolve(s.output as O);
        }
      },
      error: (e) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ ok: false, failure: crashFailure(e) });
      },
    });
    signal.addEventListener('abort', onAbort, { once: true });
    a.start();
  });
}

/** The failure of a layer's output as one log line, undefined for success (src/domain/connection/failure.ts). */
const failedReason = (o: unknown): string | undefined => {
  const f = failureOf(o);
  return f ? failureText(f) : undefined;
};

interface LegState {
  conn?: TcpConnection;
}

/** V2GTP framing of one leg's connection → MESSAGE / DOWN events. Broken framing destroys the connection (as v2g-transport.ts). */
function frame(leg: Leg, conn: TcpConnection, now: () => number, send: (e: RelayEvent) => void, logger: Logger): Subscription {
  const reassembler = new V2gtpStreamReassembler();
  const prefix = leg === 'car' ? 'CAR' : 'CHARGER';
  let open = true;
  return conn.events$.subscribe((e) => {
    if (e.type === 'closed') {
      if (!open) return;
      open = false;
      send({ type: `${prefix}.DOWN`, reason: `TCP connection closed (${e.reason}${e.message ? `: ${e.message}` : ''})` } as RelayEvent);
      return;
    }
    if (!open) return;
    const r = reassembler.push(e.data);
    for (const m of r.messages) {
      if (m.payloadType !== V2gtpPayloadType.Exi) {
        logger.log('error', 'payload type other than EXI on the V2G connection: closing it', { leg, payloadType: m.payloadType });
        open = false;
        conn.destroy();
        send({ type: `${prefix}.DOWN`, reason: `payload type 0x${m.payloadType.toString(16)}` } as RelayEvent);
        return;
      }
      send({ type: `${prefix}.MESSAGE`, payload: m.payload, at: now() } as RelayEvent);
    }
    if (r.error) {
      logger.log('error', 'V2GTP stream broken: closing the TCP connection', { leg, code: r.error.code, message: r.error.message });
      open = false;
      conn.destroy();
      send({ type: `${prefix}.DOWN`, reason: `V2GTP: ${r.error.code}` } as RelayEvent);
    }
  });
}

export function createRelay(o: RelayRuntimeOptions): RelayRun {
  const rules = o.rules ?? [];
  const announced = rulesText(rules);
  const log = announcingLogger(o.logger, announced);
  const now = o.now ?? (() => performance.now());
  const delays = new DelayStats();
  const live = new RelayLiveView();
  const legs: Record<Leg, LegState> = { car: {}, charger: {} };
  const statusOf = (leg: Leg): ((u: StatusUpdate) => void) => {
    const bus = new StatusBus(() => Date.now());
    const rep = reporter(bus, log.child(leg === 'car' ? 'car-leg' : 'charger-leg'));
    return (u) => {
      rep(u);
      o.onStatus?.(leg, u);
    };
  };
  const lowerOf = (leg: Leg, ports: RelayLegPorts, slac: Record<string, unknown> | undefined): LowerLayerOptions => ({
    port: ports.ethernet,
    ...(o.clock ? { clock: o.clock } : {}),
    logger: log.child(`${leg}-leg.slac`),
    report: statusOf(leg),
    ...(o.modem ? { modem: o.modem } : {}),
    ...(slac ? { slac } : {}),
  });

  // Towards the car: the relay is the charger.
  const carLeg = fromCallback<LegCommand>(({ sendBack, receive }) => {
    const abort = new AbortController();
    const lower = lowerOf('car', o.car, o.slacEvse);
    const l = log.child('car-leg');
    const subs: Subscription[] = [];
    let opened: () => void = () => {};
    const open = new Promise<void>((r) => (opened = r));
    const down = (reason: string): void => {
      if (!abort.signal.aborted) sendBack({ type: 'CAR.DOWN', reason } satisfies RelayEvent);
    };
    receive((cmd) => {
      if (cmd.type === 'LEG.OPEN') opened();
      else if (cmd.type === 'LEG.CLOSE') {
        l.log('info', 'closing the car leg', { reason: cmd.reason });
        abort.abort();
        legs.car.conn?.close();
      }
    });
    void (async () => {
      // Until a car matches, the relay waits for one as a charger does: each attempt a fresh NMK/NID
      // into modem A and TT_EVSE_SLAC_init for the car's CM_SLAC_PARM.REQ; a failed attempt (no car
      // yet, a car that gave up mid-way) starts the next after a pause. A modem that cannot be set is a failure.
      for (let attempt = 1; ; attempt++) {
        const key: EvseKeyHolder = {};
        const modem = await runLogic(evseModemActor(lower, key), abort.signal, o.clock);
        if (abort.signal.aborted) return;
        if (failedReason(modem)) return down(`modem: ${failedReason(modem)}`);
        const slac = await runLogic(evseSlacActor(lower, key), abort.signal, o.clock);
        if (abort.signal.aborted) return;
        if (!failedReason(slac)) break;
        l.log('info', 'no SLAC match with a car yet: waiting for the next attempt', { attempt, reason: failedReason(slac) ?? '' });
        await new Promise((r) => (o.clock ?? globalThis).setTimeout(r as () => void, o.carSlacRetryPause ?? relayLinkDefaults.carSlacRetryPause));
      }
      l.log('info', 'SLAC matched with the car', { cp: Checkpoint.SlacMatchCnf });
      sendBack({ type: 'CAR.LINKED' } satisfies RelayEvent);
      await open;
      if (abort.signal.aborted) return;
      const address = o.car.net.linkLocalAddress();
      if (!address) return down(`${o.car.net.interfaceName} has no link-local IPv6 address`);
      const server = await o.car.net.listenTcp(0);
      if (!server.ok) return down(`TCP listen: ${server.error.message}`);
      if (abort.signal.aborted) return server.value.close();
      l.log('info', 'TCP listening for the car', { cp: Checkpoint.TcpListen, port: server.value.port });
      const sdp = createActor(
        sdpServerMachine.provide({
          actors: { udp: udpLinkActor({ net: o.car.net, port: SDP_PORT, multicast: IPV6_ALL_NODES, logger: l.child('sdp') }) },
          actions: { report: (_, u) => lower.report(u) },
        }),
        { input: { address, tcpPort: server.value.port }, ...(o.clock ? { clock: o.clock } : {}) },
      );
      sdp.start();
      const setupTime = o.V2G_SECC_CommunicationSetup_Performance_Time ?? 20_000;
      const conn = await new Promise<TcpConnection | undefined>((resolve) => {
        const clock = o.clock ?? monotonicClock;
        const timer = clock.setTimeout(() => resolve(undefined), setupTime);
        const sub = server.value.connections$.subscribe((c) => {
          sub.unsubscribe();
          clock.clearTimeout(timer);
          resolve(c);
        });
        abort.signal.addEventListener('abort', () => resolve(undefined), { once: true });
      });
      sdp.stop();
      server.value.close();
      if (!conn) return down('no TCP connection from the car (V2G_SECC_CommunicationSetup_Performance_Time)');
      if (abort.signal.aborted) return conn.close();
      legs.car.conn = conn;
      l.log('info', 'the car connected', { cp: Checkpoint.TcpEstablished, ev: conn.remoteAddress });
      subs.push(frame('car', conn, now, (e) => sendBack(e), l));
      sendBack({ type: 'CAR.CONNECTED', remoteAddress: conn.remoteAddress } satisfies RelayEvent);
    })();
    return () => {
      abort.abort();
      for (const s of subs) s.unsubscribe();
      legs.car.conn?.close();
    };
  });

  // Towards the charger: the relay is the car.
  const chargerLeg = fromCallback<LegCommand>(({ sendBack, receive }) => {
    const abort = new AbortController();
    const lower = lowerOf('charger', o.charger, o.slacEv);
    const l = log.child('charger-leg');
    const subs: Subscription[] = [];
    let started: () => void = () => {};
    const start = new Promise<void>((r) => (started = r));
    const down = (reason: string): void => {
      if (!abort.signal.aborted) sendBack({ type: 'CHARGER.DOWN', reason } satisfies RelayEvent);
    };
    receive((cmd) => {
      if (cmd.type === 'LEG.START') started();
      else if (cmd.type === 'LEG.CLOSE') {
        l.log('info', 'closing the charger leg', { reason: cmd.reason });
        abort.abort();
        legs.charger.conn?.close();
      }
    });
    void (async () => {
      await start;
      if (abort.signal.aborted) return;
      const modem = await runLogic(evModemActor(lower), abort.signal, o.clock);
      if (failedReason(modem)) return down(`modem: ${failedReason(modem)}`);
      const slac = await runLogic(evSlacActor(lower), abort.signal, o.clock);
      if (failedReason(slac)) return down(`SLAC: ${failedReason(slac)}`);
      l.log('info', 'SLAC matched with the charger, AVLN joined', { cp: Checkpoint.AvlnFormed });
      const sdp = await runLogic<SdpClientOutput>(
        sdpClientMachine.provide({
          actors: { udp: udpLinkActor({ net: o.charger.net, port: 0, logger: l.child('sdp') }) },
          actions: { report: (_, u) => lower.report(u) },
        }),
        abort.signal,
        o.clock,
        o.sdp ? { timings: o.sdp } : {},
      );
      if (!sdp.ok) return down(`SDP: ${failedReason(sdp) ?? 'no answer'}`);
      const c = await o.charger.net.connectTcp(sdp.address, sdp.port, o.tcpConnectTimeout ?? relayLinkDefaults.tcpConnectTimeout);
      if (!c.ok) return down(`TCP connect: ${c.error.code}: ${c.error.message}`);
      if (abort.signal.aborted) return c.value.close();
      legs.charger.conn = c.value;
      l.log('info', 'connected to the charger', { cp: Checkpoint.TcpEstablished, secc: sdp.address, port: sdp.port });
      subs.push(frame('charger', c.value, now, (e) => sendBack(e), l));
      sendBack({ type: 'CHARGER.CONNECTED', remoteAddress: sdp.address } satisfies RelayEvent);
    })();
    return () => {
      abort.abort();
      for (const s of subs) s.unsubscribe();
      legs.charger.conn?.close();
    };
  });

  const forward = (f: ForwardParams): void => {
    const conn = legs[f.to].conn;
    if (!conn) {
      log.log('warn', `not forwarded (no connection to the ${f.to}): ${f.name}`);
      return;
    }
    conn.write(encodeV2gtp(V2gtpPayloadType.Exi, f.payload));
    const written = now();
    const direction: RelayDirection = f.to === 'charger' ? 'car→charger' : 'charger→car';
    const added = f.receivedAt !== undefined ? written - f.receivedAt : undefined;
    if (added !== undefined) delays.add(direction, added);
    const from: Leg = f.to === 'car' ? 'charger' : 'car';
    if (f.origin !== 'relay') o.onWire?.(from, { direction: 'rx', schema: f.schema, bytes: f.receivedPayload ?? f.payload, ...(f.received ?? f.doc ? { doc: (f.received ?? f.doc)! } : {}), ...(f.error ? { error: f.error } : {}) });
    o.onWire?.(f.to, { direction: 'tx', schema: f.schema, bytes: f.payload, ...(f.doc ? { doc: f.doc } : {}) });
    if (f.error) log.log('warn', 'message not decodable: forwarded as is', { direction, schema: f.schema, code: f.error.code, bytes: f.payload.length });
    if (f.ruleError) log.log('error', 'a rule changed the message but it did not re-encode: the original was forwarded', { message: f.name, code: f.ruleError.code });
    const line = live.line({ direction, at: Date.now(), schema: f.schema, bytes: f.payload.length, ...(f.doc ? { doc: f.doc } : {}), ...(added !== undefined ? { addedMs: added } : {}), ...(f.origin ? { origin: f.origin } : {}), changes: f.changes }, announced);
    o.onLine?.(line.text);
  };

  const machine = relayMachine.provide({
    actors: { carLeg, chargerLeg },
    actions: {
      forward: (_, f) => forward(f),
      report: (_, r: RelayReport) => log.log(r.level, `relay ${r.state}`, r.details as LogFields | undefined),
    },
  });
  const actor = createActor(machine, { input: { codec: o.codec, rules, ...(o.timings ? { timings: o.timings } : {}) }, ...(o.clock ? { clock: o.clock } : {}) });
  const done = new Promise<RelayOutput>((resolve, reject) => {
    actor.subscribe({
      next: (s) => {
        if (s.status === 'done') resolve(s.output);
      },
      error: (e) => reject(e instanceof Error ? e : new Error(String(e))),
    });
  });
  if (announced) log.log('warn', 'experiment rules active: the relay changes messages (announced in every line and in the records)');
  actor.start();
  return {
    actor,
    done,
    delays,
    live,
    stop(reason) {
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'STOP', reason });
      return done;
    },
    dispose() {
      actor.stop();
    },
  };
}

/**
 * CP replication through the board: the car's CP state (what the car side of the relay measures
 * as an EVSE) is switched towards the charger (the relay's EV-side CP load), and the charger's PWM
 * duty (what the relay's EV side measures) is generated towards the car. IEC 61851-1: an EV can
 * only present B, C or D; A (unplugged), E and F towards the charger become B with a warning
 * (the relay's own cable stays plugged in). Returns the subscriptions' teardown.
 */
export function replicateControlPilot(carSide: ControlPilot, chargerSide: ControlPilot, logger: Logger): () => void {
  const subs: Subscription[] = [];
  subs.push(
    carSide.state$.subscribe((s) => {
      const towardCharger = s === 'B' || s === 'C' || s === 'D' ? s : 'B';
      if (towardCharger !== s) logger.log('warn', `car CP state ${s} cannot be presented by an EV: state B towards the charger`);
      chargerSide.setState(towardCharger);
    }),
  );
  if (carSide.setDutyCycle) {
    subs.push(chargerSide.dutyCycle$.subscribe((d) => carSide.setDutyCycle?.(d)));
  } else logger.log('warn', 'the car-side board cannot generate PWM: the charger\'s duty cycle is not replicated towards the car');
  return () => {
    for (const s of subs) s.unsubscribe();
  };
}

const relayUsage = `usage: tsplc relay --car-if <if> --charger-if <if> [options]
  --car-if <if>              interface of the modem towards the car (its PIB configured as EVSE)
  --charger-if <if>          interface of the modem towards the charger (its PIB configured as PEV)
  --board <name>             CP replication through this board (sim, raspberry-pi, ...); none = no CP
  --record <dir>             session records of both legs (pcapng + decoded JSON lines) into <dir>
  --rule <rule>              experiment (repeatable; off by default): cap-current=<A>,
                             inject=<Message>Res:<ResponseCode>
  -c, --config <file>        config file (timings of SLAC, SDP, modem; as tsplc pev/evse)
  --set <section.key=value>  override one config key (repeatable)
  --log-level <level>        debug|info|warn|error
  --json                     the summary as one JSON line`;

/** At exit each record waits for its capture tap to be quiet this long (as role.ts)… */
const RECORD_QUIET_MS = 150;
/** …but never longer than this. */
const RECORD_DRAIN_MS = 1000;

/** The relay's own waits from the config: V2G_SECC_Sequence_Timeout is the [v2g] key a tsplc charger uses, the rest are [relay]. */
export function relayTimingsOf(c: TsplcConfig): RelayTimings {
  return {
    V2G_SECC_Sequence_Timeout: c.v2g.V2G_SECC_Sequence_Timeout,
    chargerResponseTimeout: c.relay.charger_response_timeout,
    stopResponseTimeout: c.relay.stop_response_timeout,
    carAnswerWindow: c.relay.car_answer_window,
    linkTimeout: c.relay.link_timeout,
  };
}

/** `tsplc relay`: the command's composition (config → boards → drivers → createRelay → records, live view, summary). */
export async function runRelay(argv: string[]): Promise<number> {
  const { parseCommandArgs } = await import('./args.js');
  const { configArgOptions, formatConfigErrors, loadConfig } = await import('./config-file.js');
  const parsed = parseCommandArgs('relay', relayUsage, {
    args: argv,
    options: {
      ...configArgOptions,
      'car-if': { type: 'string' },
      'charger-if': { type: 'string' },
      record: { type: 'string' },
      rule: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const fail = (m: string): number => {
    process.stderr.write(`tsplc relay: ${m}\n${relayUsage}\n`);
    return 2;
  };
  const carIf = values['car-if'];
  const chargerIf = values['charger-if'];
  if (!carIf || !chargerIf) return fail('--car-if and --charger-if are both needed');
  if (carIf === chargerIf) return fail('--car-if and --charger-if must be two interfaces (two modems)');
  const { parseRules } = await import('../tools/relay/rules.js');
  const rules = parseRules(values.rule ?? []);
  if (!rules.ok) return fail(rules.error.message);
  const loaded = loadConfig({ ...values, mode: 'pev', interface: carIf });
  if (!loaded.ok) {
    process.stderr.write(formatConfigErrors(loaded.error) + '\n');
    return 2;
  }
  const c = loaded.value.config;
  const { createLogger, isLogLevel } = await import('./logger.js');
  if (!isLogLevel(c.logging.level)) return fail(`bad log level ${c.logging.level}`);
  const sink = createLogger({ level: c.logging.level, format: process.stderr.isTTY ? 'human' : 'json', write: (l) => void process.stderr.write(l + '\n'), repeat: { lines: c.logging.repeat_limit, intervalMs: c.logging.repeat_interval } });
  const announced = rulesText(rules.value);
  // Every line of the process names the rules, the drivers' and the boards' too.
  const logger = announcingLogger(sink, announced);
  const log = logger.child('relay');
  log.log('info', 'starting', { carInterface: carIf, chargerInterface: chargerIf, board: loaded.value.boardNamed ? c.general.board : 'none' });

  const { openAfPacketPort } = await import('../../drivers/ethernet/index.js');
  const { createNodeNetStack } = await import('../../drivers/tcp/node-stack.js');
  const { exiCodec } = await import('./exi-codec.js');
  const { slacEvTimingsOf, slacEvseTimingsOf } = await import('../config/index.js');
  const closers: (() => void | Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const f of closers.reverse()) {
      try {
        await f();
      } catch (e) {
        log.log('warn', 'close failed', { error: errorMessage(e) });
      }
    }
  };
  const open = (ifname: string): RelayLegPorts | string => {
    try {
      const ethernet = openAfPacketPort(ifname, { etherTypes: [ETHERTYPE_HOMEPLUG], logger });
      closers.push(() => ethernet.close());
      return { ethernet, net: createNodeNetStack(ifname, logger) };
    } catch (e) {
      return `cannot open ${ifname}: ${errorMessage(e)}`;
    }
  };
  const car = open(carIf);
  const charger = open(chargerIf);
  if (typeof car === 'string' || typeof charger === 'string') {
    await closeAll();
    return fail(typeof car === 'string' ? car : (charger as string));
  }

  // CP replication: the car-facing side of the board is an EVSE's CP, the charger-facing side an EV's.
  // The sim board has one plant per instance, so each leg gets its own (docs/relay.md).
  let mirrorCarCp: ((r: WireRecord) => void) | undefined;
  const boards = loaded.value.boardNamed ? await import('../../boards/index.js') : undefined;
  if (boards?.relayBoards.includes(c.general.board)) {
    // One board with both CPs (raspberry-pi-relay): loaded once, for role relay.
    const board = await boards.loadBoard(c.general.board, { role: 'relay', config: c, logger });
    if (!board.ok || !board.value.relay) {
      if (board.ok) await board.value.close();
      await closeAll();
      return fail(`board: ${board.ok ? `${c.general.board} has no relay CPs` : board.error.message}`);
    }
    closers.push(() => board.value.close());
    closers.push(replicateControlPilot(board.value.relay.carSide, board.value.relay.chargerSide, log.child('cp')));
  } else if (boards) {
    const carBoard = await boards.loadBoard(c.general.board, { role: 'evse', config: c, logger });
    const chargerBoard = await boards.loadBoard(c.general.board, { role: 'pev', config: c, logger });
    if (!carBoard.ok || !chargerBoard.ok) {
      await closeAll();
      return fail(`board: ${!carBoard.ok ? carBoard.error.message : !chargerBoard.ok ? chargerBoard.error.message : ''}`);
    }
    closers.push(() => carBoard.value.close(), () => chargerBoard.value.close());
    const carCp = carBoard.value.evse?.controlPilot;
    const chargerCp = chargerBoard.value.ev?.controlPilot;
    if (carCp && chargerCp) {
      carCp.setState('A');
      closers.push(replicateControlPilot(carCp, chargerCp, log.child('cp')));
      // Sim: the car is another process, its CP switch is not wired to this plant; its requests say
      // what the switch does (the board's simulation hook, as for `tsplc evse --board sim`).
      mirrorCarCp = simulationTap(carBoard.value, 'rx');
      if (mirrorCarCp) carBoard.value.ev?.controlPilot.setState('B');
    } else log.log('warn', `board ${c.general.board} lacks a CP on one side: CP is not replicated`);
  } else log.log('warn', 'no board named (--board): CP is not replicated; the car and the charger must see CP from elsewhere');

  // Session records: one per leg, each of everything its interface saw (a second AF_PACKET socket with
  // the transmit tap, as role.ts) and the decoded messages of that leg.
  const { SessionRecorder } = await import('./recorder.js');
  const recorders: Partial<Record<Leg, { rec: InstanceType<typeof SessionRecorder> }>> = {};
  // Frames seen by the taps after the end restart the final quiet wait (see below).
  let tapActivity: (() => void) | undefined;
  if (values.record) {
    for (const [leg, ifname, ports] of [
      ['car', carIf, car],
      ['charger', chargerIf, charger],
    ] as const) {
      try {
        const rec = new SessionRecorder({ dir: values.record, role: `relay-${leg}`, maxMb: c.logging.session_records_max_mb, maxSessionMb: c.logging.session_record_max_mb, ownMac: ports.ethernet.mac, interfaceName: ifname, logger: log.child('record') });
        const tap = openAfPacketPort(ifname, { etherTypes: [], includeOutgoing: true, logger });
        const entry = { rec };
        tap.frames$.subscribe((f) => {
          tapActivity?.();
          rec.frame(f.timestamp, f.data);
        });
        closers.push(() => tap.close());
        rec.start();
        rec.status({ layer: 'runtime', state: 'relay', details: { leg, rules: announced || 'none', carInterface: carIf, chargerInterface: chargerIf } });
        recorders[leg] = entry;
      } catch (e) {
        log.log('error', 'session records disabled', { leg, error: errorMessage(e) });
      }
    }
  }

  const json = values.json === true;
  const run = createRelay({
    car,
    charger,
    codec: exiCodec,
    logger: logger.child('relay'),
    rules: rules.value,
    modem: { timings: { discoveryWindow: c.modem.discovery_window, setKeyTimeout: c.modem.set_key_timeout, restartPause: c.modem.restart_pause, confirmInterval: c.modem.confirm_interval, retries: c.modem.retries } },
    slacEv: { timings: slacEvTimingsOf(c) },
    slacEvse: { timings: slacEvseTimingsOf(c) },
    sdp: { SDP_retry_interval: c.sdp.SDP_retry_interval, SDP_max_requests: c.sdp.SDP_max_requests },
    V2G_SECC_CommunicationSetup_Performance_Time: c.v2g.V2G_SECC_CommunicationSetup_Performance_Time,
    timings: relayTimingsOf(c),
    tcpConnectTimeout: c.relay.tcp_connect_timeout,
    carSlacRetryPause: c.relay.car_slac_retry_pause,
    onWire: (leg, r) => {
      if (leg === 'car') mirrorCarCp?.(r);
      recorders[leg]?.rec.wire(r);
    },
    onStatus: (leg, u) => recorders[leg]?.rec.status(u),
    onLine: (text) => {
      if (!json) process.stdout.write(text + '\n');
    },
  });
  const onSignal = (sig: NodeJS.Signals): void => {
    log.log('info', `${sig}: stopping (the charger's current to zero first, then the car told EVSE_Shutdown)`);
    void run.stop(sig);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const out = await run.done.catch((e: unknown): RelayOutput => ({ end: 'Stopped', reason: `crashed: ${errorMessage(e)}`, phase: 'handshake', chargerStop: [], carAnswers: [], relayed: { toCharger: 0, toCar: 0 } }));
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  const figures = run.delays.figures();
  const { delayText } = await import('../tools/relay/delay.js');
  const verdict = run.live.verdict();
  const verdictText = run.live.verdictText();
  log.log('info', delayText(figures), { p50: figures.all.p50, p99: figures.all.p99, max: figures.all.max, n: figures.all.n });
  if (verdictText) log.log('info', verdictText);
  const records: string[] = [];
  for (const leg of ['car', 'charger'] as const) {
    const e = recorders[leg];
    if (!e) continue;
    e.rec.status({ layer: 'runtime', state: 'relay ended', details: { end: out.end, reason: out.reason, rules: announced || 'none', addedDelayP50Ms: figures.all.p50, addedDelayP99Ms: figures.all.p99, addedDelayMaxMs: figures.all.max, messages: figures.all.n, ...(verdictText ? { limiting: verdictText } : {}) } });
  }
  // The last frames (FINs, the final response) reach the taps after the end: let them go quiet first.
  if (values.record) {
    const quiet = whenQuiet(RECORD_QUIET_MS, RECORD_DRAIN_MS);
    tapActivity = () => quiet.activity();
    await quiet.done;
    tapActivity = undefined;
  }
  for (const e of Object.values(recorders)) {
    if (e?.rec.current) records.push(e.rec.current);
    e?.rec.stop();
  }
  run.dispose();
  await closeAll();
  sink.flush();
  if (json) process.stdout.write(JSON.stringify({ role: 'relay', end: out, rules: announced || undefined, addedDelayMs: figures, ...(verdict ? { limiting: { verdict: verdict.verdict, car: verdict.car.share, charger: verdict.charger.share, neither: verdict.neither.share } } : {}), records }) + '\n');
  else {
    process.stdout.write(`relay ended: ${out.end} (${out.reason}) in ${out.phase}; relayed ${out.relayed.toCharger} requests, ${out.relayed.toCar} responses\n  ${delayText(figures)}\n`);
    if (out.chargerStop.length > 0) process.stdout.write(`  relay's stop towards the charger: ${out.chargerStop.join(', ')}\n`);
    if (out.carAnswers.length > 0) process.stdout.write(`  relay's answers to the car: ${out.carAnswers.join(', ')}\n`);
    if (verdictText) process.stdout.write(`  ${verdictText}\n`);
    for (const r of records) process.stdout.write(`  record ${r}.pcapng / .jsonl\n`);
  }
  // Handles of peers that never close must not keep the process (as role.ts).
  setTimeout(() => process.exit(out.end === 'SessionStopped' ? 0 : 1), 1000).unref();
  return out.end === 'SessionStopped' ? 0 : 1;
}
