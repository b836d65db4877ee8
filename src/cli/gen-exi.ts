// `npm run gen:exi -- <schemas folder>`: regenerate src/codecs/exi/generated/ from the XSDs.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../codecs/exi/gen/index.js';
import { errorMessage } from '../errors.js';

function readSchemas(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.xsd')) files.set(relative(dir, p).split(sep).join('/'), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

function main(argv: string[]): number {
  const dir = argv[0];
  if (!dir) {
    process.stderr.write('usage: npm run gen:exi -- <schemas folder> [output folder]\n');
    return 2;
  }
  const outDir = resolve(argv[1] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'codecs', 'exi', 'generated'));
  let outputs: Map<string, string>;
  try {
    outputs = generate(readSchemas(resolve(dir)));
  } catch (e) {
    process.stderr.write(`gen:exi: ${errorMessage(e)}\n`);
    return 1;
  }
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of outputs) {
    writeFileSync(join(outDir, name), text);
    process.stdout.write(`wrote ${join(outDir, name)} (${text.length} bytes)\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
