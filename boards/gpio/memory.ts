// The in-memory twin of a GpioDriver: outputs are levels anyone can read,
// inputs are levels a test (or a bench plant) drives. Used by the tests and the
// car-on-a-bench harness in place of onoff / the gpiochip driver; the board code
// on top is the production code.
import type { GpioDriver } from './ev.js';

export interface MemoryGpio extends GpioDriver {
  /** Level of a pin (output as written, input as driven); undefined = never touched. */
  level(pin: number): boolean | undefined;
  /** Drive an input pin (calls its watcher on a change). */
  drive(pin: number, high: boolean): void;
  /** Called on every output write (a bench plant follows the outputs). */
  onWrite(fn: (pin: number, high: boolean) => void): void;
  readonly outputs: ReadonlySet<number>;
  readonly inputs: ReadonlySet<number>;
  readonly closed: boolean;
}

export function memoryGpio(): MemoryGpio {
  const levels = new Map<number, boolean>();
  const watchers = new Map<number, (high: boolean) => void>();
  const outputs = new Set<number>();
  const inputs = new Set<number>();
  const writeHooks: ((pin: number, high: boolean) => void)[] = [];
  let closed = false;
  return {
    output(pin) {
      outputs.add(pin);
      levels.set(pin, false);
      return {
        write: (high) => {
          if (closed) return;
          levels.set(pin, high);
          for (const h of writeHooks) h(pin, high);
        },
      };
    },
    input(pin, watch) {
      inputs.add(pin);
      watchers.set(pin, watch);
      return { read: () => levels.get(pin) ?? false };
    },
    async close() {
      closed = true;
      watchers.clear();
    },
    level: (pin) => levels.get(pin),
    drive(pin, high) {
      const before = levels.get(pin);
      levels.set(pin, high);
      if (before !== high) watchers.get(pin)?.(high);
    },
    onWrite: (fn) => void writeHooks.push(fn),
    outputs,
    inputs,
    get closed() {
      return closed;
    },
  };
}
