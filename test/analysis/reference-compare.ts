// Field-by-field comparison of our decoded V2G messages with pyPLC's
// reference decoder output (.decoded.txt). The reference prints OpenV2G's C
// structs: enums as indexes, booleans as 0/1, optional fields with
// `_isUsed` flags, byte arrays with `.bytesLen`. This maps each printed key to
// the JSON view of our document and reports every disagreement.
import { din } from '../../src/codecs/exi/index.js';
import type { Json } from '../../src/codecs/exi/json.js';
import { findField, isObject } from '../../src/tools/analysis/fields.js';
import type { V2gMessageEvent } from '../../src/tools/analysis/analyzer.js';
import type { ReferenceMessage } from '../../src/tools/analysis/reference-text.js';

/** Leaf name → enum values, from the DIN grammar model (the order is the EXI index). */
const dinEnums: Map<string, readonly string[]> = (() => {
  const m = new Map<string, readonly string[]>();
  for (const t of Object.values(din.meta.types)) {
    for (const l of t.leaves) {
      const lt = l.type as unknown;
      if (lt && typeof lt === 'object' && (lt as { k?: string }).k === 'enum') m.set(l.name, (lt as { values: string[] }).values);
    }
  }
  return m;
})();

const IGNORED = new Set(['msgName', 'info', 'error', 'result', 'schema', 'g_errn', 'debug']);

export interface Comparison {
  compared: number;
  mismatches: string[];
  /** Keys the comparison does not know how to map (reported, not compared). */
  unhandled: string[];
}

/**
 * Resolves "A.B.C": A anywhere in the body (depth-first), then B and C as children (or
 * descendants). "X.array[i]" is element i of the list X (a single element may be a plain object).
 */
function resolve(body: Json, path: string): Json | undefined {
  const parts = path.split('.');
  let cur: Json | undefined = body;
  for (const p of parts) {
    const a = /^array\[(\d+)\]$/.exec(p);
    if (a) {
      const i = Number(a[1]);
      cur = Array.isArray(cur) ? cur[i] : i === 0 ? cur : undefined;
      if (cur === undefined) return undefined;
      continue;
    }
    if (!isObject(cur)) return undefined;
    cur = p in cur ? cur[p] : findField(cur, p);
    if (cur === undefined) return undefined;
  }
  return cur;
}

function enumIndex(name: string, text: string): number | undefined {
  const values = dinEnums.get(name);
  const i = values?.indexOf(text);
  return i === undefined || i < 0 ? undefined : i;
}

export function compareWithReference(ref: ReferenceMessage, ours: V2gMessageEvent, into: Comparison): void {
  const where = `line ${ref.line} (${ref.fields.msgName})`;
  if (!ours.decoded) {
    into.mismatches.push(`${where}: we did not decode it: ${ours.summary}`);
    return;
  }
  into.compared++;
  if (ref.fields.msgName !== ours.name) into.mismatches.push(`${where}: msgName ${ref.fields.msgName} vs ${ours.name}`);
  const body = ours.decoded.body;
  const header = ours.decoded.header;
  for (const [key, v] of Object.entries(ref.fields)) {
    if (IGNORED.has(key)) continue;
    const fail = (ourText: unknown): void => {
      into.mismatches.push(`${where}: ${key}=${v} vs ours ${JSON.stringify(ourText)}`);
    };
    into.compared++;
    if (key === 'header.SessionID') {
      const sid = isObject(header) ? header.SessionID : undefined;
      if (typeof sid !== 'string' || sid.toLowerCase() !== v.toLowerCase()) fail(sid);
      continue;
    }
    if (key === 'header.Notification_isUsed' || key === 'header.Signature_isUsed') {
      const f = key === 'header.Notification_isUsed' ? 'Notification' : 'Signature';
      const used = isObject(header) && header[f] !== undefined;
      if ((v === '1') !== used) fail(used);
      continue;
    }
    if (key.endsWith('.bytesLen')) {
      const f = resolve(body, key.slice(0, -'.bytesLen'.length));
      if (typeof f !== 'string' || f.length / 2 !== Number(v)) fail(f);
      continue;
    }
    if (key.endsWith('.arrayLen')) {
      const f = resolve(body, key.slice(0, -'.arrayLen'.length).replace(/^SchedTuple0\./, 'SAScheduleTuple.array[0].'));
      const n = Array.isArray(f) ? f.length : f === undefined ? 0 : 1;
      if (n !== Number(v)) fail(f);
      continue;
    }
    if (/_isUsed$/i.test(key)) {
      const path = key.replace(/_isUsed$/i, '').replace(/^SchedTuple0\./, 'SAScheduleTuple.array[0].');
      const present = resolve(body, path) !== undefined;
      // Abstract EVChargeParameter: the C struct has a flag of its own that stays 0 when the DC_ member is used.
      if (path === 'EVChargeParameter' || path === 'EVSEChargeParameter' || path === 'EVPowerDeliveryParameter') {
        if (v !== '0') fail(present);
        continue;
      }
      if ((v === '1' || v === 'True') !== present) fail(present);
      continue;
    }
    if (key === 'ReadyToChargeState_Text') {
      // A label the tool derives from ReadyToChargeState, compared above; its 2022 version printed
      // ISO-2's ChargeProgress name ('START' for 0) instead of 'false'. Not a decoded field.
      into.compared--;
      continue;
    }
    const textKey = /^(.*?)(_text|Text|_Text)$/.exec(key);
    if (textKey) {
      const name = (textKey[1] as string).replace(/^DC_/, '').split('.').pop() as string;
      const f = findField(body, name === 'EVErrorCode' || name === 'DC_EVErrorCode' ? 'EVErrorCode' : name);
      if (String(f) !== v) fail(f);
      continue;
    }
    if (key === 'SelectedService.array') {
      // "index:ServiceID" pairs.
      const list = resolve(body, 'SelectedService');
      const arr = Array.isArray(list) ? list : list === undefined ? [] : [list];
      const text = arr.map((s, i) => `${i}:${isObject(s) ? String(s.ServiceID) : '?'}`).join(' ');
      if (text !== v.trim()) fail(text);
      continue;
    }
    const f = resolve(body, key.replace(/^SchedTuple0\./, 'SAScheduleTuple.array[0].'));
    if (f === undefined) {
      // OpenV2G prints optional leaves even when unused, with the C struct's zero value: 0, or 'h'
      // (index 0 of unitSymbolType) for an absent Unit. Anything else means we lost a field.
      if (v === '0' || (key.endsWith('.Unit') && v === 'h')) {
        into.unhandled.push(key);
        into.compared--;
      } else fail(undefined);
      continue;
    }
    if (typeof f === 'boolean') {
      if ((v === '1' || v === 'true') !== f) fail(f);
    } else if (typeof f === 'number') {
      if (Number(v) !== f) fail(f);
    } else if (typeof f === 'string') {
      if (f === v) continue;
      const leaf = key.split('.').pop() as string;
      const idx = enumIndex(leaf, f);
      if (idx === undefined || String(idx) !== v) fail(f);
    } else {
      into.unhandled.push(key);
      into.compared--;
    }
  }
}
