// The CHAdeMO charger-side sequence's timers and limits (protocol-facts §7, OX
// chademoCharger.cpp). Every delay is a named XState delay of
// machines/chademo-bridge, configurable under [chademo].
import type { ChademoProtocol } from './frames.js';

export const chademoTimeoutDefaults = {
  /** CAN cycle of 0x108/0x109 (OX CHA_CYCLE_MS). */
  CHA_Cycle: 100,
  /** D1 set → the car closes k and sets 102.5.0 (charging enabled) within 8 s. */
  CHA_T_VehicleReady: 8000,
  /** k + READY → D2 set within 20 s (compatibility check, lock, CCS precharge). */
  CHA_T_D2: 20000,
  /** D2 → the car clears 102.5.3 (contactor open) within 4 s (protocol 1.0+). */
  CHA_T_ContactorClose: 4000,
  /** Protocol 0.9 has no contactor flag: the contactors are taken as closed 2 s after D2, open 2 s after the stop. */
  CHA_T_Contactor09: 2000,
  /** Contactors closed → current request > 0 within 4 s. */
  CHA_T_CurrentRequest: 4000,
  /** No valid 0x102 for 1 s → stop. */
  CHA_T_CanSilence: 1000,
  /** STOPPED → present current ≤ the stop current limit; past it the stop goes on and the fault is logged. */
  CHA_T_CurrentDown: 2000,
  /** Current down → the car sets 102.5.3 (contactor open) within 4 s. */
  CHA_T_ContactorOpen: 4000,
  /** Lock command → lock feedback 'locked'. */
  CHA_T_Lock: 2000,
  /** D1 off → the connector voltage below safe_voltage; past it the plug stays locked (defined end, logged). */
  CHA_T_SafeVoltage: 10000,
} as const;

export type ChademoTimeouts = { [K in keyof typeof chademoTimeoutDefaults]: number };

export interface ChademoBridgeConfig {
  /** Highest CHAdeMO protocol the bridge speaks; the session uses the lower of this and the car's. */
  readonly protocol: ChademoProtocol;
  /** How fast the current handed to the CCS session may rise, A/s (a fall is passed on at once). */
  readonly currentRamp: number;
  /** The bridge's own current cap (cable, adapter rating), A; 0 = none. */
  readonly maxCurrent: number;
  /** STOPPED: D2 drops only at or below this present current (OX: 5 A). */
  readonly stopCurrentLimit: number;
  /** No unlock at or above this connector voltage (IEC 61851-23 / CHAdeMO: 60 V). */
  readonly safeVoltage: number;
  /** 0x108 byte 0: the bridge supports welding detection. */
  readonly weldingDetection: boolean;
  /** Whether the CHAdeMO plug lock reports its state (else the lock command is taken as done). */
  readonly lockHasFeedback: boolean;
  /**
   * Pack voltage at 0 % SOC as a fraction of the car's 0x102 target voltage, used for the precharge
   * estimate when 0x100 gives no minimum voltage (NMC packs: 3.2 V / 4.1 V per cell ≈ 0.78).
   */
  readonly emptyVoltageRatio: number;
  readonly timeouts: ChademoTimeouts;
}

export const chademoBridgeDefaults: ChademoBridgeConfig = {
  protocol: '1.0',
  currentRamp: 20,
  maxCurrent: 125,
  stopCurrentLimit: 5,
  safeVoltage: 60,
  weldingDetection: false,
  lockHasFeedback: true,
  emptyVoltageRatio: 0.78,
  timeouts: { ...chademoTimeoutDefaults },
};

/**
 * CHAdeMO reports no pack voltage before its contactors close (protocol-facts §7, OX readme), but
 * the CCS PreCharge needs a target: the estimate interpolates the open-circuit voltage linearly in
 * SOC between the pack's empty voltage (0x100 minimum voltage, or emptyVoltageRatio × target when
 * the car sends none) and the 0x102 target voltage (the car's end-of-charge voltage). A Leaf 24 kWh
 * (target 410 V, minimum ~300 V) at 45 % gives ~350 V; the real OCV is within ~15 V of that, inside
 * the CCS PreCharge delta (20 V), and the CCS charger limits precharge current to 2 A anyway.
 */
export function estimatePackVoltage(targetVoltage: number, soc: number, minVoltage: number | undefined, emptyVoltageRatio: number): number {
  if (targetVoltage <= 0) return 0;
  const empty = minVoltage !== undefined && minVoltage > 0 && minVoltage < targetVoltage ? minVoltage : targetVoltage * emptyVoltageRatio;
  const s = Math.max(0, Math.min(100, soc)) / 100;
  return Math.round((empty + (targetVoltage - empty) * s) * 10) / 10;
}

/** The bridge config from the validated [chademo] section (src/config/schema.ts). */
export function chademoBridgeConfigFrom(c: {
  readonly protocol: ChademoProtocol;
  readonly max_current: number;
  readonly current_ramp: number;
  readonly stop_current: number;
  readonly safe_voltage: number;
  readonly empty_voltage_ratio: number;
  readonly welding_detection: boolean;
  /** A pin name or number; -1 = no lock feedback fitted. */
  readonly pin_lock_feedback: number | string;
} & { readonly [K in keyof ChademoTimeouts]: number }): ChademoBridgeConfig {
  const timeouts = Object.fromEntries(Object.keys(chademoTimeoutDefaults).map((k) => [k, c[k as keyof ChademoTimeouts]])) as ChademoTimeouts;
  return {
    protocol: c.protocol,
    currentRamp: c.current_ramp,
    maxCurrent: c.max_current,
    stopCurrentLimit: c.stop_current,
    safeVoltage: c.safe_voltage,
    weldingDetection: c.welding_detection,
    lockHasFeedback: c.pin_lock_feedback !== -1,
    emptyVoltageRatio: c.empty_voltage_ratio,
    timeouts,
  };
}
