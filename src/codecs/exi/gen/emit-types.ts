// The declarations of a generated module: enumeration tables and the document types
// (one interface per complex type, with the schema limits as comments).
import type { CType, Grammar, SimpleRep, SimpleType } from './grammar.js';
import { ENUM_SWITCH_MAX, enumTable, facetComment, lit, tsOfSimple, tsOfValue } from './emit-values.js';

/**
 * The enumerations the grammar uses, in first-use order (attributes, leaves, simple content
 * of each type, then the roots). Anonymous ones get a synthetic id (`anonEnum<n>`).
 */
export function collectEnums(g: Grammar): SimpleType[] {
  const enums: SimpleType[] = [];
  const seen = new Set<SimpleType>();
  const note = (t: SimpleType): void => {
    if (t.rep.k === 'enum' && !seen.has(t)) {
      seen.add(t);
      enums.push(t);
    }
  };
  for (const ct of g.complexTypes) {
    for (const a of ct.attrs) note(a.type);
    for (const l of ct.leaves) if (l.value?.kind === 'simple') note(l.value.type);
    if (ct.simpleContent) note(ct.simpleContent);
  }
  for (const r of g.roots) if (r.value.kind === 'simple') note(r.value.type);
  let anonEnum = 0;
  for (const t of enums) if (!t.tsName) t.id = `anonEnum${anonEnum++}`;
  return enums;
}

export function emitEnums(out: string[], enums: readonly SimpleType[]): void {
  out.push('// ---- enumerations (EXI: n-bit index in declaration order)');
  for (const t of enums) {
    const r = t.rep as Extract<SimpleRep, { k: 'enum' }>;
    if (t.tsName) out.push(`export type ${t.tsName} = ${r.values.map((v) => JSON.stringify(v)).join(' | ')};`);
    out.push(`const ${enumTable(t)}: readonly string[] = ${lit(r.values)};`);
    if (r.values.length <= ENUM_SWITCH_MAX) {
      // A few values: a switch on the string beats a Map lookup (encoder side).
      const cases = r.values.map((v, i) => `case ${JSON.stringify(v)}: return ${i};`).join(' ');
      out.push(`function ${enumTable(t)}_i(v: unknown): number { switch (v) { ${cases} default: return -1; } }`);
    } else out.push(`const ${enumTable(t)}_I: ReadonlyMap<unknown, number> = new Map(${lit(r.values)}.map((v, i) => [v, i]));`);
  }
  out.push('');
}

export function emitInterface(out: string[], ct: CType): void {
  out.push(`export interface ${ct.tsName} {`);
  for (const a of ct.attrs) {
    const c = facetComment(a.type, 'attribute');
    if (c) out.push(`  /** ${c} */`);
    out.push(`  ${a.name}${a.required ? '' : '?'}: ${tsOfSimple(a.type)};`);
  }
  if (ct.simpleContent) {
    const c = facetComment(ct.simpleContent, 'element value (simple content)');
    if (c) out.push(`  /** ${c} */`);
    out.push(`  $value: ${tsOfSimple(ct.simpleContent)};`);
  }
  for (const l of ct.leaves) {
    if (l.kind !== 'element' || l.sharedWith !== undefined || !l.value) continue;
    const t = tsOfValue(l.value);
    const opt = l.optional || l.min === 0 || l.sharedLater === true;
    // Document the schema limits the codec enforces, so dialect code can see them.
    const notes: string[] = [];
    if (l.value.kind === 'simple') {
      const c = facetComment(l.value.type, '');
      if (c) notes.push(c);
    }
    if (l.array) notes.push(`${l.min}..${l.max === Infinity ? 'unbounded' : l.max} items`);
    if (notes.length) out.push(`  /** ${notes.join('; ')} */`);
    out.push(`  ${l.name}${opt ? '?' : ''}: ${l.array ? `${t.includes('|') ? `(${t})` : t}[]` : t};`);
  }
  out.push('}');
}

export function emitTypes(out: string[], g: Grammar): void {
  out.push('// ---- document types');
  for (const ct of g.complexTypes) emitInterface(out, ct);
  out.push('');
  out.push('/** An EXI document: exactly one property, the root element. */');
  out.push('export interface Document {');
  for (const r of g.roots) out.push(`  ${r.name}?: ${tsOfValue(r.value)};`);
  out.push('}');
  out.push('');
}
