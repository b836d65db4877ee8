// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `iso20Dc.decode(bytes)`, `iso20Dc.Document`).
import { makeCodec, type Iso20DcDocument, type SchemaCodec } from '../codec.js';
import * as gen from '../generated/iso20Dc.js';

export type * from '../generated/iso20Dc.js';
/** The codec of this schema (the only instance: load.ts and codecs.ts hand out this one). */
export const codec: SchemaCodec<Iso20DcDocument> = makeCodec('iso20-dc', gen);
export const decode = codec.decode;
export const encode = codec.encode;
export const meta = codec.meta;
