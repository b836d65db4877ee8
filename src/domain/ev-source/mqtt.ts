// battery_source = "mqtt": pyPLC's car-side MQTT interface (hardwareInterface.py,
// PevMode). Topic names are pyPLC's, below the config's mqtt.topic prefix:
//   subscribed  <p>/battery_voltage  pack voltage, V            <p>/target_voltage  EVTargetVoltage (charge end voltage), V
//               <p>/target_current   current request / limit, A <p>/soc             SOC, %
//               <p>/inlet_voltage    voltage at the inlet, V
//   published   <p>/cpstate B|C   <p>/relay_request on|off   <p>/lock_request lock|unlock
//               <p>/fsm_state <state>   <p>/soc <percent>
//               <p>/charger_voltage <p>/charger_current   EVSEPresentVoltage / EVSEPresentCurrent
//               <p>/charger_max_voltage <p>/charger_max_current   the charger's limits
// Pure: a message in, a fold of the facts out; facts in, publications out.
import type { BatteryState } from '../../ports/hardware.js';

export const carSubscriptions = ['battery_voltage', 'target_voltage', 'target_current', 'soc', 'inlet_voltage'] as const;
export type CarSubscription = (typeof carSubscriptions)[number];

export interface CarMqttFacts {
  readonly batteryVoltage?: number;
  readonly targetVoltage?: number;
  readonly targetCurrent?: number;
  readonly soc?: number;
  readonly inletVoltage?: number;
}

export type CarMessageResult = { readonly ok: true; readonly facts: CarMqttFacts; readonly key: CarSubscription } | { readonly ok: false; readonly message: string };

const ranges: Record<CarSubscription, [number, number]> = {
  battery_voltage: [0, 1500],
  target_voltage: [0, 1500],
  target_current: [0, 1000],
  soc: [0, 100],
  inlet_voltage: [0, 1500],
};

/** Folds one message (topic below the prefix) into the facts; a bad payload is an error, the facts stay. */
export function foldCarMessage(facts: CarMqttFacts, topic: string, payload: string): CarMessageResult {
  if (!(carSubscriptions as readonly string[]).includes(topic)) return { ok: false, message: `unexpected topic ${JSON.stringify(topic.slice(0, 60))}` };
  const key = topic as CarSubscription;
  const v = Number(payload.trim());
  if (payload.trim() === '' || !Number.isFinite(v)) return { ok: false, message: `${key}: ${JSON.stringify(payload.slice(0, 20))} is not a number` };
  const [min, max] = ranges[key];
  if (v < min || v > max) return { ok: false, message: `${key}=${v} is outside ${min}–${max}` };
  const field = { battery_voltage: 'batteryVoltage', target_voltage: 'targetVoltage', target_current: 'targetCurrent', soc: 'soc', inlet_voltage: 'inletVoltage' }[key] as keyof CarMqttFacts;
  return { ok: true, key, facts: { ...facts, [field]: v } };
}

/**
 * The battery state from the MQTT facts. Until the BMS has told the pack voltage and the
 * current it accepts, the car asks for nothing: voltage 0 fails ChargeParameterDiscovery's
 * compatibility check, and 0 A charges nothing.
 */
export function batteryFromCarFacts(f: CarMqttFacts, base: { readonly maxVoltage: number; readonly maxCurrent: number; readonly capacityWh: number; readonly soc: number }): BatteryState {
  return {
    socPercent: f.soc ?? base.soc,
    voltage: f.batteryVoltage ?? 0,
    maxCurrent: f.targetCurrent === undefined ? 0 : Math.min(f.targetCurrent, base.maxCurrent),
    maxVoltage: f.targetVoltage === undefined ? base.maxVoltage : Math.min(f.targetVoltage, base.maxVoltage),
    capacityWh: base.capacityWh,
  };
}

export interface CarPublication {
  readonly topic: string;
  readonly payload: string;
}

const n = (v: number): string => String(Math.round(v * 10) / 10);

export type CarOutput =
  | { readonly kind: 'cp'; readonly state: string }
  | { readonly kind: 'relay'; readonly closed: boolean }
  | { readonly kind: 'lock'; readonly locked: boolean }
  | { readonly kind: 'state'; readonly state: string }
  | { readonly kind: 'soc'; readonly percent: number }
  | { readonly kind: 'present'; readonly voltage: number; readonly current: number }
  | { readonly kind: 'chargerLimits'; readonly maxVoltage: number; readonly maxCurrent: number };

/** What pyPLC publishes for each fact. */
export function carPublications(o: CarOutput): CarPublication[] {
  switch (o.kind) {
    case 'cp':
      return [{ topic: 'cpstate', payload: o.state }];
    case 'relay':
      return [{ topic: 'relay_request', payload: o.closed ? 'on' : 'off' }];
    case 'lock':
      return [{ topic: 'lock_request', payload: o.locked ? 'lock' : 'unlock' }];
    case 'state':
      return [{ topic: 'fsm_state', payload: o.state }];
    case 'soc':
      return [{ topic: 'soc', payload: n(o.percent) }];
    case 'present':
      return [
        { topic: 'charger_voltage', payload: n(o.voltage) },
        { topic: 'charger_current', payload: n(o.current) },
      ];
    case 'chargerLimits':
      return [
        { topic: 'charger_max_voltage', payload: n(o.maxVoltage) },
        { topic: 'charger_max_current', payload: n(o.maxCurrent) },
      ];
  }
}
