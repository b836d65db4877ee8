// The GPIO port: what a board profile needs from a GPIO backend. Implemented by
// drivers/gpio (onoff's sysfs lines); boards/gpio builds EV hardware on it, and
// tests drive it with an in-memory twin. It lives here, not in a board, so a
// driver depends on a port and never on a board (direction table, docs/architecture.md).

/** The GPIO driver a board needs (drivers/gpio/onoff.ts; a fake in tests). */
export interface GpioDriver {
  output(pin: number): { write(high: boolean): void };
  /** watch is called on every edge with the new level; debounceMs 0 for a fast signal (the CP PWM). */
  input(pin: number, watch: (high: boolean) => void, options?: { readonly debounceMs?: number }): { read(): boolean };
  close(): Promise<void>;
}
