import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readCapture } from '../../src/codecs/capture/reader.js';
import { formatMac } from '../../src/bytes.js';
import { decodePacket, decodeTcp, decodeIpv6, formatIpv6, tcpFlagsText, ETHERTYPE_HOMEPLUG } from '../../src/codecs/net/index.js';
import { capturesDir, hasCaptures, missingSharedMessage } from '../shared.js';
import { needCaptures } from '../env.js';

if (!hasCaptures) console.warn(missingSharedMessage);

function frames(file: string): Map<number, Uint8Array> {
  const m = new Map<number, Uint8Array>();
  for (const r of readCapture(new Uint8Array(readFileSync(join(capturesDir, file))))) if (r.ok) m.set(r.value.index, r.value.data);
  return m;
}

describe.skipIf(!needCaptures())('packet layer on real frames (DIN_DC_DS5366_Josev.pcapng)', () => {
  const f = hasCaptures ? frames('DIN_DC_DS5366_Josev.pcapng') : new Map<number, Uint8Array>();

  it('frame 68: SDP request, UDP to [ff02::1]:15118 from the EV', () => {
    const p = decodePacket(f.get(68)!);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(formatMac(p.value.ethernet.destination)).toBe('33:33:00:00:00:01');
    expect(formatIpv6(p.value.ipv6!.destination)).toBe('ff02::1');
    expect(p.value.transport?.kind).toBe('udp');
    if (p.value.transport?.kind !== 'udp') return;
    expect(p.value.transport.udp.destinationPort).toBe(15118);
    expect(Array.from(p.value.transport.udp.payload)).toEqual([0x01, 0xfe, 0x90, 0x00, 0, 0, 0, 2, 0x10, 0x00]);
  });

  it('frame 73: TCP segment carrying the supportedAppProtocolReq (42 bytes after the header)', () => {
    const p = decodePacket(f.get(73)!);
    if (!p.ok || p.value.transport?.kind !== 'tcp') throw new Error('not TCP');
    const t = p.value.transport.tcp;
    expect([t.sourcePort, t.destinationPort]).toEqual([58472, 55118]);
    expect(t.payload.length).toBe(42);
    expect(tcpFlagsText(t.flags)).toContain('A');
  });

  it('every frame of every capture decodes or gives a typed error, never throws', () => {
    let ipv6 = 0;
    let homeplug = 0;
    for (const [, data] of f) {
      const p = decodePacket(data);
      if (p.ok && p.value.ipv6) ipv6++;
      if (p.ok && p.value.ethernet.etherType === ETHERTYPE_HOMEPLUG) homeplug++;
    }
    expect(ipv6).toBeGreaterThan(200);
    expect(homeplug).toBeGreaterThan(10);
  });

  it('recognises neighbour solicitation and advertisement (checkpoints 204/205)', () => {
    const types = new Set<number>();
    for (const [, data] of frames('2024-04-20_ModelY_pyPLC_stop_in_precharge.pcapng')) {
      const p = decodePacket(data);
      if (p.ok && p.value.transport?.kind === 'icmpv6') {
        types.add(p.value.transport.icmpv6.type);
        if (p.value.transport.icmpv6.type === 135) expect(p.value.transport.icmpv6.target?.length).toBe(16);
      }
    }
    expect(types.has(135) && types.has(136)).toBe(true);
  });
});

describe('packet layer errors', () => {
  // An IPv6/TCP frame built by hand: 14 Ethernet + 40 IPv6 + 20 TCP + 2 payload.
  const frame = new Uint8Array(76);
  frame.set([0x86, 0xdd], 12);
  frame.set([0x60, 0, 0, 0, 0, 22, 6, 64], 14);
  frame[14 + 8] = 0xfe;
  frame[14 + 9] = 0x80;
  frame.set([0xd4, 0x31, 0xc7, 0xa7, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0x10, 0], 54);
  frame.set([0xab, 0xcd], 74);

  it('decodes the hand-made frame', () => {
    const p = decodePacket(frame);
    if (!p.ok || p.value.transport?.kind !== 'tcp') throw new Error('expected TCP');
    expect(p.value.transport.tcp.sourcePort).toBe(0xd431);
    expect(p.value.transport.tcp.flags.psh && p.value.transport.tcp.flags.ack).toBe(true);
    expect(Array.from(p.value.transport.tcp.payload)).toEqual([0xab, 0xcd]);
  });

  it('reports truncation with the offset of the broken layer', () => {
    const p = decodePacket(frame.subarray(0, 70));
    expect(!p.ok && [p.error.code, p.error.offset]).toEqual(['TRUNCATED', 18]);
    const q = decodePacket(frame.subarray(0, 10));
    expect(!q.ok && q.error.code).toBe('TRUNCATED');
  });

  it('rejects a bad IPv6 version and a bad TCP data offset', () => {
    const bad = frame.slice();
    bad[14] = 0x40;
    expect(decodeIpv6(bad.subarray(14)).ok).toBe(false);
    const tcp = frame.slice(54);
    tcp[12] = 0x20;
    const r = decodeTcp(tcp);
    expect(!r.ok && r.error.code).toBe('BAD_HEADER_LENGTH');
  });

  it('skips extension headers (hop-by-hop before ICMPv6, as MLD reports carry)', () => {
    const f2 = new Uint8Array(14 + 40 + 8 + 24);
    f2.set([0x86, 0xdd], 12);
    f2.set([0x60, 0, 0, 0, 0, 32, 0, 1], 14);
    f2.set([58, 0, 5, 2, 0, 0, 1, 0], 54);
    f2[62] = 135;
    const p = decodePacket(f2);
    expect(p.ok && p.value.ipv6?.extensionHeaders).toEqual([0]);
    expect(p.ok && p.value.transport?.kind).toBe('icmpv6');
  });

  it('never throws on random frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (b, ipv6) => {
        if (ipv6 && b.length > 14) b.set([0x86, 0xdd], 12);
        const r = decodePacket(b);
        if (!r.ok) expect(typeof r.error.code).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });
});
