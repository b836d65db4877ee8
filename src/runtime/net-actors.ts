// Callback actors that connect the pure SDP machines to a UdpPort. The
// machines send { type: 'SDP.SEND' } and receive { type: 'SDP.DATAGRAM' };
// opening the socket is asynchronous, so sends are queued until it is bound.
import { fromCallback } from 'xstate';
import type { NetStack, UdpPort } from '../ports/net.js';
import type { Logger } from '../ports/log.js';
import type { SdpClientEvent, SdpLinkEvent } from '../../machines/sdp-client/index.js';

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
        if (!stopped) sendBack({ type: 'SDP.SOCKET_ERROR', message: r.error.message } satisfies SdpClientEvent);
        return;
      }
      if (stopped) {
        r.value.close();
        return;
      }
      port = r.value;
      port.datagrams$.subscribe((d) => sendBack({ type: 'SDP.DATAGRAM', data: d.data, address: d.address, port: d.port } satisfies SdpClientEvent));
      for (const e of queue.splice(0)) port.send(e.data, e.address, e.port);
    });
    return () => {
      stopped = true;
      port?.close();
    };
  });
}
