import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongFirstSequencer } from './test/helpers/sequencer.js';

// Workers: most of the suite's wall time is files that wait on real-time protocol timers in
// spawned processes across network namespaces (see docs/development.md § "How long the suite
// takes"), not CPU. vitest's default (CPUs − 1) is a single worker on a 2-core machine, which
// runs those waits one after another (18.5 min). The four longest files (the hostile suites and
// the packaging test, started first by LongFirstSequencer) use ~15 % of a core each while they
// wait, so on 2 cores six workers let two CPU-bound unit files run beside them. Namespace,
// interface, port and temp-dir names are unique per process (src/runtime/netns.ts, mkdtemp, free
// ports), so any two files may run at once. TSPLC_TEST_WORKERS overrides the count.
const workers = Number(process.env.TSPLC_TEST_WORKERS) || Math.min(8, availableParallelism() + 4);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Upper bounds that catch a hang, sized for a loaded 2-core machine (a process start takes seconds, under tsx tens of
    // seconds at load 20–30); a passing test never waits for them.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Separate processes: the namespace tests register exit/signal handlers and load the native addon.
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: workers } },
    sequence: { sequencer: LongFirstSequencer },
    // test/helpers/test-dist.ts bundles the CLI from the sources: every spawned `tsplc` runs that bundle.
    // Under TSPLC_NO_SKIP=1 a run with any skipped test fails (test/helpers/no-skip.ts).
    globalSetup: ['test/helpers/test-dist.ts', 'test/helpers/no-skip.ts', 'test/helpers/loop-lag-report.ts'],
    // TSPLC_LOOP_LAG=1: report every test that blocks its worker's event loop over a second (test/helpers/loop-lag.ts).
    setupFiles: ['test/helpers/loop-lag.ts'],
  },
});
