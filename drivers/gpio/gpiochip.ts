// GpioDriver over the kernel's GPIO character device (gpiochip uAPI v2, what
// libgpiod 2 uses), through the tsplc native addon. sysfs GPIO is deprecated
// and on the Raspberry Pi 5 its numbers moved (base 512, later 571); the
// character device names a line by chip and offset, which does not move.
// Structs are packed in src/domain/hardware/gpiochip.ts (pure, tested); the addon only
// issues the ioctls and watches each input's line fd for edge events.
import { readdirSync, realpathSync } from 'node:fs';
import type { GpioDriver, GpioError, GpioErrorCode } from '../../src/ports/gpio.js';
import { err, ok, type Result } from '../../src/result.js';
import { decodeLineEvents, decodeLineValues, encodeLineRequest, encodeLineValues, type GpioLineSettings } from '../../src/domain/hardware/gpiochip.js';
import { resolvePin, type GpioBoard } from '../../src/domain/hardware/pins.js';
import { loadNative, type NativeAddon } from '../ethernet/native.js';
import { errorMessage } from '../../src/errors.js';

type Chip = InstanceType<NativeAddon['GpioChip']>;
type LineRequest = InstanceType<NativeAddon['GpioLineRequest']>;

/** A GpioError as a thrown value (GpioDriver.output/input are synchronous). */
export class GpioLineError extends Error implements GpioError {
  override readonly name = 'GpioLineError';
  constructor(
    readonly code: GpioErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Kernel errno (from the addon) → a typed error that tells the user what to check. */
export function gpioErrorOf(e: unknown, where: { path: string; line?: number }): GpioError {
  const errno = (e as { code?: unknown })?.code;
  const detail = errorMessage(e);
  const line = where.line !== undefined ? ` line ${where.line}` : '';
  const is = (code: GpioErrorCode, message: string): GpioError => ({ code, message });
  switch (errno) {
    case 'ENOENT':
    case 'ENODEV':
    case 'ENXIO':
      return is('GPIO_CHIP_MISSING', `${where.path} does not exist: this kernel has no such GPIO character device (check \`ls /dev/gpiochip*\` and hardware.gpio_chip; on an old kernel set hardware.gpio_backend = "sysfs")`);
    case 'EACCES':
    case 'EPERM':
      return is('GPIO_PERMISSION', `${where.path}: permission denied (add the service user to group gpio, or allow the device in the unit's DeviceAllow=)`);
    case 'ENOTTY':
      return is('GPIO_NOT_A_CHIP', `${where.path} is not a GPIO chip (the GPIO chip-info ioctl is not supported by this device): check hardware.gpio_chip`);
    case 'EBUSY':
      return is('GPIO_LINE_BUSY', `${where.path}${line} is busy: another consumer holds it (\`gpioinfo\` names it: a device-tree function such as I2C/SPI/UART, another program, or a sysfs export)`);
    case 'EINVAL':
      return is('GPIO_BAD_LINE', `${where.path}${line}: the kernel refused the line request (${detail})`);
    case 'NATIVE_ADDON_MISSING':
      return is('GPIO_ADDON_MISSING', `the tsplc native addon is not built (npm run build:native): ${detail}`);
    default:
      return is('GPIO_IO', `${where.path}${line}: ${detail}`);
  }
}

/** Opens one chip and reads its info; a missing device, a permission problem or a non-GPIO device is a typed error. */
export function openGpioChip(path: string, addon?: NativeAddon): Result<{ chip: Chip; label: string; lines: number }, GpioError> {
  let native: NativeAddon;
  try {
    native = addon ?? loadNative();
  } catch (e) {
    return err(gpioErrorOf(e, { path }));
  }
  try {
    const chip = new native.GpioChip(path);
    const info = chip.info();
    return ok({ chip, label: info.label, lines: info.lines });
  } catch (e) {
    return err(gpioErrorOf(e, { path }));
  }
}

/** Labels of the chip that carries a board's chip index (pins.ts ResolvedPin.chip). */
export function chipLabels(board: GpioBoard, index: number): string[] {
  if (board === 'raspberry-pi') return ['pinctrl-rp1', 'pinctrl-bcm2712', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];
  // AM335x banks: the omap-gpio driver labels them "gpio-0-31" … in the order they probe.
  return [`gpio-${index * 32}-${index * 32 + 31}`];
}

/**
 * AM335x GPIO controller addresses (TRM memory map): bank 0 in the wakeup domain, 1–3 on L4_PER.
 * The omap-gpio labels follow probe order, which on some kernels is not bank order (gpio0 in the
 * wakeup domain may probe last), so the address in the chip's sysfs path decides first.
 */
export const am335xBankAddresses = ['44e07000', '4804c000', '481ac000', '481ae000'] as const;

export interface GpiochipDriverOptions {
  readonly board: GpioBoard;
  /** Raspberry Pi: the header chip's device; unset = found by label. */
  readonly chip?: string;
  /** Shown by `gpioinfo` as the holder of the lines. */
  readonly consumer?: string;
  /** Directory of the devices (tests); default /dev. */
  readonly devDir?: string;
  /** Where each gpiochipN's device path can be resolved (its controller's address); default /sys/bus/gpio/devices. */
  readonly sysDir?: string;
  /** A write or an event read failed on a held line: the driver keeps going, the board logs it. */
  readonly onError?: (e: GpioError) => void;
  /** The addon (tests pass a double that plays the kernel); default: the built one. */
  readonly addon?: NativeAddon;
}

/**
 * Finds the chips at start: every /dev/gpiochipN is opened and labelled; a board chip index is
 * matched by label (pinctrl-rp1, gpio-32-63, …), else by its number. No GPIO character device at
 * all, or an explicit hardware.gpio_chip that cannot be opened, is GPIO_CHIP_MISSING / _PERMISSION / _NOT_A_CHIP.
 */
export async function openGpiochipDriver(o: GpiochipDriverOptions): Promise<Result<GpioDriver, GpioError>> {
  let native: NativeAddon;
  try {
    native = o.addon ?? loadNative();
  } catch (e) {
    return err(gpioErrorOf(e, { path: 'native addon' }));
  }
  const devDir = o.devDir ?? '/dev';
  const consumer = o.consumer ?? 'tsplc';
  const chips = new Map<number, { chip: Chip; path: string; lines: number }>();
  const opened: Chip[] = [];
  const closeAll = (): void => {
    for (const c of opened) c.close();
  };
  if (o.chip) {
    const c = openGpioChip(o.chip, native);
    if (!c.ok) return c;
    opened.push(c.value.chip);
    chips.set(0, { chip: c.value.chip, path: o.chip, lines: c.value.lines });
  } else {
    let names: string[];
    try {
      names = readdirSync(devDir).filter((n) => /^gpiochip\d+$/.test(n));
    } catch {
      names = [];
    }
    if (names.length === 0) return err(gpioErrorOf(Object.assign(new Error('none found'), { code: 'ENOENT' }), { path: `${devDir}/gpiochip*` }));
    const found: { path: string; number: number; label: string; lines: number; chip: Chip; device: string }[] = [];
    const sysDir = o.sysDir ?? '/sys/bus/gpio/devices';
    const deviceOf = (n: string): string => {
      try {
        return realpathSync(`${sysDir}/${n}`);
      } catch {
        return '';
      }
    };
    let firstError: GpioError | undefined;
    for (const n of names.sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))) {
      const path = `${devDir}/${n}`;
      const c = openGpioChip(path, native);
      if (!c.ok) {
        firstError ??= c.error;
        continue;
      }
      opened.push(c.value.chip);
      found.push({ path, number: Number(n.slice(8)), label: c.value.label, lines: c.value.lines, chip: c.value.chip, device: o.board === 'beaglebone' ? deviceOf(n) : '' });
    }
    if (found.length === 0 && firstError) return err(firstError);
    for (let index = 0; index < (o.board === 'raspberry-pi' ? 1 : 4); index++) {
      const labels = chipLabels(o.board, index);
      const address = o.board === 'beaglebone' ? am335xBankAddresses[index] : undefined;
      const byAddress = address ? found.find((f) => f.device.includes(`/${address}.gpio/`) || f.label.startsWith(address)) : undefined;
      const byLabel = labels.map((l) => found.find((f) => f.label === l)).find((f) => f);
      const hit = byAddress ?? byLabel ?? found.find((f) => f.number === index);
      if (hit) chips.set(index, { chip: hit.chip, path: hit.path, lines: hit.lines });
    }
  }
  const requests: LineRequest[] = [];
  const report = (e: GpioError): void => o.onError?.(e);
  const request = (pin: number, settings: GpioLineSettings, onEvents?: (bytes: Uint8Array) => void): { req: LineRequest; path: string; line: number } => {
    const r = resolvePin(o.board, pin);
    if (!r.ok) throw new GpioLineError('GPIO_BAD_LINE', r.error);
    if (!r.value) throw new GpioLineError('GPIO_BAD_LINE', `pin ${pin} is "not fitted"`);
    const at = chips.get(r.value.chip);
    const { line } = r.value;
    if (!at) throw new GpioLineError('GPIO_CHIP_MISSING', `${r.value.name}: no GPIO chip for ${o.board === 'raspberry-pi' ? 'the 40-pin header' : `bank ${r.value.chip}`} (labels ${chipLabels(o.board, r.value.chip).join(' / ')}); check \`gpiodetect\` and hardware.gpio_chip`);
    if (line >= at.lines) throw new GpioLineError('GPIO_BAD_LINE', `${r.value.name}: ${at.path} has lines 0–${at.lines - 1}, not ${line}`);
    const bytes = encodeLineRequest({ consumer, lines: [{ offset: line, settings }] });
    if (!bytes.ok) throw new GpioLineError('GPIO_BAD_LINE', bytes.error.message);
    try {
      const req = onEvents
        ? new native.GpioLineRequest(at.chip, bytes.value, onEvents, (e) => report(gpioErrorOf(e, { path: at.path, line })))
        : new native.GpioLineRequest(at.chip, bytes.value);
      // The service must exit when everything else is done: an input watcher alone does not hold the loop.
      req.unref();
      requests.push(req);
      return { req, path: at.path, line };
    } catch (e) {
      const g = gpioErrorOf(e, { path: at.path, line });
      throw new GpioLineError(g.code, `${r.value.name}: ${g.message}`);
    }
  };
  return ok({
    output(pin) {
      // Requested low: safe until the board says otherwise (CP B, contactors open).
      const { req, path, line } = request(pin, { direction: 'output', initial: false });
      const high = encodeLineValues(1n, 1n);
      const low = encodeLineValues(0n, 1n);
      return {
        write: (on) => {
          if (!req.isOpen) return;
          try {
            req.setValues(on ? high : low);
          } catch (e) {
            report(gpioErrorOf(e, { path, line }));
          }
        },
      };
    },
    input(pin, watch, options) {
      const debounceMs = options?.debounceMs ?? 10;
      const { req, path, line } = request(pin, { direction: 'input', edges: 'both', debounceUs: Math.round(debounceMs * 1000) }, (bytes) => {
        const events = decodeLineEvents(bytes);
        if (!events.ok) return report({ code: 'GPIO_IO', message: `${path} line ${line}: ${events.error.message}` });
        for (const ev of events.value) watch(ev.edge === 'rising');
      });
      return {
        read: () => {
          try {
            return (decodeLineValues(req.getValues(encodeLineValues(0n, 1n))).bits & 1n) === 1n;
          } catch (e) {
            report(gpioErrorOf(e, { path, line }));
            return false;
          }
        },
      };
    },
    async close() {
      for (const r of requests.splice(0)) r.close();
      closeAll();
    },
  });
}
