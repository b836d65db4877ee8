// MemorySegment: the in-memory wire's delivery rules, padding, delay, seeded
// loss and promiscuous mode, on a SimulatedClock (no real time involved).
import { describe, it, expect } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MemorySegment } from '../../drivers/ethernet/memory.js';
import type { EthernetFrame } from '../../src/ports/ethernet.js';
import { parseMac } from '../../src/bytes.js';

/** A clock driven by the test: advance() moves virtual time and runs what is due. */
function manualScheduler() {
  const clock = new SimulatedClock();
  clock.set(1000);
  // 1 ms steps: SimulatedClock.increment(n) runs what is due only at the end of the jump, so a frame
  // due at 1015 would carry the timestamp 1020.
  const advance = (ms: number): void => {
    clock.increment(0);
    for (let i = 0; i < ms; i++) clock.increment(1);
  };
  return { clock, advance };
}

const BCAST = 'ff:ff:ff:ff:ff:ff';
function frame(dst: string, src: string, etherType = 0x88e1, payload = 3): Uint8Array {
  const f = new Uint8Array(14 + payload);
  f.set(parseMac(dst)!, 0);
  f.set(parseMac(src)!, 6);
  f[12] = etherType >> 8;
  f[13] = etherType & 0xff;
  return f;
}

function station(seg: MemorySegment, name: string, mac: string, etherTypes?: number[]) {
  const port = seg.attach(name, mac, etherTypes ? { etherTypes } : {});
  const got: EthernetFrame[] = [];
  port.frames$.subscribe((f) => got.push(f));
  return { port, got };
}

const EV = '02:00:00:00:00:01';
const EVSE = '02:00:00:00:00:02';
const SNIFFER = '02:00:00:00:00:03';

describe('MemorySegment', () => {
  it('broadcast and multicast reach every other port, never the sender; delivery is asynchronous', () => {
    const sched = manualScheduler();
    const seg = new MemorySegment({ clock: sched.clock, zeroDelay: 'clock' });
    const ev = station(seg, 'ev', EV);
    const evse = station(seg, 'evse', EVSE);
    const sn = station(seg, 'sniffer', SNIFFER);
    ev.port.send(frame(BCAST, EV));
    ev.port.send(frame('33:33:00:00:00:01', EV));
    expect(evse.got).toHaveLength(0); // not inside send()
    sched.advance(0);
    expect(evse.got.map((f) => f.packetType)).toEqual(['broadcast', 'multicast']);
    expect(sn.got.map((f) => f.packetType)).toEqual(['broadcast', 'multicast']);
    expect(ev.got).toHaveLength(0);
  });

  it('unicast reaches only the addressee; a foreign MAC only promiscuous ports, as otherhost', () => {
    const sched = manualScheduler();
    const seg = new MemorySegment({ clock: sched.clock, zeroDelay: 'clock' });
    const ev = station(seg, 'ev', EV);
    const evse = station(seg, 'evse', EVSE);
    const sn = station(seg, 'sniffer', SNIFFER);
    ev.port.send(frame(EVSE, EV));
    ev.port.send(frame('02:00:00:00:00:99', EV));
    sched.advance(0);
    expect(evse.got.map((f) => f.packetType)).toEqual(['host']);
    expect(sn.got).toHaveLength(0);

    sn.port.setPromiscuous(true);
    expect(sn.port.promiscuous).toBe(true);
    ev.port.send(frame(EVSE, EV));
    sched.advance(0);
    expect(sn.got.map((f) => f.packetType)).toEqual(['otherhost']);
    sn.port.setPromiscuous(false);
    ev.port.send(frame(EVSE, EV));
    sched.advance(0);
    expect(sn.got).toHaveLength(1);
  });

  it('pads to 60 bytes, copies the frame, rejects runts and oversize frames, filters EtherTypes', () => {
    const sched = manualScheduler();
    const seg = new MemorySegment({ clock: sched.clock, zeroDelay: 'clock' });
    const ev = station(seg, 'ev', EV);
    const evse = station(seg, 'evse', EVSE, [0x88e1]);
    const f = frame(EVSE, EV, 0x88e1, 3);
    ev.port.send(f);
    f[14] = 0xaa; // the caller reuses its buffer
    ev.port.send(frame(EVSE, EV, 0x86dd, 3)); // not an EtherType of evse
    ev.port.send(new Uint8Array(10));
    ev.port.send(new Uint8Array(1515));
    sched.advance(0);
    expect(evse.got).toHaveLength(1);
    expect(evse.got[0]!.data.length).toBe(60);
    expect(evse.got[0]!.data[14]).toBe(0);
    expect(seg.stats()).toMatchObject({ sent: 2, rejected: 2, delivered: 1 });
  });

  it("tap$ shows a port's own frames as 'outgoing' at send time and its received frames, in order, all EtherTypes; frames$ stays as before", () => {
    const sched = manualScheduler();
    const seg = new MemorySegment({ clock: sched.clock, zeroDelay: 'clock', delayMs: 5 });
    const ev = station(seg, 'ev', EV, [0x88e1]);
    const evse = station(seg, 'evse', EVSE);
    const tapped: EthernetFrame[] = [];
    ev.port.tap$.subscribe((f) => tapped.push(f));
    ev.port.send(frame(EVSE, EV)); // t=1000, arrives at the EVSE at 1005
    sched.advance(10);
    evse.port.send(frame(EV, EVSE)); // t=1010 → EV at 1015
    evse.port.send(frame(BCAST, EVSE, 0x86dd)); // IPv6: not for the EV's 0x88E1 port, but on its wire
    sched.advance(10);
    ev.port.send(frame(BCAST, EV)); // t=1020
    sched.advance(10);
    expect(tapped.map((f) => `${f.packetType}@${f.timestamp}`)).toEqual(['outgoing@1000', 'host@1015', 'broadcast@1015', 'outgoing@1020']);
    expect(tapped[2]!.data[12]).toBe(0x86);
    // The protocol port: no own frames, its EtherType filter holds.
    expect(ev.got.map((f) => f.packetType)).toEqual(['host']);
    expect(evse.got.map((f) => f.packetType)).toEqual(['host', 'broadcast']);
  });

  it('delays delivery by delayMs and timestamps at delivery', () => {
    const sched = manualScheduler();
    const seg = new MemorySegment({ clock: sched.clock, zeroDelay: 'clock', delayMs: 5 });
    const ev = station(seg, 'ev', EV);
    const evse = station(seg, 'evse', EVSE);
    ev.port.send(frame(BCAST, EV));
    sched.advance(4);
    expect(evse.got).toHaveLength(0);
    sched.advance(1);
    expect(evse.got).toHaveLength(1);
    expect(evse.got[0]!.timestamp).toBe(1005);
  });

  it('loses deliveries with the configured probability, reproducibly for a seed', () => {
    const run = (seed: number) => {
      const sched = manualScheduler();
      const seg = new MemorySegment({ clock: sched.clock, zeroDelay: 'clock', loss: 0.3, seed });
      const ev = station(seg, 'ev', EV);
      const evse = station(seg, 'evse', EVSE);
      for (let i = 0; i < 1000; i++) {
        const f = frame(BCAST, EV, 0x88e1, 4);
        f[14] = i >> 8;
        f[15] = i & 0xff;
        ev.port.send(f);
      }
      sched.advance(0);
      return evse.got.map((g) => ((g.data[14] as number) << 8) | (g.data[15] as number));
    };
    const a = run(7);
    expect(a.length).toBeGreaterThan(620);
    expect(a.length).toBeLessThan(780);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
  });

  it('close() detaches the port, completes frames$, drops frames in flight; names can be reused', () => {
    const sched = manualScheduler();
    const seg = new MemorySegment({ clock: sched.clock, zeroDelay: 'clock', delayMs: 1 });
    const ev = station(seg, 'ev', EV);
    const evse = station(seg, 'evse', EVSE);
    let completed = false;
    evse.port.frames$.subscribe({ complete: () => (completed = true) });
    ev.port.send(frame(BCAST, EV));
    evse.port.close();
    evse.port.close();
    sched.advance(5);
    expect(completed).toBe(true);
    expect(evse.got).toHaveLength(0);
    expect(seg.portNames).toEqual(['ev']);
    expect(() => seg.attach('ev', EVSE)).toThrow(RangeError);
    expect(() => seg.attach('x', '02:00')).toThrow(RangeError);
    const again = station(seg, 'evse', EVSE);
    ev.port.send(frame(BCAST, EV));
    sched.advance(5);
    expect(again.got).toHaveLength(1);
  });

  it('works on the default scheduler (microtask) and reports every transmission on wire$', async () => {
    const seg = new MemorySegment();
    const ev = station(seg, 'ev', EV);
    const evse = station(seg, 'evse', EVSE);
    const wire: string[] = [];
    seg.wire$.subscribe((w) => wire.push(w.from));
    ev.port.send(frame(BCAST, EV));
    evse.port.send(frame(EV, EVSE));
    await Promise.resolve();
    await Promise.resolve();
    expect(evse.got).toHaveLength(1);
    expect(ev.got).toHaveLength(1);
    expect(wire).toEqual(['ev', 'evse']);
    expect(() => seg.setConditions({ loss: 2 })).toThrow(RangeError);
  });
});
