// raspberry-pi profile: every pin comes from [hardware] (BCM numbers; set
// hardware.gpio_chip_offset = 512 on kernels ≥ 6.6, whose sysfs GPIO base moved).
import type { BoardDrivers, BoardOptions } from '../types.js';
import { loadGpioBoard } from './profile.js';

export const load = (options: BoardOptions, drivers?: BoardDrivers) => loadGpioBoard('raspberry-pi', options, {}, drivers?.gpio);
