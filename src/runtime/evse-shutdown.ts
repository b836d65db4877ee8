// The charger's safe shutdown: output off, output contactor open. It has no lock and no
// contactor-before-current ordering problem of its own (the supply ramps down), so it is two
// commands — but either driver call can fail, and the result says which did, so the stack's
// `shutdowns` list and the manager's SAFE_SHUTDOWN.DONE report what the charger really did.
import type { EvseHardware } from '../ports/hardware.js';
import type { Logger } from '../ports/log.js';
import { errorMessage } from '../errors.js';

export type EvseShutdownFaultCode = 'POWER_SUPPLY_OFF_FAILED' | 'CONTACTOR_OPEN_FAILED';

export interface EvseShutdownFault {
  readonly code: EvseShutdownFaultCode;
  readonly message: string;
}

export interface EvseShutdownOutput {
  /** outputOff: both commands were given (the line `shutdown outputOff` of docs/user-manual.md); outputOffWithFault: a driver threw (see faults). */
  readonly endState: 'outputOff' | 'outputOffWithFault';
  readonly faults: readonly EvseShutdownFault[];
  /** Whether the board has an output contactor at all (some supplies switch only their converter). */
  readonly contactorOpened: boolean;
  readonly reason: string;
}

export function switchEvseOutputOff(hw: EvseHardware, reason: string, log: Logger): EvseShutdownOutput {
  const faults: EvseShutdownFault[] = [];
  const attempt = (code: EvseShutdownFaultCode, what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      const message = `${what} failed: ${errorMessage(e)}`;
      log.log('error', message, { code });
      faults.push({ code, message });
    }
  };
  attempt('POWER_SUPPLY_OFF_FAILED', 'powerSupply.off', () => hw.powerSupply.off());
  const contactors = hw.contactors;
  if (contactors) attempt('CONTACTOR_OPEN_FAILED', 'contactors.open', () => contactors.open());
  return { endState: faults.length === 0 ? 'outputOff' : 'outputOffWithFault', faults, contactorOpened: contactors !== undefined && !faults.some((f) => f.code === 'CONTACTOR_OPEN_FAILED'), reason };
}
