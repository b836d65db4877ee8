// The layer actors for the connection manager (evModemLogic, evSlacLogic,
// evseSlacLogic) over the in-memory desk and the emulator, on SimulatedClock;
// stopping a layer actor stops its machine (no more frames).
import { describe, expect, it } from 'vitest';
import { createActor, type AnyActorRef } from 'xstate';
import { evModemLogic, evSlacLogic, evseSlacLogic, type LayerResult } from '../../src/slac/session.js';
import { Desk } from '../modem-sim/desk.js';

const EV = new Uint8Array([2, 0xcc, 0, 0, 0, 1]);
const EVSE = new Uint8Array([2, 0xcc, 0, 0, 0, 2]);
const modemTimings = { restartPause: 300, confirmInterval: 100, discoveryWindow: 100 };

/** Drives the simulated clock while promises settle. */
async function until(desk: Desk, cond: () => boolean, maxMs: number): Promise<void> {
  for (let t = 0; t < maxMs && !cond(); t++) {
    desk.clock.increment(1);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

describe('layer actors for the connection manager', () => {
  it('modem, then SLAC + join (EV) against key + SLAC (EVSE): both ok with the same NID', async () => {
    const desk = new Desk();
    const evPort = desk.host('ev', EV, { restartDelayMs: 200 });
    const evsePort = desk.host('evse', EVSE, { restartDelayMs: 200 });
    const evse: AnyActorRef = createActor(evseSlacLogic(evsePort, { clock: desk.clock, modemTimings })).start();
    const modem: AnyActorRef = createActor(evModemLogic(evPort, { clock: desk.clock, modemTimings })).start();
    await until(desk, () => modem.getSnapshot().status === 'done', 2000);
    expect(modem.getSnapshot().output).toMatchObject({ ok: true, firmware: expect.stringMatching(/QCA7000/) });
    // The EVSE is still putting its key into its modem: like real cars, the EV repeats CM_SLAC_PARM.REQ until it listens.
    const ev: AnyActorRef = createActor(evSlacLogic(evPort, { clock: desk.clock, modemTimings, timings: { parmReqRetries: 20 } })).start();
    await until(desk, () => ev.getSnapshot().status === 'done' && evse.getSnapshot().status === 'done', 10_000);
    const e = ev.getSnapshot().output as LayerResult;
    const s = evse.getSnapshot().output as LayerResult;
    expect(e, JSON.stringify(e)).toMatchObject({ ok: true, modems: 2 });
    expect(s).toMatchObject({ ok: true, measured: true });
    expect(e.ok && s.ok && e.nid).toEqual(s.ok && s.nid);
  });

  it('stopping the SLAC layer actor stops its machine: no more CM_SLAC_PARM.REQ', async () => {
    const desk = new Desk();
    const evPort = desk.host('ev', EV);
    let parmReqs = 0;
    desk.hosts.get('ev')!.segment.wire$.subscribe((f) => {
      if (f.data[15] === 0x64 && f.data[16] === 0x60) parmReqs++;
    });
    const ev: AnyActorRef = createActor(evSlacLogic(evPort, { clock: desk.clock, timings: { parmReqRetries: 100 } })).start();
    await until(desk, () => parmReqs >= 3, 2000);
    ev.stop();
    await until(desk, () => false, 20);
    const seen = parmReqs;
    await until(desk, () => false, 2000);
    expect(parmReqs).toBe(seen);
    expect(seen).toBeLessThan(10);
  });

  it('no modem at all: the modem layer ends { ok: false } with the reason', async () => {
    const desk = new Desk();
    const evPort = desk.host('ev', EV);
    desk.sim.setUp('ev', false);
    const modem: AnyActorRef = createActor(evModemLogic(evPort, { clock: desk.clock, modemTimings })).start();
    await until(desk, () => modem.getSnapshot().status === 'done', 2000);
    expect(modem.getSnapshot().output).toMatchObject({ ok: false, reason: 'no modem answers VS_SW_VER' });
  });
});
