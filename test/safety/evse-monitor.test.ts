import { describe, it, expect } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createSimBoard, advance } from '../../boards/sim/index.js';
import { attachEvseSafetyMonitor } from '../../src/domain/safety/index.js';

function setup() {
  const clock = new SimulatedClock();
  const sim = createSimBoard({ scheduler: clock });
  const monitor = attachEvseSafetyMonitor(sim.evse, {}, { clock });
  return { clock, sim, monitor };
}

describe('EVSE safety monitor on the sim board', () => {
  it('accepts a cable check in state C and a discharge within the grace after state B', async () => {
    const { clock, sim, monitor } = setup();
    sim.ev.controlPilot.setState('C');
    void sim.evse.powerSupply.isolationCheck(400);
    advance(clock, 2500);
    sim.evse.powerSupply.setTarget(350, 2);
    advance(clock, 1500);
    sim.ev.controlPilot.setState('B');
    sim.evse.powerSupply.off(); // 350 V at 500 V/s: safe after ~0.6 s
    advance(clock, 3000);
    expect(monitor.violations).toEqual([]);
    await sim.close();
  });

  it('flags an output left live after the car went back to state B', async () => {
    const { clock, sim, monitor } = setup();
    sim.ev.controlPilot.setState('C');
    sim.evse.powerSupply.setTarget(350, 2);
    advance(clock, 1500);
    sim.ev.controlPilot.setState('B'); // but the charger keeps its output on
    advance(clock, 1900);
    expect(monitor.violations).toEqual([]);
    advance(clock, 200);
    expect(monitor.violations.map((v) => v.code)).toEqual(['EVSE_OUTPUT_LIVE_WITHOUT_STATE_C']);
    await sim.close();
  });

  it('flags an output applied without the car asking (state B)', async () => {
    const { clock, sim, monitor } = setup();
    sim.evse.powerSupply.setTarget(400, 2);
    advance(clock, 3000);
    expect(monitor.violations.map((v) => v.code)).toEqual(['EVSE_OUTPUT_LIVE_WITHOUT_STATE_C']);
    await sim.close();
  });
});
