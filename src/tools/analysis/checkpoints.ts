// pyPLC checkpoint numbers (../shared/reference/checkpoints.md) for what a
// capture shows, so decode output can be read side by side with pyPLC logs
// and with tsplc's own status stream.
import type { Json } from './exi-bridge.js';
import { fieldText } from './fields.js';
import { Checkpoint } from '../../checkpoints.js';

/** Checkpoint per message name; DIN names, the ISO-2/-20 equivalents map to the same step. */
export const MESSAGE_CHECKPOINT: Readonly<Record<string, Checkpoint>> = {
  supportedAppProtocolReq: Checkpoint.SupportedAppProtocolReq,
  supportedAppProtocolRes: Checkpoint.SupportedAppProtocolRes,
  SessionSetupReq: Checkpoint.SessionSetupReq,
  SessionSetupRes: Checkpoint.SessionSetupRes,
  ServiceDiscoveryReq: Checkpoint.ServiceDiscoveryReq,
  ServiceDiscoveryRes: Checkpoint.ServiceDiscoveryRes,
  ServicePaymentSelectionReq: Checkpoint.PaymentSelectionReq,
  ServicePaymentSelectionRes: Checkpoint.PaymentSelectionRes,
  PaymentServiceSelectionReq: Checkpoint.PaymentSelectionReq,
  PaymentServiceSelectionRes: Checkpoint.PaymentSelectionRes,
  ServiceSelectionReq: Checkpoint.PaymentSelectionReq,
  ServiceSelectionRes: Checkpoint.PaymentSelectionRes,
  ContractAuthenticationReq: Checkpoint.AuthorizationReq,
  ContractAuthenticationRes: Checkpoint.AuthorizationRes,
  AuthorizationReq: Checkpoint.AuthorizationReq,
  AuthorizationRes: Checkpoint.AuthorizationRes,
  ChargeParameterDiscoveryReq: Checkpoint.ChargeParameterDiscoveryReq,
  ChargeParameterDiscoveryRes: Checkpoint.ChargeParameterDiscoveryRes,
  CableCheckReq: Checkpoint.CableCheckReq,
  CableCheckRes: Checkpoint.CableCheckRes,
  PreChargeReq: Checkpoint.PreChargeReq,
  PreChargeRes: Checkpoint.PreChargeRes,
  PowerDeliveryReq: Checkpoint.PowerDeliveryStartReq,
  PowerDeliveryRes: Checkpoint.PowerDeliveryStartRes,
  CurrentDemandReq: Checkpoint.CurrentDemandReq,
  CurrentDemandRes: Checkpoint.CurrentDemandRes,
  WeldingDetectionReq: Checkpoint.WeldingDetectionReq,
  WeldingDetectionRes: Checkpoint.WeldingDetectionRes,
  SessionStopReq: Checkpoint.SessionStopReq,
  SessionStopRes: Checkpoint.SessionStopRes,
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
export function messageCheckpoint(name: string, body: Json | undefined, stopping: boolean): Checkpoint | undefined {
  const stem = checkpointStem(name);
  if (stem === 'PowerDeliveryReq') return isStopRequest(body) ? Checkpoint.PowerDeliveryStopReq : Checkpoint.PowerDeliveryStartReq;
  if (stem === 'PowerDeliveryRes') return stopping ? Checkpoint.PowerDeliveryStopRes : Checkpoint.PowerDeliveryStartRes;
  if (stem === 'CurrentDemandRes' && fieldText(body, 'EVSEStatusCode') === 'EVSE_Shutdown') return Checkpoint.EvseShutdown;
  return MESSAGE_CHECKPOINT[stem];
}

/** PowerDeliveryReq that stops: DIN ReadyToChargeState false, ISO-2/-20 ChargeProgress Stop. */
export function isStopRequest(body: Json | undefined): boolean {
  const ready = fieldText(body, 'ReadyToChargeState');
  if (ready !== undefined) return ready === 'false';
  const progress = fieldText(body, 'ChargeProgress');
  return progress === 'Stop';
}
