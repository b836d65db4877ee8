// SDP client (EVCC): multicast an SDP request to [ff02::1]:15118 every
// SDP_retry_interval until a valid response arrives, at most SDP_max_requests
// times ([V2G2-159]: wait ≥ 250 ms per request; [V2G2-161]/[V2G-DC-849]: at
// most 50 consecutive requests). pyPLC waits 0.5 s, ccs32clara 450 ms; both
// are within the standard's "at least".
//
// No I/O here: the machine invokes the 'udp' actor the runtime provides (a
// callback actor over a UdpPort). It sends { type: 'SDP.SEND', data } to that
// actor and receives { type: 'SDP.DATAGRAM', ... } from it. Bad datagrams are
// logged through the 'report' action and ignored: another SECC or a confused
// peer on the link must not end discovery.
import { assign, fromCallback, sendTo, setup, type ActorRefFrom } from 'xstate';
import { type SdpRequest, SDP_MULTICAST_ADDRESS, SDP_PORT, SDP_REQUEST_NO_TLS_TCP, decodeSdpResponse, encodeSdpRequest, sdpSecurityName } from '../../src/codecs/sdp/index.js';
import { formatIpv6 } from '../../src/codecs/net/ipv6-address.js';
import type { StatusUpdate } from '../../src/status.js';
import { defaultSdpClientTimings, type SdpClientTimings } from '../../src/codecs/sdp/timing.js';
import { Checkpoint } from '../../src/checkpoints.js';
import { layerFailure, type LayerFailure, type SdpFailureCode } from '../../src/domain/connection/failure.js';
import type { NetErrorCode } from '../../src/ports/net.js';

export { defaultSdpClientTimings, type SdpClientTimings } from '../../src/codecs/sdp/timing.js';

export interface SdpClientInput {
  readonly request?: SdpRequest;
  readonly timings?: Partial<SdpClientTimings>;
}

/** What discovery found, or why it failed. The output of the machine's final state. */
export type SdpClientOutput =
  | { readonly ok: true; readonly address: string; readonly port: number; readonly security: number; readonly transport: number; readonly requests: number }
  | { readonly ok: false; readonly failure: LayerFailure<SdpFailureCode>; readonly requests: number };

export type SdpClientEvent =
  | { type: 'SDP.DATAGRAM'; data: Uint8Array; address: string; port: number }
  /** The socket did not open: discovery cannot work, it fails at once (PERMISSION_DENIED: give up). */
  | { type: 'SDP.SOCKET_ERROR'; message: string; code?: NetErrorCode };

export type SdpLinkEvent = { type: 'SDP.SEND'; data: Uint8Array; address: string; port: number };

interface Context {
  readonly request: SdpRequest;
  readonly timings: SdpClientTimings;
  requests: number;
  found?: { address: string; port: number; security: number; transport: number };
  socketError?: { code?: NetErrorCode; message: string };
}

function sdpFailure(context: Context): LayerFailure<SdpFailureCode> {
  if (!context.socketError) return layerFailure('SDP_NO_RESPONSE', `no valid SDP response to ${context.requests} requests`);
  return layerFailure(context.socketError.code === 'PERMISSION_DENIED' ? 'SDP_PERMISSION_DENIED' : 'SDP_SOCKET_FAILED', context.socketError.message);
}

export const sdpClientMachine = setup({
  types: {
    input: {} as SdpClientInput,
    context: {} as Context,
    events: {} as SdpClientEvent,
    output: {} as SdpClientOutput,
  },
  actions: {
    /** Status and log line; the runtime provides the implementation. */
    report: (_, _params: StatusUpdate & { level?: 'debug' | 'info' | 'warn' }) => {},
  },
  actors: {
    /** The UDP socket: receives SDP.SEND, sends back SDP.DATAGRAM. Provided by the runtime. */
    udp: fromCallback<SdpLinkEvent>(() => () => {}),
  },
  delays: {
    SDP_retry_interval: ({ context }) => context.timings.SDP_retry_interval,
  },
  guards: {
    mayRetry: ({ context }) => context.requests < context.timings.SDP_max_requests,
  },
}).createMachine({
  id: 'sdpClient',
  context: ({ input }) => ({
    // Invoked without input (the connection manager's default) → the standard's values.
    request: input?.request ?? SDP_REQUEST_NO_TLS_TCP,
    timings: { ...defaultSdpClientTimings, ...input?.timings },
    requests: 0,
  }),
  invoke: { id: 'udp', src: 'udp' },
  initial: 'requesting',
  states: {
    requesting: {
      entry: [
        assign({ requests: ({ context }) => context.requests + 1 }),
        sendTo('udp', ({ context }) => ({ type: 'SDP.SEND' as const, data: encodeSdpRequest(context.request), address: SDP_MULTICAST_ADDRESS, port: SDP_PORT })),
        {
          type: 'report',
          params: ({ context }) => ({
            layer: 'sdp' as const,
            state: 'requesting',
            checkpoint: Checkpoint.SdpReq,
            level: 'debug' as const,
            details: { request: context.requests, of: context.timings.SDP_max_requests, security: sdpSecurityName(context.request.security) },
          }),
        },
      ],
      after: {
        SDP_retry_interval: [{ guard: 'mayRetry', target: 'requesting', reenter: true }, { target: 'failed' }],
      },
      on: {
        'SDP.DATAGRAM': [
          {
            guard: ({ event }) => decodeSdpResponse(event.data).ok,
            target: 'done',
            actions: assign({
              found: ({ event }) => {
                const r = decodeSdpResponse(event.data);
                // The guard above proved r.ok; keep the types honest anyway.
                if (!r.ok) return undefined;
                return { address: formatIpv6(r.value.address), port: r.value.port, security: r.value.security, transport: r.value.transport };
              },
            }),
          },
          {
            actions: {
              type: 'report',
              params: ({ event }) => {
                const r = decodeSdpResponse(event.data);
                return {
                  layer: 'sdp' as const,
                  state: 'requesting',
                  level: 'warn' as const,
                  details: { ignored: 'invalid SDP datagram', from: event.address, error: r.ok ? '' : `${r.error.code} at ${r.error.offset ?? '?'}: ${r.error.message}` },
                };
              },
            },
          },
        ],
        // Before this, a socket that never opened sent 50 requests into nothing and ended, 12.5 s later, as NO_RESPONSE.
        'SDP.SOCKET_ERROR': {
          target: 'failed',
          actions: [
            assign({ socketError: ({ event }) => ({ ...(event.code ? { code: event.code } : {}), message: event.message }) }),
            { type: 'report', params: ({ event }) => ({ layer: 'sdp' as const, state: 'requesting', level: 'warn' as const, details: { socketError: event.message, code: event.code ?? 'IO' } }) },
          ],
        },
      },
    },
    done: {
      type: 'final',
      entry: {
        type: 'report',
        params: ({ context }) => ({
          layer: 'sdp' as const,
          state: 'done',
          checkpoint: Checkpoint.SdpResReceived,
          details: { secc: context.found?.address ?? '', port: context.found?.port ?? 0, security: sdpSecurityName(context.found?.security ?? 0x10), requests: context.requests },
        }),
      },
    },
    failed: {
      type: 'final',
      entry: {
        type: 'report',
        params: ({ context }) => ({ layer: 'sdp' as const, state: 'failed', level: 'warn' as const, details: { reason: context.socketError ? `SDP socket: ${context.socketError.message}` : 'no SDP response', requests: context.requests } }),
      },
    },
  },
  output: ({ context }) =>
    context.found
      ? { ok: true as const, ...context.found, requests: context.requests }
      : { ok: false as const, failure: sdpFailure(context), requests: context.requests },
});

export type SdpClientActor = ActorRefFrom<typeof sdpClientMachine>;
