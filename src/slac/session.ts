// Whole link-layer sessions over one EthernetPort, for the runtime and the
// connection manager: modem management + SLAC composed, each step its own
// actor, the port bridged to whichever actor is running. Pure (xstate, rxjs):
// time comes from the given clock (real time by default).
import { createActor, toPromise, type AnyActorRef } from 'xstate';
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
  readonly logger?: Logger;
  readonly report?: (u: StatusUpdate) => void;
  readonly clock?: Clock;
  readonly modemTimings?: Partial<ModemTimings>;
  readonly confirmBy?: ConfirmMethod;
}

/** Runs one actor with the port bridged to it and returns its output. */
async function runOn<O>(port: EthernetPort, make: (send: (o: OutgoingMme) => void) => AnyActorRef, logger: Logger): Promise<O> {
  const ref: { a?: AnyActorRef } = {};
  const bridge = bridgePort(port, () => ref.a, { logger });
  try {
    const a = make(bridge.send);
    ref.a = a;
    a.start();
    return (await toPromise(a)) as O;
  } finally {
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
  );
  return { key, slac };
}
