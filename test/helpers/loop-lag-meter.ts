// The measuring part of the TSPLC_LOOP_LAG=1 diagnostic (test/helpers/loop-lag.ts), without vitest's
// hooks so the report (globalSetup, main process) and its unit test can import it.
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One late tick: what ran, how long the loop was blocked, the worker's CPU time in that gap. */
export interface LoopLag {
  readonly file: string;
  readonly test: string;
  readonly blockedMs: number;
  readonly cpuMs: number;
}

export interface LagClock {
  /** Monotonic milliseconds. */
  now(): number;
  /** CPU time of this process (user + system), milliseconds. */
  cpuMs(): number;
}

/** Charges the gap between two samples, less the tick period, to the label that was current. */
export class LoopLagMeter {
  readonly hits: LoopLag[] = [];
  private last: number;
  private lastCpu: number;
  private label = '(collection or beforeAll)';

  constructor(
    private readonly file: string,
    private readonly thresholdMs: number,
    private readonly tickMs: number,
    private readonly clock: LagClock,
  ) {
    this.last = clock.now();
    this.lastCpu = clock.cpuMs();
  }

  /** Measures the gap since the previous sample (a timer tick or a label change). */
  sample(): void {
    const now = this.clock.now();
    const cpu = this.clock.cpuMs();
    const blocked = now - this.last - this.tickMs;
    if (blocked > this.thresholdMs) this.hits.push({ file: this.file, test: this.label, blockedMs: Math.round(blocked), cpuMs: Math.round(cpu - this.lastCpu) });
    this.last = now;
    this.lastCpu = cpu;
  }

  /** What runs from now on; the gap up to here is charged to what ran before. */
  enter(label: string): void {
    this.sample();
    this.label = label;
  }
}

export const lagFile = (vitestPid: number): string => join(tmpdir(), `tsplc-loop-lag-${vitestPid}.jsonl`);
