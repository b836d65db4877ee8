// Grammar → TypeScript source. One file per grammar: interfaces, a decoder and an
// encoder per complex type (a switch over the grammar states, each state reading its
// exact event-code width), the document entry points and the schema model (META).
// Output is a pure function of the grammar, so regeneration is byte-identical.
// Parts: emit-values.ts (literals, value reads/writes), emit-types.ts (enumerations and
// interfaces), emit-decoder.ts, emit-encoder.ts, emit-document.ts (DocContent and META).
import type { Grammar } from './grammar.js';
import { emitDecoders } from './emit-decoder.js';
import { emitDecodeDocument, emitEncodeDocument, emitMeta } from './emit-document.js';
import { emitEncoders } from './emit-encoder.js';
import { collectEnums, emitEnums, emitTypes } from './emit-types.js';

export interface EmitOptions {
  /** Grammar id, e.g. 'din'. */
  id: string;
  banner: string;
}

export function emitGrammar(g: Grammar, opts: EmitOptions): string {
  const out: string[] = [];
  out.push(opts.banner);
  out.push('/* eslint-disable */');
  out.push("import { BitReader, BitWriter, ExiFault, withPath } from '../runtime/bits.js';");
  out.push("import type { MetaGrammar } from '../runtime/meta.js';");
  out.push('');
  // Enumeration tables (inline anonymous enums get a synthetic name).
  emitEnums(out, collectEnums(g));
  emitTypes(out, g);
  emitDecoders(out, g.complexTypes);
  emitEncoders(out, g.complexTypes);
  emitDecodeDocument(out, g);
  emitEncodeDocument(out, g);
  emitMeta(out, g);
  out.push('');
  return out.join('\n');
}
