// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `iso2.decode(bytes)`, `iso2.Document`).
import { makeCodec, type Iso2Document, type SchemaCodec } from '../codec.js';
import * as gen from '../generated/iso2.js';

export type * from '../generated/iso2.js';
/** The codec of this schema (the only instance: load.ts and codecs.ts hand out this one). */
export const codec: SchemaCodec<Iso2Document> = makeCodec('iso2', gen);
export const decode = codec.decode;
export const encode = codec.encode;
export const meta = codec.meta;
