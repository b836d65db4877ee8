// CHAdeMO CAN frames (500 kbit/s, 11-bit ids, 8 data bytes, sent every 100 ms).
// Layouts as in protocol-facts §7 (OX chademoCharger, MI, PP-HW): 16-bit fields
// are little-endian (low byte first). Pure codecs: decode returns a typed
// error for a wrong DLC or an impossible value; encode checks ranges.
//
// pyPLC's "chademo" backend uses a custom layout (0x100[0–1] as battery
// voltage, protocol number 10); it is not CHAdeMO and is not followed here.
import { codecError, err, ok, type CodecError, type Result } from '../../result.js';

export const CHADEMO_ID = {
  /** Vehicle → charger: limits. */
  VehicleLimits: 0x100,
  /** Vehicle → charger: charging time and battery capacity. */
  VehicleTimes: 0x101,
  /** Vehicle → charger: protocol, target voltage, current request, faults, status, SOC. */
  VehicleStatus: 0x102,
  /** Charger → vehicle: available voltage/current, threshold voltage. */
  ChargerLimits: 0x108,
  /** Charger → vehicle: protocol, present voltage/current, status, remaining time. */
  ChargerStatus: 0x109,
  /** Vehicle → charger: extended functions (protocol 2.0). */
  VehicleExtended: 0x110,
  /** Charger → vehicle: extended functions (protocol 2.0). */
  ChargerExtended: 0x118,
} as const;

/** Byte 0 of 0x102 / 0x109: 0 = before 0.9, 1 = 0.9, 2 = 1.0, 3 = 2.0. */
export type ChademoProtocolNumber = 0 | 1 | 2 | 3;
export type ChademoProtocol = 'pre-0.9' | '0.9' | '1.0' | '2.0';
export const protocolName: Record<ChademoProtocolNumber, ChademoProtocol> = { 0: 'pre-0.9', 1: '0.9', 2: '1.0', 3: '2.0' };
export function protocolNumberOf(p: ChademoProtocol): ChademoProtocolNumber {
  return p === '2.0' ? 3 : p === '1.0' ? 2 : p === '0.9' ? 1 : 0;
}

/** 0x100. */
export interface VehicleLimits {
  /** [0] minimum charge current, A (protocol 1.0+; 0 before). */
  readonly minCurrent: number;
  /** [1] maximum charge current, A. */
  readonly maxCurrent: number;
  /** [2–3] minimum voltage, V. */
  readonly minVoltage: number;
  /** [4–5] maximum battery voltage, V. */
  readonly maxBatteryVoltage: number;
  /** [6] charged-rate reference constant, % (100 on real cars). */
  readonly chargedRateConstant: number;
}

/** 0x101. */
export interface VehicleTimes {
  /** [1] maximum charging time in units of 10 s; 0xFF = use maxChargingTimeMin. */
  readonly maxChargingTime10s: number;
  /** [2] maximum charging time in minutes. */
  readonly maxChargingTimeMin: number;
  /** [3] estimated charging time in minutes. */
  readonly estimatedChargingTimeMin: number;
  /** [5–6] battery capacity in kWh (0.1 kWh per bit). */
  readonly batteryCapacityKwh: number;
}

/** 0x102 byte 4. */
export interface VehicleFaults {
  readonly batteryOverVoltage: boolean; // bit0
  readonly batteryUnderVoltage: boolean; // bit1
  readonly currentDeviation: boolean; // bit2
  readonly highBatteryTemperature: boolean; // bit3
  readonly voltageDeviation: boolean; // bit4
}
export const vehicleFaultBits: Record<keyof VehicleFaults, number> = {
  batteryOverVoltage: 0x01,
  batteryUnderVoltage: 0x02,
  currentDeviation: 0x04,
  highBatteryTemperature: 0x08,
  voltageDeviation: 0x10,
};

/** 0x102 byte 5. */
export interface VehicleStatusFlags {
  /** bit0: vehicle charging enabled ("READY", 102.5.0). */
  readonly chargingEnabled: boolean;
  /** bit1: shift lever not in park. */
  readonly notInPark: boolean;
  /** bit2: charging-system fault. */
  readonly systemFault: boolean;
  /** bit3: vehicle contactors open (protocol 1.0+; 0.9 has no such flag). */
  readonly contactorOpen: boolean;
  /** bit4: normal stop request before charging. */
  readonly stopBeforeCharging: boolean;
  /** bit7: vehicle can discharge (V2X). */
  readonly dischargeCapable: boolean;
}
export const vehicleStatusBits: Record<keyof VehicleStatusFlags, number> = {
  chargingEnabled: 0x01,
  notInPark: 0x02,
  systemFault: 0x04,
  contactorOpen: 0x08,
  stopBeforeCharging: 0x10,
  dischargeCapable: 0x80,
};

/** 0x102. */
export interface VehicleStatus {
  readonly protocol: ChademoProtocolNumber;
  /** [1–2] target battery voltage, V. */
  readonly targetVoltage: number;
  /** [3] charge current request, A. */
  readonly currentRequest: number;
  readonly faults: VehicleFaults;
  readonly status: VehicleStatusFlags;
  /** [6] state of charge, %. */
  readonly soc: number;
}

/** 0x108. */
export interface ChargerLimits {
  /** [0] welding detection supported. */
  readonly weldingDetection: boolean;
  /** [1–2] available output voltage, V. */
  readonly availableVoltage: number;
  /** [3] available output current, A. */
  readonly availableCurrent: number;
  /** [4–5] threshold voltage (the charger stops above it), V. */
  readonly thresholdVoltage: number;
}

/** 0x109 byte 5. */
export interface ChargerStatusFlags {
  readonly charging: boolean; // bit0
  readonly chargerError: boolean; // bit1
  /** bit2: energizing / connector locked. */
  readonly energizing: boolean;
  readonly batteryIncompatible: boolean; // bit3
  readonly systemError: boolean; // bit4
  /** bit5: charger stopped (set until CHARGING, set again to stop). */
  readonly stopped: boolean;
}
export const chargerStatusBits: Record<keyof ChargerStatusFlags, number> = {
  charging: 0x01,
  chargerError: 0x02,
  energizing: 0x04,
  batteryIncompatible: 0x08,
  systemError: 0x10,
  stopped: 0x20,
};

/** 0x109. */
export interface ChargerStatus {
  readonly protocol: ChademoProtocolNumber;
  /** [1–2] present output voltage, V. */
  readonly presentVoltage: number;
  /** [3] present output current, A. */
  readonly presentCurrent: number;
  /** [4] discharge compatible. */
  readonly dischargeCompatible: boolean;
  readonly status: ChargerStatusFlags;
  /** [6] remaining charging time in units of 10 s (0xFF = use remainingMin). */
  readonly remaining10s: number;
  /** [7] remaining charging time in minutes. */
  readonly remainingMin: number;
}

/** 0x110 / 0x118 byte 0. */
export interface ExtendedFunctions {
  readonly dynamicControl: boolean; // bit0
  readonly highCurrentControl: boolean; // bit1
  readonly highVoltageControl: boolean; // bit2
}
const extendedBits: Record<keyof ExtendedFunctions, number> = { dynamicControl: 0x01, highCurrentControl: 0x02, highVoltageControl: 0x04 };

export type ChademoMessage =
  | { readonly id: 0x100; readonly kind: 'VehicleLimits'; readonly value: VehicleLimits }
  | { readonly id: 0x101; readonly kind: 'VehicleTimes'; readonly value: VehicleTimes }
  | { readonly id: 0x102; readonly kind: 'VehicleStatus'; readonly value: VehicleStatus }
  | { readonly id: 0x108; readonly kind: 'ChargerLimits'; readonly value: ChargerLimits }
  | { readonly id: 0x109; readonly kind: 'ChargerStatus'; readonly value: ChargerStatus }
  | { readonly id: 0x110; readonly kind: 'VehicleExtended'; readonly value: ExtendedFunctions }
  | { readonly id: 0x118; readonly kind: 'ChargerExtended'; readonly value: ExtendedFunctions };

// ---------------------------------------------------------------- helpers

const u16 = (d: Uint8Array, o: number): number => (d[o] ?? 0) | ((d[o + 1] ?? 0) << 8);
function put16(d: Uint8Array, o: number, v: number): void {
  d[o] = v & 0xff;
  d[o + 1] = (v >>> 8) & 0xff;
}
function flags<K extends string>(byte: number, bits: Record<K, number>): Record<K, boolean> {
  const out = {} as Record<K, boolean>;
  for (const k of Object.keys(bits) as K[]) out[k] = (byte & bits[k]) !== 0;
  return out;
}
function byteOf<K extends string>(f: Record<K, boolean>, bits: Record<K, number>): number {
  let b = 0;
  for (const k of Object.keys(bits) as K[]) if (f[k]) b |= bits[k];
  return b;
}

function checkDlc(name: string, id: number, data: Uint8Array): CodecError | undefined {
  return data.length === 8
    ? undefined
    : codecError('WRONG_DLC', `CHAdeMO ${name} (0x${id.toString(16)}) has ${data.length} data bytes, expected 8`, { context: { id, dlc: data.length } });
}
function impossible(name: string, field: string, value: number, why: string, offset: number): CodecError {
  return codecError('IMPOSSIBLE_VALUE', `CHAdeMO ${name}: ${field} = ${value} ${why}`, { offset, context: { field, value } });
}
function protocolOf(name: string, b: number): Result<ChademoProtocolNumber> {
  if (b > 3) return err(codecError('BAD_PROTOCOL', `CHAdeMO ${name}: protocol number ${b} is not 0..3 (0.9 = 1, 1.0 = 2, 2.0 = 3)`, { offset: 0, context: { value: b } }));
  return ok(b as ChademoProtocolNumber);
}
function range(name: string, field: string, v: number, max: number): CodecError | undefined {
  return Number.isInteger(v) && v >= 0 && v <= max ? undefined : codecError('OUT_OF_RANGE', `CHAdeMO ${name}: ${field} = ${v} does not fit (0..${max}, integer)`, { context: { field } });
}
function ranges(name: string, checks: readonly [string, number, number][]): CodecError | undefined {
  for (const [f, v, max] of checks) {
    const e = range(name, f, v, max);
    if (e) return e;
  }
  return undefined;
}

// ---------------------------------------------------------------- 0x100

export function decodeVehicleLimits(data: Uint8Array): Result<VehicleLimits> {
  const e = checkDlc('VehicleLimits', 0x100, data);
  if (e) return err(e);
  const v: VehicleLimits = {
    minCurrent: data[0] ?? 0,
    maxCurrent: data[1] ?? 0,
    minVoltage: u16(data, 2),
    maxBatteryVoltage: u16(data, 4),
    chargedRateConstant: data[6] ?? 0,
  };
  if (v.minVoltage > v.maxBatteryVoltage) return err(impossible('VehicleLimits', 'minVoltage', v.minVoltage, `above maxBatteryVoltage ${v.maxBatteryVoltage}`, 2));
  if (v.minCurrent > v.maxCurrent && v.maxCurrent > 0) return err(impossible('VehicleLimits', 'minCurrent', v.minCurrent, `above maxCurrent ${v.maxCurrent}`, 0));
  return ok(v);
}
export function encodeVehicleLimits(v: VehicleLimits): Result<Uint8Array> {
  const e = ranges('VehicleLimits', [
    ['minCurrent', v.minCurrent, 255],
    ['maxCurrent', v.maxCurrent, 255],
    ['minVoltage', v.minVoltage, 0xffff],
    ['maxBatteryVoltage', v.maxBatteryVoltage, 0xffff],
    ['chargedRateConstant', v.chargedRateConstant, 255],
  ]);
  if (e) return err(e);
  const d = new Uint8Array(8);
  d[0] = v.minCurrent;
  d[1] = v.maxCurrent;
  put16(d, 2, v.minVoltage);
  put16(d, 4, v.maxBatteryVoltage);
  d[6] = v.chargedRateConstant;
  return ok(d);
}

// ---------------------------------------------------------------- 0x101

export function decodeVehicleTimes(data: Uint8Array): Result<VehicleTimes> {
  const e = checkDlc('VehicleTimes', 0x101, data);
  if (e) return err(e);
  return ok({
    maxChargingTime10s: data[1] ?? 0,
    maxChargingTimeMin: data[2] ?? 0,
    estimatedChargingTimeMin: data[3] ?? 0,
    batteryCapacityKwh: u16(data, 5) / 10,
  });
}
export function encodeVehicleTimes(v: VehicleTimes): Result<Uint8Array> {
  const cap = Math.round(v.batteryCapacityKwh * 10);
  const e = ranges('VehicleTimes', [
    ['maxChargingTime10s', v.maxChargingTime10s, 255],
    ['maxChargingTimeMin', v.maxChargingTimeMin, 255],
    ['estimatedChargingTimeMin', v.estimatedChargingTimeMin, 255],
    ['batteryCapacityKwh×10', cap, 0xffff],
  ]);
  if (e) return err(e);
  const d = new Uint8Array(8);
  d[1] = v.maxChargingTime10s;
  d[2] = v.maxChargingTimeMin;
  d[3] = v.estimatedChargingTimeMin;
  put16(d, 5, cap);
  return ok(d);
}

// ---------------------------------------------------------------- 0x102

export function decodeVehicleStatus(data: Uint8Array): Result<VehicleStatus> {
  const e = checkDlc('VehicleStatus', 0x102, data);
  if (e) return err(e);
  const p = protocolOf('VehicleStatus', data[0] ?? 0);
  if (!p.ok) return p;
  const soc = data[6] ?? 0;
  if (soc > 100) return err(impossible('VehicleStatus', 'soc', soc, 'is above 100 %', 6));
  return ok({
    protocol: p.value,
    targetVoltage: u16(data, 1),
    currentRequest: data[3] ?? 0,
    faults: flags(data[4] ?? 0, vehicleFaultBits),
    status: flags(data[5] ?? 0, vehicleStatusBits),
    soc,
  });
}
export function encodeVehicleStatus(v: VehicleStatus): Result<Uint8Array> {
  const e = ranges('VehicleStatus', [
    ['protocol', v.protocol, 3],
    ['targetVoltage', v.targetVoltage, 0xffff],
    ['currentRequest', v.currentRequest, 255],
    ['soc', v.soc, 100],
  ]);
  if (e) return err(e);
  const d = new Uint8Array(8);
  d[0] = v.protocol;
  put16(d, 1, v.targetVoltage);
  d[3] = v.currentRequest;
  d[4] = byteOf(v.faults, vehicleFaultBits);
  d[5] = byteOf(v.status, vehicleStatusBits);
  d[6] = v.soc;
  return ok(d);
}

// ---------------------------------------------------------------- 0x108

export function decodeChargerLimits(data: Uint8Array): Result<ChargerLimits> {
  const e = checkDlc('ChargerLimits', 0x108, data);
  if (e) return err(e);
  const w = data[0] ?? 0;
  if (w > 1) return err(impossible('ChargerLimits', 'weldingDetection', w, 'is not 0 or 1', 0));
  return ok({ weldingDetection: w === 1, availableVoltage: u16(data, 1), availableCurrent: data[3] ?? 0, thresholdVoltage: u16(data, 4) });
}
export function encodeChargerLimits(v: ChargerLimits): Result<Uint8Array> {
  const e = ranges('ChargerLimits', [
    ['availableVoltage', v.availableVoltage, 0xffff],
    ['availableCurrent', v.availableCurrent, 255],
    ['thresholdVoltage', v.thresholdVoltage, 0xffff],
  ]);
  if (e) return err(e);
  const d = new Uint8Array(8);
  d[0] = v.weldingDetection ? 1 : 0;
  put16(d, 1, v.availableVoltage);
  d[3] = v.availableCurrent;
  put16(d, 4, v.thresholdVoltage);
  return ok(d);
}

// ---------------------------------------------------------------- 0x109

export function decodeChargerStatus(data: Uint8Array): Result<ChargerStatus> {
  const e = checkDlc('ChargerStatus', 0x109, data);
  if (e) return err(e);
  const p = protocolOf('ChargerStatus', data[0] ?? 0);
  if (!p.ok) return p;
  const dc = data[4] ?? 0;
  if (dc > 1) return err(impossible('ChargerStatus', 'dischargeCompatible', dc, 'is not 0 or 1', 4));
  return ok({
    protocol: p.value,
    presentVoltage: u16(data, 1),
    presentCurrent: data[3] ?? 0,
    dischargeCompatible: dc === 1,
    status: flags(data[5] ?? 0, chargerStatusBits),
    remaining10s: data[6] ?? 0,
    remainingMin: data[7] ?? 0,
  });
}
export function encodeChargerStatus(v: ChargerStatus): Result<Uint8Array> {
  const e = ranges('ChargerStatus', [
    ['protocol', v.protocol, 3],
    ['presentVoltage', v.presentVoltage, 0xffff],
    ['presentCurrent', v.presentCurrent, 255],
    ['remaining10s', v.remaining10s, 255],
    ['remainingMin', v.remainingMin, 255],
  ]);
  if (e) return err(e);
  const d = new Uint8Array(8);
  d[0] = v.protocol;
  put16(d, 1, v.presentVoltage);
  d[3] = v.presentCurrent;
  d[4] = v.dischargeCompatible ? 1 : 0;
  d[5] = byteOf(v.status, chargerStatusBits);
  d[6] = v.remaining10s;
  d[7] = v.remainingMin;
  return ok(d);
}

// ---------------------------------------------------------------- 0x110 / 0x118

export function decodeExtended(id: 0x110 | 0x118, data: Uint8Array): Result<ExtendedFunctions> {
  const e = checkDlc(id === 0x110 ? 'VehicleExtended' : 'ChargerExtended', id, data);
  if (e) return err(e);
  return ok(flags(data[0] ?? 0, extendedBits));
}
export function encodeExtended(v: ExtendedFunctions): Uint8Array {
  const d = new Uint8Array(8);
  d[0] = byteOf(v, extendedBits);
  return d;
}

// ---------------------------------------------------------------- dispatch

/** Decodes any CHAdeMO frame by id; an id that is not CHAdeMO is a typed error (UNKNOWN_ID). */
export function decodeChademoFrame(id: number, data: Uint8Array): Result<ChademoMessage> {
  const wrap = <K extends ChademoMessage['kind'], T>(i: number, kind: K, r: Result<T>): Result<ChademoMessage> =>
    r.ok ? ok({ id: i, kind, value: r.value } as unknown as ChademoMessage) : r;
  switch (id) {
    case 0x100:
      return wrap(id, 'VehicleLimits', decodeVehicleLimits(data));
    case 0x101:
      return wrap(id, 'VehicleTimes', decodeVehicleTimes(data));
    case 0x102:
      return wrap(id, 'VehicleStatus', decodeVehicleStatus(data));
    case 0x108:
      return wrap(id, 'ChargerLimits', decodeChargerLimits(data));
    case 0x109:
      return wrap(id, 'ChargerStatus', decodeChargerStatus(data));
    case 0x110:
      return wrap(id, 'VehicleExtended', decodeExtended(0x110, data));
    case 0x118:
      return wrap(id, 'ChargerExtended', decodeExtended(0x118, data));
    default:
      return err(codecError('UNKNOWN_ID', `CAN id 0x${id.toString(16)} is not a CHAdeMO charging frame`, { context: { id } }));
  }
}

export const noVehicleFaults: VehicleFaults = { batteryOverVoltage: false, batteryUnderVoltage: false, currentDeviation: false, highBatteryTemperature: false, voltageDeviation: false };
export function anyVehicleFault(f: VehicleFaults): keyof VehicleFaults | undefined {
  return (Object.keys(vehicleFaultBits) as (keyof VehicleFaults)[]).find((k) => f[k]);
}
