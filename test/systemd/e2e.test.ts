// End to end: a real `tsplc pev --board sim` process under a fake systemd
// (NOTIFY_SOCKET bound by a Python receiver) sends READY=1, and on SIGTERM
// sends STOPPING=1, runs its safe shutdown and exits 0 within TimeoutStopSec.
import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasPython, startReceiver, type Receiver } from './receiver.js';
import { timeoutStopSec } from '../../src/cli/commands/install-service.js';
import { defaultConfig } from '../../src/config/index.js';
import { loadNative } from '../../drivers/ethernet/native.js';
import { requireEnv } from '../env.js';
import { CLI } from '../helpers/cli.js';

// The EV opens an AF_PACKET socket (on lo, which every machine has): needs CAP_NET_RAW.
const isRoot = process.getuid?.() === 0;
// AF_PACKET and sd_notify go through the native addon (npm run build:native).
const hasNative = (() => {
  try {
    loadNative();
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(
  !requireEnv('python3', hasPython, 'python3 not found') ||
    !requireEnv('root', isRoot, 'not root (AF_PACKET needs CAP_NET_RAW)') ||
    !requireEnv('the native addon', hasNative, 'not built (npm run build:native)'),
)('tsplc pev --board sim under systemd notify', () => {
  let rx: Receiver | undefined;
  let child: ChildProcess | undefined;
  afterEach(() => {
    rx?.close();
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('READY after start, STOPPING and a clean exit on SIGTERM', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tsplc-e2e-')), 'notify.sock');
    rx = await startReceiver(path);
    const proc = spawn(process.execPath, [CLI, 'pev', '--board', 'sim', '--interface', 'lo'], {
      env: { ...process.env, NOTIFY_SOCKET: path, WATCHDOG_USEC: '20000000', TSPLC_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    try {
      await rx.waitFor((m) => m.split('\n').includes('READY=1'), 30_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nprocess output:\n${output}`);
    }
    const t0 = Date.now();
    proc.kill('SIGTERM');
    await rx.waitFor((m) => m.split('\n').includes('STOPPING=1'), 10_000);
    const code = await exited;
    expect(code, output).toBe(0);
    expect(Date.now() - t0).toBeLessThan(timeoutStopSec(defaultConfig()) * 1000);
  }, 90_000);
});
