// slac-ev: the car's side of ISO 15118-3 SLAC (PEV-EVSE matching) as an
// XState v5 statechart. No I/O: frames leave through the injected `send`,
// arrive as { type: 'MME', msg, from } events; time only through named
// delays, so tests run on SimulatedClock.
//
// CM_SLAC_PARM.REQ (100) → .CNF (102) → CM_START_ATTEN_CHAR.IND ×3 (103) →
// CM_MNBC_SOUND.IND ×10 (104) → collect every CM_ATTEN_CHAR.IND until
// TT_EV_atten_results (130), answer each with CM_ATTEN_CHAR.RSP (140) →
// choose the EVSE with the lowest average attenuation → [CM_VALIDATE] →
// CM_SLAC_MATCH.REQ (150) → .CNF with NID/NMK (160).
import { assign, setup } from 'xstate';
import { formatMac, bytesEqual } from '../../src/bytes.js';
import type { Logger } from '../../src/ports/log.js';
import { nullLogger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import { reportAndLog } from '../../src/domain/slac/report.js';
import { meanAttenuation, selectEvse, type EvseCandidate } from '../../src/domain/slac/attenuation.js';
import { BROADCAST, ValidateResult, randomBytes, type AttenCharInd, type HomePlugMessage, type Mac, type MmeEvent, type OutgoingMme } from '../../src/domain/slac/messages.js';
import { slacEvDefaults, type SlacEvTimings } from '../../src/domain/slac/timing.js';
import { Checkpoint } from '../../src/checkpoints.js';
import { layerFailure, type LayerFailure, type SlacFailureCode } from '../../src/domain/connection/failure.js';

export interface SlacEvInput {
  /** Our host MAC: PEV_MAC and FORWARDING_STA. */
  readonly mac: Mac;
  /** 8-byte RunID; default: 8 random bytes (EVerest). The Ioniq uses its MAC + 00 00, Tesla "TESLA EV". */
  readonly runId?: Uint8Array;
  /** 17-byte SenderID / PEV_ID (the VIN, or zero). */
  readonly pevId?: Uint8Array;
  readonly timings?: Partial<SlacEvTimings>;
  /** Run CM_VALIDATE before CM_SLAC_MATCH (optional in ISO 15118-3). */
  readonly validate?: boolean;
  readonly send: (out: OutgoingMme) => void;
  readonly report?: (update: StatusUpdate) => void;
  readonly logger?: Logger;
  /** Random source for RunID and the RND of the sounds (tests make it deterministic). */
  readonly random?: (n: number) => Uint8Array;
}

export interface SlacEvCandidate extends EvseCandidate {
  readonly sourceId: Uint8Array;
  readonly respId: Uint8Array;
  readonly numSounds: number;
}

export type SlacEvOutput =
  | {
      readonly ok: true;
      readonly nid: Uint8Array;
      readonly nmk: Uint8Array;
      readonly evseMac: Mac;
      readonly runId: Uint8Array;
      /** Mean attenuation of the chosen EVSE in dB. */
      readonly attenuation: number;
    }
  | { readonly ok: false; readonly failure: LayerFailure<SlacFailureCode | 'LAYER_STOPPED' | 'NO_OUTPUT'>; readonly state: string };

export type SlacEvEvent = MmeEvent | { readonly type: 'STOP' };

interface Ctx {
  readonly mac: Mac;
  readonly runId: Uint8Array;
  readonly pevId: Uint8Array;
  readonly t: SlacEvTimings;
  readonly validate: boolean;
  readonly send: (out: OutgoingMme) => void;
  readonly report: (update: StatusUpdate) => void;
  readonly logger: Logger;
  readonly random: (n: number) => Uint8Array;
  /** Attempts of the current request (1 = first send). */
  attempt: number;
  /** Frames sent in the current batch (START_ATTEN_CHAR or MNBC_SOUND). */
  batch: number;
  /** EVSEs that answered CM_SLAC_PARM.REQ. */
  parmCnfFrom: Mac[];
  candidates: SlacEvCandidate[];
  chosen: SlacEvCandidate | null;
  result: SlacEvOutput | null;
}

const zero17 = new Uint8Array(17);

function isMsg<T extends HomePlugMessage['type']>(e: SlacEvEvent, type: T): e is MmeEvent & { msg: Extract<HomePlugMessage, { type: T }> } {
  return e.type === 'MME' && e.msg.type === type;
}

export const slacEvMachine = setup({
  types: {
    context: {} as Ctx,
    events: {} as SlacEvEvent,
    input: {} as SlacEvInput,
    output: {} as SlacEvOutput,
  },
  delays: {
    TT_match_response: ({ context }) => context.t.TT_match_response,
    TP_match_sequence: ({ context }) => context.t.TP_match_sequence,
    TP_EV_batch_msg_interval: ({ context }) => context.t.TP_EV_batch_msg_interval,
    TT_EV_atten_results: ({ context }) => context.t.TT_EV_atten_results,
    TP_EV_match_session: ({ context }) => context.t.TP_EV_match_session,
    /** Second CM_VALIDATE.CNF comes after the EVSE's toggle window. */
    TT_validate_toggle_response: ({ context }) => context.t.TT_EVSE_vald_toggle + context.t.TT_match_response,
  },
  guards: {
    retryLeft: ({ context }) => context.attempt <= context.t.C_EV_match_retry,
    parmRetryLeft: ({ context }) => context.attempt <= context.t.parmReqRetries,
    moreStartAtten: ({ context }) => context.batch < context.t.C_EV_start_atten_char_inds,
    moreSounds: ({ context }) => context.batch < context.t.C_EV_match_MNBC,
    haveChoice: ({ context }) => context.chosen !== null,
  },
  actions: {
    countAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    resetAttempt: assign({ attempt: () => 0 }),
    resetBatch: assign({ batch: () => 0 }),
    sendParmReq: ({ context }) => {
      context.send({ dst: BROADCAST, msg: { type: 'CM_SLAC_PARM.REQ', applicationType: 0, securityType: 0, runId: context.runId } });
      context.report({ layer: 'slac', state: 'WaitForParmCnf', checkpoint: Checkpoint.SlacParmReq, details: { attempt: context.attempt } });
    },
    sendStartAtten: assign({
      batch: ({ context }) => {
        context.send({
          dst: BROADCAST,
          msg: {
            type: 'CM_START_ATTEN_CHAR.IND',
            applicationType: 0,
            securityType: 0,
            numSounds: context.t.C_EV_match_MNBC,
            // Must be 6 (600 ms): a Compleo rejects 1000 ms (pyPLC).
            timeOut: Math.round(context.t.TT_EVSE_match_MNBC / 100),
            respType: 1,
            forwardingSta: context.mac,
            runId: context.runId,
          },
        });
        if (context.batch === 0) context.report({ layer: 'slac', state: 'Sounding', checkpoint: Checkpoint.StartAttenCharInd });
        return context.batch + 1;
      },
    }),
    sendSound: assign({
      batch: ({ context }) => {
        context.send({
          dst: BROADCAST,
          msg: {
            type: 'CM_MNBC_SOUND.IND',
            applicationType: 0,
            securityType: 0,
            senderId: context.pevId,
            cnt: context.t.C_EV_match_MNBC - context.batch - 1,
            runId: context.runId,
            rnd: context.random(16),
          },
        });
        if (context.batch === 0) context.report({ layer: 'slac', state: 'Sounding', checkpoint: Checkpoint.MnbcSoundInd });
        return context.batch + 1;
      },
    }),
    recordParmCnf: assign({
      parmCnfFrom: ({ context, event }) => {
        if (event.type !== 'MME') return context.parmCnfFrom;
        context.report({ layer: 'slac', state: 'WaitForParmCnf', checkpoint: Checkpoint.SlacParmCnfReceived, details: { evseMac: formatMac(event.from) } });
        return context.parmCnfFrom.some((m) => bytesEqual(m, event.from)) ? context.parmCnfFrom : [...context.parmCnfFrom, event.from];
      },
    }),
    /** Every CM_ATTEN_CHAR.IND gets a CM_ATTEN_CHAR.RSP, else its EVSE re-sends it; the choice comes at TT_EV_atten_results. */
    recordAttenChar: assign({
      candidates: ({ context, event }) => {
        if (!isMsg(event, 'CM_ATTEN_CHAR.IND')) return context.candidates;
        const m: AttenCharInd = event.msg;
        const mean = meanAttenuation(m.aag);
        context.report({ layer: 'slac', state: 'WaitForAttenChar', checkpoint: Checkpoint.AttenCharIndReceived, details: { evseMac: formatMac(event.from), attenuation: Math.round(mean * 10) / 10, numSounds: m.numSounds } });
        context.send({
          dst: event.from,
          msg: { type: 'CM_ATTEN_CHAR.RSP', applicationType: 0, securityType: 0, sourceAddress: context.mac, runId: context.runId, sourceId: m.sourceId, respId: m.respId, result: 0 },
        });
        context.report({ layer: 'slac', state: 'WaitForAttenChar', checkpoint: Checkpoint.AttenCharRsp, details: { evseMac: formatMac(event.from) } });
        const rest = context.candidates.filter((c) => !bytesEqual(c.evseMac, event.from));
        return [...rest, { evseMac: event.from, profile: m.aag, order: context.candidates.length, sourceId: m.sourceId, respId: m.respId, numSounds: m.numSounds }];
      },
    }),
    choose: assign({
      chosen: ({ context }) => {
        const c = selectEvse(context.candidates, context.t.attenuationLimitDb);
        if (c) {
          context.report({
            layer: 'slac',
            state: 'EvseChosen',
            details: { evseMac: formatMac(c.evseMac), attenuation: Math.round(meanAttenuation(c.profile) * 10) / 10, candidates: context.candidates.length },
          });
        }
        return c;
      },
    }),
    sendValidateFirst: ({ context }) => {
      if (!context.chosen) return;
      context.send({ dst: context.chosen.evseMac, msg: { type: 'CM_VALIDATE.REQ', signalType: 0, timer: 0, result: ValidateResult.Ready } });
      context.report({ layer: 'slac', state: 'Validating', details: { attempt: context.attempt } });
    },
    sendValidateSecond: ({ context }) => {
      if (!context.chosen) return;
      // Timer N announces a toggle window of (N+1)×100 ms (ISO 15118-3; TE-S: TP_EV_vald_toggle×10−1).
      const timer = Math.max(0, Math.round(context.t.TP_EV_vald_toggle / 100) - 1);
      context.send({ dst: context.chosen.evseMac, msg: { type: 'CM_VALIDATE.REQ', signalType: 0, timer, result: ValidateResult.Ready } });
    },
    /** Provided by the runtime: drive CP B→C→B `count` times. The machine cannot reach the hardware. */
    cpToggle: ({ context }, _p: { count: number; stateDuration: number }) => {
      context.logger.log('warn', 'slac-ev: validation asked for CP toggles but no cpToggle action was provided');
    },
    sendMatchReq: ({ context }) => {
      if (!context.chosen) return;
      context.send({
        dst: context.chosen.evseMac,
        msg: {
          type: 'CM_SLAC_MATCH.REQ',
          applicationType: 0,
          securityType: 0,
          pevId: context.pevId,
          pevMac: context.mac,
          evseId: context.chosen.sourceId.length === 17 ? context.chosen.sourceId : zero17,
          evseMac: context.chosen.evseMac,
          runId: context.runId,
        },
      });
      context.report({ layer: 'slac', state: 'WaitForMatchCnf', checkpoint: Checkpoint.SlacMatchReq, details: { evseMac: formatMac(context.chosen.evseMac), attempt: context.attempt } });
    },
    takeMatch: assign({
      result: ({ context, event }) => {
        if (!isMsg(event, 'CM_SLAC_MATCH.CNF') || !context.chosen) return context.result;
        context.report({ layer: 'slac', state: 'Matched', checkpoint: Checkpoint.SlacMatchCnfReceived, details: { evseMac: formatMac(event.from) } });
        return { ok: true, nid: event.msg.nid, nmk: event.msg.nmk, evseMac: event.from, runId: context.runId, attenuation: meanAttenuation(context.chosen.profile) };
      },
    }),
    fail: assign({
      result: ({ context }, p: { code: SlacFailureCode | 'LAYER_STOPPED'; detail: string; state: string }) => {
        context.report({ layer: 'slac', state: 'Failed', details: { code: p.code, reason: p.detail, in: p.state } });
        return { ok: false, failure: layerFailure(p.code, p.detail), state: p.state } as const;
      },
    }),
    logIgnored: ({ context, event }, p: { why: string }) => {
      if (event.type === 'MME') context.logger.log('debug', `slac-ev ignores ${event.msg.type} from ${formatMac(event.from)}: ${p.why}`);
    },
  },
}).createMachine({
  id: 'slac-ev',
  context: ({ input }) => {
    const random = input.random ?? randomBytes;
    return {
      mac: input.mac,
      runId: input.runId ?? random(8),
      pevId: input.pevId ?? zero17,
      t: { ...slacEvDefaults, ...input.timings } as SlacEvTimings,
      validate: input.validate ?? false,
      send: input.send,
      report: reportAndLog(input.report, input.logger ?? nullLogger, 'slac-ev'),
      logger: input.logger ?? nullLogger,
      random,
      attempt: 0,
      batch: 0,
      parmCnfFrom: [],
      candidates: [],
      chosen: null,
      result: null,
    };
  },
  initial: 'WaitForParmCnf',
  on: {
    STOP: { target: '.Failed', actions: { type: 'fail', params: { code: 'LAYER_STOPPED', detail: 'stopped', state: 'any' } } },
  },
  states: {
    WaitForParmCnf: {
      entry: ['countAttempt', 'sendParmReq'],
      on: {
        MME: [
          { guard: ({ context, event }) => isMsg(event, 'CM_SLAC_PARM.CNF') && bytesEqual(event.msg.runId, context.runId), target: 'WaitBeforeStartAtten', actions: 'recordParmCnf' },
          { actions: { type: 'logIgnored', params: { why: 'not a CM_SLAC_PARM.CNF with our RunID' } } },
        ],
      },
      after: {
        TT_match_response: [
          { guard: 'parmRetryLeft', target: 'WaitForParmCnf', reenter: true },
          { target: 'Failed', actions: { type: 'fail', params: { code: 'SLAC_TIMEOUT', detail: 'no CM_SLAC_PARM.CNF', state: 'WaitForParmCnf' } } },
        ],
      },
    },
    // TP_match_sequence: a further CM_SLAC_PARM.CNF (a second EVSE) is only noted.
    WaitBeforeStartAtten: {
      on: { MME: { guard: ({ context, event }) => isMsg(event, 'CM_SLAC_PARM.CNF') && bytesEqual(event.msg.runId, context.runId), actions: 'recordParmCnf' } },
      after: { TP_match_sequence: { target: 'Characterising' } },
    },
    Characterising: {
      entry: ['resetBatch'],
      // TT_EV_atten_results counts from the first CM_START_ATTEN_CHAR.IND.
      after: { TT_EV_atten_results: { target: 'Choosing' } },
      on: {
        MME: [
          { guard: ({ context, event }) => isMsg(event, 'CM_ATTEN_CHAR.IND') && bytesEqual(event.msg.runId, context.runId), actions: 'recordAttenChar' },
          { guard: ({ context, event }) => isMsg(event, 'CM_SLAC_PARM.CNF') && bytesEqual(event.msg.runId, context.runId), actions: 'recordParmCnf' },
          { actions: { type: 'logIgnored', params: { why: 'unexpected while characterising or foreign RunID' } } },
        ],
      },
      initial: 'StartAtten',
      states: {
        StartAtten: {
          entry: 'sendStartAtten',
          after: {
            TP_EV_batch_msg_interval: [{ guard: 'moreStartAtten', target: 'StartAtten', reenter: true }, { target: 'Sounds', actions: 'resetBatch' }],
          },
        },
        Sounds: {
          entry: 'sendSound',
          after: { TP_EV_batch_msg_interval: [{ guard: 'moreSounds', target: 'Sounds', reenter: true }, { target: 'WaitForAttenChar' }] },
        },
        WaitForAttenChar: {},
      },
    },
    Choosing: {
      entry: 'choose',
      always: [
        { guard: 'haveChoice', target: 'WaitBeforeMatch', actions: 'resetAttempt' },
        { target: 'Failed', actions: { type: 'fail', params: { code: 'SLAC_NO_MATCH', detail: 'no acceptable CM_ATTEN_CHAR.IND', state: 'WaitForAttenChar' } } },
      ],
    },
    // TP_EV_match_session: CM_ATTEN_CHAR.RSP → CM_VALIDATE.REQ / CM_SLAC_MATCH.REQ.
    WaitBeforeMatch: {
      on: { MME: { guard: ({ context, event }) => isMsg(event, 'CM_ATTEN_CHAR.IND') && bytesEqual(event.msg.runId, context.runId), actions: 'recordAttenChar' } },
      after: { TP_EV_match_session: [{ guard: ({ context }) => context.validate, target: 'ValidateFirst' }, { target: 'WaitForMatchCnf' }] },
    },
    ValidateFirst: {
      entry: ['countAttempt', 'sendValidateFirst'],
      on: {
        MME: [
          {
            guard: ({ context, event }) => isMsg(event, 'CM_VALIDATE.CNF') && event.msg.result === ValidateResult.Ready && context.chosen !== null && bytesEqual(event.from, context.chosen.evseMac),
            target: 'ValidateToggle',
          },
          // "not required" / "failure": the EVSE does not validate ([V2G3-A09-51]: optional for the EVSE; EVerest answers failure). Go on to matching.
          { guard: ({ event }) => isMsg(event, 'CM_VALIDATE.CNF'), target: 'WaitForMatchCnf', actions: 'resetAttempt' },
        ],
      },
      after: {
        TT_match_response: [
          { guard: 'retryLeft', target: 'ValidateFirst', reenter: true },
          // A silent EVSE here most likely does not implement validation: matching decides.
          { target: 'WaitForMatchCnf', actions: 'resetAttempt' },
        ],
      },
    },
    ValidateToggle: {
      entry: [
        'sendValidateSecond',
        { type: 'cpToggle', params: ({ context }) => ({ count: context.t.C_EV_vald_nb_toggles, stateDuration: context.t.TP_EV_vald_state_duration }) },
      ],
      on: {
        MME: [
          {
            guard: ({ context, event }) => isMsg(event, 'CM_VALIDATE.CNF') && event.msg.result === ValidateResult.Success && event.msg.toggleNum === context.t.C_EV_vald_nb_toggles,
            target: 'WaitForMatchCnf',
            actions: 'resetAttempt',
          },
          {
            guard: ({ event }) => isMsg(event, 'CM_VALIDATE.CNF'),
            target: 'Failed',
            actions: { type: 'fail', params: { code: 'SLAC_VALIDATE_FAILED', detail: 'CM_VALIDATE failed (toggle count or result)', state: 'ValidateToggle' } },
          },
        ],
      },
      after: { TT_validate_toggle_response: { target: 'Failed', actions: { type: 'fail', params: { code: 'SLAC_TIMEOUT', detail: 'no second CM_VALIDATE.CNF', state: 'ValidateToggle' } } } },
    },
    WaitForMatchCnf: {
      entry: ['countAttempt', 'sendMatchReq'],
      on: {
        MME: [
          { guard: ({ context, event }) => isMsg(event, 'CM_SLAC_MATCH.CNF') && bytesEqual(event.msg.runId, context.runId) && context.chosen !== null && bytesEqual(event.from, context.chosen.evseMac), target: 'Matched', actions: 'takeMatch' },
          { actions: { type: 'logIgnored', params: { why: 'not the CM_SLAC_MATCH.CNF of our RunID from the chosen EVSE' } } },
        ],
      },
      after: {
        TT_match_response: [
          { guard: 'retryLeft', target: 'WaitForMatchCnf', reenter: true },
          { target: 'Failed', actions: { type: 'fail', params: { code: 'SLAC_TIMEOUT', detail: 'no CM_SLAC_MATCH.CNF', state: 'WaitForMatchCnf' } } },
        ],
      },
    },
    Matched: { type: 'final' },
    Failed: { type: 'final' },
  },
  output: ({ context }) => context.result ?? { ok: false, failure: layerFailure('NO_OUTPUT', 'ended without result'), state: 'unknown' },
});
