// Benchmark harness for `npm run bench`. Each suite file test/bench/<name>.bench.ts
// exports `suite: BenchSuite`. Results print as a table; with --json as JSON lines
// {"bench": name, "ns_per_op": n, ...extra}.

export interface BenchResult {
  readonly bench: string;
  /** Nanoseconds per operation, where the benchmark is a per-op timing. */
  readonly ns_per_op?: number;
  /** Any other figures: p50_us, p99_us, msgs_per_s, mb_per_s, rss_mb, ... */
  readonly [extra: string]: string | number | undefined;
}

export interface BenchSuite {
  readonly name: string;
  /** Returns results, or a reason string when the suite cannot run here (e.g. needs root). */
  run(): Promise<BenchResult[] | string>;
}

/** Times fn over enough iterations for ~minMs, after warm-up; returns ns/op (median of 5 rounds). */
export function timeOp(fn: () => unknown, minMs = 200): number {
  let iterations = 1;
  // Warm up and size the batch.
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= minMs / 5) break;
    iterations *= 2;
  }
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    rounds.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  rounds.sort((a, b) => a - b);
  return rounds[2] as number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

/** yes/no when the row carries a goal: every `goal` ≥ `ratio` and every `goal_X` ≥ `X`; undefined without one. */
export function goalMet(r: BenchResult): 'yes' | 'no' | undefined {
  const checks: [unknown, unknown][] = [];
  for (const [k, v] of Object.entries(r)) {
    if (k === 'goal') checks.push([r.ratio, v]);
    else if (k.startsWith('goal_')) checks.push([r[k.slice(5)], v]);
  }
  if (checks.length === 0) return undefined;
  return checks.every(([x, g]) => typeof x === 'number' && typeof g === 'number' && x <= g) ? 'yes' : 'no';
}
