import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/bytes.js';
import {
  DEFAULT_MAX_V2GTP_MESSAGE_LENGTH,
  V2gtpPayloadType,
  V2gtpStreamReassembler,
  decodeV2gtp,
  decodeV2gtpHeader,
  encodeV2gtp,
  findV2gtpHeader,
  isKnownPayloadType,
  payloadTypeName,
} from '../../src/codecs/v2gtp/index.js';

// supportedAppProtocolReq payload (DIN only) from DIN_DC_DS5366_Josev.pcapng
// frame 73; on the wire it follows 01 FE (version, inverse) 80 01 (EXI) 00 00 00 22 (34 bytes).
const sapPayload = fromHex('8000dbab9371d3234b71d1b981899189d191818991d26b9b3a232b30020000040040') as Uint8Array;

describe('V2GTP header', () => {
  it('encodes version pair, payload type and big-endian length', () => {
    const m = encodeV2gtp(V2gtpPayloadType.Exi, sapPayload);
    expect(toHex(m.subarray(0, 8))).toBe('01fe8001' + sapPayload.length.toString(16).padStart(8, '0'));
    const d = decodeV2gtp(m);
    expect(d.ok && d.value.payloadType).toBe(0x8001);
    expect(d.ok && toHex(d.value.payload)).toBe(toHex(sapPayload));
  });

  it('decodes the SDP request and the SAP request framing of DIN_DC_DS5366_Josev (frames 68, 73)', () => {
    const sap = decodeV2gtp(new Uint8Array([...(fromHex('01fe800100000022') as Uint8Array), ...sapPayload]));
    expect(sap.ok && sap.value.payload.length).toBe(34);
    const d = decodeV2gtp(fromHex('01 fe 90 00 00 00 00 02 10 00') as Uint8Array);
    expect(d).toEqual({ ok: true, value: { payloadType: 0x9000, payload: new Uint8Array([0x10, 0x00]) } });
  });

  it('rejects a bad version pair with its offset', () => {
    const r = decodeV2gtpHeader(fromHex('02fd800100000002') as Uint8Array);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.code, r.error.offset]).toEqual(['BAD_VERSION', 0]);
  });

  it('rejects an unknown payload type and accepts the manufacturer range', () => {
    const bad = decodeV2gtpHeader(fromHex('01fe123400000000') as Uint8Array);
    expect(!bad.ok && bad.error.code).toBe('UNKNOWN_PAYLOAD_TYPE');
    expect(!bad.ok && bad.error.offset).toBe(2);
    expect(decodeV2gtpHeader(fromHex('01feA00000000000') as Uint8Array).ok).toBe(true);
    expect(isKnownPayloadType(0x8007)).toBe(false);
    for (const t of [0x8001, 0x8002, 0x8006, 0x8101, 0x8104, 0x9000, 0x9003, 0xffff]) expect(isKnownPayloadType(t)).toBe(true);
    expect(payloadTypeName(0x9001)).toBe('SdpResponse');
    expect(payloadTypeName(0xa123)).toBe('Manufacturer(0xa123)');
  });

  it('caps the message length including the header (default 8 KiB)', () => {
    const atCap = encodeV2gtp(0x8001, new Uint8Array(DEFAULT_MAX_V2GTP_MESSAGE_LENGTH - 8));
    expect(decodeV2gtp(atCap).ok).toBe(true);
    const over = encodeV2gtp(0x8001, new Uint8Array(DEFAULT_MAX_V2GTP_MESSAGE_LENGTH - 7));
    const r = decodeV2gtp(over);
    expect(!r.ok && r.error.code).toBe('TOO_LONG');
    expect(decodeV2gtp(over, { maxMessageLength: 10_000 }).ok).toBe(true);
    // A length of 0xFFFFFFFF must not overflow into a small number.
    const huge = decodeV2gtpHeader(fromHex('01fe8001ffffffff') as Uint8Array, 0, { maxMessageLength: 2 ** 40 });
    expect(huge.ok && huge.value.payloadLength).toBe(0xffffffff);
  });

  it('reports truncation and trailing bytes on a datagram', () => {
    const m = encodeV2gtp(0x9001, new Uint8Array(20));
    const t = decodeV2gtp(m.subarray(0, 15));
    expect(!t.ok && t.error.code).toBe('TRUNCATED');
    const h = decodeV2gtp(m.subarray(0, 5));
    expect(!h.ok && h.error.code).toBe('TRUNCATED');
    const x = decodeV2gtp(new Uint8Array([...m, 0]));
    expect(!x.ok && [x.error.code, x.error.offset]).toEqual(['TRAILING_BYTES', 28]);
  });

  it('finds the next plausible header for resynchronisation', () => {
    const m = encodeV2gtp(0x8001, sapPayload);
    const junk = new Uint8Array([1, 0xfe, 0x12, 0x34, 0, 0, 0, 0, 9, 9]);
    const all = new Uint8Array([...junk, ...m]);
    expect(findV2gtpHeader(all)).toBe(junk.length);
    expect(findV2gtpHeader(junk)).toBe(-1);
  });
});

describe('V2GTP stream reassembler', () => {
  const a = encodeV2gtp(0x8001, sapPayload);
  const b = encodeV2gtp(0x8001, fromHex('809a0211') as Uint8Array);
  const empty = encodeV2gtp(0x8001, new Uint8Array(0));

  it('joins a message split across segments, byte by byte', () => {
    const r = new V2gtpStreamReassembler();
    const out = [];
    for (const byte of a) {
      const p = r.push(new Uint8Array([byte]));
      expect(p.error).toBeUndefined();
      out.push(...p.messages);
      if (out.length === 0) expect(r.state).toBe('partial');
    }
    expect(out).toHaveLength(1);
    expect(toHex(out[0]!.payload)).toBe(toHex(sapPayload));
    expect(r.state).toBe('idle');
    expect(r.end()).toBeUndefined();
  });

  it('splits several messages in one segment and keeps their stream offsets', () => {
    const r = new V2gtpStreamReassembler();
    const p = r.push(new Uint8Array([...a, ...empty, ...b, ...b.subarray(0, 3)]));
    expect(p.messages.map((m) => m.streamOffset)).toEqual([0, a.length, a.length + 8]);
    expect(p.messages[1]!.payload.length).toBe(0);
    expect(r.bufferedBytes).toBe(3);
    const q = r.push(b.subarray(3));
    expect(q.messages.map((m) => m.streamOffset)).toEqual([a.length + 8 + b.length]);
  });

  it('copies payloads so the caller may reuse its buffer', () => {
    const r = new V2gtpStreamReassembler();
    const chunk = new Uint8Array(b);
    const p = r.push(chunk);
    chunk.fill(0);
    expect(toHex(p.messages[0]!.payload)).toBe('809a0211');
  });

  it('goes to the failed state on garbage and stays there (caller closes)', () => {
    const r = new V2gtpStreamReassembler();
    const p = r.push(new Uint8Array([...b, 0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54, 0x54, 0x50]));
    expect(p.messages).toHaveLength(1);
    expect(p.error?.code).toBe('BAD_VERSION');
    expect(p.error?.offset).toBe(b.length);
    expect(r.state).toBe('failed');
    const again = r.push(a);
    expect(again.messages).toHaveLength(0);
    expect(again.error).toBe(p.error);
    expect(r.bufferedBytes).toBe(0);
  });

  it('rejects an oversize length from the header alone, without buffering the body', () => {
    const r = new V2gtpStreamReassembler({ maxMessageLength: 100 });
    const p = r.push(fromHex('01fe800100000100') as Uint8Array);
    expect(p.error?.code).toBe('TOO_LONG');
    expect(r.bufferedBytes).toBe(0);
  });

  it('reports a message cut by the end of the stream', () => {
    const r = new V2gtpStreamReassembler();
    r.push(a.subarray(0, 12));
    expect(r.end()?.code).toBe('TRUNCATED');
  });

  it('property: any chunking of a stream of valid messages yields the same messages', () => {
    const message = fc
      .record({
        type: fc.constantFrom(0x8001, 0x8002, 0x8004, 0x9000, 0x9001, 0xa000, 0xfffe),
        payload: fc.uint8Array({ maxLength: 300 }),
      })
      .map(({ type, payload }) => ({ type, payload, bytes: encodeV2gtp(type, payload) }));
    fc.assert(
      fc.property(fc.array(message, { maxLength: 12 }), fc.array(fc.nat(400), { maxLength: 30 }), (msgs, cuts) => {
        const stream = new Uint8Array(msgs.reduce((n, m) => n + m.bytes.length, 0));
        let o = 0;
        for (const m of msgs) {
          stream.set(m.bytes, o);
          o += m.bytes.length;
        }
        const r = new V2gtpStreamReassembler();
        const got: { type: number; payload: string }[] = [];
        let pos = 0;
        for (const c of cuts) {
          const end = Math.min(stream.length, pos + c);
          const p = r.push(stream.subarray(pos, end));
          expect(p.error).toBeUndefined();
          got.push(...p.messages.map((m) => ({ type: m.payloadType, payload: toHex(m.payload) })));
          pos = end;
        }
        const p = r.push(stream.subarray(pos));
        got.push(...p.messages.map((m) => ({ type: m.payloadType, payload: toHex(m.payload) })));
        expect(got).toEqual(msgs.map((m) => ({ type: m.type, payload: toHex(m.payload) })));
        expect(r.end()).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('property: random bytes give only typed errors and bounded buffering', () => {
    const codes = new Set(['BAD_VERSION', 'UNKNOWN_PAYLOAD_TYPE', 'TOO_LONG']);
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), fc.integer({ min: 8, max: 200 }), (chunks, cap) => {
        const r = new V2gtpStreamReassembler({ maxMessageLength: cap });
        for (const c of chunks) {
          const p = r.push(c);
          if (p.error) expect(codes.has(p.error.code)).toBe(true);
          for (const m of p.messages) expect(m.payload.length + 8).toBeLessThanOrEqual(cap);
          expect(r.bufferedBytes).toBeLessThan(Math.max(cap, 8));
        }
        const e = r.end();
        if (e) expect([...codes, 'TRUNCATED']).toContain(e.code);
      }),
      { numRuns: 500 },
    );
  });
});
