// The neutral charging model: what a V2G session says, independent of the
// schema (DIN SPEC 70121 or ISO 15118-2) that carries it. Machines speak only
// this model; a dialect (src/domain/v2g/dialects) maps it to and from the documents of
// one schema. Physical values are plain numbers in SI units (V, A, W, Wh, s);
// the dialect picks the EXI Multiplier/Value pair.

/** The V2G application protocols tsplc speaks after the handshake. */
export type Protocol = 'din' | 'iso2';

/** Names of the EXI grammars (the EXI codec's SchemaId). */
export type SchemaId = 'appHand' | 'din' | 'iso2';

/** ResponseCode names of DIN SPEC 70121 and ISO 15118-2 (union; the dialect rejects names its schema lacks). */
export const responseCodes = [
  'OK',
  'OK_NewSessionEstablished',
  'OK_OldSessionJoined',
  'OK_CertificateExpiresSoon',
  'FAILED',
  'FAILED_SequenceError',
  'FAILED_ServiceIDInvalid',
  'FAILED_UnknownSession',
  'FAILED_ServiceSelectionInvalid',
  'FAILED_PaymentSelectionInvalid',
  'FAILED_CertificateExpired',
  'FAILED_SignatureError',
  'FAILED_NoCertificateAvailable',
  'FAILED_CertChainError',
  'FAILED_ChallengeInvalid',
  'FAILED_ContractCanceled',
  'FAILED_WrongChargeParameter',
  'FAILED_PowerDeliveryNotApplied',
  'FAILED_TariffSelectionInvalid',
  'FAILED_ChargingProfileInvalid',
  // DIN only
  'FAILED_EVSEPresentVoltageToLow',
  'FAILED_WrongEnergyTransferType',
  // both (DIN index 21, ISO-2 index 20)
  'FAILED_MeteringSignatureNotValid',
  // ISO 15118-2 only
  'FAILED_NoChargeServiceSelected',
  'FAILED_WrongEnergyTransferMode',
  'FAILED_ContactorError',
  'FAILED_CertificateNotAllowedAtThisEVSE',
  'FAILED_CertificateRevoked',
] as const;
export type ResponseCode = (typeof responseCodes)[number];

export const dinOnlyResponseCodes: readonly ResponseCode[] = ['FAILED_EVSEPresentVoltageToLow', 'FAILED_WrongEnergyTransferType'];
export const iso2OnlyResponseCodes: readonly ResponseCode[] = [
  'FAILED_NoChargeServiceSelected',
  'FAILED_WrongEnergyTransferMode',
  'FAILED_ContactorError',
  'FAILED_CertificateNotAllowedAtThisEVSE',
  'FAILED_CertificateRevoked',
];

export function isResponseCode(s: string): s is ResponseCode {
  return (responseCodes as readonly string[]).includes(s);
}

/** ResponseCodes valid in the given protocol's schema. */
export function responseCodesOf(protocol: Protocol): ResponseCode[] {
  const exclude = protocol === 'din' ? iso2OnlyResponseCodes : dinOnlyResponseCodes;
  return responseCodes.filter((c) => !exclude.includes(c));
}

export const dcEvseStatusCodes = [
  'EVSE_NotReady',
  'EVSE_Ready',
  'EVSE_Shutdown',
  'EVSE_UtilityInterruptEvent',
  'EVSE_IsolationMonitoringActive',
  'EVSE_EmergencyShutdown',
  'EVSE_Malfunction',
  'Reserved_8',
  'Reserved_9',
  'Reserved_A',
  'Reserved_B',
  'Reserved_C',
] as const;
export type DcEvseStatusCode = (typeof dcEvseStatusCodes)[number];

export type IsolationLevel = 'Invalid' | 'Valid' | 'Warning' | 'Fault' | 'No_IMD';
export type EvseProcessing = 'Finished' | 'Ongoing' | 'Ongoing_WaitingForCustomerInteraction';
export type EvseNotification = 'None' | 'StopCharging' | 'ReNegotiation';
export type PaymentOption = 'ExternalPayment' | 'Contract';
export type DcEvErrorCode =
  | 'NO_ERROR'
  | 'FAILED_RESSTemperatureInhibit'
  | 'FAILED_EVShiftPosition'
  | 'FAILED_ChargerConnectorLockFault'
  | 'FAILED_EVRESSMalfunction'
  | 'FAILED_ChargingCurrentdifferential'
  | 'FAILED_ChargingVoltageOutOfRange'
  | 'Reserved_A'
  | 'Reserved_B'
  | 'Reserved_C'
  | 'FAILED_ChargingSystemIncompatibility'
  | 'NoData';

/** DIN EVRequestedEnergyTransferType / ISO-2 EnergyTransferModeType (same names). */
export type EnergyTransferMode = 'AC_single_phase_core' | 'AC_three_phase_core' | 'DC_core' | 'DC_extended' | 'DC_combo_core' | 'DC_unique';

export function isAcMode(m: EnergyTransferMode): boolean {
  return m === 'AC_single_phase_core' || m === 'AC_three_phase_core';
}

/** DC_EVSEStatus (DIN and ISO-2). */
export interface DcEvseStatus {
  readonly statusCode: DcEvseStatusCode;
  readonly isolation?: IsolationLevel;
  readonly notification: EvseNotification;
  /** Seconds. */
  readonly notificationMaxDelay: number;
}

/** AC_EVSEStatus (ISO-2: RCD; DIN adds PowerSwitchClosed). */
export interface AcEvseStatus {
  readonly rcd: boolean;
  readonly powerSwitchClosed?: boolean;
  readonly notification: EvseNotification;
  readonly notificationMaxDelay: number;
}

/** DC_EVStatus. */
export interface DcEvStatus {
  readonly ready: boolean;
  readonly errorCode: DcEvErrorCode;
  /** EVRESSSOC, percent. */
  readonly soc: number;
}

export interface DcEvChargeParameter {
  readonly evStatus: DcEvStatus;
  readonly maxCurrent: number;
  readonly maxVoltage: number;
  readonly maxPower?: number;
  readonly energyCapacityWh?: number;
  readonly energyRequestWh?: number;
  readonly fullSoc?: number;
  readonly bulkSoc?: number;
}

export interface AcEvChargeParameter {
  /** Seconds from now; optional in ISO-2, mandatory in DIN. */
  readonly departureTime?: number;
  readonly energyAmountWh: number;
  readonly maxVoltage: number;
  readonly maxCurrent: number;
  readonly minCurrent: number;
}

export interface DcEvseChargeParameter {
  readonly status: DcEvseStatus;
  readonly maxCurrent: number;
  readonly maxVoltage: number;
  readonly maxPower?: number;
  readonly minCurrent: number;
  readonly minVoltage: number;
  readonly currentRegulationTolerance?: number;
  readonly peakCurrentRipple: number;
  readonly energyToBeDeliveredWh?: number;
}

export interface AcEvseChargeParameter {
  readonly status: AcEvseStatus;
  readonly nominalVoltage: number;
  readonly maxCurrent: number;
  /** DIN only (mandatory there). */
  readonly minCurrent?: number;
}

/** One SAScheduleTuple reduced to what EIM charging uses: a single PMax from t = 0. */
export interface SaSchedule {
  readonly id: number;
  /** Watts. */
  readonly pMax: number;
  /** Seconds (duration of the relative time interval). */
  readonly duration?: number;
}

export interface MeterInfo {
  readonly meterId: string;
  /** Wh. */
  readonly reading?: number;
  readonly tMeter?: number;
}

// ---------------------------------------------------------------------------
// Requests (EV → EVSE)

export type V2gRequest =
  | { readonly kind: 'SessionSetup'; readonly evccId: Uint8Array }
  | { readonly kind: 'ServiceDiscovery'; readonly serviceCategory?: 'EVCharging' }
  /** Optional after ServiceDiscovery (ISO-2 cars and testers ask for details of a listed service). */
  | { readonly kind: 'ServiceDetail'; readonly serviceId: number }
  | { readonly kind: 'PaymentServiceSelection'; readonly payment: PaymentOption; readonly serviceIds: readonly number[] }
  /** DIN ContractAuthenticationReq / ISO-2 AuthorizationReq; EIM only (no GenChallenge). */
  | { readonly kind: 'Authorization' }
  | {
      readonly kind: 'ChargeParameterDiscovery';
      readonly mode: EnergyTransferMode;
      readonly maxEntriesSaScheduleTuple?: number;
      readonly dc?: DcEvChargeParameter;
      readonly ac?: AcEvChargeParameter;
    }
  | { readonly kind: 'CableCheck'; readonly evStatus: DcEvStatus }
  | { readonly kind: 'PreCharge'; readonly evStatus: DcEvStatus; readonly targetVoltage: number; readonly targetCurrent: number }
  | {
      readonly kind: 'PowerDelivery';
      /** DIN maps Start ⇄ ReadyToChargeState=true and Stop ⇄ false (DIN has no Renegotiate). */
      readonly progress: 'Start' | 'Stop' | 'Renegotiate';
      readonly saScheduleTupleId?: number;
      /** DC_EVPowerDeliveryParameter (DC only). */
      readonly dc?: { readonly evStatus: DcEvStatus; readonly bulkChargingComplete?: boolean; readonly chargingComplete: boolean };
    }
  | {
      readonly kind: 'CurrentDemand';
      readonly evStatus: DcEvStatus;
      readonly targetVoltage: number;
      readonly targetCurrent: number;
      readonly maxVoltage?: number;
      readonly maxCurrent?: number;
      readonly maxPower?: number;
      readonly bulkChargingComplete?: boolean;
      readonly chargingComplete: boolean;
      /** Seconds. */
      readonly remainingTimeToFullSoc?: number;
      readonly remainingTimeToBulkSoc?: number;
    }
  | { readonly kind: 'ChargingStatus' }
  | { readonly kind: 'MeteringReceipt'; readonly sessionId: Uint8Array; readonly saScheduleTupleId?: number; readonly meterInfo: MeterInfo }
  | { readonly kind: 'WeldingDetection'; readonly evStatus: DcEvStatus }
  | { readonly kind: 'SessionStop'; readonly chargingSession: 'Terminate' | 'Pause' };

export type RequestKind = V2gRequest['kind'];

export const requestKinds: readonly RequestKind[] = [
  'SessionSetup',
  'ServiceDiscovery',
  'ServiceDetail',
  'PaymentServiceSelection',
  'Authorization',
  'ChargeParameterDiscovery',
  'CableCheck',
  'PreCharge',
  'PowerDelivery',
  'CurrentDemand',
  'ChargingStatus',
  'MeteringReceipt',
  'WeldingDetection',
  'SessionStop',
];

export function isRequestKind(s: string): s is RequestKind {
  return (requestKinds as readonly string[]).includes(s);
}

// ---------------------------------------------------------------------------
// Responses (EVSE → EV)

interface ResBase {
  readonly responseCode: ResponseCode;
}

export type V2gResponse =
  | (ResBase & { readonly kind: 'SessionSetup'; readonly evseId: Uint8Array; readonly timestamp?: number })
  | (ResBase & {
      readonly kind: 'ServiceDiscovery';
      readonly paymentOptions: readonly PaymentOption[];
      readonly chargeService: { readonly serviceId: number; readonly freeService: boolean; readonly modes: readonly EnergyTransferMode[] };
    })
  | (ResBase & { readonly kind: 'ServiceDetail'; readonly serviceId: number })
  | (ResBase & { readonly kind: 'PaymentServiceSelection' })
  | (ResBase & { readonly kind: 'Authorization'; readonly processing: EvseProcessing })
  | (ResBase & {
      readonly kind: 'ChargeParameterDiscovery';
      readonly processing: EvseProcessing;
      readonly schedules?: readonly SaSchedule[];
      readonly dc?: DcEvseChargeParameter;
      readonly ac?: AcEvseChargeParameter;
    })
  | (ResBase & { readonly kind: 'CableCheck'; readonly dcStatus: DcEvseStatus; readonly processing: EvseProcessing })
  | (ResBase & { readonly kind: 'PreCharge'; readonly dcStatus: DcEvseStatus; readonly presentVoltage: number })
  | (ResBase & { readonly kind: 'PowerDelivery'; readonly dcStatus?: DcEvseStatus; readonly acStatus?: AcEvseStatus })
  | (ResBase & {
      readonly kind: 'CurrentDemand';
      readonly dcStatus: DcEvseStatus;
      readonly presentVoltage: number;
      readonly presentCurrent: number;
      readonly currentLimitAchieved: boolean;
      readonly voltageLimitAchieved: boolean;
      readonly powerLimitAchieved: boolean;
      readonly maxVoltage?: number;
      readonly maxCurrent?: number;
      readonly maxPower?: number;
      /** ISO-2 only (mandatory there). */
      readonly evseId?: Uint8Array;
      readonly saScheduleTupleId?: number;
      readonly meterInfo?: MeterInfo;
      readonly receiptRequired?: boolean;
    })
  | (ResBase & {
      readonly kind: 'ChargingStatus';
      readonly evseId: Uint8Array;
      readonly saScheduleTupleId: number;
      readonly maxCurrent?: number;
      readonly meterInfo?: MeterInfo;
      readonly receiptRequired?: boolean;
      readonly acStatus: AcEvseStatus;
    })
  | (ResBase & { readonly kind: 'MeteringReceipt'; readonly acStatus?: AcEvseStatus; readonly dcStatus?: DcEvseStatus })
  | (ResBase & { readonly kind: 'WeldingDetection'; readonly dcStatus: DcEvseStatus; readonly presentVoltage: number })
  | (ResBase & { readonly kind: 'SessionStop' });

export type ResponseOf<K extends RequestKind> = Extract<V2gResponse, { kind: K }>;
export type RequestOf<K extends RequestKind> = Extract<V2gRequest, { kind: K }>;

/** A request or response with the header's SessionID. */
export interface V2gEnvelope<T> {
  readonly sessionId: Uint8Array;
  readonly body: T;
}

// ---------------------------------------------------------------------------
// Application handshake (urn:iso:15118:2:2010:AppProtocol)

export interface AppProtocol {
  readonly namespace: string;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly schemaId: number;
  readonly priority: number;
}

export type AppHandshakeResponseCode = 'OK_SuccessfulNegotiation' | 'OK_SuccessfulNegotiationWithMinorDeviation' | 'Failed_NoNegotiation';

export interface AppHandshakeResponse {
  readonly responseCode: AppHandshakeResponseCode;
  readonly schemaId?: number;
}

/** Namespaces and versions of the protocols tsplc speaks (protocol-facts.md §4.1). */
export const protocolNamespaces: Readonly<Record<Protocol, { namespace: string; major: number; minor: number }>> = {
  din: { namespace: 'urn:din:70121:2012:MsgDef', major: 2, minor: 0 },
  iso2: { namespace: 'urn:iso:15118:2:2013:MsgDef', major: 2, minor: 0 },
};
