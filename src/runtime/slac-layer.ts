// The lower layers as connection-manager children: the modem-manager and the
// SLAC machines run on an EthernetPort through the MME bridge.
//
//   EV   'modem': discover our modem (VS_SW_VER, checkpoint 6/7)
//        'slac' : slac-ev (100 … 160) → modem-manager join with the received
//                 NMK/NID (170 SET_KEY, 180 restart, 190 AVLN)
//   EVSE 'modem': modem-manager join with a fresh random NMK (checkpoint 1)
//        'slac' : slac-evse with that NMK/NID (101 … 155)
//
// Each is a promise actor that owns one inner machine at a time on the same
// clock; aborting the promise (the connection manager left the state) stops
// the inner actor and unhooks it from the port, so nothing keeps running.
import { createActor, fromPromise, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { modemManagerMachine, type ModemManagerOutput } from '../../machines/modem-manager/index.js';
import { slacEvMachine, type SlacEvOutput } from '../../machines/slac-ev/index.js';
import { slacEvseMachine, type SlacEvseOutput } from '../../machines/slac-evse/index.js';
import { bridgePort } from '../domain/slac/bridge.js';
import type { Clock } from '../ports/clock.js';
import type { EthernetPort } from '../ports/ethernet.js';
import type { Logger } from '../ports/log.js';
import type { StatusUpdate } from '../status.js';
import { crashFailure, layerFailure, type LayerFailure } from '../domain/connection/failure.js';

export interface LowerLayerOptions {
  readonly port: EthernetPort;
  /** The actors' clock (SimulatedClock in tests; without it XState's own timers). */
  readonly clock?: Clock;
  readonly logger: Logger;
  readonly report: (u: StatusUpdate) => void;
  /** Extra input for the modem-manager (timings, confirm method). */
  readonly modem?: Record<string, unknown>;
  /** Extra input for the SLAC machines (timings, validate, ...). */
  readonly slac?: Record<string, unknown>;
}

/** What a lower-layer actor gives the connection manager when it failed. */
export type LayerFailed = { readonly ok: false; readonly failure: LayerFailure };

/**
 * Runs one machine on the port until it is done; aborting stops it. Resolves with its output, or with
 * ACTOR_CRASHED if the inner machine crashed (it is not a child of the manager, so its crash would
 * otherwise be invisible there) and LAYER_STOPPED when aborted.
 */
export function runOnPort<O>(logic: AnyActorLogic, input: Record<string, unknown>, opts: LowerLayerOptions, signal: AbortSignal): Promise<O | LayerFailed> {
  return new Promise((resolve) => {
    const ref: { a?: AnyActorRef } = {};
    const bridge = bridgePort(opts.port, () => ref.a, { logger: opts.logger });
    const actor = createActor(logic, { input: { ...input, send: bridge.send, report: opts.report, logger: opts.logger }, ...(opts.clock ? { clock: opts.clock } : {}) });
    ref.a = actor;
    const finish = (v: O | LayerFailed): void => {
      bridge.close();
      sub.unsubscribe();
      resolve(v);
    };
    const sub = actor.subscribe({
      next: (s) => {
        if (s.status === 'done') finish(s.output as O);
      },
      error: (e) => finish({ ok: false, failure: crashFailure(e) }),
    });
    signal.addEventListener('abort', () => {
      actor.stop();
      finish({ ok: false, failure: layerFailure('LAYER_STOPPED', 'aborted') });
    });
    actor.start();
  });
}

export function evModemActor(opts: LowerLayerOptions) {
  return fromPromise<ModemManagerOutput | LayerFailed>(({ signal }) => runOnPort<ModemManagerOutput>(modemManagerMachine, { task: 'discover', role: 'ev', ...opts.modem }, opts, signal));
}

export function evSlacActor(opts: LowerLayerOptions) {
  return fromPromise<{ ok: true; evseMac: Uint8Array; nid: Uint8Array; nmk: Uint8Array; attenuation: number; modems: number; firmware: string } | LayerFailed>(async ({ signal }) => {
    const slac = await runOnPort<SlacEvOutput>(slacEvMachine, { mac: opts.port.mac, ...opts.slac }, opts, signal);
    if (!slac.ok) return { ok: false, failure: slac.failure };
    // The join's modem codes (MODEM_NO_AVLN, ...) stay as they are: the manager reports them under 'slac', the step they ran in.
    const join = await runOnPort<ModemManagerOutput>(modemManagerMachine, { task: 'join', role: 'ev', nmk: slac.nmk, nid: slac.nid, ...opts.modem }, opts, signal);
    if (!join.ok) return { ok: false, failure: { ...join.failure, detail: `joining the AVLN: ${join.failure.detail}` } };
    // modems/firmware: what the AVLN confirmation saw (2 = our modem and the charger's), for the log and the tests.
    return { ok: true, evseMac: slac.evseMac, nid: slac.nid, nmk: slac.nmk, attenuation: slac.attenuation, modems: join.modems, firmware: join.firmware };
  });
}

/** The EVSE's session key lives from the modem step to the SLAC step of one attempt. */
export interface EvseKeyHolder {
  nmk?: Uint8Array;
  nid?: Uint8Array;
}

export function evseModemActor(opts: LowerLayerOptions, key: EvseKeyHolder) {
  return fromPromise<ModemManagerOutput | LayerFailed>(async ({ signal }) => {
    const r = await runOnPort<ModemManagerOutput>(modemManagerMachine, { task: 'join', role: 'evse', ...opts.modem }, opts, signal);
    if (r.ok && r.nmk && r.nid) {
      key.nmk = r.nmk;
      key.nid = r.nid;
    } else if (r.ok) return { ok: false, failure: layerFailure('MODEM_NO_KEY', 'modem joined without reporting NMK/NID') };
    return r;
  });
}

export function evseSlacActor(opts: LowerLayerOptions, key: EvseKeyHolder) {
  return fromPromise<SlacEvseOutput | LayerFailed>(async ({ signal }) => {
    if (!key.nmk || !key.nid) return { ok: false, failure: layerFailure('SLAC_NO_KEY', 'no session key (modem step did not run)') };
    return runOnPort<SlacEvseOutput>(slacEvseMachine, { mac: opts.port.mac, nmk: key.nmk, nid: key.nid, ...opts.slac }, opts, signal);
  });
}
