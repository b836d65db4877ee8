// EV ⇄ EVSE SLAC in one process: machines → bridge → in-memory cables →
// modem emulator → ... on one SimulatedClock; then the modems join the AVLN
// and the emulator's forwarding rules are checked with a third station.
import { describe, expect, it } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { modemManagerMachine } from '../../machines/modem-manager/index.js';
import { slacEvMachine } from '../../machines/slac-ev/index.js';
import { slacEvseMachine } from '../../machines/slac-evse/index.js';
import { bytesEqual } from '../../src/bytes.js';
import { nidFromNmk } from '../../src/codecs/homeplug/keys.js';
import { Desk, createActor } from './desk.js';

const EV = new Uint8Array([0x02, 0xee, 0x00, 0x00, 0x00, 0x01]);
const EVSE = new Uint8Array([0x02, 0xee, 0x00, 0x00, 0x00, 0x02]);
const SNIFFER = new Uint8Array([0x02, 0xee, 0x00, 0x00, 0x00, 0x03]);
const fastModem = { timings: { restartPause: 300, confirmInterval: 200, discoveryWindow: 100 } };

/** Runs the modem manager on a port until done and returns its output. */
function modem(desk: Desk, port: ReturnType<Desk['host']>, name: string, input: Record<string, unknown>) {
  const ref: { a?: AnyActorRef } = {};
  const b = desk.bridge(port, () => ref.a);
  const a = createActor(modemManagerMachine, { clock: desk.clock, input: { send: b.send, report: desk.reporter(name), ...fastModem, ...input } as never });
  ref.a = a;
  a.start();
  desk.runUntil(() => a.getSnapshot().status === 'done', 20_000);
  b.close();
  return a.getSnapshot().output as { ok: boolean; nmk?: Uint8Array; nid?: Uint8Array; modems?: number; firmware?: string; reason?: string };
}

function ipv6Frame(dst: Uint8Array, src: Uint8Array, tag: number): Uint8Array {
  const f = new Uint8Array(60);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x86;
  f[13] = 0xdd;
  f[14] = 0x60;
  f[59] = tag;
  return f;
}

describe('EV ⇄ modem-sim ⇄ EVSE in one process', () => {
  it('EVSE sets a random NMK, SLAC matches, the EV joins, the AVLN forms, a sniffer sees what real ones see', () => {
    const desk = new Desk();
    const evPort = desk.host('ev', EV, { attenuation: 25, restartDelayMs: 1000 });
    const evsePort = desk.host('evse', EVSE, { attenuation: 14, restartDelayMs: 1000 });
    const sniffPort = desk.host('sniffer', SNIFFER, { attenuation: 40 });

    // EVSE: random NMK into its modem (checkpoint 1).
    const evseKey = modem(desk, evsePort, 'evse', { task: 'join', role: 'evse' });
    expect(evseKey.ok).toBe(true);
    expect(evseKey.nid && evseKey.nmk && bytesEqual(evseKey.nid, nidFromNmk(evseKey.nmk))).toBe(true);
    expect(evseKey.firmware).toMatch(/QCA7000/);

    // Before the match: the EV's modem is alone.
    const evAlone = modem(desk, evPort, 'ev', { task: 'discover', role: 'ev' });
    expect(evAlone).toMatchObject({ ok: true, modems: 0 });

    const ref: { ev?: AnyActorRef; evse?: AnyActorRef } = {};
    const evBridge = desk.bridge(evPort, () => ref.ev);
    const evseBridge = desk.bridge(evsePort, () => ref.evse);
    ref.evse = createActor(slacEvseMachine, { clock: desk.clock, input: { mac: EVSE, nid: evseKey.nid!, nmk: evseKey.nmk!, send: evseBridge.send, report: desk.reporter('evse') } }).start();
    const t0 = desk.clock.now();
    const ev = createActor(slacEvMachine, { clock: desk.clock, input: { mac: EV, send: evBridge.send, report: desk.reporter('ev') } });
    ref.ev = ev;
    ev.start();
    desk.runUntil(() => ev.getSnapshot().status === 'done', 5000);
    const matchedAfter = desk.clock.now() - t0;
    const out = ev.getSnapshot().output as { ok: true; nmk: Uint8Array; nid: Uint8Array; evseMac: Uint8Array; attenuation: number };
    expect(out.ok).toBe(true);
    expect(bytesEqual(out.nmk, evseKey.nmk!)).toBe(true);
    expect(bytesEqual(out.evseMac, EVSE)).toBe(true);
    // The EVSE's modem measured 14 dB on every sound (CM_ATTEN_PROFILE.IND ×10).
    expect(out.attenuation).toBe(14);
    expect(desk.simEvents.filter((e) => e.kind === 'profile' && e.station === 'evse').length).toBe(10);
    // Default ISO timings: TT_EV_atten_results (1200) after the first START_ATTEN dominates.
    expect(matchedAfter).toBeGreaterThan(1200);
    expect(matchedAfter).toBeLessThan(1400);
    evBridge.close();
    evseBridge.close();

    // The sniffer (not joined) heard the SLAC broadcasts only: not the unicast CM_SLAC_MATCH.CNF.
    const sniffed = () => desk.hosts.get('sniffer')!.received;
    expect(sniffed().some((f) => f.data[15] === 0x64 && f.data[16] === 0x60)).toBe(true); // CM_SLAC_PARM.REQ
    expect(sniffed().some((f) => f.data[15] === 0x7d && f.data[16] === 0x60)).toBe(false); // CM_SLAC_MATCH.CNF

    // EV joins with the received key (170/180/190): two modems answer.
    const evJoin = modem(desk, evPort, 'ev', { task: 'join', role: 'ev', nmk: out.nmk, nid: out.nid });
    expect(evJoin).toMatchObject({ ok: true, modems: 2 });
    expect(desk.status.filter((u) => u.host === 'ev' && u.layer === 'modem' && u.checkpoint).map((u) => u.checkpoint)).toEqual([170, 180, 190]);

    // Data now crosses between EV and EVSE; the sniffer (not joined) sees none of it.
    const before = sniffed().length;
    evPort.send(ipv6Frame(new Uint8Array([0x33, 0x33, 0, 0, 0, 1]), EV, 1));
    evPort.send(ipv6Frame(EVSE, EV, 2));
    desk.run(5);
    const evseGot = desk.hosts.get('evse')!.received.filter((f) => f.data[12] === 0x86).map((f) => f.data[59]);
    expect(evseGot).toEqual([1, 2]);
    expect(sniffed().length).toBe(before);

    // The sniffer joins with the sniffed... key (here: given): it sees broadcasts, not the unicast.
    const sniffJoin = modem(desk, sniffPort, 'sniffer', { task: 'join', role: 'ev', nmk: out.nmk, nid: out.nid, minModems: 3 });
    expect(sniffJoin).toMatchObject({ ok: true, modems: 3 });
    evPort.send(ipv6Frame(new Uint8Array([0x33, 0x33, 0, 0, 0, 1]), EV, 3));
    evsePort.send(ipv6Frame(EV, EVSE, 4));
    desk.run(5);
    expect(sniffed().filter((f) => f.data[12] === 0x86).map((f) => f.data[59])).toEqual([3]);
    expect(desk.hosts.get('ev')!.received.filter((f) => f.data[12] === 0x86).map((f) => f.data[59])).toEqual([4]);
  });

  it('an AR7420-like EVSE modem sends no CM_ATTEN_PROFILE.IND: the EVSE falls back to synthetic values and the match still succeeds', () => {
    const desk = new Desk();
    const evPort = desk.host('ev', EV);
    const evsePort = desk.host('evse', EVSE, { attenuation: null });
    const ref: { ev?: AnyActorRef; evse?: AnyActorRef } = {};
    const eb = desk.bridge(evPort, () => ref.ev);
    const sb = desk.bridge(evsePort, () => ref.evse);
    const nmk = new Uint8Array(16).fill(7);
    const evse = createActor(slacEvseMachine, { clock: desk.clock, input: { mac: EVSE, nid: nidFromNmk(nmk), nmk, send: sb.send } });
    const ev = createActor(slacEvMachine, { clock: desk.clock, input: { mac: EV, send: eb.send } });
    ref.evse = evse.start();
    ref.ev = ev.start();
    desk.runUntil(() => ev.getSnapshot().status === 'done' && evse.getSnapshot().status === 'done', 5000);
    expect(ev.getSnapshot().output).toMatchObject({ ok: true });
    expect(evse.getSnapshot().output).toMatchObject({ ok: true, measured: false });
    expect(desk.simEvents.some((e) => e.kind === 'profile')).toBe(false);
  });

  it('SET_KEY refused by the modem → MODEM_SET_KEY_REFUSED; a modem that never comes back → MODEM_NO_AVLN within TT_match_join; no CNF → MODEM_SET_KEY_TIMEOUT; no modem → MODEM_NOT_FOUND', () => {
    const desk = new Desk();
    const refused = desk.host('a', EV, { setKeyResult: 2 });
    expect(modem(desk, refused, 'a', { task: 'join', role: 'evse' })).toMatchObject({ ok: false, state: 'SettingKey', failure: { code: 'MODEM_SET_KEY_REFUSED' } });
    const dead = desk.host('b', EVSE, { comesBack: false });
    const t0 = desk.clock.now();
    expect(modem(desk, dead, 'b', { task: 'join', role: 'evse', timings: { ...fastModem.timings, TT_match_join: 4000 } })).toMatchObject({ ok: false, state: 'Joining', failure: { code: 'MODEM_NO_AVLN' } });
    expect(desk.clock.now() - t0).toBeGreaterThanOrEqual(4000);
    const silent = desk.host('c', SNIFFER, { answerSetKey: false });
    expect(modem(desk, silent, 'c', { task: 'join', role: 'evse' })).toMatchObject({ ok: false, failure: { code: 'MODEM_SET_KEY_TIMEOUT' } });
    desk.sim.setUp('c', false);
    expect(modem(desk, silent, 'c', { task: 'discover', role: 'evse' })).toMatchObject({ ok: false, failure: { code: 'MODEM_NOT_FOUND' } });
  });

  it('VS_PL_LINK_STATUS and CM_GET_KEY confirm the network too; VS_RS_DEV restarts the modem', () => {
    const desk = new Desk();
    const a = desk.host('a', EV);
    const b = desk.host('b', EVSE);
    const nmk = new Uint8Array(16).fill(9);
    expect(modem(desk, b, 'b', { task: 'join', role: 'evse', nmk })).toMatchObject({ ok: true });
    expect(modem(desk, a, 'a', { task: 'join', role: 'ev', nmk, confirmBy: 'link-status' })).toMatchObject({ ok: true, modems: 2 });
    expect(modem(desk, a, 'a', { task: 'join', role: 'ev', nmk, confirmBy: 'get-key' })).toMatchObject({ ok: true, modems: 2 });
    expect(modem(desk, a, 'a', { task: 'reset', role: 'ev', minModems: 1 })).toMatchObject({ ok: true });
    expect(desk.simEvents.filter((e) => e.kind === 'restart' && e.station === 'a').length).toBe(3);
  });
});
