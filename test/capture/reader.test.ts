// pcap / pcapng readers on synthetic files that exercise each format feature (byte orders,
// resolutions, block types, several interfaces, SLL/SLL2), on corrupt files, and the writer.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  type CaptureRecord,
  PcapWriter,
  detectCaptureFormat,
  readCapture,
  writePcap,
} from '../../src/codecs/capture/index.js';
import { concatBytes, fromHex } from '../../src/bytes.js';
import { needTshark } from '../env.js';

const FRAME_A = fromHex('ffffffffffff00e04c68001d88e1016460000000' + '11'.repeat(40)) as Uint8Array;
const FRAME_B = fromHex('00e04c68001d88fca61c7c8888e1016560000000' + '22'.repeat(50)) as Uint8Array;

function all(file: Uint8Array): CaptureRecord[] {
  const out: CaptureRecord[] = [];
  for (const r of readCapture(file)) {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    out.push(r.value);
  }
  return out;
}

function lastError(file: Uint8Array): { code: string; offset?: number } | undefined {
  let e: { code: string; offset?: number } | undefined;
  for (const r of readCapture(file)) if (!r.ok) e = r.error;
  return e;
}

/** Minimal pcapng block writer for tests (either byte order). */
class Ng {
  private parts: Uint8Array[] = [];
  constructor(private readonly little: boolean) {}
  block(type: number, body: Uint8Array): this {
    const padded = new Uint8Array(Math.ceil(body.length / 4) * 4);
    padded.set(body);
    const b = new Uint8Array(12 + padded.length);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, type, this.little);
    dv.setUint32(4, b.length, this.little);
    b.set(padded, 8);
    dv.setUint32(b.length - 4, b.length, this.little);
    this.parts.push(b);
    return this;
  }
  shb(): this {
    const body = new Uint8Array(16);
    const dv = new DataView(body.buffer);
    dv.setUint32(0, 0x1a2b3c4d, this.little);
    dv.setUint16(4, 1, this.little);
    dv.setBigInt64(8, -1n, this.little);
    return this.block(0x0a0d0d0a, body);
  }
  idb(linkType: number, tsresol?: number, tsoffset?: bigint): this {
    const body = new Uint8Array(8 + 8 + 12 + 4);
    const dv = new DataView(body.buffer);
    dv.setUint16(0, linkType, this.little);
    dv.setUint32(4, 65535, this.little);
    let o = 8;
    if (tsresol !== undefined) {
      dv.setUint16(o, 9, this.little);
      dv.setUint16(o + 2, 1, this.little);
      body[o + 4] = tsresol;
      o += 8;
    }
    if (tsoffset !== undefined) {
      dv.setUint16(o, 14, this.little);
      dv.setUint16(o + 2, 8, this.little);
      dv.setBigInt64(o + 4, tsoffset, this.little);
      o += 12;
    }
    return this.block(1, body.subarray(0, o + 4)); // + opt_endofopt
  }
  epb(ifId: number, ticks: bigint, data: Uint8Array): this {
    const body = new Uint8Array(20 + data.length);
    const dv = new DataView(body.buffer);
    dv.setUint32(0, ifId, this.little);
    dv.setUint32(4, Number(ticks >> 32n), this.little);
    dv.setUint32(8, Number(ticks & 0xffffffffn), this.little);
    dv.setUint32(12, data.length, this.little);
    dv.setUint32(16, data.length, this.little);
    body.set(data, 20);
    return this.block(6, body);
  }
  opb(ifId: number, ticks: bigint, data: Uint8Array): this {
    const body = new Uint8Array(20 + data.length);
    const dv = new DataView(body.buffer);
    dv.setUint16(0, ifId, this.little);
    dv.setUint32(4, Number(ticks >> 32n), this.little);
    dv.setUint32(8, Number(ticks & 0xffffffffn), this.little);
    dv.setUint32(12, data.length, this.little);
    dv.setUint32(16, data.length, this.little);
    body.set(data, 20);
    return this.block(2, body);
  }
  spb(data: Uint8Array): this {
    const body = new Uint8Array(4 + data.length);
    new DataView(body.buffer).setUint32(0, data.length, this.little);
    body.set(data, 4);
    return this.block(3, body);
  }
  bytes(): Uint8Array {
    return concatBytes(this.parts);
  }
}

function classicPcap(little: boolean, nano: boolean, records: [number, number, Uint8Array][]): Uint8Array {
  const head = new Uint8Array(24);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, nano ? 0xa1b23c4d : 0xa1b2c3d4, little);
  dv.setUint16(4, 2, little);
  dv.setUint16(6, 4, little);
  dv.setUint32(16, 65535, little);
  dv.setUint32(20, 1, little);
  const parts = [head];
  for (const [sec, frac, data] of records) {
    const r = new Uint8Array(16 + data.length);
    const rv = new DataView(r.buffer);
    rv.setUint32(0, sec, little);
    rv.setUint32(4, frac, little);
    rv.setUint32(8, data.length, little);
    rv.setUint32(12, data.length, little);
    r.set(data, 16);
    parts.push(r);
  }
  return concatBytes(parts);
}

describe('classic pcap', () => {
  for (const little of [true, false]) {
    for (const nano of [false, true]) {
      it(`${little ? 'little' : 'big'}-endian, ${nano ? 'ns' : 'µs'} timestamps`, () => {
        const f = classicPcap(little, nano, [
          [1_700_000_000, nano ? 123_456_789 : 123_456, FRAME_A],
          [1_700_000_001, 0, FRAME_B],
        ]);
        expect(detectCaptureFormat(f)).toBe('pcap');
        const recs = all(f);
        expect(recs.map((r) => r.index)).toEqual([1, 2]);
        expect(recs[0]!.timestamp).toBeCloseTo(1_700_000_000_123.456 + (nano ? 0.000789 : 0), 4);
        expect(recs[0]!.data).toEqual(FRAME_A);
        expect(recs[1]!.data).toEqual(FRAME_B);
        expect(recs[0]!.linkType).toBe(LINKTYPE_ETHERNET);
      });
    }
  }

  it('a record cut short → TRUNCATED at its length field, after the good records', () => {
    const f = classicPcap(true, false, [
      [1, 0, FRAME_A],
      [2, 0, FRAME_B],
    ]);
    const cut = f.subarray(0, f.length - 10);
    const items = [...readCapture(cut)];
    expect(items.length).toBe(2);
    expect(items[0]!.ok).toBe(true);
    expect(items[1]).toMatchObject({ ok: false, error: { code: 'TRUNCATED' } });
  });
});

describe('pcapng', () => {
  for (const little of [true, false]) {
    it(`${little ? 'little' : 'big'}-endian section: IDB options, EPB, OPB, SPB, unknown blocks, two interfaces`, () => {
      const f = new Ng(little)
        .shb()
        .idb(LINKTYPE_ETHERNET) // default resolution µs
        .idb(LINKTYPE_ETHERNET, 9, 10n) // ns, +10 s offset
        .block(0x00000004, new Uint8Array(8)) // name resolution block: skipped
        .epb(0, 1_700_000_000_123_456n, FRAME_A)
        .epb(1, 1_700_000_000_123_456_789n, FRAME_B)
        .block(0x00000bad, new Uint8Array(12)) // custom/unknown: skipped
        .opb(0, 1_700_000_001_000_000n, FRAME_B)
        .spb(FRAME_A)
        .bytes();
      expect(detectCaptureFormat(f)).toBe('pcapng');
      const recs = all(f);
      expect(recs.map((r) => [r.index, r.interfaceId])).toEqual([
        [1, 0],
        [2, 1],
        [3, 0],
        [4, 0],
      ]);
      expect(recs[0]!.timestamp).toBeCloseTo(1_700_000_000_123.456, 3);
      expect(recs[1]!.timestamp - 1_700_000_010_123).toBeCloseTo(0.456789, 3); // a float ms near 1.7e12 keeps sub-µs, not every ns
      expect(recs[2]!.timestamp).toBeCloseTo(1_700_000_001_000, 3);
      // SPB has no timestamp: the previous one is reused.
      expect(recs[3]!.timestamp).toBe(recs[2]!.timestamp);
      expect(recs[3]!.data).toEqual(FRAME_A);
      expect(recs[1]!.data).toEqual(FRAME_B);
    });
  }

  it('if_tsresol with a power-of-two base (MSB set)', () => {
    const f = new Ng(true).shb().idb(LINKTYPE_ETHERNET, 0x80 | 10).epb(0, 1024n * 5n + 512n, FRAME_A).bytes();
    expect(all(f)[0]!.timestamp).toBeCloseTo(5500, 6);
  });

  it('a second section with the other byte order resets the interfaces', () => {
    const a = new Ng(true).shb().idb(LINKTYPE_ETHERNET).epb(0, 1_000_000n, FRAME_A).bytes();
    const b = new Ng(false).shb().idb(LINKTYPE_ETHERNET, 3).epb(0, 2_000n, FRAME_B).bytes();
    const recs = all(concatBytes([a, b]));
    expect(recs.map((r) => r.timestamp)).toEqual([1000, 2000]);
    expect(recs[1]!.data).toEqual(FRAME_B);
  });

  it('Linux cooked SLL and SLL2 become Ethernet frames', () => {
    const payload = FRAME_A.subarray(14);
    const sll = concatBytes([fromHex('0001 0001 0006 00e04c68001d 0000 88e1') as Uint8Array, payload]); // broadcast
    const sll2 = concatBytes([fromHex('88e1 0000 00000002 0001 00 06 00e04c68001d 0000') as Uint8Array, payload]); // to us
    const f = new Ng(true).shb().idb(LINKTYPE_LINUX_SLL).idb(LINKTYPE_LINUX_SLL2).epb(0, 0n, sll).epb(1, 0n, sll2).bytes();
    const recs = all(f);
    expect(recs[0]).toMatchObject({ linkType: LINKTYPE_ETHERNET, originalLinkType: LINKTYPE_LINUX_SLL });
    expect(recs[0]!.data).toEqual(FRAME_A);
    expect(recs[1]!.data.subarray(0, 6)).toEqual(new Uint8Array(6));
    expect(recs[1]!.data.subarray(6)).toEqual(FRAME_A.subarray(6));
  });

  it('corrupt files give typed errors', () => {
    const good = new Ng(true).shb().idb(LINKTYPE_ETHERNET).epb(0, 0n, FRAME_A).bytes();
    expect(lastError(good.subarray(0, good.length - 3))).toMatchObject({ code: 'TRUNCATED' });
    const badLen = good.slice();
    new DataView(badLen.buffer).setUint32(4, 13, true); // SHB length not a multiple of 4
    expect(lastError(badLen)).toMatchObject({ code: 'BAD_BLOCK_LENGTH', offset: 4 });
    const noIf = new Ng(true).shb().epb(3, 0n, FRAME_A).bytes();
    expect(lastError(noIf)).toMatchObject({ code: 'UNKNOWN_INTERFACE' });
    expect(lastError(new Uint8Array([1, 2, 3, 4, 5]))).toMatchObject({ code: 'BAD_MAGIC', offset: 0 });
    const trailer = good.slice();
    trailer[good.length - 1] = trailer[good.length - 1]! ^ 0xff; // EPB trailing length differs
    expect(lastError(trailer)).toMatchObject({ code: 'BAD_BLOCK_LENGTH' });
  });
});

describe('pcap writer', () => {
  it('writes what the reader reads back, µs and ns', () => {
    for (const nanoseconds of [false, true]) {
      const f = writePcap(
        [
          { timestamp: 1_700_000_000_123.456, data: FRAME_A },
          { timestamp: 1_700_000_000_999.5, data: FRAME_B },
        ],
        { nanoseconds },
      );
      const recs = all(f);
      expect(recs[0]!.data).toEqual(FRAME_A);
      expect(recs[0]!.timestamp).toBeCloseTo(1_700_000_000_123.456, 3);
      expect(recs[1]!.timestamp).toBeCloseTo(1_700_000_000_999.5, 3);
    }
  });

  it('incremental writer chunks concatenate to a valid file', () => {
    const w = new PcapWriter();
    const f = concatBytes([w.header(), w.record({ timestamp: 0, data: FRAME_A }), w.record({ timestamp: 1, data: FRAME_B })]);
    expect(all(f).map((r) => r.data.length)).toEqual([FRAME_A.length, FRAME_B.length]);
  });

  it.skipIf(!needTshark())('tshark reads the files we write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-cap-'));
    try {
      const file = join(dir, 'w.pcap');
      writeFileSync(file, writePcap([{ timestamp: 1_700_000_000_250.5, data: FRAME_A }], { nanoseconds: true }));
      const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len'], { encoding: 'utf8' });
      const [epoch, len] = out.trim().split('\t');
      expect(Number(epoch)).toBeCloseTo(1_700_000_000.2505, 6);
      expect(Number(len)).toBe(FRAME_A.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
