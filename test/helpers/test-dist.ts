// Global setup of the suite: bundles the CLI from the TypeScript sources, as the shipped
// dist/src/cli/main.js is bundled (scripts/cli-build-options.js), into
// <checkout>/.test-dist-<pid>/src/cli/, and hands its path to the test files in
// TSPLC_TEST_CLI. Every process a test spawns as `tsplc …` runs that bundle (test/helpers/cli.ts):
// what users run, with the sources of this checkout, and without tsx's loader — a tsx start of a
// role costs about six times the CPU of the bundle's (0.7 s against 0.1 s on this machine), and
// the suite starts some hundreds of them on two cores.
//
// The folder sits one level below the checkout, as dist/ does, because the bundle finds the
// native addon, the systemd template and package.json by walking up from itself. One folder per
// vitest process, so two runs in one checkout do not overwrite each other's bundle; removed at
// teardown, and folders of runs that died are removed at the next setup.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { cliBuildOptions } from '../../scripts/cli-build-options.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const prefix = '.test-dist-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export default async function setup(): Promise<() => void> {
  for (const name of readdirSync(root)) {
    const pid = name.startsWith(prefix) ? Number(name.slice(prefix.length)) : NaN;
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(root, name), { recursive: true, force: true });
  }
  const dir = join(root, `${prefix}${process.pid}`);
  const outdir = join(dir, 'src', 'cli');
  rmSync(dir, { recursive: true, force: true });
  await build(cliBuildOptions({ root, entry: join(root, 'src', 'cli', 'main.ts'), outdir }));
  const cli = join(outdir, 'main.js');
  if (!existsSync(cli)) throw new Error(`test-dist: esbuild wrote no ${cli}`);
  process.env.TSPLC_TEST_CLI = cli;
  return () => rmSync(dir, { recursive: true, force: true });
}
