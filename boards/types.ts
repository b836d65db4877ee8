// What a board profile is: a loader that turns the [hardware] config into the
// EV and/or EVSE hardware ports. boards/index.ts finds profiles by name and
// imports each lazily, so a profile pulls in only its own drivers.
import type { EvHardware, EvseHardware } from '../src/ports/hardware.js';
import type { Logger } from '../src/ports/log.js';
import type { TsplcConfig } from '../src/config/schema.js';
import type { Clock } from '../src/ports/clock.js';
import type { SimPlantOptions } from './sim/plant.js';

/** relay: both CPs of `tsplc relay` (boards listed in relayBoards, boards/index.ts). */
export type BoardRole = 'pev' | 'evse' | 'listen' | 'relay';

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
  /**
   * Role relay (boards that combine both sides, e.g. raspberry-pi-relay): towards the car an EVSE's CP
   * (PWM out, the car's state measured), towards the charger an EV's CP (load switches, the charger's duty measured).
   */
  readonly relay?: { readonly carSide: import('../src/ports/hardware.js').ControlPilot; readonly chargerSide: import('../src/ports/hardware.js').ControlPilot };
  /** Simulated hardware only (the sim board): what the runtime feeds it that real hardware measures itself. */
  readonly simulation?: BoardSimulation;
  /** Releases every handle (GPIO lines, serial ports, timers). */
  close(): Promise<void>;
}

/**
 * A car's V2G request as far as simulated hardware cares: the charger's targets and switching
 * (PreCharge/CurrentDemand targets, PowerDelivery start/stop, the end of the session) and the car's
 * CP switch (state C before the cable check). Values in V and A; absent when the request lacks them.
 */
export type CarRequest =
  | { readonly kind: 'PreCharge' | 'CurrentDemand'; readonly targetVoltage?: number; readonly targetCurrent?: number }
  | { readonly kind: 'CableCheck' | 'WeldingDetection' | 'SessionStop' }
  | {
      readonly kind: 'PowerDelivery';
      /** A DC request (DC_EVPowerDeliveryParameter present). */
      readonly dc: boolean;
      /** ISO 15118-2 ChargeProgress ('Start', 'Stop', 'Renegotiate'). */
      readonly chargeProgress?: string;
      /** DIN 70121 ReadyToChargeState. */
      readonly readyToChargeState?: boolean;
    };

/**
 * The hook for behaviour only simulated hardware has. With the sim board, `tsplc pev` and
 * `tsplc evse` run as separate processes, each with its own plant: nothing physical joins the car's
 * inlet to the charger's output or the car's CP switch to the charger's CP. The runtime hands the
 * car's requests (the EV's transmitted ones, the EVSE's received ones) to the board, which plays the
 * missing side (boards/sim/mirror.ts). Real boards leave it undefined.
 */
export interface BoardSimulation {
  carRequest(request: CarRequest): void;
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
  readonly serial?: import('../src/domain/hardware/serial.js').SerialLink;
  /** The I2C bus of the ADS1115 (inlet voltage, PP) on GPIO boards. */
  readonly i2c?: import('../src/domain/hardware/i2c.js').I2cBus;
  /** Hardware PWM (the relay board's car-side CP generator). */
  readonly pwm?: import('../src/ports/pwm.js').PwmDriver;
}

export interface BoardModule {
  load(options: BoardOptions, drivers?: BoardDrivers): Promise<import('../src/result.js').Result<Board, BoardError>>;
}
