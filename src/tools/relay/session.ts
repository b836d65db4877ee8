// What the relay knows of the session it carries: the negotiated schema, the SessionID, the phase,
// whether power may flow, and the car's and the charger's last message of each kind. It never
// changes what is forwarded; it is what the relay needs when a leg fails or a stop comes: the
// charger's current to zero through the protocol (a CurrentDemandReq / PreChargeReq with 0 A, then
// PowerDeliveryReq stop, then SessionStopReq — each derived from the car's own last request of that
// kind, so it carries the car's values and the session's SessionID), and the car's pending request
// answered with EVSE_Shutdown / EVSE_EmergencyShutdown.
import { codecError, err, ok, type Result } from '../../result.js';
import type { V2gDocument } from '../../domain/v2g/document.js';
import { decodeHandshakeRequest, decodeHandshakeResponse, dialectFor, encodeHandshakeResponse } from '../../domain/v2g/dialects/index.js';
import {
  protocolNamespaces,
  type AppProtocol,
  type DcEvseStatus,
  type DcEvseStatusCode,
  type Protocol,
  type RequestKind,
  type SchemaId,
  type V2gRequest,
  type V2gResponse,
} from '../../domain/v2g/model.js';

/** Phases of a session as the fault table names them (a leg can fail in each). */
export const relayPhases = ['handshake', 'setup', 'ChargeParameterDiscovery', 'CableCheck', 'PreCharge', 'PowerDelivery', 'CurrentDemand', 'stop'] as const;
export type RelayPhase = (typeof relayPhases)[number];

export function phaseOf(req: V2gRequest): RelayPhase {
  switch (req.kind) {
    case 'SessionSetup':
    case 'ServiceDiscovery':
    case 'ServiceDetail':
    case 'PaymentServiceSelection':
    case 'Authorization':
      return 'setup';
    case 'ChargeParameterDiscovery':
    case 'CableCheck':
    case 'PreCharge':
      return req.kind;
    case 'PowerDelivery':
      return req.progress === 'Stop' ? 'stop' : 'PowerDelivery';
    case 'CurrentDemand':
    case 'ChargingStatus':
    case 'MeteringReceipt':
      return 'CurrentDemand';
    case 'WeldingDetection':
    case 'SessionStop':
      return 'stop';
  }
}

/** The body element name of a document ('CurrentDemandReq', 'supportedAppProtocolReq'). */
export function messageName(doc: V2gDocument): string {
  if ('V2G_Message' in doc) return Object.keys(doc.V2G_Message.Body)[0] ?? 'EmptyBody';
  return Object.keys(doc)[0] ?? 'unknown';
}

export interface SeenMessage {
  readonly name: string;
  /** The neutral kind, when the dialect reads the message (undefined for the handshake and for what it does not know). */
  readonly kind?: RequestKind;
}

export class RelayTracker {
  /** The grammar the next message decodes with: appHand until the handshake response, then the negotiated one. */
  schema: SchemaId = 'appHand';
  protocol: Protocol | undefined;
  sessionId: Uint8Array | undefined;
  phase: RelayPhase = 'handshake';
  /** PowerDelivery(Start) or PreCharge seen and no stop yet: the charger's output may be live. */
  energised = false;
  /** SessionStopRes went to the car: the session ended normally. */
  sessionStopped = false;
  /** The request the car waits an answer for (V2G is strictly request/response). */
  pending: SeenMessage | undefined;
  private offer: AppProtocol[] = [];
  readonly requests = new Map<RequestKind, V2gRequest>();
  readonly responses = new Map<RequestKind, V2gResponse>();

  /** A request on its way to the charger (the car's, or the relay's own stop). */
  request(doc: V2gDocument): SeenMessage {
    const name = messageName(doc);
    if (name === 'supportedAppProtocolReq') {
      const offer = decodeHandshakeRequest(doc);
      if (offer.ok) this.offer = offer.value;
      this.pending = { name };
      return this.pending;
    }
    if (!this.protocol) return (this.pending = { name });
    const r = dialectFor(this.protocol).decodeRequest(doc);
    if (!r.ok) return (this.pending = { name });
    const req = r.value.body;
    this.requests.set(req.kind, req);
    this.phase = phaseOf(req);
    if (req.kind === 'PreCharge' || (req.kind === 'PowerDelivery' && req.progress === 'Start')) this.energised = true;
    return (this.pending = { name, kind: req.kind });
  }

  /** A response on its way to the car (or the answer to the relay's own stop request). */
  response(doc: V2gDocument): SeenMessage {
    const name = messageName(doc);
    this.pending = undefined;
    if (name === 'supportedAppProtocolRes') {
      const res = decodeHandshakeResponse(doc);
      if (res.ok && res.value.responseCode !== 'Failed_NoNegotiation') {
        const chosen = this.offer.find((a) => a.schemaId === res.value.schemaId);
        const protocol = (Object.keys(protocolNamespaces) as Protocol[]).find((p) => chosen && protocolNamespaces[p].namespace === chosen.namespace);
        if (protocol) {
          this.protocol = protocol;
          this.schema = protocol;
          this.phase = 'setup';
        }
      }
      return { name };
    }
    if (!this.protocol) return { name };
    const r = dialectFor(this.protocol).decodeResponse(doc);
    if (!r.ok) return { name };
    const res = r.value.body;
    this.responses.set(res.kind, res);
    if (res.kind === 'SessionSetup') this.sessionId = r.value.sessionId;
    const req = this.requests.get(res.kind);
    if ((res.kind === 'PowerDelivery' && req?.kind === 'PowerDelivery' && req.progress === 'Stop') || res.kind === 'WeldingDetection' || res.kind === 'SessionStop') this.energised = false;
    if (res.kind === 'SessionStop') this.sessionStopped = true;
    return { name, kind: res.kind };
  }
}

export interface StopRequest {
  readonly name: string;
  readonly schema: SchemaId;
  readonly doc: V2gDocument;
}

/**
 * The relay's own end of the charger leg, in the safe order: current to zero (a CurrentDemandReq
 * with EVTargetCurrent 0 in CurrentDemand, a PreChargeReq with 0 A in PreCharge), PowerDeliveryReq
 * stop (when PowerDelivery(Start) was sent), SessionStopReq (when a session exists). Empty before
 * the handshake is through: nothing was agreed, closing is all there is.
 */
export function chargerStopRequests(t: RelayTracker): Result<StopRequest[]> {
  if (!t.protocol || !t.sessionId) return ok([]);
  const dialect = dialectFor(t.protocol);
  const sessionId = t.sessionId;
  const reqs: V2gRequest[] = [];
  const cd = t.requests.get('CurrentDemand');
  const pc = t.requests.get('PreCharge');
  const pd = t.requests.get('PowerDelivery');
  if (t.energised && t.phase === 'CurrentDemand' && cd?.kind === 'CurrentDemand') reqs.push({ ...cd, targetCurrent: 0 });
  else if (t.energised && t.phase === 'PreCharge' && pc?.kind === 'PreCharge') reqs.push({ ...pc, targetCurrent: 0 });
  if (t.energised && pd?.kind === 'PowerDelivery' && pd.progress !== 'Stop') {
    // DC: the car is no longer ready and its charging is complete (DIN 70121 [V2G-DC-593]: ReadyToChargeState false = stop).
    reqs.push({ ...pd, progress: 'Stop', ...(pd.dc ? { dc: { ...pd.dc, evStatus: { ...pd.dc.evStatus, ready: false }, chargingComplete: true } } : {}) });
  }
  if (!t.sessionStopped) reqs.push({ kind: 'SessionStop', chargingSession: 'Terminate' });
  const out: StopRequest[] = [];
  for (const r of reqs) {
    const doc = dialect.encodeRequest(sessionId, r);
    if (!doc.ok) return doc;
    out.push({ name: dialect.requestElement(r.kind), schema: t.protocol, doc: doc.value });
  }
  return ok(out);
}

export type ShutdownStatus = Extract<DcEvseStatusCode, 'EVSE_Shutdown' | 'EVSE_EmergencyShutdown'>;

const dcStatusOf = (status: ShutdownStatus, base?: DcEvseStatus): DcEvseStatus => ({
  ...(base?.isolation !== undefined ? { isolation: base.isolation } : {}),
  statusCode: status,
  notification: 'StopCharging',
  notificationMaxDelay: 0,
});

/** A response of the given kind when the charger never sent one the relay could start from. */
function minimalResponse(req: V2gRequest, dc: DcEvseStatus): V2gResponse {
  const responseCode = 'OK' as const;
  const ac = { rcd: false, notification: 'StopCharging' as const, notificationMaxDelay: 0 };
  switch (req.kind) {
    case 'SessionSetup':
      return { kind: req.kind, responseCode, evseId: new Uint8Array([0]) };
    case 'ServiceDiscovery':
      return { kind: req.kind, responseCode, paymentOptions: ['ExternalPayment'], chargeService: { serviceId: 1, freeService: false, modes: ['DC_extended'] } };
    case 'ServiceDetail':
      return { kind: req.kind, responseCode, serviceId: req.serviceId };
    case 'PaymentServiceSelection':
      return { kind: req.kind, responseCode };
    case 'Authorization':
      return { kind: req.kind, responseCode, processing: 'Finished' };
    case 'ChargeParameterDiscovery':
      return req.ac
        ? { kind: req.kind, responseCode, processing: 'Finished', schedules: [{ id: 1, pMax: 0 }], ac: { status: ac, nominalVoltage: 230, maxCurrent: 0, minCurrent: 0 } }
        : { kind: req.kind, responseCode, processing: 'Finished', schedules: [{ id: 1, pMax: 0 }], dc: { status: dc, maxCurrent: 0, maxVoltage: 0, maxPower: 0, minCurrent: 0, minVoltage: 0, peakCurrentRipple: 0 } };
    case 'CableCheck':
      return { kind: req.kind, responseCode, dcStatus: dc, processing: 'Finished' };
    case 'PreCharge':
      return { kind: req.kind, responseCode, dcStatus: dc, presentVoltage: 0 };
    case 'PowerDelivery':
      return req.dc ? { kind: req.kind, responseCode, dcStatus: dc } : { kind: req.kind, responseCode, acStatus: ac };
    case 'CurrentDemand':
      return { kind: req.kind, responseCode, dcStatus: dc, presentVoltage: 0, presentCurrent: 0, currentLimitAchieved: false, voltageLimitAchieved: false, powerLimitAchieved: false, evseId: new Uint8Array([0]), saScheduleTupleId: 1 };
    case 'ChargingStatus':
      return { kind: req.kind, responseCode, evseId: new Uint8Array([0]), saScheduleTupleId: 1, acStatus: ac };
    case 'MeteringReceipt':
      return { kind: req.kind, responseCode, dcStatus: dc };
    case 'WeldingDetection':
      return { kind: req.kind, responseCode, dcStatus: dc, presentVoltage: 0 };
    case 'SessionStop':
      return { kind: req.kind, responseCode };
  }
}

/**
 * The relay's answer to a car request it cannot (or may no longer) forward: the charger's last
 * response of that kind (or a minimal one) with the EVSE status set to `status`, EVSENotification
 * StopCharging, no current, and ResponseCode FAILED for an emergency (ISO 15118-2 [V2G2-539]: the
 * EV stops at once) or OK for a shutdown (the car winds down: PowerDelivery stop, SessionStop). A
 * SessionStopReq is answered OK: that is the car's end of the session. Before the handshake is
 * through, a supportedAppProtocolReq gets Failed_NoNegotiation.
 */
export function carShutdownResponse(t: RelayTracker, requestDoc: V2gDocument, status: ShutdownStatus): Result<{ name: string; schema: SchemaId; doc: V2gDocument }> {
  if ('supportedAppProtocolReq' in requestDoc) return ok({ name: 'supportedAppProtocolRes', schema: 'appHand', doc: encodeHandshakeResponse({ responseCode: 'Failed_NoNegotiation' }) });
  if (!t.protocol) return err(codecError('NO_PROTOCOL', 'a V2G request before the handshake was through'));
  const dialect = dialectFor(t.protocol);
  const r = dialect.decodeRequest(requestDoc);
  if (!r.ok) return r;
  const req = r.value.body;
  const prev = t.responses.get(req.kind);
  const dc = dcStatusOf(status, prev && 'dcStatus' in prev ? prev.dcStatus : undefined);
  const base = prev ?? minimalResponse(req, dc);
  const responseCode = req.kind === 'SessionStop' || status === 'EVSE_Shutdown' ? ('OK' as const) : ('FAILED' as const);
  const patched = {
    ...base,
    responseCode,
    ...('dcStatus' in base && base.dcStatus ? { dcStatus: dc } : {}),
    ...('acStatus' in base && base.acStatus ? { acStatus: { ...base.acStatus, notification: 'StopCharging' as const, notificationMaxDelay: 0 } } : {}),
    ...('presentCurrent' in base ? { presentCurrent: 0 } : {}),
    ...('processing' in base ? { processing: 'Finished' as const } : {}),
  } as V2gResponse;
  const doc = dialect.encodeResponse(t.sessionId ?? r.value.sessionId, patched);
  if (!doc.ok) return doc;
  return ok({ name: messageName(doc.value), schema: t.protocol, doc: doc.value });
}
