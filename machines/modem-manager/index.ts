// modem-manager: the host's dealings with its own Green PHY modem, as an
// XState v5 machine (no I/O; frames leave through `send`, arrive as MME events).
//
//  discover  VS_SW_VER.REQ to the QCA localcast address → firmware string, modem MAC
//  join      discover → CM_SET_KEY.REQ (EVSE: a fresh random NMK per session,
//            NID derived from it, checkpoint 1; EV: the NMK/NID of
//            CM_SLAC_MATCH.CNF, checkpoint 170) → modem restart (180) →
//            confirm the network (190): count the modems answering a broadcast
//            VS_SW_VER.REQ (pyPLC) or CM_GET_KEY.REQ (ccs32clara), or ask
//            VS_PL_LINK_STATUS
//  reset     VS_RS_DEV.REQ → wait for the modem to come back
import { assign, setup } from 'xstate';
import { bytesEqual, formatMac, toHex } from '../../src/bytes.js';
import { nidFromNmk } from '../../src/codecs/homeplug/keys.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import { reportAndLog } from '../../src/domain/slac/report.js';
import { BROADCAST, QCA_LOCALCAST, randomBytes, type HomePlugMessage, type Mac, type MmeEvent, type OutgoingMme } from '../../src/domain/slac/messages.js';
import { modemDefaults, type ModemTimings } from '../../src/domain/slac/timing.js';
import { Checkpoint } from '../../src/checkpoints.js';
import { layerFailure, type LayerFailure, type ModemFailureCode } from '../../src/domain/connection/failure.js';

export type ModemTask = 'discover' | 'join' | 'reset';
export type ConfirmMethod = 'sw-ver' | 'get-key' | 'link-status';

export interface ModemManagerInput {
  readonly task: ModemTask;
  /** 'evse': draw the session key and expect only our own modem back; 'ev': join the EVSE's AVLN (expect ≥ 2 modems). */
  readonly role: 'ev' | 'evse';
  /** For the EV: NMK and NID from CM_SLAC_MATCH.CNF. For the EVSE: omit to draw a fresh random NMK. */
  readonly nmk?: Uint8Array;
  readonly nid?: Uint8Array;
  readonly confirmBy?: ConfirmMethod;
  /** Modems that must answer the broadcast confirmation (default: EV 2, EVSE 1). */
  readonly minModems?: number;
  readonly timings?: Partial<ModemTimings>;
  readonly send: (out: OutgoingMme) => void;
  readonly report?: (u: StatusUpdate) => void;
  readonly logger?: Logger;
  readonly random?: (n: number) => Uint8Array;
}

export type ModemManagerOutput =
  | {
      readonly ok: true;
      readonly modemMac: Mac;
      readonly firmware: string;
      readonly nid?: Uint8Array;
      readonly nmk?: Uint8Array;
      /** Modems that answered the last confirmation (own one included). */
      readonly modems: number;
    }
  | { readonly ok: false; readonly failure: LayerFailure<ModemFailureCode | 'LAYER_STOPPED' | 'NO_OUTPUT'>; readonly state: string };

export type ModemManagerEvent = MmeEvent | { readonly type: 'STOP' };

interface Ctx {
  readonly task: ModemTask;
  readonly role: 'ev' | 'evse';
  readonly nmk: Uint8Array;
  readonly nid: Uint8Array;
  readonly confirmBy: ConfirmMethod;
  readonly minModems: number;
  readonly t: ModemTimings;
  readonly send: (out: OutgoingMme) => void;
  readonly report: (u: StatusUpdate) => void;
  readonly logger: Logger;
  attempt: number;
  modemMac: Mac | null;
  firmware: string;
  answered: Mac[];
  linkUp: boolean;
  result: ModemManagerOutput | null;
}

function isMsg<T extends HomePlugMessage['type']>(e: ModemManagerEvent, type: T): e is MmeEvent & { msg: Extract<HomePlugMessage, { type: T }> } {
  return e.type === 'MME' && e.msg.type === type;
}

export const modemManagerMachine = setup({
  types: { context: {} as Ctx, events: {} as ModemManagerEvent, input: {} as ModemManagerInput, output: {} as ModemManagerOutput },
  delays: {
    discoveryWindow: ({ context }) => context.t.discoveryWindow,
    setKeyTimeout: ({ context }) => context.t.setKeyTimeout,
    restartPause: ({ context }) => context.t.restartPause,
    confirmInterval: ({ context }) => context.t.confirmInterval,
    TT_match_join: ({ context }) => context.t.TT_match_join,
  },
  guards: {
    retryLeft: ({ context }) => context.attempt <= context.t.retries,
    haveModem: ({ context }) => context.modemMac !== null,
    enoughModems: ({ context }) => (context.confirmBy === 'link-status' ? context.linkUp : context.answered.length >= context.minModems),
    isJoin: ({ context }) => context.task === 'join',
    isReset: ({ context }) => context.task === 'reset',
  },
  actions: {
    countAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    resetAttempt: assign({ attempt: () => 0 }),
    sendSwVerLocal: ({ context }) => {
      context.send({ dst: QCA_LOCALCAST, msg: { type: 'VS_SW_VER.REQ' } });
      context.report({ layer: 'modem', state: 'Discovering', details: { attempt: context.attempt } });
    },
    takeSwVer: assign(({ context, event }) => {
      if (!isMsg(event, 'VS_SW_VER.CNF') || context.modemMac) return {};
      context.logger.log('info', `modem ${formatMac(event.from)} firmware '${event.msg.version}'`);
      context.report({ layer: 'modem', state: 'Found', details: { modemMac: formatMac(event.from), firmware: event.msg.version } });
      return { modemMac: event.from, firmware: event.msg.version };
    }),
    sendSetKey: ({ context }) => {
      context.send({
        dst: QCA_LOCALCAST,
        msg: {
          type: 'CM_SET_KEY.REQ',
          keyType: 1,
          // ⚠ 0 per ISO 15118-3 (libslac); ccs32clara/pyPLC use 0xAAAAAAAA. Modems accept both.
          myNonce: 0,
          yourNonce: 0,
          pid: 4,
          prn: 0,
          pmn: 0,
          ccoCapability: 0,
          nid: context.nid,
          newEks: 1,
          newKey: context.nmk,
        },
      });
      context.report({ layer: 'modem', state: 'SettingKey', checkpoint: context.role === 'ev' ? Checkpoint.SetKeyReq : Checkpoint.EvseKeySet, details: { nid: toHex(context.nid), attempt: context.attempt } });
    },
    sendReset: ({ context }) => {
      context.send({ dst: QCA_LOCALCAST, msg: { type: 'VS_RS_DEV.REQ' } });
      context.report({ layer: 'modem', state: 'Resetting' });
    },
    reportRestart: ({ context }) => context.report({ layer: 'modem', state: 'Restarting', ...(context.role === 'ev' ? { checkpoint: Checkpoint.ModemRestart } : {}) }),
    sendConfirm: assign(({ context }) => {
      if (context.confirmBy === 'link-status') context.send({ dst: QCA_LOCALCAST, msg: { type: 'VS_PL_LINK_STATUS.REQ' } });
      else if (context.confirmBy === 'get-key')
        context.send({ dst: BROADCAST, msg: { type: 'CM_GET_KEY.REQ', requestType: 0, requestedKeyType: 1, nid: context.nid, myNonce: 0, pid: 4, prn: 0, pmn: 0 } });
      else context.send({ dst: BROADCAST, msg: { type: 'VS_SW_VER.REQ' } });
      return { answered: [], linkUp: false };
    }),
    countAnswer: assign(({ context, event }) => {
      if (event.type !== 'MME') return {};
      if (isMsg(event, 'VS_PL_LINK_STATUS.CNF')) return { linkUp: event.msg.linkStatus === 1 };
      if ((isMsg(event, 'VS_SW_VER.CNF') && context.confirmBy === 'sw-ver') || (isMsg(event, 'CM_GET_KEY.CNF') && context.confirmBy === 'get-key')) {
        if (context.answered.some((m) => bytesEqual(m, event.from))) return {};
        return { answered: [...context.answered, event.from] };
      }
      return {};
    }),
    succeed: assign(({ context }) => {
      const modems = context.confirmBy === 'link-status' ? (context.linkUp ? 2 : 1) : context.answered.length;
      if (context.task === 'join') context.report({ layer: 'modem', state: 'Ready', checkpoint: context.role === 'ev' ? Checkpoint.AvlnFormed : undefined, details: { nid: toHex(context.nid), modems } } as StatusUpdate);
      else context.report({ layer: 'modem', state: 'Ready', details: { modems } });
      return {
        result: {
          ok: true,
          modemMac: context.modemMac ?? QCA_LOCALCAST,
          firmware: context.firmware,
          ...(context.task === 'join' ? { nid: context.nid, nmk: context.nmk } : {}),
          modems,
        } as const,
      };
    }),
    fail: assign(({ context }, p: { code: ModemFailureCode | 'LAYER_STOPPED'; detail: string; state: string }) => {
      context.report({ layer: 'modem', state: 'Failed', details: { code: p.code, reason: p.detail, in: p.state } });
      return { result: { ok: false, failure: layerFailure(p.code, p.detail), state: p.state } as const };
    }),
  },
}).createMachine({
  id: 'modem-manager',
  context: ({ input }) => {
    const random = input.random ?? randomBytes;
    const nmk = input.nmk ?? random(16);
    return {
      task: input.task,
      role: input.role,
      nmk,
      // NID from NMK as HomePlug AV specifies (pyPLC used a simplified one).
      nid: input.nid ?? nidFromNmk(nmk),
      confirmBy: input.confirmBy ?? 'sw-ver',
      minModems: input.minModems ?? (input.role === 'ev' ? 2 : 1),
      t: { ...modemDefaults, ...input.timings },
      send: input.send,
      report: reportAndLog(input.report, input.logger ?? nullLogger, 'modem-manager'),
      logger: input.logger ?? nullLogger,
      attempt: 0,
      modemMac: null,
      firmware: '',
      answered: [],
      linkUp: false,
      result: null,
    };
  },
  initial: 'Discovering',
  on: { STOP: { target: '.Failed', actions: { type: 'fail', params: { code: 'LAYER_STOPPED', detail: 'stopped', state: 'any' } } } },
  states: {
    Discovering: {
      entry: ['countAttempt', 'sendSwVerLocal'],
      on: { MME: { guard: ({ event }) => isMsg(event, 'VS_SW_VER.CNF'), actions: 'takeSwVer' } },
      // Only the modem on our own cable answers the localcast VS_SW_VER.REQ: its answer ends the
      // window at once (the window is the bound for a modem that is still booting, not a wait).
      always: { guard: 'haveModem', target: 'Discovered', actions: 'resetAttempt' },
      after: {
        discoveryWindow: [
          { guard: 'haveModem', target: 'Discovered', actions: 'resetAttempt' },
          { guard: 'retryLeft', target: 'Discovering', reenter: true },
          { target: 'Failed', actions: { type: 'fail', params: { code: 'MODEM_NOT_FOUND', detail: 'no modem answers VS_SW_VER', state: 'Discovering' } } },
        ],
      },
    },
    Discovered: {
      always: [{ guard: 'isJoin', target: 'Joining' }, { guard: 'isReset', target: 'Resetting' }, { target: 'Done', actions: 'succeed' }],
    },
    Resetting: {
      entry: 'sendReset',
      on: { MME: { guard: ({ event }) => isMsg(event, 'VS_RS_DEV.CNF'), target: 'Joining.Restarting' } },
      after: { setKeyTimeout: { target: 'Failed', actions: { type: 'fail', params: { code: 'MODEM_RESET_TIMEOUT', detail: 'no VS_RS_DEV.CNF', state: 'Resetting' } } } },
    },
    Joining: {
      // TT_match_join bounds SET_KEY + restart + confirmation (ISO 15118-3: join within 12 s of CM_SLAC_MATCH.CNF).
      after: { TT_match_join: { target: 'Failed', actions: { type: 'fail', params: { code: 'MODEM_NO_AVLN', detail: 'modem did not come back / no AVLN within TT_match_join', state: 'Joining' } } } },
      initial: 'SettingKey',
      states: {
        SettingKey: {
          entry: ['countAttempt', 'sendSetKey'],
          on: {
            MME: [
              // 0 per HomePlug AV; QCA modems answer 1 when they accepted the key and restart (ccs32clara).
              { guard: ({ event }) => isMsg(event, 'CM_SET_KEY.CNF') && (event.msg.result === 0 || event.msg.result === 1), target: 'Restarting' },
              {
                guard: ({ event }) => isMsg(event, 'CM_SET_KEY.CNF'),
                target: '#modem-manager.Failed',
                actions: { type: 'fail', params: { code: 'MODEM_SET_KEY_REFUSED', detail: 'CM_SET_KEY refused by the modem', state: 'SettingKey' } },
              },
            ],
          },
          after: {
            setKeyTimeout: [
              { guard: 'retryLeft', target: 'SettingKey', reenter: true },
              { target: '#modem-manager.Failed', actions: { type: 'fail', params: { code: 'MODEM_SET_KEY_TIMEOUT', detail: 'no CM_SET_KEY.CNF', state: 'SettingKey' } } },
            ],
          },
        },
        Restarting: {
          entry: 'reportRestart',
          after: { restartPause: 'Confirming' },
        },
        Confirming: {
          entry: 'sendConfirm',
          on: { MME: { actions: 'countAnswer' } },
          // Done as soon as the expected modems (minModems, or the link) have answered.
          always: { guard: 'enoughModems', target: '#modem-manager.Done', actions: 'succeed' },
          after: {
            discoveryWindow: [{ guard: 'enoughModems', target: '#modem-manager.Done', actions: 'succeed' }, { target: 'ConfirmPause' }],
          },
        },
        ConfirmPause: {
          after: { confirmInterval: 'Confirming' },
        },
      },
    },
    Done: { type: 'final' },
    Failed: { type: 'final' },
  },
  output: ({ context }) => context.result ?? { ok: false, failure: layerFailure('NO_OUTPUT', 'ended without result'), state: 'unknown' },
});
