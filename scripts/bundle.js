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
// Left outside the bundle, resolved from node_modules at run time: the optional hardware
// packages (they may be absent), mqtt (loaded only when forwarding is configured, see
// src/runtime/io-drivers.ts), node-addon-api, uplot (read as files by `tsplc scope`) and the
// native addon (native/index.cjs, found on disk by drivers/ethernet/native.ts).
//
// usage: node scripts/bundle.js [distDir]   (default: dist)
/* global process */
import { build } from 'esbuild';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = resolve(process.argv[2] ?? join(root, 'dist'));
const cliDir = join(dist, 'src', 'cli');
const entry = join(cliDir, 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`bundle: ${entry} not found: run tsc -p tsconfig.build.json first\n`);
  process.exit(1);
}

const external = ['mqtt', 'serialport', '@serialport/*', 'i2c-bus', 'onoff', 'socketcan', 'oled-i2c-bus', 'node-addon-api', 'uplot', '*.node', '*/native/index.cjs'];

// rxjs's package.json sends the "node" condition to its CommonJS build; take the ES2015 modules.
const rxjsEsm = {
  name: 'rxjs-esm',
  setup(b) {
    b.onResolve({ filter: /^rxjs(\/operators)?$/ }, (args) => ({
      path: join(root, 'node_modules', 'rxjs', 'dist', 'esm', args.path === 'rxjs' ? 'index.js' : 'operators/index.js'),
    }));
  },
};

const out = join(dist, '.bundle');
rmSync(out, { recursive: true, force: true });
const result = await build({
  entryPoints: [entry],
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  external,
  plugins: [rxjsEsm],
  // A dist outside this checkout (the packaging test stages one) resolves packages from here.
  nodePaths: [join(root, 'node_modules')],
  // CommonJS inside the bundle (e.g. oled-font-5x7) calls require(): give every chunk one.
  banner: { js: "import { createRequire as __tsplcCreateRequire } from 'node:module'; const require = __tsplcCreateRequire(import.meta.url);" },
  // Whitespace and syntax only: V8 keeps every loaded chunk's source text in the heap (the
  // largest share of a role's heap, see docs/performance.md); names stay for stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
// Replace the compiled CLI tree (main.js, commands/) by the bundle.
rmSync(join(cliDir, 'chunks'), { recursive: true, force: true });
rmSync(join(cliDir, 'commands'), { recursive: true, force: true });
renameSync(join(out, 'main.js'), entry);
renameSync(join(out, 'chunks'), join(cliDir, 'chunks'));
rmSync(out, { recursive: true, force: true });
const chunks = readdirSync(join(cliDir, 'chunks')).length;
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(`bundle: ${cliDir}/main.js + ${chunks} chunks, ${(bytes / 1048576).toFixed(2)} MB\n`);
