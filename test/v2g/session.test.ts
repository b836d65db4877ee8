// Whole sessions EV ⇄ EVSE in process: both machines, the dialects, the real
// EXI codec on every message, the sim board physics and the safety monitor.
import { describe, expect, it } from 'vitest';
import { checkpoints, createHarness, names, runToEnd, stop, type Harness } from './harness.js';

function compress(list: string[]): string[] {
  return list.filter((n, i) => list[i - 1] !== n);
}

function expectClean(h: Harness): void {
  expect(h.codecErrors).toEqual([]);
  expect(h.monitor.violations).toEqual([]);
  expect(h.evLog.lines.filter((l) => l.level === 'error')).toEqual([]);
  expect(h.evseLog.lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
}

describe('complete sessions EV ⇄ EVSE (sim board, real EXI, safety monitor)', () => {
  it('DIN 70121 DC: charges to the SOC target, stops, welding detection, SessionStop', async () => {
    const h = createHarness({ ev: { protocols: ['din'], socTarget: 21 }, plant: { battery: { initialSocPercent: 20 } } });
    let peak = 0;
    h.board.ev.current?.amps$.subscribe((a) => (peak = Math.max(peak, a)));
    const r = await runToEnd(h);
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'SocTargetReached', protocol: 'din', lastCheckpoint: 905 });
    expect(r.ev?.chargeLoopCount).toBeGreaterThan(10);
    expect(r.ev?.soc).toBeGreaterThanOrEqual(21);
    expect(compress(names(h, 'ev→evse'))).toEqual([
      'supportedAppProtocolReq',
      'SessionSetupReq',
      'ServiceDiscoveryReq',
      'ServicePaymentSelectionReq',
      'ContractAuthenticationReq',
      'ChargeParameterDiscoveryReq',
      'CableCheckReq',
      'PreChargeReq',
      'PowerDeliveryReq',
      'CurrentDemandReq',
      'PowerDeliveryReq',
      'WeldingDetectionReq',
      'SessionStopReq',
    ]);
    // Checkpoints reported by the EV, in order, first occurrence each (pyPLC numbering).
    const evCps = [...new Set(checkpoints(h.evStatus))];
    expect(evCps).toEqual([400, 403, 500, 506, 510, 515, 520, 525, 530, 535, 538, 540, 545, 550, 555, 556, 560, 565, 570, 575, 590, 600, 605, 700, 705, 800, 806, 810, 850, 855, 900, 905]);
    const evseCps = [...new Set(checkpoints(h.evseStatus))];
    expect(evseCps).toEqual([300, 401, 402, 505, 515, 525, 535, 545, 565, 575, 605, 705, 805, 855, 905]);
    // Energy really flowed, the connector ended unlocked, no SafeShutdown was needed.
    expect(peak).toBeGreaterThan(50);
    expect(h.shutdownRequested).toBe(false);
    let lock = '';
    h.board.ev.connectorLock?.state$.subscribe((s) => (lock = s)).unsubscribe();
    expect(lock).toBe('unlocked');
    // The EVSE is ready for the next session (allowNewSessionAfterStop).
    expect(h.evse.getSnapshot().value).toBe('waitForHandshake');
    expect(['SessionStop', 'TransportClosed']).toContain(h.evse.getSnapshot().context.end?.code);
    expectClean(h);
    stop(h);
  });

  it('ISO 15118-2 DC: Authorization, ChargeProgress Start/Stop, CurrentDemand with EVSEID, SessionStop Terminate', async () => {
    const h = createHarness({ ev: { protocols: ['iso2'], socTarget: 21 }, evse: { protocolPreference: ['iso2', 'din'] }, plant: { battery: { initialSocPercent: 20 } } });
    const r = await runToEnd(h);
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'SocTargetReached', protocol: 'iso2', lastCheckpoint: 905 });
    expect(compress(names(h, 'ev→evse'))).toEqual([
      'supportedAppProtocolReq',
      'SessionSetupReq',
      'ServiceDiscoveryReq',
      'PaymentServiceSelectionReq',
      'AuthorizationReq',
      'ChargeParameterDiscoveryReq',
      'CableCheckReq',
      'PreChargeReq',
      'PowerDeliveryReq',
      'CurrentDemandReq',
      'PowerDeliveryReq',
      'WeldingDetectionReq',
      'SessionStopReq',
    ]);
    const pd = h.trace.filter((t) => t.name === 'PowerDeliveryReq').map((t) => ('V2G_Message' in t.doc ? (t.doc.V2G_Message.Body.PowerDeliveryReq as { ChargeProgress: string }).ChargeProgress : ''));
    expect(pd).toEqual(['Start', 'Stop']);
    expectClean(h);
    stop(h);
  });

  it('ISO 15118-2 AC: ChargingStatus loop, CP C after PowerDeliveryRes(Start), user stop → PowerDelivery(Stop) → CP B → SessionStop', async () => {
    const cp: string[] = [];
    const h = createHarness({
      ev: { protocols: ['iso2'], energyTransferMode: 'AC_three_phase_core' },
      evse: { protocolPreference: ['iso2'], energyTransferModes: ['AC_single_phase_core', 'AC_three_phase_core'] },
      script: [{ atMs: 20_000, run: (x) => x.ev.send({ type: 'STOP_REQUEST', reason: 'button' }) }],
    });
    h.board.ev.controlPilot.state$.subscribe((s) => cp.push(s));
    const r = await runToEnd(h);
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'UserStop: button', protocol: 'iso2' });
    expect(r.ev?.chargeLoopCount).toBeGreaterThan(50);
    expect(compress(names(h, 'ev→evse'))).toEqual([
      'supportedAppProtocolReq',
      'SessionSetupReq',
      'ServiceDiscoveryReq',
      'PaymentServiceSelectionReq',
      'AuthorizationReq',
      'ChargeParameterDiscoveryReq',
      'PowerDeliveryReq',
      'ChargingStatusReq',
      'PowerDeliveryReq',
      'SessionStopReq',
    ]);
    // CP went to C for the charge and back to B at the end.
    expect(cp).toContain('C');
    expect(cp[cp.length - 1]).toBe('B');
    expectClean(h);
    stop(h);
  });

  it('ISO 15118-2 AC with ReceiptRequired: MeteringReceiptReq after each ChargingStatusRes, echoing the MeterInfo', async () => {
    const h = createHarness({
      ev: { protocols: ['iso2'], energyTransferMode: 'AC_single_phase_core' },
      evse: { protocolPreference: ['iso2'], energyTransferModes: ['AC_single_phase_core'], receiptRequired: true, meterId: 'M-42' },
      script: [{ atMs: 8_000, run: (x) => x.ev.send({ type: 'STOP_REQUEST' }) }],
    });
    const r = await runToEnd(h);
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'UserStop' });
    const loop = names(h, 'ev→evse').filter((n) => n === 'ChargingStatusReq' || n === 'MeteringReceiptReq');
    expect(loop.length).toBeGreaterThan(10);
    expect(compress(loop).slice(0, 4)).toEqual(['ChargingStatusReq', 'MeteringReceiptReq', 'ChargingStatusReq', 'MeteringReceiptReq']);
    const mr = h.trace.find((t) => t.name === 'MeteringReceiptReq');
    expect(mr && 'V2G_Message' in mr.doc && (mr.doc.V2G_Message.Body.MeteringReceiptReq as { MeterInfo: { MeterID: string } }).MeterInfo.MeterID).toBe('M-42');
    expect(h.trace.filter((t) => t.name === 'MeteringReceiptRes').length).toBeGreaterThan(3);
    expectClean(h);
    stop(h);
  });

  it('offers DIN and ISO-2; the EVSE prefers DIN by default (pyPLC), ISO-2 when configured', async () => {
    const a = createHarness({ ev: { protocols: ['iso2', 'din'], socTarget: 20 }, plant: { battery: { initialSocPercent: 20 } } });
    expect((await runToEnd(a)).ev?.protocol).toBe('din');
    stop(a);
    const b = createHarness({ ev: { protocols: ['din', 'iso2'], socTarget: 20 }, evse: { protocolPreference: ['iso2', 'din'] }, plant: { battery: { initialSocPercent: 20 } } });
    expect((await runToEnd(b)).ev?.protocol).toBe('iso2');
    stop(b);
  });

  it('user stop during CurrentDemand ends gracefully (PowerDelivery stop, welding, SessionStop)', async () => {
    const h = createHarness({ ev: { protocols: ['din'] }, script: [{ atMs: 25_000, run: (x) => x.ev.send({ type: 'STOP_REQUEST' }) }] });
    const r = await runToEnd(h);
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'UserStop', lastCheckpoint: 905 });
    expect(names(h, 'ev→evse')).toContain('WeldingDetectionReq');
    expectClean(h);
    stop(h);
  });

  it('EVSE stop request → EVSE_Shutdown (790) in CurrentDemandRes → the EV stops gracefully', async () => {
    const h = createHarness({ ev: { protocols: ['din'] }, script: [{ atMs: 25_000, run: (x) => x.evse.send({ type: 'STOP_REQUEST', reason: 'stop button' }) }] });
    const r = await runToEnd(h);
    expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'EVSE_Shutdown', lastCheckpoint: 905 });
    expect(checkpoints(h.evseStatus)).toContain(790);
    expect(h.monitor.violations).toEqual([]);
    stop(h);
  });

  it('a second session on the same EVSE actor after the first ended (allowNewSessionAfterStop)', async () => {
    const h = createHarness({ ev: { protocols: ['din'], socTarget: 20 }, plant: { battery: { initialSocPercent: 20 } } });
    await runToEnd(h);
    expect(h.evse.getSnapshot().value).toBe('waitForHandshake');
    expect(h.evse.getSnapshot().context.sessions).toBe(1);
    // A new connection: drive the EVSE by hand with a DIN handshake (SchemaID 7 must be echoed).
    const before = h.trace.length;
    h.evse.send({
      type: 'V2G.REQ',
      doc: { supportedAppProtocolReq: { AppProtocol: [{ ProtocolNamespace: 'urn:din:70121:2012:MsgDef', VersionNumberMajor: 2, VersionNumberMinor: 0, SchemaID: 7, Priority: 1 }] } },
    });
    expect(h.evse.getSnapshot().context.sessions).toBe(2);
    expect(h.evse.getSnapshot().context.protocol).toBe('din');
    expect(h.evse.getSnapshot().context.stage).toBe('start');
    expect(h.trace.slice(before).map((t) => t.doc)).toEqual([{ supportedAppProtocolRes: { ResponseCode: 'OK_SuccessfulNegotiation', SchemaID: 7 } }]);
    stop(h);
  });
});
