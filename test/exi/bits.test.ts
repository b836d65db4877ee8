// The bit writer's invariant that its fast paths rely on: every byte past the one at the
// write position is zero (bits() ORs only into the byte at pos and assigns the ones after it;
// zero event codes are skipped without a write).
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from '../../src/codecs/exi/runtime/bits.js';

function zeroPastPos(w: BitWriter): boolean {
  for (let i = ((w.pos + 7) >>> 3); i < w.buf.length; i++) if (w.buf[i] !== 0) return false;
  return true;
}

describe('EXI bit writer', () => {
  it('a string that turns out not to be ASCII leaves no byte set past the position, at every bit offset', () => {
    for (let off = 0; off < 8; off++) {
      const w = new BitWriter(64);
      w.bits(off, (1 << off) - 1);
      w.stringChecked('abcdefgh\u00e9xyz', 0, 100, 'f');
      expect(zeroPastPos(w), `offset ${off}`).toBe(true);
      // Reads back as written: the ones before the string, the length + 2, the code points.
      const r = new BitReader(w.finish());
      expect(r.bits(off)).toBe((1 << off) - 1);
      expect(r.string(0, 100, 'f')).toBe('abcdefgh\u00e9xyz');
    }
  });

  it('a string refused after the ASCII attempt (its code points fall short of minLength) leaves no byte set', () => {
    const w = new BitWriter(64);
    w.bits(5, 0b10101);
    // 6 UTF-16 units pass the first length check, but they are 5 code points (one pair) < 6.
    expect(() => w.stringChecked('abcd\u{1F600}', 6, 10, 'f')).toThrow(/length 5 outside 6..10/);
    expect(w.pos).toBe(5);
    expect(zeroPastPos(w)).toBe(true);
  });

  it('finish() hands the bytes over and leaves the writer zeroed at position 0', () => {
    const w = new BitWriter(64);
    w.bits(3, 5);
    w.stringChecked('hello', 0, 10, 'f');
    w.binaryChecked(new Uint8Array([0xff, 0x81, 0x7e]), 0, 8, 'g');
    const out = w.finish();
    expect(out.length).toBe(Math.ceil((3 + 8 + 40 + 8 + 24) / 8));
    expect(w.pos).toBe(0);
    expect([...w.buf].every((b) => b === 0)).toBe(true);
  });
});
