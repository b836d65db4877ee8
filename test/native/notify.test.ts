// sd_notify through the addon: datagrams reach a unix datagram socket bound by a
// small Python receiver (Node cannot bind AF_UNIX SOCK_DGRAM), both a filesystem
// path and an abstract ('@') name; and the notifier's no-op/parsing rules.
import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createNotifier, parseWatchdog } from '../../drivers/notify/index.js';
import { loadNative } from '../../drivers/ethernet/native.js';
import { memoryLogger } from '../../src/ports/log.js';
import { needPython } from '../env.js';

const hasPython = needPython();

// Binds the socket, prints "ready", then one JSON string per datagram.
const RECEIVER = `
import socket, sys, json
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(('\\0' + path[1:]) if path.startswith('@') else path)
print('ready', flush=True)
while True:
    data = s.recv(4096)
    print(json.dumps(data.decode()), flush=True)
`;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

async function receiver(path: string): Promise<{ next(n: number): Promise<string[]> }> {
  const child = spawn('python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  const until = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (lines.length < n) {
      if (Date.now() > deadline) throw new Error(`receiver got ${JSON.stringify(lines)}`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 100);
      });
    }
  };
  await until(1);
  expect(lines[0]).toBe('ready');
  return {
    async next(n) {
      await until(1 + n);
      return lines.slice(1, 1 + n).map((l) => JSON.parse(l) as string);
    },
  };
}

describe.skipIf(!hasPython)('sdNotify datagrams', () => {
  it('reaches a filesystem socket: READY, STATUS (one line), WATCHDOG, STOPPING', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplc-notify-'));
    try {
      const path = join(dir, 'notify.sock');
      const rx = await receiver(path);
      const n = createNotifier({ NOTIFY_SOCKET: path, WATCHDOG_USEC: '20000000' });
      expect(n.enabled).toBe(true);
      expect(n.watchdogTimeoutMs).toBe(20_000);
      expect(n.watchdogIntervalMs).toBe(10_000);
      n.ready();
      n.status('SLAC matched\nwaiting for SDP');
      n.watchdog();
      n.stopping();
      expect(await rx.next(4)).toEqual(['READY=1', 'STATUS=SLAC matched waiting for SDP', 'WATCHDOG=1', 'STOPPING=1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reaches an abstract socket named with a leading @', async () => {
    const name = `@tsplc-test-${process.pid}-${Date.now()}`;
    const rx = await receiver(name);
    expect(loadNative().sdNotify(name, 'READY=1')).toBe(7);
    expect(await rx.next(1)).toEqual(['READY=1']);
  });
});

describe('notifier rules', () => {
  it('is a silent no-op without NOTIFY_SOCKET', () => {
    let calls = 0;
    const n = createNotifier({}, { send: () => calls++ });
    expect(n.enabled).toBe(false);
    expect(n.watchdogIntervalMs).toBeUndefined();
    n.ready();
    n.status('x');
    n.watchdog();
    n.stopping();
    expect(calls).toBe(0);
  });

  it('logs and survives a socket nobody listens on (ECONNREFUSED / ENOENT)', () => {
    const log = memoryLogger();
    const n = createNotifier({ NOTIFY_SOCKET: '/nonexistent/tsplc.sock' }, { logger: log });
    expect(() => n.ready()).not.toThrow();
    expect(log.lines.some((l) => l.level === 'warn' && l.fields?.code === 'ENOENT')).toBe(true);
    const bad = loadNative();
    expect(() => bad.sdNotify('relative.sock', 'READY=1')).toThrow(/absolute path/);
  });

  it('parses WATCHDOG_USEC and honours WATCHDOG_PID', () => {
    expect(parseWatchdog({ WATCHDOG_USEC: '3000000' }, 42)).toBe(3000);
    expect(parseWatchdog({ WATCHDOG_USEC: '3000000', WATCHDOG_PID: '42' }, 42)).toBe(3000);
    expect(parseWatchdog({ WATCHDOG_USEC: '3000000', WATCHDOG_PID: '41' }, 42)).toBeUndefined();
    expect(parseWatchdog({ WATCHDOG_USEC: 'soon' }, 42)).toBeUndefined();
    expect(parseWatchdog({ WATCHDOG_USEC: '0' }, 42)).toBeUndefined();
    expect(parseWatchdog({}, 42)).toBeUndefined();
    const n = createNotifier({ NOTIFY_SOCKET: '@x', WATCHDOG_USEC: '3000000', WATCHDOG_PID: '1' }, { pid: 2, send: () => {} });
    expect(n.watchdogIntervalMs).toBeUndefined();
  });
});
