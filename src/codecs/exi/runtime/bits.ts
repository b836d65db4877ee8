// Bit-stream runtime for the generated EXI codecs (EXI 1.0, bit-packed alignment).
//
// The generated decoders call these primitives in straight-line code. On bad input
// they throw an ExiFault (a plain object, no stack capture: fuzzing feeds millions of
// bad inputs), which the public entry points in src/codecs/exi/index.ts turn into a typed
// Result error. Nothing here allocates more than the input or the schema allows:
// every length read from the stream is checked against the schema bound and
// against the bits that remain before anything is allocated.
import { errorMessage } from '../../../errors.js';

/** Every code the EXI codec can fail with (runtime, generated grammars, codec and JSON entry points). */
export type ExiErrorCode =
  | 'TRUNCATED'
  | 'BAD_HEADER'
  | 'TRAILING_BYTES'
  | 'BAD_EVENT_CODE'
  | 'SECOND_LEVEL_EVENT'
  | 'UNSUPPORTED_EVENT'
  | 'NOT_ALLOWED_HERE'
  | 'MISSING_FIELD'
  | 'BAD_VALUE'
  | 'BAD_CHARACTER'
  | 'BAD_ENUM_INDEX'
  | 'BAD_ENUM_VALUE'
  | 'INTEGER_OVERFLOW'
  | 'VALUE_OUT_OF_RANGE'
  | 'LENGTH_OUT_OF_RANGE'
  | 'STRING_TABLE_HIT'
  | 'AMBIGUOUS_ROOT'
  | 'NO_ROOT'
  | 'UNKNOWN_ROOT'
  | 'UNKNOWN_SCHEMA'
  | 'INTERNAL';

/** Internal failure carried out of the generated code; never escapes src/codecs/exi. */
export class ExiFault {
  constructor(
    readonly code: ExiErrorCode,
    readonly message: string,
    readonly bitPosition: number | undefined,
    readonly context: Record<string, string | number>,
    /** Encoder only: path of element names from the root to the offending field. */
    readonly path: string[] = [],
  ) {}
}

/**
 * A facet violation accepted by a lenient decode (see BitReader.lenient): the field (its
 * grammar context, e.g. `CurrentDemandResType.EVSEID`), which facet, the value on the wire
 * and the value the document carries.
 */
export interface FacetWarning {
  readonly field: string;
  readonly facet: 'range' | 'length';
  /** What the stream carried: the integer, or the string/binary length. */
  readonly value: number | bigint;
  /** The schema's bounds for that facet. */
  readonly min: number | bigint | undefined;
  readonly max: number | bigint | undefined;
  /** The integer placed in the document when it differs from `value` (an n-bit wrap). */
  readonly decodedAs?: number;
}

/** Bits of BitReader.lenient. */
export const LENIENT_RANGE = 1;
export const LENIENT_LENGTH = 2;

const TWO_53 = 2 ** 53;
/** Scratch space for string decoding (the codec is synchronous: one decode at a time). */
const STRING_SCRATCH = new Uint16Array(512);

export class BitReader {
  /** Current position in bits from the start of the buffer. */
  pos = 0;
  endBits: number;

  /**
   * Facet classes accepted instead of failing (LENIENT_RANGE | LENIENT_LENGTH), 0 = strict.
   * Only the facet checks of values the grammar still carries are relaxed: event codes,
   * enumeration indexes, truncation and string-table hits fail as ever. The checks sit on
   * the slow paths only (the fused fast paths fall back to them on any violation).
   */
  lenient = 0;
  /** Facet violations accepted during the current decode (lenient mode only). */
  warnings: FacetWarning[] = [];

  constructor(public buf: Uint8Array) {
    this.endBits = buf.length * 8;
  }

  /** Reuse the reader for another input (the codecs are synchronous). */
  reset(buf: Uint8Array): void {
    this.buf = buf;
    this.endBits = buf.length * 8;
    this.pos = 0;
  }

  fail(code: ExiErrorCode, message: string, context: Record<string, string | number> = {}): never {
    throw new ExiFault(code, message, this.pos, context);
  }

  remainingBits(): number {
    return this.endBits - this.pos;
  }

  /** n-bit unsigned integer, most significant bit first (EXI 7.1.9, bit-packed). */
  bits(n: number): number {
    // Small enough for V8 to inline; wide reads, the input's last bytes and errors in bitsSlow().
    const pos = this.pos;
    const i = pos >>> 3;
    const off = pos & 7;
    const buf = this.buf;
    if (off + n <= 24 && i + 2 < buf.length) {
      // Fast path (every event code, enumeration and n-bit integer of V2G): a 24-bit window.
      const w = ((buf[i] as number) << 16) | ((buf[i + 1] as number) << 8) | (buf[i + 2] as number);
      this.pos = pos + n;
      return (w >>> (24 - off - n)) & ((1 << n) - 1);
    }
    return this.bitsSlow(n);
  }

  private bitsSlow(n: number): number {
    const pos = this.pos;
    if (pos + n > this.endBits) this.fail('TRUNCATED', `need ${n} bit(s), input ends`);
    const buf = this.buf;
    let v = 0;
    let p = pos;
    let k = n;
    while (k > 0) {
      const bitOff = p & 7;
      const avail = 8 - bitOff;
      const take = avail < k ? avail : k;
      const byte = buf[p >>> 3] as number;
      v = v * (1 << take) + ((byte >>> (avail - take)) & ((1 << take) - 1));
      p += take;
      k -= take;
    }
    this.pos = p;
    return v;
  }

  /** Event code: n bits, checked against the number of first-level events. */
  event(n: number, declared: number, grammar: string, state: number): number {
    // Inlined fast path of bits(): the generated decoders are too large for V8 to inline
    // every primitive they call, so the hottest one reads its bits itself.
    const pos = this.pos;
    const off = pos & 7;
    const end = off + n;
    if (end <= 16 && pos + n <= this.endBits) {
      const buf = this.buf;
      const i = pos >>> 3;
      // When the code spans two bytes, the second one is inside the input (pos + n <= endBits).
      const w = end <= 8 ? (buf[i] as number) << 8 : ((buf[i] as number) << 8) | (buf[i + 1] as number);
      const c = (w >>> (16 - end)) & ((1 << n) - 1);
      if (c < declared) {
        this.pos = pos + n;
        return c;
      }
    }
    return this.eventSlow(n, declared, grammar, state);
  }

  /** The event code of a state with one declared event: 1 bit, 0 (1 is the escape to second-level events). */
  only(grammar: string, state: number): void {
    const pos = this.pos;
    if (pos < this.endBits && (((this.buf[pos >>> 3] as number) >>> (7 - (pos & 7))) & 1) === 0) {
      this.pos = pos + 1;
      return;
    }
    this.eventSlow(1, 1, grammar, state);
  }

  private eventSlow(n: number, declared: number, grammar: string, state: number): number {
    const c = this.bits(n);
    if (c < declared) return c;
    if (c === declared) {
      this.pos -= n;
      this.fail('SECOND_LEVEL_EVENT', `second-level (non-strict) event in ${grammar} state ${state} is not supported`, {
        grammar,
        state,
        eventCode: c,
      });
    }
    this.pos -= n;
    return this.fail('BAD_EVENT_CODE', `event code ${c} undefined in ${grammar} state ${state}`, { grammar, state, eventCode: c });
  }

  /**
   * CH, an n-bit value and EE of a simple-typed element in one read of n + 2 bits (CH and EE
   * are code 0 of 1 bit). Returns the value, or -1 when the fast path does not apply (input
   * ends, or CH/EE is not 0): the caller then takes the step-by-step path, which reports the
   * exact error.
   */
  private fused(n: number): number {
    const pos = this.pos;
    const m = n + 2;
    const off = pos & 7;
    if (off + m > 24 || pos + m > this.endBits) return -1;
    const buf = this.buf;
    const i = pos >>> 3;
    const len = buf.length;
    const w = ((buf[i] as number) << 16) | (i + 1 < len ? (buf[i + 1] as number) << 8 : 0) | (i + 2 < len ? (buf[i + 2] as number) : 0);
    const x = (w >>> (24 - off - m)) & ((1 << m) - 1);
    if (x >>> (m - 1) !== 0 || (x & 1) !== 0) return -1;
    this.pos = pos + m;
    return x >>> 1;
  }

  /**
   * SE of a state with one declared event (code 0 of 1 bit), then CH, an n-bit value and EE
   * (each code 0 of 1 bit): n + 3 bits in one read. Returns the value, or -1 when the fast path
   * does not apply; the caller then rewinds and takes the step-by-step path, which reports the
   * exact error.
   */
  private fusedSe(n: number): number {
    const pos = this.pos;
    const m = n + 3;
    const off = pos & 7;
    if (off + m > 24 || pos + m > this.endBits) return -1;
    const buf = this.buf;
    const i = pos >>> 3;
    const len = buf.length;
    const w = ((buf[i] as number) << 16) | (i + 1 < len ? (buf[i + 1] as number) << 8 : 0) | (i + 2 < len ? (buf[i + 2] as number) : 0);
    const x = (w >>> (24 - off - m)) & ((1 << m) - 1);
    if (x >>> (m - 2) !== 0 || (x & 1) !== 0) return -1;
    this.pos = pos + m;
    return x >>> 1;
  }

  /** SE (the one event of `grammar` state `state`), CH, boolean, EE. */
  seBool(grammar: string, state: number, ctx: string): boolean {
    const v = this.fusedSe(1);
    if (v >= 0) return v === 1;
    this.event(1, 1, grammar, state);
    return this.chBool(ctx);
  }

  /** SE (the one event of the state), CH, enumeration index (n bits, checked against count), EE. */
  seEnum(n: number, count: number, grammar: string, state: number, ctx: string): number {
    const start = this.pos;
    const v = this.fusedSe(n);
    if (v >= 0 && v < count) return v;
    this.pos = start;
    this.event(1, 1, grammar, state);
    return this.chEnum(n, count, ctx);
  }

  /** SE (the one event of the state), CH, n-bit offset integer in [min, max], EE. */
  seNbit(n: number, min: number, max: number, grammar: string, state: number, ctx: string): number {
    const start = this.pos;
    const v = this.fusedSe(n);
    if (v >= 0 && v + min <= max) return v + min;
    this.pos = start;
    this.event(1, 1, grammar, state);
    return this.chNbit(n, min, max, ctx);
  }

  /** SE (the one event of the state), CH, EXI Integer in [min, max] (both within ±2^53), EE. */
  seInt(min: number, max: number, grammar: string, state: number, ctx: string): number {
    const start = this.pos;
    // SE, CH and the sign bit in one read.
    const h = this.pos + 3 <= this.endBits ? this.bits(3) : 4;
    if (h < 2) {
      const m = this.uint();
      const v = h === 1 ? -(m + 1) : m;
      if (v >= min && v <= max && this.pos < this.endBits && this.bits(1) === 0) return v;
    }
    this.pos = start;
    this.event(1, 1, grammar, state);
    return this.chInt(min, max, ctx);
  }

  /** SE (the one event of the state), CH, EXI Unsigned Integer in [min, max], EE. */
  seUint(min: number, max: number, grammar: string, state: number, ctx: string): number {
    const start = this.pos;
    if (this.pos + 2 <= this.endBits && this.bits(2) === 0) {
      const v = this.uint();
      if (v >= min && v <= max && this.pos < this.endBits && this.bits(1) === 0) return v;
    }
    this.pos = start;
    this.event(1, 1, grammar, state);
    return this.chUint(min, max, ctx);
  }

  /**
   * SE (the one event of the state), CH, binary value, EE: the two 1-bit codes in one read.
   * A code that is not 0 (or input ending inside them) rewinds and goes step by step for the
   * exact error; the value and EE fail as they do step by step, at the same position (no
   * rewind after the value: a lenient length warning is given once).
   */
  seBinary(minLen: number, maxLen: number, grammar: string, state: number, ctx: string): Uint8Array {
    const start = this.pos;
    // Fast path (every SessionID and EVCCID): SE and CH codes 0, a length below 128 (one
    // group) within the facets, the bytes and EE's code 0 all inside the input. One read of
    // 10 bits, the bytes, one bit; anything else goes the general way below.
    const buf = this.buf;
    const i = start >>> 3;
    if (i + 2 < buf.length) {
      const off = start & 7;
      const x = ((((buf[i] as number) << 16) | ((buf[i + 1] as number) << 8) | (buf[i + 2] as number)) >>> (14 - off)) & 0x3ff;
      const len = x & 0x7f;
      const p = start + 10;
      if (x >>> 7 === 0 && len >= minLen && len <= maxLen && p + len * 8 < this.endBits) {
        const e = p + len * 8;
        if ((((buf[e >>> 3] as number) >>> (7 - (e & 7))) & 1) === 0) {
          this.pos = e + 1;
          if (len === 0) return EMPTY_BYTES;
          const out = new Uint8Array(len);
          const o = p & 7;
          let j = p >>> 3;
          if (o === 0) for (let k = 0; k < len; k++, j++) out[k] = buf[j] as number;
          else {
            // One read per byte, the low bits carried to the next one. Byte j + len exists:
            // EE's bit follows the last byte.
            const q = 8 - o;
            let hi = ((buf[j] as number) << o) & 0xff;
            for (let k = 0; k < len; k++) {
              const b = buf[++j] as number;
              out[k] = hi | (b >>> q);
              hi = (b << o) & 0xff;
            }
          }
          return out;
        }
      }
    }
    if (start + 2 <= this.endBits && this.bits(2) === 0) {
      const v = this.binary(minLen, maxLen, ctx);
      this.ee(ctx);
      return v;
    }
    this.pos = start;
    this.event(1, 1, grammar, state);
    return this.chBinary(minLen, maxLen, ctx);
  }

  /** CH, binary value, EE. */
  chBinary(minLen: number, maxLen: number, grammar: string): Uint8Array {
    const start = this.pos;
    if (start < this.endBits && this.bits(1) === 0) {
      const v = this.binary(minLen, maxLen, grammar);
      this.ee(grammar);
      return v;
    }
    this.pos = start;
    this.ch(grammar);
    const v = this.binary(minLen, maxLen, grammar);
    this.ee(grammar);
    return v;
  }

  /** SE (the one event of the state), CH, string value, EE (see seBinary). */
  seString(minLen: number, maxLen: number, grammar: string, state: number, ctx: string): string {
    const start = this.pos;
    if (start + 2 <= this.endBits && this.bits(2) === 0) {
      const v = this.string(minLen, maxLen, ctx);
      this.ee(ctx);
      return v;
    }
    this.pos = start;
    this.event(1, 1, grammar, state);
    return this.chString(minLen, maxLen, ctx);
  }

  /** CH, string value, EE. */
  chString(minLen: number, maxLen: number, grammar: string): string {
    const start = this.pos;
    if (start < this.endBits && this.bits(1) === 0) {
      const v = this.string(minLen, maxLen, grammar);
      this.ee(grammar);
      return v;
    }
    this.pos = start;
    this.ch(grammar);
    const v = this.string(minLen, maxLen, grammar);
    this.ee(grammar);
    return v;
  }

  /** CH, boolean, EE. */
  chBool(grammar: string): boolean {
    const v = this.fused(1);
    if (v >= 0) return v === 1;
    this.ch(grammar);
    const b = this.bool();
    this.ee(grammar);
    return b;
  }

  /** CH, enumeration index (n bits, checked against count), EE. */
  chEnum(n: number, count: number, grammar: string): number {
    const start = this.pos;
    const v = this.fused(n);
    if (v >= 0 && v < count) return v;
    this.pos = start;
    this.ch(grammar);
    const i = this.enumIndex(n, count, grammar);
    this.ee(grammar);
    return i;
  }

  /** CH, n-bit offset integer in [min, max], EE. */
  chNbit(n: number, min: number, max: number, grammar: string): number {
    const start = this.pos;
    const v = this.fused(n);
    if (v >= 0 && v + min <= max) return v + min;
    this.pos = start;
    this.ch(grammar);
    const x = this.nbit(n, min, max, grammar);
    this.ee(grammar);
    return x;
  }

  /** CH, EXI Integer in [min, max] (both within ±2^53), EE. */
  chInt(min: number, max: number, grammar: string): number {
    const start = this.pos;
    // CH and the sign bit in one read.
    const h = this.pos + 2 <= this.endBits ? this.bits(2) : 2;
    if (h < 2) {
      const m = this.uint();
      const v = h === 1 ? -(m + 1) : m;
      if (v >= min && v <= max && this.pos < this.endBits && this.bits(1) === 0) return v;
    }
    this.pos = start;
    this.ch(grammar);
    const v = this.rangeCheck(this.int(), min, max, grammar);
    this.ee(grammar);
    return v;
  }

  /** CH, EXI Unsigned Integer in [min, max], EE. */
  chUint(min: number, max: number, grammar: string): number {
    const start = this.pos;
    if (this.pos < this.endBits && this.bits(1) === 0) {
      const v = this.uint();
      if (v >= min && v <= max && this.pos < this.endBits && this.bits(1) === 0) return v;
    }
    this.pos = start;
    this.ch(grammar);
    const v = this.rangeCheck(this.uint(), min, max, grammar);
    this.ee(grammar);
    return v;
  }

  /** CH event of a simple-typed element: first-level code 0 of a 1-bit code. */
  ch(grammar: string): void {
    if (this.bits(1) !== 0) {
      this.pos -= 1;
      this.fail('SECOND_LEVEL_EVENT', `expected CH in ${grammar}, got a second-level event`, { grammar, state: 0 });
    }
  }

  /** EE after a simple value: first-level code 0 of a 1-bit code. */
  ee(grammar: string): void {
    if (this.bits(1) !== 0) {
      this.pos -= 1;
      this.fail('SECOND_LEVEL_EVENT', `expected EE in ${grammar}, got a second-level event`, { grammar, state: 1 });
    }
  }

  bool(): boolean {
    return this.bits(1) === 1;
  }

  /** EXI Unsigned Integer (7.1.6): 7-bit groups, least significant first, high bit = more. Fits in 2^53. */
  uint(): number {
    // Fast path: the value's groups lie within the input; one byte read per group, no call.
    const buf = this.buf;
    const end = this.endBits;
    let pos = this.pos;
    const off = pos & 7;
    let v = 0;
    let mul = 1;
    for (let k = 0; k < 4; k++) {
      if (pos + 8 > end) return this.uintSlow();
      const i = pos >>> 3;
      const b = off === 0 ? (buf[i] as number) : (((buf[i] as number) << off) | ((buf[i + 1] as number) >>> (8 - off))) & 0xff;
      pos += 8;
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return v;
      }
      mul *= 128;
    }
    // More than 28 bits: the general loop with its overflow checks.
    return this.uintSlow();
  }

  private uintSlow(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.bits(8);
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
      if (mul > TWO_53) this.fail('INTEGER_OVERFLOW', 'unsigned integer exceeds 2^53');
    }
    if (v > Number.MAX_SAFE_INTEGER) this.fail('INTEGER_OVERFLOW', 'unsigned integer exceeds 2^53');
    return v;
  }

  /** Unsigned Integer of any size; the group count is bounded by the input itself. */
  uintBig(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.bits(8);
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    return v;
  }

  /** EXI Integer (7.1.5): sign bit, then magnitude; negative values store magnitude - 1. */
  int(): number {
    const neg = this.bits(1) === 1;
    const m = this.uint();
    return neg ? -(m + 1) : m;
  }

  intBig(): bigint {
    const neg = this.bits(1) === 1;
    const m = this.uintBig();
    return neg ? -(m + 1n) : m;
  }

  /** Integer within [min, max] (not an n-bit range): checks the schema facets. */
  rangeCheck(v: number, min: number, max: number, grammar: string): number {
    if (v < min || v > max) {
      if (this.lenient & LENIENT_RANGE) {
        this.warnings.push({ field: grammar, facet: 'range', value: v, min, max });
        return v;
      }
      this.fail('VALUE_OUT_OF_RANGE', `${grammar}: ${v} outside ${min}..${max}`, { grammar });
    }
    return v;
  }

  rangeCheckBig(v: bigint, min: bigint | undefined, max: bigint | undefined, grammar: string): bigint {
    if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
      if (this.lenient & LENIENT_RANGE) {
        this.warnings.push({ field: grammar, facet: 'range', value: v, min, max });
        return v;
      }
      this.fail('VALUE_OUT_OF_RANGE', `${grammar}: ${v} outside ${min ?? '-inf'}..${max ?? 'inf'}`, { grammar });
    }
    return v;
  }

  /** n-bit offset integer (7.1.9: bounded ranges of at most 4096 values). */
  nbit(n: number, min: number, max: number, grammar: string): number {
    const v = this.bits(n) + min;
    if (v > max) {
      if (this.lenient & LENIENT_RANGE) {
        // Both C reference decoders (OpenV2Gx, libcbv2g) store an n-bit integer whose range lies
        // within 0..255 in a uint8_t: `(uint8_t)(value + min)`. OpenV2Gx's ISO-2 encoder writes
        // SAScheduleTupleID 0 (facet 1..255) as 8 bits of 0 - 1 = 0xff, which reads back as 256;
        // the C decoders give 0 again, the value the sender meant. Do the same.
        const decodedAs = min >= 0 && max <= 255 ? v & 0xff : v;
        this.warnings.push({ field: grammar, facet: 'range', value: v, min, max, ...(decodedAs !== v ? { decodedAs } : {}) });
        return decodedAs;
      }
      this.pos -= n;
      this.fail('VALUE_OUT_OF_RANGE', `${grammar}: ${v} above ${max}`, { grammar });
    }
    return v;
  }

  /** Enumeration index (7.2): n bits, checked against the number of values. */
  enumIndex(n: number, count: number, grammar: string): number {
    const i = this.bits(n);
    if (i >= count) {
      this.pos -= n;
      this.fail('BAD_ENUM_INDEX', `${grammar}: enumeration index ${i} of ${count}`, { grammar });
    }
    return i;
  }

  /**
   * String (7.1.10, value partition capacity 0): length + 2, then code points.
   * Codes 0 and 1 would be string-table hits, which V2G never produces.
   */
  string(minLen: number, maxLen: number, grammar: string): string {
    const start = this.pos;
    const n = this.uint();
    if (n < 2) {
      this.pos = start;
      this.fail('STRING_TABLE_HIT', `${grammar}: string table reference (value partition capacity is 0)`, { grammar });
    }
    const len = n - 2;
    if ((len < minLen || len > maxLen) && !this.lengthAccepted(len, minLen, maxLen, grammar)) {
      this.pos = start;
      this.fail('LENGTH_OUT_OF_RANGE', `${grammar}: string length ${len} outside ${minLen}..${maxLen}`, { grammar });
    }
    // Each character takes at least 8 bits: refuse before allocating anything.
    if (len * 8 > this.endBits - this.pos) this.fail('TRUNCATED', `${grammar}: string of ${len} characters exceeds the input`, { grammar });
    if (len <= 256) {
      // Fast path: ASCII characters (every V2G string in practice: namespaces, IDs, URIs) are
      // one 7-bit group each, one byte read per character (the length check above ensured
      // len * 8 bits remain); the string is built once from a fresh plain array
      // (String.fromCharCode.apply measured 2.6x faster with one than with a Uint16Array).
      const buf = this.buf;
      let pos = this.pos;
      const off = pos & 7;
      const chars = new Array<number>(len);
      let k = 0;
      for (; k < len; k++) {
        const i = pos >>> 3;
        const b = off === 0 ? (buf[i] as number) : (((buf[i] as number) << off) | ((buf[i + 1] as number) >>> (8 - off))) & 0xff;
        if (b >= 0x80) break;
        chars[k] = b;
        pos += 8;
      }
      if (k === len) {
        this.pos = pos;
        return String.fromCharCode.apply(null, chars);
      }
    }
    // Collect UTF-16 code units, then build the string once.
    const units = len * 2 <= STRING_SCRATCH.length ? STRING_SCRATCH : new Uint16Array(len * 2);
    let k = 0;
    for (let i = 0; i < len; i++) {
      const cp = this.uint();
      if (cp < 0x10000) units[k++] = cp;
      else if (cp <= 0x10ffff) {
        const c = cp - 0x10000;
        units[k++] = 0xd800 + (c >>> 10);
        units[k++] = 0xdc00 + (c & 0x3ff);
      } else this.fail('BAD_CHARACTER', `${grammar}: code point ${cp}`, { grammar });
    }
    let s = '';
    for (let i = 0; i < k; i += 4096) s += String.fromCharCode.apply(null, units.subarray(i, Math.min(k, i + 4096)) as unknown as number[]);
    return s;
  }

  /** hexBinary / base64Binary (7.1.1): length, then the bytes. */
  binary(minLen: number, maxLen: number, grammar: string): Uint8Array {
    const start = this.pos;
    const len = this.uint();
    if ((len < minLen || len > maxLen) && !this.lengthAccepted(len, minLen, maxLen, grammar)) {
      this.pos = start;
      this.fail('LENGTH_OUT_OF_RANGE', `${grammar}: binary length ${len} outside ${minLen}..${maxLen}`, { grammar });
    }
    if (len * 8 > this.endBits - this.pos) this.fail('TRUNCATED', `${grammar}: ${len} bytes exceed the input`, { grammar });
    // An empty value (e.g. the EVCCID some cars send in DIN SessionSetupReq) is one shared,
    // frozen empty array: it has no content to change, and a typed array costs ~400
    // instructions to create, as much as the rest of a 15-byte message.
    if (len === 0) return EMPTY_BYTES;
    if ((this.pos & 7) === 0) {
      const o = this.pos >>> 3;
      this.pos += len * 8;
      return copyBytes(this.buf, o, len);
    }
    // Not byte-aligned (e.g. every DIN SessionID): each byte from two, no call per byte. The
    // length check above ensured len * 8 bits remain, so byte i + 1 exists.
    const out = new Uint8Array(len);
    const buf = this.buf;
    const off = this.pos & 7;
    let i = this.pos >>> 3;
    for (let k = 0; k < len; k++, i++) out[k] = (((buf[i] as number) << off) | ((buf[i + 1] as number) >>> (8 - off))) & 0xff;
    this.pos += len * 8;
    return out;
  }

  /**
   * Lenient mode: a string/binary length outside the facet is accepted (with a warning) when
   * the stream still holds that many items. The remaining-input check that follows bounds the
   * allocation, so an accepted length can never allocate more than the input holds.
   */
  private lengthAccepted(len: number, minLen: number, maxLen: number, grammar: string): boolean {
    if ((this.lenient & LENIENT_LENGTH) === 0) return false;
    this.warnings.push({ field: grammar, facet: 'length', value: len, min: minLen, max: maxLen });
    return true;
  }

  /** Adds the innermost grammar and state to a fault raised by a primitive (decoder catch blocks). */
  at(e: unknown, grammar: string, state: number): unknown {
    if (e instanceof ExiFault && e.context.grammar === undefined) {
      e.context.grammar = grammar;
      e.context.state = state;
    }
    return e;
  }

  /** Never reached: event() only returns declared codes and states are closed. Kept for the type checker. */
  unreachable(): never {
    return this.fail('INTERNAL', 'unreachable grammar state');
  }

  unsupported(what: string, grammar: string, state: number): never {
    return this.fail('UNSUPPORTED_EVENT', `${what} in ${grammar} state ${state} is not supported`, { grammar, state });
  }
}

export class BitWriter {
  buf: Uint8Array;
  /** Position in bits. */
  pos = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
  }

  /**
   * Ready for the next document after a failed encode: zero the bytes used so far (bits()
   * ORs into zeroed bytes). finish() leaves the writer ready by itself.
   */
  reset(): void {
    if (this.buf.length > 65536) this.buf = new Uint8Array(256);
    else {
      const n = Math.min(this.buf.length, ((this.pos + 7) >>> 3) + 1);
      // A V2G message is tens of bytes: a loop beats the fill() builtin call there.
      if (n <= 128) for (let i = 0; i < n; i++) this.buf[i] = 0;
      else this.buf.fill(0, 0, n);
    }
    this.pos = 0;
  }

  fail(code: ExiErrorCode, message: string, field: string): never {
    throw new ExiFault(code, message, undefined, { field }, [field]);
  }

  private grow(bits: number): void {
    const need = ((this.pos + bits + 7) >>> 3) + 1;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf);
    this.buf = b;
  }

  /**
   * n-bit unsigned, most significant bit first. The buffer is zeroed ahead of the writer.
   * Small enough for V8 to inline into the generated encoders; the rest is in bitsSlow().
   */
  bits(n: number, v: number): void {
    const pos = this.pos;
    const i = pos >>> 3;
    const off = pos & 7;
    const buf = this.buf;
    if (n <= 25 && i + 4 < buf.length) {
      // Fast path: a 32-bit window (off + n <= 32). Only byte i can hold earlier bits: every
      // byte after the one at pos is still zero, so those are assigned, not ORed.
      const x = (v & ((1 << n) - 1)) << (32 - off - n);
      buf[i] = (buf[i] as number) | (x >>> 24);
      buf[i + 1] = (x >>> 16) & 0xff;
      buf[i + 2] = (x >>> 8) & 0xff;
      buf[i + 3] = x & 0xff;
      this.pos = pos + n;
      return;
    }
    this.bitsSlow(n, v);
  }

  private bitsSlow(n: number, v: number): void {
    if (n === 0) return;
    if ((this.pos >>> 3) + 4 >= this.buf.length) this.grow(n + 32);
    const buf = this.buf;
    let p = this.pos;
    let k = n;
    while (k > 0) {
      const bitOff = p & 7;
      const avail = 8 - bitOff;
      const take = avail < k ? avail : k;
      const chunk = Math.floor(v / 2 ** (k - take)) & ((1 << take) - 1);
      const j = p >>> 3;
      buf[j] = (buf[j] as number) | (chunk << (avail - take));
      p += take;
      k -= take;
    }
    this.pos = p;
  }

  // Simple-typed elements in one write: `pre` holds the SE event code and CH (code 0 of
  // 1 bit) in `preBits` bits; the value follows, then EE (code 0 of 1 bit). The generated
  // encoders use these where preBits + the value's bits stay within 30 bits.

  /** SE, CH, boolean, EE. */
  seBool(preBits: number, pre: number, v: unknown, field: string): void {
    if (typeof v !== 'boolean') this.fail('BAD_VALUE', `${field}: expected a boolean, got ${typeof v}`, field);
    this.bits(preBits + 2, (pre << 2) | (v ? 2 : 0));
  }

  /** SE, CH, enumeration index (n bits), EE. */
  seEnum(preBits: number, pre: number, v: unknown, index: ReadonlyMap<unknown, number>, n: number, field: string): void {
    const i = index.get(v);
    if (i === undefined) this.fail('BAD_ENUM_VALUE', `${field}: ${String(v)} is not a value of the enumeration`, field);
    this.bits(preBits + n + 1, (pre << (n + 1)) | (i << 1));
  }

  /** SE, CH, enumeration index `i` (n bits) of the value `v`, EE; i = -1: `v` is not a value. */
  seEnumIndex(preBits: number, pre: number, i: number, v: unknown, n: number, field: string): void {
    if (i < 0) this.fail('BAD_ENUM_VALUE', `${field}: ${String(v)} is not a value of the enumeration`, field);
    this.bits(preBits + n + 1, (pre << (n + 1)) | (i << 1));
  }

  /** SE, CH, n-bit offset integer in [min, max], EE. */
  seNbit(preBits: number, pre: number, v: unknown, n: number, min: number, max: number, field: string): void {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail('BAD_VALUE', `${field}: expected an integer, got ${typeof v}`, field);
    if (v < min || v > max) this.fail('VALUE_OUT_OF_RANGE', `${field}: ${v} outside ${min}..${max}`, field);
    this.bits(preBits + n + 1, (pre << (n + 1)) | ((v - min) << 1));
  }

  /** SE, CH, EXI Integer (sign bit, magnitude) in [min, max], EE. */
  seInt(preBits: number, pre: number, v: unknown, min: number, max: number, field: string): void {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail('BAD_VALUE', `${field}: expected an integer, got ${typeof v}`, field);
    if (v < min || v > max) this.fail('VALUE_OUT_OF_RANGE', `${field}: ${v} outside ${min}..${max}`, field);
    // A magnitude below 128 is one 8-bit group: prefix, sign and group in one write.
    if (v >= 0 && v < 128) this.bits(preBits + 9, (pre << 9) | v);
    else if (v < 0 && v >= -128) this.bits(preBits + 9, (pre << 9) | 0x100 | (-v - 1));
    else if (v < 0) {
      this.bits(preBits + 1, (pre << 1) | 1);
      this.uint(-v - 1);
    } else {
      this.bits(preBits + 1, pre << 1);
      this.uint(v);
    }
    this.pos++;
  }

  /** SE, CH, EXI Unsigned Integer in [min, max], EE. */
  seUint(preBits: number, pre: number, v: unknown, min: number, max: number, field: string): void {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail('BAD_VALUE', `${field}: expected an integer, got ${typeof v}`, field);
    if (v < min || v > max) this.fail('VALUE_OUT_OF_RANGE', `${field}: ${v} outside ${min}..${max}`, field);
    if (v < 128) this.bits(preBits + 8, (pre << 8) | v);
    else {
      this.bits(preBits, pre);
      this.uint(v);
    }
    this.pos++;
  }

  /** Event code from a per-state table; code -1 means the event is not allowed there. */
  event(width: number, code: number, grammar: string, field: string, state: number, expected: readonly string[]): void {
    if (code < 0) {
      throw new ExiFault(
        field === '' ? 'MISSING_FIELD' : 'NOT_ALLOWED_HERE',
        `${grammar}: ${field === '' ? 'element cannot end here' : field + ' not allowed here'} (state ${state}; expected one of ${expected[state] ?? '?'})`,
        undefined,
        { grammar, field },
        field === '' ? [] : [field],
      );
    }
    this.bits(width, code);
  }

  uint(v: number): void {
    if (v < 128) {
      this.bits(8, v);
      return;
    }
    if (v <= 0x7fffffff) {
      let x = v | 0;
      while (x >= 128) {
        this.bits(8, (x & 0x7f) | 0x80);
        x >>>= 7;
      }
      this.bits(8, x);
      return;
    }
    while (v >= 128) {
      this.bits(8, (v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.bits(8, v);
  }

  uintBig(v: bigint): void {
    while (v >= 128n) {
      this.bits(8, Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.bits(8, Number(v));
  }

  /** Checked integer write: number, integral, within [min, max]; EXI Integer or Unsigned Integer. */
  intChecked(v: unknown, min: number, max: number, unsigned: boolean, field: string): void {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail('BAD_VALUE', `${field}: expected an integer, got ${typeof v}`, field);
    if (v < min || v > max) this.fail('VALUE_OUT_OF_RANGE', `${field}: ${v} outside ${min}..${max}`, field);
    if (unsigned) this.uint(v);
    else if (v < 0) {
      this.bits(1, 1);
      this.uint(-v - 1);
    } else {
      this.bits(1, 0);
      this.uint(v);
    }
  }

  bigChecked(v: unknown, min: bigint | undefined, max: bigint | undefined, unsigned: boolean, field: string): void {
    if (typeof v !== 'bigint') this.fail('BAD_VALUE', `${field}: expected a bigint, got ${typeof v}`, field);
    if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
      this.fail('VALUE_OUT_OF_RANGE', `${field}: ${v} outside ${min ?? '-inf'}..${max ?? 'inf'}`, field);
    }
    if (unsigned) this.uintBig(v);
    else if (v < 0n) {
      this.bits(1, 1);
      this.uintBig(-v - 1n);
    } else {
      this.bits(1, 0);
      this.uintBig(v);
    }
  }

  nbitChecked(v: unknown, n: number, min: number, max: number, field: string): void {
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail('BAD_VALUE', `${field}: expected an integer, got ${typeof v}`, field);
    if (v < min || v > max) this.fail('VALUE_OUT_OF_RANGE', `${field}: ${v} outside ${min}..${max}`, field);
    this.bits(n, v - min);
  }

  boolChecked(v: unknown, field: string): void {
    if (typeof v !== 'boolean') this.fail('BAD_VALUE', `${field}: expected a boolean, got ${typeof v}`, field);
    this.bits(1, v ? 1 : 0);
  }

  enumChecked(v: unknown, index: ReadonlyMap<unknown, number>, n: number, field: string): void {
    const i = index.get(v);
    if (i === undefined) this.fail('BAD_ENUM_VALUE', `${field}: ${String(v)} is not a value of the enumeration`, field);
    this.bits(n, i);
  }

  /** Enumeration index `i` (n bits) of the value `v`; i = -1: `v` is not a value. */
  enumIndexChecked(i: number, v: unknown, n: number, field: string): void {
    if (i < 0) this.fail('BAD_ENUM_VALUE', `${field}: ${String(v)} is not a value of the enumeration`, field);
    this.bits(n, i);
  }

  stringChecked(v: unknown, minLen: number, maxLen: number, field: string): void {
    if (typeof v !== 'string') this.fail('BAD_VALUE', `${field}: expected a string, got ${typeof v}`, field);
    if (v.length + 2 < 128 && v.length >= minLen && v.length <= maxLen && this.asciiShort(v)) return;
    let len = 0;
    let ascii = true;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) ascii = false;
      // A surrogate pair is one character (code point) in XML and in EXI.
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < v.length) {
        const d = v.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      len++;
    }
    if (len < minLen || len > maxLen) this.fail('LENGTH_OUT_OF_RANGE', `${field}: length ${len} outside ${minLen}..${maxLen}`, field);
    this.uint(len + 2);
    if (ascii) {
      // Each character is one 8-bit group: write the bytes directly (into zeroed bytes).
      this.grow(len * 8 + 32);
      const buf = this.buf;
      const off = this.pos & 7;
      let j = this.pos >>> 3;
      if (off === 0) for (let i = 0; i < len; i++) buf[j++] = v.charCodeAt(i);
      else {
        for (let i = 0; i < len; i++) {
          const c = v.charCodeAt(i);
          buf[j] = (buf[j] as number) | (c >>> off);
          buf[++j] = (c << (8 - off)) & 0xff;
        }
      }
      this.pos += len * 8;
      return;
    }
    for (let i = 0; i < v.length; i++) {
      const cp = v.codePointAt(i) as number;
      if (cp > 0xffff) i++;
      this.uint(cp);
    }
  }

  /**
   * Fast path of stringChecked() for a string of fewer than 126 UTF-16 units whose length
   * meets the facets: length + 2 as one 8-bit group, then one byte per character, written in
   * one pass on the assumption that every character is ASCII (every V2G string in practice).
   * At the first other character the bytes written are zeroed again and false is returned:
   * the caller then counts code points and writes the string the general way.
   */
  private asciiShort(v: string): boolean {
    const n = v.length;
    this.grow(n * 8 + 40);
    const start = this.pos;
    this.bits(8, n + 2);
    const buf = this.buf;
    const off = this.pos & 7;
    let j = this.pos >>> 3;
    let i = 0;
    if (off === 0) {
      for (; i < n; i++) {
        const c = v.charCodeAt(i);
        if (c >= 0x80) break;
        buf[j++] = c;
      }
    } else {
      for (; i < n; i++) {
        const c = v.charCodeAt(i);
        if (c >= 0x80) break;
        buf[j] = (buf[j] as number) | (c >>> off);
        buf[++j] = (c << (8 - off)) & 0xff;
      }
    }
    if (i === n) {
      this.pos += n * 8;
      return true;
    }
    // Undo: keep the bits before start in its byte, zero everything written after them.
    const k = start >>> 3;
    const keep = start & 7;
    buf[k] = (buf[k] as number) & ((0xff << (8 - keep)) & 0xff);
    for (let x = k + 1; x <= j + 1 && x < buf.length; x++) buf[x] = 0;
    this.pos = start;
    return false;
  }

  binaryChecked(v: unknown, minLen: number, maxLen: number, field: string): void {
    if (!(v instanceof Uint8Array)) this.fail('BAD_VALUE', `${field}: expected a Uint8Array`, field);
    if (v.length < minLen || v.length > maxLen) {
      this.fail('LENGTH_OUT_OF_RANGE', `${field}: ${v.length} bytes outside ${minLen}..${maxLen}`, field);
    }
    const n = v.length;
    const pos = this.pos;
    let j = pos >>> 3;
    if (n < 128 && j + n + 2 < this.buf.length) {
      // Fast path (every SessionID, EVCCID): the length is one 7-bit group (a byte whose high
      // bit is clear), written like the value's bytes, with no call. Only the byte at pos can
      // hold earlier bits; the ones after it are still zero.
      const buf = this.buf;
      const off = pos & 7;
      if (off === 0) {
        buf[j] = n;
        for (let i = 0; i < n; i++) buf[++j] = v[i] as number;
      } else {
        // One read and one write per byte: the bits that spill into the next byte are carried.
        const r = 8 - off;
        buf[j] = (buf[j] as number) | (n >>> off);
        let carry = (n << r) & 0xff;
        for (let i = 0; i < n; i++) {
          const c = v[i] as number;
          buf[++j] = carry | (c >>> off);
          carry = (c << r) & 0xff;
        }
        buf[j + 1] = carry;
      }
      this.pos = pos + 8 + n * 8;
      return;
    }
    this.uint(n);
    if ((this.pos & 7) === 0) {
      this.grow(n * 8 + 32);
      const buf = this.buf;
      const o = this.pos >>> 3;
      // Short values (SessionID, EVCCID) copy faster in a loop than through set().
      if (n <= 32) for (let i = 0; i < n; i++) buf[o + i] = v[i] as number;
      else buf.set(v, o);
      this.pos += n * 8;
    } else {
      // Not byte-aligned (e.g. every DIN SessionID): each byte split over two, written inline
      // (only the byte at pos can hold earlier bits; the ones after it are still zero).
      this.grow(n * 8 + 32);
      const buf = this.buf;
      const off = this.pos & 7;
      let j = this.pos >>> 3;
      for (let i = 0; i < n; i++) {
        const c = v[i] as number;
        buf[j] = (buf[j] as number) | (c >>> off);
        buf[++j] = (c << (8 - off)) & 0xff;
      }
      this.pos += n * 8;
    }
  }

  /** Checks that a complex-typed field holds an object before its encoder reads it. */
  obj(v: unknown, field: string): void {
    if (typeof v !== 'object' || v === null) this.fail('BAD_VALUE', `${field}: expected an object`, field);
  }

  /** A mandatory field is absent. */
  missing(grammar: string, field: string): never {
    throw new ExiFault('MISSING_FIELD', `${grammar}: ${field} is required`, undefined, { grammar, field }, [field]);
  }

  arr(v: unknown, field: string): void {
    if (!Array.isArray(v)) this.fail('BAD_VALUE', `${field}: expected an array`, field);
  }

  /**
   * The encoded bytes (a copy; the writer's buffer is reused), and the writer ready for the
   * next document: the copy loop zeroes the bytes it takes (bits() ORs into zeroed bytes;
   * nothing past the last byte is ever non-zero), so a successful encode needs no reset().
   */
  finish(): Uint8Array {
    const n = (this.pos + 7) >>> 3;
    // Zero bits may have been skipped (pos++) past the last write: make room for them.
    if (n > this.buf.length) this.grow(8);
    const buf = this.buf;
    this.pos = 0;
    if (n > 1024 || buf.length > 65536) {
      const out = buf.slice(0, n);
      if (buf.length > 65536) this.buf = new Uint8Array(256);
      else buf.fill(0, 0, n);
      return out;
    }
    const out = resultBytes(n);
    for (let i = 0; i < n; i++) {
      out[i] = buf[i] as number;
      buf[i] = 0;
    }
    return out;
  }
}

/** Every decoded empty binary value (see BitReader.binary). */
export const EMPTY_BYTES: Uint8Array = Object.freeze(new Uint8Array(0)) as Uint8Array;

// Results longer than V8's on-heap typed-array limit (64 bytes) would each need their own
// ArrayBuffer backing store (measured: a quarter of the encode time of a 68-byte
// supportedAppProtocolReq). They are views into a shared 16 KiB slab instead, as Node's
// Buffer pool does; a kept result keeps at most its slab alive.
const SLAB_SIZE = 16384;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabOffset = 0;

/** A fresh array of n ≤ 1024 bytes, the caller's to keep. */
function resultBytes(n: number): Uint8Array {
  if (n <= 64) return new Uint8Array(n);
  if (slabOffset + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabOffset = 0;
  }
  const out = new Uint8Array(slab, slabOffset, n);
  slabOffset += (n + 7) & ~7;
  return out;
}

/** A copy of buf[from, from + n), the caller's to keep. */
function copyBytes(buf: Uint8Array, from: number, n: number): Uint8Array {
  if (n > 1024) return buf.slice(from, from + n);
  const out = resultBytes(n);
  for (let i = 0; i < n; i++) out[i] = buf[from + i] as number;
  return out;
}

/** Prefix an encoder fault with the element it happened in (builds the field path). */
export function withPath(e: unknown, name: string): unknown {
  if (e instanceof ExiFault) {
    if (e.path[0] !== name) e.path.unshift(name);
    return e;
  }
  // A value of the wrong shape (e.g. null where an object is expected) surfaces as a
  // TypeError from a property read: report it as a typed error at this element.
  const msg = errorMessage(e);
  return new ExiFault('BAD_VALUE', `${name}: ${msg}`, undefined, { field: name }, [name]);
}
