// The EVSE machine driven by hand: sequence checks, SessionID checks, the
// SECC sequence timeout, garbage, and the fault-scenario format.
import { createActor, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { dinDialect, encodeHandshakeRequest, formatFaultScenario, iso2Dialect, offerFor, parseFaultScenario, v2gEvseDefaults, type Dialect, type OutgoingDocument, type V2gRequest, type V2gResponse } from '../../src/domain/v2g/index.js';

function evse(opts: { dialect?: Dialect; allowNew?: boolean } = {}) {
  const d = opts.dialect ?? dinDialect;
  const clock = new SimulatedClock();
  const sent: OutgoingDocument[] = [];
  const closed: string[] = [];
  const power: string[] = [];
  const actor = createActor(
    v2gEvseMachine.provide({
      actions: {
        send: (_, o) => void sent.push(o),
        closeTransport: (_, p) => void closed.push(p.reason),
        powerSupplyOff: () => void power.push('off'),
        setPowerSupply: (_, p) => void power.push(`set ${p.voltage} V ${p.current} A`),
        startIsolationCheck: () => void power.push('isolation'),
      },
    }),
    {
      clock,
      input: {
        config: { ...v2gEvseDefaults, protocolPreference: [d.protocol], allowNewSessionAfterStop: opts.allowNew ?? false },
        randomBytes: (n) => Uint8Array.from({ length: n }, (_, i) => 0xa0 + i),
      },
    },
  ).start();
  actor.send({ type: 'V2G.REQ', doc: encodeHandshakeRequest(offerFor([d.protocol])) });
  let sid: Uint8Array = new Uint8Array([0]);
  const request = (req: V2gRequest, sessionId: Uint8Array = sid): V2gResponse | undefined => {
    const doc = d.encodeRequest(sessionId, req);
    if (!doc.ok) throw new Error(doc.error.message);
    const before = sent.length;
    actor.send({ type: 'V2G.REQ', doc: doc.value });
    const out = sent[before];
    if (!out) return undefined;
    const res = d.decodeResponse(out.doc);
    if (!res.ok) throw new Error(res.error.message);
    if (req.kind === 'SessionSetup') sid = res.value.sessionId;
    return res.value.body;
  };
  return { actor, clock, sent, closed, power, request, sid: () => sid };
}

const evStatus = { ready: true, errorCode: 'NO_ERROR', soc: 50 } as const;

describe('EVSE session rules', () => {
  it('assigns a new 8-byte random SessionID and answers OK_NewSessionEstablished', () => {
    const e = evse();
    expect(e.request({ kind: 'SessionSetup', evccId: new Uint8Array(6) })).toMatchObject({ responseCode: 'OK_NewSessionEstablished' });
    expect([...e.sid()]).toEqual([0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7]);
  });

  it.each([
    ['CableCheck right after SessionSetup', [{ kind: 'CableCheck', evStatus }] as V2gRequest[]],
    ['CurrentDemand before PowerDelivery', [{ kind: 'ServiceDiscovery' }, { kind: 'CurrentDemand', evStatus, targetVoltage: 400, targetCurrent: 10, chargingComplete: false }] as V2gRequest[]],
    ['PreCharge before CableCheck', [{ kind: 'ServiceDiscovery' }, { kind: 'PaymentServiceSelection', payment: 'ExternalPayment', serviceIds: [1] }, { kind: 'PreCharge', evStatus, targetVoltage: 400, targetCurrent: 1 }] as V2gRequest[]],
    ['a second SessionSetup', [{ kind: 'SessionSetup', evccId: new Uint8Array(6) }] as V2gRequest[]],
  ])('out of order: %s → FAILED_SequenceError of the right type, supply untouched, connection closed', (_name, reqs) => {
    const e = evse();
    e.request({ kind: 'SessionSetup', evccId: new Uint8Array(6) });
    const powerBefore = [...e.power];
    let last: V2gResponse | undefined;
    for (const r of reqs) last = e.request(r);
    const lastReq = reqs[reqs.length - 1] as V2gRequest;
    expect(last).toMatchObject({ kind: lastReq.kind, responseCode: 'FAILED_SequenceError' });
    expect(e.closed).toEqual([`FAILED_SequenceError in ${lastReq.kind}Res`]);
    expect(e.power.slice(powerBefore.length).filter((p) => p.startsWith('set'))).toEqual([]);
    expect(e.actor.getSnapshot().status).toBe('done');
    expect(e.actor.getSnapshot().output).toMatchObject({ result: 'Aborted', reason: `FAILED_SequenceError in ${lastReq.kind}Res` });
  });

  it('a wrong SessionID → FAILED_UnknownSession', () => {
    const e = evse();
    e.request({ kind: 'SessionSetup', evccId: new Uint8Array(6) });
    expect(e.request({ kind: 'ServiceDiscovery' }, Uint8Array.from([1, 2, 3, 4]))).toMatchObject({ responseCode: 'FAILED_UnknownSession' });
    expect(e.closed).toHaveLength(1);
  });

  it('V2G_SECC_Sequence_Timeout: 60 s without a request ends the session, supply off', () => {
    const e = evse();
    e.request({ kind: 'SessionSetup', evccId: new Uint8Array(6) });
    e.clock.increment(59_000);
    e.request({ kind: 'ServiceDiscovery' });
    e.clock.increment(59_000);
    expect(e.actor.getSnapshot().status).toBe('active');
    e.clock.increment(2_000);
    expect(e.actor.getSnapshot().output).toMatchObject({ result: 'Aborted', reason: 'Timeout:V2G_SECC_Sequence_Timeout' });
    expect(e.closed).toEqual(['V2G_SECC_Sequence_Timeout']);
    expect(e.power.at(-1)).toBe('off');
  });

  it('undecodable or unsupported requests close the connection (no response type to answer with)', () => {
    const e = evse({ allowNew: true });
    e.request({ kind: 'SessionSetup', evccId: new Uint8Array(6) });
    e.actor.send({ type: 'V2G.REQ', doc: { V2G_Message: { Header: { SessionID: e.sid() }, Body: { CertificateInstallationReq: {} } } } });
    expect(e.closed[0]).toMatch(/request not understood: UNSUPPORTED_REQUEST/);
    expect(e.actor.getSnapshot().value).toBe('waitForHandshake');
    e.actor.send({ type: 'V2G.DECODE_ERROR', error: { code: 'BAD_HEADER', message: 'x' } });
    expect(e.closed[1]).toMatch(/decode error/);
  });

  it('a request with a byte after the EXI document (Tesla Model 3 / Model Y) is answered', () => {
    const e = evse();
    e.request({ kind: 'SessionSetup', evccId: new Uint8Array(6) });
    const doc = dinDialect.encodeRequest(e.sid(), { kind: 'ServiceDiscovery' });
    if (!doc.ok) throw new Error('encode');
    const before = e.sent.length;
    e.actor.send({ type: 'V2G.DECODE_ERROR', error: { code: 'TRAILING_BYTES', message: '1 byte(s) after the end of the EXI document', document: doc.value } as never });
    const out = e.sent[before];
    expect(out && dinDialect.decodeResponse(out.doc)).toMatchObject({ ok: true, value: { body: { kind: 'ServiceDiscovery', responseCode: 'OK' } } });
    expect(e.closed).toEqual([]);
    // A real decode error still closes.
    e.actor.send({ type: 'V2G.DECODE_ERROR', error: { code: 'BAD_EVENT_CODE', message: 'x' } });
    expect(e.closed).toHaveLength(1);
  });

  it('ISO-2: Authorization Ongoing once then Finished; PowerDelivery(Stop) only allows WeldingDetection / SessionStop', () => {
    const e = evse({ dialect: iso2Dialect });
    e.request({ kind: 'SessionSetup', evccId: new Uint8Array(6) });
    e.request({ kind: 'ServiceDiscovery' });
    e.request({ kind: 'PaymentServiceSelection', payment: 'ExternalPayment', serviceIds: [1] });
    expect(e.request({ kind: 'Authorization' })).toMatchObject({ processing: 'Ongoing' });
    expect(e.request({ kind: 'Authorization' })).toMatchObject({ processing: 'Finished' });
    const cpd = e.request({ kind: 'ChargeParameterDiscovery', mode: 'DC_extended', dc: { evStatus, maxCurrent: 100, maxVoltage: 400 } });
    expect(cpd).toMatchObject({ responseCode: 'OK', processing: 'Finished' });
    expect(e.request({ kind: 'CableCheck', evStatus })).toMatchObject({ processing: 'Ongoing', dcStatus: { statusCode: 'EVSE_IsolationMonitoringActive' } });
    expect(e.power).toContain('isolation');
    e.actor.send({ type: 'PS.ISOLATION', status: 'Valid' });
    expect(e.request({ kind: 'CableCheck', evStatus })).toMatchObject({ processing: 'Finished', dcStatus: { statusCode: 'EVSE_Ready', isolation: 'Valid' } });
    e.actor.send({ type: 'PS.READING', reading: { voltage: 399, current: 0 } });
    expect(e.request({ kind: 'PreCharge', evStatus, targetVoltage: 400, targetCurrent: 5 })).toMatchObject({ presentVoltage: 399 });
    // PreCharge current is limited to 2 A.
    expect(e.power.at(-1)).toBe('set 400 V 2 A');
    e.request({ kind: 'PowerDelivery', progress: 'Start', saScheduleTupleId: 1, dc: { evStatus, chargingComplete: false } });
    e.request({ kind: 'CurrentDemand', evStatus, targetVoltage: 400, targetCurrent: 200, chargingComplete: false });
    // Capped by maxCurrent (125 A) and maxPower / U (50 kW / 400 V).
    expect(e.power.at(-1)).toBe('set 400 V 125 A');
    e.request({ kind: 'PowerDelivery', progress: 'Stop', saScheduleTupleId: 1, dc: { evStatus, chargingComplete: true } });
    expect(e.power.at(-1)).toBe('off');
    expect(e.request({ kind: 'CurrentDemand', evStatus, targetVoltage: 400, targetCurrent: 10, chargingComplete: false })).toMatchObject({ responseCode: 'FAILED_SequenceError' });
  });

  it('a stop at the charger turns into EVSE_Shutdown + StopCharging and 0 A', () => {
    const e = evse();
    e.request({ kind: 'SessionSetup', evccId: new Uint8Array(6) });
    e.request({ kind: 'ServiceDiscovery' });
    e.request({ kind: 'PaymentServiceSelection', payment: 'ExternalPayment', serviceIds: [1] });
    e.request({ kind: 'Authorization' });
    e.request({ kind: 'Authorization' });
    e.request({ kind: 'ChargeParameterDiscovery', mode: 'DC_extended', dc: { evStatus, maxCurrent: 100, maxVoltage: 400 } });
    e.request({ kind: 'CableCheck', evStatus });
    e.actor.send({ type: 'PS.ISOLATION', status: 'Valid' });
    e.request({ kind: 'CableCheck', evStatus });
    e.request({ kind: 'PreCharge', evStatus, targetVoltage: 400, targetCurrent: 1 });
    e.request({ kind: 'PowerDelivery', progress: 'Start', dc: { evStatus, chargingComplete: false } });
    e.actor.send({ type: 'STOP_REQUEST', reason: 'button' });
    expect(e.request({ kind: 'CurrentDemand', evStatus, targetVoltage: 400, targetCurrent: 50, chargingComplete: false })).toMatchObject({
      dcStatus: { statusCode: 'EVSE_Shutdown', notification: 'StopCharging' },
    });
    expect(e.power.at(-1)).toBe('set 400 V 0 A');
  });
});

describe('fault scenario format', () => {
  it('parses the command-line form and prints it back', () => {
    const text = 'CurrentDemand#11:responseCode=FAILED,PreCharge#1+:noResponse,CableCheck:isolation=Fault,PreCharge#2:evseStatusCode=EVSE_Shutdown,CurrentDemand#3:notification=StopCharging';
    const r = parseFaultScenario(text, 'x');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.rules[1]).toEqual({ request: 'PreCharge', occurrence: 1, andLater: true, action: { type: 'noResponse' } });
    expect(formatFaultScenario(r.value)).toBe(text.replace('CableCheck:', 'CableCheck#1:'));
    const json = parseFaultScenario(JSON.stringify(r.value));
    expect(json.ok && json.value.rules).toEqual(r.value.rules);
  });
  it.each([
    ['Frobnicate:noResponse', 'BAD_FAULT_REQUEST'],
    ['PreCharge:responseCode=NOPE', 'BAD_FAULT_VALUE'],
    ['PreCharge#0:noResponse', 'BAD_FAULT_OCCURRENCE'],
    ['PreCharge:explode', 'BAD_FAULT_ACTION'],
    ['garbage', 'BAD_FAULT_RULE'],
    ['{not json', 'BAD_FAULT_JSON'],
  ])('rejects %s with %s', (text, code) => {
    const r = parseFaultScenario(text);
    expect(!r.ok && r.error.code).toBe(code);
  });
});
