// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `iso20Common.decode(bytes)`, `iso20Common.Document`).
import { iso20CommonCodec } from '../codec.js';

export type * from '../generated/iso20Common.js';
export const decode = iso20CommonCodec.decode;
export const encode = iso20CommonCodec.encode;
export const meta = iso20CommonCodec.meta;
