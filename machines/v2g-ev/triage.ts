// What a response from the charger means for the EV session, decided without an
// actor (as machines/v2g-evse/responses.ts does for the charger): the machine
// applies the result (checkpoint, status, stop wish) and takes the transition.
// The codes → reactions rules are src/domain/v2g/policy.ts; this adds what the EV
// checks in the content (services offered, voltage window, isolation).
import { bytesEqual } from '../../src/bytes.js';
import { Checkpoint } from '../../src/checkpoints.js';
import type { BatteryState } from '../../src/ports/hardware.js';
import type { V2gEvConfig } from '../../src/domain/v2g/config.js';
import type { V2gDocument } from '../../src/domain/v2g/document.js';
import { decodeHandshakeResponse, offerFor } from '../../src/domain/v2g/dialects/apphand.js';
import { dialectFor } from '../../src/domain/v2g/dialects/index.js';
import { isAcMode, type DcEvseStatusCode, type DcEvseStatus, type IsolationLevel, type Protocol, type RequestKind, type ResponseCode, type V2gResponse } from '../../src/domain/v2g/model.js';
import { evReactionToEvseStatus, evReactionToNotification, evReactionToResponseCode } from '../../src/domain/v2g/policy.js';
import type { V2gEvFaultReason, V2gEvFinishReason } from './types.js';

/** A fault that ends the session, with the codes that caused it (they go into V2gEvOutput). */
export interface Fatal {
  readonly end: V2gEvFaultReason;
  readonly responseCode?: ResponseCode;
  readonly evseStatusCode?: DcEvseStatusCode;
}

/** What the triage needs from the session. */
export interface TriageContext {
  readonly config: V2gEvConfig;
  readonly battery: BatteryState;
  readonly protocol: Protocol | undefined;
  readonly sessionId: Uint8Array;
  /** The request awaiting its response ('SupportedAppProtocol' for the handshake). */
  readonly pending: RequestKind | 'SupportedAppProtocol' | undefined;
  readonly lastCheckpoint: Checkpoint;
}

/** Where a well-formed, accepted response leads in its phase. */
export type Step =
  /** The phase is done: on to the next one. */
  | { readonly step: 'next' }
  /** Processing Ongoing (or a loop that goes on): send the request again after the loop interval. */
  | { readonly step: 'repeat' }
  /** The content rules out going on (checked after a pending stop, which wins). */
  | { readonly step: 'fatal'; readonly fatal: Fatal };

/** The facts a decoded response leaves in the session, fatal or not. */
export interface Received {
  readonly res: V2gResponse;
  readonly checkpoint: Checkpoint | undefined;
  readonly dcStatus: DcEvseStatus | undefined;
  /** The SessionID in the header, when it differs from the session's (logged, not fatal: the SECC owns it). */
  readonly sessionIdMismatch: Uint8Array | undefined;
}

export type Triage =
  /** Nothing was asked: a stray response, ignored with a warning. */
  | { readonly kind: 'unsolicited' }
  | { readonly kind: 'handshake'; readonly protocol: Protocol }
  /** The session ends now; `received` when the response itself decoded (its checkpoint still counts). */
  | { readonly kind: 'fatal'; readonly fatal: Fatal; readonly received?: Received }
  | {
      readonly kind: 'response';
      readonly received: Received;
      readonly sessionId: Uint8Array;
      readonly step: Step;
      /** The charger asks for a graceful stop (EVSE_Shutdown, StopCharging). */
      readonly chargerStop?: V2gEvFinishReason;
    };

export function dcStatusOf(res: V2gResponse): DcEvseStatus | undefined {
  return 'dcStatus' in res ? res.dcStatus : res.kind === 'ChargeParameterDiscovery' ? res.dc?.status : undefined;
}

function notificationOf(res: V2gResponse) {
  const dc = dcStatusOf(res);
  if (dc) return dc.notification;
  if ('acStatus' in res && res.acStatus) return res.acStatus.notification;
  if (res.kind === 'ChargeParameterDiscovery' && res.ac) return res.ac.status.notification;
  return 'None' as const;
}

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

/** The handshake: the SchemaID names the offer entry the SECC took. */
function triageHandshake(ctx: TriageContext, doc: V2gDocument): Triage {
  const hs = decodeHandshakeResponse(doc);
  if (!hs.ok) return { kind: 'fatal', fatal: { end: { code: 'HandshakeUndecodable', detail: { error: { code: hs.error.code, message: hs.error.message } } } } };
  if (hs.value.responseCode === 'Failed_NoNegotiation') return { kind: 'fatal', fatal: { end: { code: 'NoNegotiation', detail: {} } } };
  // Without a SchemaID (not allowed, but seen in pyPLC's early EVSE) a single-protocol offer is unambiguous.
  const offer = offerFor(ctx.config.protocols);
  const schemaId = hs.value.schemaId;
  const idx = schemaId !== undefined ? offer.findIndex((o) => o.schemaId === schemaId) : offer.length === 1 ? 0 : -1;
  const protocol = idx >= 0 ? ctx.config.protocols[idx] : undefined;
  if (!protocol) return { kind: 'fatal', fatal: { end: { code: 'NoMatchingProtocol', detail: schemaId !== undefined ? { schemaId } : {} } } };
  return { kind: 'handshake', protocol };
}

/** The ResponseCode / DC_EVSEStatusCode / EVSENotification reactions, worst first (policy.ts `worst` order). */
function reactionOf(res: V2gResponse, dc: DcEvseStatus | undefined): { fatal: Fatal } | { stop: V2gEvFinishReason } | undefined {
  const byCode = evReactionToResponseCode(res.kind, res.responseCode);
  const byStatus = dc ? evReactionToEvseStatus(dc.statusCode) : ({ action: 'continue' } as const);
  // The status code goes into the output only when it was itself a reason to stop.
  const statusCode = dc && byStatus.action !== 'continue' ? { evseStatusCode: dc.statusCode } : {};
  if (byCode.action === 'safeShutdown')
    return { fatal: { end: { code: 'ResponseCodeFailed', detail: { request: res.kind, responseCode: res.responseCode } }, responseCode: res.responseCode, ...statusCode } };
  if (dc && byStatus.action === 'safeShutdown') return { fatal: { end: { code: 'EvseStatusFault', detail: { evseStatusCode: dc.statusCode } }, responseCode: res.responseCode, ...statusCode } };
  if (dc && byStatus.action === 'gracefulStop' && (dc.statusCode === 'EVSE_Shutdown' || dc.statusCode === 'EVSE_UtilityInterruptEvent'))
    return { stop: { code: 'ChargerStop', detail: { evseStatusCode: dc.statusCode } } };
  if (evReactionToNotification(notificationOf(res)).action === 'gracefulStop') return { stop: { code: 'ChargerStop', detail: { notification: 'StopCharging' } } };
  return undefined;
}

/** The content checks of each phase; `repeat` while the charger reports Processing Ongoing. */
function stepOf(ctx: TriageContext, res: V2gResponse, lastIsolation: IsolationLevel | undefined): Step {
  const finished = !('processing' in res) || res.processing === 'Finished';
  switch (res.kind) {
    case 'ServiceDiscovery':
      if (!res.paymentOptions.includes('ExternalPayment')) return fatalStep({ code: 'ServiceNotOffered', detail: { service: 'ExternalPayment' } });
      // DIN chargers announce one combined EnergyTransferType; accept if our mode is in it.
      if (res.chargeService.modes.length > 0 && !res.chargeService.modes.includes(ctx.config.energyTransferMode))
        return fatalStep({ code: 'ServiceNotOffered', detail: { service: ctx.config.energyTransferMode } });
      return { step: 'next' };
    case 'ChargeParameterDiscovery':
      // Finished counts even with EVSE_NotReady (a Compleo does that, pyplc-inventory §1.3).
      if (!finished) return { step: 'repeat' };
      // The charger cannot reach the battery voltage, or cannot go low enough for it: no point in a
      // cable check and a precharge that can never end (the EV's compatibility check).
      if (!isAcMode(ctx.config.energyTransferMode) && res.dc && (res.dc.maxVoltage < ctx.battery.voltage || res.dc.minVoltage > ctx.battery.maxVoltage))
        return fatalStep({ code: 'IncompatibleChargeParameters', detail: { evseMinVoltage: res.dc.minVoltage, evseMaxVoltage: res.dc.maxVoltage, batteryVoltage: ctx.battery.voltage } });
      return { step: 'next' };
    case 'CableCheck': {
      if (!finished) return { step: 'repeat' };
      const iso = res.dcStatus.isolation ?? lastIsolation;
      // IEC 61851-23 / FreeV2G #216: no charging on Fault or Invalid (Invalid can be allowed by config for old DIN chargers).
      if (iso === 'Valid' || iso === 'Warning' || iso === 'No_IMD') return { step: 'next' };
      if (ctx.config.acceptIsolationInvalid && (iso === 'Invalid' || iso === undefined)) return { step: 'next' };
      // An absent EVSEIsolationStatus (optional in ISO-2 DC_EVSEStatus; OpenV2Gx-based chargers
      // leave it out of CableCheckRes) is not a reported Invalid: say which it was.
      const reported = res.dcStatus.isolation;
      return fatalStep(reported === undefined ? { code: 'IsolationStatusAbsent', detail: {} } : { code: 'IsolationNotValid', detail: { isolation: reported } });
    }
    case 'WeldingDetection':
      // A FAILED answer (Alpitronic) ends the detection without failing the session (pyplc-inventory §1.3).
      return res.responseCode.startsWith('OK') ? { step: 'repeat' } : { step: 'next' };
    case 'PreCharge':
    case 'CurrentDemand':
    case 'ChargingStatus':
      // Loops whose end the session decides from its own facts (voltage reached, stop wanted).
      return { step: 'repeat' };
    default:
      return finished ? { step: 'next' } : { step: 'repeat' };
  }
}

function fatalStep(end: V2gEvFaultReason): Step {
  return { step: 'fatal', fatal: { end } };
}

/**
 * What the response `doc` means for the session in `ctx`. `lastIsolation` is the
 * last EVSEIsolationStatus the charger reported (a CableCheckRes may leave it out).
 */
export function triageResponse(ctx: TriageContext, doc: V2gDocument, lastIsolation?: IsolationLevel): Triage {
  const pending = ctx.pending;
  if (pending === undefined) return { kind: 'unsolicited' };
  if (pending === 'SupportedAppProtocol') return triageHandshake(ctx, doc);
  const decoded = dialectFor(ctx.protocol ?? 'din').decodeResponse(doc);
  if (!decoded.ok) return { kind: 'fatal', fatal: { end: { code: 'ResponseUndecodable', detail: { request: pending, error: { code: decoded.error.code, message: decoded.error.message } } } } };
  const res = decoded.value.body;
  if (res.kind !== pending) return { kind: 'fatal', fatal: { end: { code: 'UnexpectedResponse', detail: { expected: pending, got: res.kind } } } };
  const dc = dcStatusOf(res);
  const checkpoint =
    res.kind === 'PowerDelivery'
      ? ctx.lastCheckpoint === Checkpoint.PowerDeliveryStopReq
        ? Checkpoint.PowerDeliveryStopResReceived
        : Checkpoint.PowerDeliveryStartRes
      : checkpointOfResponse[res.kind];
  const sessionIdMismatch = pending !== 'SessionSetup' && !bytesEqual(decoded.value.sessionId, ctx.sessionId) ? decoded.value.sessionId : undefined;
  const received: Received = { res, checkpoint, dcStatus: dc, sessionIdMismatch };
  const reaction = reactionOf(res, dc);
  if (reaction && 'fatal' in reaction) return { kind: 'fatal', fatal: reaction.fatal, received };
  const step = stepOf(ctx, res, dc?.isolation ?? lastIsolation);
  return { kind: 'response', received, sessionId: decoded.value.sessionId, step, ...(reaction ? { chargerStop: reaction.stop } : {}) };
}
