// Decoders: one state machine per complex type (state = EXI grammar non-terminal), each
// state reading its exact event-code width and switching on the code.
import type { CType, GEvent, GState, Leaf, SimpleType, ValueType } from './grammar.js';
import { leafNext, readSeSimpleElement, readSimple, readSimpleElement } from './emit-values.js';

export function emitDecoders(out: string[], types: readonly CType[]): void {
  out.push('// ---- decoders: one state machine per complex type (state = EXI grammar non-terminal)');
  for (const ct of types) emitDecoder(out, ct);
  out.push('');
}

export function emitDecoder(out: string[], ct: CType): void {
  const gn = JSON.stringify(ct.grammarName);
  out.push(`function d_${ct.tsName}(r: BitReader): ${ct.tsName} {`);
  out.push('  const o: any = {};');
  if (ct.states.length === 1) {
    // Only one state (empty content): read END_ELEMENT.
    const st = ct.states[0] as GState;
    out.push(`  r.event(${st.bits}, ${st.events.length}, ${gn}, 0);`);
    out.push('  return o;');
    out.push('}');
    return;
  }
  out.push('  let s = 0;');
  out.push('  try {');
  if (forwardOnly(ct)) {
    // Every transition goes to a later state: one pass over the states in order, each
    // guarded by its number, instead of a loop around a switch (no back edge, no jump table).
    straight = true;
    ct.states.forEach((st, si) => {
      out.push(`    if (s === ${si}) {`);
      emitDecoderState(out, ct, st, si);
      out.push('    }');
    });
    straight = false;
    out.push('    return r.unreachable();');
  } else {
    out.push('  for (;;) {');
    out.push('    switch (s) {');
    ct.states.forEach((st, si) => emitDecoderState(out, ct, st, si));
    out.push(`      default:`);
    out.push(`        return r.unreachable();`);
    out.push('    }');
    out.push('  }');
  }
  out.push('  } catch (e) {');
  out.push(`    throw r.at(e, ${gn}, s);`);
  out.push('  }');
  out.push('}');
}

/** Set while a forward-only decoder is emitted: a case ends with break (or nothing), not continue. */
let straight = false;

/** Does every event of every state lead to a later state (no repetition loops back)? */
export function forwardOnly(ct: CType): boolean {
  return ct.states.every((st, si) =>
    st.events.every((e) => {
      switch (e.kind) {
        case 'AT':
        case 'CH':
        case 'SE*':
          return e.next > si;
        case 'SE': {
          const ls = ct.leafStates[e.leaf] as { under: number; loop: number; done: number };
          const l = ct.leaves[e.leaf] as Leaf;
          const targets = l.min <= 1 && l.max === 1 ? [ls.done] : [ls.under, ls.loop, ls.done];
          return targets.every((t) => t > si);
        }
        default:
          return true;
      }
    }),
  );
}

/** How a case that set the next state ends: at the top of a state or inside its event switch. */
function endCase(inner: boolean): string {
  return straight ? (inner ? 'break;' : '') : 'continue;';
}

function emitDecoderState(out: string[], ct: CType, st: GState, si: number): void {
  const gn = JSON.stringify(ct.grammarName);
  out.push(straight ? `      // state ${si}: ${st.label}` : `      case ${si}: // ${st.label}`);
  const only = st.events.length === 1 && st.bits === 1 ? st.events[0] : undefined;
  if (only?.kind === 'SE') {
    // The state's only event is a simple-typed element: its code, CH, value and EE in one call.
    const l = ct.leaves[only.leaf] as Leaf;
    const v = l.value as ValueType;
    const fused = v.kind === 'simple' ? readSeSimpleElement(v.type, `${ct.grammarName}.${l.name}`, gn, si) : undefined;
    if (fused !== undefined) {
      emitStore(out, ct, l, fused, '        ');
      return;
    }
    if (v.kind === 'complex') {
      // The only event is a complex-typed element: check its 1-bit code, no switch.
      out.push(`        r.only(${gn}, ${si});`);
      emitStore(out, ct, l, `d_${v.type.tsName}(r)`, '        ');
      return;
    }
  }
  if (only?.kind === 'EE') {
    out.push(`        r.only(${gn}, ${si});`);
    out.push('        return o;');
    return;
  }
  out.push(`        switch (r.event(${st.bits}, ${st.events.length}, ${gn}, ${si})) {`);
  st.events.forEach((e, code) => {
    out.push(`          case ${code}:`);
    emitDecoderEvent(out, ct, e, code, si);
  });
  out.push(`          default:`);
  out.push(`            return r.unreachable();`);
  out.push('        }');
}

/** The body of one event-code case of state `si`. */
function emitDecoderEvent(out: string[], ct: CType, e: GEvent, code: number, si: number): void {
  const gn = JSON.stringify(ct.grammarName);
  switch (e.kind) {
    case 'EE':
      out.push('            return o;');
      break;
    case 'AT': {
      const a = ct.attrs[e.attr] as { name: string; type: SimpleType };
      out.push(`            o.${a.name} = ${readSimple(a.type, `${ct.grammarName}@${a.name}`)};`);
      out.push(`            s = ${e.next};`);
      out.push(`            ${endCase(true)}`);
      break;
    }
    case 'CH':
      out.push(`            o.$value = ${readSimple(ct.simpleContent as SimpleType, ct.grammarName)};`);
      out.push(`            s = ${e.next};`);
      out.push(`            ${endCase(true)}`);
      break;
    case 'SE*':
      out.push(`            return r.unsupported('SE(*) wildcard element', ${gn}, ${si});`);
      break;
    case 'CH*':
      out.push(`            return r.unsupported('mixed-content characters', ${gn}, ${si});`);
      break;
    case 'SE':
      emitDecodeElement(out, ct, ct.leaves[e.leaf] as Leaf, code);
      break;
  }
}

/** SE of a leaf: its value (a nested decoder, or CH value EE), stored, then the next state. */
function emitDecodeElement(out: string[], ct: CType, l: Leaf, code: number): void {
  const v = l.value as ValueType;
  let val: string;
  if (v.kind === 'complex') val = `d_${v.type.tsName}(r)`;
  else {
    const ctx = `${ct.grammarName}.${l.name}`;
    const fused = readSimpleElement(v.type, ctx);
    if (fused !== undefined) out.push(`            const v${code} = ${fused};`);
    else {
      out.push(`            r.ch(${JSON.stringify(ctx)});`);
      out.push(`            const v${code} = ${readSimple(v.type, ctx)};`);
      out.push(`            r.ee(${JSON.stringify(ctx)});`);
    }
    val = `v${code}`;
  }
  emitStore(out, ct, l, val, '            ');
}

/** Stores a decoded occurrence of leaf `l` (`val`), then goes to the next state. */
function emitStore(out: string[], ct: CType, l: Leaf, val: string, indent: string): void {
  const prop = l.sharedWith !== undefined ? (ct.leaves[l.sharedWith] as Leaf).name : l.name;
  if (l.array) {
    out.push(`${indent}(o.${prop} ??= []).push(${val});`);
    out.push(`${indent}s = ${leafNext(ct, l, `o.${prop}.length`)};`);
  } else {
    out.push(`${indent}o.${prop} = ${val};`);
    out.push(`${indent}s = ${leafNext(ct, l, '1')};`);
  }
  const end = endCase(indent.length > 8);
  if (end) out.push(`${indent}${end}`);
}
