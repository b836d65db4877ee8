// JSON view of EXI documents: the same shape as the document, with binary fields
// (hexBinary/base64Binary) as hex strings and big integers as decimal strings
// (numbers when they are safe integers). fromJson uses the schema model to turn
// them back into Uint8Array / bigint and never throws.
import { fromHex, toHex } from '../../bytes.js';
import { err, ok, type Result } from '../../result.js';
import type { DocumentBySchema, ExiError, SchemaId } from './codec.js';
import { CODECS } from './codecs.js';
import type { MParticle, MetaGrammar, MetaType, MetaValue, SimpleRep } from './runtime/meta.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Document → JSON-compatible value (binary as hex, bigint as number or decimal string). */
export function toJson(doc: unknown): Json {
  if (doc instanceof Uint8Array) return toHex(doc);
  if (typeof doc === 'bigint') return Number.isSafeInteger(Number(doc)) ? Number(doc) : doc.toString();
  if (Array.isArray(doc)) return doc.map(toJson);
  if (typeof doc === 'object' && doc !== null) {
    const o: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(doc)) if (v !== undefined) o[k] = toJson(v);
    return o;
  }
  if (typeof doc === 'number' || typeof doc === 'string' || typeof doc === 'boolean') return doc;
  return null;
}

class JsonFault {
  constructor(
    readonly path: string,
    readonly message: string,
  ) {}
}

function convertSimple(rep: SimpleRep, v: unknown, path: string): unknown {
  if (rep.k === 'binary') {
    if (typeof v !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(v)) throw new JsonFault(path, 'expected a hex string');
    return fromHex(v);
  }
  if (rep.k === 'int' && rep.big) {
    if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
    if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
    throw new JsonFault(path, 'expected an integer (number or decimal string)');
  }
  return v;
}

const NAMES = new WeakMap<MetaType, ReadonlySet<string>>();
const ANY_NAME: ReadonlySet<string> = { has: () => true } as unknown as ReadonlySet<string>;

function hasWildcard(p: MParticle | undefined): boolean {
  if (!p) return false;
  if (p.k === 'any') return true;
  return p.k !== 'el' && p.items.some(hasWildcard);
}

/** Property names a JSON object of type `mt` may carry (any name when its content has a wildcard). */
function knownNames(mt: MetaType): ReadonlySet<string> {
  let n = NAMES.get(mt);
  if (!n) {
    n = hasWildcard(mt.model) || mt.leaves.some((l) => l.type === undefined) ? ANY_NAME : new Set([...mt.attrs.map((a) => a.name), ...mt.leaves.map((l) => l.name), ...(mt.simpleContent || mt.mixed ? ['$value'] : [])]);
    NAMES.set(mt, n);
  }
  return n;
}

function convert(meta: MetaGrammar, t: MetaValue, v: unknown, path: string): unknown {
  if (typeof t !== 'string') return convertSimple(t, v, path);
  const mt = meta.types[t];
  if (!mt || typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(src)) {
    // An element the schema does not know would be dropped by the encoder, silently changing the
    // message (`{"Body":{"FooReq":{}}}` encoded an empty Body): refuse it, unless the type has a wildcard.
    if (x !== undefined && !knownNames(mt).has(k)) throw new JsonFault(`${path}.${k}`, `unknown element ${k} in ${t}`);
    out[k] = x;
  }
  for (const a of mt.attrs) if (src[a.name] !== undefined) out[a.name] = convertSimple(a.type, src[a.name], `${path}.${a.name}`);
  if (mt.simpleContent && src.$value !== undefined) out.$value = convertSimple(mt.simpleContent, src.$value, `${path}.$value`);
  for (const l of mt.leaves) {
    const x = src[l.name];
    if (x === undefined || l.type === undefined) continue;
    const lt = l.type;
    const p = `${path}.${l.name}`;
    out[l.name] = l.array && Array.isArray(x) ? x.map((y, i) => convert(meta, lt, y, `${p}[${i}]`)) : convert(meta, lt, x, p);
  }
  return out;
}

/** JSON view → typed document of `schema`. Shape errors are left to encode(); conversions and unknown elements fail here. */
export function fromJson<S extends SchemaId>(schema: S, json: unknown): Result<DocumentBySchema[S], ExiError> {
  const codec = CODECS[schema];
  if (!codec) return err({ code: 'UNKNOWN_SCHEMA', message: `unknown schema ${String(schema)}` });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return err({ code: 'BAD_VALUE', message: 'document must be an object' });
  const meta = codec.meta;
  try {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
      const t = meta.roots[k];
      out[k] = t === undefined ? v : convert(meta, t, v, k);
    }
    return ok(out as DocumentBySchema[S]);
  } catch (e) {
    if (e instanceof JsonFault) return err({ code: 'BAD_VALUE', message: `${e.path}: ${e.message}`, context: { path: e.path } });
    return err({ code: 'INTERNAL', message: String(e) });
  }
}
