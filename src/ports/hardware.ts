// Ports to the vehicle / charger hardware. Drivers (per board) implement them;
// every port has an in-memory twin (boards/sim) used by `tsplc sim` and tests.
// Continuous values are Observables; commands are methods. Machines never call
// these directly: the runtime turns value changes into events and machine
// actions into commands.
import type { Observable } from 'rxjs';
import type { DisplayButton } from './display.js';

/** IEC 61851 control-pilot states as the EV sees or drives them. */
export type CpState = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/** EV side: the EV switches the CP resistor (B ↔ C/D) and reads the PWM duty. */
export interface ControlPilot {
  /** Current CP state (as measured). */
  readonly state$: Observable<CpState>;
  /** PWM duty cycle in percent (5 % = digital communication requested), or 100 for DC/no PWM. */
  readonly dutyCycle$: Observable<number>;
  /** EV: switch the CP load to state B or C (D for ventilation). EVSE: set A/B/C/F output level. */
  setState(state: CpState): void;
  /** EVSE only: set the PWM duty cycle in percent (5 = digital communication, 100 = steady 12 V). Absent on EV boards. */
  setDutyCycle?(percent: number): void;
}

/** Power contactors (EV: DC/AC inlet contactors; EVSE: output contactor). */
export interface Contactors {
  /** true when the hardware confirms the contactors are closed (feedback contact), or the commanded state when the board has no feedback. */
  readonly closed$: Observable<boolean>;
  /** Whether closed$ is real feedback (true) or only echoes the command (false). */
  readonly hasFeedback: boolean;
  close(): void;
  open(): void;
}

export type LockState = 'locked' | 'unlocked' | 'moving' | 'fault';

export interface ConnectorLock {
  readonly state$: Observable<LockState>;
  readonly hasFeedback: boolean;
  lock(): void;
  unlock(): void;
}

/** A measured voltage (inlet, DC link, battery) in volts. */
export interface VoltageSensor {
  readonly volts$: Observable<number>;
}

/** A measured current in amperes (positive = into the battery). */
export interface CurrentSensor {
  readonly amps$: Observable<number>;
}

/** Battery / vehicle facts the EV reports to the charger. */
export interface BatteryState {
  readonly socPercent: number;
  /** Pack voltage in volts. */
  readonly voltage: number;
  /** Maximum charge current the car accepts now, in amperes. */
  readonly maxCurrent: number;
  readonly maxVoltage: number;
  /** Energy capacity in Wh. */
  readonly capacityWh: number;
}

export interface Battery {
  readonly state$: Observable<BatteryState>;
}

/** Plug-present detection (proximity pilot or a switch). */
export interface PlugDetect {
  readonly plugged$: Observable<boolean>;
}

/** EVSE side: the DC (or AC) power supply behind the charger's output. */
export interface PowerSupplyLimits {
  readonly maxVoltage: number;
  readonly minVoltage: number;
  readonly maxCurrent: number;
  readonly maxPower: number;
}

export interface PowerSupplyReading {
  readonly voltage: number;
  readonly current: number;
}

export type IsolationStatus = 'Invalid' | 'Valid' | 'Warning' | 'Fault' | 'No_IMD';

export interface PowerSupply {
  readonly limits: PowerSupplyLimits;
  /** Present output voltage and current. */
  readonly reading$: Observable<PowerSupplyReading>;
  /** Enable the output with a target voltage and current limit. */
  setTarget(voltage: number, current: number): void;
  /** Switch the output off (0 V, 0 A). */
  off(): void;
  /** Run an isolation check (cable check) at the given voltage; resolves with the result. */
  isolationCheck(voltage: number): Promise<IsolationStatus>;
}

/** A small status display (SSD1306 OLED, serial text display, or a terminal in sim). */
export interface Display {
  /** Shows up to `lines` lines of text. */
  readonly lines: number;
  show(text: readonly string[]): void;
}

/**
 * How a board tells that the cable is in: pp = proximity pilot (GPIO input, ADC threshold
 * or a device report, through `plug`), cp = the measured CP state (A = no car),
 * pwm = only the charger's 5 % PWM is seen, none = nothing (assumed plugged at start).
 */
export type PlugDetection = 'pp' | 'cp' | 'pwm' | 'none';

/** The hardware a board provides to the EV role. Optional ports are absent on boards without them. */
export interface EvHardware {
  /** How this board detects the plug; absent: `pp` when `plug` is present, else `cp`. */
  readonly plugDetection?: PlugDetection;
  readonly controlPilot: ControlPilot;
  readonly contactors: Contactors;
  readonly connectorLock?: ConnectorLock;
  /** Voltage at the vehicle inlet (charger side of the contactors). */
  readonly inletVoltage?: VoltageSensor;
  readonly current?: CurrentSensor;
  readonly battery: Battery;
  readonly plug?: PlugDetect;
  readonly display?: Display;
  /** Steps the status display to its next page (docs/display.md). */
  readonly displayButton?: DisplayButton;
  /** A charge-parameter source that replaces the battery's targets (the CHAdeMO bridge). */
  readonly chargeParameters?: import('./charge-parameters.js').ChargeParameterSource;
  /** Releases every handle (GPIO lines, serial ports). */
  close(): Promise<void>;
}

/** The hardware a board provides to the EVSE role. */
export interface EvseHardware {
  readonly controlPilot: ControlPilot;
  readonly contactors?: Contactors;
  readonly powerSupply: PowerSupply;
  readonly display?: Display;
  readonly displayButton?: DisplayButton;
  close(): Promise<void>;
}
