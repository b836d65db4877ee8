// The tsplc CLI as the tests spawn it: the bundle test/helpers/test-dist.ts builds from this
// checkout's sources before the first file runs (TSPLC_TEST_CLI).
import { existsSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

function bundled(): string {
  const cli = process.env.TSPLC_TEST_CLI;
  if (cli && existsSync(cli)) return cli;
  // Outside vitest (the benchmarks, `node --import tsx test/bench/run.ts`): the sources, which
  // NetnsTopology.spawnNode starts under tsx. Under vitest a missing bundle is a broken setup.
  if (!cli && !process.env.VITEST) return 'src/cli/main.ts';
  throw new Error(`TSPLC_TEST_CLI ${cli ? `(${cli}) does not exist` : 'is not set'}: run the tests through vitest, whose globalSetup test/helpers/test-dist.ts bundles the CLI`);
}

/** Path of the bundled CLI entry (dist layout: <dir>/src/cli/main.js; outside vitest src/cli/main.ts); a script for NetnsTopology.spawnNode. */
export const CLI: string = bundled();

/** The node arguments that run `tsplc <args…>`. */
export const tsplcArgs = (args: readonly string[]): string[] => [CLI, ...args];

/**
 * A TypeScript script of the test tree (e.g. 'test/hostile/tcp-attacker.ts', relative to the checkout)
 * as plain JavaScript for a spawned `node`: bundled on first use into the run's bundle folder
 * (<dir>/test/…/x.js, so it finds native/ by walking up as the CLI does), packages left to
 * node_modules. Written to a temporary name and renamed, so workers that bundle the same script at
 * once never run a half-written file.
 */
export function testScript(path: string): string {
  if (!path.endsWith('.ts')) return path; // already JavaScript (e.g. an earlier testScript result)
  if (CLI.endsWith('.ts')) return path; // outside vitest: spawnNode runs it under tsx
  const dir = resolve(dirname(CLI), '..', '..');
  const out = join(dir, path.replace(/\.ts$/, '.js'));
  if (existsSync(out)) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  buildSync({ entryPoints: [resolve(path)], outfile: tmp, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' });
  renameSync(tmp, out);
  return out;
}
