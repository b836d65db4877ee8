// The sim board as a profile: both sides on one SimPlant, whatever the role
// (`tsplc sim` uses both; `tsplc pev --board sim` uses ev and may drive the
// charger side from the session's reported values).
import { ok, type Result } from '../../src/result.js';
import type { Board, BoardError, BoardOptions } from '../types.js';
import { createSimBoard, type SimBoard } from './index.js';

export interface SimBoardProfile extends Board {
  readonly sim: SimBoard;
}

export async function load(options: BoardOptions): Promise<Result<SimBoardProfile, BoardError>> {
  const ev = options.config?.ev;
  // Keep the simulated pack below the configured maximum (a pyPLC import may say 270 V).
  const full = ev ? Math.min(395, ev.max_voltage - 3) : undefined;
  const sim = createSimBoard({
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    ...options.sim,
    battery: {
      ...(ev && full !== undefined
        ? {
            capacityWh: ev.battery_capacity_wh,
            initialSocPercent: ev.initial_soc,
            maxVoltage: ev.max_voltage,
            maxCurrent: ev.max_current,
            fullVoltage: full,
            emptyVoltage: Math.round((full * 330) / 395),
          }
        : {}),
      ...options.sim?.battery,
    },
  });
  return ok({ name: 'sim', sim, ev: sim.ev, evse: sim.evse, close: () => sim.close() });
}
