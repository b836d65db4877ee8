// Response times seen by the EV, per request type, for the session summary (`tsplc pev`, the
// JSON line's responseTimesMs) and the benchmarks.
import type { WireRecord } from './v2g-transport.js';

export interface LatencyStats {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface LatencyTracker {
  onWire(r: WireRecord): void;
  stats(): Record<string, LatencyStats>;
}

/** Samples kept per request type: a 24-hour loop keeps the last ones. */
export const LATENCY_SAMPLES_PER_TYPE = 10_000;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Response times seen by the EV, per request type: from our request leaving (after EXI encoding)
 * to the response arriving (before EXI decoding). For the summary and the benchmarks.
 */
export function latencyTracker(now: () => number = () => performance.now()): LatencyTracker {
  const pending = new Map<string, number>();
  const samples = new Map<string, number[]>();
  const name = (r: WireRecord): string | undefined => {
    if (!r.doc) return undefined;
    const body = 'V2G_Message' in r.doc ? Object.keys(r.doc.V2G_Message.Body)[0] : Object.keys(r.doc)[0];
    return body?.replace(/(Req|Res)$/, '');
  };
  return {
    onWire(r) {
      const n = name(r);
      if (!n) return;
      if (r.direction === 'tx') pending.set(n, now());
      else {
        const t0 = pending.get(n);
        if (t0 === undefined) return;
        pending.delete(n);
        let list = samples.get(n);
        if (!list) samples.set(n, (list = []));
        // Bounded (LATENCY_SAMPLES_PER_TYPE).
        if (list.length >= LATENCY_SAMPLES_PER_TYPE) list.shift();
        list.push(now() - t0);
      }
    },
    stats() {
      const out: Record<string, LatencyStats> = {};
      for (const [k, v] of samples) {
        const sorted = [...v].sort((a, b) => a - b);
        const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
        out[k] = { n: v.length, p50: round3(at(50)), p99: round3(at(99)), max: round3(sorted[sorted.length - 1] ?? NaN) };
      }
      return out;
    },
  };
}
