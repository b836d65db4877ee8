// The Internet checksum (RFC 1071) of UDP, TCP and ICMPv6 over IPv6 (RFC 8200
// §8.1 pseudo-header) and of UDP/TCP over IPv4 (RFC 768, RFC 9293 §3.1).
//
// Why it exists: a Linux sender with TX checksum offload hands the frame to its
// driver with the L4 checksum field holding only the pseudo-header sum
// (CHECKSUM_PARTIAL); the NIC is meant to finish it. A veth never does, so a
// frame read from the far end of a veth with AF_PACKET (the kernel marks it
// TP_STATUS_CSUMNOTREADY) is not what a wire would carry. The AF_PACKET driver
// completes such frames with `fillTransportChecksum` so that every consumer
// (modem-sim forwarding, listen, captures) sees wire-correct frames.
//
// Pure code: Uint8Array in, typed Result out, never throws. `fill*` writes the
// checksum field in place (the caller owns the frame).
import { type Result, codecError, err, ok } from '../../result.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, IP_PROTO_ICMPV6, IP_PROTO_TCP, IP_PROTO_UDP, decodeEthernet, decodeIpv6, type PacketError } from './packet.js';

/** Where the transport checksum of a frame is and what it covers. */
export interface TransportChecksumInfo {
  /** 6 TCP, 17 UDP, 58 ICMPv6. */
  readonly protocol: number;
  readonly ipVersion: 4 | 6;
  /** Offset of the 16-bit checksum field in the frame. */
  readonly checksumOffset: number;
  /** The checksum value now in (fill) or found in (verify) the frame. */
  readonly checksum: number;
}

/**
 * One's-complement sum of `data` folded to 16 bits, NOT complemented
 * (RFC 1071 §4.1). `initial` continues an earlier sum (e.g. a pseudo-header).
 */
export function onesComplementSum(data: Uint8Array, initial = 0, start = 0, end = data.length): number {
  let sum = initial;
  let i = start;
  // Deferred carries (RFC 1071 §2(C)): a JS number holds 2^53, so fold only at the end
  // of long inputs; folding every 64 Ki words keeps the sum exact anyway.
  for (; i + 1 < end; i += 2) {
    sum += ((data[i] as number) << 8) | (data[i + 1] as number);
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  // An odd length is padded with a zero octet for the sum (RFC 1071 §4.1).
  if (i < end) sum += (data[i] as number) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The Internet checksum of `data`: the complement of its one's-complement sum. */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  return ~onesComplementSum(data, initial) & 0xffff;
}

/** Position of the checksum field within each transport header. */
function checksumFieldOffset(protocol: number): number | undefined {
  switch (protocol) {
    case IP_PROTO_UDP:
      return 6; // RFC 768
    case IP_PROTO_TCP:
      return 16; // RFC 9293 §3.1
    case IP_PROTO_ICMPV6:
      return 2; // RFC 4443 §2.1
    default:
      return undefined;
  }
}

interface Located {
  readonly protocol: number;
  readonly ipVersion: 4 | 6;
  /** Offset of the transport header in the frame. */
  readonly l4Offset: number;
  /** End of the transport data (IP length, not the Ethernet padding). */
  readonly l4End: number;
  /** One's-complement sum of the pseudo-header. */
  readonly pseudoSum: number;
  readonly checksumOffset: number;
}

function u16(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 8) | (b[o + 1] as number);
}

/** Finds the transport header and sums the pseudo-header; errors say why the frame has no checksum we can compute. */
function locate(frame: Uint8Array): Result<Located, PacketError> {
  const eth = decodeEthernet(frame);
  if (!eth.ok) return eth;
  const base = eth.value.payloadOffset;
  if (eth.value.etherType === ETHERTYPE_IPV6) {
    const ip = decodeIpv6(eth.value.payload, base);
    if (!ip.ok) return ip;
    const h = ip.value;
    if (h.fragment && (h.fragment.offset !== 0 || h.fragment.more)) {
      // The checksum covers the reassembled datagram (RFC 8200 §8.1): not computable from one fragment.
      return err(codecError('FRAGMENT', 'IPv6 fragment: the transport checksum covers the whole datagram', { offset: base + 6 }));
    }
    if (h.extensionHeaders.includes(43)) {
      // With a Routing header the pseudo-header uses the final destination (RFC 8200 §8.1),
      // which this helper does not dig out; V2G never uses one.
      return err(codecError('ROUTING_HEADER', 'IPv6 Routing header present: final destination not resolved', { offset: base + 6 }));
    }
    const field = checksumFieldOffset(h.nextHeader);
    if (field === undefined) return err(codecError('UNSUPPORTED_PROTOCOL', `IPv6 next header ${h.nextHeader} has no checksum handled here`, { offset: base + 6 }));
    const l4Offset = h.payloadOffset;
    const l4Length = h.payload.length;
    if (l4Length < field + 2) return err(codecError('TRUNCATED', `transport header of ${l4Length} bytes has no checksum field`, { offset: l4Offset }));
    // Pseudo-header: source, destination, upper-layer length (32 bits), 3 zero octets, next header.
    let pseudo = onesComplementSum(frame, 0, base + 8, base + 40);
    pseudo += (l4Length >>> 16) + (l4Length & 0xffff) + h.nextHeader;
    return ok({ protocol: h.nextHeader, ipVersion: 6, l4Offset, l4End: l4Offset + l4Length, pseudoSum: pseudo, checksumOffset: l4Offset + field });
  }
  if (eth.value.etherType === ETHERTYPE_IPV4) {
    const p = eth.value.payload;
    if (p.length < 20) return err(codecError('TRUNCATED', `IPv4 header needs 20 bytes, ${p.length} present`, { offset: base }));
    if ((p[0] as number) >> 4 !== 4) return err(codecError('BAD_IP_VERSION', 'IPv4 version nibble must be 4', { offset: base }));
    const ihl = ((p[0] as number) & 0x0f) * 4;
    const total = u16(p, 2);
    if (ihl < 20 || total < ihl || total > p.length) return err(codecError('BAD_LENGTH', `IPv4 IHL ${ihl} / total length ${total} do not fit ${p.length} bytes`, { offset: base + 2 }));
    const fragField = u16(p, 6);
    if ((fragField & 0x3fff) !== 0) return err(codecError('FRAGMENT', 'IPv4 fragment: the transport checksum covers the whole datagram', { offset: base + 6 }));
    const protocol = p[9] as number;
    // ICMPv4 has no pseudo-header and the kernel computes it in software; only UDP/TCP are offloaded.
    if (protocol !== IP_PROTO_UDP && protocol !== IP_PROTO_TCP) return err(codecError('UNSUPPORTED_PROTOCOL', `IPv4 protocol ${protocol} has no checksum handled here`, { offset: base + 9 }));
    const field = checksumFieldOffset(protocol) as number;
    const l4Offset = base + ihl;
    const l4Length = total - ihl;
    if (l4Length < field + 2) return err(codecError('TRUNCATED', `transport header of ${l4Length} bytes has no checksum field`, { offset: l4Offset }));
    // Pseudo-header: source, destination, zero, protocol, transport length (RFC 768, RFC 9293 §3.1).
    const pseudo = onesComplementSum(frame, 0, base + 12, base + 20) + protocol + l4Length;
    return ok({ protocol, ipVersion: 4, l4Offset, l4End: l4Offset + l4Length, pseudoSum: pseudo, checksumOffset: l4Offset + field });
  }
  return err(codecError('NOT_IP', `EtherType 0x${eth.value.etherType.toString(16).padStart(4, '0')} carries no IP transport checksum`, { offset: eth.value.payloadOffset - 2 }));
}

/** The checksum the transport header should carry, computed as if its checksum field were zero. */
function compute(frame: Uint8Array, l: Located): number {
  // Sum around the checksum field instead of zeroing it: the frame stays untouched until we write.
  let sum = onesComplementSum(frame, l.pseudoSum, l.l4Offset, l.checksumOffset);
  sum = onesComplementSum(frame, sum, l.checksumOffset + 2, l.l4End);
  // The field offset is even within the transport header, so the second part stays word-aligned.
  let c = ~sum & 0xffff;
  // UDP sends a computed zero as all ones: zero means "no checksum" (RFC 768; RFC 8200 §8.1 for IPv6).
  if (c === 0 && l.protocol === IP_PROTO_UDP) c = 0xffff;
  return c;
}

/**
 * Computes the UDP/TCP/ICMPv6 checksum of an Ethernet frame carrying IPv6
 * (or UDP/TCP over IPv4) and writes it into the frame. Error codes: NOT_IP,
 * UNSUPPORTED_PROTOCOL, FRAGMENT, ROUTING_HEADER, TRUNCATED, BAD_LENGTH,
 * BAD_IP_VERSION, NOT_ETHERNET_II (the frame is left unchanged).
 */
export function fillTransportChecksum(frame: Uint8Array): Result<TransportChecksumInfo, PacketError> {
  const l = locate(frame);
  if (!l.ok) return l;
  const c = compute(frame, l.value);
  frame[l.value.checksumOffset] = c >> 8;
  frame[l.value.checksumOffset + 1] = c & 0xff;
  return ok({ protocol: l.value.protocol, ipVersion: l.value.ipVersion, checksumOffset: l.value.checksumOffset, checksum: c });
}

/**
 * Checks the transport checksum of a frame; ok(true) when it is right. An
 * IPv4 UDP datagram with checksum 0 (none sent, RFC 768) counts as right.
 */
export function verifyTransportChecksum(frame: Uint8Array): Result<boolean, PacketError> {
  const l = locate(frame);
  if (!l.ok) return l;
  const found = u16(frame, l.value.checksumOffset);
  if (found === 0 && l.value.protocol === IP_PROTO_UDP) {
    // IPv4: no checksum sent, accepted (RFC 768). IPv6: a zero UDP checksum is invalid (RFC 8200 §8.1).
    return ok(l.value.ipVersion === 4);
  }
  // Summing everything, the checksum included, gives all ones when it is right (RFC 1071 §1).
  return ok(onesComplementSum(frame, l.value.pseudoSum, l.value.l4Offset, l.value.l4End) === 0xffff);
}

// ---------------------------------------------------------------------------
// TCP aggregates (GSO/TSO on the sender, GRO on a receiving NIC).
//
// The same offload story for size: a veth (and any NIC with TSO) lets the
// kernel hand over one TCP "super-segment" of up to 64 KiB; the NIC is meant to
// cut it into MTU-sized segments. AF_PACKET on the far end of a veth sees the
// aggregate. A wire never carries it, and re-sent as-is it fails with EMSGSIZE.
// `segmentTcpAggregate` cuts it the way TSO does (Linux tcp_gso_segment): same
// headers, sequence numbers advanced, FIN/PSH only on the last segment, CWR
// only on the first, IP lengths (and the IPv4 ID and header checksum) adjusted,
// every transport checksum filled.

/** Cuts an IPv6/IPv4 TCP frame larger than `mtu` into frames whose IP packets fit `mtu`. */
export function segmentTcpAggregate(frame: Uint8Array, mtu: number): Result<Uint8Array[], PacketError> {
  const l = locate(frame);
  if (!l.ok) return l;
  const { protocol, ipVersion, l4Offset, l4End } = l.value;
  if (protocol !== IP_PROTO_TCP) return err(codecError('UNSUPPORTED_PROTOCOL', `only TCP aggregates can be segmented, found protocol ${protocol}`, { offset: l4Offset }));
  const eth = decodeEthernet(frame);
  if (!eth.ok) return eth;
  const ipOffset = eth.value.payloadOffset;
  const ipHeaderLength = l4Offset - ipOffset;
  const tcpHeaderLength = ((frame[l4Offset + 12] as number) >> 4) * 4;
  if (tcpHeaderLength < 20 || l4Offset + tcpHeaderLength > l4End) return err(codecError('BAD_HEADER_LENGTH', `TCP data offset ${tcpHeaderLength}`, { offset: l4Offset + 12 }));
  const mss = mtu - ipHeaderLength - tcpHeaderLength;
  if (mss < 8) return err(codecError('BAD_LENGTH', `MTU ${mtu} leaves no room for TCP data`, { offset: ipOffset }));
  const payloadStart = l4Offset + tcpHeaderLength;
  const payloadLength = l4End - payloadStart;
  if (payloadLength <= mss) return ok([frame.subarray(0, l4End)]);
  const seq0 = ((frame[l4Offset + 4] as number) * 0x1000000 + (((frame[l4Offset + 5] as number) << 16) | ((frame[l4Offset + 6] as number) << 8) | (frame[l4Offset + 7] as number))) >>> 0;
  const flags0 = frame[l4Offset + 13] as number;
  const id0 = ipVersion === 4 ? u16(frame, ipOffset + 4) : 0;
  const out: Uint8Array[] = [];
  for (let off = 0, i = 0; off < payloadLength; off += mss, i++) {
    const n = Math.min(mss, payloadLength - off);
    const last = off + n >= payloadLength;
    const seg = new Uint8Array(payloadStart + n);
    seg.set(frame.subarray(0, payloadStart));
    seg.set(frame.subarray(payloadStart + off, payloadStart + off + n), payloadStart);
    const seq = (seq0 + off) >>> 0;
    seg[l4Offset + 4] = seq >>> 24;
    seg[l4Offset + 5] = (seq >>> 16) & 0xff;
    seg[l4Offset + 6] = (seq >>> 8) & 0xff;
    seg[l4Offset + 7] = seq & 0xff;
    // FIN 0x01 and PSH 0x08 belong to the end of the data, CWR 0x80 to its first segment.
    seg[l4Offset + 13] = flags0 & ~(last ? 0 : 0x09) & ~(i === 0 ? 0 : 0x80);
    if (ipVersion === 6) {
      const pl = ipHeaderLength - 40 + tcpHeaderLength + n;
      seg[ipOffset + 4] = pl >> 8;
      seg[ipOffset + 5] = pl & 0xff;
    } else {
      const total = ipHeaderLength + tcpHeaderLength + n;
      seg[ipOffset + 2] = total >> 8;
      seg[ipOffset + 3] = total & 0xff;
      // Linux TSO gives each segment the next IP ID (unless DF and fixed-ID, which we do not emulate).
      const id = (id0 + i) & 0xffff;
      seg[ipOffset + 4] = id >> 8;
      seg[ipOffset + 5] = id & 0xff;
      seg[ipOffset + 10] = 0;
      seg[ipOffset + 11] = 0;
      const hc = internetChecksum(seg.subarray(ipOffset, ipOffset + ipHeaderLength));
      seg[ipOffset + 10] = hc >> 8;
      seg[ipOffset + 11] = hc & 0xff;
    }
    const filled = fillTransportChecksum(seg);
    if (!filled.ok) return filled;
    out.push(seg);
  }
  return ok(out);
}
