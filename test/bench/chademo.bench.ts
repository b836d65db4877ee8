// CHAdeMO bridge benchmarks (npm run bench -- chademo), on the wall clock in one process
// (`tsplc sim --chademo`: sim CCS charger ⇄ tsplc car ⇄ bridge ⇄ MemoryCanBus ⇄ sim CHAdeMO car):
//  - chademo_0x102_to_current_demand: a change of the car's 0x102 current request (a fall, so the
//    ramp passes it at once) → the next CurrentDemandReq whose EVTargetCurrent carries it, p50/p99.
//    Bounded below by design: the bridge hands values over at its 100 ms CAN cycle and v2g-ev sends
//    CurrentDemandReq every ChargeLoop_Interval (100 ms) after the response.
//  - chademo_can_cycle_jitter_idle / _loaded: intervals between the bridge's 0x109 frames (nominal
//    100 ms) while the whole chain charges, without and with a CPU load (15 ms busy every 20 ms) in the
//    same event loop; and each frame's lateness against the absolute grid start + n·100 ms (the cycle
//    runs on deadlines, machines/chademo-bridge nextCycleDelay) with the drift of the last frame.
import { v2gEvMachine } from '../../machines/v2g-ev/index.js';
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { nullLogger } from '../../src/ports/log.js';
import { createSim, type Sim } from '../../src/runtime/sim.js';
import { dialectFor } from '../../src/domain/v2g/dialects/index.js';
import type { WireRecord } from '../../src/runtime/v2g-transport.js';
import { percentile, type BenchResult, type BenchSuite } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function untilCharging(sim: Sim, maxMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < maxMs) {
    if (sim.chademo?.bridge.actor.getSnapshot().matches({ active: { sequence: { running: 'charging' } } })) return;
    await sleep(20);
  }
  throw new Error('the CHAdeMO chain did not reach charging within 30 s');
}

async function latency(): Promise<BenchResult> {
  const requests: { t: number; amps: number }[] = [];
  const onWire = (role: 'ev' | 'evse', r: WireRecord): void => {
    if (role !== 'ev' || r.direction !== 'tx' || !r.doc || r.schema === 'appHand') return;
    const d = dialectFor(r.schema).decodeRequest(r.doc);
    if (d.ok && d.value.body.kind === 'CurrentDemand') requests.push({ t: performance.now(), amps: d.value.body.targetCurrent });
  };
  const sim = createSim({
    logger: nullLogger,
    sessions: { ev: v2gEvMachine, evse: v2gEvseMachine },
    chademo: { initialSoc: 30, car: { targetSoc: 99, faults: { currentRequest: 120 } }, config: { currentRamp: 500 } },
    onWire,
  });
  const sniffer = sim.chademo?.bus.node('sniffer');
  const changes: { t: number; amps: number }[] = [];
  let lastReq = -1;
  sniffer?.frames$.subscribe((f) => {
    if (f.id !== 0x102) return;
    const a = f.data[3] ?? 0;
    if (a !== lastReq) {
      lastReq = a;
      changes.push({ t: performance.now(), amps: a });
    }
  });
  try {
    await untilCharging(sim);
    await sleep(1500);
    for (let amps = 110; amps >= 30; amps -= 1) {
      sim.chademo?.sim.car.inject({ currentRequest: amps });
      await sleep(250 + Math.random() * 50);
    }
    await sleep(500);
  } finally {
    sim.dispose();
  }
  const lat: number[] = [];
  for (const c of changes.filter((x) => x.amps <= 110 && x.amps >= 30)) {
    const r = requests.find((q) => q.t >= c.t && q.amps === c.amps);
    if (r) lat.push(r.t - c.t);
  }
  lat.sort((a, b) => a - b);
  return { bench: 'chademo_0x102_to_current_demand', samples: lat.length, of_changes: changes.length, p50_ms: percentile(lat, 50), p99_ms: percentile(lat, 99), max_ms: lat[lat.length - 1] ?? NaN };
}

async function jitter(loaded: boolean): Promise<BenchResult> {
  const sim = createSim({ logger: nullLogger, sessions: { ev: v2gEvMachine, evse: v2gEvseMachine }, chademo: { initialSoc: 30, car: { targetSoc: 99 } } });
  const sniffer = sim.chademo?.bus.node('sniffer');
  const at: number[] = [];
  let measuring = false;
  sniffer?.frames$.subscribe((f) => {
    if (measuring && f.id === 0x109) at.push(performance.now());
  });
  // Load: 15 ms of busy work every 20 ms in the same event loop.
  const load = loaded
    ? setInterval(() => {
        const t = performance.now();
        while (performance.now() - t < 15);
      }, 20)
    : undefined;
  let cycleStart: number | undefined;
  let skippedByBridge = 0;
  try {
    await untilCharging(sim);
    measuring = true;
    await sleep(15_000);
    const ctx = sim.chademo?.bridge.actor.getSnapshot().context;
    cycleStart = ctx?.cycleStart;
    skippedByBridge = ctx?.cyclesSkipped ?? 0;
  } finally {
    if (load) clearInterval(load);
    sim.dispose();
  }
  const dev = at.slice(1).map((t, i) => Math.abs(t - (at[i] as number) - 100)).sort((a, b) => a - b);
  const mean = at.length > 1 ? ((at[at.length - 1] as number) - (at[0] as number)) / (at.length - 1) : NaN;
  // Against the bridge's own deadline grid (cycleStart + n·100 ms on the same performance.now() clock,
  // src/runtime/chademo.ts wallClock): how late each frame left its slot, and the lateness of the last
  // one (its drift). Chained relative timers would make that grow with every late wake-up; deadlines
  // keep it at one wake-up's lateness. Slots the bridge skipped after a stall are counted.
  const start = cycleStart ?? at[0] ?? 0;
  // A Node timer may fire up to ~1 ms before its due time on performance.now(): a frame up to 5 ms
  // before a slot belongs to that slot (negative lateness), anything later to the slot before it.
  const slotOf = (t: number): number => Math.floor((t - start + 5) / 100);
  const lateOf = (t: number): number => t - start - slotOf(t) * 100;
  const late = at.map(lateOf).sort((a, b) => a - b);
  const first = at[0] ?? start;
  const last = at[at.length - 1] ?? start;
  const slots = slotOf(last) - slotOf(first);
  const drift = lateOf(last);
  return {
    bench: loaded ? 'chademo_can_cycle_jitter_loaded' : 'chademo_can_cycle_jitter_idle',
    cycles: dev.length,
    slots,
    skipped: slots + 1 - at.length,
    skipped_by_bridge: skippedByBridge,
    mean_interval_ms: mean,
    jitter_p50_ms: percentile(dev, 50),
    jitter_p99_ms: percentile(dev, 99),
    jitter_max_ms: dev[dev.length - 1] ?? NaN,
    deadline_late_p50_ms: percentile(late, 50),
    deadline_late_p99_ms: percentile(late, 99),
    deadline_late_max_ms: late[late.length - 1] ?? NaN,
    drift_ms: drift,
    load: loaded ? '15ms/20ms busy' : 'none',
  };
}

export const suite: BenchSuite = {
  name: 'chademo',
  async run() {
    return [await latency(), await jitter(false), await jitter(true)];
  },
};
