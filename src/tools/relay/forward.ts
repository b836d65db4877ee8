// One relayed message: decode (to record and show — the original bytes are what is forwarded),
// apply the experiment rules (re-encode only when a rule changed something), update the tracker.
// A message that does not decode is forwarded all the same: the relay is transparent, the far end
// judges it (and answers FAILED_SequenceError or closes), as it would without the relay.
import type { CodecError, Result } from '../../result.js';
import type { V2gDocument } from '../../domain/v2g/document.js';
import type { SchemaId } from '../../domain/v2g/model.js';
import { applyRules, type RelayRule } from './rules.js';
import { messageName, type RelayTracker } from './session.js';

export type Leg = 'car' | 'charger';

/** The EXI codec as the relay needs it (src/codecs/exi through src/runtime/exi-codec.ts). */
export interface RelayCodec {
  encode(schema: SchemaId, doc: V2gDocument): Result<Uint8Array>;
  decode(schema: SchemaId, exi: Uint8Array): Result<V2gDocument>;
}

export interface Forwarded {
  /** The leg the message is written to. */
  readonly to: Leg;
  /** EXI payload to write (the original bytes unless a rule changed the message). */
  readonly payload: Uint8Array;
  readonly schema: SchemaId;
  readonly name: string;
  /** The message as forwarded (after rules), when it decoded. */
  readonly doc?: V2gDocument;
  /** The message as received, when a rule changed it (both go into the record). */
  readonly received?: V2gDocument;
  readonly receivedPayload?: Uint8Array;
  readonly error?: CodecError;
  readonly changes: readonly string[];
  /** 'relay': written by the relay itself (its stop towards the charger, its answers to the car). */
  readonly origin?: 'relay';
  /** A rule changed the message but its re-encoding failed: the original was forwarded. */
  readonly ruleError?: CodecError;
}

/** A message from `from` to the other leg. */
export function relayMessage(tracker: RelayTracker, codec: RelayCodec, rules: readonly RelayRule[], from: Leg, payload: Uint8Array): Forwarded {
  const to: Leg = from === 'car' ? 'charger' : 'car';
  const schema = tracker.schema;
  const d = codec.decode(schema, payload);
  if (!d.ok) {
    // The car's request is still a request the car waits an answer to.
    if (from === 'car') tracker.pending = { name: '?' };
    else tracker.pending = undefined;
    return { to, payload, schema, name: '?', error: d.error, changes: [] };
  }
  const ruled = applyRules(rules, to, d.value);
  let out = payload;
  let doc = d.value;
  let ruleError: CodecError | undefined;
  if (ruled.changes.length > 0) {
    const enc = codec.encode(schema, ruled.doc);
    if (enc.ok) {
      out = enc.value;
      doc = ruled.doc;
    } else ruleError = enc.error;
  }
  if (from === 'car') tracker.request(doc);
  else tracker.response(doc);
  const changed = out !== payload;
  return {
    to,
    payload: out,
    schema,
    name: messageName(doc),
    doc,
    changes: changed ? ruled.changes : [],
    ...(changed ? { received: d.value, receivedPayload: payload } : {}),
    ...(ruleError ? { ruleError } : {}),
  };
}

/** A message of the relay's own (a stop request, a shutdown answer), encoded for `to`. */
export function ownMessage(codec: RelayCodec, to: Leg, schema: SchemaId, doc: V2gDocument): Result<Forwarded> {
  const enc = codec.encode(schema, doc);
  if (!enc.ok) return enc;
  return { ok: true, value: { to, payload: enc.value, schema, name: messageName(doc), doc, changes: [], origin: 'relay' } };
}
