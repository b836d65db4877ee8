// Bundles the compiled CLI (tsc's dist/src/cli/main.js and everything it imports) into
// dist/src/cli/main.js plus code-split chunks in dist/src/cli/chunks/: one chunk per command
// (main.ts imports each command with its own literal import()) and shared chunks for what
// several commands use. `npm run build:ts` runs tsc, then this.
//
// Why (issue 13, docs/performance.md): on a small board module loading dominated start-up —
// about 460 modules for `tsplc pev`, half of them rxjs's CommonJS build. One file per command
// loads in one read and one parse, and rxjs comes from its ES module build so unused
// operators are left out.
//
// Left outside the bundle (scripts/cli-build-options.js), resolved from node_modules at run time: the optional hardware
// packages (they may be absent), mqtt (loaded only when forwarding is configured, see
// src/runtime/io-drivers.ts), node-addon-api, uplot (read as files by `tsplc scope`) and the
// native addon (native/index.cjs, found on disk by drivers/ethernet/native.ts).
//
// usage: node scripts/bundle.js [distDir]   (default: dist)
/* global process */
import { build } from 'esbuild';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cliBuildOptions } from './cli-build-options.js';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const cliDir = join(dist, 'src', 'cli');
const entry = join(cliDir, 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`bundle: ${entry} not found: run tsc -p tsconfig.build.json first\n`);
  process.exit(1);
}

const out = join(dist, '.bundle');
rmSync(out, { recursive: true, force: true });
const result = await build(cliBuildOptions({ root, entry, outdir: out }));
// Replace the compiled CLI tree (main.js, commands/) by the bundle.
rmSync(join(cliDir, 'chunks'), { recursive: true, force: true });
rmSync(join(cliDir, 'commands'), { recursive: true, force: true });
renameSync(join(out, 'main.js'), entry);
renameSync(join(out, 'chunks'), join(cliDir, 'chunks'));
rmSync(out, { recursive: true, force: true });
const chunks = readdirSync(join(cliDir, 'chunks')).length;
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(`bundle: ${cliDir}/main.js + ${chunks} chunks, ${(bytes / 1048576).toFixed(2)} MB\n`);
