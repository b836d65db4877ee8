// The SECC before the handshake (issue 8, defects 1 and 2): a connection that closes, resets, sends
// garbage or nothing before its supportedAppProtocolReq ends the session machine in a defined state
// (output sessions = 0, reason 'BeforeHandshake: …', supply off), on virtual time.
import { createActor, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { encodeHandshakeRequest, offerFor, v2gEvseDefaults, v2gEvseTimeoutDefaults } from '../../src/domain/v2g/index.js';

function evse(timeouts: Partial<Record<keyof typeof v2gEvseTimeoutDefaults, number>> = {}) {
  const clock = new SimulatedClock();
  const closed: string[] = [];
  const power: string[] = [];
  const sent: unknown[] = [];
  const actor = createActor(
    v2gEvseMachine.provide({
      actions: {
        send: (_, o) => void sent.push(o),
        closeTransport: (_, p) => void closed.push(p.reason),
        powerSupplyOff: () => void power.push('off'),
        setPowerSupply: () => void power.push('set'),
      },
    }),
    {
      clock,
      input: {
        config: { ...v2gEvseDefaults, protocolPreference: ['din'], allowNewSessionAfterStop: false, timeouts: { ...v2gEvseTimeoutDefaults, ...timeouts } },
        randomBytes: (n) => new Uint8Array(n).fill(7),
      },
    },
  ).start();
  return { actor, clock, closed, power, sent };
}

describe('SECC before supportedAppProtocolReq', () => {
  it.each([
    ['an early FIN', 'remote'],
    ['an early RST', 'reset: read ECONNRESET'],
  ])('%s ends the machine at once: Aborted, sessions 0, supply off', (_name, reason) => {
    const e = evse();
    e.actor.send({ type: 'V2G.TRANSPORT_CLOSED', reason });
    const snap = e.actor.getSnapshot();
    expect(snap.status).toBe('done');
    expect(snap.output).toMatchObject({ result: 'Aborted', sessions: 0, reason: `BeforeHandshake: connection closed (${reason})` });
    expect(e.power).toEqual(['off']);
    expect(e.power).not.toContain('set');
  });

  it('garbage (broken V2GTP framing, e.g. a header declaring 4 GB) ends the machine and closes', () => {
    const e = evse();
    e.actor.send({ type: 'V2G.DECODE_ERROR', error: { code: 'MESSAGE_TOO_LONG', message: 'payload length 4294967295 > 8192', offset: 4 } });
    expect(e.actor.getSnapshot().output).toMatchObject({ result: 'Aborted', sessions: 0, reason: 'BeforeHandshake: decode error MESSAGE_TOO_LONG' });
    expect(e.closed).toEqual(['BeforeHandshake: decode error MESSAGE_TOO_LONG']);
  });

  it('EXI garbage (well framed, undecodable) ends the machine and closes', () => {
    const e = evse();
    e.actor.send({ type: 'V2G.DECODE_ERROR', error: { code: 'BAD_EVENT_CODE', message: 'x', bitPosition: 3 } });
    expect(e.actor.getSnapshot().output).toMatchObject({ result: 'Aborted', sessions: 0 });
    expect(e.closed).toHaveLength(1);
  });

  it('a silent connection is closed after handshake_timeout (5 s default), not later', () => {
    const e = evse();
    e.clock.increment(v2gEvseTimeoutDefaults.handshake_timeout - 1);
    expect(e.actor.getSnapshot().status).toBe('active');
    expect(e.closed).toEqual([]);
    e.clock.increment(1);
    expect(e.actor.getSnapshot().output).toMatchObject({ result: 'Aborted', sessions: 0, reason: 'BeforeHandshake: Timeout:handshake_timeout' });
    expect(e.closed).toEqual(['BeforeHandshake: Timeout:handshake_timeout']);
  });

  it('V2G_SECC_Sequence_Timeout runs from the accept too (it bounds the wait when handshake_timeout is set above it)', () => {
    const e = evse({ handshake_timeout: 60_000, V2G_SECC_Sequence_Timeout: 20_000 });
    e.clock.increment(19_999);
    expect(e.actor.getSnapshot().status).toBe('active');
    e.clock.increment(1);
    expect(e.actor.getSnapshot().output).toMatchObject({ result: 'Aborted', sessions: 0 });
    expect(e.closed[0]).toMatch(/BeforeHandshake: Timeout:/);
  });

  it('a stop at the charger before the handshake ends the machine at once', () => {
    const e = evse();
    e.actor.send({ type: 'STOP_REQUEST', reason: 'SIGTERM' });
    expect(e.actor.getSnapshot().output).toMatchObject({ result: 'Aborted', sessions: 0, reason: 'BeforeHandshake: SIGTERM' });
    expect(e.closed).toEqual(['stop before the handshake']);
  });

  it('the timers stop with the handshake: a car that completes it in time is not cut off', () => {
    const e = evse();
    e.clock.increment(1000);
    e.actor.send({ type: 'V2G.REQ', doc: encodeHandshakeRequest(offerFor(['din'])) });
    expect(e.actor.getSnapshot().value).toMatchObject({ session: {} });
    e.clock.increment(v2gEvseTimeoutDefaults.handshake_timeout * 2);
    expect(e.actor.getSnapshot().status).toBe('active');
    expect(e.closed).toEqual([]);
  });
});
