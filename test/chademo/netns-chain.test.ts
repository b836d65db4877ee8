// The CCS-to-CHAdeMO chain with the CCS side across network namespaces (issue 11, Tests):
//   `tsplc evse --board sim` (charger namespace) ⇄ `tsplc modem-sim` ⇄ `tsplc pev --board sim` with
//   ev.battery_source = "chademo" (car namespace) ⇄ chademo-bridge ⇄ MemoryCanBus + d1/d2/k ⇄ the sim
//   CHAdeMO car (boards/sim/profile.ts builds it for that source) — real AF_PACKET, UDP and TCP, to a
//   finished charge. The invariants are the bridge's production witness (src/runtime/chademo.ts: no
//   current asked while the CHAdeMO car's contactors are open, D2 never off under current, no CHAdeMO
//   unlock at ≥ 60 V) and the CCS safety monitor (no CCS unlock at ≥ 60 V, contactors): any of them
//   breaking is an error line, and the test requires none.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceTestsUnavailable, startBench, type Bench, type Proc } from '../hostile/harness.js';

const unavailable = await namespaceTestsUnavailable();
if (unavailable) console.log(`CHAdeMO netns chain skipped: ${unavailable}`);

interface LogLine {
  readonly level?: string;
  readonly msg?: string;
  readonly layer?: string;
  readonly state?: string;
  readonly cp?: number;
  readonly component?: string;
  readonly [k: string]: unknown;
}
const parsed = (p: Proc): LogLine[] =>
  p.lines.flatMap((l) => {
    if (!l.startsWith('{')) return [];
    try {
      return [JSON.parse(l) as LogLine];
    } catch {
      return [];
    }
  });

describe.skipIf(unavailable !== '')('CCS-to-CHAdeMO chain, CCS side across network namespaces', () => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await startBench();
  }, 60_000);
  afterAll(async () => {
    await bench?.destroy();
  });

  it('sim CCS charger ⇄ modem-sim ⇄ tsplc pev (battery_source chademo) ⇄ sim CHAdeMO car: a finished charge, no invariant broken', { timeout: 150_000 }, async () => {
    const charger = bench.startCharger();
    // A 2 kWh pack from 60 % to 63 % (v2g.soc_target is the sim CHAdeMO car's target): a few seconds of charging.
    const car = bench.startCar(['--once', '--set', 'v2g.soc_target=63', '--set', 'ev.battery_source=chademo', '--set', 'ev.battery_capacity_wh=2000', '--set', 'ev.initial_soc=60']);
    const timer = setTimeout(() => car.child.kill('SIGTERM'), 120_000);
    const ex = await car.exited();
    clearTimeout(timer);
    charger.child.kill('SIGTERM');
    await charger.exited();

    // Kept for a failing run: what both processes wrote.
    writeFileSync(join(tmpdir(), 'tsplc-chademo-netns-car.log'), car.lines.join('\n') + '\n');
    writeFileSync(join(tmpdir(), 'tsplc-chademo-netns-charger.log'), charger.lines.join('\n') + '\n');
    const lines = parsed(car);
    const result = lines.find((l) => 'role' in l && 'end' in l) as { end?: { end: string; reason: string } } | undefined;
    const tail = car.lines.slice(-25).join('\n');
    expect(result?.end?.end, tail).toBe('ChargingFinished');
    expect(ex.code, tail).toBe(0);

    // The CHAdeMO side went through the whole sequence, in order, and ended normally (the car at its SOC target).
    const chademoStates = lines.flatMap((l) => (l.component === 'pev.chademo' && typeof l.state === 'string' ? [l.state] : []));
    const order = ['D1On', 'VehicleReady', 'Energizing', 'D2On', 'VehicleContactorsClosed', 'Charging', 'Stopping', 'D2Off', 'D1Off', 'Finished'];
    let at = -1;
    for (const s of order) {
      const i = chademoStates.indexOf(s, at + 1);
      expect(i, `CHAdeMO state ${s} after ${order[order.indexOf(s) - 1] ?? 'start'}; seen: ${chademoStates.join(' ')}`).toBeGreaterThan(at);
      at = i;
    }
    expect(car.lines.some((l) => /CHAdeMO stop: VehicleChargingDisabled/.test(l)), tail).toBe(true);
    // Power flowed on the CCS side: CurrentDemand (checkpoint 700s) with the charger.
    expect(lines.some((l) => typeof l.cp === 'number' && l.cp >= 700 && l.cp < 800), tail).toBe(true);

    // Invariants: the bridge's witness and the CCS safety monitor logged nothing.
    const broken = car.lines.filter((l) => /invariant violation|safety violation|InvariantViolation/.test(l));
    expect(broken).toEqual([]);
    // The CCS charger saw a normal session end.
    expect(charger.lines.some((l) => /SessionStop/.test(l))).toBe(true);
  });
});
