// Capture decoding throughput: pcap/pcapng parsing + packet layer + TCP
// reassembly + V2GTP + EXI + summaries, on the 10-minute charging sessions.
// Target: a 10-minute session decoded in under half a second.
// Memory (issue 13): heap retained per V2G message by the streaming analyser of
// `tsplc decode`, on a 16x capture built in memory; goal O(1) without summary (≈0 bytes)
// and ≤ 300 bytes per message with the session summary.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeCapture } from '../../src/tools/analysis/capture.js';
import { createV2gAnalyser } from '../../src/tools/analysis/frame-analyser.js';
import { decodeCapture } from '../../src/codecs/capture/pipeline.js';
import { homePlugAnalyser } from '../../src/codecs/homeplug/analyser.js';
import { multiplyCapture } from '../analysis/multiply-capture.js';
import { capturesDir, hasCaptures, missingSharedMessage } from '../shared.js';
import { type BenchResult, type BenchSuite, timeOp } from './harness.js';

const FILES = ['2026-02-03_pyPLC_FoccciCape_with_Ioniq_runs_10_minutes.pcap', '2023-04-26_atHome_IoniqWithBulbs10minutesTimeout.pcapng'];

const STREAM_CAPTURE = '2023-04-26_atHome_IoniqWithBulbs10minutesTimeout.pcapng';
const COPIES = 16;

function heapAfterGc(): number {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Heap growth per V2G message from the end of copy 2 to the end of the 16x capture. */
function retainedPerMessage(file: Uint8Array, records: number, summary: boolean): { perMessage: number; messages: number } {
  const v2g = createV2gAnalyser({ summary, values: false });
  let messages = 0;
  let mark = 0;
  let heapAtMark = 0;
  for (const item of decodeCapture(file, [homePlugAnalyser, v2g])) {
    if (item.layer === 'v2g' && item.name !== 'error') messages++;
    if (heapAtMark === 0 && item.frame > (2 * records) / COPIES) {
      heapAtMark = heapAfterGc();
      mark = messages;
    }
  }
  v2g.finish();
  if (summary && v2g.sessions().length !== COPIES) throw new Error(`expected ${COPIES} sessions, got ${v2g.sessions().length}`);
  return { perMessage: (heapAfterGc() - heapAtMark) / (messages - mark), messages };
}

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
    const streamPath = join(capturesDir, STREAM_CAPTURE);
    if (existsSync(streamPath)) {
      const big = multiplyCapture(new Uint8Array(readFileSync(streamPath)), COPIES);
      let records = 0;
      for (const _ of decodeCapture(big, [])) records++;
      for (const summary of [false, true]) {
        const r = retainedPerMessage(big, records, summary);
        out.push({
          bench: `decode retained heap, ${COPIES}x capture${summary ? ' with summary' : ', no summary'}`,
          bytes_per_message: Math.round(r.perMessage * 10) / 10,
          goal_bytes_per_message: summary ? 300 : 0,
          messages: r.messages,
        });
      }
    }
    return out.length ? out : 'none of the 10-minute captures found';
  },
};
