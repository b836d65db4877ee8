// `tsplc pev` and `tsplc evse` on a real interface: command line → config → board → resources
// (HomePlug socket, IPv6 stack, session records, display) → the role's stack (role-ev.ts,
// role-evse.ts) → systemd (READY after hardware init, WATCHDOG from the root actor's heartbeat,
// STATUS from status$) → run until the session ends or SIGTERM/SIGINT → safe shutdown → close.
// Everything acquired goes into one Resources scope, closed in reverse order on every exit: an
// early failure, a throw, the end of the session, a signal (test/runtime/role-exit.test.ts).
import type { Observable } from 'rxjs';
import type { Actor, AnyStateMachine } from 'xstate';
import { ETHERTYPE_HOMEPLUG } from '../constants.js';
import { connectionTimingsOf, safeShutdownTimingsOf } from '../config/index.js';
import { errorMessage } from '../errors.js';
import type { EthernetPort } from '../ports/ethernet.js';
import type { LogLevel } from '../ports/log.js';
import { StatusBus } from '../status.js';
import { boardNotNamedMessage, formatConfigErrors, loadConfig, type LoadedConfig } from './config-file.js';
import { attachRoleDisplay } from './display.js';
import { onDemandExiCodec } from './exi-codec-on-demand.js';
import { heartbeat, watchLiveness } from './liveness.js';
import { createLogger, isLogLevel } from './logger.js';
import { attachProgress } from './progress.js';
import { Resources } from './resources.js';
import { parseRoleArgs, type Role, type RoleArgs } from './role-args.js';
import type { EvRole, RoleSetup } from './role-ev.js';
import type { EvseRole } from './role-evse.js';
import type { Result } from '../result.js';
import { realRoleIo, type RoleIo } from './role-io.js';
import { boundedStop, forceEvseOutputOff, leaveCarSafe, type RoleEnd } from './role-shutdown.js';
import { formatRoleSummary } from './role-summary.js';
import { modemTimingsOf, oneShotOf } from './session-config.js';
import { openSessionRecords } from './session-records.js';
import { connectSystemd } from './systemd.js';
import type { WireRecord } from './v2g-transport.js';
import { heartbeatPeriodMs, progressBoundsOf } from './watchdog.js';

export { STOP_MARGIN_MS } from './role-shutdown.js';
export { v2gEvConfigOf, v2gEvseConfigOf } from './session-config.js';

export async function runRole(role: Role, argv: string[], io: RoleIo = realRoleIo): Promise<number> {
  const fail = (m: string): number => {
    io.stderr.write(`tsplc ${role}: ${m}\n`);
    return 2;
  };
  const args = parseRoleArgs(role, argv);
  if (!args.ok) return args.error.message !== undefined ? fail(args.error.message) : args.error.exitCode;
  const loaded = loadConfig(args.value.config, io.env);
  if (!loaded.ok) {
    io.stderr.write(formatConfigErrors(loaded.error) + '\n');
    return 2;
  }
  if (!loaded.value.boardNamed) return fail(boardNotNamedMessage);
  const level = loaded.value.config.logging.level;
  if (!isLogLevel(level)) return fail(`bad log level ${level}`);
  const scope = new Resources((what, e) => io.stderr.write(`tsplc ${role}: closing ${what} failed: ${e}\n`));
  try {
    return await runOpened(args.value, loaded.value, level, io, scope, fail);
  } finally {
    await scope.close();
  }
}

/** The role from the logger on; every acquisition is registered in scope, which the caller closes. */
async function runOpened(a: RoleArgs, loaded: LoadedConfig, level: LogLevel, io: RoleIo, scope: Resources, fail: (m: string) => number): Promise<number> {
  const { role } = a;
  const c = loaded.config;
  // Each role loads only its own side (the car's or the charger's V2G machine and hardware): one
  // literal import() each, so the bundle gives them separate chunks (docs/performance.md). Started
  // here, so the chunk loads while the interface and the hardware are opened; awaited at compose
  // (the no-op catch only keeps an early return from leaving the promise unhandled).
  const composeSide: Promise<(s: RoleSetup) => Promise<Result<EvRole | EvseRole, string>>> = role === 'pev' ? import('./role-ev.js').then((m) => m.composeEv) : import('./role-evse.js').then((m) => m.composeEvse);
  composeSide.catch(() => undefined);

  // ---- logging ----------------------------------------------------------------------------
  const syslog = c.logging.udp_syslog ? scope.adopt('UDP syslog', io.syslog(), (s) => s.close()) : undefined;
  const logger = createLogger({
    level,
    format: io.stderr.isTTY ? 'human' : 'json',
    write: (l) => void io.stderr.write(l + '\n'),
    ...(syslog ? { tee: syslog.tee } : {}),
    // A flood of one kind of line (issue 8: a CM_SLAC_PARM.REQ flood) must not flood the journal.
    repeat: { lines: c.logging.repeat_limit, intervalMs: c.logging.repeat_interval },
  });
  scope.defer('log', () => logger.flush());
  const log = logger.child(role);
  scope.reportTo((what, e) => log.log('error', `closing ${what} failed`, { error: e }));
  const onUsr1 = (): void => {
    logger.setLevel(logger.level === 'debug' ? level : 'debug');
    log.log('info', `log level now ${logger.level} (SIGUSR1)`);
  };
  process.on('SIGUSR1', onUsr1);
  scope.defer('SIGUSR1 listener', () => process.off('SIGUSR1', onUsr1));
  log.log('info', 'starting', { interface: c.general.interface, board: c.general.board, config: loaded.path ?? '(defaults)' });

  // ---- board and interface ------------------------------------------------------------------
  const loadedBoard = await io.loadBoard(c.general.board, { role, config: c, logger });
  if (!loadedBoard.ok) return fail(`board: ${loadedBoard.error.message}`);
  const board = scope.adopt('board', loadedBoard.value, (b) => b.close());
  let ethernet: EthernetPort;
  try {
    ethernet = scope.adopt('HomePlug port', io.openPacketPort(c.general.interface, { etherTypes: [ETHERTYPE_HOMEPLUG], logger }), (p) => p.close());
  } catch (e) {
    return fail(`cannot open ${c.general.interface}: ${errorMessage(e)}`);
  }
  const net = io.netStack(c.general.interface, logger);
  if (!net.linkLocalAddress() && c.general.exit_if_no_local_link_address_is_found) return fail(`${c.general.interface} has no IPv6 link-local address`);
  const status = new StatusBus(() => Date.now());

  // ---- session records and display ----------------------------------------------------------
  const taps: ((r: WireRecord) => void)[] = [];
  if (c.logging.session_records_dir) {
    try {
      const records = openSessionRecords({
        dir: c.logging.session_records_dir,
        role,
        maxMb: c.logging.session_records_max_mb,
        maxSessionMb: c.logging.session_record_max_mb,
        foreignFps: c.logging.session_record_foreign_fps,
        ownMac: ethernet.mac,
        interfaceName: c.general.interface,
        logger: log.child('record'),
        status,
        openCapture: () => io.openPacketPort(c.general.interface, { etherTypes: [], includeOutgoing: true, logger }),
      });
      scope.defer('session records', () => records.close());
      taps.push((r) => records.wire(r));
    } catch (e) {
      log.log('error', 'session records disabled', { error: errorMessage(e) });
    }
  }
  // Status display (docs/display.md): never a reason not to charge, so it only logs when it fails.
  const display = await attachRoleDisplay(role, c, board, status, log, { mac: ethernet.mac, ipv6: net.linkLocalAddress() });
  if (display) {
    scope.defer('display', () => display.close());
    taps.push((r) => display.onWire(r));
  }

  // ---- the role's stack -----------------------------------------------------------------------
  const setup: RoleSetup = {
    args: a,
    config: c,
    board,
    log,
    status,
    scope,
    mac: ethernet.mac,
    taps,
    stack: { logger: log, status, net, ethernet, codec: onDemandExiCodec(), oneShot: oneShotOf(role, a.once, c), connection: connectionTimingsOf(c), modem: { timings: modemTimingsOf(c) } },
  };
  const composed = await (await composeSide)(setup);
  if (!composed.ok) return fail(composed.error);
  const side = composed.value;
  const { stack } = side;
  const evHw = side.side === 'ev' ? side.hw : undefined;
  const latency = side.side === 'ev' ? side.latency : undefined;
  const evseHw = side.side === 'evse' ? side.hw : undefined;
  const evseStats = side.side === 'evse' ? side.stack.stats : undefined;

  // ---- systemd: READY now (hardware and interface are open), WATCHDOG from a heartbeat the root actor
  // must process and that stops when the layer it is in makes no progress within its bound
  // (src/runtime/liveness.ts: a wedged child stops the pings), STATUS from status$.
  const notifier = io.notifier(io.env, { logger });
  const actor: Actor<AnyStateMachine> = stack.actor;
  const liveness = watchLiveness({ actor, progress$: status.updates$, now: () => performance.now(), logger: log.child('watchdog'), bounds: progressBoundsOf(role, c) });
  scope.defer('liveness watch', () => liveness.stop());
  const heartbeat$: Observable<number> = heartbeat(actor, liveness, heartbeatPeriodMs(notifier.watchdogIntervalMs));
  let leftSafe = false;
  const safe = async (why: string): Promise<boolean> => {
    const r = await leaveCarSafe({ hw: evHw, settled: () => stack.shutdownSettled(), timings: safeShutdownTimingsOf(c), logger: log, report: (u) => status.report(u) }, why);
    leftSafe = true;
    return r;
  };
  // Closers run in reverse order, so this runs before the stack is disposed: an exit that did not
  // go through a stop (a throw after the stack started) still leaves the outputs in the safe order.
  scope.defer('outputs safe', async () => {
    if (leftSafe) return;
    if (evseHw) forceEvseOutputOff(evseHw, log);
    await safe('exit without a stop');
  });
  let stopping = false;
  let shutdownFailed = false;
  const systemd = connectSystemd({
    notifier,
    status$: status.status$,
    heartbeat$,
    logger,
    onStop: async (signal) => {
      stopping = true;
      log.log('info', `${signal}: stopping the session through SafeShutdown`);
      // Bounded whatever state the actors are in; past the bound the output is forced safe here and we exit anyway.
      const { end: out, overdue } = await boundedStop(() => stack.stop(signal), signal, c.connection.safe_shutdown_timeout);
      if (overdue) {
        shutdownFailed = true;
        log.log('error', out.reason);
        if (evseHw) forceEvseOutputOff(evseHw, log);
      }
      log.log('info', 'stopped', { end: out.end, reason: out.reason });
      if (!(await safe(signal))) shutdownFailed = true;
      await finish(out);
      if (shutdownFailed) throw new Error('safe shutdown did not finish');
    },
    exit: io.exit,
  });
  scope.defer('systemd bridge and signal handlers', () => systemd.close());

  // ---- live progress and the summary at the end ----------------------------------------------
  const progress = attachProgress({
    role: role === 'pev' ? 'EV' : 'EVSE',
    status,
    ...(evHw ? { hw: evHw } : {}),
    ...(evseHw ? { supply$: evseHw.powerSupply.reading$ } : {}),
    now: () => Date.now(),
    tty: io.stdout.isTTY === true && !a.json,
    write: (t) => void (a.json ? 0 : io.stdout.write(t)),
  });
  let progressStopped = false;
  const stopProgress = (): void => {
    if (progressStopped) return;
    progressStopped = true;
    progress.stop();
  };
  scope.defer('progress line', stopProgress);
  const lockAtExit: { state?: string } = {};
  const lockSub = evHw?.connectorLock?.state$.subscribe((st) => (lockAtExit.state = st));
  if (lockSub) scope.defer('lock feedback', () => lockSub.unsubscribe());
  let finished = false;
  const finish = async (end: RoleEnd): Promise<void> => {
    if (finished) return;
    finished = true;
    stopProgress();
    io.stdout.write(
      formatRoleSummary(
        {
          role,
          end,
          summary: progress.summary(),
          latency: latency?.stats() ?? {},
          ...(lockAtExit.state !== undefined ? { connectorLock: lockAtExit.state } : {}),
          ...(evseStats ? { lateResponses: evseStats.lateResponses } : {}),
        },
        a.json,
      ),
    );
    await scope.close();
  };

  // ---- run -------------------------------------------------------------------------------------
  systemd.ready();
  // The stack's output as it came: its extra fields (attempts, sessions, session) go into the --json summary.
  const out: RoleEnd = await stack.done.catch((e: unknown) => ({ end: 'Crashed', reason: errorMessage(e) }));
  if (stopping) return systemd.stopped; // 0 after a completed safe shutdown, 1 otherwise
  // The session ended on its own (--once): the same confirmation as the SIGTERM path, so the
  // process never exits while the connector is still unlocking.
  const carSafe = await safe('session end');
  if (stopping) return systemd.stopped; // a SIGTERM arrived meanwhile and ran its own stop
  await finish(out);
  return carSafe && (out.end === 'ChargingFinished' || out.end === 'SessionStopped') ? 0 : 1;
}
