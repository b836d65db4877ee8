// TI ADS1115 16-bit I2C ADC (datasheet SBAS444): single-shot, single-ended
// conversion of one channel. Pure: register words in, volts out.

/** Register pointers. */
export const ADS1115_CONVERSION = 0x00;
export const ADS1115_CONFIG = 0x01;

/** Full-scale ranges selectable by PGA[11:9], in volts. */
export const ads1115FullScale = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256] as const;

/**
 * Config word that starts one conversion of AINx against GND:
 * OS=1 (start), MUX=1xx (single-ended), PGA, MODE=1 (single-shot),
 * DR=100 (128 SPS: 7.8 ms per conversion), comparator disabled (COMP_QUE=11).
 */
export function ads1115ConfigWord(channel: 0 | 1 | 2 | 3, pgaIndex = 1): number {
  return 0x8000 | ((0b100 | channel) << 12) | ((pgaIndex & 0b111) << 9) | 0x0100 | (0b100 << 5) | 0b11;
}

/** Config word as the two bytes the ADS1115 expects (big-endian). */
export function ads1115ConfigBytes(channel: 0 | 1 | 2 | 3, pgaIndex = 1): Uint8Array {
  const w = ads1115ConfigWord(channel, pgaIndex);
  return new Uint8Array([w >> 8, w & 0xff]);
}

/** Conversion register (big-endian two's complement) to volts at the ADC pin. */
export function ads1115ToVolts(bytes: Uint8Array, pgaIndex = 1): number {
  const raw = (((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0)) << 16 >> 16;
  const fs = ads1115FullScale[pgaIndex] ?? 4.096;
  return (raw * fs) / 32768;
}

/** Milliseconds one conversion takes at 128 SPS, with margin. */
export const ADS1115_CONVERSION_MS = 10;
