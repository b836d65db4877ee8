// beaglebone profile: pyPLC's BeagleBone wiring by default — CP state C on
// P9_41 (GPIO0_20), power relay on P9_17 (GPIO0_5), src/domain/hardware/pins.ts
// boardDefaultPins; [hardware] pins override, named P8_xx / P9_xx or GPIOn_m.
import type { BoardDrivers, BoardOptions } from '../types.js';
import { loadGpioBoard } from './profile.js';

export const load = (options: BoardOptions, drivers?: BoardDrivers) => loadGpioBoard('beaglebone', options, drivers);
