// Pure part of the EVSE forwarding: facts folded from a stream of status updates and
// EV requests, the SmartEVSE query built from them, the throttle, the MQTT payloads.
import { describe, expect, it } from 'vitest';
import {
  LatestValueThrottle,
  factPublications,
  foldRequest,
  foldStatus,
  noFacts,
  parseEnabled,
  socCallbackQuery,
  socCallbackUrl,
  type EvFacts,
} from '../../src/outputs/forwarding/index.js';
import { fromHex } from '../../src/bytes.js';
import type { StatusUpdate } from '../../src/status.js';
import type { DcEvStatus, V2gRequest } from '../../src/domain/v2g/model.js';

function hex(s: string): Uint8Array {
  const b = fromHex(s);
  if (!b) throw new Error(`bad hex ${s}`);
  return b;
}

const ev = (soc: number): DcEvStatus => ({ ready: true, errorCode: 'NO_ERROR', soc });

type Input = { status: StatusUpdate } | { req: V2gRequest };
const fold = (inputs: Input[], from: EvFacts = noFacts): EvFacts =>
  inputs.reduce((f, i) => ('status' in i ? foldStatus(f, i.status) : foldRequest(f, i.req)), from);

/** One DIN DC session as the EVSE sees it (Hyundai Ioniq-like values). */
const dcSession: Input[] = [
  { status: { layer: 'session', state: 'WaitForSupportedAppProtocolReq', checkpoint: 300 } },
  { status: { layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 } },
  { req: { kind: 'SessionSetup', evccId: hex('02005a3c4e21') } },
  { status: { layer: 'session', state: 'SessionSetupRes', checkpoint: 505, details: { responseCode: 'OK', evccId: '02005a3c4e21', sessionId: '01' } } },
  {
    req: {
      kind: 'ChargeParameterDiscovery',
      mode: 'DC_extended',
      dc: { evStatus: ev(31), maxCurrent: 125, maxVoltage: 420, energyCapacityWh: 28000, energyRequestWh: 19320, fullSoc: 100, bulkSoc: 80 },
    },
  },
  { status: { layer: 'session', state: 'ChargeParameterDiscoveryRes', checkpoint: 545, details: { responseCode: 'OK' } } },
  { req: { kind: 'CableCheck', evStatus: ev(31) } },
  { req: { kind: 'PreCharge', evStatus: ev(31), targetVoltage: 368, targetCurrent: 1 } },
  { req: { kind: 'CurrentDemand', evStatus: ev(32), targetVoltage: 380, targetCurrent: 95, chargingComplete: false } },
  { status: { layer: 'session', state: 'CurrentDemandRes', checkpoint: 705, details: { responseCode: 'OK', targetVoltage: 380, targetCurrent: 95, soc: 32 } } },
];

describe('forwarding facts', () => {
  it('collects SOC, FullSOC, EVEnergyCapacity, EVEnergyRequest and EVCCID over a DIN DC session', () => {
    const f = fold(dcSession);
    expect(f).toMatchObject({ soc: 32, fullSoc: 100, energyCapacityWh: 28000, energyRequestWh: 19320, evccId: '02005a3c4e21', targetVoltage: 380, targetCurrent: 95, fsmState: 'CurrentDemandRes', checkpoint: 705, session: 1 });
    expect(socCallbackQuery(f, 0)).toEqual({ current_soc: 32, full_soc: 100, energy_capacity: 28000, energy_request: 19320, evccid: '02005a3c4e21' });
  });

  it('a new session (checkpoint 401) forgets the previous car', () => {
    const f = fold([...dcSession, { status: { layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 } }]);
    expect(f.session).toBe(2);
    expect(f.soc).toBeUndefined();
    expect(f.evccId).toBeUndefined();
    expect(socCallbackQuery(f, 0)).toBeUndefined();
  });

  it('status details alone are enough (a session machine that reports ChargeParameterDiscovery values)', () => {
    const f = fold([
      { status: { layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 } },
      { status: { layer: 'session', state: 'SessionSetupRes', checkpoint: 505, details: { evccId: 'D83ADD22F182' } } },
      { status: { layer: 'session', state: 'ChargeParameterDiscoveryRes', checkpoint: 545, details: { soc: 55, fullSoc: 95, energyCapacityWh: 77000, energyRequestWh: 30000 } } },
    ]);
    expect(socCallbackQuery(f, 0)).toEqual({ current_soc: 55, full_soc: 95, energy_capacity: 77000, energy_request: 30000, evccid: 'd83add22f182' });
  });

  it('other layers move the checkpoint but not the session state', () => {
    const f = fold([...dcSession, { status: { layer: 'slac', state: 'WaitForSlacParamReq', checkpoint: 100 } }]);
    expect(f.fsmState).toBe('CurrentDemandRes');
    expect(f.checkpoint).toBe(100);
  });

  it('AC: EAmount is the energy request; no SOC in ISO-2 AC', () => {
    const f = fold([
      { status: { layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401 } },
      { req: { kind: 'ChargeParameterDiscovery', mode: 'AC_three_phase_core', ac: { energyAmountWh: 12000, maxVoltage: 400, maxCurrent: 16, minCurrent: 6 } } },
    ]);
    expect(socCallbackQuery(f, 0)).toEqual({ current_soc: -1, full_soc: -1, energy_capacity: -1, energy_request: 12000, evccid: '' });
  });
});

describe('SmartEVSE query', () => {
  const onlySoc: EvFacts = { session: 1, soc: 47 };

  it('unknown values are -1, an unknown EVCCID is empty', () => {
    expect(socCallbackQuery(onlySoc, 0)).toEqual({ current_soc: 47, full_soc: -1, energy_capacity: -1, energy_request: -1, evccid: '' });
  });

  it('the fallback capacity replaces a missing or zero EVEnergyCapacity, never a real one', () => {
    expect(socCallbackQuery(onlySoc, 40000)?.energy_capacity).toBe(40000);
    expect(socCallbackQuery({ ...onlySoc, energyCapacityWh: 0 }, 40000)?.energy_capacity).toBe(40000);
    expect(socCallbackQuery({ ...onlySoc, energyCapacityWh: 64000 }, 40000)?.energy_capacity).toBe(64000);
  });

  it('EVEnergyRequest 0 (cars that do not know) is sent as -1; values are whole numbers', () => {
    expect(socCallbackQuery({ ...onlySoc, energyRequestWh: 0 }, 0)?.energy_request).toBe(-1);
    expect(socCallbackQuery({ ...onlySoc, soc: 47.6, energyRequestWh: 1234.4 }, 0)).toMatchObject({ current_soc: 48, energy_request: 1234 });
  });

  it('an EVCCID alone is not worth a callback', () => {
    expect(socCallbackQuery({ session: 1, evccId: '020000000001' }, 40000)).toBeUndefined();
  });

  it('URL: the parameters in SmartEVSE order, appended with ? or &', () => {
    const q = { current_soc: 47, full_soc: -1, energy_capacity: 40000, energy_request: -1, evccid: 'd83add22f182' };
    expect(socCallbackUrl('http://10.0.0.5/ev_state', q)).toBe('http://10.0.0.5/ev_state?current_soc=47&full_soc=-1&energy_capacity=40000&energy_request=-1&evccid=d83add22f182');
    expect(socCallbackUrl('http://h/x?token=a', q)).toMatch(/^http:\/\/h\/x\?token=a&current_soc=47&/);
    expect(socCallbackUrl('http://h/x?', q)).toMatch(/^http:\/\/h\/x\?current_soc=47&/);
  });
});

describe('LatestValueThrottle', () => {
  it('one value per interval, the last offered wins, equal values are not repeated', () => {
    const t = new LatestValueThrottle<number>(1000);
    t.offer(1);
    expect(t.poll(0)).toEqual({ send: 1 });
    t.settled();
    t.offer(2);
    t.offer(3);
    t.offer(4);
    expect(t.poll(10)).toEqual({ wakeAt: 1000 });
    expect(t.poll(1000)).toEqual({ send: 4 });
    t.settled();
    t.offer(4);
    expect(t.poll(5000)).toBeUndefined();
    expect(t.counters()).toEqual({ taken: 2, superseded: 2, unchanged: 1 });
  });

  it('nothing is taken while a value is in flight; one value waits, never more', () => {
    const t = new LatestValueThrottle<number>(0);
    t.offer(1);
    expect(t.poll(0)).toEqual({ send: 1 });
    for (let i = 2; i < 1000; i++) t.offer(i);
    expect(t.poll(100)).toBeUndefined();
    t.settled();
    expect(t.poll(100)).toEqual({ send: 999 });
  });

  it('a failed value may be offered again', () => {
    const t = new LatestValueThrottle<number>(0);
    t.offer(7);
    expect(t.poll(0)).toEqual({ send: 7 });
    t.settled(false);
    t.offer(7);
    expect(t.poll(1)).toEqual({ send: 7 });
  });
});

describe('MQTT payloads', () => {
  it('facts → topics, -1 and empty for unknown, fallback capacity as in the callback', () => {
    const pubs = Object.fromEntries(factPublications(fold(dcSession), 0).map((p) => [p.topic, p.payload]));
    expect(pubs).toEqual({
      fsm_state: 'CurrentDemandRes',
      checkpoint: '705',
      soc: '32',
      full_soc: '100',
      battery_capacity: '28000',
      energy_request: '19320',
      evccid: '02005a3c4e21',
      target_voltage: '380',
      target_current: '95',
    });
    const empty = Object.fromEntries(factPublications(noFacts, 40000).map((p) => [p.topic, p.payload]));
    expect(empty).toMatchObject({ soc: '-1', battery_capacity: '-1', evccid: '', fsm_state: '', target_voltage: '-1' });
    const early = Object.fromEntries(factPublications({ session: 1, soc: 20 }, 40000).map((p) => [p.topic, p.payload]));
    expect(early.battery_capacity).toBe('40000');
  });

  it('charger/enabled: 0/1, false/true, off/on; anything else is an error', () => {
    expect(parseEnabled('0')).toEqual({ enabled: false });
    expect(parseEnabled(' false\n')).toEqual({ enabled: false });
    expect(parseEnabled('ON')).toEqual({ enabled: true });
    expect(parseEnabled('1')).toEqual({ enabled: true });
    expect(parseEnabled('stop')).toHaveProperty('error');
    expect(parseEnabled('')).toHaveProperty('error');
  });
});
