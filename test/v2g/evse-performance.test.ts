// The SECC performance times of ISO 15118-2 Table 109/111 on the EVSE machine, driven by hand on a
// SimulatedClock: V2G_SECC_Ongoing_Performance_Time ([V2G2-712/713]: FAILED and a defined end) and
// V2G_SECC_PreCharge_Performance_Time (a warning once; the EV decides, the session goes on).
import { createActor, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { memoryLogger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import { encodeHandshakeRequest, iso2Dialect, offerFor, v2gEvseDefaults, type OutgoingDocument, type V2gEvseConfig, type V2gRequest, type V2gResponse } from '../../src/domain/v2g/index.js';

const d = iso2Dialect;
const evStatus = { ready: true, errorCode: 'NO_ERROR', soc: 50 } as const;

function evse(over: Partial<V2gEvseConfig> = {}) {
  const clock = new SimulatedClock();
  const sent: OutgoingDocument[] = [];
  const closed: string[] = [];
  const power: string[] = [];
  const statuses: StatusUpdate[] = [];
  const logger = memoryLogger();
  const actor = createActor(
    v2gEvseMachine.provide({
      actions: {
        send: (_, o) => void sent.push(o),
        closeTransport: (_, p) => void closed.push(p.reason),
        powerSupplyOff: () => void power.push('off'),
        setPowerSupply: (_, p) => void power.push(`set ${p.voltage} V ${p.current} A`),
        startIsolationCheck: () => void power.push('isolation'),
        reportStatus: (_, u) => void statuses.push(u),
      },
    }),
    {
      clock,
      input: {
        config: { ...v2gEvseDefaults, protocolPreference: [d.protocol], allowNewSessionAfterStop: false, ...over },
        randomBytes: (n) => Uint8Array.from({ length: n }, (_, i) => 0xa0 + i),
        logger,
      },
    },
  ).start();
  actor.send({ type: 'V2G.REQ', doc: encodeHandshakeRequest(offerFor([d.protocol])) });
  let sid: Uint8Array = new Uint8Array([0]);
  const request = (req: V2gRequest): V2gResponse | undefined => {
    const doc = d.encodeRequest(sid, req);
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
  const warnings = (re: RegExp) => logger.lines.filter((l) => l.level === 'warn' && re.test(l.message));
  return { actor, clock, closed, power, statuses, request, warnings };
}

function upToAuthorization(e: ReturnType<typeof evse>): void {
  e.request({ kind: 'SessionSetup', evccId: new Uint8Array(6) });
  e.request({ kind: 'ServiceDiscovery' });
  e.request({ kind: 'PaymentServiceSelection', payment: 'ExternalPayment', serviceIds: [1] });
}

const cpdReq: V2gRequest = { kind: 'ChargeParameterDiscovery', mode: 'DC_extended', dc: { evStatus, maxCurrent: 100, maxVoltage: 400 } };

describe('V2G_SECC_Ongoing_Performance_Time', () => {
  it('Authorization still Ongoing after 55 s → FAILED, supply off, connection closed, session Aborted with the timer as reason', () => {
    // An authorization that takes long: far more Ongoing rounds than fit into 55 s at one request per 10 s.
    const e = evse({ authorizationOngoingRounds: 1000 });
    upToAuthorization(e);
    let t = 0;
    // Ongoing answers while the timer runs (each request is well within V2G_SECC_Sequence_Timeout).
    while (t < 50_000) {
      expect(e.request({ kind: 'Authorization' })).toMatchObject({ responseCode: 'OK', processing: 'Ongoing' });
      e.clock.increment(10_000);
      t += 10_000;
    }
    expect(e.actor.getSnapshot().status).toBe('active');
    e.clock.increment(5_001); // 55.001 s after the first Ongoing
    expect(e.warnings(/V2G_SECC_Ongoing_Performance_Time/)).toHaveLength(1);
    const powerBefore = e.power.length;
    expect(e.request({ kind: 'Authorization' })).toMatchObject({ kind: 'Authorization', responseCode: 'FAILED' });
    expect(e.closed).toEqual(['FAILED in AuthorizationRes']);
    expect(e.power.slice(powerBefore)).toEqual(['off', 'off']); // the FAILED path, then the final state's entry
    expect(e.actor.getSnapshot().status).toBe('done');
    expect(e.actor.getSnapshot().output).toMatchObject({ result: 'Aborted', reason: 'Timeout:V2G_SECC_Ongoing_Performance_Time' });
  });

  it('the timer restarts per loop: Authorization Finished at 50 s, then ChargeParameterDiscovery gets its own 55 s', () => {
    const e = evse({ authorizationOngoingRounds: 5, chargeParameterOngoingRounds: 6 });
    upToAuthorization(e);
    for (let i = 0; i < 5; i++) {
      expect(e.request({ kind: 'Authorization' })).toMatchObject({ processing: 'Ongoing' });
      e.clock.increment(10_000);
    }
    expect(e.request({ kind: 'Authorization' })).toMatchObject({ responseCode: 'OK', processing: 'Finished' });
    for (let i = 0; i < 6; i++) {
      expect(e.request(cpdReq)).toMatchObject({ responseCode: 'OK', processing: 'Ongoing' });
      e.clock.increment(9_000);
    }
    // 54 s after the first Ongoing ChargeParameterDiscoveryRes, 104 s after the first Ongoing AuthorizationRes.
    expect(e.request(cpdReq)).toMatchObject({ responseCode: 'OK', processing: 'Finished' });
    expect(e.warnings(/V2G_SECC_Ongoing_Performance_Time/)).toHaveLength(0);
    expect(e.actor.getSnapshot().status).toBe('active');
  });

  it('a ChargeParameterDiscovery loop beyond it ends the same way', () => {
    const e = evse({ chargeParameterOngoingRounds: 100, timeouts: { ...v2gEvseDefaults.timeouts, V2G_SECC_Ongoing_Performance_Time: 3000 } });
    upToAuthorization(e);
    e.request({ kind: 'Authorization' });
    e.request({ kind: 'Authorization' });
    expect(e.request(cpdReq)).toMatchObject({ processing: 'Ongoing' });
    e.clock.increment(2_000);
    expect(e.request(cpdReq)).toMatchObject({ processing: 'Ongoing' });
    e.clock.increment(1_500);
    expect(e.request(cpdReq)).toMatchObject({ responseCode: 'FAILED' });
    expect(e.actor.getSnapshot().output).toMatchObject({ result: 'Aborted', reason: 'Timeout:V2G_SECC_Ongoing_Performance_Time' });
  });
});

describe('V2G_SECC_PreCharge_Performance_Time', () => {
  function toPreCharge(e: ReturnType<typeof evse>): void {
    upToAuthorization(e);
    e.request({ kind: 'Authorization' });
    e.request({ kind: 'Authorization' });
    e.request(cpdReq);
    e.request({ kind: 'CableCheck', evStatus });
    e.actor.send({ type: 'PS.ISOLATION', status: 'Valid' });
    expect(e.request({ kind: 'CableCheck', evStatus })).toMatchObject({ processing: 'Finished' });
  }
  const preCharge: V2gRequest = { kind: 'PreCharge', evStatus, targetVoltage: 400, targetCurrent: 1 };

  it('output stuck below EVTargetVoltage: warning and status once, answers keep the present voltage, the session goes on', () => {
    const e = evse();
    toPreCharge(e);
    e.actor.send({ type: 'PS.READING', reading: { voltage: 120, current: 0 } });
    for (let i = 0; i < 8; i++) {
      expect(e.request(preCharge)).toMatchObject({ responseCode: 'OK', presentVoltage: 120 });
      e.clock.increment(1_000);
    }
    expect(e.warnings(/V2G_SECC_PreCharge_Performance_Time/)).toHaveLength(1);
    expect(e.warnings(/V2G_SECC_PreCharge_Performance_Time/)[0]?.fields).toMatchObject({ targetVoltage: 400, presentVoltage: 120, performanceTimeMs: 5000 });
    expect(e.statuses.filter((s) => s.state === 'PreChargePerformanceTimeExceeded')).toEqual([
      { layer: 'session', state: 'PreChargePerformanceTimeExceeded', details: { targetVoltage: 400, presentVoltage: 120, performanceTimeMs: 5000 } },
    ]);
    // PreChargeRes reports after the deadline carry the overrun; the ones before do not.
    const pre = e.statuses.filter((s) => s.state === 'PreChargeRes');
    expect(pre.slice(0, 5).every((s) => s.details?.prechargePerformanceTimeExceeded === undefined)).toBe(true);
    expect(pre.slice(6).every((s) => s.details?.prechargePerformanceTimeExceeded === true)).toBe(true);
    expect(e.closed).toEqual([]);
    // The EV decides to go on anyway.
    expect(e.request({ kind: 'PowerDelivery', progress: 'Start', saScheduleTupleId: 1, dc: { evStatus, chargingComplete: false } })).toMatchObject({ responseCode: 'OK' });
    expect(e.actor.getSnapshot().status).toBe('active');
  });

  it('output at the target in time: no warning', () => {
    const e = evse();
    toPreCharge(e);
    e.actor.send({ type: 'PS.READING', reading: { voltage: 100, current: 0 } });
    e.request(preCharge);
    e.clock.increment(2_000);
    e.actor.send({ type: 'PS.READING', reading: { voltage: 395, current: 0 } });
    e.request(preCharge);
    e.clock.increment(6_000);
    e.request(preCharge);
    expect(e.warnings(/V2G_SECC_PreCharge_Performance_Time/)).toHaveLength(0);
    expect(e.statuses.some((s) => s.state === 'PreChargePerformanceTimeExceeded')).toBe(false);
  });

  it('the EV leaves PreCharge before the deadline (its own, wider margin): no warning later', () => {
    const e = evse();
    toPreCharge(e);
    e.actor.send({ type: 'PS.READING', reading: { voltage: 385, current: 0 } });
    e.request(preCharge);
    e.request({ kind: 'PowerDelivery', progress: 'Start', saScheduleTupleId: 1, dc: { evStatus, chargingComplete: false } });
    e.clock.increment(10_000);
    expect(e.warnings(/V2G_SECC_PreCharge_Performance_Time/)).toHaveLength(0);
  });
});
