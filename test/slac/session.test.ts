// The SLAC layer actors that `tsplc pev|evse` run as connection-manager children
// (src/runtime/slac-layer.ts: evModemActor, evSlacActor, evseModemActor,
// evseSlacActor) over the in-memory desk and the emulator, on SimulatedClock;
// aborting a layer actor stops its machine (no more frames).
import { describe, expect, it } from 'vitest';
import { createActor, type AnyActorRef } from 'xstate';
import { nullLogger } from '../../src/ports/log.js';
import { evModemActor, evSlacActor, evseModemActor, evseSlacActor, type EvseKeyHolder, type LowerLayerOptions } from '../../src/runtime/slac-layer.js';
import type { EthernetPort } from '../../src/ports/ethernet.js';
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

const layer = (desk: Desk, port: EthernetPort, slac: Record<string, unknown> = {}): LowerLayerOptions => ({
  port,
  clock: desk.clock,
  logger: nullLogger,
  report: () => {},
  modem: { timings: modemTimings },
  slac,
});

describe('SLAC layer actors of the connection manager (src/runtime/slac-layer.ts)', () => {
  it('modem, then SLAC + join (EV) against key + SLAC (EVSE): both ok with the same NID', async () => {
    const desk = new Desk();
    const evPort = desk.host('ev', EV, { restartDelayMs: 200 });
    const evsePort = desk.host('evse', EVSE, { restartDelayMs: 200 });
    const key: EvseKeyHolder = {};
    const evseModem: AnyActorRef = createActor(evseModemActor(layer(desk, evsePort), key)).start();
    const modem: AnyActorRef = createActor(evModemActor(layer(desk, evPort))).start();
    await until(desk, () => modem.getSnapshot().status === 'done' && evseModem.getSnapshot().status === 'done', 2000);
    expect(modem.getSnapshot().output).toMatchObject({ ok: true, firmware: expect.stringMatching(/QCA7000/) });
    expect(evseModem.getSnapshot().output).toMatchObject({ ok: true });
    const evse: AnyActorRef = createActor(evseSlacActor(layer(desk, evsePort), key)).start();
    // Like real cars, the EV repeats CM_SLAC_PARM.REQ until the charger listens.
    const ev: AnyActorRef = createActor(evSlacActor(layer(desk, evPort, { timings: { parmReqRetries: 20 } }))).start();
    await until(desk, () => ev.getSnapshot().status === 'done' && evse.getSnapshot().status === 'done', 10_000);
    const e = ev.getSnapshot().output as { ok: boolean; nid?: Uint8Array; modems?: number };
    const s = evse.getSnapshot().output as { ok: boolean; nid?: Uint8Array; measured?: boolean };
    expect(e, JSON.stringify(e)).toMatchObject({ ok: true, modems: 2 });
    expect(s).toMatchObject({ ok: true, measured: true });
    expect(e.nid).toEqual(key.nid);
    expect(s.nid).toEqual(key.nid);
  });

  it('stopping the SLAC layer actor stops its machine: no more CM_SLAC_PARM.REQ', async () => {
    const desk = new Desk();
    const evPort = desk.host('ev', EV);
    let parmReqs = 0;
    desk.hosts.get('ev')!.segment.wire$.subscribe((f) => {
      if (f.data[15] === 0x64 && f.data[16] === 0x60) parmReqs++;
    });
    const ev: AnyActorRef = createActor(evSlacActor(layer(desk, evPort, { timings: { parmReqRetries: 100 } }))).start();
    await until(desk, () => parmReqs >= 3, 2000);
    ev.stop();
    await until(desk, () => false, 20);
    const seen = parmReqs;
    await until(desk, () => false, 2000);
    expect(parmReqs).toBe(seen);
    expect(seen).toBeLessThan(10);
  });

  it('no modem at all: the modem layer ends { ok: false } with MODEM_NOT_FOUND', async () => {
    const desk = new Desk();
    const evPort = desk.host('ev', EV);
    desk.sim.setUp('ev', false);
    const modem: AnyActorRef = createActor(evModemActor(layer(desk, evPort))).start();
    await until(desk, () => modem.getSnapshot().status === 'done', 2000);
    expect(modem.getSnapshot().output).toMatchObject({ ok: false, failure: { code: 'MODEM_NOT_FOUND', retryable: true } });
  });

  it('EVSE SLAC without the modem step: refuses with SLAC_NO_KEY instead of running without a key', async () => {
    const desk = new Desk();
    const evsePort = desk.host('evse', EVSE);
    const evse: AnyActorRef = createActor(evseSlacActor(layer(desk, evsePort), {})).start();
    await until(desk, () => evse.getSnapshot().status === 'done', 100);
    expect(evse.getSnapshot().output).toEqual({ ok: false, failure: { code: 'SLAC_NO_KEY', retryable: true, detail: 'no session key (modem step did not run)' } });
  });
});
