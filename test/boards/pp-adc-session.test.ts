// PP by ADC drives the session (issue 10 item 2): the sim car's hardware with its plug
// detection replaced by the production ADS1115 sampler + PP classifier reading an
// ADS1115 twin, whose AIN1 follows the plant's cable (Rc 680 Ω in, open out). An unplug
// mid-charge ends the session; the next plug-in starts a new one in the same process.
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { runStack } from '../stack/harness.js';
import { adcProximity, createAds1115Sampler } from '../../boards/gpio/adc.js';
import { fakeAds1115 } from './ads1115-twin.js';
import type { SimBoard } from '../../boards/sim/index.js';
import type { EvHardware } from '../../src/ports/hardware.js';
import { memoryLogger } from '../../src/ports/log.js';

const ppVolts = (plugged: boolean): number => (plugged ? (3.3 * 680) / (680 + 1000) : 3.3);

describe('plug detection by PP on an ADC, through the ADS1115 twin', () => {
  it('an unplug mid-charge ends the session; the next plug-in starts a new one', async () => {
    const clock = new SimulatedClock();
    const ads = fakeAds1115();
    const ppLog = memoryLogger();
    const sampler = createAds1115Sampler(ads.bus, { address: 0x48, channels: [1], intervalMs: 100, scheduler: clock });
    const viaAdc = (board: SimBoard): EvHardware => {
      board.plant.plugged$.subscribe((p) => ads.set(1, ppVolts(p)));
      const pp = adcProximity(sampler.volts$(1), { divider: { pullupOhms: 1000, supplyVolts: 3.3 }, thresholds: { openOhms: 3000, hysteresisPercent: 10 }, logger: ppLog });
      const { plug: _simPlug, ...rest } = board.ev;
      return { ...rest, plug: { plugged$: pp.plugged$ }, plugDetection: 'pp' };
    };
    let phase = 0;
    let t = 0;
    const r = await runStack({
      clock,
      oneShot: false,
      maxVirtualMs: 300_000,
      evHardware: viaAdc,
      during: (sim, clk, cps) => {
        if (phase === 0 && cps.ev.includes(700)) {
          phase = 1;
          t = clk.now();
          sim.board.plant.unplug();
        } else if (phase === 1 && clk.now() - t > 20_000) {
          expect(sim.ev.actor.getSnapshot().value).toBe('waitForPlug');
          phase = 2;
          sim.board.plant.plug();
        } else if (phase === 2 && sim.ev.actor.getSnapshot().value === 'waitForUnplug') {
          phase = 3;
          sim.ev.actor.send({ type: 'STOP', reason: 'test done' });
          sim.evse.actor.send({ type: 'STOP', reason: 'test done' });
        }
      },
    });
    await sampler.close();
    expect(phase).toBe(3);
    // The session ended because the car saw the plug go (the SafeShutdownSequence ran for reason "unplugged").
    expect(r.logs.lines.filter((l) => l.component === 'ev.ev' && l.message === 'session start').length).toBe(2);
    expect(r.checkpoints.ev.lastIndexOf(700)).toBeGreaterThan(r.checkpoints.ev.lastIndexOf(190));
    const pp = ppLog.lines.filter((l) => l.level !== 'debug').map((l) => l.message);
    expect(pp).toEqual(['PP 680 Ω: plug in, cable rated 20 A', 'PP open: no plug', 'PP 680 Ω: plug in, cable rated 20 A']);
    expect(r.violations).toEqual([]);
    r.sim.dispose();
  }, 120_000);
});
