// SDP server (SECC): answers every valid SDP request on [ff02::1]:15118 with
// our link-local address and the TCP port we listen on, unicast to the
// requester. TLS is not implemented yet, so we always offer "no TLS" (0x10),
// whatever the EV asked for — EVerest's SECC does the same when it has no
// certificate (EC-V sdp.cpp), and DIN 70121 never uses TLS. A request for UDP
// transport (0x10) is answered with TCP: V2G messages over UDP are not allowed.
//
// No I/O: like the client, it talks to an invoked 'udp' actor.
import { assign, fromCallback, sendTo, setup } from 'xstate';
import { SDP_SECURITY_NONE, SDP_TRANSPORT_TCP, decodeSdpRequest, encodeSdpResponse, sdpSecurityName } from '../../src/codecs/sdp/index.js';
import { parseIpv6 } from '../../src/codecs/net/ipv6-address.js';
import type { StatusUpdate } from '../../src/status.js';
import type { SdpClientEvent, SdpLinkEvent } from '../sdp-client/index.js';
import { Checkpoint } from '../../src/checkpoints.js';

export interface SdpServerInput {
  /** Our link-local address (text). */
  readonly address: string;
  /** The TCP port our V2G server listens on. */
  readonly tcpPort: number;
  /** Fault injection: announce this port instead of the real one (a charger announcing a wrong port). */
  readonly announcePort?: number;
  /** Fault injection: stay silent (SDP never answered). */
  readonly silent?: boolean;
}

interface Context {
  readonly address: Uint8Array;
  readonly port: number;
  readonly silent: boolean;
  answered: number;
  /** Invalid datagrams so far. */
  ignored: number;
}

/**
 * Log volume under a flood: the first answers and the first invalid datagrams are logged at their level, later
 * ones at debug (a count every LOG_EVERY). A car sends at most SDP_max_requests (50) requests; a 10 000-request
 * burst from a hostile host must not write 10 000 info lines (issue 8).
 */
const LOGGED_ANSWERS = 3;
const LOGGED_INVALID = 10;
const LOG_EVERY = 1000;
const loud = (n: number, first: number): boolean => n <= first || n % LOG_EVERY === 0;

export const sdpServerMachine = setup({
  types: { input: {} as SdpServerInput, context: {} as Context, events: {} as SdpClientEvent },
  actions: {
    report: (_, _params: StatusUpdate & { level?: 'debug' | 'info' | 'warn' }) => {},
  },
  actors: {
    udp: fromCallback<SdpLinkEvent>(() => () => {}),
  },
}).createMachine({
  id: 'sdpServer',
  context: ({ input }) => ({
    address: parseIpv6(input.address) ?? new Uint8Array(16),
    port: input.announcePort ?? input.tcpPort,
    silent: input.silent ?? false,
    answered: 0,
    ignored: 0,
  }),
  invoke: { id: 'udp', src: 'udp' },
  initial: 'serving',
  states: {
    serving: {
      on: {
        'SDP.DATAGRAM': [
          {
            guard: ({ event, context }) => decodeSdpRequest(event.data).ok && !context.silent,
            actions: [
              assign({ answered: ({ context }) => context.answered + 1 }),
              {
                type: 'report',
                params: ({ event }) => {
                  const r = decodeSdpRequest(event.data);
                  return { layer: 'sdp' as const, state: 'serving', checkpoint: Checkpoint.SdpReqReceived, level: 'debug' as const, details: { from: event.address, security: r.ok ? sdpSecurityName(r.value.security) : '' } };
                },
              },
              sendTo('udp', ({ event, context }) => ({
                type: 'SDP.SEND' as const,
                data: encodeSdpResponse({ address: context.address, port: context.port, security: SDP_SECURITY_NONE, transport: SDP_TRANSPORT_TCP }),
                address: event.address,
                port: event.port,
              })),
              {
                type: 'report',
                params: ({ context, event }) => ({
                  layer: 'sdp' as const,
                  state: 'answered',
                  checkpoint: Checkpoint.SdpRes,
                  ...(loud(context.answered, LOGGED_ANSWERS) ? {} : { level: 'debug' as const }),
                  details: { to: event.address, port: context.port, answered: context.answered },
                }),
              },
            ],
          },
          {
            guard: ({ event }) => decodeSdpRequest(event.data).ok,
            actions: { type: 'report', params: ({ event }) => ({ layer: 'sdp' as const, state: 'serving', level: 'warn' as const, details: { silent: 'SDP request ignored (fault injection)', from: event.address } }) },
          },
          {
            actions: [
              assign({ ignored: ({ context }) => context.ignored + 1 }),
              {
                type: 'report',
                params: ({ context, event }) => {
                  const r = decodeSdpRequest(event.data);
                  return {
                    layer: 'sdp' as const,
                    state: 'serving',
                    level: loud(context.ignored, LOGGED_INVALID) ? ('warn' as const) : ('debug' as const),
                    details: { ignored: 'invalid SDP datagram', from: event.address, bytes: event.data.length, count: context.ignored, error: r.ok ? '' : `${r.error.code} at ${r.error.offset ?? '?'}: ${r.error.message.slice(0, 120)}` },
                  };
                },
              },
            ],
          },
        ],
      },
    },
  },
});
