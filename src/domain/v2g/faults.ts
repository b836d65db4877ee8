// Fault-injection scenarios for the EVSE (after pyPLC's testsuite, see
// pyplc-inventory.md §4): "answer the n-th <Request> with <ResponseCode>",
// "... with DC_EVSEStatusCode <code>", "... not at all". A scenario is plain
// data so it can travel on a command line (`--faults <scenario>`) or in a
// config file, and the runtime's fault table can combine it with transport
// faults of its own.
import { codecError, err, ok, type CodecError, type Result } from '../../result.js';
import {
  dcEvseStatusCodes,
  isRequestKind,
  isResponseCode,
  type DcEvseStatusCode,
  type EvseNotification,
  type IsolationLevel,
  type RequestKind,
  type ResponseCode,
} from './model.js';

export type FaultAction =
  | { readonly type: 'responseCode'; readonly code: ResponseCode }
  | { readonly type: 'evseStatusCode'; readonly code: DcEvseStatusCode }
  | { readonly type: 'notification'; readonly notification: EvseNotification }
  | { readonly type: 'isolation'; readonly level: IsolationLevel }
  | { readonly type: 'noResponse' };

export interface FaultRule {
  /** Which request the rule applies to. */
  readonly request: RequestKind;
  /** 1-based occurrence of that request within the session (default 1). */
  readonly occurrence?: number;
  /** Apply to this occurrence and every later one (default false). */
  readonly andLater?: boolean;
  readonly action: FaultAction;
}

export interface FaultScenario {
  readonly name: string;
  readonly rules: readonly FaultRule[];
}

export const noFaults: FaultScenario = { name: 'none', rules: [] };

/** Rules that apply to the given occurrence (1-based) of a request. */
export function faultsFor(scenario: FaultScenario, request: RequestKind, occurrence: number): FaultAction[] {
  return scenario.rules
    .filter((r) => r.request === request && (r.andLater ? occurrence >= (r.occurrence ?? 1) : occurrence === (r.occurrence ?? 1)))
    .map((r) => r.action);
}

const isolationLevels: readonly IsolationLevel[] = ['Invalid', 'Valid', 'Warning', 'Fault', 'No_IMD'];
const notifications: readonly EvseNotification[] = ['None', 'StopCharging', 'ReNegotiation'];

/** Every code a fault scenario (docs/faults.md) can be rejected with. */
export type FaultScenarioErrorCode = 'BAD_FAULT_JSON' | 'BAD_FAULT_RULE' | 'BAD_FAULT_REQUEST' | 'BAD_FAULT_OCCURRENCE' | 'BAD_FAULT_ACTION' | 'BAD_FAULT_VALUE';
export type FaultScenarioError = CodecError<FaultScenarioErrorCode>;

function parseRule(text: string, index: number): Result<FaultRule, FaultScenarioError> {
  // <Request>[#<n>[+]]:<what>[=<value>]
  const m = /^([A-Za-z]+)(?:#(\d+)(\+)?)?:([A-Za-z]+)(?:=([A-Za-z0-9_]+))?$/.exec(text.trim());
  const where = { context: { rule: text, index } };
  if (!m) return err(codecError('BAD_FAULT_RULE', `fault rule '${text}' is not <Request>[#n[+]]:<what>[=<value>]`, where));
  const [, req = '', n, plus, what = '', value] = m;
  if (!isRequestKind(req)) return err(codecError('BAD_FAULT_REQUEST', `unknown request '${req}' in fault rule '${text}'`, where));
  const occurrence = n === undefined ? 1 : Number(n);
  if (occurrence < 1) return err(codecError('BAD_FAULT_OCCURRENCE', `occurrence must be ≥ 1 in '${text}'`, where));
  let action: FaultAction;
  switch (what) {
    case 'responseCode':
      if (value === undefined || !isResponseCode(value)) return err(codecError('BAD_FAULT_VALUE', `unknown ResponseCode '${value ?? ''}' in '${text}'`, where));
      action = { type: 'responseCode', code: value };
      break;
    case 'evseStatusCode':
      if (value === undefined || !(dcEvseStatusCodes as readonly string[]).includes(value))
        return err(codecError('BAD_FAULT_VALUE', `unknown DC_EVSEStatusCode '${value ?? ''}' in '${text}'`, where));
      action = { type: 'evseStatusCode', code: value as DcEvseStatusCode };
      break;
    case 'notification':
      if (value === undefined || !(notifications as readonly string[]).includes(value))
        return err(codecError('BAD_FAULT_VALUE', `unknown EVSENotification '${value ?? ''}' in '${text}'`, where));
      action = { type: 'notification', notification: value as EvseNotification };
      break;
    case 'isolation':
      if (value === undefined || !(isolationLevels as readonly string[]).includes(value))
        return err(codecError('BAD_FAULT_VALUE', `unknown isolationLevel '${value ?? ''}' in '${text}'`, where));
      action = { type: 'isolation', level: value as IsolationLevel };
      break;
    case 'noResponse':
      if (value !== undefined) return err(codecError('BAD_FAULT_VALUE', `noResponse takes no value in '${text}'`, where));
      action = { type: 'noResponse' };
      break;
    default:
      return err(codecError('BAD_FAULT_ACTION', `unknown fault '${what}' in '${text}' (responseCode, evseStatusCode, notification, isolation, noResponse)`, where));
  }
  return ok({ request: req, occurrence, ...(plus ? { andLater: true } : {}), action });
}

/**
 * Parses a scenario from its command-line form, rules separated by commas:
 * `CurrentDemand#11:responseCode=FAILED,PreCharge#1+:noResponse` (`#n+` = the
 * n-th and every later one). A JSON FaultScenario (starting with `{`) is
 * accepted too.
 */
export function parseFaultScenario(text: string, name = text): Result<FaultScenario, FaultScenarioError> {
  const t = text.trim();
  if (t === '' || t === 'none') return ok({ name: 'none', rules: [] });
  if (t.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch (e) {
      return err(codecError('BAD_FAULT_JSON', `fault scenario is not valid JSON: ${(e as Error).message}`));
    }
    return validateFaultScenario(parsed);
  }
  const rules: FaultRule[] = [];
  const parts = t.split(',');
  for (let i = 0; i < parts.length; i++) {
    const r = parseRule(parts[i] ?? '', i);
    if (!r.ok) return r;
    rules.push(r.value);
  }
  return ok({ name, rules });
}

/** Checks a FaultScenario that came as JSON. */
export function validateFaultScenario(v: unknown): Result<FaultScenario, FaultScenarioError> {
  if (typeof v !== 'object' || v === null) return err(codecError('BAD_FAULT_JSON', 'fault scenario must be an object'));
  const o = v as { name?: unknown; rules?: unknown };
  if (!Array.isArray(o.rules)) return err(codecError('BAD_FAULT_JSON', 'fault scenario needs a "rules" array'));
  const rules: FaultRule[] = [];
  for (let i = 0; i < o.rules.length; i++) {
    const r = o.rules[i] as { request?: unknown; occurrence?: unknown; andLater?: unknown; action?: { type?: unknown; code?: unknown; level?: unknown; notification?: unknown } };
    const a = r?.action;
    const value = a?.code ?? a?.level ?? a?.notification;
    const text = `${String(r?.request)}#${String(r?.occurrence ?? 1)}${r?.andLater ? '+' : ''}:${String(a?.type)}${value !== undefined ? `=${String(value)}` : ''}`;
    const parsed = parseRule(text, i);
    if (!parsed.ok) return parsed;
    rules.push(parsed.value);
  }
  return ok({ name: typeof o.name === 'string' ? o.name : 'json', rules });
}

/** The command-line form of a scenario (inverse of parseFaultScenario). */
export function formatFaultScenario(s: FaultScenario): string {
  if (s.rules.length === 0) return 'none';
  return s.rules
    .map((r) => {
      const a = r.action;
      const value = a.type === 'responseCode' || a.type === 'evseStatusCode' ? a.code : a.type === 'isolation' ? a.level : a.type === 'notification' ? a.notification : undefined;
      return `${r.request}#${r.occurrence ?? 1}${r.andLater ? '+' : ''}:${a.type}${value !== undefined ? `=${value}` : ''}`;
    })
    .join(',');
}
