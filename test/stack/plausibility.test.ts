// Before closing the contactors the car compares the charger's EVSEPresentVoltage with
// its own inlet sensor (issue 10 item 4, a pyPLC to-do), and pyPLC's light-bulb demo
// closes them only 2 s into the CurrentDemand loop (issue 10 item 6).
import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { runStack } from './harness.js';
import type { SimBoard } from '../../boards/sim/index.js';
import type { EvHardware } from '../../src/ports/hardware.js';

describe('inlet plausibility before the contactors close (virtual time)', () => {
  it('an inlet sensor reading 100 V off EVSEPresentVoltage: the car refuses to close and shuts down', async () => {
    // A miswired divider or a charger that reports a wrong voltage: the sensor reads 100 V above the real inlet.
    let closeCommands = 0;
    const offset = (board: SimBoard): EvHardware => ({
      ...board.ev,
      inletVoltage: { volts$: board.ev.inletVoltage!.volts$.pipe(map((v) => v + 100)) },
      contactors: { ...board.ev.contactors, close: () => (closeCommands++, board.ev.contactors.close()) },
    });
    const r = await runStack({ evHardware: offset, maxVirtualMs: 120_000 });
    const out = await r.sim.done;
    expect(out.ev.end).toBe('SafeShutdown');
    expect(out.ev.reason).toMatch(/^InletVoltageImplausible: EVSEPresentVoltage [\d.]+ V, inlet [\d.]+ V \(allowed ±30 V\)/);
    expect(closeCommands).toBe(0);
    expect(r.checkpoints.ev).not.toContain(590);
    r.sim.dispose();
  });

  it('a plausible inlet reading: the session charges as usual', async () => {
    const r = await runStack({ maxVirtualMs: 200_000 });
    expect((await r.sim.done).ev.end).toBe('ChargingFinished');
    expect(r.checkpoints.ev).toContain(590);
    r.sim.dispose();
  });
});

describe('light_bulb_demo (pyPLC)', () => {
  it('no contactors at the end of PreCharge; they close 2 s into the CurrentDemand loop', async () => {
    const closedAt: number[] = [];
    let loopStart: number | undefined;
    const r = await runStack({
      ev: { lightBulbDemo: true },
      maxVirtualMs: 200_000,
      onStart: (sim, clock) => {
        sim.board.ev.contactors.closed$.subscribe((c) => c && closedAt.push(clock.now()));
        sim.evStatus.updates$.subscribe((u) => u.checkpoint === 700 && loopStart === undefined && (loopStart = clock.now()));
      },
    });
    expect((await r.sim.done).ev.end).toBe('ChargingFinished');
    expect(loopStart).toBeDefined();
    expect(closedAt.length).toBeGreaterThan(0);
    // Closed after the loop started, about 2 s later (plus the contactor's own 80 ms).
    expect((closedAt[0] as number) - (loopStart as number)).toBeGreaterThanOrEqual(2000);
    expect((closedAt[0] as number) - (loopStart as number)).toBeLessThan(2500);
    r.sim.dispose();
  });
});
