import { describe, it, expect, afterEach } from 'vitest';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { SimulatedClock } from 'xstate';
import { connectSystemd, formatStatusLine, type SignalSource } from '../../src/runtime/systemd.js';
import { memoryNotifier } from '../../drivers/notify/memory.js';
import { StatusBus } from '../../src/status.js';
import { createNotifier } from '../../drivers/notify/index.js';
import { loadNative } from '../../drivers/ethernet/native.js';
import { hasPython, startReceiver, type Receiver } from './receiver.js';
import { requireEnv } from '../env.js';

function fakeSignals() {
  const e = new EventEmitter();
  const s: SignalSource = { on: (sig, h) => e.on(sig, h), off: (sig, h) => e.off(sig, h) };
  return { s, emit: (sig: 'SIGTERM' | 'SIGINT') => e.emit(sig), count: () => e.listenerCount('SIGTERM') };
}

// The bridge's arithmetic on the notifier twin (drivers/notify/memory.ts, checked against a real
// NOTIFY_SOCKET in test/ports/notify.contract.test.ts) and a SimulatedClock: no sleeps.
describe('connectSystemd (notifier twin, virtual time)', () => {
  it('pings WATCHDOG from the heartbeat only, at most every half interval, and not after the heartbeat stops', () => {
    const clock = new SimulatedClock();
    // WatchdogSec=2 → interval 1000 ms → pings at least 500 ms apart.
    const n = memoryNotifier({ env: { NOTIFY_SOCKET: '@x', WATCHDOG_USEC: '2000000' }, clock });
    const heartbeat = new Subject<void>();
    const b = connectSystemd({ notifier: n, heartbeat$: heartbeat, signals: fakeSignals().s, clock, exit: () => {} });
    b.ready();
    heartbeat.next();
    for (let i = 0; i < 20; i++) {
      clock.increment(100);
      heartbeat.next();
    }
    expect(n.watchdogTimes()).toEqual([0, 500, 1000, 1500, 2000]);
    expect(n.messages()[0]).toBe('READY=1');
    // The root actor wedges: no heartbeat. There must be no timer of our own pinging on.
    clock.increment(60_000);
    expect(n.watchdogTimes()).toHaveLength(5);
    heartbeat.next(); // it recovers: pings resume
    expect(n.watchdogTimes().at(-1)).toBe(62_000);
    b.close();
  });

  it('sends no WATCHDOG when the unit has no watchdog', () => {
    const n = memoryNotifier();
    const heartbeat = new Subject<void>();
    const b = connectSystemd({ notifier: n, heartbeat$: heartbeat, signals: fakeSignals().s, clock: new SimulatedClock(), exit: () => {} });
    heartbeat.next();
    expect(n.messages()).toEqual([]);
    b.close();
  });

  it('throttles STATUS lines: the first at once, then at most one per window, the newest at its end', () => {
    const clock = new SimulatedClock();
    const n = memoryNotifier({ clock });
    const bus = new StatusBus(() => clock.now());
    const b = connectSystemd({ notifier: n, status$: bus.status$, statusThrottleMs: 50, signals: fakeSignals().s, clock, exit: () => {} });
    bus.report({ layer: 'slac', state: 'WaitForSlacParmCnf', checkpoint: 100 });
    bus.report({ layer: 'slac', state: 'Matched', checkpoint: 160 });
    bus.report({ layer: 'sdp', state: 'Done', checkpoint: 203 });
    clock.increment(49);
    expect(n.sent).toEqual([{ message: 'STATUS=starting', at: 0 }]);
    clock.increment(1);
    expect(n.sent.at(-1)).toEqual({ message: 'STATUS=checkpoint 203 | slac: Matched | sdp: Done', at: 50 });
    clock.increment(500);
    expect(n.sent).toHaveLength(2); // nothing new: nothing sent
    bus.report({ layer: 'tcp', state: 'Connected', checkpoint: 300 });
    expect(n.sent.at(-1)?.at).toBe(550); // a quiet window has passed: at once again
    b.close();
  });

  it('a disabled notifier (no NOTIFY_SOCKET) gets no STATUS lines', () => {
    const clock = new SimulatedClock();
    const n = memoryNotifier({ env: {}, clock });
    const bus = new StatusBus(() => 0);
    const b = connectSystemd({ notifier: n, status$: bus.status$, signals: fakeSignals().s, clock, exit: () => {} });
    bus.report({ layer: 'slac', state: 'Matched', checkpoint: 160 });
    clock.increment(5000);
    expect(n.sent).toEqual([]);
    b.close();
  });

  it('on SIGTERM: STOPPING, runs the safe shutdown once, then exits 0; a failing shutdown exits 1', async () => {
    const n = memoryNotifier({ env: { NOTIFY_SOCKET: '@x', WATCHDOG_USEC: '2000000' } });
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
    expect(n.messages()).toEqual(['STOPPING=1', 'STATUS=stopping (SIGTERM): safe shutdown']);
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
