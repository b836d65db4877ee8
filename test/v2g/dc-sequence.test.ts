// The SECC message sequence per energy mode (issue 8, defect 3): a DC charger
// refuses energy transfer until CableCheck has finished with a usable isolation
// result and PreCharge has run; an AC charger has its own sequence. The EVSE
// machine is driven request by request through the dialects and the real EXI
// codec (every document goes to bytes and back, as on the wire), with the sim
// board's power supply twin behind it: the tests assert on what the twin was
// told to do (setTarget / off / isolationCheck), not on what the machine meant.
import { createActor, SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimBoard, type SimBoard } from '../../boards/sim/index.js';
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { decode, encode, type SchemaId as ExiSchemaId } from '../../src/codecs/exi/index.js';
import type { IsolationStatus } from '../../src/ports/hardware.js';
import type { HardwareCommand } from '../../src/domain/safety/events.js';
import {
  allowedNext,
  dinDialect,
  encodeHandshakeRequest,
  iso2Dialect,
  offerFor,
  v2gEvseDefaults,
  type Dialect,
  type EnergyTransferMode,
  type OutgoingDocument,
  type V2gDocument,
  type V2gEvseConfig,
  type V2gRequest,
  type V2gResponse,
} from '../../src/domain/v2g/index.js';

/** Through the real EXI codec, as on the wire. */
function wire(out: OutgoingDocument): V2gDocument {
  const bytes = encode(out.schema as ExiSchemaId, out.doc as never);
  if (!bytes.ok) throw new Error(`encode ${out.schema}: ${bytes.error.message}`);
  const back = decode(out.schema as ExiSchemaId, bytes.value);
  if (!back.ok) throw new Error(`decode ${out.schema}: ${back.error.message}`);
  return back.value as unknown as V2gDocument;
}

interface Options {
  readonly isolationResult?: IsolationStatus;
  readonly isolationCheckMs?: number;
  readonly evse?: Partial<V2gEvseConfig>;
}

const boards: SimBoard[] = [];
afterEach(async () => {
  for (const b of boards.splice(0)) await b.close();
});

/** One EVSE session over the sim board's power supply twin. */
function charger(d: Dialect, o: Options = {}) {
  const clock = new SimulatedClock();
  const board = createSimBoard({ scheduler: clock, supply: { isolationResult: o.isolationResult ?? 'Valid', isolationCheckMs: o.isolationCheckMs ?? 500 } });
  boards.push(board);
  const supply: HardwareCommand[] = [];
  board.evse.commands$.subscribe((c) => {
    if (c.port === 'powerSupply') supply.push(c);
  });
  const outputContactor: string[] = [];
  const sent: OutgoingDocument[] = [];
  const closed: string[] = [];
  const actor = createActor(
    v2gEvseMachine.provide({
      actions: {
        send: (_, out) => void sent.push(out),
        closeTransport: (_, p) => void closed.push(p.reason),
        setPowerSupply: (_, p) => board.evse.powerSupply.setTarget(p.voltage, p.current),
        powerSupplyOff: () => board.evse.powerSupply.off(),
        startIsolationCheck: (_, p) => {
          void board.evse.powerSupply.isolationCheck(p.voltage).then((status) => {
            if (actor.getSnapshot().status === 'active') actor.send({ type: 'PS.ISOLATION', status });
          });
        },
        closeOutputContactor: () => void outputContactor.push('close'),
        openOutputContactor: () => void outputContactor.push('open'),
      },
    }),
    {
      clock,
      input: {
        config: { ...v2gEvseDefaults, protocolPreference: [d.protocol], allowNewSessionAfterStop: false, energyTransferModes: ['DC_extended', 'AC_three_phase_core'], ...o.evse },
        randomBytes: (n) => Uint8Array.from({ length: n }, (_, i) => 0x10 + i),
      },
    },
  ).start();
  board.evse.powerSupply.reading$.subscribe((reading) => {
    if (actor.getSnapshot().status === 'active') actor.send({ type: 'PS.READING', reading });
  });
  actor.send({ type: 'V2G.REQ', doc: wire({ schema: 'appHand', doc: encodeHandshakeRequest(offerFor([d.protocol])) }) });
  let sid: Uint8Array = new Uint8Array([0]);
  const request = (req: V2gRequest): V2gResponse => {
    const doc = d.encodeRequest(sid, req);
    if (!doc.ok) throw new Error(doc.error.message);
    const before = sent.length;
    actor.send({ type: 'V2G.REQ', doc: wire({ schema: d.schema, doc: doc.value }) });
    const out = sent[before];
    if (!out) throw new Error(`no response to ${req.kind}Req`);
    const res = d.decodeResponse(wire(out));
    if (!res.ok) throw new Error(res.error.message);
    if (req.kind === 'SessionSetup') sid = res.value.sessionId;
    return res.value.body;
  };
  /** Virtual time, with the sim hardware's promises settling between steps. */
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      clock.increment(50);
      await Promise.resolve();
      await Promise.resolve();
    }
  };
  const setTargets = () => supply.filter((c) => c.command === 'setTarget');
  return { actor, board, supply, setTargets, outputContactor, closed, request, advance };
}

type Charger = ReturnType<typeof charger>;

const evStatus = { ready: true, errorCode: 'NO_ERROR', soc: 40 } as const;
const dcMode: EnergyTransferMode = 'DC_extended';
const req = {
  cpd: (mode: EnergyTransferMode = dcMode): V2gRequest =>
    mode.startsWith('AC') ? { kind: 'ChargeParameterDiscovery', mode, ac: { energyAmountWh: 20000, maxVoltage: 230, maxCurrent: 16, minCurrent: 6 } } : { kind: 'ChargeParameterDiscovery', mode, dc: { evStatus, maxCurrent: 100, maxVoltage: 400 } },
  cableCheck: { kind: 'CableCheck', evStatus } as V2gRequest,
  preCharge: { kind: 'PreCharge', evStatus, targetVoltage: 398, targetCurrent: 2 } as V2gRequest,
  start: (ac = false): V2gRequest => (ac ? { kind: 'PowerDelivery', progress: 'Start', saScheduleTupleId: 1 } : { kind: 'PowerDelivery', progress: 'Start', saScheduleTupleId: 1, dc: { evStatus, chargingComplete: false } }),
  stop: (ac = false): V2gRequest => (ac ? { kind: 'PowerDelivery', progress: 'Stop', saScheduleTupleId: 1 } : { kind: 'PowerDelivery', progress: 'Stop', saScheduleTupleId: 1, dc: { evStatus, chargingComplete: true } }),
  currentDemand: { kind: 'CurrentDemand', evStatus, targetVoltage: 398, targetCurrent: 100, chargingComplete: false } as V2gRequest,
  chargingStatus: { kind: 'ChargingStatus' } as V2gRequest,
  welding: { kind: 'WeldingDetection', evStatus } as V2gRequest,
};

/** SessionSetup … ChargeParameterDiscovery, every answer OK. */
function throughChargeParameterDiscovery(c: Charger, mode: EnergyTransferMode = dcMode): void {
  const steps: V2gRequest[] = [
    { kind: 'SessionSetup', evccId: new Uint8Array([2, 0, 0, 0xee, 0, 1]) },
    { kind: 'ServiceDiscovery' },
    { kind: 'PaymentServiceSelection', payment: 'ExternalPayment', serviceIds: [1] },
    // Ongoing once, then Finished (v2gEvseDefaults.authorizationOngoingRounds = 1).
    { kind: 'Authorization' },
    { kind: 'Authorization' },
    req.cpd(mode),
  ];
  for (const s of steps) expect(c.request(s).responseCode, s.kind).toMatch(/^OK/);
}

/** CableCheck until Finished (the sim's isolation check takes isolationCheckMs). */
async function cableCheckToTheEnd(c: Charger): Promise<V2gResponse> {
  for (let i = 0; i < 40; i++) {
    const res = c.request(req.cableCheck);
    if (res.kind === 'CableCheck' && res.processing === 'Finished') return res;
    await c.advance(100);
  }
  throw new Error('CableCheck never Finished');
}

/** The refusal: FAILED_SequenceError in the request's own response type, connection closed, session over, output off. */
function expectRefused(c: Charger, res: V2gResponse, kind: V2gRequest['kind']): void {
  expect(res).toMatchObject({ kind, responseCode: 'FAILED_SequenceError' });
  expect(c.closed).toEqual([`FAILED_SequenceError in ${kind}Res`]);
  const snap = c.actor.getSnapshot();
  expect(snap.status).toBe('done');
  expect(snap.output).toMatchObject({ result: 'Aborted', reason: `FAILED_SequenceError in ${kind}Res` });
  expect(c.supply.at(-1)?.command).toBe('off');
}

function isolationOf(res: V2gResponse): string | undefined {
  return 'dcStatus' in res ? res.dcStatus?.isolation : undefined;
}

describe.each([
  ['DIN 70121', dinDialect],
  ['ISO 15118-2', iso2Dialect],
] as const)('%s DC: no energy transfer without a finished CableCheck and a PreCharge', (_name, d) => {
  it('the normal DC flow is accepted: the supply gets a target only from PreCharge on, and the isolation reported is the measured one', async () => {
    const c = charger(d);
    throughChargeParameterDiscovery(c);
    expect(c.setTargets()).toEqual([]);
    const cc = await cableCheckToTheEnd(c);
    expect(cc).toMatchObject({ responseCode: 'OK', processing: 'Finished', dcStatus: { statusCode: 'EVSE_Ready', isolation: 'Valid' } });
    expect(c.supply.filter((s) => s.command === 'isolationCheck')).toHaveLength(1);
    expect(c.setTargets()).toEqual([]);
    expect(c.request(req.preCharge)).toMatchObject({ responseCode: 'OK', dcStatus: { isolation: 'Valid' } });
    expect(c.setTargets()).toEqual([{ port: 'powerSupply', command: 'setTarget', voltage: 398, current: 2 }]);
    await c.advance(3000);
    expect(c.request(req.start())).toMatchObject({ responseCode: 'OK', dcStatus: { isolation: 'Valid' } });
    expect(c.request(req.currentDemand)).toMatchObject({ responseCode: 'OK', dcStatus: { statusCode: 'EVSE_Ready', isolation: 'Valid' } });
    expect(c.setTargets().at(-1)).toMatchObject({ voltage: 398, current: 100 });
    expect(c.request(req.stop())).toMatchObject({ responseCode: 'OK' });
    expect(c.supply.at(-1)?.command).toBe('off');
    expect(c.request(req.welding)).toMatchObject({ responseCode: 'OK' });
    expect(c.request({ kind: 'SessionStop', chargingSession: 'Terminate' })).toMatchObject({ responseCode: 'OK' });
    expect(c.actor.getSnapshot().output).toMatchObject({ result: 'SessionStopped' });
  });

  it('PowerDelivery(Start) straight after ChargeParameterDiscovery (the issue-8 attack) → FAILED_SequenceError, the supply never enabled', () => {
    const c = charger(d);
    throughChargeParameterDiscovery(c);
    const res = c.request(req.start());
    expectRefused(c, res, 'PowerDelivery');
    // Not the fabricated Valid of old: nothing was measured.
    expect(isolationOf(res)).toBe('Invalid');
    expect(c.setTargets()).toEqual([]);
    expect(c.supply.filter((s) => s.command === 'isolationCheck')).toEqual([]);
  });

  it('CurrentDemand straight after ChargeParameterDiscovery (CableCheck, PreCharge and PowerDelivery skipped) → FAILED_SequenceError, no setTarget', () => {
    const c = charger(d);
    throughChargeParameterDiscovery(c);
    const res = c.request(req.currentDemand);
    expectRefused(c, res, 'CurrentDemand');
    expect(isolationOf(res)).toBe('Invalid');
    expect(c.setTargets()).toEqual([]);
  });

  it('CableCheck skipped (PreCharge after ChargeParameterDiscovery) → FAILED_SequenceError, no setTarget', () => {
    const c = charger(d);
    throughChargeParameterDiscovery(c);
    expectRefused(c, c.request(req.preCharge), 'PreCharge');
    expect(c.setTargets()).toEqual([]);
  });

  it('CableCheck not finished (Ongoing) then PreCharge → FAILED_SequenceError, no setTarget, the running check does not count', () => {
    const c = charger(d, { isolationCheckMs: 5000 });
    throughChargeParameterDiscovery(c);
    expect(c.request(req.cableCheck)).toMatchObject({ responseCode: 'OK', processing: 'Ongoing', dcStatus: { statusCode: 'EVSE_IsolationMonitoringActive', isolation: 'Invalid' } });
    const res = c.request(req.preCharge);
    expectRefused(c, res, 'PreCharge');
    expect(isolationOf(res)).toBe('Invalid');
    expect(c.setTargets()).toEqual([]);
  });

  it('CableCheck not finished (Ongoing) then PowerDelivery(Start) → FAILED_SequenceError, no setTarget', () => {
    const c = charger(d, { isolationCheckMs: 5000 });
    throughChargeParameterDiscovery(c);
    c.request(req.cableCheck);
    expectRefused(c, c.request(req.start()), 'PowerDelivery');
    expect(c.setTargets()).toEqual([]);
  });

  it.each(['Fault', 'Invalid'] as const)('CableCheck finished with isolation %s → reported as measured with EVSE_Malfunction; PreCharge then → FAILED_SequenceError, no setTarget', async (result) => {
    const c = charger(d, { isolationResult: result });
    throughChargeParameterDiscovery(c);
    const cc = await cableCheckToTheEnd(c);
    expect(cc).toMatchObject({ responseCode: 'OK', processing: 'Finished', dcStatus: { statusCode: 'EVSE_Malfunction', isolation: result } });
    // Asking again changes nothing.
    expect(c.request(req.cableCheck)).toMatchObject({ responseCode: 'OK', processing: 'Finished', dcStatus: { statusCode: 'EVSE_Malfunction', isolation: result } });
    const res = c.request(req.preCharge);
    expectRefused(c, res, 'PreCharge');
    expect(res).toMatchObject({ dcStatus: { statusCode: 'EVSE_Malfunction', isolation: result } });
    expect(c.setTargets()).toEqual([]);
  });

  it('CableCheck finished with isolation Fault, then PowerDelivery(Start) → FAILED_SequenceError, no setTarget', async () => {
    const c = charger(d, { isolationResult: 'Fault' });
    throughChargeParameterDiscovery(c);
    await cableCheckToTheEnd(c);
    expectRefused(c, c.request(req.start()), 'PowerDelivery');
    expect(c.setTargets()).toEqual([]);
  });

  it('isolation check that never reports (V2G_SECC_CableCheck_Performance_Time) → Finished, Invalid (nothing measured), EVSE_Malfunction; PreCharge refused', async () => {
    const c = charger(d, { isolationCheckMs: 10_000_000, evse: { timeouts: { ...v2gEvseDefaults.timeouts, V2G_SECC_CableCheck_Performance_Time: 2000 } } });
    throughChargeParameterDiscovery(c);
    expect(c.request(req.cableCheck)).toMatchObject({ processing: 'Ongoing' });
    await c.advance(2100);
    expect(c.request(req.cableCheck)).toMatchObject({ processing: 'Finished', dcStatus: { statusCode: 'EVSE_Malfunction', isolation: 'Invalid' } });
    expectRefused(c, c.request(req.preCharge), 'PreCharge');
    expect(c.setTargets()).toEqual([]);
  });

  it('isolation Warning (IEC 61851-23: charging allowed with a warning) is reported as Warning and PreCharge is accepted', async () => {
    const c = charger(d, { isolationResult: 'Warning' });
    throughChargeParameterDiscovery(c);
    expect(await cableCheckToTheEnd(c)).toMatchObject({ processing: 'Finished', dcStatus: { statusCode: 'EVSE_Ready', isolation: 'Warning' } });
    expect(c.request(req.preCharge)).toMatchObject({ responseCode: 'OK', dcStatus: { isolation: 'Warning' } });
    expect(c.setTargets()).toEqual([{ port: 'powerSupply', command: 'setTarget', voltage: 398, current: 2 }]);
  });

  it('PreCharge skipped (PowerDelivery(Start) after a finished CableCheck) → FAILED_SequenceError, no setTarget', async () => {
    const c = charger(d);
    throughChargeParameterDiscovery(c);
    await cableCheckToTheEnd(c);
    const res = c.request(req.start());
    expectRefused(c, res, 'PowerDelivery');
    // The measured result, not a made-up one.
    expect(isolationOf(res)).toBe('Valid');
    expect(c.setTargets()).toEqual([]);
  });

  it('PreCharge skipped (CurrentDemand after a finished CableCheck) → FAILED_SequenceError, no setTarget', async () => {
    const c = charger(d);
    throughChargeParameterDiscovery(c);
    await cableCheckToTheEnd(c);
    expectRefused(c, c.request(req.currentDemand), 'CurrentDemand');
    expect(c.setTargets()).toEqual([]);
  });

  it('CurrentDemand before PowerDelivery (after PreCharge) → FAILED_SequenceError, no target beyond the 2 A precharge one', async () => {
    const c = charger(d);
    throughChargeParameterDiscovery(c);
    await cableCheckToTheEnd(c);
    c.request(req.preCharge);
    expectRefused(c, c.request(req.currentDemand), 'CurrentDemand');
    expect(c.setTargets()).toEqual([{ port: 'powerSupply', command: 'setTarget', voltage: 398, current: 2 }]);
  });

  it('CurrentDemand after PowerDelivery(Stop) → FAILED_SequenceError, no setTarget after the stop', async () => {
    const c = charger(d);
    throughChargeParameterDiscovery(c);
    await cableCheckToTheEnd(c);
    c.request(req.preCharge);
    await c.advance(3000);
    c.request(req.start());
    c.request(req.currentDemand);
    c.request(req.stop());
    const targetsBeforeStop = c.setTargets().length;
    expect(c.supply.at(-1)?.command).toBe('off');
    expectRefused(c, c.request(req.currentDemand), 'CurrentDemand');
    expect(c.setTargets()).toHaveLength(targetsBeforeStop);
  });

  it('ChargingStatus (AC-only) in a DC session → FAILED_SequenceError', async () => {
    const c = charger(d);
    throughChargeParameterDiscovery(c);
    await cableCheckToTheEnd(c);
    c.request(req.preCharge);
    await c.advance(3000);
    c.request(req.start());
    expectRefused(c, c.request(req.chargingStatus), 'ChargingStatus');
  });
});

describe('ISO 15118-2 AC: its own sequence', () => {
  const ac: EnergyTransferMode = 'AC_three_phase_core';

  it('accepts the AC flow: PowerDelivery(Start) right after ChargeParameterDiscovery, ChargingStatus loop, MeteringReceipt, PowerDelivery(Stop), SessionStop; the DC supply is never touched', () => {
    const c = charger(iso2Dialect, { evse: { receiptRequired: true } });
    throughChargeParameterDiscovery(c, ac);
    expect(c.request(req.start(true))).toMatchObject({ responseCode: 'OK' });
    expect(c.outputContactor).toEqual(['close']);
    for (let i = 0; i < 3; i++) {
      expect(c.request(req.chargingStatus)).toMatchObject({ kind: 'ChargingStatus', responseCode: 'OK', receiptRequired: true });
      expect(c.request({ kind: 'MeteringReceipt', sessionId: new Uint8Array(8), meterInfo: { meterId: 'TSPLC-METER' } })).toMatchObject({ responseCode: 'OK' });
    }
    expect(c.request(req.stop(true))).toMatchObject({ responseCode: 'OK' });
    expect(c.outputContactor).toEqual(['close', 'open']);
    expect(c.request({ kind: 'SessionStop', chargingSession: 'Terminate' })).toMatchObject({ responseCode: 'OK' });
    expect(c.actor.getSnapshot().output).toMatchObject({ result: 'SessionStopped' });
    expect(c.setTargets()).toEqual([]);
    expect(c.supply.filter((s) => s.command === 'isolationCheck')).toEqual([]);
  });

  it.each([
    ['CableCheck after ChargeParameterDiscovery', [req.cableCheck]],
    ['PreCharge after ChargeParameterDiscovery', [req.preCharge]],
    ['CurrentDemand after PowerDelivery(Start)', [req.start(true), req.currentDemand]],
    ['WeldingDetection after PowerDelivery(Stop)', [req.start(true), req.chargingStatus, req.stop(true), req.welding]],
  ] as const)('refuses the DC-only %s → FAILED_SequenceError, no isolation check, no setTarget', (_n, reqs) => {
    const c = charger(iso2Dialect);
    throughChargeParameterDiscovery(c, ac);
    let last: V2gResponse | undefined;
    for (const r of reqs) last = c.request(r);
    const kind = reqs[reqs.length - 1]?.kind;
    if (!last || !kind) throw new Error('no request');
    expectRefused(c, last, kind);
    expect(c.setTargets()).toEqual([]);
    expect(c.supply.filter((s) => s.command === 'isolationCheck')).toEqual([]);
  });

  it('the tables say the same: AC never allows a DC-only request, DC never allows PowerDelivery(Start) before PreCharge', () => {
    const dcOnly = ['CableCheck', 'PreCharge', 'CurrentDemand', 'WeldingDetection'];
    const acStages = ['start', 'SessionSetup', 'ServiceDiscovery', 'PaymentServiceSelection', 'Authorization', 'ChargeParameterDiscovery', 'PowerDeliveryStart', 'ChargingStatus', 'MeteringReceipt', 'PowerDeliveryStop'] as const;
    for (const s of acStages) expect(allowedNext('AC', s).filter((k) => dcOnly.includes(k)), s).toEqual([]);
    const beforePreCharge = ['start', 'SessionSetup', 'ServiceDiscovery', 'ServiceDetail', 'PaymentServiceSelection', 'Authorization', 'ChargeParameterDiscovery', 'CableCheckOngoing', 'CableCheckFinished', 'CableCheckFailed'] as const;
    for (const s of beforePreCharge) expect(allowedNext('DC', s).filter((k) => k === 'PowerDeliveryStart' || k === 'CurrentDemand'), s).toEqual([]);
    expect(allowedNext('DC', 'CableCheckOngoing')).not.toContain('PreCharge');
    expect(allowedNext('DC', 'CableCheckFailed')).not.toContain('PreCharge');
    expect(allowedNext('DC', 'CableCheckFinished')).toContain('PreCharge');
  });
});
