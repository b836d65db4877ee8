// The GPIO port: what a board profile needs from a GPIO backend. Implemented by
// drivers/gpio (gpiochip.ts: the kernel's GPIO character device; onoff.ts: sysfs
// lines); boards/gpio builds EV hardware on it, and tests drive it with an
// in-memory twin. It lives here, not in a board, so a driver depends on a port
// and never on a board (direction table, docs/architecture.md).

/**
 * The GPIO driver a board needs (drivers/gpio/gpiochip.ts or onoff.ts; a twin in tests).
 * `pin` is the board's GPIO number (Raspberry Pi: BCM; BeagleBone: 32 × bank + bit), as
 * src/domain/hardware/pins.ts resolves a name; the driver maps it to its chip and line (or sysfs number).
 * output() and input() throw a GpioError-shaped Error (code + message) when the line cannot be had.
 */
export interface GpioDriver {
  output(pin: number): { write(high: boolean): void };
  /** watch is called on every edge with the new level; debounceMs 0 for a fast signal (the CP PWM). */
  input(pin: number, watch: (high: boolean) => void, options?: { readonly debounceMs?: number }): { read(): boolean };
  close(): Promise<void>;
}

export type GpioErrorCode =
  | 'GPIO_CHIP_MISSING' // no such /dev/gpiochipN (or no GPIO character device at all)
  | 'GPIO_PERMISSION' // EACCES/EPERM: the user is not in group gpio
  | 'GPIO_NOT_A_CHIP' // ENOTTY: the path is some other character device
  | 'GPIO_LINE_BUSY' // EBUSY: another consumer (a device-tree function, another program, a sysfs export) holds the line
  | 'GPIO_BAD_LINE' // the line offset is beyond the chip
  | 'GPIO_ADDON_MISSING' // the native addon is not built
  | 'GPIO_UNAVAILABLE' // sysfs backend: onoff missing or /sys/class/gpio not accessible
  | 'GPIO_IO'; // any other failure of a syscall on a held line

export interface GpioError {
  readonly code: GpioErrorCode;
  /** What failed and what to check, for the user. */
  readonly message: string;
}
