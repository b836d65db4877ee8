// Values and small expressions of the generated code: TS literals and types, facet notes,
// the reader/writer calls of a simple value, the next state after an element occurrence.
import type { CType, Leaf, SimpleType, ValueType } from './grammar.js';

/** Enumerations of at most this many values are encoded through a generated switch, larger ones through a Map. */
export const ENUM_SWITCH_MAX = 12;

export function lit(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'Infinity';
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(lit).join(', ')}]`;
  const o = v as Record<string, unknown>;
  return `{ ${Object.keys(o)
    .map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${lit(o[k])}`)
    .join(', ')} }`;
}

export function tsOfSimple(t: SimpleType): string {
  const r = t.rep;
  switch (r.k) {
    case 'bool':
      return 'boolean';
    case 'enum':
      return t.tsName ?? r.values.map((v) => JSON.stringify(v)).join(' | ');
    case 'nbit':
      return 'number';
    case 'int':
      return r.big ? 'bigint' : 'number';
    case 'string':
      return 'string';
    case 'binary':
      return 'Uint8Array';
  }
}

export function tsOfValue(v: ValueType): string {
  return v.kind === 'complex' ? v.type.tsName : tsOfSimple(v.type);
}

/** Short note of the facets a value must satisfy (ranges, lengths), for the generated types. */
export function facetComment(t: SimpleType, what: string): string {
  const r = t.rep;
  const parts: string[] = what ? [what] : [];
  const len = (min: number, max: number, unit: string) =>
    max >= Number.MAX_SAFE_INTEGER ? (min > 0 ? `at least ${min} ${unit}` : '') : min === max ? `exactly ${min} ${unit}` : `${min}..${max} ${unit}`;
  switch (r.k) {
    case 'nbit':
      parts.push(`${r.min}..${r.max}`);
      break;
    case 'int':
      if (r.min !== undefined || r.max !== undefined) parts.push(`${r.min ?? '-inf'}..${r.max ?? 'inf'}`);
      break;
    case 'string': {
      const x = len(r.minLen, r.maxLen, 'characters');
      if (x) parts.push(x);
      break;
    }
    case 'binary': {
      const x = len(r.minLen, r.maxLen, 'bytes');
      if (x) parts.push(x);
      break;
    }
    default:
      break;
  }
  return parts.join(', ');
}

export function enumTable(t: SimpleType): string {
  return `EN_${t.tsName ?? t.id}`;
}

export function readSimple(t: SimpleType, ctx: string): string {
  const r = t.rep;
  const c = JSON.stringify(ctx);
  switch (r.k) {
    case 'bool':
      return 'r.bool()';
    case 'enum':
      return `${enumTable(t)}[r.enumIndex(${r.bits}, ${r.values.length}, ${c})]`;
    case 'nbit':
      return `r.nbit(${r.bits}, ${r.min}, ${r.max}, ${c})`;
    case 'int':
      if (r.big) return `r.rangeCheckBig(${r.unsigned ? 'r.uintBig()' : 'r.intBig()'}, ${lit(r.min)}, ${lit(r.max)}, ${c})`;
      if (r.unsigned && r.min === 0n && r.max !== undefined && r.max >= 2n ** 53n) return 'r.uint()';
      return `r.rangeCheck(${r.unsigned ? 'r.uint()' : 'r.int()'}, ${lit(Number(r.min))}, ${lit(Number(r.max))}, ${c})`;
    case 'string':
      return `r.string(${r.minLen}, ${r.maxLen}, ${c})`;
    case 'binary':
      return `r.binary(${r.minLen}, ${r.maxLen}, ${c})`;
  }
}

/**
 * CH, value, EE of a simple-typed element in one runtime call (fewer calls per field: the
 * large generated decoders exhaust V8's inlining budget), where the runtime has one.
 */
export function readSimpleElement(t: SimpleType, ctx: string): string | undefined {
  const r = t.rep;
  const c = JSON.stringify(ctx);
  switch (r.k) {
    case 'bool':
      return `r.chBool(${c})`;
    case 'enum':
      return `${enumTable(t)}[r.chEnum(${r.bits}, ${r.values.length}, ${c})]`;
    case 'nbit':
      return `r.chNbit(${r.bits}, ${r.min}, ${r.max}, ${c})`;
    case 'int':
      if (r.big || r.min === undefined || r.max === undefined) return undefined;
      if (r.unsigned && r.min === 0n && r.max >= 2n ** 53n) return `r.chUint(0, ${Number.MAX_SAFE_INTEGER}, ${c})`;
      return `r.${r.unsigned ? 'chUint' : 'chInt'}(${lit(Number(r.min))}, ${lit(Number(r.max))}, ${c})`;
    case 'string':
      return `r.chString(${r.minLen}, ${r.maxLen}, ${c})`;
    case 'binary':
      return `r.chBinary(${r.minLen}, ${r.maxLen}, ${c})`;
    default:
      return undefined;
  }
}

/**
 * SE of a state's only event, then CH, value, EE, in one runtime call (`seBool`, `seEnum`,
 * `seNbit`, `seInt`, `seUint`), where the runtime has one; `gn` is the grammar name literal.
 */
export function readSeSimpleElement(t: SimpleType, ctx: string, gn: string, state: number): string | undefined {
  const r = t.rep;
  const tail = `${gn}, ${state}, ${JSON.stringify(ctx)}`;
  switch (r.k) {
    case 'bool':
      return `r.seBool(${tail})`;
    case 'enum':
      return `${enumTable(t)}[r.seEnum(${r.bits}, ${r.values.length}, ${tail})]`;
    case 'nbit':
      return `r.seNbit(${r.bits}, ${r.min}, ${r.max}, ${tail})`;
    case 'int':
      if (r.big || r.min === undefined || r.max === undefined) return undefined;
      if (r.unsigned && r.min === 0n && r.max >= 2n ** 53n) return `r.seUint(0, ${Number.MAX_SAFE_INTEGER}, ${tail})`;
      return `r.${r.unsigned ? 'seUint' : 'seInt'}(${lit(Number(r.min))}, ${lit(Number(r.max))}, ${tail})`;
    case 'string':
      return `r.seString(${r.minLen}, ${r.maxLen}, ${tail})`;
    case 'binary':
      return `r.seBinary(${r.minLen}, ${r.maxLen}, ${tail})`;
    default:
      return undefined;
  }
}

export function writeSimple(t: SimpleType, x: string, field: string): string {
  const r = t.rep;
  const f = JSON.stringify(field);
  switch (r.k) {
    case 'bool':
      return `w.boolChecked(${x}, ${f});`;
    case 'enum':
      return r.values.length <= ENUM_SWITCH_MAX
        ? `w.enumIndexChecked(${enumTable(t)}_i(${x}), ${x}, ${r.bits}, ${f});`
        : `w.enumChecked(${x}, ${enumTable(t)}_I, ${r.bits}, ${f});`;
    case 'nbit':
      return `w.nbitChecked(${x}, ${r.bits}, ${r.min}, ${r.max}, ${f});`;
    case 'int':
      if (r.big) return `w.bigChecked(${x}, ${lit(r.min)}, ${lit(r.max)}, ${r.unsigned}, ${f});`;
      return `w.intChecked(${x}, ${lit(Number(r.min))}, ${lit(Number(r.max))}, ${r.unsigned}, ${f});`;
    case 'string':
      return `w.stringChecked(${x}, ${r.minLen}, ${r.maxLen}, ${f});`;
    case 'binary':
      return `w.binaryChecked(${x}, ${r.minLen}, ${r.maxLen}, ${f});`;
  }
}

/**
 * SE code and CH (`pre`, `preBits` bits: expressions), value and EE of a simple-typed
 * element in one writer call, where the writer has one and the prefix and value fit in 30
 * bits (`maxPreBits` bounds `preBits`); undefined otherwise.
 */
export function writeSeSimple(t: SimpleType, x: string, field: string, preBits: string, pre: string, maxPreBits: number): string | undefined {
  const r = t.rep;
  const f = JSON.stringify(field);
  switch (r.k) {
    case 'bool':
      return `w.seBool(${preBits}, ${pre}, ${x}, ${f});`;
    case 'enum':
      if (maxPreBits + r.bits + 1 > 30) return undefined;
      return r.values.length <= ENUM_SWITCH_MAX
        ? `w.seEnumIndex(${preBits}, ${pre}, ${enumTable(t)}_i(${x}), ${x}, ${r.bits}, ${f});`
        : `w.seEnum(${preBits}, ${pre}, ${x}, ${enumTable(t)}_I, ${r.bits}, ${f});`;
    case 'nbit':
      return maxPreBits + r.bits + 1 <= 30 ? `w.seNbit(${preBits}, ${pre}, ${x}, ${r.bits}, ${r.min}, ${r.max}, ${f});` : undefined;
    case 'int':
      if (r.big || maxPreBits + 9 > 30) return undefined;
      return `w.${r.unsigned ? 'seUint' : 'seInt'}(${preBits}, ${pre}, ${x}, ${lit(Number(r.min))}, ${lit(Number(r.max))}, ${f});`;
    default:
      return undefined;
  }
}

export function leafNext(ct: CType, l: Leaf, countExpr: string): string {
  const ls = ct.leafStates[l.index] as { under: number; loop: number; done: number };
  if (l.min <= 1 && l.max === 1) return String(ls.done);
  // The state after an occurrence depends on the count: below minOccurs, below maxOccurs, at maxOccurs.
  let expr = l.max === Infinity ? String(ls.loop) : l.max === 1 ? String(ls.done) : `${countExpr} < ${l.max} ? ${ls.loop} : ${ls.done}`;
  if (l.min >= 2) expr = `${countExpr} < ${l.min} ? ${ls.under} : ${expr}`;
  return `(${expr})`;
}

export function attrNext(ct: CType, i: number): number {
  for (const st of ct.states) for (const e of st.events) if (e.kind === 'AT' && e.attr === i) return e.next;
  return -1;
}
