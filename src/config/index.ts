// tsplc configuration: schema, validation, overrides, pyPLC import, and the
// adapters that turn the validated config into each machine's input.
import type { TsplcConfig } from './schema.js';
import type { SafeShutdownTimings } from '../domain/safety/timing.js';
import type { ConnectionManagerTimings } from '../domain/connection/timing.js';
import type { SafetyLimits } from '../domain/safety/monitor.js';
import type { SlacEvTimings, SlacEvseTimings } from '../domain/slac/timing.js';

export * from './schema.js';
export * from './spec.js';
export * from './validate.js';
export * from './pyplc.js';
export { renderConfigDoc } from './docs.js';

export function safeShutdownTimingsOf(c: TsplcConfig): SafeShutdownTimings {
  const s = c.safety;
  return {
    currentLimit: s.current_limit,
    safeVoltage: s.safe_voltage,
    currentDropDeadline: s.current_drop_deadline,
    contactorOpenDeadline: s.contactor_open_deadline,
    safeVoltageDeadline: s.safe_voltage_deadline,
    dischargeWaitWithoutSensor: s.discharge_wait_without_sensor,
    unlockDeadline: s.unlock_deadline,
  };
}

export function connectionTimingsOf(c: TsplcConfig): ConnectionManagerTimings {
  const k = c.connection;
  return { backoffInitial: k.backoff_initial, backoffMax: k.backoff_max, maxAttempts: k.max_attempts, safeShutdownTimeout: k.safe_shutdown_timeout };
}

export function safetyLimitsOf(c: TsplcConfig): Partial<SafetyLimits> {
  return {
    contactorOpenCurrentLimit: c.safety.current_limit,
    safeVoltage: c.safety.safe_voltage,
    prechargeDelta: c.safety.precharge_delta,
    lockGraceMs: c.safety.lock_grace,
  };
}

export function slacEvTimingsOf(c: TsplcConfig): SlacEvTimings {
  const { parm_req_retries, attenuation_limit_db, TT_EVSE_SLAC_init: _a, TT_match_sequence: _b, TT_EVSE_match_session: _c, ...std } = c.slac;
  return { ...std, parmReqRetries: parm_req_retries, attenuationLimitDb: attenuation_limit_db } as SlacEvTimings;
}

export function slacEvseTimingsOf(c: TsplcConfig): SlacEvseTimings {
  const s = c.slac;
  return {
    TT_EVSE_SLAC_init: s.TT_EVSE_SLAC_init,
    TT_match_sequence: s.TT_match_sequence,
    TT_EVSE_match_MNBC: s.TT_EVSE_match_MNBC,
    TT_match_response: s.TT_match_response,
    C_EV_match_retry: s.C_EV_match_retry,
    TT_EVSE_match_session: s.TT_EVSE_match_session,
    TT_EVSE_vald_toggle: s.TT_EVSE_vald_toggle,
    C_EV_match_MNBC: s.C_EV_match_MNBC,
  };
}
