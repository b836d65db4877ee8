// I2cBus over the `i2c-bus` package (optional dependency; it ships no types,
// so the few calls used are declared here).
import type { I2cBus } from '../../src/hardware/i2c.js';
import { err, ok, type Result } from '../../src/result.js';
import { errorMessage } from '../../src/errors.js';

interface PromisifiedBus {
  writeI2cBlock(addr: number, cmd: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number }>;
  readI2cBlock(addr: number, cmd: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  close(): Promise<void>;
}

export async function openI2cBus(busNumber: number): Promise<Result<I2cBus, string>> {
  let openPromisified: (n: number) => Promise<PromisifiedBus>;
  try {
    const name = 'i2c-bus';
    const mod = (await import(name)) as { default?: { openPromisified: typeof openPromisified }; openPromisified?: typeof openPromisified };
    const f = mod.openPromisified ?? mod.default?.openPromisified;
    if (!f) return err("the 'i2c-bus' package has no openPromisified()");
    openPromisified = f;
  } catch (e) {
    return err(`the optional package 'i2c-bus' is not installed (npm install i2c-bus): ${errorMessage(e)}`);
  }
  let bus: PromisifiedBus;
  try {
    bus = await openPromisified(busNumber);
  } catch (e) {
    return err(`cannot open /dev/i2c-${busNumber}: ${errorMessage(e)}`);
  }
  return ok({
    async write(addr, register, bytes) {
      const r = await bus.writeI2cBlock(addr, register, bytes.length, Buffer.from(bytes));
      if (r.bytesWritten !== bytes.length) throw new Error(`short I2C write: ${r.bytesWritten}/${bytes.length}`);
    },
    async read(addr, register, length) {
      const r = await bus.readI2cBlock(addr, register, length, Buffer.alloc(length));
      if (r.bytesRead !== length) throw new Error(`short I2C read: ${r.bytesRead}/${length}`);
      return new Uint8Array(r.buffer.subarray(0, length));
    },
    close: () => bus.close(),
  });
}
