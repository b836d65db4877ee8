// A fake `i2c-bus` object that delivers writes to in-memory panels: the sync
// calls oled-i2c-bus uses (i2cWriteSync, i2cReadSync) and the promisified
// i2cWrite the tsplc driver uses. A write to an address where no twin
// listens fails as the kernel reports a NACK (EREMOTEIO). Faults for tests:
// `stallMs` delays every async write, `fail` makes writes throw.
import type { Ssd1306Twin } from '../../src/display/ssd1306-twin.js';
import type { I2cWriteBus } from './i2c-panel.js';

export interface FakeI2cBusOptions {
  /** Delay of every async write (a slow or stalled bus); uses `setTimeout` below. */
  readonly stallMs?: number;
  readonly setTimeout?: (fn: () => void, ms: number) => unknown;
  /** Every write fails while this returns true. */
  readonly fail?: () => boolean;
}

export interface FakeI2cBus extends I2cWriteBus {
  i2cWriteSync(address: number, length: number, buffer: Buffer): number;
  i2cReadSync(address: number, length: number, buffer: Buffer): number;
  /** Every write so far: address and bytes. */
  readonly log: Array<{ readonly address: number; readonly bytes: Uint8Array }>;
  closed: boolean;
}

function nack(address: number): Error {
  const e = new Error(`EREMOTEIO: remote I/O error, write to 0x${address.toString(16)}`) as Error & { code: string };
  e.code = 'EREMOTEIO';
  return e;
}

export function createFakeI2cBus(twins: readonly Ssd1306Twin[], o: FakeI2cBusOptions = {}): FakeI2cBus {
  const byAddress = new Map(twins.map((t) => [t.address, t]));
  const log: Array<{ address: number; bytes: Uint8Array }> = [];
  const deliver = (address: number, length: number, buffer: Buffer): number => {
    if (o.fail?.()) throw new Error('EIO: i/o error (injected)');
    const twin = byAddress.get(address);
    if (!twin) throw nack(address);
    const bytes = new Uint8Array(buffer.subarray(0, length));
    log.push({ address, bytes });
    twin.write(bytes);
    return length;
  };
  const bus: FakeI2cBus = {
    log,
    closed: false,
    i2cWriteSync: (address, length, buffer) => deliver(address, length, buffer),
    i2cReadSync: (address, length, buffer) => {
      if (!byAddress.has(address)) throw nack(address);
      // Status byte: D7 = 0 (not busy), D6 = display on/off — oled-i2c-bus only looks at the busy bit.
      buffer.fill(0, 0, length);
      return length;
    },
    i2cWrite: (address, length, buffer) =>
      new Promise((resolve, reject) => {
        const run = (): void => {
          try {
            resolve({ bytesWritten: deliver(address, length, buffer), buffer });
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        };
        if (o.stallMs && o.stallMs > 0) (o.setTimeout ?? globalThis.setTimeout)(run, o.stallMs);
        else run();
      }),
    close: async () => {
      bus.closed = true;
    },
  };
  return bus;
}
