// Where the car's battery facts come from (config ev.battery_source). A source
// gives the BatteryState the session reports to the charger and says when its
// data went stale; src/runtime/ev-hardware.ts puts it between the board and the
// session. Pure types.
import type { Observable } from 'rxjs';
import type { BatteryState } from '../../ports/hardware.js';

export const batterySourceNames = ['static', 'celeron55', 'mqtt', 'chademo'] as const;
export type BatterySourceName = (typeof batterySourceNames)[number];

export interface BatterySource {
  readonly name: BatterySourceName;
  /** The facts as the source knows them (stale or not). */
  readonly state$: Observable<BatteryState>;
  /** true while no update arrived within the configured time (a static source is never stale). */
  readonly stale$: Observable<boolean>;
  /** An inlet voltage the source reports (pyPLC's MQTT <topic>/inlet_voltage). */
  readonly inletVoltage$?: Observable<number>;
  close(): Promise<void>;
}
