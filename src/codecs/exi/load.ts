// Each schema's codec on demand. A charging session uses appHand and the one schema its
// handshake picked (DIN or ISO-2), but the six generated grammars are 2.4 MB of source, and V8
// keeps the source of every loaded module in the heap (docs/performance.md, issue 13). So a role
// loads a schema's codec when it first needs it: loadCodec() before the first encode/decode of
// that schema (the V2G transport waits for it, src/runtime/v2g-transport.ts), and from then on
// loadedCodec() hands out the same synchronous codec as codecs.ts does.
//
// Import this module directly, not index.ts: index.ts loads all six schemas.
import { errorMessage } from '../../errors.js';
import type { CodecError, Result } from '../../result.js';
import type { DocumentBySchema, SchemaCodec, SchemaId } from './codec.js';

export type CodecLoadErrorCode = 'CODEC_LOAD_FAILED' | 'UNKNOWN_SCHEMA';
export type CodecLoadError = CodecError<CodecLoadErrorCode>;

type Loaded<S extends SchemaId> = SchemaCodec<DocumentBySchema[S]>;

// One literal import() per schema, so the bundler (scripts/bundle.js) makes each one its own chunk.
const IMPORTS: SchemaImports = {
  appHand: () => import('./schemas/appHand.js'),
  din: () => import('./schemas/din.js'),
  iso2: () => import('./schemas/iso2.js'),
  'iso20-common': () => import('./schemas/iso20Common.js'),
  'iso20-dc': () => import('./schemas/iso20Dc.js'),
  'iso20-ac': () => import('./schemas/iso20Ac.js'),
};

type Slot =
  | { readonly state: 'loading'; readonly done: Promise<Result<SchemaCodec<unknown>, CodecLoadError>> }
  | { readonly state: 'loaded'; readonly codec: SchemaCodec<unknown> }
  | { readonly state: 'failed'; readonly error: CodecLoadError };

/** The module of one schema as loadCodec() needs it (schemas/<name>.ts). */
export type SchemaImports = { readonly [S in SchemaId]: () => Promise<{ readonly codec: Loaded<S> }> };

export interface CodecLoader {
  /** The codec of `schema` when it has been loaded, else undefined. Synchronous. */
  loaded<S extends SchemaId>(schema: S): Loaded<S> | undefined;
  /** Why the schema's codec could not be loaded, once a load has failed (a failed load is not retried). */
  loadError(schema: SchemaId): CodecLoadError | undefined;
  /**
   * Loads the codec of `schema` (the first call starts the load, later ones share it). Never
   * rejects: a schema that is not one of SCHEMA_IDS is UNKNOWN_SCHEMA, a module that cannot be
   * loaded (a broken installation) is CODEC_LOAD_FAILED, and that failure is kept.
   */
  load<S extends SchemaId>(schema: S): Promise<Result<Loaded<S>, CodecLoadError>>;
}

/** A loader over `imports` (the schema modules; tests give their own to see a failing load). */
export function codecLoader(imports: SchemaImports = IMPORTS): CodecLoader {
  const slots = new Map<string, Slot>();
  return {
    loaded<S extends SchemaId>(schema: S): Loaded<S> | undefined {
      const s = slots.get(schema);
      return s?.state === 'loaded' ? (s.codec as Loaded<S>) : undefined;
    },
    loadError(schema: SchemaId): CodecLoadError | undefined {
      const s = slots.get(schema);
      return s?.state === 'failed' ? s.error : undefined;
    },
    load<S extends SchemaId>(schema: S): Promise<Result<Loaded<S>, CodecLoadError>> {
      const s = slots.get(schema);
      if (s?.state === 'loaded') return Promise.resolve({ ok: true, value: s.codec as Loaded<S> });
      if (s?.state === 'failed') return Promise.resolve({ ok: false, error: s.error });
      if (s?.state === 'loading') return s.done as Promise<Result<Loaded<S>, CodecLoadError>>;
      const importSchema = Object.hasOwn(imports, schema) ? imports[schema] : undefined;
      if (!importSchema) {
        const error: CodecLoadError = { code: 'UNKNOWN_SCHEMA', message: `unknown schema ${String(schema).slice(0, 40)}` };
        return Promise.resolve({ ok: false, error });
      }
      const done = importSchema().then(
        (m): Result<Loaded<S>, CodecLoadError> => {
          slots.set(schema, { state: 'loaded', codec: m.codec as SchemaCodec<unknown> });
          return { ok: true, value: m.codec };
        },
        (e: unknown): Result<Loaded<S>, CodecLoadError> => {
          const why = errorMessage(e);
          const error: CodecLoadError = { code: 'CODEC_LOAD_FAILED', message: `the ${schema} codec could not be loaded: ${why}`.slice(0, 300), context: { schema } };
          slots.set(schema, { state: 'failed', error });
          return { ok: false, error };
        },
      );
      slots.set(schema, { state: 'loading', done: done as Promise<Result<SchemaCodec<unknown>, CodecLoadError>> });
      return done;
    },
  };
}

/** The process's loader: every caller shares its loaded codecs. */
export const schemaCodecs: CodecLoader = codecLoader();
