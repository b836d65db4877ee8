// Validation, defaults, command-line overrides and TOML output of the config.
// Pure: the file is read by src/runtime/config-file.ts.
import { parse as parseToml, TomlError } from 'smol-toml';
import { err, ok, type Result } from '../result.js';
import { safeShutdownBudgetMs } from '../domain/safety/timing.js';
import { sections, schema, unsupportedKeys, type SectionName, type TsplcConfig } from './schema.js';
import { describeRange, formatDefault, type KeySpec } from './spec.js';
import { resolveConfigPins } from './pins.js';
import { errorMessage } from '../errors.js';

export interface ConfigError {
  /** 'section.key' (or the section, or '' for the whole file). */
  readonly key: string;
  readonly message: string;
  /** Where the value came from: a file path, '--set', 'pyPlc.ini', ... */
  readonly source?: string;
  readonly line?: number;
  readonly column?: number;
}

/** A partially filled config as read from a file or built by an import: section → key → raw value. */
export type RawConfig = Record<string, Record<string, unknown>>;

export function formatConfigError(e: ConfigError): string {
  const where = [e.source, e.line !== undefined ? `line ${e.line}${e.column !== undefined ? `:${e.column}` : ''}` : undefined].filter(Boolean).join(' ');
  return `${where ? `${where}: ` : ''}${e.key ? `${e.key}: ` : ''}${e.message}`;
}

export function defaultConfig(): TsplcConfig {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, keys] of sections()) {
    out[section] = {};
    for (const [key, spec] of Object.entries(keys)) out[section][key] = Array.isArray(spec.default) ? [...(spec.default as string[])] : spec.default;
  }
  return out as unknown as TsplcConfig;
}

export function specOf(path: string): KeySpec | undefined {
  const [section, key, ...rest] = path.split('.');
  if (!section || !key || rest.length) return undefined;
  const keys = (schema as Record<string, Record<string, KeySpec>>)[section];
  return keys && Object.prototype.hasOwnProperty.call(keys, key) ? keys[key] : undefined;
}

/** Checks one typed value against its spec; returns the normalised value or an error message. */
function checkValue(spec: KeySpec, v: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  const bad = (): { ok: false; message: string } => ({ ok: false, message: `${show(v)} is not allowed: expected ${describeRange(spec)}` });
  switch (spec.type) {
    case 'int':
    case 'number':
    case 'number?': {
      if (spec.type === 'number?' && v === null) return { ok: true, value: null };
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) return bad();
      if (spec.type === 'int' && !Number.isInteger(n)) return bad();
      if (n < spec.min || n > spec.max) return { ok: false, message: `${n} is out of range: expected ${describeRange(spec)}` };
      return { ok: true, value: n };
    }
    case 'bool':
      return typeof v === 'boolean' ? { ok: true, value: v } : bad();
    case 'string':
      if (typeof v !== 'string') return bad();
      if (v === '' && spec.allowEmpty) return { ok: true, value: v };
      if (spec.pattern && !spec.pattern.test(v)) return bad();
      return { ok: true, value: v };
    case 'enum':
      return typeof v === 'string' && spec.values.includes(v) ? { ok: true, value: v } : bad();
    case 'pin': {
      // Which names exist depends on the board: checked with the other pins in validateConfig.
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n === 'number') return Number.isInteger(n) && n >= -1 && n <= 1023 ? { ok: true, value: n } : bad();
      if (typeof n !== 'string') return bad();
      const t = n.trim();
      if (/^(-1|none|)$/i.test(t)) return { ok: true, value: -1 };
      if (/^\d{1,4}$/.test(t)) return checkValue(spec, Number(t));
      return /^[A-Za-z][A-Za-z0-9_]{0,15}$/.test(t) ? { ok: true, value: t } : bad();
    }
    case 'list': {
      if (!Array.isArray(v) || v.length < spec.minItems || !v.every((x) => typeof x === 'string' && spec.values.includes(x))) return bad();
      if (new Set(v).size !== v.length) return { ok: false, message: `${show(v)} lists a value twice` };
      return { ok: true, value: [...v] };
    }
  }
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a table';
  return String(v);
}

/** Checks every key of one raw layer (unknown keys, types, ranges); fills the rest with defaults. */
function checkKeys(raw: RawConfig, source?: string): { config: TsplcConfig; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const out = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
  const at = (key: string, message: string): ConfigError => ({ key, message, ...(source ? { source } : {}) });
  for (const [section, values] of Object.entries(raw)) {
    const keys = (schema as Record<string, Record<string, KeySpec>>)[section];
    if (!keys) {
      errors.push(at(section, `unknown section [${section}] (known: ${Object.keys(schema).join(', ')})`));
      continue;
    }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      errors.push(at(section, `[${section}] must be a table`));
      continue;
    }
    for (const [key, value] of Object.entries(values)) {
      const spec = Object.prototype.hasOwnProperty.call(keys, key) ? keys[key] : undefined;
      const removed = spec ? undefined : unsupportedKeys[`${section}.${key}`];
      if (removed) {
        // At its default it asked for nothing; anything else would be silently ignored, so it is refused.
        if (value !== removed.default) errors.push(at(`${section}.${key}`, `${show(value)}: ${removed.reason}; remove the key`));
        continue;
      }
      if (!spec) {
        const near = suggest(key, Object.keys(keys));
        errors.push(at(`${section}.${key}`, `unknown key${near ? ` (did you mean ${section}.${near}?)` : ''}`));
        continue;
      }
      const r = checkValue(spec, value);
      if (r.ok) (out[section] as Record<string, unknown>)[key] = r.value;
      else errors.push(at(`${section}.${key}`, r.message));
    }
  }
  return { config: out as unknown as TsplcConfig, errors };
}

/** Validates raw values (one layer, or layers merged) into a full config with defaults. Collects every error. */
export function validateConfig(raw: RawConfig, source?: string): Result<TsplcConfig, ConfigError[]> {
  const { config: c, errors } = checkKeys(raw, source);
  const at = (key: string, message: string): ConfigError => ({ key, message, ...(source ? { source } : {}) });
  // Cross-key rules.
  if (c.evse.min_voltage > c.evse.max_voltage) errors.push(at('evse.min_voltage', `${c.evse.min_voltage} V is above evse.max_voltage (${c.evse.max_voltage} V)`));
  if (c.evse.min_current > c.evse.max_current) errors.push(at('evse.min_current', `${c.evse.min_current} A is above evse.max_current (${c.evse.max_current} A)`));
  if (c.ev.ac_min_current > c.ev.ac_max_current) errors.push(at('ev.ac_min_current', `${c.ev.ac_min_current} A is above ev.ac_max_current (${c.ev.ac_max_current} A)`));
  if (c.soc_callback.enabled && c.soc_callback.endpoint === '') errors.push(at('soc_callback.endpoint', 'must be set when soc_callback.enabled is true'));
  if (c.v2g.charge_target_voltage > c.ev.max_voltage) errors.push(at('v2g.charge_target_voltage', `${c.v2g.charge_target_voltage} V is above ev.max_voltage (${c.ev.max_voltage} V)`));
  // GPIO boards: every pin name must exist on the board, and no two keys may share a pin.
  const pins = resolveConfigPins(c);
  if (pins && !pins.ok) for (const e of pins.error) errors.push(at(e.key, e.message));
  if (c.hardware.pp_adc === 'ads1115' && c.hardware.inlet_adc === 'ads1115' && c.hardware.pp_adc_channel === c.hardware.adc_channel)
    errors.push(at('hardware.pp_adc_channel', `AIN${c.hardware.pp_adc_channel} is already hardware.adc_channel (the inlet voltage)`));
  const budget = safeShutdownBudgetMs({
    currentLimit: c.safety.current_limit,
    safeVoltage: c.safety.safe_voltage,
    currentDropDeadline: c.safety.current_drop_deadline,
    contactorOpenDeadline: c.safety.contactor_open_deadline,
    safeVoltageDeadline: c.safety.safe_voltage_deadline,
    dischargeWaitWithoutSensor: c.safety.discharge_wait_without_sensor,
    unlockDeadline: c.safety.unlock_deadline,
  });
  // A shutdown that is still within its own deadlines must not be reported as hung.
  if (c.connection.safe_shutdown_timeout <= budget)
    errors.push(at('connection.safe_shutdown_timeout', `${c.connection.safe_shutdown_timeout} ms is not above the SafeShutdownSequence worst case of ${budget} ms (sum of the [safety] deadlines)`));
  return errors.length ? err(errors) : ok(c);
}

/** Parses TOML text into raw values; syntax errors carry line and column. */
export function parseConfigText(text: string, source?: string): Result<RawConfig, ConfigError[]> {
  try {
    const doc = parseToml(text) as Record<string, unknown>;
    const raw: RawConfig = {};
    const errors: ConfigError[] = [];
    for (const [k, v] of Object.entries(doc)) {
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)) raw[k] = v as Record<string, unknown>;
      else errors.push({ key: k, message: 'every key belongs in a [section] (e.g. [general])', ...(source ? { source } : {}) });
    }
    return errors.length ? err(errors) : ok(raw);
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split('\n')[0] ?? e.message;
      return err([{ key: '', message: `TOML syntax: ${first}`, line: e.line, column: e.column, ...(source ? { source } : {}) }]);
    }
    return err([{ key: '', message: `cannot parse: ${errorMessage(e)}`, ...(source ? { source } : {}) }]);
  }
}

/** Merges raw layers: later layers win, key by key. */
export function mergeRaw(...layers: RawConfig[]): RawConfig {
  const out: RawConfig = {};
  for (const layer of layers)
    for (const [section, values] of Object.entries(layer)) {
      if (typeof values !== 'object' || values === null || Array.isArray(values)) {
        out[section] = values;
        continue;
      }
      out[section] = { ...(out[section] ?? {}), ...values };
    }
  return out;
}

/** Converts `--set section.key=value` strings into a raw layer, coercing text per the key's spec. */
export function parseOverrides(sets: readonly string[]): Result<RawConfig, ConfigError[]> {
  const raw: RawConfig = {};
  const errors: ConfigError[] = [];
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq < 0) {
      errors.push({ key: s, message: 'expected section.key=value', source: '--set' });
      continue;
    }
    const path = s.slice(0, eq).trim();
    const text = s.slice(eq + 1).trim();
    const spec = specOf(path);
    if (!spec) {
      errors.push({ key: path, message: 'unknown key (expected section.key, see `tsplc config show`)', source: '--set' });
      continue;
    }
    const [section, key] = path.split('.') as [string, string];
    const value = coerce(spec, text);
    if (value === undefined) {
      errors.push({ key: path, message: `${JSON.stringify(text)} is not allowed: expected ${describeRange(spec)}`, source: '--set' });
      continue;
    }
    (raw[section] ??= {})[key] = value;
  }
  return errors.length ? err(errors) : ok(raw);
}

/** Text (command line, INI) to a typed value; undefined when it cannot be read as that type. Range checks come later. */
export function coerce(spec: KeySpec, text: string): unknown {
  switch (spec.type) {
    case 'int':
    case 'number':
    case 'number?': {
      if (spec.type === 'number?' && /^(|none|null)$/i.test(text)) return null;
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return undefined;
      return Number(text);
    }
    case 'bool':
      if (/^(true|yes|on|1)$/i.test(text)) return true;
      if (/^(false|no|off|0)$/i.test(text)) return false;
      return undefined;
    case 'list':
      return text === '' ? [] : text.split(',').map((x) => x.trim());
    case 'pin':
      return /^-?\d+$/.test(text) ? Number(text) : text;
    default:
      return text;
  }
}

/** Convenience: defaults ← file layers ← overrides, validated. */
export function buildConfig(layers: { raw: RawConfig; source: string }[]): Result<TsplcConfig, ConfigError[]> {
  const errors: ConfigError[] = [];
  // Validate each layer alone first so that errors name the layer they came from.
  for (const l of layers) errors.push(...checkKeys(l.raw, l.source).errors);
  if (errors.length) return err(errors);
  return validateConfig(mergeRaw(...layers.map((l) => l.raw)), layers.map((l) => l.source).join(' + '));
}

/** TOML text of a config; with comments, every key carries its doc, range and default. */
export function formatConfig(config: TsplcConfig, options: { comments?: boolean; header?: string } = {}): string {
  const lines: string[] = [];
  if (options.header) for (const h of options.header.split('\n')) lines.push(`# ${h}`.trimEnd());
  const values = config as unknown as Record<string, Record<string, unknown>>;
  for (const [section, keys] of sections()) {
    if (lines.length) lines.push('');
    lines.push(`[${section}]`);
    for (const [key, spec] of Object.entries(keys)) {
      const v = values[section]?.[key];
      if (options.comments) lines.push(`# ${spec.doc}. ${capitalise(describeRange(spec))}; default ${formatDefault(spec)}.`);
      if (v === null || v === undefined) {
        if (options.comments) lines.push(`# ${key} =`);
        continue;
      }
      lines.push(`${bareKey(key)} = ${tomlValue(v)}`);
    }
  }
  return lines.join('\n') + '\n';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function bareKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k);
}

function tomlValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  return String(v);
}

function suggest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = levenshtein(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] as number;
}

export type { SectionName };
