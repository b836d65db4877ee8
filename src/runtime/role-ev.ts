// `tsplc pev` on top of the shared start-up (role.ts): the CHAdeMO bridge when the battery source
// is a CHAdeMO car, the EV hardware composition (battery source, MQTT, safety monitor:
// ev-hardware.ts), the latency figures, and the EV stack. Everything acquired is registered in the
// role's Resources, so a failure here leaves nothing open.
import type { Board } from '../../boards/index.js';
import { v2gEvMachine } from '../../machines/v2g-ev/index.js';
import { Checkpoint } from '../checkpoints.js';
import { safeShutdownTimingsOf, slacEvTimingsOf } from '../config/index.js';
import type { TsplcConfig } from '../config/schema.js';
import type { EvHardware } from '../ports/hardware.js';
import type { Logger } from '../ports/log.js';
import { err, ok, type Result } from '../result.js';
import type { StatusBus } from '../status.js';
import { simulationTap } from './car-requests.js';
import type { ChademoBridge } from './chademo.js';
import { prepareEvHardware } from './ev-hardware.js';
import { latencyTracker, type LatencyTracker } from './latency.js';
import type { Resources } from './resources.js';
import type { RoleArgs } from './role-args.js';
import { v2gEvConfigOf } from './session-config.js';
import { createEvStack, type EvRoleStack, type EvStackOptions } from './stack.js';
import type { WireRecord } from './v2g-transport.js';

/** What both roles' stacks take from the shared start-up. */
export type SharedStackOptions = Pick<EvStackOptions, 'logger' | 'status' | 'net' | 'ethernet' | 'codec' | 'oneShot' | 'modem' | 'connection'>;

export interface RoleSetup {
  readonly args: RoleArgs;
  readonly config: TsplcConfig;
  readonly board: Board;
  readonly log: Logger;
  readonly status: StatusBus;
  readonly scope: Resources;
  readonly stack: SharedStackOptions;
  /** The role's own MAC (the EVCCID default). */
  readonly mac: Uint8Array;
  /** The wire taps of the shared start-up (session records, display). */
  readonly taps: readonly ((r: WireRecord) => void)[];
}

export interface EvRole {
  readonly side: 'ev';
  readonly stack: EvRoleStack;
  /** The ports the session, the SafeShutdownSequence and the monitor use. */
  readonly hw: EvHardware;
  readonly latency: LatencyTracker;
}

export async function composeEv(s: RoleSetup): Promise<Result<EvRole, string>> {
  const { config: c, board, log, status, scope } = s;
  if (!board.ev) return err(`board ${board.name} has no EV hardware`);
  // The bridge's stop of the CCS side needs the stack, which is created after the bridge.
  const started: { stack?: EvRoleStack } = {};
  // ev.battery_source = "chademo": the CCS session is driven by a CHAdeMO car (src/runtime/chademo.ts); its
  // bridged EV hardware is then what the battery source, MQTT and the safety monitor compose around.
  let bridge: ChademoBridge | undefined;
  if (c.ev.battery_source === 'chademo') {
    const b = await startChademoBridge(c, board, status, log, scope, () => started.stack);
    if (!b.ok) return b;
    bridge = b.value;
  }
  // The sim board alone: its simulated charger follows the car's own requests (boards/sim/mirror.ts), so the
  // inlet is a mirror of those requests, not a measurement of a charger.
  const simulation = simulationTap(board, 'tx');
  const mirroredInlet = simulation !== undefined;
  const prepared = await prepareEvHardware({ board, config: c, logger: log, status, mirroredInlet, ...(bridge ? { ev: bridge.evHardware } : {}) });
  if (!prepared.ok) return err(prepared.error.message);
  const evRt = scope.adopt('EV hardware', prepared.value, (h) => h.close());
  const latency = latencyTracker();
  const taps = [...(bridge ? [(r: WireRecord) => bridge.onWire(r)] : []), (r: WireRecord) => latency.onWire(r), ...(simulation ? [simulation] : []), ...s.taps, (r: WireRecord) => evRt.onWire(r)];
  const a = s.args;
  const stack = createEvStack({
    ...s.stack,
    hw: evRt.hw,
    session: v2gEvMachine,
    v2g: {
      ...v2gEvConfigOf(c, s.mac, { ...(a.protocol ? { protocol: a.protocol } : {}), ...(a.mode ? { mode: a.mode } : {}), ...(a.socTarget !== undefined ? { socTarget: a.socTarget } : {}), mirroredInlet }),
      // Bridged: the CHAdeMO car decides the end of the charge.
      ...(bridge ? { socTarget: 100 } : {}),
    },
    safeShutdown: safeShutdownTimingsOf(c),
    sdp: { SDP_retry_interval: c.sdp.SDP_retry_interval, SDP_max_requests: c.sdp.SDP_max_requests },
    slac: { timings: slacEvTimingsOf(c) },
    onWire: (r) => {
      for (const t of taps) t(r);
    },
  });
  started.stack = stack;
  scope.defer('EV stack', () => stack.dispose());
  evRt.bind(stack.actor);
  return ok({ side: 'ev', stack, hw: evRt.hw, latency });
}

/** The CCS-to-CHAdeMO bridge for `tsplc pev` on a board with CAN and the CHAdeMO signals (raspberry-pi-can). */
async function startChademoBridge(c: TsplcConfig, board: Board, status: StatusBus, log: Logger, scope: Resources, stack: () => EvRoleStack | undefined): Promise<Result<ChademoBridge, string>> {
  if (!board.chademo || !board.ev)
    return err(`ev.battery_source = "chademo" needs a board with CAN and the CHAdeMO sequence signals (general.board = "raspberry-pi-can"); board ${board.name} has none`);
  const { createChademoBridge } = await import('./chademo.js');
  const { chademoBridgeConfigFrom } = await import('../domain/chademo/config.js');
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
  scope.defer('CHAdeMO bridge', () => bridge.dispose());
  // The CHAdeMO side starts with the CCS session (SupportedAppProtocol, checkpoint 400), as in the sim.
  const sub = status.updates$.subscribe((u) => {
    bridge.onStatus(u);
    if (u.checkpoint === Checkpoint.SupportedAppProtocolReq && bridge.actor.getSnapshot().value === 'idle') queueMicrotask(() => bridge.start());
  });
  scope.defer('CHAdeMO status feed', () => sub.unsubscribe());
  return ok(bridge);
}
