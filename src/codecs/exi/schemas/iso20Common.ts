// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `iso20Common.decode(bytes)`, `iso20Common.Document`).
import { makeCodec, type Iso20CommonDocument, type SchemaCodec } from '../codec.js';
import * as gen from '../generated/iso20Common.js';

export type * from '../generated/iso20Common.js';
/** The codec of this schema (the only instance: load.ts and codecs.ts hand out this one). */
export const codec: SchemaCodec<Iso20CommonDocument> = makeCodec('iso20-common', gen);
export const decode = codec.decode;
export const encode = codec.encode;
export const meta = codec.meta;
