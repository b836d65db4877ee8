// Port: an I2C bus (/dev/i2c-N). Implemented by drivers/i2c/i2c-bus.ts (the
// optional `i2c-bus` package, asynchronous calls only) and by the twin
// drivers/i2c/memory.ts (devices at addresses, NACK where none listens, injected
// failures and latency on the clock port). Users: the SSD1306/SH1106 panel
// (drivers/display/i2c-panel.ts: plain writes, the control byte first) and the
// ADS1115 ADC (boards/gpio/adc.ts: register writes and reads).
// Every call rejects with an I2cError on failure (a NACK is code 'NACK').
import { errorMessage } from '../errors.js';

export type I2cErrorCode =
  /** No device acknowledged the address (the kernel's EREMOTEIO / ENXIO). */
  | 'NACK'
  /** Fewer bytes went over the bus than asked for. */
  | 'SHORT'
  /** The bus was closed. */
  | 'CLOSED'
  /** Any other bus error (EIO, ETIMEDOUT, …). */
  | 'IO';

export class I2cError extends Error {
  constructor(
    readonly code: I2cErrorCode,
    readonly detail: string,
  ) {
    super(`I2C ${code}: ${detail}`);
    this.name = 'I2cError';
  }
}

export interface I2cBus {
  /** One plain write transaction: START, address+W, the bytes, STOP (i2c-bus i2cWrite). */
  send(addr: number, bytes: Uint8Array): Promise<void>;
  /** Writes bytes to a register of the device at addr (an I2C block write: the register byte, then the bytes). */
  write(addr: number, register: number, bytes: Uint8Array): Promise<void>;
  /** Reads length bytes from a register of the device at addr (write the register, repeated START, read). */
  read(addr: number, register: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Maps an error of a bus call (errno codes of the kernel) to the port's codes. */
export function i2cErrorOf(e: unknown, what: string): I2cError {
  if (e instanceof I2cError) return e;
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const message = errorMessage(e);
  return new I2cError(code === 'EREMOTEIO' || code === 'ENXIO' ? 'NACK' : 'IO', `${what}: ${message}`);
}
