// Ports: IPv6 UDP and TCP on one interface (SDP on ff02::1 port 15118, V2GTP over TCP).
// Implemented by drivers/udp + drivers/tcp over node:dgram / node:net, and by an
// in-memory IPv6 link (drivers/udp/memory-link.ts) for `tsplc sim` and tests.
//
// Addresses are textual IPv6 without a scope suffix ('fe80::1', 'ff02::1'): a
// NetStack belongs to exactly one interface and scopes every link-local and
// multicast address to it itself. Node accepts only the interface *name* as a
// scope id ('ff02::1%veth0'); a numeric or missing scope makes the kernel pick
// an interface, which on a board with eth0 + the modem is silently the wrong one.
import type { Observable } from 'rxjs';

export interface UdpDatagram {
  readonly data: Uint8Array;
  /** Sender address (unscoped, e.g. 'fe80::2'). */
  readonly address: string;
  readonly port: number;
  /** Receive time in ms (the stack's clock). */
  readonly timestamp: number;
}

export interface UdpPort {
  /** The local port this socket is bound to (the ephemeral one if 0 was asked for). */
  readonly port: number;
  readonly datagrams$: Observable<UdpDatagram>;
  /** Sends one datagram; `address` may be unicast link-local or 'ff02::1'. Errors are reported through the logger, never thrown. */
  send(data: Uint8Array, address: string, port: number): void;
  close(): void;
}

export type TcpCloseReason =
  /** We called close(). */
  | 'local'
  /** The peer closed (FIN). */
  | 'remote'
  /** RST seen, or the link went away under an established connection. */
  | 'reset'
  /** Any other socket error. */
  | 'error';

export type TcpEvent =
  | { readonly type: 'data'; readonly data: Uint8Array }
  | { readonly type: 'closed'; readonly reason: TcpCloseReason; readonly message?: string };

/** One established TCP connection. `events$` emits data chunks (no framing!) and then exactly one 'closed', then completes. */
export interface TcpConnection {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly events$: Observable<TcpEvent>;
  write(data: Uint8Array): void;
  /** Graceful close (FIN). */
  close(): void;
  /** Abort (RST). */
  destroy(): void;
}

export interface TcpServer {
  readonly port: number;
  readonly connections$: Observable<TcpConnection>;
  close(): void;
}

/** PERMISSION_DENIED: EACCES/EPERM (a port below 1024 without CAP_NET_BIND_SERVICE, a firewall rule): retrying cannot help. */
export type NetErrorCode = 'NO_LINK_LOCAL' | 'ADDRESS_IN_USE' | 'CONNECT_REFUSED' | 'CONNECT_TIMEOUT' | 'UNREACHABLE' | 'PERMISSION_DENIED' | 'IO';

export interface NetError {
  readonly code: NetErrorCode;
  readonly message: string;
}

export type NetResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: NetError };

/** The IPv6 stack of one interface. */
export interface NetStack {
  readonly interfaceName: string;
  /** Our link-local unicast address (unscoped), or undefined when the interface has none yet (DAD pending, link down). */
  linkLocalAddress(): string | undefined;
  /** Binds a UDP socket on this interface. port 0 = ephemeral. `multicast` = a group to receive on (ff02::1 for the SDP server). */
  openUdp(port: number, options?: { readonly multicast?: string }): Promise<NetResult<UdpPort>>;
  /** Listens on our link-local address. port 0 = choose one from the dynamic range 49152–65535 (ISO 15118-2 SDP). */
  listenTcp(port: number): Promise<NetResult<TcpServer>>;
  /** Connects to a peer on this link. */
  connectTcp(address: string, port: number, timeoutMs: number): Promise<NetResult<TcpConnection>>;
}

/** The dynamic/private port range the SECC chooses its TCP port from (RFC 6335, used by ISO 15118-2 SDP). */
export const DYNAMIC_PORT_MIN = 49152;
export const DYNAMIC_PORT_MAX = 65535;
export { SDP_PORT, IPV6_ALL_NODES as ALL_NODES } from '../constants.js';
