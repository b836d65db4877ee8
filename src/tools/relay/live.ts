// The relay's live view: one line per relayed message — direction, name, key fields, the delay
// the relay added, what a rule changed, and on every CurrentDemand / ChargingStatus pair the
// limiting-side verdict (src/tools/analysis/limiting.ts, issue 14 §2) — and the session's verdict at
// the end. The same fold `tsplc decode` uses, fed message by message instead of from a capture.
import { toJson } from '../../codecs/exi/json.js';
import type { V2gMessageEvent } from '../analysis/analyzer.js';
import { keyFieldsText } from '../analysis/fields.js';
import { LimitingFold, limitingText, type LimitingVerdict, type PairVerdict } from '../analysis/limiting.js';
import type { V2gDocument } from '../../domain/v2g/document.js';
import type { SchemaId } from '../../domain/v2g/model.js';
import type { RelayDirection } from './delay.js';
import { messageName } from './session.js';

/** The message element of a document as the analysis' JSON view (binary as hex). */
function bodyJson(doc: V2gDocument): { body: ReturnType<typeof toJson>; header?: ReturnType<typeof toJson> } {
  if ('V2G_Message' in doc) {
    const name = messageName(doc);
    return { body: toJson(doc.V2G_Message.Body[name]), header: toJson(doc.V2G_Message.Header) };
  }
  return { body: toJson(Object.values(doc)[0]) };
}

export interface LiveMessage {
  readonly direction: RelayDirection;
  /** Milliseconds (the relay's clock). */
  readonly at: number;
  readonly schema: SchemaId;
  readonly doc?: V2gDocument;
  /** Undecodable message: its size (it is forwarded all the same). */
  readonly bytes: number;
  /** The delay the relay added to this message, ms (undefined for the relay's own messages). */
  readonly addedMs?: number;
  /** 'relay' when the relay wrote the message itself (a stop, a shutdown answer). */
  readonly origin?: 'relay';
  /** What a rule changed. */
  readonly changes?: readonly string[];
}

export interface LiveLine {
  readonly text: string;
  readonly name: string;
  readonly verdict?: PairVerdict;
}

export class RelayLiveView {
  private readonly fold = new LimitingFold();
  private n = 0;

  /** One line for a message; `rules` (non-empty = experiment) is prefixed to every line. */
  line(m: LiveMessage, rules: string): LiveLine {
    this.n++;
    const arrow = m.direction === 'car→charger' ? 'car → charger' : 'charger → car';
    const prefix = rules ? `[rules ${rules}] ` : '';
    const origin = m.origin === 'relay' ? ' (by the relay)' : '';
    const delay = m.addedMs !== undefined ? ` +${Math.round(m.addedMs * 1000) / 1000} ms` : '';
    const changed = m.changes && m.changes.length > 0 ? ` RULE: ${m.changes.join(', ')}` : '';
    if (!m.doc) return { name: '?', text: `${prefix}${arrow} ? (${m.bytes} bytes, not decodable with ${m.schema}; forwarded as is)${delay}` };
    const name = messageName(m.doc);
    const { body, header } = bodyJson(m.doc);
    const e: V2gMessageEvent = {
      kind: 'v2g',
      frame: this.n,
      timestamp: m.at,
      connection: 0,
      direction: m.direction === 'car→charger' ? 'EV→EVSE' : 'EVSE→EV',
      payloadType: 0x8001,
      schema: m.schema,
      name,
      summary: '',
      exiHex: '',
      decoded: { schema: m.schema, name, document: body, body, ...(header !== undefined ? { header } : {}) },
    } as V2gMessageEvent;
    const verdict = m.origin === 'relay' ? undefined : this.fold.push(e);
    const fields = keyFieldsText(name, body, header);
    const limiting = verdict ? ` | limiting: ${verdict.side}${verdict.limit ? ` (${verdict.limit})` : ''} — ${verdict.reason}` : '';
    return { name, text: `${prefix}${arrow} ${name}${origin}${fields ? ` ${fields}` : ''}${delay}${changed}${limiting}`, ...(verdict ? { verdict } : {}) };
  }

  /** The session's limiting verdict so far (undefined before the first pair). */
  verdict(): LimitingVerdict | undefined {
    return this.fold.verdict(0);
  }

  verdictText(): string | undefined {
    const v = this.verdict();
    return v ? limitingText(v) : undefined;
  }
}
