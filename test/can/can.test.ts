import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MemoryCanBus } from '../../drivers/can/memory.js';
import { diagnoseCanInterface, errorFrameKinds, openSocketCan } from '../../drivers/can/socketcan.js';
import type { CanBusError, CanFrame } from '../../src/ports/can.js';

const frame = (id: number, ...bytes: number[]): CanFrame => ({ id, data: Uint8Array.from(bytes) });

describe('in-memory CAN bus', () => {
  it('delivers a frame to every other node, not to the sender', () => {
    const bus = new MemoryCanBus();
    const a = bus.node('a');
    const b = bus.node('b');
    const c = bus.node('c');
    const got: Record<string, number[]> = { a: [], b: [], c: [] };
    a.frames$.subscribe((f) => got.a?.push(f.id));
    b.frames$.subscribe((f) => got.b?.push(f.id));
    c.frames$.subscribe((f) => got.c?.push(f.id));
    expect(a.send(frame(0x108, 1, 2)).ok).toBe(true);
    expect(got).toEqual({ a: [], b: [0x108], c: [0x108] });
  });

  it('applies id/mask filters', () => {
    const bus = new MemoryCanBus();
    const a = bus.node('a');
    const b = bus.node('b');
    b.setFilters([{ id: 0x100, mask: 0x7f8 }]);
    const ids: number[] = [];
    b.frames$.subscribe((f) => ids.push(f.id));
    for (const id of [0x100, 0x102, 0x108, 0x200, 0x107]) a.send(frame(id));
    expect(ids).toEqual([0x100, 0x102, 0x107]);
  });

  it('rejects a 29-bit id and a DLC above 8 with typed errors', () => {
    const a = new MemoryCanBus().node('a');
    const r1 = a.send({ id: 0x800, data: new Uint8Array(1) });
    const r2 = a.send({ id: 0x100, data: new Uint8Array(9) });
    expect(r1.ok ? '' : r1.error.code).toBe('BAD_ID');
    expect(r2.ok ? '' : r2.error.code).toBe('BAD_DLC');
  });

  it('delays delivery on the bus clock', () => {
    const clock = new SimulatedClock();
    const bus = new MemoryCanBus({ scheduler: clock, delayMs: 3 });
    const a = bus.node('a');
    const b = bus.node('b');
    const at: number[] = [];
    b.frames$.subscribe((f) => at.push(f.timestamp ?? -1));
    a.send(frame(0x109));
    expect(at).toEqual([]);
    clock.increment(3);
    expect(at).toEqual([3]);
  });

  it('loses the configured fraction of frames, reproducibly for a seed', () => {
    const run = () => {
      const bus = new MemoryCanBus({ lossRate: 0.2, seed: 42 });
      const a = bus.node('a');
      const b = bus.node('b');
      let n = 0;
      b.frames$.subscribe(() => (n += 1));
      for (let i = 0; i < 1000; i++) a.send(frame(0x102, i & 0xff));
      return n;
    };
    const n = run();
    expect(n).toBeGreaterThan(720);
    expect(n).toBeLessThan(880);
    expect(run()).toBe(n);
  });

  it('bus-off: the node reports it, cannot send, receives nothing until restarted', () => {
    const bus = new MemoryCanBus();
    const a = bus.node('a');
    const b = bus.node('b');
    const errors: CanBusError[] = [];
    const rx: number[] = [];
    a.errors$.subscribe((e) => errors.push(e));
    a.frames$.subscribe((f) => rx.push(f.id));
    bus.injectBusOff('a');
    const r = a.send(frame(0x108));
    expect(r.ok ? '' : r.error.code).toBe('BUS_OFF');
    b.send(frame(0x102));
    expect(rx).toEqual([]);
    bus.restart('a');
    b.send(frame(0x102));
    expect(rx).toEqual([0x102]);
    expect(errors.map((e) => e.kind)).toEqual(['bus-off', 'restarted']);
  });
});

describe('SocketCAN driver', () => {
  it('opening a missing can0 gives a typed error that tells the user how to bring it up', async () => {
    const r = await openSocketCan('can0', 500_000);
    if (r.ok) {
      await r.value.close();
      throw new Error('can0 opened: this test expects a machine without can0');
    }
    expect(['NO_AF_CAN', 'NO_SUCH_INTERFACE']).toContain(r.error.code);
    expect(r.error.ifname).toBe('can0');
    expect(r.error.message).toContain('ip link set can0 up type can bitrate 500000');
  });

  it('names the missing AF_CAN support when the kernel has none', () => {
    const e = diagnoseCanInterface('can7', 250_000, false);
    expect(e?.code).toBe('NO_AF_CAN');
    expect(e?.message).toContain('modprobe can-raw');
    expect(e?.message).toContain('ip link set can7 up type can bitrate 250000');
  });

  it('maps SocketCAN error frames to error kinds (linux/can/error.h)', () => {
    expect(errorFrameKinds(0x040, new Uint8Array(8))).toEqual(['bus-off']);
    expect(errorFrameKinds(0x100, new Uint8Array(8))).toEqual(['restarted']);
    expect(errorFrameKinds(0x004, Uint8Array.of(0, 0x20, 0, 0, 0, 0, 0, 0))).toEqual(['error-passive']);
    expect(errorFrameKinds(0x004, Uint8Array.of(0, 0x08, 0, 0, 0, 0, 0, 0))).toEqual(['warning']);
    expect(errorFrameKinds(0x020, new Uint8Array(8))).toEqual(['no-ack']);
  });
});
