// modem-manager on SimulatedClock against a scripted modem: exact retry
// counts and timings, results 0/1 accepted, others refused, an AVLN that never
// forms (only our own modem answers) ending at TT_match_join.
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { modemManagerMachine, type ModemManagerInput } from '../../machines/modem-manager/index.js';
import type { HomePlugMessage, OutgoingMme } from '../../src/domain/slac/messages.js';
import { modemDefaults } from '../../src/domain/slac/timing.js';

const OWN = new Uint8Array([0, 0xb0, 0x52, 0, 0, 1]);
const REMOTE = new Uint8Array([0, 0xb0, 0x52, 0, 0, 2]);
const swVerCnf: HomePlugMessage = { type: 'VS_SW_VER.CNF', mstatus: 0, deviceId: 0x20, version: 'MAC-QCA7000-1.1.0.730-02-20140815-CS' };
const setKeyCnf = (result: number): HomePlugMessage => ({ type: 'CM_SET_KEY.CNF', result, myNonce: 0, yourNonce: 0, pid: 4, prn: 0, pmn: 0, ccoCapability: 0 });

/** A scripted modem: answers what `answer` returns, 1 ms later. */
function run(input: Partial<ModemManagerInput>, answer: (req: OutgoingMme, n: number) => { from: Uint8Array; msg: HomePlugMessage }[]) {
  const clock = new SimulatedClock();
  const sent: (OutgoingMme & { at: number })[] = [];
  const ref: { a?: ReturnType<typeof createActor<typeof modemManagerMachine>> } = {};
  const a = createActor(modemManagerMachine, {
    clock,
    input: {
      task: 'join',
      role: 'ev',
      nmk: new Uint8Array(16).fill(3),
      ...input,
      send: (o) => {
        sent.push({ ...o, at: clock.now() });
        for (const r of answer(o, sent.filter((s) => s.msg.type === o.msg.type).length)) clock.setTimeout(() => ref.a?.send({ type: 'MME', ...r }), 1);
      },
    },
  });
  ref.a = a;
  a.start();
  const step = (ms: number) => {
    for (let t = 0; t < ms; t++) clock.increment(1);
  };
  return { a, sent, step, clock };
}

describe('modem-manager', () => {
  it('no modem: VS_SW_VER.REQ 1 + retries times, discoveryWindow apart, then Failed', () => {
    const { a, sent, step } = run({ task: 'discover' }, () => []);
    step(modemDefaults.discoveryWindow * 3 + 1);
    expect(sent.map((s) => [s.msg.type, s.at])).toEqual([
      ['VS_SW_VER.REQ', 0],
      ['VS_SW_VER.REQ', 500],
      ['VS_SW_VER.REQ', 1000],
    ]);
    expect(a.getSnapshot().output).toMatchObject({ ok: false, state: 'Discovering' });
  });

  it('a modem that answers the 2nd discovery: found, firmware returned', () => {
    const { a, step } = run({ task: 'discover' }, (o, n) => (o.msg.type === 'VS_SW_VER.REQ' && n === 2 ? [{ from: OWN, msg: swVerCnf }] : []));
    step(1100);
    expect(a.getSnapshot().output).toMatchObject({ ok: true, firmware: 'MAC-QCA7000-1.1.0.730-02-20140815-CS' });
  });

  it('the discovery window ends at the modem\'s answer: done 1 ms after VS_SW_VER.REQ, not after discoveryWindow', () => {
    const { a, step, clock } = run({ task: 'discover' }, (o) => (o.msg.type === 'VS_SW_VER.REQ' ? [{ from: OWN, msg: swVerCnf }] : []));
    let doneAt = -1;
    a.subscribe((s) => {
      if (s.status === 'done' && doneAt < 0) doneAt = clock.now();
    });
    step(modemDefaults.discoveryWindow + 10);
    expect(a.getSnapshot().output).toMatchObject({ ok: true });
    expect(doneAt).toBe(1);
  });

  it('joining: the confirmation ends when the second modem answers (EV, minModems 2), not after the window', () => {
    const REMOTE_ANSWER_MS = 30;
    const { a, sent, step, clock } = run({}, (o) => {
      if (o.msg.type === 'VS_SW_VER.REQ') return [{ from: OWN, msg: swVerCnf }];
      if (o.msg.type === 'CM_SET_KEY.REQ') return [{ from: OWN, msg: setKeyCnf(0) }];
      return [];
    });
    // The remote modem answers the confirmation broadcast 30 ms late.
    let doneAt = -1;
    a.subscribe((s) => {
      if (s.status === 'done' && doneAt < 0) doneAt = clock.now();
    });
    step(2);
    step(modemDefaults.restartPause + 5);
    const confirm = sent.find((s) => s.at > modemDefaults.restartPause && s.dst.every((b) => b === 0xff));
    expect(confirm).toBeDefined();
    a.send({ type: 'MME', from: OWN, msg: swVerCnf });
    clock.setTimeout(() => a.send({ type: 'MME', from: REMOTE, msg: swVerCnf }), REMOTE_ANSWER_MS);
    step(modemDefaults.discoveryWindow);
    expect(a.getSnapshot().output).toMatchObject({ ok: true, modems: 2 });
    expect(doneAt - confirm!.at).toBeLessThan(REMOTE_ANSWER_MS + 10);
  });

  it('SET_KEY unanswered: CM_SET_KEY.REQ 1 + retries times, setKeyTimeout apart, then Failed', () => {
    const { a, sent, step } = run({}, (o) => (o.msg.type === 'VS_SW_VER.REQ' ? [{ from: OWN, msg: swVerCnf }] : []));
    step(1 + 1500 + 1);
    // Discovery ends at the modem's answer (1 ms), then setKeyTimeout apart.
    expect(sent.filter((s) => s.msg.type === 'CM_SET_KEY.REQ').map((s) => s.at)).toEqual([1, 501, 1001]);
    expect(a.getSnapshot().output).toMatchObject({ ok: false, failure: { code: 'MODEM_SET_KEY_TIMEOUT', retryable: true } });
  });

  for (const result of [0, 1]) {
    it(`CM_SET_KEY.CNF result ${result} is accepted (standard 0, QCA 1); two modems answer → joined`, () => {
      const { a, step } = run({}, (o) =>
        o.msg.type === 'CM_SET_KEY.REQ'
          ? [{ from: OWN, msg: setKeyCnf(result) }]
          : o.msg.type === 'VS_SW_VER.REQ'
            ? [{ from: OWN, msg: swVerCnf }, ...(o.dst[0] === 0xff ? [{ from: REMOTE, msg: swVerCnf }] : [])]
            : [],
      );
      step(500 + 1 + modemDefaults.restartPause + modemDefaults.discoveryWindow + 10);
      expect(a.getSnapshot().output).toMatchObject({ ok: true, modems: 2 });
    });
  }

  it('CM_SET_KEY.CNF result 2: refused', () => {
    const { a, step } = run({}, (o) => (o.msg.type === 'CM_SET_KEY.REQ' ? [{ from: OWN, msg: setKeyCnf(2) }] : o.msg.type === 'VS_SW_VER.REQ' ? [{ from: OWN, msg: swVerCnf }] : []));
    step(600);
    expect(a.getSnapshot().output).toMatchObject({ ok: false, failure: { code: 'MODEM_SET_KEY_REFUSED' } });
  });

  it('only our own modem ever answers (the EVSE is gone): Failed at TT_match_join after SET_KEY', () => {
    const { a, sent, step } = run({}, (o) => (o.msg.type === 'CM_SET_KEY.REQ' ? [{ from: OWN, msg: setKeyCnf(1) }] : o.msg.type === 'VS_SW_VER.REQ' ? [{ from: OWN, msg: swVerCnf }] : []));
    step(1 + modemDefaults.TT_match_join - 1);
    expect(a.getSnapshot().status, JSON.stringify(a.getSnapshot().output)).toBe('active');
    step(2);
    expect(a.getSnapshot().output).toMatchObject({ ok: false, state: 'Joining' });
    // It kept asking every confirmInterval + discoveryWindow while waiting.
    expect(sent.filter((s) => s.msg.type === 'VS_SW_VER.REQ' && s.dst[0] === 0xff).length).toBeGreaterThan(5);
  });
});
