// Public API of the EXI codecs: decode/encode of V2G documents for appHandshake,
// DIN 70121, ISO 15118-2 and ISO 15118-20 (CommonMessages, DC, AC).
//
// The document is a plain object keyed by its root element, e.g.
//   { V2G_Message: { Header: { SessionID }, Body: { CurrentDemandReq: {...} } } }
// See docs/exi.md for the shape rules and the EXI profile.
import { err, type Result } from '../../result.js';
import type { DecodeOptions, DocumentBySchema, ExiError, SchemaCodec, SchemaId } from './codec.js';
import { CODECS } from './codecs.js';

export { SCHEMA_IDS, EXI_HEADER, isSchemaId } from './codec.js';
export {
  codecFor,
  appHandCodec,
  dinCodec,
  iso2Codec,
  iso20CommonCodec,
  iso20DcCodec,
  iso20AcCodec,
} from './codecs.js';
export type {
  SchemaId,
  ExiError,
  ExiErrorCode,
  DecodeOptions,
  FacetWarning,
  SchemaCodec,
  DocumentBySchema,
  Document,
  AppHandDocument,
  DinDocument,
  Iso2Document,
  Iso20CommonDocument,
  Iso20DcDocument,
  Iso20AcDocument,
} from './codec.js';

// A local binding: an imported one is an accessor call per message under a transpiling loader.
const codecs = CODECS;

/** Decode one EXI document (header byte 0x80 first). Never throws. */
export function decode<S extends SchemaId>(schema: S, bytes: Uint8Array, options?: DecodeOptions): Result<DocumentBySchema[S], ExiError> {
  const c = codecs[schema] as SchemaCodec<DocumentBySchema[S]> | undefined;
  if (!c) return err({ code: 'UNKNOWN_SCHEMA', message: `unknown schema ${String(schema)}` });
  return c.decode(bytes, options);
}

/** Encode one document to EXI (with the 0x80 header). Never throws. */
export function encode<S extends SchemaId>(schema: S, document: DocumentBySchema[S]): Result<Uint8Array, ExiError> {
  const c = codecs[schema] as SchemaCodec<DocumentBySchema[S]> | undefined;
  if (!c) return err({ code: 'UNKNOWN_SCHEMA', message: `unknown schema ${String(schema)}` });
  return c.encode(document);
}

/**
 * Encodes a document whose type the caller cannot name statically (a session machine's neutral
 * V2gDocument, JSON already converted by fromJson). Nothing is trusted: the encoder checks the
 * tree as it writes it — an element the grammar does not allow, a missing required one, a wrong
 * value type or a value outside its facet is a typed error (UNKNOWN_ROOT, MISSING_FIELD,
 * BAD_VALUE, OUT_OF_RANGE, …), never a malformed stream.
 */
export function encodeUnchecked(schema: SchemaId, document: unknown): Result<Uint8Array, ExiError> {
  const c: SchemaCodec<unknown> | undefined = codecs[schema];
  if (!c) return err({ code: 'UNKNOWN_SCHEMA', message: `unknown schema ${String(schema)}` });
  return c.encode(document);
}

// Per-schema namespaces: typed entry points and the generated types, e.g.
// `din.decode(bytes)`, `din.V2G_Message`, `iso2.CurrentDemandReqType`.
export * as appHand from './schemas/appHand.js';
export * as din from './schemas/din.js';
export * as iso2 from './schemas/iso2.js';
export * as iso20Common from './schemas/iso20Common.js';
export * as iso20Dc from './schemas/iso20Dc.js';
export * as iso20Ac from './schemas/iso20Ac.js';

export { toJson, fromJson } from './json.js';
export type { Json } from './json.js';
export type { MetaGrammar } from './runtime/meta.js';
