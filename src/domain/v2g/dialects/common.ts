// Shared pieces of the dialects: the Dialect contract, PhysicalValue
// conversion, and defensive readers for decoded documents. The readers throw a
// private DocError that never leaves this folder: every public entry point
// catches it and returns a typed CodecError naming the element path.
import { codecError, err, ok, type CodecError, type Result } from '../../../result.js';
import type { V2gDocument, V2gMessageDocument } from '../document.js';
import type { Protocol, RequestKind, SchemaId, V2gEnvelope, V2gRequest, V2gResponse } from '../model.js';

/** Every code a dialect (DIN 70121, ISO 15118-2, the appHand handshake) can fail with. */
export type DialectErrorCode =
  | 'NOT_V2G_MESSAGE'
  | 'NOT_HANDSHAKE'
  | 'BAD_BODY'
  | 'MISSING_ELEMENT'
  | 'BAD_ELEMENT'
  | 'MISSING_PARAMETER'
  | 'NOT_IN_SCHEMA'
  | 'UNSUPPORTED_REQUEST'
  | 'UNSUPPORTED_RESPONSE'
  | 'DIALECT_INTERNAL';
export type DialectError = CodecError<DialectErrorCode>;

export interface Dialect {
  readonly protocol: Protocol;
  readonly schema: SchemaId;
  encodeRequest(sessionId: Uint8Array, req: V2gRequest): Result<V2gMessageDocument, DialectError>;
  decodeRequest(doc: V2gDocument): Result<V2gEnvelope<V2gRequest>, DialectError>;
  encodeResponse(sessionId: Uint8Array, res: V2gResponse): Result<V2gMessageDocument, DialectError>;
  decodeResponse(doc: V2gDocument): Result<V2gEnvelope<V2gResponse>, DialectError>;
  /** Body element name of a request in this schema (DIN ServicePaymentSelectionReq vs ISO-2 PaymentServiceSelectionReq). */
  requestElement(kind: RequestKind): string;
}

export class DocError extends Error {
  constructor(
    readonly code: DialectErrorCode,
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export function guard<T>(f: () => T, context: Record<string, string | number> = {}): Result<T, DialectError> {
  try {
    return ok(f());
  } catch (e) {
    if (e instanceof DocError) return err(codecError(e.code, e.message, { context: { ...context, path: e.path } }));
    // A bug in the dialect must not escape into an actor either.
    return err(codecError('DIALECT_INTERNAL', `dialect failure: ${(e as Error)?.message ?? String(e)}`, { context }));
  }
}

export type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Typed reader over one element of a decoded document. */
export class Rd {
  constructor(
    readonly o: Obj,
    readonly path: string,
  ) {}

  private missing(key: string): never {
    throw new DocError('MISSING_ELEMENT', `${this.path}.${key} is missing`, `${this.path}.${key}`);
  }
  private bad(key: string, what: string, v: unknown): never {
    const shown = v instanceof Uint8Array ? `bytes[${v.length}]` : JSON.stringify(v)?.slice(0, 40);
    throw new DocError('BAD_ELEMENT', `${this.path}.${key} should be ${what}, found ${shown}`, `${this.path}.${key}`);
  }
  has(key: string): boolean {
    return this.o[key] !== undefined;
  }
  obj(key: string): Rd {
    const v = this.o[key];
    if (v === undefined) this.missing(key);
    if (!isObj(v)) this.bad(key, 'an element', v);
    return new Rd(v, `${this.path}.${key}`);
  }
  optObj(key: string): Rd | undefined {
    return this.has(key) ? this.obj(key) : undefined;
  }
  /** A maxOccurs > 1 element: an array (a single object is accepted too). */
  list(key: string): Rd[] {
    const v = this.o[key];
    if (v === undefined) this.missing(key);
    const arr = Array.isArray(v) ? v : [v];
    return arr.map((x, i) => {
      if (!isObj(x)) this.bad(`${key}[${i}]`, 'an element', x);
      return new Rd(x, `${this.path}.${key}[${i}]`);
    });
  }
  /** A maxOccurs > 1 simple element: an array of values. */
  values(key: string): unknown[] {
    const v = this.o[key];
    if (v === undefined) this.missing(key);
    return Array.isArray(v) ? v : [v];
  }
  num(key: string): number {
    const v = this.o[key];
    if (v === undefined) this.missing(key);
    if (typeof v === 'bigint') return Number(v);
    if (typeof v !== 'number' || !Number.isFinite(v)) this.bad(key, 'a number', v);
    return v;
  }
  optNum(key: string): number | undefined {
    return this.has(key) ? this.num(key) : undefined;
  }
  bool(key: string): boolean {
    const v = this.o[key];
    if (v === undefined) this.missing(key);
    if (typeof v !== 'boolean') this.bad(key, 'a boolean', v);
    return v;
  }
  optBool(key: string): boolean | undefined {
    return this.has(key) ? this.bool(key) : undefined;
  }
  str(key: string): string {
    const v = this.o[key];
    if (v === undefined) this.missing(key);
    if (typeof v !== 'string') this.bad(key, 'a string', v);
    return v;
  }
  optStr(key: string): string | undefined {
    return this.has(key) ? this.str(key) : undefined;
  }
  enumOf<T extends string>(key: string, allowed: readonly T[]): T {
    const v = this.str(key);
    if (!(allowed as readonly string[]).includes(v)) this.bad(key, `one of ${allowed.join('|')}`, v);
    return v as T;
  }
  optEnum<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    return this.has(key) ? this.enumOf(key, allowed) : undefined;
  }
  bytes(key: string): Uint8Array {
    const v = this.o[key];
    if (v === undefined) this.missing(key);
    if (!(v instanceof Uint8Array)) this.bad(key, 'binary', v);
    return v;
  }
  /** A PhysicalValueType as a plain number (Value × 10^Multiplier). */
  pv(key: string): number {
    const p = this.obj(key);
    return fromPhysical(p.num('Value'), p.num('Multiplier'));
  }
  optPv(key: string): number | undefined {
    return this.has(key) ? this.pv(key) : undefined;
  }
}

export function fail(code: DialectErrorCode, message: string, path: string): never {
  throw new DocError(code, message, path);
}

export function fromPhysical(value: number, multiplier: number): number {
  // Round away binary noise (e.g. 4013 × 10^-1 = 401.29999…).
  return Number((value * 10 ** multiplier).toPrecision(12));
}

export type UnitSymbol = 'h' | 'm' | 's' | 'A' | 'V' | 'W' | 'Wh';

export interface PhysicalValueDocument {
  readonly Multiplier: number;
  readonly Unit?: UnitSymbol;
  readonly Value: number;
}

/**
 * A number as PhysicalValueType: Value is a short (−32768…32767), Multiplier
 * −3…3. Integers that fit keep Multiplier 0 (what real chargers and cars send,
 * e.g. EVSEPresentVoltage 400 V = 400 × 10^0); fractions get the finest
 * multiplier that still fits; large values (power in W, energy in Wh) a
 * positive one.
 */
export function toPhysical(v: number, unit: UnitSymbol | undefined): PhysicalValueDocument {
  const u = unit === undefined ? {} : { Unit: unit };
  if (!Number.isFinite(v)) return { Multiplier: 0, ...u, Value: 0 };
  if (Number.isInteger(v) && Math.abs(v) <= 32767) return { Multiplier: 0, ...u, Value: v };
  if (Math.abs(v) <= 32767) {
    for (let m = -3; m < 0; m++) {
      const value = Math.round(v / 10 ** m);
      if (Math.abs(value) <= 32767) return { Multiplier: m, ...u, Value: value };
    }
  }
  for (let m = 1; m <= 3; m++) {
    const value = Math.round(v / 10 ** m);
    if (Math.abs(value) <= 32767) return { Multiplier: m, ...u, Value: value };
  }
  return { Multiplier: 3, ...u, Value: v < 0 ? -32768 : 32767 };
}

/** The one body element of a V2G_Message, with its name. */
export function bodyElement(doc: V2gDocument): { name: string; el: Rd; sessionId: Uint8Array } {
  if (!isObj(doc) || !('V2G_Message' in doc)) fail('NOT_V2G_MESSAGE', 'document is not a V2G_Message (handshake document in a session?)', '');
  const msg = new Rd(doc.V2G_Message as Obj, 'V2G_Message');
  const header = msg.obj('Header');
  const sessionId = header.bytes('SessionID');
  const body = msg.obj('Body');
  const names = Object.keys(body.o).filter((k) => body.o[k] !== undefined);
  if (names.length !== 1) fail('BAD_BODY', `Body should hold exactly one element, found ${names.length}`, 'V2G_Message.Body');
  const name = names[0] as string;
  return { name, el: body.obj(name), sessionId };
}

export function message(sessionId: Uint8Array, name: string, el: object): V2gMessageDocument {
  return { V2G_Message: { Header: { SessionID: sessionId }, Body: { [name]: el } } };
}

/** Drops undefined properties so documents carry only present optional elements. */
export function clean<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** Identity with an explicit type: `as<S.CurrentDemandReqType>({ … })` makes the compiler check the literal against the generated schema type (excess and missing elements). */
export function as<T>(v: T): T {
  return v;
}

/** f(v) for a present optional value, undefined otherwise (optional schema elements). */
export function opt<T, R>(v: T | undefined, f: (x: T) => R): R | undefined {
  return v === undefined ? undefined : f(v);
}

/** xs:long is a bigint in the generated types. */
export function toLong(v: number): bigint {
  return BigInt(Math.round(v));
}
