// Deadlines and limits of the SafeShutdownSequence (machines/safe-shutdown), in
// A, V and ms. The standards name none of them, so they are camelCase like the
// other timing objects; the config's [safety] keys map onto them one to one.

/** Named delays and limits; the config keys in [safety] map onto these one to one. */
export interface SafeShutdownTimings {
  /** Contactors may open only at or below this current, A. */
  readonly currentLimit: number;
  /** Touch-safe inlet voltage, V (IEC 61851-23 / IEC 60364-4-41: 60 V DC). */
  readonly safeVoltage: number;
  /** Longest wait for the current to fall after the 0 A request, ms (pyPLC and ccs32clara wait 2 s after state B). */
  readonly currentDropDeadline: number;
  /** Longest wait for the contactor feedback to report open, ms (beyond it: welded). */
  readonly contactorOpenDeadline: number;
  /** Longest wait for the inlet to fall below safeVoltage after opening, ms. */
  readonly safeVoltageDeadline: number;
  /** Without an inlet voltage sensor: wait this long after opening, then unlock (pyPLC and ccs32clara: 1 s). */
  readonly dischargeWaitWithoutSensor: number;
  /** Longest wait for the lock feedback to report unlocked, ms. */
  readonly unlockDeadline: number;
}

export const safeShutdownDefaults: SafeShutdownTimings = {
  currentLimit: 5,
  safeVoltage: 60,
  currentDropDeadline: 2000,
  contactorOpenDeadline: 1000,
  // The Ioniq/Compleo trace needed two WeldingDetection rounds (109 V, then 65 V) before the
  // inlet was safe; 10 s leaves room for slow charger discharge circuits.
  safeVoltageDeadline: 10_000,
  dischargeWaitWithoutSensor: 1000,
  unlockDeadline: 2000,
};

/** The worst-case duration of a shutdown with these timings (for systemd's TimeoutStopSec). */
export function safeShutdownBudgetMs(t: SafeShutdownTimings = safeShutdownDefaults): number {
  return t.currentDropDeadline + t.contactorOpenDeadline + Math.max(t.safeVoltageDeadline, t.dischargeWaitWithoutSensor) + t.unlockDeadline;
}
