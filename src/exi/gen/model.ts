// Schema components → EXI schema-informed grammars (EXI 1.0 §8.5.4), as V2G uses them:
// strict = false (every state keeps one extra code point for the second-level events),
// no fidelity options, value partition capacity 0.
//
// A complex type becomes a small automaton. Its content particle is turned into
// positions (one per element leaf, Glushkov construction); a leaf with
// maxOccurs > 1 or minOccurs > 1 keeps a counter instead of being unrolled into
// copies (§8.5.4.1.4 unrolls bounded particles; the counter yields the same states:
// "fewer than min", "between min and max", "max reached").
import { XS, qkey, splitKey, type ComplexTypeDef, type ElementParticle, type GlobalElement, type Particle, type QKey, type SchemaSet, type SimpleTypeDef } from './xsd.js';

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

const INT_BUILTINS: Record<string, [bigint | undefined, bigint | undefined]> = {
  integer: [undefined, undefined],
  nonNegativeInteger: [0n, undefined],
  positiveInteger: [1n, undefined],
  nonPositiveInteger: [undefined, 0n],
  negativeInteger: [undefined, -1n],
  long: [-(2n ** 63n), 2n ** 63n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  short: [-32768n, 32767n],
  byte: [-128n, 127n],
  unsignedLong: [0n, 2n ** 64n - 1n],
  unsignedInt: [0n, 2n ** 32n - 1n],
  unsignedShort: [0n, 65535n],
  unsignedByte: [0n, 255n],
};
const STRING_BUILTINS = new Set(['string', 'anyURI', 'ID', 'IDREF', 'NCName', 'token', 'normalizedString', 'Name', 'language', 'NMTOKEN']);
const TWO53 = 2n ** 53n;

function compareKeys(a: QKey, b: QKey): number {
  // EXI sorts qualified names by local name first, then by namespace URI (§8.5.4.1.6).
  const x = splitKey(a);
  const y = splitKey(b);
  if (x.local !== y.local) return x.local < y.local ? -1 : 1;
  if (x.ns !== y.ns) return x.ns < y.ns ? -1 : 1;
  return 0;
}

export function buildGrammar(set: SchemaSet): Grammar {
  const simpleCache = new Map<SimpleTypeDef | string, SimpleType>();
  const simpleList: SimpleType[] = [];
  const complexCache = new Map<ComplexTypeDef, CType>();
  const complexList: CType[] = [];
  const usedTsNames = new Set<string>();

  function uniqueTsName(base: string): string {
    let n = base;
    let i = 2;
    while (usedTsNames.has(n)) n = `${base}_${i++}`;
    usedTsNames.add(n);
    return n;
  }

  // ---- simple types
  function simpleByKey(k: QKey): SimpleType {
    const { ns, local } = splitKey(k);
    if (ns === XS) return builtin(local);
    const def = set.simpleTypes.get(k);
    if (!def) throw new Error(`unknown simple type ${k}`);
    return simple(def);
  }

  function builtin(local: string): SimpleType {
    const key = `xs:${local}`;
    const c = simpleCache.get(key);
    if (c) return c;
    const st: SimpleType = { tsName: undefined, id: key, rep: repOf(local, { enumeration: [] }) };
    simpleCache.set(key, st);
    return st;
  }

  function repOf(base: string, f: { enumeration: string[]; minInclusive?: bigint; maxInclusive?: bigint; minLength?: number; maxLength?: number; length?: number }): SimpleRep {
    if (f.enumeration.length > 0) {
      if (!STRING_BUILTINS.has(base)) throw new Error(`enumeration over xs:${base} not supported`);
      return { k: 'enum', values: f.enumeration, bits: bitsFor(f.enumeration.length) };
    }
    if (base === 'boolean') return { k: 'bool' };
    if (STRING_BUILTINS.has(base) || base === 'hexBinary' || base === 'base64Binary') {
      const minLen = f.length ?? f.minLength ?? 0;
      const maxLen = f.length ?? f.maxLength ?? Number.MAX_SAFE_INTEGER;
      return STRING_BUILTINS.has(base) ? { k: 'string', minLen, maxLen } : { k: 'binary', minLen, maxLen };
    }
    const b = INT_BUILTINS[base];
    if (!b) throw new Error(`built-in type xs:${base} not supported`);
    let [min, max] = b;
    if (f.minInclusive !== undefined && (min === undefined || f.minInclusive > min)) min = f.minInclusive;
    if (f.maxInclusive !== undefined && (max === undefined || f.maxInclusive < max)) max = f.maxInclusive;
    // EXI 7.1.9 / 7.1.5: a bounded range of at most 4096 values is an n-bit offset.
    if (min !== undefined && max !== undefined && max - min + 1n <= 4096n) {
      return { k: 'nbit', min: Number(min), max: Number(max), bits: bitsFor(Number(max - min + 1n)) };
    }
    const big = min === undefined || max === undefined || min < -TWO53 || max > TWO53;
    return { k: 'int', unsigned: min !== undefined && min >= 0n, big, min, max };
  }

  function simple(def: SimpleTypeDef): SimpleType {
    const c = simpleCache.get(def);
    if (c) return c;
    // Collect facets along the restriction chain; the most derived one wins.
    const facets: { enumeration: string[]; minInclusive?: bigint; maxInclusive?: bigint; minLength?: number; maxLength?: number; length?: number } = { enumeration: [] };
    let d: SimpleTypeDef | undefined = def;
    let base: string | undefined;
    while (d) {
      const f = d.facets;
      if (facets.enumeration.length === 0 && f.enumeration.length > 0) facets.enumeration = f.enumeration;
      facets.minInclusive ??= f.minInclusive;
      facets.maxInclusive ??= f.maxInclusive;
      facets.minLength ??= f.minLength;
      facets.maxLength ??= f.maxLength;
      facets.length ??= f.length;
      if (d.inlineBase) {
        d = d.inlineBase;
        continue;
      }
      if (!d.base) throw new Error(`simple type without base in ${d.file}`);
      const { ns, local } = splitKey(d.base);
      if (ns === XS) {
        base = local;
        d = undefined;
      } else {
        d = set.simpleTypes.get(d.base);
        if (!d) throw new Error(`unknown simple type ${local}`);
      }
    }
    const rep = repOf(base as string, facets);
    const local = def.name ? splitKey(def.name).local : undefined;
    const st: SimpleType = { tsName: local && rep.k === 'enum' ? uniqueTsName(local) : undefined, id: local ?? 'anonymous', rep };
    simpleCache.set(def, st);
    simpleList.push(st);
    return st;
  }

  // ---- substitution groups
  const members = new Map<QKey, QKey[]>();
  for (const el of set.elements.values()) {
    if (el.substitutionGroup) {
      const l = members.get(el.substitutionGroup) ?? [];
      l.push(el.name);
      members.set(el.substitutionGroup, l);
    }
  }
  function substitutionClosure(head: QKey): QKey[] {
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

  function globalElement(k: QKey): GlobalElement {
    const el = set.elements.get(k);
    if (!el) throw new Error(`unknown global element ${k}`);
    return el;
  }

  function valueOf(type: QKey | undefined, inline: ComplexTypeDef | SimpleTypeDef | undefined, elName: string): ValueType {
    if (inline) return inline.kind === 'complex' ? { kind: 'complex', type: complex(inline, elName) } : { kind: 'simple', type: simple(inline) };
    if (!type) throw new Error(`element ${elName} has no type (anyType is not supported)`);
    const ct = set.complexTypes.get(type);
    if (ct) return { kind: 'complex', type: complex(ct, elName) };
    return { kind: 'simple', type: simpleByKey(type) };
  }

  // ---- complex types
  function complex(def: ComplexTypeDef, anonymousName: string): CType {
    const c = complexCache.get(def);
    if (c) return c;
    const local = def.name ? splitKey(def.name).local : anonymousName;
    const ct: CType = {
      id: local,
      tsName: uniqueTsName(local),
      grammarName: local,
      abstract: def.abstract,
      attrs: [],
      leaves: [],
      simpleContent: undefined,
      mixed: def.mixed,
      states: [],
      leafStates: [],
      model: undefined,
    };
    complexCache.set(def, ct);
    complexList.push(ct);

    // Flatten the derivation chain: base attributes + content first (§3.4.2 of XSD 1.0).
    const attrDefs: { name: QKey; type: SimpleType; required: boolean }[] = [];
    const parts: Particle[] = [];
    let simpleContent: SimpleType | undefined;
    const chain: ComplexTypeDef[] = [];
    // Restriction replaces the base content but keeps its attributes: such bases contribute attributes only.
    const attributesOnly = new Set<ComplexTypeDef>();
    let d: ComplexTypeDef | undefined = def;
    while (d) {
      chain.unshift(d);
      if (d.derivation === 'none' || !d.base) break;
      const bk: QKey = d.base;
      const b = set.complexTypes.get(bk);
      if (!b) {
        if (!d.simpleContent) throw new Error(`complex type ${local}: unknown base ${bk}`);
        simpleContent = simpleByKey(bk);
        break;
      }
      if (d.derivation === 'restriction') {
        // Restriction replaces the content; attributes are inherited.
        chain.unshift(b);
        attributesOnly.add(b);
        break;
      }
      d = b;
    }
    for (const x of chain) {
      for (const a of x.attributes) {
        const t = a.inlineType ? simple(a.inlineType) : simpleByKey(a.type ?? qkey(XS, 'string'));
        const i = attrDefs.findIndex((y) => y.name === a.name);
        if (i >= 0) attrDefs.splice(i, 1);
        attrDefs.push({ name: a.name, type: t, required: a.required });
      }
      if (x.content && !attributesOnly.has(x)) parts.push(x.content);
    }
    ct.simpleContent = simpleContent;
    attrDefs.sort((a, b) => compareKeys(a.name, b.name));
    ct.attrs = attrDefs.map((a) => ({ name: splitKey(a.name).local, type: a.type, required: a.required }));
    const root: Particle | undefined =
      parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { kind: 'sequence', min: 1, max: 1, items: parts };
    deriveStates(ct, root);
    return ct;
  }

  // ---- Glushkov positions and the EXI states
  function deriveStates(ct: CType, root: Particle | undefined): void {
    const leaves: Leaf[] = [];
    interface Info {
      nullable: boolean;
      first: number[];
      last: number[];
    }
    const follow: Set<number>[] = [];
    const inRepeatedGroup: boolean[] = [];
    const inChoice: boolean[] = [];

    function addLeaf(l: Omit<Leaf, 'index'>, repeated: boolean, choice: boolean): number {
      const index = leaves.length;
      leaves.push({ ...l, index });
      follow.push(new Set());
      inRepeatedGroup.push(repeated);
      inChoice.push(choice);
      return index;
    }

    function walk(p: Particle, repeated: boolean, choice: boolean): { info: Info; model: MParticle } {
      if (p.kind === 'element') {
        if (p.ref) {
          const heads = substitutionClosure(p.name);
          if (heads.length > 1) {
            if (p.max > 1) throw new Error(`${ct.id}: repeated substitution group ${p.name}`);
            // §8.5.4.1.6: the particle accepts the head and every member, in qname order.
            const items: ElementParticle[] = heads.map((h) => {
              const g = globalElement(h);
              return { kind: 'element', name: h, ref: false, type: g.type, inlineType: g.inlineType, min: 1, max: 1 };
            });
            return walk({ kind: 'choice', min: p.min, max: 1, items }, repeated, choice);
          }
          const g = globalElement(p.name);
          return leafOf(p, g.type, g.inlineType, repeated, choice);
        }
        return leafOf(p, p.type, p.inlineType, repeated, choice);
      }
      if (p.kind === 'any') {
        const i = addLeaf({ kind: 'any', name: '*', key: '*', value: undefined, min: p.min, max: p.max, array: true, optional: true }, repeated, choice);
        return { info: { nullable: p.min === 0, first: [i], last: [i] }, model: { k: 'any', min: p.min, max: p.max } };
      }
      if (p.max > 1 && p.max !== Infinity) throw new Error(`${ct.id}: bounded repetition of a ${p.kind} group`);
      if (p.min > 1) throw new Error(`${ct.id}: minOccurs > 1 on a ${p.kind} group`);
      const rep = repeated || p.max > 1;
      const kids = p.items.map((it) => walk(it, rep, choice || p.kind === 'choice' || p.min === 0));
      const model: MParticle = { k: p.kind === 'sequence' ? 'seq' : 'choice', min: p.min, max: p.max, items: kids.map((k) => k.model) };
      let info: Info;
      if (p.kind === 'choice') {
        info = {
          nullable: kids.length === 0 || kids.some((k) => k.info.nullable),
          first: kids.flatMap((k) => k.info.first),
          last: kids.flatMap((k) => k.info.last),
        };
      } else {
        const first: number[] = [];
        for (const k of kids) {
          first.push(...k.info.first);
          if (!k.info.nullable) break;
        }
        const last: number[] = [];
        for (let i = kids.length - 1; i >= 0; i--) {
          const k = kids[i] as { info: Info };
          last.push(...k.info.last);
          if (!k.info.nullable) break;
        }
        for (let i = 0; i < kids.length; i++) {
          for (const x of (kids[i] as { info: Info }).info.last) {
            for (let j = i + 1; j < kids.length; j++) {
              const kj = kids[j] as { info: Info };
              for (const f of kj.info.first) follow[x]?.add(f);
              if (!kj.info.nullable) break;
            }
          }
        }
        info = { nullable: kids.every((k) => k.info.nullable), first, last };
      }
      if (p.max > 1) for (const x of info.last) for (const f of info.first) follow[x]?.add(f);
      if (p.min === 0) info.nullable = true;
      return { info, model };
    }

    function leafOf(p: ElementParticle, type: QKey | undefined, inline: ComplexTypeDef | SimpleTypeDef | undefined, repeated: boolean, choice: boolean) {
      const { local } = splitKey(p.name);
      const i = addLeaf(
        { kind: 'element', name: local, key: p.name, value: undefined, min: p.min, max: p.max, array: p.max > 1 || repeated, optional: choice || p.min === 0 },
        repeated,
        choice,
      );
      (leaves[i] as Leaf).value = valueOf(type, inline, local);
      return { info: { nullable: p.min === 0, first: [i], last: [i] }, model: { k: 'el', leaf: i, min: p.min, max: p.max } as MParticle };
    }

    const top = root ? walk(root, false, false) : undefined;
    ct.leaves = leaves;
    ct.model = top?.model;
    const names = new Map<string, number>();
    for (const l of leaves) {
      if (l.kind !== 'element') continue;
      const prev = names.get(l.name);
      if (prev !== undefined && leaves[prev]?.key !== l.key) throw new Error(`${ct.id}: two different elements named ${l.name}`);
      if (prev !== undefined) {
        // The same element in two branches (xmldsig PGPData): one property, two positions.
        l.sharedWith = prev;
        (leaves[prev] as Leaf).sharedLater = true;
        l.array ||= (leaves[prev] as Leaf).array;
        continue;
      }
      names.set(l.name, l.index);
    }
    const lastSet = new Set(top?.info.last ?? []);
    const startNullable = top ? top.info.nullable : true;
    const startFirst = top?.info.first ?? [];

    // Build states lazily, keyed by a description, in a deterministic order.
    const states: GState[] = [];
    const stateIds = new Map<string, number>();
    const pending: { key: string; build: () => GState }[] = [];
    function stateId(key: string, build: () => GState): number {
      const s = stateIds.get(key);
      if (s !== undefined) return s;
      const id = states.length;
      stateIds.set(key, id);
      states.push({ events: [], bits: 0, label: key });
      pending.push({ key, build });
      return id;
    }
    ct.leafStates = leaves.map(() => ({ under: -1, loop: -1, done: -1 }));

    function seEvents(positions: Iterable<number>): GEvent[] {
      const ps = [...new Set(positions)].sort((a, b) => a - b);
      const out: GEvent[] = [];
      let wildcard = false;
      for (const p of ps) {
        const l = leaves[p] as Leaf;
        if (l.kind === 'any') wildcard = true;
        else out.push({ kind: 'SE', leaf: p, next: { kind: 'leaf', leaf: p } });
      }
      const seen = new Set<string>();
      for (const e of out) {
        const k = (leaves[(e as { leaf: number }).leaf] as Leaf).key;
        if (seen.has(k)) throw new Error(`${ct.id}: ambiguous content model (two ${k} in one state)`);
        seen.add(k);
      }
      // SE(qname) in schema order, then the wildcard SE(*) (§8.5.4.4.2 event code assignment).
      if (wildcard) out.push({ kind: 'SE*', next: -2 });
      return out;
    }

    function finishContentEvents(evs: GEvent[], canEnd: boolean, self: () => number): GEvent[] {
      for (const e of evs) if (e.kind === 'SE*') e.next = self();
      if (canEnd) evs.push({ kind: 'EE' });
      if (ct.mixed) evs.push({ kind: 'CH*', next: self() });
      return evs;
    }

    function contentStart(key: string): GEvent[] {
      if (ct.simpleContent) {
        const after = stateId('simple:afterCH', () => ({ events: [{ kind: 'EE' }], bits: 0, label: '' }));
        return [{ kind: 'CH', next: after }];
      }
      return finishContentEvents(seEvents(startFirst), startNullable, () => stateIds.get(key) as number);
    }

    // Leaf states.
    for (const l of leaves) {
      const ls = ct.leafStates[l.index] as { under: number; loop: number; done: number };
      const i = l.index;
      const outFollow = [...(follow[i] ?? [])];
      const canEnd = lastSet.has(i);
      if (l.min >= 2) {
        const key = `${l.name}:under`;
        ls.under = stateId(key, () => ({ events: finishContentEvents(seEvents([i]), false, () => ls.under), bits: 0, label: key }));
      }
      if (l.max > 1) {
        const key = `${l.name}:loop`;
        ls.loop = stateId(key, () => ({ events: finishContentEvents(seEvents([i, ...outFollow]), canEnd, () => ls.loop), bits: 0, label: key }));
      }
      if (l.max !== Infinity) {
        const key = `${l.name}:done`;
        ls.done = stateId(key, () => ({ events: finishContentEvents(seEvents(outFollow), canEnd, () => ls.done), bits: 0, label: key }));
      }
    }

    // Attribute states come first: state 0 is the start of the type grammar.
    const nA = ct.attrs.length;
    const attrStateIds: number[] = [];
    for (let i = 0; i <= nA; i++) attrStateIds.push(-1);
    function attrState(i: number): number {
      if (attrStateIds[i] !== -1) return attrStateIds[i] as number;
      const key = `attr:${i}`;
      const id = stateId(key, () => {
        const evs: GEvent[] = [];
        let j = i;
        for (; j < nA; j++) {
          evs.push({ kind: 'AT', attr: j, next: attrState(j + 1) });
          if ((ct.attrs[j] as Attr).required) break;
        }
        if (j >= nA) evs.push(...contentStart(key));
        return { events: evs, bits: 0, label: i < nA ? `before @${(ct.attrs[i] as Attr).name}` : 'content start' };
      });
      attrStateIds[i] = id;
      return id;
    }
    const s0 = attrState(0);
    while (pending.length) {
      const p = pending.shift() as { key: string; build: () => GState };
      const id = stateIds.get(p.key) as number;
      const st = p.build();
      st.bits = bitsFor(st.events.length + 1);
      st.label = p.key;
      states[id] = st;
    }
    // Renumber so that the start state is 0 and only reachable states remain (BFS order).
    const order: number[] = [];
    const seen = new Set<number>([s0]);
    const q = [s0];
    while (q.length) {
      const s = q.shift() as number;
      order.push(s);
      for (const e of (states[s] as GState).events) {
        const targets: number[] = [];
        if (e.kind === 'SE') {
          const ls = ct.leafStates[e.leaf] as { under: number; loop: number; done: number };
          targets.push(ls.under, ls.loop, ls.done);
        } else if (e.kind !== 'EE') targets.push(e.next);
        for (const t of targets) {
          if (t >= 0 && !seen.has(t)) {
            seen.add(t);
            q.push(t);
          }
        }
      }
    }
    const remap = new Map<number, number>();
    order.forEach((s, i) => remap.set(s, i));
    const m = (s: number) => (s < 0 ? -1 : (remap.get(s) ?? -1));
    ct.states = order.map((s) => {
      const st = states[s] as GState;
      return {
        ...st,
        events: st.events.map((e): GEvent => (e.kind === 'SE' || e.kind === 'EE' ? e : { ...e, next: m(e.next) })),
      };
    });
    ct.leafStates = ct.leafStates.map((ls) => ({ under: m(ls.under), loop: m(ls.loop), done: m(ls.done) }));
  }

  const sortedGlobals = [...set.elements.keys()].sort(compareKeys);
  const roots: RootElement[] = sortedGlobals.map((k) => {
    const g = globalElement(k);
    const local = splitKey(k).local;
    return { name: local, key: k, value: valueOf(g.type, g.inlineType, local) };
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
    complexTypes: complexList,
    simpleTypes: simpleList,
  };
}
