// The MQTT topic layout of the EVSE (names after pyPLC's mqtt device: fsm_state,
// soc, battery_capacity, evccid, charger limits and values, targets; the path
// layout is tsplc's and documented in docs/forwarding.md). Every publication is a
// state, not an event, so every topic is retained: a subscriber that connects late
// (or after a broker restart, when tsplc publishes them again) sees the current value.
//
//   <p>/status                 online | offline (last will)
//   <p>/fsm_state              session state name      <p>/checkpoint   pyPLC checkpoint
//   <p>/soc <p>/full_soc       %, -1 unknown           <p>/evccid       hex, '' unknown
//   <p>/battery_capacity       Wh, -1 unknown (fallback applied, as in the SOC callback)
//   <p>/energy_request         Wh, -1 unknown
//   <p>/target_voltage <p>/target_current               EVTarget* of PreCharge/CurrentDemand, -1 unknown
//   <p>/cpstate                A..F                    <p>/relay_state  1 closed, 0 open
//   <p>/charger/max_voltage|max_current|max_power      the configured EVSE limits
//   <p>/charger/present_voltage|present_current        the power supply's output
//   <p>/charger/enabled        INBOUND: 0 = stop charging (EVSE_Shutdown), 1 = allowed
import type { EvFacts } from './facts.js';
import { socCallbackQuery } from './soc-callback.js';

export interface MqttPublication {
  /** Below the prefix, e.g. 'soc' or 'charger/max_voltage'. */
  readonly topic: string;
  readonly payload: string;
}

export const STATUS_TOPIC = 'status';
export const ENABLED_TOPIC = 'charger/enabled';

export function fullTopic(prefix: string, topic: string): string {
  return `${prefix.replace(/\/+$/, '')}/${topic}`;
}

const num = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-1' : String(Math.round(v * 1000) / 1000));

/** The publications that describe these facts (all of them, every time; the caller drops unchanged ones). */
export function factPublications(f: EvFacts, fallbackEnergyCapacityWh: number): MqttPublication[] {
  const q = socCallbackQuery(f, fallbackEnergyCapacityWh);
  return [
    { topic: 'fsm_state', payload: f.fsmState ?? '' },
    { topic: 'checkpoint', payload: num(f.checkpoint) },
    { topic: 'soc', payload: String(q?.current_soc ?? -1) },
    { topic: 'full_soc', payload: String(q?.full_soc ?? -1) },
    { topic: 'battery_capacity', payload: String(q?.energy_capacity ?? -1) },
    { topic: 'energy_request', payload: String(q?.energy_request ?? -1) },
    { topic: 'evccid', payload: f.evccId ?? '' },
    { topic: 'target_voltage', payload: num(f.targetVoltage) },
    { topic: 'target_current', payload: num(f.targetCurrent) },
  ];
}

export interface ChargerLimits {
  readonly maxVoltage: number;
  readonly maxCurrent: number;
  readonly maxPower: number;
}

export function limitPublications(l: ChargerLimits): MqttPublication[] {
  return [
    { topic: 'charger/max_voltage', payload: num(l.maxVoltage) },
    { topic: 'charger/max_current', payload: num(l.maxCurrent) },
    { topic: 'charger/max_power', payload: num(l.maxPower) },
  ];
}

export function supplyPublications(r: { readonly voltage: number; readonly current: number }): MqttPublication[] {
  return [
    { topic: 'charger/present_voltage', payload: num(r.voltage) },
    { topic: 'charger/present_current', payload: num(r.current) },
  ];
}

export type EnabledCommand = { readonly enabled: boolean } | { readonly error: string };

/** `<p>/charger/enabled`: 0/1, also false/true, off/on (what home-automation tools send). */
export function parseEnabled(payload: string): EnabledCommand {
  const p = payload.trim().toLowerCase();
  if (p === '0' || p === 'false' || p === 'off') return { enabled: false };
  if (p === '1' || p === 'true' || p === 'on') return { enabled: true };
  return { error: `charger/enabled expects 0 or 1, got '${payload.length > 40 ? payload.slice(0, 40) + '…' : payload}'` };
}
