import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type TcpSegment, type TcpStreamEvent, TcpStreamTracker } from '../../src/codecs/net/index.js';

const ev = { address: new Uint8Array(16).fill(1), port: 50000 };
const evse = { address: new Uint8Array(16).fill(2), port: 15118 };

function seg(seq: number, payload: number[] | Uint8Array, flags: Partial<TcpSegment['flags']> = {}): TcpSegment {
  return {
    sourcePort: 0,
    destinationPort: 0,
    sequenceNumber: seq >>> 0,
    acknowledgementNumber: 0,
    flags: { fin: false, syn: false, rst: false, psh: false, ack: true, urg: false, ...flags },
    window: 1000,
    headerLength: 20,
    payload: payload instanceof Uint8Array ? payload : new Uint8Array(payload),
  };
}

let frame = 0;
function push(t: TcpStreamTracker, fromEv: boolean, s: TcpSegment): TcpStreamEvent[] {
  frame++;
  return t.push({ time: frame, frame, source: fromEv ? ev : evse, destination: fromEv ? evse : ev, tcp: s });
}

const dataOf = (evs: TcpStreamEvent[]): number[] => evs.flatMap((e) => (e.kind === 'data' ? Array.from(e.data) : []));

describe('TCP stream tracker', () => {
  it('orders by sequence number, drops retransmissions and trims overlaps', () => {
    const t = new TcpStreamTracker();
    const isn = 0xfffffff0; // wraps around 2^32 during the test
    const out: TcpStreamEvent[] = [];
    out.push(...push(t, true, seg(isn, [], { syn: true, ack: false })));
    out.push(...push(t, false, seg(7, [], { syn: true })));
    out.push(...push(t, true, seg(isn + 1, [1, 2, 3])));
    out.push(...push(t, true, seg(isn + 1, [1, 2, 3]))); // retransmission
    out.push(...push(t, true, seg(isn + 7, [7, 8]))); // ahead: held
    out.push(...push(t, true, seg(isn + 3, [3, 4, 5, 6]))); // overlaps 1 byte, fills the hole
    out.push(...push(t, true, seg(isn + 9, [], { fin: true })));
    expect(out.filter((e) => e.kind === 'syn').map((e) => e.direction)).toEqual(['client-to-server', 'server-to-client']);
    expect(dataOf(out)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(out.find((e) => e.kind === 'fin')?.direction).toBe('client-to-server');
    const s = t.statistics;
    expect([s.duplicateSegments, s.overlappingBytes, s.outOfOrderSegments]).toEqual([1, 1, 1]);
    expect(out[0]!.connection.rolesFromSyn).toBe(true);
  });

  it('reports a hole that is never filled as a gap and goes on after it', () => {
    const t = new TcpStreamTracker();
    push(t, true, seg(100, [], { syn: true, ack: false }));
    const a = push(t, true, seg(101, [1]));
    const b = push(t, true, seg(105, [5, 6]));
    expect(dataOf(b)).toEqual([]);
    const end = t.flush();
    expect(end.find((e) => e.kind === 'gap')).toMatchObject({ streamOffset: 1, missing: 3 });
    expect(dataOf([...a, ...end])).toEqual([1, 5, 6]);
  });

  it('bounds held data: beyond maxHeldBytes the hole becomes a gap at once', () => {
    const t = new TcpStreamTracker({ maxHeldBytes: 10 });
    push(t, true, seg(0, [0]));
    const out = push(t, true, seg(5, new Uint8Array(20)));
    expect(out.map((e) => e.kind)).toEqual(['gap', 'data']);
  });

  it('without a SYN, takes the server from the SDP port hint, then port 15118 or the non-ephemeral port, else the first sender is the client', () => {
    const hinted = new TcpStreamTracker({ serverPorts: new Set([50000]) });
    const e1 = push(hinted, true, seg(1, [1]));
    expect(e1[0]!.direction).toBe('server-to-client');
    expect(e1[0]!.connection.rolesFromSyn).toBe(false);
    // The charger (port 15118) speaks first: still the server.
    const plain = new TcpStreamTracker();
    expect(push(plain, false, seg(1, [1]))[0]!.direction).toBe('server-to-client');
    const a = { address: new Uint8Array(16).fill(3), port: 52000 };
    const b = { address: new Uint8Array(16).fill(4), port: 61851 };
    const c = { address: new Uint8Array(16).fill(5), port: 20000 };
    const ephemeral = new TcpStreamTracker();
    expect(ephemeral.push({ time: 1, frame: 1, source: c, destination: a, tcp: seg(1, [1]) })[0]!.direction).toBe('server-to-client');
    const neither = new TcpStreamTracker();
    expect(neither.push({ time: 1, frame: 1, source: b, destination: a, tcp: seg(1, [1]) })[0]!.direction).toBe('client-to-server');
  });

  it('a new SYN on a closed 4-tuple opens a new connection (port reuse)', () => {
    const t = new TcpStreamTracker();
    const a = push(t, true, seg(10, [], { syn: true, ack: false }));
    push(t, true, seg(11, [], { rst: true }));
    const b = push(t, true, seg(900, [], { syn: true, ack: false }));
    expect(a[0]!.connection.id).toBe(1);
    expect(b[0]!.connection.id).toBe(2);
  });

  it('property: any order and duplication of segments yields the original stream', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (stream, sizes, isn, shuffle) => {
          const segs: TcpSegment[] = [];
          let o = 0;
          for (let i = 0; o < stream.length; i++) {
            const n = sizes[i % sizes.length] as number;
            segs.push(seg(isn + 1 + o, stream.subarray(o, o + n)));
            o += n;
          }
          // Shuffle and duplicate (retransmissions), keeping the first segment first so the base is known.
          const order = segs.slice(1);
          for (const k of shuffle) {
            const i = k % Math.max(1, order.length);
            if (k % 3 === 0 && order[i]) order.push(order[i] as TcpSegment);
            else if (order.length > 1) order.push(...order.splice(i, 1));
          }
          const t = new TcpStreamTracker();
          const out = [...push(t, true, seg(isn, [], { syn: true, ack: false })), ...push(t, true, segs[0] as TcpSegment)];
          for (const s of order) out.push(...push(t, true, s));
          out.push(...t.flush());
          expect(out.some((e) => e.kind === 'gap')).toBe(false);
          expect(dataOf(out)).toEqual(Array.from(stream));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('TCP stream tracker: holes the peer acknowledged', () => {
  it('declares the gap when the receiver ACKs past it (sent, but not captured)', () => {
    const t = new TcpStreamTracker();
    push(t, true, seg(100, [], { syn: true, ack: false }));
    push(t, false, seg(500, [], { syn: true }));
    push(t, true, seg(101, [1, 2]));
    expect(dataOf(push(t, true, seg(106, [6, 7])))).toEqual([]);
    // The server acknowledges up to 108 (relative 7): bytes 3..5 reached it but not the capture.
    const ack = t.push({ time: 9, frame: 99, source: evse, destination: ev, tcp: { ...seg(501, []), acknowledgementNumber: 108 } });
    expect(ack.map((e) => e.kind)).toEqual(['gap', 'data']);
    expect(ack[0]).toMatchObject({ streamOffset: 2, missing: 3, direction: 'client-to-server', frame: 99 });
    expect(dataOf(ack)).toEqual([6, 7]);
  });

  it('does not declare a gap for data still in flight (ACK below the hole)', () => {
    const t = new TcpStreamTracker();
    push(t, true, seg(100, [], { syn: true, ack: false }));
    push(t, true, seg(101, [1, 2]));
    push(t, true, seg(106, [6, 7]));
    const ack = t.push({ time: 9, frame: 99, source: evse, destination: ev, tcp: { ...seg(501, []), acknowledgementNumber: 103 } });
    expect(ack).toEqual([]);
    expect(dataOf(push(t, true, seg(103, [3, 4, 5])))).toEqual([3, 4, 5, 6, 7]);
  });
});
