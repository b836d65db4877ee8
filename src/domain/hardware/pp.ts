// Plug detection by the proximity pilot (PP) measured with an ADC. Pure.
//
// IEC 61851-1 Annex B / IEC 62196-2: the cable's plug codes its current capacity with a
// resistor Rc between PP and PE — 1.5 kΩ = 13 A, 680 Ω = 20 A, 220 Ω = 32 A, 100 Ω = 63 A —
// and no plug is an open PP. The car side measures Rc through a pull-up (the divider this
// module assumes): PP ──R_pullup── U_supply, PP ──Rc── PE, the ADC reads U_PP against PE:
//   U_PP = U_supply · Rc / (Rc + R_pullup)   →   Rc = R_pullup · U_PP / (U_supply − U_PP)
// Our defaults: 1 kΩ to 3.3 V (the Raspberry Pi's rail; within the ADS1115's ±4.096 V range):
// 1.5 kΩ → 1.98 V, 680 Ω → 1.34 V, 220 Ω → 0.60 V, 100 Ω → 0.30 V, open → 3.3 V.
// The class boundaries are the geometric means of neighbouring codes (148 Ω, 387 Ω, 1010 Ω);
// above the configured open threshold (3 kΩ) the plug is out; below 50 Ω PP is shorted to PE
// (a wiring fault, or a Type 1 plug), which is not a plug we may charge through.
// Hysteresis: a reading must pass a boundary by the configured percentage before the class
// changes, so a reading sitting on a boundary (contact resistance, ADC noise) does not toggle
// the plug state — each toggle would end a session.

export const ppCableCodes = [
  { ohms: 100, amps: 63 },
  { ohms: 220, amps: 32 },
  { ohms: 680, amps: 20 },
  { ohms: 1500, amps: 13 },
] as const;

export type PpClass = 'short' | 63 | 32 | 20 | 13 | 'open';
const classes: readonly PpClass[] = ['short', 63, 32, 20, 13, 'open'];

export interface PpDivider {
  readonly pullupOhms: number;
  readonly supplyVolts: number;
}

export interface PpThresholds {
  /** Above this Rc the plug is out. */
  readonly openOhms: number;
  /** A boundary must be passed by this many percent before the class changes. */
  readonly hysteresisPercent: number;
}

/** Rc from the PP voltage; Infinity when the reading is at (or above) the supply: open. */
export function ppOhms(volts: number, d: PpDivider): number {
  if (!Number.isFinite(volts)) return Number.NaN;
  if (volts <= 0) return 0;
  // Within 0.1 % of the supply the resistance is beyond any threshold: call it open rather than divide by ~0.
  if (volts >= d.supplyVolts * 0.999) return Number.POSITIVE_INFINITY;
  return (d.pullupOhms * volts) / (d.supplyVolts - volts);
}

/** Boundaries between neighbouring classes, ascending: short | 63 A | 32 A | 20 A | 13 A | open. */
export function ppBoundaries(t: PpThresholds): number[] {
  const codes = ppCableCodes.map((c) => c.ohms);
  const mid = (a: number, b: number): number => Math.round(Math.sqrt(a * b));
  return [50, mid(codes[0] ?? 100, codes[1] ?? 220), mid(codes[1] ?? 220, codes[2] ?? 680), mid(codes[2] ?? 680, codes[3] ?? 1500), t.openOhms];
}

function classIndex(ohms: number, bounds: readonly number[]): number {
  let i = 0;
  while (i < bounds.length && ohms > (bounds[i] ?? Infinity)) i++;
  return i;
}

/** Follows a stream of Rc readings; next() returns the class after hysteresis. */
export class PpClassifier {
  private current: number | undefined;
  private readonly bounds: number[];
  private readonly h: number;

  constructor(t: PpThresholds) {
    this.bounds = ppBoundaries(t);
    this.h = t.hysteresisPercent / 100;
  }

  next(ohms: number): PpClass {
    const raw = classIndex(ohms, this.bounds);
    if (this.current === undefined) this.current = raw;
    else if (raw > this.current) {
      const up = classIndex(ohms, this.bounds.map((b) => b * (1 + this.h)));
      if (up > this.current) this.current = up;
    } else if (raw < this.current) {
      const down = classIndex(ohms, this.bounds.map((b) => b * (1 - this.h)));
      if (down < this.current) this.current = down;
    }
    return classes[this.current] ?? 'open';
  }
}

export function isPlugged(c: PpClass): c is 63 | 32 | 20 | 13 {
  return typeof c === 'number';
}
