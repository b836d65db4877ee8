// Response-code and status-code policy, decided in one place (STYLE.md: "the
// driver maps decode errors to the reply the wire protocol wants … decided in
// one place"). Sources: protocol-facts.md §5, pyplc-inventory.md §1.3–1.4, §2.
import type { DcEvseStatusCode, EvseNotification, RequestKind, ResponseCode } from './model.js';

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
// SECC sequence: which request may follow which (protocol-facts §4.2).
// 'start' = right after the handshake.

/** 'PowerDeliveryStop' = after PowerDeliveryReq(Stop), when only WeldingDetection and SessionStop may follow. */
export type SeccStage = 'start' | RequestKind | 'PowerDeliveryStop';

const after: Record<SeccStage, readonly RequestKind[]> = {
  start: ['SessionSetup'],
  SessionSetup: ['ServiceDiscovery', 'SessionStop'],
  ServiceDiscovery: ['ServiceDetail', 'PaymentServiceSelection', 'SessionStop'],
  ServiceDetail: ['ServiceDetail', 'PaymentServiceSelection', 'SessionStop'],
  PaymentServiceSelection: ['Authorization', 'SessionStop'],
  Authorization: ['Authorization', 'ChargeParameterDiscovery', 'SessionStop'],
  ChargeParameterDiscovery: ['ChargeParameterDiscovery', 'CableCheck', 'PowerDelivery', 'SessionStop'],
  CableCheck: ['CableCheck', 'PreCharge', 'SessionStop'],
  PreCharge: ['PreCharge', 'PowerDelivery', 'SessionStop'],
  PowerDelivery: ['CurrentDemand', 'ChargingStatus', 'PowerDelivery', 'SessionStop'],
  PowerDeliveryStop: ['WeldingDetection', 'SessionStop', 'ChargeParameterDiscovery'],
  CurrentDemand: ['CurrentDemand', 'PowerDelivery', 'SessionStop'],
  ChargingStatus: ['ChargingStatus', 'MeteringReceipt', 'PowerDelivery', 'SessionStop'],
  MeteringReceipt: ['ChargingStatus', 'PowerDelivery', 'SessionStop'],
  WeldingDetection: ['WeldingDetection', 'SessionStop'],
  SessionStop: [],
};

/** Whether `next` may follow `stage` (else the SECC answers FAILED_SequenceError). */
export function isAllowedNext(stage: SeccStage, next: RequestKind): boolean {
  return after[stage].includes(next);
}
