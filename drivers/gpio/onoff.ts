// GpioDriver over the `onoff` package (sysfs GPIO with epoll edge detection;
// optional dependency, loaded only by the GPIO board profiles).
import type { GpioDriver } from '../../src/ports/gpio.js';
import { err, ok, type Result } from '../../src/result.js';
import { errorMessage } from '../../src/errors.js';

export async function openOnoffDriver(): Promise<Result<GpioDriver, string>> {
  let Gpio: typeof import('onoff').Gpio;
  try {
    Gpio = (await import('onoff')).Gpio;
  } catch (e) {
    return err(`the optional package 'onoff' is not installed (npm install onoff): ${errorMessage(e)}`);
  }
  if (!Gpio.accessible) return err('GPIO is not accessible here (/sys/class/gpio missing or no permission: add the service user to group gpio)');
  const lines: InstanceType<typeof Gpio>[] = [];
  return ok({
    output(pin) {
      const g = new Gpio(pin, 'low');
      lines.push(g);
      return { write: (high) => g.writeSync(high ? 1 : 0) };
    },
    input(pin, watch, options) {
      const g = new Gpio(pin, 'in', 'both', { debounceTimeout: options?.debounceMs ?? 10 });
      lines.push(g);
      g.watch((e, value) => {
        if (!e) watch(value === 1);
      });
      return { read: () => g.readSync() === 1 };
    },
    async close() {
      for (const g of lines.splice(0)) {
        try {
          g.unexport();
        } catch {
          // Already released (the kernel may have removed the line): nothing left to free.
        }
      }
    },
  });
}
