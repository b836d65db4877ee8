// Complex types → CType: the derivation chain flattened (base attributes and content
// first, XSD 1.0 §3.4.2), attributes sorted by qname, the content particle turned into
// positions (particles.ts) and the positions into grammar states (states.ts).
import { XS, qkey, splitKey, type ComplexTypeDef, type Particle, type QKey, type SimpleTypeDef } from './xsd.js';
import { compareKeys, uniqueTsName, type CType, type SimpleType, type ValueType } from './grammar.js';
import { newPositions, sharePositions, walkParticle } from './particles.js';
import { simpleByKey, simpleType, type SimpleContext } from './simple.js';
import { deriveStates } from './states.js';

/** What the complex-type derivation shares across one grammar. */
export interface GrammarContext extends SimpleContext {
  complexCache: Map<ComplexTypeDef, CType>;
  /** Complex types in first-use order (the order of the generated code). */
  complexList: CType[];
  /** Substitution group head → direct members. */
  members: ReadonlyMap<QKey, QKey[]>;
}

/** The value type of an element: its inline type, a named complex type, or a simple type. */
export function valueOf(ctx: GrammarContext, type: QKey | undefined, inline: ComplexTypeDef | SimpleTypeDef | undefined, elName: string): ValueType {
  if (inline) return inline.kind === 'complex' ? { kind: 'complex', type: complexType(ctx, inline, elName) } : { kind: 'simple', type: simpleType(ctx, inline) };
  if (!type) throw new Error(`element ${elName} has no type (anyType is not supported)`);
  const ct = ctx.set.complexTypes.get(type);
  if (ct) return { kind: 'complex', type: complexType(ctx, ct, elName) };
  return { kind: 'simple', type: simpleByKey(ctx, type) };
}

/** The grammar of a complex type (anonymous types take the element's name). */
export function complexType(ctx: GrammarContext, def: ComplexTypeDef, anonymousName: string): CType {
  const c = ctx.complexCache.get(def);
  if (c) return c;
  const local = def.name ? splitKey(def.name).local : anonymousName;
  const ct: CType = {
    id: local,
    tsName: uniqueTsName(ctx.usedTsNames, local),
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
  // Registered before its content is walked: a recursive reference finds it in the cache.
  ctx.complexCache.set(def, ct);
  ctx.complexList.push(ct);
  const flat = flattenDerivation(ctx, def, local);
  ct.simpleContent = flat.simpleContent;
  flat.attrs.sort((a, b) => compareKeys(a.name, b.name));
  ct.attrs = flat.attrs.map((a) => ({ name: splitKey(a.name).local, type: a.type, required: a.required }));
  const root: Particle | undefined =
    flat.parts.length === 0 ? undefined : flat.parts.length === 1 ? flat.parts[0] : { kind: 'sequence', min: 1, max: 1, items: flat.parts };
  contentOf(ctx, ct, root);
  return ct;
}

interface FlatType {
  attrs: { name: QKey; type: SimpleType; required: boolean }[];
  /** Content particles, base first. */
  parts: Particle[];
  simpleContent: SimpleType | undefined;
}

/** The derivation chain, most basic first: an extension adds to its base, a restriction replaces the content. */
export function derivationChain(ctx: GrammarContext, def: ComplexTypeDef, local: string): { chain: ComplexTypeDef[]; attributesOnly: Set<ComplexTypeDef>; simpleContent: SimpleType | undefined } {
  const chain: ComplexTypeDef[] = [];
  // Restriction replaces the base content but keeps its attributes: such bases contribute attributes only.
  const attributesOnly = new Set<ComplexTypeDef>();
  let simpleContent: SimpleType | undefined;
  let d: ComplexTypeDef | undefined = def;
  while (d) {
    chain.unshift(d);
    if (d.derivation === 'none' || !d.base) break;
    const bk: QKey = d.base;
    const b = ctx.set.complexTypes.get(bk);
    if (!b) {
      if (!d.simpleContent) throw new Error(`complex type ${local}: unknown base ${bk}`);
      simpleContent = simpleByKey(ctx, bk);
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
  return { chain, attributesOnly, simpleContent };
}

/** Attributes (a derived declaration replaces the base's) and content particles of the whole chain. */
function flattenDerivation(ctx: GrammarContext, def: ComplexTypeDef, local: string): FlatType {
  const { chain, attributesOnly, simpleContent } = derivationChain(ctx, def, local);
  const attrs: FlatType['attrs'] = [];
  const parts: Particle[] = [];
  for (const x of chain) {
    for (const a of x.attributes) {
      const t = a.inlineType ? simpleType(ctx, a.inlineType) : simpleByKey(ctx, a.type ?? qkey(XS, 'string'));
      const i = attrs.findIndex((y) => y.name === a.name);
      if (i >= 0) attrs.splice(i, 1);
      attrs.push({ name: a.name, type: t, required: a.required });
    }
    if (x.content && !attributesOnly.has(x)) parts.push(x.content);
  }
  return { attrs, parts, simpleContent };
}

/** Leaves, content model and grammar states of `ct` from its (flattened) content particle. */
function contentOf(ctx: GrammarContext, ct: CType, root: Particle | undefined): void {
  const ps = newPositions(ct.id, ctx.set, ctx.members, (type, inline, name) => valueOf(ctx, type, inline, name));
  const top = root ? walkParticle(ps, root, false, false) : undefined;
  ct.leaves = ps.leaves;
  ct.model = top?.model;
  sharePositions(ct.id, ps.leaves);
  deriveStates(ct, ps.follow, top?.info);
}
