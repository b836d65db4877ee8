// `tsplc pev` and `tsplc evse` on a real interface: config → board → drivers
// (AF_PACKET for HomePlug, node:dgram/node:net for SDP/V2G) → the role's stack,
// with structured logs, live progress, systemd notify (READY after hardware
// init, WATCHDOG from the root actor's heartbeat, STATUS from status$) and
// SIGTERM/SIGINT → safe shutdown → exit.
import { ETHERTYPE_HOMEPLUG } from '../constants.js';
import { parseCommandArgs } from './args.js';
import type { Observable } from 'rxjs';
import type { Actor, AnyStateMachine } from 'xstate';
import type { Board } from '../../boards/index.js';
import { v2gEvMachine } from '../../machines/v2g-ev/index.js';
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { startSafeShutdown } from '../../machines/safe-shutdown/index.js';
import { parseMac } from '../bytes.js';
import { connectionTimingsOf, safeShutdownTimingsOf, slacEvTimingsOf, slacEvseTimingsOf } from '../config/index.js';
import type { TsplcConfig } from '../config/schema.js';
import type { EvHardware } from '../ports/hardware.js';
import { StatusBus, type StatusUpdate } from '../status.js';
import { v2gEvDefaults, v2gEvseDefaults, v2gEvTimeoutDefaults, v2gEvseTimeoutDefaults, type V2gEvConfig, type V2gEvseConfig } from '../v2g/config.js';
import { parseFaultScenario } from '../v2g/faults.js';
import type { EnergyTransferMode, Protocol } from '../v2g/model.js';
import { boardNotNamedMessage, configArgOptions, formatConfigErrors, loadConfig } from './config-file.js';
import { exiCodec } from './exi-codec.js';
import { createLogger, isLogLevel } from './logger.js';
import { SessionRecorder } from './recorder.js';
import { attachForwarding, type Forwarding } from './forwarding.js';
import { realForwardingPorts } from './io-drivers.js';
import { attachProgress, formatSummary } from './progress.js';
import { createEvStack, createEvseStack, type EvRoleStack, type EvseRoleStack } from './stack.js';
import { connectSystemd } from './systemd.js';
import { attachRoleDisplay } from './display.js';
import { evProgressBounds, evseProgressBounds, heartbeat, watchLiveness } from './liveness.js';
import type { WireRecord } from './v2g-transport.js';
import type { Logger } from '../ports/log.js';
import { err, ok, type Result } from '../result.js';
import { prepareEvHardware, type EvRuntimeHardware } from './ev-hardware.js';
import { attachEvseSafety } from './evse-safety.js';
import type { SafetyMonitor } from '../safety/monitor.js';
import { Checkpoint } from '../checkpoints.js';
import { errorMessage } from '../errors.js';
import { realRoleIo, type RoleIo } from './role-io.js';

const usageOf = (role: 'pev' | 'evse'): string => `usage: tsplc ${role} [options]
  -i, --interface <if>       the HomePlug modem's interface (config general.interface)
  --board <name>             hardware profile (config general.board; sim, none, raspberry-pi, ...)
  -c, --config <file>        config file (default $TSPLC_CONFIG or /etc/tsplc/tsplc.toml)
  --set <section.key=value>  override one config key (repeatable)
  --protocol din|iso2        ${role === 'pev' ? 'offer only this protocol' : 'accept only this protocol'} (default: config)
  --ac | --dc                energy transfer mode (default: config)
${role === 'pev' ? '  --soc-target <percent>     stop charging at this SOC\n' : '  --faults <scenario>        fault injection (see docs/user-manual.md)\n'}  --once                     end after one session (config general.exit_on_session_end)
  --log-level <level>        debug|info|warn|error (SIGUSR1 toggles debug while running)
  --json                     summary as one JSON line`;

function energyMode(c: TsplcConfig, ac: boolean | undefined, dc: boolean | undefined): EnergyTransferMode {
  if (ac) return 'AC_three_phase_core';
  if (dc) return 'DC_extended';
  return c.ev.energy_transfer_mode as EnergyTransferMode;
}

/** The standard timers of [v2g] whose names a timeouts object knows. */
function timersOf<T extends Record<string, number>>(c: TsplcConfig, defaults: T): T {
  const v2g = new Map<string, unknown>(Object.entries(c.v2g));
  const out: Record<string, number> = { ...defaults };
  for (const k of Object.keys(defaults)) {
    const v = v2g.get(k);
    if (typeof v === 'number') out[k] = v;
  }
  return out as T;
}

/** The EV's V2G config from the validated file. */
export function v2gEvConfigOf(c: TsplcConfig, mac: Uint8Array, over: { protocol?: Protocol; mode?: EnergyTransferMode; socTarget?: number }): V2gEvConfig {
  const evccId = c.ev.evccid === 'auto' ? mac : (parseMac(c.ev.evccid) ?? mac);
  return {
    ...v2gEvDefaults,
    protocols: over.protocol ? [over.protocol] : (c.v2g.protocols as Protocol[]),
    energyTransferMode: over.mode ?? (c.ev.energy_transfer_mode as EnergyTransferMode),
    evccId,
    chargeTargetVoltage: c.v2g.charge_target_voltage || c.ev.max_voltage,
    prechargeVoltageDelta: c.v2g.precharge_voltage_delta,
    prechargeUseInletVoltage: c.v2g.precharge_use_inlet_voltage,
    prechargeCurrent: c.v2g.precharge_current,
    // With the CHAdeMO bridge the CHAdeMO car ends the charge at its own target (the CCS side follows it).
    socTarget: c.ev.battery_source === 'chademo' ? 100 : c.v2g.soc_target,
    weldingVoltageLimit: c.v2g.welding_voltage_limit,
    weldingMaxRounds: c.v2g.welding_max_rounds,
    acceptIsolationInvalid: c.v2g.accept_isolation_invalid,
    // A lone `tsplc pev --board sim` mirrors the charger from its own requests (mirrorCharger): that inlet is no
    // measurement of the other process's output, so there is nothing to check it against.
    inletPlausibilityDelta: c.general.board === 'sim' ? Number.POSITIVE_INFINITY : c.safety.inlet_plausibility_delta,
    lightBulbDemo: c.ev.light_bulb_demo,
    lenientFacets: c.v2g.lenient_facets,
    safeVoltage: c.safety.safe_voltage,
    contactorOpenCurrentLimit: c.safety.current_limit,
    timeouts: timersOf(c, v2gEvTimeoutDefaults),
    chargeCurrentLimit: c.ev.charge_current_limit,
    maxPower: c.ev.max_power,
    energyRequestWh: c.ev.energy_request_wh,
    fullSoc: c.ev.full_soc,
    bulkSoc: c.ev.bulk_soc,
    acMinCurrent: c.ev.ac_min_current,
    acMaxCurrent: c.ev.ac_max_current,
    acMaxVoltage: c.ev.ac_max_voltage,
    ...(over.socTarget !== undefined ? { socTarget: over.socTarget } : {}),
  };
}

export function v2gEvseConfigOf(c: TsplcConfig, over: { protocol?: Protocol; mode?: EnergyTransferMode }): V2gEvseConfig {
  return {
    ...v2gEvseDefaults,
    protocolPreference: over.protocol ? [over.protocol] : (c.evse.protocol_preference as Protocol[]),
    evseId: new TextEncoder().encode(c.evse.evse_id),
    ...(over.mode ? { energyTransferModes: [over.mode] } : {}),
    maxVoltage: c.evse.max_voltage,
    minVoltage: c.evse.min_voltage,
    maxCurrent: c.evse.max_current,
    minCurrent: c.evse.min_current,
    maxPower: c.evse.max_power,
    peakCurrentRipple: c.evse.peak_current_ripple,
    authorizationOngoingRounds: c.evse.authorization_ongoing_rounds,
    chargeParameterOngoingRounds: c.evse.charge_parameter_ongoing_rounds,
    isolationCheckVoltage: c.evse.isolation_check_voltage,
    prechargeCurrentLimit: c.evse.precharge_current_limit,
    // The stack runs one V2G session per connection; allow_new_session_after_stopping decides whether the
    // connection manager serves the next car (see runRole: oneShot).
    allowNewSessionAfterStop: false,
    timeouts: timersOf(c, v2gEvseTimeoutDefaults),
  };
}

/**
 * With the sim board, the EV process has no charger behind its inlet (the charger is another
 * process, maybe in another namespace). The EV's own requests say what a charger would do:
 * DC — drive the simulated supply from PreChargeReq / CurrentDemandReq targets and switch it
 * off on PowerDelivery(stop) / WeldingDetection / SessionStop; AC — close the simulated EVSE
 * output contactor on PowerDelivery(Start) and open it on PowerDelivery(Stop) (the real
 * charger does the same within 3 s, [V2G2-860]). Inlet voltage and current then behave.
 */
function mirrorCharger(board: Board): ((r: WireRecord) => void) | undefined {
  const sim = (board as { sim?: { plant: { setSupplyTarget(v: number, i: number): void; supplyOff(): void; closeEvseContactor?(): void; openEvseContactor?(): void; setEvseDuty?(percent: number): void } } }).sim;
  if (!sim || !board.ev) return undefined;
  const plant = sim.plant;
  const value = (pv: unknown): number | undefined => {
    const p = pv as { Value?: number; Multiplier?: number } | undefined;
    return p && typeof p.Value === 'number' ? p.Value * 10 ** (p.Multiplier ?? 0) : undefined;
  };
  return (r) => {
    if (r.direction !== 'tx' || !r.doc || !('V2G_Message' in r.doc)) return;
    const body = r.doc.V2G_Message.Body as Record<string, Record<string, unknown> | undefined>;
    const req = body.PreChargeReq ?? body.CurrentDemandReq;
    const pd = body.PowerDeliveryReq;
    if (req) {
      const v = value(req.EVTargetVoltage);
      const i = value(req.EVTargetCurrent);
      if (v !== undefined && i !== undefined) plant.setSupplyTarget(v, i);
    } else if (pd && !pd.DC_EVPowerDeliveryParameter && (pd.ChargeProgress === 'Start' || pd.ChargeProgress === 'Stop')) {
      // ISO-2 AC: the charger's output contactor follows PowerDelivery.
      // 5 % PWM: the offer is the digitally communicated EVSEMaxCurrent (IEC 61851-1 Annex A).
      if (pd.ChargeProgress === 'Start') {
        plant.setEvseDuty?.(5);
        plant.closeEvseContactor?.();
      } else plant.openEvseContactor?.();
    } else if (body.WeldingDetectionReq || body.SessionStopReq || (pd && (pd.ReadyToChargeState === false || pd.ChargeProgress === 'Stop'))) {
      plant.supplyOff();
      plant.openEvseContactor?.();
    }
  };
}

/**
 * The EVSE's counterpart of mirrorCharger: with the sim board the car is another process with its
 * own physics, so nothing in this process sets the simulated CP to state C. The car's requests say
 * what its CP switch does: state C from CableCheckReq (DC: the EV is in C before the cable check,
 * as the in-process sim does) or PowerDeliveryReq(Start) (AC), back to B on
 * PowerDeliveryReq(Stop), WeldingDetectionReq and SessionStopReq. Without it the production safety
 * monitor rightly reports a live output with CP state B (EVSE_OUTPUT_LIVE_WITHOUT_STATE_C).
 */
function mirrorCar(board: Board): ((r: WireRecord) => void) | undefined {
  const sim = (board as { sim?: unknown }).sim;
  const cp = board.ev?.controlPilot;
  if (!sim || !cp || !board.evse) return undefined;
  return (r) => {
    if (r.direction !== 'rx' || !r.doc || !('V2G_Message' in r.doc)) return;
    const body = r.doc.V2G_Message.Body as Record<string, Record<string, unknown> | undefined>;
    const pd = body.PowerDeliveryReq;
    const start = pd && (pd.ChargeProgress === 'Start' || pd.ReadyToChargeState === true);
    const stop = pd && (pd.ChargeProgress === 'Stop' || pd.ReadyToChargeState === false);
    if (body.CableCheckReq || start) cp.setState('C');
    else if (stop || body.WeldingDetectionReq || body.SessionStopReq) cp.setState('B');
  };
}

/**
 * Response times seen by the EV, per request type: from our request leaving (after EXI encoding)
 * to the response arriving (before EXI decoding). For the summary and the benchmarks.
 */
export function latencyTracker(now: () => number = () => performance.now()): { onWire: (r: WireRecord) => void; stats(): Record<string, { n: number; p50: number; p99: number; max: number }> } {
  const pending = new Map<string, number>();
  const samples = new Map<string, number[]>();
  const name = (r: WireRecord): string | undefined => {
    if (!r.doc) return undefined;
    const body = 'V2G_Message' in r.doc ? Object.keys(r.doc.V2G_Message.Body)[0] : Object.keys(r.doc)[0];
    return body?.replace(/(Req|Res)$/, '');
  };
  return {
    onWire(r) {
      const n = name(r);
      if (!n) return;
      if (r.direction === 'tx') pending.set(n, now());
      else {
        const t0 = pending.get(n);
        if (t0 === undefined) return;
        pending.delete(n);
        let list = samples.get(n);
        if (!list) samples.set(n, (list = []));
        // Bounded: a 24-hour loop keeps the last 10 000 samples per type.
        if (list.length >= 10_000) list.shift();
        list.push(now() - t0);
      }
    },
    stats() {
      const out: Record<string, { n: number; p50: number; p99: number; max: number }> = {};
      for (const [k, v] of samples) {
        const sorted = [...v].sort((a, b) => a - b);
        const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
        out[k] = { n: v.length, p50: round3(at(50)), p99: round3(at(99)), max: round3(sorted[sorted.length - 1] ?? NaN) };
      }
      return out;
    },
  };
}

/** SIGTERM: time on top of connection.safe_shutdown_timeout before the runtime stops waiting for the actors, ms. */
export const STOP_MARGIN_MS = 5000;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** At exit the session record waits for the capture tap to be quiet this long… */
const CAPTURE_QUIET_MS = 150;
/** …but never longer than this in total. */
const CAPTURE_DRAIN_MS = 1000;

export async function runRole(role: 'pev' | 'evse', argv: string[], io: RoleIo = realRoleIo): Promise<number> {
  const usage = usageOf(role);
  const parsed = parseCommandArgs(role, usage, {
    args: argv,
    options: {
      ...configArgOptions,
      protocol: { type: 'string' },
      ac: { type: 'boolean' },
      dc: { type: 'boolean' },
      'soc-target': { type: 'string' },
      faults: { type: 'string' },
      once: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const fail = (m: string): number => {
    io.stderr.write(`tsplc ${role}: ${m}\n`);
    return 2;
  };
  const loaded = loadConfig({ ...values, mode: role }, io.env);
  if (!loaded.ok) {
    io.stderr.write(formatConfigErrors(loaded.error) + '\n');
    return 2;
  }
  if (!loaded.value.boardNamed) return fail(boardNotNamedMessage);
  const c = loaded.value.config;
  if (values.protocol !== undefined && values.protocol !== 'din' && values.protocol !== 'iso2') return fail(`--protocol must be din or iso2, got '${values.protocol}'`);
  if (values.ac && values.dc) return fail('--ac and --dc exclude each other');
  const protocol = values.protocol as Protocol | undefined;
  const mode = values.ac || values.dc ? energyMode(c, values.ac, values.dc) : undefined;
  let socTarget: number | undefined;
  if (values['soc-target'] !== undefined) {
    socTarget = Number(values['soc-target']);
    if (!Number.isFinite(socTarget) || socTarget < 1 || socTarget > 100) return fail(`--soc-target must be 1..100, got '${values['soc-target']}'`);
  }
  const faults = parseFaultScenario(values.faults ?? 'none');
  if (!faults.ok) return fail(faults.error.message);
  const level = c.logging.level;
  if (!isLogLevel(level)) return fail(`bad log level ${level}`);
  const oneShot = values.once === true || c.general.exit_on_session_end || (role === 'evse' && !c.evse.allow_new_session_after_stopping);

  const syslog = c.logging.udp_syslog ? io.syslog() : undefined;
  const logger = createLogger({
    level,
    format: io.stderr.isTTY ? 'human' : 'json',
    write: (l) => void io.stderr.write(l + '\n'),
    ...(syslog ? { tee: syslog.tee } : {}),
    // A flood of one kind of line (issue 8: a CM_SLAC_PARM.REQ flood) must not flood the journal.
    repeat: { lines: c.logging.repeat_limit, intervalMs: c.logging.repeat_interval },
  });
  const log = logger.child(role);
  const onUsr1 = (): void => {
    logger.setLevel(logger.level === 'debug' ? level : 'debug');
    log.log('info', `log level now ${logger.level} (SIGUSR1)`);
  };
  process.on('SIGUSR1', onUsr1);
  log.log('info', 'starting', { interface: c.general.interface, board: c.general.board, config: loaded.value.path ?? '(defaults)' });

  const board = await io.loadBoard(c.general.board, { role, config: c, logger });
  if (!board.ok) return fail(`board: ${board.error.message}`);
  let ethernet;
  try {
    ethernet = io.openPacketPort(c.general.interface, { etherTypes: [ETHERTYPE_HOMEPLUG], logger });
  } catch (e) {
    await board.value.close();
    return fail(`cannot open ${c.general.interface}: ${errorMessage(e)}`);
  }
  const net = io.netStack(c.general.interface, logger);
  if (!net.linkLocalAddress() && c.general.exit_if_no_local_link_address_is_found) {
    ethernet.close();
    await board.value.close();
    return fail(`${c.general.interface} has no IPv6 link-local address`);
  }
  const status = new StatusBus(() => Date.now());
  // Session records (logging.session_records_dir): a pcap of everything the interface sees in both
  // directions (a second AF_PACKET socket for all EtherTypes on the transmit tap too: the protocol
  // port never sees its own frames, a record without them shows requests without responses) and a
  // JSON-lines log of V2G messages and status.
  let recorder: SessionRecorder | undefined;
  let forwarding: Forwarding | undefined;
  let capture: ReturnType<RoleIo['openPacketPort']> | undefined;
  let lastCaptured = 0;
  if (c.logging.session_records_dir) {
    try {
      const rec = new SessionRecorder({
        dir: c.logging.session_records_dir,
        role,
        maxMb: c.logging.session_records_max_mb,
        maxSessionMb: c.logging.session_record_max_mb,
        foreignFps: c.logging.session_record_foreign_fps,
        ownMac: ethernet.mac,
        interfaceName: c.general.interface,
        logger: log.child('record'),
      });
      capture = io.openPacketPort(c.general.interface, { etherTypes: [], includeOutgoing: true, logger });
      capture.frames$.subscribe((f) => {
        lastCaptured = performance.now();
        rec.frame(f.timestamp, f.data);
      });
      let sessionSeen = false;
      // The cut to the next record waits until the capture tap has gone quiet (as at exit): the last
      // response and the FINs of the session just ended reach the tap after its status did, and
      // belong to its record (seen in the kill tests: a charger's SessionStopRes opened the next
      // record). Status updates meanwhile are held and go into the new record.
      let cutPending = false;
      const held: StatusUpdate[] = [];
      const cutWhenQuiet = (t0: number): void => {
        const now = performance.now();
        if (now - t0 < CAPTURE_DRAIN_MS && now - Math.max(t0, lastCaptured) < CAPTURE_QUIET_MS) {
          setTimeout(() => cutWhenQuiet(t0), 20).unref();
          return;
        }
        rec.start();
        cutPending = false;
        for (const h of held.splice(0)) rec.status(h);
      };
      status.updates$.subscribe((u) => {
        if (u.checkpoint === Checkpoint.SupportedAppProtocolReq) sessionSeen = true;
        // A new record when the next car / attempt begins after a session (or at the very start).
        if (!cutPending && (u.checkpoint === Checkpoint.EvseKeySet || u.checkpoint === Checkpoint.PlugInserted || u.checkpoint === Checkpoint.SlacParmReq) && (!rec.current || sessionSeen)) {
          sessionSeen = false;
          if (!rec.current) rec.start();
          else {
            cutPending = true;
            cutWhenQuiet(performance.now());
          }
        }
        if (cutPending) held.push(u);
        else rec.status(u);
      });
      recorder = rec;
    } catch (e) {
      log.log('error', 'session records disabled', { error: errorMessage(e) });
    }
  }
  // Status display (docs/display.md): never a reason not to charge, so it only logs when it fails.
  const display = await attachRoleDisplay(role, c, board.value, status, log, { mac: ethernet.mac, ipv6: net.linkLocalAddress() });
  const common = {
    logger: log,
    status,
    net,
    ethernet,
    codec: exiCodec,
    oneShot,
    connection: connectionTimingsOf(c),
    modem: {
      timings: {
        discoveryWindow: c.modem.discovery_window,
        setKeyTimeout: c.modem.set_key_timeout,
        restartPause: c.modem.restart_pause,
        confirmInterval: c.modem.confirm_interval,
        retries: c.modem.retries,
      },
    },
  };
  let stack: EvRoleStack | EvseRoleStack;
  // EVSE: responses later than V2G_SECC_Msg_Performance_Time (the transport counts them).
  let evseStats: { readonly lateResponses: number } | undefined;
  const latency = latencyTracker();
  let evHw: EvHardware | undefined;
  // Battery source, MQTT publications and the safety monitor around the board's EV ports (src/runtime/ev-hardware.ts).
  let evRt: EvRuntimeHardware | undefined;
  let evseSafety: SafetyMonitor | undefined;
  if (role === 'pev') {
    if (!board.value.ev) return fail(`board ${board.value.name} has no EV hardware`);
    // ev.battery_source = "chademo": the CCS session is driven by a CHAdeMO car (src/runtime/chademo.ts); its
    // bridged EV hardware is then what the battery source, MQTT and the safety monitor compose around.
    const bridge = c.ev.battery_source === 'chademo' ? await startChademoBridge(c, board.value, status, log, () => stack) : undefined;
    if (bridge && !bridge.ok) {
      capture?.close();
      ethernet.close();
      await board.value.close();
      return fail(bridge.error);
    }
    const prepared = await prepareEvHardware({ board: board.value, config: c, logger: log, status, mirroredInlet: c.general.board === 'sim', ...(bridge?.ok ? { ev: bridge.value.evHardware } : {}) });
    if (!prepared.ok) {
      capture?.close();
      ethernet.close();
      await board.value.close();
      return fail(prepared.error.message);
    }
    evRt = prepared.value;
    evHw = evRt.hw;
    const mirror = mirrorCharger(board.value);
    const wire = (r: WireRecord): void => {
      if (bridge?.ok) bridge.value.onWire(r);
      latency.onWire(r);
      mirror?.(r);
      recorder?.wire(r);
      display?.onWire(r);
      evRt?.onWire(r);
    };
    stack = createEvStack({
      ...common,
      hw: evHw,
      session: v2gEvMachine,
      v2g: {
        ...v2gEvConfigOf(c, ethernet.mac, { ...(protocol ? { protocol } : {}), ...(mode ? { mode } : {}), ...(socTarget !== undefined ? { socTarget } : {}) }),
        // Bridged: the CHAdeMO car decides the end of the charge.
        ...(bridge?.ok ? { socTarget: 100 } : {}),
      },
      safeShutdown: safeShutdownTimingsOf(c),
      sdp: { SDP_retry_interval: c.sdp.SDP_retry_interval, SDP_max_requests: c.sdp.SDP_max_requests },
      slac: { timings: slacEvTimingsOf(c) },
      onWire: wire,
    });
    evRt.bind(stack.actor);
  } else {
    if (!board.value.evse) return fail(`board ${board.value.name} has no EVSE hardware`);
    const evseHw = board.value.evse;
    const carMirror = mirrorCar(board.value);
    // SOC forwarding (SmartEVSE HTTP callback, MQTT): the car's values come from its requests on the wire.
    forwarding =
      c.soc_callback.enabled || c.mqtt.enabled
        ? attachForwarding({
            config: c,
            status,
            logger: log.child('forward'),
            ports: realForwardingPorts,
            hw: { cpState$: evseHw.controlPilot.state$, ...(evseHw.contactors ? { contactorClosed$: evseHw.contactors.closed$ } : {}), supply$: evseHw.powerSupply.reading$ },
          })
        : undefined;
    const created = createEvseStack({
      ...common,
      hw: board.value.evse,
      session: v2gEvseMachine,
      v2g: v2gEvseConfigOf(c, { ...(protocol ? { protocol } : {}), ...(mode ? { mode } : {}) }),
      faults: faults.value,
      randomBytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
      slac: { timings: slacEvseTimingsOf(c) },
      ...(recorder || forwarding || display || carMirror
        ? {
            onWire: (r: WireRecord) => {
              carMirror?.(r);
              recorder?.wire(r);
              forwarding?.onWire(r);
              display?.onWire(r);
            },
          }
        : {}),
      connection: { ...connectionTimingsOf(c), V2G_SECC_CommunicationSetup_Performance_Time: c.v2g.V2G_SECC_CommunicationSetup_Performance_Time },
    });
    evseStats = created.stats;
    stack = created;
    evseSafety = attachEvseSafety({ hw: evseHw, config: c, logger: log, actor: stack.actor });
    const evseStack = stack;
    // MQTT `charger/enabled = 0`: a stop at the charger (EVSE_Shutdown, checkpoint 790).
    forwarding?.stopRequests$.subscribe((s) => evseStack.actor.send({ type: 'TO_SESSION', event: { type: 'STOP_REQUEST', reason: s.reason } }));
  }

  // systemd: READY now (hardware and interface are open), WATCHDOG from a heartbeat the root
  // actor must process and that stops when the layer it is in makes no progress within its bound
  // (src/runtime/liveness.ts: a wedged child stops the pings), STATUS from status$.
  const notifier = io.notifier(io.env, { logger });
  const actor: Actor<AnyStateMachine> = stack.actor;
  const modemWorstCase = (c.modem.discovery_window + c.modem.set_key_timeout + c.modem.restart_pause + c.modem.confirm_interval + c.modem.TT_match_join) * (c.modem.retries + 1);
  const liveness = watchLiveness({
    actor,
    progress$: status.updates$,
    now: () => performance.now(),
    logger: log.child('watchdog'),
    bounds:
      role === 'evse'
        ? evseProgressBounds({
            V2G_SECC_CommunicationSetup_Performance_Time: c.v2g.V2G_SECC_CommunicationSetup_Performance_Time,
            V2G_SECC_Sequence_Timeout: c.v2g.V2G_SECC_Sequence_Timeout,
            V2G_SECC_CableCheck_Performance_Time: c.v2g.V2G_SECC_CableCheck_Performance_Time,
            V2G_SECC_Ongoing_Performance_Time: c.v2g.V2G_SECC_Ongoing_Performance_Time,
            safe_shutdown_timeout: c.connection.safe_shutdown_timeout,
            backoff_max: c.connection.backoff_max,
            modemWorstCase,
          })
        : evProgressBounds({
            longestV2gTimeout: Math.max(...Object.values(timersOf(c, v2gEvTimeoutDefaults))),
            safe_shutdown_timeout: c.connection.safe_shutdown_timeout,
            backoff_max: c.connection.backoff_max,
            modemWorstCase,
          }),
  });
  const heartbeat$: Observable<number> = heartbeat(actor, liveness, Math.max(250, Math.min(5000, (notifier.watchdogIntervalMs ?? 4000) / 4)));
  const done = stack.done;
  let stopping = false;
  let shutdownFailed = false;
  // Whatever the session managed before it ended, leave the car safe before we exit: wait for a
  // sequence still running (the session's unlock takes the lock motor's time: 300 ms on the sim
  // board), then run it once more — it is idempotent (open and unlocked → it finishes at once)
  // and confirms the unlock from the lock feedback, or reports the fault. False: not Finished.
  const leaveCarSafe = async (why: string): Promise<boolean> => {
    if (!evHw) return true;
    await stack.shutdownSettled();
    const run = startSafeShutdown(evHw, { timings: safeShutdownTimingsOf(c), logger: log, reason: why, report: (u) => status.report(u) });
    const r = await run.settled;
    run.stop();
    log.log(r.endState === 'Finished' ? 'info' : 'error', `SafeShutdown after ${why}: ${r.endState}`, { faults: r.faults.map((f) => f.code).join(',') });
    return r.endState === 'Finished';
  };
  const bridge = connectSystemd({
    notifier,
    status$: status.status$,
    heartbeat$,
    logger,
    onStop: async (signal) => {
      stopping = true;
      log.log('info', `${signal}: stopping the session through SafeShutdown`);
      // Bounded whatever state the actors are in: the managers end a stop within safe_shutdown_timeout on
      // their own; if they do not (a wedged actor), the output is forced safe here and we exit anyway.
      const stopBound = c.connection.safe_shutdown_timeout + STOP_MARGIN_MS;
      let timer: NodeJS.Timeout | undefined;
      let overdue = false;
      const out = await Promise.race([
        stack.stop(signal),
        new Promise<{ end: string; reason: string }>((r) => {
          timer = setTimeout(() => {
            overdue = true;
            r({ end: 'Stopped', reason: `${signal}: the actors did not stop within safe_shutdown_timeout + ${STOP_MARGIN_MS} ms` });
          }, stopBound);
        }),
      ]);
      clearTimeout(timer);
      if (overdue) {
        shutdownFailed = true;
        log.log('error', out.reason);
        const evse = board.value.evse;
        if (role === 'evse' && evse) {
          for (const [what, fn] of [
            ['powerSupply.off', () => evse.powerSupply.off()],
            ['contactors.open', () => evse.contactors?.open()],
          ] as const) {
            try {
              fn();
            } catch (e) {
              log.log('error', `${what} failed`, { error: errorMessage(e) });
            }
          }
        }
      }
      log.log('info', 'stopped', { end: out.end, reason: out.reason });
      if (!(await leaveCarSafe(signal))) shutdownFailed = true;
      await finish(out);
      if (shutdownFailed) throw new Error('safe shutdown did not finish');
    },
    exit: io.exit,
  });
  const tty = io.stdout.isTTY === true && !values.json;
  const progress = attachProgress({
    role: role === 'pev' ? 'EV' : 'EVSE',
    status,
    ...(evHw ? { hw: evHw } : {}),
    ...(role === 'evse' && board.value.evse ? { supply$: board.value.evse.powerSupply.reading$ } : {}),
    now: () => Date.now(), tty, write: (t) => void (values.json ? 0 : io.stdout.write(t)) });
  const lockAtExit: { state?: string } = {};
  const lockSub = evHw?.connectorLock?.state$.subscribe((st) => (lockAtExit.state = st));
  let finished = false;
  const finish = async (out: { end: string; reason: string }): Promise<void> => {
    if (finished) return;
    finished = true;
    progress.stop();
    const s = progress.summary();
    const lat = latency.stats();
    // connectorLock: the lock feedback as the process exits ('unlocked' after a finished SafeShutdownSequence).
    if (values.json) io.stdout.write(JSON.stringify({ role, end: out, summary: s, ...(role === 'pev' ? { responseTimesMs: lat } : {}), ...(lockAtExit.state !== undefined ? { connectorLock: lockAtExit.state } : {}), ...(evseStats ? { lateResponses: evseStats.lateResponses } : {}) }) + '\n');
    else {
      io.stdout.write(formatSummary(s, out) + '\n');
      if (evseStats && evseStats.lateResponses > 0) io.stdout.write(`  ${evseStats.lateResponses} response(s) later than V2G_SECC_Msg_Performance_Time (see the log)\n`);
      for (const [k, v] of Object.entries(lat)) io.stdout.write(`  ${k}Res after ${v.p50} ms (p50), ${v.p99} ms (p99), n=${v.n}\n`);
    }
    lockSub?.unsubscribe();
    bridge.close();
    liveness.stop();
    process.off('SIGUSR1', onUsr1);
    stack.dispose();
    // The last frames (the final response, the FINs of the closed connection) reach the capture
    // tap after the session ended: let it go quiet (CAPTURE_QUIET_MS, at most CAPTURE_DRAIN_MS)
    // before the record is closed, or a charger's record ends with a request and no response.
    if (capture) {
      const t0 = performance.now();
      do await new Promise((r) => setTimeout(r, 20));
      while (performance.now() - t0 < CAPTURE_DRAIN_MS && performance.now() - Math.max(t0, lastCaptured) < CAPTURE_QUIET_MS);
    }
    recorder?.stop();
    await forwarding?.close();
    await display?.close();
    capture?.close();
    logger.flush();
    syslog?.close();
    ethernet.close();
    evseSafety?.stop();
    await evRt?.close();
    await board.value.close();
  };
  bridge.ready();
  const out = await done.catch((e: unknown) => ({ end: 'Crashed', reason: errorMessage(e) }));
  if (stopping) return bridge.stopped; // 0 after a completed safe shutdown, 1 otherwise
  // The session ended on its own (--once): the same confirmation as the SIGTERM path, so the
  // process never exits while the connector is still unlocking.
  const safe = await leaveCarSafe('session end');
  if (stopping) return bridge.stopped; // a SIGTERM arrived meanwhile and ran its own stop
  await finish(out);
  return safe && (out.end === 'ChargingFinished' || out.end === 'SessionStopped') ? 0 : 1;
}

/** The CCS-to-CHAdeMO bridge for `tsplc pev` on a board with CAN and the CHAdeMO signals (raspberry-pi-can). */
async function startChademoBridge(
  c: TsplcConfig,
  board: Board,
  status: StatusBus,
  log: Logger,
  stack: () => EvRoleStack | EvseRoleStack | undefined,
): Promise<Result<import('./chademo.js').ChademoBridge, string>> {
  if (!board.chademo || !board.ev)
    return err(`ev.battery_source = "chademo" needs a board with CAN and the CHAdeMO sequence signals (general.board = "raspberry-pi-can"); board ${board.name} has none`);
  const { createChademoBridge } = await import('./chademo.js');
  const { chademoBridgeConfigFrom } = await import('../chademo/config.js');
  const bridge = createChademoBridge({
    config: chademoBridgeConfigFrom(c.chademo),
    can: board.chademo.can,
    signals: board.chademo.signals,
    hw: board.ev,
    logger: log,
    report: (u) => status.report(u),
    prechargeVoltageDelta: c.v2g.precharge_voltage_delta,
    stopCcs: (reason) => {
      const s = stack();
      if (s?.actor.getSnapshot().status === 'active') s.actor.send({ type: 'STOP', reason });
    },
  });
  // The CHAdeMO side starts with the CCS session (SupportedAppProtocol, checkpoint 400), as in the sim.
  status.updates$.subscribe((u) => {
    bridge.onStatus(u);
    if (u.checkpoint === Checkpoint.SupportedAppProtocolReq && bridge.actor.getSnapshot().value === 'idle') queueMicrotask(() => bridge.start());
  });
  return ok(bridge);
}
