// Every GPIO pin a config assigns, by key, with the board's defaults filled in —
// the one list that the board loader resolves and that validateConfig (and so
// `tsplc config check`) checks for unknown names and collisions.
import type { Result } from '../result.js';
import { boardDefaultPins, gpioBoardOf, resolvePinAssignments, type PinAssignment, type ResolvedPin } from '../hardware/pins.js';
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

/**
 * The pins of a board (default: the configured one), or undefined for a board without GPIO.
 * [chademo] pins count only on raspberry-pi-can.
 */
export function pinAssignments(config: TsplcConfig, boardName: string = config.general.board): PinAssignment[] | undefined {
  const board = gpioBoardOf(boardName);
  if (!board) return undefined;
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
