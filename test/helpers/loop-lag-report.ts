// Global setup of the TSPLC_LOOP_LAG=1 diagnostic (test/helpers/loop-lag.ts): at the end of the run,
// prints every blocked event loop the workers found, longest first. Only reports; it does not fail the run.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { lagFile, type LoopLag } from './loop-lag-meter.js';

export default function setup(): () => void {
  const file = lagFile(process.pid);
  rmSync(file, { force: true });
  return () => {
    if (process.env.TSPLC_LOOP_LAG !== '1') return;
    const hits = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LoopLag) : [];
    hits.sort((a, b) => b.blockedMs - a.blockedMs);
    console.error(`\nTSPLC_LOOP_LAG=1: ${hits.length} blocked event loop(s) over the bound${hits.length ? ' (blocked ms, worker CPU ms, file > test):' : ''}`);
    for (const h of hits) console.error(`  ${String(h.blockedMs).padStart(6)} ${String(h.cpuMs).padStart(6)}  ${h.file} > ${h.test}`);
    rmSync(file, { force: true });
  };
}
