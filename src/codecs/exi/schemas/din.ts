// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `din.decode(bytes)`, `din.Document`).
import { dinCodec } from '../codec.js';

export type * from '../generated/din.js';
export const decode = dinCodec.decode;
export const encode = dinCodec.encode;
export const meta = dinCodec.meta;
