// In-memory IPv6 link: UDP (unicast + ff02::1 multicast) and TCP-like streams
// between hosts in one process, for `tsplc sim` and the whole-stack tests.
//
// Time comes from the clock port (default the wall clock): without latency, delivery happens on
// the microtask queue (so a test on XState's SimulatedClock sees a reply "at the same virtual
// instant"); with latencyMs > 0, every packet is delayed through clock.setTimeout, so virtual time
// decides ordering. Receive timestamps and connect timeouts are on the same clock.
//
// Reachability models the powerline: before SLAC has paired the modems (or
// while a modem restarts, or after an unplug) two hosts cannot hear each other.
// The link asks `reachable(a, b)` for every packet; the runtime wires it to the
// in-memory Ethernet segment / modem emulator's view of who is connected.
// Packets between unreachable hosts are dropped silently, as on a real link.
import { Observable, Subject } from 'rxjs';
import {
  ALL_NODES,
  DYNAMIC_PORT_MAX,
  DYNAMIC_PORT_MIN,
  type NetResult,
  type NetStack,
  type TcpCloseReason,
  type TcpConnection,
  type TcpEvent,
  type TcpServer,
  type UdpDatagram,
  type UdpPort,
} from '../../src/ports/net.js';
import { formatIpv6, parseIpv6 } from '../../src/codecs/net/ipv6-address.js';
import type { Clock } from '../../src/ports/clock.js';
import { wallClock } from '../clock/index.js';

/** Canonical text form (RFC 5952), so 'FE80::0:1' and 'fe80::1' name the same host. */
function canonical(address: string): string {
  const b = parseIpv6(address);
  return b ? formatIpv6(b) : address.toLowerCase();
}

export interface MemoryLinkOptions {
  /** Time of receive timestamps, latency and connect timeouts (default: the wall clock; a SimulatedClock in tests). */
  readonly clock?: Clock;
  /** One-way latency per packet in ms (on the clock). */
  readonly latencyMs?: number;
  /** Random source for port choice (tests pass a seeded one). */
  readonly random?: () => number;
}

interface UdpSocket {
  readonly host: MemoryHost;
  readonly port: number;
  readonly multicast: ReadonlySet<string>;
  readonly rx: Subject<UdpDatagram>;
  closed: boolean;
}

interface Listener {
  readonly host: MemoryHost;
  readonly port: number;
  readonly rx: Subject<TcpConnection>;
  closed: boolean;
}

/** Derives the EUI-64 link-local address from a MAC (RFC 4291 Appendix A), as Linux does without privacy extensions. */
export function linkLocalFromMac(mac: Uint8Array): string {
  const a = new Uint8Array(16);
  a.set([0xfe, 0x80], 0);
  a.set([(mac[0] ?? 0) ^ 0x02, mac[1] ?? 0, mac[2] ?? 0, 0xff, 0xfe, mac[3] ?? 0, mac[4] ?? 0, mac[5] ?? 0], 8);
  return formatIpv6(a);
}

export class MemoryIpv6Link {
  private readonly hosts = new Map<string, MemoryHost>();
  private readonly udpSockets: UdpSocket[] = [];
  private readonly listeners: Listener[] = [];
  private readonly connections = new Set<MemoryTcpEnd>();
  private reachableFn: (a: string, b: string) => boolean = () => true;
  /** Counts for tests and the session summary. */
  readonly stats = { udpSent: 0, udpDropped: 0, tcpBytes: 0, tcpDropped: 0 };

  private readonly clock: Clock;

  constructor(readonly options: MemoryLinkOptions = {}) {
    this.clock = options.clock ?? wallClock;
  }

  /** Adds a host with the given interface name and MAC; its link-local address is EUI-64 from the MAC. */
  addHost(interfaceName: string, mac: Uint8Array, address: string = linkLocalFromMac(mac)): MemoryHost {
    const host = new MemoryHost(this, interfaceName, canonical(address));
    this.hosts.set(host.address, host);
    return host;
  }

  /** Installs the model of who can hear whom (arguments are interface names). */
  setReachable(fn: (a: string, b: string) => boolean): void {
    this.reachableFn = fn;
  }

  canReach(a: MemoryHost, b: MemoryHost): boolean {
    return a.up && b.up && (a === b || this.reachableFn(a.interfaceName, b.interfaceName));
  }

  /** Fault injection: abort every established connection of `host` (or all) with RST, as a TCP reset mid-loop. */
  resetConnections(host?: MemoryHost): number {
    let n = 0;
    for (const c of [...this.connections]) {
      if (!host || c.local === host) {
        c.abortBoth('reset', 'connection reset (injected)');
        n++;
      }
    }
    return n;
  }

  hostByAddress(address: string): MemoryHost | undefined {
    return this.hosts.get(canonical(address));
  }

  /** Runs fn after the link latency (or on the microtask queue). */
  deliver(fn: () => void): void {
    const latency = this.options.latencyMs ?? 0;
    if (latency > 0) this.clock.setTimeout(fn, latency);
    else queueMicrotask(fn);
  }

  now(): number {
    return this.clock.now();
  }

  random(): number {
    return (this.options.random ?? Math.random)();
  }

  // --- UDP ---
  bindUdp(host: MemoryHost, port: number, multicast: string | undefined): NetResult<UdpPort> {
    if (port !== 0 && this.udpSockets.some((s) => s.host === host && s.port === port && !s.closed)) {
      return { ok: false, error: { code: 'ADDRESS_IN_USE', message: `udp port ${port} already bound on ${host.interfaceName}` } };
    }
    const chosen = port !== 0 ? port : this.freePort(host, (p) => this.udpSockets.some((s) => s.host === host && s.port === p && !s.closed));
    const sock: UdpSocket = { host, port: chosen, multicast: new Set(multicast ? [canonical(multicast)] : []), rx: new Subject(), closed: false };
    this.udpSockets.push(sock);
    const udpPort: UdpPort = {
      port: chosen,
      datagrams$: sock.rx.asObservable(),
      send: (data, address, dstPort) => {
        if (sock.closed) return;
        this.stats.udpSent++;
        const copy = data.slice();
        const dst = canonical(address);
        this.deliver(() => this.routeUdp(sock, copy, dst, dstPort));
      },
      close: () => {
        if (sock.closed) return;
        sock.closed = true;
        sock.rx.complete();
        const i = this.udpSockets.indexOf(sock);
        if (i >= 0) this.udpSockets.splice(i, 1);
      },
    };
    return { ok: true, value: udpPort };
  }

  private routeUdp(from: UdpSocket, data: Uint8Array, dst: string, dstPort: number): void {
    const multicast = dst.startsWith('ff');
    for (const s of [...this.udpSockets]) {
      if (s.closed || s.port !== dstPort) continue;
      if (multicast) {
        // ff02::1 is joined by every IPv6 node; other groups only by sockets that asked for them.
        if (dst !== ALL_NODES && !s.multicast.has(dst)) continue;
        // Linux loops multicast back to the sending host (IPV6_MULTICAST_LOOP=1); only matters for a socket on the same port.
      } else if (s.host.address !== dst) continue;
      if (!this.canReach(from.host, s.host)) {
        this.stats.udpDropped++;
        continue;
      }
      s.rx.next({ data: data.slice(), address: from.host.address, port: from.port, timestamp: this.now() });
    }
  }

  // --- TCP ---
  listen(host: MemoryHost, port: number): NetResult<TcpServer> {
    const inUse = (p: number): boolean => this.listeners.some((l) => l.host === host && l.port === p && !l.closed);
    if (port !== 0 && inUse(port)) return { ok: false, error: { code: 'ADDRESS_IN_USE', message: `tcp port ${port} in use on ${host.interfaceName}` } };
    const chosen = port !== 0 ? port : this.freePort(host, inUse);
    const l: Listener = { host, port: chosen, rx: new Subject(), closed: false };
    this.listeners.push(l);
    return {
      ok: true,
      value: {
        port: chosen,
        connections$: l.rx.asObservable(),
        close: () => {
          if (l.closed) return;
          l.closed = true;
          l.rx.complete();
          const i = this.listeners.indexOf(l);
          if (i >= 0) this.listeners.splice(i, 1);
        },
      },
    };
  }

  connect(host: MemoryHost, address: string, port: number, timeoutMs: number): Promise<NetResult<TcpConnection>> {
    return new Promise((resolve) => {
      const dst = this.hostByAddress(address);
      const attempt = (): void => {
        const listener = this.listeners.find((l) => !l.closed && l.host === dst && l.port === port);
        if (!dst || !this.canReach(host, dst)) {
          // SYN lost: a real stack retries until its connect timeout.
          const fail = (): void => resolve({ ok: false, error: { code: 'CONNECT_TIMEOUT', message: `no answer from [${address}]:${port} within ${timeoutMs} ms` } });
          this.clock.setTimeout(fail, timeoutMs);
          return;
        }
        if (!listener) {
          resolve({ ok: false, error: { code: 'CONNECT_REFUSED', message: `[${address}]:${port} refused the connection (RST)` } });
          return;
        }
        const clientPort = this.freePort(host, () => false);
        const a = new MemoryTcpEnd(this, host, clientPort, dst, port);
        const b = new MemoryTcpEnd(this, dst, port, host, clientPort);
        a.peer = b;
        b.peer = a;
        this.connections.add(a);
        this.connections.add(b);
        this.deliver(() => {
          if (listener.closed) {
            a.abortBoth('reset', 'listener closed');
            resolve({ ok: false, error: { code: 'CONNECT_REFUSED', message: 'listener closed' } });
            return;
          }
          listener.rx.next(b);
          resolve({ ok: true, value: a });
        });
      };
      this.deliver(attempt);
    });
  }

  forget(end: MemoryTcpEnd): void {
    this.connections.delete(end);
  }

  private freePort(_host: MemoryHost, inUse: (p: number) => boolean): number {
    for (let i = 0; i < 1000; i++) {
      const p = DYNAMIC_PORT_MIN + Math.floor(this.random() * (DYNAMIC_PORT_MAX - DYNAMIC_PORT_MIN + 1));
      if (!inUse(p)) return p;
    }
    for (let p = DYNAMIC_PORT_MIN; p <= DYNAMIC_PORT_MAX; p++) if (!inUse(p)) return p;
    return 0;
  }
}

class MemoryTcpEnd implements TcpConnection {
  peer: MemoryTcpEnd | undefined;
  private readonly out = new Subject<TcpEvent>();
  /** Events that arrive before anyone subscribed (the accept/connect hand-over is asynchronous). */
  private pending: TcpEvent[] | undefined = [];
  private state: 'open' | 'closed' = 'open';
  readonly events$: Observable<TcpEvent>;
  readonly localAddress: string;
  readonly remoteAddress: string;

  constructor(
    private readonly link: MemoryIpv6Link,
    readonly local: MemoryHost,
    readonly localPort: number,
    readonly remote: MemoryHost,
    readonly remotePort: number,
  ) {
    this.localAddress = local.address;
    this.remoteAddress = remote.address;
    this.events$ = new Observable<TcpEvent>((sub) => {
      const s = this.out.subscribe(sub);
      const queued = this.pending;
      this.pending = undefined;
      if (queued) for (const e of queued) sub.next(e);
      if (queued && this.state === 'closed') sub.complete();
      return s;
    });
  }

  write(data: Uint8Array): void {
    if (this.state !== 'open') return;
    const peer = this.peer;
    if (!peer) return;
    const copy = data.slice();
    this.link.deliver(() => {
      if (!this.link.canReach(this.local, peer.local)) {
        // The modem link is down: segments are lost; TCP would retransmit, the V2G timeouts decide.
        this.link.stats.tcpDropped += copy.length;
        return;
      }
      this.link.stats.tcpBytes += copy.length;
      peer.receive(copy);
    });
  }

  receive(data: Uint8Array): void {
    if (this.state === 'open') this.emit({ type: 'data', data });
  }

  close(): void {
    if (this.state !== 'open') return;
    this.finish('local');
    const peer = this.peer;
    if (peer) this.link.deliver(() => peer.finish('remote'));
  }

  destroy(): void {
    if (this.state !== 'open') return;
    this.finish('local', 'destroyed');
    const peer = this.peer;
    if (peer) this.link.deliver(() => peer.finish('reset', 'peer aborted the connection'));
  }

  abortBoth(reason: TcpCloseReason, message: string): void {
    this.finish(reason, message);
    this.peer?.finish(reason, message);
  }

  finish(reason: TcpCloseReason, message?: string): void {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.link.forget(this);
    this.emit({ type: 'closed', reason, ...(message ? { message } : {}) });
    if (!this.pending) this.out.complete();
  }

  private emit(e: TcpEvent): void {
    if (this.pending) this.pending.push(e);
    else this.out.next(e);
  }
}

/** One host on the link: its NetStack. */
export class MemoryHost implements NetStack {
  /** false = interface down (no link-local address, nothing heard). */
  up = true;

  constructor(
    private readonly link: MemoryIpv6Link,
    readonly interfaceName: string,
    readonly address: string,
  ) {}

  linkLocalAddress(): string | undefined {
    return this.up ? this.address : undefined;
  }

  async openUdp(port: number, options?: { readonly multicast?: string }): Promise<NetResult<UdpPort>> {
    return this.link.bindUdp(this, port, options?.multicast);
  }

  async listenTcp(port: number): Promise<NetResult<TcpServer>> {
    return this.link.listen(this, port);
  }

  connectTcp(address: string, port: number, timeoutMs: number): Promise<NetResult<TcpConnection>> {
    return this.link.connect(this, address, port, timeoutMs);
  }
}
