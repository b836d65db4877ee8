// V2GTP (V2G Transfer Protocol) framing: the 8-byte header that carries every
// SDP datagram and every EXI message on the TCP connection.
//
//   byte 0     protocol version          0x01
//   byte 1     inverse protocol version  0xFE
//   bytes 2-3  payload type              big-endian
//   bytes 4-7  payload length            big-endian uint32, header NOT included
//
// (DIN SPEC 70121 Table 16, ISO 15118-2 Table 10, ISO 15118-20 Table 12; see
// docs/protocol.md.) Pure code: Uint8Array in, typed results out, never throws.
import { type CodecError, type Result, codecError, err, ok } from '../../result.js';

export const V2GTP_VERSION = 0x01;
export const V2GTP_INVERSE_VERSION = 0xfe;
export const V2GTP_HEADER_LENGTH = 8;

/**
 * Default cap on a whole V2GTP message, header INCLUDED (8 + payload length).
 * The protocol allows a uint32 payload length; EVerest's SECC uses an
 * 8192-byte receive buffer including the header and rejects anything longer.
 * The largest EXI payload in the unencrypted captures is 673 bytes.
 */
export const DEFAULT_MAX_V2GTP_MESSAGE_LENGTH = 8192;

/** Payload types (DIN Table 16, ISO-2 Table 10, ISO-20 Table 12). */
export const V2gtpPayloadType = {
  /** EXI-encoded V2G message (DIN, ISO-2); in ISO-20: SAP and common messages. */
  Exi: 0x8001,
  Iso20Mainstream: 0x8002,
  Iso20Ac: 0x8003,
  Iso20Dc: 0x8004,
  Iso20Acdp: 0x8005,
  Iso20Wpt: 0x8006,
  Iso20ScheduleRenegotiation: 0x8101,
  Iso20MeteringConfirmation: 0x8102,
  Iso20AcdpSystemStatus: 0x8103,
  Iso20ParkingStatus: 0x8104,
  SdpRequest: 0x9000,
  SdpResponse: 0x9001,
  SdpRequestWireless: 0x9002,
  SdpResponseWireless: 0x9003,
} as const;

const payloadTypeNames: ReadonlyMap<number, string> = new Map(Object.entries(V2gtpPayloadType).map(([name, code]) => [code, name]));

/** First and last manufacturer-specific payload type (0xA000–0xFFFF). */
export const V2GTP_MANUFACTURER_FIRST = 0xa000;
export const V2GTP_MANUFACTURER_LAST = 0xffff;

export function isKnownPayloadType(payloadType: number): boolean {
  return payloadTypeNames.has(payloadType) || (payloadType >= V2GTP_MANUFACTURER_FIRST && payloadType <= V2GTP_MANUFACTURER_LAST);
}

/** Name for logs: 'Exi', 'SdpRequest', 'Manufacturer(0xa123)', 'Unknown(0x1234)'. */
export function payloadTypeName(payloadType: number): string {
  const name = payloadTypeNames.get(payloadType);
  if (name) return name;
  const hex = '0x' + payloadType.toString(16).padStart(4, '0');
  return payloadType >= V2GTP_MANUFACTURER_FIRST ? `Manufacturer(${hex})` : `Unknown(${hex})`;
}

export interface V2gtpHeader {
  readonly payloadType: number;
  /** Payload length in bytes, header not included (as on the wire). */
  readonly payloadLength: number;
}

export interface V2gtpMessage {
  readonly payloadType: number;
  readonly payload: Uint8Array;
}

export interface V2gtpOptions {
  /** Cap on header + payload, in bytes. Default {@link DEFAULT_MAX_V2GTP_MESSAGE_LENGTH}. */
  readonly maxMessageLength?: number;
  /** Accept only these payload types (default: every known type, manufacturer range included). */
  readonly payloadTypes?: readonly number[];
}

/** Error codes returned by the V2GTP codec and reassembler. */
export type V2gtpErrorCode = 'TRUNCATED' | 'BAD_VERSION' | 'UNKNOWN_PAYLOAD_TYPE' | 'TOO_LONG' | 'TRAILING_BYTES';

export function encodeV2gtpHeader(payloadType: number, payloadLength: number): Uint8Array {
  const out = new Uint8Array(V2GTP_HEADER_LENGTH);
  writeHeader(out, payloadType, payloadLength);
  return out;
}

/** Encodes a whole message. payloadType must be 0..0xFFFF (masked otherwise). */
export function encodeV2gtp(payloadType: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(V2GTP_HEADER_LENGTH + payload.length);
  writeHeader(out, payloadType, payload.length);
  out.set(payload, V2GTP_HEADER_LENGTH);
  return out;
}

function writeHeader(out: Uint8Array, payloadType: number, payloadLength: number): void {
  out[0] = V2GTP_VERSION;
  out[1] = V2GTP_INVERSE_VERSION;
  out[2] = (payloadType >>> 8) & 0xff;
  out[3] = payloadType & 0xff;
  out[4] = (payloadLength >>> 24) & 0xff;
  out[5] = (payloadLength >>> 16) & 0xff;
  out[6] = (payloadLength >>> 8) & 0xff;
  out[7] = payloadLength & 0xff;
}

/**
 * Decodes and validates the header at `offset`. Checks, in this order (so the
 * cheapest sign of garbage is reported first): enough bytes, the version pair
 * 0x01/0xFE, a known payload type, the length cap.
 */
export type V2gtpError = CodecError<V2gtpErrorCode>;

export function decodeV2gtpHeader(bytes: Uint8Array, offset = 0, options: V2gtpOptions = {}): Result<V2gtpHeader, V2gtpError> {
  if (bytes.length - offset < V2GTP_HEADER_LENGTH) {
    return err(codecError('TRUNCATED', `V2GTP header needs ${V2GTP_HEADER_LENGTH} bytes, have ${Math.max(0, bytes.length - offset)}`, { offset }));
  }
  const version = bytes[offset] as number;
  const inverse = bytes[offset + 1] as number;
  if (version !== V2GTP_VERSION || inverse !== V2GTP_INVERSE_VERSION) {
    return err(
      codecError('BAD_VERSION', `V2GTP version pair must be 01 FE, found ${hex2(version)} ${hex2(inverse)}`, {
        offset,
        context: { version, inverse },
      }),
    );
  }
  const payloadType = ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number);
  const accepted = options.payloadTypes ? options.payloadTypes.includes(payloadType) : isKnownPayloadType(payloadType);
  if (!accepted) {
    return err(
      codecError('UNKNOWN_PAYLOAD_TYPE', `V2GTP payload type ${payloadTypeName(payloadType)} not accepted`, {
        offset: offset + 2,
        context: { payloadType },
      }),
    );
  }
  const payloadLength =
    (bytes[offset + 4] as number) * 0x1000000 + (((bytes[offset + 5] as number) << 16) | ((bytes[offset + 6] as number) << 8) | (bytes[offset + 7] as number));
  const max = options.maxMessageLength ?? DEFAULT_MAX_V2GTP_MESSAGE_LENGTH;
  if (payloadLength + V2GTP_HEADER_LENGTH > max) {
    return err(
      codecError('TOO_LONG', `V2GTP message of ${payloadLength + V2GTP_HEADER_LENGTH} bytes (header included) exceeds the cap of ${max}`, {
        offset: offset + 4,
        context: { payloadLength, maxMessageLength: max, payloadType },
      }),
    );
  }
  return ok({ payloadType, payloadLength });
}

/**
 * Decodes one whole message that must fill `bytes` exactly (a UDP datagram
 * such as an SDP request). Trailing bytes are an error: on UDP they mean the
 * sender and we disagree about the framing.
 */
export function decodeV2gtp(bytes: Uint8Array, options: V2gtpOptions = {}): Result<V2gtpMessage, V2gtpError> {
  const h = decodeV2gtpHeader(bytes, 0, options);
  if (!h.ok) return h;
  const end = V2GTP_HEADER_LENGTH + h.value.payloadLength;
  if (bytes.length < end) {
    return err(
      codecError('TRUNCATED', `V2GTP payload announces ${h.value.payloadLength} bytes, have ${bytes.length - V2GTP_HEADER_LENGTH}`, {
        offset: bytes.length,
        context: { payloadType: h.value.payloadType, payloadLength: h.value.payloadLength },
      }),
    );
  }
  if (bytes.length > end) {
    return err(codecError('TRAILING_BYTES', `${bytes.length - end} bytes after the V2GTP payload`, { offset: end }));
  }
  return ok({ payloadType: h.value.payloadType, payload: bytes.slice(V2GTP_HEADER_LENGTH, end) });
}

/**
 * Index of the next plausible V2GTP header (version pair + known payload type
 * + length within the cap) at or after `from`, or -1. For resynchronising on
 * a capture after a gap in the TCP stream; a live connection must not
 * resynchronise, it closes instead (see V2gtpStreamReassembler).
 */
export function findV2gtpHeader(bytes: Uint8Array, from = 0, options: V2gtpOptions = {}): number {
  for (let i = Math.max(0, from); i + V2GTP_HEADER_LENGTH <= bytes.length; i++) {
    if (bytes[i] !== V2GTP_VERSION || bytes[i + 1] !== V2GTP_INVERSE_VERSION) continue;
    if (decodeV2gtpHeader(bytes, i, options).ok) return i;
  }
  return -1;
}

export type { CodecError };

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
