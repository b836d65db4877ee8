// HomePlug MME codec and capture reader speed: ns per decode/encode of three SLAC frames, and
// pcapng parse throughput (records only, and records + HomePlug decode) on the largest capture.
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { readCapture } from '../../src/codecs/capture/index.js';
import { decodeMme, encodeMme, isHomePlugFrame, type KnownMme } from '../../src/codecs/homeplug/index.js';
import { oneOfEach } from '../homeplug/fixtures.js';
import { captureFiles } from '../shared.js';
import { type BenchResult, type BenchSuite, timeOp } from './harness.js';

export const suite: BenchSuite = {
  name: 'homeplug',
  async run(): Promise<BenchResult[]> {
    const results: BenchResult[] = [];
    const msgs = oneOfEach();
    for (const type of ['CM_SLAC_PARM.REQ', 'CM_ATTEN_CHAR.IND', 'CM_SLAC_MATCH.CNF'] as KnownMme['type'][]) {
      const msg = msgs.find((m) => m.type === type)!;
      const frame = encodeMme(msg);
      let sink = 0;
      results.push({
        bench: `decodeMme ${type}`,
        ns_per_op: timeOp(() => {
          const r = decodeMme(frame);
          if (r.ok) sink += r.value.mmv;
        }),
        bytes: frame.length,
      });
      results.push({ bench: `encodeMme ${type}`, ns_per_op: timeOp(() => (sink += encodeMme(msg).length)) });
      if (sink < 0) console.log(sink);
    }

    const files = captureFiles().filter((f) => f.endsWith('.pcapng'));
    if (files.length > 0) {
      const largest = files.reduce((a, b) => (statSync(b).size > statSync(a).size ? b : a));
      const bytes = new Uint8Array(readFileSync(largest));
      let records = 0;
      let homeplug = 0;
      const parseNs = timeOp(() => {
        records = 0;
        for (const r of readCapture(bytes)) if (r.ok) records++;
      }, 500);
      const decodeNs = timeOp(() => {
        homeplug = 0;
        for (const r of readCapture(bytes)) if (r.ok && isHomePlugFrame(r.value.data) && decodeMme(r.value.data).ok) homeplug++;
      }, 500);
      const mb = bytes.length / 1e6;
      results.push({ bench: `pcapng parse ${basename(largest)}`, ns_per_op: parseNs / records, mb_per_s: mb / (parseNs / 1e9), records, file_mb: mb });
      results.push({ bench: 'pcapng parse + HomePlug decode', mb_per_s: mb / (decodeNs / 1e9), records_per_s: records / (decodeNs / 1e9), homeplug_frames: homeplug });
    }
    return results;
  },
};
