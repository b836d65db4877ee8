// Capture decoding throughput: pcap/pcapng parsing + packet layer + TCP
// reassembly + V2GTP + EXI + summaries, on the 10-minute charging sessions.
// Target: a 10-minute session decoded in under half a second.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeCapture } from '../../src/analysis/capture.js';
import { capturesDir, hasCaptures, missingSharedMessage } from '../shared.js';
import { type BenchResult, type BenchSuite, timeOp } from './harness.js';

const FILES = ['2026-02-03_pyPLC_FoccciCape_with_Ioniq_runs_10_minutes.pcap', '2023-04-26_atHome_IoniqWithBulbs10minutesTimeout.pcapng'];

export const suite: BenchSuite = {
  name: 'analysis: capture → V2G events/sessions',
  async run(): Promise<BenchResult[] | string> {
    if (!hasCaptures) return missingSharedMessage;
    const out: BenchResult[] = [];
    for (const f of FILES) {
      const path = join(capturesDir, f);
      if (!existsSync(path)) continue;
      const bytes = new Uint8Array(readFileSync(path));
      const first = analyzeCapture(bytes);
      const messages = first.events.filter((e) => e.kind === 'v2g').length;
      for (const decodeExi of [true, false]) {
        const ns = timeOp(() => analyzeCapture(bytes, { decodeExi }), 1000);
        const s = ns / 1e9;
        out.push({
          bench: `${f.slice(0, 40)}${decodeExi ? '' : ' (no EXI)'}`,
          ns_per_op: ns,
          ms_per_capture: ns / 1e6,
          msgs_per_s: messages / s,
          mb_per_s: bytes.length / 1e6 / s,
          messages,
          records: first.records,
          file_mb: bytes.length / 1e6,
        });
      }
    }
    return out.length ? out : 'none of the 10-minute captures found';
  },
};
