// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `iso20Ac.decode(bytes)`, `iso20Ac.Document`).
import { makeCodec, type Iso20AcDocument, type SchemaCodec } from '../codec.js';
import * as gen from '../generated/iso20Ac.js';

export type * from '../generated/iso20Ac.js';
/** The codec of this schema (the only instance: load.ts and codecs.ts hand out this one). */
export const codec: SchemaCodec<Iso20AcDocument> = makeCodec('iso20-ac', gen);
export const decode = codec.decode;
export const encode = codec.encode;
export const meta = codec.meta;
