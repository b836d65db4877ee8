// File order of the suite: the files that run real sessions in real time (network namespaces,
// spawned `tsplc` processes, npm) start first, longest first, so the workers that wait on them
// overlap with the CPU-bound unit files instead of one long file starting last and running alone.
// vitest's own order (failed first, then longest by its results cache) needs a cache, which a
// fresh CI clone does not have: without one it would start the biggest files by size, and the
// longest file of the suite (test/hostile/tcp-sdp.test.ts) is one of the smallest.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The long real-time files, longest first (measured: docs/development.md § "How long the suite
 * takes"). A new file that runs sessions in real time for more than ~10 s belongs here.
 */
export const longFirst: readonly string[] = [
  'test/hostile/tcp-sdp.test.ts',
  'test/package/package.test.ts',
  'test/hostile/slac.test.ts',
  'test/hostile/kill.test.ts',
  'test/stack/netns.test.ts',
  'test/analysis/streaming.test.ts',
  'test/runtime/records-netns.test.ts',
  'test/homeplug/captures.test.ts',
  'test/faults/fault-table.test.ts',
  'test/chademo/bridge-fault-table.test.ts',
  'test/runtime/systemd-session.test.ts',
  'test/runtime/forwarding-session.test.ts',
  'test/v2g/fault-table.test.ts',
  'test/modem-sim/third-party.test.ts',
  'test/modem-sim/netns.test.ts',
  'test/v2g/replay.test.ts',
  'test/analysis/statistics.test.ts',
  'test/exi/fuzz.test.ts',
  'test/lint/layers.test.ts',
  'test/native/afpacket.test.ts',
];

export class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = longFirst.indexOf(relative(f.project.config.root, f.moduleId).replaceAll('\\', '/'));
      return i < 0 ? longFirst.length : i;
    };
    // Array.prototype.sort is stable: the rest keeps vitest's order.
    return base.sort((a, b) => rank(a) - rank(b));
  }
}
