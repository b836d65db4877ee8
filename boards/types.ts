// What a board profile is: a loader that turns the [hardware] config into the
// EV and/or EVSE hardware ports. boards/index.ts finds profiles by name and
// imports each lazily, so a profile pulls in only its own drivers.
import type { EvHardware, EvseHardware } from '../src/ports/hardware.js';
import type { Logger } from '../src/ports/log.js';
import type { TsplcConfig } from '../src/config/schema.js';
import type { Clock } from '../src/ports/clock.js';
import type { SimPlantOptions } from './sim/plant.js';

export type BoardRole = 'pev' | 'evse' | 'listen';

export interface BoardOptions {
  /** Which side to build; the sim board always builds both. */
  readonly role: BoardRole;
  /** The validated config (hardware, ev, evse sections are read); defaults when absent. */
  readonly config?: TsplcConfig;
  readonly logger?: Logger;
  /** Time source (sim physics, lock pulses). Default: wall clock. */
  readonly scheduler?: Clock;
  /** sim only: plant options (battery, delays, faults). */
  readonly sim?: SimPlantOptions;
}

export interface Board {
  readonly name: string;
  /** Present when the role is pev (and always on sim). */
  readonly ev?: EvHardware;
  /** Present when the role is evse (and always on sim). */
  readonly evse?: EvseHardware;
  /** CCS-to-CHAdeMO bridge boards: the CAN port and the CHAdeMO sequence signals. */
  readonly chademo?: { readonly can: import('../src/ports/can.js').CanPort; readonly signals: import('../src/ports/chademo.js').ChademoSignals };
  /** Releases every handle (GPIO lines, serial ports, timers). */
  close(): Promise<void>;
}

export interface BoardError {
  readonly code: 'UNKNOWN_BOARD' | 'ROLE_NOT_SUPPORTED' | 'DRIVER_MISSING' | 'HARDWARE_UNAVAILABLE' | 'BAD_CONFIG';
  readonly message: string;
}

/**
 * Twins of the driver packages a profile would open (tests and the car-on-a-bench harness
 * only; the CLI never passes them). The profile code above them is the production code, so
 * the board keeps its real capabilities (pins, lock, feedback, plug detection).
 */
export interface BoardDrivers {
  readonly gpio?: import('./gpio/ev.js').GpioDriver;
  readonly serial?: import('../src/hardware/serial.js').SerialLink;
  /** The I2C bus of the ADS1115 (inlet voltage, PP) on GPIO boards. */
  readonly i2c?: import('../src/hardware/i2c.js').I2cBus;
}

export interface BoardModule {
  load(options: BoardOptions, drivers?: BoardDrivers): Promise<import('../src/result.js').Result<Board, BoardError>>;
}
