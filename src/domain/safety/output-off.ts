// The charger's "output off when the car leaves C/D" rule (IEC 61851-1: the output is live only in
// CP state C/D). A car that leaves C/D without a PowerDelivery stop (its own protection opened the
// CP switch, a cable fault) must find the output switched off at once, or it waits in vain for a
// safe inlet voltage before unlocking. Pure: the runtime feeds CP states and carries out the verdict.
import type { CpState } from '../../ports/hardware.js';

/** Whether a CP state asks for energy (IEC 61851-1 states C and D; D adds ventilation). */
export const cpRequestsEnergy = (cp: CpState): boolean => cp === 'C' || cp === 'D';

export interface CpEnergyStep {
  /** Whether the car asks for energy after this CP state. */
  readonly energy: boolean;
  /** Switch the output off and open the output contactor now: the car left C/D. */
  readonly switchOutputOff: boolean;
}

/** One CP state after another: `wasEnergy` is the previous step's `energy` (false before the first state). */
export function cpEnergyStep(wasEnergy: boolean, cp: CpState): CpEnergyStep {
  const energy = cpRequestsEnergy(cp);
  return { energy, switchOutputOff: wasEnergy && !energy };
}
