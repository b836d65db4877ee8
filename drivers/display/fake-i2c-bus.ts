// An `i2c-bus`-package-shaped fake with the synchronous calls oled-i2c-bus uses
// (i2cWriteSync, i2cReadSync), delivering to the same I2C devices as the bus
// twin (drivers/i2c/memory.ts). Only for checking the SSD1306 twin against
// oled-i2c-bus, the reference implementation (test/display/twin.test.ts, the
// display bench); tsplc's own panel driver talks to the I2C bus port instead.
// A write to an address where no device listens fails as the kernel reports a
// NACK (EREMOTEIO); `fail` makes writes throw.
import type { I2cDevice } from '../i2c/memory.js';

export interface FakeI2cBusOptions {
  /** Every write fails while this returns true. */
  readonly fail?: () => boolean;
}

export interface FakeI2cBus {
  i2cWriteSync(address: number, length: number, buffer: Buffer): number;
  i2cReadSync(address: number, length: number, buffer: Buffer): number;
  /** Every write so far: address and bytes. */
  readonly log: Array<{ readonly address: number; readonly bytes: Uint8Array }>;
}

function nack(address: number): Error {
  const e = new Error(`EREMOTEIO: remote I/O error, write to 0x${address.toString(16)}`) as Error & { code: string };
  e.code = 'EREMOTEIO';
  return e;
}

export function createFakeI2cBus(devices: readonly I2cDevice[], o: FakeI2cBusOptions = {}): FakeI2cBus {
  const byAddress = new Map(devices.map((t) => [t.address, t]));
  const log: Array<{ address: number; bytes: Uint8Array }> = [];
  return {
    log,
    i2cWriteSync: (address, length, buffer) => {
      if (o.fail?.()) throw new Error('EIO: i/o error (injected)');
      const device = byAddress.get(address);
      if (!device) throw nack(address);
      const bytes = new Uint8Array(buffer.subarray(0, length));
      log.push({ address, bytes });
      device.write(bytes);
      return length;
    },
    i2cReadSync: (address, length, buffer) => {
      if (!byAddress.has(address)) throw nack(address);
      // Status byte: D7 = 0 (not busy), D6 = display on/off — oled-i2c-bus only looks at the busy bit.
      buffer.fill(0, 0, length);
      return length;
    },
  };
}
