// The grammar model the generator derives from the schema components: simple type
// representations, complex types as EXI grammar automata (states with their event codes),
// the global elements. Plain data; built by model.ts, written out by emit.ts.
import { splitKey, type QKey } from './xsd.js';

import type { MParticle, SimpleRep } from '../runtime/meta.js';

export type { MParticle, SimpleRep };

export interface SimpleType {
  /** TS alias name for named simple types (enumerations are exported as unions). */
  tsName: string | undefined;
  /** Name used in error messages and in the generated helper. */
  id: string;
  rep: SimpleRep;
}

export type ValueType = { kind: 'complex'; type: CType } | { kind: 'simple'; type: SimpleType };

export interface Leaf {
  index: number;
  kind: 'element' | 'any';
  /** Element local name = property name. */
  name: string;
  key: QKey;
  value: ValueType | undefined;
  min: number;
  max: number;
  /** Property is an array: the leaf may occur more than once (itself or via a repeated group). */
  array: boolean;
  /** The leaf may be absent: minOccurs 0, or inside a choice, substitution group or optional group. */
  optional: boolean;
  /** Set on a later position of an element that already has a position (same property). */
  sharedWith?: number;
  /** Set on the first position of an element that has later positions. */
  sharedLater?: boolean;
}

export interface Attr {
  name: string;
  type: SimpleType;
  required: boolean;
}

export type Target = { kind: 'state'; state: number } | { kind: 'leaf'; leaf: number };

export type GEvent =
  | { kind: 'AT'; attr: number; next: number }
  | { kind: 'SE'; leaf: number; next: Target }
  | { kind: 'SE*'; next: number }
  | { kind: 'EE' }
  | { kind: 'CH'; next: number }
  | { kind: 'CH*'; next: number };

export interface GState {
  events: GEvent[];
  /** ceil(log2(events + 1)): the extra code point escapes to second-level events (strict = false). */
  bits: number;
  label: string;
}

export interface CType {
  id: string;
  tsName: string;
  /** Name in error contexts: the type's local name (or the element's, for anonymous types). */
  grammarName: string;
  abstract: boolean;
  attrs: Attr[];
  leaves: Leaf[];
  simpleContent: SimpleType | undefined;
  mixed: boolean;
  states: GState[];
  /** For leaf i: state ids under / loop / done (-1 when the leaf has no such state). */
  leafStates: { under: number; loop: number; done: number }[];
  /** Content model with leaf indexes, for the random document generator and JSON. */
  model: MParticle | undefined;
}

export interface RootElement {
  name: string;
  key: QKey;
  value: ValueType;
}

export interface Grammar {
  roots: RootElement[];
  docBits: number;
  complexTypes: CType[];
  simpleTypes: SimpleType[];
}

export function bitsFor(n: number): number {
  let b = 0;
  while (1 << b < n) b++;
  return b;
}

export function compareKeys(a: QKey, b: QKey): number {
  // EXI sorts qualified names by local name first, then by namespace URI (§8.5.4.1.6).
  const x = splitKey(a);
  const y = splitKey(b);
  if (x.local !== y.local) return x.local < y.local ? -1 : 1;
  if (x.ns !== y.ns) return x.ns < y.ns ? -1 : 1;
  return 0;
}

/** Name registry: TS names of the generated types are unique within one grammar module. */
export function uniqueTsName(used: Set<string>, base: string): string {
  let n = base;
  let i = 2;
  while (used.has(n)) n = `${base}_${i++}`;
  used.add(n);
  return n;
}
