// `npm run bench [-- --json] [-- <suite> ...]`: runs the test/bench/*.bench.ts suites.
//
// A filter selects a suite by its exact name or by the exact stem of its file
// (`session` → session.bench.ts; it does not also select the analysis suite, whose name
// merely contains "sessions"). Without --json each suite prints a table (one row per
// result, one column per figure); with --json every result is one JSON line
// {"suite", "bench", "ns_per_op", ...}. `--out FILE` also writes the JSON lines to FILE.
// `--list` prints the selected suite names without running them.
// After the suites comes the report: every result that carries a goal (a `goal` figure, compared
// with its `ratio`, or a `goal_<figure>` compared with `<figure>`), with `met` yes/no (or the
// suite's own `met`, e.g. the exi suite's count of goals met), as a table
// and then as JSON lines {"report": true, "suite", "bench", ..., "met"} (issue 13 goal 6).
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { goalMet, type BenchResult, type BenchSuite } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const list = args.includes('--list');
const outIndex = args.indexOf('--out');
const outFile = outIndex >= 0 ? args[outIndex + 1] : undefined;
const filters = args.filter((a, i) => !a.startsWith('--') && !(outIndex >= 0 && i === outIndex + 1));

function cell(v: string | number | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(+v.toPrecision(4));
  return v;
}

/** Results as an aligned table: the bench name, then every figure any row has. */
export function table(results: readonly BenchResult[]): string {
  const cols: string[] = [];
  for (const r of results) for (const k of Object.keys(r)) if (k !== 'bench' && !cols.includes(k)) cols.push(k);
  const rows = [['bench', ...cols], ...results.map((r) => [r.bench, ...cols.map((c) => cell(r[c]))])];
  const width = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const numeric = cols.map((c) => results.every((r) => r[c] === undefined || typeof r[c] === 'number'));
  return rows
    .map((row) =>
      row
        .map((v, i) => (i > 0 && numeric[i - 1] ? v.padStart(width[i] as number) : v.padEnd(width[i] as number)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const stems = new Set(files.map((f) => f.slice(0, -'.bench.ts'.length)));
// Filters that name no file must be suite names: only then import every suite to look.
const byNameOnly = filters.filter((x) => !stems.has(x));
const lines: string[] = [];
const report: { suite: string; result: BenchResult }[] = [];
let failed = 0;
let ran = 0;
for (const f of files) {
  const stem = f.slice(0, -'.bench.ts'.length);
  if (filters.length && !filters.includes(stem) && byNameOnly.length === 0) continue;
  const { suite } = (await import(pathToFileURL(join(here, f)).href)) as { suite: BenchSuite };
  if (filters.length && !filters.includes(stem) && !byNameOnly.includes(suite.name)) continue;
  ran++;
  if (list) {
    process.stdout.write(`${stem}\t${suite.name}\n`);
    continue;
  }
  if (!json) process.stdout.write(`\n== ${suite.name}\n`);
  try {
    const results = await suite.run();
    if (typeof results === 'string') {
      const line = JSON.stringify({ suite: suite.name, skipped: results });
      lines.push(line);
      process.stdout.write(json ? line + '\n' : `   skipped: ${results}\n`);
      continue;
    }
    for (const r of results) lines.push(JSON.stringify({ suite: suite.name, ...r }));
    // A row with a goal, or one that states its own verdict (`met`, e.g. the exi suite's "14/18").
    for (const r of results) if (goalMet(r) ?? r.met) report.push({ suite: suite.name, result: r });
    if (json) for (const r of results) process.stdout.write(JSON.stringify({ suite: suite.name, ...r }) + '\n');
    else process.stdout.write(table(results) + '\n');
  } catch (e) {
    failed++;
    process.stderr.write(`bench ${suite.name} failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  }
}
if (report.length > 0 && !list) {
  const rows = report.map(({ suite, result }) => ({ ...result, bench: `${suite}: ${result.bench}`, met: goalMet(result) ?? result.met }));
  const jsonRows = report.map(({ suite, result }) => JSON.stringify({ report: true, suite, ...result, met: goalMet(result) ?? result.met }));
  if (!json) process.stdout.write(`\n== report (figures with a goal)\n${table(rows)}\n\n`);
  process.stdout.write(jsonRows.join('\n') + '\n');
  lines.push(...jsonRows);
}
if (filters.length && ran === 0) {
  process.stderr.write(`no bench suite named ${filters.join(', ')} (files: ${[...stems].join(', ')})\n`);
  failed++;
}
if (outFile) writeFileSync(outFile, lines.map((l) => l + '\n').join(''));
process.exitCode = failed ? 1 : 0;
