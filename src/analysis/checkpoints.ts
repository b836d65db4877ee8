// pyPLC checkpoint numbers (../shared/reference/checkpoints.md) for what a
// capture shows, so decode output can be read side by side with pyPLC logs
// and with tsplc's own status stream.
import type { Json } from './exi-bridge.js';
import { fieldText } from './fields.js';

/** Checkpoint per message name; DIN names, the ISO-2/-20 equivalents map to the same step. */
export const MESSAGE_CHECKPOINT: Readonly<Record<string, number>> = {
  supportedAppProtocolReq: 400,
  supportedAppProtocolRes: 402,
  SessionSetupReq: 500,
  SessionSetupRes: 505,
  ServiceDiscoveryReq: 510,
  ServiceDiscoveryRes: 515,
  ServicePaymentSelectionReq: 520,
  ServicePaymentSelectionRes: 525,
  PaymentServiceSelectionReq: 520,
  PaymentServiceSelectionRes: 525,
  ServiceSelectionReq: 520,
  ServiceSelectionRes: 525,
  ContractAuthenticationReq: 530,
  ContractAuthenticationRes: 535,
  AuthorizationReq: 530,
  AuthorizationRes: 535,
  ChargeParameterDiscoveryReq: 540,
  ChargeParameterDiscoveryRes: 545,
  CableCheckReq: 560,
  CableCheckRes: 565,
  PreChargeReq: 570,
  PreChargeRes: 575,
  PowerDeliveryReq: 600,
  PowerDeliveryRes: 605,
  CurrentDemandReq: 700,
  CurrentDemandRes: 705,
  WeldingDetectionReq: 850,
  WeldingDetectionRes: 855,
  SessionStopReq: 900,
  SessionStopRes: 905,
};

/** DIN/ISO-2 names for ISO-20 (DC_CableCheckReq → CableCheckReq, DC_ChargeLoopReq → CurrentDemandReq). */
export function checkpointStem(name: string): string {
  return name.replace(/^(DC_|AC_)/, '').replace(/ChargeLoop(Req|Res)$/, 'CurrentDemand$1');
}

/**
 * Checkpoint of one message. `stopping` tells a PowerDeliveryRes whether its
 * request was the stop (800/805) or the start (600/605); a CurrentDemandRes
 * with EVSE_Shutdown is the charger-side stop (790).
 */
export function messageCheckpoint(name: string, body: Json | undefined, stopping: boolean): number | undefined {
  const stem = checkpointStem(name);
  if (stem === 'PowerDeliveryReq') return isStopRequest(body) ? 800 : 600;
  if (stem === 'PowerDeliveryRes') return stopping ? 805 : 605;
  if (stem === 'CurrentDemandRes' && fieldText(body, 'EVSEStatusCode') === 'EVSE_Shutdown') return 790;
  return MESSAGE_CHECKPOINT[stem];
}

/** PowerDeliveryReq that stops: DIN ReadyToChargeState false, ISO-2/-20 ChargeProgress Stop. */
export function isStopRequest(body: Json | undefined): boolean {
  const ready = fieldText(body, 'ReadyToChargeState');
  if (ready !== undefined) return ready === 'false';
  const progress = fieldText(body, 'ChargeProgress');
  return progress === 'Stop';
}
