// ListenMode: offline on real sniffer captures, and live in one process
// through the modem emulator (a third station that joins with the captured key).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, type AnyActorRef } from 'xstate';
import { listenMachine, type ListenOutput, type MacLogEntry } from '../../machines/listen/index.js';
import { modemManagerMachine } from '../../machines/modem-manager/index.js';
import { slacEvMachine } from '../../machines/slac-ev/index.js';
import { slacEvseMachine } from '../../machines/slac-evse/index.js';
import { toHex } from '../../src/bytes.js';
import { nidFromNmk } from '../../src/codecs/homeplug/keys.js';
import { capturedMmes } from '../slac/capture-slac.js';
import { Desk } from '../modem-sim/desk.js';
import { capturesDir } from '../shared.js';
import { needCaptures } from '../env.js';
import { CLI } from '../helpers/cli.js';

function listenOffline(file: string): { out: ListenOutput; log: MacLogEntry[] } {
  const log: MacLogEntry[] = [];
  // Every captured frame has its timestamp; the clock is never read, so it stays at 0.
  const a = createActor(listenMachine, { input: { onMacLog: (e) => log.push(e), clock: new SimulatedClock() } }).start();
  for (const m of capturedMmes(file)) a.send({ type: 'MME', msg: m.msg, from: m.from, to: m.to, timestamp: m.t });
  a.send({ type: 'STOP' });
  return { out: a.getSnapshot().output as ListenOutput, log };
}

describe.skipIf(!needCaptures())('listen offline on real sniffer captures', () => {
  it('2022-10-26 (real car + Alpitronic, sniffed): EVSE MAC logged, NID/NMK captured, NID derived from the NMK as HomePlug AV specifies', () => {
    const { out, log } = listenOffline(join(capturesDir, '2022-10-26_WP4_networkEstablishedButHiddenCommunication.pcapng'));
    expect(log.map((e) => e.evseMac)).toEqual(['62:57:25:18:44:be']);
    expect(out.keys).toHaveLength(1);
    const k = out.keys[0]!;
    expect(toHex(k.nid)).toBe('bc90751a5e390e');
    // The Alpitronic derives its NID from the NMK (HPAV 5×SHA-256): so does modem-manager.
    expect(toHex(nidFromNmk(k.nmk))).toBe(toHex(k.nid));
    expect(out.macLog[0]?.attenuation).toBeGreaterThan(0);
  });

  for (const n of ['01_slow_and_only_broadcast_visible', '02_mac_spoofing_some_frames_visible', '04_cutted_tx_path_no_joining']) {
    it(`2025-01-21_listenMode_${n}: key and EVSE captured`, () => {
      const { out, log } = listenOffline(join(capturesDir, `2025-01-21_listenMode_${n}.pcapng`));
      expect(log.map((e) => e.evseMac)).toEqual(['b8:27:eb:27:33:53']);
      // pyPLC as charger: its simplified NID (not derived from the NMK).
      expect(out.keys.map((k) => toHex(k.nid))).toEqual(['01020304050607']);
    });
  }

  it('the CLI: tsplc listen --file … --json prints the MAC log, the key and a summary', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'listen', '--file', join(capturesDir, '2025-01-21_listenMode_01_slow_and_only_broadcast_visible.pcapng'), '--json'], { timeout: 30_000 });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; [k: string]: unknown });
    expect(lines.find((l) => l.kind === 'maclog')).toMatchObject({ evseMac: 'b8:27:eb:27:33:53' });
    expect(lines.find((l) => l.kind === 'key')).toMatchObject({ nid: '01020304050607' });
    // "only broadcast visible": no unicast frame in this capture.
    const summary = lines.find((l) => l.kind === 'summary') as { visible: Record<string, number> } | undefined;
    expect(summary?.visible.unicast).toBeUndefined();
    expect(summary?.visible.broadcast).toBeGreaterThan(0);
  });

  it('the CLI decodes what is visible (SDP, TCP, V2G) with the analyser of tsplc decode', async () => {
    const file = join(capturesDir, 'ISO-2_DC_multi_EVSE_SLAC_DS5366_Josev.pcapng');
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'listen', '--file', file, '--json'], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; name?: string; evseMac?: string });
    // Both EVSEs that answered the car's SLAC are in the MAC log; the car matched 64:4d:70:01:06:0e.
    expect(new Set(lines.filter((l) => l.kind === 'maclog').map((l) => l.evseMac))).toEqual(new Set(['64:4d:70:01:06:10', '64:4d:70:01:06:0e']));
    expect(lines.find((l) => l.kind === 'key')).toMatchObject({ evseMac: '64:4d:70:01:06:0e' });
    const names = lines.filter((l) => l.kind === 'decoded').map((l) => l.name);
    for (const n of ['SDP request', 'SDP response', 'supportedAppProtocolReq', 'SessionSetupReq', 'CurrentDemandReq']) expect(names).toContain(n);
  });
});

const EV = new Uint8Array([0x02, 0xee, 0, 0, 0, 1]);
const EVSE = new Uint8Array([0x02, 0xee, 0, 0, 0, 2]);
const SNIFFER = new Uint8Array([0x02, 0xee, 0, 0, 0, 3]);

function ipv6(dst: Uint8Array, src: Uint8Array): Uint8Array {
  const f = new Uint8Array(60);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x86;
  f[13] = 0xdd;
  return f;
}

/** EV and EVSE match and join through the emulator while a listener watches with its own modem. */
function liveSession(hearsForeignSlac: boolean) {
  const desk = new Desk();
  const evPort = desk.host('ev', EV);
  const evsePort = desk.host('evse', EVSE);
  const sniffPort = desk.host('sniffer', SNIFFER, { hearsForeignSlac });
  sniffPort.setPromiscuous(true);
  const ref: { l?: AnyActorRef; ev?: AnyActorRef; evse?: AnyActorRef; m?: AnyActorRef } = {};
  const lb = desk.bridge(sniffPort, () => ref.l, true);
  const listener = createActor(listenMachine, { clock: desk.clock, input: { join: true, send: lb.send, clock: desk.clock } });
  ref.l = listener;
  listener.start();
  sniffPort.frames$.subscribe((f) => {
    if (f.data[12] !== 0x88) listener.send({ type: 'VISIBLE', src: f.data.subarray(6, 12), dst: f.data.subarray(0, 6), etherType: 0x86dd });
  });
  const nmk = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
  const nid = nidFromNmk(nmk);
  // The EVSE's key first (checkpoint 1).
  const mb = desk.bridge(evsePort, () => ref.m);
  const mm = createActor(modemManagerMachine, { clock: desk.clock, input: { task: 'join', role: 'evse', nmk, send: mb.send, timings: { restartPause: 300, confirmInterval: 100, discoveryWindow: 100 } } });
  ref.m = mm;
  mm.start();
  desk.runUntil(() => mm.getSnapshot().status === 'done', 5000);
  mb.close();
  const eb = desk.bridge(evPort, () => ref.ev);
  const sb = desk.bridge(evsePort, () => ref.evse);
  const evse = createActor(slacEvseMachine, { clock: desk.clock, input: { mac: EVSE, nid, nmk, send: sb.send } });
  const ev = createActor(slacEvMachine, { clock: desk.clock, input: { mac: EV, send: eb.send } });
  ref.evse = evse.start();
  ref.ev = ev.start();
  desk.runUntil(() => ev.getSnapshot().status === 'done', 5000);
  eb.close();
  sb.close();
  expect(ev.getSnapshot().output).toMatchObject({ ok: true });
  // The EV joins the AVLN (key set, modem restarted), then car and charger talk.
  const jb = desk.bridge(evPort, () => ref.m);
  const jm = createActor(modemManagerMachine, { clock: desk.clock, input: { task: 'join', role: 'ev', nmk, nid, send: jb.send, timings: { restartPause: 600, confirmInterval: 100, discoveryWindow: 100 } } });
  ref.m = jm;
  jm.start();
  desk.runUntil(() => jm.getSnapshot().status === 'done', 5000);
  evPort.send(ipv6(new Uint8Array([0x33, 0x33, 0, 1, 0, 2]), EV)); // SDP-like multicast
  evPort.send(ipv6(EVSE, EV)); // TCP-like unicast
  evsePort.send(ipv6(EV, EVSE));
  desk.run(10);
  listener.send({ type: 'STOP' });
  return listener.getSnapshot().output as ListenOutput;
}

describe('listen live through the modem emulator', () => {
  it('a modem that shows foreign SLAC (INT6400-like): key captured, joined, then broadcasts visible but no unicast', () => {
    const out = liveSession(true);
    expect(out.macLog.map((e) => e.evseMac)).toEqual(['02:ee:00:00:00:02']);
    expect(out.keys).toHaveLength(1);
    expect(out.joined).toBe(true);
    expect(out.visible.multicast).toBe(1);
    expect(out.visible.unicast).toBeUndefined();
  });

  it('an AR7420-like modem: the unicast CM_SLAC_MATCH.CNF never shows, no key, nothing of the session visible', () => {
    const out = liveSession(false);
    expect(out.keys).toHaveLength(0);
    expect(out.joined).toBe(false);
    expect(out.sessions).toBe(1);
    expect(out.visible).toEqual({});
  });
});
