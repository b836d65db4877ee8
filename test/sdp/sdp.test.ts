import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/bytes.js';
import { formatIpv6, parseIpv6 } from '../../src/codecs/net/ipv6-address.js';
import {
  SDP_PORT,
  SDP_REQUEST_NO_TLS_TCP,
  SDP_SECURITY_NONE,
  SDP_SECURITY_TLS,
  SDP_TRANSPORT_TCP,
  decodeSdp,
  decodeSdpRequest,
  decodeSdpResponse,
  describeSdp,
  encodeSdpRequest,
  encodeSdpResponse,
} from '../../src/codecs/sdp/index.js';

describe('SDP codec', () => {
  it('encodes the no-TLS/TCP request as the bytes cars send', () => {
    expect(toHex(encodeSdpRequest(SDP_REQUEST_NO_TLS_TCP))).toBe('01fe9000000000021000');
    expect(SDP_PORT).toBe(15118);
  });

  it('decodes a response: address, big-endian port, security, transport', () => {
    // Alpitronic answer shape: fe80::… port 0xC7A7, no TLS, TCP.
    const bytes = fromHex('01fe900100000014 fe800000000000000e251aff fe0a1b2c c7a7 10 00') as Uint8Array;
    const r = decodeSdpResponse(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.port).toBe(0xc7a7);
    expect(formatIpv6(r.value.address)).toBe('fe80::e25:1aff:fe0a:1b2c');
    expect(r.value.security).toBe(SDP_SECURITY_NONE);
    expect(r.value.transport).toBe(SDP_TRANSPORT_TCP);
    expect(describeSdp({ kind: 'response', ...r.value })).toBe('SDP response fe80::e25:1aff:fe0a:1b2c port 51111 no TLS TCP');
  });

  it('round-trips every valid request and response', () => {
    const sec = fc.constantFrom(SDP_SECURITY_TLS, SDP_SECURITY_NONE);
    const tr = fc.constantFrom(0x00 as const, 0x10 as const);
    fc.assert(
      fc.property(sec, tr, (security, transport) => {
        const d = decodeSdpRequest(encodeSdpRequest({ security, transport }));
        expect(d).toEqual({ ok: true, value: { security, transport } });
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 1, max: 65535 }), sec, tr, (address, port, security, transport) => {
        const d = decodeSdpResponse(encodeSdpResponse({ address, port, security, transport }));
        expect(d).toEqual({ ok: true, value: { address, port, security, transport } });
      }),
    );
  });

  it('gives typed errors with offsets for wrong lengths and values', () => {
    const cases: [string, string, number][] = [
      ['01fe900000000003100000', 'BAD_LENGTH', 8],
      ['01fe90000000000220 00', 'BAD_SECURITY', 8],
      ['01fe9000000000021001', 'BAD_TRANSPORT', 9],
      ['01fe800100000002 1000', 'UNKNOWN_PAYLOAD_TYPE', 2],
      ['01fe9000000000021000ff', 'TRAILING_BYTES', 10],
      ['01fe900000', 'TRUNCATED', 0],
      ['01fe900100000013' + '00'.repeat(19), 'BAD_LENGTH', 8],
      ['01fe900100000014' + 'fe80' + '00'.repeat(14) + '0000' + '1000', 'BAD_PORT', 24],
      ['01fe900100000014' + 'fe80' + '00'.repeat(14) + 'c7a7' + '1020', 'BAD_TRANSPORT', 27],
    ];
    for (const [hex, code, offset] of cases) {
      const r = decodeSdp(fromHex(hex) as Uint8Array);
      expect(r.ok, hex).toBe(false);
      if (!r.ok) expect([r.error.code, r.error.offset], hex).toEqual([code, offset]);
    }
    const wrongKind = decodeSdpRequest(encodeSdpResponse({ address: new Uint8Array(16), port: 1, security: 0x10, transport: 0 }));
    expect(!wrongKind.ok && wrongKind.error.code).toBe('WRONG_PAYLOAD_TYPE');
  });

  it('never throws on random datagrams', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        const r = decodeSdp(b);
        if (!r.ok) expect(typeof r.error.code).toBe('string');
      }),
    );
  });
});

describe('IPv6 text form', () => {
  it('follows RFC 5952 and round-trips', () => {
    expect(formatIpv6(parseIpv6('ff02::1')!)).toBe('ff02::1');
    expect(formatIpv6(parseIpv6('FE80:0:0:0:1:0:0:1')!)).toBe('fe80::1:0:0:1');
    expect(formatIpv6(parseIpv6('::')!)).toBe('::');
    expect(formatIpv6(parseIpv6('1:0:2:3:4:5:6:7')!)).toBe('1:0:2:3:4:5:6:7');
    expect(parseIpv6('1::2::3')).toBeUndefined();
    expect(parseIpv6('fe80::1%eth0')).toEqual(parseIpv6('fe80::1'));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (a) => {
        expect(parseIpv6(formatIpv6(a))).toEqual(a);
      }),
    );
  });
});
