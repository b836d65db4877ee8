// Pin names as each board names them, resolved to what the two GPIO backends
// need: a chip and a line offset for the character device (gpiochip), the
// global number for sysfs. Pure.
//
// A board's "GPIO number" is the number its own documentation prints:
// - Raspberry Pi: the BCM number (GPIO17 = BCM 17), which is also the line offset
//   on the header's chip (pinctrl-bcm2835/-bcm2711 on gpiochip0; pinctrl-rp1 on
//   the Pi 5: gpiochip4 on its first Bookworm kernels, gpiochip0 since 6.6).
// - BeagleBone Black: 32 × bank + bit (P9_23 = GPIO1_17 = 49), the number of the
//   BeagleBone Black System Reference Manual's expansion-header tables (Tables
//   12 and 13, "GPIO" column, gpioN_M) and of pyPLC's BeagleBone pins; the line is
//   `bit` on the chip of bank `bank` (drivers/gpio/gpiochip.ts finds it by the controller
//   address 44e07000 / 4804c000 / 481ac000 / 481ae000, else label gpio-0-31 …, else number).
import { err, ok, type Result } from '../../result.js';

export type GpioBoard = 'raspberry-pi' | 'beaglebone';

/** A pin as written in the config: a name ("GPIO17", "P9_23", "PIN11") or the board's GPIO number; -1 = not fitted. */
export type PinValue = number | string;

/** Raspberry Pi 40-pin header (J8): physical pin → BCM number (GPIO pins only; the rest are power and ground). */
export const raspberryPiHeader: Readonly<Record<number, number>> = {
  3: 2, 5: 3, 7: 4, 8: 14, 10: 15, 11: 17, 12: 18, 13: 27, 15: 22, 16: 23, 18: 24, 19: 10, 21: 9, 22: 25, 23: 11, 24: 8, 26: 7,
  27: 0, 28: 1, 29: 5, 31: 6, 32: 12, 33: 13, 35: 19, 36: 16, 37: 26, 38: 20, 40: 21,
};

/**
 * BeagleBone Black P8/P9 header pins with a GPIO function (mode 7), as
 * [bank, bit] (BBB SRM Tables 12 and 13). P9_41 and P9_42 are each wired to two
 * balls; the table lists the GPIO0 one (GPIO0_20, GPIO0_7), the one pyPLC and the
 * default device tree use. Pins taken by the eMMC and HDMI (P8_3…P8_6, P8_20…P8_25,
 * P8_27…P8_46) are listed too: they are GPIOs once those capes are disabled.
 */
export const beagleboneHeader: Readonly<Record<string, readonly [bank: number, bit: number]>> = {
  P8_03: [1, 6], P8_04: [1, 7], P8_05: [1, 2], P8_06: [1, 3], P8_07: [2, 2], P8_08: [2, 3], P8_09: [2, 5], P8_10: [2, 4],
  P8_11: [1, 13], P8_12: [1, 12], P8_13: [0, 23], P8_14: [0, 26], P8_15: [1, 15], P8_16: [1, 14], P8_17: [0, 27], P8_18: [2, 1],
  P8_19: [0, 22], P8_20: [1, 31], P8_21: [1, 30], P8_22: [1, 5], P8_23: [1, 4], P8_24: [1, 1], P8_25: [1, 0], P8_26: [1, 29],
  P8_27: [2, 22], P8_28: [2, 24], P8_29: [2, 23], P8_30: [2, 25], P8_31: [0, 10], P8_32: [0, 11], P8_33: [0, 9], P8_34: [2, 17],
  P8_35: [0, 8], P8_36: [2, 16], P8_37: [2, 14], P8_38: [2, 15], P8_39: [2, 12], P8_40: [2, 13], P8_41: [2, 10], P8_42: [2, 11],
  P8_43: [2, 8], P8_44: [2, 9], P8_45: [2, 6], P8_46: [2, 7],
  P9_11: [0, 30], P9_12: [1, 28], P9_13: [0, 31], P9_14: [1, 18], P9_15: [1, 16], P9_16: [1, 19], P9_17: [0, 5], P9_18: [0, 4],
  P9_19: [0, 13], P9_20: [0, 12], P9_21: [0, 3], P9_22: [0, 2], P9_23: [1, 17], P9_24: [0, 15], P9_25: [3, 21], P9_26: [0, 14],
  P9_27: [3, 19], P9_28: [3, 17], P9_29: [3, 15], P9_30: [3, 16], P9_31: [3, 14], P9_41: [0, 20], P9_42: [0, 7],
};

/** The Raspberry Pi SoCs have at most 58 lines on the header chip (BCM2711); the Pi 5's RP1 has 54. */
const PI_MAX_BCM = 57;
/** Four banks of 32 on the AM335x. */
const BBB_MAX_GPIO = 127;

export interface ResolvedPin {
  /** The board's GPIO number (BCM; 32 × bank + bit). */
  readonly gpio: number;
  /** The name as the board prints it, for log lines and collision messages. */
  readonly name: string;
  /** Character device: which chip (Raspberry Pi: always the header chip, 0 here; BeagleBone: the bank) and the line offset on it. */
  readonly chip: number;
  readonly line: number;
}

function beagleName(gpio: number): string {
  const bank = gpio >> 5;
  const bit = gpio & 31;
  const header = Object.entries(beagleboneHeader).find(([, [b, i]]) => b === bank && i === bit)?.[0];
  return header ? `${header} (GPIO${bank}_${bit})` : `GPIO${bank}_${bit}`;
}

function located(board: GpioBoard, gpio: number): ResolvedPin {
  return board === 'raspberry-pi'
    ? { gpio, name: `GPIO${gpio}`, chip: 0, line: gpio }
    : { gpio, name: beagleName(gpio), chip: gpio >> 5, line: gpio & 31 };
}

/**
 * A config pin value → the board's GPIO number, chip and line; undefined for -1
 * (not fitted). Accepted: the GPIO number; Raspberry Pi "GPIO17", "BCM17",
 * "PIN11" (physical header pin); BeagleBone "P9_23", "P8_7" (leading zero
 * optional), "GPIO1_17". Case does not matter.
 */
export function resolvePin(board: GpioBoard, value: PinValue): Result<ResolvedPin | undefined, string> {
  if (typeof value === 'number') {
    if (value === -1) return ok(undefined);
    const max = board === 'raspberry-pi' ? PI_MAX_BCM : BBB_MAX_GPIO;
    if (!Number.isInteger(value) || value < 0 || value > max) return err(`GPIO ${value} does not exist on the ${board} (0–${max})`);
    return ok(located(board, value));
  }
  const text = value.trim().toUpperCase();
  if (text === '' || text === '-1' || text === 'NONE') return ok(undefined);
  if (/^\d+$/.test(text)) return resolvePin(board, Number(text));
  if (board === 'raspberry-pi') {
    const bcm = /^(?:GPIO|BCM)(\d{1,2})$/.exec(text);
    if (bcm) return resolvePin(board, Number(bcm[1]));
    const phys = /^(?:PIN|J8_?)(\d{1,2})$/.exec(text);
    if (phys) {
      const n = raspberryPiHeader[Number(phys[1])];
      return n === undefined ? err(`header pin ${phys[1]} of the Raspberry Pi is power or ground, not a GPIO`) : resolvePin(board, n);
    }
    return err(`"${value}" is not a Raspberry Pi pin name (GPIO17 / BCM17 / PIN11 = physical header pin, or the BCM number)`);
  }
  const header = /^(P[89])_?0*(\d{1,2})$/.exec(text);
  if (header) {
    const key = `${header[1]}_${(header[2] ?? '').padStart(2, '0')}`;
    const bb = beagleboneHeader[key];
    return bb ? ok(located(board, bb[0] * 32 + bb[1])) : err(`${key} is not a GPIO pin of the BeagleBone Black header (power, ground, ADC or reset)`);
  }
  const bankBit = /^GPIO([0-3])_(\d{1,2})$/.exec(text);
  if (bankBit) {
    const bit = Number(bankBit[2]);
    if (bit > 31) return err(`"${value}": a BeagleBone GPIO bank has bits 0–31`);
    return ok(located(board, Number(bankBit[1]) * 32 + bit));
  }
  return err(`"${value}" is not a BeagleBone pin name (P9_23, P8_07, GPIO1_17, or the GPIO number 32 × bank + bit)`);
}

/** Which board numbers a GPIO profile uses: raspberry-pi-can is a Raspberry Pi. */
export function gpioBoardOf(boardName: string): GpioBoard | undefined {
  if (boardName === 'raspberry-pi' || boardName === 'raspberry-pi-can' || boardName === 'raspberry-pi-relay') return 'raspberry-pi';
  if (boardName === 'beaglebone') return 'beaglebone';
  return undefined;
}

/** One pin function: the config key that sets it and its value (the board default filled in where the key is unset). */
export interface PinAssignment {
  readonly key: string;
  readonly value: PinValue;
}

/**
 * Resolves every assignment; collects a message per bad name and per pin that two keys
 * share (`hardware.pin_contactor and hardware.pin_lock both use P9_23 (GPIO1_17)`).
 */
export function resolvePinAssignments(board: GpioBoard, pins: readonly PinAssignment[]): Result<Map<string, ResolvedPin>, { key: string; message: string }[]> {
  const errors: { key: string; message: string }[] = [];
  const out = new Map<string, ResolvedPin>();
  const byGpio = new Map<number, { pin: ResolvedPin; keys: string[] }>();
  for (const { key, value } of pins) {
    const r = resolvePin(board, value);
    if (!r.ok) {
      errors.push({ key, message: r.error });
      continue;
    }
    if (!r.value) continue;
    out.set(key, r.value);
    const seen = byGpio.get(r.value.gpio);
    if (seen) seen.keys.push(key);
    else byGpio.set(r.value.gpio, { pin: r.value, keys: [key] });
  }
  for (const { pin, keys } of byGpio.values())
    if (keys.length > 1) errors.push({ key: keys[0] ?? '', message: `pin collision: ${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1]} ${keys.length > 2 ? 'all' : 'both'} use ${pin.name}` });
  return errors.length ? err(errors) : ok(out);
}

/** Pins a profile fits when the key is unset: pyPLC's BeagleBone wiring (CP state C on P9_41, power relay on P9_17). */
export const boardDefaultPins: Readonly<Record<GpioBoard, Readonly<Record<string, PinValue>>>> = {
  'raspberry-pi': {},
  beaglebone: { 'hardware.pin_cp_state_c': 'P9_41', 'hardware.pin_contactor': 'P9_17' },
};
