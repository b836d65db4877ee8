// Footprint on a small board (issue 13 goals 2 and 3), all measured in one run against peers
// measured beside them:
//  - start-up: wall time from spawning `tsplc pev` (the built CLI, dist/, no tsx) to its first
//    frame on the wire, and to its first CM_SLAC_PARM.REQ, as the kernel timestamps them on the
//    modem side of the cable (test/bench/frame-tap.cjs); against spawn → exit of `node -e 0`
//    in the same namespace. Ratio goal ≤ 2.5.
//  - steady RSS of `tsplc pev`, `tsplc evse` and `tsplc modem-sim` (VmRSS, sampled once a second
//    while the CurrentDemand loop runs, median) against an idle `node` started beside them
//    (goal ≤ 1.5× for pev/evse, ≤ 1.3× for modem-sim).
// Every process runs `node dist/src/cli/main.js`: build first (`npm run build:ts`).
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHub, netnsAvailable, netnsUnavailableReason, type NetnsEnd, type NetnsTopology } from '../../src/runtime/netns.js';
import { type BenchResult, type BenchSuite, percentile } from './harness.js';
import { summarizeHeapSnapshot } from './heap-summary.js';

// star.ts's line reader comes with test/helpers/cli.ts, which wants the bundle vitest's globalSetup
// names in TSPLC_TEST_CLI; the bench runs outside vitest, so it names the build it measures and
// imports star.ts only then (a static import threw before any suite ran).
let lines: typeof import('../modem-sim/star.js').lines;

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
// TSPLC_BENCH_FOOTPRINT_CLI=<main.js> measures another build (e.g. an older one, for a before/after
// pair of runs); its package root must hold native/ as dist's does.
const cli = process.env.TSPLC_BENCH_FOOTPRINT_CLI ? resolve(process.env.TSPLC_BENCH_FOOTPRINT_CLI) : join(root, 'dist', 'src', 'cli', 'main.js');
const tap = join(here, 'frame-tap.cjs');
const CM_SLAC_PARM_REQ = 0x6064;
const ROUNDS = Number(process.env.TSPLC_BENCH_FOOTPRINT_ROUNDS ?? 5);

// Extra node flags for the tsplc processes only (not the idle node), to compare V8 settings in one run.
const tsplcFlags = (process.env.TSPLC_BENCH_FOOTPRINT_FLAGS ?? '').split(' ').filter(Boolean);
/**
 * The Environment= of the systemd unit (systemd/tsplc.service): tsplc is measured as the unit runs
 * it (MALLOC_ARENA_MAX, NODE_OPTIONS); TSPLC_BENCH_FOOTPRINT_UNIT_ENV=0 measures without.
 */
function unitEnvironment(): Record<string, string> {
  if (process.env.TSPLC_BENCH_FOOTPRINT_UNIT_ENV === '0') return {};
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(root, 'systemd', 'tsplc.service'), 'utf8').split('\n')) {
    const m = /^Environment=("?)([A-Za-z_][A-Za-z0-9_]*)=(.*)\1$/.exec(line.trim());
    if (m) env[m[2] as string] = m[3] as string;
  }
  return env;
}
// pev and evse are what the unit runs; modem-sim (a desk tool) runs with the plain environment.
const tsplcEnv = { env: { ...process.env, ...unitEnvironment() } };

const wallMs = (): number => performance.timeOrigin + performance.now();

function rssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined; // the process ended
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r(child.exitCode);
    else child.once('exit', (code) => r(code));
  });
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

interface Tap {
  readonly frames: { src: string; mmtype: number; t: number }[];
  waitFor(pred: (f: { src: string; mmtype: number; t: number }) => boolean, timeoutMs: number): Promise<{ src: string; mmtype: number; t: number }>;
}

async function startTap(topo: NetnsTopology, middle: NetnsEnd, ifname: string): Promise<Tap> {
  const child = topo.spawn(middle, process.execPath, [tap, ifname]);
  const l = lines(child);
  await l.waitFor((x) => x === 'ready', 30_000);
  const parse = (x: string) => JSON.parse(x) as { src: string; mmtype: number; t: number };
  return {
    get frames() {
      return l.all.filter((x) => x.startsWith('{')).map(parse);
    },
    async waitFor(pred, timeoutMs) {
      return parse(await l.waitFor((x) => x.startsWith('{') && pred(parse(x)), timeoutMs));
    },
  };
}

/** Signals the process to write a heap snapshot, waits until the file is complete, summarises it. */
async function heapSnapshotOf(child: ChildProcess, dir: string): Promise<ReturnType<typeof summarizeHeapSnapshot>> {
  child.kill('SIGUSR2');
  const deadline = Date.now() + 120_000;
  let last = -1;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const f = readdirSync(dir).find((x) => x.endsWith('.heapsnapshot'));
    if (!f) continue;
    const size = statSync(join(dir, f)).size;
    if (size > 0 && size === last) {
      try {
        return summarizeHeapSnapshot(join(dir, f), 12);
      } catch {
        // still being written
      }
    }
    last = size;
  }
  throw new Error('tsplc pev wrote no heap snapshot within 120 s');
}

async function measure(): Promise<BenchResult[] | string> {
  if (!netnsAvailable()) return `netns: ${netnsUnavailableReason()}`;
  if (!existsSync(cli)) return `no built CLI at ${cli}: run npm run build:ts`;
  process.env.TSPLC_TEST_CLI ??= cli;
  ({ lines } = await import('../modem-sim/star.js'));
  const topo = await createHub({ roles: ['ev', 'evse'] });
  const results: BenchResult[] = [];
  try {
    const [evEnd, evseEnd] = topo.ends as [NetnsEnd, NetnsEnd];
    const middle: NetnsEnd = { netns: evEnd.netns.replace(/-[^-]+$/, '-hub'), ifname: 'br0', ifindex: 0, mac: '', linkLocal: '' };
    for (const p of ['p0', 'p1']) {
      const r = await topo.exec(middle, 'ip', ['link', 'set', p, 'nomaster']);
      if (r.code !== 0) throw new Error(`cannot take ${p} off the bridge: ${r.stderr}`);
      await topo.exec(middle, 'sysctl', ['-qw', `net.ipv6.conf.${p}.disable_ipv6=1`]);
    }
    const modemChild = topo.spawn(middle, process.execPath, [...tsplcFlags, cli, 'modem-sim', '-i', 'p0', '-i', 'p1', '--restart-ms', '300']);
    const modem = lines(modemChild);
    await modem.waitFor((x) => x.includes('ready'), 60_000);
    const evTap = await startTap(topo, middle, 'p0');

    // Start-up: node -e 0 and tsplc pev interleaved, ROUNDS each, in the car's namespace.
    const nodeStart: number[] = [];
    const firstFrame: number[] = [];
    const firstParm: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = wallMs();
      const n = topo.spawn(evEnd, process.execPath, ['-e', '0']);
      await exitOf(n);
      nodeStart.push(wallMs() - t0);
      if (process.env.TSPLC_BENCH_DEBUG) process.stderr.write(`node ${nodeStart.at(-1)}\n`);

      const t1 = wallMs();
      const ev = topo.spawn(evEnd, process.execPath, [...tsplcFlags, cli, 'pev', '-i', evEnd.ifname, '--board', 'sim', '--json', '--log-level', 'warn'], tsplcEnv);
      const evLines = lines(ev);
      const fromEv = (f: { src: string }) => f.src === evEnd.mac.toLowerCase();
      const first = await evTap.waitFor((f) => fromEv(f) && f.t >= t1, 30_000).catch((e: unknown) => {
        throw new Error(`no frame from tsplc pev: ${String(e)}\n${evLines.stderr()}`);
      });
      const parm = await evTap.waitFor((f) => fromEv(f) && f.mmtype === CM_SLAC_PARM_REQ && f.t >= t1, 30_000);
      firstFrame.push(first.t - t1);
      firstParm.push(parm.t - t1);
      ev.kill('SIGTERM');
      await exitOf(ev);
    }
    results.push({
      bench: 'startup: spawn → first frame (tsplc pev) vs node -e 0',
      ratio: Math.round((median(firstFrame) / median(nodeStart)) * 100) / 100,
      goal: 2.5,
      ms_tsplc: Math.round(median(firstFrame)),
      ms_node: Math.round(median(nodeStart)),
      rounds: ROUNDS,
    });
    results.push({
      bench: 'startup: spawn → first CM_SLAC_PARM.REQ vs node -e 0',
      ratio: Math.round((median(firstParm) / median(nodeStart)) * 100) / 100,
      ms_tsplc: Math.round(median(firstParm)),
      ms_node: Math.round(median(nodeStart)),
      ms_after_first_frame: Math.round(median(firstParm.map((p, i) => p - (firstFrame[i] as number)))),
      rounds: ROUNDS,
    });

    // Steady RSS: an idle node beside a whole DIN DC session, sampled while the CurrentDemand loop runs.
    const idle = topo.spawn(evEnd, process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)']);
    const common = ['--board', 'sim', '--json', '--log-level', 'info', '--protocol', 'din', '--dc', '--set', 'modem.restart_pause=500'];
    const evseChild = topo.spawn(evseEnd, process.execPath, [...tsplcFlags, cli, 'evse', '-i', evseEnd.ifname, ...common], tsplcEnv);
    const evse = lines(evseChild);
    await new Promise((r) => setTimeout(r, 1000));
    // A pack the charge cannot fill while we sample: the loop runs throughout.
    // SIGUSR2 writes a heap snapshot into snapDir (read after the RSS samples: what holds memory).
    const snapDir = mkdtempSync(join(tmpdir(), 'tsplc-heap-'));
    const evChild = topo.spawn(evEnd, process.execPath, [...tsplcFlags, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapDir}`, cli, 'pev', '-i', evEnd.ifname, ...common, '--set', 'ev.battery_capacity_wh=300000', '--soc-target', '99'], tsplcEnv);
    const ev = lines(evChild, { mergeStderr: true });
    const exited = exitOf(evChild).then((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    await Promise.race([ev.waitFor((l) => l.includes('"cp":700'), 60_000), exited]).catch((e: unknown) => {
      throw new Error(`tsplc pev did not reach the CurrentDemand loop: ${String(e)}\nEVSE:\n${evse.all.slice(-20).join('\n')}${evse.stderr()}`);
    });
    // Let the loop settle (JIT, first GCs), then sample once a second.
    await new Promise((r) => setTimeout(r, Number(process.env.TSPLC_BENCH_FOOTPRINT_SETTLE_MS ?? 3000)));
    const samples: Record<'node' | 'pev' | 'evse' | 'modem', number[]> = { node: [], pev: [], evse: [], modem: [] };
    const n = Number(process.env.TSPLC_BENCH_FOOTPRINT_SAMPLES ?? 10);
    for (let i = 0; i < n; i++) {
      for (const [k, c] of [['node', idle], ['pev', evChild], ['evse', evseChild], ['modem', modemChild]] as const) {
        const v = rssMb(c.pid);
        if (v !== undefined) samples[k].push(v);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const stillInLoop = evChild.exitCode === null && !ev.all.some((l) => l.includes('"cp":800'));
    const heap = stillInLoop ? await heapSnapshotOf(evChild, snapDir) : [];
    rmSync(snapDir, { recursive: true, force: true });
    for (const c of [evChild, evseChild, idle]) c.kill('SIGTERM');
    await Promise.all([exitOf(evChild), exitOf(evseChild), exitOf(idle)]);
    if (!stillInLoop) throw new Error('the CurrentDemand loop ended while RSS was sampled');
    const idleMb = median(samples.node);
    for (const [k, name, goal] of [['pev', 'tsplc pev', 1.5], ['evse', 'tsplc evse', 1.5], ['modem', 'tsplc modem-sim', 1.3]] as const) {
      results.push({
        bench: `steady RSS in CurrentDemand: ${name} vs idle node`,
        ratio: Math.round((median(samples[k]) / idleMb) * 1000) / 1000,
        goal,
        rss_mb: round1(median(samples[k])),
        rss_mb_max: round1(Math.max(...samples[k])),
        idle_node_mb: round1(idleMb),
        samples: samples[k].length,
      });
    }
    for (const h of heap) results.push({ bench: `heap of tsplc pev in CurrentDemand: ${h.what}`, heap_mb: Math.round((h.bytes / 1048576) * 100) / 100, count: h.count });
  } finally {
    await topo.destroy();
  }
  return results;
}

export const suite: BenchSuite = {
  name: 'footprint',
  run: measure,
};
