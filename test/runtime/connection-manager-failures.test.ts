// The connection managers' decision on a layer failure, by code: every code of
// src/domain/connection/failure.ts, failed by every layer position it can come from,
// leads to a back-off and another attempt when RETRYABLE says so, and to an
// immediate give-up when it does not; a crashing layer actor is ACTOR_CRASHED
// and backed off. Layer doubles stand in for the real layers (their own tests
// show which code each real layer produces); the managers run on SimulatedClock.
import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, fromCallback, fromPromise, type AnyActorLogic } from 'xstate';
import { evConnectionManagerMachine } from '../../machines/connection-manager/ev.js';
import { evseConnectionManagerMachine } from '../../machines/connection-manager/evse.js';
import { RETRYABLE, layerFailure, type LayerFailureCode } from '../../src/domain/connection/failure.js';
import type { StatusUpdate } from '../../src/status.js';
import { runUntil } from './virtual-time.js';
import { sdpClientMachine } from '../../machines/sdp-client/index.js';
import { tcpConnectActor, tcpListenActor, udpLinkActor } from '../../src/runtime/net-actors.js';
import { nullLogger } from '../../src/ports/log.js';
import type { NetErrorCode, NetStack } from '../../src/ports/net.js';

const ok = fromPromise(async () => ({ ok: true }));
const failing = (code: LayerFailureCode) => fromPromise(async () => ({ ok: false, failure: layerFailure(code, `test double: ${code}`) }));
const crashing = fromPromise(async (): Promise<never> => {
  throw new Error('layer bug');
});
const never = fromCallback(() => () => {});
const codes = Object.keys(RETRYABLE) as LayerFailureCode[];
const MAX_ATTEMPTS = 3;

type EvLayer = 'modem' | 'slac' | 'sdp' | 'tcp';

function runEv(layer: EvLayer, logic: AnyActorLogic) {
  const clock = new SimulatedClock();
  const reports: StatusUpdate[] = [];
  const actors: Record<EvLayer, AnyActorLogic> = { modem: ok, slac: ok, sdp: fromPromise(async () => ({ ok: true, address: 'fe80::2', port: 50000 })), tcp: ok };
  actors[layer] = logic;
  const actor = createActor(
    evConnectionManagerMachine.provide({
      actors: { ...actors, session: never, transport: never },
      actions: { report: (_, p) => void reports.push(p) },
    }),
    { input: { plugged: true, oneShot: true, timings: { backoffInitial: 100, backoffMax: 100, maxAttempts: MAX_ATTEMPTS } }, clock },
  );
  return { clock, actor, reports, backoffs: () => reports.filter((r) => r.layer === 'runtime' && r.state === 'backoff') };
}

type EvseLayer = 'modem' | 'slac' | 'listen';

function runEvse(layer: EvseLayer, logic: AnyActorLogic) {
  const clock = new SimulatedClock();
  const reports: StatusUpdate[] = [];
  const actors: Record<EvseLayer, AnyActorLogic> = { modem: ok, slac: ok, listen: fromPromise(async () => ({ ok: true, port: 50000, address: 'fe80::1', handle: undefined })) };
  actors[layer] = logic;
  const actor = createActor(
    evseConnectionManagerMachine.provide({
      actors: { ...actors, sdp: never, accept: never, transport: never, session: never },
      actions: { report: (_, p) => void reports.push(p), closeServer: () => {} },
    }),
    { input: { oneShot: true, timings: { backoffInitial: 100, backoffMax: 100, maxAttempts: MAX_ATTEMPTS } }, clock },
  );
  return { clock, actor, reports, backoffs: () => reports.filter((r) => r.layer === 'runtime' && r.state === 'backoff') };
}

describe('EV connection manager: back-off or give-up by failure code', () => {
  for (const layer of ['modem', 'slac', 'sdp', 'tcp'] as const) {
    for (const code of codes) {
      const retry = RETRYABLE[code];
      it(`${layer} fails with ${code} → ${retry ? `back-off, ${MAX_ATTEMPTS} attempts` : 'give up after 1 attempt'}`, async () => {
        const r = runEv(layer, failing(code));
        r.actor.start();
        expect(await runUntil(r.clock, () => r.actor.getSnapshot().status === 'done', 10_000)).toBeGreaterThanOrEqual(0);
        const out = r.actor.getSnapshot().output;
        expect(out).toMatchObject({ end: 'GaveUp', attempts: retry ? MAX_ATTEMPTS : 1, cause: { code: 'LayerFailed', failure: { code, retryable: retry, layer } }, failure: { code, layer } });
        // Every attempt reports one back-off line with the code (the last one ends in the give-up).
        expect(r.backoffs().map((b) => b.details?.code)).toEqual(Array<string>(retry ? MAX_ATTEMPTS : 1).fill(code));
        expect(r.backoffs().every((b) => b.details?.retryable === retry)).toBe(true);
      });
    }
  }

  for (const layer of ['modem', 'slac', 'sdp', 'tcp'] as const) {
    it(`a crashing ${layer} actor is ACTOR_CRASHED: backed off and retried`, async () => {
      const r = runEv(layer, crashing);
      r.actor.start();
      expect(await runUntil(r.clock, () => r.actor.getSnapshot().status === 'done', 10_000)).toBeGreaterThanOrEqual(0);
      expect(r.actor.getSnapshot().output).toMatchObject({ end: 'GaveUp', attempts: MAX_ATTEMPTS, failure: { code: 'ACTOR_CRASHED', retryable: true, layer, detail: 'layer bug' } });
      expect(r.backoffs().map((b) => b.details?.code)).toEqual(Array<string>(MAX_ATTEMPTS).fill('ACTOR_CRASHED'));
    });
  }

  it('a layer that fails without a code (old text-only output) is NO_OUTPUT, not a success', async () => {
    const r = runEv('sdp', fromPromise(async () => ({ ok: false, reason: 'no SDP response' })));
    r.actor.start();
    await runUntil(r.clock, () => r.actor.getSnapshot().status === 'done', 10_000);
    expect(r.actor.getSnapshot().output).toMatchObject({ end: 'GaveUp', failure: { code: 'NO_OUTPUT', layer: 'sdp' } });
    expect(r.reports.some((u) => u.layer === 'tcp')).toBe(false);
  });

  it('a layer the runtime did not provide is ACTOR_MISSING: give up at once', async () => {
    const clock = new SimulatedClock();
    const actor = createActor(evConnectionManagerMachine, { input: { plugged: true, timings: { maxAttempts: 0 } }, clock });
    actor.start();
    await runUntil(clock, () => actor.getSnapshot().status === 'done', 10_000);
    // maxAttempts 0 = forever: only the code can end it.
    expect(actor.getSnapshot().output).toMatchObject({ end: 'GaveUp', attempts: 1, failure: { code: 'ACTOR_MISSING', retryable: false, layer: 'modem' } });
  });

  it('with max_attempts 0 (forever) a retryable failure keeps backing off', async () => {
    const clock = new SimulatedClock();
    const actor = createActor(evConnectionManagerMachine.provide({ actors: { modem: failing('MODEM_NOT_FOUND') } }), { input: { plugged: true, timings: { backoffInitial: 100, backoffMax: 100, maxAttempts: 0 } }, clock });
    actor.start();
    await runUntil(clock, () => actor.getSnapshot().context.attempts >= 20, 60_000);
    expect(actor.getSnapshot().status).toBe('active');
    expect(actor.getSnapshot().context.failure).toMatchObject({ code: 'MODEM_NOT_FOUND', retryable: true });
    actor.stop();
  });
});

describe('EVSE connection manager: back-off or give-up by failure code', () => {
  for (const layer of ['modem', 'slac', 'listen'] as const) {
    for (const code of codes) {
      const retry = RETRYABLE[code];
      it(`${layer} fails with ${code} → ${retry ? 'back-off' : 'give up'}`, async () => {
        const r = runEvse(layer, failing(code));
        r.actor.start();
        expect(await runUntil(r.clock, () => r.actor.getSnapshot().status === 'done', 10_000)).toBeGreaterThanOrEqual(0);
        expect(r.actor.getSnapshot().output).toMatchObject({ end: 'GaveUp', cause: { code: 'LayerFailed', failure: { code, retryable: retry, layer } } });
        expect(r.backoffs().map((b) => b.details?.code)).toEqual(Array<string>(retry ? MAX_ATTEMPTS : 1).fill(code));
      });
    }
  }

  it('a crashing listen actor is ACTOR_CRASHED: backed off and retried', async () => {
    const r = runEvse('listen', crashing);
    r.actor.start();
    await runUntil(r.clock, () => r.actor.getSnapshot().status === 'done', 10_000);
    expect(r.actor.getSnapshot().output).toMatchObject({ end: 'GaveUp', failure: { code: 'ACTOR_CRASHED', layer: 'listen' } });
    expect(r.backoffs()).toHaveLength(MAX_ATTEMPTS);
  });

  it('no TCP connection from the EV within V2G_SECC_CommunicationSetup_Performance_Time is TCP_NO_CONNECTION: back-off', async () => {
    const r = runEvse('modem', ok);
    r.actor.start();
    await runUntil(r.clock, () => r.actor.getSnapshot().status === 'done', 200_000, 100);
    expect(r.actor.getSnapshot().output).toMatchObject({ end: 'GaveUp', failure: { code: 'TCP_NO_CONNECTION', layer: 'tcp', retryable: true } });
    expect(r.backoffs().map((b) => b.details?.code)).toEqual(Array<string>(MAX_ATTEMPTS).fill('TCP_NO_CONNECTION'));
  });
});

describe('the real layers produce the codes', () => {
  /** A NetStack whose UDP socket cannot be opened (the kernel said `code`). */
  const noSocket = (code: NetErrorCode): NetStack => ({
    interfaceName: 'test0',
    linkLocalAddress: () => 'fe80::1',
    openUdp: async () => ({ ok: false, error: { code, message: `udp bind on test0: ${code}` } }),
    listenTcp: async () => ({ ok: false, error: { code: 'IO', message: 'unused' } }),
    connectTcp: async () => ({ ok: false, error: { code: 'IO', message: 'unused' } }),
  });
  const sdpOn = (net: NetStack) => sdpClientMachine.provide({ actors: { udp: udpLinkActor({ net, port: 0, logger: nullLogger }) } });

  it('an SDP socket the process may not open (EACCES) is SDP_PERMISSION_DENIED: give up at once, no 50 requests into nothing', async () => {
    const r = runEv('sdp', sdpOn(noSocket('PERMISSION_DENIED')));
    r.actor.start();
    const took = await runUntil(r.clock, () => r.actor.getSnapshot().status === 'done', 10_000);
    expect(took).toBeGreaterThanOrEqual(0);
    expect(took).toBeLessThan(250);
    expect(r.actor.getSnapshot().output).toMatchObject({ end: 'GaveUp', attempts: 1, failure: { code: 'SDP_PERMISSION_DENIED', retryable: false, layer: 'sdp' } });
  });

  it('a TCP listener the charger may not open (EACCES) is TCP_PERMISSION_DENIED: the charger gives up at once', async () => {
    const net: NetStack = { ...noSocket('IO'), listenTcp: async () => ({ ok: false, error: { code: 'PERMISSION_DENIED', message: 'tcp listen [fe80::1]:80: EACCES' } }) };
    const r = runEvse('listen', tcpListenActor(net, 80, nullLogger));
    r.actor.start();
    await runUntil(r.clock, () => r.actor.getSnapshot().status === 'done', 10_000);
    expect(r.actor.getSnapshot().output).toMatchObject({ end: 'GaveUp', failure: { code: 'TCP_PERMISSION_DENIED', retryable: false, layer: 'listen' } });
    expect(r.backoffs()).toHaveLength(1);
  });

  it('a TCP connect the car may not make (EPERM, a firewall) is TCP_PERMISSION_DENIED: give up; a timeout is TCP_CONNECT_TIMEOUT: retried', async () => {
    const denied: NetStack = { ...noSocket('IO'), connectTcp: async () => ({ ok: false, error: { code: 'PERMISSION_DENIED', message: 'connect: EPERM' } }) };
    const r = runEv('tcp', tcpConnectActor(denied, 1000, nullLogger));
    r.actor.start();
    await runUntil(r.clock, () => r.actor.getSnapshot().status === 'done', 10_000);
    expect(r.actor.getSnapshot().output).toMatchObject({ end: 'GaveUp', attempts: 1, failure: { code: 'TCP_PERMISSION_DENIED', layer: 'tcp' } });
    const slow: NetStack = { ...noSocket('IO'), connectTcp: async () => ({ ok: false, error: { code: 'CONNECT_TIMEOUT', message: 'no answer' } }) };
    const t = runEv('tcp', tcpConnectActor(slow, 1000, nullLogger));
    t.actor.start();
    await runUntil(t.clock, () => t.actor.getSnapshot().status === 'done', 10_000);
    expect(t.actor.getSnapshot().output).toMatchObject({ end: 'GaveUp', attempts: MAX_ATTEMPTS, failure: { code: 'TCP_CONNECT_TIMEOUT', retryable: true } });
  });

  it('an SDP socket that fails otherwise is SDP_SOCKET_FAILED: backed off and retried', async () => {
    const r = runEv('sdp', sdpOn(noSocket('ADDRESS_IN_USE')));
    r.actor.start();
    await runUntil(r.clock, () => r.actor.getSnapshot().status === 'done', 10_000);
    expect(r.actor.getSnapshot().output).toMatchObject({ end: 'GaveUp', attempts: MAX_ATTEMPTS, failure: { code: 'SDP_SOCKET_FAILED', retryable: true } });
  });
});
