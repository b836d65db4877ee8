// An ADS1115 twin on an in-memory I2C bus: the config write selects the input
// (MUX bits 14:12, single-ended 1xx), the conversion read answers that input's
// voltage as the chip would (±4.096 V full scale, big-endian two's complement).
import type { I2cBus } from '../../src/ports/i2c.js';
import { ADS1115_CONFIG, ADS1115_CONVERSION } from '../../src/domain/hardware/ads1115.js';

export function fakeAds1115(address = 0x48) {
  const volts = new Map<number, number>();
  const converted: number[] = [];
  let mux = 0;
  let closed = false;
  const bus: I2cBus = {
    async write(addr, reg, bytes) {
      if (addr !== address) throw new Error(`no device at 0x${addr.toString(16)}`);
      if (reg === ADS1115_CONFIG) {
        mux = (((bytes[0] ?? 0) >> 4) & 0b111) - 0b100;
        converted.push(mux);
      }
    },
    async read(addr, reg, length) {
      if (addr !== address || reg !== ADS1115_CONVERSION || length !== 2) throw new Error('unexpected read');
      const raw = Math.max(-32768, Math.min(32767, Math.round(((volts.get(mux) ?? 0) / 4.096) * 32768))) & 0xffff;
      return new Uint8Array([raw >> 8, raw & 0xff]);
    },
    async send(addr) {
      // The ADS1115 is register-addressed: a plain write without a register is not how it is driven.
      throw new Error(`unexpected plain write to 0x${addr.toString(16)}`);
    },
    close: async () => {
      closed = true;
    },
  };
  return {
    bus,
    /** Sets the voltage at AINn. */
    set: (channel: number, v: number) => void volts.set(channel, v),
    channelsConverted: () => [...converted],
    closed: () => closed,
  };
}
