// TCP stream tracker for captures: turns the TCP segments of a capture into
// per-connection, per-direction byte streams in sequence order.
//
// Real captures are not clean: pyPLC's captures contain retransmissions and
// duplicate segments (576 in 2023-04-24_atHome_Ioniq, 135 in 2022-12-20_alpi),
// a capture may start in the middle of a connection, and a sniffer may miss
// segments. So:
//  - connections are keyed by the 4-tuple; a new SYN after the old connection
//    closed (or with a different initial sequence number) starts a new one;
//  - the client is the side that sent SYN; without a SYN the caller's
//    `serverPorts` hint decides, then the well-known port 15118 or the side
//    outside the dynamic port range, else the first sender is taken as the
//    client (for V2G the EV speaks first: supportedAppProtocolReq);
//  - data is delivered in sequence order; bytes already delivered
//    (retransmissions, duplicates, overlaps) are dropped and counted;
//  - segments ahead of the expected sequence number are held (bounded); a
//    hole that the peer acknowledges (so it was sent, but not captured), that
//    overflows the bound, or that is still open at the end is reported as a
//    'gap' event, after which the stream continues at the held data;
//  - SYN, FIN and RST are reported as events.
// Sequence numbers are compared modulo 2^32 relative to the first one seen.
import { V2G_DEFAULT_TCP_PORT } from '../../constants.js';
import type { TcpFlags, TcpSegment } from './packet.js';

export type TcpDirection = 'client-to-server' | 'server-to-client';

export interface TcpEndpoint {
  readonly address: Uint8Array;
  readonly port: number;
}

export interface TcpConnectionInfo {
  /** 1, 2, ... in order of first appearance in the capture. */
  readonly id: number;
  readonly client: TcpEndpoint;
  readonly server: TcpEndpoint;
  /** True when the client/server roles come from a SYN, false when guessed. */
  readonly rolesFromSyn: boolean;
}

interface EventBase {
  readonly connection: TcpConnectionInfo;
  readonly direction: TcpDirection;
  readonly time: number;
  /** Caller's frame reference (e.g. 1-based frame number) of the segment that caused the event. */
  readonly frame: number;
}

export type TcpStreamEvent =
  | (EventBase & { readonly kind: 'syn'; readonly ack: boolean })
  | (EventBase & { readonly kind: 'data'; readonly data: Uint8Array; readonly streamOffset: number })
  | (EventBase & { readonly kind: 'gap'; readonly streamOffset: number; readonly missing: number })
  | (EventBase & { readonly kind: 'fin' })
  | (EventBase & { readonly kind: 'rst' });

export interface TcpSegmentInput {
  readonly time: number;
  readonly frame: number;
  readonly source: TcpEndpoint;
  readonly destination: TcpEndpoint;
  readonly tcp: TcpSegment;
}

export interface TcpTrackerOptions {
  /** Ports known to be servers (e.g. from SDP responses); used when no SYN was captured. */
  readonly serverPorts?: ReadonlySet<number>;
  /** Max bytes held out of order per direction before a hole is declared a gap. Default 256 KiB. */
  readonly maxHeldBytes?: number;
}

export interface TcpTrackerStats {
  readonly connections: number;
  readonly segments: number;
  readonly duplicateSegments: number;
  readonly overlappingBytes: number;
  readonly gaps: number;
  readonly outOfOrderSegments: number;
}

interface Held {
  readonly rel: number;
  readonly data: Uint8Array;
  readonly time: number;
  readonly frame: number;
}

class Direction {
  /** Sequence number of stream offset 0 (ISN + 1 when the SYN was seen). */
  base: number | undefined;
  /** Next expected stream offset. */
  next = 0;
  held: Held[] = [];
  heldBytes = 0;
  finSeen = false;
}

class Connection {
  readonly c2s = new Direction();
  readonly s2c = new Direction();
  closed = false;
  clientIsn: number | undefined;
  constructor(readonly info: TcpConnectionInfo) {}

  /** Whether the segment from `source` to `destination` belongs to this 4-tuple. */
  matches(source: TcpEndpoint, destination: TcpEndpoint): boolean {
    const { client, server } = this.info;
    return (sameEndpoint(source, client) && sameEndpoint(destination, server)) || (sameEndpoint(source, server) && sameEndpoint(destination, client));
  }
}

/**
 * Order-independent hash of a 4-tuple (FNV-1a over each endpoint, combined
 * symmetrically). Collisions are resolved by comparing the endpoints, so the
 * hash only has to be cheap: building string keys for every segment cost
 * ~3 µs per segment on a 10-minute session.
 */
function endpointHash(e: TcpEndpoint): number {
  let h = 0x811c9dc5;
  const a = e.address;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ (a[i] as number), 0x01000193);
  h = Math.imul(h ^ (e.port & 0xff), 0x01000193);
  h = Math.imul(h ^ (e.port >>> 8), 0x01000193);
  return h >>> 0;
}

// The SDP port, which many SECCs also listen on for TCP (the pyPLC charger of 2025-01-21_listenMode_02 does).
export { V2G_DEFAULT_TCP_PORT };
const DYNAMIC_PORTS_START = 49152;

/** The port of a segment's two ends that is more likely the server's, or undefined when neither is. */
export function likelyServerPort(a: number, b: number): number | undefined {
  if (a === V2G_DEFAULT_TCP_PORT && b !== V2G_DEFAULT_TCP_PORT) return a;
  if (b === V2G_DEFAULT_TCP_PORT && a !== V2G_DEFAULT_TCP_PORT) return b;
  if (a < DYNAMIC_PORTS_START && b >= DYNAMIC_PORTS_START) return a;
  if (b < DYNAMIC_PORTS_START && a >= DYNAMIC_PORTS_START) return b;
  return undefined;
}

function sameEndpoint(a: TcpEndpoint, b: TcpEndpoint): boolean {
  if (a.port !== b.port || a.address.length !== b.address.length) return false;
  for (let i = 0; i < a.address.length; i++) if (a.address[i] !== b.address[i]) return false;
  return true;
}

export class TcpStreamTracker {
  /** Current connection per 4-tuple, bucketed by the symmetric hash of the tuple. */
  private readonly byHash = new Map<number, Connection[]>();
  private nextId = 1;
  private readonly maxHeld: number;
  private stats = { connections: 0, segments: 0, duplicateSegments: 0, overlappingBytes: 0, gaps: 0, outOfOrderSegments: 0 };

  constructor(private readonly options: TcpTrackerOptions = {}) {
    this.maxHeld = options.maxHeldBytes ?? 256 * 1024;
  }

  get statistics(): TcpTrackerStats {
    return { ...this.stats };
  }

  /** Feeds one segment (capture order); returns the events it causes, in order. */
  push(seg: TcpSegmentInput): TcpStreamEvent[] {
    this.stats.segments++;
    const out: TcpStreamEvent[] = [];
    const hash = (endpointHash(seg.source) ^ endpointHash(seg.destination)) >>> 0;
    let bucket = this.byHash.get(hash);
    if (!bucket) this.byHash.set(hash, (bucket = []));
    const { flags } = seg.tcp;
    const at = bucket.findIndex((c) => c.matches(seg.source, seg.destination));
    let conn = at >= 0 ? bucket[at] : undefined;
    const isInitialSyn = flags.syn && !flags.ack;
    if (conn && isInitialSyn && (conn.closed || (conn.clientIsn !== undefined && conn.clientIsn !== seg.tcp.sequenceNumber))) {
      // Port reuse: a fresh SYN on a finished 4-tuple is a new connection.
      out.push(...this.drain(conn, true));
      conn = undefined;
    }
    if (!conn) {
      conn = this.open(seg, flags);
      if (at >= 0) bucket[at] = conn;
      else bucket.push(conn);
    }
    const c = conn;
    const direction: TcpDirection = sameEndpoint(seg.source, c.info.client) ? 'client-to-server' : 'server-to-client';
    const dir = direction === 'client-to-server' ? c.c2s : c.s2c;
    const base = { connection: c.info, direction, time: seg.time, frame: seg.frame };

    if (flags.syn) {
      if (isInitialSyn && c.clientIsn === undefined && direction === 'client-to-server') c.clientIsn = seg.tcp.sequenceNumber;
      if (dir.base === undefined) dir.base = (seg.tcp.sequenceNumber + 1) >>> 0;
      out.push({ ...base, kind: 'syn', ack: flags.ack });
    }
    if (dir.base === undefined) dir.base = seg.tcp.sequenceNumber;
    const dataSeq = flags.syn ? (seg.tcp.sequenceNumber + 1) >>> 0 : seg.tcp.sequenceNumber;
    // The peer's bytes this segment acknowledges were sent before it: declare
    // their hole and deliver what is held behind it first, so a request whose
    // predecessor the capture lost still comes before the response that ACKs it
    // (seen as a CurrentDemandReq reported after its CurrentDemandRes).
    if (flags.ack) this.ackedHole(c, direction === 'client-to-server' ? c.s2c : c.c2s, direction === 'client-to-server' ? 'server-to-client' : 'client-to-server', seg, out);
    if (seg.tcp.payload.length > 0) this.accept(c, dir, direction, dataSeq, seg, out);
    if (flags.rst) {
      out.push(...this.drainDirection(c, dir, direction));
      out.push({ ...base, kind: 'rst' });
      c.closed = true;
    } else if (flags.fin && !dir.finSeen) {
      dir.finSeen = true;
      out.push({ ...base, kind: 'fin' });
      if (c.c2s.finSeen && c.s2c.finSeen) c.closed = true;
    }
    return out;
  }

  /** End of capture: delivers held data, reporting the holes before it as gaps. */
  flush(): TcpStreamEvent[] {
    const out: TcpStreamEvent[] = [];
    for (const bucket of this.byHash.values()) for (const c of bucket) out.push(...this.drain(c, false));
    return out;
  }

  private open(seg: TcpSegmentInput, flags: TcpFlags): Connection {
    let clientIsSource: boolean;
    let fromSyn = false;
    if (flags.syn) {
      clientIsSource = !flags.ack;
      fromSyn = true;
    } else if (this.options.serverPorts?.has(seg.destination.port) && !this.options.serverPorts.has(seg.source.port)) {
      clientIsSource = true;
    } else if (this.options.serverPorts?.has(seg.source.port) && !this.options.serverPorts.has(seg.destination.port)) {
      clientIsSource = false;
    } else {
      // Mid-connection without an SDP response: the SECC listens on 15118 by
      // default, else on a port outside the dynamic range (RFC 6335 §6: 49152–65535)
      // where the car's ephemeral port lies. Only when neither tells is the first
      // sender taken as the client (the EV speaks first in V2G). Taking the first
      // sender always labelled `CableCheckRes … EV→EVSE` in 2025-01-21_listenMode_02.
      const server = likelyServerPort(seg.source.port, seg.destination.port);
      clientIsSource = server === undefined ? true : server === seg.destination.port;
    }
    const client = clientIsSource ? seg.source : seg.destination;
    const server = clientIsSource ? seg.destination : seg.source;
    this.stats.connections++;
    const info: TcpConnectionInfo = {
      id: this.nextId++,
      client: { address: client.address.slice(), port: client.port },
      server: { address: server.address.slice(), port: server.port },
      rolesFromSyn: fromSyn,
    };
    return new Connection(info);
  }

  private accept(c: Connection, dir: Direction, direction: TcpDirection, seq: number, seg: TcpSegmentInput, out: TcpStreamEvent[]): void {
    let rel = (seq - (dir.base as number)) >>> 0;
    let data = seg.tcp.payload;
    // Offsets "before" the base wrap to values near 2^32: data from before the
    // capture started (or before the SYN); nothing to deliver.
    if (rel >= 0x80000000) {
      const before = 0x100000000 - rel;
      if (before >= data.length) {
        this.stats.duplicateSegments++;
        return;
      }
      data = data.subarray(before);
      rel = 0;
    }
    if (rel + data.length <= dir.next) {
      this.stats.duplicateSegments++;
      return;
    }
    if (rel < dir.next) {
      this.stats.overlappingBytes += dir.next - rel;
      data = data.subarray(dir.next - rel);
      rel = dir.next;
    }
    const base = { connection: c.info, direction, time: seg.time, frame: seg.frame };
    if (rel === dir.next) {
      out.push({ ...base, kind: 'data', data, streamOffset: rel });
      dir.next = rel + data.length;
      this.deliverHeld(c, dir, direction, out);
      return;
    }
    // Ahead of the expected byte: hold it (copy, the frame buffer may be reused).
    this.stats.outOfOrderSegments++;
    if (!dir.held.some((h) => h.rel === rel && h.data.length >= data.length)) {
      dir.held.push({ rel, data: data.slice(), time: seg.time, frame: seg.frame });
      dir.heldBytes += data.length;
      dir.held.sort((a, b) => a.rel - b.rel);
    }
    while (dir.heldBytes > this.maxHeld && dir.held.length > 0) {
      const first = dir.held[0] as Held;
      this.stats.gaps++;
      out.push({ connection: c.info, direction, time: first.time, frame: first.frame, kind: 'gap', streamOffset: dir.next, missing: first.rel - dir.next });
      dir.next = first.rel;
      this.deliverHeld(c, dir, direction, out);
    }
  }

  /**
   * The peer acknowledged bytes we hold data after but never saw: the
   * receiver got them, the capture missed them, and no retransmission will
   * come. Declare the gap now (instead of at the end of the capture) so the
   * stream goes on in time order.
   */
  private ackedHole(c: Connection, dir: Direction, direction: TcpDirection, seg: TcpSegmentInput, out: TcpStreamEvent[]): void {
    if (dir.base === undefined || dir.held.length === 0) return;
    const acked = (seg.tcp.acknowledgementNumber - dir.base) >>> 0;
    if (acked >= 0x80000000 || acked <= dir.next) return;
    const first = dir.held[0] as Held;
    if (acked < first.rel) return;
    this.stats.gaps++;
    out.push({ connection: c.info, direction, time: seg.time, frame: seg.frame, kind: 'gap', streamOffset: dir.next, missing: first.rel - dir.next });
    dir.next = first.rel;
    this.deliverHeld(c, dir, direction, out);
  }

  private deliverHeld(c: Connection, dir: Direction, direction: TcpDirection, out: TcpStreamEvent[]): void {
    while (dir.held.length > 0) {
      const h = dir.held[0] as Held;
      if (h.rel > dir.next) return;
      dir.held.shift();
      dir.heldBytes -= h.data.length;
      const end = h.rel + h.data.length;
      if (end <= dir.next) {
        this.stats.duplicateSegments++;
        continue;
      }
      const data = h.data.subarray(dir.next - h.rel);
      if (h.rel < dir.next) this.stats.overlappingBytes += dir.next - h.rel;
      out.push({ connection: c.info, direction, time: h.time, frame: h.frame, kind: 'data', data, streamOffset: dir.next });
      dir.next = end;
    }
  }

  private drainDirection(c: Connection, dir: Direction, direction: TcpDirection): TcpStreamEvent[] {
    const out: TcpStreamEvent[] = [];
    while (dir.held.length > 0) {
      const first = dir.held[0] as Held;
      if (first.rel > dir.next) {
        this.stats.gaps++;
        out.push({ connection: c.info, direction, time: first.time, frame: first.frame, kind: 'gap', streamOffset: dir.next, missing: first.rel - dir.next });
        dir.next = first.rel;
      }
      this.deliverHeld(c, dir, direction, out);
    }
    return out;
  }

  private drain(c: Connection, forget: boolean): TcpStreamEvent[] {
    const out = [...this.drainDirection(c, c.c2s, 'client-to-server'), ...this.drainDirection(c, c.s2c, 'server-to-client')];
    if (forget) c.closed = true;
    return out;
  }
}
