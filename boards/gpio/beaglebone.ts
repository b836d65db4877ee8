// beaglebone profile: pyPLC's BeagleBone wiring by default — CP state C on
// P9_41 (GPIO 20), power relay on P9_17 (GPIO 5); [hardware] pins override.
import type { BoardDrivers, BoardOptions } from '../types.js';
import { loadGpioBoard } from './profile.js';

export const beagleboneDefaultPins = { cpStateC: 20, contactor: 5 } as const;

export const load = (options: BoardOptions, drivers?: BoardDrivers) => loadGpioBoard('beaglebone', options, beagleboneDefaultPins, drivers?.gpio);
