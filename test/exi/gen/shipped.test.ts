// The shipped build does not compile the EXI generator: it runs from a checkout
// (`npm run gen:exi`) and imports a devDependency (fast-xml-parser). tsconfig.build.json
// excludes it, and since tsc compiles whatever an included file imports, no shipped
// module may import the generator (or any devDependency) either.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
const GENERATOR = (f: string) => f.startsWith('src/codecs/exi/gen/') || f === 'src/cli/gen-exi.ts';

function buildFiles(): string[] {
  const host: ts.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  };
  const cfg = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.build.json'), {}, host);
  if (!cfg) throw new Error('tsconfig.build.json did not parse');
  return cfg.fileNames.map((f) => rel(path.resolve(root, f)));
}

interface Edge {
  from: string;
  to: string;
}

/** Imports of one file (static, re-exports, dynamic import()): project files as paths, packages as names. */
function importsOf(file: string, text: string): { files: string[]; packages: string[] } {
  const info = ts.preProcessFile(text, true, true);
  const files: string[] = [];
  const packages: string[] = [];
  for (const { fileName: spec } of info.importedFiles) {
    if (spec.startsWith('.')) {
      const target = rel(path.resolve(root, path.dirname(file), spec));
      files.push(target.endsWith('.js') && existsSync(path.join(root, target.replace(/\.js$/, '.ts'))) ? target.replace(/\.js$/, '.ts') : target);
    } else packages.push(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
  }
  return { files, packages };
}

/** Every import edge of the given files (yielding to the event loop between files). */
async function edgesOf(files: readonly string[]): Promise<{ fileEdges: Edge[]; packageEdges: Edge[] }> {
  const fileEdges: Edge[] = [];
  const packageEdges: Edge[] = [];
  for (const from of files) {
    const { files: fs, packages } = importsOf(from, await readFile(path.join(root, from), 'utf8'));
    for (const to of fs) fileEdges.push({ from, to });
    for (const to of packages) packageEdges.push({ from, to });
    await yieldToLoop();
  }
  return { fileEdges, packageEdges };
}

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
const runtimePackages = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
const isBuiltin = (p: string) => p.startsWith('node:');

describe('the shipped build and the EXI generator', () => {
  const shipped = buildFiles();

  it('tsconfig.build.json compiles src, machines, drivers and boards but not the generator', () => {
    for (const dir of ['src/', 'machines/', 'drivers/', 'boards/']) expect(shipped.some((f) => f.startsWith(dir)), dir).toBe(true);
    expect(shipped).toContain('src/codecs/exi/generated/din.ts');
    expect(shipped).toContain('src/cli/main.ts');
    expect(shipped.filter(GENERATOR)).toEqual([]);
    expect(shipped.filter((f) => f.endsWith('.test.ts') || f.startsWith('test/'))).toEqual([]);
  });

  it('no shipped module imports the generator, a file outside the build, or a devDependency', async () => {
    const { fileEdges, packageEdges } = await edgesOf(shipped);
    const inBuild = new Set(shipped);
    // Imports of TS sources must stay in the build (tsc would otherwise compile them anyway).
    const tsEdges = fileEdges.filter((e) => e.to.endsWith('.ts'));
    expect(tsEdges.length).toBeGreaterThan(500);
    expect(tsEdges.filter((e) => GENERATOR(e.to))).toEqual([]);
    expect(tsEdges.filter((e) => !inBuild.has(e.to))).toEqual([]);
    expect(packageEdges.filter((e) => e.to === 'fast-xml-parser')).toEqual([]);
    expect(packageEdges.filter((e) => !isBuiltin(e.to) && !runtimePackages.has(e.to))).toEqual([]);
  }, 60_000);

  it('the scan finds such imports where they are: the generator itself uses fast-xml-parser and is imported by gen-exi', async () => {
    const generator = ['src/cli/gen-exi.ts', 'src/codecs/exi/gen/index.ts', 'src/codecs/exi/gen/xsd.ts'];
    const { fileEdges, packageEdges } = await edgesOf(generator);
    expect(fileEdges).toContainEqual({ from: 'src/cli/gen-exi.ts', to: 'src/codecs/exi/gen/index.ts' });
    expect(packageEdges).toContainEqual({ from: 'src/codecs/exi/gen/xsd.ts', to: 'fast-xml-parser' });
    expect(runtimePackages.has('fast-xml-parser')).toBe(false);
    // A dynamic import counts as much as a static one.
    expect(importsOf('src/x.ts', "export const p = import('../src/codecs/exi/gen/index.js');").files).toEqual(['src/codecs/exi/gen/index.ts']);
  });
});
