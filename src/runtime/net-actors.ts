// Callback actors that connect the pure SDP machines to a UdpPort. The
// machines send { type: 'SDP.SEND' } and receive { type: 'SDP.DATAGRAM' };
// opening the socket is asynchronous, so sends are queued until it is bound.
import { fromCallback, fromPromise } from 'xstate';
import type { NetStack, TcpConnection, TcpServer, UdpPort } from '../ports/net.js';
import type { Logger } from '../ports/log.js';
import type { SdpClientEvent, SdpLinkEvent } from '../../machines/sdp-client/index.js';
import { layerFailure, tcpFailureCode, type LayerFailure, type TcpFailureCode } from '../domain/connection/failure.js';

/** A TCP step that failed: the NetStack's code as a TCP layer failure. */
export type TcpFailed = { readonly ok: false; readonly failure: LayerFailure<TcpFailureCode> };

export interface UdpLinkOptions {
  readonly net: NetStack;
  /** 0 = ephemeral (the EV), 15118 for the SECC. */
  readonly port: number;
  readonly multicast?: string;
  readonly logger: Logger;
}

export function udpLinkActor(opts: UdpLinkOptions) {
  return fromCallback<SdpLinkEvent>(({ sendBack, receive }) => {
    let port: UdpPort | undefined;
    let stopped = false;
    const queue: SdpLinkEvent[] = [];
    receive((e) => {
      if (port) port.send(e.data, e.address, e.port);
      else queue.push(e);
    });
    void opts.net.openUdp(opts.port, opts.multicast ? { multicast: opts.multicast } : undefined).then((r) => {
      if (!r.ok) {
        opts.logger.log('error', 'cannot open the SDP socket', { interface: opts.net.interfaceName, port: opts.port, error: r.error.message });
        if (!stopped) sendBack({ type: 'SDP.SOCKET_ERROR', message: r.error.message, code: r.error.code } satisfies SdpClientEvent);
        return;
      }
      if (stopped) {
        r.value.close();
        return;
      }
      port = r.value;
      opts.logger.log('debug', 'SDP socket open', { interface: opts.net.interfaceName, port: port.port, ...(opts.multicast ? { group: opts.multicast } : {}) });
      port.datagrams$.subscribe((d) => sendBack({ type: 'SDP.DATAGRAM', data: d.data, address: d.address, port: d.port } satisfies SdpClientEvent));
      for (const e of queue.splice(0)) port.send(e.data, e.address, e.port);
    });
    return () => {
      stopped = true;
      port?.close();
    };
  });
}

/** EV: connect to the SDP-announced SECC. Output { ok, connection } | { ok: false, failure }. */
export function tcpConnectActor(net: NetStack, timeoutMs: number, logger: Logger) {
  return fromPromise<{ ok: true; connection: TcpConnection } | TcpFailed, { address: string; port: number } | undefined>(async ({ input }) => {
    if (!input) return { ok: false, failure: layerFailure('TCP_NO_ADDRESS', 'no SECC address (SDP did not run)') };
    const r = await net.connectTcp(input.address, input.port, timeoutMs);
    if (!r.ok) {
      logger.log('warn', 'TCP connect failed', { secc: input.address, port: input.port, code: r.error.code, error: r.error.message });
      return { ok: false, failure: layerFailure(tcpFailureCode(r.error.code), r.error.message) };
    }
    return { ok: true, connection: r.value };
  });
}

/** EVSE: listen on a port from the dynamic range (or a fixed one). Output { ok, port, address, handle: TcpServer } | { ok: false, failure }. */
export function tcpListenActor(net: NetStack, port: number, logger: Logger) {
  return fromPromise<{ ok: true; port: number; address: string; handle: TcpServer } | TcpFailed>(async () => {
    const address = net.linkLocalAddress();
    if (!address) return { ok: false, failure: layerFailure('TCP_NO_LINK_LOCAL', `${net.interfaceName} has no link-local IPv6 address`) };
    const r = await net.listenTcp(port);
    if (!r.ok) {
      logger.log('error', 'TCP listen failed', { code: r.error.code, error: r.error.message });
      return { ok: false, failure: layerFailure(tcpFailureCode(r.error.code), r.error.message) };
    }
    return { ok: true, port: r.value.port, address, handle: r.value };
  });
}

/** EVSE: the first accepted connection → TCP.ACCEPTED to the parent. Later connections while one is being handed over are refused. */
export const tcpAcceptActor = fromCallback<{ type: string }, { handle: TcpServer | undefined }>(({ input, sendBack }) => {
  if (!input.handle) return () => {};
  let taken = false;
  const sub = input.handle.connections$.subscribe((c) => {
    if (taken) {
      c.destroy();
      return;
    }
    taken = true;
    sendBack({ type: 'TCP.ACCEPTED', connection: c, remoteAddress: c.remoteAddress });
  });
  return () => sub.unsubscribe();
});
