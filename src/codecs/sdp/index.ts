// SDP (SECC Discovery Protocol): the EV multicasts a request to
// [ff02::1]:15118 (UDP), the SECC answers unicast with its link-local IPv6
// address and TCP port. Both travel in V2GTP (payload types 0x9000/0x9001).
//
//   request  (0x9000,  2 bytes): [0] Security  [1] Transport
//   response (0x9001, 20 bytes): [0-15] SECC IPv6 address  [16-17] TCP port (BE)
//                                [18] Security  [19] Transport
// Security: 0x00 TLS, 0x10 no TLS. Transport: 0x00 TCP, 0x10 UDP.
// Layouts as implemented by Josev (sdp.py), EVerest (sdp.cpp) and ccs32clara,
// and as seen in every capture in ../shared/captures.
import { formatIpv6 } from '../net/ipv6-address.js';
import { type CodecError, type Result, codecError, err, ok } from '../../result.js';
import { V2GTP_HEADER_LENGTH, V2gtpPayloadType, decodeV2gtp, encodeV2gtp, type V2gtpErrorCode } from '../v2gtp/header.js';

export { SDP_PORT, IPV6_ALL_NODES as SDP_MULTICAST_ADDRESS } from '../../constants.js';
/** Ethernet destination of that multicast (33:33 + last 32 bits of ff02::1). */
export const SDP_MULTICAST_MAC = new Uint8Array([0x33, 0x33, 0x00, 0x00, 0x00, 0x01]);

export const SDP_SECURITY_TLS = 0x00;
export const SDP_SECURITY_NONE = 0x10;
export const SDP_TRANSPORT_TCP = 0x00;
export const SDP_TRANSPORT_UDP = 0x10;

export const SDP_REQUEST_PAYLOAD_LENGTH = 2;
export const SDP_RESPONSE_PAYLOAD_LENGTH = 20;

/** The dynamic port range SECCs are told to use (Josev MIN/MAX_TCP_PORT); informative, not enforced on decode. */
export const SDP_SECC_PORT_MIN = 49152;
export const SDP_SECC_PORT_MAX = 65535;

export type SdpSecurity = typeof SDP_SECURITY_TLS | typeof SDP_SECURITY_NONE;
export type SdpTransport = typeof SDP_TRANSPORT_TCP | typeof SDP_TRANSPORT_UDP;

export interface SdpRequest {
  readonly security: SdpSecurity;
  readonly transport: SdpTransport;
}

export interface SdpResponse {
  /** SECC IPv6 address (16 bytes, normally link-local fe80::/64). */
  readonly address: Uint8Array;
  readonly port: number;
  readonly security: SdpSecurity;
  readonly transport: SdpTransport;
}

export type SdpMessage = ({ readonly kind: 'request' } & SdpRequest) | ({ readonly kind: 'response' } & SdpResponse);

/** The request every DIN/ISO-2 EV without TLS sends: `10 00`. */
export const SDP_REQUEST_NO_TLS_TCP: SdpRequest = { security: SDP_SECURITY_NONE, transport: SDP_TRANSPORT_TCP };

export function encodeSdpRequest(req: SdpRequest): Uint8Array {
  return encodeV2gtp(V2gtpPayloadType.SdpRequest, new Uint8Array([req.security, req.transport]));
}

export function encodeSdpResponse(res: SdpResponse): Uint8Array {
  const p = new Uint8Array(SDP_RESPONSE_PAYLOAD_LENGTH);
  p.set(res.address.subarray(0, 16), 0);
  p[16] = (res.port >> 8) & 0xff;
  p[17] = res.port & 0xff;
  p[18] = res.security;
  p[19] = res.transport;
  return encodeV2gtp(V2gtpPayloadType.SdpResponse, p);
}

/** Decodes the 2-byte payload of an SDP request (offsets in errors are payload offsets). */
/** Every code an SDP decode can fail with: its own checks (DIN 70121 §9.2 / ISO 15118-2 §7.10.1) and the V2GTP header's. */
export type SdpErrorCode = V2gtpErrorCode | 'BAD_LENGTH' | 'BAD_PORT' | 'WRONG_PAYLOAD_TYPE' | 'BAD_SECURITY' | 'BAD_TRANSPORT';
export type SdpError = CodecError<SdpErrorCode>;

export function decodeSdpRequestPayload(payload: Uint8Array): Result<SdpRequest, SdpError> {
  if (payload.length !== SDP_REQUEST_PAYLOAD_LENGTH) {
    return err(codecError('BAD_LENGTH', `SDP request payload must be 2 bytes, got ${payload.length}`, { offset: 0, context: { length: payload.length } }));
  }
  const security = payload[0] as number;
  const transport = payload[1] as number;
  const s = checkSecurity(security, 0);
  if (!s.ok) return s;
  const t = checkTransport(transport, 1);
  if (!t.ok) return t;
  return ok({ security: s.value, transport: t.value });
}

/** Decodes the 20-byte payload of an SDP response. */
export function decodeSdpResponsePayload(payload: Uint8Array): Result<SdpResponse, SdpError> {
  if (payload.length !== SDP_RESPONSE_PAYLOAD_LENGTH) {
    return err(codecError('BAD_LENGTH', `SDP response payload must be 20 bytes, got ${payload.length}`, { offset: 0, context: { length: payload.length } }));
  }
  const port = ((payload[16] as number) << 8) | (payload[17] as number);
  if (port === 0) return err(codecError('BAD_PORT', 'SDP response announces TCP port 0', { offset: 16 }));
  const s = checkSecurity(payload[18] as number, 18);
  if (!s.ok) return s;
  const t = checkTransport(payload[19] as number, 19);
  if (!t.ok) return t;
  return ok({ address: payload.slice(0, 16), port, security: s.value, transport: t.value });
}

/** Decodes a whole SDP datagram (V2GTP header + payload), request or response. */
export function decodeSdp(datagram: Uint8Array): Result<SdpMessage, SdpError> {
  const m = decodeV2gtp(datagram, { payloadTypes: [V2gtpPayloadType.SdpRequest, V2gtpPayloadType.SdpResponse] });
  if (!m.ok) return m;
  if (m.value.payloadType === V2gtpPayloadType.SdpRequest) {
    const r = decodeSdpRequestPayload(m.value.payload);
    return r.ok ? ok({ kind: 'request', ...r.value }) : shift(r.error);
  }
  const r = decodeSdpResponsePayload(m.value.payload);
  return r.ok ? ok({ kind: 'response', ...r.value }) : shift(r.error);
}

export function decodeSdpRequest(datagram: Uint8Array): Result<SdpRequest, SdpError> {
  const m = decodeSdp(datagram);
  if (!m.ok) return m;
  if (m.value.kind !== 'request') return err(codecError('WRONG_PAYLOAD_TYPE', 'expected an SDP request (0x9000), got a response', { offset: 2 }));
  return ok({ security: m.value.security, transport: m.value.transport });
}

export function decodeSdpResponse(datagram: Uint8Array): Result<SdpResponse, SdpError> {
  const m = decodeSdp(datagram);
  if (!m.ok) return m;
  if (m.value.kind !== 'response') return err(codecError('WRONG_PAYLOAD_TYPE', 'expected an SDP response (0x9001), got a request', { offset: 2 }));
  const { address, port, security, transport } = m.value;
  return ok({ address, port, security, transport });
}

export function sdpSecurityName(security: number): string {
  return security === SDP_SECURITY_TLS ? 'TLS' : security === SDP_SECURITY_NONE ? 'no TLS' : `0x${security.toString(16)}`;
}

export function sdpTransportName(transport: number): string {
  return transport === SDP_TRANSPORT_TCP ? 'TCP' : transport === SDP_TRANSPORT_UDP ? 'UDP' : `0x${transport.toString(16)}`;
}

/** One-line description for logs, e.g. `SDP response fe80::c690:83ff:fef3:78b5 port 51111 no TLS TCP`. */
export function describeSdp(m: SdpMessage): string {
  if (m.kind === 'request') return `SDP request ${sdpSecurityName(m.security)} ${sdpTransportName(m.transport)}`;
  return `SDP response ${formatIpv6(m.address)} port ${m.port} ${sdpSecurityName(m.security)} ${sdpTransportName(m.transport)}`;
}

function checkSecurity(v: number, offset: number): Result<SdpSecurity, SdpError> {
  if (v === SDP_SECURITY_TLS || v === SDP_SECURITY_NONE) return ok(v);
  return err(codecError('BAD_SECURITY', `SDP security must be 0x00 (TLS) or 0x10 (no TLS), got 0x${v.toString(16).padStart(2, '0')}`, { offset }));
}

function checkTransport(v: number, offset: number): Result<SdpTransport, SdpError> {
  if (v === SDP_TRANSPORT_TCP || v === SDP_TRANSPORT_UDP) return ok(v);
  return err(codecError('BAD_TRANSPORT', `SDP transport must be 0x00 (TCP) or 0x10 (UDP), got 0x${v.toString(16).padStart(2, '0')}`, { offset }));
}

/** Payload offsets → datagram offsets. */
function shift<T>(e: SdpError): Result<T, SdpError> {
  return err({ ...e, ...(e.offset !== undefined ? { offset: e.offset + V2GTP_HEADER_LENGTH } : {}) });
}
