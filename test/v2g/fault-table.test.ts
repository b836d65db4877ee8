// Table-driven fault tests: every FAILED ResponseCode at every step, every
// DC_EVSEStatusCode in every response that carries one, a silent charger at
// every step — for DIN 70121 and ISO 15118-2 DC, through the real EXI codec,
// with the sim board, the SafeShutdownSequence and the safety monitor.
import { describe, expect, it } from 'vitest';
import { dcEvseStatusCodes, evReactionToEvseStatus, responseCodesOf, type FaultAction, type Protocol, type RequestKind } from '../../src/domain/v2g/index.js';
import { createHarness, runToEnd, stop, type HarnessOptions } from './harness.js';

interface Step {
  readonly request: RequestKind;
  readonly occurrence: number;
  readonly label: string;
}

// The DC flow as tsplc's EV runs it (SOC target = start SOC: one CurrentDemand, then the stop path).
const steps: readonly Step[] = [
  { request: 'SessionSetup', occurrence: 1, label: 'SessionSetup' },
  { request: 'ServiceDiscovery', occurrence: 1, label: 'ServiceDiscovery' },
  { request: 'PaymentServiceSelection', occurrence: 1, label: 'PaymentServiceSelection' },
  { request: 'Authorization', occurrence: 1, label: 'Authorization (Ongoing round)' },
  { request: 'Authorization', occurrence: 2, label: 'Authorization (Finished round)' },
  { request: 'ChargeParameterDiscovery', occurrence: 1, label: 'ChargeParameterDiscovery' },
  { request: 'CableCheck', occurrence: 1, label: 'CableCheck' },
  { request: 'PreCharge', occurrence: 1, label: 'PreCharge' },
  { request: 'PowerDelivery', occurrence: 1, label: 'PowerDelivery(Start)' },
  { request: 'CurrentDemand', occurrence: 1, label: 'CurrentDemand' },
  { request: 'PowerDelivery', occurrence: 2, label: 'PowerDelivery(Stop)' },
  { request: 'WeldingDetection', occurrence: 1, label: 'WeldingDetection' },
  { request: 'SessionStop', occurrence: 1, label: 'SessionStop' },
];

const statusSteps = steps.filter((s) => ['ChargeParameterDiscovery', 'CableCheck', 'PreCharge', 'PowerDelivery', 'CurrentDemand', 'WeldingDetection'].includes(s.request));

function options(protocol: Protocol, step: Step, action: FaultAction): HarnessOptions {
  return {
    ev: { protocols: [protocol], socTarget: 20 },
    evse: { protocolPreference: [protocol] },
    plant: { battery: { initialSocPercent: 20 }, supply: { isolationCheckMs: 300 }, lock: { moveMs: 100 } },
    faults: { name: `${step.label}:${action.type}`, rules: [{ request: step.request, occurrence: step.occurrence, action }] },
  };
}

async function run(o: HarnessOptions) {
  const h = createHarness(o);
  const r = await runToEnd(h, 120_000, 20);
  const out = { ev: r.ev, violations: [...h.monitor.violations], shutdown: h.shutdownOutput, codecErrors: [...h.codecErrors], hadShutdown: h.shutdownRequested };
  stop(h);
  return out;
}

/** Steps after which the charge is over anyway: a FAILED or missing answer there ends the session normally (Alpitronic / ABB, pyplc-inventory §1.3). */
const tolerant = new Set<RequestKind>(['WeldingDetection', 'SessionStop']);

describe.each<[string, Protocol]>([
  ['DIN 70121', 'din'],
  ['ISO 15118-2', 'iso2'],
])('%s DC fault table', (_name, protocol) => {
  const failedCodes = responseCodesOf(protocol).filter((c) => c.startsWith('FAILED'));

  describe.each(steps.map((s) => [s.label, s] as const))('FAILED codes in %sRes', (_label, step) => {
    it.each(failedCodes.map((c) => [c]))('%s', async (code) => {
      const r = await run(options(protocol, step, { type: 'responseCode', code }));
      expect(r.codecErrors).toEqual([]);
      expect(r.violations).toEqual([]);
      if (tolerant.has(step.request)) {
        expect(r.ev).toMatchObject({ result: 'ChargingFinished' });
      } else {
        expect(r.ev).toMatchObject({ result: 'SafeShutdown', responseCode: code });
        expect(r.ev?.reason).toContain(code);
        expect(r.hadShutdown).toBe(true);
        expect(r.shutdown?.endState).toBe('Finished');
      }
    });
  });

  describe.each(statusSteps.map((s) => [s.label, s] as const))('DC_EVSEStatusCode in %sRes', (_label, step) => {
    it.each(dcEvseStatusCodes.map((c) => [c]))('%s', async (code) => {
      const r = await run(options(protocol, step, { type: 'evseStatusCode', code }));
      expect(r.codecErrors).toEqual([]);
      expect(r.violations).toEqual([]);
      const reaction = evReactionToEvseStatus(code);
      if (reaction.action === 'safeShutdown') {
        expect(r.ev).toMatchObject({ result: 'SafeShutdown', evseStatusCode: code });
        expect(r.shutdown?.endState).toBe('Finished');
      } else if (reaction.action === 'gracefulStop' && !(step.request === 'WeldingDetection' || step.occurrence === 2)) {
        // A charger-side stop: graceful end with the charger's reason.
        expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: code });
      } else {
        // Carry on (or the stop was already under way).
        expect(r.ev).toMatchObject({ result: 'ChargingFinished', reason: 'SocTargetReached' });
      }
    });
  });

  it.each(steps.map((s) => [s.label, s] as const))('silent charger at %s: EV timeout → SafeShutdown (tolerated after the charge)', async (_label, step) => {
    const r = await run(options(protocol, step, { type: 'noResponse' }));
    expect(r.violations).toEqual([]);
    if (tolerant.has(step.request)) expect(r.ev?.result).toBe('ChargingFinished');
    else {
      expect(r.ev?.result).toBe('SafeShutdown');
      expect(r.ev?.reason).toMatch(/^Timeout:/);
      expect(r.shutdown?.endState).toBe('Finished');
    }
  });
});
