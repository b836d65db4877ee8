// Bad input never crashes the link layer: random bytes into the bridge and the
// emulator, random (well-typed but wrong) messages into every machine. Each
// ends in a defined state and keeps working.
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, type AnyActorRef } from 'xstate';
import { listenMachine } from '../../machines/listen/index.js';
import { modemManagerMachine } from '../../machines/modem-manager/index.js';
import { slacEvMachine } from '../../machines/slac-ev/index.js';
import { slacEvseMachine } from '../../machines/slac-evse/index.js';
import { ModemSim } from '../../drivers/modem-sim/index.js';
import type { EthernetFrame, EthernetPort } from '../../src/ports/ethernet.js';
import { bridgePort } from '../../src/domain/slac/bridge.js';
import type { HomePlugMessage, MmeEvent } from '../../src/domain/slac/messages.js';

function fakePort(mac: Uint8Array): EthernetPort & { inject(d: Uint8Array): void; sent: Uint8Array[] } {
  const frames = new Subject<EthernetFrame>();
  const sent: Uint8Array[] = [];
  return {
    name: 'fake',
    mac,
    frames$: frames.asObservable(),
    send: (f) => void sent.push(f),
    setPromiscuous: () => {},
    close: () => frames.complete(),
    inject: (d) => frames.next({ data: d, timestamp: 0, packetType: 'host' }),
    sent,
  };
}

/** HomePlug-looking frames: a valid envelope with a SLAC or modem MMTYPE, then random bytes. */
const hpFrame = fc
  .tuple(
    fc.constantFrom(0x6064, 0x6065, 0x606a, 0x6076, 0x6086, 0x606e, 0x606f, 0x6078, 0x6079, 0x607c, 0x607d, 0x6008, 0x6009, 0x600c, 0x600d, 0xa000, 0xa001, 0xa0b8, 0xa01c),
    fc.uint8Array({ minLength: 0, maxLength: 140 }),
    fc.boolean(),
  )
  .map(([mmtype, tail, bcast]) => {
    const f = new Uint8Array(17 + tail.length);
    f.fill(bcast ? 0xff : 0x02, 0, 6);
    f.set([0x02, 0, 0, 0, 0, 0x77], 6);
    f[12] = 0x88;
    f[13] = 0xe1;
    f[14] = mmtype >= 0xa000 ? 0 : 1;
    f[15] = mmtype & 0xff;
    f[16] = mmtype >> 8;
    f.set(tail, 17);
    return f;
  });
const anyFrame = fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 200 }), hpFrame);

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
/** Well-typed SLAC messages with random field values (wrong RunIDs, MACs, results, lengths). */
const anyMessage: fc.Arbitrary<HomePlugMessage> = fc.oneof(
  fc.record({ type: fc.constant('CM_SLAC_PARM.REQ' as const), applicationType: fc.nat(2), securityType: fc.nat(2), runId: bytes(8) }),
  fc.record({ type: fc.constant('CM_SLAC_PARM.CNF' as const), msoundTarget: bytes(6), numSounds: fc.nat(255), timeOut: fc.nat(255), respType: fc.nat(2), forwardingSta: bytes(6), applicationType: fc.nat(1), securityType: fc.nat(1), runId: bytes(8) }),
  fc.record({ type: fc.constant('CM_START_ATTEN_CHAR.IND' as const), applicationType: fc.nat(1), securityType: fc.nat(1), numSounds: fc.nat(20), timeOut: fc.nat(20), respType: fc.nat(2), forwardingSta: bytes(6), runId: bytes(8) }),
  fc.record({ type: fc.constant('CM_MNBC_SOUND.IND' as const), applicationType: fc.nat(1), securityType: fc.nat(1), senderId: bytes(17), cnt: fc.nat(12), runId: bytes(8), rnd: bytes(16) }),
  fc.record({ type: fc.constant('CM_ATTEN_PROFILE.IND' as const), pevMac: bytes(6), aag: fc.uint8Array({ maxLength: 80 }) }),
  fc.record({ type: fc.constant('CM_ATTEN_CHAR.IND' as const), applicationType: fc.nat(1), securityType: fc.nat(1), sourceAddress: bytes(6), runId: bytes(8), sourceId: bytes(17), respId: bytes(17), numSounds: fc.nat(20), aag: fc.uint8Array({ maxLength: 80 }) }),
  fc.record({ type: fc.constant('CM_ATTEN_CHAR.RSP' as const), applicationType: fc.nat(1), securityType: fc.nat(1), sourceAddress: bytes(6), runId: bytes(8), sourceId: bytes(17), respId: bytes(17), result: fc.nat(3) }),
  fc.record({ type: fc.constant('CM_VALIDATE.REQ' as const), signalType: fc.nat(2), timer: fc.nat(40), result: fc.nat(5) }),
  fc.record({ type: fc.constant('CM_VALIDATE.CNF' as const), signalType: fc.nat(2), toggleNum: fc.nat(5), result: fc.nat(5) }),
  fc.record({ type: fc.constant('CM_SLAC_MATCH.REQ' as const), applicationType: fc.nat(1), securityType: fc.nat(1), pevId: bytes(17), pevMac: bytes(6), evseId: bytes(17), evseMac: bytes(6), runId: bytes(8) }),
  fc.record({ type: fc.constant('CM_SLAC_MATCH.CNF' as const), applicationType: fc.nat(1), securityType: fc.nat(1), pevId: bytes(17), pevMac: bytes(6), evseId: bytes(17), evseMac: bytes(6), runId: bytes(8), nid: bytes(7), nmk: bytes(16) }),
  fc.record({ type: fc.constant('CM_SET_KEY.CNF' as const), result: fc.nat(3), myNonce: fc.nat(), yourNonce: fc.nat(), pid: fc.nat(5), prn: fc.nat(), pmn: fc.nat(255), ccoCapability: fc.nat(3) }),
  fc.record({ type: fc.constant('VS_SW_VER.CNF' as const), mstatus: fc.nat(2), deviceId: fc.nat(255), version: fc.string() }),
  fc.record({ type: fc.constant('VS_PL_LINK_STATUS.CNF' as const), mstatus: fc.nat(2), linkStatus: fc.nat(2) }),
);
const anyEvent = fc.record({ msg: anyMessage, from: bytes(6), gap: fc.nat(700) });

describe('robustness', () => {
  it('random frames into bridgePort: counted as malformed or delivered, never thrown', () => {
    fc.assert(
      fc.property(fc.array(anyFrame, { maxLength: 30 }), (frames) => {
        const port = fakePort(new Uint8Array([2, 0, 0, 0, 0, 1]));
        const got: MmeEvent[] = [];
        const b = bridgePort(port, { send: (e) => void got.push(e) });
        for (const f of frames) port.inject(f);
        const s = b.stats();
        expect(s.received).toBe(frames.length);
        expect(s.malformed + s.delivered + s.ignored).toBeLessThanOrEqual(frames.length);
        b.close();
      }),
      { numRuns: 300 },
    );
  });

  it('random frames into the modem emulator: no exception, and a valid exchange still works afterwards', () => {
    fc.assert(
      fc.property(fc.array(anyFrame, { maxLength: 30 }), (frames) => {
        const sim = new ModemSim({ clock: new SimulatedClock() });
        const a = fakePort(new Uint8Array([0, 0xb0, 0x52, 0, 0, 0xa]));
        const b = fakePort(new Uint8Array([0, 0xb0, 0x52, 0, 0, 0xb]));
        sim.addStation(a, { name: 'a' });
        sim.addStation(b, { name: 'b' });
        for (const f of frames) a.inject(f);
        // A well-formed VS_SW_VER.REQ to the local modem is still answered.
        const req = new Uint8Array(60);
        req.set([0x00, 0xb0, 0x52, 0, 0, 1, 2, 0, 0, 0, 0, 9, 0x88, 0xe1, 0x00, 0x00, 0xa0, 0x00, 0xb0, 0x52]);
        const before = a.sent.length;
        a.inject(req);
        expect(a.sent.length).toBeGreaterThan(before);
        sim.close();
      }),
      { numRuns: 200 },
    );
  });

  it('random messages at random times into every machine: no exception, a defined snapshot, a final state after STOP', () => {
    const machines = [
      (clock: SimulatedClock) => createActor(slacEvMachine, { clock, input: { mac: new Uint8Array(6), send: () => {} } }),
      (clock: SimulatedClock) => createActor(slacEvseMachine, { clock, input: { mac: new Uint8Array(6), nid: new Uint8Array(7), nmk: new Uint8Array(16), send: () => {} } }),
      (clock: SimulatedClock) => createActor(modemManagerMachine, { clock, input: { task: 'join', role: 'ev', nmk: new Uint8Array(16), send: () => {} } }),
      (clock: SimulatedClock) => createActor(listenMachine, { clock, input: { join: true, send: () => {}, clock } }),
    ];
    for (const make of machines) {
      fc.assert(
        fc.property(fc.array(anyEvent, { maxLength: 25 }), (events) => {
          const clock = new SimulatedClock();
          const a: AnyActorRef = make(clock);
          const errors: unknown[] = [];
          a.subscribe({ error: (e) => errors.push(e) });
          a.start();
          for (const e of events) {
            clock.increment(e.gap);
            a.send({ type: 'MME', msg: e.msg, from: e.from });
          }
          a.send({ type: 'STOP' });
          expect(errors).toEqual([]);
          expect(a.getSnapshot().status).toBe('done');
        }),
        { numRuns: 150 },
      );
    }
  });
});
