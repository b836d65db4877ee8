// ev.soc_simulation, as pyPLC's: the SOC starts at ev.initial_soc (pyPLC: 20 %) and
// rises at a fixed rate while the power relay is closed (pyPLC: 0.5 % per 30 ms main
// cycle, "~8 s to full, good for automatic test runs"); the session's soc_target
// (pyPLC: 98 %) ends the charge. Pure: time and the relay state in, SOC out.

export class SocSimulation {
  private soc: number;
  private closedSince: number | undefined;

  constructor(
    initialSoc: number,
    /** Percent per second while the contactors are closed. */
    private readonly ratePerSecond: number,
  ) {
    this.soc = initialSoc;
  }

  /** The relay state at time t (ms). */
  contactors(closed: boolean, t: number): void {
    this.at(t);
    this.closedSince = closed ? t : undefined;
  }

  /** The SOC at time t (ms), 0–100. */
  at(t: number): number {
    if (this.closedSince !== undefined) {
      this.soc = Math.min(100, this.soc + ((t - this.closedSince) / 1000) * this.ratePerSecond);
      this.closedSince = t;
    }
    return Math.round(this.soc * 10) / 10;
  }
}
