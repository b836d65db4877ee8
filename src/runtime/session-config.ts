// The config file as the session machines want it: [ev], [evse], [v2g], [safety] → V2gEvConfig /
// V2gEvseConfig (with the command line's protocol, mode and SOC target on top), the standard
// timers, the modem timings, and whether the role serves one session or many.
import { parseMac } from '../bytes.js';
import type { TsplcConfig } from '../config/schema.js';
import { v2gEvDefaults, v2gEvseDefaults, v2gEvTimeoutDefaults, v2gEvseTimeoutDefaults, type V2gEvConfig, type V2gEvseConfig } from '../domain/v2g/config.js';
import type { EnergyTransferMode, Protocol } from '../domain/v2g/model.js';
import type { Role } from './role-args.js';

/** The standard timers of [v2g] whose names a timeouts object knows. */
export function timersOf<T extends Record<string, number>>(c: TsplcConfig, defaults: T): T {
  const v2g = new Map<string, unknown>(Object.entries(c.v2g));
  const out: Record<string, number> = { ...defaults };
  for (const k of Object.keys(defaults)) {
    const v = v2g.get(k);
    if (typeof v === 'number') out[k] = v;
  }
  return out as T;
}

/** The EV's V2G config from the validated file. */
export function v2gEvConfigOf(c: TsplcConfig, mac: Uint8Array, over: {
    protocol?: Protocol;
    mode?: EnergyTransferMode;
    socTarget?: number;
    /** The inlet is the board's mirror of the car's own requests (Board.simulation), not a measurement. */
    mirroredInlet?: boolean;
  },
): V2gEvConfig {
  const evccId = c.ev.evccid === 'auto' ? mac : (parseMac(c.ev.evccid) ?? mac);
  return {
    ...v2gEvDefaults,
    protocols: over.protocol ? [over.protocol] : (c.v2g.protocols as Protocol[]),
    energyTransferMode: over.mode ?? (c.ev.energy_transfer_mode as EnergyTransferMode),
    evccId,
    chargeTargetVoltage: c.v2g.charge_target_voltage || c.ev.max_voltage,
    prechargeVoltageDelta: c.v2g.precharge_voltage_delta,
    prechargeUseInletVoltage: c.v2g.precharge_use_inlet_voltage,
    prechargeCurrent: c.v2g.precharge_current,
    // With the CHAdeMO bridge the CHAdeMO car ends the charge at its own target (the CCS side follows it).
    socTarget: c.ev.battery_source === 'chademo' ? 100 : c.v2g.soc_target,
    weldingVoltageLimit: c.v2g.welding_voltage_limit,
    weldingMaxRounds: c.v2g.welding_max_rounds,
    acceptIsolationInvalid: c.v2g.accept_isolation_invalid,
    // A lone `tsplc pev --board sim` mirrors the charger from its own requests (the board's simulation hook): that inlet is
    // no measurement of the other process's output, so there is nothing to check it against.
    inletPlausibilityDelta: over.mirroredInlet ? Number.POSITIVE_INFINITY : c.safety.inlet_plausibility_delta,
    lightBulbDemo: c.ev.light_bulb_demo,
    lenientFacets: c.v2g.lenient_facets,
    safeVoltage: c.safety.safe_voltage,
    contactorOpenCurrentLimit: c.safety.current_limit,
    timeouts: timersOf(c, v2gEvTimeoutDefaults),
    chargeCurrentLimit: c.ev.charge_current_limit,
    maxPower: c.ev.max_power,
    energyRequestWh: c.ev.energy_request_wh,
    fullSoc: c.ev.full_soc,
    bulkSoc: c.ev.bulk_soc,
    acMinCurrent: c.ev.ac_min_current,
    acMaxCurrent: c.ev.ac_max_current,
    acMaxVoltage: c.ev.ac_max_voltage,
    ...(over.socTarget !== undefined ? { socTarget: over.socTarget } : {}),
  };
}

export function v2gEvseConfigOf(c: TsplcConfig, over: { protocol?: Protocol; mode?: EnergyTransferMode }): V2gEvseConfig {
  return {
    ...v2gEvseDefaults,
    protocolPreference: over.protocol ? [over.protocol] : (c.evse.protocol_preference as Protocol[]),
    evseId: new TextEncoder().encode(c.evse.evse_id),
    ...(over.mode ? { energyTransferModes: [over.mode] } : {}),
    maxVoltage: c.evse.max_voltage,
    minVoltage: c.evse.min_voltage,
    maxCurrent: c.evse.max_current,
    minCurrent: c.evse.min_current,
    maxPower: c.evse.max_power,
    peakCurrentRipple: c.evse.peak_current_ripple,
    authorizationOngoingRounds: c.evse.authorization_ongoing_rounds,
    chargeParameterOngoingRounds: c.evse.charge_parameter_ongoing_rounds,
    isolationCheckVoltage: c.evse.isolation_check_voltage,
    prechargeCurrentLimit: c.evse.precharge_current_limit,
    // The stack runs one V2G session per connection; allow_new_session_after_stopping decides whether the
    // connection manager serves the next car (oneShotOf).
    allowNewSessionAfterStop: false,
    timeouts: timersOf(c, v2gEvseTimeoutDefaults),
  };
}

/** The modem manager's timings from [modem]. */
export function modemTimingsOf(c: TsplcConfig): { discoveryWindow: number; setKeyTimeout: number; restartPause: number; confirmInterval: number; retries: number } {
  return {
    discoveryWindow: c.modem.discovery_window,
    setKeyTimeout: c.modem.set_key_timeout,
    restartPause: c.modem.restart_pause,
    confirmInterval: c.modem.confirm_interval,
    retries: c.modem.retries,
  };
}

/**
 * One session, then exit: --once, general.exit_on_session_end, and on the charger
 * evse.allow_new_session_after_stopping = false.
 */
export function oneShotOf(role: Role, once: boolean, c: TsplcConfig): boolean {
  return once || c.general.exit_on_session_end || (role === 'evse' && !c.evse.allow_new_session_after_stopping);
}
