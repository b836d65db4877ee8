// SLAC timing: wall time from the first CM_SLAC_PARM.REQ to CM_SLAC_MATCH.CNF
// across two network namespaces (our EV and EVSE as separate processes on the
// real AF_PACKET addon, `tsplc modem-sim` between them), with the default
// ISO 15118-3 timings and with the shortest the standard allows; CPU time of
// the EV process per match; and the pure machine cost of a whole match
// in-process on SimulatedClock (no I/O, no waiting).
import { createActor, type AnyActorRef } from 'xstate';
import { slacEvMachine } from '../../machines/slac-ev/index.js';
import { slacEvseMachine } from '../../machines/slac-evse/index.js';
import { nidFromNmk } from '../../src/codecs/homeplug/keys.js';
import { slacEvDefaults, slacEvFastest } from '../../src/domain/slac/timing.js';
import { Desk } from '../modem-sim/desk.js';
import { createStar, lines, namespaceTestsUnavailable, startModemSim } from '../modem-sim/star.js';
import { type BenchResult, type BenchSuite, percentile } from './harness.js';

const ROUNDS = 3;

/**
 * The pacing ISO 15118-3 requires of the EV before the EVSE can have every sound: TP_match_sequence
 * after CM_SLAC_PARM.CNF, then C_EV_start_atten_char_inds + C_EV_match_MNBC frames spaced by
 * TP_EV_batch_msg_interval. A match cannot be shorter than this (plus round trips and, while the
 * EVSE waits out TT_EVSE_match_MNBC, that window).
 */
function pacedMinimumMs(fast: boolean): number {
  const t = { ...slacEvDefaults, ...(fast ? slacEvFastest : {}) };
  return t.TP_match_sequence + (t.C_EV_start_atten_char_inds + t.C_EV_match_MNBC - 1) * t.TP_EV_batch_msg_interval;
}

function inProcessMatch(): void {
  const desk = new Desk();
  const ev = new Uint8Array([2, 0, 0, 0, 0, 1]);
  const evse = new Uint8Array([2, 0, 0, 0, 0, 2]);
  const evPort = desk.host('ev', ev);
  const evsePort = desk.host('evse', evse);
  const ref: { ev?: AnyActorRef; evse?: AnyActorRef } = {};
  const eb = desk.bridge(evPort, () => ref.ev);
  const sb = desk.bridge(evsePort, () => ref.evse);
  const nmk = new Uint8Array(16).fill(1);
  ref.evse = createActor(slacEvseMachine, { clock: desk.clock, input: { mac: evse, nid: nidFromNmk(nmk), nmk, send: sb.send } }).start();
  const a = createActor(slacEvMachine, { clock: desk.clock, input: { mac: ev, send: eb.send } });
  ref.ev = a.start();
  desk.runUntil(() => a.getSnapshot().status === 'done', 5000, 5);
  if (!(a.getSnapshot().output as { ok: boolean }).ok) throw new Error('in-process match failed');
}

export const suite: BenchSuite = {
  name: 'slac',
  async run(): Promise<BenchResult[] | string> {
    const results: BenchResult[] = [];
    // Pure cost: machines + codec + emulator for one whole match (simulated time, so no waiting).
    inProcessMatch();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const n = 20;
    for (let i = 0; i < n; i++) inProcessMatch();
    const wall = (performance.now() - t0) / n;
    const cpu = process.cpuUsage(cpu0);
    results.push({ bench: 'SLAC match in-process (SimulatedClock, EV+EVSE+emulator)', ns_per_op: wall * 1e6, cpu_ms_per_match: (cpu.user + cpu.system) / 1000 / n });

    const unavailable = await namespaceTestsUnavailable();
    if (unavailable) {
      results.push({ bench: 'SLAC across namespaces', skipped: unavailable });
      return results;
    }
    const star = await createStar(['ev', 'evse']);
    try {
      const sim = await startModemSim(star, ['ev', 'evse'], ['--restart-ms', '300']);
      for (const mode of ['default', 'fast'] as const) {
        const times: number[] = [];
        const cpus: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const ups = sim.all.filter((l) => l.includes('"up"') && l.includes('"p1"')).length;
          const evse = lines(star.topology.spawnNode(star.hosts.evse!, 'test/slac/netns-peer.ts', ['evse', star.hosts.evse!.ifname]));
          // Start the car once the charger's modem is back with the session key and the EVSE listens.
          await sim.waitFor(() => sim.all.filter((l) => l.includes('"up"') && l.includes('"p1"')).length > ups, 20_000);
          await new Promise((res) => setTimeout(res, 600));
          const ev = lines(star.topology.spawnNode(star.hosts.ev!, 'test/slac/netns-peer.ts', ['ev', star.hosts.ev!.ifname, ...(mode === 'fast' ? ['fast'] : [])]));
          const line = await ev.waitFor((l) => l.startsWith('{'), 40_000);
          await evse.waitFor((l) => l.startsWith('{'), 40_000);
          const o = JSON.parse(line) as { ok: boolean; slacMs: number; cpuUs: number };
          if (!o.ok) throw new Error(`SLAC failed across namespaces: ${line}`);
          times.push(o.slacMs);
          cpus.push(o.cpuUs / 1000);
        }
        times.sort((a, b) => a - b);
        cpus.sort((a, b) => a - b);
        results.push({
          bench: `SLAC PARM.REQ→MATCH.CNF netns (${mode === 'default' ? 'ISO default timings' : 'shortest allowed timings'})`,
          p50_ms: percentile(times, 50),
          max_ms: percentile(times, 100),
          paced_min_ms: pacedMinimumMs(mode === 'fast'),
          x_paced_min: Math.round((percentile(times, 50) / pacedMinimumMs(mode === 'fast')) * 100) / 100,
          ev_cpu_ms_p50: percentile(cpus, 50),
          rounds: ROUNDS,
        });
      }
      sim.child.kill('SIGTERM');
    } finally {
      await star.destroy();
    }
    return results;
  },
};
