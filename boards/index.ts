// Board registry. `loadBoard(name, options)` imports the profile on demand:
// `sim` and `none` load no native code; GPIO and serial profiles load their
// driver packages (optional dependencies) only when chosen.
import { err, type Result } from '../src/result.js';
import type { Board, BoardDrivers, BoardError, BoardModule, BoardOptions } from './types.js';
import { errorMessage } from '../src/errors.js';

export type { Board, BoardDrivers, BoardError, BoardOptions, BoardRole } from './types.js';

const profiles: Record<string, () => Promise<BoardModule>> = {
  sim: () => import('./sim/profile.js'),
  none: () => import('./none/index.js'),
  'raspberry-pi': () => import('./gpio/raspberry-pi.js'),
  'raspberry-pi-can': () => import('./gpio/raspberry-pi-can.js'),
  'raspberry-pi-relay': () => import('./gpio/raspberry-pi-relay.js'),
  beaglebone: () => import('./gpio/beaglebone.js'),
  celeron55: () => import('./celeron55/index.js'),
  dieter: () => import('./dieter/index.js'),
};

export const boardProfiles: readonly string[] = Object.keys(profiles);

/** Boards that build both CPs of `tsplc relay` in one load (role 'relay'); others are loaded once per side. */
export const relayBoards: readonly string[] = ['raspberry-pi-relay'];

/** drivers: twins for tests only (see BoardDrivers); production passes none. */
export async function loadBoard(name: string, options: BoardOptions, drivers?: BoardDrivers): Promise<Result<Board, BoardError>> {
  const loader = Object.prototype.hasOwnProperty.call(profiles, name) ? profiles[name] : undefined;
  if (!loader) return err({ code: 'UNKNOWN_BOARD', message: `unknown board '${name}' (known: ${boardProfiles.join(', ')})` });
  let mod: BoardModule;
  try {
    mod = await loader();
  } catch (e) {
    return err({ code: 'DRIVER_MISSING', message: `board '${name}' could not be loaded: ${errorMessage(e)}` });
  }
  try {
    return await mod.load(options, drivers);
  } catch (e) {
    return err({ code: 'HARDWARE_UNAVAILABLE', message: `board '${name}': ${errorMessage(e)}` });
  }
}
