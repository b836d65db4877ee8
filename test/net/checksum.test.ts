import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readCapture } from '../../src/codecs/capture/reader.js';
import { fromHex, toHex } from '../../src/bytes.js';
import { decodePacket } from '../../src/codecs/net/packet.js';
import { fillTransportChecksum, internetChecksum, onesComplementSum, segmentTcpAggregate, verifyTransportChecksum } from '../../src/codecs/net/checksum.js';
import { capturesDir, hasCaptures, missingSharedMessage } from '../shared.js';
import { needCaptures } from '../env.js';

if (!hasCaptures) console.warn(missingSharedMessage);

function frames(file: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const r of readCapture(new Uint8Array(readFileSync(join(capturesDir, file))))) if (r.ok && r.value.data.length === r.value.originalLength) out.push(r.value.data);
  return out;
}

/** Zeroes the checksum field, recomputes it and expects the captured value back. */
function roundTrip(frame: Uint8Array): { protocol: number; ipVersion: number } {
  const copy = frame.slice();
  const filled = fillTransportChecksum(copy.slice());
  if (!filled.ok) throw new Error(filled.error.message);
  const at = filled.value.checksumOffset;
  const captured = (copy[at]! << 8) | copy[at + 1]!;
  copy[at] = 0;
  copy[at + 1] = 0;
  const r = fillTransportChecksum(copy);
  expect(r.ok && r.value.checksum).toBe(captured);
  expect(toHex(copy)).toBe(toHex(frame));
  return filled.value;
}

describe('Internet checksum arithmetic (RFC 1071)', () => {
  it('reproduces the worked example of RFC 1071 §3', () => {
    // 00 01 f2 03 f4 f5 f6 f7: the folded sum is ddf2, the checksum its complement.
    const data = fromHex('0001f203f4f5f6f7')!;
    expect(onesComplementSum(data)).toBe(0xddf2);
    expect(internetChecksum(data)).toBe(0x220d);
  });

  it('pads an odd length with a zero octet and keeps the sum exact for long inputs', () => {
    // 0x0102 + 0xff00 = 0x10002, the carry folded back: 3.
    expect(onesComplementSum(fromHex('0102ff')!)).toBe(3);
    const big = new Uint8Array(70_000).fill(0xff);
    expect(onesComplementSum(big)).toBe(0xffff);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (d) => {
        // Reference: plain sum with end-around carry at each step.
        let ref = 0;
        for (let i = 0; i < d.length; i += 2) {
          ref += (d[i]! << 8) | (d[i + 1] ?? 0);
          ref = (ref & 0xffff) + (ref >>> 16);
        }
        expect(onesComplementSum(d)).toBe(ref);
      }),
    );
  });
});

describe.skipIf(!needCaptures())('transport checksums of real frames: zeroed and recomputed', () => {
  it('IPv6 UDP (SDP) and TCP (V2G) of DIN_DC_DS5366_Josev.pcapng, ICMPv6 and TCP of tesla-3-din.pcap', () => {
    const count = new Map<string, number>();
    for (const f of [...frames('DIN_DC_DS5366_Josev.pcapng'), ...frames('tesla-3-din.pcap')]) {
      const p = decodePacket(f);
      if (!p.ok || !p.value.ipv6 || !p.value.transport || p.value.transport.kind === 'other') continue;
      // These captures were taken by a third device: every checksum in them is as on the wire.
      expect(verifyTransportChecksum(f)).toEqual({ ok: true, value: true });
      const info = roundTrip(f);
      expect(info.ipVersion).toBe(6);
      count.set(p.value.transport.kind, (count.get(p.value.transport.kind) ?? 0) + 1);
    }
    expect(count.get('udp')).toBeGreaterThanOrEqual(4);
    expect(count.get('tcp')).toBeGreaterThanOrEqual(300);
    expect(count.get('icmpv6')).toBeGreaterThanOrEqual(2);
  });

  it('IPv4 UDP of 2023-04-16_at_home_Ioniq_in_currentDemandLoop.pcapng (the captures carry no IPv4 TCP)', () => {
    let n = 0;
    for (const f of frames('2023-04-16_at_home_Ioniq_in_currentDemandLoop.pcapng')) {
      if (f[12] !== 0x08 || f[13] !== 0x00 || f[14 + 9] !== 17) continue;
      // An IPv4 UDP datagram without checksum (0, RFC 768) has nothing to recompute.
      const ihl = (f[14]! & 0x0f) * 4;
      if (f[14 + ihl + 6] === 0 && f[14 + ihl + 7] === 0) {
        expect(verifyTransportChecksum(f)).toEqual({ ok: true, value: true });
        continue;
      }
      expect(verifyTransportChecksum(f)).toEqual({ ok: true, value: true });
      expect(roundTrip(f).ipVersion).toBe(4);
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(100);
  });

  it("finds the capturing laptop's own offloaded TCP frames wrong and completes them", () => {
    // pyPLC captured on the laptop that sent half of the traffic: Wireshark sees those
    // frames before the NIC fills the checksum, exactly like AF_PACKET behind a veth.
    let wrong = 0;
    for (const f of frames('2022-12-13_compleo_with_bulb.pcapng')) {
      const p = decodePacket(f);
      if (!p.ok || p.value.transport?.kind !== 'tcp') continue;
      const v = verifyTransportChecksum(f);
      if (v.ok && !v.value) {
        wrong++;
        const copy = f.slice();
        expect(fillTransportChecksum(copy).ok).toBe(true);
        expect(verifyTransportChecksum(copy)).toEqual({ ok: true, value: true });
        // Only the checksum field changed.
        const diff = [...copy.keys()].filter((i) => copy[i] !== f[i]);
        expect(diff.every((i) => i >= 14 + 40 + 16 && i <= 14 + 40 + 17)).toBe(true);
      }
    }
    expect(wrong).toBeGreaterThanOrEqual(50);
  });
});

/** An Ethernet + IPv6 + UDP frame from fe80::1 to fe80::2, port 15118, checksum field zero. */
function udp6Frame(payload: Uint8Array, vlan = false): Uint8Array {
  const eth = fromHex('333300000001' + '020000000001' + (vlan ? '81000005' : '') + '86dd')!;
  const len = 8 + payload.length;
  const ip = fromHex('60000000' + len.toString(16).padStart(4, '0') + '11ff' + 'fe800000000000000000000000000001' + 'fe800000000000000000000000000002')!;
  const udp = fromHex('c00c3b0e' + len.toString(16).padStart(4, '0') + '0000')!;
  const out = new Uint8Array(eth.length + ip.length + len + 6); // + Ethernet padding, not covered
  out.set(eth);
  out.set(ip, eth.length);
  out.set(udp, eth.length + ip.length);
  out.set(payload, eth.length + ip.length + 8);
  out.fill(0xee, eth.length + ip.length + len);
  return out;
}

describe('fillTransportChecksum / verifyTransportChecksum', () => {
  it('covers the IP length only, not the Ethernet padding, and is the same under an 802.1Q tag', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (payload) => {
        const plain = udp6Frame(payload);
        const tagged = udp6Frame(payload, true);
        const a = fillTransportChecksum(plain);
        const b = fillTransportChecksum(tagged);
        expect(a.ok && b.ok).toBe(true);
        if (!a.ok || !b.ok) return;
        expect(a.value.checksum).toBe(b.value.checksum);
        expect(b.value.checksumOffset).toBe(a.value.checksumOffset + 4);
        expect(verifyTransportChecksum(plain)).toEqual({ ok: true, value: true });
        // Any single changed byte in the covered part is detected (RFC 1071: a byte change is never a multiple of 0xffff).
        const i = 14 + 8 + ((payload.length * 7) % (32 + 8 + payload.length));
        plain[i] = plain[i]! ^ 0x5a;
        expect(verifyTransportChecksum(plain)).toEqual({ ok: true, value: false });
      }),
    );
  });

  it('IPv4 TCP equals the checksum over an explicitly built pseudo-header (RFC 9293 §3.1)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.uint8Array({ maxLength: 200 }), (addrs, data) => {
        const tcpLen = 20 + data.length;
        const frame = new Uint8Array(14 + 20 + tcpLen);
        frame.set(fromHex('020000000002020000000001' + '0800')!);
        frame.set(fromHex('4500' + (20 + tcpLen).toString(16).padStart(4, '0') + '000040004006' + '0000')!, 14);
        frame.set(addrs, 14 + 12);
        frame.set(fromHex('d4310d3a0000000100000000' + '5018ffff' + '00000000')!, 34);
        frame.set(data, 54);
        const pseudo = new Uint8Array(12 + tcpLen);
        pseudo.set(addrs, 0);
        pseudo[9] = 6;
        pseudo[10] = tcpLen >> 8;
        pseudo[11] = tcpLen & 0xff;
        pseudo.set(frame.subarray(34), 12);
        const r = fillTransportChecksum(frame);
        expect(r.ok && r.value).toEqual({ protocol: 6, ipVersion: 4, checksumOffset: 50, checksum: internetChecksum(pseudo) });
      }),
    );
  });

  it('sends a computed UDP checksum of zero as 0xffff (RFC 8200 §8.1) and rejects a zero UDP checksum over IPv6', () => {
    const f = udp6Frame(new Uint8Array(2));
    const first = fillTransportChecksum(f);
    if (!first.ok) throw new Error('fill failed');
    // Putting the checksum into the payload word makes the sum all ones: the new checksum is 0.
    const at = 14 + 40 + 8;
    f[at] = first.value.checksum >> 8;
    f[at + 1] = first.value.checksum & 0xff;
    const r = fillTransportChecksum(f);
    expect(r.ok && r.value.checksum).toBe(0xffff);
    expect(verifyTransportChecksum(f)).toEqual({ ok: true, value: true });
    f[14 + 40 + 6] = 0;
    f[14 + 40 + 7] = 0;
    expect(verifyTransportChecksum(f)).toEqual({ ok: true, value: false });
  });

  it('returns typed errors and leaves the frame unchanged for what it cannot complete', () => {
    const cases: [string, Uint8Array][] = [
      ['NOT_IP', fromHex('ffffffffffff020000000001' + '88e1' + '0160'.padEnd(92, '0'))!],
      ['NOT_ETHERNET_II', fromHex('ffffffffffff020000000001' + '0026' + '00'.repeat(46))!],
      ['TRUNCATED', udp6Frame(new Uint8Array(0)).subarray(0, 14 + 30)],
      // Non-first IPv6 fragment (next header 44, offset 8).
      ['FRAGMENT', fromHex('333300000001020000000001' + '86dd' + '600000000010' + '2cff' + 'fe80'.padEnd(32, '0') + 'fe80'.padEnd(32, '0') + '1100000800000001' + '00'.repeat(8))!],
      // IPv6 next header 59 (no next header).
      ['UNSUPPORTED_PROTOCOL', fromHex('333300000001020000000001' + '86dd' + '600000000000' + '3bff' + 'fe80'.padEnd(32, '0') + 'fe80'.padEnd(32, '0'))!],
      // IPv4 ICMP echo: no pseudo-header, never offloaded.
      ['UNSUPPORTED_PROTOCOL', fromHex('ffffffffffff020000000001' + '0800' + '4500001c00004000400100000a0000010a000002' + '0800000000010001')!],
      // IPv4 with total length beyond the frame.
      ['BAD_LENGTH', fromHex('ffffffffffff020000000001' + '0800' + '450005dc00004000401100000a0000010a000002' + '0000000000080000')!],
    ];
    for (const [code, frame] of cases) {
      const before = toHex(frame);
      const r = fillTransportChecksum(frame);
      expect(r.ok ? 'ok' : r.error.code).toBe(code);
      expect(toHex(frame)).toBe(before);
      const v = verifyTransportChecksum(frame);
      expect(v.ok ? 'ok' : v.error.code).toBe(code);
    }
  });
});

/** A TCP aggregate: the headers of `template` (Ethernet + IP + TCP, no data) with `data` as payload, lengths and checksum set. */
function aggregate(template: Uint8Array, data: Uint8Array, ipVersion: 4 | 6): Uint8Array {
  const ipHeader = ipVersion === 6 ? 40 : (template[14]! & 0x0f) * 4;
  const tcpHeader = (template[14 + ipHeader + 12]! >> 4) * 4;
  const head = 14 + ipHeader + tcpHeader;
  const f = new Uint8Array(head + data.length);
  f.set(template.subarray(0, head));
  f.set(data, head);
  const ipLen = ipVersion === 6 ? tcpHeader + data.length : ipHeader + tcpHeader + data.length;
  f[ipVersion === 6 ? 18 : 16] = ipLen >> 8;
  f[ipVersion === 6 ? 19 : 17] = ipLen & 0xff;
  f[14 + ipHeader + 13] = 0x18 | 0x80 | 0x01; // PSH ACK CWR FIN
  expect(fillTransportChecksum(f).ok).toBe(true);
  return f;
}

function checkSegments(agg: Uint8Array, segs: Uint8Array[], mtu: number, ipVersion: 4 | 6): void {
  const ipHeader = ipVersion === 6 ? 40 : (agg[14]! & 0x0f) * 4;
  const tcpAt = 14 + ipHeader;
  const tcpHeader = (agg[tcpAt + 12]! >> 4) * 4;
  const mss = mtu - ipHeader - tcpHeader;
  const data = agg.subarray(tcpAt + tcpHeader);
  expect(segs).toHaveLength(Math.ceil(data.length / mss));
  const seq0 = new DataView(agg.buffer, agg.byteOffset).getUint32(tcpAt + 4);
  let at = 0;
  for (const [i, s] of segs.entries()) {
    expect(s.length).toBeLessThanOrEqual(14 + mtu);
    expect(verifyTransportChecksum(s)).toEqual({ ok: true, value: true });
    const p = decodePacket(s);
    if (ipVersion === 6) expect(p.ok && p.value.transport?.kind).toBe('tcp');
    else {
      expect(internetChecksum(s.subarray(14, 14 + ipHeader))).toBe(0);
      expect(new DataView(s.buffer).getUint16(18)).toBe((new DataView(agg.buffer, agg.byteOffset).getUint16(18) + i) & 0xffff);
    }
    const v = new DataView(s.buffer, s.byteOffset);
    expect(v.getUint32(tcpAt + 4)).toBe((seq0 + at) >>> 0);
    const last = i === segs.length - 1;
    expect(s[tcpAt + 13]).toBe(0x10 | (last ? 0x09 : 0) | (i === 0 ? 0x80 : 0));
    const payload = s.subarray(tcpAt + tcpHeader);
    expect(toHex(payload)).toBe(toHex(data.subarray(at, at + payload.length)));
    at += payload.length;
  }
  expect(at).toBe(data.length);
}

describe('segmentTcpAggregate (what TSO does on a wire-facing NIC)', () => {
  const ipv4Template = fromHex('020000000002020000000001' + '0800' + '4500002812344000400600000a0000010a000002' + 'd4310d3affff0000000000005010ffff00000000')!;

  it('cuts an IPv6 aggregate built on a real V2G segment into MTU-sized segments', () => {
    const template = hasCaptures
      ? frames('DIN_DC_DS5366_Josev.pcapng').find((f) => {
          const p = decodePacket(f);
          return p.ok && p.value.transport?.kind === 'tcp' && p.value.transport.tcp.headerLength > 20;
        })!
      : fromHex('020000000002020000000001' + '86dd' + '6000000000200640' + 'fe80'.padEnd(32, '0') + 'fe80'.padEnd(30, '0') + '02' + 'd4310d3affff0000000000008010ffff00000000' + '0101080a0000000100000002')!;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9000 }), fc.constantFrom(1280, 1500), (n, mtu) => {
        const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
        const agg = aggregate(template, data, 6);
        const r = segmentTcpAggregate(agg, mtu);
        expect(r.ok).toBe(true);
        if (r.ok) checkSegments(agg, r.value, mtu, 6);
      }),
      { numRuns: 40 },
    );
  });

  it('cuts an IPv4 aggregate, with consecutive IDs and right header checksums', () => {
    const data = Uint8Array.from({ length: 4000 }, (_, i) => i & 0xff);
    const agg = aggregate(ipv4Template, data, 4);
    const r = segmentTcpAggregate(agg, 1500);
    expect(r.ok && r.value.length).toBe(3);
    if (r.ok) checkSegments(agg, r.value, 1500, 4);
  });

  it('refuses what is not TCP and leaves a segment that fits alone', () => {
    const u = udp6Frame(new Uint8Array(3000));
    const r = segmentTcpAggregate(u, 1500);
    expect(r.ok ? 'ok' : r.error.code).toBe('UNSUPPORTED_PROTOCOL');
    const small = aggregate(ipv4Template, new Uint8Array(100), 4);
    const one = segmentTcpAggregate(small, 1500);
    expect(one.ok && one.value.length).toBe(1);
  });
});
