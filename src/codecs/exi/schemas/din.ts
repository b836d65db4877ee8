// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `din.decode(bytes)`, `din.Document`).
import { makeCodec, type DinDocument, type SchemaCodec } from '../codec.js';
import * as gen from '../generated/din.js';

export type * from '../generated/din.js';
/** The codec of this schema (the only instance: load.ts and codecs.ts hand out this one). */
export const codec: SchemaCodec<DinDocument> = makeCodec('din', gen);
export const decode = codec.decode;
export const encode = codec.encode;
export const meta = codec.meta;
