// Schema components → EXI schema-informed grammars (EXI 1.0 §8.5.4), as V2G uses them:
// strict = false (every state keeps one extra code point for the second-level events),
// no fidelity options, value partition capacity 0.
//
// A complex type becomes a small automaton. Its content particle is turned into
// positions (one per element leaf, Glushkov construction: particles.ts); a leaf with
// maxOccurs > 1 or minOccurs > 1 keeps a counter instead of being unrolled into
// copies (§8.5.4.1.4 unrolls bounded particles; the counter yields the same states:
// "fewer than min", "between min and max", "max reached": states.ts). Simple types:
// simple.ts; derivation chains: complex.ts; the data types: grammar.ts.
import { splitKey, type SchemaSet } from './xsd.js';
import { bitsFor, compareKeys, type Grammar, type RootElement } from './grammar.js';
import { valueOf, type GrammarContext } from './complex.js';
import { globalElement, substitutionMembers } from './particles.js';
import { newSimpleContext } from './simple.js';

export type { Attr, CType, GEvent, GState, Grammar, Leaf, MParticle, RootElement, SimpleRep, SimpleType, Target, ValueType } from './grammar.js';
export { bitsFor } from './grammar.js';

export function newGrammarContext(set: SchemaSet): GrammarContext {
  return { ...newSimpleContext(set), complexCache: new Map(), complexList: [], members: substitutionMembers(set) };
}

/** The grammar of a schema set: one root per global element (sorted by qname), the types they reach. */
export function buildGrammar(set: SchemaSet): Grammar {
  const ctx = newGrammarContext(set);
  const sortedGlobals = [...set.elements.keys()].sort(compareKeys);
  const roots: RootElement[] = sortedGlobals.map((k) => {
    const g = globalElement(set, k);
    const local = splitKey(k).local;
    return { name: local, key: k, value: valueOf(ctx, g.type, g.inlineType, local) };
  });
  const rootNames = new Set<string>();
  for (const r of roots) {
    if (rootNames.has(r.name)) throw new Error(`two global elements named ${r.name}`);
    rootNames.add(r.name);
  }
  return {
    roots,
    // DocContent: SE(G_i) for every global element, then SE(*); no second level without fidelity options.
    docBits: bitsFor(roots.length + 1),
    complexTypes: ctx.complexList,
    simpleTypes: ctx.simpleList,
  };
}
