// Simple types → their EXI value representation (EXI 1.0 §7.1): enumerations as an n-bit
// index, bounded integer ranges of at most 4096 values as an n-bit offset, other integers
// as (unsigned) integers, strings and binaries with their length facets.
import { XS, splitKey, type Facets, type QKey, type SchemaSet, type SimpleTypeDef } from './xsd.js';
import { bitsFor, uniqueTsName, type SimpleRep, type SimpleType } from './grammar.js';

/** What the simple-type derivation shares across one grammar: the schemas, a cache, the TS names. */
export interface SimpleContext {
  set: SchemaSet;
  /** Keyed by definition, or by `xs:<local>` for built-in types. */
  simpleCache: Map<SimpleTypeDef | string, SimpleType>;
  /** Named and anonymous user-defined simple types, in first-use order. */
  simpleList: SimpleType[];
  usedTsNames: Set<string>;
}

export function newSimpleContext(set: SchemaSet, usedTsNames = new Set<string>()): SimpleContext {
  return { set, simpleCache: new Map(), simpleList: [], usedTsNames };
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

/** The representation of built-in type `xs:<base>` restricted by `f`. */
export function simpleRep(base: string, f: Facets): SimpleRep {
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

/** The simple type named `k`: a built-in (`xs:`) or a global simple type of the schema set. */
export function simpleByKey(ctx: SimpleContext, k: QKey): SimpleType {
  const { ns, local } = splitKey(k);
  if (ns === XS) return builtinType(ctx, local);
  const def = ctx.set.simpleTypes.get(k);
  if (!def) throw new Error(`unknown simple type ${k}`);
  return simpleType(ctx, def);
}

export function builtinType(ctx: SimpleContext, local: string): SimpleType {
  const key = `xs:${local}`;
  const c = ctx.simpleCache.get(key);
  if (c) return c;
  const st: SimpleType = { tsName: undefined, id: key, rep: simpleRep(local, { enumeration: [] }) };
  ctx.simpleCache.set(key, st);
  return st;
}

/** Facets collected along the restriction chain (the most derived one wins) and the built-in base. */
export function restrictionChain(set: SchemaSet, def: SimpleTypeDef): { base: string; facets: Facets } {
  const facets: Facets = { enumeration: [] };
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
  return { base: base as string, facets };
}

/** A user-defined simple type; named enumerations get a TS name (they are exported as unions). */
export function simpleType(ctx: SimpleContext, def: SimpleTypeDef): SimpleType {
  const c = ctx.simpleCache.get(def);
  if (c) return c;
  const { base, facets } = restrictionChain(ctx.set, def);
  const rep = simpleRep(base, facets);
  const local = def.name ? splitKey(def.name).local : undefined;
  const st: SimpleType = { tsName: local && rep.k === 'enum' ? uniqueTsName(ctx.usedTsNames, local) : undefined, id: local ?? 'anonymous', rep };
  ctx.simpleCache.set(def, st);
  ctx.simpleList.push(st);
  return st;
}
