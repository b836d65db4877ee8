// The one place in the analysis pipeline that calls the EXI decoder (src/codecs/exi).
// Everything else works on the JSON view this returns, so swapping or
// instrumenting the codec touches only this file.
import { type SchemaId, decode, toJson } from '../../codecs/exi/index.js';
import type { Json } from '../../codecs/exi/json.js';
import type { CodecError } from '../../result.js';

export type { Json, SchemaId };

export interface DecodedV2g {
  readonly schema: SchemaId;
  /** Message name in the field's words: the Body element ('CurrentDemandReq'), the appHand root, or the ISO-20 root. */
  readonly name: string;
  /** JSON view of the whole document (binary as hex). */
  readonly document: Json;
  /** The message element itself (Body child / root child). */
  readonly body: Json;
  /** Header of a DIN/ISO-2/ISO-20 message, when present. */
  readonly header?: Json;
  /** Zero bytes after the end of the EXI document that were ignored (see decodeV2gDocument). */
  readonly trailingZeroBytes?: number;
}

/**
 * Decodes one EXI payload. Tesla cars (Model 3 and Model Y captures) append a
 * zero byte after some documents (e.g. ContractAuthenticationReq); the
 * reference decoder ignores it. So when the strict decoder reports
 * TRAILING_BYTES and those bytes are all zero, the document without them is
 * returned, with `trailingZeroBytes` set so the oddity stays visible.
 */
export function decodeV2gDocument(schema: SchemaId, exi: Uint8Array): { ok: true; value: DecodedV2g } | { ok: false; error: CodecError } {
  let r = decode(schema, exi);
  let trailing = 0;
  if (!r.ok && r.error.code === 'TRAILING_BYTES') {
    for (let n = 1; n <= 4 && n < exi.length; n++) {
      if (exi[exi.length - n] !== 0) break;
      const t = decode(schema, exi.subarray(0, exi.length - n));
      if (t.ok) {
        r = t;
        trailing = n;
        break;
      }
    }
  }
  if (!r.ok) return r;
  const document = toJson(r.value);
  const found = messageOf(document);
  if (!found) return { ok: false, error: { code: 'NO_MESSAGE', message: `decoded ${schema} document has no message element` } };
  return { ok: true, value: { schema, document, ...found, ...(trailing > 0 ? { trailingZeroBytes: trailing } : {}) } };
}

function isObject(j: Json | undefined): j is { [k: string]: Json } {
  return typeof j === 'object' && j !== null && !Array.isArray(j);
}

/** Finds the message element: V2G_Message.Body.<Name> (DIN, ISO-2) or <Name> at the root (appHand, ISO-20). */
function messageOf(doc: Json): { name: string; body: Json; header?: Json } | undefined {
  if (!isObject(doc)) return undefined;
  const rootName = Object.keys(doc)[0];
  if (rootName === undefined) return undefined;
  const root = doc[rootName] as Json;
  if (rootName === 'V2G_Message' && isObject(root)) {
    const body = root.Body;
    if (!isObject(body)) return undefined;
    const name = Object.keys(body)[0];
    if (name === undefined) return { name: 'Body', body, ...(root.Header !== undefined ? { header: root.Header } : {}) };
    return { name, body: body[name] as Json, ...(root.Header !== undefined ? { header: root.Header } : {}) };
  }
  if (isObject(root) && root.Header !== undefined) return { name: rootName, body: root, header: root.Header };
  return { name: rootName, body: root };
}
