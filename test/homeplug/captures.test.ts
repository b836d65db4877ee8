// Every HomePlug frame of every real capture: decodes without error, the count per file equals
// tshark's, timestamps agree with tshark, and every frame — SLAC frames in particular —
// re-encodes byte-identically, padding included.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { readCapture } from '../../src/codecs/capture/index.js';
import { decodeMme, encodeMme, isHomePlugFrame } from '../../src/codecs/homeplug/index.js';
import { captureFiles } from '../shared.js';
import { needCaptures } from '../env.js';
import { run } from '../helpers/run.js';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const SLAC_TYPES = /^CM_(SLAC_|START_ATTEN_CHAR|MNBC_SOUND|ATTEN_|VALIDATE|SET_KEY|GET_KEY)/;

// tshark through run() (test/helpers/run.ts), started before our own decode so the two overlap: a
// synchronous tshark over a large capture blocks this worker for seconds on a loaded machine.
async function tsharkHomePlug(file: string): Promise<{ frame: number; epoch: number }[]> {
  const r = await run('tshark', ['-r', file, '-Y', 'homeplug-av', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch']);
  if (r.status !== 0) throw new Error(`tshark -r ${file}: exit ${String(r.status)}: ${r.stderr.slice(-500)}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [n, t] = l.split('\t');
      return { frame: Number(n), epoch: Number(t) };
    });
}

describe.skipIf(!needCaptures())('HomePlug frames in ../shared/captures', () => {
  const totals = { frames: 0, slac: 0 };
  for (const file of captureFiles()) {
    it(basename(file), async () => {
      const tshark = tsharkHomePlug(file);
      tshark.catch(() => undefined); // awaited below; if our decode fails first, its failure is the one to report
      const ours: { frame: number; ms: number }[] = [];
      for (const r of readCapture(readFileSync(file))) {
        if (!r.ok) throw new Error(`${basename(file)}: ${r.error.code} ${r.error.message}`);
        const { data, index, timestamp } = r.value;
        if (!isHomePlugFrame(data)) continue;
        ours.push({ frame: index, ms: timestamp });
        const m = decodeMme(data);
        if (!m.ok) throw new Error(`${basename(file)} frame ${index}: ${m.error.code} ${m.error.message}`);
        const name = m.value.type === 'unknown' ? (m.value.name ?? '') : m.value.type;
        if (SLAC_TYPES.test(name)) {
          // SLAC frames must be modelled, not passed through as unknown.
          expect(m.value.type, `frame ${index}`).not.toBe('unknown');
          totals.slac++;
        }
        const again = encodeMme(m.value);
        if (!sameBytes(again, data)) expect(toHex(again), `${name} frame ${index}`).toBe(toHex(data));
      }
      totals.frames += ours.length;
      const theirs = await tshark;
      expect(ours.length).toBe(theirs.length);
      expect(ours.map((o) => o.frame)).toEqual(theirs.map((t) => t.frame));
      // tshark prints epoch seconds with µs or ns digits: agree to 1 µs (one assertion over all frames: an
      // expect() per frame was most of this file's CPU).
      const offTime = ours.filter((o, i) => !(Math.abs(o.ms - theirs[i]!.epoch * 1000) < 0.002)).map((o) => o.frame);
      expect(offTime, 'frames whose timestamp differs from tshark by 1 µs or more').toEqual([]);
    });
  }
  it('found SLAC traffic at all', () => {
    expect(totals.frames).toBeGreaterThan(1000);
    expect(totals.slac).toBeGreaterThan(500);
  });
});
