// The sim board as a profile: both sides on one SimPlant, whatever the role
// (`tsplc sim` uses both; `tsplc pev --board sim` uses ev and plays the charger
// side from the car's requests, `tsplc evse --board sim` the car's CP switch:
// the `simulation` hook, boards/sim/mirror.ts).
import { ok, type Result } from '../../src/result.js';
import type { Board, BoardError, BoardOptions } from '../types.js';
import { MemoryCanBus } from '../../drivers/can/memory.js';
import { createSimChademo, defaultSimChademoCar, type SimChademo } from './chademo-car.js';
import { createSimBoard, type SimBoard } from './index.js';
import { wallClock } from '../../drivers/clock/index.js';
import { simulationFor } from './mirror.js';

export interface SimBoardProfile extends Board {
  readonly sim: SimBoard;
  /** With ev.battery_source = "chademo": the simulated CHAdeMO car and its CAN bus. */
  readonly chademoCar?: { readonly bus: MemoryCanBus; readonly sim: SimChademo };
}

export async function load(options: BoardOptions): Promise<Result<SimBoardProfile, BoardError>> {
  const ev = options.config?.ev;
  // ev.battery_source = "chademo" on `tsplc pev --board sim`: a simulated CHAdeMO car behind the bridge
  // (boards/sim/chademo-car.ts), so the bridge can be run against a real CCS charger process (the
  // namespace test) without a CAN controller. Its pack is the plant's battery.
  if (options.role === 'pev' && ev?.battery_source === 'chademo') return loadWithChademoCar(options);
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
  const simulation = simulationFor(options.role, sim);
  return ok({ name: 'sim', sim, ev: sim.ev, evse: sim.evse, ...(simulation ? { simulation } : {}), close: () => sim.close() });
}

async function loadWithChademoCar(options: BoardOptions): Promise<Result<SimBoardProfile, BoardError>> {
  const c = options.config;
  const scheduler = options.scheduler ?? wallClock;
  const car = {
    ...defaultSimChademoCar,
    ...(c ? { capacityKwh: c.ev.battery_capacity_wh / 1000, targetSoc: c.v2g.soc_target } : {}),
  };
  // The CHAdeMO car's pack (as src/runtime/sim-chademo.ts chademoPlantBattery): its OCV runs from just above
  // the 0x100 minimum voltage to just below the 0x102 target.
  const sim = createSimBoard({
    scheduler,
    ...options.sim,
    battery: {
      capacityWh: car.capacityKwh * 1000,
      initialSocPercent: c?.ev.initial_soc ?? 30,
      emptyVoltage: car.minVoltage + 10,
      fullVoltage: car.targetVoltage - 5,
      maxVoltage: car.maxBatteryVoltage,
      maxCurrent: car.maxCurrent,
      ...options.sim?.battery,
    },
  });
  const bus = new MemoryCanBus({ scheduler });
  const chademo = createSimChademo(sim.plant, bus.node('chademo-car'), scheduler, car);
  const simulation = simulationFor(options.role, sim);
  return ok({
    name: 'sim',
    sim,
    ev: sim.ev,
    evse: sim.evse,
    ...(simulation ? { simulation } : {}),
    chademo: { can: bus.node('bridge'), signals: chademo.signals },
    chademoCar: { bus, sim: chademo },
    close: async () => {
      chademo.car.close();
      await chademo.signals.close();
      await sim.close();
    },
  });
}
