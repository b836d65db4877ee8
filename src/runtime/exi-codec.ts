// The EXI codec (src/codecs/exi) seen through the transport's V2gCodec interface.
// The session machines hand over documents typed by src/domain/v2g/document.ts; the
// generated codec has one document type per schema. Both describe the same
// XSD element tree; encodeUnchecked takes the neutral view and the encoder
// checks the tree as it writes it, returning typed errors.
import { decode, encodeUnchecked } from '../codecs/exi/index.js';
import type { Result } from '../result.js';
import type { V2gDocument } from '../domain/v2g/document.js';
import type { V2gCodec } from './v2g-transport.js';

export const exiCodec: V2gCodec = {
  encode: (schema, doc) => encodeUnchecked(schema, doc),
  decode: (schema, bytes, options) => decode(schema, bytes, options) as Result<V2gDocument>,
};
