// The I2C bus port (src/ports/i2c.ts) over the `i2c-bus` package (optional
// dependency; it ships no types, so the few calls used are declared here).
// Only the asynchronous calls: a synchronous 1 KiB display frame would block the
// event loop for ~25 ms at 400 kHz (docs/display.md).
import { I2cError, i2cErrorOf, type I2cBus } from '../../src/ports/i2c.js';
import { err, ok, type Result } from '../../src/result.js';
import { errorMessage } from '../../src/errors.js';

interface PromisifiedBus {
  i2cWrite(addr: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }>;
  writeI2cBlock(addr: number, cmd: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number }>;
  readI2cBlock(addr: number, cmd: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  close(): Promise<void>;
}

const hex = (addr: number): string => `0x${addr.toString(16).padStart(2, '0')}`;

/** The bus over an opened i2c-bus PromisifiedBus (separate from openI2cBus so a test can give it a fake). */
export function i2cBusOver(bus: PromisifiedBus): I2cBus {
  let closed = false;
  const call = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    if (closed) throw new I2cError('CLOSED', `${what}: the bus is closed`);
    try {
      return await f();
    } catch (e) {
      throw i2cErrorOf(e, what);
    }
  };
  return {
    async send(addr, bytes) {
      const r = await call(`write to ${hex(addr)}`, () => bus.i2cWrite(addr, bytes.length, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)));
      if (r.bytesWritten !== bytes.length) throw new I2cError('SHORT', `short I2C write to ${hex(addr)}: ${r.bytesWritten}/${bytes.length} bytes`);
    },
    async write(addr, register, bytes) {
      const r = await call(`write to ${hex(addr)}`, () => bus.writeI2cBlock(addr, register, bytes.length, Buffer.from(bytes)));
      if (r.bytesWritten !== bytes.length) throw new I2cError('SHORT', `short I2C write to ${hex(addr)}: ${r.bytesWritten}/${bytes.length} bytes`);
    },
    async read(addr, register, length) {
      const r = await call(`read from ${hex(addr)}`, () => bus.readI2cBlock(addr, register, length, Buffer.alloc(length)));
      if (r.bytesRead !== length) throw new I2cError('SHORT', `short I2C read from ${hex(addr)}: ${r.bytesRead}/${length} bytes`);
      return new Uint8Array(r.buffer.subarray(0, length));
    },
    async close() {
      if (closed) return;
      closed = true;
      await bus.close();
    },
  };
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
  try {
    return ok(i2cBusOver(await openPromisified(busNumber)));
  } catch (e) {
    return err(`cannot open /dev/i2c-${busNumber}: ${errorMessage(e)}`);
  }
}
