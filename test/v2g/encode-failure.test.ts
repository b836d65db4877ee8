// An encode failure of our own message is ours, not the peer's: it ends the
// session with its own reason (EncodeFailed), never as a DecodeError (issue 9 §3).
import { createActor, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { v2gEvMachine } from '../../machines/v2g-ev/index.js';
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { encodeHandshakeRequest, offerFor, v2gEvDefaults, v2gEvseDefaults, v2gEvseTimeoutDefaults } from '../../src/domain/v2g/index.js';
import { codecError } from '../../src/result.js';

const failure = codecError('ENCODE_FAILED', 'could not encode CableCheckReq: value out of range', { context: { exiCode: 'BAD_VALUE' } });

function ev() {
  const shutdowns: string[] = [];
  const actor = createActor(v2gEvMachine.provide({ actions: { requestSafeShutdown: (_, p) => void shutdowns.push(p.reason) } }), {
    clock: new SimulatedClock(),
    input: { config: { ...v2gEvDefaults, protocols: ['din'] }, battery: { socPercent: 50, voltage: 350, maxCurrent: 100, maxVoltage: 400, capacityWh: 40_000 } },
  }).start();
  return { actor, shutdowns };
}

function evse(allowNewSessionAfterStop = false) {
  const closed: string[] = [];
  const actor = createActor(v2gEvseMachine.provide({ actions: { closeTransport: (_, p) => void closed.push(p.reason) } }), {
    clock: new SimulatedClock(),
    input: {
      config: { ...v2gEvseDefaults, protocolPreference: ['din'], allowNewSessionAfterStop, timeouts: { ...v2gEvseTimeoutDefaults } },
      randomBytes: (n) => new Uint8Array(n).fill(7),
    },
  }).start();
  return { actor, closed };
}

describe('EV: our request did not encode', () => {
  it('ends in SafeShutdown with end code EncodeFailed naming the document, and requests the SafeShutdownSequence', () => {
    const e = ev();
    e.actor.send({ type: 'V2G.ENCODE_ERROR', document: 'CableCheckReq', error: failure });
    const snap = e.actor.getSnapshot();
    expect(snap.status).toBe('done');
    expect(snap.output?.result).toBe('SafeShutdown');
    expect(snap.output?.end).toEqual({ code: 'EncodeFailed', detail: { document: 'CableCheckReq', error: { code: 'ENCODE_FAILED', message: failure.message } } });
    expect(e.shutdowns).toHaveLength(1);
  });

  it('a decode error of the charger\'s message is still DecodeError (the two are told apart)', () => {
    const e = ev();
    e.actor.send({ type: 'V2G.DECODE_ERROR', error: codecError('BAD_EVENT_CODE', 'x') });
    expect(e.actor.getSnapshot().output?.end.code).toBe('DecodeError');
  });
});

describe('EVSE: our response did not encode', () => {
  it('before the handshake: Aborted, the connection closed, the reason says EncodeFailed (not a decode error)', () => {
    const e = evse();
    e.actor.send({ type: 'V2G.ENCODE_ERROR', document: 'supportedAppProtocolRes', error: failure });
    const out = e.actor.getSnapshot().output;
    expect(out?.result).toBe('Aborted');
    expect(out?.reason.startsWith('BeforeHandshake: EncodeFailed: supportedAppProtocolRes')).toBe(true);
    expect(e.closed).toHaveLength(1);
  });

  it('in a session: the session ends aborted with an EncodeFailed reason and the connection is closed', () => {
    const e = evse();
    e.actor.send({ type: 'V2G.REQ', doc: encodeHandshakeRequest(offerFor(['din'])) });
    expect(e.actor.getSnapshot().status).toBe('active');
    e.actor.send({ type: 'V2G.ENCODE_ERROR', document: 'SessionSetupRes', error: failure });
    const out = e.actor.getSnapshot().output;
    expect(out?.result).toBe('Aborted');
    expect(out?.reason.startsWith('EncodeFailed: SessionSetupRes')).toBe(true);
    expect(e.closed.some((r) => r === 'encode failed: SessionSetupRes')).toBe(true);
  });
});
