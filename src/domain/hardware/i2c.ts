// An I2C bus as a port: moved to src/ports/i2c.ts (issue 9 §4); kept so older imports compile.
export type { I2cBus } from '../../ports/i2c.js';
