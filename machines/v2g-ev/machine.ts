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
// machine requests the SafeShutdownSequence and ends.
import { and, assign, enqueueActions, raise, setup } from 'xstate';
import { toHex, bytesEqual } from '../../src/bytes.js';
import type { BatteryState, LockState } from '../../src/ports/hardware.js';
import type { ChargeParameters } from '../../src/ports/charge-parameters.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import type { V2gEvConfig, V2gEvTimeouts } from '../../src/v2g/config.js';
import type { V2gDocument } from '../../src/v2g/document.js';
import { v2gEvTimeoutDefaults } from '../../src/v2g/config.js';
import { decodeHandshakeResponse, encodeHandshakeRequest, offerFor } from '../../src/v2g/dialects/apphand.js';
import { dialectFor, type Dialect } from '../../src/v2g/dialects/index.js';
import {
  isAcMode,
  protocolNamespaces,
  type DcEvseStatusCode,
  type IsolationLevel,
  type Protocol,
  type RequestKind,
  type ResponseCode,
  type V2gResponse,
} from '../../src/v2g/model.js';
import { documentDespiteError, evReactionToEvseStatus, evReactionToNotification, evReactionToResponseCode, worst, type EvReaction } from '../../src/v2g/policy.js';
import { buildRequest, type EvseLimits } from './requests.js';
import type { V2gEvActionParams, V2gEvEvent, V2gEvInput, V2gEvOutput } from './types.js';
import { Checkpoint } from '../../src/checkpoints.js';

type Fatal = { readonly reason: string; readonly responseCode?: ResponseCode; readonly evseStatusCode?: DcEvseStatusCode };

/** Internal events raised by the response triage. */
type InternalEvent =
  | { readonly type: 'RES.OK'; readonly res: V2gResponse; readonly sessionId: Uint8Array }
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
  stopReason: string | undefined;
  fatal: Fatal | undefined;
  endReason: string;
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
const checkpointOfResponse: Partial<Record<RequestKind, Checkpoint>> = {
  SessionSetup: Checkpoint.SessionSetupResReceived,
  ServiceDiscovery: Checkpoint.ServiceDiscoveryRes,
  PaymentServiceSelection: Checkpoint.PaymentSelectionRes,
  Authorization: Checkpoint.AuthorizationRes,
  ChargeParameterDiscovery: Checkpoint.ChargeParameterDiscoveryRes,
  CableCheck: Checkpoint.CableCheckRes,
  PreCharge: Checkpoint.PreChargeRes,
  CurrentDemand: Checkpoint.CurrentDemandRes,
  ChargingStatus: Checkpoint.CurrentDemandRes,
  WeldingDetection: Checkpoint.WeldingDetectionRes,
  SessionStop: Checkpoint.SessionStopRes,
};

function dialect(ctx: Ctx): Dialect {
  return dialectFor(ctx.protocol ?? 'din');
}

function dcStatusOf(res: V2gResponse) {
  return 'dcStatus' in res ? res.dcStatus : res.kind === 'ChargeParameterDiscovery' ? res.dc?.status : undefined;
}
function notificationOf(res: V2gResponse) {
  const dc = dcStatusOf(res);
  if (dc) return dc.notification;
  if ('acStatus' in res && res.acStatus) return res.acStatus.notification;
  if (res.kind === 'ChargeParameterDiscovery' && res.ac) return res.ac.status.notification;
  return 'None' as const;
}

/** Triage of a response: the one place where codes become reactions (src/v2g/policy.ts). */
function triage(res: V2gResponse): EvReaction {
  let r = evReactionToResponseCode(res.kind, res.responseCode);
  const dc = dcStatusOf(res);
  if (dc) r = worst(r, evReactionToEvseStatus(dc.statusCode));
  r = worst(r, evReactionToNotification(notificationOf(res)));
  return r;
}

function report(state: string, checkpoint?: Checkpoint, details?: StatusUpdate['details']): StatusUpdate {
  return { layer: 'session', state, ...(checkpoint !== undefined ? { checkpoint } : {}), ...(details ? { details } : {}) };
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
    isFinished: ({ event }) => event.type === 'RES.OK' && 'processing' in event.res && event.res.processing === 'Finished',
    stopPending: ({ context }) => context.stopReason !== undefined,
    isAc: ({ context }) => isAcMode(context.config.energyTransferMode),
    noLockHardware: ({ context }) => !context.config.hasConnectorLock,
    lockConfirmed: ({ context }) => context.lockConfirmed,
    noContactorFeedback: ({ context }) => !context.config.contactorsHaveFeedback,
    lightBulbDemo: ({ context }) => context.config.lightBulbDemo,
    // Only with an inlet sensor (HW.INLET_VOLTAGE seen); an unknown reading (NaN) is not plausible.
    inletImplausible: ({ context }) =>
      context.inletVoltage !== undefined && context.presentVoltage !== undefined && !(Math.abs(context.presentVoltage - context.inletVoltage) <= context.config.inletPlausibilityDelta),
    contactorsOpen: ({ context }) => !context.contactorsClosed,
    isolationAcceptable: ({ context, event }) => {
      if (event.type !== 'RES.OK' || event.res.kind !== 'CableCheck') return false;
      const iso = event.res.dcStatus.isolation ?? context.lastIsolation;
      // IEC 61851-23 / FreeV2G #216: no charging on Fault or Invalid (Invalid can be allowed by config for old DIN chargers).
      if (iso === 'Valid' || iso === 'Warning' || iso === 'No_IMD') return true;
      return context.config.acceptIsolationInvalid && (iso === 'Invalid' || iso === undefined);
    },
    prechargeConverged: ({ context }) => {
      // A source holds PreCharge until its far side closed its contactors (CHAdeMO: after D2).
      if (context.source && !context.source.readyForPower) return false;
      const u = context.config.prechargeUseInletVoltage ? context.inletVoltage : context.presentVoltage;
      return u !== undefined && Math.abs(u - (context.source?.prechargeVoltage ?? context.battery.voltage)) < context.config.prechargeVoltageDelta;
    },
    // Measured (HW.CURRENT) and at or below the limit: the only proof that opening breaks no load.
    currentLow: ({ context }) => context.measuredCurrent !== undefined && Math.abs(context.measuredCurrent) <= context.config.contactorOpenCurrentLimit,
    noCurrentSensor: ({ context }) => context.measuredCurrent === undefined,
    weldingDone: ({ context }) =>
      (context.presentVoltage !== undefined && context.presentVoltage < context.config.weldingVoltageLimit) || context.weldingRounds >= context.config.weldingMaxRounds,
    receiptRequired: ({ context }) => context.receiptRequired,
    unlockSafe: ({ context }) => {
      if (context.contactorsClosed) return false;
      const v = context.inletVoltage ?? context.presentVoltage;
      return v === undefined || v < context.config.safeVoltage;
    },
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
        enqueue.raise({ type: 'RES.FATAL', fatal: { reason: `cannot encode ${params.kind}Req: ${doc.error.message}` } });
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
    handleResponse: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'V2G.RES') return;
      const pending = context.pending;
      if (pending === undefined) {
        context.logger.log('warn', 'response without a pending request: ignored', {});
        return;
      }
      enqueue.assign({ pending: undefined });
      if (pending === 'SupportedAppProtocol') {
        const hs = decodeHandshakeResponse(event.doc);
        if (!hs.ok) {
          enqueue.raise({ type: 'RES.FATAL', fatal: { reason: `bad supportedAppProtocolRes: ${hs.error.message}` } });
          return;
        }
        if (hs.value.responseCode === 'Failed_NoNegotiation') {
          enqueue.raise({ type: 'RES.FATAL', fatal: { reason: 'Failed_NoNegotiation in supportedAppProtocolRes' } });
          return;
        }
        // The SchemaID names the offer entry the SECC took; without it (not allowed, but seen in
        // pyPLC's early EVSE) a single-protocol offer is unambiguous.
        const offer = offerFor(context.config.protocols);
        const idx = hs.value.schemaId !== undefined ? offer.findIndex((o) => o.schemaId === hs.value.schemaId) : offer.length === 1 ? 0 : -1;
        const protocol = idx >= 0 ? context.config.protocols[idx] : undefined;
        if (!protocol) {
          enqueue.raise({ type: 'RES.FATAL', fatal: { reason: `supportedAppProtocolRes SchemaID ${hs.value.schemaId ?? 'missing'} matches no offered protocol` } });
          return;
        }
        enqueue.raise({ type: 'HANDSHAKE.OK', protocol });
        return;
      }
      const decoded = dialect(context).decodeResponse(event.doc);
      if (!decoded.ok) {
        enqueue.raise({ type: 'RES.FATAL', fatal: { reason: `undecodable ${pending}Res: ${decoded.error.code} ${decoded.error.message}` } });
        return;
      }
      const res = decoded.value.body;
      if (res.kind !== pending) {
        enqueue.raise({ type: 'RES.FATAL', fatal: { reason: `expected ${pending}Res, got ${res.kind}Res` } });
        return;
      }
      if (pending !== 'SessionSetup' && !bytesEqual(decoded.value.sessionId, context.sessionId))
        // Logged, not fatal: the SECC owns the SessionID and the session goes on over the same connection.
        context.logger.log('warn', 'SessionID in response differs from the session', { got: toHex(decoded.value.sessionId), expected: toHex(context.sessionId) });
      const dc = dcStatusOf(res);
      const reaction = triage(res);
      const cp = res.kind === 'PowerDelivery' ? (context.lastCheckpoint === Checkpoint.PowerDeliveryStopReq ? Checkpoint.PowerDeliveryStopResReceived : Checkpoint.PowerDeliveryStartRes) : checkpointOfResponse[res.kind];
      enqueue.assign({
        ...(cp !== undefined ? { lastCheckpoint: cp } : {}),
        ...(dc ? { lastStatusCode: dc.statusCode, ...(dc.isolation ? { lastIsolation: dc.isolation } : {}) } : {}),
      });
      if (res.kind !== 'CurrentDemand' && res.kind !== 'ChargingStatus')
        context.logger.log('debug', `${res.kind}Res`, { responseCode: res.responseCode, status: dc?.statusCode, reaction: reaction.action });
      if (cp !== undefined) io(enqueue)({ type: 'reportStatus', params: report(`${res.kind}Res`, cp, { responseCode: res.responseCode }) });
      if (reaction.action === 'safeShutdown') {
        enqueue.raise({
          type: 'RES.FATAL',
          fatal: {
            reason: reaction.reason,
            responseCode: res.responseCode,
            ...(dc && evReactionToEvseStatus(dc.statusCode).action !== 'continue' ? { evseStatusCode: dc.statusCode } : {}),
          },
        });
        return;
      }
      if (reaction.action === 'gracefulStop' && context.stopReason === undefined) {
        if (dc?.statusCode === 'EVSE_Shutdown') enqueue.assign({ lastCheckpoint: Checkpoint.EvseShutdown });
        enqueue.assign({ stopReason: reaction.reason });
        context.logger.log('info', `charger asks to stop: ${reaction.reason}`, {});
      }
      enqueue.raise({ type: 'RES.OK', res, sessionId: decoded.value.sessionId });
    }),
    fatal: enqueueActions(({ context, enqueue }, params: Fatal) => {
      if (context.fatal) return;
      enqueue.assign({ fatal: params, endReason: params.reason });
      context.logger.log('error', `session fault: ${params.reason}`, { lastCheckpoint: context.lastCheckpoint });
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
      context.stopReason === undefined && context.battery.socPercent >= context.config.socTarget ? { stopReason: 'SocTargetReached' } : {},
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
    endReason: '',
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
    'V2G.TRANSPORT_CLOSED': { target: '.safeShutdown', actions: [{ type: 'fatal', params: ({ event }) => ({ reason: `TransportClosed${event.reason ? `: ${event.reason}` : ''}` }) }] },
    'V2G.DECODE_ERROR': [
      {
        // Complete document followed by extra bytes (Tesla): use it, with a warning.
        guard: ({ event }) => documentDespiteError(event.error) !== undefined,
        actions: [
          ({ context, event }) => context.logger.log('warn', 'response with bytes after the EXI document: used anyway', { code: event.error.code }),
          raise(({ event }) => ({ type: 'V2G.RES' as const, doc: documentDespiteError(event.error) as V2gDocument })),
        ],
      },
      { target: '.safeShutdown', actions: [{ type: 'fatal', params: ({ event }) => ({ reason: `DecodeError: ${event.error.code} ${event.error.message}` }) }] },
    ],
    'HW.BATTERY': { actions: assign({ battery: ({ event }) => event.state }) },
    'SOURCE.CHARGE_PARAMETERS': { actions: assign({ source: ({ event }) => event.params }) },
    'HW.INLET_VOLTAGE': { actions: assign({ inletVoltage: ({ event }) => event.volts }) },
    'HW.CURRENT': { actions: assign({ measuredCurrent: ({ event }) => event.amps }) },
    'HW.CONTACTORS': { actions: assign({ contactorsClosed: ({ event }) => event.closed }) },
    'HW.LOCK': [
      {
        // Losing the lock while the connector may carry energy is a fault (lock feedback is the only proof).
        guard: ({ context, event }) => context.lockConfirmed && event.state !== 'locked' && context.config.hasConnectorLock,
        target: '.safeShutdown',
        actions: [assign({ lock: ({ event }) => event.state }), { type: 'fatal', params: ({ event }) => ({ reason: `ConnectorLockLost: ${event.state}` }) }],
      },
      { actions: assign({ lock: ({ event }) => event.state }) },
    ],
    STOP_REQUEST: {
      actions: assign({ stopReason: ({ context, event }) => context.stopReason ?? (event.reason ? `UserStop: ${event.reason}` : 'UserStop') }),
    },
  },
  initial: 'communicationSetup',
  states: {
    communicationSetup: {
      after: { V2G_EVCC_CommunicationSetup_Timeout: { target: 'safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:CommunicationSetup' } } } },
      initial: 'supportedAppProtocol',
      states: {
        supportedAppProtocol: {
          entry: 'sendHandshake',
          after: { V2G_EVCC_Msg_Timeout_SupportedAppProtocol: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:SupportedAppProtocol' } } } },
          on: {
            'HANDSHAKE.OK': {
              target: 'sessionSetup',
              actions: [
                assign({ protocol: ({ event }) => event.protocol }),
                { type: 'protocolSelected', params: ({ event }) => ({ protocol: event.protocol, schema: event.protocol }) },
                { type: 'checkpoint', params: ({ event }) => ({ checkpoint: Checkpoint.ProtocolKnown, state: 'SupportedAppProtocolRes', details: { protocol: protocolNamespaces[event.protocol].namespace } }) },
              ],
            },
          },
        },
        sessionSetup: {
          entry: { type: 'sendRequest', params: { kind: 'SessionSetup' } },
          after: { V2G_EVCC_Msg_Timeout_SessionSetup: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:SessionSetup' } } } },
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
    serviceDiscovery: {
      entry: { type: 'sendRequest', params: { kind: 'ServiceDiscovery' } },
      after: { V2G_EVCC_Msg_Timeout_ServiceDiscovery: { target: 'safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:ServiceDiscovery' } } } },
      on: {
        'RES.OK': [
          {
            guard: ({ event }) => event.res.kind === 'ServiceDiscovery' && !event.res.paymentOptions.includes('ExternalPayment'),
            target: 'safeShutdown',
            actions: { type: 'fatal', params: { reason: 'ExternalPayment not offered' } },
          },
          {
            // DIN chargers announce one combined EnergyTransferType; accept if our mode is in it.
            guard: ({ event, context }) =>
              event.res.kind === 'ServiceDiscovery' && event.res.chargeService.modes.length > 0 && !event.res.chargeService.modes.includes(context.config.energyTransferMode),
            target: 'safeShutdown',
            actions: { type: 'fatal', params: ({ context }) => ({ reason: `${context.config.energyTransferMode} not offered by the charger` }) },
          },
          { target: 'paymentServiceSelection' },
        ],
      },
    },
    paymentServiceSelection: {
      entry: { type: 'sendRequest', params: { kind: 'PaymentServiceSelection' } },
      after: { V2G_EVCC_Msg_Timeout_PaymentServiceSelection: { target: 'safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:PaymentServiceSelection' } } } },
      on: { 'RES.OK': { target: 'authorization' } },
    },
    authorization: {
      // DIN needs the ContractAuthentication loop even with external payment (an Alpitronic answers
      // ChargeParameterDiscoveryReq with FAILED_SequenceError otherwise, pyplc-inventory §2).
      after: { V2G_EVCC_Ongoing_Timeout: { target: 'safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:Ongoing(Authorization)' } } } },
      initial: 'request',
      states: {
        request: {
          entry: { type: 'sendRequest', params: { kind: 'Authorization' } },
          after: { V2G_EVCC_Msg_Timeout_Authorization: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:Authorization' } } } },
          on: {
            'RES.OK': [
              { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
              { guard: 'isFinished', target: '#v2gEv.chargeParameterDiscovery', actions: { type: 'checkpoint', params: { checkpoint: Checkpoint.Authorized, state: 'Authorized' } } },
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
    chargeParameterDiscovery: {
      after: { V2G_EVCC_Ongoing_Timeout: { target: 'safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:Ongoing(ChargeParameterDiscovery)' } } } },
      initial: 'request',
      states: {
        request: {
          entry: { type: 'sendRequest', params: { kind: 'ChargeParameterDiscovery' } },
          after: { V2G_EVCC_Msg_Timeout_ChargeParameterDiscovery: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:ChargeParameterDiscovery' } } } },
          on: {
            'RES.OK': [
              { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
              // Finished counts even with EVSE_NotReady (a Compleo does that, pyplc-inventory §1.3).
              { guard: ({ event, context }) => event.res.kind === 'ChargeParameterDiscovery' && event.res.processing === 'Finished' && isAcMode(context.config.energyTransferMode), target: '#v2gEv.acPreparation', actions: 'storeChargeParameters' },
              {
                // The charger cannot reach the battery voltage, or cannot go low enough for it: no point in a
                // cable check and a precharge that can never end (the EV's compatibility check).
                guard: ({ event, context }) =>
                  event.res.kind === 'ChargeParameterDiscovery' &&
                  event.res.processing === 'Finished' &&
                  event.res.dc !== undefined &&
                  (event.res.dc.maxVoltage < context.battery.voltage || event.res.dc.minVoltage > context.battery.maxVoltage),
                target: '#v2gEv.safeShutdown',
                actions: {
                  type: 'fatal',
                  params: ({ event, context }) => ({
                    reason: `IncompatibleChargeParameters: EVSE ${event.res.kind === 'ChargeParameterDiscovery' ? `${event.res.dc?.minVoltage}…${event.res.dc?.maxVoltage}` : ''} V, battery ${context.battery.voltage} V`,
                  }),
                },
              },
              { guard: 'isFinished', target: '#v2gEv.dcPreparation', actions: 'storeChargeParameters' },
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
    dcPreparation: {
      // DIN V2G_EVCC_ReadyToCharge_Timeout: ChargeParameterDiscovery finished → PowerDelivery(Start) answered.
      after: { V2G_EVCC_ReadyToCharge_Timeout: { target: 'safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:ReadyToCharge' } } } },
      initial: 'lockConnector',
      states: {
        lockConnector: {
          // State C first, then the lock (DIN flow, checkpoints 550/555/556).
          entry: [
            { type: 'setCpState', params: { state: 'C' } },
            assign({ cpC: true }),
            { type: 'checkpoint', params: { checkpoint: Checkpoint.CpStateC, state: 'CpStateC' } },
            'lockConnector',
            { type: 'checkpoint', params: { checkpoint: Checkpoint.LockConnector, state: 'LockConnector' } },
          ],
          always: [
            { guard: 'noLockHardware', target: 'cableCheck' },
            { guard: ({ context }) => context.lock === 'locked', target: 'cableCheck', actions: [assign({ lockConfirmed: true }), { type: 'checkpoint', params: { checkpoint: Checkpoint.Locked, state: 'Locked' } }] },
            { guard: ({ context }) => context.lock === 'fault', target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'ConnectorLockFault' } } },
          ],
          after: {
            ConnectorLock_Timeout: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:ConnectorLock' } } },
            // The next request must leave within the sequence performance time whatever the lock timeout is set to.
            V2G_EVCC_Sequence_Performance_Time: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:SequencePerformance(ConnectorLock)' } } },
          },
        },
        cableCheck: {
          after: { V2G_EVCC_CableCheck_Timeout: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:CableCheck' } } } },
          initial: 'request',
          states: {
            request: {
              entry: { type: 'sendRequest', params: { kind: 'CableCheck' } },
              after: { V2G_EVCC_Msg_Timeout_CableCheck: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:CableCheckRes' } } } },
              on: {
                'RES.OK': [
                  { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                  { guard: and(['isFinished', 'isolationAcceptable']), target: '#v2gEv.dcPreparation.preCharge' },
                  {
                    guard: 'isFinished',
                    target: '#v2gEv.safeShutdown',
                    // An absent EVSEIsolationStatus (optional in ISO-2 DC_EVSEStatus; OpenV2Gx-based chargers
                    // leave it out of CableCheckRes) is not a reported Invalid: say which it was.
                    actions: {
                      type: 'fatal',
                      params: ({ event }) => {
                        const iso = event.res.kind === 'CableCheck' ? event.res.dcStatus.isolation : undefined;
                        return { reason: iso === undefined ? 'IsolationStatusAbsent' : `IsolationNotValid: ${iso}` };
                      },
                    },
                  },
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
        preCharge: {
          after: { V2G_EVCC_PreCharge_Timeout: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:PreCharge' } } } },
          initial: 'request',
          states: {
            request: {
              entry: { type: 'sendRequest', params: { kind: 'PreCharge' } },
              after: { V2G_EVCC_Msg_Timeout_PreCharge: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:PreChargeRes' } } } },
              on: {
                'RES.OK': [
                  { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge', actions: 'storePresent' },
                  { target: 'decide', actions: 'storePresent' },
                ],
              },
            },
            decide: {
              always: [{ guard: 'prechargeConverged', target: '#v2gEv.dcPreparation.checkInlet' }, { target: 'wait' }],
            },
            wait: {
              always: [
                { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                // With the inlet voltage as the measure, a new reading may end the precharge between two requests.
                { guard: ({ context }) => context.config.prechargeUseInletVoltage && context.inletVoltage !== undefined && (!context.source || context.source.readyForPower) && Math.abs(context.inletVoltage - (context.source?.prechargeVoltage ?? context.battery.voltage)) < context.config.prechargeVoltageDelta, target: '#v2gEv.dcPreparation.checkInlet' },
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
              target: '#v2gEv.safeShutdown',
              actions: {
                type: 'fatal',
                params: ({ context }) => ({
                  reason: `InletVoltageImplausible: EVSEPresentVoltage ${context.presentVoltage} V, inlet ${context.inletVoltage} V (allowed ±${context.config.inletPlausibilityDelta} V)`,
                }),
              },
            },
            { target: 'closeContactors' },
          ],
        },
        closeContactors: {
          entry: ['closeContactors', { type: 'checkpoint', params: { checkpoint: Checkpoint.ContactorsClosed, state: 'CloseContactors' } }],
          always: [
            { guard: ({ context }) => context.config.contactorsHaveFeedback && context.contactorsClosed, target: 'powerDeliveryStart' },
          ],
          after: {
            // No auxiliary contact: give the relay its closing time before PowerDelivery(Start) lets the charger
            // move the voltage (found on the bench: without it the contacts met 30 V off the battery voltage).
            Contactor_CloseTime_WithoutFeedback: { guard: 'noContactorFeedback', target: 'powerDeliveryStart', actions: assign({ contactorsClosed: true }) },
            Contactor_Timeout: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:ContactorsClose' } } },
            V2G_EVCC_Sequence_Performance_Time: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:SequencePerformance(ContactorsClose)' } } },
          },
        },
        powerDeliveryStart: {
          entry: { type: 'sendRequest', params: { kind: 'PowerDelivery' } },
          after: { V2G_EVCC_Msg_Timeout_PowerDelivery: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:PowerDelivery' } } } },
          on: {
            'RES.OK': [
              // A stop that came while PowerDelivery(Start) was under way: straight to PowerDelivery(Stop).
              { guard: 'stopPending', target: '#v2gEv.powerDeliveryStop' },
              { target: '#v2gEv.currentDemand' },
            ],
          },
        },
      },
    },
    acPreparation: {
      initial: 'lockConnector',
      states: {
        lockConnector: {
          entry: ['lockConnector', { type: 'checkpoint', params: { checkpoint: Checkpoint.LockConnector, state: 'LockConnector' } }],
          always: [
            { guard: 'noLockHardware', target: 'powerDeliveryStart' },
            { guard: ({ context }) => context.lock === 'locked', target: 'powerDeliveryStart', actions: [assign({ lockConfirmed: true }), { type: 'checkpoint', params: { checkpoint: Checkpoint.Locked, state: 'Locked' } }] },
            { guard: ({ context }) => context.lock === 'fault', target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'ConnectorLockFault' } } },
          ],
          after: {
            ConnectorLock_Timeout: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:ConnectorLock' } } },
            // The next request must leave within the sequence performance time whatever the lock timeout is set to.
            V2G_EVCC_Sequence_Performance_Time: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:SequencePerformance(ConnectorLock)' } } },
          },
        },
        powerDeliveryStart: {
          entry: { type: 'sendRequest', params: { kind: 'PowerDelivery' } },
          after: { V2G_EVCC_Msg_Timeout_PowerDelivery: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:PowerDelivery' } } } },
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
    currentDemand: {
      // pyPLC light-bulb demo: the relay closes 2 s into the CurrentDemand loop (a lamp has no precharge to converge).
      after: { LightBulbDemo_ContactorDelay: { guard: 'lightBulbDemo', actions: ['closeContactors', { type: 'checkpoint', params: { checkpoint: Checkpoint.ContactorsClosed, state: 'CloseContactors' } }] } },
      initial: 'request',
      states: {
        request: {
          entry: { type: 'sendRequest', params: { kind: 'CurrentDemand' } },
          after: { V2G_EVCC_Msg_Timeout_CurrentDemand: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:CurrentDemand' } } } },
          on: { 'RES.OK': { target: 'wait', actions: ['storePresent', 'requestStopIfDone'] } },
        },
        wait: {
          always: { guard: 'stopPending', target: '#v2gEv.powerDeliveryStop' },
          after: { ChargeLoop_Interval: 'request' },
        },
      },
      on: {
        'HW.CONTACTORS': {
          // A stopping charge-parameter source (CHAdeMO stop sequence) opens them itself, at 0 A.
          guard: ({ context, event }) => !event.closed && !context.source?.stopping,
          target: 'safeShutdown',
          actions: [assign({ contactorsClosed: false }), { type: 'fatal', params: { reason: 'ContactorsOpenedDuringCharge' } }],
        },
      },
    },
    chargingStatus: {
      initial: 'request',
      states: {
        request: {
          entry: { type: 'sendRequest', params: { kind: 'ChargingStatus' } },
          after: { V2G_EVCC_Msg_Timeout_ChargingStatus: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:ChargingStatus' } } } },
          on: {
            'RES.OK': [
              { guard: ({ event }) => event.res.kind === 'ChargingStatus' && event.res.receiptRequired === true, target: 'meteringReceipt', actions: ['storePresent', 'requestStopIfDone'] },
              { target: 'wait', actions: ['storePresent', 'requestStopIfDone'] },
            ],
          },
        },
        meteringReceipt: {
          entry: { type: 'sendRequest', params: { kind: 'MeteringReceipt' } },
          after: { V2G_EVCC_Msg_Timeout_MeteringReceipt: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:MeteringReceipt' } } } },
          on: { 'RES.OK': { target: 'wait' } },
        },
        wait: {
          always: { guard: 'stopPending', target: '#v2gEv.powerDeliveryStop' },
          after: { ChargeLoop_Interval: 'request' },
        },
      },
    },
    powerDeliveryStop: {
      entry: { type: 'sendRequest', params: { kind: 'PowerDelivery', stop: true } },
      after: { V2G_EVCC_Msg_Timeout_PowerDelivery: { target: 'safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:PowerDelivery(Stop)' } } } },
      on: {
        'RES.OK': [
          { guard: 'isAc', target: 'sessionStop', actions: [{ type: 'setCpState', params: { state: 'B' } }, assign({ cpC: false }), { type: 'checkpoint', params: { checkpoint: Checkpoint.CpStateBAfterCharge, state: 'CpStateB' } }] },
          { target: 'openContactors', actions: [{ type: 'setCpState', params: { state: 'B' } }, assign({ cpC: false }), { type: 'checkpoint', params: { checkpoint: Checkpoint.CpStateBAfterCharge, state: 'CpStateB' } }] },
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
              {
                // The current did not decay: the session does not open under load itself. The
                // SafeShutdownSequence takes over (0 A, state B, its own deadline; opening after
                // that deadline is logged as the fault CURRENT_DID_NOT_DROP).
                target: '#v2gEv.safeShutdown',
                actions: {
                  type: 'fatal',
                  params: ({ context }) => ({
                    reason: `Timeout:CurrentDecay (${context.measuredCurrent ?? NaN} A, limit ${context.config.contactorOpenCurrentLimit} A)`,
                  }),
                },
              },
            ],
          },
        },
        opening: {
          entry: 'openContactors',
          always: [
            { guard: 'noContactorFeedback', target: '#v2gEv.weldingDetection', actions: assign({ contactorsClosed: false }) },
            { guard: 'contactorsOpen', target: '#v2gEv.weldingDetection' },
          ],
          after: { Contactor_Timeout: { target: '#v2gEv.safeShutdown', actions: { type: 'fatal', params: { reason: 'Timeout:ContactorsOpen (welded?)' } } } },
        },
      },
    },
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
              { guard: ({ event }) => event.res.kind === 'WeldingDetection' && !event.res.responseCode.startsWith('OK'), target: '#v2gEv.sessionStop' },
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
    finished: {
      type: 'final',
      entry: enqueueActions(({ context, enqueue, check }) => {
        enqueue.assign({ endReason: context.stopReason ?? 'SessionStop' });
        if (check('unlockSafe')) io(enqueue)('unlockConnector');
        // Voltage not (yet) safe or contactors not confirmed open: the SafeShutdownSequence waits for it.
        else io(enqueue)({ type: 'requestSafeShutdown', params: { reason: 'UnlockNotSafeAtSessionEnd' } });
        io(enqueue)({ type: 'reportStatus', params: report('ChargingFinished', undefined, { reason: context.stopReason ?? 'SessionStop' }) });
      }),
    },
    safeShutdown: {
      type: 'final',
      entry: enqueueActions(({ context, enqueue }) => {
        const reason = context.fatal?.reason ?? context.endReason ?? 'unknown';
        io(enqueue)({ type: 'requestSafeShutdown', params: { reason } });
        io(enqueue)({ type: 'reportStatus', params: report('SafeShutdown', undefined, { reason }) });
      }),
    },
  },
  output: ({ context }) => {
    const safe = context.fatal !== undefined;
    return {
      result: safe ? 'SafeShutdown' : 'ChargingFinished',
      reason: safe ? (context.fatal?.reason ?? 'unknown') : (context.stopReason ?? 'SessionStop'),
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
