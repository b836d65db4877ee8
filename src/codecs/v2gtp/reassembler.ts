// V2GTP stream reassembly for the TCP connection.
//
// TCP delivers a byte stream: a read may hold half a message, or several
// messages. pyPLC treated one recv() as one message, which breaks on both.
// This class turns arbitrary chunks into whole messages.
//
// Garbage policy: the first invalid header (bad version pair, unknown payload
// type, length over the cap) puts the reassembler into the terminal 'failed'
// state and returns a typed error. There is no resynchronisation: V2GTP has no
// frame delimiter, so after a bad header nothing that follows can be trusted.
// THE CALLER MUST CLOSE THE TCP CONNECTION when `error` is set: the receiver
// can no longer find message boundaries, and answering would only feed a
// confused peer. Buffering is bounded: at most one incomplete message
// (≤ maxMessageLength bytes) is held.
import { codecError } from '../../result.js';
import { DEFAULT_MAX_V2GTP_MESSAGE_LENGTH, V2GTP_HEADER_LENGTH, type V2gtpMessage, type V2gtpOptions, decodeV2gtpHeader, type V2gtpError } from './header.js';

export interface V2gtpFramedMessage extends V2gtpMessage {
  /** Byte offset of the message's header in the stream (0 = first byte ever pushed). */
  readonly streamOffset: number;
}

export interface V2gtpPushResult {
  /** Whole messages completed by this chunk, in stream order. */
  readonly messages: readonly V2gtpFramedMessage[];
  /** Set when the stream is (or already was) broken: close the connection. offset = stream offset. */
  readonly error?: V2gtpError;
}

export type V2gtpReassemblerState = 'idle' | 'partial' | 'failed';

export class V2gtpStreamReassembler {
  private readonly options: V2gtpOptions;
  private readonly maxMessageLength: number;
  /** Bytes of the incomplete message (or header) at the tail, never more than maxMessageLength. */
  private pending: Uint8Array = new Uint8Array(0);
  /** Stream offset of pending[0]. */
  private pendingOffset = 0;
  private failure: V2gtpError | undefined;

  constructor(options: V2gtpOptions = {}) {
    this.options = options;
    this.maxMessageLength = options.maxMessageLength ?? DEFAULT_MAX_V2GTP_MESSAGE_LENGTH;
  }

  get state(): V2gtpReassemblerState {
    if (this.failure) return 'failed';
    return this.pending.length > 0 ? 'partial' : 'idle';
  }

  /** The error that broke the stream, if any. */
  get error(): V2gtpError | undefined {
    return this.failure;
  }

  /** Bytes held for an incomplete message. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** Total bytes accepted so far (stream offset of the next byte). */
  get streamLength(): number {
    return this.pendingOffset + this.pending.length;
  }

  /**
   * Feeds a chunk. Returns the messages it completed; once `error` is set the
   * reassembler ignores further input and returns the same error.
   * Payloads are copies: the caller may reuse `chunk`.
   */
  push(chunk: Uint8Array): V2gtpPushResult {
    if (this.failure) return { messages: [], error: this.failure };
    if (chunk.length === 0) return { messages: [] };
    // Work on pending+chunk without copying in the common case (nothing pending).
    let buf: Uint8Array;
    if (this.pending.length === 0) {
      buf = chunk;
    } else {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.length);
    }
    const base = this.pendingOffset;
    const messages: V2gtpFramedMessage[] = [];
    let pos = 0;
    while (buf.length - pos >= V2GTP_HEADER_LENGTH) {
      const h = decodeV2gtpHeader(buf, pos, this.options);
      if (!h.ok) {
        const e = h.error;
        this.failure = codecError(e.code, e.message, {
          offset: base + (e.offset ?? pos),
          context: { ...(e.context ?? {}), messageOffset: base + pos },
        });
        this.pending = new Uint8Array(0);
        this.pendingOffset = base + buf.length;
        return { messages, error: this.failure };
      }
      const end = pos + V2GTP_HEADER_LENGTH + h.value.payloadLength;
      if (end > buf.length) break;
      messages.push({
        payloadType: h.value.payloadType,
        payload: buf.slice(pos + V2GTP_HEADER_LENGTH, end),
        streamOffset: base + pos,
      });
      pos = end;
    }
    // Keep the tail. Its size is < 8 (incomplete header) or < maxMessageLength
    // (header validated against the cap), so buffering stays bounded.
    this.pending = pos === buf.length ? new Uint8Array(0) : buf.slice(pos);
    this.pendingOffset = base + pos;
    return { messages };
  }

  /**
   * Call when the peer closed the connection: an incomplete message left in
   * the buffer is reported as TRUNCATED (undefined when the stream ended cleanly).
   */
  end(): V2gtpError | undefined {
    if (this.failure) return this.failure;
    if (this.pending.length === 0) return undefined;
    const e = codecError('TRUNCATED', `stream ended inside a V2GTP message (${this.pending.length} bytes buffered)`, {
      offset: this.pendingOffset,
      context: { bufferedBytes: this.pending.length, maxMessageLength: this.maxMessageLength },
    });
    this.pending = new Uint8Array(0);
    return e;
  }
}
