// Port: the CHAdeMO sequence signals and the plug lock, seen from the charger
// (the bridge). On a board they are GPIO lines through opto-couplers/relays
// (docs/chademo.md); in sim they are wired to the simulated CHAdeMO car.
//   d1  (pin 2)  charger start signal, 12 V from the charger      — output
//   d2  (pin 10) charger ready for energy (second start signal)   — output
//   j/k (pin 4)  vehicle charge permission: the car closes switch k,
//                pulling line j low; the charger reads it         — input
import type { Observable } from 'rxjs';
import type { ConnectorLock, VoltageSensor } from './hardware.js';

export interface ChademoSignals {
  setD1(on: boolean): void;
  setD2(on: boolean): void;
  /** true while the car's switch k is closed (charge permission), as read on line j. */
  readonly k$: Observable<boolean>;
  /** The CHAdeMO plug lock (the charger locks the car's plug). */
  readonly lock?: ConnectorLock;
  /** Voltage on the CHAdeMO DC pins (for the 60 V unlock rule); without it the CCS present voltage is used. */
  readonly outputVoltage?: VoltageSensor;
  close(): Promise<void>;
}
