// Numbers and addresses of the wire that several layers need, defined once.
// Layers re-export them under the names their readers know; nothing else
// writes these literals.

/** EtherType of HomePlug AV / Green PHY management messages (IEEE 1901; big-endian on the wire). */
export const ETHERTYPE_HOMEPLUG = 0x88e1;

/** IEEE 802.1Q tag protocol identifier (some test benches, e.g. dSPACE DS5366, tag their frames with a VLAN). */
export const ETHERTYPE_VLAN = 0x8100;

/** The Ethernet broadcast address. A shared instance (typed arrays cannot be frozen): copy before mutating. */
export const BROADCAST_MAC: Uint8Array = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** UDP port of the SDP server ([V2G2-139]; the same in DIN 70121). */
export const SDP_PORT = 15118;

/** The SDP port, which many SECCs also listen on for TCP (the pyPLC charger of 2025-01-21_listenMode_02 does): the capture analyser's guess when no SDP response says otherwise. */
export const V2G_DEFAULT_TCP_PORT = 15118;

/** IPv6 link-local all-nodes multicast group (RFC 4291): the EV sends its SDP request here. */
export const IPV6_ALL_NODES = 'ff02::1';
