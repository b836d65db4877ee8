// Every HomePlug frame of every real capture: decodes without error, the count per file equals
// tshark's, timestamps agree with tshark, and every frame — SLAC frames in particular —
// re-encodes byte-identically, padding included.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { readCapture } from '../../src/capture/index.js';
import { decodeMme, encodeMme, isHomePlugFrame } from '../../src/homeplug/index.js';
import { captureFiles } from '../shared.js';
import { needCaptures } from '../env.js';

const SLAC_TYPES = /^CM_(SLAC_|START_ATTEN_CHAR|MNBC_SOUND|ATTEN_|VALIDATE|SET_KEY|GET_KEY)/;

function tsharkHomePlug(file: string): { frame: number; epoch: number }[] {
  const out = execFileSync('tshark', ['-r', file, '-Y', 'homeplug-av', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
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
    it(basename(file), () => {
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
        if (toHex(again) !== toHex(data)) expect(toHex(again), `${name} frame ${index}`).toBe(toHex(data));
      }
      totals.frames += ours.length;
      const theirs = tsharkHomePlug(file);
      expect(ours.length).toBe(theirs.length);
      expect(ours.map((o) => o.frame)).toEqual(theirs.map((t) => t.frame));
      for (let i = 0; i < ours.length; i++) {
        // tshark prints epoch seconds with µs or ns digits: agree to 1 µs.
        expect(Math.abs(ours[i]!.ms - theirs[i]!.epoch * 1000)).toBeLessThan(0.002);
      }
    });
  }
  it('found SLAC traffic at all', () => {
    expect(totals.frames).toBeGreaterThan(1000);
    expect(totals.slac).toBeGreaterThan(500);
  });
});
