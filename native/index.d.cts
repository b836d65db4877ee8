// Types of the tsplc native addon (native/src/*.cc). Use through drivers/, not directly.

/** Error thrown or reported by the addon: errno name in `code` ('EPERM', 'ENODEV', 'ENETDOWN', ...). */
export interface NativeSystemError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
}

export interface InterfaceInfo {
  name: string;
  index: number;
  mac: Uint8Array;
  mtu: number;
  /** IFF_UP: administratively up. */
  up: boolean;
  /** IFF_RUNNING: carrier present (a veth is running only when its peer is up). */
  running: boolean;
  /** IFF_PROMISC as SIOCGIFFLAGS reports it: the administrator's `ip link set promisc on`, NOT packet-socket memberships (read /sys/class/net/<if>/flags for those). */
  promiscuous: boolean;
}

export interface PacketSocketStats {
  received: number;
  /** Frames larger than a 64 KiB IP packet + headers, dropped instead of delivered cut. (GSO/GRO aggregates above the MTU are delivered.) */
  truncated: number;
  /** Frames the kernel dropped because our receive queue was full. */
  kernelDrops: number;
  /** Frames the kernel delivered with TP_STATUS_CSUMNOTREADY (L4 checksum left to a NIC that never saw them). */
  checksumNotReady: number;
}

/** tpacket_auxdata.tp_status bit: the L4 checksum is not filled in (sender's TX offload, CHECKSUM_PARTIAL). */
export declare const TP_STATUS_CSUMNOTREADY: 8;
/** tpacket_auxdata.tp_status bit: a NIC already verified the L4 checksum. */
export declare const TP_STATUS_CSUM_VALID: 128;

/**
 * `packetType`: Linux sll_pkttype: 0 host, 1 broadcast, 2 multicast, 3 otherhost, 4 outgoing.
 * `status`: the checksum bits of tpacket_auxdata.tp_status (TP_STATUS_CSUMNOTREADY,
 * TP_STATUS_CSUM_VALID); 0 when neither applies.
 */
export type FrameCallback = (data: Uint8Array, packetType: number, timestampMs: number, status: number) => void;

export interface PacketSocketOptions {
  /**
   * Deliver our own transmissions too (packetType 4, PACKET_OUTGOING), from the kernel's transmit
   * tap, interleaved in order with received frames. For capture taps (session records); a protocol
   * socket leaves it off and never sees its own frames.
   */
  readonly outgoing?: boolean;
}

export declare class PacketSocket {
  /**
   * Opens an AF_PACKET SOCK_RAW socket on `ifname` for the given EtherTypes
   * (one: kernel protocol bind; several: ETH_P_ALL + in-kernel BPF filter; none: all).
   * Throws NativeSystemError: ENODEV (no such interface), EPERM (no CAP_NET_RAW),
   * ENETDOWN (interface down).
   */
  constructor(ifname: string, etherTypes: number[], onFrame: FrameCallback, onError: (err: NativeSystemError) => void, options?: PacketSocketOptions);
  readonly ifindex: number;
  readonly mtu: number;
  readonly mac: Uint8Array;
  readonly isOpen: boolean;
  /** Sends one whole frame (padded to 60 bytes); returns bytes sent. Throws on EAGAIN/ENOBUFS/EMSGSIZE. */
  send(frame: Uint8Array): number;
  setPromiscuous(on: boolean): void;
  /** Idempotent. */
  close(): void;
  ref(): void;
  unref(): void;
  stats(): PacketSocketStats;
}

export declare function interfaceInfo(ifname: string): InterfaceInfo;

/** Sends one datagram to an AF_UNIX SOCK_DGRAM socket ('@name' = abstract). Returns bytes sent. */
export declare function sdNotify(socketPath: string, message: string): number;

/** What GPIO_GET_CHIPINFO_IOCTL reports (struct gpiochip_info). */
export interface GpioChipInfo {
  /** Kernel name, e.g. "gpiochip0". */
  name: string;
  /** Functional name, e.g. "pinctrl-rp1", "pinctrl-bcm2711", "gpio-32-63". */
  label: string;
  lines: number;
}

/**
 * A GPIO character device (/dev/gpiochipN, uAPI v2). Throws NativeSystemError: ENOENT (no such
 * device), EACCES (no permission: group gpio), ENOTTY (a character device that is not a gpiochip).
 */
export declare class GpioChip {
  constructor(path: string);
  info(): GpioChipInfo;
  readonly isOpen: boolean;
  /** Idempotent; line requests stay valid. */
  close(): void;
}

/**
 * GPIO_V2_GET_LINE_IOCTL with a packed gpio_v2_line_request (src/domain/hardware/gpiochip.ts). With
 * onEvents the line fd is watched: each call carries whole gpio_v2_line_event records. Throws
 * NativeSystemError: EBUSY (line held by another consumer), EINVAL (bad offset or config).
 */
export declare class GpioLineRequest {
  constructor(chip: GpioChip, request: Uint8Array, onEvents?: (events: Uint8Array) => void, onError?: (err: NativeSystemError) => void);
  /** GPIO_V2_LINE_SET_VALUES_IOCTL with a packed gpio_v2_line_values. */
  setValues(values: Uint8Array): void;
  /** GPIO_V2_LINE_GET_VALUES_IOCTL: fills `values` (mask in, bits out) and returns it. */
  getValues(values: Uint8Array): Uint8Array;
  readonly isOpen: boolean;
  /** Releases the lines. Idempotent. */
  close(): void;
  ref(): void;
  unref(): void;
}

/** sizeof / offsetof from the kernel's <linux/gpio.h>, to check the TypeScript packer against. */
export declare const GPIO_STRUCT_SIZES: {
  gpiochip_info: number;
  gpio_v2_line_request: number;
  gpio_v2_line_config: number;
  gpio_v2_line_attribute: number;
  gpio_v2_line_values: number;
  gpio_v2_line_event: number;
  offsets: { consumer: number; config: number; num_lines: number; event_buffer_size: number; fd: number; config_attrs: number };
};
