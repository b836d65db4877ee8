// Wall-clock time for the Green PHY modem emulator (src/modem-sim is pure and
// takes its scheduler from the caller: tests give it a simulated one).
import type { ModemSimScheduler } from '../modem-sim/index.js';

export const realTimeModemScheduler: ModemSimScheduler = {
  schedule(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  now: () => Date.now(),
};
