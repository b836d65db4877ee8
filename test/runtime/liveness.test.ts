// WATCHDOG=1 means "working" (issue 8, defect 7): the heartbeat systemd's watchdog follows stops when the
// layer the root actor is in makes no progress within its bound — a wedged child — although the root
// actor itself still processes every HEARTBEAT (which is all the old heartbeat checked).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Subject } from 'rxjs';
import { createActor, fromPromise, setup } from 'xstate';
import { evseConnectionManagerMachine } from '../../machines/connection-manager/evse.js';
import { memoryLogger } from '../../src/ports/log.js';
import { evseProgressBounds, heartbeat, statePath, watchLiveness, WEDGE_MARGIN_MS } from '../../src/runtime/liveness.js';
import { connectSystemd, type SystemdNotifier } from '../../src/runtime/systemd.js';

const bounds = evseProgressBounds({
  V2G_SECC_CommunicationSetup_Performance_Time: 18_000,
  V2G_SECC_Sequence_Timeout: 60_000,
  V2G_SECC_CableCheck_Performance_Time: 38_000,
  V2G_SECC_Ongoing_Performance_Time: 55_000,
  safe_shutdown_timeout: 20_000,
  backoff_max: 20_000,
  modemWorstCase: 10_000,
});

/** The real charger manager with a session child that is wedged (never reports, never ends). */
function wedgedCharger() {
  const wedged = setup({}).createMachine({ initial: 'stuck', states: { stuck: {} } });
  const connection = { events$: { subscribe: () => ({ unsubscribe() {} }) }, close() {}, destroy() {}, write() {} };
  const cm = createActor(
    evseConnectionManagerMachine.provide({
      actors: {
        modem: fromPromise(async () => ({ ok: true })),
        slac: fromPromise(async () => ({ ok: true })),
        listen: fromPromise(async () => ({ ok: true, port: 50000, address: 'fe80::1', handle: { close() {} } })),
        session: wedged as never,
      },
    }),
    { input: {} },
  ).start();
  return { cm, accept: () => cm.send({ type: 'TCP.ACCEPTED', connection, remoteAddress: 'fe80::2' }) };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('liveness: the watchdog follows the current layer', () => {
  it('statePath flattens the root state value', () => {
    expect(statePath({ connecting: { session: 'running' } })).toBe('connecting.session.running');
    expect(statePath('backoff')).toBe('backoff');
  });

  it('a wedged session child: HEARTBEAT still processed, but the check fails after the layer bound', async () => {
    const { cm, accept } = wedgedCharger();
    await settle();
    await settle();
    accept();
    expect(statePath(cm.getSnapshot().value)).toBe('connecting.session.running');
    let t = 0;
    const progress$ = new Subject<unknown>();
    const logs = memoryLogger();
    const live = watchLiveness({ actor: cm, progress$, bounds, now: () => t, logger: logs });
    const bound = 60_000 + WEDGE_MARGIN_MS;
    t = bound;
    expect(live.check()).toEqual({ ok: true });
    t = bound + 1;
    cm.send({ type: 'HEARTBEAT' });
    expect(cm.getSnapshot().status).toBe('active');
    const v = live.check();
    expect(v.ok).toBe(false);
    expect(v.ok ? '' : v.reason).toMatch(/connecting.session.running made no progress/);
    expect(logs.lines.filter((l) => l.level === 'error' && /watchdog pings stop/.test(l.message))).toHaveLength(1);
    // A request answered (a status update) is progress: the pings resume.
    progress$.next({});
    expect(live.check()).toEqual({ ok: true });
    live.stop();
    cm.stop();
  });

  it('waiting for a car (SLAC) is idle, not wedged: no bound', () => {
    let t = 0;
    const idle = createActor(setup({}).createMachine({ initial: 'connecting', states: { connecting: { initial: 'slac', states: { slac: {} } } } })).start();
    const live = watchLiveness({ actor: idle, progress$: new Subject(), bounds, now: () => t });
    t = 24 * 3600_000;
    expect(live.check()).toEqual({ ok: true });
  });

  describe('through the systemd bridge', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('WATCHDOG=1 stops while the layer is wedged and comes back with progress', async () => {
      const { cm, accept } = wedgedCharger();
      await vi.advanceTimersByTimeAsync(1);
      accept();
      const progress$ = new Subject<unknown>();
      const live = watchLiveness({ actor: cm, progress$, bounds, now: () => Date.now() });
      let pings = 0;
      const notifier: SystemdNotifier = { enabled: true, watchdogIntervalMs: 4000, ready() {}, status() {}, watchdog: () => void (pings += 1), stopping() {} };
      const bridge = connectSystemd({ notifier, heartbeat$: heartbeat(cm, live, 1000), signals: { on() {}, off() {} } });
      await vi.advanceTimersByTimeAsync(60_000);
      const before = pings;
      expect(before).toBeGreaterThanOrEqual(25);
      // Past the session bound (V2G_SECC_Sequence_Timeout + margin) with no progress: no more pings.
      await vi.advanceTimersByTimeAsync(6000);
      const atWedge = pings;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(pings).toBe(atWedge);
      progress$.next({});
      await vi.advanceTimersByTimeAsync(5000);
      expect(pings).toBeGreaterThan(atWedge);
      bridge.close();
      live.stop();
      cm.stop();
    });
  });
});
