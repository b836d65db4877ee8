// GpioDriver over the `onoff` package (sysfs GPIO with epoll edge detection;
// optional dependency, loaded only by the GPIO board profiles with
// hardware.gpio_backend = "sysfs"). sysfs numbers a line globally: the board's
// GPIO number plus the chip's base (hardware.gpio_chip_offset: 512 on Raspberry
// Pi kernels ≥ 6.6). Deprecated by the kernel; gpiochip.ts is the default.
import type { GpioDriver } from '../../src/ports/gpio.js';
import { err, ok, type Result } from '../../src/result.js';
import { errorMessage } from '../../src/errors.js';

/** offset: added to every pin (the sysfs base of the board's chip). */
export async function openOnoffDriver(options: { readonly offset?: number } = {}): Promise<Result<GpioDriver, string>> {
  const base = options.offset ?? 0;
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
      const g = new Gpio(pin + base, 'low');
      lines.push(g);
      return { write: (high) => g.writeSync(high ? 1 : 0) };
    },
    input(pin, watch, options) {
      const g = new Gpio(pin + base, 'in', 'both', { debounceTimeout: options?.debounceMs ?? 10 });
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
