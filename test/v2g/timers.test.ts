// Every named EV timer fires, with its own name in the end reason, and is
// configurable (set short here so the cases run fast; defaults are checked
// against the standard's values).
import { describe, expect, it } from 'vitest';
import { v2gEvTimeoutDefaults, v2gEvseTimeoutDefaults, type V2gEvTimeouts } from '../../src/domain/v2g/index.js';
import { createHarness, runToEnd, stop, type HarnessOptions } from './harness.js';

const base: HarnessOptions = { plant: { battery: { initialSocPercent: 20 }, supply: { isolationCheckMs: 300 }, lock: { moveMs: 100 } } };

async function endReason(o: HarnessOptions & { timeouts?: Partial<V2gEvTimeouts> }) {
  const h = createHarness({
    ...base,
    ...o,
    plant: { ...base.plant, ...o.plant },
    ev: { protocols: ['din'], socTarget: 20, ...o.ev, timeouts: { ...v2gEvTimeoutDefaults, ...o.timeouts } },
  });
  const r = await runToEnd(h, 400_000, 20);
  const out = { ev: r.ev, ms: h.clock.now(), violations: [...h.monitor.violations] };
  stop(h);
  return out;
}

describe('named EV timers', () => {
  it('defaults are the standard values (ISO 15118-2 Table 109 / §4.4, DIN 70121)', () => {
    expect(v2gEvTimeoutDefaults.V2G_EVCC_Msg_Timeout_CurrentDemand).toBe(250);
    expect(v2gEvTimeoutDefaults.V2G_EVCC_Msg_Timeout_SessionSetup).toBe(2000);
    expect(v2gEvTimeoutDefaults.V2G_EVCC_CableCheck_Timeout).toBe(40_000);
    expect(v2gEvTimeoutDefaults.V2G_EVCC_PreCharge_Timeout).toBe(7_000);
    expect(v2gEvTimeoutDefaults.V2G_EVCC_Ongoing_Timeout).toBe(60_000);
    expect(v2gEvTimeoutDefaults.V2G_EVCC_CommunicationSetup_Timeout).toBe(20_000);
    expect(v2gEvTimeoutDefaults.V2G_EVCC_Sequence_Performance_Time).toBe(40_000);
    expect(v2gEvseTimeoutDefaults.V2G_SECC_Sequence_Timeout).toBe(60_000);
    expect(v2gEvseTimeoutDefaults.V2G_SECC_CableCheck_Performance_Time).toBe(38_000);
  });

  it('V2G_EVCC_Ongoing_Timeout: a charger that never authorizes', async () => {
    const r = await endReason({ evse: { authorizationOngoingRounds: 1_000_000 }, timeouts: { V2G_EVCC_Ongoing_Timeout: 5000 } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'V2G_EVCC_Ongoing_Timeout', waitingFor: 'Ongoing(Authorization)' } } });
  });

  it('V2G_EVCC_Ongoing_Timeout: ChargeParameterDiscovery Ongoing for ever', async () => {
    const r = await endReason({ evse: { chargeParameterOngoingRounds: 1_000_000 }, timeouts: { V2G_EVCC_Ongoing_Timeout: 5000 } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'V2G_EVCC_Ongoing_Timeout', waitingFor: 'Ongoing(ChargeParameterDiscovery)' } } });
  });

  it('V2G_EVCC_CableCheck_Timeout: an isolation check slower than the EV waits', async () => {
    const r = await endReason({ plant: { supply: { isolationCheckMs: 100_000 } }, timeouts: { V2G_EVCC_CableCheck_Timeout: 4000 } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'V2G_EVCC_CableCheck_Timeout', waitingFor: 'CableCheck' } } });
    expect(r.violations).toEqual([]);
  });

  it('V2G_EVCC_PreCharge_Timeout with the standard 7 s', async () => {
    const r = await endReason({ plant: { faults: { supply: 'current' } } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'V2G_EVCC_PreCharge_Timeout', waitingFor: 'PreCharge' } } });
  });

  it('V2G_EVCC_ReadyToCharge_Timeout: ChargeParameterDiscovery finished → PowerDelivery(Start) too slow', async () => {
    const r = await endReason({ plant: { supply: { isolationCheckMs: 3000 } }, timeouts: { V2G_EVCC_ReadyToCharge_Timeout: 2000 } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'V2G_EVCC_ReadyToCharge_Timeout', waitingFor: 'ReadyToCharge' } } });
  });

  it('V2G_EVCC_CommunicationSetup_Timeout: shorter than the message timeouts', async () => {
    const r = await endReason({ dropEvseToEv: () => true, timeouts: { V2G_EVCC_CommunicationSetup_Timeout: 500 } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'V2G_EVCC_CommunicationSetup_Timeout', waitingFor: 'CommunicationSetup' } } });
  });

  it('ConnectorLock_Timeout: a lock that moves too slowly', async () => {
    const r = await endReason({ plant: { lock: { moveMs: 5000 } } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'ConnectorLock_Timeout', waitingFor: 'ConnectorLock' } } });
  });

  it('V2G_EVCC_Sequence_Performance_Time bounds the hardware waits even with a long lock timeout', async () => {
    const r = await endReason({ plant: { lock: { moveMs: 5000 } }, timeouts: { ConnectorLock_Timeout: 60_000, V2G_EVCC_Sequence_Performance_Time: 1000 } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'V2G_EVCC_Sequence_Performance_Time', waitingFor: 'SequencePerformance(ConnectorLock)' } } });
  });

  it('Contactor_Timeout: slow contactors', async () => {
    const r = await endReason({ plant: { contactors: { closeDelayMs: 5000 } } });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'Contactor_Timeout', waitingFor: 'ContactorsClose' } } });
  });

  it('V2G_EVCC_Msg_Timeout_CurrentDemand: a 300 ms link misses the 250 ms limit', async () => {
    const r = await endReason({ latencyMs: 150 });
    expect(r.ev).toMatchObject({ result: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'V2G_EVCC_Msg_Timeout_CurrentDemand', waitingFor: 'CurrentDemand' } } });
  });

  it('…and the same link passes with the timeout configured to 1 s', async () => {
    const r = await endReason({ latencyMs: 150, timeouts: { V2G_EVCC_Msg_Timeout_CurrentDemand: 1000 } });
    expect(r.ev?.result).toBe('ChargingFinished');
  });

  it('WeldingDetection_Timeout ends a welding detection that never sees a low voltage, then SessionStop', async () => {
    const r = await endReason({ plant: { faults: { supply: 'voltage' } }, ev: { weldingMaxRounds: 1000 }, timeouts: { WeldingDetection_Timeout: 3000 } });
    // The supply output never falls: welding ends on its timer, SessionStop is sent; the unlock is not safe, so the SafeShutdownSequence takes over.
    expect(r.ev?.result).toBe('ChargingFinished');
    expect(r.violations).toEqual([]);
  });
});
