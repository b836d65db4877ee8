// `npm run bench [-- --json] [-- <suite-name-filter>]`: runs every test/bench/*.bench.ts suite.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult, BenchSuite } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const filters = args.filter((a) => !a.startsWith('--'));

function format(r: BenchResult): string {
  const extras = Object.entries(r)
    .filter(([k]) => k !== 'bench' && k !== 'ns_per_op')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(4) : v}`)
    .join(' ');
  const ns = r.ns_per_op !== undefined ? `${r.ns_per_op.toFixed(0).padStart(10)} ns/op` : ''.padStart(16);
  return `${r.bench.padEnd(48)} ${ns}  ${extras}`;
}

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
let failed = 0;
for (const f of files) {
  const { suite } = (await import(pathToFileURL(join(here, f)).href)) as { suite: BenchSuite };
  if (filters.length && !filters.some((x) => suite.name.includes(x) || f.includes(x))) continue;
  if (!json) process.stdout.write(`\n== ${suite.name}\n`);
  try {
    const results = await suite.run();
    if (typeof results === 'string') {
      if (json) process.stdout.write(JSON.stringify({ bench: suite.name, skipped: results }) + '\n');
      else process.stdout.write(`   skipped: ${results}\n`);
      continue;
    }
    for (const r of results) process.stdout.write((json ? JSON.stringify(r) : format(r)) + '\n');
  } catch (e) {
    failed++;
    process.stderr.write(`bench ${suite.name} failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
