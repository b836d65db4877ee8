// Reading values out of the JSON view of decoded V2G messages: physical
// values with multipliers (DIN/ISO-2 PhysicalValueType, ISO-20
// RationalNumberType) and the key fields printed on one line per message.
import type { Json } from './exi-bridge.js';

export function isObject(j: Json | undefined): j is { [k: string]: Json } {
  return typeof j === 'object' && j !== null && !Array.isArray(j);
}

// First occurrence (depth-first, document order) of every property name in a
// message tree, built once per tree: the summary, value series and key-field
// line each look up several names per message, and a 10-minute session has
// ~7000 messages.
const indexCache = new WeakMap<object, Map<string, Json>>();

function buildIndex(j: Json, into: Map<string, Json>): void {
  if (Array.isArray(j)) {
    for (const x of j) buildIndex(x, into);
    return;
  }
  if (!isObject(j)) return;
  for (const k in j) {
    const v = j[k] as Json;
    if (!into.has(k)) into.set(k, v);
    if (typeof v === 'object' && v !== null) buildIndex(v, into);
  }
}

/** Depth-first search for the first property named `key`. */
export function findField(j: Json | undefined, key: string): Json | undefined {
  if (typeof j !== 'object' || j === null) return undefined;
  let idx = indexCache.get(j);
  if (!idx) {
    idx = new Map();
    buildIndex(j, idx);
    indexCache.set(j, idx);
  }
  return idx.get(key);
}

/** Uncached depth-first search (reference implementation of findField, used by tests). */
export function findFieldSlow(j: Json | undefined, key: string): Json | undefined {
  if (Array.isArray(j)) {
    for (const x of j) {
      const f = findFieldSlow(x, key);
      if (f !== undefined) return f;
    }
    return undefined;
  }
  if (!isObject(j)) return undefined;
  if (key in j) return j[key];
  for (const v of Object.values(j)) {
    const f = findFieldSlow(v, key);
    if (f !== undefined) return f;
  }
  return undefined;
}

/**
 * A physical value as a number: DIN/ISO-2 `{Multiplier, Unit, Value}` is
 * Value × 10^Multiplier (PhysicalValueType of DIN 70121 and ISO 15118-2);
 * ISO-20 `{Exponent, Value}` is Value × 10^Exponent. Rounded to the
 * precision the multiplier carries so 23009 × 10^-2 prints as 230.09.
 */
export function physicalValue(j: Json | undefined): number | undefined {
  if (typeof j === 'number') return j;
  if (!isObject(j)) return undefined;
  const v = j.Value;
  if (typeof v !== 'number') return undefined;
  const m = typeof j.Multiplier === 'number' ? j.Multiplier : typeof j.Exponent === 'number' ? j.Exponent : 0;
  const x = v * 10 ** m;
  return m < 0 ? Number(x.toFixed(-m)) : x;
}

export function fieldValue(body: Json | undefined, key: string): number | undefined {
  return physicalValue(findField(body, key));
}

/** Text of an enum/string field, or undefined. */
export function fieldText(body: Json | undefined, key: string): string | undefined {
  const f = findField(body, key);
  if (typeof f === 'string') return f;
  if (typeof f === 'number' || typeof f === 'boolean') return String(f);
  return undefined;
}

const TEXT_KEYS = ['ResponseCode', 'EVSEProcessing', 'EVSEStatusCode', 'EVSENotification', 'EVSEIsolationStatus', 'EVErrorCode', 'ReadyToChargeState', 'ChargeProgress', 'ChargingComplete', 'SchemaID'];
const VALUE_KEYS: readonly (readonly [string, string])[] = [
  ['EVTargetVoltage', 'V'],
  ['EVTargetCurrent', 'A'],
  ['EVSEPresentVoltage', 'V'],
  ['EVSEPresentCurrent', 'A'],
  ['EVRESSSOC', '%'],
];

const CPD_REQ_KEYS: readonly (readonly [readonly string[], string])[] = [
  [['EVMaximumVoltageLimit', 'EVMaxVoltage', 'EVMaximumVoltage'], 'V'],
  [['EVMaximumCurrentLimit', 'EVMaxCurrent', 'EVMaximumChargeCurrent'], 'A'],
  [['EVMaximumPowerLimit', 'EVMaximumChargePower'], 'W'],
  [['EVEnergyCapacity', 'EVEnergyRequest', 'EAmount'], 'Wh'],
];

/** The key fields of a message on one line: `ResponseCode=OK EVSEPresentVoltage=230.09V ...`. */
export function keyFieldsText(name: string, body: Json, header?: Json): string {
  const parts: string[] = [];
  if (name === 'supportedAppProtocolReq' && isObject(body) && Array.isArray(body.AppProtocol)) {
    for (const p of body.AppProtocol) {
      if (isObject(p)) parts.push(`${String(p.ProtocolNamespace)} v${String(p.VersionNumberMajor)}.${String(p.VersionNumberMinor)} id=${String(p.SchemaID)} prio=${String(p.Priority)}`);
    }
    return parts.join(', ');
  }
  for (const k of TEXT_KEYS) {
    const t = fieldText(body, k);
    if (t !== undefined) parts.push(`${k}=${t}`);
  }
  for (const [k, unit] of VALUE_KEYS) {
    const v = fieldValue(body, k);
    if (v !== undefined) parts.push(`${k}=${v}${unit}`);
  }
  if (name === 'ChargeParameterDiscoveryReq') {
    // The car's limits: what a reader of a capture looks for first (issue 14 §6). DC (DIN, ISO-2),
    // AC (ISO-2 EVMaxVoltage/EVMaxCurrent/EAmount) and ISO-20 DC names; the first that is present.
    for (const [keys, unit] of CPD_REQ_KEYS) {
      for (const k of keys) {
        const v = fieldValue(body, k);
        if (v !== undefined) {
          parts.push(`${k}=${v}${unit}`);
          break;
        }
      }
    }
  }
  const sid = findField(header, 'SessionID');
  if (typeof sid === 'string' && /^SessionSetup/.test(name)) parts.push(`SessionID=${sid}`);
  return parts.join(' ');
}
