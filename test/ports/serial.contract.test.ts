// The serial line port's contract (src/ports/serial.ts), run against the real driver
// (drivers/serial/serialport.ts, the `serialport` package, on both ends of a
// pseudo-terminal pair made by socat) and against the twin (drivers/serial/memory.ts),
// so the twin the celeron55/dieter board tests use behaves like a real tty.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSerialPort } from '../../drivers/serial/serialport.js';
import { memorySerialPair } from '../../drivers/serial/memory.js';
import type { SerialLink } from '../../src/ports/serial.js';
import { hasTool, requireEnv } from '../env.js';

interface Pair {
  readonly host: SerialLink;
  readonly device: SerialLink;
  /** Waits until cond holds (real ttys deliver in later event-loop turns). */
  until(cond: () => boolean, what: string): Promise<void>;
  close(): Promise<void>;
}

async function waitReal(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what} not reached in ${ms} ms`);
    await new Promise<void>((r) => setTimeout(r, 5));
  }
}

async function realPair(): Promise<Pair> {
  const dir = mkdtempSync(join(tmpdir(), 'tsplc-serial-'));
  const a = join(dir, 'host');
  const b = join(dir, 'device');
  // Two raw ptys joined by socat: what one end's master gets, the other end's reads.
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  await waitReal(() => existsSync(a) && existsSync(b), 'socat ptys');
  const host = await openSerialPort(a, 115200);
  const device = await openSerialPort(b, 115200);
  if (!host.ok || !device.ok) throw new Error(`open: ${host.ok ? '' : host.error} ${device.ok ? '' : device.error}`);
  return {
    host: host.value,
    device: device.value,
    until: waitReal,
    async close() {
      await host.value.close();
      await device.value.close();
      socat.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function twinPair(): Promise<Pair> {
  const p = memorySerialPair();
  return {
    host: p.host,
    device: p.device,
    async until(cond, what) {
      if (!cond()) throw new Error(`${what}: the twin delivers synchronously, and it did not`);
    },
    close: () => p.host.close(),
  };
}

const text = (chunks: Uint8Array[]): string => chunks.map((c) => String.fromCharCode(...c)).join('');
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const harnesses: [string, () => Promise<Pair>, boolean][] = [
  ['drivers/serial/serialport.ts on a socat pty pair', realPair, !requireEnv('socat', hasTool('socat'), 'socat not installed (apt-get install socat): the pty pair')],
  ['drivers/serial/memory.ts (twin)', twinPair, false],
];

describe.each(harnesses)('serial line contract: %s', (_name, make, skip) => {
  let p: Pair | undefined;
  afterEach(async () => {
    await p?.close();
    p = undefined;
  });

  it.skipIf(skip)('bytes written at one end arrive at the other, in order, in both directions (lines may come split or joined)', async () => {
    p = await make();
    const atDevice: Uint8Array[] = [];
    const atHost: Uint8Array[] = [];
    p.device.data$.subscribe((c) => atDevice.push(c));
    p.host.data$.subscribe((c) => atHost.push(c));
    p.host.write(ascii('contactor=1\n'));
    p.host.write(ascii('lo'));
    p.host.write(ascii('ck\n'));
    await p.until(() => text(atDevice) === 'contactor=1\nlock\n', 'host → device');
    const all = new Uint8Array(256).map((_, i) => i);
    p.device.write(ascii('inlet_v=231\nsoc_percent=55\n'));
    p.device.write(all);
    await p.until(() => atHost.reduce((n, c) => n + c.length, 0) === 27 + 256, 'device → host');
    const got = Uint8Array.from(atHost.flatMap((c) => [...c]));
    expect(text([got.subarray(0, 27)])).toBe('inlet_v=231\nsoc_percent=55\n');
    // Every byte value passes unchanged (a raw line: no CR/LF translation, no XON/XOFF).
    expect([...got.subarray(27)]).toEqual([...all]);
  });

  it.skipIf(skip)('close(): data$ completes; a write afterwards is dropped, never thrown', async () => {
    p = await make();
    let completed = false;
    const errors: unknown[] = [];
    p.host.data$.subscribe({ complete: () => (completed = true), error: (e: unknown) => errors.push(e) });
    await p.host.close();
    await p.until(() => completed, 'data$ complete');
    expect(() => p!.host.write(ascii('late\n'))).not.toThrow();
    expect(errors).toEqual([]);
  });
});

describe('serial twin only', () => {
  it('records what each end wrote; unplug() ends both data$ with an error, as a vanished USB adapter does', async () => {
    const pair = memorySerialPair();
    const errors: string[] = [];
    pair.host.data$.subscribe({ error: (e: unknown) => errors.push((e as Error).message) });
    pair.host.write(ascii('disp0=hello\n'));
    expect(pair.host.writtenText()).toBe('disp0=hello\n');
    pair.unplug('ENXIO: /dev/ttyUSB0 vanished');
    expect(errors).toEqual(['ENXIO: /dev/ttyUSB0 vanished']);
    pair.host.write(ascii('x'));
    expect(pair.host.written.length).toBe(1);
    expect(pair.closed).toBe(true);
  });
});
