// Diagnostic (TSPLC_LOOP_LAG=1): reports every test that blocks its worker's event loop for more than
// a second (TSPLC_LOOP_LAG_MS overrides the bound). A worker whose loop is blocked cannot answer
// vitest's RPC; on a loaded 2-core machine a synchronous second is several seconds of wall time, and
// 60 s without an answer end the whole run with "Timeout calling onTaskUpdate" (issue 9 §6).
// Loaded as a vitest setupFile: a 50 ms interval timer measures how late it fires; a late tick is charged
// to the test (or hook, or collection) that was running, with the CPU time the worker used in the gap
// (≈ the gap: a synchronous loop; ≈ 0: a synchronous wait on a child process or the scheduler).
// Each worker appends its findings as JSON lines to $TMPDIR/tsplc-loop-lag-<vitest pid>.jsonl;
// test/helpers/loop-lag-report.ts (globalSetup) prints them, longest first, at the end of the run.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';
import { lagFile, LoopLagMeter, type LagClock } from './loop-lag-meter.js';

if (process.env.TSPLC_LOOP_LAG === '1') {
  const TICK_MS = 50;
  const file = relative(process.cwd(), expect.getState().testPath ?? '(unknown file)');
  const clock: LagClock = {
    now: () => performance.now(),
    cpuMs: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    },
  };
  const meter = new LoopLagMeter(file, Number(process.env.TSPLC_LOOP_LAG_MS) || 1000, TICK_MS, clock);
  const timer = setInterval(() => meter.sample(), TICK_MS);
  timer.unref();
  beforeEach((ctx) => {
    const names: string[] = [];
    for (let s = ctx.task.suite; s; s = s.suite) if (s.name) names.unshift(s.name);
    meter.enter([...names, ctx.task.name].join(' > '));
  });
  // afterEach hooks run in reverse order of registration: this one (registered first) runs last, after the file's own.
  afterEach(() => meter.enter('(hooks between tests)'));
  afterAll(() => {
    meter.enter('(afterAll)');
    clearInterval(timer);
    if (meter.hits.length === 0) return;
    for (const h of meter.hits) console.warn(`[loop-lag] ${h.file} > ${h.test}: event loop blocked ${h.blockedMs} ms (worker CPU ${h.cpuMs} ms)`);
    appendFileSync(lagFile(process.ppid), meter.hits.map((h) => JSON.stringify(h)).join('\n') + '\n');
  });
}
