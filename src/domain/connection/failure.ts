// Layer failures: what a lower layer (modem, SLAC, SDP, TCP, session) tells
// the connection manager when it could not do its job. A failure is plain data
// — a code from the layer's own union, whether the manager should back off and
// try again, and a line for a human — so the manager decides back-off or
// give-up by code in ONE place (RETRYABLE below), and tests match codes, not
// the wording of log text.
//
// pyPLC's connMgr retries every layer forever (a parked car keeps trying);
// tsplc does the same for everything a peer, the cable or a booting modem can
// cause, and gives up at once where trying again cannot help: a missing
// permission (EACCES/EPERM on a socket: a systemd unit without
// CAP_NET_BIND_SERVICE, a firewall rule) or a runtime that did not provide a
// layer actor at all (a bug of the composition).
import type { NetErrorCode } from '../../ports/net.js';
import { errorMessage } from '../../errors.js';

/** Own modem (machines/modem-manager): discovery (VS_SW_VER), SET_KEY, restart, AVLN confirmation. */
export type ModemFailureCode =
  /** No modem answered the localcast VS_SW_VER.REQ (not powered, wrong interface, still booting). */
  | 'MODEM_NOT_FOUND'
  /** No CM_SET_KEY.CNF after the retries. */
  | 'MODEM_SET_KEY_TIMEOUT'
  /** CM_SET_KEY.CNF with a result other than success. */
  | 'MODEM_SET_KEY_REFUSED'
  /** No VS_RS_DEV.CNF. */
  | 'MODEM_RESET_TIMEOUT'
  /** The modem did not come back, or the AVLN was not confirmed, within TT_match_join (ISO 15118-3). */
  | 'MODEM_NO_AVLN'
  /** The modem joined but reported no NMK/NID (EVSE: the session key of this attempt is unknown). */
  | 'MODEM_NO_KEY';

/** SLAC (machines/slac-ev, machines/slac-evse, ISO 15118-3). */
export type SlacFailureCode =
  /** A response the standard times did not arrive (CM_SLAC_PARM.CNF, CM_ATTEN_CHAR.RSP, CM_SLAC_MATCH.REQ/CNF, ...). */
  | 'SLAC_TIMEOUT'
  /** EV: no acceptable CM_ATTEN_CHAR.IND (no EVSE, or all above the attenuation limit). */
  | 'SLAC_NO_MATCH'
  /** EV: CM_VALIDATE failed (toggle count or result). */
  | 'SLAC_VALIDATE_FAILED'
  /** EVSE: the EV answered CM_ATTEN_CHAR.IND with a non-zero result. */
  | 'SLAC_ATTEN_REFUSED'
  /** EVSE: no CM_ATTEN_PROFILE.IND and no configured fallback attenuation. */
  | 'SLAC_NO_ATTENUATION'
  /** EVSE: the SLAC step ran without the session key of the modem step. */
  | 'SLAC_NO_KEY';

/** SDP (machines/sdp-client). */
export type SdpFailureCode =
  /** SDP_max_requests requests without a valid SDP response ([V2G2-161]). */
  | 'SDP_NO_RESPONSE'
  /** The SDP socket did not open (interface not up yet, port taken, ...): no request went out. */
  | 'SDP_SOCKET_FAILED'
  /** The SDP socket may not be opened (EACCES/EPERM). */
  | 'SDP_PERMISSION_DENIED';

/** TCP (src/runtime/net-actors.ts over the NetStack port). */
export type TcpFailureCode =
  /** EV: the TCP step ran without an SECC address (SDP did not run). */
  | 'TCP_NO_ADDRESS'
  | 'TCP_NO_LINK_LOCAL'
  | 'TCP_ADDRESS_IN_USE'
  | 'TCP_CONNECT_REFUSED'
  | 'TCP_CONNECT_TIMEOUT'
  | 'TCP_UNREACHABLE'
  /** EACCES/EPERM: the process may not bind or connect (capabilities, a firewall). */
  | 'TCP_PERMISSION_DENIED'
  | 'TCP_IO'
  /** EVSE: no TCP connection from the EV within V2G_SECC_CommunicationSetup_Performance_Time. */
  | 'TCP_NO_CONNECTION';

/** The V2G session seen as a layer (before any power was offered). */
export type SessionFailureCode =
  /** EVSE: the connection ended before a supportedAppProtocolReq (closed, reset, garbage, silence). */
  | 'SESSION_NOT_STARTED'
  /** The session ended abnormally. */
  | 'SESSION_ABORTED';

/** Failures of the layer actor itself rather than of its protocol. */
export type ActorFailureCode =
  /** The child actor threw (XState onError). */
  | 'ACTOR_CRASHED'
  /** The runtime did not provide the layer actor (composition bug). */
  | 'ACTOR_MISSING'
  /** The layer was stopped from outside (STOP, or its parent left the state). */
  | 'LAYER_STOPPED'
  /** The layer ended without the { ok } output every layer owes. */
  | 'NO_OUTPUT';

export type LayerFailureCode = ModemFailureCode | SlacFailureCode | SdpFailureCode | TcpFailureCode | SessionFailureCode | ActorFailureCode;

export type LayerName = 'modem' | 'slac' | 'sdp' | 'tcp' | 'listen' | 'session';

export interface LayerFailure<C extends LayerFailureCode = LayerFailureCode> {
  readonly code: C;
  /** RETRYABLE[code]: back off and try again (true) or give up now (false). */
  readonly retryable: boolean;
  /** One line for a human: what was expected, what happened. Never decided on. */
  readonly detail: string;
  /** The layer that failed, when the manager knows it (it adds it). */
  readonly layer?: LayerName;
}

/**
 * The one table that decides back-off versus give-up. `true`: a later attempt can succeed (a peer that was
 * not ready, a cable, a modem that boots, a crash of one attempt); `false`: the next attempt fails the same way.
 */
export const RETRYABLE: { readonly [C in LayerFailureCode]: boolean } = {
  MODEM_NOT_FOUND: true,
  MODEM_SET_KEY_TIMEOUT: true,
  // A fresh NMK next attempt; a modem that refuses every key still gets retried like pyPLC does.
  MODEM_SET_KEY_REFUSED: true,
  MODEM_RESET_TIMEOUT: true,
  MODEM_NO_AVLN: true,
  MODEM_NO_KEY: true,
  SLAC_TIMEOUT: true,
  SLAC_NO_MATCH: true,
  SLAC_VALIDATE_FAILED: true,
  SLAC_ATTEN_REFUSED: true,
  // Configuration: without a CM_ATTEN_PROFILE.IND (the AR7420 sends none) and without atten fallback, every attempt ends here.
  SLAC_NO_ATTENUATION: false,
  SLAC_NO_KEY: true,
  SDP_NO_RESPONSE: true,
  SDP_SOCKET_FAILED: true,
  SDP_PERMISSION_DENIED: false,
  TCP_NO_ADDRESS: true,
  // DAD may still be pending right after the link came up.
  TCP_NO_LINK_LOCAL: true,
  TCP_ADDRESS_IN_USE: true,
  TCP_CONNECT_REFUSED: true,
  TCP_CONNECT_TIMEOUT: true,
  TCP_UNREACHABLE: true,
  TCP_PERMISSION_DENIED: false,
  TCP_IO: true,
  TCP_NO_CONNECTION: true,
  SESSION_NOT_STARTED: true,
  SESSION_ABORTED: true,
  ACTOR_CRASHED: true,
  ACTOR_MISSING: false,
  LAYER_STOPPED: true,
  NO_OUTPUT: true,
};

const CODES = new Set(Object.keys(RETRYABLE));

export function isLayerFailureCode(code: unknown): code is LayerFailureCode {
  return typeof code === 'string' && CODES.has(code);
}

/** A failure with `retryable` taken from RETRYABLE (the only way a layer should build one). */
export function layerFailure<C extends LayerFailureCode>(code: C, detail: string): LayerFailure<C> {
  return { code, retryable: RETRYABLE[code], detail };
}

/** The TCP failure for a NetStack error code (src/ports/net.ts). */
export function tcpFailureCode(code: NetErrorCode): TcpFailureCode {
  switch (code) {
    case 'NO_LINK_LOCAL':
      return 'TCP_NO_LINK_LOCAL';
    case 'ADDRESS_IN_USE':
      return 'TCP_ADDRESS_IN_USE';
    case 'CONNECT_REFUSED':
      return 'TCP_CONNECT_REFUSED';
    case 'CONNECT_TIMEOUT':
      return 'TCP_CONNECT_TIMEOUT';
    case 'UNREACHABLE':
      return 'TCP_UNREACHABLE';
    case 'PERMISSION_DENIED':
      return 'TCP_PERMISSION_DENIED';
    case 'IO':
      return 'TCP_IO';
  }
}

/** The longest detail kept: a crash message or a peer's text must not make a log line unbounded. */
export const MAX_DETAIL_LENGTH = 300;

const bounded = (s: string): string => (s.length > MAX_DETAIL_LENGTH ? `${s.slice(0, MAX_DETAIL_LENGTH - 1)}…` : s);

/**
 * What a layer actor's output says, as a failure or undefined for success. Every layer owes
 * `{ ok: true, ... } | { ok: false, failure: LayerFailure }`; anything else (no output, a failure
 * without a known code) is itself a failure, so a mis-wired layer cannot pass for a success.
 */
export function failureOf(output: unknown): LayerFailure | undefined {
  if (!output || typeof output !== 'object') return layerFailure('NO_OUTPUT', 'layer ended without output');
  const o = output as { ok?: unknown; failure?: unknown };
  if (o.ok === true) return undefined;
  const f = o.failure as Partial<LayerFailure> | undefined;
  if (f && isLayerFailureCode(f.code)) return { code: f.code, retryable: RETRYABLE[f.code], detail: bounded(String(f.detail ?? '')), ...(f.layer ? { layer: f.layer } : {}) };
  return layerFailure('NO_OUTPUT', o.ok === false ? 'layer failed without a failure code' : 'layer output without ok');
}

/** A crash of a layer actor (XState onError): always ACTOR_CRASHED, with the error's message. */
export function crashFailure(error: unknown): LayerFailure<'ACTOR_CRASHED'> {
  return layerFailure('ACTOR_CRASHED', bounded(errorMessage(error)));
}

/** One line for logs and the manager's `reason`: 'SDP_NO_RESPONSE (sdp): 50 requests without a response'. */
export function failureText(f: LayerFailure): string {
  return `${f.code}${f.layer ? ` (${f.layer})` : ''}${f.detail ? `: ${f.detail}` : ''}`;
}
