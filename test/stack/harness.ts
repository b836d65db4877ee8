// Whole-stack harness: createSim() on XState's SimulatedClock with the safety
// monitor attached to the EV hardware, driven until the EV's connection
// manager is done.
import { SimulatedClock } from 'xstate';
import { v2gEvMachine } from '../../machines/v2g-ev/index.js';
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { createSim, type Sim, type SimOptions } from '../../src/runtime/sim.js';
import { memoryLogger } from '../../src/ports/log.js';
import { attachSafetyMonitor } from '../../src/domain/safety/index.js';
import type { SafetyViolation } from '../../src/domain/safety/monitor.js';

export interface StackRun {
  readonly sim: Sim;
  readonly clock: SimulatedClock;
  readonly logs: ReturnType<typeof memoryLogger>;
  readonly violations: SafetyViolation[];
  /** Virtual ms until the EV was done, or -1. */
  readonly tookMs: number;
  readonly checkpoints: { ev: number[]; evse: number[] };
}

function seeded(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b[i] = x & 0xff;
    }
    return b;
  };
}

export async function runStack(opts: Partial<SimOptions> & { maxVirtualMs?: number; during?: (sim: Sim, clock: SimulatedClock, checkpoints: { ev: number[]; evse: number[] }) => void; onStart?: (sim: Sim, clock: SimulatedClock) => void; stepMs?: number } = {}): Promise<StackRun> {
  // A caller's clock must be a SimulatedClock (the loop below advances it).
  const clock = (opts.clock as SimulatedClock | undefined) ?? new SimulatedClock();
  const logs = memoryLogger();
  const violations: SafetyViolation[] = [];
  let watch: ReturnType<typeof attachSafetyMonitor> | undefined;
  // The monitor subscribes to the board first, so it sees every hardware event in causal order.
  const sim = createSim({
    clock,
    logger: logs,
    sessions: { ev: v2gEvMachine, evse: v2gEvseMachine },
    randomBytes: seeded(7),
    socTarget: 22,
    ...opts,
    onBoard: (board) => {
      watch = attachSafetyMonitor(board.ev, {}, { clock });
      watch.violation$.subscribe((v) => violations.push(v));
    },
  });
  const checkpoints = { ev: [] as number[], evse: [] as number[] };
  sim.evStatus.updates$.subscribe((u) => u.checkpoint !== undefined && checkpoints.ev.push(u.checkpoint));
  sim.evseStatus.updates$.subscribe((u) => u.checkpoint !== undefined && checkpoints.evse.push(u.checkpoint));
  opts.onStart?.(sim, clock);
  let done = false;
  void sim.done.then(() => (done = true));
  const t0 = clock.now();
  const max = opts.maxVirtualMs ?? 600_000;
  const step = opts.stepMs ?? 10;
  await new Promise<void>((r) => setImmediate(r));
  while (!done && clock.now() - t0 < max) {
    clock.increment(step);
    opts.during?.(sim, clock, checkpoints);
    await new Promise<void>((r) => setImmediate(r));
  }
  // Let the EVSE side settle (the sim stops it 500 ms after the EV) and the last hardware moves (unlock) finish.
  for (let i = 0; i < 300; i++) {
    clock.increment(10);
    await new Promise<void>((r) => setImmediate(r));
  }
  watch?.stop();
  return { sim, clock, logs, violations, tookMs: done ? clock.now() - t0 : -1, checkpoints };
}
