// The V2GTP + EXI boundary of one TCP connection, as a callback actor that the
// connection manager invokes next to the session machine.
//
//   bytes ─▶ V2gtpStreamReassembler ─▶ payload type check ─▶ EXI decode (schema
//   negotiated in the handshake) ─▶ { V2G.RES | V2G.REQ, doc } to the session
//
// and the other way for TRANSPORT.SEND. Decisions made here, in one place:
//  - broken framing (bad version pair, unknown payload type, over-long length):
//    typed error to the session, a log line, the connection is destroyed (after
//    a bad header nothing on the stream can be trusted; pyPLC's "one recv() is
//    one message" is exactly what breaks there), then V2G.TRANSPORT_CLOSED;
//  - a payload type other than EXI (0x8001) on the V2G connection: same;
//  - a frame that is well framed but does not EXI-decode: typed error to the
//    session, connection kept — the session machine decides (FAILED /
//    FAILED_SequenceError answer on the SECC, abort on the EV).
import { fromCallback } from 'xstate';
import type { Subscription } from 'rxjs';
import type { TcpConnection, TcpEvent } from '../ports/net.js';
import type { Logger } from '../ports/log.js';
import type { CodecError, Result } from '../result.js';
import { codecError } from '../result.js';
import { V2gtpPayloadType, V2gtpStreamReassembler, encodeV2gtp, type V2gtpFramedMessage } from '../codecs/v2gtp/index.js';
import type { OutgoingDocument, V2gDocument } from '../domain/v2g/document.js';
import type { SchemaId } from '../domain/v2g/model.js';
import { toHex } from '../bytes.js';
import { errorMessage } from '../errors.js';

/** At most this many payload bytes of an undecodable message appear (as hex) in its log line. */
const LOGGED_EXI_BYTES = 64;
/** Facet classes a lenient decode accepts (config `v2g.lenient_facets`). */
export type LenientFacet = 'range' | 'length';

/** A schema facet violation the codec accepted in lenient mode (src/codecs/exi FacetWarning). */
export interface FacetViolation {
  readonly field: string;
  readonly facet: LenientFacet;
  readonly value: number | bigint;
  readonly min: number | bigint | undefined;
  readonly max: number | bigint | undefined;
  readonly decodedAs?: number;
}

export interface V2gDecodeOptions {
  readonly lenient?: readonly LenientFacet[];
  readonly warnings?: FacetViolation[];
}

/** The EXI codec as the transport needs it (src/codecs/exi provides it; the runtime adapts). */
export interface V2gCodec {
  encode(schema: SchemaId, doc: V2gDocument): Result<Uint8Array>;
  decode(schema: SchemaId, exi: Uint8Array, options?: V2gDecodeOptions): Result<V2gDocument>;
  /**
   * A codec that loads its schemas on demand (src/runtime/exi-codec-on-demand.ts): undefined when
   * `schema` can be encoded and decoded now, else a promise that settles (never rejects) once it
   * can — or once its load failed, after which encode/decode return the load's typed error. The
   * transport calls it before the first encode/decode of a schema and holds the connection's
   * events meanwhile. Absent: every schema is always ready.
   */
  load?(schema: SchemaId): Promise<void> | undefined;
}

/**
 * Decoder of one session (one TCP connection) in lenient mode: accepts the given facet
 * classes and logs one warning per field and session, so a charger that repeats a bad
 * EVSEID in every CurrentDemandRes gives one line, not one per 100 ms.
 */
export function lenientSessionDecoder(codec: V2gCodec, lenient: readonly LenientFacet[], logger: Logger): (schema: SchemaId, exi: Uint8Array) => Result<V2gDocument> {
  if (lenient.length === 0) return (schema, exi) => codec.decode(schema, exi);
  const warned = new Set<string>();
  return (schema, exi) => {
    const warnings: FacetViolation[] = [];
    const d = codec.decode(schema, exi, { lenient, warnings });
    for (const w of warnings) {
      const key = `${schema}:${w.field}:${w.facet}`;
      if (warned.has(key)) continue;
      warned.add(key);
      logger.log('warn', `accepted ${w.facet} facet violation: ${w.field}`, {
        schema,
        field: w.field,
        facet: w.facet,
        value: String(w.value),
        allowed: `${w.min ?? '-inf'}..${w.max ?? 'inf'}`,
        ...(w.decodedAs !== undefined ? { decodedAs: w.decodedAs } : {}),
      });
    }
    return d;
  };
}

export type TransportCommand =
  | { type: 'TRANSPORT.SEND'; out: OutgoingDocument }
  | { type: 'TRANSPORT.SCHEMA'; schema: SchemaId }
  | { type: 'TRANSPORT.CLOSE'; reason: string };

/** A message seen on the wire, for the session recorder and the decoded log. */
export interface WireRecord {
  readonly direction: 'rx' | 'tx';
  readonly schema: SchemaId;
  readonly bytes: Uint8Array;
  readonly doc?: V2gDocument;
  readonly error?: CodecError;
}

export interface V2gTransportOptions {
  readonly role: 'ev' | 'evse';
  readonly codec: V2gCodec;
  readonly logger: Logger;
  readonly maxMessageLength?: number;
  readonly onWire?: (r: WireRecord) => void;
  /** Time source (ms) for latency figures and the SECC performance-time check; default performance.now(). */
  readonly now?: () => number;
  /**
   * EVSE: V2G_SECC_Msg_Performance_Time for a request element name ('CurrentDemandReq'), undefined = none.
   * The session machine answers synchronously; this measures what the runtime adds (request decoded here →
   * response written here), which is what the EV's V2G_EVCC_Msg_Timeout sees of the SECC.
   */
  readonly performanceTime?: (requestElement: string) => number | undefined;
  /** Called for every response written later than its performance time (after the warning is logged). */
  readonly onLateResponse?: (late: LateResponse) => void;
  /**
   * Facet classes of the peer's messages accepted with a warning instead of a decode error
   * (config `v2g.lenient_facets`, used by the EV); default none = strict.
   */
  readonly lenientFacets?: readonly LenientFacet[];
}

/** A response that left later than V2G_SECC_Msg_Performance_Time_<Msg> allows. */
export interface LateResponse {
  readonly request: string;
  readonly elapsedMs: number;
  readonly limitMs: number;
}

/** The body element name of a document, for log lines ('CurrentDemandRes', 'supportedAppProtocolReq'). */
export function documentName(doc: V2gDocument): string {
  if ('V2G_Message' in doc) return Object.keys(doc.V2G_Message.Body)[0] ?? 'EmptyBody';
  return Object.keys(doc)[0] ?? 'unknown';
}

/**
 * The codec called so that a throw (a codec bug: the contract is "never throws") cannot crash the transport,
 * and through it the connection manager: it becomes the typed error of its direction — ENCODE_THREW for our
 * own document (reported as V2G.ENCODE_ERROR, never as a decode error of the peer's bytes), DECODE_THREW for
 * the peer's bytes.
 */
function guarded<T>(call: () => Result<T>, code: 'ENCODE_THREW' | 'DECODE_THREW'): Result<T> {
  try {
    return call();
  } catch (e) {
    return { ok: false, error: codecError(code, `codec threw: ${errorMessage(e)}`.slice(0, 300)) };
  }
}

export function v2gTransportActor(opts: V2gTransportOptions) {
  const { codec, logger, role } = opts;
  const incoming = role === 'ev' ? 'V2G.RES' : 'V2G.REQ';
  return fromCallback<TransportCommand, { connection: TcpConnection }>(({ input, sendBack, receive }) => {
    const conn = input.connection;
    const toSession = (event: { type: string; [k: string]: unknown }): void => sendBack({ type: 'TO_SESSION', event });
    let schema: SchemaId = 'appHand';
    let open = true;
    const reassembler = new V2gtpStreamReassembler(opts.maxMessageLength !== undefined ? { maxMessageLength: opts.maxMessageLength } : {});
    const now = opts.now ?? (() => performance.now());
    // One per connection: the one-warning-per-field memory lasts one session.
    const decodeRx = lenientSessionDecoder(codec, opts.lenientFacets ?? [], logger);
    // The request the session owes an answer to (V2G is strictly request/response: at most one).
    let pending: { readonly request: string; readonly at: number } | undefined;

    const breakStream = (error: CodecError): void => {
      logger.log('error', 'V2GTP stream broken: closing the TCP connection', { code: error.code, offset: error.offset, message: error.message });
      toSession({ type: 'V2G.DECODE_ERROR', error });
      open = false;
      conn.destroy();
    };

    // Work that waits while a schema's codec loads (V2gCodec.load): the event or command that
    // needs the schema and everything that arrives after it are held in arrival order and run once
    // the load settled, so the session sees them in the order they came. Without a pending load
    // each one runs at once, as it arrives (a codec without load() never holds anything).
    interface Work {
      readonly needs?: () => SchemaId;
      readonly run: () => void;
    }
    const held: Work[] = [];
    let holding = false;
    let stopped = false;
    const perform = (w: Work): void => {
      const needed = w.needs?.();
      const wait = needed !== undefined ? codec.load?.(needed) : undefined;
      if (wait) {
        holding = true;
        held.unshift(w);
        logger.log('debug', 'waiting for the EXI codec to load', { schema: needed });
        void wait.then(release, release);
        return;
      }
      w.run();
    };
    const release = (): void => {
      holding = false;
      while (!holding && !stopped && held.length > 0) perform(held.shift()!);
    };
    const submit = (w: Work): void => {
      if (holding) held.push(w);
      else perform(w);
    };
    // The handshake's schema, loaded while the connection is new (no wait unless the first message is faster).
    void codec.load?.(schema);

    const onMessage = (m: V2gtpFramedMessage, chunk: { broken: boolean }): void => {
      if (chunk.broken) return;
      if (m.payloadType !== V2gtpPayloadType.Exi) {
        chunk.broken = true;
        breakStream(codecError('UNEXPECTED_PAYLOAD_TYPE', `payload type 0x${m.payloadType.toString(16)} on the V2G connection (expected 0x8001 EXI)`, { offset: m.streamOffset + 2 }));
        return;
      }
      const d = guarded(() => decodeRx(schema, m.payload), 'DECODE_THREW');
      if (!d.ok) {
        // The hex is cut: a hostile peer chooses the payload size (up to maxMessageLength), not our log volume.
        logger.log('warn', 'EXI decode failed', { schema, code: d.error.code, bitPosition: d.error.bitPosition, message: d.error.message, bytes: m.payload.length, exi: toHex(m.payload.subarray(0, LOGGED_EXI_BYTES)) + (m.payload.length > LOGGED_EXI_BYTES ? '…' : '') });
        opts.onWire?.({ direction: 'rx', schema, bytes: m.payload, error: d.error });
        toSession({ type: 'V2G.DECODE_ERROR', error: d.error });
        return;
      }
      opts.onWire?.({ direction: 'rx', schema, bytes: m.payload, doc: d.value });
      logger.log('debug', `rx ${documentName(d.value)}`, { schema, bytes: m.payload.length });
      if (role === 'evse' && opts.performanceTime) pending = { request: documentName(d.value), at: now() };
      toSession({ type: incoming, doc: d.value });
    };

    const onConnection = (e: TcpEvent): void => {
      if (e.type === 'closed') {
        const tail = reassembler.end();
        if (tail && open) logger.log('warn', 'connection closed inside a V2GTP message', { message: tail.message });
        open = false;
        logger.log(e.reason === 'local' ? 'debug' : 'info', 'TCP connection closed', { reason: e.reason, ...(e.message ? { message: e.message } : {}) });
        toSession({ type: 'V2G.TRANSPORT_CLOSED', reason: `${e.reason}${e.message ? `: ${e.message}` : ''}`, close: e.reason });
        return;
      }
      if (!open) return;
      const r = reassembler.push(e.data);
      // One work item per message: each is decoded with the schema in force when its turn comes
      // (the handshake's answer may switch it between two messages of one TCP segment).
      const chunk = { broken: false };
      for (const m of r.messages) submit({ needs: () => schema, run: () => onMessage(m, chunk) });
      const error = r.error;
      if (error) {
        submit({
          run: () => {
            if (!chunk.broken) breakStream(error);
          },
        });
      }
    };
    const sub: Subscription = conn.events$.subscribe((e) => submit({ run: () => onConnection(e) }));

    const onCommand = (cmd: TransportCommand): void => {
      switch (cmd.type) {
        case 'TRANSPORT.SCHEMA':
          schema = cmd.schema;
          logger.log('debug', 'decoding with the negotiated schema', { schema });
          // Loaded now, while the handshake's answer travels, rather than when the first message of the schema comes.
          void codec.load?.(schema);
          return;
        case 'TRANSPORT.CLOSE':
          if (!open) return;
          open = false;
          logger.log('info', 'closing the TCP connection', { reason: cmd.reason });
          conn.close();
          return;
        case 'TRANSPORT.SEND': {
          if (!open) {
            logger.log('warn', `not sent (connection closed): ${documentName(cmd.out.doc)}`);
            return;
          }
          const enc = guarded(() => codec.encode(cmd.out.schema, cmd.out.doc), 'ENCODE_THREW');
          if (!enc.ok) {
            // Our own document did not encode: a bug in a dialect, not the peer's fault. Tell the session it will get no answer.
            logger.log('error', `EXI encode failed: ${documentName(cmd.out.doc)}`, { schema: cmd.out.schema, code: enc.error.code, message: enc.error.message });
            toSession({ type: 'V2G.ENCODE_ERROR', document: documentName(cmd.out.doc), error: codecError('ENCODE_FAILED', `could not encode ${documentName(cmd.out.doc)}: ${enc.error.message}`, { context: { exiCode: enc.error.code } }) });
            return;
          }
          opts.onWire?.({ direction: 'tx', schema: cmd.out.schema, bytes: enc.value, doc: cmd.out.doc });
          logger.log('debug', `tx ${documentName(cmd.out.doc)}`, { schema: cmd.out.schema, bytes: enc.value.length });
          conn.write(encodeV2gtp(V2gtpPayloadType.Exi, enc.value));
          if (pending) {
            const limitMs = opts.performanceTime?.(pending.request);
            const elapsedMs = now() - pending.at;
            if (limitMs !== undefined && elapsedMs > limitMs) {
              const late: LateResponse = { request: pending.request, elapsedMs, limitMs };
              logger.log('warn', `${documentName(cmd.out.doc)} later than V2G_SECC_Msg_Performance_Time`, { request: late.request, elapsedMs: Math.round(elapsedMs * 10) / 10, limitMs });
              opts.onLateResponse?.(late);
            }
            pending = undefined;
          }
          return;
        }
      }
    };
    receive((cmd) => submit(cmd.type === 'TRANSPORT.SEND' ? { needs: () => cmd.out.schema, run: () => onCommand(cmd) } : { run: () => onCommand(cmd) }));

    return () => {
      stopped = true;
      held.length = 0;
      sub.unsubscribe();
      if (open) {
        open = false;
        conn.close();
      }
    };
  });
}
