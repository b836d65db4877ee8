// Ethernet benchmarks: AF_PACKET round trip across a veth pair between two
// network namespaces (echo station in the other namespace; needs root), and the
// cost of the in-memory MemorySegment wire.
import type { BenchResult, BenchSuite } from './harness.js';
import { timeOp } from './harness.js';
import { MemorySegment } from '../../drivers/ethernet/memory.js';
import { createVethPair, netnsUnavailableReason } from '../../src/runtime/netns.js';
import { PeerProcess } from '../native/peer-process.js';

const FRAMES = 10_000;

async function veth(): Promise<BenchResult[] | string> {
  const reason = netnsUnavailableReason();
  if (reason) return reason;
  const pair = await createVethPair({ roles: ['ping', 'echo'] });
  try {
    const echo = new PeerProcess(pair.spawnNode(pair.b, 'test/native/peer.ts', [pair.b.ifname, '--echo']));
    await echo.waitFor((e) => e.event === 'open', 30_000, 'echo open');
    const ping = new PeerProcess(pair.spawnNode(pair.a, 'test/native/ping.ts', [pair.a.ifname, pair.b.mac, String(FRAMES)]));
    const r = await ping.waitFor((e) => typeof e.p50_us === 'number', 300_000, 'ping result');
    return [
      {
        bench: 'af_packet veth round trip (60 B, 0x88E1, echo)',
        p50_us: r.p50_us as number,
        p99_us: r.p99_us as number,
        max_us: r.max_us as number,
        frames: FRAMES,
        lost: r.lost as number,
      },
    ];
  } finally {
    await pair.destroy();
  }
}

function memory(): BenchResult[] {
  const frame = new Uint8Array(60);
  frame.fill(0xff, 0, 6);
  frame.set([2, 0, 0, 0, 0, 1], 6);
  frame[12] = 0x88;
  frame[13] = 0xe1;
  const results: BenchResult[] = [];
  for (const receivers of [1, 2]) {
    // A clock whose timers run at once: measures the segment's own work (classify, copy, deliver).
    const seg = new MemorySegment({ zeroDelay: 'clock', clock: { now: () => 0, setTimeout: (fn) => (fn(), 0), clearTimeout: () => {} } });
    const tx = seg.attach('tx', '02:00:00:00:00:01');
    let got = 0;
    for (let i = 0; i < receivers; i++) seg.attach(`rx${i}`, `02:00:00:00:01:0${i}`).frames$.subscribe(() => got++);
    const ns = timeOp(() => tx.send(frame));
    results.push({ bench: `memory segment broadcast to ${receivers} port(s), sync`, ns_per_op: ns, delivered: got });
  }
  return results;
}

async function memoryAsync(): Promise<BenchResult> {
  // Default scheduler (one microtask per delivery): frames per second end to end.
  const seg = new MemorySegment();
  const tx = seg.attach('tx', '02:00:00:00:00:01');
  const frame = new Uint8Array(60);
  frame.set([2, 0, 0, 0, 0, 2], 0);
  frame[12] = 0x88;
  frame[13] = 0xe1;
  const n = 100_000;
  let got = 0;
  const done = new Promise<void>((resolve) =>
    seg.attach('rx', '02:00:00:00:00:02').frames$.subscribe(() => {
      if (++got === n) resolve();
    }),
  );
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) tx.send(frame);
  await done;
  const ns = Number(process.hrtime.bigint() - t0) / n;
  return { bench: 'memory segment unicast, microtask delivery', ns_per_op: ns, frames_per_s: 1e9 / ns };
}

export const suite: BenchSuite = {
  name: 'ethernet',
  async run() {
    const results: BenchResult[] = [...memory(), await memoryAsync()];
    const v = await veth();
    if (typeof v === 'string') results.push({ bench: 'af_packet veth round trip', skipped: v });
    else results.push(...v);
    return results;
  },
};
