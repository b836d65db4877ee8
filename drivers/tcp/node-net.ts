// TcpConnection / TcpServer over node:net, on one interface's link-local address.
import net from 'node:net';
import { Observable, Subject } from 'rxjs';
import { DYNAMIC_PORT_MAX, DYNAMIC_PORT_MIN, type NetErrorCode, type NetResult, type TcpConnection, type TcpEvent, type TcpServer } from '../../src/ports/net.js';
import type { Logger } from '../../src/ports/log.js';
import { scoped, unscoped } from '../udp/dgram.js';

/**
 * The port's error code for a socket errno. EACCES/EPERM (a port below 1024 without CAP_NET_BIND_SERVICE,
 * a firewall REJECT with icmp-admin-prohibited, an LSM) is PERMISSION_DENIED: the manager gives up on it
 * (src/domain/connection/failure.ts RETRYABLE) instead of backing off forever against a configuration error.
 */
export function netErrorCode(errno: string | undefined): NetErrorCode {
  switch (errno) {
    case 'EADDRINUSE':
      return 'ADDRESS_IN_USE';
    case 'ECONNREFUSED':
      return 'CONNECT_REFUSED';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 'UNREACHABLE';
    case 'EACCES':
    case 'EPERM':
      return 'PERMISSION_DENIED';
    default:
      return 'IO';
  }
}

/** After close(): how long the peer may take to close its side before the socket is reset, ms. */
export const CLOSE_LINGER_MS = 2000;

/** Wraps a connected net.Socket. Buffers events until the first subscriber so nothing is lost between accept and subscribe. */
export function wrapSocket(sock: net.Socket): TcpConnection {
  const out = new Subject<TcpEvent>();
  let pending: TcpEvent[] | undefined = [];
  let closed = false;
  let closeReason: { reason: 'local' | 'remote' | 'reset' | 'error'; message?: string } | undefined;
  const emit = (e: TcpEvent): void => {
    if (pending) pending.push(e);
    else out.next(e);
  };
  const finish = (reason: 'local' | 'remote' | 'reset' | 'error', message?: string): void => {
    if (closed) return;
    closed = true;
    emit({ type: 'closed', reason: closeReason?.reason ?? reason, ...((closeReason?.message ?? message) ? { message: closeReason?.message ?? message } : {}) });
    if (!pending) out.complete();
  };
  sock.setNoDelay(true);
  sock.on('data', (b: Buffer) => emit({ type: 'data', data: new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice() }));
  sock.on('error', (e: NodeJS.ErrnoException) => {
    closeReason ??= { reason: e.code === 'ECONNRESET' || e.code === 'EPIPE' ? 'reset' : 'error', message: e.message };
  });
  sock.on('end', () => {
    closeReason ??= { reason: 'remote' };
    sock.end();
  });
  sock.on('close', () => finish('remote'));
  return {
    localAddress: unscoped(sock.localAddress ?? ''),
    localPort: sock.localPort ?? 0,
    remoteAddress: unscoped(sock.remoteAddress ?? ''),
    remotePort: sock.remotePort ?? 0,
    events$: new Observable<TcpEvent>((sub) => {
      const s = out.subscribe(sub);
      const queued = pending;
      pending = undefined;
      if (queued) for (const e of queued) sub.next(e);
      if (queued && closed) sub.complete();
      return s;
    }),
    write(data) {
      if (!closed && !sock.destroyed) sock.write(data);
    },
    close() {
      closeReason ??= { reason: 'local' };
      sock.end();
      // end() only half-closes: a peer that never sends its FIN (a silent or hostile one) kept the socket, and
      // with it the process, alive for good. Give an honest peer CLOSE_LINGER_MS to finish, then reset.
      if (!sock.destroyed) setTimeout(() => sock.destroyed || sock.resetAndDestroy(), CLOSE_LINGER_MS).unref();
    },
    destroy() {
      closeReason ??= { reason: 'local', message: 'destroyed' };
      sock.resetAndDestroy();
    },
  };
}

export function listenNodeTcp(interfaceName: string, localAddress: string, port: number, logger: Logger, random: () => number = Math.random): Promise<NetResult<TcpServer>> {
  const tryListen = (p: number): Promise<NetResult<TcpServer>> =>
    new Promise((resolve) => {
      const server = net.createServer();
      const conns = new Subject<TcpConnection>();
      server.once('error', (e: NodeJS.ErrnoException) => {
        resolve({ ok: false, error: { code: netErrorCode(e.code), message: `tcp listen [${localAddress}]:${p}: ${e.message}` } });
      });
      server.listen({ port: p, host: scoped(localAddress, interfaceName), exclusive: true }, () => {
        server.on('error', (e) => logger.log('warn', 'tcp server error', { error: e.message }));
        let closed = false;
        server.on('connection', (s) => {
          // Nobody takes it (the listener is being closed, or the accept actor already handed one connection to
          // the session): reset it at once. Emitting it into a Subject nobody observes left the socket open
          // for good — a leak per connection of a flood (issue 8: 500 parallel connections).
          if (closed || !conns.observed) {
            s.resetAndDestroy();
            return;
          }
          conns.next(wrapSocket(s));
        });
        server.once('close', () => (closed = true));
        const addr = server.address();
        resolve({
          ok: true,
          value: {
            port: typeof addr === 'object' && addr ? addr.port : p,
            connections$: conns.asObservable(),
            close() {
              closed = true;
              conns.complete();
              server.close();
            },
          },
        });
      });
    });
  if (port !== 0) return tryListen(port);
  // ISO 15118-2 SDP: the SECC announces a port from the dynamic range; pick one at random and retry if taken.
  return (async () => {
    let last: NetResult<TcpServer> | undefined;
    for (let i = 0; i < 20; i++) {
      const p = DYNAMIC_PORT_MIN + Math.floor(random() * (DYNAMIC_PORT_MAX - DYNAMIC_PORT_MIN + 1));
      last = await tryListen(p);
      if (last.ok || last.error.code !== 'ADDRESS_IN_USE') return last;
    }
    return last as NetResult<TcpServer>;
  })();
}

export function connectNodeTcp(interfaceName: string, localAddress: string | undefined, address: string, port: number, timeoutMs: number): Promise<NetResult<TcpConnection>> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: scoped(address, interfaceName), port, ...(localAddress ? { localAddress: scoped(localAddress, interfaceName) } : {}) });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, error: { code: 'CONNECT_TIMEOUT', message: `no answer from [${address}]:${port} within ${timeoutMs} ms` } });
    }, timeoutMs);
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, error: { code: netErrorCode(e.code), message: `connect [${address}]:${port}: ${e.message}` } });
    });
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve({ ok: true, value: wrapSocket(sock) });
    });
  });
}
