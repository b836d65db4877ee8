// Whole link-layer sessions over one EthernetPort, for the runtime and the
// connection manager: modem management + SLAC composed, each step its own
// actor, the port bridged to whichever actor is running. Pure (xstate, rxjs):
// time comes from the given clock (real time by default).
import { createActor, fromPromise, toPromise, type AnyActorRef } from 'xstate';
import { modemManagerMachine, type ConfirmMethod, type ModemManagerOutput } from '../../machines/modem-manager/index.js';
import { slacEvMachine, type SlacEvOutput } from '../../machines/slac-ev/index.js';
import { slacEvseMachine, type SlacEvseOutput } from '../../machines/slac-evse/index.js';
import type { EthernetPort } from '../ports/ethernet.js';
import { nullLogger, type Logger } from '../ports/log.js';
import type { StatusUpdate } from '../status.js';
import { bridgePort } from './bridge.js';
import type { OutgoingMme } from './messages.js';
import type { ModemTimings, SlacEvTimings, SlacEvseTimings } from './timing.js';

/** XState's actor clock (SimulatedClock in tests); xstate does not export the type. */
export interface Clock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
}

export interface SessionCommon {
  /** Aborting stops the running step (its machine gets STOP and ends with { ok: false, reason: 'stopped' }). */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  readonly report?: (u: StatusUpdate) => void;
  readonly clock?: Clock;
  readonly modemTimings?: Partial<ModemTimings>;
  readonly confirmBy?: ConfirmMethod;
}

/** Runs one actor with the port bridged to it and returns its output. */
async function runOn<O>(port: EthernetPort, make: (send: (o: OutgoingMme) => void) => AnyActorRef, logger: Logger, signal?: AbortSignal): Promise<O> {
  const ref: { a?: AnyActorRef } = {};
  const bridge = bridgePort(port, () => ref.a, { logger });
  const stop = (): void => ref.a?.send({ type: 'STOP' });
  try {
    const a = make(bridge.send);
    ref.a = a;
    a.start();
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop);
    return (await toPromise(a)) as O;
  } finally {
    signal?.removeEventListener('abort', stop);
    bridge.close();
  }
}

export type EvSessionResult = { readonly modem?: ModemManagerOutput; readonly slac: SlacEvOutput; readonly join?: ModemManagerOutput };

/**
 * The car: [modem discovery by VS_SW_VER with `discover`], SLAC as EV, then (unless `join` is false) CM_SET_KEY of the
 * received NMK/NID into the own modem and confirmation of the AVLN.
 */
export async function runEvSession(
  port: EthernetPort,
  options: SessionCommon & { timings?: Partial<SlacEvTimings>; validate?: boolean; join?: boolean; discover?: boolean; runId?: Uint8Array } = {},
): Promise<EvSessionResult> {
  const logger = (options.logger ?? nullLogger).child('slac');
  const clock = options.clock ? { clock: options.clock } : {};
  // pyPLC's modem finder comes first: without a modem there is nobody to sound through.
  let modem: ModemManagerOutput | undefined;
  if (options.discover) {
    modem = await runOn<ModemManagerOutput>(
      port,
      (send) =>
        createActor(modemManagerMachine, {
          ...clock,
          input: { task: 'discover', role: 'ev', send, logger: logger.child('modem'), ...(options.report ? { report: options.report } : {}), ...(options.modemTimings ? { timings: options.modemTimings } : {}) },
        }),
      logger,
      options.signal,
    );
    if (!modem.ok) return { modem, slac: { ok: false, reason: `no modem: ${modem.reason}`, state: 'Discovering' } };
  }
  const slac = await runOn<SlacEvOutput>(
    port,
    (send) =>
      createActor(slacEvMachine, {
        ...clock,
        input: {
          mac: port.mac,
          send,
          logger,
          ...(options.report ? { report: options.report } : {}),
          ...(options.timings ? { timings: options.timings } : {}),
          ...(options.validate !== undefined ? { validate: options.validate } : {}),
          ...(options.runId ? { runId: options.runId } : {}),
        },
      }),
    logger,
    options.signal,
  );
  if (!slac.ok || options.join === false) return { ...(modem ? { modem } : {}), slac };
  const join = await runOn<ModemManagerOutput>(
    port,
    (send) =>
      createActor(modemManagerMachine, {
        ...clock,
        input: {
          task: 'join',
          role: 'ev',
          nmk: slac.nmk,
          nid: slac.nid,
          send,
          logger: logger.child('modem'),
          ...(options.report ? { report: options.report } : {}),
          ...(options.modemTimings ? { timings: options.modemTimings } : {}),
          ...(options.confirmBy ? { confirmBy: options.confirmBy } : {}),
        },
      }),
    logger,
    options.signal,
  );
  return { ...(modem ? { modem } : {}), slac, join };
}

export type EvseSessionResult = { readonly key: ModemManagerOutput; readonly slac?: SlacEvseOutput };

/**
 * The charger: a fresh random NMK (NID derived) into the own modem
 * (checkpoint 1), then SLAC as EVSE handing that NMK/NID to the car.
 */
export async function runEvseSession(
  port: EthernetPort,
  options: SessionCommon & { timings?: Partial<SlacEvseTimings>; nmk?: Uint8Array; attenuationFallback?: Uint8Array | null; validation?: boolean } = {},
): Promise<EvseSessionResult> {
  const logger = (options.logger ?? nullLogger).child('slac');
  const clock = options.clock ? { clock: options.clock } : {};
  const key = await runOn<ModemManagerOutput>(
    port,
    (send) =>
      createActor(modemManagerMachine, {
        ...clock,
        input: {
          task: 'join',
          role: 'evse',
          send,
          logger: logger.child('modem'),
          ...(options.nmk ? { nmk: options.nmk } : {}),
          ...(options.report ? { report: options.report } : {}),
          ...(options.modemTimings ? { timings: options.modemTimings } : {}),
          ...(options.confirmBy ? { confirmBy: options.confirmBy } : {}),
        },
      }),
    logger,
    options.signal,
  );
  if (!key.ok || !key.nmk || !key.nid) return { key };
  const { nmk, nid } = key;
  const slac = await runOn<SlacEvseOutput>(
    port,
    (send) =>
      createActor(slacEvseMachine, {
        ...clock,
        input: {
          mac: port.mac,
          nid,
          nmk,
          send,
          logger,
          ...(options.report ? { report: options.report } : {}),
          ...(options.timings ? { timings: options.timings } : {}),
          ...(options.attenuationFallback !== undefined ? { attenuationFallback: options.attenuationFallback } : {}),
          ...(options.validation !== undefined ? { validation: options.validation } : {}),
        },
      }),
    logger,
    options.signal,
  );
  return { key, slac };
}

/** What the connection manager's `modem` and `slac` children output ({ ok } plus facts). */
export type LayerResult = { readonly ok: true; readonly [fact: string]: unknown } | { readonly ok: false; readonly reason: string; readonly [fact: string]: unknown };

/**
 * Actor logic for the connection manager's children, closed over the port:
 * `.provide({ actors: { modem: evModemLogic(port, o), slac: evSlacLogic(port, o) } })`.
 * Stopping the child (leaving the parent's state) aborts the running step.
 */
export function evModemLogic(port: EthernetPort, options: SessionCommon = {}) {
  return fromPromise<LayerResult>(async ({ signal }) => {
    const logger = (options.logger ?? nullLogger).child('modem');
    const clock = options.clock ? { clock: options.clock } : {};
    const o = await runOn<ModemManagerOutput>(
      port,
      (send) =>
        createActor(modemManagerMachine, {
          ...clock,
          input: { task: 'discover', role: 'ev', send, logger, ...(options.report ? { report: options.report } : {}), ...(options.modemTimings ? { timings: options.modemTimings } : {}) },
        }),
      logger,
      signal,
    );
    return o.ok ? { ok: true, modemMac: o.modemMac, firmware: o.firmware } : { ok: false, reason: o.reason, state: o.state };
  });
}

/** SLAC as EV and joining the EVSE's AVLN, as one layer. */
export function evSlacLogic(port: EthernetPort, options: Omit<Parameters<typeof runEvSession>[1] & object, 'signal' | 'discover'> = {}) {
  return fromPromise<LayerResult>(async ({ signal }) => {
    const r = await runEvSession(port, { ...options, signal, discover: false });
    if (!r.slac.ok) return { ok: false, reason: r.slac.reason, state: r.slac.state };
    if (r.join && !r.join.ok) return { ok: false, reason: `joining the AVLN: ${r.join.reason}`, state: r.join.state };
    return { ok: true, nid: r.slac.nid, nmk: r.slac.nmk, evseMac: r.slac.evseMac, runId: r.slac.runId, attenuation: r.slac.attenuation, modems: r.join?.ok ? r.join.modems : undefined };
  });
}

/** The EVSE's session key into its modem, then SLAC as EVSE, as one layer. */
export function evseSlacLogic(port: EthernetPort, options: Omit<Parameters<typeof runEvseSession>[1] & object, 'signal'> = {}) {
  return fromPromise<LayerResult>(async ({ signal }) => {
    const r = await runEvseSession(port, { ...options, signal });
    if (!r.key.ok) return { ok: false, reason: `session key: ${r.key.reason}`, state: r.key.state };
    if (!r.slac) return { ok: false, reason: 'no SLAC run', state: 'Joining' };
    if (!r.slac.ok) return { ok: false, reason: r.slac.reason, state: r.slac.state };
    return { ok: true, nid: r.slac.nid, nmk: r.slac.nmk, evMac: r.slac.evMac, runId: r.slac.runId, attenuation: r.slac.attenuation, measured: r.slac.measured };
  });
}
