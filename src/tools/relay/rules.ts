// Experiment rules of the relay (`--rule …`, docs/relay.md). Off by default: without a rule the
// relay forwards the original EXI bytes. With a rule, only the messages it changes are
// re-encoded, and the active rules are named in every log line and in both records, so a record
// of a manipulated session can never pass for a real one.
//
//   cap-current=<A>               towards the car: EVSEMaximumCurrentLimit / EVSEMaxCurrent at most <A>;
//                                 towards the charger: EVTargetCurrent / EVMaximumCurrentLimit / EVMaxCurrent at most <A>
//   inject=<Message>:<ResponseCode>  towards the car: every <Message> (a response) carries that ResponseCode
import { codecError, err, ok, type Result } from '../../result.js';
import { isResponseCode } from '../../domain/v2g/model.js';
import type { V2gDocument } from '../../domain/v2g/document.js';
import { toPhysical } from '../../domain/v2g/dialects/index.js';

export type RelayRule = { readonly kind: 'cap-current'; readonly amps: number } | { readonly kind: 'inject'; readonly message: string; readonly responseCode: string };

/** Rule text as given on the command line ('cap-current=20'), for log lines and records. */
export function ruleText(r: RelayRule): string {
  return r.kind === 'cap-current' ? `cap-current=${r.amps}` : `inject=${r.message}:${r.responseCode}`;
}

export function rulesText(rules: readonly RelayRule[]): string {
  return rules.map(ruleText).join(',');
}

/** Parses `--rule` values; an unknown or malformed rule is an error naming it (the relay does not start). */
export function parseRules(specs: readonly string[]): Result<RelayRule[]> {
  const out: RelayRule[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? spec : spec.slice(0, eq);
    const value = eq < 0 ? '' : spec.slice(eq + 1);
    if (name === 'cap-current') {
      const amps = Number(value);
      if (value === '' || !Number.isFinite(amps) || amps < 0 || amps > 32767) return err(codecError('BAD_RULE', `--rule cap-current=<amps>: amps must be 0..32767, got '${value}'`));
      out.push({ kind: 'cap-current', amps });
      continue;
    }
    if (name === 'inject') {
      const m = /^([A-Za-z_]+Res):([A-Za-z_]+)$/.exec(value);
      if (!m) return err(codecError('BAD_RULE', `--rule inject=<Message>Res:<ResponseCode>, got '${value}'`));
      const code = m[2] as string;
      if (!isResponseCode(code)) return err(codecError('BAD_RULE', `--rule inject: '${code}' is not a ResponseCode of DIN 70121 / ISO 15118-2`));
      out.push({ kind: 'inject', message: m[1] as string, responseCode: code });
      continue;
    }
    return err(codecError('BAD_RULE', `unknown rule '${name}' (known: cap-current=<A>, inject=<Message>Res:<ResponseCode>)`));
  }
  return ok(out);
}

type Mutable = Record<string, unknown>;

/** A deep copy of a decoded document (plain objects, arrays, Uint8Array, bigint): the original stays what was received. */
function copy<T>(v: T): T {
  if (v instanceof Uint8Array) return new Uint8Array(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => copy(x)) as T;
  if (typeof v === 'object' && v !== null) {
    const o: Mutable = {};
    for (const [k, x] of Object.entries(v)) o[k] = copy(x);
    return o as T;
  }
  return v;
}

const isObj = (v: unknown): v is Mutable => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

function physical(v: unknown): number | undefined {
  if (!isObj(v) || typeof v.Value !== 'number') return undefined;
  return v.Value * 10 ** (typeof v.Multiplier === 'number' ? v.Multiplier : 0);
}

/** Caps every PhysicalValue named in `keys` anywhere below `node`; returns the names it changed. */
function capBelow(node: unknown, keys: readonly string[], amps: number, changed: string[]): void {
  if (Array.isArray(node)) {
    for (const x of node) capBelow(x, keys, amps, changed);
    return;
  }
  if (!isObj(node)) return;
  for (const [k, v] of Object.entries(node)) {
    const value = keys.includes(k) ? physical(v) : undefined;
    if (value !== undefined && value > amps && isObj(v)) {
      const p = toPhysical(amps, 'A');
      node[k] = { Multiplier: p.Multiplier, ...(v.Unit !== undefined ? { Unit: v.Unit } : {}), Value: p.Value };
      changed.push(`${k} ${value}→${amps} A`);
    } else capBelow(v, keys, amps, changed);
  }
}

const carwardCurrentKeys = ['EVSEMaximumCurrentLimit', 'EVSEMaxCurrent'];
const chargerwardCurrentKeys = ['EVTargetCurrent', 'EVMaximumCurrentLimit', 'EVMaxCurrent'];

export interface RuleResult {
  readonly doc: V2gDocument;
  /** What the rules changed ('EVSEMaximumCurrentLimit 200→20 A', 'ResponseCode OK→FAILED'); empty = forward the original bytes. */
  readonly changes: readonly string[];
}

/**
 * Applies the rules to one message. `toward` is where the message goes: 'car' (a charger's
 * response) or 'charger' (a car's request). The document is copied before it is changed.
 */
export function applyRules(rules: readonly RelayRule[], toward: 'car' | 'charger', doc: V2gDocument): RuleResult {
  if (rules.length === 0 || !('V2G_Message' in doc)) return { doc, changes: [] };
  const name = Object.keys(doc.V2G_Message.Body)[0] ?? '';
  const out = copy(doc);
  const body = out.V2G_Message.Body as Mutable;
  const el = body[name];
  const changes: string[] = [];
  for (const r of rules) {
    if (r.kind === 'cap-current') capBelow(el, toward === 'car' ? carwardCurrentKeys : chargerwardCurrentKeys, r.amps, changes);
    else if (toward === 'car' && r.message === name && isObj(el) && el.ResponseCode !== r.responseCode) {
      changes.push(`ResponseCode ${String(el.ResponseCode)}→${r.responseCode}`);
      el.ResponseCode = r.responseCode;
    }
  }
  return changes.length > 0 ? { doc: out, changes } : { doc, changes: [] };
}
