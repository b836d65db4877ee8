// Response-code and status-code policy, decided in one place (STYLE.md: "the
// driver maps decode errors to the reply the wire protocol wants … decided in
// one place"). Sources: protocol-facts.md §5, pyplc-inventory.md §1.3–1.4, §2.
import { isAcMode, type DcEvseStatusCode, type EnergyTransferMode, type EvseNotification, type IsolationLevel, type RequestKind, type ResponseCode, type V2gRequest } from './model.js';

/** What the EV does after a response. */
export type EvReaction =
  /** Carry on with the flow. */
  | { readonly action: 'continue' }
  /** Charger-side stop: PowerDelivery(Stop) → CP B → WeldingDetection → SessionStop (or straight to SessionStop before power flowed). */
  | { readonly action: 'gracefulStop'; readonly reason: string }
  /** Session over: request the SafeShutdownSequence now. */
  | { readonly action: 'safeShutdown'; readonly reason: string };

export function isOkCode(code: ResponseCode): boolean {
  return code.startsWith('OK');
}

/**
 * ResponseCode → reaction. Any FAILED_* ends the session: the only request
 * still allowed would be SessionStopReq ([V2G2-ED2-1664…1667] as cited by HU),
 * and ccs32clara / pyPLC run the safe shutdown at once — tsplc does the same.
 * Exception: WeldingDetection and SessionStop, where the charge is already
 * over — an Alpitronic answers WeldingDetectionReq with FAILED and an ABB not
 * at all (pyplc-inventory §1.3); the EV goes on to SessionStop / the end.
 */
export function evReactionToResponseCode(kind: RequestKind, code: ResponseCode): EvReaction {
  if (isOkCode(code)) return { action: 'continue' };
  if (kind === 'WeldingDetection' || kind === 'SessionStop') return { action: 'continue' };
  return { action: 'safeShutdown', reason: `${code} in ${kind}Res` };
}

/**
 * DC_EVSEStatusCode → reaction (protocol-facts §5 table).
 * EVSE_NotReady, EVSE_Ready, EVSE_IsolationMonitoringActive: carry on.
 * EVSE_Shutdown: graceful stop (pyPLC treated it as an error; the Compleo
 *   trace shows a car answering it with PowerDelivery(stop) — tsplc does that).
 * EVSE_UtilityInterruptEvent: no source gives an action; stopping gracefully is the safe reading.
 * EVSE_EmergencyShutdown, EVSE_Malfunction, Reserved_*: immediate safe shutdown.
 */
export function evReactionToEvseStatus(code: DcEvseStatusCode): EvReaction {
  switch (code) {
    case 'EVSE_NotReady':
    case 'EVSE_Ready':
    case 'EVSE_IsolationMonitoringActive':
      return { action: 'continue' };
    case 'EVSE_Shutdown':
    case 'EVSE_UtilityInterruptEvent':
      return { action: 'gracefulStop', reason: code };
    case 'EVSE_EmergencyShutdown':
    case 'EVSE_Malfunction':
    case 'Reserved_8':
    case 'Reserved_9':
    case 'Reserved_A':
    case 'Reserved_B':
    case 'Reserved_C':
      return { action: 'safeShutdown', reason: code };
  }
}

/** EVSENotification → reaction. StopCharging: PowerDelivery(Stop) within NotificationMaxDelay; ReNegotiation is not done by tsplc (EIM, one schedule): ignored. */
export function evReactionToNotification(n: EvseNotification): EvReaction {
  return n === 'StopCharging' ? { action: 'gracefulStop', reason: 'EVSENotification StopCharging' } : { action: 'continue' };
}

/** The worse of two reactions. */
export function worst(a: EvReaction, b: EvReaction): EvReaction {
  const rank = { continue: 0, gracefulStop: 1, safeShutdown: 2 } as const;
  return rank[b.action] > rank[a.action] ? b : a;
}

/**
 * A decode error that still carries the complete document: the EXI codec's
 * TRAILING_BYTES (bytes after the end of the document). Tesla cars (Model 3,
 * Model Y) send one extra byte after some EXI documents (seen in
 * tesla-3-din.pcap and the 2024-04-20 Model Y capture); a tolerant receiver
 * uses the document. Returns it, or undefined for a real decode failure.
 */
export function documentDespiteError(error: { readonly code: string }): unknown {
  if (error.code !== 'TRAILING_BYTES') return undefined;
  const doc = (error as { readonly document?: unknown }).document;
  return typeof doc === 'object' && doc !== null ? doc : undefined;
}

// ---------------------------------------------------------------------------
// SECC message sequence: which request may follow which, per energy mode.
//
// DIN 70121 §9.7.4.2.4 ("normal SECC message sequence") lists, for every response the SECC sent,
// the requests it expects next ([V2G-DC-437] after the handshake, [V2G-DC-439] SessionSetup,
// [V2G-DC-441] ServiceDiscovery, [V2G-DC-444] ServicePaymentSelection, [V2G-DC-495/497]
// ContractAuthentication, [V2G-DC-453/498] ChargeParameterDiscovery, [V2G-DC-455/499] CableCheck,
// [V2G-DC-458] PreCharge, [V2G-DC-462] PowerDelivery(ReadyToChargeState=TRUE), [V2G-DC-465]
// CurrentDemand, [V2G-DC-459] PowerDelivery(FALSE), [V2G-DC-469] WeldingDetection); any other
// request gets FAILED_SequenceError and the SECC ends the session ([V2G-DC-666], [V2G-DC-390]:
// FAILED_SequenceError outranks every other code). ISO 15118-2 says the same for its DC and AC
// flows ([V2G2-538]: an unexpected request is answered with FAILED_SequenceError in that request's
// own response type; [V2G2-539]: then the connection is closed). The numbers are as cited by public
// implementations (EVerest EvseV2G, EN+ ccu); the flows are protocol-facts §4.2.
//
// The sequence is a property of the energy mode (chosen in ChargeParameterDiscoveryReq):
// - DC (DIN DC, ISO-2 DC): … ChargeParameterDiscovery → CableCheck (looped while Ongoing) → PreCharge
//   (looped) → PowerDelivery(Start) → CurrentDemand loop → PowerDelivery(Stop) → WeldingDetection → SessionStop.
//   Energy transfer needs a *finished* cable check with a usable isolation result: a CableCheckRes
//   that said Ongoing only allows another CableCheckReq, and one that finished with Invalid / Fault
//   (or a check that timed out) allows nothing that moves energy. Safety reason: IEC 61851-23 requires
//   the insulation test before the DC output is connected to the vehicle (protocol-facts §4.4, §5).
// - AC (ISO-2 AC): … ChargeParameterDiscovery → PowerDelivery(Start) → ChargingStatus loop
//   (+ MeteringReceipt) → PowerDelivery(Stop) → SessionStop; CableCheck, PreCharge, CurrentDemand and
//   WeldingDetection are DC-only and refused.
// Deliberate deviations from the letter, both towards stopping: SessionStopReq is accepted after any
// response once a session exists (DIN lists it neither after PowerDelivery(TRUE) nor in the charge
// loop; EVerest reads that as an oversight too — refusing a car's stop would only make it abort harder),
// and PowerDeliveryReq(Stop) is accepted after PreCharge (a car that gives up after precharge, e.g.
// on EVSE_Shutdown, may switch off in order). Stopping never enables the output.

export type EnergyMode = 'DC' | 'AC';

export function energyModeOf(mode: EnergyTransferMode): EnergyMode {
  return isAcMode(mode) ? 'AC' : 'DC';
}

/** A request as the sequence sees it: PowerDeliveryReq split by ChargeProgress (DIN: ReadyToChargeState TRUE = Start, FALSE = Stop). */
export type SeccStep = Exclude<RequestKind, 'PowerDelivery'> | 'PowerDeliveryStart' | 'PowerDeliveryStop' | 'PowerDeliveryRenegotiate';

export function seccStepOf(req: V2gRequest): SeccStep {
  if (req.kind !== 'PowerDelivery') return req.kind;
  return req.progress === 'Start' ? 'PowerDeliveryStart' : req.progress === 'Stop' ? 'PowerDeliveryStop' : 'PowerDeliveryRenegotiate';
}

/**
 * Where the session stands: the last accepted request ('start' = right after the handshake), with
 * CableCheck split by what its response said — still Ongoing, Finished with a usable isolation
 * result, or Finished with an unusable one (Invalid, Fault, No_IMD, or the check timed out).
 */
export type SeccStage = 'start' | Exclude<SeccStep, 'CableCheck'> | 'CableCheckOngoing' | 'CableCheckFinished' | 'CableCheckFailed';

/**
 * Isolation results that allow DC energy transfer. IEC 61851-23: Valid, and Warning (insulation
 * resistance below the warning threshold but above the fault one: charging may go on, the operator
 * is told). Invalid (no valid measurement), Fault and No_IMD (the charger has no insulation monitor,
 * so no cable check happened — ISO-2 only) do not: a DC output without an insulation test is exactly
 * what the cable check exists to prevent.
 */
export function isolationAllowsEnergyTransfer(level: IsolationLevel | 'Timeout'): boolean {
  return level === 'Valid' || level === 'Warning';
}

type Table = Record<SeccStage, readonly SeccStep[]>;

/** Up to ChargeParameterDiscovery both modes are the same ([V2G-DC-437…497]; ISO-2 adds ServiceDetail). */
const common = {
  start: ['SessionSetup'],
  SessionSetup: ['ServiceDiscovery', 'SessionStop'],
  ServiceDiscovery: ['ServiceDetail', 'PaymentServiceSelection', 'SessionStop'],
  ServiceDetail: ['ServiceDetail', 'PaymentServiceSelection', 'SessionStop'],
  PaymentServiceSelection: ['Authorization', 'SessionStop'],
  Authorization: ['Authorization', 'ChargeParameterDiscovery', 'SessionStop'],
  // ISO-2 renegotiation: PowerDelivery(Renegotiate) → ChargeParameterDiscovery again (protocol-facts §4.2).
  PowerDeliveryRenegotiate: ['ChargeParameterDiscovery', 'SessionStop'],
  SessionStop: [],
} as const satisfies Partial<Table>;

const none: readonly SeccStep[] = [];

const dcSequence: Table = {
  ...common,
  // [V2G-DC-453/498]: after ChargeParameterDiscoveryRes only ChargeParameterDiscovery (Ongoing loop) or CableCheck —
  // never PowerDelivery (issue 8: a car that skipped CableCheck got 398 V / 100 A).
  ChargeParameterDiscovery: ['ChargeParameterDiscovery', 'CableCheck', 'SessionStop'],
  // EVSEProcessing Ongoing: the EV must ask again until Finished ([V2G-DC-455/499]).
  CableCheckOngoing: ['CableCheck', 'SessionStop'],
  CableCheckFinished: ['CableCheck', 'PreCharge', 'SessionStop'],
  // Finished with an unusable isolation result (reported as measured, with EVSE_Malfunction): the EV may ask
  // again and hears the same answer; nothing that drives the output is accepted.
  CableCheckFailed: ['CableCheck', 'SessionStop'],
  // [V2G-DC-458]: PreCharge loop, then PowerDelivery(TRUE).
  PreCharge: ['PreCharge', 'PowerDeliveryStart', 'PowerDeliveryStop', 'SessionStop'],
  // [V2G-DC-462]: CurrentDemand; PowerDelivery(Stop) for a stop in the first response (EVSE_Shutdown in PowerDeliveryRes).
  PowerDeliveryStart: ['CurrentDemand', 'PowerDeliveryStop', 'SessionStop'],
  // [V2G-DC-465].
  CurrentDemand: ['CurrentDemand', 'PowerDeliveryStop', 'PowerDeliveryRenegotiate', 'SessionStop'],
  // [V2G-DC-459]: after PowerDelivery(FALSE) no more CurrentDemand.
  PowerDeliveryStop: ['WeldingDetection', 'SessionStop'],
  WeldingDetection: ['WeldingDetection', 'SessionStop'],
  // AC-only requests never become a DC stage.
  ChargingStatus: none,
  MeteringReceipt: none,
};

const acSequence: Table = {
  ...common,
  // ISO-2 AC: PowerDelivery(Start) right after ChargeParameterDiscovery (state C/D within 250 ms, [V2G2-847]).
  ChargeParameterDiscovery: ['ChargeParameterDiscovery', 'PowerDeliveryStart', 'SessionStop'],
  PowerDeliveryStart: ['ChargingStatus', 'PowerDeliveryStop', 'SessionStop'],
  ChargingStatus: ['ChargingStatus', 'MeteringReceipt', 'PowerDeliveryStop', 'PowerDeliveryRenegotiate', 'SessionStop'],
  MeteringReceipt: ['ChargingStatus', 'PowerDeliveryStop', 'PowerDeliveryRenegotiate', 'SessionStop'],
  // AC ends PowerDelivery(Stop) → state B ([V2G2-848]) → SessionStop: no WeldingDetection (DC-only).
  PowerDeliveryStop: ['SessionStop'],
  // DC-only requests never become an AC stage.
  CableCheckOngoing: none,
  CableCheckFinished: none,
  CableCheckFailed: none,
  PreCharge: none,
  CurrentDemand: none,
  WeldingDetection: none,
};

const sequences: Record<EnergyMode, Table> = { DC: dcSequence, AC: acSequence };

/** The requests that may follow `stage` in `mode`. */
export function allowedNext(mode: EnergyMode, stage: SeccStage): readonly SeccStep[] {
  return sequences[mode][stage];
}

/** Whether `next` may follow `stage` in `mode` (else the SECC answers FAILED_SequenceError, [V2G-DC-666] / [V2G2-538]). */
export function isAllowedNext(mode: EnergyMode, stage: SeccStage, next: SeccStep): boolean {
  return sequences[mode][stage].includes(next);
}
