// CP PWM duty cycle from the edges of a GPIO input (a comparator on the CP line,
// as on pyPLC-style Raspberry Pi / BeagleBone adapters). IEC 61851-1: 1 kHz,
// 5 % = digital communication; no edges = steady level (no PWM: 100 % when the
// line is high, 0 % when low). Pure: edges with their time in, duty out.

export interface PwmMeterOptions {
  /** No edge for this long = steady level, ms (1 kHz PWM has an edge every ≤ 1 ms). */
  readonly steadyAfterMs: number;
}

export class PwmMeter {
  private lastRise: number | undefined;
  private highTime: number | undefined;
  private lastEdge: number | undefined;
  private level = false;
  private duty: number | undefined;

  constructor(private readonly o: PwmMeterOptions = { steadyAfterMs: 20 }) {}

  /** One edge (the new level at time t, ms). Returns the duty cycle in percent once a full period was seen. */
  edge(high: boolean, t: number): number | undefined {
    if (high === this.level && this.lastEdge !== undefined) return this.duty;
    if (high) {
      if (this.lastRise !== undefined && this.highTime !== undefined) {
        const period = t - this.lastRise;
        if (period > 0) this.duty = Math.round(Math.min(100, Math.max(0, (this.highTime / period) * 100)) * 10) / 10;
      }
      this.lastRise = t;
      this.highTime = undefined;
    } else if (this.lastRise !== undefined) this.highTime = t - this.lastRise;
    this.level = high;
    this.lastEdge = t;
    return this.duty;
  }

  /** Called periodically: after steadyAfterMs without edges the line is steady (100 % high, 0 % low). */
  tick(t: number): number | undefined {
    if (this.lastEdge === undefined || t - this.lastEdge >= this.o.steadyAfterMs) {
      this.lastRise = undefined;
      this.highTime = undefined;
      this.duty = this.level ? 100 : 0;
    }
    return this.duty;
  }

  /** The level now (for a steady line before any edge). */
  setLevel(high: boolean): void {
    this.level = high;
  }
}
