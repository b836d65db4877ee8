// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `appHand.decode(bytes)`, `appHand.Document`).
import { appHandCodec } from '../codec.js';

export type * from '../generated/appHand.js';
export const decode = appHandCodec.decode;
export const encode = appHandCodec.encode;
export const meta = appHandCodec.meta;
