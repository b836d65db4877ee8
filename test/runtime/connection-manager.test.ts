// The connection managers of both roles over the in-memory IPv6 link, on a
// simulated clock: real SDP machines, real (in-memory) TCP, the real V2GTP
// transport actor. Test doubles stand in for the layers owned elsewhere:
// modem/SLAC (fromPromise that "pairs" the link), the EXI codec (JSON), and a
// minimal session machine that does one request/response exchange.
import { describe, expect, it } from 'vitest';
import { SimulatedClock, assign, createActor, fromPromise, sendParent, setup, type AnyActorLogic } from 'xstate';
import { MemoryIpv6Link } from '../../drivers/udp/memory-link.js';
import { evConnectionManagerMachine } from '../../machines/connection-manager/ev.js';
import { evseConnectionManagerMachine } from '../../machines/connection-manager/evse.js';
import { sdpClientMachine } from '../../machines/sdp-client/index.js';
import { sdpServerMachine } from '../../machines/sdp-server/index.js';
import { tcpAcceptActor, tcpConnectActor, tcpListenActor, udpLinkActor } from '../../src/runtime/net-actors.js';
import { v2gTransportActor, type V2gCodec } from '../../src/runtime/v2g-transport.js';
import { memoryLogger, nullLogger } from '../../src/ports/log.js';
import { codecError, err, ok } from '../../src/result.js';
import type { V2gDocument } from '../../src/domain/v2g/document.js';
import { runUntil, runFor } from './virtual-time.js';

const jsonCodec: V2gCodec = {
  encode: (_schema, doc) => ok(new TextEncoder().encode(JSON.stringify(doc))),
  decode: (_schema, bytes) => {
    try {
      return ok(JSON.parse(new TextDecoder().decode(bytes)) as V2gDocument);
    } catch {
      return err(codecError('BAD_JSON', 'not JSON', { offset: 0 }));
    }
  },
};

/** EV session double: sends one handshake request, finishes on the answer; fails on close or silence. */
const evSessionDouble = setup({
  types: { context: {} as { result: string; reason: string } },
}).createMachine({
  context: { result: 'SafeShutdown', reason: '' },
  initial: 'waiting',
  entry: sendParent({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.SEND', out: { schema: 'appHand', doc: { supportedAppProtocolReq: { AppProtocol: [] } } } } }),
  states: {
    waiting: {
      on: {
        'V2G.RES': { target: 'done', actions: assign({ result: 'ChargingFinished', reason: 'answered' }) },
        'V2G.TRANSPORT_CLOSED': { target: 'done', actions: assign({ reason: 'closed' }) },
        'V2G.DECODE_ERROR': { target: 'done', actions: assign({ reason: 'decode error' }) },
      },
      after: { 2000: { target: 'done', actions: assign({ reason: 'timeout' }) } },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context,
});

const evseSessionDouble = setup({ types: { context: {} as { result: string; reason: string } } }).createMachine({
  context: { result: 'Aborted', reason: '' },
  initial: 'waiting',
  states: {
    waiting: {
      on: {
        'V2G.REQ': {
          target: 'lingering',
          actions: sendParent({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.SEND', out: { schema: 'appHand', doc: { supportedAppProtocolRes: { ResponseCode: 'OK_SuccessfulNegotiation', SchemaID: 1 } } } } }),
        },
        'V2G.TRANSPORT_CLOSED': { target: 'done', actions: assign({ reason: 'closed' }) },
        'V2G.DECODE_ERROR': { target: 'done', actions: assign({ reason: 'decode error' }) },
      },
    },
    lingering: { on: { 'V2G.TRANSPORT_CLOSED': { target: 'done', actions: assign({ result: 'SessionStopped', reason: 'ev closed' }) } } },
    done: { type: 'final' },
  },
  output: ({ context }) => context,
});

function world(opts: { evseSilent?: boolean; announcePort?: number; evseSession?: AnyActorLogic } = {}) {
  const clock = new SimulatedClock();
  const link = new MemoryIpv6Link({ clock });
  const evNet = link.addHost('sim-ev', new Uint8Array([2, 0, 0, 0, 0, 1]));
  const evseNet = link.addHost('sim-evse', new Uint8Array([2, 0, 0, 0, 0, 2]));
  let paired = false;
  link.setReachable(() => paired);
  const pairing = fromPromise(async () => {
    paired = true;
    return { ok: true };
  });
  const shutdowns: string[] = [];
  const logs = memoryLogger();
  const evCm = createActor(
    evConnectionManagerMachine.provide({
      actors: {
        modem: fromPromise(async () => ({ ok: true })),
        slac: pairing,
        sdp: sdpClientMachine.provide({ actors: { udp: udpLinkActor({ net: evNet, port: 0, logger: nullLogger }) } }),
        tcp: tcpConnectActor(evNet, 1000, nullLogger),
        transport: v2gTransportActor({ role: 'ev', codec: jsonCodec, logger: logs.child('ev') }),
        session: evSessionDouble,
      },
      actions: {
        requestSafeShutdown: ({ self }, p) => {
          shutdowns.push(`ev: ${p.reason}`);
          queueMicrotask(() => self.send({ type: 'SAFE_SHUTDOWN.DONE', ok: true }));
        },
      },
    }),
    { input: { plugged: true, oneShot: true, timings: { backoffInitial: 500, maxAttempts: 3 } }, clock },
  );
  const evseCm = createActor(
    evseConnectionManagerMachine.provide({
      actors: {
        modem: fromPromise(async () => ({ ok: true })),
        slac: fromPromise(async () => ({ ok: true })),
        listen: tcpListenActor(evseNet, 0, nullLogger),
        sdp: sdpServerMachine.provide({ actors: { udp: udpLinkActor({ net: evseNet, port: 15118, multicast: 'ff02::1', logger: nullLogger }) } }),
        accept: tcpAcceptActor,
        transport: v2gTransportActor({ role: 'evse', codec: jsonCodec, logger: logs.child('evse') }),
        session: opts.evseSession ?? evseSessionDouble,
      },
      actions: {
        closeServer: (_, p) => (p.handle as { close(): void } | undefined)?.close(),
        requestSafeShutdown: ({ self }, p) => {
          shutdowns.push(`evse: ${p.reason}`);
          queueMicrotask(() => self.send({ type: 'SAFE_SHUTDOWN.DONE', ok: true }));
        },
      },
    }),
    { input: { oneShot: true }, clock },
  );
  return { clock, link, evCm, evseCm, shutdowns, logs, evNet, evseNet };
}

describe('connection managers over the in-memory link', () => {
  it('EV and EVSE go modem → SLAC → SDP → TCP → session and both end cleanly', async () => {
    const w = world();
    w.evseCm.start();
    w.evCm.start();
    const took = await runUntil(w.clock, () => w.evCm.getSnapshot().status === 'done' && w.evseCm.getSnapshot().status === 'done', 10_000);
    expect(took, `EV ${JSON.stringify(w.evCm.getSnapshot().value)} ${w.evCm.getSnapshot().context.reason}; EVSE ${JSON.stringify(w.evseCm.getSnapshot().value)} ${w.evseCm.getSnapshot().context.reason}`).toBeGreaterThanOrEqual(0);
    expect(w.evCm.getSnapshot().output).toMatchObject({ end: 'ChargingFinished', attempts: 1 });
    expect(w.evseCm.getSnapshot().output).toMatchObject({ end: 'SessionStopped', sessions: 1 });
    expect(w.shutdowns).toEqual([]);
  });

  it('EV backs off and retries while SDP is not answered, then gives up after max_attempts', async () => {
    const w = world();
    // No EVSE at all: SDP times out (50 × 250 ms) on every attempt.
    w.evCm.start();
    const took = await runUntil(w.clock, () => w.evCm.getSnapshot().status === 'done', 60_000, 50);
    expect(took).toBeGreaterThan(3 * 50 * 250);
    expect(w.evCm.getSnapshot().output).toMatchObject({ end: 'GaveUp', attempts: 3 });
    expect(w.evCm.getSnapshot().output).toMatchObject({ cause: { code: 'LayerFailed', failure: { code: 'SDP_NO_RESPONSE', layer: 'sdp', retryable: true } } });
  });

  it('a wrong announced port makes the TCP connect fail and the EV back off', async () => {
    const w = world();
    const evse = createActor(sdpServerMachine.provide({ actors: { udp: udpLinkActor({ net: w.evseNet, port: 15118, multicast: 'ff02::1', logger: nullLogger }) } }), {
      input: { address: w.evseNet.address, tcpPort: 50001, announcePort: 50002 },
      clock: w.clock,
    }).start();
    w.evCm.start();
    await runUntil(w.clock, () => w.evCm.getSnapshot().status === 'done', 60_000, 50);
    expect(w.evCm.getSnapshot().output).toMatchObject({ end: 'GaveUp' });
    expect(w.evCm.getSnapshot().output).toMatchObject({ cause: { code: 'LayerFailed', failure: { code: 'TCP_CONNECT_REFUSED', layer: 'tcp' } } });
    evse.stop();
  });

  it('garbage on the TCP stream: typed error, connection closed, both sides reach a defined end', async () => {
    // The EVSE session never answers; the garbage comes from its side of the connection.
    const garbler = setup({}).createMachine({ initial: 'forever', states: { forever: {} } });
    const w = world({ evseSession: garbler });
    // Let the EVSE accept, then write garbage from its side as soon as the connection exists.
    w.evseCm.start();
    w.evCm.start();
    await runUntil(w.clock, () => w.evseCm.getSnapshot().hasTag('session'), 10_000);
    const conn = w.evseCm.getSnapshot().context.connection as { write(d: Uint8Array): void };
    conn.write(new Uint8Array([0x02, 0xfd, 0x80, 0x01, 0, 0, 0, 4, 1, 2, 3, 4]));
    await runUntil(w.clock, () => w.evCm.getSnapshot().status === 'done', 10_000);
    const out = w.evCm.getSnapshot().output;
    expect(out?.end).toBe('SafeShutdown');
    expect(w.shutdowns.some((s) => s.startsWith('ev: '))).toBe(true);
    // The session double's own end text ('decode error'): the manager passes the session's end on as SessionEnded.
    expect(w.evCm.getSnapshot().output?.cause).toEqual({ code: 'SessionEnded', reason: 'decode error' });
    expect(w.logs.lines.some((l) => l.level === 'error' && /V2GTP stream broken/.test(l.message) && l.fields?.code === 'BAD_VERSION')).toBe(true);
  });

  it('TCP reset mid-session: the EV session sees the close and the manager shuts down safely', async () => {
    const hang = setup({}).createMachine({ initial: 'forever', states: { forever: {} } });
    const w = world({ evseSession: hang });
    w.evseCm.start();
    w.evCm.start();
    await runUntil(w.clock, () => w.evCm.getSnapshot().hasTag('session'), 10_000);
    await runFor(w.clock, 50);
    expect(w.link.resetConnections()).toBeGreaterThan(0);
    await runUntil(w.clock, () => w.evCm.getSnapshot().status === 'done', 10_000);
    expect(w.evCm.getSnapshot().output).toMatchObject({ end: 'SafeShutdown', cause: { code: 'SessionEnded', reason: 'closed' } });
  });

  it('a crashing session actor (exception in an action) is caught by onError and the SafeShutdown sibling is requested', async () => {
    const w = world();
    // The EV session double is replaced by the crashing one; the EVSE answers the handshake.
    const ev = createActor(
      evConnectionManagerMachine.provide({
        actors: {
          modem: fromPromise(async () => ({ ok: true })),
          slac: fromPromise(async () => ({ ok: true })),
          sdp: sdpClientMachine.provide({ actors: { udp: udpLinkActor({ net: w.evNet, port: 0, logger: nullLogger }) } }),
          tcp: tcpConnectActor(w.evNet, 1000, nullLogger),
          transport: v2gTransportActor({ role: 'ev', codec: jsonCodec, logger: nullLogger }),
          // A session whose action throws on the first response: the actor errors, the manager's onError must handle it.
          session: setup({
            actions: {
              explode: () => {
                throw new Error('dialect bug');
              },
            },
          }).createMachine({
            entry: sendParent({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.SEND', out: { schema: 'appHand', doc: { supportedAppProtocolReq: { AppProtocol: [] } } } } }),
            on: { 'V2G.RES': { actions: 'explode' } },
          }),
        },
        actions: {
          requestSafeShutdown: ({ self }, p) => {
            w.shutdowns.push(`ev: ${p.reason}`);
            queueMicrotask(() => self.send({ type: 'SAFE_SHUTDOWN.DONE', ok: true }));
          },
        },
      }),
      { input: { plugged: true, oneShot: true }, clock: w.clock },
    );
    w.link.setReachable(() => true);
    w.evseCm.start();
    ev.start();
    await runUntil(w.clock, () => ev.getSnapshot().status === 'done', 10_000);
    expect(ev.getSnapshot().output).toMatchObject({ end: 'SafeShutdown' });
    expect(ev.getSnapshot().output?.cause).toEqual({ code: 'SessionCrashed', failure: { code: 'ACTOR_CRASHED', retryable: true, detail: 'dialect bug', layer: 'session' } });
    expect(w.shutdowns.some((s) => s.startsWith('ev: session actor crashed'))).toBe(true);
  });
});

describe('the transport when the codec throws (a codec bug)', () => {
  /** A session that records the first transport event it gets after sending its handshake request. */
  const recorder = setup({ types: { context: {} as { got: string; code: string } } }).createMachine({
    context: { got: '', code: '' },
    entry: sendParent({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.SEND', out: { schema: 'appHand', doc: { supportedAppProtocolReq: { AppProtocol: [] } } } } }),
    initial: 'waiting',
    states: {
      waiting: {
        on: {
          'V2G.ENCODE_ERROR': {
            target: 'done',
            actions: assign({ got: 'V2G.ENCODE_ERROR', code: ({ event }) => { const e = (event as { error?: { code?: string; context?: { exiCode?: string } } }).error; return `${String(e?.code)}/${String(e?.context?.exiCode)}`; } }),
          },
          'V2G.DECODE_ERROR': { target: 'done', actions: assign({ got: 'V2G.DECODE_ERROR', code: ({ event }) => String((event as { error?: { code?: string } }).error?.code) }) },
        },
        after: { 2000: { target: 'done', actions: assign({ got: 'timeout' }) } },
      },
      done: { type: 'final' },
    },
    output: ({ context }) => ({ result: 'SafeShutdown', reason: `${context.got} ${context.code}` }),
  });

  it('an encoder that throws on our own message is an ENCODE_ERROR (ENCODE_FAILED, exiCode ENCODE_THREW), never a decode error, and the manager does not crash', async () => {
    const w = world();
    const throwing: V2gCodec = {
      encode: () => {
        throw new Error('encoder bug');
      },
      decode: jsonCodec.decode,
    };
    const ev = createActor(
      evConnectionManagerMachine.provide({
        actors: {
          modem: fromPromise(async () => ({ ok: true })),
          slac: fromPromise(async () => ({ ok: true })),
          sdp: sdpClientMachine.provide({ actors: { udp: udpLinkActor({ net: w.evNet, port: 0, logger: nullLogger }) } }),
          tcp: tcpConnectActor(w.evNet, 1000, nullLogger),
          transport: v2gTransportActor({ role: 'ev', codec: throwing, logger: nullLogger }),
          session: recorder,
        },
        actions: { requestSafeShutdown: ({ self }) => queueMicrotask(() => self.send({ type: 'SAFE_SHUTDOWN.DONE', ok: true })) },
      }),
      { input: { plugged: true, oneShot: true }, clock: w.clock },
    );
    w.link.setReachable(() => true);
    w.evseCm.start();
    ev.start();
    await runUntil(w.clock, () => ev.getSnapshot().status !== 'active', 10_000);
    expect(ev.getSnapshot().status).toBe('done');
    expect(ev.getSnapshot().output?.cause).toEqual({ code: 'SessionEnded', reason: 'V2G.ENCODE_ERROR ENCODE_FAILED/ENCODE_THREW' });
  });
});
