// The systemd notifier port's contract (src/ports/notify.ts), run against the real
// driver (drivers/notify through the native addon, on a real unix datagram socket bound
// by a Python receiver as systemd's NOTIFY_SOCKET would be) and against its twin
// (drivers/notify/memory.ts), so the twin the bridge tests use sends what systemd gets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNative } from '../../drivers/ethernet/native.js';
import { createNotifier } from '../../drivers/notify/index.js';
import { memoryNotifier } from '../../drivers/notify/memory.js';
import type { SystemdNotifier } from '../../src/ports/notify.js';
import { requireEnv } from '../env.js';
import { hasPython, startReceiver } from '../systemd/receiver.js';

interface Harness {
  /** A notifier with this environment (NOTIFY_SOCKET is filled in when the env has it) for process `pid`. */
  notifier(env: Record<string, string>, pid: number): SystemdNotifier;
  /** The datagrams that arrived, after waiting for n of them. */
  datagrams(n: number): Promise<string[]>;
  close(): void;
}

async function realHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'tsplc-notify-contract-'));
  const path = join(dir, 'notify.sock');
  const rx = await startReceiver(path);
  return {
    notifier: (env, pid) => createNotifier({ ...env, ...(env.NOTIFY_SOCKET ? { NOTIFY_SOCKET: path } : {}) }, { pid }),
    async datagrams(n) {
      if (n > 0) await rx.waitFor(() => rx.messages.length >= n);
      return [...rx.messages];
    },
    close() {
      rx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function twinHarness(): Promise<Harness> {
  const made: ReturnType<typeof memoryNotifier>[] = [];
  return {
    notifier(env, pid) {
      const n = memoryNotifier({ env, pid });
      made.push(n);
      return n;
    },
    datagrams: async () => made.flatMap((n) => n.messages()),
    close() {},
  };
}

const hasNative = (() => {
  try {
    loadNative();
    return true;
  } catch {
    return false;
  }
})();
const realMissing = !requireEnv('python3', hasPython, 'python3 not found (binds the NOTIFY_SOCKET)') || !requireEnv('the native addon', hasNative, 'not built (npm run build:native)');

const harnesses: [string, () => Promise<Harness>, boolean][] = [
  ['drivers/notify on a real NOTIFY_SOCKET', realHarness, realMissing],
  ['drivers/notify/memory.ts (twin)', twinHarness, false],
];

describe.each(harnesses)('systemd notifier contract: %s', (_name, make, skip) => {
  let h: Harness | undefined;
  afterEach(() => {
    h?.close();
    h = undefined;
  });

  it.skipIf(skip)('READY, STATUS on one line, WATCHDOG, STOPPING: exactly these datagrams, in order', async () => {
    h = await make();
    const n = h.notifier({ NOTIFY_SOCKET: 'yes' }, 4242);
    expect(n.enabled).toBe(true);
    n.ready();
    n.status('SLAC matched\r\nwaiting for SDP');
    n.watchdog();
    n.stopping();
    expect(await h.datagrams(4)).toEqual(['READY=1', 'STATUS=SLAC matched waiting for SDP', 'WATCHDOG=1', 'STOPPING=1']);
  });

  it.skipIf(skip)('the watchdog: WATCHDOG_USEC gives the timeout and half of it as the interval, for this process only', async () => {
    h = await make();
    const armed = h.notifier({ NOTIFY_SOCKET: 'yes', WATCHDOG_USEC: '3000000', WATCHDOG_PID: '4242' }, 4242);
    expect([armed.watchdogTimeoutMs, armed.watchdogIntervalMs]).toEqual([3000, 1500]);
    const inherited = h.notifier({ NOTIFY_SOCKET: 'yes', WATCHDOG_USEC: '3000000', WATCHDOG_PID: '1' }, 4242);
    expect([inherited.watchdogTimeoutMs, inherited.watchdogIntervalMs]).toEqual([undefined, undefined]);
    const garbage = h.notifier({ NOTIFY_SOCKET: 'yes', WATCHDOG_USEC: 'soon' }, 4242);
    expect(garbage.watchdogIntervalMs).toBeUndefined();
    const noPid = h.notifier({ NOTIFY_SOCKET: 'yes', WATCHDOG_USEC: '20000000' }, 4242);
    expect(noPid.watchdogIntervalMs).toBe(10_000);
  });

  it.skipIf(skip)('without NOTIFY_SOCKET: disabled, no watchdog, every call a silent no-op', async () => {
    h = await make();
    const n = h.notifier({ WATCHDOG_USEC: '3000000' }, 4242);
    expect(n.enabled).toBe(false);
    expect(n.watchdogIntervalMs).toBeUndefined();
    n.ready();
    n.status('x');
    n.watchdog();
    n.stopping();
    // Prove the channel works by sending one datagram through an enabled notifier afterwards:
    // only it arrives.
    h.notifier({ NOTIFY_SOCKET: 'yes' }, 4242).ready();
    expect(await h.datagrams(1)).toEqual(['READY=1']);
  });
});
