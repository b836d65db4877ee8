// Interface of the EVSE (SECC) V2G session machine.
import type { IsolationStatus, PowerSupplyReading } from '../../src/ports/hardware.js';
import type { Logger } from '../../src/ports/log.js';
import type { StatusUpdate } from '../../src/status.js';
import type { CodecError } from '../../src/result.js';
import type { V2gEvseConfig } from '../../src/domain/v2g/config.js';
import type { OutgoingDocument, V2gDocument } from '../../src/domain/v2g/document.js';
import type { FaultScenario } from '../../src/domain/v2g/faults.js';
import type { Protocol, RequestKind, ResponseCode, SchemaId } from '../../src/domain/v2g/model.js';
import type { TcpCloseReason } from '../../src/ports/net.js';

export interface V2gEvseInput {
  readonly config: V2gEvseConfig;
  /** Random source for SessionIDs (runtime: crypto.getRandomValues; tests: a seeded generator). */
  readonly randomBytes: (n: number) => Uint8Array;
  /** Fault injection (pyPLC testsuite style); default none. */
  readonly faults?: FaultScenario;
  readonly logger?: Logger;
}

export type V2gEvseEvent =
  /** A decoded request from the EV (appHand document first, then the selected schema's). */
  | { readonly type: 'V2G.REQ'; readonly doc: V2gDocument }
  /** The TCP connection ended; with allowNewSessionAfterStop the machine waits for the next handshake. */
  /** `close`: how the TCP connection ended (the port's code); `reason`: the same with the socket's message, for people. */
  | { readonly type: 'V2G.TRANSPORT_CLOSED'; readonly reason?: string; readonly close?: TcpCloseReason }
  /** A new TCP connection (only needed when the same actor serves several sessions). */
  | { readonly type: 'V2G.TRANSPORT_OPENED' }
  | { readonly type: 'V2G.DECODE_ERROR'; readonly error: CodecError }
  /** One of our own responses did not encode (a bug on our side, not the car's): it did not go out. */
  | { readonly type: 'V2G.ENCODE_ERROR'; readonly document: string; readonly error: CodecError }
  | { readonly type: 'PS.READING'; readonly reading: PowerSupplyReading }
  | { readonly type: 'PS.ISOLATION'; readonly status: IsolationStatus }
  /** Stop at the charger (button, MQTT enabled=0, SIGTERM). */
  | { readonly type: 'STOP_REQUEST'; readonly reason?: string };

export interface V2gEvseActionParams {
  send: OutgoingDocument;
  protocolSelected: { readonly protocol: Protocol; readonly schema: SchemaId };
  /** PowerSupply.setTarget(voltage, current). */
  setPowerSupply: { readonly voltage: number; readonly current: number };
  /** PowerSupply.off(). */
  powerSupplyOff: undefined;
  /** PowerSupply.isolationCheck(voltage); the result comes back as PS.ISOLATION. */
  startIsolationCheck: { readonly voltage: number };
  /** AC: close / open the output contactor. */
  closeOutputContactor: undefined;
  openOutputContactor: undefined;
  /** Close the TCP connection (after a FAILED_* response, a decode error or the sequence timeout). */
  closeTransport: { readonly reason: string };
  reportStatus: StatusUpdate;
}

/** A code with its typed detail. */
type Reason<C extends string, D = Record<string, never>> = { readonly code: C; readonly detail: Readonly<D> };

/** A timer of the SECC whose expiry ends the session (src/domain/v2g/config.ts). */
export type V2gEvseEndTimer = 'handshake_timeout' | 'V2G_SECC_Sequence_Timeout' | 'V2G_SECC_Ongoing_Performance_Time';

/**
 * Why the charger's session ended. `beforeHandshake`: the connection ended before a supportedAppProtocolReq was
 * answered (no session was ever started on it). Code that decides anything matches `end.code`; `reason` is
 * evseEndReasonText(end), the text tsplc has always printed.
 */
export type V2gEvseEndReason =
  /** SessionStopReq answered: the normal end. */
  | Reason<'SessionStop'>
  | Reason<'HandshakeUndecodable', { message: string }>
  /** No offered protocol is supported (supportedAppProtocolRes Failed_NoNegotiation). */
  | Reason<'NoNegotiation'>
  /** The car sent what does not decode (framing or EXI). */
  | Reason<'DecodeError', { error: { code: string; message: string }; beforeHandshake: boolean }>
  /** Our own response did not encode (a dialect or codec bug, not the car's fault): it did not go out. */
  | Reason<'EncodeFailed', { document: string; message: string; beforeHandshake: boolean }>
  | Reason<'TransportClosed', { reason?: string; close?: TcpCloseReason; beforeHandshake: boolean }>
  /** STOP_REQUEST at the charger before any session ran. */
  | Reason<'StopRequest', { request?: string }>
  | Reason<'Timeout', { timer: V2gEvseEndTimer; beforeHandshake: boolean }>
  /** A request the dialect could not read: no response type to answer with. */
  | Reason<'RequestNotUnderstood', { errorCode: string }>
  /** We answered FAILED* (sequence, session, fault injection, ...): [V2G2-539] the session is over. */
  | Reason<'ResponseCodeFailed', { request: RequestKind; responseCode: ResponseCode }>;

export type V2gEvseEndCode = V2gEvseEndReason['code'];

export interface V2gEvseOutput {
  readonly result: 'SessionStopped' | 'Aborted';
  /** Why the (last) session ended; absent only if the machine ended without any end being recorded. */
  readonly end?: V2gEvseEndReason;
  /** The same for a human (evseEndReasonText). */
  readonly reason: string;
  readonly lastCheckpoint: number;
  readonly protocol?: Protocol;
  readonly sessionId?: string;
  readonly sessions: number;
}

/** The end reason for a human: logs, status details and V2gEvseOutput.reason (unchanged wording). */
export function evseEndReasonText(end: V2gEvseEndReason): string {
  const before = (d: { beforeHandshake: boolean }, text: string): string => (d.beforeHandshake ? `BeforeHandshake: ${text}` : text);
  switch (end.code) {
    case 'SessionStop':
      return 'SessionStop';
    case 'HandshakeUndecodable':
      return `bad supportedAppProtocolReq: ${end.detail.message}`;
    case 'NoNegotiation':
      return 'Failed_NoNegotiation';
    case 'DecodeError':
      return end.detail.beforeHandshake ? `BeforeHandshake: decode error ${end.detail.error.code}` : 'DecodeError';
    case 'EncodeFailed':
      return before(end.detail, `EncodeFailed: ${end.detail.document}: ${end.detail.message}`);
    case 'TransportClosed':
      return end.detail.beforeHandshake ? `BeforeHandshake: connection closed${end.detail.reason ? ` (${end.detail.reason})` : ''}` : 'TransportClosed';
    case 'StopRequest':
      return `BeforeHandshake: ${end.detail.request ?? 'StopRequest'}`;
    case 'Timeout':
      return before(end.detail, `Timeout:${end.detail.timer}`);
    case 'RequestNotUnderstood':
      return `RequestNotUnderstood: ${end.detail.errorCode}`;
    case 'ResponseCodeFailed':
      return `${end.detail.responseCode} in ${end.detail.request}Res`;
  }
}
