// The EXI codec for `tsplc pev` and `tsplc evse`: as exi-codec.ts, but each schema's codec is
// loaded when the V2G transport first needs it (V2gCodec.load), so a role holds appHand and the
// schema its handshake picked instead of all six grammars (docs/performance.md). Encode and decode
// stay synchronous once the schema is loaded; before that, or after its load failed, they return
// a typed error (CODEC_NOT_LOADED, or the load's CODEC_LOAD_FAILED) and never throw.
import { schemaCodecs, type CodecLoader } from '../codecs/exi/load.js';
import { codecError, type CodecError, type Result } from '../result.js';
import type { V2gDocument } from '../domain/v2g/document.js';
import type { SchemaId } from '../domain/v2g/model.js';
import type { V2gCodec } from './v2g-transport.js';

/** A V2gCodec over `loader` (default: the process's shared one). */
export function onDemandExiCodec(loader: CodecLoader = schemaCodecs): V2gCodec {
  const unavailable = (schema: SchemaId): { ok: false; error: CodecError } => ({
    ok: false,
    error: loader.loadError(schema) ?? codecError('CODEC_NOT_LOADED', `the ${schema} codec is not loaded yet`, { context: { schema } }),
  });
  return {
    load: (schema) => (loader.loaded(schema) !== undefined || loader.loadError(schema) !== undefined ? undefined : loader.load(schema).then(() => undefined)),
    encode: (schema, doc) => {
      const c = loader.loaded(schema);
      // The neutral V2gDocument describes the same element tree; the encoder checks it as it writes (exi-codec.ts).
      return c ? (c as { encode(d: unknown): Result<Uint8Array> }).encode(doc) : unavailable(schema);
    },
    decode: (schema, bytes, options) => {
      const c = loader.loaded(schema);
      return c ? (c.decode(bytes, options) as Result<V2gDocument>) : unavailable(schema);
    },
  };
}
