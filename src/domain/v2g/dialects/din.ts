// DIN SPEC 70121:2012 dialect (urn:din:70121:2012:MsgDef): neutral model ⇄
// DIN documents. Element names as in din_spec/V2G_CI_MsgBody.xsd and
// V2G_CI_MsgDataTypes.xsd.
import type { Result } from '../../../result.js';
import type { V2gDocument, V2gMessageDocument } from '../document.js';
import {
  dcEvseStatusCodes,
  iso2OnlyResponseCodes,
  responseCodesOf,
  type AcEvseStatus,
  type DcEvErrorCode,
  type DcEvStatus,
  type DcEvseStatus,
  type EnergyTransferMode,
  type EvseNotification,
  type EvseProcessing,
  type IsolationLevel,
  type MeterInfo,
  type PaymentOption,
  type RequestKind,
  type V2gEnvelope,
  type V2gRequest,
  type V2gResponse,
} from '../model.js';
import type * as S from '../../../codecs/exi/generated/din.js';
import { as, bodyElement, clean, fail, guard, message, opt, Rd, toLong, toPhysical, type Dialect, type DialectError, type UnitSymbol } from './common.js';

const responseCodes = responseCodesOf('din');
const processing: readonly EvseProcessing[] = ['Finished', 'Ongoing'];
const notifications: readonly EvseNotification[] = ['None', 'StopCharging', 'ReNegotiation'];
const isolationLevels: readonly IsolationLevel[] = ['Invalid', 'Valid', 'Warning', 'Fault'];
const payments: readonly PaymentOption[] = ['Contract', 'ExternalPayment'];
const evErrorCodes: readonly DcEvErrorCode[] = [
  'NO_ERROR',
  'FAILED_RESSTemperatureInhibit',
  'FAILED_EVShiftPosition',
  'FAILED_ChargerConnectorLockFault',
  'FAILED_EVRESSMalfunction',
  'FAILED_ChargingCurrentdifferential',
  'FAILED_ChargingVoltageOutOfRange',
  'Reserved_A',
  'Reserved_B',
  'Reserved_C',
  'FAILED_ChargingSystemIncompatibility',
  'NoData',
];
const requestedTransfer: readonly EnergyTransferMode[] = ['AC_single_phase_core', 'AC_three_phase_core', 'DC_core', 'DC_extended', 'DC_combo_core', 'DC_unique'];
const supportedTransfer = [
  'AC_single_phase_core',
  'AC_three_phase_core',
  'DC_core',
  'DC_extended',
  'DC_combo_core',
  'DC_dual',
  'AC_core1p_DC_extended',
  'AC_single_DC_core',
  'AC_single_phase_three_phase_core_DC_extended',
  'AC_core3p_DC_extended',
] as const;

const reqElement: Record<RequestKind, string> = {
  SessionSetup: 'SessionSetupReq',
  ServiceDiscovery: 'ServiceDiscoveryReq',
  ServiceDetail: 'ServiceDetailReq',
  PaymentServiceSelection: 'ServicePaymentSelectionReq',
  Authorization: 'ContractAuthenticationReq',
  ChargeParameterDiscovery: 'ChargeParameterDiscoveryReq',
  CableCheck: 'CableCheckReq',
  PreCharge: 'PreChargeReq',
  PowerDelivery: 'PowerDeliveryReq',
  CurrentDemand: 'CurrentDemandReq',
  ChargingStatus: 'ChargingStatusReq',
  MeteringReceipt: 'MeteringReceiptReq',
  WeldingDetection: 'WeldingDetectionReq',
  SessionStop: 'SessionStopReq',
};
const resElement = Object.fromEntries(Object.entries(reqElement).map(([k, v]) => [k, v.replace(/Req$/, 'Res')])) as Record<RequestKind, string>;
const kindOfReq = new Map(Object.entries(reqElement).map(([k, v]) => [v, k as RequestKind]));
const kindOfRes = new Map(Object.entries(resElement).map(([k, v]) => [v, k as RequestKind]));

// --- shared element mappings -------------------------------------------------

function dcEvStatusDoc(s: DcEvStatus): S.DC_EVStatusType {
  return { EVReady: s.ready, EVErrorCode: s.errorCode, EVRESSSOC: Math.round(Math.min(100, Math.max(0, s.soc))) };
}
function readDcEvStatus(r: Rd): DcEvStatus {
  return { ready: r.bool('EVReady'), errorCode: r.enumOf('EVErrorCode', evErrorCodes), soc: r.num('EVRESSSOC') };
}
function dcEvseStatusDoc(s: DcEvseStatus): S.DC_EVSEStatusType {
  // DIN has no No_IMD; the nearest statement the schema allows is Invalid.
  const iso = s.isolation === 'No_IMD' ? 'Invalid' : s.isolation;
  return clean<S.DC_EVSEStatusType>({ EVSEIsolationStatus: iso, EVSEStatusCode: s.statusCode, NotificationMaxDelay: s.notificationMaxDelay, EVSENotification: s.notification });
}
function readDcEvseStatus(r: Rd): DcEvseStatus {
  const isolation = r.optEnum('EVSEIsolationStatus', isolationLevels);
  return {
    statusCode: r.enumOf('EVSEStatusCode', dcEvseStatusCodes),
    ...(isolation !== undefined ? { isolation } : {}),
    notification: r.enumOf('EVSENotification', notifications),
    notificationMaxDelay: r.num('NotificationMaxDelay'),
  };
}
function acEvseStatusDoc(s: AcEvseStatus): S.AC_EVSEStatusType {
  return { PowerSwitchClosed: s.powerSwitchClosed ?? false, RCD: s.rcd, NotificationMaxDelay: s.notificationMaxDelay, EVSENotification: s.notification };
}
function readAcEvseStatus(r: Rd): AcEvseStatus {
  return {
    powerSwitchClosed: r.bool('PowerSwitchClosed'),
    rcd: r.bool('RCD'),
    notificationMaxDelay: r.num('NotificationMaxDelay'),
    notification: r.enumOf('EVSENotification', notifications),
  };
}
function meterInfoDoc(m: MeterInfo): S.MeterInfoType {
  return clean<S.MeterInfoType>({ MeterID: m.meterId, MeterReading: m.reading !== undefined ? toPhysical(m.reading, 'Wh') : undefined, TMeter: opt(m.tMeter, toLong) });
}
function readMeterInfo(r: Rd): MeterInfo {
  const reading = r.optPv('MeterReading');
  const tMeter = r.optNum('TMeter');
  return { meterId: r.str('MeterID'), ...(reading !== undefined ? { reading } : {}), ...(tMeter !== undefined ? { tMeter } : {}) };
}
const pv = (v: number, unit: UnitSymbol): S.PhysicalValueType => toPhysical(v, unit);

// --- requests --------------------------------------------------------------

function requestBody(req: V2gRequest): object {
  switch (req.kind) {
    case 'SessionSetup':
      return as<S.SessionSetupReqType>({ EVCCID: req.evccId });
    case 'ServiceDiscovery':
      return clean<S.ServiceDiscoveryReqType>({ ServiceCategory: req.serviceCategory });
    case 'ServiceDetail':
      return as<S.ServiceDetailReqType>({ ServiceID: req.serviceId });
    case 'PaymentServiceSelection':
      return as<S.ServicePaymentSelectionReqType>({ SelectedPaymentOption: req.payment, SelectedServiceList: { SelectedService: req.serviceIds.map((id) => ({ ServiceID: id })) } });
    case 'Authorization':
      return as<S.ContractAuthenticationReqType>({});
    case 'ChargeParameterDiscovery': {
      if (req.dc) {
        const d = req.dc;
        return as<S.ChargeParameterDiscoveryReqType>({
          EVRequestedEnergyTransferType: req.mode,
          DC_EVChargeParameter: clean<S.DC_EVChargeParameterType>({
            DC_EVStatus: dcEvStatusDoc(d.evStatus),
            EVMaximumCurrentLimit: pv(d.maxCurrent, 'A'),
            EVMaximumPowerLimit: opt(d.maxPower, (v) => pv(v, 'W')),
            EVMaximumVoltageLimit: pv(d.maxVoltage, 'V'),
            EVEnergyCapacity: opt(d.energyCapacityWh, (v) => pv(v, 'Wh')),
            EVEnergyRequest: opt(d.energyRequestWh, (v) => pv(v, 'Wh')),
            FullSOC: d.fullSoc,
            BulkSOC: d.bulkSoc,
          }),
        });
      }
      const a = req.ac;
      if (!a) return fail('MISSING_PARAMETER', 'ChargeParameterDiscovery needs dc or ac parameters', 'ChargeParameterDiscoveryReq');
      return as<S.ChargeParameterDiscoveryReqType>({
        EVRequestedEnergyTransferType: req.mode,
        AC_EVChargeParameter: {
          DepartureTime: a.departureTime ?? 0,
          EAmount: pv(a.energyAmountWh, 'Wh'),
          EVMaxVoltage: pv(a.maxVoltage, 'V'),
          EVMaxCurrent: pv(a.maxCurrent, 'A'),
          EVMinCurrent: pv(a.minCurrent, 'A'),
        },
      });
    }
    case 'CableCheck':
    case 'WeldingDetection':
      return as<S.CableCheckReqType>({ DC_EVStatus: dcEvStatusDoc(req.evStatus) });
    case 'PreCharge':
      return as<S.PreChargeReqType>({ DC_EVStatus: dcEvStatusDoc(req.evStatus), EVTargetVoltage: pv(req.targetVoltage, 'V'), EVTargetCurrent: pv(req.targetCurrent, 'A') });
    case 'PowerDelivery':
      if (req.progress === 'Renegotiate') return fail('NOT_IN_SCHEMA', 'DIN 70121 has no renegotiation', 'PowerDeliveryReq');
      // Real chargers reject anything but a true boolean here (pyplc-inventory §2).
      return clean<S.PowerDeliveryReqType>({
        ReadyToChargeState: req.progress === 'Start',
        DC_EVPowerDeliveryParameter: opt(req.dc, (d) =>
          clean<S.DC_EVPowerDeliveryParameterType>({ DC_EVStatus: dcEvStatusDoc(d.evStatus), BulkChargingComplete: d.bulkChargingComplete, ChargingComplete: d.chargingComplete }),
        ),
      });
    case 'CurrentDemand':
      return clean<S.CurrentDemandReqType>({
        DC_EVStatus: dcEvStatusDoc(req.evStatus),
        EVTargetCurrent: pv(req.targetCurrent, 'A'),
        EVMaximumVoltageLimit: opt(req.maxVoltage, (v) => pv(v, 'V')),
        EVMaximumCurrentLimit: opt(req.maxCurrent, (v) => pv(v, 'A')),
        EVMaximumPowerLimit: opt(req.maxPower, (v) => pv(v, 'W')),
        BulkChargingComplete: req.bulkChargingComplete,
        ChargingComplete: req.chargingComplete,
        RemainingTimeToFullSoC: opt(req.remainingTimeToFullSoc, (v) => pv(v, 's')),
        RemainingTimeToBulkSoC: opt(req.remainingTimeToBulkSoc, (v) => pv(v, 's')),
        EVTargetVoltage: pv(req.targetVoltage, 'V'),
      });
    case 'ChargingStatus':
      return as<S.ChargingStatusReqType>({});
    case 'MeteringReceipt':
      return clean<S.MeteringReceiptReqType>({ SessionID: req.sessionId, SAScheduleTupleID: req.saScheduleTupleId, MeterInfo: meterInfoDoc(req.meterInfo) });
    case 'SessionStop':
      return as<S.SessionStopType>({});
  }
}

function readRequest(kind: RequestKind, r: Rd): V2gRequest {
  switch (kind) {
    case 'SessionSetup':
      return { kind, evccId: r.bytes('EVCCID') };
    case 'ServiceDiscovery':
      return { kind };
    case 'ServiceDetail':
      return { kind, serviceId: r.num('ServiceID') };
    case 'PaymentServiceSelection':
      return {
        kind,
        payment: r.enumOf('SelectedPaymentOption', payments),
        serviceIds: r.obj('SelectedServiceList').list('SelectedService').map((s) => s.num('ServiceID')),
      };
    case 'Authorization':
      return { kind };
    case 'ChargeParameterDiscovery': {
      const mode = r.enumOf('EVRequestedEnergyTransferType', requestedTransfer);
      const dc = r.optObj('DC_EVChargeParameter');
      if (dc) {
        const maxPower = dc.optPv('EVMaximumPowerLimit');
        const cap = dc.optPv('EVEnergyCapacity');
        const request = dc.optPv('EVEnergyRequest');
        const full = dc.optNum('FullSOC');
        const bulk = dc.optNum('BulkSOC');
        return {
          kind,
          mode,
          dc: {
            evStatus: readDcEvStatus(dc.obj('DC_EVStatus')),
            maxCurrent: dc.pv('EVMaximumCurrentLimit'),
            maxVoltage: dc.pv('EVMaximumVoltageLimit'),
            ...(maxPower !== undefined ? { maxPower } : {}),
            ...(cap !== undefined ? { energyCapacityWh: cap } : {}),
            ...(request !== undefined ? { energyRequestWh: request } : {}),
            ...(full !== undefined ? { fullSoc: full } : {}),
            ...(bulk !== undefined ? { bulkSoc: bulk } : {}),
          },
        };
      }
      const ac = r.obj('AC_EVChargeParameter');
      return {
        kind,
        mode,
        ac: {
          departureTime: ac.num('DepartureTime'),
          energyAmountWh: ac.pv('EAmount'),
          maxVoltage: ac.pv('EVMaxVoltage'),
          maxCurrent: ac.pv('EVMaxCurrent'),
          minCurrent: ac.pv('EVMinCurrent'),
        },
      };
    }
    case 'CableCheck':
    case 'WeldingDetection':
      return { kind, evStatus: readDcEvStatus(r.obj('DC_EVStatus')) };
    case 'PreCharge':
      return { kind, evStatus: readDcEvStatus(r.obj('DC_EVStatus')), targetVoltage: r.pv('EVTargetVoltage'), targetCurrent: r.pv('EVTargetCurrent') };
    case 'PowerDelivery': {
      const p = r.optObj('DC_EVPowerDeliveryParameter');
      const bulk = p?.optBool('BulkChargingComplete');
      return {
        kind,
        progress: r.bool('ReadyToChargeState') ? 'Start' : 'Stop',
        ...(p
          ? { dc: { evStatus: readDcEvStatus(p.obj('DC_EVStatus')), chargingComplete: p.bool('ChargingComplete'), ...(bulk !== undefined ? { bulkChargingComplete: bulk } : {}) } }
          : {}),
      };
    }
    case 'CurrentDemand': {
      const o = {
        maxVoltage: r.optPv('EVMaximumVoltageLimit'),
        maxCurrent: r.optPv('EVMaximumCurrentLimit'),
        maxPower: r.optPv('EVMaximumPowerLimit'),
        bulkChargingComplete: r.optBool('BulkChargingComplete'),
        remainingTimeToFullSoc: r.optPv('RemainingTimeToFullSoC'),
        remainingTimeToBulkSoc: r.optPv('RemainingTimeToBulkSoC'),
      };
      return {
        kind,
        evStatus: readDcEvStatus(r.obj('DC_EVStatus')),
        targetCurrent: r.pv('EVTargetCurrent'),
        targetVoltage: r.pv('EVTargetVoltage'),
        chargingComplete: r.bool('ChargingComplete'),
        ...clean(o),
      };
    }
    case 'ChargingStatus':
      return { kind };
    case 'MeteringReceipt': {
      const id = r.optNum('SAScheduleTupleID');
      return { kind, sessionId: r.bytes('SessionID'), meterInfo: readMeterInfo(r.obj('MeterInfo')), ...(id !== undefined ? { saScheduleTupleId: id } : {}) };
    }
    case 'SessionStop':
      return { kind, chargingSession: 'Terminate' };
  }
}

// --- responses -------------------------------------------------------------

function responseBody(res: V2gResponse): object {
  if ((iso2OnlyResponseCodes as readonly string[]).includes(res.responseCode))
    fail('NOT_IN_SCHEMA', `ResponseCode ${res.responseCode} does not exist in DIN 70121`, `${resElement[res.kind]}.ResponseCode`);
  // Codes of the other schema were refused above.
  const rc = { ResponseCode: res.responseCode as S.responseCodeType };
  switch (res.kind) {
    case 'SessionSetup':
      return clean<S.SessionSetupResType>({ ...rc, EVSEID: res.evseId, DateTimeNow: opt(res.timestamp, toLong) });
    case 'ServiceDiscovery':
      return as<S.ServiceDiscoveryResType>({
        ...rc,
        PaymentOptions: { PaymentOption: [...res.paymentOptions] },
        ChargeService: {
          ServiceTag: { ServiceID: res.chargeService.serviceId, ServiceCategory: 'EVCharging' },
          FreeService: res.chargeService.freeService,
          // DIN announces one EnergyTransferType; DC_extended is what DIN cars ask for.
          EnergyTransferType: dinSupported(res.chargeService.modes[0]),
        },
      });
    case 'ServiceDetail':
      return as<S.ServiceDetailResType>({ ...rc, ServiceID: res.serviceId });
    case 'PaymentServiceSelection':
    case 'SessionStop':
      return as<S.ServicePaymentSelectionResType>(rc);
    case 'Authorization':
      return as<S.ContractAuthenticationResType>({ ...rc, EVSEProcessing: res.processing === 'Finished' ? 'Finished' : 'Ongoing' });
    case 'ChargeParameterDiscovery': {
      const schedules = res.schedules && res.schedules.length > 0 ? res.schedules : [{ id: 1, pMax: 32767 }];
      const base = as<Omit<S.ChargeParameterDiscoveryResType, 'EVSEChargeParameter' | 'DC_EVSEChargeParameter' | 'AC_EVSEChargeParameter'>>({
        ...rc,
        EVSEProcessing: res.processing === 'Finished' ? 'Finished' : 'Ongoing',
        // SASchedules is mandatory in DIN. PMax is a bare short; ⚠ its unit is unspecified in the schema, cap it.
        SAScheduleList: {
          SAScheduleTuple: schedules.map((s) => ({
            SAScheduleTupleID: s.id,
            PMaxSchedule: {
              PMaxScheduleID: s.id,
              PMaxScheduleEntry: [{ RelativeTimeInterval: clean<S.RelativeTimeIntervalType>({ start: 0, duration: s.duration }), PMax: Math.min(32767, Math.round(s.pMax)) }],
            },
          })),
        },
      });
      if (res.dc) {
        const d = res.dc;
        return as<S.ChargeParameterDiscoveryResType>({
          ...base,
          DC_EVSEChargeParameter: clean<S.DC_EVSEChargeParameterType>({
            DC_EVSEStatus: dcEvseStatusDoc(d.status),
            EVSEMaximumCurrentLimit: pv(d.maxCurrent, 'A'),
            EVSEMaximumPowerLimit: opt(d.maxPower, (v) => pv(v, 'W')),
            EVSEMaximumVoltageLimit: pv(d.maxVoltage, 'V'),
            EVSEMinimumCurrentLimit: pv(d.minCurrent, 'A'),
            EVSEMinimumVoltageLimit: pv(d.minVoltage, 'V'),
            EVSECurrentRegulationTolerance: opt(d.currentRegulationTolerance, (v) => pv(v, 'A')),
            EVSEPeakCurrentRipple: pv(d.peakCurrentRipple, 'A'),
            EVSEEnergyToBeDelivered: opt(d.energyToBeDeliveredWh, (v) => pv(v, 'Wh')),
          }),
        });
      }
      const a = res.ac;
      if (!a) return fail('MISSING_PARAMETER', 'ChargeParameterDiscoveryRes needs dc or ac parameters', 'ChargeParameterDiscoveryRes');
      return as<S.ChargeParameterDiscoveryResType>({
        ...base,
        AC_EVSEChargeParameter: {
          AC_EVSEStatus: acEvseStatusDoc(a.status),
          EVSEMaxVoltage: pv(a.nominalVoltage, 'V'),
          EVSEMaxCurrent: pv(a.maxCurrent, 'A'),
          EVSEMinCurrent: pv(a.minCurrent ?? 0, 'A'),
        },
      });
    }
    case 'CableCheck':
      return as<S.CableCheckResType>({ ...rc, DC_EVSEStatus: dcEvseStatusDoc(res.dcStatus), EVSEProcessing: res.processing === 'Finished' ? 'Finished' : 'Ongoing' });
    case 'PreCharge':
    case 'WeldingDetection':
      return as<S.PreChargeResType>({ ...rc, DC_EVSEStatus: dcEvseStatusDoc(res.dcStatus), EVSEPresentVoltage: pv(res.presentVoltage, 'V') });
    case 'PowerDelivery':
    case 'MeteringReceipt':
      if (res.dcStatus) return as<S.PowerDeliveryResType>({ ...rc, DC_EVSEStatus: dcEvseStatusDoc(res.dcStatus) });
      if (res.acStatus) return as<S.PowerDeliveryResType>({ ...rc, AC_EVSEStatus: acEvseStatusDoc(res.acStatus) });
      return fail('MISSING_PARAMETER', `${res.kind}Res needs an EVSEStatus`, resElement[res.kind]);
    case 'CurrentDemand':
      return clean<S.CurrentDemandResType>({
        ...rc,
        DC_EVSEStatus: dcEvseStatusDoc(res.dcStatus),
        EVSEPresentVoltage: pv(res.presentVoltage, 'V'),
        EVSEPresentCurrent: pv(res.presentCurrent, 'A'),
        EVSECurrentLimitAchieved: res.currentLimitAchieved,
        EVSEVoltageLimitAchieved: res.voltageLimitAchieved,
        EVSEPowerLimitAchieved: res.powerLimitAchieved,
        EVSEMaximumVoltageLimit: opt(res.maxVoltage, (v) => pv(v, 'V')),
        EVSEMaximumCurrentLimit: opt(res.maxCurrent, (v) => pv(v, 'A')),
        EVSEMaximumPowerLimit: opt(res.maxPower, (v) => pv(v, 'W')),
      });
    case 'ChargingStatus':
      return clean<S.ChargingStatusResType>({
        ...rc,
        EVSEID: res.evseId,
        SAScheduleTupleID: res.saScheduleTupleId,
        EVSEMaxCurrent: opt(res.maxCurrent, (v) => pv(v, 'A')),
        MeterInfo: opt(res.meterInfo, meterInfoDoc),
        ReceiptRequired: res.receiptRequired ?? false,
        AC_EVSEStatus: acEvseStatusDoc(res.acStatus),
      });
  }
}

function readResponse(kind: RequestKind, r: Rd): V2gResponse {
  const responseCode = r.enumOf('ResponseCode', responseCodes);
  switch (kind) {
    case 'SessionSetup': {
      const t = r.optNum('DateTimeNow');
      return { kind, responseCode, evseId: r.bytes('EVSEID'), ...(t !== undefined ? { timestamp: t } : {}) };
    }
    case 'ServiceDiscovery': {
      const cs = r.obj('ChargeService');
      return {
        kind,
        responseCode,
        paymentOptions: r
          .obj('PaymentOptions')
          .values('PaymentOption')
          .filter((p): p is PaymentOption => (payments as readonly unknown[]).includes(p)),
        chargeService: {
          serviceId: cs.obj('ServiceTag').num('ServiceID'),
          freeService: cs.bool('FreeService'),
          modes: dinSupportedToModes(cs.enumOf('EnergyTransferType', supportedTransfer)),
        },
      };
    }
    case 'ServiceDetail':
      return { kind, responseCode, serviceId: r.num('ServiceID') };
    case 'PaymentServiceSelection':
    case 'SessionStop':
      return { kind, responseCode };
    case 'Authorization':
      return { kind, responseCode, processing: r.enumOf('EVSEProcessing', processing) };
    case 'ChargeParameterDiscovery': {
      const dc = r.optObj('DC_EVSEChargeParameter');
      const list = r.optObj('SAScheduleList');
      const schedules = list?.list('SAScheduleTuple').map((t) => {
        const entry = t.obj('PMaxSchedule').list('PMaxScheduleEntry')[0];
        const duration = entry?.optObj('RelativeTimeInterval')?.optNum('duration');
        return { id: t.num('SAScheduleTupleID'), pMax: entry ? entry.num('PMax') : 0, ...(duration !== undefined ? { duration } : {}) };
      });
      const base = { kind, responseCode, processing: r.enumOf('EVSEProcessing', processing), ...(schedules ? { schedules } : {}) };
      if (dc) {
        return {
          ...base,
          dc: {
            status: readDcEvseStatus(dc.obj('DC_EVSEStatus')),
            maxCurrent: dc.pv('EVSEMaximumCurrentLimit'),
            maxVoltage: dc.pv('EVSEMaximumVoltageLimit'),
            minCurrent: dc.pv('EVSEMinimumCurrentLimit'),
            minVoltage: dc.pv('EVSEMinimumVoltageLimit'),
            peakCurrentRipple: dc.pv('EVSEPeakCurrentRipple'),
            ...clean({
              maxPower: dc.optPv('EVSEMaximumPowerLimit'),
              currentRegulationTolerance: dc.optPv('EVSECurrentRegulationTolerance'),
              energyToBeDeliveredWh: dc.optPv('EVSEEnergyToBeDelivered'),
            }),
          },
        };
      }
      const ac = r.obj('AC_EVSEChargeParameter');
      return {
        ...base,
        ac: { status: readAcEvseStatus(ac.obj('AC_EVSEStatus')), nominalVoltage: ac.pv('EVSEMaxVoltage'), maxCurrent: ac.pv('EVSEMaxCurrent'), minCurrent: ac.pv('EVSEMinCurrent') },
      };
    }
    case 'CableCheck':
      return { kind, responseCode, dcStatus: readDcEvseStatus(r.obj('DC_EVSEStatus')), processing: r.enumOf('EVSEProcessing', processing) };
    case 'PreCharge':
    case 'WeldingDetection':
      return { kind, responseCode, dcStatus: readDcEvseStatus(r.obj('DC_EVSEStatus')), presentVoltage: r.pv('EVSEPresentVoltage') };
    case 'PowerDelivery':
    case 'MeteringReceipt': {
      const dc = r.optObj('DC_EVSEStatus');
      if (dc) return { kind, responseCode, dcStatus: readDcEvseStatus(dc) };
      return { kind, responseCode, acStatus: readAcEvseStatus(r.obj('AC_EVSEStatus')) };
    }
    case 'CurrentDemand':
      return {
        kind,
        responseCode,
        dcStatus: readDcEvseStatus(r.obj('DC_EVSEStatus')),
        presentVoltage: r.pv('EVSEPresentVoltage'),
        presentCurrent: r.pv('EVSEPresentCurrent'),
        currentLimitAchieved: r.bool('EVSECurrentLimitAchieved'),
        voltageLimitAchieved: r.bool('EVSEVoltageLimitAchieved'),
        powerLimitAchieved: r.bool('EVSEPowerLimitAchieved'),
        ...clean({ maxVoltage: r.optPv('EVSEMaximumVoltageLimit'), maxCurrent: r.optPv('EVSEMaximumCurrentLimit'), maxPower: r.optPv('EVSEMaximumPowerLimit') }),
      };
    case 'ChargingStatus': {
      const mi = r.optObj('MeterInfo');
      return {
        kind,
        responseCode,
        evseId: r.bytes('EVSEID'),
        saScheduleTupleId: r.num('SAScheduleTupleID'),
        receiptRequired: r.bool('ReceiptRequired'),
        acStatus: readAcEvseStatus(r.obj('AC_EVSEStatus')),
        ...clean({ maxCurrent: r.optPv('EVSEMaxCurrent'), meterInfo: mi ? readMeterInfo(mi) : undefined }),
      };
    }
  }
}

/** DIN announces one EVSESupportedEnergyTransferType (DC_unique has no counterpart there). */
function dinSupported(m: EnergyTransferMode | undefined): (typeof supportedTransfer)[number] {
  return m === undefined || m === 'DC_unique' ? 'DC_extended' : m;
}

function dinSupportedToModes(t: (typeof supportedTransfer)[number]): EnergyTransferMode[] {
  switch (t) {
    case 'AC_single_phase_core':
    case 'AC_three_phase_core':
    case 'DC_core':
    case 'DC_extended':
    case 'DC_combo_core':
      return [t];
    case 'DC_dual':
      return ['DC_core', 'DC_extended'];
    case 'AC_core1p_DC_extended':
      return ['AC_single_phase_core', 'DC_extended'];
    case 'AC_single_DC_core':
      return ['AC_single_phase_core', 'DC_core'];
    case 'AC_single_phase_three_phase_core_DC_extended':
      return ['AC_single_phase_core', 'AC_three_phase_core', 'DC_extended'];
    case 'AC_core3p_DC_extended':
      return ['AC_three_phase_core', 'DC_extended'];
  }
}

export const dinDialect: Dialect = {
  protocol: 'din',
  schema: 'din',
  requestElement: (kind) => reqElement[kind],
  encodeRequest(sessionId, req): Result<V2gMessageDocument, DialectError> {
    return guard(() => message(sessionId, reqElement[req.kind], requestBody(req)), { dialect: 'din', kind: req.kind });
  },
  decodeRequest(doc: V2gDocument): Result<V2gEnvelope<V2gRequest>, DialectError> {
    return guard(
      () => {
        const { name, el, sessionId } = bodyElement(doc);
        const kind = kindOfReq.get(name);
        if (!kind) return fail('UNSUPPORTED_REQUEST', `${name} is not a request tsplc's DIN EVSE handles`, `V2G_Message.Body.${name}`);
        return { sessionId, body: readRequest(kind, el) };
      },
      { dialect: 'din' },
    );
  },
  encodeResponse(sessionId, res): Result<V2gMessageDocument, DialectError> {
    return guard(() => message(sessionId, resElement[res.kind], responseBody(res)), { dialect: 'din', kind: res.kind });
  },
  decodeResponse(doc: V2gDocument): Result<V2gEnvelope<V2gResponse>, DialectError> {
    return guard(
      () => {
        const { name, el, sessionId } = bodyElement(doc);
        const kind = kindOfRes.get(name);
        if (!kind) return fail('UNSUPPORTED_RESPONSE', `${name} is not a response tsplc's DIN EV handles`, `V2G_Message.Body.${name}`);
        return { sessionId, body: readResponse(kind, el) };
      },
      { dialect: 'din' },
    );
  },
};

export function dinResponseElement(kind: RequestKind): string {
  return resElement[kind];
}

