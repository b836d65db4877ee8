// The EXI codec (src/exi) seen through the transport's V2gCodec interface.
// The session machines hand over documents typed by src/v2g/document.ts; the
// generated codec has one document type per schema. Both describe the same
// XSD element tree, so the cast is only between two views of one shape; the
// codec itself validates everything it encodes and returns typed errors.
import { decode, encode } from '../exi/index.js';
import type { Result } from '../result.js';
import type { V2gDocument } from '../v2g/document.js';
import type { V2gCodec } from './v2g-transport.js';

export const exiCodec: V2gCodec = {
  encode: (schema, doc) => encode(schema, doc as never),
  decode: (schema, bytes, options) => decode(schema, bytes, options) as Result<V2gDocument>,
};
