import { describe, it, expect } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createSimBoard } from '../../boards/sim/index.js';
import { nullLogger } from '../../src/ports/log.js';
import { switchEvseOutputOff } from '../../src/runtime/evse-shutdown.js';

describe("the charger's shutdown result is what the charger did", () => {
  it('output off and contactor open: outputOff without faults, and the contactor is open', async () => {
    const sim = createSimBoard({ scheduler: new SimulatedClock(), plugged: true });
    sim.evse.contactors?.close();
    const out = switchEvseOutputOff(sim.evse, 'TransportClosed', nullLogger);
    expect(out).toMatchObject({ endState: 'outputOff', faults: [], reason: 'TransportClosed' });
    // The sim board has an output contactor (ISO-2 AC / DIN DC relay).
    expect(out.contactorOpened).toBe(true);
    await sim.close();
  });

  it('a power supply that throws on off(): outputOffWithFault with POWER_SUPPLY_OFF_FAILED, the contactor is still opened', async () => {
    const sim = createSimBoard({ scheduler: new SimulatedClock(), plugged: true });
    const hw = {
      ...sim.evse,
      powerSupply: {
        ...sim.evse.powerSupply,
        off: () => {
          throw new Error('CAN bus off');
        },
      },
    };
    const out = switchEvseOutputOff(hw, 'unplugged', nullLogger);
    expect(out.endState).toBe('outputOffWithFault');
    expect(out.faults.map((f) => f.code)).toEqual(['POWER_SUPPLY_OFF_FAILED']);
    expect(out.contactorOpened).toBe(true);
    await sim.close();
  });
});
