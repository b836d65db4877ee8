// Random valid documents of every schema and every global element: encode → decode
// gives the same document, and decode → encode gives the same bytes.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { SCHEMA_IDS, codecFor } from '../../src/exi/index.js';
import { DocGenerator, Rng } from './random-doc.js';

const PER_ROOT = 25;

describe('EXI round trips of random valid documents', () => {
  for (const schema of SCHEMA_IDS) {
    it(`${schema}: every global element, ${PER_ROOT} documents each`, () => {
      const codec = codecFor(schema);
      const roots = Object.keys(codec.meta.roots);
      let done = 0;
      for (const [ri, root] of roots.entries()) {
        const seed = 1000 + ri;
        const gen = new DocGenerator(codec.meta, new Rng(seed));
        const rootType = codec.meta.roots[root];
        if (rootType === undefined || !gen.canGenerate(rootType)) continue;
        for (let i = 0; i < PER_ROOT; i++) {
          const doc = gen.document(root);
          const e = codec.encode(doc as never);
          if (!e.ok) throw new Error(`${schema} ${root} seed ${seed} #${i}: encode failed: ${e.error.code} ${e.error.message}`);
          const d = codec.decode(e.value);
          if (!d.ok) throw new Error(`${schema} ${root} seed ${seed} #${i}: decode failed: ${d.error.code} ${d.error.message} ${JSON.stringify(d.error.context)}`);
          expect(d.value).toEqual(doc);
          const again = codec.encode(d.value);
          expect(again.ok && toHex(again.value)).toBe(toHex(e.value));
          done++;
        }
      }
      expect(done).toBeGreaterThan(roots.length * PER_ROOT * 0.5);
    });
  }
});
