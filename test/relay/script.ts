// A DIN 70121 DC session as EXI bytes, message by message: what a car sends and what a charger
// answers, built with the project's own dialect and codec (src/domain/v2g/dialects, src/codecs/exi). The relay
// tests feed these to the relay machine and check what comes out of each leg.
import { exiCodec } from '../../src/runtime/exi-codec.js';
import { dinDialect, encodeHandshakeRequest, encodeHandshakeResponse, offerFor } from '../../src/domain/v2g/dialects/index.js';
import type { V2gDocument } from '../../src/domain/v2g/document.js';
import type { DcEvStatus, DcEvseStatus, V2gRequest, V2gResponse } from '../../src/domain/v2g/model.js';
import type { RelayPhase } from '../../src/tools/relay/session.js';

export const sessionId = new Uint8Array([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
const ev: DcEvStatus = { ready: true, errorCode: 'NO_ERROR', soc: 50 };
const evse: DcEvseStatus = { statusCode: 'EVSE_Ready', isolation: 'Valid', notification: 'None', notificationMaxDelay: 0 };

export interface Step {
  /** The phase the request belongs to (src/tools/relay/session.ts phaseOf). */
  readonly phase: RelayPhase;
  readonly request: Uint8Array;
  readonly response: Uint8Array;
  readonly requestName: string;
  readonly responseName: string;
}

function bytes(schema: 'appHand' | 'din', doc: V2gDocument): Uint8Array {
  const r = exiCodec.encode(schema, doc);
  if (!r.ok) throw new Error(`test script: ${r.error.message}`);
  return r.value;
}

function pair(phase: RelayPhase, req: V2gRequest, res: V2gResponse): Step {
  const q = dinDialect.encodeRequest(phase === 'setup' && req.kind === 'SessionSetup' ? new Uint8Array([0]) : sessionId, req);
  const s = dinDialect.encodeResponse(sessionId, res);
  if (!q.ok || !s.ok) throw new Error(`test script: ${!q.ok ? q.error.message : !s.ok ? s.error.message : ''}`);
  const name = (d: V2gDocument): string => ('V2G_Message' in d ? (Object.keys(d.V2G_Message.Body)[0] as string) : '');
  return { phase, request: bytes('din', q.value), response: bytes('din', s.value), requestName: name(q.value), responseName: name(s.value) };
}

/** The whole session: handshake … SessionStop, with `loops` CurrentDemand rounds. */
export function dinSession(loops = 3, targetCurrent = 100): Step[] {
  const steps: Step[] = [
    {
      phase: 'handshake',
      request: bytes('appHand', encodeHandshakeRequest(offerFor(['din']))),
      response: bytes('appHand', encodeHandshakeResponse({ responseCode: 'OK_SuccessfulNegotiation', schemaId: 1 })),
      requestName: 'supportedAppProtocolReq',
      responseName: 'supportedAppProtocolRes',
    },
    pair('setup', { kind: 'SessionSetup', evccId: new Uint8Array([2, 0, 0, 0, 0, 1]) }, { kind: 'SessionSetup', responseCode: 'OK_NewSessionEstablished', evseId: new Uint8Array([0]) }),
    pair('setup', { kind: 'ServiceDiscovery' }, { kind: 'ServiceDiscovery', responseCode: 'OK', paymentOptions: ['ExternalPayment'], chargeService: { serviceId: 1, freeService: false, modes: ['DC_extended'] } }),
    pair('setup', { kind: 'PaymentServiceSelection', payment: 'ExternalPayment', serviceIds: [1] }, { kind: 'PaymentServiceSelection', responseCode: 'OK' }),
    pair('setup', { kind: 'Authorization' }, { kind: 'Authorization', responseCode: 'OK', processing: 'Finished' }),
    pair(
      'ChargeParameterDiscovery',
      { kind: 'ChargeParameterDiscovery', mode: 'DC_extended', dc: { evStatus: ev, maxCurrent: 200, maxVoltage: 450, energyCapacityWh: 50000, energyRequestWh: 20000, fullSoc: 100, bulkSoc: 80 } },
      { kind: 'ChargeParameterDiscovery', responseCode: 'OK', processing: 'Finished', schedules: [{ id: 1, pMax: 32767 }], dc: { status: evse, maxCurrent: 150, maxVoltage: 500, maxPower: 60000, minCurrent: 0, minVoltage: 200, peakCurrentRipple: 5 } },
    ),
    pair('CableCheck', { kind: 'CableCheck', evStatus: ev }, { kind: 'CableCheck', responseCode: 'OK', dcStatus: evse, processing: 'Finished' }),
    pair('PreCharge', { kind: 'PreCharge', evStatus: ev, targetVoltage: 380, targetCurrent: 2 }, { kind: 'PreCharge', responseCode: 'OK', dcStatus: evse, presentVoltage: 379 }),
    pair('PowerDelivery', { kind: 'PowerDelivery', progress: 'Start', saScheduleTupleId: 1, dc: { evStatus: ev, chargingComplete: false } }, { kind: 'PowerDelivery', responseCode: 'OK', dcStatus: evse }),
  ];
  for (let i = 0; i < loops; i++)
    steps.push(
      pair(
        'CurrentDemand',
        { kind: 'CurrentDemand', evStatus: ev, targetVoltage: 400, targetCurrent, maxVoltage: 450, maxCurrent: 200, chargingComplete: false },
        { kind: 'CurrentDemand', responseCode: 'OK', dcStatus: evse, presentVoltage: 399, presentCurrent: targetCurrent, currentLimitAchieved: false, voltageLimitAchieved: false, powerLimitAchieved: false, maxVoltage: 500, maxCurrent: 150, maxPower: 60000 },
      ),
    );
  steps.push(
    pair('stop', { kind: 'PowerDelivery', progress: 'Stop', saScheduleTupleId: 1, dc: { evStatus: { ...ev, ready: false }, chargingComplete: true } }, { kind: 'PowerDelivery', responseCode: 'OK', dcStatus: evse }),
    pair('stop', { kind: 'WeldingDetection', evStatus: { ...ev, ready: false } }, { kind: 'WeldingDetection', responseCode: 'OK', dcStatus: evse, presentVoltage: 10 }),
    pair('stop', { kind: 'SessionStop', chargingSession: 'Terminate' }, { kind: 'SessionStop', responseCode: 'OK' }),
  );
  return steps;
}

export function decodeAny(payload: Uint8Array): V2gDocument {
  for (const schema of ['din', 'appHand'] as const) {
    const r = exiCodec.decode(schema, payload);
    if (r.ok) return r.value;
  }
  throw new Error('undecodable');
}
