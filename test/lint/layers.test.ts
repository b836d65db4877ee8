// The layer rules are enforced by `npm run lint`; this test proves each one bites.
//  - the direction table (eslint.config.js → lint/layers.js): every unit with a
//    finite row is probed with an import of every unit it may not import, plus
//    Node built-ins (static, bare and dynamic import('node:fs'));
//  - import-x/no-cycle on a two-file cycle;
//  - tsconfig.pure.json: Node globals (process, Buffer, setTimeout) do not compile
//    in pure code, web-standard text codecs do.
import { afterAll, describe, expect, it } from 'vitest';
import type { ESLint } from 'eslint';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { directionTable } from '../../eslint.config.js';

const root = path.resolve(import.meta.dirname, '../..');

// ESLint runs on a worker thread: its first lint resolves the import graph behind the probes synchronously
// (7 s of CPU measured with TSPLC_LOOP_LAG=1; a minute of wall time at load 20), and a vitest worker whose
// event loop is blocked that long cannot answer vitest's RPC ("Timeout calling onTaskUpdate").
type Messages = ESLint.LintResult['messages'];
type LintRequest = { readonly text: string; readonly filePath: string } | { readonly files: readonly string[]; readonly fresh: boolean };
const eslintThread = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
  const { ESLint } = require(workerData.eslint);
  const cached = new ESLint({ cwd: workerData.root });
  parentPort.on('message', async ({ id, req }) => {
    try {
      const results = 'text' in req ? await cached.lintText(req.text, { filePath: req.filePath }) : await (req.fresh ? new ESLint({ cwd: workerData.root, cache: false }) : cached).lintFiles(req.files);
      parentPort.postMessage({ id, messages: results.map((r) => r.messages) });
    } catch (e) {
      parentPort.postMessage({ id, error: String((e && e.stack) || e) });
    }
  });`,
  { eval: true, workerData: { root, eslint: createRequire(import.meta.url).resolve('eslint') } },
);
eslintThread.unref();
afterAll(() => eslintThread.terminate());
let nextId = 0;
const pending = new Map<number, { resolve: (m: Messages[]) => void; reject: (e: Error) => void }>();
eslintThread.on('message', (m: { id: number; messages?: Messages[]; error?: string }) => {
  const p = pending.get(m.id);
  pending.delete(m.id);
  if (m.error !== undefined) p?.reject(new Error(m.error));
  else p?.resolve(m.messages ?? []);
});
eslintThread.on('error', (e) => {
  for (const p of pending.values()) p.reject(e);
  pending.clear();
});
/** The messages of each linted file, from the ESLint thread. */
function eslintRun(req: LintRequest): Promise<Messages[]> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    eslintThread.postMessage({ id, req });
  });
}

type Row = { imports: '*' | string[]; node: boolean; packages: '*' | string[] };
const table = directionTable as Record<string, Row>;
const units = Object.keys(table);

/** A file path inside a unit ('src/bytes' is a file unit: a probe beside it in src/). */
const probePath = (unit: string): string => (unit.startsWith('src/') ? `${unit}/layer-probe.ts` : `${unit}/layer-probe.ts`);
/** What a probe in `from` writes to import something of `to`. */
function specifier(from: string, to: string): string {
  const target = ['src/bytes', 'src/result', 'src/status'].includes(to) ? `${to}.js` : `${to}/index.js`;
  const rel = path.relative(path.dirname(path.join(root, probePath(from))), path.join(root, target)).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

async function lint(filePath: string, source: string): Promise<Messages> {
  const [messages] = await eslintRun({ text: source, filePath: path.join(root, filePath) });
  return messages ?? [];
}

describe('direction table (lint/layers.js)', () => {
  const finite = units.filter((u) => table[u]!.imports !== '*');

  it('has a row for every unit the tree has, and for the folders other helpers add (chademo, display)', () => {
    for (const u of ['src/runtime', 'src/cli', 'src/config', 'src/ports', 'src/domain/v2g', 'src/domain/slac', 'src/codecs/sdp', 'src/domain/chademo', 'src/outputs/display', 'machines', 'drivers', 'boards', 'native'])
      expect(units, u).toContain(u);
  });

  it.each(finite)('%s: every forbidden edge is an error, every allowed one is not', async (from) => {
    const row = table[from]!;
    const allowed = new Set([from, ...(row.imports as string[])]);
    const targets = units.filter((u) => u !== from);
    const source = targets.map((to, i) => `import * as m${i} from '${specifier(from, to)}';`).join('\n') + `\nexport const all = [${targets.map((_, i) => `m${i}`).join(', ')}];\n`;
    const messages = (await lint(probePath(from), source)).filter((m) => m.ruleId === 'tsplc/layers');
    const flagged = new Set(messages.map((m) => targets[m.line - 1]));
    const forbidden = targets.filter((t) => !allowed.has(t));
    expect([...flagged].sort()).toEqual(forbidden.sort());
    for (const m of messages) expect(m.message).toMatch(new RegExp(`^${from} may not import `));
  });

  const pure = units.filter((u) => !table[u]!.node);
  it.each(pure)('%s: Node built-ins are errors, as static, bare and dynamic import', async (from) => {
    const source = "import { readFileSync } from 'node:fs';\nimport dgram from 'dgram';\nexport const later = import('node:fs');\nexport const x = [readFileSync, dgram];\n";
    const messages = (await lint(probePath(from), source)).filter((m) => m.ruleId === 'tsplc/layers');
    expect(messages.map((m) => m.line)).toEqual([1, 2, 3]);
    expect(messages[0]!.message).toMatch(/no Node built-ins/);
  });

  it('a pure unit may not hide an import behind a computed specifier', async () => {
    const messages = await lint('machines/layer-probe.ts', "const name = 'node:' + 'fs';\nexport const later = import(name);\n");
    expect(messages.filter((m) => m.ruleId === 'tsplc/layers').map((m) => m.messageId)).toEqual(['opaqueImport']);
  });

  it('a pure unit may use only its listed npm packages (mqtt and serialport are I/O)', async () => {
    const messages = await lint('src/domain/v2g/layer-probe.ts', "import mqtt from 'mqtt';\nimport { of } from 'rxjs';\nexport const x = [mqtt, of];\n");
    expect(messages.filter((m) => m.ruleId === 'tsplc/layers').map((m) => m.line)).toEqual([1]);
  });

  it('the impure units may use Node: drivers, src/runtime, src/cli', async () => {
    for (const u of ['drivers', 'src/runtime', 'src/cli']) {
      const messages = await lint(probePath(u), "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
      expect(messages.filter((m) => m.ruleId === 'tsplc/layers'), u).toEqual([]);
    }
  });

  it('a folder without a row fails lint', async () => {
    const messages = await lint('src/nowhere/layer-probe.ts', 'export const x = 1;\n');
    expect(messages.filter((m) => m.ruleId === 'tsplc/layers').map((m) => m.message)).toEqual([expect.stringMatching(/src\/nowhere has no row in the direction table/)]);
  });

  it('a folder inside a src/ group is a unit of its own: without a row it fails lint', async () => {
    const messages = await lint('src/codecs/nowhere/layer-probe.ts', 'export const x = 1;\n');
    expect(messages.filter((m) => m.ruleId === 'tsplc/layers').map((m) => m.message)).toEqual([expect.stringMatching(/src\/codecs\/nowhere has no row in the direction table/)]);
  });
});

describe('no import cycles (import-x/no-cycle)', () => {
  it('a two-file cycle in shipped code is an error on both files', async () => {
    // The rule follows imports on disk, so the probe is two real files (removed afterwards).
    const dir = path.join(root, 'src', 'codecs', 'sdp', `.cycle-probe-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n");
      writeFileSync(path.join(dir, 'b.ts'), "import { a } from './a.js';\nexport const b = (): number => a() - 1;\n");
      const results = await eslintRun({ files: [path.join(dir, 'a.ts'), path.join(dir, 'b.ts')], fresh: false });
      expect(results.map((r) => r.filter((m) => m.ruleId === 'import-x/no-cycle').length)).toEqual([1, 1]);
      // Break the cycle: the same files pass.
      writeFileSync(path.join(dir, 'b.ts'), 'export const b = (): number => 1;\n');
      const fixed = await eslintRun({ files: [path.join(dir, 'a.ts'), path.join(dir, 'b.ts')], fresh: true });
      expect(fixed.flatMap((r) => r.filter((m) => m.ruleId === 'import-x/no-cycle'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pure code compiles without Node (tsconfig.pure.json)', () => {
  const configPath = path.join(root, 'tsconfig.pure.json');
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, (f) => ts.sys.readFile(f)).config, ts.sys, root);
  /** Type-checks one probe source placed in a pure folder with the pure options. */
  function diagnostics(source: string): string[] {
    const probe = path.join(root, 'src', 'codecs', 'sdp', 'global-probe.ts');
    const host = ts.createCompilerHost(parsed.options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (f, lang, ...rest) => (path.resolve(f) === probe ? ts.createSourceFile(f, source, lang) : getSourceFile(f, lang, ...rest));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (f) => path.resolve(f) === probe || fileExists(f);
    const globals = parsed.fileNames.filter((f) => f.endsWith('.d.ts'));
    const program = ts.createProgram([probe, ...globals], parsed.options, host);
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  it('covers machines/ and the pure src/ folders, not src/runtime or src/cli', () => {
    const rel = parsed.fileNames.map((f) => path.relative(root, f));
    expect(rel).toContain('machines/sdp-client/index.ts');
    expect(rel).toContain('drivers/modem-sim/index.ts');
    expect(rel).toContain('src/domain/v2g/config.ts');
    expect(rel.some((f) => f.startsWith('src/runtime/') || f.startsWith('src/cli/'))).toBe(false);
    expect(parsed.options.types).toEqual([]);
  });

  it('process, Buffer and setTimeout do not compile there', () => {
    const d = diagnostics("export const a = process.env;\nexport const b = Buffer.from('x');\nexport const c = setTimeout(() => {}, 1);\n");
    expect(d).toHaveLength(3);
    for (const name of ['process', 'Buffer', 'setTimeout']) expect(d.some((m) => m.includes(`'${name}'`)), name).toBe(true);
  });

  it('ECMAScript and the web-standard text codecs do', () => {
    expect(diagnostics("export const t = new TextEncoder().encode('x');\nexport const p = Promise.resolve(Math.max(1, 2));\n")).toEqual([]);
  });
});
