// The CLI bundle's code splitting for the roles (docs/performance.md, issue 13): starting
// `tsplc pev` or `tsplc evse` loads no generated EXI grammar but appHand's; DIN, ISO-2 and the
// three ISO-20 grammars are chunks of their own, reached only through load.ts's import(), so a
// session loads the one its handshake picked. Read from esbuild's metafile of the same options
// the shipped bundle uses (scripts/cli-build-options.js), written to a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build, type Metafile } from 'esbuild';
import { cliBuildOptions } from '../../scripts/cli-build-options.js';

const root = resolve(import.meta.dirname, '../..');
const outdir = mkdtempSync(join(tmpdir(), 'tsplc-split-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

let meta: Metafile | undefined;
async function metafile(): Promise<Metafile> {
  meta ??= (await build({ ...cliBuildOptions({ root, entry: join(root, 'src', 'cli', 'main.ts'), outdir }), write: false })).metafile;
  return meta;
}

/** Source files in the chunks a command loads before it runs: its chunk and every static import from there. */
function staticInputs(m: Metafile, command: string): Set<string> {
  const start = Object.entries(m.outputs).find(([, o]) => o.entryPoint === `src/cli/commands/${command}.ts`)?.[0];
  if (!start) throw new Error(`no chunk for ${command}`);
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const k = todo.pop()!;
    if (seen.has(k)) continue;
    seen.add(k);
    for (const i of m.outputs[k]!.imports) if (i.kind === 'import-statement' && !i.external) todo.push(i.path);
  }
  return new Set([...seen].flatMap((k) => Object.keys(m.outputs[k]!.inputs)));
}

const grammars = ['appHand', 'din', 'iso2', 'iso20Common', 'iso20Dc', 'iso20Ac'];

describe('bundle: the roles load EXI grammars on demand', () => {
  for (const command of ['pev', 'evse']) {
    it(`tsplc ${command} starts with appHand's grammar only`, async () => {
      const inputs = staticInputs(await metafile(), command);
      // The role's own code is there (the check looks at the right graph) ...
      expect(inputs.has('src/runtime/exi-codec-on-demand.ts')).toBe(true);
      expect(inputs.has('src/codecs/exi/load.ts')).toBe(true);
      // ... and of the grammars none: appHand comes with the first connection, like the others.
      const loaded = grammars.filter((g) => inputs.has(`src/codecs/exi/generated/${g}.ts`));
      expect(loaded).toEqual([]);
      expect(inputs.has('src/codecs/exi/codecs.ts')).toBe(false);
    });
  }

  it('each grammar is in a chunk of its own, with no other grammar beside it', async () => {
    const m = await metafile();
    for (const g of grammars) {
      const holders = Object.values(m.outputs).filter((o) => `src/codecs/exi/generated/${g}.ts` in o.inputs);
      expect(holders, g).toHaveLength(1);
      const others = grammars.filter((x) => x !== g && `src/codecs/exi/generated/${x}.ts` in holders[0]!.inputs);
      expect(others, g).toEqual([]);
    }
  });
});
