// slac-ev and slac-evse on SimulatedClock: the happy path, every timeout,
// every retry limit, a silent peer at each step, wrong RunIDs, several EVSEs.
import { describe, expect, it } from 'vitest';
import { slacEvMachine } from '../../machines/slac-ev/index.js';
import { slacEvseMachine } from '../../machines/slac-evse/index.js';
import { bytesEqual } from '../../src/bytes.js';
import { syntheticAttenuation } from '../../src/domain/slac/attenuation.js';
import { slacEvDefaults, slacEvseDefaults } from '../../src/domain/slac/timing.js';
import { createActor, EV_MAC, EVSE2_MAC, EVSE_MAC, NID, NMK, RUN_ID, Wire } from './helpers.js';
import { MAX_CANDIDATES } from '../../machines/slac-evse/index.js';

const flat = (dB: number): number[] => new Array<number>(58).fill(dB);

function evActor(w: Wire, extra: Partial<Parameters<typeof createActor<typeof slacEvMachine>>[1] extends infer O ? O extends { input: infer I } ? I : never : never> = {}) {
  const a = createActor(slacEvMachine, { clock: w.clock, input: { mac: EV_MAC, runId: RUN_ID, send: w.sender(EV_MAC), report: w.reporter('ev'), ...extra } });
  w.attach('ev', EV_MAC, () => a);
  return a;
}

function evseActor(w: Wire, mac = EVSE_MAC, profile: number[] | null = flat(12), extra: Record<string, unknown> = {}) {
  const a = createActor(slacEvseMachine, { clock: w.clock, input: { mac, nid: NID, nmk: NMK, send: w.sender(mac), report: w.reporter(`evse-${mac[5]}`), ...extra } });
  w.attach(`evse-${mac[5]}`, mac, () => a, profile ?? undefined);
  return a;
}

describe('slac-ev ⇄ slac-evse on SimulatedClock', () => {
  it('match: NID/NMK reach the EV, checkpoints in order, averaged attenuation', () => {
    const w = new Wire();
    const evse = evseActor(w).start();
    const ev = evActor(w).start();
    w.run(3000);
    expect(ev.getSnapshot().status).toBe('done');
    expect(evse.getSnapshot().status).toBe('done');
    const out = ev.getSnapshot().output;
    expect(out?.ok).toBe(true);
    if (out?.ok) {
      expect(bytesEqual(out.nmk, NMK)).toBe(true);
      expect(bytesEqual(out.nid, NID)).toBe(true);
      expect(bytesEqual(out.evseMac, EVSE_MAC)).toBe(true);
      expect(out.attenuation).toBe(12);
    }
    const eo = evse.getSnapshot().output;
    expect(eo?.ok && eo.measured && bytesEqual(eo.evMac, EV_MAC)).toBe(true);
    expect(w.checkpoints('ev')).toEqual([100, 102, 103, 104, 130, 140, 150, 160]);
    expect(w.checkpoints('evse-2')).toEqual([101, 110, 120, 155]);
    expect(w.count('CM_START_ATTEN_CHAR.IND')).toBe(3);
    expect(w.count('CM_MNBC_SOUND.IND')).toBe(10);
    const sounds = w.sent.filter((s) => s.msg.type === 'CM_MNBC_SOUND.IND').map((s) => (s.msg.type === 'CM_MNBC_SOUND.IND' ? s.msg.cnt : -1));
    expect(sounds).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    // RunID echoed everywhere.
    for (const s of w.sent) if ('runId' in s.msg) expect(bytesEqual(s.msg.runId, RUN_ID)).toBe(true);
  });

  it('the EVSE ends the sound window once the modem has profiled all NUM_SOUNDS sounds, not at TT_EVSE_match_MNBC', () => {
    const w = new Wire();
    evseActor(w).start();
    evActor(w).start();
    w.run(3000);
    const lastSound = Math.max(...w.sent.filter((s) => s.msg.type === 'CM_MNBC_SOUND.IND').map((s) => s.at));
    const firstStart = Math.min(...w.sent.filter((s) => s.msg.type === 'CM_START_ATTEN_CHAR.IND').map((s) => s.at));
    const ind = w.sent.find((s) => s.msg.type === 'CM_ATTEN_CHAR.IND');
    expect(ind).toBeDefined();
    // The 10th profile arrives 1 ms after the last sound (the modem of the Wire), then the IND goes out.
    expect(ind!.at - lastSound).toBeLessThanOrEqual(2);
    expect(ind!.at - firstStart).toBeLessThan(slacEvseDefaults.TT_EVSE_match_MNBC);
    expect(ind!.msg.type === 'CM_ATTEN_CHAR.IND' && ind!.msg.numSounds).toBe(10);
  });

  it('nine profiles of ten: the EVSE waits the whole TT_EVSE_match_MNBC, then sends the average of the nine', () => {
    const w = new Wire();
    evseActor(w).start();
    evActor(w).start();
    // Lose the last sound on its way to the EVSE's modem.
    w.drop = (s) => s.msg.type === 'CM_MNBC_SOUND.IND' && s.msg.cnt === 0;
    w.run(3000);
    const firstSound = Math.min(...w.sent.filter((s) => s.msg.type === 'CM_MNBC_SOUND.IND' || s.msg.type === 'CM_START_ATTEN_CHAR.IND').map((s) => s.at));
    const ind = w.sent.find((s) => s.msg.type === 'CM_ATTEN_CHAR.IND');
    expect(ind).toBeDefined();
    expect(ind!.at - firstSound).toBeGreaterThanOrEqual(slacEvseDefaults.TT_EVSE_match_MNBC);
    expect(ind!.msg.type === 'CM_ATTEN_CHAR.IND' && ind!.msg.numSounds).toBe(9);
  });

  it('the EVSE sends the configured synthetic attenuation when its modem reports no profile (AR7420)', () => {
    const w = new Wire();
    evseActor(w, EVSE_MAC, null).start();
    const ev = evActor(w).start();
    w.run(3000);
    const ind = w.sent.find((s) => s.msg.type === 'CM_ATTEN_CHAR.IND');
    expect(ind?.msg.type === 'CM_ATTEN_CHAR.IND' && Array.from(ind.msg.aag)).toEqual(Array.from(syntheticAttenuation()));
    expect(ev.getSnapshot().output?.ok).toBe(true);
  });

  it('the EVSE fails when no profile arrives and no fallback is configured', () => {
    const w = new Wire();
    const evse = evseActor(w, EVSE_MAC, null, { attenuationFallback: null }).start();
    evActor(w).start();
    w.run(3000);
    const o = evse.getSnapshot().output;
    expect(o).toMatchObject({ ok: false, state: "Sounding" });
  });

  it('several EVSEs: the EV picks the lowest average attenuation, even when it answers later', () => {
    const w = new Wire();
    evseActor(w, EVSE_MAC, flat(30)).start();
    // The nearer EVSE's frames take 300 ms longer (a slow charger).
    const near = evseActor(w, EVSE2_MAC, flat(8));
    const origDrop = w.drop;
    w.drop = (s) => origDrop(s);
    near.start();
    const ev = evActor(w).start();
    w.run(4000);
    const out = ev.getSnapshot().output;
    expect(out?.ok && bytesEqual(out.evseMac, EVSE2_MAC)).toBe(true);
    expect(w.count('CM_ATTEN_CHAR.RSP')).toBe(2);
    expect(w.count('CM_SLAC_MATCH.REQ')).toBe(1);
    expect(w.sent.find((s) => s.msg.type === 'CM_SLAC_MATCH.REQ')?.dst).toEqual(EVSE2_MAC);
  });

  it('a second EVSE answering after TT_EV_atten_results is not considered', () => {
    const w = new Wire();
    evseActor(w, EVSE_MAC, flat(30)).start();
    const ev = evActor(w).start();
    // A nearer EVSE whose CM_ATTEN_CHAR.IND comes 1.5 s after the first START_ATTEN: too late.
    w.clock.setTimeout(() => {
      ev.send({ type: 'MME', from: EVSE2_MAC, msg: { type: 'CM_ATTEN_CHAR.IND', applicationType: 0, securityType: 0, sourceAddress: EV_MAC, runId: RUN_ID, sourceId: new Uint8Array(17), respId: new Uint8Array(17), numSounds: 10, aag: Uint8Array.from(flat(3)) } });
    }, 1600);
    w.run(4000);
    const out = ev.getSnapshot().output;
    expect(out?.ok && bytesEqual(out.evseMac, EVSE_MAC)).toBe(true);
  });

  it('attenuation limit: an EVSE above it is ignored', () => {
    const w = new Wire();
    evseActor(w, EVSE_MAC, flat(50)).start();
    const ev = evActor(w, { timings: { attenuationLimitDb: 40 } }).start();
    w.run(3000);
    const out = ev.getSnapshot().output;
    expect(out?.ok === false && out.failure.code).toBe('SLAC_NO_MATCH');
  });

  it('CM_VALIDATE on both sides: the EV toggles CP, the EVSE counts and reports success', () => {
    const w = new Wire();
    const evse = evseActor(w, EVSE_MAC, flat(12), { validation: true }).start();
    const machine = slacEvMachine.provide({
      actions: {
        cpToggle: (_, p: { count: number; stateDuration: number }) => {
          for (let i = 0; i < p.count; i++) w.clock.setTimeout(() => evse.send({ type: 'CP_TOGGLE' }), 2 * p.stateDuration * (i + 1));
        },
      },
    });
    const ev = createActor(machine, { clock: w.clock, input: { mac: EV_MAC, runId: RUN_ID, send: w.sender(EV_MAC), validate: true } });
    w.attach('ev', EV_MAC, () => ev);
    ev.start();
    w.run(6000);
    expect(ev.getSnapshot().output?.ok).toBe(true);
    const cnfs = w.sent.filter((s) => s.msg.type === 'CM_VALIDATE.CNF').map((s) => (s.msg.type === 'CM_VALIDATE.CNF' ? [s.msg.result, s.msg.toggleNum] : []));
    expect(cnfs).toEqual([
      [1, 0],
      [2, 1],
    ]);
  });

  it('CM_VALIDATE asked of an EVSE that does not validate: "not required", then the match', () => {
    const w = new Wire();
    evseActor(w).start();
    const ev = evActor(w, { validate: true }).start();
    w.run(3000);
    expect(ev.getSnapshot().output?.ok).toBe(true);
    expect(w.sent.find((s) => s.msg.type === 'CM_VALIDATE.CNF')?.msg).toMatchObject({ result: 4 });
  });
});

describe('slac-ev timeouts and retries', () => {
  it('silent EVSE at CM_VALIDATE: VALIDATE.REQ sent 1 + C_EV_match_retry times, then matching goes on', () => {
    const w = new Wire();
    w.drop = (s) => s.msg.type === 'CM_VALIDATE.CNF';
    evseActor(w).start();
    const ev = evActor(w, { validate: true }).start();
    w.run(4000);
    expect(w.count('CM_VALIDATE.REQ')).toBe(3);
    expect(ev.getSnapshot().output).toMatchObject({ ok: true });
  });

  it('EVSE ready to validate but silent after the toggles: Failed after TT_EVSE_vald_toggle + TT_match_response', () => {
    const w = new Wire();
    let cnfs = 0;
    w.drop = (s) => s.msg.type === 'CM_VALIDATE.CNF' && cnfs++ > 0;
    evseActor(w, EVSE_MAC, flat(12), { validation: true }).start();
    const ev = evActor(w, { validate: true }).start();
    w.run(8000, 5);
    expect(ev.getSnapshot().output).toMatchObject({ ok: false, state: 'ValidateToggle' });
    expect(w.count('CM_SLAC_MATCH.REQ')).toBe(0);
  });

  it('silent EVSE: CM_SLAC_PARM.REQ sent 1 + parmReqRetries times, each after TT_match_response, then Failed', () => {
    const w = new Wire();
    const ev = evActor(w).start();
    w.run(slacEvDefaults.TT_match_response * 3 - 1);
    expect(ev.getSnapshot().status).toBe('active');
    expect(w.count('CM_SLAC_PARM.REQ')).toBe(3);
    expect(w.sent.map((s) => s.at)).toEqual([0, 200, 400]);
    w.run(1);
    expect(ev.getSnapshot().output).toMatchObject({ ok: false, state: 'WaitForParmCnf' });
  });

  it('parmReqRetries is separate from C_EV_match_retry (real cars re-send far more)', () => {
    const w = new Wire();
    const ev = evActor(w, { timings: { parmReqRetries: 99 } }).start();
    w.run(100 * 200 + 10, 10);
    expect(w.count('CM_SLAC_PARM.REQ')).toBe(100);
    expect(ev.getSnapshot().output).toMatchObject({ ok: false });
  });

  it('a CM_SLAC_PARM.CNF with a wrong RunID is ignored', () => {
    const w = new Wire();
    const ev = evActor(w).start();
    const evse = { send: () => {} };
    void evse;
    w.inject(ev, EVSE_MAC, { type: 'CM_SLAC_PARM.CNF', msoundTarget: new Uint8Array(6).fill(0xff), numSounds: 10, timeOut: 6, respType: 1, forwardingSta: EV_MAC, applicationType: 0, securityType: 0, runId: new Uint8Array(8) }, 10);
    w.run(700);
    expect(ev.getSnapshot().output).toMatchObject({ ok: false, state: 'WaitForParmCnf' });
  });

  it('no CM_ATTEN_CHAR.IND: Failed exactly at TT_EV_atten_results after the first START_ATTEN', () => {
    const w = new Wire();
    const evse = evseActor(w);
    // The EVSE answers the PARM.REQ but never gets profiles nor sends ATTEN_CHAR (drop them).
    w.drop = (s) => s.msg.type === 'CM_ATTEN_CHAR.IND';
    evse.start();
    const ev = evActor(w).start();
    w.run(3000);
    expect(ev.getSnapshot().output).toMatchObject({ ok: false, state: 'WaitForAttenChar' });
    const firstStart = w.sent.find((s) => s.msg.type === 'CM_START_ATTEN_CHAR.IND')?.at ?? 0;
    const failed = w.status.find((u) => u.station === 'ev' && u.state === 'Failed');
    // PARM.REQ at 0, CNF back at 2 (1 ms per hop), first START_ATTEN TP_match_sequence later.
    expect(firstStart).toBe(2 + slacEvDefaults.TP_match_sequence);
    expect(failed?.time).toBe(firstStart + slacEvDefaults.TT_EV_atten_results);
  });

  it('silent EVSE at CM_SLAC_MATCH: MATCH.REQ sent 1 + C_EV_match_retry times then Failed', () => {
    const w = new Wire();
    w.drop = (s) => s.msg.type === 'CM_SLAC_MATCH.CNF';
    evseActor(w).start();
    const ev = evActor(w).start();
    w.run(4000);
    expect(w.count('CM_SLAC_MATCH.REQ', EV_MAC)).toBe(3);
    expect(ev.getSnapshot().output).toMatchObject({ ok: false, state: 'WaitForMatchCnf' });
  });

  it('a CM_SLAC_MATCH.CNF with a wrong RunID is not taken', () => {
    const w = new Wire();
    w.drop = (s) => s.msg.type === 'CM_SLAC_MATCH.CNF';
    evseActor(w).start();
    const ev = evActor(w).start();
    w.run(1300);
    expect(ev.getSnapshot().value).toBe('WaitForMatchCnf');
    w.inject(ev, EVSE_MAC, { type: 'CM_SLAC_MATCH.CNF', applicationType: 0, securityType: 0, pevId: new Uint8Array(17), pevMac: EV_MAC, evseId: new Uint8Array(17), evseMac: EVSE_MAC, runId: new Uint8Array(8), nid: NID, nmk: NMK });
    w.run(20);
    expect(ev.getSnapshot().value).toBe('WaitForMatchCnf');
  });

  it('STOP ends the session with a defined result', () => {
    const w = new Wire();
    const ev = evActor(w).start();
    ev.send({ type: 'STOP' });
    expect(ev.getSnapshot().output).toMatchObject({ ok: false, failure: { code: 'LAYER_STOPPED' } });
  });
});

describe('slac-evse timeouts and retries', () => {
  it('no CM_SLAC_PARM.REQ: Failed at TT_EVSE_SLAC_init', () => {
    const w = new Wire();
    const evse = evseActor(w).start();
    w.clock.increment(slacEvseDefaults.TT_EVSE_SLAC_init - 1);
    expect(evse.getSnapshot().status).toBe('active');
    w.clock.increment(1);
    expect(evse.getSnapshot().output).toMatchObject({ ok: false, state: 'WaitForSlacParm' });
  });

  it('a car that repeats CM_SLAC_PARM.REQ and never sounds (Taycan): every REQ answered; after TT_match_sequence it waits for the next REQ, TT_EVSE_SLAC_init bounds the wait', () => {
    const w = new Wire();
    const evse = evseActor(w).start();
    const parm = { type: 'CM_SLAC_PARM.REQ', applicationType: 0, securityType: 0, runId: RUN_ID } as const;
    for (let i = 0; i < 5; i++) w.inject(evse, EV_MAC, parm, 1 + i * 250);
    w.run(1000);
    expect(w.count('CM_SLAC_PARM.CNF')).toBe(4);
    expect(evse.getSnapshot().status).toBe('active');
    w.run(1000);
    expect(w.count('CM_SLAC_PARM.CNF')).toBe(5);
    // A request that never leads to sounding must not fail the SLAC step (that re-keys the modem and backs off).
    expect(evse.getSnapshot().value).toBe('WaitForSlacParm');
    w.clock.increment(slacEvseDefaults.TT_EVSE_SLAC_init);
    expect(evse.getSnapshot().output).toMatchObject({ ok: false, state: 'WaitForSlacParm' });
  });

  it('a CM_SLAC_PARM.REQ with SECURITY_TYPE 1 is not answered', () => {
    const w = new Wire();
    const evse = evseActor(w).start();
    w.inject(evse, EV_MAC, { type: 'CM_SLAC_PARM.REQ', applicationType: 0, securityType: 1, runId: RUN_ID });
    w.run(100);
    expect(w.count('CM_SLAC_PARM.CNF')).toBe(0);
    expect(evse.getSnapshot().value).toBe('WaitForSlacParm');
  });

  it('silent EV at CM_ATTEN_CHAR.RSP: IND sent 1 + C_EV_match_retry times, TT_match_response apart, then Failed', () => {
    const w = new Wire();
    w.drop = (s) => s.msg.type === 'CM_ATTEN_CHAR.RSP';
    const evse = evseActor(w).start();
    evActor(w).start();
    w.run(3000);
    const inds = w.sent.filter((s) => s.msg.type === 'CM_ATTEN_CHAR.IND').map((s) => s.at);
    expect(inds.length).toBe(3);
    expect(inds[1]! - inds[0]!).toBe(slacEvseDefaults.TT_match_response);
    expect(evse.getSnapshot().output).toMatchObject({ ok: false, state: 'AttenChar' });
  });

  it('silent EV after CM_ATTEN_CHAR.RSP: Failed at TT_EVSE_match_session', () => {
    const w = new Wire();
    w.drop = (s) => s.msg.type === 'CM_SLAC_MATCH.REQ';
    const evse = evseActor(w).start();
    evActor(w).start();
    w.run(2000);
    expect(evse.getSnapshot().value).toEqual({ Matching: 'WaitForMatch' });
    w.run(slacEvseDefaults.TT_EVSE_match_session, 50);
    expect(evse.getSnapshot().output).toMatchObject({ ok: false, state: 'WaitForMatch' });
  });

  it('CM_SLAC_MATCH.REQ with a wrong RunID is ignored; the right one is answered with NID/NMK', () => {
    const w = new Wire();
    w.drop = (s) => s.msg.type === 'CM_SLAC_MATCH.REQ';
    const evse = evseActor(w).start();
    evActor(w).start();
    w.run(1500);
    const req = { type: 'CM_SLAC_MATCH.REQ', applicationType: 0, securityType: 0, pevId: new Uint8Array(17), pevMac: EV_MAC, evseId: new Uint8Array(17), evseMac: EVSE_MAC } as const;
    w.inject(evse, EV_MAC, { ...req, runId: new Uint8Array(8) });
    w.run(10);
    expect(w.count('CM_SLAC_MATCH.CNF')).toBe(0);
    w.inject(evse, EV_MAC, { ...req, runId: RUN_ID });
    w.run(10);
    const cnf = w.sent.find((s) => s.msg.type === 'CM_SLAC_MATCH.CNF');
    expect(cnf?.msg.type === 'CM_SLAC_MATCH.CNF' && bytesEqual(cnf.msg.nmk, NMK) && bytesEqual(cnf.msg.nid, NID)).toBe(true);
    // It stays to answer repeats for TT_match_response × (C_EV_match_retry + 1), then ends matched.
    expect(evse.getSnapshot().value).toBe('Matched');
    w.run(slacEvseDefaults.TT_match_response * 3);
    expect(evse.getSnapshot().output?.ok).toBe(true);
  });

  it('a lost CM_SLAC_MATCH.CNF: the EV repeats its REQ, the matched EVSE answers again', () => {
    const w = new Wire();
    let lost = 0;
    w.drop = (s) => s.msg.type === 'CM_SLAC_MATCH.CNF' && lost++ === 0;
    const evse = evseActor(w).start();
    const ev = evActor(w).start();
    w.run(3000);
    expect(w.count('CM_SLAC_MATCH.REQ')).toBe(2);
    expect(w.count('CM_SLAC_MATCH.CNF')).toBe(2);
    expect(ev.getSnapshot().output).toMatchObject({ ok: true });
    expect(evse.getSnapshot().output).toMatchObject({ ok: true });
  });
});

// Issue 8, defect 4: CM_SLAC_PARM.REQ from other MAC addresses restarted the charger's SLAC, so a
// real car never got a usable CM_ATTEN_CHAR.IND while they arrived (even at 2/s). ISO 15118-3
// keys the session by RunID and the EV's MAC.
describe('slac-evse keeps the car it is matching (foreign CM_SLAC_PARM.REQ)', () => {
  const foreignMac = (i: number): Uint8Array => new Uint8Array([0x02, 0xee, 0, 0, (i >> 8) & 0xff, i & 0xff]);
  const parm = (i: number) => ({ type: 'CM_SLAC_PARM.REQ', applicationType: 0, securityType: 0, runId: new Uint8Array([0xf0, 0, 0, 0, 0, 0, (i >> 8) & 0xff, i & 0xff]) }) as const;
  const cnfsTo = (w: Wire, mac: Uint8Array): number => w.sent.filter((x) => x.msg.type === 'CM_SLAC_PARM.CNF' && bytesEqual(x.dst, mac)).length;

  it('2 foreign requests per second before and during a car session: the car matches; foreign ones are answered only while no car sounds', () => {
    const w = new Wire();
    const evse = evseActor(w).start();
    for (let i = 0; i < 12; i++) w.inject(evse, foreignMac(i), parm(i), 1 + i * 500);
    const ev = evActor(w);
    w.clock.setTimeout(() => ev.start(), 730);
    w.run(6000);
    expect(ev.getSnapshot().output).toMatchObject({ ok: true });
    expect(evse.getSnapshot().output).toMatchObject({ ok: true });
    expect((evse.getSnapshot().output as { evMac?: Uint8Array }).evMac).toEqual(EV_MAC);
    // The car's sounding started about 730 ms in: requests 0 and 1 came before and were answered,
    // those during the match (2 ...) were not; the CM_ATTEN_CHAR.IND went to the car only.
    expect(cnfsTo(w, foreignMac(0))).toBe(1);
    expect(cnfsTo(w, foreignMac(1))).toBe(1);
    expect(cnfsTo(w, foreignMac(3))).toBe(0);
    expect(w.sent.filter((x) => x.msg.type === 'CM_ATTEN_CHAR.IND').every((x) => bytesEqual(x.dst, EV_MAC))).toBe(true);
  });

  it('a flood of foreign requests (one per ms) before the car: all answered, at most MAX_CANDIDATES remembered, no failure; the car that sounds afterwards is matched', () => {
    const w = new Wire();
    const evse = evseActor(w).start();
    for (let i = 0; i < 1000; i++) w.inject(evse, foreignMac(i), parm(i), 1 + i);
    w.run(1010);
    expect(w.count('CM_SLAC_PARM.CNF')).toBe(1000);
    expect(evse.getSnapshot().status).toBe('active');
    expect(evse.getSnapshot().context.candidates.length).toBe(MAX_CANDIDATES);
    // Status updates: one checkpoint 101 for the whole flood, not one per request.
    expect(w.status.filter((u) => u.station.startsWith('evse') && u.checkpoint === 101)).toHaveLength(1);
    const ev = evActor(w).start();
    w.run(3000);
    expect(ev.getSnapshot().output).toMatchObject({ ok: true });
    expect(evse.getSnapshot().output).toMatchObject({ ok: true });
  });

  it('sounding from a MAC that sent no CM_SLAC_PARM.REQ, or with another RunID, does not start a session', () => {
    const w = new Wire();
    const evse = evseActor(w).start();
    w.inject(evse, EV_MAC, { type: 'CM_SLAC_PARM.REQ', applicationType: 0, securityType: 0, runId: RUN_ID });
    const start = { type: 'CM_START_ATTEN_CHAR.IND', applicationType: 0, securityType: 0, numSounds: 10, timeOut: 6, respType: 1, forwardingSta: EV_MAC } as const;
    w.inject(evse, foreignMac(1), { ...start, runId: RUN_ID }, 5);
    w.inject(evse, EV_MAC, { ...start, runId: new Uint8Array(8) }, 6);
    w.run(20);
    expect(evse.getSnapshot().value).toEqual({ Matching: 'WaitForStartAtten' });
    w.inject(evse, EV_MAC, { ...start, runId: RUN_ID }, 1);
    w.run(5);
    expect(evse.getSnapshot().value).toEqual({ Matching: 'Sounding' });
  });

  it("the car's own new CM_SLAC_PARM.REQ still restarts its session; a foreign one during sounding is counted, not answered", () => {
    const w = new Wire();
    const evse = evseActor(w).start();
    w.inject(evse, EV_MAC, { type: 'CM_SLAC_PARM.REQ', applicationType: 0, securityType: 0, runId: RUN_ID });
    w.inject(evse, EV_MAC, { type: 'CM_START_ATTEN_CHAR.IND', applicationType: 0, securityType: 0, numSounds: 10, timeOut: 6, respType: 1, forwardingSta: EV_MAC, runId: RUN_ID }, 5);
    w.run(10);
    expect(evse.getSnapshot().value).toEqual({ Matching: 'Sounding' });
    w.inject(evse, foreignMac(7), parm(7));
    w.run(5);
    expect(cnfsTo(w, foreignMac(7))).toBe(0);
    expect(evse.getSnapshot().context.ignoredParms).toBe(1);
    expect(evse.getSnapshot().value).toEqual({ Matching: 'Sounding' });
    w.inject(evse, EV_MAC, { type: 'CM_SLAC_PARM.REQ', applicationType: 0, securityType: 0, runId: new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9]) });
    w.run(5);
    expect(cnfsTo(w, EV_MAC)).toBe(2);
    expect(evse.getSnapshot().value).toEqual({ Matching: 'WaitForStartAtten' });
  });
});
