// Codec objects behind the public API (see index.ts): one per schema, wrapping the
// generated state machines with the header check, the trailing-byte check and the
// conversion of internal faults into typed Result errors.
//
// This module holds no generated grammar (type imports only): each schema's codec is made in
// its own module (schemas/<name>.ts), so a role loads only the schemas it negotiates
// (load.ts, docs/performance.md); codecs.ts is the table of all six for the tools.
import { err, ok, type CodecError, type Result } from '../../result.js';
import { BitReader, BitWriter, ExiFault, LENIENT_LENGTH, LENIENT_RANGE, type ExiErrorCode, type FacetWarning } from './runtime/bits.js';

export type { FacetWarning } from './runtime/bits.js';
import type { MetaGrammar } from './runtime/meta.js';
import type * as appHandGen from './generated/appHand.js';
import type * as dinGen from './generated/din.js';
import type * as iso2Gen from './generated/iso2.js';
import type * as iso20CommonGen from './generated/iso20Common.js';
import type * as iso20DcGen from './generated/iso20Dc.js';
import type * as iso20AcGen from './generated/iso20Ac.js';

export type SchemaId = 'appHand' | 'din' | 'iso2' | 'iso20-common' | 'iso20-dc' | 'iso20-ac';
export const SCHEMA_IDS: readonly SchemaId[] = ['appHand', 'din', 'iso2', 'iso20-common', 'iso20-dc', 'iso20-ac'];

/** The one-byte EXI header V2G uses: distinguishing bits 10, no options, version 1 (EXI 5). */
export const EXI_HEADER = 0x80;

export type { ExiErrorCode };

export interface ExiError extends CodecError<ExiErrorCode> {
  /**
   * Set with code 'TRAILING_BYTES': the document decoded completely but `trailingBytes`
   * bytes follow it. Callers may still use `document`.
   */
  readonly document?: unknown;
  readonly trailingBytes?: number;
  /** Encoder: element path from the root to the offending field. */
  readonly path?: string;
}

/**
 * Decode options. The default is strict: every facet of the schema is checked and a
 * violation is a VALUE_OUT_OF_RANGE / LENGTH_OUT_OF_RANGE error.
 */
export interface DecodeOptions {
  /**
   * Facet classes accepted instead of failing, for peers whose encoder writes values the
   * grammar carries but the facets forbid (OpenV2Gx's ISO-2 charger: SAScheduleTupleID 0,
   * an empty EVSEID): 'range' (minInclusive/maxInclusive of integers), 'length' (length,
   * minLength, maxLength of strings and binaries). Each accepted violation is reported in
   * `warnings` (when given) instead of failing.
   */
  readonly lenient?: readonly ('range' | 'length')[];
  /** Receives one entry per accepted facet violation (lenient mode only). */
  readonly warnings?: FacetWarning[];
}

export interface GeneratedGrammar<D> {
  decodeDocument(r: BitReader): D;
  encodeDocument(w: BitWriter, doc: D): void;
  META: MetaGrammar;
}

/** Typed codec of one schema. */
export interface SchemaCodec<D> {
  readonly id: SchemaId;
  decode(bytes: Uint8Array, options?: DecodeOptions): Result<D, ExiError>;
  encode(doc: D): Result<Uint8Array, ExiError>;
  readonly meta: MetaGrammar;
}

function faultToError(e: unknown, schema: SchemaId): ExiError {
  if (e instanceof ExiFault) {
    const path = e.path.length > 0 ? e.path.join('.') : undefined;
    return {
      code: e.code,
      message: path ? `${path}: ${e.message}` : e.message,
      ...(e.bitPosition !== undefined ? { bitPosition: e.bitPosition, offset: e.bitPosition >>> 3 } : {}),
      context: { schema, ...e.context, ...(path ? { path } : {}) },
      ...(path ? { path } : {}),
    };
  }
  // Not expected: every failure path in the runtime raises ExiFault. Still a value, never a throw.
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { code: 'INTERNAL', message, context: { schema } };
}

const EMPTY = new Uint8Array(0);

export function makeCodec<D>(id: SchemaId, gen: GeneratedGrammar<D>): SchemaCodec<D> {
  // One writer per schema, reused: encode returns a copy of the bytes.
  const writer = new BitWriter(512);
  const reader = new BitReader(new Uint8Array(0));
  // Taken once: a property of the module namespace is an accessor call per message when the
  // code runs through a transpiling loader (tsx, vitest, the bench: 7 % of a small encode).
  const decodeDocument = gen.decodeDocument;
  const encodeDocument = gen.encodeDocument;
  function decodeFull(bytes: Uint8Array, options: DecodeOptions | undefined): Result<D, ExiError> {
    const r = reader;
    r.reset(bytes);
    if (options?.lenient !== undefined) {
      r.lenient = (options.lenient.includes('range') ? LENIENT_RANGE : 0) | (options.lenient.includes('length') ? LENIENT_LENGTH : 0);
    }
    try {
      if (bytes.length === 0) return err({ code: 'TRUNCATED', message: 'empty input', offset: 0, bitPosition: 0, context: { schema: id } });
      const h = r.bits(8);
      if (h !== EXI_HEADER) {
        return err({ code: 'BAD_HEADER', message: `EXI header 0x${h.toString(16).padStart(2, '0')}, expected 0x80`, offset: 0, bitPosition: 0, context: { schema: id } });
      }
      const doc = decodeDocument(r);
      // DocEnd has only ED (no comments/PIs without fidelity options): zero bits.
      const used = (r.pos + 7) >>> 3;
      if (used < bytes.length) return trailingError(doc, r.pos, bytes.length);
      return ok(doc);
    } catch (e) {
      return err(faultToError(e, id));
    } finally {
      // Do not keep the caller's buffer alive.
      r.reset(EMPTY);
      if (r.lenient !== 0) {
        // Accepted violations go to the caller even when the decode failed later on.
        if (options?.warnings) options.warnings.push(...r.warnings);
        r.warnings = [];
        r.lenient = 0;
      }
    }
  }
  function trailingError(doc: D, pos: number, length: number): Result<D, ExiError> {
    const used = (pos + 7) >>> 3;
    const trailing = length - used;
    return err({
      code: 'TRAILING_BYTES',
      message: `${trailing} byte(s) after the end of the EXI document`,
      offset: used,
      bitPosition: pos,
      context: { schema: id, trailingBytes: trailing },
      document: doc,
      trailingBytes: trailing,
    });
  }
  return {
    id,
    meta: gen.META,
    decode(bytes: Uint8Array, options?: DecodeOptions): Result<D, ExiError> {
      // The common case (strict, header 0x80) without the finally block and the option
      // handling of decodeFull(); everything else goes there.
      if (options !== undefined || bytes.length === 0 || bytes[0] !== EXI_HEADER) return decodeFull(bytes, options);
      const r = reader;
      r.reset(bytes);
      r.pos = 8;
      let doc: D;
      try {
        doc = decodeDocument(r);
      } catch (e) {
        r.reset(EMPTY);
        return err(faultToError(e, id));
      }
      const pos = r.pos;
      // Do not keep the caller's buffer alive.
      r.reset(EMPTY);
      // DocEnd has only ED (no comments/PIs without fidelity options): zero bits.
      if ((pos + 7) >>> 3 < bytes.length) return trailingError(doc, pos, bytes.length);
      return ok(doc);
    },
    encode(doc: D): Result<Uint8Array, ExiError> {
      const w = writer;
      if (typeof doc !== 'object' || doc === null) return err({ code: 'BAD_VALUE', message: 'document must be an object', context: { schema: id } });
      // The writer is zeroed and at position 0: finish() leaves it so, and a failed encode resets it.
      try {
        w.bits(8, EXI_HEADER);
        encodeDocument(w, doc);
        return ok(w.finish());
      } catch (e) {
        w.reset();
        return err(faultToError(e, id));
      }
    },
  };
}

export type AppHandDocument = appHandGen.Document;
export type DinDocument = dinGen.Document;
export type Iso2Document = iso2Gen.Document;
export type Iso20CommonDocument = iso20CommonGen.Document;
export type Iso20DcDocument = iso20DcGen.Document;
export type Iso20AcDocument = iso20AcGen.Document;

export interface DocumentBySchema {
  appHand: AppHandDocument;
  din: DinDocument;
  iso2: Iso2Document;
  'iso20-common': Iso20CommonDocument;
  'iso20-dc': Iso20DcDocument;
  'iso20-ac': Iso20AcDocument;
}

/** Any decoded document (keyed by its root element name). */
export type Document = DocumentBySchema[SchemaId];

export function isSchemaId(s: string): s is SchemaId {
  return (SCHEMA_IDS as readonly string[]).includes(s);
}

