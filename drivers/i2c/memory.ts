// The in-memory twin of the I2C bus port (src/ports/i2c.ts): devices at
// addresses (the SSD1306/SH1106 twin, an ADC model in a test), a NACK where no
// device listens — as the kernel reports EREMOTEIO — and, for tests, injected
// bus errors, a device unplugged and re-plugged, and latency on the clock port
// (a stalled bus) instead of real timers. Every transaction is logged.
import type { Clock } from '../../src/ports/clock.js';
import { I2cError, type I2cBus, type I2cErrorCode } from '../../src/ports/i2c.js';

/** A device on the twin bus. */
export interface I2cDevice {
  readonly address: number;
  /** The bytes of one write transaction after the address byte (for a register write: the register first). */
  write(bytes: Uint8Array): void;
  /** A register read (write the register, repeated START, read length bytes). Absent: reads return zeros (the SSD1306 status byte: not busy). */
  read?(register: number, length: number): Uint8Array;
}

export interface I2cTransaction {
  readonly address: number;
  readonly kind: 'write' | 'read';
  /** Written bytes (register first for register writes), or the bytes read. */
  readonly bytes: Uint8Array;
  /** Clock time at completion (0 without a clock). */
  readonly at: number;
}

export interface MemoryI2cBusOptions {
  /** Time for latencyMs (a SimulatedClock in tests). */
  readonly clock?: Clock;
  /** Every transaction completes this many ms later on the clock (needs clock): a slow or stalled bus. */
  readonly latencyMs?: number;
}

export interface MemoryI2cBus extends I2cBus {
  /** Every completed transaction, in order. */
  readonly log: I2cTransaction[];
  readonly closed: boolean;
  /** Plugs a device in (replaces one at the same address). */
  attach(device: I2cDevice): void;
  /** Unplugs the device at addr: transactions to it are NACKed. */
  detach(addr: number): void;
  /** While set, every transaction fails with this code ('IO' for EIO, 'NACK', 'SHORT'); undefined clears it. */
  failWith(code: I2cErrorCode | undefined): void;
  /** Changes the latency (0 = at once). */
  setLatency(ms: number): void;
}

const hex = (addr: number): string => `0x${addr.toString(16).padStart(2, '0')}`;

export function memoryI2cBus(devices: readonly I2cDevice[] = [], o: MemoryI2cBusOptions = {}): MemoryI2cBus {
  const byAddress = new Map(devices.map((d) => [d.address, d]));
  const log: I2cTransaction[] = [];
  let closed = false;
  let failure: I2cErrorCode | undefined;
  let latency = o.latencyMs ?? 0;

  const later = <T>(run: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const go = (): void => {
        try {
          resolve(run());
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      };
      if (o.clock && latency > 0) o.clock.setTimeout(go, latency);
      else go();
    });
  const device = (addr: number, what: string): I2cDevice => {
    if (closed) throw new I2cError('CLOSED', `${what} ${hex(addr)}: the bus is closed`);
    if (failure) throw new I2cError(failure, `${what} ${hex(addr)}: injected ${failure === 'IO' ? 'EIO' : failure}`);
    const d = byAddress.get(addr);
    if (!d) throw new I2cError('NACK', `${what} ${hex(addr)}: no device acknowledged (EREMOTEIO)`);
    return d;
  };
  const now = (): number => o.clock?.now() ?? 0;
  const write = (addr: number, bytes: Uint8Array): void => {
    const d = device(addr, 'write to');
    const copy = bytes.slice();
    d.write(copy);
    log.push({ address: addr, kind: 'write', bytes: copy, at: now() });
  };

  return {
    log,
    get closed() {
      return closed;
    },
    send: (addr, bytes) => later(() => write(addr, bytes)),
    write: (addr, register, bytes) =>
      later(() => {
        const b = new Uint8Array(bytes.length + 1);
        b[0] = register;
        b.set(bytes, 1);
        write(addr, b);
      }),
    read: (addr, register, length) =>
      later(() => {
        const d = device(addr, 'read from');
        const r = d.read ? d.read(register, length) : new Uint8Array(length);
        if (r.length !== length) throw new I2cError('SHORT', `short I2C read from ${hex(addr)}: ${r.length}/${length}`);
        log.push({ address: addr, kind: 'read', bytes: r.slice(), at: now() });
        return r.slice();
      }),
    close: async () => {
      closed = true;
    },
    attach: (d) => void byAddress.set(d.address, d),
    detach: (addr) => void byAddress.delete(addr),
    failWith: (code) => (failure = code),
    setLatency: (ms) => (latency = ms),
  };
}
