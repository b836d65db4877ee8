// What the EVSE answers to each request, and what it does to the power
// supply. Pure: it gets the facts and returns the response plus the effects;
// the machine sends and performs them. Real-equipment lessons built in
// (pyplc-inventory §1.4, §2) are marked where they apply.
import type { IsolationStatus, PowerSupplyReading } from '../../src/ports/hardware.js';
import type { V2gEvseConfig } from '../../src/domain/v2g/config.js';
import { isAcMode, type AcEvseStatus, type DcEvseStatus, type IsolationLevel, type Protocol, type V2gRequest, type V2gResponse } from '../../src/domain/v2g/model.js';
import { isolationAllowsEnergyTransfer, type SeccStage } from '../../src/domain/v2g/policy.js';

export type EvseEffect =
  | { readonly type: 'setPowerSupply'; readonly voltage: number; readonly current: number }
  | { readonly type: 'powerSupplyOff' }
  | { readonly type: 'startIsolationCheck'; readonly voltage: number }
  | { readonly type: 'closeOutputContactor' }
  | { readonly type: 'openOutputContactor' };

/** Where the isolation check stands (parallel region of the machine). */
export type IsolationProgress = { readonly state: 'idle' } | { readonly state: 'running' } | { readonly state: 'done'; readonly result: IsolationStatus | 'Timeout' };

export interface EvseFacts {
  readonly config: V2gEvseConfig;
  readonly protocol: Protocol;
  readonly reading: PowerSupplyReading;
  readonly isolation: IsolationProgress;
  readonly stopRequested: boolean;
  /** Rounds already answered Ongoing. */
  readonly authorizationRounds: number;
  readonly chargeParameterRounds: number;
  /** The EV's maximum voltage from ChargeParameterDiscoveryReq (for the isolation-check voltage). */
  readonly evMaxVoltage: number | undefined;
  /** The EV asked for an AC mode in ChargeParameterDiscoveryReq. */
  readonly acSelected: boolean;
}

export interface Answer {
  readonly res: V2gResponse;
  readonly effects: readonly EvseEffect[];
  /** The stage the session moves to if the answer is sent. */
  readonly stage: SeccStage;
}

/** The cable check finished with a result that forbids DC energy transfer (or did not finish in time). */
function isolationFailed(f: EvseFacts): boolean {
  return f.isolation.state === 'done' && !isolationAllowsEnergyTransfer(f.isolation.result);
}

function dcStatus(f: EvseFacts, isolation: IsolationLevel | undefined, code?: DcEvseStatus['statusCode']): DcEvseStatus {
  return {
    // After a failed cable check every later DC status says why the charger will not deliver (IEC 61851-23).
    statusCode: code ?? (f.stopRequested ? 'EVSE_Shutdown' : isolationFailed(f) ? 'EVSE_Malfunction' : 'EVSE_Ready'),
    ...(isolation !== undefined ? { isolation } : {}),
    notification: f.stopRequested ? 'StopCharging' : 'None',
    notificationMaxDelay: 0,
  };
}

function acStatus(f: EvseFacts, powerSwitchClosed = false): AcEvseStatus {
  return { rcd: false, powerSwitchClosed, notification: f.stopRequested ? 'StopCharging' : 'None', notificationMaxDelay: 0 };
}

function isolationVoltage(f: EvseFacts): number {
  const c = f.config;
  if (c.isolationCheckVoltage > 0) return Math.min(c.isolationCheckVoltage, c.maxVoltage);
  return Math.min(f.evMaxVoltage ?? c.maxVoltage, c.maxVoltage);
}

/**
 * EVSEIsolationStatus as measured: the insulation monitor's result once the cable check has one, else
 * Invalid ("no valid measurement": before or during the check, or a check that timed out). Never a
 * Valid nobody measured (issue 8: a car that skipped CableCheck was told Valid).
 */
function measuredIsolation(f: EvseFacts): IsolationLevel {
  return f.isolation.state === 'done' && f.isolation.result !== 'Timeout' ? f.isolation.result : 'Invalid';
}

export function answer(req: V2gRequest, f: EvseFacts): Answer {
  const c = f.config;
  switch (req.kind) {
    case 'SessionSetup':
      // SessionID handling is the machine's (it owns the random source); a new session starts with the supply off.
      return { res: { kind: 'SessionSetup', responseCode: 'OK_NewSessionEstablished', evseId: c.evseId }, effects: [{ type: 'powerSupplyOff' }], stage: 'SessionSetup' };
    case 'ServiceDiscovery':
      return {
        res: {
          kind: 'ServiceDiscovery',
          responseCode: 'OK',
          paymentOptions: ['ExternalPayment'],
          chargeService: { serviceId: 1, freeService: false, modes: c.energyTransferModes },
        },
        effects: [],
        stage: 'ServiceDiscovery',
      };
    case 'ServiceDetail':
      // Only the charge service (ServiceID 1) is offered; details of anything else: FAILED_ServiceIDInvalid.
      return {
        res: { kind: 'ServiceDetail', responseCode: req.serviceId === 1 ? 'OK' : 'FAILED_ServiceIDInvalid', serviceId: req.serviceId },
        effects: [],
        stage: 'ServiceDetail',
      };
    case 'PaymentServiceSelection':
      return {
        res: { kind: 'PaymentServiceSelection', responseCode: req.payment === 'ExternalPayment' ? 'OK' : 'FAILED_PaymentSelectionInvalid' },
        effects: [],
        stage: 'PaymentServiceSelection',
      };
    case 'Authorization':
      // pyPLC: Ongoing once, then Finished (exercises the car's loop, which DIN chargers like Alpitronic require).
      return {
        res: { kind: 'Authorization', responseCode: 'OK', processing: f.authorizationRounds < c.authorizationOngoingRounds ? 'Ongoing' : 'Finished' },
        effects: [],
        stage: 'Authorization',
      };
    case 'ChargeParameterDiscovery': {
      const processing = f.chargeParameterRounds < c.chargeParameterOngoingRounds ? 'Ongoing' : 'Finished';
      if (!c.energyTransferModes.includes(req.mode)) {
        const code = f.protocol === 'din' ? 'FAILED_WrongEnergyTransferType' : 'FAILED_WrongEnergyTransferMode';
        return { res: { kind: 'ChargeParameterDiscovery', responseCode: code, processing: 'Finished', ...chargeParameters(req, f) }, effects: [], stage: 'ChargeParameterDiscovery' };
      }
      return {
        res: { kind: 'ChargeParameterDiscovery', responseCode: 'OK', processing, schedules: [{ id: 1, pMax: c.maxPower }], ...chargeParameters(req, f) },
        effects: [],
        stage: 'ChargeParameterDiscovery',
      };
    }
    case 'CableCheck': {
      const iso = f.isolation;
      if (iso.state === 'done') {
        const ok = isolationAllowsEnergyTransfer(iso.result);
        return {
          res: {
            kind: 'CableCheck',
            responseCode: 'OK',
            processing: 'Finished',
            // A failed or timed-out check is a malfunction of the charger's output (IEC 61851-23); the isolation
            // is reported as measured (Invalid after a timeout: nothing was measured).
            dcStatus: ok ? dcStatus(f, measuredIsolation(f)) : dcStatus(f, measuredIsolation(f), 'EVSE_Malfunction'),
          },
          effects: [],
          // Only a usable result opens the way to PreCharge (src/domain/v2g/policy.ts, DC sequence).
          stage: ok ? 'CableCheckFinished' : 'CableCheckFailed',
        };
      }
      // While the check runs: Ongoing with IsolationMonitoringActive — never EVSE_NotReady, which
      // stalls an Audi Q4 (pyplc-inventory §2).
      return {
        res: { kind: 'CableCheck', responseCode: 'OK', processing: 'Ongoing', dcStatus: dcStatus(f, 'Invalid', f.stopRequested ? 'EVSE_Shutdown' : 'EVSE_IsolationMonitoringActive') },
        effects: iso.state === 'idle' ? [{ type: 'startIsolationCheck', voltage: isolationVoltage(f) }] : [],
        stage: 'CableCheckOngoing',
      };
    }
    case 'PreCharge':
      return {
        res: { kind: 'PreCharge', responseCode: 'OK', dcStatus: dcStatus(f, measuredIsolation(f)), presentVoltage: f.reading.voltage },
        // DIN / ISO-2: at most 2 A during precharge.
        effects: f.stopRequested ? [{ type: 'powerSupplyOff' }] : [{ type: 'setPowerSupply', voltage: Math.min(req.targetVoltage, c.maxVoltage), current: Math.min(req.targetCurrent, c.prechargeCurrentLimit) }],
        stage: 'PreCharge',
      };
    case 'PowerDelivery': {
      const start = req.progress === 'Start';
      const ac = f.acSelected;
      const effects: EvseEffect[] = start ? (ac ? [{ type: 'closeOutputContactor' }] : []) : ac ? [{ type: 'openOutputContactor' }] : [{ type: 'powerSupplyOff' }];
      return {
        res: ac
          ? { kind: 'PowerDelivery', responseCode: 'OK', acStatus: acStatus(f, start) }
          : { kind: 'PowerDelivery', responseCode: 'OK', dcStatus: dcStatus(f, measuredIsolation(f)) },
        effects,
        stage: start ? 'PowerDeliveryStart' : req.progress === 'Stop' ? 'PowerDeliveryStop' : 'PowerDeliveryRenegotiate',
      };
    }
    case 'CurrentDemand': {
      const voltage = Math.min(req.targetVoltage, c.maxVoltage);
      const powerCap = voltage > 0 ? c.maxPower / voltage : c.maxCurrent;
      const current = Math.max(0, Math.min(req.targetCurrent, c.maxCurrent, powerCap));
      return {
        res: {
          kind: 'CurrentDemand',
          responseCode: 'OK',
          dcStatus: dcStatus(f, measuredIsolation(f)),
          presentVoltage: f.reading.voltage,
          presentCurrent: f.reading.current,
          currentLimitAchieved: req.targetCurrent > c.maxCurrent,
          voltageLimitAchieved: req.targetVoltage > c.maxVoltage,
          powerLimitAchieved: req.targetCurrent > powerCap,
          maxVoltage: c.maxVoltage,
          maxCurrent: c.maxCurrent,
          maxPower: c.maxPower,
          evseId: c.evseId,
          saScheduleTupleId: 1,
        },
        // A stop at the charger: EVSE_Shutdown and ramp the current to 0, keep the voltage (the car opens its contactors).
        effects: [{ type: 'setPowerSupply', voltage, current: f.stopRequested ? 0 : current }],
        stage: 'CurrentDemand',
      };
    }
    case 'ChargingStatus':
      return {
        res: {
          kind: 'ChargingStatus',
          responseCode: 'OK',
          evseId: c.evseId,
          saScheduleTupleId: 1,
          maxCurrent: c.acMaxCurrent,
          meterInfo: { meterId: c.meterId },
          receiptRequired: c.receiptRequired,
          acStatus: acStatus(f, true),
        },
        effects: [],
        stage: 'ChargingStatus',
      };
    case 'MeteringReceipt':
      return { res: { kind: 'MeteringReceipt', responseCode: 'OK', acStatus: acStatus(f, true) }, effects: [], stage: 'MeteringReceipt' };
    case 'WeldingDetection':
      return {
        res: { kind: 'WeldingDetection', responseCode: 'OK', dcStatus: dcStatus(f, measuredIsolation(f)), presentVoltage: f.reading.voltage },
        effects: [{ type: 'powerSupplyOff' }],
        stage: 'WeldingDetection',
      };
    case 'SessionStop':
      return {
        res: { kind: 'SessionStop', responseCode: 'OK' },
        effects: f.acSelected ? [{ type: 'openOutputContactor' }, { type: 'powerSupplyOff' }] : [{ type: 'powerSupplyOff' }],
        stage: 'SessionStop',
      };
  }
}

function chargeParameters(req: Extract<V2gRequest, { kind: 'ChargeParameterDiscovery' }>, f: EvseFacts) {
  const c = f.config;
  if (isAcMode(req.mode)) return { ac: { status: acStatus(f), nominalVoltage: c.acNominalVoltage, maxCurrent: c.acMaxCurrent, minCurrent: 0 } };
  return {
    dc: {
      // Isolation Invalid before the cable check (pyplc-inventory §2: what real cars expect here).
      status: dcStatus(f, 'Invalid'),
      maxCurrent: c.maxCurrent,
      maxVoltage: c.maxVoltage,
      maxPower: c.maxPower,
      minCurrent: c.minCurrent,
      minVoltage: c.minVoltage,
      peakCurrentRipple: c.peakCurrentRipple,
    },
  };
}
