// EthernetPort over a real interface: an AF_PACKET raw socket from native/.
// Frames arrive through the addon's uv_poll watcher and are pushed into an rxjs
// Subject; nothing here blocks the event loop.
import { Subject, type Observable } from 'rxjs';
import type { EthernetFrame, EthernetPort, PacketType } from '../../src/ports/ethernet.js';
import { nullLogger, type Logger } from '../../src/ports/log.js';
import { formatMac } from '../../src/bytes.js';
import { fillTransportChecksum, segmentTcpAggregate } from '../../src/codecs/net/checksum.js';
import { loadNative, type NativeSystemError, type PacketSocketStats, type InterfaceInfo } from './native.js';
import { toOpenError } from './errors.js';
import { errorMessage } from '../../src/errors.js';

export { ETHERTYPE_HOMEPLUG } from '../../src/constants.js';

export interface AfPacketOptions {
  /** EtherTypes to receive, e.g. [0x88E1]. Empty = every frame (sniffing). */
  readonly etherTypes: readonly number[];
  /**
   * Drop frames addressed to a foreign unicast MAC (sll_pkttype PACKET_OTHERHOST)
   * unless the port is promiscuous. A real NIC filters them in hardware; a veth
   * does not, so without this a namespace test would see frames a modem-attached
   * board never sees. Default true.
   */
  readonly dropForeign?: boolean;
  /**
   * Also deliver our own transmissions (packetType 'outgoing'), in order with the received
   * frames and timestamped by the kernel's transmit tap: what a capture of the interface must
   * show (the session recorder). A protocol port leaves this off and never sees its own frames.
   * Default false.
   */
  readonly includeOutgoing?: boolean;
  readonly logger?: Logger;
}

/** A runtime problem reported after open (interface went down, vanished, send failed). */
export interface EthernetRuntimeError {
  readonly code: string;
  readonly message: string;
}

export interface AfPacketPort extends EthernetPort {
  readonly ifindex: number;
  readonly mtu: number;
  /** Runtime errors (also logged); the port stays usable where the kernel allows. */
  readonly errors$: Observable<EthernetRuntimeError>;
  /** Let the process exit although this port is open (and undo it). */
  unref(): void;
  ref(): void;
  /** True until close(). */
  readonly isOpen: boolean;
  stats(): AfPacketStats;
}

export interface AfPacketStats extends PacketSocketStats {
  droppedForeign: number;
  sendErrors: number;
  /**
   * Frames that arrived with TP_STATUS_CSUMNOTREADY (the sender's TX checksum
   * offload, never finished by a NIC: a veth) and whose UDP/TCP/ICMPv6 checksum
   * the driver filled in, so consumers see what a wire would carry.
   */
  checksumsCompleted: number;
  /** Frames flagged TP_STATUS_CSUMNOTREADY that could not be completed (not IP, a fragment, malformed); delivered as received. */
  checksumsIncomplete: number;
  /** TCP aggregates larger than the MTU (sender's TSO/GSO, receiver's GRO) cut into wire-sized segments. */
  aggregatesSegmented: number;
  /** Frames larger than the MTU that are not TCP aggregates: dropped, a wire cannot carry them. */
  oversizeDropped: number;
}

// <linux/if_packet.h>: tpacket_auxdata.tp_status bit for a checksum left to the NIC.
const TP_STATUS_CSUMNOTREADY = 1 << 3;

// Linux <linux/if_packet.h> sll_pkttype values.
const PACKET_TYPES: readonly (PacketType | undefined)[] = ['host', 'broadcast', 'multicast', 'otherhost', 'outgoing'];

/** Index, MAC, MTU and up/running flags of an interface; throws EthernetOpenError. Needs no privilege. */
export function interfaceInfo(ifname: string): InterfaceInfo {
  try {
    return loadNative().interfaceInfo(ifname);
  } catch (e) {
    throw toOpenError(ifname, e);
  }
}

/**
 * Opens `ifname` for the given EtherTypes. Throws EthernetOpenError with code
 * 'EPERM_RAW', 'NO_SUCH_INTERFACE', 'INTERFACE_DOWN', 'NATIVE_ADDON_MISSING' or 'OPEN_FAILED'.
 */
export function openAfPacketPort(ifname: string, options: AfPacketOptions): AfPacketPort {
  const log = (options.logger ?? nullLogger).child('ethernet');
  const dropForeign = options.dropForeign ?? true;
  const includeOutgoing = options.includeOutgoing ?? false;
  const frames = new Subject<EthernetFrame>();
  const errors = new Subject<EthernetRuntimeError>();
  let promiscuous = false;
  let droppedForeign = 0;
  let sendErrors = 0;
  let checksumsCompleted = 0;
  let checksumsIncomplete = 0;
  let aggregatesSegmented = 0;
  let oversizeDropped = 0;
  let closed = false;
  let mtu = 1500; // the interface's, set right after open (no frame is delivered before)

  const onFrame = (data: Uint8Array, pktType: number, timestamp: number, status = 0): void => {
    const packetType = PACKET_TYPES[pktType];
    // Kernel-internal types never reach a port; 'outgoing' (our own transmissions) only a capture tap.
    if (packetType === undefined || (packetType === 'outgoing' && !includeOutgoing)) return;
    if (packetType === 'otherhost' && dropForeign && !promiscuous) {
      droppedForeign++;
      return;
    }
    if ((status & TP_STATUS_CSUMNOTREADY) !== 0) {
      // A sender on this host (veth peer) left the L4 checksum to a NIC that never
      // saw the frame: the field holds only the pseudo-header sum. Finish it here,
      // so that a frame forwarded by modem-sim or written to a capture is what a
      // wire would carry; the receiving kernel drops it otherwise. `data` is a
      // fresh buffer from the addon, ours to change.
      const r = fillTransportChecksum(data);
      if (r.ok) checksumsCompleted++;
      else {
        checksumsIncomplete++;
        log.log('debug', 'checksum offloaded by the sender but not completable', { ifname, code: r.error.code, message: r.error.message });
      }
    }
    const l2Header = data[12] === 0x81 && data[13] === 0x00 ? 18 : 14;
    if (data.length > mtu + l2Header) {
      // A TCP aggregate (TSO/GSO across a veth, GRO on a real NIC): deliver the
      // segments a wire would have carried, each with its checksum filled.
      const segs = segmentTcpAggregate(data, mtu);
      if (!segs.ok) {
        oversizeDropped++;
        log.log('warn', 'frame larger than the MTU dropped', { ifname, length: data.length, code: segs.error.code });
        return;
      }
      aggregatesSegmented++;
      for (const seg of segs.value) frames.next({ data: seg, timestamp, packetType });
      return;
    }
    frames.next({ data, timestamp, packetType });
  };
  const onError = (e: NativeSystemError): void => {
    const hint =
      e.code === 'ENETDOWN'
        ? `${ifname} went down; reception resumes when it is up again`
        : e.code === 'ENODEV' || e.code === 'ENXIO'
          ? `${ifname} disappeared; reopen the port when it is back`
          : e.message;
    log.log(e.code === 'ENETDOWN' ? 'warn' : 'error', hint, { ifname, code: e.code });
    errors.next({ code: e.code, message: hint });
  };

  let socket: InstanceType<ReturnType<typeof loadNative>['PacketSocket']>;
  try {
    const addon = loadNative();
    socket = new addon.PacketSocket(ifname, [...options.etherTypes], onFrame, onError, { outgoing: includeOutgoing });
  } catch (e) {
    const typed = toOpenError(ifname, e);
    log.log('error', typed.message, { ifname, code: typed.code });
    throw typed;
  }
  const mac = socket.mac;
  mtu = socket.mtu;
  log.log('info', 'raw socket open', {
    ifname,
    mac: formatMac(mac),
    ifindex: socket.ifindex,
    etherTypes: options.etherTypes.map((t) => '0x' + t.toString(16).padStart(4, '0')).join(','),
  });

  return {
    name: ifname,
    mac,
    ifindex: socket.ifindex,
    mtu: socket.mtu,
    frames$: frames.asObservable(),
    errors$: errors.asObservable(),
    get isOpen() {
      return !closed;
    },
    send(frame: Uint8Array): void {
      if (closed) {
        log.log('warn', 'send on a closed port ignored', { ifname });
        return;
      }
      try {
        socket.send(frame);
      } catch (e) {
        // EAGAIN/ENOBUFS (queue full), EMSGSIZE (frame > MTU), ENETDOWN: a lost frame,
        // like a lost frame on the wire; the protocol layers above retry.
        sendErrors++;
        const code = (e as NativeSystemError).code ?? 'EUNKNOWN';
        const message = errorMessage(e);
        log.log('warn', 'frame not sent', { ifname, code, message });
        errors.next({ code, message });
      }
    },
    setPromiscuous(on: boolean): void {
      if (closed) return;
      try {
        socket.setPromiscuous(on);
        promiscuous = on;
        log.log('info', on ? 'promiscuous on' : 'promiscuous off', { ifname });
      } catch (e) {
        const code = (e as NativeSystemError).code ?? 'EUNKNOWN';
        const message = errorMessage(e);
        log.log('error', 'cannot change promiscuous mode', { ifname, code, message });
        errors.next({ code, message });
      }
    },
    unref() {
      socket.unref();
    },
    ref() {
      socket.ref();
    },
    stats() {
      return { ...socket.stats(), droppedForeign, sendErrors, checksumsCompleted, checksumsIncomplete, aggregatesSegmented, oversizeDropped };
    },
    close(): void {
      if (closed) return;
      closed = true;
      socket.close();
      frames.complete();
      errors.complete();
      log.log('info', 'raw socket closed', { ifname });
    },
  };
}
