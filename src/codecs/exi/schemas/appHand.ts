// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `appHand.decode(bytes)`, `appHand.Document`).
import { makeCodec, type AppHandDocument, type SchemaCodec } from '../codec.js';
import * as gen from '../generated/appHand.js';

export type * from '../generated/appHand.js';
/** The codec of this schema (the only instance: load.ts and codecs.ts hand out this one). */
export const codec: SchemaCodec<AppHandDocument> = makeCodec('appHand', gen);
export const decode = codec.decode;
export const encode = codec.encode;
export const meta = codec.meta;
