// The display's facts, folded from status updates, readings and V2G messages (pure).
import { describe, it, expect } from 'vitest';
import { foldMeasurement, foldRequest, foldResponse, foldStatus, initialFacts, limitingSide, protocolName } from '../../src/outputs/display/facts.js';
import type { StatusUpdate } from '../../src/status.js';

const fold = (role: 'EV' | 'EVSE', us: StatusUpdate[]) => us.reduce(foldStatus, initialFacts(role));

describe('display facts', () => {
  it('names the stage by the message pair; a response keeps its request\'s Start/Stop', () => {
    const ev = fold('EV', [
      { layer: 'session', state: 'PowerDeliveryStop', checkpoint: 800, time: 1 },
      { layer: 'session', state: 'PowerDeliveryRes', checkpoint: 806, time: 2 },
    ]);
    expect(ev.stage).toBe('PowerDeliveryStop');
    const evse = fold('EVSE', [
      { layer: 'session', state: 'SupportedAppProtocolReq', checkpoint: 401, time: 1 },
      { layer: 'session', state: 'CurrentDemandRes', checkpoint: 700, time: 2, details: { responseCode: 'OK', soc: 55 } },
    ]);
    expect(evse).toMatchObject({ stage: 'CurrentDemand', soc: 55, checkpoint: 700 });
  });

  it('a new plug-in after an ended session restarts the clock and energy and forgets the fault', () => {
    let f = fold('EV', [
      { layer: 'slac', state: 'start', checkpoint: 100, time: 1000 },
      { layer: 'session', state: 'SafeShutdown', time: 5000, details: { reason: 'CableCheckRes FAILED' } },
      { layer: 'session', state: 'ChargingFinished', checkpoint: 905, time: 6000 },
    ]);
    expect(f).toMatchObject({ startedAt: 1000, endedAt: 6000, fault: { code: 'SafeShutdown', detail: 'CableCheckRes FAILED' } });
    f = foldStatus(f, { layer: 'slac', state: 'start', checkpoint: 100, time: 9000 });
    expect(f.startedAt).toBe(9000);
    expect(f.endedAt).toBeUndefined();
    expect(f.fault).toBeUndefined();
  });

  it('integrates U·I from the readings while a session runs, not after its end', () => {
    let f = foldStatus(initialFacts('EV'), { layer: 'slac', state: 'start', checkpoint: 100, time: 0 });
    f = foldMeasurement(f, { voltage: 400, current: 100 }, 0);
    f = foldMeasurement(f, { current: 100 }, 3_600_000); // one hour at 40 kW
    expect(f.energyWh).toBeCloseTo(40_000, 6);
    f = foldStatus(f, { layer: 'session', state: 'ChargingFinished', checkpoint: 905, time: 3_600_000 });
    f = foldMeasurement(f, { current: 100 }, 7_200_000);
    expect(f.energyWh).toBeCloseTo(40_000, 6);
  });

  it('the limiting side: the charger when it says so or when the car asks for its maximum, else the car', () => {
    let f = foldResponse(initialFacts('EV'), { kind: 'ChargeParameterDiscovery', responseCode: 'OK', processing: 'Finished', dc: { status: { isolation: 'Valid', statusCode: 'EVSE_Ready', notification: 'None', notificationMaxDelay: 0 }, maxCurrent: 125, maxVoltage: 500, maxPower: 50000, minCurrent: 0, minVoltage: 50, peakCurrentRipple: 5 } } as never);
    f = foldRequest(f, { kind: 'CurrentDemand', evStatus: { ready: true, errorCode: 'NO_ERROR', soc: 50 }, targetVoltage: 400, targetCurrent: 100, chargingComplete: false } as never);
    expect(limitingSide(f)).toEqual({ side: 'car', what: 'current' });
    f = foldRequest(f, { kind: 'CurrentDemand', evStatus: { ready: true, errorCode: 'NO_ERROR', soc: 50 }, targetVoltage: 400, targetCurrent: 125, chargingComplete: false } as never);
    expect(limitingSide(f)).toEqual({ side: 'charger', what: 'current' });
    f = foldResponse(f, { kind: 'CurrentDemand', responseCode: 'OK', dcStatus: {} as never, presentVoltage: 400, presentCurrent: 120, currentLimitAchieved: false, voltageLimitAchieved: false, powerLimitAchieved: true } as never);
    expect(limitingSide(f)).toEqual({ side: 'charger', what: 'power' });
  });

  it('short protocol names', () => {
    expect(protocolName('urn:din:70121:2012:MsgDef')).toBe('DIN');
    expect(protocolName('urn:iso:15118:2:2013:MsgDef')).toBe('ISO-2');
    expect(protocolName('iso2')).toBe('ISO-2');
  });
});
