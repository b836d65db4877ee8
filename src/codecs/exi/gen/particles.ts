// Content particle → positions (Glushkov construction): one position per element leaf,
// with first/last/follow sets. A leaf with maxOccurs > 1 or minOccurs > 1 keeps a counter
// instead of being unrolled into copies (see states.ts). Substitution groups become a
// choice of the head and its members in qname order (EXI 1.0 §8.5.4.1.6).
import { compareKeys, type Leaf, type MParticle, type ValueType } from './grammar.js';
import type { ComplexTypeDef, ElementParticle, GlobalElement, Particle, QKey, SchemaSet, SimpleTypeDef } from './xsd.js';
import { splitKey } from './xsd.js';

/** Resolves the value type of an element (builds complex types on first use). */
export type ValueResolver = (type: QKey | undefined, inline: ComplexTypeDef | SimpleTypeDef | undefined, elName: string) => ValueType;

export interface PositionInfo {
  nullable: boolean;
  first: number[];
  last: number[];
}

/** The positions of one complex type's content, filled by walkParticle. */
export interface Positions {
  /** Owner type id, for messages. */
  owner: string;
  set: SchemaSet;
  /** Substitution group head → direct members. */
  members: ReadonlyMap<QKey, QKey[]>;
  resolve: ValueResolver;
  leaves: Leaf[];
  follow: Set<number>[];
}

export interface Walked {
  info: PositionInfo;
  model: MParticle;
}

export function newPositions(owner: string, set: SchemaSet, members: ReadonlyMap<QKey, QKey[]>, resolve: ValueResolver): Positions {
  return { owner, set, members, resolve, leaves: [], follow: [] };
}

/** Substitution group head → its direct members, from the global elements. */
export function substitutionMembers(set: SchemaSet): Map<QKey, QKey[]> {
  const members = new Map<QKey, QKey[]>();
  for (const el of set.elements.values()) {
    if (el.substitutionGroup) {
      const l = members.get(el.substitutionGroup) ?? [];
      l.push(el.name);
      members.set(el.substitutionGroup, l);
    }
  }
  return members;
}

/** The head and every direct or indirect member, sorted as EXI sorts qnames. */
export function substitutionClosure(members: ReadonlyMap<QKey, QKey[]>, head: QKey): QKey[] {
  const out = new Set<QKey>([head]);
  const stack = [head];
  while (stack.length) {
    for (const m of members.get(stack.pop() as QKey) ?? []) {
      if (!out.has(m)) {
        out.add(m);
        stack.push(m);
      }
    }
  }
  return [...out].sort(compareKeys);
}

export function globalElement(set: SchemaSet, k: QKey): GlobalElement {
  const el = set.elements.get(k);
  if (!el) throw new Error(`unknown global element ${k}`);
  return el;
}

function addLeaf(ps: Positions, l: Omit<Leaf, 'index'>): number {
  const index = ps.leaves.length;
  ps.leaves.push({ ...l, index });
  ps.follow.push(new Set());
  return index;
}

/**
 * Positions of particle `p`. `repeated`: inside a group with maxOccurs > 1 (its leaves are
 * arrays); `choice`: inside a choice or optional group (its leaves are optional properties).
 */
export function walkParticle(ps: Positions, p: Particle, repeated: boolean, choice: boolean): Walked {
  if (p.kind === 'element') return walkElement(ps, p, repeated, choice);
  if (p.kind === 'any') {
    const i = addLeaf(ps, { kind: 'any', name: '*', key: '*', value: undefined, min: p.min, max: p.max, array: true, optional: true });
    return { info: { nullable: p.min === 0, first: [i], last: [i] }, model: { k: 'any', min: p.min, max: p.max } };
  }
  if (p.max > 1 && p.max !== Infinity) throw new Error(`${ps.owner}: bounded repetition of a ${p.kind} group`);
  if (p.min > 1) throw new Error(`${ps.owner}: minOccurs > 1 on a ${p.kind} group`);
  const rep = repeated || p.max > 1;
  const kids = p.items.map((it) => walkParticle(ps, it, rep, choice || p.kind === 'choice' || p.min === 0));
  const model: MParticle = { k: p.kind === 'sequence' ? 'seq' : 'choice', min: p.min, max: p.max, items: kids.map((k) => k.model) };
  const kidInfo = kids.map((k) => k.info);
  const info = p.kind === 'choice' ? choiceInfo(kidInfo) : sequenceInfo(kidInfo, ps.follow);
  if (p.max > 1) for (const x of info.last) for (const f of info.first) ps.follow[x]?.add(f);
  if (p.min === 0) info.nullable = true;
  return { info, model };
}

function walkElement(ps: Positions, p: ElementParticle, repeated: boolean, choice: boolean): Walked {
  if (!p.ref) return elementLeaf(ps, p, p.type, p.inlineType, repeated, choice);
  const heads = substitutionClosure(ps.members, p.name);
  if (heads.length > 1) {
    if (p.max > 1) throw new Error(`${ps.owner}: repeated substitution group ${p.name}`);
    // §8.5.4.1.6: the particle accepts the head and every member, in qname order.
    const items: ElementParticle[] = heads.map((h) => {
      const g = globalElement(ps.set, h);
      return { kind: 'element', name: h, ref: false, type: g.type, inlineType: g.inlineType, min: 1, max: 1 };
    });
    return walkParticle(ps, { kind: 'choice', min: p.min, max: 1, items }, repeated, choice);
  }
  const g = globalElement(ps.set, p.name);
  return elementLeaf(ps, p, g.type, g.inlineType, repeated, choice);
}

function elementLeaf(
  ps: Positions,
  p: ElementParticle,
  type: QKey | undefined,
  inline: ComplexTypeDef | SimpleTypeDef | undefined,
  repeated: boolean,
  choice: boolean,
): Walked {
  const { local } = splitKey(p.name);
  const i = addLeaf(ps, { kind: 'element', name: local, key: p.name, value: undefined, min: p.min, max: p.max, array: p.max > 1 || repeated, optional: choice || p.min === 0 });
  // The position exists before its type is resolved: a recursive type sees its own leaves in order.
  (ps.leaves[i] as Leaf).value = ps.resolve(type, inline, local);
  return { info: { nullable: p.min === 0, first: [i], last: [i] }, model: { k: 'el', leaf: i, min: p.min, max: p.max } };
}

/** A choice: nullable if a branch is; first and last are the union of the branches'. */
export function choiceInfo(kids: readonly PositionInfo[]): PositionInfo {
  return {
    nullable: kids.length === 0 || kids.some((k) => k.nullable),
    first: kids.flatMap((k) => k.first),
    last: kids.flatMap((k) => k.last),
  };
}

/** A sequence: first/last through nullable prefixes/suffixes; adds the follow edges between items. */
export function sequenceInfo(kids: readonly PositionInfo[], follow: Set<number>[]): PositionInfo {
  const first: number[] = [];
  for (const k of kids) {
    first.push(...k.first);
    if (!k.nullable) break;
  }
  const last: number[] = [];
  for (let i = kids.length - 1; i >= 0; i--) {
    const k = kids[i] as PositionInfo;
    last.push(...k.last);
    if (!k.nullable) break;
  }
  for (let i = 0; i < kids.length; i++) {
    for (const x of (kids[i] as PositionInfo).last) {
      for (let j = i + 1; j < kids.length; j++) {
        const kj = kids[j] as PositionInfo;
        for (const f of kj.first) follow[x]?.add(f);
        if (!kj.nullable) break;
      }
    }
  }
  return { nullable: kids.every((k) => k.nullable), first, last };
}

/**
 * The same element in two branches (xmldsig PGPData) is one property with two positions:
 * the later one points at the first. Two different elements with one local name are an error.
 */
export function sharePositions(owner: string, leaves: Leaf[]): void {
  const names = new Map<string, number>();
  for (const l of leaves) {
    if (l.kind !== 'element') continue;
    const prev = names.get(l.name);
    if (prev !== undefined && leaves[prev]?.key !== l.key) throw new Error(`${owner}: two different elements named ${l.name}`);
    if (prev !== undefined) {
      l.sharedWith = prev;
      (leaves[prev] as Leaf).sharedLater = true;
      l.array ||= (leaves[prev] as Leaf).array;
      continue;
    }
    names.set(l.name, l.index);
  }
}
