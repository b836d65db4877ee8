// Session benchmarks (npm run bench):
//  - sim_plugin_to_first_current_demand: `tsplc sim` in one process on the wall clock with
//    default timings and modem restart 0: from plug-in (CP state B) to the first CurrentDemandRes;
//  - netns_current_demand_latency: EVSE response time for CurrentDemand over real TCP across
//    network namespaces (EV-side, request encoded → response received), p50/p99; plus the steady
//    RSS of the `tsplc pev --board sim` process during the charge loop (root only);
//  - virtual_24h_current_demand: a 24-hour CurrentDemand loop on virtual time (SimulatedClock),
//    heap before/after (TSPLC_BENCH_VIRTUAL_HOURS overrides the 24 h).
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SimulatedClock } from 'xstate';
import { v2gEvMachine } from '../../machines/v2g-ev/index.js';
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { nullLogger } from '../../src/ports/log.js';
import { netnsAvailable, netnsUnavailableReason } from '../../src/runtime/netns.js';
import { createSim } from '../../src/runtime/sim.js';
import { netnsSimSession } from '../../src/runtime/sim-netns.js';
import type { BenchResult, BenchSuite } from './harness.js';

function gc(): void {
  setFlagsFromString('--expose_gc');
  (runInNewContext('gc') as () => void)();
}

async function plugInToFirstCurrentDemand(): Promise<BenchResult> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const sim = createSim({ logger: nullLogger, sessions: { ev: v2gEvMachine, evse: v2gEvseMachine }, modemRestartMs: 0, socTarget: 99 });
    const ms = await new Promise<number>((resolve) => {
      const sub = sim.evStatus.updates$.subscribe((u) => {
        if (u.checkpoint === 705) {
          sub.unsubscribe();
          resolve(performance.now() - t0);
        }
      });
    });
    runs.push(ms);
    sim.ev.actor.send({ type: 'STOP', reason: 'bench' });
    await Promise.race([sim.done, new Promise((r) => setTimeout(r, 5000))]);
    sim.dispose();
  }
  runs.sort((a, b) => a - b);
  return { bench: 'sim_plugin_to_first_current_demand', ms_median: Math.round(runs[1] as number), ms_min: Math.round(runs[0] as number), runs: runs.length };
}

async function netnsLatencyAndRss(): Promise<BenchResult[] | string> {
  if (!netnsAvailable()) return `netns: ${netnsUnavailableReason()}`;
  const rss: number[] = [];
  let evPid: number | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const r = await netnsSimSession({
    protocol: 'din',
    mode: 'dc',
    faults: 'none',
    socTarget: 30,
    restartMs: 300,
    level: 'info',
    json: true,
    timeoutMs: 120_000,
    extraArgs: ['--set', 'ev.battery_capacity_wh=2000'],
    onSpawn: (role, child) => {
      if (role === 'ev') evPid = child.pid;
    },
    onLine: (role, l) => {
      // Sample the EV's RSS once a second while the charge loop runs.
      if (role === 'ev' && !sampler && evPid && l.includes('"cp":700')) {
        sampler = setInterval(() => {
          try {
            const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${evPid}/status`, 'utf8'));
            if (m) rss.push(Number(m[1]) / 1024);
          } catch {
            /* the process ended */
          }
        }, 1000);
      }
    },
  });
  if (sampler) clearInterval(sampler);
  const cd = r.ev?.responseTimesMs?.CurrentDemand;
  if (!cd) return `netns session did not produce CurrentDemand response times (EV end: ${r.ev?.end.end ?? 'none'})`;
  rss.sort((a, b) => a - b);
  return [
    { bench: 'netns_current_demand_response', p50_ms: cd.p50, p99_ms: cd.p99, max_ms: cd.max, n: cd.n },
    { bench: 'pev_sim_board_steady_rss', rss_mb_median: Math.round((rss[Math.floor(rss.length / 2)] ?? NaN) * 10) / 10, rss_mb_max: Math.round((rss[rss.length - 1] ?? NaN) * 10) / 10, samples: rss.length },
  ];
}

async function virtualDay(): Promise<BenchResult> {
  const hours = Number(process.env.TSPLC_BENCH_VIRTUAL_HOURS ?? 24);
  const clock = new SimulatedClock();
  // A pack that the 35 kW charge cannot fill in the time span: the loop runs throughout.
  const sim = createSim({
    clock,
    logger: nullLogger,
    sessions: { ev: v2gEvMachine, evse: v2gEvseMachine },
    socTarget: 99,
    plant: { battery: { capacityWh: 5_000_000 } },
  });
  const step = async (ms: number): Promise<void> => {
    clock.increment(ms);
    await new Promise<void>((r) => setImmediate(r));
  };
  let loops = 0;
  sim.evStatus.updates$.subscribe((u) => u.checkpoint === 705 && loops++);
  while (loops === 0 && clock.now() < 60_000) await step(10);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const loopsBefore = loops;
  const t0 = performance.now();
  const end = clock.now() + hours * 3600_000;
  // 50 ms steps: every CurrentDemand round (100 ms apart) gets its own steps.
  while (clock.now() < end && sim.ev.actor.getSnapshot().status === 'active') await step(50);
  const wallS = (performance.now() - t0) / 1000;
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const still = sim.ev.actor.getSnapshot().status === 'active';
  sim.ev.actor.send({ type: 'STOP', reason: 'bench' });
  sim.dispose();
  return {
    bench: 'virtual_24h_current_demand',
    virtual_hours: hours,
    loops: loops - loopsBefore,
    still_charging: still ? 'yes' : 'no',
    wall_s: Math.round(wallS),
    heap_before_mb: Math.round((heapBefore / 1048576) * 10) / 10,
    heap_after_mb: Math.round((heapAfter / 1048576) * 10) / 10,
    ns_per_loop: Math.round((wallS * 1e9) / Math.max(1, loops - loopsBefore)),
  };
}

export const suite: BenchSuite = {
  name: 'session',
  async run() {
    const out: BenchResult[] = [await plugInToFirstCurrentDemand()];
    const net = await netnsLatencyAndRss();
    if (typeof net === 'string') out.push({ bench: 'netns_current_demand_response', skipped: net });
    else out.push(...net);
    out.push(await virtualDay());
    return out;
  },
};
