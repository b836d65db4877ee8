// Bad input never escapes as an exception: random bytes, truncations and mutations of real and
// encoded frames go into decodeMme and the capture readers; only typed errors or valid results come out.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/codecs/capture/index.js';
import { decodeMme, encodeMme, isHomePlugFrame } from '../../src/codecs/homeplug/index.js';
import { captureFiles, hasCaptures } from '../shared.js';
import { oneOfEach } from './fixtures.js';
import { needCaptures } from '../env.js';

function checkDecode(bytes: Uint8Array): void {
  const r = decodeMme(bytes);
  if (r.ok) {
    // A valid message must re-encode to exactly the bytes it came from.
    expect(encodeMme(r.value)).toEqual(bytes);
  } else {
    expect(typeof r.error.code).toBe('string');
    expect(typeof r.error.message).toBe('string');
    if (r.error.offset !== undefined) {
      expect(r.error.offset).toBeGreaterThanOrEqual(0);
      expect(r.error.offset).toBeLessThanOrEqual(bytes.length);
    }
  }
}

function drain(file: Uint8Array): number {
  let n = 0;
  for (const r of readCapture(file)) {
    n++;
    if (!r.ok) {
      expect(typeof r.error.code).toBe('string');
      break;
    }
  }
  return n;
}

const seeds: Uint8Array[] = oneOfEach().map(encodeMme);
if (needCaptures()) {
  // A sample of real frames: the first HomePlug frames of a few captures of different stacks.
  for (const f of captureFiles().filter((_, i) => i % 6 === 0)) {
    let taken = 0;
    for (const r of readCapture(readFileSync(f))) {
      if (r.ok && isHomePlugFrame(r.value.data) && taken++ < 15) seeds.push(r.value.data.slice());
    }
  }
}

describe('decodeMme on hostile input', () => {
  it('random byte strings', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), checkDecode), { numRuns: 3000 });
  });

  it('random payloads behind a valid HomePlug envelope', () => {
    const header = fc.tuple(fc.constantFrom(0, 1, 2, 3), fc.constantFrom(...seeds.map((s) => (s[15]! | (s[16]! << 8)))));
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 160 }), ([mmv, mmtype], payload) => {
        const f = new Uint8Array(17 + payload.length);
        f.set([0x88, 0xe1, mmv, mmtype & 0xff, mmtype >> 8], 12);
        f.set(payload, 17);
        checkDecode(f);
      }),
      { numRuns: 3000 },
    );
  });

  it('truncations and byte mutations of real and encoded frames', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (seed, cut, mutations) => {
          const f = seed.slice(0, cut % (seed.length + 1));
          for (const [at, v] of mutations) if (f.length > 0) f[at % f.length] = v;
          checkDecode(f);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('capture readers on hostile input', () => {
  const small = hasCaptures
    ? captureFiles()
        .map((f) => readFileSync(f))
        .filter((b) => b.length < 200_000)
        .slice(0, 3)
        .map((b) => new Uint8Array(b))
    : [];

  it('random bytes, with and without a valid magic number', () => {
    const magic = fc.constantFrom(
      [],
      [0xd4, 0xc3, 0xb2, 0xa1],
      [0xa1, 0xb2, 0xc3, 0xd4],
      [0x4d, 0x3c, 0xb2, 0xa1],
      [0x0a, 0x0d, 0x0d, 0x0a],
    );
    fc.assert(
      fc.property(magic, fc.uint8Array({ maxLength: 300 }), (m, rest) => {
        const f = new Uint8Array(m.length + rest.length);
        f.set(m);
        f.set(rest, m.length);
        drain(f);
      }),
      { numRuns: 2000 },
    );
  });

  it.skipIf(!needCaptures())('truncations and mutations of real capture files', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...small),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (file, cut, mutations) => {
          const f = file.slice(0, cut % (file.length + 1));
          for (const [at, v] of mutations) if (f.length > 0) f[at % f.length] = v;
          drain(f);
        },
      ),
      { numRuns: 300 },
    );
  });
});
