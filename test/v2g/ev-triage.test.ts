// triageResponse (machines/v2g-ev/triage.ts) without an actor: what a response
// means for the EV session — next phase, repeat, graceful stop or which fault.
// The end reasons are matched by code and typed detail, not by text.
import { describe, expect, it } from 'vitest';
import { Checkpoint } from '../../src/checkpoints.js';
import { v2gEvDefaults, type V2gEvConfig } from '../../src/domain/v2g/config.js';
import { encodeHandshakeResponse } from '../../src/domain/v2g/dialects/apphand.js';
import { dialectFor } from '../../src/domain/v2g/dialects/index.js';
import type { DcEvseStatus, EnergyTransferMode, PaymentOption, RequestKind, V2gResponse } from '../../src/domain/v2g/model.js';
import { endReasonText } from '../../machines/v2g-ev/end-reason.js';
import { triageResponse, type TriageContext } from '../../machines/v2g-ev/triage.js';

const sid = new Uint8Array([1, 2, 3, 4]);
const config: V2gEvConfig = { ...v2gEvDefaults, protocols: ['din'], energyTransferMode: 'DC_extended' };

function ctx(pending: TriageContext['pending'], over: Partial<TriageContext> = {}): TriageContext {
  return {
    config,
    battery: { socPercent: 50, voltage: 350, maxCurrent: 100, maxVoltage: 400, capacityWh: 40_000 },
    protocol: 'din',
    sessionId: sid,
    pending,
    lastCheckpoint: Checkpoint.TcpEstablished,
    ...over,
  };
}

function doc(res: V2gResponse, sessionId = sid) {
  const d = dialectFor('din').encodeResponse(sessionId, res);
  if (!d.ok) throw new Error(`test fixture did not encode: ${d.error.message}`);
  return d.value;
}

const ready: DcEvseStatus = { statusCode: 'EVSE_Ready', isolation: 'Valid', notification: 'None', notificationMaxDelay: 0 };
const cableCheck = (over: Partial<DcEvseStatus> = {}, processing: 'Finished' | 'Ongoing' = 'Finished'): V2gResponse => ({
  kind: 'CableCheck',
  responseCode: 'OK',
  dcStatus: { ...ready, ...over },
  processing,
});

describe('triageResponse: handshake', () => {
  it('the SchemaID of the offer picks the protocol', () => {
    const t = triageResponse(ctx('SupportedAppProtocol', { config: { ...config, protocols: ['iso2', 'din'] } }), encodeHandshakeResponse({ responseCode: 'OK_SuccessfulNegotiation', schemaId: 2 }));
    expect(t).toEqual({ kind: 'handshake', protocol: 'din' });
  });
  it('Failed_NoNegotiation is the NoNegotiation end', () => {
    const t = triageResponse(ctx('SupportedAppProtocol'), encodeHandshakeResponse({ responseCode: 'Failed_NoNegotiation' }));
    expect(t).toMatchObject({ kind: 'fatal', fatal: { end: { code: 'NoNegotiation' } } });
  });
  it('a SchemaID that names no offer entry is NoMatchingProtocol with that SchemaID', () => {
    const t = triageResponse(ctx('SupportedAppProtocol'), encodeHandshakeResponse({ responseCode: 'OK_SuccessfulNegotiation', schemaId: 7 }));
    expect(t).toMatchObject({ kind: 'fatal', fatal: { end: { code: 'NoMatchingProtocol', detail: { schemaId: 7 } } } });
  });
});

describe('triageResponse: responses', () => {
  it('no request pending: unsolicited', () => {
    expect(triageResponse(ctx(undefined), doc(cableCheck()))).toEqual({ kind: 'unsolicited' });
  });

  it('a response of another kind than asked for is UnexpectedResponse naming both', () => {
    const t = triageResponse(ctx('PreCharge'), doc(cableCheck()));
    expect(t).toMatchObject({ kind: 'fatal', fatal: { end: { code: 'UnexpectedResponse', detail: { expected: 'PreCharge', got: 'CableCheck' } } } });
  });

  it('a FAILED ResponseCode is ResponseCodeFailed and still records the response checkpoint', () => {
    const t = triageResponse(ctx('CableCheck'), doc({ ...cableCheck(), responseCode: 'FAILED_SequenceError' } as V2gResponse));
    expect(t.kind).toBe('fatal');
    if (t.kind !== 'fatal') return;
    expect(t.fatal).toMatchObject({ end: { code: 'ResponseCodeFailed', detail: { request: 'CableCheck', responseCode: 'FAILED_SequenceError' } }, responseCode: 'FAILED_SequenceError' });
    expect(t.received?.checkpoint).toBe(Checkpoint.CableCheckRes);
    expect(endReasonText(t.fatal.end)).toBe('FAILED_SequenceError in CableCheckRes');
  });

  it('EVSE_EmergencyShutdown is EvseStatusFault and carries the status code for the output', () => {
    const t = triageResponse(ctx('CableCheck'), doc(cableCheck({ statusCode: 'EVSE_EmergencyShutdown' })));
    expect(t).toMatchObject({ kind: 'fatal', fatal: { end: { code: 'EvseStatusFault', detail: { evseStatusCode: 'EVSE_EmergencyShutdown' } }, evseStatusCode: 'EVSE_EmergencyShutdown' } });
  });

  it('EVSE_Shutdown is a graceful charger stop, not a fault', () => {
    const t = triageResponse(ctx('CableCheck'), doc(cableCheck({ statusCode: 'EVSE_Shutdown' }, 'Ongoing')));
    expect(t).toMatchObject({ kind: 'response', step: { step: 'repeat' }, chargerStop: { code: 'ChargerStop', detail: { evseStatusCode: 'EVSE_Shutdown' } } });
  });

  it('EVSENotification StopCharging is a graceful charger stop', () => {
    const t = triageResponse(ctx('CableCheck'), doc(cableCheck({ notification: 'StopCharging' }, 'Ongoing')));
    expect(t).toMatchObject({ kind: 'response', chargerStop: { code: 'ChargerStop', detail: { notification: 'StopCharging' } } });
  });

  it('CableCheck: Ongoing repeats, Finished with Valid goes on, Finished with Invalid is IsolationNotValid', () => {
    expect(triageResponse(ctx('CableCheck'), doc(cableCheck({}, 'Ongoing')))).toMatchObject({ kind: 'response', step: { step: 'repeat' } });
    expect(triageResponse(ctx('CableCheck'), doc(cableCheck()))).toMatchObject({ kind: 'response', step: { step: 'next' } });
    expect(triageResponse(ctx('CableCheck'), doc(cableCheck({ isolation: 'Invalid' })))).toMatchObject({
      kind: 'response',
      step: { step: 'fatal', fatal: { end: { code: 'IsolationNotValid', detail: { isolation: 'Invalid' } } } },
    });
  });

  it('CableCheck Finished without EVSEIsolationStatus: IsolationStatusAbsent, unless an earlier response reported Valid', () => {
    const { isolation: _omit, ...noIsolation } = ready;
    const res: V2gResponse = { kind: 'CableCheck', responseCode: 'OK', dcStatus: noIsolation, processing: 'Finished' };
    expect(triageResponse(ctx('CableCheck'), doc(res))).toMatchObject({ step: { step: 'fatal', fatal: { end: { code: 'IsolationStatusAbsent' } } } });
    expect(triageResponse(ctx('CableCheck'), doc(res), 'Valid')).toMatchObject({ step: { step: 'next' } });
  });

  it('ServiceDiscovery without ExternalPayment, or without our energy transfer mode, is ServiceNotOffered', () => {
    const sd = (paymentOptions: PaymentOption[], modes: EnergyTransferMode[]): V2gResponse => ({
      kind: 'ServiceDiscovery',
      responseCode: 'OK',
      paymentOptions,
      chargeService: { serviceId: 1, freeService: false, modes },
    });
    expect(triageResponse(ctx('ServiceDiscovery'), doc(sd(['Contract'], ['DC_extended'])))).toMatchObject({ step: { step: 'fatal', fatal: { end: { code: 'ServiceNotOffered', detail: { service: 'ExternalPayment' } } } } });
    expect(triageResponse(ctx('ServiceDiscovery'), doc(sd(['ExternalPayment'], ['DC_core'])))).toMatchObject({ step: { step: 'fatal', fatal: { end: { code: 'ServiceNotOffered', detail: { service: 'DC_extended' } } } } });
    expect(triageResponse(ctx('ServiceDiscovery'), doc(sd(['ExternalPayment'], ['DC_extended'])))).toMatchObject({ kind: 'response', step: { step: 'next' } });
  });

  it('ChargeParameterDiscovery Finished with a voltage window below the battery is IncompatibleChargeParameters', () => {
    const cpd = (maxVoltage: number): V2gResponse => ({
      kind: 'ChargeParameterDiscovery',
      responseCode: 'OK',
      processing: 'Finished',
      dc: { status: ready, maxCurrent: 200, maxVoltage, minCurrent: 0, minVoltage: 150, peakCurrentRipple: 5 },
    });
    expect(triageResponse(ctx('ChargeParameterDiscovery'), doc(cpd(300)))).toMatchObject({
      step: { step: 'fatal', fatal: { end: { code: 'IncompatibleChargeParameters', detail: { evseMinVoltage: 150, evseMaxVoltage: 300, batteryVoltage: 350 } } } },
    });
    expect(triageResponse(ctx('ChargeParameterDiscovery'), doc(cpd(500)))).toMatchObject({ step: { step: 'next' } });
  });

  it('WeldingDetection FAILED ends the detection (next), not the session', () => {
    const wd = (responseCode: 'OK' | 'FAILED'): V2gResponse => ({ kind: 'WeldingDetection', responseCode, dcStatus: ready, presentVoltage: 20 }) as V2gResponse;
    expect(triageResponse(ctx('WeldingDetection'), doc(wd('FAILED')))).toMatchObject({ kind: 'response', step: { step: 'next' } });
    expect(triageResponse(ctx('WeldingDetection'), doc(wd('OK')))).toMatchObject({ kind: 'response', step: { step: 'repeat' } });
  });

  it('a SessionID other than the session one is reported, not fatal', () => {
    const t = triageResponse(ctx('CableCheck'), doc(cableCheck(), new Uint8Array([9, 9])));
    expect(t.kind).toBe('response');
    if (t.kind === 'response') expect(Array.from(t.received.sessionIdMismatch ?? [])).toEqual([9, 9]);
  });

  it('PowerDelivery after PowerDelivery(Stop)Req records the stop checkpoint', () => {
    const pd: V2gResponse = { kind: 'PowerDelivery', responseCode: 'OK', dcStatus: ready };
    const kind: RequestKind = 'PowerDelivery';
    const t = triageResponse(ctx(kind, { lastCheckpoint: Checkpoint.PowerDeliveryStopReq }), doc(pd));
    expect(t).toMatchObject({ kind: 'response', received: { checkpoint: Checkpoint.PowerDeliveryStopResReceived }, step: { step: 'next' } });
  });
});
