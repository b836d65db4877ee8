// Typed entry points and generated types of one schema (import as a namespace from
// src/codecs/exi/index.ts, e.g. `iso20Dc.decode(bytes)`, `iso20Dc.Document`).
import { iso20DcCodec } from '../codec.js';

export type * from '../generated/iso20Dc.js';
export const decode = iso20DcCodec.decode;
export const encode = iso20DcCodec.encode;
export const meta = iso20DcCodec.meta;
