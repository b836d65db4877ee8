// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `iso2.decode(bytes)`, `iso2.Document`).
import { iso2Codec } from '../codec.js';

export type * from '../generated/iso2.js';
export const decode = iso2Codec.decode;
export const encode = iso2Codec.encode;
export const meta = iso2Codec.meta;
