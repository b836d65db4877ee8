// Key specifications: the one description of a configuration key from which
// validation, defaults, `tsplc config show`, the pyPLC import and
// docs/configuration.md are all derived.

interface Base {
  /** One line for the documentation and error messages. */
  readonly doc: string;
  /** The pyPLC pyPlc.ini key ([general] section) this key replaces, if any. */
  readonly pyplc?: string;
}

export interface IntSpec extends Base {
  readonly type: 'int';
  readonly min: number;
  readonly max: number;
  readonly default: number;
  readonly unit?: string;
}
export interface NumberSpec extends Base {
  readonly type: 'number';
  readonly min: number;
  readonly max: number;
  readonly default: number;
  readonly unit?: string;
}
/** A number that may be absent (null): the key is simply left out of the file. */
export interface OptionalNumberSpec extends Base {
  readonly type: 'number?';
  readonly min: number;
  readonly max: number;
  readonly default: null;
  readonly unit?: string;
}
export interface BoolSpec extends Base {
  readonly type: 'bool';
  readonly default: boolean;
}
export interface StringSpec extends Base {
  readonly type: 'string';
  readonly default: string;
  /** When set, the value must match (empty string always allowed when allowEmpty). */
  readonly pattern?: RegExp;
  readonly patternHint?: string;
  readonly allowEmpty?: boolean;
}
export interface EnumSpec<V extends string = string> extends Base {
  readonly type: 'enum';
  readonly values: readonly V[];
  readonly default: V;
}
export interface ListSpec<V extends string = string> extends Base {
  readonly type: 'list';
  readonly values: readonly V[];
  readonly default: readonly V[];
  /** At least this many entries. */
  readonly minItems: number;
}

/**
 * A GPIO pin: its name as the board prints it ("GPIO17", "PIN11", "P9_23") or the
 * board's GPIO number; -1 = not fitted. The name is checked against the board
 * (general.board) by validateConfig, through src/domain/hardware/pins.ts.
 */
export interface PinSpec extends Base {
  readonly type: 'pin';
  readonly default: -1;
}

export type KeySpec = IntSpec | NumberSpec | OptionalNumberSpec | BoolSpec | StringSpec | EnumSpec | ListSpec | PinSpec;

export type ValueOf<S> = S extends PinSpec
  ? number | string
  : S extends IntSpec | NumberSpec
  ? number
  : S extends OptionalNumberSpec
    ? number | null
    : S extends BoolSpec
      ? boolean
      : S extends EnumSpec<infer V>
        ? V
        : S extends ListSpec<infer V>
          ? readonly V[]
          : string;

export function int(def: number, min: number, max: number, doc: string, extra: { unit?: string; pyplc?: string } = {}): IntSpec {
  return { type: 'int', default: def, min, max, doc, ...extra };
}
export function ms(def: number, min: number, max: number, doc: string, extra: { pyplc?: string } = {}): IntSpec {
  return { type: 'int', default: def, min, max, doc, unit: 'ms', ...extra };
}
export function num(def: number, min: number, max: number, doc: string, extra: { unit?: string; pyplc?: string } = {}): NumberSpec {
  return { type: 'number', default: def, min, max, doc, ...extra };
}
export function optNum(min: number, max: number, doc: string, extra: { unit?: string } = {}): OptionalNumberSpec {
  return { type: 'number?', default: null, min, max, doc, ...extra };
}
export function bool(def: boolean, doc: string, extra: { pyplc?: string } = {}): BoolSpec {
  return { type: 'bool', default: def, doc, ...extra };
}
export function str(def: string, doc: string, extra: { pattern?: RegExp; patternHint?: string; allowEmpty?: boolean; pyplc?: string } = {}): StringSpec {
  return { type: 'string', default: def, doc, ...extra };
}
export function pin(doc: string): PinSpec {
  return { type: 'pin', default: -1, doc };
}
export function oneOf<const V extends string>(values: readonly V[], def: NoInfer<V>, doc: string, extra: { pyplc?: string } = {}): EnumSpec<V> {
  return { type: 'enum', values, default: def, doc, ...extra };
}
export function listOf<const V extends string>(values: readonly V[], def: readonly NoInfer<V>[], doc: string, minItems = 1): ListSpec<V> {
  return { type: 'list', values, default: def, doc, minItems };
}

/** Human description of the allowed values, for error messages and the docs. */
export function describeRange(s: KeySpec): string {
  switch (s.type) {
    case 'int':
      return `an integer ${s.min}–${s.max}${s.unit ? ` ${s.unit}` : ''}`;
    case 'number':
      return `a number ${s.min}–${s.max}${s.unit ? ` ${s.unit}` : ''}`;
    case 'number?':
      return `a number ${s.min}–${s.max}${s.unit ? ` ${s.unit}` : ''}, or absent`;
    case 'bool':
      return 'true or false';
    case 'string':
      return s.patternHint ?? 'a string';
    case 'enum':
      return `one of ${s.values.join(', ')}`;
    case 'list':
      return `a list of ${s.values.join(', ')} (at least ${s.minItems})`;
    case 'pin':
      return 'a pin as the board names it (Raspberry Pi "GPIO17" or "PIN11", BeagleBone "P9_23") or its GPIO number; -1 = not fitted';
  }
}

export function formatDefault(s: KeySpec): string {
  if (s.type === 'number?') return '(absent)';
  if (s.type === 'list') return `[${s.default.map((v) => JSON.stringify(v)).join(', ')}]`;
  if (s.type === 'string' || s.type === 'enum') return JSON.stringify(s.default);
  return String(s.default);
}
