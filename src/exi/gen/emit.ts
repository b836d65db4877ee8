// Grammar → TypeScript source. One file per grammar: interfaces, a decoder and an
// encoder per complex type (a switch over the grammar states, each state reading its
// exact event-code width), the document entry points and the schema model (META).
// Output is a pure function of the grammar, so regeneration is byte-identical.
import type { MetaGrammar, MetaLeaf, MetaType, MetaValue } from '../runtime/meta.js';
import type { CType, GEvent, Grammar, Leaf, SimpleRep, SimpleType, ValueType } from './model.js';

function lit(v: unknown): string {
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

function tsOfSimple(t: SimpleType): string {
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

function tsOfValue(v: ValueType): string {
  return v.kind === 'complex' ? v.type.tsName : tsOfSimple(v.type);
}

/** Short note of the facets a value must satisfy (ranges, lengths), for the generated types. */
function facetComment(t: SimpleType, what: string): string {
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

function enumTable(t: SimpleType): string {
  return `EN_${t.tsName ?? t.id}`;
}

export interface EmitOptions {
  /** Grammar id, e.g. 'din'. */
  id: string;
  banner: string;
}

export function emitGrammar(g: Grammar, opts: EmitOptions): string {
  const out: string[] = [];
  const push = (s: string) => out.push(s);
  push(opts.banner);
  push('/* eslint-disable */');
  push("import { BitReader, BitWriter, ExiFault, withPath } from '../runtime/bits.js';");
  push("import type { MetaGrammar } from '../runtime/meta.js';");
  push('');

  // Enumeration tables (inline anonymous enums get a synthetic name).
  const enums: SimpleType[] = [];
  const seenEnum = new Set<SimpleType>();
  function noteEnum(t: SimpleType): void {
    if (t.rep.k === 'enum' && !seenEnum.has(t)) {
      seenEnum.add(t);
      enums.push(t);
    }
  }
  for (const ct of g.complexTypes) {
    for (const a of ct.attrs) noteEnum(a.type);
    for (const l of ct.leaves) if (l.value?.kind === 'simple') noteEnum(l.value.type);
    if (ct.simpleContent) noteEnum(ct.simpleContent);
  }
  for (const r of g.roots) if (r.value.kind === 'simple') noteEnum(r.value.type);
  let anonEnum = 0;
  for (const t of enums) if (!t.tsName) t.id = `anonEnum${anonEnum++}`;

  push('// ---- enumerations (EXI: n-bit index in declaration order)');
  for (const t of enums) {
    const r = t.rep as Extract<SimpleRep, { k: 'enum' }>;
    if (t.tsName) push(`export type ${t.tsName} = ${r.values.map((v) => JSON.stringify(v)).join(' | ')};`);
    push(`const ${enumTable(t)}: readonly string[] = ${lit(r.values)};`);
    push(`const ${enumTable(t)}_I: ReadonlyMap<unknown, number> = new Map(${lit(r.values)}.map((v, i) => [v, i]));`);
  }
  push('');

  push('// ---- document types');
  for (const ct of g.complexTypes) {
    push(`export interface ${ct.tsName} {`);
    for (const a of ct.attrs) {
      const c = facetComment(a.type, 'attribute');
      if (c) push(`  /** ${c} */`);
      push(`  ${a.name}${a.required ? '' : '?'}: ${tsOfSimple(a.type)};`);
    }
    if (ct.simpleContent) {
      const c = facetComment(ct.simpleContent, 'element value (simple content)');
      if (c) push(`  /** ${c} */`);
      push(`  $value: ${tsOfSimple(ct.simpleContent)};`);
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
      if (notes.length) push(`  /** ${notes.join('; ')} */`);
      push(`  ${l.name}${opt ? '?' : ''}: ${l.array ? `${t.includes('|') ? `(${t})` : t}[]` : t};`);
    }
    push('}');
  }
  push('');
  push('/** An EXI document: exactly one property, the root element. */');
  push('export interface Document {');
  for (const r of g.roots) push(`  ${r.name}?: ${tsOfValue(r.value)};`);
  push('}');
  push('');

  // ---- decoders
  function readSimple(t: SimpleType, ctx: string): string {
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
  function readSimpleElement(t: SimpleType, ctx: string): string | undefined {
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
      default:
        return undefined;
    }
  }

  function writeSimple(t: SimpleType, x: string, field: string): string {
    const r = t.rep;
    const f = JSON.stringify(field);
    switch (r.k) {
      case 'bool':
        return `w.boolChecked(${x}, ${f});`;
      case 'enum':
        return `w.enumChecked(${x}, ${enumTable(t)}_I, ${r.bits}, ${f});`;
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

  function leafNext(ct: CType, l: Leaf, countExpr: string): string {
    const ls = ct.leafStates[l.index] as { under: number; loop: number; done: number };
    if (l.min <= 1 && l.max === 1) return String(ls.done);
    // The state after an occurrence depends on the count: below minOccurs, below maxOccurs, at maxOccurs.
    let expr = l.max === Infinity ? String(ls.loop) : l.max === 1 ? String(ls.done) : `${countExpr} < ${l.max} ? ${ls.loop} : ${ls.done}`;
    if (l.min >= 2) expr = `${countExpr} < ${l.min} ? ${ls.under} : ${expr}`;
    return `(${expr})`;
  }

  push('// ---- decoders: one state machine per complex type (state = EXI grammar non-terminal)');
  for (const ct of g.complexTypes) {
    const gn = JSON.stringify(ct.grammarName);
    push(`function d_${ct.tsName}(r: BitReader): ${ct.tsName} {`);
    push('  const o: any = {};');
    const single = ct.states.length === 1;
    if (single) {
      // Only one state (empty content): read END_ELEMENT.
      const st = ct.states[0] as { events: GEvent[]; bits: number };
      push(`  r.event(${st.bits}, ${st.events.length}, ${gn}, 0);`);
      push('  return o;');
      push('}');
      continue;
    }
    push('  let s = 0;');
    push('  try {');
    push('  for (;;) {');
    push('    switch (s) {');
    ct.states.forEach((st, si) => {
      push(`      case ${si}: // ${st.label}`);
      push(`        switch (r.event(${st.bits}, ${st.events.length}, ${gn}, ${si})) {`);
      st.events.forEach((e, code) => {
        push(`          case ${code}:`);
        switch (e.kind) {
          case 'EE':
            push('            return o;');
            break;
          case 'AT': {
            const a = ct.attrs[e.attr] as { name: string; type: SimpleType };
            push(`            o.${a.name} = ${readSimple(a.type, `${ct.grammarName}@${a.name}`)};`);
            push(`            s = ${e.next};`);
            push('            continue;');
            break;
          }
          case 'CH':
            push(`            o.$value = ${readSimple(ct.simpleContent as SimpleType, ct.grammarName)};`);
            push(`            s = ${e.next};`);
            push('            continue;');
            break;
          case 'SE*':
            push(`            return r.unsupported('SE(*) wildcard element', ${gn}, ${si});`);
            break;
          case 'CH*':
            push(`            return r.unsupported('mixed-content characters', ${gn}, ${si});`);
            break;
          case 'SE': {
            const l = ct.leaves[e.leaf] as Leaf;
            const v = l.value as ValueType;
            const prop = l.sharedWith !== undefined ? (ct.leaves[l.sharedWith] as Leaf).name : l.name;
            let val: string;
            if (v.kind === 'complex') val = `d_${v.type.tsName}(r)`;
            else {
              const ctx = `${ct.grammarName}.${l.name}`;
              const fused = readSimpleElement(v.type, ctx);
              if (fused !== undefined) push(`            const v${code} = ${fused};`);
              else {
                push(`            r.ch(${JSON.stringify(ctx)});`);
                push(`            const v${code} = ${readSimple(v.type, ctx)};`);
                push(`            r.ee(${JSON.stringify(ctx)});`);
              }
              val = `v${code}`;
            }
            if (l.array) {
              push(`            (o.${prop} ??= []).push(${val});`);
              push(`            s = ${leafNext(ct, l, `o.${prop}.length`)};`);
            } else {
              push(`            o.${prop} = ${val};`);
              push(`            s = ${leafNext(ct, l, '1')};`);
            }
            push('            continue;');
            break;
          }
        }
      });
      push(`          default:`);
      push(`            return r.unreachable();`);
      push('        }');
    });
    push(`      default:`);
    push(`        return r.unreachable();`);
    push('    }');
    push('  }');
    push('  } catch (e) {');
    push(`    throw r.at(e, ${gn}, s);`);
    push('  }');
    push('}');
  }
  push('');

  // ---- encoders
  push('// ---- encoders: emit the fields in schema order; each event code comes from the current state');
  for (const ct of g.complexTypes) {
    const n = ct.tsName;
    const gn = JSON.stringify(ct.grammarName);
    push(`const W_${n} = ${lit(ct.states.map((s) => s.bits))};`);
    const expected = ct.states.map((s) =>
      s.events
        .map((e) => {
          switch (e.kind) {
            case 'AT':
              return `@${(ct.attrs[e.attr] as { name: string }).name}`;
            case 'SE':
              return (ct.leaves[e.leaf] as Leaf).name;
            case 'SE*':
              return '*';
            case 'EE':
              return 'END';
            case 'CH':
              return '$value';
            case 'CH*':
              return 'text';
          }
        })
        .join(' | '),
    );
    push(`const X_${n}: readonly string[] = ${lit(expected)};`);
    const codeTable = (pred: (e: GEvent) => boolean) => ct.states.map((s) => s.events.findIndex(pred));
    ct.attrs.forEach((_a, i) => push(`const C_${n}_a${i} = ${lit(codeTable((e) => e.kind === 'AT' && e.attr === i))};`));
    ct.leaves.forEach((l, i) => {
      if (l.kind === 'element') push(`const C_${n}_l${i} = ${lit(codeTable((e) => e.kind === 'SE' && e.leaf === i))};`);
    });
    if (ct.simpleContent) push(`const C_${n}_ch = ${lit(codeTable((e) => e.kind === 'CH'))};`);
    push(`const C_${n}_ee = ${lit(codeTable((e) => e.kind === 'EE'))};`);
    push(`function e_${n}(w: BitWriter, v: ${n}, name: string): void {`);
    push('  try {');
    push('    let s = 0;');
    push('    let c = 0;');
    push('    let x: any;');
    // The state is often known at generation time (start, after a mandatory field): then
    // the event code is a constant and CH (code 0, 1 bit) merges into the same write.
    let known: number | undefined = 0;
    const codeIn = (state: number, pred: (e: GEvent) => boolean) => (ct.states[state] as { events: GEvent[] }).events.findIndex(pred);
    const widthOf = (state: number) => (ct.states[state] as { bits: number }).bits;
    // A code known at generation time: zero bits need no write (the writer's buffer is zeroed
    // ahead of it), others one bits() call.
    const staticCode = (width: number, code: number) => (code === 0 ? `w.pos += ${width};` : `w.bits(${width}, ${code});`);
    const staticCode_ = staticCode;
    // A code from the per-state table: -1 (not allowed here) goes to event(), which throws
    // the typed error; the common case is one bits() call.
    const dynamicCode = (table: string, field: string) => `c = ${table}[s]!; if (c < 0) w.event(W_${n}[s]!, c, ${gn}, ${field}, s, X_${n}); w.bits(W_${n}[s]!, c);`;
    ct.attrs.forEach((a, i) => {
      const next = attrNext(ct, i);
      const f = JSON.stringify('@' + a.name);
      const pred = (e: GEvent) => e.kind === 'AT' && e.attr === i;
      push(`    x = v.${a.name};`);
      if (a.required) push(`    if (x === undefined) w.missing(${gn}, ${f});`);
      const code = known === undefined ? -1 : codeIn(known, pred);
      if (a.required && known !== undefined && code >= 0) {
        push(`    ${staticCode(widthOf(known), code)}`);
        push(`    ${writeSimple(a.type, 'x', '@' + a.name)}`);
        push(`    s = ${next};`);
        known = next;
        return;
      }
      push(`    if (x !== undefined) {`);
      push(`      ${dynamicCode(`C_${n}_a${i}`, f)}`);
      push(`      ${writeSimple(a.type, 'x', '@' + a.name)}`);
      push(`      s = ${next};`);
      push('    }');
      known = a.required ? next : undefined;
    });
    if (ct.simpleContent) {
      const chEvent = ct.states.flatMap((st) => st.events).find((e) => e.kind === 'CH') as { next: number };
      push(`    ${dynamicCode(`C_${n}_ch`, "'$value'")}`);
      push(`    ${writeSimple(ct.simpleContent, 'v.$value', '$value')}`);
      push(`    s = ${chEvent.next};`);
      known = chEvent.next;
    }
    // A choice of many elements of which at most one can occur (state 0 offers them all, and
    // after any of them only EE is left: DIN/ISO-2 BodyType, its ~35 substitution-group
    // members): probing every member name on objects of ~35 shapes is a megamorphic property
    // miss each (the profile's top entry for small messages); dispatch on the keys present instead.
    const elementLeaves = ct.leaves.filter((l) => l.kind === 'element');
    const singleChoice =
      ct.attrs.length === 0 &&
      !ct.simpleContent &&
      elementLeaves.length >= 8 &&
      elementLeaves.length === ct.leaves.length &&
      elementLeaves.every((l) => !l.array && l.max === 1 && l.sharedWith === undefined && !l.sharedLater && (l.optional || l.min === 0)) &&
      elementLeaves.every((l) => codeIn(0, (e) => e.kind === 'SE' && e.leaf === l.index) >= 0) &&
      ct.states.every((st, k) => k === 0 || st.events.every((e) => e.kind === 'EE'));
    if (singleChoice) {
      push('    for (const k in v) {');
      push('      switch (k) {');
    }
    ct.leaves.forEach((l, i) => {
      if (l.kind !== 'element') return;
      const v = l.value as ValueType;
      const prop = l.sharedWith !== undefined ? (ct.leaves[l.sharedWith] as Leaf).name : l.name;
      if (singleChoice) {
        push(`        case ${JSON.stringify(prop)}:`);
        push(`          x = v.${prop};`);
        push('          if (x !== undefined) {');
        const lines: string[] = [];
        if (v.kind === 'complex') {
          lines.push(`c = C_${n}_l${i}[s]!; if (c < 0) w.event(W_${n}[s]!, c, ${gn}, ${JSON.stringify(l.name)}, s, X_${n}); w.bits(W_${n}[s]!, c);`);
          lines.push(`if (typeof x !== 'object' || x === null) w.obj(x, ${JSON.stringify(l.name)});`);
          lines.push(`e_${v.type.tsName}(w, x, ${JSON.stringify(l.name)});`);
        } else {
          lines.push(`c = C_${n}_l${i}[s]!; if (c < 0) w.event(W_${n}[s]!, c, ${gn}, ${JSON.stringify(l.name)}, s, X_${n}); w.bits(W_${n}[s]!, c);`);
          lines.push('w.pos++;');
          lines.push(writeSimple(v.type, 'x', l.name));
          lines.push('w.pos++;');
        }
        for (const line of lines) push(`            ${line}`);
        push(`            s = ${leafNext(ct, l, '1')};`);
        push('          }');
        push('          break;');
        return;
      }
      const fname = JSON.stringify(l.name);
      const mandatory = !l.array && l.min >= 1 && !l.optional && l.sharedWith === undefined && !l.sharedLater;
      const body = (x: string, staticCode: number | undefined, width: number) => {
        const lines: string[] = [];
        if (v.kind === 'complex') {
          if (staticCode !== undefined) lines.push(staticCode_(width, staticCode));
          else lines.push(dynamicCode(`C_${n}_l${i}`, fname));
          // The type check inline: a call per complex field costs more than the test.
          lines.push(`if (typeof ${x} !== 'object' || ${x} === null) w.obj(${x}, ${fname});`);
          lines.push(`e_${v.type.tsName}(w, ${x}, ${fname});`);
        } else {
          // SE code, then CH (first-level code 0 of 1 bit), the value, then EE (code 0 of 1 bit).
          if (staticCode !== undefined) lines.push(staticCode_(width + 1, staticCode * 2));
          else {
            lines.push(dynamicCode(`C_${n}_l${i}`, fname));
            lines.push('w.pos++;');
          }
          lines.push(writeSimple(v.type, x, l.name));
          lines.push('w.pos++;');
        }
        return lines;
      };
      push(`    x = v.${prop};`);
      if (mandatory) {
        push(`    if (x === undefined) w.missing(${gn}, ${fname});`);
        const code = known === undefined ? -1 : codeIn(known, (e) => e.kind === 'SE' && e.leaf === i);
        const lines = known !== undefined && code >= 0 ? body('x', code, widthOf(known)) : body('x', undefined, 0);
        for (const line of lines) push(`    ${line}`);
        const next = (ct.leafStates[i] as { done: number }).done;
        push(`    s = ${next};`);
        known = next;
        return;
      }
      known = undefined;
      // A shared element (two positions) is written at the first position the state allows.
      const guard = l.sharedLater ? ` && C_${n}_l${i}[s]! >= 0` : '';
      if (l.sharedWith !== undefined) push(`    if (sh_${prop}) x = undefined;`);
      if (l.sharedLater) push(`    let sh_${prop} = false;`);
      if (l.array) {
        if (l.min >= 1 && !l.optional) push(`    if (x === undefined) w.missing(${gn}, ${fname});`);
        push(`    if (x !== undefined${guard}) {`);
        push(`      w.arr(x, ${fname});`);
        push('      for (let i = 0; i < x.length; i++) {');
        for (const line of body('x[i]', undefined, 0)) push(`        ${line}`);
        push(`        s = ${leafNext(ct, l, '(i + 1)')};`);
        push('      }');
      } else {
        push(`    if (x !== undefined${guard}) {`);
        for (const line of body('x', undefined, 0)) push(`      ${line}`);
        push(`      s = ${leafNext(ct, l, '1')};`);
      }
      if (l.sharedLater) push(`      sh_${prop} = true;`);
      push('    }');
    });
    if (singleChoice) {
      // Other keys are not elements of this type: ignored, as the probing encoder ignores them.
      push('      }');
      push('    }');
      known = undefined;
    }
    const eeCode = known === undefined ? -1 : codeIn(known, (e) => e.kind === 'EE');
    if (known !== undefined && eeCode >= 0) push(`    ${staticCode(widthOf(known), eeCode)}`);
    else push(`    ${dynamicCode(`C_${n}_ee`, "''")}`);
    push('  } catch (e) {');
    push('    throw withPath(e, name);');
    push('  }');
    push('}');
  }
  push('');

  // ---- document
  push('// ---- document grammar: DocContent has one code per global element (sorted by local name, then namespace), then SE(*)');
  push(`export const ROOT_CODES: Readonly<Record<string, number>> = ${lit(Object.fromEntries(g.roots.map((r, i) => [r.name, i])))};`);
  push('export function decodeDocument(r: BitReader): Document {');
  push(`  const c = r.bits(${g.docBits});`);
  push('  switch (c) {');
  g.roots.forEach((root, i) => {
    push(`    case ${i}:`);
    if (root.value.kind === 'complex') push(`      return { ${root.name}: d_${root.value.type.tsName}(r) };`);
    else {
      push(`      {`);
      push(`        r.ch(${JSON.stringify(root.name)});`);
      push(`        const v = ${readSimple(root.value.type, root.name)};`);
      push(`        r.ee(${JSON.stringify(root.name)});`);
      push(`        return { ${root.name}: v } as Document;`);
      push(`      }`);
    }
  });
  push(`    case ${g.roots.length}:`);
  push(`      return r.unsupported('SE(*) root element', 'DocContent', 0);`);
  push('    default:');
  push(`      r.pos -= ${g.docBits};`);
  push(`      return r.fail('BAD_EVENT_CODE', \`event code \${c} undefined in DocContent\`, { grammar: 'DocContent', state: 0, eventCode: c });`);
  push('  }');
  push('}');
  push('');
  push('export function encodeDocument(w: BitWriter, doc: Document): void {');
  push('  let root: string | undefined;');
  // One own property is the normal case; Object.keys() is much cheaper than for-in there.
  push('  const keys = Object.keys(doc);');
  push('  if (keys.length === 1 && (doc as any)[keys[0]!] !== undefined) root = keys[0];');
  push('  else {');
  push('    for (const k of keys) {');
  push('      if ((doc as any)[k] === undefined) continue;');
  push("      if (root !== undefined) throw new ExiFault('AMBIGUOUS_ROOT', `document has two root elements: ${root} and ${k}`, undefined, { field: k }, [k]);");
  push('      root = k;');
  push('    }');
  push('  }');
  push('  const v: any = root === undefined ? undefined : (doc as any)[root];');
  push('  switch (root) {');
  g.roots.forEach((r, i) => {
    push(`    case ${JSON.stringify(r.name)}:`);
    push(`      w.bits(${g.docBits}, ${i});`);
    if (r.value.kind === 'complex') {
      push(`      w.obj(v, ${JSON.stringify(r.name)});`);
      push(`      e_${r.value.type.tsName}(w, v, ${JSON.stringify(r.name)});`);
    } else {
      push('      w.bits(1, 0);');
      push(`      ${writeSimple(r.value.type, 'v', r.name)}`);
      push('      w.bits(1, 0);');
    }
    push('      return;');
  });
  push('    default:');
  push("      throw new ExiFault(root === undefined ? 'NO_ROOT' : 'UNKNOWN_ROOT', root === undefined ? 'document has no root element' : `${root} is not a global element of this schema`, undefined, { field: root ?? '' }, root === undefined ? [] : [root]);");
  push('  }');
  push('}');
  push('');

  // ---- meta
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
  push('/** Schema model (types, occurrences, facets) for the JSON view and for test generators. */');
  push(`export const META: MetaGrammar = ${lit(meta)};`);
  push('');
  return out.join('\n');
}

function attrNext(ct: CType, i: number): number {
  for (const st of ct.states) for (const e of st.events) if (e.kind === 'AT' && e.attr === i) return e.next;
  return -1;
}
