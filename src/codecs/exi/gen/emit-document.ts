// The document grammar (DocContent: one code per global element, then SE(*)) and the
// schema model (META) shipped with each generated codec.
import type { MetaGrammar, MetaLeaf, MetaType, MetaValue } from '../runtime/meta.js';
import type { Grammar, ValueType } from './grammar.js';
import { lit, readSimple, writeSimple } from './emit-values.js';

export function emitDecodeDocument(out: string[], g: Grammar): void {
  out.push('// ---- document grammar: DocContent has one code per global element (sorted by local name, then namespace), then SE(*)');
  out.push(`export const ROOT_CODES: Readonly<Record<string, number>> = ${lit(Object.fromEntries(g.roots.map((r, i) => [r.name, i])))};`);
  out.push('export function decodeDocument(r: BitReader): Document {');
  out.push(`  const c = r.bits(${g.docBits});`);
  out.push('  switch (c) {');
  g.roots.forEach((root, i) => {
    out.push(`    case ${i}:`);
    if (root.value.kind === 'complex') out.push(`      return { ${root.name}: d_${root.value.type.tsName}(r) };`);
    else {
      out.push(`      {`);
      out.push(`        r.ch(${JSON.stringify(root.name)});`);
      out.push(`        const v = ${readSimple(root.value.type, root.name)};`);
      out.push(`        r.ee(${JSON.stringify(root.name)});`);
      out.push(`        return { ${root.name}: v } as Document;`);
      out.push(`      }`);
    }
  });
  out.push(`    case ${g.roots.length}:`);
  out.push(`      return r.unsupported('SE(*) root element', 'DocContent', 0);`);
  out.push('    default:');
  out.push(`      r.pos -= ${g.docBits};`);
  out.push(`      return r.fail('BAD_EVENT_CODE', \`event code \${c} undefined in DocContent\`, { grammar: 'DocContent', state: 0, eventCode: c });`);
  out.push('  }');
  out.push('}');
  out.push('');
}

export function emitEncodeDocument(out: string[], g: Grammar): void {
  out.push('const ROOT_INDEX: ReadonlyMap<string, number> = new Map(Object.entries(ROOT_CODES));');
  out.push('let lastRoot: string | undefined;');
  out.push('let lastRootIndex: number | undefined;');
  out.push('export function encodeDocument(w: BitWriter, doc: Document): void {');
  out.push('  let root: string | undefined;');
  // for-in over a plain object walks its enumeration cache; Object.keys() would allocate an
  // array per message. Only own properties count (a document is plain data).
  out.push('  for (const k in doc) {');
  out.push('    if (!Object.prototype.hasOwnProperty.call(doc, k) || (doc as any)[k] === undefined) continue;');
  out.push("    if (root !== undefined) throw new ExiFault('AMBIGUOUS_ROOT', `document has two root elements: ${root} and ${k}`, undefined, { field: k }, [k]);");
  out.push('    root = k;');
  out.push('  }');
  out.push('  const v: any = root === undefined ? undefined : (doc as any)[root];');
  // A switch over the root names compares them one by one (V2G_Message is the 78th of DIN's
  // 81): one Map lookup, then a switch on the code.
  // A session encodes the same root again and again: remember the last lookup.
  out.push('  if (root !== lastRoot) {');
  out.push('    lastRoot = root;');
  out.push('    lastRootIndex = root === undefined ? undefined : ROOT_INDEX.get(root);');
  out.push('  }');
  out.push('  switch (lastRootIndex) {');
  g.roots.forEach((r, i) => {
    out.push(`    case ${i}: // ${r.name}`);
    out.push(`      w.bits(${g.docBits}, ${i});`);
    if (r.value.kind === 'complex') {
      out.push(`      w.obj(v, ${JSON.stringify(r.name)});`);
      out.push(`      e_${r.value.type.tsName}(w, v, ${JSON.stringify(r.name)});`);
    } else {
      out.push('      w.bits(1, 0);');
      out.push(`      ${writeSimple(r.value.type, 'v', r.name)}`);
      out.push('      w.bits(1, 0);');
    }
    out.push('      return;');
  });
  out.push('    default:');
  out.push("      throw new ExiFault(root === undefined ? 'NO_ROOT' : 'UNKNOWN_ROOT', root === undefined ? 'document has no root element' : `${root} is not a global element of this schema`, undefined, { field: root ?? '' }, root === undefined ? [] : [root]);");
  out.push('  }');
  out.push('}');
  out.push('');
}

/** The schema model: types, occurrences, facets (for the JSON view and test generators). */
export function metaOf(g: Grammar): MetaGrammar {
  const metaValue = (v: ValueType | undefined): MetaValue | undefined => (v === undefined ? undefined : v.kind === 'complex' ? v.type.tsName : v.type.rep);
  const meta: MetaGrammar = { roots: {}, types: {} };
  for (const r of g.roots) meta.roots[r.name] = metaValue(r.value) as MetaValue;
  for (const ct of g.complexTypes) {
    const mt: MetaType = {
      attrs: ct.attrs.map((a) => ({ name: a.name, type: a.type.rep, required: a.required })),
      leaves: ct.leaves.map((l): MetaLeaf => ({ name: l.name, type: metaValue(l.value), min: l.min, max: l.max, array: l.array })),
      model: ct.model,
      simpleContent: ct.simpleContent?.rep,
      abstract: ct.abstract,
      mixed: ct.mixed,
    };
    meta.types[ct.tsName] = mt;
  }
  return meta;
}

export function emitMeta(out: string[], g: Grammar): void {
  const meta = metaOf(g);
  out.push('/** Schema model (types, occurrences, facets) for the JSON view and for test generators. */');
  out.push(`export const META: MetaGrammar = ${lit(meta)};`);
}
