// Port: raw Ethernet frames on one interface (HomePlug MMEs, EtherType 0x88E1).
// Implemented by drivers/ethernet (AF_PACKET through native/, and an in-memory segment).
import type { Observable } from 'rxjs';

/** Linux packet types (sll_pkttype): how the frame reached us. */
export type PacketType = 'host' | 'broadcast' | 'multicast' | 'otherhost' | 'outgoing';

export interface EthernetFrame {
  /** The whole frame from the destination MAC on, without FCS. */
  readonly data: Uint8Array;
  /** Receive time in milliseconds (epoch, fractional). */
  readonly timestamp: number;
  /** 'otherhost' means addressed to a foreign MAC: a real NIC would not deliver it. */
  readonly packetType: PacketType;
}

export interface EthernetPort {
  /** Interface name ('eth0', 'veth0', 'sim-ev', ...). */
  readonly name: string;
  /** Our own MAC address (6 bytes). */
  readonly mac: Uint8Array;
  /** Frames received for the EtherTypes this port was opened with. */
  readonly frames$: Observable<EthernetFrame>;
  /** Sends a whole frame (dst, src, EtherType, payload); short frames are padded to 60 bytes. */
  send(frame: Uint8Array): void;
  /** Promiscuous reception (ListenMode). */
  setPromiscuous(on: boolean): void;
  close(): void;
}
