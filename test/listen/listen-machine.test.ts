// listen machine on SimulatedClock: joining with a captured key, a modem
// that refuses it, a modem that never answers.
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { listenMachine, type ListenOutput } from '../../machines/listen/index.js';
import type { HomePlugMessage, OutgoingMme } from '../../src/domain/slac/messages.js';

const EV = new Uint8Array([2, 0, 0, 0, 0, 1]);
const EVSE = new Uint8Array([2, 0, 0, 0, 0, 2]);
const MODEM = new Uint8Array([0, 0xb0, 0x52, 0, 0, 9]);
const matchCnf: HomePlugMessage = {
  type: 'CM_SLAC_MATCH.CNF',
  applicationType: 0,
  securityType: 0,
  pevId: new Uint8Array(17),
  pevMac: EV,
  evseMac: EVSE,
  evseId: new Uint8Array(17),
  runId: new Uint8Array(8),
  nid: new Uint8Array([1, 2, 3, 4, 5, 6, 7]),
  nmk: new Uint8Array(16).fill(5),
};
const setKeyCnf = (result: number): HomePlugMessage => ({ type: 'CM_SET_KEY.CNF', result, myNonce: 0, yourNonce: 0, pid: 4, prn: 0, pmn: 0, ccoCapability: 0 });

function start() {
  const clock = new SimulatedClock();
  const sent: OutgoingMme[] = [];
  const a = createActor(listenMachine, { clock, input: { join: true, send: (o) => sent.push(o), clock } }).start();
  a.send({ type: 'MME', msg: matchCnf, from: EVSE, to: EV });
  return { clock, sent, a };
}

describe('listen machine', () => {
  it('captures the key and joins when the modem accepts it (result 1, QCA)', () => {
    const { sent, a } = start();
    expect(sent.map((s) => s.msg.type)).toEqual(['CM_SET_KEY.REQ']);
    a.send({ type: 'MME', msg: setKeyCnf(1), from: MODEM });
    a.send({ type: 'STOP' });
    expect(a.getSnapshot().output).toMatchObject({ joined: true, keys: [{ evMac: '02:00:00:00:00:01', evseMac: '02:00:00:00:00:02' }] });
  });

  it('a modem that refuses the key: not joined, keeps listening', () => {
    const { a } = start();
    a.send({ type: 'MME', msg: setKeyCnf(2), from: MODEM });
    expect(a.getSnapshot().value).toBe('Listening');
    a.send({ type: 'STOP' });
    expect((a.getSnapshot().output as ListenOutput).joined).toBe(false);
  });

  it('a silent modem: CM_SET_KEY.REQ sent 3 times, setKeyTimeout apart, then back to listening', () => {
    const { clock, sent, a } = start();
    // Step by step: SimulatedClock fires a timer set during a flush only on a later increment.
    for (let t = 0; t < 1499; t++) clock.increment(1);
    expect(sent).toHaveLength(3);
    expect(a.getSnapshot().value).toBe('Joining');
    clock.increment(1);
    expect(a.getSnapshot().value).toBe('Listening');
    a.send({ type: 'STOP' });
    expect((a.getSnapshot().output as ListenOutput).joined).toBe(false);
  });
});
