// Encoders: emit the fields in schema order; each event code comes from the current state.
// Where the state is known at generation time (start, after a mandatory field) the code is
// a constant; elsewhere it comes from small per-state tables (C_<type>_<event>[state]).
import type { Attr, CType, GEvent, Leaf, SimpleType, ValueType } from './grammar.js';
import { attrNext, leafNext, lit, writeSeSimple, writeSimple } from './emit-values.js';

/** The encoder being written for one complex type. */
interface EncoderEmit {
  out: string[];
  ct: CType;
  /** TS name of the type. */
  n: string;
  /** Grammar name as a TS string literal. */
  gn: string;
  /** The grammar state at this point of the encoder when it is known at generation time. */
  known: number | undefined;
}

export function emitEncoders(out: string[], types: readonly CType[]): void {
  out.push('// ---- encoders: emit the fields in schema order; each event code comes from the current state');
  for (const ct of types) emitEncoder(out, ct);
  out.push('');
}

/** The expected events of each state, for the error message of a field not allowed there. */
export function expectedEvents(ct: CType): string[] {
  const name = (e: GEvent): string => {
    switch (e.kind) {
      case 'AT':
        return `@${(ct.attrs[e.attr] as Attr).name}`;
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
  };
  return ct.states.map((s) => s.events.map(name).join(' | '));
}

/** Event code of the event `pred` in each state (-1 where it is not allowed). */
export function codeTable(ct: CType, pred: (e: GEvent) => boolean): number[] {
  return ct.states.map((s) => s.events.findIndex(pred));
}

function emitEncoderTables(out: string[], ct: CType): void {
  const n = ct.tsName;
  out.push(`const W_${n} = ${lit(ct.states.map((s) => s.bits))};`);
  out.push(`const X_${n}: readonly string[] = ${lit(expectedEvents(ct))};`);
  ct.attrs.forEach((_a, i) => out.push(`const C_${n}_a${i} = ${lit(codeTable(ct, (e) => e.kind === 'AT' && e.attr === i))};`));
  ct.leaves.forEach((l, i) => {
    if (l.kind === 'element') out.push(`const C_${n}_l${i} = ${lit(codeTable(ct, (e) => e.kind === 'SE' && e.leaf === i))};`);
  });
  if (ct.simpleContent) out.push(`const C_${n}_ch = ${lit(codeTable(ct, (e) => e.kind === 'CH'))};`);
  out.push(`const C_${n}_ee = ${lit(codeTable(ct, (e) => e.kind === 'EE'))};`);
  if (isSingleChoice(ct)) {
    const keys = ct.leaves.map((l, i): [string, number] => [propOf(ct, l), i]);
    out.push(`const K_${n}: ReadonlyMap<string, number> = new Map(${lit(keys)});`);
  }
}

export function emitEncoder(out: string[], ct: CType): void {
  const n = ct.tsName;
  const e: EncoderEmit = { out, ct, n, gn: JSON.stringify(ct.grammarName), known: 0 };
  emitEncoderTables(out, ct);
  out.push(`function e_${n}(w: BitWriter, v: ${n}, name: string): void {`);
  out.push('  try {');
  out.push('    let s = 0;');
  out.push('    let c = 0;');
  out.push('    let x: any;');
  ct.attrs.forEach((a, i) => emitAttrWrite(e, a, i));
  if (ct.simpleContent) emitSimpleContentWrite(e);
  const singleChoice = isSingleChoice(ct);
  if (singleChoice) {
    // A switch over ~35 member names compares them one by one: one Map lookup instead.
    out.push('    for (const k in v) {');
    out.push(`      switch (K_${n}.get(k)) {`);
  }
  ct.leaves.forEach((l, i) => {
    if (l.kind !== 'element') return;
    if (singleChoice) emitSingleChoiceLeaf(e, l, i);
    else emitLeafWrite(e, l, i);
  });
  if (singleChoice) {
    // Other keys are not elements of this type: ignored, as the probing encoder ignores them.
    out.push('      }');
    out.push('    }');
    e.known = undefined;
  }
  const eeCode = e.known === undefined ? -1 : codeIn(ct, e.known, (ev) => ev.kind === 'EE');
  if (e.known !== undefined && eeCode >= 0) out.push(`    ${staticCode(widthOf(ct, e.known), eeCode)}`);
  else out.push(`    ${dynamicCode(e, `C_${n}_ee`, "''")}`);
  out.push('  } catch (e) {');
  out.push('    throw withPath(e, name);');
  out.push('  }');
  out.push('}');
}

function codeIn(ct: CType, state: number, pred: (e: GEvent) => boolean): number {
  return (ct.states[state] as { events: GEvent[] }).events.findIndex(pred);
}

function widthOf(ct: CType, state: number): number {
  return (ct.states[state] as { bits: number }).bits;
}

/**
 * A code known at generation time: zero bits need no write (the writer's buffer is zeroed
 * ahead of it), others one bits() call.
 */
export function staticCode(width: number, code: number): string {
  return code === 0 ? `w.pos += ${width};` : `w.bits(${width}, ${code});`;
}

/**
 * A code from the per-state table: -1 (not allowed here) goes to event(), which throws
 * the typed error; the common case is one bits() call.
 */
function dynamicCode(e: EncoderEmit, table: string, field: string): string {
  return `c = ${table}[s]!; if (c < 0) w.event(W_${e.n}[s]!, c, ${e.gn}, ${field}, s, X_${e.n}); w.bits(W_${e.n}[s]!, c);`;
}

function emitAttrWrite(e: EncoderEmit, a: Attr, i: number): void {
  const { out, ct, n, gn } = e;
  const next = attrNext(ct, i);
  const f = JSON.stringify('@' + a.name);
  out.push(`    x = v.${a.name};`);
  if (a.required) out.push(`    if (x === undefined) w.missing(${gn}, ${f});`);
  const code = e.known === undefined ? -1 : codeIn(ct, e.known, (ev) => ev.kind === 'AT' && ev.attr === i);
  if (a.required && e.known !== undefined && code >= 0) {
    out.push(`    ${staticCode(widthOf(ct, e.known), code)}`);
    out.push(`    ${writeSimple(a.type, 'x', '@' + a.name)}`);
    out.push(`    s = ${next};`);
    e.known = next;
    return;
  }
  out.push(`    if (x !== undefined) {`);
  out.push(`      ${dynamicCode(e, `C_${n}_a${i}`, f)}`);
  out.push(`      ${writeSimple(a.type, 'x', '@' + a.name)}`);
  out.push(`      s = ${next};`);
  out.push('    }');
  e.known = a.required ? next : undefined;
}

function emitSimpleContentWrite(e: EncoderEmit): void {
  const { out, ct, n } = e;
  const chEvent = ct.states.flatMap((st) => st.events).find((ev) => ev.kind === 'CH') as { next: number };
  out.push(`    ${dynamicCode(e, `C_${n}_ch`, "'$value'")}`);
  out.push(`    ${writeSimple(ct.simpleContent as SimpleType, 'v.$value', '$value')}`);
  out.push(`    s = ${chEvent.next};`);
  e.known = chEvent.next;
}

/**
 * A choice of many elements of which at most one can occur (state 0 offers them all, and
 * after any of them only EE is left: DIN/ISO-2 BodyType, its ~35 substitution-group
 * members): probing every member name on objects of ~35 shapes is a megamorphic property
 * miss each (the profile's top entry for small messages); dispatch on the keys present instead.
 */
export function isSingleChoice(ct: CType): boolean {
  const elementLeaves = ct.leaves.filter((l) => l.kind === 'element');
  return (
    ct.attrs.length === 0 &&
    !ct.simpleContent &&
    elementLeaves.length >= 8 &&
    elementLeaves.length === ct.leaves.length &&
    elementLeaves.every((l) => !l.array && l.max === 1 && l.sharedWith === undefined && !l.sharedLater && (l.optional || l.min === 0)) &&
    elementLeaves.every((l) => codeIn(ct, 0, (e) => e.kind === 'SE' && e.leaf === l.index) >= 0) &&
    ct.states.every((st, k) => k === 0 || st.events.every((e) => e.kind === 'EE'))
  );
}

function propOf(ct: CType, l: Leaf): string {
  return l.sharedWith !== undefined ? (ct.leaves[l.sharedWith] as Leaf).name : l.name;
}

function emitSingleChoiceLeaf(e: EncoderEmit, l: Leaf, i: number): void {
  const { out, ct, n, gn } = e;
  const v = l.value as ValueType;
  const prop = propOf(ct, l);
  out.push(`        case ${i}: // ${prop}`);
  out.push(`          x = v.${prop};`);
  out.push('          if (x !== undefined) {');
  const lines: string[] = [];
  lines.push(`c = C_${n}_l${i}[s]!; if (c < 0) w.event(W_${n}[s]!, c, ${gn}, ${JSON.stringify(l.name)}, s, X_${n}); w.bits(W_${n}[s]!, c);`);
  if (v.kind === 'complex') {
    lines.push(`if (typeof x !== 'object' || x === null) w.obj(x, ${JSON.stringify(l.name)});`);
    lines.push(`e_${v.type.tsName}(w, x, ${JSON.stringify(l.name)});`);
  } else {
    lines.push('w.pos++;');
    lines.push(writeSimple(v.type, 'x', l.name));
    lines.push('w.pos++;');
  }
  for (const line of lines) out.push(`            ${line}`);
  out.push(`            s = ${leafNext(ct, l, '1')};`);
  out.push('          }');
  out.push('          break;');
}

/**
 * The statements writing one occurrence of leaf `i` held in `x`: the SE code (`code` when
 * known at generation time, of `width` bits), then a nested encoder or CH value EE.
 */
function leafBody(e: EncoderEmit, l: Leaf, i: number, x: string, code: number | undefined, width: number): string[] {
  const v = l.value as ValueType;
  const fname = JSON.stringify(l.name);
  const lines: string[] = [];
  if (v.kind === 'complex') {
    if (code !== undefined) lines.push(staticCode(width, code));
    else lines.push(dynamicCode(e, `C_${e.n}_l${i}`, fname));
    // The type check inline: a call per complex field costs more than the test.
    lines.push(`if (typeof ${x} !== 'object' || ${x} === null) w.obj(${x}, ${fname});`);
    lines.push(`e_${v.type.tsName}(w, ${x}, ${fname});`);
  } else {
    // SE code, then CH (first-level code 0 of 1 bit), the value, then EE (code 0 of 1 bit):
    // one writer call where it has one, else step by step.
    const maxWidth = Math.max(...e.ct.states.map((st) => st.bits));
    const one =
      code !== undefined
        ? writeSeSimple(v.type, x, l.name, String(width + 1), String(code * 2), width + 1)
        : writeSeSimple(v.type, x, l.name, `W_${e.n}[s]! + 1`, 'c * 2', maxWidth + 1);
    if (one !== undefined) {
      if (code === undefined) lines.push(`c = C_${e.n}_l${i}[s]!; if (c < 0) w.event(W_${e.n}[s]!, c, ${e.gn}, ${fname}, s, X_${e.n});`);
      lines.push(one);
      return lines;
    }
    if (code !== undefined) lines.push(staticCode(width + 1, code * 2));
    else {
      lines.push(dynamicCode(e, `C_${e.n}_l${i}`, fname));
      lines.push('w.pos++;');
    }
    lines.push(writeSimple(v.type, x, l.name));
    lines.push('w.pos++;');
  }
  return lines;
}

function emitLeafWrite(e: EncoderEmit, l: Leaf, i: number): void {
  const { out, ct, gn } = e;
  const prop = propOf(ct, l);
  const fname = JSON.stringify(l.name);
  const mandatory = !l.array && l.min >= 1 && !l.optional && l.sharedWith === undefined && !l.sharedLater;
  out.push(`    x = v.${prop};`);
  if (mandatory) {
    out.push(`    if (x === undefined) w.missing(${gn}, ${fname});`);
    const code = e.known === undefined ? -1 : codeIn(ct, e.known, (ev) => ev.kind === 'SE' && ev.leaf === i);
    const lines = e.known !== undefined && code >= 0 ? leafBody(e, l, i, 'x', code, widthOf(ct, e.known)) : leafBody(e, l, i, 'x', undefined, 0);
    for (const line of lines) out.push(`    ${line}`);
    const next = (ct.leafStates[i] as { done: number }).done;
    out.push(`    s = ${next};`);
    e.known = next;
    return;
  }
  e.known = undefined;
  emitOptionalLeafWrite(e, l, i, prop, fname);
}

/** An optional or repeated leaf (the state after it is known only at run time). */
function emitOptionalLeafWrite(e: EncoderEmit, l: Leaf, i: number, prop: string, fname: string): void {
  const { out, ct, n, gn } = e;
  // A shared element (two positions) is written at the first position the state allows.
  const guard = l.sharedLater ? ` && C_${n}_l${i}[s]! >= 0` : '';
  if (l.sharedWith !== undefined) out.push(`    if (sh_${prop}) x = undefined;`);
  if (l.sharedLater) out.push(`    let sh_${prop} = false;`);
  if (l.array) {
    if (l.min >= 1 && !l.optional) out.push(`    if (x === undefined) w.missing(${gn}, ${fname});`);
    out.push(`    if (x !== undefined${guard}) {`);
    out.push(`      w.arr(x, ${fname});`);
    out.push('      for (let i = 0; i < x.length; i++) {');
    for (const line of leafBody(e, l, i, 'x[i]', undefined, 0)) out.push(`        ${line}`);
    out.push(`        s = ${leafNext(ct, l, '(i + 1)')};`);
    out.push('      }');
  } else {
    out.push(`    if (x !== undefined${guard}) {`);
    for (const line of leafBody(e, l, i, 'x', undefined, 0)) out.push(`      ${line}`);
    out.push(`      s = ${leafNext(ct, l, '1')};`);
  }
  if (l.sharedLater) out.push(`      sh_${prop} = true;`);
  out.push('    }');
}
