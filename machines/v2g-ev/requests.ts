// What the EV puts into each request, from its configuration, the battery
// facts and what the EVSE announced. Pure functions, so the values are
// testable without running the machine.
import type { BatteryState } from '../../src/ports/hardware.js';
import type { ChargeParameters } from '../../src/ports/charge-parameters.js';
import type { V2gEvConfig } from '../../src/domain/v2g/config.js';
import { isAcMode, type DcEvStatus, type RequestKind, type V2gRequest } from '../../src/domain/v2g/model.js';

export interface EvseLimits {
  readonly maxVoltage: number;
  readonly maxCurrent: number;
  readonly maxPower?: number;
  readonly minVoltage?: number;
}

export interface RequestFacts {
  readonly config: V2gEvConfig;
  readonly battery: BatteryState;
  readonly evse?: EvseLimits;
  readonly saScheduleTupleId?: number;
  readonly sessionId: Uint8Array;
  /** For MeteringReceiptReq: the MeterInfo of the last ChargingStatusRes. */
  readonly meterInfo?: { readonly meterId: string; readonly reading?: number; readonly tMeter?: number };
  /** A charge-parameter source: its targets replace the battery's (src/ports/charge-parameters.ts). */
  readonly source?: ChargeParameters;
}

export function evStatus(f: RequestFacts): DcEvStatus {
  return { ready: true, errorCode: 'NO_ERROR', soc: f.battery.socPercent };
}

/** Charge current the EV asks for: battery limit, the configured cap and the EVSE's maximum. */
export function chargeCurrent(f: RequestFacts): number {
  const caps = [f.source ? f.source.targetCurrent : f.battery.maxCurrent];
  if (f.config.chargeCurrentLimit > 0) caps.push(f.config.chargeCurrentLimit);
  if (f.evse) caps.push(f.evse.maxCurrent);
  return Math.max(0, Math.min(...caps));
}

export function chargeVoltage(f: RequestFacts): number {
  const v = f.source ? f.source.targetVoltage : f.config.chargeTargetVoltage > 0 ? f.config.chargeTargetVoltage : f.battery.maxVoltage;
  return f.evse ? Math.min(v, f.evse.maxVoltage) : v;
}

function energyRequest(f: RequestFacts): number {
  if (f.config.energyRequestWh > 0) return f.config.energyRequestWh;
  return Math.max(0, Math.round((f.battery.capacityWh * (f.config.fullSoc - f.battery.socPercent)) / 100));
}

/** Seconds to reach `targetSoc` at the present charge power, if it can be estimated. */
function remainingTime(f: RequestFacts, targetSoc: number): number | undefined {
  const power = chargeVoltage(f) * chargeCurrent(f);
  if (power <= 0 || f.battery.capacityWh <= 0) return undefined;
  const wh = (f.battery.capacityWh * Math.max(0, targetSoc - f.battery.socPercent)) / 100;
  return Math.round((wh / power) * 3600);
}

export function buildRequest(kind: RequestKind, f: RequestFacts, opts: { stop?: boolean } = {}): V2gRequest {
  const c = f.config;
  switch (kind) {
    case 'SessionSetup':
      return { kind, evccId: c.evccId };
    case 'ServiceDiscovery':
      return { kind };
    case 'ServiceDetail':
      return { kind, serviceId: 1 };
    case 'PaymentServiceSelection':
      // ServiceID 1 = the charge service (ServiceDiscoveryRes ChargeService).
      return { kind, payment: 'ExternalPayment', serviceIds: [1] };
    case 'Authorization':
      return { kind };
    case 'ChargeParameterDiscovery':
      if (isAcMode(c.energyTransferMode))
        return {
          kind,
          mode: c.energyTransferMode,
          ac: { energyAmountWh: energyRequest(f), maxVoltage: c.acMaxVoltage, maxCurrent: c.acMaxCurrent, minCurrent: c.acMinCurrent },
        };
      // Every optional limit is sent: some chargers reject the request without them (pyplc-inventory §2).
      return {
        kind,
        mode: c.energyTransferMode,
        dc: {
          evStatus: evStatus(f),
          maxCurrent: chargeCurrent(f),
          maxVoltage: f.battery.maxVoltage,
          maxPower: c.maxPower,
          energyCapacityWh: f.battery.capacityWh,
          energyRequestWh: energyRequest(f),
          fullSoc: c.fullSoc,
          bulkSoc: c.bulkSoc,
        },
      };
    case 'CableCheck':
    case 'WeldingDetection':
      return { kind, evStatus: evStatus(f) };
    case 'PreCharge':
      return { kind, evStatus: evStatus(f), targetVoltage: f.source ? f.source.prechargeVoltage : f.battery.voltage, targetCurrent: c.prechargeCurrent };
    case 'PowerDelivery': {
      const progress = opts.stop ? 'Stop' : 'Start';
      const id = f.saScheduleTupleId ?? 1;
      if (isAcMode(c.energyTransferMode)) return { kind, progress, saScheduleTupleId: id };
      return {
        kind,
        progress,
        saScheduleTupleId: id,
        dc: { evStatus: evStatus(f), bulkChargingComplete: opts.stop === true, chargingComplete: opts.stop === true },
      };
    }
    case 'CurrentDemand': {
      const soc = f.battery.socPercent;
      const full = remainingTime(f, 100);
      const bulk = remainingTime(f, c.bulkSoc);
      return {
        kind,
        evStatus: evStatus(f),
        targetVoltage: chargeVoltage(f),
        targetCurrent: chargeCurrent(f),
        maxVoltage: f.battery.maxVoltage,
        maxCurrent: f.battery.maxCurrent,
        maxPower: c.maxPower,
        bulkChargingComplete: soc >= c.bulkSoc,
        chargingComplete: soc >= c.socTarget,
        ...(full !== undefined ? { remainingTimeToFullSoc: full } : {}),
        ...(bulk !== undefined ? { remainingTimeToBulkSoc: bulk } : {}),
      };
    }
    case 'ChargingStatus':
      return { kind };
    case 'MeteringReceipt':
      return {
        kind,
        sessionId: f.sessionId,
        meterInfo: f.meterInfo ?? { meterId: 'unknown' },
        ...(f.saScheduleTupleId !== undefined ? { saScheduleTupleId: f.saScheduleTupleId } : {}),
      };
    case 'SessionStop':
      return { kind, chargingSession: 'Terminate' };
  }
}
