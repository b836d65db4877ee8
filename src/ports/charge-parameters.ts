// Port: a charge-parameter source for the CCS car session. Normally the car's
// own battery facts decide what v2g-ev asks for; with a source (the CHAdeMO
// bridge) the session follows it instead: CurrentDemandReq EVTargetVoltage/
// EVTargetCurrent, the PreChargeReq target, and when PreCharge may end.
import type { Observable } from 'rxjs';

export interface ChargeParameters {
  /** CurrentDemandReq EVTargetVoltage, V. */
  readonly targetVoltage: number;
  /** CurrentDemandReq EVTargetCurrent, A (0 while the far side cannot take current). */
  readonly targetCurrent: number;
  /** PreChargeReq EVTargetVoltage, V (an estimate until the far side reports the real pack voltage). */
  readonly prechargeVoltage: number;
  /** PreCharge ends only when true (the far side's contactors are closed onto the precharged cable). */
  readonly readyForPower: boolean;
  /** The source is stopping and opens the power path itself: contactors opening in CurrentDemand are expected. */
  readonly stopping: boolean;
}

export interface ChargeParameterSource {
  readonly parameters$: Observable<ChargeParameters>;
}
