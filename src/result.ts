// Results and typed errors shared by every codec and protocol layer.
// A codec never throws on bad input: it returns { ok: false, error } where the
// error is plain data with a code, a human message and, where it applies, the
// byte offset or bit position at which the input went wrong.

export type Result<T, E = CodecError> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/**
 * A codec's typed error. Each layer narrows `C` to its own union of codes
 * (e.g. `CodecError<V2gtpErrorCode>`), so a misspelt code does not compile and
 * a caller can switch on the codes exhaustively; `CodecError` alone accepts any code.
 */
export interface CodecError<C extends string = string> {
  /** Stable machine-readable code, e.g. 'TRUNCATED', 'BAD_MMV', 'BAD_VERSION'. */
  readonly code: C;
  /** One line for a human, says what was expected and what was found. */
  readonly message: string;
  /** Byte offset in the input where decoding failed (when meaningful). */
  readonly offset?: number;
  /** Bit position in the input where decoding failed (bit-level codecs such as EXI). */
  readonly bitPosition?: number;
  /** Extra context: grammar state, field name, message type, ... */
  readonly context?: Readonly<Record<string, string | number>>;
}

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E = CodecError>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

export function codecError<C extends string>(
  code: C,
  message: string,
  where: { offset?: number; bitPosition?: number; context?: Record<string, string | number> } = {},
): CodecError<C> {
  return { code, message, ...where };
}
