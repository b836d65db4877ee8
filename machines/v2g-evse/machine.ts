// v2g-evse: the charger's V2G session (SECC) as an XState v5 statechart,
// protocol-neutral like v2g-ev. It answers every request at once (the
// per-message V2G_SECC_Msg_Performance_Time is checked by the runtime's
// transport; the power supply and the isolation check run beside the dialogue
// and are reported by events), checks the message sequence
// (FAILED_SequenceError), the SessionID (FAILED_UnknownSession), runs
// V2G_SECC_Sequence_Timeout, bounds its waits with the SECC performance times
// (CableCheck, Ongoing, PreCharge), and carries the fault-injection hooks of
// pyPLC's testsuite.
//
//   waitForHandshake ─supportedAppProtocolReq→ session{ sequence ∥ isolation ∥ ongoing ∥ precharge } ─SessionStop / FAILED_* / timeout / close→
//     waitForHandshake (allowNewSessionAfterStop) | ended (final)
//   waitForHandshake ─close / reset / garbage / handshake_timeout / V2G_SECC_Sequence_Timeout / STOP_REQUEST→
//     ended (output sessions = 0, reason 'BeforeHandshake: …') | waitForHandshake (allowNewSessionAfterStop)
import { assign, enqueueActions, raise, setup } from 'xstate';
import { bytesEqual, toHex } from '../../src/bytes.js';
import type { IsolationStatus, PowerSupplyReading } from '../../src/ports/hardware.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import { v2gEvseTimeoutDefaults, type V2gEvseConfig, type V2gEvseTimeouts } from '../../src/domain/v2g/config.js';
import { chooseProtocol, decodeHandshakeRequest, encodeHandshakeResponse } from '../../src/domain/v2g/dialects/apphand.js';
import { dialectFor } from '../../src/domain/v2g/dialects/index.js';
import { faultsFor, noFaults, type FaultAction, type FaultScenario } from '../../src/domain/v2g/faults.js';
import { isAcMode, type DcEvseStatus, type Protocol, type RequestKind, type V2gResponse } from '../../src/domain/v2g/model.js';
import { documentDespiteError, energyModeOf, isAllowedNext, isOkCode, seccStepOf, type SeccStage } from '../../src/domain/v2g/policy.js';
import type { V2gDocument } from '../../src/domain/v2g/document.js';
import { answer, type EvseEffect, type IsolationProgress } from './responses.js';
import { evseEndReasonText, type V2gEvseActionParams, type V2gEvseEndReason, type V2gEvseEvent, type V2gEvseInput, type V2gEvseOutput } from './types.js';
import { Checkpoint } from '../../src/checkpoints.js';
import type { TcpCloseReason } from '../../src/ports/net.js';

/** The end after the connection closed during a session (its close reason kept as detail). */
const transportClosed = (e: { reason?: string; close?: TcpCloseReason }, beforeHandshake: boolean): V2gEvseEndReason => ({
  code: 'TransportClosed',
  detail: { ...(e.reason ? { reason: e.reason } : {}), ...(e.close ? { close: e.close } : {}), beforeHandshake },
});
/** The end after garbage during a session. */
const decodeError = (e: { error: { code: string; message: string } }): V2gEvseEndReason => ({ code: 'DecodeError', detail: { error: { code: e.error.code, message: e.error.message }, beforeHandshake: false } });

type InternalEvent =
  | { readonly type: 'HS.OK'; readonly protocol: Protocol }
  | { readonly type: 'HS.FAILED'; readonly end: V2gEvseEndReason }
  | { readonly type: 'SESSION.END'; readonly end: V2gEvseEndReason; readonly aborted: boolean }
  | { readonly type: 'ISO.START' }
  | { readonly type: 'ONGOING.START' }
  | { readonly type: 'ONGOING.STOP' }
  | { readonly type: 'PRECHARGE.START' }
  | { readonly type: 'PRECHARGE.STOP' };

/**
 * Output voltage counted as "at EVTargetVoltage" for the V2G_SECC_PreCharge_Performance_Time warning. The EV
 * decides when PreCharge ends with its own margin (pyPLC u_delta_max_for_end_of_precharge 10 V, ccs32clara
 * 20 V): the tighter one, so the warning also covers the stricter cars.
 */
const PRECHARGE_REACHED_DELTA_V = 10;

/** Where the EVSEProcessing = Ongoing run of the present loop stands ([V2G2-712/713]). */
type OngoingRun = 'idle' | 'running' | 'expired';

interface PrechargeWatch {
  /** EVTargetVoltage of the last PreChargeReq. */
  target: number;
  /** The output was within PRECHARGE_REACHED_DELTA_V of it at some check before the deadline. */
  reached: boolean;
  /** V2G_SECC_PreCharge_Performance_Time passed without reaching it (warned once). */
  overdue: boolean;
}

type Event = V2gEvseEvent | InternalEvent;

interface Ctx {
  readonly config: V2gEvseConfig;
  readonly t: V2gEvseTimeouts;
  readonly logger: Logger;
  readonly randomBytes: (n: number) => Uint8Array;
  readonly faults: FaultScenario;
  protocol: Protocol | undefined;
  sessionId: Uint8Array;
  stage: SeccStage;
  counts: Partial<Record<RequestKind, number>>;
  reading: PowerSupplyReading;
  isolation: IsolationProgress;
  ongoing: OngoingRun;
  precharge: PrechargeWatch;
  stopRequested: boolean;
  stopReason: string | undefined;
  evMaxVoltage: number | undefined;
  acSelected: boolean;
  lastCheckpoint: Checkpoint;
  sessions: number;
  end: V2gEvseEndReason | undefined;
  aborted: boolean;
}

const checkpointOfResponse: Partial<Record<RequestKind, Checkpoint>> = {
  SessionSetup: Checkpoint.SessionSetupRes,
  ServiceDiscovery: Checkpoint.ServiceDiscoveryRes,
  PaymentServiceSelection: Checkpoint.PaymentSelectionRes,
  Authorization: Checkpoint.AuthorizationRes,
  ChargeParameterDiscovery: Checkpoint.ChargeParameterDiscoveryRes,
  CableCheck: Checkpoint.CableCheckRes,
  PreCharge: Checkpoint.PreChargeRes,
  PowerDelivery: Checkpoint.PowerDeliveryStartRes,
  CurrentDemand: Checkpoint.CurrentDemandRes,
  ChargingStatus: Checkpoint.CurrentDemandRes,
  WeldingDetection: Checkpoint.WeldingDetectionRes,
  SessionStop: Checkpoint.SessionStopRes,
};

type ProvidedAction = {
  [K in keyof V2gEvseActionParams]: V2gEvseActionParams[K] extends undefined ? K : { type: K; params: V2gEvseActionParams[K] };
}[keyof V2gEvseActionParams];

/** See machines/v2g-ev/machine.ts: enqueue() narrowed to the provided actions. */
function io(enqueue: unknown): (action: ProvidedAction) => void {
  return enqueue as (action: ProvidedAction) => void;
}

function effectAction(e: EvseEffect): ProvidedAction {
  switch (e.type) {
    case 'setPowerSupply':
      return { type: 'setPowerSupply', params: { voltage: e.voltage, current: e.current } };
    case 'startIsolationCheck':
      return { type: 'startIsolationCheck', params: { voltage: e.voltage } };
    default:
      return e.type;
  }
}

function status(state: string, checkpoint?: Checkpoint, details?: StatusUpdate['details']): StatusUpdate {
  return { layer: 'session', state, ...(checkpoint !== undefined ? { checkpoint } : {}), ...(details ? { details } : {}) };
}

/** Applies the fault actions to a response (pyPLC testsuite hooks). */
function injectFaults(res: V2gResponse, actions: readonly FaultAction[]): V2gResponse {
  let out = res as V2gResponse & Record<string, unknown>;
  const patchDc = (f: (s: DcEvseStatus) => DcEvseStatus) => {
    if ('dcStatus' in out && out.dcStatus) out = { ...out, dcStatus: f(out.dcStatus as DcEvseStatus) };
    if (out.kind === 'ChargeParameterDiscovery' && out.dc) out = { ...out, dc: { ...out.dc, status: f(out.dc.status) } };
  };
  for (const a of actions) {
    switch (a.type) {
      case 'responseCode':
        out = { ...out, responseCode: a.code };
        break;
      case 'evseStatusCode':
        patchDc((s) => ({ ...s, statusCode: a.code }));
        break;
      case 'notification':
        patchDc((s) => ({ ...s, notification: a.notification }));
        if ('acStatus' in out && out.acStatus) out = { ...out, acStatus: { ...(out.acStatus as object), notification: a.notification } } as typeof out;
        break;
      case 'isolation':
        patchDc((s) => ({ ...s, isolation: a.level }));
        break;
      case 'noResponse':
        break;
    }
  }
  return out;
}

export const v2gEvseMachine = setup({
  types: {
    context: {} as Ctx,
    events: {} as Event,
    input: {} as V2gEvseInput,
    output: {} as V2gEvseOutput,
  },
  actions: {
    send: (_, _params: V2gEvseActionParams['send']) => {},
    protocolSelected: (_, _params: V2gEvseActionParams['protocolSelected']) => {},
    setPowerSupply: (_, _params: V2gEvseActionParams['setPowerSupply']) => {},
    powerSupplyOff: () => {},
    startIsolationCheck: (_, _params: V2gEvseActionParams['startIsolationCheck']) => {},
    closeOutputContactor: () => {},
    openOutputContactor: () => {},
    closeTransport: (_, _params: V2gEvseActionParams['closeTransport']) => {},
    reportStatus: (_, _params: V2gEvseActionParams['reportStatus']) => {},
  },
  guards: {
    allowNewSession: ({ context }) => context.config.allowNewSessionAfterStop,
  },
  delays: {
    V2G_SECC_Sequence_Timeout: ({ context }) => context.t.V2G_SECC_Sequence_Timeout,
    handshake_timeout: ({ context }) => Math.min(context.t.handshake_timeout, context.t.V2G_SECC_Sequence_Timeout),
    V2G_SECC_CableCheck_Performance_Time: ({ context }) => context.t.V2G_SECC_CableCheck_Performance_Time,
    V2G_SECC_Ongoing_Performance_Time: ({ context }) => context.t.V2G_SECC_Ongoing_Performance_Time,
    V2G_SECC_PreCharge_Performance_Time: ({ context }) => context.t.V2G_SECC_PreCharge_Performance_Time,
  },
})
  .extend({
    actions: {
      handleHandshake: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'V2G.REQ') return;
        const offer = decodeHandshakeRequest(event.doc);
        if (!offer.ok) {
          // Not a handshake: nothing in the AppProtocol grammar can answer it; close (one place decides, see STYLE.md).
          context.logger.log('warn', 'expected supportedAppProtocolReq', { code: offer.error.code, message: offer.error.message });
          enqueue.raise({ type: 'HS.FAILED', end: { code: 'HandshakeUndecodable', detail: { message: offer.error.message } } });
          return;
        }
        enqueue.assign({ lastCheckpoint: Checkpoint.ProtocolChosen });
        const choice = chooseProtocol(offer.value, context.config.protocolPreference);
        io(enqueue)({ type: 'reportStatus', params: status('SupportedAppProtocolReq', Checkpoint.ProtocolChosen, { offered: offer.value.map((o) => o.namespace).join(' ') }) });
        io(enqueue)({ type: 'send', params: { schema: 'appHand', doc: encodeHandshakeResponse(choice.response) } });
        enqueue.assign({ lastCheckpoint: Checkpoint.SupportedAppProtocolRes });
        io(enqueue)({ type: 'reportStatus', params: status('SupportedAppProtocolRes', Checkpoint.SupportedAppProtocolRes, { responseCode: choice.response.responseCode, protocol: choice.protocol ?? 'none' }) });
        if (!choice.protocol) {
          enqueue.raise({ type: 'HS.FAILED', end: { code: 'NoNegotiation', detail: {} } });
          return;
        }
        io(enqueue)({ type: 'protocolSelected', params: { protocol: choice.protocol, schema: choice.protocol } });
        enqueue.raise({ type: 'HS.OK', protocol: choice.protocol });
      }),
      handleRequest: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'V2G.REQ' || !context.protocol) return;
        const dialect = dialectFor(context.protocol);
        const decoded = dialect.decodeRequest(event.doc);
        if (!decoded.ok) {
          // Unknown or malformed request: the response type is unknown, so no FAILED_* answer is possible.
          context.logger.log('warn', 'undecodable request: closing', { code: decoded.error.code, message: decoded.error.message });
          io(enqueue)({ type: 'closeTransport', params: { reason: `request not understood: ${decoded.error.code}` } });
          enqueue.raise({ type: 'SESSION.END', end: { code: 'RequestNotUnderstood', detail: { errorCode: decoded.error.code } }, aborted: true });
          return;
        }
        const { sessionId, body: req } = decoded.value;
        const count = (context.counts[req.kind] ?? 0) + 1;
        enqueue.assign({ counts: { ...context.counts, [req.kind]: count } });
        const faults = faultsFor(context.faults, req.kind, count);
        if (faults.some((f) => f.type === 'noResponse')) {
          context.logger.log('info', `fault injection: no answer to ${req.kind}Req #${count}`, {});
          return;
        }
        // SessionID: a new one unless the EV rejoins the current session (OK_OldSessionJoined).
        let sid = context.sessionId;
        let errorCode: 'FAILED_SequenceError' | 'FAILED_UnknownSession' | undefined;
        if (req.kind === 'SessionSetup') {
          if (!(context.sessionId.length > 0 && bytesEqual(sessionId, context.sessionId))) sid = context.randomBytes(context.config.sessionIdLength);
        } else if (!bytesEqual(sessionId, context.sessionId)) errorCode = 'FAILED_UnknownSession';
        // The sequence depends on the energy mode (DC needs a finished CableCheck and PreCharge before power):
        // the mode a ChargeParameterDiscoveryReq asks for, else the one chosen in this session (DC until then;
        // both modes share the steps before ChargeParameterDiscovery).
        const mode = req.kind === 'ChargeParameterDiscovery' ? energyModeOf(req.mode) : context.acSelected ? 'AC' : 'DC';
        if (!errorCode && !isAllowedNext(mode, context.stage, seccStepOf(req))) errorCode = 'FAILED_SequenceError';
        if (req.kind === 'ChargeParameterDiscovery') {
          enqueue.assign({ acSelected: isAcMode(req.mode), ...(req.dc ? { evMaxVoltage: req.dc.maxVoltage } : {}) });
        }
        const facts = {
          config: context.config,
          protocol: context.protocol,
          reading: context.reading,
          isolation: context.isolation,
          stopRequested: context.stopRequested,
          // Rounds already answered (the count assigned above applies after this action).
          authorizationRounds: context.counts.Authorization ?? 0,
          chargeParameterRounds: context.counts.ChargeParameterDiscovery ?? 0,
          evMaxVoltage: req.kind === 'ChargeParameterDiscovery' && req.dc ? req.dc.maxVoltage : context.evMaxVoltage,
          acSelected: req.kind === 'ChargeParameterDiscovery' ? isAcMode(req.mode) : context.acSelected,
        };
        const a = answer(req, facts);
        let res: V2gResponse = a.res;
        let failReason: V2gEvseEndReason | undefined;
        if (
          (res.kind === 'Authorization' || res.kind === 'ChargeParameterDiscovery') &&
          res.processing !== 'Finished' &&
          isOkCode(res.responseCode) &&
          !errorCode &&
          context.ongoing === 'expired'
        ) {
          // [V2G2-712/713]: still not ready after V2G_SECC_Ongoing_Performance_Time since the first Ongoing of this
          // loop: answer FAILED (the EV learns why before its own V2G_EVCC_Ongoing_Timeout) and end the session.
          res = { ...res, responseCode: 'FAILED', processing: 'Finished' };
          failReason = { code: 'Timeout', detail: { timer: 'V2G_SECC_Ongoing_Performance_Time', beforeHandshake: false } };
          context.logger.log('warn', `${req.kind}Req still Ongoing after V2G_SECC_Ongoing_Performance_Time: FAILED`, { performanceTimeMs: context.t.V2G_SECC_Ongoing_Performance_Time });
        }
        if (req.kind === 'SessionSetup' && context.sessionId.length > 0 && sid === context.sessionId) res = { ...res, responseCode: 'OK_OldSessionJoined' };
        if (errorCode) {
          // [V2G2-538/539]: answer an unexpected request with FAILED_SequenceError in the request's response type.
          res = { ...res, responseCode: errorCode };
          context.logger.log('warn', `${errorCode}: ${seccStepOf(req)}Req after ${context.stage} (${mode})`, {});
        }
        res = injectFaults(res, faults);
        if (faults.length > 0) context.logger.log('info', `fault injection on ${req.kind}Req #${count}`, { faults: faults.map((f) => f.type).join(',') });
        const doc = dialect.encodeResponse(sid, res);
        if (!doc.ok) {
          context.logger.log('error', `cannot encode ${req.kind}Res`, { message: doc.error.message });
          io(enqueue)({ type: 'closeTransport', params: { reason: `cannot encode ${req.kind}Res` } });
          enqueue.raise({ type: 'SESSION.END', end: { code: 'EncodeFailed', detail: { document: `${req.kind}Res`, message: doc.error.message, beforeHandshake: false } }, aborted: true });
          return;
        }
        const ok = isOkCode(res.responseCode);
        // Effects only for accepted requests: a rejected one must not move the power supply.
        if (ok && !errorCode) {
          for (const e of a.effects) {
            if (e.type === 'startIsolationCheck') enqueue.raise({ type: 'ISO.START' });
            io(enqueue)(effectAction(e));
          }
          enqueue.assign({ stage: a.stage, sessionId: sid });
          if (res.kind === 'Authorization' || res.kind === 'ChargeParameterDiscovery') enqueue.raise({ type: res.processing === 'Finished' ? 'ONGOING.STOP' : 'ONGOING.START' });
          if (req.kind === 'PreCharge') {
            const reached = context.precharge.reached || Math.abs(context.reading.voltage - req.targetVoltage) <= PRECHARGE_REACHED_DELTA_V;
            enqueue.assign({ precharge: { ...context.precharge, target: req.targetVoltage, reached } });
            enqueue.raise({ type: 'PRECHARGE.START' });
          } else enqueue.raise({ type: 'PRECHARGE.STOP' });
        }
        if (req.kind === 'CurrentDemand' && context.stopRequested && context.lastCheckpoint !== Checkpoint.EvseShutdown) {
          enqueue.assign({ lastCheckpoint: Checkpoint.EvseShutdown });
          io(enqueue)({ type: 'reportStatus', params: status('EVSE_Shutdown', Checkpoint.EvseShutdown, { reason: context.stopReason ?? 'stop' }) });
        }
        io(enqueue)({ type: 'send', params: { schema: dialect.schema, doc: doc.value } });
        const cp = req.kind === 'PowerDelivery' && req.progress !== 'Start' ? Checkpoint.PowerDeliveryStopRes : checkpointOfResponse[req.kind];
        if (cp !== undefined) enqueue.assign({ lastCheckpoint: cp });
        const details: Record<string, string | number | boolean> = { responseCode: res.responseCode };
        if (req.kind === 'CurrentDemand') Object.assign(details, { targetVoltage: req.targetVoltage, targetCurrent: req.targetCurrent, soc: req.evStatus.soc });
        if (req.kind === 'SessionSetup') Object.assign(details, { evccId: toHex(req.evccId), sessionId: toHex(sid) });
        if (req.kind === 'PreCharge' && context.precharge.overdue) Object.assign(details, { prechargePerformanceTimeExceeded: true, targetVoltage: req.targetVoltage, presentVoltage: context.reading.voltage });
        io(enqueue)({ type: 'reportStatus', params: status(`${req.kind}Res`, cp, details) });
        if (!ok) {
          // After FAILED_* the session is over; the SECC closes the connection.
          io(enqueue)('powerSupplyOff');
          io(enqueue)({ type: 'closeTransport', params: { reason: `${res.responseCode} in ${req.kind}Res` } });
          enqueue.raise({ type: 'SESSION.END', end: failReason ?? { code: 'ResponseCodeFailed', detail: { request: req.kind, responseCode: res.responseCode } }, aborted: true });
        } else if (req.kind === 'SessionStop') {
          enqueue.raise({ type: 'SESSION.END', end: { code: 'SessionStop', detail: {} }, aborted: false });
        }
      }),
    },
  })
  .createMachine({
    id: 'v2gEvse',
    context: ({ input }) => ({
      config: input.config,
      t: { ...v2gEvseTimeoutDefaults, ...input.config.timeouts },
      logger: input.logger ?? nullLogger,
      randomBytes: input.randomBytes,
      faults: input.faults ?? noFaults,
      protocol: undefined,
      sessionId: new Uint8Array(),
      stage: 'start',
      counts: {},
      reading: { voltage: 0, current: 0 },
      isolation: { state: 'idle' },
      ongoing: 'idle',
      precharge: { target: 0, reached: false, overdue: false },
      stopRequested: false,
      stopReason: undefined,
      evMaxVoltage: undefined,
      acSelected: false,
      lastCheckpoint: Checkpoint.TcpListen,
      sessions: 0,
      end: undefined,
      aborted: false,
    }),
    on: {
      'PS.READING': { actions: assign({ reading: ({ event }) => event.reading }) },
      STOP_REQUEST: { actions: assign({ stopRequested: true, stopReason: ({ event }) => event.reason ?? 'StopRequest' }) },
    },
    initial: 'waitForHandshake',
    states: {
      waitForHandshake: {
        entry: [
          assign({
            protocol: undefined,
            sessionId: new Uint8Array(),
            stage: 'start',
            counts: {},
            isolation: { state: 'idle' },
            ongoing: 'idle',
            precharge: { target: 0, reached: false, overdue: false },
            acSelected: false,
            evMaxVoltage: undefined,
            // A stop request belongs to the session it was made in.
            stopRequested: false,
            stopReason: undefined,
          }),
          { type: 'reportStatus', params: status('WaitForSupportedAppProtocolReq', Checkpoint.TcpListen) },
        ],
        on: {
          'V2G.REQ': { actions: 'handleHandshake' },
          'HS.OK': {
            target: 'session',
            actions: assign({ protocol: ({ event }) => event.protocol, sessions: ({ context }) => context.sessions + 1 }),
          },
          'HS.FAILED': [
            { guard: 'allowNewSession', target: 'waitForHandshake', reenter: true, actions: [{ type: 'closeTransport', params: ({ event }) => ({ reason: evseEndReasonText(event.end) }) }] },
            { target: 'ended', actions: [{ type: 'closeTransport', params: ({ event }) => ({ reason: evseEndReasonText(event.end) }) }, assign({ end: ({ event }) => event.end, aborted: true })] },
          ],
          'V2G.DECODE_ERROR': [
            {
              guard: ({ event }) => documentDespiteError(event.error) !== undefined,
              actions: raise(({ event }) => ({ type: 'V2G.REQ' as const, doc: documentDespiteError(event.error) as V2gDocument })),
            },
            // Garbage, broken framing or EXI that is not a handshake: there is no response type to answer with
            // and nothing after it on this stream can be trusted, so the connection is over (one place decides).
            { actions: raise(({ event }) => ({ type: 'HS.FAILED' as const, end: { code: 'DecodeError' as const, detail: { error: { code: event.error.code, message: event.error.message }, beforeHandshake: true } } })) },
          ],
          // Our own supportedAppProtocolRes did not encode: a bug here, not a decode error of the car's (issue 9 §3).
          'V2G.ENCODE_ERROR': { actions: raise(({ event }) => ({ type: 'HS.FAILED' as const, end: { code: 'EncodeFailed' as const, detail: { document: event.document, message: event.error.message, beforeHandshake: true } } })) },
          // The peer closed (FIN) or reset the connection before its supportedAppProtocolReq. Without this
          // transition the machine waited for a handshake on a dead connection forever and held the only
          // session slot (issue 8: one early FIN disabled the charger).
          'V2G.TRANSPORT_CLOSED': [
            { guard: 'allowNewSession', target: 'waitForHandshake', reenter: true },
            { target: 'ended', actions: assign({ end: ({ event }) => transportClosed(event, true), aborted: true }) },
          ],
          // A stop at the charger while no session runs: nothing to wind down.
          STOP_REQUEST: {
            target: 'ended',
            actions: [{ type: 'closeTransport', params: { reason: 'stop before the handshake' } }, assign({ end: ({ event }): V2gEvseEndReason => ({ code: 'StopRequest', detail: event.reason ? { request: event.reason } : {} }), aborted: true })],
          },
        },
        after: {
          // The handshake wait is bounded twice from the accept: by the standard's V2G_SECC_Sequence_Timeout
          // (DIN 70121 / ISO 15118-2 [V2G2-443]: 60 s; it only ran after the handshake before) and by the tighter
          // handshake_timeout for a peer that has sent no complete message (silent, slowloris), see src/domain/v2g/config.ts.
          handshake_timeout: { actions: raise({ type: 'HS.FAILED' as const, end: { code: 'Timeout', detail: { timer: 'handshake_timeout', beforeHandshake: true } } }) },
          V2G_SECC_Sequence_Timeout: { actions: raise({ type: 'HS.FAILED' as const, end: { code: 'Timeout', detail: { timer: 'V2G_SECC_Sequence_Timeout', beforeHandshake: true } } }) },
        },
      },
      session: {
        type: 'parallel',
        on: {
          'SESSION.END': [
            { guard: 'allowNewSession', target: 'waitForHandshake', actions: assign({ end: ({ event }) => event.end, aborted: ({ event }) => event.aborted }) },
            { target: 'ended', actions: assign({ end: ({ event }) => event.end, aborted: ({ event }) => event.aborted }) },
          ],
          'V2G.TRANSPORT_CLOSED': [
            { guard: 'allowNewSession', target: 'waitForHandshake', actions: ['powerSupplyOff', assign({ end: ({ event }) => transportClosed(event, false), aborted: true })] },
            { target: 'ended', actions: ['powerSupplyOff', assign({ end: ({ event }) => transportClosed(event, false), aborted: true })] },
          ],
          'V2G.DECODE_ERROR': [
            {
              // Complete document followed by extra bytes (Tesla Model 3 / Model Y): answer it, with a warning.
              guard: ({ event }) => documentDespiteError(event.error) !== undefined,
              actions: [
                ({ context, event }) => context.logger.log('warn', 'request with bytes after the EXI document: used anyway', { code: event.error.code }),
                raise(({ event }) => ({ type: 'V2G.REQ' as const, doc: documentDespiteError(event.error) as V2gDocument })),
              ],
            },
            // Garbage on the connection: no response type to answer with, so close (STYLE.md: decided in one place).
            {
              guard: 'allowNewSession',
              target: 'waitForHandshake',
              actions: ['powerSupplyOff', { type: 'closeTransport', params: ({ event }) => ({ reason: `decode error: ${event.error.code}` }) }, assign({ end: ({ event }) => decodeError(event), aborted: true })],
            },
            {
              target: 'ended',
              actions: ['powerSupplyOff', { type: 'closeTransport', params: ({ event }) => ({ reason: `decode error: ${event.error.code}` }) }, assign({ end: ({ event }) => decodeError(event), aborted: true })],
            },
          ],
          // Our own response did not encode (the transport's EXI encoder refused it): the car gets no answer, so the
          // session is over as after garbage — but the end reason says whose fault it was (not a DecodeError).
          'V2G.ENCODE_ERROR': [
            {
              guard: 'allowNewSession',
              target: 'waitForHandshake',
              actions: [
                'powerSupplyOff',
                { type: 'closeTransport', params: ({ event }) => ({ reason: `encode failed: ${event.document}` }) },
                assign({ end: ({ event }): V2gEvseEndReason => ({ code: 'EncodeFailed', detail: { document: event.document, message: event.error.message, beforeHandshake: false } }), aborted: true }),
              ],
            },
            {
              target: 'ended',
              actions: [
                'powerSupplyOff',
                { type: 'closeTransport', params: ({ event }) => ({ reason: `encode failed: ${event.document}` }) },
                assign({ end: ({ event }): V2gEvseEndReason => ({ code: 'EncodeFailed', detail: { document: event.document, message: event.error.message, beforeHandshake: false } }), aborted: true }),
              ],
            },
          ],
        },
        states: {
          sequence: {
            initial: 'active',
            states: {
              active: {
                // V2G_SECC_Sequence_Timeout restarts with every request (reenter).
                on: { 'V2G.REQ': { target: 'active', reenter: true, actions: 'handleRequest' } },
                after: {
                  V2G_SECC_Sequence_Timeout: {
                    target: 'timedOut',
                  },
                },
              },
              timedOut: {
                entry: [
                  'powerSupplyOff',
                  { type: 'closeTransport', params: { reason: 'V2G_SECC_Sequence_Timeout' } },
                  { type: 'reportStatus', params: status('SequenceTimeout') },
                  // Leave the parallel state through the same path as any other end.
                  enqueueActions(({ enqueue }) => enqueue.raise({ type: 'SESSION.END', end: { code: 'Timeout', detail: { timer: 'V2G_SECC_Sequence_Timeout', beforeHandshake: false } }, aborted: true })),
                ],
              },
            },
          },
          isolation: {
            initial: 'idle',
            states: {
              idle: { on: { 'ISO.START': 'running' } },
              running: {
                entry: assign({ isolation: { state: 'running' } }),
                on: {
                  'PS.ISOLATION': { target: 'done', actions: assign({ isolation: ({ event }) => ({ state: 'done', result: event.status as IsolationStatus }) }) },
                },
                after: {
                  V2G_SECC_CableCheck_Performance_Time: {
                    target: 'done',
                    actions: [assign({ isolation: { state: 'done', result: 'Timeout' } }), ({ context }) => context.logger.log('warn', 'isolation check did not finish in time', {})],
                  },
                },
              },
              done: {},
            },
          },
          ongoing: {
            // V2G_SECC_Ongoing_Timer [V2G2-712]: starts with the first Ongoing answer of a loop, stops with Finished.
            initial: 'idle',
            states: {
              idle: { entry: assign({ ongoing: 'idle' }), on: { 'ONGOING.START': 'running' } },
              running: {
                entry: assign({ ongoing: 'running' }),
                on: { 'ONGOING.STOP': 'idle' },
                after: { V2G_SECC_Ongoing_Performance_Time: 'expired' },
              },
              expired: {
                entry: [
                  assign({ ongoing: 'expired' }),
                  ({ context }) => context.logger.log('warn', 'EVSEProcessing Ongoing for V2G_SECC_Ongoing_Performance_Time: the next Ongoing answer is FAILED', { performanceTimeMs: context.t.V2G_SECC_Ongoing_Performance_Time }),
                ],
                on: { 'ONGOING.STOP': 'idle' },
              },
            },
          },
          precharge: {
            // V2G_SECC_PreCharge_Performance_Time (ISO 15118-2 Table 111) from the first PreChargeReq. The EV
            // decides when PreCharge is done, so an overrun is a warning, not an end.
            initial: 'idle',
            states: {
              idle: { on: { 'PRECHARGE.START': 'running' } },
              running: {
                on: { 'PRECHARGE.STOP': 'done' },
                after: {
                  V2G_SECC_PreCharge_Performance_Time: [
                    {
                      guard: ({ context }) => !context.precharge.reached && Math.abs(context.reading.voltage - context.precharge.target) > PRECHARGE_REACHED_DELTA_V,
                      target: 'overdue',
                    },
                    { target: 'done' },
                  ],
                },
              },
              overdue: {
                entry: [
                  assign({ precharge: ({ context }) => ({ ...context.precharge, overdue: true }) }),
                  ({ context }) =>
                    context.logger.log('warn', 'output not at EVTargetVoltage within V2G_SECC_PreCharge_Performance_Time: still answering with the present voltage', {
                      targetVoltage: context.precharge.target,
                      presentVoltage: context.reading.voltage,
                      performanceTimeMs: context.t.V2G_SECC_PreCharge_Performance_Time,
                    }),
                  {
                    type: 'reportStatus',
                    params: ({ context }) =>
                      status('PreChargePerformanceTimeExceeded', undefined, {
                        targetVoltage: context.precharge.target,
                        presentVoltage: context.reading.voltage,
                        performanceTimeMs: context.t.V2G_SECC_PreCharge_Performance_Time,
                      }),
                  },
                ],
                on: { 'PRECHARGE.STOP': 'done' },
              },
              done: {},
            },
          },
        },
      },
      ended: { type: 'final', entry: ['powerSupplyOff', { type: 'reportStatus', params: status('SessionEnded') }] },
    },
    output: ({ context }) => ({
      result: context.aborted ? 'Aborted' : 'SessionStopped',
      ...(context.end ? { end: context.end } : {}),
      reason: context.end ? evseEndReasonText(context.end) : '',
      lastCheckpoint: context.lastCheckpoint,
      ...(context.protocol ? { protocol: context.protocol } : {}),
      ...(context.sessionId.length > 0 ? { sessionId: toHex(context.sessionId) } : {}),
      sessions: context.sessions,
    }),
  });
