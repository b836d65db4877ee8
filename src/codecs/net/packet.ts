// Pure decoders for the packet layers under V2G: Ethernet II (with 802.1Q
// tags), IPv6 (extension headers skipped), ICMPv6, UDP and TCP. Input is a
// whole Ethernet frame as captured or received on AF_PACKET; output is plain
// data with views (subarray) into the frame, or a typed error with the byte
// offset in the frame. Never throws.
//
// IPv4 is recognised but not decoded: V2G runs on IPv6 link-local only
// (ISO 15118-2 / DIN 70121 use IPv6), and the captures carry no IPv4 V2G.
import { type CodecError, type Result, codecError, err, ok } from '../../result.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
import { ETHERTYPE_HOMEPLUG, ETHERTYPE_VLAN } from '../../constants.js';

/** Every code the Ethernet / IPv6 / UDP / TCP decoders and the checksum helpers (checksum.ts) can fail with. */
export type PacketErrorCode =
  | 'TRUNCATED'
  | 'BAD_LENGTH'
  | 'BAD_HEADER_LENGTH'
  | 'BAD_IP_VERSION'
  | 'NOT_ETHERNET_II'
  | 'NOT_IP'
  | 'FRAGMENT'
  | 'ROUTING_HEADER'
  | 'UNSUPPORTED_PROTOCOL';
export type PacketError = CodecError<PacketErrorCode>;
export { ETHERTYPE_HOMEPLUG, ETHERTYPE_VLAN };
export const ETHERTYPE_HOMEPLUG_QCA = 0x8912;
export const ETHERTYPE_QINQ = 0x88a8;

export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;
export const IP_PROTO_ICMPV6 = 58;

export const ICMPV6_ROUTER_SOLICITATION = 133;
export const ICMPV6_ROUTER_ADVERTISEMENT = 134;
export const ICMPV6_NEIGHBOR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;

export interface EthernetHeader {
  readonly destination: Uint8Array;
  readonly source: Uint8Array;
  /** EtherType after any 802.1Q/802.1ad tags. */
  readonly etherType: number;
  /** VLAN IDs of the tags, outermost first (empty when untagged). */
  readonly vlanIds: readonly number[];
  /** Offset of the payload in the frame. */
  readonly payloadOffset: number;
  readonly payload: Uint8Array;
}

export interface Ipv6Header {
  readonly source: Uint8Array;
  readonly destination: Uint8Array;
  readonly hopLimit: number;
  readonly trafficClass: number;
  readonly flowLabel: number;
  /** Upper-layer protocol after all extension headers (6 TCP, 17 UDP, 58 ICMPv6, 59 none). */
  readonly nextHeader: number;
  /** Extension header types that were skipped, in order. */
  readonly extensionHeaders: readonly number[];
  /** Set when a Fragment header was present: the payload is one fragment only. */
  readonly fragment?: { readonly offset: number; readonly more: boolean; readonly id: number };
  /** Offset of the upper-layer payload in the input. */
  readonly payloadOffset: number;
  /** Upper-layer payload, cut to the IPv6 payload length (Ethernet padding removed). */
  readonly payload: Uint8Array;
}

export interface Icmpv6Message {
  readonly type: number;
  readonly code: number;
  /** Target address of a neighbour solicitation/advertisement (types 135/136). */
  readonly target?: Uint8Array;
  /** Solicited flag of a neighbour advertisement. */
  readonly solicited?: boolean;
}

export interface UdpDatagram {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly payload: Uint8Array;
}

export interface TcpFlags {
  readonly fin: boolean;
  readonly syn: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
  readonly ack: boolean;
  readonly urg: boolean;
}

export interface TcpSegment {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly sequenceNumber: number;
  readonly acknowledgementNumber: number;
  readonly flags: TcpFlags;
  readonly window: number;
  readonly headerLength: number;
  readonly payload: Uint8Array;
}

export type Transport =
  | { readonly kind: 'tcp'; readonly tcp: TcpSegment }
  | { readonly kind: 'udp'; readonly udp: UdpDatagram }
  | { readonly kind: 'icmpv6'; readonly icmpv6: Icmpv6Message }
  | { readonly kind: 'other'; readonly protocol: number };

export interface DecodedPacket {
  readonly ethernet: EthernetHeader;
  /** Present for EtherType 0x86DD. */
  readonly ipv6?: Ipv6Header;
  readonly transport?: Transport;
}

function truncated(what: string, need: number, have: number, offset: number): { ok: false; error: PacketError } {
  return err(codecError('TRUNCATED', `${what} needs ${need} bytes, have ${have}`, { offset, context: { layer: what } }));
}

function u16(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 8) | (b[o + 1] as number);
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] as number) * 0x1000000 + (((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number))) >>> 0;
}

export function decodeEthernet(frame: Uint8Array): Result<EthernetHeader, PacketError> {
  if (frame.length < 14) return truncated('Ethernet', 14, frame.length, 0);
  let o = 12;
  let etherType = u16(frame, o);
  const vlanIds: number[] = [];
  while (etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ) {
    if (frame.length < o + 6) return truncated('802.1Q tag', o + 6, frame.length, o);
    vlanIds.push(u16(frame, o + 2) & 0x0fff);
    o += 4;
    etherType = u16(frame, o);
  }
  if (etherType < 0x0600) {
    // An 802.3 length field, not an EtherType: LLC frames (e.g. STP) are not ours.
    return err(codecError('NOT_ETHERNET_II', `802.3 length field ${etherType} instead of an EtherType`, { offset: 12 }));
  }
  const payloadOffset = o + 2;
  return ok({
    destination: frame.subarray(0, 6),
    source: frame.subarray(6, 12),
    etherType,
    vlanIds,
    payloadOffset,
    payload: frame.subarray(payloadOffset),
  });
}

/** Extension headers with the common (next header, length in 8-octet units - 1) layout (RFC 8200 §4). */
const extensionHeaders = new Set([0, 43, 60, 135, 139, 140]);
const IP_PROTO_FRAGMENT = 44;
const IP_PROTO_AH = 51;

/** Decodes an IPv6 packet; `base` is the packet's offset in the frame (for error offsets). */
export function decodeIpv6(packet: Uint8Array, base = 0): Result<Ipv6Header, PacketError> {
  if (packet.length < 40) return truncated('IPv6', 40, packet.length, base);
  const version = (packet[0] as number) >> 4;
  if (version !== 6) return err(codecError('BAD_IP_VERSION', `IPv6 version nibble must be 6, found ${version}`, { offset: base }));
  const trafficClass = (((packet[0] as number) & 0x0f) << 4) | ((packet[1] as number) >> 4);
  const flowLabel = (((packet[1] as number) & 0x0f) << 16) | u16(packet, 2);
  const payloadLength = u16(packet, 4);
  if (packet.length < 40 + payloadLength) {
    return err(
      codecError('TRUNCATED', `IPv6 payload length ${payloadLength} but only ${packet.length - 40} bytes follow`, {
        offset: base + 4,
        context: { layer: 'IPv6', payloadLength },
      }),
    );
  }
  const end = 40 + payloadLength;
  let next = packet[6] as number;
  let o = 40;
  const skipped: number[] = [];
  let fragment: Ipv6Header['fragment'];
  for (;;) {
    if (extensionHeaders.has(next) || next === IP_PROTO_AH) {
      if (end < o + 8) return truncated(`IPv6 extension header ${next}`, 8, end - o, base + o);
      // AH counts its length in 4-octet units minus 2 (RFC 4302), the others in 8-octet units minus 1.
      const len = next === IP_PROTO_AH ? ((packet[o + 1] as number) + 2) * 4 : ((packet[o + 1] as number) + 1) * 8;
      if (end < o + len) return truncated(`IPv6 extension header ${next}`, len, end - o, base + o);
      skipped.push(next);
      next = packet[o] as number;
      o += len;
    } else if (next === IP_PROTO_FRAGMENT) {
      if (end < o + 8) return truncated('IPv6 fragment header', 8, end - o, base + o);
      const fo = u16(packet, o + 2);
      fragment = { offset: (fo >> 3) * 8, more: (fo & 1) === 1, id: u32(packet, o + 4) };
      skipped.push(next);
      next = packet[o] as number;
      o += 8;
    } else break;
  }
  return ok({
    source: packet.subarray(8, 24),
    destination: packet.subarray(24, 40),
    hopLimit: packet[7] as number,
    trafficClass,
    flowLabel,
    nextHeader: next,
    extensionHeaders: skipped,
    ...(fragment ? { fragment } : {}),
    payloadOffset: base + o,
    payload: packet.subarray(o, end),
  });
}

export function decodeIcmpv6(bytes: Uint8Array, base = 0): Result<Icmpv6Message, PacketError> {
  if (bytes.length < 4) return truncated('ICMPv6', 4, bytes.length, base);
  const type = bytes[0] as number;
  const code = bytes[1] as number;
  if (type === ICMPV6_NEIGHBOR_SOLICITATION || type === ICMPV6_NEIGHBOR_ADVERTISEMENT) {
    // RFC 4861 §4.3/§4.4: 4 bytes type/code/checksum, 4 bytes reserved/flags, 16 bytes target.
    if (bytes.length < 24) return truncated('ICMPv6 neighbour message', 24, bytes.length, base);
    const target = bytes.subarray(8, 24);
    if (type === ICMPV6_NEIGHBOR_ADVERTISEMENT) return ok({ type, code, target, solicited: ((bytes[4] as number) & 0x40) !== 0 });
    return ok({ type, code, target });
  }
  return ok({ type, code });
}

export function decodeUdp(bytes: Uint8Array, base = 0): Result<UdpDatagram, PacketError> {
  if (bytes.length < 8) return truncated('UDP', 8, bytes.length, base);
  const length = u16(bytes, 4);
  if (length < 8 || length > bytes.length) {
    return err(codecError('BAD_LENGTH', `UDP length ${length} does not fit the ${bytes.length} bytes of the IP payload`, { offset: base + 4 }));
  }
  return ok({ sourcePort: u16(bytes, 0), destinationPort: u16(bytes, 2), payload: bytes.subarray(8, length) });
}

export function decodeTcp(bytes: Uint8Array, base = 0): Result<TcpSegment, PacketError> {
  if (bytes.length < 20) return truncated('TCP', 20, bytes.length, base);
  const headerLength = ((bytes[12] as number) >> 4) * 4;
  if (headerLength < 20 || headerLength > bytes.length) {
    return err(codecError('BAD_HEADER_LENGTH', `TCP data offset ${headerLength} bytes outside 20..${bytes.length}`, { offset: base + 12 }));
  }
  const f = bytes[13] as number;
  return ok({
    sourcePort: u16(bytes, 0),
    destinationPort: u16(bytes, 2),
    sequenceNumber: u32(bytes, 4),
    acknowledgementNumber: u32(bytes, 8),
    flags: { fin: (f & 0x01) !== 0, syn: (f & 0x02) !== 0, rst: (f & 0x04) !== 0, psh: (f & 0x08) !== 0, ack: (f & 0x10) !== 0, urg: (f & 0x20) !== 0 },
    window: u16(bytes, 14),
    headerLength,
    payload: bytes.subarray(headerLength),
  });
}

/**
 * Decodes a whole frame as far as it goes. A non-IPv6 frame (HomePlug
 * 0x88E1, IPv4, ...) is ok with only `ethernet` set; an IPv6 frame whose
 * upper layer is not TCP/UDP/ICMPv6 (or is a non-first fragment) gets
 * transport kind 'other'. Errors carry offsets within the frame.
 */
export function decodePacket(frame: Uint8Array): Result<DecodedPacket, PacketError> {
  const e = decodeEthernet(frame);
  if (!e.ok) return e;
  const ethernet = e.value;
  if (ethernet.etherType !== ETHERTYPE_IPV6) return ok({ ethernet });
  const ip = decodeIpv6(ethernet.payload, ethernet.payloadOffset);
  if (!ip.ok) return ip;
  const ipv6 = ip.value;
  if (ipv6.fragment && (ipv6.fragment.offset !== 0 || ipv6.fragment.more)) {
    // V2G messages are far below the link MTU; fragments are not reassembled.
    return ok({ ethernet, ipv6, transport: { kind: 'other', protocol: ipv6.nextHeader } });
  }
  switch (ipv6.nextHeader) {
    case IP_PROTO_TCP: {
      const t = decodeTcp(ipv6.payload, ipv6.payloadOffset);
      return t.ok ? ok({ ethernet, ipv6, transport: { kind: 'tcp', tcp: t.value } }) : t;
    }
    case IP_PROTO_UDP: {
      const u = decodeUdp(ipv6.payload, ipv6.payloadOffset);
      return u.ok ? ok({ ethernet, ipv6, transport: { kind: 'udp', udp: u.value } }) : u;
    }
    case IP_PROTO_ICMPV6: {
      const i = decodeIcmpv6(ipv6.payload, ipv6.payloadOffset);
      return i.ok ? ok({ ethernet, ipv6, transport: { kind: 'icmpv6', icmpv6: i.value } }) : i;
    }
    default:
      return ok({ ethernet, ipv6, transport: { kind: 'other', protocol: ipv6.nextHeader } });
  }
}

/** 'S', 'SA', 'FA', 'R', 'PA' ... for logs. */
export function tcpFlagsText(f: TcpFlags): string {
  return (f.syn ? 'S' : '') + (f.fin ? 'F' : '') + (f.rst ? 'R' : '') + (f.psh ? 'P' : '') + (f.ack ? 'A' : '') + (f.urg ? 'U' : '');
}
