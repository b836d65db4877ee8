// The relay's own share of the added delay (tsplc relay, docs/relay.md): per message, from the
// event carrying the complete V2GTP payload into the relay statechart to the forward action that
// writes it to the other leg — EXI decode (to record and show), the tracker, the rules, the
// pairing. The socket write and the kernel path come on top; `test/relay/netns.test.ts` prints the
// end-to-end figure of a whole session over three namespaces. Goal (issue 14): ≤ 5 ms p99 added.
// On a loaded machine the tail is the scheduler's (a message preempted mid-way waits a time slice):
// load_avg is printed beside the figures so a reader can tell.
import { loadavg } from 'node:os';
import { createActor } from 'xstate';
import { relayMachine } from '../../machines/relay/index.js';
import { exiCodec } from '../../src/runtime/exi-codec.js';
import { parseRules } from '../../src/tools/relay/rules.js';
import { dinSession } from '../relay/script.js';
import { percentile, type BenchResult, type BenchSuite } from './harness.js';

function run(loops: number, rules: string[]): { p50: number; p99: number; max: number; n: number } {
  const samples: number[] = [];
  let sentAt = 0;
  const parsed = parseRules(rules);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const actor = createActor(
    relayMachine.provide({ actions: { forward: () => samples.push(Number(process.hrtime.bigint() - BigInt(sentAt)) / 1000) } }),
    { input: { codec: exiCodec, rules: parsed.value } },
  );
  actor.start();
  actor.send({ type: 'CAR.LINKED' });
  actor.send({ type: 'CHARGER.CONNECTED' });
  actor.send({ type: 'CAR.CONNECTED' });
  const script = dinSession(loops);
  for (const s of script) {
    sentAt = Number(process.hrtime.bigint());
    actor.send({ type: 'CAR.MESSAGE', payload: s.request, at: 0 });
    sentAt = Number(process.hrtime.bigint());
    actor.send({ type: 'CHARGER.MESSAGE', payload: s.response, at: 0 });
  }
  actor.stop();
  const sorted = samples.sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

export const suite: BenchSuite = {
  name: 'relay',
  async run() {
    run(50, []); // warm-up (JIT, codec tables)
    const out: BenchResult[] = [];
    for (const [bench, rules] of [
      ['relay message, no rules (decode + forward original bytes)', []],
      ['relay message, cap-current=20 (decode + rule + re-encode)', ['cap-current=20']],
    ] as const) {
      const r = run(2000, [...rules]);
      out.push({ bench, n: r.n, p50_us: +r.p50.toFixed(1), p99_us: +r.p99.toFixed(1), max_us: +r.max.toFixed(1), goal_p99_us: 5000, load_avg: +(loadavg()[0] ?? 0).toFixed(1) });
    }
    return out;
  },
};
