// Dialects: neutral model ⇄ DIN / ISO-2 documents, through the real EXI codec.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/codecs/exi/index.js';
import {
  chooseProtocol,
  decodeHandshakeRequest,
  decodeHandshakeResponse,
  dinDialect,
  encodeHandshakeRequest,
  encodeHandshakeResponse,
  fromPhysical,
  iso2Dialect,
  offerFor,
  toPhysical,
  type Dialect,
  type V2gDocument,
  type V2gRequest,
  type V2gResponse,
} from '../../src/domain/v2g/index.js';

const evStatus = { ready: true, errorCode: 'NO_ERROR', soc: 42 } as const;
const dcStatus = { statusCode: 'EVSE_Ready', isolation: 'Valid', notification: 'None', notificationMaxDelay: 0 } as const;
const acStatus = { rcd: false, powerSwitchClosed: true, notification: 'None', notificationMaxDelay: 0 } as const;
const sid = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const evseId = Uint8Array.from('DE*TSP*E1', (c) => c.charCodeAt(0));

const requests: V2gRequest[] = [
  { kind: 'SessionSetup', evccId: Uint8Array.from([0x02, 0, 0, 0, 0, 1]) },
  { kind: 'ServiceDiscovery' },
  { kind: 'PaymentServiceSelection', payment: 'ExternalPayment', serviceIds: [1] },
  { kind: 'Authorization' },
  {
    kind: 'ChargeParameterDiscovery',
    mode: 'DC_extended',
    dc: { evStatus, maxCurrent: 100, maxVoltage: 398, maxPower: 98000, energyCapacityWh: 28000, energyRequestWh: 20000, fullSoc: 100, bulkSoc: 80 },
  },
  { kind: 'ChargeParameterDiscovery', mode: 'AC_three_phase_core', ac: { departureTime: 0, energyAmountWh: 20000, maxVoltage: 400, maxCurrent: 16, minCurrent: 6 } },
  { kind: 'CableCheck', evStatus },
  { kind: 'PreCharge', evStatus, targetVoltage: 364.5, targetCurrent: 1 },
  { kind: 'PowerDelivery', progress: 'Start', saScheduleTupleId: 1, dc: { evStatus, bulkChargingComplete: false, chargingComplete: false } },
  { kind: 'PowerDelivery', progress: 'Stop', saScheduleTupleId: 1, dc: { evStatus, bulkChargingComplete: true, chargingComplete: true } },
  {
    kind: 'CurrentDemand',
    evStatus,
    targetVoltage: 398,
    targetCurrent: 99.5,
    maxVoltage: 398,
    maxCurrent: 100,
    maxPower: 98000,
    bulkChargingComplete: false,
    chargingComplete: false,
    remainingTimeToFullSoc: 3600,
    remainingTimeToBulkSoc: 1800,
  },
  { kind: 'ChargingStatus' },
  { kind: 'WeldingDetection', evStatus },
  { kind: 'SessionStop', chargingSession: 'Terminate' },
];

const responses: V2gResponse[] = [
  { kind: 'SessionSetup', responseCode: 'OK_NewSessionEstablished', evseId, timestamp: 1_700_000_000 },
  { kind: 'ServiceDiscovery', responseCode: 'OK', paymentOptions: ['ExternalPayment'], chargeService: { serviceId: 1, freeService: false, modes: ['DC_extended'] } },
  { kind: 'PaymentServiceSelection', responseCode: 'OK' },
  { kind: 'Authorization', responseCode: 'OK', processing: 'Ongoing' },
  {
    kind: 'ChargeParameterDiscovery',
    responseCode: 'OK',
    processing: 'Finished',
    schedules: [{ id: 1, pMax: 32000 }],
    dc: { status: { ...dcStatus, isolation: 'Invalid' }, maxCurrent: 125, maxVoltage: 500, maxPower: 50000, minCurrent: 0, minVoltage: 50, peakCurrentRipple: 5 },
  },
  { kind: 'CableCheck', responseCode: 'OK', processing: 'Finished', dcStatus },
  { kind: 'PreCharge', responseCode: 'OK', dcStatus, presentVoltage: 363.7 },
  { kind: 'PowerDelivery', responseCode: 'OK', dcStatus },
  {
    kind: 'CurrentDemand',
    responseCode: 'OK',
    dcStatus,
    presentVoltage: 380,
    presentCurrent: 99,
    currentLimitAchieved: false,
    voltageLimitAchieved: false,
    powerLimitAchieved: false,
    maxVoltage: 500,
    maxCurrent: 125,
    maxPower: 50000,
    evseId,
    saScheduleTupleId: 1,
  },
  { kind: 'WeldingDetection', responseCode: 'OK', dcStatus, presentVoltage: 12 },
  { kind: 'SessionStop', responseCode: 'OK' },
];

const acResponses: V2gResponse[] = [
  { kind: 'ChargeParameterDiscovery', responseCode: 'OK', processing: 'Finished', schedules: [{ id: 1, pMax: 11000 }], ac: { status: acStatus, nominalVoltage: 230, maxCurrent: 16 } },
  { kind: 'PowerDelivery', responseCode: 'OK', acStatus },
  { kind: 'ChargingStatus', responseCode: 'OK', evseId, saScheduleTupleId: 1, maxCurrent: 16, receiptRequired: false, acStatus },
];

function wire(schema: 'din' | 'iso2', doc: V2gDocument): V2gDocument {
  const bytes = encode(schema, doc as never);
  if (!bytes.ok) throw new Error(`EXI encode: ${bytes.error.message}`);
  const back = decode(schema, bytes.value);
  if (!back.ok) throw new Error(`EXI decode: ${back.error.message}`);
  return back.value as unknown as V2gDocument;
}

/** Fields each schema drops or fills in (documented differences), so the round trip is compared on what survives. */
function normaliseRes(d: Dialect, r: V2gResponse): V2gResponse {
  if (d.protocol === 'din') {
    if (r.kind === 'PowerDelivery' && r.acStatus) return r;
    if (r.kind === 'CurrentDemand') {
      const { evseId: _e, saScheduleTupleId: _s, ...rest } = r;
      return rest;
    }
    if (r.kind === 'ChargeParameterDiscovery' && r.ac) return { ...r, ac: { ...r.ac, minCurrent: r.ac.minCurrent ?? 0 } };
    if (r.kind === 'ChargingStatus') return r;
  } else {
    if ('acStatus' in r && r.acStatus) {
      const { powerSwitchClosed: _p, ...a } = r.acStatus;
      return { ...r, acStatus: a } as V2gResponse;
    }
    if (r.kind === 'ChargeParameterDiscovery' && r.ac) {
      const { powerSwitchClosed: _p, ...a } = r.ac.status;
      return { ...r, schedules: r.schedules?.map((s) => ({ ...s, duration: 86400 })), ac: { ...r.ac, status: a } };
    }
    if (r.kind === 'ChargeParameterDiscovery') return { ...r, schedules: r.schedules?.map((s) => ({ ...s, duration: 86400 })) };
  }
  return r;
}

describe.each([
  ['DIN 70121', dinDialect],
  ['ISO 15118-2', iso2Dialect],
])('%s dialect', (_name, d) => {
  it.each(requests.map((r) => [`${r.kind}${'progress' in r ? `(${r.progress})` : ''}${'mode' in r ? `(${r.mode})` : ''}`, r] as const))(
    'request %s survives neutral → document → EXI → document → neutral',
    (_k, req) => {
      const doc = d.encodeRequest(sid, req);
      expect(doc.ok).toBe(true);
      if (!doc.ok) return;
      const back = d.decodeRequest(wire(d.schema as 'din' | 'iso2', doc.value));
      expect(back.ok && back.value.body).toEqual(
        d.protocol === 'din' && req.kind === 'PowerDelivery' ? { kind: 'PowerDelivery', progress: req.progress, dc: req.dc } : req,
      );
      expect(back.ok && back.value.sessionId).toEqual(sid);
    },
  );

  it.each([...responses, ...acResponses].map((r) => [`${r.kind}${'ac' in r && r.ac ? '(AC)' : 'acStatus' in r ? '(AC)' : ''}`, r] as const))(
    'response %s survives neutral → document → EXI → document → neutral',
    (_k, res) => {
      const doc = d.encodeResponse(sid, res);
      expect(doc.ok).toBe(true);
      if (!doc.ok) return;
      const back = d.decodeResponse(wire(d.schema as 'din' | 'iso2', doc.value));
      expect(back.ok).toBe(true);
      if (back.ok) expect(back.value.body).toEqual(normaliseRes(d, res));
    },
  );

  it('malformed documents give typed errors with the element path, never an exception', () => {
    const missing = d.decodeResponse({ V2G_Message: { Header: { SessionID: sid }, Body: { [d.requestElement('PreCharge').replace(/Req$/, 'Res')]: { ResponseCode: 'OK' } } } });
    expect(missing.ok).toBe(false);
    if (!missing.ok) {
      expect(missing.error.code).toBe('MISSING_ELEMENT');
      expect(String(missing.error.context?.path)).toMatch(/PreChargeRes\.DC_EVSEStatus/);
    }
    const badEnum = d.decodeResponse({ V2G_Message: { Header: { SessionID: sid }, Body: { SessionStopRes: { ResponseCode: 'MAYBE' } } } });
    expect(!badEnum.ok && badEnum.error.code).toBe('BAD_ELEMENT');
    const notMsg = d.decodeRequest({ supportedAppProtocolRes: { ResponseCode: 'OK_SuccessfulNegotiation' } });
    expect(!notMsg.ok && notMsg.error.code).toBe('NOT_V2G_MESSAGE');
    const twoBodies = d.decodeRequest({ V2G_Message: { Header: { SessionID: sid }, Body: { SessionStopReq: {}, CableCheckReq: {} } } });
    expect(!twoBodies.ok && twoBodies.error.code).toBe('BAD_BODY');
    const unknown = d.decodeRequest({ V2G_Message: { Header: { SessionID: sid }, Body: { CertificateInstallationReq: {} } } });
    expect(!unknown.ok && unknown.error.code).toBe('UNSUPPORTED_REQUEST');
    // Garbage of every shape: still a Result.
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const r = d.decodeResponse({ V2G_Message: { Header: { SessionID: sid }, Body: { CurrentDemandRes: junk } } } as unknown as V2gDocument);
        const q = d.decodeRequest(junk as V2gDocument);
        return typeof r.ok === 'boolean' && typeof q.ok === 'boolean';
      }),
      { numRuns: 300 },
    );
  });
});

describe('schema differences', () => {
  it('DIN: ReadyToChargeState is a boolean (real chargers reject anything else); no Renegotiate', () => {
    const start = dinDialect.encodeRequest(sid, { kind: 'PowerDelivery', progress: 'Start', dc: { evStatus, chargingComplete: false } });
    expect(start.ok && (start.value.V2G_Message.Body.PowerDeliveryReq as { ReadyToChargeState: unknown }).ReadyToChargeState).toBe(true);
    const reneg = dinDialect.encodeRequest(sid, { kind: 'PowerDelivery', progress: 'Renegotiate' });
    expect(!reneg.ok && reneg.error.code).toBe('NOT_IN_SCHEMA');
  });
  it('DIN: ChargeParameterDiscoveryReq carries every optional limit (some chargers reject it without)', () => {
    const doc = dinDialect.encodeRequest(sid, requests[4] as V2gRequest);
    const p = doc.ok ? (doc.value.V2G_Message.Body.ChargeParameterDiscoveryReq as { DC_EVChargeParameter: Record<string, unknown> }).DC_EVChargeParameter : {};
    expect(Object.keys(p).sort()).toEqual(
      ['BulkSOC', 'DC_EVStatus', 'EVEnergyCapacity', 'EVEnergyRequest', 'EVMaximumCurrentLimit', 'EVMaximumPowerLimit', 'EVMaximumVoltageLimit', 'FullSOC'].sort(),
    );
  });
  it('response codes outside a schema are refused with a typed error', () => {
    const a = dinDialect.encodeResponse(sid, { kind: 'SessionStop', responseCode: 'FAILED_ContactorError' });
    expect(!a.ok && a.error.code).toBe('NOT_IN_SCHEMA');
    const b = iso2Dialect.encodeResponse(sid, { kind: 'SessionStop', responseCode: 'FAILED_WrongEnergyTransferType' });
    expect(!b.ok && b.error.code).toBe('NOT_IN_SCHEMA');
  });
  it('ISO-2 EVSEID is a string in the document, bytes in the model', () => {
    const doc = iso2Dialect.encodeResponse(sid, { kind: 'SessionSetup', responseCode: 'OK', evseId });
    expect(doc.ok && (doc.value.V2G_Message.Body.SessionSetupRes as { EVSEID: unknown }).EVSEID).toBe('DE*TSP*E1');
  });
});

describe('PhysicalValue', () => {
  it('integers keep Multiplier 0 like real traffic; fractions and large values pick a fitting multiplier', () => {
    expect(toPhysical(400, 'V')).toEqual({ Multiplier: 0, Unit: 'V', Value: 400 });
    // 401.3 V: 401300 × 10^-3 and 40130 × 10^-2 overflow a short, 4013 × 10^-1 fits.
    expect(toPhysical(401.3, 'V')).toEqual({ Multiplier: -1, Unit: 'V', Value: 4013 });
    expect(fromPhysical(4013, -1)).toBe(401.3);
    expect(toPhysical(98000, 'W')).toEqual({ Multiplier: 1, Unit: 'W', Value: 9800 });
    expect(toPhysical(0.5, undefined)).toEqual({ Multiplier: -3, Value: 500 });
  });
  it('round-trips within the resolution of the chosen multiplier (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -3e7, max: 3e7, noNaN: true }), (v) => {
        const p = toPhysical(v, 'V');
        const back = fromPhysical(p.Value, p.Multiplier);
        const resolution = 10 ** p.Multiplier;
        return Number.isInteger(p.Value) && p.Value >= -32768 && p.Value <= 32767 && p.Multiplier >= -3 && p.Multiplier <= 3 && Math.abs(back - v) <= resolution / 2 + 1e-9;
      }),
      { numRuns: 2000 },
    );
  });
});

describe('application handshake', () => {
  const din = { namespace: 'urn:din:70121:2012:MsgDef', versionMajor: 2, versionMinor: 0, schemaId: 1, priority: 1 };
  const iso = { namespace: 'urn:iso:15118:2:2013:MsgDef', versionMajor: 2, versionMinor: 0, schemaId: 2, priority: 2 };
  it('prefers DIN over ISO-2 by default, whatever the car’s priority (pyPLC), and echoes the SchemaID', () => {
    expect(chooseProtocol([{ ...iso, priority: 1 }, { ...din, priority: 2 }], ['din', 'iso2'])).toEqual({
      protocol: 'din',
      response: { responseCode: 'OK_SuccessfulNegotiation', schemaId: 1 },
    });
    expect(chooseProtocol([din, iso], ['iso2', 'din']).protocol).toBe('iso2');
  });
  it('a Tesla offers urn:tesla:din:2018 plus DIN: DIN is chosen', () => {
    const tesla = { namespace: 'urn:tesla:din:2018:MsgDef', versionMajor: 2, versionMinor: 0, schemaId: 1, priority: 1 };
    expect(chooseProtocol([tesla, { ...din, schemaId: 2, priority: 2 }], ['din', 'iso2'])).toEqual({
      protocol: 'din',
      response: { responseCode: 'OK_SuccessfulNegotiation', schemaId: 2 },
    });
  });
  it('nothing acceptable → Failed_NoNegotiation without SchemaID; another minor version → WithMinorDeviation', () => {
    expect(chooseProtocol([{ ...iso, namespace: 'urn:iso:15118:2:2010:MsgDef', versionMajor: 1 }], ['din', 'iso2'])).toEqual({ response: { responseCode: 'Failed_NoNegotiation' } });
    expect(chooseProtocol([{ ...din, versionMinor: 1 }], ['din']).response.responseCode).toBe('OK_SuccessfulNegotiationWithMinorDeviation');
  });
  it('handshake documents survive the EXI round trip', () => {
    const req = encodeHandshakeRequest(offerFor(['din', 'iso2']));
    const bytes = encode('appHand', req as never);
    expect(bytes.ok).toBe(true);
    if (!bytes.ok) return;
    const back = decode('appHand', bytes.value);
    expect(back.ok && decodeHandshakeRequest(back.value as unknown as V2gDocument)).toEqual({ ok: true, value: offerFor(['din', 'iso2']) });
    const res = encodeHandshakeResponse({ responseCode: 'OK_SuccessfulNegotiation', schemaId: 1 });
    const rb = encode('appHand', res as never);
    const rback = rb.ok ? decode('appHand', rb.value) : undefined;
    expect(rback?.ok && decodeHandshakeResponse(rback.value as unknown as V2gDocument)).toEqual({ ok: true, value: { responseCode: 'OK_SuccessfulNegotiation', schemaId: 1 } });
  });
});
