import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeChademoFrame,
  decodeChargerLimits,
  decodeChargerStatus,
  decodeExtended,
  decodeVehicleLimits,
  decodeVehicleStatus,
  decodeVehicleTimes,
  encodeChargerLimits,
  encodeChargerStatus,
  encodeExtended,
  encodeVehicleLimits,
  encodeVehicleStatus,
  encodeVehicleTimes,
  protocolName,
  type ChargerStatus,
  type VehicleStatus,
} from '../../src/domain/chademo/index.js';

const hex = (s: string) => Uint8Array.from(s.split(/\s+/).filter(Boolean).map((b) => parseInt(b, 16)));
const toHex = (d: Uint8Array) => [...d].map((b) => b.toString(16).padStart(2, '0')).join(' ');

describe('CHAdeMO byte fixtures (annotated)', () => {
  it('0x100 VehicleLimits', () => {
    const bytes = hex(
      [
        '00', // [0] min current 0 A (protocol 0.9 car)
        '7d', // [1] max current 125 A
        '2c 01', // [2–3] min voltage 0x012C = 300 V (low byte first)
        'a0 01', // [4–5] max battery voltage 0x01A0 = 416 V
        '64', // [6] charged-rate constant 100 %
        '00', // [7] reserved
      ].join(' '),
    );
    const r = decodeVehicleLimits(bytes);
    expect(r.ok && r.value).toEqual({ minCurrent: 0, maxCurrent: 125, minVoltage: 300, maxBatteryVoltage: 416, chargedRateConstant: 100 });
  });

  it('0x101 VehicleTimes', () => {
    const bytes = hex(
      [
        '00', // [0] reserved
        'ff', // [1] max charging time ×10 s: 0xFF = use byte 2
        '5a', // [2] max charging time 90 min
        '3c', // [3] estimated charging time 60 min
        '00', // [4] reserved
        'f0 00', // [5–6] battery capacity 0x00F0 = 240 × 0.1 kWh = 24 kWh
        '00', // [7] reserved
      ].join(' '),
    );
    const r = decodeVehicleTimes(bytes);
    expect(r.ok && r.value).toEqual({ maxChargingTime10s: 255, maxChargingTimeMin: 90, estimatedChargingTimeMin: 60, batteryCapacityKwh: 24 });
  });

  it('0x102 VehicleStatus', () => {
    const bytes = hex(
      [
        '02', // [0] protocol number 2 = CHAdeMO 1.0
        '9a 01', // [1–2] target voltage 0x019A = 410 V
        '50', // [3] current request 80 A
        '08', // [4] faults: bit3 high battery temperature
        '09', // [5] status: bit0 charging enabled (READY) + bit3 contactor open
        '2d', // [6] SOC 45 %
        '00', // [7] reserved
      ].join(' '),
    );
    const r = decodeVehicleStatus(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(protocolName[r.value.protocol]).toBe('1.0');
    expect(r.value.targetVoltage).toBe(410);
    expect(r.value.currentRequest).toBe(80);
    expect(r.value.faults).toEqual({ batteryOverVoltage: false, batteryUnderVoltage: false, currentDeviation: false, highBatteryTemperature: true, voltageDeviation: false });
    expect(r.value.status).toEqual({ chargingEnabled: true, notInPark: false, systemFault: false, contactorOpen: true, stopBeforeCharging: false, dischargeCapable: false });
    expect(r.value.soc).toBe(45);
  });

  it('0x108 ChargerLimits', () => {
    const bytes = hex(
      [
        '01', // [0] welding detection supported
        'f4 01', // [1–2] available voltage 0x01F4 = 500 V
        '7d', // [3] available current 125 A
        'a4 01', // [4–5] threshold voltage 0x01A4 = 420 V
        '00 00', // [6–7] reserved
      ].join(' '),
    );
    const r = decodeChargerLimits(bytes);
    expect(r.ok && r.value).toEqual({ weldingDetection: true, availableVoltage: 500, availableCurrent: 125, thresholdVoltage: 420 });
  });

  it('0x109 ChargerStatus', () => {
    const bytes = hex(
      [
        '03', // [0] protocol number 3 = CHAdeMO 2.0
        '86 01', // [1–2] present voltage 0x0186 = 390 V
        '3c', // [3] present current 60 A
        '00', // [4] not discharge-compatible
        '05', // [5] status: bit0 charging + bit2 energizing (connector locked)
        'ff', // [6] remaining ×10 s: 0xFF = use byte 7
        '1e', // [7] remaining 30 min
      ].join(' '),
    );
    const r = decodeChargerStatus(bytes);
    expect(r.ok && r.value).toEqual({
      protocol: 3,
      presentVoltage: 390,
      presentCurrent: 60,
      dischargeCompatible: false,
      status: { charging: true, chargerError: false, energizing: true, batteryIncompatible: false, systemError: false, stopped: false },
      remaining10s: 255,
      remainingMin: 30,
    });
  });

  it('0x110 / 0x118 extended functions', () => {
    const r = decodeExtended(0x110, hex('05 00 00 00 00 00 00 00')); // bit0 dynamic control + bit2 high-voltage control
    expect(r.ok && r.value).toEqual({ dynamicControl: true, highCurrentControl: false, highVoltageControl: true });
    expect(toHex(encodeExtended({ dynamicControl: false, highCurrentControl: true, highVoltageControl: false }))).toBe('02 00 00 00 00 00 00 00');
    const d = decodeChademoFrame(0x118, hex('01 00 00 00 00 00 00 00'));
    expect(d.ok && d.value.kind).toBe('ChargerExtended');
  });

  it('encoders write the same bytes as the fixtures', () => {
    const s: VehicleStatus = {
      protocol: 2,
      targetVoltage: 410,
      currentRequest: 80,
      faults: { batteryOverVoltage: false, batteryUnderVoltage: false, currentDeviation: false, highBatteryTemperature: true, voltageDeviation: false },
      status: { chargingEnabled: true, notInPark: false, systemFault: false, contactorOpen: true, stopBeforeCharging: false, dischargeCapable: false },
      soc: 45,
    };
    const e = encodeVehicleStatus(s);
    expect(e.ok && toHex(e.value)).toBe('02 9a 01 50 08 09 2d 00');
    const l = encodeChargerLimits({ weldingDetection: true, availableVoltage: 500, availableCurrent: 125, thresholdVoltage: 420 });
    expect(l.ok && toHex(l.value)).toBe('01 f4 01 7d a4 01 00 00');
    const v = encodeVehicleLimits({ minCurrent: 0, maxCurrent: 125, minVoltage: 300, maxBatteryVoltage: 416, chargedRateConstant: 100 });
    expect(v.ok && toHex(v.value)).toBe('00 7d 2c 01 a0 01 64 00');
    const t = encodeVehicleTimes({ maxChargingTime10s: 255, maxChargingTimeMin: 90, estimatedChargingTimeMin: 60, batteryCapacityKwh: 24 });
    expect(t.ok && toHex(t.value)).toBe('00 ff 5a 3c 00 f0 00 00');
  });
});

describe('CHAdeMO malformed frames are typed errors', () => {
  const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error?.code);
  it('wrong DLC', () => {
    expect(code(decodeVehicleStatus(hex('02 9a 01 50 00 01 2d')))).toBe('WRONG_DLC');
    expect(code(decodeChargerStatus(new Uint8Array(9)))).toBe('WRONG_DLC');
    expect(code(decodeVehicleLimits(new Uint8Array(0)))).toBe('WRONG_DLC');
  });
  it('protocol number outside 0..3 (pyPLC sends 10: non-standard)', () => {
    expect(code(decodeVehicleStatus(hex('0a 9a 01 50 00 01 2d 00')))).toBe('BAD_PROTOCOL');
    expect(code(decodeChargerStatus(hex('04 00 00 00 00 00 00 00')))).toBe('BAD_PROTOCOL');
  });
  it('impossible values', () => {
    expect(code(decodeVehicleStatus(hex('02 9a 01 50 00 01 65 00')))).toBe('IMPOSSIBLE_VALUE'); // SOC 101 %
    expect(code(decodeVehicleLimits(hex('00 7d a0 01 2c 01 64 00')))).toBe('IMPOSSIBLE_VALUE'); // min 416 V > max 300 V
    expect(code(decodeChargerLimits(hex('02 f4 01 7d a4 01 00 00')))).toBe('IMPOSSIBLE_VALUE'); // welding flag 2
  });
  it('unknown id', () => {
    expect(code(decodeChademoFrame(0x200, new Uint8Array(8)))).toBe('UNKNOWN_ID');
  });
  it('encoders refuse values that do not fit', () => {
    expect(code(encodeChargerLimits({ weldingDetection: false, availableVoltage: 500, availableCurrent: 300, thresholdVoltage: 420 }))).toBe('OUT_OF_RANGE');
    expect(code(encodeChargerStatus({ protocol: 2, presentVoltage: -1, presentCurrent: 0, dischargeCompatible: false, status: { charging: false, chargerError: false, energizing: false, batteryIncompatible: false, systemError: false, stopped: true }, remaining10s: 0, remainingMin: 0 }))).toBe('OUT_OF_RANGE');
  });
});

describe('CHAdeMO round trips (property)', () => {
  const bool = fc.boolean();
  it('0x102 and 0x109 decode(encode(x)) = x', () => {
    const vs = fc.record({
      protocol: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
      targetVoltage: fc.integer({ min: 0, max: 0xffff }),
      currentRequest: fc.integer({ min: 0, max: 255 }),
      faults: fc.record({ batteryOverVoltage: bool, batteryUnderVoltage: bool, currentDeviation: bool, highBatteryTemperature: bool, voltageDeviation: bool }),
      status: fc.record({ chargingEnabled: bool, notInPark: bool, systemFault: bool, contactorOpen: bool, stopBeforeCharging: bool, dischargeCapable: bool }),
      soc: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(vs, (v: VehicleStatus) => {
        const e = encodeVehicleStatus(v);
        const d = e.ok ? decodeVehicleStatus(e.value) : e;
        expect(d.ok && d.value).toEqual(v);
      }),
    );
    const cs = fc.record({
      protocol: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
      presentVoltage: fc.integer({ min: 0, max: 0xffff }),
      presentCurrent: fc.integer({ min: 0, max: 255 }),
      dischargeCompatible: bool,
      status: fc.record({ charging: bool, chargerError: bool, energizing: bool, batteryIncompatible: bool, systemError: bool, stopped: bool }),
      remaining10s: fc.integer({ min: 0, max: 255 }),
      remainingMin: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(cs, (v: ChargerStatus) => {
        const e = encodeChargerStatus(v);
        const d = e.ok ? decodeChargerStatus(e.value) : e;
        expect(d.ok && d.value).toEqual(v);
      }),
    );
  });
  it('decoding arbitrary 8-byte frames never throws', () => {
    fc.assert(
      fc.property(fc.constantFrom(0x100, 0x101, 0x102, 0x108, 0x109, 0x110, 0x118), fc.uint8Array({ minLength: 0, maxLength: 12 }), (id, data) => {
        const r = decodeChademoFrame(id, data);
        if (data.length !== 8) expect(r.ok ? 'ok' : r.error.code).toBe('WRONG_DLC');
      }),
    );
  });
});
