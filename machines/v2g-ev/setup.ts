// v2g-ev setup: the EV session machine's context, events, actions, guards and
// named delays (XState v5 `setup`), and the helpers its states use (the one
// fatal transition, the named timeouts). The states are in machine.ts; what a
// response means is decided in triage.ts. No I/O (see machine.ts).
import { assign, enqueueActions, setup } from 'xstate';
import { toHex } from '../../src/bytes.js';
import type { BatteryState, LockState } from '../../src/ports/hardware.js';
import type { ChargeParameters } from '../../src/ports/charge-parameters.js';
import { type Logger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import type { V2gEvConfig, V2gEvTimeouts } from '../../src/domain/v2g/config.js';
import { v2gEvTimeoutDefaults } from '../../src/domain/v2g/config.js';
import { encodeHandshakeRequest, offerFor } from '../../src/domain/v2g/dialects/apphand.js';
import { dialectFor, type Dialect } from '../../src/domain/v2g/dialects/index.js';
import { isAcMode, type DcEvseStatusCode, type IsolationLevel, type Protocol, type RequestKind, type V2gResponse } from '../../src/domain/v2g/model.js';
import { documentDespiteError } from '../../src/domain/v2g/policy.js';
import { endReasonText } from './end-reason.js';
import { buildRequest, type EvseLimits } from './requests.js';
import { triageResponse, type Fatal, type Step } from './triage.js';
import type { V2gEvActionParams, V2gEvEndReason, V2gEvEvent, V2gEvFaultReason, V2gEvFinishReason, V2gEvInput, V2gEvOutput } from './types.js';
import { Checkpoint } from '../../src/checkpoints.js';

/** Internal events raised by the response triage. */
type InternalEvent =
  | { readonly type: 'RES.OK'; readonly res: V2gResponse; readonly sessionId: Uint8Array; readonly step: Step }
  | { readonly type: 'RES.FATAL'; readonly fatal: Fatal }
  | { readonly type: 'HANDSHAKE.OK'; readonly protocol: Protocol };

export type Event = V2gEvEvent | InternalEvent;

export interface Ctx {
  readonly config: V2gEvConfig;
  readonly t: V2gEvTimeouts;
  readonly logger: Logger;
  battery: BatteryState;
  /** A charge-parameter source (CHAdeMO bridge), when the runtime has one. */
  source: ChargeParameters | undefined;
  protocol: Protocol | undefined;
  sessionId: Uint8Array;
  /** The request awaiting its response ('SupportedAppProtocol' for the handshake). */
  pending: RequestKind | 'SupportedAppProtocol' | undefined;
  lastCheckpoint: Checkpoint;
  evse: EvseLimits | undefined;
  saScheduleTupleId: number | undefined;
  presentVoltage: number | undefined;
  presentCurrent: number | undefined;
  inletVoltage: number | undefined;
  measuredCurrent: number | undefined;
  lock: LockState;
  lockConfirmed: boolean;
  contactorsClosed: boolean;
  cpC: boolean;
  /** Set when a graceful stop is wanted (user, SOC target, EVSE_Shutdown, StopCharging); acted on at the next decision point. */
  stopReason: V2gEvFinishReason | undefined;
  /** The first fault; the session ends in safeShutdown with it. */
  fatal: Fatal | undefined;
  chargeLoopCount: number;
  weldingRounds: number;
  lastIsolation: IsolationLevel | undefined;
  meterInfo: { meterId: string; reading?: number; tMeter?: number } | undefined;
  receiptRequired: boolean;
  lastStatusCode: DcEvseStatusCode | undefined;
}

const checkpointOfRequest: Partial<Record<RequestKind, Checkpoint>> = {
  SessionSetup: Checkpoint.SessionSetupReq,
  ServiceDiscovery: Checkpoint.ServiceDiscoveryReq,
  PaymentServiceSelection: Checkpoint.PaymentSelectionReq,
  Authorization: Checkpoint.AuthorizationReq,
  ChargeParameterDiscovery: Checkpoint.ChargeParameterDiscoveryReq,
  CableCheck: Checkpoint.CableCheckReq,
  PreCharge: Checkpoint.PreChargeReq,
  CurrentDemand: Checkpoint.CurrentDemandReq,
  ChargingStatus: Checkpoint.CurrentDemandReq,
  WeldingDetection: Checkpoint.WeldingDetectionReq,
  SessionStop: Checkpoint.SessionStopReq,
};

function dialect(ctx: Ctx): Dialect {
  return dialectFor(ctx.protocol ?? 'din');
}

export function report(state: string, checkpoint?: Checkpoint, details?: StatusUpdate['details']): StatusUpdate {
  return { layer: 'session', state, ...(checkpoint !== undefined ? { checkpoint } : {}), ...(details ? { details } : {}) };
}

/** How the session ended: the first fault, else the stop that was asked for. */
export function endOf(ctx: Ctx): V2gEvEndReason {
  return ctx.fatal?.end ?? ctx.stopReason ?? { code: 'SessionStop', detail: {} };
}

/** The inlet voltage (when it is the precharge measure) is within the precharge delta of the target. */
function inletAtPrechargeTarget(ctx: Ctx): boolean {
  return (
    ctx.config.prechargeUseInletVoltage &&
    ctx.inletVoltage !== undefined &&
    (!ctx.source || ctx.source.readyForPower) &&
    Math.abs(ctx.inletVoltage - (ctx.source?.prechargeVoltage ?? ctx.battery.voltage)) < ctx.config.prechargeVoltageDelta
  );
}

const noop = () => {};

/** An enqueueable provided action, typed from V2gEvActionParams. */
type ProvidedAction = {
  [K in keyof V2gEvActionParams]: V2gEvActionParams[K] extends undefined ? K : { type: K; params: V2gEvActionParams[K] };
}[keyof V2gEvActionParams];

/**
 * XState's types do not follow enqueue() into actions declared with
 * setup().extend(); this narrows it to the provided actions (same call at run time).
 */
export function io(enqueue: unknown): (action: ProvidedAction) => void {
  return enqueue as (action: ProvidedAction) => void;
}

/** Context updates that go with a fault, applied before the `fatal` action. */
type FatalPrelude = 'storeLock' | 'markContactorsOpen';

/**
 * The one fatal transition: record the fault (first one wins) and end in
 * safeShutdown. `fatal` is the fault, or a function of the event and context.
 */
export function toSafeShutdown<E extends Event = Event>(fatal: V2gEvFaultReason | ((args: { context: Ctx; event: E }) => V2gEvFaultReason), ...prelude: FatalPrelude[]) {
  return {
    target: '#v2gEv.safeShutdown',
    actions: [
      ...prelude,
      { type: 'fatal' as const, params: typeof fatal === 'function' ? (args: { context: Ctx; event: E }) => ({ end: fatal(args) }) : { end: fatal } },
    ],
  };
}

/** A named timer ran out while waiting for `waitingFor`: the session is over. */
export function timeout(timer: keyof V2gEvTimeouts, waitingFor: string) {
  return toSafeShutdown({ code: 'Timeout', detail: { timer, waitingFor } });
}

/** The requests whose response timer is a named V2G_EVCC_Msg_Timeout_<request> delay. */
type MsgTimeoutName = keyof V2gEvTimeouts extends infer T ? (T extends `V2G_EVCC_Msg_Timeout_${infer R}` ? R : never) : never;

/** The request/response timer of one request ([V2G2-036] V2G_EVCC_Msg_Timeout): its name is the request's. */
export function msgTimeout<K extends MsgTimeoutName>(kind: K, waitingFor: string = kind) {
  const timer: `V2G_EVCC_Msg_Timeout_${K}` = `V2G_EVCC_Msg_Timeout_${kind}`;
  return { [timer]: timeout(timer as keyof V2gEvTimeouts, waitingFor) } as Record<`V2G_EVCC_Msg_Timeout_${K}`, ReturnType<typeof timeout>>;
}


export const v2gEvSetup = setup({
  types: {
    context: {} as Ctx,
    events: {} as Event,
    input: {} as V2gEvInput,
    output: {} as V2gEvOutput,
  },
  actions: {
    // --- provided by the runtime (defaults do nothing) ---
    send: (_, _params: V2gEvActionParams['send']) => {},
    protocolSelected: (_, _params: V2gEvActionParams['protocolSelected']) => {},
    setCpState: (_, _params: V2gEvActionParams['setCpState']) => {},
    lockConnector: noop,
    unlockConnector: noop,
    closeContactors: noop,
    openContactors: noop,
    requestSafeShutdown: (_, _params: V2gEvActionParams['requestSafeShutdown']) => {},
    reportStatus: (_, _params: V2gEvActionParams['reportStatus']) => {},
  },
  guards: {
    // --- the triage's verdict on a response (triage.ts) ---
    stepNext: ({ event }) => event.type === 'RES.OK' && event.step.step === 'next',
    stepFatal: ({ event }) => event.type === 'RES.OK' && event.step.step === 'fatal',
    meteringReceiptAsked: ({ event }) => event.type === 'RES.OK' && event.res.kind === 'ChargingStatus' && event.res.receiptRequired === true,
    // --- session facts ---
    stopPending: ({ context }) => context.stopReason !== undefined,
    isAc: ({ context }) => isAcMode(context.config.energyTransferMode),
    noLockHardware: ({ context }) => !context.config.hasConnectorLock,
    lockReportedLocked: ({ context }) => context.lock === 'locked',
    lockReportedFault: ({ context }) => context.lock === 'fault',
    // Losing the lock while the connector may carry energy is a fault (lock feedback is the only proof).
    lockLost: ({ context, event }) => event.type === 'HW.LOCK' && context.lockConfirmed && event.state !== 'locked' && context.config.hasConnectorLock,
    noContactorFeedback: ({ context }) => !context.config.contactorsHaveFeedback,
    contactorsConfirmedClosed: ({ context }) => context.config.contactorsHaveFeedback && context.contactorsClosed,
    // A stopping charge-parameter source (CHAdeMO stop sequence) opens them itself, at 0 A.
    contactorsDroppedUnasked: ({ context, event }) => event.type === 'HW.CONTACTORS' && !event.closed && !context.source?.stopping,
    lightBulbDemo: ({ context }) => context.config.lightBulbDemo,
    // Only with an inlet sensor (HW.INLET_VOLTAGE seen); an unknown reading (NaN) is not plausible.
    inletImplausible: ({ context }) =>
      context.inletVoltage !== undefined && context.presentVoltage !== undefined && !(Math.abs(context.presentVoltage - context.inletVoltage) <= context.config.inletPlausibilityDelta),
    contactorsOpen: ({ context }) => !context.contactorsClosed,
    prechargeConverged: ({ context }) => {
      // A source holds PreCharge until its far side closed its contactors (CHAdeMO: after D2).
      if (context.source && !context.source.readyForPower) return false;
      const u = context.config.prechargeUseInletVoltage ? context.inletVoltage : context.presentVoltage;
      return u !== undefined && Math.abs(u - (context.source?.prechargeVoltage ?? context.battery.voltage)) < context.config.prechargeVoltageDelta;
    },
    // With the inlet voltage as the measure, a new reading may end the precharge between two requests.
    inletAtPrechargeTarget: ({ context }) => inletAtPrechargeTarget(context),
    // Measured (HW.CURRENT) and at or below the limit: the only proof that opening breaks no load.
    currentLow: ({ context }) => context.measuredCurrent !== undefined && Math.abs(context.measuredCurrent) <= context.config.contactorOpenCurrentLimit,
    noCurrentSensor: ({ context }) => context.measuredCurrent === undefined,
    weldingDone: ({ context }) =>
      (context.presentVoltage !== undefined && context.presentVoltage < context.config.weldingVoltageLimit) || context.weldingRounds >= context.config.weldingMaxRounds,
    unlockSafe: ({ context }) => {
      if (context.contactorsClosed) return false;
      const v = context.inletVoltage ?? context.presentVoltage;
      return v === undefined || v < context.config.safeVoltage;
    },
    // Complete document followed by extra bytes (Tesla): use it, with a warning.
    documentDespiteError: ({ event }) => event.type === 'V2G.DECODE_ERROR' && documentDespiteError(event.error) !== undefined,
  },
  delays: Object.fromEntries(Object.keys(v2gEvTimeoutDefaults).map((k) => [k, ({ context }: { context: Ctx }) => context.t[k as keyof V2gEvTimeouts]])) as Record<
    keyof V2gEvTimeouts,
    ({ context }: { context: Ctx }) => number
  >,
})
  .extend({
    actions: {
      checkpoint: enqueueActions(({ enqueue }, params: { checkpoint: Checkpoint; state: string; details?: StatusUpdate['details'] }) => {
        enqueue.assign({ lastCheckpoint: params.checkpoint });
        io(enqueue)({ type: 'reportStatus', params: report(params.state, params.checkpoint, params.details) });
      }),
      sendHandshake: enqueueActions(({ context, enqueue }) => {
        const doc = encodeHandshakeRequest(offerFor(context.config.protocols));
        enqueue.assign({ pending: 'SupportedAppProtocol', lastCheckpoint: Checkpoint.SupportedAppProtocolReq });
        io(enqueue)({ type: 'send', params: { schema: 'appHand', doc } });
        io(enqueue)({ type: 'reportStatus', params: report('SupportedAppProtocol', Checkpoint.SupportedAppProtocolReq, { offered: context.config.protocols.join(',') }) });
      }),
      sendRequest: enqueueActions(({ context, enqueue }, params: { kind: RequestKind; stop?: boolean }) => {
        const req = buildRequest(
          params.kind,
          {
            config: context.config,
            battery: context.battery,
            sessionId: context.sessionId,
            ...(context.evse ? { evse: context.evse } : {}),
            ...(context.saScheduleTupleId !== undefined ? { saScheduleTupleId: context.saScheduleTupleId } : {}),
            ...(context.meterInfo ? { meterInfo: context.meterInfo } : {}),
            ...(context.source ? { source: context.source } : {}),
          },
          params.stop ? { stop: true } : {},
        );
        const doc = dialect(context).encodeRequest(context.sessionId, req);
        if (!doc.ok) {
          const error = { code: doc.error.code, message: doc.error.message };
          enqueue.raise({ type: 'RES.FATAL', fatal: { end: { code: 'EncodeFailed', detail: { document: `${params.kind}Req`, error } } } });
          return;
        }
        const cp = params.kind === 'PowerDelivery' ? (params.stop ? Checkpoint.PowerDeliveryStopReq : Checkpoint.PowerDeliveryStartReq) : checkpointOfRequest[params.kind];
        enqueue.assign({ pending: params.kind, ...(cp !== undefined ? { lastCheckpoint: cp } : {}) });
        io(enqueue)({ type: 'send', params: { schema: dialect(context).schema, doc: doc.value } });
        if (params.kind !== 'CurrentDemand' && params.kind !== 'ChargingStatus')
          context.logger.log('debug', `${params.kind}Req`, { progress: params.stop === undefined ? undefined : params.stop ? 'Stop' : 'Start' });
        io(enqueue)({
          type: 'reportStatus',
          params: report(`${params.kind}${params.kind === 'PowerDelivery' ? (params.stop ? 'Stop' : 'Start') : ''}`, cp, {
            soc: context.battery.socPercent,
          }),
        });
      }),
      /** Applies triageResponse's verdict: the facts it found, then HANDSHAKE.OK, RES.OK or RES.FATAL. */
      handleResponse: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'V2G.RES') return;
        const t = triageResponse(context, event.doc, context.lastIsolation);
        if (t.kind === 'unsolicited') {
          context.logger.log('warn', 'response without a pending request: ignored', {});
          return;
        }
        enqueue.assign({ pending: undefined });
        if (t.kind === 'handshake') {
          enqueue.raise({ type: 'HANDSHAKE.OK', protocol: t.protocol });
          return;
        }
        if (t.received) {
          const { res, checkpoint: cp, dcStatus: dc, sessionIdMismatch } = t.received;
          if (sessionIdMismatch)
            // Logged, not fatal: the SECC owns the SessionID and the session goes on over the same connection.
            context.logger.log('warn', 'SessionID in response differs from the session', { got: toHex(sessionIdMismatch), expected: toHex(context.sessionId) });
          enqueue.assign({
            ...(cp !== undefined ? { lastCheckpoint: cp } : {}),
            ...(dc ? { lastStatusCode: dc.statusCode, ...(dc.isolation ? { lastIsolation: dc.isolation } : {}) } : {}),
          });
          const reaction = t.kind === 'fatal' ? 'safeShutdown' : t.chargerStop ? 'gracefulStop' : 'continue';
          if (res.kind !== 'CurrentDemand' && res.kind !== 'ChargingStatus') context.logger.log('debug', `${res.kind}Res`, { responseCode: res.responseCode, status: dc?.statusCode, reaction });
          if (cp !== undefined) io(enqueue)({ type: 'reportStatus', params: report(`${res.kind}Res`, cp, { responseCode: res.responseCode }) });
        }
        if (t.kind === 'fatal') {
          enqueue.raise({ type: 'RES.FATAL', fatal: t.fatal });
          return;
        }
        if (t.chargerStop && context.stopReason === undefined) {
          if (t.received.dcStatus?.statusCode === 'EVSE_Shutdown') enqueue.assign({ lastCheckpoint: Checkpoint.EvseShutdown });
          enqueue.assign({ stopReason: t.chargerStop });
          context.logger.log('info', `charger asks to stop: ${endReasonText(t.chargerStop)}`, {});
        }
        enqueue.raise({ type: 'RES.OK', res: t.received.res, sessionId: t.sessionId, step: t.step });
      }),
      fatal: enqueueActions(({ context, enqueue }, params: Fatal) => {
        if (context.fatal) return;
        enqueue.assign({ fatal: params });
        context.logger.log('error', `session fault: ${endReasonText(params.end)}`, { lastCheckpoint: context.lastCheckpoint, code: params.end.code });
      }),
      /** A RES.OK whose step is fatal (content checks in triage.ts). */
      fatalFromStep: enqueueActions(({ event, enqueue }) => {
        if (event.type === 'RES.OK' && event.step.step === 'fatal') enqueue.raise({ type: 'RES.FATAL', fatal: event.step.fatal });
      }),
      storeLock: assign({ lock: ({ context, event }) => (event.type === 'HW.LOCK' ? event.state : context.lock) }),
      markContactorsOpen: assign({ contactorsClosed: false }),
      // DC flow: state C first, then the lock (checkpoints 550/555/556). AC goes to C after PowerDeliveryRes(Start).
      cpStateCBeforeLock: enqueueActions(({ context, enqueue }) => {
        if (isAcMode(context.config.energyTransferMode)) return;
        io(enqueue)({ type: 'setCpState', params: { state: 'C' } });
        enqueue.assign({ cpC: true, lastCheckpoint: Checkpoint.CpStateC });
        io(enqueue)({ type: 'reportStatus', params: report('CpStateC', Checkpoint.CpStateC) });
      }),
      cpStateBAfterCharge: enqueueActions(({ enqueue }) => {
        io(enqueue)({ type: 'setCpState', params: { state: 'B' } });
        enqueue.assign({ cpC: false, lastCheckpoint: Checkpoint.CpStateBAfterCharge });
        io(enqueue)({ type: 'reportStatus', params: report('CpStateB', Checkpoint.CpStateBAfterCharge) });
      }),
      storeChargeParameters: assign(({ event }) => {
        if (event.type !== 'RES.OK' || event.res.kind !== 'ChargeParameterDiscovery') return {};
        const r = event.res;
        const evse: EvseLimits | undefined = r.dc
          ? { maxVoltage: r.dc.maxVoltage, maxCurrent: r.dc.maxCurrent, minVoltage: r.dc.minVoltage, ...(r.dc.maxPower !== undefined ? { maxPower: r.dc.maxPower } : {}) }
          : r.ac
            ? { maxVoltage: r.ac.nominalVoltage, maxCurrent: r.ac.maxCurrent }
            : undefined;
        return { evse, saScheduleTupleId: r.schedules?.[0]?.id ?? 1 };
      }),
      storePresent: assign(({ context, event }) => {
        if (event.type !== 'RES.OK') return {};
        const r = event.res;
        if (r.kind === 'PreCharge' || r.kind === 'WeldingDetection') return { presentVoltage: r.presentVoltage };
        if (r.kind === 'CurrentDemand')
          return {
            presentVoltage: r.presentVoltage,
            presentCurrent: r.presentCurrent,
            chargeLoopCount: context.chargeLoopCount + 1,
            evse: context.evse
              ? { ...context.evse, ...(r.maxCurrent !== undefined ? { maxCurrent: r.maxCurrent } : {}), ...(r.maxVoltage !== undefined ? { maxVoltage: r.maxVoltage } : {}) }
              : context.evse,
          };
        if (r.kind === 'ChargingStatus')
          return {
            chargeLoopCount: context.chargeLoopCount + 1,
            receiptRequired: r.receiptRequired === true,
            meterInfo: r.meterInfo ? { ...r.meterInfo } : context.meterInfo,
            evse: context.evse && r.maxCurrent !== undefined ? { ...context.evse, maxCurrent: r.maxCurrent } : context.evse,
          };
        return {};
      }),
      requestStopIfDone: assign(({ context }) =>
        context.stopReason === undefined && context.battery.socPercent >= context.config.socTarget
          ? { stopReason: { code: 'SocTargetReached', detail: { socPercent: context.battery.socPercent, socTarget: context.config.socTarget } } as const }
          : {},
      ),
    },
  });
