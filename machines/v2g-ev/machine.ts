// v2g-ev: the car's V2G session (EVCC) as an XState v5 statechart,
// protocol-neutral: a dialect (DIN 70121 or ISO 15118-2, chosen by the
// handshake) turns the neutral requests into documents and the responses
// back. No I/O: documents leave through the provided `send` action, hardware
// is commanded through provided actions, facts arrive as events, time only
// through named delays (the standard's timer names, see src/v2g/config.ts).
//
// DC: SupportedAppProtocol (400) → SessionSetup (500) → ServiceDiscovery (510)
//   → PaymentServiceSelection (520) → Authorization loop (530) → ChargeParameterDiscovery loop (540)
//   → CP C (550) + lock (555/556) → CableCheck loop (560) → PreCharge loop (570)
//   → contactors closed (590) → PowerDelivery(Start) (600) → CurrentDemand loop (700)
//   → PowerDelivery(Stop) (800) → CP B (810), contactors open → WeldingDetection (850) → SessionStop (900).
// AC: … ChargeParameterDiscovery → lock → PowerDelivery(Start) → CP C → ChargingStatus loop
//   [→ MeteringReceipt] → PowerDelivery(Stop) → CP B → SessionStop.
// Any fatal condition (FAILED_* code, EVSE_EmergencyShutdown/Malfunction, a
// timeout, a lost connection, hardware not confirming) → SafeShutdown: the
// machine requests the SafeShutdownSequence and ends. Every end has a typed
// reason (types.ts V2gEvEndReason); what a response means is decided by the
// pure triageResponse (triage.ts), the states below only take its verdict.
import { assign, enqueueActions, not, raise, setup } from 'xstate';
import { toHex } from '../../src/bytes.js';
import type { BatteryState, LockState } from '../../src/ports/hardware.js';
import type { ChargeParameters } from '../../src/ports/charge-parameters.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import type { V2gEvConfig, V2gEvTimeouts } from '../../src/v2g/config.js';
import type { V2gDocument } from '../../src/v2g/document.js';
import { v2gEvTimeoutDefaults } from '../../src/v2g/config.js';
import { encodeHandshakeRequest, offerFor } from '../../src/v2g/dialects/apphand.js';
import { dialectFor, type Dialect } from '../../src/v2g/dialects/index.js';
import { isAcMode, protocolNamespaces, type DcEvseStatusCode, type IsolationLevel, type Protocol, type RequestKind, type V2gResponse } from '../../src/v2g/model.js';
import { documentDespiteError } from '../../src/v2g/policy.js';
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

type Event = V2gEvEvent | InternalEvent;

interface Ctx {
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

function report(state: string, checkpoint?: Checkpoint, details?: StatusUpdate['details']): StatusUpdate {
  return { layer: 'session', state, ...(checkpoint !== undefined ? { checkpoint } : {}), ...(details ? { details } : {}) };
}

/** How the session ended: the first fault, else the stop that was asked for. */
function endOf(ctx: Ctx): V2gEvEndReason {
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
function io(enqueue: unknown): (action: ProvidedAction) => void {
  return enqueue as (action: ProvidedAction) => void;
}

/** Context updates that go with a fault, applied before the `fatal` action. */
type FatalPrelude = 'storeLock' | 'markContactorsOpen';

/**
 * The one fatal transition: record the fault (first one wins) and end in
 * safeShutdown. `fatal` is the fault, or a function of the event and context.
 */
function toSafeShutdown<E extends Event = Event>(fatal: V2gEvFaultReason | ((args: { context: Ctx; event: E }) => V2gEvFaultReason), ...prelude: FatalPrelude[]) {
  return {
    target: '#v2gEv.safeShutdown',
    actions: [
      ...prelude,
      { type: 'fatal' as const, params: typeof fatal === 'function' ? (args: { context: Ctx; event: E }) => ({ end: fatal(args) }) : { end: fatal } },
    ],
  };
}

/** A named timer ran out while waiting for `waitingFor`: the session is over. */
function timeout(timer: keyof V2gEvTimeouts, waitingFor: string) {
  return toSafeShutdown({ code: 'Timeout', detail: { timer, waitingFor } });
}

/** The requests whose response timer is a named V2G_EVCC_Msg_Timeout_<request> delay. */
type MsgTimeoutName = keyof V2gEvTimeouts extends infer T ? (T extends `V2G_EVCC_Msg_Timeout_${infer R}` ? R : never) : never;

/** The request/response timer of one request ([V2G2-036] V2G_EVCC_Msg_Timeout): its name is the request's. */
function msgTimeout<K extends MsgTimeoutName>(kind: K, waitingFor: string = kind) {
  const timer: `V2G_EVCC_Msg_Timeout_${K}` = `V2G_EVCC_Msg_Timeout_${kind}`;
  return { [timer]: timeout(timer as keyof V2gEvTimeouts, waitingFor) } as Record<`V2G_EVCC_Msg_Timeout_${K}`, ReturnType<typeof timeout>>;
}

export const v2gEvMachine = setup({
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
  })
  .createMachine({
    id: 'v2gEv',
    context: ({ input }) => ({
      config: input.config,
      t: { ...v2gEvTimeoutDefaults, ...input.config.timeouts },
      logger: input.logger ?? nullLogger,
      battery: input.battery,
      source: undefined,
      protocol: undefined,
      // DIN/ISO-2: the first SessionSetupReq carries SessionID 0 (one zero byte, as real cars send).
      sessionId: new Uint8Array([0]),
      pending: undefined,
      lastCheckpoint: Checkpoint.TcpEstablished,
      evse: undefined,
      saScheduleTupleId: undefined,
      presentVoltage: undefined,
      presentCurrent: undefined,
      inletVoltage: undefined,
      measuredCurrent: undefined,
      lock: 'unlocked',
      lockConfirmed: false,
      contactorsClosed: false,
      cpC: false,
      stopReason: undefined,
      fatal: undefined,
      chargeLoopCount: 0,
      weldingRounds: 0,
      lastIsolation: undefined,
      meterInfo: undefined,
      receiptRequired: false,
      lastStatusCode: undefined,
    }),
    on: {
      'V2G.RES': { actions: 'handleResponse' },
      'RES.FATAL': { target: '.safeShutdown', actions: [{ type: 'fatal', params: ({ event }) => event.fatal }] },
      'V2G.TRANSPORT_CLOSED': toSafeShutdown<Extract<Event, { type: 'V2G.TRANSPORT_CLOSED' }>>(({ event }) => ({
        code: 'TransportClosed',
        detail: event.reason ? { reason: event.reason } : {},
      })),
      'V2G.DECODE_ERROR': [
        {
          guard: 'documentDespiteError',
          actions: [
            ({ context, event }) => context.logger.log('warn', 'response with bytes after the EXI document: used anyway', { code: event.error.code }),
            raise(({ event }) => ({ type: 'V2G.RES' as const, doc: documentDespiteError(event.error) as V2gDocument })),
          ],
        },
        toSafeShutdown<Extract<Event, { type: 'V2G.DECODE_ERROR' }>>(({ event }) => ({ code: 'DecodeError', detail: { error: { code: event.error.code, message: event.error.message } } })),
      ],
      // Our own message did not encode (the transport's EXI encoder refused it): it was never sent, no answer will come.
      'V2G.ENCODE_ERROR': toSafeShutdown<Extract<Event, { type: 'V2G.ENCODE_ERROR' }>>(({ event }) => ({
        code: 'EncodeFailed',
        detail: { document: event.document, error: { code: event.error.code, message: event.error.message } },
      })),
      'HW.BATTERY': { actions: assign({ battery: ({ event }) => event.state }) },
      'SOURCE.CHARGE_PARAMETERS': { actions: assign({ source: ({ event }) => event.params }) },
      'HW.INLET_VOLTAGE': { actions: assign({ inletVoltage: ({ event }) => event.volts }) },
      'HW.CURRENT': { actions: assign({ measuredCurrent: ({ event }) => event.amps }) },
      'HW.CONTACTORS': { actions: assign({ contactorsClosed: ({ event }) => event.closed }) },
      'HW.LOCK': [
        { guard: 'lockLost', ...toSafeShutdown<Extract<Event, { type: 'HW.LOCK' }>>(({ event }) => ({ code: 'ConnectorLockLost', detail: { state: event.state } }), 'storeLock') },
        { actions: 'storeLock' },
      ],
      STOP_REQUEST: {
        actions: assign({
          stopReason: ({ context, event }): V2gEvFinishReason => context.stopReason ?? { code: 'UserStop', detail: event.reason ? { request: event.reason } : {} },
        }),
      },
    },
    initial: 'communicationSetup',
    states: {
      // --- handshake and session setup ---
      communicationSetup: {
        after: { V2G_EVCC_CommunicationSetup_Timeout: timeout('V2G_EVCC_CommunicationSetup_Timeout', 'CommunicationSetup') },
        initial: 'supportedAppProtocol',
        states: {
          supportedAppProtocol: {
            entry: 'sendHandshake',
            after: msgTimeout('SupportedAppProtocol'),
            on: {
              'HANDSHAKE.OK': {
                target: 'sessionSetup',
                actions: [
                  assign({ protocol: ({ event }) => event.protocol }),
                  { type: 'protocolSelected', params: ({ event }) => ({ protocol: event.protocol, schema: event.protocol }) },
                  {
                    type: 'checkpoint',
                    params: ({ event }) => ({ checkpoint: Checkpoint.ProtocolKnown, state: 'SupportedAppProtocolRes', details: { protocol: protocolNamespaces[event.protocol].namespace } }),
                  },
                ],
              },
            },
          },
          sessionSetup: {
            entry: { type: 'sendRequest', params: { kind: 'SessionSetup' } },
            after: msgTimeout('SessionSetup'),
            on: {
              'RES.OK': {
                // Stores the SessionID whatever its length (a Supercharger uses 4 bytes); OK is accepted
                // as well as OK_NewSessionEstablished (ABB) — both via the policy's OK* rule.
                target: '#v2gEv.serviceDiscovery',
                actions: [
                  assign({ sessionId: ({ event }) => event.sessionId }),
                  { type: 'reportStatus', params: ({ event }) => report('SessionEstablished', undefined, { sessionId: toHex(event.sessionId) }) },
                ],
              },
            },
          },
        },
      },
      // --- service discovery and payment ---
      serviceDiscovery: {
        entry: { type: 'sendRequest', params: { kind: 'ServiceDiscovery' } },
        after: msgTimeout('ServiceDiscovery'),
        on: {
          'RES.OK': [
            // ExternalPayment and our energy transfer mode must be offered (triage.ts).
            { guard: 'stepFatal', actions: 'fatalFromStep' },
            { target: 'paymentServiceSelection' },
          ],
        },
      },
      paymentServiceSelection: {
        entry: { type: 'sendRequest', params: { kind: 'PaymentServiceSelection' } },
        after: msgTimeout('PaymentServiceSelection'),
        on: { 'RES.OK': { target: 'authorization' } },
      },
      // --- authorization ---
      authorization: {
        // DIN needs the ContractAuthentication loop even with external payment (an Alpitronic answers
        // ChargeParameterDiscoveryReq with FAILED_SequenceError otherwise, pyplc-inventory §2).
        after: { V2G_EVCC_Ongoing_Timeout: timeout('V2G_EVCC_Ongoing_Timeout', 'Ongoing(Authorization)') },
        initial: 'request',
        states: {
          request: {
            entry: { type: 'sendRequest', params: { kind: 'Authorization' } },
            after: msgTimeout('Authorization'),
            on: {
              'RES.OK': [
                { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                { guard: 'stepNext', target: '#v2gEv.chargeParameterDiscovery', actions: { type: 'checkpoint', params: { checkpoint: Checkpoint.Authorized, state: 'Authorized' } } },
                { target: 'wait' },
              ],
            },
          },
          wait: {
            always: { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
            after: { Loop_Interval: 'request' },
          },
        },
      },
      // --- charge parameters ---
      chargeParameterDiscovery: {
        after: { V2G_EVCC_Ongoing_Timeout: timeout('V2G_EVCC_Ongoing_Timeout', 'Ongoing(ChargeParameterDiscovery)') },
        initial: 'request',
        states: {
          request: {
            entry: { type: 'sendRequest', params: { kind: 'ChargeParameterDiscovery' } },
            after: msgTimeout('ChargeParameterDiscovery'),
            on: {
              'RES.OK': [
                { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                // The charger's voltage window cannot serve the battery (triage.ts).
                { guard: 'stepFatal', actions: 'fatalFromStep' },
                { guard: 'stepNext', target: '#v2gEv.preparation', actions: 'storeChargeParameters' },
                { target: 'wait' },
              ],
            },
          },
          wait: {
            always: { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
            after: { Loop_Interval: 'request' },
          },
        },
      },
      // --- lock, cable check, precharge, contactors, PowerDelivery(Start): DC and AC share the lock ---
      preparation: {
        // DIN V2G_EVCC_ReadyToCharge_Timeout (DC only): ChargeParameterDiscovery finished → PowerDelivery(Start) answered.
        after: { V2G_EVCC_ReadyToCharge_Timeout: { guard: not('isAc'), ...timeout('V2G_EVCC_ReadyToCharge_Timeout', 'ReadyToCharge') } },
        initial: 'lockConnector',
        states: {
          lockConnector: {
            entry: ['cpStateCBeforeLock', 'lockConnector', { type: 'checkpoint', params: { checkpoint: Checkpoint.LockConnector, state: 'LockConnector' } }],
            always: [
              { guard: 'noLockHardware', target: 'locked' },
              { guard: 'lockReportedLocked', target: 'locked', actions: [assign({ lockConfirmed: true }), { type: 'checkpoint', params: { checkpoint: Checkpoint.Locked, state: 'Locked' } }] },
              { guard: 'lockReportedFault', ...toSafeShutdown({ code: 'ConnectorLockFault', detail: {} }) },
            ],
            after: {
              ConnectorLock_Timeout: timeout('ConnectorLock_Timeout', 'ConnectorLock'),
              // The next request must leave within the sequence performance time whatever the lock timeout is set to.
              V2G_EVCC_Sequence_Performance_Time: timeout('V2G_EVCC_Sequence_Performance_Time', 'SequencePerformance(ConnectorLock)'),
            },
          },
          locked: { always: [{ guard: 'isAc', target: 'acPowerDeliveryStart' }, { target: 'cableCheck' }] },
          // --- cable check (DC) ---
          cableCheck: {
            after: { V2G_EVCC_CableCheck_Timeout: timeout('V2G_EVCC_CableCheck_Timeout', 'CableCheck') },
            initial: 'request',
            states: {
              request: {
                entry: { type: 'sendRequest', params: { kind: 'CableCheck' } },
                after: msgTimeout('CableCheck', 'CableCheckRes'),
                on: {
                  'RES.OK': [
                    { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                    { guard: 'stepNext', target: '#v2gEv.preparation.preCharge' },
                    // Finished with an isolation that allows no charging, or none reported (triage.ts).
                    { guard: 'stepFatal', actions: 'fatalFromStep' },
                    { target: 'wait' },
                  ],
                },
              },
              wait: {
                always: { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                after: { Loop_Interval: 'request' },
              },
            },
          },
          // --- precharge (DC) ---
          preCharge: {
            after: { V2G_EVCC_PreCharge_Timeout: timeout('V2G_EVCC_PreCharge_Timeout', 'PreCharge') },
            initial: 'request',
            states: {
              request: {
                entry: { type: 'sendRequest', params: { kind: 'PreCharge' } },
                after: msgTimeout('PreCharge', 'PreChargeRes'),
                on: {
                  'RES.OK': [
                    { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge', actions: 'storePresent' },
                    { target: 'decide', actions: 'storePresent' },
                  ],
                },
              },
              decide: {
                always: [{ guard: 'prechargeConverged', target: '#v2gEv.preparation.checkInlet' }, { target: 'wait' }],
              },
              wait: {
                always: [
                  { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                  { guard: 'inletAtPrechargeTarget', target: '#v2gEv.preparation.checkInlet' },
                ],
                after: { Loop_Interval: 'request' },
              },
            },
          },
          checkInlet: {
            always: [
              // pyPLC light-bulb demo: no battery behind the contactors, so no relay at precharge end (see currentDemand).
              { guard: 'lightBulbDemo', target: 'powerDeliveryStart' },
              {
                // A pyPLC to-do: the charger's EVSEPresentVoltage must match what our own inlet sensor measures before
                // the battery is switched onto the cable (a charger reporting a wrong voltage would make the precharge a lie).
                guard: 'inletImplausible',
                ...toSafeShutdown(({ context }) => ({
                  code: 'InletVoltageImplausible',
                  detail: { presentVoltage: context.presentVoltage, inletVoltage: context.inletVoltage, allowedDelta: context.config.inletPlausibilityDelta },
                })),
              },
              { target: 'closeContactors' },
            ],
          },
          closeContactors: {
            entry: ['closeContactors', { type: 'checkpoint', params: { checkpoint: Checkpoint.ContactorsClosed, state: 'CloseContactors' } }],
            always: [{ guard: 'contactorsConfirmedClosed', target: 'powerDeliveryStart' }],
            after: {
              // No auxiliary contact: give the relay its closing time before PowerDelivery(Start) lets the charger
              // move the voltage (found on the bench: without it the contacts met 30 V off the battery voltage).
              Contactor_CloseTime_WithoutFeedback: { guard: 'noContactorFeedback', target: 'powerDeliveryStart', actions: assign({ contactorsClosed: true }) },
              Contactor_Timeout: timeout('Contactor_Timeout', 'ContactorsClose'),
              V2G_EVCC_Sequence_Performance_Time: timeout('V2G_EVCC_Sequence_Performance_Time', 'SequencePerformance(ContactorsClose)'),
            },
          },
          // --- power delivery (start) ---
          powerDeliveryStart: {
            entry: { type: 'sendRequest', params: { kind: 'PowerDelivery' } },
            after: msgTimeout('PowerDelivery'),
            on: {
              'RES.OK': [
                // A stop that came while PowerDelivery(Start) was under way: straight to PowerDelivery(Stop).
                { guard: 'stopPending', target: '#v2gEv.powerDeliveryStop' },
                { target: '#v2gEv.currentDemand' },
              ],
            },
          },
          acPowerDeliveryStart: {
            entry: { type: 'sendRequest', params: { kind: 'PowerDelivery' } },
            after: msgTimeout('PowerDelivery'),
            on: {
              'RES.OK': {
                // ISO-2 [V2G2-847]: state C within 250 ms of PowerDeliveryRes(Start); the SECC then closes its contactor.
                // (A stop pending here is taken at the first ChargingStatus decision point.)
                target: '#v2gEv.chargingStatus',
                actions: [{ type: 'setCpState', params: { state: 'C' } }, assign({ cpC: true }), { type: 'checkpoint', params: { checkpoint: Checkpoint.CpStateC, state: 'CpStateC' } }],
              },
            },
          },
        },
      },
      // --- charge loop ---
      currentDemand: {
        // pyPLC light-bulb demo: the relay closes 2 s into the CurrentDemand loop (a lamp has no precharge to converge).
        after: { LightBulbDemo_ContactorDelay: { guard: 'lightBulbDemo', actions: ['closeContactors', { type: 'checkpoint', params: { checkpoint: Checkpoint.ContactorsClosed, state: 'CloseContactors' } }] } },
        initial: 'request',
        states: {
          request: {
            entry: { type: 'sendRequest', params: { kind: 'CurrentDemand' } },
            after: msgTimeout('CurrentDemand'),
            on: { 'RES.OK': { target: 'wait', actions: ['storePresent', 'requestStopIfDone'] } },
          },
          wait: {
            always: { guard: 'stopPending', target: '#v2gEv.powerDeliveryStop' },
            after: { ChargeLoop_Interval: 'request' },
          },
        },
        on: {
          'HW.CONTACTORS': { guard: 'contactorsDroppedUnasked', ...toSafeShutdown({ code: 'ContactorsOpenedDuringCharge', detail: {} }, 'markContactorsOpen') },
        },
      },
      chargingStatus: {
        initial: 'request',
        states: {
          request: {
            entry: { type: 'sendRequest', params: { kind: 'ChargingStatus' } },
            after: msgTimeout('ChargingStatus'),
            on: {
              'RES.OK': [
                { guard: 'meteringReceiptAsked', target: 'meteringReceipt', actions: ['storePresent', 'requestStopIfDone'] },
                { target: 'wait', actions: ['storePresent', 'requestStopIfDone'] },
              ],
            },
          },
          meteringReceipt: {
            entry: { type: 'sendRequest', params: { kind: 'MeteringReceipt' } },
            after: msgTimeout('MeteringReceipt'),
            on: { 'RES.OK': { target: 'wait' } },
          },
          wait: {
            always: { guard: 'stopPending', target: '#v2gEv.powerDeliveryStop' },
            after: { ChargeLoop_Interval: 'request' },
          },
        },
      },
      // --- stop ---
      powerDeliveryStop: {
        entry: { type: 'sendRequest', params: { kind: 'PowerDelivery', stop: true } },
        after: msgTimeout('PowerDelivery', 'PowerDelivery(Stop)'),
        on: {
          'RES.OK': [
            { guard: 'isAc', target: 'sessionStop', actions: 'cpStateBAfterCharge' },
            { target: 'openContactors', actions: 'cpStateBAfterCharge' },
          ],
        },
      },
      openContactors: {
        initial: 'waitCurrent',
        states: {
          waitCurrent: {
            // Contactors open only without load: wait for the measured current to fall to the limit.
            always: { guard: 'currentLow', target: 'opening' },
            after: {
              CurrentDecay_Timeout: [
                // No current sensor (no HW.CURRENT ever, the runtime replays the present facts at the
                // start): the timeout is the plain wait pyPLC and ccs32clara use after state B.
                { guard: 'noCurrentSensor', target: 'opening' },
                // The current did not decay: the session does not open under load itself. The
                // SafeShutdownSequence takes over (0 A, state B, its own deadline; opening after
                // that deadline is logged as the fault CURRENT_DID_NOT_DROP).
                toSafeShutdown(({ context }) => ({ code: 'CurrentNotDecayed', detail: { amps: context.measuredCurrent, limit: context.config.contactorOpenCurrentLimit } })),
              ],
            },
          },
          opening: {
            entry: 'openContactors',
            always: [
              { guard: 'noContactorFeedback', target: '#v2gEv.weldingDetection', actions: assign({ contactorsClosed: false }) },
              { guard: 'contactorsOpen', target: '#v2gEv.weldingDetection' },
            ],
            after: { Contactor_Timeout: timeout('Contactor_Timeout', 'ContactorsOpen (welded?)') },
          },
        },
      },
      // --- welding detection (DC) ---
      weldingDetection: {
        // ccs32clara: until < 40 V, at most 10 rounds. A FAILED answer (Alpitronic) or none (ABB) ends the
        // detection without failing the session (pyplc-inventory §1.3); the unlock still waits for a safe voltage.
        after: { WeldingDetection_Timeout: 'sessionStop' },
        initial: 'request',
        states: {
          request: {
            entry: [{ type: 'sendRequest', params: { kind: 'WeldingDetection' } }, assign({ weldingRounds: ({ context }) => context.weldingRounds + 1 })],
            after: { V2G_EVCC_Msg_Timeout_WeldingDetection: '#v2gEv.sessionStop' },
            on: {
              'RES.OK': [
                { guard: 'stepNext', target: '#v2gEv.sessionStop' },
                { target: 'decide', actions: 'storePresent' },
              ],
            },
          },
          decide: { always: [{ guard: 'weldingDone', target: '#v2gEv.sessionStop' }, { target: 'wait' }] },
          wait: { after: { Loop_Interval: 'request' } },
        },
      },
      stopBeforeCharge: {
        // A stop before power flowed: no PowerDelivery(Stop) needed (nothing was started); back to
        // state B, contactors open, then SessionStop.
        entry: enqueueActions(({ context, enqueue, check }) => {
          if (context.cpC) {
            io(enqueue)({ type: 'setCpState', params: { state: 'B' } });
            enqueue.assign({ cpC: false });
            enqueue.assign({ lastCheckpoint: Checkpoint.CpStateBAfterCharge });
            io(enqueue)({ type: 'reportStatus', params: report('CpStateB', Checkpoint.CpStateBAfterCharge) });
          }
          // Contactors closed here means the hardware reports them closed although no power was
          // started. Open them only when the measured current proves there is no load; otherwise they
          // stay closed, `finished` sees them closed and requests the SafeShutdownSequence, which
          // opens them in order (0 A, wait, deadline logged as a fault).
          if (context.contactorsClosed) {
            if (check('currentLow')) io(enqueue)('openContactors');
            else context.logger.log('warn', 'contactors closed at a stop before charging, current not proven low: left to the SafeShutdownSequence', { amps: context.measuredCurrent ?? 'unknown' });
          }
        }),
        always: 'sessionStop',
      },
      sessionStop: {
        entry: { type: 'sendRequest', params: { kind: 'SessionStop' } },
        after: { V2G_EVCC_Msg_Timeout_SessionStop: 'finished' },
        on: {
          'RES.OK': 'finished',
          // The SECC may close the connection right after SessionStopRes.
          'V2G.TRANSPORT_CLOSED': 'finished',
        },
      },
      // --- the two ends ---
      finished: {
        type: 'final',
        entry: enqueueActions(({ context, enqueue, check }) => {
          if (check('unlockSafe')) io(enqueue)('unlockConnector');
          // Voltage not (yet) safe or contactors not confirmed open: the SafeShutdownSequence waits for it.
          else io(enqueue)({ type: 'requestSafeShutdown', params: { reason: 'UnlockNotSafeAtSessionEnd' } });
          io(enqueue)({ type: 'reportStatus', params: report('ChargingFinished', undefined, { reason: endReasonText(endOf(context)) }) });
        }),
      },
      safeShutdown: {
        type: 'final',
        entry: enqueueActions(({ context, enqueue }) => {
          const reason = context.fatal ? endReasonText(context.fatal.end) : 'unknown';
          io(enqueue)({ type: 'requestSafeShutdown', params: { reason } });
          io(enqueue)({ type: 'reportStatus', params: report('SafeShutdown', undefined, { reason }) });
        }),
      },
    },
    output: ({ context }) => {
      const end = endOf(context);
      return {
        result: context.fatal ? 'SafeShutdown' : 'ChargingFinished',
        end,
        reason: endReasonText(end),
        lastCheckpoint: context.lastCheckpoint,
        ...(context.protocol ? { protocol: context.protocol } : {}),
        ...(context.protocol ? { sessionId: toHex(context.sessionId) } : {}),
        ...(context.fatal?.responseCode ? { responseCode: context.fatal.responseCode } : {}),
        ...(context.fatal?.evseStatusCode ? { evseStatusCode: context.fatal.evseStatusCode } : {}),
        soc: context.battery.socPercent,
        chargeLoopCount: context.chargeLoopCount,
      };
    },
  });
