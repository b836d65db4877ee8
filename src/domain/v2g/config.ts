// Configuration of the V2G session machines: every standard timeout is a named
// delay (the standard's own name, in milliseconds), every real-world tweak a
// named option. The config helper builds its keys from these defaults objects;
// the sources of each value are in docs/session.md (timeout table).
import type { EnergyTransferMode, Protocol } from './model.js';

/** EV (EVCC) timeouts in ms. Sources: protocol-facts.md §4.3 (ISO 15118-2 Table 109), §4.4, DIN SPEC 70121 Table 75. */
export const v2gEvTimeoutDefaults = {
  // Per-message V2G_EVCC_Msg_Timeout (ISO 15118-2 Table 109; DIN 70121: 2 s each, CurrentDemand 0.25 s).
  V2G_EVCC_Msg_Timeout_SupportedAppProtocol: 2000,
  V2G_EVCC_Msg_Timeout_SessionSetup: 2000,
  V2G_EVCC_Msg_Timeout_ServiceDiscovery: 2000,
  V2G_EVCC_Msg_Timeout_PaymentServiceSelection: 2000,
  V2G_EVCC_Msg_Timeout_Authorization: 2000,
  // pyPLC and ccs32clara wait 5 s here: some chargers answer late (pyplc-inventory §1.3); the spec says 2 s.
  V2G_EVCC_Msg_Timeout_ChargeParameterDiscovery: 2000,
  V2G_EVCC_Msg_Timeout_CableCheck: 2000,
  V2G_EVCC_Msg_Timeout_PreCharge: 2000,
  // ISO-2 5 s; DIN says 2 s but a Compleo took > 1 s and pyPLC uses 6 s, so 5 s for both.
  V2G_EVCC_Msg_Timeout_PowerDelivery: 5000,
  V2G_EVCC_Msg_Timeout_CurrentDemand: 250,
  V2G_EVCC_Msg_Timeout_ChargingStatus: 2000,
  V2G_EVCC_Msg_Timeout_MeteringReceipt: 2000,
  V2G_EVCC_Msg_Timeout_WeldingDetection: 2000,
  V2G_EVCC_Msg_Timeout_SessionStop: 2000,
  /** From the start of the V2G session (TCP up) to SessionSetupRes. ISO-2 / DIN: 20 s (counted from plug-in there; the runtime may pass what remains). */
  V2G_EVCC_CommunicationSetup_Timeout: 20000,
  /** Longest the EV may take between a response and its next request (ISO-2: 40 s); bounds the hardware waits (lock, contactors). */
  V2G_EVCC_Sequence_Performance_Time: 40000,
  /** Authorization / ContractAuthentication and ChargeParameterDiscovery loops while EVSEProcessing = Ongoing (ISO-2: 60 s). */
  V2G_EVCC_Ongoing_Timeout: 60000,
  /** Whole CableCheck loop (ISO-2 Table 111, DIN: 40 s). */
  V2G_EVCC_CableCheck_Timeout: 40000,
  /** Whole PreCharge loop (ISO-2, DIN: 7 s). */
  V2G_EVCC_PreCharge_Timeout: 7000,
  /** DIN: ChargeParameterDiscovery finished → PowerDeliveryReq(ReadyToChargeState = true). 150 s (JO) vs 250 s (EVerest patch): the longer one. */
  V2G_EVCC_ReadyToCharge_Timeout: 250000,
  /** Hardware: connector lock confirmation (not a standard timer; within the sequence performance time). */
  ConnectorLock_Timeout: 3000,
  /** Hardware: contactor close/open confirmation. */
  Contactor_Timeout: 3000,
  /** Hardware without contactor feedback: the relay's closing time, waited before PowerDelivery(Start). */
  Contactor_CloseTime_WithoutFeedback: 200,
  /**
   * Before opening the contactors at the end: wait for the measured current to drop to contactorOpenCurrentLimit,
   * at most this long; then SafeShutdown (the session never opens under load). Without a current sensor: a plain wait.
   */
  CurrentDecay_Timeout: 2000,
  /** Whole WeldingDetection phase (ISO-2 allows 40 s after PowerDeliveryRes(Stop); ccs32clara stops after 10 rounds). */
  WeldingDetection_Timeout: 10000,
  /** Pause between two requests of an Ongoing / CableCheck / PreCharge loop. */
  Loop_Interval: 100,
  /** Pause between two CurrentDemandReq / ChargingStatusReq (real cars: 50–250 ms). */
  ChargeLoop_Interval: 100,
  /** Light-bulb demo only: CurrentDemand loop start → contactors close (pyPLC: 2 s). */
  LightBulbDemo_ContactorDelay: 2000,
} as const;

export type V2gEvTimeouts = { [K in keyof typeof v2gEvTimeoutDefaults]: number };

export interface V2gEvConfig {
  /** Protocols offered in supportedAppProtocolReq, in the EV's priority order. */
  readonly protocols: readonly Protocol[];
  /** DC_extended for CCS DC, AC_single_phase_core / AC_three_phase_core for AC. DIN supports DC only. */
  readonly energyTransferMode: EnergyTransferMode;
  /** EVCCID: the MAC of the EV's modem interface (DIN/ISO-2 practice, ccs32clara, pyPLC). */
  readonly evccId: Uint8Array;
  /** PreCharge ends when |U − U_battery| < this (V). ccs32clara 20 V, pyPLC 10 V. */
  readonly prechargeVoltageDelta: number;
  /** PreCharge ends on the measured inlet voltage (HW.INLET_VOLTAGE) instead of EVSEPresentVoltage (pyPLC option). */
  readonly prechargeUseInletVoltage: boolean;
  /** PreChargeReq EVTargetCurrent (A); DIN/ISO-2 allow at most 2 A. */
  readonly prechargeCurrent: number;
  /** Stop charging at this SOC (%). pyPLC: 98. */
  readonly socTarget: number;
  /** CurrentDemandReq EVTargetVoltage (V); 0 = the battery's maxVoltage. */
  readonly chargeTargetVoltage: number;
  /** Charge-current cap (A) on top of the battery's maxCurrent; 0 = no extra cap. */
  readonly chargeCurrentLimit: number;
  /** DC_EVChargeParameter: EVMaximumPowerLimit (W). pyPLC: 98 kW. */
  readonly maxPower: number;
  /** EVEnergyRequest (Wh); 0 = computed from capacity and SOC. */
  readonly energyRequestWh: number;
  readonly fullSoc: number;
  readonly bulkSoc: number;
  /** AC: EVMinCurrent, EVMaxCurrent (A) and EVMaxVoltage (V) of the on-board charger. */
  readonly acMinCurrent: number;
  readonly acMaxCurrent: number;
  readonly acMaxVoltage: number;
  /** Whether the board has a connector lock with feedback (else locking is skipped / not confirmed). */
  readonly hasConnectorLock: boolean;
  /** Whether the contactors report feedback (else the command counts as confirmation). */
  readonly contactorsHaveFeedback: boolean;
  /** WeldingDetection ends when EVSEPresentVoltage is below this (V). ccs32clara: 40 V. */
  readonly weldingVoltageLimit: number;
  /** At most this many WeldingDetectionReq (ccs32clara: 10). */
  readonly weldingMaxRounds: number;
  /** The connector is unlocked at the end only when the inlet voltage is below this (V); IEC 61851-23: 60 V. */
  readonly safeVoltage: number;
  /** The session opens the contactors only at or below this measured current (A); above it after CurrentDecay_Timeout it hands over to the SafeShutdownSequence. */
  readonly contactorOpenCurrentLimit: number;
  /** Accept CableCheck Finished with EVSEIsolationStatus Invalid or absent (some DIN chargers never report Valid; OpenV2Gx-based ISO-2 chargers leave it out). */
  readonly acceptIsolationInvalid: boolean;
  /** With an inlet sensor: the contactors close only when |EVSEPresentVoltage − inlet voltage| ≤ this (V). */
  readonly inletPlausibilityDelta: number;
  /** pyPLC light-bulb demo: no contactors at precharge end; close them LightBulbDemo_ContactorDelay into CurrentDemand. */
  readonly lightBulbDemo: boolean;
  /**
   * Schema facet classes of the charger's messages accepted with one warning per field and
   * session instead of a decode error (the transport's lenient EXI decode): 'range' (integer
   * bounds, e.g. OpenV2Gx's SAScheduleTupleID 0), 'length' (string/binary lengths, e.g. its
   * empty EVSEID). Empty = strict.
   */
  readonly lenientFacets: readonly ('range' | 'length')[];
  readonly timeouts: V2gEvTimeouts;
}

export const v2gEvDefaults: Omit<V2gEvConfig, 'evccId'> & { readonly evccId: Uint8Array } = {
  protocols: ['din', 'iso2'],
  energyTransferMode: 'DC_extended',
  evccId: new Uint8Array([0x02, 0x00, 0x00, 0x00, 0x00, 0x01]),
  prechargeVoltageDelta: 20,
  prechargeUseInletVoltage: false,
  prechargeCurrent: 1,
  socTarget: 98,
  chargeTargetVoltage: 0,
  chargeCurrentLimit: 0,
  maxPower: 98000,
  energyRequestWh: 0,
  fullSoc: 100,
  bulkSoc: 80,
  acMinCurrent: 6,
  acMaxCurrent: 16,
  acMaxVoltage: 400,
  hasConnectorLock: true,
  contactorsHaveFeedback: true,
  weldingVoltageLimit: 40,
  weldingMaxRounds: 10,
  safeVoltage: 60,
  contactorOpenCurrentLimit: 5,
  acceptIsolationInvalid: false,
  inletPlausibilityDelta: 30,
  lightBulbDemo: false,
  // Both C reference decoders accept these violations, and pyPLC's own charger sends them.
  lenientFacets: ['length', 'range'],
  timeouts: { ...v2gEvTimeoutDefaults },
};

/** EVSE (SECC) timeouts in ms. */
export const v2gEvseTimeoutDefaults = {
  /** Gap after a response before the SECC gives up on the EV (ISO-2 [V2G2-443], DIN: 60 s). */
  V2G_SECC_Sequence_Timeout: 60000,
  /** SECC side of the CableCheck: the isolation check must end within this (ISO-2 Table 111: 38 s). */
  V2G_SECC_CableCheck_Performance_Time: 38000,
  /**
   * From the first PreChargeReq: the output should be at EVTargetVoltage within this (ISO 15118-2 Table 111
   * [V2G2-704..707]: 5 s; the EV gives up at V2G_EVCC_PreCharge_Timeout, 7 s). The EV decides: past it the
   * SECC keeps answering with the present voltage and only warns.
   */
  V2G_SECC_PreCharge_Performance_Time: 5000,
  /**
   * Longest run of EVSEProcessing = Ongoing answers in one Authorization / ContractAuthentication or
   * ChargeParameterDiscovery loop (ISO 15118-2 Table 109 [V2G2-712/713]: 55 s, 5 s under the EV's
   * V2G_EVCC_Ongoing_Timeout); an answer that would still be Ongoing after it is FAILED and ends the session.
   */
  V2G_SECC_Ongoing_Performance_Time: 55000,
  /**
   * Not a timer of the standard: from the TCP accept to a complete supportedAppProtocolReq. The standard's
   * V2G_SECC_Sequence_Timeout (60 s) also runs from the accept, but a real EVCC sends its handshake within
   * milliseconds of connecting (its own V2G_EVCC_Msg_Timeout for it is 2 s, and V2G_EVCC_CommunicationSetup_Timeout
   * gives it 20 s up to SessionSetupRes), so a connection that has sent nothing — or only part of a V2GTP
   * message (slowloris) — for 5 s is not a car and must not hold the only session slot for a minute.
   */
  handshake_timeout: 5000,
  // Per-message V2G_SECC_Msg_Performance_Time (ISO 15118-2 Table 109): request decoded → response sent,
  // measured by the runtime's transport (a late response is logged and counted). DIN 70121 names no SECC
  // performance times; the ISO-2 values are applied to DIN too (they sit under DIN's EV timeouts, 2 s / 0.25 s).
  // PnC messages (PaymentDetails, CertificateInstallation/Update: 4.5 s) have no key: the SECC does not handle them.
  V2G_SECC_Msg_Performance_Time_SupportedAppProtocol: 1500,
  V2G_SECC_Msg_Performance_Time_SessionSetup: 1500,
  V2G_SECC_Msg_Performance_Time_ServiceDiscovery: 1500,
  V2G_SECC_Msg_Performance_Time_ServiceDetail: 4500,
  V2G_SECC_Msg_Performance_Time_PaymentServiceSelection: 1500,
  V2G_SECC_Msg_Performance_Time_Authorization: 1500,
  V2G_SECC_Msg_Performance_Time_ChargeParameterDiscovery: 1500,
  V2G_SECC_Msg_Performance_Time_CableCheck: 1500,
  V2G_SECC_Msg_Performance_Time_PreCharge: 1500,
  V2G_SECC_Msg_Performance_Time_PowerDelivery: 4500,
  V2G_SECC_Msg_Performance_Time_CurrentDemand: 25,
  V2G_SECC_Msg_Performance_Time_ChargingStatus: 1500,
  V2G_SECC_Msg_Performance_Time_MeteringReceipt: 1500,
  V2G_SECC_Msg_Performance_Time_WeldingDetection: 1500,
  V2G_SECC_Msg_Performance_Time_SessionStop: 1500,
} as const;

export type V2gEvseTimeouts = { [K in keyof typeof v2gEvseTimeoutDefaults]: number };

/** Body element names of requests whose V2G_SECC_Msg_Performance_Time key has another name (DIN spelling, AppProtocol). */
const seccMsgAlias: Readonly<Record<string, string>> = {
  supportedAppProtocol: 'SupportedAppProtocol',
  ContractAuthentication: 'Authorization',
  ServicePaymentSelection: 'PaymentServiceSelection',
};

/**
 * V2G_SECC_Msg_Performance_Time for a request element name ('CurrentDemandReq', DIN's 'ContractAuthenticationReq',
 * 'supportedAppProtocolReq'); undefined for a request the SECC has no performance time for.
 */
export function seccMsgPerformanceTime(t: V2gEvseTimeouts, requestElement: string): number | undefined {
  const base = requestElement.replace(/Req$/, '');
  const key = `V2G_SECC_Msg_Performance_Time_${seccMsgAlias[base] ?? base}`;
  return (t as Readonly<Record<string, number>>)[key];
}

export interface V2gEvseConfig {
  /** Preference when the EV offers several protocols. pyPLC prefers DIN (best tested with real cars). */
  readonly protocolPreference: readonly Protocol[];
  /** EVSEID (DIN: hexBinary up to 32 bytes; ISO-2: string as bytes). */
  readonly evseId: Uint8Array;
  /** Energy transfer modes offered in ServiceDiscoveryRes. */
  readonly energyTransferModes: readonly EnergyTransferMode[];
  /** Power-supply limits announced in ChargeParameterDiscoveryRes. */
  readonly maxVoltage: number;
  readonly minVoltage: number;
  readonly maxCurrent: number;
  readonly minCurrent: number;
  readonly maxPower: number;
  readonly peakCurrentRipple: number;
  /** AC: nominal voltage (V) and max current (A). */
  readonly acNominalVoltage: number;
  readonly acMaxCurrent: number;
  /** Length of the SessionID the SECC assigns (ISO-2/DIN: 8 bytes; a Supercharger uses 4 — cars must cope). */
  readonly sessionIdLength: number;
  /** Number of Ongoing answers to Authorization / ContractAuthentication before Finished (pyPLC: 1). */
  readonly authorizationOngoingRounds: number;
  /** Number of Ongoing answers to ChargeParameterDiscovery before Finished. */
  readonly chargeParameterOngoingRounds: number;
  /** Voltage (V) for the isolation check in CableCheck (pyPLC cable checker: ~300 V). 0 = the EV's max voltage, capped at maxVoltage. */
  readonly isolationCheckVoltage: number;
  /** Current limit (A) for PreCharge (DIN/ISO-2: ≤ 2 A). */
  readonly prechargeCurrentLimit: number;
  /** AC: ChargingStatusRes.ReceiptRequired, so the EV answers with MeteringReceiptReq (ISO-2 AC flow step 3). */
  readonly receiptRequired: boolean;
  /** MeterID in MeterInfo. */
  readonly meterId: string;
  /** After SessionStop (or a lost connection), accept a new session instead of ending (pyPLC allow_new_session_after_stopping). */
  readonly allowNewSessionAfterStop: boolean;
  readonly timeouts: V2gEvseTimeouts;
}

export const v2gEvseDefaults: V2gEvseConfig = {
  protocolPreference: ['din', 'iso2'],
  evseId: new Uint8Array([0x5a, 0x5a, 0x30, 0x30, 0x30, 0x30, 0x30]), // "ZZ00000" (DIN: EVSEID unknown)
  energyTransferModes: ['DC_extended'],
  maxVoltage: 500,
  minVoltage: 50,
  maxCurrent: 125,
  minCurrent: 0,
  maxPower: 50000,
  peakCurrentRipple: 5,
  acNominalVoltage: 230,
  acMaxCurrent: 16,
  sessionIdLength: 8,
  authorizationOngoingRounds: 1,
  chargeParameterOngoingRounds: 0,
  isolationCheckVoltage: 0,
  prechargeCurrentLimit: 2,
  receiptRequired: false,
  meterId: 'TSPLC-METER',
  allowNewSessionAfterStop: true,
  timeouts: { ...v2gEvseTimeoutDefaults },
};
