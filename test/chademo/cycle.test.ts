// The bridge's 100 ms 0x108/0x109 cycle against absolute deadlines (cycle n at start + n·CHA_Cycle),
// in virtual time on a clock whose timers fire late by a seeded 0–30 ms (an event loop under load):
// the lateness stays bounded by the timer lateness and the drift over 10 simulated minutes is 0,
// where chained relative timers (the machine without a clock) would fall behind by the sum of
// every lateness. A stall of several cycles skips the missed slots instead of sending a burst.
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { chademoBridgeMachine } from '../../machines/chademo-bridge/index.js';
import { chademoBridgeDefaults } from '../../src/domain/chademo/index.js';
import type { Clock } from '../../src/ports/clock.js';

/** An event-driven virtual clock: runUntil() jumps from timer to timer; every timer fires `late(n)` ms after its due time. */
class LateClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  constructor(private readonly late: (n: number) => number) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms + this.late(id), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }
  runUntil(end: number): void {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (!next || e[1].at < next[1].at) next = e;
      if (!next || next[1].at > end) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }
}

/** Seeded 0..maxMs lateness (a linear congruential generator, so a failure is reproducible). */
function seededLateness(maxMs: number, seed = 11): (n: number) => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return (x / 2 ** 31) * maxMs;
  };
}

/** The bridge started and left waiting in D1 (no car), recording when each 0x109 leaves. */
function runCycle(clock: LateClock, withNow: boolean, ms: number): number[] {
  const sent: number[] = [];
  const m = chademoBridgeMachine.provide({ actions: { sendFrame: (_, f) => void (f.id === 0x109 && sent.push(clock.now())) } });
  // No car: D1 waits; CHA_T_VehicleReady is far beyond the run so only the cycle runs.
  const config = { ...chademoBridgeDefaults, timeouts: { ...chademoBridgeDefaults.timeouts, CHA_T_VehicleReady: 10 * ms } };
  const a = createActor(m, { input: { config, ...(withNow ? { now: () => clock.now() } : {}) }, clock });
  a.start();
  a.send({ type: 'START' });
  // Half a cycle short of the end, so the last slot is not cut by where the run stops.
  clock.runUntil(ms - 50);
  a.stop();
  return sent;
}

const TEN_MINUTES = 10 * 60 * 1000;

describe('chademo-bridge CAN cycle (virtual time)', () => {
  it('is drift-free over 10 simulated minutes with timers up to 30 ms late: cycle n leaves within 30 ms of start + n·100 ms', () => {
    const clock = new LateClock(seededLateness(30));
    const sent = runCycle(clock, true, TEN_MINUTES);
    const t0 = sent[0] as number;
    const lateness = sent.map((t, n) => t - (t0 + n * 100));
    expect(sent.length).toBe(TEN_MINUTES / 100);
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...lateness)).toBeLessThanOrEqual(30);
    // Drift: the last cycle is as late as any single timer, not the sum of 6000 of them.
    const drift = (sent[sent.length - 1] as number) - t0 - (sent.length - 1) * 100;
    expect(drift).toBeLessThanOrEqual(30);
    // Intervals: 100 ms ± the lateness of two timers.
    const intervals = sent.slice(1).map((t, i) => t - (sent[i] as number));
    expect(Math.min(...intervals)).toBeGreaterThanOrEqual(70);
    expect(Math.max(...intervals)).toBeLessThanOrEqual(130);
  });

  it('chained relative timers (no clock given) fall behind by the summed lateness — what the deadlines prevent', () => {
    const clock = new LateClock(seededLateness(30));
    const sent = runCycle(clock, false, TEN_MINUTES);
    // ≈ 15 ms mean lateness per cycle: about 5 400 cycles instead of 6 000 in 10 minutes.
    expect(sent.length).toBeLessThan(TEN_MINUTES / 100 - 300);
  });

  it('skips the slots missed during a 350 ms stall and goes on on the same grid (no burst)', () => {
    let stalled = false;
    const clock = new LateClock((n) => (n > 40 && !stalled ? ((stalled = true), 350) : 0));
    const sent = runCycle(clock, true, 10_000);
    const t0 = sent[0] as number;
    const intervals = sent.slice(1).map((t, i) => t - (sent[i] as number));
    // No burst: the frame after the stalled one comes at the next slot (50 ms later), none sooner.
    expect(Math.min(...intervals)).toBe(50);
    // Every other frame is on the grid start + n·100 (this clock is late only once).
    const offGrid = sent.filter((t) => (t - t0) % 100 !== 0);
    expect(offGrid).toEqual([offGrid[0]]);
    expect(sent.length).toBe(100 - 3); // slots 0..99, three skipped
  });
});
