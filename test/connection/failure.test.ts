// Layer failures (src/domain/connection/failure.ts): the RETRYABLE table, reading a
// layer's output, crashes, the NetStack error codes, and the driver's errno
// mapping that feeds them (EACCES/EPERM → PERMISSION_DENIED → give up).
import { describe, expect, it } from 'vitest';
import {
  MAX_DETAIL_LENGTH,
  RETRYABLE,
  crashFailure,
  failureOf,
  failureText,
  isLayerFailureCode,
  layerFailure,
  tcpFailureCode,
  type LayerFailureCode,
} from '../../src/domain/connection/failure.js';
import { causeText } from '../../src/domain/connection/end-cause.js';
import { netErrorCode } from '../../drivers/tcp/node-net.js';
import type { NetErrorCode } from '../../src/ports/net.js';

describe('RETRYABLE', () => {
  it('gives up exactly on the codes where another attempt cannot help', () => {
    const giveUp = (Object.keys(RETRYABLE) as LayerFailureCode[]).filter((c) => !RETRYABLE[c]).sort();
    expect(giveUp).toEqual(['ACTOR_MISSING', 'SDP_PERMISSION_DENIED', 'SLAC_NO_ATTENUATION', 'TCP_PERMISSION_DENIED']);
  });

  it('backs off on a crash, a silent peer and a refused connection', () => {
    expect(RETRYABLE.ACTOR_CRASHED).toBe(true);
    expect(RETRYABLE.SDP_NO_RESPONSE).toBe(true);
    expect(RETRYABLE.SLAC_TIMEOUT).toBe(true);
    expect(RETRYABLE.TCP_CONNECT_REFUSED).toBe(true);
    expect(RETRYABLE.MODEM_NOT_FOUND).toBe(true);
  });

  it('layerFailure takes retryable from the table', () => {
    expect(layerFailure('TCP_PERMISSION_DENIED', 'EACCES')).toEqual({ code: 'TCP_PERMISSION_DENIED', retryable: false, detail: 'EACCES' });
    expect(layerFailure('SLAC_TIMEOUT', 'no CM_SLAC_PARM.CNF')).toEqual({ code: 'SLAC_TIMEOUT', retryable: true, detail: 'no CM_SLAC_PARM.CNF' });
  });

  it('isLayerFailureCode knows every code and nothing else', () => {
    for (const c of Object.keys(RETRYABLE)) expect(isLayerFailureCode(c)).toBe(true);
    expect(isLayerFailureCode('NO_RESPONSE')).toBe(false);
    expect(isLayerFailureCode(7)).toBe(false);
  });
});

describe('failureOf (a layer output)', () => {
  it('success is no failure', () => {
    expect(failureOf({ ok: true, address: 'fe80::1' })).toBeUndefined();
  });

  it('a failure keeps its code and detail, with retryable re-read from the table', () => {
    // A layer cannot override the table: a forged retryable=true for PERMISSION_DENIED still gives up.
    expect(failureOf({ ok: false, failure: { code: 'TCP_PERMISSION_DENIED', retryable: true, detail: 'x' } })).toEqual({ code: 'TCP_PERMISSION_DENIED', retryable: false, detail: 'x' });
  });

  it('no output, a text-only failure or an unknown code is NO_OUTPUT, never a success', () => {
    expect(failureOf(undefined)?.code).toBe('NO_OUTPUT');
    expect(failureOf({ ok: false, reason: 'old style' })?.code).toBe('NO_OUTPUT');
    expect(failureOf({ ok: false, failure: { code: 'BOGUS', detail: '' } })?.code).toBe('NO_OUTPUT');
    expect(failureOf({ address: 'fe80::1' })?.code).toBe('NO_OUTPUT');
  });

  it('bounds the detail', () => {
    const f = failureOf({ ok: false, failure: { code: 'TCP_IO', detail: 'x'.repeat(10_000) } });
    expect(f?.detail.length).toBe(MAX_DETAIL_LENGTH);
  });
});

describe('crashFailure and texts', () => {
  it('a crash is ACTOR_CRASHED with the message, retryable', () => {
    expect(crashFailure(new Error('dialect bug'))).toEqual({ code: 'ACTOR_CRASHED', retryable: true, detail: 'dialect bug' });
    expect(crashFailure('thrown string').detail).toBe('thrown string');
    expect(crashFailure(new Error('y'.repeat(5000))).detail.length).toBe(MAX_DETAIL_LENGTH);
  });

  it('failureText and causeText name the code', () => {
    expect(failureText({ ...layerFailure('SDP_NO_RESPONSE', 'no valid SDP response to 50 requests'), layer: 'sdp' })).toBe('SDP_NO_RESPONSE (sdp): no valid SDP response to 50 requests');
    expect(causeText({ code: 'LayerFailed', failure: layerFailure('TCP_CONNECT_REFUSED', 'RST') })).toBe('TCP_CONNECT_REFUSED: RST');
    expect(causeText({ code: 'Unplugged' })).toBe('unplugged');
    expect(causeText({ code: 'SessionStopTimeout', request: 'SIGTERM' })).toBe('SIGTERM: the session did not end within safe_shutdown_timeout');
  });
});

describe('net error codes', () => {
  it('every NetStack code maps to a TCP failure code', () => {
    const all: NetErrorCode[] = ['NO_LINK_LOCAL', 'ADDRESS_IN_USE', 'CONNECT_REFUSED', 'CONNECT_TIMEOUT', 'UNREACHABLE', 'PERMISSION_DENIED', 'IO'];
    expect(all.map(tcpFailureCode)).toEqual(['TCP_NO_LINK_LOCAL', 'TCP_ADDRESS_IN_USE', 'TCP_CONNECT_REFUSED', 'TCP_CONNECT_TIMEOUT', 'TCP_UNREACHABLE', 'TCP_PERMISSION_DENIED', 'TCP_IO']);
  });

  it('the node:net driver maps EACCES and EPERM to PERMISSION_DENIED (give up), the rest as before', () => {
    expect(netErrorCode('EACCES')).toBe('PERMISSION_DENIED');
    expect(netErrorCode('EPERM')).toBe('PERMISSION_DENIED');
    expect(netErrorCode('EADDRINUSE')).toBe('ADDRESS_IN_USE');
    expect(netErrorCode('ECONNREFUSED')).toBe('CONNECT_REFUSED');
    expect(netErrorCode('ENETUNREACH')).toBe('UNREACHABLE');
    expect(netErrorCode('EHOSTUNREACH')).toBe('UNREACHABLE');
    expect(netErrorCode('EPIPE')).toBe('IO');
    expect(netErrorCode(undefined)).toBe('IO');
    expect(RETRYABLE[tcpFailureCode(netErrorCode('EACCES'))]).toBe(false);
  });
});
