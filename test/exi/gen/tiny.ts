// Tiny inline schemas for the generator's unit tests: a body of XSD components in one
// target namespace (elements qualified, as in the V2G schemas) → schema set or grammar.
import { buildGrammar, type CType, type Grammar } from '../../../src/codecs/exi/gen/model.js';
import { loadSchemaSet, type SchemaSet } from '../../../src/codecs/exi/gen/xsd.js';

export const TNS = 'urn:tiny';

export function tinySet(body: string): SchemaSet {
  const text = `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="${TNS}" targetNamespace="${TNS}" elementFormDefault="qualified">
${body}
</xs:schema>`;
  return loadSchemaSet(new Map([['tiny.xsd', text]]), 'tiny.xsd');
}

export function tinyGrammar(body: string): Grammar {
  return buildGrammar(tinySet(body));
}

export function typeNamed(g: Grammar, tsName: string): CType {
  const t = g.complexTypes.find((c) => c.tsName === tsName);
  if (!t) throw new Error(`no complex type ${tsName} in [${g.complexTypes.map((c) => c.tsName).join(', ')}]`);
  return t;
}

/** The events of a state, by name: element names, `@attr`, or the event kind (EE, CH, SE*). */
export function eventNames(t: CType, state: number): string[] {
  const st = t.states[state];
  if (!st) throw new Error(`${t.tsName} has no state ${state}`);
  return st.events.map((e) => (e.kind === 'SE' ? (t.leaves[e.leaf]?.name ?? '?') : e.kind === 'AT' ? `@${t.attrs[e.attr]?.name}` : e.kind));
}

/** The state an SE of the named leaf leads to after its first occurrence (done, or loop/under). */
export function afterLeaf(t: CType, name: string): number {
  const l = t.leaves.find((x) => x.name === name);
  if (!l) throw new Error(`${t.tsName} has no leaf ${name}`);
  const ls = t.leafStates[l.index] as { under: number; loop: number; done: number };
  if (l.min >= 2) return ls.under;
  return l.max > 1 ? ls.loop : ls.done;
}
