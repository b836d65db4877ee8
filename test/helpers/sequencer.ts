// File order of the suite: the files that run real sessions in real time (network namespaces,
// spawned `tsplc` processes, npm) start first, longest first, so the workers that wait on them
// overlap with the CPU-bound unit files instead of one long file starting last and running alone.
// vitest's own order (failed first, then longest by its results cache) needs a cache, which a
// fresh CI clone does not have: without one it would start the biggest files by size, and the
// long hostile files (test/hostile/tcp-sdp-*.test.ts: a few lines each, minutes of real sessions)
// are among the smallest.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The long files, longest first within each kind (measured: docs/development.md § "How long the
 * suite takes"). A new file that runs sessions in real time, or computes, for more than ~10 s belongs here.
 */
export const longFirst: readonly string[] = [
  // Waiting files (real sessions in namespaces, npm) interleaved with the CPU-bound long files
  // (capture decodes, virtual-time fault tables), so each worker's first files mix the two and
  // the CPU works from the start while the sessions wait (measured: docs/development.md).
  'test/relay/netns-charger-fails.test.ts',
  'test/hostile/tcp-sdp-slow.test.ts',
  'test/relay/netns-car-fails.test.ts',
  'test/package/package.test.ts',
  'test/analysis/streaming.test.ts',
  'test/homeplug/captures.test.ts',
  'test/hostile/tcp-sdp-close.test.ts',
  'test/faults/fault-table.test.ts',
  'test/hostile/tcp-sdp-v2g.test.ts',
  'test/chademo/bridge-fault-table.test.ts',
  'test/hostile/tcp-sdp-framing.test.ts',
  'test/v2g/fault-table.test.ts',
  'test/hostile/tcp-sdp-sdp.test.ts',
  'test/hostile/kill-car.test.ts',
  'test/hostile/kill-charger.test.ts',
  'test/hostile/slac-frames.test.ts',
  'test/hostile/slac-flood.test.ts',
  'test/hostile/slac-during.test.ts',
  'test/boards/car-on-a-bench-spawned.test.ts',
  'test/lint/layers.test.ts',
  'test/relay/netns.test.ts',
  'test/v2g/replay.test.ts',
  'test/runtime/records-netns.test.ts',
  'test/stack/netns-din-dc.test.ts',
  'test/stack/netns-iso2-dc.test.ts',
  'test/stack/netns-iso2-ac.test.ts',
  'test/cli/modem.test.ts',
  'test/analysis/tls.test.ts',
  'test/native/afpacket.test.ts',
  'test/modem-sim/netns.test.ts',
  'test/modem-sim/third-party.test.ts',
  'test/runtime/systemd-session.test.ts',
  'test/runtime/forwarding-session.test.ts',
  'test/analysis/statistics.test.ts',
  'test/exi/captures.test.ts',
  'test/exi/fuzz.test.ts',
];

/** `items` with the files of `longFirst` first, in list order; the rest keep their order (a stable sort). */
export function longFirstOrder<T>(items: readonly T[], pathOf: (item: T) => string): T[] {
  const rank = (item: T): number => {
    const i = longFirst.indexOf(pathOf(item).replaceAll('\\', '/'));
    return i < 0 ? longFirst.length : i;
  };
  return [...items].sort((a, b) => rank(a) - rank(b));
}

export class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return longFirstOrder(await super.sort(files), (f) => relative(f.project.config.root, f.moduleId));
  }
}
