// The per-layer error code unions (CodecError<C>, issue 9 §3): a caller can
// switch on a layer's codes exhaustively (the `never` default below stops
// compiling when a code is added without a case), a misspelt code does not
// compile (the @ts-expect-error lines fail `npm run lint` if it ever does), and
// what the codecs return at run time is inside their union.
import { describe, expect, it } from 'vitest';
import { codecError, type CodecError } from '../../src/result.js';
import { decodeV2gtp, type V2gtpErrorCode } from '../../src/codecs/v2gtp/index.js';
import { decodeSdp, type SdpErrorCode } from '../../src/codecs/sdp/index.js';

/** Exhaustive over V2gtpErrorCode: what a V2G connection does with each. */
function v2gtpVerdict(code: V2gtpErrorCode): 'close' | 'wait' {
  switch (code) {
    case 'TRUNCATED':
      return 'wait';
    case 'BAD_VERSION':
    case 'UNKNOWN_PAYLOAD_TYPE':
    case 'TOO_LONG':
    case 'TRAILING_BYTES':
      return 'close';
    default: {
      const unhandled: never = code;
      return unhandled;
    }
  }
}

describe('codec error code unions', () => {
  it('a misspelt code does not type-check against the layer union', () => {
    // @ts-expect-error 'BAD_VERSON' is not a V2gtpErrorCode
    const misspelt: CodecError<V2gtpErrorCode> = codecError('BAD_VERSON', 'typo');
    // @ts-expect-error an SDP code is not a V2GTP code
    const foreign: CodecError<V2gtpErrorCode> = codecError('BAD_PORT', 'wrong layer');
    const fine: CodecError<SdpErrorCode> = codecError('BAD_VERSION', 'SDP includes the V2GTP header codes');
    expect([misspelt.code, foreign.code, fine.code]).toEqual(['BAD_VERSON', 'BAD_PORT', 'BAD_VERSION']);
  });

  it('V2GTP decode errors are codes of V2gtpErrorCode, each with a verdict', () => {
    const cases: [Uint8Array, V2gtpErrorCode][] = [
      [new Uint8Array([0x01, 0xfe, 0x80]), 'TRUNCATED'],
      [new Uint8Array([0x02, 0xfe, 0x80, 0x01, 0, 0, 0, 0]), 'BAD_VERSION'],
      [new Uint8Array([0x01, 0xfe, 0x12, 0x34, 0, 0, 0, 0]), 'UNKNOWN_PAYLOAD_TYPE'],
      [new Uint8Array([0x01, 0xfe, 0x80, 0x01, 0, 0, 0, 1, 0xaa, 0xbb]), 'TRAILING_BYTES'],
    ];
    for (const [bytes, code] of cases) {
      const r = decodeV2gtp(bytes);
      expect(r.ok ? 'ok' : r.error.code).toBe(code);
      if (!r.ok) expect(['close', 'wait']).toContain(v2gtpVerdict(r.error.code));
    }
  });

  it('an SDP datagram with a bad V2GTP header reports the V2GTP code through the SDP union', () => {
    const r = decodeSdp(new Uint8Array([0x02, 0xfe, 0x90, 0x00, 0, 0, 0, 2, 0x10, 0x00]));
    expect(r.ok ? 'ok' : r.error.code).toBe('BAD_VERSION');
  });
});
