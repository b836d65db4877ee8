// Readers for capture files: classic pcap (both byte orders, µs and ns) and pcapng
// (SHB of either endianness, IDB with if_tsresol/if_tsoffset, EPB, SPB, OPB; unknown blocks
// skipped; several interfaces and sections). Pure, lazy (a generator over one in-memory file),
// and total: a corrupt file yields one typed error record and ends, never throws.
//
// Why not an npm parser: pcap-parser reads classic pcap only and is stream-based; pcap-ng-parser
// is unmaintained and stream-only. Neither fits a pure, synchronous, Uint8Array codec layer.
import { type CodecError, type Result, codecError, err, ok } from '../../result.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;

export interface CaptureRecord {
  /** Capture time in milliseconds since the Unix epoch (float; sub-ms digits kept). */
  readonly timestamp: number;
  /** Link type of `data`: LINKTYPE_ETHERNET after SLL/SLL2 normalisation, else the file's link type. */
  readonly linkType: number;
  /** Link type in the file, when it differs from linkType (SLL/SLL2 normalised to Ethernet). */
  readonly originalLinkType?: number;
  /** Frame bytes as captured (possibly fewer than originalLength when the snap length cut them). */
  readonly data: Uint8Array;
  readonly originalLength: number;
  /** pcapng interface id (0 for classic pcap). */
  readonly interfaceId: number;
  /** 1-based record number in the file, as Wireshark counts frames. */
  readonly index: number;
  /** pcapng EPB/OPB opt_comment values (Wireshark's frame.comment), when the block has any. */
  readonly comments?: readonly string[];
}

export type CaptureFormat = 'pcap' | 'pcapng';

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK_IDB = 0x00000001;
const BLOCK_OPB = 0x00000002;
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;

/** Recognises a capture file by its magic number. */
export function detectCaptureFormat(file: Uint8Array): CaptureFormat | undefined {
  if (file.length < 4) return undefined;
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const be = dv.getUint32(0, false);
  const le = dv.getUint32(0, true);
  if (be === PCAPNG_SHB) return 'pcapng';
  if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS || le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) return 'pcap';
  return undefined;
}

/** Reads every record of a pcap or pcapng file, lazily. A corrupt file ends with one error item. */
/** Every code the pcap / pcapng reader can fail with. */
export type CaptureErrorCode = 'TRUNCATED' | 'BAD_MAGIC' | 'BAD_BLOCK_LENGTH' | 'BAD_RECORD_LENGTH' | 'BAD_OPTION' | 'UNKNOWN_INTERFACE';
export type CaptureError = CodecError<CaptureErrorCode>;

export function* readCapture(input: Uint8Array): Generator<Result<CaptureRecord, CaptureError>, void, undefined> {
  // Records are views into the file; make them plain Uint8Arrays even when the caller passes a Node Buffer.
  const file = input.constructor === Uint8Array ? input : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const format = detectCaptureFormat(file);
  if (format === 'pcap') yield* readPcap(file);
  else if (format === 'pcapng') yield* readPcapng(file);
  else yield err(codecError('BAD_MAGIC', 'not a pcap or pcapng file (unknown magic number)', { offset: 0 }));
}

/** Classic libpcap format. */
export function* readPcap(file: Uint8Array): Generator<Result<CaptureRecord, CaptureError>, void, undefined> {
  if (file.length < 24) {
    yield err(codecError('TRUNCATED', `pcap global header needs 24 bytes, file has ${file.length}`, { offset: 0 }));
    return;
  }
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magicLe = dv.getUint32(0, true);
  const magicBe = dv.getUint32(0, false);
  let little: boolean;
  let nano: boolean;
  if (magicLe === PCAP_MAGIC_US || magicLe === PCAP_MAGIC_NS) {
    little = true;
    nano = magicLe === PCAP_MAGIC_NS;
  } else if (magicBe === PCAP_MAGIC_US || magicBe === PCAP_MAGIC_NS) {
    little = false;
    nano = magicBe === PCAP_MAGIC_NS;
  } else {
    yield err(codecError('BAD_MAGIC', 'not a classic pcap file', { offset: 0 }));
    return;
  }
  // The link type is the low 16 bits; the high bits may carry FCS information (pcap-linktype(7)).
  const linkType = dv.getUint32(20, little) & 0xffff;
  let o = 24;
  let index = 0;
  while (o < file.length) {
    if (o + 16 > file.length) {
      yield err(codecError('TRUNCATED', `record header at offset ${o} needs 16 bytes, ${file.length - o} left`, { offset: o }));
      return;
    }
    const sec = dv.getUint32(o, little);
    const frac = dv.getUint32(o + 4, little);
    const inclLen = dv.getUint32(o + 8, little);
    const origLen = dv.getUint32(o + 12, little);
    if (o + 16 + inclLen > file.length) {
      yield err(
        codecError('TRUNCATED', `record at offset ${o} announces ${inclLen} bytes, ${file.length - o - 16} left`, {
          offset: o + 8,
          context: { record: index + 1 },
        }),
      );
      return;
    }
    const data = file.subarray(o + 16, o + 16 + inclLen);
    index++;
    yield ok(normalise(sec * 1000 + (nano ? frac / 1e6 : frac / 1e3), linkType, data, origLen, 0, index));
    o += 16 + inclLen;
  }
}

interface Interface {
  readonly linkType: number;
  /** Timestamp ticks per second (if_tsresol). */
  readonly ticksPerSecond: bigint;
  /** if_tsoffset in seconds. */
  readonly offsetSeconds: number;
  readonly snapLen: number;
}

/** pcapng (draft-ietf-opsawg-pcapng). */
export function* readPcapng(file: Uint8Array): Generator<Result<CaptureRecord, CaptureError>, void, undefined> {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let little = true;
  let interfaces: Interface[] = [];
  let o = 0;
  let index = 0;
  let lastTimestamp = 0;
  let sawShb = false;
  while (o < file.length) {
    if (o + 12 > file.length) {
      yield err(codecError('TRUNCATED', `block at offset ${o} needs at least 12 bytes, ${file.length - o} left`, { offset: o }));
      return;
    }
    const beType = dv.getUint32(o, false);
    if (beType === PCAPNG_SHB) {
      // A new section: its byte-order magic decides the endianness of everything up to the next SHB.
      const bom = dv.getUint32(o + 8, true);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) little = true;
      else if (dv.getUint32(o + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) little = false;
      else {
        yield err(codecError('BAD_MAGIC', `section header at offset ${o} has no valid byte-order magic`, { offset: o + 8 }));
        return;
      }
      interfaces = [];
      sawShb = true;
    } else if (!sawShb) {
      yield err(codecError('BAD_MAGIC', 'pcapng file does not start with a section header block', { offset: 0 }));
      return;
    }
    const type = dv.getUint32(o, little);
    const length = dv.getUint32(o + 4, little);
    if (length < 12 || length % 4 !== 0) {
      yield err(codecError('BAD_BLOCK_LENGTH', `block at offset ${o} has impossible length ${length}`, { offset: o + 4, context: { blockType: type } }));
      return;
    }
    if (o + length > file.length) {
      yield err(
        codecError('TRUNCATED', `block at offset ${o} announces ${length} bytes, ${file.length - o} left`, { offset: o + 4, context: { blockType: type } }),
      );
      return;
    }
    if (dv.getUint32(o + length - 4, little) !== length) {
      yield err(codecError('BAD_BLOCK_LENGTH', `block at offset ${o}: trailing length differs from leading length ${length}`, { offset: o + length - 4 }));
      return;
    }
    const body = o + 8;
    const bodyEnd = o + length - 4;
    if (type === BLOCK_IDB) {
      if (bodyEnd - body < 8) {
        yield err(codecError('TRUNCATED', `interface description block at offset ${o} is too short`, { offset: body }));
        return;
      }
      const r = parseIdbOptions(dv, body + 8, bodyEnd, little);
      if (!r.ok) {
        yield r;
        return;
      }
      interfaces.push({ linkType: dv.getUint16(body, little), snapLen: dv.getUint32(body + 4, little), ...r.value });
    } else if (type === BLOCK_EPB || type === BLOCK_OPB) {
      if (bodyEnd - body < 20) {
        yield err(codecError('TRUNCATED', `packet block at offset ${o} is too short`, { offset: body }));
        return;
      }
      const ifId = type === BLOCK_EPB ? dv.getUint32(body, little) : dv.getUint16(body, little);
      const iface = interfaces[ifId];
      if (!iface) {
        yield err(codecError('UNKNOWN_INTERFACE', `packet block at offset ${o} names interface ${ifId}, only ${interfaces.length} defined`, { offset: body }));
        return;
      }
      const high = dv.getUint32(body + 4, little);
      const low = dv.getUint32(body + 8, little);
      const capLen = dv.getUint32(body + 12, little);
      const origLen = dv.getUint32(body + 16, little);
      if (body + 20 + capLen > bodyEnd) {
        yield err(codecError('BAD_RECORD_LENGTH', `packet block at offset ${o}: captured length ${capLen} exceeds the block`, { offset: body + 12 }));
        return;
      }
      lastTimestamp = ticksToMs(high, low, iface);
      index++;
      const rec = normalise(lastTimestamp, iface.linkType, file.subarray(body + 20, body + 20 + capLen), origLen, ifId, index);
      const comments = packetComments(dv, body + 20 + ((capLen + 3) & ~3), bodyEnd, little);
      yield ok(comments.length > 0 ? { ...rec, comments } : rec);
    } else if (type === BLOCK_SPB) {
      const iface = interfaces[0];
      if (!iface) {
        yield err(codecError('UNKNOWN_INTERFACE', `simple packet block at offset ${o} before any interface`, { offset: body }));
        return;
      }
      const origLen = dv.getUint32(body, little);
      // SPB has no captured length: it is the original length cut to the snap length and to the block.
      let capLen = Math.min(origLen, bodyEnd - body - 4);
      if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
      index++;
      // SPB carries no timestamp: reuse the last one seen so records stay in time order.
      yield ok(normalise(lastTimestamp, iface.linkType, file.subarray(body + 4, body + 4 + capLen), origLen, 0, index));
    }
    // Any other block (NRB, ISB, DSB, custom, ...) is skipped: it carries no frames.
    o += length;
  }
}

function parseIdbOptions(
  dv: DataView,
  start: number,
  end: number,
  little: boolean,
): Result<{ ticksPerSecond: bigint; offsetSeconds: number }, CaptureError> {
  let ticksPerSecond = 1_000_000n;
  let offsetSeconds = 0;
  let o = start;
  while (o + 4 <= end) {
    const code = dv.getUint16(o, little);
    const len = dv.getUint16(o + 2, little);
    if (code === 0) break; // opt_endofopt
    if (o + 4 + len > end) return err(codecError('BAD_OPTION', `IDB option ${code} at offset ${o} runs past its block`, { offset: o + 2 }));
    if (code === 9 && len >= 1) {
      // if_tsresol: MSB clear → 10^-v s per tick, MSB set → 2^-v.
      const v = dv.getUint8(o + 4);
      const exp = BigInt(v & 0x7f);
      if ((v & 0x7f) > 63) return err(codecError('BAD_OPTION', `if_tsresol ${v} out of range`, { offset: o + 4 }));
      ticksPerSecond = v & 0x80 ? 1n << exp : 10n ** exp;
    } else if (code === 14 && len >= 8) {
      offsetSeconds = Number(dv.getBigInt64(o + 4, little));
    }
    o += 4 + len + ((4 - (len % 4)) % 4);
  }
  return ok({ ticksPerSecond, offsetSeconds });
}

const utf8 = new TextDecoder();

/**
 * opt_comment values of a packet block. Options only annotate a frame whose lengths already
 * checked out, so a malformed option list ends the scan (keeping the comments before it)
 * instead of discarding the frame.
 */
function packetComments(dv: DataView, start: number, end: number, little: boolean): string[] {
  const out: string[] = [];
  let o = start;
  while (o + 4 <= end) {
    const code = dv.getUint16(o, little);
    const len = dv.getUint16(o + 2, little);
    if (code === 0 || o + 4 + len > end) break;
    if (code === 1) out.push(utf8.decode(new Uint8Array(dv.buffer, dv.byteOffset + o + 4, len)));
    o += 4 + len + ((4 - (len % 4)) % 4);
  }
  return out;
}

function ticksToMs(high: number, low: number, iface: Interface): number {
  const tps = iface.ticksPerSecond;
  if (tps === 1_000_000n) return (high * 4294967296 + low) / 1000 + iface.offsetSeconds * 1000;
  // 64-bit tick counts at ns resolution exceed 2^53: split into whole seconds and remainder first.
  const ticks = (BigInt(high) << 32n) | BigInt(low);
  return Number(ticks / tps) * 1000 + (Number(ticks % tps) * 1000) / Number(tps) + iface.offsetSeconds * 1000;
}

/** SLL / SLL2 → Ethernet where the header allows it; other link types pass through unchanged. */
function normalise(timestamp: number, linkType: number, data: Uint8Array, originalLength: number, interfaceId: number, index: number): CaptureRecord {
  const base = { timestamp, originalLength, interfaceId, index };
  if (linkType === LINKTYPE_LINUX_SLL || linkType === LINKTYPE_LINUX_SLL2) {
    const eth = sllToEthernet(linkType, data);
    if (eth) return { ...base, linkType: LINKTYPE_ETHERNET, originalLinkType: linkType, data: eth };
  }
  return { ...base, linkType, data };
}

const ARPHRD_ETHER = 1;
const SLL_PACKET_BROADCAST = 1;
const SLL_PACKET_MULTICAST = 2;

/**
 * Linux cooked capture carries the source address and the protocol but not the destination:
 * it becomes FF:…:FF for broadcast packets, 01:00:00:00:00:00 for other multicast and 00:…:00 otherwise.
 */
export function sllToEthernet(linkType: number, data: Uint8Array): Uint8Array | undefined {
  let hatype: number, pktType: number, addrLen: number, addrOff: number, proto: number, hdrLen: number;
  if (linkType === LINKTYPE_LINUX_SLL) {
    if (data.length < 16) return undefined;
    pktType = ((data[0] as number) << 8) | (data[1] as number);
    hatype = ((data[2] as number) << 8) | (data[3] as number);
    addrLen = ((data[4] as number) << 8) | (data[5] as number);
    addrOff = 6;
    proto = ((data[14] as number) << 8) | (data[15] as number);
    hdrLen = 16;
  } else {
    if (data.length < 20) return undefined;
    proto = ((data[0] as number) << 8) | (data[1] as number);
    hatype = ((data[8] as number) << 8) | (data[9] as number);
    pktType = data[10] as number;
    addrLen = data[11] as number;
    addrOff = 12;
    hdrLen = 20;
  }
  if (hatype !== ARPHRD_ETHER || addrLen !== 6) return undefined;
  const out = new Uint8Array(14 + data.length - hdrLen);
  if (pktType === SLL_PACKET_BROADCAST) out.fill(0xff, 0, 6);
  else if (pktType === SLL_PACKET_MULTICAST) out[0] = 0x01;
  out.set(data.subarray(addrOff, addrOff + 6), 6);
  out[12] = proto >> 8;
  out[13] = proto & 0xff;
  out.set(data.subarray(hdrLen), 14);
  return out;
}

export type { CodecError };
