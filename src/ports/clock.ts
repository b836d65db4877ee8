// The clock port: time and one-shot timers, structurally what XState's SimulatedClock offers
// (now/setTimeout/clearTimeout), so one clock drives machines, in-memory twins and the sim plant in
// tests. Real implementations live where Node's timers may be used (drivers/, boards/, src/runtime).

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
