// Named failure scenarios and real-equipment behaviours, EV ⇄ EVSE on the sim
// board (real EXI, SafeShutdownSequence, safety monitor).
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { encode } from '../../src/codecs/exi/index.js';
import { dinDialect, parseFaultScenario } from '../../src/domain/v2g/index.js';
import type { V2gDocument } from '../../src/domain/v2g/index.js';
import { createHarness, names, runToEnd, stop, type HarnessOptions } from './harness.js';

const quick: HarnessOptions = { plant: { battery: { initialSocPercent: 20 }, supply: { isolationCheckMs: 300 }, lock: { moveMs: 100 } } };

async function run(o: HarnessOptions) {
  const h = createHarness({ ...quick, ...o, ev: { protocols: ['din'], socTarget: 20, ...o.ev }, plant: { ...quick.plant, ...o.plant } });
  const r = await runToEnd(h, 120_000, 20);
  return { h, r };
}

function body(doc: V2gDocument, name: string): Record<string, unknown> {
  return 'V2G_Message' in doc ? (doc.V2G_Message.Body[name] as Record<string, unknown>) : {};
}

describe('failure scenarios', () => {
  it('a charger whose maximum voltage is below the battery voltage → IncompatibleChargeParameters before any cable check', async () => {
    const { h, r } = await run({ evse: { maxVoltage: 200 } });
    expect(r.ev?.result).toBe('SafeShutdown');
    expect(r.ev?.end).toMatchObject({ code: 'IncompatibleChargeParameters', detail: { evseMinVoltage: 50, evseMaxVoltage: 200 } });
    expect(r.ev?.end.code === 'IncompatibleChargeParameters' && r.ev.end.detail.batteryVoltage).toBeGreaterThan(200);
    expect(names(h, 'ev→evse')).not.toContain('CableCheckReq');
    stop(h);
  });

  it('precharge never converges (the supply ignores its setpoints) → Timeout:PreCharge → SafeShutdown', async () => {
    const closes: string[] = [];
    let everClosed = false;
    const { h, r } = await run({
      plant: { faults: { supply: 'current' } },
      script: [
        {
          atMs: 0,
          run: (x) => {
            x.board.ev.commands$.subscribe((c) => c.port === 'contactors' && c.command === 'close' && closes.push(c.command));
            x.board.ev.contactors.closed$.subscribe((c) => (everClosed ||= c));
          },
        },
      ],
    });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', reason: 'Timeout:PreCharge', lastCheckpoint: 575 });
    // The contactors were never commanded closed nor reported closed, and no PowerDelivery was sent.
    expect(closes).toEqual([]);
    expect(everClosed).toBe(false);
    expect(names(h, 'ev→evse')).not.toContain('PowerDeliveryReq');
    expect(h.monitor.violations).toEqual([]);
    expect(h.shutdownOutput?.endState).toBe('Finished');
    stop(h);
  });

  it('contactors never confirm → Timeout:ContactorsClose → SafeShutdown, no PowerDelivery', async () => {
    const { h, r } = await run({ plant: { faults: { contactors: 'never-confirms' } } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', reason: 'Timeout:ContactorsClose', lastCheckpoint: 590 });
    expect(names(h, 'ev→evse')).not.toContain('PowerDeliveryReq');
    expect(h.monitor.violations).toEqual([]);
    stop(h);
  });

  it('connector lock fails → ConnectorLockFault → SafeShutdown before CableCheck', async () => {
    const { h, r } = await run({ plant: { faults: { lock: 'fails-to-lock' } } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', reason: 'ConnectorLockFault', lastCheckpoint: 555 });
    expect(names(h, 'ev→evse')).not.toContain('CableCheckReq');
    expect(h.monitor.violations).toEqual([]);
    stop(h);
  });

  it('welded contactors at the end → SafeShutdown, the connector stays locked (FaultLocked)', async () => {
    const { h, r } = await run({ plant: { faults: { contactors: 'welded' } } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', reason: 'Timeout:ContactorsOpen (welded?)' });
    expect(h.shutdownOutput?.endState).toBe('FaultLocked');
    let lock = '';
    h.board.ev.connectorLock?.state$.subscribe((s) => (lock = s)).unsubscribe();
    expect(lock).toBe('locked');
    expect(h.monitor.violations).toEqual([]);
    stop(h);
  });

  it('isolation fault in the cable check → EVSE_Malfunction → SafeShutdown', async () => {
    const { h, r } = await run({ plant: { supply: { isolationResult: 'Fault', isolationCheckMs: 300 } } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', evseStatusCode: 'EVSE_Malfunction' });
    expect(names(h, 'ev→evse')).not.toContain('PreChargeReq');
    stop(h);
  });

  it('isolation check that never finishes → V2G_SECC_CableCheck_Performance_Time → Finished, EVSE_Malfunction, isolation Invalid (nothing measured); the EV gives up', async () => {
    const { h, r } = await run({ plant: { supply: { isolationCheckMs: 10_000_000 } }, evse: { timeouts: { V2G_SECC_CableCheck_Performance_Time: 3000 } as never } });
    expect(r.ev?.result).toBe('SafeShutdown');
    expect(r.ev?.evseStatusCode).toBe('EVSE_Malfunction');
    const last = h.trace.filter((t) => t.name === 'CableCheckRes').at(-1);
    expect(last && body(last.doc, 'CableCheckRes')).toMatchObject({ EVSEProcessing: 'Finished', DC_EVSEStatus: { EVSEStatusCode: 'EVSE_Malfunction', EVSEIsolationStatus: 'Invalid' } });
    expect(names(h, 'ev→evse')).not.toContain('PreChargeReq');
    stop(h);
  });

  it('the charger closes the connection mid CurrentDemand → SafeShutdown (TransportClosed), invariants hold', async () => {
    // The charger's session sees its connection end at 12 s (in the CurrentDemand loop); the car's next
    // request then meets a charger waiting for a handshake, which closes the connection.
    const { h, r } = await run({ ev: { socTarget: 30 }, script: [{ atMs: 12_000, run: (x) => x.evse.send({ type: 'V2G.TRANSPORT_CLOSED' }) }] });
    expect(h.trace.filter((t) => t.t < 12_000).map((t) => t.name)).toContain('CurrentDemandRes');
    expect(r.ev?.result).toBe('SafeShutdown');
    expect(r.ev?.end.code).toBe('TransportClosed');
    expect(h.monitor.violations).toEqual([]);
    expect(h.shutdownOutput?.endState).toBe('Finished');
    stop(h);
  });

  it('garbage instead of a response (EXI decode error) → SafeShutdown with a DecodeError reason', async () => {
    const { h, r } = await run({ tamperEvseToEv: (doc, i) => (i === 3 ? Uint8Array.from([0x80, 0xff, 0x13, 0x37]) : doc) });
    expect(r.ev?.result).toBe('SafeShutdown');
    expect(r.ev?.end.code).toBe('DecodeError');
    stop(h);
  });

  it('a response of the wrong type → SafeShutdown naming both types', async () => {
    const { h, r } = await run({
      tamperEvseToEv: (doc, i) => (i === 2 ? { V2G_Message: { Header: { SessionID: 'V2G_Message' in doc ? doc.V2G_Message.Header.SessionID : new Uint8Array(8) }, Body: { SessionStopRes: { ResponseCode: 'OK' } } } } : doc),
    });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', reason: 'expected ServiceDiscoveryRes, got SessionStopRes' });
    stop(h);
  });

  it('Failed_NoNegotiation (EV offers ISO-2 only, charger speaks DIN only) → SafeShutdown, the EVSE closes', async () => {
    const { h, r } = await run({ ev: { protocols: ['iso2'] }, evse: { protocolPreference: ['din'] } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', reason: 'Failed_NoNegotiation in supportedAppProtocolRes', lastCheckpoint: 400 });
    expect(h.trace.find((t) => t.name === 'supportedAppProtocolRes')?.doc).toEqual({ supportedAppProtocolRes: { ResponseCode: 'Failed_NoNegotiation' } });
    expect(h.evseClosedTransport).toBe(1);
    stop(h);
  });

  it('EV-side CommunicationSetup timeout when the handshake is never answered', async () => {
    const { h, r } = await run({ dropEvseToEv: () => true });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', reason: 'Timeout:SupportedAppProtocol' });
    stop(h);
  });

  it('pyPLC testsuite scenarios given in command-line form (--faults)', async () => {
    const cases: Array<[string, string]> = [
      ['PreCharge#3:responseCode=FAILED', 'FAILED in PreChargeRes'],
      ['CurrentDemand#1:evseStatusCode=EVSE_Malfunction', 'EVSE_Malfunction'],
      ['CableCheck#1:noResponse', 'Timeout:CableCheckRes'],
      ['ChargeParameterDiscovery#1:responseCode=FAILED_ServiceSelectionInvalid', 'FAILED_ServiceSelectionInvalid in ChargeParameterDiscoveryRes'],
    ];
    for (const [text, reason] of cases) {
      const f = parseFaultScenario(text);
      expect(f.ok).toBe(true);
      if (!f.ok) continue;
      const { h, r } = await run({ faults: f.value, evse: { maxVoltage: 500 } });
      expect(r.ev?.result, text).toBe('SafeShutdown');
      expect(r.ev?.reason, text).toBe(reason);
      expect(h.monitor.violations, text).toEqual([]);
      stop(h);
    }
  });

  it('PreCharge EVSE_Shutdown (pyPLC case 12) → graceful: CP B, SessionStop, no PowerDelivery', async () => {
    const { h, r } = await run({ faults: { name: 'x', rules: [{ request: 'PreCharge', occurrence: 1, action: { type: 'evseStatusCode', code: 'EVSE_Shutdown' } }] } });
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'EVSE_Shutdown' });
    expect(names(h, 'ev→evse').slice(-2)).toEqual(['PreChargeReq', 'SessionStopReq']);
    stop(h);
  });

  it('EVSE_Shutdown in PowerDeliveryRes(Start) → PowerDelivery(Stop) at once, no CurrentDemand', async () => {
    const { h, r } = await run({ ev: { socTarget: 30 }, faults: { name: 'x', rules: [{ request: 'PowerDelivery', occurrence: 1, action: { type: 'evseStatusCode', code: 'EVSE_Shutdown' } }] } });
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'EVSE_Shutdown', chargeLoopCount: 0 });
    expect(names(h, 'ev→evse')).not.toContain('CurrentDemandReq');
    expect(h.monitor.violations).toEqual([]);
    stop(h);
  });

  it('StopCharging notification in CurrentDemandRes → PowerDelivery(Stop)', async () => {
    const { h, r } = await run({ ev: { socTarget: 30 }, faults: { name: 'x', rules: [{ request: 'CurrentDemand', occurrence: 5, action: { type: 'notification', notification: 'StopCharging' } }] } });
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'EVSENotification StopCharging', chargeLoopCount: 5 });
    stop(h);
  });
});

describe('ISO 15118-2 AC faults', () => {
  // The sim battery does not charge on AC: the SOC target is out of reach, the faults end the sessions.
  const ac: HarnessOptions = {
    ev: { protocols: ['iso2'], energyTransferMode: 'AC_three_phase_core', socTarget: 100 },
    evse: { protocolPreference: ['iso2'], energyTransferModes: ['AC_three_phase_core'] },
  };
  it('FAILED in ChargingStatusRes → SafeShutdown', async () => {
    const { h, r } = await run({ ...ac, faults: { name: 'x', rules: [{ request: 'ChargingStatus', occurrence: 3, action: { type: 'responseCode', code: 'FAILED' } }] } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', responseCode: 'FAILED', chargeLoopCount: 2 });
    stop(h);
  });
  it('silent charger in the ChargingStatus loop → Timeout:ChargingStatus', async () => {
    const { h, r } = await run({ ...ac, faults: { name: 'x', rules: [{ request: 'ChargingStatus', occurrence: 4, action: { type: 'noResponse' } }] } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', reason: 'Timeout:ChargingStatus' });
    stop(h);
  });
  it('StopCharging in AC_EVSEStatus → PowerDelivery(Stop) → SessionStop', async () => {
    const { h, r } = await run({ ...ac, faults: { name: 'x', rules: [{ request: 'ChargingStatus', occurrence: 5, action: { type: 'notification', notification: 'StopCharging' } }] } });
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'EVSENotification StopCharging', chargeLoopCount: 5 });
    expect(names(h, 'ev→evse').slice(-2)).toEqual(['PowerDeliveryReq', 'SessionStopReq']);
    stop(h);
  });
  it('a DC-only charger: the EV finds AC not offered in ServiceDiscoveryRes and stops', async () => {
    const { h, r } = await run({ ...ac, evse: { protocolPreference: ['iso2'], energyTransferModes: ['DC_extended'] } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', reason: 'AC_three_phase_core not offered by the charger' });
    stop(h);
  });
});

describe('real-equipment behaviours', () => {
  it('SessionSetupRes with plain "OK" (ABB) is accepted', async () => {
    const { h, r } = await run({ faults: { name: 'abb', rules: [{ request: 'SessionSetup', action: { type: 'responseCode', code: 'OK' } }] } });
    expect(r.ev?.result).toBe('ChargingFinished');
    stop(h);
  });

  it('a 4-byte SessionID (Tesla Supercharger) is kept and echoed in every request', async () => {
    const { h, r } = await run({ evse: { sessionIdLength: 4 } });
    expect(r.ev?.result).toBe('ChargingFinished');
    expect(r.ev?.sessionId).toHaveLength(8);
    const ids = new Set(h.trace.filter((t) => t.dir === 'ev→evse' && 'V2G_Message' in t.doc && t.name !== 'SessionSetupReq').map((t) => ('V2G_Message' in t.doc ? toHex(t.doc.V2G_Message.Header.SessionID) : '')));
    expect([...ids]).toEqual([r.ev?.sessionId]);
    stop(h);
  });

  it('EVCCID is the configured MAC; the first SessionSetupReq carries SessionID 00', async () => {
    const mac = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x42]);
    const { h } = await run({ ev: { evccId: mac } });
    const ss = h.trace.find((t) => t.name === 'SessionSetupReq');
    expect(ss && body(ss.doc, 'SessionSetupReq').EVCCID).toEqual(mac);
    expect(ss && 'V2G_Message' in ss.doc && toHex(ss.doc.V2G_Message.Header.SessionID)).toBe('00');
    stop(h);
  });

  it('DIN ContractAuthentication is looped while Ongoing (Alpitronic needs the loop)', async () => {
    const { h } = await run({ evse: { authorizationOngoingRounds: 3 } });
    expect(names(h, 'ev→evse').filter((n) => n === 'ContractAuthenticationReq')).toHaveLength(4);
    stop(h);
  });

  it('ChargeParameterDiscovery Finished with EVSE_NotReady (Compleo) still proceeds', async () => {
    const { h, r } = await run({ faults: { name: 'compleo', rules: [{ request: 'ChargeParameterDiscovery', action: { type: 'evseStatusCode', code: 'EVSE_NotReady' } }] } });
    expect(r.ev?.result).toBe('ChargingFinished');
    stop(h);
  });

  it('WeldingDetectionRes FAILED (Alpitronic) or missing (ABB) still ends with SessionStop', async () => {
    for (const action of [{ type: 'responseCode', code: 'FAILED' }, { type: 'noResponse' }] as const) {
      const { h, r } = await run({ faults: { name: 'w', rules: [{ request: 'WeldingDetection', action }] } });
      expect(r.ev?.result).toBe('ChargingFinished');
      expect(names(h, 'ev→evse').at(-1)).toBe('SessionStopReq');
      stop(h);
    }
  });

  it('a response with a byte after the EXI document (as Tesla cars send) is used, with a warning', async () => {
    const { h, r } = await run({
      tamperEvseToEv: (doc, i) => {
        if (i !== 2) return doc;
        const bytes = encode('din', doc as never);
        return bytes.ok ? Uint8Array.from([...bytes.value, 0x00]) : doc;
      },
    });
    expect(r.ev?.result).toBe('ChargingFinished');
    expect(h.evLog.lines.some((l) => l.level === 'warn' && /bytes after the EXI document/.test(l.message))).toBe(true);
    stop(h);
  });

  it('EVSE side: SchemaID in the handshake response, isolation Invalid in ChargeParameterDiscoveryRes, never EVSE_NotReady in CableCheckRes', async () => {
    const { h } = await run({ plant: { supply: { isolationCheckMs: 1000 } } });
    expect(h.trace.find((t) => t.name === 'supportedAppProtocolRes')?.doc).toEqual({ supportedAppProtocolRes: { ResponseCode: 'OK_SuccessfulNegotiation', SchemaID: 1 } });
    const cpd = h.trace.find((t) => t.name === 'ChargeParameterDiscoveryRes');
    expect(cpd && (body(cpd.doc, 'ChargeParameterDiscoveryRes').DC_EVSEChargeParameter as { DC_EVSEStatus: { EVSEIsolationStatus: string } }).DC_EVSEStatus.EVSEIsolationStatus).toBe('Invalid');
    const cc = h.trace.filter((t) => t.name === 'CableCheckRes').map((t) => (body(t.doc, 'CableCheckRes').DC_EVSEStatus as { EVSEStatusCode: string }).EVSEStatusCode);
    expect(cc.length).toBeGreaterThan(3);
    expect(cc).not.toContain('EVSE_NotReady');
    expect(cc.at(-1)).toBe('EVSE_Ready');
    stop(h);
  });

  it('precharge may end on the measured inlet voltage instead of EVSEPresentVoltage (pyPLC option)', async () => {
    // A charger whose PreChargeRes reports 25 V below what its output really has: outside the precharge
    // delta (20 V), so only the inlet voltage can end the precharge. The last PreChargeRes also lags the
    // ramp by one loop, so this run allows 80 V between EVSEPresentVoltage and the inlet (the default 30 V
    // is exercised by the implausible charger below).
    const reportLow = (by: number) => (doc: V2gDocument): V2gDocument => {
      const r = dinDialect.decodeResponse(doc);
      if (!r.ok || r.value.body.kind !== 'PreCharge') return doc;
      const out = dinDialect.encodeResponse(r.value.sessionId, { ...r.value.body, presentVoltage: Math.max(0, r.value.body.presentVoltage - by) });
      return out.ok ? out.value : doc;
    };
    const withInlet = await run({ ev: { prechargeUseInletVoltage: true, inletPlausibilityDelta: 80 }, tamperEvseToEv: reportLow(25) });
    expect(withInlet.r.ev).toMatchObject({ result: 'ChargingFinished' });
    expect(withInlet.h.monitor.violations).toEqual([]);
    stop(withInlet.h);
    // The control: on EVSEPresentVoltage the same charger never lets the precharge end.
    const withoutInlet = await run({ tamperEvseToEv: reportLow(25) });
    expect(withoutInlet.r.ev).toMatchObject({ result: 'SafeShutdown', reason: 'Timeout:PreCharge' });
    stop(withoutInlet.h);
    // A charger that reports 0 V while the inlet measures the battery voltage is implausible (issue 10
    // item 4): the car refuses to close its contactors even though the inlet criterion is met.
    const implausible = await run({ ev: { prechargeUseInletVoltage: true }, tamperEvseToEv: reportLow(10_000) });
    expect(implausible.r.ev?.result).toBe('SafeShutdown');
    expect(implausible.r.ev?.end.code).toBe('InletVoltageImplausible');
    expect(implausible.h.monitor.violations).toEqual([]);
    stop(implausible.h);
  });
});
