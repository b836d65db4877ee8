// Lint configuration. The layer rules are the point of this file:
//  - `layers`: the direction table below (the same table is in docs/architecture.md):
//    for every top folder, every folder of src/ and of its groups (src/codecs, src/domain,
//    src/outputs, src/tools) and drivers/modem-sim, which units it may import and
//    whether it may use Node built-ins and which npm packages. Enforced by the
//    local rule lint/layers.js on static, type-only and dynamic imports.
//  - `import-x/no-cycle`: no import cycle anywhere in the shipped code.
//  - Node globals (process, Buffer, setTimeout) in pure code are caught by
//    `tsc -p tsconfig.pure.json` (no Node types), also run by `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import layers from './lint/layers.js';

const root = path.dirname(fileURLToPath(import.meta.url));

// npm packages pure code may use: no I/O in any of them.
const purePackages = ['rxjs', 'xstate', '@noble/hashes', '@noble/ciphers', 'smol-toml'];
// The protocol and domain folders of src/ that everything above them builds on.
const base = ['src/bytes', 'src/result', 'src/errors', 'src/constants', 'src/checkpoints'];
const pure = (imports, extra = {}) => ({ imports: [...base, ...imports], node: false, packages: purePackages, ...extra });

/**
 * The direction table. A unit is the longest key a path lies in (lint/layers.js unitOf): a top
 * folder, a folder (or file) of src/, a folder of a src/ group, or drivers/modem-sim.
 * `imports`: the units it may import ('*' = any); `node`: Node built-ins allowed;
 * `packages`: npm packages allowed ('*' = any). A unit without a row fails lint.
 */
export const directionTable = {
  // ---- pure src/: codecs, domain logic, ports (interfaces only) ----
  'src/bytes': { imports: [], node: false, packages: [] },
  'src/result': { imports: [], node: false, packages: [] },
  'src/errors': { imports: [], node: false, packages: [] },
  'src/constants': { imports: [], node: false, packages: [] },
  'src/checkpoints': { imports: [], node: false, packages: [] },
  // A port may name the plain data type it carries (the display panel takes a src/outputs/display Framebuffer).
  'src/ports': pure(['src/outputs/display']),
  'src/status': pure(['src/ports']),
  'src/codecs/net': pure([]),
  'src/codecs/capture': pure([]),
  'src/codecs/v2gtp': pure([]),
  // The EXI generator (src/codecs/exi/gen, run by `npm run gen:exi`) reads XSDs with fast-xml-parser.
  'src/codecs/exi': pure([], { packages: [...purePackages, 'fast-xml-parser'] }),
  'src/codecs/homeplug': pure(['src/codecs/capture']),
  'src/codecs/sdp': pure(['src/codecs/net', 'src/codecs/v2gtp']),
  'src/domain/v2g': pure(['src/codecs/exi', 'src/codecs/v2gtp', 'src/ports', 'src/status']),
  'src/domain/slac': pure(['src/codecs/homeplug', 'src/ports', 'src/status']),
  'src/domain/safety': pure(['src/ports', 'src/status']),
  'src/domain/connection': pure(['src/ports', 'src/status']),
  'src/domain/hardware': pure(['src/ports', 'src/domain/v2g']),
  // Where the car's battery facts come from (static, celeron55, MQTT, CHAdeMO): pure folds over port streams.
  'src/domain/ev-source': pure(['src/ports', 'src/domain/v2g']),
  'src/outputs/forwarding': pure(['src/ports', 'src/status', 'src/domain/v2g']),
  'src/domain/chademo': pure(['src/ports', 'src/status', 'src/domain/v2g', 'src/domain/safety']),
  // oled-font-5x7: the 5×7 bitmap font as plain data (no I/O).
  'src/outputs/display': pure(['src/ports', 'src/status', 'src/domain/v2g', 'src/domain/safety'], { packages: [...purePackages, 'oled-font-5x7'] }),
  'src/config': pure(['src/domain/connection', 'src/domain/safety', 'src/codecs/sdp', 'src/domain/slac', 'src/domain/v2g', 'src/domain/hardware', 'src/ports', 'src/outputs/display', 'src/domain/chademo', 'src/domain/ev-source', 'src/tools/relay']),
  // ---- pure tools beside the protocol code ----
  'src/tools/analysis': pure(['src/codecs/capture', 'src/codecs/exi', 'src/codecs/homeplug', 'src/codecs/net', 'src/codecs/sdp', 'src/codecs/v2gtp', 'src/domain/v2g', 'src/domain/slac']),
  'drivers/modem-sim': pure(['src/codecs/homeplug', 'src/codecs/net', 'src/ports', 'src/domain/slac', 'src/status']),
  // The relay's pairing, forwarding, rules and stop messages (tsplc relay, docs/relay.md); the live view uses the limiting verdict.
  'src/tools/relay': pure(['src/codecs/exi', 'src/codecs/v2gtp', 'src/domain/v2g', 'src/tools/analysis']),
  // ---- XState machines: pure src/ only (never config, runtime, cli, drivers, boards, native) ----
  machines: pure(['machines', 'src/ports', 'src/status', 'src/codecs/net', 'src/codecs/capture', 'src/codecs/v2gtp', 'src/codecs/exi', 'src/codecs/homeplug', 'src/codecs/sdp', 'src/domain/v2g', 'src/domain/slac', 'src/domain/safety', 'src/domain/connection', 'src/domain/hardware', 'src/outputs/forwarding', 'src/domain/chademo', 'src/outputs/display', 'src/domain/ev-source', 'src/tools/relay']),
  // ---- I/O: drivers implement ports; every driver folder (ethernet, udp, tcp, gpio, can, display, ...) alike ----
  drivers: { imports: [...base, 'native', 'src/ports', 'src/codecs/net', 'src/domain/hardware', 'src/codecs/homeplug', 'src/status', 'src/outputs/display'], node: true, packages: '*' },
  native: { imports: [], node: true, packages: '*' },
  // ---- board profiles pick drivers ----
  boards: { imports: [...base, 'drivers', 'src/ports', 'src/domain/hardware', 'src/domain/safety', 'src/config', 'src/status', 'src/domain/chademo', 'src/domain/ev-source'], node: false, packages: purePackages },
  // ---- composition root and the command ----
  'src/runtime': { imports: [...base, 'src/ports', 'src/status', 'src/codecs/net', 'src/codecs/capture', 'src/codecs/v2gtp', 'src/codecs/exi', 'src/codecs/homeplug', 'src/codecs/sdp', 'src/domain/v2g', 'src/domain/slac', 'src/domain/safety', 'src/domain/connection', 'src/domain/hardware', 'src/outputs/forwarding', 'src/domain/chademo', 'src/outputs/display', 'src/domain/ev-source', 'src/config', 'src/tools/analysis', 'drivers/modem-sim', 'src/tools/relay', 'machines', 'drivers', 'boards', 'native'], node: true, packages: '*' },
  'src/cli': { imports: '*', node: true, packages: '*' },
  // ---- outside the shipped code ----
  test: { imports: '*', node: true, packages: '*' },
  lint: { imports: '*', node: true, packages: '*' },
};

const shipped = ['src/**/*.ts', 'machines/**/*.ts', 'drivers/**/*.ts', 'boards/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', '.test-dist-*/**', 'native/build/**', 'node_modules/**', 'src/codecs/exi/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: [...shipped, 'test/**/*.ts', 'native/**/*.ts', 'native/**/*.cjs', 'native/**/*.js'],
    plugins: { tsplc: layers },
    rules: { 'tsplc/layers': ['error', { root, table: directionTable }] },
  },
  {
    // Cycles only in what ships: test helpers may import each other freely.
    files: shipped,
    plugins: { 'import-x': importX },
    settings: {
      // Relative imports say .js and resolve to .ts (NodeNext); the plugin must parse .ts to follow them.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: path.join(root, 'tsconfig.json') })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['native/**/*.js', 'native/**/*.cjs', 'eslint.config.js', 'lint/**/*.js'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' } },
  },
);
