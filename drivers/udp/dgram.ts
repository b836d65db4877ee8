// UdpPort over node:dgram (IPv6), scoped to one interface.
//
// Why the scoping matters: Node takes the scope of a link-local or multicast
// address only as an interface *name* suffix ('ff02::1%veth0'). Without it the
// kernel picks the interface of the default route, so on a board with eth0 and
// the modem interface the SDP request silently leaves through eth0.
import dgram from 'node:dgram';
import { Subject } from 'rxjs';
import type { NetResult, UdpDatagram, UdpPort } from '../../src/ports/net.js';
import type { Logger } from '../../src/ports/log.js';

/** Adds '%iface' to link-local unicast (fe80::/10) and link-scope multicast (ff02::/16) addresses. */
export function scoped(address: string, interfaceName: string): string {
  if (address.includes('%')) return address;
  const a = address.toLowerCase();
  return /^fe[89ab]/.test(a) || a.startsWith('ff02:') ? `${address}%${interfaceName}` : address;
}

/** Strips a '%scope' suffix. */
export function unscoped(address: string): string {
  const i = address.indexOf('%');
  return i < 0 ? address : address.slice(0, i);
}

export interface DgramOptions {
  readonly interfaceName: string;
  /** Our link-local address (unscoped): bind to it so unicast replies come back on this interface. */
  readonly localAddress: string | undefined;
  readonly port: number;
  /** Group to receive on (ff02::1 for the SDP server). Binding to the scoped group also binds the socket to the interface. */
  readonly multicast?: string;
  readonly logger: Logger;
}

export function openDgramPort(opts: DgramOptions): Promise<NetResult<UdpPort>> {
  const { interfaceName, logger } = opts;
  return new Promise((resolve) => {
    const sock = dgram.createSocket({ type: 'udp6', reuseAddr: true });
    const rx = new Subject<UdpDatagram>();
    let bound = false;
    let closed = false;
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (!bound) {
        const code = e.code === 'EADDRINUSE' ? 'ADDRESS_IN_USE' : e.code === 'EACCES' || e.code === 'EPERM' ? 'PERMISSION_DENIED' : 'IO';
        resolve({ ok: false, error: { code, message: `udp bind on ${interfaceName}: ${e.message}` } });
        try {
          sock.close();
        } catch {
          /* already closed */
        }
        return;
      }
      logger.log('warn', 'udp socket error', { interface: interfaceName, error: e.message });
    });
    sock.on('message', (msg, rinfo) => {
      rx.next({ data: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength).slice(), address: unscoped(rinfo.address), port: rinfo.port, timestamp: Date.now() });
    });
    // A server receiving ff02::1 binds to the scoped group (the kernel then binds the socket
    // to that device); a client binds to its own link-local address for the unicast reply.
    const bindAddress = opts.multicast ? scoped(opts.multicast, interfaceName) : opts.localAddress ? scoped(opts.localAddress, interfaceName) : '::';
    sock.bind({ port: opts.port, address: bindAddress, exclusive: true }, () => {
      bound = true;
      try {
        sock.setMulticastInterface(`::%${interfaceName}`);
        sock.setMulticastLoopback(false);
      } catch (e) {
        logger.log('warn', 'could not set the multicast interface', { interface: interfaceName, error: (e as Error).message });
      }
      const port: UdpPort = {
        port: sock.address().port,
        datagrams$: rx.asObservable(),
        send(data, address, dstPort) {
          if (closed) return;
          sock.send(data, dstPort, scoped(address, interfaceName), (e) => {
            if (e) logger.log('warn', 'udp send failed', { interface: interfaceName, to: address, port: dstPort, error: e.message });
          });
        },
        close() {
          if (closed) return;
          closed = true;
          rx.complete();
          sock.close();
        },
      };
      resolve({ ok: true, value: port });
    });
  });
}
