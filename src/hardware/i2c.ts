// An I2C bus as a port (drivers/i2c implements it with the i2c-bus package).
export interface I2cBus {
  /** Writes bytes to a register of the device at addr. */
  write(addr: number, register: number, bytes: Uint8Array): Promise<void>;
  /** Reads length bytes from a register of the device at addr. */
  read(addr: number, register: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}
