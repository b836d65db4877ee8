// The esbuild options of the tsplc CLI bundle, shared by scripts/bundle.js (the shipped
// dist/src/cli/main.js, bundled from tsc's output) and test/helpers/test-dist.ts (the suite's
// copy, bundled straight from the TypeScript sources before the first test file runs), so the
// processes the tests spawn are built as the installed package is.
import { join } from 'node:path';

/** Left outside the bundle, resolved from node_modules at run time (see scripts/bundle.js). */
export const cliExternal = ['mqtt', 'serialport', '@serialport/*', 'i2c-bus', 'onoff', 'socketcan', 'oled-i2c-bus', 'node-addon-api', 'uplot', '*.node', '*/native/index.cjs'];

/**
 * Options for esbuild's build(): `entry` bundled with code splitting into `outdir`, chunks in
 * `outdir/chunks/`. `root` is the checkout (its node_modules resolves packages).
 * @param {{ root: string, entry: string, outdir: string }} o
 * @returns {import('esbuild').BuildOptions & { metafile: true }}
 */
export function cliBuildOptions({ root, entry, outdir }) {
  // rxjs's package.json sends the "node" condition to its CommonJS build; take the ES2015 modules.
  const rxjsEsm = {
    name: 'rxjs-esm',
    /** @param {import('esbuild').PluginBuild} b */
    setup(b) {
      b.onResolve({ filter: /^rxjs(\/operators)?$/ }, (args) => ({
        path: join(root, 'node_modules', 'rxjs', 'dist', 'esm', args.path === 'rxjs' ? 'index.js' : 'operators/index.js'),
      }));
    },
  };
  return {
    entryPoints: [entry],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    external: cliExternal,
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
  };
}
