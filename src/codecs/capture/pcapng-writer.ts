// pcapng writer (draft-ietf-opsawg-pcapng): one little-endian section with an SHB naming the
// writing application (shb_userappl), one IDB per interface (if_name, if_tsresol) and an EPB
// per frame with optional opt_comment annotations. ARCHITECTURE §5 asks for pcapng session
// records because, unlike classic pcap, it names the interface and can carry per-frame
// comments that Wireshark shows (frame.comment). Pure: returns bytes, the caller writes the file.
import { concatBytes } from '../../bytes.js';
import { LINKTYPE_ETHERNET } from './reader.js';
import type { PcapWriteRecord } from './writer.js';

const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_TSRESOL = 9;

export interface PcapngInterface {
  /** if_name, e.g. 'eth1'. Omitted from the IDB when absent. */
  readonly name?: string;
  /** Defaults to LINKTYPE_ETHERNET. */
  readonly linkType?: number;
  /** Defaults to 262144 (what tcpdump uses). */
  readonly snapLen?: number;
}

export interface PcapngWriteRecord extends PcapWriteRecord {
  /** Index into the writer's interfaces; defaults to 0. */
  readonly interfaceId?: number;
  /** One opt_comment per string (UTF-8). Wireshark shows them as frame.comment. */
  readonly comments?: readonly string[];
}

export interface PcapngWriterOptions {
  /** shb_userappl; defaults to 'tsplc'. */
  readonly application?: string;
  /** One IDB each, in this order (interface id = index). Defaults to one unnamed Ethernet interface. */
  readonly interfaces?: readonly PcapngInterface[];
  /** if_tsresol 9 (ns ticks) instead of the default 6 (µs ticks), for every interface. */
  readonly nanoseconds?: boolean;
}

const utf8 = new TextEncoder();

/** Option TLVs (code, length, value padded to 32 bits) followed by opt_endofopt; empty when no options. */
function encodeOptions(options: readonly (readonly [number, Uint8Array])[]): Uint8Array {
  if (options.length === 0) return new Uint8Array(0);
  let n = 4;
  for (const [, v] of options) n += 4 + pad4(v.length);
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const [code, v] of options) {
    // Option lengths are 16 bits; longer values are cut rather than producing a corrupt block.
    const value = v.length > 0xffff ? v.subarray(0, 0xffff) : v;
    dv.setUint16(o, code, true);
    dv.setUint16(o + 2, value.length, true);
    out.set(value, o + 4);
    o += 4 + pad4(value.length);
  }
  dv.setUint16(o, OPT_ENDOFOPT, true);
  return out;
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** type, total length, body (already padded), options, total length again. */
function block(type: number, body: Uint8Array, options: Uint8Array): Uint8Array {
  const length = 12 + body.length + options.length;
  const out = new Uint8Array(length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, length, true);
  out.set(body, 8);
  out.set(options, 8 + body.length);
  dv.setUint32(length - 4, length, true);
  return out;
}

/** Incremental writer: header() once (SHB + IDBs), then record() per frame; concatenate the chunks. */
export class PcapngWriter {
  readonly application: string;
  readonly interfaces: readonly PcapngInterface[];
  readonly nanoseconds: boolean;

  constructor(options: PcapngWriterOptions = {}) {
    this.application = options.application ?? 'tsplc';
    this.interfaces = options.interfaces && options.interfaces.length > 0 ? options.interfaces : [{}];
    this.nanoseconds = options.nanoseconds ?? false;
  }

  header(): Uint8Array {
    const shbBody = new Uint8Array(16);
    const sdv = new DataView(shbBody.buffer);
    sdv.setUint32(0, BYTE_ORDER_MAGIC, true);
    sdv.setUint16(4, 1, true); // major version
    sdv.setUint16(6, 0, true); // minor version
    // Section length -1: unknown, since the file is written incrementally (the spec allows it).
    sdv.setBigInt64(8, -1n, true);
    const chunks = [block(BLOCK_SHB, shbBody, encodeOptions([[SHB_USERAPPL, utf8.encode(this.application)]]))];
    const tsresol = Uint8Array.of(this.nanoseconds ? 9 : 6);
    for (const iface of this.interfaces) {
      const body = new Uint8Array(8);
      const dv = new DataView(body.buffer);
      dv.setUint16(0, iface.linkType ?? LINKTYPE_ETHERNET, true);
      dv.setUint32(4, iface.snapLen ?? 262144, true);
      const opts: (readonly [number, Uint8Array])[] = [];
      if (iface.name !== undefined) opts.push([IF_NAME, utf8.encode(iface.name)]);
      opts.push([IF_TSRESOL, tsresol]);
      chunks.push(block(BLOCK_IDB, body, encodeOptions(opts)));
    }
    return concatBytes(chunks);
  }

  /**
   * One EPB. An interfaceId outside the declared interfaces would make the file unreadable,
   * so it is clamped to interface 0 rather than written; callers choose ids from `interfaces`.
   */
  record(r: PcapngWriteRecord): Uint8Array {
    const ifId = r.interfaceId !== undefined && r.interfaceId >= 0 && r.interfaceId < this.interfaces.length ? r.interfaceId : 0;
    const snapLen = this.interfaces[ifId]?.snapLen ?? 262144;
    const data = snapLen > 0 && r.data.length > snapLen ? r.data.subarray(0, snapLen) : r.data;
    const body = new Uint8Array(20 + pad4(data.length));
    const dv = new DataView(body.buffer);
    const [high, low] = this.ticks(r.timestamp);
    dv.setUint32(0, ifId, true);
    dv.setUint32(4, high, true);
    dv.setUint32(8, low, true);
    dv.setUint32(12, data.length, true);
    dv.setUint32(16, r.originalLength ?? r.data.length, true);
    body.set(data, 20);
    const opts = (r.comments ?? []).map((c) => [OPT_COMMENT, utf8.encode(c)] as const);
    return block(BLOCK_EPB, body, encodeOptions(opts));
  }

  /** Float ms since the epoch → 64-bit tick count split into high and low 32-bit words. */
  private ticks(timestamp: number): [number, number] {
    const ms = Math.max(0, timestamp);
    let ticks: bigint;
    if (this.nanoseconds) {
      // ns counts exceed 2^53: whole seconds and the rounded remainder are joined as bigints.
      const sec = Math.floor(ms / 1000);
      ticks = BigInt(sec) * 1_000_000_000n + BigInt(Math.round((ms - sec * 1000) * 1e6));
    } else {
      ticks = BigInt(Math.round(ms * 1000));
    }
    return [Number((ticks >> 32n) & 0xffffffffn), Number(ticks & 0xffffffffn)];
  }
}

/** A whole pcapng file in one buffer. */
export function writePcapng(records: Iterable<PcapngWriteRecord>, options: PcapngWriterOptions = {}): Uint8Array {
  const w = new PcapngWriter(options);
  const chunks = [w.header()];
  for (const r of records) chunks.push(w.record(r));
  return concatBytes(chunks);
}
