// Every GPIO pin a config assigns, by key, with the board's defaults filled in —
// the one list that the board loader resolves and that validateConfig (and so
// `tsplc config check`) checks for unknown names and collisions.
import type { Result } from '../result.js';
import { boardDefaultPins, gpioBoardOf, resolvePinAssignments, type PinAssignment, type ResolvedPin } from '../domain/hardware/pins.js';
import type { TsplcConfig } from './schema.js';

export const evPinKeys = [
  'pin_cp_state_c',
  'pin_contactor',
  'pin_contactor2',
  'pin_contactor_feedback',
  'pin_lock',
  'pin_unlock',
  'pin_lock_feedback',
  'pin_pp',
  'pin_cp_pwm',
] as const;
export const chademoPinKeys = ['pin_d1', 'pin_d2', 'pin_k', 'pin_lock', 'pin_unlock', 'pin_lock_feedback'] as const;
/** The raspberry-pi-relay board's pins ([relay]); it uses none of the EV pins of [hardware]. */
export const relayPinKeys = ['pin_car_cp_pwm', 'pin_charger_cp_b', 'pin_charger_cp_c', 'pin_charger_cp_d', 'pin_charger_cp_pwm'] as const;
/** Its wiring when a key is unset (docs/boards.md): PWM0 on GPIO18, the load switches on GPIO23/24, the comparator on GPIO25. */
export const relayDefaultPins: Readonly<Record<(typeof relayPinKeys)[number], number | string>> = {
  pin_car_cp_pwm: 'GPIO18',
  pin_charger_cp_b: 'GPIO23',
  pin_charger_cp_c: 'GPIO24',
  pin_charger_cp_d: -1,
  pin_charger_cp_pwm: 'GPIO25',
};

/**
 * The pins of a board (default: the configured one), or undefined for a board without GPIO.
 * [chademo] pins count only on raspberry-pi-can; raspberry-pi-relay has only its [relay] pins and the button.
 */
export function pinAssignments(config: TsplcConfig, boardName: string = config.general.board): PinAssignment[] | undefined {
  const board = gpioBoardOf(boardName);
  if (!board) return undefined;
  if (boardName === 'raspberry-pi-relay') {
    const out: PinAssignment[] = relayPinKeys.map((k) => ({ key: `relay.${k}`, value: config.relay[k] === -1 ? relayDefaultPins[k] : config.relay[k] }));
    out.push({ key: 'display.button_pin', value: config.display.button_pin });
    return out;
  }
  const defaults = boardDefaultPins[board];
  const out: PinAssignment[] = [];
  for (const k of evPinKeys) {
    const key = `hardware.${k}`;
    const v = config.hardware[k];
    out.push({ key, value: v === -1 ? (defaults[key] ?? -1) : v });
  }
  out.push({ key: 'display.button_pin', value: config.display.button_pin });
  if (boardName === 'raspberry-pi-can') for (const k of chademoPinKeys) out.push({ key: `chademo.${k}`, value: config.chademo[k] });
  return out;
}

/** Resolved pins by key ('hardware.pin_pp' → chip, line, GPIO number); errors name the key. */
export function resolveConfigPins(config: TsplcConfig, boardName: string = config.general.board): Result<Map<string, ResolvedPin>, { key: string; message: string }[]> | undefined {
  const board = gpioBoardOf(boardName);
  const pins = pinAssignments(config, boardName);
  return board && pins ? resolvePinAssignments(board, pins) : undefined;
}
