// slac-evse: the charger's side of ISO 15118-3 SLAC as an XState v5
// statechart. No I/O: frames leave through the injected `send`, arrive as
// { type: 'MME', msg, from } events; time only through named delays.
//
// CM_SLAC_PARM.REQ → .CNF (101) → CM_START_ATTEN_CHAR.IND → sounds and
// CM_ATTEN_PROFILE.IND from the own modem during TT_EVSE_match_MNBC (110) →
// CM_ATTEN_CHAR.IND with the averaged profile (120), re-sent until
// CM_ATTEN_CHAR.RSP → [CM_VALIDATE] → CM_SLAC_MATCH.REQ → .CNF with the
// NID/NMK already set into the own modem (155).
//
// Which car: ISO 15118-3 keys a SLAC session by RunID and the EV's MAC. Until a car starts
// sounding, every valid CM_SLAC_PARM.REQ is answered and remembered as a candidate (at most
// MAX_CANDIDATES, the latest kept); the first candidate whose CM_START_ATTEN_CHAR.IND /
// CM_MNBC_SOUND.IND (its MAC, its RunID) or CM_ATTEN_PROFILE.IND (its MAC) arrives is the car
// of this session. From then on only that car's CM_SLAC_PARM.REQ restarts the session; those of
// other MACs are not answered — we cannot sound with them, and a CNF would only make them wait
// for a CM_ATTEN_CHAR.IND we never send (another charger's car hears us through crosstalk and
// picks the charger that answers it). Issue 8: before this, CM_SLAC_PARM.REQ from other MACs at
// 2/s restarted the session, so a real car never got a usable CM_ATTEN_CHAR.IND. A candidate
// that never sounds costs nothing: after TT_match_sequence the machine waits for the next
// CM_SLAC_PARM.REQ again instead of failing (a failure re-keys the modem and backs off).
import { assign, setup } from 'xstate';
import { bytesEqual, formatMac } from '../../src/bytes.js';
import type { Logger } from '../../src/ports/log.js';
import { nullLogger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import { reportAndLog } from '../../src/domain/slac/report.js';
import { averageProfiles, meanAttenuation, syntheticAttenuation } from '../../src/domain/slac/attenuation.js';
import { BROADCAST, ValidateResult, type HomePlugMessage, type Mac, type MmeEvent, type OutgoingMme } from '../../src/domain/slac/messages.js';
import { slacEvseDefaults, type SlacEvseTimings } from '../../src/domain/slac/timing.js';
import { Checkpoint } from '../../src/checkpoints.js';
import { layerFailure, type LayerFailure, type SlacFailureCode } from '../../src/domain/connection/failure.js';

export interface SlacEvseInput {
  /** Our host MAC (EVSE_MAC, SOURCE of CM_ATTEN_CHAR.IND). */
  readonly mac: Mac;
  /** The NID and NMK set into our modem for this session (modem-manager draws them). */
  readonly nid: Uint8Array;
  readonly nmk: Uint8Array;
  /** 17-byte EVSE_ID / SOURCE_ID (zero when unknown). */
  readonly evseId?: Uint8Array;
  readonly timings?: Partial<SlacEvseTimings>;
  /**
   * Attenuation reported when the modem sends no CM_ATTEN_PROFILE.IND (AR7420).
   * Default: pyPLC's 9 dB with the Alpitronic tail. null: fail instead.
   */
  readonly attenuationFallback?: Uint8Array | null;
  /** Take part in CM_VALIDATE (count CP toggles). Default: answer "not required". */
  readonly validation?: boolean;
  readonly send: (out: OutgoingMme) => void;
  readonly report?: (update: StatusUpdate) => void;
  readonly logger?: Logger;
}

export type SlacEvseOutput =
  | {
      readonly ok: true;
      readonly nid: Uint8Array;
      readonly nmk: Uint8Array;
      readonly evMac: Mac;
      readonly runId: Uint8Array;
      /** Mean attenuation sent in CM_ATTEN_CHAR.IND, dB. */
      readonly attenuation: number;
      /** Whether it came from the modem's profiles (false: synthetic). */
      readonly measured: boolean;
    }
  | { readonly ok: false; readonly failure: LayerFailure<SlacFailureCode | 'LAYER_STOPPED' | 'NO_OUTPUT'>; readonly state: string };

/** CP_TOGGLE: one completed B-C-B toggle seen on the control pilot (for CM_VALIDATE). */
export type SlacEvseEvent = MmeEvent | { readonly type: 'STOP' } | { readonly type: 'CP_TOGGLE' };

/** Answered CM_SLAC_PARM.REQs kept while no car sounds: bounds memory under a flood of foreign MACs. */
export const MAX_CANDIDATES = 8;

interface Candidate {
  readonly mac: Mac;
  readonly runId: Uint8Array;
}

interface Ctx {
  readonly mac: Mac;
  readonly nid: Uint8Array;
  readonly nmk: Uint8Array;
  readonly evseId: Uint8Array;
  readonly t: SlacEvseTimings;
  readonly fallback: Uint8Array | null;
  readonly validation: boolean;
  readonly send: (out: OutgoingMme) => void;
  readonly report: (update: StatusUpdate) => void;
  readonly logger: Logger;
  /** The car of this session (null until a candidate starts sounding). */
  evMac: Mac | null;
  runId: Uint8Array | null;
  /** Answered CM_SLAC_PARM.REQs, latest first, while evMac is null. */
  candidates: readonly Candidate[];
  /** CM_SLAC_PARM.REQs of other MACs left unanswered while matching a car (for the result and the log). */
  ignoredParms: number;
  pevId: Uint8Array;
  profiles: Uint8Array[];
  sounds: number;
  aag: Uint8Array | null;
  measured: boolean;
  attempt: number;
  toggles: number;
  /** Toggle window announced by the EV in the 2nd CM_VALIDATE.REQ, ms. */
  toggleWindow: number;
  result: SlacEvseOutput | null;
}

const zero17 = new Uint8Array(17);

function isMsg<T extends HomePlugMessage['type']>(e: SlacEvseEvent, type: T): e is MmeEvent & { msg: Extract<HomePlugMessage, { type: T }> } {
  return e.type === 'MME' && e.msg.type === type;
}

/** The event belongs to the session: from the EV that started it, with its RunID. */
function ofSession(context: Ctx, e: SlacEvseEvent): boolean {
  if (e.type !== 'MME' || context.evMac === null || context.runId === null) return false;
  if (!bytesEqual(e.from, context.evMac)) return false;
  const r = 'runId' in e.msg ? e.msg.runId : undefined;
  return r === undefined || bytesEqual(r, context.runId);
}

const isParmReq = ({ event }: { event: SlacEvseEvent }): boolean =>
  // APPLICATION_TYPE 0 = PEV-EVSE matching, SECURITY_TYPE 0 = none: anything else is not ours to answer.
  isMsg(event, 'CM_SLAC_PARM.REQ') && event.msg.applicationType === 0 && event.msg.securityType === 0;

/** The candidate a sounding frame belongs to: same MAC and, where the frame carries one, the same RunID. */
function candidateOf(context: Ctx, e: SlacEvseEvent): Candidate | undefined {
  if (e.type !== 'MME') return undefined;
  if (e.msg.type === 'CM_ATTEN_PROFILE.IND') {
    const pev = e.msg.pevMac;
    return context.candidates.find((c) => bytesEqual(c.mac, pev));
  }
  if (e.msg.type !== 'CM_START_ATTEN_CHAR.IND' && e.msg.type !== 'CM_MNBC_SOUND.IND') return undefined;
  const runId = e.msg.runId;
  return context.candidates.find((c) => bytesEqual(c.mac, e.from) && bytesEqual(c.runId, runId));
}

/** The latest answered request of `mac` first; one entry per MAC; at most MAX_CANDIDATES. */
function withCandidate(list: readonly Candidate[], mac: Mac, runId: Uint8Array): Candidate[] {
  return [{ mac, runId }, ...list.filter((c) => !bytesEqual(c.mac, mac))].slice(0, MAX_CANDIDATES);
}

export const slacEvseMachine = setup({
  types: {
    context: {} as Ctx,
    events: {} as SlacEvseEvent,
    input: {} as SlacEvseInput,
    output: {} as SlacEvseOutput,
  },
  delays: {
    TT_EVSE_SLAC_init: ({ context }) => context.t.TT_EVSE_SLAC_init,
    TT_match_sequence: ({ context }) => context.t.TT_match_sequence,
    TT_EVSE_match_MNBC: ({ context }) => context.t.TT_EVSE_match_MNBC,
    TT_match_response: ({ context }) => context.t.TT_match_response,
    TT_EVSE_match_session: ({ context }) => context.t.TT_EVSE_match_session,
    /** The toggle window the EV announced ((Timer+1)×100 ms), at most TT_EVSE_vald_toggle. */
    TT_EVSE_vald_toggle: ({ context }) => Math.min(context.toggleWindow, context.t.TT_EVSE_vald_toggle),
    /** After CM_SLAC_MATCH.CNF, answer repeats of the REQ for as long as the EV may retry (its CNF may be lost). */
    matchRepeatWindow: ({ context }) => context.t.TT_match_response * (context.t.C_EV_match_retry + 1),
  },
  guards: {
    isParmReq,
    profileOfSession: ({ context, event }) => isMsg(event, 'CM_ATTEN_PROFILE.IND') && context.evMac !== null && bytesEqual(event.msg.pevMac, context.evMac),
    /** This profile completes the announced number of sounds (an empty profile, NumGroups 0, measures nothing). */
    lastProfile: ({ context, event }) =>
      isMsg(event, 'CM_ATTEN_PROFILE.IND') && context.evMac !== null && bytesEqual(event.msg.pevMac, context.evMac) && event.msg.aag.length > 0 && context.profiles.length + 1 >= context.t.C_EV_match_MNBC,
    retryLeft: ({ context }) => context.attempt <= context.t.C_EV_match_retry,
  },
  actions: {
    status: ({ context }, p: { state: string; checkpoint?: Checkpoint }) => {
      context.report({ layer: 'slac', state: p.state, ...(p.checkpoint !== undefined ? { checkpoint: p.checkpoint } : {}), ...(context.evMac ? { details: { evMac: formatMac(context.evMac) } } : {}) });
    },
    /**
     * Answer a CM_SLAC_PARM.REQ and remember it as a candidate. `first`: the request that opens the
     * wait for sounding (from WaitForSlacParm, or our car restarting): reported as checkpoint 101.
     * Further candidates are only logged (debug): a flood must not flood the status stream.
     * A car may re-send CM_SLAC_PARM.REQ, with a new RunID, at any time before the match (the
     * Taycan does it over and over): its entry is replaced.
     */
    answerParm: assign(({ context, event }, p: { first: boolean }) => {
      if (!isMsg(event, 'CM_SLAC_PARM.REQ')) return {};
      context.send({
        dst: event.from,
        msg: {
          type: 'CM_SLAC_PARM.CNF',
          msoundTarget: BROADCAST,
          numSounds: context.t.C_EV_match_MNBC,
          timeOut: Math.round(context.t.TT_EVSE_match_MNBC / 100),
          // 0x01 "other GP station" (ISO 15118-3 per libslac/pyslac; open-plc-utils uses 0).
          respType: 1,
          forwardingSta: event.from,
          applicationType: 0,
          securityType: 0,
          runId: event.msg.runId,
        },
      });
      if (p.first) context.report({ layer: 'slac', state: 'WaitForStartAtten', checkpoint: Checkpoint.SlacParmCnf, details: { evMac: formatMac(event.from) } });
      else context.logger.log('debug', 'slac-evse: CM_SLAC_PARM.REQ answered, another candidate', { from: formatMac(event.from) });
      const candidates = p.first ? [{ mac: event.from, runId: event.msg.runId }] : withCandidate(context.candidates, event.from, event.msg.runId);
      return { evMac: null, runId: null, candidates, profiles: [], sounds: 0, aag: null, attempt: 0, toggles: 0 };
    }),
    /** The first candidate to sound is the car of this session (ISO 15118-3: RunID + EV MAC). */
    commit: assign(({ context, event }) => {
      const c = candidateOf(context, event);
      if (!c) return {};
      return { evMac: c.mac, runId: c.runId, candidates: [] };
    }),
    ignoreForeignParm: assign(({ context, event }) => {
      if (event.type === 'MME') context.logger.log('debug', 'slac-evse: CM_SLAC_PARM.REQ of another MAC not answered while matching a car', { from: formatMac(event.from), ...(context.evMac ? { car: formatMac(context.evMac) } : {}) });
      return { ignoredParms: context.ignoredParms + 1 };
    }),
    recordSound: assign(({ context, event }) => {
      if (!isMsg(event, 'CM_MNBC_SOUND.IND')) return {};
      return { sounds: context.sounds + 1, pevId: event.msg.senderId.length === 17 ? event.msg.senderId : context.pevId };
    }),
    recordProfile: assign(({ context, event }) => {
      if (!isMsg(event, 'CM_ATTEN_PROFILE.IND')) return {};
      // Some modems report the sound with NumGroups = 0 (the TP-Link/QCA modem of pyPLC's charger in
      // 2023-05-24_pyPlc_with_Ioniq93prcSoc): that is no measurement, the fallback applies.
      if (event.msg.aag.length === 0) return {};
      if (context.profiles.length === 0) context.report({ layer: 'slac', state: 'Sounding', checkpoint: Checkpoint.AttenProfileInd, details: { evMac: formatMac(event.msg.pevMac) } });
      return { profiles: [...context.profiles, event.msg.aag] };
    }),
    computeAttenuation: assign(({ context }) => {
      const avg = averageProfiles(context.profiles);
      if (avg) return { aag: avg, measured: true };
      if (context.fallback) {
        context.logger.log('info', 'slac-evse: no CM_ATTEN_PROFILE.IND from the modem (AR7420?): sending the configured attenuation');
        return { aag: context.fallback, measured: false };
      }
      return { aag: null, measured: false };
    }),
    sendAttenChar: assign(({ context }) => {
      if (!context.evMac || !context.runId || !context.aag) return {};
      context.send({
        dst: context.evMac,
        msg: {
          type: 'CM_ATTEN_CHAR.IND',
          applicationType: 0,
          securityType: 0,
          sourceAddress: context.evMac,
          runId: context.runId,
          sourceId: context.pevId,
          respId: context.evseId,
          // Sounds the averages stand for; with synthetic values, what we heard (or the announced count).
          numSounds: context.measured ? context.profiles.length : context.sounds || context.t.C_EV_match_MNBC,
          aag: context.aag,
        },
      });
      context.report({
        layer: 'slac',
        state: 'WaitForAttenCharRsp',
        checkpoint: Checkpoint.AttenCharInd,
        details: { evMac: formatMac(context.evMac), attenuation: Math.round(meanAttenuation(context.aag) * 10) / 10, measured: context.measured, sounds: context.sounds, profiles: context.profiles.length, attempt: context.attempt + 1 },
      });
      return { attempt: context.attempt + 1 };
    }),
    answerValidate: assign(({ context, event }) => {
      if (!isMsg(event, 'CM_VALIDATE.REQ') || !context.evMac) return {};
      if (!context.validation) {
        context.send({ dst: context.evMac, msg: { type: 'CM_VALIDATE.CNF', signalType: 0, toggleNum: 0, result: ValidateResult.NotRequired } });
        return {};
      }
      if (event.msg.timer === 0) {
        context.send({ dst: context.evMac, msg: { type: 'CM_VALIDATE.CNF', signalType: 0, toggleNum: 0, result: ValidateResult.Ready } });
        return {};
      }
      return { toggles: 0, toggleWindow: (event.msg.timer + 1) * 100 };
    }),
    countToggle: assign({ toggles: ({ context }) => context.toggles + 1 }),
    sendValidateResult: ({ context }) => {
      if (!context.evMac) return;
      context.send({ dst: context.evMac, msg: { type: 'CM_VALIDATE.CNF', signalType: 0, toggleNum: context.toggles, result: context.toggles > 0 ? ValidateResult.Success : ValidateResult.Failure } });
    },
    sendMatchCnf: assign(({ context, event }) => {
      if (!isMsg(event, 'CM_SLAC_MATCH.REQ') || !context.evMac || !context.runId) return {};
      context.send({
        dst: context.evMac,
        msg: {
          type: 'CM_SLAC_MATCH.CNF',
          applicationType: 0,
          securityType: 0,
          pevId: event.msg.pevId,
          pevMac: event.msg.pevMac,
          evseId: context.evseId,
          evseMac: context.mac,
          runId: context.runId,
          nid: context.nid,
          nmk: context.nmk,
        },
      });
      context.report({ layer: 'slac', state: 'Matched', checkpoint: Checkpoint.SlacMatchCnf, details: { evMac: formatMac(context.evMac) } });
      return {
        result: { ok: true, nid: context.nid, nmk: context.nmk, evMac: context.evMac, runId: context.runId, attenuation: context.aag ? meanAttenuation(context.aag) : 0, measured: context.measured } as const,
      };
    }),
    resendMatchCnf: ({ context, event }) => {
      if (!isMsg(event, 'CM_SLAC_MATCH.REQ') || !context.evMac || !context.runId) return;
      context.logger.log('info', 'slac-evse: repeated CM_SLAC_MATCH.REQ (our CNF was lost?): answering again');
      context.send({
        dst: context.evMac,
        msg: { type: 'CM_SLAC_MATCH.CNF', applicationType: 0, securityType: 0, pevId: event.msg.pevId, pevMac: event.msg.pevMac, evseId: context.evseId, evseMac: context.mac, runId: context.runId, nid: context.nid, nmk: context.nmk },
      });
    },
    fail: assign(({ context }, p: { code: SlacFailureCode | 'LAYER_STOPPED'; detail: string; state: string }) => {
      context.report({ layer: 'slac', state: 'Failed', details: { code: p.code, reason: p.detail, in: p.state } });
      return { result: { ok: false, failure: layerFailure(p.code, p.detail), state: p.state } as const };
    }),
    logIgnored: ({ context, event }, p: { why: string }) => {
      if (event.type === 'MME') context.logger.log('debug', `slac-evse ignores ${event.msg.type} from ${formatMac(event.from)}: ${p.why}`);
    },
  },
}).createMachine({
  id: 'slac-evse',
  context: ({ input }) => ({
    mac: input.mac,
    nid: input.nid,
    nmk: input.nmk,
    evseId: input.evseId ?? zero17,
    t: { ...slacEvseDefaults, ...input.timings },
    fallback: input.attenuationFallback === undefined ? syntheticAttenuation() : input.attenuationFallback,
    validation: input.validation ?? false,
    send: input.send,
    report: reportAndLog(input.report, input.logger ?? nullLogger, 'slac-evse'),
    logger: input.logger ?? nullLogger,
    evMac: null,
    runId: null,
    candidates: [],
    ignoredParms: 0,
    pevId: zero17,
    profiles: [],
    sounds: 0,
    aag: null,
    measured: false,
    attempt: 0,
    toggles: 0,
    toggleWindow: 0,
    result: null,
  }),
  initial: 'WaitForSlacParm',
  on: {
    STOP: { target: '.Failed', actions: { type: 'fail', params: { code: 'LAYER_STOPPED', detail: 'stopped', state: 'any' } } },
  },
  states: {
    WaitForSlacParm: {
      entry: { type: 'status', params: { state: 'WaitForSlacParm' } },
      on: {
        MME: [{ guard: 'isParmReq', target: 'Matching', actions: { type: 'answerParm', params: { first: true } } }, { actions: { type: 'logIgnored', params: { why: 'waiting for CM_SLAC_PARM.REQ' } } }],
      },
      after: { TT_EVSE_SLAC_init: { target: 'Failed', actions: { type: 'fail', params: { code: 'SLAC_TIMEOUT', detail: 'no CM_SLAC_PARM.REQ (TT_EVSE_SLAC_init)', state: 'WaitForSlacParm' } } } },
    },
    Matching: {
      on: {
        // Our car's new CM_SLAC_PARM.REQ restarts the session from its answer; other MACs' are not
        // answered while we match a car (see the top of this file).
        // Child states handle their messages first; what they leave lands here.
        MME: [
          { guard: ({ context, event }) => isParmReq({ event }) && context.evMac !== null && event.type === 'MME' && bytesEqual(event.from, context.evMac), target: '.WaitForStartAtten', reenter: true, actions: { type: 'answerParm', params: { first: true } } },
          { guard: 'isParmReq', actions: 'ignoreForeignParm' },
          { actions: { type: 'logIgnored', params: { why: 'not expected in this state of the session' } } },
        ],
      },
      initial: 'WaitForStartAtten',
      states: {
        WaitForStartAtten: {
          on: {
            MME: [
              // Every valid request is answered while no car sounds; the wait starts again from it.
              { guard: 'isParmReq', target: 'WaitForStartAtten', reenter: true, actions: { type: 'answerParm', params: { first: false } } },
              { guard: ({ context, event }) => isMsg(event, 'CM_START_ATTEN_CHAR.IND') && candidateOf(context, event) !== undefined, target: 'Sounding', actions: 'commit' },
              // The START_ATTEN_CHARs may be lost: the first sound opens the window as well.
              { guard: ({ context, event }) => isMsg(event, 'CM_MNBC_SOUND.IND') && candidateOf(context, event) !== undefined, target: 'Sounding', actions: ['commit', 'recordSound'] },
              { guard: ({ context, event }) => isMsg(event, 'CM_ATTEN_PROFILE.IND') && candidateOf(context, event) !== undefined, target: 'Sounding', actions: ['commit', 'recordProfile'] },
            ],
          },
          // No candidate sounded: wait for the next CM_SLAC_PARM.REQ (TT_EVSE_SLAC_init bounds that wait).
          after: {
            TT_match_sequence: {
              target: '#slac-evse.WaitForSlacParm',
              actions: [
                ({ context }) => context.logger.log('debug', 'slac-evse: no CM_START_ATTEN_CHAR.IND within TT_match_sequence: waiting for CM_SLAC_PARM.REQ', { candidates: context.candidates.length }),
                assign({ candidates: [] }),
              ],
            },
          },
        },
        Sounding: {
          entry: { type: 'status', params: { state: 'Sounding' } },
          on: {
            MME: [
              { guard: ({ context, event }) => isMsg(event, 'CM_MNBC_SOUND.IND') && ofSession(context, event), actions: 'recordSound' },
              // The window ends as soon as the modem has profiled every sound we asked for (NUM_SOUNDS of our
              // CM_SLAC_PARM.CNF): TT_EVSE_match_MNBC is the longest the EVSE may collect, not a wait it must
              // sit out; EVerest's libslac leaves the same way ([V2G3-A09-44] in its comments). With an
              // AR7420, which sends no profiles, the whole window runs and the fallback attenuation applies.
              { guard: 'lastProfile', target: 'AttenChar', actions: ['recordProfile', 'computeAttenuation'] },
              // CM_ATTEN_PROFILE.IND comes from our own modem, naming the EV in PEV_MAC.
              { guard: 'profileOfSession', actions: 'recordProfile' },
              { guard: ({ event }) => isMsg(event, 'CM_START_ATTEN_CHAR.IND') },
            ],
          },
          after: {
            TT_EVSE_match_MNBC: [
              { guard: ({ context }) => context.profiles.length > 0 || context.fallback !== null, target: 'AttenChar', actions: 'computeAttenuation' },
              { target: '#slac-evse.Failed', actions: { type: 'fail', params: { code: 'SLAC_NO_ATTENUATION', detail: 'no CM_ATTEN_PROFILE.IND and no fallback attenuation', state: 'Sounding' } } },
            ],
          },
        },
        AttenChar: {
          entry: 'sendAttenChar',
          on: {
            MME: [
              { guard: ({ context, event }) => isMsg(event, 'CM_ATTEN_CHAR.RSP') && ofSession(context, event) && event.msg.result === 0, target: 'WaitForMatch' },
              { guard: ({ context, event }) => isMsg(event, 'CM_ATTEN_CHAR.RSP') && ofSession(context, event), target: '#slac-evse.Failed', actions: { type: 'fail', params: { code: 'SLAC_ATTEN_REFUSED', detail: 'CM_ATTEN_CHAR.RSP with a non-zero result', state: 'AttenChar' } } },
              // Late profiles/sounds of this session are harmless.
              { guard: ({ event }) => isMsg(event, 'CM_ATTEN_PROFILE.IND') || isMsg(event, 'CM_MNBC_SOUND.IND') || isMsg(event, 'CM_START_ATTEN_CHAR.IND') },
            ],
          },
          after: {
            TT_match_response: [
              { guard: 'retryLeft', target: 'AttenChar', reenter: true },
              { target: '#slac-evse.Failed', actions: { type: 'fail', params: { code: 'SLAC_TIMEOUT', detail: 'no CM_ATTEN_CHAR.RSP', state: 'AttenChar' } } },
            ],
          },
        },
        WaitForMatch: {
          entry: { type: 'status', params: { state: 'WaitForMatch' } },
          on: {
            MME: [
              { guard: ({ context, event }) => isMsg(event, 'CM_VALIDATE.REQ') && ofSession(context, event) && context.validation && event.msg.timer > 0, target: 'Validating', actions: 'answerValidate' },
              { guard: ({ context, event }) => isMsg(event, 'CM_VALIDATE.REQ') && ofSession(context, event), actions: 'answerValidate' },
              { guard: ({ context, event }) => isMsg(event, 'CM_SLAC_MATCH.REQ') && ofSession(context, event) && context.evMac !== null && bytesEqual(event.msg.pevMac, context.evMac), target: '#slac-evse.Matched', actions: 'sendMatchCnf' },
              // A duplicate CM_ATTEN_CHAR.RSP (our IND was repeated) is fine.
              { guard: ({ event }) => isMsg(event, 'CM_ATTEN_CHAR.RSP') },
            ],
          },
          after: { TT_EVSE_match_session: { target: '#slac-evse.Failed', actions: { type: 'fail', params: { code: 'SLAC_TIMEOUT', detail: 'no CM_SLAC_MATCH.REQ (TT_EVSE_match_session)', state: 'WaitForMatch' } } } },
        },
        Validating: {
          on: { CP_TOGGLE: { actions: 'countToggle' } },
          after: { TT_EVSE_vald_toggle: { target: 'WaitForMatch', actions: 'sendValidateResult' } },
        },
      },
    },
    // The session is matched (output fixed, checkpoint 155 reported). A CM_SLAC_MATCH.CNF lost on the
    // line makes the EV repeat its REQ up to C_EV_match_retry times: answer those before ending.
    Matched: {
      on: {
        STOP: 'Done',
        MME: {
          guard: ({ context, event }) => isMsg(event, 'CM_SLAC_MATCH.REQ') && ofSession(context, event),
          actions: 'resendMatchCnf',
        },
      },
      after: { matchRepeatWindow: 'Done' },
    },
    Done: { type: 'final' },
    Failed: { type: 'final' },
  },
  output: ({ context }) => context.result ?? { ok: false, failure: layerFailure('NO_OUTPUT', 'ended without result'), state: 'unknown' },
});
