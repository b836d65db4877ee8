// ISO 15118-2:2013 dialect (urn:iso:15118:2:2013:MsgDef): neutral model ⇄
// ISO-2 documents. Element names as in iso15118_2/V2G_CI_MsgBody.xsd and
// V2G_CI_MsgDataTypes.xsd. Differences to DIN: PaymentServiceSelection and
// Authorization names, ChargeProgress instead of ReadyToChargeState, Unit
// mandatory in PhysicalValueType, EVSEID a string, EVSEStatus fields first
// NotificationMaxDelay/EVSENotification, CurrentDemandRes carries EVSEID and
// SAScheduleTupleID, SessionStopReq carries ChargingSession.
import type { Result } from '../../../result.js';
import type { V2gDocument, V2gMessageDocument } from '../document.js';
import {
  dcEvseStatusCodes,
  dinOnlyResponseCodes,
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
import type * as S from '../../../codecs/exi/generated/iso2.js';
import { as, bodyElement, clean, fail, guard, message, opt, Rd, toLong, toPhysical, type Dialect, type DialectError, type UnitSymbol } from './common.js';

const responseCodes = responseCodesOf('iso2');
const processing: readonly EvseProcessing[] = ['Finished', 'Ongoing', 'Ongoing_WaitingForCustomerInteraction'];
const notifications: readonly EvseNotification[] = ['None', 'StopCharging', 'ReNegotiation'];
const isolationLevels: readonly IsolationLevel[] = ['Invalid', 'Valid', 'Warning', 'Fault', 'No_IMD'];
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
const modes: readonly EnergyTransferMode[] = requestedTransfer;

const reqElement: Record<RequestKind, string> = {
  SessionSetup: 'SessionSetupReq',
  ServiceDiscovery: 'ServiceDiscoveryReq',
  ServiceDetail: 'ServiceDetailReq',
  PaymentServiceSelection: 'PaymentServiceSelectionReq',
  Authorization: 'AuthorizationReq',
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
  return clean<S.DC_EVSEStatusType>({ NotificationMaxDelay: s.notificationMaxDelay, EVSENotification: s.notification, EVSEIsolationStatus: s.isolation, EVSEStatusCode: s.statusCode });
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
  return { NotificationMaxDelay: s.notificationMaxDelay, EVSENotification: s.notification, RCD: s.rcd };
}
function readAcEvseStatus(r: Rd): AcEvseStatus {
  return {
    rcd: r.bool('RCD'),
    notificationMaxDelay: r.num('NotificationMaxDelay'),
    notification: r.enumOf('EVSENotification', notifications),
  };
}
function meterInfoDoc(m: MeterInfo): S.MeterInfoType {
  return clean<S.MeterInfoType>({ MeterID: m.meterId, MeterReading: opt(m.reading, toLong), TMeter: opt(m.tMeter, toLong) });
}
function readMeterInfo(r: Rd): MeterInfo {
  const reading = r.optNum('MeterReading');
  const tMeter = r.optNum('TMeter');
  return { meterId: r.str('MeterID'), ...(reading !== undefined ? { reading } : {}), ...(tMeter !== undefined ? { tMeter } : {}) };
}
// Unit is mandatory in ISO-2.
const pv = (v: number, unit: UnitSymbol): S.PhysicalValueType => ({ ...toPhysical(v, unit), Unit: unit });

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
      return as<S.PaymentServiceSelectionReqType>({ SelectedPaymentOption: req.payment, SelectedServiceList: { SelectedService: req.serviceIds.map((id) => ({ ServiceID: id })) } });
    case 'Authorization':
      return as<S.AuthorizationReqType>({});
    case 'ChargeParameterDiscovery': {
      if (req.dc) {
        const d = req.dc;
        return clean<S.ChargeParameterDiscoveryReqType>({
          MaxEntriesSAScheduleTuple: req.maxEntriesSaScheduleTuple,
          RequestedEnergyTransferMode: req.mode,
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
      return clean<S.ChargeParameterDiscoveryReqType>({
        MaxEntriesSAScheduleTuple: req.maxEntriesSaScheduleTuple,
        RequestedEnergyTransferMode: req.mode,
        AC_EVChargeParameter: clean<S.AC_EVChargeParameterType>({
          DepartureTime: a.departureTime,
          EAmount: pv(a.energyAmountWh, 'Wh'),
          EVMaxVoltage: pv(a.maxVoltage, 'V'),
          EVMaxCurrent: pv(a.maxCurrent, 'A'),
          EVMinCurrent: pv(a.minCurrent, 'A'),
        }),
      });
    }
    case 'CableCheck':
    case 'WeldingDetection':
      return as<S.CableCheckReqType>({ DC_EVStatus: dcEvStatusDoc(req.evStatus) });
    case 'PreCharge':
      return as<S.PreChargeReqType>({ DC_EVStatus: dcEvStatusDoc(req.evStatus), EVTargetVoltage: pv(req.targetVoltage, 'V'), EVTargetCurrent: pv(req.targetCurrent, 'A') });
    case 'PowerDelivery':
      return clean<S.PowerDeliveryReqType>({
        ChargeProgress: req.progress,
        // Mandatory in ISO-2; EIM with one schedule uses tuple 1. An id outside SAIDType's
        // 1..255 can only come from a lenient decode: OpenV2Gx-based chargers (pyPLC) offer
        // tuple 0, which cannot be encoded, and ignore the id in PowerDeliveryReq; send 1.
        SAScheduleTupleID: req.saScheduleTupleId !== undefined && req.saScheduleTupleId >= 1 && req.saScheduleTupleId <= 255 ? req.saScheduleTupleId : 1,
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
      return as<S.SessionStopReqType>({ ChargingSession: req.chargingSession });
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
      const mode = r.enumOf('RequestedEnergyTransferMode', requestedTransfer);
      const maxEntries = r.optNum('MaxEntriesSAScheduleTuple');
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
          ...(maxEntries !== undefined ? { maxEntriesSaScheduleTuple: maxEntries } : {}),
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
      const departureTime = ac.optNum('DepartureTime');
      return {
        kind,
        mode,
        ...(maxEntries !== undefined ? { maxEntriesSaScheduleTuple: maxEntries } : {}),
        ac: {
          ...(departureTime !== undefined ? { departureTime } : {}),
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
        progress: r.enumOf('ChargeProgress', ['Start', 'Stop', 'Renegotiate'] as const),
        saScheduleTupleId: r.num('SAScheduleTupleID'),
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
      return { kind, chargingSession: r.enumOf('ChargingSession', ['Terminate', 'Pause'] as const) };
  }
}

// --- responses -------------------------------------------------------------

function responseBody(res: V2gResponse): object {
  if ((dinOnlyResponseCodes as readonly string[]).includes(res.responseCode))
    fail('NOT_IN_SCHEMA', `ResponseCode ${res.responseCode} does not exist in ISO 15118-2`, `${resElement[res.kind]}.ResponseCode`);
  // Codes of the other schema were refused above.
  const rc = { ResponseCode: res.responseCode as S.responseCodeType };
  switch (res.kind) {
    case 'SessionSetup':
      return clean<S.SessionSetupResType>({ ...rc, EVSEID: evseIdString(res.evseId), EVSETimeStamp: opt(res.timestamp, toLong) });
    case 'ServiceDiscovery':
      return as<S.ServiceDiscoveryResType>({
        ...rc,
        PaymentOptionList: { PaymentOption: [...res.paymentOptions] },
        ChargeService: {
          ServiceID: res.chargeService.serviceId,
          ServiceCategory: 'EVCharging',
          FreeService: res.chargeService.freeService,
          SupportedEnergyTransferMode: { EnergyTransferMode: [...res.chargeService.modes] },
        },
      });
    case 'ServiceDetail':
      return as<S.ServiceDetailResType>({ ...rc, ServiceID: res.serviceId });
    case 'PaymentServiceSelection':
    case 'SessionStop':
      return as<S.PaymentServiceSelectionResType>(rc);
    case 'Authorization':
      return as<S.AuthorizationResType>({ ...rc, EVSEProcessing: res.processing });
    case 'ChargeParameterDiscovery': {
      const schedules = res.schedules && res.schedules.length > 0 ? res.schedules : [{ id: 1, pMax: 32767 }];
      const base = as<Omit<S.ChargeParameterDiscoveryResType, 'EVSEChargeParameter' | 'DC_EVSEChargeParameter' | 'AC_EVSEChargeParameter'>>({
        ...rc,
        EVSEProcessing: res.processing,
        // Optional in the ISO-2 schema, but EVs need a schedule once EVSEProcessing is Finished: always sent.
        SAScheduleList: {
          SAScheduleTuple: schedules.map((s) => ({
            SAScheduleTupleID: s.id,
            PMaxSchedule: {
              PMaxScheduleEntry: [{ RelativeTimeInterval: clean<S.RelativeTimeIntervalType>({ start: 0, duration: s.duration ?? 86400 }), PMax: pv(s.pMax, 'W') }],
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
            // Mandatory in ISO-2.
            EVSEMaximumPowerLimit: pv(d.maxPower ?? d.maxVoltage * d.maxCurrent, 'W'),
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
          EVSENominalVoltage: pv(a.nominalVoltage, 'V'),
          EVSEMaxCurrent: pv(a.maxCurrent, 'A'),
        },
      });
    }
    case 'CableCheck':
      return as<S.CableCheckResType>({ ...rc, DC_EVSEStatus: dcEvseStatusDoc(res.dcStatus), EVSEProcessing: res.processing });
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
        EVSEID: evseIdString(res.evseId ?? new Uint8Array()),
        SAScheduleTupleID: res.saScheduleTupleId ?? 1,
        MeterInfo: opt(res.meterInfo, meterInfoDoc),
        ReceiptRequired: res.receiptRequired,
      });
    case 'ChargingStatus':
      return clean<S.ChargingStatusResType>({
        ...rc,
        EVSEID: evseIdString(res.evseId),
        SAScheduleTupleID: res.saScheduleTupleId,
        EVSEMaxCurrent: opt(res.maxCurrent, (v) => pv(v, 'A')),
        MeterInfo: opt(res.meterInfo, meterInfoDoc),
        ReceiptRequired: res.receiptRequired,
        AC_EVSEStatus: acEvseStatusDoc(res.acStatus),
      });
  }
}

function readResponse(kind: RequestKind, r: Rd): V2gResponse {
  const responseCode = r.enumOf('ResponseCode', responseCodes);
  switch (kind) {
    case 'SessionSetup': {
      const t = r.optNum('EVSETimeStamp');
      return { kind, responseCode, evseId: evseIdBytes(r.str('EVSEID')), ...(t !== undefined ? { timestamp: t } : {}) };
    }
    case 'ServiceDiscovery': {
      const cs = r.obj('ChargeService');
      return {
        kind,
        responseCode,
        paymentOptions: r
          .obj('PaymentOptionList')
          .values('PaymentOption')
          .filter((p): p is PaymentOption => (payments as readonly unknown[]).includes(p)),
        chargeService: {
          serviceId: cs.num('ServiceID'),
          freeService: cs.bool('FreeService'),
          modes: cs
            .obj('SupportedEnergyTransferMode')
            .values('EnergyTransferMode')
            .filter((m): m is EnergyTransferMode => (modes as readonly unknown[]).includes(m)),
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
        return { id: t.num('SAScheduleTupleID'), pMax: entry ? entry.pv('PMax') : 0, ...(duration !== undefined ? { duration } : {}) };
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
        ac: { status: readAcEvseStatus(ac.obj('AC_EVSEStatus')), nominalVoltage: ac.pv('EVSENominalVoltage'), maxCurrent: ac.pv('EVSEMaxCurrent') },
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
        evseId: evseIdBytes(r.str('EVSEID')),
        saScheduleTupleId: r.num('SAScheduleTupleID'),
        ...clean({
          maxVoltage: r.optPv('EVSEMaximumVoltageLimit'),
          maxCurrent: r.optPv('EVSEMaximumCurrentLimit'),
          maxPower: r.optPv('EVSEMaximumPowerLimit'),
          meterInfo: opt(r.optObj('MeterInfo'), readMeterInfo),
          receiptRequired: r.optBool('ReceiptRequired'),
        }),
      };
    case 'ChargingStatus': {
      const mi = r.optObj('MeterInfo');
      return {
        kind,
        responseCode,
        evseId: evseIdBytes(r.str('EVSEID')),
        saScheduleTupleId: r.num('SAScheduleTupleID'),
        ...clean({ receiptRequired: r.optBool('ReceiptRequired') }),
        acStatus: readAcEvseStatus(r.obj('AC_EVSEStatus')),
        ...clean({ maxCurrent: r.optPv('EVSEMaxCurrent'), meterInfo: mi ? readMeterInfo(mi) : undefined }),
      };
    }
  }
}

// ISO-2 EVSEID is a string (7…37 characters, e.g. "DE*ABC*E123"); the neutral model keeps bytes (DIN: hexBinary).
function evseIdString(b: Uint8Array): string {
  const s = String.fromCharCode(...b);
  return s.length >= 7 ? s : s.padEnd(7, '0');
}
function evseIdBytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

export const iso2Dialect: Dialect = {
  protocol: 'iso2',
  schema: 'iso2',
  requestElement: (kind) => reqElement[kind],
  encodeRequest(sessionId, req): Result<V2gMessageDocument, DialectError> {
    return guard(() => message(sessionId, reqElement[req.kind], requestBody(req)), { dialect: 'iso2', kind: req.kind });
  },
  decodeRequest(doc: V2gDocument): Result<V2gEnvelope<V2gRequest>, DialectError> {
    return guard(
      () => {
        const { name, el, sessionId } = bodyElement(doc);
        const kind = kindOfReq.get(name);
        if (!kind) return fail('UNSUPPORTED_REQUEST', `${name} is not a request tsplc's ISO-2 EVSE handles`, `V2G_Message.Body.${name}`);
        return { sessionId, body: readRequest(kind, el) };
      },
      { dialect: 'iso2' },
    );
  },
  encodeResponse(sessionId, res): Result<V2gMessageDocument, DialectError> {
    return guard(() => message(sessionId, resElement[res.kind], responseBody(res)), { dialect: 'iso2', kind: res.kind });
  },
  decodeResponse(doc: V2gDocument): Result<V2gEnvelope<V2gResponse>, DialectError> {
    return guard(
      () => {
        const { name, el, sessionId } = bodyElement(doc);
        const kind = kindOfRes.get(name);
        if (!kind) return fail('UNSUPPORTED_RESPONSE', `${name} is not a response tsplc's ISO-2 EV handles`, `V2G_Message.Body.${name}`);
        return { sessionId, body: readResponse(kind, el) };
      },
      { dialect: 'iso2' },
    );
  },
};

export function iso2ResponseElement(kind: RequestKind): string {
  return resElement[kind];
}

