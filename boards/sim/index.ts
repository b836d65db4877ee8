// The sim board: one SimPlant, an EV side and an EVSE side on it.
//   const sim = createSimBoard({ scheduler: clock });
//   runEv(sim.ev); runEvse(sim.evse);   // both see the same physics
import { SimPlant, type SimPlantOptions } from './plant.js';
import { createSimEvHardware, createSimEvseHardware, type SimEvHardware, type SimEvseHardware } from './hardware.js';

export * from './plant.js';
export * from './hardware.js';
export * from './scheduler.js';

export interface SimBoard {
  readonly plant: SimPlant;
  readonly ev: SimEvHardware;
  readonly evse: SimEvseHardware;
  close(): Promise<void>;
}

export function createSimBoard(options: SimPlantOptions = {}): SimBoard {
  const plant = new SimPlant(options);
  return {
    plant,
    ev: createSimEvHardware(plant),
    evse: createSimEvseHardware(plant),
    close: async () => plant.close(),
  };
}
