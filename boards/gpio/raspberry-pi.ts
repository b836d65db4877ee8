// raspberry-pi profile: every pin comes from [hardware], named as on the Pi
// (GPIO17 / BCM17, PIN11 = header pin 11) or by BCM number; the character device
// by default (the header chip found by label: pinctrl-rp1 on the Pi 5).
import type { BoardDrivers, BoardOptions } from '../types.js';
import { loadGpioBoard } from './profile.js';

export const load = (options: BoardOptions, drivers?: BoardDrivers) => loadGpioBoard('raspberry-pi', options, drivers);
