// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `iso20Ac.decode(bytes)`, `iso20Ac.Document`).
import { iso20AcCodec } from '../codec.js';

export type * from '../generated/iso20Ac.js';
export const decode = iso20AcCodec.decode;
export const encode = iso20AcCodec.encode;
export const meta = iso20AcCodec.meta;
