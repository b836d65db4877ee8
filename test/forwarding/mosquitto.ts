// A real mosquitto for the MQTT tests: a free port on 127.0.0.1, a temporary config
// without persistence (a restart forgets retained messages), killed at the end —
// also when the test fails or the worker exits early.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const hasMosquitto = existsSync(MOSQUITTO);
export const missingMosquittoMessage = `${MOSQUITTO} not installed (apt-get install mosquitto): MQTT broker tests skipped`;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not reached in ${ms} ms`);
    await sleep(10);
  }
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const portOpen = (port: number): Promise<boolean> =>
  new Promise((r) => {
    const c = tcpConnect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), r(true)));
    c.once('error', () => r(false));
  });

/** One mosquitto process; start() / stop() may be called again (broker restart). */
export class Broker {
  private proc: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'tsplc-mqtt-'));

  private constructor(readonly port: number) {
    writeFileSync(join(this.dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  }

  static async create(): Promise<Broker> {
    return new Broker(await freePort());
  }

  async start(): Promise<void> {
    const p = spawn(MOSQUITTO, ['-c', join(this.dir, 'mosquitto.conf')], { stdio: 'ignore' });
    this.proc = p;
    // Even if the worker dies before the cleanup: no broker outlives the test file.
    const kill = (): void => void (p.exitCode === null && p.kill('SIGKILL'));
    process.once('exit', kill);
    p.once('exit', () => process.off('exit', kill));
    const end = Date.now() + 5000;
    while (!(await portOpen(this.port))) {
      if (p.exitCode !== null) throw new Error(`mosquitto exited with ${p.exitCode}`);
      if (Date.now() > end) throw new Error('mosquitto did not open its port');
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, sleep(2000)]);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
