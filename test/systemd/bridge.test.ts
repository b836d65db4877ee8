import { describe, it, expect, afterEach } from 'vitest';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { connectSystemd, formatStatusLine, type SystemdNotifier, type SignalSource } from '../../src/runtime/systemd.js';
import { StatusBus } from '../../src/status.js';
import { createNotifier } from '../../drivers/notify/index.js';
import { loadNative } from '../../drivers/ethernet/native.js';
import { hasPython, startReceiver, type Receiver } from './receiver.js';
import { requireEnv } from '../env.js';

function fakeNotifier(watchdogIntervalMs?: number) {
  const calls: string[] = [];
  const n: SystemdNotifier = {
    enabled: true,
    ...(watchdogIntervalMs !== undefined ? { watchdogIntervalMs } : {}),
    ready: () => calls.push('READY'),
    status: (t) => calls.push(`STATUS=${t}`),
    watchdog: () => calls.push('WATCHDOG'),
    stopping: () => calls.push('STOPPING'),
  };
  return { n, calls };
}

function fakeSignals() {
  const e = new EventEmitter();
  const s: SignalSource = { on: (sig, h) => e.on(sig, h), off: (sig, h) => e.off(sig, h) };
  return { s, emit: (sig: 'SIGTERM' | 'SIGINT') => e.emit(sig), count: () => e.listenerCount('SIGTERM') };
}

describe('connectSystemd', () => {
  it('pings WATCHDOG from the heartbeat only, at most every half interval, and not after the heartbeat stops', async () => {
    const { n, calls } = fakeNotifier(1000);
    let t = 0;
    const heartbeat = new Subject<void>();
    const b = connectSystemd({ notifier: n, heartbeat$: heartbeat, signals: fakeSignals().s, now: () => t, exit: () => {} });
    b.ready();
    for (t = 0; t <= 2000; t += 100) heartbeat.next();
    expect(calls.filter((c) => c === 'WATCHDOG')).toHaveLength(5); // t = 0, 500, 1000, 1500, 2000
    expect(calls[0]).toBe('READY');
    // The root actor wedges: no heartbeat. There must be no timer of our own pinging on.
    const before = calls.length;
    t = 10_000;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls.length).toBe(before);
    heartbeat.next(); // it recovers: pings resume
    expect(calls.at(-1)).toBe('WATCHDOG');
    b.close();
  });

  it('sends no WATCHDOG when the unit has no watchdog', () => {
    const { n, calls } = fakeNotifier(undefined);
    const heartbeat = new Subject<void>();
    const b = connectSystemd({ notifier: n, heartbeat$: heartbeat, signals: fakeSignals().s, exit: () => {} });
    heartbeat.next();
    expect(calls).toEqual([]);
    b.close();
  });

  it('throttles STATUS lines from the status stream', async () => {
    const { n, calls } = fakeNotifier();
    const bus = new StatusBus(() => 0);
    const b = connectSystemd({ notifier: n, status$: bus.status$, statusThrottleMs: 50, signals: fakeSignals().s, exit: () => {} });
    bus.report({ layer: 'slac', state: 'WaitForSlacParmCnf', checkpoint: 100 });
    bus.report({ layer: 'slac', state: 'Matched', checkpoint: 160 });
    bus.report({ layer: 'sdp', state: 'Done', checkpoint: 203 });
    await new Promise((r) => setTimeout(r, 120));
    const statuses = calls.filter((c) => c.startsWith('STATUS='));
    expect(statuses[0]).toBe('STATUS=starting');
    expect(statuses.at(-1)).toBe('STATUS=checkpoint 203 | slac: Matched | sdp: Done');
    expect(statuses.length).toBeLessThanOrEqual(3);
    b.close();
  });

  it('on SIGTERM: STOPPING, runs the safe shutdown once, then exits 0; a failing shutdown exits 1', async () => {
    const { n, calls } = fakeNotifier(1000);
    const sig = fakeSignals();
    const exits: number[] = [];
    let runs = 0;
    let finish: () => void = () => {};
    const b = connectSystemd({
      notifier: n,
      signals: sig.s,
      exit: (c) => exits.push(c),
      onStop: () => {
        runs++;
        return new Promise<void>((r) => (finish = r));
      },
    });
    sig.emit('SIGTERM');
    sig.emit('SIGTERM');
    expect(calls).toContain('STOPPING');
    expect(runs).toBe(1);
    expect(exits).toEqual([]); // not before the shutdown settled
    finish();
    expect(await b.stopped).toBe(0);
    expect(exits).toEqual([0]);
    b.close();
    expect(sig.count()).toBe(0);

    const sig2 = fakeSignals();
    const b2 = connectSystemd({ notifier: n, signals: sig2.s, exit: () => {}, onStop: () => Promise.reject(new Error('stuck')) });
    sig2.emit('SIGINT');
    expect(await b2.stopped).toBe(1);
    b2.close();
  });

  it('formats a status line from a snapshot', () => {
    expect(formatStatusLine({ layers: { session: { layer: 'session', state: 'CurrentDemand' } }, lastCheckpoint: 710, updatedAt: 0 })).toBe('checkpoint 710 | session: CurrentDemand');
  });
});

// The datagrams go out through the native addon (npm run build:native).
const hasNative = (() => {
  try {
    loadNative();
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!requireEnv('python3', hasPython, 'python3 not found') || !requireEnv('the native addon', hasNative, 'not built (npm run build:native)'))('connectSystemd with a real NOTIFY_SOCKET', () => {
  let rx: Receiver | undefined;
  afterEach(() => rx?.close());

  it('delivers READY, STATUS and WATCHDOG datagrams', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tsplc-notify-')), 'notify.sock');
    rx = await startReceiver(path);
    const notifier = createNotifier({ NOTIFY_SOCKET: path, WATCHDOG_USEC: '2000000' });
    expect(notifier.watchdogIntervalMs).toBe(1000);
    const heartbeat = new Subject<void>();
    const bus = new StatusBus(() => 0);
    const b = connectSystemd({ notifier, heartbeat$: heartbeat, status$: bus.status$, statusThrottleMs: 10, signals: fakeSignals().s, exit: () => {} });
    b.ready();
    bus.report({ layer: 'session', state: 'CurrentDemand', checkpoint: 710 });
    heartbeat.next();
    await rx.waitFor((m) => m === 'READY=1');
    await rx.waitFor((m) => m === 'WATCHDOG=1');
    await rx.waitFor((m) => m === 'STATUS=checkpoint 710 | session: CurrentDemand');
    b.close();
  });
});
