// battery_source = "static": the pack as the [ev] section describes it. The pack
// voltage is a key of its own (ev.battery_voltage): deriving it from initial_soc
// and max_voltage once precharged a 270 V pack to 343 V before the contactors
// closed. Without it the source refuses, and the car cannot charge.
import { err, ok, type Result } from '../../result.js';
import type { BatteryState } from '../../ports/hardware.js';

export interface StaticBatteryConfig {
  readonly battery_voltage: number | null;
  readonly initial_soc: number;
  readonly max_current: number;
  readonly max_voltage: number;
  readonly battery_capacity_wh: number;
}

export interface BatterySourceError {
  readonly code: 'BATTERY_VOLTAGE_MISSING' | 'SOURCE_NOT_AVAILABLE' | 'SOURCE_RESERVED';
  readonly message: string;
}

export function staticBattery(ev: StaticBatteryConfig): Result<BatteryState, BatterySourceError> {
  if (ev.battery_voltage === null)
    return err({ code: 'BATTERY_VOLTAGE_MISSING', message: 'ev.battery_voltage is not set: with ev.battery_source = "static" tsplc needs the pack voltage (the precharge target) and will not guess it' });
  if (ev.battery_voltage > ev.max_voltage)
    return err({ code: 'BATTERY_VOLTAGE_MISSING', message: `ev.battery_voltage ${ev.battery_voltage} V is above ev.max_voltage ${ev.max_voltage} V` });
  return ok({ socPercent: ev.initial_soc, voltage: ev.battery_voltage, maxCurrent: ev.max_current, maxVoltage: ev.max_voltage, capacityWh: ev.battery_capacity_wh });
}

/**
 * What a board without a BMS link reports before a source takes over: the static values
 * when the pack voltage is configured, else a pack that accepts nothing (0 V, 0 A), so a
 * board used without a source can never precharge to a guessed voltage.
 */
export function boardBattery(ev: StaticBatteryConfig): BatteryState {
  const s = staticBattery(ev);
  return s.ok ? s.value : { socPercent: ev.initial_soc, voltage: 0, maxCurrent: 0, maxVoltage: ev.max_voltage, capacityWh: ev.battery_capacity_wh };
}
