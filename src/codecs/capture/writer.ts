// Classic pcap writer (little-endian, µs or ns timestamps). Used by tests (frames we encode,
// dissected by tshark) and by session recording. Pure: returns bytes, the caller writes the file.
import { LINKTYPE_ETHERNET } from './reader.js';

export interface PcapWriteRecord {
  /** Milliseconds since the Unix epoch (float). */
  readonly timestamp: number;
  readonly data: Uint8Array;
  /** Defaults to data.length. */
  readonly originalLength?: number;
}

export interface PcapWriterOptions {
  readonly linkType?: number;
  /** Nanosecond timestamps (magic a1b23c4d); default microseconds. */
  readonly nanoseconds?: boolean;
  readonly snapLen?: number;
}

/** Incremental writer: header() once, then record() per frame; concatenate the chunks. */
export class PcapWriter {
  readonly linkType: number;
  readonly nanoseconds: boolean;
  readonly snapLen: number;
  constructor(options: PcapWriterOptions = {}) {
    this.linkType = options.linkType ?? LINKTYPE_ETHERNET;
    this.nanoseconds = options.nanoseconds ?? false;
    this.snapLen = options.snapLen ?? 262144;
  }

  header(): Uint8Array {
    const b = new Uint8Array(24);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, this.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, true);
    dv.setUint16(4, 2, true);
    dv.setUint16(6, 4, true);
    dv.setUint32(16, this.snapLen, true);
    dv.setUint32(20, this.linkType, true);
    return b;
  }

  record(r: PcapWriteRecord): Uint8Array {
    const data = r.data.length > this.snapLen ? r.data.subarray(0, this.snapLen) : r.data;
    const b = new Uint8Array(16 + data.length);
    const dv = new DataView(b.buffer);
    const ms = Math.max(0, r.timestamp);
    let sec = Math.floor(ms / 1000);
    const unit = this.nanoseconds ? 1e9 : 1e6;
    let frac = Math.round(((ms - sec * 1000) / 1000) * unit);
    if (frac >= unit) {
      sec += 1;
      frac -= unit;
    }
    dv.setUint32(0, sec >>> 0, true);
    dv.setUint32(4, frac, true);
    dv.setUint32(8, data.length, true);
    dv.setUint32(12, r.originalLength ?? r.data.length, true);
    b.set(data, 16);
    return b;
  }
}

/** A whole pcap file in one buffer. */
export function writePcap(records: Iterable<PcapWriteRecord>, options: PcapWriterOptions = {}): Uint8Array {
  const w = new PcapWriter(options);
  const chunks = [w.header()];
  let n = chunks[0]!.length;
  for (const r of records) {
    const c = w.record(r);
    chunks.push(c);
    n += c.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
