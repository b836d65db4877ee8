// The charger's connection manager with the real v2g-evse session machine and the real V2GTP transport,
// over the in-memory IPv6 link on virtual time, against a peer that misbehaves before the handshake
// (issue 8, defects 1, 2 and 7): early FIN, garbage, silence, a second connection, and a STOP that the
// session never answers. Each must end in a defined state: SLAC again (a fresh attempt) or ended.
import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, fromPromise, sendParent, setup } from 'xstate';
import { MemoryIpv6Link } from '../../drivers/udp/memory-link.js';
import { evseConnectionManagerMachine } from '../../machines/connection-manager/evse.js';
import { sdpServerMachine } from '../../machines/sdp-server/index.js';
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { memoryLogger, nullLogger } from '../../src/ports/log.js';
import type { TcpConnection } from '../../src/ports/net.js';
import { tcpAcceptActor, tcpListenActor, udpLinkActor } from '../../src/runtime/net-actors.js';
import { exiCodec } from '../../src/runtime/exi-codec.js';
import { v2gTransportActor } from '../../src/runtime/v2g-transport.js';
import { v2gEvseDefaults } from '../../src/domain/v2g/config.js';
import { runFor, runUntil } from './virtual-time.js';

const session = v2gEvseMachine.provide({
  actions: {
    send: sendParent((_: unknown, p: unknown) => ({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.SEND', out: p } })) as never,
    protocolSelected: sendParent((_: unknown, p: { schema: string }) => ({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.SCHEMA', schema: p.schema } })) as never,
    closeTransport: sendParent((_: unknown, p: { reason: string }) => ({ type: 'TO_TRANSPORT', event: { type: 'TRANSPORT.CLOSE', reason: p.reason } })) as never,
  },
});

function charger(opts: { session?: unknown } = {}) {
  const clock = new SimulatedClock();
  const link = new MemoryIpv6Link({ clock });
  const evNet = link.addHost('sim-ev', new Uint8Array([2, 0, 0, 0, 0, 1]));
  const evseNet = link.addHost('sim-evse', new Uint8Array([2, 0, 0, 0, 0, 2]));
  link.setReachable(() => true);
  let slacRuns = 0;
  const shutdowns: string[] = [];
  const logs = memoryLogger();
  let port = 0;
  const cm = createActor(
    evseConnectionManagerMachine.provide({
      actors: {
        modem: fromPromise(async () => ({ ok: true })),
        slac: fromPromise(async () => {
          slacRuns += 1;
          return { ok: true };
        }),
        listen: tcpListenActor(evseNet, 0, nullLogger),
        sdp: sdpServerMachine.provide({ actors: { udp: udpLinkActor({ net: evseNet, port: 15118, multicast: 'ff02::1', logger: nullLogger }) } }),
        accept: tcpAcceptActor,
        transport: v2gTransportActor({ role: 'evse', codec: exiCodec, logger: logs.child('v2gtp') }),
        session: (opts.session ?? session) as never,
      },
      actions: {
        closeServer: (_, p) => (p.handle as { close(): void } | undefined)?.close(),
        requestSafeShutdown: ({ self }, p) => {
          shutdowns.push(p.reason);
          queueMicrotask(() => self.send({ type: 'SAFE_SHUTDOWN.DONE', ok: true }));
        },
        report: (_, u) => {
          if (u.checkpoint === 300 && u.details && typeof u.details.port === 'number') port = u.details.port;
        },
      },
    }),
    {
      clock,
      input: {
        oneShot: false,
        timings: { backoffInitial: 1000, backoffMax: 4000, safeShutdownTimeout: 20_000 },
        inputs: { session: () => ({ config: { ...v2gEvseDefaults, allowNewSessionAfterStop: false }, randomBytes: (n: number) => new Uint8Array(n).fill(1), logger: logs.child('v2g') }) },
      },
    },
  );
  const state = (): string => JSON.stringify(cm.getSnapshot().value);
  /** Connects as the EV side once the charger listens. */
  const connect = async (): Promise<TcpConnection> => {
    await runUntil(clock, () => state().includes('discovery') && port !== 0, 10_000);
    const r = await evNet.connectTcp(evseNet.address, port, 1000);
    if (!r.ok) throw new Error(r.error.message);
    await runUntil(clock, () => state().includes('session'), 1000);
    return r.value;
  };
  return { clock, cm, state, connect, slacRuns: () => slacRuns, shutdowns, logs, evNet, evseNet, port: () => port };
}

describe('charger connection manager against a hostile peer before the handshake', () => {
  it('an early FIN: back-off, then SLAC again (a fresh attempt), no SafeShutdown needed', async () => {
    const c = charger();
    c.cm.start();
    const conn = await c.connect();
    expect(c.slacRuns()).toBe(1);
    conn.close();
    expect(await runUntil(c.clock, () => c.state().includes('backoff'), 1000)).toBeGreaterThanOrEqual(0);
    expect(c.cm.getSnapshot().context.failure).toMatchObject({ code: 'SESSION_NOT_STARTED', retryable: true, layer: 'session' });
    expect(c.cm.getSnapshot().context.sessionOutput).toMatchObject({ sessions: 0, end: { code: 'TransportClosed', detail: { beforeHandshake: true } } });
    expect(await runUntil(c.clock, () => c.slacRuns() === 2, 5000)).toBeGreaterThanOrEqual(0);
    expect(c.shutdowns).toEqual([]);
  });

  it('garbage (a V2GTP header declaring 4 GB): connection reset, back to SLAC', async () => {
    const c = charger();
    c.cm.start();
    const conn = await c.connect();
    const closed: string[] = [];
    conn.events$.subscribe((e) => e.type === 'closed' && closed.push(e.reason));
    conn.write(new Uint8Array([0x01, 0xfe, 0x80, 0x01, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    expect(await runUntil(c.clock, () => c.slacRuns() === 2, 5000)).toBeGreaterThanOrEqual(0);
    expect(closed).toHaveLength(1);
    expect(c.logs.lines.some((l) => l.level === 'error' && /V2GTP stream broken/.test(l.message))).toBe(true);
  });

  it('a silent connection is closed after handshake_timeout and the charger goes back to SLAC', async () => {
    const c = charger();
    c.cm.start();
    const conn = await c.connect();
    const closed: number[] = [];
    const t0 = c.clock.now();
    conn.events$.subscribe((e) => e.type === 'closed' && closed.push(c.clock.now() - t0));
    await runFor(c.clock, 4900, 100);
    expect(closed).toEqual([]);
    expect(await runUntil(c.clock, () => c.slacRuns() === 2, 5000, 50)).toBeGreaterThanOrEqual(0);
    expect(closed).toHaveLength(1);
    expect(closed[0]).toBeLessThanOrEqual(5100);
    expect(c.cm.getSnapshot().context.sessionOutput).toMatchObject({ sessions: 0, end: { code: 'Timeout', detail: { timer: 'handshake_timeout', beforeHandshake: true } } });
  });

  it('a second connection while one holds the session slot is refused at once', async () => {
    const c = charger();
    c.cm.start();
    await c.connect();
    const second = await c.evNet.connectTcp(c.evseNet.address, c.port(), 1000);
    expect(second.ok).toBe(false);
  });

  it('STOP during a session that never ends: the manager ends within safe_shutdown_timeout, output switched off', async () => {
    const hang = setup({}).createMachine({ initial: 'forever', states: { forever: {} } });
    const c = charger({ session: hang });
    c.cm.start();
    await c.connect();
    c.cm.send({ type: 'STOP', reason: 'SIGTERM' });
    const took = await runUntil(c.clock, () => c.cm.getSnapshot().status === 'done', 60_000, 100);
    expect(took).toBeGreaterThanOrEqual(0);
    expect(took).toBeLessThanOrEqual(20_100);
    expect(c.shutdowns).toHaveLength(1);
    expect(c.cm.getSnapshot().output).toMatchObject({ end: 'Stopped', cause: { code: 'SessionStopTimeout', request: 'SIGTERM' } });
  });
});
